"""What a command lists or reports, printed one way: ``--format table|csv|json`` (``--json`` for short).

Every command that lists or reports takes :func:`output_options`, builds a :class:`Report` and
calls ``output.emit(report)``. The rules are the same for every command:

- **json**: one object, never a bare list. ``rows`` holds the records, one object each, with the
  same keys whatever the table shows; the other keys describe the whole report (``competition``,
  ``course``, ``can_grade``...). Keys are snake_case; a missing value is ``null``; a time is ISO 8601
  with its offset; numbers are numbers (an undefined score, NaN, is ``null``) and lists stay lists.
- **csv**: a header line of column names, then one line per record (RFC 4180, CRLF line ends). The
  columns are the table's, with raw values: an empty cell for ``null``, ``true``/``false``,
  numbers at full precision, a list's items joined by ``"; "``. A text cell that a spreadsheet
  would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR) starts with ``'``.
- **table**: for people. On a terminal it fits the terminal; when stdout is not a terminal (a pipe,
  a log, CI) nothing is cut or wrapped. Headings, notes and hints (what to run next) appear only here.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
import sys
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

import click

FORMATS = ("table", "csv", "json")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LOG_WIDTH = 80          # off a terminal: the width of text and rules (tables take what they need)
UNLIMITED = 1_000_000   # for measuring a table's natural width


@dataclass
class Column:
    """One column of a report: the CSV header ``name``, and the table's ``header`` (default: the name).

    ``value`` is a function of the record (default: the record's ``name`` key); ``text`` is how the
    table shows a record (default: the value, ``-`` for null). ``table``/``csv`` say where it appears.
    """

    name: str
    value: Callable[[dict], Any] | None = None
    header: str | None = None
    text: Callable[[dict], str] | None = None
    justify: str = "left"
    table: bool = True
    csv: bool = True

    def raw(self, record: dict) -> Any:
        return _finite(self.value(record) if self.value is not None else record.get(self.name))

    def shown(self, record: dict) -> str:
        if self.text is not None:
            return self.text(record)
        value = self.raw(record)
        if value is None:
            return "-"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, (list, tuple)):
            return ", ".join(map(str, value))
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)


@dataclass
class Report:
    """Records (``rows``), their ``columns``, and what describes the whole report (``about``).

    ``heading`` (a line above the table), ``notes`` (lines below it) and ``empty`` (the line shown
    instead of an empty table) are for people: the table format alone prints them.
    """

    rows: list[dict]
    columns: list[Column]
    about: dict = field(default_factory=dict)
    heading: str | None = None
    notes: list[str] = field(default_factory=list)
    empty: str | None = None
    total: dict | None = None  # the table's footer row (for example column sums)


def to_json(report: Report) -> str:
    return json.dumps(_finite({**report.about, "rows": report.rows}), indent=2, default=_json_default,
                      ensure_ascii=False, allow_nan=False)


def _finite(value):
    """``value`` with NaN and infinities as None: JSON has no NaN, and a spreadsheet should not see one."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def _json_default(value):
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def csv_safe(text: str) -> str:
    """A text cell that a spreadsheet will not run as a formula (OWASP: prefix it with a quote)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return csv_safe("; ".join(str(item) for item in value))
    if isinstance(value, dict):
        return csv_safe(json.dumps(value, ensure_ascii=False))
    return csv_safe(str(value))


def to_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180; also makes the writer quote a lone \r
    columns = [c for c in report.columns if c.csv]
    writer.writerow([c.name for c in columns])
    for record in report.rows:
        writer.writerow([csv_cell(c.raw(record)) for c in columns])
    return out.getvalue()


def printable(text: str) -> str:
    """No control characters in a terminal table: a team name cannot move the cursor or clear the screen."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def make_console(*, stderr: bool = False):
    """A rich console for stdout (or stderr): the terminal's width there, else tables never cut or wrapped."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    if stream.isatty():
        return Console(stderr=stderr, highlight=False)
    return _plain_console_class()(stderr=stderr, width=LOG_WIDTH, soft_wrap=True, highlight=False)


@functools.cache
def _plain_console_class():
    from rich.console import Console
    from rich.measure import Measurement
    from rich.table import Table

    class PlainConsole(Console):
        """Off a terminal: text is never wrapped, and a table is printed at its natural width."""

        def print(self, *objects, **kwargs):
            tables = [o for o in objects if isinstance(o, Table)]
            if not tables:
                return super().print(*objects, **kwargs)
            wide = self.options.update_width(UNLIMITED)
            natural = max(Measurement.get(self, wide, table).maximum for table in tables)
            saved = self.width
            self.width = max(saved, natural)
            try:
                return super().print(*objects, **kwargs)
            finally:
                self.width = saved

    return PlainConsole


def rich_table(report: Report):
    """The report's records as a rich table (cells are plain text: a ``[red]`` in a name is not markup)."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE, show_edge=False, pad_edge=False, header_style="bold",
                  show_footer=report.total is not None, footer_style="bold")
    columns = [c for c in report.columns if c.table]
    for column in columns:
        footer = "" if report.total is None else Text(printable(column.shown(report.total)))
        table.add_column(column.header or column.name, justify=column.justify, footer=footer)
    for record in report.rows:
        table.add_row(*(Text(printable(c.shown(record))) for c in columns))
    return table


def print_table(report: Report) -> None:
    console = make_console()
    with console.capture() as captured:
        if not report.rows and report.empty is not None:
            _print_lines(console, report.empty)
        else:
            _print_lines(console, report.heading or "")
            console.print(rich_table(report))
            _print_lines(console, "\n".join(report.notes))
    text = captured.get()
    click.echo("\n".join(line.rstrip() for line in text.splitlines()))


def _print_lines(console, text: str) -> None:
    for line in text.splitlines():
        console.print(printable(line), markup=False)


@dataclass(frozen=True)
class Output:
    """The format a command prints its report in (from :func:`output_options`)."""

    format: str = "table"

    @property
    def is_json(self) -> bool:
        return self.format == "json"

    def emit(self, report: Report) -> None:
        if self.format == "json":
            click.echo(to_json(report))
        elif self.format == "csv":
            click.echo(to_csv(report), nl=False)
        else:
            print_table(report)


def output_options(command: Callable) -> Callable:
    """Give a click command ``--format table|csv|json`` and ``--json``; it receives ``output: Output``."""

    @functools.wraps(command)
    def wrapper(*args, output_format: str | None, as_json: bool, **kwargs):
        if as_json and output_format not in (None, "json"):
            raise click.UsageError(f"--json means --format json; it cannot go with --format {output_format}. "
                                   "Give one of them.")
        return command(*args, output=Output("json" if as_json else output_format or "table"), **kwargs)

    wrapper = click.option("--json", "as_json", is_flag=True, help="Short for --format json.")(wrapper)
    return click.option("--format", "output_format", type=click.Choice(FORMATS),
                        help="table (for people, the default), csv or json (for scripts).")(wrapper)

