"""Checks made before Qt is loaded, so a first start never ends in a core dump.

Qt aborts the whole process (``qFatal``) when its platform plugin cannot load, and its message
names the plugin, not the missing library. This module finds out first, without loading Qt:

    problems = preflight.gui_problems()
    if problems:
        print(preflight.advice(problems))   # one plain sentence with the install command

It reads the platform plugin's dependencies with ``ldd`` (every library it would load, however
deep) and maps the missing ones to this distribution's package names.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

# Platforms that draw nowhere a person can see: they need no display.
HEADLESS_PLATFORMS = {"offscreen", "minimal", "vnc", "eglfs", "linuxfb"}

# Test hook: names of libraries to treat as missing (comma-separated). Lets a test see the
# launcher's refusal on a machine that has every library.
SIMULATE_MISSING = "CONSORTIUM_SIMULATE_MISSING_LIBS"

# soname -> (Debian/Ubuntu, Fedora, Arch, openSUSE) package names.
_PACKAGES: dict[str, tuple[str, str, str, str]] = {
    "libxcb-cursor.so.0": (
        "libxcb-cursor0",
        "xcb-util-cursor",
        "xcb-util-cursor",
        "libxcb-cursor0",
    ),
    "libxkbcommon-x11.so.0": (
        "libxkbcommon-x11-0",
        "libxkbcommon-x11",
        "libxkbcommon-x11",
        "libxkbcommon-x11-0",
    ),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon", "libxkbcommon", "libxkbcommon0"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm", "xcb-util-wm", "libxcb-icccm4"),
    "libxcb-keysyms.so.1": (
        "libxcb-keysyms1",
        "xcb-util-keysyms",
        "xcb-util-keysyms",
        "libxcb-keysyms1",
    ),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image", "xcb-util-image", "libxcb-image0"),
    "libxcb-render-util.so.0": (
        "libxcb-render-util0",
        "xcb-util-renderutil",
        "xcb-util-renderutil",
        "libxcb-render-util0",
    ),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util", "xcb-util", "libxcb-util1"),
    "libxcb.so.1": ("libxcb1", "libxcb", "libxcb", "libxcb1"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb", "libx11", "libX11-xcb1"),
    "libX11.so.6": ("libx11-6", "libX11", "libx11", "libX11-6"),
    "libSM.so.6": ("libsm6", "libSM", "libsm", "libSM6"),
    "libICE.so.6": ("libice6", "libICE", "libice", "libICE6"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl", "libglvnd", "libEGL1"),
    "libGL.so.1": ("libgl1", "libglvnd-glx", "libglvnd", "libGL1"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl", "libglvnd", "libOpenGL0"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx", "libglvnd", "libGLX0"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig", "fontconfig", "libfontconfig1"),
    "libfreetype.so.6": ("libfreetype6", "freetype", "freetype2", "libfreetype6"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs", "dbus", "libdbus-1-3"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2", "glib2", "libglib-2_0-0"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2", "glib2", "libgthread-2_0-0"),
    "libgobject-2.0.so.0": ("libglib2.0-0", "glib2", "glib2", "libgobject-2_0-0"),
    "libwayland-client.so.0": (
        "libwayland-client0",
        "libwayland-client",
        "wayland",
        "libwayland-client0",
    ),
    "libwayland-cursor.so.0": (
        "libwayland-cursor0",
        "libwayland-cursor",
        "wayland",
        "libwayland-cursor0",
    ),
    "libwayland-egl.so.1": ("libwayland-egl1", "libwayland-egl", "wayland", "libwayland-egl1"),
}
# Debian splits libxcb into one package per extension; the others ship them in libxcb.
for _ext in ("randr", "shape", "xinerama", "xkb", "shm", "sync", "xfixes", "render", "glx"):
    _PACKAGES[f"libxcb-{_ext}.so.0"] = (f"libxcb-{_ext}0", "libxcb", "libxcb", f"libxcb-{_ext}0")
_PACKAGES["libxcb-xkb.so.1"] = ("libxcb-xkb1", "libxcb", "libxcb", "libxcb-xkb1")
_PACKAGES["libxcb-sync.so.1"] = ("libxcb-sync1", "libxcb", "libxcb", "libxcb-sync1")

# family -> (column in _PACKAGES, install command)
_FAMILIES = {
    "debian": (0, "sudo apt-get install"),
    "fedora": (1, "sudo dnf install"),
    "arch": (2, "sudo pacman -S"),
    "suse": (3, "sudo zypper install"),
}


@dataclasses.dataclass(frozen=True)
class Problem:
    """One reason the window cannot open, with what fixes it."""

    what: str  # e.g. "libxcb-cursor.so.0", "display"
    detail: str  # what is wrong, in plain words
    fix: str = ""  # what to do, when it is not a package to install
    packages: tuple[str, ...] = ()  # distribution packages that supply it, if known


def distro_family(os_release: str | None = None) -> str:
    """'debian', 'fedora', 'arch', 'suse' or '' read from /etc/os-release."""
    if os_release is None:
        try:
            os_release = Path("/etc/os-release").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
    fields = {}
    for line in os_release.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            fields[key.strip()] = value.strip().strip('"').lower()
    names = " ".join([fields.get("ID", ""), fields.get("ID_LIKE", "")]).split()
    for family, markers in (
        ("debian", ("debian", "ubuntu", "linuxmint", "pop", "raspbian")),
        ("fedora", ("fedora", "rhel", "centos", "rocky", "almalinux")),
        ("arch", ("arch", "manjaro", "endeavouros")),
        ("suse", ("suse", "opensuse", "opensuse-leap", "opensuse-tumbleweed", "sles")),
    ):
        if any(name in markers for name in names):
            return family
    return ""


def package_for(soname: str, family: str) -> str | None:
    row = _PACKAGES.get(soname)
    if row is None or family not in _FAMILIES:
        return None
    return row[_FAMILIES[family][0]]


def qt_plugin_dir() -> Path | None:
    """PySide6's Qt plugin folder, found without importing Qt."""
    override = os.environ.get("QT_QPA_PLATFORM_PLUGIN_PATH")
    if override is not None:
        # Qt looks for platforms in this folder itself (not a 'platforms' subfolder).
        return Path(override)
    try:
        spec = importlib.util.find_spec("PySide6")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        plugins = Path(location) / "Qt" / "plugins" / "platforms"
        if plugins.is_dir():
            return plugins
    return None


def chosen_platform(env: Mapping[str, str]) -> str:
    """The Qt platform plugin Qt will try first on Linux."""
    asked = env.get("QT_QPA_PLATFORM", "").split(":", 1)[0].split(";", 1)[0].strip()
    if asked:
        return asked
    if env.get("WAYLAND_DISPLAY") and not env.get("DISPLAY"):
        return "wayland"
    return "xcb"


def missing_libraries(library: Path) -> list[str]:
    """Sonames ``library`` needs that the dynamic loader cannot find (via ldd)."""
    ldd = shutil.which("ldd")
    missing: list[str] = []
    if ldd:
        try:
            out = subprocess.run(
                [ldd, str(library)], capture_output=True, text=True, timeout=20, check=False
            ).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        for line in out.splitlines():
            name, _, where = line.strip().partition("=>")
            if "not found" in where:
                missing.append(name.strip())
    simulated = [s.strip() for s in os.environ.get(SIMULATE_MISSING, "").split(",") if s.strip()]
    return sorted(set(missing) | set(simulated))


def gui_problems(
    env: Mapping[str, str] | None = None, platform: str | None = None
) -> list[Problem]:
    """Why the window could not open here, or [] when it should."""
    env = os.environ if env is None else env
    platform = platform or sys.platform
    if not platform.startswith("linux"):
        return []  # the Qt wheels for Windows and macOS carry everything they load
    family = distro_family()
    name = chosen_platform(env)
    problems: list[Problem] = []
    if name not in HEADLESS_PLATFORMS and not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        problems.append(
            Problem(
                "display",
                "there is no graphical display (neither DISPLAY nor WAYLAND_DISPLAY is set)",
                "start Consortium from the desktop, not from a text-only login or SSH session",
            )
        )
        return problems
    plugins = qt_plugin_dir()
    plugin = plugins / f"libq{name}.so" if plugins else None
    if plugin is None or not plugin.is_file():
        where = str(plugins) if plugins else "the PySide6 package"
        problems.append(
            Problem(
                f"libq{name}.so",
                f"Qt's '{name}' platform plugin is not in {where}",
                "reinstall Consortium (or run 'pip install --force-reinstall PySide6-Essentials' "
                "in its environment)",
            )
        )
        return problems
    for soname in missing_libraries(plugin):
        package = package_for(soname, family)
        problems.append(
            Problem(
                soname,
                f"the system library {soname} is missing",
                packages=(package,) if package else (),
            )
        )
    return problems


def install_command(problems: list[Problem], family: str | None = None) -> str:
    family = distro_family() if family is None else family
    packages = sorted({p for problem in problems for p in problem.packages})
    if not packages or family not in _FAMILIES:
        return ""
    return f"{_FAMILIES[family][1]} {' '.join(packages)}"


def advice(problems: list[Problem], family: str | None = None) -> str:
    """One plain sentence: what is missing and the exact command that fixes it."""
    family = distro_family() if family is None else family
    libraries = [p for p in problems if p.what.endswith(".so") or ".so." in p.what]
    libraries = [p for p in libraries if not p.what.startswith("libq")]
    if not libraries:
        return (
            "Consortium cannot open its window because "
            + "; and ".join(f"{p.detail}: {p.fix}" if p.fix else p.detail for p in problems)
            + "."
        )
    names = ", ".join(p.what for p in libraries)
    command = install_command(libraries, family)
    if command:
        return (
            f"Consortium cannot open its window because this computer is missing {names}; "
            f"install {'it' if len(libraries) == 1 else 'them'} with: {command}"
        )
    return (
        f"Consortium cannot open its window because this computer is missing {names}; install "
        "the package that provides "
        + ("it" if len(libraries) == 1 else "each")
        + " with your system's package manager."
    )


def show_desktop_message(text: str, env: Mapping[str, str] | None = None) -> bool:
    """Show ``text`` with whatever desktop dialog tool is there (Qt itself cannot load).

    Returns True when a tool was started. Only with a display; never raises.
    """
    env = os.environ if env is None else env
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")) or env.get("CONSORTIUM_NO_DIALOG"):
        return False
    for command in (
        ["zenity", "--error", "--title=Consortium", "--no-markup", f"--text={text}"],
        ["kdialog", "--title", "Consortium", "--error", text],
        ["notify-send", "--urgency=critical", "Consortium", text],
        ["xmessage", "-center", text],
    ):
        if shutil.which(command[0]):
            try:
                subprocess.run(command, timeout=600, check=False)
            except (OSError, subprocess.SubprocessError):
                continue
            return True
    return False
