"""XLSX card writer: content, layout, print setup, string-only cells, stable bytes."""

from __future__ import annotations

import copy
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from reportgen import model as m
from reportgen.errors import CardError
from reportgen.readers.text import read_text
from reportgen.writers.text import render_text
from reportgen.writers.xlsx import render_xlsx

FIXTURES = Path(__file__).parent / "fixtures"
REFERENCE_CARDS = [FIXTURES / "3-1_2024-03_from-docx.txt", FIXTURES / "3-1_2024-12_from-hwp.txt"]
REFERENCE_IDS = ["2024-03", "2024-12"]


def _sheet(data: bytes) -> Worksheet:
    return openpyxl.load_workbook(io.BytesIO(data)).active


def _values(ws: Worksheet) -> list[str]:
    """Every non-empty cell value, row by row."""
    return [c.value for row in ws.iter_rows() for c in row if c.value not in (None, "")]


def _find(ws: Worksheet, value: str) -> tuple[int, int]:
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == value:
                return cell.row, cell.column
    raise AssertionError(f"{value!r} not in sheet")


def _norm(text: str) -> str:
    return " ".join(text.split())


def _fold(text: str) -> str:
    """Fold what layouts spell differently: whitespace, ** bold, -/○ bullets (as test_text)."""
    text = text.replace("**", "")
    text = re.sub(r"(?m)^\s*-\s+(?=\S)", "", text)
    text = text.replace(m.MARK_L1, "")
    return re.sub(r"\s+", "", text)


def _small_card() -> m.Card:
    """A hand-built card touching every part of the layout."""
    card = m.Card(id="9-9", title="테스트 사업")
    card.header = m.Header(
        category="신규사업", executor="구", period="2022년~2026년", status="추진 중", progress=40,
        budget="비예산", completion="임기내",
        department=m.Contact("전략사업과", "홍길동", "5021"),
        cooperation=[m.Contact("산업입지과", "박정화", "888-4932", "市"),
                     m.Contact("지산학협력과", "김은숙", "888-6772", "市")],
    )
    card.bullets[m.GOAL] = [m.BulletLine(m.MARK_L1, "목표"), m.BulletLine(m.MARK_NOTE, "주석")]
    card.bullets[m.FUTURE_PLAN] = [m.BulletLine(m.MARK_L1, "금후")]
    card.bullets[m.EFFECTS] = [m.BulletLine(m.MARK_L2, "효과")]
    card.annual_plan = m.AnnualPlan(
        years=[2022, 2023, 2024, 2025, 2026], targets=[10, 40, 60, 80, 100],
        rows=[m.PlanRow("조성", ["a", "b", "c", "d", "e"], "f")],
    )
    card.achievements = [m.AchievementSection("대분류", [
        m.AchievementGroup("소분류", [
            m.Achievement("2023. 04.", "선정", details=[m.BulletLine(m.MARK_L3, "세부")]),
        ]),
        m.AchievementGroup("", [
            m.Achievement("", "인허가 현황", m.MARK_PLAIN,
                          [m.BulletLine(m.MARK_BOX, "총 12개소"), m.BulletLine(m.MARK_BOX, "면적")]),
        ]),
    ])]
    card.communication = [None, None, 2, None, 1]
    return card


def test_hand_built_card_shows_every_line_in_order() -> None:
    values = _values(_sheet(render_xlsx(_small_card())))
    expected = [
        m.L_ID, "9-9", "테스트 사업",
        m.L_CATEGORY, "신규사업", m.L_EXECUTOR, "구",
        m.L_PERIOD, "2022년~2026년", m.L_STATUS, "추진 중(40%)",
        m.L_BUDGET, "비예산", m.L_COMPLETION, "임기내",
        m.L_DEPARTMENT, "전략사업과\n(홍길동 ☎5021)", m.L_COOPERATION,
        "市 산업입지과\n(박정화 ☎888-4932)\n市 지산학협력과\n(김은숙 ☎888-6772)",
        m.H_PLAN, "□ 사업추진목표(최종목표)", "○ 목표", "※ 주석", "□ 사업개요", "□ 세부추진계획",
        "□ 연차별 추진계획", m.L_PLAN_ITEM, m.L_IN_TERM, m.L_AFTER_TERM,
        "2022년", "2023년", "2024년", "2025년", "2026년", "10%", "40%", "60%", "80%", "100%",
        "조성", "a", "b", "c", "d", "e", "f",
        m.H_ACHIEVEMENTS, "□ 대분류", "<소분류>", "○ 2023. 04. : 선정", "▷ 세부",
        "인허가 현황", "▪ 총 12개소", "▪ 면적",
        m.H_FUTURE, "○ 금후",
        m.H_COMMUNICATION, *m.COMMUNICATION_LABELS, "-", "-", "2회", "-", "1회",
        m.H_EFFECTS, "- 효과",
    ]
    assert values == expected


def test_plan_table_merges_as_on_the_card() -> None:
    ws = _sheet(render_xlsx(_small_card()))
    top, col = _find(ws, m.L_PLAN_ITEM)
    assert col == 1
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert f"A{top}:A{top + 2}" in merged  # 세부추진내용 over the three header rows
    assert f"B{top}:F{top}" in merged  # 임기 내 over the five year columns
    assert f"G{top}:G{top + 1}" in merged  # 임기 후 over the header rows, target below
    assert ws.cell(top + 1, 2).value == "2022년" and ws.cell(top + 2, 6).value == "100%"
    assert f"A{top - 1}:G{top - 1}" in merged  # □ 연차별 추진계획 spans the sheet


def test_four_year_plan_is_the_grid_and_other_tables_snap_to_it() -> None:
    card = _small_card()
    card.annual_plan = m.AnnualPlan(years=[2022, 2023, 2024, 2025], targets=[25, 50, 75, 100],
                                    rows=[m.PlanRow("조성", ["a", "b", "c", "d"])])
    ws = _sheet(render_xlsx(card))
    top = _find(ws, m.L_PLAN_ITEM)[0]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert f"B{top}:E{top}" in merged and f"F{top}:F{top + 1}" in merged  # 6 columns: item, 4 years, after
    assert ws.cell(top + 3, 5).value == "d" and ws.cell(top + 3, 6).value is None
    # 구민소통 (5 × 200‰) on the 6-column grid (edges 0 170 342 514 686 858 1000‰): the nearest
    # edges of 200 400 600 800 are 170 342 514 (tie with 686: the first) 858 → A, B, C, D:E, F
    row = _find(ws, m.COMMUNICATION_LABELS[0])[0]
    assert [ws.cell(row, c).value for c in range(1, 7)] == [*m.COMMUNICATION_LABELS[:4], None,
                                                           m.COMMUNICATION_LABELS[4]]
    assert f"D{row}:E{row}" in merged


def test_empty_card_has_headings_and_no_plan_table() -> None:
    ws = _sheet(render_xlsx(m.Card(id="1-1", title="")))
    values = _values(ws)
    assert [v for v in values if v in m.SECTION_HEADINGS] == list(m.SECTION_HEADINGS)
    assert m.L_PLAN_ITEM not in values
    assert values.count(m.COUNT_NONE) == 5


def test_layout_styles_borders_and_indents() -> None:
    ws = _sheet(render_xlsx(_small_card()))
    label = ws.cell(*_find(ws, m.L_CATEGORY))
    assert label.fill.fgColor.rgb.endswith("E7E6E6") and label.font.b
    assert label.border.left.style == "thin"
    line = ws.cell(*_find(ws, "▷ 세부"))
    assert line.alignment.wrap_text and line.alignment.indent == 3
    assert ws.cell(*_find(ws, "○ 목표")).alignment.indent == 1
    box_top = ws.cell(*_find(ws, "인허가 현황"))
    box_bottom = ws.cell(*_find(ws, "▪ 면적"))
    assert box_top.border.top.style == "thin" and box_top.border.bottom.style is None
    assert box_bottom.border.bottom.style == "thin" and box_bottom.border.left.style == "thin"
    assert ws.column_dimensions["A"].width > ws.column_dimensions["B"].width
    row = _find(ws, "市 산업입지과\n(박정화 ☎888-4932)\n市 지산학협력과\n(김은숙 ☎888-6772)")[0]
    assert ws.row_dimensions[row].height >= 4 * ws.row_dimensions[row - 1].height - 12


def test_print_setup_is_a4_portrait_one_page_wide() -> None:
    ws = _sheet(render_xlsx(_small_card()))
    assert int(ws.page_setup.paperSize) == 9
    assert ws.page_setup.orientation == "portrait"
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$2"
    assert ws.print_area == f"'9-9'!$A$1:$G${ws.max_row}"


@pytest.mark.parametrize("text", ["=SUM(A1:A3)", "+82-51-220", "@cmd", "-1+2", "=1+1"])
def test_formula_like_text_stays_a_string(text: str) -> None:
    card = _small_card()
    card.id = text
    card.title = text
    card.header.executor = text
    card.bullets[m.GOAL] = [m.BulletLine(m.MARK_PLAIN, text)]
    card.annual_plan.rows[0].cells[0] = text
    data = render_xlsx(card)
    ws = _sheet(data)
    cells = [c for row in ws.iter_rows() for c in row if c.value == text]
    assert len(cells) == 5
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()


def test_markup_characters_and_spaces_survive() -> None:
    card = _small_card()
    card.title = '  <b>&amp; "x" \'y\'  '
    card.bullets[m.OVERVIEW] = [m.BulletLine(m.MARK_L1, "a < b & c > d\n둘째 줄")]
    ws = _sheet(render_xlsx(card))
    _find(ws, card.title)
    _find(ws, "○ a < b & c > d\n둘째 줄")


def test_same_card_gives_identical_bytes_with_fixed_zip_dates() -> None:
    card = _small_card()
    first = render_xlsx(card)
    assert render_xlsx(copy.deepcopy(card)) == first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        infos = archive.infolist()
    assert infos[0].filename == "[Content_Types].xml"
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    wb = openpyxl.load_workbook(io.BytesIO(first))
    assert wb.properties.created.year == 1980 and wb.properties.modified.year == 1980


def test_bad_sheet_name_characters_are_replaced() -> None:
    card = _small_card()
    card.id = "3/1:[x]*?"
    wb = openpyxl.load_workbook(io.BytesIO(render_xlsx(card)))
    assert wb.sheetnames == ["3_1__x___"]


def test_oversized_cell_is_a_card_error() -> None:
    card = _small_card()
    card.bullets[m.EFFECTS] = [m.BulletLine(m.MARK_L1, "가" * 40000)]
    with pytest.raises(CardError):
        render_xlsx(card)


@pytest.mark.parametrize("path", REFERENCE_CARDS, ids=REFERENCE_IDS)
def test_reference_card_lines_all_appear(path: Path) -> None:
    """Every non-empty line of the reference card is in the sheet, in order (folded)."""
    card = read_text(path)
    folded_sheet = _fold("".join(_values(_sheet(render_xlsx(card)))))
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if _fold(line)]
    missing = [line for line in lines if _fold(line) not in folded_sheet]
    assert missing == []
    assert len(lines) > 60


@pytest.mark.parametrize("path", REFERENCE_CARDS, ids=REFERENCE_IDS)
def test_reference_card_every_text_line_is_a_cell(path: Path) -> None:
    """Each line (or table cell) the text writer prints is exactly one cell of the sheet."""
    card = read_text(path)
    ws = _sheet(render_xlsx(card))
    cells = {_norm(v) for v in _values(ws)}
    pieces = [_norm(p) for line in render_text(card).splitlines() for p in line.split("\t")]
    assert [p for p in pieces if p and p not in cells] == []
    rows = [_find(ws, heading)[0] for heading in m.SECTION_HEADINGS]
    assert rows == sorted(rows)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_the_card(tmp_path: Path) -> None:
    card = read_text(REFERENCE_CARDS[0])
    source = tmp_path / "card.xlsx"
    source.write_bytes(render_xlsx(card))
    profile = f"-env:UserInstallation=file://{tmp_path / 'profile'}"
    subprocess.run(["soffice", profile, "--headless", "--convert-to", "pdf", "--outdir",
                    str(tmp_path), str(source)], check=True, capture_output=True, timeout=180)
    pdf = tmp_path / "card.pdf"
    assert pdf.exists()
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True,
                              text=True).stdout
        assert "낙동강 테크노밸리" in text and m.H_ACHIEVEMENTS in text


# ── row heights: line counts remembered per text and width ────────────────
def test_line_counts_by_hand_cached_or_not() -> None:
    """Width 10 leaves 8.5 units; Hangul counts 1.8, a digit or Latin letter 1."""
    from reportgen.writers import xlsx

    xlsx._cached_line_count.cache_clear()
    cases = [("가나다라마", 10.0, 2),  # 5 × 1.8 = 9 > 8.5
             ("가나다라", 10.0, 1),  # 7.2
             ("12345678", 10.0, 1),  # 8
             ("123456789", 10.0, 2),  # 9
             ("abc\n\nde", 10.0, 3),  # an empty line is a line
             ("가" * 20, 2.0, 36)]  # 36 units on a 1-unit line (at least 1)
    for text, width, lines in cases:
        assert xlsx._count_lines(text, width) == lines, text
        assert xlsx._line_count(text, width) == lines, text
        assert xlsx._line_count(text, width) == lines, text  # remembered
    info = xlsx._cached_line_count.cache_info()
    assert (info.hits, info.misses, info.currsize) == (6, 6, 6)


def test_long_texts_are_counted_not_remembered_and_the_memory_is_bounded() -> None:
    from reportgen.writers import xlsx

    xlsx._cached_line_count.cache_clear()
    long_text = "가" * (xlsx.CACHED_TEXT_CHARS + 1)  # 257 × 1.8 = 462.6 units on 98.5-unit lines
    assert xlsx._line_count(long_text, 100.0) == 5
    assert xlsx._cached_line_count.cache_info().currsize == 0
    assert xlsx._cached_line_count.cache_info().maxsize == xlsx.LINE_COUNT_CACHE == 4096
    for index in range(xlsx.LINE_COUNT_CACHE + 10):
        xlsx._line_count(str(index), 10.0)
    assert xlsx._cached_line_count.cache_info().currsize == xlsx.LINE_COUNT_CACHE
