"""The signing key in the window, shared by the Bids and Review areas and the File menu:
make sure there is one (offering to create it where it is needed), choose a new passphrase
(asked twice), and ask for the passphrase again when it is wrong."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QLabel, QLineEdit, QMessageBox, QWidget

from consortium import secrets
from consortium.errors import ConsortiumError
from consortium.packs import keys
from ui.status import tell_failure

NO_KEY = "Create your organisation's signing key first (File > Signing key)."
MIN_PASSPHRASE = 8


# What is signed, and who checks it: the consortium signs packs for the housing association,
# the housing association signs reviews for the consortium.
SIGNED = {
    "pack": ("A bid pack", "the housing association", "pack"),
    "review": ("A review", "the consortium", "review"),
}


def ensure_key(
    parent: QWidget, message: QLabel | None = None, organisation: str = "", for_: str = "pack"
) -> bool:
    """True when there is a signing key, offering to create one now when there is not."""
    if keys.identity() is not None:
        return True
    thing, reader, _ = SIGNED[for_]
    answer = QMessageBox.question(
        parent,
        "A signing key is needed",
        f"{thing} is signed with your organisation's key, so {reader} can tell "
        "it came from you and was not changed on the way.\n\nThis computer has no signing key "
        "yet. Create one now?",
    )
    if answer != QMessageBox.StandardButton.Yes:
        if message is not None:
            tell_failure(message, NO_KEY)
        return False
    return create_key(parent, organisation, for_) is not None


def create_key(parent: QWidget, organisation: str = "", for_: str = "pack") -> keys.Identity | None:
    """Ask who signs (and a new passphrase where there is no keyring), make the key, and show
    its words; None when the user stopped or it failed (already said)."""
    name, ok = QInputDialog.getText(
        parent, "Signing key", "Organisation that signs:", text=organisation
    )
    if not ok or not name.strip():
        return None
    passphrase = None
    if not secrets.keyring_available():
        passphrase = new_passphrase(parent)
        if passphrase is None:
            return None
    try:
        me = keys.create_key(name.strip(), passphrase)
    except ConsortiumError as exc:
        QMessageBox.warning(parent, "No key was made", str(exc))
        return None
    QMessageBox.information(
        parent,
        "Signing key",
        f"Key made for {me.organisation}.\n\nIts words: {me.words}\n\nRead them to "
        f"{SIGNED[for_][1]} when you send your first {SIGNED[for_][2]}, so they know the key "
        "is yours.",
    )
    return me


def new_passphrase(parent: QWidget) -> str | None:
    """A new passphrase, typed twice the same; asked again (never a restart) when too short or
    when the two differ. None if the user cancels."""
    prompt = (
        "This computer has no secure keyring, so the key will be kept in a file protected by a "
        f"passphrase. Choose one (at least {MIN_PASSPHRASE} characters):"
    )
    while True:
        first, ok = QInputDialog.getText(parent, "Signing key", prompt, QLineEdit.EchoMode.Password)
        if not ok:
            return None
        if len(first) < MIN_PASSPHRASE:
            prompt = (
                f"That passphrase has {len(first)} characters; choose one of at least "
                f"{MIN_PASSPHRASE}:"
            )
            continue
        second, ok = QInputDialog.getText(
            parent, "Signing key", "Type the same passphrase again:", QLineEdit.EchoMode.Password
        )
        if not ok:
            return None
        if second == first:
            return first
        prompt = "The two passphrases were not the same. Choose the passphrase again:"


def passphrase_for_signing(
    parent: QWidget, given: str | None = None, message: QLabel | None = None
) -> tuple[bool, str | None]:
    """(go ahead, passphrase). Asks only when the key is kept in a passphrase-protected file,
    and asks again while the passphrase does not open it. With no key at all, says so in
    ``message`` (if given) and does not go ahead."""
    me = keys.identity()
    if me is None:
        if message is not None:
            tell_failure(message, NO_KEY)
        return False, None
    if me.storage != "file" or given is not None:
        return True, given
    prompt = "Passphrase for your signing key:"
    while True:
        text, ok = QInputDialog.getText(parent, "Passphrase", prompt, QLineEdit.EchoMode.Password)
        if not ok:
            return False, None
        try:
            keys.load_private_key(text)
        except keys.SigningKeyError as exc:
            if "passphrase" not in str(exc).lower():
                if message is not None:
                    tell_failure(message, str(exc))
                return False, None
            prompt = "That passphrase does not open your signing key. Type it again:"
            continue
        return True, text
