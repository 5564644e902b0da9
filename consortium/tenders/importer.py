"""Import tender notices into a workspace: one transaction, progress, Cancel, a report.

    report = import_paths(ws, ["fts-page-1.json", "downloads/", "notices.csv"],
                          progress=bar, cancelled=lambda: pressed_cancel)
    print(report.summary())

How it stays idempotent: every release is stored once under (ocid, release id), so a release
seen before is skipped. A process met for the first time is compiled from the releases of it in
the batch in hand; one with releases stored earlier (in this import or before) is compiled again
at the end from all of them, with OCDS merge rules.

What it stores: each release's JSON, compressed on the writer thread (zstandard, with a
dictionaries learnt as the workspace grows, :mod:`.learning`); each tender as extracted (so opening
it never compiles its releases again); the search index; and the words of the new and changed
tenders for the matching model (:mod:`consortium.matching.text_store`), never rebuilt.

How it stays fast (see ``bench/scale.py`` and ``bench/tenders.py`` for the measured figures):

- each release is turned into JSON text and a tender as soon as it is parsed, and the parsed
  notice dropped, so the CPU caches keep what they work on;
- SQLite stores and indexes each batch on the workspace's writer thread (:mod:`.writer`) while
  this one parses the next;
- Python's cycle collector is paused, and its thread switch interval shortened, for the import.

How it stays safe: files are read through :mod:`.json_guard` (numbers and nesting bounded
before ijson sees them, about 5% of the import's CPU), a notice whose data has an odd shape
loses that part with an ``unreadable`` defect (:func:`~.extract.extract_safely`), and text
SQLite cannot store becomes U+FFFD: one odd notice never stops the import.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import re
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from consortium import busy, memory
from consortium.changes import TENDERS
from consortium.matching import text_store
from consortium.progress import IsCancelled, Progress, check, never_cancelled, no_progress
from consortium.tenders import cf_csv, learning, merge, ocds_reader, packing, store
from consortium.tenders.extract import CF_CSV_PREFIX, extract_safely
from consortium.tenders.json_guard import marks_in
from consortium.tenders.records import ImportReport, Tender, as_utc
from consortium.tenders.writer import BulkWriter, variable_limit
from consortium.workspace import Workspace

BATCH = 500
BULK_AT_LEAST = 5_000  # notices: fewer, and the indexes are kept up as they come
RELEASE_BYTES = 5_000  # about what a notice takes in a file, to guess how many are coming
_SURROGATE = re.compile("[\ud800-\udfff]")
RECOMPILE_CHUNK = 200
DEMO_FILE = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "demo"
    / "fts-selected-civil-society-releases.json"
)
DEMO_SETTING = "demo_dates_moved"


@dataclass(slots=True)
class _Pending:
    """A release waiting for the next flush: what storing it takes, worked out as it arrives
    (``text`` and ``tender``), or later from the parsed notice kept in ``release``."""

    ocid: str
    rid: str
    date: str | None
    tags: list[str]
    text: str | None = None  # the release as JSON
    odd: bool = False  # it held a number beyond a double
    tender: Tender | None = None  # the tender, were this release its process's only one
    release: dict | None = None


class _Run:
    """One import: batches releases, writes them, and recompiles multi-release processes.

    The writes go through a :class:`~consortium.tenders.writer.BulkWriter`, so SQLite stores and
    indexes one batch on the writer thread while this thread parses the next; this thread drains
    the writer before it reads the workspace (through ``ws.write``), and compiling and the
    finish run on the writer thread as a whole.
    """

    def __init__(self, ws: Workspace, report: ImportReport, progress: Progress, cancelled):
        self.ws = ws
        # Used on the writer thread only: through the BulkWriter, or in ws.write(...) calls.
        self.conn = ws.writer_conn
        self.writer = BulkWriter(ws)
        self.report = report
        self.progress = progress
        self.cancelled = cancelled
        self.now = store.now_stamp()
        report.started_at = self.now
        self.batch: list[_Pending] = []
        # Work each release out as it arrives (while the writer stores the last batch), unless
        # the last batch was all notices seen before: a re-import then only parses and looks up.
        self.eager = True
        self.recompile: set[str] = set()
        self.limit, self.next_id = ws.write(self._start)
        self.first_id = self.next_id
        self.learners = {
            kind: ws.write(learning.Learner.of, self.conn, kind)
            for kind in (store.RELEASES, store.TENDERS, store.TEXTS)
        }
        self.done_bytes = 0
        self.total_bytes = 1
        self.counter: list = []
        self.refs: dict[str, str | None] = {}
        self.odd: set[str] = set()
        # The matching word model's changes, counted on the writer thread as tenders are
        # stored (and changed), and saved at the end: the model is never rebuilt.
        self.words = text_store.WordCounts()
        # Whether notices may hold Python floats: not those read from JSON files (ijson gives
        # Decimals), so their JSON text is written the quick way without a second look.
        self.floats = True
        self.started = time.perf_counter()
        self.dropped: list[str] | None = None  # indexes to build again at the end

    def _start(self) -> tuple[int, int]:
        return variable_limit(self.conn), store.next_id(self.ws.db)

    def _learn(self, kind: str, n: int, samples) -> int:
        """Offer the learner of ``kind`` a batch of ``n`` rows; the dictionary to pack it with."""

        def stored(k: int) -> list[bytes]:
            self.writer.drain()
            return self.ws.write(store.stored_samples, self.conn, kind, k)

        learner = self.learners[kind]
        learner.offer(n, samples, stored, lambda data: self._saved(kind, data))
        return learner.current

    def _saved(self, kind: str, data: bytes) -> int:
        self.writer.drain()
        return self.ws.write(store.save_dictionary, self.conn, kind, data)

    # -------------------------------------------------------------- intake
    def add(self, release) -> None:
        self.report.releases_read += 1
        release = self._normalise(release)
        if release is None:
            return
        item = _Pending(
            release["ocid"],
            release["id"],
            merge.utc_iso(release.get("date")),
            store.tags_of(release),
            release=release,
        )
        if self.eager:
            # Done now, the parsed notice can go at once: holding a batch of them made parsing
            # and JSON writing a third slower (the CPU caches no longer held what they worked on).
            if not self._text_of(item):
                return
            item.tender = self._single(item)
            item.release = None
        self.batch.append(item)
        if len(self.batch) >= BATCH:
            self.flush()

    def _text_of(self, item: _Pending) -> bool:
        """Set the notice's JSON text; False (and a warning) if it cannot be stored.

        Text SQLite cannot store (a lone surrogate, from a ``\\ud800`` escape) becomes U+FFFD
        in the notice, which then shows a ``bad_text`` defect, rather than failing the import.
        (Files are read through :mod:`.json_guard`, so only notices handed over in memory can
        be nested too deep for JSON.)
        """
        try:
            text, item.odd = merge.dumps_flagged(item.release, floats=self.floats)
        except RecursionError:
            self.report.warnings.append(
                f"Notice {item.rid} of {item.ocid} is nested too deep to store and was skipped."
            )
            return False
        if not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                text = _SURROGATE.sub("\ufffd", text)
                item.release = json.loads(text)
        item.text = text
        return True

    def _single(self, item: _Pending) -> Tender:
        """The tender of a process known from this one release."""
        tender = extract_safely(
            merge.compile_single(item.release), [(item.rid, item.date, item.tags)]
        )
        if item.odd:
            tender.defects.append("odd_number")
        tender.defects += marks_in(item.text or "")
        return tender

    def _bytes(self) -> int:
        return self.done_bytes + sum(c.count for c in self.counter)

    def tick(self, text: str) -> None:
        check(self.cancelled)
        self.progress(min(self._bytes(), self.total_bytes), self.total_bytes, text)

    def _csv_ocid(self, release: dict) -> None:
        """Join a CSV row to the Contracts Finder OCDS process with the same reference."""
        ocid = release["ocid"]
        ref = ocid[len(CF_CSV_PREFIX) :]
        if ref not in self.refs:
            self.writer.drain()
            row = self.ws.write(
                lambda: self.conn.execute(
                    "SELECT ocid FROM tenders WHERE reference = ? AND source = 'cf' "
                    "AND ocid NOT LIKE 'cf-csv-%' LIMIT 1",
                    [ref],
                ).fetchone()
            )
            self.refs[ref] = row[0] if row else None
        if self.refs[ref]:
            release["ocid"] = self.refs[ref]

    def _normalise(self, release) -> dict | None:
        if not isinstance(release, dict):
            self.report.warnings.append("A notice that is not a JSON object was skipped.")
            return None
        ocid = release.get("ocid")
        if not isinstance(ocid, str) or not ocid.strip():
            self.report.warnings.append(
                f"Notice {release.get('id')!r} has no ocid (process identifier) and was skipped."
            )
            return None
        release["ocid"] = ocid = ocid.strip()
        if ocid.startswith(CF_CSV_PREFIX):
            self._csv_ocid(release)
        rid = release.get("id")
        if rid in (None, ""):
            text, _ = merge.dumps_flagged(release)
            release["id"] = "noid-" + hashlib.sha1(text.encode()).hexdigest()[:16]
        elif type(rid) is not str:
            release["id"] = str(rid)
        return release

    def flush(self) -> None:
        """Store the batch's new releases and their tenders; set aside processes to recompile.

        A process met for the first time is compiled here from the batch's releases of it.
        One with releases stored earlier (in this import or before) is compiled again at the
        end from all its stored releases.
        """
        batch, self.batch = self.batch, []
        if not batch:
            self.tick("Reading notices")
            return
        self.writer.drain()
        existing = self.ws.write(store.existing_releases, self.conn, [item.ocid for item in batch])
        seen: dict[tuple[str, str], _Pending] = {}
        by_ocid: dict[str, list[_Pending]] = {}
        for item in batch:
            key = (item.ocid, item.rid)
            stored = existing.get(item.ocid, {})
            if key in seen or item.rid in stored:
                self.report.duplicates_skipped += 1
                earlier = seen[key].date if key in seen else stored[item.rid]
                if item.date != earlier:  # another date: the publisher changed the notice
                    self._republished(item, seen.get(key), by_ocid, _later(item.date, earlier))
                    if key in seen and _later(item.date, earlier):
                        seen[key] = item
                    elif _later(item.date, earlier):
                        stored[item.rid] = item.date
                continue
            if item.text is None and not self._text_of(item):
                continue
            seen[key] = item
            by_ocid.setdefault(item.ocid, []).append(item)
        self.eager = bool(by_ocid)
        release_rows, tender_rows, children = [], [], []
        for ocid, items in by_ocid.items():
            for item in items:
                release_rows.append((ocid, item.rid, item.date, ",".join(item.tags), item.text))
            odd = any(item.odd for item in items)
            if ocid in existing or ocid in self.recompile:
                self.recompile.add(ocid)
                if odd:
                    self.odd.add(ocid)
                continue
            if len(items) == 1:
                item = items[0]
                tender = item.tender or self._single(item)
                digest = store.digest_of(item.text)
            else:
                releases = [
                    item.release if item.release is not None else json.loads(item.text)
                    for item in items
                ]
                tender, digest = self._compiled(releases, odd)
            self._new_tender(tender, digest, tender_rows, children)
        self.report.releases_new += len(release_rows)
        self.report.tenders_new += len(tender_rows)
        # Learn how the workspace's data is written once it holds enough of it (learning.py).
        dictionary = self._learn(
            store.RELEASES, len(release_rows), lambda: [r[4].encode("utf-8") for r in release_rows]
        )
        tender_dictionary = self._learn(
            store.TENDERS, len(children), lambda: [packing.tender_json(t) for _, t in children]
        )
        text_dictionary = self._learn(
            store.TEXTS, len(tender_rows), lambda: store.text_samples(tender_rows)
        )
        limit = self.limit

        def statements() -> list:
            # On the writer thread, which compresses the JSON while this thread parses on.
            out = store.release_statements(release_rows, limit, dictionary)
            out += store.tender_statements(
                tender_rows, children, limit, tender_dictionary, text_dictionary
            )
            self._count_words(tender_rows)
            return out

        self.writer.submit(statements)
        self.tick("Reading notices")

    def _count_words(self, rows: list[tuple]) -> None:
        """Count the words of new tenders (rows of store.tender_values) for the word model."""
        for row in rows:
            self.words.add(store.texts_of_row(row))

    def _republished(
        self, item: _Pending, earlier: _Pending | None, by_ocid: dict, later: bool
    ) -> None:
        """A release id published twice with different dates: the later-dated copy is kept
        (publishers correct a notice under its old id) and a defect listed; when ``item`` is
        the later one it replaces the earlier and its process is compiled again."""
        self.report.add_defect(
            item.ocid,
            item.rid,
            f"republished:notice {item.rid} was published twice with different content; "
            "the later copy was kept",
        )
        if not later or (item.text is None and not self._text_of(item)):
            return
        if earlier is not None:  # both in this batch: the later one takes the earlier's place
            items = by_ocid[item.ocid]
            items[items.index(earlier)] = item
            item.tender = None
            if item.release is None:
                item.release = json.loads(item.text)
            return
        self.writer.drain()
        self.ws.write(
            store.replace_release,
            self.conn,
            (item.ocid, item.rid, item.date, ",".join(item.tags), item.text),
        )
        self.recompile.add(item.ocid)

    # ------------------------------------------------------------ compiling
    def compile_pending(self) -> None:
        self.flush()
        self.writer.drain()
        self.ws.write(self._compile_pending)

    def _compile_pending(self) -> None:
        """Compile again the processes with releases stored earlier (on the writer thread)."""
        todo = sorted(self.recompile)
        done = 0
        for start in range(0, len(todo), RECOMPILE_CHUNK):
            chunk = todo[start : start + RECOMPILE_CHUNK]
            stored = store.load_releases_of(self.conn, chunk)
            rows = store.tender_rows(self.conn, chunk)
            new_rows: list[tuple] = []
            children: list[tuple[int, Tender]] = []
            for ocid in chunk:
                row = rows.get(ocid)
                odd = ocid in self.odd or (row is not None and "odd_number" in row[3])
                # Stored releases read back with json may hold an infinity an older import kept.
                tender, digest = self._compiled(stored.get(ocid, []), odd, floats=True)
                if row is None:
                    self._new_tender(tender, digest, new_rows, children)
                else:
                    self._update(tender, digest, row)
            self.report.tenders_new += len(new_rows)
            packed_with = self.learners[store.TENDERS].current
            words_with = self.learners[store.TEXTS].current
            store.run(
                self.conn,
                store.tender_statements(new_rows, children, self.limit, packed_with, words_with),
            )
            self._count_words(new_rows)
            done += len(chunk)
            check(self.cancelled)
            self.progress(done, len(todo), f"Compiling {len(todo):,} processes with updates")

    def _new_tender(self, tender: Tender, digest: str, rows: list, children: list) -> None:
        """Give a new tender the next row id and add it to the rows about to be inserted."""
        row_id = self.next_id
        self.next_id += 1
        rows.append(store.tender_values(tender, digest, row_id, self.now, self.now))
        children.append((row_id, tender))

    def _compiled(
        self, releases: list[dict], odd: bool, floats: bool | None = None
    ) -> tuple[Tender, str]:
        """The tender compiled from all the releases of one process, and its hash."""
        compiled, warning = merge.compile_releases(releases)
        tender = extract_safely(compiled, store.history(releases))
        if warning:
            tender.defects.append(f"type_error:{warning}")
            self.report.warnings.append(warning)
        if odd:
            tender.defects.append("odd_number")
        floats = self.floats if floats is None else floats
        text = merge.dumps_flagged(compiled, floats=floats)[0]
        tender.defects += marks_in(text)
        return tender, store.digest_of(text)

    def _update(self, tender: Tender, digest: str, row: tuple) -> None:
        """Update a stored tender, given as (id, hash, first seen, defects), if it changed."""
        row_id, old_hash, first_seen, _defects = row
        if old_hash == digest:
            if first_seen != self.now:
                self.report.tenders_unchanged += 1
            return
        values = store.tender_values(tender, digest, row_id, first_seen, self.now)
        # Its old words leave the model (stored before this import, or counted earlier in it).
        old = store.tender_texts(self.conn, row_id)
        if old is not None:
            self.words.remove(old)
        self.words.add(store.texts_of_row(values))
        store.update_tender(self.conn, values, old)
        store.delete_children(self.conn, row_id)
        store.run(self.conn, store.children_statements([(row_id, tender)], self.limit))
        store.replace_data(self.conn, row_id, tender)
        if first_seen != self.now:
            self.report.tenders_updated += 1

    # --------------------------------------------------------------- finish
    def grow(self, expected: int) -> None:
        """About ``expected`` notices are coming: if that at least doubles the workspace, its
        indexes are dropped now and built again at the end (see store.drop_indexes_for_bulk)."""
        if self.dropped is None and expected >= max(BULK_AT_LEAST, self.next_id - 1):
            self.writer.drain()
            self.dropped = self.ws.write(store.drop_indexes_for_bulk, self.conn)

    def _indexed(self) -> None:
        if self.dropped:
            check(self.cancelled)
            self.progress(0, 0, "Indexing the new tenders")
            self.ws.write(store.build_indexes, self.conn, self.dropped)
            check(self.cancelled)
        self.dropped = None

    def finish(self, today) -> None:
        self.flush()
        self.writer.drain()
        self._indexed()
        self.compile_pending()
        check(self.cancelled)
        self.progress(0, 0, "Saving the new tenders")
        self.ws.write(self._finish, today)

    def _finish(self, today) -> None:
        """Save the word model's changes, collect the report and record the import (writer
        thread). Cancel still counts here: nothing is kept until the commit that follows."""
        # The word model's changes, counted as the tenders were stored, are saved in the
        # import's transaction: a failed import leaves the model as it was; it is never rebuilt.
        self.words.save(self.conn)
        check(self.cancelled)
        report = self.report
        for ocid, notice_id, defects in store.defects_stamped(self.conn, self.now):
            for defect in defects:
                report.add_defect(ocid, notice_id, defect)
        report.open_now = store.open_stamped(self.conn, self.now, as_utc(today))
        warnings = list(dict.fromkeys(report.warnings))
        if len(warnings) > 1000:
            warnings = [*warnings[:1000], f"… and {len(warnings) - 1000:,} more warnings"]
        report.warnings = warnings
        check(self.cancelled)  # the last moment: the import's record, then the commit
        report.seconds = round(time.perf_counter() - self.started, 3)
        report.new_ids = (self.first_id, self.next_id)
        summary = report.summary()
        self.conn.execute(
            "INSERT INTO tender_imports (at, summary, report) VALUES (?, ?, ?)",
            [self.now, summary, json.dumps(report.to_dict(), ensure_ascii=False, default=str)],
        )
        self.ws.audit(
            "import",
            "tenders",
            None,
            summary,
            {
                "files": report.files[:50],
                "new": report.tenders_new,
                "updated": report.tenders_updated,
            },
        )


def _later(date: str | None, than: str | None) -> bool:
    """True if a release dated ``date`` is newer than one dated ``than`` (UTC ISO text)."""
    return date is not None and (than is None or date > than)


_SWITCH_LOCK = threading.Lock()
_bulk_depth = 0
_bulk_interval = 0.005


@contextlib.contextmanager
def _tuned_for_bulk() -> Iterator[None]:
    """Pause Python's cycle collector and shorten its thread switch interval for an import.

    Parsing makes millions of short-lived dicts and lists; each burst of them set the collector
    scanning every object in the process, which took a sixth of the import's time. Parsed
    notices hold no reference cycles, so reference counting frees them just the same.

    The writer thread needs Python's lock (the GIL) back each time SQLite finishes a statement;
    with the default 5 ms interval it waited on the parser so long that it fell behind (a 200,000
    release import took 53 s instead of 41 s).

    Both are process-wide, so the first import in sets them and the last one out restores them.
    """
    global _bulk_depth, _bulk_interval
    with _SWITCH_LOCK:
        if _bulk_depth == 0:
            _bulk_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(_bulk_interval, 0.001))
        _bulk_depth += 1
    try:
        with memory.collector_paused():
            yield
    finally:
        with _SWITCH_LOCK:
            _bulk_depth -= 1
            if _bulk_depth == 0:
                sys.setswitchinterval(_bulk_interval)


IMPORT_CACHE_KIB = 98304


@contextlib.contextmanager
def _cache_for_bulk(ws: Workspace) -> Iterator[None]:
    """A bigger page cache for the import's connection while it runs: with the usual 64 MB the
    indexes' pages left the cache between batches and were written to the -wal again and again
    (at 200,000 releases: 2.49x the final size written; 2.34x with 128 MB of cache, 2.28x with
    192 MB, at a peak of 225, 309 and 385 MB of memory: 96 MB keeps an import under 300 MB)."""
    conn = ws.writer_conn  # set on the writer thread, which runs every statement on it
    (before,) = ws.write(lambda: conn.execute("PRAGMA cache_size").fetchone())
    ws.write(conn.execute, f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        ws.write(conn.execute, f"PRAGMA cache_size = {before}")


def _run(
    ws: Workspace,
    feed,
    *,
    files: list[str],
    today,
    progress: Progress,
    cancelled: IsCancelled,
) -> ImportReport:
    report = ImportReport(files=files)
    # The note beside the workspace lets another window that wants to write say why it waits.
    with (
        _tuned_for_bulk(),
        ws.transaction(TENDERS),
        busy.activity(ws.path, "importing tenders"),
        _cache_for_bulk(ws),
    ):
        run = _Run(ws, report, progress, cancelled)
        try:
            feed(run)
            run.finish(today)
        except BaseException:
            run.writer.close(raise_error=False)
            raise
        run.writer.close()
    return report


def import_paths(
    ws: Workspace,
    paths: Iterable[str | Path],
    *,
    today: dt.date | dt.datetime | None = None,
    progress: Progress = no_progress,
    cancelled: IsCancelled = never_cancelled,
) -> ImportReport:
    """Import OCDS files, folders, .zip files and Contracts Finder CSV/XLSX exports.

    All or nothing: a file that cannot be read raises :class:`TenderFileError` (naming the file)
    and Cancel raises :class:`~consortium.progress.Cancelled`; either way the workspace is left
    exactly as it was.
    """
    found = ocds_reader.sources(paths)
    if not found:
        raise ocds_reader.TenderFileError(
            "No files to import were found. Choose .json, .jsonl, .csv, .xlsx or .zip files, "
            "or a folder holding them."
        )
    return import_sources(ws, found, today=today, progress=progress, cancelled=cancelled)


def import_sources(
    ws: Workspace,
    found: list[ocds_reader.Source],
    *,
    today: dt.date | dt.datetime | None = None,
    progress: Progress = no_progress,
    cancelled: IsCancelled = never_cancelled,
) -> ImportReport:
    """Import sources already found: files, or pages held in memory (the feeds hand each
    fetched page over as a :class:`~.ocds_reader.Source`, so it meets every check a file does).
    All or nothing, like :func:`import_paths`."""

    def feed(run: _Run) -> None:
        run.total_bytes = ocds_reader.total_size(found)
        run.grow(run.total_bytes // RELEASE_BYTES)
        for source in found:
            run.counter = []
            if source.kind == ocds_reader.EMPTY:
                run.report.skipped_files.append(source.name)
                run.report.warnings.append(
                    f"{source.name} is empty (0 bytes) and was skipped; the other files were "
                    "imported. Download that file again if it should hold notices."
                )
                continue
            run.floats = source.kind != "json"
            if source.kind == "json":
                rows = ocds_reader.read_releases(source, run.counter)
            else:
                rows = cf_csv.read_rows(source, run.counter)
                before = run.report.releases_read
            for release in rows:
                run.add(release)
            if source.kind != "json":
                run.report.rows_read += run.report.releases_read - before
            run.counter = []
            run.done_bytes += source.size
            run.tick(f"Read {source.name}")

    return _run(
        ws,
        feed,
        files=ocds_reader.describe(found),
        today=today,
        progress=progress,
        cancelled=cancelled,
    )


def import_releases(
    ws: Workspace,
    releases: Iterable[dict],
    *,
    label: str = "(notices)",
    today: dt.date | dt.datetime | None = None,
    progress: Progress = no_progress,
    cancelled: IsCancelled = never_cancelled,
) -> ImportReport:
    """Import releases already in memory (used by the demo and by tests)."""

    def feed(run: _Run) -> None:
        for release in releases:
            run.add(release)

    return _run(ws, feed, files=[label], today=today, progress=progress, cancelled=cancelled)


# ------------------------------------------------------------------------------ demo
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:\d{2})?)?$")


def _shift(value, delta: dt.timedelta):
    if isinstance(value, dict):
        return {k: _shift(v, delta) for k, v in value.items()}
    if isinstance(value, list):
        return [_shift(v, delta) for v in value]
    if isinstance(value, str) and _DATE.match(value):
        if "T" in value:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            out = (moment + delta).isoformat()
            return out.replace("+00:00", "Z") if value.endswith("Z") else out
        return (dt.date.fromisoformat(value) + delta).isoformat()
    return value


def _published(release: dict) -> dt.date | None:
    """When a notice was published: its release date, or its tender's, whichever is later."""
    tender = release.get("tender") if isinstance(release.get("tender"), dict) else {}
    found = [merge.parse_utc(release.get("date")), merge.parse_utc(tender.get("datePublished"))]
    found = [d.date() for d in found if d is not None]
    return max(found) if found else None


def import_demo_tenders(ws: Workspace, today: dt.date | None = None) -> ImportReport:
    """Import the bundled real civil-society notices, with dates moved so deadlines lie ahead.

    Dates move by whole weeks (weekdays kept) so the earliest tender deadline falls about two
    weeks after ``today``; a process whose notices would then be published after ``today`` moves
    less, by as many whole weeks as keep its newest notice on or before ``today``. Every date of
    one process moves by the same amount, so the order of its releases (which decides a merge) is
    kept. The move is recorded in the settings table under ``demo_dates_moved`` for the "dates
    moved" banner. Only these bundled notices are changed; a user's own imports never are.
    """
    today = today or dt.date.today()
    with open(DEMO_FILE, encoding="utf-8") as f:
        package = json.load(f)
    releases = package["releases"]
    deadlines = [
        merge.parse_utc(((r.get("tender") or {}).get("tenderPeriod") or {}).get("endDate"))
        for r in releases
        if "tender" in (r.get("tag") or [])
    ]
    deadlines = [d for d in deadlines if d is not None]
    earliest = min(deadlines).date() if deadlines else today
    days = (today + dt.timedelta(days=14) - earliest).days
    weeks = max(0, -(-days // 7))
    newest: dict[str, dt.date] = {}
    for release in releases:
        published = _published(release)
        if published is not None:
            ocid = release.get("ocid")
            newest[ocid] = max(published, newest.get(ocid, published))
    moves: dict[str, dt.timedelta] = {}
    for ocid, published in newest.items():
        fits = (today - published).days // 7  # whole weeks that keep it on or before today
        moves[ocid] = dt.timedelta(weeks=max(0, min(weeks, fits)))
    delta = dt.timedelta(weeks=weeks)
    shifted = [_shift(r, moves.get(r.get("ocid"), delta)) for r in releases]
    with ws.transaction():
        report = import_releases(ws, shifted, label=DEMO_FILE.name, today=today)
        ws.write(
            lambda: ws.db["settings"].upsert(
                {
                    "key": DEMO_SETTING,
                    "value": json.dumps(
                        {
                            "days": delta.days,
                            "today": today.isoformat(),
                            "file": DEMO_FILE.name,
                            "message": (
                                f"Demo data: the dates of these real notices were moved up to "
                                f"{delta.days} days later, so their deadlines lie ahead and "
                                "none is published after today."
                            ),
                        }
                    ),
                },
                pk="key",
            )
        )
    return report


def demo_dates_moved(ws: Workspace) -> dict | None:
    """What the demo banner should say, or None if no demo tenders were imported."""
    row = ws.conn.execute("SELECT value FROM settings WHERE key = ?", [DEMO_SETTING]).fetchone()
    return json.loads(row[0]) if row else None
