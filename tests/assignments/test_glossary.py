"""The notebooks speak the lecture's Korean: every term in docs/glossary.md, checked everywhere.

For each term of the glossary's first table, every notebook (its markdown cells) and every
starter kit page that names the term in English gives, in the first cell (or page) that names it,
the lecture's word, followed by the common word where the two differ. The table's "where it
appears" column lists exactly the notebooks and kits that name it, so the glossary cannot drift
from the notebooks. No word of the second table ("not used") appears in any assignment file or
kit page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pytest

from grader.assignments_source import ASSIGNMENTS_DIR, build_notebook, shipped_assignments

ROOT = ASSIGNMENTS_DIR.parent
GLOSSARY = ROOT / "docs" / "glossary.md"
KITS_DIR = ROOT / "starter_kits"
NONE = "—"


@dataclass(frozen=True)
class Term:
    english: tuple[str, ...]     # the English names: "flattening", "Flatten"
    lecture: str | None          # the lecture's word, None where it has none
    common: str
    where: frozenset[str]        # "02", "digit-recognizer", ...

    @property
    def korean(self) -> list[str]:
        """The words the first mention must give, in order."""
        if self.lecture is None:
            return [self.common]
        return [self.lecture] if self.lecture == self.common else [self.lecture, self.common]


def table_rows(text: str, header: str) -> list[list[str]]:
    """The rows of the Markdown table whose header row starts with ``| header |``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {header} |"))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def load_glossary() -> tuple[list[Term], list[str]]:
    text = GLOSSARY.read_text(encoding="utf-8")
    terms = []
    for english, lecture, common, where in table_rows(text, "term (English)"):
        terms.append(Term(tuple(name.strip() for name in english.split(" / ")), None if lecture == NONE else lecture,
                          common, frozenset(place.strip() for place in where.split(","))))
    banned = [row[0] for row in table_rows(text, "not used")]
    return terms, banned


TERMS, BANNED = load_glossary()


def pattern(name: str) -> re.Pattern:
    """A whole-word match; a lower-case name also matches with a capital first letter; plurals too."""
    first = f"[{name[0]}{name[0].upper()}]" if name[0].islower() else re.escape(name[0])
    body = re.escape(name[1:]).replace(r"\ ", r"[\s-]+").replace(r"\-", r"[\s-]?")
    return re.compile(rf"(?<![\w-]){first}{body}(?:s|es)?(?![\w-])")


PATTERNS = {term: [pattern(name) for name in term.english] for term in TERMS}
LONGEST_FIRST = sorted(TERMS, key=lambda term: -max(len(name) for name in term.english))


def prose(text: str) -> str:
    """Text without code spans, fenced code and maths, where a term in English is only a name."""
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"`[^`]*`", " ", text)
    return re.sub(r"\$[^$]*\$", " ", text)


@lru_cache(maxsize=None)
def mentions(text: str) -> frozenset[Term]:
    """The terms ``text`` names; a longer term hides the shorter ones inside it."""
    text, found = prose(text), set()
    for term in LONGEST_FIRST:
        for regex in PATTERNS[term]:
            if regex.search(text):
                found.add(term)
                text = regex.sub(lambda m: " " * len(m.group()), text)
    return frozenset(found)


def glossed(term: Term, text: str) -> bool:
    """The term's Korean words appear in ``text`` in order (the lecture's word first); line breaks are spaces."""
    text, position = re.sub(r"\s+", " ", text), 0
    for word in term.korean:
        position = text.find(word, position)
        if position < 0:
            return False
        position += len(word)
    return True


def documents() -> dict[str, list[str]]:
    """Place -> what students read there, in order: a notebook's markdown cells, or a kit's pages."""
    places = {}
    for assignment in shipped_assignments():
        notebook = build_notebook(assignment.notebook_source)
        places[assignment.name[:2]] = [cell.source for cell in notebook.cells if cell.cell_type == "markdown"
                                       and not cell.metadata["nbgrader"]["solution"]]  # not model answers
    for kit in sorted(path for path in KITS_DIR.iterdir() if path.is_dir()):
        places[kit.name] = [(kit / page).read_text(encoding="utf-8") for page in ("overview.md", "data.md",
                                                                                  "evaluation.md")
                            if (kit / page).is_file()]
    return places


DOCUMENTS = documents()


@pytest.mark.parametrize("place", sorted(DOCUMENTS))
def test_first_mention_gives_the_lectures_word(place):
    missing = []
    for term in TERMS:
        first = next((text for text in DOCUMENTS[place] if term in mentions(text)), None)
        if first is not None and not glossed(term, first):
            missing.append(f"{term.english[0]} -> {' then '.join(term.korean)} (in the cell that starts "
                           f"{first.strip()[:40]!r})")
    assert not missing, f"{place}: the first cell that names these terms lacks their Korean: {'; '.join(missing)}"


def test_where_each_term_appears_is_what_the_glossary_says():
    wrong = []
    for term in TERMS:
        places = {place for place, texts in DOCUMENTS.items() if any(term in mentions(text) for text in texts)}
        if places != term.where:
            wrong.append(f"{' / '.join(term.english)}: {', '.join(sorted(places)) or NONE}")
    assert not wrong, "docs/glossary.md's 'where it appears' should read: " + "; ".join(wrong)


def files_students_or_graders_read() -> list[Path]:
    files = [path for path in ASSIGNMENTS_DIR.rglob("*") if path.suffix in (".py", ".md", ".toml")]
    return sorted(files) + sorted(KITS_DIR.glob("*/*.md")) + sorted(KITS_DIR.glob("*/baseline.py"))


def test_no_deprecated_word_anywhere():
    found = [f"{path.relative_to(ROOT)}: {word}" for path in files_students_or_graders_read()
             for word in BANNED if word in path.read_text(encoding="utf-8")]
    assert not found, "words the glossary does not use: " + "; ".join(found)


def test_glossary_is_well_formed():
    assert len(TERMS) >= 40 and BANNED
    assert len({term.english for term in TERMS}) == len(TERMS), "a term is listed twice"
    known = set(DOCUMENTS)
    for term in TERMS:
        assert term.where <= known, f"{term.english[0]}: unknown places {sorted(term.where - known)}"
        assert not any(word in term.common for word in BANNED)


def test_matching_rules():
    """The matcher itself: whole words, plurals, a capital first letter, longer terms first, no code."""
    by_name = {term.english[0]: term for term in TERMS}
    assert by_name["max pooling"] in mentions("Max pooling keeps the largest value.")
    assert by_name["pooling"] not in mentions("Max pooling keeps the largest value.")
    assert by_name["pooling"] in mentions("pooling layers")
    assert by_name["flattening"] in mentions("then a Flatten layer")
    assert by_name["flattening"] not in mentions("we flatten the images")
    assert by_name["flattening"] not in mentions("call `Flatten()` here")
    assert by_name["learning-rate decay"] in mentions("learning rate decay")
    assert by_name["learning rate"] not in mentions("learning rate decay")
    assert by_name["channel"] in mentions("three channels")
    assert not mentions("channelled kernels_x")
    assert glossed(by_name["max pooling"], "max pooling (맥스 풀링, 최대 풀링)")
    assert not glossed(by_name["max pooling"], "max pooling (최대 풀링, 맥스 풀링)")
