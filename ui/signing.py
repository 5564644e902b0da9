"""Asking for the signing key's passphrase, shared by the Bids and Review areas."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QLineEdit, QWidget

from consortium.packs import keys


class NoKey(Exception):
    """There is no signing key yet."""


def passphrase_for_signing(parent: QWidget, given: str | None = None) -> tuple[bool, str | None]:
    """(go ahead, passphrase). Asks only when the key is kept in a passphrase-protected file;
    raises NoKey when there is no key at all."""
    me = keys.identity()
    if me is None:
        raise NoKey
    if me.storage != "file" or given is not None:
        return True, given
    text, ok = QInputDialog.getText(
        parent, "Passphrase", "Passphrase for your signing key:", QLineEdit.EchoMode.Password
    )
    return ok, text if ok else None
