"""The Matches area driven offscreen: pick a tender, read the reasons, re-weight, propose, save."""

from __future__ import annotations

import datetime as dt
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox, QPushButton, QToolButton

from consortium.matching import consortia
from consortium.matching.scoring import sort_key
from tests.conftest import matches_listed, threads_calling
from ui.matches_models import MatchModel, OpportunityModel, TenderPickModel

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def window(main_window, qtbot):
    main_window.sidebar.setCurrentRow(2)
    assert matches_listed(qtbot, main_window.matches) > 0  # read in the background
    return main_window


def show_opportunities(page, qtbot) -> None:
    """Opportunities are ranked in the background when their tab is shown."""
    page.tabs.setCurrentWidget(page.opps_page)
    qtbot.waitUntil(lambda: page._opps_task is None and page.opps.rowCount() > 0, timeout=30000)


def test_models_pass_the_model_tester(qtmodeltester, window, qtbot):
    page = window.matches
    show_opportunities(page, qtbot)
    page.select_tender("ocds-h6vhtk-06e058")
    for model in (page.tenders, page.match_model, page.opps):
        assert model.rowCount() > 0
        qtmodeltester.check(model)
    assert isinstance(page.match_model, MatchModel)
    assert isinstance(page.opps, OpportunityModel) and isinstance(page.tenders, TenderPickModel)


def test_pick_a_tender_and_read_why(window):
    page = window.matches
    assert page.select_tender("ocds-h6vhtk-06e058")
    assert "Young Carers" in page.heading.text()
    first = page.match_model.item(0)
    assert first.partner_name in ("Riverside Community Action", "Northside Young Carers Trust")
    html = page.why.toHtml()
    assert first.partner_name in html and "Camden is inside London" in html


def test_double_clicking_an_opportunity_shows_its_partners_and_chooses_it_in_the_list(
    window, qtbot, monkeypatch
):
    import threading

    from consortium.tenders import search

    page = window.matches
    show_opportunities(page, qtbot)
    page.search.setText("no tender has these words")
    qtbot.waitUntil(lambda: not page._lister.busy() and page.tenders.rowCount() == 0)
    wanted = page.opps.item(0).tender
    threads = threads_calling(monkeypatch, search, "open_first")
    view = page.opps_view
    centre = view.visualRect(page.opps.index(0, 0)).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert page.tabs.currentIndex() == 0
    assert page.heading.text().startswith(wanted.title)  # at once, before the list is read
    assert page.match_model.rowCount() > 0 and page.search.text() == ""
    # the box's clear button goes with the text (it hides on the signal a blocked clear loses)
    qtbot.waitUntil(lambda: not page.search.findChild(QToolButton).isVisible())
    matches_listed(qtbot, page)
    row = page.tender_view.currentIndex().row()
    assert row >= 0 and page.tenders.item(row)["ocid"] == wanted.ocid
    assert threads and threading.main_thread().name not in threads  # the list read off it


def test_lot_choice_ranks_for_that_lot(window):
    page = window.matches
    page.select_tender("ocds-h6vhtk-05a7b0")
    page.lot.setCurrentIndex(page.lot.findData("3"))
    assert page.match_model.item(0).lot_id == "3"


def test_weights_rerank_at_once_and_are_saved(window):
    page = window.matches
    page.select_tender("ocds-h6vhtk-06e058")
    before = [m.partner_name for m in page.matches]
    page.weight_boxes["place"].setValue(0)
    page.weight_boxes["service"].setValue(100)
    after = [m.partner_name for m in page.matches]
    assert before != after
    # one ranking rule: eligible, in area, outside the area, no service fit; then the score
    keys = [sort_key(m) for m in page.matches]
    assert keys == sorted(keys)
    in_area = [m.score for m in page.matches if m.eligible and m.tier == 0]
    assert in_area == sorted(in_area, reverse=True) or any(m.tied for m in page.matches)
    from consortium.matching import service

    assert service.load_weights(window.ws.db).place == 0


def test_propose_shows_grid_and_saves_a_consortium(window, qtbot, monkeypatch):
    page = window.matches
    page.select_tender("ocds-h6vhtk-05a7b0")
    page.propose()
    qtbot.waitUntil(lambda: page.result is not None, timeout=20000)
    assert page.grid.rowCount() == 7
    headers = [page.grid.horizontalHeaderItem(c).text() for c in range(page.grid.columnCount())]
    assert "Milton Keynes Women's Refuge" in headers and "Ouse Valley Outreach" in headers
    assert page.grid.item(0, 2).text() == "Milton Keynes Women's Refuge"
    assert "No gaps" in page.gaps.item(0).text()
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("MK bid", True))
    page.save_consortium()
    saved = [c for c in consortia.list_all(window.ws.db) if c.name == "MK bid"]
    assert len(saved) == 1
    assert saved[0].lead.name == "Milton Keynes Women's Refuge"


def test_gap_list_for_a_partial_cover(window, qtbot):
    page = window.matches
    page.select_tender("ocds-h6vhtk-06e17c")
    page.propose()
    qtbot.waitUntil(lambda: page.result is not None, timeout=20000)
    texts = [page.gaps.item(i).text() for i in range(page.gaps.count())]
    assert any("below the contract" in t and "Nearest:" in t for t in texts)


def test_opportunities_for_our_organisation(window, qtbot):
    page = window.matches
    show_opportunities(page, qtbot)
    assert "our organisation" in page.partner.currentText()
    assert page.opps.rowCount() > 0
    assert page.opps.item(0).tender.ocid == "ocds-h6vhtk-06e058"


def test_already_a_member_goes_once_another_member_is_added(window, qtbot, monkeypatch):
    page = window.matches
    page.select_tender("ocds-h6vhtk-05a7b0")
    page.propose()
    qtbot.waitUntil(lambda: page.result is not None, timeout=20000)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("MK bid", True))
    page.save_consortium()
    editor = page.consortia
    first = editor.members.table.item(0, 0).text()
    editor.partner.setCurrentIndex(editor.partner.findText(first))
    editor.add_member.click()
    assert "already a member" in editor.problems.text()
    editor.partner.setCurrentIndex(editor.partner.findText("Safe Haven Women's Aid Cymru"))
    editor.add_member.click()
    assert editor.members.table.item(editor.members.table.rowCount() - 1, 0).text() == (
        "Safe Haven Women's Aid Cymru"
    )
    assert editor.problems.text() == ""


def test_edit_a_saved_consortium(window, qtbot, monkeypatch):
    page = window.matches
    page.select_tender("ocds-h6vhtk-05a7b0")
    page.propose()
    qtbot.waitUntil(lambda: page.result is not None, timeout=20000)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("MK bid", True))
    page.save_consortium()
    editor = page.consortia
    assert editor.current is not None and editor.current.name == "MK bid"
    editor.name.setText("Milton Keynes domestic abuse partnership")
    editor.model.setCurrentIndex(editor.model.findData("partnership"))
    editor.fee.setValue(7.5)
    editor.partner.setCurrentIndex(editor.partner.findText("Safe Haven Women's Aid Cymru"))
    editor.add_member.click()
    row = editor.members.table.rowCount() - 1
    editor.members.table.item(row, 1).setText("subcontractor")
    editor.members.table.item(row, 2).setText("3")
    editor.save()
    saved = consortia.load(window.ws.db, editor.current.id)
    assert saved.name == "Milton Keynes domestic abuse partnership"
    assert saved.model == "partnership" and saved.fee_percent == 7.5
    assert (saved.members[-1].name, saved.members[-1].role, saved.members[-1].lots) == (
        "Safe Haven Women's Aid Cymru",
        "subcontractor",
        ["3"],
    )
    # Two leads are refused with a message, and nothing is saved.
    editor.members.table.item(row, 1).setText("lead provider")
    editor.save()
    assert "Only one member can be the lead provider" in editor.problems.text()
    assert consortia.load(window.ws.db, saved.id).members[-1].role == "subcontractor"
    monkeypatch.setattr(
        "ui.consortia_page.QMessageBox.question", lambda *a, **k: QMessageBox.StandardButton.Yes
    )
    editor.delete()
    assert saved.id not in [c.id for c in consortia.list_all(window.ws.db)]


def test_opportunities_from_a_partners_page(window, qtbot):
    from consortium.partners import store

    window.sidebar.setCurrentRow(0)
    target = store.find_existing(
        window.ws.db, store.Organisation(name="Milton Keynes Women's Refuge")
    )
    window.partners.select(target)
    window.partners.opportunities_button.click()
    assert window.stack.currentWidget() is window.matches
    assert window.matches.partner.currentData() == target
    qtbot.waitUntil(lambda: window.matches.opps.rowCount() > 0, timeout=30000)
    assert window.matches.opps.item(0).tender.ocid == "ocds-h6vhtk-05a7b0"


# ------------------------------------------------------------- the Proposal tab's choices
def _propose(page, qtbot):
    page.result = None
    page.propose_button.click()
    qtbot.waitUntil(lambda: page.result is not None, timeout=20000)


def _pick(combo, text):
    index = next(i for i in range(combo.count()) if combo.itemText(i).startswith(text))
    combo.setCurrentIndex(index)


def test_proposal_includes_our_organisation_and_follows_the_choices(window, qtbot):
    page = window.matches
    page.select_tender("ocds-h6vhtk-06e058")
    page.tabs.setCurrentIndex(1)
    assert page.include_ours.isChecked()
    assert "Riverside Community Action" in page.include_ours.text()
    _propose(page, qtbot)
    assert "includes our organisation" in page.option.currentText()
    assert "Includes our organisation." in page.summary.text()
    # require one partner, leave another out, choose the lead, then propose again
    _pick(page.choice_partner, "Marches Community Learning")
    page.require_button.click()
    _pick(page.choice_partner, "Northside Young Carers Trust")
    page.exclude_button.click()
    shown = [page.choices.item(i).text() for i in range(page.choices.count())]
    assert shown == [
        "Must include: Marches Community Learning",
        "Leave out: Northside Young Carers Trust",
    ]
    _pick(page.lead_choice, "Marches Community Learning")
    _propose(page, qtbot)
    headers = [page.grid.horizontalHeaderItem(c).text() for c in range(page.grid.columnCount())]
    assert "Marches Community Learning" in headers and "Riverside Community Action" in headers
    assert "Northside Young Carers Trust" not in headers
    assert page.summary.text().startswith("Lead: Marches Community Learning.")
    # a choice can be cleared again
    page.choices.setCurrentRow(1)
    page.clear_choice.click()
    assert [page.choices.item(i).text() for i in range(page.choices.count())] == [
        "Must include: Marches Community Learning"
    ]
    # without our organisation
    page.include_ours.setChecked(False)
    _pick(page.lead_choice, "Chosen for you")
    page.choices.setCurrentRow(0)
    page.clear_choice.click()
    _propose(page, qtbot)
    assert page.result.required == []  # nothing forced in: not even our organisation


def test_a_partial_cover_never_shows_an_empty_consortium(window, qtbot):
    page = window.matches
    page.select_tender("ocds-h6vhtk-06e2d7")  # Warrington, reserved to UK suppliers
    _propose(page, qtbot)
    options = [page.option.itemText(i) for i in range(page.option.count())]
    assert options and not any("0 member" in o for o in options)
    assert "partial cover" in options[0]
    assert page.grid.item(0, 2).text().startswith("Closest: ")
    gaps = [page.gaps.item(i).text() for i in range(page.gaps.count())]
    assert any("but not Warrington" in g for g in gaps)
    assert "Partial cover: these partners come closest" in page.summary.text()
    assert "proven best" not in page.summary.text()
    assert page.save_button.isEnabled()
    # a tender nobody offers the service for: no option at all, and it says why
    page.select_tender("ocds-h6vhtk-069311")  # a roof refurbishment in Oban
    _propose(page, qtbot)
    assert page.option.count() == 0
    assert "No partner has service fit" in page.summary.text()
    assert not page.save_button.isEnabled()


def test_saving_confirms_and_offers_to_start_a_bid(window, qtbot, monkeypatch):
    page = window.matches
    page.select_tender("ocds-h6vhtk-06e058")
    _propose(page, qtbot)
    assert not page.saved_bar.isVisibleTo(page)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Camden carers", True))
    page.save_button.click()
    assert page.saved_bar.isVisibleTo(page)
    assert "Saved consortium “Camden carers”: 1 member, lead Riverside Community Action" in (
        page.saved_label.text()
    )
    saved = next(c for c in consortia.list_all(window.ws.db) if c.name == "Camden carers")
    page.start_bid_button.click()
    assert window.stack.currentWidget() is window.bids
    assert window.bids.consortium.currentData() == saved.id
    from consortium.bids import records as bids_store

    made = [b for b in bids_store.list_all(window.ws.db) if b.consortium_id == saved.id]
    assert len(made) == 1
    assert window.bids.current_id() == made[0].id


def test_ties_and_outside_area_are_shown(window):
    page = window.matches
    page.select_tender("ocds-h6vhtk-0547db")
    scores = [
        page.match_model.data(page.match_model.index(r, 2))
        for r in range(page.match_model.rowCount())
    ]
    assert any(s.endswith(" tied") for s in scores)
    tied = next(r for r, s in enumerate(scores) if s.endswith(" tied"))
    tip = page.match_model.data(page.match_model.index(tied, 2), Qt.ItemDataRole.ToolTipRole)
    assert "ranked by place, then service fit, then value fit" in tip
    # Opportunities: outside-area rows say so and come after every in-area one
    hows = [page.opps.data(page.opps.index(r, 2)) for r in range(page.opps.rowCount())]
    if "Outside your area" in hows:
        first = hows.index("Outside your area")
        assert all(h == "Outside your area" for h in hows[first:])


def test_marking_opportunities_teaches_the_list_and_can_be_undone(window, qtbot):
    page = window.matches
    page.tabs.setCurrentWidget(page.opps_page)  # ranked in the background when shown
    qtbot.waitUntil(lambda: page.opps.rowCount() > 0, timeout=30000)
    assert "nothing is ever hidden" in page.learned.text()
    first = page.opps.item(0).tender.ocid
    count = page.opps.rowCount()
    page.opps_view.selectRow(0)
    not_for_us = next(b for b in page.findChildren(QPushButton) if b.text() == "Not for us")
    not_for_us.click()
    qtbot.waitUntil(lambda: page.opps.item(0).tender.ocid != first, timeout=30000)
    assert page.opps.rowCount() == count  # nothing hidden
    row = next(r for r in range(count) if page.opps.item(r).tender.ocid == first)
    assert page.opps.data(page.opps.index(row, 2)) == "Not for us (your mark)"
    assert page.opps_view.currentIndex().row() == row  # the marked tender stays selected
    tip = page.opps.data(page.opps.index(row, 1), Qt.ItemDataRole.ToolTipRole)
    assert "You marked this tender not for us" in tip
    assert "counts less" in page.learned.text()
    page.forget_marks.click()
    qtbot.waitUntil(lambda: page.opps.item(0).tender.ocid == first, timeout=30000)
    assert "nothing is ever hidden" in page.learned.text()


def test_save_consortium_dialog_shows_the_whole_suggested_name(window, qtbot):
    """At 1366×768 the suggested name (the tender's title) is not cut off in the real dialog."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QLineEdit

    window.resize(1366, 768)
    page = window.matches
    page.select_tender("ocds-h6vhtk-05a7b0")
    page.propose()
    qtbot.waitUntil(lambda: page.result is not None, timeout=20000)
    seen = {}

    def answer():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QInputDialog):
            QTimer.singleShot(50, answer)
            return
        edit = dialog.findChild(QLineEdit)
        seen["text"] = edit.text()
        seen["room"] = edit.contentsRect().width()
        seen["needed"] = edit.fontMetrics().horizontalAdvance(edit.text())
        seen["dialog"] = dialog.frameGeometry().width()
        dialog.setTextValue("MK partnership")
        dialog.accept()

    QTimer.singleShot(0, answer)
    page.save_consortium()
    assert seen["text"].endswith("consortium") and len(seen["text"]) > 40
    assert seen["needed"] < seen["room"], seen
    assert seen["dialog"] <= 1366
    assert any(c.name == "MK partnership" for c in consortia.list_all(window.ws.db))


def test_the_tender_list_opens_on_open_tenders_and_finds_an_old_one(
    qtbot, generated_template, tmp_path, monkeypatch
):
    # A year of notices: the list starts with what can still be bid for, soonest first, then
    # the rest latest-closed first; a tender closed long ago, asked for from elsewhere, is put
    # at the top and chosen.
    import threading

    from conftest import copy_workspace

    from consortium.tenders import search
    from consortium.workspace import Workspace
    from ui import matches_page
    from ui.mainwindow import MainWindow

    ws = Workspace.open(copy_workspace(generated_template, tmp_path / "g.consortium"))
    today = dt.date(2026, 6, 1)
    still_open = len(search.search(ws, status=["open", "coming soon"], today=today))
    total = ws.db["tenders"].count
    assert 0 < still_open < total - 200
    # a list with room for every open tender and 100 more (of the 2,800)
    monkeypatch.setattr(matches_page, "TENDERS_LISTED", still_open + 100)
    win = MainWindow(ws)
    qtbot.addWidget(win)
    page = win.matches
    page.today = today
    page.tenders.set_rows([])
    threads = threads_calling(monkeypatch, search, "open_first")
    win.show_area("matches")  # first shown: read in the background
    assert page.tenders.rowCount() == 0
    assert matches_listed(qtbot, page) == still_open + 100
    listed = [page.tenders.item(r) for r in range(page.tenders.rowCount())]
    statuses = [r["status"] for r in listed]
    first_shut = next(i for i, s in enumerate(statuses) if s not in ("open", "coming soon"))
    assert first_shut == still_open and len(listed) == still_open + 100
    assert all(s in ("open", "coming soon") for s in statuses[:first_shut])
    assert all(s not in ("open", "coming soon") for s in statuses[first_shut:])
    dated = [r["deadline"] for r in listed[first_shut:] if r["deadline"]]
    assert dated == sorted(dated, reverse=True)  # the latest to close first
    oldest = search.search(ws, status=["closed"], today=page.today, limit=1)[0]["ocid"]
    assert oldest not in {r["ocid"] for r in listed}
    title = search.rows(ws, [oldest], today=today)[0]["title"]
    page.search.setText("carers")  # the search is cleared for a tender asked for
    assert page.show_tender(oldest)
    assert page.heading.text().startswith(title)  # chosen at once, its partners ranked
    assert page.search.text() == ""
    page.refresh_tenders()  # as an import's commit would, before that list is read
    matches_listed(qtbot, page)
    assert page.tenders.item(0)["ocid"] == oldest
    assert page.tender_view.currentIndex().row() == 0
    assert page.tenders.rowCount() == still_open + 101
    assert threads and threading.main_thread().name not in threads
    page.refresh_tenders()  # the next commit of a download: the tender chosen stays listed
    matches_listed(qtbot, page)
    assert page.tenders.item(0)["ocid"] == oldest
    assert page.tender_view.currentIndex().row() == 0
    # A search typed while tenders change is the user's own: nothing is pinned into it.
    qtbot.keyClicks(page.search, "zzznomatchzzz")
    assert page._timer.isActive()
    page.refresh_tenders()  # a commit before the typing paused
    assert matches_listed(qtbot, page) == 0
    assert not page.show_tender("ocds-no-such-tender")
    win.close()


def test_a_search_typed_in_matches_is_read_off_the_windows_thread(window, qtbot, monkeypatch):
    import threading

    from consortium.tenders import search

    page = window.matches
    everything = page.tenders.rowCount()
    threads = threads_calling(monkeypatch, search, "open_first")
    qtbot.keyClicks(page.search, "young carers")
    qtbot.waitUntil(lambda: 0 < page.tenders.rowCount() < everything, timeout=10_000)
    titles = [page.tenders.item(r)["title"].lower() for r in range(page.tenders.rowCount())]
    assert any("carer" in t for t in titles)
    assert threads and threading.main_thread().name not in threads
    # Cleared, the whole list comes back.
    page.search.clear()
    qtbot.waitUntil(lambda: page.tenders.rowCount() == everything, timeout=10_000)


def test_tenders_imported_while_matches_is_shown_are_listed_off_the_windows_thread(
    window, qtbot, monkeypatch
):
    import threading

    from consortium.tenders import search
    from consortium.tenders.importer import import_paths
    from tests.feed_server import FTS_PAGE

    page = window.matches
    assert window.stack.currentWidget() is page and page.tenders.rowCount() > 0
    before = {page.tenders.item(r)["ocid"] for r in range(page.tenders.rowCount())}
    threads = threads_calling(monkeypatch, search, "open_first")
    import_paths(window.ws, [FTS_PAGE])

    def listed() -> set[str]:
        return {page.tenders.item(r)["ocid"] for r in range(page.tenders.rowCount())}

    qtbot.waitUntil(lambda: listed() > before, timeout=20_000)
    assert threads and threading.main_thread().name not in threads
