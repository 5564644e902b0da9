"""Screenshots of Members' work at 1366×768, offscreen: docs/work-member.png (the member's
"Work for …" view) and docs/work-lead-diff.png (the lead's diff with a conflict).

python scripts/screenshots_work.py
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTIONS = (
    (
        "3.1",
        "Describe how you will engage survivors of domestic abuse who do not currently use "
        "services, particularly in Bletchley and Wolverton.",
        300,
        15,
        "",
    ),
    (
        "3.2",
        "How will you work with the housing association's tenancy sustainment team to prevent "
        "survivors losing their homes?",
        250,
        10,
        "We meet the tenancy team monthly.",
    ),
)
ANSWER = (
    "We will run weekly drop-ins at Bletchley and Wolverton family centres, staffed by two "
    "independent domestic violence advisers and a peer volunteer who has used our service. "
    "Health visitors and GP practices in both towns already refer to us; we will add the "
    "two food banks and the Job Centre, whose staff we will train in spotting coercive control.\n\n"
    "Survivors can reach us by text and web chat as well as by phone, in English, Polish, "
    "Urdu and Romanian, and every first contact is followed up within two working days."
)


def main() -> None:
    base = Path(tempfile.mkdtemp(prefix="consortium-work-shots-"))
    homes = {w: base / f"home-{w}" for w in ("lead", "member")}

    def as_(who: str) -> None:
        os.environ["CONSORTIUM_HOME"] = str(homes[who])

    as_("lead")
    import keyring
    import keyring.backend
    from PySide6.QtGui import QFont

    from consortium.bids import questions as bid_questions
    from consortium.demo import create_demo
    from consortium.packs import keys
    from consortium.work import export, member
    from ui.app import make_app
    from ui.mainwindow import MainWindow

    class MemoryKeyring(keyring.backend.KeyringBackend):  # never the real keyring
        priority = 1
        store: dict = {}

        def set_password(self, service, username, password):
            self.store[(service, username)] = password

        def get_password(self, service, username):
            return self.store.get((service, username))

        def delete_password(self, service, username):
            self.store.pop((service, username), None)

    keyring.set_keyring(MemoryKeyring())
    today = dt.date.today()
    app = make_app()
    app.setFont(QFont("DejaVu Sans", 9))
    lead_words = keys.create_key("Riverside Community Action").words
    lead_ws = create_demo(base / "lead" / "Riverside.consortium", today)
    name = lead_ws.db.execute("SELECT name FROM organisations WHERE id = 2").fetchone()[0]
    as_("member")
    member_words = keys.create_key(name).words
    as_("lead")
    ids = []
    for ref, text, limit, weight, draft in QUESTIONS:
        q = bid_questions.Question(
            bid_id=1,
            ref=ref,
            text=text,
            word_limit=limit,
            weighting=weight,
            owner_org_id=2,
            answer=draft,
        )
        bid_questions.save(lead_ws, q)
        ids.append(q.id)
    pack = export.export_work(
        lead_ws, 1, 2, base / "work.cbwork", due=today + dt.timedelta(days=7), today=today
    )

    as_("member")
    member_ws = member.workspace_for_pack(
        pack, base / "member" / f"{name}.consortium", confirm_words=lead_words
    )
    work = member.list_work(member_ws)[0]
    member.save_answer(member_ws, work.id, ids[0], ANSWER)
    member.save_answer(
        member_ws,
        work.id,
        ids[1],
        "We meet the tenancy sustainment team "
        "every fortnight and share a single safety plan with the survivor's consent.",
    )
    window = MainWindow(member_ws)
    window.resize(1366, 768)
    window.show()
    window.show_area("work")
    view = window.work.member
    view.reload(select=work.id)
    view.questions.setCurrentRow(0)
    app.processEvents()
    docs = ROOT / "docs"
    window.grab().save(str(docs / "work-member.png"))
    import json

    record = json.loads(json.dumps(view.work.record))
    pl = next(c for c in record["credentials"] if c["type"] == "Public liability")
    pl["expires"] = (today + dt.timedelta(days=400)).isoformat()
    member.save_record(member_ws, work.id, record)
    cert = base / "Public liability certificate.pdf"
    cert.write_bytes(b"%PDF-1.4 certificate")
    member.attach(member_ws, work.id, cert, need="insurance:Public liability")
    reply = member.send_back(member_ws, work.id, base / "reply.cbreply")
    window.close()

    as_("lead")
    q = bid_questions.load(lead_ws.db, ids[1])
    q.answer = "We meet the tenancy team monthly and agree a plan for each survivor at risk."
    bid_questions.save(lead_ws, q)
    lead_window = MainWindow(lead_ws)
    lead_window.resize(1366, 768)
    lead_window.show()
    lead_window.show_area("work")
    lead_window.work.lead.open_reply(reply, member_words)
    app.processEvents()
    lead_window.grab().save(str(docs / "work-lead-diff.png"))
    lead_window.close()
    print("Wrote docs/work-member.png, docs/work-lead-diff.png")


if __name__ == "__main__":
    main()
