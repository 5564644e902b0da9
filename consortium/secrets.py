"""The only module that touches the OS keyring.

    if secrets.keyring_available():
        secrets.store("signing-key:Riverside", pem_text)
    secrets.load("signing-key:Riverside")

Where the machine has no keyring backend (a headless Linux box, some locked-down laptops), this
says so with :class:`NoKeyring` and callers offer a passphrase-protected key file instead: a
secret is never written anywhere in plain text behind the user's back.
"""

from __future__ import annotations

import contextlib

from consortium.errors import ConsortiumError

SERVICE = "Consortium"


class NoKeyring(ConsortiumError):
    """This computer has no keyring to keep secrets in."""

    def __init__(self, detail: str = ""):
        super().__init__(
            "This computer has no secure keyring (such as Windows Credential Manager, the macOS "
            "Keychain or GNOME Keyring) for Consortium to keep your signing key in. Protect the "
            "key with a passphrase instead: it is then kept in a key file that only opens with "
            "that passphrase." + (f" ({detail})" if detail else "")
        )


def _keyring():
    """The keyring package, imported on first use (it scans for backends, which costs start-up
    time, and most sessions never sign anything)."""
    import keyring
    import keyring.errors

    return keyring


def backend_name() -> str:
    """The keyring backend in use, e.g. 'SecretService Keyring', for ``consortium doctor``."""
    ring = _keyring()
    try:
        backend = ring.get_keyring()
    except Exception:  # a broken keyring configuration is reported, not raised
        return "none"
    return getattr(backend, "name", None) or type(backend).__name__


def keyring_available() -> bool:
    """True when a real keyring backend is there (not keyring's 'fail' or 'null' backends)."""
    backend = _keyring().get_keyring()
    try:
        priority = backend.priority
    except Exception:  # a backend that cannot even say its priority is not usable
        return False
    name = type(backend).__module__ + "." + type(backend).__name__
    return priority > 0 and not name.startswith(("keyring.backends.fail", "keyring.backends.null"))


def store(name: str, secret: str) -> None:
    if not keyring_available():
        raise NoKeyring()
    ring = _keyring()
    try:
        ring.set_password(SERVICE, name, secret)
    except ring.errors.KeyringError as exc:
        raise NoKeyring(str(exc)) from exc


def load(name: str) -> str | None:
    if not keyring_available():
        return None
    ring = _keyring()
    try:
        return ring.get_password(SERVICE, name)
    except ring.errors.KeyringError:
        return None


def delete(name: str) -> None:
    if not keyring_available():
        return
    ring = _keyring()
    with contextlib.suppress(ring.errors.PasswordDeleteError):
        ring.delete_password(SERVICE, name)
