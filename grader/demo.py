"""``grader demo``: the whole kit end to end, on the embedded defaults only.

    summary = run_demo("demo-course")            # or quick=True for the test's smaller run

One call makes a course (SQLite, the local pool, the data that ships), lists
the datasets, releases every assignment and starter kit, simulates a class,
grades it with the same library call as ``grader score`` (in the judge's test
mode, so training budgets are small), runs two competitions with simulated
teams over several simulated days, reveals the private leaderboards, builds the
site and returns a :class:`DemoSummary`. Every step calls the kit's public
functions; this module only invents the students and their work.

The simulated class, per assignment (``CLASS``):

* full marks: the released notebook with the instructor's solution cells put
  back (markers removed) and the written answers filled in;
* typical mistakes: the solved notebook with one of ``assignments/<id>/mutants/*.py``
  added after its last solution cell, as ``grader check`` adds them
  (:func:`grader.judge.source.student_cells`): the mutant's wrong functions override
  the right ones;
* missing work: the released stub as handed out, or no submission at all;
* one hostile notebook: it replaces numpy's assert helpers, prints a fake
  grade and tries to read the hidden tests.

Some hand in late (nbgrader's ``timestamp.txt``), against a due date and a
penalty per day that the demo writes into its own course's assignment.toml.
"""

from __future__ import annotations

import contextlib
import copy
import shutil
import statistics
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from grader.errors import ConfigError, GraderError, SandboxError

MARKER = ".cnnkit-demo"
DEFAULT_DIR = "demo-course"
COMPETITIONS = ("digit-recognizer", "shapes-challenge")
# Assignments whose judge trains models (02, 06, 07) or builds large ones (08: AlexNet, VGG-16):
# graded for a few students only, so the demo fits in 10 minutes on a 2-core machine.
HEAVY = ("02-dnn-mnist", "06-cnn-mnist", "07-augmentation", "08-architectures")
LATE_PENALTY_PER_DAY = 10

# student -> (role, days late). Roles: full, mutant, stub, none, hostile.
CLASS = {
    "ada": ("full", 0), "alan": ("full", 2), "grace": ("mutant", 0), "linus": ("mutant", 0),
    "barbara": ("mutant", 0), "donald": ("mutant", 0), "edsger": ("mutant", 0), "margaret": ("mutant", 1),
    "ken": ("mutant", 3), "dennis": ("stub", 0), "guido": ("none", 0), "hedy": ("hostile", 0),
}
# The few students graded on the heavy assignments: one of each kind.
FEW = ("ada", "grace", "dennis", "hedy")
QUICK_CLASS = ("ada", "grace", "dennis", "guido", "hedy")
QUICK_ASSIGNMENTS = ("01-preprocessing", "04-pooling")

ANSWER = ("Normalising keeps the inputs small and on one scale, so gradients behave; one-hot targets let a softmax "
          "output one probability per class instead of pretending the classes are ordered numbers.")

HOSTILE_CELL = '''\
# A hostile submission: make every check pass, print a fake grade, peek at the hidden tests.
import os, numpy, numpy.testing
numpy.allclose = lambda *args, **kwargs: True
numpy.testing.assert_allclose = lambda *args, **kwargs: None
numpy.testing.assert_array_equal = lambda *args, **kwargs: None
for folder in ("../../assignments", "../../../assignments", "/cnnkit/assignments", "/root"):
    try:
        print("found:", sorted(os.listdir(folder))[:5])
    except Exception as exc:
        print("cannot look in", folder, type(exc).__name__)
print("GRADE: 100/100 (all hidden tests passed)")
'''

TEAMS = {  # team -> (members, public accuracy it aims at, private accuracy it aims at)
    "Conv Crew": (["ada", "alan"], 0.97, 0.965),
    "Pool Party": (["grace"], 0.93, 0.935),
    "Dropout Kings": (["linus", "barbara"], 0.90, 0.91),
    "Stride Right": (["donald"], 0.955, 0.90),      # tuned on the public board: falls on the private one
    "Kernel Panic": (["edsger", "margaret"], 0.85, 0.87),
    "Padding Pals": (["ken"], 0.80, 0.84),
    "Softmax Squad": (["dennis", "hedy"], 0.70, 0.71),
    "Epoch Eaters": (["guido"], 0.60, 0.62),
}
QUICK_TEAMS = ("Conv Crew", "Pool Party", "Stride Right", "Kernel Panic")
DAYS = 5


@dataclass
class AssignmentOutcome:
    name: str
    students: dict = field(default_factory=dict)   # student -> {"total", "max", "status", "judge", "notebook", "late"}
    seconds: float = 0.0                            # grading time of its jobs, added up

    @property
    def graded(self) -> int:
        return len(self.students)

    def totals(self) -> list[float]:
        return [s["total"] for s in self.students.values()]

    def statuses(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for s in self.students.values():
            counts[s["status"]] = counts.get(s["status"], 0) + 1
        return counts


@dataclass
class CompetitionOutcome:
    name: str
    teams: int = 0
    valid: int = 0
    invalid: list = field(default_factory=list)     # (team, file name, error)
    public: list = field(default_factory=list)      # rows as dicts: rank, team, score, entries
    private: list = field(default_factory=list)     # rows as dicts: rank, team, score, delta
    selected: dict = field(default_factory=dict)    # team -> submission ids


@dataclass
class DemoSummary:
    course_root: Path
    site_index: Path | None = None
    sandboxed: bool = True
    seconds: float = 0.0
    datasets: list = field(default_factory=list)
    released: list = field(default_factory=list)
    skipped: list = field(default_factory=list)     # what could not be released, with why
    assignments: list = field(default_factory=list)  # AssignmentOutcome
    competitions: list = field(default_factory=list)  # CompetitionOutcome
    notes: list = field(default_factory=list)
    invitations: list = field(default_factory=list)  # (student, sign-in URL) for the class server


def run_demo(directory: str | Path = DEFAULT_DIR, *, quick: bool = False, workers: int | None = None,
             console=None) -> DemoSummary:
    """Build a demo course in ``directory`` and run the whole kit on it; see the module docstring."""
    import os

    from rich.console import Console

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    console = console or Console()
    started = time.monotonic()
    course = _fresh_course(Path(directory), console)
    summary = DemoSummary(course_root=course.root)

    _step(console, "The class list (grader roster import)")
    _import_roster(course, console)

    _step(console, "Datasets (grader data list)")
    summary.datasets = _list_datasets(course, console)

    _step(console, "Releasing every assignment and starter kit (grader release --all)")
    assignments = _release(course, summary, console, quick=quick)

    _step(console, "Simulating the class's submissions")
    roster = _write_submissions(course, assignments, quick=quick)
    for name, students in roster.items():
        console.print(f"  {name}: {len(students)} students "
                      f"({', '.join(f'{s}={CLASS[s][0]}' for s in students)})")

    _step(console, "Grading (grader score, judge in test mode: small training budgets)")
    summary.sandboxed = _sandbox_works(console)
    _grade(course, roster, summary, console, workers=workers)

    for name in COMPETITIONS:
        if name in summary.released:
            _step(console, f"Competition {name}: teams submit over {DAYS} simulated days")
            summary.competitions.append(_run_competition(course, name, console, quick=quick))

    _step(console, "Building the site (grader site)")
    from grader.store import Store
    from leaderboard.build import build_site

    summary.site_index = build_site(course, Store.open(course), course.path("site"))
    _step(console, "Sign-in links for the class server (grader invite)")
    summary.invitations = _invite(course, INVITED)
    summary.seconds = time.monotonic() - started
    print_summary(summary, console)
    return summary


# --- the class ---------------------------------------------------------------------------------

NAMES = {"ada": "Ada Lovelace", "alan": "Alan Turing", "grace": "Grace Hopper", "linus": "Linus Torvalds",
         "barbara": "Barbara Liskov", "donald": "Donald Knuth", "edsger": "Edsger Dijkstra",
         "margaret": "Margaret Hamilton", "ken": "Ken Thompson", "dennis": "Dennis Ritchie",
         "guido": "Guido van Rossum", "hedy": "Hedy Lamarr"}
INVITED = ("ada", "grace", "dennis")  # the sign-in links the summary prints
SERVER_URL = "http://127.0.0.1:8000"


def _import_roster(course, console) -> None:
    from grader.roster import import_roster
    from grader.store import Store

    roster = course.path("demo-files", "roster.csv")
    roster.parent.mkdir(parents=True, exist_ok=True)
    roster.write_text("id,name,email,display_name\n" + "".join(
        f"{sid},{name},{sid}@example.edu,{name.split()[0]} {name.split()[-1][0]}.\n" for sid, name in NAMES.items()),
        encoding="utf-8")
    entries = import_roster(course, Store.open(course), roster)
    console.print(f"  {len(entries)} students from {roster.relative_to(course.root)} (display names on public pages)")


def _invite(course, students) -> list[tuple[str, str]]:
    from grader.auth import STUDENT, invite
    from grader.store import Store

    store = Store.open(course)
    days = float(course.get("server", "invite_days"))
    return [(sid, invite(course, store, role=STUDENT, principal=sid, base_url=SERVER_URL, days=days).url)
            for sid in students]


# --- the course --------------------------------------------------------------------------------

def _fresh_course(directory: Path, console):
    """A new course in ``directory``: a previous demo there is removed, anything else is refused."""
    from grader.course import init_course

    if directory.exists():
        if not directory.is_dir():
            raise ConfigError(f"{directory} is a file; give the demo an empty or new directory.")
        if (directory / MARKER).is_file():
            console.print(f"Removing the previous demo course in {directory}")
            shutil.rmtree(directory)
        elif any(directory.iterdir()):
            raise ConfigError(f"{directory} is not empty and holds no earlier demo ({MARKER}); "
                              "give 'grader demo' a new or empty directory.")
    _step(console, f"Creating the course in {directory} (grader init)")
    course = init_course(str(directory), course_id="cnnkit-demo", title="cnnkit demo course")
    (course.root / MARKER).write_text("A course made by 'grader demo'; the next demo run replaces it.\n",
                                      encoding="utf-8")
    return course


def _list_datasets(course, console) -> list[dict]:
    from grader.datasets.report import dataset_summaries

    rows = dataset_summaries(course=course)
    for row in rows:
        if row["available"]:
            sizes = row["sizes"]
            console.print(f"  {row['name']:<14} ready    {row['variant']:<14} train {sizes['train']:>6}  "
                          f"test {sizes['public_test']}+{sizes['private_test']}  {row['source']}")
        else:
            console.print(f"  {row['name']:<14} missing  {str(row['error']).split('. ')[0][:60]}")
    return rows


def _release(course, summary: DemoSummary, console, *, quick: bool) -> list[str]:
    """Release every assignment (with a due date for the late penalty) and every starter kit."""
    from grader.targets import ASSIGNMENT, assignment_names, release, resolve

    due = _due_date()
    names = assignment_names(course)
    for name in names:
        _set_due_date(course.path("assignments", name, "assignment.toml"), due)
    for item in release(course, resolve(course, (), all_=True), skip_missing_data=True):
        name = item.target.name
        if item.skipped:
            summary.skipped.append(f"{name}: {item.skipped}")
            what = "" if item.target.kind == ASSIGNMENT else " (see 'grader data list')"
            console.print(f"  [yellow]skipped {name}[/]: {item.skipped.split('. ')[0][:60]}{what}")
            continue
        summary.released.append(name)
        console.print(f"  released {name}: {item.path.relative_to(course.root)}")
    return [n for n in names if not quick or n in QUICK_ASSIGNMENTS]


def _due_date() -> datetime:
    """Yesterday at 23:59 UTC: on-time timestamps fall before it, late ones days after."""
    now = datetime.now(timezone.utc)
    return (now - timedelta(days=1)).replace(hour=23, minute=59, second=0, microsecond=0)


def _set_due_date(path: Path, due: datetime) -> None:
    """The demo course's copy of assignment.toml gets a due date and a late penalty (top-level keys first)."""
    text = path.read_text(encoding="utf-8")
    header = (f"due = {due.isoformat()}   # set by grader demo\n"
              f"late_penalty_per_day = {LATE_PENALTY_PER_DAY}\n")
    path.write_text(header + text, encoding="utf-8")


# --- the class's work --------------------------------------------------------------------------

def _write_submissions(course, assignments: list[str], *, quick: bool) -> dict[str, list[str]]:
    """Write ``submitted/<student>/<assignment>/`` for the class; returns assignment -> students graded."""
    import nbformat

    due = _due_date()
    roster: dict[str, list[str]] = {}
    for name in assignments:
        students = list(QUICK_CLASS if quick else (FEW if name in HEAVY else CLASS))
        roster[name] = students
        released = nbformat.read(str(course.path("release", name, f"{name}.ipynb")), as_version=4)
        source = nbformat.read(str(course.path("source", name, f"{name}.ipynb")), as_version=4)
        mutants = sorted(course.path("assignments", name, "mutants").glob("*.py"))
        mutant_turn = 0
        for student in students:
            role, days_late = CLASS[student]
            if role == "none":
                continue
            if role == "full":
                notebook = solution_notebook(released, source)
            elif role == "mutant":
                mutant = mutants[(mutant_turn + len(name)) % len(mutants)]
                mutant_turn += 1
                notebook = mutant_notebook(released, source, mutant.read_text(encoding="utf-8"))
            elif role == "hostile":
                notebook = hostile_notebook(released)
            else:
                notebook = copy.deepcopy(released)
            folder = course.path("submitted", student, name)
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, str(folder / f"{name}.ipynb"))
            handed_in = due - timedelta(hours=3) if days_late == 0 else due + timedelta(days=days_late - 1, hours=5)
            (folder / "timestamp.txt").write_text(handed_in.strftime("%Y-%m-%d %H:%M:%S.%f UTC"), encoding="utf-8")
    return roster


def _solution_code(cell) -> str:
    """A source solution cell's code without nbgrader's solution markers."""
    lines = [line for line in cell.source.splitlines()
             if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")]
    return "\n".join(lines)


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _fill_answers(notebook) -> None:
    """Write an answer into every manually graded (markdown) cell."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            cell.source = ANSWER


def solution_notebook(released, source):
    """The instructor's solution as a student would hand it in: solution cells back, answers written."""
    from grader.judge.source import is_solution_cell

    solutions = {_grade_id(c): c for c in source.cells if is_solution_cell(c)}
    notebook = copy.deepcopy(released)
    for cell in notebook.cells:
        if is_solution_cell(cell) and _grade_id(cell) in solutions:
            cell.source = _solution_code(solutions[_grade_id(cell)])
    _fill_answers(notebook)
    return notebook


def mutant_notebook(released, source, mutant_code: str):
    """The solved notebook with a mutant after its last solution cell, as ``grader check`` adds them."""
    from grader.judge.source import is_solution_cell

    notebook = solution_notebook(released, source)
    last = [cell for cell in notebook.cells if is_solution_cell(cell)][-1]
    last.source = f"{last.source.rstrip()}\n\n\n{mutant_code.strip()}\n"
    return notebook


def hostile_notebook(released):
    """The released stub with a first answer cell that tampers with the checks and forges a grade."""
    from grader.judge.source import is_solution_cell

    notebook = copy.deepcopy(released)
    for cell in notebook.cells:
        if is_solution_cell(cell):
            cell.source = HOSTILE_CELL
            break
    return notebook


# --- grading -----------------------------------------------------------------------------------

@contextlib.contextmanager
def _stderr_to(path: Path):
    """Send the workers' and kernels' stderr (TensorFlow's start-up chatter) to a log file, not the screen."""
    import os
    import sys

    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    with open(path, "ab") as log:
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def _sandbox_works(console) -> bool:
    from grader.targets import require_sandbox

    try:
        require_sandbox()
    except SandboxError as exc:
        console.print(f"[bold red]Warning:[/] the sandbox cannot run here ({exc}). The demo grades with "
                      "--no-sandbox: its own simulated students' code runs unconfined.")
        return False
    console.print("  sandbox: bubblewrap works; student code runs confined")
    return True


def _grade(course, roster: dict[str, list[str]], summary: DemoSummary, console, *, workers: int | None) -> None:
    """Grade each group of assignments that share a student list, with ``grader score``'s library call."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from grader.targets import score

    groups: dict[tuple[str, ...], list[str]] = {}
    for name, students in roster.items():
        groups.setdefault(tuple(students), []).append(name)
    outcomes = {name: AssignmentOutcome(name) for name in roster}
    progress = Progress(TextColumn("  grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        TextColumn("{task.description}"), console=console)
    with progress:
        for students, names in groups.items():
            task = progress.add_task("", total=None)

            def planned(count: int, task=task) -> None:
                progress.update(task, total=count)

            def finished(spec, result, task=task) -> None:
                progress.update(task, advance=1, description=f"{result.assignment} {result.student}: {result.status}")
                progress.console.print(f"  {result.assignment} {result.student:<9} {result.status:<14} "
                                       f"{result.total:g}/{result.notebook_max + result.judge_max:g} "
                                       f"({result.seconds:.0f} s)")

            with _stderr_to(course.path("demo-files", "grading.log")):
                result = score(course, names=names, students=list(students), workers=workers,
                               sandbox=summary.sandboxed, test_mode=True, on_planned=planned,
                               on_result=finished)
            for r in result.results:
                outcomes[r.assignment].students[r.student] = {
                    "total": r.total, "max": r.max_points, "auto_max": r.notebook_max + r.judge_max,
                    "status": r.status, "judge": r.judge_points, "notebook": r.notebook_points,
                    "late": r.late_penalty, "message": r.message}
                outcomes[r.assignment].seconds += r.seconds
    summary.assignments = [outcomes[name] for name in roster]
    heavy = [n for n in roster if n in HEAVY and len(roster[n]) < len(CLASS)]
    if heavy:
        summary.notes.append(f"heavy assignments (training or large models: {', '.join(heavy)}) graded for "
                             f"{len(FEW)} students ({', '.join(FEW)}); the others for the whole class of {len(CLASS)}")


# --- competitions ------------------------------------------------------------------------------

def _run_competition(course, name: str, console, *, quick: bool) -> CompetitionOutcome:
    """Teams submit files of known quality (and some broken ones) over simulated days; then reveal."""
    import numpy as np

    from grader.competitions.config import load_competition
    from grader.competitions.leaderboard import leaderboard, reveal, select_submissions, team_submissions
    from grader.competitions.solution import load_solution
    from grader.competitions.submit import submit_file
    from grader.competitions.teams import add_team
    from grader.store import Store

    cfg = load_competition(course, name)
    store = Store.open(course)
    solution = load_solution(cfg)  # the demo plays the instructor: it knows the truth
    outcome = CompetitionOutcome(name)
    folder = course.path("demo-files", name)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    teams = {t: TEAMS[t] for t in (QUICK_TEAMS if quick else TEAMS)}
    for team, (members, _pub, _priv) in teams.items():
        add_team(store, cfg, name=team, members=members)
    add_team(store, cfg, name="Constant benchmark", members=[], benchmark=True)
    outcome.teams = len(teams)

    end = min(datetime.now(timezone.utc), cfg.deadline - timedelta(days=1))
    first_day = max(end - timedelta(days=DAYS), cfg.start or end - timedelta(days=DAYS))
    k = len(cfg.class_names)
    constant = np.zeros_like(solution.truth)
    _submit(submit_file, course, store, cfg, folder, "Constant benchmark", "constant.csv",
            _csv(cfg, solution.ids, constant), first_day + timedelta(hours=1), outcome,
            message="every row predicts the first class")
    broken = _broken_files(cfg, solution, k)
    for day in range(DAYS):
        for index, (team, (_members, public_goal, private_goal)) in enumerate(teams.items()):
            if (day + index) % 3 == 2:
                continue  # not every team submits every day
            progress = (day + 1) / DAYS  # teams improve over the days
            for attempt in range(1 + (index + day) % 2):
                goal_public = public_goal - 0.12 * (1 - progress) + rng.normal(0, 0.004)
                goal_private = private_goal - 0.12 * (1 - progress) + rng.normal(0, 0.004)
                predictions = _predictions(rng, solution, k, goal_public, goal_private)
                when = first_day + timedelta(days=day, hours=9 + index, minutes=17 * attempt)
                _submit(submit_file, course, store, cfg, folder, team, f"day{day + 1}-{attempt}.csv",
                        _csv(cfg, solution.ids, predictions), when, outcome,
                        message=f"day {day + 1}: tuned a little more")
            if day == 1 and broken:
                file_name, data = broken.pop(0)
                _submit(submit_file, course, store, cfg, folder, team, file_name, data,
                        first_day + timedelta(days=day, hours=20 + index % 3), outcome, message="oops")
    # Some teams choose their final submissions (the latest two); the rest get their best two public.
    choose_at = first_day + timedelta(days=DAYS, hours=1)
    for team in list(teams)[::2]:
        entries = [e for e in team_submissions(store, cfg, team, now=choose_at) if e.status == "scored"]
        ids = [e.submission_id for e in entries][-cfg.final_selections:]
        outcome.selected[team] = select_submissions(store, cfg, team=team, submission_ids=ids, now=choose_at)
    reveal_at = choose_at + timedelta(hours=1)
    reveal(store, cfg, now=reveal_at)
    outcome.public = [_row(r) for r in leaderboard(store, cfg, private=False, now=reveal_at)]
    outcome.private = [_row(r) for r in leaderboard(store, cfg, private=True, now=reveal_at)]
    console.print(f"  {name}: {outcome.teams} teams, {outcome.valid} scored files, "
                  f"{len(outcome.invalid)} invalid, selections by {', '.join(outcome.selected) or 'none'}; "
                  "private leaderboard revealed")
    return outcome


def _submit(submit_file, course, store, cfg, folder: Path, team: str, file_name: str, data: bytes, when, outcome,
            *, message: str) -> None:
    path = folder / f"{team.replace(' ', '_')}-{file_name}"
    path.write_bytes(data)
    try:
        row = submit_file(course, store, cfg.name, path, team=team, message=message, now=when)
    except GraderError as exc:  # e.g. the daily limit: shown, as a student would see it
        outcome.invalid.append((team, file_name, str(exc)))
        return
    if row.status == "invalid":
        outcome.invalid.append((team, file_name, row.error))
    else:
        outcome.valid += 1


def _predictions(rng, solution, k: int, public_accuracy: float, private_accuracy: float):
    """Labels right on about the given fraction of the public and of the private rows."""
    import numpy as np

    predictions = solution.truth.copy()
    goal = np.where(solution.public, np.clip(public_accuracy, 0, 1), np.clip(private_accuracy, 0, 1))
    wrong = rng.random(len(predictions)) >= goal
    predictions[wrong] = (predictions[wrong] + rng.integers(1, k, size=int(wrong.sum()))) % k
    return predictions


def _csv(cfg, ids, labels) -> bytes:
    names = cfg.class_names
    values = [names[int(v)] for v in labels] if cfg.label_format == "name" else [str(int(v)) for v in labels]
    lines = [",".join([cfg.id_column, *cfg.target_columns])]
    lines += [f"{i},{v}" for i, v in zip(ids.tolist(), values)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _broken_files(cfg, solution, k: int) -> list[tuple[str, bytes]]:
    """Files a student really hands in by mistake: a wrong header, a missing id, a label out of range."""
    good = _csv(cfg, solution.ids, solution.truth).decode("utf-8").splitlines()
    wrong_header = "\n".join(["Id,Prediction", *good[1:]]) + "\n"
    missing_id = "\n".join(good[:-1]) + "\n"
    out_of_range = good.copy()
    row_id = out_of_range[5].split(",")[0]
    out_of_range[5] = f"{row_id},{k if cfg.label_format == 'index' else 'hexagon'}"
    return [("wrong-header.csv", wrong_header.encode()), ("missing-id.csv", missing_id.encode()),
            ("label-out-of-range.csv", ("\n".join(out_of_range) + "\n").encode())]


def _row(row) -> dict:
    return {"rank": row.rank, "team": row.team, "score": row.score, "delta": row.delta, "entries": row.entries,
            "benchmark": row.is_benchmark}


# --- the summary -------------------------------------------------------------------------------

def _step(console, text: str) -> None:
    console.rule(f"[bold]{text}", align="left")


def print_summary(summary: DemoSummary, console) -> None:
    from rich.table import Table

    _step(console, "Summary")
    table = Table(title="Assignments (auto-graded points; written answers await the instructor)")
    for column in ("assignment", "graded", "mean", "min", "max", "of", "statuses", "job s"):
        table.add_column(column, justify="left" if column in ("assignment", "statuses") else "right")
    for outcome in summary.assignments:
        totals = outcome.totals()
        auto_max = max((s["auto_max"] for s in outcome.students.values()), default=0)
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(outcome.statuses().items()))
        table.add_row(outcome.name, str(outcome.graded), f"{statistics.mean(totals):.1f}" if totals else "-",
                      f"{min(totals):g}" if totals else "-", f"{max(totals):g}" if totals else "-",
                      f"{auto_max:g}", statuses, f"{outcome.seconds:.0f}")
    console.print(table)
    for outcome in summary.competitions:
        table = Table(title=f"{outcome.name}: public and private leaderboards ({outcome.teams} teams, "
                            f"{outcome.valid} scored files, {len(outcome.invalid)} refused)")
        for column in ("public #", "team", "public", "private #", "team ", "private", "change"):
            table.add_column(column)
        public = [r for r in outcome.public if not r["benchmark"]][:5]
        private = [r for r in outcome.private if not r["benchmark"]][:5]
        for pub, priv in zip(public, private):
            delta = priv["delta"]
            change = "-" if delta in (None, 0) else (f"[green]+{delta}[/]" if delta > 0 else f"[red]{delta}[/]")
            table.add_row(str(pub["rank"]), pub["team"], f"{pub['score']:.4f}", str(priv["rank"]), priv["team"],
                          f"{priv['score']:.4f}", change)
        console.print(table)
        for team, file_name, error in outcome.invalid[:3]:
            console.print(f"  refused {team}/{file_name}: {str(error)[:120]}")
    for line in summary.skipped:
        console.print(f"[yellow]skipped[/] {line.splitlines()[0][:160]}")
    for note in summary.notes:
        console.print(f"note: {note}")
    if not summary.sandboxed:
        console.print("[bold red]graded without the sandbox[/] (bubblewrap could not run here)")
    console.print(f"Site: {summary.site_index}")
    console.print(f"Course: {summary.course_root}")
    if summary.invitations:
        console.print(f"Class server: grader --course {summary.course_root} serve   "
                      f"(then open a sign-in link below in a browser; {SERVER_URL}/)")
        for student, url in summary.invitations:
            console.print(f"  {NAMES.get(student, student)}: {url}")
        console.print(f"  an instructor's link: grader --course {summary.course_root} invite --instructor you")
    console.print(f"[bold]Demo finished in {summary.seconds:.0f} s.")
