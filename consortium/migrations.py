"""Schema migrations: an ordered list of steps; a workspace's ``PRAGMA user_version`` counts
how many have run. Every pending step runs in one transaction (see ``Workspace._migrate``).

Never edit or reorder a step that has shipped: append a new one.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterator

from sqlite_utils import Database

Step = Callable[[Database], object]  # None, or a count (see REWRITES)

# How far the running step is, for the progress bar of a long update: set by
# ``Workspace._migrate`` on the writer thread, where the steps run.
_running = threading.local()


def report(done: int, total: int) -> None:
    """Say the running step has done ``done`` of ``total``: a step with a long loop calls it
    (a year of tenders takes minutes to update). It may raise ``Cancelled``, inside the
    update's transaction. Outside an update it does nothing."""
    reporter = getattr(_running, "reporter", None)
    if reporter is not None:
        reporter(done, total)


def reporting_to(reporter: Callable[[int, int], None] | None) -> None:
    """Send :func:`report` calls of this thread to ``reporter`` (None: nowhere)."""
    _running.reporter = reporter


@contextlib.contextmanager
def one_update() -> Iterator[None]:
    """The steps run inside this are one update: what one step extracted, a later step of the
    same update can take from it (:func:`extracted_now`)."""
    outer = getattr(_running, "extracted", None)  # another workspace's update, on this thread
    _running.extracted = set()
    try:
        yield
    finally:
        _running.extracted = outer


def extracted_now() -> set[int] | None:
    """Row ids of the tenders a step of the running update extracted and stored with this
    version's rules: a later step of the same update reads those back instead of compiling
    their releases again (an update from before compression compiled every tender three
    times: about a minute each time at 200,000). None outside an update."""
    return getattr(_running, "extracted", None)


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
        """,
    )


def v2_tenders(db: Database) -> None:
    """tenders from Find a Tender and Contracts Finder, with full-text search and saved searches"""
    run_script(
        db,
        """
        -- Every OCDS release ever imported (as JSON text), so a process can be compiled
        -- again when a new notice for it arrives; (ocid, release_id) makes re-imports idempotent.
        CREATE TABLE tender_releases (
            id INTEGER PRIMARY KEY,
            ocid TEXT NOT NULL,
            release_id TEXT NOT NULL,
            date TEXT,
            tags TEXT NOT NULL DEFAULT '',
            raw TEXT NOT NULL,
            imported_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX tender_releases_key ON tender_releases(ocid, release_id);

        CREATE TABLE tenders (
            id INTEGER PRIMARY KEY,
            ocid TEXT NOT NULL UNIQUE,
            source TEXT NOT NULL,
            notice_id TEXT,
            notice_type TEXT,
            notice_url TEXT,
            phase TEXT NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            reference TEXT,
            buyer_name TEXT,
            currency TEXT,
            value REAL,
            value_gross REAL,
            value_min REAL,
            value_max REAL,
            value_sort REAL,
            deadline TEXT,
            published TEXT,
            sme INTEGER,
            vcse INTEGER,
            reserved_vcse INTEGER NOT NULL DEFAULT 0,
            light_touch INTEGER NOT NULL DEFAULT 0,
            lot_count INTEGER NOT NULL DEFAULT 0,
            hash TEXT NOT NULL,
            defects TEXT NOT NULL DEFAULT '[]',
            first_seen_at TEXT NOT NULL,
            changed_at TEXT NOT NULL,
            imported_at TEXT NOT NULL
        );
        -- Sort orders as the list shows them (no date or value last), so a sorted id list is
        -- read straight from an index.
        CREATE INDEX tenders_deadline ON tenders(deadline IS NULL, deadline);
        CREATE INDEX tenders_value ON tenders(value_sort IS NULL, value_sort);
        CREATE INDEX tenders_published ON tenders(published IS NULL, published);
        CREATE INDEX tenders_changed ON tenders(changed_at);
        CREATE INDEX tenders_phase ON tenders(phase, deadline);
        CREATE INDEX tenders_sme ON tenders(sme) WHERE sme = 1;
        CREATE INDEX tenders_vcse ON tenders(vcse) WHERE vcse = 1;
        CREATE INDEX tenders_reserved ON tenders(reserved_vcse) WHERE reserved_vcse = 1;
        CREATE INDEX tenders_reference ON tenders(reference);

        CREATE TABLE tender_cpv (
            code TEXT NOT NULL,
            tender_id INTEGER NOT NULL,
            PRIMARY KEY (code, tender_id)
        ) WITHOUT ROWID;
        CREATE INDEX tender_cpv_tender ON tender_cpv(tender_id);

        -- ITL 2021 codes ("TL" = whole UK) and council GSS codes.
        CREATE TABLE tender_places (
            code TEXT NOT NULL,
            tender_id INTEGER NOT NULL,
            PRIMARY KEY (code, tender_id)
        ) WITHOUT ROWID;
        CREATE INDEX tender_places_tender ON tender_places(tender_id);

        -- The long texts live apart from tenders, which stays narrow and quick to scan.
        CREATE TABLE tender_texts (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL DEFAULT '',
            description TEXT NOT NULL DEFAULT '',
            lot_text TEXT NOT NULL DEFAULT ''
        );
        CREATE VIRTUAL TABLE tenders_fts USING fts5(
            title, description, lot_text,
            content='tender_texts', content_rowid='id',
            tokenize='porter unicode61 remove_diacritics 2'
        );
        -- New rows are indexed by the importer itself (an insert trigger costs 4x as much);
        -- these keep the index right when a row changes or goes.
        CREATE TRIGGER tenders_fts_delete AFTER DELETE ON tender_texts BEGIN
            INSERT INTO tenders_fts(tenders_fts, rowid, title, description, lot_text)
            VALUES ('delete', old.id, old.title, old.description, old.lot_text);
        END;
        CREATE TRIGGER tenders_fts_update AFTER UPDATE ON tender_texts
        BEGIN
            INSERT INTO tenders_fts(tenders_fts, rowid, title, description, lot_text)
            VALUES ('delete', old.id, old.title, old.description, old.lot_text);
            INSERT INTO tenders_fts(rowid, title, description, lot_text)
            VALUES (new.id, new.title, new.description, new.lot_text);
        END;

        CREATE TABLE tender_imports (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            summary TEXT NOT NULL,
            report TEXT NOT NULL
        );

        -- "Changed since you last looked": the hash of the tender when the user last opened it.
        CREATE TABLE tender_views (
            ocid TEXT PRIMARY KEY,
            seen_at TEXT NOT NULL,
            seen_hash TEXT NOT NULL
        );

        CREATE TABLE saved_searches (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            params TEXT NOT NULL,
            created_at TEXT NOT NULL,
            last_viewed_at TEXT
        );
        """,
    )


def v3_consortia(db: Database) -> None:
    """saved consortia: a tender, a lead and members with roles and lots"""
    run_script(
        db,
        """
        CREATE TABLE consortia (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            ocid TEXT,
            model TEXT NOT NULL DEFAULT 'lead_provider',
            fee_percent REAL,
            notes TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX consortia_ocid ON consortia(ocid);
        -- A partner in a consortium cannot be deleted until it is taken out (RESTRICT).
        CREATE TABLE consortium_members (
            consortium_id INTEGER NOT NULL REFERENCES consortia(id) ON DELETE CASCADE,
            org_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE RESTRICT,
            role TEXT NOT NULL,
            lots TEXT NOT NULL DEFAULT '[]',
            position INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (consortium_id, org_id)
        );
        CREATE INDEX consortium_members_org ON consortium_members(org_id);
        """,
    )


def v4_bids(db: Database) -> None:
    """bids: a consortium's bid for a tender and the lots it bids for"""
    run_script(
        db,
        """
        CREATE TABLE bids (
            id INTEGER PRIMARY KEY,
            consortium_id INTEGER NOT NULL REFERENCES consortia(id) ON DELETE RESTRICT,
            name TEXT NOT NULL,
            ocid TEXT,
            lots TEXT NOT NULL DEFAULT '[]',
            status TEXT NOT NULL DEFAULT 'drafting',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX bids_consortium ON bids(consortium_id);
        """,
    )


def v5_social_value(db: Database) -> None:
    """social value frameworks, measures, proxy values, commitments and delivery"""
    from consortium.socialvalue.schema import create

    create(db)


def v6_bid_work(db: Database) -> None:
    """bid questions, answers and the answer library"""
    from consortium.bids.schema import create

    create(db)


def v7_tender_status_index(db: Database) -> None:
    """an index for the open / closed filter on tenders"""
    run_script(db, "CREATE INDEX tenders_phase_deadline ON tenders(phase, deadline);")


def v8_packs(db: Database) -> None:
    """signed bid packs sent and received, reviews, known senders' keys"""
    run_script(
        db,
        """
        -- Public keys of organisations whose packs or reviews were opened here (trust on first use).
        CREATE TABLE known_senders (
            fingerprint TEXT PRIMARY KEY,
            organisation TEXT NOT NULL,
            public_key TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL
        );
        CREATE INDEX known_senders_org ON known_senders(organisation);
        -- Packs this workspace exported (the consortium's side).
        CREATE TABLE bid_packs (
            id INTEGER PRIMARY KEY,
            bid_id INTEGER NOT NULL REFERENCES bids(id) ON DELETE CASCADE,
            manifest_sha256 TEXT NOT NULL UNIQUE,
            created TEXT NOT NULL,
            file TEXT
        );
        -- Packs opened for review (the housing association's side), with the bid data reviewed.
        CREATE TABLE received_packs (
            id INTEGER PRIMARY KEY,
            sender_fingerprint TEXT NOT NULL,
            organisation TEXT NOT NULL,
            bid_ref INTEGER NOT NULL,
            bid_name TEXT NOT NULL,
            manifest_sha256 TEXT NOT NULL UNIQUE,
            received TEXT NOT NULL,
            bid_json TEXT NOT NULL
        );
        -- Reviews received back (the consortium's side).
        CREATE TABLE bid_reviews (
            id INTEGER PRIMARY KEY,
            bid_id INTEGER NOT NULL REFERENCES bids(id) ON DELETE CASCADE,
            reviewer TEXT NOT NULL,
            reviewer_fingerprint TEXT NOT NULL,
            decision TEXT NOT NULL,
            reasons TEXT,
            review_sha256 TEXT NOT NULL UNIQUE,
            received TEXT NOT NULL
        );
        CREATE TABLE review_comments (
            id INTEGER PRIMARY KEY,
            review_id INTEGER NOT NULL REFERENCES bid_reviews(id) ON DELETE CASCADE,
            bid_id INTEGER NOT NULL REFERENCES bids(id) ON DELETE CASCADE,
            anchor_type TEXT NOT NULL,
            anchor_id TEXT,
            text TEXT NOT NULL,
            author TEXT,
            at TEXT
        );
        CREATE INDEX review_comments_bid ON review_comments(bid_id);
        """,
    )


def v9_assets(db: Database) -> None:
    """the locality asset register and bids' delivery venues"""
    run_script(
        db,
        """
        CREATE TABLE assets (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            council TEXT,
            address TEXT,
            postcode TEXT,
            owner TEXT,
            availability TEXT,
            capacity INTEGER,
            for_ownership INTEGER NOT NULL DEFAULT 0,
            for_delivery INTEGER NOT NULL DEFAULT 1,
            notes TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX assets_council ON assets(council);
        CREATE TABLE bid_venues (
            bid_id INTEGER NOT NULL REFERENCES bids(id) ON DELETE CASCADE,
            asset_id INTEGER NOT NULL REFERENCES assets(id) ON DELETE RESTRICT,
            note TEXT,
            PRIMARY KEY (bid_id, asset_id)
        );
        """,
    )


def v10_asset_transfers(db: Database) -> None:
    """community ownership: when an asset passed to a community organisation, and to whom"""
    run_script(
        db,
        """
        ALTER TABLE assets ADD COLUMN transferred_to TEXT;
        ALTER TABLE assets ADD COLUMN transferred_on TEXT;
        """,
    )


def v11_drop_duplicate_tender_index(db: Database) -> None:
    """one index fewer on tenders (v7 repeated one v2 had made), so imports write less"""
    run_script(db, "DROP INDEX IF EXISTS tenders_phase;")


def v12_compressed_releases_and_stored_tenders(db: Database) -> None:
    """raw releases compressed (zstandard); each tender stored as extracted, so opening one
    never compiles its releases again"""
    from consortium.tenders import packing, store

    run_script(
        db,
        """
        CREATE TABLE tender_data (
            id INTEGER PRIMARY KEY,  -- tenders.id
            version INTEGER NOT NULL,  -- packing.TENDER_VERSION when stored
            data BLOB NOT NULL  -- the extracted Tender as JSON, compressed
        );
        CREATE TABLE tender_dictionaries (
            id INTEGER PRIMARY KEY,  -- the zstd dictionary id its frames carry
            kind TEXT NOT NULL,  -- what it was learnt from: "release" or "tender"
            data BLOB NOT NULL
        );
        """,
    )
    conn = db.conn
    last, done = 0, 0
    (total,) = conn.execute("SELECT count(*) FROM tender_releases").fetchone()
    while True:  # in chunks by rowid, so memory stays flat however many releases there are
        rows = conn.execute(
            "SELECT id, raw FROM tender_releases WHERE id > ? ORDER BY id LIMIT 1000", [last]
        ).fetchall()
        if not rows:
            break
        last = rows[-1][0]
        done += len(rows)
        report(done, total * 2)  # the first half of the step: compiling is the second
        packed = [
            (packing.pack_text(packing.unpack(raw)), row_id)
            for row_id, raw in rows
            if not (isinstance(raw, bytes) and raw[:4] == packing.ZSTD_MAGIC)
        ]
        conn.executemany("UPDATE tender_releases SET raw = ? WHERE id = ?", packed)
    # Every tender, compiled once more and stored: the second half of the step.
    store.store_stale(conn, progress=lambda d, n: report(n + d, n * 2), extracted=extracted_now())


def v13_persisted_text_model(db: Database) -> None:
    """the matching word model kept in the workspace and updated by each import"""
    from consortium.matching import text_store

    run_script(
        db,
        """
        CREATE TABLE text_terms (
            term TEXT PRIMARY KEY,  -- a word stem
            df INTEGER NOT NULL,  -- how many tenders use it
            display TEXT NOT NULL  -- the shortest word seen for it, for explanations
        ) WITHOUT ROWID;
        """,
    )
    text_store.rebuild(db.conn)


def v_pinned_keys_and_review_versions(db: Database) -> None:
    """pinned keys (confirmed by their words, replaced by a confirmed change), the reviewer a
    pack was sent to, and which pack version a review is of, with its conditions apart"""
    run_script(
        db,
        """
        ALTER TABLE known_senders ADD COLUMN confirmed_at TEXT;
        ALTER TABLE known_senders ADD COLUMN replaced_by TEXT;
        ALTER TABLE bid_packs ADD COLUMN reviewer_fingerprint TEXT;
        ALTER TABLE bid_reviews ADD COLUMN pack_manifest_sha256 TEXT;
        ALTER TABLE bid_reviews ADD COLUMN conditions TEXT;
        ALTER TABLE bid_reviews ADD COLUMN older_version INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE review_comments ADD COLUMN anchor_label TEXT;
        """,
    )


def pack_contents(db: Database) -> None:
    """what each pack sent held (a fingerprint of the bid's content), so an approval is known
    to cover that version only; and the housing association's checklist with each review"""
    # Added once: a file whose version number says it is older than its tables keeps them.
    for table, column in (("bid_packs", "content_sha256"), ("bid_reviews", "checklist")):
        if not any(c[1] == column for c in db.conn.execute(f"PRAGMA table_info({table})")):
            run_script(db, f"ALTER TABLE {table} ADD COLUMN {column} TEXT;")


def restore_bid_and_social_value_tables(db: Database) -> None:
    """the social value and bid-work tables, for workspaces made while steps 5 and 6 were
    placeholders (they were filled in after shipping, so those files never got the tables)"""
    from consortium.bids.schema import create as create_bid_work
    from consortium.socialvalue.schema import create as create_social_value

    tables = set(db.table_names())
    if "sv_frameworks" not in tables:
        create_social_value(db)
    if "bid_questions" not in tables:
        create_bid_work(db)
    for placeholder in ("sv_placeholder", "bid_placeholder"):
        if placeholder in tables:  # never written to: the placeholders held no rows
            db.execute(f"DROP TABLE {placeholder}")


def match_feedback(db: Database) -> None:
    """relevance feedback: a partner's "not for us" / "interested" marks on tenders"""
    run_script(
        db,
        """
        CREATE TABLE match_feedback (
            org_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
            ocid TEXT NOT NULL,
            mark TEXT NOT NULL CHECK (mark IN ('not_for_us', 'interested')),
            marked_at TEXT NOT NULL,
            PRIMARY KEY (org_id, ocid)
        );
        """,
    )


def feed_positions(db: Database) -> None:
    """where each tender feed got to (per source and base URL), so a fetch asks only for what
    changed and an interrupted one carries on from the next page"""
    run_script(
        db,
        """
        CREATE TABLE feed_positions (
            source TEXT NOT NULL,  -- feeds.FEEDS key: fts, cf
            base_url TEXT NOT NULL,  -- the service or mirror asked
            next_url TEXT,  -- the next page of an unfinished run; NULL when the run finished
            run_since TEXT,  -- UTC: what the unfinished run asked for (changed since)
            run_started_at TEXT,  -- UTC: when the unfinished run asked its first page
            updated_from TEXT,  -- UTC: where the next new run starts
            newest_release TEXT,  -- UTC: the latest release date stored from this feed
            pages INTEGER NOT NULL DEFAULT 0,  -- pages stored, ever
            last_page_at TEXT,  -- UTC: when a page was last stored
            last_complete_at TEXT,  -- UTC: when a run last reached the final page
            PRIMARY KEY (source, base_url)
        );
        """,
    )


def tender_contracts(db: Database) -> None:
    """awarded contracts (incumbent suppliers, values, contract periods) stored per tender for
    the re-tender pipeline; filled in for the tenders already stored"""
    from consortium.tenders import store

    run_script(
        db,
        """
        CREATE TABLE tender_contracts (
            id INTEGER PRIMARY KEY,
            tender_id INTEGER NOT NULL REFERENCES tenders(id),
            contract_id TEXT NOT NULL,  -- OCDS contract id, or "award <id>"
            title TEXT,
            status TEXT,
            suppliers TEXT NOT NULL DEFAULT '',  -- names, "; "-separated
            supplier_ids TEXT NOT NULL DEFAULT '',
            value REAL,
            value_gross REAL,
            currency TEXT,
            start_date TEXT,  -- UTC ISO
            end_date TEXT,
            max_end_date TEXT,
            lots TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX tender_contracts_end ON tender_contracts(end_date);
        CREATE INDEX tender_contracts_tender ON tender_contracts(tender_id);
        """,
    )
    conn = db.conn
    # Only processes with an award or contract notice can hold contracts: compile those again.
    ocids = [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT ocid FROM tender_releases "
            "WHERE tags LIKE '%award%' OR tags LIKE '%contract%' ORDER BY ocid"
        )
    ]
    limit = store.variable_limit_of(conn)
    for start in range(0, len(ocids), 200):
        report(start, len(ocids))
        chunk = ocids[start : start + 200]
        ids = store.tender_rows(conn, chunk)
        pairs = [(ids[o][0], o) for o in chunk if o in ids]
        children, compiled = store.extracted_or_compiled(conn, pairs, extracted_now())
        rows = [row for row_id, t in children for row in store.contract_rows(row_id, t)]
        store.run(conn, store.contract_statements(rows, limit))
        store.run(conn, store.data_statements(compiled, limit))


def work_packs_replies_and_directory(db: Database) -> None:
    """work packs sent to members and their replies taken in (with who wrote each answer),
    work received from a lead (the member's side), partners' consent to share contacts in a
    directory, and housing associations' partner directories imported"""
    run_script(
        db,
        """
        -- Work packs this workspace sent to members (the lead's side), with what was sent.
        CREATE TABLE work_packs (
            id INTEGER PRIMARY KEY,
            bid_id INTEGER NOT NULL REFERENCES bids(id) ON DELETE CASCADE,
            org_id INTEGER NOT NULL,
            manifest_sha256 TEXT NOT NULL UNIQUE,
            created TEXT NOT NULL,
            due TEXT,
            file TEXT,
            recipient_fingerprint TEXT,
            sent_json TEXT NOT NULL
        );
        CREATE INDEX work_packs_bid ON work_packs(bid_id, org_id);
        CREATE TABLE work_replies (
            id INTEGER PRIMARY KEY,
            work_pack_id INTEGER NOT NULL REFERENCES work_packs(id) ON DELETE CASCADE,
            reply_sha256 TEXT NOT NULL UNIQUE,
            sender_fingerprint TEXT NOT NULL,
            organisation TEXT NOT NULL,
            received TEXT NOT NULL,
            file TEXT,
            accepted INTEGER NOT NULL DEFAULT 0,
            declined INTEGER NOT NULL DEFAULT 0,
            left_json TEXT  -- what was not taken in, kept so nothing the member wrote is lost
        );
        -- Who wrote a question's answer, when a member's reply supplied it.
        CREATE TABLE answer_authors (
            question_id INTEGER PRIMARY KEY REFERENCES bid_questions(id) ON DELETE CASCADE,
            org_id INTEGER,
            organisation TEXT NOT NULL,
            reply_id INTEGER REFERENCES work_replies(id) ON DELETE SET NULL,
            at TEXT NOT NULL
        );
        -- Work packs received from a lead (the member's side) and the member's work on them.
        CREATE TABLE received_work (
            id INTEGER PRIMARY KEY,
            manifest_sha256 TEXT NOT NULL UNIQUE,
            lead TEXT NOT NULL,
            lead_fingerprint TEXT NOT NULL,
            bid_name TEXT NOT NULL,
            member TEXT NOT NULL,
            org_id INTEGER,
            received TEXT NOT NULL,
            due TEXT,
            work_json TEXT NOT NULL,
            record_json TEXT NOT NULL,
            file TEXT,
            sent_at TEXT,
            reply_file TEXT
        );
        CREATE TABLE received_work_answers (
            work_id INTEGER NOT NULL REFERENCES received_work(id) ON DELETE CASCADE,
            question_id INTEGER NOT NULL,
            answer TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL,
            PRIMARY KEY (work_id, question_id)
        );
        CREATE TABLE received_work_files (
            id INTEGER PRIMARY KEY,
            work_id INTEGER NOT NULL REFERENCES received_work(id) ON DELETE CASCADE,
            need TEXT NOT NULL DEFAULT '',
            name TEXT NOT NULL,
            path TEXT NOT NULL
        );
        ALTER TABLE organisations ADD COLUMN directory_consent INTEGER NOT NULL DEFAULT 0;
        -- Partner directories imported from housing associations (read-only copies).
        CREATE TABLE directories (
            id INTEGER PRIMARY KEY,
            organisation TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            manifest_sha256 TEXT NOT NULL UNIQUE,
            created TEXT NOT NULL,
            imported TEXT NOT NULL,
            file TEXT
        );
        CREATE TABLE directory_entries (
            id INTEGER PRIMARY KEY,
            directory_id INTEGER NOT NULL REFERENCES directories(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            services TEXT NOT NULL DEFAULT '',
            places TEXT NOT NULL DEFAULT '',
            data TEXT NOT NULL
        );
        CREATE INDEX directory_entries_dir ON directory_entries(directory_id, name);
        """,
    )


def reindex_tender_places(db: Database) -> None:
    """tender places and service codes indexed again with today's extraction (a tender
    reserved to UK suppliers was indexed as delivered across the UK, "TL", until re-imported)"""
    from consortium.tenders import store

    store.reindex_extracted(db.conn, progress=report, extracted=extracted_now())


def compressed_tender_texts(db: Database) -> None:
    """tender texts kept compressed (zstandard, with a dictionary learnt from them) under a
    search index that keeps no copy of them (contentless), built again from the same texts"""
    from consortium.tenders import packing, store

    run_script(
        db,
        """
        DROP TRIGGER IF EXISTS tenders_fts_delete;
        DROP TRIGGER IF EXISTS tenders_fts_update;
        DROP TABLE IF EXISTS tenders_fts;
        -- No content: tender_texts keeps the texts (compressed), and the importer hands the
        -- index a tender's old texts with a 'delete' before indexing its new ones.
        CREATE VIRTUAL TABLE tenders_fts USING fts5(
            title, description, lot_text,
            content='',
            tokenize='porter unicode61 remove_diacritics 2'
        );
        """,
    )
    conn = db.conn
    words = store.dictionary(conn, store.TEXTS)
    if not words:
        sample = conn.execute(
            "SELECT description, lot_text FROM tender_texts ORDER BY id LIMIT 1000"
        ).fetchall()
        if len(sample) >= packing.DICTIONARY_SAMPLES:
            texts = [t.encode("utf-8") for row in sample for t in row if isinstance(t, str) and t]
            words = store.add_dictionary(conn, store.TEXTS, texts)
    last, done = 0, 0
    (total,) = conn.execute("SELECT count(*) FROM tender_texts").fetchone()
    while True:  # in chunks by id, so memory stays flat however many tenders there are
        rows = conn.execute(
            "SELECT id, title, description, lot_text FROM tender_texts WHERE id > ? "
            "ORDER BY id LIMIT 1000",
            [last],
        ).fetchall()
        if not rows:
            break
        last = rows[-1][0]
        done += len(rows)
        report(done, total)
        texts = [(row_id, *store.unpack_texts(row)) for row_id, *row in rows]
        conn.executemany(
            "INSERT INTO tenders_fts (rowid, title, description, lot_text) VALUES (?, ?, ?, ?)",
            texts,
        )
        conn.executemany(
            "UPDATE tender_texts SET description = ?, lot_text = ? WHERE id = ?",
            [
                (store.pack_words(d, words), store.pack_words(x, words), row_id)
                for row_id, _title, d, x in texts
            ],
        )


def planning_expected_dates(db: Database) -> None:
    """a planning notice's anticipated tender date as a column, so a search for tenders
    "coming soon" leaves out the ones whose date passed with no tender notice"""
    from consortium.tenders import store

    conn = db.conn
    conn.execute("ALTER TABLE tenders ADD COLUMN expected TEXT")
    ids = [i for (i,) in conn.execute("SELECT id FROM tenders WHERE phase = 'planning'")]
    for start in range(0, len(ids), 500):
        report(start, len(ids))
        chunk = ids[start : start + 500]
        tenders = store.load_tenders(conn, chunk)
        conn.executemany(
            "UPDATE tenders SET expected = ? WHERE ocid = ?",
            [(t.future_notice_date, t.ocid) for t in tenders if t.future_notice_date],
        )


def coming_soon_index(db: Database) -> None:
    """the phase index holds the anticipated tender date too, so the tenders "coming soon" are
    read from the index alone (at 200,000 tenders: 3 ms instead of 20 ms, for every list of
    them, every count, on every page that shows one)"""
    run_script(
        db,
        "DROP INDEX IF EXISTS tenders_phase_deadline;\n"
        "CREATE INDEX tenders_phase_deadline ON tenders(phase, deadline, expected);",
    )


def tenders_stored_once(db: Database) -> None:
    """each tender's fields stored once: the time of the import that last changed it, its title
    and its notice page's address (kept only when its notice id does not give it) were stored
    twice, and each release's import time, never read, is no longer kept (at 200,000 tenders:
    30 MB less)"""
    from consortium.tenders.extract import notice_page

    conn = db.conn
    dropped = []
    for table, column in (
        ("tenders", "imported_at"),  # always changed_at
        ("tender_releases", "imported_at"),
        ("tender_texts", "title"),  # tenders.title
    ):
        if any(c[1] == column for c in conn.execute(f"PRAGMA table_info({table})")):
            conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
            dropped.append(table)
    if "tenders" not in dropped:
        return  # stored this way already: a NULL address is one the notice id gives
    derived, none = [], []
    for row_id, source, ocid, notice_id, url in conn.execute(
        "SELECT id, source, ocid, notice_id, notice_url FROM tenders"
    ):
        given = notice_page(source, ocid or "", notice_id)
        if url is not None and url == given:
            derived.append((row_id,))
        elif url is None and given is not None:
            none.append((row_id,))  # had none: "" says so, as store.stored_notice_url does
    conn.executemany("UPDATE tenders SET notice_url = NULL WHERE id = ?", derived)
    conn.executemany("UPDATE tenders SET notice_url = '' WHERE id = ?", none)


def dictionaries_in_order(db: Database) -> None:
    """the compression dictionaries numbered in the order they were learnt, so a workspace that
    learns a bigger one packs with it from then on (their ids are hashes, in no order)"""
    columns = {c[1] for c in db.conn.execute("PRAGMA table_info(tender_dictionaries)")}
    if "learnt" not in columns:
        run_script(db, "ALTER TABLE tender_dictionaries ADD COLUMN learnt INTEGER;")


def packed_with_learnt_dictionaries(db: Database) -> int:
    """raw releases, stored tenders and their texts that an earlier update compressed without
    a dictionary learnt from the workspace's own data (a workspace from before compression)
    compressed again with one, as an import compresses them: at 50,000 tenders the file comes
    down from 436 MB to 127 MB, the size a new workspace of the same tenders has"""
    from consortium.tenders import store

    return store.repack_plain(db.conn, progress=report)  # 0: nothing needed it


STEPS: list[Step] = [
    v1_partners,
    v2_tenders,
    v3_consortia,
    v4_bids,
    v5_social_value,
    v6_bid_work,
    v7_tender_status_index,
    v8_packs,
    v9_assets,
    v10_asset_transfers,
    v11_drop_duplicate_tender_index,
    restore_bid_and_social_value_tables,
    v12_compressed_releases_and_stored_tenders,
    v13_persisted_text_model,
    v_pinned_keys_and_review_versions,
    match_feedback,
    feed_positions,
    tender_contracts,
    work_packs_replies_and_directory,
    reindex_tender_places,
    compressed_tender_texts,
    planning_expected_dates,
    coming_soon_index,
    tenders_stored_once,
    dictionaries_in_order,
    packed_with_learnt_dictionaries,
    pack_contents,
]
LATEST = len(STEPS)

# Steps that rewrite most of a workspace's tenders: the space the old rows took is left in the
# file (SQLite reuses it, never gives it back), so the update ends by compacting the file. One
# of them that returns 0 rewrote nothing (the workspace was packed well already).
REWRITES: frozenset[Step] = frozenset(
    {
        v12_compressed_releases_and_stored_tenders,
        tender_contracts,
        reindex_tender_places,
        compressed_tender_texts,
        tenders_stored_once,
        packed_with_learnt_dictionaries,
    }
)


def pending(current: int) -> Iterator[tuple[int, Step]]:
    """(version reached after the step, step) for every step after ``current``."""
    yield from enumerate(STEPS[current:], start=current + 1)
