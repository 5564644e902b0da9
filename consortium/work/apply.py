"""The lead's side: take a member's reply in. Verify first, show the diff, apply what is
accepted in one transaction.

    incoming = read_reply(ws, "Hope Trust reply.cbreply")    # every check; nothing written
    for item in incoming.items: ...                          # answers, record fields, files
    result = apply(ws, incoming, accept="all")               # or a set of item keys
    result = apply(ws, incoming, accept={"answer:12"}, choices={"answer:12": ("merged", text)})

Refused before anything is written: a reply not signed as it claims (edited after signing), a
hostile zip, a reply to a work pack this workspace did not send, one signed by another key
than the member's pinned one, and one already taken in (a replay). Each change taken in is
written to the audit log with who sent it and from which pack; a member's answers keep their
author (``answer_authors``) for the roles matrix.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from consortium.bids import questions as bid_questions
from consortium.bids.records import load as load_bid
from consortium.changes import WORK
from consortium.formatting import plural, possessive
from consortium.packs import trust
from consortium.partners import store as partner_store
from consortium.work import diff as work_diff
from consortium.work.member import KeyNotConfirmed, _refusal, signed_reply
from consortium.work.pack import Signed, SignedFileError, copy_entry, read_json, safe_name
from consortium.work.records import WorkError, apply_part, record_from_dict, record_to_dict
from consortium.workspace import Workspace, writes

MINE, THEIRS, MERGED = "mine", "theirs", "merged"


@dataclass
class Incoming:
    signed: Signed
    reply: dict
    work_pack_id: int
    bid_id: int
    org_id: int
    member: str
    sent: dict
    items: list[work_diff.Item]
    check: trust.KeyCheck
    sent_on: str = ""

    @property
    def conflicts(self) -> list[work_diff.Item]:
        return [i for i in self.items if i.conflict]

    def to_dict(self) -> dict:
        return {
            "file": str(self.signed.path),
            "member": self.member,
            "signed_by": self.signed.signer["organisation"],
            "key_words": self.check.words,
            "work_pack": self.signed.manifest.get("work_pack", {}).get("manifest_sha256"),
            "bid_id": self.bid_id,
            "items": [i.to_dict() for i in self.items],
            "conflicts": len(self.conflicts),
        }


@dataclass
class Applied:
    accepted: list[str] = field(default_factory=list)
    declined: list[str] = field(default_factory=list)
    conflicts_kept: list[str] = field(default_factory=list)  # conflicts left as the lead's
    reply_id: int | None = None

    def to_dict(self) -> dict:
        return {
            "accepted": self.accepted,
            "declined": self.declined,
            "conflicts_kept_as_ours": self.conflicts_kept,
            "reply_id": self.reply_id,
        }


def _check_reply_shape(reply: dict, signed: Signed) -> None:
    answers = reply.get("answers")
    if not isinstance(answers, list) or not all(
        isinstance(a, dict)
        and isinstance(a.get("question_id"), int)
        and isinstance(a.get("answer", ""), str)
        and len(a.get("answer", "")) <= 500_000
        for a in answers
    ):
        raise WorkError(f"{signed.path.name}: the answers cannot be read. Nothing was taken in.")
    record_from_dict(reply.get("record"), f"{signed.path.name}: the record")
    files = reply.get("files") or []
    listed = signed.manifest.get("files") or {}
    if not isinstance(files, list) or not all(
        isinstance(f, dict)
        and str(f.get("entry", "")).startswith("files/")
        and f.get("entry") in listed
        for f in files
    ):
        raise WorkError(
            f"{signed.path.name}: the attached files are not as listed. Nothing was taken in."
        )


def current_state(ws: Workspace, bid_id: int, org_id: int) -> dict:
    """The lead's answers and the member's record now, in the shape :func:`diff.diff` takes."""
    return {
        "answers": {q.id: q.answer for q in bid_questions.list_for(ws.db, bid_id)},
        "record": record_to_dict(partner_store.load(ws.db, org_id)),
    }


def read_reply(
    ws: Workspace, path: str | Path, *, confirm_words: str | None = None, bid_id: int | None = None
) -> Incoming:
    """Every check on a reply, and the diff it would make. Writes nothing."""
    signed = signed_reply(path)
    answered = signed.manifest.get("work_pack")
    pack_sha = answered.get("manifest_sha256") if isinstance(answered, dict) else None
    row = ws.db.execute(
        "SELECT id, bid_id, org_id, recipient_fingerprint, sent_json, created FROM work_packs "
        "WHERE manifest_sha256 = ?",
        [str(pack_sha)],
    ).fetchone()
    if row is None:
        raise WorkError(
            f"{signed.path.name} answers a work pack that was not sent from this workspace. "
            "Nothing was taken in: open the workspace that sent it, or ask the member to "
            "answer the pack you sent them."
        )
    work_pack_id, the_bid, org_id, pinned, sent_json, sent_on = row
    if bid_id is not None and bid_id != the_bid:
        raise WorkError(
            f"{signed.path.name} answers a work pack for {load_bid(ws.db, the_bid).name}, not for "
            f"{load_bid(ws.db, bid_id).name}. Nothing was taken in."
        )
    reply_sha = signed.sha256
    done = ws.db.execute(
        "SELECT received FROM work_replies WHERE reply_sha256 = ?", [reply_sha]
    ).fetchone()
    if done:
        raise WorkError(
            f"{signed.path.name} was already taken in (on {done[0][:10]}). Nothing was changed."
        )
    check = trust.key_check(
        ws, signed.signer["organisation"], signed.signer["public_key"], pinned_fingerprint=pinned
    )
    if not pinned:
        # Not pinned at sending: a key that already answers for another member cannot
        # answer for this one.
        other = ws.db.execute(
            "SELECT o.name FROM work_replies r JOIN work_packs w ON w.id = r.work_pack_id "
            "JOIN organisations o ON o.id = w.org_id WHERE r.sender_fingerprint = ? "
            "AND w.org_id != ? LIMIT 1",
            [check.fingerprint, org_id],
        ).fetchone()
        if other:
            raise WorkError(
                f"REFUSED: {signed.path.name} is signed with the key that answers for {other[0]}, "
                "not for the member this work pack went to. Nothing was taken in."
            )
    if check.status != trust.KNOWN:
        if confirm_words is None:
            raise KeyNotConfirmed(_refusal(check, "reply"), check)
        try:
            trust.confirm(check, confirm_words)
        except trust.TrustError as exc:
            raise KeyNotConfirmed(str(exc), check) from None
    try:
        reply = read_json(signed, "reply.json")
    except SignedFileError as exc:
        raise WorkError(str(exc)) from None
    _check_reply_shape(reply, signed)
    sent = json.loads(sent_json)
    try:
        current = current_state(ws, the_bid, org_id)
    except partner_store.NotFound:
        raise WorkError(
            f"The partner this work pack went to is no longer in the workspace; "
            f"{signed.path.name} cannot be taken in."
        ) from None
    items = work_diff.diff(sent, current, reply)
    return Incoming(
        signed=signed,
        reply=reply,
        work_pack_id=work_pack_id,
        bid_id=the_bid,
        org_id=org_id,
        member=current["record"]["name"],
        sent=sent,
        items=items,
        check=check,
        sent_on=sent_on,
    )


@writes
def apply(
    ws: Workspace,
    incoming: Incoming,
    *,
    accept: str | set[str] = "all",
    choices: dict[str, tuple[str, str]] | None = None,
) -> Applied:
    """Take in the accepted items (``"all"``, ``"none"`` or a set of item keys) in one
    transaction. A conflict is taken in only with a choice in ``choices``: (MINE, ""),
    (THEIRS, "") or (MERGED, text); without one it keeps the lead's text and is reported."""
    choices = choices or {}
    keys = (
        {i.key for i in incoming.items}
        if accept == "all"
        else (set() if accept == "none" else set(accept))
    )
    result = Applied()
    who = incoming.member
    pack_ref = incoming.signed.manifest["work_pack"]["manifest_sha256"][:12]
    source = f"from {possessive(who)} reply {incoming.signed.path.name} (work pack {pack_ref}…)"
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    staging = Path(tempfile.mkdtemp(prefix=".~reply-", dir=_ensure(ws.attachments)))
    moves: list[tuple[Path, Path]] = []
    moved: list[Path] = []
    try:
        with ws.atomic(WORK):
            reply_id = (
                ws.db["work_replies"]
                .insert(
                    {
                        "work_pack_id": incoming.work_pack_id,
                        "reply_sha256": incoming.signed.sha256,
                        "sender_fingerprint": incoming.check.fingerprint,
                        "organisation": incoming.signed.signer["organisation"],
                        "received": now,
                        "file": str(incoming.signed.path),
                    }
                )
                .last_pk
            )
            trust.remember(ws, incoming.check)
            # From now on only this key answers this member's work packs.
            ws.db.execute(
                "UPDATE work_packs SET recipient_fingerprint = ? WHERE bid_id = ? AND org_id = ? "
                "AND recipient_fingerprint IS NULL",
                [incoming.check.fingerprint, incoming.bid_id, incoming.org_id],
            )
            record = None
            record_keys = []
            for item in incoming.items:
                choice = choices.get(item.key)
                if item.key not in keys or (choice and choice[0] == MINE):
                    result.declined.append(item.key)
                    continue
                if item.conflict and not choice:
                    result.conflicts_kept.append(item.key)
                    continue
                if item.kind == work_diff.ANSWER:
                    text = choice[1] if choice and choice[0] == MERGED else item.new
                    _take_answer(
                        ws,
                        incoming,
                        item,
                        text,
                        reply_id,
                        now,
                        source,
                        merged=bool(choice and choice[0] == MERGED),
                    )
                elif item.kind == work_diff.RECORD:
                    if record is None:
                        record = record_to_dict(partner_store.load(ws.db, incoming.org_id))
                    part = item.key.split(":", 1)[1]
                    apply_part(record, part, item.new)
                    record_keys.append(item)
                elif item.kind == work_diff.FILE:
                    entry = item.new
                    name = safe_name(item.label)
                    staged = copy_entry(incoming.signed, entry, staging / name)
                    folder = ws.attachments / f"bid-{incoming.bid_id}" / safe_name(who)
                    target, n = folder / name, 1
                    while target.exists() or target in {m[1] for m in moves}:
                        n += 1
                        target = folder / f"{Path(name).stem} ({n}){Path(name).suffix}"
                    moves.append((staged, target))
                    ws.audit(
                        "import",
                        "bid",
                        incoming.bid_id,
                        f"Added the file {target.name} ({item.detail or 'attached'}) {source}",
                    )
                result.accepted.append(item.key)
            if record is not None:
                org = record_from_dict(record)
                mine = partner_store.load(ws.db, incoming.org_id)
                org.id, org.is_ours, org.name = mine.id, mine.is_ours, mine.name
                org.created_at = mine.created_at
                partner_store.save(ws, org)
                for item in record_keys:
                    ws.audit(
                        "update",
                        "organisation",
                        incoming.org_id,
                        f"{item.label}: {item.old_text} → {item.new_text} {source}",
                        {"from": who, "work_pack": pack_ref, "reply": incoming.signed.sha256[:12]},
                    )
            left = [
                {"key": i.key, "label": i.label, "theirs": i.new, "conflict": i.conflict}
                for i in incoming.items
                if i.key not in result.accepted
            ]
            ws.db["work_replies"].update(
                reply_id,
                {
                    "accepted": len(result.accepted),
                    "declined": len(result.declined) + len(result.conflicts_kept),
                    "left_json": json.dumps(left, ensure_ascii=False, default=str),
                },
            )
            ws.audit(
                "import",
                "bid",
                incoming.bid_id,
                f"Took in {len(result.accepted)} of {plural(len(incoming.items), 'change')} {source}",
            )
            for staged, target in moves:  # last: a failure above leaves no file behind
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(staged), target)
                moved.append(target)
        result.reply_id = reply_id
    except BaseException:
        for target in moved:
            target.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return result


def _ensure(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _take_answer(ws, incoming, item, text, reply_id, now, source, *, merged: bool) -> None:
    qid = int(item.key.split(":", 1)[1])
    q = bid_questions.load(ws.db, qid)
    q.answer = text
    bid_questions.save(ws, q)
    author = incoming.member + (" (merged by the lead)" if merged else "")
    ws.db["answer_authors"].upsert(
        {
            "question_id": qid,
            "org_id": incoming.org_id,
            "organisation": author,
            "reply_id": reply_id,
            "at": now,
        },
        pk="question_id",
    )
    ws.audit(
        "update",
        "bid_question",
        qid,
        f"{q.label}: answer {'merged with' if merged else 'taken'} {source}",
        {
            "from": incoming.member,
            "work_pack": incoming.signed.manifest["work_pack"]["manifest_sha256"][:12],
        },
    )
