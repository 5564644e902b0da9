"""``consortium tenders …``: import, list and show tenders from the command line.

    consortium tenders import downloads/*.json notices.csv [--json]
    consortium tenders list --open --query 'care* "young people"' --cpv 85300000 --place E09000016
    consortium tenders show ocds-h6vhtk-05a7b0 [--json]

The lead's ``consortium/cli.py`` calls :func:`register` and then ``args.handler(args, ws)``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from consortium.errors import ConsortiumError
from consortium.formatting import money, plural, uk_date
from consortium.tenders import search
from consortium.tenders.cf_csv import london_offset
from consortium.tenders.feeds import FEEDS
from consortium.tenders.importer import import_paths
from consortium.tenders.merge import parse_utc
from consortium.tenders.records import STATUSES, ImportReport, Tender


class TenderNotFound(ConsortiumError):
    """No tender with that ocid in the workspace."""


def register(sub) -> None:
    """Add the ``tenders`` command (with import, list and show) to an argparse subparsers."""
    tenders = sub.add_parser("tenders", help="import, list and show public tenders")
    commands = tenders.add_subparsers(dest="tenders_command", required=True)

    p = commands.add_parser(
        "import", help="import OCDS JSON, Contracts Finder CSV/XLSX, folders, .zip"
    )
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler=cmd_import)

    p = commands.add_parser("list", help="list tenders, soonest deadline first")
    p.add_argument("--open", action="store_true", help="only tenders open for bids today")
    p.add_argument("--status", choices=STATUSES, action="append", help="filter by status")
    p.add_argument("--query", "-q", default="", help='words, prefix* or "a phrase"')
    p.add_argument("--cpv", action="append", default=[], help="CPV code (covers its subtree)")
    p.add_argument("--place", help="council (GSS code or name) or ITL/NUTS region code")
    p.add_argument("--sort", choices=search.SORTS, default="deadline")
    p.add_argument("--limit", type=int, default=50, help="how many to print (0 = all)")
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    p.set_defaults(handler=cmd_list)

    p = commands.add_parser("show", help="show one tender in full")
    p.add_argument("ocid")
    p.add_argument("--json", action="store_true", help="print the record as JSON")
    p.set_defaults(handler=cmd_show)

    p = commands.add_parser("fetch", help="get new notices from Find a Tender / Contracts Finder")
    p.add_argument("--source", choices=["all", *FEEDS], default="all", help="which feed")
    p.add_argument(
        "--since", type=_since, help="start from this date (YYYY-MM-DD) instead of where it got to"
    )
    p.add_argument("--url", help="another base URL for the feed (a mirror or a test server)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler=cmd_fetch)

    p = commands.add_parser(
        "pipeline", help="awarded contracts ending in 6 to N months: re-tenders to prepare for"
    )
    p.add_argument("--months", type=int, default=24, help="how far ahead (default 24)")
    p.add_argument("--partner", help="a partner's id or name (default: our organisation)")
    p.add_argument("--all", action="store_true", help="every contract, whatever the partner")
    p.add_argument("--query", "-q", default="", help="words in the title, buyer or supplier")
    p.add_argument("--sort", choices=("end", "value", "buyer", "supplier", "title"), default="end")
    p.add_argument("--xlsx", metavar="FILE", help="also write the list to an Excel workbook")
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    p.set_defaults(handler=cmd_pipeline)


# ----------------------------------------------------------------------------- helpers
def _date(value: str | None) -> str:
    moment = parse_utc(value)
    return uk_date(moment.date()) if moment else ""


def _when(value: str | None) -> str:
    """UK local date and time: 8 Sep 2026 12:00."""
    moment = parse_utc(value)
    if not moment:
        return ""
    naive = moment.replace(tzinfo=None)
    local = naive + london_offset(naive)
    return f"{uk_date(local.date())} {local:%H:%M}"


def _progress(done: int, total: int, text: str) -> None:
    if sys.stderr.isatty():
        width = 30
        filled = int(width * done / total) if total else width
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {text[:60]:<60}")
        sys.stderr.flush()


def print_report(report: ImportReport, out=None) -> None:
    out = out or sys.stdout
    print(report.summary(), file=out)
    print(
        f"  releases new: {report.releases_new:,}; tenders unchanged: {report.tenders_unchanged:,}; "
        f"open now: {report.open_now:,}; {report.seconds:.1f} s",
        file=out,
    )
    for name in report.files:
        print(f"  file: {name}", file=out)
    for warning in report.warnings[:20]:
        print(f"  warning: {warning}", file=out)
    if report.defect_counts:
        print("Data defects (the notice is imported; some details are missing):", file=out)
        for kind, n in sorted(report.defect_counts.items()):
            print(f"  {kind}: {n:,}", file=out)
        for defect in report.defects[:30]:
            print(f"  {defect.notice_id or defect.ocid}: {defect.text}", file=out)
        more = len(report.defects) - 30 + report.defects_not_listed
        if more > 0:
            print(f"  … and {more:,} more (use --json for the full list)", file=out)


# ---------------------------------------------------------------------------- handlers
def cmd_import(args: argparse.Namespace, ws) -> int:
    report = import_paths(ws, args.paths, progress=_progress)
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str))
    else:
        print_report(report)
    return 0


def cmd_list(args: argparse.Namespace, ws) -> int:
    status = list(args.status or [])
    if args.open and "open" not in status:
        status.append("open")
    query = search.TenderQuery(
        text=args.query or "", status=status, cpv=args.cpv, place=args.place, sort=args.sort
    )
    ids = search.search_ids(ws, query)
    shown = ids if not args.limit else ids[: args.limit]
    found = search.rows(ws, shown)
    if args.json:
        print(json.dumps({"count": len(ids), "rows": found}, indent=2, ensure_ascii=False))
        return 0
    for row in found:
        deadline = _date(row["deadline"]) or "no deadline"
        value = money(row["value_sort"]) if row["value_sort"] is not None else "value not given"
        print(f"{row['ocid']}  {row['status']:<11}  {deadline:<12}  {value:>14}  {row['title']}")
        if row["buyer_name"]:
            print(f"    {row['buyer_name']}")
    more = len(ids) - len(found)
    print(
        plural(len(ids), "tender") + (f"; {more:,} not shown (use --limit 0)" if more > 0 else "")
    )
    return 0


def cmd_show(args: argparse.Namespace, ws) -> int:
    tender = search.get(ws, args.ocid)
    if tender is None:
        raise TenderNotFound(
            f"No tender {args.ocid} in this workspace. Use 'consortium tenders list' to find one."
        )
    if args.json:
        data = tender.to_dict()
        data["status"] = tender.status_on(dt.datetime.now(dt.UTC))
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    print(format_tender(tender))
    return 0


def _since(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date: give it as YYYY-MM-DD, e.g. 2026-09-01"
        ) from None


def cmd_fetch(args: argparse.Namespace, ws) -> int:
    """Exit 0 when every feed finished, 0 offline too (offline is normal), 1 when a feed
    failed, 130 when cancelled."""
    from consortium.tenders.feeds.fetch import fetch

    sources = list(FEEDS) if args.source == "all" else [args.source]

    def progress(done: int, total: int, text: str) -> None:
        if sys.stderr.isatty() and not args.json:
            sys.stderr.write(f"\r{text[:78]:<78}")
            sys.stderr.flush()

    report = fetch(ws, sources, since=args.since, base_url=args.url, progress=progress)
    if sys.stderr.isatty() and not args.json:
        sys.stderr.write("\n")
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        if report.status == "offline":
            print(report.message)  # one calm line
        else:
            for feed in report.feeds:
                print(feed.message or f"{feed.label}: {feed.status}")
        if report.new_ocids:
            print(f"{plural(len(report.new_ocids), 'new tender')}: see 'consortium tenders list'")
    return {"failed": 1, "cancelled": 130}.get(report.status, 0)


def cmd_pipeline(args: argparse.Namespace, ws) -> int:
    from consortium.partners import store as partner_store
    from consortium.tenders.pipeline import pipeline

    if args.all:
        partner = None
    elif args.partner:
        from consortium.matching.cli import find_partner

        partner = find_partner(ws, args.partner)
    else:
        partner = partner_store.ours(ws.db)
    result = pipeline(ws, months=args.months, partner=partner, text=args.query, sort=args.sort)
    if args.xlsx:
        from consortium.tenders.pipeline_xlsx import export_xlsx

        export_xlsx(result, args.xlsx)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return 0
    who = f" for {result.partner_name}" if result.partner_name else ""
    print(
        f"Contracts ending {uk_date(result.window_from)} to {uk_date(result.window_to)}{who}: "
        f"{len(result.rows):,}"
    )
    if not result.rows and result.partner_name:
        print("  None in their places and services; --all lists every contract in the window.")
    for row in result.rows:
        value = money(row.value) if row.value is not None else "value not given"
        print(f"{_date(row.end):<12} {value:>14}  {row.title[:70]}")
        print(f"    held by {', '.join(row.suppliers) or 'supplier not given'}; buyer "
              f"{row.buyer or 'not given'}; {row.notice_url or row.ocid}")  # fmt: skip
    return 0


def format_tender(t: Tender, today=None) -> str:
    """The tender as readable text (British dates and money)."""
    from consortium import cpv as cpv_mod
    from consortium import places

    lines = [t.title or "(no title)", "=" * min(len(t.title or "x"), 80)]
    lines.append(
        f"Status: {t.status_on(today)}    Notice: {t.notice_type or ''} {t.notice_id or ''}"
    )
    if t.notice_url:
        lines.append(f"Notice page: {t.notice_url}")
    if t.buyer_name:
        ids = f" ({', '.join(t.buyer_ids)})" if t.buyer_ids else ""
        lines.append(f"Buyer: {t.buyer_name}{ids}")
    if t.reference:
        lines.append(f"Buyer's reference: {t.reference}")
    money_parts = []
    if t.value is not None:
        money_parts.append(f"{money(t.value)} excluding VAT")
    if t.value_gross is not None:
        money_parts.append(f"{money(t.value_gross)} including VAT")
    if t.value_min is not None:
        money_parts.append(f"from {money(t.value_min)}")
    lines.append("Value: " + ("; ".join(money_parts) or "not given"))
    for label, value in (
        ("Deadline for tenders", t.deadline),
        ("Deadline for expressions of interest", t.eoi_deadline),
        ("Deadline for questions", t.enquiry_deadline),
        ("Published", t.published),
    ):
        if value:
            lines.append(f"{label}: {_when(value)}")
    if t.procedure_details or t.procedure:
        regime = " (light touch regime)" if t.light_touch else ""
        lines.append(f"Procedure: {t.procedure_details or t.procedure}{regime}")
    if t.regime:
        lines.append(f"Run under: {t.regime}")
    suits = [name for name, flag in (("SMEs", t.sme), ("VCSEs", t.vcse)) if flag]
    if suits:
        lines.append("Suitable for: " + " and ".join(suits))
    if t.reserved_vcse:
        lines.append("Reserved for SMEs and VCSEs")
    if t.places:
        names = [f"{places.area_name(c) or c} ({c})" for c in t.places]
        extra = " (the buyer's area; no delivery place given)" if t.places_from_buyer else ""
        lines.append("Places: " + ", ".join(names) + extra)
    if t.who_may_bid():
        lines.append(f"Who may bid: organisations in {t.who_may_bid()}")
    if t.planning_note(today):
        lines.append(t.planning_note(today))
    if t.cpv:
        lines.append("CPV codes:")
        for code in t.cpv:
            lines.append(f"  {code} {t.cpv_labels.get(code) or cpv_mod.label(code)}")
    if t.description:
        lines += ["", t.description]
    for lot in t.lots:
        lines += ["", f"Lot {lot.id}: {lot.title or ''}  [{lot.status_on(today, t.open_deadline)}]"]
        if lot.value is not None:
            lines.append(f"  Value: {money(lot.value)} excluding VAT")
        suits = [name for name, flag in (("SMEs", lot.sme), ("VCSEs", lot.vcse)) if flag]
        if suits:
            lines.append("  Suitable for: " + " and ".join(suits))
        for c in lot.criteria:
            weight = f" {c.weight:g}%" if c.weight is not None else ""
            lines.append(f"  Award criterion: {c.name}{weight}")
        if lot.contract_start or lot.contract_end:
            lines.append(f"  Contract: {_date(lot.contract_start)} to {_date(lot.contract_end)}")
    if t.portal_url:
        lines += ["", f"Tender portal: {t.portal_url}"]
    for d in t.documents:
        if d.url:
            lines.append(f"Document: {d.title or d.kind or ''} {d.url}")
    for a in t.amendments:
        lines.append(f"Change {a.id or ''}: {a.description or ''}")
        for ch in a.changes:
            lines.append(
                f"  {ch.get('label') or ch.get('section') or ''}: {ch.get('old')} → {ch.get('new')}"
            )
    if t.defects:
        lines.append("Data defects: " + ", ".join(t.defects))
    return "\n".join(lines)
