"""Code competitions: the notebook runs in the real bwrap sandbox with the kit, and what it writes is scored.

Each test starts a sandboxed kernel (1-3 s here); the one that waits out a budget is marked slow.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from sqlalchemy import select

from grader.competitions.code_runner import copy_kit, run_code_submission
from grader.competitions.solution import load_solution
from grader.competitions.submit import score_pending, submit_file
from grader.competitions.teams import add_team
from grader.datasets.splits import Splits
from grader.errors import LimitExceeded
from grader.store import Score, Store, Submission

from .conftest import NOW, TOY_TOML, add_competition

LOOP_MARKER = "31337.25"  # a sleep argument no other process has: finds leftovers of the looping notebook


def separable_splits(seed: int = 0) -> Splits:
    """4×4 images whose brightness is 20 × label (+ noise): a nearest-centroid model gets every one right."""
    rng = np.random.default_rng(seed)

    def images(labels):
        return np.clip(labels[:, None, None] * 20 + rng.integers(0, 5, size=(len(labels), 4, 4)), 0, 255).astype(np.uint8)

    y_train = np.arange(50) % 10
    y_test = rng.permutation(np.arange(40) % 10)
    ids = rng.permutation(np.arange(1, 41))
    return Splits(x_train=images(y_train), y_train=y_train.astype(np.int64),
                  x_public=images(y_test[:12]), y_public=y_test[:12].astype(np.int64),
                  x_private=images(y_test[12:]), y_private=y_test[12:].astype(np.int64),
                  class_names=[str(i) for i in range(10)], source="synthetic", variant="toy",
                  ids_public=ids[:12].astype(np.int64), ids_private=ids[12:].astype(np.int64), name="separable")


@pytest.fixture
def code_comp(course):
    """(course, store, solution): a code competition, budget 60 s, one team 'alpha'."""
    toml = TOY_TOML.format(daily_limit=20) + 'kind = "code"\nbudget_seconds = 60\n'
    cfg = add_competition(course, "code-toy", toml, separable_splits())
    store = Store.open(course)
    add_team(store, cfg, name="alpha", members=["s1"])
    return course, store, load_solution(cfg)


def submit_notebook(course, store, tmp_path, *cells: str, competition: str = "code-toy") -> Submission:
    path = tmp_path / "entry.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(c) for c in cells]), str(path))
    row = submit_file(course, store, competition, path, team="alpha", now=NOW)
    assert row.status == "pending"
    return row


def submission(store, submission_id: int) -> Submission:
    with store.read() as session:
        return session.get(Submission, submission_id)


NEAREST_CENTROID = """
import numpy as np
train, test = np.load("train.npz"), np.load("test.npz")
x = train["x"].reshape(len(train["x"]), -1).astype(float)
centroids = np.stack([x[train["y"] == k].mean(axis=0) for k in range(10)])
xt = test["x"].reshape(len(test["x"]), -1).astype(float)
labels = ((xt[:, None, :] - centroids[None]) ** 2).sum(axis=2).argmin(axis=1)
with open("submission.csv", "w") as f:
    f.write("ImageId,Label\\n" + "".join(f"{i},{k}\\n" for i, k in zip(test["ids"], labels)))
"""


def test_a_notebook_that_trains_and_writes_submission_csv_is_scored(code_comp, tmp_path):
    course, store, solution = code_comp
    row = submit_notebook(course, store, tmp_path, "import os\nassert os.getcwd() == '/job', os.getcwd()",
                          NEAREST_CENTROID)
    score = run_code_submission(course, store, "code-toy", row.id)
    assert score is not None
    assert (score.public_score, score.private_score) == (1.0, 1.0)
    stored = submission(store, row.id)
    assert (stored.status, stored.error) == ("scored", None)


def test_the_solution_is_not_in_the_sandbox_and_what_the_notebook_wrote_is_scored(code_comp, tmp_path):
    course, store, solution = code_comp
    solution_path = course.path("competitions", "code-toy", "solution.csv")
    assert solution_path.is_file()
    cheat = f"""
import os
rows = {{}}
for path in ({str(solution_path)!r}, "solution.csv", "../solution.csv"):
    try:
        for line in open(path).read().splitlines()[1:]:
            cells = line.split(",")
            rows[cells[0]] = cells[1]
    except OSError:
        pass
test_ids = [line.split(",")[0] for line in open("sample_submission.csv").read().splitlines()[1:]]
with open("submission.csv", "w") as f:
    f.write("ImageId,Label\\n" + "".join(f"{{i}},{{rows.get(i, 0)}}\\n" for i in test_ids))
"""
    row = submit_notebook(course, store, tmp_path, cheat)
    score = run_code_submission(course, store, "code-toy", row.id)
    zeros = solution.truth == 0
    expected = (zeros[solution.public].mean(), zeros[~solution.public].mean())
    assert score is not None and expected[0] < 1.0
    assert (score.public_score, score.private_score) == pytest.approx(expected)


def test_a_notebook_that_writes_no_file_fails_with_one_line(code_comp, tmp_path):
    course, store, solution = code_comp
    row = submit_notebook(course, store, tmp_path, "x = 1", "raise ValueError('no model today')")
    assert run_code_submission(course, store, "code-toy", row.id) is None
    stored = submission(store, row.id)
    assert stored.status == "failed"
    assert stored.error == "the notebook wrote no submission.csv (cell 2 raised ValueError: no model today)"
    with store.read() as session:
        assert session.scalar(select(Score).where(Score.submission_id == row.id)) is None


@pytest.mark.slow
def test_a_notebook_that_loops_forever_gets_the_budget_verdict_leaves_no_process_and_counts(course, tmp_path):
    toml = TOY_TOML.format(daily_limit=1) + 'kind = "code"\nbudget_seconds = 6\n'
    cfg = add_competition(course, "code-fast", toml, separable_splits())
    store = Store.open(course)
    add_team(store, cfg, name="alpha", members=["s1"])
    row = submit_notebook(course, store, tmp_path,
                          f"import subprocess\ndaemon = subprocess.Popen(['sleep', '{LOOP_MARKER}'])",
                          "while True:\n    pass", competition="code-fast")
    assert run_code_submission(course, store, "code-fast", row.id) is None
    stored = submission(store, row.id)
    assert (stored.status, stored.error) == ("failed", "the notebook ran past its time budget of 6 s")
    assert _processes_with(LOOP_MARKER) == []
    with pytest.raises(LimitExceeded, match="has used its 1 submissions of today"):  # as on Kaggle: it counted
        submit_notebook(course, store, tmp_path, "pass", competition="code-fast")


def test_a_notebook_over_the_course_memory_limit_fails_with_the_memory_verdict(code_comp, tmp_path):
    from grader.course import render_config

    course, store, solution = code_comp
    toml = course.path("grader.toml")
    saved = toml.read_text(encoding="utf-8")
    values = {section: dict(keys) for section, keys in course.config.items()}
    values["sandbox"]["memory_mb"] = 300  # the worker reads the limit from grader.toml, as on a cluster
    toml.write_text(render_config(values), encoding="utf-8")
    row = submit_notebook(course, store, tmp_path, "import numpy as np\nhog = np.ones(2 * 1024**3 // 8)",
                          NEAREST_CENTROID)
    try:
        assert run_code_submission(course, store, "code-toy", row.id) is None
    finally:
        toml.write_text(saved, encoding="utf-8")
    stored = submission(store, row.id)
    assert stored.status == "failed"
    assert stored.error == "the notebook went over the memory limit of 300 MiB", stored.error


def test_a_symlinked_submission_csv_is_rejected(code_comp, tmp_path):
    course, store, solution = code_comp
    row = submit_notebook(course, store, tmp_path, "import os\nos.symlink('/etc/passwd', 'submission.csv')")
    assert run_code_submission(course, store, "code-toy", row.id) is None
    stored = submission(store, row.id)
    assert stored.status == "failed"
    assert stored.error == ("submission.csv is a symbolic link or cannot be opened; "
                            "write the predictions into the file itself")


def test_score_pending_runs_every_pending_notebook_with_the_sandbox_flag(code_comp, tmp_path, monkeypatch):
    course, store, solution = code_comp
    first = submit_notebook(course, store, tmp_path, NEAREST_CENTROID)
    second = submit_notebook(course, store, tmp_path, "pass")
    seen = []
    from concurrent.futures import Future

    import grader.competitions.code_runner as code_runner
    import grader.executors

    class InlineExecutor:  # the queue's dispatcher runs the worker's half here, where the spy can see it
        workers = 1

        def __init__(self, *args, **kwargs):
            pass

        def submit(self, fn, *args):
            future = Future()
            future.set_result(fn(*args))
            return future

        def close(self):
            pass

    real = code_runner.run_code_notebook
    monkeypatch.setattr(grader.executors, "LocalPoolExecutor", InlineExecutor)
    monkeypatch.setattr(code_runner, "run_code_notebook",
                        lambda root, name, path, sandbox: seen.append(sandbox) or real(root, name, path, sandbox))
    assert score_pending(course, store, "code-toy") == 2
    assert seen == [True, True]
    assert submission(store, first.id).status == "scored"
    assert submission(store, second.id).status == "failed"
    assert score_pending(course, store, "code-toy") == 0  # nothing pending any more
    third = submit_notebook(course, store, tmp_path, "pass")
    from grader.targets import score

    summary = score(course, names=["code-toy"], sandbox=False)  # what `grader score --no-sandbox code-toy` does
    assert summary.competitions == {"code-toy": 1}
    assert seen == [True, True, False]
    assert submission(store, third.id).error == "the notebook wrote no submission.csv"


def test_the_kit_copy_is_read_only_and_refuses_a_solution(tmp_path):
    kit = tmp_path / "kit"
    (kit / "train").mkdir(parents=True)
    (kit / "train" / "a.png").write_bytes(b"png")
    (kit / "sample_submission.csv").write_text("ImageId,Label\n1,0\n")
    job = tmp_path / "job"
    copy_kit(kit, job)
    assert (job / "train" / "a.png").read_bytes() == b"png"
    assert not os.access(job / "sample_submission.csv", os.W_OK) or os.geteuid() == 0
    assert (job / "sample_submission.csv").stat().st_mode & 0o222 == 0
    (kit / "train" / "solution.csv").write_text("ImageId,truth,Usage\n")
    with pytest.raises(AssertionError, match="solution.csv"):
        copy_kit(kit, tmp_path / "job2")


def _processes_with(text: str) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if text in cmdline:
                found.append(f"{entry.name}: {cmdline}")
    return found
