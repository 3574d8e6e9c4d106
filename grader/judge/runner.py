"""Run a judge folder with pytest, in this process, and collect the points.

    report = run_judge(assignment.judge_dir, InProcessBackend(code), course=course)
    report.points, report.max_points, report.checks

pytest runs with the judge plugin only: no cache, no conftest above the judge
folder, no ini file of the repository, plain assertions (no value
introspection), and its output captured into ``report.output`` (for the
instructor; it may show expected values, so never for a student).
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import AssignmentError
from grader.judge.backend import StudentBackend

EXIT_OK, EXIT_TESTS_FAILED, EXIT_NO_TESTS = 0, 1, 5


@dataclass
class JudgeReport:
    """The judge's verdict: one dict per check (id, name, points, max_points, passed, message, extra)."""

    checks: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    output: str = ""

    @property
    def points(self) -> float:
        return round(sum(check["points"] for check in self.checks), 6)

    @property
    def max_points(self) -> float:
        return round(sum(check["max_points"] for check in self.checks), 6)

    def to_dict(self) -> dict[str, Any]:
        return {"points": self.points, "max_points": self.max_points, "checks": self.checks, "errors": self.errors}

    def write(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2), encoding="utf-8")
        return path


def load_assignment_config(judge_dir: Path) -> dict:
    """The ``assignment.toml`` beside the judge folder ({} when there is none)."""
    path = judge_dir.parent / "assignment.toml"
    if not path.is_file():
        return {}
    from grader.assignments_source import tomllib

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise AssignmentError(f"{path} is not valid TOML: {exc}.") from None


def run_judge(judge_dir: str | Path, backend: StudentBackend, *, course=None, test_mode: bool = False,
              report_path: str | Path | None = None, assignment_config: dict | None = None,
              stop_at_first_failure: bool = False) -> JudgeReport:
    """Run every ``test_*.py`` in ``judge_dir`` against ``backend``; points per the ``points`` markers.

    ``stop_at_first_failure`` (for ``grader check``'s mutants, which only have to lose
    points) stops after the first failed check: the report then holds the checks run so far.

    A badly authored judge (a syntax error, a test without ``points``, no tests
    at all) is an :class:`AssignmentError`, never a student's zero.
    """
    import pytest

    from grader.judge.plugin import JudgePlugin

    judge_dir = Path(judge_dir).resolve()
    if not judge_dir.is_dir():
        raise AssignmentError(f"{judge_dir} does not exist: an assignment's hidden checks live in judge/test_*.py.")
    config = assignment_config if assignment_config is not None else load_assignment_config(judge_dir)
    plugin = JudgePlugin(backend, course=course, test_mode=test_mode, assignment_config=config)
    modules_before = set(sys.modules)
    output = io.StringIO()
    with tempfile.TemporaryDirectory(prefix="cnnkit-judge-") as tmp:
        ini = Path(tmp, "pytest.ini")
        ini.write_text("[pytest]\n", encoding="utf-8")
        args = [
            str(judge_dir), "-c", str(ini), "--rootdir", str(judge_dir), "--confcutdir", str(judge_dir),
            "-p", "no:cacheprovider", "-p", "no:randomly", "-p", "no:timeout", "--assert=plain",
            # These two run gc.collect() several times per session: with TensorFlow loaded that was
            # 0.6 s of each submission's judge (measured), for warnings a judge never reads. And
            # --tb=native below: the plugin writes each check's message from the exception itself,
            # and pytest's own "short" tracebacks parsed the judge's source, 0.1 s per failed check.
            "-p", "no:unraisableexception", "-p", "no:threadexception",
            "--import-mode=importlib", "--capture=sys", "--tb=native", "-q", "--no-header",
            "-W", "ignore::DeprecationWarning", "-o", "python_files=test_*.py",
        ]
        if stop_at_first_failure:
            args.append("--maxfail=1")
        try:
            with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output), _no_assertion_rewriting():
                exit_code = pytest.main(args, plugins=[plugin])
        finally:
            _forget_judge_modules(modules_before, judge_dir)
    report = JudgeReport(checks=[plugin.results[node] for node in plugin.order], errors=list(plugin.errors),
                         output=output.getvalue())
    if plugin.missing_points:
        raise AssignmentError(f"{judge_dir}: every judge test needs @pytest.mark.points(N); "
                              f"missing on {', '.join(plugin.missing_points)}.")
    if exit_code == EXIT_NO_TESTS:
        raise AssignmentError(f"{judge_dir} has no judge tests (test_*.py with test_ functions).")
    if exit_code not in (EXIT_OK, EXIT_TESTS_FAILED) or not report.checks:
        raise AssignmentError(f"the judge in {judge_dir} could not run (pytest exit code {int(exit_code)}): "
                              f"{_last_error_line(report.output)}")
    if report_path is not None:
        report.write(report_path)
    return report


@contextlib.contextmanager
def _no_assertion_rewriting():
    """Take an enclosing pytest's import hook away while judge files are imported.

    When the grader runs inside pytest (the kit's own tests), that pytest would
    rewrite the judge's asserts and put the values it compared into messages.
    """
    hooks = [finder for finder in sys.meta_path if type(finder).__name__ == "AssertionRewritingHook"]
    for hook in hooks:
        sys.meta_path.remove(hook)
    try:
        yield
    finally:
        sys.meta_path[:0] = hooks


def _forget_judge_modules(before: set[str], judge_dir: Path) -> None:
    """Judge modules are imported fresh on every run (two assignments may both have test_judge.py)."""
    for name in set(sys.modules) - before:
        module = sys.modules.get(name)
        path = getattr(module, "__file__", None) or ""
        if path and Path(path).resolve().is_relative_to(judge_dir):
            del sys.modules[name]


def _last_error_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("E ") or "Error" in line]
    return (errors or lines or ["no output"])[-1][:300]
