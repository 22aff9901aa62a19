"""Memory a run freed given back to the operating system between its steps (issue 12: a full sheet in 2 GB).

Two allocators keep what a step freed for the next one: Arrow's pool (mimalloc)
and, on Linux with glibc, the C library's heap and per-thread arenas (the Why
texts are built in threads, each with an arena of its own). Freed memory stays
in the process's resident set until given back, so every later step starts
that much higher. :func:`release_unused` gives both back; it is called between
the steps of a file-mode run and between the sheets the editor writes.

Measured on a full sheet (1,048,575 customers, ``bench/bench_full_sheet.py``):
the resident set when saving starts 1,792 -> 1,531 MB with glibc's trim.
"""

from __future__ import annotations

import sys

import pyarrow as pa


def _glibc_trim():
    """glibc's ``malloc_trim``, or None (macOS, Windows, musl: their allocators give memory back themselves or
    have no such call)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes  # here: a Python built without ctypes still writes workbooks

        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (ImportError, OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


_TRIM = _glibc_trim()


def release_unused() -> None:
    """Give back to the OS what Arrow's pool and the C heap hold unused (a few milliseconds)."""
    pa.default_memory_pool().release_unused()
    if _TRIM is not None:
        _TRIM(0)


__all__ = ["release_unused"]
