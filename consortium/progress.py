"""Progress and cancellation for long core operations, with no Qt.

A long function takes ``progress(done, total, text)`` and ``cancelled()`` callables. It calls
``progress`` now and then and raises :class:`Cancelled` (through :func:`check`) when asked to
stop, inside its transaction, so a cancelled import leaves the workspace as it was.
"""

from __future__ import annotations

from collections.abc import Callable

from consortium.errors import ConsortiumError

Progress = Callable[[int, int, str], None]
IsCancelled = Callable[[], bool]


class Cancelled(ConsortiumError):
    """The user pressed Cancel; nothing was changed."""

    def __init__(self, message: str = "Cancelled: nothing was changed."):
        super().__init__(message)


def no_progress(done: int, total: int, text: str) -> None:
    """The default progress callback: says nothing."""


def never_cancelled() -> bool:
    return False


def check(cancelled: IsCancelled) -> None:
    """Raise :class:`Cancelled` if the user asked to stop."""
    if cancelled():
        raise Cancelled()
