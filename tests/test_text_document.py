"""Text writer on a hand-written document: every block kind, the exact text expected (by hand)."""

from __future__ import annotations

from pathlib import Path

from reportgen.document import (
    Box,
    Cell,
    ContentsEntry,
    DatedLine,
    Document,
    Heading,
    Image,
    PageBreak,
    Paragraph,
    Row,
    Section,
    Table,
    TableOfContents,
    Title,
    cell,
    cell_places,
)
from reportgen.resources import WriterOptions
from reportgen.writers.text import cell_text, clean, render_document

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")

TABLE = Table((
    Row((cell("분야", label=True, rowspan=2), cell("실적", label=True, colspan=2))),
    Row((cell("상반기", label=True), cell("하반기", label=True))),
    Row((cell("경제"), cell("1"), cell("2"))),
), (1, 1, 1), header_rows=2, caption="표 제목", notes=("주석 줄",))

DOC = Document("보고", (
    Title("제목"),
    Heading("【첫째】", 1),
    Paragraph("하나", "○", 1),
    Paragraph("자유 줄"),
    DatedLine("2024. 01.", "날짜 줄", details=(Paragraph("세부", "▷", 3), Paragraph("이어짐"))),
    Box("상자", (Paragraph("항목", "▪", 2),)),
    Heading("<묶음>", 3),
    TABLE,
    PageBreak(),
    TableOfContents(entries=(ContentsEntry("【첫째】", 1), ContentsEntry("끝"))),
    Image(PNG_1PX, "image/png", "빈 그림"),
    Section((Heading("□ 아래", 2), Paragraph("끝 줄", "-", 2)), "landscape", "부록"),
))

EXPECTED = """제목

【첫째】

  ○ 하나
자유 줄
  ○ 2024. 01. : 날짜 줄
    ▷ 세부
    이어짐
상자
    ▪ 항목

  <묶음>

표 제목
분야\t실적
\t상반기\t하반기
경제\t1\t2
주석 줄

목차

【첫째】\t1
끝

[그림] 빈 그림

□ 아래

    - 끝 줄
"""


def test_every_block_kind_as_exact_text() -> None:
    assert render_document(DOC) == EXPECTED


def test_contents_without_entries_lists_the_headings_to_its_depth() -> None:
    doc = Document("t", (TableOfContents(depth=2), Heading("【가】", 1), Heading("□ 나", 2), Heading("<다>", 3)))
    assert render_document(doc) == "목차\n\n【가】\n□ 나\n\n【가】\n\n□ 나\n\n  <다>\n"


def test_a_cells_lines_go_on_one_line_contacts_with_their_brackets() -> None:
    assert cell_text(Cell(("市 산업입지과", "(박정화 ☎1)", "市 지산학협력과", "(김은숙 ☎2)"))) == \
        "市 산업입지과 (박정화 ☎1) 市 지산학협력과 (김은숙 ☎2)"
    # one contact without (담당자 ☎): commas, so that the reader splits them again
    assert cell_text(Cell(("市 산업입지과", "(박정화 ☎1)", "지산학협력과"))) == "市 산업입지과 (박정화 ☎1), 지산학협력과"
    assert cell_text(Cell(("첫 줄\n이어서", ""))) == "첫 줄 이어서"


def test_the_template_folder_comes_from_the_options(tmp_path: Path) -> None:
    (tmp_path / "card.txt.j2").write_text("{{ doc.title }}\n{% for b in doc.blocks %}{{ kind(b) }}\n{% endfor %}",
                                          encoding="utf-8")
    doc = Document("사무실 양식", (Title("x"), PageBreak()))
    assert render_document(doc, WriterOptions(templates=tmp_path)) == "사무실 양식\ntitle\npagebreak\n"
    assert render_document(doc) == "x\n"


def test_cell_places_put_each_cell_in_the_first_column_its_row_leaves_free() -> None:
    a, b, c = cell("a", rowspan=3), cell("b", colspan=2), cell("c", rowspan=2, colspan=2)
    d, e, f, g = cell("d"), cell("e"), cell("f"), cell("g")
    table = Table((Row((a, b, d)),  # a covers column 0 of rows 1 and 2
                   Row((c, e)),  # c starts at column 1 (a covers 0) and covers 1-2 of row 2
                   Row((f, g))),  # f goes past a and c to column 3; g lands past the grid
                  (250, 250, 250, 250))
    places = [(row, col, item.lines[0]) for row, col, item in cell_places(table)]
    assert places == [(0, 0, "a"), (0, 1, "b"), (0, 3, "d"), (1, 1, "c"), (1, 3, "e"), (2, 3, "f"), (2, 4, "g")]
    assert render_document(Document("x", (table,))) == "a\tb\t\td\n\tc\t\te\n\t\t\tf\tg\n"


def test_an_office_template_gets_each_blocks_kind_and_printed_text_and_the_clean_filter(tmp_path: Path) -> None:
    (tmp_path / "card.txt.j2").write_text(
        "{{ doc.title | clean }}  \n\n\n\n{% for name, block, text in kinds(doc.blocks) %}{{ name }}={{ text }}\n"
        "{% endfor %}", encoding="utf-8")
    doc = Document("사무실\n양식", (Heading(" □ 제목\n둘째 ", 2), Paragraph("줄", "-", 2),
                                   Table((Row((cell("가"), cell(""), cell(""))),), (1, 1, 1))))
    # the writer drops the title line's trailing spaces and keeps one blank line of the four;
    # the table's row ends in two empty cells, whose TABs go as trailing white space
    assert render_document(doc, WriterOptions(templates=tmp_path)) == \
        "사무실 양식\n\nheading=□ 제목 둘째\nparagraph=    - 줄\ntable=가\n"


def test_clean_puts_a_text_on_one_line() -> None:
    assert clean("  가\r\n나\r다\n ") == "가  나 다"  # CR LF is two breaks, each a space


class Note(Paragraph):
    """A paragraph of an office's own kind."""


def test_a_subclass_of_a_block_is_drawn_as_its_base() -> None:
    assert render_document(Document("x", (Note("메모", "※", 1), Paragraph("끝")))) == "  ※ 메모\n끝\n"
