"""Every problem in a submission's rows, found a whole column at a time.

:func:`check_rows` reads the rows after the header and checks, for every row
at once: the number of cells, the id (an integer, known, not repeated) and each
prediction cell (an integer label in range, a class name, or a probability in
[0, 1]); then that every id has a row. Rows written plainly (only digits, and
for probabilities ``.eE+-``) are read by pandas' C parser; the others are read
by :mod:`grader.competitions.csv_columns`; both give the same arrays, so a file
with one bad row costs about what a valid file costs, and one with a million
bad rows costs a few vectorized passes more.

Each problem is one line that names its row and column and shows only what the
student wrote, never a true label.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from grader.competitions import csv_columns as columns
from grader.errors import SubmissionError

PLAIN_SHARE = 0.5  # read the plain rows with pandas when they are at least this share of the rows
MAX_ODD_ROWS = 100_000  # ... and the others are at most this many (each run between them is one slice)
_NOT_DIGIT = np.ones(256, dtype=bool)
_NOT_DIGIT[[*range(48, 58), columns.COMMA, columns.NEWLINE]] = False
_NOT_NUMBER = _NOT_DIGIT.copy()
_NOT_NUMBER[list(b".eE+-")] = False


@dataclass
class RowReport:
    """What :func:`check_rows` found: the first problems by row, how many in all, or the predictions."""

    problems: list[str]
    total: int
    predictions: np.ndarray | None  # in the order of spec.ids; None when there are problems


@dataclass
class _Table:
    """One value and one verdict per row and column; rows with the wrong number of cells stay unread."""

    shaped: np.ndarray  # the row has as many cells as the header
    id_ok: np.ndarray  # the id cell is an integer
    id_big: np.ndarray  # ... of more than 18 digits
    ids: np.ndarray
    values: np.ndarray  # n_rows x n_targets: label index (or -1) or probability (or NaN)
    valid: np.ndarray  # n_rows x n_targets: the prediction cell is right


def check_rows(rows: columns.Rows, spec, name: str, limit: int = SubmissionError.MAX_LISTED) -> RowReport:
    """All problems of ``rows`` against ``spec``; ``name`` is the file name that messages show."""
    table = _read_table(rows, spec)
    n_ids = len(spec.ids)
    index = np.arange(len(rows))
    known = table.shaped & table.id_ok & ~table.id_big
    positions = np.full(len(rows), -1, dtype=np.int64)
    positions[known] = spec.positions(table.ids[known])
    first_row = np.full(n_ids, len(rows), dtype=np.int64)
    placed = positions >= 0
    np.minimum.at(first_row, positions[placed], index[placed])
    repeated = placed & (first_row[np.maximum(positions, 0)] != index)
    kinds = {  # kind -> (row indices, column order); all in row order
        "cells": np.flatnonzero(~table.shaped),
        "id": np.flatnonzero(table.shaped & ~table.id_ok),
        "unknown": np.flatnonzero(table.shaped & table.id_ok & ~placed),
        "repeated": np.flatnonzero(repeated),
    }
    for column in range(table.valid.shape[1]):
        kinds[f"target{column}"] = np.flatnonzero(table.shaped & ~table.valid[:, column])
    missing = spec.ids[first_row == len(rows)]
    count_wrong = len(rows) != n_ids or (len(missing) > 0 and len(kinds["repeated"]) > 0)
    total = sum(len(found) for found in kinds.values()) + int(count_wrong)
    if total == 0:
        return RowReport([], 0, _aligned(table, positions, spec))
    listed = sorted((int(row), _column_order(kind), kind) for kind, found in kinds.items() for row in found[:limit])
    messages = _Messages(rows, spec, name, first_row, positions)
    problems = [messages.render(kind, row) for row, _order, kind in listed[:limit]]
    if count_wrong and len(problems) < limit:
        problems.append(messages.count(len(rows), missing))
    return RowReport(problems, total, None)


def _column_order(kind: str) -> int:
    if kind == "cells":
        return -1
    return int(kind[6:]) + 1 if kind.startswith("target") else 0


def _aligned(table: _Table, positions: np.ndarray, spec) -> np.ndarray:
    values = table.values if spec.prediction_kind == "probabilities" else table.values[:, 0]
    aligned = np.empty_like(values)
    aligned[positions] = values
    return aligned


# -- reading every row into one table ---------------------------------------------

def _read_table(rows: columns.Rows, spec) -> _Table:
    width = 1 + len(spec.target_columns)
    n = len(rows)
    floats = spec.prediction_kind != "label"
    table = _Table(shaped=rows.cells == width, id_ok=np.zeros(n, dtype=bool), id_big=np.zeros(n, dtype=bool),
                   ids=np.zeros(n, dtype=np.int64),
                   values=np.full((n, width - 1), np.nan if floats else -1, dtype=np.float64 if floats else np.int64),
                   valid=np.zeros((n, width - 1), dtype=bool))
    unread = np.flatnonzero(table.shaped)
    plain = _plain_rows(rows, spec, width)
    if plain is not None and _read_with_pandas(rows, plain, spec, table):
        unread = np.setdiff1d(unread, plain[table.id_ok[plain]], assume_unique=True)
    _read_with_numpy(rows, unread, spec, table)
    values = table.values
    if floats:
        table.valid = np.isfinite(values) & (values >= 0) & (values <= 1)
    else:
        table.valid = (values >= 0) & (values < len(spec.class_names))
    return table


def _plain_rows(rows: columns.Rows, spec, width: int) -> np.ndarray | None:
    """Rows that pandas can read into typed columns, or None when they are too few to be worth it."""
    if spec.prediction_kind == "label" and spec.label_format != "index":
        return None
    odd = np.union1d(columns.rows_with_bytes(rows, _NOT_NUMBER if spec.prediction_kind != "label" else _NOT_DIGIT),
                     columns.rows_with_empty_cells(rows))
    odd = np.union1d(odd, np.flatnonzero(rows.cells != width))
    if len(odd) > MAX_ODD_ROWS or len(odd) > (1 - PLAIN_SHARE) * len(rows):
        return None
    return np.setdiff1d(np.arange(len(rows)), odd, assume_unique=True)


def _read_with_pandas(rows: columns.Rows, plain: np.ndarray, spec, table: _Table) -> bool:
    """Fill ``table`` for the plain rows; False (and nothing filled) when pandas cannot read them."""
    import pandas as pd

    if not len(plain):
        return False
    breaks = np.flatnonzero(np.diff(plain) != 1)
    firsts = plain[np.r_[0, breaks + 1]]
    lasts = plain[np.r_[breaks, len(plain) - 1]]
    body = rows.buf
    text = b"\n".join(body[rows.starts[a]:rows.ends[b]].tobytes() for a, b in zip(firsts.tolist(), lasts.tolist()))
    names = [spec.id_column, *spec.target_columns]
    floats = spec.prediction_kind != "label"
    dtypes = {names[0]: np.int64, **{c: np.float64 if floats else np.int64 for c in names[1:]}}
    try:
        frame = pd.read_csv(io.BytesIO(text), header=None, names=names, dtype=dtypes, engine="c",
                            na_filter=False, skip_blank_lines=True, low_memory=False)
    except Exception:  # a cell pandas will not read as a number: numpy reads every row then
        return False
    if len(frame) != len(plain) or any(dtype != dtypes[c] for c, dtype in frame.dtypes.items()):
        return False
    ids = frame[names[0]].to_numpy()
    # "2.0", "+2" or "2e0" are plain bytes for a probability file, and pandas reads them as the id 2:
    # only an id cell exactly as long as the id's digits counts as read here.
    id_cell = rows.seps[rows.first_sep[plain]] - rows.starts[plain]
    table.id_ok[plain] = (ids >= 0) & (id_cell == _digit_count(ids))
    table.ids[plain] = ids
    table.values[plain] = frame[names[1:]].to_numpy(dtype=table.values.dtype)
    return True


def _digit_count(values: np.ndarray) -> np.ndarray:
    digits = np.ones(len(values), dtype=np.int64)
    power = 10
    top = values.max() if len(values) else 0
    while power <= top:
        digits += values >= power
        power *= 10
    return digits


def _read_with_numpy(rows: columns.Rows, which: np.ndarray, spec, table: _Table) -> None:
    if not len(which):
        return
    starts, ends = columns.cell_spans(rows, which, 1 + len(spec.target_columns))
    buf = rows.buf
    is_integer, ids, too_big = columns.read_integers(buf, starts[:, 0], ends[:, 0])
    table.id_ok[which], table.ids[which], table.id_big[which] = is_integer, ids, too_big
    for column in range(len(spec.target_columns)):
        cell_starts, cell_ends = starts[:, column + 1], ends[:, column + 1]
        if spec.prediction_kind != "label":
            table.values[which, column] = columns.read_floats(buf, cell_starts, cell_ends)
        elif spec.label_format == "index":
            is_integer, labels, too_big = columns.read_integers(buf, cell_starts, cell_ends)
            table.values[which, column] = np.where(is_integer & ~too_big, labels, -1)
        else:
            table.values[which, column] = columns.read_names(buf, cell_starts, cell_ends, spec.class_names)


# -- messages ------------------------------------------------------------------------

def show(cell: str, limit: int = 40) -> str:
    """The student's own cell, shortened and printable on one line."""
    shown = cell.encode("unicode_escape").decode("ascii") if not cell.isprintable() else cell
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def split_line(line: bytes) -> list[str]:
    """A line's cells as :func:`grader.competitions.csv_columns.cell_spans` reads them."""
    cells = line.decode("utf-8", errors="replace").split(",")
    return [c[1:-1] if len(c) >= 2 and c[0] == c[-1] == '"' and c.count('"') == 2 else c for c in cells]


def bad_cell(column: str, what: str, cell: str, row: int, name: str) -> str:
    got = f"'{show(cell)}'" if cell.strip() else "an empty cell"
    return f"The '{column}' column of {name} must be {what}. Got {got} in row {row}."


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


@dataclass
class _Messages:
    rows: columns.Rows
    spec: object
    name: str
    first_row: np.ndarray
    positions: np.ndarray

    def render(self, kind: str, index: int) -> str:
        spec, name, row = self.spec, self.name, index + 1
        cells = split_line(self.rows.line(index))
        if kind == "cells":
            hint = " Remove the comma at the end of the line." if cells[-1] == "" and len(cells) > 2 else ""
            return (f"Row {row} of {name} has {plural(len(cells), 'cell')}; it must have "
                    f"{1 + len(spec.target_columns)} ('{spec.header}').{hint}")
        if kind == "id":
            return bad_cell(spec.id_column, "an integer id", cells[0], row, name)
        if kind == "unknown":
            return bad_cell(spec.id_column, "an id from sample_submission.csv", cells[0], row, name)
        if kind == "repeated":
            first = int(self.first_row[self.positions[index]]) + 1
            return (f"The '{spec.id_column}' column of {name} must list each id once. "
                    f"Got '{show(cells[0])}' again in row {row} (first in row {first}).")
        column = int(kind[6:])
        return bad_cell(spec.target_columns[column], self._target_rule(), cells[column + 1], row, name)

    def _target_rule(self) -> str:
        spec = self.spec
        if spec.prediction_kind != "label":
            return "a probability in [0, 1]"
        if spec.label_format == "index":
            return f"an integer in 0..{len(spec.class_names) - 1}"
        return "one of " + ", ".join(spec.class_names)

    def count(self, n_rows: int, missing: np.ndarray) -> str:
        n_ids = len(self.spec.ids)
        shown = ", ".join(str(i) for i in missing[:3].tolist())
        if len(missing) > 3:
            shown += f" and {len(missing) - 3:,} more"
        elif len(missing) > 1:
            shown = ", ".join(str(i) for i in missing[:-1].tolist()) + f" and {missing[-1]}"
        ids = f"id {shown}" if len(missing) == 1 else f"ids {shown}"
        if n_rows == n_ids:
            return (f"{self.name} has no row for {ids}; it must have one row for each id "
                    "of sample_submission.csv.")
        detail = f" ({ids} {'is' if len(missing) == 1 else 'are'} missing)" if len(missing) else ""
        return (f"{self.name} has {plural(n_rows, 'row')}; it must have {n_ids:,}, one for each id "
                f"of sample_submission.csv{detail}.")
