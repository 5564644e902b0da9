"""Tables for social value (see migrations.v5_social_value).

Money and rates are stored as decimal strings ('1250.50', '0.25') so the arithmetic stays exact.
"""

from sqlite_utils import Database

from consortium.migrations import run_script

SQL = """
CREATE TABLE sv_frameworks (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    version TEXT NOT NULL DEFAULT '',
    licence TEXT NOT NULL DEFAULT '',
    licence_holder TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    file TEXT NOT NULL DEFAULT '',
    loaded_at TEXT NOT NULL DEFAULT ''
);
CREATE TABLE sv_measures (
    framework_id TEXT NOT NULL REFERENCES sv_frameworks(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    description TEXT NOT NULL,
    unit TEXT NOT NULL,
    theme TEXT NOT NULL DEFAULT '',
    criteria TEXT NOT NULL DEFAULT '[]',
    record_only INTEGER NOT NULL DEFAULT 0,
    counting_rule TEXT NOT NULL DEFAULT 'per_year',
    proxy_value TEXT,
    price_year INTEGER,
    source TEXT NOT NULL DEFAULT '',
    licence_holder TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (framework_id, code)
);
CREATE TABLE sv_bid_settings (
    bid_id INTEGER PRIMARY KEY REFERENCES bids(id) ON DELETE CASCADE,
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE sv_commitments (
    id INTEGER PRIMARY KEY,
    bid_id INTEGER NOT NULL REFERENCES bids(id) ON DELETE CASCADE,
    org_id INTEGER NOT NULL,
    framework_id TEXT NOT NULL,
    measure_code TEXT NOT NULL,
    quantity TEXT NOT NULL,
    years INTEGER NOT NULL DEFAULT 1,
    start_year INTEGER,
    areas TEXT NOT NULL DEFAULT '[]',
    beneficiaries TEXT NOT NULL DEFAULT '',
    evidence TEXT NOT NULL DEFAULT '',
    activity TEXT NOT NULL DEFAULT '',
    deadweight TEXT NOT NULL DEFAULT '0',
    displacement TEXT NOT NULL DEFAULT '0',
    attribution TEXT NOT NULL DEFAULT '0',
    dropoff TEXT NOT NULL DEFAULT '0',
    position INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sv_commitments_bid ON sv_commitments(bid_id, position);
CREATE TABLE sv_delivery (
    id INTEGER PRIMARY KEY,
    commitment_id INTEGER NOT NULL REFERENCES sv_commitments(id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    quantity TEXT NOT NULL,
    spend TEXT NOT NULL DEFAULT '0',
    people INTEGER NOT NULL DEFAULT 0,
    evidence TEXT NOT NULL DEFAULT '[]',
    notes TEXT NOT NULL DEFAULT '',
    recorded_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sv_delivery_commitment ON sv_delivery(commitment_id, period);
"""


def create(db: Database) -> None:
    run_script(db, SQL)
