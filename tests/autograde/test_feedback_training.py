"""Feedback for training checks: the judge records each training and a confusion matrix; the page shows them."""

from __future__ import annotations

import base64
import json
import math
import textwrap
from datetime import datetime, timezone

import numpy as np
import pytest

from grader.feedback import feedback_context, render_feedback
from grader.grades import GradeRecord
from grader.judge.plugin import confusion_matrix, training_run

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def fake_grade(checks: list[dict]) -> GradeRecord:
    """A grade record whose judge report's checks carry ``extra``."""
    return GradeRecord(
        assignment="06-cnn-mnist", student="ada", status="graded", notebook_points=10.0, notebook_max=20.0,
        judge_points=20.0, judge_max=70.0, manual_max=10.0, manual_pending=True,
        graded_at=datetime(2026, 11, 28, tzinfo=timezone.utc), details={"judge": {"checks": checks}, "cells": {}},
    )


def check(name: str, extra: dict, passed: bool = True) -> dict:
    return {"id": f"test_x.py::{name}", "name": name, "points": 5.0 if passed else 0.0, "max_points": 5.0,
            "passed": passed, "message": "passed" if passed else "too low", "extra": extra}


def png_bytes(data_url: str) -> bytes:
    prefix = "data:image/png;base64,"
    assert data_url.startswith(prefix)
    return base64.b64decode(data_url[len(prefix):])


TWO_RUNS = {
    "fraction": 1.0, "seconds": 7.25,
    "training": [
        {"builder": "build_cnn", "augment": None, "history": {"loss": [0.9, 0.5, 0.3], "accuracy": [0.6, 0.8, 0.9]},
         "epochs_done": 3, "seconds": 4.5},
        {"builder": "kit:small_dnn", "augment": None, "history": {"loss": [1.2, 0.8]}, "epochs_done": 2,
         "seconds": 1.25},
    ],
    "confusion_matrix": [[5, 1, 0], [0, 7, 2], [1, 0, 9]],
    "class_names": ["zero", "<b>one</b>", "two"],
}


def test_page_shows_each_training_its_curve_the_confusion_table_and_the_time():
    html = render_feedback(fake_grade([check("test_cnn_beats_dense", TWO_RUNS), check("test_layers", {"seconds": 0.1})]))

    assert "training build_cnn: 3 epochs in 4.5 s" in html
    assert "training kit:small_dnn: 2 epochs in 1.2 s" in html
    assert "time used by this check: 7.2 s" in html
    assert html.count('alt="learning curve of ') == 2
    assert 'alt="confusion matrix heatmap"' in html
    # The table: a header row of class names, one row per true class with its counts.
    assert "<tr><th>&lt;b&gt;one&lt;/b&gt;</th><td>0</td><td>7</td><td>2</td></tr>" in html
    assert "<b>one</b>" not in html  # autoescaped
    context = feedback_context(fake_grade([check("test_cnn_beats_dense", TWO_RUNS)]))
    runs = context["checks"][0]["runs"]
    assert [run["label"] for run in runs] == ["build_cnn", "kit:small_dnn"]
    assert all(png_bytes(run["curve"]).startswith(PNG_MAGIC) for run in runs)
    assert png_bytes(context["checks"][0]["confusion"]).startswith(PNG_MAGIC)
    assert context["checks"][0]["confusion_table"]["rows"] == TWO_RUNS["confusion_matrix"]


def test_a_check_without_training_shows_no_training_and_an_augmented_run_is_labelled():
    plain = feedback_context(fake_grade([check("test_layers", {"seconds": 0.1})]))["checks"][0]
    assert plain["runs"] == [] and plain["confusion"] is None and plain["confusion_table"] is None
    augmented = {"training": [{"builder": "kit:small_cnn", "augment": "random_augment", "history": {},
                               "epochs_done": 1, "seconds": 0.5}]}
    run = feedback_context(fake_grade([check("test_aug", augmented)]))["checks"][0]["runs"][0]
    assert run["label"] == "kit:small_cnn (with random_augment)" and run["curve"] is None and run["epochs"] == 1


def test_a_report_with_top_level_history_counts_as_one_run():
    extra = {"history": {"loss": [1.0, 0.5]}, "epochs_done": 2, "seconds": 3.0}
    runs = feedback_context(fake_grade([check("test_dnn_training", extra)]))["checks"][0]["runs"]
    assert len(runs) == 1 and runs[0]["epochs"] == 2 and runs[0]["seconds"] is None
    assert png_bytes(runs[0]["curve"]).startswith(PNG_MAGIC)


def test_malformed_extra_is_left_out_not_a_crash():
    extra = {"training": [{"builder": "m", "history": {"loss": "high"}, "epochs_done": "many"}, "junk"],
             "confusion_matrix": [[1, 2], [3]], "class_names": "abc", "seconds": "slow"}
    html = render_feedback(fake_grade([check("test_weird", extra)]))
    context = feedback_context(fake_grade([check("test_weird", extra)]))["checks"][0]
    assert context["runs"] == [{"label": "m", "epochs": None, "seconds": None, "curve": None}]
    assert context["confusion_table"] is None and context["seconds"] is None
    assert "<table class=\"confusion\">" not in html and "learning curve" not in html


def test_the_page_shows_where_the_time_went():
    grade = fake_grade([check("test_layers", {"seconds": 0.1})])
    grade.details["phases"] = {"notebook": 12.34, "judge": 5.0, "training": 61.25}
    html = render_feedback(grade)
    assert ("Time used: running the notebook 12.3 s, hidden checks 5.0 s, training models 61.2 s." in html)
    for broken in ({"notebook": "slow", "judge": 1.0, "training": 0.0}, {"notebook": 1.0}, "fast",
                   {"notebook": float("nan"), "judge": 1.0, "training": 0.0}):
        grade.details["phases"] = broken
        assert 'id="phases"' not in render_feedback(grade), broken


def test_training_run_keeps_only_finite_bounded_plain_data():
    run = training_run("build_dnn", None, {"history": {"loss": [0.5, float("nan"), np.float32(0.25)],
                                                      "accuracy": "x", 3: [1.0]},
                                          "epochs_done": True, "seconds": float("inf"), "probabilities": [1]})
    assert run == {"builder": "build_dnn", "augment": None, "history": {"loss": [0.5, None, 0.25]},
                   "epochs_done": None, "seconds": None}
    assert training_run("b", "flip", "not a dict")["history"] == {}
    json.dumps(run, allow_nan=False)


def test_confusion_matrix_counts_pairs():
    y_true, y_pred = [0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2]
    assert confusion_matrix(y_true, y_pred) == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert confusion_matrix(y_true, y_pred, classes=4)[3] == [0, 0, 0, 0]


# ---------------------------------------------------------------- the plugin records it


STUDENT = '''
import keras

def build_model():
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model

def build_broken():
    raise ValueError("no model today")
'''

JUDGE = '''
import numpy as np
import pytest


def data():
    rng = np.random.default_rng(0)
    return rng.random((50, 4)).astype("float32"), rng.integers(0, 3, 50)


@pytest.mark.points(4)
def test_two_trainings(student, confusion, report):
    x, y = data()
    for seed in (0, 1):
        result = student.train_predict("build_model", x, y, x[:20], budget_seconds=30, epochs=2, batch_size=16,
                                       seed=seed)
    confusion(y[:20], np.asarray(result["probabilities"]).argmax(axis=1), ["a", "b", "c"])
    report(note="shown to the student")


@pytest.mark.points(1)
def test_broken_builder(student):
    x, y = data()
    student.train_predict("build_broken", x, y, x[:5], budget_seconds=5, epochs=1, batch_size=16)


@pytest.mark.points(1)
def test_report_may_not_set_what_the_judge_fills(report):
    report(fraction=1.0)
'''


@pytest.mark.slow
def test_plugin_records_every_training_and_the_reported_confusion_matrix(tmp_path):
    from grader.judge.backend import InProcessBackend
    from grader.judge.runner import run_judge

    judge = tmp_path / "assignment" / "judge"
    judge.mkdir(parents=True)
    (judge / "test_judge.py").write_text(textwrap.dedent(JUDGE), encoding="utf-8")
    report = run_judge(judge, InProcessBackend(STUDENT), report_path=tmp_path / "report.json")
    checks = {c["name"]: c for c in report.checks}

    trained = checks["test_two_trainings"]
    assert trained["passed"], trained["message"]
    runs = trained["extra"]["training"]
    assert [run["builder"] for run in runs] == ["build_model", "build_model"]
    for run in runs:
        assert run["epochs_done"] == 2 and len(run["history"]["loss"]) == 2
        assert all(isinstance(v, float) and math.isfinite(v) for v in run["history"]["loss"])
        assert 0 < run["seconds"] < 30
    matrix = trained["extra"]["confusion_matrix"]
    assert len(matrix) == 3 and sum(map(sum, matrix)) == 20
    assert trained["extra"]["class_names"] == ["a", "b", "c"] and trained["extra"]["note"] == "shown to the student"
    assert "probabilities" not in json.dumps(trained["extra"])

    broken = checks["test_broken_builder"]
    assert not broken["passed"] and "training" not in broken["extra"]
    misuse = checks["test_report_may_not_set_what_the_judge_fills"]
    assert not misuse["passed"] and misuse["message"].startswith("check could not run: report() may not set fraction")
    assert any("report() may not set fraction" in error for error in report.errors)

    written = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    page = render_feedback(fake_grade(written["checks"]))
    assert page.count('alt="learning curve of build_model"') == 2 and '<table class="confusion">' in page
