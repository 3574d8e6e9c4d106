"""The grading queue's promises, checked on the store itself (SQLite; claiming also on PostgreSQL)."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from grader import queue
from grader.store import GradingJob, Store, Submission

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'cnnkit.db'}", tmp_path / "files")
    s.create()
    return s


def add(store, owner: str, sha: str, target: str = "01-x", when: datetime | None = None, **kw) -> int:
    with store.transaction() as session:
        job = queue.enqueue(session, kind=queue.ASSIGNMENT, target=target, owner=owner, sha256=sha, **kw)
        if when is not None:
            job.created_at = when
        return job.id


def status(store, job_id: int) -> str:
    with store.read() as session:
        return session.get(GradingJob, job_id).status


def test_claims_are_round_robin_across_owners_oldest_first(store):
    greedy = [add(store, "greedy", f"g{i}", target=f"t{i}", when=T0 + timedelta(seconds=i)) for i in range(5)]
    late = add(store, "late", "l0", when=T0 + timedelta(minutes=5))
    other = add(store, "other", "o0", when=T0 + timedelta(minutes=6))
    order = [c.job_id for c in queue.claim(store, "d", limit=10)]
    assert order == [greedy[0], late, other, *greedy[1:]]  # one student's many hand-ins cannot starve the class


def test_position_follows_the_claim_order(store):
    a = add(store, "a", "1", when=T0)
    b = add(store, "a", "2", target="other", when=T0 + timedelta(seconds=1))
    c = add(store, "c", "3", when=T0 + timedelta(seconds=2))
    assert [queue.position(store, j) for j in (a, c, b)] == [1, 2, 3]
    queue.claim(store, "d", limit=1)
    # Turns count among queued jobs: once a's first is claimed, its second is the oldest turn-1 job.
    assert queue.position(store, a) is None and [queue.position(store, j) for j in (b, c)] == [1, 2]


def test_a_newer_hand_in_supersedes_a_queued_older_one_but_not_a_running_one(store):
    old = add(store, "ann", "v1")
    new = add(store, "ann", "v2", supersede=True)
    assert (status(store, old), status(store, new)) == ("superseded", "queued")
    queue.claim(store, "d", limit=1)
    newest = add(store, "ann", "v3", supersede=True)
    assert (status(store, new), status(store, newest)) == ("running", "queued")


def test_the_same_file_is_one_job_and_a_graded_one_is_not_graded_again(store):
    first = add(store, "ann", "same")
    assert add(store, "ann", "same") == first
    claimed = queue.claim(store, "d", limit=1)[0]
    assert queue.finish(store, claimed, "d", verdict="graded", record=lambda session, job: None)
    with store.transaction() as session:
        assert queue.enqueue(session, kind=queue.ASSIGNMENT, target="01-x", owner="ann", sha256="same") is None
        again = queue.enqueue(session, kind=queue.ASSIGNMENT, target="01-x", owner="ann", sha256="same", rescore=True)
        assert again.attempt == 2


def test_a_job_ends_once_and_only_under_its_lease(store):
    job = add(store, "ann", "x")
    claimed = queue.claim(store, "first", limit=1)[0]
    written = []
    assert not queue.finish(store, claimed, "someone-else", verdict="graded", record=lambda s, j: written.append(1))
    assert queue.finish(store, claimed, "first", verdict="graded", record=lambda s, j: written.append(1))
    assert not queue.finish(store, claimed, "first", verdict="graded", record=lambda s, j: written.append(1))
    assert written == [1] and status(store, job) == "done"


def test_an_expired_lease_is_queued_again_and_a_dying_job_ends_failed(store):
    job = add(store, "ann", "crashes-its-dispatcher")
    with store.transaction() as session:
        session.add(Submission(kind="assignment", target="01-x", student_id=None, sha256="crashes-its-dispatcher",
                               size=1, original_name="x.ipynb", status="pending"))
    for attempt in range(queue.MAX_INFRA_FAILURES):
        claimed = queue.claim(store, f"dead-{attempt}", limit=1, now=T0, lease=60)
        assert [c.job_id for c in claimed] == [job]
        assert queue.requeue_expired(store, now=T0 + timedelta(seconds=30)) == []  # the lease still holds
        assert queue.requeue_expired(store, now=T0 + timedelta(seconds=61)) == [job]
    with store.read() as session:
        row = session.get(GradingJob, job)
        assert (row.status, row.verdict, row.infra_failures) == ("failed", "infrastructure", queue.MAX_INFRA_FAILURES)
        assert "does not count against you" in row.error


def test_a_heartbeat_keeps_the_lease_and_a_cancelled_job_drops_out(store):
    a, b = add(store, "a", "1"), add(store, "b", "2")
    queue.claim(store, "d", limit=2, now=T0, lease=60)
    assert queue.heartbeat(store, "d", [a, b], now=T0 + timedelta(seconds=50), lease=60) == {a, b}
    assert queue.requeue_expired(store, now=T0 + timedelta(seconds=100)) == []
    assert queue.cancel(store, b)
    assert queue.heartbeat(store, "d", [a, b], now=T0 + timedelta(seconds=100), lease=60) == {a}
    claimed_b = queue.Claimed(b, queue.ASSIGNMENT, "01-x", "b", "2", 1, None)
    assert not queue.finish(store, claimed_b, "d", verdict="graded", record=lambda s, j: None)  # its answer is dropped
    assert status(store, b) == "cancelled"
    new = queue.regrade(store, b)
    assert new.id != b and status(store, new.id) == "queued"


def test_infrastructure_failures_are_retried_then_failed(store):
    job = add(store, "ann", "x")
    for expected in ["queued"] * (queue.MAX_INFRA_FAILURES - 1) + ["failed"]:
        claimed = queue.claim(store, "d", limit=1)[0]
        assert queue.fail(store, claimed, "d", "the worker was killed") == expected
    assert status(store, job) == "failed"


def test_orphans_of_a_dead_dispatcher_on_this_host_are_queued_at_once(store):
    import socket

    job = add(store, "ann", "x")
    queue.claim(store, f"{socket.gethostname()}:999999999", limit=1)  # a pid that does not exist
    assert queue.requeue_orphans(store) == [job] and status(store, job) == "queued"
    queue.claim(store, queue.dispatcher_id(), limit=1)  # this very process: alive
    assert queue.requeue_orphans(store) == [] and status(store, job) == "running"


@pytest.mark.postgres
def test_concurrent_claimers_never_share_a_job_on_postgresql(postgres_url, tmp_path):
    from sqlalchemy import create_engine, make_url, text

    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    name = f"queue_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    store = Store(make_url(postgres_url).set(database=name).render_as_string(hide_password=False), tmp_path / "files")
    store.create()
    jobs = [add(store, f"s{i % 7}", f"{i}") for i in range(60)]
    got: list[list[int]] = []

    def claimer(n: int) -> None:
        mine = []
        while True:
            claimed = queue.claim(store, f"d{n}", limit=3)
            if not claimed:
                break
            mine += [c.job_id for c in claimed]
        got.append(mine)

    threads = [threading.Thread(target=claimer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    flat = [j for mine in got for j in mine]
    assert sorted(flat) == sorted(jobs)  # every job claimed, none twice
    with store.read() as session:
        assert set(session.scalars(select(GradingJob.status))) == {"running"}
    store.engine.dispose()
