"""Saved consortia: the list, and an editor for the tender, model, fee, notes and members
(with their roles and the lots each delivers). A thin view over ``consortium.matching.consortia``."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from consortium.errors import ConsortiumError
from consortium.matching import consortia
from consortium.partners import store as partner_store
from consortium.workspace import Workspace
from ui import colours
from ui.partner_editor import ComboDelegate, Table

ID_ROLE = Qt.ItemDataRole.UserRole + 20


class ConsortiaPage(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.ws: Workspace | None = None
        self.current: consortia.Consortium | None = None
        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.items = QListWidget()
        self.items.setAccessibleName("Saved consortia")
        self.items.currentItemChanged.connect(self._chosen)
        splitter.addWidget(self.items)

        editor = QWidget()
        v = QVBoxLayout(editor)
        form = QFormLayout()
        self.name = QLineEdit()
        self.name.setAccessibleName("Consortium name")
        self.tender = QLabel()
        self.tender.setAccessibleName("Tender")
        self.tender.setWordWrap(True)
        self.model = QComboBox()
        self.model.setAccessibleName("Consortium model")
        for key, label in consortia.MODELS.items():
            self.model.addItem(label, key)
        self.fee = QDoubleSpinBox(minimum=-1, maximum=50, decimals=1, singleStep=0.5, suffix=" %")
        self.fee.setSpecialValueText("not set")
        self.fee.setAccessibleName("Management fee")
        self.fee.setToolTip("The top-slice the lead keeps from the contract value for managing it")
        self.notes = QPlainTextEdit()
        self.notes.setAccessibleName("Consortium notes")
        self.notes.setMaximumHeight(90)
        form.addRow("Name", self.name)
        form.addRow("Tender", self.tender)
        form.addRow("Model", self.model)
        form.addRow("Management fee", self.fee)
        form.addRow("Notes", self.notes)
        v.addLayout(form)
        v.addWidget(QLabel("Members (the lead provider first); lots as a list like 1, 3"))
        self.members = Table("Members", ["Partner", "Role", "Lots"])
        self.members.table.setItemDelegateForColumn(
            1, ComboDelegate(lambda _r: consortia.ROLES, False, self)
        )
        self.members.add.setVisible(False)  # members are added by choosing a partner below
        v.addWidget(self.members)
        row = QHBoxLayout()
        self.partner = QComboBox()
        self.partner.setAccessibleName("Partner to add")
        self.add_member = QPushButton("Add to consortium")
        self.add_member.setAccessibleName("Add partner to consortium")
        self.add_member.clicked.connect(self._add_member)
        row.addWidget(self.partner, 1)
        row.addWidget(self.add_member)
        v.addLayout(row)
        self.problems = QLabel()
        self.problems.setStyleSheet(colours.style("error"))
        self.problems.setWordWrap(True)
        v.addWidget(self.problems)
        buttons = QHBoxLayout()
        self.delete_button = QPushButton("Delete consortium")
        self.delete_button.setAccessibleName("Delete consortium")
        self.save_button = QPushButton("Save")
        self.save_button.setAccessibleName("Save consortium")
        self.delete_button.clicked.connect(self.delete)
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.delete_button)
        buttons.addStretch()
        buttons.addWidget(self.save_button)
        v.addLayout(buttons)
        splitter.addWidget(editor)
        splitter.setSizes([300, 700])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self._show(None)

    # ------------------------------------------------------------------ data
    def set_workspace(self, ws: Workspace) -> None:
        self.ws = ws
        self.reload()

    def reload(self, select: int | None = None) -> None:
        if self.ws is None:
            return
        keep = select if select is not None else (self.current.id if self.current else None)
        self.partner.clear()
        for org in partner_store.load_all(self.ws.db):
            self.partner.addItem(org.name, org.id)
        self.items.blockSignals(True)
        self.items.clear()
        chosen = None
        for c in consortia.list_all(self.ws.db):
            item = QListWidgetItem(
                f"{c.name}\n{len(c.members)} members · lead {c.lead.name if c.lead else 'none'}"
            )
            item.setData(ID_ROLE, c.id)
            self.items.addItem(item)
            if c.id == keep:
                chosen = item
        self.items.blockSignals(False)
        if chosen is None and self.items.count():
            chosen = self.items.item(0)
        if chosen is not None:
            self.items.setCurrentItem(chosen)
            self._chosen(chosen, None)
        else:
            self._show(None)

    def _chosen(self, item, _previous) -> None:
        if item is None or self.ws is None:
            return
        self._show(consortia.load(self.ws.db, item.data(ID_ROLE)))

    def _show(self, c: consortia.Consortium | None) -> None:
        self.current = c
        for w in (
            self.name,
            self.model,
            self.fee,
            self.notes,
            self.members,
            self.partner,
            self.add_member,
            self.save_button,
            self.delete_button,
        ):
            w.setEnabled(c is not None)
        self.problems.clear()
        if c is None:
            self.name.clear()
            self.tender.setText("Save a proposal from the Proposal tab to start a consortium.")
            self.members.set_rows([])
            return
        self.name.setText(c.name)
        self.tender.setText(c.ocid or "No tender")
        if c.ocid and self.ws is not None:
            from consortium.tenders import search

            tender = search.get(self.ws, c.ocid)
            if tender is not None:
                self.tender.setText(f"{tender.title} ({c.ocid})")
        self.model.setCurrentIndex(max(0, self.model.findData(c.model)))
        self.fee.setValue(-1 if c.fee_percent is None else c.fee_percent)
        self.notes.setPlainText(c.notes)
        self.members.set_rows([[m.name, m.role, ", ".join(m.lots)] for m in c.members])
        for r, m in enumerate(c.members):
            item = self.members.table.item(r, 0)
            item.setData(ID_ROLE, m.org_id)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)

    def _add_member(self) -> None:
        org_id = self.partner.currentData()
        if org_id is None:
            return
        ids = [
            self.members.table.item(r, 0).data(ID_ROLE)
            for r in range(self.members.table.rowCount())
        ]
        if org_id in ids:
            self.problems.setText(f"{self.partner.currentText()} is already a member.")
            return
        r = self.members.add_row([self.partner.currentText(), "delivery partner", ""])
        item = self.members.table.item(r, 0)
        item.setData(ID_ROLE, org_id)
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
        self.problems.clear()  # "… is already a member" was about the last one tried

    def edited(self) -> consortia.Consortium:
        members = []
        for r in range(self.members.table.rowCount()):
            cells = [self.members.table.item(r, c) for c in range(3)]
            lots = [
                p.strip()
                for p in (cells[2].text() if cells[2] else "").replace(";", ",").split(",")
                if p.strip()
            ]
            members.append(
                consortia.Member(
                    org_id=cells[0].data(ID_ROLE),
                    role=cells[1].text(),
                    lots=lots,
                    name=cells[0].text(),
                )
            )
        fee = self.fee.value()
        return consortia.Consortium(
            id=self.current.id,
            created_at=self.current.created_at,
            name=self.name.text(),
            ocid=self.current.ocid,
            model=self.model.currentData(),
            fee_percent=None if fee < 0 else fee,
            notes=self.notes.toPlainText().strip(),
            members=members,
        )

    def save(self) -> None:
        if self.current is None or self.ws is None:
            return
        record = self.edited()
        try:
            consortia.save(self.ws, record)
        except ConsortiumError as exc:
            self.problems.setText(str(exc))
            return
        self.reload(record.id)
        self.problems.setText("")

    def delete(self) -> None:
        if self.current is None or self.ws is None:
            return
        answer = QMessageBox.question(
            self,
            "Delete consortium",
            f"Delete the consortium “{self.current.name}”? Its partners stay in the registry.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            consortia.delete(self.ws, self.current.id)
        except ConsortiumError as exc:
            self.problems.setText(str(exc))
            return
        self.current = None
        self.reload()
