"""The Social value area: a bid's commitments per member with running totals, the assumptions,
a chart of value by theme and by member, and the statement and workbook exports. A thin view
over ``consortium.socialvalue``."""

from __future__ import annotations

from decimal import Decimal
from html import escape
from pathlib import Path

from PySide6.QtCore import QLocale, QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from consortium import places
from consortium.bids import records as bids
from consortium.errors import ConsortiumError
from consortium.formatting import money
from consortium.matching import consortia
from consortium.socialvalue import commitments, frameworks, units
from consortium.text import shortened
from consortium.workspace import Workspace
from ui import colours
from ui.statement_texts import StatementTexts

ID_ROLE = Qt.ItemDataRole.UserRole + 60
COLOURS = ("#1f4e79", "#2e75b6", "#70ad47", "#ffc000", "#c55a11", "#7030a0", "#00b0f0", "#a5a5a5")


UK = QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)


def gbp(value) -> str:
    """To the penny, as in the statement and the calculator (one formatter, one rounding)."""
    return money(value, pence=True) if value is not None else ""


def with_separators(box) -> None:
    """A spin box that shows 60,000, not 60000."""
    box.setLocale(UK)
    box.setGroupSeparatorShown(True)


class BarChart(QWidget):
    """Horizontal bars: value by theme and by member (no chart library needed)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.groups: list[tuple[str, dict[str, Decimal]]] = []
        self.setMinimumHeight(180)
        self.setAccessibleName("Value by theme and by member")

    def set_data(self, groups: list[tuple[str, dict[str, Decimal]]]) -> None:
        self.groups = groups
        rows = sum(len(values) + 1 for _, values in groups)
        self.setMinimumHeight(max(180, rows * 20 + 10))
        self.update()

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        width = self.width()
        label_w = min(300, int(width * 0.42))
        y = 4
        peak = max([float(v) for _, values in self.groups for v in values.values()] or [1.0]) or 1.0
        for title, values in self.groups:
            painter.setPen(colours.ink(self.palette()))
            font = painter.font()
            font.setBold(True)
            painter.setFont(font)
            painter.drawText(QRectF(4, y, width - 8, 18), Qt.AlignmentFlag.AlignLeft, title)
            font.setBold(False)
            painter.setFont(font)
            y += 20
            for k, (name, value) in enumerate(sorted(values.items(), key=lambda kv: -kv[1])):
                painter.setPen(colours.ink(self.palette()))
                painter.drawText(
                    QRectF(8, y, label_w - 12, 18),
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                    painter.fontMetrics().elidedText(
                        name, Qt.TextElideMode.ElideRight, label_w - 14
                    ),
                )
                bar = (width - label_w - 110) * float(value) / peak
                painter.fillRect(
                    QRectF(label_w, y + 3, max(bar, 1), 12), QColor(COLOURS[k % len(COLOURS)])
                )
                painter.drawText(
                    QRectF(label_w + bar + 6, y, 100, 18), Qt.AlignmentFlag.AlignVCenter, gbp(value)
                )
                y += 18
            y += 6


class SocialValuePage(QWidget):
    def __init__(self, run=None, parent=None):
        super().__init__(parent)
        self.run = run  # the window's background runner: run(title, fn, on_done)
        self.ws: Workspace | None = None
        self.result = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("Bid:"))
        self.bid = QComboBox()
        self.bid.setAccessibleName("Bid")
        top.addWidget(self.bid, 1)
        self.statement_button = QPushButton("Statement (.docx)…")
        self.statement_button.setAccessibleName("Export the social value statement")
        self.workbook_button = QPushButton("Calculator workbook (.xlsx)…")
        self.workbook_button.setAccessibleName("Export the calculator workbook")
        top.addWidget(self.statement_button)
        top.addWidget(self.workbook_button)
        layout.addLayout(top)
        self.totals = QLabel()
        self.totals.setWordWrap(True)
        self.totals.setAccessibleName("Running totals")
        self.totals.setStyleSheet("background: #e7f1ff; color: #212529; padding: 6px;")
        layout.addWidget(self.totals)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(0, 8)
        self.table.setAccessibleName("Commitments")
        self.table.setHorizontalHeaderLabels(
            [
                "Member",
                "Measure",
                "Per year",
                "Years",
                "Unit",
                "Present value",
                "Adjustments",
                "Areas",
            ]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((150, 210, 65, 45, 60, 90, 200)):
            self.table.setColumnWidth(column, width)
        lv.addWidget(self.table, 2)
        form_box = QGroupBox("Add a commitment")
        form = QFormLayout(form_box)
        self.member = QComboBox()
        self.measure = QComboBox()
        self.quantity = QDoubleSpinBox(minimum=0, maximum=10_000_000, decimals=2)
        self.years = QSpinBox(minimum=1, maximum=30)
        self.deadweight = QDoubleSpinBox(minimum=0, maximum=100, suffix=" %")
        self.displacement = QDoubleSpinBox(minimum=0, maximum=100, suffix=" %")
        self.attribution = QDoubleSpinBox(minimum=0, maximum=100, suffix=" %")
        self.dropoff = QDoubleSpinBox(minimum=0, maximum=100, suffix=" %")
        self.evidence = QLineEdit(
            placeholderText="Evidence to keep, e.g. payroll records, attendance registers"
        )
        self.measure.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.measure.setMinimumContentsLength(30)
        self.measure_value = QLabel()
        self.measure_value.setWordWrap(True)
        self.measure_value.setAccessibleName("Measure value")
        self.areas = QLineEdit()
        self.areas.setPlaceholderText("Councils, separated by commas, e.g. Milton Keynes, Bedford")
        self.areas.setToolTip("Where the commitment is delivered; it starts as the tender's places")
        self._default_areas: list[str] = []
        with_separators(self.quantity)
        # Two to a row, so the table above keeps its height on a 768-pixel screen.
        for label, w in (
            ("Member", self.member),
            ("Measure", self.measure),
            ("Valued at", self.measure_value),
            ("Quantity per year", self.quantity),
            ("Years", self.years),
            ("Deadweight", self.deadweight),
            ("Displacement", self.displacement),
            ("Attribution", self.attribution),
            ("Drop-off from year 2", self.dropoff),
            ("Councils", self.areas),
            ("Evidence", self.evidence),
        ):
            w.setAccessibleName(label)
        for w in (self.deadweight, self.displacement, self.attribution, self.dropoff):
            w.setToolTip(
                {
                    self.deadweight: "The share that would have happened anyway",
                    self.displacement: "The share that only moves the benefit from elsewhere",
                    self.attribution: "The share owed to others' work",
                    self.dropoff: "How much the effect falls each year after the first",
                }[w]
            )
        form.addRow("Member", self.member)
        form.addRow("Measure", self.measure)
        form.addRow("Valued at", self.measure_value)
        for first, second in (
            (("Quantity per year", self.quantity), ("Years", self.years)),
            (("Deadweight", self.deadweight), ("Displacement", self.displacement)),
            (("Attribution", self.attribution), ("Drop-off from year 2", self.dropoff)),
        ):
            pair = QHBoxLayout()
            pair.addWidget(first[1], 1)
            pair.addWidget(QLabel(second[0]))
            pair.addWidget(second[1], 1)
            form.addRow(first[0], pair)
        form.addRow("Councils", self.areas)
        form.addRow("Evidence", self.evidence)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add commitment")
        self.add_button.setToolTip("Add this member's commitment to the bid")
        self.remove_button = QPushButton("Remove selected")
        self.remove_button.setToolTip("Remove the commitment chosen in the table (you can undo)")
        self.undo_button = QPushButton("Undo remove")
        self.undo_button.setToolTip("Put back the commitment just removed")
        self.undo_button.setVisible(False)
        self.removed: commitments.Commitment | None = None
        for b in (self.add_button, self.remove_button, self.undo_button):
            b.setAccessibleName(b.text())
            buttons.addWidget(b)
        form.addRow(buttons)
        lv.addWidget(form_box)
        splitter.addWidget(left)

        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        assumptions = QGroupBox("Assumptions")
        af = QFormLayout(assumptions)
        self.inputs = QDoubleSpinBox(
            minimum=0, maximum=1e10, decimals=0, prefix="£", singleStep=1000
        )
        self.inputs.setToolTip("The investment the SROI ratio is taken over")
        with_separators(self.inputs)
        self.discount_year1 = QCheckBox("Discount year 1 too")
        self.weighting = QDoubleSpinBox(
            minimum=-1, maximum=100, decimals=1, suffix=" %", specialValueText="not known"
        )
        self.weighting.setToolTip(
            "The buyer's social value weighting in the evaluation (not the same as value ÷ contract)"
        )
        for label, w in (
            ("Inputs (investment)", self.inputs),
            ("", self.discount_year1),
            ("Tender's social value weighting", self.weighting),
        ):
            w.setAccessibleName(label or w.text())
            af.addRow(label, w)
        self.save_assumptions = QPushButton("Save assumptions")
        self.save_assumptions.setAccessibleName("Save assumptions")
        af.addRow(self.save_assumptions)
        rv.addWidget(assumptions)
        self.chart = BarChart()
        rv.addWidget(self.chart, 1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Social value message")
        rv.addWidget(self.message)
        splitter.addWidget(right)
        splitter.setSizes([760, 520])
        self.splitter = splitter
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Social value views")
        self.tabs.addTab(splitter, "Commitments")
        self.texts = StatementTexts()
        self.tabs.addTab(self.texts, "Statement texts")
        self.tabs.addTab(self._delivery_tab(), "Delivery after award")
        layout.addWidget(self.tabs, 1)

        self.bid.currentIndexChanged.connect(lambda _i: self.reload())
        self.add_button.clicked.connect(self.add)
        self.remove_button.clicked.connect(self.remove)
        self.undo_button.clicked.connect(self.undo_remove)
        self.member.currentIndexChanged.connect(lambda _i: self._fill_areas())
        self.measure.currentIndexChanged.connect(lambda _i: self._show_measure())
        self.save_assumptions.clicked.connect(self.save_settings)
        self.statement_button.clicked.connect(self.choose_statement)
        self.workbook_button.clicked.connect(self.choose_workbook)

    def _delivery_tab(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.addWidget(
            QLabel("What was delivered against each commitment, period by period, with evidence.")
        )
        self.progress = QTableWidget(0, 8)
        self.progress.setAccessibleName("Committed against delivered")
        self.progress.setHorizontalHeaderLabels(
            [
                "Member",
                "Measure",
                "Unit",
                "Committed",
                "Delivered",
                "%",
                "People reached",
                "Value delivered",
            ]
        )
        self.progress.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.progress.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.progress.horizontalHeader().setStretchLastSection(True)
        self.progress.setColumnWidth(1, 300)
        v.addWidget(self.progress, 1)
        box = QGroupBox("Record delivery for the selected commitment")
        form = QFormLayout(box)
        self.period = QLineEdit(placeholderText="2027, 2027-Q1 or 2027-04")
        self.delivered_qty = QDoubleSpinBox(minimum=0, maximum=10_000_000, decimals=2)
        self.spend = QDoubleSpinBox(minimum=0, maximum=1e9, decimals=0, prefix="£")
        with_separators(self.spend)
        with_separators(self.delivered_qty)
        self.people = QSpinBox(minimum=0, maximum=1_000_000)
        self.evidence_files: list[Path] = []
        self.evidence_label = QLabel("No evidence files chosen")
        choose = QPushButton("Choose evidence files…")
        choose.setAccessibleName("Choose evidence files")
        choose.clicked.connect(self._choose_evidence)
        for label, w in (
            ("Period", self.period),
            ("Quantity delivered", self.delivered_qty),
            ("Spend in the period", self.spend),
            ("People reached", self.people),
        ):
            w.setAccessibleName(label)
            form.addRow(label, w)
        form.addRow(choose, self.evidence_label)
        self.record_button = QPushButton("Record delivery")
        self.record_button.setAccessibleName("Record delivery")
        self.record_button.clicked.connect(self.record_delivery)
        form.addRow(self.record_button)
        v.addWidget(box)
        return page

    def _choose_evidence(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Evidence for this delivery", str(Path.home())
        )
        self.evidence_files = [Path(p) for p in paths]
        self.evidence_label.setText(
            ", ".join(p.name for p in self.evidence_files) or "No evidence files chosen"
        )

    def reload_progress(self) -> None:
        from consortium.socialvalue import tracking

        bid_id = self.bid.currentData()
        rows = (
            tracking.committed_vs_delivered(self.ws.db, bid_id)
            if self.ws is not None and bid_id is not None
            else []
        )
        self.progress.setRowCount(len(rows))
        for r, p in enumerate(rows):
            pct = p.percent
            values = [
                p.member,
                p.measure,
                p.unit,
                units.amount(p.committed, p.unit) if p.unit == "£" else units.number(p.committed),
                units.amount(p.delivered, p.unit) if p.unit == "£" else units.number(p.delivered),
                f"{pct:.0f}%" if pct is not None else "",
                str(p.people),
                gbp(p.value_delivered),
            ]
            for c, v in enumerate(values):
                cell = QTableWidgetItem(v)
                cell.setData(ID_ROLE, p.commitment.id)
                self.progress.setItem(r, c, cell)

    def record_delivery(self) -> None:
        from consortium.socialvalue import tracking

        row = self.progress.currentRow()
        if row < 0:
            self.message.setText("Select a commitment in the Delivery table first.")
            return
        try:
            tracking.record(
                self.ws,
                self.progress.item(row, 0).data(ID_ROLE),
                self.period.text().strip(),
                Decimal(str(self.delivered_qty.value())),
                spend=Decimal(str(round(self.spend.value()))),
                people=self.people.value(),
                evidence=self.evidence_files,
            )
        except ConsortiumError as exc:
            self.message.setText(colours.span("error", str(exc)))
            return
        self.evidence_files = []
        self.evidence_label.setText("No evidence files chosen")
        self.message.setText("Delivery recorded.")
        self.reload_progress()
        self.progress.selectRow(row)

    # ------------------------------------------------------------------ data
    def set_workspace(self, ws: Workspace) -> None:
        self.ws = ws
        self.reload_bids()

    def reload_bids(self, select: int | None = None) -> None:
        if self.ws is None:
            return
        keep = select if select is not None else self.bid.currentData()
        self.bid.blockSignals(True)
        self.bid.clear()
        for b in bids.list_all(self.ws.db):
            self.bid.addItem(b.name, b.id)
        if keep is not None and self.bid.findData(keep) >= 0:
            self.bid.setCurrentIndex(self.bid.findData(keep))
        self.bid.blockSignals(False)
        self.measure.clear()
        for m in frameworks.list_measures(self.ws.db):
            value = f" — {units.rate(m.proxy_value, m.unit)}" if m.monetised else " — recorded"
            self.measure.addItem(
                f"{m.code} {shortened(m.description, 60)}{value}", (m.framework_id, m.code)
            )
            self.measure.setItemData(
                self.measure.count() - 1, m.description, Qt.ItemDataRole.ToolTipRole
            )
        self._show_measure()
        self.reload()

    def choose_bid(self, bid_id: int | None) -> None:
        """Show this bid (the one worked on in Bids), if listed; a choice, not a reload."""
        index = self.bid.findData(bid_id) if bid_id is not None else -1
        if index >= 0 and index != self.bid.currentIndex():
            self.bid.setCurrentIndex(index)  # shows its commitments

    def reload(self) -> None:
        bid_id = self.bid.currentData()
        enabled = self.ws is not None and bid_id is not None
        for w in (
            self.add_button,
            self.remove_button,
            self.save_assumptions,
            self.statement_button,
            self.workbook_button,
        ):
            w.setEnabled(enabled)
        self.texts.set_bid(self.ws, bid_id if enabled else None)
        if not enabled:
            self.table.setRowCount(0)
            self.totals.setText(
                "Create a bid in the Bids area, then record its social value commitments here."
            )
            self.chart.set_data([])
            return
        bid = bids.load(self.ws.db, bid_id)
        c = consortia.load(self.ws.db, bid.consortium_id)
        self.member.blockSignals(True)
        self.member.clear()
        for m in c.members:
            self.member.addItem(m.name, m.org_id)
        self.member.blockSignals(False)
        self._fill_areas()
        settings = commitments.load_settings(self.ws.db, bid_id)
        self.inputs.setValue(float(settings.inputs))
        self.discount_year1.setChecked(settings.discount_year1)
        self.weighting.setValue(
            -1 if settings.weighting_pct is None else float(settings.weighting_pct)
        )
        items = commitments.list_for_bid(self.ws.db, bid_id)
        self.result = commitments.calculate_bid(self.ws.db, bid_id) if items else None
        names = commitments.member_names(self.ws.db, [i.org_id for i in items])
        measures = frameworks.measures_by_key(self.ws.db)
        pv_by_id = (
            {line.line.key: line.present_value for line in self.result.lines} if self.result else {}
        )
        self.table.setRowCount(len(items))
        for r, item in enumerate(items):
            m = measures.get((item.framework_id, item.measure_code))
            # Stored as shares (0.2); shown as people think of them (20%).
            adjustments = (
                ", ".join(
                    f"{label} {float(getattr(item, name)) * 100:g}%"
                    for label, name in (
                        ("deadweight", "deadweight"),
                        ("displacement", "displacement"),
                        ("attribution", "attribution"),
                        ("drop-off", "dropoff"),
                    )
                    if getattr(item, name)
                )
                or "none"
            )
            values = [
                names.get(item.org_id, ""),
                f"{item.measure_code} {m.description if m else ''}",
                units.amount(item.quantity, m.unit)
                if m and m.unit == "£"
                else units.number(item.quantity),
                str(item.years),
                m.unit if m else "",
                gbp(pv_by_id.get(item.id)) if m and m.monetised else "recorded",
                adjustments,
                ", ".join(places.area_name(a) for a in item.areas),
            ]
            for col, v in enumerate(values):
                cell = QTableWidgetItem(v)
                cell.setData(ID_ROLE, item.id)
                self.table.setItem(r, col, cell)
        self._totals(settings)
        self.reload_progress()

    def _totals(self, settings) -> None:
        result = self.result
        if result is None:
            self.totals.setText("No commitments yet: add them below, member by member.")
            self.chart.set_data([])
            return
        ratio = (
            f"£{result.sroi_ratio:.2f} of social value for every £1 invested"
            if result.sroi_ratio is not None
            else "set the inputs to see the SROI ratio"
        )
        share = (
            f"{result.value_to_contract:.1%} of the contract value"
            if result.value_to_contract is not None
            else "contract value not known"
        )
        weighting = (
            f"{settings.weighting_pct:g}%" if settings.weighting_pct is not None else "not known"
        )
        self.totals.setText(
            f"<b>Present value {escape(gbp(result.present_value))}</b> (gross {escape(gbp(result.gross))}, net before discounting "
            f"{escape(gbp(result.net_undiscounted))}). SROI: {escape(ratio)}. Monetised value is {escape(share)}; the tender's "
            f"social value weighting is {escape(weighting)} — a different thing."
        )
        self.chart.set_data([("By theme", result.by_theme), ("By member", result.by_member)])

    # --------------------------------------------------------------- actions
    def _fill_areas(self) -> None:
        """The councils box starts as the tender's places (for the member chosen)."""
        bid_id, org_id = self.bid.currentData(), self.member.currentData()
        if self.ws is None or bid_id is None or org_id is None:
            self._default_areas = []
            self.areas.clear()
            return
        self._default_areas = commitments.default_areas(self.ws.db, bid_id, org_id)
        self.areas.setText(", ".join(places.area_name(a) for a in self._default_areas))

    def _show_measure(self) -> None:
        key = self.measure.currentData()
        m = frameworks.measures_by_key(self.ws.db).get(tuple(key)) if self.ws and key else None
        if m is None:
            self.measure_value.clear()
        elif m.monetised:
            year = f" ({m.price_year} prices)" if m.price_year else ""
            self.measure_value.setText(f"{units.rate(m.proxy_value, m.unit)}{year}")
            self.measure_value.setToolTip(f"Source: {m.source}")
        else:
            self.measure_value.setText(f"Recorded in {m.unit}, not given a £ value")

    def _areas(self) -> list[str]:
        text = self.areas.text().strip()
        if text == ", ".join(places.area_name(a) for a in self._default_areas):
            return list(self._default_areas)
        return commitments.areas_from_text(text)

    def add(self) -> None:
        bid_id, org_id, key = (
            self.bid.currentData(),
            self.member.currentData(),
            self.measure.currentData(),
        )
        if bid_id is None or org_id is None or key is None:
            return
        try:
            item = commitments.Commitment(
                bid_id=bid_id,
                org_id=org_id,
                framework_id=key[0],
                measure_code=key[1],
                quantity=Decimal(str(self.quantity.value())),
                years=self.years.value(),
                areas=self._areas(),
                evidence=self.evidence.text().strip(),
                deadweight=Decimal(str(self.deadweight.value())) / 100,
                displacement=Decimal(str(self.displacement.value())) / 100,
                attribution=Decimal(str(self.attribution.value())) / 100,
                dropoff=Decimal(str(self.dropoff.value())) / 100,
            )
            commitments.add(self.ws, item)
        except ConsortiumError as exc:
            self.message.setText(colours.span("error", str(exc)))
            return
        self.message.clear()
        self.undo_button.setVisible(False)
        self.reload()

    def remove(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            self.message.setText("Choose the commitment to remove in the table first.")
            return
        what = f"{self.table.item(row, 0).text()}: {self.table.item(row, 1).text()}"
        answer = QMessageBox.question(
            self,
            "Remove commitment",
            f"Remove this commitment from the bid?\n\n{what}\n\nYou can undo this.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.removed = commitments.delete(self.ws, self.table.item(row, 0).data(ID_ROLE))
        self.reload()
        self.message.setText(f"Removed {escape(what)}.")
        self.undo_button.setVisible(self.removed is not None)

    def undo_remove(self) -> None:
        if self.removed is None or self.ws is None:
            return
        c, self.removed = self.removed, None
        commitments.restore(self.ws, c)
        self.undo_button.setVisible(False)
        self.reload()
        self.message.setText("Put the commitment back.")

    def save_settings(self) -> None:
        bid_id = self.bid.currentData()
        if bid_id is None:
            return
        settings = commitments.load_settings(self.ws.db, bid_id)
        settings.inputs = Decimal(str(round(self.inputs.value())))
        settings.discount_year1 = self.discount_year1.isChecked()
        settings.weighting_pct = (
            None if self.weighting.value() < 0 else Decimal(str(self.weighting.value()))
        )
        commitments.save_settings(self.ws, bid_id, settings)
        self.reload()

    def choose_workbook(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Save the calculator workbook",
            str(Path.home() / "Social value calculator.xlsx"),
            "Excel workbook (*.xlsx)",
        )
        if path:
            self.export_workbook(Path(path), background=True)

    def export_workbook(self, path: Path, background: bool = False) -> Path | None:
        """Write the calculator workbook; ``background``: off the window's thread, through the
        window's runner (the result then reaches the message, and None is returned)."""
        from consortium.socialvalue import workbook

        if self.result is None:
            self.message.setText("Add commitments first.")
            return None
        result, title = self.result, self.bid.currentText()

        def saved(out: Path) -> Path:
            self.message.setText(
                f"Saved the calculator workbook to {escape(str(out))}: every figure is a live "
                "formula."
            )
            return out

        return self._save(
            "Saving the calculator workbook",
            lambda: workbook.build(result, path, title=title),
            saved,
            background,
        )

    def choose_statement(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Save the social value statement",
            str(Path.home() / "Social value statement.docx"),
            "Word document (*.docx)",
        )
        if path:
            self.export_statement(Path(path), background=True)

    def export_statement(self, path: Path, background: bool = False) -> Path | None:
        """Write the statement (Word); ``background`` as for :meth:`export_workbook`."""
        if not self.texts.flush():
            return None  # the reason is shown beside the texts
        try:
            from consortium.socialvalue import statement
        except ImportError:
            self.message.setText("The statement is not available in this version.")
            return None
        ws, bid_id = self.ws, self.bid.currentData()

        def saved(out: Path) -> Path:
            self.message.setText(f"Saved the statement to {escape(str(out))}.")
            return out

        return self._save(
            "Saving the social value statement",
            lambda: statement.build(ws, bid_id, path),
            saved,
            background,
        )

    def _save(self, title: str, write, saved, background: bool) -> Path | None:
        """``saved(write())``: in the background through the window's runner (a Word or Excel
        document takes a few tenths of a second to write), else here."""
        if background and self.run is not None:
            self.run(title, lambda _progress, _cancelled: write(), saved)
            return None
        try:
            return saved(write())
        except ConsortiumError as exc:
            self.message.setText(colours.span("error", str(exc)))
            return None
