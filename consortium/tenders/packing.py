"""How tender data is kept small on disk: zstandard frames, read back exactly.

    blob = pack_text(json_text)          # bytes (a zstd frame)
    unpack(blob) == json_text            # also reads plain text and older zlib blobs
    tender = tender_from_blob(pack_tender(tender), title, description)

Raw releases are stored as compressed JSON text (the exact text that was imported, so reading
one back gives byte-for-byte the same JSON). The extracted tender is stored the same way, as the
JSON of its record, so opening a tender never compiles its releases again.

Compressing releases the GIL, so the import's writer thread does it while the parser works on.
"""

from __future__ import annotations

import threading
import zlib

import orjson
import zstandard

from consortium.tenders.records import Tender

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
# Level 5 with a 112 kB dictionary stores a 5.4 kB release in 0.88 kB (level 3 with 64 kB: 1.02
# kB) at ~160 MB/s on the writer thread; level 7 saves 6% more at under half the speed.
LEVEL = 5
# Bumped when extraction changes what a stored tender holds: a tender stored under another
# version is compiled from its releases again when opened (and re-stored by the next import).
TENDER_VERSION = 1

DICTIONARY_SIZE = 112 * 1024
# Releases of one feed share most of their keys and phrasing: a dictionary trained on a
# workspace's first few hundred releases stores each in about a third of the bytes plain zstd
# needs (a release of 5.5 kB: 2.9 kB plain, 1.0 kB with the dictionary).
DICTIONARY_SAMPLES = 400
# Learnt again, bigger, once the workspace holds this many: zstd wants about a hundred times a
# dictionary's size in samples, and 400 releases (2 MB) are a fifth of that for 112 kB. On the
# bench's releases, 256 kB learnt from 3,000 stores a release in 0.63 kB instead of 0.89 kB and
# an extracted tender in 0.14 kB instead of 0.26 kB.
GROWN_SAMPLES = 3_000
GROWN_SIZE = 256 * 1024
# zstd's own search for its training parameters took 0.2-0.9 s a dictionary, on the parser's
# thread, and chose these (k, d) for releases; fixed, it learns as well in a quarter of the time.
_TRAINING = {"k": 1024, "d": 8}


def generations() -> tuple[tuple[int, int], ...]:
    """(samples, dictionary size) of each dictionary a kind of data learns, in turn."""
    return ((DICTIONARY_SAMPLES, DICTIONARY_SIZE), (GROWN_SAMPLES, GROWN_SIZE))


_local = threading.local()  # zstd (de)compressors are not safe to share between threads
_DICTIONARIES: dict[int, zstandard.ZstdCompressionDict] = {}  # by dictionary id, every workspace


def register(data: bytes) -> int:
    """Make a stored dictionary known to this process; returns its id (frames name it)."""
    found = zstandard.ZstdCompressionDict(data)
    _DICTIONARIES.setdefault(found.dict_id(), found)
    return found.dict_id()


def train(samples: list[bytes], size: int = DICTIONARY_SIZE) -> bytes:
    """A dictionary of ``size`` bytes for texts like ``samples``. Raises ``ZstdError`` when
    they are too few or too alike to learn from."""
    return zstandard.train_dictionary(size, samples, level=LEVEL, **_TRAINING).as_bytes()


def _coders() -> dict:
    coders = getattr(_local, "coders", None)
    if coders is None:
        coders = _local.coders = {}
    return coders


def _compressor(dictionary: int = 0) -> zstandard.ZstdCompressor:
    key = ("c", dictionary)
    c = _coders().get(key)
    if c is None:
        data = _DICTIONARIES[dictionary] if dictionary else None
        c = _coders()[key] = zstandard.ZstdCompressor(level=LEVEL, dict_data=data)
    return c


def _decompressor(dictionary: int) -> zstandard.ZstdDecompressor:
    key = ("d", dictionary)
    d = _coders().get(key)
    if d is None:
        data = _DICTIONARIES.get(dictionary) if dictionary else None
        if dictionary and data is None:
            raise LookupError(
                f"compression dictionary {dictionary} is not loaded: read raw releases "
                "through consortium.tenders.store, which loads the workspace's dictionaries"
            )
        d = _coders()[key] = zstandard.ZstdDecompressor(dict_data=data)
    return d


def pack_bytes(data: bytes, dictionary: int = 0) -> bytes:
    return _compressor(dictionary).compress(data)


def pack_text(text: str, dictionary: int = 0) -> bytes:
    return pack_bytes(text.encode("utf-8"), dictionary)


def pack_many(items: list[bytes], dictionary: int = 0) -> list[bytes]:
    """``[pack_bytes(b, dictionary) for b in items]``, the same frames, in one call.

    Each ``compress`` lets go of Python's lock (the GIL) and must win it back from the parser,
    which at the import's 1 ms switch interval cost ~1 ms a call: compressing a batch of 500
    releases one by one beside a busy parser took 32 times as long as alone. One call for the
    batch lets go once.
    """
    if not items:
        return []
    # zstd refuses empty inputs here; they are packed one by one (rare: an empty text).
    full = [i for i, item in enumerate(items) if item]
    out: list[bytes] = [b""] * len(items)
    if len(full) == 1:  # one tender updated alone: a batch call costs 0.8 ms, this 30 µs
        out[full[0]] = pack_bytes(items[full[0]], dictionary)
    elif full:
        frames = _compressor(dictionary).multi_compress_to_buffer([items[i] for i in full])
        for i, frame in zip(full, frames, strict=True):
            out[i] = frame.tobytes()
    if len(full) < len(items):
        empty = pack_bytes(b"", dictionary)  # the same frame for every empty item
        for i, item in enumerate(items):
            if not item:
                out[i] = empty
    return out


def unpack_bytes(value: bytes | str) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    if value[:4] == ZSTD_MAGIC:
        dictionary = zstandard.get_frame_parameters(value).dict_id
        return _decompressor(dictionary).decompress(value)
    return zlib.decompress(value)  # workspaces written before zstandard was used


def unpack(value: bytes | str) -> str:
    """The text stored in ``value``: plain text, a zstd frame or a zlib stream."""
    if isinstance(value, str):
        return value
    return unpack_bytes(value).decode("utf-8")


def _default(value):
    return str(value)  # a Decimal or other oddity in a record: kept as text, never a failure


def tender_json(tender: Tender) -> bytes:
    """The record as JSON, less its title and description: ``tenders`` and ``tender_texts``
    hold those for the list and the search index already, and a description is most of a
    tender's size."""
    title, description = tender.title, tender.description
    tender.title = tender.description = ""
    try:
        return orjson.dumps(tender, default=_default)
    finally:
        tender.title, tender.description = title, description


def pack_tender(tender: Tender, dictionary: int = 0) -> bytes:
    return pack_bytes(tender_json(tender), dictionary)


def pack_tenders(tenders: list[Tender], dictionary: int = 0) -> list[bytes]:
    """:func:`pack_tender` for many (see :func:`pack_many`)."""
    return pack_many([tender_json(t) for t in tenders], dictionary)


def tender_from_blob(blob: bytes, title: str | None, description: str | None) -> Tender:
    """The tender stored by :func:`pack_tender`, with its title and description put back."""
    tender = Tender.from_dict(orjson.loads(unpack_bytes(blob)))
    tender.title, tender.description = title or "", description or ""
    return tender
