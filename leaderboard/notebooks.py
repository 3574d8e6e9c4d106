"""The Code tab: the starter kit's baseline notebook and the notebooks the instructor shares.

Notebooks come from the released kit's zip (``baseline.ipynb``) and from
``competitions/<name>/code/*.ipynb``. Each gets a page (the notebook rendered to
HTML) and is copied into the site to download. The rendering is our own and
small, so that nothing in a notebook can become live markup on the page: Markdown
cells go through the site's Markdown renderer (raw HTML shown as text, no
``javascript:`` links), code is highlighted by Pygments, text outputs are shown as
text with terminal colour codes removed, and images only as ``data:`` images
(an SVG inside ``<img>`` runs no script and loads nothing). HTML and JavaScript
outputs are shown by their plain-text form. Nothing is fetched: no MathJax, no
widgets.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from html import escape

from grader.errors import SiteError
from leaderboard.text import render_markdown, slugify

SHARED_FOLDER = "code"  # competitions/<name>/code/
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/svg+xml")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


@dataclass
class Notebook:
    slug: str  # its page: code/<slug>.html
    file: str  # its download: code/<file>
    title: str
    origin: str  # "Starter kit" or "Shared by your instructor"
    data: bytes
    cells: int = 0

    @property
    def html(self) -> str:
        return render_notebook(self.data)


def competition_notebooks(cfg, kit_notebooks: dict[str, bytes], *, where: str = "") -> list[Notebook]:
    """The kit's notebooks, then the instructor's shared ones (by file name), each with a unique slug.

    A shared notebook that is not valid notebook JSON stops the build with a message naming it.
    """
    sources = [(name, data, "Starter kit") for name, data in sorted(kit_notebooks.items())]
    folder = cfg.folder / SHARED_FOLDER
    if folder.is_dir():
        sources += [(path.name, path.read_bytes(), "Shared by your instructor")
                    for path in sorted(folder.glob("*.ipynb")) if path.is_file()]
    notebooks, used = [], set()
    for index, (name, data, origin) in enumerate(sources, start=1):
        stem = name[: -len(".ipynb")]
        slug = slugify(stem, f"notebook-{index}")
        while slug in used:
            slug = f"{slug}-{index}"
        used.add(slug)
        try:
            notebook = _parse(data)
        except ValueError as exc:
            shown = f"{cfg.folder / SHARED_FOLDER / name}" if origin != "Starter kit" else f"{name} of the kit"
            raise SiteError(f"{shown} is not a notebook ({exc}). Fix or remove it, then rebuild the site.") from None
        notebooks.append(Notebook(slug=slug, file=f"{slug}.ipynb", title=_title(notebook) or stem, origin=origin,
                                  data=data, cells=len(notebook.get("cells", []))))
    return notebooks


def _parse(data: bytes) -> dict:
    try:
        notebook = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise ValueError("no list of cells")
    return notebook


def _text(value) -> str:
    """A notebook's multi-line string (a string or a list of lines)."""
    if isinstance(value, list):
        return "".join(str(part) for part in value)
    return value if isinstance(value, str) else ""


def _title(notebook: dict) -> str:
    for cell in notebook["cells"]:
        if isinstance(cell, dict) and cell.get("cell_type") == "markdown":
            for line in _text(cell.get("source")).splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return ""


@lru_cache(maxsize=64)
def render_notebook(data: bytes) -> str:
    """The notebook as safe HTML (cached by content: a build or a server renders each notebook once)."""
    notebook = _parse(data)
    language = _language(notebook)
    parts = []
    for cell in notebook["cells"]:
        if not isinstance(cell, dict):
            continue
        source = _text(cell.get("source"))
        if cell.get("cell_type") == "markdown":
            parts.append(f'<div class="nb-cell nb-markdown prose">{render_markdown(source)}</div>')
        elif cell.get("cell_type") == "code":
            outputs = "".join(_output(output) for output in cell.get("outputs") or [] if isinstance(output, dict))
            parts.append(f'<div class="nb-cell nb-code">{_highlight(source, language)}'
                         f'{f"""<div class="nb-outputs">{outputs}</div>""" if outputs else ""}</div>')
    return "\n".join(parts)


def _language(notebook: dict) -> str:
    metadata = notebook.get("metadata") if isinstance(notebook.get("metadata"), dict) else {}
    info = metadata.get("language_info") if isinstance(metadata.get("language_info"), dict) else {}
    return str(info.get("name") or "python")


def _highlight(source: str, language: str) -> str:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import TextLexer, get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(language)
    except ClassNotFound:
        lexer = TextLexer()
    return highlight(source, lexer, HtmlFormatter(cssclass="highlight nb-source", wrapcode=True))


def _output(output: dict) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        return _pre(_text(output.get("text")), "nb-stream" + (" nb-stderr" if output.get("name") == "stderr" else ""))
    if kind == "error":
        traceback = output.get("traceback")
        text = "\n".join(str(line) for line in traceback) if isinstance(traceback, list) else \
            f"{output.get('ename', '')}: {output.get('evalue', '')}"
        return _pre(text, "nb-error")
    if kind in ("display_data", "execute_result"):
        data = output.get("data") if isinstance(output.get("data"), dict) else {}
        for mime in IMAGE_TYPES:
            image = _image(mime, data.get(mime))
            if image:
                return image
        if "text/markdown" in data:
            return f'<div class="nb-markdown prose">{render_markdown(_text(data["text/markdown"]))}</div>'
        if "text/plain" in data:
            return _pre(_text(data["text/plain"]), "nb-result")
    return ""


def _pre(text: str, css: str) -> str:
    return f'<pre class="nb-output {css}">{escape(ANSI.sub("", text))}</pre>'


def _image(mime: str, value) -> str:
    text = _text(value)
    if not text:
        return ""
    if mime == "image/svg+xml":
        payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    else:
        payload = "".join(text.split())
        try:
            base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            return ""
    return f'<img class="nb-image" alt="output image" src="data:{mime};base64,{payload}">'
