"""The `local` engine: this machine's cores.

Local folders in and out: the streaming run of pipeline.run (the compiled core's threads or
a process pool, incremental reruns). An input or the output given as a URL: the partitioned
run (pipeline.engines.partitioned), its tasks run here one after the other, the per-file
work of each on the core's threads.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

from pipeline import storage
from pipeline.engines import Engine, register_engine


class _Done:
    """A task run at once: its value or its error."""

    __slots__ = ("value", "error")

    def __init__(self, value: Any = None, error: BaseException | None = None) -> None:
        self.value, self.error = value, error


@register_engine
class LocalEngine(Engine):
    """This machine: pipeline.run for local folders, the partitioned run for URLs."""

    name = "local"
    description = "this machine's cores (default)"

    def __init__(self, threads: int = 0) -> None:
        self.threads = threads or os.cpu_count() or 1

    def submit(self, func: Callable[..., Any], *args: Any, key: str) -> _Done:
        """Run the task now (its arguments' handles resolved to their values)."""
        values = []
        for arg in args:
            if isinstance(arg, _Done):
                if arg.error is not None:
                    return _Done(error=arg.error)
                arg = arg.value
            values.append(arg)
        try:
            return _Done(func(*values))
        except Exception as err:  # noqa: BLE001 - handed to whoever waits for the task
            return _Done(error=err)

    def result(self, handle: _Done) -> Any:
        """The task's value, or its error raised."""
        if handle.error is not None:
            raise handle.error
        return handle.value

    def release(self, handle: _Done) -> None:
        """Drop the value (a partition's outcomes) once it is written."""
        handle.value = None

    def migrate(self, inputs: list[Any], options: Any, **kwargs: Any) -> Any:
        """Migrate: streaming for local folders (`kwargs` go to pipeline.run.migrate),
        partitioned when a URL is involved (`partition`: inputs per partition)."""
        partition = kwargs.pop("partition", None)
        if not any(storage.is_url(str(i)) for i in [*inputs, options.out_dir]):
            from pipeline.run import migrate

            return migrate([Path(i) for i in inputs], options, **kwargs)
        from pipeline.engines import partitioned

        return partitioned.migrate(self, [str(i) for i in inputs], options,
                                   echo=kwargs.get("echo"), threads=self.threads,
                                   partition=partition or partitioned.PARTITION)
