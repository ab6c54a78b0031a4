"""Peer baseline: the same HWPX card built call by call with python-hwpx's document API.

``build_card_generic(card)`` makes what ``reportgen.writers.hwpx.render_hwpx``
makes (same styles, same paragraphs, same merged tables), but the way a
python-hwpx user would: a new document per card, every shape, paragraph,
table, merge and cell set by a call. ``bench/bench_writers.py`` compares the two.

Run as a script to print ms/card of both over N cards:
``.venv/bin/python bench/peer_hwpx.py [N]``.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from functools import cache
from pathlib import Path
from types import ModuleType

from reportgen import model as m
from reportgen.resources import template_path
from reportgen.writers import hwpx as writer

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"


@cache
def _template_maker() -> ModuleType:
    """templates/make_card_hwpx.py: the one definition of the card's shapes."""
    spec = importlib.util.spec_from_file_location("make_card_hwpx", template_path("make_card_hwpx.py"))
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class GenericCard:
    """One card as a python-hwpx document, built call by call."""

    def __init__(self) -> None:
        self.doc, ids = _template_maker().build_document()
        self.char, self.para, self.border = ids["char"], ids["para"], ids["border"]
        self.doc.page.set_size(width=writer.PAGE_WIDTH, height=writer.PAGE_HEIGHT)
        self.doc.page.set_margins(left=writer.MARGIN_SIDE, right=writer.MARGIN_SIDE, top=writer.MARGIN_TOP,
                                  bottom=writer.MARGIN_BOTTOM, header=writer.MARGIN_HEADER,
                                  footer=writer.MARGIN_HEADER)

    def paragraph(self, text: str, para: str, char: str = "body") -> None:
        self.doc.add_paragraph(writer.clean(text), para_pr_id_ref=self.para[para],
                               char_pr_id_ref=self.char[char], inherit_style=False)

    def table(self, cells: list[writer.Cell], widths: list[int], anchor: str = "anchor",
              border: str = "cell") -> None:
        rows = max(c.row + c.row_span for c in cells)
        table = self.doc.add_table(rows, len(widths), width=sum(widths), border_fill_id_ref=self.border[border],
                                   para_pr_id_ref=self.para[anchor])
        table.set_column_widths(widths)
        for cell in cells:
            if cell.row_span > 1 or cell.col_span > 1:
                table.merge_cells(cell.row, cell.col, cell.row + cell.row_span - 1, cell.col + cell.col_span - 1)
        for cell in cells:
            self._fill(table, cell, border)

    def _fill(self, table: object, cell: writer.Cell, border: str) -> None:
        target = table.cell(cell.row, cell.col)  # type: ignore[attr-defined]
        default = ("cell_left" if cell.left else "cell", "label" if cell.label else "cell")
        lines = cell.lines or [""]
        shapes = cell.shapes or [default] * len(lines)
        first = target.paragraphs[0]
        first.text = writer.clean(lines[0])
        first.para_pr_id_ref, first.char_pr_id_ref = self.para[shapes[0][0]], self.char[shapes[0][1]]
        for line, (para, char) in zip(lines[1:], shapes[1:], strict=True):
            target.add_paragraph(writer.clean(line), para_pr_id_ref=self.para[para], char_pr_id_ref=self.char[char])
        if cell.label:
            table.set_cell_border_fill(cell.row, cell.col, self.border["label"])  # type: ignore[attr-defined]

    def bullet(self, line: m.BulletLine) -> None:
        para = "plain" if line.marker == m.MARK_PLAIN else {1: "level1", 2: "level2", 3: "level3"}[line.level]
        self.paragraph(writer.bullet_text(line.marker, line.text), para, "detail" if line.level == 3 else "body")


def _front(doc: GenericCard, card: m.Card) -> None:
    if card.id:
        doc.table([writer.Cell([m.L_ID], 0, 0, label=True), writer.Cell([card.id], 0, 1)], list(writer.ID_WIDTHS))
    doc.paragraph(card.title, "title", "title")
    cells = []
    for row, (left, right) in enumerate(m.HEADER_ROWS):
        for col, label in ((0, left), (2, right)):
            cells.append(writer.Cell([label], row, col, label=True))
            cells.append(writer.Cell(writer._header_value(card.header, label), row, col + 1, left=True))
    doc.table(cells, list(writer.HEADER_WIDTHS))


def _body(doc: GenericCard, card: m.Card) -> None:
    doc.paragraph(m.H_PLAN, "heading", "heading")
    for key, title in m.PLAN_SUBHEADINGS.items():
        doc.paragraph(f"{m.MARK_SUBHEADING} {title}", "subheading", "subheading")
        for line in card.bullets.get(key, []):
            doc.bullet(line)
    doc.paragraph(f"{m.MARK_SUBHEADING} {m.SUB_ANNUAL_PLAN}", "subheading", "subheading")
    if card.annual_plan.years:
        doc.table(writer.plan_table_cells(card), writer.plan_widths(len(card.annual_plan.years)))
    doc.paragraph(m.H_ACHIEVEMENTS, "heading", "heading")
    for part in card.achievements:
        doc.paragraph(f"{m.MARK_SUBHEADING} {part.title}", "subheading", "subheading")
        for group in part.groups:
            if group.title:
                doc.paragraph(f"{m.GROUP_OPEN}{group.title}{m.GROUP_CLOSE}", "group", "group")
            for item in group.items:
                _achievement(doc, item)


def _achievement(doc: GenericCard, item: m.Achievement) -> None:
    if writer.is_box(item):
        lines = [item.text] + [writer.bullet_text(d.marker, d.text) for d in item.details]
        shapes = [("box_title", "group")] + [("box_line", "body")] * len(item.details)
        doc.table([writer.Cell(lines, 0, 0, shapes=shapes)], [writer.BOX_WIDTH], "box_anchor", "box")
        return
    free = not item.date and item.marker == m.MARK_PLAIN
    doc.paragraph(writer.entry_text(item), "free" if free else "level1")
    for detail in item.details:
        doc.bullet(detail)


def _tail(doc: GenericCard, card: m.Card) -> None:
    doc.paragraph(m.H_FUTURE, "heading", "heading")
    for line in card.bullets.get(m.FUTURE_PLAN, []):
        doc.bullet(line)
    doc.paragraph(m.H_COMMUNICATION, "heading", "heading")
    labels = m.COMMUNICATION_LABELS
    cells = [writer.Cell([label], 0, col, label=True) for col, label in enumerate(labels)]
    counts = (list(card.communication) + [None] * 5)[: len(labels)]
    cells += [writer.Cell([m.count_text(n)], 1, col) for col, n in enumerate(counts)]
    doc.table(cells, [writer.TEXT_WIDTH // len(labels)] * len(labels))
    doc.paragraph(m.H_EFFECTS, "heading", "heading")
    for line in card.bullets.get(m.EFFECTS, []):
        doc.bullet(line)


def build_card_generic(card: m.Card) -> bytes:
    """The card as HWPX bytes, built call by call with python-hwpx (not byte-stable: it draws random ids)."""
    doc = GenericCard()
    _front(doc, card)
    _body(doc, card)
    _tail(doc, card)
    return doc.doc.to_bytes()


def _cards() -> list[m.Card]:
    from reportgen.readers.text import read_text

    return [read_text(FIXTURES / "3-1_2024-03_from-docx.txt"), read_text(FIXTURES / "3-1_2024-12_from-hwp.txt")]


def ms_per_card(build: object, cards: list[m.Card], n: int) -> float:
    """Mean milliseconds per card over *n* cards (after one warm-up card)."""
    build(cards[0])  # type: ignore[operator]
    start = time.perf_counter()
    for index in range(n):
        build(cards[index % len(cards)])  # type: ignore[operator]
    return (time.perf_counter() - start) * 1000 / n


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    cards = _cards()
    ours = ms_per_card(writer.render_hwpx, cards, n)
    generic = ms_per_card(build_card_generic, cards, n)
    print(f"HWPX, {n} cards: reportgen template {ours:.2f} ms/card, "
          f"python-hwpx call by call {generic:.1f} ms/card ({generic / ours:.0f}x)")


if __name__ == "__main__":
    main()
