"""The lean ranking (whole tenders only, lots for the listed ones, requirements read only where a
name occurs) gives exactly what the full computation gave: the same tenders in the same order,
with the same scores, reasons, deliverable lots and feedback."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from collections import Counter
from pathlib import Path

import pytest

from consortium.demo import demo_partners
from consortium.matching import feedback, requirements, service
from consortium.matching.engine import Engine
from consortium.matching.scoring import NO_SERVICE_FIT, mark_ties, score
from consortium.partners import store
from consortium.tenders import store as tender_store
from consortium.tenders.importer import import_paths, import_releases
from consortium.workspace import Workspace

TODAY = dt.date(2026, 11, 23)
ROOT = Path(__file__).resolve().parents[1]


def full_ranking(org, tenders, *, today, weights, text, limit=None, learned=None):
    """The ranking as it was computed before: one engine over every tender and every lot, each
    target's requirements read from every sentence of its text."""
    if not tenders:
        return []
    targets = [service.targets_for(t) for t in tenders]
    whole = [ts[0] for ts in targets]
    lots = [(i, lt) for i, ts in enumerate(targets) for lt in ts[1:]]
    engine = Engine([org], whole + [lt for _, lt in lots], weights, today, text)
    can = engine.can_deliver()[0]
    deliverable: dict[int, list[str]] = {}
    for k, (i, lt) in enumerate(lots):
        if can[len(whole) + k]:
            deliverable.setdefault(i, []).append(lt.lot_id)
    tiers = engine.tiers()[0]
    order = [
        j for j in engine.top_targets(0, columns=range(len(whole))) if tiers[j] != NO_SERVICE_FIT
    ]
    moved: dict = {}
    if learned is not None and (learned.marks or learned.counts):
        moved = {j: learned.factor(tenders[j]) for j in order}
        position = {j: k for k, j in enumerate(order)}
        order.sort(
            key=lambda j: (
                bool(engine.blocked[0, j]),
                int(tiers[j]),
                -round(float(engine.scores[0, j]) * moved[j][0]),
                position[j],
            )
        )
    order = order[:limit] if limit else order
    result = []
    for j in order:
        tender = tenders[j]
        match = score(org, tender, weights=weights, text=text, today=today, prepared=whole[j])
        lots_ok = deliverable.get(j, [])
        every_lot = (len(lots_ok) == len(tender.lots)) if tender.lots else bool(can[j])
        capacity_ok = not match.reason("capacity").warning
        _factor, why = moved.get(j, (1.0, None))
        result.append(
            service.Opportunity(
                tender,
                match,
                lots_ok,
                every_lot and capacity_ok and match.eligible,
                mark=learned.marks.get(tender.ocid) if learned is not None else None,
                feedback=why,
            )
        )
    mark_ties([o.match for o in result])
    return result


def facts(opps) -> list[tuple]:
    return [
        (o.tender.ocid, o.match.score, o.match.reasons, o.match.eligible, o.to_dict()) for o in opps
    ]


def assert_same_as_full(ws: Workspace, monkeypatch, *, limit=None) -> tuple[int, int, int]:
    """Every partner's opportunities against the full computation; returns how many were
    compared, how many had a lot the partner could deliver and how many asked for something."""
    compared = with_lots = asking = 0
    for org in store.load_all(ws.db):
        service._PREPARED["key"] = None  # nothing kept from another test
        lean = service.opportunities(ws, org.id, today=TODAY, limit=limit)
        ids = service.candidate_ids(ws.db, org, TODAY, tier="all")
        with monkeypatch.context() as m:
            m.setattr(requirements, "_may_name", lambda text: True)  # every sentence is read
            full = full_ranking(
                org,
                tender_store.load_tenders(ws.conn, ids),
                today=TODAY,
                weights=service.load_weights(ws.db),
                text=service.text_model(ws.db),
                learned=feedback.learned(ws.db, org.id),
                limit=limit,
            )
        assert facts(lean) == facts(full), org.name  # a pruned list is the full one's top
        compared += len(lean)
        with_lots += sum(1 for o in lean if o.lots_deliverable)
        asking += sum(
            1 for o in lean if "No accreditation" not in o.match.reason("eligibility").summary
        )
    return compared, with_lots, asking


def test_the_lean_ranking_equals_the_full_one_on_the_demo(demo_ws, monkeypatch):
    ours = store.ours(demo_ws.db)
    ranked = service.opportunities(demo_ws, ours.id, today=TODAY, limit=None)
    # marks move tenders: the learnt order must be the same too
    feedback.mark(demo_ws, ours.id, ranked[0].tender.ocid, "not_for_us")
    feedback.mark(demo_ws, ours.id, ranked[-1].tender.ocid, "interested")
    assert min(assert_same_as_full(demo_ws, monkeypatch)) > 0
    assert assert_same_as_full(demo_ws, monkeypatch, limit=10)[0] > 0


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A workspace of 800 real-shaped generated releases (bench/tenders.py) with the demo
    partners."""
    spec = importlib.util.spec_from_file_location("bench_tenders", ROOT / "bench" / "tenders.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    folder = tmp_path_factory.mktemp("generated")
    package = folder / "package.json"
    gen.generate(package, 800, seed=11)
    ws = Workspace.create(folder / "gen.consortium")
    import_paths(ws, [str(package)])
    for org in demo_partners(TODAY):
        store.save(ws, org)
    ws.close()
    return folder / "gen.consortium"


def test_the_lean_ranking_equals_the_full_one_on_generated_tenders(generated, monkeypatch):
    ws = Workspace.open(generated, backup=False)
    try:
        with_lots = ws.db.execute("SELECT count(*) FROM tenders WHERE lot_count > 1").fetchone()
        assert with_lots[0] > 0
        assert min(assert_same_as_full(ws, monkeypatch)) > 0
        assert assert_same_as_full(ws, monkeypatch, limit=50)[0] > 0
    finally:
        ws.close()


def test_requirements_read_only_where_a_name_occurs_are_the_same(demo_ws, generated, monkeypatch):
    texts = [t.description or "" for t in service.all_tenders(demo_ws.db)]
    ws = Workspace.open(generated, backup=False)
    try:
        texts += [t.description or "" for t in service.all_tenders(ws.db)]
    finally:
        ws.close()
    texts += [
        "Bidders must be registered with the \u212aare Quality Commission? No: the CQC.",
        "Suppliers must hold ISO\n9001. Providers must have a \u017fafeguarding policy.",
        "Public liability insurance of £5m; employers liability of £10,000,000 is required.",
        "The provider must be registered with Care Inspectorate Wales (CIW) and Ofsted.",
        "Cyber Essentials Plus is mandatory. Matrix standard accreditation is essential.",
    ]
    lean = [requirements.infer(t) for t in texts]
    with monkeypatch.context() as m:
        m.setattr(requirements, "_may_name", lambda text: True)
        full = [requirements.infer(t) for t in texts]
    assert lean == full
    assert sum(1 for r in full if r) >= 5


def test_words_are_found_as_the_pattern_finds_them():
    import re

    from consortium.matching import text

    def by_pattern(s: str) -> list[str]:
        words = re.findall(r"[a-z]+", s.lower())
        return [text.stem(w) for w in words if w not in text.STOPWORDS and len(w) > 2]

    samples = [
        "Counselling for young carers, counsellors' training & COUNSEL (2026/27).",
        "Caf\u00e9 r\u00e9sum\u00e9 na\u00efve: d\u00e9j\u00e0-vu; \u212aelvin and \u0130stanbul, \u017fafeguarding",
        "\ufb01le \u00df stra\u00dfe \u0391\u03b8\u03ae\u03bd\u03b1 \u65e5\u672c tenders\u2019 \U0001f600 emoji",
        "lone \ud800 surrogate between words \udfff here",
        "digits123mixed with_under-scores and\ttabs\nnewlines",
        "",
    ]
    for s in samples:
        assert text.tokens(s) == by_pattern(s), s
        assert list(text.counts(s).items()) == list(Counter(by_pattern(s)).items()), s


def test_after_an_import_only_the_tenders_it_stamped_are_loaded_again(demo_ws, monkeypatch):
    ours = store.ours(demo_ws.db)
    before = service.opportunities(demo_ws, ours.id, today=TODAY, limit=None)
    listed = before[0].tender.ocid
    release = json.loads(json.dumps(tender_store.load_releases(demo_ws.db, listed)[-1]))
    release["id"] = f"{release['id']}-amended"
    release["date"] = "2026-12-01T09:00:00Z"  # after every stored release of it
    release["tender"]["description"] = (
        "Bidders must hold Cyber Essentials and public liability insurance of £10m."
    )
    report = import_releases(demo_ws, [release], today=TODAY)
    assert report.tenders_updated == 1
    tender_store.LOADS.clear()
    after = service.opportunities(demo_ws, ours.id, today=TODAY, limit=None)
    assert tender_store.LOADS["tender"] == 1  # the changed one; the others were kept
    changed = next(o for o in after if o.tender.ocid == listed)
    assert "Cyber Essentials" in str(changed.match.reason("eligibility").evidence)
    ids = service.candidate_ids(demo_ws.db, ours, TODAY, tier="all")
    with monkeypatch.context() as m:
        m.setattr(requirements, "_may_name", lambda text: True)
        full = full_ranking(
            ours,
            tender_store.load_tenders(demo_ws.conn, ids),
            today=TODAY,
            weights=service.load_weights(demo_ws.db),
            text=service.text_model(demo_ws.db),
            learned=feedback.learned(demo_ws.db, ours.id),
        )
    assert facts(after) == facts(full)
