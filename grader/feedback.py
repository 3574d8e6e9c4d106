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
import math
import os
from contextlib import contextmanager
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _environment():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]))


@contextmanager
def _figure(size: tuple[float, float]):
    """A matplotlib figure and axis in cnnkit's fonts (Korean labels render), closed afterwards."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from grader.plot_fonts import plot_style

    with matplotlib.rc_context(plot_style()):
        figure, axis = plt.subplots(figsize=size)
        try:
            yield figure, axis
        finally:
            plt.close(figure)


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


CURVE_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")


def learning_curve(history: dict) -> str | None:
    """A small PNG (data URL) of loss and accuracy per epoch, or None without a history."""
    series = {}
    for key, values in (history or {}).items() if isinstance(history, dict) else ():
        if key in CURVE_KEYS and isinstance(values, list):
            points = [(epoch, float(v)) for epoch, v in enumerate(values, start=1)
                      if isinstance(v, (int, float)) and not isinstance(v, bool)]
            if points:
                series[key] = points
    if not series:
        return None
    with _figure((4, 2.5)) as (figure, axis):
        for name, points in series.items():
            axis.plot([epoch for epoch, _ in points], [value for _, value in points], marker="o", label=name)
        axis.set_xlabel("epoch")
        axis.legend()
        return _png(figure)


def confusion_table(matrix, class_names=None) -> dict | None:
    """``{"labels": [...], "rows": [[...], ...]}`` for the template, or None when ``matrix`` is not square counts."""
    if not isinstance(matrix, list) or not matrix or len(matrix) > 100:
        return None
    size = len(matrix)
    rows = []
    for row in matrix:
        if not isinstance(row, list) or len(row) != size or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in row):
            return None
        rows.append([int(v) for v in row])
    names = class_names if isinstance(class_names, list) and len(class_names) == size else range(size)
    return {"labels": [str(name) for name in names], "rows": rows}


def confusion_matrix_image(matrix, class_names=None) -> str | None:
    """A heatmap PNG (data URL) of a confusion matrix, or None when there is none."""
    table = confusion_table(matrix, class_names)
    if table is None:
        return None
    matrix, class_names = table["rows"], table["labels"]
    import numpy as np

    values = np.asarray(matrix, dtype=float)
    with _figure((3.5, 3.5)) as (figure, axis):
        axis.imshow(values, cmap="Blues")
        axis.set_xlabel("predicted")
        axis.set_ylabel("true")
        if class_names and len(class_names) == values.shape[0]:
            axis.set_xticks(range(len(class_names)), [str(c) for c in class_names], rotation=90, fontsize=6)
            axis.set_yticks(range(len(class_names)), [str(c) for c in class_names], fontsize=6)
        return _png(figure)


STATUS_TEXT = {
    "graded": "Graded.",
    "timeout": "Your notebook ran past its time limit; the cells after that point earned no points.",
    "memory_limit": "Your notebook used more memory than allowed; the cells after that point earned no points.",
    "crashed": "Your notebook's kernel stopped; the cells after that point earned no points.",
    "tampered": "Parts of the notebook you may not change were changed; they were restored before grading.",
    "invalid_notebook": "The file you handed in could not be read as a Jupyter notebook.",
    "no_submission": "No submission was found.",
}


def training_runs(extra: dict) -> list[dict]:
    """One entry per training in a check: label, epochs, seconds and learning-curve image.

    The judge's plugin records ``extra["training"]`` (a list, one per
    ``train_predict`` call); a check with top-level ``history`` /
    ``epochs_done`` (an older report) counts as one run.
    """
    runs = extra.get("training")
    if not isinstance(runs, list):
        runs = [extra] if "history" in extra or "epochs_done" in extra else []
    shown = []
    for run in runs:
        if not isinstance(run, dict):
            continue
        label = str(run.get("builder") or "model")
        if run.get("augment"):
            label += f" (with {run['augment']})"
        epochs = run.get("epochs_done")
        # A legacy report's top-level "seconds" is the whole check's time, shown with the check.
        seconds = run.get("seconds") if run is not extra else None
        shown.append({
            "label": label,
            "epochs": int(epochs) if isinstance(epochs, (int, float)) and not isinstance(epochs, bool) else None,
            "seconds": float(seconds) if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) else None,
            "curve": learning_curve(run.get("history")),
        })
    return shown


PHASES = ("notebook", "judge", "training")


def phase_seconds(details: dict) -> dict | None:
    """``{"notebook": s, "judge": s, "training": s}`` from a grade's details, or None when it has none."""
    phases = details.get("phases")
    if not isinstance(phases, dict):
        return None
    shown = {}
    for name in PHASES:
        value = phases.get(name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return None
        shown[name] = float(value)
    return shown


def feedback_context(grade) -> dict:
    """What the template shows for one grade record (:class:`grader.grades.GradeRecord`; only student-safe fields)."""
    details = grade.details or {}
    judge = details.get("judge") or {}
    checks = []
    for check in judge.get("checks", []):
        extra = check.get("extra") if isinstance(check.get("extra"), dict) else {}
        seconds = extra.get("seconds")
        checks.append({
            "name": str(check.get("name", "")), "passed": bool(check.get("passed")),
            "points": float(check.get("points", 0)), "max_points": float(check.get("max_points", 0)),
            "message": str(check.get("message") or ""),
            "seconds": float(seconds) if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) else None,
            "runs": training_runs(extra),
            "confusion_table": confusion_table(extra.get("confusion_matrix"), extra.get("class_names")),
            "confusion": confusion_matrix_image(extra.get("confusion_matrix"), extra.get("class_names")),
        })
    cells = [{"grade_id": gid, **info} for gid, info in (details.get("cells") or {}).items()]
    return {
        "assignment": grade.assignment, "student": grade.student, "status": grade.status,
        "status_text": STATUS_TEXT.get(grade.status, grade.status), "message": details.get("message", ""),
        "notebook_points": grade.notebook_points, "judge_points": grade.judge_points,
        "manual_points": grade.manual_points, "manual_max": grade.manual_max,
        "manual_pending": grade.manual_pending,
        "late_penalty": grade.late_penalty, "max_points": grade.max_points, "total": grade.total,
        "cells": cells, "checks": checks, "late": details.get("late") or {},
        "seconds": details.get("seconds"), "phases": phase_seconds(details), "graded_at": grade.graded_at,
    }


def render_feedback(grade) -> str:
    """The feedback page of one grade record as HTML text."""
    return _environment().get_template("feedback.html.j2").render(**feedback_context(grade))


def write_feedback(course, assignment: str, *, students: list[str] | None = None) -> list[Path]:
    """One ``feedback.html`` per graded student of ``assignment``; returns the paths written."""
    from grader.errors import AssignmentError
    from grader.grades import grade_records

    grades = grade_records(course, assignment=assignment)
    if students:
        grades = [g for g in grades if g.student in students]
    if not grades:
        raise AssignmentError(f"No grades for '{assignment}' yet. Run 'grader score {assignment}' first.")
    written = []
    for grade in grades:
        folder = course.path("feedback", grade.student, assignment)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / "feedback.html"
        partial = folder / ".feedback.html.partial"
        partial.write_text(render_feedback(grade), encoding="utf-8")
        os.replace(partial, target)
        written.append(target)
    return written
