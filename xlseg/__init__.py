"""xlseg: customer segmentation for Excel (RFM, value tiers, lifecycle stages, tags)."""

from xlseg.core.config import Config
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

__all__ = [
    "Config",
    "XlsegError",
    "InputError",
    "ColumnError",
    "ConfigError",
    "RuleError",
    "WorkbookError",
    "WouldLoseDataError",
    "__version__",
]
