"""A recording fake of the small xlwings surface xlseg uses, for Linux tests.

How it works
------------
This is a fake *engine*, not a re-implementation of xlwings' public classes.
xlwings itself is split in two layers:

* ``xlwings.main`` (``App``, ``Book``, ``Sheet``, ``Range``, ``Table``, ``Chart``,
  ``Names``, ``ConditionalFormats`` ...) -- the public API, pure Python: argument
  validation, the conversion pipeline (2-D lists, ``None`` for empty cells,
  floats, datetimes, ``ndim``, automatic chunking of big reads/writes),
  ``expand``, ``resize``, ``offset``, ``Sheets.add``'s duplicate-name check ...
* an engine ``impl`` layer (``_xlwindows.py`` over COM, ``_xlmac.py`` over
  AppleScript) -- every member there talks to Excel.

The classes below implement the engine layer in memory and are wrapped by the
*real* ``xlwings.main`` classes.  So code under test receives genuine
``xw.Book`` / ``xw.Sheet`` / ``xw.Range`` objects, and every piece of xlwings'
own Python logic runs exactly as it does against Excel.  A member that xlwings'
open-source desktop engines do not implement (``sheet.freeze_panes``) raises
``NotImplementedError`` here too, and a member that does not exist in the
public API (``table.delete()``, ``sheet.tab_color``) does not exist here either.
``.api`` (raw COM) returns an object that raises on any use: code under test
must stay on the public API.

Calls
-----
Every engine member that would cross to Excel is recorded as ONE ``Call`` in
``FakeApp.calls`` *before* it takes effect (so an injected failure leaves the
workbook unchanged).  Names are ``"<object>.<member>"`` for methods and
``"<object>.<member>.get|set"`` for properties, e.g. ``"range.value.get"``,
``"range.value.set"``, ``"sheets.add"``, ``"app.status_bar.set"``.  A chunked
read or write (xlwings chunks writes above 100,000 cells and reads above
4,000,000 cells unless ``options(chunksize=None)``) is one call per chunk, as in
Excel.  Pure navigation that xlwings resolves locally or caches (``range.row``,
``range.column``, ``range.shape``, ``range.sheet``, ``sheet.book``,
``book.app``, ``book.sheets``, ``sheet.tables`` ...) is not counted.

Usage
-----
    excel = FakeApp()                              # platform="windows" | "mac"
    book = FakeBook.from_openpyxl(openpyxl_wb, app=excel)   # or excel.add_book()
    xw_book = book.xw                              # a real xlwings.Book
    with install_caller(xw_book):                  # xw.Book.caller() -> xw_book
        xlseg.main()
    excel.call_count, excel.calls, excel.alerts, excel.status_bar_history
    book.to_rows("Customers")

or, in pytest, the ``fake_excel`` fixture (import it into the test module).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import fnmatch
import functools
import itertools
import math
import numbers
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import pytest
import xlwings as xw
from xlwings import base_classes
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from xlwings.utils import col_name, hex_to_rgb, int_to_rgb

MAX_ROWS = 1_048_576
MAX_COLS = 16_384

# ---------------------------------------------------------------------------
# errors


class FakeComError(Exception):
    """Stands in for ``pywintypes.com_error``: args are (hresult, text, excepinfo, argerr)."""

    def __init__(self, message: str = "Exception occurred.", hresult: int = -2147352567):
        excepinfo = (0, "Microsoft Excel", message, "xlmain11.chm", 0, -2146827284)
        super().__init__(hresult, "Exception occurred.", excepinfo, None)
        self.hresult = hresult
        self.message = message

    def __str__(self) -> str:
        return f"(FakeComError) {self.message}"


APPLE_EVENT_BYTES = 28_000_000
"""The fake's Apple Event size cap (see FakeApp.check_apple_event)."""


class FakeAppleEventError(Exception):
    """Stands in for appscript's CommandError -1741 (errAEBufferTooSmall) on an oversized Apple Event."""

    def __init__(self, size: int):
        super().__init__(f"Command failed: OSERROR: -1741 MESSAGE: The Apple Event of {size:,} bytes is too big "
                         f"(limit {APPLE_EVENT_BYTES:,}).")
        self.size = size


def _display_text(v: Any) -> Any:
    """What Range.string_value sends for a stored cell (sized only: the text of numbers is approximated)."""
    if isinstance(v, Formula):
        v = v.result
    if v is None:
        return None
    if isinstance(v, CellError):
        return v.text
    return v if isinstance(v, str) else str(v)


class _NoApi:
    """What ``.api`` returns: truthy (xlwings checks ``if rng.api``), unusable."""

    def __init__(self, owner: str):
        self._owner = owner

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(
            f"{self._owner}.api.{name}: the fake has no COM/AppleScript object model; "
            "use the public xlwings API (or skip this feature in live mode)."
        )

    def __call__(self, *a: Any, **k: Any) -> Any:
        raise AttributeError(f"{self._owner}.api(...) is not available in the fake")


class _BookApi(_NoApi):
    """A workbook's ``.api``: only its date system, as each engine exposes it (the rest raises as _NoApi).

    Windows: ``_xlwindows.Book.api`` is the COM ``Workbook``, whose ``Date1904`` is a bool property.
    Mac: ``_xlmac.Book.api`` is an appscript reference (``app.xl.workbooks[...]``); its property
    ``date_1904`` (mac_dict.py: ``("date_1904", b"1809")``) is read with ``.get()``. Each platform has
    only its own name, as in Excel.
    """

    def __init__(self, book: "FakeBook"):
        super().__init__("book")
        self._book = book

    def __getattr__(self, name: str) -> Any:
        book = self._book
        if name == "Date1904" and book._app.platform == "windows":
            book._app._call("book.api.Date1904.get")
            return book.date1904
        if name == "date_1904" and book._app.platform == "mac":
            return _AppleProperty(lambda: (book._app._call("book.api.date_1904.get"), book.date1904)[1])
        return super().__getattr__(name)


class _AppleProperty:
    def __init__(self, get: Callable[[], Any]):
        self.get = get


class _MacRangeApi(_NoApi):
    """A range's ``.api`` on a Mac (``_xlmac.Range.api`` is the appscript reference ``self.xl``): only
    ``string_value.get()``, the cells' displayed text, which ``_xlmac.Range.raw_value`` also reads for
    ``err_to_str``. One Apple Event (sized and capped as every other); appscript's shapes: a scalar for one
    cell, a flat list for one row, else row lists; an empty cell's text is ``""``, an error cell's its error
    value (all of them, ``#SPILL!`` too: it is what Excel shows)."""

    def __init__(self, rng: "FakeRange"):
        super().__init__("range")
        self._rng = rng

    def __getattr__(self, name: str) -> Any:
        if name != "string_value":
            return super().__getattr__(name)
        rng = self._rng

        def get():
            app, (r1, c1, r2, c2) = rng._app, rng.rect
            app._call("range.string_value.get", rng._target)
            texts = [[_display_text(rng._sheet.grid.get((r, c))) or "" for c in range(c1, c2 + 1)]
                     for r in range(r1, r2 + 1)]
            app.check_apple_event(t for row in texts for t in row)
            if (r1, c1) == (r2, c2):
                return texts[0][0]
            return texts[0] if r1 == r2 else texts

        return _AppleProperty(get)


# ---------------------------------------------------------------------------
# call recording


@dataclass(frozen=True)
class Call:
    name: str
    target: str = ""
    detail: Any = None


@dataclass
class _Failure:
    match: Any
    after: int
    times: int
    error: BaseException | None
    seen: int = 0
    fired: int = 0

    def matches(self, call: Call) -> bool:
        if callable(self.match):
            return bool(self.match(call))
        return fnmatch.fnmatchcase(call.name, self.match)


# ---------------------------------------------------------------------------
# cell model

_ERROR_CODES = {
    "#DIV/0!": -2146826281,
    "#N/A": -2146826246,
    "#NAME?": -2146826259,
    "#NULL!": -2146826288,
    "#NUM!": -2146826252,
    "#REF!": -2146826265,
    "#VALUE!": -2146826273,
}
# Excel's newer errors (xlErrGettingData 2043, xlErrSpill 2045, xlErrCalc 2050): COM hands them over as
# VT_ERROR 0x800A0000 + code like the classic seven, but xlwings' _xlwindows.cell_errors does not list them,
# so _xlwindows._clean_value_data_element passes them through as the raw int, even with err_to_str.
_ERROR_CODES.update({"#GETTING_DATA": -2146826245, "#SPILL!": -2146826243, "#CALC!": -2146826238})
_CODE_TO_ERROR = {v: k for k, v in _ERROR_CODES.items()}
_XLWINGS_WINDOWS_ERRORS = {k: v for k, v in _CODE_TO_ERROR.items() if v in (
    "#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!")}  # _xlwindows.cell_errors
_XLWINGS_MAC_ERRORS = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!")  # _xlmac.cell_errors


@dataclass(frozen=True)
class Formula:
    """A cell that Excel would evaluate. ``text`` is what Excel stored (``=...``)."""

    text: str
    result: Any = None  # the fake does not calculate; tests may set a result


@dataclass(frozen=True)
class CellError:
    text: str  # "#N/A", ...


_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_NUMBER_RE = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")
_ISO_DATE_RE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*$")
_DATE_TOKEN_RE = re.compile(r"[dmyhs]", re.I)


def _to_serial(value: dt.datetime) -> float:
    delta = value - _EXCEL_EPOCH
    return delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6


def _from_serial(serial: float) -> dt.datetime:
    return _EXCEL_EPOCH + dt.timedelta(days=serial)


@functools.lru_cache(maxsize=256)
def _is_date_format(fmt: str | None) -> bool:
    if not fmt or fmt == "General" or fmt == "@":
        return False
    stripped = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", fmt)
    return bool(_DATE_TOKEN_RE.search(stripped))


@functools.lru_cache(maxsize=256)
def _is_currency_format(fmt: str | None) -> bool:
    # Excel reports VT_CY for the built-in currency/accounting formats
    if not fmt:
        return False
    return any(sym in fmt for sym in ("$", "€", "£", "¥", "[$")) and not _is_date_format(fmt)


def _rgb(value: Any) -> tuple[int, int, int]:
    if isinstance(value, str):
        return tuple(hex_to_rgb(value))  # type: ignore[return-value]
    if isinstance(value, bool):
        raise TypeError(f"invalid colour {value!r}")
    if isinstance(value, int):
        return tuple(int_to_rgb(value))  # type: ignore[return-value]
    r, g, b = value
    return int(r), int(g), int(b)


Rect = tuple  # (r1, c1, r2, c2), inclusive, 1-based


def _intersects(a: Rect, b: Rect) -> bool:
    return not (a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1])


def _contains(outer: Rect, inner: Rect) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and outer[2] >= inner[2] and outer[3] >= inner[3]


def _subtract(a: Rect, b: Rect) -> list[Rect]:
    """a minus b as up to four rectangles."""
    if not _intersects(a, b):
        return [a]
    r1, c1, r2, c2 = a
    out = []
    if b[0] > r1:
        out.append((r1, c1, b[0] - 1, c2))
    if b[2] < r2:
        out.append((b[2] + 1, c1, r2, c2))
    top, bottom = max(r1, b[0]), min(r2, b[2])
    if b[1] > c1:
        out.append((top, c1, bottom, b[1] - 1))
    if b[3] < c2:
        out.append((top, b[3] + 1, bottom, c2))
    return out


def _rect_address(rect: Rect, absolute: bool = False) -> str:
    d = "$" if absolute else ""
    r1, c1, r2, c2 = rect
    if c1 == 1 and c2 == MAX_COLS:
        return f"{d}{r1}:{d}{r2}"
    if r1 == 1 and r2 == MAX_ROWS:
        return f"{d}{col_name(c1)}:{d}{col_name(c2)}"
    first = f"{d}{col_name(c1)}{d}{r1}"
    if (r1, c1) == (r2, c2):
        return first
    return f"{first}:{d}{col_name(c2)}{d}{r2}"


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


_CELL_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_COLS_RE = re.compile(r"^\$?([A-Za-z]{1,3})$")
_ROWS_RE = re.compile(r"^\$?(\d+)$")


def parse_address(address: str) -> Rect:
    """'A1', '$A$1:$C$3', 'A:C', '2:5' -> (r1, c1, r2, c2). Raises FakeComError."""
    parts = address.strip().split(":")
    if len(parts) == 1:
        m = _CELL_RE.match(parts[0])
        if not m:
            raise FakeComError(f"Method 'Range' of object '_Worksheet' failed ({address!r})")
        r, c = int(m.group(2)), _col_number(m.group(1))
        rect = (r, c, r, c)
    elif len(parts) == 2:
        a, b = parts
        ma, mb = _CELL_RE.match(a), _CELL_RE.match(b)
        if ma and mb:
            rect = (int(ma.group(2)), _col_number(ma.group(1)), int(mb.group(2)), _col_number(mb.group(1)))
        elif _COLS_RE.match(a) and _COLS_RE.match(b):
            rect = (1, _col_number(_COLS_RE.match(a).group(1)), MAX_ROWS, _col_number(_COLS_RE.match(b).group(1)))
        elif _ROWS_RE.match(a) and _ROWS_RE.match(b):
            rect = (int(_ROWS_RE.match(a).group(1)), 1, int(_ROWS_RE.match(b).group(1)), MAX_COLS)
        else:
            raise FakeComError(f"Method 'Range' of object '_Worksheet' failed ({address!r})")
    else:
        raise FakeComError(f"Method 'Range' of object '_Worksheet' failed ({address!r})")
    r1, c1, r2, c2 = rect
    rect = (min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))
    if rect[0] < 1 or rect[1] < 1 or rect[2] > MAX_ROWS or rect[3] > MAX_COLS:
        raise FakeComError(f"Method 'Range' of object '_Worksheet' failed ({address!r})")
    return rect


class _Layers:
    """Rectangle-layered attribute (number format, fill, font props): last write wins."""

    def __init__(self, default: Any):
        self.default = default
        self.layers: list[tuple[Rect, Any]] = []

    def set(self, rect: Rect, value: Any) -> None:
        self.layers = [(r, v) for r, v in self.layers if not _contains(rect, r)]
        self.layers.append((rect, value))

    def get(self, r: int, c: int) -> Any:
        for (r1, c1, r2, c2), v in reversed(self.layers):
            if r1 <= r <= r2 and c1 <= c <= c2:
                return v
        return self.default

    def relevant(self, rect: Rect) -> list[tuple[Rect, Any]]:
        return [(r, v) for r, v in self.layers if _intersects(r, rect)]

    def getter(self, rect: Rect) -> Callable[[int, int], Any]:
        """A fast per-cell lookup restricted to the layers touching ``rect``."""
        rel = self.relevant(rect)
        default = self.default
        if not rel:
            return lambda r, c: default
        rel.reverse()

        def get(r: int, c: int) -> Any:
            for (r1, c1, r2, c2), v in rel:
                if r1 <= r <= r2 and c1 <= c <= c2:
                    return v
            return default

        return get

    def uniform(self, rect: Rect) -> tuple[bool, Any]:
        rel = self.relevant(rect)
        if not rel:
            return True, self.default
        last_rect, last_val = rel[-1]
        if _contains(last_rect, rect):
            return True, last_val
        values = set()
        for r in range(rect[0], rect[2] + 1):
            for c in range(rect[1], rect[3] + 1):
                v = None
                for (r1, c1, r2, c2), val in reversed(rel):
                    if r1 <= r <= r2 and c1 <= c <= c2:
                        v = (val,)
                        break
                values.add(v[0] if v else self.default)
                if len(values) > 1:
                    return False, None
        return True, values.pop()

    def nondefault_rects(self) -> list[Rect]:
        return [r for r, v in self.layers if v != self.default]

    def clear(self, rect: Rect | None = None) -> None:
        if rect is None:
            self.layers = []
        else:
            self.set(rect, self.default)


# ---------------------------------------------------------------------------
# engine


class FakeEngine:
    """Mirrors ``_xlwindows.Engine``: ``type == 'desktop'``, same data cleaning."""

    name = "excel"
    type = "desktop"

    def __init__(self, app: "FakeApp"):
        self._app = app

    @property
    def apps(self):  # pragma: no cover - not part of the subset
        raise NotImplementedError

    @staticmethod
    def prepare_xl_data_element(x: Any, options: Any) -> Any:
        # same rules as _xlwindows.Engine.prepare_xl_data_element
        try:
            import numpy as np
        except ImportError:  # pragma: no cover
            np = None
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover
            pd = None
        if isinstance(x, (dt.date, dt.datetime)) or (np is not None and isinstance(x, np.datetime64)):
            if np is not None and isinstance(x, np.datetime64):
                x = pd.Timestamp(x).to_pydatetime() if pd is not None else x.astype(dt.datetime)
            if isinstance(x, dt.datetime):
                return x.replace(tzinfo=None) if x.tzinfo else x
            return dt.datetime(x.year, x.month, x.day)
        if pd is not None and not isinstance(x, (list, tuple, dict)) and pd.isna(x):
            return ""
        if np is not None and isinstance(x, (np.floating, float)) and np.isnan(x):
            return ""
        if np is not None and isinstance(x, np.number):
            return float(x)
        if x is None:
            return ""
        return x

    @staticmethod
    def clean_value_data(data, datetime_builder, empty_as, number_builder, err_to_str):
        # same rules as _xlwindows._clean_value_data_element
        def clean(v):
            if v in ("", None):
                return empty_as
            if isinstance(v, dt.datetime):
                return datetime_builder(
                    month=v.month, day=v.day, year=v.year, hour=v.hour, minute=v.minute,
                    second=v.second, microsecond=v.microsecond, tzinfo=None,
                )
            if number_builder is not None and isinstance(v, float):
                return number_builder(v)
            if isinstance(v, int) and not isinstance(v, bool) and v in _XLWINGS_WINDOWS_ERRORS:
                return _XLWINGS_WINDOWS_ERRORS[v] if err_to_str else None
            return v

        return [[clean(c) for c in row] for row in data]


class FakeApp(base_classes.App):
    """The fake Excel instance: engine impl of ``xw.App`` plus the recorder."""

    _pids = itertools.count(4242)

    def __init__(self, platform: str = "windows", alert_response: str | Callable[..., str] = "ok"):
        if platform not in ("windows", "mac"):
            raise ValueError("platform must be 'windows' or 'mac'")
        self.platform = platform
        self._pid = next(self._pids)
        self._engine = FakeEngine(self)
        self._books: list[FakeBook] = []
        self._active_book: FakeBook | None = None
        self.calls: list[Call] = []
        self._failures: list[_Failure] = []
        self.alerts: list[dict[str, Any]] = []
        self.alert_response = alert_response
        self._screen_updating = True
        self._calculation = "automatic"
        self._status_bar: str | bool = False
        self._enable_events = True
        self._display_alerts = True
        self.screen_updating_history: list[bool] = []
        self.calculation_history: list[str] = []
        self.status_bar_history: list[str | bool] = []
        self.enable_events_history: list[bool] = []
        self.display_alerts_history: list[bool] = []
        self.calculate_count = 0
        self.apple_event_sizes: list[int] = []  # Mac: the size of every accepted read/write event, in bytes
        self.apple_events_refused: list[tuple[str, int]] = []  # Mac: (call name, size) of every refused one

    # -- recorder -------------------------------------------------------
    def _call(self, name: str, target: str = "", detail: Any = None) -> None:
        call = Call(name, target, detail)
        self.calls.append(call)
        for f in self._failures:
            if f.fired < f.times and f.matches(call):
                f.seen += 1
                if f.seen > f.after:
                    f.fired += 1
                    raise f.error if f.error is not None else FakeComError(
                        f"injected failure on {name} {target}".strip()
                    )

    def check_apple_event(self, values: Iterable[Any]) -> None:
        """Excel for Mac: one read or write is one Apple Event, whose size is capped.

        _xlmac.Range.max_cells_per_read (xlwings 0.37.8): "a single Apple Event reply has a size cap, and
        exceeding it fails with -1741 (buffer for AEFlattenDesc too small). Measured with float cells:
        2,000,000 fail, 1,500,000 work ... The cap is in bytes, not cells, so a text-heavy range can still
        hit it". The fake sizes each cell as an AEDesc list item (a number 16 bytes, text 16 + UTF-16
        bytes, empty 8) and fails above APPLE_EVENT_BYTES: 1.5M numbers pass, 2M fail, text sooner.
        """
        size = 0
        for v in values:
            if v is None or v == "":
                size += 8
            elif isinstance(v, str):
                size += 16 + 2 * len(v)
            elif isinstance(v, Formula):
                size += 16 + 2 * len(v.text)
            else:
                size += 16
        if size > APPLE_EVENT_BYTES:
            self.apple_events_refused.append((self.calls[-1].name if self.calls else "", size))
            raise FakeAppleEventError(size)
        self.apple_event_sizes.append(size)

    @property
    def call_count(self) -> int:
        return len(self.calls)

    def reset_calls(self) -> None:
        self.calls.clear()

    def count(self, pattern: str) -> int:
        """Number of recorded calls whose name matches the fnmatch ``pattern``."""
        return sum(1 for c in self.calls if fnmatch.fnmatchcase(c.name, pattern))

    def call_names(self) -> list[str]:
        return [c.name for c in self.calls]

    def fail_on(
        self,
        match: str | Callable[[Call], bool],
        after: int = 0,
        times: int = 1,
        error: BaseException | None = None,
    ) -> None:
        """Make a matching call raise (default ``FakeComError``) before it takes effect.

        ``match`` is a call name or fnmatch pattern (``"range.value.set"``,
        ``"range.*.set"``) or a predicate on ``Call``. The first ``after``
        matching calls succeed; the next ``times`` ones fail.
        """
        self._failures.append(_Failure(match, after, times, error))

    def clear_failures(self) -> None:
        self._failures.clear()

    # -- wrappers ---------------------------------------------------------
    @property
    def xw(self) -> xw.App:
        return xw.App(impl=self)

    def add_book(self, name: str = "Book1.xlsx", sheets: Iterable[str] = ("Sheet1",)) -> "FakeBook":
        book = FakeBook(self, name)
        for s in sheets:
            book._new_sheet(s)
        book._active_sheet = book._sheets[0] if book._sheets else None
        self._books.append(book)
        self._active_book = book
        return book

    # -- engine members ---------------------------------------------------
    @property
    def engine(self) -> FakeEngine:
        return self._engine

    @property
    def api(self):
        return _NoApi("app")

    @property
    def pid(self) -> int:
        return self._pid

    @property
    def hwnd(self) -> int:
        return self._pid

    @property
    def version(self):
        # _xlwindows.App.version is Excel's Application.Version, a string; xlwings.main.App.version wraps it
        return "16.0"

    @property
    def visible(self) -> bool:
        self._call("app.visible.get")
        return True

    @visible.setter
    def visible(self, value: bool) -> None:
        self._call("app.visible.set", detail=value)

    @property
    def screen_updating(self) -> bool:
        self._call("app.screen_updating.get")
        return self._screen_updating

    @screen_updating.setter
    def screen_updating(self, value: bool) -> None:
        self._call("app.screen_updating.set", detail=value)
        self._screen_updating = bool(value)
        self.screen_updating_history.append(bool(value))

    @property
    def display_alerts(self) -> bool:
        self._call("app.display_alerts.get")
        return self._display_alerts

    @display_alerts.setter
    def display_alerts(self, value: bool) -> None:
        self._call("app.display_alerts.set", detail=value)
        self._display_alerts = bool(value)
        self.display_alerts_history.append(bool(value))

    @property
    def enable_events(self) -> bool:
        self._call("app.enable_events.get")
        return self._enable_events

    @enable_events.setter
    def enable_events(self, value: bool) -> None:
        self._call("app.enable_events.set", detail=value)
        self._enable_events = bool(value)
        self.enable_events_history.append(bool(value))

    @property
    def calculation(self) -> str:
        self._call("app.calculation.get")
        return self._calculation

    @calculation.setter
    def calculation(self, value: str) -> None:
        if value not in ("automatic", "manual", "semiautomatic"):
            raise KeyError(value)  # _xlwindows: calculation_s2i[value]
        self._call("app.calculation.set", detail=value)
        self._calculation = value
        self.calculation_history.append(value)

    def calculate(self) -> None:
        self._call("app.calculate")
        self.calculate_count += 1

    @property
    def status_bar(self) -> str | bool:
        self._call("app.status_bar.get")
        return self._status_bar

    @status_bar.setter
    def status_bar(self, value: str | bool) -> None:
        self._call("app.status_bar.set", detail=value)
        self._status_bar = False if value is False else str(value)
        self.status_bar_history.append(self._status_bar)

    def alert(self, prompt, title, buttons, mode, callback):
        buttons_ok = {None: ("ok",), "ok": ("ok",), "ok_cancel": ("ok", "cancel"),
                      "yes_no": ("yes", "no"), "yes_no_cancel": ("yes", "no", "cancel")}
        if buttons not in buttons_ok:
            raise KeyError(buttons)
        if mode not in (None, "info", "critical"):
            raise KeyError(mode)
        self._call("app.alert", detail=prompt)
        record = {"prompt": prompt, "title": title, "buttons": buttons, "mode": mode}
        self.alerts.append(record)
        answer = self.alert_response(**record) if callable(self.alert_response) else self.alert_response
        if answer not in buttons_ok[buttons]:
            answer = buttons_ok[buttons][0]
        return answer

    @property
    def books(self) -> "FakeBooks":
        return FakeBooks(self)

    def activate(self, steal_focus=False):
        self._call("app.activate")


class FakeBooks(base_classes.Books):
    def __init__(self, app: FakeApp):
        self.app = app

    @property
    def api(self):
        return _NoApi("books")

    @property
    def active(self):
        self.app._call("books.active")
        return self.app._active_book

    def __call__(self, name_or_index):
        self.app._call("books.item", detail=name_or_index)
        if isinstance(name_or_index, numbers.Number):
            return self.app._books[int(name_or_index) - 1]
        for b in self.app._books:
            if b._name.lower() == str(name_or_index).lower():
                return b
        raise KeyError(name_or_index)

    def __len__(self):
        self.app._call("books.len")
        return len(self.app._books)

    def __iter__(self):
        self.app._call("books.iter")
        return iter(list(self.app._books))

    def add(self):
        self.app._call("books.add")
        return self.app.add_book(f"Book{len(self.app._books) + 1}")


class FakeBook(base_classes.Book):
    def __init__(self, app: FakeApp, name: str = "Book1.xlsx", path: str = r"C:\Users\analyst\Documents"):
        self._app = app
        self._name = name
        self._path = path
        self._sheets: list[FakeSheet] = []
        self._active_sheet: FakeSheet | None = None
        self._names: list[dict[str, Any]] = []  # {"name", "refers_to", "scope": FakeSheet|None}
        self._sheet_counter = 0
        self.saved_count = 0
        self.date1904 = False  # the workbook's date system (Excel > Options > Advanced: "Use 1904 date system")

    # -- test helpers -----------------------------------------------------
    @property
    def xw(self) -> xw.Book:
        """The real ``xlwings.Book`` wrapping this fake."""
        return xw.Book(impl=self)

    def sheet(self, name: str) -> "FakeSheet":
        for s in self._sheets:
            if s._name.lower() == name.lower():
                return s
        raise KeyError(name)

    @property
    def sheet_names(self) -> list[str]:
        return [s._name for s in self._sheets]

    @classmethod
    def from_openpyxl(cls, workbook, app: FakeApp | None = None, name: str = "Book1.xlsx") -> "FakeBook":
        """Load the values (formulas as formulas), number formats, fills, bold
        fonts and column widths of an openpyxl workbook into a new fake book.
        No calls are recorded."""
        app = app or FakeApp()
        book = app.add_book(name, sheets=())
        book.date1904 = workbook.epoch == CALENDAR_MAC_1904  # dates below load as datetimes either way
        for ws in workbook.worksheets:
            sheet = book._new_sheet(ws.title)
            for row in ws.iter_rows():
                for cell in row:
                    v = cell.value
                    r, c = cell.row, cell.column
                    if v is not None and v != "":
                        if cell.data_type == "e" and v in _ERROR_CODES:
                            sheet.grid[(r, c)] = CellError(v)  # an error cell, not the text "#N/A"
                        elif isinstance(v, str) and v.startswith("=") and cell.data_type == "f":
                            sheet.grid[(r, c)] = Formula(v)
                        elif isinstance(v, bool) or isinstance(v, str):
                            sheet.grid[(r, c)] = v
                        elif isinstance(v, (int, float)):
                            sheet.grid[(r, c)] = float(v)
                        elif isinstance(v, dt.datetime):
                            sheet.grid[(r, c)] = v
                        elif isinstance(v, dt.date):
                            sheet.grid[(r, c)] = dt.datetime(v.year, v.month, v.day)
                        elif isinstance(v, dt.time):
                            sheet.grid[(r, c)] = float((v.hour * 3600 + v.minute * 60 + v.second) / 86400)
                        else:
                            sheet.grid[(r, c)] = str(v)
                    fmt = cell.number_format
                    if fmt and fmt != "General":
                        sheet.number_formats.set((r, c, r, c), fmt)
                    if cell.has_style and cell.font is not None and cell.font.b:
                        sheet.font_bold.set((r, c, r, c), True)
            for letter, dim in ws.column_dimensions.items():
                if dim.width:
                    c = _col_number(letter)
                    sheet.column_widths[c] = float(dim.width)
            for dn in getattr(ws, "defined_names", {}).values() if hasattr(ws, "defined_names") else []:
                book._names.append({"name": dn.name, "refers_to": "=" + dn.attr_text, "scope": sheet})
        try:
            book_names = workbook.defined_names.values()  # openpyxl >= 3.1
        except AttributeError:  # pragma: no cover
            book_names = []
        for dn in book_names:
            book._names.append({"name": dn.name, "refers_to": "=" + dn.attr_text, "scope": None})
        book._active_sheet = book._sheets[workbook.index(workbook.active)] if book._sheets else None
        return book

    def to_rows(self, sheet: str, rect: Rect | None = None) -> list[list[Any]]:
        """Stored cell contents from A1 to the last used cell (or ``rect``):
        ``None`` for empty, formulas as their ``=...`` text, numbers as float,
        dates as datetime. No calls are recorded."""
        return self.sheet(sheet).to_rows(rect)

    # -- engine members ---------------------------------------------------
    def _new_sheet(self, name: str | None = None, index: int | None = None) -> "FakeSheet":
        if name is None:
            existing = {s._name.lower() for s in self._sheets}
            n = self._sheet_counter + 1
            while f"sheet{n}" in existing:
                n += 1
            name = f"Sheet{n}"
        self._sheet_counter += 1
        sheet = FakeSheet(self, name)
        if index is None:
            self._sheets.append(sheet)
        else:
            self._sheets.insert(index, sheet)
        return sheet

    @property
    def api(self):
        return _BookApi(self)

    @property
    def name(self) -> str:
        self._app._call("book.name.get")
        return self._name

    @property
    def fullname(self) -> str:
        self._app._call("book.fullname.get")
        sep = "\\" if self._app.platform == "windows" else "/"
        return f"{self._path}{sep}{self._name}"

    @property
    def app(self) -> FakeApp:
        return self._app

    @property
    def sheets(self) -> "FakeSheets":
        return FakeSheets(self)

    @property
    def names(self) -> "FakeNames":
        return FakeNames(self, None)

    def activate(self):
        self._app._call("book.activate")
        self._app._active_book = self

    def save(self, path=None, password=None):
        self._app._call("book.save", detail=path)
        self.saved_count += 1

    def close(self):
        self._app._call("book.close")
        self._app._books.remove(self)

    @property
    def selection(self):
        self._app._call("book.selection")
        return None


class FakeSheets(base_classes.Sheets):
    def __init__(self, book: FakeBook):
        self.book = book

    @property
    def api(self):
        return _NoApi("sheets")

    @property
    def active(self):
        self.book._app._call("sheets.active")
        return self.book._active_sheet

    def __call__(self, name_or_index):
        self.book._app._call("sheets.item", detail=name_or_index)
        if isinstance(name_or_index, numbers.Number):
            i = int(name_or_index)
            if not 1 <= i <= len(self.book._sheets):
                raise FakeComError("Invalid index.", hresult=-2147352565)
            return self.book._sheets[i - 1]
        for s in self.book._sheets:
            if s._name.lower() == str(name_or_index).lower():
                return s
        raise FakeComError("Invalid index.", hresult=-2147352565)

    def __len__(self):
        self.book._app._call("sheets.len")
        return len(self.book._sheets)

    def __iter__(self):
        self.book._app._call("sheets.iter")
        return iter(list(self.book._sheets))

    def add(self, before=None, after=None, name=None):
        book = self.book
        book._app._call("sheets.add", detail=name)
        if before is not None:
            index = book._sheets.index(before)
        elif after is not None:
            index = book._sheets.index(after) + 1
        else:
            # Worksheets.Add() without arguments inserts before the active sheet
            index = book._sheets.index(book._active_sheet) if book._active_sheet in book._sheets else 0
        sheet = book._new_sheet(None, index)
        book._active_sheet = sheet
        if name is not None:
            sheet.name = name  # a second call, as in _xlwindows
        return sheet


class FakeSheet(base_classes.Sheet):
    def __init__(self, book: FakeBook, name: str):
        self._book = book
        self._name = name
        self.grid: dict[tuple[int, int], Any] = {}  # (row, col) -> stored content
        self.number_formats = _Layers("General")
        self.fills = _Layers(None)
        self.font_bold = _Layers(False)
        self.font_italic = _Layers(False)
        self.font_color = _Layers((0, 0, 0))
        self.font_size = _Layers(11.0)
        self.column_widths: dict[int, float] = {}
        self.row_heights: dict[int, float] = {}
        self.note_texts: dict[tuple[int, int], str] = {}
        self.cf_rules: list[dict[str, Any]] = []  # index 0 = highest priority
        self.tables_list: list[FakeTable] = []
        self.charts_list: list[FakeChart] = []
        self.autofit_calls: list[tuple[str, Any]] = []
        self.visible_flag = True
        self._chart_counter = 0
        self.wrap = _Layers(False)
        self.alignment = _Layers("general")
        self.validations: list[dict[str, Any]] = []  # {"rect", "type", "formula1", "in_cell_dropdown"}

    @property
    def _app(self) -> FakeApp:
        return self._book._app

    # -- test helpers -----------------------------------------------------
    def to_rows(self, rect: Rect | None = None) -> list[list[Any]]:
        if rect is None:
            if not self.grid:
                return []
            rect = (1, 1, max(r for r, _ in self.grid), max(c for _, c in self.grid))
        out = []
        for r in range(rect[0], rect[2] + 1):
            row = []
            for c in range(rect[1], rect[3] + 1):
                v = self.grid.get((r, c))
                if isinstance(v, Formula):
                    v = v.text
                elif isinstance(v, CellError):
                    v = v.text
                row.append(v)
            out.append(row)
        return out

    def snapshot(self) -> dict[str, Any]:
        """Everything the user could see, for 'unchanged after failure' asserts."""
        return {
            "cells": dict(self.grid),
            "number_formats": list(self.number_formats.layers),
            "fills": list(self.fills.layers),
            "font_bold": list(self.font_bold.layers),
            "font_color": list(self.font_color.layers),
            "column_widths": dict(self.column_widths),
            "cf_rules": [dict(r, applies_to=list(r["applies_to"])) for r in self.cf_rules],
            "tables": [(t._name, t.rect) for t in self.tables_list],
            "charts": [dict(ch.record) for ch in self.charts_list],
            "notes": dict(self.note_texts),
        }

    def is_formula(self, address: str) -> bool:
        r1, c1, _, _ = parse_address(address)
        return isinstance(self.grid.get((r1, c1)), Formula)

    def formulas(self) -> dict[str, str]:
        return {_rect_address((r, c, r, c)): v.text for (r, c), v in self.grid.items() if isinstance(v, Formula)}

    def set_error(self, address: str, error: str = "#N/A") -> None:
        r, c, _, _ = parse_address(address)
        self.grid[(r, c)] = CellError(error)

    def conditional_format_rules(self) -> list[dict[str, Any]]:
        """Plain dicts, highest priority first; ``range`` is an sqref like openpyxl's."""
        out = []
        for rule in self.cf_rules:
            d = {k: v for k, v in rule.items() if k not in ("applies_to", "id")}
            d["range"] = " ".join(_rect_address(r) for r in rule["applies_to"])
            out.append(d)
        return out

    @property
    def tables_info(self) -> list[dict[str, Any]]:
        return [{"name": t._name, "range": _rect_address(t.rect), "style": t.style} for t in self.tables_list]

    @property
    def charts_info(self) -> list[dict[str, Any]]:
        return [dict(ch.record) for ch in self.charts_list]

    def used_rect(self) -> Rect | None:
        rects = [(r, c, r, c) for (r, c) in self.grid]
        for layers in (self.number_formats, self.fills, self.font_bold, self.font_italic, self.font_color):
            rects += layers.nondefault_rects()
        if not rects:
            return None
        return (min(r[0] for r in rects), min(r[1] for r in rects), max(r[2] for r in rects), max(r[3] for r in rects))

    # -- engine members ---------------------------------------------------
    @property
    def api(self):
        return _NoApi("sheet")

    @property
    def name(self) -> str:
        self._app._call("sheet.name.get", self._name)
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        self._app._call("sheet.name.set", self._name, value)
        for s in self._book._sheets:
            if s is not self and s._name.lower() == value.lower():
                raise FakeComError("That name is already taken. Try a different one.")
        if value.lower() == "history":
            raise FakeComError("'History' is a reserved name.")
        old = self._name
        self._name = value
        # Excel rewrites every reference to the sheet to follow the new name: defined names, and
        # formulas on every sheet of the book (a user's =Summary!B3 becomes ='Old Summary'!B3).
        for n in self._book._names:
            n["refers_to"] = _rename_sheet_refs(n["refers_to"], old, value)
        for sheet in self._book._sheets:
            for key, v in sheet.grid.items():
                if isinstance(v, Formula):
                    text = _rename_sheet_refs(v.text, old, value)
                    if text != v.text:
                        sheet.grid[key] = Formula(text, v.result)

    @property
    def names(self) -> "FakeNames":
        return FakeNames(self._book, self)

    @property
    def book(self) -> FakeBook:
        return self._book

    @property
    def index(self) -> int:
        self._app._call("sheet.index.get", self._name)
        return self._book._sheets.index(self) + 1

    def range(self, arg1, arg2=None):
        rect1 = self._to_rect(arg1)
        if arg2 is None:
            rect = rect1
            if isinstance(arg1, tuple) and len(arg1) == 4:
                return FakeRange(self, rect)  # built locally by _xlwindows too
        else:
            rect2 = self._to_rect(arg2)
            rect = (min(rect1[0], rect2[0]), min(rect1[1], rect2[1]), max(rect1[2], rect2[2]), max(rect1[3], rect2[3]))
        self._app._call("sheet.range", self._name, _rect_address(rect))
        return FakeRange(self, rect)

    def _to_rect(self, arg) -> Rect:
        if isinstance(arg, FakeRange):
            return arg.rect
        if isinstance(arg, tuple):
            if len(arg) == 4:
                row, col, nrows, ncols = arg
                if nrows <= 0 or ncols <= 0:
                    return (row, col, row - 1, col - 1)
                return (row, col, row + nrows - 1, col + ncols - 1)
            if 0 in arg:
                raise IndexError("Attempted to access 0-based Range. xlwings/Excel Ranges are 1-based.")
            return (arg[0], arg[1], arg[0], arg[1])
        if isinstance(arg, str):
            try:
                return parse_address(arg)
            except FakeComError:
                for n in self._book._names:
                    if n["name"].rsplit("!", 1)[-1].lower() == arg.lower() and (n["scope"] in (None, self)):
                        target = _parse_refers_to(self._book, n["refers_to"])
                        if target is not None and target[0] is self:
                            return target[1]
                raise
        raise TypeError(f"unsupported range argument {arg!r}")

    @property
    def cells(self) -> "FakeRange":
        return FakeRange(self, (1, 1, MAX_ROWS, MAX_COLS))

    @property
    def used_range(self) -> "FakeRange":
        self._app._call("sheet.used_range", self._name)
        rect = self.used_rect() or (1, 1, 1, 1)
        return FakeRange(self, rect)

    def clear_contents(self):
        self._app._call("sheet.clear_contents", self._name)
        self.grid.clear()

    def clear_formats(self):
        self._app._call("sheet.clear_formats", self._name)
        self._clear_formats(None)

    def _clear_formats(self, rect):
        for layers in (self.number_formats, self.fills, self.font_bold, self.font_italic, self.font_color, self.font_size,
                       self.wrap, self.alignment):
            layers.clear(rect)
        if rect is None:
            self.cf_rules.clear()
        else:
            _cf_subtract(self, rect)

    def clear(self):
        self._app._call("sheet.clear", self._name)
        self.grid.clear()
        self._clear_formats(None)
        self.validations.clear()  # Worksheet.Cells.Clear removes data validation too

    def autofit(self, axis=None):
        self._app._call("sheet.autofit", self._name, axis)
        self.autofit_calls.append(("sheet", axis))

    def delete(self):
        self._app._call("sheet.delete", self._name)
        book = self._book
        if sum(1 for s in book._sheets if s.visible_flag) <= 1:
            raise FakeComError("A workbook must contain at least one visible worksheet.")
        i = book._sheets.index(self)
        book._sheets.remove(self)
        book._names = [n for n in book._names if n["scope"] is not self]
        for n in book._names:
            n["refers_to"] = _ref_deleted_sheet(n["refers_to"], self._name)
        # every formula that pointed into the deleted sheet now says #REF! and shows #REF!
        for sheet in book._sheets:
            for key, v in sheet.grid.items():
                if isinstance(v, Formula):
                    text = _ref_deleted_sheet(v.text, self._name)
                    if text != v.text:
                        sheet.grid[key] = Formula(text, CellError("#REF!"))
        if book._active_sheet is self:
            book._active_sheet = book._sheets[max(0, i - 1)]

    def activate(self):
        self._app._call("sheet.activate", self._name)
        self._book._active_sheet = self
        self._app._active_book = self._book

    def select(self):
        self._app._call("sheet.select", self._name)
        self._book._active_sheet = self

    @property
    def visible(self):
        self._app._call("sheet.visible.get", self._name)
        return self.visible_flag

    @visible.setter
    def visible(self, value):
        self._app._call("sheet.visible.set", self._name, value)
        self.visible_flag = bool(value)

    @property
    def tables(self) -> "FakeTables":
        return FakeTables(self)

    @property
    def charts(self) -> "FakeCharts":
        return FakeCharts(self)

    @property
    def freeze_panes(self):
        # _xlwindows/_xlmac don't implement it: base_classes raises this
        raise NotImplementedError()


def _ref_deleted_sheet(refers_to: str, sheet_name: str) -> str:
    if not isinstance(refers_to, str) or "!" not in refers_to:
        return refers_to
    pattern = re.compile(_sheet_prefix_re(sheet_name).pattern + r"[$A-Za-z0-9:]+", re.IGNORECASE)
    return pattern.sub("#REF!", refers_to)


def _sheet_prefix_re(sheet_name: str) -> re.Pattern:
    quoted = "'" + sheet_name.replace("'", "''") + "'!"
    return re.compile(r"(?<![A-Za-z0-9_.'])(?:" + re.escape(quoted) + "|" + re.escape(sheet_name + "!") + ")",
                      re.IGNORECASE)


def _rename_sheet_refs(text: str, old: str, new: str) -> str:
    if not isinstance(text, str) or "!" not in text:
        return text
    return _sheet_prefix_re(old).sub(lambda _m: _sheet_ref(new) + "!", text)


def _sheet_ref(sheet_name: str) -> str:
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", sheet_name) and not _CELL_RE.match(sheet_name):
        return sheet_name
    return "'" + sheet_name.replace("'", "''") + "'"


def _parse_refers_to(book: FakeBook, refers_to: str):
    m = re.fullmatch(r"=\s*(?:'((?:[^']|'')+)'|([^'!]+))!(\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?)", refers_to or "")
    if not m:
        return None
    sheet_name = (m.group(1) or "").replace("''", "'") or m.group(2)
    for s in book._sheets:
        if s._name.lower() == sheet_name.lower():
            return s, parse_address(m.group(3))
    return None


# ---------------------------------------------------------------------------
# ranges


def _coerce_typed(value: str, fmt: str) -> Any:
    """What Excel stores when a string is assigned to Range.Value (like typing)."""
    if fmt == "@":
        return value  # Text-formatted cell: stored verbatim
    if value.startswith("'"):
        return value[1:]  # apostrophe prefix forces text and is not part of the value
    if value.startswith("=") and len(value) > 1:
        return Formula(value)
    if _NUMBER_RE.match(value):
        return float(value)
    if value.upper() in ("TRUE", "FALSE"):
        return value.upper() == "TRUE"
    m = _ISO_DATE_RE.match(value)
    if m:
        y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
        try:
            return dt.datetime(y, mo, d, h, mi, s)
        except ValueError:
            return value
    if value[:1] in ("+", "-", "@") and len(value) > 1:
        # Lotus-style entry: '+x' / '-x' / '@x' are parsed as formulas
        return Formula("=" + value if value[0] != "@" else "=" + value[1:])
    return value


class FakeRange(base_classes.Range):
    def __init__(self, sheet: FakeSheet, rect: Rect):
        self._sheet = sheet
        self.rect = rect
        self.options = None  # assigned by xlwings.main.Range

    @property
    def _app(self) -> FakeApp:
        return self._sheet._book._app

    @property
    def _target(self) -> str:
        return f"{self._sheet._name}!{_rect_address(self.rect)}"

    @property
    def _empty(self) -> bool:
        return self.rect[2] < self.rect[0] or self.rect[3] < self.rect[1]

    @property
    def max_cells_per_read(self):
        return 1_500_000 if self._app.platform == "mac" else base_classes.DEFAULT_MAX_CELLS_PER_READ

    @property
    def api(self):
        if self._empty:
            return None
        return _MacRangeApi(self) if self._app.platform == "mac" else _NoApi("range")

    @property
    def sheet(self) -> FakeSheet:
        return self._sheet

    def __len__(self):
        if self._empty:
            return 0
        return (self.rect[2] - self.rect[0] + 1) * (self.rect[3] - self.rect[1] + 1)

    @property
    def row(self) -> int:
        return self.rect[0]

    @property
    def column(self) -> int:
        return self.rect[1]

    @property
    def shape(self) -> tuple[int, int]:
        if self._empty:
            return (max(0, self.rect[2] - self.rect[0] + 1), max(0, self.rect[3] - self.rect[1] + 1))
        return (self.rect[2] - self.rect[0] + 1, self.rect[3] - self.rect[1] + 1)

    @property
    def coords(self):
        return (self._sheet, self.rect[0], self.rect[1], *self.shape)

    def __call__(self, *args):
        self._app._call("range.item", self._target, args)
        if len(args) == 1:
            n = args[0] - 1
            ncols = self.shape[1]
            r, c = self.rect[0] + n // ncols, self.rect[1] + n % ncols
        else:
            r, c = self.rect[0] + args[0] - 1, self.rect[1] + args[1] - 1
        if not (1 <= r <= MAX_ROWS and 1 <= c <= MAX_COLS):
            raise FakeComError("Application-defined or object-defined error.")
        return FakeRange(self._sheet, (r, c, r, c))

    # -- values -------------------------------------------------------------
    def _read_cell(self, r: int, c: int, fmt_of: Callable[[int, int], Any] | None = None) -> Any:
        v = self._sheet.grid.get((r, c))
        if v is None:
            return None  # COM delivers VT_EMPTY -> None
        if isinstance(v, Formula):
            v = v.result
            if v is None:
                return None
        if isinstance(v, CellError):
            if self._app.platform == "mac":
                return None  # AppleScript's value of an error cell is missing value (_xlmac.Range.raw_value)
            return _ERROR_CODES[v.text]  # pywin32 turns VT_ERROR into this int
        fmt = (fmt_of or self._sheet.number_formats.get)(r, c)
        if isinstance(v, dt.datetime):
            return v if _is_date_format(fmt) else _to_serial(v)
        if isinstance(v, bool) or isinstance(v, str):
            return v
        if isinstance(v, (int, float, decimal.Decimal)):
            f = float(v)
            if _is_date_format(fmt):
                return _from_serial(f)
            if self._app.platform == "windows" and _is_currency_format(fmt):
                # VT_CY: pywin32 returns Decimal with 4 decimal places
                return decimal.Decimal(f).quantize(decimal.Decimal("0.0001"))
            return f
        return v

    @property
    def raw_value(self):
        if self._empty:
            return None
        self._app._call("range.value.get", self._target)
        r1, c1, r2, c2 = self.rect
        mac = self._app.platform == "mac"
        if mac:
            self._app.check_apple_event(self._sheet.grid.get((r, c)) for r in range(r1, r2 + 1)
                                        for c in range(c1, c2 + 1))
        if (r1, c1) == (r2, c2) and not mac:
            return self._read_cell(r1, c1)
        fmt_of = self._sheet.number_formats.getter(self.rect)
        read = self._read_cell
        values = [[read(r, c, fmt_of) for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]
        if not mac:
            return tuple(tuple(row) for row in values)
        if self.options and self.options.get("err_to_str", False):
            # _xlmac.Range.raw_value: a second Apple Event for the cells' displayed text; the values of
            # cells whose text is one of _xlmac.cell_errors become that text (newer errors stay missing)
            self._app._call("range.string_value.get", self._target)
            self._app.check_apple_event(_display_text(self._sheet.grid.get((r, c))) for r in range(r1, r2 + 1)
                                        for c in range(c1, c2 + 1))
            for i, r in enumerate(range(r1, r2 + 1)):
                for j, c in enumerate(range(c1, c2 + 1)):
                    v = self._sheet.grid.get((r, c))
                    if isinstance(v, Formula):
                        v = v.result
                    if isinstance(v, CellError) and v.text in _XLWINGS_MAC_ERRORS:
                        values[i][j] = v.text
        # appscript: one cell -> a scalar, one row -> a flat list (_xlmac.Range.raw_value ensure_2d copes)
        if (r1, c1) == (r2, c2):
            return values[0][0]
        return values

    @raw_value.setter
    def raw_value(self, data):
        if self._empty:
            return
        self._app._call("range.value.set", self._target)
        r1, c1, r2, c2 = self.rect
        nrows, ncols = self.shape
        if isinstance(data, (list, tuple)):
            rows = [list(row) if isinstance(row, (list, tuple)) else [row] for row in data]
            if any(len(row) != len(rows[0]) for row in rows):
                raise FakeComError("All dimensions must be the same size (jagged array).")
        else:
            rows = None
        if self._app.platform == "mac" and rows is not None:
            self._app.check_apple_event(v for row in rows for v in row)
        # validate everything first: a failed COM write changes nothing
        fmt_of = self._sheet.number_formats.getter(self.rect)
        prepared: dict[tuple[int, int], Any] = {}
        for i in range(nrows):
            for j in range(ncols):
                if rows is None:
                    v = data
                elif i < len(rows) and j < len(rows[0]):
                    v = rows[i][j]
                else:
                    v = CellError("#N/A")  # Excel fills a too-small array with #N/A
                prepared[(r1 + i, c1 + j)] = self._store_value(v, fmt_of(r1 + i, c1 + j))
        grid = self._sheet.grid
        date_cells = []
        for key, (v, auto_fmt) in prepared.items():
            if v is None:
                grid.pop(key, None)
            else:
                grid[key] = v
            if auto_fmt:
                date_cells.append((key, auto_fmt))
        # Excel auto-formats cells that received a date; coalesce into column runs
        date_cells.sort(key=lambda item: (item[0][1], item[1], item[0][0]))
        run = None
        for (r, c), fmt in date_cells + [((0, 0), None)]:
            if run and run[1] == c and run[3] == fmt and run[2] == r - 1:
                run[2] = r
                continue
            if run:
                self._sheet.number_formats.set((run[0], run[1], run[2], run[1]), run[3])
            run = [r, c, r, fmt]

    def _store_value(self, v: Any, fmt: str) -> tuple[Any, str | None]:
        if v is None or v == "" and isinstance(v, str):
            return None, None
        if isinstance(v, CellError):
            return v, None
        if isinstance(v, bool):
            return v, None
        if isinstance(v, dt.datetime):
            auto = None
            if fmt == "General":
                auto = "m/d/yyyy" if (v.hour, v.minute, v.second, v.microsecond) == (0, 0, 0, 0) else "m/d/yyyy h:mm"
            return v.replace(tzinfo=None), auto
        if isinstance(v, decimal.Decimal):
            if self._app.platform == "mac":
                raise TypeError("Can't pack data into an AEDesc (unsupported type): Decimal")
            # pywin32 sends Decimal as VT_CY: Excel applies a currency format
            return float(v), ("$#,##0.00" if fmt == "General" else None)
        if isinstance(v, numbers.Real):
            f = float(v)
            if math.isinf(f):
                raise FakeComError("Invalid number (inf) for a cell value.")
            return f, None
        if isinstance(v, str):
            if len(v) > 32767:
                raise FakeComError("Text values are limited to 32,767 characters.")
            stored = _coerce_typed(v, fmt)
            auto = "m/d/yyyy" if isinstance(stored, dt.datetime) and fmt == "General" else None
            return stored, auto
        raise TypeError(f"Objects of type '{type(v).__name__}' can not be converted to a COM VARIANT")

    # -- addressing -----------------------------------------------------------
    @property
    def address(self) -> str:
        self._app._call("range.address", self._target)
        return _rect_address(self.rect, absolute=True)

    def get_address(self, row_absolute, col_absolute, external):
        self._app._call("range.get_address", self._target)
        r1, c1, r2, c2 = self.rect
        rd, cd = ("$" if row_absolute else ""), ("$" if col_absolute else "")
        addr = f"{cd}{col_name(c1)}{rd}{r1}"
        if (r1, c1) != (r2, c2):
            addr += f":{cd}{col_name(c2)}{rd}{r2}"
        if external:
            return f"[{self._sheet._book._name}]{self._sheet._name}!{addr}"
        return addr

    @property
    def has_array(self) -> bool:
        self._app._call("range.has_array", self._target)
        return False

    def end(self, direction):
        self._app._call("range.end", self._target, direction)
        d = {"d": "down", "down": "down", "u": "up", "up": "up", "l": "left", "left": "left", "r": "right", "right": "right"}[
            direction.lower()
        ]
        dr, dc = {"down": (1, 0), "up": (-1, 0), "left": (0, -1), "right": (0, 1)}[d]
        r, c = self.rect[0], self.rect[1]
        grid = self._sheet.grid

        def filled(rr, cc):
            return grid.get((rr, cc)) not in (None, "")

        def inside(rr, cc):
            return 1 <= rr <= MAX_ROWS and 1 <= cc <= MAX_COLS

        if filled(r, c) and inside(r + dr, c + dc) and filled(r + dr, c + dc):
            while inside(r + dr, c + dc) and filled(r + dr, c + dc):
                r, c = r + dr, c + dc
        else:
            r, c = r + dr, c + dc
            if dr and not any(cc == c and (rr - r) * dr >= 0 for rr, cc in grid):
                r = MAX_ROWS if dr > 0 else 1
            elif dc and not any(rr == r and (cc - c) * dc >= 0 for rr, cc in grid):
                c = MAX_COLS if dc > 0 else 1
            else:
                while inside(r, c) and not filled(r, c):
                    r, c = r + dr, c + dc
            r = min(max(r, 1), MAX_ROWS)
            c = min(max(c, 1), MAX_COLS)
        return FakeRange(self._sheet, (r, c, r, c))

    @property
    def current_region(self):
        self._app._call("range.current_region", self._target)
        grid = self._sheet.grid
        r1, c1, r2, c2 = self.rect
        changed = True
        while changed:
            changed = False
            for (r, c), v in grid.items():
                if v in (None, ""):
                    continue
                if r1 - 1 <= r <= r2 + 1 and c1 - 1 <= c <= c2 + 1 and not (r1 <= r <= r2 and c1 <= c <= c2):
                    r1, c1, r2, c2 = min(r1, r), min(c1, c), max(r2, r), max(c2, c)
                    changed = True
        return FakeRange(self._sheet, (r1, c1, r2, c2))

    @property
    def table(self):
        self._app._call("range.table", self._target)
        for t in self._sheet.tables_list:
            if _contains(t.rect, self.rect):
                return t
        return None

    # -- clearing -------------------------------------------------------------
    def _clear_values(self):
        grid = self._sheet.grid
        r1, c1, r2, c2 = self.rect
        if len(self) < len(grid):
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    grid.pop((r, c), None)
        else:
            for key in [k for k in grid if r1 <= k[0] <= r2 and c1 <= k[1] <= c2]:
                del grid[key]

    def clear_contents(self):
        if self._empty:
            return
        self._app._call("range.clear_contents", self._target)
        self._clear_values()

    def clear_formats(self):
        self._app._call("range.clear_formats", self._target)
        self._sheet._clear_formats(self.rect)

    def clear(self):
        if self._empty:
            return
        self._app._call("range.clear", self._target)
        self._clear_values()
        self._sheet._clear_formats(self.rect)

    # -- formats ----------------------------------------------------------------
    @property
    def number_format(self):
        self._app._call("range.number_format.get", self._target)
        ok, v = self._sheet.number_formats.uniform(self.rect)
        return v if ok else None  # mixed formats: COM returns Null

    @number_format.setter
    def number_format(self, value):
        self._app._call("range.number_format.set", self._target, value)
        self._sheet.number_formats.set(self.rect, value)

    @property
    def color(self):
        self._app._call("range.color.get", self._target)
        ok, v = self._sheet.fills.uniform(self.rect)
        return v if ok else None

    @color.setter
    def color(self, color_or_rgb):
        self._app._call("range.color.set", self._target, color_or_rgb)
        self._sheet.fills.set(self.rect, None if color_or_rgb is None else _rgb(color_or_rgb))

    @property
    def font(self):
        return FakeFont(self)

    @property
    def column_width(self):
        self._app._call("range.column_width.get", self._target)
        widths = {self._sheet.column_widths.get(c, 8.43) for c in range(self.rect[1], self.rect[3] + 1)}
        return widths.pop() if len(widths) == 1 else None

    @column_width.setter
    def column_width(self, value):
        self._app._call("range.column_width.set", self._target, value)
        if not 0 <= value <= 255:
            raise FakeComError("Unable to set the ColumnWidth property of the Range class")
        for c in range(self.rect[1], self.rect[3] + 1):
            self._sheet.column_widths[c] = float(value)

    @property
    def row_height(self):
        self._app._call("range.row_height.get", self._target)
        heights = {self._sheet.row_heights.get(r, 15.0) for r in range(self.rect[0], self.rect[2] + 1)}
        return heights.pop() if len(heights) == 1 else None

    @row_height.setter
    def row_height(self, value):
        self._app._call("range.row_height.set", self._target, value)
        for r in range(self.rect[0], self.rect[2] + 1):
            self._sheet.row_heights[r] = float(value)

    def autofit(self, axis=None):
        self._app._call("range.autofit", self._target, axis)
        self._sheet.autofit_calls.append((_rect_address(self.rect), axis))

    # -- notes ------------------------------------------------------------------
    @property
    def note(self):
        self._app._call("range.note.get", self._target)
        key = (self.rect[0], self.rect[1])
        return FakeNote(self._sheet, key) if key in self._sheet.note_texts else None

    def add_note(self, text):
        self._app._call("range.add_note", self._target, text)
        key = (self.rect[0], self.rect[1])
        self._sheet.note_texts[key] = text
        return FakeNote(self._sheet, key)

    # -- conditional formats -------------------------------------------------------
    # -- wrap, alignment, data validation (_xlwindows.Range / _xlmac.Range implement them in 0.37.8) ----------
    @property
    def wrap_text(self):
        self._app._call("range.wrap_text.get", self._target)
        same, value = self._sheet.wrap.uniform(self.rect)
        return value if same else None

    @wrap_text.setter
    def wrap_text(self, value):
        self._app._call("range.wrap_text.set", self._target, value)
        self._sheet.wrap.set(self.rect, bool(value))

    @property
    def horizontal_alignment(self):
        self._app._call("range.horizontal_alignment.get", self._target)
        same, value = self._sheet.alignment.uniform(self.rect)
        return value if same else None

    @horizontal_alignment.setter
    def horizontal_alignment(self, value):
        self._app._call("range.horizontal_alignment.set", self._target, value)
        self._sheet.alignment.set(self.rect, value)

    @property
    def data_validation(self):
        return FakeDataValidation(self)

    @property
    def conditional_formats(self):
        return FakeConditionalFormats(self)

    # formula (read) -- handy for injection-safety asserts through the public API
    @property
    def formula(self):
        self._app._call("range.formula.get", self._target)

        def f(r, c):
            v = self._sheet.grid.get((r, c))
            if v is None:
                return ""
            if isinstance(v, Formula):
                return v.text
            if isinstance(v, float) and v.is_integer():
                return str(int(v))
            return str(v)

        r1, c1, r2, c2 = self.rect
        if (r1, c1) == (r2, c2):
            return f(r1, c1)
        return tuple(tuple(f(r, c) for c in range(c1, c2 + 1)) for r in range(r1, r2 + 1))


class FakeDataValidation(base_classes.DataValidation):
    """_xlwindows.DataValidation: set_list joins a literal list with the list separator into Formula1."""

    def __init__(self, rng: FakeRange):
        self.rng = rng

    @property
    def api(self):
        return _NoApi("data_validation")

    def set_list(self, source, in_cell_dropdown):
        self.rng._app._call("data_validation.set_list", self.rng._target, (source, in_cell_dropdown))
        if isinstance(source, FakeRange):
            formula = "=" + _sheet_ref(source._sheet._name) + "!" + _rect_address(source.rect, absolute=True)
        else:
            formula = ",".join(source)
        if len(formula) > 255:
            raise ValueError("the Excel data validation source cannot exceed 255 characters")
        sheet = self.rng._sheet
        sheet.validations = [v for v in sheet.validations if not _intersects(v["rect"], self.rng.rect)]
        sheet.validations.append({"rect": self.rng.rect, "type": "list", "formula1": formula,
                                  "in_cell_dropdown": in_cell_dropdown})

    def set_rule(self, rule_type, operator, formula1, formula2):
        raise NotImplementedError("fake: only list validations are modelled")

    def delete(self):
        self.rng._app._call("data_validation.delete", self.rng._target)
        sheet = self.rng._sheet
        sheet.validations = [v for v in sheet.validations if not _intersects(v["rect"], self.rng.rect)]


class FakeFont(base_classes.Font):
    def __init__(self, rng: FakeRange):
        self.rng = rng

    @property
    def api(self):
        return _NoApi("font")

    def _get(self, attr, layers):
        self.rng._app._call(f"font.{attr}.get", self.rng._target)
        ok, v = layers.uniform(self.rng.rect)
        return v if ok else None

    def _set(self, attr, layers, value):
        self.rng._app._call(f"font.{attr}.set", self.rng._target, value)
        layers.set(self.rng.rect, value)

    @property
    def bold(self):
        return self._get("bold", self.rng._sheet.font_bold)

    @bold.setter
    def bold(self, value):
        self._set("bold", self.rng._sheet.font_bold, bool(value))

    @property
    def italic(self):
        return self._get("italic", self.rng._sheet.font_italic)

    @italic.setter
    def italic(self, value):
        self._set("italic", self.rng._sheet.font_italic, bool(value))

    @property
    def size(self):
        return self._get("size", self.rng._sheet.font_size)

    @size.setter
    def size(self, value):
        self._set("size", self.rng._sheet.font_size, float(value))

    @property
    def color(self):
        return self._get("color", self.rng._sheet.font_color)

    @color.setter
    def color(self, value):
        self._set("color", self.rng._sheet.font_color, _rgb(value))


class FakeNote(base_classes.Note):
    def __init__(self, sheet: FakeSheet, key):
        self.sheet, self.key = sheet, key

    @property
    def api(self):
        return _NoApi("note")

    @property
    def text(self):
        self.sheet._app._call("note.text.get")
        return self.sheet.note_texts[self.key]

    @text.setter
    def text(self, value):
        self.sheet._app._call("note.text.set")
        self.sheet.note_texts[self.key] = value

    def delete(self):
        self.sheet._app._call("note.delete")
        self.sheet.note_texts.pop(self.key, None)


# ---------------------------------------------------------------------------
# conditional formats (xlwings >= 0.37.5)

_CF_FIELDS = (
    "type", "operator", "formula1", "formula2", "formula", "fill_color", "font_color",
    "font_bold", "font_italic", "stop_if_true", "colors", "bar_color", "gradient",
    "show_value", "icon_set", "reverse_order", "threshold_types", "thresholds",
)
_cf_ids = itertools.count(1)


def _cf_subtract(sheet: FakeSheet, rect: Rect) -> None:
    keep = []
    for rule in sheet.cf_rules:
        parts = []
        for r in rule["applies_to"]:
            parts.extend(_subtract(r, rect))
        if parts:
            rule["applies_to"] = parts
            keep.append(rule)
    sheet.cf_rules[:] = keep


class FakeConditionalFormats(base_classes.ConditionalFormats):
    def __init__(self, rng: FakeRange):
        self.rng = rng

    @property
    def api(self):
        return _NoApi("conditional_formats")

    def _rules(self):
        return [r for r in self.rng._sheet.cf_rules if any(_intersects(a, self.rng.rect) for a in r["applies_to"])]

    def __len__(self):
        self.rng._app._call("conditional_formats.len", self.rng._target)
        return len(self._rules())

    def __iter__(self):
        self.rng._app._call("conditional_formats.iter", self.rng._target)
        return iter([FakeConditionalFormat(self.rng._sheet, r) for r in self._rules()])

    def __call__(self, key):
        self.rng._app._call("conditional_formats.item", self.rng._target, key)
        rules = self._rules()
        if not isinstance(key, numbers.Number) or not 1 <= key <= len(rules):
            raise KeyError(key)
        return FakeConditionalFormat(self.rng._sheet, rules[int(key) - 1])

    def __contains__(self, key):
        return isinstance(key, numbers.Number) and 1 <= key <= len(self._rules())

    def _add(self, kind: str, spec: dict) -> "FakeConditionalFormat":
        self.rng._app._call(f"conditional_formats.add_{kind}", self.rng._target, dict(spec))
        rule = {f: None for f in _CF_FIELDS}
        rule["type"] = {"cell_value": "cell_value", "custom": "custom"}.get(kind, kind)
        rule.update(spec)
        if rule["type"] == "cell_value":
            rule["formula1"] = _cf_formula(rule["formula1"])
            rule["formula2"] = None if rule["formula2"] is None else _cf_formula(rule["formula2"])
        rule["id"] = next(_cf_ids)
        rule["applies_to"] = [self.rng.rect]
        self.rng._sheet.cf_rules.insert(0, rule)  # new rules get the top priority
        return FakeConditionalFormat(self.rng._sheet, rule)

    def add_cell_value(self, spec):
        return self._add("cell_value", spec)

    def add_custom(self, spec):
        return self._add("custom", spec)

    def add_color_scale(self, spec):
        return self._add("color_scale", spec)

    def add_data_bar(self, spec):
        return self._add("data_bar", spec)

    def add_icon_set(self, spec):
        return self._add("icon_set", spec)

    def clear(self):
        self.rng._app._call("conditional_formats.clear", self.rng._target)
        _cf_subtract(self.rng._sheet, self.rng.rect)


def _cf_formula(value: str) -> str:
    # Excel (Windows) reports cell-value operands with a leading '='
    return value if value.startswith("=") else "=" + value


class FakeConditionalFormat(base_classes.ConditionalFormat):
    def __init__(self, sheet: FakeSheet, rule: dict):
        self.sheet, self.rule = sheet, rule

    @property
    def api(self):
        return _NoApi("conditional_format")

    def _get(self, f):
        self.sheet._app._call(f"conditional_format.{f}.get")
        if self.rule not in self.sheet.cf_rules:
            raise FakeComError("The object invoked has disconnected from its clients.")
        return self.rule[f]

    type = property(lambda self: self._get("type"))
    stop_if_true = property(lambda self: None if self.rule["type"] in ("color_scale", "data_bar", "icon_set") else self._get("stop_if_true"))
    operator = property(lambda self: self._get("operator"))
    formula1 = property(lambda self: self._get("formula1"))
    formula2 = property(lambda self: self._get("formula2"))
    formula = property(lambda self: self._get("formula"))
    fill_color = property(lambda self: self._get("fill_color"))
    font_color = property(lambda self: self._get("font_color"))
    font_bold = property(lambda self: self._get("font_bold"))
    font_italic = property(lambda self: self._get("font_italic"))
    colors = property(lambda self: self._get("colors"))
    bar_color = property(lambda self: self._get("bar_color"))
    gradient = property(lambda self: self._get("gradient"))
    show_value = property(lambda self: self._get("show_value"))
    icon_set = property(lambda self: self._get("icon_set"))
    reverse_order = property(lambda self: self._get("reverse_order"))
    threshold_types = property(lambda self: self._get("threshold_types"))
    thresholds = property(lambda self: self._get("thresholds"))

    def set(self, changes):
        self.sheet._app._call("conditional_format.set", detail=dict(changes))
        changes = dict(changes)
        for k in ("formula1", "formula2"):
            if changes.get(k) is not None:
                changes[k] = _cf_formula(changes[k])
        self.rule.update(changes)

    def delete(self):
        self.sheet._app._call("conditional_format.delete")
        if self.rule in self.sheet.cf_rules:
            self.sheet.cf_rules.remove(self.rule)


# ---------------------------------------------------------------------------
# tables


class FakeTables(base_classes.Tables):
    def __init__(self, sheet: FakeSheet):
        self.sheet = sheet

    @property
    def api(self):
        return _NoApi("tables")

    @property
    def parent(self):
        return self.sheet

    def __len__(self):
        self.sheet._app._call("tables.len", self.sheet._name)
        return len(self.sheet.tables_list)

    def __iter__(self):
        self.sheet._app._call("tables.iter", self.sheet._name)
        return iter(list(self.sheet.tables_list))

    def __call__(self, key):
        self.sheet._app._call("tables.item", self.sheet._name, key)
        if isinstance(key, numbers.Number):
            if not 1 <= key <= len(self.sheet.tables_list):
                raise KeyError(key)
            return self.sheet.tables_list[int(key) - 1]
        for t in self.sheet.tables_list:
            if t._name.lower() == str(key).lower():
                return t
        raise KeyError(key)

    def __contains__(self, key):
        return any(t._name.lower() == str(key).lower() for t in self.sheet.tables_list)

    def add(self, source_type=None, source=None, link_source=None, has_headers=True,
            destination=None, table_style_name=None, name=None):
        sheet, book = self.sheet, self.sheet._book
        sheet._app._call("tables.add", sheet._name, {"source": _rect_address(source.impl.rect), "name": name})
        src = source.impl
        if src._sheet is not sheet:
            raise FakeComError("A table cannot overlap a range on another sheet.")
        if not has_headers:
            raise NotImplementedError("fake: has_headers=False is not modelled")
        rect = src.rect
        for s in book._sheets:
            for t in s.tables_list:
                if s is sheet and _intersects(t.rect, rect):
                    raise FakeComError("A table cannot overlap another table.")
        if rect[2] == rect[0]:
            rect = (rect[0], rect[1], rect[0] + 1, rect[3])  # header-only source gets one body row
        n = 1
        existing = _all_table_names(book)
        while f"table{n}" in existing:
            n += 1
        table = FakeTable(sheet, f"Table{n}", rect, table_style_name)
        # Excel turns header cells into unique, non-empty text
        seen: set[str] = set()
        for j, c in enumerate(range(rect[1], rect[3] + 1), start=1):
            v = sheet.grid.get((rect[0], c))
            if isinstance(v, float) and v.is_integer():
                text = str(int(v))
            elif v in (None, ""):
                text = f"Column{j}"
            elif isinstance(v, Formula):
                text = f"Column{j}"
            else:
                text = str(v)
            base, k = text, 2
            while text.lower() in seen:
                text, k = f"{base}{k}", k + 1
            seen.add(text.lower())
            sheet.grid[(rect[0], c)] = text
        sheet.tables_list.append(table)
        if name is not None:
            table.name = name  # a second call, as in _xlwindows
        return table


def _all_table_names(book: FakeBook) -> set[str]:
    return {t._name.lower() for s in book._sheets for t in s.tables_list}


class FakeTable(base_classes.Table):
    def __init__(self, sheet: FakeSheet, name: str, rect: Rect, style: str | None):
        self.sheet, self._name, self.rect, self.style = sheet, name, rect, style

    @property
    def api(self):
        return _NoApi("table")

    @property
    def parent(self):
        return self.sheet

    @property
    def name(self):
        self.sheet._app._call("table.name.get", self._name)
        return self._name

    @name.setter
    def name(self, value):
        self.sheet._app._call("table.name.set", self._name, value)
        book = self.sheet._book
        taken = _all_table_names(book) - {self._name.lower()}
        taken |= {n["name"].rsplit("!", 1)[-1].lower() for n in book._names}
        if value.lower() in taken or " " in value or _CELL_RE.match(value):
            raise FakeComError("The name that you entered is not valid or already exists.")
        self._name = value

    @property
    def display_name(self):
        return self.name

    @property
    def range(self):
        self.sheet._app._call("table.range", self._name)
        return FakeRange(self.sheet, self.rect)

    @property
    def header_row_range(self):
        self.sheet._app._call("table.header_row_range", self._name)
        return FakeRange(self.sheet, (self.rect[0], self.rect[1], self.rect[0], self.rect[3]))

    @property
    def data_body_range(self):
        self.sheet._app._call("table.data_body_range", self._name)
        if self.rect[2] <= self.rect[0]:
            return None
        return FakeRange(self.sheet, (self.rect[0] + 1, self.rect[1], self.rect[2], self.rect[3]))

    @property
    def table_style(self):
        self.sheet._app._call("table.table_style.get", self._name)
        return self.style

    @table_style.setter
    def table_style(self, value):
        self.sheet._app._call("table.table_style.set", self._name, value)
        self.style = value

    def resize(self, range):
        self.sheet._app._call("table.resize", self._name, _rect_address(range.impl.rect))
        new = range.impl.rect
        if new[0] != self.rect[0] or new[1] != self.rect[1]:
            raise FakeComError("The header row must stay in the same row and the table must overlap the original.")
        self.rect = new


# ---------------------------------------------------------------------------
# charts


class FakeCharts(base_classes.Charts):
    def __init__(self, sheet: FakeSheet):
        self.sheet = sheet

    @property
    def api(self):
        return _NoApi("charts")

    @property
    def parent(self):
        return self.sheet

    def __len__(self):
        self.sheet._app._call("charts.len", self.sheet._name)
        return len(self.sheet.charts_list)

    def __iter__(self):
        self.sheet._app._call("charts.iter", self.sheet._name)
        return iter(list(self.sheet.charts_list))

    def __call__(self, key):
        self.sheet._app._call("charts.item", self.sheet._name, key)
        if isinstance(key, numbers.Number):
            if not 1 <= key <= len(self.sheet.charts_list):
                raise KeyError(key)
            return self.sheet.charts_list[int(key) - 1]
        for ch in self.sheet.charts_list:
            if ch.record["name"] == key:
                return ch
        raise KeyError(key)

    def __contains__(self, key):
        self.sheet._app._call("charts.contains", self.sheet._name, key)
        return any(ch.record["name"] == key for ch in self.sheet.charts_list)

    def add(self, left, top, width, height, chart_type=None, source=None, plot_by=None,
            name=None, anchor=None, style=None):
        sheet = self.sheet
        sheet._app._call("charts.add", sheet._name, name)
        sheet._chart_counter += 1
        if anchor is not None:
            left, top = float(anchor.column), float(anchor.row)  # position only recorded
        chart = FakeChart(sheet, {
            "name": name or f"Chart {sheet._chart_counter}",
            "left": left, "top": top, "width": width, "height": height,
            "chart_type": chart_type or "column_clustered",
            "source": None if source is None else _rect_address(source.rect),
            "plot_by": plot_by, "style": style, "title": None,
            "anchor": None if anchor is None else _rect_address(anchor.impl.rect),
        })
        sheet.charts_list.append(chart)
        return chart


class FakeChart(base_classes.Chart):
    def __init__(self, sheet: FakeSheet, record: dict):
        self.sheet, self.record = sheet, record

    @property
    def api(self):
        return _NoApi("chart")

    @property
    def parent(self):
        return self.sheet

    def _c(self, what, detail=None):
        self.sheet._app._call(f"chart.{what}", self.record["name"], detail)

    @property
    def name(self):
        self._c("name.get")
        return self.record["name"]

    @name.setter
    def name(self, value):
        self._c("name.set", value)
        self.record["name"] = value

    @property
    def chart_type(self):
        self._c("chart_type.get")
        return self.record["chart_type"]

    @chart_type.setter
    def chart_type(self, value):
        self._c("chart_type.set", value)
        self.record["chart_type"] = value

    @property
    def title(self):
        self._c("title.get")
        return self.record["title"]

    @title.setter
    def title(self, value):
        self._c("title.set", value)
        self.record["title"] = value

    def set_source_data(self, rng, plot_by=None):
        self._c("set_source_data", _rect_address(rng.rect))
        self.record["source"] = _rect_address(rng.rect)
        self.record["plot_by"] = plot_by

    def _pos(attr):  # noqa: N805
        def getter(self):
            self._c(f"{attr}.get")
            return self.record[attr]

        def setter(self, value):
            self._c(f"{attr}.set", value)
            self.record[attr] = value

        return property(getter, setter)

    left = _pos("left")
    top = _pos("top")
    width = _pos("width")
    height = _pos("height")

    def delete(self):
        self._c("delete")
        self.sheet.charts_list.remove(self)


# ---------------------------------------------------------------------------
# names


class FakeNames(base_classes.Names):
    def __init__(self, book: FakeBook, scope: FakeSheet | None):
        self.book, self.scope = book, scope

    @property
    def api(self):
        return _NoApi("names")

    def _entries(self):
        if self.scope is None:
            return list(self.book._names)
        return [n for n in self.book._names if n["scope"] is self.scope]

    def _full(self, entry) -> str:
        if entry["scope"] is None:
            return entry["name"]
        return f"{_sheet_ref(entry['scope']._name)}!{entry['name']}"

    def __call__(self, name_or_index):
        self.book._app._call("names.item", detail=name_or_index)
        entries = self._entries()
        if isinstance(name_or_index, numbers.Number):
            return FakeName(self.book, entries[int(name_or_index) - 1])
        for e in entries:
            if name_or_index.lower() in (e["name"].lower(), self._full(e).lower()):
                return FakeName(self.book, e)
        raise KeyError(name_or_index)

    def snapshot(self):
        self.book._app._call("names.snapshot")
        return [(self._full(e), FakeName(self.book, e)) for e in self._entries()]

    def contains(self, name_or_index):
        self.book._app._call("names.contains", detail=name_or_index)
        return any(name_or_index.lower() in (e["name"].lower(), self._full(e).lower()) for e in self._entries())

    def __len__(self):
        self.book._app._call("names.len")
        return len(self._entries())

    def add(self, name, refers_to):
        self.book._app._call("names.add", detail=(name, refers_to))
        if not name or " " in name or _CELL_RE.match(name) or not re.match(r"^[A-Za-z_\\]", name):
            raise FakeComError("The name that you entered is not valid.")
        for e in self.book._names:
            if e["scope"] is self.scope and e["name"].lower() == name.lower():
                e["refers_to"] = refers_to if str(refers_to).startswith("=") else "=" + str(refers_to)
                return FakeName(self.book, e)
        entry = {"name": name, "refers_to": refers_to if str(refers_to).startswith("=") else "=" + str(refers_to),
                 "scope": self.scope}
        self.book._names.append(entry)
        return FakeName(self.book, entry)


class FakeName(base_classes.Name):
    def __init__(self, book: FakeBook, entry: dict):
        self.book, self.entry = book, entry

    @property
    def api(self):
        return _NoApi("name")

    @property
    def name(self):
        self.book._app._call("name.name.get", self.entry["name"])
        if self.entry["scope"] is None:
            return self.entry["name"]
        return f"{_sheet_ref(self.entry['scope']._name)}!{self.entry['name']}"

    @name.setter
    def name(self, value):
        self.book._app._call("name.name.set", self.entry["name"], value)
        self.entry["name"] = value

    @property
    def refers_to(self):
        self.book._app._call("name.refers_to.get", self.entry["name"])
        return self.entry["refers_to"]

    @refers_to.setter
    def refers_to(self, value):
        self.book._app._call("name.refers_to.set", self.entry["name"], value)
        self.entry["refers_to"] = value

    @property
    def refers_to_range(self):
        self.book._app._call("name.refers_to_range", self.entry["name"])
        target = _parse_refers_to(self.book, self.entry["refers_to"])
        if target is None:
            raise FakeComError("Application-defined or object-defined error.")
        return FakeRange(*target)

    def delete(self):
        self.book._app._call("name.delete", self.entry["name"])
        if self.entry in self.book._names:
            self.book._names.remove(self.entry)


# ---------------------------------------------------------------------------
# wiring into xlwings


@contextlib.contextmanager
def install_caller(book: "xw.Book | FakeBook"):
    """Make ``xw.Book.caller()`` return ``book`` through xlwings' own mock-caller path."""
    if isinstance(book, FakeBook):
        book = book.xw
    had = "_mock_caller" in xw.Book.__dict__
    old = xw.Book.__dict__.get("_mock_caller")
    xw.Book._mock_caller = book
    try:
        yield book
    finally:
        if had:
            xw.Book._mock_caller = old
        else:
            del xw.Book._mock_caller


@dataclass
class FakeExcel:
    """What the ``fake_excel`` fixture yields."""

    app: FakeApp
    book: FakeBook
    xw_book: xw.Book = field(repr=False)


@pytest.fixture
def fake_excel(monkeypatch) -> FakeExcel:
    """A fresh fake Excel with one book ('Book1.xlsx', 'Sheet1') that
    ``xw.Book.caller()`` returns (via xlwings' own ``Book._mock_caller``).
    For a fixture workbook use ``FakeBook.from_openpyxl(wb, app=fx.app)`` and
    ``with install_caller(book): ...``."""
    app = FakeApp()
    book = app.add_book()
    xw_book = book.xw
    monkeypatch.setattr(xw.Book, "_mock_caller", xw_book, raising=False)
    return FakeExcel(app, book, xw_book)


# ---------------------------------------------------------------------------
# worksheet functions as Excel calls them through xlwings' COM server

VBA_MISSING = -2147352572
"""DISP_E_PARAMNOTFOUND: what the generated VBA's ``Array(...)`` holds for an Optional argument the formula
left out at its end; xlwings.udfs.call_udf replaces it by the Python default."""


class _Skipped:
    def __repr__(self) -> str:
        return "SKIPPED"


SKIPPED = _Skipped()
"""A middle argument left empty, ``=SEG_TIER(t, , Orders!A1:D9)``: Excel passes an empty value (VT_EMPTY,
None in Python), not "missing", so call_udf converts it with the argument's options (xlwings issue 892)."""

VARIANT_ARRAY_STRING_LIMIT = 255
"""Excel shows #VALUE! for a whole array a VBA function returns when one string in it is longer (xlwings
issue 456); a scalar string may be up to 32,767 characters."""


@contextlib.contextmanager
def excel_engine(app: "FakeApp | None" = None):
    """Register the fake engine as xlwings' "excel" engine (what conversion.read(None, ...) uses in UDF calls)."""
    engines = xw.engines
    had = "excel" in engines.engines_by_name
    if had:
        yield
        return
    engine = xw.main.Engine(impl=(app or FakeApp()).engine)
    engines.add(engine)
    try:
        yield
    finally:
        engines.engines.remove(engine)
        del engines.engines_by_name["excel"]


def call_udf(func, *args, app: "FakeApp | None" = None, caller=None):
    """What a cell shows for ``=FUNC(args...)`` in Windows Excel with xlwings' COM server.

    ``func`` must carry xlwings' ``__xlfunc__`` metadata (the real decorators, as on Windows). ``args`` are
    what the formula passes: an ``xw.Range``/``FakeRange`` for a reference, a float/str/bool for a literal or a
    computed value, ``SKIPPED`` for an argument left empty in the middle; arguments left out at the end are
    VBA's "missing". ``caller`` is the calling cell (an ``xw.Range``), handed to a parameter named ``caller``
    as call_udf does (xlwings' reserved argument; the generated VBA passes ``Nothing`` there). The steps are
    xlwings 0.37.8's:

    * udfs.call_udf: missing -> the Python default; a Range -> ``conversion.read(Range, None, options)``
      (through the engine, ``ndim``/``err_to_str``/chunking as for any read); anything else ->
      ``conversion.read(None, value, options)``; then ``conversion.write(ret, None, ret options)``;
    * com_server.XLPython.CallUDF: a 1 x 1 result becomes a scalar, a 1 x n result a flat list;
    * Excel: an array holding a string longer than 255 characters shows ``#VALUE!`` (returned as
      ``CellError("#VALUE!")``); a longer scalar string is shown as it is.
    """
    from xlwings import conversion

    info = func.__xlfunc__
    args_info = info["args"]
    full = list(args) + [VBA_MISSING] * (len(args_info) - len(args))
    names = [a["name"] for a in args_info]
    if "caller" in names:  # call_udf: args[pos] = ComRange(xw_caller); conversion then passes it through
        full[names.index("caller")] = caller if caller is None or isinstance(caller, xw.Range) else \
            xw.Range(impl=caller)
    with excel_engine(app):
        converted = []
        for i, arg in enumerate(full):
            arg_info = args_info[min(i, len(args_info) - 1)]
            options = arg_info["options"]
            if arg is SKIPPED:
                arg = None
            if arg_info["name"] == "caller":
                converted.append(arg)
            elif isinstance(arg, int) and not isinstance(arg, bool) and arg == VBA_MISSING:
                converted.append(arg_info.get("optional", None))
            elif isinstance(arg, (xw.Range, FakeRange)):
                rng = arg if isinstance(arg, xw.Range) else xw.Range(impl=arg)
                converted.append(conversion.read(rng, None, options))
            else:
                converted.append(conversion.read(None, arg, options))
        ret = func(*converted)
        res = conversion.write(ret, None, info["ret"]["options"])
    if len(res) == 1 and len(res[0]) == 1:
        return res[0][0]
    if len(res) == 1 and len(res[0]) > 1:
        res = res[0]
    flat = [v for row in res for v in (row if isinstance(row, list) else [row])]
    if any(isinstance(v, str) and len(v) > VARIANT_ARRAY_STRING_LIMIT for v in flat):
        return CellError("#VALUE!")
    return res


# ---------------------------------------------------------------------------
# the add-in's VBA reading its config file


class VbaError(Exception):
    """A VBA run-time error: ``number`` as Excel reports it (62 = Input past end of file)."""

    def __init__(self, number: int, description: str):
        super().__init__(f"Run-time error '{number}': {description}")
        self.number = number


def vba_get_config_from_file(data: bytes, key: str, platform: str = "windows") -> str | None:
    """xlwings' ``GetConfigFromFile`` (addin/Config.bas, in the ribbon template's xlwings.bas) on ``data``.

    ``Do While Not EOF: Input #f, sVarName, sVarValue: If LCase(sVarName) = LCase(sName) ...``. VBA's
    ``Input #`` reads comma- or line-delimited fields; a quoted field ends at its closing quote and what follows
    up to the next comma or line end is skipped. On Windows a line ends only at CR or CRLF (a bare LF is an
    ordinary character); Excel for Mac also ends lines at LF. Reading past the end raises error 62. Returns the
    value, or None when the file has no such key.
    """
    text = data.decode("latin-1")
    ends = ("\r",) if platform == "windows" else ("\r", "\n")
    pos = 0

    def eof() -> bool:
        return pos >= len(text)

    def field() -> str:
        nonlocal pos
        if eof():
            raise VbaError(62, "Input past end of file")
        while not eof() and text[pos] == " ":
            pos += 1
        if not eof() and text[pos] == '"':
            close = text.find('"', pos + 1)
            close = len(text) if close < 0 else close
            value = text[pos + 1:close]
            pos = close + 1
            while not eof() and text[pos] != "," and text[pos] not in ends:
                pos += 1  # skipped up to the delimiter
        else:
            start = pos
            while not eof() and text[pos] != "," and text[pos] not in ends:
                pos += 1
            value = text[start:pos].strip()
        if not eof():
            if text[pos] == "\r" and text[pos + 1:pos + 2] == "\n":
                pos += 2
            else:
                pos += 1
        return value

    while not eof():
        name, value = field(), field()
        if name.lower() == key.lower():
            return value
    return None
