"""Social value: licence-clean frameworks, commitments, SROI arithmetic, documents and delivery.

Modules (none imports Qt):

- ``frameworks``: bundled Crown/OGL facts (PPN 06/20 and PPN 002 codes, Green Book discount
  schedule, WELLBY) and the measures with proxy values loaded into a workspace.
- ``valuefile``: load a user's licensed value set from .xlsx or JSON (one message per bad row);
  ``write_template`` makes the workbook to fill in.
- ``commitments``: commitments per bid and member; per-bid settings; ``calculate_bid``.
- ``calc``: the pure, penny-exact calculation (net of adjustments, drop-off, Green Book
  discounting, SROI ratio, sensitivity, totals per theme/member/council); ``result_to_dict`` is
  the ``consortium sv calc --json`` contract.
- ``workbook``: the calculator .xlsx with live formulas; ``statement``: the .docx statement from
  ``templates/social-value-statement.docx``.
- ``tracking``: delivery against commitments, with evidence files; ``report``: an HA's annual
  social impact report (.docx + .xlsx).
- ``cli``: ``consortium sv ...``; ``demo``: a demo bid with commitments.

No National TOMs or HACT proxy values ship with the app: users load values they are
licensed to use, each with its source, price year and licence holder.
"""


def bid_section(ws, bid_id: int) -> list[str]:
    """Paragraphs for the joint bid's social value section (empty when there are no commitments).

    Called by ``consortium.bids.documents``; the full statement is ``statement.build``.
    """
    from consortium.formatting import money
    from consortium.socialvalue import commitments

    items = commitments.list_for_bid(ws.db, bid_id)
    if not items:
        return []
    result = commitments.calculate_bid(ws.db, bid_id, with_sensitivity=False)
    paragraphs = [
        f"The consortium commits to {len(items)} social value measures across "
        f"{len(result.by_member)} members, with a present value of {money(float(result.present_value), pence=True)} "
        "after deadweight, displacement, attribution and drop-off, discounted with the Green Book schedule."
    ]
    if result.sroi_ratio is not None:
        paragraphs.append(
            f"That is £{result.sroi_ratio:.2f} of social value for every £1 invested."
        )
    for theme, value in sorted(result.by_theme.items(), key=lambda kv: -kv[1]):
        paragraphs.append(f"{theme}: {money(float(value), pence=True)}")
    paragraphs.append(
        "The social value statement and the calculator workbook set out every commitment and figure."
    )
    return paragraphs


def pack_summary(ws, bid_id: int) -> dict | None:
    """The calculation as ``consortium sv calc --json`` gives it, for a signed bid pack."""
    from consortium import places
    from consortium.socialvalue import calc, commitments

    if not commitments.list_for_bid(ws.db, bid_id):
        return None
    return calc.result_to_dict(commitments.calculate_bid(ws.db, bid_id), places.area_name)
