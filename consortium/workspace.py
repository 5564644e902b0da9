"""A workspace: one SQLite file plus an attachments folder beside it.

    ws = Workspace.create("charity.consortium")

    @writes                      # runs on the workspace's writer thread, whoever calls it
    def add(ws, org):
        with ws.atomic(PARTNERS):
            ws.db["organisations"].insert({...})
            ws.audit("create", "organisation", 1, "Added Hope Trust")

    add(ws, org)                 # or ws.write(fn, ...) for a function without the decorator
    ws.close()

Every write goes through ``ws.atomic()`` so a failure leaves the file exactly as it was.
Opening a file first reads its schema version on a read-only connection: a workspace made by a
newer version of the app is refused before anything (even WAL mode) touches it.

Threads (Anki's collection, DESIGN.md "Threads and the workspace"): one thread, owned by the
workspace (:class:`~consortium.writer_thread.WriterThread`), opens the writing connection, runs
every statement on it (migrations included) and closes it. :meth:`Workspace.write` runs a
function there and waits for it (re-raising its error); ``@writes`` does that for a core
function; ``atomic()`` refuses on any other thread, so a forgotten decorator is caught at
once. Writes take turns on the writer; one that cannot start within the busy timeout (an
import holds the writer) is withdrawn and raises :class:`~consortium.busy.WorkspaceBusy`;
:meth:`write_soon` only queues. A long write driven from another thread (an import parsing
while SQLite stores) uses :meth:`Workspace.transaction`: the writer runs only that thread's
jobs until it ends. Every other thread's ``ws.db`` / ``ws.conn`` is its own read-only
connection (``ws.reader``), which sees committed data only: a window painting while an
import's transaction is open reads the workspace as it was (WAL lets both run).
A write names what it changes (``ws.atomic(PARTNERS)``, see ``consortium.changes``), and
``ws.on_commit`` listeners hear it after the commit, on the thread that asked for the write.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import getpass
import json
import mmap
import os
import sqlite3
import struct
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlite_utils

from consortium import backup_store, busy, formatting, migrations
from consortium.changes import NOTHING, Changes
from consortium.errors import ConsortiumError
from consortium.progress import Cancelled, IsCancelled, Progress, never_cancelled, no_progress
from consortium.writer_thread import NotStarted, WriterThread, outcome

# "CONS" as a 32-bit big-endian integer: lets us tell our files from any other SQLite file.
APPLICATION_ID = 0x434F4E53
SUFFIX = ".consortium"
PAGE_SIZE = 16384  # of new workspace files
DAILY_BACKUPS_KEPT = 7
# Daily backups still storing their pieces, by their list's path (a window closed and the
# workspace opened again the same day must not start a second one beside it).
_BACKUPS_RUNNING: dict[Path, threading.Thread] = {}
_BACKUPS_LOCK = threading.Lock()
MIGRATION_BACKUPS_KEPT = 5
TURN_CHECK_S = 0.25  # how often a write waiting its turn at the writer checks for Cancel


class WorkspaceError(ConsortiumError):
    """The workspace file cannot be opened or used."""


class WorkspaceTooNew(WorkspaceError):
    """The file was written by a newer version of the app; it is left untouched."""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name on some locked-down machines
        return "unknown"


def _read_only_uri(path: Path) -> str:
    """A URI that opens ``path`` without writing anything, not even a -wal or -shm file.

    The path is percent-encoded: '#', '?' and '%' are ordinary in file names but would end
    the path part of a URI. ``immutable`` makes SQLite read the main file only: it neither
    creates nor touches -wal and -shm files (even a read-only connection to a WAL-mode file
    otherwise writes its read marks into -shm). What a -wal holds is read by :func:`_wal_header`.
    """
    quoted = urllib.parse.quote(path.as_posix(), safe="/:")  # keep 'C:/' drive letters as is
    return f"file:{quoted}?mode=ro&immutable=1"


def _wal_header(path: Path) -> bytes | None:
    """The first 100 bytes of the newest committed copy of page 1 in ``path``-wal, if any.

    A workspace left open by another window, or by a crash, may hold its newest format number
    only in the -wal file. Opening it with SQLite would write to -shm (and recover the WAL), so
    the frames are read as plain bytes instead: a 32-byte header, then frames of a 24-byte
    header (page number, database size for a commit frame, the two salts) and one page. Frames
    with other salts are left over from before the last checkpoint and end the log. Checksums
    are not verified (that would read the whole log in Python): a commit frame is written after
    its transaction's pages, and the version is read again once the file is really open.
    """
    wal = path.with_name(path.name + "-wal")
    try:
        with wal.open("rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size < 32:
                return None
            # Mapped, not read: only the 24-byte frame headers are looked at (a 100 MB log in
            # a few milliseconds), and nothing is written.
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as log:
                magic, _fmt, page_size, _seq, salt1, salt2 = struct.unpack_from(">6I", log, 0)
                if magic not in (0x377F0682, 0x377F0683) or page_size < 512:
                    return None
                committed = pending = None
                frame = struct.Struct(">4I")
                offset = 32
                while offset + 24 + page_size <= size:
                    page, commit, s1, s2 = frame.unpack_from(log, offset)
                    if s1 != salt1 or s2 != salt2:
                        break
                    if page == 1:
                        pending = offset + 24
                    if commit:
                        committed = pending if pending is not None else committed
                        pending = None
                    offset += 24 + page_size
                if committed is None:
                    return None
                return bytes(log[committed : committed + 100])
    except (OSError, ValueError):  # unreadable, or empty (mmap refuses a 0-byte file)
        return None


def read_version(path: Path) -> tuple[int, int]:
    """(application_id, user_version) read without writing anything to the file or beside it."""
    uri = _read_only_uri(path)
    try:
        conn = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise WorkspaceError(f"Cannot open {path}: {exc}") from exc
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise WorkspaceError(
            f"{path} is not a Consortium workspace (it is not an SQLite database: {exc})."
        ) from exc
    finally:
        conn.close()
    header = _wal_header(path)
    if header is not None:
        version, app_id = struct.unpack(">i4xi", header[60:72])
    return app_id, version


def leftover_journals(path: Path) -> list[Path]:
    """The -wal and -journal (and -shm) an old workspace of this name left beside ``path``
    (deleted by hand, after a crash). SQLite would replay the old file's last changes into a
    new one made there, which then held tenders and partners it never had."""
    return [
        left
        for left in (path.with_name(path.name + side) for side in ("-wal", "-journal", "-shm"))
        if left.exists()
    ]


def refuse_leftover_journals(path: Path) -> None:
    """Refuse a new workspace at ``path`` beside an old one's journal (:func:`leftover_journals`)."""
    for left in leftover_journals(path):
        if not left.name.endswith("-shm"):  # the index to a log: harmless without one
            raise WorkspaceError(
                f"{left.name} is left in {left.parent} from an earlier workspace called "
                f"{path.name}. Choose another name, or move that file (and {path.name}-shm, if "
                "there) somewhere else first."
            )


def check_file(path: Path) -> int:
    """The workspace format of the file at ``path``, read without changing it, or
    :class:`WorkspaceError` if it is not a workspace of ours (any format, older or newer)."""
    try:
        empty = path.stat().st_size == 0
    except OSError as exc:
        raise WorkspaceError(f"Cannot open {path}: {exc.strerror or exc}.") from exc
    if empty:
        # SQLite takes an empty file for a new database, and it became an empty workspace
        # in place of what was meant to be there: most often a copy that did not finish.
        raise WorkspaceError(
            f"{path} is empty (0 bytes), so it is not a workspace: most likely a copy or "
            "download of one that did not finish. Copy it again from where it came from, or "
            "restore it from a backup (File > Restore from a backup, or 'consortium "
            "restore'). It has not been changed."
        )
    app_id, version = read_version(path)
    if app_id not in (0, APPLICATION_ID):
        raise WorkspaceError(f"{path} is an SQLite file but not a Consortium workspace.")
    try:
        if app_id == 0 and version == 0 and _has_tables(path):
            raise WorkspaceError(f"{path} is an SQLite file but not a Consortium workspace.")
    except sqlite3.DatabaseError as exc:  # its first page reads, but not its list of tables
        raise WorkspaceError(
            f"{path} is not a Consortium workspace (it is not an SQLite database: {exc})."
        ) from exc
    return version


class Workspace:
    """An open workspace. Use :meth:`open` or :meth:`create`, then :meth:`close`."""

    def __init__(self, path: Path):
        self.path = path
        # The writing connection, opened, used and closed on the writer thread only.
        self.writer = WriterThread(f"writer {path.name}")
        try:
            self.writer_conn: sqlite3.Connection = self.writer.call(_connect_writer, path)
        except BaseException:
            self.writer.stop()
            raise
        self.writer_db = sqlite_utils.Database(self.writer_conn)
        self._writer: int | None = None  # the writer thread while a transaction is open
        self._data_version: int | None = None  # see changed_elsewhere()
        self._closed = False  # its connections are closed (or closing)
        self._changes = NOTHING  # what the open transaction has said it changes
        self._listeners: list[Callable[[Changes], None]] = []
        self._readers: list[Reader] = []
        self._local = threading.local()
        self._readers_lock = threading.Lock()
        self._backup_thread: threading.Thread | None = None
        self._backup_copied = threading.Event()  # today's copy made; its pieces may be storing
        self.backup_error: BaseException | None = None  # of the last daily backup, if it failed
        # What opening did to the file that the user should hear of: an update for this
        # version of the app, and how much smaller it made the file (None: nothing).
        self.update_note: str | None = None

    # ----------------------------------------------------------------- opening
    @classmethod
    def create(cls, path: str | Path) -> Workspace:
        """Create a new, empty workspace. Refuses to overwrite an existing file."""
        path = Path(path).expanduser().resolve()
        if path.exists():
            raise WorkspaceError(f"{path} already exists; choose another name or open it.")
        refuse_leftover_journals(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return cls.open(path, create=True)

    @staticmethod
    def needs_update(path: str | Path) -> bool:
        """True if opening the workspace at ``path`` will first bring it up to date for this
        version of the app: minutes for a year of tenders, so the window opens it with
        progress and Cancel. Reads the file without changing it."""
        path = Path(path).expanduser()
        if not path.is_file():
            return False
        try:
            app_id, version = read_version(path)
        except WorkspaceError:
            return False  # opening it says what is wrong
        return app_id in (0, APPLICATION_ID) and 0 < version < migrations.LATEST

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        create: bool = False,
        backup: bool = True,
        progress: Progress | None = None,
        cancelled: IsCancelled | None = None,
    ) -> Workspace:
        """Open (and migrate, after a backup) an existing workspace.

        An update for a new version of the app reports ``progress`` and stops when
        ``cancelled()``, raising :class:`~consortium.progress.Cancelled` with the file as it
        was. An update that rewrote the tenders ends by compacting the file (see
        :attr:`update_note`)."""
        path = Path(path).expanduser().resolve()
        if not path.exists():
            if not create:
                raise WorkspaceError(
                    f"No workspace at {path}. Create one with 'consortium init {path}'."
                )
        elif path.is_dir():
            raise WorkspaceError(f"{path} is a folder; give the workspace file instead.")
        else:
            version = check_file(path)
            if version > migrations.LATEST:
                raise WorkspaceTooNew(
                    f"{path} was saved by a newer version of Consortium (workspace format "
                    f"{version}; this app reads up to {migrations.LATEST}). Update the app to "
                    "open it. The file has not been changed."
                )
        ws = cls(path)
        try:
            ws.write(ws._prepare, backup, progress or no_progress, cancelled or never_cancelled)
            ws.attachments.mkdir(exist_ok=True)
            if backup:
                ws._daily_backup()
        except Exception:
            ws._close_connections()
            raise
        return ws

    def _prepare(self, backup: bool, progress: Progress, cancelled: IsCancelled) -> None:
        """Check, configure and migrate the file (on the writer thread)."""
        version = _version(self.writer_conn)
        if version > migrations.LATEST:  # written since the check in open()
            raise WorkspaceTooNew(
                f"{self.path} was saved by a newer version of Consortium (workspace format "
                f"{version}). Update the app to open it."
            )
        self._configure()
        rewrote = self._migrate(backup=backup, progress=progress, cancelled=cancelled)
        if rewrote:
            self._compact_after_update(progress, cancelled)
        self._data_version = self.writer_conn.execute("PRAGMA data_version").fetchone()[0]

    def _configure(self) -> None:
        self.writer_conn.execute("PRAGMA foreign_keys = ON")
        # Deleted rows are overwritten, so an erased person's details do not linger in free pages.
        self.writer_conn.execute("PRAGMA secure_delete = ON")
        self.writer_conn.execute(f"PRAGMA busy_timeout = {busy.TIMEOUT_MS}")
        if self.writer_conn.execute("PRAGMA page_count").fetchone()[0] == 0:
            # A new file: 16 kB pages hold compressed releases (about 1 kB each) with a fifth
            # of the space 4 kB pages leave over. (Fixed once the file is in WAL mode.)
            self.writer_conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        # A statement's undo record (and any sort) stays in memory instead of a temporary
        # file: bulk inserts wrote as much to it as to the workspace itself.
        self.writer_conn.execute("PRAGMA temp_store = MEMORY")
        mode = self.writer_conn.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "wal":
            self.writer_conn.execute("PRAGMA journal_mode = WAL")
        self.writer_conn.execute("PRAGMA synchronous = NORMAL")
        # Searching 200,000 tenders reads much of the index: keep it in memory between queries.
        self.writer_conn.execute("PRAGMA cache_size = -65536")
        self.writer_conn.execute("PRAGMA mmap_size = 268435456")

    def _migrate(self, *, backup: bool, progress: Progress, cancelled: IsCancelled) -> bool:
        """Run every pending step in one transaction; True if one of them rewrote most of the
        tenders (:data:`migrations.REWRITES`), so the file holds space worth giving back."""
        current = _version(self.writer_conn)
        if current >= migrations.LATEST:
            return False
        name = self.path.name
        existing = current > 0  # a file made by an earlier version, not a new one
        stopped = (
            f"The update was cancelled: {name} is unchanged. It is brought up to date the next "
            "time it is opened."
        )
        made = None
        if existing and backup:
            folder = self._backup_dir()
            text = f"Keeping a copy of {name} as it is before updating it…"
            progress(0, 0, text)
            try:
                made = _copy_database(
                    self.conn,
                    folder / f"before-migration-{current}-{_stamp()}.consortium",
                    progress,
                    cancelled,
                    text,
                )
            except Cancelled:
                with contextlib.suppress(OSError):
                    folder.rmdir()  # only if nothing else is in it
                raise Cancelled(stopped) from None
        step_name = ""
        rewrote = False
        conn = self.writer_conn
        # Undo records of the update's statements on disk, not in memory: a step rewriting a
        # year of tenders (a table's column dropped) kept a copy of every page it changed.
        try:
            # Every pending step in one transaction, straight in it: a failure anywhere leaves
            # the file exactly as it was. (Not a savepoint per step: SQLite keeps a copy of each
            # page a savepoint changes, to roll back to it, and an update from before compression
            # rewrites them all: 1.7 GB of memory at 200,000 tenders.) atomic() takes SQLite's
            # write lock first, so a second window opening the same old file waits, then finds
            # it done.
            with (
                _long_statements(conn, cancelled, temp_on_disk=True),
                self.atomic(),
                busy.activity(self.path, "updating the workspace for a new version"),
                migrations.one_update(),
            ):
                current = _version(conn)
                steps = list(migrations.pending(current))
                for index, (version, step) in enumerate(steps):
                    # The whole description, on one line (its first line stops mid-sentence).
                    step_name = f"{version} ({' '.join((step.__doc__ or step.__name__).split())})"
                    text = (
                        f"Updating {name} for this version of Consortium (part {index + 1} "
                        f"of {len(steps)}). Cancel leaves it as it was."
                    )

                    def report(done: int, total: int, index=index, text=text) -> None:
                        if cancelled():
                            raise Cancelled()
                        share = min(1000, 1000 * done // total) if total > 0 else 0
                        progress(index * 1000 + share, len(steps) * 1000, text)

                    report(0, 1)
                    migrations.reporting_to(report)
                    result = step(self.writer_db)
                    conn.execute(f"PRAGMA user_version = {version}")
                    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                    self.audit(
                        "migrate",
                        "workspace",
                        None,
                        f"Workspace format {version - 1} → {version}: "
                        f"{step.__doc__ or step.__name__}",
                    )
                    if existing and step in migrations.REWRITES and result != 0:
                        rewrote = True
                if cancelled():  # the last moment: nothing is committed yet
                    raise Cancelled()
        except Exception as exc:
            if made is not None:  # the file is unchanged, so this copy of it is not needed
                made.unlink(missing_ok=True)
                with contextlib.suppress(OSError):
                    made.parent.rmdir()  # only if nothing else is in it
            if isinstance(exc, busy.WorkspaceBusy):
                raise
            if isinstance(exc, Cancelled) or (
                isinstance(exc, sqlite3.OperationalError) and cancelled()
            ):
                raise Cancelled(stopped) from exc
            folder = backup_store.folder_of(self.path)  # not made for this
            saved = backup_store.backups(folder)  # daily pieces or whole copies
            raise WorkspaceError(
                f"{self.path.name} could not be brought up to date from workspace format "
                f"{current} to {migrations.LATEST}: step {step_name} failed ({exc}). The file "
                "has not been changed. It may have been edited by another program or copied "
                "while in use"
                + (
                    f"; its backups are in {folder}, and one can be restored as a new file."
                    if saved
                    else "."
                )
            ) from exc
        finally:
            migrations.reporting_to(None)
        if made is not None:
            _rotate(self._backup_dir(), "before-migration-", MIGRATION_BACKUPS_KEPT)
        if existing:
            self.update_note = f"{name} was brought up to date for this version of Consortium."
        return rewrote

    def _compact_after_update(self, progress: Progress, cancelled: IsCancelled) -> None:
        """Give back the space an update's rewritten tenders left in the file. The update is
        kept whatever happens here: Cancel, or too little disk, only leaves the file bigger."""
        progress(0, 0, f"Making {self.path.name} smaller (the update is done and kept)…")
        try:
            saved = self._vacuum(cancelled)
        except Cancelled:
            self.update_note = (self.update_note or "") + (
                " Making it smaller was cancelled: choose File > Make workspace smaller (or run "
                "'consortium compact') when there is time."
            )
        except busy.WorkspaceBusy:  # another program writes: another time, then
            self.update_note = (self.update_note or "") + (
                " It could not be made smaller now, as another program was writing to it: "
                "choose File > Make workspace smaller (or run 'consortium compact') later."
            )
        except sqlite3.Error as exc:
            full = "full" in str(exc).lower()
            self.update_note = (self.update_note or "") + (
                " It could not be made smaller: "
                + ("the disk is full. Free some space, then" if full else f"{exc}. Later,")
                + " choose File > Make workspace smaller (or run 'consortium compact')."
            )
        else:
            if saved > 0:
                self.update_note = (
                    self.update_note or ""
                ) + f" It is {formatting.file_size(saved)} smaller."

    def compact(
        self, progress: Progress | None = None, cancelled: IsCancelled | None = None
    ) -> int:
        """Rewrite the file without the space deleted and rewritten rows left behind (SQLite's
        VACUUM). Other windows keep reading meanwhile; writes wait. Returns the bytes given
        back. Raises :class:`~consortium.progress.Cancelled` (the file as it was) if
        ``cancelled()``."""
        (progress or no_progress)(0, 0, f"Making {self.path.name} smaller…")
        # Today's backup reads the file on a connection of its own; while it does, the smaller
        # copy could not be folded back into the file.
        self.wait_for_backup()
        return self.write(self._vacuum, cancelled or never_cancelled)

    def _vacuum(self, cancelled: IsCancelled) -> int:
        """VACUUM; the bytes the file gives back (the file shrinks once the copy, written
        through the -wal, is folded back: now, or when the last reader lets go of it)."""
        conn = self.writer_conn
        before = self.path.stat().st_size
        # VACUUM builds the new copy in the temporary store: on disk, not in memory (which
        # this connection uses for bulk writes), or a year of tenders costs 500 MB of RAM.
        try:
            with (
                _long_statements(conn, cancelled, temp_on_disk=True),
                busy.activity(self.path, "making the workspace smaller"),
            ):
                conn.execute("VACUUM")
        except Cancelled:
            raise Cancelled("Cancelled: the workspace is as it was.") from None
        except sqlite3.OperationalError as exc:
            if busy.is_locked(exc):
                raise busy.error(self.path) from exc
            raise
        (pages,) = conn.execute("PRAGMA page_count").fetchone()
        (page_size,) = conn.execute("PRAGMA page_size").fetchone()
        with contextlib.suppress(sqlite3.Error):
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return before - pages * page_size

    # ------------------------------------------------------------------- state
    @property
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    @property
    def attachments(self) -> Path:
        return self.path.with_name(self.path.stem + "-attachments")

    def _backup_dir(self) -> Path:
        d = backup_store.folder_of(self.path)
        d.mkdir(exist_ok=True)
        return d

    def close(self, *, finish_backup: bool = True) -> None:
        """Finish the writes in hand, close every connection and stop the writer thread.
        ``finish_backup=False`` (the window): wait only for today's backup to have copied the
        file; storing its pieces goes on, and the process ends once they are stored."""
        self.wait_for_backup(whole=finish_backup)
        if not self.writer.stopped:
            with contextlib.suppress(Exception):
                self.write(self._optimize)
        self._close_connections()

    def _optimize(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.writer_conn.execute("PRAGMA optimize")

    def _close_connections(self) -> None:
        """Readers first: the last connection to close folds the -wal back into the file.
        The writing connection is closed on the writer thread, which then stops."""
        self._closed = True
        with self._readers_lock:
            readers, self._readers = self._readers, []
        for reader in readers:
            reader.close()  # stopped only, if its thread may be reading through it

        def close_on_writer() -> None:  # the writer thread's own reader, then the writing one
            for reader in readers:
                if reader.owner is threading.current_thread():
                    reader.close()
            self.writer_conn.close()

        if not self.writer.stopped:
            with contextlib.suppress(Exception):
                self.writer.call(close_on_writer)
            self.writer.stop()

    # ----------------------------------------------------------------- reading
    @property
    def conn(self) -> sqlite3.Connection:
        """The connection for this thread: the writing one inside ``atomic()`` (on the writer
        thread), else this thread's own reading one (which sees only committed data)."""
        me = threading.get_ident()
        if self._writer == me:
            return self.writer_conn
        if self.writer.holder == me:
            raise _held_read()
        return self.reader.conn

    @property
    def db(self) -> sqlite_utils.Database:
        """``conn`` wrapped by sqlite-utils: ``ws.db["organisations"].get(1)``."""
        me = threading.get_ident()
        if self._writer == me:
            return self.writer_db
        if self.writer.holder == me:
            raise _held_read()
        return self.reader.db

    @property
    def is_closed(self) -> bool:
        """True once :meth:`close` began: a result a job worked out for it is not shown."""
        return self._closed

    @property
    def reader(self) -> Reader:
        """This thread's read-only connection to the workspace (made on first use).

        It sees only committed data: a view painting while an import's transaction is open
        reads the workspace as it was before the import, on a connection of its own, and never
        touches the writing one (WAL lets readers and the writer work at once)."""
        closed = self._closed
        if not closed:
            _close_stopped_readers()
        reader = getattr(self._local, "reader", None)
        if reader is None or reader.closed:
            if reader is not None:
                reader.close()  # on its own thread now: really closed
            reader = Reader(self.path)
            self._local.reader = reader
            if closed:  # a late read of a closed workspace: closed when this thread next
                _stop(reader)  # reads an open one, not left open until it is collected
            else:
                with self._readers_lock:
                    self._readers.append(reader)
        return reader

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ writes
    @contextlib.contextmanager
    def atomic(
        self, changes: Changes = NOTHING, *, busy_ms: int | None = None
    ) -> Iterator[sqlite_utils.Database]:
        """One transaction (a savepoint when nested): all or nothing.

        ``changes`` names what the block changes; listeners (:meth:`on_commit`) hear the
        total of the outermost transaction after it commits. The outermost transaction takes
        the write lock at once (BEGIN IMMEDIATE); another process waits SQLite's busy timeout
        and then gets a :class:`~consortium.busy.WorkspaceBusy` saying what holds the file;
        ``busy_ms``, if given, is how long it waits instead.

        Only the writer thread may enter it: call the function that holds it through
        :meth:`write` (or decorate it with :func:`writes`); any other thread is refused.
        """
        me = threading.get_ident()
        if me != self.writer.ident:
            raise WorkspaceError(
                "ws.atomic() runs only on the workspace's writer thread: decorate the function "
                "that opens it with @writes (consortium.workspace), or call it through "
                "ws.write(fn, ...); a long write driven from another thread uses "
                "ws.transaction()."
            )
        if self._writer == me:  # nested in the open transaction: a savepoint
            with self.writer_db.atomic():
                before = self._changes
                self._changes = before | changes
                try:
                    yield self.writer_db
                except BaseException:
                    self._changes = before
                    raise
            return
        try:
            self._writer, self._changes = me, changes
            self._begin(busy_ms)
            try:
                yield self.writer_db
            except BaseException:
                if self.writer_conn.in_transaction:
                    self.writer_conn.execute("ROLLBACK")
                raise
            job = self.writer.current
            if job is not None and job.abandoned:  # its caller was stopped (Ctrl-C) meanwhile
                self.writer_conn.execute("ROLLBACK")
                raise WorkspaceError("The write was stopped before it finished; nothing changed.")
            try:
                self.writer_conn.execute("COMMIT")
            except BaseException as exc:
                if self.writer_conn.in_transaction:
                    self.writer_conn.execute("ROLLBACK")
                if busy.is_locked(exc):
                    raise busy.error(self.path) from exc
                raise
            committed = self._changes
        finally:
            self._writer, self._changes = None, NOTHING
        if committed:
            job = self.writer.current
            if job is not None and job.notes is not None:  # the caller waits: it hears it
                job.notes.append(committed)
            else:
                self._tell(committed)

    def _tell(self, committed: Changes) -> None:
        for listener in list(self._listeners):
            listener(committed)

    # ------------------------------------------------------------ the writer
    def write(self, fn: Callable, *args, **kw):
        """Run ``fn(*args, **kw)`` on the writer thread, wait, and return its result (or raise
        its exception here). On the writer thread itself it just runs.

        A write that has not started within the busy timeout (the writer is busy with an
        import) is withdrawn, never runs, and :class:`~consortium.busy.WorkspaceBusy` is
        raised. Listeners (:meth:`on_commit`) hear its commits on this thread, afterwards."""
        result, heard = self._on_writer(fn, *args, **kw)
        for committed in heard:
            self._tell(committed)
        return result

    def _on_writer(self, fn: Callable, *args, **kw) -> tuple[Any, list[Changes]]:
        """:meth:`write` without telling the listeners: its result and what its commits
        changed, for the caller to tell when it may (after it lets go of the writer)."""
        if self.writer.on_thread():
            return fn(*args, **kw), []  # atomic() tells for itself there
        if self.writer.stopped:
            raise WorkspaceError(f"The workspace {self.path.name} is closed.")
        job = self.writer.submit(fn, *args, **kw)
        job.notes = []
        try:
            self.writer.wait(job, busy.TIMEOUT_MS / 1000)
        except NotStarted:
            raise busy.error(self.path) from None
        return outcome(job), job.notes

    @contextlib.contextmanager
    def transaction(
        self,
        changes: Changes = NOTHING,
        *,
        wait_turn: IsCancelled | None = None,
        waiting: Callable[[], None] | None = None,
    ) -> Iterator[None]:
        """A long write driven from this thread: one transaction, all or nothing.

        The writer thread is held for this thread (other threads' writes wait, and are told
        the workspace is busy after the busy timeout); the transaction is opened and closed
        on it, and this thread's :meth:`write` calls (and ``@writes`` functions) inside the
        block run in it. This thread's ``ws.db`` is refused inside the block (it would not see
        the transaction): read through :meth:`write`. On the writer thread it is ``atomic()``.

        ``wait_turn`` (a cancel check): if another write holds the workspace (an import or
        making the file smaller in this process, or another program such as a scheduled
        ``consortium tenders fetch``), wait for it however long it takes, rather than be
        told the workspace is busy after the busy timeout, and raise
        :class:`~consortium.progress.Cancelled` (nothing written) if the check says so
        meanwhile; ``waiting()`` is called once, when the wait begins. For a write that can
        come back later, such as the next page of a download.
        """
        if self.writer.on_thread():
            with self.atomic(changes):
                yield
            return
        told: list[bool] = []

        def tell() -> None:
            if not told and waiting is not None:
                told.append(True)
                waiting()

        held, block = self._begin_turn(changes, wait_turn, tell)
        heard: list[Changes] = []
        try:
            try:
                yield
            except BaseException as exc:
                if not self.write(block.__exit__, type(exc), exc, exc.__traceback__):
                    raise
            else:
                _, heard = self._on_writer(block.__exit__, None, None, None)
        finally:
            held.__exit__(None, None, None)
        # Told once the writer is let go: a listener (a page refreshing) reads on this thread.
        for committed in heard:
            self._tell(committed)

    def _begin_turn(self, changes: Changes, wait_turn: IsCancelled | None, tell: Callable):
        """The writer held for this thread and the transaction begun on it: the entered hold
        and block. See :meth:`transaction`.

        With ``wait_turn``, another program holding the file (a scheduled ``consortium
        tenders fetch``, an import from the command line) is waited out too: the lock is
        tried for a moment at a time, and the writer let go between tries, so this process's
        own writes are never held up behind the wait."""
        patience = None if wait_turn is None else int(TURN_CHECK_S * 1000)
        while True:
            held = self._hold_writer(wait_turn, tell)
            block = self.atomic(changes, busy_ms=patience)
            try:
                self.write(block.__enter__)
            except busy.WorkspaceBusy:
                held.__exit__(None, None, None)
                if wait_turn is None:
                    raise
                tell()
                time.sleep(TURN_CHECK_S)  # with its note, the other program makes tries instant
                continue
            except BaseException:
                held.__exit__(None, None, None)
                raise
            return held, block

    def _hold_writer(self, wait_turn: IsCancelled | None, tell: Callable):
        """The writer held for this thread (an entered ``writer.hold``): see :meth:`transaction`."""
        if wait_turn is None:
            try:
                held = self.writer.hold(busy.TIMEOUT_MS / 1000)
                held.__enter__()
            except NotStarted:
                raise busy.error(self.path) from None
            return held
        while True:
            if wait_turn():
                raise Cancelled("Cancelled before anything was written.")
            held = self.writer.hold(TURN_CHECK_S)
            try:
                held.__enter__()
            except NotStarted:
                tell()
                continue
            return held

    def _begin(self, busy_ms: int | None = None) -> None:
        # Another process that left a note is in a long write (an import): say so at once
        # rather than keep the window waiting the whole busy timeout for nothing.
        note = busy.holder(self.path)
        hurry = note is not None and not note["ours"]
        if hurry:
            busy_ms = 0
        if busy_ms is not None:
            self.writer_conn.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
        try:
            self.writer_conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if busy.is_locked(exc):
                raise busy.error(self.path) from exc
            raise
        finally:
            if busy_ms is not None:
                self.writer_conn.execute(f"PRAGMA busy_timeout = {busy.TIMEOUT_MS}")

    def changed_elsewhere(self) -> bool:
        """True if another program committed to the file since the workspace opened or this
        was last asked: a scheduled ``consortium tenders fetch``, an import from the command
        line. Runs on the writer thread (the window posts it there and polls the job, so it
        waits out an import of this window's own rather than blocking the window).

        SQLite's ``data_version``, read on the writing connection, changes only for commits
        made through other connections: this workspace's own writes never set it off and its
        readers never write. It reads the -shm only: nothing proportional to the workspace.
        """
        if not self.writer.on_thread():
            return self.writer.call(self.changed_elsewhere)
        (version,) = self.writer_conn.execute("PRAGMA data_version").fetchone()
        before, self._data_version = self._data_version, version
        return before is not None and version != before

    def write_soon(self, write: Callable[[], None]) -> None:
        """Run a small bookkeeping write (a tender marked as seen) now, or, while the writer
        is busy (an import), straight after that write on the writer thread: the window never
        waits for an import to record that a row was looked at. Dropped when another program
        holds the workspace: it is worth neither a wait nor a message."""
        if self.writer.on_thread() and self._writer is None and self.writer.holder is None:
            self._soon_job(write)  # a write that is done calls it: nothing is open
            return
        idle = self.writer.idle() and not self.writer.on_thread()
        job = self.writer.post(self._soon_job, write)
        if idle:  # starts at once: wait, so the caller reads what it wrote
            job.notes = []
            try:
                self.writer.wait(job, 0.5)
            except NotStarted:  # an import took the writer meanwhile: after it, then
                self.writer.post(self._soon_job, write)
                return
            for committed in job.notes:
                self._tell(committed)

    def _soon_job(self, write: Callable[[], None]) -> None:
        self.writer_conn.execute("PRAGMA busy_timeout = 100")
        try:
            with contextlib.suppress(ConsortiumError, sqlite3.Error):
                write()
        finally:
            self.writer_conn.execute(f"PRAGMA busy_timeout = {busy.TIMEOUT_MS}")

    def note(self, changes: Changes) -> None:
        """Add to what the open transaction changes (for code that learns it on the way)."""
        if self._writer != threading.get_ident():
            raise WorkspaceError("note() belongs inside a ws.atomic() block.")
        self._changes = self._changes | changes

    def on_commit(self, listener: Callable[[Changes], None]) -> Callable[[], None]:
        """Call ``listener(changes)`` after each commit that names a change: on the thread
        that asked for the write (:meth:`write`), or on the writer thread for a write nobody
        waits for (:meth:`write_soon`). Returns a function that stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def audit(
        self,
        action: str,
        entity: str,
        entity_id: int | str | None,
        summary: str,
        changes: dict | None = None,
    ) -> None:
        """Append to the audit log. Call inside the same ``atomic()`` as the change itself."""
        self.conn.execute(
            "INSERT INTO audit (at, who, action, entity, entity_id, summary, changes) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                _now(),
                _user(),
                action,
                entity,
                None if entity_id is None else str(entity_id),
                summary,
                json.dumps(changes, default=str, ensure_ascii=False) if changes else None,
            ],
        )

    def audit_log(self, limit: int = 200) -> list[dict]:
        return list(self.db.query("SELECT * FROM audit ORDER BY id DESC LIMIT ?", [limit]))

    # ----------------------------------------------------------------- backups
    def backup_to(
        self,
        dest: str | Path,
        progress: Progress | None = None,
        cancelled: IsCancelled | None = None,
    ) -> Path:
        """Copy the whole workspace to ``dest`` with SQLite's online backup API, reporting
        ``progress``; Cancel leaves no file behind (:class:`~consortium.progress.Cancelled`)."""
        dest = Path(dest).expanduser().resolve()
        if dest == self.path:
            raise WorkspaceError("A backup cannot overwrite the workspace itself.")
        dest.parent.mkdir(parents=True, exist_ok=True)
        return _copy_database(self.conn, dest, progress, cancelled)

    def _daily_backup(self) -> Path | None:
        """Start today's backup, if none was made yet, on a thread with its own connection: the
        window opens at once however big the file (WAL lets it read while the window writes)."""
        name = f"daily-{dt.date.today().isoformat()}"
        folder = self._backup_dir()
        if any(folder.glob(f"{name}*.consortium")) or any(folder.glob(f"{name}*.backup")):
            return None
        dest = folder / f"{name}{backup_store.SUFFIX}"
        with _BACKUPS_LOCK:
            running = _BACKUPS_RUNNING.get(dest)
            if running is not None and running.is_alive():
                return None  # still storing the pieces of one started before (a reopen)
            # Not a daemon: a window closed while the pieces are stored closes at once, and
            # the process lingers the second or two it takes rather than lose the backup.
            self._backup_thread = threading.Thread(
                target=self._backup_in_background, args=(dest,), name="daily-backup"
            )
            _BACKUPS_RUNNING[dest] = self._backup_thread
        self._backup_thread.start()
        return dest

    def _backup_in_background(self, dest: Path) -> None:
        """Today's copy, kept as pieces shared with the other days' (:mod:`.backup_store`):
        seven days of a 495 MB workspace took 3.5 GB as whole copies."""
        # Its own name: another program opening the workspace today may be backing it up too.
        snapshot = backup_store.snapshot_name(dest.parent, dest.stem)
        try:
            source = sqlite3.connect(self.path, timeout=30)
            try:
                _copy_database(source, snapshot)  # one consistent copy (SQLite's backup API)
            finally:
                source.close()
                self._backup_copied.set()  # the workspace's file is no longer read
            try:
                backup_store.save(dest.parent, snapshot, dest.stem)
            finally:
                snapshot.unlink(missing_ok=True)
        except Exception as exc:  # kept for the window to report; never breaks the open
            self.backup_error = exc
            return
        # Today's backup is made: what a failed clear-away would have deleted goes next time.
        with contextlib.suppress(OSError):
            backup_store.prune(dest.parent, "daily-", DAILY_BACKUPS_KEPT)

    def wait_for_backup(self, *, whole: bool = True) -> None:
        """Return once the daily backup started by :meth:`open` has finished (``whole=False``:
        once it has copied the file, which is all that reads the workspace itself)."""
        thread = self._backup_thread
        if thread is None or thread is threading.current_thread():
            return
        if whole:
            thread.join()
        else:
            while thread.is_alive() and not self._backup_copied.wait(0.05):
                pass

    @property
    def backup_running(self) -> bool:
        """True while the daily backup started by :meth:`open` is still copying."""
        thread = self._backup_thread
        return thread is not None and thread.is_alive()

    def backup_folder(self) -> Path:
        """Where this workspace's backups go (beside the workspace file)."""
        return self._backup_dir()

    def backups(self) -> list[backup_store.Backup]:
        """This workspace's backups, oldest first (daily ones as pieces, others whole)."""
        return backup_store.backups(self._backup_dir())

    # ------------------------------------------------------------------- check
    def check(self, cancelled: IsCancelled | None = None) -> list[str]:
        """Integrity problems found, as sentences; an empty list means all is well. Reads the
        whole file (seconds for a year of tenders); raises
        :class:`~consortium.progress.Cancelled` when ``cancelled()``."""
        problems: list[str] = []
        conn = self.conn
        try:
            with _long_statements(conn, cancelled or never_cancelled):
                for (row,) in conn.execute("PRAGMA integrity_check"):
                    if row != "ok":
                        problems.append(f"Database integrity: {row}")
                for table, rowid, parent, _fk in conn.execute("PRAGMA foreign_key_check"):
                    problems.append(
                        f"Table {table} row {rowid} points to a missing {parent} record."
                    )
        except Cancelled:
            raise Cancelled("Cancelled: the check was stopped.") from None
        if self.schema_version != migrations.LATEST:
            problems.append(
                f"Workspace format is {self.schema_version}, expected {migrations.LATEST}."
            )
        if not self.attachments.is_dir():
            problems.append(f"The attachments folder {self.attachments} is missing.")
        return problems


class Reader:
    """A read-only connection of one thread (see :attr:`Workspace.reader`).

    It has the attributes read functions use (``db``, ``conn``, ``path``), so a core read such
    as ``search.rows(ws.reader, keys)`` runs on it unchanged; writing through it is refused."""

    def __init__(self, path: Path):
        self.path = path
        self.owner = threading.current_thread()  # the only thread that reads through it
        # check_same_thread=False so Workspace.close may stop (interrupt) it from another thread.
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA query_only = ON")
        self.conn.execute("PRAGMA foreign_keys = ON")  # as the writer's, so checks read alike
        self.conn.execute(f"PRAGMA busy_timeout = {busy.TIMEOUT_MS}")
        self.conn.execute("PRAGMA cache_size = -65536")  # as the writer: searches stay quick
        self.conn.execute("PRAGMA mmap_size = 268435456")
        self.db = sqlite_utils.Database(self.conn)
        self.closed = False

    @property
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def atomic(self, changes: Changes = NOTHING):
        raise WorkspaceError("A reading connection cannot write; use the workspace itself.")

    def close(self) -> None:
        """Close it, from its own thread or once that thread has ended. From another thread it
        is only stopped: closing a connection while its thread reads through it (its pages
        mapped in memory) crashed the process, when the window closed while the Pipeline was
        still being found. Its thread closes it the next time it asks any workspace for a
        reader (the window's worker threads live as long as the app, so a workspace switched
        away from would otherwise keep its file, -wal and -shm open until it was collected)."""
        self.closed = True
        with contextlib.suppress(sqlite3.Error):
            if self.owner is threading.current_thread() or not self.owner.is_alive():
                self.conn.close()
                return
            self.conn.interrupt()  # what it runs stops with "interrupted"
        _stop(self)


# Readers stopped from another thread, by owner: each closed by its own thread the next time
# it asks for a reader, or by any thread once its owner has ended.
_STOPPED: dict[threading.Thread, list[Reader]] = {}
_STOPPED_LOCK = threading.Lock()


def _stop(reader: Reader) -> None:
    with _STOPPED_LOCK:
        _STOPPED.setdefault(reader.owner, []).append(reader)


def _close_stopped_readers() -> None:
    """Close the stopped readers this thread owns, and those whose thread has ended (on every
    read of an open workspace, so nothing to do is the usual case: one test of the dict)."""
    if not _STOPPED:
        return
    me = threading.current_thread()
    with _STOPPED_LOCK:
        mine = _STOPPED.pop(me, [])
        for owner in [t for t in _STOPPED if not t.is_alive()]:
            mine += _STOPPED.pop(owner)
    for reader in mine:
        reader.closed = True
        with contextlib.suppress(sqlite3.Error):
            reader.conn.close()


def writes(fn: Callable) -> Callable:
    """Run a core write function on its workspace's writer thread (see :meth:`Workspace.write`).

    Put it on every function that opens ``ws.atomic()``; its first argument (or ``ws=``) is the
    workspace. Called on the writer thread (from another write) it just runs."""

    @functools.wraps(fn)
    def on_writer(*args, **kw):
        ws = args[0] if args else kw.get("ws")
        if not isinstance(ws, Workspace):
            return fn(*args, **kw)  # a Reader: its atomic() refuses with its own message
        return ws.write(fn, *args, **kw)

    return on_writer


def _held_read() -> WorkspaceError:
    return WorkspaceError(
        "Inside ws.transaction() this thread's reads would not see the open transaction: "
        "read through ws.write(fn, ...) instead."
    )


def _connect_writer(path: Path) -> sqlite3.Connection:
    # check_same_thread=False only so a failed open can close it from the caller's thread
    # after the writer has stopped; every statement runs on the writer thread.
    return sqlite3.connect(path, isolation_level=None, check_same_thread=False)


def _version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def _has_tables(path: Path) -> bool:
    conn = sqlite3.connect(_read_only_uri(path), uri=True)
    try:
        return conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
    finally:
        conn.close()


@contextlib.contextmanager
def _long_statements(
    conn: sqlite3.Connection, cancelled: IsCancelled, *, temp_on_disk: bool = False
) -> Iterator[None]:
    """Run long SQLite work on ``conn`` that Cancel can stop: SQLite asks ``cancelled()`` as it
    works, stops the statement ("interrupted") and :class:`~consortium.progress.Cancelled` is
    raised. ``temp_on_disk``: its undo records and scratch copies go to a temporary file, not
    memory (a year of tenders rewritten would need gigabytes). Both are put back after."""
    (store,) = conn.execute("PRAGMA temp_store").fetchone()
    if temp_on_disk:
        conn.execute("PRAGMA temp_store = FILE")
    conn.set_progress_handler(lambda: 1 if cancelled() else 0, 20_000)
    try:
        yield
    except sqlite3.OperationalError as exc:
        if cancelled() and "interrupt" in str(exc).lower():
            raise Cancelled() from exc
        raise
    finally:
        conn.set_progress_handler(None, 0)
        if temp_on_disk:
            conn.execute(f"PRAGMA temp_store = {int(store)}")


def _copy_database(
    source: sqlite3.Connection,
    dest: Path,
    progress: Progress | None = None,
    cancelled: IsCancelled | None = None,
    text: str = "",
) -> Path:
    """Copy with SQLite's online backup API to ``dest`` (via a ``.part`` file, renamed)."""
    tmp = dest.with_name(dest.name + ".part")
    tmp.unlink(missing_ok=True)
    text = text or f"Copying to {dest.name}…"

    def step(_status: int, remaining: int, total: int) -> None:
        if cancelled is not None and cancelled():
            raise Cancelled("Cancelled: no backup was made.")
        if progress is not None:
            progress(total - remaining, total, text)

    stepped = progress is not None or cancelled is not None
    target = sqlite3.connect(tmp)
    # Copied in steps, a backup starts again from the first page whenever another connection
    # commits between them (another program importing: it might never end). A read
    # transaction held over the whole copy reads one snapshot instead.
    snapshot = stepped and not source.in_transaction
    try:
        if snapshot:
            source.execute("BEGIN")
            source.execute("SELECT count(*) FROM sqlite_master").fetchone()
        # 1,024 pages a step (16 MB): progress and Cancel between steps.
        source.backup(target, pages=1024 if stepped else -1, progress=step)
        # A backup is a standalone file: keep it in rollback-journal mode so it is one file.
        target.execute("PRAGMA journal_mode = DELETE")
    except BaseException:
        target.close()
        tmp.unlink(missing_ok=True)
        raise
    finally:
        if snapshot:
            source.execute("COMMIT")
    target.close()
    tmp.replace(dest)
    return dest


def _stamp() -> str:
    return dt.datetime.now().strftime("%Y%m%d-%H%M%S")


def _rotate(folder: Path, prefix: str, keep: int) -> None:
    files = sorted(folder.glob(f"{prefix}*.consortium"))
    for old in files[:-keep]:
        old.unlink(missing_ok=True)
