"""The matching rules a charity manager checks at once, each on hand-made records: where a
service is delivered versus who may bid, sibling CPV codes, no opportunity without service fit,
requirements only from requirement sentences, stale planning notices, region labels, ties, and
the words shown "in common"."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from consortium import places
from consortium.matching import requirements, scoring, service
from consortium.matching.engine import Engine
from consortium.matching.scoring import Weights, score, sort_key, target
from consortium.matching.text import TextModel
from consortium.records import Organisation
from consortium.tenders.extract import extract
from consortium.tenders.records import CLOSED, COMING_SOON, PHASE_PLANNING, Tender

TODAY = dt.date(2026, 11, 23)
WARRINGTON = "E06000007"
CAMDEN = "E09000007"
CHESHIRE_WEST = "E06000050"


def org(**kw) -> Organisation:
    base = dict(name="Test Org", legal_form="charity", id=1)
    base.update(kw)
    return Organisation(**base)


def release(**tender) -> dict:
    """A Find a Tender style release: a Warrington service reserved to UK suppliers."""
    body = {
        "id": "1",
        "title": "Children's domestic abuse therapeutic service",
        "description": "Therapeutic support for children affected by domestic abuse.",
        "status": "active",
        "tenderPeriod": {"endDate": "2026-12-20T12:00:00Z"},
        "items": [
            {
                "id": "1",
                "deliveryAddresses": [{"region": "UKD61", "countryName": "United Kingdom"}],
                "relatedLot": "1",
            }
        ],
        "lots": [{"id": "1", "status": "active"}],
        "otherRequirements": {
            "reservedParticipationLocation": {
                "gazetteer": {"scheme": "GB-ONS", "identifiers": ["K02000001"]}
            }
        },
    }
    body.update(tender)
    return {
        "ocid": "ocds-h6vhtk-test01",
        "id": "r1",
        "date": "2026-11-01T00:00:00Z",
        "tag": ["tender"],
        "buyer": {"id": "b1", "name": "Warrington Borough Council"},
        "parties": [
            {
                "id": "b1",
                "name": "Warrington Borough Council",
                "roles": ["buyer"],
                "address": {"region": "UKD61"},
            }
        ],
        "tender": body,
    }


def read(raw: dict) -> Tender:
    return extract(raw, [(raw["id"], raw["date"], raw["tag"])])


# ------------------------------------------------------------- delivery place vs who may bid
def test_reserved_uk_location_is_not_a_delivery_place():
    t = read(release())
    assert t.places == ["TLD61"]  # Warrington, where the service is delivered
    assert t.reserved_location == ["K02000001"] and t.councils == []
    assert not t.places_from_buyer
    london = score(org(areas=[CAMDEN]), t, today=TODAY)
    place = london.reason("place")
    assert place.score == 0.0 and "Outside your area" in place.summary
    assert "whole UK" not in " ".join(place.evidence)
    assert "Delivered in: Warrington" in place.evidence[0]
    assert any("Who may bid: the United Kingdom" in e for e in place.evidence)
    assert london.eligible  # every UK partner may bid
    local = score(org(areas=[WARRINGTON]), t, today=TODAY)
    assert local.reason("place").score == scoring.PLACE_INSIDE
    assert sorted([london, local], key=sort_key)[0] is local


def test_buyer_area_stands_in_when_no_delivery_place_is_given():
    raw = release(items=[{"id": "1"}])
    t = read(raw)
    assert t.places == ["TLD61"] and t.places_from_buyer
    m = score(org(areas=[WARRINGTON]), t, today=TODAY)
    assert "the buyer's area is used: Warrington" in m.reason("place").evidence[0]


def test_reserved_council_is_an_eligibility_rule_scored_apart_from_place():
    # delivered across the South West, reserved to organisations in Devon
    raw = release(
        items=[{"id": "1", "deliveryAddresses": [{"region": "UKK"}]}],
        otherRequirements={
            "reservedParticipationLocation": {"gazetteer": {"identifiers": ["E10000008"]}}
        },
    )
    t = read(raw)
    assert t.places == ["TLK"] and t.councils == ["E10000008"]
    cornwall = score(org(areas=["E06000052"]), t, today=TODAY)
    assert cornwall.reason("place").score == scoring.PLACE_INSIDE  # Cornwall is in the South West
    assert not cornwall.eligible and cornwall.reason("eligibility").blocking
    assert "reserved to organisations in Devon" in cornwall.reason("eligibility").evidence[0]
    exeter = score(org(areas=["E07000041"]), t, today=TODAY)
    assert exeter.eligible
    # the bulk engine agrees on both
    engine = Engine([org(id=1, areas=["E06000052"]), org(id=2, areas=["E07000041"])], [target(t)])
    assert engine.blocked[:, 0].tolist() == [True, False]


def test_reserved_to_a_nation():
    t = read(
        release(
            otherRequirements={
                "reservedParticipationLocation": {"gazetteer": {"identifiers": ["W92000004"]}}
            }
        )
    )
    assert scoring.reserved_ok(["W06000015"], t.reserved_location)  # Cardiff
    assert not scoring.reserved_ok([CAMDEN], t.reserved_location)
    assert not score(org(areas=[CAMDEN]), t, today=TODAY).eligible


# ------------------------------------------------------------------------------ service gate
def _tenders() -> list[Tender]:
    near = Tender(
        ocid="ocds-near",
        source="fts",
        title="Young carers support",
        description="Respite and support for young carers",
        cpv=["85312000"],
        places=["TLI"],
        deadline="2026-12-20T12:00:00Z",
    )
    far = Tender(
        ocid="ocds-far",
        source="fts",
        title="Young carers service",
        description="Support for young carers and their families",
        cpv=["85312000"],
        places=["TLD"],
        deadline="2026-12-20T12:00:00Z",
    )
    unrelated = Tender(
        ocid="ocds-roof",
        source="fts",
        title="Roof refurbishment",
        description="Replacement of a store roof",
        cpv=["45261000"],
        places=["TLI"],
        deadline="2026-12-20T12:00:00Z",
        value=50_000,
        sme=True,
        vcse=True,
    )
    return [near, far, unrelated]


def test_no_service_fit_is_not_an_opportunity_and_outside_area_comes_last():
    partner = org(
        areas=[CAMDEN],
        cpv_codes=["85312000"],
        services="Respite breaks and groups for young carers",
        turnover={2025: 2_000_000},
    )
    tenders = _tenders()
    model = TextModel.build(target(t).text for t in tenders)
    roof = score(partner, tenders[2], text=model, today=TODAY)
    assert roof.reason("service").score < scoring.SERVICE_FIT
    # capacity, eligibility and suitability count for nothing without service fit
    assert roof.score == pytest.approx(100 * roof.reason("service").points / Weights().total())
    assert roof.score < 10
    opps = service.rank_opportunities(
        partner, tenders, today=TODAY, weights=Weights(), text=model, limit=None
    )
    assert [o.tender.ocid for o in opps] == ["ocds-near", "ocds-far"]
    assert [o.outside_area for o in opps] == [False, True]
    assert opps[0].to_dict()["outside_area"] is False and opps[1].to_dict()["outside_area"]


def test_an_outside_area_match_ranks_below_every_in_area_one_whatever_its_score():
    t = _tenders()[0]
    local_weak = org(id=1, name="Local", areas=[CAMDEN], cpv_codes=["85310000"], services="")
    far_strong = org(
        id=2,
        name="Far",
        areas=["E08000003"],
        cpv_codes=["85312000"],
        services="Respite and support for young carers",
        turnover={2025: 5_000_000},
    )
    model = TextModel.build([target(x).text for x in _tenders()])
    a = score(local_weak, t, text=model, today=TODAY)
    b = score(far_strong, t, text=model, today=TODAY)
    assert b.outside_area and not a.outside_area
    assert sorted([b, a], key=sort_key)[0] is a
    engine = Engine([local_weak, far_strong], [target(t)], text=model, today=TODAY)
    assert engine.top_partners(0) == [0, 1]


# ------------------------------------------------------------------------------ CPV words
def test_words_in_common_come_from_the_partners_own_text_not_cpv_labels():
    # 45211000 is "Construction work for multi-dwelling buildings and individual houses"
    partner = org(cpv_codes=["45211000"], services="Mentoring for young people")
    t = Tender(ocid="x", source="fts", title="Work on houses", description="Repair work on houses")
    model = TextModel.build(["Work on houses", "Mentoring for young people", "Roads"])
    m = score(partner, t, text=model, today=TODAY)
    words = [e for e in m.reason("service").evidence if e.startswith("Words in common")]
    assert words == []


# ------------------------------------------------------------------------------ requirements
def test_requirements_only_from_sentences_that_ask():
    assert requirements.infer("Safeguarding partnership training provider") == []
    assert requirements.infer("The service supports people leaving CQC-regulated homes.") == []
    assert requirements.infer("We deliver safeguarding training to schools.") == []
    found = requirements.infer(
        "The service supports young people. Bidders must be registered with the Care Quality "
        "Commission. Providers should have a safeguarding policy in place."
    )
    by_type = {r.type: r for r in found}
    assert set(by_type) == {"CQC registration", "Safeguarding"}
    assert by_type["CQC registration"].evidence == (
        "Bidders must be registered with the Care Quality Commission"
    )
    # an insurance named with an amount is a requirement wherever it is said
    (cover,) = requirements.infer("Public liability insurance of £5.5m.")
    assert cover.cover == 5_500_000 and cover.evidence == "Public liability insurance of £5.5m"


def test_a_title_is_never_read_as_a_requirement_and_each_one_quotes_its_sentence():
    t = Tender(
        ocid="x",
        source="fts",
        title="SAFEGUARDING PARTNERSHIP TRAINING PROVIDER",
        description="Training for the partnership's member agencies. "
        "Suppliers must hold Cyber Essentials.",
    )
    reqs = target(t).requirements
    assert [r.type for r in reqs] == ["Cyber Essentials"]
    m = score(org(), t, today=TODAY)
    evidence = " ".join(m.reason("eligibility").evidence)
    assert "Safeguarding" not in m.reason("eligibility").summary
    assert "the notice says “Suppliers must hold Cyber Essentials”" in evidence


# ------------------------------------------------------------------------------ planning
def _planning(**kw) -> Tender:
    base = dict(
        ocid="ocds-plan",
        source="fts",
        phase=PHASE_PLANNING,
        title="Rough sleeping outreach",
        future_notice_date="2026-08-17T22:59:59Z",
    )
    base.update(kw)
    return Tender(**base)


def test_a_stale_planning_notice_says_so():
    t = _planning()
    assert t.status_on(TODAY) == CLOSED  # no deadline of its own, but its date has passed
    assert t.planning_stale(TODAY)
    assert "the tender was expected by 17 Aug 2026" in t.planning_note(TODAY)
    m = score(org(), t, today=TODAY)
    suit = m.reason("suitability")
    assert suit.summary == "Planning notice out of date"
    assert "Suitable and open" not in suit.summary
    assert any("out of date" in e for e in suit.evidence)
    # once the tender period it announced has ended, it is closed
    ended = _planning(deadline="2026-09-23T16:00:00Z")
    assert ended.status_on(TODAY) == CLOSED
    assert "ended on 23 Sep 2026" in ended.planning_note(TODAY)
    fresh = _planning(future_notice_date="2027-01-29T23:59:59Z")
    assert fresh.status_on(TODAY) == COMING_SOON and not fresh.planning_stale(TODAY)
    assert score(org(), fresh, today=TODAY).reason("suitability").summary != (
        "Planning notice out of date"
    )
    # the engine scores the stale notice's timing as scoring does
    engine = Engine([org()], [target(t), target(fresh)], today=TODAY)
    assert engine.factors["suitability"][0, 0] < engine.factors["suitability"][0, 1]


def test_planning_dates_are_read_and_the_search_follows_them(empty_ws):
    from consortium.tenders import search
    from consortium.tenders.importer import import_releases

    stale = release(status="planned", tenderPeriod={"endDate": "2026-09-23T17:00:00+01:00"})
    stale["ocid"], stale["tag"] = "ocds-h6vhtk-plan01", ["planning"]
    stale["tender"]["communication"] = {"futureNoticeDate": "2026-08-17T23:59:59+01:00"}
    fresh = release(status="planned", tenderPeriod={})
    fresh["ocid"], fresh["tag"] = "ocds-h6vhtk-plan02", ["planning"]
    fresh["tender"]["communication"] = {"futureNoticeDate": "2027-01-29T23:59:59+00:00"}
    import_releases(empty_ws, [stale, fresh], today=TODAY)
    t = service.get_tender(empty_ws.db, "ocds-h6vhtk-plan02")
    assert t.future_notice_date == "2027-01-29T23:59:59Z"
    soon = search.search(empty_ws, status=[COMING_SOON], today=TODAY)
    closed = search.search(empty_ws, status=[CLOSED], today=TODAY)
    assert [r["ocid"] for r in soon] == ["ocds-h6vhtk-plan02"]
    assert [r["ocid"] for r in closed] == ["ocds-h6vhtk-plan01"]


def _expected_only(empty_ws):
    """Two planning notices giving no tender period, only the date the tender is expected
    by: one passed months ago (23 Sep 2026), one still ahead."""
    from consortium.tenders.importer import import_releases

    gone = release(status="planned", tenderPeriod={})
    gone["ocid"], gone["tag"] = "ocds-h6vhtk-plan03", ["planning"]
    gone["tender"]["communication"] = {"futureNoticeDate": "2026-09-23T23:59:59+01:00"}
    ahead = release(status="planned", tenderPeriod={})
    ahead["ocid"], ahead["tag"] = "ocds-h6vhtk-plan04", ["planning"]
    ahead["tender"]["communication"] = {"futureNoticeDate": "2027-02-01T12:00:00+00:00"}
    import_releases(empty_ws, [gone, ahead], today=TODAY)


def _statuses(ws) -> dict[str, tuple]:
    from consortium.tenders import search

    soon = {r["ocid"] for r in search.search(ws, status=[COMING_SOON], today=TODAY)}
    closed = {r["ocid"] for r in search.search(ws, status=[CLOSED], today=TODAY)}
    shown = {r["ocid"]: r["status"] for r in search.search(ws, today=TODAY)}
    told = {
        o: service.get_tender(ws.db, o).status_on(TODAY)
        for o in ("ocds-h6vhtk-plan03", "ocds-h6vhtk-plan04")
    }
    return {
        o: (o in soon, o in closed, shown[o], told[o])
        for o in ("ocds-h6vhtk-plan03", "ocds-h6vhtk-plan04")
    }


def test_a_planning_notice_whose_expected_date_passed_is_no_longer_coming_soon(empty_ws):
    # With no tender period, only its anticipated date says it is stale: the search, the
    # list's status and the tender itself all say closed, and the detail says why.
    _expected_only(empty_ws)
    assert _statuses(empty_ws) == {
        "ocds-h6vhtk-plan03": (False, True, CLOSED, CLOSED),
        "ocds-h6vhtk-plan04": (True, False, COMING_SOON, COMING_SOON),
    }
    note = service.get_tender(empty_ws.db, "ocds-h6vhtk-plan03").planning_note(TODAY)
    assert note.startswith("Planning notice out of date: the tender was expected by 23 Sep")


def _as_before(ws, step, alter: str | None = None):
    """Close ``ws`` and leave its file as the version before migration ``step`` left it: the
    phase index without the anticipated date (and ``ALTER TABLE tenders <alter>``)."""
    import sqlite3

    from consortium import migrations

    path = ws.path
    ws.close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP INDEX tenders_phase_deadline")
    conn.execute("CREATE INDEX tenders_phase_deadline ON tenders(phase, deadline)")
    if alter:
        conn.execute(f"ALTER TABLE tenders {alter}")
    conn.execute(f"PRAGMA user_version = {migrations.STEPS.index(step)}")
    conn.close()
    return path


def test_the_expected_dates_of_stored_planning_notices_are_filled_in_by_a_migration(
    empty_ws,
):

    from consortium import migrations
    from consortium.workspace import Workspace

    _expected_only(empty_ws)
    path = _as_before(empty_ws, migrations.planning_expected_dates, "DROP COLUMN expected")
    ws = Workspace.open(path, backup=False)
    try:
        assert _statuses(ws)["ocds-h6vhtk-plan03"] == (False, True, CLOSED, CLOSED)
        assert _statuses(ws)["ocds-h6vhtk-plan04"][0] is True
    finally:
        ws.close()


def test_the_phase_index_gains_the_expected_date_in_a_migration(empty_ws):

    from consortium import migrations
    from consortium.workspace import Workspace

    _expected_only(empty_ws)
    path = _as_before(empty_ws, migrations.coming_soon_index)
    ws = Workspace.open(path, backup=False)
    try:
        columns = [r[2] for r in ws.conn.execute("PRAGMA index_info(tenders_phase_deadline)")]
        assert columns == ["phase", "deadline", "expected"]
        assert _statuses(ws) == {
            "ocds-h6vhtk-plan03": (False, True, CLOSED, CLOSED),
            "ocds-h6vhtk-plan04": (True, False, COMING_SOON, COMING_SOON),
        }
    finally:
        ws.close()


# ------------------------------------------------------------------------------ region labels
def test_derbyshire_and_lincolnshire_are_labelled_east_midlands_everywhere(tmp_path):
    derbyshire = places.find_council("Derbyshire")
    lincolnshire = places.find_council("Lincolnshire")
    assert derbyshire.kind == "County" and lincolnshire.kind == "County"
    for c in (derbyshire, lincolnshire):
        assert places.region_label(c.gss) == "East Midlands"
        assert c.region == "East Midlands"
        assert places.describe(c.gss).endswith("East Midlands)")
    assert places.region_label("E09000007") == "London"
    # the Councils sheet of the partner template
    from consortium.partners.excel import write_template

    path = write_template(tmp_path / "partners.xlsx")
    sheet = openpyxl.load_workbook(path)["Councils"]
    rows = {r[0]: r[3] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["Derbyshire"] == "East Midlands" and rows["Lincolnshire"] == "East Midlands"


# ------------------------------------------------------------------------------ ties
def test_ties_are_broken_by_place_then_service_then_value_and_marked():
    t = Tender(
        ocid="x",
        source="fts",
        title="Young carers",
        description="young carers",
        cpv=["85312000"],
        places=["TLI31"],
    )
    model = TextModel.build(["young carers", "roads"])
    # the same score in whole points: A works inside the place, B around it
    a = org(id=2, name="Zebra", areas=[CAMDEN], cpv_codes=["85312000"], services="young carers")
    b = org(id=1, name="Aardvark", areas=["TLI"], cpv_codes=["85312000"], services="young carers")
    ma = score(a, t, text=model, today=TODAY, weights=Weights(place=1))
    mb = score(b, t, text=model, today=TODAY, weights=Weights(place=1))
    assert round(ma.score) == round(mb.score) and ma.score != mb.score
    ranked = scoring.mark_ties(sorted([mb, ma], key=sort_key))
    assert [m.partner_name for m in ranked] == ["Zebra", "Aardvark"]  # not alphabetical
    assert all(m.tied for m in ranked)
    assert "tied" in scoring.explain_html(ranked[0]).lower()
    assert ranked[0].to_dict()["tied"] is True
    engine = Engine([b, a], [target(t)], Weights(place=1), TODAY, model)
    assert engine.top_partners(0) == [1, 0]


def test_the_tender_descriptions_show_both_facts():
    from consortium.tenders.cli import format_tender

    text = format_tender(read(release()), TODAY)
    assert "Places: Warrington (TLD61)" in text
    assert "Who may bid: organisations in the United Kingdom" in text
    assert "Places: United Kingdom" not in text


def test_broad_cpv_codes_alone_do_not_show_service_fit():
    t = Tender(
        ocid="x",
        source="fts",
        title="Circular food growing model",
        description="Community food growing in schools",
        cpv=["80000000"],
        places=["TLI"],
    )
    model = TextModel.build(["Circular food growing model", "Adult skills courses", "Roads"])
    # 80400000 lies within the tender's broad 80000000, but nothing else is shared
    skills = org(cpv_codes=["80400000"], services="Adult skills courses", areas=[CAMDEN])
    m = score(skills, t, text=model, today=TODAY)
    assert m.reason("service").score == scoring.CPV_ALONE < scoring.SERVICE_FIT
    assert "the codes alone do not show service fit" in " ".join(m.reason("service").evidence)
    # a word in common, or the very same code, is evidence enough
    growing = org(cpv_codes=["80400000"], services="Food growing courses", areas=[CAMDEN])
    assert score(growing, t, text=model, today=TODAY).reason("service").score >= 0.45
    same = org(cpv_codes=["80000000"], services="Adult skills courses", areas=[CAMDEN])
    assert score(same, t, text=model, today=TODAY).reason("service").score >= 0.45
    engine = Engine([skills, growing, same], [target(t)], text=model, today=TODAY)
    assert engine.tiers()[:, 0].tolist() == [scoring.NO_SERVICE_FIT, 0, 0]


def test_working_out_our_fits_says_what_it_does_and_stops_when_cancelled(demo_ws):
    from consortium.matching import fits
    from consortium.progress import Cancelled

    said: list[str] = []
    found = fits.fits_us(demo_ws, progress=lambda _d, _t, text: said.append(text))
    assert found and said[0].startswith("Ranking the open tenders")
    assert any(text.startswith("Ranking ") and " tenders for " in text for text in said[1:])
    asked: list[int] = []

    def cancel_later() -> bool:  # the user presses Cancel once the ranking has begun
        asked.append(1)
        return len(asked) > 1

    with pytest.raises(Cancelled):
        fits.fits_us(demo_ws, cancelled=cancel_later)


def test_our_fits_are_the_same_a_batch_at_a_time_and_among_a_few(demo_ws, monkeypatch):
    """Every open tender is scored a batch at a time (a year's 40,000 scored at once took the
    window to 700 MB), and a download's new ones alone: the same fits either way."""
    from consortium.matching import fits
    from consortium.tenders import store as tender_store

    whole = fits.fits_us(demo_ws, today=TODAY)
    assert len(whole) >= 3
    assert [f.score for f in whole] == sorted((f.score for f in whole), reverse=True)
    loaded: list[int] = []
    real = tender_store.load_tenders

    def load(conn, ids):
        loaded.append(len(ids))
        return real(conn, ids)

    monkeypatch.setattr(tender_store, "load_tenders", load)
    monkeypatch.setattr(fits, "BATCH", 5)
    assert fits.fits_us(demo_ws, today=TODAY) == whole
    assert len(loaded) > 3 and max(loaded) == 5  # never more than a batch held at once
    loaded.clear()
    few = [whole[-1].ocid, whole[0].ocid, "ocds-not-here"]
    assert fits.fits_us(demo_ws, today=TODAY, among=few) == [whole[0], whole[-1]]
    assert loaded == [2]  # only those two were loaded and scored


def test_opportunities_and_our_fits_leave_out_a_planning_notice_gone_stale(empty_ws):
    """Opportunities are open and coming-soon tenders by the search's own rule: a planning
    notice whose anticipated date passed is closed there, so it is no opportunity either (at
    200,000 tenders 2 of our 50 best opportunities, and 224 of our fits, were such notices)."""
    from consortium.matching import fits
    from consortium.partners import store as partner_store

    _expected_only(empty_ws)
    ours = Organisation(
        name="Warrington Children's Trust",
        legal_form="charity",
        is_ours=True,
        services="Therapeutic support for children affected by domestic abuse",
        cpv_codes=["85312000"],
        areas=["E06000007"],
    )
    partner_store.save(empty_ws, ours)
    found = [o.tender.ocid for o in service.opportunities(empty_ws, None, today=TODAY, limit=None)]
    assert "ocds-h6vhtk-plan04" in found  # still coming soon
    assert "ocds-h6vhtk-plan03" not in found  # expected by 23 Sep 2026: closed
    assert "ocds-h6vhtk-plan03" not in {f.ocid for f in fits.fits_us(empty_ws, today=TODAY)}
