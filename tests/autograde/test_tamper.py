"""Step 1 alone: reading notebooks and nbgrader's repair of locked, test and deleted cells."""

from __future__ import annotations

import copy
import json

import pytest

from course_factory import ASSIGNMENT, released_notebook, solved_notebook
from grader.autograde import tamper


@pytest.mark.parametrize("content, reason", [
    (b"", "the file is empty"),
    (b"{not json", "not valid JSON"),
    (b'{"a": 1}', "has no 'cells'"),
    (json.dumps({"cells": [], "metadata": {}, "nbformat": 3, "nbformat_minor": 0}).encode(), "nbformat 3"),
    (json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode(), "no code cells"),
])
def test_read_notebook_refuses_what_is_not_a_notebook(tmp_path, content, reason):
    path = tmp_path / "x.ipynb"
    path.write_bytes(content)
    with pytest.raises(tamper.InvalidNotebook, match=reason):
        tamper.read_notebook(path)


def _repair(course, notebook, tmp_path):
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return tamper.repair(tamper.read_notebook(path), course, ASSIGNMENT, "someone")


def _cell(notebook, grade_id):
    return next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def test_an_honest_notebook_is_not_tampered(course, tmp_path):
    notebook, report = _repair(course, solved_notebook(course), tmp_path)
    assert not report.tampered, report.messages()
    assert "np.arange(5)" in _cell(notebook, "test_double").source  # but the hidden tests are back


def test_an_edited_test_cell_is_restored(course, tmp_path):
    submitted = solved_notebook(course)
    for cell in submitted["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "test_clip01":
            cell["source"] = "pass"
    notebook, report = _repair(course, submitted, tmp_path)
    assert report.tampered
    assert [c["grade_id"] for c in report.changes] == ["test_clip01"]
    assert "clip01(" in _cell(notebook, "test_clip01").source


def test_a_deleted_test_cell_is_added_back(course, tmp_path):
    submitted = released_notebook(course)
    submitted["cells"] = [c for c in submitted["cells"]
                          if c["metadata"].get("nbgrader", {}).get("grade_id") != "test_double"]
    notebook, report = _repair(course, submitted, tmp_path)
    assert report.added_cells == ["test_double"]
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in notebook.cells]
    assert ids.index("test_double") == ids.index("double") + 1


def test_a_retyped_cell_and_inflated_points_are_restored(course, tmp_path):
    submitted = copy.deepcopy(released_notebook(course))
    for cell in submitted["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("grade_id") == "test_double":
            cell["cell_type"] = "markdown"
            cell.pop("outputs")
            cell.pop("execution_count")
        if meta.get("grade_id") == "test_clip01":
            meta["points"] = 99
    notebook, report = _repair(course, submitted, tmp_path)
    assert {(c["grade_id"], c["attribute"]) for c in report.changes} >= {("test_double", "cell_type"),
                                                                          ("test_clip01", "points")}
    assert _cell(notebook, "test_double").cell_type == "code"
    assert _cell(notebook, "test_clip01").metadata.nbgrader.points == 10


def test_a_different_kernelspec_is_overwritten(course, tmp_path):
    submitted = solved_notebook(course)
    submitted["metadata"]["kernelspec"] = {"name": "ir", "language": "R", "display_name": "R"}
    notebook, report = _repair(course, submitted, tmp_path)
    assert report.kernelspec["name"] == "ir"
    assert notebook.metadata.kernelspec.name == "python3"
    assert any("kernel 'ir'" in m for m in report.messages())
