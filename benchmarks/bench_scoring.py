"""Validating + scoring a 1,000,000-row accuracy submission vs plain pandas + scikit-learn.

Both run in this one process on the same file:

- baseline: ``pandas.read_csv`` + ``sklearn.metrics.accuracy_score``, no validation at all;
- cnnkit: ``validate_submission`` (header, every id once, types, label range, ...) and the
  public/private scores with ``score_predictions``.

Target: cnnkit no slower than the baseline. Run: ``.venv/bin/python benchmarks/bench_scoring.py``.
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROWS = 1_000_000
REPEATS = 15


def make_file(rng: np.random.Generator) -> tuple[bytes, np.ndarray, np.ndarray]:
    ids = rng.permutation(np.arange(1, ROWS + 1))
    truth = rng.integers(0, 10, ROWS)  # by id - 1
    predictions = np.where(rng.random(ROWS) < 0.9, truth[ids - 1], rng.integers(0, 10, ROWS))
    body = "\n".join(f"{i},{p}" for i, p in zip(ids.tolist(), predictions.tolist()))
    return ("ImageId,Label\n" + body + "\n").encode(), truth, rng.random(ROWS) < 0.3


def baseline(data: bytes, truth: np.ndarray) -> float:
    import pandas as pd
    from sklearn.metrics import accuracy_score

    frame = pd.read_csv(io.BytesIO(data))
    return accuracy_score(truth[frame["ImageId"].to_numpy() - 1], frame["Label"].to_numpy())


def cnnkit(data: bytes, spec, cfg, solution) -> tuple[float, float]:
    from grader.competitions.scoring import score_predictions
    from grader.competitions.validation import validate_submission

    return score_predictions(cfg, solution, validate_submission(data, spec).predictions)


def best_time(fn, *args, repeats: int = REPEATS) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn(*args)
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    from grader.competitions.solution import Solution
    from grader.competitions.validation import SubmissionSpec

    data, truth, public = make_file(np.random.default_rng(0))
    ids = np.arange(1, ROWS + 1)
    spec = SubmissionSpec("ImageId", ["Label"], "label", [str(d) for d in range(10)], ids, max_bytes=50_000_000)
    cfg = SimpleNamespace(metric="accuracy_score")
    solution = Solution(ids=ids, truth=truth, public=public)
    baseline(data, truth), cnnkit(data, spec, cfg, solution)  # warm-up: imports, caches
    base_times, kit_times = [], []
    for _ in range(REPEATS):  # interleaved, so a busy moment on the machine hits both alike
        seconds, accuracy = best_time(baseline, data, truth, repeats=1)
        base_times.append(seconds)
        seconds, (public_score, private_score) = best_time(cnnkit, data, spec, cfg, solution, repeats=1)
        kit_times.append(seconds)
    t_base, t_kit = min(base_times), min(kit_times)
    print(f"file: {ROWS:,} rows, {len(data) / 1e6:.1f} MB; best (median) of {REPEATS} interleaved runs")
    print(f"pandas.read_csv + sklearn accuracy_score (no validation): {t_base * 1000:7.1f} ms "
          f"({np.median(base_times) * 1000:.1f})  accuracy {accuracy:.4f}")
    print(f"cnnkit validate + public/private score:                   {t_kit * 1000:7.1f} ms "
          f"({np.median(kit_times) * 1000:.1f})  public {public_score:.4f}, private {private_score:.4f}")
    print(f"ratio cnnkit / baseline: {t_kit / t_base:.2f} ({'no slower' if t_kit <= t_base else 'SLOWER'})")
    # For scale: an invalid file goes through the exact row-by-row path to name its row.
    from grader.competitions.validation import validate_submission
    from grader.errors import SubmissionError

    broken = data[: data.rstrip(b"\n").rfind(b",") + 1] + b"cat\n"
    start = time.perf_counter()
    try:
        validate_submission(broken, spec)
    except SubmissionError as exc:
        print(f"invalid file (bad label in the last row), time to the one-line message: "
              f"{(time.perf_counter() - start) * 1000:.0f} ms\n  {exc}")


if __name__ == "__main__":
    main()
