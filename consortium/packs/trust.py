"""Whose keys this workspace trusts: the counterpart's key pinned, and checked against each file.

A signature proves a key, not a person. So each side pins the other's key, confirmed by its
fingerprint words read over the phone, and refuses anything signed by another:

    check = key_check(ws, "Canalside Homes", public_key_b64)     # read-only
    check.status      # "known", "new" (never seen) or "changed" (another key is pinned)
    words_match(typed, check.words)                               # the user's confirmation
    with ws.atomic():
        remember(ws, check, confirmed=True)                       # only once every check passed

Nothing here writes except :func:`remember` and :func:`pin_reviewer`, and callers call them
inside the same transaction as whatever else they store, after every check has passed.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

from consortium.changes import KEYS
from consortium.errors import ConsortiumError
from consortium.formatting import possessive
from consortium.packs import keys, shape
from consortium.workspace import Workspace

KNOWN, NEW, CHANGED = "known", "new", "changed"


class TrustError(ConsortiumError):
    pass


@dataclass
class KeyCheck:
    organisation: str  # who the file says signed it
    public_key: str  # base64 of the raw key that really signed it
    fingerprint: str
    words: str
    status: str  # known / new / changed
    pinned: dict | None = None  # the key pinned instead: organisation, fingerprint, words
    confirmed: bool = False  # the user typed this key's words

    def to_dict(self) -> dict:
        return asdict(self)


def grouped(fingerprint: str) -> str:
    """A fingerprint in groups of four, easier to compare by eye."""
    return " ".join(fingerprint[i : i + 4] for i in range(0, len(fingerprint), 4)).upper()


def describe(key: dict) -> str:
    """'words (fingerprint AB12 …)' for a message that must name a key exactly."""
    return f"“{key['words']}” (fingerprint {grouped(key['fingerprint'])})"


def _normal(text: str) -> list[str]:
    # US spellings typed from an older copy's words ("flavor") match the UK ones shown now.
    return keys.uk_spelling(" ".join(re.findall(r"[a-z]+", (text or "").lower()))).split()


def same_name(a: str, b: str) -> bool:
    """The same organisation's name, whatever its case or spacing."""
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


# Greek and Cyrillic letters drawn like Latin ones (after casefolding): "Actiοn" with a Greek
# omicron reads as "Action". Hand-written, not a confusables library: the rule needs only the
# letters a name of a UK organisation could be forged with, and Python's own Unicode names to
# tell the alphabets apart (a library would bring a megabyte of tables to every build).
_LOOKALIKES = str.maketrans(
    "αβεικνορτυχγавеёкмнорстухіјѕԁԛԝһӏ",
    "abeiknoptuxyabeekmhopctyxijsdqwhl",
)


def _alphabets(word: str) -> set[str]:
    """The alphabets a word's letters come from ('LATIN', 'GREEK', 'CYRILLIC' …)."""
    found = set()
    for ch in word:
        if ch.isalpha():
            found.add(unicodedata.name(ch, "UNKNOWN").split(" ")[0])
    return found


def mixed_alphabets(name: str) -> list[str]:
    """The words of ``name`` that mix letters of different alphabets (no real name does; a
    forged one does, to look like another)."""
    return [w for w in name.split() if len(_alphabets(w)) > 1]


def skeleton(name: str) -> str:
    """What a name looks like: its letters and digits, case, accents, spacing and lookalike
    letters of other alphabets left aside."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name).casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).translate(_LOOKALIKES)
    return "".join(ch for ch in text if ch.isalnum())


def lookalike_of(ws: Workspace, organisation: str) -> dict | None:
    """A trusted sender whose name looks like ``organisation`` but is not spelt the same."""
    wanted = skeleton(organisation)
    rows = ws.db.execute(
        "SELECT organisation, public_key, fingerprint, confirmed_at FROM known_senders "
        "WHERE replaced_by IS NULL ORDER BY last_seen DESC"
    ).fetchall()
    for row in rows:
        if not same_name(row[0], organisation) and skeleton(row[0]) == wanted:
            return _pinned_row(row)
    return None


def words_match(typed: str, words: str) -> bool:
    """The user's typed words are this key's words (case, commas and spacing do not matter)."""
    return bool(typed) and _normal(typed) == _normal(words)


def _pinned_row(row) -> dict | None:
    if row is None:
        return None
    organisation, public_key, fingerprint, confirmed_at = row
    return {
        "organisation": organisation,
        "fingerprint": fingerprint,
        "words": keys.fingerprint_words(base64.b64decode(public_key)),
        "confirmed_at": confirmed_at,  # when its words were checked with the sender, if ever
    }


def confirmed(ws: Workspace, fingerprint: str) -> bool:
    """The key's words were checked with its owner once (not only trusted on first sight)."""
    row = ws.db.execute(
        "SELECT confirmed_at FROM known_senders WHERE fingerprint = ?", [fingerprint]
    ).fetchone()
    return bool(row and row[0])


def current_key_of(ws: Workspace, organisation: str) -> dict | None:
    """The key pinned for an organisation (not replaced since), if any. Names match whatever
    their case or spacing, so a lookalike name cannot pass as a new sender."""
    rows = ws.db.execute(
        "SELECT organisation, public_key, fingerprint, confirmed_at FROM known_senders "
        "WHERE replaced_by IS NULL ORDER BY last_seen DESC"
    ).fetchall()
    return _pinned_row(next((r for r in rows if same_name(r[0], organisation)), None))


def key_by_fingerprint(ws: Workspace, fingerprint: str) -> dict | None:
    return _pinned_row(
        ws.db.execute(
            "SELECT organisation, public_key, fingerprint, confirmed_at FROM known_senders "
            "WHERE fingerprint = ?",
            [fingerprint],
        ).fetchone()
    )


def key_check(
    ws: Workspace, organisation: str, public_key: str, *, pinned_fingerprint: str | None = None
) -> KeyCheck:
    """How a signing key stands against what this workspace trusts. Read-only.

    ``pinned_fingerprint`` is the one key acceptable here (the reviewer a pack was sent to);
    without it, the key pinned for the organisation the file claims is used."""
    public = base64.b64decode(public_key)
    fingerprint = keys.fingerprint(public)
    check = KeyCheck(organisation, public_key, fingerprint, keys.fingerprint_words(public), NEW)
    if pinned_fingerprint:
        pinned = key_by_fingerprint(ws, pinned_fingerprint)
    else:
        pinned = current_key_of(ws, organisation)
        if pinned is None:
            known = key_by_fingerprint(ws, fingerprint)
            if known is not None and same_name(known["organisation"], organisation):
                pinned = known
    if pinned is None:
        return check
    check.status = KNOWN if pinned["fingerprint"] == fingerprint else CHANGED
    if check.status == CHANGED:
        check.pinned = pinned
    return check


def confirm(check: KeyCheck, typed: str | None) -> KeyCheck:
    """Mark the check confirmed when the typed words are the key's; raise when they differ."""
    if typed is None:
        return check
    if not words_match(typed, check.words):
        raise TrustError(
            f"The words you gave do not match the key that signed this file ({check.words}). "
            "Nothing was stored. Check them again with the sender, on a number you already have."
        )
    check.confirmed = True
    return check


def remember(ws: Workspace, check: KeyCheck) -> None:
    """Store the key as trusted (a changed key replaces the pinned one). Call inside the
    caller's ``ws.atomic()``, after every check has passed."""
    ws.note(KEYS)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    confirmed = now if check.confirmed else None
    if ws.db.execute(
        "SELECT 1 FROM known_senders WHERE fingerprint = ?", [check.fingerprint]
    ).fetchone():
        ws.db.execute(
            "UPDATE known_senders SET last_seen = ?, replaced_by = NULL, "
            "confirmed_at = coalesce(?, confirmed_at) WHERE fingerprint = ?",
            [now, confirmed, check.fingerprint],
        )
    else:
        ws.db["known_senders"].insert(
            {
                "fingerprint": check.fingerprint,
                "organisation": check.organisation,
                "public_key": check.public_key,
                "first_seen": now,
                "last_seen": now,
                "confirmed_at": confirmed,
            }
        )
        ws.audit(
            "trust",
            "sender",
            check.fingerprint[:16],
            f"Trusted {possessive(check.organisation)} signing key ({check.words})"
            + (" after checking its words" if check.confirmed else ", first seen here"),
        )
    if check.status == CHANGED and check.pinned:
        ws.db.execute(
            "UPDATE known_senders SET replaced_by = ? WHERE fingerprint = ?",
            [check.fingerprint, check.pinned["fingerprint"]],
        )
        ws.audit(
            "trust",
            "sender",
            check.fingerprint[:16],
            f"{possessive(check.organisation)} new key replaces {check.pinned['words']}, "
            "confirmed by its words",
        )


# ============================================================ the reviewer a pack is sent to
@dataclass
class PublicKey:
    organisation: str
    public_key: str
    fingerprint: str
    words: str


def read_public_key(path: str | Path) -> PublicKey:
    """A public key file written by ``consortium keys export-public`` (the HA's)."""
    path = Path(path).expanduser()
    try:
        data = json.loads(path.read_text(encoding="utf-8")[:100_000])
        bad_shape = shape.problems(data, shape.PUBLIC_KEY, path.name)
        if bad_shape:
            raise ValueError(" ".join(bad_shape))
        public = base64.b64decode(data["public_key"], validate=True)
        organisation = str(data["organisation"]).strip()
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise TrustError(
            f"{path.name} is not a public key file ({exc}). Ask the housing association for "
            "the file 'consortium keys export-public' writes."
        ) from None
    if len(public) != 32 or not organisation:
        raise TrustError(f"{path.name} does not hold a signing key. Ask for the file again.")
    return PublicKey(
        organisation,
        base64.b64encode(public).decode("ascii"),
        keys.fingerprint(public),
        keys.fingerprint_words(public),
    )


def pin_reviewer(ws: Workspace, key: PublicKey, typed_words: str) -> KeyCheck:
    """Pin the housing association's key (confirmed by its words) before sending it a pack.
    Refuses when the words differ. Call inside the caller's ``ws.atomic()``."""
    check = key_check(ws, key.organisation, key.public_key)
    confirm(check, typed_words or "")
    remember(ws, check)
    return check
