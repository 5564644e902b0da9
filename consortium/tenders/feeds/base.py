"""What every tender feed is: one small interface, so a new source is one module.

A feed knows its public base URL, how to ask for what changed since a moment (the first page's
path and query) and where the next page is. Everything else (the polite HTTP client, storing
each page through the importer with its position, resuming) is shared in :mod:`.fetch`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from consortium.tenders.cf_csv import london_offset


@dataclass(frozen=True)
class Feed:
    """One OCDS release-package API that pages with ``links.next``."""

    key: str  # "fts", "cf": what --source takes and what the workspace stores
    label: str  # what the user reads: "Find a Tender"
    base_url: str  # the public service; --url points the feed at another (tests, mirrors)
    path: str  # the search endpoint under the base URL
    since_param: str  # the query parameter taking "changed since" in UK local time
    limit: int = 100  # the largest page both services allow

    def first_url(self, base_url: str, since: dt.datetime) -> str:
        """The URL of the first page of everything changed since ``since`` (UTC)."""
        base = base_url.rstrip("/")
        return f"{base}/{self.path}?{self.since_param}={london_time(since)}&limit={self.limit}"

    def next_url(self, package: dict) -> str | None:
        """The next page's URL, or None on the last page (Find a Tender's has no ``links``)."""
        links = package.get("links")
        if not isinstance(links, dict):
            return None
        nxt = links.get("next")
        return nxt if isinstance(nxt, str) and nxt.strip() else None


def london_time(moment: dt.datetime) -> str:
    """``moment`` as UK civil time without an offset: both services read their date parameters
    as Europe/London local time and ignore a trailing ``Z`` (tender-data.md §1)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    local = moment + london_offset(moment)
    return local.strftime("%Y-%m-%dT%H:%M:%S")
