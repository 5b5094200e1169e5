"""The `dask` engine: partitions on a Dask cluster (`--scheduler tcp://HOST:PORT`), or on a
LocalCluster of this machine's cores when no scheduler is given.

The workers run the tasks of pipeline.engines.tasks: they need this package (and, for the
compiled core's speed, pipeline-core) installed, read the inputs and write the outputs
themselves (local paths must then be on a file system every worker sees; object storage
needs none), and take their storage credentials from their own environment, never from
the driver: no secret crosses the wire or reaches a log.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Callable

from pipeline.engines import Engine, register_engine
from pipeline.errors import ConfigError

#: Retries of a task that raised (a worker that died is the scheduler's to handle: it runs
#: the task elsewhere, and gives up after `distributed.scheduler.allowed-failures`).
RETRIES = 2
#: Seconds to wait for a scheduler to answer.
CONNECT_TIMEOUT = 20


@register_engine
class DaskEngine(Engine):
    """A Dask cluster: the one at `scheduler`, or a LocalCluster started for the run."""

    name = "dask"
    description = "a Dask cluster (--scheduler tcp://HOST:PORT, else a local cluster)"

    def __init__(self, scheduler: str | None = None, workers: int = 0) -> None:
        from distributed import Client

        self.cluster: Any = None
        try:
            if scheduler:
                self.client = Client(scheduler, timeout=CONNECT_TIMEOUT,
                                     set_as_default=False)
            else:
                from distributed import LocalCluster

                # Loopback only, no dashboard: a run's cluster serves nobody else.
                self.cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1,
                                            threads_per_worker=1, processes=True,
                                            host="127.0.0.1", dashboard_address=None,
                                            silence_logs=logging.ERROR)
                self.client = Client(self.cluster, set_as_default=False)
        except (OSError, TimeoutError) as err:
            self.close()
            raise ConfigError(f"cannot reach the Dask scheduler: {' '.join(str(err).split())}",
                              path=scheduler or "LocalCluster",
                              fix="check --scheduler tcp://HOST:PORT and that it runs") from None

    def submit(self, func: Callable[..., Any], *args: Any, key: str) -> Any:
        """Submit a task to the cluster (idempotent tasks: retried where they raise)."""
        return self.client.submit(func, *args, key=key, pure=False, retries=RETRIES)

    def result(self, handle: Any) -> Any:
        """Wait for a task's value (its error raised)."""
        return handle.result()

    def release(self, handle: Any) -> None:
        """Let the cluster drop the value once no task needs it."""
        handle.release()

    def slots(self) -> int:
        """Worker threads in the cluster (at least one)."""
        workers = self.client.scheduler_info().get("workers", {})
        return max(1, sum(int(w.get("nthreads", 1)) for w in workers.values()))

    def migrate(self, inputs: list[Any], options: Any, **kwargs: Any) -> Any:
        """Migrate on the cluster (pipeline.engines.partitioned; `partition`: inputs per
        partition, `echo`: where error and summary lines go)."""
        from pipeline.engines import partitioned

        return partitioned.migrate(self, [str(i) for i in inputs], options,
                                   echo=kwargs.get("echo"), threads=1,
                                   partition=kwargs.get("partition") or partitioned.PARTITION)

    def close(self) -> None:
        """Disconnect; stop the LocalCluster this engine started."""
        client = getattr(self, "client", None)
        if client is not None:
            client.close()
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None
