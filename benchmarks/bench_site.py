"""Build the leaderboard site for 300 teams x 30 submissions each (target: under 2 s).

    .venv/bin/python benchmarks/bench_site.py [--teams 300] [--submissions 30] [--profile]

Fills a fresh course's store through the models (9,000 submissions, 9,000
scores, 900 members), then times ``build_site`` three times: the first build
draws the sample images from the dataset (cached under <course>/.cache/site/),
the next ones are what ``grader serve`` pays on every change.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=300)
    parser.add_argument("--submissions", type=int, default=30)
    parser.add_argument("--profile", action="store_true", help="print the 25 most expensive calls of a warm build")
    args = parser.parse_args()
    from leaderboard.build import build_site

    with tempfile.TemporaryDirectory() as tmp:
        course, store = make(Path(tmp) / "course", args.teams, args.submissions)
        times = []
        for _ in range(3):
            began = time.perf_counter()
            index = build_site(course, store, Path(tmp) / "site", now=NOW)
            times.append(time.perf_counter() - began)
        pages = len(list(index.parent.rglob("*.html")))
        size = sum(p.stat().st_size for p in index.parent.rglob("*") if p.is_file())
        print(f"{args.teams} teams x {args.submissions} submissions: {pages} pages, {size / 1e6:.1f} MB")
        print(f"first build (draws sample images): {times[0]:.2f} s")
        print(f"next builds (what grader serve pays): {min(times[1:]):.2f} s  (target < 2 s)")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            build_site(course, store, Path(tmp) / "site", now=NOW)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
