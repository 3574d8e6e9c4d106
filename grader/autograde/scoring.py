"""What ``grader score`` does: find the work, check the sandbox, run the jobs, summarise.

The click command in :mod:`grader.cli.score` only parses options and prints;
everything it does is here, with keyword-only parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from grader.errors import AssignmentError, SandboxError


@dataclass
class ScoreSummary:
    results: list = field(default_factory=list)          # GradeResult, in the order they finished
    competitions: dict = field(default_factory=dict)     # competition name -> submissions scored
    skipped: dict = field(default_factory=dict)          # assignment -> jobs already done


def require_sandbox() -> None:
    """Refuse to run student code unsandboxed unless asked; the one-line fix otherwise."""
    from grader.sandbox import probe

    for name, ok, detail, fix in probe()[:2]:
        if not ok:
            raise SandboxError(f"The sandbox cannot run ({name}: {detail}). Fix: {fix}; "
                               "or pass --no-sandbox to run student code with your own rights (not for real submissions).")


def released_assignments(course) -> list[str]:
    """Assignments that nbgrader has released (they are in ``release/``)."""
    return sorted(p.name for p in course.path("release").iterdir() if p.is_dir()) if course.path("release").is_dir() else []


def competition_names(course) -> list[str]:
    folder = course.path("competitions")
    return sorted(p.name for p in folder.iterdir() if (p / "competition.toml").is_file()) if folder.is_dir() else []


def score(course, *, names: list[str] | tuple[str, ...] = (), students: list[str] | tuple[str, ...] = (),
          workers: int | None = None, rescore: bool = False, sandbox: bool = True, test_mode: bool = False,
          on_planned: Callable[[int], None] | None = None, on_result: Callable | None = None,
          executor=None) -> ScoreSummary:
    """Grade every pending submission of ``names`` (assignments or competitions; none = all released)."""
    from grader.autograde import jobs
    from grader.executors import LocalPoolExecutor, default_workers
    from grader.store import Store

    if sandbox:
        require_sandbox()
    competitions_known = competition_names(course)
    # release/<name>/ also holds competitions' unzipped kits: those are not assignments.
    assignments_known = [a for a in released_assignments(course) if a not in competitions_known]
    for name in names:
        if name not in assignments_known and name not in competitions_known:
            raise AssignmentError(f"'{name}' is neither a released assignment nor a competition. "
                                  f"Released: {', '.join(assignments_known) or 'none'} (run 'grader release {name}'); "
                                  f"competitions: {', '.join(competitions_known) or 'none'}.")
    targets = list(names) or assignments_known + competitions_known
    store = Store.open(course)
    summary = ScoreSummary()
    specs = []
    for name in targets:
        if name in competitions_known and name not in assignments_known:
            from grader.competitions.submit import score_pending

            summary.competitions[name] = score_pending(course, store, name, rescore=rescore, sandbox=sandbox)
            continue
        specs += jobs.plan(course, store, name, students=students or None, rescore=rescore)
    if on_planned is not None:
        on_planned(len(specs))
    if not specs:
        return summary
    own_executor = executor is None
    executor = executor or LocalPoolExecutor(min(len(specs), workers or default_workers(course)),
                                             stderr_log=course.path("logs", "grading.log"))
    try:
        summary.results = jobs.run(course, store, specs, executor=executor, sandbox=sandbox, test_mode=test_mode,
                                   on_result=on_result)
    finally:
        if own_executor:
            executor.close()
    return summary
