"""Scoring a valid submission against the solution: one public and one private score."""

from __future__ import annotations

import math

import numpy as np

from grader.competitions.metrics import get_metric
from grader.competitions.solution import Solution


def score_predictions(cfg, solution: Solution, predictions: np.ndarray) -> tuple[float | None, float | None]:
    """(public score, private score) of predictions aligned with ``solution.ids``.

    A score the metric cannot define on its rows (ROC AUC on rows of one class) is None:
    such a score ranks last, it is never a crash or a NaN in an export.
    """
    metric = get_metric(cfg.metric)
    order, n_public, truth = solution.usage_order
    predictions = predictions[order]

    def score(rows: slice) -> float | None:
        try:
            value = float(metric(truth[rows], predictions[rows]))
        except ValueError:
            return None
        return value if math.isfinite(value) else None

    return score(slice(0, n_public)), score(slice(n_public, None))
