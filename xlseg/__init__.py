"""xlseg: customer segmentation for Excel (RFM, value tiers, lifecycle stages, tags)."""

import functools

from xlseg.core import engine as _engine
from xlseg.core.config import Config
from xlseg.core.engine import Result
from xlseg.errors import (
    ColumnError,
    ConfigError,
    InputError,
    RuleError,
    WorkbookError,
    WouldLoseDataError,
    XlsegError,
)
from xlseg.version import __version__


@functools.wraps(_engine.classify)
def classify(customers=None, transactions=None, config=None, **kwargs) -> Result:
    # A Spark DataFrame of order lines is aggregated by Spark (xlseg.engines.spark); the rest is the pandas core.
    if type(transactions).__module__.startswith("pyspark."):
        from xlseg.engines.spark import classify_dataframe

        return classify_dataframe(transactions, customers, config, **kwargs)
    return _engine.classify(customers, transactions, config, **kwargs)


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
