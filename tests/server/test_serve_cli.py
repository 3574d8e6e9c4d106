"""``grader serve``'s refusals, ``grader roster`` and ``grader invite`` through the command line."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from grader.cli import main


def run(course, *args):
    return CliRunner().invoke(main, ["--course", str(course.root), *args])


def test_serving_beyond_this_machine_needs_the_courses_private_key(server_course):
    from grader.auth import secret_path
    from grader.server.run import ServeError, secret_for

    key = secret_path(server_course.course)
    assert secret_for(server_course.course, "127.0.0.1")  # present and private: fine
    key.chmod(0o644)
    try:
        secret_for(server_course.course, "192.0.2.10")
    except ServeError as exc:
        assert "readable by other users" in str(exc) and f"chmod 600 {key}" in str(exc)
    else:
        raise AssertionError("a world-readable key must stop a public server")
    key.unlink()
    try:
        secret_for(server_course.course, "192.0.2.10")
    except ServeError as exc:
        assert "has no secret key" in str(exc)
    else:
        raise AssertionError("a missing key must stop a public server")
    assert secret_for(server_course.course, "127.0.0.1") and oct(key.stat().st_mode & 0o777) == "0o600"


def test_a_busy_port_is_one_error_line(server_course):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        grader = Path(sys.executable).with_name("grader")  # the real command: its stderr, not click's runner
        result = subprocess.run([str(grader), "--course", str(server_course.course.root), "serve", "--port", str(port),
                                 "--no-sandbox"], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [f"Error: Cannot listen on 127.0.0.1:{port}: Address already in use. "
                                          "Stop what uses that port or choose another with --port."]


def test_roster_import_and_list_and_a_bad_roster(server_course, tmp_path):
    roster = tmp_path / "class.csv"
    roster.write_text("student_id,full_name,email,lms_id\ndan,Dan Cho,dan@example.edu,4411\n", encoding="utf-8")
    result = run(server_course.course, "roster", "import", str(roster))
    assert result.exit_code == 0 and result.output.startswith("Imported 1 student from ")
    listed = json.loads(run(server_course.course, "roster", "list", "--json").output)
    assert {r["id"]: r["lms_id"] for r in listed["rows"]}["dan"] == "4411"
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name\nok,Fine\nnot ok,Space In Id\n", encoding="utf-8")
    result = run(server_course.course, "roster", "import", str(bad))
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "row 3 of bad.csv" in result.output and "'not ok'" in result.output
    assert "ok" not in [r["id"] for r in json.loads(run(server_course.course, "roster", "list", "--json").output)["rows"]]


def test_invite_prints_links_and_tokens_once_and_rotates(server_course):
    first = json.loads(run(server_course.course, "invite", "ann", "--url", "https://cnn.example.edu", "--json").output)
    assert first[0]["student"] == "ann" and first[0]["url"].startswith("https://cnn.example.edu/signin/")
    assert first[0]["token"] is None  # ann already has an API token (stored hashed: it cannot be shown again)
    rotated = json.loads(run(server_course.course, "invite", "ann", "--rotate", "--json").output)
    assert rotated[0]["token"] and rotated[0]["url"] != first[0]["url"]
    from grader.auth import principal_for_api_token

    assert principal_for_api_token(server_course.store, server_course.tokens["ann"]) is None  # the old one is dead
    assert principal_for_api_token(server_course.store, rotated[0]["token"]).id == "ann"
    unknown = run(server_course.course, "invite", "zed")
    assert unknown.exit_code == 1 and "No student 'zed' in the roster" in unknown.output
    teacher = json.loads(run(server_course.course, "invite", "--instructor", "kim", "--json").output)
    assert teacher[0]["instructor"] == "kim" and teacher[0]["token"]


def test_the_stored_tokens_are_hashes(server_course):
    from sqlalchemy import select

    from grader.store import AccessToken

    with server_course.store.read() as session:
        stored = set(session.scalars(select(AccessToken.digest)))
    assert all(len(d) == 64 for d in stored)
    assert not any(token in stored for token in server_course.tokens.values())
    assert os.stat(server_course.course.path(".server-secret")).st_mode & 0o077 == 0
