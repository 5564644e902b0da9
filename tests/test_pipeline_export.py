"""The pipeline's Excel export at a year's volume: every row written with its formats, the
work growing with the rows (not their square), progress reported, and Cancel leaving no file."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from consortium import sheets
from consortium.progress import Cancelled
from consortium.tenders.pipeline import Pipeline, PipelineRow
from consortium.tenders.pipeline_xlsx import STEP, export_xlsx


def pipeline(n: int) -> Pipeline:
    rows = [
        PipelineRow(
            ocid=f"ocds-h6vhtk-{i:06d}",
            contract_id=f"C{i}",
            notice_id=f"{i:06d}-2025",
            notice_url=f"https://www.find-tender.service.gov.uk/Notice/{i:06d}-2025",
            tender_title=f"Floating support, lot {i}",
            contract_title='=HYPERLINK("x")' if i == 7 else None,
            buyer="Leeds City Council",
            suppliers=["Hope Trust", "St Mary's Café Ltd"],
            supplier_ids=[],
            value=1_250_000.0 + i,
            value_gross=None,
            currency="GBP",
            start="2024-01-01T00:00:00Z",
            end=f"2027-{1 + i % 12:02d}-15T00:00:00Z",
            max_end=None,
            status="active",
            lots=[],
        )
        for i in range(n)
    ]
    return Pipeline(dt.date(2026, 12, 1), dt.date(2028, 12, 1), rows=rows)


def test_every_row_is_written_with_its_dates_and_money(tmp_path):
    heard: list[tuple[int, int, str]] = []
    n = 2 * STEP + 17
    out = export_xlsx(pipeline(n), tmp_path / "pipeline.xlsx", lambda *a: heard.append(a))
    sheet = openpyxl.load_workbook(out).active
    assert sheet["A1"].value == (f"Contracts ending 1 Dec 2026 to 1 Dec 2028: {n:,}")
    assert sheet.max_row == n + 2
    last = sheet[n + 2]
    assert last[0].value == dt.datetime(2027, 1 + (n - 1) % 12, 15)
    assert last[0].number_format == "d mmm yyyy" and last[6].number_format == "d mmm yyyy"
    assert (last[4].value, last[4].number_format) == (1_250_000.0 + n - 1, '"£"#,##0')
    assert last[3].value == "Hope Trust; St Mary's Café Ltd"
    assert sheet["C10"].value == '\'=HYPERLINK("x")' and sheet["C10"].data_type == "s"
    assert sheet.auto_filter.ref == f"A2:I{n + 2}"
    assert [h[0] for h in heard] == [0, STEP, 2 * STEP, n]
    assert {h[1] for h in heard} == {n * 21 // 20 + 1}  # saving the file: the rest
    assert heard[0][2] == f"Writing {n:,} contracts to pipeline.xlsx"


def test_cancel_leaves_the_file_that_was_there(tmp_path):
    out = tmp_path / "pipeline.xlsx"
    out.write_bytes(b"last week's export")
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 2  # pressed after the first thousand rows

    scratch = Path(tempfile.gettempdir())
    before = set(scratch.glob("openpyxl.*"))  # where the rows go as they are written
    with pytest.raises(Cancelled, match=r"^Cancelled: pipeline.xlsx is as it was\.$"):
        export_xlsx(pipeline(3 * STEP), out, cancelled=cancelled)
    with pytest.raises(Cancelled, match=r"^Cancelled: new.xlsx was not written\.$"):
        export_xlsx(pipeline(3 * STEP), tmp_path / "new.xlsx", cancelled=lambda: True)
    assert out.read_bytes() == b"last week's export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipeline.xlsx"]
    assert set(scratch.glob("openpyxl.*")) <= before


def test_append_hands_back_the_cells_it_wrote_without_reading_the_sheet(monkeypatch):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["heading"])
    reads: list[int] = []
    real = Worksheet.max_row

    def counted(sheet):
        reads.append(1)
        return real.fget(sheet)

    monkeypatch.setattr(Worksheet, "max_row", property(counted))
    cells = sheets.append(ws, ["=1+1", 5, None, "plain"])
    for i in range(200):
        sheets.append(ws, [f"row {i}", i])
    # Reading the last row back walks every cell written: once a row, it made a year's
    # pipeline (27,000 rows) take five minutes, and every export had the same square cost.
    assert reads == []
    monkeypatch.undo()
    assert [c.coordinate for c in cells] == ["A2", "B2", "C2", "D2"]
    assert [c.value for c in ws[2]] == ["'=1+1", 5, None, "plain"]
    assert cells[0].data_type == "s"
    assert ws.max_row == 202 and ws["A202"].value == "row 199"


def test_a_file_it_cannot_replace_is_said_plainly(tmp_path, monkeypatch):
    from consortium import files
    from consortium.errors import ConsortiumError

    def locked(_src, _dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files.os, "replace", locked)  # as Windows does while Excel has it open
    scratch = Path(tempfile.gettempdir())
    before = set(scratch.glob("openpyxl.*"))
    with pytest.raises(ConsortiumError, match=r"^pipeline.xlsx could not be saved \(Permis"):
        export_xlsx(pipeline(10), tmp_path / "pipeline.xlsx")
    assert list(tmp_path.iterdir()) == []
    assert set(scratch.glob("openpyxl.*")) <= before
