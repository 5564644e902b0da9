"""Joint bid assembly.

- ``records``: the Bid on a consortium (shared with social value and review packs)
- ``questions``: the buyer's questions: typed, pasted, imported from .xlsx/.docx; answers
- ``readiness``: what is missing before building, and where to fix it
- ``documents``: the joint bid, CRtC expression of interest, agreement outline (Word templates in
  ``templates/``) and the due-diligence workbook
- ``cli``: ``consortium bid …`` and ``consortium library …``

The answer library is ``consortium.library``.
"""
