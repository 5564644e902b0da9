"""The housing association's review as the consortium sees it on a bid: decision, reasons,
conditions and every comment with what it is on. Display only; the data comes from
``consortium.packs.review``."""

from __future__ import annotations

from html import escape

from consortium.packs import review

COLOURS = {
    "approve": ("#d1e7dd", "#0a3622"),
    "approve_with_conditions": ("#fff3cd", "#664d03"),
    "return": ("#f8d7da", "#58151c"),
}


def _when(iso: str | None) -> str:
    import datetime as dt

    from consortium.formatting import uk_date_time

    try:
        return "on " + uk_date_time(dt.datetime.fromisoformat(iso))
    except (TypeError, ValueError):
        return ""


def outcome_html(ws, bid_id: int) -> str:
    """HTML for the bid's overview: the last review taken in, or nothing."""
    latest = review.latest_review(ws, bid_id)
    if latest is None:
        return ""
    background, colour = COLOURS.get(latest["decision"], ("#e9ecef", "#212529"))
    parts = [
        # One table cell: Qt's rich text paints a cell's background as one box.
        f"<table width='100%' cellpadding='6' bgcolor='{background}'><tr><td style='color:{colour}'>"
        f"<h3>Review: {escape(latest['decision_label'])}</h3>"
        f"<p>By {escape(latest['reviewer'])}, taken in {escape(_when(latest['received']))}."
    ]
    parts.append("</p>")
    if latest["older_version"]:
        newest = _when(latest["newest_sent"])
        parts.append(
            "<p><b>This review is of an older version of the bid</b> (the pack sent "
            f"{escape(_when(latest['pack_sent']))}). The newest version"
            + (f", sent {escape(newest)}," if newest else "")
            + " has not been reviewed yet.</p>"
        )
    elif latest["changed_since"]:
        parts.append(
            "<p><b>The bid has changed since it was approved</b>: the approval covers the "
            f"version sent {escape(_when(latest['pack_sent']))}, not the answers, members or "
            "evidence as they are now. Send a new pack (Send for review…) so that "
            f"{escape(latest['reviewer'])} can review the changes.</p>"
        )
    if latest["conditions"]:
        parts.append(f"<p><b>Conditions:</b> {escape(latest['conditions'])}</p>")
    if latest["reasons"]:
        parts.append(f"<p><b>Reasons:</b> {escape(latest['reasons'])}</p>")
    # What the housing association's assurance found: its checks not passed, and its notes.
    checks = [
        c
        for c in review.review_checklist(ws, latest["id"])
        if c["status"] in (review.FAIL, review.WARN, review.OPEN) or c["note"]
    ]
    if checks:
        parts.append(
            f"<p><b>Their checklist ({len(checks)} not passed or with a note):</b></p><ul>"
        )
        for c in checks:
            said = c["note"] or "; ".join(e.rstrip(".") for e in c["evidence"])
            parts.append(
                f"<li><b>{escape(c['item'])}</b> — {escape(c['status'])}"
                + (f": {escape(said)}" if said else "")
                + "</li>"
            )
        parts.append("</ul>")
    comments = [c for c in review.comments_for(ws, bid_id) if c["review_id"] == latest["id"]]
    if comments:
        parts.append(f"<p><b>Comments ({len(comments)}):</b></p><ul>")
        parts += [f"<li><b>{escape(c['label'])}</b>: {escape(c['text'])}</li>" for c in comments]
        parts.append("</ul>")
    parts.append("</td></tr></table>")
    return "".join(parts)
