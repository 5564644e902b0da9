"""``consortium doctor``: is this computer ready to run Consortium, and what fixes it if not.

    for check in doctor.run_checks():
        print(check.status, check.name, check.detail, check.fix)

Each check is a small function returning a :class:`Check`; none of them loads Qt's GUI (the
window's own libraries are checked by :mod:`consortium.preflight`, exactly as the launcher does).
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import importlib.util
import shutil
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

from consortium import __version__, home, preflight
from consortium.formatting import plural

FREE_DISK_WANTED = 500 * 1024 * 1024  # a year of tenders plus documents fits comfortably


@dataclasses.dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True  # False: the app works without it, with one feature less

    @property
    def status(self) -> str:
        if self.ok:
            return "ok"
        return "missing" if self.required else "optional"

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "status": self.status,
            "ok": self.ok,
            "required": self.required,
            "detail": self.detail,
            "fix": self.fix,
        }


def check_python() -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    ok = sys.version_info >= (3, 11)
    return Check(
        "Python",
        ok,
        f"Python {version}" + ("" if ok else " (Consortium needs 3.11 or newer)"),
        ""
        if ok
        else "Install Python 3.11 or newer, or use the packaged app from the Download "
        "section of the README.",
    )


def check_qt() -> Check:
    spec = importlib.util.find_spec("PySide6")
    if spec is None:
        return Check(
            "Qt (PySide6)",
            False,
            "PySide6 is not installed",
            "Install the app's dependencies: pip install PySide6-Essentials",
        )
    # The version comes from the package's metadata: the core never imports Qt (the window's
    # own libraries are checked by the "Window libraries" check, as the launcher does).
    version = None
    for dist in ("PySide6-Essentials", "PySide6"):
        try:
            version = importlib.metadata.version(dist)
            break
        except importlib.metadata.PackageNotFoundError:
            continue
    if version is None:
        return Check(
            "Qt (PySide6)", False, "PySide6 is there but its package metadata is not",
            _reinstall_qt(),
        )  # fmt: skip
    return Check("Qt (PySide6)", True, f"PySide6 {version}")


def _reinstall_qt() -> str:
    return "Reinstall it: pip install --force-reinstall PySide6-Essentials"


def check_window_libraries() -> Check:
    problems = preflight.gui_problems()
    if not problems:
        return Check("Window libraries", True, "the display and Qt's platform libraries are there")
    command = preflight.install_command(problems)
    fixes = [p.fix[:1].upper() + p.fix[1:] + "." for p in problems if p.fix]
    if command:
        fixes.append(f"Run: {command}")
    elif any(p.packages == () and not p.fix for p in problems):
        fixes.append("Install the packages that provide them with your system's package manager.")
    return Check("Window libraries", False, "; ".join(p.detail for p in problems), " ".join(fixes))


SQLITE_AT_LEAST = (3, 35, 0)  # ALTER TABLE … DROP COLUMN (migration tenders_stored_once)


def check_sqlite() -> Check:
    version = sqlite3.sqlite_version
    if sqlite3.sqlite_version_info < SQLITE_AT_LEAST:
        return Check(
            "SQLite with full-text search",
            False,
            f"SQLite {version} is older than 3.35, which bringing a workspace up to date needs",
            "Use a Python built with a current SQLite (python.org builds have it), or the "
            "packaged app.",
        )
    try:
        conn = sqlite3.connect(":memory:")
        try:
            conn.execute("CREATE VIRTUAL TABLE t USING fts5(x)")
        finally:
            conn.close()
    except sqlite3.Error:
        return Check(
            "SQLite with full-text search",
            False,
            f"SQLite {version} has no FTS5, which tender search needs",
            "Use a Python built with a current SQLite (python.org builds have it), or the "
            "packaged app.",
        )
    return Check("SQLite with full-text search", True, f"SQLite {version} with FTS5")


def check_keyring() -> Check:
    from consortium import secrets

    backend = secrets.backend_name()
    if secrets.keyring_available():
        return Check("Keyring for signing keys", True, f"keyring backend {backend}")
    return Check(
        "Keyring for signing keys",
        False,
        f"no usable keyring (backend: {backend})",
        "Signing still works with a passphrase-protected key file (File > Signing key). To keep "
        "the key in the system keyring, install and unlock one: GNOME Keyring "
        "(sudo apt-get install gnome-keyring) or KWallet.",
        required=False,
    )


def check_libreoffice() -> Check:
    found = _find_libreoffice()
    if found:
        return Check("LibreOffice (PDF export)", True, f"found {found}")
    return Check(
        "LibreOffice (PDF export)",
        False,
        "LibreOffice is not installed, so documents cannot be turned into PDF here",
        "Install LibreOffice from libreoffice.org (Linux: sudo apt-get install "
        "libreoffice-writer libreoffice-calc). Word and Excel files are still written.",
        required=False,
    )


def _find_libreoffice() -> str | None:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in (
        Path("/Applications/LibreOffice.app/Contents/MacOS/soffice"),
        Path("C:/Program Files/LibreOffice/program/soffice.exe"),
    ):
        if candidate.is_file():
            return str(candidate)
    return None


def check_disk() -> Check:
    folder = home.home_dir()
    free = shutil.disk_usage(folder).free
    ok = free >= FREE_DISK_WANTED
    return Check(
        "Free disk space",
        ok,
        f"{free / 1024**3:,.1f} GB free in {folder}",
        "" if ok else "Free at least 500 MB: tenders, backups and documents need room.",
    )


def check_workspace_folder() -> Check:
    folder = home.home_dir()
    probe = folder / ".doctor-write-test"
    try:
        probe.write_text("ok", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        return Check(
            "Workspace folder",
            False,
            f"cannot write in {folder}: {exc.strerror or exc}",
            "Give your user write access to that folder, or set CONSORTIUM_HOME to a folder "
            "you can write to.",
        )
    return Check("Workspace folder", True, f"{folder} is writable")


CHECKS: tuple[Callable[[], Check], ...] = (
    check_python,
    check_qt,
    check_window_libraries,
    check_sqlite,
    check_keyring,
    check_libreoffice,
    check_disk,
    check_workspace_folder,
)


def run_checks() -> list[Check]:
    results = []
    for check in CHECKS:
        try:
            results.append(check())
        except Exception as exc:  # a check that breaks is itself a finding, not a crash
            results.append(
                Check(check.__name__.removeprefix("check_"), False, f"check failed: {exc}")
            )
    return results


def report(checks: list[Check]) -> str:
    width = max(len(c.name) for c in checks)
    lines = [f"Consortium {__version__}"]
    for c in checks:
        lines.append(f"  {c.status:<8} {c.name:<{width}}  {c.detail}")
        if c.fix:
            lines.append(f"  {'':<8} {'':<{width}}  fix: {c.fix}")
    missing = [c for c in checks if not c.ok and c.required]
    lines.append(
        "All required checks passed."
        if not missing
        else f"{plural(len(missing), 'required check')} failed."
    )
    return "\n".join(lines)
