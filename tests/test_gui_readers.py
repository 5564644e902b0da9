"""The window reads on its own connection while an import's transaction is open on the worker,
and the one change dispatcher refreshes the views that show what an operation changed."""

from __future__ import annotations

import copy
import json
import threading
from pathlib import Path

from consortium import busy
from consortium.changes import PARTNERS, TENDERS, Changes
from consortium.tenders import search
from consortium.tenders.importer import import_releases
from tests.conftest import tenders_listed

OCDS = Path(__file__).parent / "fixtures" / "ocds" / "fts-selected-civil-society-releases.json"


def new_releases(n: int) -> list[dict]:
    """Real notices given ocids the demo workspace does not hold."""
    releases = json.loads(OCDS.read_text(encoding="utf-8"))["releases"]
    out = []
    for i, release in enumerate(releases[:n]):
        release = copy.deepcopy(release)
        release["ocid"] = f"ocds-test-reader-{i:03d}"
        release["id"] = f"{release['ocid']}-1"
        out.append(release)
    return out


class Traced:
    """Statements each connection ran while the block was open."""

    def __init__(self, **conns):
        self.conns, self.seen = conns, {name: [] for name in conns}

    def __enter__(self):
        for name, conn in self.conns.items():
            conn.set_trace_callback(self.seen[name].append)
        return self.seen

    def __exit__(self, *exc):
        for conn in self.conns.values():
            conn.set_trace_callback(None)


def test_paint_during_an_open_import_reads_the_state_before_it_on_another_connection(
    main_window, qtbot
):
    win = main_window
    ws = win.ws
    win.sidebar.setCurrentRow(1)  # Tenders
    tenders_listed(qtbot, win.tenders)
    view, model = win.tenders.view, win.tenders.model
    total_before = search.count(ws.reader)
    assert total_before > 0
    text_before = win.tenders.message.text()
    title_before = model.data(model.index(0, 1))

    inside, go = threading.Event(), threading.Event()
    counted = []

    def slow_import(progress, cancelled):
        # The import's rows are all written, and its transaction stays open until told to go.
        with ws.transaction(TENDERS):
            report = import_releases(ws, new_releases(3), label="slow.json")
            counted.append(ws.write(lambda: ws.db["tenders"].count))
            inside.set()
            go.wait(60)
        return report

    done = []
    win.run("Importing slow.json", slow_import, done.append)
    assert inside.wait(30)
    try:
        writer = ws.writer_conn
        assert writer.in_transaction
        # The writing connection already holds the new tenders (not committed yet) ...
        assert counted == [total_before + 3]
        # ... while the list, painting, reads the workspace as it was, on this thread's reader.
        model._blocks.clear()  # nothing cached: the paint must fetch its rows
        fetches = model.fetches
        with Traced(writer=writer, reader=ws.reader.conn) as seen:
            view.viewport().repaint()
            win.tenders.grab()
            win.tenders.run_search()  # a search typed meanwhile: the same
        assert model.fetches > fetches
        assert seen["writer"] == []
        assert any("FROM tenders" in sql for sql in seen["reader"])
        assert ws.reader.conn is not writer
        assert model.data(model.index(0, 1)) == title_before
        assert win.tenders.message.text() == text_before
        assert f"of {total_before:,} tenders" in text_before
        assert not any("ocds-test-reader" in o for o in model.ocids())
    finally:
        go.set()
    qtbot.waitUntil(lambda: bool(done), timeout=30000)
    # Committed: the dispatcher refreshed the list (nobody called a reload by hand).
    assert win.dispatcher.heard[-1] == TENDERS
    qtbot.waitUntil(lambda: f"of {total_before + 3:,} tenders" in win.tenders.message.text())


def test_a_write_from_the_window_while_the_worker_writes_waits_then_says_so(
    main_window, qtbot, monkeypatch
):
    """One writer at a time: the main thread cannot slip a write into the import's transaction."""
    monkeypatch.setattr(busy, "TIMEOUT_MS", 200)
    ws = main_window.ws
    inside, go = threading.Event(), threading.Event()

    def hold(progress, cancelled):
        with ws.transaction(), busy.activity(ws.path, "importing tenders"):
            inside.set()
            go.wait(60)

    main_window.run("Holding", hold, None)
    assert inside.wait(30)
    try:

        def write():
            with ws.atomic():
                ws.db["settings"].insert({"key": "slipped in", "value": "1"})

        try:
            ws.write(write)
        except busy.WorkspaceBusy as exc:
            message = str(exc)
        else:
            message = ""
    finally:
        go.set()
    assert message.startswith("This workspace is busy importing tenders; try again")
    qtbot.waitUntil(lambda: not main_window.tasks, timeout=30000)
    assert ws.db["settings"].count_where("key = 'slipped in'") == 0


def test_partner_changes_reach_the_matches_area_when_it_is_shown(main_window):
    win = main_window
    win.sidebar.setCurrentRow(0)
    partners_before = win.matches.partner.count()
    from consortium.partners import store
    from consortium.records import Organisation

    store.save(win.ws, Organisation(name="Brand New Helpers"))
    assert win.dispatcher.heard[-1] == PARTNERS
    assert win.matches.partner.count() == partners_before  # not on screen: not reloaded yet
    win.sidebar.setCurrentRow(2)  # Matches
    assert win.matches.partner.count() == partners_before + 1
    assert win.matches.partner.findText("Brand New Helpers") >= 0


def test_a_write_that_names_nothing_tells_no_page(main_window):
    heard = list(main_window.dispatcher.heard)
    ws = main_window.ws

    def write():
        with ws.atomic():
            ws.db["settings"].insert({"key": "quiet", "value": "1"})

    ws.write(write)
    assert main_window.dispatcher.heard == heard
    assert Changes.of("partners", "bids").kinds() == {"partners", "bids"}


def test_a_commit_told_on_the_writer_thread_reaches_the_pages_on_the_main_thread(
    main_window, qtbot
):
    """A write_soon that waited out an import commits on the writer thread; the dispatcher
    queues it, and the pages hear it on the main thread."""
    ws = main_window.ws
    inside, go = threading.Event(), threading.Event()
    threads = []
    real = main_window.dispatcher.dispatch

    def dispatch(changes):
        threads.append(threading.get_ident())
        real(changes)

    main_window.dispatcher.dispatch = dispatch

    def hold(progress, cancelled):
        with ws.transaction():
            inside.set()
            go.wait(60)

    def mark():
        with ws.atomic(PARTNERS):
            ws.db["settings"].insert({"key": "told later", "value": "1"})

    main_window.run("Holding", hold, None)
    assert inside.wait(30)
    try:
        ws.write_soon(mark)  # queued behind the hold: nobody waits for it
    finally:
        go.set()
    qtbot.waitUntil(lambda: bool(threads), timeout=30000)
    assert main_window.dispatcher.heard[-1] == PARTNERS
    assert threads == [threading.get_ident()]  # the main thread
    assert ws.db["settings"].count_where("key = 'told later'") == 1
