"""``consortium work`` (packs out to members, replies back) and ``consortium directory``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from consortium import home
from consortium.errors import ConsortiumError
from consortium.formatting import parse_date, plural, possessive, uk_date
from consortium.workspace import Workspace


def register(sub) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--workspace", metavar="PATH", default=argparse.SUPPRESS, help="workspace file to use"
    )
    secret = argparse.ArgumentParser(add_help=False)
    secret.add_argument(
        "--passphrase-file", metavar="FILE", help="read the key's passphrase from this file"
    )
    words = argparse.ArgumentParser(add_help=False)
    words.add_argument(
        "--confirm-words",
        metavar="WORDS",
        help="the sender's key words, as they read them to you on the phone (first time, or a new key)",
    )
    w = sub.add_parser("work", parents=[common], help="work packs for members, and their replies")
    wsub = w.add_subparsers(dest="work_command", metavar="ACTION", required=True)
    p = wsub.add_parser(
        "export", parents=[common, secret], help="write a signed work pack for one member"
    )
    p.add_argument("bid", type=int, metavar="BID")
    p.add_argument("--member", required=True, metavar="P", help="the member's name or partner id")
    p.add_argument("--out", required=True, metavar="FILE")
    p.add_argument("--due", metavar="DATE", help="when the reply is due (e.g. 7 Dec 2026)")
    p.add_argument("--member-key", metavar="FILE", help="the member's public key file (pins it)")
    p.add_argument("--member-words", metavar="WORDS", help="that key's words, as they read them")
    p.set_defaults(handler=cmd_export)
    p = wsub.add_parser(
        "open", parents=[common, words], help="open a work pack (makes a workspace if needed)"
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_open, needs_workspace=False)
    p = wsub.add_parser(
        "answer", parents=[common], help="write a member's answer to a question of a work pack"
    )
    p.add_argument("file", metavar="FILE", help="the work pack")
    p.add_argument("question", type=int, metavar="QUESTION", help="the question's id in the pack")
    p.add_argument("--text", required=True)
    p.set_defaults(handler=cmd_answer)
    p = wsub.add_parser(
        "reply", parents=[common, secret], help="write the signed reply to a work pack"
    )
    p.add_argument("file", metavar="FILE", help="the work pack")
    p.add_argument("--out", required=True, metavar="FILE")
    p.add_argument("--attach", action="append", default=[], metavar="FILE")
    p.set_defaults(handler=cmd_reply)
    p = wsub.add_parser(
        "import", parents=[common, words], help="take in a member's reply (shows the diff)"
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("--accept", choices=("all", "none"), default="none")
    p.add_argument("--bid", type=int, metavar="BID", help="the bid you mean (refuses another's)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_import)
    p = wsub.add_parser("status", parents=[common], help="work packs and replies per member")
    p.add_argument("bid", type=int, metavar="BID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_status)

    d = sub.add_parser(
        "directory", parents=[common], help="a housing association's partner directory"
    )
    dsub = d.add_subparsers(dest="directory_command", metavar="ACTION", required=True)
    p = dsub.add_parser(
        "export",
        parents=[common, secret],
        help="write the partner directory (.cbdirectory signed; .db plain SQLite for Datasette)",
    )
    p.add_argument("file", metavar="FILE")
    p.set_defaults(handler=cmd_directory_export)
    p = dsub.add_parser("import", parents=[common, words], help="import an association's directory")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_directory_import)
    p = dsub.add_parser("search", parents=[common], help="find partners in imported directories")
    p.add_argument("text", nargs="?", default="")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_directory_search)
    p = dsub.add_parser(
        "consent", parents=[common], help="record a partner's consent to share its contacts"
    )
    p.add_argument("partner", type=int, metavar="PARTNER")
    p.add_argument("--no", action="store_true", help="record that it did not agree")
    p.set_defaults(handler=cmd_directory_consent)


def _print_json(data) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def _red(text: str) -> str:
    return f"\033[31m{text}\033[0m" if sys.stderr.isatty() else text


def _passphrase(args):
    from consortium.packs.cli import _passphrase as passphrase

    return passphrase(args)


def cmd_export(args, ws: Workspace) -> int:
    from consortium.packs import trust
    from consortium.work import export

    recipient = trust.read_public_key(args.member_key) if args.member_key else None
    if recipient is not None and not args.member_words:
        raise ConsortiumError(
            f"Phone {recipient.organisation} on a number you already have, ask them to read their "
            'key\'s words, and give them with --member-words "...". Nothing was written.'
        )
    org_id = export.find_member(ws, args.bid, args.member)
    due = parse_date(args.due) if args.due else None
    path = export.export_work(
        ws,
        args.bid,
        org_id,
        args.out,
        due=due,
        recipient=recipient,
        recipient_words=args.member_words,
        passphrase=_passphrase(args),
    )
    print(f"Wrote the signed work pack {path}" + (f" (reply due {uk_date(due)})" if due else ""))
    return 0


def _workspace_for_open(args) -> tuple[Workspace | None, Path | None]:
    """The member's workspace: the one named, else the last used; none means make one."""
    path = getattr(args, "workspace", None)
    if path:
        path = Path(path).expanduser()
        return (Workspace.open(path), path) if path.exists() else (None, path)
    last = home.load_settings().get("last_workspace")
    if last and Path(last).exists():
        return Workspace.open(last), Path(last)
    return None, None


def cmd_open(args, _ws) -> int:
    from consortium.work import member

    ws, path = _workspace_for_open(args)
    try:
        if ws is None:
            if path is None:
                signed, data, _ = member.verify_work(args.file)
                name = "".join(
                    ch for ch in data["record"].get("name", "member") if ch.isalnum() or ch in " -"
                )
                path = home.home_dir() / f"{name.strip() or 'member'}.consortium"
            ws = member.workspace_for_pack(args.file, path, confirm_words=args.confirm_words)
            print(
                f"Made the workspace {ws.path} for {member.list_work(ws)[0].member}",
                file=sys.stderr if args.json else sys.stdout,
            )
            work = member.list_work(ws)[0]
        else:
            work = member.open_work(ws, args.file, confirm_words=args.confirm_words)
        home.remember_workspace(ws.path)
    except member.KeyNotConfirmed as exc:
        print(_red(str(exc)), file=sys.stderr)
        print(
            'When they have read you the words, run again with --confirm-words "...".',
            file=sys.stderr,
        )
        return 1
    except ConsortiumError as exc:
        print(f"consortium: {exc}", file=sys.stderr)
        return 1
    try:
        if args.json:
            _print_json(
                {
                    "workspace": str(ws.path),
                    "work_id": work.id,
                    "lead": work.lead,
                    "member": work.member,
                    "bid": work.bid_name,
                    "due": work.due.isoformat() if work.due else None,
                    "questions": [
                        {**q, "my_answer": work.answer(q["id"]), "words": work.words(q["id"])}
                        for q in work.questions
                    ],
                    "documents_needed": work.data.get("documents_needed") or [],
                }
            )
            return 0
        print(
            f"Work for {work.lead}: {work.bid_name}"
            + (f", due {uk_date(work.due)}" if work.due else "")
        )
        for q in work.questions:
            limit = f" (max {q['word_limit']:,} words)" if q.get("word_limit") else ""
            print(
                f"  [{q['id']}] {q['label']}: {q['text'][:80]}{limit} — {work.words(q['id'])} words"
            )
        for n in work.data.get("documents_needed") or []:
            print(f"  Needed: {n['label']}")
    finally:
        ws.close()
    return 0


def _work_for_file(ws: Workspace, file: str):
    from consortium.work import member

    signed, _data, _ = member.verify_work(file)
    row = ws.db.execute(
        "SELECT id FROM received_work WHERE manifest_sha256 = ?", [signed.sha256]
    ).fetchone()
    if row is None:
        raise ConsortiumError(
            f"{Path(file).name} is not open in this workspace: run 'consortium work open' first."
        )
    return member.load(ws, row[0])


def cmd_answer(args, ws: Workspace) -> int:
    from consortium.work import member

    work = _work_for_file(ws, args.file)
    member.save_answer(ws, work.id, args.question, args.text)
    print(f"Saved the answer ({member.load(ws, work.id).words(args.question)} words)")
    return 0


def cmd_reply(args, ws: Workspace) -> int:
    from consortium.work import member

    work = _work_for_file(ws, args.file)
    for f in args.attach:
        member.attach(ws, work.id, f)
    path = member.send_back(ws, work.id, args.out, passphrase=_passphrase(args))
    print(f"Wrote the signed reply {path}: send it to {work.lead}.")
    return 0


def cmd_import(args, ws: Workspace) -> int:
    from consortium.work import apply, member

    try:
        incoming = apply.read_reply(
            ws, args.file, confirm_words=args.confirm_words, bid_id=args.bid
        )
    except member.KeyNotConfirmed as exc:
        if args.json:
            _print_json({"imported": False, "refused": str(exc), "key": exc.check.to_dict()})
        print(_red(str(exc)), file=sys.stderr)
        return 1
    except ConsortiumError as exc:
        if args.json:
            _print_json({"imported": False, "refused": str(exc)})
        print(_red(f"REFUSED: {exc}"), file=sys.stderr)
        return 1
    result = apply.apply(ws, incoming, accept="all") if args.accept == "all" else None
    if args.json:
        _print_json(
            {
                "imported": result is not None,
                **incoming.to_dict(),
                "applied": result.to_dict() if result else None,
            }
        )
        return 0
    print(
        f"Reply from {incoming.member} (signed by {incoming.signed.signer['organisation']}, words {incoming.check.words}):"
    )
    if not incoming.items:
        print("  No changes.")
    for i in incoming.items:
        flag = "CONFLICT " if i.conflict else ""
        if i.kind == "answer":
            print(f"  {flag}{i.label} [{i.change}, {i.detail}]")
            if i.conflict:
                print(f"    yours:  {i.old_text[:200]}")
            print(f"    theirs: {i.new_text[:200]}")
        else:
            print(
                f"  {flag}{i.label}: {i.old_text} → {i.new_text}"
                + (f" ({i.detail})" if i.detail else "")
            )
    if result is None:
        print(
            "Nothing was taken in yet: run again with --accept all, or choose per item in the window."
        )
    else:
        print(f"Took in {plural(len(result.accepted), 'change')}.")
        if result.conflicts_kept:
            print(
                f"{plural(len(result.conflicts_kept), 'conflict')} kept as yours: resolve them in the window (Work packs area)."
            )
    return 0


def cmd_status(args, ws: Workspace) -> int:
    from consortium.work import status

    rows = status.for_bid(ws, args.bid, today=dt.date.today())
    if args.json:
        _print_json([r.to_dict() for r in rows])
        return 0
    for r in rows:
        print(
            f"{r.name} ({r.role}): {r.summary}; {r.open} of {plural(r.questions, 'question')} open"
        )
    return 0


def cmd_directory_export(args, ws: Workspace) -> int:
    from consortium.work import directory

    out = Path(args.file)
    if out.suffix.lower() in (".db", ".sqlite", ".sqlite3"):
        path = directory.export_sqlite(ws, out)
        print(f"Wrote {path}: publish it with 'datasette {path.name}'")
    else:
        path = directory.export_directory(ws, out, passphrase=_passphrase(args))
        print(f"Wrote the signed directory {path}")
    return 0


def cmd_directory_import(args, ws: Workspace) -> int:
    from consortium.work import directory, member

    try:
        imported = directory.import_directory(ws, args.file, confirm_words=args.confirm_words)
    except member.KeyNotConfirmed as exc:
        print(_red(str(exc)), file=sys.stderr)
        return 1
    if args.json:
        _print_json(imported.__dict__)
    else:
        print(
            f"Imported {possessive(imported.organisation)} directory: {plural(imported.partners, 'partner')}."
        )
    return 0


def cmd_directory_search(args, ws: Workspace) -> int:
    from consortium.work import directory

    found = directory.entries(ws.db, args.text)
    if args.json:
        _print_json(found)
        return 0
    for e in found:
        print(f"{e['name']} — {e['places'] or 'no places given'} (from {e['directory']})")
    return 0


def cmd_directory_consent(args, ws: Workspace) -> int:
    from consortium.work import directory

    directory.set_consent(ws, args.partner, not args.no)
    print("Recorded.")
    return 0
