"""Step 3: the hidden checks, run here against the student's code running in the sandbox.

The judge's pytest files stay in ``<course>/assignments/<id>/judge/`` and run in
this (trusted) process; the student's code -- the notebook's code cells
without its test cells -- is loaded by a worker inside the sandbox
(``SandboxBackend``), and only data crosses. Nothing from the judge folder is
copied into the job directory.
"""

from __future__ import annotations

from pathlib import Path


def judge_dir(course, assignment: str) -> Path:
    return course.path("assignments", assignment, "judge")


def make_backend(source_code: str, *, sandbox: bool, limits=None, job_dir: Path):
    """The student's side: a worker process in the sandbox (with ``--no-sandbox``, the same worker
    without bubblewrap: still another process, so a crash there cannot take the grader down)."""
    from grader.sandbox import SandboxBackend

    return SandboxBackend(source_code, limits, Path(job_dir), sandbox=sandbox)


def run(notebook, course, assignment: str, *, job_dir: Path, sandbox: bool = True, limits=None,
        test_mode: bool = False, report_path: Path | None = None) -> dict:
    """Run the judge on the student's code from ``notebook``; the report as a dict.

    An assignment without a ``judge/`` folder has no hidden checks (0 of 0 points).
    """
    from grader.judge import run_judge
    from grader.judge.source import student_source

    folder = judge_dir(course, assignment)
    if not folder.is_dir():
        return {"points": 0.0, "max_points": 0.0, "checks": [], "errors": []}
    backend = make_backend(student_source(notebook), sandbox=sandbox, limits=limits, job_dir=job_dir)
    try:
        report = run_judge(folder, backend, course=course, test_mode=test_mode, report_path=report_path)
    finally:
        close = getattr(backend, "close", None)
        if callable(close):
            close()
    return report.to_dict()
