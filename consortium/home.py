"""Where the app keeps its own files: the data folder, settings, and the demo workspace.

``CONSORTIUM_HOME`` overrides the folder (tests use it so they never touch a real profile).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import platformdirs

from consortium import jsonfile

DEMO_NAME = "Demo workspace.consortium"


def home_dir() -> Path:
    override = os.environ.get("CONSORTIUM_HOME")
    folder = (
        Path(override).expanduser()
        if override
        else Path(platformdirs.user_data_dir("Consortium", appauthor=False))
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _settings_file() -> Path:
    return home_dir() / "settings.json"


def load_settings() -> dict:
    try:
        data = jsonfile.read(_settings_file())
    except (OSError, ValueError):
        return {}  # missing or damaged settings are not worth stopping the app for
    return data if isinstance(data, dict) else {}


def save_settings(settings: dict) -> None:
    target = _settings_file()
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(settings, indent=2), encoding="utf-8")
    tmp.replace(target)


def remember_workspace(path: Path) -> None:
    settings = load_settings()
    settings["last_workspace"] = str(Path(path).resolve())
    recent = [p for p in settings.get("recent", []) if p != settings["last_workspace"]]
    settings["recent"] = [settings["last_workspace"], *recent][:8]
    save_settings(settings)


def demo_path() -> Path:
    return home_dir() / DEMO_NAME


def default_workspace() -> tuple[Path, bool]:
    """(path, is_new_demo): the last workspace used, else the demo one (made if missing)."""
    last = load_settings().get("last_workspace")
    if last and Path(last).is_file():
        return Path(last), False
    path = demo_path()
    return path, not path.exists()
