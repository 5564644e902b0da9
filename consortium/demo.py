"""The demo workspace: fictional partners in real places, and real tenders (OGL v3.0)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from importlib import resources
from pathlib import Path

from consortium import places
from consortium.partners import store
from consortium.progress import IsCancelled, Progress, never_cancelled, no_progress
from consortium.records import Contact, Credential, Organisation, PastContract
from consortium.workspace import Workspace, WorkspaceError, leftover_journals, writes


def demo_partners(today: dt.date) -> list[Organisation]:
    """The demo partners, with credential dates set relative to ``today``."""
    raw = json.loads(
        resources.files("consortium").joinpath("data/demo/partners.json").read_text("utf-8")
    )
    orgs = []
    for p in raw["partners"]:
        areas = []
        for name in p.get("areas", []):
            council = places.find_council(name)
            if council is None:
                raise ValueError(f"Demo data names an unknown council: {name}")
            areas.append(council.gss)
        orgs.append(
            Organisation(
                name=p["name"],
                legal_form=p["legal_form"],
                charity_number=p.get("charity_number", ""),
                company_number=p.get("company_number", ""),
                address=p.get("address", ""),
                postcode=p.get("postcode", ""),
                website=p.get("website", ""),
                services=p.get("services", ""),
                cpv_codes=list(p.get("cpv", [])),
                areas=areas,
                beneficiaries=list(p.get("beneficiaries", [])),
                turnover={int(y): a for y, a in p.get("turnover", {}).items()},
                staff=p.get("staff"),
                volunteers=p.get("volunteers"),
                contacts=[Contact(**c) for c in p.get("contacts", [])],
                credentials=[
                    Credential(
                        kind=c["kind"],
                        type=c["type"],
                        reference=c.get("reference", ""),
                        cover=c.get("cover"),
                        expires=today + dt.timedelta(days=c["days"]) if "days" in c else None,
                    )
                    for c in p.get("credentials", [])
                ],
                past_contracts=[PastContract(**c) for c in p.get("past_contracts", [])],
                notes=p.get("notes", ""),
                is_ours=bool(p.get("is_ours")),
            )
        )
    return orgs


def create_demo(
    path: str | Path,
    today: dt.date | None = None,
    *,
    progress: Progress = no_progress,
    cancelled: IsCancelled = never_cancelled,
) -> Workspace:
    """A new workspace filled with the demo partners (and demo tenders when available)."""
    today = today or dt.date.today()
    final = Path(path).expanduser().resolve()
    if final.exists():
        raise WorkspaceError(f"{final} already exists; choose another name or open it.")
    # The app makes the demo by itself on a first start: an old demo's journal is set aside
    # (kept, renamed) rather than refused, or the app could not start at all.
    for left in leftover_journals(final):
        left.replace(left.with_name(left.name + ".old"))
    # Built under a temporary name and renamed when complete, so a failed or cancelled build
    # never leaves a half-filled demo that would be opened next time.
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = final.with_name(f".{final.stem}-building{final.suffix}")
    _remove(partial)
    ws = Workspace.open(partial, create=True, backup=False)
    try:
        fill_demo(ws, today, progress=progress, cancelled=cancelled)
    except BaseException:
        ws.close()
        _remove(partial)
        raise
    ws.close()
    partial.replace(final)
    _remove(partial)  # the attachments folder made for the temporary name
    return Workspace.open(final)


def _remove(db: Path) -> None:
    for leftover in (db, *_sidecars(db)):
        leftover.unlink(missing_ok=True)
    for folder in (db.with_name(db.stem + "-attachments"), db.with_name(db.stem + "-backups")):
        shutil.rmtree(folder, ignore_errors=True)


def _sidecars(db: Path) -> list[Path]:
    return [
        db.with_name(db.name + "-wal"),
        db.with_name(db.name + "-shm"),
    ]


@writes
def fill_demo(
    ws: Workspace,
    today: dt.date,
    *,
    progress: Progress = no_progress,
    cancelled: IsCancelled = never_cancelled,
) -> None:
    with ws.atomic():
        for org in demo_partners(today):
            store.save(ws, org)
        ws.db["settings"].upsert({"key": "demo", "value": today.isoformat()}, pk="key")
    from consortium.socialvalue.demo import add_demo_social_value
    from consortium.tenders.importer import import_demo_tenders

    import_demo_tenders(ws, today)
    bid_id = add_demo_social_value(ws, today)
    if bid_id is not None:
        from consortium.bids.demo import add_demo_answers

        add_demo_answers(ws, bid_id, today)
    from consortium.library.demo import add_demo_library

    add_demo_library(ws, today)
