"""The judge's proxy to the process that ran the notebook: the student's code is loaded once.

After the notebook ran (:func:`grader.autograde.execute.execute`), its kernel
keeps running in the sandbox. Each operation the judge asks for is one hidden
cell in that kernel, which runs :func:`grader.judge.ops.serve` on the kernel's
own namespace::

    __import__("grader.judge.ops", fromlist=["serve"]).serve(
        globals(), "/job/.call-3-<nonce>/request", "/job/.call-3-<nonce>/outcome", max_bytes=...)

The request and the outcome cross as files (:class:`FolderBackend`): only
inert data comes back, read with ``O_NOFOLLOW`` below the folder the judge
made, size-capped, ``allow_pickle=False``. Whatever the notebook did to numpy,
json, ``grader.judge.ops`` or IPython inside the kernel, what it can send is
data, and the judge checks the data.

What the judge sees is the namespace after the notebook ran: the student's
cells and the notebook's test cells (the instructor's, restored by the tamper
step), in notebook order -- up to the cell where the notebook stopped, when it
stopped early and the kernel answered the interrupt.

Each call fails with a reason, and never passes, when:

* it runs past its limit: the kernel is interrupted and kept when it answers
  within :data:`grader.sandbox.kernel_session.INTERRUPT_SECONDS`, else stopped;
* the kernel dies during it (its memory limit, ``os._exit``, a signal);
* the hidden cell itself fails (the notebook broke the machinery).

After ``max_timeouts`` (default 3) requests ran past their limits, the
student's side is not asked again: the remaining calls fail at once, so a
function that never returns costs at most three call limits, not one per check.

Restarts: a notebook that stopped early (cell or notebook limit) or whose
kernel died while it ran is never run again -- every call fails with why.
When the kernel of a notebook that ran to its end is gone (it died in a call,
or between the last cell and the judge's first call), the next call reloads
the student's code in a fresh sandboxed worker (:class:`SandboxBackend`: the
code cells without the test cells, as plain Python, in a fresh job folder),
at most ``max_restarts`` times (default 1) per submission, loading bounded
by that worker's ``limits.wall_seconds``.
"""

from __future__ import annotations

from typing import Any, Callable

from grader.judge.backend import StudentBadOutput, StudentMissing, StudentTimeout
from grader.sandbox.backend import FolderBackend, WorkerDied

REQUEST_CELL = ('__import__("grader.judge.ops", fromlist=["serve"]).serve(globals(), {request!r}, {outcome!r}, '
                'max_bytes={max_bytes})')


class KernelBackend(FolderBackend):
    """A ``StudentBackend`` over a live :class:`~grader.sandbox.kernel_session.KernelSession`.

    ``execution`` is the notebook's :class:`~grader.autograde.execute.ExecutionReport`;
    ``reload()`` makes the fresh worker for a restart (None: no restarts).
    The session belongs to the caller, who stops it; :meth:`close` stops the worker.
    """

    def __init__(self, session, execution, *, reload: Callable[[], FolderBackend] | None = None,
                 max_restarts: int = 1, max_timeouts: int = 3, call_seconds: float = 60.0,
                 grace_seconds: float = 60.0):
        super().__init__(session.job_dir, max_bytes=session.limits.max_output_bytes, call_seconds=call_seconds,
                         grace_seconds=grace_seconds)
        self.session = session
        self.execution = execution
        self.reload = reload
        self.restarts_left = max_restarts if execution.finished and reload is not None else 0
        self.restarts = 0
        self.max_timeouts = max_timeouts
        self.timeouts: list[str] = []  # the reasons of the requests that ran past their limits
        self.events: list[str] = []  # every loss of the student's process, for the grade's details
        self.failure: str | None = None  # why the current process is gone, once it is
        self._worker: FolderBackend | None = None
        if not session.alive:
            if execution.finished:
                self._lost(f"the notebook's kernel {session.death_reason()} after the notebook ran")
            else:
                self._lost(f"the notebook's kernel is not running ({execution.message}); "
                           "a notebook that stopped is not run again for the judge")

    def close(self) -> None:
        if self._worker is not None:
            self._worker.close()
            self._worker = None
        super().close()

    def _lost(self, reason: str) -> None:
        self.failure = reason
        self.events.append(reason)

    # -- one operation

    def _request(self, op: str, args: list, kwargs: dict, *, seconds: float, label: str) -> Any:
        if len(self.timeouts) >= self.max_timeouts:
            raise StudentTimeout(f"{label} was not run: {len(self.timeouts)} earlier requests ran past their "
                                 f"time limits (the first: {self.timeouts[0]})")
        if self.failure is None and self._worker is None and not self.session.alive:
            self._lost(f"the notebook's kernel {self.session.death_reason()} after the notebook ran")
        if self.failure is None:
            try:
                return super()._request(op, args, kwargs, seconds=seconds, label=label)
            except StudentMissing as missing:
                if self.execution.finished:
                    raise
                raise StudentMissing(f"{missing} (the notebook stopped early: {self.execution.message})") from None
        if self._worker is None:
            if self.restarts_left <= 0:
                raise WorkerDied(self.failure)
            self.restarts_left -= 1
            self.restarts += 1
            self._worker = self.reload()
        return self._worker._request(op, args, kwargs, seconds=seconds, label=label)

    def _serve(self, name: str, seconds: float, label: str) -> None:
        inside = f"{self.session.inside_job_dir}/{name}"
        code = REQUEST_CELL.format(request=f"{inside}/request", outcome=f"{inside}/outcome", max_bytes=self.max_bytes)
        run = self.session.run_hidden(code, seconds)
        if run.status == "ok":
            return
        if run.status == "error":
            detail = f"{run.reply.get('ename', 'Error')}: {str(run.reply.get('evalue', ''))[:200]}"
            raise StudentBadOutput(f"the notebook's kernel could not run the judge's request for {label} ({detail})")
        if run.status == "timeout":
            reason = f"{label} ran past its time limit of {seconds:g} s"
            self.timeouts.append(reason)
            if not run.kept:
                self._lost(f"{reason}; the notebook's kernel did not answer the interrupt and was stopped")
            raise StudentTimeout(reason)
        reason = f"the notebook's kernel {self.session.death_reason()}"
        self._lost(reason)
        raise WorkerDied(reason)

    def summary(self) -> dict:
        """What the grade's details keep: the losses, the restarts, the requests served."""
        reloaded = self._worker._calls if self._worker is not None else 0
        return {"events": list(self.events), "restarts": self.restarts, "timeouts": len(self.timeouts),
                "requests": self._calls + reloaded}
