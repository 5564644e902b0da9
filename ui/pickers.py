"""Pickers for CPV codes (tree + search) and areas (councils by any name, ITL regions)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTreeView,
    QVBoxLayout,
)

from consortium import cpv, places

CODE_ROLE = Qt.ItemDataRole.UserRole + 10


class CpvPicker(QDialog):
    """Browse the CPV tree, or type words or a code to search it. Several can be chosen."""

    def __init__(self, parent=None, chosen: list[str] | None = None):
        super().__init__(parent)
        self.setWindowTitle("Choose services (CPV codes)")
        self.resize(640, 560)
        self._chosen = set(chosen or [])
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                "Type a word (e.g. 'counselling') or a code, or browse the tree. Tick all that apply."
            )
        )
        self.search = QLineEdit(placeholderText="Search services…")
        self.search.setAccessibleName("Search CPV codes")
        self.search.setClearButtonEnabled(True)
        layout.addWidget(self.search)
        self.tree = QTreeView()
        self.tree.setAccessibleName("CPV codes")
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.model = QStandardItemModel(self)
        self.tree.setModel(self.model)
        layout.addWidget(self.tree)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._timer = QTimer(self, singleShot=True, interval=150)
        self._timer.timeout.connect(self._refresh)
        self.search.textChanged.connect(self._timer.start)
        self.model.itemChanged.connect(self._ticked)
        self.tree.expanded.connect(self._fill_children)
        self._show_roots()

    def _item(self, entry: cpv.CpvCode, lazy: bool) -> QStandardItem:
        item = QStandardItem(f"{entry.code}  {entry.label}")
        item.setData(entry.code, CODE_ROLE)
        item.setCheckable(True)
        item.setCheckState(
            Qt.CheckState.Checked if entry.code in self._chosen else Qt.CheckState.Unchecked
        )
        item.setToolTip(f"{entry.full}: {entry.label} ({entry.level})")
        if lazy and cpv.children(entry.code):
            item.appendRow(QStandardItem("…"))  # placeholder until expanded
        return item

    def _show_roots(self) -> None:
        self.model.blockSignals(True)
        self.model.clear()
        for entry in cpv.roots():
            self.model.appendRow(self._item(entry, lazy=True))
        self.model.blockSignals(False)
        self.tree.reset()

    def _fill_children(self, index) -> None:
        item = self.model.itemFromIndex(index)
        if item is None or item.rowCount() != 1 or item.child(0).data(CODE_ROLE):
            return
        self.model.blockSignals(True)
        item.removeRows(0, 1)
        for entry in cpv.children(item.data(CODE_ROLE)):
            item.appendRow(self._item(entry, lazy=True))
        self.model.blockSignals(False)
        self.tree.viewport().update()

    def _refresh(self) -> None:
        text = self.search.text().strip()
        if not text:
            self._show_roots()
            return
        self.model.blockSignals(True)
        self.model.clear()
        for entry in cpv.search(text, limit=200):
            self.model.appendRow(self._item(entry, lazy=False))
        self.model.blockSignals(False)
        self.tree.reset()

    def _ticked(self, item: QStandardItem) -> None:
        code = item.data(CODE_ROLE)
        if not code:
            return
        if item.checkState() == Qt.CheckState.Checked:
            self._chosen.add(code)
        else:
            self._chosen.discard(code)

    def chosen(self) -> list[str]:
        return sorted(self._chosen)


class AreaPicker(QDialog):
    """Find councils by any name variant or code, and ITL regions by name or code."""

    def __init__(self, parent=None, chosen: list[str] | None = None):
        super().__init__(parent)
        self.setWindowTitle("Choose areas served")
        self.resize(520, 520)
        self._chosen = list(chosen or [])
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel("Type part of a council's name (e.g. 'Camden', 'Tower Hamlets') or a region.")
        )
        self.search = QLineEdit(placeholderText="Search councils and regions…")
        self.search.setAccessibleName("Search councils and regions")
        self.search.setClearButtonEnabled(True)
        layout.addWidget(self.search)
        self.results = QListWidget()
        self.results.setAccessibleName("Councils and regions found")
        layout.addWidget(self.results)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.search.textChanged.connect(self._refresh)
        self.results.itemChanged.connect(self._ticked)
        self._refresh("")

    def _refresh(self, text: str) -> None:
        text = text.strip()
        self.results.blockSignals(True)
        self.results.clear()
        entries: list[tuple[str, str]] = []
        if text:
            entries += [
                (c.gss, f"{c.name} — {c.kind}, {places.region_label(c.gss)}")
                for c in places.search_councils(text, limit=40)
            ]
            lowered = text.lower()
            for region in places.regions():
                if lowered in region.name.lower() or region.code.lower() == lowered:
                    entries.append(
                        (region.code, f"{region.name} — ITL{region.level} region {region.code}")
                    )
        else:
            entries += [(code, f"{places.area_name(code)} (chosen)") for code in self._chosen]
            entries += [(r.code, f"{r.name} — ITL{r.level} region") for r in places.regions(1)]
        seen = set()
        for code, label in entries:
            if code in seen:
                continue
            seen.add(code)
            item = QListWidgetItem(label)
            item.setData(CODE_ROLE, code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if code in self._chosen else Qt.CheckState.Unchecked
            )
            self.results.addItem(item)
        self.results.blockSignals(False)

    def _ticked(self, item: QListWidgetItem) -> None:
        code = item.data(CODE_ROLE)
        if item.checkState() == Qt.CheckState.Checked and code not in self._chosen:
            self._chosen.append(code)
        elif item.checkState() != Qt.CheckState.Checked and code in self._chosen:
            self._chosen.remove(code)

    def chosen(self) -> list[str]:
        return list(self._chosen)
