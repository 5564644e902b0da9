"""The Pipeline area: awarded contracts in a partner's places and services that end in 6 to 24
months (re-tenders to prepare for), with the incumbent, value, buyer and original notice.
Searchable, sortable by any column, exportable to Excel. A thin view over
``consortium.tenders.pipeline``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from consortium.errors import ConsortiumError
from consortium.formatting import iso_date, money, uk_date
from consortium.partners import store as partner_store
from consortium.tenders.pipeline import Pipeline, pipeline
from consortium.workspace import Workspace

COLUMNS = ("Ends", "Contract", "Held by", "Value", "Buyer", "Notice")
OURS, EVERYONE = "ours", "everyone"


class _Item(QTableWidgetItem):
    """A cell that sorts by a key (a date or an amount), not by its text."""

    def __init__(self, text: str, key):
        super().__init__(text)
        self.key = key
        self.setFlags(self.flags() & ~Qt.ItemFlag.ItemIsEditable)

    def __lt__(self, other) -> bool:
        if isinstance(other, _Item):
            return self.key < other.key  # keys of one column are all text or all numbers
        return super().__lt__(other)


class PipelinePage(QWidget):
    ABOUT = "Contracts ending in the next 6 to 24 months in your places and services: re-tenders to prepare for."
    tender_requested = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.ws: Workspace | None = None
        self.today = dt.date.today()
        self.result: Pipeline | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(
            "<b>Contracts you could bid for next</b>: awarded contracts that end 6 to 24 months "
            "from now, in the chosen partner's places and services. The buyer will re-tender "
            "them: start forming the consortium before the new tender is published."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("For:"))
        self.partner = QComboBox()
        self.partner.setAccessibleName("Whose places and services")
        self.partner.setMinimumWidth(240)
        bar.addWidget(self.partner)
        bar.addWidget(QLabel("Ending within"))
        self.months = QSpinBox()
        self.months.setRange(7, 60)
        self.months.setValue(24)
        self.months.setSuffix(" months")
        self.months.setAccessibleName("Ending within months")
        bar.addWidget(self.months)
        self.search = QLineEdit(placeholderText="Search contract, buyer or supplier")
        self.search.setAccessibleName("Search the pipeline")
        self.search.setClearButtonEnabled(True)
        bar.addWidget(self.search, 1)
        self.export_button = QPushButton("Export to Excel…")
        self.export_button.setAccessibleName("Export the pipeline to Excel")
        bar.addWidget(self.export_button)
        layout.addLayout(bar)
        self.message = QLabel()
        self.message.setAccessibleName("Pipeline result")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setAccessibleName("Contracts ending soon")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setWordWrap(False)
        for column, width in enumerate((100, 330, 230, 110, 230, 110)):
            self.table.setColumnWidth(column, width)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)  # soonest end first, as the core lists them
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.open_button = QPushButton("Show the tender")
        self.open_button.setAccessibleName("Show the tender")
        self.notice_button = QPushButton("Open the original notice")
        self.notice_button.setAccessibleName("Open the original notice")
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.notice_button)
        buttons.addStretch()
        layout.addLayout(buttons)

        self._timer = QTimer(self, singleShot=True, interval=180)
        self._timer.timeout.connect(self.reload)
        self.search.textChanged.connect(self._timer.start)
        self.months.valueChanged.connect(self._timer.start)
        self.partner.currentIndexChanged.connect(self.reload)
        self.export_button.clicked.connect(self._export)
        self.open_button.clicked.connect(self._open)
        self.notice_button.clicked.connect(self._notice)
        self.table.itemDoubleClicked.connect(lambda _item: self._open())

    def set_workspace(self, ws: Workspace) -> None:
        self.ws = ws
        self.partner.blockSignals(True)
        self.partner.setCurrentIndex(-1)  # a new workspace opens on its own organisation
        self.partner.blockSignals(False)
        self.reload_partners()

    def reload_partners(self) -> None:
        """The partners to choose from (the one chosen stays chosen), and the pipeline."""
        if self.ws is None:
            return
        keep = self.partner.currentData()
        self.partner.blockSignals(True)
        self.partner.clear()
        ours = partner_store.ours(self.ws.db)
        if ours is not None:
            self.partner.addItem(f"Our organisation ({ours.name})", ours.id)
        self.partner.addItem("Everyone's contracts (no filter)", EVERYONE)
        for org in partner_store.load_all(self.ws.db):
            if ours is None or org.id != ours.id:
                self.partner.addItem(org.name, org.id)
        self.partner.setCurrentIndex(max(0, self.partner.findData(keep)) if keep is not None else 0)
        self.partner.blockSignals(False)
        self.reload()

    def show_partner(self, org_id: int) -> None:
        """Show one partner's pipeline ("contracts you could bid for next year")."""
        index = self.partner.findData(org_id)
        if index < 0 and self.ws is not None:
            self.set_workspace(self.ws)  # a partner added since the list was filled
            index = self.partner.findData(org_id)
        if index >= 0:
            self.partner.setCurrentIndex(index)

    def reload(self) -> None:
        if self.ws is None:
            return
        key = self.partner.currentData()
        org = None
        if key not in (None, EVERYONE):
            try:
                org = partner_store.load(self.ws.db, int(key))
            except (ConsortiumError, KeyError, ValueError):
                org = None
        self.result = result = pipeline(
            self.ws,
            months=self.months.value(),
            partner=org,
            text=self.search.text(),
            today=self.today,
        )
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(result.rows))
        for i, row in enumerate(result.rows):
            end = iso_date(row.end)
            cells = (
                _Item(uk_date(end) if end else "", row.end),
                _Item(row.title, row.title.lower()),
                _Item("; ".join(row.suppliers) or "not given", "; ".join(row.suppliers).lower()),
                _Item(
                    money(row.value) if row.value is not None else "not given",
                    row.value if row.value is not None else -1.0,
                ),  # unknown: the lowest
                _Item(row.buyer or "", (row.buyer or "").lower()),
                _Item(row.notice_id or row.ocid, row.notice_id or row.ocid),
            )
            cells[0].setData(Qt.ItemDataRole.UserRole, i)
            cells[1].setToolTip(f"{row.tender_title}\n{row.ocid}")
            if row.max_end and row.max_end != row.end:
                could = iso_date(row.max_end)
                cells[0].setToolTip(f"Could run to {uk_date(could)} with every extension")
            cells[3].setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            for column, cell in enumerate(cells):
                self.table.setItem(i, column, cell)
        self.table.setSortingEnabled(True)
        who = f" for {result.partner_name}" if result.partner_name else ""
        if result.rows:
            self.message.setText(
                f"{len(result.rows):,} contract(s) ending {uk_date(result.window_from)} to "
                f"{uk_date(result.window_to)}{who}. Click a heading to sort."
            )
        else:
            self.message.setText(
                f"No awarded contract ends {uk_date(result.window_from)} to "
                f"{uk_date(result.window_to)}{who}. Award notices come with the tenders you "
                "import or get; try everyone's contracts or a longer window."
            )

    def selected_row(self):
        items = self.table.selectedItems()
        if not items or self.result is None:
            return None
        first = self.table.item(items[0].row(), 0)
        return self.result.rows[first.data(Qt.ItemDataRole.UserRole)]

    def _open(self) -> None:
        row = self.selected_row()
        if row is not None:
            self.tender_requested.emit(row.ocid)

    def _notice(self) -> None:
        row = self.selected_row()
        if row is not None and row.notice_url:
            QDesktopServices.openUrl(QUrl(row.notice_url))

    def export_to(self, path: str | Path) -> Path:
        from consortium.tenders.pipeline_xlsx import export_xlsx

        return export_xlsx(self.result, path)

    def _export(self) -> None:
        if self.result is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Export the pipeline", str(Path.home() / "pipeline.xlsx"), "Excel (*.xlsx)"
        )
        if path:
            if not path.lower().endswith(".xlsx"):
                path += ".xlsx"
            out = self.export_to(path)
            self.message.setText(f"Saved {len(self.result.rows):,} contract(s) to {out}")
