"""Seeded fuzzing of every importer (about 2 minutes): mutated real fixtures must be accepted
or refused with the project's own error, leaving the workspace as it was; never a traceback,
a crash, a hang (10 s) or more than 500 MB. ``python bench/fuzz.py --minutes N`` runs longer.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import fuzzlib  # noqa: E402

from consortium.errors import ConsortiumError  # noqa: E402

PER_IMPORTER = 25
SEED = 20261201


@pytest.fixture(scope="module")
def ctx(tmp_path_factory, monkeypatch_module):
    return fuzzlib.setup(tmp_path_factory.mktemp("fuzz"))


@pytest.fixture(scope="module")
def monkeypatch_module():
    """setup() swaps in a memory keyring and sets CONSORTIUM_HOME; both are put back after."""
    import keyring

    before_ring, before_home = keyring.get_keyring(), os.environ.get("CONSORTIUM_HOME")
    yield
    keyring.set_keyring(before_ring)
    if before_home is None:
        os.environ.pop("CONSORTIUM_HOME", None)
    else:
        os.environ["CONSORTIUM_HOME"] = before_home


def test_every_importer_survives_mutated_fixtures(ctx):
    tally = fuzzlib.fuzz(ctx, seed=SEED, per_importer=PER_IMPORTER)
    print(tally.table())
    assert set(tally.counts) == {i.name for i in ctx.importers}
    for name, counter in tally.counts.items():
        assert sum(counter.values()) == PER_IMPORTER, name
        assert counter["accepted"] + counter["refused"] > 0, name
    report = [
        f"{f['importer']} (seed {f['seed']}): {f['outcome']} {f.get('detail', '')}"
        for f in tally.failures
    ]
    assert not report, "\n".join(report)


# ------------------------------------------------------ the harness sees every failure kind
def _write_then_refuse(ws, path):
    def write():
        with ws.atomic():  # a committed write, then a refusal: the harness must call it dirty
            ws.conn.execute("INSERT INTO settings (key, value) VALUES ('fuzz', 'dirty')")

    ws.write(write)
    raise ConsortiumError("refused after writing")


def _allocate(ws, path):
    hoard = []
    while True:
        hoard.append(bytearray(50 * 1024 * 1024))


@pytest.mark.parametrize(
    ("run", "outcome"),
    [
        (lambda ws, path: None, "accepted"),
        (lambda ws, path: (_ for _ in ()).throw(ConsortiumError("no")), "refused"),
        (lambda ws, path: {}["missing"], "error"),
        (_write_then_refuse, "dirty"),
        (lambda ws, path: os.kill(os.getpid(), signal.SIGSEGV), "crashed"),
        (lambda ws, path: time.sleep(30), "hung"),
        (_allocate, "memory"),
    ],
)
def test_the_harness_tells_each_outcome(ctx, tmp_path, run, outcome):
    importer = fuzzlib.Importer("probe", ".bin", "text", ctx.importers[0].fixture, run)
    result = fuzzlib.run_one(importer, b"data", ctx, tmp_path / "case", timeout=3, memory_mb=300)
    assert result["outcome"] == outcome, result
