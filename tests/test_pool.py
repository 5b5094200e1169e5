"""The ordered process map: input order, bounded, errors and dead workers reported."""

from __future__ import annotations

import os
import signal

import pytest

from pipeline.pool import DEPTH, WorkerError, ordered_map


def _square(n: int) -> int:
    return n * n


def _pid_of(n: int) -> tuple[int, int]:
    return n, os.getpid()


def _fail_on_7(n: int) -> int:
    if n == 7:
        raise ValueError("seven")
    return n


def _die_on_5(n: int) -> int:
    if n == 5:
        os.kill(os.getpid(), signal.SIGKILL)
    return n


def test_results_in_input_order_across_workers() -> None:
    """Uneven chunks over three processes still come back in input order."""
    assert list(ordered_map(_square, range(1000), 3, chunksize=7)) == [n * n for n in range(1000)]


def test_work_is_spread_over_the_workers() -> None:
    """Chunk k runs on worker k mod N: both processes take part, none is the parent."""
    pids = {pid for _, pid in ordered_map(_pid_of, range(64), 2, chunksize=4)}
    assert len(pids) == 2 and os.getpid() not in pids


def test_input_is_read_lazily() -> None:
    """Only DEPTH chunks per worker are taken from the input before the first result."""
    taken = []

    def source():
        for n in range(10_000):
            taken.append(n)
            yield n

    results = ordered_map(_square, source(), 2, chunksize=10)
    assert next(results) == 0
    assert len(taken) <= (DEPTH + 1) * 2 * 10 + 1
    results.close()  # stops the workers


def test_an_exception_in_a_worker_is_raised_with_its_traceback() -> None:
    """A bug in the mapped function surfaces in the main process, not as a hang."""
    with pytest.raises(WorkerError, match="ValueError: seven"):
        list(ordered_map(_fail_on_7, range(20), 2, chunksize=2))


def test_a_killed_worker_is_reported() -> None:
    """A worker killed mid-run (out of memory, say) ends the map with an error."""
    with pytest.raises(WorkerError, match="ended unexpectedly"):
        list(ordered_map(_die_on_5, range(20), 2, chunksize=2))


def test_one_worker_maps_in_process() -> None:
    """workers=1 runs in this process, with the initializer."""
    seen = []
    assert list(ordered_map(_square, range(5), 1, initializer=seen.append,
                            initargs=("init",))) == [0, 1, 4, 9, 16]
    assert seen == ["init"]


_ORPHAN_SCRIPT = """
import os, sys, time
from pipeline.pool import ordered_map

def slow(n):
    time.sleep(0.02)
    return os.getpid()

results = ordered_map(slow, range(10 ** 6), 2, chunksize=1)
pids = {next(results) for _ in range(12)}
print(" ".join(map(str, sorted(pids))), flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    """True while a process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc (Linux)")
def test_workers_exit_when_the_main_process_is_killed() -> None:
    """kill -9 of the main process leaves no worker behind waiting for work."""
    import subprocess
    import sys
    import time

    proc = subprocess.Popen([sys.executable, "-c", _ORPHAN_SCRIPT], stdout=subprocess.PIPE,
                            text=True)
    workers = [int(pid) for pid in proc.stdout.readline().split()]
    assert len(workers) == 2 and all(_alive(pid) for pid in workers)
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [pid for pid in workers if _alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, "workers outlived the killed main process"
