"""Pages of a search (``search_page``: LIMIT/OFFSET in SQL) are the full ordered list
(``search_keys``) cut in pieces, in every plan a page can take, and ``count`` is its length.

On a generated workspace of a few thousand real-shaped tenders (bench/tenders.py) and on the
demo, for every query of the scale bench (bench/scale.py QUERIES)."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

from consortium.tenders import search
from consortium.tenders.search import TenderQuery
from consortium.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


scale = _load("bench_scale", ROOT / "bench" / "scale.py")
QUERIES = [TenderQuery(**q) for q in scale.QUERIES]
TODAY = scale.SEARCH_TODAY


@pytest.fixture
def gen_ws(generated_template, tmp_path):
    shutil.copyfile(generated_template, tmp_path / "g.consortium")
    ws = Workspace.open(tmp_path / "g.consortium", backup=False)
    yield ws
    ws.close()


# Each plan a page can take, forced: rows checked one by one, conditions gathered as sets,
# the rarest condition's ids read and sorted; sampled stretches instead of the whole
# workspace; and relevance ranked over a small pool, so the rest follows by deadline.
PLANS = {
    "chosen": {},
    "probe": {"PROBE_COST": dict.fromkeys(search.PROBE_COST, 0.0), "FEW": 0, "SAMPLE_SPAN": 50},
    "set": {"SET_COST": 0.0, "FEW": 0, "SAMPLE_SPAN": 50},
    "few": {"FEW": 10**9, "SAMPLE_SPAN": 50},
    "small pool": {"RELEVANCE_POOL": 40},
}


def pages(ws, query: TenderQuery, size: int) -> list[int]:
    out, offset = [], 0
    while True:
        page = search.search_page(ws, query, today=TODAY, offset=offset, limit=size)
        out += page
        offset += size
        if len(page) < size:
            return out


def reference_hits(ws, query: TenderQuery) -> set[int]:
    """The matches by the plainest SQL there is: every condition as it reads."""
    conds, _match = search._where(query, TODAY)
    where, params = [], []
    for c in conds:
        if c.hint:  # implied by the others (it starts a scan of the deadline index)
            continue
        if c.kind in ("fts", "ids"):
            where.append(f"t.id IN ({search._source(c)[0]})")
        else:
            where.append(c.sql)
        params += c.params
    sql = "SELECT t.id FROM tenders t" + (f" WHERE {' AND '.join(where)}" if where else "")
    return {r[0] for r in ws.conn.execute(sql, params)}


def sort_key(row: dict, sort: str, descending: bool):
    column = {"deadline": "deadline", "value": "value_sort", "published": "published"}[sort]
    value = row[column]
    _c, _i, direction = search._ORDERS[sort, descending]
    if direction == "DESC":
        return (value is None, _Reversed(value), -row["key"])
    return (value is None, _Reversed(value, up=True), row["key"])


class _Reversed:
    def __init__(self, value, up: bool = False):
        self.value, self.up = value, up

    def __lt__(self, other):
        if self.value is None or other.value is None:
            return False
        return self.value < other.value if self.up else self.value > other.value

    def __eq__(self, other):
        return self.value == other.value


@pytest.mark.parametrize("plan", list(PLANS))
def test_pages_are_the_full_list_in_pieces_and_count_is_its_length(gen_ws, plan, monkeypatch):
    for name, value in PLANS[plan].items():
        monkeypatch.setattr(search, name, value)
    checked_order = 0
    for query in QUERIES:
        full = search.search_keys(gen_ws, query, today=TODAY)
        assert len(set(full)) == len(full), query
        assert set(full) == reference_hits(gen_ws, query), query
        for size in (97, 1000):
            assert pages(gen_ws, query, size) == full, (query, size)
        assert search.search_page(gen_ws, query, today=TODAY, offset=3, limit=5) == full[3:8]
        assert search.count(gen_ws, query, today=TODAY) == len(full), query
        if query.sort != "relevance" or not query.text:
            sort = search._sort(query)
            found = {r["key"]: r for r in search.rows(gen_ws, full)}
            expected = sorted(full, key=lambda k: sort_key(found[k], sort, query.descending))
            assert full == expected, query
            checked_order += 1
    assert checked_order > 30


def test_relevance_ranks_the_pool_by_bm25_then_the_older_matches_by_deadline(gen_ws, monkeypatch):
    monkeypatch.setattr(search, "RELEVANCE_POOL", 40)
    query = TenderQuery(text="support", sort="relevance")
    full = search.search_keys(gen_ws, query)
    newest = [
        r[0]
        for r in gen_ws.conn.execute(
            "SELECT rowid FROM tenders_fts WHERE tenders_fts MATCH 'support' "
            "ORDER BY rowid DESC LIMIT 40"
        )
    ]
    ranked = [
        r[0]
        for r in gen_ws.conn.execute(
            f"SELECT rowid FROM tenders_fts WHERE tenders_fts MATCH 'support' AND rowid >= ? "
            f"ORDER BY {search._BM25}, rowid",
            [min(newest)],
        )
    ]
    assert full[:40] == ranked
    rest = search.search_keys(gen_ws, TenderQuery(text="support"))
    assert full[40:] == [k for k in rest if k < min(newest)]


def test_the_demo_pages_and_counts_alike(demo_ws):
    for query in QUERIES:
        full = search.search_keys(demo_ws, query, today=TODAY)
        assert pages(demo_ws, query, 7) == full, query
        assert search.count(demo_ws, query, today=TODAY) == len(full), query


def test_estimates_are_exact_when_small_and_near_when_sampled(gen_ws, monkeypatch):
    for query in QUERIES:
        exact = search.count(gen_ws, query, today=TODAY)
        estimate = search.estimate(gen_ws, query, today=TODAY)
        assert estimate is None if "*" in query.text else estimate == exact, query
    monkeypatch.setattr(search, "SAMPLE_SPAN", 200)  # eight stretches of 200 of ~2,800 keys
    query = TenderQuery(text="services")
    exact = search.count(gen_ws, query)
    assert abs(search.estimate(gen_ws, query) - exact) < 0.1 * exact


def test_a_count_over_its_budget_gives_none_and_a_cancelled_one_stops(gen_ws):
    query = TenderQuery(text="support", place="TLI")
    assert search.count(gen_ws, query, budget=0.0) is None
    assert search.count(gen_ws, query, cancelled=lambda: True) is None
    assert search.count(gen_ws, query, budget=10.0) == len(search.search_keys(gen_ws, query))


def test_among_keeps_the_given_keys_that_match(gen_ws):
    query = TenderQuery(text="support", status=["open"])
    some = search.search_keys(gen_ws, TenderQuery(status=["open"]))[:300]
    assert search.among(gen_ws, query, some, today=None) == set(some) & set(
        search.search_keys(gen_ws, query)
    )


def test_id_lists_read_as_one_json_array_keep_the_order(demo_ws):
    for sort, descending in search._ORDERS:
        sql = f"SELECT t.id FROM tenders t ORDER BY {search.order_by(sort, descending)}"
        assert search._ids(demo_ws, sql) == [r[0] for r in demo_ws.conn.execute(sql)]


def _first_page_by_deadline(ws, query: TenderQuery) -> tuple[list[int], list[str]]:
    """A first page of 5, and the statements it ran that walk the deadline index."""
    statements: list[str] = []
    ws.conn.set_trace_callback(statements.append)
    try:
        page = search.search_page(ws, query, today=TODAY, limit=5)
    finally:
        ws.conn.set_trace_callback(None)
    return page, [s for s in statements if "INDEXED BY tenders_deadline" in s]


def test_open_tenders_listed_by_deadline_are_checked_row_by_row(gen_ws, monkeypatch):
    """Listed from today's deadline on, nearly every row is open or coming soon: the page walks
    the deadline index and checks each row, rather than first gathering every open tender in
    the workspace (the sample's share over all tenders, 1 in 7 or so, made it look rare)."""
    monkeypatch.setattr(search, "FEW", 0)  # at 200,000 tenders the open ones are not few
    query = TenderQuery(status=["open", "coming soon"])
    page, listed = _first_page_by_deadline(gen_ws, query)
    assert page == search.search_keys(gen_ws, query, today=TODAY)[:5]
    assert listed
    assert not any("IN (SELECT t.id FROM tenders t WHERE" in s for s in listed), listed


def test_a_page_filled_by_tenders_with_a_deadline_never_reads_those_without(gen_ws, monkeypatch):
    monkeypatch.setattr(search, "FEW", 0)
    query = TenderQuery(status=["open"])
    page, listed = _first_page_by_deadline(gen_ws, query)
    assert len(page) == 5
    assert listed and not any("(t.deadline IS NULL) = 1" in s for s in listed), listed
