"""Make a small course with the fixture assignment released, for the autograde and hostile tests."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent / "fixture_assignment"
ASSIGNMENT = "fixture_assignment"

SMALL_LIMITS = {"sandbox": {"memory_mb": 512, "max_processes": 64, "tmp_mb": 64, "wall_seconds": 20},
                "executor": {"workers": 2}}


def make_course(root: Path, *, settings: dict | None = None):
    """A course at ``root`` holding only the fixture assignment, released through nbgrader."""
    from grader.assignments_source import AssignmentSource, write_source
    from grader.course import find_course, init_course, load_config, render_config
    from grader.release import release_assignments

    course = init_course(root)
    shutil.rmtree(course.path("source"))
    course.path("source").mkdir()
    shutil.rmtree(course.path("assignments"))
    shutil.copytree(FIXTURE, course.path("assignments", ASSIGNMENT), ignore=shutil.ignore_patterns("__pycache__"))
    values = load_config(course.path("grader.toml"))
    for section, keys in (SMALL_LIMITS if settings is None else settings).items():
        values[section].update(keys)
    course.path("grader.toml").write_text(render_config(values), encoding="utf-8")
    course = find_course(root)
    write_source(AssignmentSource(ASSIGNMENT, course.path("assignments", ASSIGNMENT)), course.path("source"))
    release_assignments(course, [ASSIGNMENT])
    return course


def released_notebook(course) -> dict:
    return json.loads(course.path("release", ASSIGNMENT, f"{ASSIGNMENT}.ipynb").read_text(encoding="utf-8"))


def solved_notebook(course) -> dict:
    """The released notebook with the solution filled in (what an honest, good student hands in)."""
    notebook = released_notebook(course)
    answers = {
        "double": "def double(x):\n    return np.asarray(x, dtype=np.float64) * 2\n",
        "clip01": "def clip01(x):\n    return np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)\n",
        "explain": "Because clipping keeps values in range.",
    }
    for cell in notebook["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id]
    return notebook


def submit(course, student: str, notebook: dict | bytes | str, *, when: datetime | None = None) -> Path:
    """Put a submission where nbgrader expects it: submitted/<student>/<assignment>/ + timestamp.txt."""
    folder = course.path("submitted", student, ASSIGNMENT)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{ASSIGNMENT}.ipynb"
    if isinstance(notebook, dict):
        path.write_text(json.dumps(notebook), encoding="utf-8")
    elif isinstance(notebook, bytes):
        path.write_bytes(notebook)
    else:
        path.write_text(notebook, encoding="utf-8")
    when = when or datetime(2026, 1, 1, tzinfo=timezone.utc)
    (folder / "timestamp.txt").write_text(when.strftime("%Y-%m-%d %H:%M:%S.%f %Z"), encoding="utf-8")
    return path
