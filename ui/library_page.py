"""The Library area: reusable answers, case studies, policies and CVs, with their owners, tags
and review dates; search, add, edit, delete (with undo), import and export; entries past their
review date are flagged. A thin view over ``consortium.library``."""

from __future__ import annotations

import datetime as dt
from html import escape
from pathlib import Path

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from consortium.errors import ConsortiumError
from consortium.formatting import parse_date, uk_date
from consortium.library import share, store
from consortium.library.store import Entry
from consortium.partners import store as partner_store
from consortium.workspace import Workspace
from ui import colours
from ui.matches_models import RowsTableModel

ID_ROLE = Qt.ItemDataRole.UserRole + 70
FRESHNESS_COLOURS = {
    "stale": "#f8d7da",
    "never reviewed": "#f8d7da",
    "review soon": "#fff3cd",
    "fresh": "#d1e7dd",
}
SHOW = (
    ("All entries", None),
    ("Needs review (stale or never reviewed)", "stale"),
    *((f"{kind.capitalize()}s" if kind != "cv" else "CVs", kind) for kind in store.KINDS),
)


class LibraryModel(RowsTableModel):
    COLUMNS = ("Title", "Kind", "Owner", "Review due", "State")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.today = dt.date.today()

    @property
    def rows(self) -> list[Entry]:
        return self._rows

    def data(self, index: QModelIndex | QPersistentModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        e, column = self._rows[index.row()], index.column()
        state = e.freshness(self.today)
        if role == ID_ROLE:
            return e.id
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                e.title,
                e.kind,
                e.owner,
                uk_date(e.review_due),
                "⚠ " + state if state in ("stale", "never reviewed") else state,
            )[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            if column >= 3:
                return e.freshness_text(self.today)
            tags = f"\nTags: {', '.join(e.tags)}" if e.tags and column == 0 else ""
            return self.data(index) + tags
        if role == Qt.ItemDataRole.BackgroundRole and column == 4:
            return QBrush(QColor(FRESHNESS_COLOURS.get(state, "#ffffff")))
        if role == Qt.ItemDataRole.ForegroundRole and column == 4:
            return QBrush(QColor("#212529"))  # dark text on the light state colours
        return None


class LibraryPage(QWidget):
    """Edits are saved by Save (Ctrl+S) and, so nothing is lost, when another entry is chosen
    or the window closes."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.ws: Workspace | None = None
        self.today = dt.date.today()
        self.current: Entry | None = None
        self.deleted: Entry | None = None
        self._loading = False
        self._dirty = False
        self._needs_reload = False
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search titles, text, tags and owners")
        self.search.setAccessibleName("Search the library")
        self.search.setToolTip("Words from the entry; entries with more of them come first")
        self.show_only = QComboBox()
        self.show_only.setAccessibleName("Show entries")
        self.show_only.setToolTip("Show every entry, only those that need reviewing, or one kind")
        for text, key in SHOW:
            self.show_only.addItem(text, key)
        self.new_button = QPushButton("New entry")
        self.new_button.setAccessibleName("New library entry")
        self.new_button.setToolTip("Start a new reusable answer, case study, policy or CV")
        self.import_button = QPushButton("Import…")
        self.import_button.setAccessibleName("Import library entries")
        self.import_button.setToolTip(
            "Add or update entries from a partner's library export (.json or .xlsx)"
        )
        self.export_button = QPushButton("Export…")
        self.export_button.setAccessibleName("Export library entries")
        self.export_button.setToolTip("Save the entries shown to .json or .xlsx to share them")
        bar.addWidget(self.search, 1)
        bar.addWidget(self.show_only)
        bar.addWidget(self.new_button)
        bar.addWidget(self.import_button)
        bar.addWidget(self.export_button)
        layout.addLayout(bar)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Library summary")
        layout.addWidget(self.summary)
        note_row = QHBoxLayout()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Library message")
        self.undo_button = QPushButton("Undo")
        self.undo_button.setAccessibleName("Undo delete entry")
        self.undo_button.setToolTip("Put the deleted entry back")
        self.undo_button.setVisible(False)
        note_row.addWidget(self.message, 1)
        note_row.addWidget(self.undo_button)
        layout.addLayout(note_row)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.model = LibraryModel(self)
        self.view = QTableView()
        self.view.setAccessibleName("Library entries")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        header = self.view.horizontalHeader()
        header.setStretchLastSection(False)
        self.view.setWordWrap(False)
        for column, width in enumerate((250, 75, 150, 90, 115)):
            self.view.setColumnWidth(column, width)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        splitter.addWidget(self.view)

        editor = QWidget()
        form = QFormLayout(editor)
        form.setContentsMargins(6, 0, 0, 0)
        self.title = QLineEdit()
        self.title.setToolTip("A short name people will recognise, e.g. 'Safeguarding approach'")
        self.kind = QComboBox()
        self.kind.addItems(store.KINDS)
        self.kind.setToolTip("An answer to reuse, a case study, a policy or a CV")
        self.owner = QComboBox()
        self.owner.setEditable(True)
        self.owner.setToolTip("The organisation that keeps this entry up to date")
        self.tags = QLineEdit()
        self.tags.setPlaceholderText("e.g. safeguarding, DBS, MARAC")
        self.tags.setToolTip("Words a question might use, separated by commas")
        self.theme = QLineEdit()
        self.theme.setPlaceholderText("e.g. Quality and safety (optional)")
        self.theme.setToolTip("A heading to group entries under (optional)")
        self.last_reviewed = QLineEdit()
        self.last_reviewed.setPlaceholderText("e.g. 23/11/2026")
        self.last_reviewed.setToolTip("When someone last checked it is still true")
        self.review_due = QLineEdit()
        self.review_due.setPlaceholderText("empty: a year after the last review")
        self.review_due.setToolTip("When it must be checked again; after that it is flagged stale")
        self.body = QPlainTextEdit()
        self.body.setPlaceholderText("The text to reuse in bids")
        self.body.setToolTip("The text that goes into an answer when it is inserted")
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.state.setAccessibleName("Review state")
        for label, widget in (
            ("Title", self.title),
            ("Kind", self.kind),
            ("Owner", self.owner),
            ("Tags", self.tags),
            ("Theme", self.theme),
            ("Last reviewed", self.last_reviewed),
            ("Review due", self.review_due),
        ):
            widget.setAccessibleName(f"Entry {label.lower()}")
            form.addRow(label, widget)
        form.addRow(self.state)
        self.body.setAccessibleName("Entry text")
        form.addRow(self.body)
        buttons = QHBoxLayout()
        self.save_button = QPushButton("Save")
        self.save_button.setAccessibleName("Save library entry")
        self.save_button.setToolTip("Save this entry (Ctrl+S)")
        self.reviewed_button = QPushButton("Reviewed today")
        self.reviewed_button.setAccessibleName("Mark reviewed today")
        self.reviewed_button.setToolTip("Record that it was checked today; next review in a year")
        self.delete_button = QPushButton("Delete")
        self.delete_button.setAccessibleName("Delete library entry")
        self.delete_button.setToolTip("Delete this entry (you can undo it)")
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.reviewed_button)
        buttons.addStretch()
        buttons.addWidget(self.delete_button)
        form.addRow(buttons)
        splitter.addWidget(editor)
        splitter.setSizes([640, 520])
        self.splitter = splitter
        layout.addWidget(splitter, 1)

        self._search_timer = QTimer(self, singleShot=True, interval=200)
        self._search_timer.timeout.connect(self.reload)
        self.search.textChanged.connect(self._search_timer.start)
        self.show_only.currentIndexChanged.connect(lambda _i: self.reload())
        self.view.selectionModel().currentRowChanged.connect(self._chosen)
        self.new_button.clicked.connect(self.new_entry)
        self.save_button.clicked.connect(self.save)
        self.reviewed_button.clicked.connect(self.mark_reviewed)
        self.delete_button.clicked.connect(self.delete)
        self.undo_button.clicked.connect(self.undo_delete)
        self.import_button.clicked.connect(self.choose_import)
        self.export_button.clicked.connect(self.choose_export)
        for w in (self.title, self.tags, self.theme, self.last_reviewed, self.review_due):
            w.textEdited.connect(self._edited)
        self.body.textChanged.connect(self._edited)
        self.kind.currentIndexChanged.connect(self._edited)
        self.owner.editTextChanged.connect(self._edited)
        shortcut = QShortcut(QKeySequence.StandardKey.Save, self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.save)
        self._show(None)

    # ------------------------------------------------------------------ data
    def set_workspace(self, ws: Workspace) -> None:
        if self.ws is not None:
            self.flush()
        self.ws = ws
        self.current = None
        self.deleted = None
        self.undo_button.setVisible(False)
        self.message.clear()
        self.reload()

    def entries(self) -> list[Entry]:
        """The entries the search and the 'Show' choice select, best match first."""
        text = self.search.text().strip()
        found = [e for e, _snippet in store.search(self.ws.db, text, limit=500)] if text else None
        every = store.list_all(self.ws.db) if found is None else found
        key = self.show_only.currentData()
        if key == "stale":
            return [e for e in every if e.is_stale(self.today)]
        if key:
            return [e for e in every if e.kind == key]
        return every

    def reload(self, select: int | None = None) -> None:
        if self.ws is None:
            return
        if not self.flush():
            return
        keep = select if select is not None else (self.current.id if self.current else None)
        self.model.today = self.today
        rows = self.entries()
        self.current = None
        self.model.set_rows(rows)
        everything = store.list_all(self.ws.db)
        stale = sum(1 for e in everything if e.is_stale(self.today))
        shown = (
            f"{len(rows):,} shown of {len(everything):,}" if len(rows) != len(everything) else ""
        )
        self.summary.setText(
            (
                f"{len(everything):,} entr{'y' if len(everything) == 1 else 'ies'}"
                + (f" ({shown})" if shown else "")
                + (
                    f"; <span style='{colours.style('error')}'><b>{stale:,} need{'s' if stale == 1 else ''} "
                    "review</b></span> (past the review date, or never reviewed)"
                    if stale
                    else "; all reviewed and in date"
                )
            )
            if everything
            else "The library is empty. Press New entry to add a reusable answer, or Import a "
            "partner's library file."
        )
        owners = sorted(set(partner_store.names(self.ws.db)) | {e.owner for e in everything})
        self.owner.blockSignals(True)
        self.owner.clear()
        self.owner.addItems([o for o in owners if o])
        self.owner.blockSignals(False)
        row = next((i for i, e in enumerate(rows) if e.id == keep), 0 if rows else None)
        if row is not None:
            self.view.selectRow(row)
        else:
            self._show(None)

    def _chosen(self, current, _previous) -> None:
        if not self.flush():
            return  # the reason is shown; the form keeps what was typed
        if current.isValid() and current.row() < len(self.model.rows):
            chosen = self.model.rows[current.row()]
            self._show(chosen)
            if self._needs_reload:  # a new entry was saved on the way: list it
                self._needs_reload = False
                QTimer.singleShot(0, lambda: self.reload(chosen.id))

    def _show(self, e: Entry | None) -> None:
        self._loading = True
        try:
            self.current = e
            for w in (self.save_button, self.reviewed_button, self.delete_button):
                w.setEnabled(e is not None and (e.id is not None or w is self.save_button))
            for w in (
                self.title,
                self.kind,
                self.owner,
                self.tags,
                self.theme,
                self.last_reviewed,
                self.review_due,
                self.body,
            ):
                w.setEnabled(e is not None)
            shown = e or Entry(title="")
            self.title.setText(shown.title)
            self.kind.setCurrentText(shown.kind)
            self.owner.setEditText(shown.owner)
            self.tags.setText(", ".join(shown.tags))
            self.theme.setText(shown.theme)
            self.last_reviewed.setText(uk_date(shown.last_reviewed))
            self.review_due.setText(uk_date(shown.review_due))
            self.body.setPlainText(shown.body)
            self._state(e)
        finally:
            self._loading = False
        self._dirty = False

    def _state(self, e: Entry | None) -> None:
        if e is None:
            self.state.setText("Choose an entry on the left, or press New entry.")
            return
        state = e.freshness(self.today)
        text = escape(e.freshness_text(self.today))
        if state in ("stale", "never reviewed"):
            text = f"<span style='{colours.style('error')}'><b>⚠ {text}</b>: check it before it goes in a bid.</span>"
        used = f" Used {e.usage_count:,} time{'s' if e.usage_count != 1 else ''}." if e.id else ""
        self.state.setText(text + used)

    def _edited(self, *_args) -> None:
        if not self._loading and self.current is not None:
            self._dirty = True
            self.message.setText(
                "Unsaved changes: Save (Ctrl+S), or they are saved when you move on."
            )

    def is_dirty(self) -> bool:
        return self._dirty

    # --------------------------------------------------------------- actions
    def _from_form(self) -> Entry:
        """The entry as the form shows it; raises ValueError for a date that is not one."""
        e = self.current
        dates = {}
        for name, widget in (
            ("last reviewed", self.last_reviewed),
            ("review due", self.review_due),
        ):
            text = widget.text().strip()
            try:
                dates[name] = parse_date(text) if text else None
            except ValueError as exc:
                raise ValueError(f"{name.capitalize()}: {exc}.") from None
        return Entry(
            id=e.id,
            uid=e.uid,
            title=self.title.text().strip(),
            body=self.body.toPlainText(),
            kind=self.kind.currentText(),
            owner=self.owner.currentText().strip(),
            tags=[t for t in (x.strip() for x in self.tags.text().split(",")) if t],
            cpv=e.cpv,
            theme=self.theme.text().strip(),
            last_reviewed=dates["last reviewed"],
            review_due=dates["review due"],
            usage_count=e.usage_count,
            last_used=e.last_used,
            created_at=e.created_at,
        )

    def _write(self) -> Entry | None:
        """Store the entry in the form; None (and the reason shown) when it cannot be."""
        try:
            e = self._from_form()
            store.save(self.ws, e)
        except (ValueError, ConsortiumError) as exc:
            self.message.setText(
                f"<span style='{colours.style('error')}'>Not saved: {escape(str(exc))}</span>"
            )
            return None
        self._dirty = False
        self.message.setText(f"Saved “{escape(e.title)}”.")
        self.undo_button.setVisible(False)
        return e

    def save(self) -> bool:
        """Save the entry in the form; True when saved (or nothing to save)."""
        if self.current is None or self.ws is None:
            return True
        e = self._write()
        if e is None:
            return False
        self.current = e
        self.reload(e.id)
        return True

    def flush(self) -> bool:
        """Save unsaved edits, if any, without touching the list (it may be changing under
        us); False when they could not be saved."""
        if not self._dirty or self.current is None or self.ws is None:
            return True
        was_new = self.current.id is None
        e = self._write()
        if e is None:
            return False
        for r, row in enumerate(self.model.rows):
            if row.id == e.id:
                self.model.rows[r] = e
                self.model.dataChanged.emit(self.model.index(r, 0), self.model.index(r, 4))
        if was_new:
            self._needs_reload = True
        self.current = e
        return True

    def new_entry(self) -> None:
        if self.ws is None or not self.flush():
            return
        self.view.clearSelection()
        ours = partner_store.ours(self.ws.db)
        self._show(Entry(title="", owner=ours.name if ours else "", last_reviewed=self.today))
        self.message.setText("Type the entry, then Save.")
        self.title.setFocus()

    def mark_reviewed(self) -> None:
        if self.current is None or self.current.id is None or not self.flush():
            return
        e = store.mark_reviewed(self.ws, self.current.id, self.today)
        self.message.setText(
            f"Marked “{escape(e.title)}” reviewed today; next review by {uk_date(e.review_due)}."
        )
        self.reload(e.id)

    def delete(self) -> None:
        e = self.current
        if e is None or e.id is None:
            return
        answer = QMessageBox.question(
            self, "Delete entry", f"Delete “{e.title}” from the library?\n\nYou can undo this."
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.deleted = store.delete(self.ws, e.id)
        self._dirty = False
        self.current = None
        self.reload()
        self.message.setText(f"Deleted “{escape(e.title)}”.")
        self.undo_button.setVisible(True)

    def undo_delete(self) -> None:
        if self.deleted is None:
            return
        e, self.deleted = self.deleted, None
        e.id = None  # a new row, the same entry (its uid and dates are kept)
        store.save(self.ws, e, keep_updated_at=True)
        self.undo_button.setVisible(False)
        self.message.setText(f"Put back “{escape(e.title)}”.")
        self.reload(e.id)

    def choose_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Import library entries",
            str(Path.home()),
            "Library files (*.json *.xlsx);;All files (*)",
        )
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path):
        if self.ws is None or not self.flush():
            return None
        try:
            result = share.import_entries(self.ws, path)
        except ConsortiumError as exc:
            self.message.setText(
                f"<span style='{colours.style('error')}'>{escape(str(exc))}</span>"
            )
            return None
        self.message.setText(
            f"From {escape(path.name)}: {result.added:,} added, {result.updated:,} updated, "
            f"{result.skipped:,} already up to date."
        )
        self.reload()
        return result

    def choose_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Export library entries",
            str(Path.home() / "Answer library.xlsx"),
            "Excel workbook (*.xlsx);;JSON (*.json)",
        )
        if path:
            if not path.lower().endswith((".xlsx", ".json")):
                path += ".xlsx"
            self.export_to(Path(path))

    def export_to(self, path: Path) -> int | None:
        """Export the entries shown (all of them when nothing narrows the list)."""
        if self.ws is None or not self.flush():
            return None
        ids = [e.id for e in self.model.rows]
        try:
            n = share.export_entries(self.ws.db, path, ids=ids)
        except (ConsortiumError, OSError) as exc:
            self.message.setText(
                f"<span style='{colours.style('error')}'>{escape(str(exc))}</span>"
            )
            return None
        self.message.setText(
            f"Exported {n:,} entr{'y' if n == 1 else 'ies'} to {escape(str(path))}."
        )
        return n
