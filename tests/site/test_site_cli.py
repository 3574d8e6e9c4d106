"""`grader site` and `grader serve` through the command line and the server object."""

from __future__ import annotations

import time
import urllib.request
from datetime import datetime, timedelta, timezone

from click.testing import CliRunner
from site_fixtures import add_submission, add_team, make_course, populate, release_kit, write_competition_folder

from grader.cli import main
from leaderboard.serve import SiteServer


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


def test_grader_serve_reports_a_busy_port(tmp_path):
    import socket

    course, _ = course_with_data(tmp_path)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(main, ["--course", str(course.root), "serve", "--port", str(port),
                                           "--out", str(tmp_path / "served")])
    assert result.exit_code == 1
    assert result.output == f"Error: Cannot listen on 127.0.0.1:{port}: Address already in use. Choose another --port.\n"


def test_server_listens_on_localhost_and_rebuilds_when_the_store_changes(tmp_path):
    course, store = course_with_data(tmp_path)
    server = SiteServer(course, store, tmp_path / "served", port=0, poll_seconds=0.1).start()
    try:
        assert server.httpd.server_address[0] == "127.0.0.1"
        page = urllib.request.urlopen(server.url + "digit-recognizer/leaderboard.html", timeout=5).read().decode()
        assert "Newcomers" not in page
        builds = server.builds
        with store.transaction() as session:
            team = add_team(session, "digit-recognizer", "Newcomers", [("new1", "New One")])
            add_submission(session, "digit-recognizer", team, datetime.now(timezone.utc) - timedelta(days=1), 0.999, 0.5)
        deadline = time.monotonic() + 10
        while server.builds == builds and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.builds > builds, server.last_error
        page = urllib.request.urlopen(server.url + "digit-recognizer/leaderboard.html", timeout=5).read().decode()
        assert "Newcomers" in page
        quiet = server.builds
        time.sleep(0.5)  # nothing changed: no rebuild
        assert server.builds == quiet
    finally:
        server.stop()


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
