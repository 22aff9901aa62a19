"""Inflated chunks produced ahead by a thread of their own, so inflating overlaps with the consumer's work."""

from __future__ import annotations


def ahead(chunks, depth: int = 2):
    """``chunks`` produced by a thread of their own, ``depth`` ahead: inflating (zlib and the CRC let go
    of the GIL) overlaps with scanning. The thread stops when the consumer stops early."""
    import queue
    import threading

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
