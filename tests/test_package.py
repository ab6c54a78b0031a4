"""의회 제출 자료 (council package): the package document, the zip, the combined files, the PDF."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from hwpx.tools.package_validator import validate_package
from hwpx.tools.validator import validate_document
from openpyxl import load_workbook

from reportgen import __version__, package
from reportgen import model as m
from reportgen.document import (
    Box,
    DatedLine,
    Document,
    Heading,
    PageBreak,
    Paragraph,
    Section,
    Table,
    TableOfContents,
    Title,
    walk,
)
from reportgen.errors import InputError
from reportgen.package import (
    LayoutUnchecked,
    find_starts,
    make_package,
    package_contents,
    package_document,
    page_starts,
    part_marker,
    placeholder_pages,
    report_title,
    unique_member,
)
from reportgen.readers.text import read_text
from reportgen.writers import pdf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from make_corpus import make_corpus  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
AREA = "3. 일자리가 넘치는 경제도시"
TITLE_31 = "신평·장림산업단지 「낙동강 테크노밸리」 조성"
TITLE_32 = "서부산스마트밸리 「낙동강 테크노밸리」 조성"
CHANGE = m.ChangeRecord("2024. 05. 02.", "사업기간 2027년 → 2028년", "국비 공모 일정 연기", "구청장 방침")
LATE_CHANGE = m.ChangeRecord("2025. 02. 10.", "명칭 정비 예정안", "조례 개정", "의회 보고")
STEM = "공약사업_추진상황_보고_2024-12-31"
FORMATS = ("docx", "hwp", "hwpx", "txt", "xlsx")
DAY = dt.date(2024, 12, 31)
needs_pdf_tools = pytest.mark.skipif(pdf.missing() != "" or shutil.which("pdftotext") is None,
                                     reason="LibreOffice or poppler-utils is not installed")


def _book() -> m.Workbook:
    """The two reference quarters as cards 3-1 (2024-03, 추진 중 40%) and 3-2 (2024-12, 추진 중 60%)."""
    first = read_text(FIXTURES / "3-1_2024-03_from-docx.txt")
    second = read_text(FIXTURES / "3-1_2024-12_from-hwp.txt")
    first.id, first.title, first.area = "3-1", TITLE_31, AREA
    second.id, second.title, second.area = "3-2", TITLE_32, AREA
    second.changes = [CHANGE, LATE_CHANGE]
    settings = m.Settings(agency="부산광역시 사하구", term="8기", term_start=2022, term_end=2026, as_of="2024-12-31")
    return m.Workbook(settings, [first, second])


def _document(book: m.Workbook | None = None, pages: list[int] | None = None) -> Document:
    """The package document with its lazy blocks drawn into a tuple (what the tests look into)."""
    doc = package_document(package_contents(book or _book(), DAY), pages)
    return replace(doc, blocks=tuple(doc.blocks))


def _sections(doc: Document) -> list[Section]:
    return [block for block in doc.blocks if isinstance(block, Section)]


def _texts(blocks: tuple) -> list[str]:
    """Every text a reader sees in ``blocks``."""
    out: list[str] = []
    for block in walk(blocks):
        if isinstance(block, Title | Heading | Paragraph):
            out.append(block.text)
        elif isinstance(block, DatedLine):
            out += [block.date, block.text, *(p.text for p in block.details)]
        elif isinstance(block, Box):
            out += [block.title, *(p.text for p in block.lines)]
        elif isinstance(block, Table):
            out += [line for row in block.rows for item in row.cells for line in item.lines]
            out += [block.caption, block.name, *block.notes]
        elif isinstance(block, TableOfContents):
            out += [block.title, *(entry.text for entry in block.entries)]
    return [text for text in out if text]


# ── the package as one document ───────────────────────────────────────────
def test_cover_then_contents_on_the_next_page() -> None:
    doc = _document()
    cut = doc.blocks.index(PageBreak())
    shown = [block for block in doc.blocks[:cut] if block != Paragraph("")]
    assert shown == [Paragraph("부산광역시 사하구", align="center"), Title("민선 8기 공약사업 추진상황 보고"),
                     Paragraph("기준일: 2024. 12. 31.", align="center"), Paragraph("공약사업 2건", align="center")]
    assert isinstance(doc.blocks[cut + 1], TableOfContents)
    assert doc.title == "민선 8기 공약사업 추진상황 보고"


def test_contents_entries_with_and_without_pages() -> None:
    toc = next(b for b in _document().blocks if isinstance(b, TableOfContents))
    assert toc.title == "목차"
    assert [(e.text, e.page) for e in toc.entries] == [
        ("총괄표", None), ("목표 미달 카드", None), ("변경이력", None), (f"3-1 {TITLE_31}", None),
        (f"3-2 {TITLE_32}", None)]
    toc = next(b for b in _document(pages=[3, 5, 6, 7, 10]).blocks if isinstance(b, TableOfContents))
    assert [e.page for e in toc.entries] == [3, 5, 6, 7, 10]


def test_page_starts_from_page_counts() -> None:
    # cover+목차 2 pages, 총괄표 1, 변경이력 1, card 3-1 3 pages, card 3-2 2 pages
    assert page_starts([2, 1, 1, 3, 2]) == [3, 4, 5, 8]
    assert page_starts([2]) == []


def test_summary_landscape_changes_then_a_section_per_card() -> None:
    sections = _sections(_document())
    assert [(s.name, s.orientation) for s in sections] == [
        ("총괄표", "landscape"), ("목표 미달 카드", "portrait"), ("변경이력", "landscape"), ("3-1", "portrait"),
        ("3-2", "portrait")]
    summary = sections[0]
    assert summary.blocks[0] == Heading("총괄표", 1)
    captions = [b.caption for b in summary.blocks if isinstance(b, Table)]
    assert captions == ["주요 지표", "분야별", "부서별", "완료시기별", "사업주체별", "목표 달성(분야별)", "목표 달성(부서별)"]
    assert Title(TITLE_31) in sections[3].blocks and Title(TITLE_32) in sections[4].blocks


def test_summary_figures_in_the_document() -> None:
    """The 분야별 row against figures computed by hand: 계 2, 추진 중 2, 평균 (40+60)/2 = 50.0, 완료율 0.0."""
    table = next(b for b in _sections(_document())[0].blocks if isinstance(b, Table) and b.caption == "분야별")
    row = next(r for r in table.rows if r.cells[0].lines == (AREA,))
    assert [c.lines[0] if c.lines else "" for c in row.cells] == [AREA, "2", "-", "-", "-", "2", "-", "-", "-",
                                                                  "0.0", "50.0"]  # 완료율, 평균 추진율


def test_changes_table_up_to_the_day() -> None:
    changes = _sections(_document())[2]
    assert changes.blocks[0] == Heading("변경이력", 1)
    table = changes.blocks[1]
    assert isinstance(table, Table) and table.header_rows == 1
    rows = [[item.lines[0] if item.lines else "" for item in row.cells] for row in table.rows]
    assert rows == [["관리번호", "사업명", "변경일", "변경내용", "변경사유", "변경절차"],
                    ["3-2", TITLE_32, "2024. 05. 02.", "사업기간 2027년 → 2028년", "국비 공모 일정 연기", "구청장 방침"]]
    assert "명칭 정비 예정안" not in _texts(_document().blocks)  # after the 기준일


def test_no_changes_still_has_its_page() -> None:
    book = _book()
    book.cards[1].changes = []
    changes = _sections(_document(book))[2]
    assert changes.blocks == (Heading("변경이력", 1), Paragraph("변경 사항 없음"))
    assert changes.name == "변경이력"


def test_package_texts_are_korean_only() -> None:
    """Cover, 목차, 총괄표 (its notes included), 공약가계부, 목표 미달 카드 and 변경이력 print no English
    (card texts are the user's)."""
    book = _finance_book()
    book.cards[0].title = "신평·장림산업단지 조성"  # 목표 미달 카드 lists it: a title without letters
    doc = _document(book)
    ours = tuple(b for b in doc.blocks if not (isinstance(b, Section) and b.name in ("3-1", "3-2")))
    assert [b.name for b in ours if isinstance(b, Section)] == ["총괄표", "공약가계부", "목표 미달 카드", "변경이력"]
    english = [text for text in _texts(ours) if re.search(r"[A-Za-z]", text)]
    assert english == []
    assert any(text.startswith("※ 평균 추진율") for text in _texts(ours))


def test_the_summary_title_does_not_repeat() -> None:
    texts = _texts(_document().blocks)
    assert [text for text in texts if text.startswith("총괄표")] == ["총괄표", "총괄표"]  # 목차 entry, heading


def test_card_that_cannot_be_drawn_gets_a_korean_page() -> None:
    book = _book()
    book.cards[0].annual_plan.rows[0].cells.append("여섯째 해")  # more cells than term years
    contents = package_contents(book, DAY)
    assert [(f.card_id, f.format) for f in contents.failures] == [("3-1", "package")]
    card = _sections(package_document(contents))[3]
    assert card.blocks == (Title(TITLE_31), Paragraph(package.L_NOT_DRAWN))
    assert not re.search(r"[A-Za-z]", package.L_NOT_DRAWN)


def _finance_book() -> m.Workbook:
    """_book with 재정계획 rows: 3-1 2024 국비 1,000 | 600 | 300; 3-2 whole term 시·도비 500 | 500 | 125."""
    book = _book()
    book.finance = [m.FinanceRow("3-1", 2024, "국비", Decimal(1000), Decimal(600), Decimal(300)),
                    m.FinanceRow("3-2", None, "시·도비", Decimal(500), Decimal(500), Decimal(125))]
    return book


def _rows(table: Table) -> list[list[str]]:
    return [["\n".join(item.lines) for item in row.cells] for row in table.rows]


def test_finance_part_after_the_summary_and_in_the_contents() -> None:
    """국비 1,000 | 600 | 300: 60.0, 50.0; 시·도비 500 | 500 | 125: 100.0, 25.0;
    합계 1,500 | 1,100 | 425: 1100 ÷ 1500 = 73.33… → 73.3, 425 ÷ 1100 = 38.63… → 38.6."""
    doc = _document(_finance_book())
    sections = _sections(doc)
    assert [(s.name, s.orientation) for s in sections][:4] == [
        ("총괄표", "landscape"), ("공약가계부", "landscape"), ("목표 미달 카드", "portrait"), ("변경이력", "landscape")]
    assert not [b for b in sections[0].blocks if isinstance(b, Table) and b.caption.startswith("공약가계부")]
    finance = sections[1]
    assert finance.blocks[0] == Heading("공약가계부", 1)
    tables = [b for b in finance.blocks if isinstance(b, Table)]
    assert [t.caption for t in tables] == ["공약가계부(재원별)", "공약가계부(분야별)"]
    assert _rows(tables[0])[1:] == [["국비", "1,000", "600", "300", "60.0", "50.0"],
                                    ["시·도비", "500", "500", "125", "100.0", "25.0"],
                                    ["합계", "1,500", "1,100", "425", "73.3", "38.6"]]
    assert tables[1].notes and not tables[0].notes
    toc = next(b for b in doc.blocks if isinstance(b, TableOfContents))
    assert [e.text for e in toc.entries][:4] == ["총괄표", "공약가계부", "목표 미달 카드", "변경이력"]


def test_missed_cards_list_by_hand() -> None:
    """기준일 2024-12-31, 2024 targets 60 %: 3-1 at 40 % 미달, 3-2 at 60 % 달성 (exactly)."""
    missed = _sections(_document())[1]
    assert missed.blocks[:2] == (Heading("목표 미달 카드", 1),
                                 Paragraph("2024년 목표 기준: 미달 1건, 달성 1건, 목표 없음 0건"))
    table = missed.blocks[2]
    assert isinstance(table, Table) and table.header_rows == 1
    assert _rows(table) == [["관리번호", "사업명", "추진율", "목표"], ["3-1", TITLE_31, "40%", "60%"]]
    assert table.notes[0] == "※ 미달 = 추진율이 2024년 목표(연차별 추진계획의 목표(%))보다 낮은 카드"


def test_no_missed_card_says_so() -> None:
    book = _book()
    book.cards[0].header.progress = 61  # above its 2024 target of 60
    missed = _sections(_document(book))[1]
    assert missed.blocks == (Heading("목표 미달 카드", 1), Paragraph("2024년 목표 기준: 미달 0건, 달성 2건, 목표 없음 0건"),
                             Paragraph("목표 미달 카드 없음"))


def test_report_title() -> None:
    assert report_title(m.Settings(term="8기")) == "민선 8기 공약사업 추진상황 보고"
    assert report_title(m.Settings(term="민선 8기")) == "민선 8기 공약사업 추진상황 보고"
    assert report_title(m.Settings()) == "공약사업 추진상황 보고"


def test_member_names_stay_unique() -> None:
    taken: set[str] = set()
    assert [unique_member(n, taken) for n in ("cards/a.txt", "cards/A.txt", "cards/a.txt")] == [
        "cards/a.txt", "cards/A (2).txt", "cards/a (3).txt"]


# ── the zip ───────────────────────────────────────────────────────────────
@pytest.fixture(scope="module")
def result() -> package.PackageResult:
    return make_package(_book(), soffice=False)


@pytest.fixture(scope="module")
def members(result: package.PackageResult) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(result.data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _zip_text(data: bytes, suffix: str) -> str:
    """Every text node of the members whose name ends in ``suffix``, in member order."""
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        roots = [etree.fromstring(archive.read(name)) for name in archive.namelist() if name.endswith(suffix)]
    return " ".join(node.text or "" for root in roots for node in root.iter() if node.tag.endswith("}t"))


def test_members(members: dict[str, bytes]) -> None:
    cards = {f"cards/{card_id}_{title}.{fmt}" for card_id, title in (("3-1", TITLE_31), ("3-2", TITLE_32))
             for fmt in FORMATS}
    combined = {f"{STEM}.docx", f"{STEM}.hwpx", f"{STEM}.xlsx"}
    assert set(members) == cards | combined | {"manifest.json", "참고.txt"}


def test_result_counts_every_member(result: package.PackageResult, members: dict[str, bytes]) -> None:
    """10 card files + 3 combined files + manifest.json + 참고.txt = 15 (the files alone are 13)."""
    assert result.members == len(members) == 15
    assert len(result.files) == 13


def test_members_sorted_and_dated_1980(result: package.PackageResult) -> None:
    with zipfile.ZipFile(io.BytesIO(result.data)) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}


def test_korean_names_carry_the_utf8_flag(result: package.PackageResult) -> None:
    with zipfile.ZipFile(io.BytesIO(result.data)) as archive:
        korean = [i for i in archive.infolist() if not i.filename.isascii()]
    assert len(korean) == 2 * len(FORMATS) + 3 + 1  # cards, combined files, 참고.txt
    assert all(info.flag_bits & 0x800 for info in korean)
    assert f"{STEM}.docx".encode() in result.data


def test_same_workbook_same_bytes(result: package.PackageResult) -> None:
    assert make_package(_book(), soffice=False).data == result.data


def test_corpus_workbook_same_bytes_in_parallel() -> None:
    book = make_corpus(6)
    serial = make_package(book, soffice=False)
    assert make_package(book, soffice=False, jobs=2).data == serial.data
    assert serial.failures == []


def test_manifest(members: dict[str, bytes]) -> None:
    entries = json.loads(members["manifest.json"])["files"]
    listed = sorted(name for name in members if name not in ("manifest.json", "참고.txt"))
    assert [e["file"] for e in entries] == listed
    for entry in entries:
        data = members[entry["file"]]
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["기준일"] == "2024-12-31"
        assert entry["reportgen"] == __version__
        assert entry["format"] == entry["file"].rsplit(".", 1)[1]
        assert entry["관리번호"] == (entry["file"][6:9] if entry["file"].startswith("cards/") else "")


def test_notes_file_without_pdf_says_why_and_that_the_contents_has_no_numbers(
        result: package.PackageResult, members: dict[str, bytes]) -> None:
    assert result.notes == [package.NOT_ASKED, package.NO_PAGE_NUMBERS]
    assert members["참고.txt"].decode("utf-8") == f"※ {package.NOT_ASKED}\n※ {package.NO_PAGE_NUMBERS}\n"


def test_cards_with_the_same_file_name_both_packed() -> None:
    book = _book()
    book.cards[0].id, book.cards[1].id = "3/1", "3?1"  # both unsafe characters become '_'
    book.cards[1].title = TITLE_31
    with zipfile.ZipFile(io.BytesIO(make_package(book, soffice=False).data)) as archive:
        names = archive.namelist()
    assert f"cards/3_1_{TITLE_31}.txt" in names
    assert f"cards/3_1_{TITLE_31} (2).txt" in names


# ── the combined files: the package document through each writer ──────────
def test_docx_holds_cover_contents_summary_changes_and_cards(members: dict[str, bytes]) -> None:
    text = _zip_text(members[f"{STEM}.docx"], "word/document.xml")
    for expected in ("부산광역시 사하구", "민선 8기 공약사업 추진상황 보고", "기준일: 2024. 12. 31.", "공약사업 2건", "목차",
                     f"3-1 {TITLE_31}", "평균 추진율(%)", "분야별", "사업기간 2027년 → 2028년", TITLE_32):
        assert expected in text
    assert "명칭 정비 예정안" not in text  # the change after the 기준일 is left out
    with zipfile.ZipFile(io.BytesIO(members[f"{STEM}.docx"])) as archive:
        body = archive.read("word/document.xml").decode()
    assert 'w:orient="landscape"' in body  # the 총괄표 and 변경이력 section


def test_hwpx_validates_and_its_summary_is_landscape(members: dict[str, bytes], tmp_path: Path) -> None:
    data = members[f"{STEM}.hwpx"]
    report = validate_document(data)
    assert report.ok, report.issues
    path = tmp_path / "package.hwpx"
    path.write_bytes(data)
    checked = validate_package(path)
    assert checked.ok, checked.errors
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = [archive.read(n).decode() for n in archive.namelist() if n.startswith("Contents/section")]
    summary = next(part for part in parts if "평균 추진율(%)" in part)
    assert 'landscape="NARROWLY"' in summary  # Hancom's word for a turned (landscape) page
    text = _zip_text(data, ".xml")
    assert "변경이력" in text and TITLE_31 in text and "명칭 정비 예정안" not in text


def test_xlsx_a_sheet_per_part(members: dict[str, bytes]) -> None:
    book = load_workbook(io.BytesIO(members[f"{STEM}.xlsx"]))
    assert book.sheetnames == ["목차", "총괄표", "목표 미달 카드", "변경이력", "3-1", "3-2"]
    summary = list(book["총괄표"].iter_rows(values_only=True))
    area_row = next(row for row in summary if row[0] == AREA)
    assert area_row == (AREA, 2, "-", "-", "-", 2, "-", "-", "-", 0, 50)  # 완료율, 평균 추진율
    changes = [row for row in book["변경이력"].iter_rows(values_only=True) if row[0] == "3-2"]
    assert changes == [("3-2", TITLE_32, CHANGE.date, CHANGE.content, CHANGE.reason, CHANGE.procedure)]


# ── 기준일 ────────────────────────────────────────────────────────────────
def test_cards_as_of_the_day() -> None:
    data = make_package(_book(), dt.date(2024, 3, 31), soffice=False).data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        card = archive.read(f"cards/3-2_{TITLE_32}.txt").decode()
        manifest = json.loads(archive.read("manifest.json"))
    assert "2024. 03." in card and "2024. 07." not in card
    assert "공약사업_추진상황_보고_2024-03-31.docx" in names
    assert {e["기준일"] for e in manifest["files"]} == {"2024-03-31"}


def test_as_of_from_settings_and_bad_settings() -> None:
    book = _book()
    book.settings.as_of = "31.12.2024"
    with pytest.raises(InputError, match="기준일"):
        make_package(book, soffice=False)
    book.settings.as_of = ""
    with zipfile.ZipFile(io.BytesIO(make_package(book, soffice=False).data)) as archive:
        assert "공약사업_추진상황_보고.docx" in archive.namelist()


def test_card_that_cannot_be_drawn_is_noted_and_the_rest_packed() -> None:
    book = _book()
    book.cards[0].annual_plan.rows[0].cells.append("여섯째 해")  # more cells than term years
    result = make_package(book, soffice=False)
    failed = {(f.card_id, f.format) for f in result.failures}
    assert ("3-1", "docx") in failed and ("3-1", "package") in failed
    assert all(card_id == "3-1" for card_id, _ in failed)
    assert any("3-1" in note and "docx" in note for note in result.notes)
    with zipfile.ZipFile(io.BytesIO(result.data)) as archive:
        names = archive.namelist()
        assert validate_document(archive.read(f"{STEM}.hwpx")).ok
        assert package.L_NOT_DRAWN in _zip_text(archive.read(f"{STEM}.docx"), "word/document.xml")
        assert "3-1" in archive.read("참고.txt").decode()
    assert [n for n in names if n.startswith("cards/3-1_")] == []  # every card format draws card_document
    assert {n for n in names if n.startswith("cards/3-2_")} == {f"cards/3-2_{TITLE_32}.{fmt}" for fmt in FORMATS}


# ── the PDF and the 목차 page numbers ─────────────────────────────────────
def test_no_soffice_gives_notes_and_no_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf.shutil, "which", lambda _name: None)
    result = make_package(_book())
    assert result.notes == [pdf.NO_SOFFICE, package.NO_PAGE_NUMBERS]
    with zipfile.ZipFile(io.BytesIO(result.data)) as archive:
        assert not [name for name in archive.namelist() if name.endswith(".pdf")]


def _pdf_pages(data: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "p.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, timeout=60).stdout.decode()
    return ["".join(page.split()) for page in text.split("\f")[:-1]]


def test_part_markers_are_the_first_printed_texts() -> None:
    """총괄표, 목표 미달 카드 and 변경이력: their heading; a card: 관리번호 box (label, id) then the 사업명,
    no blanks."""
    sections = _sections(_document())
    assert [part_marker(section) for section in sections] == [
        "총괄표", "목표미달카드", "변경이력", "관리번호3-1신평·장림산업단지「낙동강테크노밸리」조성",
        "관리번호3-2서부산스마트밸리「낙동강테크노밸리」조성"]


def test_placeholder_pages_as_wide_as_a_guess_of_four_pages_a_part() -> None:
    assert placeholder_pages(4) == [88] * 4  # 4 × (4 + 1) = 20: two digits
    assert placeholder_pages(102) == [888] * 102  # 4 × 103 = 412: three digits


#: page texts as pdftotext gives them for 총괄표 (2 pages), 목표 미달 카드, 변경이력, card 3-1 (2 pages),
#: card 3-2: card 3-1's box read value first, 3-2's title broken over two lines
PAGE_TEXTS = ["총괄표\n분야별\n분야 계 완료", "부서별\n부서 계", "목표 미달 카드\n2024년 목표 기준",
              "변경이력\n관리번호 사업명 변경일\n3-2",
              f"3-1\n관리번호\n{TITLE_31}\n사업구분", "○ 2023. 06. ~ 07. : 혁신계획",
              "관리번호 3-2\n서부산스마트밸리 「낙동강\n테크노밸리」 조성\n사업구분"]


def test_find_starts_in_order_whatever_the_reading_order_of_the_box() -> None:
    assert find_starts(PAGE_TEXTS, _sections(_document())) == [1, 3, 4, 5, 7]


@pytest.mark.parametrize(("pages", "said"), [
    (PAGE_TEXTS[:6], "3-2의 첫 쪽을 찾지 못했습니다"),  # card 3-2's page is not there
    (["표지", *PAGE_TEXTS], "총괄표의 첫 쪽을 찾지 못했습니다"),  # the 총괄표 must be the first page
    ([*PAGE_TEXTS[:5], PAGE_TEXTS[6], *PAGE_TEXTS[5:]], "8쪽이 어느 부분의 첫 쪽인지"),  # 3-2 opens twice
    ([*PAGE_TEXTS[:4], PAGE_TEXTS[6], *PAGE_TEXTS[4:6]], "3-2의 첫 쪽을 찾지 못했습니다"),  # 3-2 before 3-1
    ([*PAGE_TEXTS[:4], "변경이력 관리번호 사업명", *PAGE_TEXTS[4:]], "5쪽이 어느 부분의 첫 쪽인지"),
    ([*PAGE_TEXTS[:2], *PAGE_TEXTS[3:]], "목표 미달 카드의 첫 쪽을 찾지 못했습니다"),
])
def test_find_starts_refuses_what_it_cannot_check(pages: list[str], said: str) -> None:
    with pytest.raises(LayoutUnchecked, match=said):
        find_starts(pages, _sections(_document()))


def _squeezed(text: str) -> str:
    return "".join(text.split())


@needs_pdf_tools
def test_contents_page_numbers_are_the_pages_of_the_pdf(tmp_path: Path) -> None:
    contents = package_contents(_book(), DAY)
    made = package.pdf_and_pages(contents)
    data, pages = made.data, made.pages
    assert made.note == ""  # found in the one-run layout: no parts converted one by one
    assert pages[0] == 3  # cover, 목차: one page each
    texts = _pdf_pages(data, tmp_path)
    assert len(texts) > pages[-1]
    for title, page in zip(("총괄표", "목표미달카드", "변경이력"), pages, strict=False):
        assert texts[page - 1].startswith(title), (title, page)
    for title, page in ((TITLE_31, pages[3]), (TITLE_32, pages[4])):  # the 관리번호 box, then the 사업명
        assert "".join(title.split()) in texts[page - 1][:40], (title, page)
        assert "".join(title.split()) not in texts[page - 2], (title, page)
    squeezed = ["".join(title.split()) for title in (TITLE_31, TITLE_32)]
    toc = re.sub(r"\.{3,}", "", texts[1])  # the 목차 shows the numbers (dot leaders removed)
    assert toc == (f"목차총괄표3목표미달카드{pages[1]}변경이력{pages[2]}3-1{squeezed[0]}{pages[3]}"
                   f"3-2{squeezed[1]}{pages[4]}")
    # the PDF is the whole DOCX laid out in one piece: same pages, same text on each
    whole = pdf.convert([package.WRITERS["docx"].render_document(package_document(contents, pages))])[0]
    assert _pdf_pages(whole, tmp_path) == texts


@needs_pdf_tools
def test_one_run_pdf_splices_the_numbered_front_to_the_rest(tmp_path: Path) -> None:
    """Six corpus cards (some of several pages): the spliced PDF has the whole DOCX's pages and
    text, the 목차 its numbers, and each number is the page where that part's text starts."""
    contents = package_contents(make_corpus(6), DAY)
    made = package.one_run_pdf(contents)
    texts = _pdf_pages(made.data, tmp_path)
    whole = pdf.convert([package.WRITERS["docx"].render_document(package_document(contents, made.pages))])[0]
    whole_texts = _pdf_pages(whole, tmp_path)
    assert len(texts) == len(whole_texts) == pdf.page_count(made.data) and texts == whole_texts
    assert texts[0].startswith("부산광역시사하구") and texts[1].startswith("목차")
    assert len(made.pages) == 9 and made.pages[0] == 3 and made.pages == sorted(set(made.pages))
    for card, page in zip(contents.book.cards, made.pages[3:], strict=True):
        first = texts[page - 1]
        assert _squeezed(card.title) in first[:60] and card.id in first[:20], (card.id, page)
        assert first[:60].count("관리번호") == 1
        assert re.search(rf"{re.escape(_squeezed(card.title))}\.*{page}", texts[1])  # entry, leaders, page


@needs_pdf_tools
def test_parts_method_when_a_first_page_cannot_be_found(tmp_path: Path) -> None:
    """A 사업명 longer than a page: card 3-1's first page cannot hold its marker, so the one-run
    layout fails its check; the parts are converted one by one, the notes say so, and the 목차
    numbers still are the pages where the parts start."""
    book = _book()
    book.cards[0].title = "아주 긴 사업명 " * 300
    contents = package_contents(book, DAY)
    with pytest.raises(LayoutUnchecked, match="3-1의 첫 쪽을 찾지 못했습니다"):
        package.one_run_pdf(contents)
    result = make_package(book)
    assert result.notes[0].startswith("목차 쪽 번호: 한 번에 배치한 PDF를 확인하지 못해(3-1의 첫 쪽을 찾지 못했습니다)")
    assert "the parts were converted one by one" in result.notes[0]
    assert result.notes[1:] == [package.PAGES_FROM_LIBREOFFICE]
    with zipfile.ZipFile(io.BytesIO(result.data)) as archive:
        assert result.notes[0] in archive.read("참고.txt").decode("utf-8")
        texts = _pdf_pages(archive.read(f"{STEM}.pdf"), tmp_path)
    toc = re.sub(r"\.{3,}", "", "".join(texts[1:texts.index(next(t for t in texts if t.startswith("총괄표")))]))
    shown = re.fullmatch(rf"목차총괄표(\d+)목표미달카드(\d+)변경이력(\d+)3-1(?:아주긴사업명)+(\d+)"
                         rf"3-2{_squeezed(TITLE_32)}(\d+)", toc)
    assert shown, toc
    summary, missed, changes, first, second = (int(number) for number in shown.groups())
    assert texts[summary - 1].startswith("총괄표") and texts[changes - 1].startswith("변경이력")
    assert texts[missed - 1].startswith("목표미달카드")
    assert "관리번호" in texts[first - 1][:20] and "3-1" in texts[first - 1][:20]
    assert _squeezed(TITLE_32) in texts[second - 1][:40] and "3-2" in texts[second - 1][:20]
    assert _squeezed(TITLE_32) not in texts[second - 2]


@needs_pdf_tools
def test_package_with_pdf_and_numbered_contents() -> None:
    result = make_package(_book())
    assert result.notes == [package.PAGES_FROM_LIBREOFFICE]
    with zipfile.ZipFile(io.BytesIO(result.data)) as archive:
        assert archive.read(f"{STEM}.pdf").startswith(b"%PDF")
        docx_text = _zip_text(archive.read(f"{STEM}.docx"), "word/document.xml")
        hwpx_text = _zip_text(archive.read(f"{STEM}.hwpx"), ".xml")
    numbers = re.search(r"총괄표 3 목표 미달 카드 (\d+) 변경이력 (\d+)", docx_text)  # entry, tab, page: joined by a space
    assert numbers and 3 < int(numbers[1]) < int(numbers[2])
    assert "총괄표" in hwpx_text and "3" in hwpx_text
    assert result.members == 16


# ── pieces, runs, the spool and the package written to a file ─────────────
def test_chunked_and_spread_by_hand() -> None:
    assert package.chunked([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]
    assert package.spread([1, 2, 3, 4, 5], 2) == [[1, 2, 3], [4, 5]]
    assert package.spread([1, 2], 4) == [[1], [2]]  # never an empty group
    assert package.spread([1, 2, 3], 1) == [[1, 2, 3]]
    assert package.card_chunk(1000, 2) == package.CARDS_PER_TASK and package.card_chunk(6, 2) == 1


def test_spool_lays_members_out_in_name_order_as_zip_members_does(tmp_path: Path) -> None:
    """Members spooled in any order give the bytes of the in-memory zip of the sorted members."""
    from reportgen.writers.zippack import Member, ZipSpool, zip_members

    members = [Member.deflated("b.txt", "둘".encode() * 500), Member.stored("가.docx", b"PK" * 3),
               Member.deflated("a/c.txt", b"c"), Member.stored("empty.pdf", b"")]
    out = io.BytesIO()
    with ZipSpool(str(tmp_path)) as spool:
        for member in members:
            spool.add(member)
        assert spool.write_zip(out) == 4
    assert out.getvalue() == zip_members(sorted(members, key=lambda member: member.name))
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == ["a/c.txt", "b.txt", "empty.pdf", "가.docx"]
        assert archive.read("b.txt") == "둘".encode() * 500
    assert list(tmp_path.iterdir()) == []  # the spool has no name in the folder


def test_write_package_writes_the_bytes_make_package_gives(tmp_path: Path) -> None:
    book = make_corpus(6)
    target = tmp_path / "out" / "의회제출.zip"
    result = package.write_package(book, target, soffice=False, jobs=2)
    assert target.read_bytes() == make_package(book, soffice=False).data
    assert result.data == b"" and result.members == 6 * len(FORMATS) + 3 + 2
    assert [path.name for path in target.parent.iterdir()] == ["의회제출.zip"]  # no temp file left


def test_write_package_that_fails_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure while packing (here the notes file) leaves the old zip as it was and no temp file."""
    target = tmp_path / "의회제출.zip"
    target.write_bytes(b"old zip")

    def broken(_notes: list[str]) -> bytes:
        raise RuntimeError("broken")
    monkeypatch.setattr(package, "notes_text", broken)
    with pytest.raises(RuntimeError, match="broken"):
        package.write_package(_book(), target, soffice=False)
    assert target.read_bytes() == b"old zip"
    assert [path.name for path in tmp_path.iterdir()] == ["의회제출.zip"]


def test_combined_process_killed_is_a_lost_worker_and_nothing_is_left(monkeypatch: pytest.MonkeyPatch,
                                                                      tmp_path: Path) -> None:
    """The process that makes the combined documents (with -j 2) killed by the OS: WorkerLost (as
    for a card worker), no zip, no temp file, and no process of the package left."""
    main = os.getpid()
    real = package.package_document

    def killed_in_the_child(contents: package.PackageContents, pages: list[int] | None = None) -> Document:
        if os.getpid() != main:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(contents, pages)
    monkeypatch.setattr(package, "package_document", killed_in_the_child)
    with pytest.raises(package.WorkerLost):
        package.write_package(make_corpus(6), tmp_path / "p.zip", soffice=False, jobs=2)
    assert list(tmp_path.iterdir()) == []
    assert multiprocessing.active_children() == []


def test_sigterm_leaves_no_process_and_no_file(tmp_path: Path) -> None:
    """``write_package`` with -j 2 stopped by SIGTERM while it packs: it exits as on Ctrl-C, and
    no worker, no combined process, no zip and no temp file are left."""
    script = "\n".join((
        "import sys", "sys.path.insert(0, 'bench')", "from pathlib import Path", "from make_corpus import make_corpus",
        "from reportgen.package import write_package", "book = make_corpus(300)", "print('ready', flush=True)",
        "try:", f"    write_package(book, Path({str(tmp_path / 'p.zip')!r}), soffice=False, jobs=2)",
        "except KeyboardInterrupt:", "    sys.exit(130)"))
    child = subprocess.Popen([sys.executable, "-c", script], cwd=Path(__file__).resolve().parent.parent,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    assert child.stdout is not None and child.stdout.readline() == b"ready\n"
    deadline = time.monotonic() + 30
    while len(_session(child.pid)) < 5 and time.monotonic() < deadline:  # main, 2 combined, 2 workers
        time.sleep(0.05)
    assert len(_session(child.pid)) >= 5
    time.sleep(0.5)  # past the forks: a SIGTERM landing in an after-fork handler is lost (batch.ordered_map)
    child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=60)
    assert (child.returncode, err.decode().count("Traceback")) == (130, 0), err.decode()
    time.sleep(0.5)
    assert _session(child.pid) == set()
    assert list(tmp_path.iterdir()) == []


def _session(sid: int) -> set[int]:
    """The pids of live processes in session ``sid`` (zombies not counted)."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if fields[0] != "Z" and int(fields[3]) == sid:
                found.add(int(entry))
    return found


@needs_pdf_tools
def test_pdf_in_pieces_over_two_runs_has_the_whole_documents_pages(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Six corpus cards in pieces of two parts over two LibreOffice runs: the joined PDF has the
    pages and text of the whole DOCX laid out at once, and each 목차 number is the page where its
    part starts (the pieces' page counts carried over)."""
    monkeypatch.setattr(package, "PARTS_PER_PDF", 2)
    contents = package_contents(make_corpus(6), DAY)
    made = package.one_run_pdf(contents, runs=2)
    texts = _pdf_pages(made.data, tmp_path)
    whole = pdf.convert([package.WRITERS["docx"].render_document(package_document(contents, made.pages))])[0]
    assert texts == _pdf_pages(whole, tmp_path)
    assert len(made.pages) == 9 and made.pages == sorted(set(made.pages)) and made.pages[0] == 3
    for card, page in zip(contents.book.cards, made.pages[3:], strict=True):
        assert _squeezed(card.title) in texts[page - 1][:60] and card.id in texts[page - 1][:20], (card.id, page)
        assert re.search(rf"{re.escape(_squeezed(card.title))}\.*{page}", texts[1])


def test_card_that_cannot_be_drawn_with_workers_gives_the_same_package_and_failures() -> None:
    """With -j 2 the card pages are drawn in the combined process: the card that cannot be drawn is
    still listed first (package format), and the zip and the notes are those of -j 1."""
    book = _book()
    book.cards[0].annual_plan.rows[0].cells.append("여섯째 해")  # more cells than term years
    serial, parallel = make_package(book, soffice=False), make_package(book, soffice=False, jobs=2)
    assert parallel.failures == serial.failures and parallel.failures[0] == package.Failure(
        "3-1", "package", parallel.failures[0].message)
    assert parallel.notes == serial.notes and parallel.data == serial.data
