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
import os
import tempfile
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from consortium import validation
from consortium.errors import ConsortiumError
from consortium.formatting import iso_date, money, uk_date
from consortium.packs import keys
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
from consortium.text import storable
from consortium.workspace import Workspace

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
    start = iso_date(tender.get("contract_start")) or iso_date(tender.get("deadline")) or today
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

    required = tender.get("requirements", [])
    evidence, status = [], PASS
    for m in members:
        creds = m.get("credentials", [])
        for kind in ("insurance", "accreditation"):
            for cr in (c for c in creds if c["kind"] == kind):
                expires = iso_date(cr.get("expires"))
                if expires and expires < start:
                    status = FAIL
                    evidence.append(
                        f"{m['name']}: {cr['type']} expires {uk_date(expires)}, before the contract starts on {uk_date(start)}"
                    )
        for req in required:
            kind, _, rest = req["key"].partition(":")
            name, _, cover = rest.partition(">=")
            if kind not in ("insurance", "accreditation"):
                continue
            held = [
                c for c in creds if c["kind"] == kind and c["type"].lower().startswith(name.lower())
            ]
            if not held:
                if m.get("role") in ("lead provider", "delivery partner"):
                    status = FAIL if kind == "insurance" else (WARN if status == PASS else status)
                    evidence.append(f"{m['name']}: no {req['label']} (the notice asks for it)")
            elif cover.isdigit() and max((c.get("cover") or 0) for c in held) < int(cover):
                status = FAIL
                evidence.append(
                    f"{m['name']}: {name} cover {money(max((c.get('cover') or 0) for c in held))} is below the {money(int(cover))} asked for"
                )
    if not evidence:
        evidence.append(
            f"Insurances and accreditations are valid on {uk_date(start)} with the cover asked for"
        )
    checks.append(
        Check(
            "Performance and compliance",
            "Insurances and accreditations valid on the contract start",
            status,
            evidence,
        )
    )

    evidence, status = [], PASS
    for m in members:
        for policy in ("Safeguarding", "Data protection"):
            found = [
                c
                for c in m.get("credentials", [])
                if c["kind"] == "policy" and c["type"].lower().startswith(policy.lower())
            ]
            if not found:
                status = FAIL
                evidence.append(f"{m['name']}: no {policy.lower()} policy")
            else:
                due = iso_date(found[0].get("expires"))
                if due and due < today:
                    status = FAIL
                    evidence.append(
                        f"{m['name']}: {policy.lower()} policy was due for review on {uk_date(due)}"
                    )
    checks.append(
        Check(
            "Performance and compliance",
            "Safeguarding and data protection policies present and in date",
            status,
            evidence or ["Every member has both, in date"],
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

    declared = (data.get("declarations") or {}).get("conflicts_of_interest")
    checks.append(
        Check(
            "Leadership",
            "Conflicts of interest declared",
            PASS if declared else WARN,
            [f"Declared: {declared}"]
            if declared
            else ["No declaration of interests in the pack: ask the lead for one"],
        )
    )
    return checks


def checklist(data: dict, today: dt.date | None = None) -> list[Check]:
    """The assurance checklist: automated checks placed under the five foundations, plus the
    questions an officer answers herself (editable; she can add her own)."""
    manual = [
        ("Vision and strategy", "The bid fits the association's community investment strategy"),
        ("Vision and strategy", "The consortium's aims match the neighbourhoods we serve"),
        ("Leadership", "The lead has the governance to manage subcontracts"),
        ("Management", "The consortium agreement and management fee are fair to small members"),
        ("Performance and compliance", "Answers are complete and within their word limits"),
        ("Assurance", "Social value commitments are realistic and can be evidenced"),
        ("Assurance", "Risks to the association's reputation are acceptable"),
    ]
    items = due_diligence(data, today) + [Check(f, i, OPEN, [], automated=False) for f, i in manual]
    order = {f: k for k, f in enumerate(FOUNDATIONS)}
    return sorted(items, key=lambda c: (order[c.foundation], not c.automated))


# ============================================================================ versions
def diff_bid(old: dict, new: dict) -> list[str]:
    """What changed between two versions of a bid's data, in words."""
    changes: list[str] = []

    def walk(a, b, where: str) -> None:
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b)):
                walk(a.get(key), b.get(key), f"{where}.{key}" if where else str(key))
        elif (
            isinstance(a, list)
            and isinstance(b, list)
            and all(isinstance(x, dict) and "name" in x for x in a + b)
        ):
            left, right = {x["name"]: x for x in a}, {x["name"]: x for x in b}
            for name in sorted(set(left) - set(right)):
                changes.append(f"{where}: {name} removed")
            for name in sorted(set(right) - set(left)):
                changes.append(f"{where}: {name} added")
            for name in sorted(set(left) & set(right)):
                walk(left[name], right[name], f"{where}[{name}]")
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
def open_for_review(ws: Workspace, path: str | Path, today: dt.date | None = None) -> OpenedPack:
    """Verify a pack (and refuse it if it fails), remember it, and prepare the checklist."""
    result = verify_pack(path, ws)
    if not result.ok:
        raise ReviewError("This pack cannot be reviewed: " + " ".join(result.problems))
    data = read_bid_json(path)
    manifest = result.manifest
    previous = ws.db.execute(
        "SELECT bid_json FROM received_packs WHERE sender_fingerprint = ? AND bid_ref = ? "
        "AND manifest_sha256 != ? ORDER BY id DESC LIMIT 1",
        [result.signer["fingerprint"], manifest["bid"]["id"], result.manifest_sha256],
    ).fetchone()
    changes = diff_bid(json.loads(previous[0]), data) if previous else []
    existing = ws.db.execute(
        "SELECT id FROM received_packs WHERE manifest_sha256 = ?", [result.manifest_sha256]
    ).fetchone()
    if existing:
        received_id = existing[0]
    else:
        with ws.atomic():
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
    return OpenedPack(str(path), result, data, checklist(data, today), changes, received_id)


@dataclass
class Review:
    pack: OpenedPack
    checklist: list[Check]
    comments: list[Comment]
    decision: str
    reasons: str = ""
    conditions: str = ""


def export_review(review: Review, out: str | Path, *, passphrase: str | None = None) -> Path:
    """A signed review file (.cbreview) for the consortium to take back in."""
    if review.decision not in DECISIONS:
        raise ReviewError(f"Choose a decision: {', '.join(DECISIONS.values())}.")
    if review.decision != "approve" and not review.reasons.strip():
        raise ReviewError("Give your reasons when approving with conditions or returning a bid.")
    for c in review.comments:
        if c.anchor_type not in ANCHORS:
            raise ReviewError(
                f"A comment must be on a {', '.join(ANCHORS)}, not '{c.anchor_type}'."
            )
    me = keys.identity()
    private = keys.load_private_key(passphrase)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    manifest = review.pack.verification.manifest
    body = {
        "format": REVIEW_FORMAT,
        "format_version": REVIEW_VERSION,
        "created": now,
        "pack": {
            "manifest_sha256": review.pack.verification.manifest_sha256,
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
            asdict(c) | {"author": c.author or me.organisation, "at": c.at or now}
            for c in review.comments
        ],
    }
    body_bytes = json.dumps(body, indent=2, ensure_ascii=False, sort_keys=True).encode("utf-8")
    signature = base64.b64encode(private.sign(body_bytes))
    out = Path(out).expanduser()
    if out.suffix.lower() != ".cbreview":
        out = out.with_suffix(".cbreview")
    fd, tmp = tempfile.mkstemp(prefix=".~", suffix=".cbreview", dir=out.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(MANIFEST, body_bytes)
            zf.writestr(SIGNATURE, signature)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


# ========================================================================= consortium side
@dataclass
class ImportedReview:
    bid_id: int
    decision: str
    reviewer: str
    comments: int
    status: str
    warnings: list[str] = field(default_factory=list)


def read_review(path: str | Path) -> tuple[dict, bytes, list[str]]:
    """(body, body bytes, problems) of a review file, checking its layout and signature."""
    path = Path(path).expanduser()
    problems: list[str] = []
    with open_zip(path) as zf:
        problems += check_zip(zf, path.name)
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
    if body.get("format") != REVIEW_FORMAT:
        return {}, body_bytes, [f"{path.name} is not a Consortium review file."]
    if not isinstance(body.get("format_version"), int) or body["format_version"] > REVIEW_VERSION:
        return (
            body,
            body_bytes,
            [
                f"This review was made by a newer version of Consortium (review format {body.get('format_version')}). Update the app to read it."
            ],
        )
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


def import_review(ws: Workspace, path: str | Path) -> ImportedReview:
    """Take an HA's review back in: comments beside their questions, the decision on the bid's
    status and in the audit log. All or nothing; a bad file changes nothing."""
    try:
        body, body_bytes, problems = read_review(path)
    except PackError as exc:
        raise ReviewError(str(exc)) from exc
    if problems:
        raise ReviewError(f"{Path(path).name} was not imported: " + " ".join(problems))
    pack_sha = body["pack"]["manifest_sha256"]
    row = ws.db.execute(
        "SELECT bid_id FROM bid_packs WHERE manifest_sha256 = ?", [pack_sha]
    ).fetchone()
    if row is None:
        raise ReviewError(
            f"This review is of a pack ({body['pack']['bid']['name']}) that was not exported from this workspace. "
            "Open the workspace the pack came from and import the review there."
        )
    bid_id = row[0]
    review_sha = hashlib.sha256(body_bytes).hexdigest()
    if ws.db.execute("SELECT 1 FROM bid_reviews WHERE review_sha256 = ?", [review_sha]).fetchone():
        raise ReviewError("This review has already been imported.")
    warnings = []
    reviewer = body["reviewer"]
    public = base64.b64decode(reviewer["public_key"])
    signer = {"organisation": reviewer["organisation"], "fingerprint": keys.fingerprint(public)}
    from consortium.packs.pack import _sender_status

    status = _sender_status(ws, signer, reviewer["public_key"], remember=True)
    if status == "changed":
        warnings.append(
            f"{reviewer['organisation']} signed with a different key from last time: check the words {keys.fingerprint_words(public)} with them."
        )
    decision = body["decision"]
    new_status = {
        "approve": "approved",
        "approve_with_conditions": "approved",
        "return": "returned",
    }[decision]
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with ws.atomic():
        review_id = (
            ws.db["bid_reviews"]
            .insert(
                {
                    "bid_id": bid_id,
                    "reviewer": reviewer["organisation"],
                    "reviewer_fingerprint": signer["fingerprint"],
                    "decision": decision,
                    "reasons": "\n".join(
                        x for x in (body.get("reasons"), body.get("conditions")) if x
                    ),
                    "review_sha256": review_sha,
                    "received": now,
                }
            )
            .last_pk
        )
        for c in body.get("comments", []):
            ws.db["review_comments"].insert(
                {
                    "review_id": review_id,
                    "bid_id": bid_id,
                    "anchor_type": c["anchor_type"],
                    "anchor_id": c.get("anchor_id"),
                    "text": c["text"],
                    "author": c.get("author"),
                    "at": c.get("at"),
                }
            )
        ws.db.execute(
            "UPDATE bids SET status = ?, updated_at = ? WHERE id = ?", [new_status, now, bid_id]
        )
        ws.audit(
            "review",
            "bid",
            bid_id,
            f"{reviewer['organisation']}: {DECISIONS[decision]}"
            + (f" ({body.get('reasons')})" if body.get("reasons") else ""),
            {"decision": decision, "comments": len(body.get("comments", []))},
        )
    return ImportedReview(
        bid_id,
        decision,
        reviewer["organisation"],
        len(body.get("comments", [])),
        new_status,
        warnings,
    )


def comments_for(ws: Workspace, bid_id: int) -> list[dict]:
    """Comments received on a bid, for showing beside the questions they refer to."""
    return list(
        ws.db.query(
            """SELECT c.anchor_type, c.anchor_id, c.text, c.author, c.at, r.decision
               FROM review_comments c JOIN bid_reviews r ON r.id = c.review_id
               WHERE c.bid_id = ? ORDER BY c.id""",
            [bid_id],
        )
    )
