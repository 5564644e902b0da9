"""The ``consortium`` command: with no subcommand it opens the window; subcommands run the same
core operations headless.

    consortium --workspace charity.consortium partners list --json
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import re
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

from consortium import __version__, busy, home
from consortium.errors import ConsortiumError
from consortium.formatting import file_size, money, plural, uk_date
from consortium.progress import Cancelled
from consortium.workspace import Workspace

# Extra subcommand groups: each module has register(subparsers); handlers get (args, ws).
_PLUGINS = (
    "consortium.tenders.cli",
    "consortium.matching.cli",
    "consortium.packs.cli",
    "consortium.bids.cli",
    "consortium.socialvalue.cli",
    "consortium.work.cli",
)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--workspace",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="workspace file to use (default: the last one used, else the demo workspace)",
    )
    parser = argparse.ArgumentParser(
        prog="consortium",
        description="Form bidding consortia of small charities for public-service contracts. "
        "With no command, opens the window.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"consortium {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "doctor", parents=[common], help="check this computer can run Consortium, and how to fix it"
    )
    p.add_argument("--json", action="store_true", help="print the checks as JSON")
    p.set_defaults(handler=cmd_doctor, needs_workspace=False)

    p = sub.add_parser("init", parents=[common], help="create a new workspace file")
    p.add_argument("path", metavar="PATH", help="the new workspace file, e.g. charity.consortium")
    p.add_argument("--demo", action="store_true", help="fill it with the demo partners and tenders")
    p.set_defaults(handler=cmd_init, needs_workspace=False)

    partners = sub.add_parser("partners", parents=[common], help="the partner registry")
    psub = partners.add_subparsers(dest="partners_command", metavar="ACTION", required=True)
    p = psub.add_parser("list", parents=[common], help="list partners")
    p.add_argument("--json", action="store_true", help="print JSON (every field)")
    p.set_defaults(handler=cmd_partners_list)
    p = psub.add_parser("import", parents=[common], help="import partners from an Excel workbook")
    p.add_argument("file", metavar="FILE.xlsx")
    p.add_argument(
        "--dry-run", action="store_true", help="check the file and say what would change"
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(handler=cmd_partners_import)
    p = psub.add_parser("export", parents=[common], help="export every partner to Excel")
    p.add_argument("file", metavar="FILE.xlsx")
    p.set_defaults(handler=cmd_partners_export)
    p = psub.add_parser("template", parents=[common], help="write an empty partner workbook")
    p.add_argument("file", metavar="FILE.xlsx")
    p.set_defaults(handler=cmd_partners_template, needs_workspace=False)

    contacts = sub.add_parser(
        "contacts", parents=[common], help="personal data: find, export or erase one person"
    )
    csub = contacts.add_subparsers(dest="contacts_command", metavar="ACTION", required=True)
    p = csub.add_parser("find", parents=[common], help="find contacts by name, email or phone")
    p.add_argument("text")
    p.set_defaults(handler=cmd_contacts_find)
    p = csub.add_parser("export", parents=[common], help="print all data held on one contact")
    p.add_argument("id", type=int)
    p.set_defaults(handler=cmd_contacts_export)
    p = csub.add_parser("erase", parents=[common], help="erase one contact's personal data")
    p.add_argument("id", type=int)
    p.set_defaults(handler=cmd_contacts_erase)

    p = sub.add_parser("backup", parents=[common], help="copy the workspace to a backup file")
    p.add_argument(
        "dest", nargs="?", metavar="DEST", help="file or folder (default: backups folder)"
    )
    p.set_defaults(handler=cmd_backup)
    p = sub.add_parser("backups", parents=[common], help="list the workspace's backups")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_backups, needs_workspace=False)
    p = sub.add_parser("restore", parents=[common], help="write a backup back as a workspace file")
    p.add_argument("name", metavar="BACKUP", help="a name from `consortium backups`")
    p.add_argument("dest", metavar="DEST", help="the new workspace file (never overwritten)")
    p.set_defaults(handler=cmd_restore, needs_workspace=False)

    p = sub.add_parser("check", parents=[common], help="check the workspace's integrity")
    p.set_defaults(handler=cmd_check)

    p = sub.add_parser(
        "compact", parents=[common], help="give back the space deleted data left in the file"
    )
    p.add_argument("--json", action="store_true", help="print the sizes as JSON")
    p.set_defaults(handler=cmd_compact)

    for name in _PLUGINS:
        importlib.import_module(name).register(sub)
    return parser


def _window_only(argv: list[str]) -> str | None | bool:
    """The workspace to open when ``argv`` asks only for the window (no command), else False.

    Opening the window is the common case, and building every subcommand's parser imports the
    document, matching and pack modules (about a second of start-up): skip it then."""
    rest = list(argv)
    path: str | None = None
    while rest:
        arg = rest.pop(0)
        if arg == "--workspace" and rest:
            path = rest.pop(0)
        elif arg.startswith("--workspace="):
            path = arg.split("=", 1)[1]
        else:
            return False  # a command, --help, --version …: the full parser decides
    return path


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    window = _window_only(argv)
    if window is not False:
        return _open_window(window)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        return _open_window(getattr(args, "workspace", None))
    try:
        if not getattr(args, "needs_workspace", True):
            return args.handler(args, None)
        with _open_workspace(getattr(args, "workspace", None)) as ws:
            try:
                return args.handler(args, ws)
            except sqlite3.OperationalError as exc:
                if busy.is_locked(exc):  # a write outside ws.atomic() met another process's
                    raise busy.error(ws.path) from exc
                raise
    except Cancelled as exc:
        print(f"consortium: {exc}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("consortium: interrupted; nothing was changed.", file=sys.stderr)
        return 130
    except ConsortiumError as exc:
        print(f"consortium: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(
            f"consortium: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr
        )
        return 1


def _open_workspace(path: str | None) -> Workspace:
    if path:
        ws = _open_existing(path)
    else:
        default, is_new = home.default_workspace()
        if is_new:
            from consortium.demo import create_demo

            print(f"Creating the demo workspace at {default}", file=sys.stderr)
            ws = create_demo(default, progress=_text_progress())
        else:
            ws = _open_existing(default)
    home.remember_workspace(ws.path)
    return ws


def _open_existing(path: str | Path) -> Workspace:
    """Open a workspace, saying so on stderr when it is first brought up to date for this
    version (minutes for a year of tenders; an update stopped half-way is never committed)."""
    if not Workspace.needs_update(path):
        return Workspace.open(path)
    print(
        f"Updating {Path(path).name} for this version of Consortium (once; a year of tenders "
        "takes a few minutes)",
        file=sys.stderr,
    )
    show = _text_progress()

    def progress(done: int, total: int, text: str) -> None:
        part = re.search(r"part \d+ of \d+", text)  # the bar has room for 40 characters
        show(done, total, part.group(0) if part else text)

    ws = Workspace.open(path, progress=progress)
    if sys.stderr.isatty():
        sys.stderr.write("\n")  # the note on a line of its own, below the bar
    if ws.update_note:
        print(ws.update_note, file=sys.stderr)
    return ws


def _open_window(path: str | None) -> int:
    # Before Qt loads: Qt aborts the process (a core dump) when its platform plugin cannot load.
    from consortium import preflight

    problems = preflight.gui_problems()
    if problems:
        message = preflight.advice(problems)
        print(f"consortium: {message}", file=sys.stderr)
        print("Run 'consortium doctor' for every check.", file=sys.stderr)
        preflight.show_desktop_message(message)
        return 3
    # Imported by name so the core never imports Qt unless the window is asked for.
    app = importlib.import_module("ui.app")
    return app.run(path)


# ----------------------------------------------------------------------------- output helpers
def _print_json(data) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def _text_progress() -> Callable[[int, int, str], None]:
    """A one-line progress bar on stderr when it is a terminal; silent otherwise."""
    if not sys.stderr.isatty():
        return lambda done, total, text: None

    def show(done: int, total: int, text: str) -> None:
        filled = int(30 * done / total) if total else 0
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {text[:40]:<40}")
        if total and done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


# ----------------------------------------------------------------------------------- commands
def cmd_init(args, _ws) -> int:
    path = Path(args.path).expanduser()
    if args.demo:
        from consortium.demo import create_demo

        ws = create_demo(path, progress=_text_progress())
    else:
        ws = Workspace.create(path)
    with ws:
        home.remember_workspace(ws.path)
        print(f"Created {ws.path}")
    return 0


def cmd_partners_list(args, ws: Workspace) -> int:
    from consortium.partners import store

    orgs = store.load_all(ws.db)
    today = dt.date.today()
    if args.json:
        _print_json([partner_json(o, today) for o in orgs])
        return 0
    if not orgs:
        print("No partners yet. Add them in the window or with 'consortium partners import'.")
        return 0
    for o in orgs:
        latest = o.latest_turnover()
        flags = [k for k, v in o.readiness(today).items() if v in ("expired", "missing")]
        line = f"{o.id:>4}  {o.name}{' (ours)' if o.is_ours else ''}"
        if latest:
            line += f"  turnover {money(latest[1])} ({latest[0]})"
        if flags:
            line += f"  needs attention: {', '.join(flags)}"
        print(line)
    print(plural(len(orgs), "partner"))
    return 0


def partner_json(org, today: dt.date) -> dict:
    """The public JSON shape of a partner (scripts depend on these keys)."""
    from dataclasses import asdict

    data = asdict(org)
    data["turnover"] = {str(y): a for y, a in sorted(org.turnover.items())}
    for cred in data["credentials"]:
        cred["expires"] = cred["expires"].isoformat() if cred["expires"] else None
    data["readiness"] = org.readiness(today)
    return data


def cmd_partners_import(args, ws: Workspace) -> int:
    from consortium.partners.excel import import_partners

    result = import_partners(ws, args.file, dry_run=args.dry_run, progress=_text_progress())
    if args.json:
        _print_json(result.to_dict())
    else:
        print(result.summary(), file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 1


def cmd_partners_export(args, ws: Workspace) -> int:
    from consortium.partners.excel import export_partners

    path = export_partners(ws, args.file)
    print(f"Exported partners to {path}")
    return 0


def cmd_partners_template(args, _ws) -> int:
    from consortium.partners.excel import write_template

    path = write_template(args.file)
    print(f"Wrote the partner template to {path}")
    return 0


def cmd_contacts_find(args, ws: Workspace) -> int:
    from consortium.partners import store

    rows = store.contacts_matching(ws.db, args.text)
    for row in rows:
        print(f"{row['id']:>4}  {row['name']} ({row['organisation']}) {row['email'] or ''}")
    print(plural(len(rows), "contact"))
    return 0


def cmd_contacts_export(args, ws: Workspace) -> int:
    from consortium.partners import store

    _print_json(store.export_person(ws.db, args.id))
    return 0


def cmd_contacts_erase(args, ws: Workspace) -> int:
    from consortium.partners import store

    store.erase_person(ws, args.id)
    print(f"Erased contact {args.id}.")
    return 0


def cmd_doctor(args, _ws) -> int:
    from consortium import doctor

    checks = doctor.run_checks()
    if getattr(args, "json", False):
        _print_json({"version": __version__, "checks": [c.as_json() for c in checks]})
    else:
        print(doctor.report(checks))
    return 1 if any(not c.ok and c.required for c in checks) else 0


def cmd_backup(args, ws: Workspace) -> int:
    if args.dest:
        dest = Path(args.dest).expanduser()
        if dest.is_dir():
            dest = dest / f"{ws.path.stem}-{dt.datetime.now():%Y%m%d-%H%M%S}.consortium"
    else:
        dest = ws.path.with_name(ws.path.stem + "-backups") / (
            f"manual-{dt.datetime.now():%Y%m%d-%H%M%S}.consortium"
        )
    made = ws.backup_to(dest)
    print(f"Backed up {ws.path.name} to {made} ({uk_date(dt.date.today())})")
    return 0


def _backups_of(args) -> tuple[Path, list]:
    """The workspace's backups folder and its backups, without opening the workspace: one
    that no longer opens is what a backup is restored for."""
    from consortium import backup_store

    path = getattr(args, "workspace", None)
    workspace = Path(path).expanduser().resolve() if path else home.default_workspace()[0]
    folder = backup_store.folder_of(workspace)
    return folder, backup_store.backups(folder)


def cmd_backups(args, _ws) -> int:
    from consortium import backup_store

    folder, found = _backups_of(args)
    found = list(reversed(found))  # newest first, as a person looks for one
    if args.json:
        _print_json(
            {
                "folder": str(folder),
                "stored_bytes": backup_store.stored_bytes(folder),
                "backups": [
                    {
                        "name": b.name,
                        "kind": b.kind,
                        "made": b.made.isoformat(timespec="seconds"),
                        "bytes": b.size,
                    }
                    for b in found
                ],
            }
        )
        return 0
    if not found:
        print(f"No backups yet in {folder}.")
    for b in found:
        made = f"{uk_date(b.made.date())} {b.made:%H:%M}"
        print(f"{b.name:<40} {made:<18} {b.kind:<17} {file_size(b.size)}")
    return 0


def cmd_restore(args, _ws) -> int:
    from consortium import backup_store

    dest = Path(args.dest).expanduser().resolve()
    folder, found = _backups_of(args)
    chosen = [b for b in found if b.name == args.name]
    if not chosen:
        raise ConsortiumError(
            f"No backup named {args.name} in {folder}: `consortium backups` lists them."
        )
    if dest.exists():
        raise ConsortiumError(f"{dest} already exists: restore to a new file name.")
    backup_store.restore(chosen[0], dest, progress=_text_progress())
    print(f"Restored {args.name} ({uk_date(chosen[0].made.date())}) to {dest}")
    return 0


def cmd_compact(args, ws: Workspace) -> int:
    before = ws.path.stat().st_size
    saved = ws.compact(progress=_text_progress())
    after = ws.path.stat().st_size
    if args.json:
        _print_json({"before_bytes": before, "after_bytes": after, "saved_bytes": saved})
    else:
        print(
            f"{ws.path.name}: {file_size(before)} before, {file_size(after)} now "
            f"({file_size(max(saved, 0))} given back)."
        )
    return 0


def cmd_check(args, ws: Workspace) -> int:
    problems = ws.check()
    if problems:
        for p in problems:
            print(f"Problem: {p}", file=sys.stderr)
        return 1
    print(f"{ws.path.name}: all checks passed (format {ws.schema_version}).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
