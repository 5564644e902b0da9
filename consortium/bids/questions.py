"""The buyer's questions on a bid: typed, pasted, or imported from a questionnaire.

    qs = read_questionnaire("ITT questions.xlsx")     # pure: parse only, nothing written
    result = import_questionnaire(ws, bid.id, "ITT questions.xlsx")   # one transaction
    q = list_for(ws.db, bid.id)[0]
    q.answer = "We will…"; q.status = "drafting"; save(ws, q)
    word_count(q.answer), q.over_limit

An .xlsx questionnaire has one question a row, under a header row with a column called
"Question" (others found by header: "Ref"/"No", "Word limit", "Weighting", "Section").
A .docx questionnaire has a table laid out the same way, or one question per numbered
paragraph or heading, with limits written like "(max 500 words)" and weights like
"Weighting: 10%".
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from consortium import workbooks
from consortium.bids.records import BidError
from consortium.bids.records import load as load_bid
from consortium.changes import ANSWERS, BIDS
from consortium.files import cannot_open
from consortium.formatting import parse_date
from consortium.workspace import Workspace, writes

STATUSES = ("not started", "drafting", "in review", "done")
_WORD = re.compile(r"[\w'’-]+")


class QuestionnaireError(BidError):
    """A questionnaire file cannot be read; nothing was imported."""


def word_count(text: str) -> int:
    """Words as Word counts them, near enough: runs of letters, digits, apostrophes, hyphens."""
    return len(_WORD.findall(text or ""))


@dataclass
class Question:
    bid_id: int
    text: str
    ref: str = ""
    section: str = ""
    word_limit: int | None = None
    weighting: float | None = None  # per cent of the marks
    owner_org_id: int | None = None
    status: str = "not started"
    due: dt.date | None = None
    answer: str = ""
    sources: list[dict] = field(
        default_factory=list
    )  # {"library_entry": id, "title": …} or {"note": …}
    position: int = 0
    id: int | None = None
    updated_at: str = ""

    @property
    def words(self) -> int:
        return word_count(self.answer)

    @property
    def over_limit(self) -> bool:
        return self.word_limit is not None and self.words > self.word_limit

    @property
    def label(self) -> str:
        return question_label(self.ref, self.position)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "bid_id": self.bid_id,
            "position": self.position,
            "ref": self.ref,
            "section": self.section,
            "text": self.text,
            "word_limit": self.word_limit,
            "weighting": self.weighting,
            "owner_org_id": self.owner_org_id,
            "status": self.status,
            "due": self.due.isoformat() if self.due else None,
            "answer": self.answer,
            "words": self.words,
            "over_limit": self.over_limit,
            "sources": self.sources,
        }


def question_label(ref: str, position: int) -> str:
    """How people refer to a question: 'Q 2.1' or 'question 3'; a reference that already says
    'Q1' or 'Question 4' is kept as it is (never 'Q Q1')."""
    if not ref:
        return f"question {position + 1}"
    if re.match(r"(?i)q(uestion)?\s*\.?\s*\d", ref):
        return ref
    return f"Q {ref}"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def derived_status(status: str, answer: str) -> str:
    """The status a question has given its answer: an answer with text in it is at least
    being drafted, and an emptied answer is not started. "in review" and "done" are a
    person's call and are kept while there is text."""
    has_text = bool((answer or "").strip())
    if has_text and status == "not started":
        return "drafting"
    if not has_text and status == "drafting":
        return "not started"
    return status


# ------------------------------------------------------------------------------ storage
def _from_row(r: dict) -> Question:
    return Question(
        id=r["id"],
        bid_id=r["bid_id"],
        position=r["position"],
        ref=r["ref"],
        section=r["section"],
        text=r["text"],
        word_limit=r["word_limit"],
        weighting=r["weighting"],
        owner_org_id=r["owner_org_id"],
        status=r["status"],
        due=dt.date.fromisoformat(r["due"]) if r["due"] else None,
        answer=r["answer"],
        sources=json.loads(r["sources"] or "[]"),
        updated_at=r["updated_at"],
    )


def list_for(db: Database, bid_id: int) -> list[Question]:
    """The bid's questions in the buyer's order."""
    return [
        _from_row(r)
        for r in db.query(
            "SELECT * FROM bid_questions WHERE bid_id = ? ORDER BY position, id", [bid_id]
        )
    ]


def load(db: Database, question_id: int) -> Question:
    rows = list(db.query("SELECT * FROM bid_questions WHERE id = ?", [question_id]))
    if not rows:
        raise BidError(f"There is no question with id {question_id}.")
    return _from_row(rows[0])


def check(q: Question) -> dict[str, str]:
    problems = {}
    if not q.text.strip():
        problems["text"] = "The question has no text"
    if q.status not in STATUSES:
        problems["status"] = f"'{q.status}' is not a status; choose one of: {', '.join(STATUSES)}"
    if q.word_limit is not None and q.word_limit <= 0:
        problems["word_limit"] = "A word limit is a whole number above 0"
    if q.weighting is not None and not 0 <= q.weighting <= 100:
        problems["weighting"] = "A weighting is a percentage between 0 and 100"
    return problems


def _row(q: Question) -> dict:
    return {
        "bid_id": q.bid_id,
        "position": q.position,
        "ref": q.ref.strip(),
        "section": q.section.strip(),
        "text": q.text.strip(),
        "word_limit": q.word_limit,
        "weighting": q.weighting,
        "owner_org_id": q.owner_org_id,
        "status": q.status,
        "due": q.due.isoformat() if q.due else None,
        "answer": q.answer,
        "sources": json.dumps(q.sources, ensure_ascii=False),
        "updated_at": _now(),
    }


@writes
def save(ws: Workspace, q: Question) -> int:
    """Insert or update one question (with its answer); returns its id. The status follows
    the answer (see :func:`derived_status`)."""
    q.status = derived_status(q.status, q.answer)
    problems = check(q)
    if problems:
        raise BidError(f"The question cannot be saved: {'; '.join(problems.values())}")
    with ws.atomic(ANSWERS):
        if q.owner_org_id is not None:
            _check_owner(ws.db, q.bid_id, q.owner_org_id)
        row = _row(q)
        exists = (
            q.id is not None
            and ws.db.execute("SELECT 1 FROM bid_questions WHERE id = ?", [q.id]).fetchone()
        )
        if exists:
            ws.db["bid_questions"].update(q.id, row)
            _audit_saved(ws, q)
        else:
            if q.id is None and not q.position:
                q.position = _next_position(ws.db, q.bid_id)
                row["position"] = q.position
            q.id = ws.db["bid_questions"].insert(row).last_pk
            ws.note(BIDS)  # a new question on the bid, not only a saved answer
            ws.audit("create", "bid_question", q.id, f"Added {q.label}")
        q.updated_at = row["updated_at"]
    return q.id


# Answers save at every pause in typing; one audit line per question per spell of writing is
# what a reader of the log wants, not one a sentence.
AUDIT_QUIET = dt.timedelta(minutes=10)


def _audit_saved(ws: Workspace, q: Question) -> None:
    summary = f"Saved {q.label} ({q.status})"
    last = ws.db.execute(
        "SELECT entity, entity_id, summary, at FROM audit ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if last and (last[0], last[1], last[2]) == ("bid_question", str(q.id), summary):
        try:
            when = dt.datetime.fromisoformat(last[3])
        except (TypeError, ValueError):
            when = None
        if when is not None and dt.datetime.now(dt.UTC) - when < AUDIT_QUIET:
            return
    ws.audit("update", "bid_question", q.id, summary)


def _check_owner(db: Database, bid_id: int, org_id: int) -> None:
    bid = load_bid(db, bid_id)
    found = db.execute(
        "SELECT 1 FROM consortium_members WHERE consortium_id = ? AND org_id = ?",
        [bid.consortium_id, org_id],
    ).fetchone()
    if not found:
        raise BidError("The owner of a question must be a member of the consortium.")


def _next_position(db: Database, bid_id: int) -> int:
    row = db.execute(
        "SELECT coalesce(max(position) + 1, 0) FROM bid_questions WHERE bid_id = ?", [bid_id]
    ).fetchone()
    return row[0]


@writes
def delete(ws: Workspace, question_id: int) -> Question:
    """Delete one question (and its answer); returns it as it was, so it can be put back."""
    with ws.atomic(BIDS):
        q = load(ws.db, question_id)
        ws.db.execute("DELETE FROM bid_questions WHERE id = ?", [question_id])
        _renumber(ws.db, q.bid_id)
        ws.audit("delete", "bid_question", question_id, f"Deleted {q.label}")
    return q


@writes
def restore(ws: Workspace, q: Question) -> Question:
    """Put back a deleted question at its old place, with its answer and its id."""
    with ws.atomic(BIDS):
        load_bid(ws.db, q.bid_id)
        ws.db.execute(
            "UPDATE bid_questions SET position = position + 1 WHERE bid_id = ? AND position >= ?",
            [q.bid_id, q.position],
        )
        row = _row(q)
        if q.id is not None:
            row["id"] = q.id
        q.id = ws.db["bid_questions"].insert(row).last_pk
        _renumber(ws.db, q.bid_id)
        ws.audit("create", "bid_question", q.id, f"Put back {q.label}")
    return load(ws.db, q.id)


@writes
def move(ws: Workspace, question_id: int, offset: int) -> Question:
    """Move a question up (offset -1) or down (+1) the buyer's order; returns it."""
    with ws.atomic(BIDS):
        q = load(ws.db, question_id)
        ids = [x.id for x in list_for(ws.db, q.bid_id)]
        i = ids.index(question_id)
        j = max(0, min(len(ids) - 1, i + offset))
        ids.insert(j, ids.pop(i))
        for position, qid in enumerate(ids):
            ws.db.execute("UPDATE bid_questions SET position = ? WHERE id = ?", [position, qid])
        if i != j:
            ws.audit("update", "bid_question", question_id, f"Moved {q.label} to place {j + 1}")
    return load(ws.db, question_id)


def _renumber(db: Database, bid_id: int) -> None:
    """Positions 0, 1, 2 … in the current order, so 'question 3' means the third one."""
    ids = [
        r[0]
        for r in db.execute(
            "SELECT id FROM bid_questions WHERE bid_id = ? ORDER BY position, id", [bid_id]
        )
    ]
    for position, qid in enumerate(ids):
        db.execute("UPDATE bid_questions SET position = ? WHERE id = ?", [position, qid])


@dataclass
class ImportResult:
    bid_id: int
    file: str
    added: int
    questions: list[Question]
    skipped: int = 0  # already on the bid (same reference and text): importing twice is safe

    def to_dict(self) -> dict:
        return {
            "bid_id": self.bid_id,
            "file": self.file,
            "added": self.added,
            "skipped": self.skipped,
            "questions": [q.to_dict() for q in self.questions],
        }


@writes
def add_questions(ws: Workspace, bid_id: int, questions: list[Question]) -> list[Question]:
    """Append questions to a bid in one transaction (all or none)."""
    with ws.atomic(BIDS):
        load_bid(ws.db, bid_id)
        start = _next_position(ws.db, bid_id)
        for n, q in enumerate(questions):
            q.bid_id = bid_id
            q.position = start + n
            problems = check(q)
            if problems:
                raise BidError(
                    f"{q.label} cannot be added: {'; '.join(problems.values())}. Nothing was added."
                )
            row = _row(q)
            q.id = ws.db["bid_questions"].insert(row).last_pk
        ws.audit("create", "bid", bid_id, f"Added {len(questions)} questions")
    return questions


def import_questionnaire(ws: Workspace, bid_id: int, path: str | Path) -> ImportResult:
    """Read the buyer's .xlsx or .docx questionnaire and add its questions to the bid.
    Questions already on the bid (same reference and text) are skipped."""
    load_bid(ws.db, bid_id)
    found = read_questionnaire(path)
    return _add_new(ws, bid_id, found, str(path))


def import_pasted(ws: Workspace, bid_id: int, text: str) -> ImportResult:
    """Add questions pasted as text (see :func:`parse_pasted`)."""
    load_bid(ws.db, bid_id)
    found = parse_pasted(text, bid_id)
    if not found:
        raise QuestionnaireError("No questions found in the pasted text.")
    return _add_new(ws, bid_id, found, "pasted text")


def parse_lines(text: str, bid_id: int = 0) -> list[Question]:
    """Questions typed or pasted one a line ("1.2 Describe… (max 500 words)"): each line that
    has words in it is one question, with its reference, word limit and weighting found."""
    found = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = line.strip().lstrip("•·*-–").strip()
        if not line:
            continue
        ref, body = _split_ref(line)
        if body:
            found.append(_question(bid_id, body, ref))
    return found


def add_lines(ws: Workspace, bid_id: int, text: str) -> ImportResult:
    """Add questions typed or pasted one a line (see :func:`parse_lines`); ones already on
    the bid are skipped. One transaction."""
    load_bid(ws.db, bid_id)
    found = parse_lines(text, bid_id)
    if not found:
        raise QuestionnaireError("There is no question to add: type one, or paste them one a line.")
    return _add_new(ws, bid_id, found, "typed text")


def _add_new(ws: Workspace, bid_id: int, found: list[Question], source: str) -> ImportResult:
    have = {(q.ref, q.text.strip()) for q in list_for(ws.db, bid_id)}
    new = [q for q in found if (q.ref, q.text.strip()) not in have]
    if new:
        add_questions(ws, bid_id, new)
    return ImportResult(
        bid_id=bid_id, file=source, added=len(new), questions=new, skipped=len(found) - len(new)
    )


# ------------------------------------------------------------------------------ parsing
# A number is matched only from its first digit and never given back (possessive ``++``), so a
# paragraph of "1,1,1,…" is read once, not once per digit (20,000 of them took 15 s).
_N = r"(?<![\d,])(\d[\d,]*+)"
_LIMIT_PATTERNS = [
    re.compile(r"\(\s*(?:max(?:imum)?\.?|up to|no more than)\s*" + _N + r"\s*words?\s*\)", re.I),
    re.compile(r"\(\s*" + _N + r"\s*words?(?:\s*(?:max(?:imum)?|limit))?\s*\)", re.I),
    re.compile(r"word\s*(?:limit|count)\s*[:\-–]?\s*" + _N, re.I),
    re.compile(r"(?:max(?:imum)?\.?|up to|no more than)\s*(?:of\s*)?" + _N + r"\s*words", re.I),
    re.compile(r"\b" + _N + r"\s*words?\s*max(?:imum)?\b", re.I),
]
_P = r"(?<![\d.])(\d++(?:\.\d++)?+)"
_WEIGHT_PATTERNS = [
    re.compile(r"weight(?:ing)?\s*[:\-–]?\s*" + _P + r"\s*%", re.I),
    re.compile(r"\(\s*" + _P + r"\s*%\s*(?:weight(?:ing)?)?\s*\)", re.I),
    re.compile(_P + r"\s*%\s*weight(?:ing)?", re.I),
]
MAX_SHEET_ROWS = 5_000  # a questionnaire sheet read beyond this is not a questionnaire
MAX_SHEET_COLUMNS = 50
MAX_WORD_LIMIT = 1_000_000  # beyond this a "limit" is a misreading (a list of numbers, a year …)


def find_word_limit(text: str) -> int | None:
    """The word limit a question states ("(max 500 words)", "Word limit: 1,000"), or None."""
    for pattern in _LIMIT_PATTERNS:
        for m in pattern.finditer(text):
            digits = m[1].replace(",", "")
            if 0 < len(digits) <= 7 and 0 < int(digits) <= MAX_WORD_LIMIT:
                return int(digits)
    return None


def find_weighting(text: str) -> float | None:
    """The weighting a question states ("Weighting: 20%", "(15%)"), or None."""
    for pattern in _WEIGHT_PATTERNS:
        for m in pattern.finditer(text):
            if len(m[1]) <= 12:
                return float(m[1])
    return None


def parse_pasted(text: str, bid_id: int = 0) -> list[Question]:
    """Questions from pasted text: one per numbered line or per blank-line-separated block."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    blocks: list[list[str]] = []
    for line in lines:
        stripped = line.strip()
        if not stripped:
            if blocks and blocks[-1]:
                blocks.append([])
            continue
        if _numbered(stripped) and blocks and blocks[-1]:
            blocks.append([])
        if not blocks:
            blocks.append([])
        blocks[-1].append(stripped)
    found = []
    for block in blocks:
        if not block:
            continue
        ref, first = _split_ref(block[0])
        body = "\n".join([first, *block[1:]]).strip()
        if body:
            found.append(_question(bid_id, body, ref))
    return found


_REF = re.compile(
    r"^(?:(?:question|q)\s*\.?\s*)?(\d+(?:\.\d+)*[a-z]?|[a-z]\d+(?:\.\d+)*)(?:[.):]|\s[-–:]|\s)\s*(.*)$",
    re.I,
)


def _numbered(text: str) -> bool:
    return bool(_REF.match(text)) and bool(_REF.match(text)[2])


def _split_ref(text: str) -> tuple[str, str]:
    m = _REF.match(text)
    if m and m[2]:
        return m[1].rstrip("."), m[2].strip()
    return "", text.strip()


def _question(bid_id: int, text: str, ref: str = "", section: str = "") -> Question:
    return Question(
        bid_id=bid_id,
        text=text,
        ref=ref,
        section=section,
        word_limit=find_word_limit(text),
        weighting=find_weighting(text),
    )


def read_questionnaire(path: str | Path) -> list[Question]:
    """Parse a questionnaire file without touching any workspace. Raises QuestionnaireError
    with a message for people when the file is not a questionnaire we can read."""
    path = Path(path)
    if not path.exists():
        raise QuestionnaireError(f"There is no file at {path}.")
    if path.is_dir():
        raise QuestionnaireError(f"{path} is a folder; give the questionnaire file.")
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".docx"):
        kind = f"a {suffix} file" if suffix else "a file with no extension"
        raise QuestionnaireError(
            f"{path.name} is {kind}. Consortium reads questionnaires from Excel (.xlsx) or "
            "Word (.docx) files; save it in one of those formats, or paste the questions in."
        )
    problem = cannot_open(path)
    if problem:
        raise QuestionnaireError(problem)
    if not zipfile.is_zipfile(path):
        raise QuestionnaireError(
            f"{path.name} is not a readable {'Word' if suffix == '.docx' else 'Excel'} file "
            "(it may be damaged, password-protected, or another format renamed)."
        )
    workbooks.check_archive(path, path.name, QuestionnaireError)
    questions = _read_xlsx(path) if suffix != ".docx" else _read_docx(path)
    if not questions:
        raise QuestionnaireError(
            f"No questions found in {path.name}. An Excel questionnaire needs a column headed "
            "'Question'; a Word one needs numbered questions, headings, or a table with a "
            "'Question' column."
        )
    return questions


_HEADERS = {
    "text": ("question", "question text", "questions", "requirement", "question / requirement"),
    "ref": (
        "ref",
        "ref.",
        "reference",
        "no",
        "no.",
        "number",
        "q",
        "q no",
        "q no.",
        "question no",
        "question no.",
        "question number",
        "question ref",
        "id",
        "#",
        "item",
    ),
    "word_limit": (
        "word limit",
        "max words",
        "maximum words",
        "word count",
        "words",
        "word count limit",
        "limit",
    ),
    "weighting": (
        "weighting",
        "weight",
        "weighting %",
        "weighting (%)",
        "weight %",
        "%",
        "marks",
        "score weighting",
    ),
    "section": ("section", "part", "theme", "criterion", "criteria", "lot"),
}


def _norm_header(value) -> str:
    return re.sub(r"\s+", " ", str(value or "").strip().lower()).rstrip(":")


def _header_columns(row: list) -> dict[str, int] | None:
    cols: dict[str, int] = {}
    for i, cell in enumerate(row):
        h = _norm_header(cell)
        if not h:
            continue
        for key, names in _HEADERS.items():
            if key not in cols and (
                h in names
                or (
                    key == "text"
                    and h.startswith("question")
                    and not any(h == n for n in _HEADERS["ref"])
                )
            ):
                cols[key] = i
                break
    return cols if "text" in cols else None


def _grid_questions(grid: list[list], bid_id: int = 0) -> list[Question] | None:
    """Questions from a table (sheet rows or a Word table); None when it has no header row."""
    for h, row in enumerate(grid[:25]):
        cols = _header_columns(row)
        if cols is None:
            continue
        found = []
        for r in grid[h + 1 :]:

            def cell(key, r=r, cols=cols):
                i = cols.get(key)
                return r[i] if i is not None and i < len(r) else None

            text = str(cell("text") or "").strip()
            if not text:
                continue
            ref = _cell_text(cell("ref"))
            q = _question(bid_id, text, ref, _cell_text(cell("section")))
            limit = _number(cell("word_limit"))
            if limit and limit <= MAX_WORD_LIMIT:  # beyond it, a misreading (as in the text)
                q.word_limit = int(limit)
            weight = cell("weighting")
            w = _number(weight)
            if w is not None:
                # Excel stores 10% as 0.1 when the cell is formatted as a percentage
                q.weighting = round(w * 100, 4) if isinstance(weight, float) and w <= 1 else w
            found.append(q)
        return found
    return None


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _number(value) -> float | None:
    """A cell's number (or the first number in its text); None if none, or not finite (a
    cell a tool wrote as 1e999, or hundreds of digits typed)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        if isinstance(value, (int, float)):
            number = float(value)  # an int of hundreds of digits overflows here
        else:
            m = re.search(r"\d[\d,]*(?:\.\d+)?", str(value))
            number = float(m[0].replace(",", "")) if m else None
    except OverflowError:
        return None
    return number if number is not None and math.isfinite(number) else None


def _read_xlsx(path: Path) -> list[Question]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise QuestionnaireError(f"{path.name} is not a readable Excel workbook: {exc}") from exc
    try:
        for ws in wb.worksheets:
            grid = [
                list(row)
                for row in workbooks.rows(
                    ws,
                    name=path.name,
                    error=QuestionnaireError,
                    max_rows=MAX_SHEET_ROWS,
                    max_cols=MAX_SHEET_COLUMNS,
                )
            ]
            found = _grid_questions(grid)
            if found is not None:
                if not found:
                    raise QuestionnaireError(
                        f"{path.name}, sheet '{ws.title}': there is a 'Question' column but no "
                        "questions under it."
                    )
                return found
    finally:
        wb.close()
    raise QuestionnaireError(
        f"{path.name} does not look like a questionnaire: no sheet has a column headed "
        "'Question' in its first 25 rows."
    )


def _read_docx(path: Path) -> list[Question]:
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as exc:
        raise QuestionnaireError(f"{path.name} is not a readable Word document: {exc}") from exc
    try:
        for table in document.tables:
            grid = [[c.text for c in row.cells] for row in table.rows]
            found = _grid_questions(grid)
            if found:
                return found
        return _paragraph_questions(document)
    except (AttributeError, KeyError, IndexError, TypeError, ValueError) as exc:
        # python-docx reads styles and numbering lazily: a damaged or renamed part shows here.
        raise QuestionnaireError(
            f"{path.name} is a damaged Word document ({type(exc).__name__}: {exc}). Open it in "
            "Word and save it again, or paste the questions in."
        ) from exc


def _paragraph_questions(document) -> list[Question]:
    blocks: list[dict] = []
    section = ""
    list_counter = 0
    for p in document.paragraphs:
        text = p.text.strip()
        if not text:
            continue
        style = (p.style.name or "").lower() if p.style is not None else ""
        is_heading = style.startswith("heading") or style == "title"
        numbered_list = (p._p.pPr is not None and p._p.pPr.numPr is not None) or style.startswith(
            "list number"
        )
        ref, rest = _split_ref(text)
        if is_heading and not ref and not find_word_limit(text):
            # An unnumbered heading: a section title, or a question if body text follows
            blocks.append({"ref": "", "lines": [text], "heading": True, "section": section})
            section = text
            continue
        if ref or numbered_list or is_heading:
            if numbered_list and not ref:
                list_counter += 1
                ref = str(list_counter)
            blocks.append(
                {
                    "ref": ref,
                    "lines": [rest if ref and rest else text],
                    "heading": False,
                    "section": section,
                }
            )
            continue
        if blocks:
            blocks[-1]["lines"].append(text)
    found = []
    for b in blocks:
        if b["heading"]:
            if len(b["lines"]) == 1:
                continue  # a section title with nothing under it
            body = "\n".join(b["lines"])
        else:
            body = "\n".join(b["lines"])
        q = _question(0, body, b["ref"], b["section"] if not b["heading"] else "")
        found.append(q)
    # Headed blocks with no question marks, limits or weights are usually instructions
    questions = [
        q
        for q in found
        if q.ref
        or q.word_limit
        or q.weighting
        or "?" in q.text
        or re.search(
            r"\b(describe|explain|provide|set out|detail|outline|demonstrate|how)\b", q.text, re.I
        )
    ]
    return questions


def set_due(q: Question, value) -> None:
    """Set a due date from what a person typed (23/11/2026, 23 Nov 2026…)."""
    try:
        q.due = parse_date(value) if value not in (None, "") else None
    except ValueError as exc:
        raise BidError(str(exc)) from None
