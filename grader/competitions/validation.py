"""Checking a submission file before anything is scored.

A file is refused with every problem found (the first 20, each one line naming
its row and column and showing only what the student wrote, never a true label),
or with a single message when what is wrong makes the rows meaningless. Messages
name the file as the student named it.

The checks, in order: size cap (before reading), gzip (never expanded past the
cap), what the file really is (empty, an Excel workbook, a zip archive, UTF-16
text), UTF-8 (a BOM and CRLF line ends are fine), lines no longer than
``LINE_LIMIT``, the header exactly as in sample_submission.csv, a row at all;
then every row (:mod:`grader.competitions.row_checks`): the number of cells, the
id (an integer, known, not repeated), each prediction cell (the right type,
finite, a known label or a probability in [0, 1]), and that every id has a row.

Rows are read by whole columns (pandas' C parser for plainly written rows,
numpy for the others), never one Python call per row, so refusing a file costs
about what accepting it does.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.competitions import csv_columns
from grader.competitions.row_checks import judge, odd_bytes, plural, read_every_row, read_plain, show, split_line
from grader.errors import SubmissionError, TooLarge

FILENAME = "submission.csv"  # the name messages use when the student's is unknown
DEFAULT_MAX_BYTES = 50_000_000
LINE_LIMIT = csv_columns.LINE_LIMIT
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (.xls)
_SAVE_AS_CSV = "In Excel use File > Save As > CSV UTF-8 (Comma delimited), then submit that file."


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

def display_name(filename: str | None) -> str:
    """The name a student gave a file, fit to show: its last path part, printable, one short line.

    A client's name is only ever shown (or stored as text), never opened.
    """
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return show(name, 100) if name else FILENAME


def read_submission_bytes(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES, filename: str | None = None) -> bytes:
    """The file's bytes (gunzipped if gzip), refusing one over ``max_bytes`` before reading it.

    ``filename`` is the name messages show (default: the file's own name).
    """
    path = Path(path)
    filename = display_name(filename or path.name)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SubmissionError(f"Cannot read {path}: {exc.strerror}. Check the file name.") from None
    if size > max_bytes:
        raise TooLarge(_too_big(filename, _size(size), max_bytes))
    data = path.read_bytes()
    return gunzip_if_needed(data, max_bytes, filename)


def read_upload_bytes(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES, filename: str | None = None) -> bytes:
    """:func:`read_submission_bytes` for bytes already received (an upload)."""
    filename = display_name(filename)
    if len(data) > max_bytes:
        raise TooLarge(_too_big(filename, _size(len(data)), max_bytes))
    return gunzip_if_needed(data, max_bytes, filename)


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1_000_000 else f"{n / 1e3:.1f} kB"


def _too_big(filename: str, size: str, max_bytes: int) -> str:
    return (f"{filename} is {size}; the limit is {_size(max_bytes)}. "
            "Submit one row per test id (gzip-compress the file if it is still too big).")


def gunzip_if_needed(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES, filename: str = FILENAME) -> bytes:
    """Decompress gzip data, never past ``max_bytes`` (a small bomb cannot fill memory)."""
    if not data.startswith(GZIP_MAGIC):
        return data
    parts: list[bytes] = []
    room = max_bytes  # what may still be written; a member that needs more stops the file
    rest = data
    while rest:  # one member after another, as gzip itself reads `cat a.gz b.gz`
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            out = inflater.decompress(rest, room + 1)
            if len(out) > room or inflater.unconsumed_tail:
                raise TooLarge(_too_big(filename, f"more than {_size(max_bytes)} when decompressed",
                                               max_bytes))
            out += inflater.flush()
        except zlib.error as exc:
            raise SubmissionError(f"{filename} looks gzip-compressed but cannot be decompressed ({exc}). "
                                  "Compress it again with gzip, or submit the plain CSV.") from None
        if not inflater.eof:
            raise SubmissionError(f"{filename} looks gzip-compressed but is cut short. "
                                  "Compress it again with gzip, or submit the plain CSV.")
        parts.append(out)
        room -= len(out)
        rest = inflater.unused_data
        if rest and not rest.startswith(GZIP_MAGIC):
            break  # trailing padding after the last member, as gzip tolerates
    return b"".join(parts)


# -- the entry points -----------------------------------------------------------

def validate_submission(data: bytes, spec: SubmissionSpec, filename: str = FILENAME) -> ParsedSubmission:
    """Parse and check a submission's bytes; raise :class:`SubmissionError` listing its problems if invalid.

    ``filename`` is the name the student gave the file; it is only ever shown, never opened.
    """
    filename = display_name(filename)
    data = gunzip_if_needed(data, spec.max_bytes, filename)
    if len(data) > spec.max_bytes:
        raise TooLarge(_too_big(filename, _size(len(data)), spec.max_bytes))
    _refuse_what_is_not_csv(data, spec, filename)
    text = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    _require_utf8(text, filename)
    return _check_rows(csv_columns.normalize_line_ends(text), spec, filename)


def validate_file(path: str | Path, spec: SubmissionSpec, filename: str | None = None) -> ParsedSubmission:
    """:func:`validate_submission` of the file at ``path`` (messages show ``filename``, default its name)."""
    filename = display_name(filename or Path(path).name)
    return validate_submission(read_submission_bytes(path, spec.max_bytes, filename), spec, filename)


# -- what the file is -------------------------------------------------------------

def _refuse_what_is_not_csv(data: bytes, spec: SubmissionSpec, filename: str) -> None:
    """One message for a file that is not CSV text at all, saying what it is and how to fix it."""
    if not data:
        raise SubmissionError(f"{filename} is empty (0 bytes). Submit the header '{spec.header}' and one row "
                              "for each id, as in sample_submission.csv.")
    if data.startswith(OLE_MAGIC):
        raise SubmissionError(f"{filename} is an Excel 97-2003 workbook, not a CSV file. {_SAVE_AS_CSV}")
    if data.startswith(ZIP_MAGIC):
        raise SubmissionError(_zip_message(data, filename))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SubmissionError(f"{filename} is UTF-16 text (as Excel's 'Unicode Text' saves it), not UTF-8. "
                              f"{_SAVE_AS_CSV}")


def _zip_message(data: bytes, filename: str) -> str:
    """What a zip file holds, from its directory alone (nothing is extracted; member names are only shown)."""
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        names = []
    if any(name.startswith("xl/") for name in names):
        return f"{filename} is an Excel workbook, not a CSV file. {_SAVE_AS_CSV}"
    if "mimetype" in names and b"opendocument.spreadsheet" in data[:200]:
        return (f"{filename} is an OpenDocument spreadsheet, not a CSV file. In LibreOffice use "
                "File > Save As > Text CSV (.csv), then submit that file.")
    csvs = [name for name in names if name.lower().endswith(".csv")]
    inside = f" ('{show(csvs[0])}')" if len(csvs) == 1 else ""
    return (f"{filename} is a zip archive, not a CSV file. Unzip it and submit the CSV file inside{inside}, "
            "or compress the CSV with gzip (.csv.gz) instead.")


def _require_utf8(text: bytes, filename: str) -> None:
    if text.isascii():
        return
    try:
        text.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = text.count(b"\n", 0, exc.start)
        where = "in the header" if line == 0 else f"in row {line}"
        raise SubmissionError(f"{filename} is not UTF-8 text (byte 0x{text[exc.start]:02x} {where}). "
                              "Save it as UTF-8 CSV.") from None


# -- the header, then every row ----------------------------------------------------

def _check_rows(text: bytes, spec: SubmissionSpec, filename: str) -> ParsedSubmission:
    header_end = text.find(b"\n")
    header_line = text if header_end < 0 else text[:header_end]
    body = text[header_end + 1:] if header_end >= 0 else b""
    if header_line != spec.header.encode("utf-8"):
        _check_header(header_line, spec, filename)
    plain = read_plain(body, spec)  # a valid file, or one with only wrong values, in one pandas pass
    if plain is not None:
        table, line = plain
    else:
        rows = csv_columns.split_rows(body, odd_bytes(spec))
        _check_layout(rows, spec, filename)
        table, line = read_every_row(rows, spec), rows.line
    report = judge(table, spec, filename, line)
    if report.problems:
        first = report.problems[0]
        message = first if report.total == 1 else f"{filename} has {report.total:,} problems; the first: {first}"
        raise SubmissionError(message, report.problems, more=report.total - len(report.problems))
    return ParsedSubmission(predictions=report.predictions)


def _check_header(header_line: bytes, spec: SubmissionSpec, filename: str) -> None:
    if len(header_line) > LINE_LIMIT:
        raise SubmissionError(_too_long("The header", filename, len(header_line)))
    header = split_line(header_line)
    if header != [spec.id_column, *spec.target_columns]:  # (a quoted header is fine)
        got = show(",".join(header), 80) if header_line else ""
        raise SubmissionError(f"The header of {filename} must be exactly '{spec.header}' "
                              f"(as in sample_submission.csv). Got '{got}'.")


def _check_layout(rows: csv_columns.Rows, spec: SubmissionSpec, filename: str) -> None:
    """Rows at all, and none so long that it cannot be one id's row."""
    if not len(rows):
        raise SubmissionError(f"{filename} has a header but no rows; it must have {plural(len(spec.ids), 'row')}, "
                              "one for each id of sample_submission.csv.")
    lengths = rows.ends - rows.starts
    longest = int(lengths.argmax())
    if lengths[longest] > LINE_LIMIT:
        raise SubmissionError(_too_long(f"Row {longest + 1}", filename, int(lengths[longest])))


def _too_long(what: str, filename: str, length: int) -> str:
    return (f"{what} of {filename} is {length:,} characters long; a line may have at most {LINE_LIMIT:,}. "
            "Write one line per id, as in sample_submission.csv.")
