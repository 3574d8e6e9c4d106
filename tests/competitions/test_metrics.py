"""Every registered metric through the same properties, plus Kaggle's log-loss vector."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as sk

from grader.competitions.metrics import METRICS, get_metric, log_loss

RNG = np.random.default_rng(7)
N, K = 60, 6
Y_TRUE = np.arange(N) % K
RNG.shuffle(Y_TRUE)
PROBABILITIES = RNG.dirichlet(np.ones(K), size=N)
PROBABILITIES[np.arange(N)[: N // 2], Y_TRUE[: N // 2]] += 1.0  # better than chance, not perfect
PROBABILITIES /= PROBABILITIES.sum(axis=1, keepdims=True)
LABELS = PROBABILITIES.argmax(axis=1)


def inputs(metric):
    """(y_true, y_pred, perfect y_pred, poor y_pred) in the form the metric takes."""
    if metric.needs_probabilities:
        perfect = np.eye(K)[Y_TRUE]
        poor = np.roll(perfect, 1, axis=1) * 0.9 + 0.1 / K
        return Y_TRUE, PROBABILITIES, perfect, poor
    return Y_TRUE, LABELS, Y_TRUE.copy(), (Y_TRUE + 1) % K


@pytest.mark.parametrize("name", sorted(METRICS))
def test_metric_properties(name):
    metric = get_metric(name)
    y_true, y_pred, perfect, poor = inputs(metric)
    score = metric(y_true, y_pred)
    assert isinstance(score, float) and np.isfinite(score)
    # row-order invariance
    order = RNG.permutation(N)
    assert metric(y_true[order], y_pred[order]) == pytest.approx(score)
    # list input gives the same as array input
    assert metric(y_true.tolist(), y_pred.tolist()) == pytest.approx(score)
    # uniform sample weights change nothing
    assert metric(y_true, y_pred, sample_weight=np.full(N, 2.0)) == pytest.approx(score)
    # direction: the name says it, and perfect predictions beat poor ones that way
    assert metric.greater_is_better == name.endswith("_score")
    assert name.endswith(("_score", "_loss"))
    assert metric.better(metric(y_true, perfect), metric(y_true, poor))
    assert metric.better(metric(y_true, perfect), score) or metric(y_true, perfect) == pytest.approx(score)
    assert metric.formula_text


@pytest.mark.parametrize("name", sorted(n for n, m in METRICS.items() if not m.needs_probabilities))
def test_label_metrics_take_string_labels(name):
    """Class names (as in the CIFAR-10 kit) score exactly like their indices."""
    metric = get_metric(name)
    names = np.array(["cat", "dog", "frog", "ship", "truck", "bird"])
    assert metric(names[Y_TRUE], names[LABELS]) == pytest.approx(metric(Y_TRUE, LABELS))
    assert metric(list(names[Y_TRUE]), list(names[LABELS])) == pytest.approx(metric(Y_TRUE, LABELS))


@pytest.mark.parametrize("name, reference", [
    ("accuracy_score", lambda t, p: sk.accuracy_score(t, p)),
    ("balanced_accuracy_score", lambda t, p: sk.balanced_accuracy_score(t, p)),
    ("f1_macro_score", lambda t, p: sk.f1_score(t, p, average="macro")),
    ("log_loss", lambda t, p: sk.log_loss(t, p, labels=np.arange(K))),
    ("roc_auc_score", lambda t, p: sk.roc_auc_score(t, p, multi_class="ovr", average="macro")),
    ("top_k_accuracy_score", lambda t, p: sk.top_k_accuracy_score(t, p, k=5, labels=np.arange(K))),
])
def test_metric_agrees_with_scikit_learn(name, reference):
    metric = get_metric(name)
    y_true, y_pred, _perfect, _poor = inputs(metric)
    assert metric(y_true, y_pred) == pytest.approx(reference(y_true, y_pred))


KAGGLE_TRUE_CLASS_PROBABILITIES = [0.5, 0.1, 0.01, 0.1, 0.25, 0.999]


def test_kaggle_log_loss_vector_binary():
    """Kaggle's worked example: six rows whose true-class probabilities are given."""
    p = np.array(KAGGLE_TRUE_CLASS_PROBABILITIES)
    y = np.array([1, 0, 1, 0, 1, 1])
    p_positive = np.where(y == 1, p, 1 - p)
    assert log_loss(y, p_positive) == pytest.approx(1.881797068998267, abs=1e-12)


def test_kaggle_log_loss_vector_multiclass_rows_are_rescaled():
    """The same vector as 3-class rows that do not sum to one: Kaggle divides each row by its sum."""
    p = np.array(KAGGLE_TRUE_CLASS_PROBABILITIES)
    y = np.array([0, 1, 2, 0, 1, 2])
    rows = np.full((6, 3), 0.0)
    rows[np.arange(6), y] = p
    rest = (1 - p) / 2
    for j in range(3):
        rows[:, j] = np.where(y == j, p, rest)
    assert log_loss(y, rows * 7.0) == pytest.approx(1.881797068998267, abs=1e-12)


def test_log_loss_clips_certain_mistakes():
    """A 0 for the true class costs -log(1e-15) (about 34.54), not infinity."""
    assert log_loss([1], [0.0]) == pytest.approx(-np.log(1e-15))
    assert log_loss([0], [0.0]) == pytest.approx(-np.log(1 - 1e-15))


def test_top_k_is_the_lectures_top_5():
    scores = np.tile(np.arange(10.0), (2, 1))  # class 9 highest ... class 0 lowest
    assert get_metric("top_k_accuracy_score")([5, 4], scores) == 0.5  # 5..9 are the top 5


def test_unknown_metric_is_one_line():
    from grader.errors import CompetitionError

    with pytest.raises(CompetitionError, match="^Unknown metric 'auc'. Known metrics: accuracy_score, "):
        get_metric("auc")
