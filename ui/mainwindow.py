"""The main window: a sidebar of areas, the Partners area, menus, undo, drag-and-drop."""

from __future__ import annotations

import json
import traceback
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from consortium import __version__, home
from consortium.errors import ConsortiumError
from consortium.matching import consortia
from consortium.partners import store
from consortium.partners.excel import ImportResult, export_partners, import_partners, write_template
from consortium.progress import Cancelled
from consortium.records import Organisation
from consortium.workspace import Workspace
from ui import instance
from ui.bids_page import BidsPage
from ui.commands import DeletePartner, SavePartner
from ui.dispatch import ChangeDispatcher
from ui.matches_page import MatchesPage
from ui.partners_page import PartnersPage
from ui.review_page import ReviewPage
from ui.runner import run_task
from ui.socialvalue_page import SocialValuePage
from ui.tenders_page import TendersPage

AREAS = (
    (
        "Partners",
        "Partner organisations: who they are, what they deliver, where, and their documents.",
    ),
    (
        "Tenders",
        "Public-service tenders from Find a Tender and Contracts Finder, searchable offline.",
    ),
    (
        "Matches",
        "Which partners fit each tender and lot, and why; proposed consortia with the gaps.",
    ),
    (
        "Bids",
        "Joint bids: the buyer's questions, answers from your library, and the bid documents.",
    ),
    ("Social value", "Social value commitments, the calculator workbook and statements."),
    ("Review", "Housing association review of signed bid packs: checklist, comments, decision."),
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
        self.setMinimumSize(900, 560)

        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        self.sidebar = QListWidget()
        self.sidebar.setAccessibleName("Areas")
        self.sidebar.setFixedWidth(150)
        self.sidebar.setStyleSheet(
            "QListWidget { background: #1f4e79; color: white; border: none; font-size: 11pt; }"
            "QListWidget::item { padding: 10px 12px; }"
            "QListWidget::item:selected { background: #2e75b6; color: white; }"
        )
        self.stack = QStackedWidget()
        row.addWidget(self.sidebar)
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

        self.partners = PartnersPage()
        self.matches = MatchesPage(self.run)
        self.tenders = TendersPage()
        self.review = ReviewPage()
        self.bids = BidsPage(self.run)
        self.social_value = SocialValuePage()
        self.last_tender_report = None
        built = {
            "Partners": self.partners,
            "Tenders": self.tenders,
            "Matches": self.matches,
            "Bids": self.bids,
            "Social value": self.social_value,
            "Review": self.review,
        }
        for name, about in AREAS:
            item = QListWidgetItem(name)
            item.setToolTip(about)
            self.sidebar.addItem(item)
            self.stack.addWidget(built.get(name) or self._coming_soon(name, about))
        self.sidebar.currentRowChanged.connect(self._area_chosen)
        self.sidebar.setCurrentRow(0)

        self.partners.add_requested.connect(self.add_partner)
        self.partners.delete_requested.connect(self.delete_partner)
        self.partners.import_requested.connect(self.choose_import)
        self.partners.opportunities_requested.connect(self.show_opportunities)
        self.partners.export_requested.connect(self.choose_export)
        self.review.review_imported.connect(lambda bid_id: self.bids.reload(bid_id))
        self.bids.questions.partner_requested.connect(self.fix_partner)
        self.tenders.import_requested.connect(self.choose_tender_import)
        self.tenders.match_requested.connect(self.match_tender)
        self.partners.editor.save_requested.connect(self.save_partner)
        self.partners.editor.dirty_changed.connect(self._dirty_changed)
        self.partners.editor.export_person_requested.connect(self.export_person)
        self.partners.editor.erase_person_requested.connect(self.erase_person)
        self._build_menus()
        self.status = self.statusBar()
        self.claim = instance.WorkspaceClaim(self)  # other windows find this one through it
        self.claim.show_requested.connect(self.bring_to_front)
        self.dispatcher = ChangeDispatcher(self.stack, self)
        self._watch_changes()
        self.set_workspace(ws)
        self._restore_geometry()

    def _area_chosen(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        if self.stack.currentWidget() is self.social_value:
            self.social_value.reload_bids()  # bids may have been added in the Bids area
            if self.matches.ocid is not None:
                self.matches._rank()

    # ------------------------------------------------------------------ building
    def _coming_soon(self, name: str, about: str) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        title = QLabel(name)
        title.setStyleSheet("font-size: 18pt; font-weight: 600;")
        text = QLabel(f"{about}\n\nThis area is being built and will arrive in a coming version.")
        text.setWordWrap(True)
        layout.addWidget(title)
        layout.addWidget(text)
        layout.addStretch()
        return page

    def _action(self, menu, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        self._action(
            file, "&New workspace…", self.new_workspace, None, "Create an empty workspace file"
        )
        self._action(file, "&Open workspace…", self.open_workspace, QKeySequence.StandardKey.Open)
        self._action(file, "Open the &demo workspace", self.open_demo)
        file.addSeparator()
        self._action(
            file, "&Back up now", self.backup_now, None, "Copy the workspace to its backups folder"
        )
        self._action(file, "&Check workspace", self.check_workspace)
        self._action(file, "Show workspace &folder", self.show_folder)
        self._action(
            file,
            "&Signing key…",
            self.signing_key,
            None,
            "Your organisation's key for signing bid packs and reviews",
        )
        file.addSeparator()
        self._action(file, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        edit = bar.addMenu("&Edit")
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        edit.addAction(self.undo_action)
        edit.addAction(self.redo_action)
        edit.addSeparator()
        self._action(
            edit,
            "&Find partner",
            lambda: self.partners.search.setFocus(),
            QKeySequence.StandardKey.Find,
        )
        partners = bar.addMenu("&Partners")
        self._action(partners, "&Add partner", self.add_partner, QKeySequence.StandardKey.New)
        self.delete_action = self._action(
            partners, "&Delete partner", self._delete_selected, QKeySequence.StandardKey.Delete
        )
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.partners.view.addAction(self.delete_action)
        partners.addSeparator()
        self._action(partners, "&Import from Excel…", self.choose_import, "Ctrl+I")
        self._action(partners, "&Export to Excel…", self.choose_export, "Ctrl+E")
        self._action(partners, "Save an Excel &template…", self.choose_template)
        tenders = bar.addMenu("&Tenders")
        self._action(tenders, "&Import tender files…", self.choose_tender_import, "Ctrl+T")
        self._action(tenders, "Import a &folder of tender files…", self.choose_tender_folder)
        self._action(tenders, "Last import &report", self.show_tender_report)
        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&About Consortium", self.about)

    # ------------------------------------------------------------------ workspace
    def set_workspace(self, ws: Workspace) -> None:
        self.ws = ws
        self.undo_stack.clear()
        self.partners.set_workspace(ws)
        self.matches.set_workspace(ws)
        self.tenders.set_workspace(ws)
        self.review.set_workspace(ws)
        self.bids.set_workspace(ws)
        self.social_value.set_workspace(ws)
        self.dispatcher.attach(ws)
        self.setWindowTitle(f"{ws.path.stem}[*] — Consortium")
        self.status.showMessage(f"Workspace: {ws.path}")
        self._update_banner()
        home.remember_workspace(ws.path)
        self.claim.hold(ws.path)

    def _watch_changes(self) -> None:
        """Which view refreshes for which kind of change (see ui/dispatch.py)."""
        watch = self.dispatcher.watch
        watch(self.tenders, "tenders", self.tenders.reload_saved)
        watch(self.tenders, "tenders", self.tenders.run_search)
        watch(self.matches, "tenders", self.matches.reload_tenders)
        watch(self.matches, "partners", self.matches.reload_partners)
        watch(self.matches, ("partners", "consortia"), self.matches.consortia.reload)
        watch(self.bids, ("consortia", "bids"), self.bids.reload)

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

    def _switch_to(self, ws: Workspace) -> None:
        if not instance.may_open(self, ws.path, self.claim) or not self._confirm_unsaved():
            ws.close()
            return
        old = self.ws
        self.set_workspace(ws)
        old.close()

    def new_workspace(self) -> None:
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
        try:
            self._switch_to(Workspace.open(path))
        except ConsortiumError as exc:
            self.show_error("The workspace could not be opened", str(exc))

    def open_demo(self) -> None:
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
        try:
            made = self.ws.backup_to(dest)
        except (ConsortiumError, OSError) as exc:
            self.show_error("The backup failed", str(exc))
            return
        self.status.showMessage(f"Backed up to {made}", 8000)

    def check_workspace(self) -> None:
        problems = self.ws.check()
        if problems:
            self.show_error("The workspace has problems", "\n".join(problems))
        else:
            QMessageBox.information(
                self, "Workspace check", f"{self.ws.path.name}: all checks passed."
            )

    def signing_key(self) -> None:
        """Show this organisation's key words, or make a key (with a passphrase where the
        computer has no keyring)."""
        from PySide6.QtWidgets import QInputDialog, QLineEdit

        from consortium import secrets
        from consortium.packs import keys

        me = keys.identity()
        if me is not None:
            QMessageBox.information(
                self,
                "Signing key",
                f"{me.organisation}\n\nRead these words to the other side to confirm your key:\n{me.words}",
            )
            return
        ours = store.ours(self.ws.db)
        name, ok = QInputDialog.getText(
            self, "Signing key", "Organisation that signs:", text=ours.name if ours else ""
        )
        if not ok or not name.strip():
            return
        passphrase = None
        if not secrets.keyring_available():
            passphrase, ok = QInputDialog.getText(
                self,
                "Signing key",
                "This computer has no secure keyring, so the key will be kept in a file protected by a "
                "passphrase. Choose one (at least 8 characters):",
                QLineEdit.EchoMode.Password,
            )
            if not ok:
                return
        try:
            me = keys.create_key(name.strip(), passphrase)
        except ConsortiumError as exc:
            self.show_error("No key was made", str(exc))
            return
        QMessageBox.information(
            self, "Signing key", f"Key made for {me.organisation}.\n\nIts words: {me.words}"
        )

    def show_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.ws.path.parent)))

    # ------------------------------------------------------------------ partners
    def refresh(self, select_id: int | None = None) -> None:
        self.partners.reload(select_id)

    def add_partner(self) -> None:
        if not self._confirm_unsaved():
            return
        self.sidebar.setCurrentRow(0)
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
            self.undo_stack.push(SavePartner(self.ws, before, org, self.refresh))
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
                f"{snapshot.name} is a member of {', '.join(in_consortia)}. Take it out of those "
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
        self.undo_stack.push(DeletePartner(self.ws, snapshot, self.refresh))
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
        self.status.showMessage(f"Exported {data['name']}'s data to {path}", 8000)

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
        store.erase_person(self.ws, contact_id)
        self.undo_stack.clear()  # older undo steps could bring the person back
        self.refresh(self.partners.editor.current_id())
        self.status.showMessage("The person's details were erased.", 8000)

    def _dirty_changed(self, dirty: bool) -> None:
        self.setWindowModified(dirty)

    def _confirm_unsaved(self) -> bool:
        """Ask before throwing away edits; True means carry on."""
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
                f"{Path(result.file).name} has {len(result.problems)} problem(s), so nothing was imported. "
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
        self.refresh()
        message = result.summary()
        self.status.showMessage(message.splitlines()[0], 10000)
        QMessageBox.information(self, "Import finished", message)

    def choose_export(self) -> None:
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
        try:
            made = write_template(path)
        except (ConsortiumError, OSError) as exc:
            self.show_error("The template was not saved", str(exc))
            return
        self.status.showMessage(f"Saved the template to {made}", 8000)

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
        names = ", ".join(p.name for p in paths[:3]) + ("…" if len(paths) > 3 else "")
        self.run(
            f"Importing {names}",
            lambda progress, cancelled: import_paths(
                ws, paths, progress=progress, cancelled=cancelled
            ),
            self._tenders_imported,
        )

    def _tenders_imported(self, report) -> None:
        self.last_tender_report = report
        self.sidebar.setCurrentRow(1)  # the dispatcher has refreshed the tender views
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
        self.sidebar.setCurrentRow(0)
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
        self.sidebar.setCurrentRow(2)
        combo = self.matches.partner
        combo.setCurrentIndex(max(0, combo.findData(partner_id)))
        self.matches.tabs.setCurrentIndex(2)

    def match_tender(self, ocid: str) -> None:
        self.sidebar.setCurrentRow(2)
        self.matches.search.clear()
        self.matches.reload_tenders()
        self.matches.select_tender(ocid)

    # ------------------------------------------------------------------ drag and drop
    TENDER_SUFFIXES = (".json", ".jsonl", ".zip", ".csv")

    def dragEnterEvent(self, event) -> None:
        suffixes = (".xlsx", ".cbpack", ".cbreview", *self.TENDER_SUFFIXES)
        if any(url.toLocalFile().lower().endswith(suffixes) for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        for path in paths:
            if path.suffix.lower() in (".cbpack", ".cbreview"):
                self.sidebar.setCurrentRow(5)
                if path.suffix.lower() == ".cbpack":
                    self.review.open_pack(path)
                else:
                    self.review.import_review(path)
                event.acceptProposedAction()
                return
        on_tenders = self.stack.currentWidget() is self.tenders
        # An .xlsx is a partner workbook unless it is dropped on the Tenders area (where it is a
        # Contracts Finder export); other tender files go to the tender importer wherever dropped.
        tender_files = [
            p
            for p in paths
            if p.suffix.lower() in self.TENDER_SUFFIXES
            or (on_tenders and p.suffix.lower() == ".xlsx")
        ]
        if tender_files:
            self.import_tenders(tender_files)
            event.acceptProposedAction()
            return
        for path in paths:
            if path.suffix.lower() == ".xlsx":
                self.sidebar.setCurrentRow(0)
                self.import_file(path)
                event.acceptProposedAction()
                return

    # ------------------------------------------------------------------ plumbing
    def run(self, title: str, fn, on_done) -> None:
        def done(result) -> None:
            self.dispatcher.flush()  # pages show what the task changed before its result
            if on_done is not None:
                on_done(result)

        task = run_task(self, title, fn, done, self._task_failed)
        self.tasks.append(task)
        task.finished.connect(lambda: self.tasks.remove(task) if task in self.tasks else None)

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

    def about(self) -> None:
        QMessageBox.about(
            self,
            "About Consortium",
            f"Consortium {__version__}\n\nHelps small charities form bidding consortia for public "
            "contracts, offline.\n\nContains public sector information licensed under the Open "
            "Government Licence v3.0, CPV codes © European Union, and council data © mySociety "
            "(CC BY 4.0).",
        )

    def _restore_geometry(self) -> None:
        settings = window_settings()
        geometry = settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 780)
        for name, widget in (
            ("tenders_splitter", self.tenders.splitter),
            ("matches_splitter", self.matches.splitter),
        ):
            state = settings.value(name)
            if state is not None:
                widget.restoreState(state)
        splitter = settings.value("partners_splitter")
        if splitter is not None:
            self.partners.splitter.restoreState(splitter)

    def closeEvent(self, event) -> None:
        if any(t.running for t in self.tasks):
            QMessageBox.information(
                self, "Please wait", "Wait for the current task to finish, or cancel it first."
            )
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
        self.review.ws = None
        self.review.assets.ws = None
        self.claim.release()
        self.ws.close()
        event.accept()
