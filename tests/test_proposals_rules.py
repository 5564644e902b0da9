"""Proposals follow the ranking: the same per-lot judgements, partial covers that name who comes
closest and what each gap needs, our organisation in by default, required/excluded/lead
partners, and the ``consortium propose`` flags."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from consortium.matching import proposals, service
from consortium.partners import store
from consortium.tenders.records import COMING_SOON, OPEN
from consortium.workspace import Workspace
from tests.conftest import copy_workspace

TODAY = dt.date(2026, 11, 23)
WARRINGTON_DA = "ocds-h6vhtk-06e2d7"  # delivered in Warrington, reserved to UK suppliers
CAMDEN_CARERS = "ocds-h6vhtk-06e058"


@pytest.fixture(scope="module")
def ws(demo_template, tmp_path_factory):
    path = copy_workspace(demo_template, tmp_path_factory.mktemp("p") / "demo.consortium")
    workspace = Workspace.open(path)
    yield workspace
    workspace.close()


@pytest.fixture(scope="module")
def open_tenders(ws):
    return [t for t in service.all_tenders(ws.db) if t.status_on(TODAY) in (OPEN, COMING_SOON)]


@pytest.fixture(scope="module")
def results(ws, open_tenders):
    return {t.ocid: proposals.propose_for(ws, t.ocid, today=TODAY) for t in open_tenders}


def _id(ws, name: str) -> int:
    return store.find_existing(ws.db, store.Organisation(name=name))


def test_every_full_fit_in_the_ranking_is_a_feasible_deliverer(ws, open_tenders, results):
    """One rule set: for every open demo tender and lot, the partners the ranking calls a full
    fit are exactly those the optimiser may give the lot."""
    checked = 0
    for t in open_tenders:
        result = results[t.ocid]
        for lot in result.lots:
            ranked = service.match_tender(
                ws, t.ocid, None if lot == proposals.WHOLE else lot, today=TODAY
            )
            full = {m.partner_id for m in ranked if m.can_deliver()}
            feasible = {pid for (pid, lt) in result.fit if lt == lot}
            assert full == feasible, (t.ocid, lot)
            for m in ranked:
                if m.can_deliver():
                    assert result.fit[(m.partner_id, lot)] == pytest.approx(m.score, abs=1e-3)
            checked += len(full)
    assert checked > 20


def test_every_tender_with_service_fit_gets_a_proposal_with_members(ws, open_tenders, results):
    ours = store.ours(ws.db)
    with_fit = 0
    for t in open_tenders:
        result = results[t.ocid]
        fits = any(j.service_fit for j in result.judgements.values())
        best = result.proposals[0]
        if fits:
            with_fit += 1
            assert best.members, t.ocid
            assert "0 member" not in result.describe()
        ours_fits = any(j.full for (pid, _), j in result.judgements.items() if pid == ours.id)
        if ours_fits:
            assert ours.id in best.members, t.ocid
            assert "includes our organisation" in result.headline(0)
    assert with_fit >= 25


def test_partial_cover_names_the_closest_partner_and_what_it_lacks(results, ws):
    result = results[WARRINGTON_DA]
    best = result.proposals[0]
    assert not best.complete and best.members
    lot = result.lots[0]
    closest = best.closest[lot]
    assert closest in best.members
    gap = next(g for g in best.gaps if g.kind == "lot")
    assert "No partner fully covers Lot 1 in Warrington" in gap.message
    org = result.orgs[closest]
    area = org.areas[0]
    from consortium import places

    assert f"serves {places.area_name(area)}" in gap.fix and "but not Warrington" in gap.fix
    data = result.to_dict()["proposals"][0]
    assert data["closest"][lot]["partner_id"] == closest
    assert any(g["fix"] for g in data["gaps"])
    # the ranking shows the same judgement: nobody is a full fit for the lot
    ranked = service.match_tender(ws, WARRINGTON_DA, "1", today=TODAY)
    assert not any(m.can_deliver() for m in ranked)
    assert ranked[0].partner_id == closest or ranked[0].outside_area


def test_required_excluded_and_lead(ws):
    riverside = _id(ws, "Riverside Community Action")
    northside = _id(ws, "Northside Young Carers Trust")
    marches = _id(ws, "Marches Community Learning")
    plain = proposals.propose_for(ws, CAMDEN_CARERS, today=TODAY)
    assert plain.proposals[0].members == [riverside]  # our organisation, and enough alone
    without = proposals.propose_for(ws, CAMDEN_CARERS, today=TODAY, exclude=[riverside])
    for p in without.proposals:
        assert riverside not in p.members
    assert northside in without.proposals[0].members
    forced = proposals.propose_for(
        ws, CAMDEN_CARERS, today=TODAY, include=[marches], lead=northside
    )
    best = forced.proposals[0]
    assert {marches, northside} <= set(best.members)
    assert best.lead == northside and best.members[0] == northside
    assert riverside in best.members  # our organisation still joins by default
    not_ours = proposals.propose_for(
        ws, CAMDEN_CARERS, today=TODAY, lead=northside, include_ours=False
    )
    assert not_ours.required == [northside]  # our organisation is not forced in
    with pytest.raises(service.MatchError, match="no partner with id 99999"):
        proposals.propose_for(ws, CAMDEN_CARERS, today=TODAY, include=[99999])
    with pytest.raises(service.MatchError, match="both required"):
        proposals.propose_for(ws, CAMDEN_CARERS, today=TODAY, include=[marches], exclude=[marches])


def test_cli_propose_with_without_and_lead(ws, capsys):
    from consortium.cli import main

    path = str(ws.path)
    code = main(
        [
            "propose",
            CAMDEN_CARERS,
            "--workspace",
            path,
            "--with",
            "Marches Community Learning",
            "--without",
            "Riverside Community Action",
            "--lead",
            "Northside Young Carers Trust",
            "--json",
        ]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    best = data["proposals"][0]
    names = [m["name"] for m in best["members"]]
    assert "Marches Community Learning" in names and "Riverside Community Action" not in names
    assert names[0] == "Northside Young Carers Trust"
    assert best["lead"] == _id(ws, "Northside Young Carers Trust")
    # keys kept from before, keys added
    for key in ("rank", "complete", "optimal", "members", "assignment", "gaps", "grid"):
        assert key in best
    assert data["excluded"][0]["name"] == "Riverside Community Action"
    assert data["lead_requested"] == _id(ws, "Northside Young Carers Trust")
    code = main(["propose", CAMDEN_CARERS, "--workspace", path, "--with", "Nobody Such"])
    assert code != 0
    assert "No partner called 'Nobody Such'" in capsys.readouterr().err


def test_saving_a_partial_cover_keeps_who_comes_closest_and_what_it_needs(ws, results):
    from consortium.matching import consortia

    result = results["ocds-h6vhtk-06e2d7"]
    saved = proposals.save_as_consortium(ws, result, 0, "Warrington partial")
    closest = result.proposals[0].closest["1"]
    member = next(m for m in saved.members if m.org_id == closest)
    assert member.lots == ["1"]
    assert "but not Warrington" in saved.notes
    consortia.delete(ws, saved.id)
