"""What a student finds beside an assignment's notebook: the facts, ``README.md``, ``requirements.txt``.

    facts = assignment_facts(source)            # assignment.toml, checked
    requirements_txt(codes)                     # pinned from what the code imports
    render_readme(facts, ...)                   # due date, points, late rule, how to hand in

Everything here is generated from ``assignment.toml``, ``grader.toml`` and the
released notebook itself, never written per assignment by hand. The starter
kits' README uses :func:`moment_text` and :func:`hand_in_place` too, so both
say the same things the same way.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from grader.errors import AssignmentError

LOADER_MODULE = "cnn_data"
KIT_PACKAGES = ("grader", "leaderboard")  # the instructor's kit: never on a student's machine


@dataclass(frozen=True)
class AssignmentFacts:
    """The student-facing facts of one assignment, read and checked from its ``assignment.toml``."""

    name: str
    title: str
    points: float
    due: datetime | None
    late_penalty_per_day: float
    late_penalty_max: float | None
    datasets: tuple[str, ...]


def assignment_facts(source) -> AssignmentFacts:
    """The facts of an :class:`~grader.assignments_source.AssignmentSource`; a wrong key is one clear error."""
    from grader.autograde.late import due_date

    config = source.config()
    path = source.config_path

    def number(key: str, default):
        value = config.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise AssignmentError(f"{path}: {key} must be a number of points (0 or more), got {value!r}.")
        return float(value)

    title = config.get("title", source.name)
    if not isinstance(title, str) or not title.strip():
        raise AssignmentError(f"{path}: title must be a non-empty string, got {title!r}.")
    datasets = config.get("datasets", [])
    if not isinstance(datasets, list) or not all(isinstance(d, str) for d in datasets):
        raise AssignmentError(f'{path}: datasets must be a list of dataset names, e.g. datasets = ["mnist"].')
    from grader.datasets import DATASET_NAMES

    unknown = [name for name in datasets if name not in DATASET_NAMES]
    if unknown:
        raise AssignmentError(f"{path}: datasets names an unknown dataset {unknown[0]!r}; "
                              f"known datasets: {', '.join(DATASET_NAMES)}.")
    try:
        due = due_date(config)
    except AssignmentError as exc:
        raise AssignmentError(f"{path}: {str(exc).removeprefix('assignment.toml: ')}") from None
    return AssignmentFacts(name=source.name, title=title.strip(), points=number("points", 100), due=due,
                           late_penalty_per_day=number("late_penalty_per_day", 0),
                           late_penalty_max=number("late_penalty_max", None), datasets=tuple(datasets))


# ---------------------------------------------------------------- requirements.txt


def imported_modules(code: str) -> set[str]:
    """The top-level names of the modules ``code`` imports (absolute imports, at any depth)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def requirements_txt(codes: dict[str, str], *, shipped: tuple[str, ...] = (LOADER_MODULE,)) -> str:
    """``requirements.txt`` for ``codes`` (where -> Python source): one line per distribution they import.

    Standard-library modules and the ``shipped`` modules (files in the same
    folder) need nothing. Each distribution is pinned to the major version
    installed here, the one the kit runs its tests and the grading with
    (``numpy==2.*``). An import of the kit itself, or of a package that is not
    installed here, is an error: a student could not run that notebook.
    """
    distributions = importlib.metadata.packages_distributions()
    lines: dict[str, str] = {}
    for where, code in codes.items():
        try:
            modules = imported_modules(code)
        except SyntaxError as exc:
            raise AssignmentError(f"{where} is not valid Python ({exc.msg}, line {exc.lineno}); fix it and release again.") from None
        for module in sorted(modules - set(shipped) - set(sys.stdlib_module_names) - {"__future__"}):
            if module in KIT_PACKAGES:
                raise AssignmentError(
                    f"{where} imports '{module}', which students do not have: load data with "
                    f"`from {LOADER_MODULE} import load_splits`, the loader that ships with the release.")
            candidates = distributions.get(module)
            if not candidates:
                raise AssignmentError(f"{where} imports '{module}', which is not installed here, so requirements.txt "
                                      "cannot pin it: install it where you run grader, or remove the import.")
            name = _pick_distribution(module, candidates)
            major = importlib.metadata.version(name).split(".")[0]
            lines[name] = f"{name}=={major}.*"
    header = [f"# The packages this folder's code imports, at the major versions cnnkit tests it with "
              f"(Python {sys.version_info.major}.{sys.version_info.minor}).",
              "# pip install -r requirements.txt"]
    return "\n".join(header + [lines[name] for name in sorted(lines)]) + "\n"


def _pick_distribution(module: str, candidates: list[str]) -> str:
    names = sorted({_canonical(name) for name in candidates})
    return _canonical(module) if _canonical(module) in names else names[0]


def _canonical(name: str) -> str:
    """A distribution's name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def notebook_code(notebook) -> list[str]:
    """The code cells of a notebook as plain Python (IPython's ``%magics`` and ``!shell`` lines dropped)."""
    from grader.judge.source import plain_python

    return [plain_python(cell.source) for cell in notebook.cells if cell.cell_type == "code"]


# ---------------------------------------------------------------- README.md


def moment_text(moment: datetime, timezone_name: str) -> str:
    """A deadline as students read it: ``Tuesday 2026-12-01 23:59 (Asia/Seoul, UTC+09:00)``."""
    from zoneinfo import ZoneInfo

    local = moment.astimezone(ZoneInfo(timezone_name))
    offset = local.strftime("%z")
    clock = "%H:%M:%S" if local.second else "%H:%M"
    return f"{local.strftime(f'%A %Y-%m-%d {clock}')} ({timezone_name}, UTC{offset[:3]}:{offset[3:]})"


def hand_in_place(server_url: str) -> str:
    """Where students hand in: the class server when grader.toml's ``[server] url`` is set."""
    return f"on the class server, <{server_url}>" if server_url else "as your instructor says"


def late_rule_text(facts: AssignmentFacts) -> str:
    """The late-penalty rule in words, as :mod:`grader.autograde.late` applies it."""
    if facts.due is None:
        return "No due date is set yet: your instructor will announce it."
    if not facts.late_penalty_per_day:
        return "Work handed in after the due date is graded without a penalty."
    cap = (f"at most {facts.late_penalty_max:g} points in all" if facts.late_penalty_max is not None
           else "up to all the points")
    return (f"{facts.late_penalty_per_day:g} points off for each started day after the due date "
            f"(a notebook one minute late is one day late), {cap}; a grade never goes below zero.")


def render_readme(facts: AssignmentFacts, *, notebook_name: str, files: list[tuple[str, str]],
                  test_points: float, manual_points: float, timezone: str, server_url: str) -> str:
    """The README of a released assignment (``files``: (name, what it is) for each file in the folder)."""
    due = moment_text(facts.due, timezone) if facts.due is not None else "not set yet"
    hidden = facts.points - test_points - manual_points
    parts = [f"{test_points:g} from the test cells in the notebook", f"{manual_points:g} for your written answers"]
    if hidden > 0:
        parts.append(f"{hidden:g} from more checks that run when your notebook is graded")
    points = f"{facts.points:g}" + (": " + ", ".join(parts) if test_points or manual_points else "")
    lines = [
        f"# {facts.title}", "",
        f"Assignment `{facts.name}`.", "",
        "| | |", "| --- | --- |",
        f"| **Due** | {due} |",
        f"| **Points** | {points} |",
        f"| **Late work** | {late_rule_text(facts)} |",
        f"| **Hand in** | `{notebook_name}`, {hand_in_place(server_url)} |", "",
        "## What is in this folder", "",
        "| file | what it is |", "| --- | --- |",
        *[f"| `{name}` | {what} |" for name, what in files], "",
        "Keep these files together: the notebook imports `cnn_data.py`, which finds the data in `data/` next to "
        "the notebook. The same loader and the same data are used when your notebook is graded.", "",
        "## Working on your computer", "",
        "With Python 3 installed, in this folder:", "",
        "```",
        "python3 -m venv .venv",
        "source .venv/bin/activate        # Windows: .venv\\Scripts\\activate",
        "pip install -r requirements.txt jupyterlab",
        f"jupyter lab {notebook_name}",
        "```", "",
        "## Working on Google Colab", "",
        f"1. Open <https://colab.research.google.com>, then *File → Upload notebook* and choose `{notebook_name}`.",
        "2. In the *Files* pane (the folder icon on the left), upload `cnn_data.py` and the files in `data/`. "
        "The loader looks in `data/` and in the notebook's own folder, so the data files may sit beside the notebook.",
        "3. Colab already has the packages; if an import fails, upload `requirements.txt` and run "
        "`!pip install -r requirements.txt` in a cell.",
        "4. Colab deletes uploaded files when the session ends: download your work with *File → Download → "
        "Download .ipynb* before you leave.", "",
        "## Handing in", "",
        f"- Hand in the notebook `{notebook_name}` alone, with its name unchanged, {hand_in_place(server_url)}.",
        "- Before you hand it in, run *Restart Kernel and Run All Cells*: it must run from top to bottom.",
        "- Write your code where it says `# YOUR CODE HERE` and your answers where it says `YOUR ANSWER HERE`; "
        "leave the other cells as they are (they are checked against the originals).",
        f"- {late_rule_text(facts)}" if facts.due is None else f"- Due {due}. {late_rule_text(facts)}",
    ]
    return "\n".join(lines) + "\n"


def data_file_text(path: Path) -> str:
    """What a ``data/<name>.npz`` of the notebook view holds, for the README's file table."""
    import numpy as np

    with np.load(path, allow_pickle=False) as data:
        n_train, n_validation, n_practice = len(data["y_train"]), len(data["y_public"]), len(data["y_private"])
        shape = "×".join(str(d) for d in data["x_train"].shape[1:])
        classes = len(data["class_names"])
    practice = f", and {n_practice} practice test examples (not the graded ones)" if n_practice else ""
    return (f"`{path.stem}`: {n_train} training and {n_validation} validation examples ({shape}, {classes} classes)"
            f"{practice}. The training split only: the test sets stay with your instructor.")
