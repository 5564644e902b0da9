"""Signed bid packs (.cbpack): one zip an HA can check offline.

    path = export_pack(ws, bid_id, "bid.cbpack", documents=[...], passphrase=None)
    result = verify_pack("bid.cbpack", ws)     # signature and every file's hash, before anything
    result.ok, result.problems, result.signer, result.sender_status

Inside: ``manifest.json`` (format and app version, bid, consortium, members, created, author,
signer's public key, and the SHA-256 and size of every other file), ``signature.sig`` (Ed25519
over the manifest's exact bytes), ``bid.json`` (enough to review without the sender's
workspace), ``documents/…`` and ``evidence/…``. The manifest lists every file, so a changed,
added or removed file, an edited manifest or another key all fail verification.

Opening a pack never trusts the zip: absolute and ``..`` paths, links, duplicate names, too
many entries, and files too large or compressed too far are refused before anything is read
out of it, and nothing is written to disk until the pack has verified.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import stat
import tempfile
import zipfile
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

from consortium import __version__
from consortium.errors import ConsortiumError
from consortium.packs import keys
from consortium.text import storable
from consortium.workspace import Workspace

FORMAT = "consortium-bid-pack"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "signature.sig"
MAX_ENTRIES = 10_000
MAX_FILE = 2 * 1024**3  # 2 GiB uncompressed for one file
MAX_TOTAL = 8 * 1024**3  # 8 GiB uncompressed in all
MAX_RATIO = 200  # uncompressed ÷ compressed, for entries over 1 MiB
CHUNK = 1024 * 1024
# Already-compressed formats are stored as they are: verifying then costs no more than hashing.
STORED = {
    ".pdf",
    ".docx",
    ".xlsx",
    ".zip",
    ".jpg",
    ".jpeg",
    ".png",
    ".gif",
    ".mp4",
    ".mp3",
    ".pptx",
    ".odt",
    ".ods",
}


class PackError(ConsortiumError):
    """A pack cannot be made or opened; the message says why and what to do."""


@dataclass
class VerifyResult:
    file: str
    ok: bool = False
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    manifest: dict = field(default_factory=dict)
    signer: dict = field(default_factory=dict)
    sender_status: str = "unknown"  # "known", "new" or "changed" (key differs from last time)
    manifest_sha256: str = ""

    def to_dict(self) -> dict:
        data = asdict(self)
        data["manifest"] = {k: v for k, v in self.manifest.items() if k != "files"}
        data["files"] = len(self.manifest.get("files", {}))
        return data


# ==================================================================================== export
def _sha256_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def export_pack(
    ws: Workspace,
    bid_id: int,
    out: str | Path,
    *,
    documents: list[Path] | None = None,
    evidence: list[Path] | None = None,
    passphrase: str | None = None,
    author: str = "",
) -> Path:
    """Write a signed pack for a bid; written to a temporary file and renamed when complete."""
    from consortium.packs.bid_data import bid_data

    me = keys.identity()
    private = keys.load_private_key(passphrase)
    data = bid_data(ws, bid_id)
    out = Path(out).expanduser()
    if out.suffix.lower() != ".cbpack":
        out = out.with_suffix(".cbpack")
    evidence = list(evidence or []) + sorted(
        p for p in (ws.attachments / f"bid-{bid_id}").glob("**/*") if p.is_file()
    )
    entries: list[tuple[str, Path | bytes]] = [
        ("bid.json", json.dumps(data, indent=2, ensure_ascii=False, default=str).encode("utf-8"))
    ]
    for folder, paths in (("documents", documents or []), ("evidence", evidence)):
        seen: set[str] = set()
        for path in paths:
            path = Path(path)
            if not path.is_file():
                raise PackError(f"{path} is not a file; it cannot go in the pack.")
            name = path.name
            stem, suffix, n = path.stem, path.suffix, 1
            while name in seen:  # two files of the same name from different folders
                n += 1
                name = f"{stem} ({n}){suffix}"
            seen.add(name)
            entries.append((f"{folder}/{name}", path))
    files = {}
    for name, content in entries:
        if isinstance(content, bytes):
            files[name] = {"sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}
        else:
            digest, size = _sha256_file(content)
            files[name] = {"sha256": digest, "size": size}
    bid, consortium = data["bid"], data["consortium"]
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "app_version": __version__,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "author": author or me.organisation,
        "bid": {
            "id": bid["id"],
            "name": bid["name"],
            "status": bid["status"],
            "ocid": bid.get("ocid"),
        },
        "consortium": {"name": consortium["name"], "model": consortium["model"]},
        "members": [m["name"] for m in data["members"]],
        "signer": {
            "organisation": me.organisation,
            "public_key": me.public_key,
            "fingerprint": me.fingerprint,
        },
        "files": files,
    }
    manifest_bytes = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True).encode(
        "utf-8"
    )
    signature = private.sign(manifest_bytes)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".~", suffix=".cbpack", dir=out.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w") as zf:
            zf.writestr(MANIFEST, manifest_bytes, compress_type=zipfile.ZIP_DEFLATED)
            zf.writestr(SIGNATURE, base64.b64encode(signature), compress_type=zipfile.ZIP_STORED)
            for name, content in entries:
                method = (
                    zipfile.ZIP_STORED
                    if Path(name).suffix.lower() in STORED
                    else zipfile.ZIP_DEFLATED
                )
                if isinstance(content, bytes):
                    zf.writestr(name, content, compress_type=method)
                else:
                    zf.write(content, name, compress_type=method)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    manifest_sha = hashlib.sha256(manifest_bytes).hexdigest()
    with ws.atomic():
        ws.db["bid_packs"].insert(
            {
                "bid_id": bid_id,
                "manifest_sha256": manifest_sha,
                "created": manifest["created"],
                "file": str(out),
            }
        )
        ws.audit(
            "export", "bid", bid_id, f"Exported a signed bid pack for {bid['name']} to {out.name}"
        )
    return out


# ==================================================================================== checks
def check_zip(zf: zipfile.ZipFile, name: str) -> list[str]:
    """Reasons not to trust a zip's layout, found from its directory alone."""
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        return [
            f"{name} holds {len(infos):,} files; a bid pack holds at most {MAX_ENTRIES:,}. It was refused unopened."
        ]
    problems = []
    seen: set[str] = set()
    total = 0
    for info in infos:
        entry = info.filename
        parts = PurePosixPath(entry.replace("\\", "/")).parts
        if entry.startswith(("/", "\\")) or (len(entry) > 1 and entry[1] == ":") or ".." in parts:
            problems.append(f"'{entry}' points outside the pack (absolute path or '..').")
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            problems.append(f"'{entry}' is a link; packs never contain links.")
        if entry in seen:
            problems.append(f"'{entry}' appears twice in the pack.")
        seen.add(entry)
        if info.file_size > MAX_FILE:
            problems.append(
                f"'{entry}' would unpack to {info.file_size:,} bytes, more than a pack allows."
            )
        if (
            info.file_size > CHUNK
            and info.compress_size
            and info.file_size / info.compress_size > MAX_RATIO
        ):
            problems.append(
                f"'{entry}' is compressed {info.file_size // max(info.compress_size, 1):,} to 1: refused as a possible zip bomb."
            )
        total += info.file_size
    if total > MAX_TOTAL:
        problems.append(f"{name} would unpack to {total:,} bytes in all, more than a pack allows.")
    return problems


def _read_limited(zf: zipfile.ZipFile, entry: str, limit: int = 50 * 1024 * 1024) -> bytes:
    try:
        with zf.open(entry) as f:
            data = f.read(limit + 1)
    except (
        zipfile.BadZipFile,
        OSError,
        EOFError,
        zlib.error,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        # A damaged member (bad header, CRC, deflate data) or one needing a password.
        raise PackError(
            f"'{entry}' cannot be read ({exc}): the file is damaged or truncated."
        ) from exc
    if len(data) > limit:
        raise PackError(f"'{entry}' is larger than it should be.")
    return data


def _read_chunk(f) -> bytes:
    try:
        return f.read(CHUNK)
    except zlib.error as exc:  # damaged deflate data: a read error like any other
        raise zipfile.BadZipFile(str(exc)) from exc


def _hash_entry(zf: zipfile.ZipFile, entry: str, expected_size: int) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with zf.open(entry) as f:
        while chunk := _read_chunk(f):
            size += len(chunk)
            if size > expected_size:  # more bytes than the manifest says: stop reading
                return "", size
            digest.update(chunk)
    return digest.hexdigest(), size


def open_zip(path: Path) -> zipfile.ZipFile:
    if not path.exists():
        raise PackError(f"{path} does not exist.")
    if path.stat().st_size == 0:
        raise PackError(
            f"{path.name} is empty (0 bytes): it was not copied completely. Ask for it again."
        )
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, ValueError) as exc:
        raise PackError(
            f"{path.name} is not a complete bid pack ({exc}); it may be truncated. Ask the sender to send it again."
        ) from exc


def verify_pack(path: str | Path, ws: Workspace | None = None) -> VerifyResult:
    """Check a pack before anything else is done with it. Never raises for a bad pack: the
    result lists every problem (``ok`` False) so the window can show them in red."""
    path = Path(path).expanduser()
    result = VerifyResult(file=str(path))
    try:
        zf = open_zip(path)
    except PackError as exc:
        result.problems.append(str(exc))
        return result
    with zf:
        layout = check_zip(zf, path.name)
        if layout:
            result.problems += layout
            return result
        names = set(zf.namelist())
        if MANIFEST not in names:
            result.problems.append(f"{path.name} has no manifest: it is not a Consortium bid pack.")
            return result
        try:
            manifest_bytes = _read_limited(zf, MANIFEST, 10 * 1024 * 1024)
            # Text the database cannot hold (lone surrogates) becomes U+FFFD; the signature is
            # checked on the bytes, so this changes nothing it proves.
            manifest = storable(json.loads(manifest_bytes))
        except (ValueError, RecursionError, PackError, zipfile.BadZipFile, OSError) as exc:
            result.problems.append(f"The manifest cannot be read ({exc}); the pack is damaged.")
            return result
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            result.problems.append(f"{path.name} is not a Consortium bid pack.")
            return result
        result.manifest = manifest
        result.manifest_sha256 = hashlib.sha256(manifest_bytes).hexdigest()
        version = manifest.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            result.problems.append(
                f"This pack was made by a newer version of Consortium (pack format {version}; this app "
                f"reads up to {FORMAT_VERSION}). Update the app to open it."
            )
            return result
        signer = manifest.get("signer") or {}
        try:
            public = base64.b64decode(signer.get("public_key", ""), validate=True)
        except (ValueError, TypeError):
            public = b""
        result.signer = {
            "organisation": signer.get("organisation", ""),
            "fingerprint": keys.fingerprint(public) if public else "",
            "words": keys.fingerprint_words(public) if public else "",
        }
        if SIGNATURE not in names:
            result.problems.append("The pack is not signed: anyone could have made or changed it.")
        else:
            try:
                signature = base64.b64decode(_read_limited(zf, SIGNATURE, 4096), validate=True)
            except (ValueError, PackError):
                signature = b""
            if len(public) != 32 or not keys.verify(public, signature, manifest_bytes):
                result.problems.append(
                    "The signature does not match: the manifest was changed after signing, or it was signed with another key."
                )
        files = manifest.get("files")
        if not isinstance(files, dict):
            result.problems.append("The manifest does not list the pack's files.")
            return result
        extra = sorted(names - set(files) - {MANIFEST, SIGNATURE})
        missing = sorted(set(files) - names)
        for name in extra:
            result.problems.append(f"'{name}' was added to the pack after it was signed.")
        for name in missing:
            result.problems.append(f"'{name}' is listed in the manifest but missing from the pack.")
        for name in sorted(set(files) & names):
            expected = files[name]
            try:
                digest, size = _hash_entry(zf, name, int(expected.get("size", 0)))
            except (
                zipfile.BadZipFile,
                OSError,
                EOFError,
                ValueError,
                TypeError,
                OverflowError,
            ) as exc:
                result.problems.append(
                    f"'{name}' cannot be read ({exc}): the pack is damaged or truncated."
                )
                continue
            if size != expected.get("size") or digest != expected.get("sha256"):
                result.problems.append(f"'{name}' was changed after the pack was signed.")
    if ws is not None and result.signer.get("fingerprint"):
        result.sender_status = _sender_status(
            ws, result.signer, signer.get("public_key", ""), remember=not result.problems
        )
        if result.sender_status == "new":
            result.warnings.append(
                f"First pack from {result.signer['organisation']} on this computer. Phone them and check "
                f"their key's words: {result.signer['words']}."
            )
        elif result.sender_status == "changed":
            result.warnings.append(
                f"{result.signer['organisation']} signed with a different key from last time. Phone them "
                f"to check the new words before trusting it: {result.signer['words']}."
            )
    result.ok = not result.problems
    return result


def _sender_status(ws: Workspace, signer: dict, public_key: str, *, remember: bool) -> str:
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    fingerprint = signer["fingerprint"]
    known = ws.db.execute(
        "SELECT 1 FROM known_senders WHERE fingerprint = ?", [fingerprint]
    ).fetchone()
    if known:
        if remember:
            with ws.atomic():
                ws.db.execute(
                    "UPDATE known_senders SET last_seen = ? WHERE fingerprint = ?",
                    [now, fingerprint],
                )
        return "known"
    same_org = ws.db.execute(
        "SELECT 1 FROM known_senders WHERE lower(organisation) = lower(?)", [signer["organisation"]]
    ).fetchone()
    if remember:
        with ws.atomic():
            ws.db["known_senders"].insert(
                {
                    "fingerprint": fingerprint,
                    "organisation": signer["organisation"],
                    "public_key": public_key,
                    "first_seen": now,
                    "last_seen": now,
                }
            )
            ws.audit(
                "trust",
                "sender",
                fingerprint[:16],
                f"Remembered {signer['organisation']}'s signing key",
            )
    return "changed" if same_org else "new"


def read_bid_json(path: str | Path) -> dict:
    """The bid data of a pack that has verified (call :func:`verify_pack` first)."""
    with open_zip(Path(path)) as zf:
        return json.loads(_read_limited(zf, "bid.json"))


def extract_documents(path: str | Path, dest: str | Path) -> list[Path]:
    """Copy a verified pack's documents and evidence out, refusing anything unsafe."""
    path, dest = Path(path), Path(dest)
    result = verify_pack(path)
    if not result.ok:
        raise PackError(
            "The pack did not verify, so nothing was taken out of it: " + " ".join(result.problems)
        )
    written = []
    with open_zip(path) as zf:
        for name in result.manifest["files"]:
            if not name.startswith(("documents/", "evidence/")):
                continue
            target = (dest / name).resolve()
            if dest.resolve() not in target.parents:
                raise PackError(f"'{name}' points outside the folder; nothing more was taken out.")
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(name) as src, open(target, "wb") as out:
                while chunk := src.read(CHUNK):
                    out.write(chunk)
            written.append(target)
    return written
