"""UK geography: councils by GSS code, ITL 2021 regions, and which area lies inside which.

Three kinds of code meet here:

- **GSS codes** name councils: ``E09000007`` is Camden, ``E10000016`` Kent County Council,
  ``S12000049`` Glasgow City.
- **ITL 2021 codes** name statistical regions in a tree: ``TL`` (United Kingdom) > ``TLI``
  (London) > ``TLI3`` (Inner London - West) > ``TLI31`` (Camden and City of London).
- **NUTS codes** are what tenders carry. NUTS 2021 is ITL 2021 with ``UK`` for ``TL``; NUTS 2018
  differs in nine level-3 codes (``UKK21`` became ``TLK24``, ``UKN10`` became ``TLN0A`` ...).
  :func:`to_itl` and :func:`region` accept all three.

How councils are placed
-----------------------
Each :class:`Council` carries ``itl``: the ITL 2021 level-3 areas it lies in, wholly or partly.

- A district, unitary, London borough, Welsh or Northern Irish council usually has one.
- A Scottish council is built from LAU1 areas, and three of them span two or three ITL3 areas
  (Highland, Argyll and Bute, North Ayrshire).
- The unitaries created in 2023 (Cumberland, Westmorland and Furness, North Yorkshire, Somerset)
  get the ITL3 areas of the districts they replaced; Cumberland and Westmorland and Furness
  each straddle West and East Cumbria.
- A county has the ITL3 areas of its districts; a combined authority, and the Greater London
  Authority, the ITL3 areas of their member councils (counties resolved to their districts).

Upper-tier councils keep the full set of ITL3 areas rather than a single ITL2 code, because the
set answers both questions exactly. Kent's four areas are all in ``TLJ4`` (Kent), so Kent is
*inside* ``TLJ4`` and ``TLJ``, yet also *overlaps* ``TLJ44`` (East Kent); the Greater
Lincolnshire combined county authority spans Yorkshire and The Humber and the East Midlands, so
it is inside ``TL`` only. A single "its ITL2" code would lose the second of these facts.

So there are two questions, with two functions:

- :func:`contains` ``(outer, inner)``: does ``inner`` lie *wholly* inside ``outer``? Kent is
  inside ``TLJ4``; Kent is not inside ``TLJ44``; Maidstone is inside Kent.
- :func:`overlaps` ``(a, b)``: do they share any ground? Kent overlaps ``TLJ44``. Use this to
  match a partner's area of operation against a tender's place of delivery.

Between two councils the answer comes from membership, not from ITL areas: a council contains
the councils that make it up (a county its districts, a combined authority its members, Greater
London its boroughs and the City). :func:`ancestors` of a council lists every region it touches.

The data ships in ``consortium/data/`` (councils from mySociety, regions from ONS, ITL3 look-ups
from postcodes.io); see ``consortium/data/ATTRIBUTION.md``. It is read once, on first use.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = [
    "Council",
    "Region",
    "ancestors",
    "area_name",
    "cf_region_to_itl",
    "contains",
    "council",
    "councils",
    "describe",
    "find_council",
    "overlaps",
    "region",
    "region_label",
    "regions",
    "search_councils",
    "to_itl",
]

UK = "TL"


@dataclass(frozen=True)
class Council:
    """A current UK council (local authority), including counties and combined authorities."""

    gss: str
    name: str  # the everyday name, e.g. "Camden"
    official_name: str  # e.g. "London Borough of Camden"
    nation: str  # England, Scotland, Wales, Northern Ireland
    region: str  # English region ("London") or the nation
    kind: str  # e.g. "London borough", "County", "Combined authority"
    itl: tuple[str, ...]  # ITL 2021 level-3 codes it lies in, wholly or partly (usually one)
    alt_names: tuple[str, ...]
    county_gss: str = ""  # for a district: its county council
    combined_gss: str = ""  # its combined authority, or E61000001 for the Greater London Authority
    lower_or_unitary: bool = True  # False for counties, combined authorities and the GLA
    former_gss: tuple[str, ...] = ()  # earlier codes, and codes of councils merged into it

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Region:
    """An ITL 2021 region: level 0 is the UK, 1 the nations and English regions, 3 the smallest."""

    code: str  # ITL 2021, e.g. "TLI31" or "TL"
    level: int  # 0..3
    name: str
    parent: str | None
    nuts2018: str  # the NUTS 2018 code, e.g. "UKI31"; NUTS 2021 is the code with UK for TL

    @property
    def nuts2021(self) -> str:
        return "UK" + self.code[2:]

    def __str__(self) -> str:
        return self.name


# --- Loading ----------------------------------------------------------------------------------


def _rows(name: str) -> list[list[str]]:
    text = resources.files("consortium").joinpath("data", name).read_text("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    return rows[1:]


def _codes(value: str) -> tuple[str, ...]:
    return tuple(v for v in value.split(";") if v)


class _Geo:
    def __init__(self) -> None:
        self.regions: dict[str, Region] = {}
        self.alias: dict[str, str] = {}  # ITL, NUTS 2021 and NUTS 2018 code -> ITL code
        for code, level, name, parent, nuts2018, nuts2021 in _rows("itl_regions.csv"):
            self.regions[code] = Region(code, int(level), name, parent or None, nuts2018)
            for alias in (code, nuts2018, nuts2021):
                self.alias[alias] = code
        self.leaves: dict[str, frozenset[str]] = {}  # region -> its ITL3 codes
        for r in self.regions.values():
            if r.level == 3:
                for code in [r.code, *self._region_ancestors(r.code)]:
                    self.leaves[code] = self.leaves.get(code, frozenset()) | {r.code}

        self.councils: dict[str, Council] = {}
        for row in _rows("councils.csv"):
            gss, name, official, nation, reg, kind, itl, county, combined, lower, former, alt = row
            self.councils[gss] = Council(
                gss=gss,
                name=name,
                official_name=official,
                nation=nation,
                region=reg,
                kind=kind,
                itl=_codes(itl),
                alt_names=tuple(a for a in alt.split("|") if a),
                county_gss=county,
                combined_gss=combined,
                lower_or_unitary=lower == "1",
                former_gss=_codes(former),
            )
        self.sorted = sorted(self.councils.values(), key=lambda c: (c.name.casefold(), c.gss))
        self.by_former = {f: c.gss for c in self.councils.values() for f in c.former_gss}

        # The lower-tier or unitary councils that make up each council.
        members: dict[str, set[str]] = {}
        for c in self.councils.values():
            for upper in (c.county_gss, c.combined_gss):
                if upper:
                    members.setdefault(upper, set()).add(c.gss)

        def parts(gss: str, seen: frozenset[str]) -> frozenset[str]:
            if gss not in members:
                return frozenset({gss})
            out: frozenset[str] = frozenset()
            for m in members[gss] - seen:
                out |= parts(m, seen | {gss})
            return out

        self.parts = {gss: parts(gss, frozenset()) for gss in self.councils}
        # ITL3 code -> the lower-tier or unitary councils that lie in it, wholly or partly.
        self.in_leaf: dict[str, set[str]] = {}
        for c in self.councils.values():
            if c.lower_or_unitary:
                for leaf in c.itl:
                    self.in_leaf.setdefault(leaf, set()).add(c.gss)

        # mySociety's region column is wrong for some upper-tier councils (Derbyshire "West
        # Midlands", Lincolnshire "Yorkshire and The Humber"): every label is worked out from
        # the districts a council is made of, as scoring does (see region_label).
        for gss, c in list(self.councils.items()):
            label = self._region_label(c)
            if label != c.region:
                self.councils[gss] = dataclasses.replace(c, region=label)
        self.sorted = [self.councils[c.gss] for c in self.sorted]

        # Name indexes: exact (case, accents and punctuation ignored) and loose (noise removed).
        self.exact: dict[str, set[str]] = {}
        self.loose: dict[str, set[str]] = {}
        self.keys: dict[str, tuple[str, ...]] = {}
        for c in self.councils.values():
            keys: list[str] = []
            for variant in (c.name, c.official_name, *c.alt_names):
                e, lo = _fold(variant), _loose(variant)
                self.exact.setdefault(e, set()).add(c.gss)
                self.loose.setdefault(lo, set()).add(c.gss)
                keys += [k for k in (e, lo) if k and k not in keys]
            self.keys[c.gss] = tuple(keys)

        # "City of London" loses "City of" in the loose index and would claim plain "London";
        # a person who types "London" means the whole of it, which is the GLA's area.
        if "E61000001" in self.councils:
            self.loose["london"] = {"E61000001"}

        self.cf: dict[str, tuple[str, ...]] = {
            _fold(name): _codes(itl) for name, itl, _nuts in _rows("cf_regions.csv")
        }

    def _region_label(self, c: Council) -> str:
        """The English region(s) or nation of a council, from the ITL areas of its districts."""
        leaves: set[str] = set()
        for part in self.parts.get(c.gss, {c.gss}):
            member = self.councils.get(part)
            leaves |= set(member.itl if member else ())
        leaves = leaves or set(c.itl)
        tops = []
        for leaf in sorted(leaves):
            if leaf not in self.regions:
                continue
            top = leaf
            while self.regions[top].parent not in (None, UK):
                top = self.regions[top].parent
            if top not in tops:
                tops.append(top)
        if not tops:
            return c.region
        # ITL names some English regions "East Midlands (England)"; people say "East Midlands"
        return " and ".join(self.regions[t].name.removesuffix(" (England)") for t in sorted(tops))

    def _region_ancestors(self, code: str) -> list[str]:
        out = []
        parent = self.regions[code].parent
        while parent is not None:
            out.append(parent)
            parent = self.regions[parent].parent
        return out


@cache
def _geo() -> _Geo:
    return _Geo()


# --- Names ------------------------------------------------------------------------------------

_APOSTROPHES = re.compile(r"['\u2019\u2018`]")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_NOISE = re.compile(
    r"\b(?:(?:london |royal |metropolitan |county )?borough of|city and county of(?: the)?|"
    r"city of|county of|council|corporation|the)\b"
)
_TYPE_WORDS = {"borough", "boro", "district", "county", "city", "metropolitan", "ua", "cc"}


def _fold(text: str) -> str:
    """Lower case, no accents, "&" as "and", punctuation as spaces: "St. Helens" -> "st helens"."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = _APOSTROPHES.sub("", text.replace("&", " and "))
    return " ".join(_NON_WORD.sub(" ", text).split())


def _loose(text: str) -> str:
    """:func:`_fold`, then without "Council", "London Borough of", "City of", a trailing "City"..."""
    folded = _fold(text)
    words = _NOISE.sub(" ", folded).split()
    while len(words) > 1 and words[-1] in _TYPE_WORDS:
        words.pop()
    while len(words) > 1 and words[0] == "county":
        words.pop(0)
    return " ".join(words) or folded


_GSS = re.compile(r"[EKNSW]\d{8}")


# --- Councils ---------------------------------------------------------------------------------


def councils() -> list[Council]:
    """Every current council (397), sorted by name."""
    return list(_geo().sorted)


def council(gss: str) -> Council | None:
    """The council with this GSS code (current or former, any case); ``None`` if unknown.

    A former code leads to the council that took its place when there is exactly one, so
    ``E07000154`` (Northampton, abolished 2021) gives West Northamptonshire.
    """
    geo = _geo()
    code = gss.strip().upper() if isinstance(gss, str) else ""
    found = geo.councils.get(code)
    if found is None and code in geo.by_former:
        found = geo.councils[geo.by_former[code]]
    return found


def find_council(text: str) -> Council | None:
    """Resolve what a person typed to a council, or ``None`` if it names none (or several).

    Accepts a GSS code, the everyday name, the official name or any recorded variant, ignoring
    case, accents, punctuation, "&" versus "and", and words such as "Council", "Borough of",
    "City of"::

        >>> find_council("London Borough of Camden").gss
        'E09000007'
        >>> find_council("camden council").name
        'Camden'
    """
    if not isinstance(text, str) or not text.strip():
        return None
    geo = _geo()
    if _GSS.fullmatch(text.strip().upper()):
        return council(text)
    for index, key in ((geo.exact, _fold(text)), (geo.loose, _loose(text))):
        hits = index.get(key, set())
        if len(hits) == 1:
            return geo.councils[next(iter(hits))]
        if len(hits) > 1:
            # Prefer the council whose own name says exactly this ("London" is the Greater
            # London Authority's, not the City of London's with "City of" dropped).
            own = [g for g in hits if _loose(geo.councils[g].name) == key]
            if len(own) == 1:
                return geo.councils[own[0]]
    return None


def search_councils(text: str, limit: int | None = 20) -> list[Council]:
    """Councils for a search-as-you-type picker, best first.

    Order: the council :func:`find_council` resolves the text to; a name equal to the text; a
    name or variant starting with it; every word of the text starting a word of a name or
    variant; then the text anywhere in one. Ties go to district and unitary councils before
    counties and combined authorities, then by name. A GSS code or the start of one
    (``"E09"``) lists councils by code, former codes included.
    """
    geo = _geo()
    raw = text.strip() if isinstance(text, str) else ""
    if not raw:
        return []
    if re.fullmatch(r"[EKNSW]\d{2,8}", raw.upper()):
        code = raw.upper()
        found = [c for c in geo.councils.values() if c.gss.startswith(code)]
        found += [
            geo.councils[g]
            for f, g in geo.by_former.items()
            if f.startswith(code) and geo.councils[g] not in found
        ]
        return sorted(found, key=lambda c: c.gss)[:limit]
    queries = {q for q in (_fold(raw), _loose(raw)) if q}
    best = find_council(raw)  # what the text resolves to comes first, as "London" -> the GLA
    scored = []
    for c in geo.councils.values():
        if c is best:
            score: int | None = -1
        else:
            score = _score(geo.keys[c.gss], queries, {_fold(c.name), _loose(c.name)})
        if score is not None:
            scored.append((score, not c.lower_or_unitary, _fold(c.name), c))
    scored.sort(key=lambda t: t[:3])
    found = [t[3] for t in scored]
    return found if limit is None else found[:limit]


def _score(keys: tuple[str, ...], queries: set[str], names: set[str]) -> int | None:
    if queries & names:
        return 0
    if queries & set(keys):
        return 1
    if any(k.startswith(q) for q in queries for k in names):
        return 2
    if any(k.startswith(q) for q in queries for k in keys):
        return 3
    for q in queries:
        words = q.split()
        for k in keys:
            kw = k.split()
            if all(any(w.startswith(qw) for w in kw) for qw in words):
                return 4
    if any(q in k for q in queries for k in keys):
        return 5
    return None


# --- Regions ----------------------------------------------------------------------------------


def regions(level: int | None = None) -> list[Region]:
    """ITL 2021 regions in tree order (a region before its children); one level if given."""
    return [r for code, r in sorted(_geo().regions.items()) if level is None or r.level == level]


def to_itl(code: str) -> str | None:
    """The ITL 2021 code for an ITL 2021, NUTS 2021 or NUTS 2018 code; ``None`` if unknown.

    ``"UKI31"`` -> ``"TLI31"``, ``"UK"`` -> ``"TL"``, ``"UKK21"`` (NUTS 2018) -> ``"TLK24"``.
    """
    if not isinstance(code, str):
        return None
    return _geo().alias.get(code.strip().upper())


def region(code: str) -> Region | None:
    """The :class:`Region` for an ITL or NUTS code (see :func:`to_itl`); ``None`` if unknown."""
    itl = to_itl(code)
    return _geo().regions[itl] if itl else None


def cf_region_to_itl(name: str) -> list[str]:
    """ITL 2021 codes for a Contracts Finder region string.

    ``"London"`` -> ``["TLI"]``; ``"England"`` -> the nine English regions; ``"Any region"``
    and ``"United Kingdom"`` -> ``["TL"]``. Case and "&"/"and" do not matter, and the CSV
    export's comma-separated lists ("London, South East") give every region named. A NUTS or
    ITL code is accepted too. Unknown names give ``[]``.
    """
    if not isinstance(name, str):
        return []
    geo = _geo()
    out: list[str] = []
    for part in name.split(","):
        key = _fold(part)
        codes = geo.cf.get(key)
        if codes is None:
            itl = to_itl(part)
            codes = (itl,) if itl else ()
        out += [c for c in codes if c not in out]
    return out


# --- Containment ------------------------------------------------------------------------------


def _resolve(code: str) -> tuple[str, str] | None:
    """("region", ITL code) or ("council", GSS code), or None."""
    if not isinstance(code, str):
        return None
    itl = to_itl(code)
    if itl:
        return ("region", itl)
    found = council(code)
    if found:
        return ("council", found.gss)
    return None


def _leaves(kind: str, code: str) -> frozenset[str]:
    geo = _geo()
    if kind == "region":
        return geo.leaves.get(code, frozenset())
    return frozenset(geo.councils[code].itl)


def _parts(kind: str, code: str) -> frozenset[str]:
    """The lower-tier or unitary councils that lie in an area, wholly or partly."""
    geo = _geo()
    if kind == "council":
        return geo.parts[code]
    out: set[str] = set()
    for leaf in geo.leaves.get(code, ()):
        out |= geo.in_leaf.get(leaf, set())
    return frozenset(out)


def ancestors(code: str) -> list[str]:
    """The ITL 2021 regions above an area, nearest first, ending with ``"TL"``.

    For a region: its parents (``"TLI31"`` -> ``["TLI3", "TLI", "TL"]``). For a council: every
    ITL3 area it lies in, wholly or partly, then their ITL2 areas, ITL1 areas and ``"TL"``
    (Camden -> ``["TLI31", "TLI3", "TLI", "TL"]``; Kent -> its four ITL3 areas, ``"TLJ4"``,
    ``"TLJ"``, ``"TL"``). ``[]`` for an unknown code.
    """
    found = _resolve(code)
    if found is None:
        return []
    geo = _geo()
    kind, resolved = found
    if kind == "region":
        return geo._region_ancestors(resolved)
    out: list[str] = []
    level = sorted(geo.councils[resolved].itl)
    while level:
        out += level
        level = sorted({p for c in level if (p := geo.regions[c].parent) is not None})
    return out


def contains(outer: str, inner: str) -> bool:
    """True when ``inner`` lies wholly inside ``outer``.

    Both may be region codes (ITL or NUTS) or council GSS codes. ``"TL"``/``"UK"`` contains
    everything known; every area contains itself. A council is inside a region when all its
    ITL3 areas are. A council contains the councils that make it up (a county its districts, a
    combined authority its members, the GLA the London boroughs), and a region when every
    council in the region is one of those. See :func:`overlaps` for "any part of it".
    """
    a, b = _resolve(outer), _resolve(inner)
    if a is None or b is None:
        return False
    if a == b or a == ("region", UK):
        return True
    if a[0] == "region":
        leaves = _leaves(*b)
        return bool(leaves) and leaves <= _leaves(*a)
    parts = _parts(*b)
    return bool(parts) and parts <= _parts(*a)


def overlaps(first: str, second: str) -> bool:
    """True when two areas (region or council codes) share any ground.

    Kent overlaps ``TLJ44`` (East Kent) though it is not inside it; Camden overlaps London.
    Between two councils, or a council and a region, the answer comes from the district and
    unitary councils they are made of, so two Scottish councils that share an ITL3 area do not
    overlap each other.
    """
    a, b = _resolve(first), _resolve(second)
    if a is None or b is None:
        return False
    if a == b or ("region", UK) in (a, b):
        return True
    if a[0] == "region" and b[0] == "region":
        return bool(_leaves(*a) & _leaves(*b))
    return bool(_parts(*a) & _parts(*b))


def area_name(code: str) -> str:
    """The name of a council or region (``"United Kingdom"`` for ``"TL"``); else the code."""
    found = _resolve(code)
    if found is None:
        return code
    kind, resolved = found
    geo = _geo()
    return geo.regions[resolved].name if kind == "region" else geo.councils[resolved].name


def region_label(gss: str) -> str:
    """The English region (or nation) a council lies in, for every label a person reads:
    ``"Derbyshire"`` -> ``"East Midlands"``. Worked out from its districts' ITL areas (the
    region column of the source data is wrong for some counties); ``""`` for an unknown code."""
    found = council(gss)
    return found.region if found else ""


def describe(code: str) -> str:
    """A one-line description for a person: ``"Camden (London borough, London)"``."""
    found = _resolve(code)
    if found is None:
        return f"{code} (unknown area)"
    kind, resolved = found
    geo = _geo()
    if kind == "region":
        r = geo.regions[resolved]
        if r.parent is None:
            return r.name
        return f"{r.name} ({r.code}, in {geo.regions[r.parent].name})"
    c = geo.councils[resolved]
    return f"{c.name} ({c.kind}, {region_label(c.gss)})"
