"""The student's code, taken out of a notebook, as the judge's backends run it.

Every code cell counts except nbgrader's test cells (``grade: true`` and
``solution: false``: the visible checks, which belong to the notebook's own
autograding). IPython-only lines (``%magic``, ``!shell``) are dropped, since
the code runs as plain Python. Cells are joined in jupytext's percent format
(``# %%`` between cells), which :func:`grader.judge.backend.split_cells` reads.
"""

from __future__ import annotations

from pathlib import Path

from grader.judge.backend import CELL_MARKER


def is_test_cell(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


def is_solution_cell(cell) -> bool:
    return cell.get("cell_type") == "code" and bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution"))


def plain_python(source: str) -> str:
    """``source`` without IPython magics and shell escapes."""
    kept = []
    for line in source.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            continue
        kept.append(line)
    return "\n".join(kept)


def student_cells(notebook, *, mutant: str | None = None) -> list[str]:
    """The code of every code cell that is not a test cell.

    With ``mutant`` (``assignments/<id>/mutants/*.py``: only the functions that a
    plausible wrong answer writes differently), that code follows the last
    solution cell and overrides the solution's definitions of the same names.
    """
    cells: list[str] = []
    last_solution = -1
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code" or is_test_cell(cell):
            continue
        source = cell.get("source", "")
        cells.append(plain_python("".join(source) if isinstance(source, list) else source))
        if is_solution_cell(cell):
            last_solution = len(cells) - 1
    if mutant is not None:
        cells.insert(last_solution + 1 if last_solution >= 0 else len(cells), mutant)
    return cells


def join_cells(cells: list[str]) -> str:
    return "".join(f"{CELL_MARKER}\n{cell.rstrip()}\n" for cell in cells)


def student_source(notebook, *, mutant: str | None = None) -> str:
    """The student's code from a notebook (an nbformat node, a dict, or a path)."""
    if isinstance(notebook, (str, Path)):
        import nbformat

        notebook = nbformat.read(str(notebook), as_version=4)
    return join_cells(student_cells(notebook, mutant=mutant))
