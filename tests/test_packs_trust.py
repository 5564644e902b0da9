"""Trust under attack: pinned reviewer keys, forged and misdirected reviews, a sender's key
changing, nothing stored before every check passes, zip-bomb judgement, the key file's KDF."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from pathlib import Path

import keyring
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from keyring.backends import fail

from consortium.bids import records as bids
from consortium.matching import consortia, proposals
from consortium.packs import keys, pack, review, trust
from consortium.workspace import Workspace
from tests.conftest import TODAY, dump

TRUST_TABLES = ("known_senders", "received_packs", "bid_reviews", "review_comments")


def counts(ws: Workspace) -> dict:
    return {t: ws.db[t].count for t in TRUST_TABLES}


@pytest.fixture
def parties(demo_ws, memory_keyring, tmp_path, monkeypatch):
    """The consortium (demo workspace, its own key) and the HA (own home, key, workspace)."""
    result = proposals.propose_for(demo_ws, "ocds-h6vhtk-05a7b0", today=TODAY)
    c = proposals.save_as_consortium(demo_ws, result, 0, "MK domestic abuse")
    bid = bids.create_for_consortium(demo_ws, c.id)
    homes = {"consortium": tmp_path / "consortium-home", "ha": tmp_path / "ha-home"}
    monkeypatch.setenv("CONSORTIUM_HOME", str(homes["ha"]))
    ha_me = keys.create_key("Canalside Homes")
    ha_public = keys.export_public(tmp_path / "canalside.pub.json")
    ha = Workspace.create(tmp_path / "ha" / "ha.consortium")
    monkeypatch.setenv("CONSORTIUM_HOME", str(homes["consortium"]))
    keys.create_key("Milton Keynes Women's Refuge")

    class Parties:
        consortium, the_bid, ha_ws, ha_words, public_file = demo_ws, bid, ha, ha_me.words, ha_public

        def as_(self, who: str) -> None:
            monkeypatch.setenv("CONSORTIUM_HOME", str(homes[who]))

        def send(self, name: str, pin: bool = True) -> Path:
            self.as_("consortium")
            reviewer = trust.read_public_key(ha_public) if pin else None
            words = self.ha_words if pin else None
            return pack.export_pack(
                demo_ws,
                bid.id,
                tmp_path / name,
                documents=[],
                reviewer=reviewer,
                reviewer_words=words,
            )

        def review_of(self, path: Path, decision="return", out="reply.cbreview") -> Path:
            self.as_("ha")
            opened = review.open_for_review(ha, path, TODAY)
            reply = review.Review(
                opened,
                opened.checklist,
                [review.Comment("section", "consortium", "Set the fee.")],
                decision,
                reasons="The fee is not set.",
                conditions="Set the fee" if decision == "approve_with_conditions" else "",
            )
            made = review.export_review(reply, tmp_path / out)
            self.as_("consortium")
            return made

    yield Parties()
    ha.close()


def forge(src: Path, dest: Path, edit, key: Ed25519PrivateKey | None = None) -> Path:
    """Edit a review's body; re-sign it with ``key`` (as an attacker would) or keep the old
    signature."""
    with zipfile.ZipFile(src) as zf:
        body = json.loads(zf.read(pack.MANIFEST))
        signature = zf.read(pack.SIGNATURE)
    edit(body)
    if key is not None:
        raw = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        body["reviewer"]["public_key"] = base64.b64encode(raw).decode()
        body["reviewer"]["fingerprint"] = keys.fingerprint(raw)
    data = json.dumps(body, indent=2, ensure_ascii=False, sort_keys=True).encode()
    if key is not None:
        signature = base64.b64encode(key.sign(data))
    with zipfile.ZipFile(dest, "w") as zf:
        zf.writestr(pack.MANIFEST, data)
        zf.writestr(pack.SIGNATURE, signature)
    return dest


def approve(body: dict) -> None:
    body["decision"] = "approve"


# ============================================================ the consortium pins the HA's key
def test_pin_at_send_needs_the_words_read_over_the_phone(parties, tmp_path):
    ws = parties.consortium
    before = counts(ws)
    with pytest.raises(trust.TrustError, match="do not match"):
        pack.export_pack(
            ws,
            parties.the_bid.id,
            tmp_path / "x.cbpack",
            reviewer=trust.read_public_key(parties.public_file),
            reviewer_words="orbit tackle wrong words",
        )
    assert not (tmp_path / "x.cbpack").exists() and counts(ws) == before
    sent = parties.send("v1.cbpack")
    assert pack.verify_pack(sent).manifest["reviewer"]["organisation"] == "Canalside Homes"
    pinned = ws.db.execute("SELECT confirmed_at FROM known_senders").fetchall()
    assert len(pinned) == 1 and pinned[0][0]


def test_forged_review_resigned_with_another_key_is_refused(parties, tmp_path):
    ws = parties.consortium
    sent = parties.send("v1.cbpack")
    genuine = parties.review_of(sent, "return")
    attacker = Ed25519PrivateKey.generate()
    forged = forge(genuine, tmp_path / "forged.cbreview", approve, attacker)
    assert review.read_review(forged)[2] == []  # the forgery's own signature is valid
    before = dump(ws)
    with pytest.raises(review.KeyNotTrusted) as refused:
        review.import_review(ws, forged)
    message = str(refused.value)
    ha_fp = keys.fingerprint(
        base64.b64decode(trust.read_public_key(parties.public_file).public_key)
    )
    attacker_fp = keys.fingerprint(
        attacker.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
    )
    assert message.startswith("REFUSED")
    assert trust.grouped(ha_fp) in message and trust.grouped(attacker_fp) in message
    assert parties.ha_words in message
    assert dump(ws) == before  # nothing stored: no status, no comments, no key
    assert bids.load(ws.db, parties.the_bid.id).status == "in review"  # as sent
    # Edited without re-signing: the signature no longer matches.
    edited = forge(genuine, tmp_path / "edited.cbreview", approve)
    with pytest.raises(review.ReviewError, match="signature does not match"):
        review.import_review(ws, edited)
    # The genuine review goes in without asking: its key is the one pinned at sending.
    imported = review.import_review(ws, genuine)
    assert (imported.decision, imported.status) == ("return", "returned")
    assert imported.reviewer_fingerprint == ha_fp and not imported.older_version


def test_first_review_without_a_pin_needs_explicit_confirmation(parties, tmp_path):
    ws = parties.consortium
    first = parties.send("v1.cbpack", pin=False)
    reply = parties.review_of(first, "approve_with_conditions")
    before = dump(ws)
    with pytest.raises(review.KeyNotTrusted, match="first review from Canalside Homes"):
        review.import_review(ws, reply)
    with pytest.raises(review.KeyNotTrusted, match="do not match"):
        review.import_review(ws, reply, confirm_words="orbit tackle eight wrong words here")
    assert dump(ws) == before
    got = review.import_review(ws, reply, confirm_words=parties.ha_words.replace(" ", ", "))
    assert got.status == "approved" and got.conditions == "Set the fee"
    # From now on this bid's reviewer is pinned: a second review signed by anyone else fails.
    second = parties.send("v2.cbpack", pin=False)
    later = parties.review_of(second, "return", "second.cbreview")
    forged = forge(later, tmp_path / "f.cbreview", approve, Ed25519PrivateKey.generate())
    with pytest.raises(review.KeyNotTrusted, match="REFUSED"):
        review.import_review(ws, forged)
    assert review.import_review(ws, later).status == "returned"  # the real one needs no words


def test_review_of_another_pack_or_an_older_version(parties, tmp_path):
    ws = parties.consortium
    v1 = parties.send("v1.cbpack")
    old_review = parties.review_of(v1, "approve", "old.cbreview")
    c = consortia.load(ws.db, parties.the_bid.consortium_id)
    c.fee_percent = 6.0
    consortia.save(ws, c)
    parties.send("v2.cbpack")
    got = review.import_review(ws, old_review)
    assert got.older_version and "older version" in got.warnings[0]
    assert got.status == "in review"  # an approval of v1 does not approve v2, sent for review
    assert bids.load(ws.db, parties.the_bid.id).status == "in review"
    assert review.latest_review(ws, parties.the_bid.id)["older_version"] is True
    # A review naming a pack this workspace never sent.
    foreign = forge(
        old_review,
        tmp_path / "foreign.cbreview",
        lambda b: b["pack"].update(manifest_sha256="0" * 64),
        Ed25519PrivateKey.generate(),
    )
    with pytest.raises(review.ReviewError, match="not exported from this workspace"):
        review.import_review(ws, foreign)
    # A review of this pack, taken in against another bid.
    other = bids.create_for_consortium(ws, c.id)
    v3 = parties.send("v3.cbpack")
    reply = parties.review_of(v3, "return", "v3.cbreview")
    with pytest.raises(review.ReviewError, match="not of"):
        review.import_review(ws, reply, bid_id=other.id)
    assert review.import_review(ws, reply, bid_id=parties.the_bid.id).status == "returned"


# ============================================================== the HA: a sender's key changes
def test_changed_sender_key_fails_until_its_words_are_confirmed(parties, tmp_path):
    ha = parties.ha_ws
    first = parties.send("v1.cbpack")
    parties.as_("ha")
    review.open_for_review(ha, first, TODAY)
    old_fp = pack.verify_pack(first).signer["fingerprint"]
    # The consortium's key is replaced (or stolen): same organisation, another key.
    parties.as_("consortium")
    new_me = keys.create_key("Milton Keynes Women's Refuge", replace=True)
    second = pack.export_pack(
        parties.consortium, parties.the_bid.id, tmp_path / "v2.cbpack", documents=[]
    )
    parties.as_("ha")
    before = dump(ha)
    for _ in range(2):  # verifying twice gives the same answer: nothing is remembered
        result = pack.verify_pack(second, ha)
        assert not result.ok and result.sender_status == "changed" and result.only_key_refused
        assert "KEY CHANGED" in result.problems[0]
        assert trust.grouped(old_fp) in result.problems[0]
        assert trust.grouped(new_me.fingerprint) in result.problems[0]
    with pytest.raises(review.PackRefused, match="KEY CHANGED"):
        review.open_for_review(ha, second, TODAY)
    with pytest.raises(review.PackRefused, match="do not match"):
        review.open_for_review(ha, second, TODAY, confirm_words="not the words")
    assert dump(ha) == before
    opened = review.open_for_review(ha, second, TODAY, confirm_words=new_me.words)
    assert opened.received_id and opened.verification.sender_status == "changed"
    assert pack.verify_pack(second, ha).sender_status == "known"
    assert pack.verify_pack(first, ha).sender_status == "changed"  # the old key is replaced
    rows = dict(ha.db.execute("SELECT fingerprint, replaced_by FROM known_senders").fetchall())
    assert rows == {old_fp: new_me.fingerprint, new_me.fingerprint: None}


def test_cli_review_open_verifies_once_and_confirms_by_words(parties, tmp_path, capsys):
    from consortium.cli import main

    first = parties.send("v1.cbpack")
    parties.as_("ha")
    ha_path = str(parties.ha_ws.path)
    assert main(["--workspace", ha_path, "review", "open", str(first), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["verification"]["sender_status"] == "new"  # not "known" from a first pass
    assert "First pack" in shown["verification"]["warnings"][0]
    parties.as_("consortium")
    new_me = keys.create_key("Milton Keynes Women's Refuge", replace=True)
    second = pack.export_pack(
        parties.consortium, parties.the_bid.id, tmp_path / "v2.cbpack", documents=[]
    )
    parties.as_("ha")
    assert main(["--workspace", ha_path, "review", "open", str(second), "--json"]) == 1
    out = capsys.readouterr()
    refused = json.loads(out.out)
    assert refused["sender_status"] == "changed" and refused["key_refused"] is True
    assert refused["key"]["pinned"]["words"] != refused["key"]["words"] == new_me.words
    assert main(["--workspace", ha_path, "review", "open", str(second)]) == 1
    assert "KEY CHANGED" in capsys.readouterr().err
    args = ["--workspace", ha_path, "review", "open", str(second), "--confirm-words", new_me.words]
    assert main(args) == 0
    assert "VERIFIED" in capsys.readouterr().out


def test_cli_pack_export_pins_the_reviewer(parties, tmp_path, capsys):
    from consortium.cli import main

    ws = parties.consortium
    path = str(ws.path)
    base = ["--workspace", path, "pack", "export", str(parties.the_bid.id), "--out"]
    key = ["--reviewer-key", str(parties.public_file)]
    ws.close()
    assert main([*base, str(tmp_path / "a.cbpack"), *key]) == 1
    assert "--reviewer-words" in capsys.readouterr().err
    assert main([*base, str(tmp_path / "a.cbpack"), *key, "--reviewer-words", "wrong"]) == 1
    assert not (tmp_path / "a.cbpack").exists()
    words = ["--reviewer-words", parties.ha_words]
    assert main([*base, str(tmp_path / "a.cbpack"), *key, *words]) == 0
    assert "Only a review signed by Canalside Homes" in capsys.readouterr().out


# ============================================================ nothing stored before it passes
def test_a_crash_between_checks_and_storage_leaves_no_trust_rows(parties, monkeypatch):
    first = parties.send("v1.cbpack")
    parties.as_("ha")
    ha = parties.ha_ws

    def crash(*_a, **_k):
        raise RuntimeError("power cut")

    with monkeypatch.context() as m:
        m.setattr(review, "checklist", crash)  # after verification, before storage
        with pytest.raises(RuntimeError):
            review.open_for_review(ha, first, TODAY)
    assert counts(ha) == dict.fromkeys(TRUST_TABLES, 0)
    with monkeypatch.context() as m:
        m.setattr(type(ha), "audit", crash)  # inside the storing transaction
        with pytest.raises(RuntimeError):
            review.open_for_review(ha, first, TODAY)
    assert counts(ha) == dict.fromkeys(TRUST_TABLES, 0)
    reply = parties.review_of(first, "approve")
    ws = parties.consortium
    before = dump(ws)
    with monkeypatch.context() as m:
        m.setattr(type(ws), "audit", crash)
        with pytest.raises(RuntimeError):
            review.import_review(ws, reply)
    assert dump(ws) == before
    assert review.import_review(ws, reply).status == "approved"


# ================================================================= zip bombs and the key file
def test_own_pack_with_a_megabyte_of_text_opens_but_bombs_do_not(parties, tmp_path):
    ws = parties.consortium
    doc = tmp_path / "Method statement.txt"
    doc.write_text("We will work with every household in the area. " * 22_000, encoding="utf-8")
    assert doc.stat().st_size > 1_000_000
    made = pack.export_pack(ws, parties.the_bid.id, tmp_path / "big.cbpack", documents=[doc])
    with zipfile.ZipFile(made) as zf:
        info = zf.getinfo("documents/Method statement.txt")
        assert info.file_size / info.compress_size > pack.MAX_RATIO  # would have been refused
    assert pack.verify_pack(made).ok
    bomb = tmp_path / "bomb.cbpack"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(pack.MANIFEST, "{}")
        zf.writestr("documents/zeros.bin", b"\0" * (40 * 1024 * 1024))
    problems = pack.verify_pack(bomb).problems
    assert any("possible zip bomb" in p for p in problems), problems


def test_old_pbkdf2_key_file_is_resealed_with_argon2id_on_unlock(tmp_path):
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        me = keys.create_key("Riverside Community Action", passphrase="correct horse battery")
        private = keys.load_private_key("correct horse battery")
        # Write the file as the first release did: PKCS#8, PBKDF2 with 2,048 rounds.
        old = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"correct horse battery"),
        )
        keys.key_file().write_bytes(old)
        with pytest.raises(keys.SigningKeyError, match="does not open"):
            keys.load_private_key("wrong passphrase")
        assert keys.key_file().read_bytes() == old  # a failed unlock changes nothing
        key = keys.load_private_key("correct horse battery")
        assert keys.fingerprint(keys.raw_public(key.public_key())) == me.fingerprint
        text = keys.key_file().read_text()
        assert text.startswith("-----BEGIN CONSORTIUM ENCRYPTED SIGNING KEY-----")
        doc = json.loads(base64.b64decode("".join(text.strip().splitlines()[1:-1])))
        assert doc["kdf"]["name"] == "argon2id" and doc["kdf"]["memory_cost"] >= 19456
        assert (keys.key_file().stat().st_mode & 0o777) == 0o600
        again = keys.load_private_key("correct horse battery")  # the new file opens too
        assert keys.raw_public(again.public_key()) == keys.raw_public(key.public_key())
        doc["kdf"]["memory_cost"] = 8  # a weakened header no longer authenticates
        lines = text.strip().splitlines()
        body = base64.b64encode(json.dumps(doc).encode()).decode()
        keys.key_file().write_text("\n".join([lines[0], body, lines[-1]]) + "\n")
        with pytest.raises(keys.SigningKeyError):
            keys.load_private_key("correct horse battery")
    finally:
        keyring.set_keyring(before)


def test_a_lookalike_name_with_another_key_is_still_a_key_change(parties, tmp_path):
    ha = parties.ha_ws
    first = parties.send("v1.cbpack")
    parties.as_("ha")
    review.open_for_review(ha, first, TODAY)
    attacker = Ed25519PrivateKey.generate()
    raw = attacker.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    with zipfile.ZipFile(first) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    manifest = json.loads(entries[pack.MANIFEST])
    manifest["signer"] = {
        "organisation": "  MILTON KEYNES  women's refuge ",
        "public_key": base64.b64encode(raw).decode(),
        "fingerprint": keys.fingerprint(raw),
    }
    entries[pack.MANIFEST] = json.dumps(manifest, sort_keys=True).encode()
    entries[pack.SIGNATURE] = base64.b64encode(attacker.sign(entries[pack.MANIFEST]))
    forged = tmp_path / "forged.cbpack"
    with zipfile.ZipFile(forged, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    result = pack.verify_pack(forged, ha)
    assert result.sender_status == "changed" and result.only_key_refused


def test_typed_words_in_us_spelling_match_the_uk_words_shown():
    from consortium.packs import keys, trust

    us = next(w for w in keys.UK_SPELLINGS)
    uk = keys.UK_SPELLINGS[us]
    assert trust.words_match(f"able {us.upper()}, zoo", f"able {uk} zoo")
    assert not trust.words_match(f"able {us} zoo", "able other zoo")


# ==================================================== lookalike names, reused keys, strangers
def resign(src: Path, dest: Path, edit, key=None) -> Path:
    """A pack with its manifest edited and signed again (by ``key``, or the signer's own)."""
    with zipfile.ZipFile(src) as zf:
        manifest = json.loads(zf.read(pack.MANIFEST))
        entries = [
            (n, zf.read(n)) for n in zf.namelist() if n not in (pack.MANIFEST, pack.SIGNATURE)
        ]
    edit(manifest)
    key = key or keys.load_private_key()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    manifest["signer"]["public_key"] = base64.b64encode(raw).decode()
    manifest["signer"]["fingerprint"] = keys.fingerprint(raw)
    body = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True).encode()
    return pack.write_signed_zip(dest, body, key.sign(body), entries)


def test_a_lookalike_name_or_mixed_alphabets_are_refused_and_nothing_is_stored(parties, tmp_path):
    """A pack re-signed with a new key under "Milton Keynes Women's Rеfuge" (a Cyrillic е)
    opened as a first pack from a new sender, and later showed a plain green VERIFIED."""
    real = parties.send("real.cbpack")
    parties.as_("ha")
    review.open_for_review(parties.ha_ws, real, TODAY)  # the real lead, trusted here
    before = counts(parties.ha_ws)
    lookalike = resign(
        real,
        tmp_path / "lookalike.cbpack",
        lambda m: m["signer"].update(organisation="Milton Keynes Women's R\u0435fuge"),
        Ed25519PrivateKey.generate(),
    )
    result = pack.verify_pack(lookalike, parties.ha_ws)
    assert not result.ok and result.problems[-1].startswith("LOOKALIKE NAME")
    assert "looks like Milton Keynes Women's Refuge (trusted here)" in result.problems[-1]
    with pytest.raises(review.PackRefused):
        review.open_for_review(parties.ha_ws, lookalike, TODAY, confirm_words="any words")
    # Mixed alphabets in one word, with no trusted sender to look like: refused too.
    mixed = resign(
        real,
        tmp_path / "mixed.cbpack",
        lambda m: m["signer"].update(organisation="Canalsid\u0435 Homes"),
        Ed25519PrivateKey.generate(),
    )
    result = pack.verify_pack(mixed, parties.ha_ws)
    assert not result.ok and "mixes letters of different alphabets" in result.problems[-1]
    assert counts(parties.ha_ws) == before
    # Names of other alphabets, each word in one, are names like any other.
    assert trust.mixed_alphabets("Ελληνική Community Centre") == []
    assert trust.skeleton("Actiοn") == trust.skeleton("ACTION") == "action"


def test_a_trusted_key_under_another_name_or_a_signer_outside_the_consortium_is_flagged(
    parties, tmp_path
):
    real = parties.send("real.cbpack")
    parties.as_("ha")
    review.open_for_review(parties.ha_ws, real, TODAY)
    parties.as_("consortium")
    renamed = resign(
        real,
        tmp_path / "renamed.cbpack",
        lambda m: m["signer"].update(organisation="Ouse Valley Outreach"),
    )
    parties.as_("ha")
    result = pack.verify_pack(renamed, parties.ha_ws)
    assert result.ok and result.sender_status == "new"
    assert any(
        "signed with the key trusted here for Milton Keynes Women's Refuge, but says it is "
        "from Ouse Valley Outreach" in w
        for w in result.warnings
    )
    stranger = resign(
        real,
        tmp_path / "stranger.cbpack",
        lambda m: m["signer"].update(organisation="Unknown Charity"),
        Ed25519PrivateKey.generate(),
    )
    result = pack.verify_pack(stranger, parties.ha_ws)
    assert any(
        "Unknown Charity signed this pack but is not a member of the consortium" in w
        for w in result.warnings
    )
    # The real lead's own pack: a member, and no such warning.
    assert not any("not a member" in w for w in pack.verify_pack(real, parties.ha_ws).warnings)


def test_a_signed_pack_whose_bid_data_is_nested_too_deep_is_refused_not_a_crash(parties, tmp_path):
    real = parties.send("real.cbpack")
    deep = b"[" * 100_000 + b"]" * 100_000

    def swap(manifest):
        manifest["files"]["bid.json"] = {
            "sha256": hashlib.sha256(deep).hexdigest(),
            "size": len(deep),
        }

    forged = resign(real, tmp_path / "deep.cbpack", swap, Ed25519PrivateKey.generate())
    with zipfile.ZipFile(forged) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    entries["bid.json"] = deep
    with zipfile.ZipFile(forged, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    parties.as_("ha")
    before = counts(parties.ha_ws)
    with pytest.raises(review.ReviewError, match="bid data in deep.cbpack cannot be read"):
        review.open_for_review(parties.ha_ws, forged, TODAY)
    assert counts(parties.ha_ws) == before
