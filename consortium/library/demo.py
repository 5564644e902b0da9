"""A few answer library entries for the demo workspace, so suggestions show on first run.

The wording is our own, owned by the fictional demo partners; one entry is past its review
date and one was never reviewed, so the stale flag can be seen (``data/demo/library.json``).
"""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources

from consortium.changes import LIBRARY
from consortium.library import store
from consortium.workspace import Workspace, writes


def demo_entries(today: dt.date) -> list[store.Entry]:
    raw = json.loads(
        resources.files("consortium").joinpath("data/demo/library.json").read_text("utf-8")
    )

    def day(offset):
        return today + dt.timedelta(days=offset) if offset is not None else None

    return [
        store.Entry(
            title=e["title"],
            body=e["body"],
            kind=e["kind"],
            owner=e["owner"],
            tags=list(e["tags"]),
            theme=e.get("theme", ""),
            last_reviewed=day(e.get("reviewed_days")),
            review_due=day(e.get("review_due_days")),
        )
        for e in raw["entries"]
    ]


@writes
def add_demo_library(ws: Workspace, today: dt.date) -> int:
    """Add the demo entries (once); how many were added."""
    if ws.db.execute("SELECT count(*) FROM library_entries").fetchone()[0]:
        return 0
    entries = demo_entries(today)
    with ws.atomic(LIBRARY):
        for e in entries:
            store.save(ws, e)
    return len(entries)
