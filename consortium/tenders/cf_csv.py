"""Read a Contracts Finder "download results" export (CSV, or the same re-saved from Excel).

Each row becomes an OCDS-shaped release, so it goes through the same compiling, extraction and
storage as the OCDS feeds and merges with them::

    for release in read_rows(source):
        ...

Handled: a UTF-8 BOM, Windows-1252 or UTF-16 text from Excel, ``;`` or tab separators, CRLF
inside quoted fields, headers in any case and spacing, the ``01/01/2001`` and ``01/01/1970`` "no date" placeholders,
``dd/mm/yyyy`` and Excel dates, space-separated CPV codes with a trailing space, CPV codes that
Excel turned into numbers (leading zero lost), comma-separated regions, ``Yes``/``YES``/``No``,
and ``0`` meaning "value not known".
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Iterator
from typing import Any

from consortium import workbooks
from consortium.formatting import plural
from consortium.tenders import merge
from consortium.tenders.extract import num
from consortium.tenders.ocds_reader import Source, TenderFileError

REQUIRED = ["Notice Identifier", "Title", "Organisation Name", "Published Date"]
COLUMNS = {
    "noticeidentifier": "ref",
    "noticetype": "notice_type",
    "organisationname": "buyer",
    "status": "status",
    "publisheddate": "published",
    "title": "title",
    "description": "description",
    "nationwide": "nationwide",
    "postcode": "postcode",
    "region": "region",
    "cpvcodes": "cpv",
    "contactwebsite": "website",
    "attachments": "attachments",
    "links": "links",
    "additionaltext": "additional",
    "startdate": "start",
    "enddate": "end",
    "closingdate": "closing",
    "closingtime": "closing_time",
    "suitableforsme": "sme",
    "suitableforvco": "vcse",
    "suitableforvcse": "vcse",
    "ojeucontracttype": "contract_type",
    "valuelow": "value_low",
    "valuehigh": "value_high",
    "awardeddate": "awarded_date",
    "awardedvalue": "awarded_value",
    "ojeuproceduretype": "procedure",
    "contractstartdate": "contract_start",
    "contractenddate": "contract_end",
}
NO_DATES = merge.NO_DATES  # 01/01/2001 and 01/01/1970 mean "no date"
MAX_XLSX_ROWS = 1_000_000  # an .xlsx sheet holds no more; the width is capped too (workbooks)
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def _key(header: Any) -> str:
    return re.sub(r"[^a-z]", "", str(header or "").lower().replace("\ufeff", ""))


# ----------------------------------------------------------------------------- values
def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in ("yes", "y", "true", "1"):
        return True
    if text in ("no", "n", "false", "0"):
        return False
    return None


def _amount(value: Any) -> float | None:
    if isinstance(value, str):
        value = re.sub(r"\s", "", value)  # "£1 250 000", as some exports space it
    amount = num(value)  # the one rule for an amount read from a file: None beyond a double
    return amount if amount is not None and amount > 0 else None  # 0: "not known" in the export


def _last_sunday(year: int, month: int) -> dt.date:
    day = dt.date(year, month + 1, 1) - dt.timedelta(days=1)
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)


def london_offset(moment: dt.datetime) -> dt.timedelta:
    """UK civil time offset (GMT/BST) for a naive local time, without a time-zone database."""
    start = dt.datetime.combine(_last_sunday(moment.year, 3), dt.time(1))
    end = dt.datetime.combine(_last_sunday(moment.year, 10), dt.time(1))
    return dt.timedelta(hours=1) if start <= moment < end else dt.timedelta(0)


_DMY = re.compile(
    r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)


def parse_when(value: Any, *, end_of_day: bool = False, naive_utc: bool = False) -> str | None:
    """An ISO 8601 date-time with offset for a CSV/Excel date; None for blank or the sentinel.

    Dates without an offset are UK civil time, except with ``naive_utc`` (the export's
    "Published Date" is UTC, and Excel drops the ``Z`` when it re-saves it).
    """
    moment: dt.datetime | None = None
    has_time = False
    if isinstance(value, dt.datetime):
        moment, has_time = value, True
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    else:
        text = _text(value)
        if not text:
            return None
        if re.match(r"^\d{4}-\d{2}-\d{2}", text):
            try:
                parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                return None
            if parsed.tzinfo is not None:
                return None if parsed.date() in NO_DATES else parsed.isoformat()
            moment, has_time = parsed, "T" in text or " " in text
        else:
            m = _DMY.match(text)
            if not m:
                return None
            year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
            try:
                moment = dt.datetime(year, int(m[2]), int(m[1]))
            except ValueError:
                return None
            if m[4]:
                moment = moment.replace(hour=int(m[4]), minute=int(m[5]), second=int(m[6] or 0))
                has_time = True
    if moment is None or moment.date() in NO_DATES:
        return None
    if moment.tzinfo is not None:
        return moment.isoformat()
    if not has_time and end_of_day:
        moment = moment.replace(hour=23, minute=59, second=59)
    offset = dt.timedelta(0) if naive_utc else london_offset(moment)
    return moment.replace(tzinfo=dt.timezone(offset)).isoformat()


def _with_time(date_text: str | None, time_value: Any) -> str | None:
    if not date_text:
        return None
    text = _text(time_value)
    if isinstance(time_value, dt.time):
        text = time_value.strftime("%H:%M")
    m = re.match(r"^(\d{1,2}):(\d{2})", text)
    if not m:
        return date_text
    moment = dt.datetime.fromisoformat(date_text).replace(tzinfo=None)
    moment = moment.replace(hour=int(m[1]), minute=int(m[2]), second=0)
    return moment.replace(tzinfo=dt.timezone(london_offset(moment))).isoformat()


def _cpv_list(value: Any) -> list[str]:
    if isinstance(value, int) and not isinstance(value, bool):
        return [str(value).zfill(8)]
    if isinstance(value, float) and value.is_integer():  # not inf or nan: those are no code
        return [str(int(value)).zfill(8)]
    parts = re.split(r"[\s,;]+", _text(value))
    out = []
    for part in parts:
        part = re.sub(r"\.0+$", "", part.strip())
        if not part:
            continue
        stem = part.split("-")[0]
        out.append(stem.zfill(8) if stem.isdigit() and len(stem) == 7 else stem)
    return out


def _regions(value: Any) -> list[dict]:
    out = []
    for part in _text(value).split(","):
        name = part.strip()
        if not name:
            continue
        if name.lower() in ("any region", "nationwide", "united kingdom", "uk"):
            out.append({"region": "UK", "countryName": "United Kingdom"})
        else:
            out.append({"region": name})
    return out


# ---------------------------------------------------------------------------- rows
def row_release(row: dict[str, Any]) -> dict | None:
    """An OCDS-shaped release for one export row (None for a blank row)."""
    ref = re.sub(r"\s+", " ", _text(row.get("ref"))).strip()
    title = _text(row.get("title"))
    if not ref and not title:
        return None
    if _GUID.match(ref):
        ocid = f"ocds-b5fd17-{ref.lower()}"
    else:
        ocid = "cf-csv-" + (ref or hashlib.sha1(title.encode()).hexdigest()[:16])
    notice_type = _text(row.get("notice_type")) or "Contract"
    status = _text(row.get("status")).lower()
    tag = ["planning"] if notice_type.lower() in ("pipeline", "preprocurement") else ["tender"]
    tender_status = {"awarded": "complete", "withdrawn": "withdrawn"}.get(status, "active")
    if tag == ["planning"] and tender_status == "active":
        tender_status = "planning"
    if status == "awarded":
        tag = ["award"]
    published = parse_when(row.get("published"), naive_utc=True)
    codes = _cpv_list(row.get("cpv"))
    classifications = [{"scheme": "CPV", "id": c} for c in codes]
    addresses = _regions(row.get("region"))
    postcode = _text(row.get("postcode"))
    if postcode:
        addresses.append({"postalCode": postcode})
    tender: dict[str, Any] = {
        "id": ref or None,
        "title": title,
        "description": _text(row.get("description")),
        "status": tender_status,
        "items": [{"id": "1", "deliveryAddresses": addresses}] if addresses else [],
        "suitability": {},
    }
    if classifications:
        tender["classification"] = classifications[0]
        tender["additionalClassifications"] = classifications[1:]
    high, low = _amount(row.get("value_high")), _amount(row.get("value_low"))
    if high is not None:
        tender["value"] = {"amount": high, "currency": "GBP"}
    if low is not None:
        tender["minValue"] = {"amount": low, "currency": "GBP"}
    closing = _with_time(parse_when(row.get("closing"), end_of_day=True), row.get("closing_time"))
    if closing:
        tender["tenderPeriod"] = {"endDate": closing}
    start, end = parse_when(row.get("start")), parse_when(row.get("end"), end_of_day=True)
    if start or end:
        tender["contractPeriod"] = {k: v for k, v in (("startDate", start), ("endDate", end)) if v}
    for key, column in (("sme", "sme"), ("vcse", "vcse")):
        flag = _bool(row.get(column))
        if flag is not None:
            tender["suitability"][key] = flag
    procedure = _text(row.get("procedure"))
    if procedure:
        tender["procurementMethodDetails"] = procedure
    contract_type = _text(row.get("contract_type")).lower()
    category = {"services": "services", "works": "works", "products": "goods"}.get(contract_type)
    if category:
        tender["mainProcurementCategory"] = category
    links = re.findall(r"https?://\S+", _text(row.get("links")))
    docs = [
        {"id": f"link-{i}", "documentType": "biddingDocuments", "url": url.rstrip(".,;")}
        for i, url in enumerate(links, 1)
    ]
    if docs:
        tender["documents"] = docs
    buyer = _text(row.get("buyer"))
    release: dict[str, Any] = {
        "ocid": ocid,
        "date": published,
        "tag": tag,
        "initiationType": "tender",
        "buyer": {"id": f"cf-buyer-{buyer}", "name": buyer},
        "parties": [{"id": f"cf-buyer-{buyer}", "name": buyer, "roles": ["buyer"]}],
        "tender": tender,
        "x_consortium": {
            "noticeType": notice_type,
            "portalUrl": links[0].rstrip(".,;") if links else _text(row.get("website")) or None,
        },
    }
    content = json.dumps(release, sort_keys=True, ensure_ascii=False, default=str)
    release["id"] = "csv-" + hashlib.sha1(content.encode("utf-8")).hexdigest()[:16]
    return release


def _columns(source: Source, header: list[Any]) -> dict[int, str]:
    mapping = {}
    for index, name in enumerate(header):
        field = COLUMNS.get(_key(name))
        if field and field not in mapping.values():
            mapping[index] = field
    missing = [name for name in REQUIRED if COLUMNS[_key(name)] not in mapping.values()]
    if missing:
        raise TenderFileError(
            f"{source.name} is missing {plural(len(missing), 'column')} ({', '.join(missing)}), so it "
            "does not look "
            "like a Contracts Finder export. Download it again with 'Download results' on "
            "Contracts Finder, and keep the first row of column names."
        )
    return mapping


def _encoding(source: Source) -> str:
    with source.open() as stream:
        head = stream.read(4)
        if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return "utf-16"
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            decoder.decode(head)
            while chunk := stream.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def read_rows(source: Source, counter: list | None = None) -> Iterator[dict]:
    """The releases of a Contracts Finder CSV or XLSX export, one per row."""
    if source.kind == "xlsx":
        yield from _read_xlsx(source)
        return
    encoding = _encoding(source)
    raw = source.open()
    if counter is not None:
        from consortium.tenders.ocds_reader import Counting

        raw = Counting(raw)
        counter.append(raw)
    text = io.TextIOWrapper(raw, encoding=encoding, newline="")
    try:
        first = text.readline()
        if not first.strip():
            raise TenderFileError(
                f"{source.name} is empty: it holds no notices. Check you chose the right file."
            )
        delimiter = max((",", ";", "\t"), key=first.count)
        reader = csv.reader(io.StringIO(first), delimiter=delimiter)
        header = next(reader)
        mapping = _columns(source, header)
        for values in csv.reader(text, delimiter=delimiter):
            row = {field: values[i] for i, field in mapping.items() if i < len(values)}
            release = row_release(row)
            if release is not None:
                yield release
    except csv.Error as exc:
        raise TenderFileError(f"{source.name} is not a readable CSV file ({exc}).") from exc
    except UnicodeDecodeError as exc:
        raise TenderFileError(f"{source.name} is not readable text ({exc}).") from exc
    finally:
        text.close()


def _read_xlsx(source: Source) -> Iterator[dict]:
    import openpyxl

    stream = source.open()
    try:
        workbooks.check_archive(stream, source.name, TenderFileError)
        try:
            book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise TenderFileError(
                f"{source.name} is not a readable Excel workbook ({exc}). Save it again from "
                "Excel as .xlsx, or import the original .csv."
            ) from exc
        try:
            rows = workbooks.rows(
                workbooks.sheets(book, source.name, TenderFileError)[0],
                name=source.name,
                error=TenderFileError,
                max_rows=MAX_XLSX_ROWS,
            )
            header = None
            for values in rows:
                if any(v not in (None, "") for v in values):
                    header = list(values)
                    break
            if header is None:
                raise TenderFileError(
                    f"{source.name} is empty: it holds no notices. Check you chose the right file."
                )
            mapping = _columns(source, header)
            for values in rows:
                row = {field: values[i] for i, field in mapping.items() if i < len(values)}
                release = row_release(row)
                if release is not None:
                    yield release
        finally:
            book.close()
    finally:
        stream.close()
