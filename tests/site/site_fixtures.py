"""Helpers of the site tests: a course whose store holds a competition of friendly and hostile teams.

The store is filled directly through the models, as the competitions engine
would leave it: teams with members, submissions (valid, invalid, late,
selected) and their scores (a re-score adds a row, the newest counts).
"""

from __future__ import annotations

import json
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from grader.course import Course, defaults
from grader.store import Store
from grader.store.models import Assignment, Competition, Grade, GradingJob, Membership, Score, Student, Submission, Team

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
DEADLINE = NOW + timedelta(days=3)

HOSTILE_NAMES = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "\u202eright-to-left \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",
    "Team \U0001f680\U0001f525 emoji",
    "L" * 200,
    "$x^{2}$ \\mathtext",
]
FRIENDLY_NAMES = ["Convolutional Crew", "Pooling Party", "Dropout Kids"]
BENCHMARK_NAME = "Baseline notebook"


def make_course(root: Path, title: str = "CNN 2026 <b>class</b>") -> tuple[Course, Store]:
    root.mkdir(parents=True, exist_ok=True)
    config = defaults()
    config["course"]["title"] = title
    config["course"]["timezone"] = "Asia/Seoul"
    (root / "grader.toml").write_text("", encoding="utf-8")
    course = Course(root=root, config=config)
    store = Store.open(course)
    store.create()
    return course, store


def add_team(session, competition: str, name: str, members: list[tuple[str, str | None]], *, benchmark=False) -> Team:
    team = Team(competition=competition, name=name, is_benchmark=benchmark)
    session.add(team)
    session.flush()
    for student_id, student_name in members:
        if session.get(Student, student_id) is None:
            session.add(Student(id=student_id, name=student_name))
            session.flush()
        session.add(Membership(team_id=team.id, student_id=student_id))
    return team


def add_submission(session, competition: str, team: Team, at: datetime, public: float | None,
                   private: float | None, *, status="scored", error=None, late=False, selected=False,
                   name="submission.csv", message=None) -> Submission:
    sub = Submission(kind="competition", target=competition, team_id=team.id, sha256=f"{team.id:08x}{at.timestamp():.0f}".ljust(64, "0"),
                     size=1234, original_name=name, message=message, submitted_at=at, status=status, error=error,
                     is_late=late, selected=selected)
    session.add(sub)
    session.flush()
    if public is not None:
        session.add(Score(submission_id=sub.id, metric="accuracy_score", public_score=public, private_score=private,
                          scored_at=at))
    return sub


COMPETITION_TOML = """\
title = "Digit Recognizer <i>2026</i>"
subtitle = "Learn computer vision with the famous MNIST digits \u2014 <script>alert('subtitle')</script>"
dataset = "mnist"
metric = "accuracy_score"
id_column = "ImageId"
target_columns = ["Label"]
class_names = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]
daily_limit = 5
final_selections = 2
max_team_size = 3
start = 2026-11-20T09:00:00+09:00
deadline = 2026-12-01T21:00:00+09:00
"""
OVERVIEW_MD = """\
Classify **handwritten digits**. Raw HTML is shown as text: <script>alert('md')</script>

[a javascript link](javascript:alert(1)) and a [real one](https://keras.io/).

| column | meaning |
| --- | --- |
| ImageId | the test image |
"""


SHOWCASE_OVERVIEW_MD = """\
Classify **handwritten digits** 0–9 from 28 × 28 grey images, as in Kaggle's *Digit Recognizer*.
Start from the baseline notebook in the starter kit, then improve it with what the course covers:
convolution, max pooling, dropout and data augmentation.

Submit a CSV with one predicted `Label` per `ImageId`.
"""


def write_competition_folder(course: Course, name: str = "digit-recognizer", *, showcase: bool = False) -> Path:
    """The competition's folder as a course has it: competition.toml, Markdown pages, sample CSV.

    ``showcase`` writes friendly text (for the README's screenshots) instead of hostile text.
    """
    folder = course.path("competitions", name)
    folder.mkdir(parents=True, exist_ok=True)
    toml = COMPETITION_TOML
    if showcase:
        toml = toml.replace("Digit Recognizer <i>2026</i>", "Digit Recognizer").replace(
            " \u2014 <script>alert('subtitle')</script>", "")
    (folder / "competition.toml").write_text(toml, encoding="utf-8")
    (folder / "overview.md").write_text(SHOWCASE_OVERVIEW_MD if showcase else OVERVIEW_MD, encoding="utf-8")
    (folder / "evaluation.md").write_text("Accuracy: the share of test images labelled correctly.\n", encoding="utf-8")
    (folder / "data.md").write_text("28 \u00d7 28 grey images of digits 0\u20139.\n", encoding="utf-8")
    (folder / "solution.csv").write_text("ImageId,Label,Usage\n1,7,Public\n", encoding="utf-8")
    (folder / "baseline.py").write_text("# instructor's source of baseline.ipynb\n", encoding="utf-8")
    return folder


def notebook_json(cells: list[dict]) -> bytes:
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "cells": cells,
                       "metadata": {"language_info": {"name": "python"}}}).encode("utf-8")


def markdown_cell(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def code_cell(source: str, outputs: list[dict] | None = None) -> dict:
    return {"cell_type": "code", "metadata": {}, "source": source, "outputs": outputs or [], "execution_count": None}


BASELINE_NOTEBOOK = notebook_json([
    markdown_cell("# Baseline: a small CNN\nTrains on `train.npz` and writes `submission.csv`."),
    code_cell("import numpy as np\n\nkit = np.load('train.npz')  # x: images, y: labels\nprint(kit['x'].shape)",
              [{"output_type": "stream", "name": "stdout", "text": "(60000, 28, 28)\n"}]),
    markdown_cell("## Train\nA convolution, max pooling and a dense layer."),
    code_cell("model.fit(x, y, epochs=3, validation_split=0.1)"),
])
HOSTILE_NOTEBOOK = notebook_json([
    markdown_cell("# Tricks <script>alert('nb')</script>\n<img src=x onerror=alert(2)> [js](javascript:alert(3))"),
    code_cell("print('<b>not bold</b>')", [
        {"output_type": "stream", "name": "stdout", "text": "<b>not bold</b>\n"},
        {"output_type": "display_data", "metadata": {},
         "data": {"text/html": "<img src=x onerror=alert(4)><script>alert(5)</script>", "text/plain": "<HTML table>"}},
        {"output_type": "display_data", "metadata": {},
         "data": {"application/javascript": "alert(6)", "text/plain": "<IPython.core.display.Javascript object>"}},
        {"output_type": "display_data", "metadata": {},
         "data": {"image/svg+xml": "<svg xmlns='http://www.w3.org/2000/svg' onload='alert(7)'><script>alert(8)</script>"
                                   "<image href='https://example.com/x.png'/></svg>"}},
        {"output_type": "error", "ename": "ValueError", "evalue": "bad",
         "traceback": ["\x1b[0;31mValueError\x1b[0m: bad <input>"]},
    ]),
])
KIT_FILES = {
    "README.md": "# Digit Recognizer\n",
    "train.npz": "x" * 3000,
    "test.npz": "y" * 1000,
    "classes.csv": "index,name\n" + "".join(f"{i},{i}\n" for i in range(10)),
    "sample_submission.csv": "ImageId,Label\n1,0\n2,0\n3,0\n",
}


def shipped_baseline(name: str = "digit-recognizer") -> bytes:
    """The baseline notebook the kit ships (starter_kits/<name>/baseline.py), as 'grader release' converts it."""
    import jupytext
    import nbformat

    notebook = jupytext.read(Path(__file__).resolve().parents[2] / "starter_kits" / name / "baseline.py",
                             fmt="py:percent")
    notebook.metadata.pop("jupytext", None)
    return nbformat.writes(notebook).encode("utf-8")


def release_kit(course: Course, name: str = "digit-recognizer", *, baseline: bytes = BASELINE_NOTEBOOK) -> Path:
    """A released starter kit, as 'grader release' leaves it: release/<name>.zip with one top folder."""
    course.path("release").mkdir(parents=True, exist_ok=True)
    archive = course.path("release", f"{name}.zip")
    with zipfile.ZipFile(archive, "w") as kit:
        for file, text in KIT_FILES.items():
            kit.writestr(f"{name}/{file}", text)
        kit.writestr(f"{name}/baseline.ipynb", baseline)
    return archive


def share_notebook(course: Course, file: str, data: bytes, name: str = "digit-recognizer") -> Path:
    """A notebook the instructor shares on the Code tab (competitions/<name>/code/)."""
    folder = course.path("competitions", name, "code")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / file).write_bytes(data)
    return folder / file


KOREAN_NAME = "합성곱 신경망 Conv Crew"
SHOWCASE_NAMES = ["Convolutional Crew", "Pooling Party", "Dropout Kids", "Stride Riders", "Feature Mappers",
                  KOREAN_NAME, "Inception Module", "Batch Normals", "Kernel Panic"]


def populate(store: Store, name: str = "digit-recognizer", *, revealed: bool = False,
             team_names: list[str] | None = None) -> None:
    team_names = team_names if team_names is not None else FRIENDLY_NAMES + HOSTILE_NAMES
    with store.transaction() as session:
        session.add(Competition(name=name, title="Digit Recognizer <i>2026</i>", metric="accuracy_score",
                                deadline=DEADLINE, revealed_at=NOW - timedelta(hours=1) if revealed else None))
        session.flush()
        start = NOW - timedelta(days=5)
        for index, team_name in enumerate(team_names):
            members = [(f"s{index:02d}a", f"Student {index} A"), (f"s{index:02d}b", None)]
            if team_name.startswith("<script>"):
                members = [("hostile", "<script>alert('member')</script>")]
            team = add_team(session, name, team_name, members)
            for k in range(3):
                public = 0.90 + 0.01 * ((index * 7 + k * 3) % 9)
                private = 0.90 + 0.01 * ((index * 5 + k * 4) % 9)
                add_submission(session, name, team, start + timedelta(hours=10 * index + 5 * k), public, private,
                               message=f"try {k} <b>bold</b> {team_name[:20]}", selected=(k == 2),
                               name=f"{team_name[:30]}.csv")
            add_submission(session, name, team, start + timedelta(hours=10 * index + 20), None, None, status="invalid",
                           error="The 'Label' column of submission.csv must be an integer in 0..9. Got '<x>' in row 3.")
        bench = add_team(session, name, BENCHMARK_NAME, [], benchmark=True)
        add_submission(session, name, bench, start, 0.935, 0.934, message="baseline")
        # A re-score: the newest Score row counts.
        sub = add_submission(session, name, bench, start + timedelta(hours=1), 0.10, 0.10, message="constant")
        session.add(Score(submission_id=sub.id, metric="accuracy_score", public_score=0.11, private_score=0.12,
                          scored_at=start + timedelta(hours=2)))
        session.add(Assignment(name="01-mnist", title="MNIST <preprocessing>", due_at=NOW, points=100))
        for s in range(6):
            job = GradingJob(target="01-mnist", owner=f"g{s}", sha256=f"{s}" * 64, status="done")
            session.add(job)
            session.flush()
            session.add(Grade(job_id=job.id, assignment="01-mnist", student_id=f"g{s}", status="graded",
                              notebook_points=40 + s, judge_points=40, max_points=100,
                              details={"notebook_max": 50, "judge_max": 50}))


def build(tmp_path: Path, *, revealed: bool) -> tuple[Course, Store, Path]:
    from leaderboard.build import build_site

    course, store = make_course(tmp_path / "course")
    write_competition_folder(course)
    release_kit(course)
    share_notebook(course, "Tricks <and> tips.ipynb", HOSTILE_NOTEBOOK)
    populate(store, revealed=revealed)
    index = build_site(course, store, tmp_path / "site", now=NOW)
    return course, store, index.parent
