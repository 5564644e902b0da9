"""Compiling releases per ocid: same result as ocdsmerge with the bundled rules, plus the traps."""

from __future__ import annotations

import json
from pathlib import Path

import ocdsmerge

from consortium.tenders import merge

FIX = Path(__file__).parent / "fixtures" / "ocds"
FILES = [
    FIX / "fts-release-package-2026-08-12-page-001.json",
    FIX / "fts-selected-civil-society-releases.json",
    FIX / "cf-search-2025-01-20_2025-01-23-page-001.json",
]
RULES_FILE = Path(merge.__file__).resolve().parents[1] / "data" / "ocds" / "merge-rules.json"


def releases_by_ocid() -> dict[str, list[dict]]:
    out: dict[str, dict] = {}
    for path in FILES:
        for r in json.loads(path.read_text(encoding="utf-8"))["releases"]:
            out.setdefault(r["ocid"], {}).setdefault(r["id"], r)
    return {ocid: list(rs.values()) for ocid, rs in out.items()}


def bundled_rules() -> dict:
    data = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    return {tuple(k.split(".")): v for k, v in data["rules"].items()}


def test_bundled_rules_are_the_computed_ones_and_cover_id_less_arrays():
    rules = bundled_rules()
    assert rules == merge.compute_merge_rules() == merge.merge_rules()
    assert rules[("id",)] == rules[("date",)] == rules[("tag",)] == "omitWhenMerged"
    assert rules[("tender", "lots", "awardCriteria", "criteria")] == "wholeListMerge"
    assert rules[("tender", "items", "deliveryAddresses")] == "wholeListMerge"
    assert rules[("tender", "specialRegime")] == "wholeListMerge"  # from the UK extension


def test_compiled_release_equals_ocdsmerge_for_every_multi_release_ocid():
    merger = ocdsmerge.Merger(merge_rules=bundled_rules())
    multi = {o: rs for o, rs in releases_by_ocid().items() if len(rs) > 1}
    assert len(multi) >= 4
    for ocid, rs in multi.items():
        copies = json.loads(json.dumps(rs))
        expected = merger.create_compiled_release(json.loads(json.dumps(rs)))
        compiled, warning = merge.compile_releases(copies)
        assert warning is None, ocid
        assert compiled == expected, ocid
        assert compiled["tag"] == ["compiled"]


def test_id_less_award_criteria_are_not_doubled():
    rs = releases_by_ocid()["ocds-h6vhtk-06e058"]  # Young Carers: tender then tenderUpdate
    compiled, _ = merge.compile_releases(rs)
    latest = max(rs, key=lambda r: r["date"])
    for lot, source_lot in zip(compiled["tender"]["lots"], latest["tender"]["lots"], strict=True):
        assert lot["awardCriteria"]["criteria"] == source_lot["awardCriteria"]["criteria"]
    # Core rules alone would have appended them.
    core = ocdsmerge.Merger(
        merge_rules={k: v for k, v in bundled_rules().items() if "awardCriteria" not in k}
    ).create_compiled_release(json.loads(json.dumps(rs)))
    assert len(core["tender"]["lots"][0]["awardCriteria"]["criteria"]) > len(
        latest["tender"]["lots"][0]["awardCriteria"]["criteria"]
    )


def test_dates_are_ordered_in_utc_not_as_text():
    base = releases_by_ocid()["ocds-h6vhtk-06e058"][0]
    early = json.loads(json.dumps(base))
    late = json.loads(json.dumps(base))
    # As text "…T09:30:00+01:00" sorts after "…T09:00:00Z", but in UTC it is earlier (08:30).
    early.update(id="a", date="2026-08-12T09:30:00+01:00")
    early["tender"]["title"] = "early"
    late.update(id="b", date="2026-08-12T09:00:00Z")
    late["tender"]["title"] = "late"
    compiled, _ = merge.compile_releases([late, early])
    assert compiled["tender"]["title"] == "late"
    assert compiled["date"] == "2026-08-12T09:00:00Z"


def test_duplicate_release_ids_are_used_once():
    rs = releases_by_ocid()["ocds-h6vhtk-06e058"]
    twice = json.loads(json.dumps(rs + rs))
    assert len(merge.sort_releases(twice)) == len(rs)
    compiled, warning = merge.compile_releases(twice)
    assert warning is None
    assert compiled == merge.compile_releases(json.loads(json.dumps(rs)))[0]


def test_single_release_compiles_like_ocdsmerge():
    merger = ocdsmerge.Merger(merge_rules=bundled_rules())
    singles = [rs[0] for rs in releases_by_ocid().values() if len(rs) == 1][:40]
    for r in singles:
        ours = merge.compile_single(json.loads(json.dumps(r)))
        theirs = merger.create_compiled_release([json.loads(json.dumps(r))])
        # ocdsmerge drops empty objects/arrays and nulls; nothing else may differ.
        assert _prune(ours) == _prune(theirs), r["id"]


def _prune(value):
    if isinstance(value, dict):
        out = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def test_json_text_keeps_numbers_beyond_a_double():
    import decimal

    text, odd = merge.dumps_flagged(
        {"a": decimal.Decimal("1e9999"), "b": decimal.Decimal("0.5"), "c": decimal.Decimal("12")}
    )
    assert odd
    assert json.loads(text) == {"a": "1E+9999", "b": 0.5, "c": 12}
    assert merge.dumps_flagged({"a": 1})[1] is False


# ------------------------------------------------------------------ varied notices vs ocdsmerge
def _id_less_paths(obj, rules, path=(), found=None):
    """Reference for the rule compile_releases adds: arrays of objects without ids merge whole."""
    found = {} if found is None else found
    if isinstance(obj, dict):
        for key, value in obj.items():
            sub = (*path, key)
            if rules.get(sub) in ("wholeListMerge", "omitWhenMerged"):
                continue
            if isinstance(value, list):
                dicts = [v for v in value if isinstance(v, dict)]
                if dicts and any("id" not in v for v in dicts):
                    found[sub] = "wholeListMerge"
                for item in dicts:
                    _id_less_paths(item, rules, sub, found)
            elif isinstance(value, dict):
                _id_less_paths(value, rules, sub, found)
    return found


def _vary(release: dict, rng, k: int) -> dict:
    """A later notice for the same process: fields changed, removed, nulled, emptied, added."""
    r = json.loads(json.dumps(release))
    r["id"] = f"{r['id']}-v{k}"
    r["date"] = f"2026-09-{10 + k:02d}T10:00:00+01:00"
    tender = r.setdefault("tender", {})
    moves = [
        lambda: tender.update(title=f"Changed title {k}"),
        lambda: tender.update(description=None),
        lambda: tender.pop("value", None),
        lambda: tender.update(value={"amount": rng.randint(1, 9) * 1000, "currency": "GBP"}),
        lambda: tender.update(lots=[]),
        lambda: tender.update(documents=[]),
        lambda: tender.update(lots=(tender.get("lots") or [])[:1]),
        lambda: tender.update(
            lots=[*(tender.get("lots") or []), {"id": f"new-{k}", "title": f"Lot {k}"}]
        ),
        lambda: [lot.update(title=None) for lot in tender.get("lots") or []],
        lambda: [lot.update(value={"amount": 5}) for lot in tender.get("lots") or []],
        lambda: tender.update(tenderPeriod={"endDate": None}),
        lambda: r.update(parties=(r.get("parties") or [])[::-1]),
        lambda: [p.update(name=None) for p in r.get("parties") or []],
        lambda: r.update(x_notes=[{"text": f"no id {k}"}]),  # id-less, unknown to the rules
        lambda: r.update(x_flags=["a", None, k]),
        lambda: tender.update(status=None),
        lambda: r.pop("planning", None),
        lambda: r.update(awards=[{"id": "a1", "status": "active", "value": {"amount": k}}]),
    ]
    for move in rng.sample(moves, rng.randint(1, 5)):
        move()
    return r


def test_compiled_release_equals_ocdsmerge_on_varied_notices():
    import random

    rng = random.Random(11)
    rules = bundled_rules()
    pool = [rs for rs in releases_by_ocid().values()]
    checked = 0
    for case in range(300):
        base = rng.choice(pool)
        releases = [json.loads(json.dumps(r)) for r in base]
        for k in range(rng.randint(1, 3)):
            releases.append(_vary(rng.choice(releases), rng, k + case % 7))
        compiled, warning = merge.compile_releases(json.loads(json.dumps(releases)))
        extra: dict = {}
        for r in releases:
            _id_less_paths(r, rules, found=extra)
        merger = ocdsmerge.Merger(merge_rules={**rules, **extra})
        expected = merger.create_compiled_release(json.loads(json.dumps(releases)))
        assert warning is None, (case, warning)
        assert compiled == expected, case
        checked += 1
    assert checked == 300


def test_shape_clash_falls_back_to_the_latest_notice():
    rs = releases_by_ocid()["ocds-h6vhtk-06e058"]
    first, second = json.loads(json.dumps(rs[0])), json.loads(json.dumps(rs[0]))
    first["tender"]["value"] = {"amount": 5}
    second.update(id="later", date="2027-01-01T00:00:00Z")
    second["tender"]["value"] = 7
    compiled, warning = merge.compile_releases([first, second])
    assert warning and "disagree on the shape of tender/value (" in warning and "later" in warning
    assert compiled["tender"]["value"] == 7
    assert compiled == merge.compile_single(second)
    # A null never removes an object built from earlier notices (as ocdsmerge).
    second["tender"]["value"] = None
    compiled, warning = merge.compile_releases([first, second])
    assert warning is None and compiled["tender"]["value"] == {"amount": 5}
