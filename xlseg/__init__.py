"""xlseg: customer segmentation for Excel (RFM, value tiers, lifecycle stages, tags)."""

from xlseg.core.config import Config
from xlseg.core.engine import Result, classify
from xlseg.errors import (
    ColumnError,
    ConfigError,
    InputError,
    RuleError,
    WorkbookError,
    WouldLoseDataError,
    XlsegError,
)

__version__ = "0.1.0"


def main() -> None:
    """Reclassify the calling workbook: what the ribbon's Reclassify button runs (``xlseg.xlam``)."""
    from xlseg.excel.main import main as _main

    _main()


__all__ = [
    "Config",
    "Result",
    "classify",
    "main",
    "XlsegError",
    "InputError",
    "ColumnError",
    "ConfigError",
    "RuleError",
    "WorkbookError",
    "WouldLoseDataError",
    "__version__",
]
