"""Daily backups kept as shared, compressed pieces: seven days of a big workspace cost little
more than one.

    backup_store.save(folder, snapshot, "daily-2026-12-02")  # after SQLite's backup API copy
    backup_store.restore(backup, dest)                        # a plain, openable workspace
    backup_store.prune(folder, "daily-", 7)

A workspace of a year of tenders is 495 MB. Seven full daily copies took 3.5 GB beside it,
though a day's download changes about 4% of the file's pages. So each backup is cut into
pieces of 64 KiB (16 SQLite pages), each piece stored once, compressed, under its hash, and
the backup itself is a small list of its pieces (a ``.backup`` file). A piece another backup
already holds is not written again. Measured at 200,000 tenders (bench/scale.py, the daily
measure): the first backup stores 310 MB, the next day's after a day's download 19 MB more, so
a week takes about 424 MB.

64 KiB, not 4 KiB: a day's changed pages (20 MiB) are spread over 47 MiB of 64 KiB pieces,
but a piece a page would make 120,000 files; 64 KiB makes about 7,500.

Hand-written rather than a library: restic and borg are whole programs (and borg is GPL),
not something to import. This is the part they share with it, in a page of code: fixed-size
pieces under their BLAKE2 hash, zstd, a list per backup, and pieces no list names deleted.

Nothing is trusted on the way back: a list is checked whole before a piece is read (sizes,
hashes, dates), each piece's size before it is decompressed and its hash after, and the whole
file against its SHA-256, before a restored copy is given its name (never over a file).
Pieces are written under a temporary name, flushed to the disk and renamed, and a backup's
list last, so a backup cut off half way (the laptop's lid shut, a power cut) is simply not
there, and no later backup leans on a piece that never reached the disk. Clearing away
never deletes a piece while any list in the folder cannot be read: it might name it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import threading
import uuid
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

import zstandard

from consortium import jsonfile
from consortium.errors import ConsortiumError
from consortium.progress import Cancelled, IsCancelled, Progress, never_cancelled, no_progress

PIECE = 64 * 1024
SUFFIX = ".backup"
PIECES = "pieces"
FORMAT = 1
_HASH = re.compile("[0-9a-f]{32}")
_SHA256 = re.compile("[0-9a-f]{64}")
# zstd's worst case for a piece that does not compress (its bound), with room for the header
_MOST_STORED = PIECE + PIECE // 128 + 512
LEVEL = 3  # the 495 MB workspace in 310 MB in a few seconds; level 19 would take minutes


class BackupError(ConsortiumError):
    """A backup cannot be read back as it was made."""


@dataclass(frozen=True, slots=True)
class Backup:
    """One backup in a workspace's backups folder: a list of pieces, or a plain file."""

    name: str  # "daily-2026-12-02", "before-migration-11-20261120-101500", …
    path: Path
    made: dt.datetime
    size: int  # bytes of the workspace it restores
    pieced: bool  # False: a plain .consortium copy (before an update, by hand, or older)

    @property
    def kind(self) -> str:
        if self.name.startswith("daily-"):
            return "daily"
        if self.name.startswith("before-migration-"):
            return "before an update"
        return "made by hand"


def folder_of(workspace: Path) -> Path:
    """Where a workspace's backups go: ``charity-backups`` beside ``charity.consortium``. Read
    without opening the workspace, so a file that no longer opens can still be restored."""
    return workspace.with_name(workspace.stem + "-backups")


def _digest(piece: bytes) -> str:
    return hashlib.blake2b(piece, digest_size=16).hexdigest()


def _piece_path(folder: Path, digest: str) -> Path:
    return folder / PIECES / digest[:2] / f"{digest}.zst"


def _part_name(path: Path) -> Path:
    # A name of its own: two programs (or two backups in one) may write the same piece.
    return path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.part")


def _write_atomically(path: Path, data: bytes) -> None:
    """Written, flushed to the disk, then renamed: once it has its name it is whole."""
    tmp = _part_name(path)
    with open(tmp, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(path)


def snapshot_name(folder: Path, name: str) -> Path:
    """Where a backup's copy of the workspace is made before it is cut into pieces: a name no
    other backup running (in this program or another) uses."""
    return folder / f"{name}.{uuid.uuid4().hex[:12]}.snapshot"


def _store_piece(path: Path, piece: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(path, zstandard.ZstdCompressor(level=LEVEL).compress(piece))


def _at_most(in_flight: list[Future], pending: int) -> None:
    """Wait until no more than ``pending`` pieces are still being written (memory bounded)."""
    in_flight[:] = [f for f in in_flight if not f.done()]
    while len(in_flight) > pending:
        wait(in_flight, return_when=FIRST_COMPLETED)
        in_flight[:] = [f for f in in_flight if not f.done()]


def save(
    folder: Path,
    snapshot: Path,
    name: str,
    progress: Progress = no_progress,
    cancelled: IsCancelled = never_cancelled,
) -> Backup:
    """Keep ``snapshot`` (a finished copy of the workspace) as backup ``name`` in ``folder``:
    only its pieces no backup there holds yet are written. Returns the backup."""
    size = snapshot.stat().st_size
    whole = hashlib.sha256()
    digests: list[str] = []
    written = 0
    writing: dict[str, Future] = {}  # new pieces being compressed and flushed, by hash
    in_flight: list[Future] = []
    # zstd and fsync let go of Python's lock: a few threads store the first day's 7,500 new
    # pieces, each flushed to the disk, in 5.9 s at 200k tenders where one thread took 8.6 s.
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="backup-pieces") as pool:
        with open(snapshot, "rb") as source:
            while piece := source.read(PIECE):
                if cancelled():
                    raise Cancelled("Cancelled: no backup was made.")
                whole.update(piece)
                digest = _digest(piece)
                digests.append(digest)
                if digest in writing:
                    continue  # met twice in this file (blank pages, say)
                path = _piece_path(folder, digest)
                try:
                    # Touched: a prune running at the same time (another program's daily
                    # backup) spares what was used within the hour, even by a list not yet
                    # written.
                    os.utime(path)
                    kept = path.stat().st_size > 0  # not a piece a crash left empty
                except FileNotFoundError:
                    kept = False
                if not kept:
                    writing[digest] = future = pool.submit(_store_piece, path, piece)
                    in_flight.append(future)
                    written += len(piece)
                    _at_most(in_flight, 32)
                if len(digests) % 256 == 0:
                    progress(
                        len(digests) * PIECE, size, f"Backing up ({written // 2**20:,} MB new)"
                    )
        for future in writing.values():
            future.result()  # a piece that could not be written fails the backup, here
    made = dt.datetime.now().astimezone()
    listing = {
        "format": FORMAT,
        "made": made.isoformat(timespec="seconds"),
        "size": size,
        "sha256": whole.hexdigest(),
        "piece": PIECE,
        "pieces": digests,
        "new_bytes": written,  # what this backup added to the folder, before compression
    }
    path = folder / f"{name}{SUFFIX}"
    _write_atomically(path, json.dumps(listing).encode())
    return Backup(name, path, made, size, True)


def _listing(path: Path) -> dict:
    """A backup's list, checked whole: what restoring it may then rely on."""
    try:
        if path.stat().st_size > 64 * 2**20:  # a list of 2 TB of pieces; this is not one
            raise ValueError("too big to be a list of pieces")
        listing = jsonfile.parse(path.read_bytes())  # a ValueError for 100,000 '[' too
        if listing.get("format") != FORMAT or listing.get("piece") != PIECE:
            raise ValueError(f"format {listing.get('format')}")
        size, pieces = listing["size"], listing["pieces"]
        if type(size) is not int or size < 0 or not isinstance(pieces, list):
            raise ValueError("no size or list of pieces")
        if len(pieces) != -(-size // PIECE):
            raise ValueError(f"{len(pieces):,} pieces for {size:,} bytes")
        if not all(isinstance(d, str) and _HASH.fullmatch(d) for d in pieces):
            raise ValueError("a piece is not named by its hash")
        if not isinstance(listing["sha256"], str) or not _SHA256.fullmatch(listing["sha256"]):
            raise ValueError("no SHA-256 of the whole")
        made = dt.datetime.fromisoformat(listing["made"])
        if made.tzinfo is None:
            raise ValueError("its date has no time zone")
        listing["made"] = made
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BackupError(
            f"The backup {path.name} cannot be read ({exc}). Choose another backup."
        ) from exc
    return listing


def restore(
    backup: Backup,
    dest: Path,
    progress: Progress = no_progress,
    cancelled: IsCancelled = never_cancelled,
) -> Path:
    """Write ``backup`` back as the workspace file ``dest``, every piece checked; a damaged
    backup or Cancel leaves no file at ``dest``. A plain copy is copied as it is. Never over a
    file, nor beside a journal SQLite would apply to it."""
    for side in ("", "-wal", "-journal", "-shm"):
        if Path(f"{dest}{side}").exists():
            raise BackupError(f"{dest.name}{side} already exists: restore to a new file name.")
    tmp = _part_name(dest)
    try:
        if backup.pieced:
            _restore_pieces(backup, tmp, progress, cancelled)
        else:
            _copy_plain(backup, tmp, progress, cancelled)
        _name_without_replacing(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def _name_without_replacing(tmp: Path, dest: Path) -> None:
    """``tmp`` becomes ``dest`` only if no file took that name meanwhile."""
    try:
        os.link(tmp, dest)  # fails if dest exists, where a rename would replace it
    except FileExistsError as exc:
        raise BackupError(f"{dest.name} already exists: restore to a new file name.") from exc
    except OSError:  # a file system without links (FAT on a memory stick)
        if dest.exists():
            raise BackupError(f"{dest.name} already exists: restore to a new file name.") from None
        tmp.replace(dest)


def _copy_plain(backup: Backup, tmp: Path, progress: Progress, cancelled: IsCancelled) -> None:
    if not _is_workspace(backup.path):
        raise BackupError(
            f"The backup {backup.path.name} is not a Consortium workspace (it is empty, "
            "damaged or another kind of file), so it cannot be restored. Choose another backup."
        )
    with open(backup.path, "rb") as source, open(tmp, "wb") as out:
        done = 0
        while block := source.read(16 * PIECE):
            if cancelled():
                raise Cancelled("Cancelled: nothing was restored.")
            out.write(block)
            done += len(block)
            progress(done, backup.size, f"Restoring {backup.name}…")
        out.flush()
        os.fsync(out.fileno())


def _piece(folder: Path, name: str, digest: str, expected: int) -> bytes:
    """One piece, checked: its stored size before it is decompressed (a hostile piece could
    say it holds gigabytes), then its length and hash."""
    path = _piece_path(folder, digest)
    try:
        with open(path, "rb") as file:
            data = file.read(_MOST_STORED + 1)
        if len(data) > _MOST_STORED:
            raise ValueError("bigger than any piece")
        declared = zstandard.frame_content_size(data)
        if declared != expected:  # ours always say their size (zstd writes it by default)
            raise ValueError(f"it says it holds {declared:,} bytes")
        piece = zstandard.ZstdDecompressor().decompress(data, max_output_size=expected)
    except FileNotFoundError as exc:
        raise BackupError(
            f"The backup {name} is incomplete: its piece {path.name} is missing (it may have "
            "been cleared away with a backup older than 7 days). Choose another backup."
        ) from exc
    except (OSError, ValueError, zstandard.ZstdError) as exc:
        raise BackupError(
            f"The backup {name} is damaged: its piece {path.name} cannot be read ({exc}). "
            "Choose another backup."
        ) from exc
    if len(piece) != expected or _digest(piece) != digest:
        raise BackupError(
            f"The backup {name} is damaged: its piece {path.name} has changed since it was "
            "made. Choose another backup."
        )
    return piece


def _restore_pieces(backup: Backup, tmp: Path, progress: Progress, cancelled: IsCancelled) -> None:
    folder, name = backup.path.parent, backup.name
    listing = _listing(backup.path)
    size, digests = listing["size"], listing["pieces"]
    # Touched first: a clear-away that starts meanwhile (another window's daily backup, the
    # oldest list going) spares what was used within the hour, so these stay until read.
    for digest in set(digests):
        with contextlib.suppress(OSError):  # a missing piece is named when it is reached
            os.utime(_piece_path(folder, digest))
    whole = hashlib.sha256()
    with open(tmp, "wb") as out:
        for i, digest in enumerate(digests):
            if cancelled():
                raise Cancelled("Cancelled: nothing was restored.")
            piece = _piece(folder, name, digest, min(PIECE, size - i * PIECE))
            whole.update(piece)
            out.write(piece)
            if i % 256 == 0:
                progress(i * PIECE, size, f"Restoring {name}…")
        out.flush()
        os.fsync(out.fileno())
    if whole.hexdigest() != listing["sha256"]:
        raise BackupError(
            f"The backup {name} is damaged: it does not read back as it was made. "
            "Choose another backup."
        )


def backups(folder: Path) -> list[Backup]:
    """Every backup in ``folder``, oldest first: lists of pieces and plain copies."""
    found: list[Backup] = []
    if not folder.is_dir():
        return found
    for path in folder.glob(f"*{SUFFIX}"):
        try:
            listing = _listing(path)
        except BackupError:
            continue  # not one of ours, or damaged: not offered
        found.append(Backup(path.stem, path, listing["made"], listing["size"], True))
    for path in folder.glob("*.consortium"):
        if not _is_workspace(path):
            continue  # an empty file, a text file renamed: nothing to restore
        with contextlib.suppress(OSError):
            stat = path.stat()
            made = dt.datetime.fromtimestamp(stat.st_mtime).astimezone()
            found.append(Backup(path.stem, path, made, stat.st_size, False))
    return sorted(found, key=lambda b: (b.made, b.name))


def _is_workspace(path: Path) -> bool:
    """A plain copy is offered, and restored, only if it is a workspace of ours (of any
    format, so one from before an update or from a newer version too), read without
    changing it."""
    from consortium.workspace import WorkspaceError, check_file  # it imports this module

    try:
        return check_file(path) > 0
    except WorkspaceError:
        return False


def prune(folder: Path, prefix: str, keep: int, *, grace_s: float = 3600) -> None:
    """Keep the newest ``keep`` backups named ``prefix…`` (pieced or plain), and delete every
    piece no backup left in ``folder`` names. Also clears what a backup cut off left. What was
    written or used within ``grace_s`` stays: another program's backup may be running. While
    any list cannot be read (locked by a virus scanner, written by a newer version), no piece
    is deleted: that list may name it."""
    named = sorted(
        [*folder.glob(f"{prefix}*{SUFFIX}"), *folder.glob(f"{prefix}*.consortium")],
        key=lambda p: p.name.removesuffix(SUFFIX).removesuffix(".consortium"),
    )
    for old in named[:-keep] if keep else named:
        with contextlib.suppress(OSError):  # in use (Windows): cleared next time
            old.unlink(missing_ok=True)
    for leftover in [*folder.glob("*.snapshot"), *folder.glob("*.part")]:
        if _older_than(leftover, grace_s):  # a backup cut off (one still running is newer)
            with contextlib.suppress(OSError):
                leftover.unlink(missing_ok=True)
    wanted: set[str] = set()
    for path in folder.glob(f"*{SUFFIX}"):
        try:
            wanted.update(_listing(path)["pieces"])
        except BackupError:
            return
    pieces = folder / PIECES
    if not pieces.is_dir():
        return
    for sub in pieces.iterdir():
        if not sub.is_dir():
            continue
        for path in sub.iterdir():
            if path.name.removesuffix(".zst") not in wanted and _older_than(path, grace_s):
                with contextlib.suppress(OSError):  # being read by a restore (Windows)
                    path.unlink(missing_ok=True)


def _older_than(path: Path, seconds: float) -> bool:
    try:
        return path.stat().st_mtime < dt.datetime.now().timestamp() - seconds
    except FileNotFoundError:
        return False


def stored_bytes(folder: Path) -> int:
    """What the pieces take on disk (the lists themselves are a few kB)."""
    pieces = folder / PIECES
    if not pieces.is_dir():
        return 0
    total = 0
    for sub in pieces.iterdir():
        for path in sub.glob("*.zst"):
            with contextlib.suppress(OSError):
                total += path.stat().st_size
    return total
