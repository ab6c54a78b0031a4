"""Peer baseline: the same HWPX card built call by call with python-hwpx's document API.

``build_card_generic(card)`` walks :func:`reportgen.documents.card_document` and
makes what the HWPX writer makes (same shapes from ``templates/make_card_hwpx.py``,
same paragraphs and texts, same tables with the same merges, widths, shaded
labels, repeating header rows and unsplit rows), but the way a python-hwpx user
would: a new document per card, every paragraph, table, merge and cell set by a
call. Texts, shapes and table grids come from the writer's public helpers
(:func:`~reportgen.writers.hwpx.table_cells`, ``table_widths``, ``bullet_text``,
``dated_text``, ``paragraph_shape``, ``cell_paragraphs``), so both build the
same content. ``bench/bench_writers.py`` compares the two.

Run as a script to print ms/card of both over N cards:
``.venv/bin/python bench/peer_hwpx.py [N]``.
"""

from __future__ import annotations

import importlib.util
import io
import sys
import time
import zipfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from lxml import etree

from reportgen import document as d
from reportgen import model as m
from reportgen.documents import card_document
from reportgen.formats import WRITERS
from reportgen.resources import template_path
from reportgen.writers import hwpx as writer
from reportgen.xmltext import one_line

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
HP = "{http://www.hancom.co.kr/hwpml/2011/paragraph}"
#: (paragraph shape, character shape) of a heading by level, as the writer draws them
HEADINGS = {1: ("heading", "heading"), 2: ("subheading", "subheading"), 3: ("group", "group")}
#: hp:pos@horzAlign of a table by its document alignment
HORZ_ALIGN = {"left": "LEFT", "center": "CENTER", "right": "RIGHT", "": "LEFT"}


@cache
def _template_maker() -> ModuleType:
    """templates/make_card_hwpx.py: the one definition of the card's shapes."""
    spec = importlib.util.spec_from_file_location("make_card_hwpx", template_path("make_card_hwpx.py"))
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class GenericCard:
    """One document as a python-hwpx document, built call by call."""

    def __init__(self) -> None:
        self.doc, ids = _template_maker().build_document()
        self.char, self.para, self.border = ids["char"], ids["para"], ids["border"]
        self.doc.page.set_size(width=writer.PAGE_WIDTH, height=writer.PAGE_HEIGHT)
        self.doc.page.set_margins(left=writer.MARGIN_SIDE, right=writer.MARGIN_SIDE, top=writer.MARGIN_TOP,
                                  bottom=writer.MARGIN_BOTTOM, header=writer.MARGIN_HEADER,
                                  footer=writer.MARGIN_HEADER)

    def paragraph(self, text: str, para: str, char: str = "body") -> None:
        """One paragraph of one run in the given shapes."""
        self.doc.add_paragraph(one_line(text), para_pr_id_ref=self.para[para],
                               char_pr_id_ref=self.char[char], inherit_style=False)

    def table(self, cells: list[writer.Cell], widths: list[int], anchor: str = "anchor", border: str = "cell",
              *, header_rows: int = 0, keep_rows: bool = True, align: str = "left", offset: int = 0) -> None:
        """A flowing table: merges first, then every cell's paragraphs and label shading."""
        rows = max(c.row + c.row_span for c in cells)
        table = self.doc.add_table(rows, len(widths), width=sum(widths), border_fill_id_ref=self.border[border],
                                   para_pr_id_ref=self.para[anchor])
        table.set_column_widths(widths)
        table.set_treat_as_char(False)
        table.element.set("pageBreak", "TABLE" if keep_rows else "CELL")
        table.element.set("repeatHeader", "1" if header_rows else "0")
        position = table.element.find(f"{HP}pos")
        position.set("horzAlign", HORZ_ALIGN.get(align, "LEFT"))
        position.set("horzOffset", str(offset))
        for cell in cells:
            if cell.row_span > 1 or cell.col_span > 1:
                table.merge_cells(cell.row, cell.col, cell.row + cell.row_span - 1, cell.col + cell.col_span - 1)
        for cell in cells:
            self._fill(table, cell, cell.row < header_rows)

    def _fill(self, table: Any, cell: writer.Cell, header: bool) -> None:
        target = table.cell(cell.row, cell.col)
        (first_line, (para, char)), *rest = writer.cell_paragraphs(cell)
        first = target.paragraphs[0]
        first.text = one_line(first_line)
        first.para_pr_id_ref, first.char_pr_id_ref = self.para[para], self.char[char]
        for line, (para, char) in rest:
            target.add_paragraph(one_line(line), para_pr_id_ref=self.para[para], char_pr_id_ref=self.char[char])
        if header:
            target.element.set("header", "1")
        if cell.label:
            table.set_cell_border_fill(cell.row, cell.col, self.border["label"])

    def bullet(self, line: d.Paragraph) -> None:
        self.paragraph(writer.bullet_text(line.marker, line.text), *writer.paragraph_shape(line))

    def block(self, block: d.Block) -> None:
        """Draw one of the card's blocks."""
        if isinstance(block, d.Title):
            self.paragraph(block.text, "title", "title")
        elif isinstance(block, d.Heading):
            self.paragraph(block.text, *HEADINGS.get(block.level, HEADINGS[3]))
        elif isinstance(block, d.Paragraph):
            self.bullet(block)
        elif isinstance(block, d.DatedLine):
            self.paragraph(writer.dated_text(block), "level1")
            for detail in block.details:
                self.bullet(detail)
        elif isinstance(block, d.Box):
            self.box(block)
        elif isinstance(block, d.Table):
            self.document_table(block)
        else:
            raise ValueError(f"the peer baseline draws a card's blocks only, not {type(block).__name__}")

    def box(self, box: d.Box) -> None:
        """The framed box: a one-cell table, indented as level-1 text."""
        lines = [box.title] + [writer.bullet_text(line.marker, line.text) for line in box.lines]
        shapes = [("box_title", "group")] + [("box_line", "body")] * len(box.lines)
        self.table([writer.Cell(lines, 0, 0, shapes=shapes)], [writer.TEXT_WIDTH - writer.BOX_INDENT],
                   "box_anchor", "box", offset=writer.BOX_INDENT)

    def document_table(self, table: d.Table) -> None:
        """A table with its caption above and notes below."""
        if not table.rows:
            return
        if table.caption:
            self.paragraph(table.caption, "caption", "group")
        self.table(writer.table_cells(table), writer.table_widths(table, writer.TEXT_WIDTH),
                   "anchor_keep" if table.notes else "anchor", header_rows=table.header_rows,
                   keep_rows=all(row.keep for row in table.rows), align=table.align)
        for index, note in enumerate(table.notes):
            self.paragraph(note, "note" if index < len(table.notes) - 1 else "note_end", "detail")


def build_card_generic(card: m.Card) -> bytes:
    """The card as HWPX bytes, built call by call with python-hwpx (not byte-stable: it draws random ids)."""
    doc = GenericCard()
    for block in card_document(card).blocks:
        doc.block(block)
    return doc.doc.to_bytes()


def _cell_layout(tc: Any) -> tuple[Any, ...]:
    """A cell as drawn, less its height: place, spans, width, header flag, border and paragraphs."""
    addr, span = tc.find(f"{HP}cellAddr"), tc.find(f"{HP}cellSpan")
    paragraphs = tuple((p.get("paraPrIDRef"), tuple(r.get("charPrIDRef") for r in p.findall(f"{HP}run")),
                        "".join(t.text or "" for t in p.iter(f"{HP}t")))
                       for p in tc.find(f"{HP}subList").findall(f"{HP}p"))
    return (int(addr.get("rowAddr")), int(addr.get("colAddr")), span.get("rowSpan"), span.get("colSpan"),
            tc.find(f"{HP}cellSz").get("width"), tc.get("header"), tc.get("borderFillIDRef"), paragraphs)


def section_layout(hwpx: bytes) -> list[tuple[Any, ...]]:
    """The first section of an HWPX package as compared content: each paragraph's shapes and text,
    each table's attributes, position and cells (ids and row heights left out: the peer cannot
    set the ones the writer estimates)."""
    with zipfile.ZipFile(io.BytesIO(hwpx)) as package:
        root = etree.fromstring(package.read("Contents/section0.xml"))
    out: list[tuple[Any, ...]] = []
    for para in root.findall(f"{HP}p"):
        table = para.find(f".//{HP}tbl")
        if table is None and para.find(f".//{HP}secPr") is not None and not para.findtext(f".//{HP}t"):
            continue  # python-hwpx's blank document starts with an empty paragraph holding the page setup
        if table is None:
            runs = [r for r in para.findall(f"{HP}run") if "".join(t.text or "" for t in r.iter(f"{HP}t"))]
            out.append(("p", para.get("paraPrIDRef"), tuple(r.get("charPrIDRef") for r in runs),
                        "".join(t.text or "" for t in para.iter(f"{HP}t"))))
            continue
        pos = table.find(f"{HP}pos")
        out.append(("table", para.get("paraPrIDRef"),
                    *(table.get(a) for a in ("pageBreak", "repeatHeader", "rowCnt", "colCnt", "borderFillIDRef")),
                    *(pos.get(a) for a in ("treatAsChar", "horzAlign", "horzOffset")),
                    tuple(sorted(_cell_layout(tc) for tc in table.iter(f"{HP}tc")))))
    return out


def same_layout(card: m.Card) -> bool:
    """Whether the peer draws ``card`` as the writer does (same paragraphs, tables, merges, shapes)."""
    return section_layout(WRITERS["hwpx"].render(card)) == section_layout(build_card_generic(card))


def _cards() -> list[m.Card]:
    from reportgen.readers.text import read_text

    return [read_text(FIXTURES / "3-1_2024-03_from-docx.txt"), read_text(FIXTURES / "3-1_2024-12_from-hwp.txt")]


def ms_per_card(build: Callable[[m.Card], bytes], cards: list[m.Card], n: int) -> float:
    """Mean milliseconds per card over *n* cards (after one warm-up card)."""
    build(cards[0])
    start = time.perf_counter()
    for index in range(n):
        build(cards[index % len(cards)])
    return (time.perf_counter() - start) * 1000 / n


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    cards = _cards()
    if not all(same_layout(card) for card in cards):
        print("warning: the peer does not draw the cards as the writer does", file=sys.stderr)
    ours = ms_per_card(WRITERS["hwpx"].render, cards, n)
    generic = ms_per_card(build_card_generic, cards, n)
    print(f"HWPX, {n} cards: reportgen template {ours:.2f} ms/card, "
          f"python-hwpx call by call {generic:.1f} ms/card ({generic / ours:.0f}x)")


if __name__ == "__main__":
    main()
