"""The judge's pytest plugin: fixtures for hidden checks, and points for each test.

A judge test is an ordinary pytest test with a ``points`` marker::

    @pytest.mark.points(10)
    def test_normalize_range(student, rng):
        x = rng.integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
        got = student.normalize(x)
        assert np.allclose(got, x / 255.0), "normalize must divide by 255"

Fixtures: ``student`` (calls the student's functions through a backend),
``rng`` (a numpy Generator seeded from the test's id), ``assignment_config``,
``training_budget``, ``splits(name)``, ``credit(fraction, note)``, and
``test_mode`` / ``tier_credit(accuracy, variant)`` for training checks.

For the student's feedback, every ``student.train_predict(...)`` a test makes
is recorded in that test's ``extra["training"]`` (one entry per run: builder,
augment, history, epochs_done, seconds), and ``report(**data)`` /
``confusion(y_true, y_pred, class_names)`` add plain data such as a
confusion matrix of held-out predictions. Only put there what a student may
see: never expected values of other checks.

What a student reads about a failed check is the assertion's own message (or
``check failed: <test>``), or the reason their code failed; assertion
rewriting is off (the runner passes ``--assert=plain``), so no value the judge
computed is ever shown.
"""

from __future__ import annotations

import dataclasses
import json
import math
import zlib
from typing import Any

import numpy as np
import pytest

from grader.errors import GraderError
from grader.judge.backend import StudentBackend, StudentFailure

TEST_TRAIN_SIZE = 1000
TEST_EVAL_SIZE = 2000
DEFAULT_TEST_BUDGET = 2.0
MAX_HISTORY_KEYS = 8
MAX_HISTORY_EPOCHS = 1000
MAX_REPORT_BYTES = 200_000
RESERVED_EXTRA = ("fraction", "seconds", "training")


class StudentProxy:
    """``student.normalize(x)`` runs the student's ``normalize`` through the backend."""

    def __init__(self, backend: StudentBackend, on_training=None):
        self._backend = backend
        self._on_training = on_training

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)

        def call_student(*args: Any, **kwargs: Any) -> Any:
            return self._backend.call(name, list(args), kwargs)

        call_student.__name__ = name
        return call_student

    def describe_model(self, builder: str, **kwargs: Any) -> dict:
        return self._backend.describe_model(builder, **kwargs)

    def describe_block(self, fn: str, input_shape, **kwargs: Any) -> dict:
        return self._backend.describe_block(fn, input_shape, **kwargs)

    def train_predict(self, builder: str, x_train, y_train, x_test, **kwargs: Any) -> dict:
        result = self._backend.train_predict(builder, x_train, y_train, x_test, **kwargs)
        if self._on_training is not None:
            self._on_training(training_run(builder, kwargs.get("augment"), result))
        return result


def training_run(builder: str, augment, result) -> dict:
    """What the feedback keeps of one training: plain, finite, bounded data only.

    The result comes from the student's side, so nothing in it is trusted: a
    history that is not a dict of number lists is dropped, NaN and infinity
    become None, and its size is capped.
    """
    result = result if isinstance(result, dict) else {}
    history = {}
    raw = result.get("history")
    if isinstance(raw, dict):
        for key, values in list(raw.items())[:MAX_HISTORY_KEYS]:
            if isinstance(key, str) and isinstance(values, (list, tuple)):
                history[key[:40]] = [_finite(v) for v in values[:MAX_HISTORY_EPOCHS]]
    epochs = result.get("epochs_done")
    return {
        "builder": str(builder)[:100], "augment": str(augment)[:100] if augment else None, "history": history,
        "epochs_done": int(epochs) if isinstance(epochs, (int, float)) and not isinstance(epochs, bool)
        and math.isfinite(epochs) else None,
        "seconds": _finite(result.get("seconds")),
    }


def _finite(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        return None
    value = float(value)
    return round(value, 6) if math.isfinite(value) else None


class JudgePlugin:
    """Registered by :func:`grader.judge.runner.run_judge` for one run of a judge folder."""

    def __init__(self, backend: StudentBackend, *, course=None, test_mode: bool = False,
                 assignment_config: dict | None = None):
        self.backend = backend
        self.course = course
        self.testing = test_mode
        self.config = assignment_config or {}
        self.results: dict[str, dict] = {}
        self.order: list[str] = []
        self.missing_points: list[str] = []
        self.errors: list[str] = []
        self._credits: dict[str, tuple[float, str]] = {}
        self._splits_cache: dict[str, Any] = {}

    # ------------------------------------------------------------ hooks

    def pytest_configure(self, config):
        config.addinivalue_line("markers", "points(n): weight of a judge check (required)")

    def pytest_collection_modifyitems(self, session, config, items):
        for item in items:
            marker = item.get_closest_marker("points")
            if marker is None or not marker.args or not isinstance(marker.args[0], (int, float)) or marker.args[0] < 0:
                self.missing_points.append(item.nodeid)
            else:
                self.order.append(item.nodeid)
                self.results[item.nodeid] = {
                    "id": item.nodeid, "name": item.name, "points": 0.0, "max_points": float(marker.args[0]),
                    "passed": False, "message": f"check did not run: {item.name}", "extra": {},
                }
        if self.missing_points:
            items[:] = []

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        result = self.results.get(item.nodeid)
        if result is None:
            return
        if report.when == "call" and report.passed:
            fraction, note = self._credits.get(item.nodeid, (1.0, ""))
            result.update(passed=True, points=round(result["max_points"] * fraction, 6),
                          message=note or "passed")
            result["extra"].update(fraction=fraction, seconds=round(call.duration, 3))
        elif report.failed:
            result.update(passed=False, points=0.0, message=self._message(item, call))
            result["extra"]["seconds"] = round(call.duration, 3)
            if _not_the_students_fault(report.when, call.excinfo):
                self.errors.append(f"{item.nodeid}: {report.when} failed: {call.excinfo.exconly()[:500]}")
        elif report.skipped and report.when in ("setup", "call"):
            reason = call.excinfo.value.msg if call.excinfo is not None and hasattr(call.excinfo.value, "msg") else ""
            result.update(passed=False, points=0.0, message=f"check skipped: {reason}" if reason else "check skipped")

    def _message(self, item, call) -> str:
        """What a student may read: the assertion's own message, or why their code failed."""
        excinfo = call.excinfo
        if excinfo is None:
            return f"check failed: {item.name}"
        if excinfo.errisinstance(StudentFailure):
            return str(excinfo.value)
        if excinfo.errisinstance(AssertionError):
            # Only the first line: pytest's introspection, if any, follows it.
            text = str(excinfo.value).strip()
            first = text.splitlines()[0] if text else ""
            return first if first and not first.startswith("assert ") else f"check failed: {item.name}"
        if excinfo.errisinstance(pytest.fail.Exception):
            text = str(getattr(excinfo.value, "msg", "") or "")
            if text.startswith("DID NOT RAISE"):
                return f"check failed: {item.name} (the student's code raised no exception)"
            return text.splitlines()[0] if text.strip() else f"check failed: {item.name}"
        if excinfo.errisinstance(GraderError):
            return f"check could not run: {excinfo.value}"
        return f"check failed: {item.name}"

    # ------------------------------------------------------------ fixtures

    @pytest.fixture
    def student(self, request) -> StudentProxy:
        nodeid = request.node.nodeid

        def record(run: dict) -> None:
            result = self.results.get(nodeid)
            if result is not None:
                result["extra"].setdefault("training", []).append(run)

        return StudentProxy(self.backend, on_training=record)

    @pytest.fixture
    def report(self, request):
        """``report(**data)``: merge plain JSON data into this check's ``extra`` (shown in the feedback)."""
        nodeid = request.node.nodeid

        def merge(**data: Any) -> None:
            reserved = sorted(set(data) & set(RESERVED_EXTRA))
            if reserved:
                raise GraderError(f"report() may not set {', '.join(reserved)} (the judge fills them); "
                                  "use another key.")
            try:
                text = json.dumps(data, allow_nan=False)
            except (TypeError, ValueError) as exc:
                raise GraderError(f"report() takes plain JSON data (lists, not arrays; no NaN): {exc}; "
                                  "convert with .tolist() or float().") from None
            if len(text) > MAX_REPORT_BYTES:
                raise GraderError(f"report() data is {len(text):,} bytes, over {MAX_REPORT_BYTES:,}; "
                                  "report less.")
            result = self.results.get(nodeid)
            if result is not None:
                result["extra"].update(json.loads(text))

        return merge

    @pytest.fixture
    def confusion(self, report):
        """``confusion(y_true, y_pred, class_names)``: report the confusion matrix (rows true, columns predicted)."""

        def record(y_true, y_pred, class_names=None) -> list[list[int]]:
            matrix = confusion_matrix(y_true, y_pred, classes=len(class_names) if class_names else None)
            report(confusion_matrix=matrix,
                   class_names=[str(name) for name in class_names] if class_names else None)
            return matrix

        return record

    @pytest.fixture
    def rng(self, request) -> np.random.Generator:
        return np.random.default_rng(zlib.crc32(request.node.nodeid.encode("utf-8")))

    @pytest.fixture
    def assignment_config(self) -> dict:
        return self.config

    @pytest.fixture
    def test_mode(self) -> bool:
        return self.testing

    @pytest.fixture
    def training_budget(self) -> float:
        training = self.config.get("training", {})
        if self.testing:
            return float(training.get("test_budget_seconds", DEFAULT_TEST_BUDGET))
        return float(training.get("budget_seconds", 60))

    @pytest.fixture
    def splits(self):
        """``splits(name)``: the course's splits; in test mode, 1,000 training and 2,000 test images."""

        def load(name: str):
            if name not in self._splits_cache:
                from grader.datasets import load_splits

                data = load_splits(name, course=self.course)
                if self.testing:
                    data = _shrink(data)
                self._splits_cache[name] = data
            return self._splits_cache[name]

        return load

    @pytest.fixture
    def credit(self, request):
        """``credit(fraction, note)``: a passing test earns ``fraction`` of its points (the last call counts)."""

        def give(fraction: float, note: str = "") -> None:
            fraction = min(1.0, max(0.0, float(fraction)))
            self._credits[request.node.nodeid] = (fraction, str(note))

        return give

    @pytest.fixture
    def tier_credit(self):
        """``tier_credit(accuracy, variant) -> (fraction, threshold)`` from ``[training.tiers.<variant>]``.

        In test mode ``[training.tiers.test]`` is used when the assignment has it.
        """

        def lookup(accuracy: float, variant: str) -> tuple[float, float | None]:
            tiers = accuracy_tiers(self.config, variant, test_mode=self.testing)
            for threshold, fraction in tiers:
                if accuracy >= threshold:
                    return fraction, threshold
            return 0.0, None

        return lookup


def confusion_matrix(y_true, y_pred, *, classes: int | None = None) -> list[list[int]]:
    """Counts of (true label, predicted label) pairs as nested lists; labels are 0..classes-1."""
    y_true = np.asarray(y_true).astype(np.int64).ravel()
    y_pred = np.asarray(y_pred).astype(np.int64).ravel()
    if y_true.shape != y_pred.shape:
        raise GraderError(f"confusion(): {len(y_true)} true labels but {len(y_pred)} predictions; "
                          "pass one prediction per label.")
    if classes is None:
        classes = int(max(y_true.max(initial=-1), y_pred.max(initial=-1))) + 1
    matrix = np.zeros((classes, classes), dtype=np.int64)
    inside = (y_true >= 0) & (y_true < classes) & (y_pred >= 0) & (y_pred < classes)
    np.add.at(matrix, (y_true[inside], y_pred[inside]), 1)
    return matrix.tolist()


def _not_the_students_fault(when: str, excinfo) -> bool:
    """A fixture or teardown that broke, or a missing dataset: the grader's problem, not a zero to keep quiet."""
    if excinfo is None or excinfo.errisinstance(StudentFailure):
        return False
    return when != "call" or excinfo.errisinstance(GraderError)


def accuracy_tiers(config: dict, variant: str, *, test_mode: bool = False) -> list[tuple[float, float]]:
    """``[(threshold, fraction), ...]``, highest threshold first, for a dataset variant."""
    tables = config.get("training", {}).get("tiers", {})
    table = tables.get("test") if test_mode and "test" in tables else tables.get(variant)
    if table is None:
        known = ", ".join(sorted(tables)) or "none"
        raise GraderError(f"assignment.toml has no [training.tiers.{variant}] (variants with tiers: {known}); "
                          "add the thresholds for this dataset variant.")
    return sorted(((float(k), float(v)) for k, v in table.items()), reverse=True)


def _shrink(data):
    """A small, class-balanced-enough subset of a split for fast authoring checks."""
    pick = np.random.default_rng(0)

    def take(x, y, n):
        if len(y) <= n:
            return x, y
        index = np.sort(pick.permutation(len(y))[:n])
        return x[index], y[index]

    x_train, y_train = take(data.x_train, data.y_train, TEST_TRAIN_SIZE)
    changes = {"x_train": x_train, "y_train": y_train}
    for part in ("public", "private"):
        x, y = getattr(data, f"x_{part}"), getattr(data, f"y_{part}")
        if len(y) > TEST_EVAL_SIZE:
            index = np.sort(pick.permutation(len(y))[:TEST_EVAL_SIZE])
            changes[f"x_{part}"], changes[f"y_{part}"] = x[index], y[index]
            ids = getattr(data, f"ids_{part}", None)
            if ids is not None and len(ids) == len(y):
                changes[f"ids_{part}"] = np.asarray(ids)[index]
    return dataclasses.replace(data, **changes) if dataclasses.is_dataclass(data) else data
