"""Daily backups as shared, compressed pieces: a second day stores only what changed, every
backup restores byte for byte to an openable workspace, damage is found and named, rotation
deletes only what no backup left needs."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from consortium import backup_store
from consortium.backup_store import PIECE, BackupError
from consortium.partners import store
from consortium.progress import Cancelled
from consortium.records import Organisation
from consortium.workspace import Workspace


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(ws: Workspace, path: Path) -> Path:
    """What the daily backup keeps: SQLite's backup API copy of the workspace."""
    return ws.backup_to(path)


def grow(ws: Workspace, n: int, tag: str) -> None:
    """Partners enough to give the file many pages (with text that does not compress away)."""
    for i in range(n):
        words = hashlib.sha256(f"{tag}{i}".encode()).hexdigest() * 20
        store.save(ws, Organisation(name=f"{tag} partner {i}", services=words))


@pytest.fixture
def big(demo_file):
    with Workspace.open(demo_file, backup=False) as ws:
        grow(ws, 400, "base")
    return demo_file


def test_a_second_day_stores_only_what_changed(big, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    with Workspace.open(big, backup=False) as ws:
        day1 = snapshot(ws, tmp_path / "day1.consortium")
        first = backup_store.save(folder, day1, "daily-2026-11-30")
        grow(ws, 3, "day two")  # a day's small change
        day2 = snapshot(ws, tmp_path / "day2.consortium")
        second = backup_store.save(folder, day2, "daily-2026-12-01")
    one, two = (json.loads(b.path.read_text()) for b in (first, second))
    # The first time, all of it (less pieces met twice in the file, blank pages say).
    assert day1.stat().st_size / 2 < one["new_bytes"] <= day1.stat().st_size
    assert day1.stat().st_size > 40 * PIECE
    assert 0 < two["new_bytes"] < day2.stat().st_size / 4  # the second: what changed
    stored = backup_store.stored_bytes(folder)
    assert stored < day1.stat().st_size + day2.stat().st_size / 4
    # Each restores to exactly the copy it was made from, and opens.
    for backup, copy in ((first, day1), (second, day2)):
        out = backup_store.restore(backup, tmp_path / f"back-{backup.name}.consortium")
        assert sha(out) == sha(copy)
    with Workspace.open(tmp_path / "back-daily-2026-12-01.consortium", backup=False) as ws:
        assert set(store.names(ws.db)) >= {"day two partner 2"}
    with Workspace.open(tmp_path / "back-daily-2026-11-30.consortium", backup=False) as ws:
        assert "day two partner 2" not in set(store.names(ws.db))


def test_a_damaged_piece_is_found_and_named_and_nothing_is_restored(big, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    with Workspace.open(big, backup=False) as ws:
        backup = backup_store.save(folder, snapshot(ws, tmp_path / "s.consortium"), "daily-x")
    digests = json.loads(backup.path.read_text())["pieces"]
    piece = folder / "pieces" / digests[3][:2] / f"{digests[3]}.zst"
    # Another valid piece in its place: it decompresses, but is not what was backed up.
    other = folder / "pieces" / digests[0][:2] / f"{digests[0]}.zst"
    if digests[0] != digests[3]:
        shutil.copyfile(other, piece)
    else:
        piece.write_bytes(b"not zstd")
    dest = tmp_path / "restored.consortium"
    with pytest.raises(BackupError, match=r"The backup daily-x is damaged: its piece"):
        backup_store.restore(backup, dest)
    assert not dest.exists() and not list(tmp_path.glob("restored*"))
    piece.unlink()
    with pytest.raises(BackupError, match=r"is incomplete: its piece .* is missing"):
        backup_store.restore(backup, dest)
    assert not dest.exists()
    # A piece that says it holds gigabytes is refused before it is decompressed.
    import zstandard

    bomb = zstandard.ZstdCompressor(level=19).compress(bytes(2**28))  # 256 MB of zeros
    assert len(bomb) < PIECE
    piece.write_bytes(bomb)
    with pytest.raises(BackupError, match=r"cannot be read \(it says it holds 268,435,456"):
        backup_store.restore(backup, dest)
    assert not dest.exists() and not list(tmp_path.glob("restored*"))


def test_a_tampered_list_is_refused_before_any_file_is_read(big, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    with Workspace.open(big, backup=False) as ws:
        backup = backup_store.save(folder, snapshot(ws, tmp_path / "s.consortium"), "daily-x")
    listing = json.loads(backup.path.read_text())
    listing["pieces"][0] = "../../s.consortium"
    backup.path.write_text(json.dumps(listing))
    with pytest.raises(BackupError, match="cannot be read .*not named by its hash"):
        backup_store.restore(backup, tmp_path / "restored.consortium")
    assert backup_store.backups(folder) == []  # and it is not offered
    backup.path.write_text("{not json")
    assert backup_store.backups(folder) == []
    # Each promise a restore relies on is checked before a piece is read.
    good = json.loads(json.dumps(listing))
    good["pieces"][0] = good["pieces"][1]
    for change, said in (
        (lambda d: d.update(made="2026-12-01T09:00:00"), "its date has no time zone"),
        (lambda d: d.pop("sha256"), "sha256"),
        (lambda d: d.update(size=d["size"] * 1000), "pieces for"),
        (lambda d: d.update(size=-1), "no size"),
    ):
        bad = json.loads(json.dumps(good))
        change(bad)
        backup.path.write_text(json.dumps(bad))
        assert backup_store.backups(folder) == []
        with pytest.raises(BackupError, match=said):
            backup_store.restore(backup, tmp_path / "restored.consortium")
        assert not list(tmp_path.glob("restored*"))


def test_a_restore_never_lands_on_a_file_or_beside_a_journal(big, tmp_path, monkeypatch):
    folder = tmp_path / "backups"
    folder.mkdir()
    with Workspace.open(big, backup=False) as ws:
        backup = backup_store.save(folder, snapshot(ws, tmp_path / "s.consortium"), "daily-x")
    dest = tmp_path / "restored.consortium"
    Path(f"{dest}-wal").write_bytes(b"a log SQLite would apply to the restored file")
    with pytest.raises(BackupError, match="restored.consortium-wal already exists"):
        backup_store.restore(backup, dest)
    Path(f"{dest}-wal").unlink()
    # A file that takes the name while the backup is being written back is left alone.
    real = backup_store._restore_pieces

    def meanwhile(*args):
        real(*args)
        dest.write_bytes(b"the user's own file, saved meanwhile")

    monkeypatch.setattr(backup_store, "_restore_pieces", meanwhile)
    with pytest.raises(BackupError, match="restored.consortium already exists"):
        backup_store.restore(backup, dest)
    assert dest.read_bytes() == b"the user's own file, saved meanwhile"
    assert [p.name for p in tmp_path.glob("restored*")] == ["restored.consortium"]


def test_cancel_while_restoring_leaves_no_file(big, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    with Workspace.open(big, backup=False) as ws:
        backup = backup_store.save(folder, snapshot(ws, tmp_path / "s.consortium"), "daily-x")
    calls = []
    with pytest.raises(Cancelled):
        backup_store.restore(
            backup, tmp_path / "r.consortium", cancelled=lambda: calls.append(1) or len(calls) > 5
        )
    assert not list(tmp_path.glob("r.consortium*"))


def test_rotation_deletes_what_no_backup_left_needs(big, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    made = []
    with Workspace.open(big, backup=False) as ws:
        ws.backup_to(folder / "daily-2026-11-01.consortium")  # a whole copy (older versions)
        ws.backup_to(folder / "before-migration-11-20261101-090000.consortium")  # kept apart
        for day in range(2, 6):
            grow(ws, 2, f"day {day}")
            copy = snapshot(ws, tmp_path / f"d{day}.consortium")
            made.append(backup_store.save(folder, copy, f"daily-2026-11-{day:02d}"))
    (folder / "daily-2026-11-06.snapshot").write_bytes(b"cut off")  # a backup never finished
    before = backup_store.stored_bytes(folder)
    backup_store.prune(folder, "daily-", 2, grace_s=0)
    left = sorted(b.name for b in backup_store.backups(folder))
    assert left == ["before-migration-11-20261101-090000", "daily-2026-11-04", "daily-2026-11-05"]
    assert not (folder / "daily-2026-11-06.snapshot").exists()
    assert backup_store.stored_bytes(folder) < before  # the first days' own pieces went
    for backup in made[2:]:  # what is left still restores, byte for byte
        out = backup_store.restore(backup, tmp_path / f"r-{backup.name}.consortium")
        assert sha(out) == sha(tmp_path / f"d{int(backup.name[-2:])}.consortium")
    # Within the grace, pieces another program's backup may be using are left alone.
    kept = backup_store.stored_bytes(folder)
    made[2].path.unlink()
    backup_store.prune(folder, "daily-", 2)
    assert backup_store.stored_bytes(folder) == kept
    # A list that cannot be read (locked, or written by a newer version) may name any piece:
    # then none is deleted, and the backups that can be read still restore.
    (folder / "daily-2026-11-09.backup").write_text('{"format": 2}')
    backup_store.prune(folder, "daily-", 7, grace_s=0)
    assert backup_store.stored_bytes(folder) == kept
    (folder / "daily-2026-11-09.backup").unlink()
    backup_store.prune(folder, "daily-", 7, grace_s=0)
    assert backup_store.stored_bytes(folder) < kept  # made[2]'s own pieces, now no list's
    out = backup_store.restore(made[3], tmp_path / "last.consortium")
    assert sha(out) == sha(tmp_path / "d5.consortium")


def test_a_plain_backup_restores_as_a_copy(demo_file, tmp_path):
    with Workspace.open(demo_file, backup=False) as ws:
        plain = ws.backup_to(tmp_path / "backups" / "manual-20261201-101500.consortium")
    (backup,) = backup_store.backups(tmp_path / "backups")
    assert not backup.pieced and backup.kind == "made by hand"
    out = backup_store.restore(backup, tmp_path / "restored.consortium")
    assert sha(out) == sha(plain)


def test_a_plain_copy_is_offered_and_restored_only_if_it_is_a_workspace(demo_file, tmp_path):
    import sqlite3

    folder = tmp_path / "backups"
    with Workspace.open(demo_file, backup=False) as ws:
        ws.backup_to(folder / "manual-20261201-101500.consortium")
    (folder / "manual-20261202-090000.consortium").write_bytes(b"")  # a copy cut off
    (folder / "notes.consortium").write_text("not a workspace\n")
    other = sqlite3.connect(folder / "photos.consortium")
    other.execute("CREATE TABLE photos (x)")
    other.commit()
    other.close()
    (folder / "blank.consortium").write_bytes(b"SQLite format 3\x00" + bytes(4080))
    assert [b.name for b in backup_store.backups(folder)] == ["manual-20261201-101500"]
    for name in ("manual-20261202-090000", "notes", "photos", "blank"):
        path = folder / f"{name}.consortium"
        made = backup_store.Backup(name, path, dt.datetime.now().astimezone(), 1, False)
        with pytest.raises(BackupError, match=f"The backup {name}.consortium is not a Cons"):
            backup_store.restore(made, tmp_path / f"r-{name}.consortium")
        assert not list(tmp_path.glob(f"r-{name}*"))


def test_a_piece_that_cannot_be_written_fails_the_backup_and_leaves_no_list(
    big, tmp_path, monkeypatch
):
    folder = tmp_path / "backups"
    folder.mkdir()
    real, calls = backup_store._store_piece, []

    def disk_full(path, piece):
        calls.append(path)
        if len(calls) == 5:
            raise OSError(28, "No space left on device")
        real(path, piece)

    monkeypatch.setattr(backup_store, "_store_piece", disk_full)
    with Workspace.open(big, backup=False) as ws:
        copy = snapshot(ws, tmp_path / "s.consortium")
    with pytest.raises(OSError, match="No space left"):
        backup_store.save(folder, copy, "daily-x")
    assert not list(folder.glob("*.backup")) and backup_store.backups(folder) == []
    monkeypatch.undo()
    made = backup_store.save(folder, copy, "daily-x")  # space again: the next one is whole
    out = backup_store.restore(made, tmp_path / "r.consortium")
    assert sha(out) == sha(copy)


def test_a_restore_keeps_its_pieces_from_a_clear_away_that_starts_meanwhile(big, tmp_path):
    # Another window's daily backup may clear away the very backup being restored (the
    # oldest of 7): its list goes, but not the pieces the restore is still to read.
    import os

    folder = tmp_path / "backups"
    folder.mkdir()
    with Workspace.open(big, backup=False) as ws:
        old = backup_store.save(folder, snapshot(ws, tmp_path / "old.consortium"), "daily-01")
        grow(ws, 30, "later")
        backup_store.save(folder, snapshot(ws, tmp_path / "new.consortium"), "daily-02")
    day_ago = os.path.getmtime(old.path) - 86400
    for piece in (folder / "pieces").rglob("*.zst"):
        os.utime(piece, (day_ago, day_ago))  # as made yesterday and the day before
    cleared: list[int] = []

    def progress(done, total, text):
        if not cleared:  # once the restore is under way
            cleared.append(1)
            backup_store.prune(folder, "daily-", 1)

    out = backup_store.restore(old, tmp_path / "r.consortium", progress=progress)
    assert cleared and not old.path.exists()  # its list went meanwhile
    assert sha(out) == sha(tmp_path / "old.consortium")


@pytest.mark.parametrize(
    "damaged",
    [
        "[" * 100_000 + "]" * 100_000,  # Python's parser gives up (RecursionError)
        '{"format": 1, "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
    ],
    ids=["list", "in-an-object"],
)
def test_a_list_nested_too_deeply_is_skipped_and_the_good_backups_still_restore(
    demo_file, tmp_path, damaged
):
    folder = tmp_path / "backups"
    folder.mkdir()
    with Workspace.open(demo_file, backup=False) as ws:
        copy = snapshot(ws, tmp_path / "s.consortium")
        good = backup_store.save(folder, copy, "daily-2026-12-01")
    (folder / "daily-2026-12-02.backup").write_text(damaged)  # in the same folder
    assert [b.name for b in backup_store.backups(folder)] == ["daily-2026-12-01"]
    with pytest.raises(BackupError, match="daily-2026-12-02.backup cannot be read .*deep"):
        backup_store._listing(folder / "daily-2026-12-02.backup")
    out = backup_store.restore(good, tmp_path / "restored.consortium")
    assert sha(out) == sha(copy)
    # Clearing away still runs, and deletes no piece while that list cannot be read.
    good.path.unlink()
    kept = backup_store.stored_bytes(folder)
    backup_store.prune(folder, "daily-", 7, grace_s=0)
    assert backup_store.stored_bytes(folder) == kept > 0


def test_the_command_line_lists_and_restores_beside_a_list_nested_too_deeply(demo_file, tmp_path):
    from conftest import cli

    code = cli("--workspace", str(demo_file), "check")  # opened: today's daily backup
    assert code.returncode == 0, code.stderr
    folder = backup_store.folder_of(demo_file)
    (folder / "daily-1999-01-01.backup").write_text("[" * 100_000 + "]" * 100_000)
    listed = cli("--workspace", str(demo_file), "backups", "--json")
    assert listed.returncode == 0 and "Traceback" not in listed.stderr, listed.stderr
    (only,) = json.loads(listed.stdout)["backups"]
    dest = tmp_path / "restored.consortium"
    done = cli("--workspace", str(demo_file), "restore", only["name"], str(dest))
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    with Workspace.open(dest, backup=False) as ws:
        assert ws.db["organisations"].count >= 12
