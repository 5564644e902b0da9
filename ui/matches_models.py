"""Table models for the Matches area: tenders to pick, ranked partners, opportunities."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QBrush, QColor, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate

from consortium.formatting import iso_date, money, uk_date
from consortium.matching.scoring import FACTORS, Match
from consortium.matching.service import Opportunity
from ui import colours

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
KEY_ROLE = Qt.ItemDataRole.UserRole + 2
SCORE_ROLE = Qt.ItemDataRole.UserRole + 3
TIED_ROLE = Qt.ItemDataRole.UserRole + 4  # the score is shared with a neighbour
TIED_TIP = "Tied on score with a neighbour: ranked by place, then service fit, then value fit"
STATUS_COLOURS = {
    "open": "#d1e7dd",
    "coming soon": "#cfe2ff",
    "closed": "#e9ecef",
    "awarded": "#e2d9f3",
    "cancelled": "#f8d7da",
}


class RowsTableModel(QAbstractTableModel):
    """A read-only table over a list of rows; subclasses give COLUMNS and data()."""

    COLUMNS: tuple[str, ...] = ()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list = []

    def set_rows(self, rows: list) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def item(self, row: int):
        return self._rows[row]

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.COLUMNS)
        ):
            return self.COLUMNS[section]
        return None


class TenderPickModel(RowsTableModel):
    """Rows from ``consortium.tenders.search.rows``."""

    COLUMNS = ("Tender", "Buyer", "Deadline", "Status", "Lots")

    def data(self, index: QModelIndex | QPersistentModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = self._rows[index.row()], index.column()
        if role == KEY_ROLE:
            return row["ocid"]
        if role == Qt.ItemDataRole.ToolTipRole and column == 0:
            return f"{row['title']}\n{row.get('buyer_name') or ''}"
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            values = (
                row["title"],
                row.get("buyer_name") or "",
                uk_date(iso_date(row.get("deadline"))),
                row["status"],
                str(row.get("lot_count") or ""),
            )
            return values[column]
        if role == Qt.ItemDataRole.BackgroundRole and column == 3:
            return QBrush(QColor(STATUS_COLOURS.get(row["status"], "#ffffff")))
        return None


class MatchModel(RowsTableModel):
    """Ranked partners for a tender or lot; every factor as a column."""

    COLUMNS = (
        "#",
        "Partner",
        "Score",
        "Service",
        "Place",
        "Capacity",
        "Eligibility",
        "Suitability",
        "Warnings",
    )

    def data(self, index: QModelIndex | QPersistentModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        m: Match = self._rows[index.row()]
        column = index.column()
        if role == KEY_ROLE:
            return m.partner_id
        if role == SCORE_ROLE and column == 2:
            return m.score
        if role == TIED_ROLE and column == 2:
            return m.tied
        if column >= 3 and column <= 7:
            reason = m.reason(FACTORS[column - 3])
            if role == Qt.ItemDataRole.DisplayRole:
                return f"{100 * reason.score:.0f}%"
            if role == Qt.ItemDataRole.ToolTipRole:
                return reason.summary + (
                    "\n" + "\n".join(reason.evidence) if reason.evidence else ""
                )
            if role == Qt.ItemDataRole.BackgroundRole:
                if reason.blocking:
                    return QBrush(QColor("#f8d7da"))
                if reason.warning:
                    return QBrush(QColor("#fff3cd"))
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == 0:
                return str(index.row() + 1)
            if column == 1:
                return m.partner_name + ("" if m.eligible else "  (not eligible)")
            if column == 2:
                if role == Qt.ItemDataRole.ToolTipRole and m.tied:
                    return f"{m.score:.0f} out of 100. {TIED_TIP}."
                return f"{m.score:.0f}" + (" tied" if m.tied else "")
            if column == 8:
                return "; ".join(m.warnings)
        if role == Qt.ItemDataRole.ForegroundRole and not m.eligible:
            return QBrush(QColor("#6c757d"))
        if role == Qt.ItemDataRole.AccessibleTextRole and column == 2:
            return f"Score {m.score:.0f} out of 100" + (", tied" if m.tied else "")
        return None


class OpportunityModel(RowsTableModel):
    COLUMNS = ("Score", "Tender", "How", "Deadline", "Value", "Buyer")

    def data(self, index: QModelIndex | QPersistentModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        o: Opportunity = self._rows[index.row()]
        column = index.column()
        if role == KEY_ROLE:
            return o.tender.ocid
        if role == SCORE_ROLE and column == 0:
            return o.match.score
        if role == TIED_ROLE and column == 0:
            return o.match.tied
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if o.mark is not None:
                how = "Not for us (your mark)" if o.mark == "not_for_us" else "Interested"
            elif o.outside_area:
                how = "Outside your area"
            elif o.alone:
                how = "Alone"
            elif not o.tender.lots or o.lots_deliverable:
                how = "With partners"
            else:
                how = "With partners (no lot alone)"
            if role == Qt.ItemDataRole.ToolTipRole and column == 0 and o.match.tied:
                return f"{o.match.score:.0f} out of 100. {TIED_TIP}."
            if role == Qt.ItemDataRole.ToolTipRole and o.feedback:
                return f"{o.tender.title}\n{o.feedback}."
            values = (
                f"{o.match.score:.0f}" + (" tied" if o.match.tied else ""),
                o.tender.title,
                how,
                uk_date(iso_date(o.tender.open_deadline)),
                money(o.tender.value) if o.tender.value else "",
                o.tender.buyer_name or "",
            )
            return values[column]
        if role == Qt.ItemDataRole.BackgroundRole and column == 2:
            if o.outside_area:
                return QBrush(QColor("#e9ecef"))
            return QBrush(QColor("#d1e7dd" if o.alone else "#cfe2ff"))
        return None


class ScoreBarDelegate(QStyledItemDelegate):
    """Draws the score as a bar behind its number, so a ranking reads at a glance."""

    def paint(self, painter: QPainter, option, index) -> None:
        value = index.data(SCORE_ROLE)
        if value is None:
            super().paint(painter, option, index)
            return
        painter.save()
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.highlight())
        bar = QRect(option.rect.adjusted(3, 4, -3, -4))
        bar.setWidth(int(bar.width() * max(0.0, min(1.0, value / 100))))
        colour = "#2e7d32" if value >= 70 else ("#f0ad4e" if value >= 50 else "#adb5bd")
        painter.fillRect(bar, QColor(colour))
        # The number sits on the bar when the bar reaches past it, else on the cell.
        under = QColor(colour) if bar.width() > 24 else option.palette.base().color()
        if option.state & QStyle.StateFlag.State_Selected and bar.width() <= 24:
            under = option.palette.highlight().color()
        painter.setPen(colours.on(under))
        painter.drawText(
            option.rect.adjusted(6, 0, -4, 0),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            f"{value:.0f}" + (" tied" if index.data(TIED_ROLE) else ""),
        )
        painter.restore()
