"""Where a bid stands with the housing association: what a pack sent held, the status sending
one gives the bid, and which review is the one that counts.

A review is of one pack, one version of the bid. An approval covers what that pack held: a bid
changed since is no longer the bid that was approved, and a new pack of it goes for review
again. The review that counts is the one of the newest pack that has one, whatever order the
files were taken in (an old review arriving late never hides the current decision).

    content_sha256(bid_data(ws, bid_id))            # what the HA is asked to assure
    status_on_sending(ws, bid_id, "approved", sha)  # "in review" unless nothing changed
"""

from __future__ import annotations

import copy
import hashlib
import json

from consortium.workspace import Workspace

# Work in hand on a question (its progress, due date and owner) is not what the housing
# association assures, nor what the buyer reads: marking an answer done changes nothing here.
_QUESTION_WORK = ("status", "due", "owner_org_id")


def content_sha256(data: dict) -> str:
    """A fingerprint of what a pack of the bid holds for review (``bid_data``): the bid, the
    consortium, its members and their evidence, the answers, social value, venues and
    declarations. Left out: the bid's own status (sending a pack changes it) and the tender
    (the buyer's notice, which can change without the consortium doing anything)."""
    content = copy.deepcopy({k: v for k, v in data.items() if k != "tender"})
    content.get("bid", {}).pop("status", None)
    for question in content.get("questions") or []:
        for key in _QUESTION_WORK:
            question.pop(key, None)
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def current_content_sha256(ws: Workspace, bid_id: int) -> str:
    from consortium.packs.bid_data import bid_data

    return content_sha256(bid_data(ws, bid_id))


def headline_review(ws: Workspace, bid_id: int) -> dict | None:
    """The review that counts for a bid: of the newest pack that has one (the last taken in of
    that pack), with that pack's sending time and content, and the newest pack sent."""
    row = ws.db.execute(
        "SELECT r.id, r.reviewer, r.reviewer_fingerprint, r.decision, r.reasons, r.conditions, "
        "r.received, r.older_version, p.manifest_sha256, p.created, p.content_sha256 "
        "FROM bid_reviews r LEFT JOIN bid_packs p ON p.manifest_sha256 = r.pack_manifest_sha256 "
        "WHERE r.bid_id = ? "
        # Reviews from before packs were versioned have no pack: they count least.
        "ORDER BY p.id IS NULL, p.created DESC, p.id DESC, r.id DESC LIMIT 1",
        [bid_id],
    ).fetchone()
    if row is None:
        return None
    keys = ("id", "reviewer", "reviewer_fingerprint", "decision", "reasons", "conditions")
    data = dict(zip(keys, row[:6], strict=True))
    data["received"] = row[6]
    pack_sha, data["pack_sent"], data["pack_content_sha256"] = row[8], row[9], row[10]
    newest = newest_pack(ws, bid_id)
    if pack_sha is not None and newest is not None:
        data["older_version"] = not same_version(newest, pack_sha, data["pack_content_sha256"])
    else:
        data["older_version"] = bool(row[7])
    data["newest_sent"] = newest["created"] if newest and data["older_version"] else None
    return data


def newest_pack(ws: Workspace, bid_id: int) -> dict | None:
    row = ws.db.execute(
        "SELECT manifest_sha256, created, content_sha256 FROM bid_packs WHERE bid_id = ? "
        "ORDER BY created DESC, id DESC LIMIT 1",
        [bid_id],
    ).fetchone()
    if row is None:
        return None
    return dict(zip(("manifest_sha256", "created", "content_sha256"), row, strict=True))


def same_version(newest: dict, pack_sha: str, pack_content: str | None) -> bool:
    """The pack ``pack_sha`` (holding ``pack_content``) is the newest version sent: the newest
    pack itself, or one sent again since with nothing changed (a lost file)."""
    return newest["manifest_sha256"] == pack_sha or (
        pack_content is not None and newest["content_sha256"] == pack_content
    )


def pack_content(ws: Workspace, manifest_sha256: str) -> str | None:
    row = ws.db.execute(
        "SELECT content_sha256 FROM bid_packs WHERE manifest_sha256 = ?", [manifest_sha256]
    ).fetchone()
    return row[0] if row else None


def review_of_pack(ws: Workspace, manifest_sha256: str) -> dict | None:
    """The last review taken in of one pack: decision and when."""
    row = ws.db.execute(
        "SELECT decision, received FROM bid_reviews WHERE pack_manifest_sha256 = ? "
        "ORDER BY id DESC LIMIT 1",
        [manifest_sha256],
    ).fetchone()
    return None if row is None else {"decision": row[0], "received": row[1]}


def approved_content(ws: Workspace, bid_id: int) -> str | None:
    """What the approval that counts covers (the content fingerprint of the pack it is of), or
    None when the bid's standing review is not an approval or its pack's content is unknown
    (sent before this was recorded)."""
    latest = headline_review(ws, bid_id)
    if latest is None or not latest["decision"].startswith("approve"):
        return None
    return latest["pack_content_sha256"]


def changed_since_approval(ws: Workspace, bid_id: int, content: str | None = None) -> bool:
    """True when the bid is approved but what it holds is not what the approved pack held."""
    approved = approved_content(ws, bid_id)
    if approved is None:
        return False
    return (content or current_content_sha256(ws, bid_id)) != approved


def status_on_sending(ws: Workspace, bid_id: int, status: str, content: str) -> str:
    """The bid's status once a pack of it is sent: in review, unless it was submitted already
    or is approved and holds just what the approved pack held (sending it again)."""
    if status == "submitted":
        return status
    if status == "approved" and approved_content(ws, bid_id) == content:
        return status
    return "in review"
