"""The class server under a class: students signing in, submitting and reading boards at once; a busy
leaderboard page; a class handing in notebooks within ten seconds.

    .venv/bin/python benchmarks/bench_server.py [--students 200] [--submitters 50] [--seconds 120] [--think 2]
        [--teams 300] [--per-team 30] [--board-requests 50] [--handins 100] [--workers N] [--no-sandbox]
        [--parts class,board,handins]

Every part runs a real ``grader serve`` (its own process, 127.0.0.1, a free port) on a fresh course
and drives it from this process with asyncio + httpx; nothing leaves the machine.

* **class**: a course with the shipped ``fashion-mnist`` kit released from Debian's data (the
  daily limit raised for the run) and ``--students`` students. Each signs in through their link
  (the POST a browser makes); the first ``--submitters`` then upload full-size prediction files
  (the 10,000-row test set, random labels) back to back through the API for ``--seconds``, while
  the others load the competition's pages (leaderboard, overview, their submissions), pausing
  ``--think`` seconds (± half) between pages. Printed: accepted submissions per minute, p50 /
  p95 / p99 of submit-to-score (a submission is scored before its answer comes) and of each
  page, errors, and the store's count of scored files against the acknowledged count.
* **board**: the public leaderboard page with ``--teams`` teams × ``--per-team`` submissions
  (the store filled directly, as bench_site.py does), requested one at a time: p50 / p95.
* **handins**: ``--handins`` students hand in ``01-preprocessing`` (half the instructor's
  solution, half the released stub, as ``grader demo`` makes them), spread evenly over 10 s.
  Printed: the time from the first hand-in until the last feedback is ready, against ``grader
  score`` grading the same files with the same workers on the same course afterwards; the queue
  wait p50 / p95; the per-phase times of the jobs (``job.phases``: queued, notebook, judge,
  training, worker; ``saved`` = finished − started − worker).

The client shares the machine with the server: on a small machine read the load average printed
beside the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

COMPETITION = "fashion-mnist"
ASSIGNMENT = "01-preprocessing"
GENEROUS = {"signins_per_minute": 1_000_000, "uploads_per_minute": 1_000_000, "requests_per_minute": 1_000_000}
PAGES = {"leaderboard page": f"/competitions/{COMPETITION}/leaderboard",
         "overview page": f"/competitions/{COMPETITION}/",
         "my submissions page": f"/competitions/{COMPETITION}/submissions"}
HANDIN_WINDOW = 10.0


# ---------------------------------------------------------------- measuring


def percentile(values: list[float], share: float) -> float:
    return sorted(values)[min(len(values) - 1, round(share * (len(values) - 1)))]


@dataclass
class Tally:
    """Latencies (seconds) per kind of request, and the errors seen."""

    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)

    def add(self, kind: str, began: float, ok: bool, what: str = "") -> None:
        self.seconds[kind].append(time.perf_counter() - began)
        if not ok:
            self.errors.append(f"{kind}: {what}"[:300])

    def print(self) -> None:
        for kind, values in self.seconds.items():
            print(f"  {kind:22s} n={len(values):6d}  p50 {1000 * statistics.median(values):7.0f} ms  "
                  f"p95 {1000 * percentile(values, 0.95):7.0f} ms  p99 {1000 * percentile(values, 0.99):7.0f} ms")
        print(f"  errors: {len(self.errors)}" + "".join(f"\n    {e}" for e in self.errors[:10]))


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} CPUs"


# ---------------------------------------------------------------- a real server


class Server:
    """``grader serve`` in its own process group on a free port of 127.0.0.1."""

    def __init__(self, root: Path, *, workers: int, sandbox: bool):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = root / "server.log"
        grader = Path(sys.executable).with_name("grader")
        self.argv = [str(grader), "--course", str(root), "serve", "--port", str(self.port), "--workers", str(workers),
                     *([] if sandbox else ["--no-sandbox"])]

    def __enter__(self) -> "Server":
        import httpx

        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"grader serve exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.3)
        raise SystemExit(f"grader serve did not answer in 120 s: {self.log.read_text()[-2000:]}")

    def failures(self) -> list[str]:
        """The server's logged errors: each distinct 'unexpected error' with the exception it ended in."""
        found, lines = {}, self.log.read_text(errors="replace").splitlines()
        for n, line in enumerate(lines):
            if "unexpected error on" in line:
                ending = next((later for later in lines[n + 1:] if later and not later.startswith((" ", "Traceback",
                              "During handling", "The above exception", "+", "|"))), "")
                found.setdefault(f"{line.strip()} -> {ending.strip()[:200]}", None)
        return list(found)

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


# ---------------------------------------------------------------- a course and its class


def make_course(root: Path, *, students: int, workers: int, release: list[str]):
    """A course from ``grader init`` with ``release`` released, a roster of ``students`` and their sign-ins."""
    from grader.auth import STUDENT, invite
    from grader.course import find_course, init_course, load_config, render_config
    from grader.roster import import_roster
    from grader.store import Store
    from grader.targets import release as release_targets
    from grader.targets import resolve

    course = init_course(root)
    values = load_config(course.path("grader.toml"))
    values["server"].update(GENEROUS)
    values["executor"]["workers"] = workers
    course.path("grader.toml").write_text(render_config(values), encoding="utf-8")
    course = find_course(root)
    toml = course.path("competitions", COMPETITION, "competition.toml")
    toml.write_text(re.sub(r"(?m)^daily_limit = \d+", "daily_limit = 1000000", toml.read_text(encoding="utf-8")),
                    encoding="utf-8")
    release_targets(course, resolve(course, release))
    roster = root / "roster.csv"
    roster.write_text("id,name,email\n" + "".join(f"b{n:03d},Student {n},b{n:03d}@example.edu\n"
                                                  for n in range(students)), encoding="utf-8")
    store = Store.open(course)
    people = {}
    for entry in import_roster(course, store, roster):
        made = invite(course, store, role=STUDENT, principal=entry.id, base_url="http://x", days=7)
        people[entry.id] = (made.token, made.url.rsplit("/", 1)[1])
    return course, store, people


def prediction_files(course, count: int, seed: int = 0) -> list[bytes]:
    """``count`` full-size prediction files for the fashion-mnist test set, random labels."""
    import numpy as np

    sample = course.path("release", COMPETITION, "sample_submission.csv").read_text(encoding="utf-8").splitlines()
    header, ids = sample[0], [line.split(",")[0] for line in sample[1:]]
    rng = np.random.default_rng(seed)
    return [(header + "\n" + "".join(f"{i},{k}\n" for i, k in zip(ids, rng.integers(0, 10, len(ids))))).encode()
            for _ in range(count)]


# ---------------------------------------------------------------- part 1: the class at work


async def signed_in(client, link_token: str, tally: Tally) -> None:
    began = time.perf_counter()
    response = await client.post("/signin", data={"token": link_token})
    tally.add("sign-in", began, response.status_code == 303, f"{response.status_code} {response.text[:100]}")


async def submitter(url, token, link, files, until, tally, accepted: list[int]) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        await signed_in(client, link, tally)
        headers = {"Authorization": f"Bearer {token}"}
        while time.monotonic() < until:
            began = time.perf_counter()
            try:
                response = await client.post(f"/api/competitions/{COMPETITION}/submissions", headers=headers,
                                             files={"file": ("submission.csv", random.choice(files))})
            except httpx.HTTPError as exc:
                tally.add("submit -> score", began, False, repr(exc))
                continue
            body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
            ok = response.status_code == 201 and body.get("status") == "scored" and body.get("public_score") is not None
            tally.add("submit -> score", began, ok, f"{response.status_code} {str(body)[:150]}")
            if response.status_code == 201:
                accepted.append(body["id"])


async def viewer(url, link, until, think, tally) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        await signed_in(client, link, tally)
        while time.monotonic() < until:
            kind, path = random.choice(list(PAGES.items()))
            began = time.perf_counter()
            try:
                response = await client.get(path)
                tally.add(kind, began, response.status_code == 200, f"{response.status_code} {path}")
            except httpx.HTTPError as exc:
                tally.add(kind, began, False, repr(exc))
            await asyncio.sleep(think * random.uniform(0.5, 1.5))


async def the_class(url, people, files, *, submitters: int, seconds: float, think: float, tally, accepted):
    until = time.monotonic() + seconds
    tasks = []
    for n, (token, link) in enumerate(people.values()):
        if n < submitters:
            tasks.append(submitter(url, token, link, files, until, tally, accepted))
        else:
            tasks.append(viewer(url, link, until, think, tally))
    await asyncio.gather(*tasks)


def part_class(args, tmp: Path) -> None:
    from sqlalchemy import func, select

    from grader.store import Submission

    print(f"\n== class: {args.students} students, {args.submitters} submitting back to back, the others reading "
          f"pages (think {args.think:g} s), {args.seconds:g} s ==")
    course, store, people = make_course(tmp / "class", students=args.students, workers=1, release=[COMPETITION])
    files = prediction_files(course, 16)
    print(f"prediction files: {len(files[0]) / 1000:.0f} kB each; load average before: {load()}")
    tally, accepted = Tally(), []
    with Server(course.root, workers=1, sandbox=not args.no_sandbox) as server:
        began = time.monotonic()
        asyncio.run(the_class(server.url, people, files, submitters=args.submitters, seconds=args.seconds,
                              think=args.think, tally=tally, accepted=accepted))
        elapsed = time.monotonic() - began
    for failure in server.failures()[:5]:
        print(f"  server log: {failure}")
    with store.read() as session:
        stored = session.scalar(select(func.count()).select_from(Submission).where(
            Submission.target == COMPETITION, Submission.status == "scored"))
    print(f"load average after: {load()}")
    print(f"accepted submissions: {len(accepted)} in {elapsed:.0f} s = {60 * len(accepted) / elapsed:.0f} per minute")
    tally.print()
    lost = len(set(accepted)) - stored
    print(f"store: {stored} scored submissions; acknowledged {len(accepted)} ({len(set(accepted))} distinct ids): "
          f"{'0 lost, 0 doubled' if lost == 0 and len(accepted) == len(set(accepted)) else f'MISMATCH {lost}'}")


# ---------------------------------------------------------------- part 2: a busy leaderboard page


def part_board(args, tmp: Path) -> None:
    import httpx
    from bench_site import make

    from grader.auth import STUDENT, invite
    from grader.course import load_config, render_config

    print(f"\n== board: the leaderboard page with {args.teams} teams x {args.per_team} submissions ==")
    root = tmp / "board"
    course, store = make(root, args.teams, args.per_team)
    values = load_config(course.path("grader.toml"))
    values["server"].update(GENEROUS)
    course.path("grader.toml").write_text(render_config(values), encoding="utf-8")
    course.path("release", "digit-recognizer").mkdir(exist_ok=True)
    token = invite(course, store, role=STUDENT, principal="s0000", base_url="http://x", days=7).token
    tally = Tally()
    with Server(root, workers=1, sandbox=False) as server:
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
            for path in ("/competitions/digit-recognizer/leaderboard", "/api/competitions/digit-recognizer/leaderboard"):
                client.get(path)  # templates compiled, caches warm, as on a running server
                for _ in range(args.board_requests):
                    began = time.perf_counter()
                    response = client.get(path)
                    tally.add("leaderboard page" if "/api/" not in path else "leaderboard API", began,
                              response.status_code == 200, f"{response.status_code}")
    print(f"load average: {load()}")
    tally.print()


# ---------------------------------------------------------------- part 3: a class hands in notebooks


def handin_notebooks(course) -> tuple[bytes, bytes]:
    """(the instructor's solution, the released stub) of 01-preprocessing, as students hand them in."""
    import nbformat

    from grader.demo import solution_notebook

    released = nbformat.read(str(course.path("release", ASSIGNMENT, f"{ASSIGNMENT}.ipynb")), as_version=4)
    source = nbformat.read(str(course.path("source", ASSIGNMENT, f"{ASSIGNMENT}.ipynb")), as_version=4)
    return nbformat.writes(solution_notebook(released, source)).encode(), nbformat.writes(released).encode()


async def hand_in_all(url, people, notebooks, tally) -> float:
    """Every student hands in at their moment of the 10-second window; when the first hand-in was sent."""
    import httpx

    first = time.time()
    step = HANDIN_WINDOW / max(1, len(people))

    async def one(n, token):
        await asyncio.sleep(n * step)
        async with httpx.AsyncClient(base_url=url, timeout=120) as client:
            began = time.perf_counter()
            response = await client.post(f"/api/assignments/{ASSIGNMENT}/submissions",
                                         headers={"Authorization": f"Bearer {token}"},
                                         files={"file": (f"{ASSIGNMENT}.ipynb", notebooks[n % 2])})
            tally.add("hand-in", began, response.status_code == 201, f"{response.status_code} {response.text[:150]}")

    await asyncio.gather(*(one(n, token) for n, (token, _link) in enumerate(people.values())))
    return first


def part_handins(args, tmp: Path) -> None:
    from sqlalchemy import func, select

    from grader.competitions.rules import as_utc
    from grader.store import GradingJob
    from grader.targets import score

    workers = args.workers or os.cpu_count() or 1
    print(f"\n== handins: {args.handins} students hand in {ASSIGNMENT} within {HANDIN_WINDOW:g} s "
          f"(half solution, half stub), {workers} grading workers, sandbox {'off' if args.no_sandbox else 'on'} ==")
    course, store, people = make_course(tmp / "handins", students=args.handins, workers=workers, release=[ASSIGNMENT])
    notebooks = handin_notebooks(course)
    tally = Tally()
    print(f"load average before: {load()}")
    with Server(course.root, workers=workers, sandbox=not args.no_sandbox) as server:
        first = asyncio.run(hand_in_all(server.url, people, notebooks, tally))
        deadline = time.monotonic() + args.handin_timeout
        while time.monotonic() < deadline:
            with store.read() as session:
                open_jobs = session.scalar(select(func.count()).select_from(GradingJob).where(
                    GradingJob.status.in_(("queued", "running"))))
            if not open_jobs:
                break
            time.sleep(1.0)
        else:
            print(f"  gave up after {args.handin_timeout:.0f} s: {open_jobs} jobs still open")
    with store.read() as session:
        jobs = list(session.scalars(select(GradingJob).where(GradingJob.target == ASSIGNMENT)))
    done = [j for j in jobs if j.status == "done"]
    last = max(as_utc(j.finished_at).timestamp() for j in done) if done else float("nan")
    served = last - first
    print(f"load average after the server: {load()}")
    tally.print()
    verdicts = defaultdict(int)
    for job in done:
        verdicts[job.verdict] += 1
    print(f"jobs: {len(jobs)}, done {len(done)} ({dict(verdicts)}); first hand-in -> last feedback: {served:.1f} s")
    phases = defaultdict(list)
    for job in done:
        for name, value in (job.phases or {}).items():
            if isinstance(value, (int, float)):
                phases[name].append(float(value))
        if job.started_at and job.finished_at and (job.phases or {}).get("worker") is not None:
            phases["saved"].append((as_utc(job.finished_at) - as_utc(job.started_at)).total_seconds()
                                   - job.phases["worker"])
    for name, values in phases.items():
        print(f"  phase {name:10s} p50 {statistics.median(values):7.2f} s  p95 {percentile(values, 0.95):7.2f} s")
    print(f"grader score on the same {len(done)} files, {workers} workers ...")
    began = time.monotonic()
    summary = score(course, names=[ASSIGNMENT], rescore=True, workers=workers, sandbox=not args.no_sandbox)
    alone = time.monotonic() - began
    print(f"grader score: {alone:.1f} s for {len(summary.results)} notebooks; the server's wall is "
          f"{100 * (served / alone - 1):+.1f} % of it (target: <= +5 %); load average: {load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--submitters", type=int, default=None,
                        help="of the students, how many submit back to back (default: a quarter, 50 of 200)")
    parser.add_argument("--seconds", type=float, default=120.0, help="how long the class works")
    parser.add_argument("--think", type=float, default=2.0, help="seconds a reader pauses between pages")
    parser.add_argument("--teams", type=int, default=300)
    parser.add_argument("--per-team", type=int, default=30)
    parser.add_argument("--board-requests", type=int, default=50)
    parser.add_argument("--handins", type=int, default=100)
    parser.add_argument("--handin-timeout", type=float, default=3600.0, help="give up waiting for grading after this")
    parser.add_argument("--workers", type=int, default=0, help="grading workers (default: one per CPU)")
    parser.add_argument("--no-sandbox", action="store_true", help="grade without bubblewrap (where it is missing)")
    parser.add_argument("--parts", default="class,board,handins")
    args = parser.parse_args()
    args.submitters = min(args.students // 4 if args.submitters is None else args.submitters, args.students)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    parts = {"class": part_class, "board": part_board, "handins": part_handins}
    with tempfile.TemporaryDirectory(prefix="cnnkit-bench-server-") as tmp:
        for name in args.parts.split(","):
            parts[name.strip()](args, Path(tmp))


if __name__ == "__main__":
    main()
