"""What the card path's speed-ups must keep: a run drawn again in a tighter layout takes its bullet lines'
text and line counts from the standard run (:meth:`_Body.line`), and :func:`card_document` shares the
blocks every card holds the same (frozen, so sharing them is safe) without one card's text in another's, and
makes a card's paragraphs and value cells without their constructors' checks (which read no field a card
sets), the same objects the constructors make."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from reportgen import model as m
from reportgen.document import Box, Cell, DatedLine, Document, Heading, Paragraph, Row, Table, cell
from reportgen.documents import _paragraph, _text, _value, card_document
from reportgen.readers.text import read_text
from reportgen.writers.docx import _Body, load_template

FIXTURE = Path(__file__).parent / "fixtures" / "3-1_2024-12_from-hwp.txt"
LONG = "가나다라마바사 아자차카타파하 " * 9  # about 120 ems: three or more lines in any bullet style


def mixed(count: int) -> Document:
    """Bullet lines of one, two and more lines, dated lines with details, a box and aligned lines."""
    blocks = [Heading("가. 줄", 1), Table((Row((cell("구분", label=True), cell("값"))),), (300, 700))]
    for number in range(count):
        blocks += [Paragraph(f"{number}번째 줄", "○", 1), Paragraph(f"{number} {LONG}", "-", 2),
                   DatedLine("2024. 03.", f"착공 {number} {LONG[:40]}", "○",
                             (Paragraph(f"세부 {number}", "▷", 3), Paragraph(LONG, "▪", 2))),
                   Paragraph(f"가운데 {number}", align="center")]
    blocks.append(Box("인허가 현황", (Paragraph("총 12개소", "▪", 2), Paragraph(LONG, "▪", 2))))
    return Document("줄", tuple(blocks))


def replayed(doc: Document, layout: int) -> tuple[str, object]:
    """(XML, pages) of ``doc``'s one run drawn in ``layout`` with the standard run's lines replayed."""
    template = load_template()
    body = _Body(template, doc)
    page = template.pages[""]
    body.run(list(doc.blocks), page, 0)
    body.replay = iter(body.drawn)
    drawn = body.run(list(doc.blocks), page, layout)
    assert next(body.replay, None) is None  # every recorded line taken back, in order
    return drawn


def fresh(doc: Document, layout: int) -> tuple[str, object]:
    """(XML, pages) of ``doc``'s one run drawn in ``layout`` from nothing."""
    template = load_template()
    return _Body(template, doc).run(list(doc.blocks), template.pages[""], layout)


@pytest.mark.parametrize("layout", [1, 2, 3])
def test_a_replayed_tighter_run_is_the_run_drawn_afresh(layout: int) -> None:
    doc = mixed(12)
    xml, pages = replayed(doc, layout)
    assert (xml, pages) == fresh(doc, layout)
    assert xml != fresh(doc, 0)[0]  # the tighter layout does draw other spacing
    assert pages.count > 1  # and the wrapped lines span pages: their units are in the count


def test_the_recorded_lines_are_no_copy_of_the_drawn_xml() -> None:
    # what a tighter redraw takes back is held once: each recorded piece is a piece of the run's XML itself
    # (a long one-run document peaks at 5.69x its document.xml, 6.05x when the record was a copy; 5.79x before)
    doc = Document("줄", mixed(3).blocks[:-1])  # no box: its lines are joined into its one cell
    template = load_template()
    body = _Body(template, doc)
    body.run(list(doc.blocks), template.pages[""], 0)
    pieces = {id(piece) for piece in body.out}
    assert len(body.drawn) == 3 * 6  # each number: a line, a long one, a dated line, its two details, an aligned one
    assert all(id(rest) in pieces for rest, _ in body.drawn)


def test_the_sample_card_is_drawn_again_from_its_replayed_lines() -> None:
    doc = card_document(read_text(FIXTURE))
    template = load_template()
    body = _Body(template, doc)
    chosen = body.best_run(list(doc.blocks), template.pages[""])
    assert body.chosen == [1]  # the tighter layout saves the sample card's third page
    assert chosen == fresh(doc, 1)[0]
    assert body.drawn == [] and body.replay is None  # nothing kept for the next run


def test_replay_of_one_document_never_reaches_another() -> None:
    # two documents of the same shape and other text, drawn tight one after the other: each keeps its own
    first = mixed(12)
    second = Document("줄", tuple(Paragraph(block.text.replace("번째", "째"), block.marker, block.level, block.align)
                                 if isinstance(block, Paragraph) else block for block in first.blocks))
    template = load_template()
    drawn = []
    for doc in (first, second, first):
        body = _Body(template, doc)
        drawn.append(body.best_run(list(doc.blocks), template.pages[""]))
        assert body.chosen[0] > 0 and drawn[-1] == fresh(doc, body.chosen[0])[0]
    assert drawn[0] == drawn[2] != drawn[1]


def card(card_id: str, years: list[int], category: str, counts: list[int | None]) -> m.Card:
    """A small card with its own id, term years, 사업구분 and 구민소통 counts."""
    out = m.Card(card_id, f"사업 {card_id}")
    out.header.category = category
    out.annual_plan.years = years
    out.annual_plan.rows = [m.PlanRow("설계", ["착수"] * len(years), "완료")]
    out.communication = counts
    return out


def plan_rows(doc: Document) -> list[list[tuple[str, ...]]]:
    table = next(block for block in doc.blocks if isinstance(block, Table) and block.name == m.SUB_ANNUAL_PLAN)
    return [[item.lines for item in row.cells] for row in table.rows]


def test_cards_share_no_text_through_the_shared_blocks() -> None:
    a = card("1-1", [2022, 2023, 2024], "신규사업", [1, None, 2, None, None])
    b = card("1-2", [2018, 2019], "계속사업", [None, 3, None, None, 4])
    first, second, again = card_document(a), card_document(b), card_document(a)
    assert first == again and first != second
    assert plan_rows(first)[:2] == [[("세부추진내용",), ("임기 내",), ("임기 후",)],
                                    [("2022년",), ("2023년",), ("2024년",)]]
    assert plan_rows(second)[:2] == [[("세부추진내용",), ("임기 내",), ("임기 후",)], [("2018년",), ("2019년",)]]
    header = [block for block in second.blocks if isinstance(block, Table)][1]
    assert [item.lines for item in header.rows[0].cells] == [("사업구분",), ("계속사업",), ("사업주체",), ()]
    communication = [block for block in second.blocks if isinstance(block, Table)][-1]
    assert [item.lines for item in communication.rows[1].cells] == [("-",), ("3회",), ("-",), ("-",), ("4회",)]
    assert first.blocks[0].rows[0].cells[1].lines == ("1-1",) and second.blocks[0].rows[0].cells[1].lines == ("1-2",)


def test_the_shared_blocks_are_the_blocks_built_afresh() -> None:
    # the label cells and headings made once are equal to those a card would build itself
    doc = card_document(card("1-1", [2022, 2023], "신규사업", [None] * 5))
    headings = [block.text for block in doc.blocks if isinstance(block, Heading)]
    assert headings == ["【사업추진계획】", "□ 사업추진목표(최종목표)", "□ 사업개요", "□ 세부추진계획", "□ 연차별 추진계획",
                        "【추진실적】", "【금후계획】", "【구민소통 실적】", "【기대효과】"]
    assert [block.level for block in doc.blocks if isinstance(block, Heading)] == [1, 2, 2, 2, 2, 1, 1, 1, 1]
    id_box = doc.blocks[0]
    assert id_box.rows[0].cells[0] == cell("관리번호", label=True)
    plan = next(block for block in doc.blocks if isinstance(block, Table) and block.name == m.SUB_ANNUAL_PLAN)
    assert plan.rows[0].cells == (cell("세부추진내용", label=True, rowspan=3), cell("임기 내", label=True, colspan=2),
                                  cell("임기 후", label=True, rowspan=2))


# ── paragraphs and value cells made without the constructors' checks ──────────────────────────────────
def test_made_blocks_are_the_blocks_the_constructors_make() -> None:
    made, built = _paragraph("가 <&>", "○", 1), Paragraph("가 <&>", "○", 1)
    assert made == built and hash(made) == hash(built) and repr(made) == repr(built)
    assert _value(("가", "나")) == Cell(("가", "나")) and hash(_value(("가",))) == hash(Cell(("가",)))
    assert _text("3-1") == cell("3-1") and _text("") == cell("") == Cell(())
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.text = "나"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        _value(()).rowspan = 2  # type: ignore[misc]


def test_the_makers_know_every_field() -> None:
    # a field added to Paragraph or Cell must be set by _paragraph and _value too: this list fails first
    assert [f.name for f in dataclasses.fields(Paragraph)] == ["text", "marker", "level", "align", "link"]
    assert [f.name for f in dataclasses.fields(Cell)] == ["lines", "rowspan", "colspan", "label", "link", "verbatim"]


def test_the_constructors_still_refuse_bad_values() -> None:
    with pytest.raises(ValueError, match="align"):
        Paragraph("가", align="left")
    with pytest.raises(ValueError, match="relative"):
        Paragraph("가", link="https://example.com/")
    with pytest.raises(ValueError, match="spans"):
        Cell(("가",), rowspan=0)
    with pytest.raises(ValueError, match="relative"):
        Cell(("가",), link="//host/page")


def test_no_check_reads_a_field_the_makers_take_from_a_card() -> None:
    # text, marker and depth of a paragraph, the lines of a cell: any value passes the constructors (a check
    # on one of them added to document.py must be made in _paragraph / _value as well, and this fails first)
    for text, marker, level in (("", "", 0), (" <&> ", "?", -1), ("가" * 500, "※", 99)):
        Paragraph(text, marker, level)
    for lines in ((), ("",), (" ", "<&>", "가" * 500)):
        Cell(lines)


def blocks_of(doc: Document) -> Iterator[object]:
    """Every paragraph and cell of a card document (in tables, dated lines and boxes too)."""
    for block in doc.blocks:
        if isinstance(block, Table):
            yield from (item for row in block.rows for item in row.cells)
        elif isinstance(block, (DatedLine, Box)):
            yield from (block.details if isinstance(block, DatedLine) else block.lines)
        if isinstance(block, Paragraph):
            yield block


def test_every_made_block_of_the_sample_card_passes_the_checks() -> None:
    made = list(blocks_of(card_document(read_text(FIXTURE))))
    assert sum(isinstance(item, Paragraph) for item in made) == 24 and sum(isinstance(item, Cell) for item in made) == 47
    for item in made:  # built again by the constructor, checks and all: the same block
        assert type(item)(**{f.name: getattr(item, f.name) for f in dataclasses.fields(item)}) == item
