"""A message that names a list a file or a workspace can make any length names the first few
and counts the rest (one helper, ``text.listed``): a refusal that named all 9,000 members of
a consortium could not be read, or shown in a window."""

from __future__ import annotations

import pytest

from consortium.matching import consortia
from consortium.partners import rules
from consortium.partners import store as partner_store
from consortium.records import Organisation
from consortium.text import listed
from consortium.work import export
from consortium.work.records import WorkError

BID = 1  # the demo bid, for consortium 1


def test_listed_names_the_first_few_and_counts_the_rest():
    assert listed(["Ada", "Bea", "Cy"]) == "Ada, Bea, Cy"
    assert listed(f"Partner {n}" for n in range(9_000)).endswith(
        "Partner 3, Partner 4 and 8,995 more"
    )
    assert listed(["a.", "b.", "c."], 2, sep=" ", noun="problem") == "a. b. … and 1 more problem"
    assert listed([]) == ""


def add_members(ws, count: int) -> None:
    c = consortia.load(ws.db, 1)
    for n in range(count):
        org_id = partner_store.save(ws, Organisation(name=f"Helping Hands {n}"))
        c.members.append(consortia.Member(org_id=org_id))
    consortia.save(ws, c)


def test_a_member_not_found_names_five_members_and_counts_the_rest(demo_ws):
    add_members(demo_ws, 12)
    with pytest.raises(WorkError) as err:
        export.find_member(demo_ws, BID, "Nobody Trust")
    message = str(err.value)
    assert "Its members are: " in message
    assert message.endswith(" and 10 more.")  # the demo's 3 and the 12, 5 of them named
    assert "Helping Hands 11" not in message


def test_a_name_matching_several_members_names_only_those(demo_ws):
    add_members(demo_ws, 12)
    with pytest.raises(WorkError) as err:
        export.find_member(demo_ws, BID, "hands 1")  # 1, 10 and 11
    message = str(err.value)
    assert "matches more than one member (Helping Hands 1, Helping Hands 10, Helping Hands 11)" in (
        message
    )
    assert "Riverside" not in message  # every member was listed, matching or not


def test_many_unknown_cpv_codes_and_areas_are_named_five_at_a_time():
    # The editor and the command line check a partner through this one rule.
    org = Organisation(
        name="Hope Trust",
        cpv_codes=[f"9{n:07d}" for n in range(1, 301)],
        areas=[f"X{n:08d}" for n in range(40)],
    )
    problems = rules.check_organisation(org)
    assert problems["cpv_codes"] == (
        "Not in the CPV 2008 list: 90000001, 90000002, 90000003, 90000004, 90000005 and 295 more"
    )
    assert problems["areas"].endswith("X00000004 and 35 more")
