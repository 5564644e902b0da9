"""Matching: each reason on hand-made records with a known answer; bulk engine equals the
explained scores; rankings stable; the demo workspace yields sensible proposals."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from consortium.matching import consortia, proposals, requirements, scoring, service
from consortium.matching.engine import Engine
from consortium.matching.scoring import Weights, score, sort_key, target
from consortium.matching.text import TextModel
from consortium.records import Credential, Organisation
from consortium.tenders.records import Tender

TODAY = dt.date(2026, 11, 23)


def org(**kw) -> Organisation:
    base = dict(name="Test Org", legal_form="charity", id=1)
    base.update(kw)
    return Organisation(**base)


def tender(**kw) -> Tender:
    base = dict(ocid="ocds-test-1", source="fts", title="Young carers support", description="")
    base.update(kw)
    return Tender(**base)


# ------------------------------------------------------------------------------ service
def test_cpv_prefix_rules():
    # The partner's broader code covers the tender's narrower one, one level apart.
    s, ev = scoring.cpv_fit(["85310000"], ("85312000",))
    assert s == pytest.approx(scoring.cpv_closeness(1)) and "covers" in ev[0]
    # Same code scores highest; a code further down the tree scores less.
    assert scoring.cpv_fit(["85312000"], ("85312000",))[0] == 1.0
    assert (
        scoring.cpv_fit(["85000000"], ("85312300",))[0]
        < scoring.cpv_fit(["85310000"], ("85312300",))[0]
    )
    # A narrower partner code inside a broad tender code fits well: the partner offers part of
    # what the tender asks for.
    s, ev = scoring.cpv_fit(["85312320"], ("85000000",))
    assert s == pytest.approx(scoring.cpv_within(5)) and "lies within" in ev[0]
    assert "(5 levels down)" in ev[0]
    assert scoring.cpv_fit(["85311000"], ("85000000",))[0] >= 0.85
    assert scoring.cpv_fit(["80000000"], ("85312000",))[0] == 0.0


def test_sibling_cpv_codes_score_by_the_depth_they_share():
    # 85312000 and 85311000 share a class (8531): closer than sharing only a group or division.
    same_class = scoring.cpv_fit(["85311000"], ("85312000",))
    assert same_class[0] == scoring.CPV_SAME_CLASS
    assert "same CPV class" in same_class[1][0]
    same_group = scoring.cpv_fit(["85311000"], ("85321000",))[0]  # 853
    same_division = scoring.cpv_fit(["85311000"], ("85140000",))[0]  # 85
    assert same_division == scoring.CPV_SAME_DIVISION < same_group < same_class[0]
    assert same_group == scoring.CPV_SAME_GROUP
    # symmetric for siblings
    assert scoring.cpv_fit(["85312000"], ("85311000",))[0] == same_class[0]
    # a broad tender code gives a specific partner code a better score than any sibling
    assert scoring.cpv_fit(["85311000"], ("85000000",))[0] > same_class[0]


def test_text_relevance_shows_the_shared_words():
    model = TextModel.build(
        ["Young carers respite and support", "Road resurfacing works", "Youth clubs"]
    )
    a = model.vector("We run respite breaks and groups for young carers")
    b = model.vector("Young carers respite and support service")
    sim, words = model.similarity(a, b)
    assert sim > 0.5
    assert {"carers", "respite"} <= set(words)
    assert model.similarity(a, model.vector("Road resurfacing"))[0] == 0.0


# ------------------------------------------------------------------------------ place
def test_council_inside_region_and_whole_uk():
    camden = "E09000007"
    assert scoring.place_fit([camden], ("TLI",))[0] == scoring.PLACE_INSIDE
    assert scoring.place_fit([camden], ("TLI3",))[0] == scoring.PLACE_INSIDE
    assert scoring.place_fit([camden], ("TLD",))[0] == 0.0
    assert scoring.place_fit(["TLI"], ("TLI31",))[0] == scoring.PLACE_AROUND
    assert scoring.place_fit([camden], ("TL",))[0] == scoring.PLACE_WHOLE_UK
    assert scoring.place_fit([camden], ())[0] == scoring.PLACE_UNSTATED
    assert scoring.place_fit([], ("TLI",))[0] == scoring.PLACE_UNKNOWN_PARTNER


def test_reserved_participation_location_is_a_hard_requirement():
    # reserved to Camden
    t = tender(places=["TLI"], councils=["E09000007"], reserved_location=["E09000007"])
    inside = score(org(areas=["E09000007"]), t, today=TODAY)
    outside = score(org(areas=["E09000033"]), t, today=TODAY)  # Westminster: London, not Camden
    assert inside.eligible and not outside.eligible
    assert outside.reason("eligibility").blocking and not outside.reason("place").blocking
    assert "reserved" in " ".join(outside.reason("eligibility").evidence)
    # the place is still scored on delivery: Westminster is in London, where it is delivered
    assert outside.reason("place").score == scoring.PLACE_INSIDE
    assert "Who may bid: Camden" in " ".join(outside.reason("place").evidence)
    assert sorted([outside, inside], key=sort_key)[0] is inside


# ------------------------------------------------------------------------------ capacity
def test_turnover_warning_above_half_of_turnover():
    t = tender(value=300_000, contract_start="2027-04-01", contract_end="2030-03-31")  # ~3 years
    small = score(org(turnover={2025: 150_000}), t, today=TODAY)
    large = score(org(turnover={2025: 1_000_000}), t, today=TODAY)
    assert small.reason("capacity").warning and not large.reason("capacity").warning
    assert "67% of turnover" in small.reason("capacity").evidence[0]  # £100,000 a year / £150,000
    assert small.reason("capacity").score == scoring.capacity_score(100_000 / 150_000)
    assert small.eligible  # a warning, not a block


# ------------------------------------------------------------------------------ eligibility
def test_requirements_read_from_notice_text():
    found = requirements.infer(
        "Providers must be registered with the Care Quality Commission. Public liability insurance "
        "of £10 million and employer's liability of £5m are required. A safeguarding policy is needed."
    )
    keys = {r.key for r in found}
    assert "accreditation:CQC registration" in keys
    assert "insurance:Public liability>=10000000" in keys
    assert "insurance:Employer's liability>=5000000" in keys
    assert "policy:Safeguarding" in keys
    assert (
        "Care Quality Commission" in next(r for r in found if r.type == "CQC registration").evidence
    )


def test_expired_insurance_on_the_contract_start_is_named():
    t = tender(
        description="Bidders need public liability insurance of £5m.",
        contract_start="2027-04-01",
    )
    expiring = org(
        credentials=[
            Credential("insurance", "Public liability", dt.date(2027, 1, 31), cover=5_000_000)
        ]
    )
    renewed = org(
        credentials=[
            Credential("insurance", "Public liability", dt.date(2027, 12, 31), cover=5_000_000)
        ]
    )
    too_little = org(
        credentials=[
            Credential("insurance", "Public liability", dt.date(2027, 12, 31), cover=1_000_000)
        ]
    )
    a = score(expiring, t, today=TODAY).reason("eligibility")
    assert (
        a.score == 0
        and "expires 31 Jan 2027, before the contract starts on 1 Apr 2027" in " ".join(a.evidence)
    )
    assert score(renewed, t, today=TODAY).reason("eligibility").score == 1.0
    assert "holds only £1,000,000" in " ".join(
        score(too_little, t, today=TODAY).reason("eligibility").evidence
    )


def test_reserved_for_vcse_blocks_a_company():
    t = tender(reserved_vcse=True)
    assert score(org(legal_form="cio"), t, today=TODAY).eligible
    assert not score(org(legal_form="other"), t, today=TODAY).eligible


def test_weights_change_the_ranking_at_once():
    # Both have service fit and work in the area (weights rank within a tier): A is local with a
    # broad code, B has the exact service but works across the UK.
    t = tender(places=["TLI31"], cpv=["85312000"], description="young carers support")
    near_but_wrong = org(
        id=1, name="A", areas=["E09000007"], cpv_codes=["85300000"], services="young carers groups"
    )
    right_but_far = org(
        id=2, name="B", areas=["TL"], cpv_codes=["85312000"], services="young carers support"
    )
    targets = [target(t)]
    engine = Engine([near_but_wrong, right_but_far], targets, Weights(service=10, place=80), TODAY)
    assert engine.top_partners(0) == [0, 1]
    engine.reweight(Weights(service=80, place=10))
    assert engine.top_partners(0) == [1, 0]


# ------------------------------------------------------------------------------ demo data
@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from consortium.demo import create_demo

    ws = create_demo(tmp_path_factory.mktemp("m") / "demo.consortium", TODAY)
    yield ws
    ws.close()


def test_engine_agrees_with_every_explained_score(demo):
    from consortium.partners import store

    orgs = store.load_all(demo.db)
    tenders = service.all_tenders(demo.db)
    targets = [target(t) for t in tenders] + [target(t, lot) for t in tenders for lot in t.lots]
    model = service.text_model(demo.db)
    engine = Engine(orgs, targets, Weights(), TODAY, model)
    for i, o in enumerate(orgs):
        for j, t in enumerate(targets):
            m = score(o, t.tender, t.lot, text=model, today=TODAY, prepared=t)
            assert m.score == pytest.approx(engine.scores[i, j], abs=1e-4), (
                o.name,
                t.tender.ocid,
                t.lot_id,
            )
            assert m.eligible == (not engine.blocked[i, j])


def test_rankings_are_stable_and_deterministic(demo):
    first = [
        (m.partner_id, round(m.score, 6))
        for m in service.match_tender(demo, "ocds-h6vhtk-06e058", today=TODAY)
    ]
    again = [
        (m.partner_id, round(m.score, 6))
        for m in service.match_tender(demo, "ocds-h6vhtk-06e058", today=TODAY)
    ]
    assert first == again
    scores = [s for _, s in first]
    assert scores == sorted(scores, reverse=True)
    from consortium.partners import store

    orgs = store.load_all(demo.db)
    shuffled = orgs[:]
    random.Random(4).shuffle(shuffled)
    t = service.get_tender(demo.db, "ocds-h6vhtk-06e058")
    model = service.text_model(demo.db)
    a = sorted((score(o, t, text=model, today=TODAY) for o in orgs), key=sort_key)
    b = sorted((score(o, t, text=model, today=TODAY) for o in shuffled), key=sort_key)
    assert [m.partner_id for m in a] == [m.partner_id for m in b]


def test_young_carers_ranks_the_local_young_carers_charities_first(demo):
    ranked = service.match_tender(demo, "ocds-h6vhtk-06e058", today=TODAY)
    assert {ranked[0].partner_name, ranked[1].partner_name} == {
        "Riverside Community Action",
        "Northside Young Carers Trust",
    }
    top = ranked[0]
    assert "Camden is inside London (TLI)" in top.reason("place").evidence
    assert any("carer" in e for e in top.reason("service").evidence)


def _names(result, proposal):
    return {result.name(m) for m in proposal.members}


def test_demo_proposal_camden_young_carers(demo):
    result = proposals.propose_for(demo, "ocds-h6vhtk-06e058", today=TODAY)
    best = result.proposals[0]
    assert best.complete and best.optimal
    assert _names(result, best) == {"Riverside Community Action"}
    assert result.name(best.assignment["1"]) == "Riverside Community Action"
    # Alternatives never contain the first option's members (Northside lacks the capacity
    # alone, so any second option adds a partner for capacity).
    assert all("Riverside Community Action" not in _names(result, p) for p in result.proposals[1:])
    assert all(len(p.members) >= 2 for p in result.proposals[1:] if p.complete)


def test_demo_proposal_milton_keynes_domestic_abuse_needs_two_members(demo):
    result = proposals.propose_for(demo, "ocds-h6vhtk-05a7b0", today=TODAY)
    best = result.proposals[0]
    assert best.complete and best.optimal
    # The refuge alone lacks the capacity for £1.3m a year: the outreach charity joins it.
    assert _names(result, best) == {"Milton Keynes Women's Refuge", "Ouse Valley Outreach"}
    assert result.name(best.lead) == "Milton Keynes Women's Refuge"
    assert set(best.assignment) == {"1", "2", "3", "4", "5", "6", "7"}


def test_demo_proposal_herefordshire_adult_skills(demo):
    result = proposals.propose_for(demo, "ocds-h6vhtk-06d5de", today=TODAY)
    best = result.proposals[0]
    assert best.complete and best.optimal
    assert set(best.assignment) == {"1", "2", "3", "4"}
    assert _names(result, best) == {"Brightpath Employment and Skills"}
    # The local adult learning charity fits the ESOL lot best but cannot carry the value alone.
    esol = service.match_tender(demo, "ocds-h6vhtk-06d5de", "3", today=TODAY)
    assert esol[0].partner_name == "Marches Community Learning"


def test_demo_proposal_gap_list_when_no_cover(demo):
    result = proposals.propose_for(demo, "ocds-h6vhtk-06e17c", today=TODAY)  # south London HIV
    best = result.proposals[0]
    assert not best.complete
    assert _names(result, best) == {"Southbank Positive Health"}
    gap = next(g for g in best.gaps if g.kind == "capacity")
    # £734,480 over 24 May 2027 to 21 Jul 2028, its last day counted: 1.16 years.
    assert "below the contract's £632,523 a year" in gap.message
    assert gap.nearest


def test_save_a_proposal_as_a_consortium(demo):
    result = proposals.propose_for(demo, "ocds-h6vhtk-05a7b0", today=TODAY)
    saved = proposals.save_as_consortium(demo, result, 0, "MK domestic abuse")
    again = consortia.load(demo.db, saved.id)
    assert again.lead.name == "Milton Keynes Women's Refuge"
    assert [m.role for m in again.members] == ["lead provider", "delivery partner"]
    assert again.ocid == "ocds-h6vhtk-05a7b0"
    again.fee_percent = 7.5
    again.model = "partnership"
    consortia.save(demo, again)
    assert consortia.load(demo.db, saved.id).fee_percent == 7.5
    # A partner in a consortium cannot be deleted behind its back.
    from consortium.partners import store

    with pytest.raises(store.PartnerError, match="member of MK domestic abuse"):
        store.delete(demo, again.members[1].org_id)
    consortia.delete(demo, saved.id)
    assert saved.id not in [c.id for c in consortia.list_all(demo.db)]


def test_lot_match_and_unknown_lot(demo):
    ranked = service.match_tender(demo, "ocds-h6vhtk-05a7b0", "2", today=TODAY)
    assert ranked[0].partner_name == "Milton Keynes Women's Refuge"
    assert ranked[0].lot_id == "2"
    with pytest.raises(service.MatchError, match="no lot '99'"):
        service.match_tender(demo, "ocds-h6vhtk-05a7b0", "99", today=TODAY)


def test_opportunities_for_our_organisation(demo):
    opps = service.opportunities(demo, today=TODAY, limit=5)
    assert opps[0].tender.ocid == "ocds-h6vhtk-06e058"
    assert opps[0].alone
    assert all(o.tender.status_on(TODAY) in ("open", "coming soon") for o in opps)


def test_weights_round_trip_in_settings(demo):
    service.save_weights(
        demo, Weights(service=50, place=20, capacity=10, eligibility=10, suitability=10)
    )
    assert service.load_weights(demo.db).service == 50

    def write():
        with demo.atomic():
            demo.db["settings"].upsert({"key": service.WEIGHTS_KEY, "value": "not json"}, pk="key")

    demo.write(write)
    assert service.load_weights(demo.db) == Weights()


def test_top_k_per_tender_matches_a_full_sort(demo):
    from consortium.partners import store

    orgs = store.load_all(demo.db)
    targets = [target(t) for t in service.all_tenders(demo.db)]
    engine = Engine(orgs, targets, Weights(), TODAY, service.text_model(demo.db))
    top = engine.best_targets_for_all(3)
    for j in range(len(targets)):
        penalised = [
            (-1 if engine.blocked[i, j] else engine.scores[i, j]) for i in range(len(orgs))
        ]
        third_best = sorted(penalised, reverse=True)[2]
        assert (
            sorted(penalised[i] for i in top[:, j])
            == sorted(p for p in penalised if p >= third_best)[-3:]
        )
