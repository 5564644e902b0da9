"""``consortium bid …`` and ``consortium library …``.

JSON output (``--json``) is a public contract: keys are only ever added, never renamed.

- ``bid create``: {id, name, consortium_id, ocid, lots, status}
- ``bid list``: [{id, name, consortium_id, ocid, lots, status, questions, answered, done}]
- ``bid questions import`` / ``list``: {bid_id, file, added, skipped, questions: [question]} /
  [question], question = {id, bid_id, position, ref, section, text, word_limit, weighting,
  owner_org_id, status, due, answer, words, over_limit, sources}
- ``bid check`` (exit 2 when not ready): {bid: {id, name, ocid}, checked_on, contract_start,
  documents_judged_on, ready, counts: {problem, warning}, items: [{code, severity, message,
  where: {kind, id, label, field}}]}
- ``bid suggest``: [{question_id, ref, suggestions: [{entry_id, title, kind, owner, score,
  matching_words, matching_tags, why, freshness, last_reviewed, review_due, usage_count}]}]
- ``bid build``: {bid_id, folder, files: {joint_bid, joint_bid_submission, joint_bid_working,
  cre_eoi, agreement, due_diligence, cover_note}, ready, items, warnings, copies}; ``joint_bid``
  is the submission copy when it was written, else the working copy; ``--copy`` chooses one
- ``bid answer``: {bid_id, question_id, ref, field, words, word_limit, over_limit, status}
  (``field`` is "answer" for a question, else the bid text written: executive_summary,
  understanding or governance)
- ``bid check`` also gives ``submission_incomplete``: the items that would leave the submission
  copy incomplete
- ``library import``: {added, updated, skipped, titles}
- ``library search``: [entry + snippet]; ``library stale``: [entry], entry = {uid, id, kind,
  title, body, owner, tags, cpv, theme, last_reviewed, review_due, usage_count, last_used,
  updated_at, freshness}

Dates in JSON are ISO (2026-11-23); people read them as 23 Nov 2026 in the text output.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from consortium.bids import documents, narrative, readiness
from consortium.bids import questions as bid_questions
from consortium.bids import records as bid_records
from consortium.errors import ConsortiumError
from consortium.library import share, store, suggest
from consortium.matching import consortia
from consortium.packs.standing import changed_since_approval
from consortium.text import listed
from consortium.workspace import Workspace


def register(sub) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--workspace", metavar="PATH", default=argparse.SUPPRESS, help="workspace file to use"
    )
    bid = sub.add_parser("bid", parents=[common], help="joint bids: questions, checks, documents")
    bsub = bid.add_subparsers(dest="bid_command", metavar="ACTION", required=True)
    p = bsub.add_parser("create", parents=[common], help="start a bid for a saved consortium")
    p.add_argument("consortium", metavar="CONSORTIUM", help="consortium id or name")
    p.add_argument("--name", help="the bid's name (default: the consortium's name + ' bid')")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_create)
    p = bsub.add_parser("list", parents=[common], help="list bids")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_list)
    q = bsub.add_parser("questions", parents=[common], help="the buyer's questions on a bid")
    qsub = q.add_subparsers(dest="questions_command", metavar="ACTION", required=True)
    p = qsub.add_parser(
        "import", parents=[common], help="import a .xlsx or .docx questionnaire (- : paste)"
    )
    p.add_argument("bid", metavar="BID", help="bid id or name")
    p.add_argument("file", metavar="FILE", help="questionnaire file, or - to read pasted text")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_questions_import)
    p = qsub.add_parser("list", parents=[common], help="list a bid's questions")
    p.add_argument("bid", metavar="BID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_questions_list)
    p = bsub.add_parser("check", parents=[common], help="what is missing before building")
    p.add_argument("bid", metavar="BID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_check)
    p = bsub.add_parser("suggest", parents=[common], help="library suggestions for each question")
    p.add_argument("bid", metavar="BID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_suggest)
    p = bsub.add_parser("build", parents=[common], help="build the bid documents")
    p.add_argument("bid", metavar="BID")
    p.add_argument("--out", metavar="DIR", required=True, help="folder for the documents")
    p.add_argument(
        "--copy",
        choices=documents.COPIES,
        help="which copy of the joint bid: the submission copy for the buyer, or the team's "
        "working copy with word counts, owners and gaps (default: both)",
    )
    p.add_argument(
        "--pdf",
        action="store_true",
        help="also a PDF of the documents the buyer reads, with page numbers (needs LibreOffice)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_build)
    p = bsub.add_parser(
        "answer",
        parents=[common],
        help="write the answer to a question, or one of the bid's own texts",
    )
    p.add_argument("bid", metavar="BID", help="bid id or name")
    p.add_argument(
        "question",
        metavar="QUESTION",
        help="the question's reference (e.g. C1.1), its number in the list, or one of the "
        f"bid's texts: {', '.join(narrative.FIELDS)}",
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--text", help="the answer")
    src.add_argument(
        "--file", metavar="FILE", help="a UTF-8 text file holding the answer (- : stdin)"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_answer)

    lib = sub.add_parser("library", parents=[common], help="the answer library")
    lsub = lib.add_subparsers(dest="library_command", metavar="ACTION", required=True)
    p = lsub.add_parser("import", parents=[common], help="import entries from .json or .xlsx")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_library_import)
    p = lsub.add_parser("export", parents=[common], help="export entries to .json or .xlsx")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(handler=cmd_library_export)
    p = lsub.add_parser("search", parents=[common], help="full-text search of the library")
    p.add_argument("text", metavar="TEXT")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_library_search)
    p = lsub.add_parser("stale", parents=[common], help="entries due for review")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_library_stale)


def _print_json(data) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def _bid_dict(b: bid_records.Bid) -> dict:
    return {
        "id": b.id,
        "name": b.name,
        "consortium_id": b.consortium_id,
        "ocid": b.ocid,
        "lots": b.lots,
        "status": b.status,
    }


def find_bid(ws: Workspace, text: str) -> bid_records.Bid:
    if text.isdigit():
        return bid_records.load(ws.db, int(text))
    found = [b for b in bid_records.list_all(ws.db) if b.name.lower() == text.strip().lower()]
    if not found:
        raise ConsortiumError(f"No bid called '{text}'. See 'consortium bid list'.")
    return found[0]


def _find_consortium(ws: Workspace, text: str) -> consortia.Consortium:
    if text.isdigit():
        return consortia.load(ws.db, int(text))
    for c in consortia.list_all(ws.db):
        if c.name.lower() == text.strip().lower():
            return c
    raise ConsortiumError(f"No consortium called '{text}'. See 'consortium consortia list'.")


def cmd_create(args, ws: Workspace) -> int:
    c = _find_consortium(ws, args.consortium)
    b = bid_records.create_for_consortium(ws, c.id, args.name)
    if args.json:
        _print_json(_bid_dict(b))
    else:
        print(f"Created bid {b.id}: {b.name} (consortium {c.name})")
    return 0


def cmd_list(args, ws: Workspace) -> int:
    bids = bid_records.list_all(ws.db)
    if args.json:
        out = []
        for b in bids:
            qs = bid_questions.list_for(ws.db, b.id)
            out.append(
                {
                    **_bid_dict(b),
                    "questions": len(qs),
                    "answered": sum(1 for q in qs if q.answer.strip()),
                    "done": sum(1 for q in qs if q.status == "done"),
                }
            )
        _print_json(out)
        return 0
    if not bids:
        print("No bids yet. Start one with 'consortium bid create CONSORTIUM'.")
    for b in bids:
        qs = bid_questions.list_for(ws.db, b.id)
        done = sum(1 for q in qs if q.status == "done")
        status = b.status
        if status == "approved" and changed_since_approval(ws, b.id):
            status += ", but changed since: send a new pack for review"
        print(f"{b.id:>4}  {b.name}  ({status}; {done} of {len(qs)} questions done)")
    return 0


def cmd_questions_import(args, ws: Workspace) -> int:
    b = find_bid(ws, args.bid)
    if args.file == "-":
        result = bid_questions.import_pasted(ws, b.id, sys.stdin.read())
    else:
        result = bid_questions.import_questionnaire(ws, b.id, args.file)
    if args.json:
        _print_json(result.to_dict())
    else:
        skipped = f" ({result.skipped} already there)" if result.skipped else ""
        print(f"Imported {result.added} questions into {b.name}{skipped}.")
        for q in result.questions:
            print(f"  {_q_line(q)}")
    return 0


def _q_line(q: bid_questions.Question) -> str:
    limit = f" / {q.word_limit:,}" if q.word_limit else ""
    weight = f", {q.weighting:g}%" if q.weighting is not None else ""
    first = q.text.splitlines()[0] if q.text else ""
    return f"{q.label:<10} [{q.status}] {q.words:,}{limit} words{weight}  {first[:70]}"


def cmd_questions_list(args, ws: Workspace) -> int:
    b = find_bid(ws, args.bid)
    qs = bid_questions.list_for(ws.db, b.id)
    if args.json:
        _print_json([q.to_dict() for q in qs])
    else:
        for q in qs:
            print(_q_line(q))
    return 0


def cmd_check(args, ws: Workspace) -> int:
    b = find_bid(ws, args.bid)
    report = readiness.check(ws, b.id, today=dt.date.today())
    if args.json:
        _print_json(report.to_dict())
    else:
        print(report.text())
    return 0 if report.ready else 2


def cmd_suggest(args, ws: Workspace) -> int:
    b = find_bid(ws, args.bid)
    qs = bid_questions.list_for(ws.db, b.id)
    found = suggest.for_bid(ws, b.id, today=dt.date.today())
    if args.json:
        _print_json(
            [
                {
                    "question_id": q.id,
                    "ref": q.ref,
                    "suggestions": [s.to_dict() for s in found[q.id]],
                }
                for q in qs
            ]
        )
        return 0
    for q in qs:
        print(q.label)
        for s in found[q.id] or []:
            print(f"    {s.score:>3}  {s.title} ({s.owner or 'no owner'}; {s.freshness}) – {s.why}")
    return 0


def cmd_build(args, ws: Workspace) -> int:
    from consortium.cli import _text_progress

    b = find_bid(ws, args.bid)
    copies = (args.copy,) if args.copy else documents.COPIES
    result = documents.build(
        ws,
        b.id,
        args.out,
        today=dt.date.today(),
        copies=copies,
        pdf=args.pdf,
        progress=_text_progress(),
    )
    if args.json:
        _print_json(result.to_dict())
        return 0
    print(f"Built {len(result.paths())} files in {result.folder}:")
    for path in result.paths():
        print(f"  {path.name}")
    for warning in result.warnings:
        print(f"Warning: {warning}")
    if result.report and result.report.items:
        print(f"The readiness check found {len(result.report.items)} items; see the cover note.")
    return 0


def _read_answer(args) -> str:
    if args.text is not None:
        return args.text
    if args.file == "-":
        return sys.stdin.read()
    try:
        return open(args.file, encoding="utf-8-sig").read()  # noqa: SIM115 (short read)
    except FileNotFoundError:
        raise ConsortiumError(f"There is no file {args.file}.") from None
    except UnicodeDecodeError:
        raise ConsortiumError(
            f"{args.file} is not UTF-8 text; save it as plain text (UTF-8) and try again."
        ) from None
    except OSError as exc:
        raise ConsortiumError(f"{args.file} cannot be read: {exc.strerror}.") from None


def _find_question(ws: Workspace, bid: bid_records.Bid, text: str) -> bid_questions.Question:
    qs = bid_questions.list_for(ws.db, bid.id)
    wanted = text.strip().lower()
    for q in qs:
        if q.ref and q.ref.strip().lower() == wanted:
            return q
    if wanted.isdigit() and 1 <= int(wanted) <= len(qs):
        return qs[int(wanted) - 1]
    refs = listed(q.ref or str(n) for n, q in enumerate(qs, start=1)) or "none yet"
    raise ConsortiumError(
        f"{bid.name} has no question '{text}'. Its questions: {refs}; or write one of the "
        f"bid's texts: {', '.join(narrative.FIELDS)}."
    )


def cmd_answer(args, ws: Workspace) -> int:
    b = find_bid(ws, args.bid)
    text = documents.clean(_read_answer(args)).strip()
    if args.question in narrative.FIELDS:
        narrative.save(ws, b.id, args.question, text)
        words = bid_questions.word_count(text)
        out = {"bid_id": b.id, "question_id": None, "ref": None, "field": args.question,
               "words": words, "word_limit": None, "over_limit": False, "status": None}  # fmt: skip
        label = narrative.FIELDS[args.question]
    else:
        q = _find_question(ws, b, args.question)
        q.answer = text
        if q.status == "not started" and text:
            q.status = "drafting"
        bid_questions.save(ws, q)
        out = {"bid_id": b.id, "question_id": q.id, "ref": q.ref, "field": "answer",
               "words": q.words, "word_limit": q.word_limit, "over_limit": q.over_limit,
               "status": q.status}  # fmt: skip
        label = q.label
    if args.json:
        _print_json(out)
    else:
        limit = f" of {out['word_limit']:,}" if out["word_limit"] else ""
        over = " (over the limit)" if out["over_limit"] else ""
        print(f"Saved {label} in {b.name}: {out['words']:,}{limit} words{over}.")
    return 0


def cmd_library_import(args, ws: Workspace) -> int:
    result = share.import_entries(ws, args.file)
    if args.json:
        _print_json(result.to_dict())
    else:
        print(f"{result.added} added, {result.updated} updated, {result.skipped} unchanged.")
    return 0


def cmd_library_export(args, ws: Workspace) -> int:
    n = share.export_entries(ws.db, args.file)
    print(f"Exported {n} library entries to {args.file}")
    return 0


def cmd_library_search(args, ws: Workspace) -> int:
    today = dt.date.today()
    found = store.search(ws.db, args.text, args.limit)
    if args.json:
        _print_json([{**e.to_dict(today), "snippet": snip} for e, snip in found])
        return 0
    if not found:
        print("Nothing in the library matches.")
    for e, snip in found:
        print(f"{e.id:>4}  {e.title} ({e.kind}; {e.owner or 'no owner'}; {e.freshness(today)})")
        print(f"      {snip}")
    return 0


def cmd_library_stale(args, ws: Workspace) -> int:
    today = dt.date.today()
    found = store.stale(ws.db, today)
    if args.json:
        _print_json([e.to_dict(today) for e in found])
        return 0
    for e in found:
        print(f"{e.id:>4}  {e.title}: {e.freshness_text(today)}")
    return 0
