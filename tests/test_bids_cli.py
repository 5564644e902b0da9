"""``consortium bid …`` and ``consortium library …`` (the plugin is added here as the lead will
add it to consortium.cli._PLUGINS)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_bids_helpers import fill_library, make_bid

from consortium import cli
from consortium.workspace import Workspace

HERE = Path(__file__).parent / "fixtures" / "bids"


@pytest.fixture
def run(demo_file, monkeypatch, capsys):
    if "consortium.bids.cli" not in cli._PLUGINS:
        monkeypatch.setattr(cli, "_PLUGINS", (*cli._PLUGINS, "consortium.bids.cli"))

    def go(*argv):
        code = cli.main([*argv, "--workspace", str(demo_file)])
        out = capsys.readouterr()
        return code, out.out, out.err

    return go


@pytest.fixture
def bid_id(demo_file):
    ws = Workspace.open(demo_file)
    try:
        c, _ = make_bid(ws)
        # make_bid makes a bid too; the CLI test creates its own
        fill_library(ws)
        return c.id
    finally:
        ws.close()


def test_bid_workflow(run, bid_id, tmp_path):
    code, out, _ = run("bid", "create", str(bid_id), "--name", "Second bid", "--json")
    assert code == 0
    created = json.loads(out)
    assert set(created) == {"id", "name", "consortium_id", "ocid", "lots", "status"}
    code, out, _ = run("bid", "questions", "import", "Second bid", str(HERE / "questionnaire.xlsx"))
    assert code == 0 and "Imported 6 questions" in out
    code, out, _ = run("bid", "list", "--json")
    listed = {b["name"]: b for b in json.loads(out)}
    assert listed["Second bid"]["questions"] == 6 and listed["Second bid"]["answered"] == 0
    code, out, _ = run("bid", "check", str(created["id"]), "--json")
    assert code == 2
    report = json.loads(out)
    assert report["ready"] is False and report["counts"]["problem"] >= 6
    assert {i["code"] for i in report["items"]} >= {"unanswered", "document_expired"}
    code, out, _ = run("bid", "suggest", str(created["id"]), "--json")
    suggestions = json.loads(out)
    safeguarding = next(s for s in suggestions if s["ref"] == "C2.1")
    assert safeguarding["suggestions"][0]["title"] == "Safeguarding children and adults"
    code, out, _ = run(
        "bid", "build", str(created["id"]), "--out", str(tmp_path / "docs"), "--json"
    )
    assert code == 0
    built = json.loads(out)
    # The drafted "understanding of the need" still holds a prompt: no submission copy yet.
    assert built["copies"] == ["working"] and built["warnings"]
    assert set(built["files"]) == {
        "joint_bid",
        "joint_bid_working",
        "cre_eoi",
        "agreement",
        "due_diligence",
        "cover_note",
    }
    assert all(Path(p).exists() for p in built["files"].values())
    code, out, _ = run(
        "bid", "answer", str(created["id"]), "understanding", "--text", "Survivors need safety.",
        "--json",
    )  # fmt: skip
    assert code == 0 and json.loads(out)["field"] == "understanding"
    answer = tmp_path / "c11.txt"
    answer.write_text("We run refuges.\n\nAnd outreach.", encoding="utf-8")
    code, out, _ = run("bid", "answer", str(created["id"]), "C1.1", "--file", str(answer), "--json")
    saved = json.loads(out)
    assert code == 0 and saved["ref"] == "C1.1" and saved["words"] == 5
    assert saved["status"] == "drafting"
    code, _, err = run("bid", "answer", str(created["id"]), "Z9", "--text", "x")
    assert code != 0 and "C1.1" in err
    code, out, _ = run(
        "bid", "build", str(created["id"]), "--out", str(tmp_path / "sub"), "--copy",
        "submission", "--json",
    )  # fmt: skip
    built = json.loads(out)
    assert built["copies"] == ["submission"]
    assert built["files"]["joint_bid"].endswith("-submission.docx")
    import docx

    texts = [p.text for p in docx.Document(built["files"]["joint_bid"]).paragraphs]
    assert "We run refuges." in texts and "Survivors need safety." in texts


def test_bad_questionnaire_via_cli(run, bid_id):
    code, _, err = run("bid", "questions", "import", "1", str(HERE / "questions.pdf"))
    assert code == 1 and "Word (.docx)" in err
    code, _, err = run("bid", "check", "999")
    assert code == 1 and "no bid with id 999" in err


def test_library_commands(run, bid_id, tmp_path):
    code, out, _ = run("library", "search", "MARAC", "--json")
    assert code == 0 and json.loads(out)[0]["title"] == "Safeguarding children and adults"
    path = tmp_path / "lib.xlsx"
    code, out, _ = run("library", "export", str(path))
    assert code == 0 and path.exists()
    code, out, _ = run("library", "import", str(path), "--json")
    assert json.loads(out) == {"added": 0, "updated": 0, "skipped": 7, "titles": []}
    code, out, _ = run("library", "stale", "--json")
    assert code == 0 and isinstance(json.loads(out), list)


def test_paste_questions_from_stdin(run, bid_id, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("1. Why you?\n2. How? (max 200 words)\n"))
    code, out, _ = run("bid", "questions", "import", "1", "-", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["added"] == 2 and data["skipped"] == 0 and data["questions"][1]["word_limit"] == 200


def test_questions_list_and_json_export(run, bid_id, tmp_path):
    run("bid", "questions", "import", "MK bid bid", str(HERE / "questionnaire.docx"))
    code, out, _ = run("bid", "questions", "list", "MK bid bid", "--json")
    rows = json.loads(out)
    assert [r["ref"] for r in rows] == ["1.1", "1.2", "2.1", "3.1"]
    assert set(rows[0]) == {
        "id",
        "bid_id",
        "position",
        "ref",
        "section",
        "text",
        "word_limit",
        "weighting",
        "owner_org_id",
        "status",
        "due",
        "answer",
        "words",
        "over_limit",
        "sources",
    }
    code, out, _ = run("bid", "questions", "list", "MK bid bid")
    assert "Q 1.2" in out and "/ 750 words, 15%" in out
    path = tmp_path / "lib.json"
    assert run("library", "export", str(path))[0] == 0
    assert json.loads(path.read_text())["format"] == "consortium-library"
