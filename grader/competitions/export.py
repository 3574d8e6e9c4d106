"""Leaderboard rows as a text table, CSV (safe to open in a spreadsheet) or JSON."""

from __future__ import annotations

import csv
import io
import json

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = ("rank", "delta", "team", "members", "score", "entries", "last_submission_at", "benchmark", "submission_id")


def csv_safe(text: str) -> str:
    """A text cell that a spreadsheet will not run as a formula (OWASP: prefix with a quote)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _cells(row) -> dict:
    return {"rank": row.rank, "delta": row.delta, "team": row.team, "members": list(row.members),
            "score": row.score, "entries": row.entries, "last_submission_at": row.last_submission_at.isoformat(),
            "benchmark": row.is_benchmark, "submission_id": row.submission_id}


def to_json(rows, *, competition: str, metric: str, private: bool) -> str:
    return json.dumps({"competition": competition, "metric": metric, "board": "private" if private else "public",
                       "rows": [_cells(row) for row in rows]}, indent=2)


def to_csv(rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180; also makes the writer quote a lone \r
    writer.writerow(COLUMNS)
    for row in rows:
        cells = _cells(row)
        writer.writerow([
            "" if cells["rank"] is None else cells["rank"],
            "" if cells["delta"] is None else cells["delta"],
            csv_safe(row.team),
            csv_safe(" ".join(row.members)),
            _number(row.score),
            row.entries,
            cells["last_submission_at"],
            "yes" if row.is_benchmark else "",
            row.submission_id,
        ])
    return out.getvalue()


def _number(score) -> str:
    return "" if score is None else repr(float(score))


def to_table(rows, *, private: bool) -> str:
    header = ["#", "Δ", "team", "members", "score", "entries", "last"] if private else \
        ["#", "team", "members", "score", "entries", "last"]
    lines = []
    for row in rows:
        rank = "-" if row.rank is None else str(row.rank)
        team = row.team + (" [benchmark]" if row.is_benchmark else "")
        cells = [rank]
        if private:
            cells.append("" if row.delta is None else (f"+{row.delta}" if row.delta > 0 else str(row.delta)))
        cells += [_printable(team), _printable(", ".join(row.members)), f"{row.score:.5f}" if row.score is not None
                  else "-", str(row.entries), row.last_submission_at.strftime("%Y-%m-%d %H:%M")]
        lines.append(cells)
    widths = [max(len(h), *(len(c[i]) for c in lines)) if lines else len(h) for i, h in enumerate(header)]
    render = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return "\n".join([render(header), *(render(c) for c in lines)])


def _printable(text: str) -> str:
    """No control characters in a terminal table (a team name cannot move the cursor)."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)
