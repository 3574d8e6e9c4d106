"""Grade one notebook submission: the steps of :mod:`grader.autograde`, top to bottom.

    result = grade_submission(course, "01-preprocessing", "alice", path)
    result.status, result.total, result.details

Each step is its own module; this one only strings them together and turns
what they report into one :class:`GradeResult` and one status:
``graded``, ``timeout``, ``memory_limit``, ``crashed``, ``tampered``,
``invalid_notebook`` or ``no_submission``. A failure inside a step becomes a
status, never an exception: one bad submission must not stop the others.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

from grader.autograde import execute, judge, late, record, tamper
from grader.autograde.common import worst
from grader.datasets.notebook_view import write_notebook_data
from grader.sandbox.kernel_session import KernelSession


@dataclass
class GradeResult:
    """The outcome of grading one submission (plain data: it crosses process boundaries)."""

    assignment: str
    student: str
    sha256: str = ""
    status: str = "graded"
    message: str = ""
    notebook_points: float = 0.0
    notebook_max: float = 0.0
    manual_max: float = 0.0
    judge_points: float = 0.0
    judge_max: float = 0.0
    late_penalty: float = 0.0
    sandboxed: bool = True
    seconds: float = 0.0
    details: dict = field(default_factory=dict)

    @property
    def max_points(self) -> float:
        return self.notebook_max + self.manual_max + self.judge_max

    @property
    def total(self) -> float:
        return round(max(0.0, self.notebook_points + self.judge_points - self.late_penalty), 6)

    def to_dict(self) -> dict:
        """The fields, the totals, and the per-phase seconds (``details["phases"]``, also without details)."""
        return {**asdict(self), "max_points": self.max_points, "total": self.total,
                "phases": self.details.get("phases")}


def assignment_config(course, assignment: str) -> dict:
    from grader.assignments_source import AssignmentSource

    return AssignmentSource(assignment, course.path("assignments", assignment)).config()


def sandbox_limits(course, config: dict):
    """The sandbox's limits: grader.toml ``[sandbox]``, with the assignment's own ``[limits]``."""
    from grader.executors import job_gpu
    from grader.sandbox import SandboxLimits

    # assignment.toml [limits] memory_mb / max_processes set them for one assignment
    # (08-architectures builds VGG-16/19 and ResNet-50).
    overrides = {key: int(value) for key, value in config.get("limits", {}).items()
                 if key in ("memory_mb", "max_processes")}
    return SandboxLimits.from_course(course, gpu=job_gpu(course), cpus=job_cpus(course), **overrides)


def job_cpus(course) -> int:
    """One job's CPU allowance: the CPUs this process may use, shared by the ``[executor] workers``
    jobs that run at once (0 workers: one per core, so one CPU each)."""
    from grader.executors import default_workers
    from grader.sandbox.limits import available_cpus

    return max(1, available_cpus() // max(1, default_workers(course)))


def grade_submission(course, assignment: str, student: str, notebook_path: str | Path | None, *,
                     sandbox: bool = True, test_mode: bool = False, sha256: str = "",
                     stored_due=None) -> GradeResult:
    """Grade one submitted notebook and record it in the gradebook; never raises for a bad submission."""
    started = time.monotonic()
    result = GradeResult(assignment=assignment, student=student, sha256=sha256, sandboxed=sandbox)
    config = assignment_config(course, assignment)
    try:
        _grade(result, course, assignment, student, notebook_path, config, sandbox=sandbox,
               test_mode=test_mode, stored_due=stored_due)
    except Exception as exc:  # a bug or a broken assignment must not stop the other submissions
        result.status = "crashed"
        result.message = f"grading failed: {type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"
        result.details["grader_traceback"] = traceback.format_exc(limit=-8)
    result.seconds = round(time.monotonic() - started, 3)
    return result


def _grade(result: GradeResult, course, assignment, student, notebook_path, config, *, sandbox, test_mode,
           stored_due) -> None:
    if notebook_path is None or not Path(notebook_path).is_file():
        result.status, result.message = "no_submission", "no notebook was submitted"
        return
    folder = Path(notebook_path).parent
    submitted_at = late.read_timestamp(folder)

    # 1. Read and repair (nbgrader's sanitizing preprocessors).
    try:
        notebook = tamper.read_notebook(notebook_path)
    except tamper.InvalidNotebook as exc:
        result.status, result.message = "invalid_notebook", str(exc)
        record.save(None, course, assignment, student, timestamp=submitted_at, zero_all=True)
        return
    notebook, tamper_report = tamper.repair(notebook, course, assignment, student)
    result.details["tamper"] = tamper_report.to_dict()

    limits = sandbox_limits(course, config)
    limit_config = config.get("limits", {})
    with tempfile.TemporaryDirectory(prefix="cnnkit-job-") as tmp:
        run_dir = Path(tmp, "run")
        run_dir.mkdir()
        shutil.copyfile(notebook_path, run_dir / Path(notebook_path).name)
        # The notebook's datasets, as it may see them: the training split only (principle 1).
        write_notebook_data(course, config.get("datasets", []), run_dir / "data")

        # 2. Run the notebook in the sandbox; its kernel stays up for the judge.
        # 3. The hidden checks, outside the sandbox, against the student's code in that same kernel.
        notebook_seconds = float(limit_config.get("notebook_seconds", 600))
        with KernelSession(notebook, job_dir=run_dir, sandbox=sandbox, limits=limits) as session:
            execution = execute.execute(notebook, job_dir=run_dir, sandbox=sandbox, limits=limits,
                                        cell_seconds=float(limit_config.get("cell_seconds", 120)),
                                        notebook_seconds=notebook_seconds, session=session)
            result.details["execution"] = execution.to_dict()
            backend = judge.make_backend(notebook, session, execution, reload_dir=Path(tmp, "reload"),
                                         notebook_seconds=notebook_seconds, sandbox=sandbox, limits=limits)
            judge_started = time.monotonic()
            try:
                report = judge.run(course, assignment, backend=backend, test_mode=test_mode)
            finally:
                backend.close()
            judge_seconds = time.monotonic() - judge_started
        result.details["judge_process"] = backend.summary()
        result.details["phases"] = phases(execution.seconds, judge_seconds, backend.op_seconds)
    result.details["judge"] = report
    result.judge_points, result.judge_max = float(report["points"]), float(report["max_points"])

    cells = record.notebook_scores(notebook)
    result.details["cells"] = cells
    result.notebook_max = sum(c["max_points"] for c in cells.values() if not c["manual"])
    result.manual_max = sum(c["max_points"] for c in cells.values() if c["manual"])
    result.notebook_points = sum(c["points"] or 0.0 for c in cells.values() if not c["manual"])
    tampered = tamper_report.tampered or bool(execution.guard_changes)
    if execution.guard_changes:
        # The kernel's own checking machinery was replaced: its test cells prove nothing.
        result.notebook_points = 0.0
    result.status = worst(execution.status, "tampered" if tampered else "graded")
    result.message = "; ".join(m for m in [execution.message, *tamper_report.messages(),
                                           _guard_message(execution.guard_changes)] if m)

    # 4. Late penalty.
    late_facts = late.assess(config, submitted_at=submitted_at, earned=result.notebook_points + result.judge_points,
                             stored_due=stored_due)
    result.details["late"] = late_facts
    result.late_penalty = late_facts["penalty"]

    # 5. Record, as nbgrader autograde would.
    if execution.guard_changes:
        _zero_test_cells(notebook)
    record.save(notebook, course, assignment, student, timestamp=submitted_at, late_penalty=result.late_penalty,
                judge_points=result.judge_points)


def phases(notebook_seconds: float, judge_seconds: float, op_seconds: dict[str, float]) -> dict[str, float]:
    """Where one submission's worker time went: the notebook run (kernel start, cells, interrupts), the
    judge's checks other than training, and the trainings (``train_predict``: train, predict, data)."""
    training = float(op_seconds.get("train_predict", 0.0))
    return {"notebook": round(notebook_seconds, 3), "judge": round(max(0.0, judge_seconds - training), 3),
            "training": round(training, 3)}


def _guard_message(changes: list[str]) -> str:
    if not changes:
        return ""
    return ("the notebook replaced functions the tests rely on (" + ", ".join(changes[:5])
            + "); the notebook's test cells earn no points")


def _zero_test_cells(notebook) -> None:
    """Mark every test cell failed, so the gradebook agrees with the zero we give."""
    for cell in notebook.cells:
        if execute.is_graded_test_cell(cell):
            cell.outputs = [o for o in cell.get("outputs", []) if o.get("output_type") != "error"]
            cell.outputs.append(execute.error_output("TamperedRuntime", "the notebook's runtime was tampered with"))


def grade_job(course_root: str, assignment: str, student: str, notebook_path: str | None, sandbox: bool,
              test_mode: bool, sha256: str, stored_due=None) -> GradeResult:
    """The function a worker process runs (arguments are plain data so they pickle)."""
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("MPLBACKEND", "Agg")
    from grader.course import find_course

    course = find_course(course_root)
    return grade_submission(course, assignment, student, notebook_path, sandbox=sandbox, test_mode=test_mode,
                            sha256=sha256, stored_due=stored_due)
