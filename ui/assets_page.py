"""The locality asset register (for a housing association): list, edit, export to Excel."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from consortium import assets, places
from consortium.errors import ConsortiumError
from consortium.formatting import parse_date, uk_date
from consortium.workspace import Workspace
from ui import colours

ID_ROLE = Qt.ItemDataRole.UserRole + 30


class AssetsPage(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.ws: Workspace | None = None
        self.current_id: int | None = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.area = QLineEdit(
            placeholderText="Show assets in a council or region, e.g. Camden or TLI"
        )
        self.area.setAccessibleName("Area to show")
        self.area.setClearButtonEnabled(True)
        self.export_button = QPushButton("Export to Excel…")
        self.export_button.setAccessibleName("Export assets to Excel")
        top.addWidget(self.area, 1)
        top.addWidget(self.export_button)
        layout.addLayout(top)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.table = QTableWidget(0, 5)
        self.table.setAccessibleName("Community assets")
        self.table.setHorizontalHeaderLabels(["Name", "Kind", "Council", "Ownership", "Delivery"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 240)
        splitter.addWidget(self.table)
        editor = QWidget()
        form = QFormLayout(editor)
        self.name = QLineEdit()
        self.kind = QComboBox()
        self.kind.addItems(assets.KINDS)
        self.council = QLineEdit(placeholderText="Council name, e.g. Milton Keynes")
        self.address = QLineEdit()
        self.postcode = QLineEdit()
        self.owner = QLineEdit()
        self.availability = QLineEdit(placeholderText="e.g. Weekdays 9–5; evenings by arrangement")
        self.capacity = QSpinBox(minimum=-1, maximum=100_000, specialValueText="not recorded")
        self.for_ownership = QCheckBox("Suitable for community ownership")
        self.for_delivery = QCheckBox("Suitable for delivering services from")
        self.transferred_to = QLineEdit(placeholderText="Community organisation that now owns it")
        self.transferred_on = QLineEdit(placeholderText="Date ownership passed, e.g. 1/3/2027")
        for label, widget in (
            ("Name", self.name),
            ("Kind", self.kind),
            ("Council", self.council),
            ("Address", self.address),
            ("Postcode", self.postcode),
            ("Owner", self.owner),
            ("Availability", self.availability),
            ("Capacity (people)", self.capacity),
            ("", self.for_ownership),
            ("", self.for_delivery),
            ("Passed to", self.transferred_to),
            ("On", self.transferred_on),
        ):
            widget.setAccessibleName(label or widget.text())
            form.addRow(label, widget)
        self.problems = QLabel()
        self.problems.setStyleSheet(colours.style("error"))
        self.problems.setWordWrap(True)
        form.addRow(self.problems)
        buttons = QHBoxLayout()
        self.new_button = QPushButton("New asset")
        self.save_button = QPushButton("Save asset")
        self.delete_button = QPushButton("Delete asset")
        for b in (self.new_button, self.delete_button, self.save_button):
            b.setAccessibleName(b.text())
            buttons.addWidget(b)
        form.addRow(buttons)
        splitter.addWidget(editor)
        splitter.setSizes([560, 560])
        layout.addWidget(splitter, 1)
        self.area.textChanged.connect(self.reload)
        self.table.currentCellChanged.connect(self._chosen)
        self.new_button.clicked.connect(lambda: self._show(assets.Asset(name="")))
        self.save_button.clicked.connect(self.save)
        self.delete_button.clicked.connect(self.delete)
        self.export_button.clicked.connect(self.choose_export)

    def set_workspace(self, ws: Workspace) -> None:
        self.ws = ws
        self.reload()

    def _area_code(self) -> str | None:
        text = self.area.text().strip()
        if not text:
            return None
        council = places.find_council(text)
        return council.gss if council else (places.to_itl(text.upper()) or text)

    def reload(self) -> None:
        if self.ws is None:
            return
        area = self._area_code()
        items = assets.in_area(self.ws.db, area) if area else assets.list_all(self.ws.db)
        self.table.setRowCount(len(items))
        for r, a in enumerate(items):
            values = [
                a.name,
                a.kind,
                places.area_name(a.council) if a.council else "",
                "Yes" if a.for_ownership else "No",
                "Yes" if a.for_delivery else "No",
            ]
            for c, v in enumerate(values):
                item = QTableWidgetItem(v)
                item.setData(ID_ROLE, a.id)
                self.table.setItem(r, c, item)
        self.items = {a.id: a for a in items}
        if not items:
            self._show(assets.Asset(name=""))

    def _chosen(self, row, _column, _prev_row, _prev_column) -> None:
        item = self.table.item(row, 0) if row >= 0 else None
        if item is not None:
            self._show(self.items[item.data(ID_ROLE)])

    def _show(self, a: assets.Asset) -> None:
        self.current_id = a.id
        self.name.setText(a.name)
        self.kind.setCurrentText(a.kind)
        self.council.setText(places.area_name(a.council) if a.council else "")
        self.address.setText(a.address)
        self.postcode.setText(a.postcode)
        self.owner.setText(a.owner)
        self.availability.setText(a.availability)
        self.capacity.setValue(-1 if a.capacity is None else a.capacity)
        self.for_ownership.setChecked(a.for_ownership)
        self.for_delivery.setChecked(a.for_delivery)
        self.transferred_to.setText(a.transferred_to)
        self.transferred_on.setText(uk_date(a.transferred_on))
        self.problems.clear()

    def edited(self) -> assets.Asset:
        council_text = self.council.text().strip()
        council = places.find_council(council_text) if council_text else None
        if council_text and council is None:
            raise assets.AssetError(
                f"'{council_text}' is not a UK council; type its name, e.g. Milton Keynes."
            )
        on_text = self.transferred_on.text().strip()
        try:
            transferred_on = parse_date(on_text) if on_text else None
        except ValueError as exc:
            raise assets.AssetError(f"Ownership date: {exc}") from None
        return assets.Asset(
            id=self.current_id,
            transferred_to=self.transferred_to.text().strip(),
            transferred_on=transferred_on,
            name=self.name.text(),
            kind=self.kind.currentText(),
            council=council.gss if council else "",
            address=self.address.text().strip(),
            postcode=self.postcode.text().strip(),
            owner=self.owner.text().strip(),
            availability=self.availability.text().strip(),
            capacity=None if self.capacity.value() < 0 else self.capacity.value(),
            for_ownership=self.for_ownership.isChecked(),
            for_delivery=self.for_delivery.isChecked(),
        )

    def save(self) -> None:
        if self.ws is None:
            return
        try:
            self.current_id = assets.save(self.ws, self.edited())
        except ConsortiumError as exc:
            self.problems.setText(str(exc))
            return
        self.reload()
        self.problems.setText("Saved.")

    def delete(self) -> None:
        if self.ws is None or self.current_id is None:
            return
        try:
            assets.delete(self.ws, self.current_id)
        except ConsortiumError as exc:
            self.problems.setText(str(exc))
            return
        self.current_id = None
        self.reload()

    def choose_export(self) -> None:
        if self.ws is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Export the asset register",
            str(Path.home() / "Community assets.xlsx"),
            "Excel workbook (*.xlsx)",
        )
        if path:
            out = assets.export_xlsx(
                self.ws,
                path if path.lower().endswith(".xlsx") else path + ".xlsx",
                self._area_code(),
            )
            self.problems.setText(f"Exported to {out}")
