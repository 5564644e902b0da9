"""The Tenders area: filter bar, a list that fetches rows on demand, a detail pane, imports and
saved searches. A thin view over ``consortium.tenders``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from consortium import places
from consortium.errors import ConsortiumError
from consortium.formatting import parse_money
from consortium.matching import fits
from consortium.tenders import search
from consortium.tenders import store as tender_store
from consortium.tenders.records import STATUSES
from consortium.workspace import Workspace
from ui import colours
from ui.background import LatestJob
from ui.feeds_ui import FeedBar
from ui.tender_detail import tender_html
from ui.tenders_model import KEY_ROLE, SEARCHER, TenderListModel

# Counts too slow for the GUI thread run here, each on this thread's own reading connection.
_COUNTER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="consortium-count")
# The "Fits us" list's search runs here: among 200,000 tenders a word's search over our 1,500
# fits took 70 ms, on the window's thread at every pause in the typing.
_FIT_LISTER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="consortium-fits")

WINDOWS = (
    ("Any deadline", None),
    ("Closing in 7 days", 7),
    ("Closing in 30 days", 30),
    ("Closing in 90 days", 90),
)
FITS = (
    ("Any fit", None),
    ("Fits us: alone or with partners", "any"),
    ("Fits us alone", "alone"),
)
SORTS = (  # (label, sort, descending): "value" and "published" already put the highest first
    ("Deadline", "deadline", False),
    ("Value, highest first", "value", False),
    ("Best match to the words", "relevance", False),
    ("Newest", "published", False),
)


class TendersPage(QWidget):
    import_requested = Signal()
    match_requested = Signal(str)

    def __init__(self, run=None, parent=None):
        super().__init__(parent)
        self.ws: Workspace | None = None
        self._run = run  # the window's background runner (ui/runner.py); None runs inline
        self.fits: dict[str, fits.Fit] | None = None  # our fit per open tender, once computed
        self._fits_for: tuple | None = None  # the workspace state the fits were computed on
        self._fitting = False
        # True while new tenders come in (the window sets it): our fits are then kept as they
        # are, not worked out again at every page stored, and again once the download ends.
        self.downloading: Callable[[], bool] = lambda: False
        self._fits_behind = False  # fits kept during a download; worked out again when shown
        self.today = dt.date.today()
        self.saved_id: int | None = None
        self._shown: str | None = None  # the tender whose detail is on screen
        self._counter = LatestJob(self, _COUNTER, self._counted)  # the list's count line
        self._total: tuple | None = None  # (workspace generation, every tender counted)
        self._saved_counter = LatestJob(self, _COUNTER, self._show_saved_counts)
        self._saved_counts: dict[int, dict] = {}  # by saved search id, as counted last
        self._fit_lister = LatestJob(self, _FIT_LISTER, self._fits_listed, self._fits_not_listed)
        # The list's first page: at 200,000 tenders "s*" took 240 ms, 650 ms by best match.
        self._lister = LatestJob(self, SEARCHER, self._listed, self._not_listed)
        layout = QVBoxLayout(self)
        self.feed_bar = FeedBar()  # "Get new tenders" and the time of the last update
        layout.addWidget(self.feed_bar)

        bar = QHBoxLayout()
        self.text = QLineEdit(
            placeholderText='Search words: care*  "young people"  housing -construction'
        )
        self.text.setAccessibleName("Search tenders")
        self.text.setClearButtonEnabled(True)
        bar.addWidget(self.text, 3)
        self.status = QComboBox()
        self.status.setAccessibleName("Status")
        self.status.addItem("Open and coming soon", ["open", "coming soon"])
        for status in STATUSES:
            self.status.addItem(status.capitalize(), [status])
        self.status.addItem("Any status", [])
        bar.addWidget(self.status)
        self.window = QComboBox()
        self.window.setAccessibleName("Deadline window")
        for label, days in WINDOWS:
            self.window.addItem(label, days)
        bar.addWidget(self.window)
        self.sort = QComboBox()
        self.sort.setAccessibleName("Sort by")
        for label, key, desc in SORTS:
            self.sort.addItem(f"Sort: {label}", (key, desc))
            if key == "relevance":  # say what "best" is judged over (search.RELEVANCE_POOL)
                self.sort.setItemData(
                    self.sort.count() - 1,
                    f"The newest {search.RELEVANCE_POOL:,} tenders with your words, best match "
                    "first, then the rest by closing date",
                    Qt.ItemDataRole.ToolTipRole,
                )
        bar.addWidget(self.sort)
        self.fit = QComboBox()
        self.fit.setAccessibleName("Fit for us")
        for label, key in FITS:
            self.fit.addItem(label, key)
        self.fit.setToolTip(
            "Show only the open tenders your organisation fits (its services, places and "
            "capacity), best fit first: those you could deliver alone, or with partners"
        )
        bar.insertWidget(1, self.fit)
        layout.addLayout(bar)

        bar2 = QHBoxLayout()
        self.place = QLineEdit(placeholderText="Place, e.g. Camden")
        self.place.setAccessibleName("Place")
        self.cpv = QLineEdit(placeholderText="CPV, e.g. 853")
        self.cpv.setAccessibleName("CPV code")
        self.value_min = QLineEdit(placeholderText="Min £")
        self.value_min.setAccessibleName("Minimum value")
        self.value_max = QLineEdit(placeholderText="Max £")
        self.value_max.setAccessibleName("Maximum value")
        for edit, width in (
            (self.place, 220),
            (self.cpv, 130),
            (self.value_min, 90),
            (self.value_max, 90),
        ):
            edit.setMaximumWidth(width)
            edit.setClearButtonEnabled(True)
            bar2.addWidget(edit)
        self.vcse = QCheckBox("Suits VCSEs")
        self.sme = QCheckBox("Suits SMEs")
        self.reserved = QCheckBox("Reserved")
        for box in (self.vcse, self.sme, self.reserved):
            box.setAccessibleName(box.text())
            bar2.addWidget(box)
        bar2.addStretch()
        self.saved = QComboBox()
        self.saved.setAccessibleName("Saved searches")
        self.saved.setMinimumWidth(200)
        bar2.addWidget(self.saved)
        self.save_search = QPushButton("Save search…")
        self.save_search.setAccessibleName("Save this search")
        bar2.addWidget(self.save_search)
        layout.addLayout(bar2)

        line = QHBoxLayout()
        self.message = QLabel()
        self.message.setAccessibleName("Search result")
        line.addWidget(self.message)
        self.fit_note = QLabel()
        self.fit_note.setAccessibleName("About the fit")
        self.fit_note.setWordWrap(True)
        line.addWidget(self.fit_note, 1)
        layout.addLayout(line)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        self.model = TenderListModel(self)
        self.model.more_failed.connect(self._more_not_read)
        self.view = QTableView()
        self.view.setAccessibleName("Tender list")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.view.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Fixed
        )  # no per-row measuring
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        header.setStretchLastSection(False)
        # Value wide enough for "£248,358,000" and still inside the list at 1366 pixels.
        for column, width in enumerate((18, 280, 150, 160, 110, 90, 36, 90, 125)):
            self.view.setColumnWidth(column, width)
        header.moveSection(8, 1)  # in the "fits us" view the fit comes first, beside the title
        lv.addWidget(self.view)
        buttons = QHBoxLayout()
        self.import_button = QPushButton("Import tenders…")
        self.import_button.setAccessibleName("Import tenders")
        self.import_button.setToolTip(
            "Import OCDS files from Find a Tender or Contracts Finder, their CSV/XLSX exports, folders or .zip files. You can also drop them on the window."
        )
        self.match_button = QPushButton("Match partners to this tender")
        self.match_button.setAccessibleName("Match partners to this tender")
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.match_button)
        buttons.addStretch()
        lv.addLayout(buttons)
        splitter.addWidget(left)
        self.detail = QTextBrowser()
        self.detail.setAccessibleName("Tender details")
        self.detail.setOpenExternalLinks(True)
        self.detail.setHtml("<p>Choose a tender to see its details.</p>")
        splitter.addWidget(self.detail)
        splitter.setSizes([820, 520])
        self.splitter = splitter
        layout.addWidget(splitter, 1)

        self._timer = QTimer(self, singleShot=True, interval=180)
        self._timer.timeout.connect(self.run_search)
        for edit in (self.text, self.place, self.cpv, self.value_min, self.value_max):
            edit.textChanged.connect(self._changed)
        for combo in (self.status, self.window, self.sort):
            combo.currentIndexChanged.connect(self._changed)
        self.fit.currentIndexChanged.connect(self._fit_changed)
        for box in (self.vcse, self.sme, self.reserved):
            box.toggled.connect(self._changed)
        self.saved.activated.connect(self._saved_chosen)
        self.save_search.clicked.connect(self._save_search)
        self.view.selectionModel().currentRowChanged.connect(self._row_chosen)
        self.import_button.clicked.connect(self.import_requested)
        self.match_button.clicked.connect(self._match_clicked)

    # ------------------------------------------------------------------ searching
    def set_workspace(self, ws: Workspace) -> None:
        self.ws = ws
        self.fits = None
        self._fit_lister.stop()  # a "Fits us" list still being read is the last workspace's
        self._lister.stop()  # as is a search
        self.saved_id = None
        self.reload_saved()
        self.run_search()

    def _changed(self, *_args) -> None:
        self.saved_id = None
        self._timer.start()

    def query(self) -> search.TenderQuery:
        """The filter bar as a query; raises ValueError with a message for a bad field."""
        days = self.window.currentData()
        key, descending = self.sort.currentData()
        place = self.place.text().strip()
        if place:
            council = places.find_council(place)
            place = council.gss if council else (places.to_itl(place.upper()) or place)
        codes = [c for c in self.cpv.text().replace(",", " ").split() if c]
        for code in codes:
            if not code.isdigit():
                raise ValueError(
                    f"'{code}' is not a CPV code: type its digits, e.g. 853 or 85312000"
                )
        money_min = parse_money(self.value_min.text()) if self.value_min.text().strip() else None
        money_max = parse_money(self.value_max.text()) if self.value_max.text().strip() else None
        return search.TenderQuery(
            text=self.text.text().strip(),
            status=list(self.status.currentData()),
            deadline_from=self.today.isoformat() if days else None,
            deadline_to=(self.today + dt.timedelta(days=days)).isoformat() if days else None,
            cpv=codes,
            place=place or None,
            value_min=money_min,
            value_max=money_max,
            vcse=True if self.vcse.isChecked() else None,
            sme=True if self.sme.isChecked() else None,
            reserved=True if self.reserved.isChecked() else None,
            sort=key if key != "relevance" or self.text.text().strip() else "deadline",
            descending=descending,
        )

    def run_search(
        self, new_since: str | None = None, new_count: int = 0, *, choose: str | None = None
    ) -> None:
        """Show the search in the filter bar: its first page, read off the GUI thread, then
        more as the list scrolls; the count with it when quick, else an estimate until it is
        counted. ``new_since``: a saved search's last look (rows changed since are new).
        ``choose``: the tender to choose in the list once it is there. In the "Fits us" view
        the search runs among our fits (:meth:`_fits_listed`)."""
        if self.ws is None:
            return
        fit_key = self.fit.currentData()
        self.model.today = self.today
        try:
            query = self.query()
        except ValueError as exc:
            self.message.setText(colours.span("error", str(exc)))
            return
        if fit_key is not None:
            self._lister.stop()
            self._search_fits(query, fit_key, new_since, new_count)
            return
        self._fit_lister.stop()  # a "Fits us" list still being read is not wanted now
        ws, today = self.ws, self.today

        def job(_stale):
            first = TenderListModel.first_page(ws, query, today)
            return ws, query, first, new_since, new_count, choose

        self._lister.start(job)

    def _listed(self, result: tuple) -> None:
        ws, query, first, new_since, new_count, choose = result
        if ws is not self.ws or ws.is_closed or self.fit.currentData() is not None:
            return  # another workspace, or the "Fits us" view, was chosen meanwhile
        current = choose or self.current_ocid()
        self.model.fits = None
        self.model.set_search(ws, query, first, new_since)
        self._show_list(query, None, current, new_count, fetch=5 if choose else 0)

    def _not_listed(self, exc: BaseException) -> None:
        self.message.setText(colours.span("error", str(exc)))

    def _more_not_read(self, error: str) -> None:
        """A page more, read as the list scrolled, failed: say so, rather than let the list
        simply end as if it held every match."""
        self._counter.stop()  # a count coming would hide this
        self.message.setText(
            colours.span(
                "error",
                f"Only the first {self.model.rowCount():,} tenders are listed: the rest could "
                f"not be read ({error}). Change the search or the sort to try again.",
            )
        )

    def _show_list(
        self,
        query: search.TenderQuery,
        fit_key: str | None,
        current: str | None,
        new_count: int,
        *,
        fetch: int = 0,
    ) -> None:
        """The list's columns, count line and chosen row, once its rows are in the model
        (``fetch``: pages more to read looking for ``current``)."""
        self.view.setColumnHidden(8, fit_key is None)
        self.sort.setEnabled(fit_key is None)  # the fit view is always best fit first
        if fit_key is None:
            self.fit_note.clear()
        extra = f"; {new_count:,} new since you last looked" if new_count else ""
        fitting = " that fit us, best fit first" if fit_key is not None else ""
        matched = len(self.model.keys) if fit_key is not None else None
        self._count(query, matched, fitting + extra)
        row = self.model.row_of(current, fetch=fetch) if current else None
        if row is not None:
            self.view.selectRow(row)
            if fetch:
                self.view.scrollTo(self.model.index(row, 1))
        elif fetch:  # further down than a few pages: shown beside the list, which keeps its
            # place and has no row chosen, so "Match partners" takes the tender shown
            self.view.selectionModel().clearCurrentIndex()
            self.view.clearSelection()
        elif self.model.keys:
            self.view.selectRow(0)
        else:
            self._shown = None
            self.detail.setHtml(
                "<p>No tender matches. Try fewer filters or other words.</p>"
                if tender_store.has_tenders(self.ws.db)
                else "<p>No tenders yet. Use <b>Import tenders…</b> or drop notice files on the window.</p>"
            )

    # ------------------------------------------------------------------ counting
    def _count(self, query: search.TenderQuery, matched: int | None, tail: str) -> None:
        """The "12,345 of 400,000 tenders" line: counted with the first page when quick
        (``model.counted``), else estimated and counted exactly on a thread of its own (with
        its own connection)."""
        self._counter.stop()  # a count still running is of an older search
        ws, today = self.ws, self.today
        total = self._known_total()
        if total is None:
            total = search.count(ws, today=today, budget=search.COUNT_BUDGET)
        n, about = (matched, matched) if matched is not None else self.model.counted
        if n is not None and total is not None:
            self._show_count(n, total, tail)
            return
        self.message.setText(
            (f"About {about:,} tenders match" if about is not None else "Counting the matches")
            + f"{tail}; counting…"
        )

        def job(stale):
            exact = n if n is not None else search.count(ws, query, today=today, cancelled=stale)
            every = total if total is not None else search.count(ws, today=today, cancelled=stale)
            return exact, every, tail

        self._counter.start(job)

    def _counted(self, result: tuple) -> None:
        n, total, tail = result
        if n is not None and total is not None:
            self._show_count(n, total, tail)

    def _show_count(self, n: int, total: int, tail: str) -> None:
        self._total = (self._generation(), total)
        self.message.setText(f"{n:,} of {total:,} tenders{tail}")

    def _generation(self) -> tuple:
        return tender_store.tenders_state(self.ws.db)

    def _known_total(self) -> int | None:
        """Every tender in the workspace, as counted last, if no tender came or changed since."""
        if self._total is not None and self._total[0] == self._generation():
            return self._total[1]
        return None

    # ------------------------------------------------------------------ fits us
    def show_fits(self) -> None:
        """Turn on the "fits us" view (from the Start page)."""
        self.fit.setCurrentIndex(1)

    def refresh_fits(self) -> None:
        """What the fits depend on changed (partners, weights, marks): worked out again, now if
        the "fits us" view is on, else when it is next turned on."""
        self.fits = None
        if self.fit.currentData() is not None:
            self.run_search()

    def _fit_changed(self, _index: int) -> None:
        self.saved_id = None
        self.run_search()

    def _state(self) -> tuple:
        """What the fits depend on: tenders, partners and weights (cheap to read)."""
        return fits.fits_state(self.ws, self.today)

    def _search_fits(
        self, query: search.TenderQuery, fit_key: str, new_since: str | None, new_count: int
    ) -> None:
        """The tenders that fit us and match the search, best fit first, found off the GUI
        thread; first the fits themselves if they are not worked out for this state yet."""
        state = self._state()
        behind = self.fits is not None and self._fits_for != state
        if behind and self.downloading() and _only_tenders_changed(self._fits_for, state):
            self._fits_behind = True  # listed from the fits in hand, the download's aside
        elif self.fits is None or behind:
            self._fit_lister.stop()
            self._compute_fits()  # the search runs again when they arrive
            return
        alone_only = fit_key != "any"
        if not any(f.alone or not alone_only for f in self.fits.values()):
            self._fit_lister.stop()
            self.fit_note.setText(
                "No open tender fits your organisation yet. Mark your organisation in Partners "
                "(This is our organisation) and give it services, codes and places."
            )
            self._fits_listed((self.ws, query, fit_key, [], new_since, new_count))
            return
        self.fit_note.setText(
            "Fit: out of 100, how well your organisation's services, places and capacity match; "
            "“alone” means you could deliver all of it yourselves."
            + (
                " New tenders are coming in: they are ranked once they are all in."
                if self._fits_behind
                else ""
            )
        )
        self.message.setText("Searching the tenders your organisation fits…")
        ws, found, today = self.ws, self.fits, self.today

        def job(_stale):
            keys = fits.fitting_keys(ws, found, query, alone_only=alone_only, today=today)
            return ws, query, fit_key, keys, new_since, new_count

        self._fit_lister.start(job)

    def _fits_listed(self, result: tuple) -> None:
        ws, query, fit_key, keys, new_since, new_count = result
        if ws is not self.ws or ws.is_closed or self.fit.currentData() != fit_key:
            return  # another workspace, or another view, was chosen meanwhile
        current = self.current_ocid()
        self.model.fits = self.fits
        self.model.set_keys(ws, keys, new_since)
        self._show_list(query, fit_key, current, new_count)

    def _fits_not_listed(self, exc: BaseException) -> None:
        self.message.setText(colours.span("error", f"The tenders that fit us: {exc}"))

    def _compute_fits(self) -> None:
        if self._fitting:
            return
        self._fitting = True
        self.message.setText("Working out which tenders fit your organisation…")
        ws, today = self.ws, self.today

        def done(result: tuple[tuple, list[fits.Fit]]) -> None:
            self._fitting = False
            if self.ws is not ws:
                return  # another workspace was opened meanwhile
            computed_for, found = result
            self._fits_behind = False
            self.fits = {f.ocid: f for f in found}
            self._fits_for = computed_for
            self.run_search()

        def failed(exc: BaseException) -> None:
            self._fitting = False
            self.fit.setCurrentIndex(0)
            self.message.setText(f"The fit could not be worked out: {exc}")

        def job(progress, cancelled):
            # The state is read when the job starts, not when it was asked for: tenders a
            # download stored meanwhile are then counted in, and the fits are not thrown away
            # and worked out again at once (as they were when they waited on the worker).
            computed_for = fits.fits_state(ws, today)
            found = fits.fits_us(ws, today=today, progress=progress, cancelled=cancelled)
            return computed_for, found

        if self._run is None:
            try:
                done(job(lambda *a: None, lambda: False))
            except Exception as exc:  # shown to the user, never raised into Qt
                failed(exc)
        else:
            # Read-only: it runs at once, beside a download rather than minutes after it.
            self._run("Finding the tenders that fit you", job, done, failed, reads_only=True)

    def current_ocid(self) -> str | None:
        """The tender chosen in the list, or else the one shown beside it (one opened from
        elsewhere that the list has not reached)."""
        index = self.view.selectionModel().currentIndex()
        return index.data(KEY_ROLE) if index.isValid() else self._shown

    def _row_chosen(self, current, _previous) -> None:
        if not current.isValid() or self.ws is None:
            return
        self._show_detail(current.data(KEY_ROLE), self.model.row_data(current.row()) or {})

    def _show_detail(self, ocid: str, row: dict) -> None:
        tender = search.get(self.ws, ocid)
        if tender is None:
            return
        self._shown = ocid
        self.detail.setHtml(
            tender_html(tender, self.today, changed=bool(row.get("changed_since_viewed")))
        )
        if self.isVisible():  # seen; the first row chosen on a hidden page is not (showEvent)
            search.mark_viewed(self.ws, ocid)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.ws is not None and not self.ws.is_closed and self._shown:
            search.mark_viewed(self.ws, self._shown)
        if self._fits_behind and not self.downloading():
            self.download_ended()

    def download_ended(self) -> None:
        """New tenders stopped coming: the fits kept meanwhile are worked out again, now if
        the list is on screen, else when it is next shown."""
        if not self._fits_behind or self.ws is None:
            return
        if self.isVisible() and self.fit.currentData() is not None:
            self._fits_behind = False
            self.run_search()

    def show_tender(self, ocid: str) -> None:
        """Show one tender (from "New for you" or the pipeline): filters cleared, row chosen."""
        self._apply(search.TenderQuery(status=[]))
        self.fit.blockSignals(True)
        self.fit.setCurrentIndex(0)
        self.fit.blockSignals(False)
        self.view.selectionModel().clearCurrentIndex()  # the list's choice is not this one
        self.view.clearSelection()
        self._show_detail(ocid, {})  # at once, beside the list until it is read
        self.run_search(choose=ocid)

    def _match_clicked(self) -> None:
        ocid = self.current_ocid()
        if ocid:
            self.match_requested.emit(ocid)

    # --------------------------------------------------------------- saved searches
    def reload_saved(self) -> None:
        """The saved searches, listed at once (the one being looked at stays chosen); their
        counts, which take as long as the searches, follow from the counting thread."""
        self._saved_counter.stop()
        self._saved_counts = {}  # those counted before may be out of date now
        listed = search.saved_search_list(self.ws) if self.ws is not None else []
        self.saved.blockSignals(True)
        self.saved.clear()
        self.saved.addItem("Saved searches…", None)
        for s in listed:
            self.saved.addItem(f"{s['name']} (counting…)", s["id"])
        self.saved.setCurrentIndex(max(0, self.saved.findData(self.saved_id)))
        self.saved.blockSignals(False)
        if not listed:
            return
        ws, today = self.ws, self.today

        def job(stale) -> tuple[list[dict], dict[int, dict]]:
            counts: dict[int, dict] = {}
            for s in listed:
                try:
                    counts[s["id"]] = search.saved_counts(ws, s, today=today, cancelled=stale)
                except Exception:  # noqa: BLE001 - that one shows its name alone (e.g. closed)
                    counts[s["id"]] = {}
            return listed, counts

        self._saved_counter.start(job)

    def _show_saved_counts(self, result: tuple[list[dict], dict[int, dict]]) -> None:
        listed, counts = result
        self._saved_counts = counts
        for s in listed:
            found = counts.get(s["id"]) or {}
            index = self.saved.findData(s["id"])
            if index < 0:
                continue
            if found.get("count") is None:
                self.saved.setItemText(index, s["name"])
                continue
            new = found.get("new") or 0
            label = f"{s['name']} ({found['count']:,}" + (f", {new:,} new)" if new else ")")
            self.saved.setItemText(index, label)

    def stop(self) -> None:
        """Drop the counts in hand (the workspace is closing): running ones stop early."""
        self._saved_counter.stop()
        self._counter.stop()

    def saved_counted(self) -> bool:
        """True once the listed saved searches show their counts (for tests and the walk)."""
        return not self._saved_counter.busy()

    def _saved_chosen(self, index: int) -> None:
        search_id = self.saved.itemData(index)
        if search_id is None or self.ws is None:
            return
        try:
            saved = search.saved_search(self.ws, search_id)
        except search.SearchError:
            self.reload_saved()  # deleted elsewhere meanwhile
            return
        # What is new, if the listing has counted it (the rows changed since the last look are
        # marked new in the list either way).
        new = (self._saved_counts.get(search_id) or {}).get("new") or 0
        self._apply(saved["query"])
        self.run_search(new_since=saved["last_viewed_at"] or "", new_count=new)
        self.saved_id = search_id
        search.mark_search_viewed(self.ws, search_id)  # the dispatcher shows the counts now

    def _apply(self, q: search.TenderQuery) -> None:
        widgets = (
            self.text,
            self.place,
            self.cpv,
            self.value_min,
            self.value_max,
            self.status,
            self.window,
            self.sort,
            self.vcse,
            self.sme,
            self.reserved,
        )
        for w in widgets:
            w.blockSignals(True)
        self.text.setText(q.text)
        self.place.setText(q.place or "")
        self.cpv.setText(" ".join(q.cpv))
        self.value_min.setText(f"{q.value_min:.0f}" if q.value_min is not None else "")
        self.value_max.setText(f"{q.value_max:.0f}" if q.value_max is not None else "")
        wanted = list(q.status)
        self.status.setCurrentIndex(
            max(
                0,
                next(
                    (i for i in range(self.status.count()) if self.status.itemData(i) == wanted), 0
                ),
            )
        )
        self.window.setCurrentIndex(0)
        self.vcse.setChecked(bool(q.vcse))
        self.sme.setChecked(bool(q.sme))
        self.reserved.setChecked(bool(q.reserved))
        for w in widgets:
            w.blockSignals(False)

    def _save_search(self) -> None:
        if self.ws is None:
            return
        try:
            query = self.query()
        except ValueError as exc:
            self.message.setText(str(exc))
            return
        name, ok = QInputDialog.getText(self, "Save search", "Name for this search:")
        if ok and name.strip():
            try:
                search.save_search(self.ws, name.strip(), query)  # listed by the dispatcher
            except ConsortiumError as exc:
                self.message.setText(str(exc))
                return
            self.message.setText(
                f"Saved the search “{name.strip()}”. It will show what is new after each import."
            )


def _only_tenders_changed(before: tuple | None, now: tuple) -> bool:
    """Of two :func:`~consortium.matching.fits.fits_state` values, only the tenders differ
    (the day, the partners and the weights are the same)."""
    return before is not None and (before[0], *before[2:]) == (now[0], *now[2:])
