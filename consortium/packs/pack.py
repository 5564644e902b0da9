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

from consortium import __version__, jsonfile
from consortium.changes import BIDS
from consortium.errors import ConsortiumError
from consortium.files import atomic_save, cannot_open
from consortium.formatting import possessive
from consortium.packs import keys, shape
from consortium.text import listed, storable
from consortium.workspace import Workspace, writes

FORMAT = "consortium-bid-pack"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "signature.sig"
MAX_ENTRIES = 10_000
MAX_FILE = 2 * 1024**3  # 2 GiB uncompressed for one file
MAX_TOTAL = 8 * 1024**3  # 8 GiB uncompressed in all
# A zip bomb is judged by how far it would grow, not by how well it compresses: text that
# compresses well (a 1 MB answer squeezes to a few KB) is fine, so an entry may unpack to
# MAX_RATIO times its compressed size plus BOMB_SLACK; beyond that it is refused unread.
MAX_RATIO = 200
BOMB_SLACK = 16 * 1024**2
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
    key: dict = field(default_factory=dict)  # trust.KeyCheck: the signer's key against the pin
    key_refused: bool = False  # a changed key not (yet) confirmed by its words
    addressed_to: dict = field(default_factory=dict)  # the reviewer the pack was sent to

    @property
    def only_key_refused(self) -> bool:
        """Every check passed but the changed key: confirming its words would open it."""
        return self.key_refused and len(self.problems) == 1

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


@writes
def export_pack(
    ws: Workspace,
    bid_id: int,
    out: str | Path,
    *,
    documents: list[Path] | None = None,
    evidence: list[Path] | None = None,
    passphrase: str | None = None,
    author: str = "",
    reviewer=None,
    reviewer_words: str | None = None,
    today: dt.date | None = None,
    progress=None,
    cancelled=None,
    _private=None,
) -> Path:
    """Write a signed pack for a bid; written to a temporary file and renamed when complete.

    ``reviewer`` (a :class:`trust.PublicKey`, the housing association's) pins the one key
    whose review of this pack will be taken back in; ``reviewer_words`` are its fingerprint
    words as they read them to you, and must match.

    ``documents`` None builds the bid's documents (joint bid, agreement, due diligence …) and
    puts them in the pack; pass a list to choose the files, or ``[]`` for none."""
    from consortium.packs import trust
    from consortium.packs.bid_data import bid_data

    me = keys.identity()
    private = _private or keys.load_private_key(passphrase)
    pin = None
    if reviewer is not None:
        pin = trust.key_check(ws, reviewer.organisation, reviewer.public_key)
        trust.confirm(pin, reviewer_words or "")  # refuses before anything is written
    if documents is None:
        # The reviewer reads the documents the consortium will submit: build them now, from
        # the same data the pack carries.
        with tempfile.TemporaryDirectory(prefix="consortium-pack-") as folder:
            from consortium.bids import documents as bid_documents

            hooks = {k: v for k, v in (("progress", progress), ("cancelled", cancelled)) if v}
            built = bid_documents.build(ws, bid_id, folder, today=today, **hooks)
            return export_pack(
                ws,
                bid_id,
                out,
                documents=built.paths(),  # each file once ("joint_bid" names one of them)
                evidence=evidence,
                passphrase=passphrase,
                author=author,
                reviewer=reviewer,
                reviewer_words=reviewer_words,
                _private=private,
            )
    from consortium.packs import standing

    data = bid_data(ws, bid_id)
    content_sha = standing.content_sha256(data)
    # Sending the bid for review puts it in review (an approval covers the version approved,
    # not this one), unless it holds just what the approved pack held.
    was = data["bid"]["status"]
    data["bid"]["status"] = standing.status_on_sending(ws, bid_id, was, content_sha)
    out = Path(out).expanduser()
    if out.suffix.lower() != ".cbpack":
        out = out.with_suffix(".cbpack")
    evidence = list(evidence or [])
    evidence += sorted(p for p in (ws.attachments / f"bid-{bid_id}").glob("**/*") if p.is_file())
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
    if pin is not None:
        manifest["reviewer"] = {"organisation": pin.organisation, "fingerprint": pin.fingerprint}
    manifest_bytes = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True).encode(
        "utf-8"
    )
    signature = private.sign(manifest_bytes)
    write_signed_zip(out, manifest_bytes, signature, entries)
    manifest_sha = hashlib.sha256(manifest_bytes).hexdigest()
    with ws.atomic(BIDS):
        if pin is not None:
            trust.remember(ws, pin)
        # The same bid exported twice within a second gives the same manifest: one row.
        ws.db.execute("DELETE FROM bid_packs WHERE manifest_sha256 = ?", [manifest_sha])
        ws.db["bid_packs"].insert(
            {
                "bid_id": bid_id,
                "manifest_sha256": manifest_sha,
                "created": manifest["created"],
                "file": str(out),
                "reviewer_fingerprint": pin.fingerprint if pin is not None else None,
                "content_sha256": content_sha,
            }
        )
        if bid["status"] != was:
            ws.db.execute(
                "UPDATE bids SET status = ?, updated_at = ? WHERE id = ?",
                [bid["status"], manifest["created"], bid_id],
            )
        ws.audit(
            "export", "bid", bid_id, f"Exported a signed bid pack for {bid['name']} to {out.name}"
        )
    return out


# ==================================================================================== checks


def write_signed_zip(
    out: Path, manifest_bytes: bytes, signature: bytes, entries: list[tuple[str, bytes | Path]]
) -> Path:
    """Write the signed zip every pack kind shares (manifest, its signature, the files), to a
    temporary name beside ``out`` first, so a failure never leaves half a file."""

    def write(tmp: str) -> None:
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

    return atomic_save(write, out)


def check_zip(
    zf: zipfile.ZipFile, name: str, size: int | None = None, what: str = "bid pack"
) -> list[str]:
    """Reasons not to trust a zip's layout, found from its directory alone (``size``: the
    zip file's own size, when known). ``what`` names the kind of file for people: every
    signed kind (work packs, replies, reviews, directories) is checked here, and a member
    told their "bid pack" was refused could not tell which file was meant."""
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        return [
            f"{name} holds {len(infos):,} files; a {what} holds at most {MAX_ENTRIES:,}. It was "
            "refused unopened."
        ]
    problems = []
    seen: set[str] = set()
    total = packed = 0
    for info in infos:
        entry = info.filename
        parts = PurePosixPath(entry.replace("\\", "/")).parts
        if entry.startswith(("/", "\\")) or (len(entry) > 1 and entry[1] == ":") or ".." in parts:
            problems.append(f"'{entry}' points outside the {what} (absolute path or '..').")
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            problems.append(f"'{entry}' is a link; a {what} never contains links.")
        if entry in seen:
            problems.append(f"'{entry}' appears twice in the {what}.")
        seen.add(entry)
        if info.file_size > MAX_FILE:
            problems.append(
                f"'{entry}' would unpack to {info.file_size:,} bytes, more than a {what} allows."
            )
        if info.file_size > info.compress_size * MAX_RATIO + BOMB_SLACK:
            problems.append(
                f"'{entry}' would grow from {info.compress_size:,} to {info.file_size:,} bytes "
                f"({info.file_size // max(info.compress_size, 1):,} to 1): refused as a possible zip bomb."
            )
        total += info.file_size
        packed += info.compress_size
    if total > MAX_TOTAL:
        problems.append(
            f"{name} would unpack to {total:,} bytes in all, more than a {what} allows."
        )
    if size is not None and packed > size:
        # Entries that share their compressed bytes (an "overlapping" bomb) claim more than
        # the file holds.
        problems.append(
            f"{possessive(name)} files claim more compressed bytes than the file holds: refused as a possible zip bomb."
        )
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


def open_zip(path: Path, what: str = "bid pack") -> zipfile.ZipFile:
    if not path.exists():
        raise PackError(f"{path} does not exist.")
    problem = cannot_open(path)
    if problem:
        raise PackError(problem)
    if path.stat().st_size == 0:
        raise PackError(
            f"{path.name} is empty (0 bytes): it was not copied completely. Ask for it again."
        )
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, ValueError) as exc:
        raise PackError(
            f"{path.name} is not a complete {what} ({exc}); it may be truncated. Ask the sender "
            "to send it again."
        ) from exc


def verify_pack(
    path: str | Path, ws: Workspace | None = None, *, confirm_words: str | None = None
) -> VerifyResult:
    """Check a pack before anything else is done with it. Never raises for a bad pack: the
    result lists every problem (``ok`` False) so the window can show them in red.

    With a workspace, the signer's key is held against the one trusted there: a different key
    for the same organisation is a failure unless ``confirm_words`` are the new key's words.
    Nothing is written: verifying twice gives the same answer."""
    path = Path(path).expanduser()
    result = VerifyResult(file=str(path))
    try:
        zf = open_zip(path)
    except PackError as exc:
        result.problems.append(str(exc))
        return result
    with zf:
        layout = check_zip(zf, path.name, path.stat().st_size)
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
        # Every field read below (and by the callers, into the database) has its type, or the
        # pack is refused naming the field: a signature proves a key, not a well-formed file.
        bad_shape = shape.problems(manifest, shape.MANIFEST, f"The manifest of {path.name}")
        if bad_shape:
            result.problems += bad_shape
            result.manifest = {}  # nobody may read a field of it
            return result
        signer = manifest.get("signer")
        if not isinstance(signer, dict):
            signer = {}
        try:
            public = base64.b64decode(signer.get("public_key", ""), validate=True)
        except (ValueError, TypeError):
            public = b""
        result.signer = {
            "organisation": str(signer.get("organisation", "")),
            "fingerprint": keys.fingerprint(public) if public else "",
            "words": keys.fingerprint_words(public) if public else "",
        }
        signature_ok = False
        if SIGNATURE not in names:
            result.problems.append("The pack is not signed: anyone could have made or changed it.")
        else:
            try:
                signature = base64.b64decode(_read_limited(zf, SIGNATURE, 4096), validate=True)
            except (ValueError, PackError):
                signature = b""
            signature_ok = len(public) == 32 and keys.verify(public, signature, manifest_bytes)
            if not signature_ok:
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
    if ws is not None and signature_ok:
        _check_sender(ws, result, signer, confirm_words)
    addressed = manifest.get("reviewer")
    me = keys.identity()
    if isinstance(addressed, dict) and me is not None:
        result.addressed_to = {
            "organisation": str(addressed.get("organisation", "")),
            "fingerprint": str(addressed.get("fingerprint", "")),
        }
        if result.addressed_to["fingerprint"] != me.fingerprint:
            result.warnings.append(
                f"This pack was sent for review by {possessive(result.addressed_to['organisation'])} key, "
                "not this computer's: check it reached the right reviewer."
            )
    result.ok = not result.problems
    return result


def _check_sender(ws: Workspace, result: VerifyResult, signer: dict, confirm_words) -> None:
    """Hold the signer's key against the one pinned here. Read-only: keys are stored only by
    the caller that goes on to use the pack, once everything has passed."""
    from consortium.packs import trust

    organisation = result.signer["organisation"]
    check = trust.key_check(ws, organisation, signer.get("public_key", ""))
    pinned_unconfirmed = check.status == trust.KNOWN and not trust.confirmed(ws, check.fingerprint)
    if confirm_words is not None and (check.status != trust.KNOWN or pinned_unconfirmed):
        try:
            trust.confirm(check, confirm_words)
        except trust.TrustError as exc:
            result.problems.append(str(exc))
    result.sender_status = check.status
    result.key = check.to_dict()
    mixed = trust.mixed_alphabets(organisation)
    lookalike = trust.lookalike_of(ws, organisation) if check.status == trust.NEW else None
    if mixed or lookalike:
        # No confirming by words: the words would be the forger's own.
        result.problems.append(
            f"LOOKALIKE NAME: this pack says it is from “{organisation}”, "
            + (
                f"which looks like {lookalike['organisation']} (trusted here) but is spelt "
                "with different letters"
                if lookalike
                else f"whose name mixes letters of different alphabets ({', '.join(mixed)})"
            )
            + ". Do not rely on it: phone the organisation it claims to be from, on a number "
            "you already have."
        )
        return
    if check.status == trust.NEW:
        other = trust.key_by_fingerprint(ws, check.fingerprint)
        if other is not None and not trust.same_name(other["organisation"], organisation):
            result.warnings.append(
                f"This pack is signed with the key trusted here for {other['organisation']}, "
                f"but says it is from {organisation}. Unless {other['organisation']} has "
                "changed its name, do not rely on it: phone them on a number you already have."
            )
            return
    if check.status == trust.CHANGED and not check.confirmed:
        result.key_refused = True
        result.problems.append(
            f"KEY CHANGED: {organisation} signed this pack with a different key from the one "
            f"trusted here. Trusted key: {trust.describe(check.pinned)}. This pack's key: "
            f"{trust.describe(check.to_dict())}. Do not rely on it until you have phoned "
            f"{organisation} on a number you already have and they read you the new words."
        )
    elif check.status == trust.CHANGED:
        result.warnings.append(
            f"You confirmed {possessive(organisation)} new key by its words ({check.words}); it replaces "
            f"{check.pinned['words']} once the pack is opened."
        )
    elif check.status == trust.NEW and not check.confirmed:
        result.warnings.append(
            f"First pack from {organisation} on this computer. Phone them and check "
            f"their key's words: {check.words}."
        )
    elif pinned_unconfirmed and not check.confirmed:
        # Trusted on first sight, never checked: it stays amber until its words are.
        result.warnings.append(
            f"{possessive(organisation)} key has not been checked with them yet. Phone them on a number "
            f"you already have and check its words: {check.words}."
        )
    members = result.manifest.get("members") or []
    if members and not any(trust.same_name(m, organisation) for m in members):
        result.warnings.append(
            f"{organisation} signed this pack but is not a member of the consortium it is "
            f"for ({listed(members, 6)}). Ask the lead "
            "why, on a number you already have."
        )


def read_bid_json(path: str | Path, manifest: dict | None = None) -> dict:
    """The bid data of a pack that has verified (call :func:`verify_pack` first). Given the
    verified manifest, the bytes read must be the ones it signed (the file may have been
    swapped since it was verified)."""
    with open_zip(Path(path)) as zf:
        raw = _read_limited(zf, "bid.json")
    if manifest is not None:
        expected = (manifest.get("files") or {}).get("bid.json") or {}
        if hashlib.sha256(raw).hexdigest() != expected.get("sha256"):
            raise PackError(f"{Path(path).name} changed after it was verified; open it again.")
    try:
        data = jsonfile.parse(raw)  # nested too deep is refused here, not a crash later
    except ValueError as exc:
        raise PackError(f"The bid data in {Path(path).name} cannot be read ({exc}).") from None
    if not isinstance(data, dict):
        raise PackError(f"The bid data in {Path(path).name} is not a bid.")
    bad_shape = shape.problems(data, shape.BID_DATA, f"The bid data in {Path(path).name}")
    if bad_shape:
        raise PackError(" ".join(bad_shape))
    return storable(data)  # a lone surrogate in an answer would make storing it fail


def extract_entry(path: str | Path, manifest: dict, name: str, dest: str | Path) -> Path:
    """Copy one document or evidence file of a verified pack into ``dest`` (to open it),
    checking its bytes against the verified manifest as they are copied: a file swapped since
    verification is deleted, not opened."""
    path, dest = Path(path), Path(dest)
    expected = (manifest.get("files") or {}).get(name)
    if not name.startswith(("documents/", "evidence/")) or not isinstance(expected, dict):
        raise PackError(f"'{name}' is not one of the pack's documents.")
    target = (dest / PurePosixPath(name).name).resolve()
    if dest.resolve() != target.parent:
        raise PackError(f"'{name}' points outside the folder; it was not taken out.")
    dest.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    tmp = target.with_name(f".~{target.name}")
    try:
        with open_zip(path) as zf, zf.open(name) as src, open(tmp, "wb") as out:
            while chunk := src.read(CHUNK):
                size += len(chunk)
                if size > int(expected.get("size", 0)):
                    break
                digest.update(chunk)
                out.write(chunk)
        if size != expected.get("size") or digest.hexdigest() != expected.get("sha256"):
            raise PackError(
                f"'{name}' is not as it was signed (the pack changed after it was opened); "
                "open the pack again."
            )
        os.replace(tmp, target)
    except (KeyError, zipfile.BadZipFile, OSError) as exc:
        raise PackError(f"'{name}' cannot be taken out of the pack ({exc}).") from None
    finally:
        tmp.unlink(missing_ok=True)
    return target


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
