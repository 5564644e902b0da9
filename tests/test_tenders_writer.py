"""The tender import's bulk writer (on the workspace's writer thread): multi-row statements, errors, batches, process settings."""

from __future__ import annotations

import gc
import json
import sqlite3
import sys
import threading

import pytest
from test_tenders_import import FTS_PAGE, FTS_SELECTED, dump, raw_releases

from consortium.tenders import importer, store
from consortium.tenders.importer import import_paths, import_releases
from consortium.tenders.writer import BulkWriter, multi_insert, variable_limit
from consortium.workspace import Workspace


@pytest.fixture
def filled_ws(tmp_path):
    workspace = Workspace.create(tmp_path / "filled.consortium")
    import_paths(workspace, [FTS_SELECTED, FTS_PAGE])
    yield workspace
    workspace.close()


def test_multi_insert_pads_to_one_statement_text_and_keeps_every_row():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (a TEXT NOT NULL, b INTEGER, c REAL)")
    rows = [(f"r{i}", i, None if i % 3 else i / 2) for i in range(1000)]
    # 999 parameters a statement, as SQLite before 3.32: 333 rows of 3, so 4 statements.
    statements = multi_insert("INSERT INTO t (a, b, c)", rows, 3, 999, per=512)
    assert len(statements) == 4
    assert len({sql for sql, _ in statements}) == 1  # one text: one cached prepared statement
    assert all(len(params) == 999 for _, params in statements)
    for sql, params in statements:
        conn.execute(sql, params)
    assert conn.execute("SELECT a, b, c FROM t ORDER BY b").fetchall() == rows
    assert multi_insert("INSERT INTO t (a, b, c)", [], 3, 999) == []
    assert variable_limit(conn) >= 999


def test_a_few_rows_are_padded_to_a_few_not_to_thousands():
    # One tender updated alone (a day's download updates hundreds so) inserts its three
    # places: bound as 2,048 rows, most of them NULLs, that was 4 ms of SQL an update.
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (a TEXT NOT NULL, b INTEGER)")
    head = "INSERT INTO t (a, b)"
    three = [("E09000007", 1), ("TLI", 1), ("TLI3", 1)]
    ((sql, params),) = multi_insert(head, three, 2, 32766, per=2048)
    assert len(params) == 2 * 8  # three rows in a statement of eight
    conn.execute(sql, params)
    assert conn.execute("SELECT a, b FROM t ORDER BY rowid").fetchall() == three
    # Every count of rows uses one of a few texts, so a few prepared statements.
    texts = {multi_insert(head, [("x", i)] * i, 2, 32766, per=2048)[0][0] for i in range(1, 3000)}
    assert len(texts) == 5  # 1, 8, 64, 512 and 2,048 rows
    assert len(multi_insert(head, [("x", 1)] * 700, 2, 32766, per=2048)[0][1]) == 2 * 2048


def test_one_item_is_packed_as_a_batch_packs_it():
    from consortium.tenders import packing

    text = b'{"ocid": "ocds-h6vhtk-000001", "tender": {"title": "Young carers"}}'
    assert packing.pack_many([text]) == packing.pack_many([text, text])[:1]
    assert packing.unpack_bytes(packing.pack_many([text])[0]) == text
    assert packing.pack_many([b""]) == [packing.pack_bytes(b"")]


def test_writer_runs_jobs_in_order_on_the_workspace_writer_and_hands_errors_back(empty_ws):
    ws = empty_ws
    conn = ws.writer_conn
    ran_on = set()
    ws.write(conn.set_trace_callback, lambda sql: ran_on.add(threading.get_ident()))
    with ws.transaction():
        ws.write(conn.execute, "CREATE TABLE t (n INTEGER)")
        writer = BulkWriter(ws)
        for n in range(5):
            writer.submit([("INSERT INTO t VALUES (?)", [n])])
        writer.drain()
        got = ws.write(lambda: [n for (n,) in conn.execute("SELECT n FROM t ORDER BY rowid")])
        assert got == [0, 1, 2, 3, 4]
        writer.submit([("INSERT INTO missing VALUES (?)", [1])])
        with pytest.raises(sqlite3.OperationalError, match="missing"):
            writer.drain()
        # Once raised, the error is not raised again, and later jobs run.
        writer.submit([("INSERT INTO t VALUES (?)", [9])])
        writer.close()
        assert ws.write(lambda: conn.execute("SELECT max(n) FROM t").fetchone()[0]) == 9
        # An import already failing keeps its own error: close(raise_error=False) swallows it.
        writer = BulkWriter(ws)
        writer.submit([("INSERT INTO missing VALUES (?)", [1])])
        writer.close(raise_error=False)
    ws.write(conn.set_trace_callback, None)
    assert ran_on == {ws.writer.ident}  # no thread of its own: the workspace's writer


def test_a_failed_write_mid_import_leaves_the_workspace_as_it_was(filled_ws, monkeypatch):
    before = dump(filled_ws)
    calls = []
    real = store.tender_statements

    def failing(rows, children, limit, *rest):
        calls.append(len(rows))
        out = real(rows, children, limit, *rest)
        if len(calls) == 2:  # the second batch: the first is already written
            out.append(("INSERT INTO tenders (id) VALUES (?)", [None]))  # NOT NULL ocid
        return out

    monkeypatch.setattr(store, "tender_statements", failing)
    releases = raw_releases(FTS_PAGE) * 12
    for n, r in enumerate(releases):
        r["id"] = f"{r['id']}-{n}"
    with pytest.raises(sqlite3.IntegrityError):
        import_releases(filled_ws, releases)
    assert len(calls) >= 2
    assert dump(filled_ws) == before


def _tender_rows(workspace) -> dict[str, tuple]:
    store.dictionary(workspace.conn)
    return {  # the texts as text (each workspace compresses them with its own dictionary)
        row[0]: (*row[1:-2], store.unpack(row[-2]), store.unpack(row[-1]))
        for row in workspace.conn.execute(
            "SELECT t.ocid, t.notice_id, t.phase, t.title, t.deadline, t.value_max, t.hash, "
            "t.defects, x.description, x.lot_text FROM tenders t JOIN tender_texts x USING (id)"
        )
    }


def test_batch_boundaries_do_not_change_what_is_stored(tmp_path):
    """A process whose releases share a batch is compiled there; one whose releases straddle
    batches (or files) is compiled again at the end. Both must store the same tender."""
    releases = raw_releases(FTS_SELECTED, FTS_PAGE)
    unique: dict[str, dict[str, dict]] = {}
    for r in releases:  # the two files share some releases
        unique.setdefault(r["ocid"], {}).setdefault(r["id"], r)
    by_ocid = {ocid: list(rs.values()) for ocid, rs in unique.items()}
    multi = [rs for rs in by_ocid.values() if len(rs) > 1]
    singles = [rs[0] for rs in by_ocid.values() if len(rs) == 1]
    assert len(multi) >= 4 and len(singles) > 100
    together = [r for rs in multi for r in rs] + singles
    # The first release of each multi-release process in one batch, the rest BATCH later.
    filler = [json.loads(json.dumps(singles[n % len(singles)])) for n in range(importer.BATCH)]
    for n, r in enumerate(filler):
        r["ocid"] = f"{r['ocid']}-filler-{n}"
    apart = [rs[0] for rs in multi] + filler + [r for rs in multi for r in rs[1:]] + singles

    def stored(order: list[dict], name: str) -> dict:
        workspace = Workspace.create(tmp_path / name)
        report = import_releases(workspace, json.loads(json.dumps(order)))
        rows = _tender_rows(workspace)
        workspace.close()
        return report, rows

    report_a, rows_a = stored(together, "together.consortium")
    report_b, rows_b = stored(apart, "apart.consortium")
    rows_b = {k: v for k, v in rows_b.items() if "-filler-" not in k}
    assert rows_a == rows_b
    assert report_a.tenders_new == len(by_ocid)
    assert report_b.tenders_new == len(by_ocid) + len(filler)
    assert report_a.tenders_updated == report_b.tenders_updated == 0


def test_process_settings_come_back_after_an_import(empty_ws):
    interval = sys.getswitchinterval()
    assert gc.isenabled()
    seen = []
    import_releases(
        empty_ws,
        raw_releases(FTS_SELECTED),
        progress=lambda *a: seen.append((gc.isenabled(), sys.getswitchinterval())),
    )
    assert seen and all(not enabled and value <= 0.001 for enabled, value in seen)
    assert gc.isenabled() and sys.getswitchinterval() == interval
    # Also after a failure, and with the collector switched off by the caller.
    gc.disable()
    try:
        with pytest.raises(RuntimeError), importer._tuned_for_bulk():
            raise RuntimeError("boom")
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert sys.getswitchinterval() == interval


def test_what_an_import_stamped_is_read_through_its_index(filled_ws):
    # A year imported at once shares one stamp, so the workspace's statistics say a stamp
    # holds every tender and SQLite chose to read all of them: twice at the end of every
    # import, 40 ms a page of a download at 200,000 tenders.
    conn = filled_ws.writer_conn
    tenders = conn.execute("SELECT count(*) FROM tenders").fetchone()[0]
    conn.execute("UPDATE tenders SET changed_at = '2026-01-01T00:00:00Z'")
    (one,) = conn.execute("SELECT id FROM tenders LIMIT 1").fetchone()
    conn.execute(
        "UPDATE tenders SET changed_at = '2026-12-01T00:00:00Z', phase = 'tender', "
        "deadline = '2027-01-31T12:00:00Z' WHERE id = ?",
        [one],
    )
    conn.execute("UPDATE tenders SET defects = '[\"no_deadline\"]'")
    conn.execute("ANALYZE")
    assert tenders > 10
    read: list[str] = []
    conn.set_trace_callback(read.append)
    try:
        found = list(store.defects_stamped(conn, "2026-12-01T00:00:00Z"))
        open_now = store.open_stamped(conn, "2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z")
    finally:
        conn.set_trace_callback(None)
    assert [f[2] for f in found] == [["no_deadline"]] and open_now == 1
    assert store.open_stamped(conn, "2026-12-01T00:00:00Z", "2027-02-01T00:00:00Z") == 0
    asked = [sql for sql in read if "changed_at" in sql]
    assert len(asked) == 2
    for sql in asked:
        plan = " ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql))
        assert "USING INDEX tenders_changed" in plan and "SCAN tenders" not in plan, plan
