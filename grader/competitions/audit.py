"""Flag identical or near-identical prediction files from different teams.

Two submissions of different (non-benchmark) teams are flagged when their files
have the same sha256, or when at least ``threshold`` (99 %) of their
predictions on the test ids agree: the same label, or for probabilities the
same predicted class with every probability within 0.01. Pairs are first
compared on a fixed sample of ids, and only promising pairs in full, so a
class's worth of files is audited in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
from sqlalchemy import select

from grader.competitions.solution import load_solution
from grader.competitions.rules import KIND
from grader.competitions.validation import SubmissionSpec, validate_submission
from grader.errors import SubmissionError
from grader.store import Submission, Team

SAMPLE_SIZE = 2000
PROBABILITY_TOLERANCE = 0.01


@dataclass
class AuditFlag:
    team_a: str
    submission_a: int
    team_b: str
    submission_b: int
    reason: str  # "identical file" | "near-identical predictions"
    agreement: float  # share of test ids with the same prediction


def _comparable(cfg, predictions: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """(class per row, probabilities or None): what 'the same prediction' compares."""
    if predictions.ndim == 1 and cfg.prediction_kind == "label":
        return predictions, None
    probabilities = predictions if predictions.ndim == 2 else np.column_stack([1 - predictions, predictions])
    return probabilities.argmax(axis=1), probabilities


def _agreement(a, b, rows=slice(None)) -> float:
    same = a[0][rows] == b[0][rows]
    if a[1] is not None:
        same &= (np.abs(a[1][rows] - b[1][rows]) <= PROBABILITY_TOLERANCE).all(axis=1)
    return float(same.mean()) if same.size else 1.0


def audit(course, store, cfg, *, threshold: float = 0.99) -> list[AuditFlag]:
    with store.read() as session:
        rows = session.execute(
            select(Submission.id, Submission.sha256, Team.name)
            .join(Team, Team.id == Submission.team_id)
            .where(Submission.kind == KIND, Submission.target == cfg.name, Submission.status == "scored",
                   Team.is_benchmark.is_(False))
            .order_by(Submission.id)).all()
    if cfg.kind == "code" or not rows:
        return _identical_only(rows)
    solution = load_solution(cfg)
    spec = SubmissionSpec.for_competition(cfg, solution.ids)
    parsed: dict[str, tuple] = {}
    for _id, digest, _team in rows:
        if digest not in parsed:
            try:
                parsed[digest] = _comparable(cfg, validate_submission(store.get_file(digest), spec).predictions)
            except SubmissionError:
                continue
    sample = np.random.default_rng(0).choice(len(solution), size=min(SAMPLE_SIZE, len(solution)), replace=False)
    flags = []
    for (id_a, sha_a, team_a), (id_b, sha_b, team_b) in combinations(rows, 2):
        if team_a == team_b:
            continue
        if sha_a == sha_b:
            flags.append(AuditFlag(team_a, id_a, team_b, id_b, "identical file", 1.0))
            continue
        if sha_a not in parsed or sha_b not in parsed:
            continue
        a, b = parsed[sha_a], parsed[sha_b]
        if _agreement(a, b, sample) < threshold - 0.02:
            continue
        agreement = _agreement(a, b)
        if agreement >= threshold:
            flags.append(AuditFlag(team_a, id_a, team_b, id_b, "near-identical predictions", agreement))
    return flags


def _identical_only(rows) -> list[AuditFlag]:
    return [AuditFlag(ta, ia, tb, ib, "identical file", 1.0)
            for (ia, sa, ta), (ib, sb, tb) in combinations(rows, 2) if ta != tb and sa == sb]
