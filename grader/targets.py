"""What a name on the command line (or in a URL) is: an assignment or a competition, and what to do with it.

    targets = resolve(course, ["03-convolution", "digit-recognizer"])
    release(course, targets)                         # nbgrader's generate step, or a starter kit
    summary = score(course, names=["03-convolution"])

The one place that decides between the two kinds of work, so that ``grader release``,
``grader score``, ``grader demo`` and the class server never repeat the decision (the
autograder knows nothing of competitions, and competitions nothing of the autograder).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from grader.errors import AssignmentError, DatasetError, SandboxError

ASSIGNMENT = "assignment"
COMPETITION = "competition"


@dataclass(frozen=True)
class Target:
    kind: str  # ASSIGNMENT | COMPETITION
    name: str


def assignment_names(course) -> list[str]:
    """The course's assignments (``<course>/assignments/<id>/``), released or not."""
    from grader.assignments_source import shipped_assignments

    return [a.name for a in shipped_assignments(course.path("assignments"))]


def competition_names(course) -> list[str]:
    """The course's competitions (``<course>/competitions/<name>/competition.toml``)."""
    from grader.competitions.config import list_competitions

    return list_competitions(course)


def released_assignments(course) -> list[str]:
    """Assignments nbgrader has released: ``release/<id>/`` holds ``<id>.ipynb``.

    ``release/`` also holds the competitions' unzipped kits; those are not assignments.
    """
    folder = course.path("release")
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / f"{p.name}.ipynb").is_file())


def resolve(course, names: Iterable[str], *, all_: bool = False) -> list[Target]:
    """The targets ``names`` stand for (every one with ``all_``); an unknown name is one clear error."""
    assignments, competitions = assignment_names(course), competition_names(course)
    if all_:
        return [Target(ASSIGNMENT, n) for n in assignments] + [Target(COMPETITION, n) for n in competitions]
    targets = []
    for name in names:
        if name in assignments:
            targets.append(Target(ASSIGNMENT, name))
        elif name in competitions:
            targets.append(Target(COMPETITION, name))
        else:
            raise AssignmentError(f"Unknown assignment or competition '{name}'. Assignments: "
                                  f"{', '.join(assignments) or 'none'}; competitions: {', '.join(competitions) or 'none'}.")
    return targets


# ---------------------------------------------------------------- release


@dataclass
class Released:
    target: Target
    path: Path | None = None  # the zip students get
    skipped: str | None = None  # why it was not released (a dataset missing), with --all only


def release(course, targets: list[Target], *, skip_missing_data: bool = False) -> list[Released]:
    """Student notebooks for assignments (nbgrader) and starter kits for competitions.

    With ``skip_missing_data`` a competition whose dataset is missing is reported as skipped
    instead of stopping the others (``grader release --all``: a course may lack a dataset it
    does not use).
    """
    from grader.release import release_assignments

    done = []
    assignments = [t for t in targets if t.kind == ASSIGNMENT]
    if assignments:  # release_assignments() with no names releases every assignment
        for target, path in zip(assignments, release_assignments(course, [t.name for t in assignments])):
            done.append(Released(target, path))
    for target in (t for t in targets if t.kind == COMPETITION):
        from grader.competitions.kits import release_kit

        try:
            done.append(Released(target, release_kit(course, target.name)))
        except DatasetError as exc:
            if not skip_missing_data:
                raise
            done.append(Released(target, skipped=str(exc)))
    return done


# ---------------------------------------------------------------- score


@dataclass
class ScoreSummary:
    results: list = field(default_factory=list)          # GradeResult, in the order they finished
    competitions: dict = field(default_factory=dict)     # competition name -> submissions scored


def require_sandbox() -> None:
    """Refuse to run student code unsandboxed unless asked; the one-line fix otherwise."""
    from grader.sandbox import probe

    for name, ok, detail, fix in probe()[:2]:
        if not ok:
            raise SandboxError(f"The sandbox cannot run ({name}: {detail}). Fix: {fix}; "
                               "or pass --no-sandbox to run student code with your own rights (not for real submissions).")


def score(course, *, names: list[str] | tuple[str, ...] = (), students: list[str] | tuple[str, ...] = (),
          workers: int | None = None, rescore: bool = False, sandbox: bool = True, test_mode: bool = False,
          on_planned: Callable[[int], None] | None = None, on_result: Callable | None = None,
          executor=None) -> ScoreSummary:
    """Grade every pending submission of ``names`` (released assignments or competitions; none = all)."""
    from grader.autograde import jobs
    from grader.executors import LocalPoolExecutor, default_workers
    from grader.store import Store

    if sandbox:
        require_sandbox()
    released, competitions = released_assignments(course), competition_names(course)
    for name in names:
        if name in competitions or name in released:
            continue
        if name in assignment_names(course):
            raise AssignmentError(f"Assignment '{name}' has not been released yet, so nothing can be handed in. "
                                  f"Run 'grader release {name}' first.")
        raise AssignmentError(f"Unknown assignment or competition '{name}'. Released assignments: "
                              f"{', '.join(released) or 'none'}; competitions: {', '.join(competitions) or 'none'}.")
    store = Store.open(course)
    summary = ScoreSummary()
    specs = []
    for name in list(names) or released + competitions:
        if name in competitions:
            from grader.competitions.submit import score_pending

            summary.competitions[name] = score_pending(course, store, name, rescore=rescore, sandbox=sandbox)
        else:
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
