"""Engines: what maps the per-file work over the inputs. Registered by name, one interface.

`local` runs on this machine's cores (pipeline.run: the compiled core's threads or a process
pool, streaming in input order); `dask` runs partitions on a Dask cluster
(pipeline.engines.partitioned). Both map the same per-file work (pipeline.run.outcomes);
the partitioned run also serves `local` when an input or the output is a URL.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from typing import Any, Callable, ClassVar

from pipeline.errors import ConfigError

#: Engine name -> module that defines it (imported only when used: Dask is heavy).
ENGINES = {"local": "pipeline.engines.local", "dask": "pipeline.engines.dask"}
_CLASSES: dict[str, type["Engine"]] = {}


class Engine(ABC):
    """Runs tasks for a partitioned run, and migrates as a whole (see `migrate`)."""

    name: ClassVar[str]
    description: ClassVar[str]

    @abstractmethod
    def submit(self, func: Callable[..., Any], *args: Any, key: str) -> Any:
        """Start `func(*args)` (arguments may be handles of earlier tasks); a handle."""

    @abstractmethod
    def result(self, handle: Any) -> Any:
        """Wait for a task; its value, or its error raised."""

    def release(self, handle: Any) -> None:
        """The caller needs this task's value no more."""

    def slots(self) -> int:
        """How many tasks run at once."""
        return 1

    @abstractmethod
    def migrate(self, inputs: list[Any], options: Any, **kwargs: Any) -> Any:
        """Run a migration on this engine (a pipeline.report.Report)."""

    def close(self) -> None:
        """Release what the engine holds (a cluster it started)."""

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()


def register_engine(cls: type[Engine]) -> type[Engine]:
    """Class decorator: add an engine to the registry."""
    _CLASSES[cls.name] = cls
    return cls


def engine_names() -> list[str]:
    """The engine names."""
    return sorted(ENGINES)


def get_engine(name: str, **settings: Any) -> Engine:
    """An engine by name; an unknown name lists the valid ones."""
    if name not in ENGINES:
        raise ConfigError(f"unknown engine {name!r}",
                          fix=f"valid engines: {', '.join(engine_names())}")
    importlib.import_module(ENGINES[name])
    return _CLASSES[name](**settings)
