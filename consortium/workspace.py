"""A workspace: one SQLite file plus an attachments folder beside it.

    ws = Workspace.create("charity.consortium")
    with ws.atomic():
        ws.db["organisations"].insert({...})
        ws.audit("create", "organisation", 1, "Added Hope Trust")
    ws.close()

Every write goes through ``ws.atomic()`` so a failure leaves the file exactly as it was.
Opening a file first reads its schema version on a read-only connection: a workspace made by a
newer version of the app is refused before anything (even WAL mode) touches it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import json
import sqlite3
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

from consortium import migrations
from consortium.errors import ConsortiumError

# "CONS" as a 32-bit big-endian integer: lets us tell our files from any other SQLite file.
APPLICATION_ID = 0x434F4E53
SUFFIX = ".consortium"
DAILY_BACKUPS_KEPT = 7
MIGRATION_BACKUPS_KEPT = 5


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
    the path part of a URI. With no -wal file beside it the database is opened as immutable,
    because a read-only connection to a WAL-mode file otherwise creates -wal and -shm files.
    """
    quoted = urllib.parse.quote(path.as_posix(), safe="/:")  # keep 'C:/' drive letters as is
    has_wal = path.with_name(path.name + "-wal").exists()
    return f"file:{quoted}?mode=ro" + ("" if has_wal else "&immutable=1")


def read_version(path: Path) -> tuple[int, int]:
    """(application_id, user_version) read without writing anything to the file."""
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
    return app_id, version


class Workspace:
    """An open workspace. Use :meth:`open` or :meth:`create`, then :meth:`close`."""

    def __init__(self, path: Path, conn: sqlite3.Connection):
        self.path = path
        self.db = sqlite_utils.Database(conn)
        self.conn = conn
        self._backup_thread: threading.Thread | None = None
        self.backup_error: BaseException | None = None  # of the last daily backup, if it failed

    # ----------------------------------------------------------------- opening
    @classmethod
    def create(cls, path: str | Path) -> Workspace:
        """Create a new, empty workspace. Refuses to overwrite an existing file."""
        path = Path(path).expanduser().resolve()
        if path.exists():
            raise WorkspaceError(f"{path} already exists; choose another name or open it.")
        path.parent.mkdir(parents=True, exist_ok=True)
        return cls.open(path, create=True)

    @classmethod
    def open(cls, path: str | Path, *, create: bool = False, backup: bool = True) -> Workspace:
        """Open (and migrate, after a backup) an existing workspace."""
        path = Path(path).expanduser().resolve()
        if not path.exists():
            if not create:
                raise WorkspaceError(
                    f"No workspace at {path}. Create one with 'consortium init {path}'."
                )
        elif path.is_dir():
            raise WorkspaceError(f"{path} is a folder; give the workspace file instead.")
        else:
            app_id, version = read_version(path)
            if app_id not in (0, APPLICATION_ID):
                raise WorkspaceError(f"{path} is an SQLite file but not a Consortium workspace.")
            if app_id == 0 and version == 0 and _has_tables(path):
                raise WorkspaceError(f"{path} is an SQLite file but not a Consortium workspace.")
            if version > migrations.LATEST:
                raise WorkspaceTooNew(
                    f"{path} was saved by a newer version of Consortium (workspace format "
                    f"{version}; this app reads up to {migrations.LATEST}). Update the app to "
                    "open it. The file has not been changed."
                )
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        ws = cls(path, conn)
        try:
            ws._configure()
            ws._migrate(backup=backup)
            ws.attachments.mkdir(exist_ok=True)
            if backup:
                ws._daily_backup()
        except Exception:
            conn.close()
            raise
        return ws

    def _configure(self) -> None:
        self.conn.execute("PRAGMA foreign_keys = ON")
        # Deleted rows are overwritten, so an erased person's details do not linger in free pages.
        self.conn.execute("PRAGMA secure_delete = ON")
        self.conn.execute("PRAGMA busy_timeout = 5000")
        mode = self.conn.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "wal":
            self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = NORMAL")
        # Searching 200,000 tenders reads much of the index: keep it in memory between queries.
        self.conn.execute("PRAGMA cache_size = -65536")
        self.conn.execute("PRAGMA mmap_size = 268435456")

    def _migrate(self, *, backup: bool) -> None:
        current = self.schema_version
        if current >= migrations.LATEST:
            return
        if current > 0 and backup:
            self.backup_to(self._backup_dir() / f"before-migration-{current}-{_stamp()}.consortium")
            _rotate(self._backup_dir(), "before-migration-", MIGRATION_BACKUPS_KEPT)
        for version, step in migrations.pending(current):
            # One transaction per step: a failed step leaves the file at the previous version.
            with self.atomic():
                step(self.db)
                self.conn.execute(f"PRAGMA user_version = {version}")
                self.conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                self.audit(
                    "migrate",
                    "workspace",
                    None,
                    f"Workspace format {version - 1} → {version}: {step.__doc__ or step.__name__}",
                )

    # ------------------------------------------------------------------- state
    @property
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    @property
    def attachments(self) -> Path:
        return self.path.with_name(self.path.stem + "-attachments")

    def _backup_dir(self) -> Path:
        d = self.path.with_name(self.path.stem + "-backups")
        d.mkdir(exist_ok=True)
        return d

    def close(self) -> None:
        self.wait_for_backup()
        with contextlib.suppress(sqlite3.Error):
            self.conn.execute("PRAGMA optimize")
        self.conn.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ writes
    @contextlib.contextmanager
    def atomic(self) -> Iterator[sqlite_utils.Database]:
        """One transaction (a savepoint when nested): all or nothing."""
        with self.db.atomic():
            yield self.db

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
    def backup_to(self, dest: str | Path) -> Path:
        """Copy the whole workspace to ``dest`` with SQLite's online backup API."""
        dest = Path(dest).expanduser().resolve()
        if dest == self.path:
            raise WorkspaceError("A backup cannot overwrite the workspace itself.")
        dest.parent.mkdir(parents=True, exist_ok=True)
        return _copy_database(self.conn, dest)

    def _daily_backup(self) -> Path | None:
        """Start today's backup, if none was made yet, on a thread with its own connection: the
        window opens at once however big the file (WAL lets it read while the window writes)."""
        today = dt.date.today().isoformat()
        folder = self._backup_dir()
        if any(folder.glob(f"daily-{today}*.consortium")):
            return None
        dest = folder / f"daily-{today}.consortium"
        self._backup_thread = threading.Thread(
            target=self._backup_in_background, args=(dest,), name="daily-backup", daemon=True
        )
        self._backup_thread.start()
        return dest

    def _backup_in_background(self, dest: Path) -> None:
        try:
            source = sqlite3.connect(self.path, timeout=30)
            try:
                _copy_database(source, dest)
            finally:
                source.close()
            _rotate(dest.parent, "daily-", DAILY_BACKUPS_KEPT)
        except Exception as exc:  # kept for the window to report; never breaks the open
            self.backup_error = exc

    def wait_for_backup(self) -> None:
        """Return once the daily backup started by :meth:`open` has finished."""
        thread = self._backup_thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def backups(self) -> list[Path]:
        return sorted(self._backup_dir().glob("*.consortium"))

    # ------------------------------------------------------------------- check
    def check(self) -> list[str]:
        """Integrity problems found, as sentences; an empty list means all is well."""
        problems: list[str] = []
        for (row,) in self.conn.execute("PRAGMA integrity_check"):
            if row != "ok":
                problems.append(f"Database integrity: {row}")
        for table, rowid, parent, _fk in self.conn.execute("PRAGMA foreign_key_check"):
            problems.append(f"Table {table} row {rowid} points to a missing {parent} record.")
        if self.schema_version != migrations.LATEST:
            problems.append(
                f"Workspace format is {self.schema_version}, expected {migrations.LATEST}."
            )
        if not self.attachments.is_dir():
            problems.append(f"The attachments folder {self.attachments} is missing.")
        return problems


def _has_tables(path: Path) -> bool:
    conn = sqlite3.connect(_read_only_uri(path), uri=True)
    try:
        return conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
    finally:
        conn.close()


def _copy_database(source: sqlite3.Connection, dest: Path) -> Path:
    """Copy with SQLite's online backup API to ``dest`` (via a ``.part`` file, renamed)."""
    tmp = dest.with_name(dest.name + ".part")
    tmp.unlink(missing_ok=True)
    target = sqlite3.connect(tmp)
    try:
        source.backup(target)
        # A backup is a standalone file: keep it in rollback-journal mode so it is one file.
        target.execute("PRAGMA journal_mode = DELETE")
    finally:
        target.close()
    tmp.replace(dest)
    return dest


def _stamp() -> str:
    return dt.datetime.now().strftime("%Y%m%d-%H%M%S")


def _rotate(folder: Path, prefix: str, keep: int) -> None:
    files = sorted(folder.glob(f"{prefix}*.consortium"))
    for old in files[:-keep]:
        old.unlink(missing_ok=True)
