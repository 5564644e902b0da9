"""Send for review in the window: the signing key is checked (and offered) before any file name
is asked; a new passphrase is asked twice; a wrong passphrase is asked again; the key's words
read in UK spelling, the same on every machine."""

from __future__ import annotations

import datetime as dt
import json

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from consortium.matching import proposals
from consortium.packs import keys, pack

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def no_keyring():
    """A computer with no keyring: the key goes in a passphrase-protected file."""
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(before)


@pytest.fixture
def bid_page(main_window):
    ws = main_window.ws
    result = proposals.propose_for(ws, "ocds-h6vhtk-05a7b0", today=TODAY)
    proposals.save_as_consortium(ws, result, 0, "MK domestic abuse")
    main_window.sidebar.setCurrentRow(3)
    page = main_window.bids
    page.reload()
    page.consortium.setCurrentIndex(page.consortium.findText("MK domestic abuse"))
    page.create_bid()
    return page


class Script:
    """Stands in for the dialogs a user answers, recording what was asked, in order."""

    def __init__(self, monkeypatch, answers: list[tuple[str, bool]], pack_path):
        self.asked: list[str] = []
        self.answers = list(answers)

        def get_text(_parent, title, label, *args, **kwargs):
            self.asked.append(f"text: {label}")
            return self.answers.pop(0)

        def save_name(*args, **kwargs):
            self.asked.append("file name")
            return str(pack_path), ""

        def question(_parent, title, text, *args, **kwargs):
            self.asked.append(f"question: {title}")
            return QMessageBox.StandardButton.Yes

        monkeypatch.setattr(QInputDialog, "getText", get_text)
        monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
        monkeypatch.setattr(QMessageBox, "question", question)
        monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: None)


def test_send_offers_a_key_first_asks_the_passphrase_twice_and_again_when_wrong(
    bid_page, monkeypatch, tmp_path, no_keyring, qtbot
):
    out = tmp_path / "mk.cbpack"
    script = Script(
        monkeypatch,
        [
            ("Milton Keynes Women's Refuge", True),  # who signs
            ("short", True),  # too short: asked again
            ("river otter lantern", True),
            ("river otter lanterns", True),  # not the same: asked again
            ("river otter lantern", True),
            ("river otter lantern", True),  # typed twice the same
            ("wrong passphrase", True),  # signing: wrong, asked again
            ("river otter lantern", True),
        ],
        out,
    )
    bid_page.choose_send()
    assert script.asked[0] == "question: A signing key is needed"
    key_made = script.asked.index("file name")
    assert script.asked[1].startswith("text: Organisation that signs")
    prompts = script.asked[2:key_made]
    assert len(prompts) == 5
    assert "at least 8" in prompts[0] and "5 characters" in prompts[1]
    assert prompts[2] == "text: Type the same passphrase again:"
    assert "not the same" in prompts[3] and prompts[4] == "text: Type the same passphrase again:"
    signing = script.asked[key_made + 1 :]
    assert signing == [
        "text: Passphrase for your signing key:",
        "text: That passphrase does not open your signing key. Type it again:",
    ]
    assert keys.identity().storage == "file"
    qtbot.waitUntil(lambda: "Wrote the signed pack" in bid_page.message.text(), timeout=60_000)
    assert out.exists() and pack.verify_pack(out).ok
    assert "Wrote the signed pack" in bid_page.message.text()
    assert keys.identity().words in bid_page.message.text()


def test_declining_the_key_asks_for_no_file_name(bid_page, monkeypatch, tmp_path):
    asked = []
    monkeypatch.setattr(
        QMessageBox,
        "question",
        lambda *a, **k: asked.append("key") or QMessageBox.StandardButton.No,
    )
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: asked.append("file") or ("", "")
    )
    bid_page.choose_send()
    assert asked == ["key"]
    assert "signing key" in bid_page.message.text()


def test_cancelling_the_passphrase_stops_without_a_pack(
    bid_page, monkeypatch, tmp_path, no_keyring
):
    keys.create_key("Milton Keynes Women's Refuge", passphrase="river otter lantern")
    Script(monkeypatch, [("nope", True), ("", False)], tmp_path / "x.cbpack")
    assert bid_page.send(tmp_path / "x.cbpack") is None
    assert not (tmp_path / "x.cbpack").exists()


def test_fingerprint_words_are_in_uk_spelling_and_stable(memory_keyring):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from mnemonic import Mnemonic

    wordlist = set(Mnemonic("english").wordlist)
    assert set(keys.UK_SPELLINGS) <= wordlist
    assert not set(keys.UK_SPELLINGS.values()) & wordlist  # no clash with another word
    assert keys.UK_SPELLINGS["flavor"] == "flavour"
    # Keys until one's words would have had a US spelling (about one key in twenty).
    for _ in range(2000):
        public = keys.raw_public(Ed25519PrivateKey.generate().public_key())
        words = keys.fingerprint_words(public)
        if any(w in keys.UK_SPELLINGS.values() for w in words.split()):
            break
    else:
        pytest.fail("no key gave a word with a UK spelling")
    assert not any(w in keys.UK_SPELLINGS for w in words.split())
    assert keys.fingerprint_words(public) == words  # the same key, the same words
    assert len(words.split()) == keys.WORDS
    assert keys.uk_spelling("flavor color harbor") == "flavour colour harbour"
    assert keys.uk_spelling(keys.uk_spelling("odor armor")) == "odour armour"
    # An identity saved with the older American words reads in UK spelling.
    made = keys.create_key("Riverside Community Action")
    stored = json.loads(keys._identity_file().read_text())
    stored["words"] = "flavor " + " ".join(made.words.split()[1:])
    keys._identity_file().write_text(json.dumps(stored))
    assert keys.identity().words.startswith("flavour ")
