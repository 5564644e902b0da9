"""The workspace across threads, without Qt: one writer at a time, each thread reading on its
own connection, and the "what changed" records heard after each commit."""

from __future__ import annotations

import json
import os
import threading

import pytest

from consortium import busy
from consortium.changes import BIDS, NOTHING, PARTNERS, TENDERS, Changes
from consortium.workspace import WorkspaceError


def settings_count(db) -> int:
    return db.execute("SELECT count(*) FROM settings").fetchone()[0]


class InThread:
    """Run ``body`` on another thread inside ``ws.atomic()``, stopping half way until go()."""

    def __init__(self, ws, body, changes=NOTHING):
        self.inside, self.release, self.error = threading.Event(), threading.Event(), None

        def run():
            try:
                with ws.atomic(changes):
                    body()
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
    other = InThread(ws, lambda: ws.db["settings"].insert({"key": "half", "value": "done"}))
    try:
        # The writing thread sees its row; this thread does not, and reads elsewhere.
        assert settings_count(ws.writer_db) == before + 1
        assert settings_count(ws.db) == before
        assert ws.conn is ws.reader.conn
        assert ws.conn is not ws.writer_conn
    finally:
        other.go()
    assert settings_count(ws.db) == before + 1  # committed: now everyone sees it


def test_inside_its_own_write_a_thread_reads_what_it_wrote(empty_ws):
    with empty_ws.atomic():
        assert empty_ws.conn is empty_ws.writer_conn
        empty_ws.db["settings"].insert({"key": "mine", "value": "1"})
        assert empty_ws.db["settings"].get("mine")["value"] == "1"
    assert empty_ws.conn is not empty_ws.writer_conn


def test_writes_from_two_threads_take_turns(empty_ws):
    ws = empty_ws
    order = []
    other = InThread(ws, lambda: order.append("worker"))

    def main_write():
        with ws.atomic():
            order.append("main")

    main = threading.Thread(target=main_write)
    main.start()
    main.join(0.2)
    assert main.is_alive()  # waiting for the worker's transaction, not joining it
    other.go()
    main.join(30)
    assert order == ["worker", "main"]


def test_a_write_kept_waiting_too_long_says_what_holds_the_workspace(empty_ws, monkeypatch):
    monkeypatch.setattr(busy, "TIMEOUT_MS", 100)
    ws = empty_ws

    def body():
        busy.marker(ws.path).write_text(
            json.dumps({"pid": os.getpid(), "what": "importing tenders"})
        )

    other = InThread(ws, body)
    try:
        with (
            pytest.raises(busy.WorkspaceBusy, match="busy importing tenders; try again"),
            ws.atomic(),
        ):
            ws.db["settings"].insert({"key": "late", "value": "1"})
    finally:
        other.go()
        busy.marker(ws.path).unlink()
    assert ws.db["settings"].count_where("key = 'late'") == 0


def test_listeners_hear_what_changed_once_after_the_commit(empty_ws):
    ws = empty_ws
    heard = []
    stop = ws.on_commit(heard.append)
    with ws.atomic(PARTNERS):
        with ws.atomic(TENDERS):
            pass
        ws.note(Changes(consortia=True))
        assert heard == []  # nothing before the commit
    assert heard == [Changes(partners=True, tenders=True, consortia=True)]

    with pytest.raises(RuntimeError), ws.atomic(BIDS):
        raise RuntimeError("rolled back")
    with ws.atomic(PARTNERS), pytest.raises(RuntimeError), ws.atomic(BIDS):
        raise RuntimeError("only the savepoint")
    assert heard[-1] == PARTNERS  # a rolled-back part tells no one
    with ws.atomic():
        pass
    assert len(heard) == 2  # a write naming nothing tells no one
    stop()
    with ws.atomic(PARTNERS):
        pass
    assert len(heard) == 2


def test_a_small_bookkeeping_write_waits_for_the_writer_without_making_anyone_wait(empty_ws):
    ws = empty_ws
    ran_on = []

    def mark():
        with ws.atomic():
            ws.db["settings"].insert({"key": "seen", "value": "1"})
            ran_on.append(threading.current_thread().name)

    other = InThread(ws, lambda: None)
    try:
        ws.write_soon(mark)  # returns at once: the other thread is writing
        assert ran_on == []
    finally:
        other.go()
    assert ran_on == [other.thread.name]  # run straight after, by the thread that was writing
    assert ws.db["settings"].get("seen")["value"] == "1"
    with pytest.raises(WorkspaceError):
        ws.note(PARTNERS)  # outside a write
    with pytest.raises(WorkspaceError):
        ws.reader.atomic()
