"""A course with ``01-preprocessing`` released and two students: the solution and the untouched stub.

Grading runs with the sandbox off (``sandbox=False``) so that the local pool and
the Dask workers run the same job function on the same machine; the sandbox is
the job's own business and is exercised by tests/sandbox and tests/hostile.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

ASSIGNMENT = "01-preprocessing"
STUDENTS = ("solver", "stub")
VENV_BIN = Path(sys.executable).parent


def build_course(root: Path):
    from grader.course import find_course, init_course, load_config, render_config
    from grader.release import release_assignments

    course = init_course(root)
    values = load_config(course.path("grader.toml"))
    values["sandbox"].update({"wall_seconds": 300})
    course.path("grader.toml").write_text(render_config(values), encoding="utf-8")
    course = find_course(root)
    release_assignments(course, [ASSIGNMENT])
    sources = {"solver": course.path("source", ASSIGNMENT, f"{ASSIGNMENT}.ipynb"),
               "stub": course.path("release", ASSIGNMENT, f"{ASSIGNMENT}.ipynb")}
    for student, source in sources.items():
        folder = course.path("submitted", student, ASSIGNMENT)
        folder.mkdir(parents=True)
        shutil.copy(source, folder / f"{ASSIGNMENT}.ipynb")
        stamp = datetime(2026, 1, 1, tzinfo=timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f %Z")
        (folder / "timestamp.txt").write_text(stamp, encoding="utf-8")
    return course


def comparable(results) -> dict:
    """What must agree between two executors: the verdict and every point, per student."""
    return {r.student: (r.status, r.notebook_points, r.judge_points, r.max_points, r.late_penalty, r.total)
            for r in results}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return build_course(tmp_path_factory.mktemp("executors") / "course")


@pytest.fixture(scope="module")
def local_results(course):
    """The reference: both students graded on the local process pool."""
    from grader.targets import score

    summary = score(course, names=[ASSIGNMENT], workers=2, sandbox=False)
    assert sorted(r.student for r in summary.results) == sorted(STUDENTS)
    return comparable(summary.results)


@pytest.fixture(scope="module")
def local_cluster():
    distributed = pytest.importorskip("distributed", reason="dask[distributed] is not installed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None, silence_logs=40)
    client = distributed.Client(cluster, set_as_default=False)
    yield cluster, client
    client.close()
    cluster.close()


def _worker_env() -> dict:
    env = dict(os.environ)
    env.update({"CUDA_VISIBLE_DEVICES": "", "TF_CPP_MIN_LOG_LEVEL": "2", "OMP_NUM_THREADS": "1",
                "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    return env


@pytest.fixture
def hand_started_scheduler(tmp_path):
    """``dask scheduler`` and two ``dask worker`` processes, as an operator starts them, on 127.0.0.1."""
    scheduler_file = tmp_path / "scheduler.json"
    logs = tmp_path / "logs"
    logs.mkdir()
    processes: list[subprocess.Popen] = []

    def start(name, argv):
        log = open(logs / f"{name}.log", "wb")
        processes.append(subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=_worker_env(),
                                          cwd=tmp_path, start_new_session=True))
        log.close()

    start("scheduler", [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
                        "--no-dashboard", "--scheduler-file", str(scheduler_file)])
    try:
        deadline = time.monotonic() + 30
        while not scheduler_file.is_file() or not scheduler_file.read_text().strip():
            if time.monotonic() > deadline or processes[0].poll() is not None:
                pytest.fail(f"dask scheduler did not start: {(logs / 'scheduler.log').read_text()[-2000:]}")
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        for n in (1, 2):
            start(f"worker{n}", [str(VENV_BIN / "dask"), "worker", address, "--host", "127.0.0.1", "--nthreads", "1",
                                 "--nworkers", "1", "--no-dashboard", "--name", f"worker{n}"])
        from distributed import Client

        with Client(address, timeout=20, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for process in reversed(processes):  # each in its own session: end it and its children
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
