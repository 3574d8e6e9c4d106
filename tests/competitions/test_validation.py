"""Every validation case is a fixture file named for what it does, with its exact message.

``fixtures/submissions/<group>/expected.json`` maps each file to the one-line
error it must produce, or to the list of every problem it has (null: the file is
valid). Messages name the file as the student named it. Groups: ``digits`` (ImageId,Label
as Kaggle's Digit Recognizer), ``dogs`` (P(dog) in [0, 1]), ``cifar`` (class names),
``probabilities`` (one column per class).
"""

from __future__ import annotations

import json
import re
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
    expected = [message] if isinstance(message, str) else message
    with pytest.raises(SubmissionError) as err:
        validate_file(path, spec)
    assert err.value.errors == expected
    summary = f"{name} has {len(expected)} problems; the first: {expected[0]}"
    assert str(err.value) == (expected[0] if len(expected) == 1 else summary)
    assert err.value.more == 0
    assert all("\n" not in line for line in [str(err.value), *err.value.errors])


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


def force_numpy_reader(monkeypatch) -> None:
    """Make every row go through the numpy reader (no pandas pass over the file or its plain rows)."""
    from grader.competitions import row_checks, validation

    monkeypatch.setattr(validation, "read_plain", lambda body, spec: None)
    monkeypatch.setattr(row_checks, "_plain_rows", lambda rows, spec, shaped: np.zeros(0, dtype=np.int64))


def test_pandas_and_numpy_readers_agree_on_valid_files(monkeypatch):
    """Whole-file pandas and cell-by-cell numpy give identical predictions (probabilities to the bit)."""
    rng = np.random.default_rng(3)
    files = {}
    for group, spec in SPECS.items():
        ids = rng.permutation(spec.ids)
        if spec.prediction_kind == "label":
            values = rng.integers(0, len(spec.class_names), len(ids))
            cells = [spec.class_names[v] if spec.label_format == "name" else str(v) for v in values]
        else:
            width = len(spec.target_columns)
            values = rng.random((len(ids), width))
            cells = [",".join(repr(float(x)) for x in row) for row in values]
        files[group] = (spec.header + "\n" + "".join(f"{i},{c}\n" for i, c in zip(ids, cells))).encode()
    with_pandas = {group: validate_submission(data, SPECS[group]).predictions for group, data in files.items()}
    force_numpy_reader(monkeypatch)
    for group, data in files.items():
        np.testing.assert_array_equal(validate_submission(data, SPECS[group]).predictions, with_pandas[group])


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


# -- every problem, named for the file the student gave ----------------------------

def _digits_file(labels: list[str], ids: list[str] | None = None) -> bytes:
    ids = ids if ids is not None else [str(i) for i in range(1, len(labels) + 1)]
    return ("ImageId,Label\n" + "".join(f"{i},{label}\n" for i, label in zip(ids, labels))).encode()


def _digits_spec(n: int) -> SubmissionSpec:
    return SubmissionSpec("ImageId", ["Label"], "label", [str(i) for i in range(10)], np.arange(1, n + 1))


def test_messages_name_the_file_the_student_gave(tmp_path):
    spec = SPECS["digits"]
    data = (FIXTURES / "digits" / "label_word.csv").read_bytes()
    for given, shown in [(None, "submission.csv"), ("", "submission.csv"), ("excel.csv", "excel.csv"),
                         ("../../etc/passwd", "passwd"), ("C:\\Users\\kim\\excel (2).csv", "excel (2).csv"),
                         ("a\nb.csv", "a\\nb.csv")]:
        kwargs = {} if given is None else {"filename": given}
        with pytest.raises(SubmissionError, match=rf"^The 'Label' column of {re.escape(shown)} must be "):
            validate_submission(data, spec, **kwargs)
    path = tmp_path / "upload-7.bin"
    path.write_bytes(data)
    with pytest.raises(SubmissionError, match=r"column of excel\.csv must"):
        validate_file(path, spec, filename="excel.csv")
    with pytest.raises(SubmissionError, match=r"column of upload-7\.bin must"):
        validate_file(path, spec)


def test_more_than_twenty_problems_are_counted_and_the_first_twenty_listed_by_row():
    labels = ["3"] * 1000
    for row in range(100, 150):  # 50 bad labels
        labels[row - 1] = "3.0"
    ids = [str(i) for i in range(1, 1001)]
    ids[104] = "x"  # row 105: a bad id too, listed before that row's label
    with pytest.raises(SubmissionError) as err:
        validate_submission(_digits_file(labels, ids), _digits_spec(1000), filename="excel.csv")
    first = "The 'Label' column of excel.csv must be an integer in 0..9. Got '3.0' in row 100."
    assert str(err.value) == f"excel.csv has 51 problems; the first: {first}"
    assert len(err.value.errors) == 20 and err.value.more == 31
    assert err.value.errors[0] == first
    assert err.value.errors[5] == "The 'ImageId' column of excel.csv must be an integer id. Got 'x' in row 105."
    rows = [int(re.search(r"row (\d+)", e).group(1)) for e in err.value.errors]
    assert rows == [100, 101, 102, 103, 104, 105, *range(105, 119)]


def test_pandas_and_numpy_readers_find_the_same_problems(monkeypatch):
    """Plain rows go through pandas and the others through numpy; forcing numpy for all changes nothing."""
    rng = np.random.default_rng(5)
    n = 6000  # a problem in every 4th row: more than 1,000 runs of plain rows between them
    ids = [str(i) for i in rng.permutation(np.arange(1, n + 1))]
    labels = [str(v) for v in rng.integers(0, 10, n)]
    for row in range(0, n, 4):
        kind = (row // 4) % 4
        if kind == 0:
            labels[row] = rng.choice(["cat", "12", "-1", "", " 4", "+5", '"6"'])
        elif kind == 1:
            ids[row] = rng.choice(["0", "2.0", str(n + 7), ids[(row + 1) % n], " 9 "])
        elif kind == 2:
            labels[row] += ",1"
        else:
            ids[row] = '"' + ids[row] + '"'
    data = _digits_file(labels, ids)
    spec = _digits_spec(n)
    with pytest.raises(SubmissionError) as with_pandas:
        validate_submission(data, spec)
    force_numpy_reader(monkeypatch)
    with pytest.raises(SubmissionError) as numpy_only:
        validate_submission(data, spec)
    assert with_pandas.value.errors == numpy_only.value.errors
    assert str(with_pandas.value) == str(numpy_only.value)
    assert with_pandas.value.more == numpy_only.value.more > 500


def test_a_small_file_with_every_row_wrong_lists_them_all():
    with pytest.raises(SubmissionError) as err:
        validate_submission(_digits_file(["cat"] * 30), _digits_spec(30), filename="cats.csv")
    assert err.value.more == 10 and err.value.errors[-1].endswith("Got 'cat' in row 20.")


def test_a_line_longer_than_the_field_limit_gets_its_own_message():
    from grader.competitions.validation import LINE_LIMIT

    spec = SubmissionSpec("id", ["label"], "probability", ["cat", "dog"], np.arange(1, 4))
    transposed = ",".join(["0.5"] * 40_000)  # all predictions written as one row
    with pytest.raises(SubmissionError) as err:
        validate_submission(f"id,label\n1,0.5\n{transposed}\n3,0.5\n".encode(), spec, filename="preds.csv")
    assert str(err.value) == (f"Row 2 of preds.csv is {len(transposed):,} characters long; a line may have at most "
                              f"{LINE_LIMIT:,}. Write one line per id, as in sample_submission.csv.")
    assert err.value.errors == [str(err.value)]
    with pytest.raises(SubmissionError, match=r"^The header of preds\.csv is 200,000 characters long; "):
        validate_submission(b"x" * 200_000 + b"\n1,0.5\n", spec, filename="preds.csv")


def test_a_real_gzip_bomb_is_refused_before_it_expands():
    """256 MB of zeros in about 1 MB of gzip: refused having held at most the limit's worth in memory."""
    import tracemalloc
    import zlib

    packer = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(8 << 20)
    bomb = b"".join([*(packer.compress(zeros) for _ in range(32)), packer.flush()])
    assert len(bomb) < 2_000_000
    spec = SubmissionSpec("ImageId", ["Label"], "label", [str(i) for i in range(10)], np.arange(1, 6),
                          max_bytes=2_000_000)
    tracemalloc.start()
    try:
        with pytest.raises(SubmissionError) as err:
            validate_submission(bomb, spec, filename="bomb.csv.gz")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(err.value).startswith("bomb.csv.gz is more than 2.0 MB when decompressed; the limit is 2.0 MB.")
    assert peak < 10_000_000, f"{peak:,} bytes held while refusing a 268 MB bomb"


def test_concatenated_gzip_members_are_read_whole():
    import gzip

    data = (FIXTURES / "digits" / "valid.csv").read_bytes()
    half = data.index(b"\n3,")
    two_members = gzip.compress(data[:half + 1]) + gzip.compress(data[half + 1:])
    assert validate_submission(two_members, SPECS["digits"]).predictions.tolist() == TRUTH_LABELS["digits"]
