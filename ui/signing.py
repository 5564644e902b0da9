"""Asking for the signing key's passphrase, shared by the Bids and Review areas."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QLabel, QLineEdit, QWidget

from consortium.packs import keys

NO_KEY = "Create your organisation's signing key first (File > Signing key)."


def passphrase_for_signing(
    parent: QWidget, given: str | None = None, message: QLabel | None = None
) -> tuple[bool, str | None]:
    """(go ahead, passphrase). Asks only when the key is kept in a passphrase-protected file.
    With no key at all, says so in ``message`` (if given) and does not go ahead."""
    me = keys.identity()
    if me is None:
        if message is not None:
            message.setText(NO_KEY)
        return False, None
    if me.storage != "file" or given is not None:
        return True, given
    text, ok = QInputDialog.getText(
        parent, "Passphrase", "Passphrase for your signing key:", QLineEdit.EchoMode.Password
    )
    return ok, text if ok else None
