"""The housing association's review of a bid pack, and the consortium taking it back in.

opened = open_for_review(ws, "bid.cbpack")      # verifies first; refuses a bad pack
checklist = opened.checklist                    # automated checks under the five foundations
review = Review(pack=opened, checklist=..., comments=[Comment("question", "Q3", "…")],
                decision="return", reasons="…")
export_review(review, "bid.cbreview", passphrase=None)   # signed by the reviewer
import_review(ws, "bid.cbreview")               # the consortium's side: comments, status, audit
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from consortium import validation
from consortium.bids import rules
from consortium.bids.questions import question_label, word_count
from consortium.changes import BIDS, REVIEWS
from consortium.errors import ConsortiumError
from consortium.files import atomic_save
from consortium.formatting import iso_date, money, percent, plural, uk_date, uk_date_time
from consortium.matching.requirements import Requirement
from consortium.packs import keys, shape, trust
from consortium.packs.pack import (
    MANIFEST,
    SIGNATURE,
    PackError,
    VerifyResult,
    _read_limited,
    check_zip,
    open_zip,
    read_bid_json,
    verify_pack,
)
from consortium.records import Credential
from consortium.text import storable
from consortium.workspace import Workspace, writes

REVIEW_FORMAT = "consortium-bid-review"
REVIEW_VERSION = 1
FOUNDATIONS = (
    "Vision and strategy",
    "Leadership",
    "Management",
    "Performance and compliance",
    "Assurance",
)
DECISIONS = {
    "approve": "Approved",
    "approve_with_conditions": "Approved with conditions",
    "return": "Returned for changes",
}
ANCHORS = ("section", "question", "member", "document")
PASS, WARN, FAIL, OPEN = "pass", "warn", "fail", "to check"


class ReviewError(ConsortiumError):
    pass


@dataclass
class Check:
    foundation: str
    item: str
    status: str  # pass / warn / fail / to check
    evidence: list[str] = field(default_factory=list)
    automated: bool = True
    note: str = ""


@dataclass
class Comment:
    anchor_type: str  # section, question, member or document
    anchor_id: str
    text: str
    author: str = ""
    at: str = ""
    anchor_label: str = ""  # what it is on, in words: "Q 2 — How will you reach…"


@dataclass(frozen=True)
class Anchor:
    """Something in a pack a comment can be on."""

    type: str  # one of ANCHORS
    id: str
    label: str


SECTIONS = (
    ("consortium", "The consortium, its model and fee"),
    ("tender", "The tender and its requirements"),
    ("members", "The members as a whole"),
    ("social_value", "Social value commitments"),
    ("declarations", "Declarations of interest"),
)


def _snippet(text: str, n: int = 60) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


def anchors(data: dict, manifest: dict | None = None) -> list[Anchor]:
    """Every section, question, member and document of a pack a comment can be on, labelled
    as a reader would name it."""
    found = [Anchor("section", key, f"Section: {label}") for key, label in SECTIONS]
    for q in data.get("questions") or []:
        found.append(
            Anchor(
                "question",
                str(q.get("id") if q.get("id") is not None else q.get("position")),
                f"{_q_label(q)} — {_snippet(q.get('text'))}",
            )
        )
    for m in data.get("members") or []:
        found.append(Anchor("member", str(m.get("name")), f"Member: {m.get('name')}"))
    for name in sorted((manifest or {}).get("files") or {}):
        if name.startswith(("documents/", "evidence/")):
            found.append(Anchor("document", name, f"Document: {name.split('/', 1)[1]}"))
    return found


@dataclass
class OpenedPack:
    path: str
    verification: VerifyResult
    data: dict
    checklist: list[Check]
    changes: list[str]  # what changed since a version reviewed before, if any
    received_id: int | None = None


# ================================================================== automated due diligence
def due_diligence(data: dict, today: dt.date | None = None) -> list[Check]:
    """Checks on the pack's data, each passing, warning or failing with its evidence."""
    today = today or dt.date.today()
    tender = data.get("tender") or {}
    bid = data.get("bid") or {}
    start = rules.judged_on(
        iso_date(bid.get("contract_start")) or iso_date(tender.get("contract_start")), today
    )
    members = data.get("members", [])
    checks: list[Check] = []

    evidence, status = [], PASS
    for m in members:
        for label, value, check in (
            ("charity number", m.get("charity_number"), validation.charity_number),
            ("company number", m.get("company_number"), validation.company_number),
        ):
            if value:
                try:
                    check(value)
                    evidence.append(f"{m['name']}: {label} {value} is well formed")
                except ValueError as exc:
                    status = FAIL
                    evidence.append(f"{m['name']}: {exc}")
        if not m.get("charity_number") and not m.get("company_number"):
            status = WARN if status == PASS else status
            evidence.append(f"{m['name']}: no charity or company number given")
    checks.append(Check("Leadership", "Members' identifiers are well formed", status, evidence))

    names = [m["name"].strip().lower() for m in members]
    dupes = sorted({m["name"] for m in members if names.count(m["name"].strip().lower()) > 1})
    checks.append(
        Check(
            "Management",
            "No member appears twice",
            FAIL if dupes else PASS,
            [f"{d} is listed more than once" for d in dupes]
            or [f"{len(members)} different members"],
        )
    )

    # One rule set with the bid's readiness check (bids/rules.py), on the contract start.
    asked = [_requirement(r) for r in tender.get("requirements") or []]
    findings = [
        f
        for m in members
        for f in rules.document_findings(
            m["name"],
            m.get("role"),
            [_credential(c) for c in m.get("credentials", [])],
            start,
            asked,
            today,
        )
    ]
    for title, kinds, fine in (
        (
            "Insurances and accreditations valid on the contract start",
            ("insurance", "accreditation"),
            f"Insurances and accreditations are valid on {uk_date(start)} with the cover asked for",
        ),
        (
            "Safeguarding and data protection policies present and in date",
            ("policy",),
            f"Every member has both, in date on {uk_date(start)}",
        ),
    ):
        mine = [f for f in findings if f.kind in kinds]
        status = FAIL if any(f.severity == "problem" for f in mine) else (WARN if mine else PASS)
        checks.append(
            Check(
                "Performance and compliance",
                title,
                status,
                [f.message for f in mine] or [fine],
            )
        )

    questions = data.get("questions") or []
    unanswered = [q for q in questions if not str(q.get("answer") or "").strip()]
    over = [q for q in questions if q.get("over_limit") and q.get("word_limit") is not None]
    checks.append(
        Check(
            "Performance and compliance",
            "Every question answered within its word limit",
            FAIL if unanswered or over or not questions else PASS,
            [f"{_q_label(q)} has no answer" for q in unanswered]
            + [
                f"{_q_label(q)} is {q.get('words', 0):,} words, over its limit of {q['word_limit']:,}"
                for q in over
            ]
            or (
                [f"{answered(data)} of {len(questions)} answered"]
                if questions
                else ["The pack has no questions"]
            ),
        )
    )

    annual = tender.get("annual_value") or 0
    evidence, status = [], PASS
    if annual:
        total = 0
        for m in members:
            turnover = m.get("turnover") or {}
            latest = turnover[max(turnover)] if turnover else 0
            total += latest
            delivers = m.get("role") in ("lead provider", "delivery partner")
            if delivers and latest and annual / max(len(members), 1) > latest * 0.5:
                status = WARN
                evidence.append(f"{m['name']}: turnover {money(latest)}")
        if total * 0.5 < annual:
            status = WARN
            evidence.append(
                f"Combined turnover {money(total)} against {money(annual)} a year: above the usual half"
            )
        else:
            evidence.append(f"Combined turnover {money(total)} against {money(annual)} a year")
    else:
        status, evidence = OPEN, ["The tender gives no value to compare"]
    checks.append(Check("Management", "Turnover against the contract value", status, evidence))

    # The consortium's readiness check says the same (bids/rules.py).
    declared = (data.get("declarations") or {}).get("conflicts_of_interest")
    missing = rules.conflicts_finding(declared)
    checks.append(
        Check(
            "Leadership",
            "Conflicts of interest declared",
            WARN if missing else PASS,
            ["No declaration of interests in the pack: ask the lead for one"]
            if missing
            else [f"Declared: {declared}"],
        )
    )
    consortium = data.get("consortium") or {}
    no_fee = rules.fee_finding(
        consortium.get("fee_percent"),
        str(consortium.get("model") or ""),
        consortium.get("name") or "The consortium",
    )
    checks.append(
        Check(
            "Management",
            "Management fee agreed",
            WARN if no_fee else PASS,
            [no_fee.message]
            if no_fee
            else (
                [f"Management fee {percent(consortium['fee_percent'])}"]
                if consortium.get("fee_percent") is not None
                else ["No lead provider takes a fee in this model"]
            ),
        )
    )
    return checks


def _credential(c: dict) -> Credential:
    return Credential(
        kind=str(c.get("kind") or ""),
        type=str(c.get("type") or ""),
        expires=iso_date(c.get("expires")),
        cover=c.get("cover") if isinstance(c.get("cover"), int) else None,
    )


def _requirement(r: dict) -> Requirement:
    """A requirement as the pack carries it (key 'insurance:Public liability>=5000000')."""
    kind, _, rest = str(r.get("key") or "").partition(":")
    name, _, cover = rest.partition(">=")
    return Requirement(kind, name, int(cover) if cover.isdigit() else None)


def _q_label(q: dict) -> str:
    return question_label(str(q.get("ref") or ""), int(q.get("position") or 0))


def answered(data: dict) -> int:
    """How many of a pack's questions really have an answer (not blank)."""
    return sum(1 for q in data.get("questions") or [] if str(q.get("answer") or "").strip())


def checklist(data: dict, today: dt.date | None = None) -> list[Check]:
    """The assurance checklist: automated checks placed under the five foundations, plus the
    questions an officer answers herself (editable; she can add her own)."""
    manual = [
        ("Vision and strategy", "The bid fits the association's community investment strategy"),
        ("Vision and strategy", "The consortium's aims match the neighbourhoods we serve"),
        ("Leadership", "The lead has the governance to manage subcontracts"),
        ("Management", "The consortium agreement and management fee are fair to small members"),
        ("Assurance", "Social value commitments are realistic and can be evidenced"),
        ("Assurance", "Risks to the association's reputation are acceptable"),
    ]
    items = due_diligence(data, today) + [Check(f, i, OPEN, [], automated=False) for f, i in manual]
    order = {f: k for k, f in enumerate(FOUNDATIONS)}
    return sorted(items, key=lambda c: (order[c.foundation], not c.automated))


# ============================================================================ versions
# What names an item of a list, so that two versions' items are matched (members by name,
# questions by their reference, credentials by type), not compared as one block of JSON.
_ITEM_KEYS = ("name", "ref", "type")


# Worked out from what is shown already (an answer's word count): said once, by the answer.
_DERIVED = {"words", "over_limit"}


def _item_key(a: list, b: list) -> str | None:
    """The key naming each item of both versions of a list once, if there is one."""
    for key in _ITEM_KEYS:
        if all(
            all(isinstance(x, dict) and x.get(key) not in (None, "") for x in side)
            and len({str(x[key]) for x in side}) == len(side)
            for side in (a, b)
        ):
            return key
    return None


def diff_bid(old: dict, new: dict) -> list[str]:
    """What changed between two versions of a bid's data, in words."""
    changes: list[str] = []

    def walk(a, b, where: str) -> None:
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted((set(a) | set(b)) - _DERIVED):
                walk(a.get(key), b.get(key), f"{where}.{key}" if where else str(key))
        elif isinstance(a, list) and isinstance(b, list) and (key := _item_key(a, b)):
            left, right = {str(x[key]): x for x in a}, {str(x[key]): x for x in b}
            for name in sorted(set(left) - set(right)):
                changes.append(f"{where}: {name} removed")
            for name in sorted(set(right) - set(left)):
                changes.append(f"{where}: {name} added")
            for name in sorted(set(left) & set(right)):
                walk(left[name], right[name], f"{where}[{name}]")
        elif a == b:
            return
        elif isinstance(a, str) and isinstance(b, str) and max(len(a), len(b)) > 80:
            # A changed answer: how long it was and is, and how the new one begins.
            changes.append(
                f"{where}: changed ({word_count(a):,} → {word_count(b):,} words), now “{_short(b)}”"
            )
        elif a != b:
            changes.append(f"{where}: {_short(a)} → {_short(b)}")

    walk(old, new, "")
    return changes


def _short(value) -> str:
    text = (
        json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, str) else value
    )
    return text if len(text) <= 80 else text[:77] + "…"


# ========================================================================== reviewer side
class PackRefused(ReviewError):
    """A pack failed a check; ``verification`` holds every problem (and the key, if that is
    what failed) for the window or the command to show."""

    def __init__(self, message: str, verification: VerifyResult):
        super().__init__(message)
        self.verification = verification


@writes
def open_for_review(
    ws: Workspace,
    path: str | Path,
    today: dt.date | None = None,
    *,
    confirm_words: str | None = None,
) -> OpenedPack:
    """Verify a pack (and refuse it if it fails), remember it, and prepare the checklist.

    The pack is verified once, here. The sender's key and the pack are stored together, in
    one transaction, only after every check has passed; a changed sender key fails until
    ``confirm_words`` are its words."""
    result = verify_pack(path, ws, confirm_words=confirm_words)
    if not result.ok:
        raise PackRefused("This pack cannot be reviewed: " + " ".join(result.problems), result)
    try:
        data = read_bid_json(path, result.manifest)
    except PackError as exc:
        raise PackRefused(str(exc), result) from exc
    manifest = result.manifest
    previous = ws.db.execute(
        "SELECT bid_json FROM received_packs WHERE sender_fingerprint = ? AND bid_ref = ? "
        "AND manifest_sha256 != ? ORDER BY id DESC LIMIT 1",
        [result.signer["fingerprint"], manifest["bid"]["id"], result.manifest_sha256],
    ).fetchone()
    changes = diff_bid(json.loads(previous[0]), data) if previous else []
    items = checklist(data, today)
    existing = ws.db.execute(
        "SELECT id FROM received_packs WHERE manifest_sha256 = ?", [result.manifest_sha256]
    ).fetchone()
    with ws.atomic(REVIEWS):
        trust.remember(ws, trust.KeyCheck(**result.key))
        if existing:
            received_id = existing[0]
        else:
            received_id = (
                ws.db["received_packs"]
                .insert(
                    {
                        "sender_fingerprint": result.signer["fingerprint"],
                        "organisation": result.signer["organisation"],
                        "bid_ref": manifest["bid"]["id"],
                        "bid_name": manifest["bid"]["name"],
                        "manifest_sha256": result.manifest_sha256,
                        "received": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                        "bid_json": json.dumps(data, ensure_ascii=False),
                    }
                )
                .last_pk
            )
            ws.audit(
                "receive",
                "pack",
                received_id,
                f"Opened the bid pack {manifest['bid']['name']} from {result.signer['organisation']}",
            )
    return OpenedPack(str(path), result, data, items, changes, received_id)


@dataclass
class Review:
    pack: OpenedPack
    checklist: list[Check]
    comments: list[Comment]
    decision: str
    reasons: str = ""
    conditions: str = ""


def decision_problem(decision: str | None, reasons: str, conditions: str) -> str | None:
    """What stops a decision being signed, in words (None when it can be): asked before the
    reviewer is asked for a file name and passphrase, and again when the review is signed."""
    if decision not in DECISIONS:
        return f"Choose a decision: {', '.join(DECISIONS.values())}."
    if decision == "approve_with_conditions" and not conditions.strip():
        return "Say what the conditions are when approving with conditions."
    if decision == "return" and not reasons.strip():
        return "Give your reasons when returning a bid."
    return None


def approval_caveat(decision: str | None, checklist: list[Check]) -> str | None:
    """For an approval while checks failed or are still to be checked: the sentence the
    reviewer is asked to confirm (the window) or warned with (the command line)."""
    if decision not in ("approve", "approve_with_conditions"):
        return None
    failed = sum(1 for c in checklist if c.status == FAIL)
    unchecked = sum(1 for c in checklist if c.status == OPEN)
    if not failed and not unchecked:
        return None
    parts = []
    if failed:
        parts.append(f"{plural(failed, 'check')} failed")
    if unchecked:
        parts.append(f"{unchecked} {'is' if unchecked == 1 else 'are'} not checked yet")
    return f"{' and '.join(parts).capitalize()}: approve this bid anyway?"


def export_review(review: Review, out: str | Path, *, passphrase: str | None = None) -> Path:
    """A signed review file (.cbreview) for the consortium to take back in."""
    problem = decision_problem(review.decision, review.reasons, review.conditions)
    if problem:
        raise ReviewError(problem)
    for c in review.comments:
        if c.anchor_type not in ANCHORS:
            raise ReviewError(
                f"A comment must be on a {', '.join(ANCHORS)}, not '{c.anchor_type}'."
            )
    me = keys.identity()
    private = keys.load_private_key(passphrase)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    manifest = review.pack.verification.manifest
    labels = {(a.type, a.id): a.label for a in anchors(review.pack.data, manifest)}
    body = {
        "format": REVIEW_FORMAT,
        "format_version": REVIEW_VERSION,
        "created": now,
        "pack": {
            "manifest_sha256": review.pack.verification.manifest_sha256,
            "created": manifest.get("created"),
            "bid": manifest["bid"],
            "sender": review.pack.verification.signer,
        },
        "reviewer": {
            "organisation": me.organisation,
            "public_key": me.public_key,
            "fingerprint": me.fingerprint,
        },
        "decision": review.decision,
        "reasons": review.reasons,
        "conditions": review.conditions,
        "checklist": [asdict(c) for c in review.checklist],
        "comments": [
            asdict(c)
            | {
                "author": c.author or me.organisation,
                "at": c.at or now,
                "anchor_label": c.anchor_label or labels.get((c.anchor_type, c.anchor_id), ""),
            }
            for c in review.comments
        ],
    }
    body_bytes = json.dumps(body, indent=2, ensure_ascii=False, sort_keys=True).encode("utf-8")
    signature = base64.b64encode(private.sign(body_bytes))
    out = Path(out).expanduser()
    if out.suffix.lower() != ".cbreview":
        out = out.with_suffix(".cbreview")

    def write(tmp: str) -> None:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(MANIFEST, body_bytes)
            zf.writestr(SIGNATURE, signature)

    return atomic_save(write, out)


# ========================================================================= consortium side
@dataclass
class ImportedReview:
    bid_id: int
    decision: str
    reviewer: str
    comments: int
    status: str
    warnings: list[str] = field(default_factory=list)
    conditions: str = ""
    reasons: str = ""
    reviewer_fingerprint: str = ""
    pack_manifest_sha256: str = ""
    older_version: bool = False  # of a pack since replaced by a newer one: status unchanged


class KeyNotTrusted(ReviewError):
    """A review signed by a key this workspace does not trust for that pack. ``check`` says
    whose key it is and which one is pinned instead; a review signed by a new key can be
    taken in once the user confirms its words (``import_review(..., confirm_words=)``)."""

    def __init__(self, message: str, check: trust.KeyCheck):
        super().__init__(message)
        self.check = check


def read_review(path: str | Path) -> tuple[dict, bytes, list[str]]:
    """(body, body bytes, problems) of a review file, checking its layout and signature."""
    path = Path(path).expanduser()
    problems: list[str] = []
    with open_zip(path, "review") as zf:
        problems += check_zip(zf, path.name, path.stat().st_size, "review")
        if problems:
            return {}, b"", problems
        names = set(zf.namelist())
        if names != {MANIFEST, SIGNATURE}:
            if MANIFEST not in names:
                return {}, b"", [f"{path.name} is not a Consortium review file."]
            problems.append(
                "The review file holds files it should not, or is missing its signature."
            )
        body_bytes = _read_limited(zf, MANIFEST, 20 * 1024 * 1024)
        signature = _read_limited(zf, SIGNATURE, 4096) if SIGNATURE in names else b""
    try:
        body = storable(json.loads(body_bytes))  # lone surrogates cannot be stored
    except (ValueError, RecursionError):
        return {}, body_bytes, [f"{path.name} is damaged: its contents are not readable."]
    if not isinstance(body, dict) or body.get("format") != REVIEW_FORMAT:
        return {}, body_bytes, [f"{path.name} is not a Consortium review file."]
    if not isinstance(body.get("format_version"), int) or body["format_version"] > REVIEW_VERSION:
        return (
            body,
            body_bytes,
            [
                f"This review was made by a newer version of Consortium (review format {body.get('format_version')}). Update the app to read it."
            ],
        )
    bad_shape = shape.problems(body, shape.REVIEW, f"The review file {path.name}")
    if not bad_shape and body["decision"] not in DECISIONS:
        bad_shape = [f"The review file {path.name} is damaged: 'decision' is not a decision."]
    if bad_shape:
        return {}, body_bytes, bad_shape
    try:
        public = base64.b64decode(body["reviewer"]["public_key"], validate=True)
        sig = base64.b64decode(signature, validate=True)
    except (KeyError, ValueError, TypeError):
        public, sig = b"", b""
    if len(public) != 32 or not keys.verify(public, sig, body_bytes):
        problems.append(
            "The review's signature does not match: it was changed after signing, or signed with another key."
        )
    return body, body_bytes, problems


def _pinned_reviewer(ws: Workspace, bid_id: int, pack_sha: str) -> str | None:
    """The one key whose review of this pack is acceptable: the reviewer it was sent to, else
    the one that reviewed this bid before."""
    row = ws.db.execute(
        "SELECT reviewer_fingerprint FROM bid_packs WHERE manifest_sha256 = ?", [pack_sha]
    ).fetchone()
    if row and row[0]:
        return row[0]
    row = ws.db.execute(
        "SELECT fingerprint FROM ("
        " SELECT reviewer_fingerprint AS fingerprint, created AS at FROM bid_packs"
        "  WHERE bid_id = ? AND reviewer_fingerprint IS NOT NULL"
        " UNION ALL SELECT reviewer_fingerprint, received FROM bid_reviews WHERE bid_id = ?)"
        " ORDER BY at DESC LIMIT 1",
        [bid_id, bid_id],
    ).fetchone()
    if row is None:
        return None
    # A pinned key since replaced by a confirmed change: the new one stands in for it.
    fingerprint, seen = row[0], set()
    while fingerprint and fingerprint not in seen:
        seen.add(fingerprint)
        nxt = ws.db.execute(
            "SELECT replaced_by FROM known_senders WHERE fingerprint = ?", [fingerprint]
        ).fetchone()
        if not nxt or not nxt[0]:
            break
        fingerprint = nxt[0]
    return fingerprint


def _refusal(check: trust.KeyCheck, bid_name: str) -> str:
    if check.status == trust.CHANGED:
        return (
            f"REFUSED: this review of {bid_name} is signed by a key that is not the one trusted "
            f"for it. Trusted key ({check.pinned['organisation']}): {trust.describe(check.pinned)}. "
            f"This review's key (claiming {check.organisation}): {trust.describe(check.to_dict())}. "
            "Nothing was taken in. If the housing association really has a new key, phone them "
            "on a number you already have and confirm its words."
        )
    return (
        f"This is the first review from {check.organisation} taken in here. Before it is trusted, "
        f"phone them on a number you already have and check their key's words: {check.words} "
        f"(fingerprint {trust.grouped(check.fingerprint)}). Nothing was taken in yet."
    )


@writes
def import_review(
    ws: Workspace,
    path: str | Path,
    *,
    confirm_words: str | None = None,
    bid_id: int | None = None,
) -> ImportedReview:
    """Take an HA's review back in: comments beside their questions, the decision on the bid's
    status and in the audit log. All or nothing; a bad file changes nothing.

    The review must be signed by the key pinned for the pack (the reviewer it was sent to, or
    who reviewed the bid before); any other key is refused (:class:`KeyNotTrusted`) unless
    ``confirm_words`` are that key's words, as the reviewer read them to you. ``bid_id``, when
    given, is the bid the user means: a review of another bid's pack is refused. A review of an
    older version of the pack is taken in but labelled, and leaves the bid's status alone."""
    try:
        body, body_bytes, problems = read_review(path)
    except PackError as exc:
        raise ReviewError(str(exc)) from exc
    if problems:
        raise ReviewError(f"{Path(path).name} was not imported: " + " ".join(problems))
    pack_sha = body["pack"]["manifest_sha256"]
    row = ws.db.execute(
        "SELECT bid_id, created FROM bid_packs WHERE manifest_sha256 = ?", [pack_sha]
    ).fetchone()
    if row is None:
        raise ReviewError(
            f"This review is of a pack ({body['pack']['bid']['name']}) that was not exported from this workspace. "
            "Open the workspace the pack came from and import the review there."
        )
    reviewed_bid, sent = row
    from consortium.bids import records as bid_records

    bid_name = bid_records.load(ws.db, reviewed_bid).name
    if bid_id is not None and reviewed_bid != bid_id:
        raise ReviewError(
            f"This review is of {bid_name}, not of {bid_records.load(ws.db, bid_id).name}. "
            "Nothing was taken in: choose that bid, or take the review in from the Review area."
        )
    review_sha = hashlib.sha256(body_bytes).hexdigest()
    if ws.db.execute("SELECT 1 FROM bid_reviews WHERE review_sha256 = ?", [review_sha]).fetchone():
        raise ReviewError("This review has already been imported.")
    reviewer = body["reviewer"]
    check = trust.key_check(
        ws,
        reviewer["organisation"],
        reviewer["public_key"],
        pinned_fingerprint=_pinned_reviewer(ws, reviewed_bid, pack_sha),
    )
    if check.status != trust.KNOWN:
        if confirm_words is None:
            raise KeyNotTrusted(_refusal(check, bid_name), check)
        try:
            trust.confirm(check, confirm_words)
        except trust.TrustError as exc:
            raise KeyNotTrusted(str(exc), check) from None
    from consortium.packs import standing

    warnings = []
    latest = standing.newest_pack(ws, reviewed_bid)
    older = latest is not None and not standing.same_version(
        latest, pack_sha, standing.pack_content(ws, pack_sha)
    )
    if older:
        newest_review = standing.review_of_pack(ws, latest["manifest_sha256"])
        newer = (
            "has not been reviewed yet"
            if newest_review is None
            else f"was reviewed already ({DECISIONS.get(newest_review['decision'], '')}, "
            f"taken in {_when(newest_review['received'])}), and that decision stands"
        )
        warnings.append(
            f"This review is of an older version of {bid_name} (the pack sent "
            f"{_when(sent)}); a newer version was sent {_when(latest['created'])} and {newer}. "
            "Its comments are added, but the bid's status is left as it is."
        )
    decision = body["decision"]
    new_status = {
        "approve": "approved",
        "approve_with_conditions": "approved",
        "return": "returned",
    }[decision]
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with ws.atomic(BIDS):
        trust.remember(ws, check)
        review_id = (
            ws.db["bid_reviews"]
            .insert(
                {
                    "bid_id": reviewed_bid,
                    "reviewer": reviewer["organisation"],
                    "reviewer_fingerprint": check.fingerprint,
                    "decision": decision,
                    "reasons": body.get("reasons") or "",
                    "conditions": body.get("conditions") or "",
                    "review_sha256": review_sha,
                    "received": now,
                    "pack_manifest_sha256": pack_sha,
                    "older_version": int(older),
                    "checklist": json.dumps(_received_checklist(body), ensure_ascii=False),
                }
            )
            .last_pk
        )
        for c in body.get("comments", []):
            ws.db["review_comments"].insert(
                {
                    "review_id": review_id,
                    "bid_id": reviewed_bid,
                    "anchor_type": c["anchor_type"],
                    "anchor_id": c.get("anchor_id"),
                    "anchor_label": c.get("anchor_label") or "",
                    "text": c["text"],
                    "author": c.get("author"),
                    "at": c.get("at"),
                }
            )
        if older:
            new_status = bid_records.load(ws.db, reviewed_bid).status
        else:
            ws.db.execute(
                "UPDATE bids SET status = ?, updated_at = ? WHERE id = ?",
                [new_status, now, reviewed_bid],
            )
        ws.audit(
            "review",
            "bid",
            reviewed_bid,
            f"{reviewer['organisation']}: {DECISIONS[decision]}"
            + (f" ({body.get('reasons')})" if body.get("reasons") else "")
            + (" — of an older version" if older else ""),
            {"decision": decision, "comments": len(body.get("comments", []))},
        )
    return ImportedReview(
        reviewed_bid,
        decision,
        reviewer["organisation"],
        len(body.get("comments", [])),
        new_status,
        warnings,
        conditions=body.get("conditions") or "",
        reasons=body.get("reasons") or "",
        reviewer_fingerprint=check.fingerprint,
        pack_manifest_sha256=pack_sha,
        older_version=older,
    )


_MOST_CHECKS = 200  # the app's checklist has about 16; an officer adds a few


def _received_checklist(body: dict) -> list[dict]:
    """The reviewer's checklist as it came back, each item reduced to its words (the file is
    signed, but its items are only checked to be objects): what the consortium is shown."""
    kept = []
    for c in (body.get("checklist") or [])[:_MOST_CHECKS]:
        evidence = c.get("evidence") if isinstance(c.get("evidence"), list) else []
        kept.append(
            {
                "foundation": storable(str(c.get("foundation") or ""))[:200],
                "item": storable(str(c.get("item") or ""))[:500],
                "status": storable(str(c.get("status") or ""))[:40],
                "note": storable(str(c.get("note") or ""))[:2000],
                "evidence": [storable(str(e))[:500] for e in evidence[:20]],
            }
        )
    return kept


def review_checklist(ws: Workspace, review_id: int) -> list[dict]:
    """The checklist that came back with a review ([] for one taken in before it was kept)."""
    row = ws.db.execute("SELECT checklist FROM bid_reviews WHERE id = ?", [review_id]).fetchone()
    try:
        return json.loads(row[0]) if row and row[0] else []
    except ValueError:
        return []


def _when(iso: str | None) -> str:
    """'on 3 Dec 2026 at 14:05' (local time): two versions sent the same day differ by time."""
    try:
        return "on " + uk_date_time(dt.datetime.fromisoformat(iso))
    except (TypeError, ValueError):
        return "earlier"


def latest_review(ws: Workspace, bid_id: int) -> dict | None:
    """The review that counts for a bid (of the newest pack that has one, see
    :func:`standing.headline_review`): decision, reasons, conditions, reviewer, when; whether it
    is of an older version than the newest sent (``newest_sent``: when that was sent), and
    whether an approval no longer covers the bid because it has changed since
    (``changed_since``)."""
    from consortium.packs import standing

    data = standing.headline_review(ws, bid_id)
    if data is None:
        return None
    data["decision_label"] = DECISIONS.get(data["decision"], data["decision"])
    # The headline is already at hand: compare its pack's content, not look it up again.
    data["changed_since"] = (
        not data["older_version"]
        and data["decision"].startswith("approve")
        and data["pack_content_sha256"] is not None
        and standing.current_content_sha256(ws, bid_id) != data["pack_content_sha256"]
    )
    return data


def comments_for(ws: Workspace, bid_id: int) -> list[dict]:
    """Comments received on a bid, for showing beside the questions they refer to; ``label``
    says what each is on, in words (a question's own label where it can be found)."""
    from consortium.bids import questions as bid_questions

    by_id = {str(q.id): q for q in bid_questions.list_for(ws.db, bid_id)}
    by_ref = {q.ref: q for q in by_id.values() if q.ref}
    rows = list(
        ws.db.query(
            """SELECT c.anchor_type, c.anchor_id, c.anchor_label, c.text, c.author, c.at,
                      r.decision, c.review_id, r.received
               FROM review_comments c JOIN bid_reviews r ON r.id = c.review_id
               WHERE c.bid_id = ? ORDER BY r.id DESC, c.id""",
            [bid_id],
        )
    )
    for row in rows:
        # Which round it came with: the newest review's comments first.
        row["review"] = (
            f"{DECISIONS.get(row['decision'], row['decision'])}, taken in {_when(row['received'])}"
        )
        q = by_id.get(row["anchor_id"] or "") or by_ref.get(row["anchor_id"] or "")
        if row["anchor_type"] == "question" and q is not None:
            label = f"{q.label} — {_snippet(q.text)}"
        else:
            label = row["anchor_label"] or f"{row['anchor_type']} {row['anchor_id'] or ''}"
        # Shown as "label: comment": a question's own full stop would make it ".:".
        row["label"] = label.rstrip(" .:;")
    return rows
