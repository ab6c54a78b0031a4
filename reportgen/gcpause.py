"""Python's cycle collector paused while a large object graph is built.

Reading a 1,000-card workbook builds hundreds of thousands of objects and none of them is
garbage yet: the collector's passes over them are 15–20 % of the read. The pause is counted,
so that threads (the web server reads in worker threads) nest it safely: the collector runs
again when the last pause ends, and only if it was running when the first began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
_was_enabled = True


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cycle collector off (reference counting still frees memory)."""
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
