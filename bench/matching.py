"""Matching at scale: 10,000 open tenders × 1,000 partners.

    python bench/matching.py [--tenders 10000] [--partners 1000]

Prints the time to rank all partners for every tender, all tenders for one partner, and a
consortium proposal for a 10-lot tender over every partner; each against a plain Python double
loop over the same data in the same run (the explained per-pair ``scoring.score``, timed on a
sample of pairs and scaled up, since the full loop would take many minutes).
Targets (issue 4): all × all under 2 s; one partner's opportunities under 100 ms; a proposal
under 0.5 s with proven optimality.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from consortium import cpv, places  # noqa: E402
from consortium.matching import proposals  # noqa: E402
from consortium.matching.engine import Engine  # noqa: E402
from consortium.matching.optimiser import propose  # noqa: E402
from consortium.matching.scoring import Weights, score, target  # noqa: E402
from consortium.matching.text import TextModel  # noqa: E402
from consortium.records import Credential, Organisation  # noqa: E402
from consortium.tenders.records import Lot, Tender  # noqa: E402

TODAY = dt.date(2026, 11, 23)
WORDS = [
    "young",
    "carers",
    "respite",
    "family",
    "support",
    "outreach",
    "domestic",
    "abuse",
    "refuge",
    "advice",
    "debt",
    "housing",
    "tenancy",
    "employment",
    "skills",
    "training",
    "adult",
    "learning",
    "esol",
    "maths",
    "english",
    "mental",
    "health",
    "wellbeing",
    "peer",
    "support",
    "counselling",
    "advocacy",
    "homelessness",
    "rough",
    "sleeping",
    "older",
    "people",
    "befriending",
    "disability",
    "autism",
    "learning",
    "disabilities",
    "youth",
    "work",
    "children",
    "early",
    "help",
    "parenting",
    "food",
    "growing",
    "community",
    "hub",
    "volunteering",
    "digital",
    "inclusion",
    "recovery",
    "substance",
    "misuse",
    "carers",
    "safeguarding",
    "prevention",
    "resettlement",
    "offenders",
    "veterans",
    "refugees",
    "asylum",
    "integration",
]
DIVISIONS = ("85", "80", "98", "79", "75", "55", "92", "70")


def generate(n_tenders: int, n_partners: int, seed: int = 7):
    rng = random.Random(seed)
    codes = [c.code for c in cpv.all_codes() if c.code[:2] in DIVISIONS]
    councils = [c.gss for c in places.councils() if c.lower_or_unitary]
    itl3 = [r.code for r in places.regions(3)]
    itl2 = [r.code for r in places.regions(2)]

    def text(k: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(k))

    orgs = []
    for i in range(n_partners):
        creds = []
        for kind, typ in (
            ("insurance", "Public liability"),
            ("policy", "Safeguarding"),
            ("accreditation", "CQC registration"),
        ):
            if rng.random() < 0.7:
                creds.append(
                    Credential(
                        kind,
                        typ,
                        TODAY + dt.timedelta(days=rng.randint(-60, 700)),
                        cover=rng.choice([1, 5, 10]) * 1_000_000 if kind == "insurance" else None,
                    )
                )
        orgs.append(
            Organisation(
                id=i + 1,
                name=f"Partner {i + 1:04d}",
                legal_form=rng.choice(["charity", "cio", "cic", "clg", "cbs"]),
                services=text(25),
                cpv_codes=rng.sample(codes, rng.randint(1, 4)),
                areas=rng.sample(councils, rng.randint(1, 4)),
                turnover={2025: rng.randint(50_000, 5_000_000)},
                staff=rng.randint(1, 200),
                credentials=creds,
            )
        )
    tenders = []
    for j in range(n_tenders):
        place = rng.choice(itl3) if rng.random() < 0.6 else rng.choice(itl2)
        lots = [
            Lot(
                id=str(k + 1),
                title=text(4),
                description=text(30),
                cpv=rng.sample(codes, 1),
                places=[place],
                value=rng.randint(20_000, 2_000_000),
            )
            for k in range(rng.choice([0, 0, 0, 1, 2, 3]))
        ]
        tenders.append(
            Tender(
                ocid=f"ocds-bench-{j:06d}",
                source="fts",
                title=text(6),
                description=text(80)
                + (" Public liability insurance of £5m is required." if rng.random() < 0.3 else ""),
                cpv=rng.sample(codes, rng.randint(1, 3)),
                places=[place],
                value=rng.randint(20_000, 5_000_000),
                lots=lots,
                sme=rng.random() < 0.5,
                vcse=rng.random() < 0.4,
                deadline=(TODAY + dt.timedelta(days=rng.randint(1, 90))).isoformat() + "T12:00:00Z",
                contract_start=(TODAY + dt.timedelta(days=120)).isoformat(),
                contract_end=(TODAY + dt.timedelta(days=120 + 365 * 3)).isoformat(),
            )
        )
    return orgs, tenders


def ten_lot_tender(rng: random.Random, place: str) -> Tender:
    lots = [
        Lot(
            id=str(k + 1),
            title=f"Lot {k + 1}",
            description=" ".join(rng.choice(WORDS) for _ in range(30)),
            cpv=["85312000"],
            places=[place],
            value=150_000,
        )
        for k in range(10)
    ]
    return Tender(
        ocid="ocds-bench-ten-lots",
        source="fts",
        title="Community support services in ten lots",
        description="Ten lots of community support. Public liability insurance of £5m is required.",
        cpv=["85312000"],
        places=[place],
        value=1_500_000,
        lots=lots,
        deadline=(TODAY + dt.timedelta(days=40)).isoformat() + "T12:00:00Z",
    )


def timed(fn, repeat: int = 1):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenders", type=int, default=10_000)
    parser.add_argument("--partners", type=int, default=1_000)
    parser.add_argument("--sample", type=int, default=3_000, help="pairs timed for the double loop")
    args = parser.parse_args()

    t0 = time.perf_counter()
    orgs, tenders = generate(args.tenders, args.partners)
    targets = [target(t) for t in tenders]
    model = TextModel.build(t.text for t in targets)
    print(
        f"Generated {len(tenders):,} tenders and {len(orgs):,} partners, targets and word model in {time.perf_counter() - t0:.1f} s"
    )

    # Floor: the plain double loop over the same data, explained scores, timed on a sample.
    rng = random.Random(1)
    pairs = [(rng.randrange(len(orgs)), rng.randrange(len(targets))) for _ in range(args.sample)]
    start = time.perf_counter()
    for i, j in pairs:
        score(orgs[i], targets[j].tender, text=model, today=TODAY, prepared=targets[j])
    per_pair = (time.perf_counter() - start) / len(pairs)
    loop_all = per_pair * len(orgs) * len(targets)
    loop_one = per_pair * len(targets)
    print(
        f"Plain double loop: {per_pair * 1e6:.0f} µs a pair → {loop_all:,.0f} s for all pairs (scaled from {len(pairs):,} pairs)"
    )

    from consortium.matching.engine import TargetSet

    prep_time, prepared = timed(lambda: TargetSet(targets, model))
    print(f"Preparing the tenders' word matrix (once per import, then cached): {prep_time:.2f} s")
    cold_time, engine = timed(lambda: Engine(orgs, prepared, Weights(), TODAY))
    print(
        f"First scoring in a fresh process (code-to-code and area-to-place tables built): {cold_time:.2f} s"
    )
    engine_time, engine = timed(lambda: Engine(orgs, prepared, Weights(), TODAY), 3)
    top_time, _ = timed(lambda: engine.best_targets_for_all(10), 3)
    all_time = engine_time + top_time
    print(
        f"All partners for every tender: {all_time:.2f} s (score matrix {engine_time:.2f} s + top 10 each {top_time:.2f} s; medians of 3)"
        f"  ratio to the double loop: {all_time / loop_all:.4f} ({loop_all / all_time:,.0f}× faster)  target < 2 s"
    )
    reweight_time, _ = timed(
        lambda: engine.reweight(
            Weights(service=60, place=20, capacity=10, eligibility=5, suitability=5)
        ),
        3,
    )
    print(f"Re-ranking after a weight change: {reweight_time * 1000:.0f} ms")

    one = orgs[0]

    def opportunities():
        e = Engine([one], prepared, Weights(), TODAY)
        return e.top_targets(0, limit=50)

    opp_time, _ = timed(opportunities, 3)
    print(
        f"One partner's opportunities over {len(targets):,} tenders: {opp_time * 1000:.0f} ms"
        f"  ratio to the double loop: {opp_time / loop_one:.3f}  target < 100 ms"
    )

    place = places.ancestors(orgs[0].areas[0])[0]
    big = ten_lot_tender(random.Random(3), place)
    # Make sure a fair share of partners work there, as in a real sub-region.
    for org in orgs[: len(orgs) // 4]:
        org.areas = list(dict.fromkeys([*org.areas, orgs[0].areas[0]]))
        org.cpv_codes = list(dict.fromkeys([*org.cpv_codes, "85312000"]))

    def proposal():
        candidates, need, *_ = proposals.build(
            big, orgs, weights=Weights(), today=TODAY, text=model
        )
        return propose(candidates, need, alternatives=1), candidates

    prop_time, (result, candidates) = timed(proposal, 3)
    best = result[0]
    able = sum(1 for c in candidates if c.fit)
    print(
        f"Proposal for a 10-lot tender over {len(orgs):,} partners ({able} can deliver a lot): {prop_time * 1000:.0f} ms,"
        f" {len(best.members)} members, complete={best.complete}, proven optimal={best.optimal}  target < 500 ms"
    )
    print(
        f"  double loop over the same pairs would take {per_pair * len(orgs) * 10 * 1000:.0f} ms before any optimising"
    )


if __name__ == "__main__":
    main()
