"""Keeping the cyclic garbage collector off the objects a service process holds for good.

A worker holds about 150,000–170,000 objects before its first request: the modules of FastAPI,
SQLAlchemy, pydantic and Lark, the routes, the compiled policy set and charter. Nearly all of
them live as long as the process, yet CPython's full collection walks them all, holding the
GIL: about 100 ms each time on the 2-vCPU bench machine. Requests in flight keep their objects
alive past the young generations, which promotes them, so under load full collections came
about once a second per worker: nine in a four-second throughput run of two workers, 800–830
ms of their CPU, and a 100 ms stall for every request waiting on the worker at the time.

`gc.freeze()` after start-up moves what exists then into the permanent generation, which
collections skip; objects made later are collected as before, and frozen ones are still freed
by reference counting when the last reference goes. What stays for good is a frozen object
caught in a reference cycle that is dropped later: a compiled policy set evicted from the
cache (after 32 newer ones), say. That is one set and one charter at most, for the life of the
process. Measured with the service bench (SQLite, 2 workers, interleaved runs): full
collections took 28–49 ms in all instead of 800–830 ms, CPU per decision fell from 0.81 to
0.60–0.69 ms, and throughput rose from 1,641–1,666 to 2,027–2,280 decisions/s
(docs/performance.md, *Session 5*).

The collection just before freezing matters: whatever is garbage then would otherwise be
frozen, and kept, for the life of the process. Leaving the block unfreezes, so that a process
building many apps (the test suite) does not keep the objects of those it has shut down. The
freeze is process-wide, so nested blocks (two apps serving in one process) unfreeze when the
outermost one ends.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_depth = 0


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Collect, then exempt every object alive now from later collections until the block ends."""
    global _depth
    with _lock:
        gc.collect()
        gc.freeze()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.unfreeze()
