"""Zip I/O for an OOXML package: read parts, copy untouched parts as their compressed bytes, write new ones.

A part xlseg does not own is never decompressed and recompressed: its local
header is rebuilt from the central directory and its compressed bytes are
copied as they are (same CRC, same data), which is both the fidelity proof's
basis and the fastest copy. Reading is bounded: a part is never inflated
beyond :data:`MAX_PART_BYTES`.
"""

from __future__ import annotations

import posixpath
import queue
import struct
import threading
import zipfile
import zlib

from xlseg.errors import WorkbookError

try:  # zlib-ng: the same deflate format, about twice as fast at its level 2 as zlib at level 1, and smaller
    from zlib_ng import zlib_ng as _fast_zlib
except ImportError:  # pragma: no cover - a dependency; zlib's level 1 then
    _fast_zlib = None
STREAM_LEVEL = 2  # zlib-ng's level for streamed parts (zlib's level 1 without it)
INFLATE_ERRORS = (zlib.error,) + ((_fast_zlib.error,) if _fast_zlib is not None else ())
_UNREADABLE = (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) + INFLATE_ERRORS  # a damaged entry


def fast_inflate(f):
    """A zip entry opened for reading (``ZipFile.open``), inflated by zlib-ng (about twice zlib's speed); zipfile
    still checks the size and the CRC. Damaged data raises one of :data:`INFLATE_ERRORS`."""
    if _fast_zlib is not None and getattr(f, "_compress_type", None) == zipfile.ZIP_DEFLATED and \
            getattr(f, "_decompressor", None) is not None:
        f._decompressor = _fast_zlib.decompressobj(-15)
    return f

MAX_PART_BYTES = 1 << 31  # 2 GiB of XML in one part is more than any real sheet holds
CHUNK = 4 << 20  # inflated bytes read at a time by :meth:`Package.chunks`
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")


class Package:
    """A workbook package opened for reading (``.xlsx``/``.xlsm``)."""

    def __init__(self, path, *, name: str | None = None):
        self.path = path
        self.label = name or str(path)
        if _is_ole(path):
            raise WorkbookError(f"'{self.label}' is password-protected (encrypted) or an old binary workbook: "
                                "xlseg cannot open it. Remove the password in Excel (File > Info > Protect "
                                "Workbook) and save it as .xlsx, then try again.")
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise WorkbookError(f"'{self.label}' could not be read as an Excel workbook ({type(exc).__name__}: "
                                f"{exc}). Save it from Excel as .xlsx (or .xlsm) and try again.") from None
        self.infos = {i.filename: i for i in self.zip.infolist() if not i.is_dir()}
        missing = [p for p in ("[Content_Types].xml", "_rels/.rels") if p not in self.infos]
        if missing:
            self.zip.close()
            raise WorkbookError(f"'{self.label}' could not be read as an Excel workbook (a zip file without "
                                f"{missing[0]}). Save it from Excel as .xlsx (or .xlsm) and try again.")

    def close(self) -> None:
        self.zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __contains__(self, name: str) -> bool:
        return name in self.infos

    def names(self) -> list:
        return list(self.infos)

    def _checked(self, name: str) -> zipfile.ZipInfo:
        """The part's entry, refused when missing or declaring a size no real workbook has."""
        info = self.infos.get(name)
        if info is None:
            raise WorkbookError(f"'{self.label}' is damaged: its part '{name}' is missing. Open the file in "
                                "Excel, save it again and retry.")
        if info.file_size > MAX_PART_BYTES:
            raise WorkbookError(f"'{self.label}': its part '{name}' would inflate to {info.file_size:,} bytes; "
                                "that is not a real workbook. Nothing was written.")
        return info

    def _beyond(self, name: str) -> WorkbookError:
        return WorkbookError(f"'{self.label}': its part '{name}' inflates beyond {MAX_PART_BYTES:,} bytes; "
                             "that is not a real workbook. Nothing was written.")

    def _unreadable(self, name: str, exc: BaseException) -> WorkbookError:
        return WorkbookError(f"'{self.label}' is damaged: its part '{name}' cannot be read ({exc}). Open the "
                             "file in Excel, save it again and retry.")

    def read(self, name: str) -> bytes:
        """A part's bytes (bounded inflation); WorkbookError when missing or broken."""
        info = self._checked(name)
        try:
            with fast_inflate(self.zip.open(info)) as f:
                data = f.read(MAX_PART_BYTES + 1)
        except _UNREADABLE as exc:
            raise self._unreadable(name, exc) from None
        if len(data) > MAX_PART_BYTES:
            raise self._beyond(name)
        return data

    def chunks(self, name: str, size: int | None = None):
        """A part's bytes as a stream of inflated pieces (bounded as :meth:`read`); WorkbookError when broken."""
        info = self._checked(name)
        total, size = 0, size or CHUNK
        try:
            with fast_inflate(self.zip.open(info)) as f:
                while True:
                    block = f.read(size)
                    if not block:
                        return
                    total += len(block)
                    if total > MAX_PART_BYTES:
                        raise self._beyond(name)
                    yield block
        except _UNREADABLE as exc:
            raise self._unreadable(name, exc) from None

    def raw(self, name: str) -> tuple:
        """(ZipInfo, compressed bytes) of a part, read straight from the file."""
        info = self.infos[name]
        fp = self.zip.fp
        fp.seek(info.header_offset)
        head = fp.read(_LOCAL_HEADER.size)
        fields = _LOCAL_HEADER.unpack(head)
        if fields[0] != b"PK\x03\x04":
            raise WorkbookError(f"'{self.label}' is damaged (bad zip header of '{name}'). Save it again in Excel.")
        fp.seek(info.header_offset + _LOCAL_HEADER.size + fields[10] + fields[11])
        return info, fp.read(info.compress_size)


class PackageWriter:
    """Writes a new package: raw copies of existing parts, deflated new ones.

    A streamed part (:meth:`stream`) is deflated and closed by a thread of its own; the caller goes on to
    render the next part while the last rows of this one are deflated. Parts still reach the file in the
    order they were begun: a stream's thread opens its entry only after the previous ones are finished, and
    every other write (and :meth:`close`) first waits for them, raising the first error met there."""

    def __init__(self, path):
        self.zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        self.written: set = set()
        self._open: list = []  # streams whose thread may still be deflating

    def _settle(self) -> None:
        streams, self._open = self._open, []
        error = None
        for stream in streams:
            try:
                stream.finish()
            except BaseException as exc:  # noqa: BLE001 - the first one is raised below
                error = error or exc
        if error is not None:
            raise error

    def copy(self, src: Package, name: str) -> None:
        self._settle()
        info, data = src.raw(name)
        z = zipfile.ZipInfo(info.filename, info.date_time)
        z.compress_type = info.compress_type
        z.CRC, z.compress_size, z.file_size = info.CRC, info.compress_size, info.file_size
        z.flag_bits = info.flag_bits & 0x800  # keep the utf-8 flag only: no data descriptor, sizes are known
        z.external_attr = info.external_attr
        z.create_system = info.create_system
        zout = self.zip
        z.header_offset = zout.fp.tell()
        zip64 = z.file_size > zipfile.ZIP64_LIMIT or z.compress_size > zipfile.ZIP64_LIMIT
        zout.fp.write(z.FileHeader(zip64))
        zout.fp.write(data)
        zout.filelist.append(z)
        zout.NameToInfo[z.filename] = z
        zout.start_dir = zout.fp.tell()
        zout._didModify = True
        self.written.add(name)

    def write(self, name: str, data: bytes) -> None:
        self._settle()
        self.zip.writestr(_info(name), data)
        self.written.add(name)

    def stream(self, name: str):
        """A binary file object for a big new part (closed by the caller); fast deflate (zlib-ng's level 2)."""
        self.written.add(name)
        info = _info(name)
        info._compresslevel = 1  # Python 3.11/3.12 (3.13 also reads it through its alias)
        stream = _Deflating(lambda: _fast_entry(self.zip.open(info, "w", force_zip64=True)),
                            after=[s.thread for s in self._open])
        self._open.append(stream)
        return stream

    def close(self) -> None:
        try:
            self._settle()
        finally:
            self.zip.close()


class _Deflating:
    """A zip entry written by a second thread: zlib and crc32 release the GIL, so a big part is deflated
    while the next rows are rendered (two cores: about the deflate time saved). Writes are queued (at most
    two chunks wait); the thread opens the entry once the threads in ``after`` are done, and closes it after
    the last write. An error in the thread is raised in the caller on its next write or at :meth:`finish`."""

    def __init__(self, open_dest, after=()):
        self.open_dest = open_dest
        self.after = list(after)
        self.dest = None
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.closed = False
        self.thread = threading.Thread(target=self._run, name="xlseg-deflate", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            for before in self.after:
                before.join()
            self.dest = self.open_dest()
        except BaseException as exc:  # noqa: BLE001 - handed to the writing thread
            self.error = exc
        while True:
            data = self.queue.get()
            if data is None:
                break
            if self.error is None:
                try:
                    self.dest.write(data)
                except BaseException as exc:  # noqa: BLE001 - handed to the writing thread
                    self.error = exc
        if self.dest is not None:
            try:
                self.dest.close()
            except BaseException as exc:  # noqa: BLE001 - the first error is the one to report
                if self.error is None:
                    self.error = exc

    def write(self, data: bytes) -> int:
        if self.error is not None:
            raise self.error
        if self.closed:
            raise ValueError("write to a closed part stream")
        if data:
            self.queue.put(data)
        return len(data)

    def close(self) -> None:
        """No more data: the thread deflates what is queued and closes the entry (see :meth:`finish`)."""
        if not self.closed:
            self.closed = True
            self.queue.put(None)

    def finish(self) -> None:
        """Wait until the entry is written; raise the thread's error."""
        self.close()
        self.thread.join()
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _fast_entry(dest):
    """A zip entry being written, deflating with zlib-ng (the raw deflate stream zipfile would write with zlib,
    faster): zipfile's writer keeps its CRC, sizes and headers and calls this compressor."""
    if _fast_zlib is not None and getattr(dest, "_compressor", None) is not None:
        dest._compressor = _fast_zlib.compressobj(STREAM_LEVEL, zlib.DEFLATED, -15)
    return dest


def _is_ole(path) -> bool:
    """An OLE compound file: an encrypted (password) workbook, or a .xls / .xlsb saved in the old format."""
    try:
        if hasattr(path, "read"):
            head = path.read(8)
            path.seek(0)
        else:
            with open(path, "rb") as f:
                head = f.read(8)
    except OSError:
        return False
    return head == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _info(name: str) -> zipfile.ZipInfo:
    z = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
    z.compress_type = zipfile.ZIP_DEFLATED
    z.external_attr = 0o600 << 16
    return z


def rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve(source_part: str, target: str) -> str:
    """A relationship target as a part name (relative to the source's folder, or absolute)."""
    if target.startswith("/"):
        return target.lstrip("/")
    folder = posixpath.dirname(source_part)
    return posixpath.normpath(posixpath.join(folder, target))


def relative(source_part: str, target_part: str) -> str:
    return posixpath.relpath(target_part, posixpath.dirname(source_part) or ".")
