"""Grade the same 20 submissions of 01-preprocessing with ``nbgrader autograde`` and ``grader score``.

    .venv/bin/python benchmarks/bench_grading.py [--submissions 20] [--workers 2] [--hostile-cell-seconds S]

Two identical courses are made (``grader init`` + ``grader release``); half the
students hand in the solution, half the released stub. Course A is graded by
``nbgrader autograde 01-preprocessing`` (one notebook after another, no
sandbox, no hidden judge); course B by ``grader score 01-preprocessing``
(sandbox on, N workers, notebook run + judge per submission, the judge talking
to the kernel that ran the notebook). Then each notebook is run once more with
plain nbclient, one after another, to get the bare execution time. Printed:
both wall times, their ratio, the grading overhead = wall(grader) x workers /
summed bare execution time, and where grader's worker time went (the
``phases`` of each grade: notebook, judge, training).

Hostile phase (``--no-hostile`` skips it): a third course gets the same
submissions plus two notebooks with an infinite loop (one in the first answer
cell, one in the last) and one that walks the file system
(``glob("/**", recursive=True)``, again and again); ``grader score`` grades all.
Printed: the wall time and each hostile notebook's worker time (its grade's
``seconds``) against the target of its cell limit + 15 s. ``--hostile-cell-seconds``
lowers 01's 120 s cell limit for a quick check.

Figures: benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
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


def hostile_notebooks(course) -> dict[str, dict]:
    """Notebooks that never finish a cell: a loop before any answer, a loop after all, a file system walk."""
    released = json.loads(course.path("release", ASSIGNMENT, f"{ASSIGNMENT}.ipynb").read_text())
    solved = submissions(course, 1)["s00"]
    answer_cells = [i for i, cell in enumerate(solved["cells"])
                    if cell["cell_type"] == "code" and cell["metadata"].get("nbgrader", {}).get("solution")]

    def stuck(base: dict, index: int, code: str) -> dict:
        notebook = json.loads(json.dumps(base))
        cell = notebook["cells"][index]
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        cell["source"] = code + "\n" + source
        return notebook

    walk = "import glob\nfor _ in range(10**6):\n    glob.glob('/**', recursive=True)"
    # Named to be graded after the honest ones (jobs go by student), so the once-per-worker costs
    # (importing TensorFlow in the judge, reading the notebook's data) are not theirs.
    return {"x-hostile-loop-first": stuck(released, answer_cells[0], "while True:\n    pass"),
            "x-hostile-loop-last": stuck(solved, answer_cells[-1], "while True:\n    pass"),
            "x-hostile-walk": stuck(solved, answer_cells[0], walk)}


def set_cell_seconds(course, seconds: float) -> None:
    path = course.path("assignments", ASSIGNMENT, "assignment.toml")
    text = path.read_text()
    lines = [f"cell_seconds = {seconds:g}" if line.startswith("cell_seconds") else line for line in text.splitlines()]
    path.write_text("\n".join(lines) + "\n")


def grade_with_grader(course, workers: int, env: dict) -> tuple[float, list[dict]]:
    """``grader score --json``: its wall time and its results (one dict per submission, with ``phases``)."""
    bin_dir = Path(sys.executable).parent
    started = time.monotonic()
    done = subprocess.run([str(bin_dir / "grader"), "--course", str(course.root), "score", ASSIGNMENT,
                           "--workers", str(workers), "--json"], env=env, capture_output=True, text=True)
    wall = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"grader score failed:\n{done.stderr[-3000:]}")
    return wall, json.loads(done.stdout)["rows"]  # --json: {"competitions": {...}, "rows": [one per submission]}


def phase_totals(results: list[dict]) -> str:
    totals = {"notebook": 0.0, "judge": 0.0, "training": 0.0}
    for result in results:
        for name, seconds in (result.get("phases") or {}).items():
            totals[name] = totals.get(name, 0.0) + float(seconds)
    return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in totals.items())


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
    parser.add_argument("--no-hostile", action="store_true", help="skip the hostile phase")
    parser.add_argument("--hostile-cell-seconds", type=float, default=None,
                        help="the cell limit in the hostile phase (default: the assignment's, 120 s)")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    load = os.getloadavg()[0]
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

        grader_wall, results = grade_with_grader(grader_course, args.workers, env)
        statuses = sorted({r["status"] for r in results})
        totals = sorted({r["total"] for r in results})

        from grader.datasets.notebook_view import write_notebook_folder

        work = Path(tmp, "bare")
        write_notebook_folder(grader_course, ["mnist"], work)  # cnn_data.py and data/, as beside a release
        bare = bare_seconds(notebooks, work)

        if not args.no_hostile:
            hostile_course = make_course(Path(tmp, "c"))
            hostile = hostile_notebooks(hostile_course)
            submit_all(hostile_course, {**notebooks, **hostile})
            if args.hostile_cell_seconds:
                set_cell_seconds(hostile_course, args.hostile_cell_seconds)
            cell_limit = args.hostile_cell_seconds or 120.0
            hostile_wall, hostile_results = grade_with_grader(hostile_course, args.workers, env)
    print(f"submissions: {args.submissions}, workers: {args.workers}, cores: {os.cpu_count()}, "
          f"load average at the start: {load:.2f}")
    print(f"grader score statuses: {statuses}, totals: {totals}")
    print(f"nbgrader autograde wall: {nbgrader_wall:.1f} s")
    print(f"grader score wall:      {grader_wall:.1f} s  (sandbox on, notebook + hidden judge per submission)")
    print(f"ratio nbgrader / grader: {nbgrader_wall / grader_wall:.2f}x")
    print(f"summed bare execution:  {bare:.1f} s")
    print(f"overhead (wall x workers / bare): {grader_wall * args.workers / bare:.2f}")
    print(f"grader's worker time by phase: {phase_totals(results)}")
    if args.no_hostile:
        return
    print(f"\nhostile phase: {args.submissions} + {len(hostile)} submissions, cell limit {cell_limit:g} s")
    print(f"grader score wall:      {hostile_wall:.1f} s")
    honest = sorted(r["seconds"] for r in hostile_results if r["student"] not in hostile)
    print(f"  honest submissions: median {honest[len(honest) // 2]:.1f} s of worker time each (for comparison)")
    for result in sorted(hostile_results, key=lambda r: r["student"]):
        if result["student"] in hostile:
            verdict = "within" if result["seconds"] <= cell_limit + 15 else "OVER"
            print(f"  {result['student']:<22} {result['status']:<8} {result['seconds']:6.1f} s of worker time "
                  f"({verdict} cell limit + 15 s), total {result['total']:g}, phases {result['phases']}")


if __name__ == "__main__":
    main()
