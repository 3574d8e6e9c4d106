"""The dispatcher: drains the grading queue (:mod:`grader.queue`) onto an executor.

    dispatcher = Dispatcher(course, store, LocalPoolExecutor(2), capacity=2)
    results = dispatcher.drain(job_ids)         # grader score: these jobs, then return
    dispatcher.serve(stop_event, wake_event)    # grader serve: forever, woken by new hand-ins

It claims at most ``capacity`` jobs at a time, keeps their leases alive while they run,
and saves each result in the transaction that ends the job (one writer: this process;
workers only grade). A worker that dies, a broken pool or a Dask ``KilledWorker`` is a
failure of the infrastructure: the job is queued again, and after
:data:`grader.queue.MAX_INFRA_FAILURES` it ends ``failed`` without costing the student.
The student's own timeouts, memory blow-ups and crashes are verdicts, saved as grades.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Callable

from grader import queue
from grader.queue import ASSIGNMENT, Claimed

log = logging.getLogger("cnnkit.dispatcher")


class Dispatcher:
    def __init__(self, course, store, executor, *, capacity: int, sandbox: bool = True, test_mode: bool = False,
                 owner: str | None = None, lease: float = queue.LEASE_SECONDS,
                 heartbeat_every: float = queue.HEARTBEAT_SECONDS, poll: float = 0.2,
                 on_result: Callable | None = None):
        self.course, self.store, self.executor = course, store, executor
        self.capacity = max(1, int(capacity))
        self.sandbox, self.test_mode = sandbox, test_mode
        self.owner = owner or queue.dispatcher_id()
        self.lease, self.heartbeat_every, self.poll = lease, heartbeat_every, poll
        self.on_result = on_result
        self.inflight: dict[object, tuple[Claimed, float]] = {}
        self._last_beat = time.monotonic()
        self._dues: dict[str, datetime | None] = {}

    # -- one round

    def step(self, only: list[int] | None = None) -> list:
        """Claim what fits, collect what finished, renew leases; the results saved in this round."""
        free = self.capacity - len(self.inflight)
        for claimed in queue.claim(self.store, self.owner, limit=free, lease=self.lease, only=only):
            self._submit(claimed)
        saved = []
        broken = False
        for future in [f for f in self.inflight if f.done()]:
            claimed, started = self.inflight.pop(future)
            try:
                outcome = future.result()
            except Exception as exc:  # the worker or the pool failed, not the student's code
                broken = broken or _is_broken_pool(exc)
                self._infrastructure(claimed, f"{type(exc).__name__}: {str(exc)[:200]}")
                continue
            result = self._save(claimed, outcome, time.monotonic() - started)
            if result is not None:
                saved.append(result)
        if broken and hasattr(self.executor, "restart"):
            for future, (claimed, _) in list(self.inflight.items()):  # a broken pool fails all it held
                self.inflight.pop(future)
                self._infrastructure(claimed, "the grading pool broke")
            self.executor.restart()
        if time.monotonic() - self._last_beat >= self.heartbeat_every:
            held = queue.heartbeat(self.store, self.owner, [c.job_id for c, _ in self.inflight.values()],
                                   lease=self.lease)
            for future, (claimed, _) in list(self.inflight.items()):
                if claimed.job_id not in held:  # cancelled by the instructor: its answer will be dropped
                    self.inflight.pop(future)
            self._last_beat = time.monotonic()
        return saved

    def drain(self, only: list[int]) -> list:
        """Run the jobs ``only`` names until each has ended; their results, in the order they finished."""
        queue.requeue_orphans(self.store)
        results = []
        try:
            while True:
                results += self.step(only)
                if not self.inflight and not self._open(only):
                    return results
                time.sleep(self.poll)
        except BaseException:
            queue.release(self.store, self.owner, [c.job_id for c, _ in self.inflight.values()])
            raise

    def serve(self, stop: threading.Event, wake: threading.Event | None = None) -> None:
        """Grade whatever is queued until ``stop`` is set; ``wake`` cuts a wait short (a new hand-in)."""
        queue.requeue_orphans(self.store)
        last_sweep = 0.0
        while not stop.is_set():
            try:
                if time.monotonic() - last_sweep >= self.lease / 3:
                    queue.requeue_expired(self.store)
                    last_sweep = time.monotonic()
                self.step()
            except Exception:  # the database went away for a moment: keep serving, say so in the log
                log.exception("dispatcher round failed; retrying")
            if wake is not None:
                wake.wait(self.poll if self.inflight else 1.0)
                wake.clear()
            else:
                stop.wait(self.poll)
        queue.release(self.store, self.owner, [c.job_id for c, _ in self.inflight.values()])

    # -- the parts

    def _open(self, only: list[int]) -> bool:
        from sqlalchemy import select

        from grader.store.models import GradingJob

        with self.store.read() as session:
            return session.scalar(select(GradingJob.id).where(
                GradingJob.id.in_(only), GradingJob.status.in_(queue.OPEN)).limit(1)) is not None

    def _submit(self, claimed: Claimed) -> None:
        from grader.executors import job_key, submit_job

        key = job_key(claimed.target, claimed.owner, claimed.sha256, claimed.attempt, claimed.retry)
        try:
            if claimed.kind == ASSIGNMENT:
                from grader.autograde.pipeline import grade_job
                from grader.service.assignments import notebook_for_job

                notebook = notebook_for_job(self.course, self.store, claimed)
                future = submit_job(self.executor, key, grade_job, str(self.course.root), claimed.target,
                                    claimed.owner, notebook, self.sandbox,
                                    self.test_mode, claimed.sha256, self._due(claimed.target))
            else:
                from grader.competitions.code_runner import run_code_notebook

                future = submit_job(self.executor, key, run_code_notebook, str(self.course.root), claimed.target,
                                    str(self.store.file_path(claimed.sha256)), self.sandbox)
        except Exception as exc:  # the pool is closed or broken, the scheduler unreachable
            self._infrastructure(claimed, f"{type(exc).__name__}: {str(exc)[:200]}")
            return
        self.inflight[future] = (claimed, time.monotonic())

    def _due(self, assignment: str):
        if assignment not in self._dues:
            from grader.store.models import Assignment

            with self.store.read() as session:
                row = session.get(Assignment, assignment)
                self._dues[assignment] = row.due_at if row is not None else None
        return self._dues[assignment]

    def _save(self, claimed: Claimed, outcome, seconds: float):
        if claimed.kind == ASSIGNMENT:
            from grader.autograde.jobs import record_grade

            recorded = queue.finish(self.store, claimed, self.owner, verdict=outcome.status,
                                    record=lambda session, job: record_grade(session, job, outcome, seconds))
        else:
            from grader.competitions.code_runner import record_code_job

            verdict = "failed" if outcome.get("error") else "ran"
            recorded = queue.finish(self.store, claimed, self.owner, verdict=verdict,
                                    record=lambda session, job: record_code_job(self.course, session, job, outcome))
        if not recorded:
            log.info("job %s ended elsewhere (cancelled or taken over); its result is dropped", claimed.job_id)
            return None
        if self.on_result is not None:
            self.on_result(claimed, outcome)
        return outcome

    def _infrastructure(self, claimed: Claimed, reason: str) -> None:
        status = queue.fail(self.store, claimed, self.owner, reason)
        log.warning("job %s (%s %s): infrastructure failure (%s) -> %s", claimed.job_id, claimed.target,
                    claimed.owner, reason, status)
        if status == queue.FAILED and self.on_result is not None and claimed.kind == ASSIGNMENT:
            from grader.autograde.pipeline import GradeResult

            self.on_result(claimed, GradeResult(assignment=claimed.target, student=claimed.owner,
                                                sha256=claimed.sha256, status="failed", message=reason,
                                                sandboxed=self.sandbox))


def _is_broken_pool(exc: BaseException) -> bool:
    from grader.executors import BrokenExecutor

    return isinstance(exc, BrokenExecutor)
