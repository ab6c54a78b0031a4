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
from pathlib import Path
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from reportgen import model as m
from reportgen.document import (
    STYLE_FIGURES,
    STYLE_LIST,
    Cell,
    ContentsEntry,
    Document,
    Heading,
    Image,
    Table,
    TableOfContents,
    walk,
)
from reportgen.documents import card_document
from reportgen.resources import WriterOptions, template_path

PAGE_TEMPLATE = "page.html.j2"
STYLE_SHEET = "page.css"
SVG_TYPE = "image/svg+xml"


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


@dataclass(frozen=True)
class ContentsLine:
    """A 목차 line: its text, the anchor of the heading it names (empty: none), its page or ``""``."""

    text: str
    target: str
    page: str


def contents(doc: Document, toc: TableOfContents, ids: dict[int, str]) -> list[ContentsLine]:
    """The 목차's lines: its entries, each linked to the first heading of the same text (with their
    pages), else the headings down to its depth."""
    headings = [block for block in walk(doc.blocks) if isinstance(block, Heading)]
    if not toc.entries:
        return [ContentsLine(block.text, ids[id(block)], "") for block in headings if block.level <= toc.depth]
    first: dict[str, str] = {}
    for block in headings:
        first.setdefault(block.text.strip(), ids[id(block)])
    return [ContentsLine(entry.text, first.get(entry.text.strip(), ""), page_text(entry))
            for entry in toc.entries]


def page_text(entry: ContentsEntry) -> str:
    return "" if entry.page is None else str(entry.page)


def note_ids(doc: Document) -> dict[int, str]:
    """An ``id`` for the notes of every table that has notes (the table is described by them)."""
    tables = [block for block in walk(doc.blocks) if isinstance(block, Table) and block.notes]
    return {id(block): f"n{index}" for index, block in enumerate(tables, 1)}


def data_uri(data: bytes, mime: str) -> str:
    """An embedded image source (the page needs no other file)."""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def image_source(block: Image) -> str:
    """The picture a page shows: a chart's SVG (sharp at any zoom and in print) when it has one,
    else its bytes; as a ``data:`` URI, so that the page needs no other file and the SVG's ids
    cannot meet another picture's ids."""
    if block.svg:
        return svg_uri(block.svg)
    return data_uri(block.data, block.mime)


#: what an SVG ``data:`` URI keeps as it is (the rest is percent-encoded): printable ASCII but
#: ``"``, ``%``, ``<``, ``>``, ``#`` and the backslash
SVG_URI_SAFE = " !$&'()*+,-./:;=?@[]^_`{|}~"


def svg_uri(svg: str) -> str:
    """An SVG document as a ``data:`` URI, percent-encoded (a tenth longer, where base64 is a third)."""
    return f"data:{SVG_TYPE};charset=utf-8,{quote(svg, safe=SVG_URI_SAFE)}"


#: table looks that may be wider than a phone's screen: they scroll sideways in their own region
SCROLLING = frozenset({STYLE_FIGURES, STYLE_LIST})


def scrolls(table: Table) -> bool:
    """Whether the page lets the table scroll sideways (a figures table or a list)."""
    return table.style in SCROLLING


def kind(block: object) -> str:
    """The template macro drawing a block: its class name in lower case."""
    return type(block).__name__.lower()


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True)


@cache
def _page(path: Path) -> jinja2.Template:
    return _environment().from_string(path.read_text(encoding="utf-8"))


@cache
def _style(path: Path) -> Markup:
    """The style sheet, safe inside ``<style>`` (a ``</`` cannot end the element)."""
    css = path.read_text(encoding="utf-8")
    return Markup(css.replace("</", "<\\/"))


def render_document(doc: Document, options: WriterOptions | None = None) -> str:
    """Any document as one HTML page (the page template and style sheet from ``options``' folder
    when it holds them)."""
    ids, notes = anchors(doc), note_ids(doc)
    return _page(template_path(PAGE_TEMPLATE, options)).render(
        doc=doc, css=_style(template_path(STYLE_SHEET, options)), kind=kind, table_view=table_view,
        data_uri=data_uri, image_source=image_source, anchor=lambda block: ids[id(block)], contents=lambda toc: contents(doc, toc, ids),
        notes_id=lambda block: notes.get(id(block), ""), scrolls=scrolls,
    )


def render_html(card: m.Card, options: WriterOptions | None = None) -> str:
    """The standard pledge card as one HTML page."""
    return render_document(card_document(card), options)
