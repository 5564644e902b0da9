"""Tables for bid work (see migrations.v6_bid_work): the buyer's questions on a bid, and the
answer library with its FTS5 index.

Everything is created inside the migration's transaction with ``run_script`` (never
``executescript``, which would commit first).
"""

from sqlite_utils import Database

from consortium.migrations import run_script

SCRIPT = """
CREATE TABLE bid_questions (
    id INTEGER PRIMARY KEY,
    bid_id INTEGER NOT NULL REFERENCES bids(id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0,
    ref TEXT NOT NULL DEFAULT '',
    section TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    word_limit INTEGER,
    weighting REAL,
    owner_org_id INTEGER REFERENCES organisations(id) ON DELETE SET NULL,
    status TEXT NOT NULL DEFAULT 'not started',
    due TEXT,
    answer TEXT NOT NULL DEFAULT '',
    sources TEXT NOT NULL DEFAULT '[]',
    updated_at TEXT NOT NULL
);
CREATE INDEX bid_questions_bid ON bid_questions(bid_id, position);
CREATE INDEX bid_questions_owner ON bid_questions(owner_org_id);

CREATE TABLE library_entries (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL DEFAULT 'answer',
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    owner TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]',
    cpv TEXT NOT NULL DEFAULT '[]',
    theme TEXT NOT NULL DEFAULT '',
    last_reviewed TEXT,
    review_due TEXT,
    usage_count INTEGER NOT NULL DEFAULT 0,
    last_used TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE VIRTUAL TABLE library_fts USING fts5(
    title, body, tags, theme, owner,
    content='library_entries', content_rowid='id', tokenize='porter unicode61'
);
CREATE TRIGGER library_entries_ai AFTER INSERT ON library_entries BEGIN
    INSERT INTO library_fts(rowid, title, body, tags, theme, owner)
    VALUES (new.id, new.title, new.body, new.tags, new.theme, new.owner);
END;
CREATE TRIGGER library_entries_ad AFTER DELETE ON library_entries BEGIN
    INSERT INTO library_fts(library_fts, rowid, title, body, tags, theme, owner)
    VALUES ('delete', old.id, old.title, old.body, old.tags, old.theme, old.owner);
END;
CREATE TRIGGER library_entries_au AFTER UPDATE ON library_entries BEGIN
    INSERT INTO library_fts(library_fts, rowid, title, body, tags, theme, owner)
    VALUES ('delete', old.id, old.title, old.body, old.tags, old.theme, old.owner);
    INSERT INTO library_fts(rowid, title, body, tags, theme, owner)
    VALUES (new.id, new.title, new.body, new.tags, new.theme, new.owner);
END;
"""


def create(db: Database) -> None:
    run_script(db, SCRIPT)
