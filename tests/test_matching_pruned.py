"""Opportunities score only candidate tenders (CPV and place indexes), and lose nothing by it."""

from __future__ import annotations

import datetime as dt

from consortium.matching import service
from consortium.partners import store
from consortium.tenders import store as tender_store

TODAY = dt.date(2026, 11, 23)


def test_pruned_opportunities_equal_the_full_ranking_for_every_demo_partner(demo_ws):
    every = len(service.candidate_ids(demo_ws.db, store.load_all(demo_ws.db)[0], TODAY, tier="all"))
    pruned_somewhere = False
    for org in store.load_all(demo_ws.db):
        close = service.candidate_ids(demo_ws.db, org, TODAY, tier="close")
        both = service.candidate_ids(demo_ws.db, org, TODAY)
        assert set(close) <= set(both)
        either = service.candidate_ids(demo_ws.db, org, TODAY, tier="either")
        assert set(both) <= set(either)
        pruned_somewhere |= len(either) < every
        top = [o.tender.ocid for o in service.opportunities(demo_ws, org.id, today=TODAY, limit=10)]
        full = service.opportunities(demo_ws, org.id, today=TODAY, limit=None)
        assert top == [o.tender.ocid for o in full][:10], org.name
    assert pruned_somewhere


def test_a_second_ranking_loads_no_tender_again(demo_ws):
    ours = store.ours(demo_ws.db)
    service.opportunities(demo_ws, ours.id, today=TODAY)
    tender_store.LOADS.clear()
    service.opportunities(demo_ws, ours.id, today=TODAY)
    assert tender_store.LOADS["tender"] == 0
