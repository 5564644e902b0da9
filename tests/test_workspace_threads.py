"""The workspace across threads, without Qt: one writer thread runs every statement on the
writing connection, each other thread reads on its own connection, and the "what changed"
records are heard after each commit."""

from __future__ import annotations

import copy
import json
import os
import threading
from pathlib import Path

import pytest

from consortium import busy
from consortium.changes import BIDS, NOTHING, PARTNERS, TENDERS, Changes
from consortium.partners import store as partners
from consortium.records import Organisation
from consortium.tenders.importer import import_releases
from consortium.workspace import Workspace, WorkspaceError, writes

OCDS = Path(__file__).parent / "fixtures" / "ocds" / "fts-selected-civil-society-releases.json"


def new_releases(n: int) -> list[dict]:
    """``n`` real notices, each given a process (ocid) of its own."""
    releases = json.loads(OCDS.read_text(encoding="utf-8"))["releases"]
    out = []
    for i in range(n):
        release = copy.deepcopy(releases[i % len(releases)])
        release["ocid"] = f"ocds-test-writer-{i:05d}"
        release["id"] = f"{release['ocid']}-1"
        out.append(release)
    return out


def settings_count(db) -> int:
    return db.execute("SELECT count(*) FROM settings").fetchone()[0]


class InThread:
    """Hold a long write (``ws.transaction()``) from another thread, as an import does: run
    ``body`` in it through ``ws.write``, then stop half way until go()."""

    def __init__(self, ws, body, changes=NOTHING):
        self.inside, self.release, self.error = threading.Event(), threading.Event(), None

        def run():
            try:
                with ws.transaction(changes):
                    ws.write(body)
                    self.inside.set()
                    assert self.release.wait(30)
            except BaseException as exc:  # noqa: BLE001 - handed to the test
                self.error = exc
                self.inside.set()

        self.thread = threading.Thread(target=run)
        self.thread.start()
        assert self.inside.wait(30)

    def go(self):
        self.release.set()
        self.thread.join(30)
        if self.error:
            raise self.error


def test_reads_outside_a_write_see_only_committed_data_on_their_own_connection(empty_ws):
    ws = empty_ws
    before = settings_count(ws.db)
    seen_inside = []

    def body():
        ws.db["settings"].insert({"key": "half", "value": "done"})
        seen_inside.append(settings_count(ws.db))

    other = InThread(ws, body)
    try:
        assert seen_inside == [before + 1]  # the transaction sees its row
        assert settings_count(ws.db) == before  # this thread does not, and reads elsewhere
        assert ws.conn is ws.reader.conn
        assert ws.conn is not ws.writer_conn
    finally:
        other.go()
    assert settings_count(ws.db) == before + 1  # committed: now everyone sees it


def test_inside_its_own_write_the_writer_reads_what_it_wrote(empty_ws):
    def write():
        with empty_ws.atomic():
            assert empty_ws.conn is empty_ws.writer_conn
            empty_ws.db["settings"].insert({"key": "mine", "value": "1"})
            assert empty_ws.db["settings"].get("mine")["value"] == "1"
        return threading.get_ident()

    assert empty_ws.write(write) == empty_ws.writer.ident
    assert empty_ws.conn is not empty_ws.writer_conn


def test_atomic_is_refused_off_the_writer_thread_and_says_what_to_do(empty_ws):
    """A core write that forgot its @writes is caught at once, on any thread but the writer."""
    with pytest.raises(WorkspaceError, match="writer thread.*@writes"), empty_ws.atomic():
        empty_ws.db["settings"].insert({"key": "stray", "value": "1"})
    errors = []

    def worker():
        try:
            with empty_ws.atomic():
                pass
        except WorkspaceError as exc:
            errors.append(exc)

    t = threading.Thread(target=worker)
    t.start()
    t.join(30)
    assert len(errors) == 1
    assert empty_ws.db["settings"].count_where("key = 'stray'") == 0


def test_a_decorated_write_hops_onto_the_writer_thread_and_raises_here(empty_ws):
    @writes
    def put(ws, key):
        with ws.atomic():
            ws.db["settings"].insert({"key": key, "value": threading.current_thread().name})
            if key == "bad":
                raise ValueError("refused")
        return threading.get_ident()

    assert put(empty_ws, "good") == empty_ws.writer.ident
    assert put(ws=empty_ws, key="kw") == empty_ws.writer.ident
    with pytest.raises(ValueError, match="refused"):
        put(empty_ws, "bad")
    assert empty_ws.db["settings"].get("good")["value"] == empty_ws.writer.name
    assert empty_ws.db["settings"].count_where("key = 'bad'") == 0
    # Re-entrant: a write called from a write runs at once on the writer thread.
    assert empty_ws.write(put, empty_ws, "nested") == empty_ws.writer.ident


def test_writes_from_two_threads_take_turns(empty_ws):
    ws = empty_ws
    order = []
    other = InThread(ws, lambda: order.append("worker"))
    started = threading.Event()

    def main_write():
        started.set()
        ws.write(lambda: order.append("main"))

    main = threading.Thread(target=main_write)
    main.start()
    assert started.wait(30)
    assert order == ["worker"]  # waiting for the worker's transaction, not joining it
    other.go()
    main.join(30)
    assert order == ["worker", "main"]


def test_a_write_kept_waiting_too_long_says_what_holds_the_workspace(empty_ws, monkeypatch):
    monkeypatch.setattr(busy, "TIMEOUT_MS", 100)
    ws = empty_ws

    def body():
        ws.db["settings"].insert({"key": "import", "value": "1"})
        busy.marker(ws.path).write_text(
            json.dumps({"pid": os.getpid(), "what": "importing tenders"})
        )

    def late():
        with ws.atomic():
            ws.db["settings"].insert({"key": "late", "value": "1"})

    other = InThread(ws, body)
    try:
        with pytest.raises(busy.WorkspaceBusy, match="busy importing tenders; try again"):
            ws.write(late)
    finally:
        other.go()
        busy.marker(ws.path).unlink()
    assert ws.db["settings"].count_where("key = 'late'") == 0  # withdrawn: it never ran
    assert ws.db["settings"].count_where("key = 'import'") == 1  # the long write is unharmed


def test_a_write_behind_one_long_job_is_withdrawn_and_the_job_finishes(empty_ws, monkeypatch):
    monkeypatch.setattr(busy, "TIMEOUT_MS", 100)
    ws = empty_ws
    inside, go = threading.Event(), threading.Event()

    def long_job():
        with ws.atomic(PARTNERS):
            ws.db["settings"].insert({"key": "long", "value": "1"})
            inside.set()
            assert go.wait(30)

    worker = threading.Thread(target=ws.write, args=(long_job,))
    worker.start()
    assert inside.wait(30)
    try:
        with pytest.raises(busy.WorkspaceBusy):
            ws.write(lambda: ws.db["settings"].insert({"key": "small", "value": "1"}))
    finally:
        go.set()
        worker.join(30)
    assert ws.db["settings"].count_where("key = 'long'") == 1
    assert ws.db["settings"].count_where("key = 'small'") == 0
    ws.write(lambda: None)  # the writer carries on


def test_listeners_hear_what_changed_once_after_the_commit_on_the_calling_thread(empty_ws):
    ws = empty_ws
    heard, threads = [], []

    def listen(changes):
        heard.append(changes)
        threads.append(threading.get_ident())

    stop = ws.on_commit(listen)

    def first():
        with ws.atomic(PARTNERS):
            with ws.atomic(TENDERS):
                pass
            ws.note(Changes(consortia=True))
            assert heard == []  # nothing before the commit

    ws.write(first)
    assert heard == [Changes(partners=True, tenders=True, consortia=True)]
    assert threads == [threading.get_ident()]  # the caller hears it, not the writer thread

    def rolled_back():
        with ws.atomic(BIDS):
            raise RuntimeError("rolled back")

    def savepoint():
        with ws.atomic(PARTNERS), pytest.raises(RuntimeError), ws.atomic(BIDS):
            raise RuntimeError("only the savepoint")

    def quiet():
        with ws.atomic():
            pass

    with pytest.raises(RuntimeError):
        ws.write(rolled_back)
    ws.write(savepoint)
    assert heard[-1] == PARTNERS  # a rolled-back part tells no one
    ws.write(quiet)
    assert len(heard) == 2  # a write naming nothing tells no one
    stop()
    ws.write(savepoint)
    assert len(heard) == 2


def test_a_small_bookkeeping_write_waits_for_the_writer_without_making_anyone_wait(empty_ws):
    ws = empty_ws
    ran_on = []

    def mark():
        with ws.atomic(TENDERS):
            ws.db["settings"].insert({"key": "seen", "value": "1"})
            ran_on.append(threading.get_ident())

    heard = []
    ws.on_commit(lambda changes: heard.append(threading.get_ident()))
    other = InThread(ws, lambda: None)
    try:
        ws.write_soon(mark)  # returns at once: the other thread is writing
        assert ran_on == []
    finally:
        other.go()
    ws.write(lambda: None)  # queued after it: once this ran, so had the mark
    assert ran_on == [ws.writer.ident]  # straight after, on the writer thread
    assert heard == [ws.writer.ident]  # nobody waited for it: heard on the writer thread
    assert ws.db["settings"].get("seen")["value"] == "1"
    ws.write_soon(lambda: ws.write(mark))  # the writer is idle: it is done on return
    with pytest.raises(WorkspaceError):
        ws.note(PARTNERS)  # outside a write
    with pytest.raises(WorkspaceError):
        ws.reader.atomic()


def test_write_soon_while_an_import_runs_waits_for_it(empty_ws):
    ws = empty_ws
    marked = []
    state = {}

    def progress(done, total, text):
        if "mark" not in state:  # the import is under way: its transaction is open
            state["mark"] = True
            ws.write_soon(lambda: marked.append(ws.db["tenders"].count))
            state["marked_at_once"] = bool(marked)

    worker = threading.Thread(
        target=lambda: state.setdefault(
            "report", import_releases(ws, new_releases(30), label="t.json", progress=progress)
        )
    )
    worker.start()
    worker.join(60)
    ws.write(lambda: None)
    assert state["marked_at_once"] is False
    assert marked == [30]  # run after the import committed, and saw all of it
    assert state["report"].tenders_new == 30


def test_one_thread_runs_every_statement_on_the_writing_connection(empty_ws):
    """Writes from the main thread, a worker thread, write_soon and an import (which parses
    on its own thread) all reach SQLite's writing connection on the writer thread only."""
    ws = empty_ws
    idents: set[int] = set()
    statements: list[str] = []

    def trace(sql):
        idents.add(threading.get_ident())
        statements.append(sql)

    ws.write(ws.writer_conn.set_trace_callback, trace)
    partners.save(ws, Organisation(name="Main Thread Trust"))  # a decorated core write

    def worker():
        partners.save(ws, Organisation(name="Worker Thread Trust"))
        import_releases(ws, new_releases(40), label="w.json")

    t = threading.Thread(target=worker)
    t.start()
    t.join(120)
    ws.write_soon(lambda: ws.write(lambda: ws.db["settings"].insert({"key": "s", "value": "1"})))
    ws.write(ws.writer_conn.set_trace_callback, None)
    assert any("tender_releases" in sql for sql in statements)  # the import's bulk inserts
    assert any("organisations" in sql for sql in statements)
    assert idents == {ws.writer.ident}
    assert ws.db["tenders"].count == 40


def test_a_failed_import_rolls_everything_back_and_the_writer_carries_on(empty_ws):
    ws = empty_ws

    def cancel_late(done, total, text):
        if text.startswith("Saving"):  # after every batch was stored
            raise RuntimeError("stopped at the end")

    with pytest.raises(RuntimeError, match="stopped at the end"):
        import_releases(ws, new_releases(600), label="x.json", progress=cancel_late)
    assert ws.db["tenders"].count == 0
    assert ws.db["tender_releases"].count == 0
    assert import_releases(ws, new_releases(5), label="y.json").tenders_new == 5


def test_a_long_write_refuses_this_threads_own_stale_reads(empty_ws):
    with empty_ws.transaction(), pytest.raises(WorkspaceError, match="ws.write"):
        empty_ws.db["settings"].count  # noqa: B018 - it would not see the transaction


def test_migrations_run_on_the_writer_thread_and_close_stops_it(tmp_path, monkeypatch):
    path = tmp_path / "w.consortium"
    Workspace.create(path).close()
    ran_on = []
    original = Workspace._migrate

    def spy(self, **options):
        ran_on.append((threading.get_ident(), self.writer.ident))
        return original(self, **options)

    monkeypatch.setattr(Workspace, "_migrate", spy)
    ws = Workspace.open(path, backup=False)
    assert ran_on and ran_on[0][0] == ran_on[0][1]
    thread = ws.writer._thread
    assert thread.is_alive()
    ws.close()
    assert not thread.is_alive()  # joined
    with pytest.raises(WorkspaceError, match="closed"):
        ws.write(lambda: None)


def test_a_write_whose_caller_is_stopped_meanwhile_is_rolled_back(empty_ws):
    """Ctrl-C while the command line waits for a write: "nothing was changed" stays true."""
    import _thread
    import time

    ws = empty_ws

    def write():
        with ws.atomic():
            ws.db["settings"].insert({"key": "interrupted", "value": "1"})
            _thread.interrupt_main()
            deadline = time.monotonic() + 30
            while not ws.writer.current.abandoned and time.monotonic() < deadline:
                time.sleep(0.01)

    with pytest.raises(KeyboardInterrupt):
        ws.write(write)
    ws.write(lambda: None)  # after the abandoned job
    assert ws.db["settings"].count_where("key = 'interrupted'") == 0


def test_after_an_import_its_listeners_read_what_it_committed_on_the_importing_thread(empty_ws):
    # A page refreshing on "tenders" reads the workspace on the thread that imported: it is
    # told once the writer is let go, and sees the new tenders (not a refusal, nor the old
    # state).
    seen: list[tuple[Changes, int]] = []
    empty_ws.on_commit(lambda changes: seen.append((changes, empty_ws.db["tenders"].count)))
    import_releases(empty_ws, new_releases(3), label="z.json")
    assert [(changes.tenders, count) for changes, count in seen] == [(True, 3)]


def test_closing_the_workspace_while_another_thread_reads_stops_that_read_safely(tmp_path):
    """The window closed while the Pipeline was still being found on a worker thread: the
    workspace closed that thread's connection under its running query, and the process died
    (SIGSEGV at 200,000 tenders). Now the read is stopped ("interrupted"), and the connection
    is closed on its own thread when that thread next reads."""
    import sqlite3

    ws = Workspace.create(tmp_path / "close.consortium")
    started, outcome = threading.Event(), {}
    again = threading.Event()

    def read() -> None:
        conn = ws.conn
        conn.create_function("running", 0, lambda: started.set() or 1)
        try:  # a read that would run for minutes, touching the file's pages as it goes
            conn.execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE running()) "
                "SELECT count(*) FROM n, sqlite_master"
            ).fetchone()
            outcome["read"] = "finished"
        except sqlite3.Error as exc:
            outcome["read"] = str(exc)
        again.wait(30)
        outcome["same"] = ws.reader.conn is conn
        try:
            conn.execute("SELECT 1")
            outcome["old"] = "open"
        except sqlite3.ProgrammingError:
            outcome["old"] = "closed"

    thread = threading.Thread(target=read)
    thread.start()
    assert started.wait(30)
    ws.close()
    again.set()
    thread.join(30)
    assert not thread.is_alive()
    assert outcome == {"read": "interrupted", "same": False, "old": "closed"}


def test_a_worker_thread_closes_its_reader_of_a_workspace_switched_away_from(tmp_path):
    """The window's worker threads live as long as the app. A workspace closed while one of
    them sat idle kept that thread's connection (and the -wal and -shm beside the file) open
    until the old workspace was collected; now the thread closes it as soon as it next reads
    any workspace."""
    import sqlite3
    from concurrent.futures import ThreadPoolExecutor

    first = Workspace.create(tmp_path / "first.consortium")
    second = Workspace.create(tmp_path / "second.consortium")
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        old = pool.submit(lambda: first.reader.conn).result()
        assert pool.submit(lambda: old.execute("SELECT 1").fetchone()[0]).result() == 1
        first.close()  # the worker is idle: its connection is only stopped here

        def state(conn) -> str:
            try:
                conn.execute("SELECT 1")
            except sqlite3.ProgrammingError:
                return "closed"
            return "open"

        assert pool.submit(state, old).result() == "open"
        # The next read on that thread, of the other workspace, closes the old connection.
        count = pool.submit(lambda: second.db["organisations"].count).result()
        assert count == 0
        assert pool.submit(state, old).result() == "closed"
        # A late read of the closed workspace still reads, and its connection is closed too
        # once that thread reads an open workspace again.
        late = pool.submit(lambda: (first.reader.conn, first.db["organisations"].count)).result()
        assert late[1] == 0 and pool.submit(state, late[0]).result() == "open"
        pool.submit(lambda: second.db["organisations"].count).result()
        assert pool.submit(state, late[0]).result() == "closed"
    finally:
        pool.shutdown()
        second.close()
