"""What a write changed, so a window refreshes only the views that show it (Anki's OpChanges).

    with ws.atomic(Changes(partners=True)):
        ...
    report.changes                  # core results that carry one
    ws.on_commit(listener)          # listener(Changes) after every commit that names a kind

A write names the kinds of data it touched; nested writes add theirs to the outermost
transaction's, and listeners hear the total once it has committed (never for a rollback).
A write that names nothing (looking at a tender, a view's own bookkeeping) tells no one.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Changes:
    partners: bool = False  # organisations, contacts, credentials, our organisation
    tenders: bool = False  # tenders, their codes, places and texts
    searches: bool = False  # saved searches, and when each was last looked at (what is "new")
    feeds: bool = False  # where each tender feed got to, and whether to check when opening
    consortia: bool = False
    bids: bool = False  # bids, their questions, declarations, venues, packs sent, reviews back
    # What the answer editors save as the user types: a question's answer, owner, status, due
    # date or wording, and a bid's own texts. Apart from bids so that a view can tell a keystroke
    # saved from a bid changed (see ui/dispatch.py on the page that wrote it).
    answers: bool = False
    social_value: bool = False  # commitments, their delivery, assumptions, value files
    assets: bool = False  # the locality asset register
    library: bool = False  # reusable answers, their reviews and how often they are used
    work: bool = False  # work packs out to members and their replies; work a lead sent us
    reviews: bool = False  # bid packs received for review (the housing association's side)
    keys: bool = False  # the other side's signing keys this workspace trusts
    # What ranks the matches: the weights of each part of the fit, and the partners'
    # "not for us" / "interested" marks that the opportunities learn from.
    matching: bool = False

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            **{f.name: getattr(self, f.name) or getattr(other, f.name) for f in fields(self)}
        )

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def kinds(self) -> set[str]:
        """The names of the kinds that changed: {'partners', 'bids'}."""
        return {f.name for f in fields(self) if getattr(self, f.name)}

    @classmethod
    def of(cls, *kinds: str) -> Changes:
        """``Changes.of("partners", "bids")``; an unknown kind is a programming error."""
        return cls(**dict.fromkeys(kinds, True))


NOTHING = Changes()
PARTNERS = Changes(partners=True)
TENDERS = Changes(tenders=True)
SEARCHES = Changes(searches=True)
FEEDS = Changes(feeds=True)
CONSORTIA = Changes(consortia=True)
BIDS = Changes(bids=True)
ANSWERS = Changes(answers=True)
SOCIAL_VALUE = Changes(social_value=True)
ASSETS = Changes(assets=True)
LIBRARY = Changes(library=True)
WORK = Changes(work=True)
REVIEWS = Changes(reviews=True)
KEYS = Changes(keys=True)
MATCHING = Changes(matching=True)
EVERYTHING = Changes(**{f.name: True for f in fields(Changes)})  # a workspace opened or replaced
