"""``grader serve`` killed with SIGKILL (a crash, the OOM killer) and started again: nothing acknowledged is lost.

An acknowledgement (a 201) is given only after the row, its file and (for a hand-in) its
grading job are committed, so whatever a killed server had acknowledged is there after a
restart; and a grading job that was running when its server died is queued again by the next
server (its dispatcher's process is gone, so the job is not left "running": ramp-board#244)
and graded once.
"""

from __future__ import annotations

import threading

import pytest
from classroom import (
    ASSIGNMENT,
    burst,
    class_roster,
    hand_in,
    handin_course,
    notebook_bytes,
    upload,
    wait_for,
)
from server_fixtures import LiveServer, make_server_course

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def test_a_server_killed_during_a_burst_loses_no_acknowledged_submission(tmp_path):
    from grader.store import Score, Submission

    made = make_server_course(tmp_path / "course", daily_limit=1000, roster=class_roster(8))
    students = [f"s{n}" for n in range(1, 9)]
    server = LiveServer(made.course.root).start()
    acknowledged, killed = [], threading.Event()

    def kill_after_twenty(answer) -> None:
        if answer.status == 201:
            acknowledged.append(answer)
        if len(acknowledged) >= 20 and not killed.is_set():
            killed.set()
            server.kill()

    requests = [upload(made.tokens[s], "toy", made.valid_csv(wrong=k), who=s) for k in range(10) for s in students]
    answers = burst(server.url, requests, on_answer=kill_after_twenty)
    assert killed.is_set() and any(a.status == 0 for a in answers), "the server was not killed during the burst"
    assert {a.status for a in answers} <= {0, 201}, [a.body for a in answers if a.status not in (0, 201)][:3]

    server = LiveServer(made.course.root).start()
    try:
        import httpx

        for answer in acknowledged:
            token = made.tokens[answer.request.who]
            again = httpx.get(f"{server.url}/api/competitions/toy/submissions/{answer.id}", timeout=30,
                              headers={"Authorization": f"Bearer {token}"})
            assert again.status_code == 200, again.text
            assert (again.json()["status"], again.json()["public_score"]) == ("scored", answer.body["public_score"])
    finally:
        server.stop()
    ids = [a.id for a in acknowledged]
    assert len(ids) == len(set(ids))
    with made.store.read() as session:
        for answer in acknowledged:
            row = session.get(Submission, answer.id)
            assert row is not None and row.status == "scored"
            assert made.store.get_file(row.sha256) == answer.request.files["file"][1]
            assert session.query(Score).filter(Score.submission_id == row.id).count() == 1


def test_hand_ins_being_graded_when_the_server_is_killed_are_graded_once_after_the_restart(tmp_path):
    from sqlalchemy import func, select

    from grader.store import Grade, GradingJob, Submission

    made = handin_course(tmp_path / "course")
    server = LiveServer(made.course.root).start()
    work = {"ann": notebook_bytes(made.course, solved=True), "ben": notebook_bytes(made.course, solved=False),
            "cat": notebook_bytes(made.course, solved=True)}
    answers = burst(server.url, [hand_in(made.tokens[s], data, who=s) for s, data in work.items()])
    assert [a.status for a in answers] == [201, 201, 201], [a.body for a in answers]

    def running() -> list[int]:
        with made.store.read() as session:
            return list(session.scalars(select(GradingJob.id).where(GradingJob.status == "running")))

    interrupted = wait_for(running, timeout=120, what="a hand-in to be grading", every=0.05)
    server.kill()

    server = LiveServer(made.course.root).start()
    try:
        def drained() -> bool:
            with made.store.read() as session:
                return not session.scalar(select(func.count()).select_from(GradingJob)
                                          .where(GradingJob.status.in_(("queued", "running"))))

        wait_for(drained, timeout=300, what="the queue to drain after the restart", every=0.5)
        import httpx

        totals = {}
        for answer in answers:
            mine = httpx.get(f"{server.url}/api/assignments/{ASSIGNMENT}/submissions", timeout=30,
                             headers={"Authorization": f"Bearer {made.tokens[answer.request.who]}"}).json()
            assert [(v["id"], v["status"]) for v in mine] == [(answer.id, "graded")], mine
            totals[answer.request.who] = (mine[0]["total"], mine[0]["max_points"])
        # the solution earns every automatic point (the 5-point written answer waits for the instructor)
        assert totals == {"ann": (60, 65), "ben": (0, 65), "cat": (60, 65)}
    finally:
        server.stop()
    with made.store.read() as session:
        for answer in answers:
            row = session.get(Submission, answer.id)
            grades = session.scalar(select(func.count()).select_from(Grade).join(GradingJob, Grade.job_id == GradingJob.id)
                                    .where(GradingJob.owner == row.student_id, GradingJob.sha256 == row.sha256))
            assert grades == 1, f"{row.student_id}'s hand-in has {grades} grades"
        for job_id in interrupted:
            job = session.get(GradingJob, job_id)
            assert (job.status, job.infra_failures) == ("done", 1), "the killed server's job was not taken over"
