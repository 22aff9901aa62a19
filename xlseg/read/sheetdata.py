"""Cells of a worksheet part scanned as bytes with numpy: the plain sheetData grammar, or :class:`Unplain`.

:func:`scan` takes the inflated part a few megabytes at a time and returns every cell of
``sheetData`` as arrays: row, column, type (number, shared string, formula string, inline
string; 0 for an empty cell), style index, the number (or shared-string index) and the text.
The tags are found with numpy (every ``<``, coded by the two bytes after it) and each cell's
position, attributes and value are taken at fixed offsets around them; the attribute tails,
numbers and texts are compared as 8-byte words, so each distinct one is parsed once.

Only the plain grammar spreadsheet programs write is taken: rows ``<row r="2" ...>`` (their number
first), cells ``<c r="B2" s="3" t="...">`` holding ``<v>`` or ``<is><t>`` (or nothing), in order.
A row number is read once per row tag; each cell's own digits must be the same bytes. A formula,
an error or boolean cell, rich text, another attribute, a namespace prefix, CDATA, Excel's
``_xHHHH_`` escapes, a row without its number, a cell outside its row, cells out of order raise
:class:`Unplain`: the caller then reads the sheet with the general reader.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from xlseg.read.prefetch import in_order
from xlseg.read.sheetscan import digits_at

# tag codes, from the two bytes after "<"
CELL, V, IS, T, ROW, END_C, END_V, END_IS, END_T, END_ROW = 1, 2, 3, 4, 5, 11, 12, 13, 14, 15
# cell types
NUM, SHARED, STR, INLINE = 1, 2, 3, 4
CHUNK = 4 << 20  # inflated bytes per read
MAX_PIECE = 64 << 20  # bytes of sheetData without a row's end (a real row is a few kilobytes)
MAX_NUMBER_TEXT = 40  # bytes in one <v> number; longer is not a number Excel writes
WINDOW = 64  # longest tag tail or text compared as words (longer texts are taken one by one)
_ENTITY = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);")
_NUMBER_BYTE = np.zeros(256, bool)
_NUMBER_BYTE[np.frombuffer(b"\x000123456789.-+eE", np.uint8)] = True
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


class Unplain(Exception):
    """The sheet holds something this reader leaves to the general one."""


def scan(chunks, pick=None) -> dict:
    """Every cell of sheetData: row, col, type, style, number and text (arrays, in sheet order).

    ``pick``: None (every cell's value is taken), or a function called once with the cells of row 1
    (a dict like the one returned) that returns the 1-based columns whose values are wanted below
    row 1, or None for all. The other cells below row 1 are still scanned and checked (position, type,
    style) but their number is NaN and their text None: values nobody reads are not parsed.
    """
    out = {k: [] for k in ("row", "col", "type", "style", "num", "text")}
    picked = [pick]  # the function until row 1 is seen, then the chosen columns as an array (or None)
    pieces = _pieces(chunks)
    for piece in pieces:
        _keep(out, _chunk(piece, picked))
        if not callable(picked[0]):
            break  # the columns are chosen: the other pieces are independent, two threads scan them
    for cells in in_order(lambda piece: _chunk(piece, picked), pieces):
        _keep(out, cells)
    return _joined(out)


def _pieces(chunks):
    """The inflated part's sheetData as pieces of a few megabytes, each ending at a row's end."""
    buf, started, first = b"", False, True
    for block in chunks:
        if first:
            first = False
            head = block[:300]
            if head.startswith(b"\xef\xbb\xbf"):
                block, head = block[3:], head[3:]
            if b"encoding=" in head and not re.search(rb"encoding=['\"]utf-8['\"]", head, re.IGNORECASE):
                raise Unplain
        buf += block
        if len(buf) > MAX_PIECE:
            raise Unplain  # one row of more than MAX_PIECE bytes: the general reader says what is wrong
        if not started:
            at = buf.find(b"<sheetData")
            if at < 0:
                buf = buf[-20:]
                continue
            end = buf.find(b">", at)
            if end < 0:
                continue
            if buf[end - 1:end] == b"/":
                return
            if buf[at - 1:at] == b":":  # a namespace prefix
                raise Unplain
            buf, started = buf[end + 1:], True
        stop = buf.find(b"</sheetData>")
        if stop >= 0:
            yield buf[:stop]
            return
        cut = buf.rfind(b"</row>")
        if cut >= 0:
            yield buf[:cut + 6]
            buf = buf[cut + 6:]
    if started:
        raise Unplain  # a part that ends inside sheetData: the general reader says what is wrong


def _keep(out: dict, cells) -> None:
    if cells is not None:
        for k, v in zip(("row", "col", "type", "style", "num", "text"), cells):
            out[k].append(v)


def _joined(out: dict) -> dict:
    if not out["row"]:
        return {"row": np.zeros(0, np.int64), "col": np.zeros(0, np.int64), "type": np.zeros(0, np.int8),
                "style": np.zeros(0, np.int64), "num": np.zeros(0), "text": np.zeros(0, object)}
    joined = {k: np.concatenate(v) for k, v in out.items()}
    key = joined["row"] * 20_000 + joined["col"]
    if len(key) > 1 and not (np.diff(key) > 0).all():
        raise Unplain  # cells out of order or twice at one position
    return joined


def _chunk(data: bytes, picked: list):
    """Cells of a piece of sheetData that ends at a row's end, as (row, col, type, style, num, text) arrays;
    None when there are none (``picked``: see :func:`scan`)."""
    if not data.strip():
        return None
    if b"\r" in data or b"_" in data and b"_x" in data:  # memchr for "_" first: a search for "_x" is slow
        raise Unplain  # line-end normalisation, Excel's _xHHHH_ escapes: the general reader's job (CDATA's "<!"
        # has no tag code, below)
    a = np.frombuffer(data + bytes(WINDOW + 64 + (-len(data)) % 8), np.uint8)  # padded to whole words
    lt = np.flatnonzero(a[:len(data)] == 60)
    code = np.zeros(len(lt) + 16, np.int8)  # padded: the codes after a cell are read as one word
    c = code[:len(lt)]
    c[:] = _tag_codes()[_pairs(a)[lt + 1]]  # by the two bytes after "<"
    if (c == 0).any():
        raise Unplain  # a formula, rich text, a prefix, a comment: not the plain grammar
    ci = np.flatnonzero(c == CELL)
    if len(ci) == 0:
        return None
    if ci[-1] + 1 >= len(lt):
        raise Unplain  # a piece that ends with a cell's open tag
    ri = np.flatnonzero(c == ROW)
    row_of = np.searchsorted(ri, ci) - 1  # each cell's row tag (its index in ri); -1: a cell before any row
    if (row_of < 0).any():
        raise Unplain
    row, col, kind, style, selfclosed = _attributes(a, lt[ci], lt[ci + 1], lt[ri], row_of)
    # the cell's content: nothing, <v>x</v>, or <is><t>x</t></is>, then </c>: the codes of the 5 tags after
    # each cell's open tag, as the bytes of one word
    after = _words(code.view(np.uint8))[ci + 1]
    empty = selfclosed | ((after & 0xFF) == END_C)
    has_v = ~selfclosed & ((after & 0xFFFFFF) == _HAS_V)
    has_is = ~selfclosed & ((after & 0xFFFFFFFFFF) == _HAS_IS)
    if not (empty | has_v | has_is).all():
        raise Unplain
    used = len(ci) + (~selfclosed).sum() + 2 * has_v.sum() + 4 * has_is.sum()
    if used + ((c == ROW) | (c == END_ROW)).sum() != len(lt):
        raise Unplain
    if (has_is & (kind != INLINE)).any() or (has_v & (kind == INLINE)).any():
        raise Unplain  # an <is> string in a cell not typed inlineStr, or the other way round
    last = len(lt) - 1
    vi, ii = np.flatnonzero(has_v), np.flatnonzero(has_is)
    vs, ve = np.zeros(len(ci), np.int64), np.zeros(len(ci), np.int64)
    vs[vi], ve[vi] = lt[ci[vi] + 1] + 3, lt[ci[vi] + 2]
    if len(ii):
        is_at, t_at = lt[ci[ii] + 1], lt[ci[ii] + 2]
        if (a[is_at + 3] != 62).any():
            raise Unplain
        plain = a[t_at + 2] == 62  # <t>, or <t xml:space="preserve">
        other = t_at[~plain]
        if len(other) and not (_rows_of(a, other, len(_PRESERVE)).view(f"S{len(_PRESERVE)}") == _PRESERVE).all():
            raise Unplain
        vs[ii], ve[ii] = np.where(plain, t_at + 3, t_at + len(_PRESERVE)), lt[np.minimum(ci[ii] + 3, last)]
    kind = np.where(empty, 0, kind).astype(np.int8)
    num = np.full(len(ci), np.nan)
    text = np.full(len(ci), None, dtype=object)
    wanted = np.ones(len(ci), bool)
    if callable(picked[0]):  # values of row 1 first, then the caller chooses the columns
        head = row == 1
        _values(data, a, kind, vs, ve, head, num, text)
        cells = {"row": row[head], "col": col[head], "type": kind[head], "style": style[head], "num": num[head],
                 "text": text[head]}
        columns = picked[0](cells)
        picked[0] = None if columns is None else np.array(sorted(columns), np.int64)
        wanted = ~head
    if picked[0] is not None:
        wanted &= (row == 1) | np.isin(col, picked[0])
    _values(data, a, kind, vs, ve, wanted, num, text)
    return row, col, kind, style, num, text


def _values(data, a, kind, vs, ve, wanted, num, text) -> None:
    """Numbers into ``num`` and texts into ``text`` for the cells where ``wanted``."""
    numeric = np.flatnonzero(((kind == NUM) | (kind == SHARED)) & wanted)
    if len(numeric):
        num[numeric] = _numbers(a, vs[numeric], ve[numeric])
    texty = np.flatnonzero(((kind == STR) | (kind == INLINE)) & wanted)
    if len(texty):
        text[texty] = _texts(data, a, vs[texty], ve[texty])


_PRESERVE = b'<t xml:space="preserve">'
_HAS_V = V | END_V << 8 | END_C << 16
_HAS_IS = IS | T << 8 | END_T << 16 | END_IS << 24 | END_C << 32
_R_IS = int.from_bytes(b' r="', "little")
_LUT = []


def _tag_codes() -> np.ndarray:
    """Tag code by the two bytes after "<" (made once)."""
    if not _LUT:
        lut = np.zeros(1 << 16, np.int8)
        for code, pair in ((CELL, "c "), (CELL, "c/"), (CELL, "c>"), (V, "v>"), (IS, "is"), (T, "t>"), (T, "t "),
                           (ROW, "ro"), (END_C, "/c"), (END_V, "/v"), (END_IS, "/i"), (END_T, "/t"),
                           (END_ROW, "/r")):
            lut[ord(pair[0]) | ord(pair[1]) << 8] = code  # no other tag of sheetData starts with these two
        _LUT.append(lut)
    return _LUT[0]


def _distinct(a, s, e):
    """The byte strings a[s:e] (each at most WINDOW bytes) as (code per string, the distinct strings).

    Each string is read as 8-byte words (bytes past its end masked off), hashed to one word and
    factorised; every string's words are then compared with its code's first string, so a hash
    collision cannot go unnoticed.
    """
    lengths = e - s
    u = _words(a)
    ws = []
    h = np.zeros(len(s), np.uint64)
    for j in range(max(1, -(-int(lengths.max()) // 8))):
        longer = np.flatnonzero(lengths > 8 * j) if j else None
        if longer is None or 2 * len(longer) > len(s):
            w = u[s + 8 * j] & _MASKS[np.clip(lengths - 8 * j, 0, 8)]
        else:  # most strings end before this word: read it for the others only
            w = np.zeros(len(s), np.uint64)
            w[longer] = u[s[longer] + 8 * j] & _MASKS[np.minimum(lengths[longer] - 8 * j, 8)]
        ws.append(w)
        h = h * np.uint64(0x9E3779B97F4A7C15) + w
    codes, uniq = pd.factorize(h)
    first = np.empty(len(uniq), np.int64)
    first[codes[::-1]] = np.arange(len(codes))[::-1]
    if not all((w == w[first[codes]]).all() for w in ws):
        raise Unplain  # two strings with one hash: never seen, but then the general reader
    rows = np.ascontiguousarray(np.stack([w[first] for w in ws], axis=1))
    return codes, rows.view(f"S{8 * len(ws)}").ravel()  # numpy bytes (zero padding dropped)


def _words(a):
    """The 8 bytes starting at every offset of ``a`` as one little-endian word (a view: nothing is copied)."""
    whole = a[:len(a) // 8 * 8].view("<u8")
    return np.lib.stride_tricks.as_strided(whole, shape=(len(whole) * 8 - 7,), strides=(1,))


def _pairs(a):
    """The 2 bytes starting at every offset of ``a`` as one little-endian uint16 (a view, like :func:`_words`)."""
    whole = a[:len(a) // 2 * 2].view("<u2")
    return np.lib.stride_tricks.as_strided(whole, shape=(len(whole) * 2 - 1,), strides=(1,))


def _find(a, start, byte: int, limit: int):
    """Offset from each ``start`` of the first ``byte`` within ``limit`` bytes (-1: none), 8 bytes a step."""
    u = _words(a)
    pos = np.full(len(start), -1, np.int64)
    pattern = np.uint64(int.from_bytes(bytes([byte]) * 8, "little"))
    for j in range(0, limit, 8):
        todo = np.flatnonzero(pos < 0)
        if len(todo) == 0:
            break
        v = u[start[todo] + j] ^ pattern  # a zero byte where ``byte`` is
        t = (v - _ONES) & ~v & _HIGHS  # the lowest flagged byte is the first zero byte
        hit = np.flatnonzero(t)
        low = t[hit] & (~t[hit] + np.uint64(1))
        pos[todo[hit]] = j + (np.log2(low.astype(np.float64)).astype(np.int64) >> 3)
    return pos


_MASKS = np.array([(1 << (8 * k)) - 1 for k in range(9)], np.uint64)
_ONES, _HIGHS = np.uint64(0x0101010101010101), np.uint64(0x8080808080808080)


def _rows_of(a, s, width):
    """a[s:s+width] for every start in ``s``, as a (len(s), width) array (one copy, no index matrix)."""
    return np.lib.stride_tricks.as_strided(a, shape=(len(a) - width + 1, width), strides=(1, 1))[s]


_TAIL = re.compile(rb'^(?: (s|t)="([^"]*)")*$')
_TAIL_ATTR = re.compile(rb' (s|t)="([^"]*)"')
_TYPES = {b"n": NUM, b"s": SHARED, b"str": STR, b"inlineStr": INLINE}


def _attributes(a, start, following, row_at, row_of):
    """(row, col, type, style, self-closed) of the cells whose open tags start at ``start``.

    ``following``: where the tag after each cell's open tag starts; ``row_at``: where each ``<row`` tag
    starts, ``row_of``: each cell's row tag (index into ``row_at``). The row number is read once per row
    tag; a cell's own digits must be the same bytes (else :class:`Unplain`).
    """
    u = _words(a)
    if ((u[start + 2] & 0xFFFFFFFF) != _R_IS).any():
        raise Unplain  # a cell without its position first
    p = start + 6
    # up to 3 letters, from one word, without masks: each byte minus "A" below 26 is a letter
    w = u[p]
    ch = [((w >> (8 * k)) & 0xFF).astype(np.uint8) - np.uint8(65) for k in range(4)]
    is_letter = [x < 26 for x in ch]
    one, two = is_letter[0], is_letter[0] & is_letter[1]
    three = two & is_letter[2]
    if not one.all() or (three & is_letter[3]).any():
        raise Unplain
    letters = one.astype(np.int64) + two + three
    c0, c1, c2 = (x.astype(np.int64) + 1 for x in ch[:3])
    col = np.where(three, (c0 * 26 + c1) * 26 + c2, np.where(two, c0 * 26 + c1, c0))
    rows, row_digits, row_word = _row_numbers(a, row_at)
    digits = row_digits[row_of]
    q = p + letters
    if ((u[q] & _MASKS[digits + 1]) != row_word[row_of]).any():
        raise Unplain  # a cell's row (digits and closing quote) is not its row tag's, or not written the same way
    row = rows[row_of]
    p = q + digits
    # the rest of the tag (s="..." and t="...") has few distinct forms: judged once each
    kind = np.full(len(p), NUM, np.int8)
    style = np.zeros(len(p), np.int64)
    close = following - 1  # the tag's ">", when the next tag follows it at once (as spreadsheet programs write)
    ends = _pairs(a)[close - 1]  # the byte before it and it
    selfclosed = (ends & 0xFF) == 47
    late = np.flatnonzero(((ends >> 8) != 62) | (close <= p))
    if len(late):
        off = _find(a, p[late] + 1, 62, 32)
        if (off < 0).any():
            raise Unplain  # a tag longer than any plain cell's
        close[late] = p[late] + 1 + off
        selfclosed[late] = a[close[late] - 1] == 47
    if (close - p > 33).any():
        raise Unplain  # the first ">" is not the one before the next tag
    end = close - selfclosed
    if (end > p + 1).any():
        codes, tails = _distinct(a, p + 1, end)
        kinds, styles = np.zeros(len(tails), np.int8), np.zeros(len(tails), np.int64)
        for i, tail in enumerate(tails):
            if not _TAIL.match(tail):
                raise Unplain  # another attribute (cm, vm, ph), other spacing: left to the general reader
            attrs = dict(_TAIL_ATTR.findall(tail))
            if b"t" in attrs and attrs[b"t"] not in _TYPES or b"s" in attrs and not attrs[b"s"].isdigit():
                raise Unplain  # b, e, d: booleans, errors, ISO dates
            kinds[i] = _TYPES[attrs.get(b"t", b"n")]
            styles[i] = int(attrs.get(b"s", b"0"))
        kind, style = kinds[codes], styles[codes]
    return row, col, kind, style, selfclosed


def _row_numbers(a, at):
    """(number, count of digits, digits as one masked word) of the ``<row r="N"`` tags starting at ``at``."""
    p = at + 4
    if not ((a[p] == ord(" ")) & (a[p + 1] == ord("r")) & (a[p + 2] == ord("=")) & (a[p + 3] == ord('"'))).all():
        raise Unplain  # a row without its number first
    p = p + 4
    number, digits = digits_at(a, p, 8)  # up to 7 digits (an eighth says the number is too long)
    if (digits == 0).any() or (digits > 7).any() or (a[p + digits] != ord('"')).any():
        raise Unplain
    return number, digits, _words(a)[p] & _MASKS[digits + 1]  # the digits and the closing quote


def _numbers(a, vs, ve) -> np.ndarray:
    """The <v> texts a[vs:ve] as float64 (written as Excel writes numbers)."""
    if ((ve - vs) == 0).any() or (ve - vs).max() > MAX_NUMBER_TEXT:
        raise Unplain
    codes, texts = _distinct(a, vs, ve)
    if not _NUMBER_BYTE[np.frombuffer(texts.tobytes(), np.uint8)].all():
        raise Unplain  # only the characters a number is written with
    try:
        return texts.astype(np.float64)[codes]
    except ValueError:
        raise Unplain from None


def _texts(data: bytes, a, vs, ve) -> np.ndarray:
    """The inline texts data[vs:ve] as an object array of str (entities resolved)."""
    out = np.empty(len(vs), dtype=object)
    short = (ve - vs) <= WINDOW
    if short.any():
        codes, texts = _distinct(a, vs[short], ve[short])
        chars = np.frombuffer(texts.tobytes(), np.uint8)
        words = np.empty(len(texts), dtype=object)
        if chars.max(initial=0) < 128 and not (chars == 38).any():
            words[:] = texts.astype("U").tolist()  # plain ASCII: numpy decodes it
        else:
            words[:] = [_text(t) for t in texts.tolist()]
        out[short] = words[codes]
    for i in np.flatnonzero(~short).tolist():
        out[i] = _text(data[vs[i]:ve[i]])
    return out


def _text(raw: bytes) -> str:
    s = raw.decode("utf-8")
    return _ENTITY.sub(_entity, s) if "&" in s else s


def _entity(m) -> str:
    name = m.group(1)
    if name[0] == "#":
        return chr(int(name[2:], 16) if name[1] in "xX" else int(name[1:]))
    return _NAMED[name]
