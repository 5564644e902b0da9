"""The locality asset register: community buildings, rooms and land in a council area, with
their owner, availability and whether they suit community ownership or delivering services.
Consortia attach assets to a bid as delivery venues.

    save(ws, Asset(name="Canal Walk Community Hall", kind="building", council="E09000007"))
    in_area(ws.db, "E09000007")           # assets in Camden (or in a region, e.g. "TLI")
    attach(ws, bid_id, asset_id, "Weekly drop-in")
    export_xlsx(ws, "assets.xlsx")
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from consortium import places, sheets, validation
from consortium.changes import ASSETS, BIDS
from consortium.errors import ConsortiumError
from consortium.files import atomic_save
from consortium.text import listed
from consortium.workspace import Workspace, writes

KINDS = ("building", "room", "land", "other")


class AssetError(ConsortiumError):
    pass


@dataclass
class Asset:
    name: str
    kind: str = "building"
    council: str = ""  # GSS code
    address: str = ""
    postcode: str = ""
    owner: str = ""
    availability: str = ""  # e.g. "Weekdays 9–5; evenings by arrangement"
    capacity: int | None = None  # people
    for_ownership: bool = False  # suitable for community ownership (asset transfer)
    for_delivery: bool = True  # suitable for delivering services from
    notes: str = ""
    transferred_to: str = ""  # the community organisation that now owns it
    transferred_on: dt.date | None = None  # when community ownership began
    id: int | None = None


def check(asset: Asset) -> dict[str, str]:
    problems = {}
    if not asset.name.strip():
        problems["name"] = "Every asset needs a name"
    else:
        try:
            validation.one_line(asset.name, "The asset's name")
        except ValueError as exc:
            problems["name"] = str(exc)
    if asset.kind not in KINDS:
        problems["kind"] = f"Choose one of: {', '.join(KINDS)}"
    if asset.council and places.council(asset.council) is None:
        problems["council"] = (
            f"'{asset.council}' is not a council code; pick the council from the list"
        )
    if asset.postcode:
        try:
            validation.postcode(asset.postcode)
        except ValueError as exc:
            problems["postcode"] = str(exc)
    if asset.transferred_on and not asset.transferred_to.strip():
        problems["transferred_to"] = "Say which community organisation the asset passed to"
    if asset.capacity is not None and asset.capacity < 0:
        problems["capacity"] = "Capacity is a number of people, 0 or more"
    return problems


@writes
def save(ws: Workspace, asset: Asset) -> int:
    problems = check(asset)
    if problems:
        raise AssetError(
            f"'{asset.name or 'The asset'}' cannot be saved: " + "; ".join(problems.values())
        )
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    row = {
        "name": asset.name.strip(),
        "kind": asset.kind,
        "council": asset.council or None,
        "address": asset.address or None,
        "postcode": validation.postcode(asset.postcode) if asset.postcode else None,
        "owner": asset.owner or None,
        "availability": asset.availability or None,
        "capacity": asset.capacity,
        "for_ownership": int(asset.for_ownership),
        "for_delivery": int(asset.for_delivery),
        "notes": asset.notes or None,
        "transferred_to": asset.transferred_to or None,
        "transferred_on": asset.transferred_on.isoformat() if asset.transferred_on else None,
        "updated_at": now,
    }
    with ws.atomic(ASSETS):
        if (
            asset.id is not None
            and ws.db.execute("SELECT 1 FROM assets WHERE id = ?", [asset.id]).fetchone()
        ):
            ws.db["assets"].update(asset.id, row)
            ws.audit("update", "asset", asset.id, f"Changed asset {asset.name}")
        else:
            row["created_at"] = now
            asset.id = ws.db["assets"].insert(row).last_pk
            ws.audit("create", "asset", asset.id, f"Added asset {asset.name}")
    return asset.id


def _from_row(r: dict) -> Asset:
    return Asset(
        id=r["id"],
        name=r["name"],
        kind=r["kind"],
        council=r["council"] or "",
        address=r["address"] or "",
        postcode=r["postcode"] or "",
        owner=r["owner"] or "",
        availability=r["availability"] or "",
        capacity=r["capacity"],
        for_ownership=bool(r["for_ownership"]),
        for_delivery=bool(r["for_delivery"]),
        notes=r["notes"] or "",
        transferred_to=r["transferred_to"] or "",
        transferred_on=dt.date.fromisoformat(r["transferred_on"]) if r["transferred_on"] else None,
    )


def list_all(db: Database) -> list[Asset]:
    return [_from_row(r) for r in db.query("SELECT * FROM assets ORDER BY name, id")]


def in_area(db: Database, area: str) -> list[Asset]:
    """Assets in a council, or in a region (a council inside it, or overlapping it)."""
    return [
        a
        for a in list_all(db)
        if a.council and (a.council == area or places.overlaps(area, a.council))
    ]


@writes
def delete(ws: Workspace, asset_id: int) -> None:
    with ws.atomic(ASSETS):
        used = [
            r[0]
            for r in ws.db.execute(
                "SELECT b.name FROM bid_venues v JOIN bids b ON b.id = v.bid_id WHERE v.asset_id = ?",
                [asset_id],
            )
        ]
        if used:
            raise AssetError(
                f"This asset is a venue in {listed(used)}; take it off those bids first."
            )
        ws.db.execute("DELETE FROM assets WHERE id = ?", [asset_id])
        ws.audit("delete", "asset", asset_id, "Deleted an asset")


@writes
def attach(ws: Workspace, bid_id: int, asset_id: int, note: str = "") -> None:
    """Use an asset as a delivery venue for a bid."""
    with ws.atomic(BIDS):
        if ws.db.execute("SELECT 1 FROM assets WHERE id = ?", [asset_id]).fetchone() is None:
            raise AssetError(f"There is no asset with id {asset_id}.")
        ws.db.execute(
            "INSERT INTO bid_venues (bid_id, asset_id, note) VALUES (?, ?, ?) "
            "ON CONFLICT(bid_id, asset_id) DO UPDATE SET note = excluded.note",
            [bid_id, asset_id, note or None],
        )
        ws.audit("update", "bid", bid_id, f"Added venue asset {asset_id}")


def venues(db: Database, bid_id: int) -> list[dict]:
    rows = db.query(
        "SELECT a.*, v.note AS venue_note FROM bid_venues v JOIN assets a ON a.id = v.asset_id WHERE v.bid_id = ? ORDER BY a.name",
        [bid_id],
    )
    out = []
    for r in rows:
        asset = _from_row(r)
        out.append(
            {
                "name": asset.name,
                "kind": asset.kind,
                "council": places.area_name(asset.council) if asset.council else "",
                "address": asset.address,
                "postcode": asset.postcode,
                "owner": asset.owner,
                "availability": asset.availability,
                "capacity": asset.capacity,
                "note": r["venue_note"] or "",
            }
        )
    return out


def export_xlsx(ws: Workspace, path: str | Path, area: str | None = None) -> Path:
    """The register as a workbook (optionally only one council or region)."""
    path = Path(path).expanduser()
    assets = in_area(ws.db, area) if area else list_all(ws.db)
    import openpyxl  # loaded when an export is asked for, not at start-up
    from openpyxl.styles import Font, PatternFill

    from consortium import xlsx_layout

    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "Assets"
    headers = [
        "Name",
        "Kind",
        "Council",
        "Address",
        "Postcode",
        "Owner",
        "Availability",
        "Capacity (people)",
        "Community ownership",
        "Delivery use",
        "Notes",
    ]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E79")
    for a in assets:
        sheets.append(
            sheet,
            [
                a.name,
                a.kind,
                places.area_name(a.council) if a.council else "",
                a.address,
                a.postcode,
                a.owner,
                a.availability,
                a.capacity,
                "Yes" if a.for_ownership else "No",
                "Yes" if a.for_delivery else "No",
                a.notes,
            ],
        )
    for column, width in zip(
        "ABCDEFGHIJK", (34, 10, 22, 36, 10, 26, 30, 10, 12, 10, 40), strict=True
    ):
        sheet.column_dimensions[column].width = width
    where = f" in {places.area_name(area)}" if area else ""
    xlsx_layout.print_setup(sheet, title=f"Community assets{where}", header_rows=(1, 1))
    return atomic_save(wb.save, path)


def transferred_in(db: Database, year: int) -> list[Asset]:
    """Assets that passed into community ownership during a year (for the HA's report)."""
    return [a for a in list_all(db) if a.transferred_on and a.transferred_on.year == year]
