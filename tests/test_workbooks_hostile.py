"""Workbooks built to hurt: a cell at XFD1048576, renamed sheet parts, infinities, and the
word-limit parser fed a paragraph of "1,1,1,…"."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import openpyxl
import pytest

from consortium.bids import questions
from consortium.bids.questions import QuestionnaireError, find_weighting, find_word_limit
from consortium.partners.excel import export_partners, import_partners
from consortium.socialvalue import valuefile
from consortium.tenders.importer import import_paths
from consortium.tenders.ocds_reader import TenderFileError

FIX = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[1]


def far_cell(src: Path, dest: Path, sheet: int | str = 0) -> Path:
    """A copy of ``src`` with one more cell, at XFD1048576 (the last cell a sheet can have)."""
    wb = openpyxl.load_workbook(src)
    ws = wb.worksheets[sheet] if isinstance(sheet, int) else wb[sheet]
    ws["XFD1048576"] = "stray"
    wb.save(dest)
    return dest


def test_questionnaire_with_a_far_cell_reads_in_bounded_memory(tmp_path):
    """In a child process, so its peak memory is measured alone (it was 18 GB)."""
    path = far_cell(FIX / "bids" / "questionnaire.xlsx", tmp_path / "far.xlsx")
    expected = [q.text for q in questions.read_questionnaire(FIX / "bids" / "questionnaire.xlsx")]
    script = textwrap.dedent(
        f"""
        import json, sys
        sys.path.insert(0, {str(ROOT)!r})
        from consortium.bids import questions
        found = questions.read_questionnaire({str(path)!r})
        print(json.dumps([q.text for q in found]))
        # VmHWM: this process's peak (ru_maxrss would include the parent's, kept over exec).
        status = open("/proc/self/status").read()
        print(int(status.split("VmHWM:")[1].split()[0]) // 1024)
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    found, peak_mb = out.stdout.strip().splitlines()
    assert json.loads(found) == expected
    assert int(peak_mb) < 400


def test_partner_import_with_a_far_cell(demo_ws, empty_ws, tmp_path):
    exported = export_partners(demo_ws, tmp_path / "partners.xlsx")
    path = far_cell(exported, tmp_path / "far.xlsx", sheet="Organisations")
    result = import_partners(empty_ws, path, write_problems=False)
    names = sorted(r[0] for r in empty_ws.conn.execute("SELECT name FROM organisations"))
    assert names == sorted(r[0] for r in demo_ws.conn.execute("SELECT name FROM organisations"))
    assert any("claims 1,048,576" in note for note in result.notes)


def test_value_file_with_a_far_cell(empty_ws, tmp_path):
    p = valuefile.write_template(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(p)
    for row in wb["Framework"].iter_rows(min_row=2):
        row[1].value = {"id": "X1", "licence_holder": "HA"}.get(row[0].value, "")
    wb["Measures"]["XFD1048576"] = "stray"
    wb.save(p)
    assert valuefile.load_file(empty_ws, p).added == 1


def test_value_file_refuses_infinity_and_odd_json_shapes(empty_ws, tmp_path):
    p = valuefile.write_template(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(p)
    for row in wb["Framework"].iter_rows(min_row=2):
        row[1].value = {"id": "X1", "licence_holder": "HA"}.get(row[0].value, "")
    for value, problem in (("Infinity", "is not a number"), ("1e999", "is beyond £")):
        wb["Measures"]["H2"] = value  # the proxy value
        wb.save(p)
        with pytest.raises(valuefile.ValueFileError) as caught:
            valuefile.load_file(empty_ws, p)
        assert problem in str(caught.value)
    for body in (
        {"framework": ["not", "an", "object"], "measures": []},
        {"framework": {"id": "J"}, "measures": [{"code": "A", "criteria": 5}]},
        "[" * 100_000 + "]" * 100_000,
        '{"measures": [' + "1" * 5000 + "]}",
    ):
        path = tmp_path / "v.json"
        path.write_text(body if isinstance(body, str) else json.dumps(body), encoding="utf-8")
        with pytest.raises(valuefile.ValueFileError):
            valuefile.load_file(empty_ws, path)
    assert not empty_ws.conn.execute(
        "SELECT 1 FROM sv_frameworks WHERE id IN ('X1', 'J')"
    ).fetchone()


def test_a_value_file_nested_hundreds_deep_is_refused_not_a_crash(empty_template, tmp_path):
    # 900 levels parse, then broke the next walk over them (a RecursionError traceback).
    from conftest import cli, copy_workspace

    ws = copy_workspace(empty_template, tmp_path / "ws.consortium")
    deep = {"framework": {"id": "D1"}, "measures": [{"code": "DEEP"}]}
    path = tmp_path / "deep.json"
    path.write_text(json.dumps(deep).replace('"DEEP"', "[" * 900 + "]" * 900), "utf-8")
    done = cli("--workspace", str(ws), "sv", "load", str(path))
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "deep.json was not loaded" in done.stderr
    assert "nested more than 64 levels deep" in done.stderr


def test_contracts_finder_xlsx_with_a_far_cell(empty_ws, tmp_path):
    path = far_cell(FIX / "ocds" / "cf-xlsx-small.xlsx", tmp_path / "far.xlsx")
    report = import_paths(empty_ws, [path])
    plain = import_paths(empty_ws, [FIX / "ocds" / "cf-xlsx-small.xlsx"])
    assert report.tenders_new > 0 and plain.tenders_new == 0


def test_a_renamed_sheet_part_is_a_clear_refusal(empty_ws, tmp_path):
    """The workbook lists xl/worksheets/sheet1.xml, but the part was renamed."""
    src = FIX / "ocds" / "cf-xlsx-small.xlsx"
    path = tmp_path / "renamed-part.xlsx"
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(path, "w") as new:
        for info in old.infolist():
            name = info.filename.replace("worksheets/sheet1.xml", "worksheets/sheetX.xml")
            new.writestr(name, old.read(info.filename))
    with pytest.raises(TenderFileError) as caught:
        import_paths(empty_ws, [path])
    assert "renamed-part.xlsx" in str(caught.value)
    shutil.copy(path, tmp_path / "q.xlsx")
    with pytest.raises(QuestionnaireError):
        questions.read_questionnaire(tmp_path / "q.xlsx")


# ------------------------------------------------------------------- the word-limit parser
def test_word_limit_parser_on_a_paragraph_of_numbers():
    """20,000 "1," took 15 s (each digit started a fresh backtracking match); now one pass."""
    text = "1," * 20_000
    assert find_word_limit(text) is None
    assert find_word_limit(text + " (max 300 words)") == 300
    assert find_word_limit(text + " words max") is None  # not a plausible limit
    assert find_weighting("1" * 20_000 + "% weighting") is None
    assert find_weighting("1." * 20_000) is None


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("(, words)", None),
        ("(,,, words)", None),
        ("(max 500 words)", 500),
        ("(1,500 words)", 1500),
        ("Word limit: 1,000", 1000),
        ("up to 750 words", 750),
        ("2,000 words maximum", 2000),
        ("(0 words)", None),
    ],
)
def test_word_limits(text, limit):
    assert find_word_limit(text) == limit


def test_a_docx_whose_styles_part_is_not_styles_is_a_clear_refusal(tmp_path):
    """python-docx reads styles lazily: a styles relationship to another part broke it late."""
    src = FIX / "bids" / "questionnaire.docx"
    path = tmp_path / "odd-styles.docx"
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(path, "w") as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"wordprocessingml.styles+xml", b"wordprocessingml.stylesX+xml")
            new.writestr(info.filename, data)
    with pytest.raises(QuestionnaireError) as caught:
        questions.read_questionnaire(path)
    assert "odd-styles.docx" in str(caught.value)
