"""Every validation case is a fixture file named for what it does, with its exact message.

``fixtures/submissions/<group>/expected.json`` maps each file to the one-line
error it must produce (null: the file is valid). Groups: ``digits`` (ImageId,Label
as Kaggle's Digit Recognizer), ``dogs`` (P(dog) in [0, 1]), ``cifar`` (class names),
``probabilities`` (one column per class).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from grader.competitions.validation import (
    SubmissionSpec,
    read_submission_bytes,
    validate_file,
    validate_submission,
)
from grader.errors import SubmissionError

FIXTURES = Path(__file__).parent / "fixtures" / "submissions"
CIFAR = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
SPECS = {
    "digits": SubmissionSpec("ImageId", ["Label"], "label", [str(i) for i in range(10)], np.arange(1, 6),
                             max_bytes=4000),
    "dogs": SubmissionSpec("id", ["label"], "probability", ["cat", "dog"], np.arange(1, 5)),
    "cifar": SubmissionSpec("id", ["label"], "label", CIFAR, np.arange(1, 4), label_format="name"),
    "probabilities": SubmissionSpec("id", ["cat", "dog", "frog"], "probabilities", ["cat", "dog", "frog"],
                                    np.arange(1, 4)),
}
CASES = [(group, name, message)
         for group in SPECS
         for name, message in json.loads((FIXTURES / group / "expected.json").read_text(encoding="utf-8")).items()]
TRUTH_LABELS = {"digits": [3, 7, 0, 9, 1]}  # what the valid digits file says, by id


def test_every_fixture_file_is_listed():
    for group in SPECS:
        listed = set(json.loads((FIXTURES / group / "expected.json").read_text(encoding="utf-8")))
        present = {p.name for p in (FIXTURES / group).iterdir() if p.name != "expected.json"}
        assert listed == present, group


@pytest.mark.parametrize("group, name, message", CASES, ids=[f"{g}/{n}" for g, n, _ in CASES])
def test_fixture(group, name, message):
    spec = SPECS[group]
    path = FIXTURES / group / name
    if message is None:
        parsed = validate_file(path, spec)
        assert len(parsed.predictions) == len(spec.ids)
        if group == "digits":
            assert parsed.predictions.tolist() == TRUTH_LABELS["digits"]
        return
    with pytest.raises(SubmissionError) as err:
        validate_file(path, spec)
    assert str(err.value) == message
    assert "\n" not in str(err.value)


def test_valid_files_give_aligned_predictions_in_every_form():
    """Shuffled rows, CRLF, BOM, gzip and quotes all parse to the same predictions, ordered by id."""
    spec = SPECS["digits"]
    results = {name: validate_file(FIXTURES / "digits" / name, spec).predictions.tolist()
               for name, message in json.loads((FIXTURES / "digits" / "expected.json").read_text()).items()
               if message is None}
    assert len(results) >= 6
    assert all(result == [3, 7, 0, 9, 1] for result in results.values()), results


def test_size_cap_is_checked_before_reading(tmp_path, monkeypatch):
    big = tmp_path / "submission.csv"
    with big.open("wb") as handle:
        handle.truncate(60_000_001)  # sparse: 60 MB on paper, nothing written
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("the file was read"))
    with pytest.raises(SubmissionError, match=r"^submission.csv is 60.0 MB; the limit is 50.0 MB\. "):
        read_submission_bytes(big)


def test_fast_and_exact_paths_agree_on_valid_files():
    """The pandas fast path and the row-by-row path give identical predictions."""
    from grader.competitions import validation

    rng = np.random.default_rng(3)
    for group, spec in SPECS.items():
        ids = rng.permutation(spec.ids)
        if spec.prediction_kind == "label":
            values = rng.integers(0, len(spec.class_names), len(ids))
            cells = [spec.class_names[v] if spec.label_format == "name" else str(v) for v in values]
        else:
            width = len(spec.target_columns)
            values = rng.random((len(ids), width))
            cells = [",".join(repr(float(x)) for x in row) for row in values]
        data = (spec.header + "\n" + "".join(f"{i},{c}\n" for i, c in zip(ids, cells))).encode()
        fast = validation._fast_path(data, spec)
        exact = validation._exact_path(data, spec)
        assert fast is not None, group
        np.testing.assert_array_equal(fast.predictions, exact.predictions)


def test_messages_never_contain_the_truth():
    """Validation sees only ids: a spec built from the solution carries no labels to echo."""
    spec = SPECS["digits"]
    assert set(vars(spec)) == {"id_column", "target_columns", "prediction_kind", "class_names", "ids",
                               "label_format", "max_bytes"}


def test_non_contiguous_ids():
    spec = SubmissionSpec("id", ["label"], "label", ["a", "b"], np.array([10, 20, 35]), label_format="name")
    parsed = validate_submission(b"id,label\n35,b\n10,a\n20,b\n", spec)
    assert parsed.predictions.tolist() == [0, 1, 1]
    with pytest.raises(SubmissionError, match=r"^The 'id' column of submission.csv must be an id from "
                                              r"sample_submission.csv. Got '15' in row 2\.$"):
        validate_submission(b"id,label\n35,b\n15,a\n20,b\n", spec)
