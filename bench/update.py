"""Updating a workspace a user made with an earlier version: a year of tenders, opened by this one.

    python bench/update.py [--sizes 50k,200k] [--work DIR] [--from COMMIT]

For each size (releases; ``bench/tenders.py`` generates them from the real notices):

1. the package is imported by the version at ``--from`` (default: the last one that stored raw
   releases as plain JSON, before compression; its code is taken from git with ``git archive``,
   so nothing in this checkout changes), in a fresh process;
2. that file is opened by this checkout, in a fresh process, as the window opens it (progress
   reported, Cancel never pressed): the update's time, its peak memory (RSS), the file's size
   before and after, and what the window is told.

Needs the repository's git history. ``--work DIR`` keeps the packages and old workspaces there
and reuses them (building 200k with the old code takes a few minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# 748272c compressed raw releases; its parent is the last version that stored them as text.
BEFORE_COMPRESSION = "748272c~1"


def child_old_import(package: str, db: str) -> dict:
    from consortium.tenders.importer import import_paths
    from consortium.workspace import Workspace

    ws = Workspace.create(db)
    start = time.perf_counter()
    report = import_paths(ws, [package])
    ws.close()
    return {"seconds": time.perf_counter() - start, "releases": report.releases_read}


def child_update(db: str) -> dict:
    from consortium.workspace import Workspace

    parts: set[str] = set()

    def progress(done: int, total: int, text: str) -> None:
        parts.add(text.split(" (")[0])

    start = time.perf_counter()
    ws = Workspace.open(db, backup=False, progress=progress)
    seconds = time.perf_counter() - start
    note = ws.update_note
    ws.close()
    return {
        "seconds": seconds,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "note": note,
        "phases": sorted(parts),
    }


def child(kind: str, code: Path, *args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(code), "PYTHONHASHSEED": "0"}
    env.setdefault("CONSORTIUM_HOME", tempfile.mkdtemp(prefix="bench-update-home-"))
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, *args],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=code,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def old_code(work: Path, commit: str) -> Path:
    """The app's code at ``commit``, unpacked from git (this checkout is left as it is)."""
    folder = work / f"code-{commit.replace('~', '-')}"
    if not (folder / "consortium").is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", commit, "consortium"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="50k")
    parser.add_argument("--work", help="keep (and reuse) packages and old workspaces here")
    parser.add_argument("--from", dest="commit", default=BEFORE_COMPRESSION)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        result = child_old_import(*rest) if kind == "old-import" else child_update(*rest)
        print(json.dumps(result))
        return
    # Only here, in the parent: both put this checkout first on sys.path, and a child that
    # imports the old code must not find this checkout's.
    import tenders as gen  # bench/tenders.py: the real-shaped generator
    from scale import parse_size

    work = Path(args.work or tempfile.mkdtemp(prefix="bench-update-"))
    work.mkdir(parents=True, exist_ok=True)
    code = old_code(work, args.commit)
    for size in args.sizes.split(","):
        n = parse_size(size)
        package = work / f"package-{size}.json"
        if not package.exists():
            gen.generate(package, n)
        old = work / f"old-{size}.consortium"
        if not old.exists():
            made = child("old-import", code, str(package), str(old))
            print(f"{size}: imported by {args.commit} in {made['seconds']:.1f} s")
        db = work / f"update-{size}.consortium"
        for leftover in work.glob(f"update-{size}.consortium*"):
            leftover.unlink()
        shutil.copyfile(old, db)
        before = db.stat().st_size
        result = child("update", ROOT, str(db))
        after = db.stat().st_size
        print(
            f"{size}: update {result['seconds']:.1f} s, peak RSS {result['maxrss_mb']:.0f} MB, "
            f"file {before / 1e6:,.0f} MB -> {after / 1e6:,.0f} MB"
        )
        print(f"  the window says: {result['note']}")


if __name__ == "__main__":
    main()
