"""The partner registry in a real workspace: every field saved and loaded, audited updates,
delete and undo, "our organisation", and per-person export and erasure."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import asdict, fields

import pytest
from conftest import dump

from consortium.partners import store
from consortium.records import Contact, Credential, Organisation, PastContract

EMAIL = "priya.shah@riverside-hope.example.org"


def full_org(**overrides) -> Organisation:
    """A partner with every field filled in, none at its default."""
    org = Organisation(
        name="Riverside Hope Trust",
        legal_form="cio",
        charity_number="1187654",
        company_number="SC012345",
        address="1 Canal Street, Manchester",
        postcode="M1 3HE",
        website="https://riverside-hope.example.org",
        services="Floating support; tenancy sustainment; peer mentoring",
        cpv_codes=["85311000", "85312000", "03000000"],
        areas=["E08000003", "E08000009", "TLD"],
        beneficiaries=["Homeless people", "People with mental health needs"],
        turnover={2023: 410_000, 2024: 452_500, 2025: 498_000},
        staff=14,
        volunteers=35,
        contacts=[
            Contact(name="Priya Shah", role="CEO", email=EMAIL, phone="0161 496 0000"),
            Contact(name="Tom Reed", role="Bids lead", email="tom@riverside-hope.example.org"),
        ],
        credentials=[
            Credential(
                kind="accreditation",
                type="Matrix Standard",
                expires=dt.date(2027, 3, 31),
                reference="MX-2231",
                notes="Renewal booked",
            ),
            Credential(
                kind="insurance",
                type="Public liability",
                expires=dt.date(2026, 12, 1),
                reference="PL-99",
                cover=5_000_000,
            ),
            Credential(kind="policy", type="Safeguarding", expires=dt.date(2027, 1, 15)),
        ],
        past_contracts=[
            PastContract(
                buyer="Manchester City Council",
                title="Floating support",
                value=1_200_000,
                start_year=2021,
                end_year=2024,
                outcome="Delivered",
            )
        ],
        notes="Met at the VCSE forum.",
        is_ours=False,
    )
    for key, value in overrides.items():
        setattr(org, key, value)
    return org


def comparable(org: Organisation) -> dict:
    """Every field except ids and timestamps, with lists of children ordered stably."""
    data = asdict(org)
    for key in ("id", "created_at", "updated_at"):
        data.pop(key)
    for key in ("contacts", "credentials", "past_contracts"):
        for item in data[key]:
            item.pop("id")
        data[key] = sorted(data[key], key=repr)
    data["cpv_codes"] = sorted(data["cpv_codes"])  # stored as a set, listed in code order
    return data


def audit_rows(ws) -> list[dict]:
    return list(ws.db.query("SELECT * FROM audit ORDER BY id"))


# ---------------------------------------------------------------------------- round trip
def test_save_and_load_every_field(empty_ws):
    org = full_org()
    # The helper must really fill every field, or this test proves less than it says.
    defaults = Organisation(name="")
    unset = [
        f.name
        for f in fields(Organisation)
        if getattr(org, f.name) == getattr(defaults, f.name)
        and f.name not in ("id", "created_at", "updated_at", "is_ours")
    ]
    assert unset == []

    org_id = store.save(empty_ws, org)
    assert org.id == org_id
    loaded = store.load(empty_ws.db, org_id)
    assert comparable(loaded) == comparable(full_org())
    assert loaded.created_at and loaded.updated_at
    assert all(c.id for c in loaded.contacts + loaded.credentials + loaded.past_contracts)
    assert loaded.credentials[1].expires == dt.date(2026, 12, 1)  # a date, not text
    assert store.load_all(empty_ws.db)[0].turnover == {2023: 410_000, 2024: 452_500, 2025: 498_000}
    assert empty_ws.audit_log()[0]["summary"] == "Added partner Riverside Hope Trust"


def test_load_all_sorts_by_name_and_loads_children(demo_ws):
    orgs = store.load_all(demo_ws.db)
    assert len(orgs) == store.count(demo_ws.db) >= 12
    keys = [o.name.lower().removeprefix("the ") for o in orgs]
    assert keys == sorted(keys)
    assert sum(len(o.contacts) for o in orgs) > 0
    assert sum(len(o.credentials) for o in orgs) > 0
    some = orgs[3]
    assert comparable(store.load(demo_ws.db, some.id)) == comparable(some)


def test_load_missing_partner(empty_ws):
    with pytest.raises(store.NotFound, match="no partner with id 99"):
        store.load(empty_ws.db, 99)


def test_invalid_partner_is_not_saved(demo_ws):
    before = dump(demo_ws)
    with pytest.raises(store.PartnerError) as err:
        store.save(demo_ws, full_org(charity_number="12AB", postcode="nowhere"))
    message = str(err.value)
    assert "'Riverside Hope Trust' cannot be saved" in message
    assert "charity_number: '12AB' is not a charity number" in message
    assert "postcode:" in message
    assert dump(demo_ws) == before


def test_save_many_is_all_or_nothing(demo_ws):
    before = dump(demo_ws)
    with pytest.raises(store.PartnerError):
        store.save_many(demo_ws, [full_org(), Organisation(name="Bad", areas=["E99999999"])])
    assert dump(demo_ws) == before


# ---------------------------------------------------------------------------------- update
def test_update_is_audited_with_a_diff(empty_ws):
    org_id = store.save(empty_ws, full_org())
    org = store.load(empty_ws.db, org_id)
    created_at = org.created_at
    org.staff = 16
    org.areas.append("E08000007")
    org.turnover[2026] = 510_000
    org.contacts[0].email = "priya@new.example.org"
    store.save(empty_ws, org)

    entry = empty_ws.audit_log(limit=1)[0]
    assert entry["action"] == "update"
    assert entry["entity_id"] == str(org_id)
    assert entry["summary"].startswith("Changed Riverside Hope Trust:")
    changes = json.loads(entry["changes"])
    assert changes["staff"] == [14, 16]
    assert changes["areas"][1][-1] == "E08000007"
    assert changes["turnover"][1]["2026"] == 510_000
    assert changes["contacts"] == ["changed"]  # named, never copied
    assert set(changes) == {"staff", "areas", "turnover", "contacts"}
    assert EMAIL not in entry["changes"] and "priya@new" not in entry["changes"]

    again = store.load(empty_ws.db, org_id)
    assert again.staff == 16 and again.created_at == created_at
    assert store.count(empty_ws.db) == 1


def test_saving_without_changes_writes_no_audit_entry(empty_ws):
    org_id = store.save(empty_ws, full_org())
    entries = len(audit_rows(empty_ws))
    store.save(empty_ws, store.load(empty_ws.db, org_id))
    assert len(audit_rows(empty_ws)) == entries


def test_diff_names_each_changed_field():
    before = full_org()
    after = full_org(notes="  ", website="https://new.example.org")
    after.credentials[0].expires = dt.date(2028, 3, 31)
    changes = store.diff(before, after)
    assert set(changes) == {"notes", "website", "credentials"}
    assert changes["notes"] == ["Met at the VCSE forum.", "  "]
    assert store.diff(before, full_org(notes="Met at the VCSE forum. ")) == {}


# ------------------------------------------------------------------------ delete, restore
def test_delete_and_restore_keep_the_id_and_every_child(demo_ws):
    org_id = store.save(demo_ws, full_org())
    saved = store.load(demo_ws.db, org_id)
    child_ids = sorted(
        (type(c).__name__, c.id) for c in saved.contacts + saved.credentials + saved.past_contracts
    )
    count = store.count(demo_ws.db)

    snapshot = store.delete(demo_ws, org_id)
    assert store.count(demo_ws.db) == count - 1
    for table in ("contacts", "credentials", "past_contracts", "org_cpv", "org_areas", "turnover"):
        assert demo_ws.db.execute(
            f"SELECT count(*) FROM {table} WHERE org_id = ?", [org_id]
        ).fetchone() == (0,)
    assert demo_ws.audit_log(limit=1)[0]["action"] == "delete"
    with pytest.raises(store.NotFound):
        store.load(demo_ws.db, org_id)

    assert store.restore(demo_ws, snapshot) == org_id
    back = store.load(demo_ws.db, org_id)
    assert comparable(back) == comparable(saved)
    assert back.created_at == saved.created_at
    assert (
        sorted(
            (type(c).__name__, c.id) for c in back.contacts + back.credentials + back.past_contracts
        )
        == child_ids
    )
    assert demo_ws.audit_log(limit=1)[0]["action"] == "restore"
    assert demo_ws.check() == []
    with pytest.raises(store.PartnerError, match="already in the workspace"):
        store.restore(demo_ws, snapshot)


# --------------------------------------------------------------------- our organisation
def ours_ids(ws) -> list[int]:
    return [r[0] for r in ws.db.execute("SELECT id FROM organisations WHERE is_ours = 1")]


def test_only_one_organisation_is_ours(demo_ws):
    first = store.ours(demo_ws.db)
    assert first is not None  # the demo has one
    new_id = store.save(demo_ws, full_org(is_ours=True))
    assert ours_ids(demo_ws) == [new_id]
    assert store.ours(demo_ws.db).name == "Riverside Hope Trust"

    store.set_ours(demo_ws, first.id)
    assert ours_ids(demo_ws) == [first.id]
    store.set_ours(demo_ws, None)
    assert ours_ids(demo_ws) == []
    assert store.ours(demo_ws.db) is None

    store.set_ours(demo_ws, new_id)

    def write():
        with demo_ws.atomic():  # the schema refuses it too
            demo_ws.db.execute("UPDATE organisations SET is_ours = 1 WHERE id = ?", [first.id])

    with pytest.raises(sqlite3.IntegrityError):
        demo_ws.write(write)
    assert ours_ids(demo_ws) == [new_id]


def test_set_ours_for_a_missing_partner_changes_nothing(demo_ws):
    before = dump(demo_ws)
    with pytest.raises(store.NotFound):
        store.set_ours(demo_ws, 4242)
    assert dump(demo_ws) == before


# --------------------------------------------------------------------------- find_existing
def test_find_existing_by_charity_then_company_then_name(empty_ws):
    hope = store.save(empty_ws, Organisation(name="The Hope Trust Ltd", charity_number="1123456"))
    acme = store.save(empty_ws, Organisation(name="Acme Care CIC", company_number="07654321"))
    db = empty_ws.db
    assert store.find_existing(db, Organisation(name="Other", charity_number="1123456")) == hope
    assert store.find_existing(db, Organisation(name="Other", company_number="07654321")) == acme
    assert store.find_existing(db, Organisation(name="hope trust")) == hope
    assert store.find_existing(db, Organisation(name="ACME CARE")) == acme
    assert store.find_existing(db, Organisation(name="Hope Foundation")) is None
    # A different charity number is a different organisation... unless the name is the same.
    assert store.find_existing(db, Organisation(name="Else", charity_number="1999999")) is None


# --------------------------------------------------------------------------- personal data
def test_export_and_erase_one_person(empty_ws):
    org_id = store.save(empty_ws, full_org())
    org = store.load(empty_ws.db, org_id)
    org.contacts[0].role = "Chief executive"  # an audited update that involves the person
    store.save(empty_ws, org)

    found = store.contacts_matching(empty_ws.db, "priya")
    assert [c["email"] for c in found] == [EMAIL]
    assert store.contacts_matching(empty_ws.db, "0161 496")[0]["name"] == "Priya Shah"
    person = store.export_person(empty_ws.db, found[0]["id"])
    assert person == {
        "name": "Priya Shah",
        "role": "Chief executive",
        "email": EMAIL,
        "phone": "0161 496 0000",
        "organisation": "Riverside Hope Trust",
    }

    store.erase_person(empty_ws, found[0]["id"])
    assert store.contacts_matching(empty_ws.db, "priya") == []
    assert [c.name for c in store.load(empty_ws.db, org_id).contacts] == ["Tom Reed"]
    with pytest.raises(store.NotFound):
        store.export_person(empty_ws.db, found[0]["id"])
    # Nothing about her is left anywhere in the workspace, the audit log included.
    everything = "\n".join(dump(empty_ws)).lower()
    for trace in (EMAIL, "priya", "shah", "0161 496 0000"):
        assert trace.lower() not in everything
    entry = empty_ws.audit_log(limit=1)[0]
    assert entry["action"] == "erase" and entry["entity"] == "contact"


def test_erase_missing_person(empty_ws):
    with pytest.raises(store.NotFound):
        store.erase_person(empty_ws, 12345)


def test_erased_person_is_gone_from_the_file_bytes(demo_ws):
    """Not just the tables: free pages and the write-ahead log hold no copy of the person."""
    rows = store.contacts_matching(demo_ws.db, "priya@northsideyoungcarers.org.uk")
    assert len(rows) == 1
    needle = b"priya@northsideyoungcarers.org.uk"
    store.erase_person(demo_ws, rows[0]["id"])
    for path in (demo_ws.path, demo_ws.path.with_name(demo_ws.path.name + "-wal")):
        if path.exists():
            assert needle not in path.read_bytes(), path.name
