"""``consortium keys``, ``pack`` and ``review``.

Passphrases are never given on the command line (other users could see them in the process
list): use ``--passphrase-file FILE``, the ``CONSORTIUM_PASSPHRASE`` variable, or the prompt.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path

from consortium.errors import ConsortiumError
from consortium.formatting import plural, possessive
from consortium.packs import keys, pack, review
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

    k = sub.add_parser("keys", parents=[common], help="this organisation's signing key")
    ksub = k.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    p = ksub.add_parser("show", parents=[common], help="show the public key's fingerprint words")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_keys_show, needs_workspace=False)
    p = ksub.add_parser("create", parents=[common, secret], help="make a new signing key")
    p.add_argument("--organisation", metavar="NAME", help="who signs (default: our organisation)")
    p.add_argument(
        "--with-passphrase",
        action="store_true",
        help="keep the key in a passphrase-protected file, not the keyring",
    )
    p.add_argument("--replace", action="store_true", help="replace an existing key")
    p.set_defaults(handler=cmd_keys_create)
    p = ksub.add_parser(
        "export-public", parents=[common], help="write the public key to a file to send"
    )
    p.add_argument("file", metavar="FILE")
    p.set_defaults(handler=cmd_keys_export, needs_workspace=False)

    pk = sub.add_parser("pack", parents=[common], help="signed bid packs")
    psub = pk.add_subparsers(dest="pack_command", metavar="ACTION", required=True)
    p = psub.add_parser("export", parents=[common, secret], help="write a signed pack for a bid")
    p.add_argument("bid", type=int, metavar="BID")
    p.add_argument("--out", required=True, metavar="FILE")
    p.add_argument(
        "--document",
        action="append",
        default=[],
        metavar="FILE",
        help="a built document to include (repeat; default: build the bid's documents now)",
    )
    p.add_argument(
        "--no-documents", action="store_true", help="leave the built documents out of the pack"
    )
    p.add_argument(
        "--evidence",
        action="append",
        default=[],
        metavar="FILE",
        help="an evidence file to include (repeat)",
    )
    p.add_argument(
        "--reviewer-key",
        metavar="FILE",
        help="the housing association's public key file: only its review will be taken back in",
    )
    p.add_argument(
        "--reviewer-words",
        metavar="WORDS",
        help="the reviewer key's eight words, as the housing association read them to you",
    )
    p.set_defaults(handler=cmd_pack_export)
    p = psub.add_parser("verify", parents=[common], help="check a pack's signature and files")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_pack_verify)

    rv = sub.add_parser("review", parents=[common], help="review a bid pack (housing association)")
    rsub = rv.add_subparsers(dest="review_command", metavar="ACTION", required=True)
    p = rsub.add_parser(
        "open", parents=[common], help="verify a pack and show the assurance checklist"
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--confirm-words",
        metavar="WORDS",
        help="the sender's new key's eight words, as they read them to you (after a key change)",
    )
    p.set_defaults(handler=cmd_review_open)
    p = rsub.add_parser("export", parents=[common, secret], help="write a signed review of a pack")
    p.add_argument("pack", metavar="PACK")
    p.add_argument("--decision", required=True, choices=sorted(review.DECISIONS))
    p.add_argument("--reason", default="", help="why (needed unless approving)")
    p.add_argument("--conditions", default="")
    p.add_argument(
        "--comment",
        action="append",
        default=[],
        metavar="ANCHOR:ID:TEXT",
        help="a comment on a section, question, member or document, e.g. question:3:Add figures",
    )
    p.add_argument("--out", required=True, metavar="FILE")
    p.set_defaults(handler=cmd_review_export)
    p = rsub.add_parser("import", parents=[common], help="take a review back into the bid")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--confirm-words",
        metavar="WORDS",
        help="the reviewer's key's eight words, as they read them to you (first review, or a new key)",
    )
    p.add_argument("--bid", type=int, metavar="BID", help="refuse a review of any other bid")
    p.set_defaults(handler=cmd_review_import)


def _passphrase(args, *, confirm: bool = False) -> str | None:
    if getattr(args, "passphrase_file", None):
        return Path(args.passphrase_file).read_text(encoding="utf-8").strip()
    if os.environ.get("CONSORTIUM_PASSPHRASE"):
        return os.environ["CONSORTIUM_PASSPHRASE"]
    me = keys.identity()
    needed = confirm or (me is not None and me.storage == "file")
    if not needed:
        return None
    if not sys.stdin.isatty():
        raise ConsortiumError(
            "The signing key needs its passphrase: use --passphrase-file or CONSORTIUM_PASSPHRASE."
        )
    first = getpass.getpass("Passphrase for the signing key: ")
    if confirm and getpass.getpass("Type it again: ") != first:
        raise ConsortiumError("The two passphrases differ; nothing was changed.")
    return first


def _print_json(data) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def cmd_keys_show(args, _ws) -> int:
    me = keys.identity()
    if me is None:
        print("No signing key yet. Make one with 'consortium keys create'.")
        return 1
    if args.json:
        _print_json(
            {
                "organisation": me.organisation,
                "fingerprint": me.fingerprint,
                "words": me.words,
                "storage": me.storage,
                "created": me.created,
            }
        )
        return 0
    print(
        f"{me.organisation}\nFingerprint words: {me.words}\nKept in: {'the keyring' if me.storage == 'keyring' else keys.key_file()}"
    )
    return 0


def cmd_keys_create(args, ws: Workspace) -> int:
    from consortium.partners import store

    organisation = args.organisation or (store.ours(ws.db).name if store.ours(ws.db) else "")
    if not organisation:
        raise ConsortiumError(
            "Say which organisation signs: --organisation NAME (or mark our organisation)."
        )
    passphrase = (
        _passphrase(args, confirm=True) if args.with_passphrase or args.passphrase_file else None
    )
    me = keys.create_key(organisation, passphrase, replace=args.replace)
    print(
        f"Created a signing key for {me.organisation}.\nRead these words to the other side "
        f"(the housing association, or the consortium) when they phone to check it: {me.words}"
    )
    return 0


def cmd_keys_export(args, _ws) -> int:
    print(f"Wrote the public key to {keys.export_public(args.file)}")
    return 0


def _red(text: str) -> str:
    return f"\033[31m{text}\033[0m" if sys.stderr.isatty() else text


def cmd_pack_export(args, ws: Workspace) -> int:
    from consortium.packs import trust

    reviewer = trust.read_public_key(args.reviewer_key) if args.reviewer_key else None
    if reviewer is not None and not args.reviewer_words:
        raise ConsortiumError(
            f"Phone {reviewer.organisation} on a number you already have, ask them to read their "
            'key\'s words, and give them with --reviewer-words "...". Nothing was written.'
        )
    path = pack.export_pack(
        ws,
        args.bid,
        args.out,
        # No --document: the bid's documents are built now and go in the pack.
        documents=[] if args.no_documents else ([Path(p) for p in args.document] or None),
        evidence=[Path(p) for p in args.evidence],
        passphrase=_passphrase(args),
        reviewer=reviewer,
        reviewer_words=args.reviewer_words,
    )
    print(f"Wrote the signed pack {path}")
    if reviewer is not None:
        print(
            f"Only a review signed by {possessive(reviewer.organisation)} key ({reviewer.words}) will be taken in."
        )
    return 0


def cmd_pack_verify(args, ws: Workspace) -> int:
    result = pack.verify_pack(args.file, ws)
    if args.json:
        _print_json(result.to_dict())
    else:
        _print_verification(result)
    return 0 if result.ok else 1


def _print_verification(result: pack.VerifyResult) -> None:
    if result.ok:
        print(
            f"VERIFIED: signed by {result.signer['organisation']} (words: {result.signer['words']})"
        )
    else:
        print(_red("NOT VERIFIED: do not rely on this pack."), file=sys.stderr)
        for p in result.problems:
            print(_red(f"  - {p}"), file=sys.stderr)
        if result.only_key_refused:
            print(
                '  If they confirm the new words, open it with --confirm-words "...".',
                file=sys.stderr,
            )
    for w in result.warnings:
        print(f"  Warning: {w}")


def cmd_review_open(args, ws: Workspace) -> int:
    try:  # verified once, inside: nothing is stored unless every check passes
        opened = review.open_for_review(ws, args.file, confirm_words=args.confirm_words)
    except review.PackRefused as exc:
        if args.json:
            _print_json(exc.verification.to_dict())
        else:
            _print_verification(exc.verification)
        return 1
    if args.json:
        _print_json(
            {
                "verification": opened.verification.to_dict(),
                "bid": opened.data["bid"],
                "members": [m["name"] for m in opened.data["members"]],
                "checklist": [c.__dict__ for c in opened.checklist],
                "changes_since_last_version": opened.changes,
            }
        )
        return 0
    _print_verification(opened.verification)
    print(
        f"\n{opened.data['bid']['name']} — {opened.data['consortium']['name']} ({opened.data['consortium']['model_label']})"
    )
    for foundation in review.FOUNDATIONS:
        print(f"\n{foundation}")
        for c in (c for c in opened.checklist if c.foundation == foundation):
            print(f"  [{c.status:^8}] {c.item}")
            for e in c.evidence:
                print(f"             {e}")
    if opened.changes:
        print("\nChanged since the version reviewed before:")
        for ch in opened.changes:
            print(f"  {ch}")
    return 0


def cmd_review_export(args, ws: Workspace) -> int:
    opened = review.open_for_review(ws, args.pack)
    comments = []
    for raw in args.comment:
        anchor, _, rest = raw.partition(":")
        anchor_id, _, text = rest.partition(":")
        if not text:
            raise ConsortiumError(
                f"'{raw}' is not a comment: write ANCHOR:ID:TEXT, e.g. question:3:Add the figures."
            )
        comments.append(review.Comment(anchor, anchor_id, text))
    caveat = review.approval_caveat(args.decision, opened.checklist)
    if caveat:  # the command is explicit: said, not asked
        print(f"Note: {caveat.removesuffix(': approve this bid anyway?')}; approved as asked.")
    out = review.export_review(
        review.Review(
            opened, opened.checklist, comments, args.decision, args.reason, args.conditions
        ),
        args.out,
        passphrase=_passphrase(args),
    )
    print(
        f"Wrote the signed review {out} ({review.DECISIONS[args.decision]}, {plural(len(comments), 'comment')})"
    )
    return 0


def cmd_review_import(args, ws: Workspace) -> int:
    try:
        imported = review.import_review(
            ws, args.file, confirm_words=args.confirm_words, bid_id=args.bid
        )
    except review.KeyNotTrusted as exc:
        print(_red(str(exc)), file=sys.stderr)
        print(
            'When they have read you the words, run again with --confirm-words "...".',
            file=sys.stderr,
        )
        if args.json:
            _print_json({"imported": False, "refused": str(exc), "key": exc.check.to_dict()})
        return 1
    if args.json:
        _print_json(imported.__dict__)
        return 0
    print(
        f"{imported.reviewer}: {review.DECISIONS[imported.decision]}. {plural(imported.comments, 'comment')} added; the bid is now {imported.status}."
    )
    if imported.conditions:
        print(f"Conditions: {imported.conditions}")
    for w in imported.warnings:
        print(f"Warning: {w}")
    return 0
