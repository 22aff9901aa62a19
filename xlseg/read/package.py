"""The workbook file as a zip package, opened with limits: what it is, its parts, safe XML.

Everything a user's file can do to the reader is bounded here before any part
is parsed: the container (a password-protected workbook is an OLE file, not a
zip), the number of parts, the declared size and compression ratio of every
part (zip bombs), and the actual inflated size (``zipfile`` stops at the
declared size and checks the CRC, so a part that lies about its size fails).
XML is parsed without DTDs, entities or network access.
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path

from lxml import etree

from xlseg.errors import WorkbookError
from xlseg.ooxml.package import INFLATE_ERRORS, fast_inflate

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Compound File Binary: .xls, or an encrypted .xlsx/.xlsm
ZIP_MAGIC = b"PK"
MAX_PARTS = 20_000
MAX_PART_BYTES = 2 << 30  # one inflated part (a 1,048,575-row sheet of 15 columns is ~0.6 GB of XML)
MAX_TOTAL_BYTES = 4 << 30  # all parts together
SUSPICIOUS_BYTES = 64 << 20  # above this size a part must also have a plausible compression ratio
MAX_RATIO = 200  # real sheet XML deflates 5-30:1, very repetitive sheets up to ~100:1
XML_LIMIT = 256 << 20  # parts parsed as a whole tree (workbook.xml, rels, styles)
CHUNK = 1 << 20

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                          remove_comments=True, remove_pis=True)

REPAIR = "Open it in Excel (which offers to repair it), save it as .xlsx, and try again."


def local(tag) -> str:
    """An element's or attribute's name without its namespace."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def xml_error(exc) -> str:
    """lxml's message without its '(<string>, line 1)' tail."""
    return str(exc).split(" (<string>")[0]


def _mb(n: int) -> str:
    return f"{n / (1 << 20):,.0f} MB" if n >= 1 << 20 else f"{n:,} bytes"


def check_container(path: Path) -> None:
    """Refuse files that are not a zip package, saying what they are and what to do."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise WorkbookError(f"'{path.name}' could not be opened ({exc.strerror or exc}). Check that the file is "
                            "readable and not open with exclusive access in another program.") from None
    if head == OLE_MAGIC:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            raise WorkbookError(f"'{path.name}' is password-protected; remove the password in Excel (File > Info > "
                                "Protect Workbook) and try again.")
        raise WorkbookError(f"'{path.name}' is an Excel 97-2003 workbook (.xls). Open it in Excel and save it as "
                            ".xlsx (File > Save As > Excel Workbook), then run xlseg on the .xlsx.")
    if not head.startswith(ZIP_MAGIC):
        kind = "it is empty" if not head else "it is not a zip package, perhaps a text or CSV file renamed"
        raise WorkbookError(f"'{path.name}' is not an Excel workbook ({kind}). Save it from Excel as .xlsx (or "
                            ".xlsm) and try again.")


class Package:
    """A zip package opened for reading with size limits; close it (or use ``with``)."""

    def __init__(self, path) -> None:
        self.path = Path(path)
        check_container(self.path)
        try:
            self.zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise WorkbookError(f"'{self.path.name}' could not be read as an Excel workbook (the zip package is "
                                f"damaged: {exc}). {REPAIR}") from None
        try:
            self._check_sizes()
        except WorkbookError:
            self.zip.close()
            raise
        self.names = {i.filename for i in self.zip.infolist()}

    def _check_sizes(self) -> None:
        infos = self.zip.infolist()
        name = self.path.name
        if len(infos) > MAX_PARTS:
            raise WorkbookError(f"'{name}' has {len(infos):,} parts in its zip package, more than any workbook "
                                f"xlseg can read ({MAX_PARTS:,}). {REPAIR}")
        total = 0
        for info in infos:
            size, packed = info.file_size, max(info.compress_size, 1)
            total += size
            if size > MAX_PART_BYTES or (size > SUSPICIOUS_BYTES and size / packed > MAX_RATIO):
                raise WorkbookError(
                    f"'{name}' is not a normal workbook: its part {info.filename} inflates from {_mb(packed)} to "
                    f"{_mb(size)} (ratio {size // packed:,}:1), which looks like a zip bomb. xlseg stopped before "
                    "reading it. Check where the file came from; if it is yours, open it in Excel and save it again.")
        if total > MAX_TOTAL_BYTES:
            raise WorkbookError(f"'{name}' inflates to {_mb(total)}, more than xlseg reads ({_mb(MAX_TOTAL_BYTES)}). "
                                "Keep only the sheets xlseg needs in the workbook, or save the customer sheet as CSV.")

    def close(self) -> None:
        self.zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def has(self, part: str) -> bool:
        return part in self.names

    def damaged(self, part: str, detail: str) -> WorkbookError:
        return WorkbookError(f"'{self.path.name}' is damaged: {part} {detail}. {REPAIR}")

    def chunks(self, part: str, size: int = CHUNK):
        """The inflated bytes of ``part`` in pieces; stops at the declared size, a CRC error is a clear message."""
        try:
            with fast_inflate(self.zip.open(part)) as fh:
                while True:
                    block = fh.read(size)
                    if not block:
                        return
                    yield block
        except KeyError:
            raise self.damaged(part, "is missing from the package") from None
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) + INFLATE_ERRORS as exc:
            # zipfile stops at the declared size; a part that inflates to more (or less) fails its CRC here
            raise self.damaged(part, f"cannot be unpacked ({exc})") from None

    def read(self, part: str, limit: int = XML_LIMIT) -> bytes:
        info = self.zip.getinfo(part) if part in self.names else None
        if info is None:
            raise self.damaged(part, "is missing from the package")
        if info.file_size > limit:
            raise WorkbookError(f"'{self.path.name}': the part {part} is {_mb(info.file_size)}, more than xlseg "
                                f"reads for it ({_mb(limit)}). {REPAIR}")
        return b"".join(self.chunks(part))

    def xml(self, part: str, limit: int = XML_LIMIT):
        """The parsed root element of ``part`` (no DTD, no entities, no network)."""
        data = self.read(part, limit)
        try:
            root = etree.fromstring(data, _PARSER)
        except etree.XMLSyntaxError as exc:
            raise self.damaged(part, f"is not well-formed XML ({xml_error(exc)})") from None
        if root is None:
            raise self.damaged(part, "is empty")
        return root

    def check_xml(self, part: str) -> None:
        """Inflate ``part`` (size and CRC checked) and check that it is well-formed XML, keeping no tree."""
        parser = etree.XMLPullParser(events=("end",), resolve_entities=False, no_network=True, load_dtd=False,
                                     huge_tree=False)
        try:
            for block in self.chunks(part):
                parser.feed(block)
                for _event, el in parser.read_events():
                    el.clear(keep_tail=False)
            parser.close()
        except etree.XMLSyntaxError as exc:
            raise self.damaged(part, f"is not well-formed XML ({xml_error(exc)})") from None

    def rels(self, part: str) -> dict:
        """Relationship id -> (type, target part path) for ``part``; {} when it has no relationships."""
        folder, base = posixpath.split(part)
        rels_part = posixpath.join(folder, "_rels", base + ".rels")
        if rels_part not in self.names:
            return {}
        out = {}
        for rel in self.xml(rels_part):
            if local(rel.tag) != "Relationship" or rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target") or ""
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            out[rel.get("Id")] = (rel.get("Type") or "", path)
        return out
