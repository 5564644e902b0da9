"""Benchmark bid assembly: suggestions for every question, and building every document.

    python bench/bids.py [--members 10] [--questions 60] [--words 500] [--entries 200] [--runs 5]

A copy of the demo workspace gets a consortium of ``--members`` demo partners, a bid with
``--questions`` questions each answered in ``--words`` words, and ``--entries`` library entries.
Reports the median of ``--runs`` runs of (1) suggesting the five best entries for every question
(building the model included) and (2) building all documents (joint bid, CRtC expression of
interest, agreement outline, due-diligence workbook, cover note). Targets: < 1 s and < 3 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from consortium.bids import documents, questions, records  # noqa: E402
from consortium.demo import create_demo  # noqa: E402
from consortium.library import store, suggest  # noqa: E402
from consortium.matching import consortia  # noqa: E402

TODAY = dt.date(2026, 11, 23)
WORDS = [
    "safeguarding",
    "children",
    "adults",
    "survivors",
    "refuge",
    "outreach",
    "domestic",
    "abuse",
    "housing",
    "tenancy",
    "mental",
    "health",
    "wellbeing",
    "recovery",
    "volunteers",
    "training",
    "staff",
    "supervision",
    "referral",
    "pathway",
    "partnership",
    "governance",
    "board",
    "subcontract",
    "performance",
    "outcomes",
    "measures",
    "data",
    "protection",
    "equality",
    "diversity",
    "inclusion",
    "access",
    "interpreters",
    "accessible",
    "venues",
    "mobilisation",
    "TUPE",
    "premises",
    "social",
    "value",
    "employment",
    "apprenticeships",
    "local",
    "suppliers",
    "carbon",
    "net",
    "zero",
    "community",
    "engagement",
    "co-production",
    "lived",
    "experience",
    "feedback",
    "complaints",
    "quality",
    "assurance",
    "audit",
    "risk",
    "management",
    "business",
    "continuity",
    "IT",
    "systems",
    "case",
    "management",
    "evaluation",
    "reporting",
    "contract",
    "management",
    "finance",
    "budget",
    "value",
    "money",
    "innovation",
]


def text(rng: random.Random, n: int) -> str:
    sentences, words = [], 0
    while words < n:
        k = min(rng.randint(8, 20), n - words)
        s = " ".join(rng.choice(WORDS) for _ in range(k))
        sentences.append(s.capitalize() + ".")
        words += k
        if rng.random() < 0.15:
            sentences.append("\n\n")
    return " ".join(sentences).replace(" \n\n ", "\n\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--members", type=int, default=10)
    ap.add_argument("--questions", type=int, default=60)
    ap.add_argument("--words", type=int, default=500)
    ap.add_argument("--entries", type=int, default=200)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    rng = random.Random(6)
    folder = Path(tempfile.mkdtemp(prefix="bench-bids-"))
    ws = create_demo(folder / "bench.consortium", TODAY)
    ids = [r[0] for r in ws.db.execute("SELECT id FROM organisations ORDER BY id")][: args.members]
    members = [
        consortia.Member(
            org_id=i,
            role="lead provider" if n == 0 else "delivery partner",
            lots=["1", "2", "3"][: 1 + n % 3],
        )
        for n, i in enumerate(ids)
    ]
    c = consortia.Consortium(
        name="Bench consortium", ocid="ocds-h6vhtk-05a7b0", members=members, fee_percent=5
    )
    consortia.save(ws, c)
    bid = records.create_for_consortium(ws, c.id)
    qs = [
        questions.Question(
            bid_id=bid.id,
            ref=f"{1 + n // 10}.{1 + n % 10}",
            text=text(rng, 40) + " (max 500 words)",
            word_limit=500,
            owner_org_id=ids[n % len(ids)],
            status="done",
            answer=text(rng, args.words),
        )
        for n in range(args.questions)
    ]
    questions.add_questions(ws, bid.id, qs)

    def write():
        with ws.atomic():
            for _ in range(args.entries):
                store.save(
                    ws,
                    store.Entry(
                        title=text(rng, 6),
                        body=text(rng, rng.randint(100, 400)),
                        tags=rng.sample(WORDS, 3),
                        theme=rng.choice(WORDS),
                        owner="Bench org",
                        review_due=TODAY + dt.timedelta(days=rng.randint(-100, 300)),
                        kind=rng.choice(store.KINDS),
                    ),
                )

    ws.write(write)
    qs = questions.list_for(ws.db, bid.id)
    suggest_times, build_times = [], []
    for run in range(args.runs):
        t = time.perf_counter()
        found = suggest.suggest_all(ws.db, qs, today=TODAY)
        suggest_times.append(time.perf_counter() - t)
        assert len(found) == len(qs) and all(len(v) == 5 for v in found.values())
        t = time.perf_counter()
        result = documents.build(ws, bid.id, folder / f"out{run}", today=TODAY)
        build_times.append(time.perf_counter() - t)
    size = result.files["joint_bid"].stat().st_size
    ws.close()
    s, b = statistics.median(suggest_times), statistics.median(build_times)
    print(
        f"{args.members} members, {args.questions} questions of {args.words} words, "
        f"{args.entries} library entries; median of {args.runs} runs"
    )
    print(f"suggest for all questions: {s:.3f} s (target < 1 s) {'OK' if s < 1 else 'SLOW'}")
    print(
        f"build all documents:       {b:.3f} s (target < 3 s) {'OK' if b < 3 else 'SLOW'}"
        f"  (joint bid {size / 1024:.0f} KB)"
    )
    return 0 if s < 1 and b < 3 else 1


if __name__ == "__main__":
    raise SystemExit(main())
