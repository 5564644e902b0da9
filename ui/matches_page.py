"""The Matches area: pick a tender, see partners ranked per lot with the reasons, propose a
consortium with its coverage grid and gaps, and see a partner's opportunities."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from consortium.formatting import money, plural
from consortium.matching import feedback, proposals, service
from consortium.matching.scoring import (
    FACTOR_NAMES,
    FACTORS,
    Weights,
    explain_html,
    rescore,
    sort_key,
)
from consortium.partners import store as partner_store
from consortium.tenders import search as tender_search
from consortium.workspace import Workspace
from ui.background import LatestJob
from ui.consortia_page import ConsortiaPage
from ui.matches_models import (
    KEY_ROLE,
    MatchModel,
    OpportunityModel,
    ScoreBarDelegate,
    TenderPickModel,
)
from ui.text_prompt import ask_text

GREEN, BLUE, RED = QColor("#d1e7dd"), QColor("#e7f1ff"), QColor("#f8d7da")


def _view(model, name: str) -> QTableView:
    view = QTableView()
    view.setAccessibleName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.setAlternatingRowColors(True)
    view.horizontalHeader().setStretchLastSection(True)
    view.setWordWrap(False)
    return view


CHOOSE_A_TENDER = "Choose a tender to see which partners fit it."
TENDERS_LISTED = 2000  # in the tender list on the left (the search box finds any other)
# Searches typed in the box are read here, on this thread's own reading connection.
_LISTER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="consortium-matches")


class MatchesPage(QWidget):
    """Thin view over ``consortium.matching``."""

    bid_requested = Signal(int)  # "Start a bid" for a saved consortium (its id)

    def __init__(self, run, parent=None):
        super().__init__(parent)
        self.run = run  # the window's background runner: run(title, fn, on_done)
        self.ws: Workspace | None = None
        self.today = dt.date.today()
        self.matches: list = []
        self.names: dict[int, str] = {}
        self.result: proposals.ProposalResult | None = None
        self.ocid: str | None = None
        # What the Opportunities list shows, as (workspace, partner, weights): None when stale.
        # Ranking reads every open tender, so it runs in the background and only when the list
        # is on screen (never while the window opens).
        self._opps_key: tuple | None = None
        self._opps_task = None
        self._opps_again = False
        self._reselect: str | None = None  # the tender just marked, selected again after ranking
        self.saved_id: int | None = None
        self.required: list[int] = []  # partner ids the user says must be members
        self.excluded: list[int] = []  # partner ids the user leaves out

        splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        self.search = QLineEdit(
            placeholderText="Find a tender by words in its title or description…"
        )
        self.search.setAccessibleName("Search tenders to match")
        self.search.setClearButtonEnabled(True)
        lv.addWidget(self.search)
        self.tenders = TenderPickModel(self)
        self.tender_view = _view(self.tenders, "Tenders")
        header = self.tender_view.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tender_view.setColumnHidden(1, True)  # the buyer shows in the heading and tooltip
        for column, width in ((2, 90), (3, 82), (4, 36)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            self.tender_view.setColumnWidth(column, width)
        lv.addWidget(self.tender_view)
        splitter.addWidget(left)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Match views")
        splitter.addWidget(self.tabs)
        splitter.setSizes([500, 830])  # room for tender titles at 1366 pixels wide
        self.splitter = splitter
        layout = QVBoxLayout(self)
        self.heading = QLabel(CHOOSE_A_TENDER)
        self.heading.setWordWrap(True)
        self.heading.setStyleSheet("font-size: 13pt; font-weight: 600;")
        layout.addWidget(self.heading)
        layout.addWidget(splitter, 1)

        self._build_partners_tab()
        self._build_proposal_tab()
        self._build_opportunities_tab()
        self._build_weights_tab()
        self.consortia = ConsortiaPage()
        self.tabs.addTab(self.consortia, "Consortia")

        self._lister = LatestJob(self, _LISTER, self._listed, self._not_listed)
        self._timer = QTimer(self, singleShot=True, interval=200)
        self._timer.timeout.connect(lambda: self.refresh_tenders(typed=True))
        self.search.textChanged.connect(self._timer.start)
        self.tender_view.selectionModel().currentRowChanged.connect(self._tender_chosen)
        self.tabs.currentChanged.connect(lambda _index: self._load_opportunities_if_shown())

    # ------------------------------------------------------------------ building
    def _build_partners_tab(self) -> None:
        page = QWidget()
        v = QVBoxLayout(page)
        row = QHBoxLayout()
        row.addWidget(QLabel("Part of the tender:"))
        self.lot = QComboBox()
        self.lot.setAccessibleName("Lot")
        self.lot.currentIndexChanged.connect(self._lot_chosen)
        row.addWidget(self.lot, 1)
        v.addLayout(row)
        split = QSplitter(Qt.Orientation.Vertical)
        self.match_model = MatchModel(self)
        self.match_view = _view(self.match_model, "Partners ranked for this tender")
        self.match_view.setItemDelegateForColumn(2, ScoreBarDelegate(self))
        for column, width in enumerate((30, 240, 90, 70, 60, 70, 75, 80)):
            self.match_view.setColumnWidth(column, width)
        self.match_view.selectionModel().currentRowChanged.connect(self._match_chosen)
        split.addWidget(self.match_view)
        self.why = QTextBrowser()
        self.why.setAccessibleName("Why this partner fits")
        self.why.setOpenExternalLinks(False)
        split.addWidget(self.why)
        split.setSizes([330, 260])
        v.addWidget(split)
        self.tabs.addTab(page, "Partners")

    def _build_proposal_tab(self) -> None:
        page = QWidget()
        v = QVBoxLayout(page)
        # Who takes part, chosen before proposing: our organisation by default, partners the
        # user requires or leaves out, and the lead.
        choose = QHBoxLayout()
        choose.addWidget(QLabel("Partner:"))
        self.choice_partner = QComboBox()
        self.choice_partner.setAccessibleName("Partner to require or leave out")
        self.choice_partner.setToolTip("Choose a partner, then require it or leave it out")
        choose.addWidget(self.choice_partner, 1)
        self.require_button = QPushButton("Must include")
        self.require_button.setAccessibleName("Must include this partner")
        self.require_button.setToolTip("Every proposal will include this partner")
        self.require_button.clicked.connect(lambda: self._choose("require"))
        self.exclude_button = QPushButton("Leave out")
        self.exclude_button.setAccessibleName("Leave this partner out")
        self.exclude_button.setToolTip("No proposal will include this partner")
        self.exclude_button.clicked.connect(lambda: self._choose("exclude"))
        choose.addWidget(self.require_button)
        choose.addWidget(self.exclude_button)
        choose.addWidget(QLabel("Lead:"))
        self.lead_choice = QComboBox()
        self.lead_choice.setAccessibleName("Lead partner")
        self.lead_choice.setToolTip(
            "Who leads the consortium; by default the member with the most capacity"
        )
        choose.addWidget(self.lead_choice, 1)
        for combo in (self.choice_partner, self.lead_choice):
            # Long partner names must not widen the tab past the tender list at 1366 pixels
            # (the list's titles were cut to a few letters): the list shows them in full.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(14)
        v.addLayout(choose)
        picked = QHBoxLayout()
        self.include_ours = QCheckBox("Include our organisation when it fits a lot")
        self.include_ours.setAccessibleName("Include our organisation")
        self.include_ours.setChecked(True)
        self.include_ours.setToolTip(
            "Our organisation joins every proposal for a tender it can deliver part of"
        )
        picked.addWidget(self.include_ours)
        self.choices = QListWidget()
        self.choices.setAccessibleName("Partners required or left out")
        self.choices.setMaximumHeight(54)
        self.choices.setToolTip("Partners you require or leave out; select one and press Clear")
        picked.addWidget(self.choices, 1)
        self.clear_choice = QPushButton("Clear")
        self.clear_choice.setAccessibleName("Clear the selected choice")
        self.clear_choice.setToolTip("Forget the selected requirement or exclusion")
        self.clear_choice.clicked.connect(self._clear_choice)
        picked.addWidget(self.clear_choice)
        v.addLayout(picked)
        row = QHBoxLayout()
        self.propose_button = QPushButton("Propose a consortium")
        self.propose_button.setAccessibleName("Propose a consortium")
        self.propose_button.setToolTip("Find the consortium that covers the most of this tender")
        self.propose_button.clicked.connect(self.propose)
        self.option = QComboBox()
        self.option.setAccessibleName("Proposal option")
        self.option.currentIndexChanged.connect(self._show_option)
        self.save_button = QPushButton("Save as consortium…")
        self.save_button.setAccessibleName("Save as consortium")
        self.save_button.setToolTip("Keep this option as a consortium you can edit and bid with")
        self.save_button.clicked.connect(self.save_consortium)
        self.save_button.setEnabled(False)
        row.addWidget(self.propose_button)
        row.addWidget(self.option, 1)
        row.addWidget(self.save_button)
        v.addLayout(row)
        self.summary = QLabel("Choose a tender, then propose a consortium that covers every lot.")
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Proposal summary")
        v.addWidget(self.summary)
        saved = QHBoxLayout()
        self.saved_label = QLabel()
        self.saved_label.setWordWrap(True)
        self.saved_label.setAccessibleName("Saved consortium")
        self.start_bid_button = QPushButton("Start a bid")
        self.start_bid_button.setAccessibleName("Start a bid")
        self.start_bid_button.setToolTip("Create a bid for the saved consortium in the Bids area")
        self.start_bid_button.clicked.connect(self._start_bid)
        saved.addWidget(self.saved_label, 1)
        saved.addWidget(self.start_bid_button)
        self.saved_bar = QWidget()
        self.saved_bar.setLayout(saved)
        self.saved_bar.setVisible(False)
        v.addWidget(self.saved_bar)
        self.grid = QTableWidget()
        self.grid.setAccessibleName("Coverage grid")
        self.grid.horizontalHeader().setTextElideMode(Qt.TextElideMode.ElideRight)
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid.setWordWrap(True)
        v.addWidget(self.grid, 3)
        v.addWidget(QLabel("Gaps, and what would close each"))
        self.gaps = QListWidget()
        self.gaps.setAccessibleName("Gaps in the proposal")
        self.gaps.setWordWrap(True)  # a gap's text says what it needs: never cut it short
        v.addWidget(self.gaps, 1)
        self.tabs.addTab(page, "Proposal")

    def _build_opportunities_tab(self) -> None:
        page = QWidget()
        v = QVBoxLayout(page)
        row = QHBoxLayout()
        row.addWidget(QLabel("Opportunities for:"))
        self.partner = QComboBox()
        self.partner.setAccessibleName("Partner for opportunities")
        self.partner.currentIndexChanged.connect(self.reload_opportunities)
        row.addWidget(self.partner, 1)
        v.addLayout(row)
        self.opps = OpportunityModel(self)
        self.opps_view = _view(self.opps, "Opportunities")
        self.opps_view.setItemDelegateForColumn(0, ScoreBarDelegate(self))
        for column, width in enumerate((80, 400, 135, 100, 110)):
            self.opps_view.setColumnWidth(column, width)
        self.opps_view.doubleClicked.connect(self._open_opportunity)
        v.addWidget(self.opps_view)
        self.opps_note = QLabel(
            "Open and coming-soon tenders with service fit, best first. Double-click one to "
            "see every partner's fit."
        )
        self.opps_note.setAccessibleName("About the opportunities")
        self.opps_note.setWordWrap(True)
        v.addWidget(self.opps_note)
        marks = QHBoxLayout()
        marks.addWidget(QLabel("Teach the list:"))
        for name, value, tip in (
            ("Not for us", feedback.NOT_FOR_US, "Tenders like this one will count less"),
            ("Interested", feedback.INTERESTED, "Tenders like this one will count more"),
            ("Clear mark", None, "Forget the mark on this tender"),
        ):
            button = QPushButton(name)
            button.setAccessibleName(f"Mark the opportunity: {name.lower()}")
            button.setToolTip(tip)
            button.clicked.connect(lambda _checked=False, value=value: self._mark(value))
            marks.addWidget(button)
        self.forget_marks = QPushButton("Forget all marks")
        self.forget_marks.setAccessibleName("Forget all marks")
        self.forget_marks.setToolTip("Undo everything the list learnt from this partner's marks")
        self.forget_marks.clicked.connect(self._forget_marks)
        marks.addStretch()
        marks.addWidget(self.forget_marks)
        v.addLayout(marks)
        self.learned = QLabel()
        self.learned.setWordWrap(True)
        self.learned.setAccessibleName("What the marks taught")
        v.addWidget(self.learned)
        self.opps_page = page
        self.tabs.addTab(page, "Opportunities")

    def _build_weights_tab(self) -> None:
        page = QWidget()
        form = QFormLayout(page)
        form.addRow(
            QLabel(
                "How much each part of the fit counts. Changes re-rank at once and are saved in this workspace."
            )
        )
        self.weight_boxes: dict[str, QDoubleSpinBox] = {}
        for factor in FACTORS:
            box = QDoubleSpinBox(minimum=0, maximum=100, decimals=0, singleStep=5)
            box.setAccessibleName(f"Weight of {FACTOR_NAMES[factor]}")
            box.valueChanged.connect(self._weights_changed)
            self.weight_boxes[factor] = box
            form.addRow(FACTOR_NAMES[factor], box)
        reset = QPushButton("Back to the defaults")
        reset.setAccessibleName("Reset weights")
        reset.clicked.connect(lambda: self._set_weights(Weights()))
        form.addRow("", reset)
        self.tabs.addTab(page, "Weights")

    # --------------------------------------------------------------------- data
    def set_workspace(self, ws: Workspace) -> None:
        self.ws = ws
        self.ocid = None
        self._lister.stop()  # a list still being read is the last workspace's
        self.heading.setText(CHOOSE_A_TENDER)  # nothing of the last workspace's tender stays
        self.lot.blockSignals(True)
        self.lot.clear()
        self.lot.blockSignals(False)
        self._set_weights(service.load_weights(ws.db), save=False)
        # The tender list is read when the page is first shown: the window's change dispatcher
        # marks it stale for a new workspace (ui/dispatch.py, mark_stale).
        self.tenders.set_rows([])
        self.reload_partners()
        self.consortia.set_workspace(ws)
        self.match_model.set_rows([])
        self._clear_proposal()

    # ---------------------------------------------------------- who takes part
    def _choose(self, how: str) -> None:
        pid = self.choice_partner.currentData()
        if pid is None:
            return
        for chosen in (self.required, self.excluded):
            if pid in chosen:
                chosen.remove(pid)
        (self.required if how == "require" else self.excluded).append(pid)
        if how == "exclude" and self.lead_choice.currentData() == pid:
            self.lead_choice.setCurrentIndex(0)
        self._show_choices()

    def _clear_choice(self) -> None:
        item = self.choices.currentItem()
        if item is None:
            return
        pid = item.data(Qt.ItemDataRole.UserRole)
        for chosen in (self.required, self.excluded):
            if pid in chosen:
                chosen.remove(pid)
        self._show_choices()

    def _show_choices(self) -> None:
        self.choices.clear()
        for label, chosen in (("Must include", self.required), ("Leave out", self.excluded)):
            for pid in chosen:
                item = QListWidgetItem(f"{label}: {self.names.get(pid, pid)}")
                item.setData(Qt.ItemDataRole.UserRole, pid)
                self.choices.addItem(item)
        if not self.choices.count():
            item = QListWidgetItem("No partner required or left out")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.choices.addItem(item)

    def reload_partners(self) -> None:
        if self.ws is None:
            return
        self.partner.blockSignals(True)
        self.partner.clear()
        orgs = partner_store.load_all(self.ws.db)
        self.names = {o.id: o.name for o in orgs}
        for org in orgs:
            self.partner.addItem(org.name + (" (our organisation)" if org.is_ours else ""), org.id)
            if org.is_ours:
                self.partner.setCurrentIndex(self.partner.count() - 1)
        self.partner.blockSignals(False)
        ours = next((o for o in orgs if o.is_ours), None)
        self.include_ours.setText(
            f"Include our organisation ({ours.name}) when it fits a lot"
            if ours
            else "Include our organisation when it fits a lot (none is marked yet)"
        )
        self.include_ours.setEnabled(ours is not None)
        lead = self.lead_choice.currentData()
        self.choice_partner.clear()
        self.lead_choice.clear()
        self.lead_choice.addItem("Chosen for you (most capacity)", None)
        for org in orgs:
            label = org.name + (" (our organisation)" if org.is_ours else "")
            self.choice_partner.addItem(label, org.id)
            self.lead_choice.addItem(label, org.id)
        self.lead_choice.setCurrentIndex(max(0, self.lead_choice.findData(lead)))
        self.required = [p for p in self.required if p in self.names]
        self.excluded = [p for p in self.excluded if p in self.names]
        self._show_choices()
        self.reload_opportunities()

    def refresh_tenders(self, typed: bool = False) -> None:
        """The tender list read again, off the GUI thread: when the page is first shown or a
        workspace opened, after tenders changed (an import, another window), and for a search
        typed in the box (``typed``, after a pause in the typing). At 200,000 tenders reading
        it took 40-55 ms, and 100-130 ms for a common word, each time on the GUI thread.

        The tender chosen (one asked for from elsewhere, say, closed long ago) stays in the
        list, at the top if the list would not hold it, until the user searches for others."""
        typed = typed or self._timer.isActive()  # typing still going on when tenders changed
        self._timer.stop()  # that search is read now
        if self.ws is None:
            return
        ws, words, today = self.ws, self.search.text(), self.today
        keep = None if typed else self.ocid
        self._lister.start(
            lambda _stale: tender_search.open_first(
                ws, words, today=today, limit=TENDERS_LISTED, keep=keep
            )
        )

    def _listed(self, rows: list[dict]) -> None:
        self.tenders.set_rows(rows)
        if self.ocid is not None:
            self.select_tender(self.ocid)

    def _not_listed(self, exc: BaseException) -> None:
        self.heading.setText(f"Search: {exc}")

    def show_tender(self, ocid: str) -> bool:
        """From a tender elsewhere: that one chosen now (its partners ranked), then the whole
        list (the search cleared) read in the background with it chosen, at the top when the
        list would not hold it (one closed long ago, say). False if there is no such tender."""
        if self.ws is None or not self._choose_tender(ocid):
            return False
        self.search.clear()  # its clear button hides on the signal, so not blocked
        self._timer.stop()  # not a typed search: the list read just below keeps the tender
        self.refresh_tenders()
        return True

    def select_tender(self, ocid: str) -> bool:
        for r in range(self.tenders.rowCount()):
            if self.tenders.item(r)["ocid"] == ocid:
                self.tender_view.selectRow(r)
                return True
        return False

    def _tender_chosen(self, current, _previous) -> None:
        if current.isValid() and self.ws is not None and current.data(KEY_ROLE) != self.ocid:
            self._choose_tender(current.data(KEY_ROLE))

    def _choose_tender(self, ocid: str) -> bool:
        """Show ``ocid``'s partners and lots (False if the workspace has no such tender)."""
        tender = tender_search.get(self.ws, ocid)
        if tender is None:  # gone since it was listed (another window deleted it)
            return False
        self.ocid = ocid
        status = tender.status_on(self.today)
        self.heading.setText(
            f"{tender.title} — {tender.buyer_name or 'buyer not named'} ({status})"
        )
        self.lot.blockSignals(True)
        self.lot.clear()
        self.lot.addItem("The whole tender", None)
        for lot in tender.lots:
            self.lot.addItem(proposals.lot_name(tender, lot.id), lot.id)
        self.lot.blockSignals(False)
        self._clear_proposal()
        self._rank()
        return True

    def _lot_chosen(self, _index: int) -> None:
        if self.ocid is not None:
            self._rank()

    def _rank(self) -> None:
        self.matches = service.match_tender(
            self.ws, self.ocid, self.lot.currentData(), today=self.today, weights=self.weights()
        )
        self.match_model.set_rows(self.matches)
        if self.matches:
            self.match_view.selectRow(0)

    def _match_chosen(self, current, _previous) -> None:
        if current.isValid():
            self.why.setHtml(explain_html(self.match_model.item(current.row())))

    # ------------------------------------------------------------------ weights
    def weights(self) -> Weights:
        return Weights(**{f: box.value() for f, box in self.weight_boxes.items()})

    def _set_weights(self, weights: Weights, save: bool = True) -> None:
        for factor, box in self.weight_boxes.items():
            box.blockSignals(True)
            box.setValue(getattr(weights, factor))
            box.blockSignals(False)
        if save:
            self._weights_changed()

    def _weights_changed(self) -> None:
        if self.ws is not None:
            service.save_weights(self.ws, self.weights())  # the dispatcher calls rerank()

    def rerank(self) -> None:
        """The weights or the marks changed (here or anywhere else): the stored weights in the
        boxes, the chosen tender's partners and the opportunities ranked again."""
        if self.ws is None:
            return
        stored = service.load_weights(self.ws.db)
        if stored != self.weights():  # never set under the user's typing when it is theirs
            self._set_weights(stored, save=False)
        weights = self.weights()
        self.matches = sorted((rescore(m, weights) for m in self.matches), key=sort_key)
        self.match_model.set_rows(self.matches)
        if self.matches:
            self.match_view.selectRow(0)
        self.reload_opportunities()

    # ----------------------------------------------------------------- proposal
    def _clear_proposal(self) -> None:
        self.result = None
        self.option.clear()
        self.grid.clear()
        self.grid.setRowCount(0)
        self.grid.setColumnCount(0)
        self.gaps.clear()
        self.save_button.setEnabled(False)
        self.saved_bar.setVisible(False)
        self.summary.setText("Propose a consortium that covers every lot, place and requirement.")

    def propose(self) -> None:
        if self.ws is None or self.ocid is None:
            self.summary.setText("Choose a tender first.")
            return
        ws, ocid, today, weights = self.ws, self.ocid, self.today, self.weights()
        include, exclude = list(self.required), list(self.excluded)
        lead, ours = self.lead_choice.currentData(), self.include_ours.isChecked()
        if lead is not None and lead in exclude:
            self.summary.setText(f"{self.names.get(lead)} is left out, so it cannot lead.")
            return
        self.run(
            "Finding the best consortium",
            lambda progress, cancelled: proposals.propose_for(
                ws,
                ocid,
                today=today,
                weights=weights,
                include=include,
                exclude=exclude,
                lead=lead,
                include_ours=ours,
            ),
            self.show_result,
        )

    def show_result(self, result: proposals.ProposalResult) -> None:
        self.result = result
        self.option.blockSignals(True)
        self.option.clear()
        self.saved_bar.setVisible(False)
        options = [i for i, p in enumerate(result.proposals) if p.members]
        for i in options:
            headline = result.headline(i)
            self.option.addItem(f"Option {result.proposals[i].rank}: {headline}", i)
            self.option.setItemData(self.option.count() - 1, headline, Qt.ItemDataRole.ToolTipRole)
        self.option.blockSignals(False)
        self.tabs.setCurrentIndex(1)
        if options:
            self.option.setCurrentIndex(0)
            self._show_option(0)
        else:
            # never an empty consortium presented as a result
            self.grid.clear()
            self.grid.setRowCount(0)
            self.grid.setColumnCount(0)
            self.gaps.clear()
            self.save_button.setEnabled(False)
            self.summary.setText(
                "No partner has service fit for any part of this tender, so there is no "
                "consortium to propose. Add a partner that offers this service."
            )

    def _show_option(self, position: int) -> None:
        index = self.option.itemData(position) if position >= 0 else None
        if self.result is None or index is None or not 0 <= index < len(self.result.proposals):
            return
        result, proposal = self.result, self.result.proposals[index]
        rows = result.grid(index)
        members = proposal.members
        headers = (
            ["Lot", "Where", "Delivered by"] + [result.name(m) for m in members] + ["Requirements"]
        )
        self.grid.clear()
        self.grid.setColumnCount(len(headers))
        self.grid.setRowCount(len(rows))
        self.grid.setHorizontalHeaderLabels(headers)
        for r, row in enumerate(rows):
            covered = row["delivered_by"] is not None
            who = row["delivered_by_name"] or (
                f"Closest: {row['closest_name']}" if row["closest"] is not None else "Nobody"
            )
            cells = [row["name"].split(" in ")[0], ", ".join(row["places"]), who]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if not covered:
                    item.setBackground(QBrush(RED))
                self.grid.setItem(r, c, item)
            for k, member in enumerate(members):
                fit = row["fit"].get(member)
                near = row["score"].get(member) if member == row["closest"] else None
                shown = fit if fit is not None else near
                item = QTableWidgetItem("" if shown is None else f"{shown:.0f}")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if member == row["delivered_by"]:
                    item.setBackground(QBrush(GREEN))
                    item.setToolTip(f"{result.name(member)} delivers this lot (fit {fit:.0f})")
                elif fit is not None:
                    item.setBackground(QBrush(BLUE))
                    item.setToolTip(
                        f"{result.name(member)} could deliver this lot too (fit {fit:.0f})"
                    )
                elif near is not None:
                    item.setBackground(QBrush(RED))
                    item.setToolTip(
                        f"{result.name(member)} comes closest for this lot but is not a full "
                        f"fit (score {near:.0f}); see the gaps"
                    )
                self.grid.setItem(r, 3 + k, item)
            reqs = row["requirements"]
            text = (
                "; ".join(("✓ " if q["met"] else "✗ ") + q["requirement"] for q in reqs)
                or "None named"
            )
            item = QTableWidgetItem(text)
            if any(not q["met"] for q in reqs):
                item.setBackground(QBrush(RED))
            self.grid.setItem(r, 3 + len(members), item)
        self.grid.resizeColumnsToContents()
        for column, cap in ((0, 230), (1, 130), (2, 170)):
            self.grid.setColumnWidth(column, min(self.grid.columnWidth(column), cap))
        for k in range(len(members)):
            self.grid.setColumnWidth(3 + k, 140)  # member names wrap in the header tooltip
            self.grid.horizontalHeaderItem(3 + k).setToolTip(result.name(members[k]))
        self.grid.horizontalHeader().setStretchLastSection(True)
        self.gaps.clear()
        for gap in proposal.gaps:
            fix = f" {gap.fix}." if gap.fix else ""
            nearest = [n for n in gap.nearest if n != proposal.closest.get(gap.lot)]
            near = f" Nearest: {', '.join(result.name(n) for n in nearest)}." if nearest else ""
            text = f"{gap.message}.{fix}{near}".replace("..", ".")
            item = QListWidgetItem(text)
            item.setToolTip(text)
            self.gaps.addItem(item)
        if not proposal.gaps:
            self.gaps.addItem("No gaps: every lot, place and requirement is covered.")
        lead = result.name(proposal.lead) if proposal.lead is not None else "none"
        count = f"{len(members)} member{'s' if len(members) != 1 else ''}"
        if proposal.complete:
            proof = "the proven best" if proposal.optimal else "the best found in the time allowed"
            verdict = f"This covers everything and is {proof}."
        else:
            verdict = (
                "Partial cover: these partners come closest; the gaps say what each one needs."
            )
        ours = (
            " Includes our organisation."
            if result.ours is not None and result.ours in members
            else ""
        )
        self.summary.setText(
            f"Lead: {lead}. {count}; combined capacity {money(proposal.capacity)} a year against "
            f"{money(result.annual_value)} a year. {verdict}{ours}"
        )
        self.save_button.setEnabled(bool(members))

    def save_consortium(self) -> None:
        if self.result is None or not self.result.proposals:
            return
        index = self.option.currentData()
        if index is None:
            return
        suggested = f"{self.result.tender.title[:60]} consortium"
        name, ok = ask_text(self, "Save as consortium", "Name for this consortium:", suggested)
        if not ok or not name.strip():
            return
        saved = proposals.save_as_consortium(self.ws, self.result, index, name.strip())
        count = f"{len(saved.members)} member{'s' if len(saved.members) != 1 else ''}"
        lead = saved.lead.name if saved.lead else "no lead"
        self.saved_id = saved.id
        self.saved_label.setText(
            f"Saved consortium “{saved.name}”: {count}, lead {lead}. "
            "Edit it under Consortia, or start a bid with it now."
        )
        self.saved_bar.setVisible(True)
        self.consortia.reload(saved.id)

    def _start_bid(self) -> None:
        if self.saved_id is not None:
            self.bid_requested.emit(self.saved_id)

    # ------------------------------------------------------------ opportunities
    def reload_opportunities(self) -> None:
        """The partner, the weights or the data changed: rank again when the list is shown."""
        self._opps_key = None
        self._load_opportunities_if_shown()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._load_opportunities_if_shown()

    def _load_opportunities_if_shown(self) -> None:
        if self.ws is None or self.partner.currentData() is None:
            self._opps_key = None
            self.opps.set_rows([])
            return
        if not self.isVisible() or self.tabs.currentWidget() is not self.opps_page:
            return
        ws, partner_id, today, weights = (
            self.ws,
            self.partner.currentData(),
            self.today,
            self.weights(),
        )
        key = (id(ws), partner_id, today, weights)
        if key == self._opps_key:
            return
        if self._opps_task is not None:
            self._opps_again = True  # rank again for the latest choice when this one ends
            return
        self._opps_key = key
        self.opps_note.setText(f"Finding opportunities for {self.partner.currentText()}…")

        def work(progress, cancelled):
            return service.opportunities(
                ws, partner_id, today=today, weights=weights, progress=progress, cancelled=cancelled
            )

        def done(found) -> None:
            if key == self._opps_key:
                self.opps.set_rows(found)
                self._show_learned(partner_id)
                for r in range(self.opps.rowCount()):  # keep the tender just marked selected
                    if self.opps.item(r).tender.ocid == self._reselect:
                        self.opps_view.selectRow(r)
                self.opps_note.setText(
                    f"The {plural(len(found), 'best-fitting open or coming-soon tender')} for "
                    f"{self.partner.currentText()}, best first. Double-click one to see every "
                    "partner's fit."
                )

        task = self.run("Finding opportunities", work, done)
        if task is None or not getattr(task, "running", False):
            self._opps_finished(task)
        else:
            self._opps_task = task
            task.finished.connect(lambda: self._opps_finished(task))

    def _opps_finished(self, task) -> None:
        self._opps_task = None
        if task is not None and task.future.exception() is not None:
            self._opps_key = None  # cancelled or failed: try again next time the list is shown
            self.opps_note.setText("Opportunities not found (cancelled). Switch tabs to try again.")
        if self._opps_again:
            self._opps_again = False
            self._load_opportunities_if_shown()

    def _show_learned(self, pid: int) -> None:
        sentences = feedback.learned(self.ws.db, pid).sentences()
        self.learned.setText(
            "; ".join(sentences) + ". Forget all marks to undo this."
            if sentences
            else "Mark tenders “not for us” or “interested” and this list learns from it; "
            "nothing is ever hidden."
        )

    def _mark(self, value: str | None) -> None:
        row = self.opps_view.currentIndex().row()
        pid = self.partner.currentData()
        if self.ws is None or pid is None or row < 0:
            self.learned.setText("Choose a tender in the list first, then mark it.")
            return
        self._reselect = self.opps.item(row).tender.ocid
        feedback.mark(self.ws, pid, self._reselect, value)  # the dispatcher calls rerank()

    def _forget_marks(self) -> None:
        pid = self.partner.currentData()
        if self.ws is None or pid is None:
            return
        feedback.reset(self.ws, pid)  # the dispatcher calls rerank()

    def _open_opportunity(self, index) -> None:
        if self.show_tender(self.opps.item(index.row()).tender.ocid):
            self.tabs.setCurrentIndex(0)
