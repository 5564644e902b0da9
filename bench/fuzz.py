"""Fuzz every importer for a while and print what happened to each input, per importer.

    python bench/fuzz.py --minutes 5 [--seed 7] [--only tenders.json] [--keep DIR]

Inputs are the real fixtures, mutated (see tests/fuzzlib.py); each is imported in a forked
child with a 500 MB memory limit and a 10 s timeout. Outcomes: accepted, refused (the
project's own error, workspace unchanged), and the failures: error (any other exception),
dirty (refused but the workspace changed), crashed, hung, memory. Failing inputs are kept in
DIR/failures for a rerun. The exit status is 1 if anything failed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import fuzzlib  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", nargs="*", help="importer names (as in the table)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per input")
    parser.add_argument("--memory-mb", type=int, default=500)
    parser.add_argument("--keep", help="keep the work folder (failing inputs in failures/)")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="fuzz-"))
    started = time.perf_counter()
    ctx = fuzzlib.setup(work)
    print(f"set up {len(ctx.importers)} importers in {time.perf_counter() - started:.1f} s")
    tally = fuzzlib.fuzz(
        ctx,
        seed=args.seed,
        seconds=args.minutes * 60,
        timeout=args.timeout,
        memory_mb=args.memory_mb,
        only=args.only,
    )
    total = sum(sum(c.values()) for c in tally.counts.values())
    print(f"{total:,} inputs in {time.perf_counter() - started:.0f} s (seed {args.seed})")
    print(tally.table())
    groups = Counter((f["outcome"], f.get("detail", "")[:120]) for f in tally.failures)
    for (outcome, detail), n in groups.most_common(40):
        print(f"{n:5} x {outcome}: {detail}")
    if args.keep:
        print(f"failing inputs: {work / 'failures'}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if tally.failures else 0


if __name__ == "__main__":
    sys.exit(main())
