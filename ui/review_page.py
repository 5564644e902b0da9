"""The Review area (for a housing association): open a signed bid pack, see at once whether it
is genuine, work through the assurance checklist, comment, decide, and send a signed review
back. Also takes a review back into a bid on the consortium's side. A thin view over
``consortium.packs``."""

from __future__ import annotations

import datetime as dt
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from consortium.errors import ConsortiumError
from consortium.packs import pack, review
from consortium.workspace import Workspace
from ui import colours
from ui.assets_page import AssetsPage
from ui.partner_editor import ComboDelegate, Table
from ui.signing import passphrase_for_signing

STATUS_COLOURS = {
    review.PASS: "#d1e7dd",
    review.WARN: "#fff3cd",
    review.FAIL: "#f8d7da",
    review.OPEN: "#e9ecef",
}
STATUSES = (review.PASS, review.WARN, review.FAIL, review.OPEN, "not applicable")


class ReviewPage(QWidget):
    review_imported = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.ws: Workspace | None = None
        self.opened: review.OpenedPack | None = None
        self.today = dt.date.today()
        outer = QVBoxLayout(self)
        self.areas = QTabWidget()
        self.areas.setAccessibleName("Review tabs")
        outer.addWidget(self.areas)
        review_tab = QWidget()
        self.areas.addTab(review_tab, "Review a bid pack")
        self.assets = AssetsPage()
        self.areas.addTab(self.assets, "Locality assets")
        layout = QVBoxLayout(review_tab)
        row = QHBoxLayout()
        self.open_button = QPushButton("Open a bid pack…")
        self.open_button.setAccessibleName("Open a bid pack")
        self.import_button = QPushButton("Take a review back into a bid…")
        self.import_button.setAccessibleName("Import a review")
        row.addWidget(self.open_button)
        row.addWidget(self.import_button)
        row.addStretch()
        layout.addLayout(row)
        self.banner = QLabel(
            "Open a .cbpack file sent by a consortium to review it. It is checked before anything else."
        )
        self.banner.setWordWrap(True)
        self.banner.setAccessibleName("Verification result")
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self.banner.setStyleSheet("padding: 8px; background: #e9ecef; color: #212529;")
        layout.addWidget(self.banner)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Pack contents")
        self.summary = QTextBrowser()
        self.summary.setAccessibleName("Bid summary")
        self.tabs.addTab(self.summary, "Bid and members")
        self.changes = QTextBrowser()
        self.changes.setAccessibleName("Changes since the last version")
        self.tabs.addTab(self.changes, "What changed")
        splitter.addWidget(self.tabs)

        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(
            QLabel(
                "Assurance checklist (double-click a status or note to change it; add your own items)"
            )
        )
        self.checklist = QTreeWidget()
        self.checklist.setAccessibleName("Assurance checklist")
        self.checklist.setHeaderLabels(["Item", "Status", "Evidence", "Your note"])
        self.checklist.setColumnWidth(0, 330)
        self.checklist.setColumnWidth(1, 90)
        self.checklist.setColumnWidth(2, 300)
        self.checklist.setItemDelegateForColumn(1, ComboDelegate(lambda _r: STATUSES, False, self))
        rv.addWidget(self.checklist, 3)
        add = QHBoxLayout()
        self.new_item = QLineEdit(placeholderText="Your own checklist item…")
        self.new_item.setAccessibleName("New checklist item")
        self.new_foundation = QComboBox()
        self.new_foundation.setAccessibleName("Foundation for the new item")
        self.new_foundation.addItems(review.FOUNDATIONS)
        self.add_item = QPushButton("Add item")
        self.add_item.setAccessibleName("Add checklist item")
        add.addWidget(self.new_item, 1)
        add.addWidget(self.new_foundation)
        add.addWidget(self.add_item)
        rv.addLayout(add)
        rv.addWidget(QLabel("Comments (on a section, question, member or document)"))
        self.comments = Table("Comments", ["On", "Which", "Comment"])
        self.comments.table.setItemDelegateForColumn(
            0, ComboDelegate(lambda _r: review.ANCHORS, False, self)
        )
        rv.addWidget(self.comments, 2)
        decide = QHBoxLayout()
        self.decision = QComboBox()
        self.decision.setAccessibleName("Decision")
        for key, label in review.DECISIONS.items():
            self.decision.addItem(label, key)
        self.reasons = QPlainTextEdit()
        self.reasons.setAccessibleName("Reasons for the decision")
        self.reasons.setPlaceholderText("Reasons (needed unless you approve), and any conditions")
        self.reasons.setMaximumHeight(70)
        self.send = QPushButton("Sign and save the review…")
        self.send.setAccessibleName("Sign and save the review")
        decide.addWidget(self.decision)
        decide.addWidget(self.reasons, 1)
        decide.addWidget(self.send)
        rv.addLayout(decide)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Review message")
        rv.addWidget(self.message)
        splitter.addWidget(right)
        splitter.setSizes([520, 760])
        self.splitter = splitter
        layout.addWidget(splitter, 1)

        self.open_button.clicked.connect(self.choose_pack)
        self.import_button.clicked.connect(self.choose_review)
        self.add_item.clicked.connect(self._add_item)
        self.send.clicked.connect(self.choose_export)
        self._enable(False)

    def set_workspace(self, ws: Workspace) -> None:
        self.ws = ws
        self.opened = None
        self._enable(False)
        self.assets.set_workspace(ws)

    def _enable(self, on: bool) -> None:
        for w in (
            self.checklist,
            self.new_item,
            self.new_foundation,
            self.add_item,
            self.comments,
            self.decision,
            self.reasons,
            self.send,
        ):
            w.setEnabled(on)

    # --------------------------------------------------------------------- opening
    def choose_pack(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a bid pack", str(Path.home()), "Bid packs (*.cbpack);;All files (*)"
        )
        if path:
            self.open_pack(Path(path))

    def open_pack(self, path: Path) -> None:
        if self.ws is None:
            return
        result = pack.verify_pack(path, self.ws)
        self.opened = None
        self.checklist.clear()
        self.comments.set_rows([])
        if not result.ok:
            problems = "".join(f"<li>{escape(p)}</li>" for p in result.problems)
            self.banner.setText(
                f"<b>NOT VERIFIED — do not rely on {escape(path.name)}.</b><ul>{problems}</ul>"
            )
            self.banner.setStyleSheet("padding: 8px; background: #f8d7da; color: #58151c;")
            self.summary.setHtml(
                "<p>Nothing in this pack was opened, because it did not verify.</p>"
            )
            self.changes.clear()
            self._enable(False)
            return
        try:
            self.opened = review.open_for_review(self.ws, path, self.today)
        except ConsortiumError as exc:
            self.banner.setText(escape(str(exc)))
            return
        signer = result.signer
        warn = "".join(f"<br>⚠ {escape(w)}" for w in result.warnings)
        self.banner.setText(
            f"<b>VERIFIED</b>: every file is as {escape(signer['organisation'])} signed it. "
            f"Their key's words: <b>{escape(signer['words'])}</b>{warn}"
        )
        colour = "#fff3cd; color: #664d03" if result.warnings else "#d1e7dd; color: #0a3622"
        self.banner.setStyleSheet(f"padding: 8px; background: {colour};")
        self._show_summary()
        self._show_checklist(self.opened.checklist)
        self._enable(True)

    def _show_summary(self) -> None:
        data = self.opened.data
        c, bid, tender = data["consortium"], data["bid"], data.get("tender") or {}
        parts = [f"<h2>{escape(bid['name'])}</h2>"]
        if tender:
            parts.append(
                f"<p>For <b>{escape(tender.get('title') or '')}</b> — {escape(tender.get('buyer') or '')}</p>"
            )
        fee = f", management fee {c['fee_percent']:g}%" if c.get("fee_percent") is not None else ""
        parts.append(
            f"<p>{escape(c['name'])}: {escape(c['model_label'])}{fee}</p><h3>Members</h3><ul>"
        )
        for m in data["members"]:
            lots = f" — lots {', '.join(m['lots'])}" if m.get("lots") else ""
            parts.append(f"<li><b>{escape(m['name'])}</b> ({escape(m['role'])}{escape(lots)})</li>")
        parts.append("</ul>")
        files = self.opened.verification.manifest.get("files", {})
        docs = [n for n in files if n.startswith(("documents/", "evidence/"))]
        if docs:
            parts.append(
                "<h3>Documents</h3><ul>" + "".join(f"<li>{escape(n)}</li>" for n in docs) + "</ul>"
            )
        if data.get("questions"):
            parts.append(f"<h3>{len(data['questions'])} questions answered</h3>")
        self.summary.setHtml("".join(parts))
        if self.opened.changes:
            self.changes.setHtml(
                "<ul>" + "".join(f"<li>{escape(ch)}</li>" for ch in self.opened.changes) + "</ul>"
            )
            self.tabs.setTabText(1, f"What changed ({len(self.opened.changes)})")
        else:
            self.changes.setHtml("<p>No earlier version of this bid has been reviewed here.</p>")
            self.tabs.setTabText(1, "What changed")

    def _show_checklist(self, checks: list[review.Check]) -> None:
        self.checklist.clear()
        groups = {}
        for foundation in review.FOUNDATIONS:
            group = QTreeWidgetItem([foundation])
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            self.checklist.addTopLevelItem(group)
            groups[foundation] = group
        for check in checks:
            self._add_check(groups[check.foundation], check)
        self.checklist.expandAll()

    def _add_check(self, group: QTreeWidgetItem, check: review.Check) -> QTreeWidgetItem:
        item = QTreeWidgetItem([check.item, check.status, "; ".join(check.evidence), check.note])
        item.setData(0, Qt.ItemDataRole.UserRole, check.automated)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        item.setBackground(1, QBrush(QColor(STATUS_COLOURS.get(check.status, "#ffffff"))))
        item.setToolTip(2, "\n".join(check.evidence))
        group.addChild(item)
        return item

    def _add_item(self) -> None:
        text = self.new_item.text().strip()
        if not text:
            return
        group = self.checklist.topLevelItem(self.new_foundation.currentIndex())
        self._add_check(
            group,
            review.Check(self.new_foundation.currentText(), text, review.OPEN, [], automated=False),
        )
        self.new_item.clear()

    def current_checklist(self) -> list[review.Check]:
        checks = []
        for g in range(self.checklist.topLevelItemCount()):
            group = self.checklist.topLevelItem(g)
            for k in range(group.childCount()):
                item = group.child(k)
                checks.append(
                    review.Check(
                        foundation=group.text(0),
                        item=item.text(0),
                        status=item.text(1),
                        evidence=[e for e in item.text(2).split("; ") if e],
                        automated=bool(item.data(0, Qt.ItemDataRole.UserRole)),
                        note=item.text(3),
                    )
                )
        return checks

    def current_comments(self) -> list[review.Comment]:
        return [
            review.Comment(anchor or "section", which, text)
            for _r, (anchor, which, text) in self.comments.rows()
            if text
        ]

    # ----------------------------------------------------------------------- saving
    def choose_export(self) -> None:
        if self.opened is None:
            return
        suggested = Path.home() / f"{self.opened.data['bid']['name']} - review.cbreview"
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the signed review", str(suggested), "Reviews (*.cbreview)"
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path, passphrase: str | None = None) -> Path | None:
        ok, passphrase = passphrase_for_signing(self, passphrase, self.message)
        if not ok:
            return None
        try:
            out = review.export_review(
                review.Review(
                    self.opened,
                    self.current_checklist(),
                    self.current_comments(),
                    self.decision.currentData(),
                    reasons=self.reasons.toPlainText().strip(),
                ),
                path,
                passphrase=passphrase,
            )
        except ConsortiumError as exc:
            self.message.setText(colours.span("error", str(exc)))
            return None
        self.message.setText(
            f"Saved the signed review to {escape(str(out))}. Send it back to the consortium."
        )
        return out

    # ---------------------------------------------------------------- consortium side
    def choose_review(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Take a review back in", str(Path.home()), "Reviews (*.cbreview);;All files (*)"
        )
        if path:
            self.import_review(Path(path))

    def import_review(self, path: Path) -> None:
        if self.ws is None:
            return
        try:
            imported = review.import_review(self.ws, path)
        except ConsortiumError as exc:
            self.banner.setText(f"<b>The review was not taken in.</b> {escape(str(exc))}")
            self.banner.setStyleSheet("padding: 8px; background: #f8d7da; color: #58151c;")
            return
        extra = "".join(f"<br>⚠ {escape(w)}" for w in imported.warnings)
        self.banner.setText(
            f"<b>{escape(imported.reviewer)}: {escape(review.DECISIONS[imported.decision])}.</b> "
            f"{imported.comments} comment(s) added beside the bid; its status is now {escape(imported.status)}.{extra}"
        )
        self.banner.setStyleSheet("padding: 8px; background: #d1e7dd; color: #0a3622;")
        self.review_imported.emit(imported.bid_id)
