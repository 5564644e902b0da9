"""Two real processes on one workspace: one holds it with a long tender import, the other
(this test process, or a third started from it) reads it freely and, when it tries to write,
is told plainly what holds the workspace instead of getting a 'database is locked' traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from consortium import busy
from consortium.cli import main
from consortium.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
OCDS = Path(__file__).parent / "fixtures" / "ocds" / "fts-selected-civil-society-releases.json"
PLAIN = "This workspace is busy importing tenders in another window; try again when it finishes."

# A tender import that stops after its first notice, inside its transaction, until told to go.
HOLDER = r"""
import json, sys
from consortium.tenders.importer import import_releases
from consortium.workspace import Workspace

releases = json.load(open(sys.argv[2], encoding="utf-8"))["releases"]

def feed():
    yield releases[0]
    print("holding", flush=True)
    sys.stdin.readline()
    yield from releases[1:5]

ws = Workspace.open(sys.argv[1], backup=False)
report = import_releases(ws, feed(), label="slow.json")
ws.close()
print("done", report.tenders_new, flush=True)
"""


def env() -> dict:
    return dict(os.environ, PYTHONPATH=str(ROOT))


class Holder:
    """The other process, holding the workspace with an import until :meth:`finish`."""

    def __init__(self, path: Path):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(path), str(OCDS)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env(),
        )
        line = self.proc.stdout.readline()
        if line.strip() != "holding":
            self.proc.kill()
            raise AssertionError(f"holder did not start: {line!r} {self.proc.stderr.read()}")

    def finish(self) -> str:
        out, err = self.proc.communicate("go\n", timeout=120)
        assert self.proc.returncode == 0, err
        return out.strip()


@pytest.fixture
def workspace(empty_template, tmp_path) -> Path:
    import shutil

    path = tmp_path / "shared.consortium"
    shutil.copyfile(empty_template, path)
    return path


@pytest.fixture
def quick_busy(monkeypatch):
    """This process gives up on the lock after 0.3 s instead of 5 s (the other is real)."""
    monkeypatch.setattr(busy, "TIMEOUT_MS", 300)


def tender_count(path: Path) -> int:
    with Workspace.open(path, backup=False) as ws:
        return ws.reader.conn.execute("SELECT count(*) FROM tenders").fetchone()[0]


def test_a_write_while_another_process_imports_is_refused_plainly(
    workspace, quick_busy, capsys, tmp_path
):
    holder = Holder(workspace)
    try:
        assert busy.holder(workspace)["what"] == "importing tenders"
        # Reading goes on as usual, and sees the workspace as it was before the import.
        assert main(["--workspace", str(workspace), "tenders", "list"]) == 0
        assert tender_count(workspace) == 0
        capsys.readouterr()
        # A write waits, then says what holds the workspace; nothing is changed.
        assert main(["--workspace", str(workspace), "tenders", "import", str(OCDS)]) == 1
        err = capsys.readouterr().err
        assert PLAIN in err
        assert "Traceback" not in err and "database is locked" not in err
        ws = Workspace.open(workspace, backup=False)

        def write():
            with ws.atomic():
                ws.db["settings"].insert({"key": "x", "value": "y"})

        with pytest.raises(busy.WorkspaceBusy) as e:
            ws.write(write)
        ws.close()
        assert str(e.value).startswith(PLAIN)
    finally:
        out = holder.finish()
    assert out.startswith("done")
    assert not busy.marker(workspace).exists()  # the note goes with the import
    # Once the import has finished, the same command works.
    assert main(["--workspace", str(workspace), "tenders", "import", str(OCDS)]) == 0
    assert tender_count(workspace) > 0


def test_the_cli_in_a_third_process_says_so_too(workspace):
    """With the real 5 s busy timeout, through ``python -m consortium``: no traceback."""
    holder = Holder(workspace)
    try:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "consortium",
                "--workspace",
                str(workspace),
                "tenders",
                "import",
                str(OCDS),
            ],
            capture_output=True,
            text=True,
            env=env(),
            timeout=120,
        )
    finally:
        holder.finish()
    assert run.returncode == 1
    assert PLAIN in run.stderr
    assert "Traceback" not in run.stderr


def test_a_note_left_by_a_killed_process_is_ignored(workspace):
    busy.marker(workspace).write_text(
        json.dumps(
            {
                "pid": 2**22 + 12345,
                "host": __import__("socket").gethostname(),
                "what": "importing tenders",
            }
        ),
        encoding="utf-8",
    )
    assert busy.holder(workspace) is None
    assert "busy in another window or program" in str(busy.error(workspace))


def test_a_note_nested_too_deeply_beside_the_workspace_is_no_holder(workspace):
    # Anyone can leave a file beside a shared workspace: it is not a note of ours.
    busy.marker(workspace).write_text('{"pid": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert busy.holder(workspace) is None
    assert "is busy in another window or program" in str(busy.error(workspace))
