"""A small course with toy competitions built from synthetic splits (no real dataset needed)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from grader.course import Course, render_config, validate_config
from grader.datasets.splits import Splits

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)  # inside every toy competition's window

TOY_TOML = """
title = "Toy digits"
dataset = "mnist"
metric = "accuracy_score"
id_column = "ImageId"
target_columns = ["Label"]
class_names = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]
daily_limit = {daily_limit}
final_selections = 2
max_team_size = 3
start = 2026-09-01T00:00:00+09:00
deadline = 2026-12-18T23:59:00+09:00
timezone = "Asia/Seoul"
"""


def toy_splits(n_public: int = 30, n_private: int = 70, n_classes: int = 10, *, seed: int = 0,
               image_shape=(8, 8), class_names=None) -> Splits:
    """Synthetic Splits: ids 1..n shuffled over public/private, as grader.datasets makes them."""
    rng = np.random.default_rng(seed)
    n_test = n_public + n_private
    ids = rng.permutation(np.arange(1, n_test + 1))
    y_test = np.arange(n_test) % n_classes
    rng.shuffle(y_test)
    return Splits(
        x_train=rng.integers(0, 256, size=(40, *image_shape), dtype=np.uint8),
        y_train=(np.arange(40) % n_classes).astype(np.int64),
        x_public=rng.integers(0, 256, size=(n_public, *image_shape), dtype=np.uint8),
        y_public=y_test[:n_public].astype(np.int64),
        x_private=rng.integers(0, 256, size=(n_private, *image_shape), dtype=np.uint8),
        y_private=y_test[n_public:].astype(np.int64),
        class_names=class_names or [str(i) for i in range(n_classes)],
        source="synthetic", variant="toy", ids_public=ids[:n_public].astype(np.int64),
        ids_private=ids[n_public:].astype(np.int64), name="toy")


def make_course(root: Path) -> Course:
    root.mkdir(parents=True, exist_ok=True)
    (root / "grader.toml").write_text(render_config(), encoding="utf-8")
    (root / "competitions").mkdir(exist_ok=True)
    course = Course(root=root, config=validate_config({}, root / "grader.toml"))
    from grader.store import Store

    Store.open(course).create()
    return course


def add_competition(course: Course, name: str, toml_text: str, splits: Splits | None = None):
    """Write competition.toml and release the kit from ``splits`` (writes solution.csv)."""
    from grader.competitions.config import load_competition
    from grader.competitions.kits import build_kit

    folder = course.path("competitions", name)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "competition.toml").write_text(toml_text, encoding="utf-8")
    cfg = load_competition(course, name)
    build_kit(cfg, splits or toy_splits(), course.path("release"))
    return cfg


@pytest.fixture
def course(tmp_path) -> Course:
    return make_course(tmp_path / "course")


@pytest.fixture
def toy(course):
    """(course, store, cfg, solution) for a 100-row digits competition, limit 5 a day."""
    from grader.competitions.solution import load_solution
    from grader.store import Store

    cfg = add_competition(course, "toy", TOY_TOML.format(daily_limit=5))
    return course, Store.open(course), cfg, load_solution(cfg)


def write_predictions(path: Path, ids, labels, header="ImageId,Label") -> Path:
    lines = [header] + [f"{i},{label}" for i, label in zip(ids, labels)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _store_fixtures():
    """The store tests' throw-away PostgreSQL server fixture, shared rather than copied."""
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "store" / "conftest.py"
    spec = importlib.util.spec_from_file_location("_cnnkit_store_conftest", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.postgres_url


postgres_url = _store_fixtures()
