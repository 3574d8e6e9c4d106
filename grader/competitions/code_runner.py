"""Running a code competition's notebook: the sandbox writes ``submission.csv``, we score it.

For ``kind = "code"`` a team hands in a notebook. :func:`run_code_submission`
gives it a fresh job directory holding a read-only copy of the released kit
(training data, test inputs, ``sample_submission.csv``; never ``solution.csv``),
runs it in the sandboxed kernel (cwd ``/job``) within the competition's
``budget_seconds`` and the course's memory and process limits, then reads the
``submission.csv`` it left in ``/job`` and scores it exactly as an uploaded file
(:func:`grader.competitions.submit.score_predictions_file`).

Outcomes, as the submission's status:

* ``scored`` -- the notebook wrote a valid file (a cell that raised does not
  matter if the file is there: the file is what is judged);
* ``invalid`` -- the file it wrote fails validation (the one-line reason);
* ``failed`` -- no usable file: the notebook wrote none, wrote a link or a
  folder instead, ran past its budget, went over the memory limit or crashed.

As on Kaggle, a notebook that failed still used one of the team's daily
submissions: the count is made when the notebook is handed in (only a file that
is not a notebook is refused without counting), and ``failed`` is not
``invalid``, so nothing is given back later.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

from sqlalchemy import select

from grader.competitions.config import load_competition
from grader.competitions.kits import kit_folder
from grader.competitions.rules import KIND
from grader.store import Score, Submission

OUTPUT_NAME = "submission.csv"
NOTEBOOK_NAME = "submission.ipynb"
KERNEL_MARGIN_SECONDS = 30  # the sandbox's own wall clock is the backstop; our client's budget cuts in first
FAILED = "failed"


def run_code_submission(course, store, competition: str, submission_id: int, *, sandbox: bool = True) -> Score | None:
    """Run stored notebook ``submission_id`` of code competition ``competition``; its Score, or None.

    None when the run failed (status ``failed``) or the file it wrote was invalid
    (status ``invalid``); the submission's ``error`` then says why in one line.
    """
    with store.read() as session:
        digest = session.scalar(select(Submission.sha256).where(Submission.id == submission_id))
    outcome = run_code_notebook(str(course.root), competition, str(store.file_path(digest)), sandbox)
    return record_code_outcome(course, store, competition, submission_id, outcome)


def run_code_notebook(course_root: str, competition: str, notebook_path: str, sandbox: bool = True) -> dict:
    """The worker's half (plain arguments and result, so it runs in a pool or on a Dask worker):
    run the notebook in the sandbox; ``{"data": bytes}`` of the submission.csv it wrote, or ``{"error": why}``."""
    from grader.course import find_course

    course = find_course(course_root)
    cfg = load_competition(course, competition)
    kit = kit_folder(course, cfg.name)
    # Short paths: the kernel's Unix sockets live in the job directory (sun_path is 108 bytes).
    with tempfile.TemporaryDirectory(prefix="cnnkit-code-") as tmp:
        job_dir = Path(tmp, "job")
        copy_kit(kit, job_dir)
        shutil.copyfile(notebook_path, job_dir / NOTEBOOK_NAME)
        error = _run_notebook(course, cfg, job_dir, sandbox=sandbox)
        if error is None:
            data, error = read_output(job_dir / OUTPUT_NAME, cfg.max_bytes)
    return {"error": error} if error is not None else {"data": data}


def record_code_outcome(course, store, competition: str, submission_id: int, outcome: dict) -> Score | None:
    """The parent's half: score the file the notebook wrote (as an uploaded one), or record why it failed."""
    from grader.competitions.submit import score_predictions_file

    if outcome.get("error") is not None or not isinstance(outcome.get("data"), bytes):
        record_failed(store, submission_id, str(outcome.get("error") or "the notebook's run returned nothing"))
        return None
    with tempfile.TemporaryDirectory(prefix="cnnkit-code-out-") as tmp:
        predictions = Path(tmp, OUTPUT_NAME)
        predictions.write_bytes(outcome["data"])
        return score_predictions_file(course, store, competition, submission_id, predictions)


def record_code_job(course, session, job, outcome: dict) -> None:
    """The queue's version of :func:`record_code_outcome`: everything in the transaction that ends the job."""
    from grader.competitions.scoring import score_predictions
    from grader.competitions.solution import load_solution
    from grader.competitions.validation import SubmissionSpec, validate_submission
    from grader.errors import SubmissionError

    # The job's own submission, and the team's other pending submissions of the very same notebook.
    submissions = [session.get(Submission, job.submission_id), *session.scalars(select(Submission).where(
        Submission.kind == KIND, Submission.target == job.target, Submission.team_id == int(job.owner),
        Submission.sha256 == job.sha256, Submission.status == "pending", Submission.id != job.submission_id))]
    if outcome.get("error") is not None or not isinstance(outcome.get("data"), bytes):
        for submission in submissions:
            submission.status = FAILED
            submission.error = str(outcome.get("error") or "the notebook's run returned nothing")[:2000]
        return
    cfg = load_competition(course, job.target)
    solution = load_solution(cfg)
    try:
        parsed = validate_submission(outcome["data"], SubmissionSpec.for_competition(cfg, solution.ids),
                                     OUTPUT_NAME)
    except SubmissionError as exc:
        for submission in submissions:
            submission.status, submission.error = "invalid", f"The notebook's predictions are invalid: {exc}"[:2000]
        return
    public, private = score_predictions(cfg, solution, parsed.predictions)
    for submission in submissions:
        session.add(Score(submission_id=submission.id, metric=cfg.metric, public_score=public,
                          private_score=private))
        submission.status, submission.error = "scored", None


def copy_kit(kit: Path, job_dir: Path) -> None:
    """Read-only copies of the kit's files in ``job_dir`` (copies, not links: the kit stays intact)."""
    names = [p.relative_to(kit).as_posix() for p in kit.rglob("*")]
    assert not any(Path(n).name == "solution.csv" for n in names), f"{kit} holds a solution.csv: never copy it"
    shutil.copytree(kit, job_dir, symlinks=False)
    for path in job_dir.rglob("*"):
        if path.is_file():
            path.chmod(0o444)
    job_dir.chmod(0o755)


def _run_notebook(course, cfg, job_dir: Path, *, sandbox: bool) -> str | None:
    """Execute the notebook in the sandboxed kernel; a one-line reason when the run itself failed."""
    import nbformat

    from grader.autograde import execute
    from grader.autograde.pipeline import sandbox_limits

    try:
        notebook = nbformat.reads((job_dir / NOTEBOOK_NAME).read_text(encoding="utf-8-sig"), as_version=4)
    except Exception as exc:
        return f"the notebook could not be read: {str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__}"
    budget = float(cfg.budget_seconds)
    limits = sandbox_limits(course, {})
    limits = limits.replace(wall_seconds=max(limits.wall_seconds, budget + KERNEL_MARGIN_SECONDS))
    report = execute.execute(notebook, job_dir=job_dir, cell_seconds=budget, notebook_seconds=budget,
                             sandbox=sandbox, limits=limits)
    if report.status == "timeout":
        return f"the notebook ran past its time budget of {cfg.budget_seconds} s"
    if report.status == "memory_limit":
        return f"the notebook went over the memory limit of {limits.memory_mb} MiB"
    if report.status != "graded":
        return f"the notebook crashed: {report.message}"
    if not (job_dir / OUTPUT_NAME).exists() and not os.path.islink(job_dir / OUTPUT_NAME):
        return f"the notebook wrote no {OUTPUT_NAME}" + _first_error(notebook)
    return None


def _first_error(notebook) -> str:
    """`` (cell 3 raised ValueError: ...)`` for the first cell that raised, else nothing."""
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "error":
                evalue = str(output.get("evalue", "")).splitlines()[0][:150] if output.get("evalue") else ""
                return f" (cell {index + 1} raised {output.get('ename', 'an error')}{': ' + evalue if evalue else ''})"
    return ""


def read_output(path: Path, max_bytes: int) -> tuple[bytes, str | None]:
    """The bytes of the plain file at ``path`` (never through a link), or a one-line reason."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return b"", f"the notebook wrote no {OUTPUT_NAME}"
    except OSError:
        return b"", f"{OUTPUT_NAME} is a symbolic link or cannot be opened; write the predictions into the file itself"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return b"", f"{OUTPUT_NAME} is not a plain file; write the predictions into a file"
        if info.st_size > max_bytes:
            return b"", f"{OUTPUT_NAME} is {info.st_size} bytes; the limit is {max_bytes} bytes"
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(max_bytes + 1)
        if len(data) > max_bytes:
            return b"", f"{OUTPUT_NAME} is over the limit of {max_bytes} bytes"
        return data, None
    finally:
        os.close(fd)


def record_failed(store, submission_id: int, error: str) -> None:
    with store.transaction() as session:
        row = session.get(Submission, submission_id)
        row.status, row.error = FAILED, error


def pending_code_submissions(store, competition: str, *, rescore: bool = False) -> list[int]:
    """Ids of the notebooks still to run (with ``rescore``: the scored ones again too), oldest first."""
    wanted = ("pending", "scored") if rescore else ("pending",)
    with store.read() as session:
        return list(session.scalars(select(Submission.id).where(
            Submission.kind == KIND, Submission.target == competition, Submission.status.in_(wanted))
            .order_by(Submission.id)))


def run_pending(course, store, competition: str, *, rescore: bool = False, sandbox: bool = True,
                executor=None) -> int:
    """Run every pending notebook of ``competition`` through the grading queue (the server's dispatcher
    does the same); how many submissions were run."""
    from grader import queue
    from grader.dispatcher import Dispatcher
    from grader.executors import LocalPoolExecutor

    todo = pending_code_submissions(store, competition, rescore=rescore)
    if not todo:
        return 0
    job_ids = []
    with store.transaction() as session:
        for submission_id in todo:
            row = session.get(Submission, submission_id)
            if rescore and row.status == "scored":
                row.status = "pending"
            job = queue.enqueue(session, kind=queue.COMPETITION, target=competition, owner=str(row.team_id),
                                sha256=row.sha256, submission_id=row.id, rescore=rescore)
            if job is not None:
                job_ids.append(job.id)
    own = executor is None
    executor = executor or LocalPoolExecutor(1, stderr_log=course.path("logs", "grading.log"))
    try:
        Dispatcher(course, store, executor, capacity=getattr(executor, "workers", 1), sandbox=sandbox).drain(job_ids)
    finally:
        if own:
            executor.close()
    return len(todo)
