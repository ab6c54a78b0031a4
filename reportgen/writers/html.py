"""HTML writer: a document (or a card) as one self-contained page.

The page frame and the block markup are ``templates/page.html.j2`` and the
style sheet ``templates/page.css`` (screen and A4 print); an office restyles
its pages by editing those files. Everything is inline — no script, no link,
no remote asset — and all text is escaped by jinja2's autoescape.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import cache

import jinja2
from markupsafe import Markup

from reportgen import model as m
from reportgen.document import Cell, Document, Heading, Table, TableOfContents, walk
from reportgen.documents import card_document
from reportgen.resources import template_path

PAGE_TEMPLATE = "page.html.j2"
STYLE_SHEET = "page.css"


@dataclass(frozen=True)
class CellView:
    """A cell as the page draws it: ``th`` with its scope, or ``td``."""

    cell: Cell
    tag: str
    scope: str


@dataclass(frozen=True)
class TableView:
    """A table split into its ``<thead>`` and ``<tbody>`` rows, with column widths in %."""

    table: Table
    head: tuple[tuple[CellView, ...], ...]
    body: tuple[tuple[CellView, ...], ...]
    widths: tuple[str, ...]


def head_count(table: Table) -> int:
    """Rows in ``<thead>``: the header rows, and the rows a header cell spans down into."""
    count = table.header_rows
    index = 0
    while index < count:
        for item in table.rows[index].cells:
            count = max(count, min(index + item.rowspan, len(table.rows)))
        index += 1
    return count


def cell_view(item: Cell, in_head: bool) -> CellView:
    """A label cell is ``<th>``: a column (group) heading in the head, a row (group) heading below."""
    if not item.label:
        return CellView(item, "td", "")
    if in_head:
        return CellView(item, "th", "colgroup" if item.colspan > 1 else "col")
    return CellView(item, "th", "rowgroup" if item.rowspan > 1 else "row")


def table_view(table: Table) -> TableView:
    """The table ready for the template."""
    heads = head_count(table)
    rows = [tuple(cell_view(item, index < heads) for item in row.cells) for index, row in enumerate(table.rows)]
    total = sum(table.shares)
    widths = tuple(f"{100 * share / total:.2f}%" for share in table.shares)
    return TableView(table, tuple(rows[:heads]), tuple(rows[heads:]), widths)


def anchors(doc: Document) -> dict[int, str]:
    """An ``id`` for every heading (by object), for the table of contents."""
    headings = [block for block in walk(doc.blocks) if isinstance(block, Heading)]
    return {id(block): f"h{index}" for index, block in enumerate(headings, 1)}


def contents(doc: Document, toc: TableOfContents, ids: dict[int, str]) -> list[tuple[str, str]]:
    """(anchor, text) of the headings a table of contents lists."""
    return [(ids[id(block)], block.text) for block in walk(doc.blocks)
            if isinstance(block, Heading) and block.level <= toc.depth]


def data_uri(data: bytes, mime: str) -> str:
    """An embedded image source (the page needs no other file)."""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def kind(block: object) -> str:
    """The template macro drawing a block: its class name in lower case."""
    return type(block).__name__.lower()


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True)


@cache
def _page() -> jinja2.Template:
    source = template_path(PAGE_TEMPLATE).read_text(encoding="utf-8")
    return _environment().from_string(source)


@cache
def _style() -> Markup:
    """The style sheet, safe inside ``<style>`` (a ``</`` cannot end the element)."""
    css = template_path(STYLE_SHEET).read_text(encoding="utf-8")
    return Markup(css.replace("</", "<\\/"))


def render_document_html(doc: Document) -> str:
    """Any document as one HTML page."""
    ids = anchors(doc)
    return _page().render(
        doc=doc, css=_style(), kind=kind, table_view=table_view, data_uri=data_uri,
        anchor=lambda block: ids[id(block)], contents=lambda toc: contents(doc, toc, ids),
    )


def render_html(card: m.Card) -> str:
    """The standard pledge card as one HTML page."""
    return render_document_html(card_document(card))
