"""A submission's rows split into cells and read a whole column at a time, with numpy.

The dialect is the one the kit's messages describe: a row is a non-blank line
(``\\n``, ``\\r\\n`` or ``\\r`` ends it; blank lines are skipped and not counted),
cells are separated by commas, and a cell may be quoted as a whole (``"3"``).
No valid id, label or probability holds a comma, a quote or a line end, so a
quote anywhere else stays part of the cell, and a cell that holds it is never
valid. Nothing here knows about messages: :mod:`grader.competitions.row_checks`
turns what these functions find into the problems a student reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

COMMA, NEWLINE, QUOTE = 44, 10, 34
MAX_CELL = 64  # bytes: a longer cell is never a valid id, label index or probability
MAX_DIGITS = 18  # significant digits that always fit in int64
_POWERS = 10 ** np.arange(MAX_DIGITS, dtype=np.int64)
_DIGIT = np.zeros(256, dtype=bool)
_DIGIT[48:58] = True
_SPACE = np.zeros(256, dtype=bool)
_SPACE[[9, 11, 12, 28, 29, 30, 31, 32]] = True  # what int() strips inside one line


@dataclass
class Rows:
    """The non-blank lines of a body (the bytes after the header), as byte spans."""

    buf: np.ndarray  # the body, uint8
    seps: np.ndarray  # positions of every comma and line end (a virtual one after an unterminated last line)
    starts: np.ndarray  # first byte of each row
    ends: np.ndarray  # one past its last byte (its line end)
    first_sep: np.ndarray  # index in ``seps`` of each row's first comma or line end
    cells: np.ndarray  # number of cells in each row

    def __len__(self) -> int:
        return len(self.starts)

    def line(self, row_index: int) -> bytes:
        return self.buf[self.starts[row_index]:self.ends[row_index]].tobytes()


def normalize_line_ends(body: bytes) -> bytes:
    """``\\r\\n`` and a lone ``\\r`` become ``\\n`` (so a file saved by classic Mac Excel has rows too)."""
    return body.replace(b"\r\n", b"\n").replace(b"\r", b"\n") if b"\r" in body else body


def split_rows(body: bytes) -> Rows:
    """Rows and their cell counts, found from the positions of commas and line ends alone."""
    buf = np.frombuffer(body, dtype=np.uint8)
    seps = np.flatnonzero((buf == COMMA) | (buf == NEWLINE))
    kinds = buf[seps]
    if not body.endswith(b"\n"):
        seps = np.append(seps, len(buf))
        kinds = np.append(kinds, np.uint8(NEWLINE))
    line_end_at = np.flatnonzero(kinds == NEWLINE)  # indices into seps
    ends = seps[line_end_at]
    first_sep = np.empty_like(line_end_at)
    first_sep[:1] = 0
    first_sep[1:] = line_end_at[:-1] + 1
    starts = np.empty_like(ends)
    starts[:1] = 0
    starts[1:] = ends[:-1] + 1
    non_blank = ends > starts
    cells = line_end_at - first_sep + 1
    return Rows(buf=buf, seps=seps, starts=starts[non_blank], ends=ends[non_blank],
                first_sep=first_sep[non_blank], cells=cells[non_blank])


def rows_with_bytes(rows: Rows, table: np.ndarray) -> np.ndarray:
    """Indices of the rows holding at least one byte marked in ``table`` (a 256-entry bool array)."""
    positions = np.flatnonzero(table[rows.buf])
    if not len(positions):
        return positions
    return np.unique(np.searchsorted(rows.starts, positions, side="right") - 1)


def rows_with_empty_cells(rows: Rows) -> np.ndarray:
    """Indices of the rows with an empty cell (",," or a comma at a row's start or end)."""
    seps, first_sep = rows.seps, rows.first_sep
    starts_empty = np.flatnonzero(seps[first_sep] == rows.starts)
    after_another = np.flatnonzero(np.diff(seps) == 1) + 1  # a separator right after another one
    owner = np.searchsorted(first_sep, after_another, side="right") - 1
    keep = owner >= 0
    owner, after_another = owner[keep], after_another[keep]
    # ... inside its row (not the line end of a blank line that follows the row)
    owner = owner[(after_another > first_sep[owner]) & (after_another < first_sep[owner] + rows.cells[owner])]
    return np.union1d(starts_empty, owner)


def cell_spans(rows: Rows, which: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and end of each cell (``len(which)`` x ``width``) of rows that have ``width`` cells.

    A cell quoted as a whole ("3") is narrowed to what is inside the quotes.
    """
    cut = rows.seps[rows.first_sep[which][:, None] + np.arange(width - 1)]
    starts = np.empty((len(which), width), dtype=np.int64)
    ends = np.empty_like(starts)
    starts[:, 0] = rows.starts[which]
    starts[:, 1:] = cut + 1
    ends[:, :-1] = cut
    ends[:, -1] = rows.ends[which]
    quotes = np.flatnonzero(rows.buf == QUOTE)
    if len(quotes):
        inside = np.searchsorted(quotes, ends) - np.searchsorted(quotes, starts)
        last = np.maximum(ends - 1, 0)
        whole = ((inside == 2) & (ends - starts >= 2) & (rows.buf[np.minimum(starts, len(rows.buf) - 1)] == QUOTE)
                 & (rows.buf[last] == QUOTE))
        starts = starts + whole
        ends = ends - whole
    return starts, ends


def _window(buf: np.ndarray, starts: np.ndarray, width: int) -> np.ndarray:
    """Bytes ``starts[i] .. starts[i] + width`` of each cell (past the buffer's end: 0)."""
    padded = np.concatenate([buf, np.zeros(width, dtype=np.uint8)])
    return padded[starts[:, None] + np.arange(width)]


def read_integers(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray):
    """Each cell read as ``int()`` reads one line: spaces around, an optional sign, ASCII digits.

    Returns (is_integer, value, too_big): ``too_big`` marks integers of more than
    18 significant digits (their ``value`` is meaningless).
    """
    n = len(starts)
    lengths = ends - starts
    is_integer = np.zeros(n, dtype=bool)
    value = np.zeros(n, dtype=np.int64)
    too_big = np.zeros(n, dtype=bool)
    fits = np.flatnonzero((lengths >= 1) & (lengths <= MAX_CELL))
    if not len(fits):
        return is_integer, value, too_big
    width = int(lengths[fits].max())
    cells = _window(buf, starts[fits], width)
    j = np.arange(width)
    inside = j < lengths[fits][:, None]
    content = inside & ~_SPACE[cells]
    has_content = content.any(axis=1)
    first = content.argmax(axis=1)
    last = width - 1 - content[:, ::-1].argmax(axis=1)
    lead = cells[np.arange(len(fits)), first]
    signed = (lead == 43) | (lead == 45)
    core = (j >= (first + signed)[:, None]) & (j <= last[:, None])
    ok = has_content & (first + signed <= last) & ~(core & ~_DIGIT[cells]).any(axis=1)
    significant = core & (cells != 48)
    leading = np.where(significant.any(axis=1), significant.argmax(axis=1), last + 1)
    big = last - leading + 1 > MAX_DIGITS
    exponent = last[:, None] - j
    used = core & (exponent < MAX_DIGITS)
    digits = np.where(used, cells - np.uint8(48), np.uint8(0)).astype(np.int64)
    magnitude = (digits * _POWERS[np.clip(exponent, 0, MAX_DIGITS - 1)]).sum(axis=1)
    is_integer[fits] = ok
    value[fits] = np.where(lead == 45, -magnitude, magnitude)
    too_big[fits] = ok & big
    return is_integer, value, too_big


def read_names(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, names: list[str]) -> np.ndarray:
    """Index in ``names`` of each cell's exact text, or -1."""
    encoded = [name.encode("utf-8") for name in names]
    width = max(len(name) for name in encoded)
    lengths = ends - starts
    order = np.argsort(np.array(encoded, dtype=f"S{width}"), kind="stable")
    table = np.array(encoded, dtype=f"S{width}")[order]
    table_lengths = np.array([len(name) for name in encoded], dtype=np.int64)[order]
    index = np.full(len(starts), -1, dtype=np.int64)
    fits = np.flatnonzero((lengths >= 1) & (lengths <= width))
    if not len(fits):
        return index
    window = _window(buf, starts[fits], width)
    window[np.arange(width) >= lengths[fits][:, None]] = 0
    keys = np.ascontiguousarray(window).view(f"S{width}").ravel()
    found = np.minimum(np.searchsorted(table, keys), len(table) - 1)
    # A NUL at a cell's end would vanish in an S string: the byte counts must match too.
    match = (table[found] == keys) & (table_lengths[found] == lengths[fits])
    index[fits] = np.where(match, order[found], -1)
    return index


def read_floats(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Each cell read as ``float()`` reads it (ASCII, no underscores), or NaN.

    Each distinct text is read once, so a column of a few repeated mistakes costs
    one sort, not one Python call per row.
    """
    lengths = ends - starts
    value = np.full(len(starts), np.nan)
    fits = np.flatnonzero((lengths >= 1) & (lengths <= MAX_CELL))
    if not len(fits):
        return value
    width = int(lengths[fits].max())
    window = _window(buf, starts[fits], width)
    inside = np.arange(width) < lengths[fits][:, None]
    has_nul = (inside & (window == 0)).any(axis=1)  # an S string would drop a trailing NUL
    window[~inside] = 0
    keys = np.ascontiguousarray(window).view(f"S{width}").ravel()
    distinct, where = np.unique(keys, return_inverse=True)
    read = np.array([_float(text) for text in distinct.tolist()], dtype=np.float64)
    value[fits] = np.where(has_nul, np.nan, read[where.ravel()])
    return value


def _float(text: bytes) -> float:
    if not text.isascii() or b"_" in text:
        return float("nan")
    try:
        return float(text)
    except ValueError:
        return float("nan")
