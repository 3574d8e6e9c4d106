"""The one rule for student ids, wherever they come from (teams, collected notebooks, rosters).

An id names a folder (``submitted/<id>/``), appears in CSV exports and in command lines, so it is
letters, digits, ``.``, ``_``, ``@`` and ``-``, starting with a letter or digit, at most 128
characters: no spaces, no slashes, nothing a shell or a spreadsheet would read otherwise.
"""

from __future__ import annotations

import re

from grader.errors import GraderError

STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,127}")
RULE = "use letters, digits, '.', '_', '@' or '-', starting with a letter or digit (at most 128 characters)"


def is_student_id(text: str) -> bool:
    return STUDENT_ID.fullmatch(text) is not None


def check_student_id(text: str, *, source: str | None = None, error: type[GraderError] = GraderError) -> str:
    """``text`` when it is a usable student id; otherwise ``error`` says why (and where it came from)."""
    if is_student_id(text):
        return text
    where = f" (from {source})" if source else ""
    raise error(f"{text!r}{where} is not a usable student id: {RULE}.")
