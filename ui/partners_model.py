"""The partner list: a table model over summary rows, and a filter for search-as-you-type."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from consortium.formatting import money, uk_date
from consortium.partners.rules import area_label
from consortium.records import Organisation

ID_ROLE = Qt.ItemDataRole.UserRole + 2

RED = QColor("#f8d7da")
AMBER = QColor("#fff3cd")
GREEN = QColor("#d1e7dd")
GREY = QColor("#e9ecef")
_STATUS = {
    "expired": ("Expired", RED, 0),
    "missing": ("None held", GREY, 1),
    "soon": ("Due soon", AMBER, 2),
    "ok": ("OK", GREEN, 3),
}


@dataclass
class PartnerRow:
    """What the list shows for one partner, computed once when the list loads."""

    id: int
    name: str
    is_ours: bool
    legal_form: str
    areas: str
    turnover: int | None
    staff: int | None
    volunteers: int | None
    readiness: dict[str, str]
    details: dict[str, str]  # per kind: which items are expired or due, for the tooltip
    search_text: str

    @classmethod
    def from_org(cls, org: Organisation, today: dt.date) -> PartnerRow:
        latest = org.latest_turnover()
        areas = ", ".join(filter(None, (area_label(a) or a for a in org.areas)))
        details: dict[str, str] = {}
        for kind in ("insurance", "accreditation", "policy"):
            lines = []
            for cred in org.credentials:
                if cred.kind != kind:
                    continue
                status = cred.status(today)
                when = uk_date(cred.expires) if cred.expires else "no date"
                label = {"expired": "expired", "soon": "due", "ok": "valid to"}.get(status, "")
                lines.append(f"{cred.type}: {label} {when}".replace("  ", " "))
            details[kind] = "\n".join(lines) or f"No {kind} recorded"
        search = " ".join(
            [org.name, org.services, areas, org.charity_number, org.company_number, org.postcode]
            + org.cpv_codes
            + org.beneficiaries
        ).lower()
        return cls(
            id=org.id or 0,
            name=org.name,
            is_ours=org.is_ours,
            legal_form=SHORT_LEGAL_FORMS.get(org.legal_form, org.legal_form),
            areas=areas,
            turnover=latest[1] if latest else None,
            staff=org.staff,
            volunteers=org.volunteers,
            readiness=org.readiness(today),
            details=details,
            search_text=search,
        )


# Readiness flags come straight after the name: they are what people scan the list for.
COLUMNS = (
    "Name",
    "Insurance",
    "Accreditations",
    "Policies",
    "Turnover",
    "Staff",
    "Volunteers",
    "Areas served",
    "Legal form",
)
_READINESS_COLUMNS = {1: "insurance", 2: "accreditation", 3: "policy"}
SHORT_LEGAL_FORMS = {
    "charity": "Charity",
    "cio": "CIO",
    "cic": "CIC",
    "clg": "Company (CLG)",
    "cbs": "Community benefit society",
    "unincorporated": "Unincorporated",
    "housing_association": "Housing association",
    "other": "Other",
}


class PartnerTableModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[PartnerRow] = []

    # -- loading
    def set_rows(self, rows: list[PartnerRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._order()
        self.endResetModel()

    _sort_column = 0
    _descending = False

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        """Sorted here, once, in Python: a sorting proxy would call data() tens of thousands of
        times on every keystroke of the search."""
        self.layoutAboutToBeChanged.emit()
        old = {id(r): i for i, r in enumerate(self._rows)}
        self._sort_column, self._descending = column, order == Qt.SortOrder.DescendingOrder
        self._order()
        new_position = {old[id(r)]: i for i, r in enumerate(self._rows)}
        for index in self.persistentIndexList():
            self.changePersistentIndex(index, self.index(new_position[index.row()], index.column()))
        self.layoutChanged.emit()

    def _order(self) -> None:
        column = self._sort_column
        key = _SORT_KEYS.get(column, _SORT_KEYS[0])
        self._rows.sort(key=lambda r: (key(r), r.name.lower(), r.id), reverse=self._descending)

    def row_for_id(self, partner_id: int) -> int | None:
        for i, row in enumerate(self._rows):
            if row.id == partner_id:
                return i
        return None

    def partner(self, row: int) -> PartnerRow:
        return self._rows[row]

    # -- Qt model interface
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section]
            if role == Qt.ItemDataRole.ToolTipRole and section in _READINESS_COLUMNS:
                return "Red: expired. Amber: expires within 60 days. Grey: none recorded."
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == ID_ROLE:
            return row.id
        if column in _READINESS_COLUMNS:
            status = row.readiness.get(_READINESS_COLUMNS[column], "missing")
            text, colour, _rank = _STATUS[status]
            if role == Qt.ItemDataRole.DisplayRole:
                return text
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(colour)
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(QColor("#212529"))
            if role == Qt.ItemDataRole.ToolTipRole:
                return row.details.get(_READINESS_COLUMNS[column], "")
            if role == Qt.ItemDataRole.AccessibleTextRole:
                return f"{COLUMNS[column]}: {text}"
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == 0:
                return f"{row.name}  (our organisation)" if row.is_ours else row.name
            if column == 4:
                return money(row.turnover) if row.turnover is not None else ""
            if column == 5:
                return "" if row.staff is None else f"{row.staff:,}"
            if column == 6:
                return "" if row.volunteers is None else f"{row.volunteers:,}"
            if column == 7:
                return row.areas
            if column == 8:
                return row.legal_form
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (4, 5, 6):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and column == 0 and row.is_ours:
            from PySide6.QtGui import QFont

            font = QFont()
            font.setBold(True)
            return font
        return None


_RANK = {"expired": 0, "missing": 1, "soon": 2, "ok": 3}
_SORT_KEYS = {
    0: lambda r: r.name.lower(),
    1: lambda r: _RANK[r.readiness.get("insurance", "missing")],
    2: lambda r: _RANK[r.readiness.get("accreditation", "missing")],
    3: lambda r: _RANK[r.readiness.get("policy", "missing")],
    4: lambda r: r.turnover if r.turnover is not None else -1,
    5: lambda r: r.staff if r.staff is not None else -1,
    6: lambda r: r.volunteers if r.volunteers is not None else -1,
    7: lambda r: r.areas,
    8: lambda r: r.legal_form,
}


class PartnerFilter(QSortFilterProxyModel):
    """Search as you type over name, services, places, numbers and CPV codes."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._words: list[str] = []
        self.setDynamicSortFilter(False)  # the source model keeps itself sorted

    def set_search(self, text: str) -> None:
        words = text.lower().split()
        if words == self._words:
            return
        if hasattr(self, "beginFilterChange"):  # Qt 6.9+; invalidateRowsFilter is deprecated there
            self.beginFilterChange()
            self._words = words
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._words = words
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent) -> bool:
        if not self._words:
            return True
        haystack = self.sourceModel().partner(source_row).search_text
        return all(word in haystack for word in self._words)
