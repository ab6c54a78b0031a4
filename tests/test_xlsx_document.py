"""XLSX writer on hand-made documents: sheets from sections, the column grid, merges, figures,
formula-looking text, page setup, every block. Expected cells are worked out by hand."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from reportgen.document import (
    STYLE_FIELDS,
    STYLE_FIGURES,
    Box,
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
)
from reportgen.writers.xlsx import number_format, render_document

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def book(doc: Document) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(render_document(doc)))


def spanned(style: str = "", cells: tuple[str, ...] = ("1", "2", "3")) -> Table:
    """분야 over two heading rows, 실적 over three columns, then a row of values."""
    return Table((
        Row((cell("분야", label=True, rowspan=2), cell("실적", label=True, colspan=3))),
        Row((cell("상반기", label=True), cell("하반기", label=True), cell("계", label=True))),
        Row((cell("경제"), *[cell(text) for text in cells])),
    ), (250, 250, 250, 250), header_rows=2, style=style)


def test_sheets_are_named_by_sections_made_excel_safe_and_unique() -> None:
    doc = Document("2024년 4분기 공약 이행 현황 보고서: 의회 제출용(최종본)", (
        Paragraph("표지"),
        Section((Paragraph("a"),), name="총괄표"),
        Section((Paragraph("b"),), name="총괄표"),
        Section((Paragraph("c"),), name="History"),
        Section((Paragraph("d"),), name="변동[사항]*?/\\:"),
        Section((Heading("이름 없는 구역", 1),)),
        Section((Paragraph("e"),), name="가" * 40),
    ))
    assert book(doc).sheetnames == [
        "2024년 4분기 공약 이행 현황 보고서_ 의회 제출용(",  # the title's first 31 characters, ':' replaced
        "총괄표", "총괄표(2)", "History(2)", "변동_사항______", "이름 없는 구역", "가" * 31]


def test_a_document_without_loose_blocks_has_only_its_section_sheets() -> None:
    doc = Document("보고", (Section((Paragraph("a"),), name="총괄표"),), name="x")
    assert book(doc).sheetnames == ["총괄표"]
    assert book(Document("빈 문서")).sheetnames == ["빈 문서"]


def test_spanned_table_merges_on_its_own_grid_and_repeats_its_heading_rows() -> None:
    ws = book(Document("보고", (spanned(),))).active
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:A2", "B1:D1"}
    assert [[c.value for c in row] for row in ws.iter_rows(max_row=3)] == [
        ["분야", "실적", None, None], [None, "상반기", "하반기", "계"], ["경제", "1", "2", "3"]]
    assert [ws.column_dimensions[c].width for c in "ABCD"] == [24.0] * 4  # 96 units in four equal shares
    assert ws["A1"].fill.fgColor.rgb.endswith("E7E6E6") and ws["B2"].font.b
    assert ws["A2"].border.left.style == "thin"  # the cell under a row span keeps the frame
    assert ws.print_title_rows == "$1:$2"
    assert ws.page_setup.orientation == "portrait"


def test_narrow_tables_snap_to_the_grid_of_the_widest() -> None:
    narrow = Table((Row((cell("관리번호", label=True), cell("3-1"))),), (500, 500), width=260, align="left")
    ws = book(Document("보고", (narrow, spanned()))).active
    # grid edges 0 250 500 750 1000‰; the box's edges 0 130 260 → 0, 250 (nearest to 130), 500
    assert (ws["A1"].value, ws["B1"].value) == ("관리번호", "3-1")
    assert ws.merged_cells.ranges and "A1:B1" not in {str(r) for r in ws.merged_cells.ranges}


def test_only_plain_numbers_of_figures_tables_become_numbers() -> None:
    figures = spanned(STYLE_FIGURES, ("12", "62.3", "1,234"))
    texts = spanned(STYLE_FIGURES, ("-", "=1+2", "007"))
    plain = spanned("", ("12", "62.3", "1,234"))
    ws = book(Document("보고", (figures, texts, plain))).active
    row = [ws.cell(3, c) for c in range(2, 5)]
    assert [(c.value, c.data_type, c.number_format) for c in row] == [
        (12, "n", "General"), (62.3, "n", "0.0"), (1234, "n", "#,##0")]
    row = [ws.cell(7, c) for c in range(2, 5)]  # a gap row between the tables
    assert [(c.value, c.data_type) for c in row] == [("-", "s"), ("=1+2", "s"), ("007", "s")]
    assert row[1].quotePrefix and not row[2].quotePrefix
    assert [(ws.cell(11, c).value, ws.cell(11, c).data_type) for c in range(2, 5)] == [
        ("12", "s"), ("62.3", "s"), ("1,234", "s")]
    assert ws["A3"].data_type == "s"


@pytest.mark.parametrize(("text", "expected"), [
    ("12", "General"), ("-3", "General"), ("0.5", "0.0"), ("62.30", "0.00"), ("1,234", "#,##0"),
    ("1,234.5", "#,##0.0"), ("007", None), ("1,23", None), ("12%", None), ("1e5", None), ("", None),
    ("1234567890123456", None), ("３", None),
])
def test_number_format_takes_numbers_as_written(text: str, expected: str | None) -> None:
    assert number_format(text) == expected


def test_formula_looking_text_stays_text_everywhere() -> None:
    doc = Document("=HYPERLINK(\"x\")", (Title("=1+1"), Paragraph("+82-51"), Heading("@cmd", 2),
                                          Table((Row((cell("=SUM(A1)", label=True), cell("-1+2"))),), (1, 1),
                                                style=STYLE_FIGURES)), name="=x")
    data = render_document(doc)
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    cells = [c for row in ws.iter_rows() for c in row if c.value]
    assert [c.value for c in cells] == ["=1+1", "+82-51", "@cmd", "=SUM(A1)", "-1+2"]
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()


def test_landscape_section_sets_its_sheet_landscape() -> None:
    doc = Document("보고", (Paragraph("표지"), Section((spanned(),), "landscape", "총괄표")))
    wb = book(doc)
    assert [wb[name].page_setup.orientation for name in wb.sheetnames] == ["portrait", "landscape"]
    assert int(wb["총괄표"].page_setup.paperSize) == 9 and int(wb["총괄표"].page_setup.fitToWidth) == 1
    assert [wb["총괄표"].column_dimensions[c].width for c in "ABCD"] == [35.0] * 4  # 140 units landscape


def test_every_block_kind_on_the_sheets() -> None:
    doc = Document("보고서", (
        TableOfContents("목차", entries=(ContentsEntry("【첫째】", 3), ContentsEntry("총괄표", 4))),
        Title("제목"),
        Heading("【첫째】", 1),
        Paragraph("자유 줄"),
        Paragraph("하나", "○", 1),
        Paragraph("가운데", align="center"),
        DatedLine("2024. 01.", "날짜 줄", details=(Paragraph("세부", "▷", 3),)),
        Box("상자", (Paragraph("항목", "▪", 2),)),
        PageBreak(),
        Image(PNG_1PX, "image/png", "빈 그림"),
        Section((Heading("총괄표", 1), Table(spanned().rows, spanned().shares, header_rows=2, caption="표 제목",
                                            notes=("주석 줄",))), "landscape", name="총괄표"),
    ))
    wb = book(doc)
    assert wb.sheetnames == ["보고서", "총괄표"]
    first, second = wb["보고서"], wb["총괄표"]
    values = {c.coordinate: c.value for row in first.iter_rows() for c in row if c.value}
    assert values == {
        "A1": "목차", "A2": "【첫째】", "B2": "3", "A3": "총괄표", "B3": "4", "A4": "제목",
        "A7": "【첫째】", "A8": "자유 줄", "A9": "○ 하나", "A10": "가운데", "A11": "○ 2024. 01. : 날짜 줄",
        "A12": "▷ 세부", "A13": "상자", "A14": "▪ 항목", "A15": "[그림] 빈 그림"}
    assert first["B2"].alignment.horizontal == "right"  # pages in the right-hand column
    assert first["A10"].alignment.horizontal == "center"
    assert (first["A9"].alignment.indent, first["A12"].alignment.indent) == (1, 3)
    assert first["A4"].font.sz == 16 and first["A13"].border.top.style == "thin"
    assert [b.id for b in first.row_breaks.brk] == [14]  # the page breaks after the box
    assert first.print_title_rows is None  # the title is on row 4: nothing repeats
    values = [c.value for row in second.iter_rows() for c in row if c.value]
    assert values == ["총괄표", "표 제목", "분야", "실적", "상반기", "하반기", "계", "경제", "1", "2", "3", "주석 줄"]
    assert second.print_title_rows == "$1:$5"  # gap, heading, caption, then the table's 2 heading rows


def test_label_value_tables_read_left_aligned_in_their_value_cells() -> None:
    fields = Table((Row((cell("항목", label=True), cell("변경 전", label=True), cell("변경 후", label=True))),
                    Row((cell("추진상황"), cell("정상추진"), cell("완료"))),
                    Row((cell("사업기간", label=True), cell("2022~2026"), cell("12")))),
                   (200, 400, 400), header_rows=1, style=STYLE_FIELDS)
    plain = Table((Row((cell("분야", label=True), cell("경제"), cell("12"))),), (200, 400, 400))
    ws = book(Document("변동사항", (fields, plain))).active
    aligned = [[ws.cell(row, col).alignment.horizontal for col in (1, 2, 3)] for row in (1, 2, 3, 5)]
    assert aligned == [["center"] * 3,  # the heading labels stay centred and shaded
                       ["left", "left", "left"],  # every value cell of the fields table, the first too
                       ["center", "left", "left"],  # a label in a value row stays a centred label
                       ["center", "center", "center"]]  # a table without a style keeps its values centred
    assert ws["B2"].border.left.style == "thin" and ws["C3"].data_type == "s"  # framed, and text (not a figure)
