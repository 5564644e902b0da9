"""The answer library: reusable answers, case studies, policies and CVs shared between partners.

from consortium.library import store, suggest, share
entry = store.Entry(title="Safeguarding approach", body="…", owner="Hope Trust", tags=["safeguarding"])
store.save(ws, entry)
store.search(ws.db, "safeguarding MARAC")          # FTS5
suggest.for_question(ws.db, question.text)         # the five best, with why
suggest.insert(ws, question_id, entry_id)          # into the answer; usage count + 1
share.export_entries(ws.db, "library.json"); share.import_entries(ws, "library.xlsx")
"""
