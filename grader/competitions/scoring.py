"""Scoring a valid submission against the solution: one public and one private score."""

from __future__ import annotations

import numpy as np

from grader.competitions.metrics import get_metric
from grader.competitions.solution import Solution


def score_predictions(cfg, solution: Solution, predictions: np.ndarray) -> tuple[float, float]:
    """(public score, private score) of predictions aligned with ``solution.ids``."""
    metric = get_metric(cfg.metric)
    public = solution.public
    private = ~public
    return (float(metric(solution.truth[public], predictions[public])),
            float(metric(solution.truth[private], predictions[private])))
