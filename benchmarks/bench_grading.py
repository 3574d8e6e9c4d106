"""Grade the same 20 submissions of 01-preprocessing with ``nbgrader autograde`` and ``grader score``.

    .venv/bin/python benchmarks/bench_grading.py [--submissions 20] [--workers 2]

Two identical courses are made (``grader init`` + ``grader release``); half the
students hand in the solution, half the released stub. Course A is graded by
``nbgrader autograde 01-preprocessing`` (one notebook after another, no
sandbox, no hidden judge); course B by ``grader score 01-preprocessing``
(sandbox on, N workers, notebook run + judge per submission). Then each
notebook is run once more with plain nbclient, one after another, to get the
bare execution time. Printed: both wall times, their ratio, and the grading
overhead = wall(grader) x workers / summed bare execution time.

Measured 2026-11-28 on the shared 2-core build machine (other engineers' jobs
running at the same time, so the figures are noisy), 20 submissions, 2 workers:
nbgrader autograde 255.2 s, grader score 164.6 s, ratio 1.55x; summed bare
execution 95.6 s, overhead 3.44. Our run does more per submission than
nbgrader's: the notebook in a sandboxed kernel *and* the hidden judge, which
loads the student's code again in a second sandboxed worker (TensorFlow import
and data loading twice). Caveat: in that run the sandboxed kernel could not
import ``grader.datasets`` (see the autograde report), so its notebook cells
stopped early; the judge ran in full.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ASSIGNMENT = "01-preprocessing"
ROOT = Path(__file__).resolve().parent.parent


def make_course(root: Path):
    from grader.course import init_course
    from grader.release import release_assignments

    course = init_course(root)
    release_assignments(course, [ASSIGNMENT])
    return course


def submissions(course, count: int) -> dict[str, dict]:
    """``{student: notebook}``: even students hand in the solution, odd ones the released stub."""
    released = json.loads(course.path("release", ASSIGNMENT, f"{ASSIGNMENT}.ipynb").read_text())
    source = json.loads(course.path("source", ASSIGNMENT, f"{ASSIGNMENT}.ipynb").read_text())
    answers = {}
    for cell in source["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("solution") and cell["cell_type"] == "code":
            text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            answers[meta["grade_id"]] = "\n".join(line for line in text.splitlines()
                                                  if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)
    solved = json.loads(json.dumps(released))
    for cell in solved["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id]
    return {f"s{i:02d}": (solved if i % 2 == 0 else released) for i in range(count)}


def submit_all(course, notebooks: dict[str, dict]) -> None:
    for student, notebook in notebooks.items():
        folder = course.path("submitted", student, ASSIGNMENT)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(notebook))
        (folder / "timestamp.txt").write_text("2026-11-01 00:00:00.000000 UTC")


def bare_seconds(notebooks: dict[str, dict], workdir: Path) -> float:
    """Summed time to run each notebook once with plain nbclient (no grading, no sandbox)."""
    import nbformat
    from nbclient import NotebookClient

    total = 0.0
    for student, notebook in notebooks.items():
        node = nbformat.reads(json.dumps(notebook), as_version=4)
        started = time.monotonic()
        NotebookClient(node, timeout=600, allow_errors=True, kernel_name="python3",
                       resources={"metadata": {"path": str(workdir)}}).execute()
        total += time.monotonic() - started
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    with tempfile.TemporaryDirectory(prefix="cnnkit-bench-") as tmp:
        nbgrader_course, grader_course = make_course(Path(tmp, "a")), make_course(Path(tmp, "b"))
        notebooks = submissions(nbgrader_course, args.submissions)
        submit_all(nbgrader_course, notebooks)
        submit_all(grader_course, notebooks)

        started = time.monotonic()
        done = subprocess.run([str(bin_dir / "nbgrader"), "autograde", ASSIGNMENT, "--force"],
                              cwd=nbgrader_course.root, env=env, capture_output=True, text=True)
        nbgrader_wall = time.monotonic() - started
        if done.returncode != 0:
            sys.exit(f"nbgrader autograde failed:\n{done.stderr[-3000:]}")

        started = time.monotonic()
        done = subprocess.run([str(bin_dir / "grader"), "--course", str(grader_course.root), "score", ASSIGNMENT,
                               "--workers", str(args.workers), "--json"], env=env, capture_output=True, text=True)
        grader_wall = time.monotonic() - started
        if done.returncode != 0:
            sys.exit(f"grader score failed:\n{done.stderr[-3000:]}")
        results = json.loads(done.stdout)["graded"]
        statuses = sorted({r["status"] for r in results})
        totals = sorted({r["total"] for r in results})

        from grader.datasets.notebook_view import write_notebook_folder

        work = Path(tmp, "bare")
        write_notebook_folder(grader_course, ["mnist"], work)  # cnn_data.py and data/, as beside a release
        bare = bare_seconds(notebooks, work)
    print(f"submissions: {args.submissions}, workers: {args.workers}, cores: {os.cpu_count()}")
    print(f"grader score statuses: {statuses}, totals: {totals}")
    print(f"nbgrader autograde wall: {nbgrader_wall:.1f} s")
    print(f"grader score wall:      {grader_wall:.1f} s  (sandbox on, notebook + hidden judge per submission)")
    print(f"ratio nbgrader / grader: {nbgrader_wall / grader_wall:.2f}x")
    print(f"summed bare execution:  {bare:.1f} s")
    print(f"overhead (wall x workers / bare): {grader_wall * args.workers / bare:.2f}")


if __name__ == "__main__":
    main()
