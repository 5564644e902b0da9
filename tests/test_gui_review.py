"""The Review area offscreen: a verified pack with its checklist, a tampered pack in red, a
signed review saved and taken back in."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest

from consortium.bids import records as bids
from consortium.matching import proposals
from consortium.packs import keys, pack, review

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def signed_pack(main_window, memory_keyring, tmp_path):
    ws = main_window.ws
    result = proposals.propose_for(ws, "ocds-h6vhtk-05a7b0", today=TODAY)
    c = proposals.save_as_consortium(ws, result, 0, "MK domestic abuse")
    bid = bids.create_for_consortium(ws, c.id)
    keys.create_key("Milton Keynes Women's Refuge")
    doc = tmp_path / "Joint bid.txt"
    doc.write_text("Our joint bid", encoding="utf-8")
    return pack.export_pack(ws, bid.id, tmp_path / "mk.cbpack", documents=[doc]), bid


def test_verified_pack_shows_checklist_and_round_trips(main_window, signed_pack, tmp_path):
    path, bid = signed_pack
    page = main_window.review
    main_window.sidebar.setCurrentRow(5)
    page.open_pack(path)
    assert page.banner.text().startswith("<b>VERIFIED</b>")
    assert page.checklist.topLevelItemCount() == 5
    items = {
        i.text(0)
        for g in range(5)
        for i in [
            page.checklist.topLevelItem(g).child(k)
            for k in range(page.checklist.topLevelItem(g).childCount())
        ]
    }
    assert "Safeguarding and data protection policies present and in date" in items
    page.new_item.setText("Local lettings plan considered")
    page.add_item.click()
    assert any(c.item == "Local lettings plan considered" for c in page.current_checklist())
    first = page.checklist.topLevelItem(0).child(0)
    first.setText(3, "Discussed with the board on 20 Nov")
    assert page.current_checklist()[0].note == "Discussed with the board on 20 Nov"
    page.anchor.setCurrentIndex(page.anchor.findText("Member: Ouse Valley Outreach"))
    page.comment_text.setPlainText("Add staffing detail")
    page.add_comment.click()
    assert page.comments.rows()[0][1] == ["Member: Ouse Valley Outreach", "Add staffing detail"]
    page.decision.setCurrentIndex(page.decision.findData("return"))
    assert page.export_to(tmp_path / "no-reason.cbreview") is None
    assert "reasons" in page.message.text()
    page.reasons.setPlainText("Staffing is missing")
    out = page.export_to(tmp_path / "reply.cbreview")
    assert out is not None and out.exists()
    page.import_review(out)
    assert "Returned for changes" in page.banner.text()
    assert bids.load(main_window.ws.db, bid.id).status == "returned"
    got = review.comments_for(main_window.ws, bid.id)[0]
    assert (got["text"], got["anchor_type"], got["anchor_id"]) == (
        "Add staffing detail",
        "member",
        "Ouse Valley Outreach",
    )
    assert got["label"] == "Member: Ouse Valley Outreach"


def test_the_comment_box_is_a_paragraph_at_1366_and_grows_with_the_window(
    main_window, signed_pack, qtbot
):
    """At 1366×768 an officer writing a comment sees at least four lines of it (a one-line box
    showed two lines' worth), and more as the window grows; the decision stays on screen."""
    from PySide6.QtCore import QRect, Qt

    path, _ = signed_pack
    page = main_window.review
    main_window.sidebar.setCurrentRow(5)
    main_window.resize(1366, 768)
    page.open_pack(path)
    page.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: page.comment_text.isVisible())
    box = page.comment_text
    lines = box.fontMetrics().lineSpacing()
    assert box.height() >= 4 * lines
    window = QRect(0, 0, main_window.width(), main_window.height())
    for widget in (page.decision, page.reasons, page.send, page.conditions, page.add_comment):
        where = QRect(widget.mapTo(main_window, widget.rect().topLeft()), widget.size())
        assert window.contains(where), widget.accessibleName()
    # Enter starts a new line in the comment; Ctrl+Enter adds it.
    page.anchor.setCurrentIndex(page.anchor.findText("Member: Ouse Valley Outreach"))
    qtbot.keyClicks(box, "Add staffing detail.")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.keyClicks(box, "And the rota.")
    assert page.comments.rows() == []
    qtbot.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert page.comments.rows()[0][1] == [
        "Member: Ouse Valley Outreach",
        "Add staffing detail.\nAnd the rota.",
    ]
    assert box.toPlainText() == ""
    before = box.height()
    main_window.resize(1366, 1000)
    qtbot.waitUntil(lambda: box.height() > before + 50)


def test_a_review_not_taken_in_is_no_longer_said_once_something_later_works(
    main_window, signed_pack, tmp_path, qtbot
):
    """A red "not taken in" went only when another review was taken in or a pack opened: it
    stayed over the pack in hand while the officer commented, and over the Bids area's later
    successes, reading as if they had failed too."""
    from consortium import assets

    path, bid = signed_pack
    junk = tmp_path / "junk.cbreview"
    junk.write_bytes(b"not a review")
    page = main_window.review
    main_window.sidebar.setCurrentRow(5)
    page.open_pack(path)
    assert page.confirm_button.isVisibleTo(page)  # a first pack: check the sender's words
    page.import_review(junk)
    assert "not taken in" in page.banner.text() and "f8d7da" in page.banner.styleSheet()
    page.anchor.setCurrentIndex(page.anchor.findText("Member: Ouse Valley Outreach"))
    qtbot.keyClicks(page.comment_text, "Add staffing detail")
    page.add_comment.click()
    assert "not taken in" not in page.banner.text()
    assert page.banner.text().startswith("<b>VERIFIED</b>")  # the pack in hand, as opened
    assert "f8d7da" not in page.banner.styleSheet()
    assert page.confirm_button.isVisibleTo(page)  # and its offer to check the words with it

    ws = main_window.ws
    assets.save(ws, assets.Asset(name="Fishermead Centre", council="E06000042"))
    bids_page = main_window.bids
    main_window.sidebar.setCurrentRow(3)
    bids_page.reload(bid.id)
    bids_page.take_in_review(junk)
    assert "not taken in" in bids_page.message.text()
    bids_page.tabs.setCurrentIndex(3)
    bids_page.asset.setCurrentIndex(bids_page.asset.findData(assets.list_all(ws.db)[0].id))
    bids_page.add_venue.click()
    assert bids_page.venue_list.count() == 1
    assert "not taken in" not in bids_page.message.text()


def test_a_comment_half_written_on_one_pack_is_not_left_on_the_next(
    main_window, signed_pack, qtbot
):
    path, _ = signed_pack
    page = main_window.review
    main_window.sidebar.setCurrentRow(5)
    page.open_pack(path)
    qtbot.keyClicks(page.comment_text, "Say how many surgeries")
    qtbot.keyClicks(page.new_item, "Local lettings plan")
    page.open_pack(path)  # another pack (here the same one again) starts a new review
    assert page.comment_text.toPlainText() == "" and page.new_item.text() == ""


def test_tampered_pack_is_shown_in_red(main_window, signed_pack, tmp_path):
    path, _ = signed_pack
    bad = tmp_path / "bad.cbpack"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(bad, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.startswith("documents/"):
                data = data.replace(b"joint", b"JOINT")
            zout.writestr(info.filename, data)
    page = main_window.review
    page.open_pack(bad)
    assert "NOT VERIFIED" in page.banner.text()
    assert "was changed after the pack was signed" in page.banner.text()
    assert "f8d7da" in page.banner.styleSheet()
    assert not page.send.isEnabled()


def test_locality_asset_register(main_window, tmp_path, monkeypatch):
    import openpyxl

    from consortium import assets

    page = main_window.review.assets
    main_window.sidebar.setCurrentRow(5)
    main_window.review.areas.setCurrentIndex(1)
    page.new_button.click()
    page.name.setText("Fishermead Centre")
    page.council.setText("Milton Kenes")  # a typo is caught, nothing saved
    page.save()
    assert "not a UK council" in page.problems.text() and assets.list_all(main_window.ws.db) == []
    page.council.setText("Milton Keynes")
    page.postcode.setText("mk6 2lp")
    page.for_ownership.setChecked(True)
    page.transferred_on.setText("31/02/2027")
    page.save()
    assert "Ownership date" in page.problems.text()
    page.transferred_on.setText("")
    page.save()
    saved = assets.list_all(main_window.ws.db)
    assert [(a.name, a.council, a.postcode, a.for_ownership) for a in saved] == [
        ("Fishermead Centre", "E06000042", "MK6 2LP", True)
    ]
    page.area.setText("Camden")
    assert page.table.rowCount() == 0
    page.area.setText("TLJ")  # the South East region holds Milton Keynes
    assert page.table.rowCount() == 1
    out = tmp_path / "assets.xlsx"
    monkeypatch.setattr(
        "ui.assets_page.QFileDialog.getSaveFileName", lambda *a, **k: (str(out), "")
    )
    page.choose_export()
    assert openpyxl.load_workbook(out)["Assets"]["A2"].value == "Fishermead Centre"


def test_send_for_review_from_the_bids_area(main_window, memory_keyring, tmp_path, qtbot):
    from consortium.matching import consortia

    ws = main_window.ws
    result = proposals.propose_for(ws, "ocds-h6vhtk-05a7b0", today=TODAY)
    proposals.save_as_consortium(ws, result, 0, "MK domestic abuse")
    page = main_window.bids
    main_window.sidebar.setCurrentRow(3)
    page.reload()
    assert page.consortium.findText("MK domestic abuse") >= 0
    assert page.send(tmp_path / "x.cbpack") is None  # no bid yet is selected
    page.consortium.setCurrentIndex(page.consortium.findText("MK domestic abuse"))
    page.create_bid()
    assert "no signing key" not in page.message.text()
    assert page.send(tmp_path / "first.cbpack") is None
    assert "signing key" in page.message.text()
    keys.create_key("Milton Keynes Women's Refuge")
    page.conflicts.setText("None")
    page.save_declaration()
    sent = []
    page.sent.connect(sent.append)
    assert page.send(tmp_path / "mk.cbpack") is not None  # runs in the background
    qtbot.waitUntil(lambda: bool(sent), timeout=60_000)
    out = Path(sent[0])
    assert out == tmp_path / "mk.cbpack" and pack.verify_pack(out).ok
    assert "Wrote the signed pack" in page.message.text()
    checks = review.due_diligence(pack.read_bid_json(out), TODAY)
    assert next(c for c in checks if c.item.startswith("Conflicts")).status == review.PASS
    bid = bids.load(ws.db, page.current_id())
    assert bid.status == "in review"
    assert consortia.load(ws.db, bid.consortium_id).name == "MK domestic abuse"


def test_send_for_review_writes_the_pack_off_the_ui_thread(
    main_window, memory_keyring, tmp_path, qtbot, monkeypatch
):
    import threading

    ws = main_window.ws
    result = proposals.propose_for(ws, "ocds-h6vhtk-05a7b0", today=TODAY)
    proposals.save_as_consortium(ws, result, 0, "MK domestic abuse")
    page = main_window.bids
    main_window.sidebar.setCurrentRow(3)
    page.reload()
    page.consortium.setCurrentIndex(page.consortium.findText("MK domestic abuse"))
    page.create_bid()
    keys.create_key("Milton Keynes Women's Refuge")
    threads = []
    real = pack.export_pack

    def export(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(pack, "export_pack", export)
    page.send(tmp_path / "mk.cbpack")
    qtbot.waitUntil(lambda: "Wrote the signed pack" in page.message.text(), timeout=60_000)
    assert threads and threads[0] is not threading.main_thread()
    assert pack.verify_pack(tmp_path / "mk.cbpack").ok
