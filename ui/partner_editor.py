"""The partner editor: every field of a partner, checked as you type.

It only turns widgets into an ``Organisation`` and back; saving is the main window's job (so it
can be undone), and every rule lives in the core (``consortium.validation``, ``partners.rules``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QStyledItemDelegate,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from consortium import cpv, validation
from consortium.formatting import money, parse_date, parse_money, uk_date
from consortium.partners.rules import area_label, check_organisation
from consortium.records import (
    ACCREDITATION_TYPES,
    BENEFICIARY_GROUPS,
    CONTRACT_OUTCOMES,
    CREDENTIAL_KINDS,
    INSURANCE_TYPES,
    LEGAL_FORMS,
    POLICY_TYPES,
    Contact,
    Credential,
    Organisation,
    PastContract,
)
from ui import colours
from ui.pickers import AreaPicker, CpvPicker

BAD_CELL = QColor("#f8d7da")
CODE_ROLE = Qt.ItemDataRole.UserRole + 10
_TYPES = {
    "accreditation": ACCREDITATION_TYPES,
    "insurance": INSURANCE_TYPES,
    "policy": POLICY_TYPES,
}


class ComboDelegate(QStyledItemDelegate):
    """A drop-down in a table cell; ``editable`` lets people type their own value."""

    def __init__(self, options: Callable[[int], tuple[str, ...]], editable: bool, parent=None):
        super().__init__(parent)
        self.options, self.editable = options, editable

    def createEditor(self, parent, option, index):
        box = QComboBox(parent)
        box.setEditable(self.editable)
        box.addItems(list(self.options(index.row())))
        return box

    def setEditorData(self, editor, index):
        editor.setCurrentText(index.data() or "")

    def setModelData(self, editor, model, index):
        model.setData(index, editor.currentText())


class DateDelegate(QStyledItemDelegate):
    """A calendar for dates, stored in the cell as British text (23 Nov 2026)."""

    def createEditor(self, parent, option, index):
        editor = QDateEdit(parent, calendarPopup=True, displayFormat="dd/MM/yyyy")
        return editor

    def setEditorData(self, editor, index):
        try:
            value = parse_date(index.data() or "")
        except ValueError:
            value = dt.date.today()
        editor.setDate(QDate(value.year, value.month, value.day))

    def setModelData(self, editor, model, index):
        d = editor.date()
        model.setData(index, uk_date(dt.date(d.year(), d.month(), d.day())))


class Table(QWidget):
    """A small editable table with Add and Remove buttons."""

    changed = Signal()

    def __init__(self, name: str, headers: list[str], parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(0, len(headers))
        self.table.setAccessibleName(name)
        self.table.setHorizontalHeaderLabels(headers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.itemChanged.connect(lambda _item: self.changed.emit())
        layout.addWidget(self.table)
        row = QHBoxLayout()
        self.add = QPushButton(f"Add {name.lower().rstrip('s')}")
        self.add.setAccessibleName(f"Add {name.lower().rstrip('s')}")
        self.remove = QPushButton("Remove selected")
        self.remove.setAccessibleName(f"Remove selected {name.lower()}")
        self.add.clicked.connect(self.add_row)
        self.remove.clicked.connect(self.remove_rows)
        row.addWidget(self.add)
        row.addWidget(self.remove)
        row.addStretch()
        layout.addLayout(row)

    def add_row(self, values: list[str] | None = None) -> int:
        self.table.blockSignals(True)
        r = self.table.rowCount()
        self.table.insertRow(r)
        for c in range(self.table.columnCount()):
            text = (values or [])[c] if values and c < len(values) else ""
            self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.blockSignals(False)
        if values is None:
            self.table.setCurrentCell(r, 0)
            self.table.editItem(self.table.item(r, 0))
            self.changed.emit()
        return r

    def remove_rows(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        for r in rows:
            self.table.removeRow(r)
        if rows:
            self.changed.emit()

    def set_rows(self, rows: list[list[str]]) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        for values in rows:
            self.add_row(values)
        self.table.blockSignals(False)
        self.table.resizeColumnsToContents()

    def rows(self) -> list[tuple[int, list[str]]]:
        """(row number, cell texts) of the rows that are not completely empty."""
        result = []
        for r in range(self.table.rowCount()):
            values = [
                (self.table.item(r, c).text() if self.table.item(r, c) else "").strip()
                for c in range(self.table.columnCount())
            ]
            if any(values):
                result.append((r, values))
        return result

    def mark(self, row: int, column: int, message: str) -> None:
        item = self.table.item(row, column)
        if item is not None:
            self.table.blockSignals(True)
            item.setBackground(BAD_CELL)
            item.setToolTip(message)
            self.table.blockSignals(False)

    def clear_marks(self) -> None:
        self.table.blockSignals(True)
        for r in range(self.table.rowCount()):
            for c in range(self.table.columnCount()):
                item = self.table.item(r, c)
                if item is not None:
                    item.setData(Qt.ItemDataRole.BackgroundRole, None)
                    item.setToolTip("")
        self.table.blockSignals(False)


class PartnerEditor(QWidget):
    """Edits one partner. Emits ``save_requested`` with a checked record."""

    save_requested = Signal(object)
    dirty_changed = Signal(bool)
    export_person_requested = Signal(int)
    erase_person_requested = Signal(int)
    pipeline_requested = Signal(int)  # this partner's re-tender pipeline

    def __init__(self, parent=None):
        super().__init__(parent)
        self._org: Organisation | None = None
        self._dirty = False
        self._loading = False
        self._errors: dict[str, str] = {}
        outer = QVBoxLayout(self)
        self.title = QLabel("No partner selected")
        self.title.setStyleSheet("font-size: 16pt; font-weight: 600;")
        self.title.setAccessibleName("Partner being edited")
        outer.addWidget(self.title)
        self.tabs = QTabWidget()
        self.tabs.setUsesScrollButtons(True)
        self.tabs.setDocumentMode(True)
        self.tabs.setAccessibleName("Partner details")
        outer.addWidget(self.tabs)
        self._build_details()
        self._build_services()
        self._build_capacity()
        self.credentials = Table(
            "Credentials",
            ["Kind", "Name", "Expires or review due", "Cover (£)", "Reference / policy no."],
        )
        self.credentials.table.setItemDelegateForColumn(
            0, ComboDelegate(lambda _r: CREDENTIAL_KINDS, False, self)
        )
        self.credentials.table.setItemDelegateForColumn(
            1, ComboDelegate(self._types_for_row, True, self)
        )
        self.credentials.table.setItemDelegateForColumn(2, DateDelegate(self))
        self.tabs.addTab(
            self._wrap(
                self.credentials,
                "Accreditations (CQC, Ofsted, Matrix, ISO 9001, Cyber Essentials…), insurances with their cover, and policies, each with the date it expires or is due for review.",
            ),
            "Credentials",
        )
        self.contacts = Table("Contacts", ["Name", "Role", "Email", "Phone"])
        self.export_person = QPushButton("Export person's data…")
        self.export_person.setAccessibleName("Export the selected person's data")
        self.erase_person = QPushButton("Erase person…")
        self.erase_person.setAccessibleName("Erase the selected person")
        self.erase_person.setToolTip(
            "Erase this person's details everywhere (a data protection request)"
        )
        self.export_person.clicked.connect(
            lambda: self._person_action(self.export_person_requested)
        )
        self.erase_person.clicked.connect(lambda: self._person_action(self.erase_person_requested))
        person_row = self.contacts.layout().itemAt(1).layout()
        person_row.addWidget(self.export_person)
        person_row.addWidget(self.erase_person)
        self.tabs.addTab(
            self._wrap(
                self.contacts,
                "People at this partner. This is personal data: each person can be exported or erased on request.",
            ),
            "Contacts",
        )
        self.contracts = Table(
            "Past contracts",
            ["Buyer", "Contract", "Value (£)", "Start year", "End year", "Outcome"],
        )
        self.contracts.table.setItemDelegateForColumn(
            5, ComboDelegate(lambda _r: CONTRACT_OUTCOMES, True, self)
        )
        self.tabs.addTab(
            self._wrap(self.contracts, "Track record: contracts delivered or under way."),
            "Track record",
        )
        for table in (self.credentials, self.contacts, self.contracts, self.turnover):
            table.changed.connect(self._edited)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet(colours.style("error"))
        self.problems.setAccessibleName("Problems with this partner")
        outer.addWidget(self.problems)
        buttons = QHBoxLayout()
        self.save_button = QPushButton("Save")
        self.save_button.setToolTip("Save this partner (Ctrl+S)")
        self.save_button.setAccessibleName("Save partner")
        self.revert_button = QPushButton("Discard changes")
        self.revert_button.setAccessibleName("Discard changes")
        self.save_button.clicked.connect(self.request_save)
        self.revert_button.clicked.connect(self.revert)
        # Its tooltip is in ui/tooltips.py ("partners/Pipeline"). Here, not in the list's row of
        # buttons: that row sets the window's narrowest width.
        self.pipeline_button = QPushButton("Pipeline…")
        self.pipeline_button.setAccessibleName("Pipeline")
        self.pipeline_button.clicked.connect(self._pipeline_clicked)
        buttons.addWidget(self.pipeline_button)
        buttons.addStretch()
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        outer.addLayout(buttons)
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.request_save)
        self.load(None)

    # ---------------------------------------------------------------------- building
    def _wrap(self, widget: QWidget, help_text: str) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        note = QLabel(help_text)
        note.setWordWrap(True)
        note.setStyleSheet(colours.style("muted"))
        layout.addWidget(note)
        layout.addWidget(widget)
        return page

    def _line(
        self, form: QFormLayout, label: str, key: str, check=None, placeholder: str = ""
    ) -> QLineEdit:
        edit = QLineEdit(placeholderText=placeholder)
        edit.setAccessibleName(label)
        error = QLabel()
        error.setStyleSheet(colours.style("error"))
        error.setWordWrap(True)
        error.setVisible(False)
        error.setAccessibleName(f"{label} problem")
        box = QWidget()
        v = QVBoxLayout(box)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(2)
        v.addWidget(edit)
        v.addWidget(error)
        form.addRow(label, box)

        def validate(text: str) -> None:
            message = ""
            if check is not None and text.strip():
                try:
                    check(text)
                except ValueError as exc:
                    message = str(exc)
            if key == "name" and not text.strip():
                message = "Every partner needs a name"
            self._set_error(key, message, error, edit)

        edit.textChanged.connect(validate)
        edit.textChanged.connect(self._edited)
        setattr(self, f"{key}_error", error)
        return edit

    def _set_error(self, key: str, message: str, label: QLabel, edit: QWidget) -> None:
        if message:
            self._errors[key] = message
        else:
            self._errors.pop(key, None)
        label.setText(message)
        label.setVisible(bool(message))
        edit.setStyleSheet("border: 1px solid #dc3545;" if message else "")

    def _build_details(self) -> None:
        page = QWidget()
        form = QFormLayout(page)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setVerticalSpacing(6)
        self.name = self._line(form, "Name", "name", placeholder="e.g. Riverside Community Action")
        self.legal_form = QComboBox()
        self.legal_form.setAccessibleName("Legal form")
        for key, label in LEGAL_FORMS.items():
            self.legal_form.addItem(label, key)
        self.legal_form.currentIndexChanged.connect(self._edited)
        form.addRow("Legal form", self.legal_form)
        self.charity_number = self._line(
            form,
            "Charity number",
            "charity_number",
            validation.charity_number,
            "e.g. 1123456, SC012345 or NIC100002",
        )
        self.company_number = self._line(
            form,
            "Company number",
            "company_number",
            validation.company_number,
            "Companies House, e.g. 01234567",
        )
        self.address = self._line(form, "Address", "address")
        self.postcode = self._line(
            form, "Postcode", "postcode", validation.postcode, "e.g. NW1 0AB"
        )
        self.website = self._line(
            form, "Website", "website", validation.website, "e.g. www.example.org.uk"
        )
        self.is_ours = QCheckBox("This is our organisation")
        self.is_ours.setAccessibleName("This is our organisation")
        self.is_ours.toggled.connect(self._edited)
        form.addRow("", self.is_ours)
        self.notes = QPlainTextEdit()
        self.notes.setAccessibleName("Notes")
        self.notes.setMaximumHeight(90)
        self.notes.textChanged.connect(self._edited)
        form.addRow("Notes", self.notes)
        self.tabs.addTab(page, "Details")

    def _build_services(self) -> None:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(QLabel("What you deliver, in your own words"))
        self.services = QPlainTextEdit()
        self.services.setAccessibleName("Services description")
        self.services.setPlaceholderText(
            "e.g. Young carers support, befriending for older people, welfare benefits advice…"
        )
        self.services.setMaximumHeight(90)
        self.services.textChanged.connect(self._edited)
        layout.addWidget(self.services)
        row = QHBoxLayout()
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(QLabel("Services (CPV codes)"))
        self.cpv_list = QListWidget()
        self.cpv_list.setAccessibleName("CPV codes")
        left.addWidget(self.cpv_list)
        buttons = QHBoxLayout()
        self.add_cpv = QPushButton("Choose services…")
        self.add_cpv.setAccessibleName("Choose CPV codes")
        self.add_cpv.clicked.connect(self._pick_cpv)
        remove = QPushButton("Remove")
        remove.setAccessibleName("Remove CPV code")
        remove.clicked.connect(lambda: self._remove_selected(self.cpv_list))
        buttons.addWidget(self.add_cpv)
        buttons.addWidget(remove)
        left.addLayout(buttons)
        right.addWidget(QLabel("Areas served (councils or regions)"))
        self.area_list = QListWidget()
        self.area_list.setAccessibleName("Areas served")
        right.addWidget(self.area_list)
        buttons = QHBoxLayout()
        self.add_area = QPushButton("Choose areas…")
        self.add_area.setAccessibleName("Choose areas served")
        self.add_area.clicked.connect(self._pick_areas)
        remove = QPushButton("Remove")
        remove.setAccessibleName("Remove area")
        remove.clicked.connect(lambda: self._remove_selected(self.area_list))
        buttons.addWidget(self.add_area)
        buttons.addWidget(remove)
        right.addLayout(buttons)
        row.addLayout(left)
        row.addLayout(right)
        layout.addLayout(row)
        layout.addWidget(QLabel("Who you work with (beneficiary groups)"))
        self.beneficiaries = QListWidget()
        self.beneficiaries.setAccessibleName("Beneficiary groups")
        self.beneficiaries.setMaximumHeight(130)
        self.beneficiaries.itemChanged.connect(self._edited)
        layout.addWidget(self.beneficiaries)
        self.tabs.addTab(page, "Services && areas")

    def _build_capacity(self) -> None:
        page = QWidget()
        layout = QVBoxLayout(page)
        form = QFormLayout()
        self.staff = QSpinBox(maximum=1_000_000, specialValueText="not recorded", minimum=-1)
        self.staff.setAccessibleName("Paid staff")
        self.volunteers = QSpinBox(maximum=1_000_000, specialValueText="not recorded", minimum=-1)
        self.volunteers.setAccessibleName("Volunteers")
        for box in (self.staff, self.volunteers):
            box.valueChanged.connect(self._edited)
        form.addRow("Paid staff", self.staff)
        form.addRow("Volunteers", self.volunteers)
        layout.addLayout(form)
        layout.addWidget(QLabel("Annual turnover by financial year"))
        self.turnover = Table("Turnover", ["Year", "Turnover (£)"])
        layout.addWidget(self.turnover)
        self.tabs.addTab(page, "Capacity")

    def _types_for_row(self, row: int) -> tuple[str, ...]:
        item = self.credentials.table.item(row, 0)
        return _TYPES.get(item.text() if item else "", ACCREDITATION_TYPES)

    # -------------------------------------------------------------------- pickers
    def _pick_cpv(self) -> None:
        picker = CpvPicker(self, self._codes(self.cpv_list))
        if picker.exec():
            self._fill_codes(self.cpv_list, picker.chosen(), lambda c: f"{c}  {cpv.label(c)}")
            self._edited()

    def _pick_areas(self) -> None:
        picker = AreaPicker(self, self._codes(self.area_list))
        if picker.exec():
            self._fill_codes(self.area_list, picker.chosen(), lambda c: area_label(c) or c)
            self._edited()

    @staticmethod
    def _codes(widget: QListWidget) -> list[str]:
        return [widget.item(i).data(CODE_ROLE) for i in range(widget.count())]

    @staticmethod
    def _fill_codes(widget: QListWidget, codes: list[str], label) -> None:
        widget.clear()
        for code in codes:
            item = QListWidgetItem(label(code))
            item.setData(CODE_ROLE, code)
            widget.addItem(item)

    def _remove_selected(self, widget: QListWidget) -> None:
        for item in widget.selectedItems():
            widget.takeItem(widget.row(item))
        self._edited()

    # ------------------------------------------------------------ loading / reading
    def load(self, org: Organisation | None) -> None:
        """Show a partner (a copy is kept to discard changes); None shows an empty editor."""
        self._loading = True
        self._org = org
        empty = org or Organisation(name="")
        self.title.setText(
            org.name if org and org.id else ("New partner" if org else "No partner selected")
        )
        self.name.setText(empty.name)
        self.legal_form.setCurrentIndex(max(0, self.legal_form.findData(empty.legal_form)))
        self.charity_number.setText(empty.charity_number)
        self.company_number.setText(empty.company_number)
        self.address.setText(empty.address)
        self.postcode.setText(empty.postcode)
        self.website.setText(empty.website)
        self.is_ours.setChecked(empty.is_ours)
        self.notes.setPlainText(empty.notes)
        self.services.setPlainText(empty.services)
        self._fill_codes(self.cpv_list, empty.cpv_codes, lambda c: f"{c}  {cpv.label(c)}")
        self._fill_codes(self.area_list, empty.areas, lambda c: area_label(c) or c)
        self.beneficiaries.clear()
        for group in list(BENEFICIARY_GROUPS) + [
            g for g in empty.beneficiaries if g not in BENEFICIARY_GROUPS
        ]:
            item = QListWidgetItem(group)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if group in empty.beneficiaries else Qt.CheckState.Unchecked
            )
            self.beneficiaries.addItem(item)
        self.staff.setValue(-1 if empty.staff is None else empty.staff)
        self.volunteers.setValue(-1 if empty.volunteers is None else empty.volunteers)
        self.turnover.set_rows(
            [[str(y), money(a)] for y, a in sorted(empty.turnover.items(), reverse=True)]
        )
        self.credentials.set_rows(
            [
                [
                    c.kind,
                    c.type,
                    uk_date(c.expires),
                    money(c.cover) if c.cover is not None else "",
                    c.reference,
                ]
                for c in empty.credentials
            ]
        )
        self.contacts.set_rows([[c.name, c.role, c.email, c.phone] for c in empty.contacts])
        self.contracts.set_rows(
            [
                [
                    p.buyer,
                    p.title,
                    money(p.value) if p.value is not None else "",
                    str(p.start_year or ""),
                    str(p.end_year or ""),
                    p.outcome,
                ]
                for p in empty.past_contracts
            ]
        )
        self.setEnabled(org is not None)
        self.problems.clear()
        for table in (self.credentials, self.contacts, self.contracts, self.turnover):
            table.clear_marks()
        self._colour_expiries(empty)
        self._loading = False
        self._set_dirty(False)

    def _colour_expiries(self, org: Organisation) -> None:
        """Expired dates red, dates within 60 days amber, as in the partner list."""
        colours = {"expired": QColor("#f8d7da"), "soon": QColor("#fff3cd")}
        words = {"expired": "Expired", "soon": "Expires within 60 days"}
        today = dt.date.today()
        table = self.credentials.table
        table.blockSignals(True)
        for row, cred in enumerate(org.credentials):
            status = cred.status(today)
            item = table.item(row, 2)
            if item is not None and status in colours:
                item.setBackground(colours[status])
                item.setToolTip(words[status])
        table.blockSignals(False)

    def record(self) -> tuple[Organisation, list[str]]:
        """The partner as edited, and a list of problems (empty when it can be saved)."""
        base = self._org or Organisation(name="")
        problems = [self._errors[k] for k in sorted(self._errors)]
        org = Organisation(
            id=base.id,
            created_at=base.created_at,
            name=self.name.text().strip(),
            legal_form=self.legal_form.currentData(),
            charity_number=_tidy(self.charity_number.text(), validation.charity_number),
            company_number=_tidy(self.company_number.text(), validation.company_number),
            address=self.address.text().strip(),
            postcode=_tidy(self.postcode.text(), validation.postcode),
            website=_tidy(self.website.text(), validation.website),
            is_ours=self.is_ours.isChecked(),
            notes=self.notes.toPlainText().strip(),
            services=self.services.toPlainText().strip(),
            cpv_codes=self._codes(self.cpv_list),
            areas=self._codes(self.area_list),
            beneficiaries=[
                self.beneficiaries.item(i).text()
                for i in range(self.beneficiaries.count())
                if self.beneficiaries.item(i).checkState() == Qt.CheckState.Checked
            ],
            staff=None if self.staff.value() < 0 else self.staff.value(),
            volunteers=None if self.volunteers.value() < 0 else self.volunteers.value(),
        )
        for table in (self.credentials, self.contacts, self.contracts, self.turnover):
            table.clear_marks()

        def cell(table: Table, row: int, column: int, parse, what: str):
            try:
                return parse()
            except ValueError as exc:
                message = f"{table.table.accessibleName()}, row {row + 1}: {exc}"
                table.mark(row, column, str(exc))
                problems.append(message)
                return None

        for r, (year, amount) in self.turnover.rows():
            y = cell(self.turnover, r, 0, lambda year=year: _year(year), "year")
            a = cell(self.turnover, r, 1, lambda amount=amount: parse_money(amount), "amount")
            if y is not None and a is not None:
                org.turnover[y] = a
        for r, (kind, typ, expires, cover, ref) in self.credentials.rows():
            if kind not in CREDENTIAL_KINDS:
                self.credentials.mark(r, 0, "Choose accreditation, insurance or policy")
                problems.append(
                    f"Credentials, row {r + 1}: choose accreditation, insurance or policy"
                )
                continue
            org.credentials.append(
                Credential(
                    kind=kind,
                    type=typ,
                    reference=ref,
                    cover=cell(
                        self.credentials, r, 3, lambda cover=cover: parse_money(cover), "cover"
                    )
                    if cover
                    else None,
                    expires=cell(
                        self.credentials, r, 2, lambda expires=expires: parse_date(expires), "date"
                    )
                    if expires
                    else None,
                )
            )
        for r, (name, role, email, phone) in self.contacts.rows():
            if email:
                cell(self.contacts, r, 2, lambda email=email: validation.email(email), "email")
            if phone:
                cell(self.contacts, r, 3, lambda phone=phone: validation.phone(phone), "phone")
            org.contacts.append(Contact(name=name, role=role, email=email, phone=phone))
        for r, (buyer, title, value, start, end, outcome) in self.contracts.rows():
            org.past_contracts.append(
                PastContract(
                    buyer=buyer,
                    title=title,
                    value=cell(
                        self.contracts, r, 2, lambda value=value: parse_money(value), "value"
                    )
                    if value
                    else None,
                    start_year=cell(self.contracts, r, 3, lambda start=start: _year(start), "year")
                    if start
                    else None,
                    end_year=cell(self.contracts, r, 4, lambda end=end: _year(end), "year")
                    if end
                    else None,
                    outcome=outcome,
                )
            )
        if not problems:
            problems += list(check_organisation(org).values())
        # Keep ids of children that were already stored, so history stays readable.
        if self._org is not None:
            for new, old in zip(org.contacts, self._org.contacts, strict=False):
                new.id = old.id
        return org, problems

    # ------------------------------------------------------------------- actions
    def request_save(self) -> None:
        if self._org is None:
            return
        org, problems = self.record()
        if problems:
            self.problems.setText("Not saved yet. " + " ".join(problems))
            return
        self.problems.clear()
        self.save_requested.emit(org)

    def _person_action(self, signal) -> None:
        """Personal-data requests act on the stored contact, so unsaved edits come first."""
        row = self.contacts.table.currentRow()
        if self._org is None or row < 0:
            self.problems.setText("Select a person in the Contacts table first.")
            return
        if self._dirty or row >= len(self._org.contacts) or self._org.contacts[row].id is None:
            self.problems.setText("Save your changes first, then select the person again.")
            return
        signal.emit(self._org.contacts[row].id)

    def revert(self) -> None:
        self.load(self._org)

    def saved(self, org: Organisation) -> None:
        """The main window calls this after a successful save."""
        self.load(org)

    def is_dirty(self) -> bool:
        return self._dirty

    def _pipeline_clicked(self) -> None:
        if self.current_id() is not None:
            self.pipeline_requested.emit(self.current_id())

    def current_id(self) -> int | None:
        return self._org.id if self._org else None

    def holds_new(self) -> bool:
        """A partner being added: shown, not saved yet."""
        return self._org is not None and self._org.id is None

    def _edited(self, *_args) -> None:
        if not self._loading:
            self._set_dirty(True)

    def _set_dirty(self, dirty: bool) -> None:
        self._dirty = dirty
        self.save_button.setEnabled(dirty)
        self.revert_button.setEnabled(dirty)
        self.dirty_changed.emit(dirty)


def _tidy(text: str, check) -> str:
    """The tidied value when valid (e.g. postcode spacing); what was typed otherwise."""
    text = text.strip()
    if not text:
        return ""
    try:
        return check(text)
    except ValueError:
        return text


def _year(text: str) -> int:
    text = str(text).strip()
    value = int(text) if text.isdigit() else 0
    if not 1900 <= value <= 2100:
        raise ValueError(f"'{text}' is not a year; write it like 2025")
    return value
