"""Bound what a JSON file can make the parser do, before the parser sees a byte of it.

ijson's C backend crashes the whole process on an integer of more than 4,300 digits (Python
refuses to convert it and the backend does not check), and builds a path string for every level
of nesting, so 100,000 nested brackets in a 200 KB file take gigabytes. :class:`JsonGuard` sits
between the file and ijson and rewrites, in place, any number longer than ``MAX_NUMBER``
characters and any value nested deeper than ``MAX_DEPTH`` levels into a marker string
(:data:`LONG_NUMBER`, :data:`TOO_DEEP`). The JSON stays valid, so one notice loses that one
value (the importer lists a defect for it), never the file.

    stream = JsonGuard(open("package.json", "rb"))
    for release in ijson.items(stream, "releases.item"):
        ...

It stays fast (about 1 GB/s, beside ijson's 150 MB/s) because each 64 KB piece is first checked
with a few whole-piece byte operations that run in C (translate, count, replace): strings are
cut out, and the brackets left give an upper bound on the depth. Only a piece that could hold a
long number or deep nesting is walked byte by byte.
"""

from __future__ import annotations

import re
from typing import BinaryIO

MAX_NUMBER = 400  # characters in one number; real amounts have about 15
MAX_DEPTH = 64  # open objects and arrays; OCDS record packages reach about 12

# U+2063 (invisible separator) starts each marker, so a real notice never matches by accident.
LONG_NUMBER = f"\u2063[a number of more than {MAX_NUMBER} characters was removed]"
TOO_DEEP = f"\u2063[a value nested more than {MAX_DEPTH} levels deep was removed]"
MARK = "\u2063["
_LONG_NUMBER_JSON = ('"' + LONG_NUMBER + '"').encode()
_TOO_DEEP_JSON = ('"' + TOO_DEEP + '"').encode()

_NUMBER_CHARS = b"0123456789+-.eE"
_HOLD = _NUMBER_CHARS + b"\\"  # held back at the end of a piece: a number or an escape, cut
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
# A number of more than MAX_NUMBER characters has at most four signs and points, so it has a
# run of at least this many digits; a piece without one cannot hold a long number. (Long, so
# that digits in ordinary text, joined up once the words between are taken out, never reach it.)
_DIGIT_RUN = b"0" * ((MAX_NUMBER - 4) // 3)
_NOT_KEPT = bytes(c for c in range(256) if c not in b'"[]{}0123456789')
_CURLY_TO_SQUARE = bytes.maketrans(b"{}", b"[]")
_ESCAPE = re.compile(rb'\\[\\"]')
_STRING = re.compile(rb'"[^"]*(?:"|\Z)')
_OPEN = frozenset(b"[{")
_CLOSE = frozenset(b"]}")
_NUMBER_START = frozenset(b"-0123456789")
_OUTSIDE = re.compile(rb'["\[\]{}0-9-]')
_IN_STRING = re.compile(rb'["\\]')
_SKIPPING = re.compile(rb'["\\\[\]{}]')
_NUMBER = re.compile(rb"[-+0-9.eE]+")


class JsonGuard:
    """A read-only binary stream: the JSON of ``raw`` with long numbers and deep values replaced.

    ``long_numbers`` and ``too_deep`` count the values replaced so far.
    """

    def __init__(self, raw: BinaryIO, chunk: int = 64 * 1024):
        self.raw = raw
        self.chunk = chunk
        self.carry = b""
        self.out = b""
        self.eof = False
        self.closed = False
        # Exact parser state at the end of what has been handed on.
        self.in_string = False
        self.escaped = False
        self.depth = 0
        self.skip = False  # inside a value nested too deep: dropped until depth is back
        self.dropping = False  # inside a number that is too long: digits dropped
        self.long_numbers = 0
        self.too_deep = 0

    # ---------------------------------------------------------------- stream
    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            parts = [self.out]
            self.out = b""
            while not self.eof:
                parts.append(self._next())
            return b"".join(parts)
        while not self.out and not self.eof:
            self.out = self._next()
        data, self.out = self.out[:size], self.out[size:]
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.closed = True
        self.raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---------------------------------------------------------------- pieces
    def _next(self) -> bytes:
        piece = self.raw.read(self.chunk)
        if not piece:
            self.eof = True
        data, self.carry = self.carry + piece, b""
        cut = self.eof
        if not self.eof:
            keep = len(data.rstrip(_HOLD))
            if len(data) - keep <= MAX_NUMBER:
                data, self.carry = data[:keep], data[keep:]
                cut = True
        # A piece that ends in a long run of digits or backslashes is walked: the quick check
        # needs every number and escape whole.
        if not cut or self.skip or self.dropping or self.escaped or not self._quick(data):
            return self._walk(data)
        return data

    def _quick(self, data: bytes) -> bool:
        """Check ``data`` with whole-piece operations; True (state moved on) if it is safe."""
        # Escaped backslashes and escaped quotes go (left to right, as JSON reads them): what
        # is left are the real quotes.
        text = _unescaped(data) if b"\\" in data else data
        # Quotes, brackets and digits (as "0") stay. Runs of digits can only join up through
        # what was taken out, so a long number always shows as a long run.
        marks = text.translate(_DIGITS_TO_ZERO, _NOT_KEPT)
        if _DIGIT_RUN in marks:
            return False
        marks = marks.translate(None, b"0")
        quotes = marks.count(b'"')
        if quotes or self.in_string:
            if self.in_string:
                marks = b'"' + marks
            # Dropping two adjacent quotes drops an empty string or joins two strings: harmless.
            marks = marks.replace(b'""', b"")
            if b'"' in marks:
                marks = _STRING.sub(b"", marks)
        brackets = marks.translate(_CURLY_TO_SQUARE)
        opens = brackets.count(b"[")
        closes = len(brackets) - opens
        if self.depth + opens > MAX_DEPTH:
            # Take out innermost pairs level by level: what is left is "]]][[[".
            levels = 0
            while b"[]" in brackets:
                if levels >= MAX_DEPTH:
                    return False
                brackets = brackets.replace(b"[]", b"")
                levels += 1
            unmatched_closes = len(brackets) - len(brackets.lstrip(b"]"))
            rise = len(brackets) - 2 * unmatched_closes
            if self.depth + max(0, rise) + levels > MAX_DEPTH:
                return False
        self.depth += opens - closes
        self.in_string ^= bool(quotes & 1)
        return True

    def _walk(self, data: bytes) -> bytes:
        """Byte by byte (quick over strings): the piece, with long numbers and deep values
        replaced. Only pieces that :meth:`_quick` could not clear come here."""
        out = bytearray()
        i, n = 0, len(data)
        if self.dropping:
            i = n - len(data.lstrip(_NUMBER_CHARS))
            if i < n:
                self.dropping = False
        while i < n:
            if self.escaped:
                if not self.skip:
                    out.append(data[i])
                self.escaped = False
                i += 1
                continue
            if self.in_string:
                m = _IN_STRING.search(data, i)
                end = m.start() if m else n
                if not self.skip:
                    out += data[i:end]
                if not m:
                    break
                if not self.skip:
                    out.append(data[end])
                if data[end] == 0x22:
                    self.in_string = False
                else:
                    self.escaped = True
                i = end + 1
                continue
            if self.skip:
                m = _SKIPPING.search(data, i)
                if not m:
                    break
                c, i = data[m.start()], m.start() + 1
                if c == 0x22:
                    self.in_string = True
                elif c in _OPEN:
                    self.depth += 1
                elif c in _CLOSE:
                    self.depth -= 1
                    if self.depth <= MAX_DEPTH:
                        self.skip = False
                continue
            m = _OUTSIDE.search(data, i)
            if not m:
                out += data[i:]
                break
            start = m.start()
            out += data[i:start]
            c = data[start]
            if c in _NUMBER_START:
                token = _NUMBER.match(data, start)
                end = token.end()
                if end - start > MAX_NUMBER:
                    out += _LONG_NUMBER_JSON
                    self.long_numbers += 1
                    if end == n and not self.eof:
                        self.dropping = True
                else:
                    out += data[start:end]
                i = end
                continue
            i = start + 1
            if c == 0x22:
                self.in_string = True
                out.append(c)
            elif c in _OPEN:
                self.depth += 1
                if self.depth > MAX_DEPTH:
                    self.skip = True
                    self.too_deep += 1
                    out += _TOO_DEEP_JSON
                else:
                    out.append(c)
            else:
                self.depth -= 1
                out.append(c)
        return bytes(out)


def _unescaped(data: bytes) -> bytes:
    """``data`` without its escaped quotes and backslashes (``\\"`` and ``\\\\``)."""
    # Few escapes (the usual case): find each one, as a regular expression would read every byte.
    pieces, start, at, seen = [], 0, data.find(b"\\"), 0
    while at >= 0:
        seen += 1
        if seen > 256:
            return _ESCAPE.sub(b"", data)
        if data[at + 1 : at + 2] in (b'"', b"\\"):
            pieces.append(data[start:at])
            start = at + 2
        at = data.find(b"\\", at + 2)
    if not pieces:
        return data
    pieces.append(data[start:])
    return b"".join(pieces)


def marks_in(text: str) -> list[str]:
    """The defects a stored notice's JSON text holds: ``long_number``, ``too_deep``,
    ``bad_text`` (U+FFFD, where text could not be read), or none."""
    found = ["bad_text"] if "\ufffd" in text else []
    if MARK in text:
        found += [
            kind
            for kind, marker in (("long_number", LONG_NUMBER), ("too_deep", TOO_DEEP))
            if marker in text
        ]
    return found
