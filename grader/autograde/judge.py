"""Step 3: the hidden checks, run here against the student's code in the notebook's own kernel.

The judge's pytest files stay in ``<course>/assignments/<id>/judge/`` and run in
this (trusted) process; the student's functions are called in the sandboxed
kernel that ran the notebook (:class:`grader.sandbox.kernel_backend.KernelBackend`),
so the code, TensorFlow and the data are loaded once, and only data crosses.
Nothing from the judge folder is copied into the job directory.

When that kernel is lost after a notebook that ran to its end, the code is
loaded again at most once (``MAX_RESTARTS``), in a fresh sandboxed worker whose
loading may take :func:`reload_seconds`.
"""

from __future__ import annotations

from pathlib import Path

MAX_RESTARTS = 1
MAX_TIMEOUTS = 3      # requests past their limits before the student's side is not asked again
RELOAD_MARGIN_SECONDS = 30
CALL_SECONDS = 60.0   # one call or describe_* of the student's code
GRACE_SECONDS = 60.0  # added to a training's budget: building, predicting, sending the data


def judge_dir(course, assignment: str) -> Path:
    return course.path("assignments", assignment, "judge")


def reload_seconds(notebook_seconds: float, ran_seconds: float) -> float:
    """How long loading the code again may take: twice what the whole notebook took, plus a margin,
    never more than the notebook's own limit."""
    return min(float(notebook_seconds), RELOAD_MARGIN_SECONDS + 2 * float(ran_seconds))


def make_backend(notebook, session, execution, *, reload_dir: Path, notebook_seconds: float, sandbox: bool = True,
                 limits=None):
    """The student's side: the notebook's kernel in ``session``, and a fresh worker in ``reload_dir``
    (made only when a restart needs it; with ``--no-sandbox``, without bubblewrap)."""
    from grader.judge.source import student_source
    from grader.sandbox import SandboxBackend, SandboxLimits
    from grader.sandbox.kernel_backend import KernelBackend

    def reload():
        reload_dir.mkdir()
        loading = (limits or SandboxLimits()).replace(wall_seconds=reload_seconds(notebook_seconds, execution.seconds))
        return SandboxBackend(student_source(notebook), loading, reload_dir, sandbox=sandbox, max_restarts=0,
                              call_seconds=CALL_SECONDS, grace_seconds=GRACE_SECONDS)

    return KernelBackend(session, execution, reload=reload, max_restarts=MAX_RESTARTS, max_timeouts=MAX_TIMEOUTS,
                         call_seconds=CALL_SECONDS, grace_seconds=GRACE_SECONDS)


def run(course, assignment: str, *, backend, test_mode: bool = False, report_path: Path | None = None) -> dict:
    """Run the judge against ``backend``; the report as a dict.

    An assignment without a ``judge/`` folder has no hidden checks (0 of 0 points).
    """
    from grader.judge import run_judge

    folder = judge_dir(course, assignment)
    if not folder.is_dir():
        return {"points": 0.0, "max_points": 0.0, "checks": [], "errors": []}
    return run_judge(folder, backend, course=course, test_mode=test_mode, report_path=report_path).to_dict()
