"""A demo bid with social value commitments, for the demo workspace.

The demo framework's values are invented for illustration and say so; they are not anyone's
licensed values. ``consortium.demo.fill_demo`` may call ``add_demo_social_value(ws, today)``.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from consortium.changes import SOCIAL_VALUE
from consortium.socialvalue import commitments
from consortium.workspace import Workspace, writes

DEMO_FRAMEWORK = "DEMO-LOCAL"
_MEASURES = [
    # code, description, unit, theme, criteria, record_only, counting rule, proxy
    (
        "DL1",
        "Local residents employed on the contract",
        "FTE",
        "Tackling economic inequality",
        # PPN 002's too: the demo tender is run under the Procurement Act 2023.
        ["PPN 06/20 MAC 2.1", "PPN 002 MAC 1a"],
        False,
        "per_year",
        "9500",
    ),
    (
        "DL2",
        "Residents facing barriers to work hired through a recruitment programme",
        "people",
        "Equal opportunity",
        ["PPN 06/20 MAC 6.1", "PPN 002 MAC 1a"],
        False,
        "first_year_only",
        "4200",
    ),
    (
        "DL3",
        "Volunteering hours given to local community groups",
        "hours",
        "Wellbeing",
        ["PPN 06/20 MAC 8.1"],
        False,
        "per_year",
        "15",
    ),
    (
        "DL4",
        "Spend with local VCSE organisations in the supply chain",
        "£",
        "Tackling economic inequality",
        ["PPN 06/20 MAC 3.1"],
        False,
        "per_year",
        "0.2",
    ),
    (
        "DL5",
        "Tenants' events held in community venues",
        "sessions",
        "Wellbeing",
        ["PPN 06/20 MAC 8.1"],
        True,
        "per_year",
        None,
    ),
]


DEMO_BID_NAME = "Demo social value bid"


@writes
def add_demo_social_value(ws: Workspace, today: dt.date) -> int | None:
    """Add a demo consortium, bid, invented-value framework and commitments; the bid id.

    Does nothing (returns None) when there are fewer than three partners.
    """
    from consortium.bids import records as bids
    from consortium.matching import consortia

    existing = ws.db.execute("SELECT id FROM bids WHERE name = ?", [DEMO_BID_NAME]).fetchone()
    if existing:  # already there (the demo workspace adds it when it is made)
        return existing[0]
    orgs = list(ws.db.query("SELECT id FROM organisations ORDER BY id LIMIT 3"))
    if len(orgs) < 3:
        return None
    with ws.atomic(SOCIAL_VALUE):
        ws.db["sv_frameworks"].upsert(
            {
                "id": DEMO_FRAMEWORK,
                "name": "Demo local measures (invented values, for illustration only)",
                "version": str(today.year),
                "licence": "Invented for the Consortium demo; not real proxy values",
                "licence_holder": "Consortium demo",
                "source": "Invented for the demo workspace",
                "file": "",
                "loaded_at": today.isoformat(),
            },
            pk="id",
        )
        for code, desc, unit, theme, crit, rec, rule, proxy in _MEASURES:
            ws.db["sv_measures"].upsert(
                {
                    "framework_id": DEMO_FRAMEWORK,
                    "code": code,
                    "description": desc,
                    "unit": unit,
                    "theme": theme,
                    "criteria": json.dumps(crit),
                    "record_only": int(rec),
                    "counting_rule": rule,
                    "proxy_value": proxy,
                    "price_year": None if rec else today.year,
                    "source": "Invented for the demo workspace",
                    "licence_holder": "Consortium demo",
                },
                pk=("framework_id", "code"),
            )
    ocid = ws.db.execute("SELECT ocid FROM tenders ORDER BY id LIMIT 1").fetchone()
    c = consortia.Consortium(
        name="Demo social value consortium",
        ocid=ocid[0] if ocid else None,
        members=[
            consortia.Member(org_id=orgs[0]["id"], role="lead provider"),
            *(consortia.Member(org_id=o["id"]) for o in orgs[1:]),
        ],
    )
    consortia.save(ws, c)
    bid = bids.Bid(consortium_id=c.id, name=DEMO_BID_NAME, ocid=c.ocid)
    bids.save(ws, bid)
    areas = {
        o["id"]: [
            r[0] for r in ws.db.execute("SELECT code FROM org_areas WHERE org_id = ?", [o["id"]])
        ][:2]
        for o in orgs
    }
    plan = [
        (orgs[0]["id"], "DL1", "4", 3, "0.2", "0", "0.1", "0.1"),
        (orgs[0]["id"], "DL2", "3", 1, "0.25", "0", "0", "0"),
        (orgs[1]["id"], "DL3", "800", 3, "0.1", "0", "0.25", "0.2"),
        (orgs[1]["id"], "HMT:WELLBY", "1.5", 2, "0.3", "0", "0.5", "0.3"),
        (orgs[2]["id"], "DL4", "25000", 3, "0", "0.1", "0", "0"),
        (orgs[2]["id"], "DL5", "12", 3, "0", "0", "0", "0"),
    ]
    for pos, (org, code, qty, years, dw, disp, attr, drop) in enumerate(plan):
        fw, _, c_code = code.rpartition(":")
        commitments.add(
            ws,
            commitments.Commitment(
                bid_id=bid.id,
                org_id=org,
                framework_id=fw or DEMO_FRAMEWORK,
                measure_code=c_code,
                quantity=Decimal(qty),
                years=years,
                start_year=today.year + 1,
                areas=areas[org],
                beneficiaries="Tenants and residents of the partner's area",
                evidence="Payroll and postcode records; attendance sheets",
                activity="",
                deadweight=Decimal(dw),
                displacement=Decimal(disp),
                attribution=Decimal(attr),
                dropoff=Decimal(drop),
                position=pos,
            ),
        )
    commitments.save_settings(
        ws,
        bid.id,
        commitments.Settings(
            inputs=Decimal("60000"),
            weighting_pct=Decimal("10"),
            need="Survivors of domestic abuse in the area are more likely than their "
            "neighbours to be out of work and isolated, and many leave refuge without a local "
            "support network. The council's chosen outcomes are local jobs, skills and "
            "stronger communities.",
            method="Each member delivers its commitments in its own area, over and above the "
            "core service: the lead recruits and trains local staff and apprentices, members "
            "run volunteering and tenants' events, and every member buys locally where it can.",
            governance="The lead provider's chief executive is accountable for every commitment. "
            "Members report their figures each quarter; a commitment that falls behind goes to "
            "the partnership board, which agrees a recovery plan within a month.",
            additionality="Only activity funded by this contract is claimed; work shared with "
            "other funders is attributed to this contract in proportion to its funding.",
            contact="Riverside Community Action, bids@riverside.example.org",
        ),
    )
    return bid.id
