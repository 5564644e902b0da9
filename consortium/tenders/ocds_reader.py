"""Find the files to import and stream OCDS releases out of them.

A file is never loaded whole: ijson reads it in 64 KB pieces and hands over one release at a
time, so a 1 GB package needs no more memory than its largest release.

    for source in sources(["downloads/"]):          # files, folders and .zip files
        for release in read_releases(source):        # release packages, record packages,
            ...                                      # JSON Lines, arrays of releases

Accepted JSON shapes: a release package (``releases``), a record package (``records``, using
the full releases of each record, else its ``compiledRelease``), JSON Lines of releases or of
packages, and a JSON array of releases or packages.
"""

from __future__ import annotations

import io
import re
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import ijson

from consortium.errors import ConsortiumError
from consortium.files import cannot_open
from consortium.tenders.json_guard import JsonGuard

JSON_SUFFIXES = {".json", ".jsonl", ".ndjson", ".jsonlines"}
CSV_SUFFIXES = {".csv"}
XLSX_SUFFIXES = {".xlsx", ".xlsm"}
ZIP_SUFFIXES = {".zip"}
BUFSIZE = 64 * 1024
EMPTY = "empty"  # the kind of a zero-byte file found in a folder: skipped and reported


class TenderFileError(ConsortiumError):
    """A file given for import cannot be read; nothing was imported."""


@dataclass
class Source:
    """One file to import: a file on disk or a member of a .zip file."""

    name: str  # what the user sees: a path, or "archive.zip › inner/file.json"
    kind: str  # "json", "csv", "xlsx", or EMPTY (a zero-byte file in a folder: skipped)
    size: int
    opener: Callable[[], BinaryIO]

    def open(self) -> BinaryIO:
        """The file's bytes; a read that fails (a damaged .zip member, a disk error) raises
        :class:`TenderFileError` naming this file, never a raw zlib or OS error."""
        try:
            return _ReadErrors(self.opener(), self.name)
        except _READ_ERRORS as exc:
            raise _read_error(self.name, exc) from exc


class _Wrapper(io.RawIOBase):
    """A read-only stream over ``self.raw``: subclasses define ``read``; the rest is shared."""

    raw: BinaryIO

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.raw.close()
        super().close()


# What reading a damaged file or .zip member can raise: zlib, CRC and truncation errors, an
# encrypted member (RuntimeError) or a compression method Python lacks (NotImplementedError).
_READ_ERRORS = (
    OSError,
    EOFError,
    zlib.error,
    zipfile.BadZipFile,
    RuntimeError,
    NotImplementedError,
)


def _read_error(name: str, exc: BaseException) -> TenderFileError:
    detail = str(exc) or type(exc).__name__
    return TenderFileError(
        f"{name} could not be read: the file is damaged or was cut short ({detail}). Nothing was "
        "imported. Download it again, or unpack the .zip file and import what it holds."
    )


class _ReadErrors(_Wrapper):
    """Turns the errors of reading ``raw`` into :class:`TenderFileError` naming the file."""

    def __init__(self, raw: BinaryIO, name: str):
        self.raw = raw
        self.name = name

    def read(self, size: int = -1) -> bytes:
        try:
            return self.raw.read(size)
        except _READ_ERRORS as exc:
            raise _read_error(self.name, exc) from exc

    # Seeking passes through (openpyxl needs it for an .xlsx file).
    def seekable(self) -> bool:
        return self.raw.seekable()

    def seek(self, offset: int, whence: int = 0) -> int:
        try:
            return self.raw.seek(offset, whence)
        except _READ_ERRORS as exc:
            raise _read_error(self.name, exc) from exc

    def tell(self) -> int:
        return self.raw.tell()


class Counting(_Wrapper):
    """Wraps a binary stream and counts the bytes read, for the progress bar."""

    def __init__(self, raw: BinaryIO):
        self.raw = raw
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.count += len(data)
        return data


def _kind_of(name: str) -> str | None:
    suffix = PurePosixPath(name.lower()).suffix
    if suffix in JSON_SUFFIXES:
        return "json"
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in XLSX_SUFFIXES:
        return "xlsx"
    if suffix in ZIP_SUFFIXES:
        return "zip"
    return None


def sources(paths: Iterable[str | Path]) -> list[Source]:
    """Every importable file under ``paths`` (files, folders, .zip files), in a stable order.

    Raises :class:`TenderFileError` for a missing path, an unreadable or unsafe .zip file, or a
    file of a kind we cannot read.
    """
    found: list[Source] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            raise TenderFileError(f"{path} does not exist. Check the name and try again.")
        if path.is_dir():
            files = sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and not p.name.startswith(".") and _kind_of(p.name)
            )
            for file in files:
                found.extend(_file_sources(file, explicit=False))
        else:
            found.extend(_file_sources(path, explicit=True))
    return found


def _file_sources(path: Path, *, explicit: bool) -> list[Source]:
    problem = cannot_open(path)
    if problem:  # not "damaged": the file may be fine, only locked away
        raise TenderFileError(f"{problem} Nothing was imported.")
    kind = _kind_of(path.name)
    if kind == "zip":
        return _zip_sources(path)
    if kind is None:
        head = _head(path)
        if head[:1] in (b"{", b"["):
            kind = "json"
        elif explicit:
            raise TenderFileError(
                f"{path} is not a file Consortium can import. Give OCDS JSON (.json, .jsonl), "
                "a Contracts Finder export (.csv, .xlsx) or a .zip file of them."
            )
        else:
            return []
    size = path.stat().st_size
    if size == 0 and not explicit:
        # One empty file in a folder must not stop the rest: the importer skips and names it.
        return [Source(str(path), EMPTY, 0, lambda: io.BytesIO(b""))]
    return [Source(str(path), kind, size, lambda p=path: open(p, "rb"))]


def _head(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")


def _zip_sources(path: Path) -> list[Source]:
    if path.stat().st_size == 0:
        raise TenderFileError(
            f"{path} is empty (0 bytes), so it is not a usable .zip file. Download it again."
        )
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise TenderFileError(
            f"{path} is not a readable .zip file ({exc}). Download it again."
        ) from exc
    found: list[Source] = []
    archive = _Archive(path)
    for info in sorted(infos, key=lambda i: i.filename):
        name = info.filename.replace("\\", "/")
        parts = PurePosixPath(name).parts
        if name.startswith("/") or ".." in parts or (parts and ":" in parts[0]):
            raise TenderFileError(
                f"{path} contains a file with an unsafe path ({info.filename!r}) that points "
                "outside the archive. It was not imported; ask the sender for a clean copy."
            )
        if info.is_dir() or any(p.startswith(".") or p == "__MACOSX" for p in parts):
            continue
        kind = _kind_of(name)
        if kind in (None, "zip"):
            continue
        found.append(
            Source(
                f"{path} › {name}",
                kind,
                info.file_size,
                lambda n=info.filename: archive.open(n),
            )
        )
    return found


class _Archive:
    """One .zip file, opened once for all its members, closed when its sources are let go.

    Opening it again for each member read its whole directory each time, and each opened copy
    stayed in memory until Python's collector ran: a 2 MB file of 20,000 small members took
    24 GB and was killed."""

    def __init__(self, path: Path):
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self._lock = threading.Lock()

    def open(self, member: str) -> BinaryIO:
        with self._lock:
            if self._zip is None:
                self._zip = zipfile.ZipFile(self.path)
            return self._zip.open(member)

    def __del__(self) -> None:
        if self._zip is not None:
            self._zip.close()


# --------------------------------------------------------------------------- JSON reading
def _open_json(source: Source) -> BinaryIO:
    stream = source.open()
    head = stream.read(3)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        stream.close()
        raise TenderFileError(
            f"{source.name} is saved as UTF-16 text. Save it as UTF-8 (in most editors: "
            "Save As, Encoding: UTF-8) and import it again."
        )
    if head != b"\xef\xbb\xbf":
        return _Prefixed(head, stream)
    return stream


class _Prefixed(_Wrapper):
    """A stream with a few already-read bytes put back in front."""

    def __init__(self, prefix: bytes, stream: BinaryIO):
        self.prefix = prefix
        self.raw = stream

    def read(self, size: int = -1) -> bytes:
        if self.prefix:
            if size is None or size < 0:
                data, self.prefix = self.prefix + self.raw.read(), b""
                return data
            data, self.prefix = self.prefix[:size], self.prefix[size:]
            if len(data) < size:
                data += self.raw.read(size - len(data))
            return data
        return self.raw.read(size)


def _json_error(source: Source, exc: Exception) -> TenderFileError:
    text = str(exc)
    if isinstance(exc, UnicodeDecodeError) or "invalid bytes in UTF8" in text:
        return TenderFileError(
            f"{source.name} is not in UTF-8 text encoding, so it cannot be read. Open it in a "
            "text editor, save it as UTF-8 and import it again."
        )
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    if "premature EOF" in text or "incomplete" in text.lower():
        return TenderFileError(
            f"{source.name} ends too early: the JSON is incomplete (the download may have been "
            f"cut short). Download it again. Detail: {first}"
        )
    return TenderFileError(
        f"{source.name} is not valid JSON, so it cannot be imported. Detail: {first}"
    )


def sniff(source: Source) -> str:
    """'package', 'records', 'lines' (one release per JSON value) or 'array'.

    Raises :class:`TenderFileError` if the file is empty, not JSON, or JSON but not OCDS.
    """
    stream = JsonGuard(_open_json(source))
    try:
        for prefix, event, value in ijson.parse(stream, multiple_values=True, buf_size=BUFSIZE):
            if prefix == "" and event == "start_array":
                return "array"
            if prefix == "" and event == "map_key":
                if value == "releases":
                    return "package"
                if value == "records":
                    return "records"
                if value == "ocid":
                    return "lines"
            elif (
                prefix == "" and event == "end_map" or prefix == "" and event not in ("start_map",)
            ):
                break
        else:
            raise TenderFileError(
                f"{source.name} is empty: it holds no notices. Check you chose the right file."
            )
    except TenderFileError:
        raise
    except (ijson.JSONError, UnicodeDecodeError) as exc:
        if _is_blank(source):
            raise TenderFileError(
                f"{source.name} is empty: it holds no notices. Check you chose the right file."
            ) from exc
        raise _json_error(source, exc) from exc
    finally:
        stream.close()
    raise TenderFileError(
        f"{source.name} is JSON but not Open Contracting (OCDS) data: it has no 'releases' or "
        "'records'. Download a release or record package from Find a Tender or Contracts Finder."
    )


def _is_blank(source: Source) -> bool:
    with source.open() as stream:
        while chunk := stream.read(BUFSIZE):
            if chunk.strip(b"\xef\xbb\xbf \t\r\n"):
                return False
    return True


def read_releases(source: Source, counter: list[Counting] | None = None) -> Iterator[dict]:
    """Stream the releases of one JSON source (numbers beyond a double stay ``Decimal``).

    ``counter``, if given, receives the byte-counting stream so a caller can report progress.
    ``Infinity``, ``-Infinity`` and ``NaN`` (not JSON, but written by some tools for numbers
    beyond a double) are read as ``1e9999``, ``-1e9999`` and null instead of failing the file.
    """
    shape = sniff(source)
    yielded = 0
    try:
        for release in _read(source, shape, counter, lenient=False):
            yielded += 1
            yield release
        return
    except TenderFileError as exc:
        if not _NON_FINITE_ERROR.search(str(exc.__cause__ or "")):
            raise
    if counter is not None:
        counter.clear()
    # Read again with the lenient filter, skipping what was already handed over.
    for index, release in enumerate(_read(source, shape, counter, lenient=True)):
        if index >= yielded:
            yield release


_NON_FINITE_ERROR = re.compile(r"(-?Infinity|NaN)")
_PREFIX = {"package": "releases.item", "records": "records.item", "lines": "", "array": "item"}


def _read(source: Source, shape: str, counter, *, lenient: bool) -> Iterator[dict]:
    counting = Counting(source.open())
    if counter is not None:
        counter.append(counting)
    raw: BinaryIO = _NonFinite(counting) if lenient else counting
    # The guard comes last, next to the parser: it replaces any number too long or value
    # nested too deep for ijson to read safely (see json_guard).
    stream = JsonGuard(_open_json(Source(source.name, source.kind, source.size, lambda: raw)))
    try:
        items = ijson.items(stream, _PREFIX[shape], multiple_values=True, buf_size=BUFSIZE)
        for item in items:
            if shape == "records":
                yield from _record_releases(item)
            else:
                yield from _expand(item)
    except (ijson.JSONError, UnicodeDecodeError) as exc:
        raise _json_error(source, exc) from exc
    finally:
        stream.close()


class _NonFinite(_Wrapper):
    """Rewrites the non-JSON tokens Infinity / -Infinity / NaN outside strings."""

    _TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)|-?Infinity|NaN')
    _REPLACE = {b"Infinity": b"1e9999", b"-Infinity": b"-1e9999", b"NaN": b"null"}

    def __init__(self, raw: BinaryIO):
        self.raw = raw
        self.carry = b""
        self.eof = False

    def read(self, size: int = -1) -> bytes:
        while True:
            chunk = b"" if self.eof else self.raw.read(size if size and size > 0 else BUFSIZE)
            if not chunk:
                self.eof = True
            data, self.carry = self.carry + chunk, b""
            if not data:
                return b""
            out, pos = [], 0
            for m in self._TOKENS.finditer(data):
                token = m.group(0)
                if token.startswith(b'"'):
                    if not self.eof and (
                        len(token) < 2
                        or not token.endswith(b'"')
                        or token.endswith(b'\\"')
                        and _odd_escape(token)
                    ):
                        # A string cut by the chunk boundary: keep it for the next read.
                        self.carry = data[m.start() :]
                        data = data[: m.start()]
                        break
                    continue
                out.append(data[pos : m.start()])
                out.append(self._REPLACE[token])
                pos = m.end()
            rest = data[pos:]
            if not self.eof and not self.carry:
                tail = re.search(rb"-?[A-Za-z]{0,8}\Z", rest)
                if tail and tail.group(0):
                    self.carry = rest[tail.start() :]
                    rest = rest[: tail.start()]
            out.append(rest)
            result = b"".join(out)
            if result or self.eof:
                return result


def _odd_escape(token: bytes) -> bool:
    """True if the closing quote of ``token`` is escaped (an odd run of backslashes before it)."""
    run = len(token) - 1 - len(token[:-1].rstrip(b"\\"))
    return run % 2 == 1


def _expand(item) -> Iterator[dict]:
    """A release as is; a package (from JSON Lines or an array) as its releases."""
    if not isinstance(item, dict):
        return
    if "ocid" in item and _RECORD_KEYS.intersection(item) and not _CONTENT_KEYS.intersection(item):
        yield from _record_releases(item)  # a bare record (JSON Lines of records)
    elif "releases" in item and "ocid" not in item:
        for release in item.get("releases") or []:
            if isinstance(release, dict):
                yield release
    elif "records" in item and "ocid" not in item:
        for record in item.get("records") or []:
            yield from _record_releases(record)
    else:
        yield item


_CONTENT_KEYS = {"tender", "planning", "awards", "contracts", "parties", "buyer"}
_RECORD_KEYS = {"releases", "compiledRelease", "versionedRelease"}


def _record_releases(record) -> Iterator[dict]:
    if not isinstance(record, dict):
        return
    full = [
        r
        for r in record.get("releases") or []
        if isinstance(r, dict) and _CONTENT_KEYS.intersection(r)
    ]
    if full:
        for release in full:
            release.setdefault("ocid", record.get("ocid"))
            yield release
    elif isinstance(record.get("compiledRelease"), dict):
        compiled = record["compiledRelease"]
        compiled.setdefault("ocid", record.get("ocid"))
        yield compiled


def total_size(found: list[Source]) -> int:
    return sum(s.size for s in found) or 1


def describe(found: list[Source]) -> list[str]:
    return [s.name for s in found]


__all__ = [
    "Source",
    "TenderFileError",
    "describe",
    "read_releases",
    "sniff",
    "sources",
    "total_size",
]
