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
import concurrent.futures.process  # noqa: F401 (loads cf.process, used below as cf.process.BrokenProcessPool)
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

    def __init__(self, workers: int = 1, *, stderr_log: str | os.PathLike | None = None):
        self.workers = max(1, int(workers))
        self.stderr_log = str(stderr_log) if stderr_log is not None else None
        self._pool = self._new_pool()

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        initializer, initargs = (_stderr_to_file, (self.stderr_log,)) if self.stderr_log else (None, ())
        return cf.ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                                      initializer=initializer, initargs=initargs)

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


def _stderr_to_file(path: str) -> None:
    """A worker's (and its kernels') stderr goes to a log: TensorFlow's C++ start-up lines
    ignore TF_CPP_MIN_LOG_LEVEL and would otherwise break the progress bar."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 2)
    os.close(fd)


BrokenExecutor = cf.process.BrokenProcessPool


# --- Dask distributed: the same three methods on a ``distributed.Client`` ---------------------------

CONNECT_TIMEOUT_S = 5


def job_key(target: str, owner: str, sha256: str, attempt: int, retry: int = 0) -> str:
    """The Dask task key of one grading job: the store's job key plus the attempt (and the retry after
    a failure of the grading machines).

    Deterministic, so the scheduler's dashboard and logs name the job, and a job
    that two parents submit at once is computed once. A retry needs a key of its own: under
    the old one the scheduler would hand back the task it gave up on (``KilledWorker``) at once.
    """
    return f"grade-{target}-{owner}-{sha256[:16]}-attempt{attempt}" + (f"-retry{retry}" if retry else "")


def submit_job(executor: Executor, key: str, fn: Callable, *args: Any) -> cf.Future:
    """Submit under ``key`` where the executor names its tasks (Dask); plain ``submit`` elsewhere."""
    if getattr(executor, "keyed", False):
        return executor.submit(fn, *args, key=key)
    return executor.submit(fn, *args)


class DaskExecutor:
    """Grading jobs on a Dask cluster: ``DaskExecutor("tcp://host:8786")`` or ``DaskExecutor(client)``.

    The job function is the one the local pool runs, so the sandbox runs on the
    worker exactly as it does locally; the results come back to the parent,
    which alone writes the store. Tasks are submitted with ``retries=0``: a
    student's timeout or crash is a verdict returned as data, never a reason to
    run again. A worker that dies mid-task is a different matter: the scheduler
    re-runs its tasks elsewhere (up to ``distributed.scheduler.allowed-failures``
    times, then the future raises ``KilledWorker`` and the job is ``crashed``).
    Since the parent saves each future's result once, a re-run is recorded once.

    With ``gpu=True`` every task asks for one ``GPU`` resource: start GPU
    workers with ``--resources GPU=1 --nthreads 1`` and their own
    ``CUDA_VISIBLE_DEVICES``, and each runs one job at a time on its own card.
    """

    keyed = True

    def __init__(self, address_or_client: Any, *, gpu: bool = False, connect_timeout: float = CONNECT_TIMEOUT_S):
        from distributed import Client

        self.gpu = gpu
        if isinstance(address_or_client, Client):
            self.client, self._own_client = address_or_client, False
        else:
            self.client, self._own_client = connect(str(address_or_client), timeout=connect_timeout), True

    def submit(self, fn: Callable, *args: Any, key: str | None = None) -> Any:
        options: dict[str, Any] = {"pure": False, "retries": 0}
        if key is not None:
            options["key"] = key
        if self.gpu:
            options["resources"] = {"GPU": 1}
        return self.client.submit(fn, *args, **options)

    def as_completed(self, futures: Iterable[Any]) -> Iterator[Any]:
        from distributed import as_completed

        return iter(as_completed(list(futures), loop=self.client.loop))

    def gpu_workers(self) -> int:
        """How many connected workers offer a ``GPU`` resource."""
        workers = self.client.scheduler_info(n_workers=-1).get("workers", {})
        return sum(1 for info in workers.values() if info.get("resources", {}).get("GPU", 0) >= 1)

    def close(self) -> None:
        if self._own_client:
            self.client.close()

    def __enter__(self) -> "DaskExecutor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def connect(address: str, *, timeout: float = CONNECT_TIMEOUT_S):
    """A ``distributed.Client`` on ``address``, or one line saying why not and what to do."""
    from distributed import Client

    from grader.errors import ExecutorError

    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except Exception as exc:  # refused, timed out, not a Dask scheduler, malformed address
        detail = " ".join(str(exc).split()).rstrip(".") or type(exc).__name__
        raise ExecutorError(f"Cannot reach the Dask scheduler at {address}: {detail}. "
                            "Start one with 'dask scheduler' or fix [executor] cluster.") from None


def make_executor(course, *, cluster: str | None = None, workers: int | None = None) -> Executor:
    """The executor ``grader score`` uses: Dask when ``--cluster`` or ``[executor] cluster`` names a
    scheduler, else the local process pool with ``workers`` (default: :func:`default_workers`).

    On a cluster, jobs ask for a GPU when ``[sandbox] gpu`` is ``on``, or when it
    is ``auto`` and a connected worker offers a ``GPU`` resource.
    """
    address = cluster or (course.get("executor", "cluster") if course is not None else "")
    if address:
        executor = DaskExecutor(address)
        gpu_setting = course.get("sandbox", "gpu") if course is not None else "auto"
        gpu_workers = executor.gpu_workers()
        if gpu_setting == "on" and gpu_workers == 0:
            executor.close()
            from grader.errors import ExecutorError

            raise ExecutorError(f"[sandbox] gpu is 'on' but no worker of the Dask scheduler at {address} offers a GPU. "
                                "Start GPU workers with 'dask worker ADDRESS --resources GPU=1 --nthreads 1', "
                                "or set [sandbox] gpu = \"auto\".")
        executor.gpu = gpu_setting == "on" or (gpu_setting == "auto" and gpu_workers > 0)
        return executor
    return LocalPoolExecutor(workers or default_workers(course))


def job_gpu(course=None, environ=None, dev: str = "/dev") -> str | None:
    """The GPU a grading job on this worker may use, as ``SandboxLimits.gpu`` wants it, or None.

    A GPU worker is started with its own ``CUDA_VISIBLE_DEVICES=N``: its jobs get
    card N. Without that variable, a machine with NVIDIA device nodes gives card 0.
    ``[sandbox] gpu = "off"``, an empty ``CUDA_VISIBLE_DEVICES`` or no device node
    means no GPU: the job then sees no GPU device at all.
    """
    from pathlib import Path

    environ = os.environ if environ is None else environ
    setting = course.get("sandbox", "gpu") if course is not None else "auto"
    if setting == "off" or not any(Path(dev).glob("nvidia[0-9]*")):
        return None
    visible = environ.get("CUDA_VISIBLE_DEVICES")
    if visible is None:
        return "0"
    first = visible.split(",")[0].strip()
    return first if first.isdigit() else None
