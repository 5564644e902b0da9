"""Signed bid packs and the HA review round trip, with the keyring faked in memory."""

from __future__ import annotations

import base64
import datetime as dt
import json
import zipfile
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from consortium import secrets
from consortium.bids import records as bids
from consortium.matching import consortia, proposals
from consortium.packs import keys, pack, review
from consortium.workspace import Workspace

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def bid_ws(demo_ws, memory_keyring):
    result = proposals.propose_for(demo_ws, "ocds-h6vhtk-05a7b0", today=TODAY)
    c = proposals.save_as_consortium(demo_ws, result, 0, "MK domestic abuse")
    bid = bids.create_for_consortium(demo_ws, c.id)
    keys.create_key("Milton Keynes Women's Refuge")
    return demo_ws, bid


def make_pack(ws, bid, tmp_path: Path, name="bid.cbpack") -> Path:
    doc = tmp_path / "Joint bid.txt"
    doc.write_text("The joint bid & <answers>", encoding="utf-8")
    evidence = tmp_path / "insurance.pdf"
    evidence.write_bytes(b"%PDF-1.4 certificate" * 100)
    return pack.export_pack(ws, bid.id, tmp_path / name, documents=[doc], evidence=[evidence])


def rewrite(src: Path, dest: Path, change) -> Path:
    """Copy a zip entry by entry, letting ``change(name, data)`` alter, drop (None) or add."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w") as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)
    return dest


# ------------------------------------------------------------------------------ keys
def test_key_in_keyring_with_words_to_read_aloud(memory_keyring):
    me = keys.create_key("Riverside Community Action")
    assert me.storage == "keyring" and len(me.words.split()) == 8
    assert keys.fingerprint_words(me.public_bytes()) == me.words
    assert not keys.key_file().exists()
    assert keys.load_private_key() is not None
    with pytest.raises(keys.SigningKeyError, match="already exists"):
        keys.create_key("Riverside Community Action")


def test_no_keyring_says_so_and_offers_a_passphrase_file():
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        assert not secrets.keyring_available()
        with pytest.raises(secrets.NoKeyring, match="passphrase"):
            keys.create_key("Riverside Community Action")
        assert keys.identity() is None
        me = keys.create_key("Riverside Community Action", passphrase="correct horse battery")
        assert me.storage == "file"
        text = keys.key_file().read_text()
        assert "CONSORTIUM ENCRYPTED SIGNING KEY" in text and "argon2id" in str(
            base64.b64decode("".join(text.splitlines()[1:-1]))
        )
        with pytest.raises(keys.SigningKeyError, match="passphrase does not open"):
            keys.load_private_key("wrong passphrase")
        with pytest.raises(keys.SigningKeyError, match="protected by a passphrase"):
            keys.load_private_key()
        assert keys.load_private_key("correct horse battery") is not None
    finally:
        keyring.set_keyring(before)


# ------------------------------------------------------------------------- export / verify
def test_round_trip_export_verify_review_and_back(bid_ws, tmp_path, monkeypatch, empty_template):
    ws, bid = bid_ws
    path = make_pack(ws, bid, tmp_path)
    result = pack.verify_pack(path)
    assert result.ok, result.problems
    assert result.signer["organisation"] == "Milton Keynes Women's Refuge"
    assert result.manifest["members"] == ["Milton Keynes Women's Refuge", "Ouse Valley Outreach"]
    assert set(result.manifest["files"]) == {
        "bid.json",
        "documents/Joint bid.txt",
        "evidence/insurance.pdf",
    }

    # The housing association, on its own computer with its own key and workspace.
    monkeypatch.setenv("CONSORTIUM_HOME", str(tmp_path / "ha-home"))
    ha_words = keys.create_key("Canalside Homes").words
    ha = Workspace.create(tmp_path / "ha" / "ha.consortium")
    opened = review.open_for_review(ha, path, TODAY)
    assert opened.verification.sender_status == "new"
    assert any("Phone them" in w for w in opened.verification.warnings)
    foundations = {c.foundation for c in opened.checklist}
    assert foundations == set(review.FOUNDATIONS)
    policies = next(c for c in opened.checklist if c.item.startswith("Safeguarding"))
    assert policies.status == review.FAIL  # they expire before the contract starts
    coi = next(c for c in opened.checklist if c.item.startswith("Conflicts"))
    assert coi.status == review.WARN
    again = pack.verify_pack(path, ha)
    # Trusted on first sight, never checked: it stays amber until its words are.
    assert again.sender_status == "known"
    assert [w for w in again.warnings if "has not been checked with them yet" in w]
    sender_words = again.signer["words"]
    with pytest.raises(review.PackRefused):
        review.open_for_review(ha, path, TODAY, confirm_words="wrong words entirely")
    review.open_for_review(ha, path, TODAY, confirm_words=sender_words.upper())
    again = pack.verify_pack(path, ha)
    assert again.sender_status == "known" and not again.warnings
    comments = [
        review.Comment("member", "Ouse Valley Outreach", "Please add your outreach staffing."),
        review.Comment("section", "consortium", "Set the management fee."),
    ]
    out = review.export_review(
        review.Review(opened, opened.checklist, comments, "return", reasons="The fee is not set."),
        tmp_path / "reply.cbreview",
    )
    ha.close()

    # Back at the consortium.
    monkeypatch.setenv("CONSORTIUM_HOME", str(tmp_path / "consortium-home"))
    with pytest.raises(review.KeyNotTrusted, match="first review from Canalside Homes"):
        review.import_review(ws, out)  # the first review needs its words confirmed
    assert bids.load(ws.db, bid.id).status == "in review"  # as sent
    imported = review.import_review(ws, out, confirm_words=ha_words)
    assert (imported.decision, imported.status, imported.comments) == ("return", "returned", 2)
    assert bids.load(ws.db, bid.id).status == "returned"
    got = review.comments_for(ws, bid.id)
    assert [(c["anchor_type"], c["anchor_id"]) for c in got] == [
        ("member", "Ouse Valley Outreach"),
        ("section", "consortium"),
    ]
    assert "Canalside Homes: Returned for changes" in ws.audit_log(5)[0]["summary"]
    with pytest.raises(review.ReviewError, match="already been imported"):
        review.import_review(ws, out)


def test_review_checks_and_readiness_use_one_rule_on_the_contract_start(bid_ws, tmp_path):
    from consortium.bids import readiness

    ws, bid = bid_ws
    report = readiness.check(ws, bid.id, today=TODAY)
    assert report.judged_on == dt.date(2027, 6, 7)
    documents = {
        i.message for i in report.items if i.where.get("field", "").startswith("credentials:")
    }
    assert any("safeguarding policy expires on 22 May 2027" in m for m in documents)
    data = pack.read_bid_json(make_pack(ws, bid, tmp_path))
    assert data["bid"]["contract_start"] == "2027-06-07"
    checks = {c.item: c for c in review.due_diligence(data, TODAY)}
    evidence = {
        e
        for item in (
            "Insurances and accreditations valid on the contract start",
            "Safeguarding and data protection policies present and in date",
        )
        for e in checks[item].evidence
    }
    assert evidence == documents  # the same findings, word for word
    assert checks["Safeguarding and data protection policies present and in date"].status == "fail"
    # Renewed past the start on both sides: both pass.
    from consortium.partners import store

    for m in consortia.load(ws.db, bid.consortium_id).members:
        org = store.load(ws.db, m.org_id)
        for cr in org.credentials:
            cr.expires = dt.date(2028, 1, 1)
        store.save(ws, org)
    report = readiness.check(ws, bid.id, today=TODAY)
    left = {i.code for i in report.items if i.where.get("field", "").startswith("credentials:")}
    data = pack.read_bid_json(make_pack(ws, bid, tmp_path, "renewed.cbpack"))
    policies = next(c for c in review.due_diligence(data, TODAY) if c.item.startswith("Safe"))
    assert policies.status == "pass" and "document_expired" not in left


def test_resubmitted_pack_shows_what_changed(bid_ws, tmp_path, monkeypatch):
    from consortium.bids import questions

    ws, bid = bid_ws
    q = questions.Question(bid_id=bid.id, ref="Q7", text="How will you reach isolated people?")
    q.answer = "Through outreach workers in every ward, " * 10
    (q,) = questions.add_questions(ws, bid.id, [q])
    first = make_pack(ws, bid, tmp_path, "v1.cbpack")
    c = consortia.load(ws.db, bids.load(ws.db, bid.id).consortium_id)
    c.fee_percent = 6.0
    consortia.save(ws, c)
    q.answer = "We will not offer interpreters."
    questions.save(ws, q)
    second = make_pack(ws, bid, tmp_path, "v2.cbpack")
    monkeypatch.setenv("CONSORTIUM_HOME", str(tmp_path / "ha-home"))
    ha = Workspace.create(tmp_path / "ha" / "ha.consortium")
    assert review.open_for_review(ha, first, TODAY).changes == []
    changes = review.open_for_review(ha, second, TODAY).changes
    assert any(ch.startswith("consortium.fee_percent: null → 6.0") for ch in changes)
    # An answer changed: which question, how long it was and is, not a block of JSON.
    assert (
        "questions[Q7].answer: changed (60 → 5 words), now “We will not offer interpreters.”"
        in (changes)
    )
    assert not [ch for ch in changes if ch.startswith(("questions:", "members["))]
    assert "questions[Q7].words: 60 → 5" not in changes  # said once, by the answer
    ha.close()


@pytest.mark.parametrize(
    "tamper, message",
    [
        ("document", "'documents/Joint bid.txt' was changed after the pack was signed"),
        ("added", "'documents/extra.txt' was added to the pack after it was signed"),
        ("removed", "'evidence/insurance.pdf' is listed in the manifest but missing"),
        ("manifest", "The signature does not match"),
        ("other key", "The signature does not match"),
        ("unsigned", "The pack is not signed"),
    ],
)
def test_tampering_is_caught(bid_ws, tmp_path, tamper, message):
    ws, bid = bid_ws
    good = make_pack(ws, bid, tmp_path)
    other = keys.Ed25519PrivateKey.generate()

    def change(name, data):
        if tamper == "document" and name == "documents/Joint bid.txt":
            return data[:-1] + bytes([data[-1] ^ 1])  # one byte
        if tamper == "removed" and name == "evidence/insurance.pdf":
            return None
        if tamper == "manifest" and name == pack.MANIFEST:
            return data.replace(b"MK domestic abuse", b"MK domestic abusf")
        if tamper == "other key" and name == pack.SIGNATURE:
            return base64.b64encode(other.sign(b"anything"))
        if tamper == "unsigned" and name == pack.SIGNATURE:
            return None
        return data

    bad = rewrite(good, tmp_path / "bad.cbpack", change)
    if tamper == "added":
        with zipfile.ZipFile(bad, "a") as zf:
            zf.writestr("documents/extra.txt", "slipped in")
    result = pack.verify_pack(bad)
    assert not result.ok
    assert any(message in p for p in result.problems), result.problems
    with pytest.raises(review.ReviewError, match="cannot be reviewed"):
        review.open_for_review(ws, bad)


def test_pack_from_a_newer_format_is_refused_clearly(bid_ws, tmp_path):
    ws, bid = bid_ws
    good = make_pack(ws, bid, tmp_path)
    private = keys.load_private_key()

    with zipfile.ZipFile(good) as zf:
        manifest = json.loads(zf.read(pack.MANIFEST))
    manifest["format_version"] = 99
    body = json.dumps(manifest, sort_keys=True).encode()
    bad = rewrite(
        good,
        tmp_path / "new.cbpack",
        lambda n, d: (
            body
            if n == pack.MANIFEST
            else (base64.b64encode(private.sign(body)) if n == pack.SIGNATURE else d)
        ),
    )
    result = pack.verify_pack(bad)
    assert not result.ok and "newer version of Consortium" in result.problems[0]


def test_truncated_and_empty_packs(bid_ws, tmp_path):
    ws, bid = bid_ws
    good = make_pack(ws, bid, tmp_path)
    data = good.read_bytes()
    (tmp_path / "short.cbpack").write_bytes(data[: len(data) // 2])
    (tmp_path / "empty.cbpack").write_bytes(b"")
    assert "truncated" in pack.verify_pack(tmp_path / "short.cbpack").problems[0]
    assert "empty" in pack.verify_pack(tmp_path / "empty.cbpack").problems[0]


# ------------------------------------------------------------------------- hostile zips
def hostile(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"{kind}.cbpack"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            pack.MANIFEST, json.dumps({"format": pack.FORMAT, "format_version": 1, "files": {}})
        )
        if kind == "dotdot":
            zf.writestr("../../evil.txt", "x")
        elif kind == "absolute":
            zf.writestr("/etc/evil.txt", "x")
        elif kind == "symlink":
            info = zipfile.ZipInfo("documents/link")
            info.external_attr = 0o120777 << 16
            zf.writestr(info, "/etc/passwd")
        elif kind == "duplicate":
            zf.writestr("documents/a.txt", "1")
            zf.writestr("documents/a.txt", "2")
        elif kind == "bomb":
            zf.writestr("documents/zeros.bin", b"\0" * (50 * 1024 * 1024))
        elif kind == "many":
            for i in range(80_000):
                zf.writestr(f"evidence/{i}.txt", "")
    return path


@pytest.mark.parametrize(
    "kind, words",
    [
        ("dotdot", "points outside the bid pack"),
        ("absolute", "points outside the bid pack"),
        ("symlink", "is a link"),
        ("duplicate", "appears twice"),
        ("bomb", "possible zip bomb"),
        ("many", "holds 80,001 files"),
    ],
)
def test_hostile_zips_are_refused_before_anything_is_written(tmp_path, kind, words):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name we make on purpose
        path = hostile(tmp_path, kind)
    result = pack.verify_pack(path)
    assert not result.ok and any(words in p for p in result.problems), result.problems
    out = tmp_path / "out"
    with pytest.raises(pack.PackError):
        pack.extract_documents(path, out)
    assert not out.exists()
    assert not (tmp_path.parent / "evil.txt").exists()


# ------------------------------------------------------------------------- no key leaks
def test_private_key_never_lands_in_workspace_logs_or_pack(bid_ws, tmp_path, memory_keyring):
    ws, bid = bid_ws
    path = make_pack(ws, bid, tmp_path)
    pem = keys.load_private_key().private_bytes(
        keys.serialization.Encoding.Raw,
        keys.serialization.PrivateFormat.Raw,
        keys.serialization.NoEncryption(),
    )
    needles = [pem, base64.b64encode(pem), pem.hex().encode()]
    stored = next(iter(memory_keyring.store.values())).encode()
    needles.append(stored.split(b"\n")[1])  # a line of the PEM body as kept in the keyring
    ws.close()
    places = [path, *ws.path.parent.rglob("*")]
    from consortium import home

    places += [p for p in home.home_dir().rglob("*")]
    for place in places:
        if place.is_file():
            data = place.read_bytes()
            for needle in needles:
                assert needle not in data, place


def test_cli_round_trip(bid_ws, tmp_path, monkeypatch, capsys):
    from consortium.cli import main

    ws, bid = bid_ws
    path = str(ws.path)
    ws.close()
    out = tmp_path / "cli.cbpack"
    assert main(["--workspace", path, "pack", "export", str(bid.id), "--out", str(out)]) == 0
    assert main(["--workspace", path, "pack", "verify", str(out), "--json"]) == 0
    verified = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert verified["ok"] and verified["signer"]["organisation"] == "Milton Keynes Women's Refuge"
    monkeypatch.setenv("CONSORTIUM_HOME", str(tmp_path / "ha-home"))
    ha = tmp_path / "ha.consortium"
    assert main(["init", str(ha)]) == 0
    assert (
        main(["--workspace", str(ha), "keys", "create", "--organisation", "Canalside Homes"]) == 0
    )
    ha_words = keys.identity().words
    assert main(["--workspace", str(ha), "review", "open", str(out), "--json"]) == 0
    capsys.readouterr()
    reply = tmp_path / "reply.cbreview"
    args = [
        "--workspace",
        str(ha),
        "review",
        "export",
        str(out),
        "--decision",
        "return",
        "--out",
        str(reply),
    ]
    assert main(args + ["--comment", "question:3:Add figures"]) == 1  # returning needs a reason
    assert "Give your reasons" in capsys.readouterr().err
    assert main(args + ["--reason", "Figures missing", "--comment", "question:3:Add figures"]) == 0
    assert "Note:" not in capsys.readouterr().out  # returned: nothing to warn of
    approving = [*args[:-3], "approve", "--out", str(tmp_path / "approval.cbreview")]
    assert main(approving) == 0
    said = capsys.readouterr().out
    assert "Note: " in said and "not checked yet; approved as asked." in said
    monkeypatch.setenv("CONSORTIUM_HOME", str(tmp_path / "consortium-home"))
    assert main(["--workspace", path, "review", "import", str(reply), "--json"]) == 1
    refused = capsys.readouterr()
    assert "first review from Canalside Homes" in refused.err
    assert json.loads(refused.out)["key"]["words"] == ha_words
    assert json.loads(refused.out)["imported"] is False
    confirm = ["--confirm-words", ha_words.upper()]
    assert main(["--workspace", path, "review", "import", str(reply), "--json", *confirm]) == 0
    printed = capsys.readouterr().out
    assert json.loads(printed[printed.index("{") :])["status"] == "returned"
    again = Workspace.open(path)
    assert bids.load(again.db, bid.id).status == "returned"
    assert review.comments_for(again, bid.id)[0]["anchor_id"] == "3"
    again.close()
    (tmp_path / "junk.cbpack").write_text("not a zip")
    assert main(["--workspace", path, "pack", "verify", str(tmp_path / "junk.cbpack")]) == 1
