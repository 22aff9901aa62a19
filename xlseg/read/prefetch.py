"""Work done ahead by threads of their own: inflated chunks (:func:`ahead`, :class:`EarlyPart`) and pieces
scanned two at a time (:func:`in_order`), so inflating and importing overlap with the consumer's work.

This module imports neither numpy nor pandas: :class:`EarlyPart` starts before the command imports them.
"""

from __future__ import annotations

import queue
import threading

EARLY_CHUNK = 4 << 20  # inflated bytes per chunk of an EarlyPart


def ahead(chunks, depth: int = 2):
    """``chunks`` produced by a thread of their own, ``depth`` ahead: inflating (zlib and the CRC let go
    of the GIL) overlaps with scanning. The thread stops when the consumer stops early."""
    q: queue.Queue = queue.Queue(depth)
    stop = threading.Event()
    done = object()

    def produce():
        try:
            for block in chunks:
                while not stop.is_set():
                    try:
                        q.put(block, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(done)
        except BaseException as exc:  # handed to the consumer, raised there
            q.put(exc)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()

    worker = threading.Thread(target=produce, daemon=True)
    worker.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # let a producer blocked on a full queue finish
            try:
                q.get(timeout=0.05)
            except queue.Empty:
                pass
        worker.join()


def in_order(fn, items, workers: int = 2, depth: int = 3):
    """``fn(item)`` for each of ``items``, computed by ``workers`` threads (numpy lets go of the GIL in its
    loops), yielded in the order of ``items``; at most ``depth`` results wait at a time. The first error is
    raised here, in ``items``' order; the threads finish their current item and stop."""
    import os
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    if workers < 2 or (os.cpu_count() or 1) < 2:
        yield from map(fn, items)
        return
    pool = ThreadPoolExecutor(workers, thread_name_prefix="xlseg-scan")
    pending: deque = deque()
    try:
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= depth:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for f in pending:
            f.cancel()
        pool.shutdown(wait=True)


class EarlyPart:
    """The sheet part a workbook-level marker name points at (``xlseg_sheet_history``), inflated by a thread of
    its own from the moment the command starts, while it imports pandas and opens the workbook.

    The part is found by a light reading of the workbook part; nothing here is trusted: the reader opens the
    workbook itself, on this same :attr:`package` (the same open file), finds its part as always and takes
    these chunks only when it is this very part (:meth:`chunks`). Inflating checks size and CRC as
    :meth:`xlseg.read.package.Package.chunks` always does; its errors are raised to the reader. Every chunk
    is kept until it is read (about the part's size in memory)."""

    def __init__(self, path, marker: str) -> None:
        from xlseg.read.package import Package

        self.package = Package(path)  # its WorkbookError goes to the caller, which reads without it
        self.part = None
        self._known, self._stop = threading.Event(), threading.Event()
        self._queue: queue.Queue = queue.Queue()
        self._taken, self._lock = False, threading.Lock()
        threading.Thread(target=self._run, args=(marker,), daemon=True).start()

    def _run(self, marker: str) -> None:
        try:
            self.part = _marked_part(self.package, marker)
        except BaseException:  # noqa: BLE001 - the reader finds its part itself and says what is wrong
            self.part = None
        finally:
            self._known.set()
        if self.part is None:
            return
        try:
            for block in self.package.chunks(self.part, EARLY_CHUNK):
                if self._stop.is_set():
                    return
                self._queue.put(block)
            self._queue.put(None)
        except BaseException as exc:  # handed to the reader, raised there
            self._queue.put(exc)

    def chunks(self, part: str):
        """The inflated chunks of ``part`` when it is the part this thread inflates; else None (and the thread
        stops). Handed out once; a stopped thread's chunks never are (they would be incomplete)."""
        self._known.wait()
        with self._lock:
            if part != self.part or self._taken:
                self._taken = True
                self._stop.set()
                return None
            self._taken = True
        return self._drain()

    def _drain(self):
        try:
            while True:
                item = self._queue.get()
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self._stop.set()  # read to the end, or dropped by the reader

    def stop(self) -> None:
        """Stop inflating unless the chunks were handed out (then the reader's end stops it)."""
        with self._lock:
            if not self._taken:
                self._taken = True
                self._stop.set()


def _marked_part(package, marker: str):
    """The worksheet part that workbook-level name ``marker`` points at, or None (a light reading: see
    :class:`EarlyPart`)."""
    from xlseg.a1 import split_ref
    from xlseg.read.package import local

    main = next((t for typ, t in package.rels("").values() if typ.endswith("/officeDocument")), "xl/workbook.xml")
    root = package.xml(main)
    title, sheets = None, {}
    for el in root:
        tag = local(el.tag)
        if tag == "sheets":
            for sh in el:
                rid = next((v for k, v in sh.attrib.items() if local(k) == "id" and k.startswith("{")), None)
                sheets.setdefault(sh.get("name") or "", rid)
        elif tag == "definedNames":
            for dn in el:
                if dn.get("name") == marker and dn.get("localSheetId") is None:
                    ref = split_ref(dn.text or "")
                    title = ref[0] if ref else None
    if title not in sheets:
        return None
    typ, target = package.rels(main).get(sheets[title], ("", None))
    return target if typ.endswith("/worksheet") and package.has(target) else None
