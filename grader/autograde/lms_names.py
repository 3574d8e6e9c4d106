"""The names Canvas and Moodle give hand-ins in their downloads, and the roster student each one names.

**Canvas** ("Download Submissions", ``ContentZipper`` in canvas-lms) writes one flat file per uploaded file::

    <name>[_LATE]_<canvas user id>_<file id>_<the student's own file name>
    smithjane_12345_67890_01-preprocessing.ipynb
    leekim_LATE_22345_67891_01-preprocessing-1.ipynb

``<name>`` is the student's *sortable* name ("Smith, Jane") lower-cased with everything but letters,
digits and ``_`` removed; older Canvas wrote ``late`` in lower case. ``<file id>`` is the id of the
uploaded file, which grows with every upload. Canvas renames a file whose name the student already
used to ``name-1.ipynb``, ``name-2.ipynb`` ... (then ``name-<uuid>``): a resubmission. Text entries and
website URLs arrive as ``<name>_<user id>_text.html`` / ``_link.html``; with anonymous grading the
name and user id are replaced by ``anon_<anonymous id>``, which names nobody.

**Moodle** ("Download all submissions", ``mod_assign\\downloader``) writes one folder per student and
submission plugin, ``<Full Name>_<participant number>_assignsubmission_file`` (``..._file_`` before
Moodle 4.1) holding the student's files with their own names, and
``..._assignsubmission_onlinetext/onlinetext.html`` for online text. With "download as folders" off
it writes flat files ``<Full Name>_<number>_assignsubmission_file_<file name>``. The number is the
participant number of that assignment (``assign_user_mapping``), not the Moodle user id, so a Moodle
hand-in is matched by the full name. With blind marking the name is "Participant".

A file is matched to a student of the roster (the store's ``students``: id, name, lms_id) by
:class:`Roster`; the assignment comes from ``--assignment``, nbgrader's folder, or the assignment
name inside the student's own file name (:func:`assignment_in_name`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

CANVAS_ANONYMOUS = re.compile(r"^(?:(?i:late)_)?anon_(?P<anon>[A-Za-z0-9]+)_(?P<file_id>\d+)_(?P<own>.+)$")
CANVAS_FILE = re.compile(r"^(?P<login>.+?)(?P<late>_(?i:late))?_(?P<user>\d+)_(?P<file_id>\d+)_(?P<own>.+)$")
CANVAS_ENTRY = re.compile(r"^(?P<login>.+?)(?:_(?i:late))?_(?P<user>\d+)_(?P<kind>text|link)\.html$")
MOODLE_FOLDER = re.compile(r"^(?P<name>.+?)(?:_(?P<number>\d+))?_assignsubmission_(?P<plugin>[a-z0-9]+)_?$")
MOODLE_FLAT = re.compile(r"^(?P<name>.+?)(?:_(?P<number>\d+))?_assignsubmission_(?P<plugin>[a-z0-9]+)_(?P<own>.+)$")
RESUBMISSION = re.compile(r"^(?P<base>.+?)(?:-(?P<number>\d{1,3})|-[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}"
                          r"| \((?P<copy>\d{1,3})\))$")
UUID_RESUBMISSION = 8  # Canvas numbers -1 ... -7, then gives up and appends a uuid
BLIND_MARKING_NAMES = {"participant"}

CANVAS_ENTRY_KINDS = {"text": "a Canvas text entry", "link": "a Canvas website URL"}


@dataclass(frozen=True)
class LmsName:
    """What a file's path says about its hand-in (``layout``: nbgrader, canvas, moodle or plain)."""

    layout: str
    own_name: str  # the file name the student chose
    folder_student: str | None = None  # nbgrader's STUDENT/ASSIGNMENT/ folders
    folder_assignment: str | None = None
    login: str | None = None  # Canvas: the squashed sortable name; plain: the text before the first '_'
    canvas_user: str | None = None
    full_name: str | None = None  # Moodle
    participant: str | None = None  # Moodle
    late: bool = False  # Canvas marked the hand-in late
    file_id: int = 0  # Canvas's id of the uploaded file: a later upload has a higher one
    ignore: str | None = None  # why the file is not a hand-in at all (online text ...)
    unmatched: str | None = None  # why no student can be named (anonymous grading ...)

    @property
    def resubmission(self) -> int:
        """The resubmission number in the student's file name (``-1``, `` (2)``): 0 for none."""
        match = RESUBMISSION.match(_stem(self.own_name))
        if match is None:
            return 0
        number = match.group("number") or match.group("copy")
        return int(number) if number else UUID_RESUBMISSION


def parse(parts: tuple[str, ...], assignments: list[str]) -> LmsName:
    """What the path ``parts`` (relative to the download) says, for the released ``assignments``."""
    for index, part in enumerate(parts[:-1]):
        folder = MOODLE_FOLDER.match(part)
        if folder:
            return _moodle(folder, "/".join(parts[index + 1:]))
    base = parts[-1]
    if len(parts) >= 3 and parts[-2] in assignments:
        return LmsName("nbgrader", base, folder_student=parts[-3], folder_assignment=parts[-2])
    anonymous = CANVAS_ANONYMOUS.match(base)
    if anonymous:
        return LmsName("canvas", anonymous["own"], file_id=int(anonymous["file_id"]),
                       unmatched=f"Canvas's anonymous grading hides who handed it in (anon_{anonymous['anon']}): "
                                 "post the grades or turn anonymous grading off, then download again")
    canvas = CANVAS_FILE.match(base)
    if canvas:
        return LmsName("canvas", canvas["own"], login=canvas["login"], canvas_user=canvas["user"],
                       late=canvas["late"] is not None, file_id=int(canvas["file_id"]))
    entry = CANVAS_ENTRY.match(base)
    if entry:
        return LmsName("canvas", base, login=entry["login"], canvas_user=entry["user"],
                       ignore=f"{CANVAS_ENTRY_KINDS[entry['kind']]}, not an uploaded file")
    flat = MOODLE_FLAT.match(base)
    if flat:
        return _moodle(flat, flat["own"])
    login = base.split("_", 1)[0] if "_" in base else None
    return LmsName("plain", base, login=login)


def _moodle(match: re.Match, own_name: str) -> LmsName:
    plugin = match["plugin"]
    ignore = None if plugin == "file" else f"Moodle's {plugin} submission, not an uploaded file"
    return LmsName("moodle", own_name, full_name=match["name"].replace("_", " "), participant=match["number"],
                   ignore=ignore)


def _stem(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    return base[: -len(".ipynb")] if base.lower().endswith(".ipynb") else base


def words_key(text: str) -> str:
    """``text`` compared loosely: any case, and ``-``, ``_``, ``.`` or spaces between its words alike."""
    return re.sub(r"[\s_.-]+", "-", text.casefold())


def assignment_in_name(name: str, assignments: list[str]) -> tuple[str | None, str | None]:
    """``(assignment, None)`` for the one released assignment whose name is in ``name`` (any case, with
    ``-``, ``_``, ``.`` or spaces between its words); ``(None, why)`` when none or several are."""
    text = words_key(_stem(name))
    found = [a for a in assignments if words_key(a) in text]
    found = [a for a in found if not any(a != b and words_key(a) in words_key(b) for b in found)]
    if len(found) == 1:
        return found[0], None
    if found:
        return None, f"its name contains the assignments {' and '.join(sorted(found))}; give --assignment NAME"
    return None, (f"no assignment found: the file name {name!r} does not contain the name of a released assignment "
                  f"({', '.join(assignments)}); for a download of one assignment give --assignment NAME")


# ---------------------------------------------------------------- who a name names


def _words(name: str) -> list[str]:
    text = unicodedata.normalize("NFKC", name).casefold().replace("_", " ")
    return re.sub(r"[^\w\s]", " ", text).split()


def squashed(text: str) -> str:
    """A name as Canvas puts it in a file name: lower case, nothing but letters, digits and ``_``."""
    return re.sub(r"\W", "", unicodedata.normalize("NFKC", text).lower())


def canvas_names(name: str) -> set[str]:
    """The ways Canvas may write a roster name in a download: its sortable form ("Smith, Jane" →
    ``smithjane``) and the name as written (``janesmith``)."""
    words = name.replace(",", " , ").split()
    forms = {squashed(name)}
    if "," not in words and len(words) > 1:
        forms.add(squashed(words[-1] + "".join(words[:-1])))
    return {form for form in forms if form}


@dataclass(frozen=True)
class Match:
    student: str | None
    how: str  # how the student was found, or why none was


class Roster:
    """The class list as collect reads it: ``(id, name, lms_id)`` rows from the store."""

    def __init__(self, students: list[tuple[str, str | None, str | None]]):
        self.ids = {student for student, _name, _lms in students}
        self._folded: dict[str, set[str]] = {}
        self._lms: dict[str, set[str]] = {}
        self._words: dict[tuple[str, ...], set[str]] = {}
        self._sorted_words: dict[tuple[str, ...], set[str]] = {}
        self._canvas: dict[str, set[str]] = {}
        for student, name, lms_id in students:
            self._folded.setdefault(student.casefold(), set()).add(student)
            if lms_id:
                self._lms.setdefault(lms_id.strip(), set()).add(student)
            if name:
                self._words.setdefault(tuple(_words(name)), set()).add(student)
                self._sorted_words.setdefault(tuple(sorted(_words(name))), set()).add(student)
                for form in canvas_names(name):
                    self._canvas.setdefault(form, set()).add(student)

    def canvas(self, name: LmsName) -> Match:
        return (self._one(self._lms.get(name.canvas_user or ""), f"Canvas user id {name.canvas_user}")
                or self._one(self._folded.get((name.login or "").casefold()), "student id")
                or self._one(self._canvas.get(squashed(name.login or "")), "name")
                or self._none(f"Canvas user {name.canvas_user} ({name.login}) is not in the roster: add the Canvas "
                              "user ids as the roster's lms_id column ('grader roster import FILE.csv')"))

    def moodle(self, name: LmsName) -> Match:
        words = _words(name.full_name or "")
        if " ".join(words) in BLIND_MARKING_NAMES:
            return Match(None, f"Moodle's blind marking hides who handed it in (Participant {name.participant}): "
                               "reveal student identities in the assignment, then download again")
        return (self._one(self._words.get(tuple(words)), "name")
                or self._one(self._sorted_words.get(tuple(sorted(words))), "name")
                or self._one(self._folded.get((name.full_name or "").casefold()), "student id")
                or self._none(f"{name.full_name!r} is not a name in the roster " + (
                    f"(Moodle's number {name.participant} is a participant number, not a user id, so the full name "
                    "must match the roster's name column)" if name.participant else
                    "(a Moodle team hand-in names its group; collect it as STUDENT/ASSIGNMENT/ folders)")))

    def plain(self, name: LmsName) -> Match:
        return (self._one(self._folded.get((name.login or "").casefold()), "student id")
                or self._none(f"{name.own_name!r} is neither a Canvas or Moodle download name nor laid out as "
                              "STUDENT/ASSIGNMENT/notebook.ipynb, and no known student id comes before its first '_'"))

    def _one(self, students: set[str] | None, how: str) -> Match | None:
        if not students:
            return None
        if len(students) > 1:
            return Match(None, f"the {how} matches several students ({', '.join(sorted(students))}): give them "
                               "distinct lms_id values in the roster")
        return Match(next(iter(students)), f"by {how}")

    def _none(self, why: str) -> Match:
        if not self.ids:
            why = ("the roster is empty: import the class list (with the LMS's user ids as lms_id) with "
                   "'grader roster import FILE.csv'")
        return Match(None, f"no student found: {why}")
