"""The competition commands through CliRunner, with exact output and one-line errors."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.competitions.solution import load_solution

from .conftest import TOY_TOML, add_competition, write_predictions


@pytest.fixture
def cli(course):
    cfg = add_competition(course, "toy", TOY_TOML.format(daily_limit=5).replace(
        "deadline = 2026-12-18T23:59:00+09:00", "deadline = 2099-12-18T23:59:00+09:00"))
    runner = CliRunner()

    def run(*args):
        return runner.invoke(main, ["--course", str(course.root), *args], catch_exceptions=False)

    return run, cfg, load_solution(cfg)


def test_team_commands(cli):
    run, _cfg, _ = cli
    result = run("team", "add", "Conv Crew", "--member", "s1", "--member", "s2", "--competition", "toy")
    assert (result.exit_code, result.output) == (0, "Team 'Conv Crew' in toy: s1, s2\n")
    result = run("team", "add", "Other", "--member", "s2", "--competition", "toy")
    assert result.exit_code == 1
    assert result.output == ("Error: Student 's2' is already in team 'Conv Crew' of toy. Remove them there first: "
                             "grader team remove 'Conv Crew' --member s2 --competition toy.\n")
    result = run("team", "add", "Big", "--member", "a", "--member", "b", "--member", "c", "--member", "d",
                 "--competition", "toy")
    assert result.output == "Error: Team 'Big' would have 4 members; toy allows at most 3. Split the team.\n"
    assert run("team", "list", "--competition", "toy").output == (
        "1 team in toy\n"
        "team        members   submissions\n"
        "─────────────────────────────────\n"
        "Conv Crew   s1, s2              0\n")
    listed = json.loads(run("team", "list", "--competition", "toy", "--json").output)
    assert listed == {"competition": "toy",
                      "rows": [{"team": "Conv Crew", "members": ["s1", "s2"], "benchmark": False, "submissions": 0}]}
    assert run("team", "list", "--competition", "toy", "--format", "csv").output == (
        "team,members,benchmark,submissions\nConv Crew,s1; s2,false,0\n")
    assert run("team", "remove", "Conv Crew", "--competition", "toy").output == "Removed team 'Conv Crew' in toy.\n"
    result = run("team", "list", "--competition", "toy")
    assert result.output == ("No teams in toy. Add one with 'grader team add NAME --member S --competition toy'.\n")
    assert json.loads(run("team", "list", "--competition", "toy", "--json").output) == {"competition": "toy", "rows": []}


@pytest.mark.parametrize("student", ["", " ", "two words", "s1 ", "s/1", "-s1", "s1\n", "a" * 129])
def test_team_add_refuses_unusable_student_ids(cli, student):
    run, _cfg, _ = cli
    result = run("team", "add", "ant", "--member", "s1", "--member", student, "--competition", "toy")
    assert result.exit_code == 1
    assert result.output == (f"Error: {student!r} (from a member of team 'ant') is not a usable student id: use "
                             "letters, digits, '.', '_', '@' or '-', starting with a letter or digit "
                             "(at most 128 characters).\n")
    assert run("team", "list", "--competition", "toy").output.startswith("No teams in toy.")  # nothing half-made


def test_one_submission_is_singular(cli, tmp_path):
    run, _cfg, solution = cli
    run("team", "add", "ant", "--member", "s1", "--competition", "toy")
    run("submit", "toy", str(write_predictions(tmp_path / "a.csv", solution.ids, solution.truth)), "--team", "ant")
    assert run("team", "list", "--competition", "toy").output.splitlines()[-1] == "ant    s1                  1"
    assert run("submissions", "toy").output.splitlines()[0] == \
        "Toy digits: 1 submission of every team (accuracy_score; times in Asia/Seoul)"
    result = run("team", "remove", "ant", "--competition", "toy")
    assert result.output == ("Error: Team 'ant' has 1 submission and cannot be removed (results are kept). "
                             "Remove its members with --member instead.\n")


def test_submit_leaderboard_reveal_audit_round_trip(cli, tmp_path):
    run, cfg, solution = cli
    for team, member in (("ant", "s1"), ("bee", "s2"), ("=HYPERLINK(\"http://x\",\"pwn\")", "s3")):
        assert run("team", "add", team, "--member", member, "--competition", "toy").exit_code == 0
    perfect = write_predictions(tmp_path / "perfect.csv", solution.ids, solution.truth)
    half = solution.truth.copy()
    half[::2] = (half[::2] + 1) % 10
    halfway = write_predictions(tmp_path / "half.csv", solution.ids, half)
    broken = write_predictions(tmp_path / "broken.csv", solution.ids, ["7"] * 99 + ["x"])

    result = run("submit", "toy", str(perfect), "--team", "ant", "--message", "all right")
    assert (result.exit_code, result.output) == (0, "Submission 1 scored: public accuracy_score = 1.00000\n")
    public_half = float((half == solution.truth)[solution.public].mean())
    result = run("submit", "toy", str(halfway), "--team", "bee")
    assert result.output == f"Submission 2 scored: public accuracy_score = {public_half:.5f}\n"
    result = run("submit", "toy", str(broken), "--team", "bee")
    assert result.exit_code == 1
    row = int(list(solution.ids).index(100)) + 1  # the 'x' is written for the last id, in id order
    assert result.output == (f"Error: The 'Label' column of broken.csv must be an integer in 0..9. Got 'x' in "
                             f"row {row}. (submission 3 stored as invalid; it does not count toward the daily limit)\n")
    result = run("submit", "toy", str(perfect), "--team", "=HYPERLINK(\"http://x\",\"pwn\")", "--json")
    assert json.loads(result.output) == {"id": 4, "status": "scored", "error": None, "errors": [], "more_errors": 0,
                                         "late": False, "public_score": 1.0, "private_score": None}

    table = run("leaderboard", "toy").output.splitlines()
    assert table[0] == "Toy digits — public leaderboard (accuracy_score)"
    assert table[1].split() == ["#", "team", "members", "score", "entries", "last"]
    assert table[3].startswith("1   ant ") and table[5].startswith("3   bee ")
    assert table[4].startswith('2   =HYPERLINK("http://x","pwn")   s3        1.00000         1   ')
    exported = run("leaderboard", "toy", "--format", "csv").output
    cells = list(csv.reader(io.StringIO(exported, newline="")))
    assert cells[0] == ["rank", "delta", "team", "members", "score", "entries", "last_submission_at", "benchmark",
                        "submission_id"]
    assert cells[1][:6] == ["1", "", "ant", "s1", "1.0", "1"] and cells[1][7:] == ["false", "1"]
    assert cells[1][6].endswith("+09:00")                     # times in the competition's time zone
    assert cells[2][2] == "'=HYPERLINK(\"http://x\",\"pwn\")"
    assert not any(cell.startswith(("=", "+", "-", "@")) for line in cells for cell in line)
    board = json.loads(run("leaderboard", "toy", "--format", "json").output)
    assert (board["competition"], board["metric"], board["board"]) == ("toy", "accuracy_score", "public")
    assert [r["team"] for r in board["rows"]] == ["ant", "=HYPERLINK(\"http://x\",\"pwn\")", "bee"]
    assert board["rows"][0]["members"] == ["s1"] and board["rows"][0]["benchmark"] is False
    assert json.loads(run("leaderboard", "toy", "--json").output) == board

    result = run("leaderboard", "toy", "--private")
    assert result.exit_code == 1
    assert result.output == ("Error: The private leaderboard of toy is hidden until the deadline "
                             "(2099-12-18T23:59:00+09:00). Run 'grader reveal toy' to show it now.\n")
    assert run("select", "toy", "--team", "bee", "2").output == \
        "Team 'bee' selected 2 for the private leaderboard of toy.\n"
    assert run("reveal", "toy", "--yes").output.startswith("The private leaderboard of toy is visible (revealed ")
    private = json.loads(run("leaderboard", "toy", "--private", "--format", "json").output)
    assert private["board"] == "private" and [r["delta"] for r in private["rows"]] == [0, 0, 0]
    assert run("leaderboard", "toy", "--private").output.splitlines()[1].split() == \
        ["#", "Δ", "team", "members", "score", "entries", "last"]
    result = run("select", "toy", "--team", "bee", "2")
    assert result.output == "Error: Selections for toy are closed: the private leaderboard is out.\n"

    audit = run("audit", "toy").output.splitlines()
    assert audit[0] == "1 flagged pair in toy (threshold 99%)"
    assert audit[1].split() == ["reason", "team_a", "#", "team_b", "#", "agreement"]
    assert audit[3] == 'identical file   ant      1   =HYPERLINK("http://x","pwn")   4      100.0%'
    assert run("audit", "toy", "--format", "csv").output.splitlines()[1] == \
        "identical file,ant,1,\"'=HYPERLINK(\"\"http://x\"\",\"\"pwn\"\")\",4,1.0"


def test_near_identical_files_are_flagged(cli, tmp_path):
    run, _cfg, solution = cli
    for team, member in (("ant", "s1"), ("bee", "s2"), ("cat", "s3")):
        run("team", "add", team, "--member", member, "--competition", "toy")
    labels = solution.truth.copy()
    run("submit", "toy", str(write_predictions(tmp_path / "a.csv", solution.ids, labels)), "--team", "ant")
    copied = labels.copy()
    copied[0] = (copied[0] + 1) % 10  # 99 of 100 equal: still flagged
    run("submit", "toy", str(write_predictions(tmp_path / "b.csv", solution.ids, copied)), "--team", "bee")
    different = (labels + 1) % 10
    run("submit", "toy", str(write_predictions(tmp_path / "c.csv", solution.ids, different)), "--team", "cat")
    flags = json.loads(run("audit", "toy", "--json").output)
    assert (flags["competition"], flags["threshold"]) == ("toy", 0.99)
    assert [(f["team_a"], f["team_b"], f["reason"], f["agreement"]) for f in flags["rows"]] == [
        ("ant", "bee", "near-identical predictions", 0.99)]


def test_unknown_competition_and_team_errors(cli, tmp_path):
    run, _cfg, _solution = cli
    result = run("leaderboard", "nope")
    assert result.exit_code == 1 and result.output.startswith("Error: No competition 'nope' in ")
    result = run("submit", "toy", str(tmp_path / "missing.csv"), "--team", "ghosts")
    assert result.output == ("Error: No team 'ghosts' in toy. Add it with: grader team add 'ghosts' --member "
                             "STUDENT_ID --competition toy.\n")
    run("team", "add", "ant", "--member", "s1", "--competition", "toy")
    result = run("submit", "toy", str(tmp_path / "missing.csv"), "--team", "ant")
    assert result.output == (f"Error: Cannot read {tmp_path / 'missing.csv'}: No such file or directory. "
                             "Check the file name.\n")


def test_every_competition_command_has_help():
    for name in ("team", "submit", "select", "reveal", "audit", "leaderboard"):
        assert main.commands[name].help
    for name in ("add", "remove", "list"):
        assert main.commands["team"].commands[name].help


def test_audit_of_probability_files(course, tmp_path):
    """Near-identical P(dog) files: same class and every probability within 0.01."""
    from grader.competitions.audit import audit
    from grader.competitions.submit import submit_file
    from grader.competitions.teams import add_team
    from grader.store import Store

    from .conftest import NOW, toy_splits

    toml = TOY_TOML.format(daily_limit=5).replace("accuracy_score", "log_loss").replace(
        '["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]', '["cat", "dog"]').replace(
        'id_column = "ImageId"', 'id_column = "id"').replace('["Label"]', '["label"]')
    cfg = add_competition(course, "pets", toml, toy_splits(n_classes=2, class_names=["cat", "dog"]))
    store = Store.open(course)
    ids = np.arange(1, 101)
    p = np.linspace(0.05, 0.95, 100)
    files = {"ant": p, "bee": np.clip(p + 0.005, 0, 1), "cat": np.clip(p + 0.2, 0, 1)}
    for team, values in files.items():
        add_team(store, cfg, name=team, members=[team])
        path = tmp_path / f"{team}.csv"
        path.write_text("id,label\n" + "".join(f"{i},{v:.4f}\n" for i, v in zip(ids, values)))
        assert submit_file(course, store, "pets", path, team=team, now=NOW).status == "scored"
    flags = audit(course, store, cfg)
    assert [(f.team_a, f.team_b, f.reason) for f in flags] == [("ant", "bee", "near-identical predictions")]


@pytest.mark.parametrize("name", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_csv_export_neutralises_every_formula_start(name):
    from datetime import datetime, timezone
    from types import SimpleNamespace

    from grader.cli.competitions import leaderboard_report
    from grader.cli.output import to_csv
    from grader.competitions.leaderboard import LeaderboardRow

    cfg = SimpleNamespace(name="toy", title="Toy", metric="log_loss", timezone="Asia/Seoul")
    row = LeaderboardRow(rank=1, delta=None, team_id=1, team=name, members=[name], score=-0.5, entries=1,
                         last_submission_at=datetime(2026, 11, 1, tzinfo=timezone.utc), is_benchmark=False,
                         submission_id=1)
    cells = list(csv.reader(io.StringIO(to_csv(leaderboard_report(cfg, [row], private=False)), newline="")))[1]
    assert cells[2] == "'" + name and cells[3] == "'" + name
    assert cells[4] == "-0.5"  # numbers we format ourselves stay numbers
    assert cells[6] == "2026-11-01T09:00:00+09:00"


def test_submissions_lists_ids_for_select_and_hides_private_scores_until_the_reveal(cli, tmp_path):
    run, cfg, solution = cli
    run("team", "add", "ant", "--member", "s1", "--competition", "toy")
    run("team", "add", "bee", "--member", "s2", "--competition", "toy")
    perfect = write_predictions(tmp_path / "perfect.csv", solution.ids, solution.truth)
    broken = write_predictions(tmp_path / "excel.csv", solution.ids, ["7"] * 99 + ["x"])
    assert run("submit", "toy", str(perfect), "--team", "ant", "-m", "all right").exit_code == 0
    assert run("submit", "toy", str(broken), "--team", "ant").exit_code == 1
    assert run("submit", "toy", str(perfect), "--team", "bee", "--message", "copied?").exit_code == 0

    mine = json.loads(run("submissions", "toy", "--team", "ant", "--json").output)
    assert {k: mine[k] for k in ("competition", "team", "timezone", "revealed")} == \
        {"competition": "toy", "team": "ant", "timezone": "Asia/Seoul", "revealed": False}
    assert [(r["id"], r["status"], r["public_score"], r["private_score"], r["selected"], r["file"], r["message"])
            for r in mine["rows"]] == [(1, "scored", 1.0, None, False, "perfect.csv", "all right"),
                                       (2, "invalid", None, None, False, "excel.csv", None)]
    assert "must be an integer in 0..9" in mine["rows"][1]["error"]
    assert mine["rows"][0]["submitted_at"].endswith("+09:00")   # the competition's time zone

    table = run("submissions", "toy", "--team", "ant").output.splitlines()
    assert table[0] == "Toy digits: 2 submissions of team 'ant' (accuracy_score; times in Asia/Seoul)"
    assert table[1].split() == ["id", "time", "status", "public", "selected", "file", "message", "error"]
    assert table[3].split()[:6] == ["1", mine["rows"][0]["submitted_at"][:10], mine["rows"][0]["submitted_at"][11:16],
                                    "scored", "1.00000", "perfect.csv"]
    assert table[4].split()[0:4] == ["2", mine["rows"][1]["submitted_at"][:10], mine["rows"][1]["submitted_at"][11:16],
                                     "invalid"]
    assert table[-2] == "Private scores stay hidden until the deadline (2099-12-18T23:59:00+09:00) or 'grader reveal toy'."
    assert table[-1] == "Choose the final submissions with 'grader select toy ID... --team TEAM'."

    everyone = run("submissions", "toy", "--format", "csv").output.splitlines()
    assert everyone[0] == "id,submitted_at,team,status,late,public_score,private_score,selected,file,message,error"
    assert [line.split(",")[2] for line in everyone[1:]] == ["ant", "ant", "bee"]
    assert [line.split(",")[6] for line in everyone[1:]] == ["", "", ""]      # no private score before the reveal

    assert run("select", "toy", "1", "--team", "ant").exit_code == 0
    assert run("reveal", "toy", "--yes").exit_code == 0
    revealed = json.loads(run("submissions", "toy", "--json").output)
    assert revealed["revealed"] is True and revealed["team"] is None
    assert [(r["id"], r["team"], r["selected"]) for r in revealed["rows"]] == [(1, "ant", True), (2, "ant", False),
                                                                              (3, "bee", False)]
    assert revealed["rows"][0]["private_score"] == 1.0
    assert run("submissions", "toy").output.splitlines()[1].split() == \
        ["id", "time", "team", "status", "public", "private", "selected", "file", "message", "error"]

    result = run("submissions", "toy", "--team", "ghosts")
    assert result.output == ("Error: No team 'ghosts' in toy. Add it with: grader team add 'ghosts' --member "
                             "STUDENT_ID --competition toy.\n")
    assert run("submissions", "toy", "--team", "bee", "--format", "csv").output.count("\n") == 2


def test_reveal_asks_first_and_refuses_without_a_terminal(cli, monkeypatch):
    import grader.cli.competitions as commands

    run, _cfg, _solution = cli
    question = "Reveal the private leaderboard of toy now? It cannot be hidden again. [y/N]: "
    result = run("reveal", "toy")                                   # CliRunner's stdin is not a terminal
    assert (result.exit_code, result.output) == (1, "Error: Revealing the private leaderboard of toy cannot be undone "
                                                    "and there is no terminal to ask for confirmation. Pass --yes to "
                                                    "reveal it now.\n")
    monkeypatch.setattr(commands, "_stdin_is_terminal", lambda: True)
    runner = CliRunner()
    course_args = ["--course", str(_cfg.folder.parent.parent), "reveal", "toy"]
    result = runner.invoke(main, course_args, input="n\n")
    assert (result.exit_code, result.output) == (0, f"{question}n\nNot revealed: the private leaderboard of toy "
                                                    "stays hidden.\n")
    assert run("leaderboard", "toy", "--private").exit_code == 1    # still hidden
    result = runner.invoke(main, course_args, input="y\n")
    assert result.exit_code == 0
    assert result.output.startswith(f"{question}y\nThe private leaderboard of toy is visible (revealed 20")
    again = runner.invoke(main, course_args, input="")              # already visible: nothing to ask
    assert again.output.startswith("The private leaderboard of toy is visible (revealed ")
    assert run("leaderboard", "toy", "--private").exit_code == 0


def test_tables_off_a_terminal_are_not_cut_at_80_columns(cli, tmp_path):
    run, _cfg, solution = cli
    long_team = "The Convolutional Neural Network Appreciation Society of Room 301 " * 2
    long_member = "a-student-id-that-is-really-quite-long." + "x" * 60
    run("team", "add", long_team, "--member", long_member, "--competition", "toy")
    long_message = "tried a deeper VGG-style network with batch normalisation and dropout after every block " * 2
    path = write_predictions(tmp_path / "with-a-long-file-name-for-the-record.csv", solution.ids, solution.truth)
    assert run("submit", "toy", str(path), "--team", long_team.strip(), "-m", long_message).exit_code == 0
    shown = {("leaderboard", "toy"): (long_team.strip(), long_member),
             ("team", "list", "--competition", "toy"): (long_team.strip(), long_member),
             ("submissions", "toy"): (long_team.strip(), path.name, long_message.strip())}
    for args, texts in shown.items():
        lines = run(*args).output.splitlines()
        assert any(all(text in line for text in texts) for line in lines), args  # one line each: nothing cut or wrapped
        assert "…" not in "".join(lines)




def test_submit_lists_every_problem_after_the_summary(cli, tmp_path):
    """An invalid file: the one-line summary, then each problem (at most 20) and how many more."""
    run, cfg, solution = cli
    assert run("team", "add", "ant", "--member", "s1", "--competition", "toy").exit_code == 0
    labels = [str(v) for v in solution.truth]
    labels[:23] = ["3.0"] * 23  # rows 1..23 in id order: 23 problems
    excel = write_predictions(tmp_path / "excel.csv", solution.ids, labels)
    result = run("submit", "toy", str(excel), "--team", "ant")
    assert result.exit_code == 1
    first = "The 'Label' column of excel.csv must be an integer in 0..9. Got '3.0' in row 1."
    lines = result.output.splitlines()
    assert lines[0] == (f"Error: excel.csv has 23 problems; the first: {first} "
                        "(submission 1 stored as invalid; it does not count toward the daily limit)")
    assert lines[1:] == [f"  - The 'Label' column of excel.csv must be an integer in 0..9. Got '3.0' in row {r}."
                         for r in range(1, 21)] + ["  ... and 3 more"]
    as_json = json.loads(run("submit", "toy", str(excel), "--team", "ant", "--json").output)
    assert as_json["error"] == f"excel.csv has 23 problems; the first: {first}"
    assert as_json["errors"][0] == first and len(as_json["errors"]) == 20 and as_json["more_errors"] == 3

