"""What a member's reply changes, against what was sent and what the lead holds now. Pure:
no workspace, no files.

    items = diff(sent, current, reply)
    for i in items: print(i.label, i.old_text, "→", i.new_text, "CONFLICT" if i.conflict else "")

``sent`` is the work pack's work.json as sent; ``current`` is the lead's state now in the same
shape (``{"answers": {question id: text}, "record": record dict}``); ``reply`` is reply.json.
A part the member left as sent is no change. A part the lead also changed since the pack went
out, to something else, is a conflict: it is shown side by side and is never taken in without
the lead choosing (keep mine, take theirs, or a merged text).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from consortium.bids.questions import word_count
from consortium.work.records import part_label, part_text, record_parts

ANSWER, RECORD, FILE = "answer", "record", "file"


@dataclass
class Item:
    key: str  # stable: "answer:12", "record:credential:insurance:Public liability", "file:files/x.pdf"
    kind: str  # answer, record or file
    label: str
    change: str  # new, changed, removed, added
    old: object = None  # the lead's value now
    new: object = None  # the member's
    sent: object = None  # as the work pack sent it
    conflict: bool = False
    old_text: str = ""
    new_text: str = ""
    detail: str = ""  # word counts, what a file is for

    def to_dict(self) -> dict:
        return asdict(self)


def _snippet(text, n: int = 80) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= n else text[: n - 1].rsplit(" ", 1)[0] + "…"


def _answer_items(sent: dict, current: dict, reply: dict) -> list[Item]:
    items = []
    sent_qs = {q["id"]: q for q in sent.get("questions") or []}
    for a in reply.get("answers") or []:
        qid = a.get("question_id")
        q = sent_qs.get(qid)
        if q is None:
            continue  # not a question this pack asked: never taken in
        base = q.get("answer") or ""
        theirs = a.get("answer") or ""
        mine = current.get("answers", {}).get(qid)
        if mine is None:  # the question was deleted here since
            continue
        if theirs.strip() == base.strip() or theirs.strip() == mine.strip():
            continue
        conflict = mine.strip() != base.strip()
        limit = q.get("word_limit")
        words = word_count(theirs)
        items.append(
            Item(
                key=f"answer:{qid}",
                kind=ANSWER,
                label=f"{q.get('label') or q.get('ref') or qid} — {_snippet(q.get('text'))}",
                change="new" if not base.strip() else "changed",
                old=mine,
                new=theirs,
                sent=base,
                conflict=conflict,
                old_text=mine if mine.strip() else "(no answer yet)",
                new_text=theirs,
                detail=f"{words:,} words"
                + (f" of {limit:,}" if limit else "")
                + (" (over the limit)" if limit and words > limit else ""),
            )
        )
    return items


def _record_items(sent: dict, current: dict, reply: dict) -> list[Item]:
    before = record_parts(sent.get("record") or {})
    now = record_parts(current.get("record") or {})
    theirs = record_parts(reply.get("record") or {})
    items = []
    for key in sorted(set(before) | set(theirs)):
        b, t = before.get(key), theirs.get(key)
        if t == b:
            continue
        m = now.get(key)
        if m == t:
            continue
        change = "added" if b is None else ("removed" if t is None else "changed")
        items.append(
            Item(
                key=f"record:{key}",
                kind=RECORD,
                label=part_label(key),
                change=change,
                old=m,
                new=t,
                sent=b,
                conflict=m != b,
                old_text=part_text(key, m),
                new_text=part_text(key, t),
            )
        )
    return items


def _file_items(sent: dict, reply: dict) -> list[Item]:
    needs = {n.get("key"): n.get("label") for n in sent.get("documents_needed") or []}
    items = []
    for f in reply.get("files") or []:
        entry = str(f.get("entry") or "")
        need = str(f.get("need") or "")
        items.append(
            Item(
                key=f"file:{entry}",
                kind=FILE,
                label=str(f.get("name") or entry),
                change="added",
                new=entry,
                new_text=str(f.get("name") or entry),
                detail=needs.get(need) or need or "",
            )
        )
    return items


def diff(sent: dict, current: dict, reply: dict) -> list[Item]:
    """Every change the reply makes, answers first, then the record, then files."""
    return (
        _answer_items(sent, current, reply)
        + _record_items(sent, current, reply)
        + _file_items(sent, reply)
    )
