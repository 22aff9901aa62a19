"""One streaming pass over a worksheet part's XML: its true extent, error cells and formula cells.

python-calamine reads a sheet into a dense rectangle from A1 to the last cell
and drops error values and formulas. Before it runs, this pass (byte searches,
no XML tree) finds what is really there:

* the number of cells and the last row and column that hold one, so one stray
  cell at XFD1048576 is read sparsely instead of as 17 billion empty cells;
* the text of every error cell (``#N/A`` ...), which calamine returns as blank;
* every formula cell and whether it has a saved value, per column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape

import numpy as np

from xlseg.errors import WorkbookError

MAX_ROW_BYTES = 256 << 20  # one <row> element; more is not a worksheet anyone typed
_PREFIX = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?worksheet\b")
_ATTR_R = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')
_T_ERR = re.compile(rb'\bt="e"')


def _columns(block: bytes) -> tuple[int, int, int]:
    """(number of ' r="A1"' cell references, the largest column among them, the largest row among them) in
    ``block``, vectorised."""
    a = np.frombuffer(block + bytes(16), np.uint8)  # padded: letters and digits are read at fixed offsets
    n = len(block) - 12
    if n <= 0:
        return 0, 0, 0
    hit = a[:n] == 32  # ' r="'
    hit &= a[1:n + 1] == 114
    hit &= a[2:n + 2] == 61
    hit &= a[3:n + 3] == 34
    at = np.flatnonzero(hit) + 4
    first = a[at]
    letter = (first >= 65) & (first <= 90)  # <row r="5"> has a digit there
    at, first = at[letter], first[letter].astype(np.int64) - 64
    if not len(at):
        return 0, 0, 0
    second = a[at + 1].astype(np.int64)
    two = (second >= 65) & (second <= 90)
    third = a[at + 2].astype(np.int64)
    three = two & (third >= 65) & (third <= 90)
    col = np.where(three, (first * 26 + second - 64) * 26 + third - 64, np.where(two, first * 26 + second - 64, first))
    row, _count = digits_at(a, at + 1 + two + three, 7)  # from the first digit, up to 7 digits
    return len(at), int(col.max()), int(row.max())


def digits_at(a, p, most: int):
    """(the number, how many digits) of the runs of decimal digits starting at each offset ``p`` of ``a``,
    at most ``most`` digits read (``a`` padded so ``p + most`` stays inside)."""
    number = np.zeros(len(p), np.int64)
    count = np.zeros(len(p), np.int64)
    going = np.ones(len(p), bool)
    for k in range(most):
        digit = a[p + k].astype(np.int64) - 48
        going &= (digit >= 0) & (digit <= 9)
        if not going.any():
            break
        number[going] = number[going] * 10 + digit[going]
        count += going
    return number, count


def col_number(letters: bytes | str) -> int:
    n = 0
    for ch in letters if isinstance(letters, str) else letters.decode():
        n = n * 26 + ord(ch) - 64
    return n


@dataclass
class SheetScan:
    """What one sheet part holds, found without building it (rows and columns 1-based)."""

    cells: int = 0
    max_row: int = 0
    max_col: int = 0
    errors: dict = field(default_factory=dict)  # (row, col) -> error text such as "#N/A"
    formulas: dict = field(default_factory=dict)  # col -> [formula cells, with a saved value, first row]
    formula_rows: dict = field(default_factory=dict)  # row -> last column holding a formula cell
    unreferenced: bool = False  # some cells carry no r="A1" reference (positions implied)

    def uncached_columns(self) -> dict:
        """col -> first row, for columns whose formula cells have no saved value at all."""
        return {c: first for c, (n, saved, first) in self.formulas.items() if n and not saved}


class _Scanner:
    def __init__(self, sheet: str, name: str) -> None:
        self.scan = SheetScan()
        self.sheet, self.name = sheet, name
        self.prefix = None

    def _tags(self, prefix: bytes) -> None:
        p = prefix + b":" if prefix else b""
        self.prefix = p
        self.open_c = b"<" + p + b"c "
        self.open_c_bare = b"<" + p + b"c>"
        self.close_c = b"</" + p + b"c>"
        self.row_end = b"</" + p + b"row>"
        self.row_re = re.compile(b"<" + re.escape(p) + rb'row\b[^>]*?\sr="([0-9]{1,7})"')
        self.f_re = re.compile(b"<" + re.escape(p) + rb"f[ >/]")
        self.v_re = re.compile(b"<" + re.escape(p) + rb"v>([^<]*)</" + re.escape(p) + b"v>")

    def feed(self, block: bytes) -> None:
        if self.prefix is None:
            m = _PREFIX.search(block)
            self._tags(m.group(1) or b"" if m else b"")
        scan = self.scan
        opens = block.count(self.open_c)
        if self.open_c_bare in block:
            scan.unreferenced = True
        scan.cells += opens
        refs, last_col, last_ref_row = _columns(block)
        if refs < opens:
            scan.unreferenced = True
        scan.max_col = max(scan.max_col, last_col)
        # every cell reference's row (calamine places a cell by its own ref, whatever the order of the rows), and
        # the last <row> tag's number (rows come in order in real files; a row of cells without refs counts)
        rows = self.row_re.findall(block, max(0, block.rfind(b"<" + self.prefix + b"row ")))
        scan.max_row = max([scan.max_row, last_ref_row] + [int(r) for r in rows])
        if b't="e"' in block:
            self._errors(block)
        if self.f_re.search(block):
            self._formulas(block)

    def _cell_at(self, block: bytes, pos: int):
        """(start tag, whole cell) of the cell element around ``pos``, or None."""
        start = block.rfind(self.open_c, 0, pos + 1)
        if start < 0:
            return None
        tag_end = block.find(b">", start)
        if tag_end < 0:
            return None
        tag = block[start:tag_end + 1]
        if tag.endswith(b"/>"):
            return tag, tag
        end = block.find(self.close_c, tag_end)
        if end < 0:
            return None
        return tag, block[start:end + len(self.close_c)]

    def _errors(self, block: bytes) -> None:
        for m in _T_ERR.finditer(block):
            found = self._cell_at(block, m.start())
            if found is None or m.start() > block.find(b">", block.rfind(self.open_c, 0, m.start() + 1)):
                continue  # t="e" of another element
            tag, cell = found
            ref = _ATTR_R.search(tag)
            value = self.v_re.search(cell)
            if ref and value:
                key = (int(ref.group(2)), col_number(ref.group(1)))
                self.scan.errors[key] = unescape(value.group(1).decode("utf-8", "replace"))

    def _formulas(self, block: bytes) -> None:
        seen = -1
        for m in self.f_re.finditer(block):
            if m.start() < seen:
                continue
            found = self._cell_at(block, m.start())
            if found is None:
                continue
            tag, cell = found
            seen = block.rfind(self.open_c, 0, m.start() + 1) + len(cell)
            ref = _ATTR_R.search(tag)
            if not ref:
                continue
            row, col = int(ref.group(2)), col_number(ref.group(1))
            value = self.v_re.search(cell)
            saved = value is not None and value.group(1) != b""
            entry = self.scan.formulas.setdefault(col, [0, 0, row])
            entry[0] += 1
            entry[1] += saved
            if not saved and self.scan.formula_rows.get(row, 0) < col:
                self.scan.formula_rows[row] = col

    def finish(self) -> SheetScan:
        return self.scan


def scan_sheet(chunks, sheet: str, name: str) -> SheetScan:
    """Scan a sheet part given as byte chunks (:meth:`xlseg.read.package.Package.chunks`).

    Blocks are fed whole rows at a time; after ``</sheetData>`` the rest is only inflated (so the part's size and
    CRC are still checked), never scanned.
    """
    scanner = _Scanner(sheet, name)
    pending, size, done = [], 0, False
    tail = b""
    for block in chunks:
        if done:
            continue
        if scanner.prefix is None:
            m = _PREFIX.search((tail + block)[:4096])
            scanner._tags(m.group(1) or b"" if m else b"")
            end_data = b"</" + scanner.prefix + b"sheetData>"
        probe = tail + block
        tail = block[-32:]
        if scanner.row_end not in probe and end_data not in probe:
            pending.append(block)
            size += len(block)
            if size > MAX_ROW_BYTES:
                raise WorkbookError(f"'{name}', sheet '{sheet}': one row holds more than "
                                    f"{MAX_ROW_BYTES >> 20} MB of XML, which no worksheet made in Excel does. "
                                    "Open the file in Excel, save it again, and try again.")
            continue
        data = b"".join(pending + [block]) if pending else block
        stop = data.find(end_data)
        if stop >= 0:
            scanner.feed(data[:stop])
            pending, size, done = [], 0, True
            continue
        cut = data.rfind(scanner.row_end)
        if cut < 0:  # the row end seen was in the part already fed
            pending, size = [data], len(data)
            continue
        cut += len(scanner.row_end)
        scanner.feed(data[:cut])
        rest = data[cut:]
        pending, size = ([rest], len(rest)) if rest else ([], 0)
    if pending:
        scanner.feed(b"".join(pending))
    return scanner.finish()
