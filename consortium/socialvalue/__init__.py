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
