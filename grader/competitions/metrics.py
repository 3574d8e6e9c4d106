"""The metrics a competition can be scored with, in one registry.

Names follow scikit-learn: ``*_score`` is higher-is-better, ``*_loss`` is
lower-is-better; every metric is ``metric(y_true, y_pred, *, sample_weight=None)``.
``y_true`` holds class labels (integers or strings); ``y_pred`` holds labels for
label metrics, and for probability metrics either P(positive class) (one value a
row, binary) or one probability column per class (2-D, columns in label order).

Each metric carries a formula text that the leaderboard site shows on the
Evaluation page, so the page and the code cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

EPSILON = 1e-15  # Kaggle's clip for log loss


@dataclass(frozen=True)
class Metric:
    name: str
    fn: Callable[..., float]
    greater_is_better: bool
    formula_text: str
    needs_probabilities: bool
    accepts_one_column: bool = True  # probability metrics: may y_pred be P(positive) only?

    def __call__(self, y_true, y_pred, *, sample_weight=None) -> float:
        return self.fn(y_true, y_pred, sample_weight=sample_weight)

    def better(self, a: float, b: float) -> bool:
        """Is score ``a`` strictly better than ``b``?"""
        return a > b if self.greater_is_better else a < b


def _weights(sample_weight, n: int) -> np.ndarray | None:
    if sample_weight is None:
        return None
    weights = np.asarray(sample_weight, dtype=np.float64)
    if weights.shape != (n,):
        raise ValueError(f"sample_weight has shape {weights.shape}, expected ({n},)")
    return weights


def _mean(values: np.ndarray, weights: np.ndarray | None) -> float:
    if weights is None:
        return float(values.mean())
    return float(np.sum(values * weights) / np.sum(weights))


def _labels(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(f"y_true and y_pred must be 1-D of the same length, got {y_true.shape} and {y_pred.shape}")
    if len(y_true) == 0:
        raise ValueError("cannot score zero rows")
    return y_true, y_pred


def accuracy_score(y_true, y_pred, *, sample_weight=None) -> float:
    y_true, y_pred = _labels(y_true, y_pred)
    return _mean(y_true == y_pred, _weights(sample_weight, len(y_true)))


def balanced_accuracy_score(y_true, y_pred, *, sample_weight=None) -> float:
    """The mean over the classes present in y_true of each class's recall."""
    y_true, y_pred = _labels(y_true, y_pred)
    weights = _weights(sample_weight, len(y_true))
    recalls = []
    for label in np.unique(y_true):
        members = y_true == label
        recalls.append(_mean(y_pred[members] == label, None if weights is None else weights[members]))
    return float(np.mean(recalls))


def f1_macro_score(y_true, y_pred, *, sample_weight=None) -> float:
    """The unweighted mean over classes (in y_true or y_pred) of F1 = 2TP / (2TP + FP + FN)."""
    y_true, y_pred = _labels(y_true, y_pred)
    weights = _weights(sample_weight, len(y_true))
    weights = np.ones(len(y_true)) if weights is None else weights
    scores = []
    for label in np.unique(np.concatenate([y_true, y_pred])):
        is_true, is_pred = y_true == label, y_pred == label
        tp = weights[is_true & is_pred].sum()
        fp = weights[~is_true & is_pred].sum()
        fn = weights[is_true & ~is_pred].sum()
        denominator = 2 * tp + fp + fn
        scores.append(2 * tp / denominator if denominator else 0.0)
    return float(np.mean(scores))


def _class_index(y_true, n_classes: int) -> np.ndarray:
    y_true = np.asarray(y_true)
    if y_true.ndim != 1 or len(y_true) == 0:
        raise ValueError("y_true must be a non-empty 1-D array of class indices")
    if y_true.dtype.kind not in "iub":
        raise ValueError("probability metrics need y_true as class indices 0..k-1 (column order of y_pred)")
    index = y_true.astype(np.int64)
    if index.min() < 0 or index.max() >= n_classes:
        raise ValueError(f"y_true holds a class index outside 0..{n_classes - 1}")
    return index


def _probability_matrix(y_pred) -> np.ndarray:
    """(n, k) probabilities; a 1-D input is P(class 1) of a binary problem."""
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_pred.ndim == 1:
        return np.column_stack([1.0 - y_pred, y_pred])
    if y_pred.ndim != 2 or y_pred.shape[1] < 2:
        raise ValueError(f"y_pred must be P(positive) (1-D) or one column per class (2-D), got shape {y_pred.shape}")
    return y_pred


def log_loss(y_true, y_pred, *, sample_weight=None) -> float:
    """Kaggle's log loss: each row rescaled to sum 1, then clipped to [1e-15, 1 - 1e-15]."""
    probabilities = _probability_matrix(y_pred)
    index = _class_index(y_true, probabilities.shape[1])
    if len(index) != len(probabilities):
        raise ValueError("y_true and y_pred have different numbers of rows")
    sums = probabilities.sum(axis=1, keepdims=True)
    n_classes = probabilities.shape[1]
    rescaled = np.divide(probabilities, sums, out=np.full_like(probabilities, 1.0 / n_classes), where=sums > 0)
    true_class = np.clip(rescaled[np.arange(len(index)), index], EPSILON, 1.0 - EPSILON)
    return _mean(-np.log(true_class), _weights(sample_weight, len(index)))


def roc_auc_score(y_true, y_pred, *, sample_weight=None) -> float:
    """Binary: the area under the ROC curve of P(class 1); multi-class: one-vs-rest, macro average."""
    import warnings

    from sklearn import metrics
    from sklearn.exceptions import UndefinedMetricWarning

    warnings.filterwarnings("ignore", category=UndefinedMetricWarning)  # undefined -> NaN, reported as None
    y_pred = np.asarray(y_pred, dtype=np.float64)
    n_classes = 2 if y_pred.ndim == 1 else y_pred.shape[1]
    index = _class_index(y_true, n_classes)
    if y_pred.ndim == 2 and n_classes == 2:
        y_pred = y_pred[:, 1]
    if y_pred.ndim == 1:
        return float(metrics.roc_auc_score(index, y_pred, sample_weight=sample_weight))
    rows = y_pred.sum(axis=1, keepdims=True)
    y_pred = np.divide(y_pred, rows, out=np.full_like(y_pred, 1.0 / n_classes), where=rows > 0)
    return float(metrics.roc_auc_score(index, y_pred, sample_weight=sample_weight, multi_class="ovr",
                                       average="macro", labels=np.arange(n_classes)))


def top_k_accuracy_score(y_true, y_pred, *, sample_weight=None, k: int = 5) -> float:
    """Share of rows whose true class is among the k highest scores (ties: the lower class index first)."""
    scores = _probability_matrix(y_pred)
    index = _class_index(y_true, scores.shape[1])
    k = min(k, scores.shape[1])
    # Stable sort on -score: equal scores keep column order, so the result never depends on chance.
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    hit = (top == index[:, None]).any(axis=1)
    return _mean(hit, _weights(sample_weight, len(index)))


METRICS: dict[str, Metric] = {
    metric.name: metric
    for metric in (
        Metric("accuracy_score", accuracy_score, True,
               "accuracy = (number of rows whose predicted label equals the true label) / (number of rows)", False),
        Metric("balanced_accuracy_score", balanced_accuracy_score, True,
               "balanced accuracy = (1/K) Σ_k recall_k, recall_k = (correct rows of class k) / (rows of class k)", False),
        Metric("f1_macro_score", f1_macro_score, True,
               "macro-F1 = (1/K) Σ_k F1_k, F1_k = 2·TP_k / (2·TP_k + FP_k + FN_k)", False),
        Metric("log_loss", log_loss, False,
               "log loss = −(1/N) Σ_i Σ_k y_ik · log(p_ik); each row of p is divided by its sum, then "
               "clipped to [1e−15, 1 − 1e−15]; for one column, p is P(positive) and P(negative) = 1 − p", True),
        Metric("roc_auc_score", roc_auc_score, True,
               "ROC AUC = probability that a random positive row gets a higher score than a random negative row "
               "(multi-class: one-vs-rest, averaged over classes)", True),
        Metric("top_k_accuracy_score", top_k_accuracy_score, True,
               "top-5 accuracy = share of rows whose true class is among the 5 highest-scored classes "
               "(top-5 error = 1 − top-5 accuracy)", True, accepts_one_column=False),
    )
}


def get_metric(name: str) -> Metric:
    from grader.errors import CompetitionError

    try:
        return METRICS[name]
    except KeyError:
        raise CompetitionError(f"Unknown metric {name!r}. Known metrics: {', '.join(METRICS)}.") from None
