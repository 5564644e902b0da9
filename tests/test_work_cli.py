"""The work-pack commands end to end: export, open (making the member's workspace), answer,
reply, import (diff first, then --accept all), status; directory export and import."""

from __future__ import annotations

import json
import sqlite3

from consortium.bids import questions as bid_questions
from consortium.bids.questions import Question
from consortium.cli import main
from consortium.packs import keys
from consortium.workspace import Workspace


def test_work_commands_round_trip(demo_file, memory_keyring, tmp_path, monkeypatch, capsys):
    lead_home, member_home = tmp_path / "lead-home", tmp_path / "member-home"
    monkeypatch.setenv("CONSORTIUM_HOME", str(member_home))
    member_words = keys.create_key("Hope member").words
    keys.export_public(tmp_path / "member.pub.json")
    monkeypatch.setenv("CONSORTIUM_HOME", str(lead_home))
    lead_words = keys.create_key("Riverside Community Action").words
    with Workspace.open(demo_file) as ws:
        for existing in bid_questions.list_for(ws.db, 1):  # the demo bid's own questions
            bid_questions.delete(ws, existing.id)
        q = Question(bid_id=1, ref="7", text="How will you reach tenants?", owner_org_id=2)
        bid_questions.save(ws, q)
    lead = ["--workspace", str(demo_file)]
    assert (
        main(
            [
                "work",
                "export",
                "1",
                "--member",
                "2",
                "--out",
                str(tmp_path / "w.cbwork"),
                "--due",
                "7 Dec 2026",
                "--member-key",
                str(tmp_path / "member.pub.json"),
                "--member-words",
                member_words,
                *lead,
            ]
        )
        == 0
    )
    assert "reply due 7 Dec 2026" in capsys.readouterr().out

    monkeypatch.setenv("CONSORTIUM_HOME", str(member_home))
    mws = tmp_path / "member" / "member.consortium"
    mine = ["--workspace", str(mws)]
    assert main(["work", "open", str(tmp_path / "w.cbwork"), *mine]) == 1
    assert "first work pack" in capsys.readouterr().err and not mws.exists()
    assert (
        main(
            [
                "work",
                "open",
                str(tmp_path / "w.cbwork"),
                "--confirm-words",
                lead_words,
                "--json",
                *mine,
            ]
        )
        == 0
    )
    out = capsys.readouterr()
    opened = json.loads(out.out)
    assert "Made the workspace" in out.err and mws.exists()
    assert opened["lead"] == "Riverside Community Action" and opened["due"] == "2026-12-07"
    qid = opened["questions"][0]["id"]
    assert (
        main(
            [
                "work",
                "answer",
                str(tmp_path / "w.cbwork"),
                str(qid),
                "--text",
                "Door to door, every estate.",
                *mine,
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "work",
                "reply",
                str(tmp_path / "w.cbwork"),
                "--out",
                str(tmp_path / "r.cbreply"),
                *mine,
            ]
        )
        == 0
    )
    capsys.readouterr()

    monkeypatch.setenv("CONSORTIUM_HOME", str(lead_home))
    assert main(["work", "import", str(tmp_path / "r.cbreply"), "--json", *lead]) == 0
    preview = json.loads(capsys.readouterr().out)
    assert (
        preview["imported"] is False and preview["items"][0]["new"] == "Door to door, every estate."
    )
    with Workspace.open(demo_file) as ws:
        assert bid_questions.load(ws.db, q.id).answer == ""
    assert main(["work", "import", str(tmp_path / "r.cbreply"), "--accept", "all", *lead]) == 0
    assert "Took in 1 change" in capsys.readouterr().out
    assert main(["work", "import", str(tmp_path / "r.cbreply"), "--accept", "all", *lead]) == 1
    assert "already taken in" in capsys.readouterr().err
    assert main(["work", "status", "1", "--json", *lead]) == 0
    rows = {r["org_id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows[2]["replies"] == 1 and rows[2]["open"] == 0
    with Workspace.open(demo_file) as ws:
        assert bid_questions.load(ws.db, q.id).answer == "Door to door, every estate."

    assert main(["directory", "export", str(tmp_path / "d.cbdirectory"), *lead]) == 0
    assert main(["directory", "export", str(tmp_path / "d.db"), *lead]) == 0
    assert "datasette" in capsys.readouterr().out
    conn = sqlite3.connect(tmp_path / "d.db")
    assert conn.execute("SELECT count(*) FROM partners").fetchone()[0] > 2
    conn.close()
    monkeypatch.setenv("CONSORTIUM_HOME", str(member_home))
    assert (
        main(
            [
                "directory",
                "import",
                str(tmp_path / "d.cbdirectory"),
                "--confirm-words",
                lead_words,
                *mine,
            ]
        )
        == 0
    )
    assert "Imported Riverside Community Action's directory" in capsys.readouterr().out
    assert main(["directory", "search", "", "--json", *mine]) == 0
    assert len(json.loads(capsys.readouterr().out)) > 2
