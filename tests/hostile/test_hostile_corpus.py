"""Every hostile or broken notebook: the grader survives, grades the rest, gives no unearned points,
leaves no process behind and records a status that says what happened."""

from __future__ import annotations

import json

import pytest

from cases import CASES, DAEMON_SECONDS, JUDGE_MARKER, SECRET_VALUE
from course_factory import ASSIGNMENT

pytestmark = pytest.mark.slow


def test_corpus_has_at_least_25_hostile_cases():
    hostile = [name for name in CASES if name not in ("honest_solution", "released_stub")]
    assert len(hostile) >= 25


def test_every_submission_was_graded(graded_corpus):
    assert set(graded_corpus["results"]) == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_verdict(graded_corpus, name):
    _make, statuses, max_total = CASES[name]
    result = graded_corpus["results"][name]
    assert result["status"] in statuses, f"{name}: {result['status']} ({result['message']})"
    assert result["total"] <= max_total + 1e-9, f"{name}: {result['total']} > {max_total} ({result['message']})"
    if name in ("honest_solution", "released_stub"):
        assert result["total"] == max_total


def test_honest_part_still_earns_its_points(graded_corpus):
    """A notebook that attacks in one cell still gets what its honest cell earned (no collateral zero).

    That includes a cell stuck past its limit: the kernel answers the interrupt, so the function
    defined before the stuck cell is judged in it.
    """
    for name in ("reads_gradebook", "opens_socket", "writes_outside_job_dir", "reads_environment", "fills_tmp",
                 "infinite_loop", "walks_filesystem"):
        assert graded_corpus["results"][name]["total"] == 30, name


def grade_details(graded_corpus, name: str) -> dict:
    from grader.autograde.jobs import latest_grades
    from grader.store import Store

    grades = {g.student_id: g for g in latest_grades(Store.open(graded_corpus["course"]), ASSIGNMENT)}
    return grades[name].details


def test_a_stuck_notebook_is_never_run_again_for_the_judge(graded_corpus):
    """A kernel that ignores the interrupt is stopped; the judge's checks fail with why, and nothing reloads."""
    details = grade_details(graded_corpus, "ignores_the_interrupt")
    assert details["execution"]["kernel_kept"] is False
    assert details["judge_process"]["restarts"] == 0 and details["judge_process"]["requests"] == 0
    messages = [check["message"] for check in details["judge"]["checks"]]
    assert messages and all("a notebook that stopped is not run again for the judge" in m for m in messages)
    kept = grade_details(graded_corpus, "infinite_loop")
    assert kept["execution"]["kernel_kept"] is True and kept["judge_process"]["restarts"] == 0
    clip01 = [c for c in kept["judge"]["checks"] if c["name"] == "test_clip01"][0]
    assert "the notebook stopped early: cell" in clip01["message"]


def test_a_kernel_lost_after_the_notebook_is_loaded_again_once(graded_corpus):
    details = grade_details(graded_corpus, "kills_kernel_before_the_judges_calls")
    assert details["judge_process"]["restarts"] == 1
    first, second = details["judge"]["checks"]
    assert first["message"] == "the notebook's kernel exited with status 9 (the student's code ended the process)"
    assert second["message"] == "the notebook defines no function 'clip01'"  # it ran, in the reloaded worker


def test_replaced_writers_inside_the_sandbox_earn_nothing(graded_corpus):
    """numpy.save, json.dumps or grader.judge.ops replaced in the kernel: what reaches the judge is refused."""
    for name in ("replaces_numpy_save", "replaces_json_dumps", "replaces_judge_ops"):
        double, clip01 = grade_details(graded_corpus, name)["judge"]["checks"]
        assert (double["points"], clip01["points"]) == (0.0, 0.0), name
        # double is honest, but its result had to be written by what the notebook replaced
        assert double["message"].startswith("the student's result cannot be read: "), (name, double["message"])


def test_every_grade_reports_its_phases(graded_corpus):
    """``grader score --json`` carries the seconds of the notebook, the judge and the training."""
    for name, result in graded_corpus["results"].items():
        if CASES[name][1] == {"invalid_notebook"}:
            assert result["phases"] is None, name
            continue
        phases = result["phases"]
        assert set(phases) == {"notebook", "judge", "training"}, name
        assert phases["notebook"] > 0 and phases["judge"] >= 0 and phases["training"] == 0, (name, phases)


@pytest.mark.parametrize("name", sorted(CASES))
def test_outputs_carry_no_secrets(graded_corpus, name):
    path = graded_corpus["course"].path("autograded", name, ASSIGNMENT, f"{ASSIGNMENT}.ipynb")
    if not path.is_file():
        assert CASES[name][1] == {"invalid_notebook"}
        return
    assert path.stat().st_size < 5 * 2**20, "output was not capped"
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    text = json.dumps([cell.get("outputs", []) for cell in cells])  # what the notebook printed
    assert JUDGE_MARKER not in text
    assert SECRET_VALUE not in text
    assert "CONNECTED" not in text
    assert "WROTE" not in text


def test_nothing_was_written_outside(graded_corpus):
    course, outside = graded_corpus["course"], graded_corpus["outside"]
    assert list(outside.iterdir()) == []
    assert not course.path("pwned.txt").exists()
    from nbgrader.api import Gradebook

    with Gradebook(course.gradebook_url) as gb:  # still a valid gradebook
        assert gb.find_assignment(ASSIGNMENT).name == ASSIGNMENT


def test_no_process_left_behind(graded_corpus):
    processes = graded_corpus["processes"]
    assert f"sleep {DAEMON_SECONDS}" not in processes
    assert graded_corpus["leftovers"] == []
    left = [p.name for p in graded_corpus["jobs_dir"].iterdir() if p.name.startswith(("cnnkit-job-", "cnnkit-kernel-"))]
    assert left == [], "job folders were left behind"


def test_every_verdict_is_in_the_store(graded_corpus):
    from grader.autograde.jobs import latest_grades
    from grader.store import Store

    grades = {g.student_id: g for g in latest_grades(Store.open(graded_corpus["course"]), ASSIGNMENT)}
    for name, result in graded_corpus["results"].items():
        assert grades[name].status == result["status"]
        assert grades[name].sandboxed is True
    json.dumps({k: v["status"] for k, v in graded_corpus["results"].items()})
