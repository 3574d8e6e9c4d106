"""Fixtures of the server tests (the helpers are in server_fixtures.py)."""

from __future__ import annotations

import pytest
from server_fixtures import ServerCourse, make_server_course, toy

postgres_url = toy.postgres_url  # the store tests' throw-away PostgreSQL server, as a fixture here too


@pytest.fixture(scope="session")
def _server_course_template(tmp_path_factory) -> ServerCourse:
    return make_server_course(tmp_path_factory.mktemp("server-template") / "course")


@pytest.fixture
def server_course(tmp_path, _server_course_template) -> ServerCourse:
    """A fresh copy of one prepared course (building it takes seconds: the gradebook, the kit, the roster)."""
    import shutil

    from grader.course import find_course
    from grader.store import Store

    root = tmp_path / "course"
    shutil.copytree(_server_course_template.course.root, root)
    course = find_course(root)
    return ServerCourse(course=course, store=Store.open(course), tokens=dict(_server_course_template.tokens),
                        links=dict(_server_course_template.links))


@pytest.fixture
def app(server_course):
    from grader.server import create_app

    return create_app(server_course.course)


@pytest.fixture
def api(app, server_course):
    """``api(person)``: a client sending that person's API token (``api(None)``: nobody's)."""
    from fastapi.testclient import TestClient

    def make(person: str | None):
        headers = {"Authorization": f"Bearer {server_course.tokens[person]}"} if person else {}
        return TestClient(app, headers=headers, raise_server_exceptions=False)

    return make


@pytest.fixture
def browser(app, server_course):
    """``browser(person)``: a cookie-carrying client signed in through that person's link, posting same-origin."""
    from fastapi.testclient import TestClient

    def make(person: str | None):
        client = TestClient(app, headers={"Origin": "http://testserver"}, raise_server_exceptions=False,
                            follow_redirects=False)
        if person:
            token = server_course.links[person].rsplit("/", 1)[1]
            response = client.post("/signin", data={"token": token})
            assert response.status_code == 303, response.text
        return client

    return make
