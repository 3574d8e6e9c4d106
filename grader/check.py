"""Authoring checks: is an assignment fit to hand out?

For each assignment, ``check_assignments`` asks four things:

1. the instructor's solution notebook runs without error (every visible test
   passes) and the judge awards it every point, and the notebook's test cells,
   manual answers and judge checks add up to the assignment's points;
2. the notebook as a student receives it (solutions stubbed, hidden tests
   removed) earns no judge points and does not crash the grader;
3. every mutant (``mutants/*.py``: the functions a plausible wrong answer writes
   differently, added after the solution cells so that they override them) loses
   judge points;
4. there are at least four mutants and the judge carries at least 60 points.

Grading goes through :func:`grade_source` only, so the whole check can move to
the sandboxed pipeline by changing that one function.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import AssignmentError, GraderError
from grader.words import plural

MIN_MUTANTS = 4
MIN_JUDGE_POINTS = 60


@dataclass
class CheckResult:
    """What ``grader check`` found for one assignment; ``passed`` when ``problems`` is empty."""

    name: str
    problems: list[str] = field(default_factory=list)
    points: float = 0.0                 # assignment.toml's total
    notebook_points: float = 0.0        # visible test cells
    manual_points: float = 0.0          # manually graded answers
    judge_points: float = 0.0           # the judge's maximum
    solution_points: float = 0.0        # judge points the solution earned
    stub_points: float | None = None    # judge points the released notebook earned
    mutants: dict[str, float] = field(default_factory=dict)  # mutant -> judge points
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {"name": self.name, "passed": self.passed, "problems": self.problems, "points": self.points,
                "notebook_points": self.notebook_points, "manual_points": self.manual_points,
                "judge_points": self.judge_points, "solution_points": self.solution_points,
                "stub_points": self.stub_points, "mutants": self.mutants, "seconds": round(self.seconds, 1)}


def grade_source(assignment, source_code: str, *, course=None, test_mode: bool = True,
                 stop_at_first_failure: bool = False):
    """The judge's report for ``source_code`` (the student's code of a notebook).

    In-process for now: authoring checks run the instructor's own code.
    """
    from grader.datasets.notebook_view import loader_importable
    from grader.judge.backend import InProcessBackend
    from grader.judge.codec import max_bytes_for
    from grader.judge.runner import run_judge

    loader_importable()  # the notebook's `import cnn_data`, as in the sandbox (where its data is absent too)
    backend = InProcessBackend(source_code, max_bytes=max_bytes_for(course))
    return run_judge(assignment.judge_dir, backend, course=course, test_mode=test_mode,
                     stop_at_first_failure=stop_at_first_failure)


def check_assignments(course, names: list[str] | tuple[str, ...] = (), *, test_mode: bool = True,
                      all_: bool = False, thorough: bool = False) -> list[CheckResult]:
    """Check the named assignments of ``course`` (every one with ``all_`` or no names).

    ``course`` may be None: then the kit's shipped ``assignments/`` are checked
    with the default data settings.
    """
    from grader.assignments_source import ASSIGNMENTS_DIR, shipped_assignments

    root = course.path("assignments") if course is not None else ASSIGNMENTS_DIR
    assignments = {a.name: a for a in shipped_assignments(root)}
    if not assignments:
        raise AssignmentError(f"There are no assignments in {root}.")
    wanted = list(assignments) if all_ or not names else list(names)
    for name in wanted:
        if name not in assignments:
            raise AssignmentError(f"Unknown assignment '{name}'. Known assignments: {', '.join(assignments)}.")
    return [check_assignment(assignments[name], course=course, test_mode=test_mode, thorough=thorough)
            for name in wanted]


def check_assignment(assignment, *, course=None, test_mode: bool = True, thorough: bool = False) -> CheckResult:
    """The authoring check of one assignment.

    A mutant only has to lose points, so its judge run stops at the first failed
    check (its points are then those earned before it); ``thorough`` runs every
    check of every mutant, to see how many points each keeps.
    """
    from grader.assignments_source import build_notebook, cell_points
    from grader.judge.source import student_source
    from grader.release import student_notebook

    started = time.monotonic()
    result = CheckResult(name=assignment.name)
    config = assignment.config()
    notebook = build_notebook(assignment.notebook_source)
    result.points = float(config.get("points", 100))
    visible = cell_points(notebook)
    result.notebook_points, result.manual_points = visible["tests"], visible["manual"]

    # 1. the solution: runs, passes its visible tests, earns every judge point
    problem = execute_notebook(notebook, config, course=course)
    if problem:
        result.problems.append(f"solution notebook: {problem}")
    report = _grade(result, "solution", assignment, student_source(notebook), course, test_mode)
    if report is not None:
        result.judge_points = report.max_points
        result.solution_points = report.points
        if report.points < report.max_points:
            lost = [f"{c['name']} ({c['message']})" for c in report.checks if c["points"] < c["max_points"]]
            result.problems.append(f"solution earns {report.points:g}/{report.max_points:g} judge points; "
                                   f"lost on {'; '.join(lost)}")
    total = result.notebook_points + result.manual_points + result.judge_points
    if abs(total - result.points) > 1e-6:
        result.problems.append(f"points do not add up: tests {result.notebook_points:g} + manual "
                               f"{result.manual_points:g} + judge {result.judge_points:g} = {total:g}, "
                               f"assignment.toml says {result.points:g}")

    # 2. the released notebook: no judge points, no crash
    report = _grade(result, "released notebook", assignment, student_source(student_notebook(notebook)), course,
                    test_mode)
    if report is not None:
        result.stub_points = report.points
        if report.points > 0:
            won = [c["name"] for c in report.checks if c["points"] > 0]
            result.problems.append(f"the released notebook earns {report.points:g} judge points on {', '.join(won)}")

    # 3. every mutant loses points
    mutants = sorted(assignment.mutants_dir.glob("*.py")) if assignment.mutants_dir.is_dir() else []
    for mutant in mutants:
        code = mutant.read_text(encoding="utf-8")
        report = _grade(result, f"mutant {mutant.stem}", assignment,
                        student_source(notebook, mutant=code), course, test_mode,
                        stop_at_first_failure=not thorough)
        if report is not None:
            result.mutants[mutant.stem] = report.points
            if report.points >= report.max_points:
                result.problems.append(f"mutant {mutant.stem} keeps all {report.max_points:g} judge points")

    # 4. enough mutants, enough judge
    if len(mutants) < MIN_MUTANTS:
        result.problems.append(f"{plural(len(mutants), 'mutant')} in {assignment.mutants_dir}; at least {MIN_MUTANTS} needed")
    if result.judge_points < MIN_JUDGE_POINTS:
        result.problems.append(f"the judge carries {result.judge_points:g} points; at least {MIN_JUDGE_POINTS} needed")
    result.seconds = time.monotonic() - started
    return result


def _grade(result: CheckResult, what: str, assignment, source_code: str, course, test_mode: bool, *,
           stop_at_first_failure: bool = False):
    try:
        report = grade_source(assignment, source_code, course=course, test_mode=test_mode,
                              stop_at_first_failure=stop_at_first_failure)
        for error in report.errors:
            result.problems.append(f"{what}: the judge could not run a check: {error}")
        return report
    except GraderError as exc:
        result.problems.append(f"{what}: {exc}")
    except Exception as exc:  # a crash of the grader itself is exactly what this check looks for
        result.problems.append(f"{what}: the grader crashed with {type(exc).__name__}: {exc}")
    return None


def execute_notebook(notebook, config: dict, *, cwd: Path | None = None, course=None) -> str | None:
    """Run a notebook top to bottom with nbclient; ``None`` when every cell ran, else what failed.

    Without ``cwd`` it runs in a new folder holding what a release puts beside the
    notebook: ``cnn_data.py`` and ``data/`` (``course`` None: the default data).
    """
    import copy

    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    limits = config.get("limits", {})
    cell_seconds = int(limits.get("cell_seconds", 120))
    notebook_seconds = float(limits.get("notebook_seconds", 600))
    notebook = copy.deepcopy(notebook)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cnnkit-check-") as tmp:
        if cwd is None:
            from grader.datasets.notebook_view import write_notebook_folder

            write_notebook_folder(course, config.get("datasets", []), tmp)
        client = NotebookClient(notebook, timeout=cell_seconds, kernel_name="python3",
                                resources={"metadata": {"path": str(cwd or tmp)}})
        try:
            client.execute(stderr=subprocess.DEVNULL)  # the kernel's own start-up warnings
        except CellTimeoutError:
            return f"a cell ran longer than {cell_seconds} s ([limits] cell_seconds)"
        except CellExecutionError as exc:
            return f"a cell failed: {_first_line(exc)}"
        except DeadKernelError as exc:
            return f"the kernel died: {_first_line(exc)}"
    elapsed = time.monotonic() - started
    if elapsed > notebook_seconds:
        return f"the notebook took {elapsed:.0f} s, more than [limits] notebook_seconds = {notebook_seconds:g}"
    return None


def _first_line(exc: Exception) -> str:
    """The error line of a cell failure (nbclient's message also holds the cell's source)."""
    ename = getattr(exc, "ename", None)
    evalue = getattr(exc, "evalue", None)
    if ename:
        return f"{ename}: {evalue}"[:300]
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return (lines[-1] if lines else type(exc).__name__)[:300]
