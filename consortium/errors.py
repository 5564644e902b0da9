"""Errors a person can read. The CLI prints their message; the window shows it in a dialog."""


class ConsortiumError(Exception):
    """Base for every error whose message is meant for the user, not a traceback."""
