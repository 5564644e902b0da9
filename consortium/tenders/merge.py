"""Compile the releases of one contracting process (ocid) into one compiled release.

Follows the OCDS 1.1 merging rules through ocdsmerge, with merge rules that ship in the
package (``consortium/data/ocds/merge-rules.json``), so nothing is fetched from the internet.

    compiled, warning = compile_releases(releases)   # warning is None, or a sentence

- Dates are parsed to UTC before ordering (Find a Tender uses ``+01:00`` in summer, Contracts
  Finder mixes ``Z`` and offsets); releases with equal dates keep their input order.
- A release id seen twice is used once.
- Arrays of objects without ``id`` are replaced whole, never appended to (else a tender update
  would double its award criteria).
- If the publisher changed the type of a field between notices (an object in one, a list in the
  next), the latest release wins and a warning says so; the import goes on.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import warnings
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from ocdsmerge.merge import CompiledRelease
from ocdsmerge.rules import get_merge_rules

WHOLE = "wholeListMerge"
OMIT = "omitWhenMerged"

# Arrays of objects that Find a Tender publishes without ``id`` and that neither the core schema
# nor the UK extension describe (they come from other extensions). See research/tender-data.md §8.
ID_LESS_PATHS = [
    "tender.items.deliveryAddresses",
    "awards.items.deliveryAddresses",
    "contracts.items.deliveryAddresses",
    "planning.items.deliveryAddresses",
    "tender.lots.awardCriteria.criteria",
    "tender.awardCriteria.criteria",
    "tender.lots.selectionCriteria.criteria",
    "tender.selectionCriteria.criteria",
    "tender.recurrence.dates",
    "tender.amendments.unstructuredChanges",
    "tender.techniques.frameworkAgreement.buyerLocationRestrictions",
    "parties.details.classifications",
    "parties.additionalContactPoints",
    "links",
    "tender.otherRequirements.reservedParticipation",
]


DATA = Path(__file__).resolve().parents[1] / "data" / "ocds"


def _data(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def _merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch, as OCDS extensions use."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = _merge_patch(out.get(key), value)
    return out


def compute_merge_rules() -> dict[tuple[str, ...], str]:
    """Merge rules from the bundled OCDS 1.1.5 release schema patched with the UK extension."""
    core = json.loads(_data("release-schema-1.1.5.json"))
    uk = json.loads(_data("uk-extension-release-schema.json"))
    rules = get_merge_rules(_merge_patch(core, uk))
    for path in ID_LESS_PATHS:
        rules.setdefault(tuple(path.split(".")), WHOLE)
    return rules


@cache
def merge_rules() -> dict[tuple[str, ...], str]:
    """The bundled merge rules (computed once by ``compute_merge_rules`` and shipped)."""
    stored = json.loads(_data("merge-rules.json"))
    return {tuple(path.split(".")): rule for path, rule in stored["rules"].items()}


def write_merge_rules(path) -> None:
    """Regenerate ``merge-rules.json`` (run when the bundled schemas change)."""
    rules = compute_merge_rules()
    data = {
        "description": "OCDS merge rules: OCDS 1.1.5 release schema + cabinetoffice/ocds_uk_extension"
        " @aa0e43b, plus arrays published without ids (see consortium/tenders/merge.py).",
        "rules": {".".join(k): v for k, v in sorted(rules.items())},
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1)
        f.write("\n")


# ------------------------------------------------------------------------------- dates
_EPOCH = dt.datetime(1, 1, 1, tzinfo=dt.UTC)


def parse_utc(value: Any) -> dt.datetime | None:
    """An OCDS date-time as an aware UTC datetime, or None if missing or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def utc_iso(value: Any) -> str | None:
    """An OCDS date-time as ``YYYY-MM-DDTHH:MM:SSZ`` in UTC (sortable as text), or None."""
    if not isinstance(value, str):
        return None
    return _utc_iso(value)


@lru_cache(maxsize=65536)
def _utc_iso(value: str) -> str | None:
    moment = parse_utc(value)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def sort_releases(releases: list[dict]) -> list[dict]:
    """Dedupe on release id (first copy wins) and order by date in UTC, stably."""
    seen: set = set()
    unique = []
    for release in releases:
        rid = release.get("id")
        if rid in seen:
            continue
        seen.add(rid)
        unique.append(release)
    return sorted(unique, key=lambda r: parse_utc(r.get("date")) or _EPOCH)


# ----------------------------------------------------------------------------- compiling
def compile_single(release: dict) -> dict:
    """The compiled form of a process with one release (what ocdsmerge gives, without its cost)."""
    compiled = {k: v for k, v in release.items() if k not in ("id", "date", "tag")}
    ocid = release.get("ocid")
    compiled["id"] = f"{ocid}-{release.get('date')}"
    compiled["date"] = release.get("date")
    compiled["tag"] = ["compiled"]
    return compiled


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "null" if value is None else "value"


def _walk(obj: Any, rules: dict, found: dict, kinds: dict, path: tuple = ()) -> None:
    """Collect the type of every field path, and id-less object arrays the rules miss."""
    if not isinstance(obj, dict):
        return
    for key, value in obj.items():
        sub = (*path, key)
        kinds.setdefault(sub, set()).add(_kind(value))
        if rules.get(sub) in (WHOLE, OMIT):
            continue
        if isinstance(value, list):
            dicts = [v for v in value if isinstance(v, dict)]
            if dicts and any("id" not in v for v in dicts):
                found[sub] = WHOLE
            for item in dicts:
                _walk(item, rules, found, kinds, sub)
        elif isinstance(value, dict):
            _walk(value, rules, found, kinds, sub)


def _inconsistent(kinds: dict) -> list[str]:
    """Paths that are an object in one release and an array or a value in another."""
    out = []
    for path, seen in kinds.items():
        seen = seen - {"null"}
        if len(seen) > 1 and seen & {"object", "array"}:
            out.append("/".join(path))
    return out


def compile_releases(releases: list[dict]) -> tuple[dict, str | None]:
    """(compiled release, warning or None) for the releases of one ocid."""
    ordered = sort_releases(releases)
    if len(ordered) == 1:
        return compile_single(ordered[0]), None
    rules = merge_rules()
    extra: dict = {}
    kinds: dict = {}
    for release in ordered:
        _walk(release, rules, extra, kinds)
    clashes = _inconsistent(kinds)
    if clashes:
        latest = ordered[-1]
        warning = (
            f"notices for {latest.get('ocid')} disagree on the shape of {clashes[0]} (an object "
            f"in one notice, a list or a value in another); the latest notice "
            f"{latest.get('id')} was used on its own"
        )
        return compile_single(latest), warning
    if extra:
        rules = {**rules, **extra}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            merged = CompiledRelease(merge_rules=rules)
            for release in ordered:
                merged.append(release)
            return merged.asdict(), None
    except Exception as exc:  # ocdsmerge raises several error types for inconsistent data
        latest = ordered[-1]
        warning = (
            f"notices for {latest.get('ocid')} disagree on the shape of a field ({exc}); "
            f"the latest notice {latest.get('id')} was used on its own"
        )
        return compile_single(latest), warning


# ------------------------------------------------------------------------------ JSON text
def _json_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        if value.is_finite():
            if value == value.to_integral_value() and abs(value) < 10**18:
                return int(value)
            as_float = float(value)
            if abs(as_float) < 1e300 and (as_float != 0 or value.is_zero()):
                return as_float
        # Beyond a double (e.g. 1e9999): keep the exact text rather than lose the notice.
        return str(value)
    if isinstance(value, (set, tuple)):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__} as JSON")


def dumps(value: Any) -> str:
    """Compact JSON that never fails on ijson's Decimals (odd numbers are kept as text)."""
    return json.dumps(value, default=_json_default, ensure_ascii=False, separators=(",", ":"))


def dumps_flagged(value: Any) -> tuple[str, bool]:
    """(JSON text, whether a number beyond a double had to be kept as text)."""
    odd = []

    def default(item: Any) -> Any:
        out = _json_default(item)
        if isinstance(out, str) and isinstance(item, decimal.Decimal):
            odd.append(out)
        return out

    text = json.dumps(value, default=default, ensure_ascii=False, separators=(",", ":"))
    return text, bool(odd)
