"""Take the README's screenshots of the Start page, the Partners area and the Tenders area's
"Fits us" view, offscreen at 1366×768 (the laptops the app is made for), into docs/.

python scripts/screenshots_shell.py
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

    from consortium.demo import create_demo
    from consortium.partners import store
    from consortium.records import Organisation
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
    window.grab().save(str(docs / "start-page.png"))

    window.show_area("partners")
    ours = store.find_existing(ws.db, Organisation(name="Riverside Community Action"))
    window.partners.select(ours)
    app.processEvents()
    window.grab().save(str(docs / "partners.png"))

    window.show_area("tenders")
    page = window.tenders
    page.today = today
    page.run_search()
    page.fit.setCurrentIndex(page.fit.findData("any"))
    while window.tasks or page.fits is None:
        app.processEvents()
    page.view.selectRow(0)
    app.processEvents()
    window.grab().save(str(docs / "tenders.png"))
    print("Wrote start-page.png, partners.png, tenders.png")
    window.close()


if __name__ == "__main__":
    main()
