"""``consortium match``, ``opportunities``, ``propose`` and ``consortia``."""

from __future__ import annotations

import argparse
import json
import sys

from consortium.errors import ConsortiumError
from consortium.formatting import iso_date, money, plural, uk_date
from consortium.matching import consortia, service
from consortium.matching.scoring import FACTOR_NAMES, Match
from consortium.partners import store as partner_store
from consortium.records import Organisation
from consortium.workspace import Workspace


def register(sub) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--workspace", metavar="PATH", default=argparse.SUPPRESS, help="workspace file to use"
    )

    p = sub.add_parser(
        "match", parents=[common], help="rank partners for a tender or lot, with reasons"
    )
    p.add_argument("ocid", metavar="OCID")
    p.add_argument("--lot", metavar="ID", help="one lot of the tender")
    p.add_argument(
        "--limit", type=int, default=10, help="how many partners to explain (default 10)"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_match)

    p = sub.add_parser("opportunities", parents=[common], help="open tenders ranked for a partner")
    p.add_argument(
        "partner",
        nargs="?",
        metavar="PARTNER",
        help="partner id or name (default: our organisation)",
    )
    p.add_argument("--closed", action="store_true", help="include closed and awarded tenders")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_opportunities)

    p = sub.add_parser(
        "mark",
        parents=[common],
        help="mark an opportunity 'not for us' or 'interested' (the list learns from it)",
    )
    p.add_argument("ocid", metavar="OCID", nargs="?")
    p.add_argument("mark", nargs="?", choices=["not-for-us", "interested", "clear"])
    p.add_argument("--partner", metavar="PARTNER", help="partner id or name (default: ours)")
    p.add_argument("--reset", action="store_true", help="forget every mark of the partner")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_mark)

    p = sub.add_parser("propose", parents=[common], help="propose a consortium covering a tender")
    p.add_argument("ocid", metavar="OCID")
    p.add_argument("--alternatives", type=int, default=3)
    p.add_argument("--save", metavar="NAME", help="save the best proposal as a consortium")
    p.add_argument(
        "--with",
        dest="include",
        action="append",
        default=[],
        metavar="PARTNER",
        help="a partner (id or name) every proposal must include; repeatable",
    )
    p.add_argument(
        "--without",
        dest="exclude",
        action="append",
        default=[],
        metavar="PARTNER",
        help="a partner (id or name) to leave out; repeatable",
    )
    p.add_argument("--lead", metavar="PARTNER", help="the partner (id or name) to lead")
    p.add_argument(
        "--not-ours",
        action="store_true",
        help="do not include our organisation by default (it is when it can deliver a lot)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_propose)

    c = sub.add_parser("consortia", parents=[common], help="saved consortia")
    csub = c.add_subparsers(dest="consortia_command", metavar="ACTION", required=True)
    p = csub.add_parser("list", parents=[common], help="list saved consortia")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_consortia_list)
    p = csub.add_parser("show", parents=[common], help="show one consortium")
    p.add_argument("id", type=int)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_consortia_show)


def _print_json(data) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def _explain(m: Match, number: int) -> list[str]:
    flag = "" if m.eligible else "  [not eligible]"
    lines = [f"{number:>2}. {m.partner_name}: {m.score:.0f}/100{flag}"]
    total = sum(r.weight for r in m.reasons) or 1
    for r in m.reasons:
        mark = "!" if (r.warning or r.blocking) else " "
        lines.append(
            f"    {mark} {FACTOR_NAMES[r.factor]:<12} {100 * r.points / total:4.1f} of {100 * r.weight / total:.0f}  {r.summary}"
        )
        for e in r.evidence:
            lines.append(f"        - {e}")
    return lines


def cmd_match(args, ws: Workspace) -> int:
    matches = service.match_tender(ws, args.ocid, args.lot)
    if args.json:
        _print_json([m.to_dict() for m in matches])
        return 0
    tender = service.get_tender(ws.db, args.ocid)
    print(f"{tender.title} ({tender.ocid}){f', lot {args.lot}' if args.lot else ''}")
    for n, m in enumerate(matches[: args.limit], start=1):
        print("\n".join(_explain(m, n)))
    if len(matches) > args.limit:
        print(f"… and {len(matches) - args.limit} more partners (use --limit)")
    return 0


def find_partner(ws: Workspace, text: str) -> Organisation:
    if text.isdigit():
        return partner_store.load(ws.db, int(text))
    found = partner_store.find_existing(ws.db, Organisation(name=text))
    if found is None:
        raise ConsortiumError(f"No partner called '{text}'. See 'consortium partners list'.")
    return partner_store.load(ws.db, found)


def cmd_opportunities(args, ws: Workspace) -> int:
    org_id = find_partner(ws, args.partner).id if args.partner else None
    opps = service.opportunities(ws, org_id, include_closed=args.closed, limit=args.limit)
    if args.json:
        _print_json([o.to_dict() for o in opps])
        return 0
    if not opps:
        print(
            "No open or coming-soon tenders in this workspace. Import some with 'consortium tenders import'."
        )
        return 0
    for o in opps:
        deadline = (
            uk_date(iso_date(o.tender.open_deadline)) if o.tender.open_deadline else "no deadline"
        )
        how = "outside your area" if o.outside_area else ("alone" if o.alone else "with partners")
        value = money(o.tender.value) if o.tender.value else "value not given"
        print(
            f"{o.match.score:5.1f}  {o.tender.title[:70]}  [{how}; {value}; {deadline}]  {o.tender.ocid}"
        )
    return 0


def cmd_mark(args, ws: Workspace) -> int:
    from consortium.matching import feedback

    if args.partner:
        org = find_partner(ws, args.partner)
    else:
        org = partner_store.ours(ws.db)
        if org is None:
            raise ConsortiumError("No partner is marked as our organisation; use --partner.")
    if args.reset:
        n = feedback.reset(ws, org.id)
        message = f"Forgot {plural(n, 'mark')} of {org.name}."
    else:
        if not args.ocid or not args.mark:
            raise ConsortiumError("Give a tender and a mark: not-for-us, interested or clear.")
        service.get_tender(ws.db, args.ocid)  # a clear message for an unknown tender
        value = {"not-for-us": feedback.NOT_FOR_US, "interested": feedback.INTERESTED}
        feedback.mark(ws, org.id, args.ocid, value.get(args.mark))
        message = f"Marked {args.ocid} {args.mark.replace('-', ' ')} for {org.name}."
    learned = feedback.learned(ws.db, org.id)
    if args.json:
        _print_json({"partner_id": org.id, "marks": learned.marks, "learned": learned.sentences()})
        return 0
    print(message)
    for sentence in learned.sentences():
        print(f"  {sentence}.")
    return 0


def cmd_propose(args, ws: Workspace) -> int:
    from consortium.matching import proposals

    result = proposals.propose_for(
        ws,
        args.ocid,
        alternatives=args.alternatives,
        include=[find_partner(ws, p).id for p in args.include],
        exclude=[find_partner(ws, p).id for p in args.exclude],
        lead=find_partner(ws, args.lead).id if args.lead else None,
        include_ours=not args.not_ours,
    )
    if args.save:
        saved = proposals.save_as_consortium(ws, result, 0, args.save)
        if not args.json:
            print(f"Saved consortium {saved.name} (id {saved.id}).")
    if args.json:
        _print_json(result.to_dict())
    else:
        print(result.describe())
    return 0


def cmd_consortia_list(args, ws: Workspace) -> int:
    items = consortia.list_all(ws.db)
    if args.json:
        _print_json([_consortium_json(c) for c in items])
        return 0
    if not items:
        print(
            "No consortia saved yet. Use 'consortium propose OCID --save NAME' or the Matches area."
        )
    for c in items:
        lead = c.lead.name if c.lead else "no lead"
        print(f"{c.id:>4}  {c.name}  ({len(c.members)} members, lead {lead}) {c.ocid or ''}")
    return 0


def cmd_consortia_show(args, ws: Workspace) -> int:
    c = consortia.load(ws.db, args.id)
    if args.json:
        _print_json(_consortium_json(c))
        return 0
    print(f"{c.name} (id {c.id})")
    print(f"  Tender: {c.ocid or 'none'}")
    print(f"  Model: {consortia.MODELS.get(c.model, c.model)}")
    if c.fee_percent is not None:
        print(f"  Management fee: {c.fee_percent:g}%")
    for m in c.members:
        lots = f" — lots {', '.join(m.lots)}" if m.lots else ""
        print(f"  {m.role:<16} {m.name}{lots}")
    if c.notes:
        print(f"  Notes: {c.notes}")
    return 0


def _consortium_json(c: consortia.Consortium) -> dict:
    return {
        "id": c.id,
        "name": c.name,
        "ocid": c.ocid,
        "model": c.model,
        "fee_percent": c.fee_percent,
        "notes": c.notes,
        "members": [
            {"partner_id": m.org_id, "name": m.name, "role": m.role, "lots": m.lots}
            for m in c.members
        ],
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }
