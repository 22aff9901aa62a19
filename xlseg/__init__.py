"""xlseg: customer segmentation for Excel (RFM, value tiers, lifecycle stages, tags).

``Config``, ``Result`` and ``classify`` are loaded on first use (PEP 562), so commands that do not
classify (``xlseg history``, ``xlseg --help``) do not import the whole core.
"""

import functools

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


def _classify():
    from xlseg.core import engine as _engine

    @functools.wraps(_engine.classify)
    def classify(customers=None, transactions=None, config=None, **kwargs):
        # A Spark DataFrame of order lines is aggregated by Spark (xlseg.engines.spark); the rest is the pandas core.
        if type(transactions).__module__.startswith("pyspark."):
            from xlseg.engines.spark import classify_dataframe

            return classify_dataframe(transactions, customers, config, **kwargs)
        return _engine.classify(customers, transactions, config, **kwargs)

    return classify


def __getattr__(name):
    if name == "classify":
        value = _classify()
    elif name == "Config":
        from xlseg.core.config import Config as value
    elif name == "Result":
        from xlseg.core.engine import Result as value
    else:
        raise AttributeError(f"module 'xlseg' has no attribute {name!r}")
    globals()[name] = value
    return value


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
