"""Seeded mutation fuzzing of every importer, one forked child per input (used by
tests/test_fuzz.py and bench/fuzz.py).

Each input is a real fixture, mutated: bytes flipped, cut or repeated; for JSON, numbers of
thousands of digits, nesting thousands deep, lists where text belongs and text (or a
number, or null) where a list or object belongs, lone surrogates,
Infinity; for workbooks, documents and zips, the same inside a member (re-zipped, so it gets
past the zip layer), members renamed or dropped, a cell at XFD1048576, control characters and
formulas in the shared strings. A child imports it into a copy of a workspace and reports:

- ``accepted``: the importer finished;
- ``refused``: it raised the project's own error (:class:`ConsortiumError`), and the
  workspace's tables are byte-for-byte as they were (else ``dirty``);
- ``error``: any other exception (a traceback a user would see);
- ``crashed``: the child died (a segfault, an abort);
- ``hung``: it took longer than the timeout (a hang detector, not a speed test);
- ``memory``: it needed more than the memory limit.
"""

from __future__ import annotations

import faulthandler
import hashlib
import io
import json
import os
import random
import re
import resource
import select
import shutil
import signal
import sys
import time
import traceback
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures"
TODAY_ISO = "2026-11-23"
OUTCOMES = ("accepted", "refused", "error", "dirty", "crashed", "hung", "memory")
FAILURES = ("error", "dirty", "crashed", "hung", "memory")


# ---------------------------------------------------------------------------- mutations
def _mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return rng.randbytes(rng.randint(1, 64))
    b = bytearray(data)
    kind = rng.randrange(6)
    at = rng.randrange(len(b))
    if kind == 0:  # flip a few bytes
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] = rng.randrange(256)
    elif kind == 1:  # cut a slice
        del b[at : at + rng.randint(1, max(1, len(b) // 8))]
    elif kind == 2:  # repeat a slice
        piece = b[at : at + rng.randint(1, 512)]
        b[at:at] = piece * rng.randint(2, 50)
    elif kind == 3:  # junk
        b[at:at] = rng.randbytes(rng.randint(1, 64))
    elif kind == 4:  # truncate
        del b[at:]
    else:  # a hostile token
        b[at:at] = rng.choice(_TOKENS)
    return bytes(b)


_TOKENS = [
    b"1" * 5000,
    b"-" + b"9" * 20000 + b".5e99999",
    b"[" * 100_000,
    b"{" * 50_000,
    b'"\\ud800"',
    b"Infinity",
    b"NaN",
    b"\x00\x0b\x1f",
    b'=HYPERLINK("http://x")',
    b"\xff\xfe",
    b"\xed\xa0\x80",
]

_NUMBER = re.compile(rb"(?<=[:\[,])\s*-?\d+(?:\.\d+)?")
_STRING_VALUE = re.compile(rb'(?<=:)\s*"(?:[^"\\]|\\.)*"')


def _swap_shape(data: bytes, rng: random.Random) -> bytes | None:
    """One value of the document (or of one line of JSON Lines) swapped for another shape: a
    list or object for a scalar ("members": "Hope Trust"), a scalar for a list or object
    ("name": ["Hope", "Trust"]), the whole document included. None if it does not parse."""
    lines = data.split(b"\n")
    try:
        docs = [json.loads(data)]
        one = True
    except (ValueError, RecursionError):  # JSON Lines, or nested too deep to walk
        one = False
        docs = []
        for line in lines:
            try:
                docs.append(json.loads(line) if line.strip() else None)
            except (ValueError, RecursionError):
                docs.append(None)
        if all(d is None for d in docs):
            return None
    index = 0 if one else rng.choice([i for i, d in enumerate(docs) if d is not None])
    holder = {"root": docs[index]}
    spots = [(holder, "root")]

    def walk(node):
        for key in range(len(node)) if isinstance(node, list) else list(node):
            spots.append((node, key))
            if isinstance(node[key], (list, dict)):
                walk(node[key])

    if isinstance(holder["root"], (list, dict)):
        try:
            walk(holder["root"])
        except RecursionError:
            return None
    parent, key = rng.choice(spots)
    value = parent[key]
    if isinstance(value, (list, dict)):
        parent[key] = rng.choice(["Hope Trust", "", 12, 0, True, None])
    else:
        parent[key] = rng.choice([[value], [value, value], {"value": value}, [], {}])
    docs[index] = holder["root"]
    if one:
        return json.dumps(docs[0]).encode()
    return b"\n".join(
        json.dumps(d).encode() if i == index else line
        for i, (d, line) in enumerate(zip(docs, lines, strict=True))
    )


def _mutate_json(data: bytes, rng: random.Random) -> bytes:
    kind = rng.randrange(9)
    if kind == 5:
        swapped = _swap_shape(data, rng)
        if swapped is not None:
            return swapped
    if kind == 0:
        spots = list(_NUMBER.finditer(data))
        if spots:
            m = rng.choice(spots)
            digits = b"7" * rng.choice([400, 4301, 5000, 100_000])
            return data[: m.start()] + digits + data[m.end() :]
    elif kind == 1:
        spots = list(_STRING_VALUE.finditer(data))
        if spots:
            m = rng.choice(spots)
            depth = rng.choice([65, 1000, 100_000])
            return data[: m.start()] + b"[" * depth + b"1" + b"]" * depth + data[m.end() :]
    elif kind == 2:
        spots = list(_STRING_VALUE.finditer(data))
        if spots:
            m = rng.choice(spots)
            value = rng.choice([b'["a", ["b"]]', b'{"x": [1]}', b"12", b"true", b"null", b"[]"])
            return data[: m.start()] + value + data[m.end() :]
    elif kind == 3:
        spots = list(_STRING_VALUE.finditer(data))
        if spots:
            m = rng.choice(spots)
            return (
                data[: m.end() - 1]
                + rng.choice([b"\\ud800", b"\\udc00x", b"\\u0000"])
                + data[m.end() - 1 :]
            )
    elif kind == 4:
        spots = list(_NUMBER.finditer(data))
        if spots:
            m = rng.choice(spots)
            return (
                data[: m.start()]
                + rng.choice([b"Infinity", b"-Infinity", b"NaN", b"1e999"])
                + data[m.end() :]
            )
    return _mutate_bytes(data, rng)


def _mutate_xml(data: bytes, rng: random.Random) -> bytes:
    kind = rng.randrange(6)
    if kind == 0 and b"<sheetData>" in data:  # a cell at the very end of the sheet
        far = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
        data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', data)
        return data.replace(b"</sheetData>", far + b"</sheetData>")
    if kind == 1 and b"<t" in data:  # control characters and formulas in text
        return data.replace(b"</t>", rng.choice([b"&#11;</t>", b"\x0b</t>", b"=1+1</t>"]), 1)
    if kind == 2 and b"<v>" in data:
        return data.replace(
            b"<v>", rng.choice([b"<v>inf", b"<v>nan", b"<v>1e999", b"<v>" + b"9" * 5000]), 1
        )
    return _mutate_bytes(data, rng)


def _rezip(data: bytes, rng: random.Random) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            members = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    except Exception:  # noqa: BLE001 - not a zip after all: mutate the bytes
        return _mutate_bytes(data, rng)
    if not members:
        return _mutate_bytes(data, rng)
    kind = rng.randrange(4)
    index = rng.randrange(len(members))
    name, body = members[index]
    if kind == 0:  # rename a member
        members[index] = (
            name.replace("sheet1", "sheetX").replace("document", "documentX")
            + ("" if "sheet1" in name or "document" in name else ".renamed"),
            body,
        )
    elif kind == 1 and len(members) > 1:  # drop a member
        del members[index]
    else:  # mutate a member's content
        if name.endswith((".xml", ".rels")):
            body = _mutate_xml(body, rng)
        elif name.endswith((".json", ".jsonl")):
            body = _mutate_json(body, rng)
        else:
            body = _mutate_bytes(body, rng)
        members[index] = (name, body)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in members:
            z.writestr(n, b)
    return out.getvalue()


def _resigned(data: bytes, rng: random.Random, signer_home: Path) -> bytes:
    """A signed file (pack, review) with one of its JSON parts mutated, then its manifest's
    hashes mended and signed again with the signer's own key: a file that passes the
    signature, so the checks behind it (shapes, names, nesting) are the ones tried."""
    from consortium.packs import keys
    from consortium.packs.pack import MANIFEST, SIGNATURE

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        members = {i.filename: z.read(i.filename) for i in z.infolist()}
    parts = [n for n in members if n.endswith(".json")]
    name = rng.choice(parts)
    members[name] = _mutate_json(members[name], rng)
    if name != MANIFEST:
        try:
            manifest = json.loads(members[MANIFEST])
            manifest["files"][name] = {
                "sha256": hashlib.sha256(members[name]).hexdigest(),
                "size": len(members[name]),
            }
            members[MANIFEST] = json.dumps(manifest, indent=2, sort_keys=True).encode()
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            pass  # a manifest the mutation broke: signed as it is
    before = os.environ.get("CONSORTIUM_HOME")
    os.environ["CONSORTIUM_HOME"] = str(signer_home)
    try:
        signature = keys.load_private_key().sign(members[MANIFEST])
    finally:
        os.environ["CONSORTIUM_HOME"] = before or ""
    import base64

    members[SIGNATURE] = base64.b64encode(signature)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in members.items():
            z.writestr(n, b)
    return out.getvalue()


def mutate(data: bytes, kind: str, rng: random.Random, signer_home: Path | None = None) -> bytes:
    """One mutation of a fixture of ``kind`` ("json", "zip", "signed", "text")."""
    if kind == "signed" and signer_home is not None:
        return _resigned(data, rng, signer_home)
    if kind == "json":
        return _mutate_json(data, rng)
    if kind == "zip":
        return _rezip(data, rng) if rng.random() < 0.8 else _mutate_bytes(data, rng)
    return _mutate_bytes(data, rng)


# ---------------------------------------------------------------------------- importers
@dataclass
class Importer:
    name: str
    suffix: str
    kind: str  # how to mutate it
    fixture: Path
    run: Callable  # (workspace, path) -> None
    workspace: str = "demo"  # the template to copy
    signer_home: Path | None = None  # for "signed": whose key signs the mutated file again


@dataclass
class Context:
    work: Path
    templates: dict[str, Path] = field(default_factory=dict)
    importers: list[Importer] = field(default_factory=list)


class _MemoryKeyring:
    priority = 1

    def __init__(self):
        self.store: dict = {}

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def get_password(self, service, username):
        return self.store.get((service, username))

    def delete_password(self, service, username):
        self.store.pop((service, username), None)


def setup(work: Path) -> Context:
    """Build the workspaces and fixtures every importer needs (in ``work``)."""
    import datetime as dt

    import keyring
    import keyring.backend
    import openpyxl

    from consortium.bids import questions
    from consortium.bids import records as bids
    from consortium.demo import create_demo
    from consortium.library import share
    from consortium.matching import proposals
    from consortium.packs import keys, pack, review
    from consortium.partners.excel import export_partners, import_partners
    from consortium.socialvalue import valuefile
    from consortium.tenders.importer import import_paths
    from consortium.workspace import Workspace

    work.mkdir(parents=True, exist_ok=True)
    today = dt.date.fromisoformat(TODAY_ISO)
    ring = type("FuzzKeyring", (_MemoryKeyring, keyring.backend.KeyringBackend), {})()
    keyring.set_keyring(ring)
    home = work / "home"
    os.environ["CONSORTIUM_HOME"] = str(home)
    ctx = Context(work)

    demo = create_demo(work / "demo.consortium", today)
    result = proposals.propose_for(demo, "ocds-h6vhtk-05a7b0", today=today)
    c = proposals.save_as_consortium(demo, result, 0, "Fuzz consortium")
    bid = bids.create_for_consortium(demo, c.id)
    keys.create_key("Fuzz Refuge")
    partners = export_partners(demo, work / "partners.xlsx")
    share.export_entries(demo.db, work / "library.xlsx")
    share.export_entries(demo.db, work / "library.json")
    doc = work / "Joint bid.txt"
    doc.write_text("The joint bid", encoding="utf-8")
    cbpack = pack.export_pack(demo, bid.id, work / "bid.cbpack", documents=[doc], evidence=[])
    demo.close()
    ctx.templates["demo"] = work / "demo.consortium"

    # The housing association reviews it on its own "computer".
    os.environ["CONSORTIUM_HOME"] = str(work / "ha-home")
    ha_words = keys.create_key("Fuzz Homes").words
    ha = Workspace.create(work / "ha.consortium")
    opened = review.open_for_review(ha, cbpack, today)
    cbreview = review.export_review(
        review.Review(opened, opened.checklist, [], "return", reasons="Fuzz."),
        work / "reply.cbreview",
    )
    ha.close()
    empty = Workspace.create(work / "empty.consortium")
    empty.close()
    ctx.templates["ha"] = work / "empty.consortium"
    os.environ["CONSORTIUM_HOME"] = str(home)

    # Value files, from the template with one measure.
    vx = valuefile.write_template(work / "values.xlsx")
    wb = openpyxl.load_workbook(vx)
    for row in wb["Framework"].iter_rows(min_row=2):
        row[1].value = {"id": "FUZZ-1", "licence_holder": "Fuzz HA"}.get(row[0].value, "")
    wb.save(vx)
    vj = work / "values.json"
    vj.write_text(
        json.dumps(
            {
                "framework": {"id": "FUZZ-2", "name": "Fuzz", "licence_holder": "Fuzz HA"},
                "measures": [
                    {"code": "F1", "description": "Jobs", "unit": "FTE", "proxy_value": 1000,
                     "price_year": 2025, "source": "Fuzz", "criteria": ["a"]},
                    {"code": "F2", "description": "Hours", "unit": "hours", "record_only": True},
                ],
            }
        ),
        encoding="utf-8",
    )  # fmt: skip

    # Tenders: a slice of the real notices, as a package, JSON Lines and a zip.
    package = json.loads(
        (FIX / "ocds" / "fts-selected-civil-society-releases.json").read_text("utf-8")
    )
    package["releases"] = package["releases"][:12]
    tj = work / "tenders.json"
    tj.write_text(json.dumps(package, ensure_ascii=False), encoding="utf-8")
    tl = work / "tenders.jsonl"
    tl.write_text("\n".join(json.dumps(r) for r in package["releases"]) + "\n", encoding="utf-8")
    tz = work / "tenders.zip"
    with zipfile.ZipFile(tz, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(tj, "notices/tenders.json")
        z.write(FIX / "ocds" / "cf-csv-small.csv", "notices/cf.csv")

    def tenders(ws, path):
        import_paths(ws, [path], today=today)

    def partner_import(ws, path):
        # As the window imports: with the copy of the workbook that shows the problem cells
        # (writing it back once failed on a cell openpyxl could read but not write).
        import_partners(ws, path)

    def questionnaire(ws, path):
        questions.import_questionnaire(ws, bid.id, path)

    def values(ws, path):
        valuefile.load_file(ws, path)

    def library(ws, path):
        share.import_entries(ws, path)

    def verify(ws, path):
        os.environ["CONSORTIUM_HOME"] = str(work / "ha-home")
        review.open_for_review(ws, path, today)

    def take_review(ws, path):
        review.import_review(ws, path)

    def take_confirmed_review(ws, path):
        # The reviewer's words read over the phone: the review goes on past the key check.
        review.import_review(ws, path, confirm_words=ha_words)

    ctx.importers = [
        Importer("partners.xlsx", ".xlsx", "zip", partners, partner_import),
        Importer("tenders.json", ".json", "json", tj, tenders),
        Importer("tenders.jsonl", ".jsonl", "json", tl, tenders),
        Importer("tenders.zip", ".zip", "zip", tz, tenders),
        Importer("tenders.csv", ".csv", "text", FIX / "ocds" / "cf-csv-small.csv", tenders),
        Importer("tenders.xlsx", ".xlsx", "zip", FIX / "ocds" / "cf-xlsx-small.xlsx", tenders),
        Importer("questionnaire.xlsx", ".xlsx", "zip", FIX / "bids" / "questionnaire.xlsx", questionnaire),
        Importer("questionnaire.docx", ".docx", "zip", FIX / "bids" / "questionnaire.docx", questionnaire),
        Importer("values.xlsx", ".xlsx", "zip", vx, values),
        Importer("values.json", ".json", "json", vj, values),
        Importer("library.xlsx", ".xlsx", "zip", work / "library.xlsx", library),
        Importer("library.json", ".json", "json", work / "library.json", library),
        Importer("pack.cbpack", ".cbpack", "zip", cbpack, verify, workspace="ha"),
        Importer("review.cbreview", ".cbreview", "zip", cbreview, take_review),
        Importer("pack.cbpack signed", ".cbpack", "signed", cbpack, verify, workspace="ha",
                 signer_home=home),
        Importer("review.cbreview signed", ".cbreview", "signed", cbreview, take_confirmed_review,
                 signer_home=work / "ha-home"),
    ]  # fmt: skip
    return ctx


# ---------------------------------------------------------------------------- running
def _tables_digest(ws) -> str:
    digest = hashlib.sha256()
    names = [
        r[0]
        for r in ws.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    for name in names:
        if name.endswith(("_fts", "_config", "_data", "_docsize", "_idx", "_content")):
            continue  # full-text index internals follow the tables they index
        digest.update(name.encode())
        for row in sorted(repr(r) for r in ws.conn.execute(f"SELECT * FROM [{name}]")):
            digest.update(row.encode("utf-8", "backslashreplace"))
    return digest.hexdigest()


def _child(importer: Importer, data: bytes, ctx: Context, case: Path, memory_mb: int) -> dict:
    from consortium.errors import ConsortiumError
    from consortium.workspace import Workspace

    faulthandler.disable()  # a crash is an outcome here, not something to print
    pages = int(Path("/proc/self/statm").read_text().split()[0])
    now = pages * os.sysconf("SC_PAGE_SIZE")
    limit = now + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    case.mkdir(parents=True, exist_ok=True)
    path = case / ("input" + importer.suffix)
    path.write_bytes(data)
    db = case / "w.consortium"
    shutil.copy(ctx.templates[importer.workspace], db)
    ws = Workspace.open(db)
    before = _tables_digest(ws)
    try:
        importer.run(ws, path)
        return {"outcome": "accepted"}
    except ConsortiumError as exc:
        ws.close()
        ws = Workspace.open(db)
        after = _tables_digest(ws)
        outcome = "refused" if after == before else "dirty"
        return {"outcome": outcome, "detail": f"{type(exc).__name__}: {str(exc)[:300]}"}
    except MemoryError:
        return {"outcome": "memory", "detail": traceback.format_exc()[-2000:]}
    except BaseException as exc:  # noqa: BLE001 - the point is to see everything else
        tb = traceback.extract_tb(exc.__traceback__)
        site = next(
            (
                f"{Path(f.filename).name}:{f.lineno}"
                for f in reversed(tb)
                if "consortium" in f.filename
            ),
            "?",
        )
        return {
            "outcome": "error",
            "detail": f"{type(exc).__name__} at {site}: {str(exc)[:200]}",
            "traceback": traceback.format_exc()[-3000:],
        }


def run_one(
    importer: Importer,
    data: bytes,
    ctx: Context,
    case: Path,
    *,
    timeout: float = 10.0,
    memory_mb: int = 500,
) -> dict:
    """Import ``data`` with ``importer`` in a forked child; the outcome as a dict."""  # fmt: skip
    read, write = os.pipe()
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read)
        code = 0
        try:
            result = _child(importer, data, ctx, case, memory_mb)
        except BaseException as exc:  # noqa: BLE001
            result = {"outcome": "error", "detail": f"harness: {exc!r}"}
        try:
            os.write(write, json.dumps(result).encode())
        except BaseException:  # noqa: BLE001
            code = 3
        os._exit(code)
    os.close(write)
    chunks = []
    deadline = started + timeout
    while True:
        left = deadline - time.perf_counter()
        if left <= 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(read)
            shutil.rmtree(case, ignore_errors=True)
            return {"outcome": "hung", "seconds": timeout}
        ready, _, _ = select.select([read], [], [], left)
        if ready:
            chunk = os.read(read, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    os.close(read)
    _, status = os.waitpid(pid, 0)
    seconds = time.perf_counter() - started
    shutil.rmtree(case, ignore_errors=True)
    if os.WIFSIGNALED(status):
        return {"outcome": "crashed", "detail": f"signal {os.WTERMSIG(status)}", "seconds": seconds}
    try:
        result = json.loads(b"".join(chunks))
    except ValueError:
        return {
            "outcome": "crashed",
            "detail": f"exit {os.WEXITSTATUS(status)}",
            "seconds": seconds,
        }
    result["seconds"] = seconds
    if result["outcome"] == "error" and "MemoryError" in result.get("detail", ""):
        result["outcome"] = "memory"
    return result


@dataclass
class Tally:
    counts: dict[str, Counter] = field(default_factory=dict)
    failures: list[dict] = field(default_factory=list)

    def add(self, importer: str, result: dict, seed: int) -> None:
        self.counts.setdefault(importer, Counter())[result["outcome"]] += 1
        if result["outcome"] in FAILURES:
            self.failures.append({"importer": importer, "seed": seed, **result})

    def table(self) -> str:
        lines = [f"{'importer':22}" + "".join(f"{o:>10}" for o in OUTCOMES)]
        for name, counter in self.counts.items():
            lines.append(f"{name:22}" + "".join(f"{counter[o]:>10}" for o in OUTCOMES))
        return "\n".join(lines)


def fuzz(
    ctx: Context,
    *,
    seed: int,
    per_importer: int | None = None,
    seconds: float | None = None,
    timeout: float = 10.0,
    memory_mb: int = 500,
    only: list[str] | None = None,
) -> Tally:
    """Mutate each importer's fixture ``per_importer`` times (or for ``seconds`` in all)."""  # fmt: skip
    tally = Tally()
    importers = [i for i in ctx.importers if not only or i.name in only]
    originals = {i.name: i.fixture.read_bytes() for i in importers}
    end = time.perf_counter() + seconds if seconds else None
    round_ = 0
    while True:
        for index, importer in enumerate(importers):
            case_seed = seed * 1_000_003 + round_ * 101 + index
            rng = random.Random(case_seed)
            data = originals[importer.name]
            for _ in range(rng.choice([1, 1, 1, 2, 3])):
                data = mutate(data, importer.kind, rng, importer.signer_home)
            case = ctx.work / "cases" / f"{importer.name}-{case_seed}"
            result = run_one(importer, data, ctx, case, timeout=timeout, memory_mb=memory_mb)
            tally.add(importer.name, result, case_seed)
            if result["outcome"] in FAILURES:
                keep = ctx.work / "failures"
                keep.mkdir(exist_ok=True)
                (keep / f"{importer.name}-{case_seed}{importer.suffix}").write_bytes(data)
        round_ += 1
        if per_importer is not None and round_ >= per_importer:
            break
        if end is not None and time.perf_counter() >= end:
            break
    return tally


if __name__ == "__main__":  # python tests/fuzzlib.py: a quick look
    sys.path.insert(0, str(ROOT))
    import tempfile

    context = setup(Path(tempfile.mkdtemp(prefix="fuzz-")))
    result = fuzz(context, seed=1, per_importer=3)
    print(result.table())
    for failure in result.failures[:20]:
        print(failure)
