"""xlseg.memory: freed memory is given back between a run's steps (issue 12: a full sheet in 2 GB)."""

from __future__ import annotations

import sys

import pyarrow as pa
import pytest

from xlseg import memory


def test_release_unused_gives_back_arrows_pool():
    kept = pa.array(["x" * 100] * 10_000)
    freed = pa.array(["y" * 100] * 100_000)
    del freed
    memory.release_unused()
    assert pa.total_allocated_bytes() >= kept.nbytes  # what is alive stays
    assert kept[0].as_py() == "x" * 100


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim is Linux-only")
def test_glibc_trim_is_found_on_linux():
    import platform

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("not glibc (musl has no malloc_trim)")
    assert memory._TRIM is not None
