"""A tender list that holds only the row keys it has shown and fetches rows on demand, so
400,000 tenders scroll smoothly (the pattern of Anki's browser table).

A search gives the list its first page of keys (``search.first_page``, read off the GUI
thread by the page); more pages come as the view scrolls to the end (``canFetchMore`` /
``fetchMore``), each read off the GUI thread too and added when it arrives: at 200,000
tenders a page of ``s*`` costs 250 ms, whatever its offset. So no search runs, and no list of
every matching id is built, on the GUI thread."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from consortium.formatting import iso_date, money, uk_date
from consortium.tenders import search
from consortium.tenders.alerts import closes_within
from consortium.workspace import Workspace
from ui.background import LatestJob

# The list's searches (its first page, asked for by the page, and each page more) run here.
SEARCHER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="consortium-tenders")

KEY_ROLE = Qt.ItemDataRole.UserRole + 2
BLOCK = 200  # rows fetched at once when the view needs one it has not seen
MORE = 200  # keys fetched at once as the view scrolls to the end of those it has
CACHE_BLOCKS = 50
STATUS_COLOURS = {
    "open": "#d1e7dd",
    "coming soon": "#cfe2ff",
    "closed": "#e9ecef",
    "awarded": "#e2d9f3",
    "cancelled": "#f8d7da",
}
CLOSING_SOON = "#fff3cd"  # amber: an open tender closing within 7 days
COLUMNS = ("", "Title", "Buyer", "Deadline", "Value", "Status", "Lots", "Suits", "Fit")


def deadline_text(text: str | None, today: dt.date) -> str:
    day = iso_date(text)
    if day is None:
        return ""
    left = (day - today).days
    if left < 0:
        return uk_date(day)
    if left == 0:
        return f"{uk_date(day)} (today)"
    return f"{uk_date(day)} ({left} day{'s' if left != 1 else ''})"


class TenderListModel(QAbstractTableModel):
    # A page more could not be read (its error as a sentence): the list ends where it is.
    more_failed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.ws: Workspace | None = None
        self.keys: list[int] = []  # the keys fetched so far, in order
        self.query: search.TenderQuery | None = None  # None: ``keys`` is the whole list
        self.more = False  # the search may have more keys than fetched
        self.new_since: str | None = None  # rows changed after this are new (saved searches)
        self.counted: tuple[int | None, int | None] = (None, None)  # see set_search
        self.today = dt.date.today()
        self.fits: dict | None = None  # ocid -> consortium.matching.fits.Fit in the "fits us" view
        self._blocks: OrderedDict[int, list[dict]] = OrderedDict()
        self.fetches = 0  # how many blocks were read (tests check rows come on demand)
        self._pager = LatestJob(self, SEARCHER, self._more_arrived, self._more_failed)

    def set_keys(self, ws: Workspace, keys: list[int], new_since: str | None = None) -> None:
        """Show exactly these keys (a list already short, such as the tenders that fit us)."""
        self._pager.stop()  # a page still being read is of the list before
        self.beginResetModel()
        self.ws, self.keys, self.new_since = ws, keys, new_since
        self.query, self.more = None, False
        self._blocks.clear()
        self.endResetModel()

    @staticmethod
    def first_page(ws: Workspace, query: search.TenderQuery, today: dt.date) -> tuple:
        """What :meth:`set_search` shows, read off the GUI thread: ``search.first_page``."""
        return search.first_page(ws, query, today=today, limit=search.PAGE)

    def set_search(
        self,
        ws: Workspace,
        query: search.TenderQuery,
        first: tuple[list[int], int | None, int | None],
        new_since: str | None = None,
    ) -> None:
        """Show a search: ``first`` (from :meth:`first_page`) now, the rest as the view
        scrolls. ``counted`` then holds (the count if it came within the budget else None,
        the count or an estimate)."""
        keys, n, about = first
        self._pager.stop()  # a page still being read is of the search before
        self.counted = (n, about)
        self.beginResetModel()
        self.ws, self.keys, self.new_since = ws, keys, new_since
        self.query, self.more = query, len(keys) == search.PAGE
        self._blocks.clear()
        self.endResetModel()

    def canFetchMore(self, parent=QModelIndex()) -> bool:  # noqa: B008 - Qt's signature
        return (
            not parent.isValid() and self.more and self.query is not None
        ) and not self._pager.busy()

    def fetchMore(self, parent=QModelIndex()) -> None:  # noqa: B008
        """The view reached the last row it has: the next page is read off the GUI thread and
        added when it comes (:meth:`_more_arrived`)."""
        if not self.canFetchMore(parent):
            return
        ws, query, today, offset = self.ws, self.query, self.today, len(self.keys)
        self._pager.start(
            lambda _stale: (
                query,
                offset,
                search.search_page(ws, query, today=today, offset=offset, limit=MORE),
            )
        )

    def _more_arrived(self, result: tuple) -> None:
        query, offset, keys = result
        if query is not self.query or offset != len(self.keys) or self.ws.is_closed:
            return  # another search is shown now, or the workspace closed
        self._add(keys)

    def _more_failed(self, exc: BaseException) -> None:
        self.more = False  # the list ends where it is; a new search starts it again
        if self.ws is not None and not self.ws.is_closed:  # else the error is the closing's
            self.more_failed.emit(str(exc) or type(exc).__name__)

    def _fetch_now(self) -> None:
        """The next page, read here and now: for :meth:`row_of` and :meth:`ocids`, which
        need it before they answer (a tender chosen from elsewhere, small lists, tests)."""
        if not self.more or self.query is None:
            return
        self._pager.stop()
        keys = search.search_page(
            self.ws, self.query, today=self.today, offset=len(self.keys), limit=MORE
        )
        self._add(keys)

    def _add(self, keys: list[int]) -> None:
        self.more = len(keys) == MORE
        if keys:
            end = len(self.keys)
            self.beginInsertRows(QModelIndex(), end, end + len(keys) - 1)
            self.keys.extend(keys)
            self._blocks.pop(end // BLOCK, None)  # it was read short, before these keys came
            self.endInsertRows()

    def row_of(self, ocid: str, *, fetch: int = 0) -> int | None:
        """The row showing a tender, or None when the rows fetched so far do not hold it
        (``fetch``: fetch up to that many more pages looking for it)."""
        key = search.key_of(self.ws, ocid) if self.ws is not None else None
        if key is None:
            return None
        for attempt in range(fetch + 1):
            if key in self.keys:
                return self.keys.index(key)
            if attempt == fetch or not (self.more and self.query is not None):
                return None
            self._fetch_now()
        return None

    def ocids(self) -> list[str]:
        """Every ocid in the list, in order (fetches every page and row: for small lists and
        tests)."""
        while self.more and self.query is not None:
            self._fetch_now()
        return [self.row_data(r)["ocid"] for r in range(len(self.keys))]

    def is_new(self, row: dict) -> bool:
        since = self.new_since
        return since is not None and (row.get("changed_at") or "") > since

    def row_data(self, row: int) -> dict | None:
        if not 0 <= row < len(self.keys) or self.ws is None:
            return None
        block = row // BLOCK
        rows = self._blocks.get(block)
        if rows is None:
            keys = self.keys[block * BLOCK : (block + 1) * BLOCK]
            rows = search.rows(self.ws, keys, today=self.today)
            if len(rows) != len(keys):  # a tender vanished: keep positions aligned
                found = {r["key"]: r for r in rows}
                gone = {"ocid": "", "title": "(no longer in the workspace)", "status": ""}
                rows = [found.get(k, gone) for k in keys]
            self._blocks[block] = rows
            self.fetches += 1
            if len(self._blocks) > CACHE_BLOCKS:
                self._blocks.popitem(last=False)
        else:
            self._blocks.move_to_end(block)
        return rows[row - block * BLOCK]

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.keys)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section]
            if role == Qt.ItemDataRole.ToolTipRole and section == 0:
                return "● new or changed since you last looked"
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = index.row()
        if role == KEY_ROLE:
            found = self.row_data(row)
            return found["ocid"] if found else None
        if role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.BackgroundRole,
            Qt.ItemDataRole.FontRole,
        ):
            return None
        r = self.row_data(row)
        if r is None:
            return None
        column = index.column()
        fresh = self.is_new(r) or r.get("changed_since_viewed") or not r.get("viewed", True)
        if role == Qt.ItemDataRole.FontRole:
            if fresh and column == 1:
                font = QFont()
                font.setBold(True)
                return font
            return None
        soon = (
            column == 3
            and r.get("status") == "open"
            and closes_within(r.get("deadline"), self.today)
        )
        if role == Qt.ItemDataRole.BackgroundRole:
            if column == 5:
                return QBrush(QColor(STATUS_COLOURS.get(r.get("status", ""), "#ffffff")))
            if soon:
                return QBrush(QColor(CLOSING_SOON))
            return None
        if soon and role == Qt.ItemDataRole.ToolTipRole:
            return f"Closes within 7 days: {deadline_text(r.get('deadline'), self.today)}"
        if column == 0:
            if r.get("changed_since_viewed"):
                return (
                    "●" if role == Qt.ItemDataRole.DisplayRole else "Changed since you last looked"
                )
            if self.is_new(r):
                return (
                    "●"
                    if role == Qt.ItemDataRole.DisplayRole
                    else "New since you last looked at this search"
                )
            return ""
        if column == 1:
            return r.get("title") or "(untitled)"
        if column == 2:
            return r.get("buyer_name") or ""
        if column == 3:
            return deadline_text(r.get("deadline"), self.today)
        if column == 4:
            value = r.get("value") if r.get("value") is not None else r.get("value_max")
            return money(value) if value is not None else ""
        if column == 5:
            return r.get("status", "")
        if column == 6:
            return str(r.get("lot_count") or "")
        if column == 7:
            marks = []
            if r.get("reserved_vcse"):
                marks.append("Reserved")
            if r.get("vcse"):
                marks.append("VCSE")
            if r.get("sme"):
                marks.append("SME")
            return ", ".join(marks)
        if column == 8:
            fit = (self.fits or {}).get(r["ocid"])
            if fit is None:
                return ""
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"Our organisation's fit: {fit.score:.0f} out of 100, {fit.how}"
            return f"{fit.score:.0f} {fit.how}"
        return None
