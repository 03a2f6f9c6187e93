"""Give memory that Python has freed back to the operating system.

Loading a model builds and drops many temporary objects (the saved state, the
vocabulary text it is rebuilt from); glibc keeps the freed pages in the process,
so resident memory stays about 80 MB above what the live objects need. Asking the
allocator to trim returns them, as Dask does for its workers. Where the C library
has no ``malloc_trim`` (macOS, Windows, musl) this only runs the garbage collector.
"""

from __future__ import annotations

import ctypes
import gc
import sys
from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where it is not available."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    return getattr(libc, "malloc_trim", None)


def release_freed_memory() -> bool:
    """Collect garbage and return freed heap pages to the OS; True if trimmed."""
    gc.collect()
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
