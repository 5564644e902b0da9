"""Turn a compiled OCDS release into a :class:`Tender` record.

    tender = extract(compiled, history=[("076142-2026", "2026-08-11T10:37:39Z", ["tender"])])

``history`` lists the releases behind the compiled release, oldest first, as (id, UTC date,
tags): the latest one decides the notice type, the notice link and whether the process is
cancelled or awarded. Where each field sits is in ``shared/research/tender-data.md`` §3.
"""

from __future__ import annotations

import decimal
import html
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from consortium import cpv, places
from consortium.tenders.contracts import contracts_of
from consortium.tenders.merge import utc_iso
from consortium.tenders.records import (
    PHASE_AWARDED,
    PHASE_CANCELLED,
    PHASE_CLOSED,
    PHASE_PLANNING,
    PHASE_TENDER,
    WHOLE_COUNTRY,
    Amendment,
    Criterion,
    Document,
    Lot,
    Tender,
)

FTS_PREFIX = "ocds-h6vhtk-"
CF_PREFIX = "ocds-b5fd17-"
CF_CSV_PREFIX = "cf-csv-"
FTS_NOTICE = "https://www.find-tender.service.gov.uk/Notice/{}"
CF_NOTICE = "https://www.contractsfinder.service.gov.uk/Notice/{}"

History = Sequence[tuple[str, str | None, Sequence[str]]]

_CANCEL_TAGS = {"tenderCancellation", "planningCancellation"}
_AWARD_TAGS = {
    "award",
    "awardUpdate",
    "contract",
    "contractUpdate",
    "contractAmendment",
    "contractTermination",
    "implementation",
    "implementationUpdate",
}
_PLANNING_TAGS = {"planning", "planningUpdate"}


def source_of(ocid: str) -> str:
    if ocid.startswith(FTS_PREFIX):
        return "fts"
    if ocid.startswith((CF_PREFIX, CF_CSV_PREFIX)):
        return "cf"
    return "ocds"


# ------------------------------------------------------------------------------- text
# Mojibake: UTF-8 bytes that were read as Windows-1252 ("â€™" for "’", "Ã©" for "é").
_MOJIBAKE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    "\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]{1,3}"
)
_TAG = re.compile(r"<\s*(br|/p|p|/li|li|/div|div)\b[^>]*>", re.I)
_ANY_TAG = re.compile(r"</?[a-z][a-z0-9]*\b[^>]{0,200}>", re.I)


def _unmojibake(match: re.Match) -> str:
    text = match.group(0)
    try:
        return text.encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def clean_text(value: Any) -> str:
    """Readable text: HTML entities and tags, mojibake, stray whitespace and line ends fixed."""
    if value is None:
        return ""
    text = value if type(value) is str else str(value)
    if not _needs_work(text):
        return text.strip()
    if "&" in text:
        text = html.unescape(html.unescape(text))
    if "<" in text:
        text = _TAG.sub("\n", text)
        text = _ANY_TAG.sub("", text)
    if _MOJIBAKE.search(text):
        text = _MOJIBAKE.sub(_unmojibake, text)
    if _UNTIDY.search(text):
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
        text = text.replace("\u202f", " ")
        text = _SPACES.sub(" ", text)
        text = _LINE_ENDS.sub("\n", text)
        text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


_UNTIDY = re.compile("[\t\f\v\r\u00a0\u202f]|  | \n|\n |\n\n\n")
_ODD_CHARS = re.compile("[&<\u00c2-\u00f4\t\f\v\r\u00a0\u202f]")


def _needs_work(text: str) -> bool:
    # Plain substring tests (and the character class only for non-ASCII text): six times
    # quicker than one regular expression with alternatives, and most notices need nothing.
    if text.isascii():
        if (
            "&" in text
            or "<" in text
            or "\t" in text
            or "\r" in text
            or "\f" in text
            or "\v" in text
        ):
            return True
    elif _ODD_CHARS.search(text):
        return True
    if "  " in text:
        return True
    return "\n" in text and (" \n" in text or "\n " in text or "\n\n\n" in text)


_SPACES = re.compile(r"[ \t\f\v]+")
_LINE_ENDS = re.compile(r" *\n *")
_BLANK_LINES = re.compile(r"\n{3,}")


def num(value: Any) -> float | None:
    """A money amount as float; None for missing, non-numbers and numbers beyond a double."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, decimal.Decimal):
        if not value.is_finite() or abs(value) >= decimal.Decimal("1e300"):
            return None
        return float(value)
    if isinstance(value, (int, float)):
        return float(value) if abs(value) < 1e300 else None
    if isinstance(value, str):
        try:
            out = float(value.replace(",", "").replace("£", "").strip())
        except ValueError:
            return None
        return out if abs(out) < 1e300 else None
    return None


def _money(value: Any, defects: list[str]) -> float | None:
    """A tender's or lot's value (:func:`num`); a negative one is left out with a defect: no
    contract is worth less than nothing, and it would sort and filter as the smallest."""
    amount = num(value)
    if amount is not None and amount < 0:
        defects.append("negative_value")
        return None
    return amount


def _d(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _l(value: Any) -> list:
    return value if isinstance(value, list) else []


def _s(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


# -------------------------------------------------------------------------------- CPV
_CPV_CACHE: dict[str, str | None] = {}


def _cpv_code(raw: Any) -> str | None:
    """The 8-digit code for a notice's CPV id; None if unknown (cached: notices repeat codes)."""
    key = str(raw)
    if key not in _CPV_CACHE:
        if len(_CPV_CACHE) > 50_000:
            _CPV_CACHE.clear()
        try:
            _CPV_CACHE[key] = cpv.normalise(raw)
        except (ValueError, TypeError):
            _CPV_CACHE[key] = None
    return _CPV_CACHE[key]


def _cpv_from(
    classifications: Iterable[Any], codes: dict[str, str], defects: list[str], labels: bool = True
) -> None:
    for c in classifications:
        if not isinstance(c, dict):
            continue
        raw = c.get("id")
        scheme = c.get("scheme")
        if raw in (None, "") or (scheme is not None and str(scheme).upper() != "CPV"):
            continue
        code = _cpv_code(raw)
        if code is None:
            stem = re.sub(r"\D", "", str(raw))[:8]
            defects.append(f"unknown_cpv:{raw}")
            if len(stem) < 7:
                continue
            code = stem.zfill(8)
        if code not in codes:
            codes[code] = (clean_text(c.get("description")) or cpv.label(code)) if labels else ""


def _item_cpv(item: dict, codes: dict[str, str], defects: list[str], labels: bool = True) -> None:
    _cpv_from([item.get("classification")], codes, defects, labels)
    _cpv_from(_l(item.get("additionalClassifications")), codes, defects, labels)


# ------------------------------------------------------------------------------ places
_NUTS = re.compile(r"^(UK|TL)[A-Z0-9]{0,3}$")


def _region_codes(region: Any) -> list[str]:
    text = _s(region)
    return list(_region_codes_of(text)) if text else []


@lru_cache(maxsize=4096)
def _region_codes_of(text: str) -> tuple[str, ...]:
    code = text.upper().replace(" ", "")
    if _NUTS.match(code):
        itl = places.to_itl(code)
        return (itl,) if itl else ()
    return tuple(places.cf_region_to_itl(text) or ())


def _address_places(addresses: Iterable[Any]) -> list[str]:
    found: list[str] = []
    for address in addresses:
        address = _d(address)
        codes = _region_codes(address.get("region"))
        if not codes:
            country = str(address.get("countryName") or "").strip().lower()
            if country in ("europe", "rest of the world", "worldwide", "any region"):
                codes = ["TL"]
        for code in codes:
            if code not in found:
                found.append(code)
    return found


def _add(target: list[str], values: Iterable[str]) -> None:
    for v in values:
        if v and v not in target:
            target.append(v)


# ------------------------------------------------------------------------------ helpers
def _phase(tender: dict, tags: set[str]) -> str:
    status = str(tender.get("status") or "").lower()
    if tags & _CANCEL_TAGS or status in ("cancelled", "withdrawn", "unsuccessful"):
        return PHASE_CANCELLED
    if status == "complete" or (tags & _AWARD_TAGS and not tags & {"tender", "tenderUpdate"}):
        return PHASE_AWARDED
    if status in ("planning", "planned") or (tags and tags <= _PLANNING_TAGS):
        return PHASE_PLANNING
    if status == "active":
        return PHASE_TENDER
    # No status (e.g. a legacy correction notice whose tender we never saw): not open for bids.
    return PHASE_CLOSED


def _lot_phase(lot: dict, tender_phase: str, awarded_lots: set[str]) -> str:
    status = str(lot.get("status") or "").lower()
    if str(lot.get("id")) in awarded_lots or status == "complete":
        return PHASE_AWARDED
    if status in ("cancelled", "unsuccessful", "withdrawn"):
        return PHASE_CANCELLED
    if status == "complete":
        return PHASE_AWARDED
    if status in ("planning", "planned"):
        return PHASE_PLANNING
    return tender_phase


def _criteria(lot: dict) -> list[Criterion]:
    out = []
    for c in _l(_d(lot.get("awardCriteria")).get("criteria")):
        c = _d(c)
        weight = None
        for n in _l(c.get("numbers")):
            n = _d(n)
            if str(n.get("weight") or "percentageExact").startswith("percentage"):
                weight = num(n.get("number"))
                break
        name = clean_text(c.get("name")) or clean_text(c.get("type")) or "Criterion"
        description = clean_text(c.get("description")) or None
        out.append(
            Criterion(name=name, type=_s(c.get("type")), weight=weight, description=description)
        )
    return out


def _documents(compiled: dict, full: bool = True) -> list[Document]:
    out: list[Document] = []
    seen: set = set()
    sources = [_d(compiled.get("planning")), _d(compiled.get("tender"))]
    sources += [_d(a) for a in _l(compiled.get("awards"))]
    sources += [_d(c) for c in _l(compiled.get("contracts"))]
    for holder in sources:
        for doc in _l(holder.get("documents")):
            doc = _d(doc)
            # Text, not the values: a publisher's list or object here must not stop the import.
            key = (_s(doc.get("id")), _s(doc.get("url")), _s(doc.get("documentType")))
            if key in seen:
                continue
            seen.add(key)
            out.append(
                Document(
                    title=(clean_text(doc.get("title") or doc.get("description")) or None)
                    if full
                    else None,
                    url=_s(doc.get("url")),
                    kind=_s(doc.get("documentType")),
                    notice_type=_s(doc.get("noticeType")),
                    published=utc_iso(doc.get("datePublished")),
                )
            )
    return out


_URL = re.compile(r"https?://[^\s\"'<>)\]]+")


def _change_value(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in ("text", "date", "amount", "value"):
            if value.get(key) is not None:
                return clean_text(value[key])
        return clean_text(" ".join(str(v) for v in value.values() if v is not None)) or None
    return clean_text(value) or None


def _amendments(tender: dict) -> list[Amendment]:
    out = []
    for a in _l(tender.get("amendments")):
        a = _d(a)
        changes = []
        for ch in _l(a.get("unstructuredChanges")):
            ch = _d(ch)
            where = _d(ch.get("where"))
            changes.append(
                {
                    "section": _s(where.get("section")),
                    "label": clean_text(where.get("label")) or None,
                    "old": _change_value(ch.get("oldValue")),
                    "new": _change_value(ch.get("newValue")),
                    "lot": _s(ch.get("relatedLot")),
                }
            )
        out.append(
            Amendment(
                id=_s(a.get("id")),
                description=clean_text(a.get("description") or a.get("rationale")) or None,
                changes=changes,
            )
        )
    return out


def _notice_type(compiled: dict, docs: list[Document], latest_id: str | None, tags) -> str | None:
    extra = _d(compiled.get("x_consortium")).get("noticeType")
    if extra:
        return str(extra)
    typed = [d for d in docs if d.notice_type]
    if typed:
        by_id = [
            d for d in typed if latest_id and d.url and d.url.rstrip("/").endswith(str(latest_id))
        ]
        if by_id:
            return by_id[-1].notice_type
        return max(typed, key=lambda d: d.published or "").notice_type
    return ",".join(tags) if tags else None


def _identifiers(party: dict) -> list[str]:
    out = []
    for ident in [_d(party.get("identifier")), *map(_d, _l(party.get("additionalIdentifiers")))]:
        scheme, value = _s(ident.get("scheme")), _s(ident.get("id"))
        if scheme and value:
            full = f"{scheme}-{value}"
            if full not in out:
                out.append(full)
    pid = _s(party.get("id"))
    if pid and pid not in out and not out:
        out.append(pid)
    return out


def _part(defects: list[str], name: str, default, fn, *args):
    """``fn(*args)``, or ``default`` and an ``unreadable`` defect if the publisher's data for
    that part has a shape we cannot read: one odd part costs that part, never the notice."""
    try:
        return fn(*args)
    except (TypeError, ValueError, AttributeError, KeyError, ArithmeticError, RecursionError):
        defects.append(f"unreadable:{name}")
        return default


# ------------------------------------------------------------------------------ extract
def extract_safely(compiled: dict, history: History = (), *, full: bool = True) -> Tender:
    """:func:`extract`, or, if the notice's data has a shape it cannot read at all, a bare
    tender (its id and title) with an ``unreadable`` defect, so the import goes on."""
    try:
        return extract(compiled, history, full=full)
    except (TypeError, ValueError, AttributeError, KeyError, ArithmeticError, RecursionError):
        ocid = str(compiled.get("ocid") or "")
        t = Tender(ocid=ocid, source=source_of(ocid), phase=PHASE_CLOSED)
        t.releases = [h[0] for h in history]
        t.notice_id = str(history[-1][0]) if history else None
        t.title = _part(
            [], "title", "", lambda: clean_text(_d(compiled.get("tender")).get("title"))
        )
        t.defects = ["unreadable:notice"]
        return t


def notice_page(source: str, ocid: str, notice_id: str | None) -> str | None:
    """The notice page a notice's id gives (None if it gives none): a tender's, unless its feed
    named another. The tenders table stores a page only when it is not this one."""
    if not notice_id:
        return None
    if source == "fts":
        return FTS_NOTICE.format(notice_id)
    if source == "cf" and ocid.startswith(CF_PREFIX):
        return CF_NOTICE.format(re.sub(r"-\d+$", "", notice_id))
    return None


def extract(compiled: dict, history: History = (), *, full: bool = True) -> Tender:
    """The :class:`Tender` for a compiled release (see the module docstring for ``history``).

    ``full=False`` skips what only the detail view shows (CPV labels, buyer identifiers, places
    as text, award criteria, contract dates, renewal, procedure, documents, portal, amendments),
    for speed when importing; everything stored in the tenders table is the same.
    """
    ocid = str(compiled.get("ocid") or "")
    source = source_of(ocid)
    tender = _d(compiled.get("tender"))
    planning = _d(compiled.get("planning"))
    latest_id, _latest_date, latest_tags = history[-1] if history else (None, None, ())
    tags = set(latest_tags or [])
    defects: list[str] = []

    phase = _phase(tender, tags)
    t = Tender(ocid=ocid, source=source, phase=phase)
    t.releases = [h[0] for h in history]
    t.notice_id = str(latest_id) if latest_id else None
    extra = _d(compiled.get("x_consortium"))
    if source == "cf" and extra.get("noticeUrl"):
        t.notice_url = str(extra["noticeUrl"])
    else:
        t.notice_url = notice_page(source, ocid, t.notice_id)

    t.title = clean_text(tender.get("title") or planning.get("title") or compiled.get("title"))
    t.description = clean_text(tender.get("description") or planning.get("description"))
    t.reference = _s(tender.get("id"))

    # Buyer
    buyer = _d(compiled.get("buyer"))
    parties = [_d(p) for p in _l(compiled.get("parties"))]
    buyer_party = next((p for p in parties if buyer.get("id") and p.get("id") == buyer["id"]), None)
    if buyer_party is None:
        buyer_party = next((p for p in parties if "buyer" in _l(p.get("roles"))), {})
    t.buyer_name = clean_text(buyer.get("name") or buyer_party.get("name")) or None
    if full:
        t.buyer_ids = _identifiers(buyer_party) if buyer_party else []
        if not t.buyer_ids and _s(buyer.get("id")):
            t.buyer_ids = [str(buyer["id"])]

    # Value
    value = _d(tender.get("value"))
    t.currency = _s(value.get("currency")) or _s(_d(tender.get("minValue")).get("currency"))
    t.value = _money(value.get("amount"), defects)
    t.value_gross = _money(value.get("amountGross"), defects)
    t.value_min = _money(_d(tender.get("minValue")).get("amount"), defects)
    if t.value == 0:
        t.value = None
    if t.value_min == 0:
        t.value_min = None
    t.value_max = t.value if t.value is not None else t.value_gross

    # Items: CPV and places per lot
    items = [_d(i) for i in _l(tender.get("items"))]
    codes: dict[str, str] = {}
    _cpv_from([tender.get("classification")], codes, defects, full)
    _cpv_from(_l(tender.get("additionalClassifications")), codes, defects, full)
    lot_cpv: dict[str, dict[str, str]] = {}
    lot_places: dict[str, list[str]] = {}
    place_text: list[str] = []
    for item in items:
        item_codes: dict[str, str] = {}
        _item_cpv(item, item_codes, defects, full)
        for code, text in item_codes.items():
            codes.setdefault(code, text)
        found = _address_places(_l(item.get("deliveryAddresses")))
        if item.get("deliveryAddress"):
            found += _address_places([item["deliveryAddress"]])
        _add(t.places, found)
        if full:
            for loc in _l(item.get("deliveryLocations")) + [_d(item.get("deliveryLocation"))]:
                text = clean_text(_d(loc).get("description"))
                if text and text not in place_text:
                    place_text.append(text)
        lot = _s(item.get("relatedLot"))
        if lot:
            target = lot_cpv.setdefault(lot, {})
            for code, text in item_codes.items():
                target.setdefault(code, text)
            _add(lot_places.setdefault(lot, []), found)
    t.cpv = list(codes)
    t.cpv_labels = codes
    t.place_text = "; ".join(place_text) or None

    # Reserved participation and its place
    other = _d(tender.get("otherRequirements"))
    reserved = other.get("reservedParticipation")
    reserved = reserved if isinstance(reserved, list) else [reserved] if reserved else []
    t.reserved_vcse = "smeVcse" in reserved or "vcse" in reserved
    # Who may bid (reserved participation) and where the service is delivered are different
    # facts: a Warrington service reserved to UK suppliers is delivered in Warrington, not
    # across the UK. The reserved location is kept as given (GSS codes, K02000001 = the UK)
    # and never becomes a delivery place.
    gazetteer = _d(_d(other.get("reservedParticipationLocation")).get("gazetteer"))
    for gss in _l(gazetteer.get("identifiers")):
        gss = str(gss).strip().upper()
        if gss:
            _add(t.reserved_location, [gss])
            if gss not in WHOLE_COUNTRY:
                _add(t.councils, [gss])

    # With no delivery place in the notice, the buyer's area stands in for it.
    if not t.places:
        region = _d(buyer_party.get("address")).get("region") if buyer_party else None
        found = _region_codes(region)
        if found:
            t.places = found
            t.places_from_buyer = True

    # Lots
    lots = [_d(lot) for lot in _l(tender.get("lots"))]
    # Find a Tender marks the lots of an awarded contract "cancelled"; an active award wins.
    awarded_lots: set[str] = set()
    for award in map(_d, _l(compiled.get("awards"))):
        if award.get("status") == "active":
            related = _l(award.get("relatedLots"))
            if not related and len(lots) == 1:
                related = [lots[0].get("id")]
            awarded_lots.update(str(x) for x in related)
    sme_any = vcse_any = None
    for raw in lots:
        lid = str(raw.get("id") if raw.get("id") is not None else len(t.lots) + 1)
        lv = _d(raw.get("value"))
        suit = _d(raw.get("suitability"))
        period = _d(raw.get("contractPeriod"))
        lot = Lot(
            id=lid,
            title=clean_text(raw.get("title")) or None,
            description=clean_text(raw.get("description")) or None,
            phase=_lot_phase(raw, phase, awarded_lots),
            value=_money(lv.get("amount"), defects),
            value_gross=_money(lv.get("amountGross"), defects),
            cpv=list(lot_cpv.get(lid, {})),
            places=lot_places.get(lid, []),
            sme=suit.get("sme") if isinstance(suit.get("sme"), bool) else None,
            vcse=suit.get("vcse") if isinstance(suit.get("vcse"), bool) else None,
            criteria=_part(defects, "award criteria", [], _criteria, raw) if full else [],
            contract_start=utc_iso(period.get("startDate")) if full else None,
            contract_end=utc_iso(period.get("endDate")) if full else None,
            contract_max_end=utc_iso(period.get("maxExtentDate")) if full else None,
            renewal=(clean_text(_d(raw.get("renewal")).get("description")) or None)
            if full
            else None,
        )
        if lot.sme:
            sme_any = True
        if lot.vcse:
            vcse_any = True
        t.lots.append(lot)
    if phase == PHASE_TENDER and t.lots and all(lot.phase == PHASE_CANCELLED for lot in t.lots):
        t.phase = PHASE_CANCELLED
    suit = _d(tender.get("suitability"))
    t.sme = suit["sme"] if isinstance(suit.get("sme"), bool) else sme_any
    t.vcse = suit["vcse"] if isinstance(suit.get("vcse"), bool) else vcse_any
    if t.value is None and t.value_gross is None and t.lots:
        lot_values = [lot.value for lot in t.lots if lot.value is not None]
        if lot_values:
            t.value_max = max(lot_values)

    # Procedure
    if full:
        t.procedure = _s(tender.get("procurementMethod"))
        t.procedure_details = clean_text(tender.get("procurementMethodDetails")) or None
    regime = tender.get("specialRegime")
    t.special_regime = [
        str(r) for r in (regime if isinstance(regime, list) else [regime] if regime else [])
    ]
    t.light_touch = "lightTouch" in t.special_regime
    basis = _d(tender.get("legalBasis"))
    law = _s(basis.get("id"))
    if law:
        t.legal_basis = f"{_s(basis.get('scheme')) or ''} {law}".strip()[:100]

    # Dates
    t.deadline = utc_iso(_d(tender.get("tenderPeriod")).get("endDate"))
    t.eoi_deadline = utc_iso(tender.get("expressionOfInterestDeadline"))
    t.future_notice_date = utc_iso(_d(tender.get("communication")).get("futureNoticeDate"))
    t.published = utc_iso(compiled.get("date"))
    if full:
        t.enquiry_deadline = utc_iso(_d(tender.get("enquiryPeriod")).get("endDate"))
        period = _d(tender.get("contractPeriod"))
        if not period and t.lots:
            first = t.lots[0]
            t.contract_start, t.contract_end = first.contract_start, first.contract_end
        else:
            t.contract_start = utc_iso(period.get("startDate"))
            t.contract_end = utc_iso(period.get("endDate"))

    # Documents, portal, amendments
    documents = _part(defects, "documents", [], _documents, compiled, full)
    t.notice_type = _notice_type(compiled, documents, latest_id, latest_tags)
    if full:
        t.documents = documents
        portal = next((d.url for d in documents if d.kind == "biddingDocuments" and d.url), None)
        if not portal:
            m = _URL.search(str(tender.get("submissionMethodDetails") or ""))
            portal = m.group(0).rstrip(".,;") if m else None
        t.portal_url = portal or _s(extra.get("portalUrl"))
        t.amendments = _part(defects, "amendments", [], _amendments, tender)
        t.contracts = _part(defects, "contracts", [], contracts_of, compiled, t.lots)

    # Defects
    if not t.cpv and not any(d.startswith("unknown_cpv") for d in defects):
        defects.append("no_cpv")
    if t.phase == PHASE_TENDER and not t.open_deadline:
        defects.append("no_deadline")
    if not t.places:
        defects.append("no_place")
    if (
        t.phase in (PHASE_TENDER, PHASE_PLANNING)
        and t.value_max is None
        and t.value_gross is None
        and t.value_min is None
    ):
        defects.append("no_value")
    t.defects = list(dict.fromkeys(defects))
    return t


def lot_text(t: Tender) -> str:
    """The text of the lots, for the search index."""
    return "\n".join(part for lot in t.lots for part in (lot.title, lot.description) if part)
