"""An ordered, bounded map over a process pool, shared by `migrate` and `inspect`."""

from __future__ import annotations

import multiprocessing
import sys
import threading
from typing import Any, Callable, Iterable, Iterator, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


def _throttled(items: Iterable[In], window: threading.Semaphore,
               stop: threading.Event) -> Iterator[In]:
    """Feed the pool no further ahead of the consumer than the window allows."""
    for item in items:
        window.acquire()
        if stop.is_set():
            return
        yield item


def ordered_map(func: Callable[[In], Out], items: Iterable[In], workers: int, *,
                initializer: Callable[..., None] | None = None, initargs: tuple[Any, ...] = (),
                chunksize: int = 1, window: int | None = None) -> Iterator[Out]:
    """Yield func(item) for every item, in input order, computed on `workers` processes.

    In input order (imap), so outputs never depend on scheduling. Bounded: imap alone would
    read every item ahead and queue every result the consumer has not taken yet, so memory
    would grow with the corpus; at most `window` items (default workers × chunksize × 4) are
    in flight. With one worker, or none, the items are mapped in this process.
    """
    if workers <= 1:
        if initializer is not None:
            initializer(*initargs)
        yield from map(func, items)
        return
    size = window or workers * chunksize * 4
    gate, stop = threading.Semaphore(size), threading.Event()
    # fork where it is safe: the workers start at once and share the parent's imports.
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with context.Pool(workers, initializer=initializer, initargs=initargs) as pool:
        try:
            for result in pool.imap(func, _throttled(items, gate, stop), chunksize=chunksize):
                gate.release()
                yield result
        finally:
            # The consumer stopped early (--on-error fail, an error): unblock the feeder so
            # that the pool can shut down.
            stop.set()
            for _ in range(size):
                gate.release()
