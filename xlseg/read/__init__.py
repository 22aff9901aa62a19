"""Reading input files: workbooks with python-calamine (:mod:`xlseg.read.book`), CSV dialects
(:mod:`xlseg.read.delimited`)."""

__all__ = ["Book", "open_book"]


def __getattr__(name):
    """``Book`` and ``open_book`` on first use: importing :mod:`xlseg.read.package` or
    :mod:`xlseg.read.prefetch` does not import pandas (``xlseg history`` starts inflating before it does)."""
    if name in __all__:
        from xlseg.read import book

        return getattr(book, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
