"""The 총괄표 and 변동사항 documents of the sample quarters (input/history/2024-03.xlsx →
input/master.xlsx): Korean only, and written by every report format (formats.REPORT_FORMATS).

The sample has one card, 3-1 (추진 중, 추진율 60 %, 임기후, 시 / 구, 전략사업과 스마트산업담당,
분야 3. 일자리가 넘치는 경제도시; read from tests/fixtures/3-1_2024-12_from-hwp.txt). By hand:
계 1, 추진 중 1, every other status ``-``, 완료율 0 ÷ 1 = 0.0, 평균 추진율 60 ÷ 1 = 60.0.
3-1's 연차별 추진계획 targets 2024 at 60 %: on 2024-12-31 its 60 % reaches it exactly (달성,
목표달성률 1 ÷ 1 = 100.0); on 2024-03-31 its 40 % did not (미달). No card is 임기내:
이행률(임기내) 0 ÷ 0 prints ``-``. The sample has no 재정계획 rows: no 공약가계부.
"""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from reportgen.diff import changes_document, diff_workbooks
from reportgen.document import (
    Box,
    DatedLine,
    Document,
    Heading,
    Paragraph,
    Section,
    Table,
    Title,
    walk,
)
from reportgen.formats import REPORT_FORMATS
from reportgen.model import Workbook
from reportgen.readers.workbook import read_workbook
from reportgen.summary import summarize, summary_document

ROOT = Path(__file__).resolve().parent.parent / "input"
AREA = "3. 일자리가 넘치는 경제도시"
STATUSES = ["완료", "이행후 계속추진", "정상추진", "추진 중", "일부추진", "보류", "폐기"]
HEAD = ["분야", "계", *STATUSES, "완료율(%)", "평균 추진율(%)"]  # 설정 `총괄표 지표` order (the default)
#: 주요 지표 of the sample, by hand (see above)
RATES = [["지표", "값(%)", "산출"], ["완료율", "0.0", "0 ÷ 1 × 100"], ["평균 추진율", "60.0", "60 ÷ 1"],
         ["이행률(임기내)", "-", "0 ÷ 0 × 100"], ["목표달성률", "100.0", "1 ÷ 1 × 100"]]
TARGET_HEAD = ["달성", "미달", "목표 없음", "목표달성률(%)"]
#: the 분야별 row of 3-1 and the 합계 row, by hand (see above)
AREA_ROW = [AREA, "1", "-", "-", "-", "1", "-", "-", "-", "0.0", "60.0"]
TOTAL_ROW = ["합계", "1", "-", "-", "-", "1", "-", "-", "-", "0.0", "60.0"]
#: formats every installation writes (PDF needs LibreOffice)
FORMATS = [".txt", ".xlsx", ".docx", ".html", ".hwpx"]


@pytest.fixture(scope="module")
def quarters() -> tuple[Workbook, Workbook]:
    return read_workbook(ROOT / "history" / "2024-03.xlsx"), read_workbook(ROOT / "master.xlsx")


@pytest.fixture(scope="module")
def summary_doc(quarters) -> Document:
    return summary_document(summarize(quarters[1]))


@pytest.fixture(scope="module")
def changes_doc(quarters) -> Document:
    return changes_document(diff_workbooks(*quarters))


# ── what a document prints ────────────────────────────────────────────────
def document_texts(doc: Document) -> Iterator[str]:
    """Every text a document prints: titles, headings, lines, table cells, captions, names, notes."""
    yield from (doc.title, doc.name)
    for block in walk(doc.blocks):
        if isinstance(block, Title | Heading | Paragraph):
            yield block.text
        elif isinstance(block, DatedLine):
            yield from (block.date, block.text, *(d.text for d in block.details))
        elif isinstance(block, Box):
            yield from (block.title, *(line.text for line in block.lines))
        elif isinstance(block, Table):
            yield from (block.caption, block.name, *block.notes)
            yield from (line for row in block.rows for c in row.cells for line in c.lines)
        elif isinstance(block, Section):
            yield block.name


def user_texts(value: object) -> Iterator[str]:
    """Every text in the workbook's 설정 and cards (what the office typed)."""
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value):
        for item in dataclasses.fields(value):
            yield from user_texts(getattr(value, item.name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from user_texts(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from user_texts(key)
            yield from user_texts(item)


def foreign_words(doc: Document, books: tuple[Workbook, ...]) -> list[str]:
    """ASCII words the document prints that no text of the office's holds."""
    typed = "\n".join(text for book in books for text in user_texts([book.settings, book.cards]))
    words = {word for text in document_texts(doc) for word in re.findall("[A-Za-z]+", text)}
    return sorted(word for word in words if word not in typed)


def table_rows(doc: Document) -> list[list[list[str]]]:
    """Each table's rows as cell texts (lines joined by a line break)."""
    return [[["\n".join(c.lines) for c in row.cells] for row in block.rows]
            for block in walk(doc.blocks) if isinstance(block, Table)]


# ── the documents ─────────────────────────────────────────────────────────
def test_summary_document_of_the_sample_by_hand(summary_doc: Document) -> None:
    rates, *tables, by_area, by_department = table_rows(summary_doc)
    assert rates == RATES
    assert len(tables) == 4
    assert tables[0] == [HEAD, AREA_ROW, TOTAL_ROW]
    assert tables[1][1] == ["전략사업과 스마트산업담당", *AREA_ROW[1:]]
    assert tables[2][1:] == [["임기내", *["-"] * 10], ["임기후", *AREA_ROW[1:]], TOTAL_ROW]
    assert tables[3][1] == ["시 / 구", *AREA_ROW[1:]]
    assert by_area == [["분야", *TARGET_HEAD], [AREA, "1", "-", "-", "100.0"], ["합계", "1", "-", "-", "100.0"]]
    assert by_department[1] == ["전략사업과 스마트산업담당", "1", "-", "-", "100.0"]


def test_changes_document_of_the_sample(changes_doc: Document) -> None:
    [section] = changes_doc.blocks
    assert section.blocks[1] == Paragraph("변동 카드 1건: 신규 0, 삭제 0, 변경 1")
    assert section.blocks[3] == Heading("[변경] 3-1 서부산스마트밸리 「낙동강 테크노밸리」 조성", 1)
    [rows] = table_rows(changes_doc)
    assert ["추진율", "40%", "60%"] in rows
    added_2024 = [row for row in rows if row[1] == "" and row[2].startswith("2024. ")]
    assert len(added_2024) == 14  # every dated 2024 line of the 2024-12 card, counted by hand


@pytest.mark.parametrize("which", ["summary_doc", "changes_doc"])
def test_documents_print_no_english(which: str, request: pytest.FixtureRequest, quarters) -> None:
    """No ASCII letter in any printed text but inside what the office typed (SK에코플랜트, PQ …)."""
    doc = request.getfixturevalue(which)
    assert list(document_texts(doc))
    assert foreign_words(doc, quarters) == []


def test_the_english_check_can_fail(quarters) -> None:
    doc = Document("총괄표", (Paragraph("1 card(s) without 추진율 left out of the mean"), Paragraph("SK에코플랜트")))
    assert foreign_words(doc, quarters) == ["card", "left", "mean", "of", "out", "s", "the", "without"]


# ── every report format writes them ───────────────────────────────────────
def _render(doc: Document, suffix: str) -> bytes:
    return REPORT_FORMATS[suffix].render_document(doc)


def _zip_text(data: bytes, *parts: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(archive.read(name).decode("utf-8") for name in archive.namelist()
                         if name.startswith(parts) and name.endswith(".xml"))


def test_report_formats_are_the_writers_but_hwp() -> None:
    assert set(FORMATS) <= set(REPORT_FORMATS) and ".hwp" not in REPORT_FORMATS


@pytest.mark.parametrize("suffix", FORMATS)
def test_every_format_writes_both_reports_the_same_each_time(suffix: str, summary_doc, changes_doc) -> None:
    for doc in (summary_doc, changes_doc):
        first = _render(doc, suffix)
        assert first and first == _render(doc, suffix)


def test_text_report(summary_doc: Document, changes_doc: Document) -> None:
    text = _render(summary_doc, ".txt").decode("utf-8")
    lines = text.splitlines()
    # the title once; the charts' text alternatives point to "총괄표의 '분야별' 표"
    assert sum("총괄표" in line for line in lines if not line.startswith("[그림]")) == 1
    for row in (HEAD, AREA_ROW, TOTAL_ROW):
        assert any(re.fullmatch(r"\s*".join(map(re.escape, row)), line.strip()) for line in lines), row
    assert "추진율 없는 카드 0건 제외" in text
    changes = _render(changes_doc, ".txt").decode("utf-8")
    assert "변동 카드 1건: 신규 0, 삭제 0, 변경 1" in changes
    assert any(re.fullmatch(r"추진율\s*40%\s*60%", line.strip()) for line in changes.splitlines())


def test_docx_report(summary_doc: Document, changes_doc: Document) -> None:
    from docx import Document as Docx

    book = Docx(io.BytesIO(_render(summary_doc, ".docx")))
    assert len(book.tables) == 7  # 주요 지표, 4 status tables, 목표 달성 by 분야 and 부서
    assert [[c.text for c in row.cells] for row in book.tables[0].rows] == RATES
    assert [c.text for c in book.tables[1].rows[0].cells] == HEAD
    assert [c.text for c in book.tables[1].rows[1].cells] == AREA_ROW
    body = "\n".join(p.text for p in book.paragraphs)
    assert body.count("총괄표") == 1 and "부산광역시 사하구 민선 8기 (기준일 2024-12-31)" in body
    assert "※ 상태는 띄어쓰기를 무시하고 비교, 0건은 '-'" in body
    section = book.sections[-1]
    assert section.page_width > section.page_height  # landscape
    changes = Docx(io.BytesIO(_render(changes_doc, ".docx")))
    texts = [p.text for p in changes.paragraphs]
    assert "변동 카드 1건: 신규 0, 삭제 0, 변경 1" in texts
    assert "[변경] 3-1 서부산스마트밸리 「낙동강 테크노밸리」 조성" in texts
    [table] = changes.tables
    assert [c.text for c in table.rows[0].cells] == ["항목", "변경 전", "변경 후"]
    assert ["추진율", "40%", "60%"] in [[c.text for c in row.cells] for row in table.rows]


def test_html_report(summary_doc: Document) -> None:
    page = _render(summary_doc, ".html").decode("utf-8")
    assert '<html lang="ko">' in page and page.count("<table") == 7
    assert "<caption>분야별</caption>" in page
    assert "추진율 없는 카드 0건 제외" in page


def test_hwpx_report(summary_doc: Document, changes_doc: Document) -> None:
    xml = _zip_text(_render(summary_doc, ".hwpx"), "Contents/section")
    for text in (*HEAD, AREA, "60.0", "추진율 없는 카드 0건 제외"):
        assert f">{text}<" in xml or text in xml, text
    assert '<hp:pagePr landscape="NARROWLY"' in xml  # Hancom's A4 turned: landscape (a card says WIDELY)
    changes = _zip_text(_render(changes_doc, ".hwpx"), "Contents/section")
    assert "변동 카드 1건: 신규 0, 삭제 0, 변경 1" in changes


def test_xlsx_report_sheet_and_numbers(summary_doc: Document) -> None:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(_render(summary_doc, ".xlsx")))
    assert book.sheetnames == ["총괄표"]
    rows = [list(row) for row in book["총괄표"].iter_rows(values_only=True)]
    area = next(row for row in rows if row[0] == AREA)
    assert area[:11] == [AREA, 1, "-", "-", "-", 1, "-", "-", "-", 0.0, 60.0]


def test_settings_rates_choose_the_printed_rate_columns(quarters) -> None:
    """설정 `목표달성률, 완료율`: the printed status tables have the 완료율 column alone (0 ÷ 1 = 0.0, by
    hand) and its formula under them; the 평균 추진율 formula is printed nowhere."""
    book = dataclasses.replace(quarters[1], settings=dataclasses.replace(quarters[1].settings,
                                                                        rates=["목표달성률", "완료율"]))
    doc = summary_document(summarize(book))
    text = _render(doc, ".txt").decode("utf-8")
    lines = [line.strip() for line in text.splitlines()]
    head, area, total = HEAD[:-1], AREA_ROW[:-1], TOTAL_ROW[:-1]
    for row in (head, area, total):
        assert sum(bool(re.fullmatch(r"\s*".join(map(re.escape, row)), line)) for line in lines) >= 1, row
    assert "평균 추진율(%)" not in text
    assert "※ 완료율 = 완료 카드 수 ÷ 전체 카드 수 × 100 (완료: 완료, 이행후 계속추진)" in lines
    assert not [line for line in lines if line.startswith("※ 평균 추진율")]

    from docx import Document as Docx

    tables = Docx(io.BytesIO(_render(doc, ".docx"))).tables
    assert [[c.text for c in row.cells] for row in tables[1].rows] == [head, area, total]
    assert [[c.text for c in row.cells][0] for row in tables[0].rows] == ["지표", "목표달성률", "완료율"]
