"""`grader check`: every shipped assignment passes its authoring check; broken ones are caught."""

import ast
import csv
import io
import json

import pytest
from click.testing import CliRunner

from grader.assignments_source import build_notebook, shipped_assignments
from grader.check import MIN_JUDGE_POINTS, MIN_MUTANTS, check_assignment, check_assignments
from grader.cli import main
from grader.course import find_course

SHIPPED = shipped_assignments()
IDS = [a.name for a in SHIPPED]


def judge_points(assignment) -> float:
    """Sum of the @pytest.mark.points(N) of the judge's tests (times their parametrize cases), read without running it."""
    total = 0.0
    for path in sorted(assignment.judge_dir.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef):
                continue
            points, cases = 0.0, 1
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute):
                    if decorator.func.attr == "points":
                        points = float(ast.literal_eval(decorator.args[0]))
                    elif decorator.func.attr == "parametrize":
                        cases *= len(ast.literal_eval(decorator.args[1]))
            total += points * cases
    return total


@pytest.mark.parametrize("assignment", SHIPPED, ids=IDS)
def test_structure_points_and_mutants(assignment):
    """Fast part of the check, without running anything."""
    config = assignment.config()
    notebook = build_notebook(assignment.notebook_source)
    graded = [c.metadata["nbgrader"] for c in notebook.cells if c.metadata["nbgrader"]["grade"]]
    total = sum(meta["points"] for meta in graded) + judge_points(assignment)
    assert total == config["points"] == 100
    assert judge_points(assignment) >= MIN_JUDGE_POINTS
    mutants = sorted(assignment.mutants_dir.glob("*.py"))
    assert len(mutants) >= MIN_MUTANTS
    for mutant in mutants:
        docstring = ast.get_docstring(ast.parse(mutant.read_text(encoding="utf-8")))
        assert docstring, f"{mutant.name} needs a docstring that says the mistake"


@pytest.mark.slow
@pytest.mark.parametrize("assignment", SHIPPED, ids=IDS)
def test_shipped_assignment_passes_grader_check(assignment):
    result = check_assignment(assignment, course=None, test_mode=True)
    assert result.passed, "\n".join(result.problems)
    assert result.solution_points == result.judge_points >= MIN_JUDGE_POINTS
    assert result.stub_points == 0
    assert all(points < result.judge_points for points in result.mutants.values())


@pytest.mark.slow
def test_check_of_a_good_tiny_assignment(tiny_course):
    result = check_assignments(find_course(tiny_course), ["00-tiny"], thorough=True)[0]
    assert result.passed, result.problems
    assert (result.notebook_points, result.manual_points, result.judge_points) == (30, 10, 60)
    assert result.mutants == {"adds_two": 0, "int_only": 40, "returns_list": 0, "squares": 0}
    quick = check_assignments(find_course(tiny_course), ["00-tiny"])[0]
    assert quick.passed, quick.problems
    # Without --thorough a mutant's judge stops at its first lost check; here every mutant's
    # first lost check is also its last run, so the points agree.
    assert quick.mutants == result.mutants


@pytest.mark.slow
def test_check_finds_a_mutant_that_survives_and_bad_points(tiny_course):
    folder = tiny_course / "assignments" / "00-tiny"
    (folder / "mutants" / "same_as_solution.py").write_text(
        '"""Not a mistake at all."""\nimport numpy as np\n\n\ndef double(x):\n    return np.asarray(x) * 2\n')
    (folder / "assignment.toml").write_text((folder / "assignment.toml").read_text().replace("points = 100", "points = 90"))
    result = CliRunner().invoke(main, ["--course", str(tiny_course), "check", "00-tiny", "--json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["passed"] is False and [r["name"] for r in report["rows"]] == ["00-tiny"]
    problems = report["rows"][0]["problems"]
    assert "mutant same_as_solution keeps all 60 judge points" in problems
    assert "points do not add up: tests 30 + manual 10 + judge 60 = 100, assignment.toml says 90" in problems


def test_check_names_an_unknown_assignment():
    result = CliRunner().invoke(main, ["check", "99-nope"])
    assert result.exit_code == 1
    known = ", ".join(a.name for a in shipped_assignments())
    assert result.output == f"Error: Unknown assignment '99-nope'. Known assignments: {known}.\n"


def test_check_prints_a_table_csv_or_json_and_exits_1_on_a_problem(monkeypatch):
    import grader.check
    from grader.check import CheckResult

    good = CheckResult("01-good", points=100, notebook_points=30, manual_points=10, judge_points=60,
                       solution_points=60, stub_points=0, mutants={"off_by_one": 20, "wrong_axis": 60}, seconds=12.4)
    bad = CheckResult("02-bad", problems=["mutant wrong_axis keeps all 60 judge points"], points=100,
                      notebook_points=30, manual_points=10, judge_points=60, solution_points=60, mutants={})
    monkeypatch.setattr(grader.check, "check_assignments", lambda *args, **kwargs: [good, bad])
    runner = CliRunner()
    table = runner.invoke(main, ["check", "--all"])
    assert table.exit_code == 1
    assert table.output.splitlines() == [
        "grader check",
        "assignment   result   solution   released   mutants           tests+manual+judge   seconds",
        "─" * 90,
        "01-good      pass     60/60      0          1/2 lose points   30+10+60                  12",
        "02-bad       FAIL     60/60      -          0/0 lose points   30+10+60                   0",
        "02-bad: mutant wrong_axis keeps all 60 judge points",
    ]
    rows = list(csv.reader(io.StringIO(runner.invoke(main, ["check", "--format", "csv"]).output)))
    assert rows[0] == ["name", "passed", "solution_points", "stub_points", "mutants_losing_points", "mutant_count",
                       "notebook_points", "manual_points", "judge_points", "seconds", "problems"]
    assert rows[1] == ["01-good", "true", "60", "0", "1", "2", "30", "10", "60", "12.4", ""]
    assert rows[2][:2] == ["02-bad", "false"] and rows[2][-1] == "mutant wrong_axis keeps all 60 judge points"
    result = runner.invoke(main, ["check", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.output)["passed"] is False
