"""The member's side: open a work pack, answer, correct the record, attach files, send back.

    work = open_work(ws, "Hope Trust.cbwork", confirm_words="…")   # verified, then stored
    ws = workspace_for_pack("Hope Trust.cbwork", "hope.consortium")  # no workspace yet
    save_answer(ws, work.id, question_id, "We will…")
    save_record(ws, work.id, record_dict)                            # the corrected record
    attach(ws, work.id, "PL certificate.pdf", need="insurance:Public liability")
    send_back(ws, work.id, "Hope Trust reply.cbreply")               # signed .cbreply

A work pack is signed by the lead; its key is pinned here the first time, confirmed by its
words (``confirm_words``), and a pack signed by another key for the same lead is refused.
Nothing is stored before every check has passed.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from consortium import validation
from consortium.bids.questions import word_count
from consortium.changes import WORK
from consortium.formatting import plural, possessive
from consortium.packs import keys, trust
from consortium.partners import store as partner_store
from consortium.records import normalise_name
from consortium.work.pack import (
    REPLY_FORMAT,
    WORK_FORMAT,
    Signed,
    SignedFileError,
    read_json,
    read_signed,
    safe_name,
    write_signed,
)
from consortium.work.records import WorkError, record_from_dict
from consortium.workspace import Workspace, writes


class KeyNotConfirmed(WorkError):
    """The signer's key is new here (or changed): ``check`` says whose, with its words."""

    def __init__(self, message: str, check: trust.KeyCheck):
        super().__init__(message)
        self.check = check


@dataclass
class Work:
    id: int
    lead: str
    lead_fingerprint: str
    bid_name: str
    member: str
    org_id: int | None
    due: dt.date | None
    data: dict  # work.json as sent
    record: dict  # the record as the member has confirmed or corrected it
    answers: dict[int, str] = field(default_factory=dict)
    files: list[dict] = field(default_factory=list)
    sent_at: str | None = None
    manifest_sha256: str = ""

    @property
    def questions(self) -> list[dict]:
        return self.data.get("questions") or []

    def answer(self, question_id: int) -> str:
        """The member's answer, else the draft the lead sent."""
        if question_id in self.answers:
            return self.answers[question_id]
        q = next((q for q in self.questions if q.get("id") == question_id), {})
        return q.get("answer") or ""

    def words(self, question_id: int) -> int:
        return word_count(self.answer(question_id))


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _check_shape(data: dict) -> None:
    """The parts of work.json the app relies on, before any of it is stored."""
    qs = data.get("questions")
    if not isinstance(qs, list) or not all(
        isinstance(q, dict) and isinstance(q.get("id"), int) and isinstance(q.get("text"), str)
        for q in qs
    ):
        raise WorkError("The work pack's questions cannot be read; ask the lead to send it again.")
    for key in ("record", "bid"):
        if not isinstance(data.get(key), dict):
            raise WorkError(f"The work pack has no {key}; ask the lead to send it again.")
    record_from_dict(data["record"], "The record in the work pack")
    for what, value in (
        ("The bid's name", data["bid"].get("name")),
        ("The lead", data.get("lead")),
    ):
        try:  # stored with the work and shown in the list of work
            if value is not None and not isinstance(value, str):
                raise ValueError(f"{what} should be text, not {type(value).__name__}.")
            validation.one_line(value, what)
        except ValueError as exc:
            raise WorkError(f"{exc} Ask the lead to send the work pack again.") from None
    for key in ("social_value", "documents_needed"):
        if not isinstance(data.get(key) or [], list):
            raise WorkError(f"The work pack's {key.replace('_', ' ')} cannot be read.")


def verify_work(path: str | Path, ws: Workspace | None = None, *, confirm_words=None):
    """(signed, data, key check) of a work pack, every check passed; raises otherwise.
    Read-only."""
    try:
        signed = read_signed(path, WORK_FORMAT, "work pack")
        data = read_json(signed, "work.json")
    except SignedFileError as exc:
        raise WorkError(str(exc)) from None
    _check_shape(data)
    me = keys.identity()
    addressed = signed.manifest.get("recipient")
    if (
        isinstance(addressed, dict)
        and me is not None
        and addressed.get("fingerprint") != me.fingerprint
    ):
        raise WorkError(
            f"This work pack was made for {possessive(addressed.get('organisation'))} key, not this "
            f"computer's ({me.words}). Nothing was opened: ask {signed.signer['organisation']} "
            "to send it again for your key."
        )
    check = None
    if ws is not None:
        check = trust.key_check(ws, signed.signer["organisation"], signed.signer["public_key"])
        if check.status != trust.KNOWN:
            if confirm_words is None:
                raise KeyNotConfirmed(_refusal(check, "work pack"), check)
            try:
                trust.confirm(check, confirm_words)
            except trust.TrustError as exc:
                raise KeyNotConfirmed(str(exc), check) from None
    return signed, data, check


def _refusal(check: trust.KeyCheck, what: str) -> str:
    if check.status == trust.CHANGED:
        return (
            f"REFUSED: this {what} claims to be from {check.organisation} but is signed by "
            f"another key. Trusted key: {trust.describe(check.pinned)}. This {what}'s key: "
            f"{trust.describe(check.to_dict())}. Nothing was taken in. If they really have a new "
            "key, phone them on a number you already have and confirm its words."
        )
    return (
        f"This is the first {what} from {check.organisation} here. Phone them on a number you "
        f"already have and check their key's words: {check.words} (fingerprint "
        f"{trust.grouped(check.fingerprint)}). Nothing was taken in yet."
    )


def workspace_for_pack(pack: str | Path, path: str | Path, *, confirm_words=None) -> Workspace:
    """A new workspace made from a work pack, for a member that has none yet: its own
    organisation (the record the lead holds) is "our organisation". The pack is checked
    before the file is made."""
    verify_work(pack)  # the signature and shape; the key is checked again on opening
    path = Path(path).expanduser()
    if path.exists():
        raise WorkError(f"{path} already exists; open it instead of making a new one.")
    ws = Workspace.create(path)
    try:
        open_work(ws, pack, confirm_words=confirm_words, make_ours=True)
    except BaseException:
        ws.close()
        for leftover in (
            path,
            path.with_name(path.name + "-wal"),
            path.with_name(path.name + "-shm"),
        ):
            leftover.unlink(missing_ok=True)
        shutil.rmtree(ws.attachments, ignore_errors=True)
        raise
    return ws


@writes
def open_work(
    ws: Workspace, path: str | Path, *, confirm_words=None, make_ours: bool = False
) -> Work:
    """Verify a work pack and keep it in this workspace (opening it again returns the same
    work, with the answers kept)."""
    signed, data, check = verify_work(path, ws, confirm_words=confirm_words)
    existing = ws.db.execute(
        "SELECT id FROM received_work WHERE manifest_sha256 = ?", [signed.sha256]
    ).fetchone()
    record = data["record"]
    with ws.atomic(WORK):
        trust.remember(ws, check)
        if existing:
            return load(ws, existing[0])
        org_id = _our_org(ws, record, make_ours)
        work_id = (
            ws.db["received_work"]
            .insert(
                {
                    "manifest_sha256": signed.sha256,
                    "lead": str(data.get("lead") or signed.signer["organisation"]),
                    "lead_fingerprint": signed.signer["fingerprint"],
                    "bid_name": str(data["bid"].get("name") or ""),
                    "member": str(record.get("name") or ""),
                    "org_id": org_id,
                    "received": _now(),
                    "due": data.get("due") if isinstance(data.get("due"), str) else None,
                    "work_json": json.dumps(data, ensure_ascii=False),
                    "record_json": json.dumps(record, ensure_ascii=False),
                    "file": str(Path(path).expanduser()),
                }
            )
            .last_pk
        )
        ws.audit(
            "import",
            "work",
            work_id,
            f"Opened a work pack from {signed.signer['organisation']} for "
            f"{data['bid'].get('name')} ({plural(len(data['questions']), 'question')})",
        )
    return load(ws, work_id)


def _our_org(ws: Workspace, record: dict, make_ours: bool) -> int | None:
    """The partner in this workspace the work is for: our organisation when it is the same
    one, else a match by number or name; made (as ours) when the workspace is new."""
    ours = partner_store.ours(ws.db)
    org = record_from_dict(record)
    if ours is not None and (
        normalise_name(ours.name) == normalise_name(org.name)
        or (org.charity_number and ours.charity_number == org.charity_number)
    ):
        return ours.id
    found = partner_store.find_existing(ws.db, org)
    if found is not None:
        return found
    if make_ours or ours is None:
        org.is_ours = True
        return partner_store.save(ws, org)
    return None


def load(ws: Workspace, work_id: int) -> Work:
    row = ws.db.execute(
        "SELECT id, lead, lead_fingerprint, bid_name, member, org_id, due, work_json, "
        "record_json, sent_at, manifest_sha256 FROM received_work WHERE id = ?",
        [work_id],
    ).fetchone()
    if row is None:
        raise WorkError(f"There is no work pack {work_id} in this workspace.")
    work = Work(
        id=row[0],
        lead=row[1],
        lead_fingerprint=row[2],
        bid_name=row[3],
        member=row[4],
        org_id=row[5],
        due=dt.date.fromisoformat(row[6]) if row[6] else None,
        data=json.loads(row[7]),
        record=json.loads(row[8]),
        sent_at=row[9],
        manifest_sha256=row[10],
    )
    for qid, answer in ws.db.execute(
        "SELECT question_id, answer FROM received_work_answers WHERE work_id = ?", [work_id]
    ):
        work.answers[qid] = answer
    work.files = [
        {"id": r[0], "need": r[1], "name": r[2], "path": r[3]}
        for r in ws.db.execute(
            "SELECT id, need, name, path FROM received_work_files WHERE work_id = ? ORDER BY id",
            [work_id],
        )
    ]
    return work


def list_work(ws: Workspace) -> list[Work]:
    return [load(ws, r[0]) for r in ws.db.execute("SELECT id FROM received_work ORDER BY id DESC")]


@writes
def save_answer(ws: Workspace, work_id: int, question_id: int, text: str) -> None:
    work = load(ws, work_id)
    if question_id not in {q["id"] for q in work.questions}:
        raise WorkError("That question is not in this work pack.")
    with ws.atomic(WORK):
        ws.db["received_work_answers"].upsert(
            {"work_id": work_id, "question_id": question_id, "answer": text, "updated_at": _now()},
            pk=("work_id", "question_id"),
        )


@writes
def save_record(ws: Workspace, work_id: int, record: dict) -> None:
    """Keep the member's confirmed or corrected record (checked first), and put the same
    corrections on its own partner record here."""
    org = record_from_dict(record)
    work = load(ws, work_id)
    with ws.atomic(WORK):
        ws.db.execute(
            "UPDATE received_work SET record_json = ? WHERE id = ?",
            [json.dumps(record, ensure_ascii=False), work_id],
        )
        if work.org_id is not None:
            mine = partner_store.load(ws.db, work.org_id)
            org.id, org.is_ours, org.name = mine.id, mine.is_ours, mine.name
            org.created_at = mine.created_at
            partner_store.save(ws, org)
        ws.audit(
            "update", "work", work_id, f"Checked the record for {possessive(work.lead)} work pack"
        )


@writes
def attach(ws: Workspace, work_id: int, path: str | Path, *, need: str = "") -> dict:
    """Copy a file to send back into the workspace's attachments (so it is there when the
    reply is written, wherever the original goes)."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise WorkError(f"{path} is not a file.")
    load(ws, work_id)
    folder = ws.attachments / f"work-{work_id}"
    folder.mkdir(parents=True, exist_ok=True)
    name = safe_name(path.name)
    target, n = folder / name, 1
    while target.exists():
        n += 1
        target = folder / f"{Path(name).stem} ({n}){Path(name).suffix}"
    shutil.copyfile(path, target)
    try:
        with ws.atomic(WORK):
            row_id = (
                ws.db["received_work_files"]
                .insert(
                    {"work_id": work_id, "need": need, "name": target.name, "path": str(target)}
                )
                .last_pk
            )
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return {"id": row_id, "need": need, "name": target.name, "path": str(target)}


@writes
def detach(ws: Workspace, work_id: int, file_id: int) -> None:
    row = ws.db.execute(
        "SELECT path FROM received_work_files WHERE id = ? AND work_id = ?", [file_id, work_id]
    ).fetchone()
    if row is None:
        return
    with ws.atomic(WORK):
        ws.db.execute("DELETE FROM received_work_files WHERE id = ?", [file_id])
    Path(row[0]).unlink(missing_ok=True)


@writes
def send_back(ws: Workspace, work_id: int, out: str | Path, *, passphrase=None) -> Path:
    """Write the signed reply: every answer (with the draft it started from), the record as
    confirmed or corrected, and the attached files. It names the work pack it answers."""
    work = load(ws, work_id)
    answers = [
        {"question_id": q["id"], "sent": q.get("answer") or "", "answer": work.answer(q["id"])}
        for q in work.questions
    ]
    entries: list[tuple[str, bytes | Path]] = []
    files, seen = [], set()
    for f in work.files:
        name = safe_name(f["name"])
        while name in seen:
            name = f"_{name}"
        seen.add(name)
        if not Path(f["path"]).is_file():
            raise WorkError(
                f"The attached file {f['name']} is no longer in the workspace's folder; attach it "
                "again. Nothing was written."
            )
        entries.append((f"files/{name}", Path(f["path"])))
        files.append({"entry": f"files/{name}", "name": f["name"], "need": f["need"]})
    reply = {"answers": answers, "record": work.record, "files": files}
    raw = json.dumps(reply, indent=2, ensure_ascii=False).encode("utf-8")
    manifest = {
        "work_pack": {
            "manifest_sha256": work.manifest_sha256,
            "bid": work.data.get("bid"),
            "lead": work.lead,
        },
        "member": {"name": work.member, "partner_id": work.record.get("partner_id")},
    }
    path, _sha = write_signed(
        out,
        ".cbreply",
        REPLY_FORMAT,
        manifest,
        [("reply.json", raw), *entries],
        passphrase=passphrase,
    )
    with ws.atomic(WORK):
        ws.db.execute(
            "UPDATE received_work SET sent_at = ?, reply_file = ? WHERE id = ?",
            [_now(), str(path), work_id],
        )
        ws.audit("export", "work", work_id, f"Sent the reply to {work.lead} as {path.name}")
    return path


def signed_reply(path: str | Path) -> Signed:
    """A reply's signed envelope, checked (for the lead's side)."""
    try:
        return read_signed(path, REPLY_FORMAT, "reply")
    except SignedFileError as exc:
        raise WorkError(str(exc)) from None
