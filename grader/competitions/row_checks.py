"""Every problem in a submission's rows, found a whole column at a time.

Rows are read into one table (an id and the predictions per row, each with a
verdict), then :func:`judge` checks, for every row at once: the number of cells,
the id (an integer, known, not repeated), each prediction cell (an integer label
in range, a class name, or a probability in [0, 1]), and that every id has a row.

Two readers fill the table. :func:`read_plain` hands the whole file to pandas'
C parser when every row is written plainly (digits, commas and, for
probabilities, ``.eE+-``): a valid file, and one with a wrong value, a repeated
id or missing rows, is read once at pandas' speed. :func:`read_every_row` reads
any other file: plain rows still go to pandas, the rest to
:mod:`grader.competitions.csv_columns`. Both readers fill the same table, so a
file's problems do not depend on which one read it.

Each problem is one line that names its row and column and shows only what the
student wrote, never a true label.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Callable

import numpy as np

from grader.competitions import csv_columns as columns
from grader.errors import SubmissionError

PLAIN_SHARE = 0.5  # read_every_row: pandas reads the plain rows when they are at least this share of the rows
MAX_ODD_ROWS = 100_000  # ... and the others are at most this many
MAX_ODD_BYTES = 1_000  # read_plain: other bytes it leaves to numpy (their lines are cut out for pandas)
_DIGITS = b"0123456789,\r\n"
_NUMBERS = _DIGITS + b".eE+-"


@dataclass
class RowReport:
    """What :func:`judge` found: the first problems by row, how many in all, or the predictions."""

    problems: list[str]
    total: int
    predictions: np.ndarray | None  # in the order of spec.ids; None when there are problems


@dataclass
class Table:
    """One id and one row of predictions per row; rows with the wrong number of cells stay unread."""

    shaped: np.ndarray  # the row has as many cells as the header
    id_ok: np.ndarray  # the id cell is an integer
    id_big: np.ndarray  # ... of more than 18 digits
    ids: np.ndarray
    values: np.ndarray  # n_rows x n_targets: label index (-1: none) or probability (NaN: none)

    @classmethod
    def empty(cls, n: int, spec) -> "Table":
        width = len(spec.target_columns)
        floats = spec.prediction_kind != "label"
        return cls(shaped=np.ones(n, dtype=bool), id_ok=np.zeros(n, dtype=bool), id_big=np.zeros(n, dtype=bool),
                   ids=np.zeros(n, dtype=np.int64),
                   values=np.full((n, width), np.nan if floats else -1, dtype=np.float64 if floats else np.int64))


# -- the readers -----------------------------------------------------------------------

def read_plain(body: bytes, spec) -> tuple[Table, Callable[[int], bytes]] | None:
    """The rows read by pandas in one pass over the file, or None when that does not fit the file.

    It fits a file written plainly: digits and commas (and ``.eE+-`` for
    probabilities), no blank line, at most ``MAX_ODD_BYTES`` other bytes. The lines
    holding those (a bad last row, say) are cut out for pandas and read by numpy.
    Returns the table and ``line(i)``, the text of row i (found only to show a problem).
    """
    if spec.prediction_kind == "label" and spec.label_format != "index":
        return None
    allowed = _NUMBERS if spec.prediction_kind != "label" else _DIGITS
    n_odd = len(body.translate(None, allowed))
    if n_odd > MAX_ODD_BYTES or (n_odd and (b"\n\n" in body or body.startswith(b"\n"))):
        return None
    spans: list[tuple[np.ndarray, np.ndarray]] = []

    def lines() -> tuple[np.ndarray, np.ndarray]:  # found when needed: odd bytes, or a problem to show
        if not spans:
            ends = np.flatnonzero(np.frombuffer(body, dtype=np.uint8) == columns.NEWLINE)
            ends = ends if body.endswith(b"\n") else np.append(ends, len(body))
            starts = np.r_[0, ends[:-1] + 1]
            spans.append((starts[ends > starts], ends[ends > starts]))
        return spans[0]

    def line(index: int) -> bytes:
        starts, ends = lines()
        return body[starts[index]:ends[index]]

    text, odd_rows = body, np.zeros(0, dtype=np.int64)
    if n_odd:
        starts, ends = lines()
        marks = np.frombuffer(body.translate(columns.byte_table(columns.odd_bytes(allowed))), dtype=np.uint8)
        odd_rows = np.unique(np.searchsorted(ends, np.flatnonzero(marks)))
        if len(odd_rows) == len(ends) or (ends[odd_rows] - starts[odd_rows]).max() > columns.LINE_LIMIT:
            return None  # nothing for pandas; or a line too long, for the whole-file reader to say so
        text = _join_lines(body, starts, ends, np.delete(np.arange(len(ends)), odd_rows))
    frame = _pandas(text, spec)
    if frame is None or not len(frame) or text.count(b",") != len(frame) * len(spec.target_columns):
        return None  # (with as many commas as that, and none too many for pandas, every row has them all)
    if len(odd_rows) and len(frame) + len(odd_rows) != len(lines()[0]):
        return None
    table = Table.empty(len(frame) + len(odd_rows), spec)
    plain_rows = np.delete(np.arange(len(table.ids)), odd_rows) if len(odd_rows) else slice(None)
    ids = frame.iloc[:, 0].to_numpy()
    table.ids[plain_rows], table.id_ok[plain_rows] = ids, ids >= 0
    table.values[plain_rows] = frame.iloc[:, 1:].to_numpy(dtype=table.values.dtype)
    if spec.prediction_kind != "label" and not _plain_ids(text, ids, len(spec.target_columns)):
        return None  # "2.0", "+2" or "2e0" are plain bytes here, and pandas reads each as the id 2
    if len(odd_rows):
        odd = read_every_row(columns.split_rows(b"\n".join(line(i) for i in odd_rows.tolist()), odd_bytes(spec)),
                             spec)
        for field in ("shaped", "id_ok", "id_big", "ids", "values"):
            getattr(table, field)[odd_rows] = getattr(odd, field)
    return table, line


def _join_lines(body: bytes, starts: np.ndarray, ends: np.ndarray, which: np.ndarray) -> bytes:
    """The lines ``which`` (ascending) of ``body``, for pandas: joined slices, or the others made blank."""
    if len(which) == len(starts):
        return body
    breaks = np.flatnonzero(np.diff(which) != 1)
    firsts = which[np.r_[0, breaks + 1]]
    lasts = which[np.r_[breaks, len(which) - 1]]
    if len(firsts) <= 1000:
        return b"\n".join(body[a:b] for a, b in zip(starts[firsts].tolist(), ends[lasts].tolist()))
    # Many runs: blank the other lines out instead (pandas skips blank lines), touching only their bytes.
    others = np.ones(len(starts), dtype=bool)
    others[which] = False
    others = np.flatnonzero(others)
    lengths = ends[others] - starts[others]
    offsets = np.cumsum(lengths) - lengths
    blanked = np.frombuffer(body, dtype=np.uint8).copy()
    blanked[np.repeat(starts[others] - offsets, lengths) + np.arange(int(lengths.sum()))] = columns.NEWLINE
    return blanked.tobytes()


def _plain_ids(text: bytes, ids: np.ndarray, n_targets: int) -> bool:
    """Is each id cell of ``text`` (every line with all its commas) just the digits of its id?"""
    buf = np.frombuffer(text, dtype=np.uint8)
    starts = np.r_[0, np.flatnonzero(buf == columns.NEWLINE) + 1][:len(ids)]
    first_commas = np.flatnonzero(buf == columns.COMMA).reshape(len(ids), n_targets)[:, 0]
    return bool(((ids >= 0) & (first_commas - starts == _digit_counts(ids))).all())


def odd_bytes(spec) -> bytes:
    """Bytes that keep a row from pandas (:func:`read_every_row`): all but digits (and ``.eE+-`` for probabilities)."""
    return columns.odd_bytes(_NUMBERS if spec.prediction_kind != "label" else _DIGITS)


def read_every_row(rows: columns.Rows, spec) -> Table:
    """Any file's rows (split with :func:`odd_bytes`): the plain ones (if most are) by pandas, the others by numpy."""
    width = 1 + len(spec.target_columns)
    table = Table.empty(len(rows), spec)
    table.shaped = rows.cells == width
    unread = table.shaped.copy()
    plain = _plain_rows(rows, spec, table.shaped)
    if len(plain):
        frame = _pandas(_join_lines(rows.buf.tobytes(), rows.starts, rows.ends, plain), spec)
        if frame is not None and len(frame) == len(plain):
            ids = frame.iloc[:, 0].to_numpy()
            # only digits in a label file's plain rows; a probability file's may hold "2.0" as an id
            read = _ids_written_as_digits(ids, rows, plain) if spec.prediction_kind != "label" else ids >= 0
            table.id_ok[plain], table.ids[plain] = read, ids
            table.values[plain] = frame.iloc[:, 1:].to_numpy(dtype=table.values.dtype)
            unread[plain[read]] = False
    _read_with_numpy(rows, np.flatnonzero(unread), spec, table)
    return table


def _plain_rows(rows: columns.Rows, spec, shaped: np.ndarray) -> np.ndarray:
    """Rows pandas can read into typed columns (none when they are too few to be worth it)."""
    if spec.prediction_kind == "label" and spec.label_format != "index":
        return np.zeros(0, dtype=np.int64)
    odd = rows.odd | columns.rows_with_empty_cells(rows) | ~shaped
    n_odd = int(odd.sum())
    if n_odd > MAX_ODD_ROWS or n_odd > (1 - PLAIN_SHARE) * len(rows):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(~odd)


def _pandas(text: bytes, spec):
    """The rows of ``text`` as a typed frame, or None when pandas cannot read a cell as a number."""
    import pandas as pd

    names = [spec.id_column, *spec.target_columns]
    kind = np.float64 if spec.prediction_kind != "label" else np.int64
    dtypes = {name: kind for name in names[1:]} | {names[0]: np.int64}
    try:
        frame = pd.read_csv(io.BytesIO(text), header=None, names=names, dtype=dtypes, engine="c",
                            na_filter=False, skip_blank_lines=True, low_memory=False)
    except Exception:  # noqa: BLE001 -- any cell pandas will not read is for numpy to read and name
        return None
    if any(dtype != dtypes[name] for name, dtype in frame.dtypes.items()):
        return None
    return frame


def _ids_written_as_digits(ids: np.ndarray, rows: columns.Rows, which: np.ndarray) -> np.ndarray:
    """Was each id cell (of rows ``which``) exactly the digits of the id pandas read from it?

    pandas reads "2.0", "+2" or "2e0" as the id 2. Each such cell is longer than
    the id's digits, so the comma after it sits elsewhere.
    """
    return (ids >= 0) & (rows.seps[rows.first_sep[which]] - rows.starts[which] == _digit_counts(ids))


def _digit_counts(ids: np.ndarray) -> np.ndarray:
    digits = np.ones(len(ids), dtype=np.int64)
    top = int(ids.max()) if len(ids) else 0
    power = 10
    while power <= top:
        digits += ids >= power
        power *= 10
    return digits


def _read_with_numpy(rows: columns.Rows, which: np.ndarray, spec, table: Table) -> None:
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


# -- the checks ------------------------------------------------------------------------

def judge(table: Table, spec, name: str, line: Callable[[int], bytes],
          limit: int = SubmissionError.MAX_LISTED) -> RowReport:
    """All problems of ``table`` against ``spec``; ``name`` is the file name messages show, ``line(i)`` row i."""
    n_rows, n_ids = len(table.ids), len(spec.ids)
    known = table.shaped & table.id_ok & ~table.id_big
    if known.all():
        positions = spec.positions(table.ids)
    else:
        positions = np.full(n_rows, -1, dtype=np.int64)
        positions[known] = spec.positions(table.ids[known])
    first_row, repeated = _first_rows(positions, n_ids, n_rows)
    if spec.prediction_kind == "label":
        valid = (table.values >= 0) & (table.values < len(spec.class_names))
    else:
        valid = np.isfinite(table.values) & (table.values >= 0) & (table.values <= 1)
    kinds = {  # kind -> row indices, in row order
        "cells": np.flatnonzero(~table.shaped),
        "id": np.flatnonzero(table.shaped & ~table.id_ok),
        "unknown": np.flatnonzero((known & (positions < 0)) | (table.shaped & table.id_big)),
        "repeated": repeated,
    }
    for column in range(valid.shape[1]):
        kinds[f"target{column}"] = np.flatnonzero(table.shaped & ~valid[:, column])
    missing = spec.ids[first_row == n_rows]
    count_wrong = n_rows != n_ids or (len(missing) > 0 and len(repeated) > 0)
    total = sum(len(found) for found in kinds.values()) + int(count_wrong)
    if total == 0:
        values = table.values if spec.prediction_kind == "probabilities" else table.values[:, 0]
        aligned = np.empty_like(values)
        aligned[positions] = values
        return RowReport([], 0, aligned)
    listed = sorted((int(row), _column_order(kind), kind) for kind, found in kinds.items() for row in found[:limit])
    messages = _Messages(spec, name, line, first_row, positions)
    problems = [messages.render(kind, row) for row, _order, kind in listed[:limit]]
    if count_wrong and len(problems) < limit:
        problems.append(messages.count(n_rows, missing))
    return RowReport(problems, total, None)


def _first_rows(positions: np.ndarray, n_ids: int, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """The first row that gives each id (``n_rows``: none), and the rows that repeat an id."""
    first_row = np.full(n_ids, n_rows, dtype=np.int64)
    every_row = len(positions) and positions.min() >= 0
    rows = np.arange(n_rows) if every_row else np.flatnonzero(positions >= 0)
    placed = positions if every_row else positions[rows]
    first_row[placed] = rows  # with an id given twice, either row may land here
    if len(rows) == n_ids and (first_row < n_rows).all():
        return first_row, np.zeros(0, dtype=np.int64)  # as many rows as ids, each id given: none twice
    landed = first_row[placed] == rows
    if len(rows) < n_ids and landed.all():
        return first_row, np.zeros(0, dtype=np.int64)
    # Ids given more than once (each has a row that did not land): sort only their rows.
    shared = np.zeros(n_ids, dtype=bool)
    shared[placed[~landed]] = True
    involved = np.flatnonzero(shared[placed])
    order = np.argsort(placed[involved], kind="stable")
    ids, given_by = placed[involved][order], rows[involved][order]
    head = np.r_[True, ids[1:] != ids[:-1]]
    first_row[ids[head]] = given_by[head]
    return first_row, np.sort(given_by[~head])


def _column_order(kind: str) -> int:
    if kind == "cells":
        return -1
    return int(kind[6:]) + 1 if kind.startswith("target") else 0


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
    spec: object
    name: str
    line: Callable[[int], bytes]
    first_row: np.ndarray
    positions: np.ndarray

    def render(self, kind: str, index: int) -> str:
        spec, name, row = self.spec, self.name, index + 1
        cells = split_line(self.line(index))
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
