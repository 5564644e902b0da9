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
import itertools
import json
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import orjson

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
    from ocdsmerge.rules import get_merge_rules  # loaded with the rules, not at start-up

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


# Dates Contracts Finder writes for "no date": 01/01/2001 in its exports and 01/01/1970 (the
# Unix epoch) in its data. No UK public notice is dated either day, so both mean no date.
NO_DATES = (dt.date(2001, 1, 1), dt.date(1970, 1, 1))


@lru_cache(maxsize=65536)
def _utc_iso(value: str) -> str | None:
    moment = parse_utc(value)
    if moment is None or moment.date() in NO_DATES:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


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
def _bare(release: dict) -> dict:
    """A release as a compiled release, as published (the fallback when merging fails)."""
    compiled = {k: v for k, v in release.items() if k not in ("id", "date", "tag")}
    ocid = release.get("ocid")
    compiled["id"] = f"{ocid}-{release.get('date')}"
    compiled["date"] = release.get("date")
    compiled["tag"] = ["compiled"]
    return compiled


def compile_single(release: dict) -> dict:
    """The compiled form of a process with one release.

    Merged by the same rules as several releases (nulls and empty objects dropped,
    ``omitWhenMerged`` fields left out, array items with the same id merged into one), so a
    notice listing lot "1" twice compiles as one lot, whether it came alone or with others."""
    try:
        try:
            return _clean_single(release)
        except _Repeated:
            return _merge_rules_loop([release])  # items to merge into one: the full merge
    except Exception:  # noqa: BLE001 - a shape the rules cannot merge: as published
        return _bare(release)


class _Repeated(Exception):
    """An array holds two items with the same id: they need merging, not just cleaning."""


def _clean_single(release: dict) -> dict:
    """What :func:`_merge` gives for one release, in one quick walk that copies only what it
    cleans (about 8 times quicker than merging, which matters: most processes have one
    notice). The result shares what needed no change with ``release``: read it, never change
    it (every caller reads it, to extract a tender or write its JSON)."""
    ocid, date = release.get("ocid"), release.get("date")
    out: dict = {"tag": ["compiled"], "id": f"{ocid}-{date}", "date": date, "ocid": ocid}
    tree = _bundled_tree()
    for key, value in release.items():
        if key == "tag":
            continue
        rule, subtree = tree.get(key, _NO_RULE)
        if rule == OMIT or value is None:
            continue
        cleaned = _clean_value(value, rule, subtree)
        if cleaned is not _SKIP:
            out[key] = cleaned
    out["id"], out["date"], out["ocid"] = f"{ocid}-{date}", date, ocid
    return out


_SKIP = object()


def _clean_value(value: Any, rule: str | None, tree: RulesTree) -> Any:
    """``value`` as merging one release leaves it: ``value`` itself when that needs no change
    (most of a notice), so the walk copies only what it cleans."""
    if rule == WHOLE:
        return value
    kind = type(value)
    if kind is dict:
        return _clean_object(value, tree) if value else _SKIP
    if kind is list:
        if not value:
            return _SKIP
        if not all(type(v) is dict for v in value):
            return value
        if not all("id" in v for v in value):
            return value  # objects without ids: merged whole (see compile_releases)
        seen: set[str] = set()
        items = []
        same = True
        for item in value:
            ident = str(item["id"])
            if ident in seen:
                raise _Repeated()
            seen.add(ident)
            cleaned = _clean_item(item, tree)
            same = same and cleaned is item
            items.append(cleaned)
        return value if same else items
    return value


_SCALARS = frozenset((str, int, float, bool))


def _clean_object(obj: dict, tree: RulesTree) -> dict:
    """``obj`` less its nulls, empty values and omitted fields; ``obj`` itself when it has none
    of them. Copying only on the first change made compiling a notice a quarter quicker: half
    of the bench's notices need no change at all, and most objects in the others none."""
    out: dict | None = None
    for i, (key, value) in enumerate(obj.items()):
        if type(value) in _SCALARS:  # most values: kept unless the rules omit the field
            if tree.get(key, _NO_RULE)[0] != OMIT:
                if out is not None:
                    out[key] = value
                continue
            cleaned = _SKIP
        elif value is None:
            cleaned = _SKIP
        else:
            rule, subtree = tree.get(key, _NO_RULE)
            cleaned = _SKIP if rule == OMIT else _clean_value(value, rule, subtree)
            if cleaned is value:
                if out is not None:
                    out[key] = value
                continue
        if out is None:  # the first change: copy what came before it
            out = dict(itertools.islice(obj.items(), i))
        if cleaned is not _SKIP:
            out[key] = cleaned
    return obj if out is None else out


def _clean_item(item: dict, tree: RulesTree) -> dict:
    """An array item keeps its id first, as merging by id builds it."""
    ident = item["id"]
    if type(ident) in _SCALARS and next(iter(item)) == "id":
        return _clean_object(item, tree)  # its id is first already, and kept as it is
    rest = _clean_object({k: v for k, v in item.items() if k != "id"}, tree)
    return rest if ident is None else {"id": ident, **rest}


def _merge_rules_loop(ordered: list[dict]) -> dict:
    tree = _bundled_tree()
    while True:
        try:
            return _merge(ordered, tree)
        except _IdLess as found:
            # Objects without ids (from an extension the rules do not know): merged whole,
            # in every notice, as if the rules said so; then merge again from the start.
            tree = _with_whole(tree, tuple(found.path))


class _Problem(Exception):
    """Merging met a problem at ``path`` (filled in on the way back up, so the walk is quick)."""

    def __init__(self):
        super().__init__()
        self.path: list[str] = []

    def __str__(self) -> str:
        return "/".join(self.path)


class _Clash(_Problem):
    """Two notices disagree on the shape of a field (an object in one, a value in another)."""


class _IdLess(_Problem):
    """An array of objects without ids at a path the rules merge by id: merge it whole."""


class _IdList(list):
    """An array merged by identifier: its objects, and an index of them by ``id`` as text."""

    __slots__ = ("index",)

    def __init__(self):
        super().__init__()
        self.index: dict[str, dict] = {}


# A rules tree: {key: (rule or None, subtree)}, so the merge looks rules up without building paths.
RulesTree = dict[str, tuple[str | None, dict]]
_NO_RULES: RulesTree = {}
_NO_RULE = (None, _NO_RULES)


def rules_tree(rules: dict[tuple[str, ...], str]) -> RulesTree:
    """The merge rules as a tree of keys (see :data:`RulesTree`)."""
    tree: dict = {}
    for path, rule in rules.items():
        node = tree
        for depth, key in enumerate(path):
            old_rule, children = node.get(key, (None, {}))
            if depth == len(path) - 1:
                old_rule = rule
            node[key] = (old_rule, children)
            node = children
    return tree


@cache
def _bundled_tree() -> RulesTree:
    return rules_tree(merge_rules())


def _with_whole(tree: RulesTree, path: tuple[str, ...]) -> RulesTree:
    """A copy of ``tree`` in which the array at ``path`` is merged whole."""
    out = dict(tree)
    key, rest = path[0], path[1:]
    rule, children = out.get(key, _NO_RULE)
    out[key] = (WHOLE, children) if not rest else (rule, _with_whole(children, rest))
    return out


def _merge_object(target: dict, obj: dict, tree: RulesTree, skip_id: bool) -> None:
    """Merge one release's object into ``target`` as OCDS merging does (see compile_releases)."""
    for key, value in obj.items():
        if skip_id and key == "id":
            continue  # an array item keeps the id it was first found by
        rule, subtree = tree.get(key, _NO_RULE)
        if rule == OMIT:
            continue
        kind = type(value)
        try:
            if rule == WHOLE:
                _set_value(target, key, value)
            elif kind is dict:
                if not value:
                    continue  # an empty object changes nothing
                existing = target.get(key)
                if existing is None:
                    target[key] = existing = {}
                elif type(existing) is not dict:
                    raise _Clash()
                _merge_object(existing, value, subtree, False)
            elif kind is list and value and all(type(v) is dict for v in value):
                existing = target.get(key)
                if existing is None:
                    target[key] = existing = _IdList()
                elif type(existing) is not _IdList:
                    raise _Clash()
                index = existing.index
                for item in value:
                    if "id" not in item:
                        raise _IdLess()
                    ident = item["id"]
                    found = index.get(str(ident))
                    if found is None:
                        found = {} if ident is None else {"id": ident}
                        index[str(ident)] = found
                        existing.append(found)
                    _merge_object(found, item, subtree, True)
            elif kind is not list or value:
                _set_value(target, key, value)
            # else: an empty array changes nothing
        except _Problem as problem:
            problem.path.insert(0, key)
            raise


def _set_value(target: dict, key: str, value: Any) -> None:
    """A value, or an array merged whole: the latest wins; null removes it, except that null
    never removes an object or an array built from earlier notices."""
    existing = target.get(key)
    if type(existing) is dict or type(existing) is _IdList:
        if value is None:
            return
        raise _Clash()
    target[key] = value


def _finish(value: Any) -> Any:
    """Drop the nulls left in merged objects; arrays merged by id become plain lists."""
    if type(value) is dict:
        return {k: _finish(v) for k, v in value.items() if v is not None}
    if type(value) is _IdList:
        return [_finish(v) for v in value]
    return value


def _merge(ordered: list[dict], tree: RulesTree) -> dict:
    latest = ordered[-1]
    ocid, date = latest.get("ocid"), latest.get("date")
    out: dict = {"tag": ["compiled"], "id": f"{ocid}-{date}", "date": date, "ocid": ocid}
    for release in ordered:
        _merge_object(out, {k: v for k, v in release.items() if k != "tag"}, tree, False)
    out["id"], out["date"], out["ocid"] = f"{ocid}-{date}", date, ocid
    return _finish(out)


def compile_releases(releases: list[dict]) -> tuple[dict, str | None]:
    """(compiled release, warning or None) for the releases of one ocid.

    The result equals ocdsmerge's ``create_compiled_release`` with the bundled rules (the tests
    check it on real and varied notices), from one walk over the notices instead of ocdsmerge's
    flatten and unflatten. Where ocdsmerge would fail or mix shapes (an object in one notice, a
    value or a list in another, at the same place) the latest notice is used on its own and a
    warning says so. The result may share unchanged parts with ``releases``: read it, never
    change it.
    """
    ordered = sort_releases(releases)
    if len(ordered) == 1:
        return compile_single(ordered[0]), None
    try:
        return _merge_rules_loop(ordered), None
    except _Clash as clash:
        detail = f"the shape of {clash}"
    except Exception as exc:  # any odd data falls back, never aborts the import
        detail = f"the shape of a field ({exc})"
    latest = ordered[-1]
    warning = (
        f"notices for {latest.get('ocid')} disagree on {detail} (an object in one notice, a "
        f"list or a value in another); the latest notice {latest.get('id')} was used on its own"
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
    return dumps_flagged(value)[0]


def dumps_flagged(value: Any, *, floats: bool = True) -> tuple[str, bool]:
    """(JSON text, whether a number beyond a double had to be kept as text).

    orjson writes the text (ten times quicker than ``json``, which took a sixth of an
    import); anything it would write differently from ``json`` goes the slow way: a float
    infinity or NaN (orjson writes null), an integer beyond 64 bits, a lone surrogate.
    ``floats=False`` says ``value`` holds no Python floats (ijson gives Decimals), so a null
    in the text is a null in the notice and needs no second look.
    """
    odd = []

    def default(item: Any) -> Any:
        out = _json_default(item)
        if isinstance(out, str) and isinstance(item, decimal.Decimal):
            odd.append(out)
        elif type(out) is float:  # written as json writes it (orjson would write 1e16 for 1e+16)
            return orjson.Fragment(float.__repr__(out))
        return out

    try:
        data = orjson.dumps(value, default=default)
    except (TypeError, orjson.JSONEncodeError):
        data = None
    if data is None or (floats and b"null" in data):  # null: perhaps an infinity
        return _dumps_json(value)
    return data.decode("utf-8"), bool(odd)


def _dumps_json(value: Any) -> tuple[str, bool]:
    """:func:`dumps_flagged` with the standard library only (also the reference for tests)."""
    odd = []

    def default(item: Any) -> Any:
        out = _json_default(item)
        if isinstance(out, str) and isinstance(item, decimal.Decimal):
            odd.append(out)
        return out

    text = json.dumps(value, default=default, ensure_ascii=False, separators=(",", ":"))
    return text, bool(odd)
