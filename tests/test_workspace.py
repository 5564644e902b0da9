"""The workspace file: create/open, pragmas, atomic writes, the audit log, migrations, refusals,
backups and the integrity check. Real files on disk throughout."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils
from conftest import dump

from consortium import backup_store, migrations
from consortium.partners import store
from consortium.records import Organisation
from consortium.workspace import (
    APPLICATION_ID,
    DAILY_BACKUPS_KEPT,
    Workspace,
    WorkspaceError,
    WorkspaceTooNew,
)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sidecars(path: Path) -> list[Path]:
    return [p for p in (path.with_name(path.name + s) for s in ("-wal", "-shm")) if p.exists()]


def folder_listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# ------------------------------------------------------------------------- create and open
def test_create_then_open(tmp_path):
    path = tmp_path / "charity.consortium"
    ws = Workspace.create(path)
    assert ws.schema_version == migrations.LATEST
    assert ws.conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert ws.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert ws.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert ws.attachments == tmp_path / "charity-attachments"
    assert ws.attachments.is_dir()
    assert {"organisations", "contacts", "audit", "settings"} <= set(ws.db.table_names())
    ws.close()

    with Workspace.open(path) as again:
        assert again.schema_version == migrations.LATEST
        # Foreign keys are per connection: they must be switched on at every open.
        assert again.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert again.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_create_refuses_to_overwrite(tmp_path):
    path = tmp_path / "taken.consortium"
    path.write_bytes(b"precious")
    with pytest.raises(WorkspaceError, match="already exists"):
        Workspace.create(path)
    assert path.read_bytes() == b"precious"


def test_open_missing_file_says_how_to_create_one(tmp_path):
    with pytest.raises(WorkspaceError, match="consortium init") as err:
        Workspace.open(tmp_path / "nowhere.consortium")
    assert "No workspace at" in str(err.value)
    assert not (tmp_path / "nowhere.consortium").exists()


def test_open_a_folder_is_refused(tmp_path):
    with pytest.raises(WorkspaceError, match="is a folder"):
        Workspace.open(tmp_path)


def test_path_with_uri_characters(tmp_path):
    """'#', '?' and '%' are ordinary in file names but special in SQLite URIs."""
    path = tmp_path / "Bids #2 ?50% done.consortium"
    Workspace.create(path).close()
    with Workspace.open(path) as ws:
        assert ws.schema_version == migrations.LATEST
        assert ws.path == path.resolve()


def test_foreign_keys_are_enforced(empty_ws):
    def write():
        with empty_ws.atomic():
            empty_ws.db["contacts"].insert({"org_id": 4242, "name": "Nobody"})

    with pytest.raises(sqlite3.IntegrityError):
        empty_ws.write(write)
    assert empty_ws.db["contacts"].count == 0


# --------------------------------------------------------------------------- writes, audit
def test_audit_log_records_who_when_what(empty_ws):
    def write():
        with empty_ws.atomic():
            empty_ws.audit("create", "organisation", 7, "Added Hope Trust", {"staff": [None, 3]})

    empty_ws.write(write)
    entry = empty_ws.audit_log(limit=1)[0]
    assert entry["action"] == "create"
    assert entry["entity"] == "organisation"
    assert entry["entity_id"] == "7"
    assert entry["summary"] == "Added Hope Trust"
    assert entry["who"]
    when = dt.datetime.fromisoformat(entry["at"])
    assert abs(dt.datetime.now(dt.UTC) - when) < dt.timedelta(minutes=5)
    assert '"staff": [null, 3]' in entry["changes"]


def test_audit_log_is_append_only(demo_ws):
    before = dump(demo_ws)
    assert demo_ws.db["audit"].count > 0
    raw = demo_ws.writer_conn.execute
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        demo_ws.write(raw, "UPDATE audit SET who = 'someone else'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        demo_ws.write(raw, "DELETE FROM audit")

    def write():
        with demo_ws.atomic():
            demo_ws.conn.execute("DELETE FROM audit WHERE id = 1")

    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        demo_ws.write(write)
    assert dump(demo_ws) == before


def test_failed_write_inside_atomic_changes_nothing(demo_ws):
    before = dump(demo_ws)

    def write():
        with demo_ws.atomic():
            demo_ws.db["organisations"].update(1, {"name": "Renamed"})
            demo_ws.db.execute("DELETE FROM contacts")
            demo_ws.audit("update", "organisation", 1, "Renamed")
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        demo_ws.write(write)
    assert dump(demo_ws) == before


def test_failed_sql_statement_inside_atomic_changes_nothing(demo_ws):
    before = dump(demo_ws)

    def write():
        with demo_ws.atomic():
            demo_ws.db.execute("UPDATE organisations SET notes = 'half done'")
            # A second "our organisation" breaks the partial unique index.
            demo_ws.db.execute("UPDATE organisations SET is_ours = 1")

    with pytest.raises(sqlite3.IntegrityError):
        demo_ws.write(write)
    assert dump(demo_ws) == before


def test_nested_atomic_rolls_back_only_the_inner_part(empty_ws):
    def write():
        with empty_ws.atomic():
            empty_ws.db["settings"].insert({"key": "outer", "value": "kept"})
            with pytest.raises(ValueError), empty_ws.atomic():
                empty_ws.db["settings"].insert({"key": "inner", "value": "lost"})
                raise ValueError

    empty_ws.write(write)
    assert [r["key"] for r in empty_ws.db["settings"].rows] == ["outer"]


def test_a_failed_write_survives_a_reopen(demo_file):
    """The rollback is on disk, not just in this connection's view."""
    ws = Workspace.open(demo_file, backup=False)
    count = ws.db.execute("SELECT count(*) FROM contacts").fetchone()[0]
    assert count > 0

    def write():
        with ws.atomic():
            ws.db.execute("DELETE FROM contacts")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        ws.write(write)
    ws.close()
    with Workspace.open(demo_file, backup=False) as again:
        assert again.db.execute("SELECT count(*) FROM contacts").fetchone()[0] == count


# ------------------------------------------------------------------------------ migrations
def make_v1_workspace(path: Path) -> None:
    """A workspace as version 1 of the app wrote it (only the first migration applied)."""
    conn = sqlite3.connect(path, isolation_level=None)
    db = sqlite_utils.Database(conn)
    with db.atomic():
        migrations.STEPS[0](db)
        conn.execute("PRAGMA user_version = 1")
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db["organisations"].insert(
            {
                "name": "Old Hope Trust",
                "name_key": "old hope trust",
                "charity_number": "1123456",
                "created_at": "2025-01-01T00:00:00+00:00",
                "updated_at": "2025-01-01T00:00:00+00:00",
            }
        )
        db["contacts"].insert({"org_id": 1, "name": "Ann Old", "email": "ann@old.example"})
    conn.close()


def test_older_schema_is_migrated_after_a_backup(tmp_path):
    assert migrations.LATEST >= 2, "this test needs at least one migration after version 1"
    path = tmp_path / "old.consortium"
    make_v1_workspace(path)
    with Workspace.open(path) as ws:
        assert ws.schema_version == migrations.LATEST
        assert "tenders" in ws.db.table_names()  # added by step 2
        assert [o.name for o in store.load_all(ws.db)] == ["Old Hope Trust"]
        assert store.load_all(ws.db)[0].contacts[0].email == "ann@old.example"
        migrated = [a for a in ws.audit_log() if a["action"] == "migrate"]
        assert [a["summary"][:30] for a in migrated][-1].startswith("Workspace format 1 → 2")
        backups = sorted((tmp_path / "old-backups").glob("before-migration-1-*.consortium"))
    assert len(backups) == 1
    # The backup is the file as it was before the migration: version 1, same data.
    conn = sqlite3.connect(backups[0])
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert conn.execute("SELECT name FROM organisations").fetchall() == [("Old Hope Trust",)]
    assert "tenders" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()


def test_blank_sqlite_file_becomes_a_workspace(tmp_path):
    path = tmp_path / "blank.consortium"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("DROP TABLE t")  # a version-0 file with no tables, its header written
    conn.close()
    assert path.stat().st_size > 0
    with Workspace.open(path) as ws:
        assert ws.schema_version == migrations.LATEST
        assert "organisations" in ws.db.table_names()


def test_an_empty_file_is_refused_not_made_into_a_new_workspace(tmp_path, capsys):
    # 0 bytes is most often a copy of a workspace that did not finish: it became an empty
    # workspace in place, and the command said "No partners yet".
    from consortium.cli import main

    path = tmp_path / "charity.consortium"
    path.write_bytes(b"")
    with pytest.raises(WorkspaceError, match=r"charity.consortium is empty \(0 bytes\)"):
        Workspace.open(path)
    assert main(["--workspace", str(path), "partners", "list"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "charity.consortium is empty (0 bytes)" in err
    assert "restore" in err and "Traceback" not in err
    assert path.read_bytes() == b"" and not list(tmp_path.glob("charity*-wal"))
    # A new file is still made where none is, by init and by create.
    assert main(["init", str(tmp_path / "new.consortium")]) == 0
    Workspace.create(tmp_path / "other.consortium").close()
    with Workspace.open(tmp_path / "other.consortium") as ws:
        assert ws.schema_version == migrations.LATEST


def test_a_failing_migration_step_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "ws.consortium"
    Workspace.create(path).close()
    digest = sha(path)

    def v_next_ok(db):
        """a step that works"""
        db.execute("CREATE TABLE fine (x)")

    def v_next_broken(db):
        """a step that fails half way"""
        db.execute("CREATE TABLE half_done (x)")
        db.execute("ALTER TABLE organisations ADD COLUMN mood TEXT")
        raise sqlite3.OperationalError("disk I/O error (simulated)")

    monkeypatch.setattr(migrations, "STEPS", [*migrations.STEPS, v_next_ok, v_next_broken])
    monkeypatch.setattr(migrations, "LATEST", len(migrations.STEPS))
    with pytest.raises(WorkspaceError) as err:
        Workspace.open(path)
    message = str(err.value)
    assert "a step that fails half way" in message and "simulated" in message
    assert "has not been changed" in message
    # Not even the step that worked is kept: all the pending steps are one transaction.
    assert sha(path) == digest
    assert sidecars(path) == []
    # The backup taken before trying is a copy of an unchanged file: it is not left behind.
    assert not list((tmp_path / "ws-backups").glob("before-migration-*.consortium"))


@pytest.mark.parametrize("name", ["newer.consortium", "Bids #2 ?50% done.consortium"])
def test_newer_workspace_is_refused_untouched(demo_file, name):
    demo_file = demo_file.rename(demo_file.with_name(name))
    conn = sqlite3.connect(demo_file)
    conn.execute(f"PRAGMA user_version = {migrations.LATEST + 1}")
    conn.commit()
    conn.close()
    assert sidecars(demo_file) == []
    folder = demo_file.parent
    listing = folder_listing(folder)
    digest = sha(demo_file)
    mtime = demo_file.stat().st_mtime_ns

    with pytest.raises(WorkspaceTooNew) as err:
        Workspace.open(demo_file)
    message = str(err.value)
    assert "newer version" in message
    assert f"format {migrations.LATEST + 1}" in message
    assert "has not been changed" in message

    assert sha(demo_file) == digest
    assert demo_file.stat().st_mtime_ns == mtime
    assert sidecars(demo_file) == []  # not even a -wal or -shm file
    assert folder_listing(folder) == listing  # no backups or attachments folder either


def test_newer_workspace_refused_through_the_cli(demo_file, capsys):
    from consortium.cli import main

    conn = sqlite3.connect(demo_file)
    conn.execute(f"PRAGMA user_version = {migrations.LATEST + 5}")
    conn.commit()
    conn.close()
    digest = sha(demo_file)
    assert main(["--workspace", str(demo_file), "partners", "list"]) == 1
    assert "newer version of Consortium" in capsys.readouterr().err
    assert sha(demo_file) == digest
    assert sidecars(demo_file) == []


def test_text_file_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "notes.consortium"
    path.write_text("Partner notes, not a database\n" * 20)
    before = path.read_bytes()
    with pytest.raises(WorkspaceError, match="not a Consortium workspace") as err:
        Workspace.open(path)
    assert "not an SQLite database" in str(err.value)
    assert path.read_bytes() == before
    assert sidecars(path) == []


def test_foreign_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "firefox-places.consortium"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    conn.execute("INSERT INTO moz_places (url) VALUES ('https://example.org')")
    conn.commit()
    conn.close()
    digest = sha(path)
    with pytest.raises(WorkspaceError, match="SQLite file but not a Consortium workspace"):
        Workspace.open(path)
    assert sha(path) == digest
    assert sidecars(path) == []


def test_sqlite_file_of_another_application_is_refused(tmp_path):
    path = tmp_path / "other-app.consortium"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA application_id = 1234")
    conn.commit()
    conn.close()
    with pytest.raises(WorkspaceError, match="not a Consortium workspace"):
        Workspace.open(path)


# --------------------------------------------------------------------------------- backups
def test_daily_backup_once_a_day(demo_file, tmp_path):
    backups = demo_file.with_name("demo-backups")
    Workspace.open(demo_file).close()
    today = dt.date.today().isoformat()
    made = sorted(backups.glob("daily-*"))
    assert [p.name for p in made] == [f"daily-{today}.backup"]
    assert not list(backups.glob("*.snapshot")) and not list(backups.glob("*.part"))
    first = sha(made[0])
    Workspace.open(demo_file).close()
    assert sorted(backups.glob("daily-*")) == made
    assert sha(made[0]) == first  # not overwritten by the second open
    assert Workspace.open(demo_file, backup=False).close() is None
    # Restored, it opens with the same partners.
    with Workspace.open(demo_file, backup=False) as ws:
        (backup,) = [b for b in ws.backups() if b.kind == "daily"]
        restored = backup_store.restore(backup, tmp_path / "restored.consortium")
        partners = store.count(ws.db)
    with Workspace.open(restored, backup=False) as copy:
        assert store.count(copy.db) == partners > 0


def test_daily_backups_rotate(demo_file):
    backups = demo_file.with_name("demo-backups")
    backups.mkdir()
    # Whole copies, as versions before this one made them: they age out with the new ones.
    old = [backups / f"daily-2020-01-{day:02d}.consortium" for day in range(1, 11)]
    for path in old:
        path.write_bytes(b"old backup")
    Workspace.open(demo_file).close()
    kept = sorted(p.name for p in backups.glob("daily-*"))
    assert len(kept) == DAILY_BACKUPS_KEPT
    assert kept[-1] == f"daily-{dt.date.today().isoformat()}.backup"
    assert kept[0] == "daily-2020-01-05.consortium"  # the oldest went first
    assert not old[0].exists()


def test_backup_to_makes_an_openable_single_file_copy(demo_ws, tmp_path):
    store.save(demo_ws, Organisation(name="Written Just Before The Backup"))
    dest = demo_ws.backup_to(tmp_path / "elsewhere" / "copy.consortium")
    assert dest.exists()
    assert sidecars(dest) == []
    assert not dest.with_name(dest.name + ".part").exists()
    conn = sqlite3.connect(dest)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    with Workspace.open(dest, backup=False) as copy:
        names = [o.name for o in store.load_all(copy.db)]
        assert "Written Just Before The Backup" in names
        assert names == [o.name for o in store.load_all(demo_ws.db)]
        assert copy.check() == []


def test_backup_cannot_overwrite_the_workspace(demo_ws):
    with pytest.raises(WorkspaceError, match="cannot overwrite"):
        demo_ws.backup_to(demo_ws.path)


# ----------------------------------------------------------------------------------- check
def test_check_passes_on_a_healthy_workspace(demo_ws):
    assert demo_ws.check() == []


def test_check_finds_a_dangling_reference(demo_ws):
    writer = demo_ws.writer_conn  # a raw write past the foreign key check, as damage would be

    def damage():
        writer.execute("PRAGMA foreign_keys = OFF")
        writer.execute("INSERT INTO contacts (org_id, name) VALUES (9999, 'Orphan')")
        writer.execute("PRAGMA foreign_keys = ON")

    demo_ws.write(damage)
    problems = demo_ws.check()
    assert len(problems) == 1
    assert "contacts" in problems[0]
    assert "missing organisations record" in problems[0]


def test_check_finds_a_missing_attachments_folder(demo_ws):
    demo_ws.attachments.rmdir()
    problems = demo_ws.check()
    assert len(problems) == 1
    assert "attachments folder" in problems[0]


def test_new_files_get_large_pages_and_old_ones_keep_theirs(tmp_path):
    """Compressed releases (about 1 kB each) waste a sixth of 4 kB pages; a file's page size is
    fixed once it has tables, so only new workspaces get the larger pages."""
    from consortium.workspace import PAGE_SIZE

    assert PAGE_SIZE > 4096
    with Workspace.create(tmp_path / "new.consortium") as ws:
        assert ws.writer_conn.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE
        # statement journals and sorts never go to a temporary file (2 = memory)
        assert ws.writer_conn.execute("PRAGMA temp_store").fetchone()[0] == 2
    old = tmp_path / "v11.consortium"
    old.write_bytes((Path(__file__).parent / "fixtures/workspaces/v11.consortium").read_bytes())
    was = sqlite3.connect(old).execute("PRAGMA page_size").fetchone()[0]
    assert was != PAGE_SIZE
    with Workspace.open(old, backup=False) as ws:
        assert ws.writer_conn.execute("PRAGMA page_size").fetchone()[0] == was
        assert ws.schema_version == migrations.LATEST


def _leave_old_journal(path: Path) -> bytes:
    """A workspace at ``path`` deleted by hand after a crash, its -wal left beside it."""
    ws = Workspace.create(path)
    ws.write(
        lambda: ws.writer_conn.execute("INSERT INTO settings VALUES ('from-the-old-file', '1')")
    )
    wal = path.with_name(path.name + "-wal").read_bytes()
    assert len(wal) > 32  # the change is in the log, not yet in the file
    ws.close()
    for side in ("", "-wal", "-shm"):
        Path(f"{path}{side}").unlink(missing_ok=True)
    path.with_name(path.name + "-wal").write_bytes(wal)
    return wal


def test_a_new_workspace_is_refused_beside_an_old_ones_journal(tmp_path):
    # SQLite replayed the old file's log into the new one: a "new" demo walked in session 15
    # showed 231 tenders and a fetch that brought none.
    path = tmp_path / "Mine.consortium"
    wal = _leave_old_journal(path)
    with pytest.raises(WorkspaceError, match=r"Mine\.consortium-wal is left in .* Choose another"):
        Workspace.create(path)
    assert not path.exists() and path.with_name(path.name + "-wal").read_bytes() == wal
    path.with_name(path.name + "-wal").unlink()
    ws = Workspace.create(path)
    assert ws.db["settings"].count_where("key = 'from-the-old-file'") == 0
    ws.close()


def test_the_demo_sets_an_old_journal_aside_and_starts_clean(tmp_path):
    from consortium.demo import create_demo

    path = tmp_path / "Demo.consortium"
    wal = _leave_old_journal(path)
    ws = create_demo(path, dt.date(2026, 12, 1))
    try:
        assert ws.db["settings"].count_where("key = 'from-the-old-file'") == 0
    finally:
        ws.close()
    assert path.with_name(path.name + "-wal.old").read_bytes() == wal  # kept, not lost
