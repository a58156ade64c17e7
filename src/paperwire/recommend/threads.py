"""One BLAS thread for a page's small matrix products.

A page's products (a few thousand candidates against a reader's positives) are far too
small to gain from OpenBLAS's threads, and with requests already running side by side
on every core those threads only contend: measured on the For-you page at 100k papers
on 2 busy cores, 86 ms a call with the default threads and 37 ms with one
(docs/benchmarks.md). The digest's big products keep every thread. The limit is
process-wide while it holds (OpenBLAS has no per-thread setting), so a digest built at
the same moment in the same process runs on one thread for those milliseconds.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from threadpoolctl import ThreadpoolController

_controller: ThreadpoolController | None = None
_lock = threading.Lock()
_holders = 0
_limit: object = None


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with BLAS on one thread (nested and concurrent blocks share one
    limit, lifted when the last ends)."""
    global _controller, _holders, _limit
    with _lock:
        if _controller is None:
            _controller = ThreadpoolController()
        if _holders == 0:
            _limit = _controller.limit(limits=1, user_api="blas")
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _limit is not None:
                _limit.restore_original_limits()  # type: ignore[attr-defined]
                _limit = None
