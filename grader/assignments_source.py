"""Assignment sources: diff-friendly jupytext files turned into nbgrader notebooks.

Each shipped assignment lives in ``assignments/<id>/`` as

* ``<id>.py`` — the instructor notebook in jupytext's percent format. A cell header
  carries a short ``nbgrader`` tag instead of nbgrader's full metadata::

      # %% [markdown]                                   explanation (locked)
      # %% nbgrader="solution" grade_id="normalize"     student writes code here
      # %% nbgrader="tests" grade_id="test_normalize" points=5
      # %% [markdown] nbgrader="manual" grade_id="why" points=10

* ``assignment.toml`` — title, topic, points, time limits, training budgets.
* ``judge/test_*.py`` — hidden pytest checks (never shipped to students).
* ``mutants/*.py`` — plausible wrong solutions used by ``grader check``.

The ``.ipynb`` with nbgrader metadata is generated from ``<id>.py``; it is never
edited by hand.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from grader.errors import AssignmentError

ASSIGNMENTS_DIR = Path(__file__).resolve().parent.parent / "assignments"

# The locked grade cell that carries the judge's hidden checks in nbgrader's gradebook. The autograder
# sets its score (grader.autograde.record), so nbgrader export and the formgrader add up the same total.
JUDGE_CELL = "hidden_checks"
JUDGE_CELL_SOURCE = ("# Hidden checks ({points:g} points): after you hand in, the course's judge runs them on the\n"
                     "# functions you wrote above. This cell does nothing when you run it; do not change or delete it.")

KINDS = {
    # kind: (solution, grade, locked)
    None: (False, False, True),
    "solution": (True, False, False),
    "tests": (False, True, True),
    "manual": (True, True, False),
}


@dataclass(frozen=True)
class AssignmentSource:
    """A shipped (or course-local) assignment folder."""

    name: str
    folder: Path

    @property
    def notebook_source(self) -> Path:
        return self.folder / f"{self.name}.py"

    @property
    def config_path(self) -> Path:
        return self.folder / "assignment.toml"

    @property
    def judge_dir(self) -> Path:
        return self.folder / "judge"

    @property
    def mutants_dir(self) -> Path:
        return self.folder / "mutants"

    def config(self) -> dict[str, Any]:
        try:
            return tomllib.loads(self.config_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise AssignmentError(f"{self.config_path} is missing: every assignment needs an assignment.toml.") from None
        except tomllib.TOMLDecodeError as exc:
            raise AssignmentError(f"{self.config_path} is not valid TOML: {exc}.") from None


def shipped_assignments(root: Path = ASSIGNMENTS_DIR) -> list[AssignmentSource]:
    """Every assignment folder that has a notebook source, sorted by name."""
    if not root.is_dir():
        return []
    found = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if (folder / f"{folder.name}.py").is_file():
            found.append(AssignmentSource(folder.name, folder))
    return found


def get_assignment(name: str, root: Path = ASSIGNMENTS_DIR) -> AssignmentSource:
    for assignment in shipped_assignments(root):
        if assignment.name == name:
            return assignment
    known = ", ".join(a.name for a in shipped_assignments(root)) or "none"
    raise AssignmentError(f"Unknown assignment '{name}'. Known assignments: {known}.")


def build_notebook(source: Path, *, judge_points: float = 0.0):
    """Read a percent-format source and return an nbformat notebook with nbgrader metadata.

    With ``judge_points`` the notebook ends with the hidden checks' grade cell (:data:`JUDGE_CELL`).
    """
    import jupytext
    import nbformat

    try:
        notebook = jupytext.read(source, fmt="py:percent")
    except Exception as exc:  # jupytext raises many types on bad input
        raise AssignmentError(f"{source} is not a valid jupytext percent file: {exc}.") from None
    seen: set[str] = set()
    for index, cell in enumerate(notebook.cells):
        for jupytext_key in ("lines_to_next_cell", "cell_marker", "region_name"):
            cell.metadata.pop(jupytext_key, None)
        kind = cell.metadata.pop("nbgrader", None)
        if kind not in KINDS:
            raise AssignmentError(f"{source}: cell {index + 1} has nbgrader={kind!r}; use one of solution, tests, manual.")
        grade_id = cell.metadata.pop("grade_id", None) or f"cell-{index:03d}"
        points = cell.metadata.pop("points", None)
        if grade_id == JUDGE_CELL:
            raise AssignmentError(f"{source}: grade_id {JUDGE_CELL!r} is reserved for the hidden checks' cell.")
        if grade_id in seen:
            raise AssignmentError(f"{source}: grade_id {grade_id!r} is used twice; every cell needs its own.")
        seen.add(grade_id)
        solution, grade, locked = KINDS[kind]
        if grade and not isinstance(points, (int, float)):
            raise AssignmentError(f"{source}: cell {grade_id!r} is graded and needs points=N.")
        if kind == "manual" and cell.cell_type != "markdown":
            raise AssignmentError(f"{source}: manual cell {grade_id!r} must be a markdown cell.")
        meta: dict[str, Any] = {
            "grade": grade,
            "grade_id": grade_id,
            "locked": locked,
            "schema_version": 3,
            "solution": solution,
        }
        if grade:
            meta["points"] = points
        if kind == "tests" or (kind is None and cell.cell_type == "code"):
            meta["locked"] = True
        cell.metadata["nbgrader"] = meta
        if kind == "manual":
            # nbgrader's manual cells start with the answer placeholder.
            cell.source = cell.source or "YOUR ANSWER HERE"
    if judge_points > 0:
        notebook.cells.append(judge_cell(judge_points))
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    notebook.metadata["language_info"] = {"name": "python"}
    notebook.metadata.pop("jupytext", None)
    nbformat.validate(notebook)
    return notebook


def write_source(assignment: AssignmentSource, source_root: Path) -> Path:
    """Write ``source_root/<id>/<id>.ipynb``, the nbgrader source notebook.

    Only the notebook goes to ``source/``: nbgrader's generate step copies every
    file of ``source/<id>/`` into the release, so the judge and the mutants stay
    in ``<course>/assignments/<id>/``.
    """
    import nbformat

    target = source_root / assignment.name
    target.mkdir(parents=True, exist_ok=True)
    notebook = build_notebook(assignment.notebook_source, judge_points=judge_points(assignment))
    path = target / f"{assignment.name}.ipynb"
    nbformat.write(notebook, path)
    return path


def judge_cell(points: float):
    """The locked grade cell whose score is the judge's points (a code cell: nbgrader scores it by its output)."""
    from nbformat.v4 import new_code_cell

    cell = new_code_cell(JUDGE_CELL_SOURCE.format(points=points))
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": JUDGE_CELL, "locked": True, "points": points,
                                 "schema_version": 3, "solution": False}
    return cell


def cell_points(notebook) -> dict[str, float]:
    """Points of the notebook's grade cells by role: ``tests`` (visible), ``manual`` (written), ``judge``."""
    points = {"tests": 0.0, "manual": 0.0, "judge": 0.0}
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            role = "judge" if meta.get("grade_id") == JUDGE_CELL else "manual" if meta.get("solution") else "tests"
            points[role] += float(meta.get("points", 0))
    return points


def judge_points(assignment: AssignmentSource) -> float:
    """The hidden checks' share of ``points`` in assignment.toml: what the notebook's cells do not carry.

    ``grader check`` proves it equals the judge's own total (its ``points`` markers).
    """
    visible = cell_points(build_notebook(assignment.notebook_source))
    return max(0.0, float(assignment.config().get("points", 0)) - visible["tests"] - visible["manual"])
