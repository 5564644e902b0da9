"""Benchmark social value: a bid of 50 members × 40 measures × 10 years (2,000 commitments).

    python bench/socialvalue.py [--members 50] [--measures 40] [--years 10] [--runs 5]

Reports the median of ``--runs`` runs of (1) the calculation (with and without the sensitivity
table), and (2) building the statement (.docx) and the calculator workbook (.xlsx).
Targets: calculation < 50 ms; both documents < 2 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from consortium.bids import records as bids  # noqa: E402
from consortium.matching import consortia  # noqa: E402
from consortium.partners import store  # noqa: E402
from consortium.records import Organisation  # noqa: E402
from consortium.socialvalue import calc, commitments, statement, workbook  # noqa: E402
from consortium.workspace import Workspace  # noqa: E402

TODAY = dt.date(2026, 11, 23)
COUNCILS = ["E09000007", "E09000019", "E09000014", "E06000023", "W06000015"]


def setup(folder: Path, members: int, measures: int, years: int) -> tuple[Workspace, int]:
    rnd = random.Random(1)
    ws = Workspace.create(folder / "bench.consortium")
    org_ids = [store.save(ws, Organisation(name=f"Bench charity {i + 1}")) for i in range(members)]

    def write():
        with ws.atomic():
            ws.db["sv_frameworks"].insert({"id": "BENCH", "name": "Bench values (invented)",
                                           "licence_holder": "bench", "source": "invented"})  # fmt: skip
            ws.db["sv_measures"].insert_all(
                {"framework_id": "BENCH", "code": f"B{j + 1}", "description": f"Bench measure {j + 1}",
                 "unit": "hours", "theme": f"Theme {j % 5 + 1}", "criteria": "[]",
                 "record_only": 0, "counting_rule": "per_year" if j % 7 else "first_year_only",
                 "proxy_value": str(rnd.randint(10, 5000)), "price_year": 2025,
                 "source": "invented", "licence_holder": "bench"}
                for j in range(measures)
            )  # fmt: skip

    ws.write(write)
    c = consortia.Consortium(
        name="Bench consortium", members=[consortia.Member(org_id=i) for i in org_ids]
    )
    consortia.save(ws, c)
    bid = bids.Bid(consortium_id=c.id, name="Bench bid")
    bids.save(ws, bid)

    def write():
        with ws.atomic():
            ws.db["sv_commitments"].insert_all(
                {"bid_id": bid.id, "org_id": org, "framework_id": "BENCH", "measure_code": f"B{j + 1}",
                 "quantity": str(rnd.randint(1, 200)), "years": years, "start_year": 2027,
                 "areas": json.dumps(rnd.sample(COUNCILS, 2)), "beneficiaries": "residents",
                 "evidence": "records", "activity": "", "deadweight": "0.2", "displacement": "0.05",
                 "attribution": "0.25", "dropoff": "0.1", "position": k}
                for k, (org, j) in enumerate((o, j) for o in org_ids for j in range(measures))
            )  # fmt: skip

    ws.write(write)
    commitments.save_settings(ws, bid.id, commitments.Settings(inputs=Decimal(2_000_000)))
    return ws, bid.id


def timed(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=50)
    ap.add_argument("--measures", type=int, default=40)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ws, bid_id = setup(folder, args.members, args.measures, args.years)
        lines, assumptions = commitments.calc_inputs(ws.db, bid_id)
        n = len(lines)
        t_load = timed(lambda: commitments.calc_inputs(ws.db, bid_id), args.runs)
        t_calc = timed(
            lambda: calc.calculate(lines, assumptions, with_sensitivity=False), args.runs
        )
        t_sens = timed(lambda: calc.calculate(lines, assumptions), args.runs)
        result = calc.calculate(lines, assumptions)
        t_doc = timed(
            lambda: statement.build_statement(
                ws.db, bid_id, folder / "s.docx", today=TODAY, result=result
            ),
            max(1, args.runs // 2),
        )
        t_xlsx = timed(
            lambda: workbook.build(result, folder / "w.xlsx", title="Bench"), max(1, args.runs // 2)
        )
        ws.close()
    print(
        f"{args.members} members × {args.measures} measures × {args.years} years = {n} commitments"
    )
    print(f"  load commitments from the workspace : {t_load * 1000:8.1f} ms")
    print(f"  calculation (totals)                : {t_calc * 1000:8.1f} ms  (target < 50 ms)")
    print(f"  calculation + sensitivity table     : {t_sens * 1000:8.1f} ms")
    print(f"  statement .docx                     : {t_doc:8.2f} s")
    print(f"  workbook .xlsx                      : {t_xlsx:8.2f} s")
    print(f"  both documents                      : {t_doc + t_xlsx:8.2f} s   (target < 2 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
