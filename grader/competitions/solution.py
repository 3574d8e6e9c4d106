"""The solution file: the test ids, their true class and Kaggle's ``Usage`` column.

``<course>/competitions/<name>/solution.csv`` has the columns
``<id column>,truth,Usage``: ``truth`` is the class index (0..k-1, the order of
``class_names``) and ``Usage`` is ``Public`` or ``Private``. It is written next
to competition.toml when the kit is released and is never put in a kit, a zip
or a sandbox. It is written once: a later release that would change it stops
with an error instead (scores already given would silently change meaning).
"""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from grader.errors import CompetitionError


@dataclass
class Solution:
    ids: np.ndarray  # sorted ascending, int64
    truth: np.ndarray  # class index per id, int64
    public: np.ndarray  # bool per id: counts on the public leaderboard
    _usage_order: tuple | None = field(default=None, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def usage_order(self) -> tuple[np.ndarray, int, np.ndarray]:
        """(row order with the public rows first, number of public rows, truth in that order), computed once.

        Scoring gathers the predictions once in this order and then scores two slices,
        instead of selecting public and private rows with masks four times.
        """
        if self._usage_order is None:
            public = np.flatnonzero(self.public)
            order = np.concatenate([public, np.flatnonzero(~self.public)])
            self._usage_order = (order, len(public), self.truth[order])
        return self._usage_order


def solution_from_splits(splits) -> Solution:
    """The solution of a :class:`grader.datasets.splits.Splits`: its public and private test rows."""
    ids = np.concatenate([np.asarray(splits.ids_public), np.asarray(splits.ids_private)]).astype(np.int64)
    truth = np.concatenate([np.asarray(splits.y_public), np.asarray(splits.y_private)]).astype(np.int64)
    public = np.concatenate([np.ones(len(splits.ids_public), bool), np.zeros(len(splits.ids_private), bool)])
    order = np.argsort(ids, kind="stable")
    if len(np.unique(ids)) != len(ids):
        raise CompetitionError(f"The split of {splits.name or 'the dataset'} gives two test rows the same id. "
                               "Check grader.datasets' split.")
    return Solution(ids=ids[order], truth=truth[order], public=public[order])


def solution_csv(solution: Solution, id_column: str) -> bytes:
    lines = [f"{id_column},truth,Usage"]
    usage = np.where(solution.public, "Public", "Private")
    lines += [f"{i},{t},{u}" for i, t, u in zip(solution.ids.tolist(), solution.truth.tolist(), usage.tolist())]
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_solution(cfg, solution: Solution) -> Path:
    """Write ``solution.csv`` for ``cfg`` once; refuse to change an existing one."""
    path = cfg.solution_path
    data = solution_csv(solution, cfg.id_column)
    if path.exists():
        if path.read_bytes() != data:
            raise CompetitionError(
                f"{path} exists and differs from the split that competition.toml now gives "
                "(was the seed, public_fraction or dataset changed?). If that change is intended and no team "
                "has submitted yet, delete solution.csv and release again.")
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".solution-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)
    return path


def load_solution(cfg) -> Solution:
    """Read ``solution.csv``; say how to make it when it is missing."""
    import pandas as pd

    path = cfg.solution_path
    if not path.is_file():
        raise CompetitionError(f"{cfg.name} has no solution file ({path}). Run 'grader release {cfg.name}' first.")
    try:
        frame = pd.read_csv(io.BytesIO(path.read_bytes()), dtype={cfg.id_column: np.int64, "truth": np.int64,
                                                                  "Usage": str})
        ids = frame[cfg.id_column].to_numpy()
        truth = frame["truth"].to_numpy()
        usage = frame["Usage"].to_numpy()
    except Exception as exc:
        raise CompetitionError(f"{path} is not a valid solution file ({exc}). Release the competition again.") from None
    if not set(np.unique(usage)) <= {"Public", "Private"}:
        raise CompetitionError(f"{path}: the Usage column may only hold 'Public' or 'Private'.")
    order = np.argsort(ids, kind="stable")
    return Solution(ids=ids[order], truth=truth[order], public=(usage == "Public")[order])
