"""The Partners area: the searchable list on the left, the editor on the right."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from consortium.partners import store
from consortium.workspace import Workspace
from ui.partner_editor import PartnerEditor
from ui.partners_model import ID_ROLE, PartnerFilter, PartnerRow, PartnerTableModel


class PartnersPage(QWidget):
    """Thin view: reads partners through the core and asks the window to change them."""

    add_requested = Signal()
    delete_requested = Signal(int)
    import_requested = Signal()
    export_requested = Signal()
    opportunities_requested = Signal(int)
    pipeline_requested = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.ws: Workspace | None = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.search = QLineEdit(
            placeholderText="Search partners by name, service, place, number or CPV code…"
        )
        self.search.setAccessibleName("Search partners")
        self.search.setClearButtonEnabled(True)
        top.addWidget(self.search, 1)
        self.count = QLabel()
        self.count.setAccessibleName("Number of partners shown")
        top.addWidget(self.count)
        layout.addLayout(top)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.model = PartnerTableModel(self)
        self.proxy = PartnerFilter(self)
        self.proxy.setSourceModel(self.model)
        self.view = QTableView()
        self.view.setAccessibleName("Partner list")
        self.view.setModel(self.proxy)
        header = self.view.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        header.sortIndicatorChanged.connect(self.model.sort)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(24)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.setWordWrap(False)
        left_layout.addWidget(self.view)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add partner")
        self.add_button.setToolTip("Add a partner organisation (Ctrl+N)")
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete the selected partner (Delete). You can undo it.")
        self.import_button = QPushButton("Import from Excel…")
        self.import_button.setToolTip(
            "Import partners from an Excel workbook, or drag one onto the window"
        )
        self.export_button = QPushButton("Export to Excel…")
        self.opportunities_button = QPushButton("Opportunities…")
        self.opportunities_button.setToolTip(
            "Open tenders this partner could win, alone or with partners"
        )
        for button in (
            self.add_button,
            self.delete_button,
            self.import_button,
            self.export_button,
            self.opportunities_button,
        ):
            button.setAccessibleName(button.text().rstrip("…"))
            buttons.addWidget(button)
        buttons.addStretch()
        left_layout.addLayout(buttons)
        splitter.addWidget(left)
        self.editor = PartnerEditor()
        # Every tab title stays readable: the editor never gets narrower than its tab bar (the
        # list beside it scrolls sideways instead).
        self.editor.tabs.setMinimumWidth(self.editor.tabs.tabBar().sizeHint().width() + 4)
        splitter.addWidget(self.editor)
        self.pipeline_button = self.editor.pipeline_button  # the partner shown's re-tenders
        self.editor.pipeline_requested.connect(self.pipeline_requested)
        splitter.setCollapsible(1, False)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([760, 520])
        self.splitter = splitter
        layout.addWidget(splitter, 1)  # the splitter takes the height, never the search row

        # Filtering waits for a short pause in typing so fast typists never wait on the list.
        self._search_timer = QTimer(self, singleShot=True, interval=80)
        self._search_timer.timeout.connect(self._apply_search)
        self.search.textChanged.connect(self._search_timer.start)
        self.view.selectionModel().currentRowChanged.connect(self._row_changed)
        self.add_button.clicked.connect(self.add_requested)
        self.delete_button.clicked.connect(self._delete_clicked)
        self.import_button.clicked.connect(self.import_requested)
        self.export_button.clicked.connect(self.export_requested)
        self.opportunities_button.clicked.connect(self._opportunities_clicked)
        self._selecting = False
        self._sized = False
        # The partner an undoable write just saved or put back, chosen once the list holds it
        # (the list is read again by the window's change dispatcher, now or when next shown).
        self._wanted: int | None = None

    # ------------------------------------------------------------------ data
    def set_workspace(self, ws: Workspace) -> None:
        self.ws = ws
        self._wanted = None  # a partner of the workspace before
        self.reload()

    def reload(self, select_id: int | None = None) -> None:
        """Re-read the partners from the workspace, keeping (or setting) the selection. A new
        partner being written in the editor stays there (nothing else is chosen under it)."""
        if self.ws is None:
            return
        keep = next(
            (i for i in (select_id, self._wanted, self.editor.current_id()) if i is not None), None
        )
        self._wanted = None
        today = dt.date.today()
        rows = [PartnerRow.from_org(o, today) for o in store.load_all(self.ws.db)]
        self.model.set_rows(rows)
        self._update_count()
        if not self._sized:
            self._sized = True
            for column, width in enumerate((250, 90, 110, 90, 100, 60, 85, 220, 160)):
                self.view.setColumnWidth(column, width)
        if keep is not None and self.select(keep):
            if not self.editor.is_dirty():
                # The record may have changed underneath (undo, import): show it as stored.
                self.editor.load(store.load(self.ws.db, keep))
            return
        if keep is None and self.editor.holds_new() and self.editor.is_dirty():
            return
        if self.proxy.rowCount():
            self.view.selectRow(0)
        else:
            self.editor.load(None)

    def show_partner(self, partner_id: int | None) -> None:
        """After a partner was saved, deleted or put back: choose the one it saved (now if the
        list holds it, else when the list is next read). None: the list chooses."""
        self._wanted = None
        if partner_id is not None and not self.select(partner_id):
            self._wanted = partner_id

    def select(self, partner_id: int) -> bool:
        source_row = self.model.row_for_id(partner_id)
        if source_row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(source_row, 0))
        if not index.isValid():
            return False
        self.view.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.view.scrollTo(index)
        return True

    def selected_id(self) -> int | None:
        index = self.view.selectionModel().currentIndex()
        return index.data(ID_ROLE) if index.isValid() else None

    def _apply_search(self) -> None:
        self.proxy.set_search(self.search.text())
        self._update_count()

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count.setText(
            f"{shown:,} of {total:,} partners" if shown != total else f"{total:,} partners"
        )

    def _row_changed(self, current, _previous) -> None:
        if self._selecting or self.ws is None:
            return
        partner_id = current.data(ID_ROLE) if current.isValid() else None
        if partner_id is None or partner_id == self.editor.current_id():
            return
        self.editor.load(store.load(self.ws.db, partner_id))

    def _opportunities_clicked(self) -> None:
        partner_id = self.selected_id()
        if partner_id is not None:
            self.opportunities_requested.emit(partner_id)

    def _delete_clicked(self) -> None:
        partner_id = self.selected_id()
        if partner_id is not None:
            self.delete_requested.emit(partner_id)
