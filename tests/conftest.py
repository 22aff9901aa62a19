"""Shared fixtures.

``libreoffice`` and ``pdftoppm`` skip a test when the tool is missing on a
developer machine, but FAIL it when ``CI`` is set (``CI=true``): a test skipped
in CI checks nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests import libreoffice as lo

DATA_DIR = Path(__file__).resolve().parent / "data"
INSTALL_HINT = "apt-get install -y --no-install-recommends libreoffice-calc-nogui poppler-utils"


def in_ci() -> bool:
    """True when the CI environment variable says so (GitHub Actions sets CI=true)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def _require(tool: str, path: Path | None) -> Path:
    if path is not None:
        return path
    message = f"{tool} not found on PATH; install it with: {INSTALL_HINT}"
    if in_ci():
        pytest.fail(f"CI=true but {message}. LibreOffice tests must run in CI.", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """tests/data: CDNOW transactions, the LibreOffice profile, reference files."""
    return DATA_DIR


@pytest.fixture(scope="session")
def libreoffice():
    """The tests.libreoffice module, once soffice is known to be installed.

    Use as ``libreoffice.convert_to_csv(path, tmp_path)`` etc.
    """
    _require("soffice", lo.soffice_path())
    return lo


@pytest.fixture(scope="session")
def pdftoppm(libreoffice) -> Path:
    """Path of pdftoppm (poppler-utils); same skip/fail rule as ``libreoffice``."""
    return _require("pdftoppm", lo.pdftoppm_path())
