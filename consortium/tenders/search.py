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

import dataclasses
import datetime as dt
import json
import re
import weakref
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
class _IdSource:
    """A filter answered by a query returning tender ids (full text, CPV, place)."""

    sql: str
    params: list[Any]

    def clause(self) -> tuple[str, list[Any]]:
        return f"t.id IN ({self.sql})", self.params


def _where(query: TenderQuery, today) -> tuple[list, list[Any], str | None]:
    """Conditions for a query's filters: SQL on ``tenders t`` (with ``params``, in order) or
    :class:`_IdSource` objects; and the FTS query text."""
    now = as_utc(today)
    params: list[Any] = []
    where: list[str] = []
    match = fts_query(query.text) if query.text else None
    if query.text and match is None:
        where.append("0")
    if match:
        where.append(_IdSource("SELECT rowid FROM tenders_fts WHERE tenders_fts MATCH ?", [match]))
    if query.status:
        unknown = [s for s in query.status if s not in STATUSES]
        if unknown:
            raise SearchError(f"Unknown status {unknown[0]!r}; use one of: {', '.join(STATUSES)}.")
        parts = []
        for status in query.status:
            if status == OPEN:
                parts.append("(t.phase = 'tender' AND (t.deadline > ? OR t.deadline IS NULL))")
                params.append(now)
            elif status == CLOSED:
                parts.append(
                    "((t.phase IN ('tender', 'planning') AND t.deadline <= ?) OR t.phase = 'closed')"
                )
                params.append(now)
            elif status == COMING_SOON:  # a planning notice whose own deadline passed is closed
                parts.append("(t.phase = 'planning' AND (t.deadline > ? OR t.deadline IS NULL))")
                params.append(now)
            elif status == CANCELLED:
                parts.append("t.phase = 'cancelled'")
            elif status == AWARDED:
                parts.append("t.phase = 'awarded'")
        where.append("(" + " OR ".join(parts) + ")")
    # "(x IS NULL) = 0" lets SQLite use the sort indexes on (x IS NULL, x) for ranges.
    if query.deadline_from:
        where.append("(t.deadline IS NULL) = 0 AND t.deadline >= ?")
        params.append(_deadline_bound(query.deadline_from, end=False))
    if query.deadline_to:
        where.append("(t.deadline IS NULL) = 0 AND t.deadline < ?")
        params.append(_deadline_bound(query.deadline_to, end=True))
    if query.cpv:
        ranges = [_cpv_range(c) for c in query.cpv]
        cond = " OR ".join("(code >= ? AND code < ?)" for _ in ranges)
        where.append(
            _IdSource(
                f"SELECT tender_id FROM tender_cpv WHERE {cond}", [v for r in ranges for v in r]
            )
        )
    if query.place:
        cond, values = place_condition(query.place)
        where.append(_IdSource(f"SELECT tender_id FROM tender_places WHERE {cond}", values))
    if query.value_min is not None:
        where.append("(t.value_sort IS NULL) = 0 AND t.value_sort >= ?")
        params.append(float(query.value_min))
    if query.value_max is not None:
        where.append("(t.value_sort IS NULL) = 0 AND t.value_sort <= ?")
        params.append(float(query.value_max))
    flags = ((query.sme, "sme"), (query.vcse, "vcse"), (query.reserved, "reserved_vcse"))
    for flag, column in flags:
        if flag is True:
            where.append(f"t.{column} = 1")
        elif flag is False:
            where.append(f"coalesce(t.{column}, 0) = 0")
    if query.source:
        where.append("t.source = ?")
        params.append(query.source)
    if query.changed_since:
        where.append("t.changed_at > ?")
        params.append(query.changed_since)
    if query.changed_from:
        where.append("t.changed_at >= ?")
        params.append(query.changed_from)
    return where, params, match


# The full id list in each sort order, kept per workspace until the tenders change: a search
# then only finds the set of matching ids and keeps the cached order (no sort per query).
_ORDERS = {
    ("deadline", False): "t.deadline IS NULL, t.deadline, t.id",
    ("deadline", True): "t.deadline IS NULL, t.deadline DESC, t.id",
    ("value", False): "t.value_sort IS NULL, t.value_sort DESC, t.id",
    ("value", True): "t.value_sort IS NULL, t.value_sort, t.id",
    ("published", False): "t.published IS NULL, t.published DESC, t.id",
    ("published", True): "t.published IS NULL, t.published, t.id",
}
_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _generation(ws: Workspace) -> tuple:
    # Two queries: each is answered from one end of an index (together they would scan).
    return (
        ws.conn.execute("SELECT max(id) FROM tenders").fetchone()[0],
        ws.conn.execute("SELECT max(changed_at) FROM tenders").fetchone()[0],
    )


def _sql(where: list, params: list[Any]) -> tuple[str, list[Any]]:
    """All conditions as one SQL WHERE clause (id sources as IN subqueries)."""
    parts, values, plain = [], [], iter(params)
    for cond in where:
        if isinstance(cond, _IdSource):
            clause, extra = cond.clause()
            parts.append(clause)
            values.extend(extra)
        else:
            parts.append(cond)
            values.extend(next(plain) for _ in range(cond.count("?")))
    return " AND ".join(parts), values


def _matching(ws: Workspace, where: list, params: list[Any]) -> set[int]:
    """The ids meeting every condition: id sources fetched directly, then intersected."""
    columns = [c for c in where if not isinstance(c, _IdSource)]
    sources = [c for c in where if isinstance(c, _IdSource)]
    if columns and sources and not any("tenders_fts" in c.sql for c in sources):
        # Column filters with code or place lists (no words): one query lets SQLite intersect
        # in C, instead of building large Python sets (e.g. every open tender) to intersect.
        sql, values = _sql(columns, params)
        query = f"SELECT t.id FROM tenders t WHERE {sql}" + "".join(
            f" AND t.id IN ({c.sql})" for c in sources
        )
        return {
            row[0]
            for row in ws.conn.execute(query, [*values, *(p for c in sources for p in c.params)])
        }
    sets: list[set[int]] = []
    for cond in where:
        if isinstance(cond, _IdSource):
            sets.append(set(_ids(ws, cond.sql, cond.params)))
            if not sets[-1]:
                return set()
    if columns:
        sql, values = _sql(columns, params)
        if sets and min(len(x) for x in sets) < 2000:
            # Few candidates: check the column conditions on those rows only.
            sets.sort(key=len)
            candidates = set.intersection(*sets)
            found: set[int] = set()
            ids = list(candidates)
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                found.update(
                    row[0]
                    for row in ws.conn.execute(
                        f"SELECT t.id FROM tenders t WHERE t.id IN "
                        f"({','.join('?' * len(chunk))}) AND {sql}",
                        [*chunk, *values],
                    )
                )
            return found
        sets.append(
            {row[0] for row in ws.conn.execute(f"SELECT t.id FROM tenders t WHERE {sql}", values)}
        )
    sets.sort(key=len)
    return set.intersection(*sets) if sets else set()


def _ids(ws: Workspace, sql: str, params: list[Any] = ()) -> list[int]:
    """The first column of ``sql``'s rows as one JSON array: twice as quick as row by row for
    the hundreds of thousands of ids a broad search or a full list holds."""
    query = f"WITH x(id) AS ({sql}) SELECT json_group_array(id) FROM x"
    (text,) = ws.conn.execute(query, params).fetchone()
    return orjson.loads(text)


def _ordered(ws: Workspace, sort: str, descending: bool) -> list[int]:
    return _order_entry(ws, sort, descending)[1]


def _order_entry(ws: Workspace, sort: str, descending: bool) -> list:
    """[generation, ordered keys, position of each key or None until first needed]."""
    cache = _CACHE.setdefault(ws, {})
    generation = _generation(ws)
    key = (sort, descending)
    hit = cache.get(key)
    if hit is None or hit[0] != generation:
        sql = f"SELECT t.id FROM tenders t ORDER BY {_ORDERS[key]}"
        hit = [generation, _ids(ws, sql), None]
        cache[key] = hit
    return hit


SQL_ORDER_MAX = 5000


def _in_order(ws: Workspace, sort: str, descending: bool, hits: set[int]) -> list[int]:
    hit = _CACHE.get(ws, {}).get((sort, descending))
    if len(hits) <= SQL_ORDER_MAX and (hit is None or hit[0] != _generation(ws)):
        # No id list in this order yet (the first search since the app started, or since an
        # import): SQLite sorts a few thousand hits in milliseconds, where reading the whole
        # list of 400,000 ids in order takes a tenth of a second. More hits than that read the
        # list once, and every later search uses it.
        sql = (
            "SELECT t.id FROM tenders t WHERE t.id IN (SELECT value FROM json_each(?)) "
            f"ORDER BY {_ORDERS[sort, descending]}"
        )
        return [row[0] for row in ws.conn.execute(sql, [json.dumps(list(hits))])]
    entry = _order_entry(ws, sort, descending)
    order = entry[1]
    if len(hits) * 20 < len(order):  # few hits: sort them by position instead of a full pass
        if entry[2] is None:
            entry[2] = {k: i for i, k in enumerate(order)}
        position = entry[2]
        return sorted((k for k in hits if k in position), key=position.__getitem__)
    return [k for k in order if k in hits]


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


def search_keys(
    ws: Workspace,
    query: TenderQuery | None = None,
    *,
    today=None,
    limit: int | None = None,
    **kwargs,
) -> list[int]:
    """Row keys (integers) of the matching tenders in the query's order: what a list holds.

    Keyword arguments set query fields: ``search_keys(ws, text="care*", status=["open"])``.
    """
    q = _query(query, kwargs)
    where, params, match = _where(q, today)
    if not where:
        keys = list(_ordered(ws, _sort(q), bool(q.descending)))
        return keys[:limit] if limit is not None else keys
    hits = _matching(ws, where, params)
    if not hits:
        return []
    if q.sort == "relevance" and match:
        keys = _by_relevance(ws, match, hits, bool(q.descending))
    else:
        keys = _in_order(ws, _sort(q), bool(q.descending), hits)
    return keys[:limit] if limit is not None else keys


RELEVANCE_RANKED = 1000  # beyond the best 1,000 matches, relevance means little: by deadline


def _sort(q: TenderQuery) -> str:
    return q.sort if q.sort in SORTS and q.sort != "relevance" else "deadline"


def _by_relevance(ws: Workspace, match: str, hits: set[int], descending: bool) -> list[int]:
    """Best matches first (bm25, title weighted most); past the best 1,000, by deadline."""
    rank = "bm25(tenders_fts, 10.0, 1.0, 3.0)" + (" DESC" if descending else "")
    sql = f"SELECT rowid FROM tenders_fts WHERE tenders_fts MATCH ? ORDER BY {rank}, rowid"
    if len(hits) > 5 * RELEVANCE_RANKED:
        ranked: list[int] = []
        for (rowid,) in ws.conn.execute(sql + " LIMIT ?", [match, 5 * RELEVANCE_RANKED]):
            if rowid in hits:
                ranked.append(rowid)
                if len(ranked) == RELEVANCE_RANKED:
                    break
        top = set(ranked)
        return ranked + _in_order(ws, "deadline", False, hits - top)
    if len(hits) > 500:
        return [rowid for (rowid,) in ws.conn.execute(sql, [match]) if rowid in hits]
    # Few matches: rank only those.
    ids = list(hits)
    marks = ",".join("?" * len(ids))
    sql = (
        f"SELECT rowid FROM tenders_fts WHERE tenders_fts MATCH ? AND rowid IN ({marks}) "
        f"ORDER BY {rank}, rowid"
    )
    return [rowid for (rowid,) in ws.conn.execute(sql, [match, *ids])]


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
        mapping = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            mapping.update(
                ws.conn.execute(
                    f"SELECT id, ocid FROM tenders WHERE id IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
            )
    return [mapping[k] for k in keys if k in mapping]


def key_of(ws: Workspace, ocid: str) -> int | None:
    """The row key of one tender (what :func:`search_keys` lists), or None if it is not here."""
    row = ws.conn.execute("SELECT id FROM tenders WHERE ocid = ?", [ocid]).fetchone()
    return row[0] if row else None


def count(ws: Workspace, query: TenderQuery | None = None, *, today=None, **kwargs) -> int:
    """How many tenders match."""
    q = _query(query, kwargs)
    where, params, _match = _where(q, today)
    if not where:
        return ws.conn.execute("SELECT count(*) FROM tenders").fetchone()[0]
    return len(_matching(ws, where, params))


ROW_COLUMNS = (
    "t.id AS key, t.ocid, t.source, t.notice_id, t.notice_type, t.notice_url, t.phase, t.title, "
    "t.buyer_name, t.currency, t.value, t.value_gross, t.value_min, t.value_max, t.value_sort, "
    "t.deadline, t.published, t.sme, t.vcse, t.reserved_vcse, t.light_touch, t.lot_count, "
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
            row["status"] = status_for(row["phase"], row["deadline"], today)
            row["defects"] = json.loads(row["defects"])
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


def saved_searches(ws: Workspace, *, today=None) -> list[dict]:
    """Every saved search with its counts: ``count`` (all matches), ``new`` (new or changed
    since the user last viewed it) and ``new_in_last_import`` (brought by the latest import)."""
    out = []
    latest = last_import(ws)
    for (search_id,) in ws.conn.execute("SELECT id FROM saved_searches ORDER BY name").fetchall():
        saved = _saved(ws, search_id)
        q = saved["query"]
        saved["count"] = count(ws, q, today=today)
        saved["new"] = count(
            ws, dataclasses.replace(q, changed_since=saved["last_viewed_at"] or ""), today=today
        )
        saved["new_in_last_import"] = (
            count(ws, dataclasses.replace(q, changed_from=latest), today=today) if latest else 0
        )
        saved["query"] = q.to_dict()
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
