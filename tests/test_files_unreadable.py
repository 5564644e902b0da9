"""A file the user cannot read is said to be unreadable, not damaged, by every importer."""

from __future__ import annotations

import builtins
from pathlib import Path

import pytest

from consortium import files
from consortium.bids.questions import QuestionnaireError, read_questionnaire
from consortium.packs.pack import PackError, open_zip
from consortium.tenders.importer import import_paths
from consortium.tenders.ocds_reader import TenderFileError
from tests.conftest import dump


@pytest.fixture
def locked(tmp_path, monkeypatch):
    """Files that exist but cannot be opened (as chmod 000 does; the tests may run as root,
    who can read anything, so opening them is refused here instead)."""
    shut: set[Path] = set()
    real = builtins.open

    def refusing(file, *args, **kwargs):
        if Path(str(file)) in shut:
            raise PermissionError(13, "Permission denied", str(file))
        return real(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", refusing)

    def lock(name: str, data: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        shut.add(path)
        return path

    return lock


def test_a_file_locked_away_is_named_as_such_not_as_damaged(locked, empty_ws):
    notices = locked("notices.json", b'{"releases": []}')
    before = dump(empty_ws)
    with pytest.raises(TenderFileError, match="you do not have permission to read it") as got:
        import_paths(empty_ws, [notices])
    assert "damaged" not in str(got.value) and dump(empty_ws) == before
    with pytest.raises(PackError, match="you do not have permission"):
        open_zip(locked("bid.cbpack", b"PK\x03\x04"))
    sheet = locked("questions.xlsx", b"PK\x03\x04")
    with pytest.raises(QuestionnaireError, match="you do not have permission"):
        read_questionnaire(sheet)


def test_a_folder_given_as_a_file_is_named_a_folder(tmp_path):
    assert (
        files.cannot_open(tmp_path)
        == f"{tmp_path} is a folder, not a file: choose the file itself."
    )
    with pytest.raises(PackError, match="is a folder, not a file"):
        open_zip(tmp_path)
