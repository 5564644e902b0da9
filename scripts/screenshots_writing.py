"""Screenshots of writing the bid, offscreen at 1366×768, into docs/: the Bids area
(bids.png), the Library area (library.png) and the Social value area (social-value.png).
Only these three: the other screens are taken by scripts/screenshots.py.

python scripts/screenshots_writing.py
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


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="consortium-shots-"))
    os.environ["CONSORTIUM_HOME"] = str(home)
    from PySide6.QtGui import QFont

    from consortium.bids import questions as bid_questions
    from consortium.bids.records import create_for_consortium
    from consortium.demo import create_demo
    from consortium.matching import proposals
    from ui.app import make_app
    from ui.mainwindow import MainWindow

    app = make_app()
    app.setFont(QFont("DejaVu Sans", 9))
    today = dt.date.today()
    ws = create_demo(home / "Demo workspace.consortium", today)
    window = MainWindow(ws)
    window.resize(1366, 768)
    window.show()
    app.processEvents()
    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)

    result = proposals.propose_for(ws, "ocds-h6vhtk-05a7b0", today=today)
    c = proposals.save_as_consortium(ws, result, 0, "Milton Keynes domestic abuse partnership")
    bid = create_for_consortium(ws, c.id)
    bid_questions.import_questionnaire(
        ws, bid.id, ROOT / "tests" / "fixtures" / "bids" / "questionnaire.xlsx"
    )
    window.sidebar.setCurrentRow(3)
    window.bids.reload(bid.id)
    panel = window.bids.questions
    panel.today = today
    panel.check_readiness()
    panel.view.selectRow(2)  # the safeguarding question: the library has an answer for it
    panel.answer.setPlainText(
        "Our safeguarding lead reports to a named trustee; every worker has an enhanced DBS check."
    )
    panel.save()
    panel.side.setCurrentIndex(0)
    panel.suggestions.setCurrentRow(0)
    app.processEvents()
    window.grab().save(str(docs / "bids.png"))

    window.sidebar.setCurrentRow(window.stack.indexOf(window.library))
    window.library.today = today
    window.library.reload()
    stale = next(
        r for r, e in enumerate(window.library.model.rows) if e.freshness(today) == "stale"
    )
    window.library.view.selectRow(stale)
    app.processEvents()
    window.grab().save(str(docs / "library.png"))

    from consortium.socialvalue.demo import add_demo_social_value

    sv_bid = add_demo_social_value(ws, today)
    window.sidebar.setCurrentRow(3)
    window.bids.reload(sv_bid)
    window.sidebar.setCurrentRow(4)  # opens on the bid just worked on in Bids
    sv = window.social_value
    sv.measure.setCurrentIndex(
        next(i for i in range(sv.measure.count()) if "DL2" in sv.measure.itemText(i))
    )
    app.processEvents()
    window.grab().save(str(docs / "social-value.png"))
    window.close()
    print("Wrote docs/bids.png, docs/library.png, docs/social-value.png")


if __name__ == "__main__":
    main()
