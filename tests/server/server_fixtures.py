"""The server tests' helpers: a course with a toy competition, a class of three and an instructor, and a
real ``grader serve`` in its own process. (Fixtures are in conftest.py; a module of its own name, so that
tests of other folders, run in the same session, never import the wrong conftest.)"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

warnings.filterwarnings("ignore", message=".*httpx2.*")

_toy_path = Path(__file__).resolve().parent.parent / "competitions" / "conftest.py"
_spec = importlib.util.spec_from_file_location("_cnnkit_toy_competitions", _toy_path)
toy = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(toy)

ROSTER = "id,name,email,display_name\nann,Ann Lee,ann@example.edu,Ann L.\nben,Ben Park,ben@example.edu,\n" \
         "cat,Cat Kim,cat@example.edu,Cat K.\n"
SERVER_SETTINGS = {"uploads_per_minute": 1000, "requests_per_minute": 100000, "signins_per_minute": 5}


@dataclass
class ServerCourse:
    course: object
    store: object
    tokens: dict = field(default_factory=dict)  # person -> API token
    links: dict = field(default_factory=dict)  # person -> sign-in URL path (/signin/...)

    def valid_csv(self, wrong: int = 0) -> bytes:
        """A complete prediction file of the toy competition, ``wrong`` rows wrong."""
        from grader.competitions.solution import load_solution

        solution = load_solution(self.cfg)
        labels = solution.truth.copy()
        labels[:wrong] = (labels[:wrong] + 1) % 10
        return ("ImageId,Label\n" + "".join(f"{i},{t}\n" for i, t in zip(solution.ids, labels))).encode()

    @property
    def cfg(self):
        from grader.competitions.config import load_competition

        return load_competition(self.course, "toy")


def make_server_course(root: Path, *, daily_limit: int = 5, settings: dict | None = None, url: str = "",
                       roster: str = ROSTER, database_url: str = "") -> ServerCourse:
    """The toy competition's course, its class (``roster``: CSV text) invited; on ``database_url`` if given."""
    from grader.course import find_course, load_config, render_config
    from grader.store import Store

    course = toy.make_course(root)
    values = load_config(course.path("grader.toml"))
    values["server"].update(SERVER_SETTINGS if settings is None else settings)
    values["server"]["url"] = url
    values["database"]["url"] = database_url
    values["course"]["title"] = "CNN <b>2026</b>"
    course.path("grader.toml").write_text(render_config(values), encoding="utf-8")
    course = find_course(root)
    if database_url:
        Store.open(course).create()
    toy.add_competition(course, "toy", toy.TOY_TOML.format(daily_limit=daily_limit))
    return enroll(course, roster)


def enroll(course, roster: str = ROSTER) -> ServerCourse:
    """Import ``roster`` (CSV text) into ``course``; a sign-in link and API token for each student and 'prof'."""
    from grader.auth import INSTRUCTOR, STUDENT, ensure_secret, invite
    from grader.roster import import_roster
    from grader.store import Store

    path = course.path("roster.csv")
    path.write_text(roster, encoding="utf-8")
    store = Store.open(course)
    students = [entry.id for entry in import_roster(course, store, path)]
    ensure_secret(course)
    made = ServerCourse(course=course, store=store)
    for role, who in [(STUDENT, s) for s in students] + [(INSTRUCTOR, "prof")]:
        invitation = invite(course, store, role=role, principal=who, base_url="http://testserver", days=7)
        made.tokens[who], made.links[who] = invitation.token, invitation.url.removeprefix("http://testserver")
    return made


def csrf_of(html: str) -> str:
    import re

    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "the page has no form with a CSRF field"
    return match.group(1)


# ---------------------------------------------------------------- a real server in its own process


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """``grader serve`` as an instructor starts it, in its own process on a free port of 127.0.0.1."""

    def __init__(self, course_root: Path, *, port: int | None = None, log: Path | None = None):
        self.course_root, self.port = course_root, port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log or course_root / "server.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> "LiveServer":
        import httpx

        grader = Path(sys.executable).with_name("grader")
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen([str(grader), "--course", str(self.course_root), "serve", "--port",
                                             str(self.port), "--workers", "1", "--no-sandbox"],
                                            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"grader serve exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(f"grader serve did not answer in {timeout} s: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL: no cleanup, as a crash or the OOM killer leaves it."""
        import signal

        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        import signal

        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
