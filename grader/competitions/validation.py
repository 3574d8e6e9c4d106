"""Checking a submission file before anything is scored.

Every failure is one line that names the row and the column and shows only
what the student wrote, never a true label. The checks, in order: size cap
(before reading), gzip, UTF-8 (a BOM and CRLF line ends are fine), the header
exactly as in sample_submission.csv, then row by row the number of cells, the
id (an integer, known, not repeated) and each prediction cell (present, the
right type, finite, a known label or a probability in [0, 1]); finally that
every id has a row.

Two paths give one result: a fast path (pandas' C parser and numpy checks)
accepts a valid file, and only when it finds anything wrong does the exact,
row-by-row path run to say what and where. Messages come from that one place.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.errors import SubmissionError

FILENAME = "submission.csv"
DEFAULT_MAX_BYTES = 50_000_000
GZIP_MAGIC = b"\x1f\x8b"
_INTEGER = re.compile(r"\s*[+-]?\d+\s*")
_PLAIN = b"0123456789,\r\n"


@dataclass
class SubmissionSpec:
    """What a valid file looks like: the columns, the kind of prediction and the ids."""

    id_column: str
    target_columns: list[str]
    prediction_kind: str  # "label" | "probability" | "probabilities"
    class_names: list[str]
    ids: np.ndarray  # the expected ids, sorted ascending (int64)
    label_format: str = "index"  # labels as "index" (0..k-1) or "name"
    max_bytes: int = DEFAULT_MAX_BYTES

    @classmethod
    def for_competition(cls, cfg, ids) -> "SubmissionSpec":
        return cls(id_column=cfg.id_column, target_columns=list(cfg.target_columns),
                   prediction_kind=cfg.prediction_kind, class_names=list(cfg.class_names),
                   ids=np.sort(np.asarray(ids, dtype=np.int64)), label_format=cfg.label_format,
                   max_bytes=cfg.max_bytes)

    @property
    def header(self) -> str:
        return ",".join([self.id_column, *self.target_columns])

    def positions(self, ids: np.ndarray) -> np.ndarray:
        """Index of each id in :attr:`ids`; -1 for an unknown id."""
        ids = np.asarray(ids, dtype=np.int64)
        n = len(self.ids)
        if n and self.ids[-1] - self.ids[0] + 1 == n:  # contiguous ids (the usual 1..n): O(n)
            positions = ids - self.ids[0]
            if len(positions) and (positions.min() < 0 or positions.max() >= n):
                positions = np.where((positions >= 0) & (positions < n), positions, -1)
            return positions
        found = np.clip(np.searchsorted(self.ids, ids), 0, max(n - 1, 0))
        return np.where(n and self.ids[found] == ids, found, -1) if n else np.full(len(ids), -1)


@dataclass
class ParsedSubmission:
    """A valid file's predictions, in the order of ``spec.ids`` (not the file's row order).

    ``predictions``: class indices (int64, n) for labels, P(positive) (float64, n),
    or probabilities (float64, n x k).
    """

    predictions: np.ndarray


# -- reading ------------------------------------------------------------------

def read_submission_bytes(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The file's bytes (gunzipped if gzip), refusing one over ``max_bytes`` before reading it."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SubmissionError(f"Cannot read {path}: {exc.strerror}. Check the file name.") from None
    if size > max_bytes:
        raise SubmissionError(_too_big(_size(size), max_bytes))
    data = path.read_bytes()
    return gunzip_if_needed(data, max_bytes)


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1_000_000 else f"{n / 1e3:.1f} kB"


def _too_big(size: str, max_bytes: int) -> str:
    return (f"{FILENAME} is {size}; the limit is {_size(max_bytes)}. "
            "Submit one row per test id (gzip-compress the file if it is still too big).")


def gunzip_if_needed(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Decompress gzip data, never past ``max_bytes`` (a small bomb cannot fill memory)."""
    if not data.startswith(GZIP_MAGIC):
        return data
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, max_bytes + 1)
        if len(out) > max_bytes or inflater.unconsumed_tail:
            raise SubmissionError(_too_big(f"more than {_size(max_bytes)} when decompressed", max_bytes))
        out += inflater.flush()
    except zlib.error as exc:
        raise SubmissionError(f"{FILENAME} looks gzip-compressed but cannot be decompressed ({exc}). "
                              "Compress it again with gzip, or submit the plain CSV.") from None
    if not inflater.eof:
        raise SubmissionError(f"{FILENAME} looks gzip-compressed but is cut short. "
                              "Compress it again with gzip, or submit the plain CSV.")
    return out


# -- the entry point ----------------------------------------------------------

def validate_submission(data: bytes, spec: SubmissionSpec) -> ParsedSubmission:
    """Parse and check a submission's bytes; raise :class:`SubmissionError` with one line if invalid."""
    data = gunzip_if_needed(data, spec.max_bytes)
    if len(data) > spec.max_bytes:
        raise SubmissionError(_too_big(_size(len(data)), spec.max_bytes))
    parsed = _fast_path(data, spec)
    if parsed is not None:
        return parsed
    return _exact_path(data, spec)


def validate_file(path: str | Path, spec: SubmissionSpec) -> ParsedSubmission:
    return validate_submission(read_submission_bytes(path, spec.max_bytes), spec)


# -- fast path: accept a valid file at the speed of pandas' C parser ------------

def _fast_path(data: bytes, spec: SubmissionSpec) -> ParsedSubmission | None:
    import pandas as pd

    text_start = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    header_end = text_start.find(b"\n")
    header = spec.header.encode("utf-8")
    if (text_start[:header_end] if header_end >= 0 else text_start).rstrip(b"\r") != header:
        return None
    # Exactly one comma between cells: pandas would quietly drop a trailing comma on every row.
    if text_start.count(b",") != (len(spec.ids) + 1) * len(spec.target_columns):
        return None
    if spec.prediction_kind == "label" and spec.label_format == "index":
        # Anything but digits, commas and line ends (a sign, a space, a quote, "3.0") goes to the exact path.
        if text_start.translate(None, _PLAIN) != header.translate(None, _PLAIN):
            return None
    dtypes: dict[str, object] = {spec.id_column: np.int64}
    for column in spec.target_columns:
        if spec.prediction_kind != "label":
            dtypes[column] = np.float64
        else:
            dtypes[column] = np.int64 if spec.label_format == "index" else str
    try:
        frame = pd.read_csv(io.BytesIO(text_start), dtype=dtypes, index_col=False, engine="c",
                            encoding="utf-8", encoding_errors="strict",
                            na_filter=spec.prediction_kind != "label", keep_default_na=True, low_memory=False)
    except Exception:  # anything pandas dislikes is diagnosed exactly below
        return None
    if list(frame.columns) != [spec.id_column, *spec.target_columns] or len(frame) != len(spec.ids):
        return None
    submitted_ids = frame[spec.id_column].to_numpy()
    only_digits = spec.prediction_kind == "label" and spec.label_format == "index"  # checked above
    if not only_digits and not _ids_written_as_plain_digits(text_start, header_end, submitted_ids):
        return None
    positions = spec.positions(submitted_ids)
    if len(positions) and positions.min() < 0:
        return None
    if spec.prediction_kind == "label":
        column = frame[spec.target_columns[0]]
        if spec.label_format == "index":
            values = column.to_numpy()
            if len(values) and (values.min() < 0 or values.max() >= len(spec.class_names)):
                return None
        else:
            values = pd.Index(spec.class_names).get_indexer(column).astype(np.int64)
            if (values < 0).any():
                return None
    else:
        values = frame[spec.target_columns].to_numpy(dtype=np.float64)
        if not np.isfinite(values).all() or (values < 0).any() or (values > 1).any():
            return None
        if spec.prediction_kind == "probability":
            values = values[:, 0]
    # As many rows as ids, all known: a repeated id leaves some id without a row, which
    # the sentinel (-1: never a valid label or probability) shows.
    aligned = np.full(values.shape, -1, dtype=values.dtype)
    aligned[positions] = values
    if (aligned < 0).any():
        return None
    return ParsedSubmission(predictions=aligned)


def _ids_written_as_plain_digits(data: bytes, header_end: int, ids: np.ndarray) -> bool:
    """Was each row's id cell exactly the digits of the id pandas read from it?

    pandas reads "2.0", "+2", " 2" or "2e0" into an int64 column. Each such cell is longer
    than the id's digits, so checking that the comma sits right after len(str(id)) bytes
    from the start of each line finds them all, in a few vectorized passes.
    """
    if len(ids) == 0:
        return True
    if ids.min() < 0:
        return False
    buffer = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(buffer == 10)
    starts = newlines + 1
    starts = starts[starts < len(buffer)]  # a final newline starts no line
    if len(starts) != len(ids) or starts[0] != header_end + 1:
        return False  # blank lines or other layouts: the exact path decides
    digits = np.ones(len(ids), dtype=np.int64)
    power = 10
    while power <= ids.max():
        digits += ids >= power
        power *= 10
    commas = starts + digits
    return bool(commas.max() < len(buffer) and (buffer[commas] == ord(",")).all())


# -- exact path: find the first problem and say where --------------------------

def _exact_path(data: bytes, spec: SubmissionSpec) -> ParsedSubmission:
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise SubmissionError(f"{FILENAME} is not a valid CSV file: {exc} (in the header).") from None
    if header != [spec.id_column, *spec.target_columns]:
        got = _show(",".join(header), 80) if header else ""
        raise SubmissionError(f"The header of {FILENAME} must be exactly '{spec.header}' "
                              f"(as in sample_submission.csv). Got '{got}'.")
    n_ids = len(spec.ids)
    first_row = [0] * n_ids  # data row where each id was first seen (0: not yet)
    position_of = _position_lookup(spec)
    values: list = []
    positions: list[int] = []
    row = 0
    while True:
        try:
            cells = next(reader, None)
        except csv.Error as exc:
            raise SubmissionError(f"{FILENAME} is not a valid CSV file: {exc} (row {row + 1}).") from None
        if cells is None:
            break
        if not cells:  # a blank line
            continue
        row += 1
        if len(cells) != len(header):
            raise SubmissionError(f"Row {row} of {FILENAME} has {len(cells)} cells; it must have "
                                  f"{len(header)} ('{spec.header}').")
        position = _check_id(cells[0], row, spec, first_row, position_of)
        positions.append(position)
        values.append(_check_targets(cells[1:], row, spec))
    if row != n_ids:
        missing = spec.ids[first_row.index(0)] if 0 in first_row else None
        detail = f" (id {missing} is missing)" if missing is not None else ""
        raise SubmissionError(f"{FILENAME} has {row} rows; it must have {n_ids}, one for each id "
                              f"of sample_submission.csv{detail}.")
    predictions = np.asarray(values, dtype=np.int64 if spec.prediction_kind == "label" else np.float64)
    if spec.prediction_kind == "probability":
        predictions = predictions[:, 0]
    elif spec.prediction_kind == "label":
        predictions = predictions[:, 0]
    aligned = np.empty_like(predictions)
    aligned[np.asarray(positions, dtype=np.int64)] = predictions
    return ParsedSubmission(predictions=aligned)


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start)
        where = "in the header" if line == 0 else f"in row {line}"
        raise SubmissionError(f"{FILENAME} is not UTF-8 text (byte 0x{data[exc.start]:02x} {where}). "
                              "Save it as UTF-8 CSV.") from None
    return text[1:] if text.startswith("\ufeff") else text


def _show(cell: str, limit: int = 40) -> str:
    """The student's own cell, shortened and printable on one line."""
    shown = cell.encode("unicode_escape").decode("ascii") if not cell.isprintable() else cell
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def _bad_cell(column: str, what: str, cell: str, row: int) -> SubmissionError:
    got = f"'{_show(cell)}'" if cell.strip() else "an empty cell"
    return SubmissionError(f"The '{column}' column of {FILENAME} must be {what}. Got {got} in row {row}.")


def _position_lookup(spec: SubmissionSpec):
    """id -> index in spec.ids (-1 if unknown), in plain Python: this path runs once per row."""
    ids = spec.ids.tolist()
    if ids and ids[-1] - ids[0] + 1 == len(ids):
        low, n = ids[0], len(ids)
        return lambda value: value - low if 0 <= value - low < n else -1
    table = {value: index for index, value in enumerate(ids)}
    return lambda value: table.get(value, -1)


def _as_int(cell: str) -> int | None:
    """The integer a cell holds ("7", " +7 "), or None ("7.0", "", "seven", "٧")."""
    if cell.isascii() and cell.isdigit():  # the common case, without a regex
        return int(cell)
    return int(cell) if _INTEGER.fullmatch(cell) and cell.isascii() else None


def _check_id(cell: str, row: int, spec: SubmissionSpec, first_row: list[int], position_of) -> int:
    value = _as_int(cell)
    if value is None:
        raise _bad_cell(spec.id_column, "an integer id", cell, row)
    position = position_of(value)
    if position < 0:
        raise _bad_cell(spec.id_column, "an id from sample_submission.csv", cell, row)
    if first_row[position]:
        raise SubmissionError(f"The '{spec.id_column}' column of {FILENAME} must list each id once. "
                              f"Got '{_show(cell)}' again in row {row} (first in row {first_row[position]}).")
    first_row[position] = row
    return position


def _check_targets(cells: list[str], row: int, spec: SubmissionSpec) -> list:
    if spec.prediction_kind == "label":
        column, cell = spec.target_columns[0], cells[0]
        if spec.label_format == "index":
            what = f"an integer in 0..{len(spec.class_names) - 1}"
            value = _as_int(cell)
            if value is None or not 0 <= value < len(spec.class_names):
                raise _bad_cell(column, what, cell, row)
            return [value]
        if cell not in spec.class_names:
            raise _bad_cell(column, "one of " + ", ".join(spec.class_names), cell, row)
        return [spec.class_names.index(cell)]
    out = []
    for column, cell in zip(spec.target_columns, cells):
        try:
            value = float(cell)
        except ValueError:
            value = math.nan
        if "_" in cell or not (math.isfinite(value) and 0.0 <= value <= 1.0):
            raise _bad_cell(column, "a probability in [0, 1]", cell, row)
        out.append(value)
    return out
