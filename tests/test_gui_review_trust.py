"""The Review area when trust is at stake, driven as a user would: a first review asks for the
reviewer's words, a forged review is refused in red naming both keys, a sender's changed key
fails until its words are typed."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PySide6.QtCore import Qt

from consortium.bids import records as bids
from consortium.matching import proposals
from consortium.packs import keys, pack, review, trust
from consortium.workspace import Workspace
from tests.conftest import TODAY, dump
from tests.test_packs_trust import approve, forge


@pytest.fixture
def two_sides(main_window, memory_keyring, tmp_path, monkeypatch):
    ws = main_window.ws
    result = proposals.propose_for(ws, "ocds-h6vhtk-05a7b0", today=TODAY)
    c = proposals.save_as_consortium(ws, result, 0, "MK domestic abuse")
    bid = bids.create_for_consortium(ws, c.id)
    homes = {"us": tmp_path / "us-home", "ha": tmp_path / "ha-home"}
    monkeypatch.setenv("CONSORTIUM_HOME", str(homes["ha"]))
    ha_words = keys.create_key("Canalside Homes").words
    ha = Workspace.create(tmp_path / "ha" / "ha.consortium")
    monkeypatch.setenv("CONSORTIUM_HOME", str(homes["us"]))
    keys.create_key("Milton Keynes Women's Refuge")
    sent = pack.export_pack(ws, bid.id, tmp_path / "mk.cbpack")

    def reply(decision="return", name="reply.cbreview"):
        monkeypatch.setenv("CONSORTIUM_HOME", str(homes["ha"]))
        opened = review.open_for_review(ha, sent, TODAY)
        made = review.export_review(
            review.Review(opened, opened.checklist, [], decision, reasons="Fee missing"),
            tmp_path / name,
        )
        monkeypatch.setenv("CONSORTIUM_HOME", str(homes["us"]))
        return made

    yield {"bid": bid, "ha_words": ha_words, "reply": reply, "sent": sent, "homes": homes}
    ha.close()


def type_words(qtbot, dialog, words: str) -> None:
    dialog.typed.clear()
    qtbot.keyClicks(dialog.typed, words)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)


def test_first_review_is_taken_in_only_after_typing_the_words(main_window, two_sides, qtbot):
    page = main_window.review
    main_window.sidebar.setCurrentRow(5)
    out = two_sides["reply"]()
    before = dump(main_window.ws)
    page.import_review(out)
    assert "not taken in yet: type the words" in page.banner.text()  # waiting, not failing
    assert "first review" in page.banner.text()
    dialog = page.key_dialog
    assert dialog.isVisible() and not dialog.ok_button.isEnabled()
    assert two_sides["ha_words"] not in dialog.intro.text()  # never shown, only typed
    assert "signed by Canalside Homes&#x27; key" in dialog.intro.text()  # never "Homes's"
    type_words(qtbot, dialog, "orbit tackle these are not their words")
    assert dialog.isVisible() and "not the words" in dialog.problem.text()
    assert dump(main_window.ws) == before
    type_words(qtbot, dialog, two_sides["ha_words"].upper())
    assert not dialog.isVisible()
    assert "Canalside Homes: Returned for changes" in page.banner.text()
    assert bids.load(main_window.ws.db, two_sides["bid"].id).status == "returned"
    assert not page.confirm_button.isVisible()


def test_forged_review_is_refused_in_red_naming_both_keys(main_window, two_sides, qtbot, tmp_path):
    page = main_window.review
    main_window.sidebar.setCurrentRow(5)
    genuine = two_sides["reply"]("return")
    review.import_review(main_window.ws, genuine, confirm_words=two_sides["ha_words"])
    second = two_sides["reply"]("return", "second.cbreview")
    attacker = Ed25519PrivateKey.generate()
    forged = forge(second, tmp_path / "forged.cbreview", approve, attacker)
    before = dump(main_window.ws)
    page.import_review(forged)
    text = page.banner.text()
    assert "REFUSED" in text and "f8d7da" in page.banner.styleSheet()
    pinned = trust.current_key_of(main_window.ws, "Canalside Homes")
    check = review.read_review(forged)[0]["reviewer"]
    assert trust.grouped(pinned["fingerprint"]) in text
    assert trust.grouped(keys.fingerprint(base64.b64decode(check["public_key"]))) in text
    dialog = page.key_dialog
    assert "different key" in dialog.intro.text()
    dialog.reject()
    assert page.confirm_button.isVisible()
    assert dump(main_window.ws) == before
    assert bids.load(main_window.ws.db, two_sides["bid"].id).status == "returned"


def test_changed_sender_key_is_red_until_confirmed(
    main_window, two_sides, qtbot, tmp_path, monkeypatch
):
    page = main_window.review
    main_window.sidebar.setCurrentRow(5)
    page.open_pack(two_sides["sent"])  # first pack: trusted on first use, with a warning
    assert page.banner.text().startswith("<b>VERIFIED</b>") and "First pack" in page.banner.text()
    new_me = keys.create_key("Milton Keynes Women's Refuge", replace=True)
    second = pack.export_pack(main_window.ws, two_sides["bid"].id, tmp_path / "v2.cbpack")
    before = dump(main_window.ws)
    page.open_pack(second)
    assert "KEY CHANGED" in page.banner.text() and "f8d7da" in page.banner.styleSheet()
    assert trust.grouped(new_me.fingerprint) in page.banner.text()
    assert not page.send.isEnabled() and page.checklist.topLevelItemCount() == 0
    page.key_dialog.reject()
    assert dump(main_window.ws) == before
    qtbot.mouseClick(page.confirm_button, Qt.MouseButton.LeftButton)
    type_words(qtbot, page.key_dialog, new_me.words)
    assert page.banner.text().startswith("<b>VERIFIED</b>")
    assert page.checklist.topLevelItemCount() == 5 and page.send.isEnabled()
    assert pack.verify_pack(second, main_window.ws).sender_status == "known"


def test_exporting_a_review_offers_a_signing_key_before_asking_where_to_save(
    main_window, memory_keyring, tmp_path, monkeypatch
):
    from PySide6.QtWidgets import QMessageBox

    from ui.signing import NO_KEY

    ws = main_window.ws
    result = proposals.propose_for(ws, "ocds-h6vhtk-05a7b0", today=TODAY)
    c = proposals.save_as_consortium(ws, result, 0, "MK domestic abuse")
    bid = bids.create_for_consortium(ws, c.id)
    monkeypatch.setenv("CONSORTIUM_HOME", str(tmp_path / "us-home"))
    keys.create_key("Milton Keynes Women's Refuge")
    sent = pack.export_pack(ws, bid.id, tmp_path / "mk.cbpack")
    monkeypatch.setenv("CONSORTIUM_HOME", str(tmp_path / "ha-home"))  # the HA: no key yet
    page = main_window.review
    main_window.sidebar.setCurrentRow(5)
    page.open_pack(sent)
    page.decision.setCurrentIndex(page.decision.findData("return"))
    page.reasons.setPlainText("The fee is not set.")
    asked = []
    monkeypatch.setattr(
        QMessageBox, "question", lambda *a, **k: asked.append(a[1]) or QMessageBox.StandardButton.No
    )
    saved = []
    monkeypatch.setattr(
        "ui.review_page.QFileDialog.getSaveFileName", lambda *a, **k: saved.append(a) or ("", "")
    )
    page.choose_export()
    assert asked == ["A signing key is needed"]
    assert saved == []  # no file name asked for before the key question
    assert page.message.text() == NO_KEY


def test_an_untouched_or_unsignable_decision_is_refused_before_a_file_is_asked_for(
    main_window, memory_keyring, tmp_path, monkeypatch, qtbot
):
    """The decision box opened on "Approved": an officer who never touched it approved the bid,
    with two checks failed and six not checked, and "give your reasons" came only after the
    file name and passphrase."""
    from PySide6.QtWidgets import QMessageBox

    ws = main_window.ws
    result = proposals.propose_for(ws, "ocds-h6vhtk-05a7b0", today=TODAY)
    c = proposals.save_as_consortium(ws, result, 0, "MK domestic abuse")
    bid = bids.create_for_consortium(ws, c.id)
    monkeypatch.setenv("CONSORTIUM_HOME", str(tmp_path / "us-home"))
    keys.create_key("Milton Keynes Women's Refuge")
    sent = pack.export_pack(ws, bid.id, tmp_path / "mk.cbpack")
    monkeypatch.setenv("CONSORTIUM_HOME", str(tmp_path / "ha-home"))
    keys.create_key("Canalside Homes")
    page = main_window.review
    main_window.sidebar.setCurrentRow(5)
    page.open_pack(sent)
    asked, saved = [], []
    answer = [QMessageBox.StandardButton.Cancel]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[1:3]) or answer[0])
    monkeypatch.setattr(
        "ui.review_page.QFileDialog.getSaveFileName",
        lambda *a, **k: saved.append(a) or (str(tmp_path / "r.cbreview"), ""),
    )
    assert page.decision.currentText() == "Choose a decision…"
    qtbot.mouseClick(page.send, Qt.MouseButton.LeftButton)
    assert "Choose a decision" in page.message.text() and saved == [] and asked == []

    page.decision.setCurrentIndex(page.decision.findData("return"))
    qtbot.mouseClick(page.send, Qt.MouseButton.LeftButton)
    assert "Give your reasons" in page.message.text() and saved == []

    page.decision.setCurrentIndex(page.decision.findData("approve"))
    statuses = [c.status for c in page.current_checklist()]
    failed, unchecked = statuses.count(review.FAIL), statuses.count(review.OPEN)
    assert failed and unchecked  # the demo bid's members lack what the tender asks
    qtbot.mouseClick(page.send, Qt.MouseButton.LeftButton)
    ((title, text),) = asked
    assert title == "Approve with checks not passed?"
    assert text.startswith(f"{failed} check") and f" failed and {unchecked} " in text
    assert text.endswith("not checked yet: approve this bid anyway?")
    assert saved == [] and page.message.text().startswith("Not signed")
    answer[0] = QMessageBox.StandardButton.Yes  # the officer means it
    qtbot.mouseClick(page.send, Qt.MouseButton.LeftButton)
    assert len(saved) == 1 and (tmp_path / "r.cbreview").exists()


def test_a_sender_trusted_on_first_sight_stays_amber_until_its_words_are_checked(
    main_window, two_sides, qtbot, monkeypatch
):
    """After one open, the "first pack, phone them" warning never came again: the sender was
    green for good, its words never checked."""
    monkeypatch.setenv("CONSORTIUM_HOME", str(two_sides["homes"]["ha"]))
    sent = two_sides["sent"]
    words = pack.verify_pack(sent).signer["words"]
    page = main_window.review
    main_window.sidebar.setCurrentRow(5)
    page.open_pack(sent)
    assert "First pack from" in page.banner.text() and page.confirm_button.isVisible()
    assert page.key_dialog is None  # offered, not forced
    page.open_pack(sent)
    assert "VERIFIED" in page.banner.text()
    assert "has not been checked with them yet" in page.banner.text()
    assert page.confirm_button.isVisible()
    qtbot.mouseClick(page.confirm_button, Qt.MouseButton.LeftButton)
    assert "not been checked with them yet" in page.key_dialog.intro.text()
    type_words(qtbot, page.key_dialog, words)
    assert "VERIFIED" in page.banner.text() and "not been checked" not in page.banner.text()
    assert not page.confirm_button.isVisible()
    page.open_pack(sent)  # and so it stays
    assert "⚠" not in page.banner.text() and not page.confirm_button.isVisible()


def test_a_status_changed_by_hand_takes_its_colour(main_window, two_sides, monkeypatch):
    from ui.review_page import STATUS_COLOURS

    monkeypatch.setenv("CONSORTIUM_HOME", str(two_sides["homes"]["ha"]))
    page = main_window.review
    main_window.sidebar.setCurrentRow(5)
    page.open_pack(two_sides["sent"])
    group = page.checklist.topLevelItem(0)
    item = next(
        group.child(k) for k in range(group.childCount()) if group.child(k).text(1) == "to check"
    )
    assert item.background(1).color().name() == STATUS_COLOURS["to check"].lower()
    item.setText(1, "pass")  # as the status editor does
    assert item.background(1).color().name() == STATUS_COLOURS["pass"].lower()
    assert item.toolTip(0) == item.text(0)


def test_a_bid_changed_since_its_approval_says_so_in_the_bids_list_and_overview(
    main_window, two_sides
):
    from consortium.matching import consortia

    ws = main_window.ws
    review.import_review(ws, two_sides["reply"]("approve"), confirm_words=two_sides["ha_words"])
    page = main_window.bids
    main_window.sidebar.setCurrentRow(3)
    bid_id = two_sides["bid"].id
    page.reload(bid_id)
    assert page.list.currentItem().text().endswith("\napproved")
    c = consortia.load(ws.db, two_sides["bid"].consortium_id)
    c.fee_percent = 4.0  # agreed after the HA approved the bid
    consortia.save(ws, c)
    page.reload(bid_id)
    assert page.list.currentItem().text().endswith("\napproved, changed since")
    assert "The bid has changed since it was approved" in page.overview.toPlainText()


def test_review_comments_are_grouped_by_the_review_they_came_with(
    main_window, two_sides, tmp_path, monkeypatch
):
    """Four comments from two rounds were listed together, with nothing to say which round."""
    ws, homes = main_window.ws, two_sides["homes"]
    sent = two_sides["sent"]
    for n, (decision, text) in enumerate(
        (("return", "Add the GP surgeries."), ("approve", "Thank you for the changes."))
    ):
        monkeypatch.setenv("CONSORTIUM_HOME", str(homes["ha"]))
        ha = Workspace.open(tmp_path / "ha" / "ha.consortium")
        opened = review.open_for_review(ha, sent, TODAY)
        made = review.export_review(
            review.Review(
                opened,
                opened.checklist,
                [review.Comment("section", "consortium", text)],
                decision,
                reasons="Fee missing" if decision == "return" else "",
            ),
            tmp_path / f"round{n}.cbreview",
        )
        ha.close()
        monkeypatch.setenv("CONSORTIUM_HOME", str(homes["us"]))
        review.import_review(ws, made, confirm_words=two_sides["ha_words"])
    page = main_window.bids
    main_window.sidebar.setCurrentRow(3)
    page.reload(two_sides["bid"].id)
    shown = page.comments.toPlainText()
    first, second = (
        shown.index("Approved, taken in on "),
        shown.index("Returned for changes, taken in"),
    )
    assert first < shown.index("Thank you for the changes.") < second  # newest round first
    assert second < shown.index("Add the GP surgeries.")
