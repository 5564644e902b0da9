"""Bid pack export and verify with 200 MB of evidence attachments.

    python bench/packs.py [--mb 200]

Prints MB/s for export and verify, and verify's ratio against `sha256sum` of the same files in
the same run (the hashing floor). Target (issue 7): verify within 1.5× of the floor.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-packs-"))
    os.environ["CONSORTIUM_HOME"] = str(work / "home")
    try:
        import keyring
        from keyring.backends import fail

        keyring.set_keyring(fail.Keyring())  # no keyring here: a passphrase-protected key file
        from consortium.bids.records import create_for_consortium
        from consortium.demo import create_demo
        from consortium.matching import proposals
        from consortium.packs import keys, pack

        today = dt.date.today()
        ws = create_demo(work / "demo.consortium", today)
        result = proposals.propose_for(ws, "ocds-h6vhtk-05a7b0", today=today)
        c = proposals.save_as_consortium(ws, result, 0, "Bench consortium")
        bid = create_for_consortium(ws, c.id)
        keys.create_key("Bench Org", passphrase="bench passphrase")
        evidence = []
        files = max(1, args.mb // 10)
        for i in range(files):
            path = work / f"evidence-{i:02d}.pdf"
            path.write_bytes(os.urandom(10 * 1024 * 1024))
            evidence.append(path)
        total_mb = sum(p.stat().st_size for p in evidence) / 1e6

        start = time.perf_counter()
        out = pack.export_pack(
            ws,
            bid.id,
            work / "bench.cbpack",
            documents=[],
            evidence=evidence,
            passphrase="bench passphrase",
        )
        export_s = time.perf_counter() - start
        start = time.perf_counter()
        verified = pack.verify_pack(out)
        verify_s = time.perf_counter() - start
        assert verified.ok, verified.problems
        floor_s = None
        if shutil.which("sha256sum"):
            start = time.perf_counter()
            subprocess.run(
                ["sha256sum", *map(str, evidence)], check=True, stdout=subprocess.DEVNULL
            )
            floor_s = time.perf_counter() - start
        print(f"Pack of {total_mb:,.0f} MB of evidence in {files} files")
        print(f"export: {export_s:.2f} s = {total_mb / export_s:,.0f} MB/s")
        print(f"verify: {verify_s:.2f} s = {total_mb / verify_s:,.0f} MB/s")
        if floor_s:
            print(
                f"sha256sum of the same files: {floor_s:.2f} s = {total_mb / floor_s:,.0f} MB/s; verify / floor = {verify_s / floor_s:.2f}x (target within 1.5x)"
            )
        else:
            print("sha256sum not found: no floor measured")
        ws.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
