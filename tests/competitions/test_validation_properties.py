"""Property test: random mutations of a valid file are never accepted wrongly, and every problem
the validator names is real.

A slow reference check, written here one row at a time in plain Python, says which rows of a
mutated file are wrong; the validator (both of its readers: pandas for plainly written rows and
numpy for the others) must refuse exactly the files the reference refuses, name only rows the
reference finds wrong, and, when it lists them all, name every one of them.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.competitions import row_checks, validation
from grader.competitions.validation import SubmissionSpec, validate_submission
from grader.errors import SubmissionError

CIFAR = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
SPECS = {
    "digits": SubmissionSpec("ImageId", ["Label"], "label", [str(i) for i in range(10)], np.arange(1, 9)),
    "names": SubmissionSpec("id", ["label"], "label", CIFAR, np.array([3, 7, 10, 11, 12, 40]), label_format="name"),
    "probability": SubmissionSpec("id", ["label"], "probability", ["cat", "dog"], np.arange(1, 8)),
    "probabilities": SubmissionSpec("id", ["cat", "dog", "frog"], "probabilities", ["cat", "dog", "frog"],
                                    np.arange(1, 6)),
}
TRICKY = ["", " ", "3", " 3", "3 ", "+3", "-3", "-0", "007", "3.0", "3.", ".5", "0.5", "1e0", "1e-1", "1.5", "-0.01",
          "nan", "NaN", "inf", "-inf", "1_0", "0x1", "cat", "Cat", "dog", "truck", "9", "10", "99999999999999999999",
          "0" * 25 + "1", '"3"', '"cat"', '3"', '"', '""', "\x003", "٣", "é", "3,4", "\t5\t"]
CELL = st.one_of(st.sampled_from(TRICKY), st.text(alphabet='0123456789.-+e "x\x00é\t', max_size=7))


@dataclass
class Mutated:
    rows: list[list[str]]  # data rows as cells (a row of one empty cell: a blank line)
    bom: bool
    line_end: str
    final_newline: bool

    def encode(self, header: str) -> bytes:
        lines = [header] + [",".join(cells) for cells in self.rows]
        text = self.line_end.join(lines) + (self.line_end if self.final_newline else "")
        return ("\ufeff" if self.bom else "").encode() + text.encode("utf-8")


@st.composite
def mutated_files(draw, spec: SubmissionSpec) -> Mutated:
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    ids = rng.permutation(spec.ids)
    rows = []
    for identifier in ids.tolist():
        if spec.prediction_kind == "label":
            label = int(rng.integers(0, len(spec.class_names)))
            cell = spec.class_names[label] if spec.label_format == "name" else str(label)
            rows.append([str(identifier), cell])
        else:
            rows.append([str(identifier), *(repr(float(x)) for x in rng.random(len(spec.target_columns)))])
    for _ in range(draw(st.integers(0, 3))):
        if not rows:
            break
        at = draw(st.integers(0, len(rows) - 1))
        kind = draw(st.sampled_from(["cell"] * 6 + ["drop", "duplicate", "id", "trailing comma", "quote", "blank"]))
        if kind == "cell":
            rows[at][draw(st.integers(0, len(rows[at]) - 1))] = draw(CELL)
        elif kind == "drop":
            rows.pop(at)
        elif kind == "duplicate":
            rows.insert(draw(st.integers(0, len(rows))), list(rows[at]))
        elif kind == "id":
            rows[at][0] = str(draw(st.one_of(st.sampled_from(spec.ids.tolist()), st.integers(-3, 60))))
        elif kind == "trailing comma":
            rows[at].append("")
        elif kind == "quote":
            column = draw(st.integers(0, len(rows[at]) - 1))
            rows[at][column] = f'"{rows[at][column]}"'
        else:
            rows.insert(at, [""])
    return Mutated(rows=rows, bom=draw(st.booleans()), line_end=draw(st.sampled_from(["\n", "\r\n", "\r"])),
                   final_newline=draw(st.booleans()))


# -- the reference: one row at a time, as the rules are written ------------------------

def _unquote(cell: str) -> str:
    return cell[1:-1] if len(cell) >= 2 and cell[0] == cell[-1] == '"' and cell.count('"') == 2 else cell


def _integer(cell: str) -> int | None:
    return int(cell) if cell.isascii() and re.fullmatch(r"\s*[+-]?[0-9]+\s*", cell) else None


def _probability(cell: str) -> bool:
    if not cell.isascii() or "_" in cell:
        return False
    try:
        value = float(cell)
    except ValueError:
        return False
    return math.isfinite(value) and 0 <= value <= 1


def reference(data: bytes, spec: SubmissionSpec) -> tuple[set[int], bool, dict[int, list[str]]]:
    """(the rows that are wrong, whether the row count or the set of ids is wrong, cells by id)."""
    text = data.decode("utf-8").removeprefix("\ufeff")
    lines = re.split(r"\r\n|\r|\n", text)[1:]
    rows = [line for line in lines if line != ""]
    wrong, first_row, by_id = set(), {}, {}
    for number, line in enumerate(rows, start=1):
        cells = [_unquote(cell) for cell in line.split(",")]
        if len(cells) != 1 + len(spec.target_columns):
            wrong.add(number)
            continue
        identifier = _integer(cells[0])
        if identifier is None or identifier not in set(spec.ids.tolist()) or identifier in first_row:
            wrong.add(number)
        if identifier is not None and identifier not in first_row:
            first_row[identifier] = number
            by_id[identifier] = cells[1:]
        for cell in cells[1:]:
            if spec.prediction_kind != "label":
                ok = _probability(cell)
            elif spec.label_format == "index":
                ok = _integer(cell) is not None and 0 <= _integer(cell) < len(spec.class_names)
            else:
                ok = cell in spec.class_names
            if not ok:
                wrong.add(number)
    count_wrong = len(rows) != len(spec.ids) or set(first_row) != set(spec.ids.tolist())
    return wrong, count_wrong, by_id


def _expected_predictions(spec: SubmissionSpec, by_id: dict[int, list[str]]) -> np.ndarray:
    cells = [by_id[i] for i in spec.ids.tolist()]
    if spec.prediction_kind == "probabilities":
        return np.array([[float(c) for c in row] for row in cells])
    if spec.prediction_kind == "probability":
        return np.array([float(row[0]) for row in cells])
    if spec.label_format == "index":
        return np.array([int(row[0]) for row in cells])
    return np.array([spec.class_names.index(row[0]) for row in cells])


def _named_row(error: str) -> int | None:
    found = re.match(r"Row (\d+) of ", error) or re.search(r" in row (\d+)[ .]", error)
    return int(found.group(1)) if found else None


def _outcome(data: bytes, spec: SubmissionSpec):
    try:
        return validate_submission(data, spec, filename="mutant.csv").predictions
    except SubmissionError as exc:
        return exc


def _numpy_only(data: bytes, spec: SubmissionSpec):
    with mock.patch.object(validation, "read_plain", lambda body, spec: None), \
            mock.patch.object(row_checks, "_plain_rows", lambda rows, spec, shaped: np.zeros(0, dtype=np.int64)):
        return _outcome(data, spec)


def _check(spec: SubmissionSpec, mutant: Mutated) -> None:
    data = mutant.encode(spec.header)
    wrong, count_wrong, by_id = reference(data, spec)
    outcome = _outcome(data, spec)
    if not wrong and not count_wrong:
        assert not isinstance(outcome, SubmissionError), (data, str(outcome))
        np.testing.assert_array_equal(outcome, _expected_predictions(spec, by_id))
    else:
        assert isinstance(outcome, SubmissionError), (data, wrong, count_wrong)
        named = [_named_row(error) for error in outcome.errors]
        assert all(row in wrong for row in named if row is not None), (data, wrong, outcome.errors)
        assert all(row is not None for row in named) or count_wrong, (data, outcome.errors)
        if not outcome.more:
            assert {row for row in named if row is not None} == wrong, (data, wrong, outcome.errors)
    again = _numpy_only(data, spec)
    if isinstance(outcome, SubmissionError):
        assert isinstance(again, SubmissionError) and again.errors == outcome.errors and again.more == outcome.more
    else:
        np.testing.assert_array_equal(again, outcome)


@pytest.mark.parametrize("group", SPECS)
# Random examples on a developer's machine; the same examples every run in CI.
@settings(max_examples=200, deadline=None, derandomize=bool(os.environ.get("CI")),
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_files(group, data):
    _check(SPECS[group], data.draw(mutated_files(SPECS[group])))
