"""End to end: ``grader demo --quick`` in a temporary directory does what the demo promises."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from grader.cli import main


def test_refuses_a_non_empty_directory_that_is_not_a_demo(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(main, ["demo", str(tmp_path), "--quick"])
    assert result.exit_code == 1
    assert result.output == (f"Error: {tmp_path} is not empty and holds no earlier demo (.cnnkit-demo); "
                             "give 'grader demo' a new or empty directory.\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_quick_demo_end_to_end(tmp_path):
    from grader.demo import QUICK_ASSIGNMENTS, run_demo

    directory = tmp_path / "demo"
    directory.mkdir()
    (directory / ".cnnkit-demo").write_text("an earlier demo", encoding="utf-8")
    (directory / "left-over.txt").write_text("removed with the earlier demo", encoding="utf-8")
    summary = run_demo(directory, quick=True, workers=2)

    # the course, every assignment released, the earlier demo gone
    assert (directory / "grader.toml").is_file() and (directory / ".cnnkit-demo").is_file()
    assert not (directory / "left-over.txt").exists()
    for name in [p.name for p in (directory / "assignments").iterdir() if p.is_dir()]:
        assert (directory / "release" / f"{name}.zip").is_file(), name
        assert name in summary.released
    assert {"digit-recognizer", "shapes-challenge"} <= set(summary.released)

    # the class, graded: full marks > mutant > stub = 0 judge points; hostile earns nothing
    assert [a.name for a in summary.assignments] == list(QUICK_ASSIGNMENTS)
    for outcome in summary.assignments:
        s = outcome.students
        assert s["ada"]["status"] == "graded" and s["ada"]["total"] == s["ada"]["auto_max"], (outcome.name, s["ada"])
        assert s["ada"]["auto_max"] > 0
        assert 0 < s["grace"]["total"] < s["ada"]["total"], (outcome.name, s["grace"])
        assert s["dennis"]["judge"] == 0 and s["dennis"]["total"] < s["grace"]["total"], (outcome.name, s["dennis"])
        assert s["guido"]["status"] == "no_submission" and s["guido"]["total"] == 0
        assert s["hedy"]["total"] == 0 and s["hedy"]["judge"] == 0, (outcome.name, s["hedy"])
        assert s["hedy"]["status"] == "tampered", (outcome.name, s["hedy"])
        assert "replaced functions" in s["hedy"]["message"]

    # the competitions: ranked teams, invalid files refused, the private board revealed with rank changes
    assert [c.name for c in summary.competitions] == ["digit-recognizer", "shapes-challenge"]
    for competition in summary.competitions:
        ranked = [r for r in competition.public if not r["benchmark"]]
        assert [r["rank"] for r in ranked] == list(range(1, competition.teams + 1))
        assert any(r["benchmark"] for r in competition.public)
        assert len(competition.invalid) >= 3
        assert any("header" in str(error).lower() for _t, _f, error in competition.invalid)
        private = [r for r in competition.private if not r["benchmark"]]
        assert len(private) == competition.teams
        assert any(r["delta"] not in (None, 0) for r in private), competition.private
        assert competition.selected

    index = summary.site_index
    assert index is not None and index.is_file() and index.name == "index.html"
    assert "digit-recognizer" in index.read_text(encoding="utf-8").lower() or \
        "digit recognizer" in index.read_text(encoding="utf-8").lower()
    assert summary.seconds > 0

    # It ends with three sign-in links for the class server, and each one really signs its student in.
    from fastapi.testclient import TestClient

    from grader.course import find_course
    from grader.server import create_app

    assert [student for student, _url in summary.invitations] == ["ada", "grace", "dennis"]
    client = TestClient(create_app(find_course(directory)), follow_redirects=False,
                        headers={"Origin": "http://testserver"})
    for student, url in summary.invitations:
        assert url.startswith("http://127.0.0.1:8000/signin/")
        signed_in = client.post("/signin", data={"token": url.rsplit("/", 1)[1]})
        assert signed_in.status_code == 303, (student, signed_in.text[:300])
        assert client.get("/").status_code == 200
    board = (directory / "site" / "digit-recognizer" / "leaderboard.html").read_text(encoding="utf-8")
    assert "Ada L." in board and ">ada<" not in board  # display names from the demo's roster, never ids
