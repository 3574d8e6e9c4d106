"""Build the leaderboard site for 300 teams x 30 submissions each (target: under 2 s), and time the
leaderboard page as the class server makes it on each request (target: p95 <= 100 ms).

    .venv/bin/python benchmarks/bench_site.py [--teams 300] [--submissions 30] [--requests 30] [--profile]

Fills a fresh course's store through the models (9,000 submissions, 9,000
scores, 900 members) and writes a small released kit, then times ``build_site``
three times: the first build draws the sample images from the dataset (cached
under <course>/.cache/site/), the next ones are what ``grader serve`` pays on
every change. Then it times what one request for the public leaderboard (and
for a team page) costs: ``model.competition_view`` (the store's queries and the
ranking) plus ``pages.render`` (the chart and the template). Wall times on a
shared machine include waiting for a CPU: the CPU time of the process and the
load average are printed beside them.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader.course import Course, defaults  # noqa: E402
from grader.store import Store  # noqa: E402
from grader.store.models import Competition, Membership, Score, Student, Submission, Team  # noqa: E402

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
TOML = """\
title = "Digit Recognizer"
subtitle = "Benchmark"
dataset = "mnist"
metric = "accuracy_score"
id_column = "ImageId"
target_columns = ["Label"]
class_names = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]
deadline = 2026-12-01T21:00:00+09:00
"""


def make(root: Path, teams: int, per_team: int) -> tuple[Course, Store]:
    root.mkdir(parents=True)
    (root / "grader.toml").write_text("", encoding="utf-8")
    course = Course(root=root, config=defaults())
    folder = course.path("competitions", "digit-recognizer")
    folder.mkdir(parents=True)
    (folder / "competition.toml").write_text(TOML, encoding="utf-8")
    (folder / "overview.md").write_text("Classify **digits**.\n", encoding="utf-8")
    course.path("release").mkdir()
    with zipfile.ZipFile(course.path("release", "digit-recognizer.zip"), "w") as kit:  # the site publishes it
        kit.writestr("digit-recognizer/sample_submission.csv", "ImageId,Label\n1,0\n")
        kit.writestr("digit-recognizer/README.md", "# Digit Recognizer\n")
    store = Store.open(course)
    store.create()
    start = NOW - timedelta(days=10)
    with store.transaction() as session:
        session.add(Competition(name="digit-recognizer", title="Digit Recognizer", metric="accuracy_score",
                                deadline=NOW + timedelta(days=3), revealed_at=NOW - timedelta(hours=1)))
        session.flush()
        for t in range(teams):
            team = Team(id=t + 1, competition="digit-recognizer", name=f"Team {t:03d}", is_benchmark=(t == 0))
            session.add(team)
            for m in range(3):
                session.add(Student(id=f"s{t:03d}{m}", name=f"Student {t}-{m}"))
        session.flush()
        for t in range(teams):
            for m in range(3):
                session.add(Membership(team_id=t + 1, student_id=f"s{t:03d}{m}"))
        subs, scores = [], []
        sid = 0
        for t in range(teams):
            for k in range(per_team):
                sid += 1
                at = start + timedelta(minutes=37 * k + t)
                subs.append(Submission(id=sid, kind="competition", target="digit-recognizer", team_id=t + 1,
                                       sha256=f"{sid:064x}", size=90_000, original_name=f"sub-{k}.csv",
                                       message=f"try {k}", submitted_at=at, status="scored", selected=(k == per_team - 1)))
                value = 0.9 + ((t * 31 + k * 17) % 97) / 1000
                scores.append(Score(submission_id=sid, metric="accuracy_score", public_score=value,
                                    private_score=value - 0.002 * ((t + k) % 5), scored_at=at))
        session.add_all(subs)
        session.flush()
        session.add_all(scores)
    return course, store


def timed(function, repeat: int) -> tuple[list[float], float]:
    """Wall seconds of each call, and the CPU seconds of all of them."""
    walls = []
    cpu = time.process_time()
    for _ in range(repeat):
        began = time.perf_counter()
        function()
        walls.append(time.perf_counter() - began)
    return walls, time.process_time() - cpu


def percentile(values: list[float], share: float) -> float:
    return sorted(values)[min(len(values) - 1, round(share * (len(values) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=300)
    parser.add_argument("--submissions", type=int, default=30)
    parser.add_argument("--requests", type=int, default=30, help="leaderboard pages rendered as the server would")
    parser.add_argument("--profile", action="store_true", help="print the 25 most expensive calls of a warm build")
    args = parser.parse_args()
    from leaderboard import engine, model, pages
    from leaderboard.build import build_site
    from leaderboard.navigation import relative_links

    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        course, store = make(Path(tmp) / "course", args.teams, args.submissions)
        cpu = time.process_time()
        first, _ = timed(lambda: build_site(course, store, Path(tmp) / "site", now=NOW), 1)
        first_cpu = time.process_time() - cpu
        builds, builds_cpu = timed(lambda: build_site(course, store, Path(tmp) / "site", now=NOW), 2)
        site = Path(tmp) / "site"
        pages_count = len(list(site.rglob("*.html")))
        size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
        print(f"{args.teams} teams x {args.submissions} submissions: {pages_count} pages, {size / 1e6:.1f} MB")
        print(f"first build (draws sample images): {first[0]:.2f} s (CPU {first_cpu:.2f} s)")
        print(f"next builds (what grader serve pays): {min(builds):.2f} s (CPU {builds_cpu / len(builds):.2f} s)"
              "  (target < 2 s)")

        cfg = engine.competition_configs(course)[0]
        site_info = pages.site_info(course)
        board_link = relative_links("competition.leaderboard", competition=cfg.name)

        def leaderboard_request():
            view = model.competition_view(store, cfg, NOW)
            pages.render(pages.leaderboard_page(view, private=False, now=NOW), site=site_info, link=board_link)

        def team_request():
            view = model.competition_view(store, cfg, NOW)
            pages.render(pages.team_page(view, args.teams // 2), site=site_info, link=board_link)

        leaderboard_request()  # templates compiled once per process, as in a server
        for name, request in (("leaderboard page", leaderboard_request), ("team page", team_request)):
            walls, cpu = timed(request, args.requests)
            print(f"{name} per request (data + render): p50 {1000 * statistics.median(walls):.0f} ms, "
                  f"p95 {1000 * percentile(walls, 0.95):.0f} ms, CPU {1000 * cpu / args.requests:.0f} ms"
                  + ("  (target p95 <= 100 ms)" if name == "leaderboard page" else ""))
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            build_site(course, store, Path(tmp) / "site", now=NOW)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
