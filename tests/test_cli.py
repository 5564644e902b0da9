"""The ``consortium`` command, run in-process through ``main(argv)`` (plus one real subprocess
of the installed console script)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from conftest import dump

from consortium import __version__, home
from consortium.cli import build_parser, main
from consortium.formatting import uk_date
from consortium.workspace import Workspace


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"consortium {__version__}"


def test_init_creates_an_empty_workspace_and_remembers_it(tmp_path, capsys):
    path = tmp_path / "charity.consortium"
    code, out, err = run(capsys, "init", str(path))
    assert code == 0, err
    assert f"Created {path}" in out
    with Workspace.open(path) as ws:
        assert ws.db["organisations"].count == 0
    assert home.load_settings()["last_workspace"] == str(path.resolve())
    # Without --workspace the next command uses it.
    code, out, _ = run(capsys, "partners", "list")
    assert code == 0
    assert out.startswith("No partners yet.")


def test_a_settings_file_nested_too_deeply_is_set_aside_not_a_crash(
    consortium_home, tmp_path, capsys
):
    consortium_home.mkdir(parents=True, exist_ok=True)
    (consortium_home / "settings.json").write_text("[" * 100_000 + "]" * 100_000)
    path = tmp_path / "charity.consortium"
    code, out, err = run(capsys, "init", str(path))  # remembers it in the settings
    assert code == 0, err
    assert home.load_settings()["last_workspace"] == str(path.resolve())


def test_init_refuses_an_existing_file(tmp_path, capsys):
    path = tmp_path / "taken.consortium"
    path.write_text("mine")
    code, out, err = run(capsys, "init", str(path))
    assert code == 1
    assert err.startswith("consortium: ") and "already exists" in err
    assert out == ""
    assert path.read_text() == "mine"


def test_init_demo(tmp_path, capsys):
    path = tmp_path / "demo.consortium"
    code, out, err = run(capsys, "init", str(path), "--demo")
    assert code == 0, err
    code, out, err = run(capsys, "--workspace", str(path), "partners", "list")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[-1].endswith(" partners")
    assert int(lines[-1].split()[0]) >= 12
    assert any("(ours)" in line for line in lines)


def test_partners_list_json(demo_file, capsys):
    code, out, err = run(capsys, "--workspace", str(demo_file), "partners", "list", "--json")
    assert code == 0, err
    partners = json.loads(out)
    assert len(partners) >= 12
    required = {
        "id",
        "name",
        "legal_form",
        "charity_number",
        "company_number",
        "cpv_codes",
        "areas",
        "turnover",
        "credentials",
        "contacts",
        "readiness",
    }
    for p in partners:
        assert required <= set(p), required - set(p)
        assert isinstance(p["id"], int)
        assert set(p["readiness"]) == {"accreditation", "insurance", "policy"}
        assert all(len(code) == 8 and code.isdigit() for code in p["cpv_codes"])
        assert all(year.isdigit() for year in p["turnover"])
    with_creds = [p for p in partners if p["credentials"]]
    assert with_creds
    expires = [c["expires"] for p in with_creds for c in p["credentials"] if c["expires"]]
    assert expires and all(len(e) == 10 and e[4] == "-" for e in expires)  # ISO dates


def test_workspace_option_after_the_subcommand(demo_file, capsys):
    code, out, _ = run(capsys, "partners", "list", "--json", "--workspace", str(demo_file))
    assert code == 0
    assert json.loads(out)


def test_template_export_import_and_dry_run(demo_file, tmp_path, capsys):
    template = tmp_path / "template.xlsx"
    code, out, err = run(capsys, "partners", "template", str(template))
    assert code == 0, err
    assert "Organisations" in openpyxl.load_workbook(template, read_only=True).sheetnames

    exported = tmp_path / "partners.xlsx"
    code, out, err = run(capsys, "--workspace", str(demo_file), "partners", "export", str(exported))
    assert code == 0, err
    assert f"Exported partners to {exported}" in out

    fresh = tmp_path / "fresh.consortium"
    assert run(capsys, "init", str(fresh))[0] == 0
    with Workspace.open(fresh) as ws:
        before = dump(ws)
    code, out, err = run(
        capsys, "--workspace", str(fresh), "partners", "import", str(exported), "--dry-run"
    )
    assert code == 0, err
    assert out.startswith("Would import partners.xlsx: ")
    with Workspace.open(fresh) as ws:
        assert dump(ws) == before  # a dry run writes nothing

    code, out, err = run(
        capsys, "--workspace", str(fresh), "partners", "import", str(exported), "--json"
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["ok"] and not result["dry_run"] and result["problems"] == []
    code, out, _ = run(capsys, "--workspace", str(demo_file), "partners", "list", "--json")
    assert len(result["created"]) == len(json.loads(out))

    code, out, err = run(capsys, "--workspace", str(fresh), "partners", "import", str(exported))
    assert code == 0
    assert "0 new" in out and "0 updated" in out


def test_import_with_problems_goes_to_stderr(demo_file, tmp_path, capsys):
    bad = tmp_path / "bad.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Organisations"
    wb.active.append(["Name", "Charity number"])
    wb.active.append(["Hope", "12AB"])
    wb.save(bad)
    with Workspace.open(demo_file) as ws:
        before = dump(ws)
    code, out, err = run(capsys, "--workspace", str(demo_file), "partners", "import", str(bad))
    assert code == 1
    assert out == ""
    assert "1 problem in bad.xlsx; nothing was imported." in err
    assert "Organisations, row 2, column 'Charity number': '12AB' is not a charity number" in err
    assert "bad - problems.xlsx" in err
    with Workspace.open(demo_file) as ws:
        assert dump(ws) == before


def test_import_of_a_broken_file_is_a_readable_error(demo_file, tmp_path, capsys):
    broken = tmp_path / "partners.xlsx"
    broken.write_text("Name,Charity number\nHope,1123456\n")
    code, out, err = run(capsys, "--workspace", str(demo_file), "partners", "import", str(broken))
    assert code == 1
    assert out == ""
    assert err.startswith("consortium: partners.xlsx is a CSV or text file")
    assert "Traceback" not in err


def test_missing_workspace_file(tmp_path, capsys):
    missing = tmp_path / "nowhere.consortium"
    code, out, err = run(capsys, "--workspace", str(missing), "partners", "list")
    assert code == 1
    assert out == ""
    assert err.startswith(f"consortium: No workspace at {missing}")
    assert "consortium init" in err
    assert not missing.exists()


def test_not_a_workspace(tmp_path, capsys):
    path = tmp_path / "notes.consortium"
    path.write_text("hello")
    code, _, err = run(capsys, "--workspace", str(path), "check")
    assert code == 1
    assert "is not a Consortium workspace" in err


def test_default_workspace_is_the_demo_made_on_first_run(consortium_home, capsys):
    code, out, err = run(capsys, "partners", "list", "--json")
    assert code == 0, err
    assert "Creating the demo workspace" in err
    assert (consortium_home / home.DEMO_NAME).exists()
    assert len(json.loads(out)) >= 12


def test_backups_listed_and_one_restored(demo_file, tmp_path, capsys):
    code, out, err = run(capsys, "--workspace", str(demo_file), "backups")
    assert code == 0 and out.startswith("No backups yet in ") and "demo-backups" in out
    code, out, err = run(capsys, "--workspace", str(demo_file), "check")  # opened: today's
    assert code == 0, err
    code, out, err = run(capsys, "--workspace", str(demo_file), "backups", "--json")
    assert code == 0, err
    listed = json.loads(out)
    today = dt.date.today().isoformat()
    assert [b["name"] for b in listed["backups"]] == [f"daily-{today}"]  # made as it opened
    assert listed["backups"][0]["kind"] == "daily" and listed["stored_bytes"] > 0
    code, out, err = run(capsys, "--workspace", str(demo_file), "backups")
    assert code == 0 and f"daily-{today}" in out and "daily" in out and " MB" in out
    dest = tmp_path / "restored.consortium"
    code, out, err = run(
        capsys, "--workspace", str(demo_file), "restore", f"daily-{today}", str(dest)
    )
    assert code == 0, err
    assert f"Restored daily-{today} ({uk_date(dt.date.today())}) to {dest}" in out
    code, out, err = run(capsys, "--workspace", str(dest), "partners", "list", "--json")
    assert code == 0 and len(json.loads(out)) >= 12
    # Never over a file, and a name that is not there is named.
    code, _, err = run(
        capsys, "--workspace", str(demo_file), "restore", f"daily-{today}", str(dest)
    )
    assert code != 0 and "already exists: restore to a new file name" in err
    code, _, err = run(capsys, "--workspace", str(demo_file), "restore", "daily-1999", "x")
    assert code != 0 and "No backup named daily-1999" in err and "consortium backups" in err
    # A workspace that no longer opens is what a backup is for: restored without opening it.
    demo_file.write_bytes(b"overwritten by mistake")
    code, _, err = run(capsys, "--workspace", str(demo_file), "check")
    assert code != 0
    again = tmp_path / "again.consortium"
    code, out, err = run(
        capsys, "--workspace", str(demo_file), "restore", f"daily-{today}", str(again)
    )
    assert code == 0, err
    code, out, err = run(capsys, "--workspace", str(again), "partners", "list", "--json")
    assert code == 0 and len(json.loads(out)) >= 12


def test_backup(demo_file, tmp_path, capsys):
    code, out, err = run(capsys, "--workspace", str(demo_file), "backup")
    assert code == 0, err
    made = sorted(demo_file.with_name("demo-backups").glob("manual-*.consortium"))
    assert len(made) == 1 and str(made[0]) in out

    dest = tmp_path / "usb-stick"
    dest.mkdir()
    code, out, err = run(capsys, "--workspace", str(demo_file), "backup", str(dest))
    assert code == 0, err
    [copy] = dest.glob("demo-*.consortium")
    conn = sqlite3.connect(copy)
    assert conn.execute("SELECT count(*) FROM organisations").fetchone()[0] >= 12
    conn.close()

    named = tmp_path / "named.consortium"
    assert run(capsys, "--workspace", str(demo_file), "backup", str(named))[0] == 0
    assert named.exists()


def test_check(demo_file, capsys):
    code, out, err = run(capsys, "--workspace", str(demo_file), "check")
    assert code == 0, err
    assert "all checks passed" in out

    conn = sqlite3.connect(demo_file)
    conn.execute("INSERT INTO contacts (org_id, name) VALUES (424242, 'Orphan')")  # FKs off here
    conn.commit()
    conn.close()
    code, out, err = run(capsys, "--workspace", str(demo_file), "check")
    assert code == 1
    assert "Problem: Table contacts row" in err and "missing organisations record" in err


def test_contacts_find_export_erase(demo_file, capsys):
    code, out, _ = run(capsys, "--workspace", str(demo_file), "contacts", "find", "@")
    assert code == 0
    first = out.splitlines()[0]
    contact_id = int(first.split()[0])
    code, out, _ = run(capsys, "--workspace", str(demo_file), "contacts", "export", str(contact_id))
    person = json.loads(out)
    assert {"name", "role", "email", "phone", "organisation"} <= set(person)
    code, out, _ = run(capsys, "--workspace", str(demo_file), "contacts", "erase", str(contact_id))
    assert code == 0 and f"Erased contact {contact_id}." in out
    code, out, err = run(
        capsys, "--workspace", str(demo_file), "contacts", "export", str(contact_id)
    )
    assert code == 1 and f"no contact with id {contact_id}" in err
    with Workspace.open(demo_file) as ws:
        assert person["email"] not in "\n".join(dump(ws))


def subcommand_paths(parser=None, prefix=()) -> list[tuple[str, ...]]:
    """Every command path, e.g. ('partners', 'import'), found by walking the parser."""
    import argparse

    parser = parser or build_parser()
    paths = [prefix]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                paths += subcommand_paths(sub, (*prefix, name))
    return paths


@pytest.mark.parametrize("path", subcommand_paths(), ids=lambda p: " ".join(p) or "consortium")
def test_every_subcommand_has_help(path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([*path, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: consortium")
    assert " ".join(("consortium", *path)) in out.splitlines()[0]


def test_the_core_commands_exist():
    paths = set(subcommand_paths())
    for path in [
        ("init",),
        ("partners", "list"),
        ("partners", "import"),
        ("partners", "export"),
        ("partners", "template"),
        ("backup",),
        ("check",),
    ]:
        assert path in paths


def test_unknown_subcommand_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["partners", "frobnicate"])
    assert exit_.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_installed_console_script(tmp_path):
    script = shutil.which("consortium", path=str(Path(sys.executable).parent))
    assert script, "the consortium console script is not installed in this environment"
    done = subprocess.run(
        [script, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": str(Path(sys.executable).parent), "CONSORTIUM_HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: consortium")
    for command in ("init", "partners", "backup", "check"):
        assert command in done.stdout
    assert list(tmp_path.iterdir()) == []  # --help creates nothing
