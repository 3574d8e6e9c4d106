"""Validating + scoring a 1,000,000-row accuracy submission vs plain pandas + scikit-learn.

Both run in this one process on the same file:

- baseline: ``pandas.read_csv`` + ``sklearn.metrics.accuracy_score``, no validation at all;
- cnnkit: ``validate_submission`` (header, every id once, types, label range, ...) and the
  public/private scores with ``score_predictions``.

Target: cnnkit no slower than the baseline.

Then the cost of refusing: the same file made invalid in the ways students do (a bad last row,
many bad rows, a repeated id at the end, missing rows, a bad probability in a probability file)
timed against the valid file of its kind, each to the full list of problems. Target (issue 10):
refusing costs at most 2x accepting, so refusals are no cheap way to burn the server's CPU.

Run: ``.venv/bin/python benchmarks/bench_scoring.py [--rows N] [--repeats R]``.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROWS = 1_000_000
REPEATS = 15


def make_file(rng: np.random.Generator, rows: int = ROWS) -> tuple[bytes, np.ndarray, np.ndarray]:
    ids = rng.permutation(np.arange(1, rows + 1))
    truth = rng.integers(0, 10, rows)  # by id - 1
    predictions = np.where(rng.random(rows) < 0.9, truth[ids - 1], rng.integers(0, 10, rows))
    body = "\n".join(f"{i},{p}" for i, p in zip(ids.tolist(), predictions.tolist()))
    return ("ImageId,Label\n" + body + "\n").encode(), truth, rng.random(rows) < 0.3


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


def refusal_cases(data: bytes, probabilities: bytes) -> list[tuple[str, str, bytes]]:
    """(name, kind of valid file it is timed against, bytes): the mistakes students make, at full size."""
    lines = data.rstrip(b"\n").split(b"\n")
    last_id = lines[-1].split(b",")[0]
    bad_last = b"\n".join([*lines[:-1], last_id + b",cat"]) + b"\n"
    as_floats = data.replace(b"\n", b".0\n").replace(b"Label.0\n", b"Label\n")  # np.savetxt-style labels
    every_tenth = b"\n".join(line + b".5" if i % 10 == 0 and i else line for i, line in enumerate(lines)) + b"\n"
    repeated = b"\n".join([*lines[:-1], lines[1].split(b",")[0] + b",0"]) + b"\n"
    missing = b"\n".join(lines[:-1000]) + b"\n"
    prob_lines = probabilities.rstrip(b"\n").split(b"\n")
    bad_probability = b"\n".join([*prob_lines[:-1], prob_lines[-1].split(b",")[0] + b",1.5"]) + b"\n"
    return [("bad label in the last row", "labels", bad_last),
            ("every 10th label '3.5' (100,000 bad rows)", "labels", every_tenth),
            ("every label written as '3.0' (all rows bad)", "labels", as_floats),
            ("repeated id in the last row", "labels", repeated),
            ("last 1,000 rows missing", "labels", missing),
            ("probability 1.5 in the last row", "probabilities", bad_probability)]


def time_refusal(data: bytes, spec) -> tuple[float, float, object]:
    """(wall seconds, CPU seconds of this process, the error) to refuse ``data``."""
    from grader.competitions.validation import validate_submission
    from grader.errors import SubmissionError

    start, cpu = time.perf_counter(), time.process_time()
    try:
        validate_submission(data, spec, filename="excel.csv")
    except SubmissionError as exc:
        return time.perf_counter() - start, time.process_time() - cpu, exc
    raise AssertionError("the invalid file was accepted")


def time_valid(data: bytes, spec) -> tuple[float, float]:
    from grader.competitions.validation import validate_submission

    start, cpu = time.perf_counter(), time.process_time()
    validate_submission(data, spec)
    return time.perf_counter() - start, time.process_time() - cpu


def compare_refusals(data: bytes, ids: np.ndarray, rows: int, repeats: int) -> None:
    """Each invalid file against the valid one of its kind: best wall and best CPU time, interleaved.

    CPU time (this process only) is printed too: on a shared machine it moves much less with
    the other jobs than wall time does.
    """
    from grader.competitions.validation import SubmissionSpec

    rng = np.random.default_rng(1)
    probabilities = ("id,label\n" + "".join(f"{i},{p!r}\n" for i, p in zip(rng.permutation(ids).tolist(),
                                                                        rng.random(rows).tolist()))).encode()
    specs = {"labels": SubmissionSpec("ImageId", ["Label"], "label", [str(d) for d in range(10)], ids,
                                      max_bytes=100_000_000),
             "probabilities": SubmissionSpec("id", ["label"], "probability", ["cat", "dog"], ids,
                                             max_bytes=100_000_000)}
    valid = {"labels": data, "probabilities": probabilities}
    print(f"\nrefusing vs accepting ({rows:,} rows; best of {repeats} interleaved runs, wall and CPU; "
          "target <= 2x)")
    for kind in valid:  # warm-up
        time_valid(valid[kind], specs[kind])
    for name, kind, broken in refusal_cases(data, probabilities):
        accepts, refusals, error = [], [], None
        for _ in range(repeats):
            accepts.append(time_valid(valid[kind], specs[kind]))
            *seconds, error = time_refusal(broken, specs[kind])
            refusals.append(seconds)
        (wall_ok, cpu_ok), (wall_no, cpu_no) = np.min(accepts, axis=0), np.min(refusals, axis=0)
        print(f"  {name:44s} valid {wall_ok * 1000:5.0f} ms (CPU {cpu_ok * 1000:4.0f})  "
              f"refused {wall_no * 1000:5.0f} ms (CPU {cpu_no * 1000:4.0f})  "
              f"ratio {wall_no / wall_ok:4.2f} (CPU {cpu_no / cpu_ok:4.2f}) {'ok' if cpu_no <= 2 * cpu_ok else 'OVER 2x'}")
        print(f"    {len(error.errors)} listed, {error.more:,} more: {error}"[:160])


def main() -> None:
    from grader.competitions.solution import Solution
    from grader.competitions.validation import SubmissionSpec

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    args = parser.parse_args()
    rows, repeats = args.rows, args.repeats
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    data, truth, public = make_file(np.random.default_rng(0), rows)
    ids = np.arange(1, rows + 1)
    spec = SubmissionSpec("ImageId", ["Label"], "label", [str(d) for d in range(10)], ids, max_bytes=50_000_000)
    cfg = SimpleNamespace(metric="accuracy_score")
    solution = Solution(ids=ids, truth=truth, public=public)
    baseline(data, truth), cnnkit(data, spec, cfg, solution)  # warm-up: imports, caches
    base_times, kit_times = [], []
    for _ in range(repeats):  # interleaved, so a busy moment on the machine hits both alike
        seconds, accuracy = best_time(baseline, data, truth, repeats=1)
        base_times.append(seconds)
        seconds, (public_score, private_score) = best_time(cnnkit, data, spec, cfg, solution, repeats=1)
        kit_times.append(seconds)
    t_base, t_kit = min(base_times), min(kit_times)
    print(f"file: {rows:,} rows, {len(data) / 1e6:.1f} MB; best (median) of {repeats} interleaved runs")
    print(f"pandas.read_csv + sklearn accuracy_score (no validation): {t_base * 1000:7.1f} ms "
          f"({np.median(base_times) * 1000:.1f})  accuracy {accuracy:.4f}")
    print(f"cnnkit validate + public/private score:                   {t_kit * 1000:7.1f} ms "
          f"({np.median(kit_times) * 1000:.1f})  public {public_score:.4f}, private {private_score:.4f}")
    print(f"ratio cnnkit / baseline: {t_kit / t_base:.2f} ({'no slower' if t_kit <= t_base else 'SLOWER'})")
    compare_refusals(data, ids, rows, repeats)
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
