"""`grader site` through the command line."""

from __future__ import annotations

from click.testing import CliRunner
from site_fixtures import make_course, populate, release_kit, write_competition_folder

from grader.cli import main


def course_with_data(tmp_path):
    course, store = make_course(tmp_path / "course")
    write_competition_folder(course)
    release_kit(course)
    populate(store)
    return course, store


def test_grader_site_builds_into_the_course_and_prints_the_index(tmp_path):
    course, _ = course_with_data(tmp_path)
    result = CliRunner().invoke(main, ["--course", str(course.root), "site"])
    assert result.exit_code == 0, result.output
    assert result.output == f"{course.root / 'site' / 'index.html'}\n"
    assert (course.root / "site" / "digit-recognizer" / "leaderboard.html").is_file()
    again = CliRunner().invoke(main, ["--course", str(course.root), "site"])  # a rebuild replaces it
    assert again.exit_code == 0, again.output


def test_grader_site_out_refuses_a_foreign_folder(tmp_path):
    course, _ = course_with_data(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(main, ["--course", str(course.root), "site", "--out", str(other)])
    assert result.exit_code == 1
    assert result.output == (f"Error: {other} is not empty and was not built by 'grader site'; refusing to replace it. "
                             "Choose an empty or new --out folder.\n")
    assert sorted(p.name for p in other.iterdir()) == ["notes.txt"]


def test_a_broken_competition_is_one_error_line_and_the_old_site_stays(tmp_path):
    course, _ = course_with_data(tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, ["--course", str(course.root), "site"]).exit_code == 0
    before = (course.root / "site" / "digit-recognizer" / "leaderboard.html").read_bytes()
    toml = course.path("competitions", "digit-recognizer", "competition.toml")
    toml.write_text(toml.read_text(encoding="utf-8").replace('metric = "accuracy_score"', 'metric = "vibes"'),
                    encoding="utf-8")
    result = runner.invoke(main, ["--course", str(course.root), "site"])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {toml}: 'metric' 'vibes' is not a known metric.")
    assert result.output.count("\n") == 1
    assert (course.root / "site" / "digit-recognizer" / "leaderboard.html").read_bytes() == before
    assert [p.name for p in course.root.iterdir() if ".building-" in p.name] == []
