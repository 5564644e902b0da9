"""A consortium's member lots read back as lot ids in text, whatever the file holds: an earlier
version stored numbers, and a file edited by hand may hold anything (the Consortia page showed
nothing but a traceback for a workspace of the earlier version)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from consortium.matching import consortia
from consortium.workspace import Workspace

V11 = Path(__file__).parent / "fixtures" / "workspaces" / "v11.consortium"


def test_lots_an_earlier_version_stored_as_numbers_read_as_text(tmp_path):
    path = tmp_path / "old.consortium"
    shutil.copyfile(V11, path)
    with Workspace.open(path) as ws:
        (cid,) = ws.conn.execute("SELECT id FROM consortia ORDER BY id").fetchone()
        members = consortia.load(ws.db, cid).members
        assert [m.lots for m in members][:2] == [["1", "2"], ["2"]]


@pytest.mark.parametrize(
    ("stored", "read"),
    [
        ('["1", "2"]', ["1", "2"]),
        ("[1, 2.5]", ["1", "2.5"]),
        ('"3"', ["3"]),
        ("not json", []),
        ("", []),
        ('[{"id": 1}, null, " ", "A"]', ["A"]),
        ("[true, 1.0, 2]", ["1", "2"]),
        ("{}", []),
    ],
)
def test_any_stored_lots_read_without_failing(demo_ws, stored, read):
    (org,) = demo_ws.conn.execute("SELECT id FROM organisations ORDER BY id").fetchone()
    consortium = consortia.Consortium(name="North", members=[consortia.Member(org_id=org)])
    cid = consortia.save(demo_ws, consortium)

    def damage():
        with demo_ws.atomic():
            demo_ws.conn.execute(
                "UPDATE consortium_members SET lots = ? WHERE consortium_id = ?", [stored, cid]
            )

    demo_ws.write(damage)
    assert consortia.load(demo_ws.db, cid).members[0].lots == read
