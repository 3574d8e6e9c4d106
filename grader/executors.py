"""Where grading jobs run: one small interface, a local process pool behind it.

    executor = LocalPoolExecutor(workers=2)
    futures = [executor.submit(grade_job, spec) for spec in specs]
    for future in executor.as_completed(futures):
        result = future.result()
    executor.close()

The interface is three methods so that a Dask ``distributed.Client`` can stand
behind it later without the callers changing. Workers are started with the
``spawn`` method: a fresh interpreter per worker, no state (open database
connections, TensorFlow threads) inherited from the parent.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
from typing import Any, Callable, Iterable, Iterator, Protocol


class Executor(Protocol):
    """What the grading loop needs from a pool of workers."""

    def submit(self, fn: Callable, *args: Any) -> cf.Future: ...

    def as_completed(self, futures: Iterable[cf.Future]) -> Iterator[cf.Future]: ...

    def close(self) -> None: ...


def default_workers(course=None) -> int:
    """``[executor] workers`` from grader.toml, else one per core."""
    configured = int(course.get("executor", "workers")) if course is not None else 0
    return configured or max(1, os.cpu_count() or 1)


class LocalPoolExecutor:
    """A ``ProcessPoolExecutor`` with the spawn context.

    A worker that dies (killed from outside, or by code it ran without the
    sandbox) breaks a process pool: every unfinished future then fails with
    ``BrokenProcessPool``. :meth:`restart` gives a fresh pool so the caller can
    resubmit what did not finish.
    """

    def __init__(self, workers: int = 1):
        self.workers = max(1, int(workers))
        self._pool = self._new_pool()

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        return cf.ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"))

    def submit(self, fn: Callable, *args: Any) -> cf.Future:
        return self._pool.submit(fn, *args)

    def as_completed(self, futures: Iterable[cf.Future]) -> Iterator[cf.Future]:
        return cf.as_completed(list(futures))

    def restart(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new_pool()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> "LocalPoolExecutor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


BrokenExecutor = cf.process.BrokenProcessPool
