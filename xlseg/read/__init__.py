"""Reading input files: workbooks with python-calamine (:mod:`xlseg.read.book`), CSV dialects (:mod:`xlseg.read.delimited`)."""

from xlseg.read.book import Book, open_book

__all__ = ["Book", "open_book"]
