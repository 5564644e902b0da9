"""A workspace from before the matching change of i13 kept a UK-reserved tender indexed as
delivered across the UK ("TL") until it was imported again; the migration indexes it again."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from consortium import migrations
from consortium.tenders import store
from consortium.workspace import Workspace

V11 = Path(__file__).parent / "fixtures" / "workspaces" / "v11.consortium"
OCID = "ocds-h6vhtk-000001"  # the stored tender of the fixture


def reserved_to_the_uk() -> dict:
    """A Warrington service reserved to UK suppliers, as Find a Tender publishes it."""
    return {
        "ocid": OCID,
        "id": f"{OCID}-tender",
        "date": "2026-11-01T00:00:00Z",
        "tag": ["tender"],
        "tender": {
            "id": "1",
            "title": "Floating support for older people",
            "description": "Tenancy sustainment and floating support.",
            "status": "active",
            "items": [{"id": "1", "deliveryAddresses": [{"region": "UKD61"}], "relatedLot": "1"}],
            "lots": [{"id": "1", "status": "active"}],
            "otherRequirements": {
                "reservedParticipationLocation": {
                    "gazetteer": {"scheme": "GB-ONS", "identifiers": ["K02000001"]}
                }
            },
        },
    }


def test_reserved_uk_tender_is_no_longer_indexed_as_tl(tmp_path):
    path = tmp_path / "v11.consortium"
    shutil.copyfile(V11, path)
    conn = sqlite3.connect(path)
    with conn:
        (tender_id,) = conn.execute("SELECT id FROM tenders WHERE ocid = ?", [OCID]).fetchone()
        conn.execute(
            "UPDATE tender_releases SET raw = ? WHERE ocid = ?",
            [json.dumps(reserved_to_the_uk()), OCID],
        )
        # What the extraction of the time indexed: the reserved location as a delivery place.
        conn.execute("DELETE FROM tender_places WHERE tender_id = ?", [tender_id])
        conn.execute("INSERT INTO tender_places (code, tender_id) VALUES ('TL', ?)", [tender_id])
    conn.close()

    with Workspace.open(path) as ws:
        assert ws.schema_version == migrations.LATEST
        codes = {
            code
            for (code,) in ws.conn.execute(
                "SELECT code FROM tender_places WHERE tender_id = ?", [tender_id]
            )
        }
        assert "TL" not in codes and "UK" not in codes
        assert codes == {"TLD61"}  # Warrington, where the service is delivered
        tender = store.get_tender(ws.db, OCID)
        assert tender.places == ["TLD61"] and tender.reserved_location == ["K02000001"]
        assert ws.check() == []


def test_reindexing_keeps_the_index_of_a_tender_as_an_import_makes_it(demo_ws):
    conn = demo_ws.conn
    before = sorted(conn.execute("SELECT code, tender_id FROM tender_places"))
    cpv = sorted(conn.execute("SELECT code, tender_id FROM tender_cpv"))

    def write():
        with demo_ws.atomic() as db:  # the workspace's one writer
            assert store.reindex_extracted(db.conn) == demo_ws.db["tenders"].count

    demo_ws.write(write)
    assert sorted(conn.execute("SELECT code, tender_id FROM tender_places")) == before
    assert sorted(conn.execute("SELECT code, tender_id FROM tender_cpv")) == cpv
