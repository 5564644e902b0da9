"""The core never imports Qt: every ``consortium.*`` module imports, and the main headless
operations run, in a fresh interpreter where PySide6, shiboken6 and ui cannot be imported."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

BLOCKER = textwrap.dedent(
    """
    import importlib.abc
    import sys

    BLOCKED = ("PySide6", "shiboken6", "ui")


    class NoQt(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{name} is blocked: the core must not import Qt or ui")
            return None


    sys.meta_path.insert(0, NoQt())
    """
)


def run_blocked(code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    script = tmp_path / "headless.py"
    script.write_text(BLOCKER + textwrap.dedent(code))
    return subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,  # not the repository, so ui/ is not importable by accident either
        env={"CONSORTIUM_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"},
    )


def test_the_blocker_really_blocks(tmp_path):
    done = run_blocked(
        """
        for name in ("PySide6.QtCore", "shiboken6", "ui.app"):
            try:
                __import__(name)
            except ImportError as exc:
                print("blocked", name)
            else:
                raise SystemExit(f"{name} imported")
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n").count("blocked PySide6.QtCore") == 1
    assert "blocked ui.app" in done.stdout


def test_every_core_module_imports_without_qt(tmp_path):
    done = run_blocked(
        """
        import importlib
        import pkgutil

        import consortium

        # consortium.__main__ is the entry point: importing it runs the app (tested below).
        names = sorted(
            m.name
            for m in pkgutil.walk_packages(consortium.__path__, "consortium.")
            if m.name != "consortium.__main__"
        )
        failed = []
        for name in names:
            try:
                importlib.import_module(name)
            except Exception as exc:
                failed.append(f"{name}: {type(exc).__name__}: {exc}")
        qt = sorted(n for n in sys.modules if n.split(".")[0] in ("PySide6", "shiboken6", "ui"))
        print("\\n".join(names))
        if failed or qt:
            raise SystemExit("\\n".join(failed + qt))
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    imported = done.stdout.split()
    for expected in (
        "consortium.cli",
        "consortium.workspace",
        "consortium.migrations",
        "consortium.records",
        "consortium.partners.store",
        "consortium.partners.excel",
        "consortium.demo",
    ):
        assert expected in imported
    assert len(imported) >= 15


def test_headless_operations_run_without_qt(tmp_path):
    """Not just imports: the CLI's main work (demo, export, import, check) runs without Qt."""
    done = run_blocked(
        """
        from consortium.cli import main

        assert main(["init", "demo.consortium", "--demo"]) == 0
        assert main(["--workspace", "demo.consortium", "partners", "export", "p.xlsx"]) == 0
        assert main(["init", "new.consortium"]) == 0
        assert main(["--workspace", "new.consortium", "partners", "import", "p.xlsx"]) == 0
        assert main(["--workspace", "new.consortium", "check"]) == 0

        import runpy

        sys.argv = ["consortium", "--version"]
        try:
            runpy.run_module("consortium", run_name="__main__")
        except SystemExit as exc:
            assert exc.code == 0, exc.code
        print("all ran")
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "all ran" in done.stdout
