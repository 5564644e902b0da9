"""Schema migrations: an ordered list of steps; a workspace's ``PRAGMA user_version`` counts
how many have run. Each step runs in its own transaction (see ``Workspace._migrate``).

Never edit or reorder a step that has shipped: append a new one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator

from sqlite_utils import Database

Step = Callable[[Database], None]


def run_script(db: Database, script: str) -> None:
    """Run SQL statements one by one inside the caller's transaction.

    ``sqlite3.executescript`` would COMMIT first, breaking one-transaction-per-step.
    """
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            if statement.strip():
                db.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"Incomplete SQL statement in migration: {statement.strip()[:80]}")


def v1_partners(db: Database) -> None:
    """partner registry and audit log"""
    run_script(
        db,
        """
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            who TEXT NOT NULL,
            action TEXT NOT NULL,
            entity TEXT NOT NULL,
            entity_id TEXT,
            summary TEXT NOT NULL,
            changes TEXT
        );
        -- Append-only: history cannot be rewritten from inside the app.
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT);

        CREATE TABLE organisations (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            name_key TEXT NOT NULL,
            legal_form TEXT NOT NULL DEFAULT 'charity',
            charity_number TEXT,
            company_number TEXT,
            address TEXT,
            postcode TEXT,
            website TEXT,
            services TEXT,
            beneficiaries TEXT NOT NULL DEFAULT '[]',
            staff INTEGER,
            volunteers INTEGER,
            notes TEXT,
            is_ours INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX organisations_name_key ON organisations(name_key);
        CREATE INDEX organisations_charity ON organisations(charity_number);
        CREATE INDEX organisations_company ON organisations(company_number);
        -- At most one "our organisation".
        CREATE UNIQUE INDEX organisations_one_ours ON organisations(is_ours) WHERE is_ours = 1;

        CREATE TABLE contacts (
            id INTEGER PRIMARY KEY,
            org_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            role TEXT,
            email TEXT,
            phone TEXT
        );
        CREATE INDEX contacts_org ON contacts(org_id);

        CREATE TABLE org_cpv (
            org_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
            code TEXT NOT NULL,
            PRIMARY KEY (org_id, code)
        );
        CREATE INDEX org_cpv_code ON org_cpv(code);

        CREATE TABLE org_areas (
            org_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
            code TEXT NOT NULL,
            PRIMARY KEY (org_id, code)
        );
        CREATE INDEX org_areas_code ON org_areas(code);

        CREATE TABLE turnover (
            org_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
            year INTEGER NOT NULL,
            amount INTEGER NOT NULL,
            PRIMARY KEY (org_id, year)
        );

        CREATE TABLE credentials (
            id INTEGER PRIMARY KEY,
            org_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('accreditation', 'insurance', 'policy')),
            type TEXT NOT NULL,
            reference TEXT,
            cover INTEGER,
            expires TEXT,
            notes TEXT
        );
        CREATE INDEX credentials_org ON credentials(org_id);

        CREATE TABLE past_contracts (
            id INTEGER PRIMARY KEY,
            org_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
            buyer TEXT NOT NULL,
            title TEXT,
            value INTEGER,
            start_year INTEGER,
            end_year INTEGER,
            outcome TEXT
        );
        CREATE INDEX past_contracts_org ON past_contracts(org_id);
        """
    )


STEPS: list[Step] = [v1_partners]
LATEST = len(STEPS)


def pending(current: int) -> Iterator[tuple[int, Step]]:
    """(version reached after the step, step) for every step after ``current``."""
    for index, step in enumerate(STEPS[current:], start=current + 1):
        yield index, step
