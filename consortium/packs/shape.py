"""The shape of the JSON inside packs, reviews and key files, checked where the bytes come in.

A signature proves who wrote a file, not that its fields are what this code reads: a signer's
organisation that is a JSON object, or a file size that is a string, must be refused here with
the field named, never reach a database insert or an f-string. One small rule set per file:

    problems = shape.problems(manifest, shape.MANIFEST, "The manifest")
"""

from __future__ import annotations

from typing import Any

from consortium import validation
from consortium.formatting import MAX_MONEY

# A spec is a dict of field -> rule. A rule is a type (or tuple of types), a nested spec dict,
# ``Optional(rule)`` (the field may be missing or null), ``ListOf(rule)`` or ``MapOf(rule)``.


class Optional:
    def __init__(self, rule):
        self.rule = rule


class ListOf:
    def __init__(self, rule):
        self.rule = rule


class MapOf:
    """A JSON object whose keys are strings and whose values all follow ``rule``."""

    def __init__(self, rule):
        self.rule = rule


class _Name:
    """One-line text that names an organisation, a bid or a person (``validation.one_line``:
    a name of 100,000 characters, or with a line break, breaks every list it is shown in)."""


NAME = _Name()


class _Amount:
    """A number a person could mean (money, a percentage): finite, at most ``MAX_MONEY``.
    JSON reads 1e999 as infinity and 400 digits as a whole number no formatter can show."""


AMOUNT = _Amount()

_NAMES = {str: "text", int: "a whole number", dict: "an object", list: "a list", bool: "true/false"}

_FILE = {"size": int, "sha256": str}

MANIFEST = {
    "format": str,
    "format_version": int,
    "created": Optional(str),
    "author": Optional(str),
    "bid": {"id": (int, str), "name": NAME, "status": Optional(str), "ocid": Optional(str)},
    "consortium": Optional({"name": Optional(NAME), "model": Optional(str)}),
    "members": Optional(ListOf(NAME)),
    "signer": {"organisation": NAME, "public_key": str, "fingerprint": Optional(str)},
    "files": MapOf(_FILE),
    "reviewer": Optional({"organisation": NAME, "fingerprint": str}),
}

REVIEW = {
    "format": str,
    "format_version": int,
    "created": Optional(str),
    "pack": {"manifest_sha256": str, "created": Optional(str), "bid": {"name": NAME}},
    "reviewer": {"organisation": NAME, "public_key": str, "fingerprint": Optional(str)},
    "decision": str,
    "reasons": Optional(str),
    "conditions": Optional(str),
    "checklist": Optional(ListOf(dict)),
    "comments": Optional(
        ListOf(
            {
                "anchor_type": str,
                "anchor_id": Optional((str, int)),
                "anchor_label": Optional(str),
                "text": str,
                "author": Optional(str),
                "at": Optional(str),
            }
        )
    ),
}

_NUMBER = AMOUNT
_TEXT = Optional(str)

# The bid data (bid.json) a pack carries, as far as the review reads it. Signed by a key the
# HA may never have seen, so it is checked like any file from outside: a member that is a
# string, a credential's expiry that is a list, crashed the due-diligence checks.
BID_DATA = {
    "bid": Optional(
        {"name": Optional(NAME), "status": _TEXT, "ocid": _TEXT, "contract_start": _TEXT}
    ),
    "consortium": Optional(
        {
            "name": Optional(NAME),
            "model": _TEXT,
            "model_label": _TEXT,
            "fee_percent": Optional(_NUMBER),
            "notes": _TEXT,
        }
    ),
    "members": ListOf(
        {
            "name": NAME,
            "role": _TEXT,
            "lots": Optional(ListOf(str)),
            "charity_number": _TEXT,
            "company_number": _TEXT,
            "turnover": Optional(MapOf(_NUMBER)),
            "credentials": Optional(
                ListOf(
                    {
                        "kind": _TEXT,
                        "type": _TEXT,
                        "reference": _TEXT,
                        "cover": Optional(_NUMBER),
                        "expires": _TEXT,
                    }
                )
            ),
        }
    ),
    "tender": Optional(
        {
            "title": _TEXT,
            "annual_value": Optional(_NUMBER),
            "contract_start": _TEXT,
            "requirements": Optional(ListOf({"key": _TEXT, "label": _TEXT})),
        }
    ),
    "questions": Optional(
        ListOf(
            {
                "ref": Optional((str, int)),
                "position": Optional(int),
                "answer": _TEXT,
                "words": Optional(int),
                "word_limit": Optional(int),
                "over_limit": Optional(bool),
            }
        )
    ),
    "declarations": Optional({"conflicts_of_interest": _TEXT}),
}

PUBLIC_KEY = {"organisation": NAME, "public_key": str}

IDENTITY = {
    "organisation": str,
    "public_key": str,
    "fingerprint": str,
    "words": str,
    "storage": str,
    "created": str,
}

KEY_FILE = {
    "format": str,
    "version": int,
    "kdf": {"salt": str},
    "cipher": str,
    "nonce": str,
    "ciphertext": str,
}


def _is(value: Any, types) -> bool:
    types = types if isinstance(types, tuple) else (types,)
    # JSON true is a Python int; it is never a size or an id.
    if isinstance(value, bool) and bool not in types:
        return False
    return isinstance(value, types)


def _describe(types) -> str:
    types = types if isinstance(types, tuple) else (types,)
    return " or ".join(_NAMES.get(t, t.__name__) for t in types)


def _check(value: Any, rule, where: str, out: list[str]) -> None:
    if isinstance(rule, Optional):
        if value is not None:
            _check(value, rule.rule, where, out)
    elif isinstance(rule, dict):
        if not isinstance(value, dict):
            out.append(f"'{where}' should be an object.")
            return
        for key, sub in rule.items():
            name = f"{where}.{key}" if where else key
            if key not in value:
                if not isinstance(sub, Optional):
                    out.append(f"'{name}' is missing.")
                continue
            _check(value[key], sub, name, out)
    elif isinstance(rule, ListOf):
        if not isinstance(value, list):
            out.append(f"'{where}' should be a list.")
            return
        for i, item in enumerate(value):
            _check(item, rule.rule, f"{where}[{i}]", out)
    elif isinstance(rule, MapOf):
        if not isinstance(value, dict):
            out.append(f"'{where}' should be an object.")
            return
        for key, item in value.items():
            _check(item, rule.rule, f"{where}[{key!r}]", out)
    elif rule is NAME:
        if not isinstance(value, str):
            out.append(f"'{where}' should be text, not {type(value).__name__}.")
            return
        try:
            validation.one_line(value, f"'{where}'")
        except ValueError as exc:
            out.append(str(exc))
    elif rule is AMOUNT:
        # abs() first: a float of infinity or NaN fails the comparison, and a whole number
        # of thousands of digits is never turned into a float (or text) to be tested
        if not _is(value, (int, float)) or not abs(value) <= MAX_MONEY:
            out.append(f"'{where}' should be an amount up to {MAX_MONEY:,}.")
    elif not _is(value, rule):
        out.append(f"'{where}' should be {_describe(rule)}, not {type(value).__name__}.")


def problems(data: Any, spec: dict, what: str, *, limit: int = 5) -> list[str]:
    """Every field of ``data`` that this code reads and that has the wrong type, as sentences
    naming the field (at most ``limit``, so a hostile file cannot flood the window)."""
    if not isinstance(data, dict):
        return [f"{what} is damaged: it is not a JSON object."]
    out: list[str] = []
    _check(data, spec, "", out)
    return [f"{what} is damaged: {p}" for p in out[:limit]]
