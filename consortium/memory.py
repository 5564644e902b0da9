"""Memory around bursts of big allocations: the cycle collector paused while they run, and
what they freed given back to the system.

While a background job builds tens of thousands of objects (a year's pipeline, the tenders a
match reads), Python's cycle collector keeps stopping to scan every object in the process, and
it holds Python's lock (the GIL) as it does: at 200,000 tenders the window froze for 0.4-0.65 s
each time, whichever thread set it off. :func:`collector_paused` (or :func:`paused` around a
job) stops it for the job's length; reference counting still frees what the job drops. What
a big job kept is then set aside (``gc.freeze``): once it is in the collector's generations, each
of the collector's passes over it (young, then middle, then all) held the window 0.25-0.7 s.

glibc keeps what a process frees for its own later use, in the arena of the thread that
allocated it: after an import learnt a compression dictionary from 3,000 releases (16 MB of
samples, read on two threads), the process stayed 20 MB bigger for the rest of the import.
``malloc_trim`` hands it back. Where the C library has no such call (macOS, Windows, musl),
this does nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import gc
import sys
import threading
from collections.abc import Callable, Iterator


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


_LOCK = threading.Lock()
# Objects the paused jobs made and kept (net of those freed), above which they are set aside
# when the last job ends: a search's count keeps a few thousand, a year's pipeline 180,000.
KEPT_BY_A_BIG_JOB = 50_000
_pausing = 0  # how many jobs have the collector paused now
_was_enabled = True


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while the body runs. Process-wide, so the first one in
    turns it off and the last one out turns it back on (if it was on before)."""
    global _pausing, _was_enabled
    with _LOCK:
        if _pausing == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pausing += 1
    try:
        yield
    finally:
        with _LOCK:
            _pausing -= 1
            if _pausing == 0 and _was_enabled:
                if gc.get_count()[0] > KEPT_BY_A_BIG_JOB:
                    # What the jobs kept (a cache of 40,000 tenders: about a million objects)
                    # is set aside, never scanned: scanning it cost 250 ms, then 355 ms, then
                    # 700 ms, each time holding the window. Reference counting still frees it;
                    # only a cycle among these objects would never be freed.
                    gc.freeze()
                gc.enable()


def paused(job: Callable[..., object]) -> Callable[..., object]:
    """``job``, run with the cycle collector paused (see :func:`collector_paused`)."""

    @functools.wraps(job)
    def run(*args, **kwargs):
        with collector_paused():
            return job(*args, **kwargs)

    return run
