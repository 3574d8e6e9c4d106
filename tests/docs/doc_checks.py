"""Checks of the Markdown documents: the ``grader`` commands they show, and the links between them.

    problems = command_problems(markdown_text)        # ["grader fly: no command 'fly' ...", ...]
    problems = link_problems(path_of_a_markdown_file, repo_root)

A command is found where a reader would copy it from: a line of a shell-like fenced
block (``sh``, ``bash``, ``console``, ``text`` or none) or an inline code span, whose
first word (after ``$`` and ``NAME=value`` assignments) is ``grader`` or a path ending in
``/grader``; a quoted ``'grader ...'`` inside such a line (an error message that tells the
user what to run) is a command too. Each is walked through the click app
(:data:`grader.cli.main`): every command and subcommand must exist, and every option
must be one of that command's. Arguments are not checked (docs show placeholders such
as ``COMPETITION``); a word in a subcommand's place that is not a lower-case name
(``COMMAND``, ``...``) ends the check of that command. Other tools (``make``, ``pip``,
``dask``, ``nbgrader``, ``caddy``) are not checked.

Links: ``[text](target)``, ``![alt](target)`` and HTML ``href``/``src`` outside code.
A relative target must be a file or folder of the repository; ``#anchor`` must be a
heading of the target document, as GitHub makes anchors.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import click

SHELL_LANGUAGES = {"", "sh", "bash", "shell", "console", "text", "sh-session"}
SEPARATORS = {"&&", "||", ";", "|", "&"}
REDIRECTIONS = re.compile(r"^(\d?>>?|<|\d?>&\d)")
ENV_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
COMMAND_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
QUOTED_COMMAND = re.compile(r"""(['"])((?:[\w./-]*/)?grader\s[^'"]*)\1""")
QUOTED_START = re.compile(r"^(?:[\w./-]*/)?grader\s")
FENCE = re.compile(r"^\s*(```+|~~~+)\s*([\w+-]*)")
INLINE_CODE = re.compile(r"(`+)(.+?)\1")
MD_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HTML_LINK = re.compile(r"""\b(?:href|src)\s*=\s*["']([^"']+)["']""")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


@dataclass(frozen=True)
class Snippet:
    """A piece of a document that may hold commands: a code block's line or an inline code span."""

    line: int  # 1-based line of the document
    text: str


# ---------------------------------------------------------------- reading Markdown


def split_markdown(text: str) -> tuple[list[Snippet], list[Snippet], list[Snippet]]:
    """(shell lines of fenced blocks, inline code spans, prose lines with inline code blanked out)."""
    shell, inline, prose = [], [], []
    fence, language, pending = None, "", ""
    for number, line in enumerate(text.splitlines(), start=1):
        opened = FENCE.match(line)
        if fence is None and opened:
            fence, language = opened.group(1), opened.group(2).lower()
            continue
        if fence is not None:
            if line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(fence[0]):
                fence = None
                continue
            if language in SHELL_LANGUAGES:
                if line.rstrip().endswith("\\"):  # a continued shell line
                    pending += line.rstrip()[:-1] + " "
                    continue
                shell.append(Snippet(number, pending + line))
                pending = ""
            continue
        if line.startswith("    ") and not line.strip().startswith(("-", "*", "|")) and not prose_context(prose):
            shell.append(Snippet(number, line))  # an indented code block
            continue
        for match in INLINE_CODE.finditer(line):
            inline.append(Snippet(number, match.group(2).strip()))
        prose.append(Snippet(number, INLINE_CODE.sub(lambda m: " " * len(m.group(0)), line)))
    return shell, inline, prose


def prose_context(prose: list[Snippet]) -> bool:
    """Is the previous line a paragraph's (so an indented line continues it, as in a list item)?"""
    return bool(prose) and bool(prose[-1].text.strip())


# ---------------------------------------------------------------- commands


def words(text: str) -> tuple[list[str], bool]:
    """Shell words of ``text`` (quotes honoured, ``#`` comments dropped), and whether the quoting was whole.

    Unbalanced quotes (an apostrophe in prose) give plain words instead, and False.
    """
    text = text.strip()
    if text.startswith("$ "):
        text = text[2:]
    try:
        lexer = shlex.shlex(text, posix=True, punctuation_chars=";&")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        return list(lexer), True
    except ValueError:
        return (text.split(" #", 1)[0] if text.startswith("grader") else text).split(), False


def commands_in(text: str) -> list[list[str]]:
    """Each ``grader`` command line of ``text`` as its words after ``grader`` (quoted ones too)."""
    found: list[list[str]] = []
    segment: list[str] = []
    listed, whole = words(text)
    if whole:  # "run 'grader release NAME'" in a message: a quoted word that is a command
        quoted = [word for word in listed if " " in word and QUOTED_START.match(word)]
    else:
        quoted = [match.group(2) for match in QUOTED_COMMAND.finditer(text)]
    listed.append(";")
    for index, word in enumerate(listed):
        following = listed[index + 1] if index + 1 < len(listed) else ""
        if word == "|" and following.lstrip("[").startswith("-"):
            continue  # a usage line's alternatives: "--workers N | --cluster ADDRESS"
        if word in SEPARATORS or set(word) <= set(";&|"):
            found += _command_of(segment)
            segment = []
            continue
        segment.append(word)
    for command in quoted:
        found += commands_in(command)
    return found


def _command_of(segment: list[str]) -> list[list[str]]:
    rest = list(segment)
    while rest and ENV_ASSIGNMENT.match(rest[0]):
        rest.pop(0)
    if not rest or not (rest[0] == "grader" or rest[0].endswith("/grader")):
        return []
    out = []
    for word in rest[1:]:
        if REDIRECTIONS.match(word) and not word.startswith("<") or word == "<":
            break
        out.append(word)
    return [out]


def _params(command: click.Command, ctx: click.Context) -> dict[str, click.Parameter]:
    options = {}
    for param in command.get_params(ctx):
        if isinstance(param, click.Option):
            for name in (*param.opts, *param.secondary_opts):
                options[name] = param
    return options


def check_command(argv: list[str], app: click.Group) -> str | None:
    """Why ``grader`` + ``argv`` (as a doc shows it) names no real command or option; None when it does."""
    # Contexts made as click makes them (with each command's context_settings): click caches a command's
    # help option on first use, so a context without them would change what `grader --help` prints.
    ctx = click.Context(app, info_name="grader", **app.context_settings)
    command: click.Command = app
    path = ["grader"]
    queue = [w.strip("[]") for w in argv]
    queue = [w for w in queue if w and w not in ("|", "…", "...")]
    while queue:
        word = queue.pop(0)
        if word.startswith("-") and len(word) > 1 and not re.match(r"^-\d", word):
            name = word.split("=", 1)[0]
            options = _params(command, ctx)
            param = options.get(name)
            if param is None:
                known = ", ".join(sorted(n for n in options if n.startswith("--")))
                return f"{' '.join(path)} has no option {name} (it has: {known})"
            if not (param.is_flag or param.count) and "=" not in word and queue:
                queue.pop(0)  # the option's value
            continue
        if isinstance(command, click.Group):
            if not COMMAND_NAME.match(word):
                return None  # a placeholder (COMMAND, ...): nothing more to check
            sub = command.get_command(ctx, word)
            if sub is None:
                return f"{' '.join(path)} has no command '{word}' (it has: {', '.join(command.list_commands(ctx))})"
            ctx = click.Context(sub, info_name=word, parent=ctx, **sub.context_settings)
            command = sub
            path.append(word)
            continue
        # an argument of a command: docs show placeholders; not checked
    return None


def command_problems(text: str, app: click.Group | None = None, *, where: str = "") -> list[str]:
    """Every ``grader`` command of a Markdown text that names a missing command or option."""
    if app is None:
        from grader.cli import main as app
    shell, inline, _prose = split_markdown(text)
    problems = []
    for snippet in shell + inline:
        for argv in commands_in(snippet.text):
            why = check_command(argv, app)
            if why:
                problems.append(f"{where}:{snippet.line}: `grader {' '.join(argv)}`: {why}")
    return problems


# ---------------------------------------------------------------- links


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: Markdown marks dropped, lower case, punctuation removed, spaces to '-'."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading keeps its text
    text = re.sub(r"<[^>]+>", "", text).replace("`", "").replace("*", "")
    text = re.sub(r"(?<!\w)_+|_+(?!\w)", "", text)
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def anchors(text: str) -> set[str]:
    """The anchors of a Markdown text's headings (a repeated heading gets -1, -2 ...)."""
    seen: dict[str, int] = {}
    out = set()
    in_fence = None
    for line in text.splitlines():
        opened = FENCE.match(line)
        if opened and (in_fence is None or opened.group(1)[0] == in_fence):
            in_fence = None if in_fence else opened.group(1)[0]
            continue
        match = HEADING.match(line) if in_fence is None else None
        if not match:
            continue
        base = slug(match.group(2))
        count = seen.get(base, 0)
        out.add(base if count == 0 else f"{base}-{count}")
        seen[base] = count + 1
    return out


def links_in(text: str) -> list[Snippet]:
    """Every link target outside code: Markdown links and images, HTML href/src."""
    _shell, _inline, prose = split_markdown(text)
    found = []
    for snippet in prose:
        for pattern in (MD_LINK, HTML_LINK):
            for match in pattern.finditer(snippet.text):
                found.append(Snippet(snippet.line, match.group(1)))
    return found


def link_problems(path: Path, root: Path) -> list[str]:
    """Every relative link of the Markdown file ``path`` that leads nowhere in the repository at ``root``."""
    text = path.read_text(encoding="utf-8")
    problems = []
    root = root.resolve()
    for link in links_in(text):
        target = link.text
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # https:, mailto:, data: ...
            continue
        file_part, _, anchor = target.partition("#")
        where = f"{path.relative_to(root) if path.is_relative_to(root) else path}:{link.line}"
        resolved = (path.parent / file_part).resolve() if file_part else path.resolve()
        if not resolved.is_relative_to(root):
            problems.append(f"{where}: {target} leaves the repository")
            continue
        if not resolved.exists():
            problems.append(f"{where}: {target}: no file {resolved.relative_to(root)}")
            continue
        if anchor:
            if resolved.suffix != ".md" or not resolved.is_file():
                problems.append(f"{where}: {target}: an anchor into something that is not a Markdown file")
            elif anchor not in anchors(resolved.read_text(encoding="utf-8")):
                problems.append(f"{where}: {target}: {resolved.relative_to(root)} has no heading '#{anchor}'")
    return problems
