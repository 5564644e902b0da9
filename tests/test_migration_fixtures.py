"""Every migration step, run on a stored workspace file of each released schema version
(tests/fixtures/workspaces/vNN.consortium, built by make_fixtures.py there).

Steps appended later are picked up without editing this file: every stored file is migrated
to ``migrations.LATEST`` and must end with the schema of a new workspace and all its rows.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
import sqlite_utils

from consortium import migrations
from consortium.partners import store
from consortium.workspace import Workspace, WorkspaceError, WorkspaceTooNew, read_version

STORED = Path(__file__).parent / "fixtures" / "workspaces"
FILES = sorted(STORED.glob("v*.consortium"))
VERSIONS = sorted(int(p.name[1:3]) for p in FILES if re.fullmatch(r"v\d\d\.consortium", p.name))

# Columns a step deliberately rewrites, as {step function name: {"table.column", ...}}; the
# values in them are not compared with the stored file's. Add an entry when a step converts data.
REWRITTEN_BY_STEPS: dict[str, set[str]] = {
    # Raw releases are compressed (tests/test_tenders_stored.py checks they read back equal).
    "v12_compressed_releases_and_stored_tenders": {"tender_releases.raw"},
    # Indexed again from the releases with today's extraction (tests/test_migration_reindex.py).
    "reindex_tender_places": {
        "tender_places.code",
        "tender_places.tender_id",
        "tender_cpv.code",
        "tender_cpv.tender_id",
        "tender_data.data",
    },
    # An address the notice id gives is no longer stored; one never given is kept as ""
    # (tests/test_tenders_stored.py checks every tender lists the same address as before).
    "tenders_stored_once": {"tenders.notice_url"},
}
HINT = "a step that converts a column on purpose lists it in REWRITTEN_BY_STEPS in this file"


def version_of(path: Path) -> int:
    return int(path.name[1:3])


def copy(path: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "work" / path.name
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, dest)
    return dest


def schema(path_or_conn) -> dict[tuple[str, str], str]:
    conn = (
        path_or_conn
        if isinstance(path_or_conn, sqlite3.Connection)
        else sqlite3.connect(path_or_conn)
    )
    rows = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
    ).fetchall()
    if conn is not path_or_conn:
        conn.close()
    return {(kind, name): " ".join((sql or "").split()) for kind, name, sql in rows}


def user_tables(conn: sqlite3.Connection) -> list[str]:
    """Ordinary tables holding rows (not FTS shadow tables, which follow their content table)."""
    names = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND sql NOT LIKE 'CREATE VIRTUAL%'"
        )
    ]
    virtual = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL%'"
        )
    ]
    return sorted(n for n in names if not any(n.startswith(v + "_") for v in virtual))


def rows_of(conn: sqlite3.Connection, table: str, columns: list[str]) -> list[tuple]:
    cols = ", ".join(f'"{c}"' for c in columns)
    return sorted(conn.execute(f'SELECT {cols} FROM "{table}"').fetchall(), key=repr)


def kept_all(old: list[tuple], new: list[tuple]) -> bool:
    """Every old row is still there, as often as before (a step may add rows, e.g. defaults)."""
    return not (Counter(old) - Counter(new))


def columns_of(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]


@pytest.fixture(scope="module")
def fresh_schema(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("fresh") / "fresh.consortium"
    Workspace.create(path).close()
    return schema(path)


def test_there_is_a_stored_file_for_every_version_so_far():
    assert VERSIONS, "no stored workspaces found in tests/fixtures/workspaces"
    assert list(range(max(VERSIONS) + 1)) == VERSIONS, "a version is missing: run make_fixtures.py"
    assert max(VERSIONS) <= migrations.LATEST
    for path in FILES:
        if version_of(path) > 0:
            assert read_version(path) == (0x434F4E53, version_of(path)), path.name


@pytest.mark.parametrize("stored", FILES, ids=lambda p: p.stem)
def test_each_stored_version_migrates_to_the_latest_with_its_data(stored, tmp_path, fresh_schema):
    path = copy(stored, tmp_path)
    start = version_of(stored)
    if start == 0:
        # Version 0 is an empty file, which is refused when opened (most often a copy that
        # did not finish: test_workspace.py); every step from 0 runs on a new workspace.
        with pytest.raises(WorkspaceError, match=r"is empty \(0 bytes\)"):
            Workspace.open(path)
        path.unlink()
        Workspace.create(path).close()
    before = sqlite3.connect(stored)
    tables = user_tables(before)
    assert (
        start == 0
        or sum(before.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables) >= 5
    )

    with Workspace.open(path) as ws:
        assert ws.schema_version == migrations.LATEST
        assert ws.check() == []
        # The same tables, columns, indexes and triggers as a workspace made today.
        assert schema(ws.conn) == fresh_schema
        rewritten = set().union(
            *(
                REWRITTEN_BY_STEPS.get(step.__name__, set())
                for _v, step in migrations.pending(start)
            )
        )
        for table in tables:
            if table not in ws.db.table_names():
                continue  # a step dropped it on purpose (the schema check above agrees)
            kept = [c for c in columns_of(before, table) if c in columns_of(ws.conn, table)]
            kept = [c for c in kept if f"{table}.{c}" not in rewritten]
            if not kept:
                continue  # every column is rebuilt on purpose
            old, new = rows_of(before, table, kept), rows_of(ws.conn, table, kept)
            if table == "audit":  # the migration adds its own entries
                assert set(old) <= set(new)
                migrated = ws.conn.execute(
                    "SELECT count(*) FROM audit WHERE action = 'migrate'"
                ).fetchone()[0]
                assert migrated >= migrations.LATEST - start
            else:
                assert kept_all(old, new), (
                    f"rows of {table} were lost or changed from {stored.name} ({HINT})"
                )
        if start >= 1:
            orgs = store.load_all(ws.db)
            assert {o.name for o in orgs} == {"Hope Trust", "St Mary's Café Ltd"}
            hope = next(o for o in orgs if o.name == "Hope Trust")
            assert hope.contacts[0].name == "Ann O'Neill"
        if start >= 2:  # the full-text index still finds the stored tender
            hits = ws.conn.execute(
                "SELECT rowid FROM tenders_fts WHERE tenders_fts MATCH 'tenancy'"
            ).fetchall()
            assert hits == [(1,)]
    before.close()
    backups = list((path.parent / f"{path.stem}-backups").glob("before-migration-*"))
    assert len(backups) == (1 if 0 < start < migrations.LATEST else 0)


@pytest.mark.parametrize("step_number", range(1, migrations.LATEST + 1))
def test_each_step_alone_turns_the_stored_version_into_the_next(step_number, tmp_path):
    """Step N run on the stored file of version N-1 gives the schema of the stored file of
    version N (so a shipped step edited afterwards is caught) and keeps every row. Steps newer
    than every stored file run on the newest one, brought up to N-1 first."""
    previous = STORED / f"v{min(step_number - 1, max(VERSIONS)):02d}.consortium"
    path = copy(previous, tmp_path)
    conn = sqlite3.connect(path, isolation_level=None)
    db = sqlite_utils.Database(conn)
    before: dict[str, tuple[list[str], list[tuple]]] = {}
    for version, step in migrations.pending(version_of(previous)):
        if version > step_number:
            break
        if version == step_number:
            for table in user_tables(conn):
                cols = columns_of(conn, table)
                before[table] = (cols, rows_of(conn, table, cols))
        with db.atomic():
            step(db)
            conn.execute(f"PRAGMA user_version = {version}")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == step_number
    target = STORED / f"v{step_number:02d}.consortium"
    if target.exists():
        assert schema(conn) == schema(target)
    rewritten = REWRITTEN_BY_STEPS.get(migrations.STEPS[step_number - 1].__name__, set())
    for table, (cols, rows) in before.items():
        if table not in db.table_names():
            continue
        kept = [c for c in cols if c in columns_of(conn, table) and f"{table}.{c}" not in rewritten]
        if not kept:
            continue  # every column is rebuilt on purpose
        expected = sorted((tuple(r[cols.index(c)] for c in kept) for r in rows), key=repr)
        assert kept_all(expected, rows_of(conn, table, kept)), (
            f"step {step_number} changed the rows of {table} ({HINT})"
        )
    conn.close()


def test_workspace_made_while_steps_5_and_6_were_placeholders_gets_their_tables(
    tmp_path, fresh_schema
):
    path = copy(STORED / "v09-placeholders.consortium", tmp_path)
    assert {"sv_placeholder", "bid_placeholder"} <= set(
        n for (n,) in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")
    )
    with Workspace.open(path) as ws:
        assert schema(ws.conn) == fresh_schema

        # The tables are usable: a question on the stored bid, found again.
        def write():
            with ws.atomic():
                ws.db["bid_questions"].insert(
                    {"bid_id": 1, "text": "Describe your approach.", "updated_at": "2026-11-23"}
                )

        ws.write(write)
        assert ws.db["bid_questions"].count == 1
        assert ws.db["bids"].get(1)["name"] == "Floating support bid"


def sha(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def stamp_version(path: Path, version: int) -> None:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("claimed", [0, 1, 5, 9])
def test_a_file_claiming_an_older_version_than_its_tables_is_refused_unchanged(claimed, tmp_path):
    """A newer file whose format number was turned back (the attack that found the tracebacks):
    a plain refusal, the file exactly as it was and no backup left behind for it."""
    path = copy(STORED / f"v{max(VERSIONS):02d}.consortium", tmp_path)
    stamp_version(path, claimed)
    digest = sha(path)
    listing = sorted(p.name for p in path.parent.iterdir())
    with pytest.raises(WorkspaceError) as err:
        Workspace.open(path)
    message = str(err.value)
    assert "could not be brought up to date" in message
    assert "has not been changed" in message
    assert sha(path) == digest
    assert not path.with_name(path.name + "-wal").exists()
    assert sorted(p.name for p in path.parent.iterdir()) == listing  # no backup, no folders


def open_elsewhere_with_a_wal(path: Path, version: int) -> tuple[Path, Path]:
    """Copy of a workspace as another (newer) app leaves it while it is open: its newest
    format number, and rows, only in the -wal file beside it, -shm included."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.execute("INSERT INTO settings VALUES ('written_by', 'a newer app')")
    live = path.with_name("live-" + path.name)
    for suffix in ("", "-wal", "-shm"):
        shutil.copyfile(str(path) + suffix, str(live) + suffix)
    conn.close()
    return live, live.with_name(live.name + "-wal")


def test_newer_workspace_with_a_wal_is_left_byte_identical(tmp_path):
    path = copy(STORED / f"v{max(VERSIONS):02d}.consortium", tmp_path)
    live, wal = open_elsewhere_with_a_wal(path, migrations.LATEST + 1)
    files = [live, wal, live.with_name(live.name + "-shm")]
    # The main file alone still says an older version: only the -wal knows better.
    main_only = sqlite3.connect(f"file:{live}?mode=ro&immutable=1", uri=True)
    assert main_only.execute("PRAGMA user_version").fetchone()[0] < migrations.LATEST + 1
    main_only.close()
    before = {p.name: sha(p) for p in files}
    assert all(before.values())
    listing = sorted(p.name for p in live.parent.iterdir())

    with pytest.raises(WorkspaceTooNew, match="newer version"):
        Workspace.open(live)
    assert {p.name: sha(p) for p in files} == before
    assert sorted(p.name for p in live.parent.iterdir()) == listing


def test_workspace_with_a_wal_of_the_current_version_opens_with_its_rows(tmp_path):
    """The -wal reading agrees with SQLite when the version in it is one this app reads."""
    path = copy(STORED / f"v{max(VERSIONS):02d}.consortium", tmp_path)
    live, _wal = open_elsewhere_with_a_wal(path, max(VERSIONS))
    assert read_version(live)[1] == max(VERSIONS)
    with Workspace.open(live) as ws:
        assert ws.schema_version == migrations.LATEST
        assert ws.db["settings"].get("written_by")["value"] == "a newer app"
