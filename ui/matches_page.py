"""The Matches area: pick a tender, see partners ranked per lot with the reasons, propose a
consortium with its coverage grid and gaps, and see a partner's opportunities."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
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

from consortium.matching import proposals, service
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
from ui.consortia_page import ConsortiaPage
from ui.matches_models import (
    KEY_ROLE,
    MatchModel,
    OpportunityModel,
    ScoreBarDelegate,
    TenderPickModel,
)

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


class MatchesPage(QWidget):
    """Thin view over ``consortium.matching``."""

    consortium_saved = Signal(int)

    def __init__(self, run, parent=None):
        super().__init__(parent)
        self.run = run  # the window's background runner: run(title, fn, on_done)
        self.ws: Workspace | None = None
        self.today = dt.date.today()
        self.matches: list = []
        self.result: proposals.ProposalResult | None = None
        self.ocid: str | None = None
        # What the Opportunities list shows, as (workspace, partner, weights): None when stale.
        # Ranking reads every open tender, so it runs in the background and only when the list
        # is on screen (never while the window opens).
        self._opps_key: tuple | None = None
        self._opps_task = None
        self._opps_again = False
        self._tenders_stale = False

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
        for column, width in ((2, 95), (3, 90), (4, 40)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            self.tender_view.setColumnWidth(column, width)
        lv.addWidget(self.tender_view)
        splitter.addWidget(left)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Match views")
        splitter.addWidget(self.tabs)
        splitter.setSizes([430, 900])
        self.splitter = splitter
        layout = QVBoxLayout(self)
        self.heading = QLabel("Choose a tender to see which partners fit it.")
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

        self._timer = QTimer(self, singleShot=True, interval=200)
        self._timer.timeout.connect(self.reload_tenders)
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
        row = QHBoxLayout()
        self.propose_button = QPushButton("Propose a consortium")
        self.propose_button.setAccessibleName("Propose a consortium")
        self.propose_button.clicked.connect(self.propose)
        self.option = QComboBox()
        self.option.setAccessibleName("Proposal option")
        self.option.currentIndexChanged.connect(self._show_option)
        self.save_button = QPushButton("Save as consortium…")
        self.save_button.setAccessibleName("Save as consortium")
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
        self.grid = QTableWidget()
        self.grid.setAccessibleName("Coverage grid")
        self.grid.horizontalHeader().setTextElideMode(Qt.TextElideMode.ElideRight)
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid.setWordWrap(True)
        v.addWidget(self.grid, 3)
        v.addWidget(QLabel("Gaps"))
        self.gaps = QListWidget()
        self.gaps.setAccessibleName("Gaps in the proposal")
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
        for column, width in enumerate((70, 420, 110, 100, 110)):
            self.opps_view.setColumnWidth(column, width)
        self.opps_view.doubleClicked.connect(self._open_opportunity)
        v.addWidget(self.opps_view)
        self.opps_note = QLabel(
            "Open and coming-soon tenders, best first. Double-click one to see every partner's fit."
        )
        self.opps_note.setAccessibleName("About the opportunities")
        self.opps_note.setWordWrap(True)
        v.addWidget(self.opps_note)
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
        self._set_weights(service.load_weights(ws.db), save=False)
        self._tenders_stale = True  # the tender list is read when the page is first shown
        if self.isVisible():
            self.reload_tenders()
        self.reload_partners()
        self.consortia.set_workspace(ws)
        self.match_model.set_rows([])
        self._clear_proposal()

    def reload_partners(self) -> None:
        if self.ws is None:
            return
        self.partner.blockSignals(True)
        self.partner.clear()
        for org in partner_store.load_all(self.ws.db):
            self.partner.addItem(org.name + (" (our organisation)" if org.is_ours else ""), org.id)
            if org.is_ours:
                self.partner.setCurrentIndex(self.partner.count() - 1)
        self.partner.blockSignals(False)
        self.reload_opportunities()

    def reload_tenders(self) -> None:
        if self.ws is None:
            return
        self._tenders_stale = False
        try:
            rows = tender_search.search(
                self.ws, text=self.search.text(), today=self.today, limit=2000
            )
        except Exception as exc:  # a half-typed query must never break the page
            self.heading.setText(f"Search: {exc}")
            return
        self.tenders.set_rows(rows)
        if self.ocid is not None:
            self.select_tender(self.ocid)

    def select_tender(self, ocid: str) -> bool:
        for r in range(self.tenders.rowCount()):
            if self.tenders.item(r)["ocid"] == ocid:
                self.tender_view.selectRow(r)
                return True
        return False

    def _tender_chosen(self, current, _previous) -> None:
        if not current.isValid() or self.ws is None:
            return
        ocid = current.data(KEY_ROLE)
        if ocid == self.ocid:
            return
        self.ocid = ocid
        tender = service.get_tender(self.ws.db, ocid)
        self.tender = tender
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
        if self.ws is None:
            return
        weights = self.weights()
        service.save_weights(self.ws, weights)
        self.matches = sorted((rescore(m, weights) for m in self.matches), key=sort_key)
        self.match_model.set_rows(self.matches)
        if self.matches:
            self.match_view.selectRow(0)

    # ----------------------------------------------------------------- proposal
    def _clear_proposal(self) -> None:
        self.result = None
        self.option.clear()
        self.grid.clear()
        self.grid.setRowCount(0)
        self.grid.setColumnCount(0)
        self.gaps.clear()
        self.save_button.setEnabled(False)
        self.summary.setText("Propose a consortium that covers every lot, place and requirement.")

    def propose(self) -> None:
        if self.ws is None or self.ocid is None:
            self.summary.setText("Choose a tender first.")
            return
        ws, ocid, today, weights = self.ws, self.ocid, self.today, self.weights()
        self.run(
            "Finding the best consortium",
            lambda progress, cancelled: proposals.propose_for(
                ws, ocid, today=today, weights=weights
            ),
            self.show_result,
        )

    def show_result(self, result: proposals.ProposalResult) -> None:
        self.result = result
        self.option.blockSignals(True)
        self.option.clear()
        for p in result.proposals:
            state = "covers everything" if p.complete else "partial cover"
            names = ", ".join(result.name(m) for m in p.members) or "no partner"
            self.option.addItem(f"Option {p.rank}: {len(p.members)} member(s), {state} — {names}")
        self.option.blockSignals(False)
        self.tabs.setCurrentIndex(1)
        if result.proposals:
            self.option.setCurrentIndex(0)
            self._show_option(0)
        else:
            self.summary.setText("No partner can deliver any part of this tender.")

    def _show_option(self, index: int) -> None:
        if self.result is None or not 0 <= index < len(self.result.proposals):
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
            cells = [
                row["name"].split(" in ")[0],
                ", ".join(row["places"]),
                row["delivered_by_name"] or "Nobody",
            ]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if not covered:
                    item.setBackground(QBrush(RED))
                self.grid.setItem(r, c, item)
            for k, member in enumerate(members):
                fit = row["fit"].get(member)
                item = QTableWidgetItem("" if fit is None else f"{fit:.0f}")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if member == row["delivered_by"]:
                    item.setBackground(QBrush(GREEN))
                    item.setToolTip(f"{result.name(member)} delivers this lot (fit {fit:.0f})")
                elif fit is not None:
                    item.setBackground(QBrush(BLUE))
                    item.setToolTip(
                        f"{result.name(member)} could deliver this lot too (fit {fit:.0f})"
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
            nearest = (
                f" Nearest: {', '.join(result.name(n) for n in gap.nearest)}."
                if gap.nearest
                else ""
            )
            self.gaps.addItem(f"{gap.message}.{nearest}".replace("..", "."))
        if not proposal.gaps:
            self.gaps.addItem("No gaps: every lot, place and requirement is covered.")
        lead = result.name(proposal.lead) if proposal.lead is not None else "none"
        proof = "the proven best" if proposal.optimal else "the best found in the time allowed"
        self.summary.setText(
            f"Lead: {lead}. {len(members)} member(s); combined capacity £{proposal.capacity:,.0f} a year "
            f"against £{result.annual_value:,.0f} a year. This is {proof}."
        )
        self.save_button.setEnabled(bool(members))

    def save_consortium(self) -> None:
        if self.result is None or not self.result.proposals:
            return
        index = max(0, self.option.currentIndex())
        suggested = f"{self.result.tender.title[:60]} consortium"
        name, ok = QInputDialog.getText(
            self, "Save as consortium", "Name for this consortium:", text=suggested
        )
        if not ok or not name.strip():
            return
        saved = proposals.save_as_consortium(self.ws, self.result, index, name.strip())
        self.summary.setText(
            f"Saved as consortium “{saved.name}” with {len(saved.members)} member(s)."
        )
        self.consortia.reload(saved.id)
        self.consortium_saved.emit(saved.id)

    # ------------------------------------------------------------ opportunities
    def reload_opportunities(self) -> None:
        """The partner, the weights or the data changed: rank again when the list is shown."""
        self._opps_key = None
        self._load_opportunities_if_shown()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._tenders_stale:
            self.reload_tenders()
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
                self.opps_note.setText(
                    f"The {len(found)} best-fitting open and coming-soon tender(s) for "
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

    def _open_opportunity(self, index) -> None:
        ocid = self.opps.item(index.row()).tender.ocid
        self.search.clear()
        self.reload_tenders()
        if self.select_tender(ocid):
            self.tabs.setCurrentIndex(0)
