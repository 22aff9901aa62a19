"""The proof after writing: every part xlseg does not own is byte-identical, and the user's cells are unchanged.

Copied parts are compared as their compressed bytes (and CRC); on a sheet
xlseg edited cell by cell, every cell outside xlseg's ranges must be there,
byte for byte, in the same row. Any difference is a refusal (it should never
happen: the editor copies by construction).
"""

from __future__ import annotations

from xlseg.ooxml.package import Package
from xlseg.ooxml.sheet_editor import _CELL_R, _ROW_R, cell_pattern, row_pattern, split
from xlseg.ooxml.xml import col_index

MAX_REPORTED = 10


def prove(src: Package, dst_path, written) -> list:
    """Lines describing every difference outside what xlseg owns (empty: proven)."""
    problems = []
    with Package(dst_path, name=str(dst_path)) as out:
        for name in src.names():
            if name in written.owned:
                continue
            if name not in out:
                problems.append(f"part '{name}' would be missing")
                continue
            a, b = src.infos[name], out.infos[name]
            if a.CRC != b.CRC or a.file_size != b.file_size or src.raw(name)[1] != out.raw(name)[1]:
                problems.append(f"part '{name}' would change")
        for part, (title, rects) in written.edited.items():
            problems += _cells_kept(src.read(part), out.read(part), rects, title)
    return problems[:MAX_REPORTED]


def _rows(xml: bytes, label: str) -> tuple:
    _head, prefix, body, _tail = split(xml, label)
    rows = {}
    last = 0
    for m in row_pattern(prefix).finditer(body):
        row = m.group(0)
        end = row.find(b">") + 1
        rm = _ROW_R.search(row, 0, end)
        r = int(rm.group(1)) if rm else last + 1
        last = r
        close = b"</" + prefix + b"row>"
        rows[r] = b"" if row.endswith(b"/>") and end == len(row) else row[end:len(row) - len(close)]
    return rows, prefix


def _cells(inner: bytes, cells_re):
    col = 0
    for cm in cells_re.finditer(inner):
        cell = cm.group(0)
        m = _CELL_R.search(cell, 0, cell.find(b">"))
        col = col_index(m.group(1).decode()) if m else col + 1
        yield col, cell


def _union(spans: list) -> list:
    out = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _cells_kept(before: bytes, after: bytes, rects: list, title: str) -> list:
    a_rows, prefix = _rows(before, title)
    b_rows, _p = _rows(after, title)
    cells_re = cell_pattern(prefix)
    cell_open = b"<" + prefix + b"c "
    problems = []
    for r, inner in a_rows.items():
        ours = [(c1, c2) for c1, r1, c2, r2 in rects if r1 <= r <= r2]
        out = b_rows.get(r)
        if out is None:
            problems.append(f"sheet '{title}': row {r} would be missing")
            continue
        if not ours:
            if out != inner:
                problems.append(f"sheet '{title}': row {r} would change")
            continue
        if out.startswith(inner):
            # xlseg's cells appended after the user's: cells are in column order, so the first and the
            # last appended cell inside xlseg's columns means every appended cell is
            rest = out[len(inner):]
            first = _CELL_R.search(rest)
            last = _CELL_R.search(rest, rest.rfind(cell_open)) if first else None
            spans = _union(ours)
            if not rest or (len(spans) == 1 and first and last and rest.startswith(cell_open) and
                            first.start() < rest.find(b">") and
                            spans[0][0] <= col_index(first.group(1).decode()) and
                            col_index(last.group(1).decode()) <= spans[0][1]):
                continue
        keep_a = [x for c, x in _cells(inner, cells_re) if not any(c1 <= c <= c2 for c1, c2 in ours)]
        keep_b = [x for c, x in _cells(out, cells_re) if not any(c1 <= c <= c2 for c1, c2 in ours)]
        if keep_a != keep_b:
            problems.append(f"sheet '{title}': cells of row {r} would change")
        if len(problems) >= MAX_REPORTED:
            break
    return problems
