"""Writing files so that a failure never leaves a half-written document behind, and saying why
a file given to the app cannot be opened at all."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_save(save: Callable[[str], object], path: str | Path) -> Path:
    """Write with ``save(tmp)`` to a temporary file beside ``path``, then rename it over
    ``path``: readers see the old file or the whole new one, never a partial one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        save(tmp)
        _readable_as_usual(tmp, path)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _readable_as_usual(tmp: str, path: Path) -> None:
    """Give ``tmp`` the permissions of the file it replaces, or else those a new file gets.

    mkstemp makes its file private (owner only): every bid document, export and pack saved
    through it could not be opened by a colleague from a shared folder."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:  # a new file
        mask = os.umask(0o022)  # reading the umask means setting it: put straight back
        os.umask(mask)
        mode = 0o666 & ~mask
    # A file system without permissions (FAT on a memory stick) keeps what it gives.
    with contextlib.suppress(OSError):
        os.chmod(tmp, mode)


def cannot_open(path: str | Path) -> str | None:
    """Why the user's file cannot be opened for reading, in words ("… cannot be opened: you do
    not have permission to read it …"), or None when it can. Asked before an importer reads it,
    so that a file locked away is never reported as damaged."""
    path = Path(path)
    try:
        with open(path, "rb"):
            return None
    except PermissionError:
        return (
            f"{path.name} cannot be opened: you do not have permission to read it. Check the "
            "file's permissions (or copy it into your own folder), then try again."
        )
    except IsADirectoryError:
        return f"{path} is a folder, not a file: choose the file itself."
    except FileNotFoundError:
        return f"There is no file at {path}. Check the name and try again."
    except OSError as exc:
        return f"{path.name} cannot be opened ({exc.strerror or exc}). Try again, or copy it first."
