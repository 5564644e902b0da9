"""Tender feeds: fetch what is new from the public OCDS APIs, page by page, resumably.

    report = fetch(ws, ["fts", "cf"], progress=bar, cancelled=pressed_cancel)

The one registry of feeds is :data:`FEEDS`: a new source (Public Contracts Scotland, say) is one
module defining a :class:`~.base.Feed` and one line below.
"""

from __future__ import annotations

from consortium.tenders.feeds import cf, fts
from consortium.tenders.feeds.base import Feed

FEEDS: dict[str, Feed] = {
    fts.FEED.key: fts.FEED,
    cf.FEED.key: cf.FEED,
}


def feed(key: str) -> Feed:
    """The feed called ``key``; KeyError names the ones there are."""
    try:
        return FEEDS[key]
    except KeyError:
        raise KeyError(f"No tender feed {key!r}; there are {', '.join(FEEDS)}.") from None


__all__ = ["FEEDS", "Feed", "feed"]
