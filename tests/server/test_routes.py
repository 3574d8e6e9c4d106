"""Every route as nobody, as student A, as student B and as an instructor (Starlette's table-driven style)."""

from __future__ import annotations

import re

import pytest

# Routes anyone may open: the health check, a sign-in link's page and its POST, the style sheet, the API schema.
OPEN = {("GET", "/healthz"), ("GET", "/signin/{token}"), ("POST", "/signin"), ("GET", "/static/{path}"),
        ("GET", "/api/openapi.json")}
EXAMPLES = {"{slug}": "toy", "{name}": "toy", "{token}": "nope", "{path}": "site.css", "{file}": "toy.zip",
            "{notebook}": "baseline", "{submission_id}": "1", "{team_id}": "1", "{assignment}": "nope",
            "{job}": "1", "{fmt}": "csv", "{competition}": "toy"}


def flatten(routes):
    for route in routes:
        if hasattr(route, "original_router"):  # FastAPI keeps an included router whole (no prefixes here)
            yield from flatten(route.original_router.routes)
        else:
            yield route


def every_route(app):
    for route in flatten(app.routes):
        for method in sorted(getattr(route, "methods", None) or ()):
            if method == "HEAD":
                continue
            yield method, route.path


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda m: EXAMPLES.get(m.group(0), "x"), path)


def test_every_route_but_the_open_ones_refuses_nobody(app, api, browser):
    routes = list(every_route(app))
    assert len(routes) >= 30, "the walk must see the whole app"
    nobody_api, nobody_page = api(None), browser(None)
    for method, path in routes:
        if (method, path) in OPEN:
            continue
        client = nobody_api if path.startswith("/api/") else nobody_page
        response = client.request(method, concrete(path))
        assert response.status_code == 401, (method, path, response.status_code, response.text[:200])
        assert "Traceback" not in response.text


def test_a_bad_token_is_nobody(api, server_course):
    from fastapi.testclient import TestClient

    for header in ("Bearer not-a-token", "Basic YW5uOnB3", "Bearer " + "x" * 500, "Bearer"):
        client = TestClient(api(None).app, headers={"Authorization": header})
        assert client.get("/api/competitions").status_code == 401, header


@pytest.mark.parametrize("path", ["/instructor", "/instructor/queue", "/instructor/export/csv"])
def test_instructor_pages_refuse_students(browser, path):
    assert browser("ann").get(path).status_code == 403
    assert browser("prof").get(path).status_code == 200


def test_no_page_of_the_app_answers_with_a_traceback_for_odd_input(browser):
    client = browser("ann")
    for path in ["/competitions/%00/", "/competitions/toy/teams/999999999999999999999", "/competitions/toy/data/..%2F..%2Fgrader.toml",
                 "/competitions/toy/samples/.hidden", "/competitions/../grader.toml", "/static/..%2Fgrader.toml",
                 "/competitions/toy/code/files/x.ipynb", "/api/competitions/toy/submissions/-1",
                 "/api/competitions/toy/submissions/99999999999999999999999"]:
        response = client.get(path)
        assert response.status_code in (400, 404, 405, 422), (path, response.status_code)
        assert "Traceback" not in response.text and "grader.toml" not in response.text.replace(path, "")
