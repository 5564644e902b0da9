"""Load a framework or value set (an HA's licensed values, a council's local measures) from .xlsx or JSON.

Every monetised value must carry its source, price year, licence holder and unit. A file with any bad
row is refused as a whole, with one message per row, and the workspace is left unchanged.

    load_file(ws, "ha-values.xlsx")      # -> LoadResult(framework_id, added, replaced)
    write_template("values-template.xlsx")

JSON shape::

    {"framework": {"id": "HA-2026", "name": "...", "version": "2026", "licence": "...",
                   "licence_holder": "...", "source": "..."},
     "measures": [{"code": "LOC1", "description": "...", "unit": "FTE", "theme": "...",
                   "criteria": ["PPN 06/20 MAC 2.1"], "record_only": false,
                   "counting_rule": "per_year", "proxy_value": 1234.5, "price_year": 2025,
                   "source": "...", "licence_holder": "..."}]}
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from consortium import jsonfile, workbooks
from consortium.changes import SOCIAL_VALUE
from consortium.errors import ConsortiumError
from consortium.files import atomic_save
from consortium.socialvalue import frameworks
from consortium.text import listed, storable
from consortium.workspace import Workspace, writes

FRAMEWORK_FIELDS = ("id", "name", "version", "licence", "licence_holder", "source")
COLUMNS = (
    ("code", "Code"),
    ("description", "Description"),
    ("unit", "Unit"),
    ("theme", "Theme"),
    ("criteria", "Criteria codes"),
    ("record_only", "Record only"),
    ("counting_rule", "Counting rule"),
    ("proxy_value", "Proxy value (£)"),
    ("price_year", "Price year"),
    ("source", "Source"),
    ("licence_holder", "Licence holder"),
)
_HEADER_TO_KEY = {label.lower(): key for key, label in COLUMNS} | {k: k for k, _ in COLUMNS}


MAX_MEASURES = 10_000  # rows of the Measures sheet read
MAX_PROXY = Decimal(10**12)  # £ per unit; beyond it a value is a typing slip (and overflows sums)


class ValueFileError(ConsortiumError):
    def __init__(self, path: Path, problems: list[str]):
        self.problems = problems
        super().__init__(
            f"{path.name} was not loaded ({len(problems)} problem{'s' if len(problems) != 1 else ''}); "
            "nothing was changed. Fix these and load it again:\n  "
            + listed(problems, 20, sep="\n  ", noun="problem")
        )


@dataclass
class LoadResult:
    framework_id: str
    added: int
    replaced: bool


def _truthy(v) -> bool:
    return str(v).strip().lower() in ("1", "true", "yes", "y", "x", "record only")


def _read_json(path: Path) -> tuple[dict, list[tuple[str, dict]]]:
    try:
        data = jsonfile.read(path)  # a BOM read, deep nesting refused, each in plain words
    except (OSError, ValueError) as exc:
        raise ValueFileError(path, [f"cannot read it as JSON: {exc}"]) from exc
    if not isinstance(data, dict) or not isinstance(data.get("measures"), list):
        raise ValueFileError(path, ["expected an object with 'framework' and 'measures' (a list)"])
    framework = data.get("framework") or {}
    if not isinstance(framework, dict):
        raise ValueFileError(path, ["'framework' must be an object of fields (id, name, …)"])
    rows = [
        (f"measure {i}", storable(m) if isinstance(m, dict) else {})
        for i, m in enumerate(data["measures"], start=1)
    ]
    return storable(framework), rows


def _read_xlsx(path: Path) -> tuple[dict, list[tuple[str, dict]]]:
    import openpyxl

    def error(message: str) -> ValueFileError:
        return ValueFileError(path, [message])

    workbooks.check_archive(path, path.name, error)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ValueFileError(path, [f"cannot open it as an Excel workbook: {exc}"]) from exc
    try:
        missing = [s for s in ("Framework", "Measures") if s not in wb.sheetnames]
        if missing:
            raise ValueFileError(
                path,
                [f"the workbook has no '{s}' sheet (start from the template)" for s in missing],
            )
        fw = {}
        bounded = {"name": path.name, "error": error, "max_cols": len(COLUMNS) + 10}
        for row in workbooks.rows(wb["Framework"], min_row=2, max_rows=200, **bounded):
            if row and row[0]:
                key = str(row[0]).strip().lower().replace(" ", "_")
                fw[key] = "" if len(row) < 2 or row[1] is None else str(row[1]).strip()
        it = workbooks.rows(wb["Measures"], max_rows=MAX_MEASURES + 1, **bounded)
        header = [_HEADER_TO_KEY.get(str(h or "").strip().lower(), "") for h in next(it, ())]
        rows = []
        for n, values in enumerate(it, start=2):
            if not any(v not in (None, "") for v in values):
                continue
            rows.append(
                (
                    f"Measures sheet, row {n}",
                    {k: v for k, v in zip(header, values, strict=False) if k},
                )
            )
        return fw, rows
    finally:
        wb.close()


def parse(path: str | Path) -> tuple[frameworks.Framework, list[frameworks.Measure]]:
    """Read and check a value file; raise ValueFileError listing every problem."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        fw_data, rows = _read_json(path)
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        fw_data, rows = _read_xlsx(path)
    else:
        raise ValueFileError(path, ["use an .xlsx workbook (see the template) or a .json file"])
    problems: list[str] = []
    fw = frameworks.Framework(
        **{k: str(fw_data.get(k) or "").strip() for k in FRAMEWORK_FIELDS},
        file=path.name,
        loaded_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    if not fw.id:
        problems.append("Framework: give the framework an id (e.g. HA-VALUES-2026)")
    elif fw.id == frameworks.BUNDLED_ID:
        problems.append(f"Framework: the id {fw.id} is the bundled framework's; choose another")
    if not fw.name:
        fw.name = fw.id
    if not fw.licence_holder:
        problems.append("Framework: say who holds the licence to these values (licence_holder)")
    measures: list[frameworks.Measure] = []
    seen: set[str] = set()
    for where, r in rows:
        code = str(r.get("code") or "").strip()
        label = f"{where} ({code})" if code else where
        errs = []
        if not code:
            errs.append("the code is missing")
        elif code in seen:
            errs.append(f"the code {code} appears twice")
        seen.add(code)
        description = str(r.get("description") or "").strip()
        if not description:
            errs.append("the description is missing")
        raw_unit = str(r.get("unit") or "").strip()
        unit = frameworks.normalise_unit(raw_unit)
        if not raw_unit:
            errs.append("the unit is missing")
        elif unit is None:
            errs.append(f"unknown unit '{raw_unit}' (use one of: {', '.join(frameworks.UNITS)})")
        record_only = _truthy(r.get("record_only")) if r.get("record_only") is not None else False
        rule = str(r.get("counting_rule") or "per_year").strip().lower().replace(" ", "_")
        if rule not in frameworks.COUNTING_RULES:
            errs.append(
                f"counting rule '{r.get('counting_rule')}' must be per_year or first_year_only"
            )
        proxy = None
        raw_proxy = r.get("proxy_value")
        if raw_proxy not in (None, ""):
            try:
                proxy = Decimal(str(raw_proxy).replace(",", "").replace("£", "").strip())
                if not proxy.is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                errs.append(f"the proxy value '{raw_proxy}' is not a number")
                proxy = None
            else:
                if proxy < 0:
                    errs.append(f"the proxy value {raw_proxy} is negative")
                elif proxy > MAX_PROXY:
                    errs.append(f"the proxy value {raw_proxy} is beyond £{MAX_PROXY:,}")
        elif not record_only:
            errs.append("the proxy value is missing (or mark the measure 'record only')")
        price_year = None
        source = str(r.get("source") or fw.source or "").strip()
        holder = str(r.get("licence_holder") or fw.licence_holder or "").strip()
        if not record_only:
            raw_year = r.get("price_year")
            try:
                price_year = (
                    int(str(raw_year).strip().split(".")[0]) if raw_year not in (None, "") else None
                )
            except ValueError:
                price_year = None
            if raw_year in (None, ""):
                errs.append("the price year is missing")
            elif price_year is None or not 1990 <= price_year <= 2100:
                errs.append(f"the price year '{raw_year}' is not a year")
            if not source:
                errs.append("the source of the value is missing")
        crit = r.get("criteria") or []
        if isinstance(crit, str):
            crit = [c.strip() for c in crit.replace(";", ",").split(",") if c.strip()]
        elif not isinstance(crit, list):
            crit = [crit]
        if errs:
            problems.append(f"{label}: " + "; ".join(errs))
            continue
        measures.append(
            frameworks.Measure(
                framework_id=fw.id,
                code=code,
                description=description,
                unit=unit,
                theme=str(r.get("theme") or "").strip(),
                criteria=[str(c) for c in crit],
                record_only=record_only,
                counting_rule=rule,
                proxy_value=None if record_only else proxy,
                price_year=price_year,
                source=source,
                licence_holder=holder,
            )
        )
    if not rows:
        problems.append("there are no measures in the file")
    if problems:
        raise ValueFileError(path, problems)
    return fw, measures


@writes
def load_file(ws: Workspace, path: str | Path) -> LoadResult:
    """Check ``path`` and store its framework and measures, replacing a framework with the same id."""
    fw, measures = parse(path)
    with ws.atomic(SOCIAL_VALUE):
        replaced = bool(
            ws.db.execute("SELECT 1 FROM sv_frameworks WHERE id = ?", [fw.id]).fetchone()
        )
        ws.db.execute("DELETE FROM sv_measures WHERE framework_id = ?", [fw.id])
        ws.db["sv_frameworks"].upsert(
            {
                "id": fw.id,
                "name": fw.name,
                "version": fw.version,
                "licence": fw.licence,
                "licence_holder": fw.licence_holder,
                "source": fw.source,
                "file": fw.file,
                "loaded_at": fw.loaded_at,
            },
            pk="id",
        )
        ws.db["sv_measures"].insert_all(
            {
                "framework_id": m.framework_id,
                "code": m.code,
                "description": m.description,
                "unit": m.unit,
                "theme": m.theme,
                "criteria": json.dumps(m.criteria),
                "record_only": int(m.record_only),
                "counting_rule": m.counting_rule,
                "proxy_value": None if m.proxy_value is None else str(m.proxy_value),
                "price_year": m.price_year,
                "source": m.source,
                "licence_holder": m.licence_holder,
            }
            for m in measures
        )
        ws.audit(
            "import",
            "sv_framework",
            fw.id,
            f"Loaded {len(measures)} social value measures from {Path(path).name}",
        )
    return LoadResult(fw.id, len(measures), replaced)


def write_template(path: str | Path) -> Path:
    """An empty value-file workbook with instructions and one made-up example row."""
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    path = Path(path)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Framework"
    ws.append(["Field", "Value", "Notes"])
    notes = {
        "id": "Short id, e.g. HA-VALUES-2026",
        "name": "Name people will see",
        "version": "Version or year",
        "licence": "The licence the values are used under",
        "licence_holder": "Who holds the licence (required)",
        "source": "Where the values come from (used for rows that leave Source blank)",
    }
    for k in FRAMEWORK_FIELDS:
        ws.append([k, "", notes[k]])
    m = wb.create_sheet("Measures")
    m.append([label for _, label in COLUMNS])
    m.append(
        [
            "EX1",
            "Example only: replace with your licensed measure",
            "hours",
            "Wellbeing",
            "PPN 06/20 MAC 8.1",
            "no",
            "per_year",
            1.0,
            2025,
            "Your source",
            "Your organisation",
        ]
    )
    for sheet in (ws, m):
        for c in sheet[1]:
            c.font = Font(bold=True)
    dv = DataValidation(type="list", formula1='"' + ",".join(frameworks.UNITS) + '"')
    m.add_data_validation(dv)
    dv.add("C2:C1000")
    rules = DataValidation(type="list", formula1='"per_year,first_year_only"')
    m.add_data_validation(rules)
    rules.add("G2:G1000")
    help_ = wb.create_sheet("Help")
    for line in (
        "One row per measure. Every monetised value needs a source, a price year and a licence holder.",
        "Record only = yes for measures that are counted but not given a £ value.",
        "Counting rule: per_year (counted every year) or first_year_only (e.g. a disadvantaged hire).",
        "Only load values you are licensed to use. Consortium ships no licensed proxy values.",
    ):
        help_.append([line])
    from consortium import xlsx_layout

    # Forms to fill in: no fixed print area, so the rows a user adds print too.
    for sheet, name in ((ws, "framework"), (m, "measures")):
        xlsx_layout.fit_columns(sheet, header_row=1)
        xlsx_layout.print_setup(
            sheet, title=f"Social value file: {name}", header_rows=(1, 1), area=""
        )
    help_.column_dimensions["A"].width = 100
    xlsx_layout.print_setup(help_, title="Social value file: help", table="", area="")
    atomic_save(wb.save, path)
    return path
