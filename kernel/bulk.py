"""Bulk work in one request: a bank statement of 100,000 lines is one transaction in one process.

``collection_paused`` keeps Python's cyclic garbage collector out of such work. Work done chunk
by chunk keeps thousands of objects alive across many allocations (a chunk's lines, its payments,
its journals), so they survive the young generations and each full collection walks the whole
heap again to find that nothing in it is garbage: about 2.5 s of a 100,000-line import's 14 s of
Python, nothing collected (``bench/statement_import.py``). Reference counting still frees what the
work drops; only cycles wait, and the collector, once back on, takes them at its next turn.

The collector is one switch for the whole process: the pause is counted, so overlapping bulk work
in threads turns it back on when the last one ends, and it stays off if it was off before.
"""
from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def collection_paused() -> Iterator[None]:
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
