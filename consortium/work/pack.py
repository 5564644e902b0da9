"""Signed files between the lead and its members: ``.cbwork`` out, ``.cbreply`` back, and a
housing association's ``.cbdirectory``. All are the bid pack's format (``packs/pack.py``): a
zip of ``manifest.json`` (listing every other file's SHA-256 and size), ``signature.sig``
(Ed25519 over the manifest's exact bytes) and the files, with the same zip defences.

    out, sha = write_signed(path, ".cbwork", WORK_FORMAT, manifest, [("work.json", data)])
    signed = read_signed(path, WORK_FORMAT, "work pack")   # raises SignedFileError, all reasons
    data = read_json(signed, "work.json")                  # bytes checked against the manifest

Reading never writes anything; the callers store what they must in one transaction after
every check (signature, pinned key, which pack it answers) has passed.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from consortium import __version__, validation
from consortium.errors import ConsortiumError
from consortium.formatting import possessive
from consortium.packs import keys
from consortium.packs.pack import (
    CHUNK,
    MANIFEST,
    SIGNATURE,
    PackError,
    _hash_entry,
    _read_limited,
    _sha256_file,
    check_zip,
    open_zip,
    write_signed_zip,
)
from consortium.text import listed

WORK_FORMAT = "consortium-work-pack"
REPLY_FORMAT = "consortium-work-reply"
DIRECTORY_FORMAT = "consortium-partner-directory"
FORMAT_VERSION = 1
MAX_JSON = 50 * 1024 * 1024


class SignedFileError(ConsortiumError):
    """A signed file failed a check; ``problems`` lists every reason, in words."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or [message]


@dataclass
class Signed:
    path: Path
    manifest: dict
    sha256: str  # of the manifest's exact bytes: the file's identity
    signer: dict = field(default_factory=dict)  # organisation, public_key, fingerprint, words


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def write_signed(
    out: str | Path,
    suffix: str,
    fmt: str,
    manifest: dict,
    entries: list[tuple[str, bytes | Path]],
    *,
    passphrase: str | None = None,
    _private=None,
) -> tuple[Path, str]:
    """Sign and write a file; returns (path, manifest SHA-256). Written to a temporary file
    and renamed when complete, so a half-written file never carries the name."""
    me = keys.identity()
    if me is None:
        raise SignedFileError(
            "This computer has no signing key yet: make one first (Keys, or "
            "'consortium keys create')."
        )
    private = _private or keys.load_private_key(passphrase)
    out = Path(out).expanduser()
    if out.suffix.lower() != suffix:
        out = out.with_suffix(suffix)
    files = {}
    for name, content in entries:
        if isinstance(content, bytes):
            files[name] = {"sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}
        else:
            if not Path(content).is_file():
                raise SignedFileError(f"{content} is not a file; it cannot be sent.")
            digest, size = _sha256_file(Path(content))
            files[name] = {"sha256": digest, "size": size}
    body = {
        **manifest,
        "format": fmt,
        "format_version": FORMAT_VERSION,
        "app_version": __version__,
        "created": manifest.get("created") or _now(),
        "signer": {
            "organisation": me.organisation,
            "public_key": me.public_key,
            "fingerprint": me.fingerprint,
        },
        "files": files,
    }
    body_bytes = json.dumps(body, indent=2, ensure_ascii=False, sort_keys=True).encode("utf-8")
    write_signed_zip(out, body_bytes, private.sign(body_bytes), entries)
    return out, hashlib.sha256(body_bytes).hexdigest()


def read_signed(path: str | Path, fmt: str, what: str) -> Signed:
    """Check a signed file's layout, signature and every file's hash; raise with every reason
    when any fails. ``what`` names the file for people ("work pack", "reply")."""
    path = Path(path).expanduser()
    try:
        zf = open_zip(path, what)
    except PackError as exc:
        raise SignedFileError(str(exc)) from None
    problems: list[str] = []
    with zf:
        layout = check_zip(zf, path.name, path.stat().st_size, what)
        if layout:
            raise SignedFileError(f"{path.name} was refused unopened: " + " ".join(layout), layout)
        names = set(zf.namelist())
        if MANIFEST not in names:
            raise SignedFileError(f"{path.name} is not a Consortium {what}.")
        try:
            manifest_bytes = _read_limited(zf, MANIFEST, 10 * 1024 * 1024)
            manifest = json.loads(manifest_bytes)
        except (ValueError, RecursionError, PackError, zipfile.BadZipFile, OSError) as exc:
            raise SignedFileError(
                f"{path.name} is damaged: its manifest cannot be read ({exc})."
            ) from None
        if not isinstance(manifest, dict) or manifest.get("format") != fmt:
            raise SignedFileError(f"{path.name} is not a Consortium {what}.")
        version = manifest.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise SignedFileError(
                f"{path.name} was made by a newer version of Consortium (format {version}); "
                "update the app to open it."
            )
        signer = manifest.get("signer") if isinstance(manifest.get("signer"), dict) else {}
        try:
            public = base64.b64decode(str(signer.get("public_key", "")), validate=True)
        except (ValueError, TypeError):
            public = b""
        try:
            signature = base64.b64decode(_read_limited(zf, SIGNATURE, 4096), validate=True)
        except (KeyError, ValueError, PackError, zipfile.BadZipFile, OSError):
            signature = b""
        if len(public) != 32 or not keys.verify(public, signature, manifest_bytes):
            problems.append(
                f"The {what}'s signature does not match: it was changed after signing, or "
                "signed with another key."
            )
        files = manifest.get("files")
        if not isinstance(files, dict) or not all(isinstance(v, dict) for v in files.values()):
            raise SignedFileError(
                f"{possessive(path.name)} manifest does not list its files.", problems
            )
        for name in sorted(names - set(files) - {MANIFEST, SIGNATURE}):
            problems.append(f"'{name}' was added to the {what} after it was signed.")
        for name in sorted(set(files) - names):
            problems.append(f"'{name}' is listed in the {what} but missing from it.")
        for name in sorted(set(files) & names):
            expected = files[name]
            try:
                size_expected = int(expected.get("size", 0))
                digest, size = _hash_entry(zf, name, size_expected)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, TypeError) as exc:
                problems.append(f"'{name}' cannot be read ({exc}): the file is damaged.")
                continue
            if size != expected.get("size") or digest != expected.get("sha256"):
                problems.append(f"'{name}' was changed after the {what} was signed.")
        signed_by = signer.get("organisation")
        if not isinstance(signed_by, str) or not signed_by.strip():
            problems.append(f"The {what} does not say which organisation signed it.")
        else:
            try:  # shown in every message about the file, and stored once it is opened
                validation.one_line(signed_by, "The name of the organisation that signed it")
            except ValueError as exc:
                problems.append(str(exc))
    if problems:
        raise SignedFileError(
            f"{path.name} was refused: " + listed(problems, sep=" ", noun="problem"), problems
        )
    return Signed(
        path=path,
        manifest=manifest,
        sha256=hashlib.sha256(manifest_bytes).hexdigest(),
        signer={
            "organisation": str(signer.get("organisation", "")).strip(),
            "public_key": str(signer.get("public_key", "")),
            "fingerprint": keys.fingerprint(public),
            "words": keys.fingerprint_words(public),
        },
    )


def read_entry(signed: Signed, name: str, limit: int = MAX_JSON) -> bytes:
    """One file of a verified signed file, its bytes checked again against the manifest (the
    file may have been swapped since it was verified)."""
    expected = (signed.manifest.get("files") or {}).get(name)
    if not isinstance(expected, dict):
        raise SignedFileError(f"{signed.path.name} holds no '{name}'.")
    try:
        with open_zip(signed.path) as zf:
            raw = _read_limited(zf, name, limit)
    except (KeyError, PackError, zipfile.BadZipFile, OSError) as exc:
        raise SignedFileError(f"'{name}' cannot be read from {signed.path.name} ({exc}).") from None
    if hashlib.sha256(raw).hexdigest() != expected.get("sha256"):
        raise SignedFileError(f"{signed.path.name} changed after it was checked; open it again.")
    return raw


def read_json(signed: Signed, name: str) -> dict:
    try:
        data = json.loads(read_entry(signed, name))
    except (ValueError, RecursionError) as exc:
        raise SignedFileError(f"'{name}' in {signed.path.name} cannot be read ({exc}).") from None
    if not isinstance(data, dict):
        raise SignedFileError(f"'{name}' in {signed.path.name} is not what it should be.")
    return data


def copy_entry(signed: Signed, name: str, dest: Path) -> Path:
    """Copy one attached file out to ``dest`` (a file path), checking its bytes against the
    manifest as it goes; a file that does not match is deleted, not kept."""
    expected = (signed.manifest.get("files") or {}).get(name) or {}
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".~{dest.name}")
    digest, size = hashlib.sha256(), 0
    try:
        with open_zip(signed.path) as zf, zf.open(name) as src, open(tmp, "wb") as out:
            while chunk := src.read(CHUNK):
                size += len(chunk)
                if size > int(expected.get("size", 0)):
                    break
                digest.update(chunk)
                out.write(chunk)
        if size != expected.get("size") or digest.hexdigest() != expected.get("sha256"):
            raise SignedFileError(f"'{name}' is not as it was signed; take the reply in again.")
        os.replace(tmp, dest)
    except (KeyError, zipfile.BadZipFile, OSError) as exc:
        raise SignedFileError(f"'{name}' cannot be taken out ({exc}).") from None
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def safe_name(name: str) -> str:
    """A file name from a sender, reduced to its last part with nothing that could climb out
    of a folder."""
    base = PurePosixPath(str(name).replace("\\", "/")).name
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*').strip(". ")
    return base[:120] or "file"
