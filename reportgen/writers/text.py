"""Text writer: any document (a card, a report) as plain text (jinja2 ``templates/card.txt.j2``).

The template draws each block by its kind, as ``page.html.j2`` does; this module gives it the
lines. Tables are TAB grids: one line per row, each cell's text in the grid column where the
cell starts, nothing where a span covers (what the text reader reads back). The standard
card's text reads back to the same card.
"""

from __future__ import annotations

import re
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
    """One physical line per printed line: no line breaks, no surrounding spaces."""
    if "\n" in text or "\r" in text:
        text = " ".join(text.replace("\r", "\n").split("\n"))
    return text.strip()


def marked(marker: str, text: str) -> str:
    return f"{marker} {clean(text)}" if marker else clean(text)


def line(block: Paragraph) -> str:
    """``  ○ text`` indented by its level; an unmarked line starts at column 0."""
    if not block.marker:
        return clean(block.text)
    return f"{INDENT * block.level}{marked(block.marker, block.text)}"


def dated(block: DatedLine) -> str:
    """``  ○ 2023. 04. : text`` (undated: ``  ○ text``)."""
    text = f"{block.date} : {clean(block.text)}" if block.date else block.text
    return f"{INDENT}{marked(block.marker, text)}"


def detail(block: Paragraph) -> str:
    """A line under a dated line or in a box; an unmarked one is indented so that it stays under it."""
    return f"{DETAIL_INDENT}{marked(block.marker, block.text)}"


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
    grid: list[list[str]] = [[""] * len(table.shares) for _ in table.rows]
    for row, col, item in cell_places(table):
        cells = grid[row]
        cells.extend([""] * (col + 1 - len(cells)))  # a row with more cells than columns keeps them
        cells[col] = cell_text(item)
    return ["\t".join(cells) for cells in grid]


def contents(doc: Document, toc: TableOfContents) -> list[str]:
    """목차 lines: ``heading<TAB>page`` for the given entries, else the headings down to the depth."""
    entries = toc.entries or tuple(ContentsEntry(block.text) for block in walk(doc.blocks)
                                   if isinstance(block, Heading) and block.level <= toc.depth)
    return [clean(e.text) if e.page is None else f"{clean(e.text)}\t{e.page}" for e in entries]


def kind(block: object) -> str:
    """The template's name for a block: its class name in lower case."""
    name = _KINDS.get(type(block))
    return name if name is not None else type(block).__name__.lower()


_KINDS = {block_type: block_type.__name__.lower() for block_type in (Title, Heading, Paragraph, DatedLine, Box, Table, PageBreak,
                                                    Image, TableOfContents, Section)}


def lines(block: Block) -> str:
    """A line block as the standard text prints it: a dated line or a box with its lines under it,
    a bullet line (empty for other blocks)."""
    if isinstance(block, DatedLine):
        return "\n".join([dated(block), *[detail(item) for item in block.details]])
    if isinstance(block, Paragraph):
        return line(block)
    if isinstance(block, Box):
        return "\n".join([clean(block.title), *[detail(item) for item in block.lines]])
    return ""


def kinds(blocks: tuple[Block, ...]) -> list[tuple[str, Block, str]]:
    """(kind, block, its lines as :func:`lines` prints them) of each block, for the template's loop."""
    return [(kind(block), block, lines(block)) for block in blocks]


@cache
def _template(path: Path) -> jinja2.Template:
    source = path.read_text(encoding="utf-8")
    env = jinja2.Environment(keep_trailing_newline=True, autoescape=False, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    return env.from_string(source)


def render_document(doc: Document, options: WriterOptions | None = None) -> str:
    """Any document as plain text: lines without trailing spaces, at most one blank line in a row."""
    template = _template(template_path(TEMPLATE, options))
    text = template.render(
        doc=doc, kind=kind, kinds=kinds, clean=clean, line=line, dated=dated, detail=detail, table_rows=table_rows,
        contents=lambda toc: contents(doc, toc))
    lines = [row.rstrip() for row in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"


def render_text(card: Card, options: WriterOptions | None = None) -> str:
    """The standard pledge card as text."""
    return render_document(card_document(card), options)
