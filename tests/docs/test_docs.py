"""The documents people read: every `grader` command they show exists, and every link between them resolves.

The checker itself (``doc_checks``) is tested first on small documents that are wrong on purpose,
so a checker that finds nothing cannot pass for one that finds no problem.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from doc_checks import anchors, check_command, command_problems, commands_in, link_problems, links_in, slug

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def name(path: Path) -> str:
    return str(path.relative_to(ROOT))


# ---------------------------------------------------------------- the checker, on documents wrong on purpose

BAD_COMMANDS = """\
# Bad

Run `grader fly` to fly, or `grader submit digits sub.csv --nope`.

```sh
grader team add T --member s1 --membr s2 --competition c
cd course && .venv/bin/grader score --cluster tcp://x:8786 --fast
GRADER_DEBUG=1 grader roster export class.csv
grader --curse DIR score
```

    Error: nothing here. Run 'grader relase 01-preprocessing' first.
"""

GOOD_COMMANDS = """\
# Good

`grader submit COMPETITION FILE -m "what you changed" --team T`, `grader --help`, `grader COMMAND --help`,
`grader leaderboard digits --format table|csv|json`, and `grader` alone.

```sh
grader --course cnn-2026 score 03-convolution --json   # a comment with 'grader fly' in it is a comment
grader team add "Kernel Panic" --member s01 --member s02 --competition digit-recognizer
grader site && grader leaderboard digits --private | head -3
grader serve [--host H] [--port P] [--workers N | --cluster tcp://host:8786]
make demo --nope; pip install --nope jupyterlab; dask worker --nope
sudo -u postgres createuser --pwprompt grader
```

```python
grader = load("grader fly")   # Python is not a shell
```

The file `grader.toml` and the folder `grader/` are not commands.
"""


def test_the_checker_finds_a_missing_command_an_unknown_option_and_each_bad_line():
    problems = command_problems(BAD_COMMANDS, where="bad.md")
    text = "\n".join(problems)
    assert len(problems) == 7, text
    assert "bad.md:3: `grader fly`: grader has no command 'fly'" in text
    assert "grader submit has no option --nope" in text
    assert "grader team add has no option --membr" in text
    assert "grader score has no option --fast" in text
    assert "grader roster has no command 'export'" in text
    assert "grader has no option --curse" in text
    assert "bad.md:12:" in text and "grader has no command 'relase'" in text  # a command quoted in a message


def test_the_checker_accepts_real_commands_placeholders_and_other_tools():
    assert command_problems(GOOD_COMMANDS, where="good.md") == []


def test_commands_are_read_as_a_shell_reads_them():
    assert commands_in('a && grader site --out x # grader fly') == [["site", "--out", "x"]]
    assert commands_in("GRADER_DEBUG=1 .venv/bin/grader score 2>&1 | tee log") == [["score"]]
    assert commands_in("sudo -u postgres createdb --owner grader cnn2026") == []
    assert commands_in("Error: refused. Run 'grader release 99-foo' first.") == [["release", "99-foo"]]
    assert commands_in('grader submit c f -m "two words"') == [["submit", "c", "f", "-m", "two words"]]


def test_an_option_value_is_not_taken_for_an_option():
    from grader.cli import main

    assert check_command(["submit", "c", "f", "-m", "--nope is my message", "--team", "T"], main) is None
    assert check_command(["submit", "c", "f", "--team", "T", "--nope"], main) is not None
    assert check_command(["score", "--workers=2", "--no-sandbox"], main) is None


def test_checking_leaves_the_apps_help_as_it_was():
    """click keeps a command's help option once it is first asked for; checking first must not spoil it."""
    import subprocess
    import sys

    script = ("from doc_checks import command_problems\n"
              "from click.testing import CliRunner\n"
              "from grader.cli import main\n"
              "command_problems('`grader team add T --member s1 --competition c` `grader fly`')\n"
              "print(CliRunner().invoke(main, ['--help']).output)\n"
              "print(CliRunner().invoke(main, ['team', 'add', '--help']).output)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).parent, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("-h, --help") == 2, done.stdout


def test_the_checker_finds_broken_links_and_anchors(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "b.md").write_text("# B\n\n## The `grader serve` command\n\n## Korean terms\n\n## Korean terms\n")
    (tmp_path / "data.csv").write_text("x\n")
    a = tmp_path / "docs" / "a.md"
    a.write_text(
        "# A\n\n## Here\n\n"
        "[ok](b.md) [ok](b.md#the-grader-serve-command) [ok](#here) [ok](../data.csv) [ok](b.md#korean-terms-1)\n"
        "[web](https://example.org/nowhere.md) [mail](mailto:a@example.org)\n"
        "[gone](missing.md) [no heading](b.md#nope) ![no picture](screenshots/x.png)\n"
        '<img src="screenshots/y.png" alt="y"> [self](#not-here) [out](../../../etc/passwd)\n'
        "`[in code](missing-too.md)`\n\n```\n[in a block](missing-three.md)\n```\n")
    problems = link_problems(a, tmp_path)
    text = "\n".join(problems)
    assert len(problems) == 6, text
    for broken in ("missing.md", "b.md#nope", "screenshots/x.png", "screenshots/y.png", "#not-here",
                   "../../../etc/passwd"):
        assert broken in text
    assert "missing-too" not in text and "missing-three" not in text


def test_anchors_are_githubs():
    assert slug("The `grader serve` command") == "the-grader-serve-command"
    assert slug("Speed: load each submission once!") == "speed-load-each-submission-once"
    assert slug("한국어 용어 (Korean terms)") == "한국어-용어-korean-terms"
    assert anchors("# A\n## B\n## B\n```\n# not a heading\n```\n") == {"a", "b", "b-1"}
    assert [link.text for link in links_in("[x](a.md) `[y](b.md)` ![z](c.png)")] == ["a.md", "c.png"]


# ---------------------------------------------------------------- the documents


@pytest.mark.parametrize("doc", DOCS, ids=name)
def test_every_grader_command_a_document_shows_exists(doc):
    problems = command_problems(doc.read_text(encoding="utf-8"), where=name(doc))
    assert not problems, "Commands or options that the grader command does not have:\n" + "\n".join(problems)


@pytest.mark.parametrize("doc", DOCS, ids=name)
def test_every_link_of_a_document_resolves(doc):
    problems = link_problems(doc, ROOT)
    assert not problems, "Links that lead nowhere:\n" + "\n".join(problems)


def test_the_readme_links_every_document():
    linked = {link.text.partition("#")[0] for link in links_in((ROOT / "README.md").read_text(encoding="utf-8"))}
    missing = [name(doc) for doc in DOCS[1:] if name(doc) not in linked]
    assert not missing, f"README.md does not link {', '.join(missing)}"


def test_the_readmes_glossary_is_the_glossarys_first_table():
    """The README shows the glossary's terms; a copy that drifted from docs/glossary.md would mislead."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]

    def first_table(text: str) -> list[str]:
        lines = text.splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("| term (English)"))
        table = []
        for line in lines[start:]:
            if not line.startswith("|"):
                break
            table.append(" ".join(line.split()))
        return table

    readme = (root / "README.md").read_text(encoding="utf-8")
    glossary = (root / "docs" / "glossary.md").read_text(encoding="utf-8")
    readme_table, glossary_table = first_table(readme), first_table(glossary)
    assert len(glossary_table) > 10
    def three_cells(table):  # term, lecture's word, common word (the README leaves out "where it appears")
        return [[cell.strip() for cell in row.strip("|").split("|")][:3] for row in table]

    assert three_cells(readme_table) == three_cells(glossary_table)
