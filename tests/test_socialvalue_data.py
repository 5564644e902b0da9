"""Frameworks, value files, commitments, and the licence guard on bundled data."""

import json
import re
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
from conftest import TODAY, dump

from consortium.socialvalue import commitments, frameworks, valuefile
from consortium.socialvalue.demo import add_demo_social_value

ROOT = Path(__file__).resolve().parent.parent


def good_json(tmp_path, **changes):
    data = {
        "framework": {"id": "HA-2026", "name": "HA values", "licence": "licensed to the HA",
                      "licence_holder": "Example HA", "source": "HA values 2026"},
        "measures": [
            {"code": "L1", "description": "Local jobs", "unit": "FTE", "proxy_value": 1000,
             "price_year": 2025, "source": "HA study", "theme": "Jobs"},
            {"code": "L2", "description": "Events", "unit": "sessions", "record_only": True},
        ],
    }  # fmt: skip
    data.update(changes)
    p = tmp_path / "values.json"
    p.write_text(json.dumps(data))
    return p


def test_bundled_frameworks_and_criteria(empty_ws):
    fws = frameworks.list_frameworks(empty_ws.db)
    assert fws[0].id == "HMT" and "OGL" in fws[0].licence
    w = frameworks.measure(empty_ws.db, "HMT", "WELLBY")
    assert w.proxy_value == D(13000) and w.price_year == 2019
    crit = frameworks.criteria()
    mac21 = next(c for c in crit if c.framework == "PPN 06/20" and c.code == "MAC 2.1")
    assert mac21.verified is False  # the reference file does not verify MAC numbers
    assert any(c.code == "M4" and c.verified for c in crit)


def test_load_json_then_replace(empty_ws, tmp_path):
    r = valuefile.load_file(empty_ws, good_json(tmp_path))
    assert (r.framework_id, r.added, r.replaced) == ("HA-2026", 2, False)
    m = frameworks.measure(empty_ws.db, "HA-2026", "L1")
    assert m.proxy_value == D(1000) and m.licence_holder == "Example HA" and m.monetised
    assert not frameworks.measure(empty_ws.db, "HA-2026", "L2").monetised
    assert valuefile.load_file(empty_ws, good_json(tmp_path)).replaced


def test_bad_rows_refused_one_message_each(empty_ws, tmp_path):
    before = dump(empty_ws)
    bad = [
        {"code": "B1", "description": "no source", "unit": "FTE", "proxy_value": 5, "price_year": 2025},
        {"code": "B2", "description": "no year", "unit": "FTE", "proxy_value": 5, "source": "x"},
        {"code": "B3", "description": "negative", "unit": "FTE", "proxy_value": -5,
         "price_year": 2025, "source": "x"},
        {"code": "B4", "description": "unit", "unit": "furlongs", "proxy_value": 5,
         "price_year": 2025, "source": "x"},
        {"code": "OK", "description": "fine", "unit": "hours", "proxy_value": 5,
         "price_year": 2025, "source": "x"},
    ]  # fmt: skip
    fw = {"id": "BAD", "licence_holder": "Someone"}
    with pytest.raises(valuefile.ValueFileError) as e:
        valuefile.load_file(empty_ws, good_json(tmp_path, framework=fw, measures=bad))
    probs = e.value.problems
    assert len(probs) == 4
    assert "measure 1 (B1)" in probs[0] and "source" in probs[0]
    assert "(B2)" in probs[1] and "price year" in probs[1]
    assert "(B3)" in probs[2] and "negative" in probs[2]
    assert "(B4)" in probs[3] and "furlongs" in probs[3]
    assert "values.json" in str(e.value) and "nothing was changed" in str(e.value)
    assert dump(empty_ws) == before


def test_template_round_trip_and_xlsx_row_numbers(empty_ws, tmp_path):
    p = valuefile.write_template(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(p)
    f = wb["Framework"]
    for row in f.iter_rows(min_row=2):
        row[1].value = {"id": "X1", "licence_holder": "HA"}.get(row[0].value, "")
    wb["Measures"].append(["EX2", "bad", "parsecs", "", "", "no", "per_year", 3, 2025, "s", "h"])
    wb.save(p)
    with pytest.raises(valuefile.ValueFileError) as e:
        valuefile.load_file(empty_ws, p)
    assert e.value.problems == [
        "Measures sheet, row 3 (EX2): unknown unit 'parsecs' (use one of: "
        + ", ".join(frameworks.UNITS)
        + ")"
    ]
    wb["Measures"].delete_rows(3)
    wb.save(p)
    assert valuefile.load_file(empty_ws, p).added == 1


def test_commitments_store_and_checks(demo_ws):
    bid_id = add_demo_social_value(demo_ws, TODAY)
    cs = commitments.list_for_bid(demo_ws.db, bid_id)
    assert len(cs) == 6 and cs[0].quantity == D(4)
    bad = commitments.Commitment(
        bid_id=bid_id, org_id=cs[0].org_id, framework_id="HMT", measure_code="WELLBY",
        quantity=D(-1), years=0, attribution=D("1.5"),
    )  # fmt: skip
    with pytest.raises(commitments.CommitmentError) as e:
        commitments.add(demo_ws, bad)
    assert "negative" in str(e.value) and "1 year" in str(e.value) and "Attribution" in str(e.value)
    s = commitments.load_settings(demo_ws.db, bid_id)
    assert s.inputs == D(60000) and s.weighting_pct == D(10)
    r = commitments.calculate_bid(demo_ws.db, bid_id)
    assert r.present_value > 0 and set(r.by_member) == {c.name for c in _members(demo_ws, bid_id)}
    commitments.delete(demo_ws, cs[0].id)
    assert len(commitments.list_for_bid(demo_ws.db, bid_id)) == 5


def _members(ws, bid_id):
    from consortium.bids import records as bids
    from consortium.matching import consortia

    return consortia.load(ws.db, bids.load(ws.db, bid_id).consortium_id).members


# Known National TOMs measure codes and HACT Social Value Bank value names and figures
# (research/social-value.md §2 and §3): none may ship with the app.
FORBIDDEN = [
    r"\bNT\d{1,2}\b", r"\bRE\d{1,2}\b", r"\bFM\d{1,2}\b", r"\bECC\d{1,2}\b",
    r"5,?344", r"20,?791", r"14,?436", r"36,?766", r"8,?460",
    r"Regular volunteering", r"Good overall health", r"Relief from depression",
    r"heavily burdened with debt", r"Social Value Bank value", r"16\.93", r"101\.00",
]  # fmt: skip


def test_no_toms_or_hact_values_bundled():
    files = [
        *(ROOT / "consortium" / "data" / "socialvalue").rglob("*"),
        *(ROOT / "templates").glob("social-value*"),
        *(ROOT / "consortium" / "socialvalue").glob("*.py"),
    ]
    checked = 0
    for f in files:
        if not f.is_file():
            continue
        if f.suffix == ".docx":
            import zipfile

            text = " ".join(
                zipfile.ZipFile(f).read(n).decode("utf-8", "replace")
                for n in zipfile.ZipFile(f).namelist()
            )
        else:
            text = f.read_text(encoding="utf-8", errors="replace")
        for pat in FORBIDDEN:
            assert not re.search(pat, text), f"{f.name} contains {pat!r}"
        checked += 1
    assert checked >= 3


def test_a_value_file_saved_with_a_byte_order_mark_loads(empty_ws, tmp_path):
    path = good_json(tmp_path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # as Windows Notepad saves it
    assert valuefile.load_file(empty_ws, path).added == 2


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ('{"measures": []}'.encode("utf-16"), "save it as UTF-8"),
        ('{"framework": {"name": "Café"}, "measures": []}'.encode("latin-1"), "save it as UTF-8"),
        (b'{"framework": {"version": ' + b"7" * 5000 + b"}}", "a number in it is too long"),
    ],
    ids=["utf-16", "latin-1", "long-number"],
)
def test_a_value_file_python_cannot_read_says_what_to_do(empty_ws, tmp_path, data, said):
    before = dump(empty_ws)
    path = tmp_path / "values.json"
    path.write_bytes(data)
    with pytest.raises(valuefile.ValueFileError) as caught:
        valuefile.load_file(empty_ws, path)
    assert said in str(caught.value) and "values.json was not loaded" in str(caught.value)
    assert "codec" not in str(caught.value) and "sys.set_int" not in str(caught.value)
    assert dump(empty_ws) == before
