"""HTML feedback per student: ``feedback/<student>/<assignment>/feedback.html``.

Built from the newest Grade row of each student (the store), never from the
judge's raw output: a student sees each check's name, whether it passed, its
points and the check's own message -- written by the assignment's author not
to reveal hidden expected values -- plus, for training checks, a learning
curve, a confusion matrix and the time used when the judge's ``extra`` carries
them. Jinja2 with autoescape: nothing a student wrote can become markup.
"""

from __future__ import annotations

import base64
import io
import os
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _environment():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]))


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def learning_curve(history: dict) -> str | None:
    """A small PNG (data URL) of loss and accuracy per epoch, or None without a history."""
    series = {k: v for k, v in (history or {}).items() if isinstance(v, list) and v and k in
              ("loss", "accuracy", "val_loss", "val_accuracy")}
    if not series:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(4, 2.5))
    for name, values in series.items():
        axis.plot(range(1, len(values) + 1), [float(v) for v in values], marker="o", label=name)
    axis.set_xlabel("epoch")
    axis.legend()
    try:
        return _png(figure)
    finally:
        plt.close(figure)


def confusion_matrix_image(matrix, class_names=None) -> str | None:
    if not matrix:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    values = np.asarray(matrix, dtype=float)
    figure, axis = plt.subplots(figsize=(3.5, 3.5))
    axis.imshow(values, cmap="Blues")
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    if class_names and len(class_names) == values.shape[0]:
        axis.set_xticks(range(len(class_names)), [str(c) for c in class_names], rotation=90, fontsize=6)
        axis.set_yticks(range(len(class_names)), [str(c) for c in class_names], fontsize=6)
    try:
        return _png(figure)
    finally:
        plt.close(figure)


STATUS_TEXT = {
    "graded": "Graded.",
    "timeout": "Your notebook ran past its time limit; the cells after that point earned no points.",
    "memory_limit": "Your notebook used more memory than allowed; the cells after that point earned no points.",
    "crashed": "Your notebook's kernel stopped; the cells after that point earned no points.",
    "tampered": "Parts of the notebook you may not change were changed; they were restored before grading.",
    "invalid_notebook": "The file you handed in could not be read as a Jupyter notebook.",
    "no_submission": "No submission was found.",
}


def feedback_context(grade) -> dict:
    """What the template shows for one Grade row (only student-safe fields)."""
    details = grade.details or {}
    judge = details.get("judge") or {}
    checks = []
    for check in judge.get("checks", []):
        extra = check.get("extra") or {}
        checks.append({
            "name": str(check.get("name", "")), "passed": bool(check.get("passed")),
            "points": float(check.get("points", 0)), "max_points": float(check.get("max_points", 0)),
            "message": str(check.get("message") or ""),
            "seconds": extra.get("seconds"), "epochs": extra.get("epochs_done"),
            "curve": learning_curve(extra.get("history")) if isinstance(extra, dict) else None,
            "confusion": confusion_matrix_image(extra.get("confusion_matrix"), extra.get("class_names")),
        })
    cells = [{"grade_id": gid, **info} for gid, info in (details.get("cells") or {}).items()]
    return {
        "assignment": grade.assignment, "student": grade.student_id, "status": grade.status,
        "status_text": STATUS_TEXT.get(grade.status, grade.status), "message": details.get("message", ""),
        "notebook_points": grade.notebook_points, "judge_points": grade.judge_points,
        "late_penalty": grade.late_penalty, "max_points": grade.max_points, "total": grade.total,
        "cells": cells, "checks": checks, "late": details.get("late") or {},
        "seconds": details.get("seconds"), "graded_at": grade.graded_at,
    }


def write_feedback(course, assignment: str, *, students: list[str] | None = None) -> list[Path]:
    """One ``feedback.html`` per graded student of ``assignment``; returns the paths written."""
    from grader.autograde.jobs import latest_grades
    from grader.errors import AssignmentError
    from grader.store import Store

    grades = latest_grades(Store.open(course), assignment)
    if students:
        grades = [g for g in grades if g.student_id in students]
    if not grades:
        raise AssignmentError(f"No grades for '{assignment}' yet. Run 'grader score {assignment}' first.")
    template = _environment().get_template("feedback.html.j2")
    written = []
    for grade in grades:
        folder = course.path("feedback", grade.student_id, assignment)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / "feedback.html"
        partial = folder / ".feedback.html.partial"
        partial.write_text(template.render(**feedback_context(grade)), encoding="utf-8")
        os.replace(partial, target)
        written.append(target)
    return written
