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
LINE_LIMIT = 131_072  # characters in one line (Python's csv field limit): far more than any row needs
MAX_CELL = 100  # bytes: a longer cell is never a valid id, label or probability
WIDE_CELL = 24  # integer cells longer than this (rare) are read one by one in Python
MAX_DIGITS = 18  # significant digits that always fit in int64
PLAIN_DIGITS = 18  # a cell of at most this many plain digits is read without the state machine


def byte_table(marked: bytes) -> bytes:
    """A ``bytes.translate`` table that maps the ``marked`` bytes to 1 and all others to 0."""
    table = bytearray(256)
    for byte in marked:
        table[byte] = 1
    return bytes(table)


def odd_bytes(allowed: bytes) -> bytes:
    """For :func:`split_rows`: every byte except ``allowed``, commas and line ends."""
    return bytes(b for b in range(256) if b not in allowed and b not in (COMMA, NEWLINE))


# int() strips these inside one line; 0: other, 1: space, 2: sign, 3: digit
_INT_CLASS = np.zeros(256, dtype=np.uint8)
_INT_CLASS[[9, 11, 12, 28, 29, 30, 31, 32]] = 1
_INT_CLASS[[43, 45]] = 2
_INT_CLASS[48:58] = 3
# states: 0 leading spaces, 1 after the sign, 2 digits, 3 trailing spaces, 4 not an integer
_INT_NEXT = np.array([4, 0, 1, 2,
                      4, 4, 4, 2,
                      4, 3, 4, 2,
                      4, 3, 4, 4,
                      4, 4, 4, 4], dtype=np.uint8)  # [state * 4 + class]


@dataclass
class Rows:
    """The non-blank lines of a body (the bytes after the header), as byte spans, and their separators."""

    buf: np.ndarray  # the body, uint8
    starts: np.ndarray  # first byte of each row
    ends: np.ndarray  # one past its last byte (its line end)
    seps: np.ndarray  # positions of every comma and line end (a virtual one after an unterminated last line)
    first_sep: np.ndarray  # index in ``seps`` of each row's first comma or line end
    cells: np.ndarray  # number of cells in each row
    odd: np.ndarray  # the row holds a byte of ``split_rows``'s ``odd``

    def __len__(self) -> int:
        return len(self.starts)

    def line(self, row_index: int) -> bytes:
        return self.buf[self.starts[row_index]:self.ends[row_index]].tobytes()


def normalize_line_ends(body: bytes) -> bytes:
    """``\\r\\n`` and a lone ``\\r`` become ``\\n`` (so a file saved by classic Mac Excel has rows too)."""
    return body.replace(b"\r\n", b"\n").replace(b"\r", b"\n") if b"\r" in body else body


def split_rows(body: bytes, odd: bytes = b"") -> Rows:
    """The non-blank lines of ``body`` (line ends already ``\\n``), and which hold any ``odd`` byte.

    One ``bytes.translate`` classifies every byte (comma, line end, odd, other), so
    rows, cells and odd rows come from one pass over the file and a few over its separators.
    """
    table = bytearray(256)
    for byte in odd:
        table[byte] = 4
    table[COMMA], table[NEWLINE] = 1, 2
    kinds = np.frombuffer(body.translate(bytes(table)), dtype=np.uint8)
    seps = np.flatnonzero(kinds & 3)
    is_end = kinds[seps] == 2
    if not body.endswith(b"\n"):
        seps = np.append(seps, len(body))
        is_end = np.append(is_end, True)
    line_end_at = np.flatnonzero(is_end)  # indices into seps
    ends = seps[line_end_at]
    starts = np.empty_like(ends)
    starts[:1] = 0
    starts[1:] = ends[:-1] + 1
    first_sep = np.empty_like(line_end_at)
    first_sep[:1] = 0
    first_sep[1:] = line_end_at[:-1] + 1
    non_blank = ends > starts
    starts, ends, first_sep = starts[non_blank], ends[non_blank], first_sep[non_blank]
    cells = line_end_at[non_blank] - first_sep + 1
    odd_rows = np.zeros(len(starts), dtype=bool)
    found = np.flatnonzero(kinds & 4) if odd and len(starts) else np.zeros(0, dtype=np.int64)
    if len(found) <= len(starts) // 8:  # a few odd bytes: find their rows
        odd_rows[np.searchsorted(starts, found, side="right") - 1] = True
    else:  # many: one segment from each row's start to the next row's (the row, its line end, blank lines)
        odd_rows = np.maximum.reduceat(kinds, starts) >= 4
    return Rows(buf=np.frombuffer(body, dtype=np.uint8), starts=starts, ends=ends, seps=seps,
                first_sep=first_sep, cells=cells, odd=odd_rows)


def rows_with_empty_cells(rows: Rows) -> np.ndarray:
    """Rows with an empty cell (",," or a comma at a row's start or end), as a bool mask."""
    seps, first_sep, cells = rows.seps, rows.first_sep, rows.cells
    mask = seps[first_sep] == rows.starts
    after_another = np.flatnonzero(np.diff(seps) == 1) + 1  # a separator right after another one
    owner = np.searchsorted(first_sep, after_another, side="right") - 1
    keep = owner >= 0
    owner, after_another = owner[keep], after_another[keep]
    # ... inside its row (not the line end of a blank line that follows the row)
    mask[owner[(after_another > first_sep[owner]) & (after_another < first_sep[owner] + cells[owner])]] = True
    return mask


def cell_spans(rows: Rows, which: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and end of each cell (``len(which)`` x ``width``) of rows that have ``width`` cells.

    A cell quoted as a whole ("3") is narrowed to what is inside the quotes.
    """
    seps, first_sep = rows.seps, rows.first_sep
    cut = seps[first_sep[which][:, None] + np.arange(width - 1)]
    starts = np.empty((len(which), width), dtype=np.int64)
    ends = np.empty_like(starts)
    starts[:, 0] = rows.starts[which]
    starts[:, 1:] = cut + 1
    ends[:, :-1] = cut
    ends[:, -1] = rows.ends[which]
    quotes = np.flatnonzero(rows.buf == QUOTE)
    if len(quotes):
        inside = np.searchsorted(quotes, ends) - np.searchsorted(quotes, starts)
        padded = np.append(rows.buf, np.uint8(0))
        whole = ((inside == 2) & (ends - starts >= 2) & (padded[starts] == QUOTE)
                 & (padded[np.maximum(ends - 1, 0)] == QUOTE))
        starts = starts + whole
        ends = ends - whole
    return starts, ends


def read_integers(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray):
    """Each cell read as ``int()`` reads it: spaces around, an optional sign, ASCII digits.

    Returns (is_integer, value, too_big); ``too_big`` marks integers of more than
    18 significant digits (their ``value`` is meaningless). A small state machine
    steps through the cells' bytes one position at a time, for all cells at once.
    """
    lengths = ends - starts
    is_integer = np.zeros(len(starts), dtype=bool)
    value = np.zeros(len(starts), dtype=np.int64)
    too_big = np.zeros(len(starts), dtype=bool)
    narrow = np.flatnonzero((lengths >= 1) & (lengths <= WIDE_CELL))
    if len(narrow):
        is_integer[narrow], value[narrow], too_big[narrow] = _integers(buf, starts[narrow], lengths[narrow])
    for index in np.flatnonzero((lengths > WIDE_CELL) & (lengths <= MAX_CELL)).tolist():
        text = buf[starts[index]:ends[index]].tobytes()
        number = _int(text)
        if number is not None:
            is_integer[index], too_big[index] = True, abs(number) >= 10 ** MAX_DIGITS
            value[index] = 0 if too_big[index] else number
    return is_integer, value, too_big


def _integers(buf: np.ndarray, starts: np.ndarray, lengths: np.ndarray):
    padded = np.append(buf, np.zeros(WIDE_CELL, dtype=np.uint8))
    is_integer = np.zeros(len(starts), dtype=bool)
    value = np.zeros(len(starts), dtype=np.int64)
    too_big = np.zeros(len(starts), dtype=bool)
    other = np.ones(len(starts), dtype=bool)
    # Cells of digits only, a group of one length at a time, a column of bytes at a time.
    for length in np.flatnonzero(np.bincount(lengths, minlength=PLAIN_DIGITS + 1)[:PLAIN_DIGITS + 1]).tolist():
        group = np.flatnonzero(lengths == length)
        group_starts = starts[group]
        plain = np.ones(len(group), dtype=bool)
        number = np.zeros(len(group), dtype=np.int64)
        for j in range(length):
            digit = padded[group_starts + j] - np.uint8(48)
            plain &= digit <= 9
            number = number * 10 + digit
        value[group[plain]] = number[plain]
        is_integer[group[plain]] = True
        other[group[plain]] = False
    rest = np.flatnonzero(other)
    if len(rest):
        is_integer[rest], value[rest], too_big[rest] = _integers_by_state(padded, starts[rest], lengths[rest])
    return is_integer, value, too_big


def _integers_by_state(padded: np.ndarray, starts: np.ndarray, lengths: np.ndarray):
    """Any cell, through a small state machine that steps through all cells' bytes at once."""
    state = np.zeros(len(starts), dtype=np.uint8)
    negative = np.zeros(len(starts), dtype=bool)
    value = np.zeros(len(starts), dtype=np.int64)
    digits = np.zeros(len(starts), dtype=np.int64)  # significant digits so far
    for j in range(int(lengths.max())):
        byte = padded[starts + j]
        inside = j < lengths
        kind = np.where(inside, _INT_CLASS[byte], np.uint8(1))  # past the end: like a trailing space
        negative |= inside & (state == 0) & (byte == 45)
        state = _INT_NEXT[state * 4 + kind]
        digit = (state == 2) & inside
        significant = digit & ((value > 0) | (byte != 48))
        digits += significant
        grow = significant & (digits <= MAX_DIGITS)
        value = np.where(grow, value * 10 + (byte.astype(np.int64) - 48), value)
    is_integer = (state == 2) | (state == 3)
    return is_integer, np.where(negative, -value, value), is_integer & (digits > MAX_DIGITS)


def _int(text: bytes) -> int | None:
    try:
        return int(text) if text.isascii() and b"_" not in text else None
    except ValueError:
        return None


def read_names(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, names: list[str]) -> np.ndarray:
    """Index in ``names`` of each cell's exact text, or -1."""
    encoded = [name.encode("utf-8") for name in names]
    width = max(len(name) for name in encoded)
    order = np.argsort(np.array(encoded, dtype=f"S{width}"), kind="stable")
    table = np.array(encoded, dtype=f"S{width}")[order]
    table_lengths = np.array([len(name) for name in encoded], dtype=np.int64)[order]
    lengths = ends - starts
    index = np.full(len(starts), -1, dtype=np.int64)
    fits = np.flatnonzero((lengths >= 1) & (lengths <= width))
    if not len(fits):
        return index
    keys = _texts(buf, starts[fits], lengths[fits], width)
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
    keys = _texts(buf, starts[fits], lengths[fits], width)
    has_nul = np.char.str_len(keys) != lengths[fits]  # an S string drops a NUL at its end
    ordered = np.sort(keys)
    distinct = ordered[np.r_[True, ordered[1:] != ordered[:-1]]]
    read = np.array([_float(text) for text in distinct.tolist()], dtype=np.float64)
    value[fits] = np.where(has_nul, np.nan, read[np.searchsorted(distinct, keys)])
    return value


def _texts(buf: np.ndarray, starts: np.ndarray, lengths: np.ndarray, width: int) -> np.ndarray:
    """Each cell's bytes as a fixed-width S string (zero-padded)."""
    padded = np.append(buf, np.zeros(width, dtype=np.uint8))
    window = padded[starts[:, None] + np.arange(width)]
    window[np.arange(width) >= lengths[:, None]] = 0
    return np.ascontiguousarray(window).view(f"S{width}").ravel()


def _float(text: bytes) -> float:
    if not text.isascii() or b"_" in text:
        return float("nan")
    try:
        return float(text)
    except ValueError:
        return float("nan")
