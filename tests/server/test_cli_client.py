"""The ``grader`` command as a student's client of a real class server (as the Kaggle CLI is of Kaggle).

``grader login URL TOKEN`` keeps the token in a file only its owner can read; ``submit``,
``submissions`` and ``select`` with ``--server``, ``handin`` and ``status`` use it, and
``$GRADER_TOKEN`` wins over it. Whatever the server refuses is one ``Error:`` line, exit status 1.
"""

from __future__ import annotations

import json
import stat

import pytest
from classroom import ASSIGNMENT, handin_course, notebook_bytes, wait_for
from server_fixtures import LiveServer, free_port, toy

LIMIT = 3


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(a real server, its course): the fixture assignment and the toy competition, limit 3 a day."""
    made = handin_course(tmp_path_factory.mktemp("cli-client") / "course")
    toy.add_competition(made.course, "toy", toy.TOY_TOML.format(daily_limit=LIMIT))
    server = LiveServer(made.course.root).start()
    yield server, made
    server.stop()


@pytest.fixture
def grader(tmp_path):
    """``grader(*args, token=...)``: the command as a student runs it, with their own config folder (no token in
    the environment unless ``token`` is given); returns click's result."""
    from click.testing import CliRunner

    from grader.cli import main

    def run(*args: str, token: str | None = None):
        env = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "GRADER_TOKEN": token, "GRADER_COURSE": None}
        return CliRunner().invoke(main, list(args), env=env)

    return run


def error_line(result) -> str:
    """The one line a refused command prints (exit status 1)."""
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


def test_login_keeps_the_token_in_a_private_file_that_submit_and_submissions_use(served, grader, tmp_path):
    server, made = served
    result = grader("login", server.url, made.tokens["ann"])
    assert result.exit_code == 0 and f"Signed in to {server.url} as Ann L. (student)" in result.output, result.output
    saved = tmp_path / "config" / "cnnkit" / "credentials.json"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert json.loads(saved.read_text()) == {server.url: made.tokens["ann"]}

    predictions = tmp_path / "submission.csv"
    predictions.write_bytes(made.valid_csv(wrong=10))
    result = grader("submit", "toy", str(predictions), "-m", "first try", "--server", server.url + "/")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Submission ") and "scored: public score = 0." in result.output
    listed = json.loads(grader("submissions", "toy", "--server", server.url, "--json").output)
    assert [(r["team"], r["message"], r["status"]) for r in listed["rows"]] == [("Ann L.", "first try", "scored")]
    assert listed["competition"] == "toy" and listed["revealed"] is False
    table = grader("submissions", "toy", "--server", server.url).output
    assert "first try" in table and "grader select toy ID... --server" in table
    chosen = grader("select", "toy", str(listed["rows"][0]["id"]), "--server", server.url)
    assert chosen.exit_code == 0 and f"selected {listed['rows'][0]['id']}" in chosen.output


def test_grader_token_wins_over_the_saved_token(served, grader, tmp_path):
    server, made = served
    assert grader("login", server.url, made.tokens["ann"]).exit_code == 0
    predictions = tmp_path / "submission.csv"
    predictions.write_bytes(made.valid_csv())
    result = grader("submit", "toy", str(predictions), "--server", server.url, "--json", token=made.tokens["cat"])
    assert result.exit_code == 0 and json.loads(result.output)["team"] == "Cat K.", result.output
    mine = json.loads(grader("submissions", "toy", "--server", server.url, "--json", token=made.tokens["cat"]).output)
    assert {r["team"] for r in mine["rows"]} == {"Cat K."}


def test_what_the_server_refuses_is_one_error_line(served, grader, tmp_path):
    server, made = served
    predictions = tmp_path / "submission.csv"
    predictions.write_bytes(made.valid_csv())
    for _ in range(LIMIT):
        assert grader("submit", "toy", str(predictions), "--server", server.url, token=made.tokens["ben"]).exit_code == 0
    limit = error_line(grader("submit", "toy", str(predictions), "--server", server.url, token=made.tokens["ben"]))
    assert f"has used its {LIMIT} submissions of today" in limit and "Submit again from" in limit
    assert "Sign in first" in error_line(grader("submissions", "toy", "--server", server.url, token="forged"))
    assert "There is no competition 'nope'" in error_line(grader("submit", "nope", str(predictions), "--server",
                                                                 server.url, token=made.tokens["ben"]))
    assert f"No API token for {server.url}" in error_line(grader("submissions", "toy", "--server", server.url))
    closed = f"http://127.0.0.1:{free_port()}"
    assert f"Cannot reach the class server at {closed}" in error_line(
        grader("submissions", "toy", "--server", closed, token="any"))
    assert "Cannot read" in error_line(grader("submit", "toy", str(tmp_path / "missing.csv"), "--server", server.url,
                                              token=made.tokens["ben"]))


def test_an_invalid_file_names_each_problem(served, grader, tmp_path):
    server, made = served
    lines = made.valid_csv().decode().splitlines()
    lines[3], lines[7] = lines[3].split(",")[0] + ",cat", lines[7].split(",")[0] + ",12"
    broken = tmp_path / "broken.csv"
    broken.write_text("\n".join(lines) + "\n")
    result = grader("submit", "toy", str(broken), "--server", server.url, token=made.tokens["cat"])
    assert result.exit_code == 1
    first, *listed = result.output.strip().splitlines()
    assert first.startswith("Error: ") and "stored as invalid; it does not count toward the daily limit" in first
    assert len(listed) == 2 and "row 3" in listed[0] and "row 7" in listed[1], result.output


@pytest.mark.slow
def test_handin_and_status(served, grader, tmp_path):
    server, made = served
    notebook = tmp_path / f"{ASSIGNMENT}.ipynb"
    notebook.write_bytes(notebook_bytes(made.course, solved=True))
    result = grader("handin", ASSIGNMENT, str(notebook), "--server", server.url, token=made.tokens["ann"])
    assert result.exit_code == 0 and result.output.startswith(f"Handed in {ASSIGNMENT} (hand-in "), result.output
    assert f"'grader status {ASSIGNMENT} --server {server.url}'" in result.output

    def graded():
        shown = json.loads(grader("status", ASSIGNMENT, "--server", server.url, "--json",
                                  token=made.tokens["ann"]).output)
        return shown if shown["rows"] and shown["rows"][-1]["status"] == "graded" else None

    shown = wait_for(graded, timeout=240, what="the hand-in to be graded", every=1.0)
    assert [(r["status"], r["total"], r["max_points"]) for r in shown["rows"]] == [("graded", 60, 65)]
    overview = grader("status", "--server", server.url, token=made.tokens["ann"])
    assert overview.exit_code == 0 and ASSIGNMENT in overview.output and "60 / 65" in overview.output
    as_csv = grader("status", ASSIGNMENT, "--server", server.url, "--format", "csv", token=made.tokens["ann"])
    header, row = as_csv.output.splitlines()
    assert header == "id,submitted_at,file,status,place,is_late,total,max_points,message"
    assert row.split(",")[3:] == ["graded", "", "false", "60.0", "65.0", ""]

    text = tmp_path / "notes.txt"
    text.write_text("not a notebook")
    assert "not a Jupyter notebook" in error_line(grader("handin", ASSIGNMENT, str(text), "--server", server.url,
                                                         token=made.tokens["ben"]))
    assert "There is no assignment 'nope'" in error_line(grader("status", "nope", "--server", server.url,
                                                                token=made.tokens["ben"]))
    nothing = grader("status", ASSIGNMENT, "--server", server.url, token=made.tokens["cat"])
    assert nothing.exit_code == 0 and f"You have not handed in {ASSIGNMENT} yet" in nothing.output


def test_the_local_submit_still_needs_a_team(served, grader, tmp_path):
    server, made = served
    predictions = tmp_path / "submission.csv"
    predictions.write_bytes(made.valid_csv())
    result = grader("--course", str(made.course.root), "submit", "toy", str(predictions))
    assert result.exit_code == 2 and "Name the team that submits with --team TEAM" in result.output
    both = grader("submit", "toy", str(predictions), "--team", "x", "--server", server.url, token=made.tokens["ann"])
    assert both.exit_code == 2 and "Drop --team" in both.output


