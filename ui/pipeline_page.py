"""The Pipeline area: awarded contracts in a partner's places and services that end in 6 to 24
months (re-tenders to prepare for), with the incumbent, value, buyer and original notice.
Searchable, sortable by any column, exportable to Excel. A thin view over
``consortium.tenders.pipeline``.

The contracts are found and sorted off the GUI thread (a year of notices holds tens of
thousands of them ending in the window) and shown through a model, which draws only the rows
on screen."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer, QUrl, Signal
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
    QTableView,
    QVBoxLayout,
    QWidget,
)

from consortium.errors import ConsortiumError
from consortium.formatting import iso_date, money, plural, uk_date
from consortium.partners import store as partner_store
from consortium.progress import Cancelled
from consortium.tenders.pipeline import Pipeline, PipelineRow, pipeline, sort_rows
from consortium.workspace import Workspace
from ui.background import LatestJob
from ui.matches_models import RowsTableModel

COLUMNS = ("Ends", "Contract", "Held by", "Value", "Buyer", "Notice")
# The core's order for each column; Value reads highest first, so a click for "lowest first"
# asks for it reversed.
COLUMN_SORTS = ("end", "title", "supplier", "value", "buyer", "notice")
OURS, EVERYONE = "ours", "everyone"
# Pipelines are found here, each on this thread's own reading connection.
_FINDER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="consortium-pipeline")


class PipelineModel(RowsTableModel):
    """Rows of a :class:`~consortium.tenders.pipeline.Pipeline`, as the core sorted them."""

    COLUMNS = COLUMNS

    def data(self, index: QModelIndex | QPersistentModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row: PipelineRow = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            end = iso_date(row.end)
            return (
                uk_date(end) if end else "",
                row.title,
                "; ".join(row.suppliers) or "not given",
                money(row.value) if row.value is not None else "not given",
                row.buyer or "",
                row.notice_id or row.ocid,
            )[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 1:
                return f"{row.tender_title}\n{row.ocid}"
            if column == 0 and row.max_end and row.max_end != row.end:
                return f"Could run to {uk_date(iso_date(row.max_end))} with every extension"
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class PipelinePage(QWidget):
    ABOUT = "Contracts ending in the next 6 to 24 months in your places and services: re-tenders to prepare for."
    tender_requested = Signal(str)

    def __init__(self, run, parent=None):
        super().__init__(parent)
        self.run = run  # the window's background runner: run(title, fn, on_done)
        self.ws: Workspace | None = None
        self.today = dt.date.today()
        self.result: Pipeline | None = None
        self._finder = LatestJob(self, _FINDER, self._show, self._not_found)
        self._sort = ("end", False)
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
        self.model = PipelineModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Contracts ending soon")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setWordWrap(False)
        for column, width in enumerate((100, 320, 230, 110, 220, 110)):
            self.table.setColumnWidth(column, width)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)  # soonest end first
        header.sortIndicatorChanged.connect(self._sort_chosen)
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
        self.table.doubleClicked.connect(lambda _index: self._open())

    def set_workspace(self, ws: Workspace) -> None:
        self.stop()
        self.ws = ws
        self.result = None
        self.model.set_rows([])
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
        """Find the pipeline for the choices on screen, off the GUI thread."""
        if self.ws is None:
            return
        key = self.partner.currentData()
        org = None
        if key not in (None, EVERYONE):
            try:
                org = partner_store.load(self.ws.db, int(key))
            except (ConsortiumError, KeyError, ValueError):
                org = None
        sort, descending = self._sort
        ws, months, text, today = self.ws, self.months.value(), self.search.text(), self.today
        self._ask(
            "Finding contracts…",
            lambda cancelled: pipeline(
                ws, months=months, partner=org, text=text, sort=sort, descending=descending,
                today=today, cancelled=cancelled,
            ),
        )  # fmt: skip

    def stop(self) -> None:
        """Drop the work in hand (a workspace switched or closed): a running job stops at its
        next check, and nothing waits to run after it."""
        self._finder.stop()
        self._timer.stop()

    def _sort_chosen(self, column: int, order: Qt.SortOrder) -> None:
        sort = COLUMN_SORTS[column]
        ascending = order == Qt.SortOrder.AscendingOrder
        self._sort = (sort, ascending if sort == "value" else not ascending)
        result = self.result
        if result is None or self._finder.busy() or self._timer.isActive():
            # The rows on screen are not those of the choices made: find them again, sorted.
            self._timer.stop()
            self.reload()
            return
        sort, descending = self._sort

        def resort(cancelled) -> Pipeline:
            rows = sort_rows(result.rows, sort, descending)
            return Pipeline(
                result.window_from, result.window_to, result.partner_id, result.partner_name, rows
            )

        self._ask("Sorting…", resort)

    def _ask(self, note: str, work) -> None:
        """Run ``work(cancelled)`` on the finder thread; its pipeline is shown when it ends,
        unless a newer request came meanwhile (that one runs next, and this one stops early)."""
        self.message.setText(note)
        self._finder.start(work)

    def _not_found(self, error: BaseException) -> None:
        if not isinstance(error, Cancelled):
            self.message.setText(f"The pipeline could not be read: {error}")

    def busy(self) -> bool:
        """True while a pipeline is being found or sorted (for tests and the walk)."""
        return self._finder.busy()

    def _show(self, result: Pipeline) -> None:
        self.result = result
        self.model.set_rows(result.rows)
        who = f" for {result.partner_name}" if result.partner_name else ""
        if result.rows:
            self.message.setText(
                f"{plural(len(result.rows), 'contract')} ending {uk_date(result.window_from)} to "
                f"{uk_date(result.window_to)}{who}. Click a heading to sort."
            )
        else:
            wider = "everyone's contracts or a longer window" if who else "a longer window"
            self.message.setText(
                f"No awarded contract ends {uk_date(result.window_from)} to "
                f"{uk_date(result.window_to)}{who}. Award notices come with the tenders you "
                f"import or get; try {wider}."
            )

    def selected_row(self) -> PipelineRow | None:
        index = self.table.currentIndex()
        rows = self.table.selectionModel().selectedRows()
        if rows:
            index = rows[0]
        if not index.isValid() or self.result is None:
            return None
        return self.model.item(index.row())

    def _open(self) -> None:
        row = self.selected_row()
        if row is not None:
            self.tender_requested.emit(row.ocid)

    def _notice(self) -> None:
        row = self.selected_row()
        if row is not None and row.notice_url:
            QDesktopServices.openUrl(QUrl(row.notice_url))

    def _export(self) -> None:
        if self.result is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Export the pipeline", str(Path.home() / "pipeline.xlsx"), "Excel (*.xlsx)"
        )
        if not path:
            return
        if not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        result = self.result  # what is on screen now, whatever is chosen while it is written

        def write(progress, cancelled) -> Path:
            # openpyxl is loaded here, on the job's thread, not the window's
            from consortium.tenders.pipeline_xlsx import export_xlsx

            return export_xlsx(result, path, progress, cancelled)

        def saved(out: Path) -> None:
            self.message.setText(f"Saved {plural(len(result.rows), 'contract')} to {out}")

        # Tens of thousands of rows take a while: off the GUI thread, with progress and Cancel.
        self.run("Exporting the pipeline", write, saved)
