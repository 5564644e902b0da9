"""Search tenders: full text (FTS5), filters, sorting, saved searches.

Built for a virtualised list: :func:`search_ids` returns only the ocids, in order, quickly even
for 200,000 tenders; :func:`rows` fetches the visible rows on demand::

    q = TenderQuery(text='care* "young people"', status=["open"], place="E09000016",
                    cpv=["85300000"], sort="deadline")
    ids = search_ids(ws, q)          # ['ocds-h6vhtk-06e0a3', …]
    page = rows(ws, ids[:50])        # dicts for the list
    tender = get(ws, ids[0])         # the full Tender record for the detail pane

User text never raises: stray quotes, dashes and operators are made harmless. ``care*`` is a
prefix search, ``"young people"`` a phrase, ``OR`` between words widens the search.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import datetime as dt
import json
import re
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from consortium import cpv as cpv_mod
from consortium import places
from consortium.changes import SEARCHES
from consortium.errors import ConsortiumError
from consortium.tenders import store
from consortium.tenders.records import (
    AWARDED,
    CANCELLED,
    CLOSED,
    COMING_SOON,
    OPEN,
    STATUSES,
    Tender,
    as_utc,
    status_for,
)
from consortium.workspace import Workspace, writes

SORTS = ("deadline", "value", "relevance", "published")


class SearchError(ConsortiumError):
    """A filter value cannot be understood."""


@dataclass
class TenderQuery:
    """What to look for. Every field is optional; an empty query lists every tender."""

    text: str = ""
    status: list[str] = field(default_factory=list)  # values from records.STATUSES
    deadline_from: str | None = None  # ISO date or date-time, inclusive
    deadline_to: str | None = None  # ISO date (whole day included) or date-time
    cpv: list[str] = field(default_factory=list)  # a code covers its whole subtree
    place: str | None = None  # council GSS code, ITL/NUTS code, or a council's name
    value_min: float | None = None
    value_max: float | None = None
    sme: bool | None = None  # True: only tenders said to suit SMEs
    vcse: bool | None = None  # True: only tenders said to suit VCSEs
    reserved: bool | None = None  # True: only tenders reserved for SMEs/VCSEs
    source: str | None = None  # "fts" or "cf"
    changed_since: str | None = None  # changed after this import timestamp
    changed_from: str | None = None  # changed at or after this import timestamp
    sort: str = "deadline"
    descending: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v not in (None, "", [])}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TenderQuery:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


# ------------------------------------------------------------------------------ text
_TOKEN = re.compile(r'"([^"]*)"|(\S+)')
_WORD = re.compile(r"\w+", re.UNICODE)


def fts_query(text: str) -> str | None:
    """A safe FTS5 query for what a person typed, or None when nothing searchable is left."""
    parts: list[str] = []
    for m in _TOKEN.finditer(text or ""):
        if m.group(1) is not None:
            words = _WORD.findall(m.group(1))
            if words:
                parts.append('"' + " ".join(words) + '"')
            continue
        token = m.group(2)
        if token == "OR":
            if parts and parts[-1] != "OR":
                parts.append("OR")
            continue
        words = _WORD.findall(token)
        if not words:
            continue
        star = "*" if token.rstrip('"').endswith("*") else ""
        parts.append('"' + " ".join(words) + '"' + star)
    while parts and parts[-1] == "OR":
        parts.pop()
    return " ".join(parts) or None


# ------------------------------------------------------------------------------ places
_GSS = re.compile(r"^[ENSWK]\d{8}$")
_REGION = re.compile(r"^(TL|UK)[A-Z0-9]{0,3}$")


def place_condition(place: str) -> tuple[str, list[str]]:
    """SQL on ``tender_places`` and its parameters for a place filter.

    A council finds tenders for the council itself, for the ITL3/2/1 regions around it and for
    the whole UK. A region finds tenders inside it and the ones covering it.
    """
    text = place.strip()
    code = text.upper().replace(" ", "")
    if _GSS.match(code):
        codes = [code, *places.ancestors(code)]
        if "TL" not in codes:
            codes.append("TL")
        return f"code IN ({','.join('?' * len(codes))})", codes
    if _REGION.match(code):
        if code.startswith("TL"):  # already ITL: the regions covering it are its prefixes
            itl, covering = code, [code[:k] for k in range(len(code), 2, -1)]
        else:
            itl = places.to_itl(code) or ("TL" + code[2:])
            covering = [itl, *places.ancestors(itl)]
        if "TL" not in covering:
            covering.append("TL")
        sql = f"(code >= ? AND code < ?) OR code IN ({','.join('?' * len(covering))})"
        return sql, [itl, itl + "~", *covering]
    council = places.find_council(text)
    if council is not None:
        return place_condition(council.gss)
    raise SearchError(
        f"'{place}' is not a place Consortium knows. Give a council name or its code "
        "(like E09000016), or a region code (like TLI or UKI)."
    )


def _cpv_range(code: str) -> tuple[str, str]:
    try:
        stem = cpv_mod.shape(code)
    except ValueError:
        stem = re.sub(r"\D", "", str(code))
        if len(stem) == 7:
            stem = stem.zfill(8)
        if len(stem) < 2:
            raise SearchError(
                f"'{code}' is not a CPV code: CPV codes have 8 digits, like 85310000."
            ) from None
    # A CPV code's significant digits are those before its trailing zeros (never fewer than
    # the two of a division), so the range needs no lookup in the CPV list.
    prefix = stem.rstrip("0")
    if len(prefix) < 2:
        prefix = stem[:2]
    return prefix, prefix + ":"  # ":" sorts just after "9"


def _deadline_bound(value: str, *, end: bool) -> str:
    text = str(value).strip()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            if end:
                day += dt.timedelta(days=1)
            return as_utc(day)
        return as_utc(text)
    except ValueError as exc:
        raise SearchError(f"'{value}' is not a date; write it as 2026-11-23.") from exc


# ------------------------------------------------------------------------------ SQL
@dataclass
class _Cond:
    """One condition of a query, in the forms the plans below need.

    ``kind`` is ``"fts"`` (``sql`` is a query of matching rowids), ``"ids"`` (a query of
    ``tender_id`` on ``table`` for a condition ``on`` its ``code``), ``"col"`` (SQL on ``tenders
    t``) or ``"key"`` (SQL on ``t.id`` alone, answered by any index). ``column`` names the
    sort column a ``col`` condition is a range of (the sort index answers it), and ``not_null``
    says it holds only when that column has a value.
    """

    kind: str
    sql: str
    params: list[Any]
    column: str | None = None
    not_null: bool = False
    table: str | None = None
    prefix: bool = False  # an FTS query with a prefix (care*): costly to run once per row
    hint: bool = False  # implied by the others: only there to start a scan of the sort index


def status_condition(statuses: Iterable[str], now: str) -> tuple[str, list[Any]]:
    """SQL on ``tenders t`` true for a tender in any of ``statuses`` at ``now`` (UTC ISO), and
    its parameters: the rule of :func:`consortium.tenders.records.status_for`, for the search
    and for matching's open and coming-soon tenders alike."""
    parts, params = [], []
    for status in statuses:
        if status == OPEN:
            parts.append("(t.phase = 'tender' AND (t.deadline > ? OR t.deadline IS NULL))")
            params.append(now)
        elif status == CLOSED:
            parts.append(
                "((t.phase IN ('tender', 'planning') AND t.deadline <= ?) OR t.phase = 'closed'"
                " OR (t.phase = 'planning' AND t.expected <= ?))"
            )
            params += [now, now]
        elif status == COMING_SOON:
            # records.status_for: a planning notice whose own deadline or anticipated
            # tender date has passed is closed
            parts.append(
                "(t.phase = 'planning' AND (t.deadline > ? OR t.deadline IS NULL)"
                " AND (t.expected > ? OR t.expected IS NULL))"
            )
            params += [now, now]
        elif status == CANCELLED:
            parts.append("t.phase = 'cancelled'")
        elif status == AWARDED:
            parts.append("t.phase = 'awarded'")
    return "(" + " OR ".join(parts or ["0"]) + ")", params


def _where(query: TenderQuery, today) -> tuple[list[_Cond], str | None]:
    """The conditions of a query's filters, and the FTS query text."""
    now = as_utc(today)
    where: list[_Cond] = []
    match = fts_query(query.text) if query.text else None
    if query.text and match is None:
        where.append(_Cond("key", "0", []))
    if match:
        where.append(
            _Cond(
                "fts",
                "SELECT rowid FROM tenders_fts WHERE tenders_fts MATCH ?",
                [match],
                prefix="*" in match,
            )
        )
    if query.status:
        unknown = [s for s in query.status if s not in STATUSES]
        if unknown:
            raise SearchError(f"Unknown status {unknown[0]!r}; use one of: {', '.join(STATUSES)}.")
        sql, params = status_condition(query.status, now)
        where.append(_Cond("col", sql, params))
        if set(query.status) <= {OPEN, COMING_SOON}:
            # Implied: a deadline, if any, still ahead. Listed by deadline, the scan of the
            # deadline index starts there instead of passing every tender that closed.
            where.append(_Cond("col", "t.deadline > ?", [now], "t.deadline", hint=True))
    # "(x IS NULL) = 0" lets SQLite use the sort indexes on (x IS NULL, x) for ranges.
    if query.deadline_from:
        bound = _deadline_bound(query.deadline_from, end=False)
        where.append(_Cond("col", "t.deadline >= ?", [bound], "t.deadline", not_null=True))
    if query.deadline_to:
        bound = _deadline_bound(query.deadline_to, end=True)
        where.append(_Cond("col", "t.deadline < ?", [bound], "t.deadline", not_null=True))
    if query.cpv:
        ranges = [_cpv_range(c) for c in query.cpv]
        cond = " OR ".join("(code >= ? AND code < ?)" for _ in ranges)
        where.append(_Cond("ids", cond, [v for r in ranges for v in r], table="tender_cpv"))
    if query.place:
        cond, values = place_condition(query.place)
        where.append(_Cond("ids", cond, values, table="tender_places"))
    if query.value_min is not None:
        value = float(query.value_min)
        where.append(_Cond("col", "t.value_sort >= ?", [value], "t.value_sort", not_null=True))
    if query.value_max is not None:
        value = float(query.value_max)
        where.append(_Cond("col", "t.value_sort <= ?", [value], "t.value_sort", not_null=True))
    flags = ((query.sme, "sme"), (query.vcse, "vcse"), (query.reserved, "reserved_vcse"))
    for flag, column in flags:
        if flag is True:
            where.append(_Cond("col", f"t.{column} = 1", []))
        elif flag is False:
            where.append(_Cond("col", f"coalesce(t.{column}, 0) = 0", []))
    if query.source:
        where.append(_Cond("col", "t.source = ?", [query.source]))
    if query.changed_since:
        where.append(_Cond("col", "t.changed_at > ?", [query.changed_since]))
    if query.changed_from:
        where.append(_Cond("col", "t.changed_at >= ?", [query.changed_from]))
    return _merged(where), match


def _merged(where: list[_Cond]) -> list[_Cond]:
    """Both ends of a range on one column as one condition (one index range, not two halves)."""
    out: list[_Cond] = []
    for c in where:
        same = next((o for o in out if o.not_null and c.not_null and o.column == c.column), None)
        if same is None:
            out.append(c)
        else:
            same.sql, same.params = f"{same.sql} AND {c.sql}", [*same.params, *c.params]
    return out


# Sort orders: the sort column, its index on (column IS NULL, column) and the direction. Tenders
# without the value come last; ties go by row key in the same direction, so each half of the
# list (with the value, without it) is one scan of the index, forwards or backwards, and a page
# is read straight from it with LIMIT/OFFSET: no sort, no list of every id.
_ORDERS = {
    ("deadline", False): ("t.deadline", "tenders_deadline", "ASC"),
    ("deadline", True): ("t.deadline", "tenders_deadline", "DESC"),
    ("value", False): ("t.value_sort", "tenders_value", "DESC"),
    ("value", True): ("t.value_sort", "tenders_value", "ASC"),
    ("published", False): ("t.published", "tenders_published", "DESC"),
    ("published", True): ("t.published", "tenders_published", "ASC"),
}


def order_by(sort: str, descending: bool) -> str:
    """The ORDER BY of a sort on ``tenders t``: what every page and every full list follows."""
    column, _index, direction = _ORDERS[sort, descending]
    return f"{column} IS NULL, {column} {direction}, t.id {direction}"


def _render(cond: _Cond, mode: str, sort_column: str, outer: str = "t.id") -> str:
    """A condition as SQL on ``tenders t`` (or on ``outer``, a row key of another table).

    ``probe``: checked on each row as the scan reaches it (cheap per row, nothing built first);
    ``set``: the matching ids are gathered once and each row is looked up among them (costs the
    size of the set, then next to nothing per row). Ranges of the sort column and conditions on
    the row key alone are answered by the sort index itself."""
    if cond.kind == "key":
        return cond.sql.replace("t.id", outer)
    if cond.kind == "col" and outer == "t.id" and cond.column == sort_column:
        return cond.sql
    if mode == "set" or (cond.kind == "fts" and cond.prefix):
        return f"+{outer} IN ({_source(cond)[0]})"
    if cond.kind == "fts":
        return (
            f"EXISTS (SELECT 1 FROM tenders_fts f WHERE tenders_fts MATCH ? AND f.rowid = {outer})"
        )
    if cond.kind == "ids":
        return f"EXISTS (SELECT 1 FROM {cond.table} x WHERE x.tender_id = {outer} AND ({cond.sql}))"
    if outer == "t.id":
        return cond.sql
    return f"EXISTS (SELECT 1 FROM tenders t WHERE t.id = {outer} AND {cond.sql})"


# Rough costs in microseconds, measured at 400,000 tenders in a fresh process: checking one
# row against a condition on its own (an FTS5 query for that row, a look-up of the row or of
# its codes), and gathering one id of a condition's set before a scan.
PROBE_COST = {"fts": 45.0, "ids": 8.0, "col": 15.0, "key": 0.0}
SET_COST = 0.4
SAMPLE_WINDOWS = 8  # stretches of row keys spread over the workspace, counted to estimate
SAMPLE_SPAN = 500


def _windows(ws: Workspace) -> list[tuple[int, int]]:
    # Two queries: each is answered from one end of an index (together they would scan).
    lo = ws.conn.execute("SELECT min(id) FROM tenders").fetchone()[0]
    hi = ws.conn.execute("SELECT max(id) FROM tenders").fetchone()[0]
    if lo is None:
        return []
    if hi - lo + 1 <= SAMPLE_WINDOWS * SAMPLE_SPAN:
        return [(lo, hi)]
    step = (hi - lo + 1) // SAMPLE_WINDOWS
    return [(lo + k * step, lo + k * step + SAMPLE_SPAN - 1) for k in range(SAMPLE_WINDOWS)]


def _in_window(cond: _Cond) -> tuple[str, list[Any]] | None:
    """How many row keys between two ? meet ``cond`` (None: too costly to ask, a prefix)."""
    if cond.kind == "fts":
        if cond.prefix:
            return None  # FTS5 merges every word of a prefix before it reads any stretch
        sql = "SELECT count(*) FROM tenders_fts WHERE tenders_fts MATCH ? AND rowid BETWEEN ? AND ?"
        return sql, cond.params
    if cond.kind == "ids":
        codes = re.sub(r"\bcode\b", "+code", cond.sql)  # read by tender, not by code
        sql = (
            f"SELECT count(DISTINCT tender_id) FROM {cond.table} WHERE "
            f"tender_id BETWEEN ? AND ? AND ({codes})"
        )
        return sql, cond.params
    sql = f"SELECT count(*) FROM tenders t NOT INDEXED WHERE t.id BETWEEN ? AND ? AND {cond.sql}"
    return sql, cond.params


@dataclass
class _Sample:
    total: int  # tenders in the workspace (estimated from the stretches when large)
    density: dict[int, float | None]  # id(cond) -> share of tenders meeting it
    exact: bool  # the stretches cover every tender


# Set by first_page while it works: the sample counted for its page serves its count too.
_MEMO: contextvars.ContextVar[dict | None] = contextvars.ContextVar("search_memo", default=None)


def _sample(ws: Workspace, conds: list[_Cond]) -> _Sample:
    memo = _MEMO.get()
    if memo is not None and "base" in memo:
        windows, present, total = memo["base"]
    else:
        windows = _windows(ws)
        present = sum(
            ws.conn.execute("SELECT count(*) FROM tenders WHERE id BETWEEN ? AND ?", w).fetchone()[
                0
            ]
            for w in windows
        )
        total = present
        if len(windows) > 1:
            span = sum(b - a + 1 for a, b in windows)
            first = ws.conn.execute("SELECT min(id) FROM tenders").fetchone()[0]
            last = ws.conn.execute("SELECT max(id) FROM tenders").fetchone()[0]
            total = round(present / span * (last - first + 1))
        if memo is not None:
            memo["base"] = (windows, present, total)
    if not windows:
        return _Sample(0, {id(c): 0.0 for c in conds}, True)
    density: dict[int, float | None] = {}
    for c in conds:
        key = (c.kind, c.sql, tuple(c.params), c.table)
        if memo is not None and key in memo:
            density[id(c)] = memo[key]
            continue
        asked = _in_window(c)
        if asked is None:
            density[id(c)] = None
        else:
            sql, params = asked
            found = 0
            for a, b in windows:
                values = [*params[:1], a, b] if c.kind == "fts" else [a, b, *params]
                found += ws.conn.execute(sql, values).fetchone()[0]
            density[id(c)] = found / present if present else 0.0
        if memo is not None:
            memo[key] = density[id(c)]
    return _Sample(total, density, len(windows) == 1)


def _modes(conds: list[_Cond], sample: _Sample, reach: float) -> dict[int, str]:
    """For each condition, ``probe`` or ``set`` (see :func:`_render`), whichever costs less when
    ``reach`` rows are to be checked: the most selective conditions are weighed first, and
    each leaves fewer rows for the next."""
    modes: dict[int, str] = {}
    for c in sorted(conds, key=lambda c: sample.density.get(id(c)) or 0.5):
        d = sample.density.get(id(c))
        d = 0.5 if d is None else d
        if c.kind == "fts" and c.prefix:
            modes[id(c)] = "set"
        else:
            probing = reach * PROBE_COST[c.kind]
            gathering = d * sample.total * SET_COST
            modes[id(c)] = "probe" if probing < gathering else "set"
        reach *= d
    return modes


def _joint(conds: list[_Cond], sample: _Sample) -> float:
    share = 1.0
    for c in conds:
        d = sample.density.get(id(c))
        share *= 0.5 if d is None else d
    return share


def _share_in_range(ws: Workspace, ranges: list[_Cond], checks: list[_Cond]) -> float | None:
    """The share of the tenders in the sort column's range (``ranges``) that meet every one of
    ``checks``, counted in the sample's stretches (None: nothing to count, or too costly).

    The densities of the sample are over every tender, and multiplied as if independent: for
    "open or coming soon" listed from today's deadline on, that said 1 in 7 rows would do, where
    nearly every row does, and the page gathered every open tender first (40 ms at 200,000).
    """
    if not ranges:
        return None
    parts: list[tuple[str, int]] = []  # SQL on the stretch's t.id, and where its params go
    for c in checks:
        if c.kind == "col" or c.kind == "key":
            parts.append((c.sql, 0))
        elif c.kind == "ids":
            codes = re.sub(r"\bcode\b", "+code", c.sql)
            parts.append(
                (
                    f"t.id IN (SELECT tender_id FROM {c.table} WHERE tender_id BETWEEN ? AND ? "
                    f"AND ({codes}))",
                    1,
                )
            )
        elif c.kind == "fts" and not c.prefix:
            parts.append(
                (
                    "t.id IN (SELECT rowid FROM tenders_fts WHERE tenders_fts MATCH ? "
                    "AND rowid BETWEEN ? AND ?)",
                    2,
                )
            )
        else:
            return None
    base_sql = " AND ".join(c.sql for c in ranges)
    base_params = _params(ranges)
    head = "SELECT count(*) FROM tenders t NOT INDEXED WHERE t.id BETWEEN ? AND ? AND "
    inside = met = 0
    for a, b in _windows(ws):
        inside += ws.conn.execute(head + base_sql, [a, b, *base_params]).fetchone()[0]
        params: list[Any] = [a, b, *base_params]
        for c, (_, where) in zip(checks, parts, strict=True):
            if where == 0:
                params += c.params
            elif where == 1:
                params += [a, b, *c.params]
            else:
                params += [*c.params[:1], a, b]
        sql = head + " AND ".join([base_sql, *(part for part, _ in parts)])
        met += ws.conn.execute(sql, params).fetchone()[0]
    if not inside:
        return None
    return max(met, 1) / inside


def _params(conds: list[_Cond]) -> list[Any]:
    return [p for c in conds for p in c.params]


class _OverBudget(Exception):
    pass


@contextlib.contextmanager
def _budget(conn: sqlite3.Connection, seconds: float | None, cancelled=None):
    """Interrupt the statements run inside after ``seconds`` or once ``cancelled()`` is true
    (raising :class:`_OverBudget`)."""
    if seconds is None and cancelled is None:
        yield
        return
    stop = time.perf_counter() + (seconds if seconds is not None else 1e9)
    conn.set_progress_handler(
        lambda: time.perf_counter() > stop or bool(cancelled and cancelled()), 200
    )
    try:
        yield
    except sqlite3.OperationalError as exc:
        if "interrupt" in str(exc):
            raise _OverBudget from exc
        raise
    finally:
        conn.set_progress_handler(None, 0)


PROBE_BUDGET = 0.05  # seconds a page may spend checking rows one by one before sets are built


def _ordered_page(
    ws: Workspace,
    conds: list[_Cond],
    sort: str,
    descending: bool,
    offset: int,
    limit: int | None,
) -> list[int]:
    """Row keys ``[offset:offset + limit]`` (``limit`` None: to the end) of the tenders meeting
    every condition, in the sort order.

    The sort index is walked in order and the walk stops after the page. Each condition is
    checked on the rows as they come (quick when matches are common: a page needs few rows) or
    gathered once into a set (quick when they are rare), whichever a count of a few stretches
    of the workspace says is cheaper; if checking row by row still runs past
    :data:`PROBE_BUDGET`, every condition becomes a set."""
    column, index, direction = _ORDERS[sort, descending]
    conds = [c for c in conds if not c.hint or c.column == column]
    segments = [0] if any(c.not_null and c.column == column for c in conds) else [0, 1]
    want = -1 if limit is None else offset + limit
    indexed = [c for c in conds if c.kind == "key" or (c.kind == "col" and c.column == column)]
    checks = [c for c in conds if c not in indexed]

    def run(modes: dict[int, str]) -> list[int]:
        # the index's own conditions, then sets (cheap to look up), then row-by-row checks
        ordered = indexed + sorted(checks, key=lambda c: (modes[id(c)] == "probe", rank[id(c)]))
        subs, params = [], []
        per_segment: list[list[Any]] = []
        for null in segments:
            kept = [c for c in ordered if null == 0 or c.column != column]
            where = [f"({column} IS NULL) = {null}"]
            where += [_render(c, modes.get(id(c), "set"), column) for c in kept]
            subs.append(
                f"SELECT id FROM (SELECT t.id AS id FROM tenders t INDEXED BY {index} WHERE "
                f"{' AND '.join(where)} ORDER BY {column} {direction}, t.id {direction} "
                f"LIMIT {want})"
            )
            params += _params(kept)
            per_segment.append(_params(kept))
        if limit is None:
            sql = " UNION ALL ".join(subs) + f" LIMIT -1 OFFSET {offset}"
            return _ids(ws, sql, params)
        # One part at a time: SQLite runs every arm of a UNION ALL, even once the first has
        # filled the page, and a set condition is then gathered twice.
        found: list[int] = []
        for sub, sub_params in zip(subs, per_segment, strict=True):
            found += [r[0] for r in ws.conn.execute(sub, sub_params)]
            if len(found) >= want:
                break
        return found[offset : offset + limit]

    rank = {id(c): k for k, c in enumerate(checks)}
    every_set = {id(c): "set" for c in checks}
    if not checks:
        return run(every_set)
    sample = _sample(ws, checks)
    rank = {id(c): sample.density.get(id(c)) or 0.5 for c in checks}
    share = max(_joint(checks, sample), 1 / max(sample.total, 1))
    rarest = min((0.5 if d is None else d) for d in (sample.density[id(c)] for c in checks))
    if rarest * sample.total <= FEW:
        return _few(ws, conds, checks, sample, sort, descending, offset, limit)
    if limit is None:
        return run(every_set)
    ranges = [c for c in indexed if c.kind == "col"]
    within = _share_in_range(ws, ranges, checks)
    if within is not None:
        share = within
    modes = _modes(checks, sample, min(sample.total, want / share))
    if "probe" not in modes.values():
        return run(modes)
    try:
        with _budget(ws.conn, PROBE_BUDGET):
            return run(modes)
    except _OverBudget:
        return run(every_set)


FEW = 2000  # ids of one condition few enough to gather and sort instead of walking the index


def _few(
    ws: Workspace,
    conds: list[_Cond],
    checks: list[_Cond],
    sample: _Sample,
    sort: str,
    descending: bool,
    offset: int,
    limit: int | None,
) -> list[int]:
    """A page of few matches: the rarest condition's ids are read, the rows checked and sorted
    (a walk of the sort index could pass every tender before it found them)."""
    driver = min(
        checks, key=lambda c: 0.5 if sample.density[id(c)] is None else sample.density[id(c)]
    )
    others = [c for c in conds if c is not driver and not c.hint]
    d = sample.density[id(driver)]
    modes = _modes(
        [c for c in others if c in checks], sample, (0.5 if d is None else d) * sample.total
    )
    # Conditions answered without the tender's row go first, on the ids alone: a row is read
    # (about 20 µs each in a fresh process) only for the ids left, to check and sort them.
    early = [c for c in others if c.kind != "col" or modes.get(id(c)) == "set"]
    late = [c for c in others if c not in early]
    survivors = " AND ".join(
        [_render(c, modes.get(id(c), "probe"), "", outer="d.id") for c in early] or ["1"]
    )
    where = ["t.id IN hits", *(_render(c, "probe", "") for c in late)]
    column, _index, direction = _ORDERS[sort, descending]
    # Unary + keeps SQLite from walking the sort index instead of sorting the few rows.
    order = f"(+{column}) IS NULL, +{column} {direction}, +t.id {direction}"
    sql = (
        f"WITH d(id) AS ({_source(driver)[0]}), hits(id) AS (SELECT d.id FROM d WHERE "
        f"{survivors}) SELECT t.id FROM tenders t WHERE {' AND '.join(where)} ORDER BY {order}"
    )
    params = [*driver.params, *_params(early), *_params(late)]
    if limit is None:
        return [r[0] for r in ws.conn.execute(sql, params)]
    return [r[0] for r in ws.conn.execute(f"{sql} LIMIT ? OFFSET ?", [*params, limit, offset])]


def _ids(ws: Workspace, sql: str, params: list[Any] = ()) -> list[int]:
    """The first column of ``sql``'s rows as one JSON array: twice as quick as row by row for
    the hundreds of thousands of ids a broad search or a full list holds."""
    query = f"WITH x(id) AS ({sql}) SELECT json_group_array(id) FROM x"
    (text,) = ws.conn.execute(query, params).fetchone()
    return orjson.loads(text)


def _query(query: TenderQuery | None, kwargs: dict) -> TenderQuery:
    if query is None:
        query = TenderQuery()
    if kwargs:
        query = dataclasses.replace(query, **kwargs)
    if isinstance(query.status, str):
        query.status = [query.status]
    if isinstance(query.cpv, str):
        query.cpv = [query.cpv]
    return query


PAGE = 50  # rows a list asks for at once (a screenful is about 30)
COUNT_BUDGET = 0.02  # seconds a list waits for its count before counting in the background


def search_page(
    ws: Workspace,
    query: TenderQuery | None = None,
    *,
    today=None,
    offset: int = 0,
    limit: int = PAGE,
    **kwargs,
) -> list[int]:
    """Row keys of one page of the matches: ``search_keys(...)[offset:offset + limit]``, read
    with LIMIT/OFFSET from the sort indexes (and FTS5's bm25 for relevance), so the first page
    of 400,000 tenders costs about what it costs for 4,000. What a list shows as it scrolls.

    ``search_page(ws, TenderQuery(text="care*"), offset=200, limit=200)``
    """
    q = _query(query, kwargs)
    return _keys(ws, q, today, offset, limit)


def _keys(ws: Workspace, q: TenderQuery, today, offset: int, limit: int | None) -> list[int]:
    conds, match = _where(q, today)
    if any(c.kind == "key" and c.sql == "0" for c in conds):
        return []
    if q.sort == "relevance" and match:
        return _relevance_page(ws, conds, bool(q.descending), offset, limit)
    return _ordered_page(ws, conds, _sort(q), bool(q.descending), offset, limit)


def first_page(
    ws: Workspace,
    query: TenderQuery | None = None,
    *,
    today=None,
    limit: int = PAGE,
    budget: float | None = None,
    **kwargs,
) -> tuple[list[int], int | None, int | None]:
    """What a list shows first, on the GUI thread: ``(keys, count, about)``: the first page of
    row keys; the count when it comes within ``budget`` seconds (default
    :data:`COUNT_BUDGET`), else None (count it elsewhere with :func:`count`); and the count or,
    failing it, an estimate (None when even that is costly: words with a prefix). One sample
    of the workspace serves the page, the guess whether counting is quick, and the estimate.
    """
    q = _query(query, kwargs)
    budget = COUNT_BUDGET if budget is None else budget
    memo = _MEMO.set({})
    try:
        keys = _keys(ws, q, today, 0, limit)
        conds = [c for c in _where(q, today)[0] if not c.hint]
        n = None
        if _quick_to_count(ws, conds, budget):
            n = count(ws, q, today=today, budget=budget)
        about = n if n is not None else estimate(ws, q, today=today)
    finally:
        _MEMO.reset(memo)
    return keys, n, about


def _quick_to_count(ws: Workspace, conds: list[_Cond], budget: float) -> bool:
    """Whether :func:`_count` looks likely to finish within ``budget`` (from the sample)."""
    checks = [c for c in conds if c.kind != "key"]
    if not checks:
        return True
    sample = _sample(ws, checks)
    if any(sample.density[id(c)] is None for c in checks):
        return False
    sizes = sorted(((sample.density[id(c)] * sample.total, c) for c in checks), key=lambda p: p[0])
    (smallest, driver), rest = sizes[0], sizes[1:]
    walk = {"fts": 0.1, "ids": 0.3, "col": 0.15}[driver.kind] * smallest
    reach = smallest
    for size, c in rest:
        walk += min(reach * PROBE_COST[c.kind], size * SET_COST)
        reach *= size / max(sample.total, 1)
    return walk < 0.7 * budget * 1e6


def search_keys(
    ws: Workspace,
    query: TenderQuery | None = None,
    *,
    today=None,
    limit: int | None = None,
    **kwargs,
) -> list[int]:
    """Row keys (integers) of every matching tender in the query's order (the first ``limit``).

    Keyword arguments set query fields: ``search_keys(ws, text="care*", status=["open"])``.
    A list on screen wants :func:`search_page` and :func:`count` instead.
    """
    q = _query(query, kwargs)
    return _keys(ws, q, today, 0, limit)


RELEVANCE_POOL = 5000  # the newest matches of the words ranked by bm25; the rest by deadline


def _sort(q: TenderQuery) -> str:
    return q.sort if q.sort in SORTS and q.sort != "relevance" else "deadline"


_BM25 = "bm25(tenders_fts, 10.0, 1.0, 3.0)"  # the title weighs most, then the lots


def _relevance_page(
    ws: Workspace, conds: list[_Cond], descending: bool, offset: int, limit: int | None
) -> list[int]:
    """Best matches first (bm25, title weighted most), then the rest by deadline.

    bm25 is worked out for the newest :data:`RELEVANCE_POOL` tenders matching the words (all
    of them in a workspace with fewer matches): beyond thousands of matches every word is
    common, and bm25 tells them apart by little more than length, while ranking all 300,000
    matches of "services" takes a second. Matches older than the pool follow by deadline.
    """
    fts = next(c for c in conds if c.kind == "fts")
    others = [c for c in conds if c is not fts and not c.hint]
    match = fts.params[0]
    row = ws.conn.execute(
        "SELECT rowid FROM tenders_fts WHERE tenders_fts MATCH ? ORDER BY rowid DESC "
        "LIMIT 1 OFFSET ?",
        [match, RELEVANCE_POOL - 1],
    ).fetchone()
    bound = row[0] if row else None
    sample = _sample(ws, [fts, *others]) if others else None
    if sample is not None:  # the rows to check: the pool, or all the matches when fewer
        d = sample.density[id(fts)]
        pool = RELEVANCE_POOL if bound or d is None else min(RELEVANCE_POOL, d * sample.total)
        modes = _modes(others, sample, max(pool, 1.0))
    else:
        modes = {}
    checks = [_render(c, modes[id(c)], "", outer="tenders_fts.rowid") for c in others]
    where = " AND ".join(["tenders_fts MATCH ?", *(["rowid >= ?"] if bound else []), *checks])
    params = [match, *([bound] if bound else []), *_params(others)]
    rank = _BM25 + (" DESC" if descending else "")
    ranked_sql = f"SELECT rowid FROM tenders_fts WHERE {where} ORDER BY {rank}, rowid"
    want = -1 if limit is None else limit
    keys = [
        r[0] for r in ws.conn.execute(f"{ranked_sql} LIMIT ? OFFSET ?", [*params, want, offset])
    ]
    if bound is None or (limit is not None and len(keys) == limit):
        return keys
    if keys or offset == 0:
        ranked = offset + len(keys)
    else:
        ranked = ws.conn.execute(f"SELECT count(*) FROM tenders_fts WHERE {where}", params)
        ranked = ranked.fetchone()[0]
    older = _Cond("key", "t.id < ?", [bound])
    rest = _ordered_page(
        ws,
        [*conds, older],
        "deadline",
        False,
        max(0, offset - ranked),
        None if limit is None else limit - len(keys),
    )
    return keys + rest


def search_ids(
    ws: Workspace,
    query: TenderQuery | None = None,
    *,
    today=None,
    limit: int | None = None,
    **kwargs,
) -> list[str]:
    """The ocids of matching tenders, in the query's order (see :func:`search_keys`)."""
    keys = search_keys(ws, query, today=today, limit=limit, **kwargs)
    return ocids_for(ws, keys)


def ocids_for(ws: Workspace, keys: list[int]) -> list[str]:
    """The ocid of each row key, in order."""
    if len(keys) > 2000:
        mapping = dict(ws.conn.execute("SELECT id, ocid FROM tenders"))
    else:
        mapping = _pairs(ws, "SELECT id, ocid FROM tenders WHERE id IN ({})", keys)
    return [mapping[k] for k in keys if k in mapping]


def keys_of(ws: Workspace, ocids: list[str]) -> dict[str, int]:
    """The row key of each of ``ocids`` that is here (:func:`key_of` for many, in a few
    queries rather than one each)."""
    return _pairs(ws, "SELECT ocid, id FROM tenders WHERE ocid IN ({})", ocids)


def _pairs(ws: Workspace, sql: str, values: list) -> dict:
    """{first column: second} of ``sql`` run for ``values`` a few hundred at a time (its
    ``{}`` takes the placeholders)."""
    found: dict = {}
    for chunk, marks in store.chunks(values):
        found.update(ws.conn.execute(sql.format(marks), chunk))
    return found


def key_of(ws: Workspace, ocid: str) -> int | None:
    """The row key of one tender (what :func:`search_keys` lists), or None if it is not here."""
    row = ws.conn.execute("SELECT id FROM tenders WHERE ocid = ?", [ocid]).fetchone()
    return row[0] if row else None


def count(
    ws: Workspace,
    query: TenderQuery | None = None,
    *,
    today=None,
    budget: float | None = None,
    cancelled=None,
    **kwargs,
) -> int | None:
    """How many tenders match (``len(search_keys(...))``), counted in SQLite without listing
    them. With ``budget`` (seconds), None when counting would take longer: a list then shows
    its first page at once and counts off the GUI thread (where ``cancelled()``, once true,
    stops it: None)."""
    q = _query(query, kwargs)
    conds, _match = _where(q, today)
    try:
        with _budget(ws.conn, budget, cancelled):
            return _count(ws, [c for c in conds if not c.hint])
    except _OverBudget:
        return None


def _count(ws: Workspace, conds: list[_Cond]) -> int:
    if any(c.kind == "key" and c.sql == "0" for c in conds):
        return 0
    if not conds:
        return ws.conn.execute("SELECT count(*) FROM tenders").fetchone()[0]
    if len(conds) == 1:
        sql, params = _source(conds[0], distinct=True)
        return ws.conn.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0]
    # The rarest condition's ids are walked; each other condition is checked on them one by
    # one or gathered once through its own index, whichever costs less.
    sample = _sample(ws, conds)

    def density(c: _Cond) -> float:
        d = sample.density[id(c)]
        return 0.5 if d is None else d

    driver = min(conds, key=density)
    others = [c for c in conds if c is not driver]
    modes = _modes(others, sample, density(driver) * sample.total)
    others.sort(key=lambda c: (modes[id(c)] == "probe", density(c)))
    checks = [_render(c, modes[id(c)], "", outer="d.id") for c in others]
    sql = (
        f"WITH d(id) AS ({_source(driver, distinct=True)[0]}) SELECT count(*) FROM d "
        f"WHERE {' AND '.join(checks)}"
    )
    return ws.conn.execute(sql, [*driver.params, *_params(others)]).fetchone()[0]


def among(ws: Workspace, query: TenderQuery, keys, *, today=None) -> set[int]:
    """Which of ``keys`` (a short list, such as the tenders that fit us) match ``query``."""
    keys = list(keys)
    conds, _match = _where(_query(query, {}), today)
    conds = [c for c in conds if not c.hint]
    if not conds:
        return set(keys)
    checks = [c for c in conds if c.kind != "key"]
    modes = _modes(checks, _sample(ws, checks), len(keys)) if checks else {}
    where = " AND ".join(_render(c, modes.get(id(c), "probe"), "") for c in conds)
    found: set[int] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        sql = f"SELECT t.id FROM tenders t WHERE t.id IN ({','.join('?' * len(chunk))}) AND {where}"
        found.update(r[0] for r in ws.conn.execute(sql, [*chunk, *_params(conds)]))
    return found


def estimate(ws: Workspace, query: TenderQuery | None = None, *, today=None, **kwargs):
    """About how many tenders match, from a few stretches of the workspace counted exactly (in
    a workspace small enough to count whole, exactly); None when the words have a prefix
    (costly to count even in part). For a list to show while :func:`count` runs elsewhere."""
    q = _query(query, kwargs)
    conds, _match = _where(q, today)
    conds = [c for c in conds if not c.hint]
    if any(c.kind == "key" and c.sql == "0" for c in conds):
        return 0
    if any(c.kind == "fts" and c.prefix for c in conds):
        return None
    windows = _windows(ws)
    if not windows:
        return 0
    fts = next((c for c in conds if c.kind == "fts"), None)
    others = [c for c in conds if c is not fts]
    if fts is not None:
        outer = "tenders_fts.rowid"
        head = (
            "SELECT count(*) FROM tenders_fts WHERE tenders_fts MATCH ? AND rowid BETWEEN ? AND ?"
        )
    else:
        outer = "t.id"
        head = "SELECT count(*) FROM tenders t NOT INDEXED WHERE t.id BETWEEN ? AND ?"
    sql = " AND ".join([head, *(_render(c, "probe", "", outer=outer) for c in others)])
    found = present = 0
    for a, b in windows:
        found += ws.conn.execute(
            sql, [*(fts.params if fts else []), a, b, *_params(others)]
        ).fetchone()[0]
        present += ws.conn.execute(
            "SELECT count(*) FROM tenders WHERE id BETWEEN ? AND ?", [a, b]
        ).fetchone()[0]
    if len(windows) == 1:
        return found
    total = _sample(ws, []).total
    return round(found / present * total) if present else 0


def _source(cond: _Cond, distinct: bool = False) -> tuple[str, list[Any]]:
    """A query of the ids meeting one condition (each once if ``distinct``, to count them: a
    tender with two codes in a CPV subtree is one tender; a set needs no DISTINCT, which would
    have SQLite read the codes by tender instead of the code ranges)."""
    if cond.kind == "fts":
        return cond.sql, cond.params
    if cond.kind == "ids":
        # One index range per alternative (code ranges, lists of codes), joined by UNION
        # (ALL for a set): SQLite reads an OR of them through a costly multi-index plan.
        parts = cond.sql.split(" OR ")
        join = " UNION " if distinct else " UNION ALL "
        once = "DISTINCT " if distinct and len(parts) == 1 else ""
        sql = join.join(f"SELECT {once}tender_id FROM {cond.table} WHERE {p}" for p in parts)
        return sql, cond.params
    return f"SELECT t.id FROM tenders t WHERE {cond.sql}", cond.params


ROW_COLUMNS = (
    "t.id AS key, t.ocid, t.source, t.notice_id, t.notice_type, t.notice_url, t.phase, t.title, "
    "t.buyer_name, t.currency, t.value, t.value_gross, t.value_min, t.value_max, t.value_sort, "
    "t.deadline, t.expected, t.published, t.sme, t.vcse, t.reserved_vcse, t.light_touch, t.lot_count, "
    "t.hash, t.defects, t.first_seen_at, t.changed_at, v.seen_hash, v.seen_at"
)


def rows(ws: Workspace, ids: list[int] | list[str], *, today=None) -> list[dict]:
    """List rows for row keys or ocids, in the same order, with ``status`` for ``today``.

    ``changed_since_viewed`` is True when the tender changed after the user last opened it
    (see :func:`mark_viewed`); ``viewed`` says whether they ever did.
    """
    found: dict = {}
    by_key = bool(ids) and isinstance(ids[0], int)
    column = "t.id" if by_key else "t.ocid"
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        sql = (
            f"SELECT {ROW_COLUMNS} FROM tenders t LEFT JOIN tender_views v ON v.ocid = t.ocid "
            f"WHERE {column} IN ({','.join('?' * len(chunk))})"
        )
        cursor = ws.conn.execute(sql, chunk)
        names = [d[0] for d in cursor.description]
        for values in cursor:
            row = dict(zip(names, values, strict=True))
            row["status"] = status_for(row["phase"], row["deadline"], today, row["expected"])
            row["defects"] = json.loads(row["defects"])
            row["notice_url"] = store.notice_url_of(
                row["source"], row["ocid"], row["notice_id"], row["notice_url"]
            )
            for key in ("sme", "vcse"):
                row[key] = None if row[key] is None else bool(row[key])
            row["reserved_vcse"] = bool(row["reserved_vcse"])
            row["light_touch"] = bool(row["light_touch"])
            row["viewed"] = row["seen_hash"] is not None
            row["changed_since_viewed"] = row["viewed"] and row["seen_hash"] != row["hash"]
            del row["seen_hash"]
            found[row["key"] if by_key else row["ocid"]] = row
    return [found[i] for i in ids if i in found]


def search(ws: Workspace, query: TenderQuery | None = None, *, today=None, limit=None, **kwargs):
    """Rows for the matches (convenience for the CLI and small results)."""
    return rows(ws, search_keys(ws, query, today=today, limit=limit, **kwargs), today=today)


def open_first(
    ws: Workspace, text: str, *, today=None, limit: int, keep: str | None = None
) -> list[dict]:
    """Up to ``limit`` rows for a list to choose a tender from: the open and coming-soon ones
    first, soonest deadline first; then, to fill it, the rest, the latest to close first (a
    year of notices would otherwise begin with last January's closed ones).

    ``keep``: the ocid of a tender asked for from elsewhere (one closed long ago, say), put
    at the top when the list would not hold it, so it can be chosen in the list."""
    found = _open_first(ws, text, today=today, limit=limit)
    if keep is not None and all(row["ocid"] != keep for row in found):
        found = rows(ws, [keep], today=today) + found
    return found


def _open_first(ws: Workspace, text: str, *, today, limit: int) -> list[dict]:
    found = search(ws, text=text, status=["open", "coming soon"], today=today, limit=limit)
    if len(found) < limit:
        found += search(
            ws,
            text=text,
            status=["closed", "awarded", "cancelled"],
            sort="deadline",
            descending=True,
            today=today,
            limit=limit - len(found),
        )
    return found


def get(ws: Workspace, ocid: str) -> Tender | None:
    """The full record for one tender (None if unknown)."""
    return store.get_tender(ws.db, ocid)


def mark_viewed(ws: Workspace, ocid: str) -> None:
    """Remember that the user has seen this tender as it is now."""
    row = ws.conn.execute("SELECT hash FROM tenders WHERE ocid = ?", [ocid]).fetchone()
    if row is None:
        return

    def write() -> None:
        with ws.atomic():
            ws.conn.execute(
                "INSERT INTO tender_views (ocid, seen_at, seen_hash) VALUES (?, ?, ?) "
                "ON CONFLICT(ocid) DO UPDATE SET seen_at = excluded.seen_at, "
                "seen_hash = excluded.seen_hash",
                [ocid, store.now_stamp(), row[0]],
            )

    ws.write_soon(write)  # bookkeeping: never makes the window wait for an import


def last_import(ws: Workspace) -> str | None:
    row = ws.conn.execute("SELECT max(at) FROM tender_imports").fetchone()
    return row[0] if row else None


# ------------------------------------------------------------------------ saved searches
@writes
def save_search(ws: Workspace, name: str, query: TenderQuery) -> int:
    """Save (or replace) a named search; returns its id."""
    name = name.strip()
    if not name:
        raise SearchError("Give the saved search a name.")
    _where(query, None)  # validate before saving
    with ws.atomic(SEARCHES):
        ws.conn.execute(
            "INSERT INTO saved_searches (name, params, created_at, last_viewed_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET params = excluded.params",
            [name, json.dumps(query.to_dict()), store.now_stamp(), store.now_stamp()],
        )
        row_id = ws.conn.execute("SELECT id FROM saved_searches WHERE name = ?", [name]).fetchone()[
            0
        ]
        ws.audit("save", "saved_search", row_id, f"Saved search '{name}'")
    return row_id


@writes
def delete_search(ws: Workspace, search_id: int) -> None:
    with ws.atomic(SEARCHES):
        ws.conn.execute("DELETE FROM saved_searches WHERE id = ?", [search_id])
        ws.audit("delete", "saved_search", search_id, "Deleted a saved search")


def _saved(ws: Workspace, search_id: int) -> dict:
    row = ws.conn.execute(
        "SELECT id, name, params, created_at, last_viewed_at FROM saved_searches WHERE id = ?",
        [search_id],
    ).fetchone()
    if row is None:
        raise SearchError("That saved search no longer exists.")
    return {
        "id": row[0],
        "name": row[1],
        "query": TenderQuery.from_dict(json.loads(row[2])),
        "created_at": row[3],
        "last_viewed_at": row[4],
    }


def run_saved(ws: Workspace, search_id: int, *, today=None) -> tuple[list[str], set[str]]:
    """(all matching ocids, the ones new or changed since the search was last viewed)."""
    saved = _saved(ws, search_id)
    ids = search_ids(ws, saved["query"], today=today)
    since = saved["last_viewed_at"] or ""
    new = set(search_ids(ws, dataclasses.replace(saved["query"], changed_since=since), today=today))
    return ids, new


def saved_search_list(ws: Workspace) -> list[dict]:
    """Every saved search (id, name, query, created_at, last_viewed_at), by name, without
    counting: quick at any size, for a list to show at once and count afterwards."""
    ids = [i for (i,) in ws.conn.execute("SELECT id FROM saved_searches ORDER BY name")]
    return [_saved(ws, search_id) for search_id in ids]


def saved_search(ws: Workspace, search_id: int) -> dict:
    """One saved search as :func:`saved_search_list` gives it (raises if it was deleted)."""
    return _saved(ws, search_id)


def saved_counts(ws: Workspace, saved: dict, *, today=None, cancelled=None) -> dict:
    """A saved search's counts: ``count`` (all matches), ``new`` (new or changed since the user
    last viewed it) and ``new_in_last_import`` (brought by the latest import). Proportional to
    the matches: off the GUI thread in the window."""
    q = saved["query"]
    latest = last_import(ws)
    new_q = dataclasses.replace(q, changed_since=saved["last_viewed_at"] or "")
    return {
        "count": count(ws, q, today=today, cancelled=cancelled),
        "new": count(ws, new_q, today=today, cancelled=cancelled),
        "new_in_last_import": (
            count(ws, dataclasses.replace(q, changed_from=latest), today=today, cancelled=cancelled)
            if latest
            else 0
        ),
    }


def saved_searches(ws: Workspace, *, today=None) -> list[dict]:
    """Every saved search with its counts (see :func:`saved_counts`), the query as a dict:
    what ``consortium tenders saved --json`` prints."""
    out = []
    for saved in saved_search_list(ws):
        saved.update(saved_counts(ws, saved, today=today))
        saved["query"] = saved["query"].to_dict()
        out.append(saved)
    return out


def mark_search_viewed(ws: Workspace, search_id: int) -> None:
    """The user has looked at the results: nothing is 'new' any more until the next import."""

    def write() -> None:
        with ws.atomic(SEARCHES):  # the saved list's "new" counts
            ws.conn.execute(
                "UPDATE saved_searches SET last_viewed_at = ? WHERE id = ?",
                [store.now_stamp(), search_id],
            )

    ws.write_soon(write)
