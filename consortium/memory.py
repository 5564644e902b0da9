"""Give memory freed by a short burst of big allocations back to the system.

glibc keeps what a process frees for its own later use, in the arena of the thread that
allocated it: after an import learnt a compression dictionary from 3,000 releases (16 MB of
samples, read on two threads), the process stayed 20 MB bigger for the rest of the import.
``malloc_trim`` hands it back. Where the C library has no such call (macOS, Windows, musl),
this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys


@functools.cache
def _trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):
        return None


def give_back() -> bool:
    """Return freed memory to the system if this platform can; True if it was asked."""
    trim = _trim()
    if trim is None:
        return False
    trim(0)
    return True
