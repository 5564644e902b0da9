"""What a tender or lot asks bidders to hold, read from its text.

Notices rarely carry requirements as data, but they say them in words: "registered with the Care
Quality Commission", "Ofsted", "Cyber Essentials", "public liability insurance of £10 million".
Each requirement keeps the sentence it came from as evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from consortium.records import Credential


@dataclass(frozen=True)
class Requirement:
    kind: str  # accreditation, insurance or policy
    type: str  # the standard name, as in records.ACCREDITATION_TYPES etc.
    cover: int | None = None  # minimum insurance cover in £
    evidence: str = ""

    @property
    def key(self) -> str:
        base = f"{self.kind}:{self.type}"
        return f"{base}>={self.cover}" if self.cover else base

    @property
    def label(self) -> str:
        if self.cover:
            return f"{self.type} insurance of at least £{self.cover:,}"
        return self.type if self.kind != "policy" else f"{self.type} policy"

    def met_by(self, credential: Credential) -> bool:
        if credential.kind != self.kind or not _same_type(credential.type, self.type):
            return False
        return not self.cover or (credential.cover or 0) >= self.cover


_ACCREDITATIONS = (
    ("CQC registration", r"\bCQC\b|Care Quality Commission"),
    ("Ofsted registration", r"\bOfsted\b"),
    ("Care Inspectorate registration", r"\bCare Inspectorate\b"),
    ("Care Inspectorate Wales registration", r"\bCare Inspectorate Wales\b|\bCIW\b"),
    ("Cyber Essentials Plus", r"Cyber Essentials Plus"),
    ("Cyber Essentials", r"Cyber Essentials(?! Plus)"),
    ("ISO 9001", r"ISO\s?9001"),
    ("Matrix Standard", r"\bmatrix (?:standard|accredit\w*|quality)"),
    ("Advice Quality Standard", r"Advice Quality Standard|\bAQS\b"),
)
_POLICIES = (
    ("Safeguarding", r"safeguarding"),
    ("Data protection", r"data protection|\bGDPR\b"),
)
_INSURANCE = (
    ("Public liability", r"public liability"),
    ("Employer's liability", r"employer'?s'? liability"),
    ("Professional indemnity", r"professional indemnity"),
)
_AMOUNT = re.compile(r"£\s?(\d[\d,]*(?:\.\d+)?)\s*(m\b|mn\b|million\b|k\b|thousand\b)?", re.I)


# A requirement is read only from a sentence that asks for something (selection criteria,
# "must hold", "registered with", "insurance of £…"): a title such as "Safeguarding Partnership
# Training Provider" names a subject, not something a bidder must hold.
_ASKING = re.compile(
    r"\b(?:must|shall|required?|requires|requirements?|mandatory|minimum|essential|"
    r"needs?|needed|expected to (?:have|hold|be)|should (?:have|hold|be)|"
    r"hold(?:s|ing)? (?:a|an|the|current|valid)|have in place|in place|registered|"
    r"registration with|accredit\w*|certified|certificate|certification|compl(?:y|iant|iance) with|"
    r"evidence of|demonstrate|selection criteria|suitability|eligib\w*|bidders?|suppliers?|"
    r"providers? (?:will|must|should)|tenderers?|applicants?)\b",
    re.I,
)
# Every name above contains one of these (in lower case): a text without any of them asks for
# nothing, and most notices are passed over with a few substring tests. The only non-ASCII
# letters the patterns' IGNORECASE lets stand for ASCII ones are folded first.
_NAMES = (
    "cqc", "care quality commission", "ofsted", "care inspectorate", "ciw", "cyber essentials",
    "9001", "matrix", "advice quality standard", "aqs", "safeguarding", "data protection",
    "gdpr", "liability", "professional indemnity",
)  # fmt: skip
_FOLD = {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}


def _may_name(text: str) -> bool:
    """False only if no pattern of this module can match in ``text``."""
    if not text.isascii():
        for letter, ascii_letter in _FOLD.items():
            if letter in text:
                text = text.replace(letter, ascii_letter)
    return any(map(text.lower().__contains__, _NAMES))


_POLICY_WORD = re.compile(r"\bpolic(?:y|ies)\b|\bprocedures?\b", re.I)
_SENTENCES = re.compile(r"(?:[^.;!?\n]|\.(?=\d)|\.(?=[^\s]))+")


def sentences(text: str) -> list[tuple[int, str]]:
    """(start, sentence) for each sentence of ``text`` (a full stop inside "£5.5m" or "e.g."
    followed by a letter does not end one)."""
    return [(m.start(), m.group(0)) for m in _SENTENCES.finditer(text) if m.group(0).strip()]


def asks(sentence: str) -> bool:
    """Whether a sentence reads as a requirement of bidders rather than a description."""
    return bool(_ASKING.search(sentence))


def infer(text: str) -> list[Requirement]:
    """Requirements asked for in a tender's text, each quoting the sentence that asks.

    Only requirement-like sentences count (see :func:`asks`); an insurance named with an
    amount ("public liability insurance of £5m") is always one."""
    found: dict[str, Requirement] = {}
    if not text or not _may_name(text):
        return []  # most notices name nothing a bidder must hold: one search says so
    for _start, sentence in sentences(text):
        if not _may_name(sentence):
            continue  # no requirement can come from a sentence that names none
        asking = asks(sentence)
        quote = _quote(sentence)
        if asking:
            for name, pattern in _ACCREDITATIONS:
                flags = re.I if name != "Care Inspectorate Wales registration" else 0
                if not re.search(pattern, sentence, flags):
                    continue
                if name == "Care Inspectorate registration" and re.search(
                    r"Care Inspectorate Wales", sentence
                ):
                    continue
                found.setdefault(f"a:{name}", Requirement("accreditation", name, None, quote))
            for name, pattern in _POLICIES:
                if re.search(pattern, sentence, re.I) and _POLICY_WORD.search(sentence):
                    found.setdefault(f"p:{name}", Requirement("policy", name, None, quote))
        for name, pattern in _INSURANCE:
            for m in re.finditer(pattern, sentence, re.I):
                cover = _cover_near(sentence, m.start(), m.end())
                if not asking and cover is None:
                    continue
                key = f"i:{name}"
                best = found.get(key)
                if best is None or (cover or 0) > (best.cover or 0):
                    found[key] = Requirement("insurance", name, cover, quote)
    return sorted(found.values(), key=lambda r: (r.kind, r.type))


def _quote(sentence: str) -> str:
    sentence = " ".join(sentence.split())
    return sentence[:240] + ("…" if len(sentence) > 240 else "")


def _cover_near(text: str, start: int, end: int) -> int | None:
    """An amount of money close to the insurance name, in the same sentence."""
    window = text[end : end + 120]
    stop = re.search(r"[;\n]|\.(?!\d)", window)  # "£5.5m" does not end the sentence
    window = window[: stop.start()] if stop else window
    before = text[max(0, start - 80) : start]
    before = before[before.rfind(".") + 1 :]
    for part in (window, before):
        m = _AMOUNT.search(part)
        if m:
            amount = float(m.group(1).replace(",", ""))
            unit = (m.group(2) or "").lower()
            if unit in ("m", "mn", "million"):
                amount *= 1_000_000
            elif unit in ("k", "thousand"):
                amount *= 1_000
            if amount >= 10_000:  # a sum like £5 is not an insurance limit
                return int(amount)
    return None


def _same_type(held: str, wanted: str) -> bool:
    a, b = _norm(held), _norm(wanted)
    return a == b or a == b + " plus"  # Cyber Essentials Plus meets a Cyber Essentials ask


def _norm(text: str) -> str:
    text = text.lower().replace("’", "'").replace("employers", "employer's")
    text = re.sub(r"\b(registration|registered|standard|insurance|policy)\b", "", text)
    return " ".join(text.split())
