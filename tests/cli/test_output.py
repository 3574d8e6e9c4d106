"""The one output helper every listing command shares: the same JSON, CSV and table rules everywhere."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import click
import pytest
from click.testing import CliRunner

from grader.cli.output import Column, Report, make_console, output_options, to_csv, to_json
from grader.student_id import check_student_id, is_student_id
from grader.words import plural

KST = timezone(timedelta(hours=9))
ROWS = [
    {"team": "ant", "members": ["s1", "s2"], "score": 0.123456789, "rank": 1, "late": False, "note": None,
     "at": datetime(2026, 11, 20, 12, 0, tzinfo=KST), "extra": {"a": 1}},
    {"team": "=cmd|' /C calc'!A0", "members": [], "score": float("nan"), "rank": None, "late": True, "note": "[red]hi[/red]",
     "at": datetime(2026, 11, 21, 8, 30, tzinfo=KST), "extra": {}},
]
COLUMNS = [Column("rank", header="#", justify="right"), Column("team"), Column("members"),
           Column("score", text=lambda r: "-" if r["score"] != r["score"] else f"{r['score']:.3f}"),
           Column("late", table=False), Column("note"), Column("at", csv=True, table=False), Column("extra", table=False)]


def report(**kwargs) -> Report:
    return Report(ROWS, COLUMNS, about={"competition": "toy"}, **kwargs)


@click.command()
@output_options
def probe(output):
    """Test only."""
    output.emit(report(heading="Toy board", notes=["a note for people"]))


def test_json_is_one_object_with_rows_and_the_report_facts():
    data = json.loads(to_json(report()))
    assert list(data) == ["competition", "rows"]
    assert data["rows"][0] == {"team": "ant", "members": ["s1", "s2"], "score": 0.123456789, "rank": 1, "late": False,
                               "note": None, "at": "2026-11-20T12:00:00+09:00", "extra": {"a": 1}}
    assert data["rows"][1]["score"] is None and data["rows"][1]["members"] == []   # NaN is not JSON: null


def test_csv_has_the_columns_raw_values_and_no_formula():
    text = to_csv(report())
    assert text.count("\r\n") == 3
    cells = list(csv.reader(io.StringIO(text, newline="")))
    assert cells[0] == ["rank", "team", "members", "score", "late", "note", "at", "extra"]
    assert cells[1] == ["1", "ant", "s1; s2", "0.123456789", "false", "", "2026-11-20T12:00:00+09:00", '{"a": 1}']
    assert cells[2] == ["", "'=cmd|' /C calc'!A0", "", "", "true", "[red]hi[/red]", "2026-11-21T08:30:00+09:00", "{}"]


def test_table_json_and_csv_through_the_options():
    runner = CliRunner()
    table = runner.invoke(probe, [])
    assert table.exit_code == 0, table.output
    assert table.output.splitlines() == [
        "Toy board",
        "#   team                 members   score   note",
        "─" * 56,
        "1   ant                  s1, s2    0.123   -",
        "-   =cmd|' /C calc'!A0             -       [red]hi[/red]",   # a name is text, never rich markup
        "a note for people",
    ]
    as_json = runner.invoke(probe, ["--json"]).output
    assert as_json == runner.invoke(probe, ["--format", "json"]).output == to_json(report()) + "\n"
    assert runner.invoke(probe, ["--format", "csv"]).output == to_csv(report()).replace("\r\n", "\n")
    result = runner.invoke(probe, ["--json", "--format", "table"])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == \
        "Error: --json means --format json; it cannot go with --format table. Give one of them."


def test_an_empty_report_prints_its_hint_instead_of_a_table():
    runner = CliRunner()

    @click.command()
    @output_options
    def empty(output):
        """Test only."""
        output.emit(Report([], COLUMNS, about={"competition": "toy"}, heading="Toy board",
                           empty="No teams yet. Add one with 'grader team add'."))

    assert runner.invoke(empty, []).output == "No teams yet. Add one with 'grader team add'.\n"
    assert json.loads(runner.invoke(empty, ["--json"]).output) == {"competition": "toy", "rows": []}
    assert runner.invoke(empty, ["--format", "csv"]).output == "rank,team,members,score,late,note,at,extra\n"


def test_control_characters_never_reach_the_terminal():
    runner = CliRunner()

    @click.command()
    @output_options
    def hostile(output):
        """Test only."""
        output.emit(Report([{"team": "evil\x1b[2J\x07name"}], [Column("team")], heading="head\x1b[31m"))

    lines = runner.invoke(hostile, []).output.splitlines()
    assert lines[0] == "head?[31m" and lines[-1] == "evil?[2J?name"
    assert "\x1b" not in runner.invoke(hostile, []).output


def test_off_a_terminal_a_wide_table_is_neither_cut_nor_wrapped(capsys):
    from rich.table import Table

    name = "a-team-name-far-longer-than-any-terminal-" * 5
    console = make_console()           # pytest's captured stdout is not a terminal
    assert not console.is_terminal
    table = Table("team", "note")
    table.add_row(name, "x" * 150)
    console.print(table)
    console.rule("step")
    lines = capsys.readouterr().out.splitlines()
    assert any(name in line and "x" * 150 in line for line in lines)
    assert not any("…" in line for line in lines)
    assert len(lines[-1]) == 80                        # rules and plain text keep a log's usual width


def test_plural():
    assert [plural(n, "submission") for n in (0, 1, 2)] == ["0 submissions", "1 submission", "2 submissions"]
    assert plural(1, "match", "matches") == "1 match" and plural(3, "match", "matches") == "3 matches"


@pytest.mark.parametrize("text", ["s1", "kim.minji", "ada@example.edu", "2026-0042", "A_b", "x" * 128])
def test_usable_student_ids(text):
    assert is_student_id(text) and check_student_id(text) == text


@pytest.mark.parametrize("text", ["", " ", "a b", "s1 ", "s1\n", "../s1", "s/1", "-s1", ".hidden", "x" * 129,
                                  "김민지", "s1;rm"])
def test_unusable_student_ids_are_refused_with_the_rule(text):
    from grader.errors import GraderError, TeamError

    assert not is_student_id(text)
    with pytest.raises(TeamError) as caught:
        check_student_id(text, source="--member", error=TeamError)
    assert str(caught.value) == (f"{text!r} (from --member) is not a usable student id: use letters, digits, '.', '_', "
                                 "'@' or '-', starting with a letter or digit (at most 128 characters).")
    assert isinstance(caught.value, GraderError)
