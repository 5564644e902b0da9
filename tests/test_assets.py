"""The locality asset register: records, area search, bid venues, export."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from consortium import assets
from consortium.bids import records as bids
from consortium.matching import proposals

TODAY = dt.date(2026, 11, 23)


def hall(**kw) -> assets.Asset:
    base = dict(
        name="Canal Walk Community Hall",
        kind="building",
        council="E09000007",
        postcode="nw1 0ab",
        owner="Canalside Homes",
        availability="Weekdays 9 to 5",
        capacity=80,
        for_ownership=True,
    )
    base.update(kw)
    return assets.Asset(**base)


def test_save_search_by_area_and_export(empty_ws, tmp_path):
    a = assets.save(empty_ws, hall())
    assets.save(
        empty_ws,
        hall(
            name="Ancoats Allotment", kind="land", council="E08000003", postcode="", capacity=None
        ),
    )
    assets.save(empty_ws, hall(name="=cmd|' /C calc'!A0", council="E09000019"))
    assert [x.name for x in assets.in_area(empty_ws.db, "E09000007")] == [
        "Canal Walk Community Hall"
    ]
    assert {x.name for x in assets.in_area(empty_ws.db, "TLI")} == {
        "Canal Walk Community Hall",
        "=cmd|' /C calc'!A0",
    }
    stored = assets.list_all(empty_ws.db)
    assert next(x for x in stored if x.id == a).postcode == "NW1 0AB"
    out = assets.export_xlsx(empty_ws, tmp_path / "assets.xlsx")
    sheet = openpyxl.load_workbook(out)["Assets"]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert ["Ancoats Allotment", "land", "Manchester"] in [row[:3] for row in values]
    assert all(
        not str(v).startswith(("=", "+", "-", "@")) for row in values for v in row if v is not None
    )
    assert any(str(v).startswith("'=cmd") for row in values for v in row)


def test_bad_asset_is_refused_with_reasons(empty_ws):
    with pytest.raises(assets.AssetError, match="not a UK postcode"):
        assets.save(empty_ws, hall(postcode="NOPE"))
    with pytest.raises(assets.AssetError, match="not a council code"):
        assets.save(empty_ws, hall(council="X123"))
    assert assets.list_all(empty_ws.db) == []


def test_venue_on_a_bid_travels_in_the_pack_data(demo_ws):
    result = proposals.propose_for(demo_ws, "ocds-h6vhtk-05a7b0", today=TODAY)
    c = proposals.save_as_consortium(demo_ws, result, 0, "MK bid")
    bid = bids.create_for_consortium(demo_ws, c.id)
    asset_id = assets.save(
        demo_ws, hall(name="Fishermead Centre", council="E06000042", postcode="MK6 2LP")
    )
    assets.attach(demo_ws, bid.id, asset_id, "Weekly drop-in")
    from consortium.packs.bid_data import bid_data

    venues = bid_data(demo_ws, bid.id)["venues"]
    assert venues == [
        {
            "name": "Fishermead Centre",
            "kind": "building",
            "council": "Milton Keynes",
            "address": "",
            "postcode": "MK6 2LP",
            "owner": "Canalside Homes",
            "availability": "Weekdays 9 to 5",
            "capacity": 80,
            "note": "Weekly drop-in",
        }
    ]
    with pytest.raises(assets.AssetError, match="venue in MK bid bid"):
        assets.delete(demo_ws, asset_id)


def test_community_ownership_shows_in_the_annual_report(demo_ws, tmp_path):
    import docx

    from consortium.socialvalue import report

    a = hall(transferred_on=dt.date(2027, 3, 1))
    with pytest.raises(assets.AssetError, match="community organisation"):
        assets.save(demo_ws, a)
    a.transferred_to = "Canal Walk Community Trust"
    assets.save(demo_ws, a)
    assert [x.name for x in assets.transferred_in(demo_ws.db, 2027)] == [
        "Canal Walk Community Hall"
    ]
    assert assets.transferred_in(demo_ws.db, 2026) == []
    paths = report.write_report(demo_ws.db, 2027, tmp_path, today=TODAY)
    document = docx.Document(paths[0])
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    assert (
        "Community ownership enabled" in cells
        and "1 asset passed to community organisations" in cells
    )
    assert "Canal Walk Community Hall passed to Canal Walk Community Trust on 1 Mar 2027" in text
