"""How the app's process hands memory back to the system after large jobs (glibc only; a no-op elsewhere).

A sync or a ranking allocates and frees hundreds of MB in short-lived arrays and rows. glibc's defaults keep
much of it: one heap arena per worker thread, a large-allocation threshold that grows after each free (so big
arrays stop being returned), and freed pages kept at the heap's end. The app is long-running and mostly idle,
so it trades a little allocation speed for giving memory back.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys
from functools import cache

log = logging.getLogger(__name__)

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8
ARENAS = 2  # the GUI thread and the workers share two heaps instead of one per thread
MMAP_THRESHOLD = 64 * 1024  # allocations from 64 KiB up get their own pages, returned the moment they are freed
TRIM_THRESHOLD = 128 * 1024  # free space above this at the heap's end goes back to the system


@cache
def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        libc.gnu_get_libc_version  # noqa: B018  (musl and others lack it, and mallopt means something else there)
    except (OSError, AttributeError):
        return None
    return libc


def tune_allocator() -> bool:
    """Set the allocator's policy; call once, before worker threads start. True when it applied."""
    libc = _glibc()
    if libc is None:
        return False
    settings = ((_M_ARENA_MAX, ARENAS), (_M_MMAP_THRESHOLD, MMAP_THRESHOLD), (_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    applied = all(libc.mallopt(option, value) == 1 for option, value in settings)
    if not applied:
        log.info("the C library refused a memory setting; the app keeps its defaults")
    return applied


def release_free_memory() -> None:
    """Return the heap's free pages to the system (after a large job)."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
