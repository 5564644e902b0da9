"""Packs, reviews and key files whose fields have the wrong JSON type, even when properly
signed, are refused naming the field, and nothing is stored (found by bench/fuzz.py seed 14)."""

from __future__ import annotations

import base64
import json
import zipfile

import pytest
import test_packs

from consortium.packs import keys, pack, review, trust
from consortium.workspace import Workspace

TODAY, make_pack, rewrite = test_packs.TODAY, test_packs.make_pack, test_packs.rewrite
bid_ws = test_packs.bid_ws  # the same fixture: a demo bid and a key in a memory keyring


def resigned(src, dest, name, change):
    """A copy of a pack or review whose JSON ``name`` is changed and signed again by the
    current key: the signature is good, only the shape is wrong."""
    with zipfile.ZipFile(src) as zf:
        body = json.loads(zf.read(name))
    change(body)
    raw = json.dumps(body, sort_keys=True).encode()
    signature = base64.b64encode(keys.load_private_key().sign(raw))
    return rewrite(
        src,
        dest,
        lambda n, d: raw if n == name else (signature if n == pack.SIGNATURE else d),
    )


def _tables(ws):
    return {
        t: ws.db.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0]
        for t in ("known_senders", "received_packs")
        if ws.db[t].exists()
    }


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("signer.organisation", lambda m: m["signer"].update(organisation={"name": "Evil"})),
        ("bid.id", lambda m: m["bid"].update(id={"x": 1})),
        ("bid.name", lambda m: m["bid"].update(name=["a", "list"])),
        ("bid.json", lambda m: m["files"]["bid.json"].update(size="12")),
        ("reviewer", lambda m: m.update(reviewer="Canalside Homes")),
    ],
)
def test_signed_manifest_with_a_field_of_the_wrong_type_is_refused(
    bid_ws, tmp_path, monkeypatch, field, change
):
    ws, bid = bid_ws
    bad = resigned(make_pack(ws, bid, tmp_path), tmp_path / "bad.cbpack", pack.MANIFEST, change)
    result = pack.verify_pack(bad)
    assert not result.ok
    assert any(field in p and "damaged" in p for p in result.problems), result.problems

    monkeypatch.setenv("CONSORTIUM_HOME", str(tmp_path / "ha-home"))
    keys.create_key("Canalside Homes")
    ha = Workspace.create(tmp_path / "ha" / "ha.consortium")
    before = _tables(ha)
    with pytest.raises(review.PackRefused, match="damaged"):
        review.open_for_review(ha, bad, TODAY)
    assert _tables(ha) == before


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("reviewer.organisation", lambda b: b["reviewer"].update(organisation={"o": 1})),
        ("comments[0].text", lambda b: b["comments"][0].update(text=["x"])),
        ("pack.manifest_sha256", lambda b: b["pack"].update(manifest_sha256=7)),
        ("decision", lambda b: b.update(decision="shrug")),
    ],
)
def test_signed_review_with_a_field_of_the_wrong_type_is_refused(
    bid_ws, tmp_path, monkeypatch, field, change
):
    ws, bid = bid_ws
    path = make_pack(ws, bid, tmp_path)
    home = tmp_path / "consortium-home"
    monkeypatch.setenv("CONSORTIUM_HOME", str(tmp_path / "ha-home"))
    keys.create_key("Canalside Homes")
    ha = Workspace.create(tmp_path / "ha" / "ha.consortium")
    opened = review.open_for_review(ha, path, TODAY)
    comments = [review.Comment("section", "consortium", "Set the fee.")]
    good = review.export_review(
        review.Review(opened, opened.checklist, comments, "return", reasons="Fee."),
        tmp_path / "reply.cbreview",
    )
    bad = resigned(good, tmp_path / "bad.cbreview", pack.MANIFEST, change)
    ha.close()
    monkeypatch.setenv("CONSORTIUM_HOME", str(home))
    status = ws.db.execute("SELECT status FROM bids WHERE id = ?", [bid.id]).fetchone()
    with pytest.raises(review.ReviewError, match="damaged") as err:
        review.import_review(ws, bad, confirm_words="anything")
    assert field in str(err.value)
    assert ws.db.execute("SELECT status FROM bids WHERE id = ?", [bid.id]).fetchone() == status
    assert ws.db.execute("SELECT count(*) FROM bid_reviews").fetchone()[0] == 0


def test_public_key_file_whose_organisation_is_an_object_is_refused(bid_ws, tmp_path):
    path = keys.export_public(tmp_path / "ha.pub.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    data["organisation"] = {"name": "Canalside Homes"}
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(trust.TrustError, match="'organisation' should be text"):
        trust.read_public_key(path)


def with_bid_data(src, dest, change):
    """A copy of a pack whose bid data is changed, listed in its manifest with the new hash,
    and signed again by the current key: it verifies; only the bid data's shape is wrong."""
    import hashlib

    with zipfile.ZipFile(src) as zf:
        data = json.loads(zf.read("bid.json"))
        manifest = json.loads(zf.read(pack.MANIFEST))
    change(data)
    raw_data = json.dumps(data).encode()  # Infinity and NaN as Python writes them
    manifest["files"]["bid.json"] = {
        "sha256": hashlib.sha256(raw_data).hexdigest(),
        "size": len(raw_data),
    }
    raw = json.dumps(manifest, sort_keys=True).encode()
    signature = base64.b64encode(keys.load_private_key().sign(raw))
    parts = {"bid.json": raw_data, pack.MANIFEST: raw, pack.SIGNATURE: signature}
    return rewrite(src, dest, lambda n, d: parts.get(n, d))


def _first_credential(data):
    return next(c for m in data["members"] for c in m["credentials"])


@pytest.mark.parametrize(
    ("field", "change"),
    [
        # found by the fuzz sweep's shape swaps on signed packs (tests/fuzzlib.py)
        ("members[0]", lambda d: d["members"].__setitem__(0, "Hope Trust")),
        ("members", lambda d: d.update(members="Hope Trust")),
        ("expires", lambda d: _first_credential(d).update(expires=["2027-01-01"])),
        ("turnover", lambda d: d["members"][0].update(turnover={"2025": float("inf")})),
        ("turnover", lambda d: d["members"][0].update(turnover={"2025": 10**400})),
        ("questions", lambda d: d.update(questions={"ref": "1"})),
        ("name", lambda d: d["members"][0].update(name="Hope\nTrust")),
    ],
)
def test_signed_bid_data_of_the_wrong_shape_is_refused_naming_the_field(
    bid_ws, tmp_path, monkeypatch, field, change
):
    # Each of these crashed the HA's due-diligence checks with a traceback once the pack had
    # verified (AttributeError, TypeError, decimal.InvalidOperation).
    ws, bid = bid_ws
    bad = with_bid_data(make_pack(ws, bid, tmp_path), tmp_path / "bad.cbpack", change)
    assert pack.verify_pack(bad).ok  # the signature is good
    monkeypatch.setenv("CONSORTIUM_HOME", str(tmp_path / "ha-home"))
    keys.create_key("Canalside Homes")
    ha = Workspace.create(tmp_path / "ha" / "ha.consortium")
    before = _tables(ha)
    with pytest.raises(review.PackRefused) as err:
        review.open_for_review(ha, bad, TODAY)
    message = str(err.value)
    assert message.startswith("The bid data in bad.cbpack is damaged:"), message
    assert field in message
    assert _tables(ha) == before


def test_a_lone_surrogate_in_signed_bid_data_is_stored_as_a_replacement(
    bid_ws, tmp_path, monkeypatch
):
    ws, bid = bid_ws
    bad = with_bid_data(
        make_pack(ws, bid, tmp_path),
        tmp_path / "odd.cbpack",
        lambda d: d["consortium"].update(notes="caf\udce9"),
    )
    monkeypatch.setenv("CONSORTIUM_HOME", str(tmp_path / "ha-home"))
    keys.create_key("Canalside Homes")
    ha = Workspace.create(tmp_path / "ha" / "ha.consortium")
    opened = review.open_for_review(ha, bad, TODAY)  # a UnicodeEncodeError when storing
    assert opened.data["consortium"]["notes"] == "caf\ufffd"
