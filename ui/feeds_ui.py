"""Getting new tenders in the window: the "Get new tenders" bar, the fetch with progress and
Cancel, "New for you", and the desktop notification. A thin view over
``consortium.tenders.feeds`` and ``consortium.tenders.alerts``.

    bar = FeedBar()                          # one in the Tenders area, one on the Start page
    feeds = FeedController(window, [bar_a, bar_b])
    feeds.fetch()                            # runs on the worker; the window stays in use

Offline is normal: it is one calm line on the bar and in the status bar, never a message box.
"""

from __future__ import annotations

import datetime as dt
from html import escape

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)

from consortium.formatting import iso_date, plural, uk_date
from consortium.tenders import alerts
from consortium.tenders.feeds import fetch as feeds
from consortium.workspace import Workspace
from ui.tenders_model import CLOSING_SOON

# What the feed bars say once "Cancel getting tenders" is pressed.
CANCELLING = "Stopping… the pages already stored are kept, and the next fetch carries on."


class FeedBar(QWidget):
    """ "Get new tenders", the time of the last update, and "check when Consortium opens"."""

    fetch_requested = Signal()
    auto_toggled = Signal(bool)

    def __init__(self, parent=None, *, compact: bool = False):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.button = QPushButton("Get new tenders")
        self.button.setAccessibleName("Get new tenders")
        self.button.setToolTip(
            "Fetch what is new from Find a Tender and Contracts Finder (needs the internet; "
            "everything already here works offline)"
        )
        self.button.clicked.connect(self.fetch_requested)
        layout.addWidget(self.button)
        self.updated = QLabel()
        self.updated.setAccessibleName("Tenders last updated")
        self.updated.setWordWrap(True)
        layout.addWidget(self.updated, 1)
        self.auto = QCheckBox("Check when Consortium opens" if compact else
                              "Check for new tenders when Consortium opens")  # fmt: skip
        self.auto.setAccessibleName("Check for new tenders when Consortium opens")
        self.auto.toggled.connect(self.auto_toggled)
        layout.addWidget(self.auto)

    def show_state(self, line: str, auto: bool) -> None:
        self.updated.setText(line)
        self.auto.blockSignals(True)
        self.auto.setChecked(auto)
        self.auto.blockSignals(False)

    def show_running(self, running: bool, line: str = "") -> None:
        """While a fetch runs, the button cancels it and the line says how far it is."""
        self.button.setText("Cancel getting tenders" if running else "Get new tenders")
        self.button.setAccessibleName(self.button.text())
        if running:
            self.updated.setText(line)


class NewForYouDialog(QDialog):
    """The new tenders a saved search finds or that fit us; double-click opens one."""

    tender_chosen = Signal(str)

    def __init__(self, found: list[alerts.Alert], new_total: int, today: dt.date, parent=None):
        super().__init__(parent)
        self.setWindowTitle("New for you")
        self.setAccessibleName("New for you")
        layout = QVBoxLayout(self)
        if found:
            text = (
                f"<b>{plural(len(found), 'new tender')} for you</b> of {new_total:,} new. Double-click "
                "one to open it. Amber ones close within 7 days."
            )
        elif new_total:
            # An empty list under "0 for you" read as if something had failed to show.
            text = (
                f"<b>None of the {new_total:,} new tenders is for you.</b> None of them still "
                "open fits your organisation's services and places, and no saved search finds "
                "them. They are all on the Tenders page; to be told of others, search there "
                "and keep the search with <i>Save search…</i>"
            )
        else:
            text = "<b>The last fetch brought no new tenders.</b> Get new tenders again later."
        self.head = QLabel(text)
        self.head.setWordWrap(True)
        layout.addWidget(self.head)
        self.list = QListWidget()
        self.list.setAccessibleName("New tenders for you")
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        for alert in found:
            deadline = iso_date(alert.deadline)
            when = f"closes {uk_date(deadline)}" if deadline else "no deadline given"
            item = QListWidgetItem(
                f"{alert.title}\n    {alert.buyer or 'Buyer not given'} · {when} · "
                + "; ".join(alert.reasons)
            )
            item.setData(Qt.ItemDataRole.UserRole, alert.ocid)
            if alerts.closes_within(alert.deadline, today):
                item.setBackground(QBrush(QColor(CLOSING_SOON)))
                item.setToolTip("Closes within 7 days")
            self.list.addItem(item)
        self.list.itemDoubleClicked.connect(self._chosen)
        layout.addWidget(self.list, 1)
        self.list.setVisible(bool(found))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
        self.resize(860, 460 if found else 140)

    def _chosen(self, item: QListWidgetItem) -> None:
        self.tender_chosen.emit(item.data(Qt.ItemDataRole.UserRole))


class FeedController(QObject):
    """Runs fetches for the window and shows what they brought."""

    fetched = Signal(object)  # the FetchReport, after the window has been updated
    ended = Signal()  # after a fetch however it ended, and after what it showed (fetched)

    def __init__(self, window, bars: list[FeedBar]):
        super().__init__(window)
        self.window = window
        self.bars = bars
        self.ws: Workspace | None = None
        # Tests and mirrors point the feeds elsewhere; None means the public services.
        self.sources: list[str] | None = None
        self.base_url: str | None = None
        self.make_client = None
        self.today = dt.date.today()
        self.last_report = None
        self.last_alerts: list[alerts.Alert] = []
        self.last_notification: tuple[str, str] | None = None
        self.line: str | None = None  # what the last fetch said when it could not get through
        self.task = None  # the fetch running, if one is (ui.runner.Task)
        self._progress = ""  # what the bars say of it
        self.dialog: NewForYouDialog | None = None
        self.running = False
        self.tray: QSystemTrayIcon | None = None
        for bar in bars:
            bar.fetch_requested.connect(self._bar_pressed)
            bar.auto_toggled.connect(self._auto_toggled)

    def set_workspace(self, ws: Workspace) -> None:
        self.ws = ws
        self.line = None
        self.refresh()

    def check_on_start(self) -> None:
        """When the window opens: get new tenders if the user asked for that (offline just
        says so on the bar)."""
        if self.ws is not None and feeds.check_on_start(self.ws):
            QTimer.singleShot(1500, self.fetch)

    def refresh(self) -> None:
        """The bars as the workspace has them (the window's change dispatcher calls this when
        the feed state changes): the last update, or why the last fetch got nothing."""
        if self.ws is None:
            return
        text = self.line or feeds.updated_line(self.ws)
        if self.running and self._progress:
            text = self._progress  # a page stored mid-fetch: the bars keep saying how far
        auto = feeds.check_on_start(self.ws)
        for bar in self.bars:
            bar.show_state(text, auto)

    def _auto_toggled(self, on: bool) -> None:
        if self.ws is not None:
            feeds.set_check_on_start(self.ws, on)  # both bars follow, through the dispatcher

    def _bar_pressed(self) -> None:
        """A bar's button: get new tenders, or, while they come (it says "Cancel getting
        tenders"), stop after the page in hand."""
        if self.running:
            if self.task is not None and self.task.running:
                self.task.cancel()
            return
        self.fetch()

    def fetch(self) -> None:
        """Get new tenders (the menu's F5, the check at start): nothing more while a fetch
        runs, so pressing F5 again never cancels one."""
        if self.ws is None or self.running:
            return
        ws, today = self.ws, self.today
        sources, base_url = self.sources, self.base_url
        client = self.make_client() if self.make_client else None
        self.running = True

        def job(progress, cancelled):
            report = feeds.fetch(
                ws, sources, base_url=base_url, client=client, progress=progress,
                cancelled=cancelled,
            )  # fmt: skip
            found = []
            # Checked even after Cancel: the pages kept hold new tenders the next fetch will
            # not call new (it takes a fraction of a second: 40 new ones in 0.14 s at 200,000).
            if report.new_ocids:
                progress(0, 0, f"Checking the {len(report.new_ocids):,} new tenders for you…")
                found = alerts.new_for_you(ws, report.new_ocids, today=today)
            return report, found

        # No dialog: a day's notices take a minute or more (Find a Tender allows a page every
        # 10 s), and the window stays in use meanwhile; the bars show how far it is and their
        # button cancels. Pages stored before Cancel are kept (the next fetch carries on from
        # them), so it must not say "nothing will be changed". In steps: each page waits its
        # turn at the writer, so the user's own tasks never wait minutes for the last page.
        self.task = self.window.run(
            "Getting new tenders", job, self._done, self._failed, CANCELLING, dialog=False,
            in_steps=True,
        )  # fmt: skip
        self.task.progressed.connect(self._progressed)
        self._progressed(0, 0, "Getting new tenders…")

    def _progressed(self, _done: int, _total: int, text: str) -> None:
        self._progress = text
        for bar in self.bars:
            bar.show_running(True, text)

    def _ended(self) -> None:
        self.running = False
        self.task = None
        for bar in self.bars:
            bar.show_running(False)

    def _failed(self, _exc: BaseException) -> None:
        self._ended()
        self.line = None
        self.refresh()
        self.ended.emit()

    def _done(self, result) -> None:
        self._ended()
        report, found = result
        self.last_report, self.last_alerts = report, found
        self.line = report.message if report.status in ("offline", "failed") else None
        self.refresh()  # the pages already show what was stored; this is what the fetch said
        status = getattr(self.window, "status", None)
        if status is not None:
            status.showMessage(report.message, 15000)
        if found:
            self.show_new_for_you()
            if not self.window.isActiveWindow():
                self.notify(found)
        self.fetched.emit(report)
        self.ended.emit()

    def show_new_for_you(self) -> None:
        if self.last_report is None:
            status = getattr(self.window, "status", None)
            if status is not None:
                status.showMessage("No new tenders fetched yet: use Get new tenders.", 8000)
            return
        if self.dialog is not None:
            # Deleted, not only closed: each download's dialog (24 Qt objects) stayed alive.
            self.dialog.close()
            self.dialog.deleteLater()
        self.dialog = NewForYouDialog(
            self.last_alerts, len(self.last_report.new_ocids), self.today, self.window
        )
        self.dialog.tender_chosen.connect(self.window.open_tender)
        self.dialog.show()
        frame = self.window.frameGeometry()
        self.dialog.move(frame.center() - self.dialog.rect().center())

    def notify(self, found: list[alerts.Alert]) -> None:
        """A desktop notification: how many are new for you, and the best one."""
        best = found[0]
        title = f"{plural(len(found), 'new tender')} for you"
        text = f"{best.title} — {best.buyer}" if best.buyer else best.title
        self.last_notification = (title, text)
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return
        if self.tray is None:
            self.tray = QSystemTrayIcon(self.window.windowIcon(), self.window)
            self.tray.messageClicked.connect(self.show_new_for_you)
            self.tray.show()
        self.tray.showMessage(title, escape(text), QSystemTrayIcon.MessageIcon.Information, 10000)
