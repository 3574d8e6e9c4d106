"""Step 1: read the submitted notebook and repair it with nbgrader's own machinery.

nbgrader's autograde starts by *sanitizing*: outputs cleared (ClearOutput),
duplicate cell ids fixed (DeduplicateIds), the kernelspec set back to the
source notebook's (OverwriteKernelspec), locked and test cells restored from
the checksums in ``gradebook.db`` and deleted grade cells re-added
(OverwriteCells with ``add_missing_cells``), and the metadata validated
(CheckCellMetadata). We run exactly those preprocessors and record every change
they make, so a tampered notebook is graded as its honest part and is marked
``tampered``.

A file that is not a notebook (not JSON, no cells, not nbformat 4) never gets
this far: :func:`read_notebook` raises :class:`InvalidNotebook`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from grader.autograde.common import gradebook_lock, nbgrader_resources

MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024


class InvalidNotebook(Exception):
    """The submission cannot be read as a Jupyter notebook; ``str()`` says why, for the student."""


@dataclass
class TamperReport:
    """What the repair changed: (grade_id, what, should be, got) tuples and re-added cells."""

    changes: list[dict] = field(default_factory=list)
    added_cells: list[str] = field(default_factory=list)
    kernelspec: dict | None = None  # the submitted kernelspec when it differed

    @property
    def tampered(self) -> bool:
        return bool(self.changes or self.added_cells or self.kernelspec)

    def messages(self) -> list[str]:
        lines = [f"cell '{c['grade_id']}': {c['attribute']} was changed; the original was restored"
                 for c in self.changes]
        lines += [f"cell '{grade_id}' was deleted; it was added back" for grade_id in self.added_cells]
        if self.kernelspec:
            lines.append(f"the notebook asked for the kernel {self.kernelspec.get('name')!r}; "
                         "it was run with the assignment's kernel")
        return lines

    def to_dict(self) -> dict:
        return {"changes": self.changes, "added_cells": self.added_cells, "kernelspec": self.kernelspec,
                "messages": self.messages()}


def read_notebook(path: str | Path):
    """The notebook at ``path`` as an nbformat v4 node, or :class:`InvalidNotebook`."""
    import nbformat

    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidNotebook(f"the file cannot be read: {exc.strerror}") from None
    if len(raw) > MAX_NOTEBOOK_BYTES:
        raise InvalidNotebook(f"the notebook is {len(raw) // 2**20} MiB; the limit is {MAX_NOTEBOOK_BYTES // 2**20} MiB")
    if not raw.strip():
        raise InvalidNotebook("the file is empty, not a notebook")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidNotebook(f"the file is not a notebook (not valid JSON: {exc})") from None
    if not isinstance(data, dict) or "cells" not in data:
        raise InvalidNotebook("the file is JSON but not a Jupyter notebook (it has no 'cells')")
    if data.get("nbformat") != 4:
        raise InvalidNotebook(f"the notebook has nbformat {data.get('nbformat')!r}; save it with Jupyter (nbformat 4)")
    try:
        notebook = nbformat.reads(raw.decode("utf-8"), as_version=4)
    except Exception as exc:  # nbformat raises several types for malformed documents
        raise InvalidNotebook(f"the notebook is malformed: {str(exc).splitlines()[0][:200]}") from None
    if not any(cell.get("cell_type") == "code" for cell in notebook.cells):
        raise InvalidNotebook("the notebook has no code cells")
    return notebook


class _RecordingOverwriteCells:
    """nbgrader's OverwriteCells, with every ``report_change`` kept for the tamper report."""

    def __new__(cls, changes: list, **kwargs):
        from nbgrader.preprocessors import OverwriteCells

        class Recording(OverwriteCells):
            def report_change(self, name, attr, old, new):
                changes.append({"grade_id": name, "attribute": attr, "should_be": _short(old), "got": _short(new)})

        return Recording(**kwargs)


def _short(value) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _grade_ids(notebook) -> list[str]:
    return [c.metadata["nbgrader"]["grade_id"] for c in notebook.cells
            if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")]


def _cells_by_grade_id(notebook) -> dict:
    cells = {}
    for cell in notebook.get("cells", []):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id:
            source = cell.get("source", "")
            cells[grade_id] = (cell.get("cell_type"), "".join(source) if isinstance(source, list) else source)
    return cells


def _released_cells(course, assignment: str, notebook_id: str) -> dict:
    """The cells as nbgrader's release gave them to students (``release/<id>/<id>.ipynb``)."""
    path = course.path("release", assignment, f"{notebook_id}.ipynb")
    try:
        return _cells_by_grade_id(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


def repair(notebook, course, assignment: str, student: str, notebook_id: str | None = None):
    """Sanitize ``notebook`` as nbgrader's autograde does; returns ``(notebook, TamperReport)``.

    The gradebook must know the assignment (``grader release`` puts it there).
    """
    from nbgrader.preprocessors import CheckCellMetadata, ClearOutput, DeduplicateIds, OverwriteKernelspec
    from traitlets.config import Config

    report = TamperReport()
    submitted_cells = _cells_by_grade_id(notebook)
    released_cells = _released_cells(course, assignment, notebook_id or assignment)
    resources = nbgrader_resources(course, assignment, student, notebook_id)
    submitted_kernelspec = dict(notebook.metadata.get("kernelspec") or {})
    before = set(_grade_ids(notebook))
    config = Config()
    config.OverwriteCells.add_missing_cells = True
    steps = [ClearOutput(config=config), DeduplicateIds(config=config), OverwriteKernelspec(config=config),
             _RecordingOverwriteCells(report.changes, config=config), CheckCellMetadata(config=config)]
    with gradebook_lock(course):
        for step in steps:
            notebook, resources = step.preprocess(notebook, resources)
    # A test cell's stored source holds its hidden tests, so restoring it always changes the
    # checksum; it was tampered with only when it differs from what the student received.
    report.changes = [c for c in report.changes if not (
        c["attribute"] == "checksum" and c["grade_id"] in released_cells
        and submitted_cells.get(c["grade_id"]) == released_cells[c["grade_id"]])]
    report.added_cells = [grade_id for grade_id in _grade_ids(notebook) if grade_id not in before]
    final_kernelspec = dict(notebook.metadata.get("kernelspec") or {})
    if submitted_kernelspec.get("name") != final_kernelspec.get("name") or \
            submitted_kernelspec.get("language") != final_kernelspec.get("language"):
        report.kernelspec = submitted_kernelspec or {"name": None}
    return notebook, report
