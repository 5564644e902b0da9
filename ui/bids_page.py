"""The Bids area: a consortium's bids, sending one to the sponsoring housing association as a
signed pack, and the review comments that come back. A thin view over the core."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from consortium import assets, places
from consortium.bids import records as bids
from consortium.errors import ConsortiumError
from consortium.matching import consortia
from consortium.packs import keys, pack, review, standing
from consortium.partners import store as partner_store
from consortium.workspace import Workspace
from ui import colours, key_confirm, review_outcome
from ui.bid_narrative import NarrativePanel
from ui.bid_questions import QuestionsPanel
from ui.signing import ensure_key, passphrase_for_signing
from ui.status import StatusLabel
from ui.work_page import member_work_html

ID_ROLE = Qt.ItemDataRole.UserRole + 40
STATUS_COLOURS = {"approved": "#d1e7dd", "returned": "#f8d7da", "in review": "#fff3cd"}


def lots_text(lots) -> str:
    """ " (lot 1)" or " (lots 1, 2)"; nothing when the member is not tied to lots."""
    if not lots:
        return ""
    return f" (lot{'s' if len(lots) > 1 else ''} {', '.join(lots)})"


class BidsPage(QWidget):
    sent = Signal(str)

    def __init__(self, run=None, parent=None):
        super().__init__(parent)
        self.run = run  # the window's background runner: run(title, fn, on_done)
        self.ws: Workspace | None = None
        self.built_folder: Path | None = None
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(QLabel("New bid for:"))
        self.consortium = QComboBox()
        self.consortium.setAccessibleName("Consortium for a new bid")
        self.new_button = QPushButton("Create bid")
        self.new_button.setAccessibleName("Create bid")
        self.send_button = QPushButton("Send for review…")
        self.send_button.setAccessibleName("Send for review")
        self.send_button.setToolTip(
            "Write a signed bid pack for the sponsoring housing association"
        )
        row.addWidget(self.consortium, 1)
        row.addWidget(self.new_button)
        row.addStretch()
        self.build_button = QPushButton("Build documents…")
        self.build_button.setAccessibleName("Build bid documents")
        self.build_button.setToolTip(
            "The joint bid, Right to Challenge EOI, agreement outline and due-diligence workbook"
        )
        from consortium import pdf

        # The buyer usually asks for PDF: made with LibreOffice when it is installed.
        self.pdf_box = QCheckBox("PDF too")
        self.pdf_box.setAccessibleName("Also make PDFs")
        self.pdf_box.setChecked(pdf.available())
        self.pdf_box.setEnabled(pdf.available())
        self.pdf_box.setToolTip(
            "Also a PDF of the submission copy and the expression of interest, contents page "
            "numbered"
            if pdf.available()
            else "Install LibreOffice (free, from libreoffice.org) to have PDFs made too"
        )
        self.open_folder = QPushButton("Open folder")
        self.open_folder.setAccessibleName("Open the documents folder")
        self.open_folder.setVisible(False)
        row.addWidget(self.build_button)
        row.addWidget(self.pdf_box)
        row.addWidget(self.open_folder)
        row.addWidget(self.send_button)
        self.take_review_button = QPushButton("Take in a review…")
        self.take_review_button.setAccessibleName("Take in a review")
        self.take_review_button.setToolTip(
            "Take the housing association's signed review (.cbreview) into the selected bid"
        )
        self.take_review_button.clicked.connect(self.choose_review)
        row.addWidget(self.take_review_button)
        layout.addLayout(row)
        self.message = StatusLabel()  # a failure shown here goes at the page's next success
        self.message.setAccessibleName("Bids message")
        layout.addWidget(self.message)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.list = QListWidget()
        self.list.setAccessibleName("Bids")
        self.list.setWordWrap(True)  # long bid names wrap rather than run off the narrow list
        splitter.addWidget(self.list)
        self.tabs = QTabWidget()
        self.questions = QuestionsPanel()
        self.tabs.addTab(self.questions, "Questions and answers")
        overview = QWidget()
        ov = QVBoxLayout(overview)
        ov.setContentsMargins(0, 0, 0, 0)
        self.overview = QTextBrowser()
        self.overview.setAccessibleName("Bid overview")
        ov.addWidget(self.overview, 1)
        declare = QHBoxLayout()
        declare.addWidget(QLabel("Conflicts of interest:"))
        self.conflicts = QLineEdit(
            placeholderText="e.g. None, or: our chair is a trustee of the buyer's partner charity"
        )
        self.conflicts.setAccessibleName("Conflicts of interest declaration")
        self.declare_button = QPushButton("Save declaration")
        self.declare_button.setAccessibleName("Save declaration")
        declare.addWidget(self.conflicts, 1)
        declare.addWidget(self.declare_button)
        ov.addLayout(declare)
        self.tabs.addTab(overview, "Overview")
        self.comments = QTextBrowser()
        self.comments.setAccessibleName("Review comments")
        self.tabs.addTab(self.comments, "Review comments")
        venues = QWidget()
        vv = QVBoxLayout(venues)
        vv.addWidget(
            QLabel(
                "Community buildings, rooms or land this bid will deliver from (from the locality asset register)"
            )
        )
        self.venue_list = QListWidget()
        self.venue_list.setAccessibleName("Delivery venues")
        vv.addWidget(self.venue_list, 1)
        add = QHBoxLayout()
        self.asset = QComboBox()
        self.asset.setAccessibleName("Asset to use as a venue")
        self.venue_note = QLineEdit(placeholderText="What happens there, e.g. weekly drop-in")
        self.venue_note.setAccessibleName("Venue note")
        self.add_venue = QPushButton("Add venue")
        self.add_venue.setAccessibleName("Add venue")
        add.addWidget(self.asset, 1)
        add.addWidget(self.venue_note, 1)
        add.addWidget(self.add_venue)
        vv.addLayout(add)
        self.tabs.addTab(venues, "Venues")
        self.narrative = NarrativePanel()
        self.tabs.addTab(self.narrative, "Bid texts")
        splitter.addWidget(self.tabs)
        splitter.setSizes([210, 1000])
        self.splitter = splitter
        layout.addWidget(splitter, 1)
        self.new_button.clicked.connect(self.create_bid)
        self.send_button.clicked.connect(self.choose_send)
        self.build_button.clicked.connect(self.choose_build)
        self.add_venue.clicked.connect(self.attach_venue)
        self.declare_button.clicked.connect(self.save_declaration)
        self.open_folder.clicked.connect(self._open_folder)
        self.list.currentItemChanged.connect(lambda item, _prev: self._show())
        self.questions.readiness.itemDoubleClicked.connect(self._readiness_to_text)

    def set_workspace(self, ws: Workspace) -> None:
        self.ws = ws
        self.reload()

    def reload(self, select: int | None = None) -> None:
        if self.ws is None:
            return
        keep = select if select is not None else self.current_id()
        # The "New bid for" choice survives a reload: only a deleted consortium changes it.
        chosen_consortium = self.consortium.currentData()
        self.consortium.clear()
        for c in consortia.list_all(self.ws.db):
            self.consortium.addItem(c.name, c.id)
        if chosen_consortium is not None and self.consortium.findData(chosen_consortium) >= 0:
            self.consortium.setCurrentIndex(self.consortium.findData(chosen_consortium))
        self.list.blockSignals(True)
        self.list.clear()
        chosen = None
        for b in bids.list_all(self.ws.db):
            status = b.status
            if status == "approved" and standing.changed_since_approval(self.ws, b.id):
                status = "approved, changed since"  # the approval covers an earlier version
            item = QListWidgetItem(f"{b.name}\n{status}")
            item.setData(ID_ROLE, b.id)
            item.setToolTip(f"{b.name} ({status})")
            colour = STATUS_COLOURS.get(b.status)
            if colour:
                from PySide6.QtGui import QBrush, QColor

                item.setBackground(QBrush(QColor(colour)))
            self.list.addItem(item)
            if b.id == keep:
                chosen = item
        self.list.blockSignals(False)
        if chosen is None and self.list.count():
            chosen = self.list.item(0)
        if chosen is not None:
            self.list.setCurrentItem(chosen)
        self._show()
        has = self.list.count() > 0
        self.send_button.setEnabled(has)
        self.take_review_button.setEnabled(has)
        self.build_button.setEnabled(has)
        self.new_button.setEnabled(self.consortium.count() > 0)
        if not self.consortium.count():
            self.message.say(
                "Save a consortium first (Matches > Proposal > Save as consortium), then create its bid here."
            )
        elif self.message.text().startswith("Save a consortium first"):
            self.message.clear()

    def current_id(self) -> int | None:
        item = self.list.currentItem()
        return item.data(ID_ROLE) if item is not None else None

    def _show(self) -> None:
        bid_id = self.current_id()
        if self.ws is not None:
            self.questions.set_bid(self.ws, bid_id)
            self.narrative.set_bid(self.ws, bid_id)
        if bid_id is None or self.ws is None:
            self.overview.setHtml("<p>No bids yet.</p>")
            self.comments.clear()
            return
        bid = bids.load(self.ws.db, bid_id)
        self.conflicts.setText(bids.conflicts_declaration(self.ws.db, bid_id))
        c = consortia.load(self.ws.db, bid.consortium_id)
        work = member_work_html(self.ws, bid_id)
        members = "".join(
            f"<li>{escape(m.name)} — {escape(m.role)}{escape(lots_text(m.lots))}"
            f"{work.get(m.org_id, '')}</li>"
            for m in c.members
        )
        self.overview.setHtml(
            f"<h2>{escape(bid.name)}</h2><p>Status: <b>{escape(bid.status)}</b></p>"
            + review_outcome.outcome_html(self.ws, bid_id)
            + f"<p>Consortium: {escape(c.name)} ({escape(consortia.MODELS.get(c.model, c.model))})</p><ul>{members}</ul>"
        )
        self.asset.clear()
        for a in assets.list_all(self.ws.db):
            where = f" ({places.area_name(a.council)})" if a.council else ""
            self.asset.addItem(a.name + where, a.id)
        self.venue_list.clear()
        for v in assets.venues(self.ws.db, bid_id):
            self.venue_list.addItem(
                f"{v['name']}, {v['council']}" + (f" — {v['note']}" if v["note"] else "")
            )
        got = review.comments_for(self.ws, bid_id)
        if got:
            parts, shown = [], None
            for r in got:  # grouped by the review they came with, newest first
                if r["review_id"] != shown:
                    if shown is not None:
                        parts.append("</ul>")
                    parts.append(f"<h4>{escape(r['review'])}</h4><ul>")
                    shown = r["review_id"]
                parts.append(
                    f"<li><b>{escape(r['label'])}</b>: {escape(r['text'])} "
                    f"<i>({escape(r['author'] or '')})</i></li>"
                )
            self.comments.setHtml("".join(parts) + "</ul>")
            self.tabs.setTabText(2, f"Review comments ({len(got)})")
        else:
            self.comments.setHtml("<p>No review has come back yet.</p>")
            self.tabs.setTabText(2, "Review comments")

    def _readiness_to_text(self, item) -> None:
        """A readiness item about one of the bid's texts opens the Bid texts tab at it."""
        from ui.bid_questions import ID_ROLE as WHERE_ROLE

        where = item.data(WHERE_ROLE) or {}
        if str(where.get("field") or "").startswith("narrative: "):
            self.tabs.setCurrentWidget(self.narrative)
            self.narrative.show_field(where)

    def save_declaration(self) -> None:
        bid_id = self.current_id()
        if bid_id is None:
            return
        bids.declare_conflicts(self.ws, bid_id, self.conflicts.text())
        self.message.say("Saved the declaration of interests; it goes in the bid pack.")

    def attach_venue(self) -> None:
        bid_id, asset_id = self.current_id(), self.asset.currentData()
        if bid_id is None or asset_id is None:
            self.message.fail("Add community assets in Review > Locality assets first.")
            return
        assets.attach(self.ws, bid_id, asset_id, self.venue_note.text().strip())
        self.venue_note.clear()
        self._show()
        self.message.succeeded()  # the venue shows in the list

    def create_bid(self) -> None:
        if self.ws is None or self.consortium.currentData() is None:
            return
        bid = bids.create_for_consortium(self.ws, self.consortium.currentData())
        self.reload(bid.id)
        self.message.say(f"Created {escape(bid.name)}.")

    def choose_build(self) -> None:
        bid_id = self.current_id()
        if bid_id is None:
            return
        folder = QFileDialog.getExistingDirectory(
            self, "Folder for the bid documents", str(Path.home())
        )
        if folder:
            self.build(Path(folder))

    def build(self, folder: Path) -> None:
        """Build in the background (progress and Cancel); readiness problems go in a cover note."""
        from consortium.bids import documents

        ws, bid_id = self.ws, self.current_id()
        self.narrative.save(quiet=True)  # build what the user sees
        pdf = self.pdf_box.isEnabled() and self.pdf_box.isChecked()
        self.run(
            "Building the bid documents",
            lambda progress, cancelled: documents.build(
                ws, bid_id, folder, pdf=pdf, progress=progress, cancelled=cancelled
            ),
            self._built,
        )

    def _built(self, result) -> None:
        self.built_folder = Path(result.folder)
        if result.report is not None and result.bid_id == self.questions.bid_id:
            # The build checked readiness afresh (answers may have changed elsewhere, in
            # another window or the command line): the panel shows what it found.
            self.questions.show_readiness(result.report)
        # One line (it took three at 1366×768 naming every file): the files, the folder's
        # whole path and each warning are the line's tooltip, and Open folder shows them.
        self.message.say(escape(result.summary()), details=result.details())
        self.open_folder.setVisible(True)

    def _open_folder(self) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        if self.built_folder is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.built_folder)))

    def choose_send(self) -> None:
        bid_id = self.current_id()
        if bid_id is None:
            return
        # The key is checked (and can be made) before anything else is asked.
        ours = partner_store.ours(self.ws.db)
        if not ensure_key(self, self.message, ours.name if ours else ""):
            return
        name = bids.load(self.ws.db, bid_id).name
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Save the signed bid pack",
            str(Path.home() / f"{name}.cbpack"),
            "Bid packs (*.cbpack)",
        )
        if path:
            self.send(Path(path))

    def send(self, path: Path, passphrase: str | None = None):
        """Write the signed pack in the background (building the documents takes a second or
        more). The key and passphrase are asked here first, on the UI thread; the pack's path
        comes back through ``sent`` and the message. Returns the task, or None if it stopped
        before starting."""
        bid_id = self.current_id()
        if bid_id is None or not self.questions.flush():
            return None
        ok, passphrase = passphrase_for_signing(self, passphrase, self.message)
        if not ok:
            return None
        ws = self.ws

        def write(progress, cancelled):
            progress(0, 0, "Building the documents and signing the pack")
            # Sending puts the bid in review (the core decides; see packs.standing).
            return pack.export_pack(ws, bid_id, path, passphrase=passphrase)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ConsortiumError):
                self.message.fail(colours.span("error", str(exc)))

        self.message.say("Writing the signed pack…")
        return self.run(
            "Writing the signed bid pack", write, lambda out: self._sent(bid_id, out), failed
        )

    def _sent(self, bid_id: int, out: Path) -> None:
        self.reload(bid_id)
        self.message.say(
            f"Wrote the signed pack {escape(str(out))}. Send it to the housing association, and read them your key's words: <b>{escape(keys.identity().words)}</b>."
        )
        self.sent.emit(str(out))

    def choose_review(self) -> None:
        if self.current_id() is None:
            return
        path, _ = QFileDialog.getOpenFileName(
            self, "Take in a review", str(Path.home()), "Reviews (*.cbreview);;All files (*)"
        )
        if path:
            self.take_in_review(Path(path))

    def take_in_review(self, path: Path) -> None:
        """The review of the selected bid; a first or changed reviewer key asks for its words."""
        self.key_dialog = None
        key_confirm.take_in_review(
            self,
            self.ws,
            path,
            self.message,
            lambda imported: (self.reload(imported.bid_id), self.tabs.setCurrentIndex(1)),
            bid_id=self.current_id(),
        )
