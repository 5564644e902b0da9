"""A search sorted by SQLite (the first of a session) lists hits exactly as the kept id lists do."""

from __future__ import annotations

from consortium.tenders import search
from consortium.tenders.search import TenderQuery

QUERIES = [
    TenderQuery(text="support"),
    TenderQuery(text="young*", sort="value"),
    TenderQuery(status=["open"], sort="published", descending=True),
    TenderQuery(text="services", sort="deadline", descending=True),
    TenderQuery(value_min=10000, sort="value", descending=True),
]


def test_first_search_orders_hits_as_the_cached_lists_do(demo_ws, monkeypatch):
    for query in QUERIES:
        search._CACHE.pop(demo_ws, None)
        first = search.search_keys(demo_ws, query, today="2026-11-23")
        assert search._CACHE.get(demo_ws, {}).get((search._sort(query), query.descending)) is None
        monkeypatch.setattr(search, "SQL_ORDER_MAX", -1)  # now through the whole id list
        again = search.search_keys(demo_ws, query, today="2026-11-23")
        monkeypatch.setattr(search, "SQL_ORDER_MAX", 5000)
        assert first == again and len(first) > 3, query


def test_id_lists_read_as_one_json_array_keep_the_order(demo_ws):
    for order in search._ORDERS.values():
        sql = f"SELECT t.id FROM tenders t ORDER BY {order}"
        assert search._ids(demo_ws, sql) == [r[0] for r in demo_ws.conn.execute(sql)]
