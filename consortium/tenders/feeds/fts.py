"""Find a Tender (the central digital platform for every Procurement Act notice).

Asked without ``stages``: with it the service silently returns only pre-Act releases and drops
every update, cancellation, amendment and termination (tender-data.md §1).
"""

from consortium.tenders.feeds.base import Feed

FEED = Feed(
    key="fts",
    label="Find a Tender",
    base_url="https://www.find-tender.service.gov.uk",
    path="api/1.0/ocdsReleasePackages",
    since_param="updatedFrom",
)
