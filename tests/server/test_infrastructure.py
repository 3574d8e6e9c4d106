"""Failures of the grading machines, not of the student's work: retried, and never counted against the student.

A Dask worker (of a LocalCluster) killed while it grades a hand-in makes the job fail for
reasons of the infrastructure (``KilledWorker``: the scheduler is told to give up on the first
death, so the queue's own retry is what is tested): the job is queued again and graded. A job
whose every try is killed ends ``failed`` with the verdict ``infrastructure``: the student reads
so (with the message) in their list of hand-ins, the instructor on the queue page, and the
hand-in does not use up the day's allowance. A code competition's notebook lost the same way
does not count toward the team's daily limit (PrairieLearn PR#7165, Codabench#1507).
"""

from __future__ import annotations

import os
import signal
import threading

import pytest
from classroom import ASSIGNMENT, handin_course, notebook_bytes, wait_for
from server_fixtures import make_server_course, toy

CODE_TOML = toy.TOY_TOML.format(daily_limit=1) + 'kind = "code"\nbudget_seconds = 60\n'


@pytest.fixture(scope="module")
def dask_client():
    """A LocalCluster of one worker process whose tasks are given up (KilledWorker) at the first worker death."""
    distributed = pytest.importorskip("distributed", reason="dask[distributed] is not installed")
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                                           dashboard_address=None, silence_logs=50)
    client = distributed.Client(cluster, set_as_default=False)
    yield client
    client.close()
    cluster.close()


class Grading:
    """The class server's dispatcher on the Dask cluster, in a thread, as ``grader serve --cluster`` runs it."""

    def __init__(self, made, client):
        from grader.dispatcher import Dispatcher
        from grader.executors import DaskExecutor

        self.stop, self.wake = threading.Event(), threading.Event()
        self.dispatcher = Dispatcher(made.course, made.store, DaskExecutor(client), capacity=1, sandbox=False)
        self.thread = threading.Thread(target=self.dispatcher.serve, args=(self.stop, self.wake), daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.wake.set()
        self.thread.join(timeout=60)


def kill_the_grading_worker(client) -> None:
    """SIGKILL the worker process that is running a task, and everything it started (the notebook's kernel)."""
    import psutil

    def grading() -> str | None:
        busy = [address for address, keys in client.processing().items() if keys]
        executing = client.run(lambda dask_worker: len(dask_worker.state.executing), nanny=False) if busy else {}
        return next((address for address in busy if executing.get(address)), None)

    address = wait_for(grading, timeout=120, what="a worker to start grading", every=0.1)
    pid = client.run(os.getpid, workers=[address])[address]
    process = psutil.Process(pid)
    for member in process.children(recursive=True) + [process]:
        try:
            member.send_signal(signal.SIGKILL)
        except psutil.NoSuchProcess:
            pass


def job_of(store, student: str):
    from sqlalchemy import select

    from grader.store import GradingJob

    with store.read() as session:
        return session.scalar(select(GradingJob).where(GradingJob.owner == student).order_by(GradingJob.id.desc()))


def client_for(made, person: str):
    from fastapi.testclient import TestClient

    from grader.server import create_app

    return TestClient(create_app(made.course, store=made.store), raise_server_exceptions=False,
                      headers={"Authorization": f"Bearer {made.tokens[person]}"})


def post_notebook(client, data: bytes):
    return client.post(f"/api/assignments/{ASSIGNMENT}/submissions", files={"file": (f"{ASSIGNMENT}.ipynb", data)})


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_killed_worker_s_job_is_retried_and_graded_once(tmp_path, dask_client):
    from sqlalchemy import func, select

    from grader.store import Grade

    made = handin_course(tmp_path / "course")
    ann = client_for(made, "ann")
    assert post_notebook(ann, notebook_bytes(made.course, solved=True)).status_code == 201
    with Grading(made, dask_client):
        kill_the_grading_worker(dask_client)
        wait_for(lambda: job_of(made.store, "ann").status == "done", timeout=300, what="the job to be graded")
    job = job_of(made.store, "ann")
    assert (job.status, job.verdict, job.infra_failures) == ("done", "graded", 1)
    with made.store.read() as session:
        assert session.scalar(select(func.count()).select_from(Grade).where(Grade.student_id == "ann")) == 1
    [mine] = ann.get(f"/api/assignments/{ASSIGNMENT}/submissions").json()
    assert (mine["status"], mine["total"]) == ("graded", 60)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_job_that_fails_every_retry_ends_failed_shown_to_both_and_not_counted(tmp_path, dask_client):
    from grader import queue

    made = handin_course(tmp_path / "course", settings={"server": {"handins_per_day": 1}})
    ann = client_for(made, "ann")
    assert post_notebook(ann, notebook_bytes(made.course, solved=True)).status_code == 201
    with Grading(made, dask_client):
        for tries in range(1, queue.MAX_INFRA_FAILURES + 1):
            kill_the_grading_worker(dask_client)
            wait_for(lambda: (job_of(made.store, "ann").infra_failures or 0) >= tries, timeout=120,
                     what=f"try {tries} to be lost")
    job = job_of(made.store, "ann")
    assert (job.status, job.verdict, job.infra_failures) == ("failed", "infrastructure", queue.MAX_INFRA_FAILURES)
    [mine] = ann.get(f"/api/assignments/{ASSIGNMENT}/submissions").json()
    assert mine["status"] == "failed" and mine["total"] is None
    assert "grading machines, not of your work" in mine["message"] and "KilledWorker" in mine["message"]
    page = client_for(made, "prof").get("/instructor/queue").text
    assert f'data-job="{job.id}" data-status="failed"' in page and "failed · infrastructure" in page
    assert "grading machines, not of your work" in page
    again = post_notebook(ann, notebook_bytes(made.course, solved=True))  # the day's one hand-in was not used up
    assert again.status_code == 201, again.text
    refused = post_notebook(ann, notebook_bytes(made.course, solved=False))
    assert refused.status_code == 409 and "1 times today" in refused.json()["message"]


def test_a_code_notebook_the_grading_machines_lost_does_not_count_toward_the_daily_limit(tmp_path):
    """The dispatcher's report of a lost try (``queue.fail``), as many times as the queue retries."""
    from grader import queue

    made = make_server_course(tmp_path / "course")
    toy.add_competition(made.course, "code-toy", CODE_TOML)
    ann = client_for(made, "ann")
    notebook = notebook_bytes_of_code()
    first = ann.post("/api/competitions/code-toy/submissions", files={"file": ("entry.ipynb", notebook)})
    assert first.status_code == 201 and first.json()["status"] == "pending", first.text
    for _ in range(queue.MAX_INFRA_FAILURES):
        [claimed] = queue.claim(made.store, "lost-host:1", limit=1)
        assert claimed.submission_id == first.json()["id"]
        queue.fail(made.store, claimed, "lost-host:1", "KilledWorker: the worker died")
    shown = ann.get(f"/api/competitions/code-toy/submissions/{first.json()['id']}").json()
    assert shown["status"] == "infra_failed" and "not of your work" in shown["error"]
    second = ann.post("/api/competitions/code-toy/submissions", files={"file": ("entry.ipynb", notebook)})
    assert second.status_code == 201, second.text  # the limit is 1 a day: the lost one gave its slot back
    third = ann.post("/api/competitions/code-toy/submissions", files={"file": ("entry.ipynb", notebook)})
    assert third.status_code == 409 and "used its 1 submissions of today" in third.json()["message"]


def notebook_bytes_of_code() -> bytes:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    return nbformat.writes(new_notebook(cells=[new_code_cell("print('training')")])).encode()
