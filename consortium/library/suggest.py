"""Suggest library entries for a buyer's question, with the reasons, and insert one.

    for s in for_question(ws.db, "How will you safeguard children?", today=today):
        print(s.title, s.score, s.words, s.tags, s.freshness)
    suggest_all(ws.db, questions)      # one model for a whole bid: fast for 60 questions
    insert(ws, question_id, entry_id)  # appends the entry to the answer; usage count + 1

Ranking: TF-IDF cosine similarity between the question and the entry (title counted twice,
body, tags, theme), plus a bonus for each entry tag named in the question and for a CPV code
shared with the tender; stale entries lose a fifth of their score (still shown, flagged).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlite_utils import Database

from consortium.bids import questions as bid_questions
from consortium.changes import LIBRARY
from consortium.library import store
from consortium.library.store import Entry
from consortium.matching.text import TextModel, stem, tokens
from consortium.workspace import Workspace, writes

TAG_BONUS = 0.15
CPV_BONUS = 0.05
STALE_FACTOR = 0.8
LIMIT = 5
# Below this a suggestion shares a word or two by chance ("refer"): the window leaves it out.
MIN_SHOWN = 10


@dataclass
class Suggestion:
    entry_id: int
    title: str
    kind: str
    owner: str
    score: int  # 0–100
    words: list[str] = field(default_factory=list)  # matching words, most telling first
    tags: list[str] = field(default_factory=list)  # entry tags the question names
    freshness: str = ""
    freshness_text: str = ""
    last_reviewed: dt.date | None = None
    review_due: dt.date | None = None
    usage_count: int = 0

    @property
    def why(self) -> str:
        parts = []
        if self.words:
            parts.append("matching words: " + ", ".join(self.words))
        if self.tags:
            parts.append("tags: " + ", ".join(self.tags))
        return "; ".join(parts) or "few words in common"

    def to_dict(self) -> dict:
        return {
            "entry_id": self.entry_id,
            "title": self.title,
            "kind": self.kind,
            "owner": self.owner,
            "score": self.score,
            "matching_words": self.words,
            "matching_tags": self.tags,
            "why": self.why,
            "freshness": self.freshness,
            "last_reviewed": self.last_reviewed.isoformat() if self.last_reviewed else None,
            "review_due": self.review_due.isoformat() if self.review_due else None,
            "usage_count": self.usage_count,
        }


def _entry_text(e: Entry) -> str:
    return " ".join([e.title, e.title, e.body, " ".join(e.tags), e.theme])


class Suggester:
    """A model over the whole library, built once and asked about many questions."""

    def __init__(self, entries: list[Entry], today: dt.date | None = None):
        self.today = today or dt.date.today()
        self.entries = entries
        texts = [_entry_text(e) for e in entries]
        self.model = TextModel.build(texts)
        self.vectors = [self.model.vector(t) for t in texts]
        self.postings: dict[str, list[int]] = defaultdict(list)
        for i, v in enumerate(self.vectors):
            for term in v:
                self.postings[term].append(i)
        self.tag_stems = [{t: [stem(w) for w in tokens(t)] or [t] for t in e.tags} for e in entries]

    def _question_vector(self, text: str) -> dict[str, float]:
        counts = Counter(tokens(text))
        weights = {t: (1 + math.log(c)) * self.model.idf(t) for t, c in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {t: w / norm for t, w in weights.items()}

    def suggest(
        self, text: str, *, cpv: list[str] = (), limit: int = LIMIT, min_score: int = 0
    ) -> list[Suggestion]:
        qv = self._question_vector(text)
        qterms = set(qv)
        scores: dict[int, float] = defaultdict(float)
        for term, weight in qv.items():
            for i in self.postings.get(term, ()):
                scores[i] += weight * self.vectors[i][term]
        # entries that share no word may still carry a tag the question names
        candidates = set(scores)
        for i, tags in enumerate(self.tag_stems):
            if i not in candidates and any(all(s in qterms for s in st) for st in tags.values()):
                candidates.add(i)
        ranked = []
        for i in candidates:
            e = self.entries[i]
            matched_tags = [
                t for t, st in self.tag_stems[i].items() if st and all(s in qterms for s in st)
            ]
            score = min(scores.get(i, 0.0), 1.0) + TAG_BONUS * len(matched_tags)
            if (
                cpv
                and e.cpv
                and any(c.startswith(x[:5]) or x.startswith(c[:5]) for c in e.cpv for x in cpv)
            ):
                score += CPV_BONUS
            if e.is_stale(self.today):
                score *= STALE_FACTOR
            ranked.append((score, i, matched_tags))
        ranked.sort(
            key=lambda r: (-r[0], -self.entries[r[1]].usage_count, self.entries[r[1]].title)
        )
        out = []
        ranked = [r for r in ranked if round(100 * min(r[0], 1.0)) >= min_score]
        for score, i, matched_tags in ranked[:limit]:
            e = self.entries[i]
            shared = sorted(
                (t for t in qv if t in self.vectors[i]),
                key=lambda t: -(qv[t] * self.vectors[i][t]),
            )
            out.append(
                Suggestion(
                    entry_id=e.id,
                    title=e.title,
                    kind=e.kind,
                    owner=e.owner,
                    score=round(100 * min(score, 1.0)),
                    words=[self.model.display.get(t, t) for t in shared[:6]],
                    tags=matched_tags,
                    freshness=e.freshness(self.today),
                    freshness_text=e.freshness_text(self.today),
                    last_reviewed=e.last_reviewed,
                    review_due=e.review_due,
                    usage_count=e.usage_count,
                )
            )
        return out


def for_question(
    db: Database,
    text: str,
    *,
    cpv: list[str] = (),
    today: dt.date | None = None,
    limit: int = LIMIT,
    min_score: int = 0,
) -> list[Suggestion]:
    """The best library entries for one question's text (those scoring ``min_score`` or more)."""
    return Suggester(store.list_all(db), today).suggest(
        text, cpv=cpv, limit=limit, min_score=min_score
    )


def suggest_all(
    db: Database,
    qs: list[bid_questions.Question],
    *,
    cpv: list[str] = (),
    today: dt.date | None = None,
    limit: int = LIMIT,
) -> dict[int, list[Suggestion]]:
    """Suggestions for every question of a bid, keyed by question id."""
    s = Suggester(store.list_all(db), today)
    return {q.id: s.suggest(q.text, cpv=cpv, limit=limit) for q in qs}


def for_bid(
    ws: Workspace, bid_id: int, *, today: dt.date | None = None, limit: int = LIMIT
) -> dict[int, list[Suggestion]]:
    """Suggestions for every question of a bid, with a bonus for the tender's CPV codes."""
    from consortium.bids.records import load as load_bid

    bid = load_bid(ws.db, bid_id)
    cpv: list[str] = []
    if bid.ocid:
        from consortium.tenders.search import get

        tender = get(ws, bid.ocid)
        cpv = list(tender.cpv) if tender else []
    qs = bid_questions.list_for(ws.db, bid_id)
    return suggest_all(ws.db, qs, cpv=cpv, today=today, limit=limit)


@writes
def insert(ws: Workspace, question_id: int, entry_id: int) -> bid_questions.Question:
    """Append a library entry to a question's answer (to adapt), record it as a source, and
    count the use; one transaction."""
    with ws.atomic(LIBRARY):
        q = bid_questions.load(ws.db, question_id)
        e = store.load(ws.db, entry_id)
        q.answer = (q.answer.rstrip() + "\n\n" + e.body).strip() if q.answer.strip() else e.body
        if not any(s.get("library_entry") == e.uid for s in q.sources):
            q.sources.append({"library_entry": e.uid, "title": e.title, "owner": e.owner})
        if q.status == "not started":
            q.status = "drafting"
        bid_questions.save(ws, q)
        ws.db.execute(
            "UPDATE library_entries SET usage_count = usage_count + 1, last_used = ? WHERE id = ?",
            [dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), entry_id],
        )
        ws.audit("use", "library_entry", entry_id, f"Used '{e.title}' in {q.label}")
    return q
