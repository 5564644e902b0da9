"""The ``tenders`` subcommands: import, list, show (text and --json)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from consortium.errors import ConsortiumError
from consortium.tenders.cli import register
from consortium.tenders.search import count
from consortium.workspace import Workspace

FIX = Path(__file__).parent / "fixtures" / "ocds"
SELECTED = FIX / "fts-selected-civil-society-releases.json"


def run(ws, *argv) -> int:
    parser = argparse.ArgumentParser(prog="consortium")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    return args.handler(args, ws)


@pytest.fixture
def ws(tmp_path):
    w = Workspace.create(tmp_path / "cli.consortium")
    yield w
    w.close()


def test_import_prints_the_report(ws, capsys):
    assert run(ws, "tenders", "import", str(SELECTED)) == 0
    out = capsys.readouterr().out
    assert "47 notices read: 43 new tenders" in out
    assert str(SELECTED) in out
    assert run(ws, "tenders", "import", str(SELECTED), "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["duplicates_skipped"] == 47 and data["tenders_new"] == 0


def test_list_and_show(ws, capsys):
    run(ws, "tenders", "import", str(SELECTED))
    capsys.readouterr()
    assert run(ws, "tenders", "list", "--query", "domestic abuse", "--place", "E06000042") == 0
    out = capsys.readouterr().out
    assert "ocds-h6vhtk-05a7b0" in out and "8 Sep 2026" in out and "£6,615,000" in out
    assert run(ws, "tenders", "list", "--cpv", "85300000", "--json", "--limit", "0") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["count"] == len(data["rows"]) > 5
    assert run(ws, "tenders", "list", "--open", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["count"] == count(ws, status=["open"]) < 43  # most deadlines have passed
    assert all(r["status"] == "open" for r in listed["rows"])
    assert run(ws, "tenders", "show", "ocds-h6vhtk-05a7b0") == 0
    out = capsys.readouterr().out
    assert "Deadline for tenders: 8 Sep 2026 12:00" in out  # UK time
    assert "£6,615,000 excluding VAT" in out and "light touch" in out
    assert "Award criterion: Quality 60%" in out
    assert run(ws, "tenders", "show", "ocds-h6vhtk-05a7b0", "--json") == 0
    assert json.loads(capsys.readouterr().out)["title"] == "Domestic Abuse Support Services"


def test_errors_are_consortium_errors(ws, tmp_path):
    with pytest.raises(ConsortiumError, match="No tender"):
        run(ws, "tenders", "show", "ocds-nope")
    with pytest.raises(ConsortiumError, match="does not exist"):
        run(ws, "tenders", "import", str(tmp_path / "missing.json"))
    with pytest.raises(ConsortiumError, match="not a place"):
        run(ws, "tenders", "list", "--place", "Atlantis")
