"""New for you: new tenders still open that a saved search finds or our organisation fits."""

from __future__ import annotations

import datetime as dt

from consortium.matching.fits import Fit
from consortium.tenders import search, store
from consortium.tenders.alerts import closes_within, new_for_you
from consortium.tenders.importer import import_paths
from tests.feed_server import FTS_PAGE

TODAY = dt.date(2026, 11, 23)


def test_new_for_you_lists_open_matches_best_first(demo_ws):
    ws = demo_ws
    search.save_search(ws, "Health and social work", search.TenderQuery(cpv=["85"]))
    stamp = store.now_stamp()
    import_paths(ws, [FTS_PAGE])  # real August notices: closed by TODAY
    new = [
        r[0] for r in ws.conn.execute("SELECT ocid FROM tenders WHERE first_seen_at >= ?", [stamp])
    ]
    assert len(new) == 94
    assert new_for_you(ws, new, today=TODAY, fitting=[]) == []  # all closed: history, no alert
    august = dt.date(2026, 8, 12)
    found = new_for_you(ws, new, today=august, fitting=[])
    hits = set(
        search.search_ids(
            ws, search.TenderQuery(cpv=["85"], status=["open", "coming soon"]), today=august
        )
    )
    assert {a.ocid for a in found} == hits & set(new) and found
    assert all(a.reasons == ["saved search: Health and social work"] for a in found)
    # A fit comes first, with its score.
    best = found[-1].ocid
    ranked = new_for_you(ws, new, today=august, fitting=[Fit(best, 81.0, True)])
    assert ranked[0].ocid == best and ranked[0].score == 81.0
    assert ranked[0].reasons == ["saved search: Health and social work", "fits us (81)"]


def test_new_for_you_scores_only_the_new_tenders_for_our_fit(demo_ws, monkeypatch):
    # Each download's alerts scored every open tender for our fit: at 200,000 tenders, 5 s
    # and 700 MB in the window for a day's few dozen new notices.
    from consortium.matching import fits, service

    ws = demo_ws
    stamp = store.now_stamp()
    import_paths(ws, [FTS_PAGE])
    august = dt.date(2026, 8, 12)
    new = [
        r[0] for r in ws.conn.execute("SELECT ocid FROM tenders WHERE first_seen_at >= ?", [stamp])
    ]
    every = fits.fits_us(ws, today=august)
    new += [every[0].ocid, every[2].ocid]  # as if two that fit us had come in this download
    expected = new_for_you(ws, new, today=august, fitting=every)
    assert [a.ocid for a in expected] == [every[0].ocid, every[2].ocid]
    assert expected[0].reasons == [f"fits us ({every[0].score:.0f})"] and len(every) > 3
    scored: list[int] = []
    real = service.rank_among

    def rank_among(ws, org, ids, **kwargs):
        scored.extend(ids)
        return real(ws, org, ids, **kwargs)

    monkeypatch.setattr(service, "rank_among", rank_among)
    assert new_for_you(ws, new, today=august) == expected
    keys = search.keys_of(ws, new)
    assert scored and set(scored) <= set(keys.values())


def test_closing_within_seven_days():
    assert closes_within("2026-11-30T12:00:00Z", TODAY)
    assert not closes_within("2026-12-01T12:00:00Z", TODAY)
    assert not closes_within("2026-11-22T12:00:00Z", TODAY)
    assert not closes_within(None, TODAY)
