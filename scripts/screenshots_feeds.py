"""Screenshots of getting new tenders and of the Pipeline area, offscreen at 1366x768, into
docs/: fetch-progress.png, new-for-you.png, pipeline.png.

    python scripts/screenshots_feeds.py

The feeds are served by the tests' local server (real recorded Find a Tender pages), so no
network is used. A dialog is a window of its own; it is painted onto the window's picture
where it sits.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def composite(window, dialog, path: Path) -> None:
    from PySide6.QtGui import QPainter

    picture = window.grab()
    if dialog is not None and dialog.isVisible():
        painter = QPainter(picture)
        at = window.mapFromGlobal(dialog.mapToGlobal(dialog.rect().topLeft()))
        painter.drawPixmap(at, dialog.grab())
        painter.end()
    picture.save(str(path))


def wait(app, until, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while not until() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="consortium-shots-"))
    os.environ["CONSORTIUM_HOME"] = str(home)
    from PySide6.QtGui import QFont

    from consortium.demo import create_demo
    from consortium.tenders import search
    from consortium.tenders.feeds.client import Client, Policy
    from consortium.tenders.importer import import_paths
    from tests.feed_server import CF_PAGE, FTS_PAGE, FeedServer, chain
    from ui.app import make_app
    from ui.mainwindow import MainWindow

    app = make_app()
    app.setFont(QFont("DejaVu Sans", 9))
    today = dt.date.today()
    ws = create_demo(home / "Demo workspace.consortium", today)
    search.save_search(ws, "Health and social work", search.TenderQuery(cpv=["85"]))
    search.save_search(ws, "Employment and training", search.TenderQuery(cpv=["80", "79611"]))
    window = MainWindow(ws)
    window.resize(1366, 768)
    window.show()
    app.processEvents()
    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)

    weeks = -(-(today - dt.date(2026, 8, 12)).days // 7)  # the recorded tenders open again
    with FeedServer(chain("fts", FTS_PAGE, 4, weeks_later=weeks)) as server:
        server.delay = 0.6
        c = window.feeds
        c.sources, c.base_url, c.today = ["fts"], server.url, today
        c.make_client = lambda: Client(Policy(min_interval=0))
        window.show_area("tenders")
        window.tenders.today = today
        c.fetch()
        task = window.tasks[-1]
        wait(app, lambda: len(server.served_pages) >= 2 and task.dialog.isVisible())
        wait(app, lambda: "page 3" in task.dialog.labelText(), 20)
        app.processEvents()
        composite(window, task.dialog, docs / "fetch-progress.png")
        server.delay = 0
        wait(app, lambda: c.last_report is not None)
        app.processEvents()
        composite(window, c.dialog, docs / "new-for-you.png")
        c.dialog.close()

    import_paths(ws, [FTS_PAGE, CF_PAGE])
    window.pipeline.today = today
    window.show_area("pipeline")
    page = window.pipeline
    page.set_workspace(ws)
    page.partner.setCurrentIndex(page.partner.findData("everyone"))
    wait(app, lambda: not page.busy())  # found off the GUI thread
    page.table.selectRow(0)
    app.processEvents()
    window.grab().save(str(docs / "pipeline.png"))
    print("Wrote fetch-progress.png, new-for-you.png, pipeline.png")


if __name__ == "__main__":
    main()
