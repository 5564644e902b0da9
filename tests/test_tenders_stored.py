"""Tenders are stored once, as extracted at import, and raw releases compressed without loss."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from consortium import migrations
from consortium.tenders import packing, store
from consortium.tenders.importer import import_paths, import_releases
from consortium.workspace import Workspace

FIX = Path(__file__).parent / "fixtures" / "ocds"
FILES = [
    FIX / "fts-release-package-2026-08-12-page-001.json",
    FIX / "fts-selected-civil-society-releases.json",
    FIX / "cf-search-2025-01-20_2025-01-23-page-001.json",
]
TODAY = dt.datetime(2026, 8, 12, tzinfo=dt.UTC)


def releases_in(*paths: Path) -> list[dict]:
    return [r for p in paths for r in json.loads(p.read_text(encoding="utf-8"))["releases"]]


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("stored")
    ws = Workspace.create(folder / "t.consortium")
    import_paths(ws, FILES, today=TODAY)
    ws.close()
    return folder / "t.consortium"


@pytest.fixture
def ws(template, tmp_path):
    shutil.copy(template, tmp_path / "w.consortium")
    w = Workspace.open(tmp_path / "w.consortium", backup=False)
    yield w
    w.close()


def beyond_double(value):
    """A number beyond a double (1e9999) is stored as the text "1E+9999"; json.loads reads the
    original as infinity."""
    if isinstance(value, dict):
        return {k: beyond_double(v) for k, v in value.items()}
    if isinstance(value, list):
        return [beyond_double(v) for v in value]
    return float("inf") if value == "1E+9999" else value


def stored_texts(ws: Workspace) -> dict[tuple[str, str], str]:
    store.dictionary(ws.conn)  # the workspace's dictionaries, loaded as every reader does
    return {
        (ocid, rid): packing.unpack(raw)
        for ocid, rid, raw in ws.conn.execute("SELECT ocid, release_id, raw FROM tender_releases")
    }


def test_a_tender_opened_twice_compiles_once_at_import_and_never_on_open(ws):
    ocids = [r[0] for r in ws.conn.execute("SELECT ocid FROM tenders ORDER BY ocid")]
    assert len(ocids) > 40
    store.LOADS.clear()
    first = {o: store.get_tender(ws.db, o) for o in ocids}
    again = {o: store.get_tender(ws.db, o) for o in ocids}
    assert store.LOADS["tender"] == 2 * len(ocids) and store.LOADS["compile"] == 0
    assert first == again
    # what is stored is exactly what compiling the releases now gives, for every tender
    for ocid in ocids:
        assert first[ocid] == store.compile_tender(ws.conn, ocid), ocid
    assert store.LOADS["compile"] == len(ocids)


def test_a_new_release_recompiles_that_tender_at_import(tmp_path):
    releases = releases_in(FIX / "fts-selected-civil-society-releases.json")
    first = next(r for r in releases if r["id"] == "075819-2026")
    update = next(r for r in releases if r["id"] == "075830-2026")
    ws = Workspace.create(tmp_path / "u.consortium")
    import_releases(ws, [json.loads(json.dumps(first))])
    assert store.get_tender(ws.db, first["ocid"]).notice_id == "075819-2026"
    import_releases(ws, [json.loads(json.dumps(update))])
    store.LOADS.clear()
    tender = store.get_tender(ws.db, first["ocid"])
    assert tender.notice_id == "075830-2026"
    assert tender.releases == ["075819-2026", "075830-2026"]
    assert store.LOADS["compile"] == 0
    ws.close()


def test_compressed_releases_read_back_byte_for_byte(ws):
    texts = stored_texts(ws)
    originals = releases_in(*FILES)
    seen = set()
    for release in originals:
        key = (release["ocid"], str(release["id"]))
        if key in seen:
            continue
        seen.add(key)
        assert beyond_double(json.loads(texts[key])) == release, key
    assert len(seen) == len(texts)
    raws = [raw for (raw,) in ws.conn.execute("SELECT raw FROM tender_releases")]
    assert all(isinstance(r, bytes) and r[:4] == packing.ZSTD_MAGIC for r in raws)
    assert sum(map(len, raws)) < sum(len(t.encode()) for t in texts.values()) / 2


def test_a_workspace_of_the_previous_format_migrates_its_releases_without_loss(ws, tmp_path):
    before = stored_texts(ws)
    tenders = {
        o: store.get_tender(ws.db, o) for (o,) in ws.conn.execute("SELECT ocid FROM tenders")
    }

    # Put the file back as the previous format left it: plain JSON text, no stored tenders.
    def write():
        with ws.atomic():
            ws.conn.executemany(
                "UPDATE tender_releases SET raw = ? WHERE ocid = ? AND release_id = ?",
                [(text, ocid, rid) for (ocid, rid), text in before.items()],
            )
            ws.conn.execute("DROP TABLE tender_data")
            ws.conn.execute("DROP TABLE tender_dictionaries")
            ws.conn.execute("DROP TABLE text_terms")  # made by the later step, which runs again

    ws.write(write)
    path = ws.path
    ws.close()
    # Run the two steps again as an older file would meet them (later steps, such as pinned
    # keys, already ran on this file and are not repeatable).
    conn = sqlite3.connect(path, isolation_level=None)
    db = sqlite_utils.Database(conn)
    for step in (
        migrations.v12_compressed_releases_and_stored_tenders,
        migrations.v13_persisted_text_model,
    ):
        with db.atomic():
            step(db)
    assert isinstance(conn.execute("SELECT raw FROM tender_releases LIMIT 1").fetchone()[0], bytes)
    conn.close()
    again = Workspace.open(path, backup=False)
    assert again.schema_version == len(migrations.STEPS)
    assert stored_texts(again) == before
    store.LOADS.clear()
    assert {o: store.get_tender(again.db, o) for o in tenders} == tenders
    assert store.LOADS["compile"] == 0
    again.close()


def test_quick_json_text_is_exactly_what_the_standard_library_writes():
    from consortium.tenders import merge, ocds_reader

    found = ocds_reader.sources(FILES)
    count = 0
    for source in found:
        for release in ocds_reader.read_releases(source, []):  # Decimals, as the import sees them
            assert merge.dumps_flagged(release) == merge._dumps_json(release)
            compiled = merge.compile_single(release)
            assert merge.dumps_flagged(compiled) == merge._dumps_json(compiled)
            count += 1
    assert count > 100
    odd = {"a": float("inf"), "c": 2**70, 1: "x", "d": "\ud800", "e": float("nan")}
    for key, value in odd.items():  # what orjson cannot write as json does goes the slow way
        assert merge.dumps_flagged({key: value}) == merge._dumps_json({key: value})
    # a float already parsed (not a Decimal) may be spelt otherwise, but is the same number
    quick, slow = merge.dumps_flagged({"e": [1e-05, 1e16]}), merge._dumps_json({"e": [1e-05, 1e16]})
    assert json.loads(quick[0]) == json.loads(slow[0]) and quick[1] == slow[1]


def test_releases_are_packed_with_a_dictionary_learnt_from_the_first_big_batch(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(packing, "DICTIONARY_SAMPLES", 30)
    ws = Workspace.create(tmp_path / "d.consortium")
    import_paths(ws, FILES, today=TODAY)
    ids = dict(ws.conn.execute("SELECT kind, id FROM tender_dictionaries"))
    assert set(ids) == {"release", "tender", "text"}

    def packed_with(sql: str) -> set[int]:
        return {
            packing.zstandard.get_frame_parameters(b).dict_id
            for (b,) in ws.conn.execute(sql)
            if isinstance(b, bytes)
        }

    assert packed_with("SELECT raw FROM tender_releases") == {ids["release"]}
    assert packed_with("SELECT data FROM tender_data") == {ids["tender"]}
    assert packed_with("SELECT description FROM tender_texts") == {ids["text"]}
    ws.close()
    # A fresh process knows no dictionary until the workspace's are loaded.
    monkeypatch.setattr(packing, "_DICTIONARIES", {})
    monkeypatch.setattr(packing, "_local", packing.threading.local())
    monkeypatch.setattr(store, "_LOADED", {})
    ws = Workspace.open(tmp_path / "d.consortium", backup=False)
    ocid = ws.conn.execute("SELECT ocid FROM tender_releases LIMIT 1").fetchone()[0]
    assert store.load_releases(ws.db, ocid)
    assert beyond_double(
        json.loads(stored_texts(ws)[ocid, store.load_releases(ws.db, ocid)[0]["id"]])
    )
    assert store.compile_tender(ws.conn, ocid) == store.get_tender(ws.db, ocid)
    ws.close()


def test_a_new_extraction_version_compiles_until_stored_again(ws, monkeypatch):
    ocid = ws.conn.execute("SELECT ocid FROM tenders LIMIT 1").fetchone()[0]
    before = store.get_tender(ws.db, ocid)
    monkeypatch.setattr(packing, "TENDER_VERSION", packing.TENDER_VERSION + 1)
    store.LOADS.clear()
    assert store.get_tender(ws.db, ocid) == before  # still right, the slow way
    assert store.LOADS["compile"] == 1

    def write():
        with ws.atomic():
            assert store.store_stale(ws.conn) == ws.db["tenders"].count

    ws.write(write)
    store.LOADS.clear()
    assert store.get_tender(ws.db, ocid) == before
    assert store.LOADS["compile"] == 0

    def write():
        with ws.atomic():
            assert store.store_stale(ws.conn) == 0

    ws.write(write)


def _index_terms(path: Path) -> list[tuple]:
    """Every (word, tender, column, position) the search index of a workspace file holds."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.execute("CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, tenders_fts, instance)")
    terms = sorted(conn.execute("SELECT term, doc, col, offset FROM temp.terms"))
    conn.close()
    return terms


def test_a_changed_tender_is_indexed_as_if_imported_once_with_its_texts_compressed(tmp_path):
    """The index keeps no copy of the texts: a tender's old texts are handed back to take it
    out. Had they differed from what was indexed, old words would linger in the index."""
    releases = releases_in(FIX / "fts-selected-civil-society-releases.json")
    first = next(r for r in releases if r["id"] == "075819-2026")
    update = json.loads(json.dumps(next(r for r in releases if r["id"] == "075830-2026")))
    update["tender"]["title"] = "Zanzibarian quokka advocacy"
    update["tender"]["description"] = "Quokkas need advocates — café staff too. " * 8
    ws = Workspace.create(tmp_path / "u.consortium")
    import_releases(ws, [json.loads(json.dumps(first))])
    old_word = next(
        w for w in first["tender"]["title"].lower().split() if len(w) > 6 and w.isalpha()
    )
    found = "SELECT rowid FROM tenders_fts WHERE tenders_fts MATCH ?"
    assert ws.conn.execute(found, [old_word]).fetchall()
    import_releases(ws, [update])
    assert not ws.conn.execute(found, [old_word]).fetchall()
    assert ws.conn.execute(found, ["quokka"]).fetchall()
    assert ws.conn.execute(found, ['"cafe staff"']).fetchall()
    ws.write(
        ws.writer_conn.execute, "INSERT INTO tenders_fts (tenders_fts) VALUES ('integrity-check')"
    )
    once = Workspace.create(tmp_path / "once.consortium")
    import_releases(once, [json.loads(json.dumps(first)), update])
    assert _index_terms(ws.path) == _index_terms(once.path)
    # the texts are stored compressed, and read back as they were
    packed = ws.conn.execute("SELECT description FROM tender_texts").fetchone()[0]
    assert isinstance(packed, bytes) and packed[:4] == packing.ZSTD_MAGIC
    assert (
        store.get_tender(ws.db, first["ocid"]).description
        == update["tender"]["description"].strip()
    )
    ws.close()
    once.close()


def test_a_workspace_with_plain_texts_and_a_full_copy_index_migrates_without_loss(ws, template):
    texts = sorted(store.all_texts(ws.conn, store.TEXTS_SELECT))
    tenders = {
        o: store.get_tender(ws.db, o) for (o,) in ws.conn.execute("SELECT ocid FROM tenders")
    }
    found = "SELECT rowid FROM tenders_fts WHERE tenders_fts MATCH ? ORDER BY rowid"
    queries = ["support", '"young people"', "hous*", "care OR health"]
    hits = {q: ws.conn.execute(found, [q]).fetchall() for q in queries}
    assert all(hits.values())
    # Put the file back as the previous step left it: plain texts, an index over tender_texts,
    # which held the titles too, as did a column the step after took away.
    path = ws.path
    ws.close()
    conn = sqlite3.connect(path, isolation_level=None)
    store.dictionary(conn)
    plain = list(store.all_texts(conn, store.TEXTS_SELECT + " ORDER BY x.id"))
    ids = [i for (i,) in conn.execute("SELECT id FROM tender_texts ORDER BY id")]
    with conn:
        _put_back_stored_twice(conn)
        conn.executemany(
            "UPDATE tender_texts SET description = ?, lot_text = ? WHERE id = ?",
            [(d, x, i) for i, (_t, d, x) in zip(ids, plain, strict=True)],
        )
        conn.execute("DELETE FROM tender_dictionaries WHERE kind = 'text'")
        conn.execute("DROP TABLE tenders_fts")
        conn.execute(
            "CREATE VIRTUAL TABLE tenders_fts USING fts5(title, description, lot_text, "
            "content='tender_texts', content_rowid='id', "
            "tokenize='porter unicode61 remove_diacritics 2')"
        )
        conn.execute("INSERT INTO tenders_fts (tenders_fts) VALUES ('rebuild')")
    assert isinstance(conn.execute("SELECT description FROM tender_texts").fetchone()[0], str)
    db = sqlite_utils.Database(conn)
    with db.atomic():
        migrations.compressed_tender_texts(db)
        migrations.tenders_stored_once(db)
    conn.close()
    store._LOADED.clear()
    again = Workspace.open(path, backup=False)
    stored = [d for (d,) in again.conn.execute("SELECT description FROM tender_texts")]
    assert any(isinstance(d, bytes) for d in stored)
    assert sorted(store.all_texts(again.conn, store.TEXTS_SELECT)) == texts
    assert {q: again.conn.execute(found, [q]).fetchall() for q in queries} == hits
    assert {o: store.get_tender(again.db, o) for o in tenders} == tenders
    assert _index_terms(again.path) == _index_terms(template)
    again.close()


def _dictionary_of(blob) -> int:
    return packing.zstandard.get_frame_parameters(blob).dict_id if isinstance(blob, bytes) else 0


def _forget_dictionaries(monkeypatch) -> None:
    """As a fresh process: no dictionary known until the workspace's are loaded."""
    monkeypatch.setattr(packing, "_DICTIONARIES", {})
    monkeypatch.setattr(packing, "_local", packing.threading.local())
    monkeypatch.setattr(store, "_LOADED", {})


def test_a_workspace_filled_a_page_at_a_time_learns_its_dictionaries_and_then_bigger_ones(
    tmp_path, monkeypatch
):
    """A feed imports a page of notices at a time. The dictionaries were learnt from one
    import's first big batch, so a workspace filled from a feed never learnt one. Now what the
    workspace holds counts; and once it holds more, a bigger dictionary is learnt."""
    from consortium.tenders.feeds.client import Client, Policy
    from consortium.tenders.feeds.fetch import fetch
    from tests.feed_server import FTS_PAGE, FakeTime, FeedServer, chain

    monkeypatch.setattr(packing, "DICTIONARY_SAMPLES", 30)
    monkeypatch.setattr(packing, "GROWN_SAMPLES", 60)
    monkeypatch.setattr(packing, "GROWN_SIZE", 40 * 1024)
    clock = FakeTime()
    client = Client(Policy(min_interval=0), sleep=clock.sleep, clock=clock.clock)
    ws = Workspace.create(tmp_path / "feed.consortium")
    with FeedServer(chain("fts", FTS_PAGE, 10)) as server:  # 10 pages of 10 notices
        report = fetch(ws, ["fts"], base_url=server.url, client=client, now=TODAY)
    assert report.status == "complete" and report.feeds[0].pages == 10
    learnt = ws.conn.execute(
        "SELECT kind, id, length(data) FROM tender_dictionaries ORDER BY learnt"
    ).fetchall()
    kinds = {}
    for kind, dict_id, size in learnt:
        kinds.setdefault(kind, []).append((dict_id, size))
    assert set(kinds) == {"release", "tender", "text"}
    assert all(len(v) == 2 for v in kinds.values()), kinds
    small, grown = kinds["release"]
    assert grown[1] <= packing.GROWN_SIZE
    # Pages 1-2 (20 notices) were stored before there was anything to learn from; page 3 was
    # packed with the small dictionary, and the pages after the sixth with the bigger one.
    used = [
        _dictionary_of(raw)
        for (raw,) in ws.conn.execute("SELECT raw FROM tender_releases ORDER BY id")
    ]
    assert set(used[:20]) == {0}
    assert set(used[20:30]) == {small[0]}
    assert set(used[60:]) == {grown[0]}
    tenders = [_dictionary_of(d) for (d,) in ws.conn.execute("SELECT data FROM tender_data")]
    assert kinds["tender"][1][0] in tenders
    ws.close()
    _forget_dictionaries(monkeypatch)
    ws = Workspace.open(tmp_path / "feed.consortium", backup=False)
    texts = stored_texts(ws)
    for release in releases_in(FTS_PAGE):
        assert beyond_double(json.loads(texts[release["ocid"], release["id"]])) == release
    assert len(texts) == 100
    for (ocid,) in ws.conn.execute("SELECT ocid FROM tenders"):
        assert store.get_tender(ws.db, ocid) == store.compile_tender(ws.conn, ocid), ocid
    ws.close()


def test_a_dictionary_learnt_by_an_import_that_was_undone_is_never_used(tmp_path, monkeypatch):
    """The dictionaries are known by the process as well as stored: when an import that learnt
    one is cancelled, the next import must not pack with it (it is no longer in the file, so
    another process could not read what it packed)."""
    from consortium.progress import Cancelled

    monkeypatch.setattr(packing, "DICTIONARY_SAMPLES", 30)
    ws = Workspace.create(tmp_path / "undone.consortium")
    saved = []
    save = store.save_dictionary

    def save_and_read(conn, kind, data):
        saved.append(save(conn, kind, data))
        store.dictionary(conn, kind)  # as the import's later writes do (update_tender's texts)
        return saved[-1]

    monkeypatch.setattr(store, "save_dictionary", save_and_read)

    def cancel_late() -> bool:  # once the import has learnt a dictionary
        return bool(saved)

    with pytest.raises(Cancelled):
        import_paths(ws, FILES, today=TODAY, cancelled=cancel_late)
    assert saved
    assert ws.conn.execute("SELECT count(*) FROM tender_dictionaries").fetchone()[0] == 0
    saved.clear()
    monkeypatch.setattr(packing, "DICTIONARY_SAMPLES", 1000)  # this import learns none
    import_paths(ws, FILES[:1], today=TODAY)
    stored_ids = {i for (i,) in ws.conn.execute("SELECT id FROM tender_dictionaries")}
    for (raw,) in ws.conn.execute("SELECT raw FROM tender_releases"):
        assert _dictionary_of(raw) in stored_ids | {0}
    ws.close()
    _forget_dictionaries(monkeypatch)
    ws = Workspace.open(tmp_path / "undone.consortium", backup=False)
    assert len(stored_texts(ws)) == 100
    ws.close()


def _put_back_stored_twice(conn: sqlite3.Connection) -> None:
    """The columns migration ``tenders_stored_once`` takes away, filled as imports filled them:
    each tender's import time (its changed_at), its title beside its texts, every release's
    import time, and every notice page's address (NULL where there was none)."""
    ids = [i for (i,) in conn.execute("SELECT id FROM tenders")]
    urls = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row_id, source, ocid, notice_id, url in conn.execute(
            f"SELECT id, source, ocid, notice_id, notice_url FROM tenders WHERE id IN ({marks})",
            chunk,
        ):
            urls[row_id] = store.notice_url_of(source, ocid, notice_id, url)
    conn.execute("ALTER TABLE tenders ADD COLUMN imported_at TEXT NOT NULL DEFAULT ''")
    conn.execute("UPDATE tenders SET imported_at = changed_at")
    conn.execute("ALTER TABLE tender_releases ADD COLUMN imported_at TEXT NOT NULL DEFAULT ''")
    conn.execute("UPDATE tender_releases SET imported_at = '2026-08-12T09:00:00.000000Z'")
    conn.execute("ALTER TABLE tender_texts ADD COLUMN title TEXT NOT NULL DEFAULT ''")
    conn.execute(
        "UPDATE tender_texts SET title = (SELECT title FROM tenders t WHERE t.id = tender_texts.id)"
    )
    conn.executemany(
        "UPDATE tenders SET notice_url = ? WHERE id = ?", [(u, i) for i, u in urls.items()]
    )


def test_a_workspace_storing_tender_fields_twice_migrates_to_storing_them_once(ws, tmp_path):
    """The previous schema kept each tender's import time twice, its title twice and every
    notice page's address; the migration keeps each once, and nothing a user sees changes."""
    from consortium.tenders import search

    ocids = [o for (o,) in ws.conn.execute("SELECT ocid FROM tenders ORDER BY ocid")]
    listed = search.rows(ws, ocids, today=TODAY)
    assert sum(1 for r in listed if r["notice_url"]) > 40
    tenders = {o: store.get_tender(ws.db, o) for o in ocids}
    texts = sorted(store.all_texts(ws.conn, store.TEXTS_SELECT))
    found = "SELECT rowid FROM tenders_fts WHERE tenders_fts MATCH ? ORDER BY rowid"
    queries = ["support", '"young people"', "hous*", "care OR health"]
    hits = {q: ws.conn.execute(found, [q]).fetchall() for q in queries}
    releases = stored_texts(ws)
    path = ws.path
    ws.close()
    conn = sqlite3.connect(path, isolation_level=None)
    with conn:
        _put_back_stored_twice(conn)
    # Before: every address stored in full, none left for the notice id to give.
    assert conn.execute("SELECT count(*) FROM tenders WHERE notice_url IS NULL").fetchone()[0] == (
        sum(1 for r in listed if r["notice_url"] is None)
    )
    conn.execute(f"PRAGMA user_version = {migrations.STEPS.index(migrations.tenders_stored_once)}")
    conn.close()
    again = Workspace.open(path, backup=False)
    try:
        columns = {
            t: {c[1] for c in again.conn.execute(f"PRAGMA table_info({t})")}
            for t in ("tenders", "tender_releases", "tender_texts")
        }
        assert "imported_at" not in columns["tenders"] | columns["tender_releases"]
        assert "title" not in columns["tender_texts"] and "title" in columns["tenders"]
        # Most addresses are now given by the notice id, and read back the same.
        derived = again.conn.execute("SELECT count(*) FROM tenders WHERE notice_url IS NULL")
        assert derived.fetchone()[0] > 40
        assert search.rows(again, ocids, today=TODAY) == listed
        assert {o: store.get_tender(again.db, o) for o in ocids} == tenders
        assert sorted(store.all_texts(again.conn, store.TEXTS_SELECT)) == texts
        assert {q: again.conn.execute(found, [q]).fetchall() for q in queries} == hits
        assert stored_texts(again) == releases
    finally:
        again.close()
