"""The main window: a sidebar of areas (registered as ``ui.pages.Page`` entries), the
workspace's lifecycle, and the partner and tender operations the areas ask for.

Menus live in ``ui.menus``, drop routing in ``ui.drops``, window sizing in ``ui.geometry``, the
Help windows in ``ui.help_menu``."""

from __future__ import annotations

import json
import sqlite3
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QUndoStack
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from consortium import filekinds, formatting, home
from consortium.errors import ConsortiumError
from consortium.formatting import plural, possessive
from consortium.matching import consortia
from consortium.partners import store
from consortium.progress import Cancelled
from consortium.records import Organisation
from consortium.text import listed
from consortium.workspace import Workspace, WorkspaceError
from ui import colours, drops, geometry, help_menu, instance, runner, tooltips
from ui.app import UPDATE_CANCELLING
from ui.backup_notice import BackupNotice
from ui.bids_page import BidsPage
from ui.commands import DeletePartner, SavePartner
from ui.dispatch import ChangeDispatcher
from ui.elsewhere import ElsewhereWatch
from ui.feeds_ui import FeedController
from ui.library_page import LibraryPage
from ui.matches_page import MatchesPage
from ui.menus import build_menus
from ui.pages import Page
from ui.partners_page import PartnersPage
from ui.pipeline_page import PipelinePage
from ui.review_page import ReviewPage
from ui.runner import run_task
from ui.socialvalue_page import SocialValuePage
from ui.start_page import StartPage
from ui.tenders_page import TendersPage
from ui.work_page import WorkPage

if TYPE_CHECKING:
    from consortium.partners.excel import ImportResult

SIDEBAR_STYLE = (
    "QListWidget { background: #1f4e79; color: white; border: none; font-size: 11pt; }"
    "QListWidget::item { padding: 10px 12px; }"
    "QListWidget::item:selected { background: #2e75b6; color: white; }"
    "QPushButton { background: #1f4e79; color: white; border: none; font-size: 11pt;"
    " text-align: left; padding: 10px 12px; }"
    "QPushButton:checked { background: #2e75b6; }"
)


def window_settings() -> QSettings:
    """Window state lives in the app's data folder (so tests never touch a real profile)."""
    return QSettings(str(home.home_dir() / "window.ini"), QSettings.Format.IniFormat)


class MainWindow(QMainWindow):
    def __init__(self, ws: Workspace):
        super().__init__()
        self.ws = ws
        self.undo_stack = QUndoStack(self)
        self.tasks: list = []
        self.last_import: ImportResult | None = None
        self.setAcceptDrops(True)
        self.setMinimumSize(760, 480)  # 150% scaling on a 1366×768 laptop leaves 910×512

        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        side = QWidget()
        side.setObjectName("sidebar")
        side.setStyleSheet(SIDEBAR_STYLE + "QWidget#sidebar { background: #1f4e79; }")
        side.setFixedWidth(136)  # "Social value" at 11pt, and every pixel left for the areas
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.setSpacing(0)
        self.start_button = QPushButton("Start")
        self.start_button.setCheckable(True)
        self.start_button.setAccessibleName("Start page")
        self.start_button.setToolTip("What to do next: the checklist from first launch to a bid")
        self.start_button.clicked.connect(lambda: self.show_area("start"))
        side_layout.addWidget(self.start_button)
        self.sidebar = QListWidget()
        self.sidebar.setAccessibleName("Areas")
        self.sidebar.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        side_layout.addWidget(self.sidebar, 1)
        self.stack = QStackedWidget()
        row.addWidget(side)
        column = QVBoxLayout()
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setAccessibleName("Notice")
        self.banner.setStyleSheet("background: #fff3cd; color: #664d03; padding: 6px 10px;")
        self.banner.setVisible(False)
        column.addWidget(self.banner)
        column.addWidget(self.stack)
        row.addLayout(column, 1)
        self.setCentralWidget(central)

        self.last_tender_report = None
        self.pages: list[Page] = []
        self._register_pages()
        self.sidebar.currentRowChanged.connect(self._row_chosen)
        self.show_area("start")

        self.partners.add_requested.connect(self.add_partner)
        self.partners.delete_requested.connect(self.delete_partner)
        self.partners.import_requested.connect(self.choose_import)
        self.partners.opportunities_requested.connect(self.show_opportunities)
        self.partners.pipeline_requested.connect(self.show_pipeline)
        self.partners.export_requested.connect(self.choose_export)
        self.bids.questions.partner_requested.connect(self.fix_partner)
        self.bids.questions.library_requested.connect(lambda: self.show_area("library"))
        self.matches.bid_requested.connect(self.start_bid)
        self.tenders.import_requested.connect(self.choose_tender_import)
        self.tenders.match_requested.connect(self.match_tender)
        self.partners.editor.save_requested.connect(self.save_partner)
        self.partners.editor.dirty_changed.connect(self._dirty_changed)
        self.partners.editor.export_person_requested.connect(self.export_person)
        self.partners.editor.erase_person_requested.connect(self.erase_person)
        self.work.workspace_made.connect(self._switch_to)
        self.start.step_chosen.connect(self.go_to_step)
        self.start.guide_requested.connect(self.show_guide)
        self.start.demo_requested.connect(self.open_demo)
        self.feeds = FeedController(self, [self.tenders.feed_bar, self.start.feed_bar])
        self.tenders.downloading = lambda: self.feeds.running
        self.feeds.ended.connect(self.tenders.download_ended)
        self.pipeline.tender_requested.connect(self.open_tender)
        build_menus(self)
        for page in self.pages:
            tooltips.apply(page.widget, page.key)
            colours.install(page.widget)  # coloured cells stay readable in a dark palette
        self.status = self.statusBar()
        self.backup_notice = BackupNotice(self.status)
        self.claim = instance.WorkspaceClaim(self)  # other windows find this one through it
        self.claim.show_requested.connect(self.bring_to_front)
        self.dispatcher = ChangeDispatcher(self.stack, self)
        self._watch_changes()
        self.elsewhere = ElsewhereWatch(self, self._changed_elsewhere)
        self.set_workspace(ws)
        self.feeds.check_on_start()
        self.start_maximised = geometry.place_window(self, window_settings().value("geometry"))
        self._restore_splitters()

    # ------------------------------------------------------------------ areas
    def _register_pages(self) -> None:
        """The areas, in sidebar order. To add one: build it, then one ``add_page`` line."""
        self.start = StartPage()
        self.partners = PartnersPage()
        self.tenders = TendersPage(self.run)
        self.matches = MatchesPage(self.run)
        self.bids = BidsPage(self.run)
        self.social_value = SocialValuePage(self.run)
        self.review = ReviewPage()
        self.library = LibraryPage()
        self.pipeline = PipelinePage(self.run)
        self.work = WorkPage()
        self.add_page(Page("start", "Start", "What to do next", self.start, in_sidebar=False))
        self.add_page(
            Page(
                "partners",
                "Partners",
                "Partner organisations: who they are, what they deliver, where, and their documents.",
                self.partners,
                search=lambda p: p.search,
                accepts=(filekinds.PARTNERS,),
            )
        )
        self.add_page(
            Page(
                "tenders",
                "Tenders",
                "Public-service tenders from Find a Tender and Contracts Finder, searchable offline.",
                self.tenders,
                search=lambda p: p.text,
                accepts=(filekinds.TENDERS,),
            )
        )
        self.add_page(
            Page(
                "matches",
                "Matches",
                "Which partners fit each tender and lot, and why; proposed consortia with the gaps.",
                self.matches,
                search=lambda p: p.search,
            )
        )
        self.add_page(
            Page(
                "bids",
                "Bids",
                "Joint bids: the buyer's questions, answers from your library, and the bid documents.",
                self.bids,
                accepts=(filekinds.QUESTIONNAIRE, filekinds.REVIEW),
            )
        )
        self.add_page(
            Page(
                "social_value",
                "Social value",
                "Social value commitments, the calculator workbook and statements.",
                self.social_value,
            )
        )
        self.add_page(
            Page(
                "review",
                "Review",
                "Housing association review of signed bid packs: checklist, comments, decision.",
                self.review,
                accepts=(filekinds.PACK, filekinds.REVIEW),
            )
        )
        self.add_page(
            Page(
                "library",
                "Library",
                "Reusable answers, case studies and policies, with owners and review dates.",
                self.library,
                search=lambda p: p.search,
            )
        )
        self.add_page(Page("pipeline", "Pipeline", PipelinePage.ABOUT, self.pipeline, search=lambda p: p.search))  # fmt: skip
        self.add_page(
            Page(
                "work",
                "Work packs",
                "Work packs out to members and their signed replies back; work a lead sent you.",
                self.work,
                accepts=(filekinds.WORK, filekinds.REPLY),
            )
        )

    def add_page(self, page: Page) -> None:
        self.pages.append(page)
        self.stack.addWidget(page.widget)
        if page.in_sidebar:
            item = QListWidgetItem(page.name)
            item.setToolTip(page.about)
            self.sidebar.addItem(item)

    def page(self, key: str) -> Page:
        return next(p for p in self.pages if p.key == key)

    def current_page(self) -> Page:
        widget = self.stack.currentWidget()
        return next(p for p in self.pages if p.widget is widget)

    def _sidebar_pages(self) -> list[Page]:
        return [p for p in self.pages if p.in_sidebar]

    def show_area(self, key: str) -> None:
        """Show an area by its key ("partners", "tenders", …)."""
        page = self.page(key)
        if page.in_sidebar:
            self.sidebar.setCurrentRow(self._sidebar_pages().index(page))  # calls _row_chosen
        else:
            self.sidebar.blockSignals(True)
            self.sidebar.setCurrentRow(-1)
            self.sidebar.blockSignals(False)
            self._shown(page)

    def _row_chosen(self, row: int) -> None:
        if 0 <= row < len(self._sidebar_pages()):
            self._shown(self._sidebar_pages()[row])

    def _shown(self, page: Page) -> None:
        self._leaving(self.stack.currentWidget())
        self.stack.setCurrentWidget(page.widget)
        self.start_button.setChecked(page.key == "start")
        if page.widget is self.social_value:
            # Open on the bid worked on in Bids: a choice of bid, not a reload (the dispatcher
            # has already refreshed the page, above, if anything it shows changed).
            self.social_value.choose_bid(self.bids.current_id())

    def _leaving(self, widget: QWidget) -> None:
        """Save what is being typed on the page being left, and dispatch that change while the
        page is still on screen: it is the page's own (a writer watch), so the page is not
        reloaded under the user's cursor when they come back."""
        editors = {
            self.bids: self.bids.questions.flush,
            self.library: self.library.flush,
            self.work: self.work.member.flush,
            self.social_value: self.social_value.texts.flush,
        }
        if widget in editors:
            editors[widget]()
        dispatcher = getattr(self, "dispatcher", None)  # none yet while the window is built
        if dispatcher is not None:
            dispatcher.flush()

    def find_in_page(self) -> None:
        """Ctrl+F: the search field of the area that is showing (never a hidden one)."""
        target = self.current_page().search_field()
        if target is None:
            self.status.showMessage("This area has no search box.", 4000)
            return
        target.setFocus()
        if hasattr(target, "selectAll"):
            target.selectAll()

    def go_to_step(self, key: str) -> None:
        """A Start page step: the place that does it."""
        if key == "organisation":
            self.show_area("partners")
            ours = store.ours(self.ws.db)
            if ours is None:
                self.add_partner()
            else:
                self.partners.select(ours.id)
        elif key == "partners":
            self.show_area("partners")
        elif key == "tenders":
            self.show_area("tenders")
            self.tenders.import_button.setFocus()
        elif key == "fit":
            self.show_area("tenders")
            self.tenders.show_fits()
        elif key == "consortium":
            self.show_area("matches")
        elif key in ("bid", "review"):
            self.show_area("bids")

    # ------------------------------------------------------------------ help
    def show_guide(self) -> None:
        self.help_window = help_menu.show_guide(self)

    def show_shortcuts(self) -> None:
        self.help_window = help_menu.show_shortcuts(self, self.findChildren(type(self.find_action)))

    def about(self) -> None:
        help_menu.about(self)

    # ------------------------------------------------------------------ workspace
    def set_workspace(self, ws: Workspace) -> None:
        self.ws = ws
        self.undo_stack.clear()
        for page in self.pages:
            page.widget.set_workspace(ws)
        self.dispatcher.attach(ws)
        self.elsewhere.set_workspace(ws)
        # Matches reads its tender list (up to 2,000 rows) only when it is first shown.
        self.dispatcher.mark_stale(self.matches, "tenders")
        self.setWindowTitle(f"{ws.path.stem}[*] — Consortium")
        # An update for this version of the app, said once (it may have made the file smaller).
        self.status.showMessage(ws.update_note or f"Workspace: {ws.path}")
        self._update_banner()
        self.feeds.set_workspace(ws)
        home.remember_workspace(ws.path)
        self.claim.hold(ws.path)
        self.backup_notice.watch(ws)

    def _watch_changes(self) -> None:
        """Which view refreshes for which kind of change (see ui/dispatch.py). No page tells
        another to reload: each says here what it shows. ``writer=True``: the page writes that
        kind itself and shows its own writes in place (an editor saving as the user types), so
        it is refreshed only when shown after a change made elsewhere."""
        watch = self.dispatcher.watch
        shown = ("partners", "tenders", "consortia", "bids", "answers")
        watch(self.start, shown, self.start.reload)  # the checklist counts them
        watch(self.partners, "partners", self.partners.reload)  # keeps the partner chosen
        watch(self.tenders, ("tenders", "searches"), self.tenders.reload_saved)
        watch(self.tenders, "tenders", self.tenders.run_search)
        watch(self.tenders, ("partners", "matching"), self.tenders.refresh_fits)
        watch(self.tenders, "feeds", self.feeds.refresh)  # the "Get new tenders" bars
        watch(self.start, "feeds", self.feeds.refresh)
        watch(self.matches, "tenders", self.matches.refresh_tenders)
        watch(self.matches, "partners", self.matches.reload_partners)
        watch(self.matches, "matching", self.matches.rerank)  # weights and marks
        watch(self.matches, ("partners", "consortia"), self.matches.consortia.reload)
        watch(self.bids, ("consortia", "work", "assets"), self.bids.reload)
        watch(self.bids, ("bids", "answers"), self.bids.reload, writer=True)
        watch(self.bids, "library", self.bids.questions.refresh_suggestions)
        watch(self.social_value, ("consortia", "bids"), self.social_value.reload_bids)
        watch(self.social_value, "social_value", self.social_value.reload_bids, writer=True)
        watch(self.review, "assets", self.review.assets.reload, writer=True)
        watch(self.library, "partners", self.library.reload)  # owners
        watch(self.library, "library", self.library.reload, writer=True)  # usage counts
        watch(self.pipeline, "tenders", self.pipeline.reload)
        watch(self.pipeline, "partners", self.pipeline.reload_partners)
        watch(self.work, ("consortia", "bids"), self.work.lead.reload_bids)
        watch(self.work, "library", self.work.member.refresh_suggestions)
        watch(self.work, ("answers", "partners"), self.work.lead.reload_status)
        watch(self.work, "work", self.work.lead.reload_status, writer=True)

    def bring_to_front(self) -> None:
        """Another Consortium asked to switch to this window (it holds the same workspace)."""
        self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)
        self.show()
        self.raise_()
        self.activateWindow()

    def _update_banner(self) -> None:
        demo = self.ws.db.execute("SELECT value FROM settings WHERE key = 'demo'").fetchone()
        moved = self.ws.db.execute(
            "SELECT value FROM settings WHERE key = 'demo_dates_moved'"
        ).fetchone()
        if demo:
            text = "Demo workspace: the partner organisations are fictional (real places and service codes)."
            if moved:
                text += " Demo data: tender dates moved so their deadlines lie ahead of today."
            self.banner.setText(text)
        self.banner.setVisible(bool(demo))

    def _changed_elsewhere(self) -> None:
        """Another program wrote to the workspace (see ui/elsewhere.py): the tender lists on
        screen refresh, every other view when next shown (ui/dispatch.py)."""
        self.dispatcher.dispatch_elsewhere()
        self.status.showMessage(
            "Updated: another program (a scheduled tender fetch, say) changed this workspace.",
            15000,
        )

    def _busy(self, doing: str) -> bool:
        """True, having said so, while a task runs: getting new tenders leaves the window in
        use (no dialog), but the workspace cannot be closed or swapped under it."""
        if not any(t.running for t in self.tasks):
            return False
        fetching = self.feeds.running
        QMessageBox.information(
            self,
            "Please wait",
            f"Wait for the current task to finish, or cancel it first, before {doing}."
            + (
                " New tenders are being fetched: “Cancel getting tenders” stops them."
                if fetching
                else ""
            ),
        )
        return True

    def _switch_to(self, ws: Workspace) -> None:
        # Closed without waiting for a day's backup to store its pieces (it goes on behind).
        if self._busy("opening another workspace"):
            ws.close(finish_backup=False)
            return
        if not instance.may_open(self, ws.path, self.claim) or not self._confirm_unsaved():
            ws.close(finish_backup=False)
            return
        old = self.ws
        self.set_workspace(ws)
        old.close(finish_backup=False)

    def new_workspace(self) -> None:
        if self._busy("making a new workspace"):
            return
        path, _ = QFileDialog.getSaveFileName(
            self,
            "New workspace",
            str(Path.home() / "My partners.consortium"),
            "Consortium workspace (*.consortium)",
        )
        if not path:
            return
        if not path.endswith(".consortium"):
            path += ".consortium"
        try:
            self._switch_to(Workspace.create(path))
        except ConsortiumError as exc:
            self.show_error("The workspace could not be created", str(exc))

    def open_workspace(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Open workspace",
            str(self.ws.path.parent),
            "Consortium workspace (*.consortium);;All files (*)",
        )
        if path:
            self.open_path(Path(path))

    def open_path(self, path: Path) -> None:
        if self._busy("opening another workspace"):
            return
        if Workspace.needs_update(path):
            # Made by an earlier version: bringing a year of tenders up to date takes minutes,
            # so it runs off the window's thread, with progress and Cancel (the file as it was).
            self.run(
                "Updating the workspace",
                lambda progress, cancelled: Workspace.open(
                    path, progress=progress, cancelled=cancelled
                ),
                self._switch_to,
                lambda exc: self._offer_restore(path, exc),
                cancelling=UPDATE_CANCELLING,
            )
            return
        try:
            self._switch_to(Workspace.open(path))
        except ConsortiumError as exc:
            if not self._offer_restore(path, exc):
                self.show_error("The workspace could not be opened", str(exc))

    def _offer_restore(self, path: Path, exc: BaseException) -> bool:
        """A workspace that will not open, with backups: say why, and offer them (what they
        are for). False, having done nothing, when there are none or it was Cancel."""
        from consortium import backup_store

        if isinstance(exc, Cancelled) or not backup_store.backups(backup_store.folder_of(path)):
            return False
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("The workspace could not be opened")
        box.setText(f"{exc}\n\nIts backups can be restored as a new workspace file.")
        restore = box.addButton("Restore from a backup…", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Close)
        box.buttonClicked.connect(
            lambda button: self.restore_backup(path) if button is restore else None
        )
        self.cannot_open_box = box  # kept for tests
        box.open()
        return True

    def open_demo(self) -> None:
        if self._busy("opening the demo workspace"):
            return
        path = home.demo_path()
        if path.exists():
            self.open_path(path)
            return
        from consortium.demo import create_demo

        self.run(
            "Creating the demo workspace",
            lambda p, c: create_demo(path, progress=p, cancelled=c),
            self._switch_to,
        )

    def backup_now(self) -> None:
        import datetime as dt

        dest = (
            self.ws.path.with_name(self.ws.path.stem + "-backups")
            / f"manual-{dt.datetime.now():%Y%m%d-%H%M%S}.consortium"
        )
        ws = self.ws

        def back_up(progress, cancelled) -> Path:
            try:
                return ws.backup_to(dest, progress, cancelled)
            except (OSError, sqlite3.Error) as exc:
                raise WorkspaceError(
                    f"The backup to {dest.parent} failed ({exc}). Check the disk has space and "
                    "the folder can be written to, then try again."
                ) from exc

        # Seconds for a year of tenders: off the window's thread, with progress and Cancel.
        self.run(
            "Backing up",
            back_up,
            lambda made: self.status.showMessage(f"Backed up to {made}", 8000),
        )

    def restore_backup(self, path: Path | None = None) -> None:
        """File > Restore from a backup…: a backup of the workspace open (or of ``path``, one
        that would not open) written back as a new workspace file."""
        from consortium import backup_store
        from ui.restore_dialog import RestoreDialog

        ws = self.ws
        path = path or ws.path
        dialog = RestoreDialog(
            path,
            backup_store.folder_of(path),
            self,
            making_today=lambda: path == ws.path and not ws.is_closed and ws.backup_running,
        )
        dialog.chosen.connect(self._restore_to)
        self.restore_dialog = dialog  # kept for tests; replaced by the next one
        dialog.open()

    def _restore_to(self, backup, dest: Path) -> None:
        from consortium import backup_store
        from consortium.formatting import uk_date

        if dest.exists() or dest.resolve() == self.ws.path.resolve():
            self.show_error(
                "Choose a new file name",
                f"{dest.name} already exists. A backup is restored to a new file, never over "
                "a workspace: choose another name.",
            )
            return

        def restored(path: Path) -> None:
            answer = QMessageBox.question(
                self,
                "Backup restored",
                f"The backup of {uk_date(backup.made.date())} is now the workspace "
                f"“{path.name}” in {path.parent}.\n\nOpen it now? (The workspace open now is "
                "kept as it is.)",
            )
            if answer == QMessageBox.StandardButton.Yes:
                self.open_path(path)
            self.status.showMessage(
                f"Restored the backup of {uk_date(backup.made.date())} to {path}", 15000
            )

        def restore(progress, cancelled) -> Path:
            try:
                return backup_store.restore(backup, dest, progress, cancelled)
            except OSError as exc:
                raise WorkspaceError(
                    f"Writing {dest} failed ({exc}). Check the disk has space and the folder "
                    "can be written to, then try again."
                ) from exc

        self.run(
            "Restoring a backup",
            restore,
            restored,
            None,
            "Cancelling… nothing will be restored.",
            reads_only=True,  # it reads the backups folder and writes a new file, never this one
        )

    def check_workspace(self) -> None:
        ws = self.ws

        def said(problems: list[str]) -> None:
            if problems:
                self.show_error("The workspace has problems", "\n".join(problems))
            else:
                QMessageBox.information(
                    self, "Workspace check", f"{ws.path.name}: all checks passed."
                )

        # It reads the whole file: seconds for a year of tenders, so not on the window's thread.
        self.run("Checking the workspace", lambda _p, cancelled: ws.check(cancelled), said)

    def compact_workspace(self) -> None:
        ws = self.ws
        before = ws.path.stat().st_size

        def done(saved: int) -> None:
            now = formatting.file_size(ws.path.stat().st_size)
            if saved < 50_000:  # under what file_size shows as 0.1 MB: nothing to give back
                message = f"{ws.path.name} was already as small as it can be ({now})."
            else:
                message = (
                    f"{ws.path.name} is {formatting.file_size(saved)} smaller "
                    f"({formatting.file_size(before)} before, {now} now)."
                )
            self.status.showMessage(message, 15000)

        self.run(
            "Making the workspace smaller",
            lambda progress, cancelled: ws.compact(progress, cancelled),
            done,
        )

    def signing_key(self) -> None:
        """Show this organisation's key words, or make a key (with a passphrase where the
        computer has no keyring)."""
        from consortium.packs import keys

        me = keys.identity()
        if me is not None:
            QMessageBox.information(
                self,
                "Signing key",
                f"{me.organisation}\n\nRead these words to the other side to confirm your key:\n{me.words}",
            )
            return
        from ui.signing import create_key

        ours = store.ours(self.ws.db)
        create_key(self, ours.name if ours else "")  # a new passphrase is asked twice

    def show_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.ws.path.parent)))

    # ------------------------------------------------------------------ partners
    def add_partner(self) -> None:
        if not self._confirm_unsaved():
            return
        self.show_area("partners")
        self.partners.view.clearSelection()
        self.partners.editor.load(Organisation(name=""))
        self.partners.editor.tabs.setCurrentIndex(0)
        self.partners.editor.name.setFocus()

    def save_partner(self, org: Organisation) -> None:
        before = None
        if org.id is not None:
            try:
                before = store.load(self.ws.db, org.id)
            except store.NotFound:
                before = None
        try:
            self.undo_stack.push(SavePartner(self.ws, before, org, self.partners.show_partner))
        except ConsortiumError as exc:
            self.show_error("The partner was not saved", str(exc))
            return
        self.partners.editor.saved(store.load(self.ws.db, org.id))
        self.status.showMessage(f"Saved {org.name}", 5000)

    def _delete_selected(self) -> None:
        partner_id = self.partners.selected_id()
        if partner_id is not None:
            self.delete_partner(partner_id)

    def delete_partner(self, partner_id: int) -> None:
        snapshot = store.load(self.ws.db, partner_id)
        in_consortia = consortia.memberships(self.ws.db, partner_id)
        if in_consortia:
            # Checked here, not inside the undo command: Qt swallows errors raised in redo().
            self.show_error(
                "The partner was not deleted",
                f"{snapshot.name} is a member of {listed(in_consortia)}. Take it out of those "
                "consortia first, then delete it.",
            )
            return
        answer = QMessageBox.question(
            self,
            "Delete partner",
            f"Delete {snapshot.name} and all its details?\n\nYou can undo this with Edit > Undo (Ctrl+Z).",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.partners.editor.load(None)
        self.undo_stack.push(DeletePartner(self.ws, snapshot, self.partners.show_partner))
        self.status.showMessage(f"Deleted {snapshot.name}. Undo with Ctrl+Z.", 8000)

    def export_person(self, contact_id: int) -> None:
        data = store.export_person(self.ws.db, contact_id)
        suggested = Path.home() / f"{data['name']} - personal data.json"
        path, _ = QFileDialog.getSaveFileName(
            self, "Export this person's data", str(suggested), "JSON (*.json)"
        )
        if not path:
            return
        Path(path).write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
        self.status.showMessage(f"Exported {possessive(data['name'])} data to {path}", 8000)

    def erase_person(self, contact_id: int) -> None:
        data = store.export_person(self.ws.db, contact_id)
        answer = QMessageBox.question(
            self,
            "Erase person",
            f"Erase {data['name']} ({data['organisation']}) from this workspace?\n\n"
            "This cannot be undone: it is meant for data protection erasure requests. "
            "The audit log will record that a contact was erased, but not who. Automatic "
            "backups made before today keep the old details until they are rotated out "
            "(after 7 days).",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        store.erase_person(self.ws, contact_id)  # the dispatcher shows the partner without them
        self.undo_stack.clear()  # older undo steps could bring the person back
        self.status.showMessage("The person's details were erased.", 8000)

    def _dirty_changed(self, dirty: bool) -> None:
        self.setWindowModified(dirty)

    def _confirm_unsaved(self) -> bool:
        """Ask before throwing away edits; True means carry on."""
        # Answers and library entries save themselves; ask only when one could not be saved.
        for page, what in (
            (self.bids.questions, "an answer"),
            (self.library, "a library entry"),
            (self.work.member, "an answer for a lead"),
            (self.social_value.texts, "the social value statement's texts"),
        ):
            if not page.flush():
                answer = QMessageBox.question(
                    self,
                    "Unsaved changes",
                    f"Your changes to {what} could not be saved (the reason is shown beside "
                    "it). Close anyway and lose them?",
                    QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                )
                if answer != QMessageBox.StandardButton.Discard:
                    return False
        editor = self.partners.editor
        if not editor.is_dirty():
            return True
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            "Save your changes to this partner first?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Cancel:
            return False
        if answer == QMessageBox.StandardButton.Save:
            editor.request_save()
            return not editor.is_dirty()
        editor.revert()
        return True

    # ------------------------------------------------------------------ Excel
    def choose_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Import partners from Excel",
            str(Path.home()),
            "Excel workbook (*.xlsx);;All files (*)",
        )
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        from consortium.partners.excel import import_partners  # openpyxl: only when needed

        if not self._confirm_unsaved():
            return
        ws = self.ws
        self.run(
            f"Importing {path.name}",
            lambda progress, cancelled: import_partners(
                ws, path, progress=progress, cancelled=cancelled
            ),
            self._import_done,
        )

    def _import_done(self, result: ImportResult) -> None:
        self.last_import = result
        if result.problems:
            box = QMessageBox(self)
            box.setIcon(QMessageBox.Icon.Warning)
            box.setWindowTitle("Nothing was imported")
            box.setText(
                f"{Path(result.file).name} has {plural(result.problem_count, 'problem')}, so nothing was imported. "
                "Fix them and import the file again."
            )
            details = "\n".join(str(p) for p in result.problems[:200])
            if result.problems_file:
                box.setInformativeText(
                    f"A copy with the problem cells in red is at:\n{result.problems_file}"
                )
            box.setDetailedText(details)
            box.open()
            return
        self.undo_stack.clear()  # an import is not undoable; the daily backup covers it
        message = result.summary()
        self.status.showMessage(message.splitlines()[0], 10000)
        QMessageBox.information(self, "Import finished", message)

    def choose_export(self) -> None:
        from consortium.partners.excel import export_partners  # openpyxl: only when needed

        path, _ = QFileDialog.getSaveFileName(
            self,
            "Export partners to Excel",
            str(Path.home() / "Partners.xlsx"),
            "Excel workbook (*.xlsx)",
        )
        if not path:
            return
        if not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        ws = self.ws
        self.run(
            "Exporting partners",
            lambda p, c: export_partners(ws, path),
            lambda made: self.status.showMessage(f"Exported to {made}", 8000),
        )

    def choose_template(self) -> None:
        from consortium.partners.excel import write_template  # openpyxl: only when needed

        path, _ = QFileDialog.getSaveFileName(
            self,
            "Save the partner template",
            str(Path.home() / "Partner template.xlsx"),
            "Excel workbook (*.xlsx)",
        )
        if not path:
            return
        if not path.lower().endswith(".xlsx"):
            path += ".xlsx"

        def write(_progress, _cancelled) -> Path:
            try:
                return write_template(path)
            except OSError as exc:  # a full disk, a folder it may not write to
                raise ConsortiumError(f"The template was not saved: {exc}") from exc

        # A third of a second of openpyxl: off the window's thread, as every file written.
        self.run(
            "Saving the partner template",
            write,
            lambda made: self.status.showMessage(f"Saved the template to {made}", 8000),
        )

    # ------------------------------------------------------------------ tenders
    def choose_tender_import(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self,
            "Import tenders",
            str(Path.home()),
            "Tender files (*.json *.jsonl *.zip *.csv *.xlsx);;All files (*)",
        )
        if paths:
            self.import_tenders([Path(p) for p in paths])

    def choose_tender_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Import a folder of tender files", str(Path.home())
        )
        if folder:
            self.import_tenders([Path(folder)])

    def import_tenders(self, paths: list[Path]) -> None:
        from consortium.tenders.importer import import_paths

        ws = self.ws
        names = listed((p.name for p in paths), 3)
        self.run(
            f"Importing {names}",
            lambda progress, cancelled: import_paths(
                ws, paths, progress=progress, cancelled=cancelled
            ),
            self._tenders_imported,
        )

    def _tenders_imported(self, report) -> None:
        self.last_tender_report = report
        self.show_area("tenders")  # the dispatcher has refreshed the tender views
        self.status.showMessage(report.summary(), 10000)
        self.show_tender_report()

    def show_tender_report(self) -> None:
        report = self.last_tender_report
        if report is None:
            QMessageBox.information(
                self, "Import report", "No tenders have been imported in this session yet."
            )
            return
        box = QMessageBox(self)
        box.setWindowTitle("Tender import report")
        box.setText(report.summary())
        counts = ", ".join(
            f"{n:,} {kind.replace('_', ' ')}" for kind, n in sorted(report.defect_counts.items())
        )
        box.setInformativeText(
            f"{report.open_now:,} of the new or changed tenders are open now."
            + (f"\nGaps in the published data: {counts}." if counts else "")
        )
        if report.defects:
            box.setDetailedText(
                "\n".join(
                    f"{d.ocid} ({d.notice_id or '-'}): {d.text}" for d in report.defects[:2000]
                )
            )
        box.open()

    def fix_partner(self, partner_id: int, field: str) -> None:
        """From a readiness item: open the partner on the tab where that detail is edited."""
        self.show_area("partners")
        self.partners.select(partner_id)
        tabs = {
            "credentials": 3,
            "contacts": 4,
            "past_contracts": 5,
            "turnover": 2,
            "cpv_codes": 1,
            "areas": 1,
        }
        key = field.split(":")[0].split("[")[0].strip()
        self.partners.editor.tabs.setCurrentIndex(tabs.get(key, 0))

    def show_opportunities(self, partner_id: int) -> None:
        """From a partner: the open tenders it could win, alone or with partners."""
        self.show_area("matches")
        combo = self.matches.partner
        combo.setCurrentIndex(max(0, combo.findData(partner_id)))
        self.matches.tabs.setCurrentIndex(2)

    def show_pipeline(self, partner_id: int) -> None:
        """From a partner: its re-tender pipeline (contracts ending in its places and services)."""
        self.show_area("pipeline")
        self.pipeline.show_partner(partner_id)

    def start_bid(self, consortium_id: int) -> None:
        """From a saved consortium (Matches > Proposal): a new bid for it, shown in Bids."""
        self.show_area("bids")  # the consortium saved in Matches is listed once it shows
        self.bids.consortium.setCurrentIndex(self.bids.consortium.findData(consortium_id))
        self.bids.create_bid()

    def open_tender(self, ocid: str) -> None:
        self.show_area("tenders")
        self.tenders.show_tender(ocid)

    def match_tender(self, ocid: str) -> None:
        self.show_area("matches")
        self.matches.show_tender(ocid)

    # ------------------------------------------------------------------ drag and drop
    def dragEnterEvent(self, event) -> None:
        if drops.wanted(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = drops.dropped_paths(event.mimeData())
        if not paths:
            return
        event.acceptProposedAction()
        self.take_files(paths)

    def take_files(self, paths: list[Path]) -> None:
        """Send each file to the area that takes its kind (see ``ui.drops``)."""
        by_kind = drops.sort_drop(self, paths, self.current_page().accepts)
        if filekinds.TENDERS in by_kind:
            self.import_tenders(by_kind[filekinds.TENDERS])
        for path in by_kind.get(filekinds.PACK, [])[:1]:
            self.show_area("review")
            self.review.open_pack(path)
        for path in by_kind.get(filekinds.REVIEW, [])[:1]:
            self.show_area("review")
            self.review.import_review(path)
        for kind, opener in (
            (filekinds.WORK, self.work.open_pack),
            (filekinds.REPLY, self.work.open_reply),
        ):
            for path in by_kind.get(kind, [])[:1]:
                self.show_area("work")
                opener(path)
        for path in by_kind.get(filekinds.QUESTIONNAIRE, [])[:1]:
            self.import_questionnaire(path)
        for path in by_kind.get(filekinds.PARTNERS, [])[:1]:
            self.show_area("partners")
            self.import_file(path)
        extra = [
            p.name
            for kind in (
                filekinds.PACK,
                filekinds.REVIEW,
                filekinds.QUESTIONNAIRE,
                filekinds.PARTNERS,
            )
            for p in by_kind.get(kind, [])[1:]
        ]
        if extra:
            self.status.showMessage(
                f"One file of each kind at a time: drop {listed(extra)} again afterwards.", 10000
            )

    def import_questionnaire(self, path: Path) -> None:
        self.show_area("bids")
        if self.bids.current_id() is None:
            self.show_error(
                "Which bid is this questionnaire for?",
                f"{path.name} is a questionnaire, and questions belong to a bid. Create or choose "
                "a bid in the Bids area, then drop the file again (or use Import the buyer's "
                "questionnaire).",
            )
            return
        self.bids.questions.import_file(path)

    # ------------------------------------------------------------------ plumbing
    def run(
        self,
        title: str,
        fn,
        on_done,
        on_error=None,
        cancelling: str = runner.CANCELLING,
        *,
        dialog: bool = True,
        reads_only: bool = False,
        in_steps: bool = False,
    ):
        def failed(exc: BaseException) -> None:
            # ``on_error`` returns True when it has told the user itself (one message, not two).
            if on_error is None or not on_error(exc):
                self._task_failed(exc)

        def done(result) -> None:
            self.dispatcher.flush()  # pages show what the task changed before its result
            if on_done is not None:
                on_done(result)

        task = run_task(
            self, title, fn, done, failed, cancelling, dialog=dialog, reads_only=reads_only,
            in_steps=in_steps,
        )  # fmt: skip
        self.tasks.append(task)
        task.finished.connect(lambda: self.tasks.remove(task) if task in self.tasks else None)
        return task

    def _task_failed(self, exc: BaseException) -> None:
        if isinstance(exc, Cancelled):
            self.status.showMessage(str(exc), 8000)
        elif isinstance(exc, ConsortiumError):
            self.show_error("That did not work", str(exc))
        else:
            self.show_error(
                "Something went wrong",
                f"{type(exc).__name__}: {exc}\n\nNothing was changed. Please report this.",
                "".join(traceback.format_exception(exc)),
            )

    def show_error(self, title: str, text: str, details: str = "") -> None:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(title)
        box.setText(text)
        if details:
            box.setDetailedText(details)
        box.open()

    def _restore_splitters(self) -> None:
        settings = window_settings()
        for name, widget in (
            ("tenders_splitter", self.tenders.splitter),
            ("matches_splitter", self.matches.splitter),
            ("partners_splitter", self.partners.splitter),
        ):
            state = settings.value(name)
            if state is not None:
                widget.restoreState(state)

    def closeEvent(self, event) -> None:
        if self._busy("closing Consortium"):
            event.ignore()
            return
        if not self._confirm_unsaved():
            event.ignore()
            return
        settings = window_settings()
        settings.setValue("geometry", self.saveGeometry())
        settings.setValue("partners_splitter", self.partners.splitter.saveState())
        settings.setValue("tenders_splitter", self.tenders.splitter.saveState())
        settings.setValue("matches_splitter", self.matches.splitter.saveState())
        settings.sync()
        # Pending typing-pause timers must not query a closed workspace.
        for page in (self.tenders, self.matches):
            page._timer.stop()
            page.ws = None
        self.tenders.stop()  # counts and pipelines in hand stop at their next check
        self.pipeline.stop()
        self.pipeline.ws = None
        self.review.ws = None
        self.review.assets.ws = None
        self.claim.release()
        self.elsewhere.stop()
        self.ws.close(finish_backup=False)  # the day's backup finishes after the window goes
        event.accept()
