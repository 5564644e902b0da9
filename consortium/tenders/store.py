"""The SQL behind tenders: raw releases, tender rows, their CPV codes and places.

Call these inside ``ws.atomic()``; they never commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import operator
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence

import zstandard
from sqlite_utils import Database

from consortium import places
from consortium.tenders import merge, packing
from consortium.tenders.extract import extract, lot_text, notice_page
from consortium.tenders.records import PHASE_PLANNING, Tender
from consortium.tenders.writer import Statement, multi_insert

TENDER_COLUMNS = (
    "id",
    "ocid",
    "source",
    "notice_id",
    "notice_type",
    "notice_url",
    "phase",
    "title",
    "description",
    "lot_text",
    "reference",
    "buyer_name",
    "currency",
    "value",
    "value_gross",
    "value_min",
    "value_max",
    "value_sort",
    "deadline",
    "expected",  # a planning notice's anticipated tender date: "coming soon" until then
    "published",
    "sme",
    "vcse",
    "reserved_vcse",
    "light_touch",
    "lot_count",
    "hash",
    "defects",
    "first_seen_at",
    "changed_at",  # the import that stored it as it is now
)
TEXT_COLUMNS = ("description", "lot_text")  # stored in tender_texts (the title: in tenders)
TABLE_COLUMNS = tuple(c for c in TENDER_COLUMNS if c not in TEXT_COLUMNS)
_TABLE_INDEX = [TENDER_COLUMNS.index(c) for c in TABLE_COLUMNS]
_UPDATE_COLUMNS = [c for c in TABLE_COLUMNS if c not in ("id", "ocid", "first_seen_at")]
UPDATE_TEXT = "INSERT OR REPLACE INTO tender_texts (description, lot_text, id) VALUES (?, ?, ?)"
UPDATE_TENDER = f"UPDATE tenders SET {', '.join(f'{c} = ?' for c in _UPDATE_COLUMNS)} WHERE id = ?"


# How many tenders were loaded as full records ("tender") and how many of those were compiled
# from their releases ("compile"). Tests read it to prove that opening the window, or opening a
# tender twice, does not do work proportional to the number of tenders.
LOADS: Counter = Counter()


def now_stamp() -> str:
    """A UTC timestamp with microseconds: one per import, comparable as text."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


unpack = packing.unpack  # a stored raw release (compressed, or plain text in old files) as text


def tender_values(tender: Tender, digest: str, row_id: int, first_seen: str, now: str) -> tuple:
    """One row of a tender (see :data:`TENDER_COLUMNS`) for :func:`tender_statements`."""
    value_sort = next(
        (v for v in (tender.value_max, tender.value_gross, tender.value_min) if v is not None),
        None,
    )
    return (
        row_id,
        tender.ocid,
        tender.source,
        tender.notice_id,
        tender.notice_type,
        stored_notice_url(tender),
        tender.phase,
        tender.title,
        tender.description,
        lot_text(tender),
        tender.reference,
        tender.buyer_name,
        tender.currency,
        tender.value,
        tender.value_gross,
        tender.value_min,
        tender.value_max,
        value_sort,
        tender.open_deadline,
        tender.future_notice_date if tender.phase == PHASE_PLANNING else None,
        tender.published,
        None if tender.sme is None else int(tender.sme),
        None if tender.vcse is None else int(tender.vcse),
        int(tender.reserved_vcse),
        int(tender.light_touch),
        len(tender.lots),
        digest,
        json.dumps(tender.defects) if tender.defects else "[]",
        first_seen,
        now,
    )


def stored_notice_url(tender: Tender) -> str | None:
    """What the tenders table keeps of a notice page's address: nothing when the notice id
    gives it (most do: 57 bytes a tender), "" when there is none, else the address."""
    given = notice_page(tender.source, tender.ocid, tender.notice_id)
    if tender.notice_url == given:
        return None
    return tender.notice_url or ""


def notice_url_of(source: str, ocid: str, notice_id: str | None, stored: str | None) -> str | None:
    """A notice page's address from a tenders row (see :func:`stored_notice_url`)."""
    if stored is None:
        return notice_page(source, ocid, notice_id)
    return stored or None


def digest_of(text: str) -> str:
    """The hash that says whether a tender changed: of its compiled release's JSON text."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def place_codes(tender: Tender) -> list[str]:
    """Codes for the place index: ITL codes as given, councils with their ITL3 region."""
    codes = list(tender.places)
    for lot in tender.lots:
        codes.extend(lot.places)
    for gss in tender.councils:
        codes.append(gss)
        up = places.ancestors(gss)
        if up:
            codes.append(up[0])
    return list(dict.fromkeys(codes))


def cpv_codes(tender: Tender) -> list[str]:
    codes = list(tender.cpv)
    for lot in tender.lots:
        codes.extend(lot.cpv)
    return list(dict.fromkeys(codes))


_TABLE_ROW = operator.itemgetter(*_TABLE_INDEX)
_DESCRIPTION, _LOT_TEXT = TENDER_COLUMNS.index("description"), TENDER_COLUMNS.index("lot_text")
# (title, description, lot text) of a tender_values row: the texts the word model counts.
texts_of_row = operator.itemgetter(
    *(TENDER_COLUMNS.index(c) for c in ("title", "description", "lot_text"))
)
_TEXT_ROW = operator.itemgetter(
    *(TENDER_COLUMNS.index(c) for c in ("id", "title", "description", "lot_text"))
)
_TENDER_HEAD = f"INSERT INTO tenders ({', '.join(TABLE_COLUMNS)})"
_TEXT_HEAD = "INSERT INTO tender_texts (id, description, lot_text)"  # the title: in tenders
# The search index holds no copy of the texts (contentless): it is given them as they are
# stored, and given the old ones back (from tender_texts, which keeps them compressed) to take
# a tender out before it is indexed again.
_FTS_HEAD = "INSERT INTO tenders_fts (rowid, title, description, lot_text)"
_FTS_DELETE = (
    "INSERT INTO tenders_fts (tenders_fts, rowid, title, description, lot_text) "
    "VALUES ('delete', ?, ?, ?, ?)"
)
_CPV_HEAD = "INSERT OR IGNORE INTO tender_cpv (code, tender_id)"
_PLACE_HEAD = "INSERT OR IGNORE INTO tender_places (code, tender_id)"
CONTRACT_COLUMNS = (
    "tender_id", "contract_id", "title", "status", "suppliers", "supplier_ids", "value",
    "value_gross", "currency", "start_date", "end_date", "max_end_date", "lots",
)  # fmt: skip
_CONTRACT_HEAD = f"INSERT INTO tender_contracts ({', '.join(CONTRACT_COLUMNS)})"
_RELEASE_HEAD = "INSERT INTO tender_releases (ocid, release_id, date, tags, raw)"
_DATA_HEAD = "INSERT OR REPLACE INTO tender_data (id, version, data)"


def release_statements(rows: Sequence[tuple], limit: int, dictionary: int = 0) -> list[Statement]:
    """Statements that store raw releases: rows of (ocid, release id, UTC date, tags, JSON).

    The JSON is compressed here (with the workspace's ``dictionary``, if it has one): the
    importer calls this on its writer thread, so compressing (which releases the GIL) overlaps
    the parsing of the next notices."""
    frames = packing.pack_many([row[4].encode("utf-8") for row in rows], dictionary)
    packed = [(*row[:4], frame) for row, frame in zip(rows, frames, strict=True)]
    return multi_insert(_RELEASE_HEAD, packed, 5, limit)


# (connection, file) -> (the ids stored, {kind: ids of that kind, oldest first}). Checked
# against the table on each use: another process (or a rolled-back import) may have changed it.
_LOADED: dict[tuple, tuple[str, dict[str, list[int]]]] = {}
RELEASES, TENDERS, TEXTS = "release", "tender", "text"  # what a dictionary was learnt from


def _dictionaries(conn: sqlite3.Connection) -> dict[str, list[int]]:
    key = (id(conn), conn.execute("PRAGMA database_list").fetchone()[2])
    (stored,) = conn.execute(
        "SELECT group_concat(id) FROM (SELECT id FROM tender_dictionaries ORDER BY rowid)"
    ).fetchone()
    stored = stored or ""
    found = _LOADED.get(key)
    if found is None or found[0] != stored:
        by_kind: dict[str, list[int]] = {}
        # In the order they were learnt (a dictionary's id is a hash of it, in no order).
        order = "coalesce(learnt, 0), rowid" if _ordered(conn) else "rowid"
        for kind_of, data in conn.execute(
            f"SELECT kind, data FROM tender_dictionaries ORDER BY {order}"
        ):
            by_kind.setdefault(kind_of, []).append(packing.register(data))
        found = _LOADED[key] = (stored, by_kind)
    return found[1]


def dictionary(conn: sqlite3.Connection, kind: str = RELEASES) -> int:
    """Load the workspace's compression dictionaries (so anything stored can be read); the id
    of the one new data of ``kind`` is packed with (0: none yet)."""
    ids = _dictionaries(conn).get(kind)
    return ids[-1] if ids else 0


def learnt(conn: sqlite3.Connection, kind: str) -> int:
    """How many dictionaries ``kind`` has learnt (see :func:`packing.generations`)."""
    return len(_dictionaries(conn).get(kind, ()))


def save_dictionary(conn: sqlite3.Connection, kind: str, data: bytes) -> int:
    """Store a dictionary trained by :func:`packing.train`: new data of ``kind`` is packed with
    it from now on. Returns its id."""
    dict_id = packing.register(data)
    if _ordered(conn):
        conn.execute(
            "INSERT OR REPLACE INTO tender_dictionaries (id, kind, data, learnt) VALUES "
            "(?, ?, ?, (SELECT coalesce(max(learnt), 0) + 1 FROM tender_dictionaries))",
            [dict_id, kind, data],
        )
    else:  # a migration step from before dictionaries were numbered
        conn.execute(
            "INSERT OR REPLACE INTO tender_dictionaries (id, kind, data) VALUES (?, ?, ?)",
            [dict_id, kind, data],
        )
    return dict_id


def _ordered(conn: sqlite3.Connection) -> bool:
    """Whether the dictionaries are numbered in the order they were learnt (migration
    ``dictionaries_in_order``)."""
    return any(c[1] == "learnt" for c in conn.execute("PRAGMA table_info(tender_dictionaries)"))


def add_dictionary(
    conn: sqlite3.Connection, kind: str, samples: list[bytes], size: int = packing.DICTIONARY_SIZE
) -> int:
    """Train and store the dictionary new data of ``kind`` will be packed with; its id (0 if
    the samples could not be learnt from)."""
    try:
        data = packing.train(samples, size)
    except zstandard.ZstdError:  # samples too alike or too few to learn from: plain zstd
        return 0
    return save_dictionary(conn, kind, data)


# What each kind of packed data is, as rows of the workspace: counted, and read back as
# samples to learn from when a workspace filled a little at a time (a feed's pages of 100)
# reaches the next dictionary's number of samples.
_STORED = {
    RELEASES: ("tender_releases", ("raw",)),
    TENDERS: ("tender_data", ("data",)),
    TEXTS: ("tender_texts", ("description", "lot_text")),
}


def stored_count(conn: sqlite3.Connection, kind: str) -> int:
    table, _ = _STORED[kind]
    return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def stored_samples(conn: sqlite3.Connection, kind: str, n: int) -> list[bytes]:
    """The newest ``n`` rows of ``kind`` the workspace holds, unpacked, to learn from."""
    table, columns = _STORED[kind]
    _dictionaries(conn)
    rows = conn.execute(
        f"SELECT {', '.join(columns)} FROM {table} ORDER BY id DESC LIMIT ?", [max(0, n)]
    )
    return [packing.unpack_bytes(value) for row in rows for value in row if value]


def repack_plain(
    conn: sqlite3.Connection, progress: Callable[[int, int], None] | None = None
) -> int:
    """Compress again, with a dictionary learnt from the workspace, every stored value packed
    without one (plain zstd or zlib, or plain text where a frame would be shorter): what an
    update from before compression left. Each kind first learns the dictionaries its rows are
    enough for, as an import would have (:func:`packing.generations`). Values already packed
    with a dictionary are left as they are. ``progress(done, total)`` hears how far it is, in
    rows. Returns how many values were compressed again.

    Values packed without a dictionary are always the oldest rows (stored before the first
    dictionary was learnt, or by the update that first compressed them): the walk, in id
    order, stops at the first 1,000 rows that need nothing, so a workspace packed well is not
    read through (at 200,000 tenders that read put 300 MB of the file in memory)."""
    _dictionaries(conn)
    # Rows by their highest id (the end of the table's tree: counting them reads it all), for
    # the progress bar.
    ends = {
        kind: conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
        for kind, (table, _) in _STORED.items()
    }
    total, before, changed = sum(ends.values()), 0, 0
    for kind, (table, columns) in _STORED.items():
        start, before = before, before + ends[kind]  # the progress of the kinds done already
        unlearnt = packing.generations()[learnt(conn, kind) :]
        count = stored_count(conn, kind) if unlearnt else 0
        for samples, size in unlearnt:
            if count < samples or not add_dictionary(
                conn, kind, stored_samples(conn, kind, samples), size
            ):
                break
        packed_with = dictionary(conn, kind)
        if not packed_with:
            continue  # too few (or too alike) to learn from: left as they are
        update = f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in columns)} WHERE id = ?"
        last = 0
        while rows := conn.execute(
            f"SELECT id, {', '.join(columns)} FROM {table} WHERE id > ? ORDER BY id LIMIT 1000",
            [last],
        ).fetchall():
            last = rows[-1][0]
            changes = []
            for row_id, *values in rows:
                again = [_packed_again(kind, v, packed_with) for v in values]
                moved = sum(a is not v for a, v in zip(again, values, strict=True))
                if moved:
                    changes.append((*again, row_id))
                    changed += moved
            conn.executemany(update, changes)
            if progress is not None:
                progress(min(start + last, total), total)
            if not changes:
                break  # past the oldest rows: the rest were packed with a dictionary
    return changed


def _packed_again(kind: str, value, packed_with: int):
    """``value`` packed with the dictionary ``packed_with``, or ``value`` itself when it was
    packed with a dictionary already (or is empty)."""
    if not value:
        return value
    if isinstance(value, bytes) and value[:4] == packing.ZSTD_MAGIC:
        if zstandard.get_frame_parameters(value).dict_id:
            return value
    elif kind == TEXTS and isinstance(value, str):
        return value  # kept as text when compressing it made it no shorter (pack_words)
    if kind == TEXTS:
        again = pack_words(unpack(value), packed_with)
        return value if again == value else again
    return packing.pack_bytes(packing.unpack_bytes(value), packed_with)


def text_samples(rows: Sequence[tuple]) -> list[bytes]:
    """What the texts' dictionary is learnt from: the descriptions and lot texts of
    :func:`tender_values` rows."""
    return [
        text.encode("utf-8") for row in rows for text in (row[_DESCRIPTION], row[_LOT_TEXT]) if text
    ]


def data_statements(
    children: Iterable[tuple[int, Tender]], limit: int, dictionary: int = 0
) -> list[Statement]:
    """Statements that store each extracted tender, so opening it never compiles it again."""
    children = list(children)
    frames = packing.pack_tenders([tender for _, tender in children], dictionary)
    rows = [
        (row_id, packing.TENDER_VERSION, frame)
        for (row_id, _), frame in zip(children, frames, strict=True)
    ]
    return multi_insert(_DATA_HEAD, rows, 3, limit, per=256)


def tender_statements(
    rows: Sequence[tuple],
    children: Iterable[tuple[int, Tender]],
    limit: int,
    dictionary: int = 0,
    text_dictionary: int = 0,
) -> list[Statement]:
    """Statements that insert new tenders (rows from :func:`tender_values`), index their text
    and file their CPV codes and places (``children``: (row id, tender) pairs).

    The texts are compressed here (with ``text_dictionary``), on the importer's writer thread."""
    children = list(children)
    table = list(map(_TABLE_ROW, rows))
    texts = list(map(_TEXT_ROW, rows))
    words = pack_many_words(
        [text for _, _, description, lot in texts for text in (description, lot)], text_dictionary
    )
    packed = [(row_id, words[2 * i], words[2 * i + 1]) for i, (row_id, *_) in enumerate(texts)]
    return [
        *multi_insert(_TENDER_HEAD, table, len(TABLE_COLUMNS), limit),
        *multi_insert(_TEXT_HEAD, packed, 3, limit),
        *multi_insert(_FTS_HEAD, texts, 4, limit),
        *children_statements(children, limit),
        *data_statements(children, limit, dictionary),
    ]


def contract_rows(row_id: int, tender: Tender) -> list[tuple]:
    """Rows of ``tender_contracts`` for a tender's awarded contracts (the re-tender pipeline)."""
    return [
        (
            row_id, c.id, c.title, c.status, "; ".join(c.suppliers), " ".join(c.supplier_ids),
            c.value, c.value_gross, c.currency, c.start, c.end, c.max_end, ",".join(c.lots),
        )
        for c in tender.contracts
    ]  # fmt: skip


def contract_statements(rows: Sequence[tuple], limit: int) -> list[Statement]:
    return multi_insert(_CONTRACT_HEAD, rows, len(CONTRACT_COLUMNS), limit, per=512)


def children_statements(rows: Iterable[tuple[int, Tender]], limit: int) -> list[Statement]:
    cpv_rows, place_rows, contracts = [], [], []
    for row_id, tender in rows:
        cpv_rows += [(code, row_id) for code in cpv_codes(tender)]
        place_rows += [(code, row_id) for code in place_codes(tender)]
        if tender.contracts:
            contracts += contract_rows(row_id, tender)
    # A batch of tenders has a few codes each: one statement per table for all of them.
    return [
        *multi_insert(_CPV_HEAD, cpv_rows, 2, limit, per=2048),
        *multi_insert(_PLACE_HEAD, place_rows, 2, limit, per=2048),
        *contract_statements(contracts, limit),
    ]


def run(conn: sqlite3.Connection, statements: Iterable[Statement]) -> None:
    """Run statements from the builders here on this thread."""
    for sql, params in statements:
        conn.execute(sql, params)


def update_tender(conn: sqlite3.Connection, row: tuple, old: tuple | None = None) -> None:
    """Replace a stored tender with a new :func:`tender_values` row (same id and first-seen),
    and index its texts again. ``old``: its stored texts, if the caller has read them."""
    by_name = dict(zip(TENDER_COLUMNS, row, strict=True))
    row_id = by_name["id"]
    if old is None:
        old = tender_texts(conn, row_id)  # before the title changes with the rest of the row
    conn.execute(UPDATE_TENDER, [by_name[c] for c in _UPDATE_COLUMNS] + [row_id])
    if old is not None:  # the index is told exactly what it was given, to take it out
        conn.execute(_FTS_DELETE, [row_id, *old])
    words = dictionary(conn, TEXTS)
    texts = [by_name["title"], by_name["description"], by_name["lot_text"]]
    conn.execute(UPDATE_TEXT, [pack_words(texts[1], words), pack_words(texts[2], words), row_id])
    conn.execute(f"{_FTS_HEAD} VALUES (?, ?, ?, ?)", [row_id, *texts])


def pack_words(text: str | None, dictionary: int = 0) -> str | bytes:
    """A tender text as ``tender_texts`` keeps it: a zstd frame, or the text itself when that
    is no longer (a short title or an empty lot text). :func:`unpack_texts` reads either."""
    if not text:
        return text or ""
    packed = packing.pack_text(text, dictionary)
    return packed if len(packed) < len(text) else text


def pack_many_words(texts: Sequence[str | None], dictionary: int = 0) -> list[str | bytes]:
    """:func:`pack_words` for many, compressed in one call (see :func:`packing.pack_many`)."""
    full = [text for text in texts if text]
    frames = iter(packing.pack_many([text.encode("utf-8") for text in full], dictionary))
    out: list[str | bytes] = []
    for text in texts:
        if not text:
            out.append(text or "")  # empty: kept as it is, never compressed
            continue
        packed = next(frames)
        out.append(packed if len(packed) < len(text) else text)
    return out


def unpack_texts(row: Sequence) -> tuple:
    """(title, description, lot text) as text from a row of the three (as
    :data:`TEXTS_SELECT` gives them: the title from ``tenders``, the others from
    ``tender_texts``)."""
    title, description, lot = row
    return (
        title,
        "" if description is None else unpack(description),
        "" if lot is None else unpack(lot),
    )


def tender_texts(conn: sqlite3.Connection, row_id: int) -> tuple | None:
    """(title, description, lot text) of one stored tender."""
    dictionary(conn)
    row = conn.execute(f"{TEXTS_SELECT} WHERE x.id = ?", [row_id]).fetchone()
    return None if row is None else unpack_texts(row)


# A tender's three texts: its title is kept once, in tenders; its description and lot texts,
# compressed, in tender_texts (which the search index, keeping no copy, is built from).
TEXTS_SELECT = (
    "SELECT t.title, x.description, x.lot_text FROM tender_texts x JOIN tenders t ON t.id = x.id"
)


def all_texts(conn: sqlite3.Connection, sql: str, params: Sequence = ()) -> Iterable[tuple]:
    """(title, description, lot text) as text for the rows ``sql`` selects (from
    :data:`TEXTS_SELECT`, or columns like it)."""
    dictionary(conn)
    return map(unpack_texts, conn.execute(sql, params))


def tenders_state(db: Database) -> tuple:
    """Changes whenever tenders are added or changed: the key of what is cached about them."""
    file = db.execute("PRAGMA database_list").fetchone()[2]
    # Two queries, each answered from one end of an index (count(*) would read all of one).
    # Tenders are never deleted, and every import stamps what it adds or changes.
    return (
        id(db.conn),
        file,
        db.execute("SELECT max(id) FROM tenders").fetchone()[0],
        db.execute("SELECT max(changed_at) FROM tenders").fetchone()[0],
    )


def has_tenders(db: Database) -> bool:
    return db.execute("SELECT 1 FROM tenders LIMIT 1").fetchone() is not None


# Indexes an import that grows the workspace a lot drops and builds again at its end: built
# from sorted rows, each is written once and packed full, not split and rewritten batch after
# batch. The import's own look-ups need the others (a release seen before, a CSV reference).
_REBUILT_TABLES = ("tenders", "tender_cpv", "tender_places", "tender_contracts")
_KEPT_INDEXES = ("tenders_reference",)


def drop_indexes_for_bulk(conn: sqlite3.Connection) -> list[str]:
    """Drop the indexes :func:`build_indexes` builds again; returns their CREATE statements."""
    marks = ",".join("?" * len(_REBUILT_TABLES))
    rows = conn.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks}) ORDER BY name",
        _REBUILT_TABLES,
    ).fetchall()
    dropped = []
    for name, sql in rows:
        if name in _KEPT_INDEXES:
            continue
        conn.execute(f'DROP INDEX "{name}"')
        dropped.append(sql)
    return dropped


def build_indexes(conn: sqlite3.Connection, statements: Sequence[str]) -> None:
    for sql in statements:
        conn.execute(sql)


def next_id(db: Database) -> int:
    return (db.execute("SELECT coalesce(max(id), 0) FROM tenders").fetchone()[0]) + 1


def delete_children(conn: sqlite3.Connection, row_id: int) -> None:
    conn.execute("DELETE FROM tender_cpv WHERE tender_id = ?", [row_id])
    conn.execute("DELETE FROM tender_places WHERE tender_id = ?", [row_id])
    conn.execute("DELETE FROM tender_contracts WHERE tender_id = ?", [row_id])


def chunks(values: Sequence, size: int = 500) -> Iterable[tuple[list[str], str]]:
    """(chunk, "?,?,…") pieces of ``values`` for ``IN (…)`` queries."""
    unique = list(dict.fromkeys(values))
    for start in range(0, len(unique), size):
        chunk = unique[start : start + size]
        yield chunk, ",".join("?" * len(chunk))


# What one import stamped, read through the index on changed_at, named: the workspace's
# statistics say one stamp holds every tender (a year imported at once shares one), so without
# the name SQLite read all 200,000 tenders twice at the end of every import, 40 ms a page of a
# download.
_STAMPED = "FROM tenders INDEXED BY tenders_changed WHERE changed_at = ?"


def defects_stamped(conn: sqlite3.Connection, stamp: str) -> Iterator[tuple[str, str, list]]:
    """(ocid, notice id, defects) of each tender with defects changed at ``stamp``."""
    for ocid, notice_id, defects in conn.execute(
        f"SELECT ocid, notice_id, defects {_STAMPED} AND defects != '[]'", [stamp]
    ):
        yield ocid, notice_id, json.loads(defects)


def open_stamped(conn: sqlite3.Connection, stamp: str, now: str) -> int:
    """How many tenders changed at ``stamp`` are open for bids at ``now`` (UTC text)."""
    return conn.execute(
        f"SELECT count(*) {_STAMPED} AND phase = 'tender' AND (deadline IS NULL OR deadline > ?)",
        [stamp, now],
    ).fetchone()[0]


def existing_releases(
    conn: sqlite3.Connection, ocids: Sequence[str]
) -> dict[str, dict[str, str | None]]:
    """For each ocid already stored, its stored releases' ids and their UTC dates."""
    found: dict[str, dict[str, str | None]] = {}
    for chunk, marks in chunks(ocids):
        for ocid, rid, date in conn.execute(
            f"SELECT ocid, release_id, date FROM tender_releases WHERE ocid IN ({marks})", chunk
        ):
            found.setdefault(ocid, {})[rid] = date
    return found


def replace_release(conn: sqlite3.Connection, row: tuple) -> None:
    """Replace a stored release by a later-dated copy with the same id: row as for
    :func:`release_statements` (ocid, release id, UTC date, tags, JSON)."""
    ocid, rid, date, tags, text = row
    conn.execute(
        "UPDATE tender_releases SET date = ?, tags = ?, raw = ? WHERE ocid = ? AND release_id = ?",
        [date, tags, packing.pack_text(text, dictionary(conn, RELEASES)), ocid, rid],
    )


def load_releases(db: Database, ocid: str) -> list[dict]:
    """The stored releases of one ocid, in import order."""
    return load_releases_of(db.conn, [ocid]).get(ocid, [])


def load_releases_of(conn: sqlite3.Connection, ocids: Sequence[str]) -> dict[str, list[dict]]:
    """The stored releases of each of ``ocids``, in import order."""
    found: dict[str, list[dict]] = {}
    dictionary(conn)
    for chunk, marks in chunks(ocids):
        for ocid, raw in conn.execute(
            f"SELECT ocid, raw FROM tender_releases WHERE ocid IN ({marks}) ORDER BY id", chunk
        ):
            found.setdefault(ocid, []).append(json.loads(unpack(raw)))
    return found


def tender_rows(conn: sqlite3.Connection, ocids: Sequence[str]) -> dict[str, tuple]:
    """(id, hash, first seen, defects) of each of ``ocids`` already stored as a tender."""
    found: dict[str, tuple] = {}
    for chunk, marks in chunks(ocids):
        for ocid, *row in conn.execute(
            f"SELECT ocid, id, hash, first_seen_at, defects FROM tenders WHERE ocid IN ({marks})",
            chunk,
        ):
            found[ocid] = tuple(row)
    return found


_GET_TENDER = (
    "SELECT t.defects, d.version, d.data, t.title, x.description FROM tenders t "
    "LEFT JOIN tender_data d ON d.id = t.id LEFT JOIN tender_texts x ON x.id = t.id "
    "WHERE t.ocid = ?"
)


def get_tender(db: Database, ocid: str) -> Tender | None:
    """The full :class:`Tender` as extracted at import (compiled again from the stored releases
    only if it was stored by an older version of the extraction)."""
    row = db.execute(_GET_TENDER, [ocid]).fetchone()
    if row is None:
        return None
    dictionary(db.conn)
    defects, version, data, title, description = row
    LOADS["tender"] += 1
    if version == packing.TENDER_VERSION:
        tender = packing.tender_from_blob(data, title, description and unpack(description))
    else:
        tender = compile_tender(db.conn, ocid)
    tender.defects = json.loads(defects)
    return tender


def load_tenders(conn: sqlite3.Connection, ids: Sequence[int]) -> list[Tender]:
    """The stored tenders with these row ids (in that order; missing ids are left out)."""
    found: dict[int, Tender] = {}
    stale: dict[int, str] = {}
    dictionary(conn)
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        marks = ",".join("?" * len(chunk))
        for row_id, ocid, defects, version, data, title, description in conn.execute(
            "SELECT t.id, t.ocid, t.defects, d.version, d.data, t.title, x.description "
            "FROM tenders t LEFT JOIN tender_data d ON d.id = t.id "
            f"LEFT JOIN tender_texts x ON x.id = t.id WHERE t.id IN ({marks})",
            chunk,
        ):
            if version == packing.TENDER_VERSION:
                tender = packing.tender_from_blob(data, title, description and unpack(description))
                tender.defects = json.loads(defects)
                found[row_id] = tender
            else:
                stale[row_id] = ocid
    for row_id, ocid in stale.items():
        tender = compile_tender(conn, ocid)
        found[row_id] = tender
    LOADS["tender"] += len(found)
    return [found[i] for i in ids if i in found]


def compile_tender(conn: sqlite3.Connection, ocid: str) -> Tender:
    """The tender compiled from its stored releases with the merge rules (a few milliseconds)."""
    LOADS["compile"] += 1
    releases = load_releases_of(conn, [ocid]).get(ocid, [])
    compiled, _warning = merge.compile_releases(releases)
    tender = extract(compiled, history(releases))
    row = conn.execute("SELECT defects FROM tenders WHERE ocid = ?", [ocid]).fetchone()
    if row:
        tender.defects = json.loads(row[0])
    return tender


def store_stale(
    conn: sqlite3.Connection,
    chunk: int = 200,
    progress: Callable[[int, int], None] | None = None,
    extracted: set[int] | None = None,
) -> int:
    """Compile and store again every tender stored by another version of the extraction (or
    never stored): what a migration step calls after :data:`packing.TENDER_VERSION` is bumped.
    ``progress(done, total)`` hears how far it is; ``extracted``, if given, receives the row
    ids stored. Returns how many were stored."""
    stale = conn.execute(
        "SELECT t.id, t.ocid FROM tenders t LEFT JOIN tender_data d ON d.id = t.id "
        "WHERE d.version IS NOT ? ORDER BY t.id",
        [packing.TENDER_VERSION],
    ).fetchall()
    packed_with = dictionary(conn, TENDERS)
    for start in range(0, len(stale), chunk):
        if progress is not None:
            progress(start, len(stale))
        children = [
            (row_id, compile_tender(conn, ocid)) for row_id, ocid in stale[start : start + chunk]
        ]
        run(conn, data_statements(children, variable_limit_of(conn), packed_with))
        if extracted is not None:
            extracted.update(row_id for row_id, _ in children)
    return len(stale)


def extracted_or_compiled(
    conn: sqlite3.Connection, rows: Sequence[tuple[int, str]], extracted: set[int] | None
) -> tuple[list[tuple[int, Tender]], list[tuple[int, Tender]]]:
    """(row id, tender) for each (row id, ocid) of ``rows``: read back from what is stored when
    its id is in ``extracted`` (stored a moment ago by this version's extraction), else compiled
    from its releases. Returns them all, and those compiled (their stored copy is older)."""
    done = extracted or set()
    ready: dict[int, Tender] = {}
    wanted = [row_id for row_id, _ in rows if row_id in done]
    if wanted:
        dictionary(conn)  # loads the dictionaries the stored copies were packed with
        for part, marks in chunks(wanted):
            for row_id, data in conn.execute(
                f"SELECT id, data FROM tender_data WHERE version = ? AND id IN ({marks})",
                [packing.TENDER_VERSION, *part],
            ):
                ready[row_id] = packing.tender_from_blob(data, None, None)
    compiled = [
        (row_id, compile_tender(conn, ocid)) for row_id, ocid in rows if row_id not in ready
    ]
    ready.update(compiled)
    return [(row_id, ready[row_id]) for row_id, _ in rows], compiled


def reindex_extracted(
    conn: sqlite3.Connection,
    chunk: int = 200,
    progress: Callable[[int, int], None] | None = None,
    extracted: set[int] | None = None,
) -> int:
    """Extract every stored tender again from its releases and rebuild what is derived from the
    extraction: the place and CPV indexes and the stored tender. A migration step calls this
    when the extraction's rules change (i13: a UK-reserved tender is no longer delivered in
    "TL"), so old rows never outlive the rule. Contracts keep their rows (their ids are
    referenced). Tenders whose ids are in ``extracted`` were stored by this version's rules
    already: they are read back, not compiled. Returns how many tenders were indexed."""
    ids = conn.execute("SELECT id, ocid FROM tenders ORDER BY id").fetchall()
    limit, packed_with = variable_limit_of(conn), dictionary(conn, TENDERS)
    for start in range(0, len(ids), chunk):
        if progress is not None:
            progress(start, len(ids))
        part = ids[start : start + chunk]
        children, compiled = extracted_or_compiled(conn, part, extracted)
        marks = ",".join("?" * len(part))
        keys = [row_id for row_id, _ocid in part]
        conn.execute(f"DELETE FROM tender_cpv WHERE tender_id IN ({marks})", keys)
        conn.execute(f"DELETE FROM tender_places WHERE tender_id IN ({marks})", keys)
        cpv_rows = [(code, row_id) for row_id, t in children for code in cpv_codes(t)]
        place_rows = [(code, row_id) for row_id, t in children for code in place_codes(t)]
        run(conn, multi_insert(_CPV_HEAD, cpv_rows, 2, limit, per=2048))
        run(conn, multi_insert(_PLACE_HEAD, place_rows, 2, limit, per=2048))
        run(conn, data_statements(compiled, limit, packed_with))
    return len(ids)


def replace_data(conn: sqlite3.Connection, row_id: int, tender: Tender) -> None:
    packed_with = dictionary(conn, TENDERS)
    run(conn, data_statements([(row_id, tender)], variable_limit_of(conn), packed_with))


def variable_limit_of(conn: sqlite3.Connection) -> int:
    return conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)


def tags_of(release: dict) -> list[str]:
    """A release's tags as text (``tag`` is a list, but some publishers give one string)."""
    tags = release.get("tag")
    return [str(t) for t in tags] if isinstance(tags, list) else [str(tags or "")]


def history(releases: list[dict]) -> list[tuple[str, str | None, list[str]]]:
    """(id, UTC date, tags) of each release, oldest first, as :func:`extract` wants them."""
    return [
        (str(r.get("id")), merge.utc_iso(r.get("date")), tags_of(r))
        for r in merge.sort_releases(releases)
    ]
