"""The first start never aborts: the launcher's checks before Qt loads, and ``consortium doctor``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import consortium
from consortium import doctor, preflight
from consortium.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _launch(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """``consortium`` with no command (open the window) in a clean process."""
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", preflight.SIMULATE_MISSING)
    }
    base.update(
        CONSORTIUM_HOME=str(tmp_path / "home"),
        CONSORTIUM_NO_DIALOG="1",
        PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    )
    base.update(env)
    return subprocess.run(
        [sys.executable, "-m", "consortium"],
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )


LINUX_ONLY = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the launcher checks Linux libraries"
)


@LINUX_ONLY
def test_missing_qt_platform_plugins_give_a_plain_message_not_a_core_dump(tmp_path: Path):
    empty = tmp_path / "no-plugins"
    empty.mkdir()
    done = _launch(tmp_path, DISPLAY=":99", QT_QPA_PLATFORM_PLUGIN_PATH=str(empty))
    assert done.returncode == 3  # a plain refusal, not a signal (negative) or Qt's abort (134)
    assert "platform plugin is not in" in done.stderr
    assert "reinstall Consortium" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "home").exists() or not list((tmp_path / "home").glob("*.consortium"))


@LINUX_ONLY
def test_a_missing_system_library_is_named_with_the_command_that_installs_it(tmp_path: Path):
    done = _launch(tmp_path, DISPLAY=":99", **{preflight.SIMULATE_MISSING: "libxcb-cursor.so.0"})
    assert done.returncode == 3
    first = done.stderr.splitlines()[0]
    # Other libraries this machine lacks are named too (rightly): check ours is among them.
    named, _, command = first.partition("; install ")
    assert "missing libxcb-cursor" in named and "libxcb-cursor.so.0" in named
    if preflight.distro_family() == "debian":
        head, _, packages = command.partition("sudo apt-get install ")
        assert head in ("it with: ", "them with: ")
        assert "libxcb-cursor0" in packages.split()
    assert "Traceback" not in done.stderr


@LINUX_ONLY
def test_no_display_says_so(tmp_path: Path):
    done = _launch(tmp_path)
    assert done.returncode == 3
    assert "no graphical display" in done.stderr
    assert "start Consortium from the desktop" in done.stderr


def test_headless_platforms_need_no_display():
    assert preflight.gui_problems({"QT_QPA_PLATFORM": "offscreen"}, "linux") == []
    assert preflight.gui_problems({}, "win32") == []
    assert preflight.gui_problems({}, "darwin") == []


@pytest.mark.parametrize(
    ("os_release", "family", "command"),
    [
        ('ID=ubuntu\nID_LIKE=debian\nVERSION_ID="24.04"', "debian", "sudo apt-get install"),
        ('ID="linuxmint"\nID_LIKE="ubuntu debian"', "debian", "sudo apt-get install"),
        ("ID=fedora\nVERSION_ID=41", "fedora", "sudo dnf install"),
        ("ID=arch", "arch", "sudo pacman -S"),
        ('ID="opensuse-tumbleweed"\nID_LIKE="opensuse suse"', "suse", "sudo zypper install"),
    ],
)
def test_distribution_package_names(os_release: str, family: str, command: str):
    assert preflight.distro_family(os_release) == family
    problems = [
        preflight.Problem(
            "libxcb-cursor.so.0",
            "missing",
            packages=(preflight.package_for("libxcb-cursor.so.0", family),),
        ),
        preflight.Problem(
            "libxkbcommon-x11.so.0",
            "missing",
            packages=(preflight.package_for("libxkbcommon-x11.so.0", family),),
        ),
    ]
    text = preflight.advice(problems, family)
    assert text.startswith(
        "Consortium cannot open its window because this computer is missing "
        "libxcb-cursor.so.0, libxkbcommon-x11.so.0; install them with: " + command
    )
    assert {"debian": "libxcb-cursor0", "fedora": "xcb-util-cursor"}.get(family, "") in text


def test_unknown_library_on_unknown_system_still_says_what_to_do():
    text = preflight.advice([preflight.Problem("libfoo.so.9", "missing")], family="")
    assert "missing libfoo.so.9" in text
    assert "package manager" in text


def test_ldd_output_is_read_for_every_missing_library(monkeypatch, tmp_path: Path):
    out = (
        "\tlinux-vdso.so.1 (0x00007ffd)\n"
        "\tlibQt6XcbQpa.so.6 => /opt/Qt/lib/libQt6XcbQpa.so.6 (0x0000)\n"
        "\tlibxcb-cursor.so.0 => not found\n"
        "\tlibxkbcommon-x11.so.0 => not found\n"
    )
    monkeypatch.setattr(
        preflight.subprocess,
        "run",
        lambda *a, **k: subprocess.CompletedProcess(a, 0, stdout=out, stderr=""),
    )
    monkeypatch.delenv(preflight.SIMULATE_MISSING, raising=False)
    assert preflight.missing_libraries(tmp_path / "libqxcb.so") == [
        "libxcb-cursor.so.0",
        "libxkbcommon-x11.so.0",
    ]


# ------------------------------------------------------------------------------------- doctor
def _by_name(checks: list[doctor.Check]) -> dict[str, doctor.Check]:
    return {c.name: c for c in checks}


def test_doctor_on_this_machine_is_all_ok(memory_keyring, capsys):
    checks = _by_name(doctor.run_checks())
    for name in (
        "Python",
        "Qt (PySide6)",
        "Window libraries",  # offscreen, as the tests run
        "SQLite with full-text search",
        "Keyring for signing keys",
        "Free disk space",
        "Workspace folder",
    ):
        assert checks[name].ok, (name, checks[name].detail)
    if doctor._find_libreoffice() is None:
        pytest.skip("LibreOffice is not installed here (.ci/run installs it)")
    assert checks["LibreOffice (PDF export)"].ok
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"Consortium {consortium.__version__}"
    assert "All required checks passed." in out
    assert "missing" not in out


def test_doctor_reports_a_missing_keyring_and_no_libreoffice_with_their_fixes(
    monkeypatch, tmp_path: Path, capsys
):
    import keyring
    import keyring.backends.fail

    before = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice anywhere on PATH
    try:
        checks = _by_name(doctor.run_checks())
        assert main(["doctor", "--json"]) == 0  # both optional: the app still works
    finally:
        keyring.set_keyring(before)
    ring = checks["Keyring for signing keys"]
    assert (ring.ok, ring.status) == (False, "optional")
    assert "passphrase-protected key file" in ring.fix
    office = checks["LibreOffice (PDF export)"]
    assert (office.ok, office.status) == (False, "optional")
    assert "libreoffice.org" in office.fix
    data = json.loads(capsys.readouterr().out)
    statuses = {c["name"]: c["status"] for c in data["checks"]}
    assert statuses["Keyring for signing keys"] == "optional"
    assert statuses["LibreOffice (PDF export)"] == "optional"
    assert data["version"] == consortium.__version__


def test_doctor_fails_when_the_window_cannot_open(monkeypatch, capsys):
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    if not sys.platform.startswith("linux"):
        pytest.skip("the display check is for Linux")
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "missing  Window libraries" in out
    assert "fix: Start Consortium from the desktop" in out


def test_version_matches_the_package_metadata():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert consortium.__version__ == meta["project"]["version"]


def test_the_window_has_the_app_icon_and_name(main_window):
    from PySide6.QtWidgets import QApplication

    from ui.app import app_icon, make_app

    make_app()
    assert not QApplication.windowIcon().isNull()
    assert not app_icon().pixmap(64, 64).isNull()
    assert main_window.windowTitle().endswith("— Consortium")


def test_opening_the_window_skips_building_every_command(monkeypatch):
    from consortium import cli

    opened = []
    monkeypatch.setattr(cli, "_open_window", lambda path: opened.append(path) or 0)
    monkeypatch.setattr(cli, "build_parser", lambda: pytest.fail("the full parser was built"))
    assert cli.main([]) == 0
    assert cli.main(["--workspace", "a.consortium"]) == 0
    assert cli.main(["--workspace=b.consortium"]) == 0
    assert opened == [None, "a.consortium", "b.consortium"]


def test_commands_and_help_still_use_the_full_parser(capsys):
    from consortium import cli

    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "doctor" in capsys.readouterr().out
    assert cli._window_only(["--workspace", "x", "partners", "list"]) is False


HEAVY = ("scipy", "openpyxl", "docx", "docxtpl", "highspy", "httpx", "keyring", "ocdsmerge")


def test_the_window_opens_without_loading_the_heavy_libraries(demo_file, tmp_path):
    """Start-up time: scipy, openpyxl, python-docx, HiGHS, httpx, keyring and ocdsmerge load
    when the area that needs them is first used, not when the window opens."""
    script = (
        "import os, sys\n"
        "os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from ui.app import make_app\n"
        "app = make_app()\n"
        "from consortium.workspace import Workspace\n"
        "from ui.mainwindow import MainWindow\n"
        f"win = MainWindow(Workspace.open({str(demo_file)!r}))\n"
        "win.show(); app.processEvents()\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
        "win.close()\n"
    )
    env = dict(os.environ, CONSORTIUM_HOME=str(tmp_path / "home"))
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_doctor_refuses_an_sqlite_too_old_to_bring_workspaces_up_to_date(monkeypatch):
    """Migration tenders_stored_once drops columns (SQLite 3.35 or newer): on an older SQLite
    the doctor says so and what to do, before a workspace fails to open."""
    monkeypatch.setattr(doctor.sqlite3, "sqlite_version_info", (3, 31, 1))
    monkeypatch.setattr(doctor.sqlite3, "sqlite_version", "3.31.1")
    check = _by_name(doctor.run_checks())["SQLite with full-text search"]
    assert not check.ok
    assert "3.31.1 is older than 3.35" in check.detail
    assert "python.org" in check.fix
