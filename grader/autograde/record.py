"""Step 5: record the autograded cells into ``gradebook.db`` exactly as ``nbgrader autograde`` does.

nbgrader's Autograde converter creates the student and the submission (with
the timestamp from ``timestamp.txt``), then runs ``SaveAutoGrades`` on the
executed notebook: every graded cell gets its ``auto_score`` (an error output
is 0, otherwise full points), manual answers are left ``needs_manual_grade``
for the formgrader. We call the same preprocessor, then set the notebook's
``late_submission_penalty`` (what nbgrader's AssignLatePenalties writes) and
write the autograded notebook to ``autograded/<student>/<assignment>/``, so
``nbgrader formgrader``, ``nbgrader generate_feedback`` and ``nbgrader export``
work on the result.

Every gradebook access holds :func:`grader.autograde.common.gradebook_lock`.
"""

from __future__ import annotations

import os
import shutil
import warnings
from datetime import datetime
from pathlib import Path

from grader.assignments_source import JUDGE_CELL
from grader.autograde.common import gradebook_lock, nbgrader_resources


def autograded_folder(course, assignment: str, student: str) -> Path:
    return course.path("autograded", student, assignment)


def save(notebook, course, assignment: str, student: str, *, timestamp: datetime | None,
         late_penalty: float = 0.0, judge_points: float = 0.0, notebook_id: str | None = None,
         zero_all: bool = False) -> dict:
    """Write the grades of ``notebook`` to the gradebook; returns ``{grade_id: auto_score}``.

    ``judge_points`` becomes the score of the hidden checks' grade cell
    (:data:`grader.assignments_source.JUDGE_CELL`), so the gradebook's total is the kit's total.

    ``zero_all`` records a submission that could not be graded at all (not a
    notebook, no submission): every graded cell gets 0, as nbgrader does for a
    missing notebook.
    """
    import nbformat
    from nbgrader.api import Gradebook
    from nbgrader.preprocessors import SaveAutoGrades

    notebook_id = notebook_id or assignment
    resources = nbgrader_resources(course, assignment, student, notebook_id)
    with gradebook_lock(course), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbgrader's own SQLAlchemy autoflush warnings
        with Gradebook(course.gradebook_url) as gb:
            gb.update_or_create_student(student)
            if timestamp is not None:
                gb.update_or_create_submission(assignment, student, timestamp=timestamp)
            else:
                gb.update_or_create_submission(assignment, student)
        if zero_all:
            _zero_all(course, assignment, student, notebook_id)
        else:
            set_judge_score(notebook, judge_points)
            SaveAutoGrades().preprocess(notebook, resources)
        with Gradebook(course.gradebook_url) as gb:
            submitted = gb.find_submission_notebook(notebook_id, assignment, student)
            submitted.late_submission_penalty = float(late_penalty) if late_penalty else None
            gb.db.commit()
            scores = {grade.name: grade.auto_score for grade in submitted.grades}
    if not zero_all:
        folder = autograded_folder(course, assignment, student)
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f".{notebook_id}.ipynb.partial"
        nbformat.write(notebook, str(partial))
        os.replace(partial, folder / f"{notebook_id}.ipynb")
        stamp = course.path("submitted", student, assignment, "timestamp.txt")
        if stamp.is_file():
            shutil.copyfile(stamp, folder / "timestamp.txt")
    return scores


def _zero_all(course, assignment: str, student: str, notebook_id: str) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(course.gradebook_url) as gb:
        submitted = gb.find_submission_notebook(notebook_id, assignment, student)
        for grade in submitted.grades:
            grade.auto_score = 0
            grade.needs_manual_grade = False
        gb.db.commit()


def set_judge_score(notebook, points: float) -> None:
    """Give the hidden checks' cell the judge's points, as nbgrader reads partial credit: its only
    output is an ``execute_result`` holding the number (whatever the kernel printed there is dropped)."""
    from nbformat.v4 import new_output

    for cell in notebook.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade_id") == JUDGE_CELL:
            earned = min(max(0.0, float(points)), float(meta.get("points", 0)))
            cell.outputs = [new_output("execute_result", data={"text/plain": repr(round(earned, 6))},
                                       execution_count=None)]


def notebook_scores(notebook) -> dict:
    """Per graded notebook cell: points earned by nbgrader's rule (``None`` = waits for manual grading)
    and max. The hidden checks' cell is the judge's, reported with the judge's checks instead."""
    from nbgrader import utils

    scores = {}
    for cell in notebook.cells:
        if utils.is_grade(cell) and cell.metadata["nbgrader"].get("grade_id") != JUDGE_CELL:
            earned, maximum = utils.determine_grade(cell)
            scores[cell.metadata["nbgrader"]["grade_id"]] = {
                "points": earned, "max_points": maximum, "manual": utils.is_solution(cell)}
    return scores
