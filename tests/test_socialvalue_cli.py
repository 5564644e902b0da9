"""``consortium sv`` (works whether or not the lead has added the plugin to consortium.cli)."""

import json

import docx
import openpyxl
import pytest
from conftest import TODAY

from consortium import cli
from consortium.socialvalue.demo import add_demo_social_value
from consortium.workspace import Workspace


@pytest.fixture
def run(demo_file, monkeypatch, capsys):
    if "consortium.socialvalue.cli" not in cli._PLUGINS:
        monkeypatch.setattr(cli, "_PLUGINS", (*cli._PLUGINS, "consortium.socialvalue.cli"))

    def run(*argv):
        code = cli.main([*argv, "--workspace", str(demo_file)])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


@pytest.fixture
def bid(demo_file):
    with Workspace.open(demo_file) as ws:
        return add_demo_social_value(ws, TODAY)


def test_frameworks(run):
    code, out, _ = run("sv", "frameworks")
    assert code == 0 and "WELLBY" in out and "£13,000.00" in out and "MAC 2.1*" in out
    code, out, _ = run("sv", "frameworks", "--json")
    data = json.loads(out)
    assert data["frameworks"][0]["measures"][0]["proxy_gbp"] == "13000"
    assert {"framework", "code", "title", "group", "verified"} <= set(data["criteria"][0])


def test_calc_text_and_json(run, bid):
    code, out, _ = run("sv", "calc", str(bid))
    assert (
        code == 0 and "Present value:" in out and "SROI ratio" in out and "not the weighting" in out
    )
    code, out, _ = run("sv", "calc", str(bid), "--json")
    data = json.loads(out)
    assert data["schema"] == "consortium.sv.calc/1" and data["bid_id"] == bid
    assert set(data) >= {"assumptions", "totals", "lines", "by_theme", "by_member", "by_council",
                         "sensitivity"}  # fmt: skip
    assert set(data["totals"]) == {"gross_gbp", "net_undiscounted_gbp", "present_value_gbp",
                                   "npv_gbp", "sroi_ratio", "net_sroi_ratio",
                                   "value_to_contract_ratio"}  # fmt: skip
    assert data["totals"]["present_value_gbp"] == "120752.80"
    assert data["assumptions"]["weighting_pct"] == "10"
    assert data["by_council"][0]["council_name"] == "Camden"


def test_documents_and_load(run, bid, tmp_path):
    code, out, _ = run("sv", "workbook", str(bid), "--out", str(tmp_path / "w.xlsx"))
    assert code == 0 and openpyxl.load_workbook(tmp_path / "w.xlsx")["Summary"]["B5"].value
    code, out, _ = run("sv", "statement", str(bid), "--out", str(tmp_path / "s.docx"))
    assert code == 0 and docx.Document(tmp_path / "s.docx").paragraphs
    code, out, _ = run("sv", "template", "--out", str(tmp_path / "t.xlsx"))
    assert code == 0
    code, out, err = run("sv", "load", str(tmp_path / "t.xlsx"))
    assert code == 1 and "licence" in err  # the template's framework sheet is still blank
    code, out, err = run("sv", "calc", "999")
    assert code == 1 and "no bid with id 999" in err


def test_commit_settings_deliver_progress_report(run, bid, tmp_path):
    code, out, err = run("sv", "commit", str(bid), "--member", "1", "--measure", "HMT:WELLBY",
                         "--quantity", "2", "--years", "2", "--deadweight", "20%",
                         "--areas", "E09000007")  # fmt: skip
    assert code == 0, err
    cid = int(out.split()[-1].rstrip("."))
    code, out, err = run("sv", "commit", str(bid), "--member", "1", "--measure", "WELLBY",
                         "--quantity", "2")  # fmt: skip
    assert code == 1 and "FRAMEWORK:CODE" in err
    code, out, err = run("sv", "settings", str(bid), "--inputs", "1000", "--no-discount-year1",
                         "--need", "A & B")  # fmt: skip
    assert code == 0 and "not discounted" in out
    code, out, err = run("sv", "deliver", str(cid), "--period", "2027", "--quantity", "1",
                         "--people", "1")  # fmt: skip
    assert code == 0, err
    code, out, _ = run("sv", "progress", str(bid), "--json")
    row = next(r for r in json.loads(out) if r["commitment_id"] == cid)
    assert (
        row["committed"] == "4" and row["delivered"] == "1" and row["percent_delivered"] == "25.0"
    )
    assert row["value_delivered_gbp"] == "10400.00"
    code, out, err = run("sv", "report", "--year", "2027", "--out", str(tmp_path / "r"))
    assert code == 0 and (tmp_path / "r" / "social-impact-2027.docx").exists()
