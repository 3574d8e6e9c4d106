"""Step 2 alone: the execute reply decides, a dead or hung kernel fails every remaining graded cell."""

from __future__ import annotations

import json

import pytest

from course_factory import ASSIGNMENT, released_notebook, solved_notebook
from grader.autograde import execute, record, tamper

pytestmark = pytest.mark.slow


def _run(course, submitted, tmp_path, use_sandbox, **limits):
    from grader.sandbox import SandboxLimits

    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps(submitted), encoding="utf-8")
    notebook, _ = tamper.repair(tamper.read_notebook(path), course, ASSIGNMENT, "x")
    job = tmp_path / "job"
    job.mkdir()
    report = execute.execute(notebook, job_dir=job, sandbox=use_sandbox,
                             limits=SandboxLimits.from_course(course) if use_sandbox else None,
                             cell_seconds=limits.get("cell_seconds", 10), notebook_seconds=limits.get("notebook_seconds", 20))
    return notebook, report, record.notebook_scores(notebook)


def _with(course, grade_id, source, base=None):
    notebook = base or solved_notebook(course)
    for cell in notebook["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == grade_id:
            cell["source"] = source
    return notebook


def test_a_good_notebook_passes_its_test_cells(course, tmp_path, use_sandbox):
    _, report, scores = _run(course, solved_notebook(course), tmp_path, use_sandbox)
    assert report.status == "graded" and not report.guard_changes
    assert scores["test_double"]["points"] == 10 and scores["test_clip01"]["points"] == 10


def test_a_dead_kernel_fails_every_remaining_graded_cell(course, tmp_path, use_sandbox):
    submitted = _with(course, "double", "import os\nos._exit(1)")
    notebook, report, scores = _run(course, submitted, tmp_path, use_sandbox)
    assert report.status == "crashed"
    assert scores["test_double"]["points"] == 0 and scores["test_clip01"]["points"] == 0


def test_a_hung_kernel_fails_every_remaining_graded_cell(course, tmp_path, use_sandbox):
    submitted = _with(course, "clip01", "import time\ntime.sleep(60)")
    _, report, scores = _run(course, submitted, tmp_path, use_sandbox, cell_seconds=2, notebook_seconds=30)
    assert report.status == "timeout"
    assert scores["test_double"]["points"] == 10  # it ran, and passed, before the hang
    assert scores["test_clip01"]["points"] == 0


def test_a_notebook_that_patches_numpy_and_then_hangs_is_still_caught(course, tmp_path, use_sandbox):
    """The kernel answers the interrupt, so the guard still looks at what the earlier cells replaced."""
    submitted = _with(course, "double", "np.allclose = lambda *a, **k: True\ndef double(x):\n    return 0\n",
                      base=_with(course, "clip01", "while True:\n    pass"))
    _, report, scores = _run(course, submitted, tmp_path, use_sandbox, cell_seconds=2, notebook_seconds=30)
    assert report.status == "timeout" and report.message == "cell 5 ran past the per-cell limit of 2 s"
    assert "numpy.allclose" in report.guard_changes
    assert scores["test_clip01"]["points"] == 0


def test_silenced_tracebacks_still_fail_the_cell(course, tmp_path, use_sandbox):
    submitted = _with(course, "double", "get_ipython().showtraceback = lambda *a, **k: None\n"
                      "def double(x):\n    return 0\n", base=released_notebook(course))
    _, report, scores = _run(course, submitted, tmp_path, use_sandbox)
    assert scores["test_double"]["points"] == 0
    assert any("showtraceback" in name for name in report.guard_changes)


def test_output_is_capped(course, tmp_path, use_sandbox):
    submitted = _with(course, "clip01", "for _ in range(50_000):\n    print('z' * 200)\n" + _clip())
    notebook, report, _ = _run(course, submitted, tmp_path, use_sandbox)
    assert report.output_truncated
    assert len(json.dumps(notebook)) < 2 * execute.MAX_CELL_OUTPUT_BYTES


def _clip():
    return "def clip01(x):\n    return np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)\n"
