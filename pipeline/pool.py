"""An ordered, bounded map over worker processes, shared by `migrate` and `inspect`."""

from __future__ import annotations

import itertools
import multiprocessing
import signal
import sys
import traceback
from collections import deque
from multiprocessing.connection import Connection
from typing import Any, Callable, Iterable, Iterator, TypeVar

from pipeline.errors import PipelineError

In = TypeVar("In")
Out = TypeVar("Out")

#: Chunks each worker holds at once (one being mapped, the rest queued in its pipe).
DEPTH = 3


class WorkerError(PipelineError):
    """A worker process failed outside the per-item error handling (a bug, or it was killed)."""

    kind = "internal"


def _serve(conn: Connection, func: Callable[[Any], Any],
           initializer: Callable[..., None] | None, initargs: tuple[Any, ...],
           inherited: list[Connection]) -> None:
    """A worker: map each chunk received and send its results back, until told to stop."""
    # A forked worker holds copies of the main process's ends of the pipes made so far, its
    # own included; closed, so that when the main process dies (kill -9) the pipe reports
    # end-of-file and the worker exits instead of waiting forever.
    for other in inherited:
        other.close()
    # Ctrl-C is the main process's to handle; it stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if initializer is not None:
        initializer(*initargs)
    while True:
        try:
            chunk = conn.recv()
        except EOFError:
            return
        if chunk is None:
            return
        try:
            results: Any = ("ok", [func(item) for item in chunk])
        except BaseException:  # noqa: BLE001 - reported to the main process, which raises
            results = ("error", traceback.format_exc())
        try:
            conn.send(results)
        except OSError:
            return  # the main process stopped reading (it stopped early or failed)
        except Exception:  # noqa: BLE001 - a result that cannot be pickled
            conn.send(("error", traceback.format_exc()))


def _dead(proc: Any) -> WorkerError:
    """The error for a worker process that is gone."""
    proc.join(timeout=1)
    return WorkerError(f"worker process {proc.pid} ended unexpectedly (exit code "
                       f"{proc.exitcode})", fix="check memory limits; rerun to resume")


def ordered_map(func: Callable[[In], Out], items: Iterable[In], workers: int, *,
                initializer: Callable[..., None] | None = None, initargs: tuple[Any, ...] = (),
                chunksize: int = 1) -> Iterator[Out]:
    """Yield func(item) for every item, in input order, computed on `workers` processes.

    Chunk k of `chunksize` items goes to worker k mod `workers`, and the results are read
    back in the same order, so outputs never depend on scheduling. Bounded: at most
    DEPTH chunks per worker are in flight, whatever the number of items. With one worker, or
    none, the items are mapped in this process.

    Hand-written instead of multiprocessing.Pool.imap: the Pool hands every result through
    two helper threads of the main process, whose hand-offs of the GIL with the consuming
    thread cost about a fifth of the main process's time, and it needs a third thread and a
    semaphore to stop reading the input far ahead of the consumer.
    """
    if workers <= 1:
        if initializer is not None:
            initializer(*initargs)
        yield from map(func, items)
        return
    # fork where it is safe: the workers start at once and share the parent's imports.
    fork = sys.platform == "linux"
    context: Any = multiprocessing.get_context("fork" if fork else "spawn")
    conns: list[Connection] = []
    procs = []
    try:
        for _ in range(workers):
            parent, child = context.Pipe()
            # (A spawned worker inherits no descriptors, and must not be sent these.)
            inherited = [*conns, parent] if fork else []
            proc = context.Process(target=_serve, daemon=True,
                                   args=(child, func, initializer, initargs, inherited))
            proc.start()
            child.close()
            conns.append(parent)
            procs.append(proc)
        source = iter(items)
        in_flight: deque[int] = deque()  # the worker of each chunk sent, oldest first

        def send(worker: int) -> None:
            """Send the next chunk, if any, to a worker."""
            chunk = list(itertools.islice(source, chunksize))
            if chunk:
                try:
                    conns[worker].send(chunk)
                except OSError:
                    raise _dead(procs[worker]) from None
                in_flight.append(worker)

        for _ in range(DEPTH):
            for worker in range(workers):
                send(worker)
        while in_flight:
            worker = in_flight.popleft()
            try:
                status, payload = conns[worker].recv()
            except (EOFError, OSError):
                raise _dead(procs[worker]) from None
            if status != "ok":
                raise WorkerError(f"worker process failed:\n{payload}")
            send(worker)  # keeps chunk k on worker k mod workers
            yield from payload
    finally:
        for conn in conns:
            try:
                conn.send(None)
            except OSError:
                pass
            conn.close()
        for proc in procs:
            proc.join(timeout=0.2)
            if proc.is_alive():
                proc.terminate()  # stopped early (--on-error fail, an error): drop its work
                proc.join()
