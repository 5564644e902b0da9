"""Tender files built to hurt: huge numbers, deep nesting, odd shapes, bad text.

Each must be read in bounded memory and time, and cost at most the one odd value (with a defect
listed), never the notice, let alone the file.
"""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import ijson
import pytest

from consortium.tenders import json_guard
from consortium.tenders.importer import import_paths, import_releases
from consortium.tenders.json_guard import MAX_DEPTH, JsonGuard
from consortium.tenders.ocds_reader import TenderFileError

FIX = Path(__file__).parent / "fixtures" / "ocds"
ROOT = Path(__file__).resolve().parents[1]


def release(n: int, **tender) -> dict:
    return {
        "ocid": f"ocds-h6vhtk-{n:06d}",
        "id": f"r{n}",
        "date": "2026-08-01T09:00:00Z",
        "tag": ["tender"],
        "tender": {"title": f"Notice {n}", "status": "active", **tender},
    }


def text_of(n: int, extra: str) -> str:
    """A release as JSON text with ``extra`` (raw JSON) as its tender's ``x`` field."""
    body = json.dumps(release(n))
    return body[: body.rindex("}}")] + f', "x": {extra}' + "}}"


def package(*releases: str) -> str:
    return '{"uri": "test", "releases": [' + ",".join(releases) + "]}"


def tenders(ws) -> dict[str, tuple]:
    return {
        row[0]: row[1:]
        for row in ws.conn.execute("SELECT ocid, title, value_max, defects FROM tenders")
    }


# --------------------------------------------------------------------------- the guard
@pytest.mark.parametrize("chunk", [1, 7, 4096, 64 * 1024])
def test_guard_passes_real_files_through_unchanged(chunk):
    for path in [*FIX.glob("*.json")]:
        data = path.read_bytes()
        stream = JsonGuard(io.BytesIO(data), chunk=chunk)
        out = b"".join(iter(lambda s=stream: s.read(5000), b""))
        assert out == data, path.name
        assert stream.long_numbers == stream.too_deep == 0


def test_guard_keeps_strings_with_brackets_escapes_and_digits():
    rng = random.Random(11)
    pieces = ['"[[[{"', '"\\\\"', '"a\\"[b"', '"\\\\\\"]}"', '"' + "9" * 500 + '"', "-12.5e+3"]
    for _ in range(200):
        value = "[" + ",".join(rng.choice(pieces) for _ in range(rng.randint(1, 30))) + "]"
        data = json.dumps({"v": json.loads(value)}).encode()
        for chunk in (3, 11, 64):
            assert JsonGuard(io.BytesIO(data), chunk=chunk).read() == data


@pytest.mark.parametrize("chunk", [5, 64 * 1024])
def test_guard_replaces_a_long_number_and_a_deep_value_only(chunk):
    deep = "[" * 100_000 + "]" * 100_000
    data = (
        '{"a": ' + "1" * 5000 + ', "b": ' + deep + ', "c": "' + "7" * 600 + '", "d": 2}'
    ).encode()
    stream = JsonGuard(io.BytesIO(data), chunk=chunk)
    value = next(ijson.items(stream, ""))
    assert value["a"] == json_guard.LONG_NUMBER
    assert value["c"] == "7" * 600 and value["d"] == 2
    inner = value["b"]
    for _ in range(MAX_DEPTH - 2):
        assert isinstance(inner, list) and len(inner) == 1
        inner = inner[0]
    assert inner == [json_guard.TOO_DEEP]
    assert (stream.long_numbers, stream.too_deep) == (1, 1)


# ------------------------------------------------------------------------- the import
def test_a_5000_digit_number_costs_that_value_not_the_notice(empty_ws, tmp_path):
    path = tmp_path / "huge-number.json"
    bad = text_of(1, "0").replace('"status": "active"', '"value": {"amount": ' + "9" * 5000 + "}")
    path.write_text(package(bad, json.dumps(release(2))), encoding="utf-8")
    report = import_paths(empty_ws, [path])
    rows = tenders(empty_ws)
    assert set(rows) == {"ocds-h6vhtk-000001", "ocds-h6vhtk-000002"}
    assert rows["ocds-h6vhtk-000001"][0] == "Notice 1"
    assert rows["ocds-h6vhtk-000001"][1] is None
    assert "long_number" in json.loads(rows["ocds-h6vhtk-000001"][2])
    assert [d.kind for d in report.defects if d.ocid.endswith("1")].count("long_number") == 1


def test_deep_nesting_costs_that_value_in_json_lines_and_zip(empty_ws, tmp_path):
    lines = tmp_path / "deep.jsonl"
    lines.write_text(
        text_of(3, '{"a": ' * 1000 + "1" + "}" * 1000) + "\n" + json.dumps(release(4)) + "\n",
        encoding="utf-8",
    )
    archive = tmp_path / "deep.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("inner/deep.json", package(text_of(5, "[" * 100_000 + "]" * 100_000)))
    report = import_paths(empty_ws, [lines, archive])
    rows = tenders(empty_ws)
    assert set(rows) == {f"ocds-h6vhtk-00000{n}" for n in (3, 4, 5)}
    for ocid in ("ocds-h6vhtk-000003", "ocds-h6vhtk-000005"):
        assert "too_deep" in json.loads(rows[ocid][2])
    assert "too_deep" not in json.loads(rows["ocds-h6vhtk-000004"][2])
    assert report.defect_counts["too_deep"] == 2


def test_100k_nesting_in_200_kb_is_read_in_bounded_memory(tmp_path):
    """In a child process, so the peak memory measured is this import's alone."""
    path = tmp_path / "deep.json"
    path.write_text(package(text_of(1, "[" * 100_000 + "]" * 100_000)), encoding="utf-8")
    assert path.stat().st_size > 200_000
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from consortium.workspace import Workspace
        from consortium.tenders.importer import import_paths
        ws = Workspace.create({str(tmp_path / "w.consortium")!r})
        report = import_paths(ws, [{str(path)!r}])
        # VmHWM: this process's peak (ru_maxrss would include the parent's, kept over exec).
        status = open("/proc/self/status").read()
        print(report.tenders_new, int(status.split("VmHWM:")[1].split()[0]) // 1024)
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    new, peak_mb = map(int, out.stdout.split())
    assert new == 1
    assert peak_mb < 200  # it took 5.8 GB before the guard


def test_a_notice_nested_1000_deep_in_memory_is_skipped_with_a_warning(empty_ws):
    deep: object = 1
    for _ in range(1000):
        deep = {"a": deep}
    first, second = release(7), release(7)
    second.update(id="r7b", date="2026-08-02T09:00:00Z")
    first["tender"]["x"] = second["tender"]["x"] = deep
    report = import_releases(empty_ws, [first, second, release(8)])
    assert set(tenders(empty_ws)) == {"ocds-h6vhtk-000008"}
    assert any("nested too deep" in w for w in report.warnings)


def test_a_lone_surrogate_becomes_a_replacement_character(empty_ws, tmp_path):
    """ijson turns a ``\\ud800`` escape into "?"; json.loads (other sources) keeps it."""
    path = tmp_path / "surrogate.json"
    path.write_text(package(json.dumps(release(9)).replace(" 9", " \\ud800 9")), "utf-8")
    import_paths(empty_ws, [path])
    assert tenders(empty_ws)["ocds-h6vhtk-000009"][0] in ("Notice ? 9", "Notice \ufffd 9")
    import_releases(empty_ws, [json.loads(json.dumps(release(12)).replace(" 12", " \\udc00 12"))])
    title, _value, defects = tenders(empty_ws)["ocds-h6vhtk-000012"]
    assert title == "Notice \ufffd 12"
    assert "bad_text" in json.loads(defects)


def test_lists_where_text_belongs_cost_at_most_that_field(empty_ws):
    odd = release(
        10,
        documents=[
            {"id": ["a", "b"], "url": {"href": "x"}, "documentType": ["biddingDocuments"]},
            {"id": "d2", "url": "https://example.org/d2", "title": ["not", "text"]},
        ],
        classification={"scheme": "CPV", "id": ["85310000"]},
        amendments=[{"unstructuredChanges": [{"where": ["x"], "oldValue": [1]}]}],
        lots=[{"id": ["L1"], "title": {"en": "Lot"}, "awardCriteria": {"criteria": [[]]}}],
    )
    odd["tag"] = [["tender"]]
    report = import_releases(empty_ws, [odd, release(11)])
    rows = tenders(empty_ws)
    assert set(rows) == {"ocds-h6vhtk-000010", "ocds-h6vhtk-000011"}
    assert rows["ocds-h6vhtk-000010"][0] == "Notice 10"
    assert report.tenders_new == 2


def test_a_broken_zip_member_names_the_member(empty_ws, tmp_path):
    archive = tmp_path / "broken.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("notices.json", package(*(json.dumps(release(n)) for n in range(50))))
    data = bytearray(archive.read_bytes())
    start = data.index(b"notices.json") + len("notices.json") + 20
    data[start : start + 40] = bytes(40)  # corrupt the compressed data
    archive.write_bytes(bytes(data))
    before = tenders(empty_ws)
    with pytest.raises(TenderFileError) as caught:
        import_paths(empty_ws, [archive])
    assert "broken.zip" in str(caught.value) and "notices.json" in str(caught.value)
    assert tenders(empty_ws) == before


def test_a_part_that_cannot_be_read_costs_that_part_with_a_defect(empty_ws, monkeypatch):
    """If a publisher's shape still defeats a part of the extraction, only that part goes."""
    from consortium.tenders import extract

    def broken(*args, **kwargs):
        raise TypeError("unhashable type: 'list'")

    monkeypatch.setattr(extract, "_documents", broken)
    report = import_releases(empty_ws, [release(20), release(21)])
    rows = tenders(empty_ws)
    assert rows["ocds-h6vhtk-000020"][0] == "Notice 20"
    assert "unreadable:documents" in json.loads(rows["ocds-h6vhtk-000020"][2])
    assert report.defect_counts["unreadable"] == 2
    monkeypatch.setattr(extract, "extract", broken)
    import_releases(empty_ws, [release(22)])
    assert json.loads(tenders(empty_ws)["ocds-h6vhtk-000022"][2]) == ["unreadable:notice"]
    assert tenders(empty_ws)["ocds-h6vhtk-000022"][0] == "Notice 22"
