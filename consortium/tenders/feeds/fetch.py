"""Fetch what is new from the tender feeds, one page per transaction, resumably.

    report = fetch(ws, ["fts"], progress=bar, cancelled=pressed_cancel)
    print(report.message)       # "Find a Tender: 3 pages, 240 notices, 31 new tenders"

Each page is checked (JSON, a release package) and then imported through the same importer as
a file, in one transaction with the feed's new position: an interrupted fetch (a dropped
connection, the lid closed, Cancel) keeps every page stored and the next fetch asks for the
page after. A page fetched twice is a no-op, because the importer keeps each release once.

Where a feed starts: an unfinished run resumes from its saved next page; otherwise a new run
asks for everything changed since the last finished run started (less a small overlap, so a
notice updated while that run was paging is not missed); the first ever run goes back
``DEFAULT_DAYS``. ``since`` starts a new run from that moment whatever was saved.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

from consortium.changes import FEEDS as FEED_STATE
from consortium.formatting import plural
from consortium.progress import Cancelled, IsCancelled, Progress, never_cancelled, no_progress
from consortium.tenders import merge, ocds_reader
from consortium.tenders.feeds import FEEDS, feed
from consortium.tenders.feeds.base import Feed
from consortium.tenders.feeds.client import Client, FeedFailed, FeedOffline
from consortium.tenders.importer import import_sources
from consortium.workspace import Workspace, writes

DEFAULT_DAYS = 90
OVERLAP = dt.timedelta(minutes=10)
STATUSES = ("complete", "cancelled", "offline", "failed")


@dataclass
class FeedResult:
    """What fetching one feed did. Its ``asdict`` is part of ``tenders fetch --json``."""

    source: str
    label: str
    base_url: str
    status: str = "complete"  # one of STATUSES
    message: str = ""
    asked_since: str | None = None  # UTC: the "changed since" of the run fetched
    resumed: bool = False  # carried on an unfinished run from its saved next page
    pages: int = 0  # pages stored in this fetch
    releases_read: int = 0
    releases_new: int = 0
    duplicates_skipped: int = 0
    tenders_new: int = 0
    tenders_updated: int = 0
    requests: int = 0
    retries: int = 0
    more_to_fetch: bool = False  # the run stopped before its last page
    import_seconds: float = 0.0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


@dataclass
class FetchReport:
    """What ``fetch`` did. ``to_dict()`` is what ``consortium tenders fetch --json`` prints."""

    status: str = "complete"  # the worst of the feeds': offline, failed, cancelled, complete
    message: str = ""
    started_at: str = ""
    feeds: list[FeedResult] = field(default_factory=list)
    new_ocids: list[str] = field(default_factory=list)  # tenders first seen in this fetch
    last_updated: str | None = None  # UTC: the latest page stored from any feed, ever

    @property
    def pages(self) -> int:
        return sum(f.pages for f in self.feeds)

    @property
    def tenders_new(self) -> int:
        return sum(f.tenders_new for f in self.feeds)

    def to_dict(self) -> dict:
        return {
            "status": self.status,
            "message": self.message,
            "started_at": self.started_at,
            "pages": self.pages,
            "releases_new": sum(f.releases_new for f in self.feeds),
            "tenders_new": self.tenders_new,
            "tenders_updated": sum(f.tenders_updated for f in self.feeds),
            "new_ocids": self.new_ocids,
            "last_updated": self.last_updated,
            "feeds": [asdict(f) for f in self.feeds],
        }


# --------------------------------------------------------------------------- positions
def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def position(ws: Workspace, source: str, base_url: str) -> dict | None:
    cur = ws.conn.execute(
        "SELECT * FROM feed_positions WHERE source = ? AND base_url = ?", [source, base_url]
    )
    row = cur.fetchone()
    return dict(zip([c[0] for c in cur.description], row, strict=True)) if row else None


@writes
def _save(ws: Workspace, pos: dict) -> None:
    ws.db["feed_positions"].upsert(pos, pk=("source", "base_url"))


def last_updated(ws: Workspace) -> dt.datetime | None:
    """When a page was last stored from any feed (None: never fetched)."""
    row = ws.conn.execute("SELECT max(last_page_at) FROM feed_positions").fetchone()
    return merge.parse_utc(row[0]) if row and row[0] else None


def ago(moment: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """'3 days ago', 'just now', 'never'."""
    if moment is None:
        return "never"
    now = now or dt.datetime.now(dt.UTC)
    seconds = max(0, (now - moment).total_seconds())
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def offline_line(ws: Workspace, now: dt.datetime | None = None) -> str:
    when = last_updated(ws)
    last = "never updated from the internet" if when is None else f"last updated {ago(when, now)}"
    return f"offline — showing what you already have, {last}"


# ------------------------------------------------------------------------------ fetching
def _same_service(url: str, base_url: str) -> bool:
    a, b = urlsplit(url), urlsplit(base_url)
    return (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port)


def _fetch_one(
    ws: Workspace,
    f: Feed,
    base_url: str,
    client: Client,
    *,
    since: dt.datetime | None,
    now: dt.datetime,
    result: FeedResult,
    progress: Progress,
    cancelled: IsCancelled,
    new_ids: list[tuple[int, int]],
) -> None:
    """Fetch one feed, page by page, each page stored with its position; ``new_ids`` gains the
    row ids of the tenders each page brought."""
    pos = position(ws, f.key, base_url) or {
        "source": f.key,
        "base_url": base_url,
        "pages": 0,
    }
    if since is None and pos.get("next_url"):
        url = pos["next_url"]
        result.resumed = True
        result.asked_since = pos.get("run_since")
    else:
        start = since or (merge.parse_utc(pos["updated_from"]) if pos.get("updated_from") else None)
        start = start or now - dt.timedelta(days=DEFAULT_DAYS)
        url = f.first_url(base_url, start)
        result.asked_since = _stamp(start)
        pos.update(run_since=result.asked_since, run_started_at=_stamp(now), next_url=None)
    started = time.perf_counter()
    while True:
        progress(
            result.pages,
            0,
            f"{f.label}: page {result.pages + 1} "
            f"({result.releases_read:,} notices, {result.tenders_new:,} new so far)",
        )
        package, body = client.get_page(url, label=f.label, cancelled=cancelled)
        nxt = f.next_url(package)
        if nxt is not None and not _same_service(nxt, base_url):
            raise FeedFailed(
                f"{f.label} pointed the next page at another site ({urlsplit(nxt).hostname}); "
                "it was not followed. Everything fetched so far is kept."
            )
        name = f"{f.label} page {pos['pages'] + 1} ({url})"
        source = ocds_reader.Source(name, "json", len(body), lambda b=body: io.BytesIO(b))
        newest = max(
            (
                d
                for d in (
                    merge.utc_iso(r.get("date")) for r in package["releases"] if isinstance(r, dict)
                )
                if d
            ),
            default=None,
        )
        del package
        n = result.pages + 1
        # The page and the position: both or neither. In the window the download runs beside
        # the user's own tasks; a page that arrives while one writes (an import, making the
        # file smaller) waits for it, saying so, rather than fail as "busy" after 5 s.
        with ws.transaction(
            FEED_STATE,
            wait_turn=cancelled,
            waiting=lambda: progress(
                result.pages,
                0,
                f"{f.label}: page {n} is in; it is stored once the task in hand is done…",  # noqa: B023 (called at once)
            ),
        ):
            t0 = time.perf_counter()  # storing, not waiting its turn
            report = import_sources(ws, [source], today=now, cancelled=cancelled)
            stamp = _stamp(dt.datetime.now(dt.UTC))
            pos.update(
                next_url=nxt,
                pages=(pos.get("pages") or 0) + 1,
                last_page_at=stamp,
                newest_release=max(filter(None, [pos.get("newest_release"), newest]), default=None),
            )
            if nxt is None:
                run_started = merge.parse_utc(pos.get("run_started_at")) or now
                pos.update(
                    updated_from=_stamp(run_started - OVERLAP),
                    last_complete_at=stamp,
                    run_since=None,
                    run_started_at=None,
                )
            _save(ws, pos)
        result.import_seconds += time.perf_counter() - t0
        new_ids.append(report.new_ids)
        result.pages += 1
        result.releases_read += report.releases_read
        result.releases_new += report.releases_new
        result.duplicates_skipped += report.duplicates_skipped
        result.tenders_new += report.tenders_new
        result.tenders_updated += report.tenders_updated
        result.seconds = time.perf_counter() - started
        if nxt is None:
            return
        url = nxt


def fetch(
    ws: Workspace,
    sources: list[str] | None = None,
    *,
    since: dt.datetime | dt.date | None = None,
    base_url: str | None = None,
    client: Client | None = None,
    now: dt.datetime | None = None,
    progress: Progress = no_progress,
    cancelled: IsCancelled = never_cancelled,
) -> FetchReport:
    """Fetch each feed in ``sources`` (default: all) and import what is new.

    Never raises for the network: offline, a failing service and Cancel are a status and a
    message in the report, and every page stored before stays stored.
    """
    keys = list(sources or FEEDS)
    feeds = [feed(k) for k in keys]
    if isinstance(since, dt.date) and not isinstance(since, dt.datetime):
        since = dt.datetime.combine(since, dt.time(), dt.UTC)
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    report = FetchReport(started_at=_stamp(dt.datetime.now(dt.UTC)))
    new_ids: list[tuple[int, int]] = []  # each stored page's new tenders, by row id
    own = client is None
    client = client or Client()
    try:
        for f in feeds:
            base = (base_url or f.base_url).rstrip("/")
            result = FeedResult(f.key, f.label, base)
            report.feeds.append(result)
            before = client.counters.requests, client.counters.retries
            problems = len(client.counters.problems)
            try:
                _fetch_one(
                    ws,
                    f,
                    base,
                    client,
                    since=since,
                    now=now,
                    result=result,
                    progress=progress,
                    cancelled=cancelled,
                    new_ids=new_ids,
                )
            except Cancelled:
                result.status = "cancelled"
            except FeedOffline:
                result.status = "offline"
            except FeedFailed as exc:
                result.status = "failed"
                result.message = str(exc)
            except ocds_reader.TenderFileError as exc:
                # The page passed the JSON checks but the importer refused it: say which.
                result.status = "failed"
                result.message = f"{f.label}: a page could not be imported. {exc}"
            finally:
                result.requests = client.counters.requests - before[0]
                result.retries = client.counters.retries - before[1]
                result.problems = client.counters.problems[problems:][:20]
            pos = position(ws, f.key, base)
            result.more_to_fetch = bool(pos and pos.get("next_url"))
            if result.status == "complete":
                result.message = _summary(result)
            elif result.status == "cancelled":
                result.message = f"{f.label}: stopped. {plural(result.pages, 'page')} kept; the next fetch carries on."
            if result.status in ("cancelled", "offline"):
                break  # no point asking the next feed
    finally:
        if own:
            client.close()
    # The tenders the pages brought, by the row ids their imports gave them: not every tender
    # first seen since the fetch began, which would count a file imported by hand meanwhile
    # (in the window the download runs beside the user's own tasks).
    report.new_ocids = [
        r[0]
        for first, end in sorted(new_ids)
        if first < end
        for r in ws.conn.execute(
            "SELECT ocid FROM tenders WHERE id >= ? AND id < ? ORDER BY id", [first, end]
        )
    ]
    when = last_updated(ws)
    report.last_updated = _stamp(when) if when else None
    statuses = [r.status for r in report.feeds]
    for worst in ("offline", "failed", "cancelled"):
        if worst in statuses:
            report.status = worst
            break
    if report.status == "offline":
        report.message = offline_line(ws)
        for r in report.feeds:
            if r.status == "offline":
                r.message = report.message
    else:
        report.message = " ".join(r.message for r in report.feeds if r.message)
    return report


def _summary(r: FeedResult) -> str:
    return (
        f"{r.label}: {plural(r.pages, 'page')}, {plural(r.releases_read, 'notice')}, "
        f"{plural(r.tenders_new, 'new tender')}, {r.tenders_updated:,} updated."
    )


# ------------------------------------------------------------------------------ settings
AUTO_SETTING = "feeds_check_on_start"


def check_on_start(ws: Workspace) -> bool:
    """Whether the window gets new tenders by itself when it opens (off until chosen)."""
    row = ws.conn.execute("SELECT value FROM settings WHERE key = ?", [AUTO_SETTING]).fetchone()
    return bool(row and row[0] == "1")


@writes
def set_check_on_start(ws: Workspace, on: bool) -> None:
    with ws.atomic(FEED_STATE):
        ws.db["settings"].upsert({"key": AUTO_SETTING, "value": "1" if on else "0"}, pk="key")


def updated_line(ws: Workspace, now: dt.datetime | None = None) -> str:
    """What the window shows beside "Get new tenders": when the tenders were last updated."""
    when = last_updated(ws)
    if when is None:
        return "Not yet updated from Find a Tender or Contracts Finder"
    return f"Tenders last updated {ago(when, now)}"
