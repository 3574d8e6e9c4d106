"""A whole class at once against a real server: more students, a fresh PostgreSQL database, bursts of requests.

    roster = class_roster(8)                                 # s1..s8, CSV text for make_server_course
    url = fresh_database(postgres_url)                       # an empty database on the throw-away server
    answers = burst(server.url, [Request(token, "/api/...", files=..., who="s1"), ...])

A burst sends every request at once (asyncio + httpx, one connection each, loopback only)
and waits for all the answers; a connection that breaks (the server was killed) is an
answer too, with status 0.
"""

from __future__ import annotations

import asyncio
import importlib.util
import itertools
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from server_fixtures import SERVER_SETTINGS, enroll

_databases = itertools.count(1)

_factory_path = Path(__file__).resolve().parent.parent / "hostile" / "course_factory.py"
_spec = importlib.util.spec_from_file_location("_cnnkit_hostile_course_factory", _factory_path)
course_factory = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(course_factory)
ASSIGNMENT = course_factory.ASSIGNMENT  # the fixture assignment: two functions and a written answer, graded in seconds


def class_roster(students: int) -> str:
    """Roster CSV text for students s1..sN, each with a display name."""
    lines = ["id,name,email,display_name"]
    lines += [f"s{n},Student {n},s{n}@example.edu,Student {n}" for n in range(1, students + 1)]
    return "\n".join(lines) + "\n"


def fresh_database(postgres_url: str) -> str:
    """A new, empty database on the server of ``postgres_url`` (one per test: nothing is shared)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"cnnkit_server_{time.time_ns()}_{next(_databases)}"
    engine = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return make_url(postgres_url).set(database=name).render_as_string(hide_password=False)


@dataclass
class Request:
    token: str
    path: str
    who: str = ""
    method: str = "POST"
    files: dict | None = None
    data: dict | None = None
    json: object = None


@dataclass
class Answer:
    request: Request
    status: int  # 0: no answer (the connection broke)
    body: dict | list | None = None
    error: str = ""
    at: float = field(default=0.0)  # time.monotonic() when it came

    @property
    def id(self) -> int | None:
        return self.body.get("id") if isinstance(self.body, dict) else None


async def _send(client, request: Request) -> Answer:
    import httpx

    try:
        response = await client.request(request.method, request.path, files=request.files, data=request.data,
                                        json=request.json, headers={"Authorization": f"Bearer {request.token}"})
    except httpx.HTTPError as exc:
        return Answer(request, 0, error=f"{type(exc).__name__}: {exc}", at=time.monotonic())
    try:
        body = response.json()
    except ValueError:
        body = None
    return Answer(request, response.status_code, body, error="" if body is not None else response.text[:500],
                  at=time.monotonic())


async def _burst(base_url: str, requests: list[Request], timeout: float, on_answer) -> list[Answer]:
    import httpx

    limits = httpx.Limits(max_connections=len(requests), max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base_url, timeout=timeout, limits=limits) as client:
        async def one(request: Request) -> Answer:
            answer = await _send(client, request)
            if on_answer is not None:
                on_answer(answer)
            return answer

        return list(await asyncio.gather(*(one(r) for r in requests)))


def burst(base_url: str, requests: list[Request], *, timeout: float = 180.0, on_answer=None) -> list[Answer]:
    """Send every request at once; their answers in the order of ``requests``. ``on_answer`` sees each as it comes."""
    return asyncio.run(_burst(base_url, requests, timeout, on_answer))


def upload(token: str, competition: str, data: bytes, *, who: str = "", message: str = "") -> Request:
    return Request(token, f"/api/competitions/{competition}/submissions", who=who,
                   files={"file": ("submission.csv", data)}, data={"message": message})


def handin_course(root: Path, *, settings: dict | None = None):
    """A course with the fixture assignment released and the class of server_fixtures' ROSTER invited (a ServerCourse).

    ``settings`` are grader.toml sections updated over small sandbox limits, one grading worker and
    generous request rates."""
    values = {**course_factory.SMALL_LIMITS, "executor": {"workers": 1}, "server": dict(SERVER_SETTINGS)}
    for section, keys in (settings or {}).items():
        values[section] = {**values.get(section, {}), **keys}
    return enroll(course_factory.make_course(root, settings=values))


def notebook_bytes(course, *, solved: bool) -> bytes:
    """The fixture assignment as a student hands it in: solved (full marks) or the released stub."""
    notebook = course_factory.solved_notebook(course) if solved else course_factory.released_notebook(course)
    return json.dumps(notebook).encode()


def hand_in(token: str, data: bytes, *, who: str = "", assignment: str = ASSIGNMENT) -> Request:
    return Request(token, f"/api/assignments/{assignment}/submissions", who=who,
                   files={"file": (f"{assignment}.ipynb", data)})


def wait_for(condition, *, timeout: float, what: str, every: float = 0.2):
    """Poll ``condition()`` until it returns something true (returned); fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"waited {timeout:.0f} s for {what}")
