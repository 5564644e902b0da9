"""The daily backup runs beside the window, on its own connection, and never holds up opening."""

from __future__ import annotations

import datetime as dt
import threading

from consortium import backup_store, workspace
from consortium.partners import store
from consortium.workspace import Workspace


def test_the_daily_backup_never_blocks_opening_or_writing(demo_file, monkeypatch):
    backups = demo_file.with_name("demo-backups")
    started, release = threading.Event(), threading.Event()
    real = workspace._copy_database

    def held_up(source, dest):
        started.set()
        assert release.wait(20), "the open waited for the backup"
        return real(source, dest)

    monkeypatch.setattr(workspace, "_copy_database", held_up)
    ws = Workspace.open(demo_file)  # returns while the copy is still held up
    assert started.wait(20)
    assert not list(backups.glob("daily-*"))

    def write():
        with ws.atomic():  # the window can write meanwhile
            ws.db["settings"].upsert({"key": "after-open", "value": "1"}, pk="key")

    ws.write(write)
    release.set()
    ws.close()  # waits for the backup to finish
    made = backups / f"daily-{dt.date.today().isoformat()}.backup"
    assert made.exists() and ws.backup_error is None
    (backup,) = backup_store.backups(backups)
    restored = backup_store.restore(backup, backups.parent / "restored.consortium")
    with Workspace.open(restored, backup=False) as copy:
        assert store.count(copy.db) > 0
        assert copy.db["settings"].get("after-open")["value"] == "1"


def test_a_failed_daily_backup_is_kept_for_the_window_not_raised(demo_file, monkeypatch):
    def broken(source, dest):
        raise OSError("disk full")

    monkeypatch.setattr(workspace, "_copy_database", broken)
    ws = Workspace.open(demo_file)
    ws.wait_for_backup()
    assert isinstance(ws.backup_error, OSError)
    assert store.count(ws.db) > 0
    ws.close()


def test_the_window_closes_while_the_days_pieces_are_stored(demo_file, monkeypatch):
    # Storing a year of tenders' first pieces takes seconds: closing the window waits only
    # for the copy of the file, and the backup is finished behind it, not lost.
    backups = demo_file.with_name("demo-backups")
    storing, release = threading.Event(), threading.Event()
    real = backup_store.save

    def held_up(*args, **kwargs):
        storing.set()
        assert release.wait(20)
        return real(*args, **kwargs)

    monkeypatch.setattr(backup_store, "save", held_up)
    ws = Workspace.open(demo_file)
    assert storing.wait(20)
    ws.close(finish_backup=False)  # returns while the pieces wait
    assert not list(backups.glob("daily-*.backup"))
    thread = ws._backup_thread
    assert thread.is_alive() and not thread.daemon  # the process waits for it at exit
    # Opened again the same day while it stores: no second backup beside it.
    again = Workspace.open(demo_file)
    assert again._backup_thread is None
    again.close()
    release.set()
    thread.join(20)
    assert [b.kind for b in backup_store.backups(backups)] == ["daily"]
    assert not list(backups.glob("*.snapshot")) and ws.backup_error is None
