"""``consortium sv``: frameworks, value files, calculation, statement and workbook."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from decimal import Decimal
from pathlib import Path

from consortium.formatting import money, percent
from consortium.socialvalue import calc, commitments, frameworks, statement, valuefile, workbook
from consortium.workspace import Workspace


def register(sub) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--workspace", metavar="PATH", default=argparse.SUPPRESS, help="workspace file to use"
    )
    sv = sub.add_parser(
        "sv", parents=[common], help="social value: frameworks, calculation, documents"
    )
    s = sv.add_subparsers(dest="sv_command", metavar="ACTION", required=True)

    p = s.add_parser(
        "frameworks", parents=[common], help="frameworks, measures and award-criteria codes"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_frameworks)

    p = s.add_parser(
        "load", parents=[common], help="load a value file (.xlsx or .json) you are licensed to use"
    )
    p.add_argument("file", metavar="FILE")
    p.set_defaults(handler=cmd_load)

    p = s.add_parser("template", parents=[common], help="write an empty value-file workbook")
    p.add_argument("--out", metavar="FILE.xlsx", required=True)
    p.set_defaults(handler=cmd_template, needs_workspace=False)

    p = s.add_parser("calc", parents=[common], help="calculate a bid's social value")
    p.add_argument("bid", type=int, metavar="BID")
    p.add_argument("--json", action="store_true", help="print JSON (schema consortium.sv.calc/1)")
    p.set_defaults(handler=cmd_calc)

    p = s.add_parser("statement", parents=[common], help="write the social value statement (.docx)")
    p.add_argument("bid", type=int, metavar="BID")
    p.add_argument("--out", metavar="FILE.docx", required=True)
    p.add_argument("--template", metavar="FILE.docx", help="use this template instead")
    p.set_defaults(handler=cmd_statement)

    p = s.add_parser("workbook", parents=[common], help="write the calculator workbook (.xlsx)")
    p.add_argument("bid", type=int, metavar="BID")
    p.add_argument("--out", metavar="FILE.xlsx", required=True)
    p.set_defaults(handler=cmd_workbook)

    p = s.add_parser("commit", parents=[common], help="add a commitment to a bid")
    p.add_argument("bid", type=int, metavar="BID")
    p.add_argument("--member", type=int, required=True, metavar="PARTNER_ID")
    p.add_argument("--measure", required=True, metavar="FRAMEWORK:CODE", help="e.g. HMT:WELLBY")
    p.add_argument("--quantity", required=True, help="quantity a year")
    p.add_argument("--years", type=int, default=1)
    p.add_argument("--start-year", type=int)
    p.add_argument("--areas", nargs="*", default=[], metavar="GSS", help="council GSS codes")
    p.add_argument("--beneficiaries", default="")
    p.add_argument("--evidence", default="", help="evidence to be kept")
    p.add_argument("--activity", default="")
    for adj in ("deadweight", "displacement", "attribution", "dropoff"):
        p.add_argument(f"--{adj}", default="0", help="share, 0 to 1 (or a percentage like 20%%)")
    p.set_defaults(handler=cmd_commit)

    p = s.add_parser("settings", parents=[common], help="a bid's inputs, weighting and texts")
    p.add_argument("bid", type=int, metavar="BID")
    p.add_argument("--inputs", help="investment (£) the SROI ratio is taken over")
    p.add_argument("--weighting", help="the tender's social value weighting (%% of the score)")
    p.add_argument("--contract-value", help="contract value (£), if not the tender's")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--discount-year1", dest="year1", action="store_true", default=None)
    g.add_argument("--no-discount-year1", dest="year1", action="store_false")
    for text in ("need", "method", "governance", "reporting", "additionality", "contact"):
        p.add_argument(f"--{text}")
    p.set_defaults(handler=cmd_settings)

    p = s.add_parser("deliver", parents=[common], help="record delivery against a commitment")
    p.add_argument("commitment", type=int, metavar="COMMITMENT")
    p.add_argument("--period", required=True, help="2027, 2027-Q1 or 2027-04")
    p.add_argument("--quantity", required=True)
    p.add_argument("--spend", default="0", help="investment made in the period (£)")
    p.add_argument("--people", type=int, default=0, help="people reached in the period")
    p.add_argument("--evidence", nargs="*", default=[], metavar="FILE")
    p.add_argument("--notes", default="")
    p.set_defaults(handler=cmd_deliver)

    p = s.add_parser("progress", parents=[common], help="committed vs delivered for a bid")
    p.add_argument("bid", type=int, metavar="BID")
    p.add_argument("--year", type=int)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_progress)

    p = s.add_parser("report", parents=[common], help="annual social impact report (.docx + .xlsx)")
    p.add_argument("--year", type=int, required=True, metavar="YYYY")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--sponsor", type=int, metavar="PARTNER_ID", help="only its consortia")
    p.set_defaults(handler=cmd_report)


def _print_json(data) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def cmd_frameworks(args, ws: Workspace) -> int:
    fws = frameworks.list_frameworks(ws.db)
    measures = frameworks.list_measures(ws.db)
    crit = frameworks.criteria()
    if args.json:
        _print_json(
            {
                "frameworks": [
                    {
                        "id": f.id,
                        "name": f.name,
                        "version": f.version,
                        "licence": f.licence,
                        "licence_holder": f.licence_holder,
                        "source": f.source,
                        "bundled": f.bundled,
                        "measures": [
                            {
                                "code": m.code,
                                "description": m.description,
                                "unit": m.unit,
                                "theme": m.theme,
                                "criteria": m.criteria,
                                "monetised": m.monetised,
                                "counting_rule": m.counting_rule,
                                "proxy_gbp": None if m.proxy_value is None else str(m.proxy_value),
                                "price_year": m.price_year,
                                "source": m.source,
                                "licence_holder": m.licence_holder,
                            }
                            for m in measures
                            if m.framework_id == f.id
                        ],
                    }
                    for f in fws
                ],
                "criteria": [
                    {
                        "framework": c.framework,
                        "code": c.code,
                        "title": c.title,
                        "group": c.theme,
                        "verified": c.verified,
                    }
                    for c in crit
                ],  # fmt: skip
            }
        )
        return 0
    for f in fws:
        tag = "bundled" if f.bundled else f"loaded from {f.file}"
        print(
            f"{f.id}: {f.name} ({tag}; licence: {f.licence or 'not stated'}, held by {f.licence_holder})"
        )
        for m in measures:
            if m.framework_id != f.id:
                continue
            value = (
                f"{money(m.proxy_value, pence=True)} per {m.unit}, {m.price_year} prices"
                if m.monetised
                else f"record only ({m.unit})"
            )
            print(f"  {m.code:<10} {m.description} — {value}")
    print(
        "\nAward-criteria codes: PPN 06/20 for tenders under the Public Contracts Regulations "
        "2015, PPN 002 for those under the Procurement Act 2023; * = not yet verified against "
        "the source:"
    )
    for c in crit:
        code = c.code + ("" if c.verified else "*")
        print(f"  {c.framework:<10} {code:<9} {c.title}")
    return 0


def cmd_load(args, ws: Workspace) -> int:
    r = valuefile.load_file(ws, Path(args.file))
    verb = "Replaced" if r.replaced else "Loaded"
    print(f"{verb} framework {r.framework_id}: {r.added} measures.")
    return 0


def cmd_template(args, ws) -> int:
    print(f"Wrote {valuefile.write_template(Path(args.out))}")
    return 0


def _area_name(code: str) -> str:
    from consortium.places import area_name

    return area_name(code)


def cmd_calc(args, ws: Workspace) -> int:
    from consortium.bids import records as bids

    bid = bids.load(ws.db, args.bid)
    r = commitments.calculate_bid(ws.db, args.bid)
    if args.json:
        data = calc.result_to_dict(r, _area_name)
        data = {"bid_id": bid.id, "bid_name": bid.name, **data}
        _print_json(data)
        return 0
    a = r.assumptions
    print(f"{bid.name} (bid {bid.id}): {len(r.lines)} commitments")
    print(f"  Gross value:                 {money(r.gross, pence=True)}")
    print(f"  Net value (undiscounted):    {money(r.net_undiscounted, pence=True)}")
    print(f"  Present value:               {money(r.present_value, pence=True)}"
          f"  (year 1 {'discounted' if a.discount_year1 else 'not discounted'})")  # fmt: skip
    print(f"  Inputs:                      {money(a.inputs, pence=True)}")
    if r.sroi_ratio is not None:
        print(
            f"  SROI ratio:                  £{r.sroi_ratio:.2f} per £1 (net {r.net_sroi_ratio:.2f})"
        )
    if a.weighting_pct is not None:
        print(f"  Evaluation weighting:        {percent(a.weighting_pct)} of the score")
    if r.value_to_contract is not None:
        print(f"  Value ÷ contract value:      {percent(r.value_to_contract, fraction=True)} of {money(a.contract_value)}"
              "  (not the weighting)")  # fmt: skip
    for title, table, label in (
        ("By theme", r.by_theme, str),
        ("By member", r.by_member, str),
        ("By council", r.by_council, lambda k: k if k == calc.NO_AREA else _area_name(k)),
    ):
        print(f"\n{title}:")
        for k, v in sorted(table.items(), key=lambda kv: -kv[1]):
            print(f"  {money(v, pence=True):>16}  {label(k)}")
    print("\nSensitivity (present value with one assumption moved down / up):")
    for s in r.sensitivity:
        print(
            f"  {s.assumption:<20} {s.change:<28} {money(s.pv_down, pence=True):>14} {money(s.pv_up, pence=True):>14}"
        )
    return 0


def cmd_statement(args, ws: Workspace) -> int:
    out = statement.build_statement(ws.db, args.bid, Path(args.out), today=dt.date.today(),
                                    template=args.template)  # fmt: skip
    print(f"Wrote {out}")
    return 0


def cmd_workbook(args, ws: Workspace) -> int:
    from consortium.bids import records as bids

    bid = bids.load(ws.db, args.bid)
    r = commitments.calculate_bid(ws.db, args.bid, with_sensitivity=False)
    out = workbook.build(r, Path(args.out), title=bid.name, area_names=_area_name)
    print(f"Wrote {out}")
    return 0


def _number(text: str, what: str) -> Decimal:
    t = str(text).strip()
    percent = t.endswith("%")
    d = commitments._dec(t.rstrip("%"), what)
    return d / 100 if percent else d


def cmd_commit(args, ws: Workspace) -> int:
    fw, _, code = args.measure.rpartition(":")
    if not fw:
        raise commitments.CommitmentError(
            f"Give the measure as FRAMEWORK:CODE (e.g. HMT:WELLBY), not '{args.measure}'."
        )
    c = commitments.Commitment(
        bid_id=args.bid,
        org_id=args.member,
        framework_id=fw,
        measure_code=code,
        quantity=_number(args.quantity, "The quantity"),
        years=args.years,
        start_year=args.start_year,
        areas=list(args.areas),
        beneficiaries=args.beneficiaries,
        evidence=args.evidence,
        activity=args.activity,
        deadweight=_number(args.deadweight, "Deadweight"),
        displacement=_number(args.displacement, "Displacement"),
        attribution=_number(args.attribution, "Attribution"),
        dropoff=_number(args.dropoff, "Drop-off"),
        position=len(commitments.list_for_bid(ws.db, args.bid)),
    )
    print(f"Added commitment {commitments.add(ws, c)}.")
    return 0


def cmd_settings(args, ws: Workspace) -> int:
    s = commitments.load_settings(ws.db, args.bid)
    if args.inputs is not None:
        s.inputs = _number(args.inputs, "Inputs")
    if args.weighting is not None:
        s.weighting_pct = commitments._dec(args.weighting.rstrip("%"), "The weighting")
    if args.contract_value is not None:
        s.contract_value = _number(args.contract_value, "The contract value")
    if args.year1 is not None:
        s.discount_year1 = args.year1
    for text in ("need", "method", "governance", "reporting", "additionality", "contact"):
        if getattr(args, text) is not None:
            setattr(s, text, getattr(args, text))
    commitments.save_settings(ws, args.bid, s)
    print(
        f"Inputs {money(s.inputs, pence=True)}; year 1 "
        f"{'discounted' if s.discount_year1 else 'not discounted'}; weighting "
        f"{'not stated' if s.weighting_pct is None else percent(s.weighting_pct)}."
    )
    return 0


def cmd_deliver(args, ws: Workspace) -> int:
    from consortium.socialvalue import tracking

    d = tracking.record(
        ws,
        args.commitment,
        args.period,
        _number(args.quantity, "The quantity"),
        spend=_number(args.spend, "Spend"),
        people=args.people,
        evidence=args.evidence,
        notes=args.notes,
    )
    print(f"Recorded delivery {d.id} for {d.period} ({len(d.evidence)} evidence files).")
    return 0


def cmd_progress(args, ws: Workspace) -> int:
    from consortium.socialvalue import tracking

    rows = tracking.committed_vs_delivered(ws.db, args.bid, args.year)
    if args.json:
        _print_json(
            [
                {
                    "commitment_id": r.commitment.id,
                    "member": r.member,
                    "measure": r.measure,
                    "unit": r.unit,
                    "committed": str(r.committed),
                    "delivered": str(r.delivered),
                    "percent_delivered": None if r.percent is None else f"{r.percent:.1f}",
                    "spend_gbp": str(calc.pennies(r.spend)),
                    "people": r.people,
                    "value_delivered_gbp": str(calc.pennies(r.value_delivered)),
                }
                for r in rows
            ]
        )
        return 0
    for r in rows:
        pct = "" if r.percent is None else f" ({percent(r.percent)})"
        print(
            f"{r.commitment.id:>4} {r.member}: {r.measure}\n"
            f"       committed {r.committed:,f} {r.unit}, delivered {r.delivered:,f}{pct}, "
            f"value {money(r.value_delivered, pence=True)}"
        )
    return 0


def cmd_report(args, ws: Workspace) -> int:
    from consortium.socialvalue import report

    for p in report.write_report(ws.db, args.year, Path(args.out), sponsor_id=args.sponsor):
        print(f"Wrote {p}")
    return 0
