"""Opening a workspace made by an earlier version: the update reports its progress, Cancel
leaves the file as it was, and a workspace whose tenders were packed without a dictionary
(what updating from before compression left) ends packed and compacted like a new one."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
import zstandard

from consortium import migrations
from consortium.progress import Cancelled
from consortium.tenders import packing, store
from consortium.workspace import Workspace, read_version
from tests.conftest import cli, copy_workspace, dump, leave_deleted_space

ROOT = Path(__file__).resolve().parents[1]
V11 = ROOT / "tests" / "fixtures" / "workspaces" / "v11.consortium"


def rows_of(path: Path) -> list[str]:
    """Every row and the schema of the file, read without changing it."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def version_of(path: Path) -> int:
    return read_version(path)[1]


def test_needs_update_is_true_only_for_a_workspace_of_an_earlier_version(tmp_path, empty_ws):
    old = copy_workspace(V11, tmp_path / "old.consortium")
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    not_sqlite = tmp_path / "notes.consortium"
    not_sqlite.write_text("not a workspace", encoding="utf-8")
    assert Workspace.needs_update(old)
    assert not Workspace.needs_update(empty_ws.path)  # up to date
    assert not Workspace.needs_update(tmp_path / "missing.consortium")
    assert not Workspace.needs_update(not_sqlite)  # opening it says what is wrong
    assert not Workspace.needs_update(tmp_path)  # a folder
    assert version_of(old) == 11  # asking changed nothing


def test_an_update_reports_each_part_and_says_so_once_done(tmp_path):
    old = copy_workspace(V11, tmp_path / "old.consortium")
    heard: list[tuple[int, int, str]] = []
    with Workspace.open(old, progress=lambda d, n, t: heard.append((d, n, t))) as ws:
        assert ws.schema_version == migrations.LATEST
        assert ws.update_note.startswith("old.consortium was brought up to date")
        assert ws.check() == []
    parts = migrations.LATEST - 11
    updating = [h for h in heard if h[2].startswith("Updating old.consortium")]
    assert updating[0][:2] == (0, parts * 1000)
    assert {h[1] for h in updating} == {parts * 1000}
    assert [h[0] for h in updating] == sorted(h[0] for h in updating)  # never goes back
    assert f"(part {parts} of {parts})" in updating[-1][2]
    assert "Cancel leaves it as it was" in updating[0][2]
    assert heard[0][2].startswith("Keeping a copy of old.consortium")  # the backup first
    backups = list((tmp_path / "old-backups").glob("before-migration-11-*.consortium"))
    assert len(backups) == 1 and version_of(backups[0]) == 11


@pytest.mark.parametrize("part", ["the copy", 1, 3, 7, "last moment"])
def test_cancel_at_any_point_of_an_update_leaves_the_file_as_it_was(tmp_path, monkeypatch, part):
    old = copy_workspace(V11, tmp_path / "old.consortium")
    before = rows_of(old)
    said: list[str] = []
    flag = {"cancel": False}
    if part == "last moment":  # every step has run; only the commit is left
        last = migrations.STEPS[-1]

        def then_cancel(db):
            result = last(db)
            flag["cancel"] = True
            return result

        monkeypatch.setattr(migrations, "STEPS", [*migrations.STEPS[:-1], then_cancel])
        cancelled = lambda: flag["cancel"]  # noqa: E731
    elif part == "the copy":  # while the copy kept before updating is made
        cancelled = lambda: any(text.startswith("Keeping a copy") for text in said)  # noqa: E731
    else:
        cancelled = lambda: any(f"(part {part} of" in text for text in said)  # noqa: E731

    with pytest.raises(Cancelled, match="old.consortium is unchanged"):
        Workspace.open(old, progress=lambda d, n, text: said.append(text), cancelled=cancelled)
    assert version_of(old) == 11
    assert rows_of(old) == before
    assert not (tmp_path / "old-backups").exists()  # no copy, not even its folder, left over
    monkeypatch.undo()
    with Workspace.open(old) as ws:  # and it updates the next time
        assert ws.schema_version == migrations.LATEST


def test_cancel_inside_a_long_sqlite_statement_stops_it(tmp_path, monkeypatch):
    """Cancel is heard while SQLite itself works (an index built again), not only between
    Python's chunks: the statement stops and the update rolls back."""
    old = copy_workspace(V11, tmp_path / "old.consortium")
    before = rows_of(old)
    flag = {"cancel": False}
    real = migrations.STEPS[-1]

    def slow_step(db):
        flag["cancel"] = True  # pressed while the next statement runs
        db.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000000) "
            "SELECT count(*) FROM n"
        ).fetchone()
        flag["finished"] = True  # only if SQLite never heard Cancel
        return real(db)

    monkeypatch.setattr(migrations, "STEPS", [*migrations.STEPS[:-1], slow_step])
    with pytest.raises(Cancelled) as raised:
        Workspace.open(old, cancelled=lambda: flag["cancel"])
    assert "finished" not in flag  # stopped inside the statement, not after it
    assert "interrupted" in str(raised.value.__cause__.__cause__)
    assert rows_of(old) == before


def _as_an_old_update_left_it(path: Path) -> None:
    """What updating from before compression left: every release, stored tender and text
    packed with no dictionary learnt from the workspace, the file a format behind."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    store.dictionary(conn)  # loads the dictionaries, so the frames can be read
    for row_id, raw in conn.execute("SELECT id, raw FROM tender_releases").fetchall():
        conn.execute(
            "UPDATE tender_releases SET raw = ? WHERE id = ?",
            [packing.pack_bytes(packing.unpack_bytes(raw)), row_id],
        )
    for row_id, data in conn.execute("SELECT id, data FROM tender_data").fetchall():
        conn.execute(
            "UPDATE tender_data SET data = ? WHERE id = ?",
            [packing.pack_bytes(packing.unpack_bytes(data)), row_id],
        )
    for row_id, d, x in conn.execute(
        "SELECT id, description, lot_text FROM tender_texts"
    ).fetchall():
        conn.execute(
            "UPDATE tender_texts SET description = ?, lot_text = ? WHERE id = ?",
            [
                store.pack_words(store.unpack(d) if d else d),
                store.pack_words(store.unpack(x) if x else x),
                row_id,
            ],
        )
    conn.execute("DELETE FROM tender_dictionaries")
    # The format before the step that packs with learnt dictionaries (later steps run too).
    before = migrations.STEPS.index(migrations.packed_with_learnt_dictionaries)
    conn.execute(f"PRAGMA user_version = {before}")
    conn.execute("COMMIT")
    conn.execute("VACUUM")  # compact already: what is measured is the packing alone
    conn.close()


def _dictionary_ids(conn: sqlite3.Connection, sql: str) -> set[int]:
    return {
        zstandard.get_frame_parameters(value).dict_id
        for row in conn.execute(sql)
        for value in row
        if isinstance(value, bytes)
    }


def test_an_upgraded_workspace_is_packed_and_compacted_like_a_new_one(generated_template, tmp_path):
    path = copy_workspace(generated_template, tmp_path / "upgraded.consortium")
    with Workspace.open(path, backup=False) as ws:
        releases = {
            key: json.loads(text)
            for key, text in (
                ((o, r), store.unpack(raw))
                for o, r, raw in ws.conn.execute(
                    "SELECT ocid, release_id, raw FROM tender_releases"
                )
            )
        }
        ocids = [o for (o,) in ws.conn.execute("SELECT ocid FROM tenders ORDER BY id")]
        tenders = {o: store.get_tender(ws.db, o) for o in ocids}
        texts = [
            store.tender_texts(ws.conn, i) for (i,) in ws.conn.execute("SELECT id FROM tenders")
        ]
        new_size = path.stat().st_size
    _as_an_old_update_left_it(path)
    old_size = path.stat().st_size
    assert old_size > 1.5 * new_size  # what such a workspace costs on disk

    with Workspace.open(path) as ws:
        assert ws.schema_version == migrations.LATEST
        assert "smaller" in ws.update_note
        conn = ws.conn
        assert 0 not in _dictionary_ids(conn, "SELECT raw FROM tender_releases")
        assert 0 not in _dictionary_ids(conn, "SELECT data FROM tender_data")
        assert 0 not in _dictionary_ids(conn, "SELECT description, lot_text FROM tender_texts")
        # Read back exactly as imported.
        assert {
            (o, r): json.loads(store.unpack(raw))
            for o, r, raw in conn.execute("SELECT ocid, release_id, raw FROM tender_releases")
        } == releases
        assert {o: store.get_tender(ws.db, o) for o in ocids} == tenders
        assert [
            store.tender_texts(conn, i) for (i,) in conn.execute("SELECT id FROM tenders")
        ] == texts
        assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
        assert ws.check() == []
    assert path.stat().st_size < 1.1 * new_size  # as small as the workspace was new


def test_a_workspace_packed_well_already_is_not_rewritten(generated_template, tmp_path):
    path = copy_workspace(generated_template, tmp_path / "current.consortium")
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"PRAGMA user_version = {migrations.LATEST - 1}")
    conn.close()
    digest = {
        name: hashlib.sha256(
            b"".join(
                v if isinstance(v, bytes) else str(v).encode()
                for row in sqlite3.connect(path).execute(f"SELECT * FROM {name} ORDER BY id")
                for v in row
            )
        ).hexdigest()
        for name in ("tender_releases", "tender_data", "tender_texts")
    }
    with Workspace.open(path, backup=False) as ws:
        assert ws.schema_version == migrations.LATEST
        assert "smaller" not in ws.update_note  # nothing to give back: no compacting
        for name, before in digest.items():
            after = hashlib.sha256(
                b"".join(
                    v if isinstance(v, bytes) else str(v).encode()
                    for row in ws.conn.execute(f"SELECT * FROM {name} ORDER BY id")
                    for v in row
                )
            ).hexdigest()
            assert after == before, name


def test_cancel_while_compacting_keeps_the_update(generated_template, tmp_path):
    path = copy_workspace(generated_template, tmp_path / "upgraded.consortium")
    _as_an_old_update_left_it(path)
    said: list[str] = []
    with Workspace.open(
        path,
        backup=False,
        progress=lambda d, n, text: said.append(text),
        cancelled=lambda: bool(said) and said[-1].startswith("Making"),
    ) as ws:
        assert ws.schema_version == migrations.LATEST  # the update is kept
        assert "Making it smaller was cancelled" in ws.update_note
        assert "consortium compact" in ws.update_note
        assert 0 not in _dictionary_ids(ws.conn, "SELECT raw FROM tender_releases")
        assert ws.check() == []


def test_consortium_compact_gives_back_the_space_of_deleted_rows(empty_ws):
    path = empty_ws.path
    leave_deleted_space(empty_ws, 8)
    before = dump(empty_ws)
    empty_ws.close()
    big = path.stat().st_size
    done = cli("--workspace", str(path), "compact", "--json")
    assert done.returncode == 0, done.stderr
    sizes = json.loads(done.stdout)
    assert sizes["before_bytes"] == big
    assert sizes["saved_bytes"] > 7_000_000
    assert sizes["after_bytes"] == path.stat().st_size < big - 7_000_000
    with Workspace.open(path) as ws:
        assert sorted(dump(ws)) == sorted(before) and ws.check() == []  # VACUUM may reorder
    said = cli("--workspace", str(path), "compact")
    assert said.returncode == 0 and "given back" in said.stdout and "MB" in said.stdout


def test_the_command_line_says_when_it_updates_a_workspace(tmp_path):
    old = copy_workspace(V11, tmp_path / "old.consortium")
    done = cli("--workspace", str(old), "check")
    assert done.returncode == 0, done.stderr
    assert "Updating old.consortium for this version of Consortium" in done.stderr
    assert "brought up to date" in done.stderr
    assert version_of(old) == migrations.LATEST
    again = cli("--workspace", str(old), "check")
    assert "Updating" not in again.stderr  # once


def test_another_program_writing_while_compacting_keeps_the_update(generated_template, tmp_path):
    """VACUUM cannot start while another program holds the write lock: the update is already
    saved, so the workspace opens, and the note says it could not be made smaller now."""
    path = copy_workspace(generated_template, tmp_path / "upgraded.consortium")
    _as_an_old_update_left_it(path)
    other = sqlite3.connect(path, isolation_level=None, timeout=0, check_same_thread=False)

    began = []

    def progress(_done, _total, text: str) -> None:
        if text.startswith("Making") and not began:
            other.execute("BEGIN IMMEDIATE")  # another program starts writing
            began.append(other.in_transaction)

    try:
        with Workspace.open(path, backup=False, progress=progress) as ws:
            assert ws.schema_version == migrations.LATEST
            assert "another program was writing to it" in ws.update_note
            assert "Make workspace smaller" in ws.update_note
        assert began == [True]
    finally:
        if other.in_transaction:
            other.execute("ROLLBACK")
        other.close()


def test_a_backup_in_steps_is_not_started_again_by_writes_between_them(empty_ws, tmp_path):
    """Back up now copies 16 MB at a time; another program committing between two steps must
    not send the copy back to its first page (it might never end)."""
    ws = empty_ws

    def fill() -> None:
        with ws.atomic():
            ws.conn.executemany(
                "INSERT INTO settings (key, value) VALUES (?, ?)",
                [(f"filler-{i}", "y" * 1_000_000) for i in range(40)],
            )

    ws.write(fill)
    other = sqlite3.connect(ws.path, isolation_level=None)
    steps: list[tuple[int, int]] = []

    def progress(done: int, total: int, _text: str) -> None:
        steps.append((done, total))
        assert len(steps) < 50, "the backup keeps starting again"
        other.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('tick', ?)", [done])

    try:
        made = ws.backup_to(tmp_path / "copy.consortium", progress)
    finally:
        other.close()
    assert len(steps) >= 3  # it did go in steps
    assert [d for d, _ in steps] == sorted(d for d, _ in steps)  # never back to the start
    copy = sqlite3.connect(made)
    try:
        assert copy.execute("SELECT count(*) FROM settings WHERE key LIKE 'filler-%'").fetchone()
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT value FROM settings WHERE key = 'tick'").fetchone() is None
    finally:
        copy.close()


def test_an_update_from_before_compression_compiles_each_tender_once(tmp_path, monkeypatch):
    """Three steps of that update need every tender as today's extraction makes it (stored,
    its contracts, its places): the first compiles it, the others read back what it stored."""
    ocid = "ocds-h6vhtk-000001"
    awarded = {
        "ocid": ocid,
        "id": f"{ocid}-award",
        "date": "2026-11-20T09:30:00Z",
        "tag": ["award"],
        "tender": {
            "id": "1",
            "title": "Floating support for older people",
            "items": [{"id": "1", "deliveryAddresses": [{"region": "UKE42"}]}],
        },
        "awards": [
            {
                "id": "A1",
                "status": "active",
                "value": {"amount": 1250000, "currency": "GBP"},
                "suppliers": [{"id": "GB-CHC-1", "name": "Hope Trust"}],
                "contractPeriod": {"startDate": "2027-01-01", "endDate": "2029-12-31"},
            }
        ],
    }
    old = copy_workspace(V11, tmp_path / "old.consortium")
    conn = sqlite3.connect(old)
    with conn:
        conn.execute(
            "UPDATE tender_releases SET raw = ?, tags = 'award', release_id = ? WHERE ocid = ?",
            [json.dumps(awarded), awarded["id"], ocid],
        )
    conn.close()
    compiled: list[str] = []
    real_compile = store.compile_tender

    def counting(conn, wanted):
        compiled.append(wanted)
        return real_compile(conn, wanted)

    monkeypatch.setattr(store, "compile_tender", counting)
    with Workspace.open(old) as ws:
        assert compiled == [ocid]  # once, where three steps need it
        (suppliers, value, end), *others = ws.conn.execute(
            "SELECT suppliers, value, end_date FROM tender_contracts"
        ).fetchall()
        assert not others
        assert (suppliers, value, end[:10]) == ("Hope Trust", 1250000.0, "2029-12-31")
        places = [code for (code,) in ws.conn.execute("SELECT code FROM tender_places")]
        assert places == ["TLE42"]  # Leeds, as today's extraction reads it
        tender = store.get_tender(ws.db, ocid)
        assert [c.suppliers for c in tender.contracts] == [["Hope Trust"]]
        assert ws.check() == []
    assert migrations.extracted_now() is None  # nothing of the update outlives it


def test_an_update_inside_another_keeps_what_the_outer_one_extracted():
    with migrations.one_update():
        outer = migrations.extracted_now()
        outer.add(7)
        with migrations.one_update():  # a second workspace brought up to date meanwhile
            assert migrations.extracted_now() == set()
        assert migrations.extracted_now() is outer
    assert migrations.extracted_now() is None
