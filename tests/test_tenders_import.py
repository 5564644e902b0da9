"""Importing real OCDS files: counts, idempotency, formats, odd values, bad inputs, Cancel."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from consortium.progress import Cancelled
from consortium.tenders import merge, store
from consortium.tenders.importer import import_paths, import_releases
from consortium.tenders.ocds_reader import TenderFileError
from consortium.workspace import Workspace

FIX = Path(__file__).parent / "fixtures" / "ocds"
FTS_PAGE = FIX / "fts-release-package-2026-08-12-page-001.json"
FTS_SELECTED = FIX / "fts-selected-civil-society-releases.json"
CF_PAGE = FIX / "cf-search-2025-01-20_2025-01-23-page-001.json"
OCDS_FILES = [FTS_PAGE, FTS_SELECTED, CF_PAGE]
TODAY = dt.datetime(2026, 8, 12, tzinfo=dt.UTC)


def raw_releases(*paths: Path) -> list[dict]:
    out = []
    for path in paths:
        out.extend(json.loads(path.read_text(encoding="utf-8"))["releases"])
    return out


def utc(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.UTC)


def dump(ws: Workspace) -> dict:
    """Every row of every table (FTS shadow tables included) plus the schema and version."""
    out = {"version": ws.schema_version}
    tables = [
        r[0]
        for r in ws.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    out["schema"] = ws.conn.execute(
        "SELECT type, name, sql FROM sqlite_master ORDER BY name"
    ).fetchall()
    for table in tables:
        if table == "tenders_fts":
            continue  # external-content view of tenders; its shadow tables are compared
        out[table] = sorted(map(repr, ws.conn.execute(f"SELECT * FROM [{table}]")))
    return out


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A workspace with the real OCDS fixtures imported, built once and copied per test."""
    folder = tmp_path_factory.mktemp("template")
    ws = Workspace.create(folder / "t.consortium")
    report = import_paths(ws, OCDS_FILES, today=TODAY)
    (folder / "report.json").write_text(json.dumps(report.to_dict()))
    ws.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    ws.close()
    return folder / "t.consortium"


@pytest.fixture
def ws(template, tmp_path) -> Workspace:
    target = tmp_path / "w.consortium"
    shutil.copy(template, target)
    w = Workspace.open(target, backup=False)
    yield w
    w.close()


@pytest.fixture
def empty_ws(tmp_path) -> Workspace:
    w = Workspace.create(tmp_path / "e.consortium")
    yield w
    w.close()


# ------------------------------------------------------------------------ counts
def independent_counts(releases: list[dict], today: dt.datetime) -> dict:
    """Counted straight from the raw JSON, without the importer's code."""
    unique = {}
    for r in releases:
        unique.setdefault((r["ocid"], r["id"]), r)
    by_ocid: dict[str, list[dict]] = {}
    for r in unique.values():
        by_ocid.setdefault(r["ocid"], []).append(r)
    open_count = 0
    for rs in by_ocid.values():
        latest = max(rs, key=lambda r: utc(r["date"]))
        tender = latest.get("tender") or {}
        tags = set(latest["tag"])
        if tags & {
            "tenderCancellation",
            "award",
            "contract",
            "awardUpdate",
            "contractUpdate",
            "contractTermination",
            "contractAmendment",
            "implementation",
        } and not tags & {"tender", "tenderUpdate"}:
            continue
        if tender.get("status") != "active":
            continue
        lots = tender.get("lots") or []
        if lots and all(lot.get("status") in ("cancelled", "unsuccessful") for lot in lots):
            continue
        end = (tender.get("tenderPeriod") or {}).get("endDate") or tender.get(
            "expressionOfInterestDeadline"
        )
        if end is None or utc(end) > today:
            open_count += 1
    return {
        "releases": len(unique),
        "read": len(releases),
        "ocids": len(by_ocid),
        "open": open_count,
    }


def test_counts_match_an_independent_count_of_the_raw_json(template):
    expected = independent_counts(raw_releases(*OCDS_FILES), TODAY)
    report = json.loads((template.parent / "report.json").read_text())
    assert report["releases_read"] == expected["read"]
    assert report["releases_new"] == expected["releases"]
    assert report["duplicates_skipped"] == expected["read"] - expected["releases"]
    assert report["tenders_new"] == expected["ocids"]
    assert report["open_now"] == expected["open"]
    w = Workspace.open(template, backup=False)
    try:
        assert (
            w.conn.execute("SELECT count(*) FROM tender_releases").fetchone()[0]
            == expected["releases"]
        )
        assert w.conn.execute("SELECT count(*) FROM tenders").fetchone()[0] == expected["ocids"]
        from consortium.tenders.search import count

        assert count(w, status=["open"], today=TODAY) == expected["open"]
    finally:
        w.close()
    assert expected["open"] > 10  # the fixture really holds open tenders


def test_reimport_is_idempotent(ws):
    before = dump(ws)
    report = import_paths(ws, OCDS_FILES, today=TODAY)
    assert report.releases_new == 0
    assert report.tenders_new == report.tenders_updated == 0
    assert report.duplicates_skipped == report.releases_read == 247
    after = dump(ws)
    # Only the import log and the audit log grow.
    for table in before:
        if table not in ("tender_imports", "audit"):
            assert before[table] == after[table], table
    assert len(after["tender_imports"]) == len(before["tender_imports"]) + 1


def test_overlapping_files_and_duplicate_in_one_file(empty_ws, tmp_path):
    releases = raw_releases(FTS_SELECTED)
    first = {"releases": releases[:30] + [releases[0]]}  # one release twice in a file
    second = {"releases": releases[20:]}  # overlaps the first by 10
    (tmp_path / "a.json").write_text(json.dumps(first))
    (tmp_path / "b.json").write_text(json.dumps(second))
    r1 = import_paths(empty_ws, [tmp_path / "a.json"])
    assert (r1.releases_read, r1.releases_new, r1.duplicates_skipped) == (31, 30, 1)
    r2 = import_paths(empty_ws, [tmp_path / "b.json"])
    assert r2.duplicates_skipped == 10
    assert r2.releases_new == len(releases) - 30
    ocids = {r["ocid"] for r in releases}
    assert empty_ws.conn.execute("SELECT count(*) FROM tenders").fetchone()[0] == len(ocids)


def test_new_release_for_a_known_ocid_updates_the_tender(empty_ws):
    releases = raw_releases(FTS_SELECTED)
    first = next(r for r in releases if r["id"] == "075819-2026")  # Young Carers, tender
    update = next(r for r in releases if r["id"] == "075830-2026")  # its tenderUpdate
    import_releases(empty_ws, [json.loads(json.dumps(first))])
    old = store.get_tender(empty_ws.db, first["ocid"])
    old_row = empty_ws.conn.execute(
        "SELECT hash, changed_at FROM tenders WHERE ocid = ?", [first["ocid"]]
    ).fetchone()
    report = import_releases(empty_ws, [json.loads(json.dumps(update))])
    assert (report.tenders_new, report.tenders_updated) == (0, 1)
    new = store.get_tender(empty_ws.db, first["ocid"])
    row = empty_ws.conn.execute(
        "SELECT hash, changed_at FROM tenders WHERE ocid = ?", [first["ocid"]]
    ).fetchone()
    assert row[0] != old_row[0] and row[1] > old_row[1]
    assert new.releases == ["075819-2026", "075830-2026"]
    assert new.notice_id == "075830-2026" and old.notice_id == "075819-2026"


def test_type_error_in_one_ocid_falls_back_to_latest_release(empty_ws):
    releases = raw_releases(FTS_PAGE)
    award = next(
        r
        for r in releases
        if r.get("awards") and isinstance(r["awards"][0], dict) and r["awards"][0].get("id")
    )
    first = json.loads(json.dumps(award))
    first["awards"][0]["standstillPeriod"] = {"startDate": "2026-08-01T00:00:00+01:00"}
    second = json.loads(json.dumps(award))
    second["id"] = award["id"] + "-update"
    second["date"] = "2026-08-13T10:00:00+01:00"
    second["awards"][0]["standstillPeriod"] = [{"startDate": "2026-08-02T00:00:00+01:00"}]
    other = next(r for r in releases if r["ocid"] != award["ocid"])
    report = import_releases(empty_ws, [first, second, json.loads(json.dumps(other))])
    assert report.tenders_new == 2  # the import went on
    assert any(award["ocid"] in w for w in report.warnings)
    assert report.defect_counts.get("type_error") == 1
    tender = store.get_tender(empty_ws.db, award["ocid"])
    assert tender.notice_id == second["id"]
    assert any(d.startswith("type_error") for d in tender.defects)


def test_a_negative_value_is_left_out_with_a_defect(empty_ws):
    """It was stored as -£5,000,000,000 and sorted and filtered as the smallest tender."""
    release = json.loads(json.dumps(raw_releases(FTS_SELECTED)[0]))
    release["tender"]["value"] = {"amount": -5_000_000_000, "currency": "GBP"}
    lots = [lot for lot in release["tender"].get("lots") or [] if isinstance(lot, dict)]
    for lot in lots:
        lot["value"] = {"amount": -1, "currency": "GBP"}
    report = import_releases(empty_ws, [release])
    assert report.defect_counts.get("negative_value") == 1  # one tender, counted once
    tender = store.get_tender(empty_ws.db, release["ocid"])
    assert tender.value is None and "negative_value" in tender.defects
    assert all(lot.value is None for lot in tender.lots)
    (value,) = empty_ws.conn.execute(
        "SELECT value FROM tenders WHERE ocid = ?", [release["ocid"]]
    ).fetchone()
    assert value is None or value >= 0


def test_numbers_beyond_a_double_never_lose_a_notice(ws):
    # The FTS page holds 1e9999 three times; the selected file holds Infinity twice.
    text = FTS_PAGE.read_text()
    assert "1e9999" in text and "Infinity" in FTS_SELECTED.read_text()
    odd = ws.conn.execute(
        "SELECT count(*) FROM tenders WHERE defects LIKE '%odd_number%'"
    ).fetchone()[0]
    assert odd >= 2
    stored = [store.unpack(raw) for (raw,) in ws.conn.execute("SELECT raw FROM tender_releases")]
    assert any('"1E+9999"' in s for s in stored)
    ids_in_files = {(r["ocid"], r["id"]) for r in raw_releases(FTS_PAGE, FTS_SELECTED)}
    stored_ids = set(ws.conn.execute("SELECT ocid, release_id FROM tender_releases").fetchall())
    assert ids_in_files <= stored_ids


def test_jsonl_folder_zip_and_record_package(empty_ws, tmp_path):
    releases = raw_releases(CF_PAGE)
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    # JSON Lines of releases
    (folder / "a.jsonl").write_text("\n".join(json.dumps(r) for r in releases[:20]) + "\n")
    # JSON Lines of packages
    (folder / "sub" / "b.jsonl").write_text(
        json.dumps({"releases": releases[20:40]}) + "\n" + json.dumps({"releases": releases[40:50]})
    )
    # A record package
    by_ocid: dict[str, list] = {}
    for r in releases[50:70]:
        by_ocid.setdefault(r["ocid"], []).append(r)
    records = {"records": [{"ocid": o, "releases": rs} for o, rs in by_ocid.items()]}
    (folder / "records.json").write_text(json.dumps(records))
    (folder / "notes.txt").write_text("not imported")
    # A zip of a package (inside a folder in the zip)
    with zipfile.ZipFile(folder / "more.zip", "w") as z:
        z.writestr("data/page.json", json.dumps({"releases": releases[70:]}))
        z.writestr("__MACOSX/._page.json", "junk")
    report = import_paths(empty_ws, [folder])
    assert len(report.files) == 4
    assert report.releases_read == len(releases)
    assert report.releases_new == len({(r["ocid"], r["id"]) for r in releases})
    assert empty_ws.conn.execute("SELECT count(*) FROM tenders").fetchone()[0] == len(
        {r["ocid"] for r in releases}
    )


def test_a_zip_of_many_members_is_opened_once_not_once_a_member(empty_ws, tmp_path, monkeypatch):
    """Each member opened the archive again, reading its whole directory, and each copy stayed
    in memory until the collector ran: a 2 MB file of 20,000 members took 24 GB and was killed.
    Counted, not timed: how many times the archive's directory is read."""
    releases = raw_releases(CF_PAGE)
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as z:
        for i in range(300):
            z.writestr(
                f"pages/{i:03}.json", json.dumps({"releases": releases[i % 20 : i % 20 + 1]})
            )
    reads = []
    real = zipfile.ZipFile._RealGetContents
    monkeypatch.setattr(
        zipfile.ZipFile, "_RealGetContents", lambda self: reads.append(1) or real(self)
    )
    report = import_paths(empty_ws, [path])
    assert len(report.files) == 300 and report.releases_read == 300
    assert len({(r["ocid"], r["id"]) for r in releases[:20]}) == report.releases_new
    assert len(reads) <= 2  # listed once, read once


def test_record_package_with_only_compiled_release(empty_ws, tmp_path):
    release = raw_releases(FTS_SELECTED)[0]
    compiled = merge.compile_single(release)
    package = {
        "records": [
            {
                "ocid": release["ocid"],
                "releases": [{"url": "x", "date": release["date"]}],
                "compiledRelease": compiled,
            }
        ]
    }
    (tmp_path / "r.json").write_text(json.dumps(package))
    report = import_paths(empty_ws, [tmp_path / "r.json"])
    assert report.tenders_new == 1
    assert store.get_tender(empty_ws.db, release["ocid"]).title == release["tender"]["title"]


# ---------------------------------------------------------------------- bad inputs
def _bad_inputs(tmp_path: Path) -> dict[str, Path]:
    good = FTS_SELECTED.read_bytes()
    files = {}
    files["truncated"] = tmp_path / "truncated.json"
    files["truncated"].write_bytes(good[: len(good) // 2])
    files["not_ocds"] = tmp_path / "not-ocds.json"
    files["not_ocds"].write_text(json.dumps({"name": "my contacts", "people": [{"a": 1}]}))
    files["latin1"] = tmp_path / "latin1.json"
    files["latin1"].write_bytes(
        json.dumps(
            {"releases": [{"ocid": "ocds-x-1", "id": "1", "tender": {"title": "Café"}}]},
            ensure_ascii=False,
        ).encode("latin-1")
    )
    files["utf16"] = tmp_path / "utf16.json"
    files["utf16"].write_text(json.dumps({"releases": []}), encoding="utf-16")
    files["empty"] = tmp_path / "empty.json"
    files["empty"].write_bytes(b"")
    files["zero_zip"] = tmp_path / "zero.zip"
    files["zero_zip"].write_bytes(b"")
    files["evil_zip"] = tmp_path / "evil.zip"
    with zipfile.ZipFile(files["evil_zip"], "w") as z:
        z.writestr("ok.json", good)
        z.writestr("../../escape.json", good)
    files["missing_columns"] = FIX / "cf-csv-missing-columns.csv"
    files["not_json_text"] = tmp_path / "notes.json"
    files["not_json_text"].write_text("hello, this is not JSON")
    return files


@pytest.mark.parametrize(
    "case, words",
    [
        ("truncated", "ends too early"),
        ("not_ocds", "not Open Contracting"),
        ("latin1", "UTF-8"),
        ("utf16", "UTF-16"),
        ("empty", "empty"),
        ("zero_zip", "0 bytes"),
        ("evil_zip", "unsafe path"),
        ("missing_columns", "Title, Published Date"),
        ("not_json_text", "not valid JSON"),
    ],
)
def test_bad_input_names_the_file_and_changes_nothing(ws, tmp_path, case, words):
    bad = _bad_inputs(tmp_path)[case]
    before = dump(ws)
    # A good file first, so a half-done import would show.
    with pytest.raises(TenderFileError) as info:
        import_paths(ws, [CF_PAGE, FIX / "cf-csv-small.csv", bad])
    message = str(info.value)
    assert bad.name in message
    assert words in message
    assert dump(ws) == before
    assert not (tmp_path.parent / "escape.json").exists()


def test_cancel_mid_import_changes_nothing(ws):
    before = dump(ws)
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 2

    extra = raw_releases(FTS_SELECTED)
    for r in extra:
        r["id"] += "-again"  # new releases, so the import really writes
    with pytest.raises(Cancelled):
        import_releases(ws, extra * 30, cancelled=cancelled)
    assert len(calls) == 3
    assert dump(ws) == before


def test_progress_reports_bytes_and_report_is_json(empty_ws):
    seen = []
    report = import_paths(
        empty_ws, [FTS_PAGE, CF_PAGE], progress=lambda d, t, s: seen.append((d, t, s))
    )
    total = FTS_PAGE.stat().st_size + CF_PAGE.stat().st_size
    reading = [d for d, t, _ in seen if t == total]
    assert len(reading) >= 2 and reading[-1] == total
    assert reading == sorted(reading)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["releases_read"] == 200
    assert data["files"] == [str(FTS_PAGE), str(CF_PAGE)]
    assert "summary" in data and data["defect_counts"]
    for defect in data["defects"]:
        assert defect["ocid"] and defect["kind"] and defect["text"]
    audit = empty_ws.audit_log()
    assert audit[0]["action"] == "import" and "200 notices" in audit[0]["summary"]


def test_json_array_of_releases_and_undated_release(empty_ws, tmp_path):
    releases = raw_releases(CF_PAGE)[:5]
    undated = json.loads(json.dumps(releases[0]))
    undated.pop("date")
    undated["id"] = "no-date"
    (tmp_path / "array.json").write_text(json.dumps([*releases, undated]))
    report = import_paths(empty_ws, [tmp_path / "array.json"])
    assert report.releases_read == 6 and report.releases_new == 6
    tender = store.get_tender(empty_ws.db, releases[0]["ocid"])
    assert "no-date" in tender.releases


# ------------------------------------------------------------- big imports
def _indexes(ws: Workspace) -> list[tuple]:
    return ws.conn.execute(
        "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
    ).fetchall()


def _spy_on_bulk(monkeypatch) -> list[int]:
    """Make every import a big one, and count how many dropped the indexes."""
    from consortium.tenders import importer

    monkeypatch.setattr(importer, "BULK_AT_LEAST", 1)
    dropped = []
    drop = store.drop_indexes_for_bulk
    monkeypatch.setattr(
        store, "drop_indexes_for_bulk", lambda conn: dropped.append(1) or drop(conn)
    )
    return dropped


def _again(path: Path, releases: list[dict], suffix: str) -> Path:
    """A package of ``releases`` under new ids, so an import of it really writes."""
    package = json.loads(FTS_SELECTED.read_text(encoding="utf-8"))
    package["releases"] = [{**r, "id": f"{r['id']}-{suffix}{n}"} for n, r in enumerate(releases)]
    path.write_text(json.dumps(package), encoding="utf-8")
    return path


def test_a_big_import_builds_its_indexes_at_the_end_and_finds_the_same(
    empty_ws, tmp_path, monkeypatch
):
    """An import that at least doubles the workspace drops its indexes and builds them again at
    the end (each written once, packed): the same indexes, and every search finds the same."""
    from consortium.tenders import search

    plain = Workspace.create(tmp_path / "plain.consortium")
    import_paths(plain, OCDS_FILES, today=TODAY)
    dropped = _spy_on_bulk(monkeypatch)
    import_paths(empty_ws, OCDS_FILES, today=TODAY)
    assert dropped == [1]
    assert _indexes(empty_ws) == _indexes(plain)
    assert empty_ws.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    queries = [
        {"text": "support"},
        {"status": ["open"]},
        {"cpv": ["85000000"]},
        {"place": "TLI"},
        {"sort": "value", "descending": True},
        {"sort": "published"},
        {"sme": True},
    ]
    for q in queries:
        found = search.search_keys(empty_ws, search.TenderQuery(**q), today=TODAY)
        assert found == search.search_keys(plain, search.TenderQuery(**q), today=TODAY), q
        assert found, q
    plain.close()


def test_a_big_import_cancelled_leaves_its_indexes_as_they_were(ws, tmp_path, monkeypatch):
    before = dump(ws)
    dropped = _spy_on_bulk(monkeypatch)
    big = _again(tmp_path / "big.json", raw_releases(FTS_SELECTED) * 20, "big")
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(Cancelled):
        import_paths(ws, [big], today=TODAY, cancelled=cancelled)
    assert dropped == [1]
    assert dump(ws) == before  # the schema, indexes included, and every row


def test_an_import_small_beside_the_workspace_keeps_its_indexes_up(ws, tmp_path, monkeypatch):
    dropped = _spy_on_bulk(monkeypatch)
    small = _again(tmp_path / "small.json", raw_releases(FTS_SELECTED)[:5], "small")
    assert small.stat().st_size // 5_000 < ws.db["tenders"].count
    report = import_paths(ws, [small], today=TODAY)
    assert report.releases_new == 5
    assert dropped == []
