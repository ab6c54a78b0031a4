"""Text writer: any document (a card, a report) as plain text (jinja2 ``templates/card.txt.j2``).

The template draws each block by its kind, as ``page.html.j2`` does; this module gives it the
lines. Tables are TAB grids: one line per row, each cell's text in the grid column where the
cell starts, nothing where a span covers (what the text reader reads back). The standard
card's text reads back to the same card.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import jinja2

from reportgen.document import (
    STYLE_ID,
    Block,
    Box,
    Cell,
    ContentsEntry,
    DatedLine,
    Document,
    Heading,
    Image,
    PageBreak,
    Paragraph,
    Section,
    Table,
    TableOfContents,
    Title,
    cell_places,
    walk,
)
from reportgen.documents import card_document
from reportgen.model import Card
from reportgen.resources import WriterOptions, template_path

TEMPLATE = "card.txt.j2"
INDENT = "  "
DETAIL_INDENT = INDENT * 2  # the lines under a dated line or in a box


def clean(text: str) -> str:
    """One physical line per printed line: line breaks become spaces, no surrounding spaces."""
    return text.replace("\r", " ").replace("\n", " ").strip()


def line(block: Paragraph) -> str:
    """``  ○ text`` indented by its level; an unmarked line starts at column 0."""
    text = block.text.replace("\r", " ").replace("\n", " ").strip()  # clean(), inline: the hot path
    return f"{INDENT * block.level}{block.marker} {text}" if block.marker else text


def dated(block: DatedLine) -> str:
    """``  ○ 2023. 04. : text`` (undated: ``  ○ text``)."""
    text = block.text.replace("\r", " ").replace("\n", " ").strip()
    if block.date:
        text = clean(f"{block.date} : {text}")
    return f"{INDENT}{block.marker} {text}" if block.marker else INDENT + text


def detail(block: Paragraph) -> str:
    """A line under a dated line or in a box; an unmarked one is indented so that it stays under it."""
    text = block.text.replace("\r", " ").replace("\n", " ").strip()
    return f"{DETAIL_INDENT}{block.marker} {text}" if block.marker else DETAIL_INDENT + text


def cell_text(item: Cell) -> str:
    """A cell's lines on one line. A line in brackets goes on the line before it (a contact's
    ``(담당자 ☎…)``); the parts are separated by spaces when each has its bracket, else by
    ``, `` (so ``부서, 부서 (담당 ☎1)`` reads back as two contacts)."""
    if len(item.lines) < 2:
        return clean(item.lines[0]) if item.lines else ""
    parts: list[str] = []
    bracketed: list[bool] = []
    for text in (clean(text) for text in item.lines):
        if text.startswith("(") and parts and not bracketed[-1]:
            parts[-1], bracketed[-1] = f"{parts[-1]} {text}", True
        elif text:
            parts.append(text)
            bracketed.append(False)
    return (" " if all(bracketed) else ", ").join(parts)


def table_rows(table: Table) -> list[str]:
    """The table as TAB-joined lines (a ``관리번호`` box: one cell a line, as the card prints it)."""
    if table.style == STYLE_ID:
        return [cell_text(item) for row in table.rows for item in row.cells if item.lines]
    columns = len(table.shares)
    if all(len(row.cells) == columns and all(c.rowspan == c.colspan == 1 for c in row.cells) for row in table.rows):
        return ["\t".join([clean(item.lines[0]) if len(item.lines) == 1 else cell_text(item) for item in row.cells])
                for row in table.rows]  # no span: the cells as they come
    grid: list[list[str]] = [[""] * columns for _ in table.rows]
    for row, col, item in cell_places(table):
        cells = grid[row]
        if col >= len(cells):  # a row with more cells than columns keeps them
            cells.extend([""] * (col + 1 - len(cells)))
        cells[col] = clean(item.lines[0]) if len(item.lines) == 1 else cell_text(item)
    return ["\t".join(cells) for cells in grid]


def contents(doc: Document, toc: TableOfContents) -> list[str]:
    """목차 lines: ``heading<TAB>page`` for the given entries, else the headings down to the depth."""
    entries = toc.entries or tuple(ContentsEntry(block.text) for block in walk(doc.blocks)
                                   if isinstance(block, Heading) and block.level <= toc.depth)
    return [clean(e.text) if e.page is None else f"{clean(e.text)}\t{e.page}" for e in entries]


# ── what the template gets for each block: its kind and its text as the standard text prints it ──
def _dated_lines(block: DatedLine) -> str:
    if not block.details:
        return dated(block)
    return "\n".join([dated(block), *map(detail, block.details)])


def _box_lines(block: Box) -> str:
    return "\n".join([clean(block.title), *map(detail, block.lines)])


def _one_line(block: Title | Heading) -> str:
    return clean(block.text)


def _no_text(_block: Block) -> str:
    return ""


#: block type → (kind, its printed text): the lines of a paragraph, a dated line (with the lines under
#: it) or a box (its title, then its lines); a title's or a heading's text on one line; a table's
#: TAB-joined rows; an image's text alternative; nothing for the others
_KINDS: dict[type, tuple[str, Callable[..., str]]] = {
    Paragraph: ("paragraph", line), DatedLine: ("datedline", _dated_lines), Box: ("box", _box_lines),
    Heading: ("heading", _one_line), Title: ("title", _one_line),
    Table: ("table", lambda block: "\n".join(table_rows(block))), Image: ("image", lambda block: clean(block.alt)),
    PageBreak: ("pagebreak", _no_text), TableOfContents: ("tableofcontents", _no_text), Section: ("section", _no_text),
}


def _kind_of(block_type: type) -> tuple[str, Callable[..., str]]:
    """A block type's entry in :data:`_KINDS` (a subclass takes its base's; another type is named by its class)."""
    for base, entry in _KINDS.items():
        if issubclass(block_type, base):
            return entry
    return block_type.__name__.lower(), _no_text


def kind(block: object) -> str:
    """The template's name for a block: its class name in lower case."""
    entry = _KINDS.get(type(block))
    return (entry or _kind_of(type(block)))[0]


def kinds(blocks: tuple[Block, ...]) -> list[tuple[str, Block, str]]:
    """(kind, block, its text as the standard text prints it: see :data:`_KINDS`) of each block,
    for the template's loop."""
    out = []
    append, known = out.append, _KINDS.get
    for block in blocks:
        name, text_of = known(type(block)) or _kind_of(type(block))
        append((name, block, text_of(block)))
    return out


@cache
def _template(path: Path) -> jinja2.Template:
    """The template, compiled once; the helpers are its globals and ``clean`` is also a filter."""
    env = jinja2.Environment(keep_trailing_newline=True, autoescape=False, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["clean"] = clean
    helpers = {"kind": kind, "kinds": kinds, "clean": clean, "line": line, "dated": dated, "detail": detail,
               "table_rows": table_rows}
    return env.from_string(path.read_text(encoding="utf-8"), globals=helpers)


def render_document(doc: Document, options: WriterOptions | None = None) -> str:
    """Any document as plain text: lines without trailing spaces, at most one blank line in a row."""
    template = _template(template_path(TEMPLATE, options))
    text = template.render(doc=doc, contents=lambda toc: contents(doc, toc))
    text = "\n".join([row.rstrip() for row in text.splitlines()])
    while "\n\n\n" in text:  # str.replace: ~3x faster than re.sub(r"\n{3,}") on Korean text
        text = text.replace("\n\n\n", "\n\n")
    return text.strip("\n") + "\n"


def render_text(card: Card, options: WriterOptions | None = None) -> str:
    """The standard pledge card as text."""
    return render_document(card_document(card), options)
