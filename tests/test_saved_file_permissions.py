"""Documents the app saves can be read by whoever could read any other new file in that folder:
the temporary file they are written to first is private (owner only), and once renamed it kept
that, so a bid document or export saved to a shared folder could not be opened by a colleague."""

from __future__ import annotations

import datetime as dt
import os
import stat
import sys
from pathlib import Path

import pytest

from consortium.files import atomic_save
from consortium.tenders.pipeline import Pipeline
from consortium.tenders.pipeline_xlsx import export_xlsx

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_a_new_file_gets_the_usual_permissions(tmp_path, umask_022):
    made = atomic_save(
        lambda tmp: Path(tmp).write_text("hello", encoding="utf-8"), tmp_path / "a.txt"
    )
    assert mode_of(made) == 0o644
    sheet = export_xlsx(Pipeline(dt.date(2026, 12, 1), dt.date(2028, 12, 1)), tmp_path / "p.xlsx")
    assert mode_of(sheet) == 0o644


def test_a_replaced_file_keeps_its_own(tmp_path, umask_022):
    path = tmp_path / "shared.docx"
    path.write_bytes(b"old")
    path.chmod(0o664)  # a team folder's group may write
    atomic_save(lambda tmp: Path(tmp).write_bytes(b"new"), path)
    assert path.read_bytes() == b"new" and mode_of(path) == 0o664
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shared.docx"]


def test_a_signed_pack_is_readable_too(tmp_path, umask_022):
    from consortium.packs.pack import write_signed_zip

    out = write_signed_zip(tmp_path / "bid.cbpack", b"{}", b"sig", [("a.txt", b"x")])
    assert mode_of(out) == 0o644
