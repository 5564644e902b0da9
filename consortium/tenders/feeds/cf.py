"""Contracts Finder (procurements started under the 2015 regulations: awards, call-offs)."""

from consortium.tenders.feeds.base import Feed

FEED = Feed(
    key="cf",
    label="Contracts Finder",
    base_url="https://www.contractsfinder.service.gov.uk",
    path="Published/Notices/OCDS/Search",
    since_param="publishedFrom",
)
