"""The Dask executor grades exactly like the local pool, survives a dead worker, and fails in one line."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from click.testing import CliRunner

from .conftest import ASSIGNMENT, comparable

pytestmark = pytest.mark.timeout(240)


def grade_counts(course) -> dict:
    """``{(target, owner, sha256, attempt): number of Grade rows}`` for every job of the course."""
    from sqlalchemy import func, select

    from grader.store import Store
    from grader.store.models import Grade, GradingJob

    store = Store.open(course)
    with store.transaction() as session:
        rows = session.execute(select(GradingJob.target, GradingJob.owner, GradingJob.sha256, GradingJob.attempt,
                                      GradingJob.status, func.count(Grade.id))
                               .outerjoin(Grade, Grade.job_id == GradingJob.id).group_by(GradingJob.id)).all()
    return {(t, o, s, a): (status, n) for t, o, s, a, status, n in rows}


@pytest.mark.slow
def test_local_cluster_grades_like_the_local_pool(course, local_results, local_cluster):
    from grader.targets import score
    from grader.executors import DaskExecutor

    _, client = local_cluster
    executor = DaskExecutor(client)
    summary = score(course, names=[ASSIGNMENT], rescore=True, sandbox=False, executor=executor)
    assert comparable(summary.results) == local_results
    assert local_results["solver"][-1] > local_results["stub"][-1], "the solution must outscore the stub"
    counts = grade_counts(course)
    assert all(n == 1 and status == "done" for status, n in counts.values()), counts


@pytest.mark.slow
def test_killed_worker_loses_no_result_and_duplicates_none(course, local_results, local_cluster):
    """Kill a worker process (and what it started) while it grades: Dask re-runs the job elsewhere."""
    import psutil

    from grader.targets import score
    from grader.executors import DaskExecutor

    cluster, client = local_cluster
    killed: list[str] = []

    def kill_first_busy_worker():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            busy = [address for address, keys in client.processing().items() if keys]
            executing = {address: n for address, n in client.run(
                lambda dask_worker: len(dask_worker.state.executing), nanny=False).items()} if busy else {}
            victims = [address for address in busy if executing.get(address)]
            if victims:
                time.sleep(2)  # well inside the job: the notebook is running
                pid = client.run(os.getpid, workers=[victims[0]])[victims[0]]
                process = psutil.Process(pid)
                family = process.children(recursive=True) + [process]
                for member in family:
                    try:
                        member.send_signal(signal.SIGKILL)
                    except psutil.NoSuchProcess:
                        pass
                killed.append(victims[0])
                return
            time.sleep(0.2)

    killer = threading.Thread(target=kill_first_busy_worker, daemon=True)
    killer.start()
    summary = score(course, names=[ASSIGNMENT], students=["solver"], rescore=True, sandbox=False,
                    executor=DaskExecutor(client))
    killer.join(timeout=5)
    assert killed, "no worker was seen grading, so none was killed"
    assert comparable(summary.results) == {"solver": local_results["solver"]}
    counts = grade_counts(course)
    newest = max(attempt for (_, _, _, attempt) in counts)
    latest = {key: value for key, value in counts.items() if key[3] == newest}
    assert [owner for (_, owner, _, _) in latest] == ["solver"]
    assert all(value == ("done", 1) for value in counts.values()), counts


def test_unreachable_scheduler_is_one_line(course):
    from grader.cli import main

    result = CliRunner().invoke(main, ["--course", str(course.root), "score", ASSIGNMENT, "--no-sandbox",
                                       "--cluster", "tcp://127.0.0.1:1"])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        "Error: Cannot reach the Dask scheduler at tcp://127.0.0.1:1: Timed out trying to connect to "
        "tcp://127.0.0.1:1 after 5 s. Start one with 'dask scheduler' or fix [executor] cluster.")
    assert "Traceback" not in result.output


def test_gpu_jobs_ask_for_a_gpu_resource(local_cluster):
    """A GPU task waits for a worker offering ``GPU``; a plain task runs on the plain workers."""
    from distributed import TimeoutError as DaskTimeout

    from grader.executors import DaskExecutor

    _, client = local_cluster
    plain, gpu = DaskExecutor(client), DaskExecutor(client, gpu=True)
    assert plain.submit(sum, [1, 2], key="plain-sum").result(timeout=30) == 3
    future = gpu.submit(sum, [1, 2], key="gpu-sum")
    with pytest.raises(DaskTimeout):
        future.result(timeout=1)  # neither LocalCluster worker offers a GPU
    assert client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.tasks["gpu-sum"].resource_restrictions) \
        == {"GPU": 1}
    future.cancel()
    assert gpu.gpu_workers() == 0


@pytest.mark.slow
def test_grader_score_cluster_against_a_hand_started_scheduler(course, local_results, hand_started_scheduler):
    import json

    from grader.cli import main

    result = CliRunner().invoke(main, ["--course", str(course.root), "score", ASSIGNMENT, "--no-sandbox",
                                       "--student", "solver", "--rescore", "--json",
                                       "--cluster", hand_started_scheduler])
    assert result.exit_code == 0, result.output
    graded = json.loads(result.output[result.output.index("{"):])["rows"]
    assert {g["student"]: (g["status"], g["notebook_points"], g["judge_points"], g["max_points"],
                           g["late_penalty"], g["total"]) for g in graded} == {"solver": local_results["solver"]}
    assert all(value == ("done", 1) for value in grade_counts(course).values())


def test_job_gpu_follows_the_workers_cuda_visible_devices(tmp_path):
    """A GPU worker's CUDA_VISIBLE_DEVICES becomes the sandboxed job's GPU; no device node, no GPU."""
    from types import SimpleNamespace

    from grader.executors import job_gpu

    def course(setting):
        return SimpleNamespace(get=lambda section, key: setting)

    no_devices = tmp_path / "empty"
    no_devices.mkdir()
    devices = tmp_path / "dev"
    devices.mkdir()
    (devices / "nvidia0").touch()
    (devices / "nvidiactl").touch()
    assert job_gpu(course("auto"), {"CUDA_VISIBLE_DEVICES": "2"}, dev=str(no_devices)) is None
    assert job_gpu(course("auto"), {"CUDA_VISIBLE_DEVICES": "2"}, dev=str(devices)) == "2"
    assert job_gpu(course("on"), {"CUDA_VISIBLE_DEVICES": "3,1"}, dev=str(devices)) == "3"
    assert job_gpu(course("auto"), {}, dev=str(devices)) == "0"
    assert job_gpu(course("auto"), {"CUDA_VISIBLE_DEVICES": ""}, dev=str(devices)) is None
    assert job_gpu(course("off"), {"CUDA_VISIBLE_DEVICES": "2"}, dev=str(devices)) is None


def test_make_executor_reads_executor_cluster_from_the_course():
    from types import SimpleNamespace

    from grader.errors import ExecutorError
    from grader.executors import LocalPoolExecutor, make_executor

    def course(cluster):
        values = {("executor", "cluster"): cluster, ("executor", "workers"): 1, ("sandbox", "gpu"): "auto"}
        return SimpleNamespace(get=lambda section, key: values[(section, key)])

    local = make_executor(course(""), workers=1)
    try:
        assert isinstance(local, LocalPoolExecutor) and local.workers == 1
    finally:
        local.close()
    with pytest.raises(ExecutorError, match=r"^Cannot reach the Dask scheduler at tcp://127\.0\.0\.1:1: .* "
                                            r"Start one with 'dask scheduler' or fix \[executor\] cluster\.$"):
        make_executor(course("tcp://127.0.0.1:1"))


def _write_to_stderr(text: str) -> int:
    import os
    import sys

    sys.stderr.write(text)
    sys.stderr.flush()
    return os.getpid()


def test_local_pool_workers_write_stderr_to_the_log(tmp_path):
    from grader.executors import LocalPoolExecutor

    log = tmp_path / "logs" / "grading.log"
    with LocalPoolExecutor(1, stderr_log=log) as pool:
        pid = pool.submit(_write_to_stderr, "tensorflow chatter\n").result(timeout=60)
    assert pid != __import__("os").getpid()
    assert log.read_text() == "tensorflow chatter\n"
