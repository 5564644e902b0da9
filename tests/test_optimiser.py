"""The consortium optimiser: known optima, greedy traps, gaps, alternatives, brute-force checks."""

from __future__ import annotations

import random
import time

import pytest

from consortium.matching.optimiser import (
    Candidate,
    Need,
    _brute_force,
    _Model,
    _Problem,
    _rank_key,
    propose,
    requirement_label,
)

CQC = "accreditation:CQC registration"
CYBER = "accreditation:Cyber Essentials"
PL5M = "insurance:Public liability>=5000000"


def cand(pid, fit, capacity=1_000_000, holds=()):
    return Candidate(pid, f"P{pid}", fit, capacity, frozenset(holds))


def need(lots, value=0, lot_req=None, tender_req=(), names=None):
    return Need(
        lots=list(lots),
        value=value,
        lot_requirements={k: frozenset(v) for k, v in (lot_req or {}).items()},
        tender_requirements=frozenset(tender_req),
        lot_names=names or {},
    )


def key(p, cands, nd):
    return _rank_key(p, cands, nd)


def greedy_best_fit(cands, nd):
    """Each lot to its best-fit eligible partner."""
    members, assignment = set(), {}
    for lot in nd.lots:
        ok = [
            c
            for c in cands
            if lot in c.fit and nd.lot_requirements.get(lot, frozenset()) <= c.holds
        ]
        if ok:
            best = max(ok, key=lambda c: (c.fit[lot], -c.partner_id))
            assignment[lot] = best.partner_id
            members.add(best.partner_id)
    return members, assignment


def greedy_most_lots(cands, nd):
    """Set-cover greedy: the partner covering most uncovered lots first, lots to best member."""
    left, members = set(nd.lots), set()
    while left:
        best = max(cands, key=lambda c: (len(left & set(c.fit)), -c.partner_id))
        if not left & set(best.fit):
            break
        members.add(best.partner_id)
        left -= set(best.fit)
    by_id = {c.partner_id: c for c in cands}
    assignment = {}
    for lot in nd.lots:
        ok = [by_id[p] for p in members if lot in by_id[p].fit]
        if ok:
            assignment[lot] = max(ok, key=lambda c: (c.fit[lot], -c.partner_id)).partner_id
    return members, assignment


# ------------------------------------------------------------------------------ known optima
def test_known_optimum_three_lots():
    cands = [
        cand(1, {"1": 90, "2": 70}, capacity=300_000),
        cand(2, {"3": 80}, capacity=500_000),
        cand(3, {"1": 60, "2": 60, "3": 60}, capacity=200_000),
        cand(4, {"2": 95}, capacity=100_000),
    ]
    nd = need(["1", "2", "3"], value=150_000)
    best = propose(cands, nd)[0]
    # partner 3 alone covers everything: one member beats any pair despite lower fit
    assert best.members == [3]
    assert best.lead == 3
    assert best.assignment == {"1": 3, "2": 3, "3": 3}
    assert best.total_fit == pytest.approx(180)
    assert best.capacity == 200_000
    assert best.complete and best.optimal and best.gaps == []


def test_known_optimum_with_capacity():
    cands = [
        cand(1, {"1": 90, "2": 70}, capacity=300_000),
        cand(2, {"3": 80}, capacity=500_000),
        cand(3, {"1": 60, "2": 60, "3": 60}, capacity=200_000),
        cand(4, {"2": 95}, capacity=100_000),
    ]
    nd = need(["1", "2", "3"], value=250_000)
    best = propose(cands, nd)[0]
    # partner 3 alone has £200k < £250k: two members are needed; {1, 2} has the best fit
    assert best.complete and best.optimal and best.rank == 1
    assert sorted(best.members) == [1, 2]
    assert best.lead == 2  # the higher capacity
    assert best.members[0] == 2
    assert best.assignment == {"1": 1, "2": 1, "3": 2}
    assert best.total_fit == pytest.approx(240)
    assert best.capacity == 800_000
    assert best.gaps == []


def test_fewest_members_beats_higher_fit():
    cands = [
        cand(1, {"a": 100}),
        cand(2, {"b": 100}),
        cand(3, {"a": 40, "b": 40}),
    ]
    nd = need(["a", "b"])
    best = propose(cands, nd)[0]
    assert best.members == [3]
    assert best.total_fit == pytest.approx(80)
    # and among equal member counts, the best fit wins
    cands.append(cand(4, {"a": 41, "b": 41}))
    best = propose(cands, nd)[0]
    assert best.members == [4]


# ------------------------------------------------------------------------------ greedy traps
def test_best_fit_greedy_is_wrong():
    cands = [
        cand(1, {"1": 99}),
        cand(2, {"2": 99}),
        cand(3, {"3": 99}),
        cand(4, {"1": 90, "2": 90}),
        cand(5, {"3": 50, "2": 40}),
    ]
    nd = need(["1", "2", "3"])
    g_members, g_assign = greedy_best_fit(cands, nd)
    prob = _Problem.build(cands, nd)
    g_key = prob.key(g_members, g_assign)
    best = propose(cands, nd)[0]
    assert g_members == {1, 2, 3}
    assert sorted(best.members) == [3, 4] and best.optimal
    assert best.assignment == {"1": 4, "2": 4, "3": 3}
    assert key(best, cands, nd) < g_key  # two members beat greedy's three
    assert len(best.members) < len(g_members)


def test_most_lots_first_greedy_is_wrong():
    # classic set-cover trap: the partner with most lots is in no minimum cover
    cands = [
        cand(1, {"1": 70, "2": 70, "3": 70, "4": 70}),
        cand(2, {"1": 60, "2": 60, "5": 60}),
        cand(3, {"3": 60, "4": 60, "6": 60}),
    ]
    nd = need(["1", "2", "3", "4", "5", "6"])
    g_members, g_assign = greedy_most_lots(cands, nd)
    best = propose(cands, nd)[0]
    assert g_members == {1, 2, 3}
    assert sorted(best.members) == [2, 3]
    assert best.complete and best.optimal
    prob = _Problem.build(cands, nd)
    assert key(best, cands, nd) < prob.key(g_members, g_assign)


# ------------------------------------------------------------------------------ requirements
def test_requirement_held_by_wrong_member_is_not_a_cover():
    nd = need(["1", "2"], lot_req={"2": [CQC]}, names={"2": "Lot 2: Camden"})
    cands = [
        cand(1, {"1": 90}, holds=[CQC]),  # holds CQC but cannot deliver lot 2
        cand(2, {"2": 95}),  # delivers lot 2 without CQC
        cand(3, {"2": 50}, holds=[CQC]),
    ]
    best = propose(cands, nd)[0]
    assert best.complete
    assert best.assignment == {"1": 1, "2": 3}
    # without partner 3 there is no cover: partner 1's CQC does not count for lot 2
    best = propose(cands[:2], nd)[0]
    assert not best.complete and best.optimal
    assert best.assignment == {"1": 1, "2": 2}
    assert [(g.kind, g.lot, g.requirement) for g in best.gaps] == [("requirement", "2", CQC)]
    assert best.gaps[0].message == "No member delivering Lot 2: Camden holds CQC registration"
    assert best.gaps[0].nearest == [2]


def test_tender_requirement_brings_in_a_holder():
    nd = need(["1"], tender_req=[CYBER])
    cands = [cand(1, {"1": 90}), cand(2, {"1": 30}, holds=[CYBER], capacity=10)]
    best = propose(cands, nd)[0]
    # partner 2 alone covers the lot and the key: one member
    assert best.members == [2] and best.complete
    cands = [cand(1, {"1": 90}), cand(2, {"1": 30, "2": 10}, holds=[CYBER], capacity=10)]
    best = propose(cands, need(["1", "2"], tender_req=[CYBER]))[0]
    assert best.members == [2] and best.assignment == {"1": 2, "2": 2}


def test_capacity_forces_an_extra_member():
    nd = need(["whole"], value=650_000, names={"whole": "the contract"})
    cands = [
        cand(1, {"whole": 90}, capacity=400_000),
        cand(2, {"whole": 60}, capacity=300_000),
        cand(3, {"whole": 50}, capacity=100_000),
    ]
    best = propose(cands, nd)[0]
    assert best.complete and best.optimal
    assert best.members == [1, 2]  # lead 1 has the higher capacity
    assert best.assignment == {"whole": 1}
    assert best.capacity == 700_000
    # one partner alone is enough when the value is lower
    best = propose(cands, need(["whole"], value=350_000))[0]
    assert best.members == [1]


# ------------------------------------------------------------------------------ alternatives
def test_alternatives_differ_and_are_ranked():
    cands = [
        cand(1, {"1": 90, "2": 80}),
        cand(2, {"1": 70, "2": 70}),
        cand(3, {"1": 95}),
        cand(4, {"2": 95}),
        cand(5, {"1": 50, "2": 40}),
    ]
    nd = need(["1", "2"])
    props = propose(cands, nd, alternatives=3)
    assert [p.rank for p in props] == [1, 2, 3]
    assert [sorted(p.members) for p in props] == [[1], [2], [5]]
    keys = [key(p, cands, nd) for p in props]
    assert keys == sorted(keys)
    assert all(p.complete and p.optimal for p in props)
    # no alternative contains an earlier proposal's members
    for k, p in enumerate(props):
        for q in props[:k]:
            assert not set(q.members) <= set(p.members)
    # four alternatives: the pair {3, 4} comes next
    props = propose(cands, nd, alternatives=4)
    assert sorted(props[3].members) == [3, 4]
    # complete covers only: no partial alternative follows complete ones
    props = propose(cands[:1], nd, alternatives=3)
    assert len(props) == 1


# ------------------------------------------------------------------------------ partial covers
def test_partial_cover_gap_list_and_nearest():
    nd = need(
        ["1", "2", "3"],
        value=1_000_000,
        lot_req={"2": [CQC]},
        tender_req=[CYBER, PL5M],
        names={"1": "Lot 1: Barnet", "2": "Lot 2: Brent", "3": "Lot 3: Camden"},
    )
    cands = [
        cand(1, {"1": 80, "2": 70}, capacity=200_000, holds=[PL5M]),
        cand(2, {"2": 90}, capacity=150_000),
        cand(3, {"1": 40}, capacity=100_000),
        Candidate(4, "P4", {}, 900_000, frozenset({CYBER}), near={"3": 55}),
        Candidate(5, "P5", {}, 50_000, frozenset(), near={"3": 70}),
    ]
    props = propose(cands, nd)
    best = props[0]
    assert not best.complete and best.optimal
    # lots: 1 and 2 covered, by partner 1 alone (one member); partner 2 only adds capacity
    assert best.assignment == {"1": 1, "2": 1}
    assert set(best.members) >= {1}
    gaps = [(g.kind, g.lot, g.requirement) for g in best.gaps]
    assert gaps == [
        ("requirement", "2", CQC),
        ("lot", "3", None),
        ("tender_requirement", None, CYBER),
        ("capacity", None, None),
    ]
    messages = [g.message for g in best.gaps]
    assert messages[0] == "No member delivering Lot 2: Brent holds CQC registration"
    assert messages[1] == "No partner covers Lot 3: Camden"
    assert messages[2] == "No partner holds Cyber Essentials"
    assert messages[3].startswith("Combined capacity £")
    assert messages[3].endswith("is below the contract's £1,000,000 a year")
    # nearest: deliverers of lot 2 (best fit first); partners close to lot 3; bigger partners
    assert best.gaps[0].nearest == [2, 1]
    assert best.gaps[1].nearest == [5, 4]
    assert best.gaps[2].nearest == []  # partner 4 holds it but can deliver no lot
    non_members = [c for c in cands[:3] if c.partner_id not in best.members]
    expected = [c.partner_id for c in sorted(non_members, key=lambda c: -c.capacity)]
    assert best.gaps[3].nearest == expected
    # the relaxed optimum agrees with brute force
    assert key(best, cands, nd) == key(_brute_force(cands, nd), cands, nd)


def test_partial_cover_prefers_more_lots_then_requirements():
    nd = need(["1", "2"], lot_req={"1": [CQC], "2": [CQC]})
    cands = [
        cand(1, {"1": 90, "2": 90}),  # both lots, no CQC: two requirement gaps
        cand(2, {"1": 20}, holds=[CQC]),  # lot 1 with CQC
    ]
    best = propose(cands, nd)[0]
    # covering both lots beats covering one; then CQC on lot 1 beats one member less
    assert best.assignment == {"1": 2, "2": 1}
    assert [(g.kind, g.lot) for g in best.gaps] == [("requirement", "2")]


def test_unavoidable_gaps_keep_alternatives_as_complete_as_the_first():
    nd = need(["1", "2"], lot_req={"1": [CQC, "accreditation:Nobody has it"]})
    cands = [
        cand(1, {"1": 80}, holds=[CQC]),
        cand(2, {"1": 90}),  # better fit, but lacks CQC which partner 1 holds
        cand(3, {"1": 60}, holds=[CQC]),
    ]
    props = propose(cands, nd, alternatives=3)
    # lot 2: nobody; "Nobody has it": nobody; CQC can be met, so every alternative meets it
    assert [p.members for p in props] == [[1], [3]]
    assert all(p.optimal and not p.complete for p in props)
    for p in props:
        assert [(g.kind, g.lot, g.requirement) for g in p.gaps] == [
            ("requirement", "1", "accreditation:Nobody has it"),
            ("lot", "2", None),
        ]
    assert props[0].gaps[1].message == "No partner covers Lot 2"
    assert props[0].gaps[0].message == "No member delivering Lot 1 holds Nobody has it"
    # nearest for a key nobody holds: deliverers of the lot, fewest other keys missing first
    assert props[0].gaps[0].nearest == [1, 3, 2]


def test_out_of_time_still_returns_a_cover():
    rng = random.Random(8)
    lots = [str(k) for k in range(1, 9)]
    cands = [
        cand(
            pid,
            {lot: rng.uniform(20, 100) for lot in rng.sample(lots, rng.choice([1, 2, 3]))},
            capacity=rng.uniform(1e4, 1e6),
        )
        for pid in range(1, 400)
    ]
    props = propose(cands, need(lots, value=1e6), time_limit=0)
    assert props and props[0].complete  # the solver's or, if it had no time, the greedy cover
    assert set(props[0].assignment) == set(lots)


def test_max_members_leaves_a_lot_uncovered():
    nd = need(["1", "2"], names={"2": "Lot 2: Hackney"})
    cands = [cand(1, {"1": 90}), cand(2, {"2": 80}), cand(3, {"2": 60})]
    best = propose(cands, nd, max_members=1)[0]
    assert len(best.members) == 1 and not best.complete
    assert best.assignment == {"1": 1} or best.assignment == {"2": 2}
    lot = "2" if best.assignment == {"1": 1} else "1"
    [gap] = best.gaps
    assert gap.kind == "lot" and gap.lot == lot
    assert gap.message.startswith("No member covers")
    assert gap.nearest  # the partners who could deliver it


def test_no_candidates_at_all():
    nd = need(["1", "2"], value=100, tender_req=[CYBER])
    [only] = propose([], nd)
    assert only.members == [] and only.lead is None and not only.complete
    assert [g.kind for g in only.gaps] == ["lot", "lot", "tender_requirement", "capacity"]


def test_requirement_labels():
    assert requirement_label(CQC) == "CQC registration"
    assert requirement_label(PL5M) == "Public liability insurance of at least £5,000,000"
    assert requirement_label("policy:Safeguarding") == "Safeguarding policy"
    assert requirement_label("odd") == "odd"


# ------------------------------------------------------------------------------ stability
def test_deterministic_on_repeats_and_shuffles():
    rng = random.Random(5)
    lots = [str(k) for k in range(1, 6)]
    cands = [
        cand(
            pid,
            {lot: rng.choice([50, 60, 70]) for lot in rng.sample(lots, rng.randint(1, 2))},
            capacity=rng.choice([100, 200]),
            holds=[CQC] if rng.random() < 0.5 else [],
        )
        for pid in range(1, 40)
    ]
    nd = need(lots, value=500, lot_req={"3": [CQC]})  # fits in steps of ten: many ties
    first = propose(cands, nd)
    for _ in range(3):
        assert propose(cands, nd) == first
    for seed in range(3):
        shuffled = cands[:]
        random.Random(seed).shuffle(shuffled)
        assert propose(shuffled, nd) == first
    assert [len(p.members) for p in first] == sorted(len(p.members) for p in first)


def test_duplicate_partner_ids_are_refused():
    with pytest.raises(ValueError):
        propose([cand(1, {"1": 1}), cand(1, {"1": 2})], need(["1"]))


# ------------------------------------------------------------------------------ brute force
def random_instance(rng):
    lots = [str(k) for k in range(1, rng.randint(2, 4) + 1)]
    keys = [CQC, CYBER, PL5M]
    cands = []
    for pid in rng.sample(range(1, 100), rng.randint(2, 6)):
        can = rng.sample(lots, rng.randint(0, len(lots)))
        cands.append(
            cand(
                pid,
                {lot: rng.choice([10, 35.5, 50, 50, 80, 99.25]) for lot in can},
                capacity=rng.choice([0, 100, 250, 400]),
                holds=[k for k in keys if rng.random() < 0.6],
            )
        )
    lot_req = {lot: [k for k in keys[:2] if rng.random() < 0.3] for lot in lots}
    tender = [k for k in keys if rng.random() < 0.25]
    value = rng.choice([0, 0, 300, 600, 2000])
    return cands, need(lots, value=value, lot_req=lot_req, tender_req=tender)


def test_random_instances_agree_with_brute_force():
    rng = random.Random(20261123)
    partial = complete = 0
    for _ in range(120):
        cands, nd = random_instance(rng)
        max_members = rng.choice([None, None, None, 1, 2])
        props = propose(cands, nd, alternatives=3, max_members=max_members)
        taken, level = [], None
        for p in props:
            assert p.optimal
            bf = _brute_force(cands, nd, max_members=max_members, exclude=taken, level=level)
            assert bf is not None
            assert key(p, cands, nd) == key(bf, cands, nd), (cands, nd, max_members, taken)
            assert p.complete == bf.complete == (not p.gaps)
            taken.append(set(p.members))
            level = key(props[0], cands, nd)[:3]  # alternatives are as complete as the first
        # fewer alternatives only when brute force finds none either
        if len(props) < 3 and props[-1].members:
            bf = _brute_force(cands, nd, max_members=max_members, exclude=taken, level=level)
            assert bf is None or not bf.members
        complete += props[0].complete
        partial += not props[0].complete
    assert complete > 20 and partial > 20  # both kinds were exercised


def test_large_instance_matches_a_plain_model_solve():
    """The warm starts (dominance-pruned model, restricted model, swaps) change speed, not
    answers: on a few hundred partners the proposal equals a plain solve of the full model."""
    rng = random.Random(3)
    lots = [str(k) for k in range(1, 7)]
    cands = []
    for pid in range(1, 301):
        can = rng.sample(lots, rng.choice([0, 1, 1, 2, 3]))
        cands.append(
            cand(
                pid,
                {lot: round(rng.uniform(20, 100), 1) for lot in can},
                capacity=round(rng.uniform(50_000, 600_000), -3),
                holds=[k for k in (CQC, CYBER, PL5M) if rng.random() < 0.5],
            )
        )
    nd = need(lots, value=1_200_000, lot_req={"3": [CQC]}, tender_req=[CYBER, PL5M])
    props = propose(cands, nd, alternatives=3, time_limit=30)
    assert len(props) == 3 and all(p.complete and p.optimal for p in props)
    prob = _Problem.build(cands, nd)
    model = _Model(prob, strict=True, max_members=None)
    taken = []
    for p in props:
        members, assignment, optimal = model.solve(time.perf_counter() + 30)
        assert optimal
        assert prob.key(members, assignment) == key(p, cands, nd)
        taken.append(set(p.members))
        model.cut(p.members)


# ------------------------------------------------------------------------------ required / lead
def test_a_required_partner_is_always_a_member():
    cands = [cand(1, {"1": 90, "2": 90}), cand(2, {"1": 60})]
    nd = need(["1", "2"])
    assert propose(cands, nd)[0].members == [1]  # one member covers both lots
    forced = Need(lots=["1", "2"], value=0, required=frozenset({2}))
    best = propose(cands, forced)[0]
    assert set(best.members) == {1, 2} and best.complete and best.optimal
    assert best.assignment == {"1": 1, "2": 1}  # the best fit still delivers each lot


def test_a_required_partner_with_no_lot_joins_for_capacity():
    cands = [cand(1, {"1": 90}, capacity=300_000), cand(2, {}, capacity=400_000)]
    nd = Need(lots=["1"], value=600_000, required=frozenset({2}))
    best = propose(cands, nd)[0]
    assert set(best.members) == {1, 2} and best.complete
    assert best.assignment == {"1": 1}


def test_the_chosen_lead_leads_and_is_required():
    cands = [cand(1, {"1": 90}, capacity=900_000), cand(2, {"1": 50}, capacity=100_000)]
    nd = Need(lots=["1"], value=0, lead=2)
    best = propose(cands, nd)[0]
    # partner 2 must be in and can deliver the lot, so it does alone (fewest members first)
    assert best.members == [2] and best.lead == 2
    with_capacity = Need(lots=["1"], value=500_000, lead=2)
    best = propose(cands, with_capacity)[0]
    # partner 1 joins for capacity and would lead by size; the chosen lead stays the lead
    assert set(best.members) == {1, 2} and best.lead == 2 and best.members[0] == 2


def test_required_partners_agree_with_brute_force():
    rng = random.Random(1313)
    for _ in range(60):
        cands, nd = random_instance(rng)
        ids = [c.partner_id for c in cands]
        if not ids:
            continue
        required = frozenset(rng.sample(ids, rng.choice([1, 1, 2])))
        nd = Need(
            lots=nd.lots,
            value=nd.value,
            lot_requirements=nd.lot_requirements,
            tender_requirements=nd.tender_requirements,
            required=required,
        )
        props = propose(cands, nd, alternatives=2)
        bf = _brute_force(cands, nd)
        assert required <= set(props[0].members)
        assert key(props[0], cands, nd) == key(bf, cands, nd), (cands, nd)
        for p in props:
            assert required <= set(p.members)
