"""Daily backups kept as shared, compressed pieces: seven days of a big workspace cost little
more than one.

    backup_store.save(folder, snapshot, "daily-2026-12-02")   # after SQLite's backup API copy
    backup_store.restore(folder, "daily-2026-12-02", dest)    # a plain, openable workspace
    backup_store.prune(folder, keep=7)

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

Nothing is trusted on the way back: each piece is checked against its hash, and the whole
file against its SHA-256, before a restored copy is given its name. Pieces are written
under a temporary name and renamed, and a backup's list last, so a backup cut off half way
(the laptop's lid shut) is simply not there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import zstandard

from consortium.errors import ConsortiumError
from consortium.progress import Cancelled, IsCancelled, Progress, never_cancelled, no_progress

PIECE = 64 * 1024
SUFFIX = ".backup"
PIECES = "pieces"
FORMAT = 1
_HASH = re.compile("[0-9a-f]{32}")
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


def _write_atomically(path: Path, data: bytes, *, sync: bool = False) -> None:
    # A name of its own: two programs backing up the same workspace write the same pieces.
    tmp = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.part")
    with open(tmp, "wb") as out:
        out.write(data)
        if sync:
            out.flush()
            os.fsync(out.fileno())
    tmp.replace(path)


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
    compressor = zstandard.ZstdCompressor(level=LEVEL)
    written = 0
    with open(snapshot, "rb") as source:
        while piece := source.read(PIECE):
            if cancelled():
                raise Cancelled("Cancelled: no backup was made.")
            whole.update(piece)
            digest = _digest(piece)
            digests.append(digest)
            path = _piece_path(folder, digest)
            try:
                # Touched: a prune running at the same time (another program's daily backup)
                # spares what was used within the hour, even by a list not yet written.
                os.utime(path)
            except FileNotFoundError:
                path.parent.mkdir(parents=True, exist_ok=True)
                _write_atomically(path, compressor.compress(piece))
                written += len(piece)
            if len(digests) % 256 == 0:
                progress(len(digests) * PIECE, size, f"Backing up ({written // 2**20:,} MB new)")
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
    _write_atomically(path, json.dumps(listing).encode(), sync=True)
    return Backup(name, path, made, size, True)


def _listing(path: Path) -> dict:
    try:
        listing = json.loads(path.read_bytes())
        if listing.get("format") != FORMAT or listing.get("piece") != PIECE:
            raise ValueError(f"format {listing.get('format')}")
        if not isinstance(listing["pieces"], list) or not isinstance(listing["size"], int):
            raise ValueError("no list of pieces")
        if not all(isinstance(d, str) and _HASH.fullmatch(d) for d in listing["pieces"]):
            raise ValueError("a piece is not named by its hash")
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
    backup or Cancel leaves no file at ``dest``. A plain copy is copied as it is."""
    tmp = dest.with_name(dest.name + ".part")
    try:
        if backup.pieced:
            _restore_pieces(backup, tmp, progress, cancelled)
        else:
            _copy_plain(backup, tmp, progress, cancelled)
        tmp.replace(dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dest


def _copy_plain(backup: Backup, tmp: Path, progress: Progress, cancelled: IsCancelled) -> None:
    with open(backup.path, "rb") as source, open(tmp, "wb") as out:
        done = 0
        while block := source.read(16 * PIECE):
            if cancelled():
                raise Cancelled("Cancelled: nothing was restored.")
            out.write(block)
            done += len(block)
            progress(done, backup.size, f"Restoring {backup.name}…")


def _restore_pieces(backup: Backup, tmp: Path, progress: Progress, cancelled: IsCancelled) -> None:
    folder, name = backup.path.parent, backup.name
    listing = _listing(backup.path)
    size, digests = listing["size"], listing["pieces"]
    decompressor = zstandard.ZstdDecompressor()
    whole = hashlib.sha256()
    with open(tmp, "wb") as out:
        for i, digest in enumerate(digests):
            if cancelled():
                raise Cancelled("Cancelled: nothing was restored.")
            path = _piece_path(folder, str(digest))
            try:
                piece = decompressor.decompress(path.read_bytes(), max_output_size=PIECE)
            except (OSError, zstandard.ZstdError) as exc:
                raise BackupError(
                    f"The backup {name} is damaged: its piece {path.name} cannot be read "
                    f"({exc}). Choose another backup."
                ) from exc
            if _digest(piece) != digest:
                raise BackupError(
                    f"The backup {name} is damaged: its piece {path.name} has changed "
                    "since it was made. Choose another backup."
                )
            whole.update(piece)
            out.write(piece)
            if i % 256 == 0:
                progress(i * PIECE, size, f"Restoring {name}…")
    if tmp.stat().st_size != size or whole.hexdigest() != listing["sha256"]:
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
            made = dt.datetime.fromisoformat(listing["made"])
        except (BackupError, ValueError, KeyError, TypeError):
            continue  # not one of ours, or damaged: restore names the problem if chosen
        found.append(Backup(path.stem, path, made, listing["size"], True))
    for path in folder.glob("*.consortium"):
        stat = path.stat()
        made = dt.datetime.fromtimestamp(stat.st_mtime).astimezone()
        found.append(Backup(path.stem, path, made, stat.st_size, False))
    return sorted(found, key=lambda b: (b.made, b.name))


def _names_in_use(folder: Path) -> Iterator[str]:
    for path in folder.glob(f"*{SUFFIX}"):
        try:
            yield from _listing(path)["pieces"]
        except BackupError:
            continue


def prune(folder: Path, prefix: str, keep: int, *, grace_s: float = 3600) -> None:
    """Keep the newest ``keep`` backups named ``prefix…`` (pieced or plain), and delete every
    piece no backup left in ``folder`` names. Also clears what a backup cut off left. What was
    written or used within ``grace_s`` stays: another program's backup may be running."""
    named = sorted(
        [*folder.glob(f"{prefix}*{SUFFIX}"), *folder.glob(f"{prefix}*.consortium")],
        key=lambda p: p.name.removesuffix(SUFFIX).removesuffix(".consortium"),
    )
    for old in named[:-keep] if keep else named:
        old.unlink(missing_ok=True)
    for leftover in [*folder.glob("*.snapshot"), *folder.glob("*.part")]:
        if _older_than(leftover, grace_s):  # a backup cut off (one still running is newer)
            leftover.unlink(missing_ok=True)
    wanted = set(_names_in_use(folder))
    pieces = folder / PIECES
    if not pieces.is_dir():
        return
    for sub in pieces.iterdir():
        if not sub.is_dir():
            continue
        for path in sub.iterdir():
            if path.name.removesuffix(".zst") not in wanted and _older_than(path, grace_s):
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
    return sum(p.stat().st_size for sub in pieces.iterdir() for p in sub.glob("*.zst"))
