"""run_judge and the plugin: points, partial credit, safe messages, student failures as data."""

import json

import pytest

from grader.errors import AssignmentError
from grader.judge import InProcessBackend, run_judge

STUDENT = """
import numpy as np

def normalize(x):
    return x / 128

def boom(kind):
    if kind == "value":
        raise ValueError("bad value")
    raise KeyError("no key")

def quiet():
    return 1

class Liar:
    def __eq__(self, other):
        return True

def liar():
    return Liar()
"""

CHECKS = """
import numpy as np
import pytest
from grader.judge import StudentRaised

SECRET = 424242

@pytest.mark.points(10)
def test_with_message(student, rng):
    x = rng.integers(0, 256, size=(2, 3))
    assert np.allclose(student.normalize(x), x / 255), "normalize must divide by 255"

@pytest.mark.points(5)
def test_without_message(student):
    assert student.quiet() == SECRET

@pytest.mark.points(4)
def test_partial(student, credit):
    credit(0.25, "a quarter")

@pytest.mark.points(3)
def test_full(student):
    assert student.quiet() == 1

@pytest.mark.points(3)
def test_value_error(student):
    with pytest.raises(StudentRaised) as err:
        student.boom("value")
    assert err.value.is_a("ValueError") and err.value.is_a("Exception")
    assert err.value.type_name == "ValueError" and err.value.message == "bad value"

@pytest.mark.points(3)
def test_unexpected_raise(student):
    student.boom("key")

@pytest.mark.points(2)
def test_missing(student):
    student.conv2d(1)

@pytest.mark.points(2)
def test_lying_object(student):
    assert student.liar() == SECRET, "liar must return the secret"

@pytest.mark.points(2)
def test_did_not_raise(student):
    with pytest.raises(StudentRaised):
        student.quiet()

@pytest.mark.points(1)
def test_judge_crash(student):
    np.ones(3).reshape(SECRET)  # ValueError whose text holds the secret
"""


@pytest.fixture
def report(make_judge, tmp_path):
    judge = make_judge({"test_checks.py": CHECKS}, toml='title = "t"\n')
    return run_judge(judge, InProcessBackend(STUDENT), report_path=tmp_path / "out" / "report.json")


def by_name(report):
    return {check["name"]: check for check in report.checks}


def test_points_and_partial_credit(report):
    checks = by_name(report)
    assert checks["test_full"]["passed"] and checks["test_full"]["points"] == 3
    assert checks["test_partial"]["passed"] and checks["test_partial"]["points"] == 1.0
    assert checks["test_partial"]["message"] == "a quarter"
    assert checks["test_with_message"]["points"] == 0 and not checks["test_with_message"]["passed"]
    assert report.points == 3 + 1 + 3  # full, partial, value_error
    assert report.max_points == 10 + 5 + 4 + 3 + 3 + 3 + 2 + 2 + 2 + 1
    assert [c["name"] for c in report.checks][:3] == ["test_with_message", "test_without_message", "test_partial"]


def test_messages_are_the_assertions_own_and_never_show_values(report):
    checks = by_name(report)
    assert checks["test_with_message"]["message"] == "normalize must divide by 255"
    assert checks["test_without_message"]["message"] == "check failed: test_without_message"
    assert checks["test_lying_object"]["message"] == "liar returned Liar, expected data"
    assert checks["test_did_not_raise"]["message"] == \
        "check failed: test_did_not_raise (the student's code raised no exception)"
    assert checks["test_judge_crash"]["message"] == "check failed: test_judge_crash"
    for check in report.checks:
        assert "424242" not in check["message"] and "assert" not in check["message"]
        assert "424242" not in json.dumps(check["extra"])


def test_student_failures_are_reported_as_data(report):
    checks = by_name(report)
    assert checks["test_value_error"]["passed"]
    assert checks["test_unexpected_raise"]["message"] == "boom raised KeyError: 'no key'"
    assert checks["test_missing"]["message"] == "the notebook defines no function 'conv2d'"


def test_report_json_is_written(report, tmp_path):
    written = json.loads((tmp_path / "out" / "report.json").read_text())
    assert written["points"] == report.points and written["max_points"] == report.max_points
    assert {c["id"] for c in written["checks"]} == {c["id"] for c in report.checks}
    assert all(set(c) == {"id", "name", "points", "max_points", "passed", "message", "extra"} for c in written["checks"])


def test_a_test_without_points_is_an_authoring_error(make_judge):
    judge = make_judge({"test_a.py": "def test_unweighted(student):\n    pass\n"})
    with pytest.raises(AssignmentError, match="needs @pytest.mark.points"):
        run_judge(judge, InProcessBackend(""))


def test_a_broken_judge_file_is_an_authoring_error(make_judge):
    judge = make_judge({"test_a.py": "def test_broken(:\n"})
    with pytest.raises(AssignmentError, match="could not run"):
        run_judge(judge, InProcessBackend(""))


def test_an_empty_judge_is_an_authoring_error(make_judge, tmp_path):
    judge = make_judge({"helpers.py": "X = 1\n"})
    with pytest.raises(AssignmentError, match="has no judge tests"):
        run_judge(judge, InProcessBackend(""))
    with pytest.raises(AssignmentError, match="does not exist"):
        run_judge(tmp_path / "nowhere", InProcessBackend(""))


def test_no_conftest_or_ini_from_above_the_judge_is_used(make_judge, tmp_path):
    (tmp_path / "conftest.py").write_text("import pytest\n@pytest.fixture\ndef student():\n    return 'hijacked'\n")
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = --this-option-does-not-exist\n")
    judge = make_judge({"test_a.py": """
        import pytest

        @pytest.mark.points(1)
        def test_real_student(student):
            assert student.quiet() == 1
    """})
    report = run_judge(judge, InProcessBackend("def quiet():\n    return 1\n"))
    assert report.points == 1


def test_same_file_names_in_two_judges_do_not_clash(make_judge):
    first = make_judge({"test_judge.py": "import pytest\n@pytest.mark.points(1)\ndef test_one(student):\n    pass\n"},
                       folder="one")
    second = make_judge({"test_judge.py": "import pytest\n@pytest.mark.points(2)\ndef test_two(student):\n    pass\n"},
                        folder="two")
    assert [c["name"] for c in run_judge(first, InProcessBackend("")).checks] == ["test_one"]
    assert [c["name"] for c in run_judge(second, InProcessBackend("")).checks] == ["test_two"]


def test_fixtures_rng_config_budget_and_tiers(make_judge):
    judge = make_judge({"test_f.py": """
        import numpy as np
        import pytest

        @pytest.mark.points(1)
        def test_rng_is_seeded_per_test(rng):
            assert isinstance(rng, np.random.Generator)
            assert rng.integers(0, 2**31) == np.random.default_rng(__import__("zlib").crc32(b"test_f.py::test_rng_is_seeded_per_test")).integers(0, 2**31)

        @pytest.mark.points(1)
        def test_config_and_budget(assignment_config, training_budget, test_mode):
            assert assignment_config["title"] == "fixtures"
            assert training_budget == (1.5 if test_mode else 30)

        @pytest.mark.points(1)
        def test_tiers(tier_credit, test_mode):
            if test_mode:
                assert tier_credit(0.7, "full") == (1.0, 0.5)
            else:
                assert tier_credit(0.95, "full") == (0.5, 0.9)
                assert tier_credit(0.99, "full") == (1.0, 0.98)
                assert tier_credit(0.5, "full") == (0.0, None)
    """}, toml="""
        title = "fixtures"
        [training]
        budget_seconds = 30
        test_budget_seconds = 1.5
        [training.tiers.full]
        "0.98" = 1.0
        "0.9" = 0.5
        [training.tiers.test]
        "0.5" = 1.0
    """)
    for test_mode in (False, True):
        report = run_judge(judge, InProcessBackend(""), test_mode=test_mode)
        assert report.points == 3, [c["message"] for c in report.checks]


def test_the_student_cannot_change_the_judges_arrays(make_judge):
    judge = make_judge({"test_m.py": """
        import numpy as np
        import pytest

        @pytest.mark.points(1)
        def test_copy(student):
            x = np.zeros(4)
            student.scribble(x)
            assert not x.any(), "the judge's array changed"
    """})
    report = run_judge(judge, InProcessBackend("def scribble(x):\n    x[:] = 7\n    return None\n"))
    assert report.points == 1


def test_a_missing_dataset_is_an_error_of_the_grader_not_a_quiet_zero(make_judge):
    judge = make_judge({"test_d.py": """
        import pytest

        @pytest.mark.points(5)
        def test_needs_data(student, splits):
            splits("no-such-dataset")
    """})
    report = run_judge(judge, InProcessBackend(""))
    check = report.checks[0]
    assert check["points"] == 0
    assert check["message"].startswith("check could not run: Unknown dataset 'no-such-dataset'.")
    assert len(report.errors) == 1 and "Unknown dataset" in report.errors[0]


def test_stop_at_first_failure_runs_no_check_after_the_first_lost_one(make_judge):
    judge = make_judge({"test_order.py": """
        import pytest

        @pytest.mark.points(5)
        def test_first(student):
            assert student.quiet() == 1, "quiet returns 1"

        @pytest.mark.points(5)
        def test_second(student):
            assert student.normalize(255) == 1, "normalize divides by 255"

        @pytest.mark.points(5)
        def test_third(student):
            assert student.quiet() == 1, "quiet returns 1"
    """}, toml='title = "t"\n')
    full = run_judge(judge, InProcessBackend(STUDENT))
    quick = run_judge(judge, InProcessBackend(STUDENT), stop_at_first_failure=True)
    assert [c["name"] for c in full.checks] == ["test_first", "test_second", "test_third"]
    assert [c["passed"] for c in full.checks] == [True, False, True]
    assert [c["passed"] for c in quick.checks] == [True, False, False]
    assert quick.checks[2]["message"] == "check did not run: test_third"
    assert (full.points, quick.points, quick.max_points) == (10, 5, 15)
