"""의회 제출 자료 (council package): the zip, the combined DOCX/HWPX/XLSX, the PDF, the manifest."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hwpx.tools.package_validator import validate_package
from hwpx.tools.validator import validate_document
from lxml import etree
from openpyxl import load_workbook

from reportgen import __version__, package
from reportgen import model as m
from reportgen.errors import InputError
from reportgen.package import make_package, report_title, unique_member
from reportgen.readers.text import read_text
from reportgen.writers.xlsx import unique_sheet_name

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from make_corpus import make_corpus  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
HP = "{http://www.hancom.co.kr/hwpml/2011/paragraph}"
AREA = "3. 일자리가 넘치는 경제도시"
TITLE_31 = "신평·장림산업단지 「낙동강 테크노밸리」 조성"
TITLE_32 = "서부산스마트밸리 「낙동강 테크노밸리」 조성"
CHANGE = m.ChangeRecord("2024. 05. 02.", "사업기간 2027년 → 2028년", "국비 공모 일정 연기", "구청장 방침")
LATE_CHANGE = m.ChangeRecord("2025. 02. 10.", "명칭 정비 예정안", "조례 개정", "의회 보고")
STEM = "공약사업_추진상황_보고_2024-12-31"
FORMATS = ("docx", "hwp", "hwpx", "txt", "xlsx")


def _book() -> m.Workbook:
    """The two reference quarters as cards 3-1 (2024-03, 추진 중 40%) and 3-2 (2024-12, 추진 중 60%)."""
    first = read_text(FIXTURES / "3-1_2024-03_from-docx.txt")
    second = read_text(FIXTURES / "3-1_2024-12_from-hwp.txt")
    first.id, first.title, first.area = "3-1", TITLE_31, AREA
    second.id, second.title, second.area = "3-2", TITLE_32, AREA
    second.changes = [CHANGE, LATE_CHANGE]
    settings = m.Settings(agency="부산광역시 사하구", term="8기", term_start=2022, term_end=2026, as_of="2024-12-31")
    return m.Workbook(settings, [first, second])


@pytest.fixture(scope="module")
def result() -> package.PackageResult:
    return make_package(_book(), soffice=False)


@pytest.fixture(scope="module")
def members(result: package.PackageResult) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(result.data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _xml(package_bytes: bytes, part: str) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(package_bytes)) as archive:
        return etree.fromstring(archive.read(part))


def _docx_events(body: etree._Element) -> list[str]:
    """The body in order as 'break', 'section' (a section ends) and the text of each top-level paragraph."""
    events = []
    for element in body:
        if element.tag != f"{W}p":
            continue
        if element.find(f".//{W}br[@{W}type='page']") is not None:
            events.append("break")
        text = "".join(t.text or "" for t in element.iter(f"{W}t"))
        if text:
            events.append(text)
        if element.find(f"{W}pPr/{W}sectPr") is not None:
            events.append("section")
    return events


def _text(root: etree._Element, tag: str) -> str:
    return " ".join(t.text or "" for t in root.iter(tag))


# ── the zip ───────────────────────────────────────────────────────────────
def test_members(members: dict[str, bytes]) -> None:
    cards = {f"cards/{card_id}_{title}.{fmt}" for card_id, title in (("3-1", TITLE_31), ("3-2", TITLE_32))
             for fmt in FORMATS}
    combined = {f"{STEM}.docx", f"{STEM}.hwpx", f"{STEM}.xlsx"}
    assert set(members) == cards | combined | {"manifest.json"}


def test_members_sorted_and_dated_1980(result: package.PackageResult) -> None:
    with zipfile.ZipFile(io.BytesIO(result.data)) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}


def test_korean_names_carry_the_utf8_flag(result: package.PackageResult) -> None:
    with zipfile.ZipFile(io.BytesIO(result.data)) as archive:
        korean = [i for i in archive.infolist() if not i.filename.isascii()]
    assert len(korean) == 2 * len(FORMATS) + 3
    assert all(info.flag_bits & 0x800 for info in korean)
    # the raw central directory holds the UTF-8 bytes of the name
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
    assert [e["file"] for e in entries] == sorted(name for name in members if name != "manifest.json")
    for entry in entries:
        data = members[entry["file"]]
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["기준일"] == "2024-12-31"
        assert entry["reportgen"] == __version__
        assert entry["format"] == entry["file"].rsplit(".", 1)[1]
        assert entry["관리번호"] == (entry["file"][6:9] if entry["file"].startswith("cards/") else "")


def test_member_names_stay_unique() -> None:
    taken: set[str] = set()
    assert [unique_member(n, taken) for n in ("cards/a.txt", "cards/A.txt", "cards/a.txt")] == [
        "cards/a.txt", "cards/A (2).txt", "cards/a (3).txt"]


def test_cards_with_the_same_file_name_both_packed() -> None:
    book = _book()
    book.cards[0].id, book.cards[1].id = "3/1", "3?1"  # both unsafe characters become '_'
    book.cards[1].title = TITLE_31
    with zipfile.ZipFile(io.BytesIO(make_package(book, soffice=False).data)) as archive:
        names = archive.namelist()
    assert f"cards/3_1_{TITLE_31}.txt" in names
    assert f"cards/3_1_{TITLE_31} (2).txt" in names


# ── combined DOCX ─────────────────────────────────────────────────────────
def test_docx_cover_contents_summary_changes_then_cards(members: dict[str, bytes]) -> None:
    body = _xml(members[f"{STEM}.docx"], "word/document.xml").find(f"{W}body")
    events = _docx_events(body)
    cover = events[: events.index("break")]
    assert cover == ["부산광역시 사하구", "민선 8기 공약사업 추진상황 보고", "기준일: 2024. 12. 31.", "공약사업 2건"]
    text = _text(body, f"{W}t")
    for label in ("목차", "총괄표", "변경이력", "평균 추진율(%)", "완료율(%)", "■ 분야별", "■ 부서별"):
        assert label in text
    # 목차: 관리번호, 사업명, 추진상황 of each card
    assert f"3-1 {TITLE_31} 추진 중(40%)" in text
    assert f"3-2 {TITLE_32} 추진 중(60%)" in text
    assert "3-2 " + TITLE_32 + " 2024. 05. 02. 사업기간 2027년 → 2028년 국비 공모 일정 연기 구청장 방침" in text
    assert "명칭 정비 예정안" not in text  # the change after the 기준일 is left out


def test_docx_summary_figures(members: dict[str, bytes]) -> None:
    """The 분야별 row, cell by cell, against figures computed by hand."""
    body = _xml(members[f"{STEM}.docx"], "word/document.xml").find(f"{W}body")
    rows = [["".join(t.text or "" for t in tc.iter(f"{W}t")) for tc in tr.iter(f"{W}tc")]
            for tr in body.iter(f"{W}tr")]
    area_row = next(row for row in rows if row[0] == AREA)
    # 계 2; 완료 -, 이행후 계속추진 -, 정상추진 -, 추진 중 2, 일부추진 -, 보류 -, 폐기 -; 50.0; 0.0
    assert area_row == [AREA, "2", "-", "-", "-", "2", "-", "-", "-", "50.0", "0.0"]


def test_docx_every_card_on_its_own_page(members: dict[str, bytes]) -> None:
    body = _xml(members[f"{STEM}.docx"], "word/document.xml").find(f"{W}body")
    events = _docx_events(body)
    first, second = events.index(TITLE_31), events.index(TITLE_32)
    assert "section" in events[:first]  # the landscape 총괄표 section ends before the first card
    assert events.index("section", events.index("총괄표")) < first
    assert "break" in events[first:second]
    assert events.count("break") >= 2


def test_docx_summary_section_is_landscape(members: dict[str, bytes]) -> None:
    body = _xml(members[f"{STEM}.docx"], "word/document.xml").find(f"{W}body")
    sections = [p.find(f"{W}pPr/{W}sectPr") for p in body.iter(f"{W}p") if p.find(f"{W}pPr/{W}sectPr") is not None]
    orient = [s.find(f"{W}pgSz").get(f"{W}orient") for s in sections]
    assert orient == [None, "landscape"]  # cover + 목차 portrait, 총괄표 landscape; the cards: the final sectPr
    final = body[-1]
    assert final.tag == f"{W}sectPr" and final.find(f"{W}pgSz").get(f"{W}orient") is None


def test_docx_contents_link_to_the_cards(members: dict[str, bytes]) -> None:
    root = _xml(members[f"{STEM}.docx"], "word/document.xml")
    anchors = [h.get(f"{W}anchor") for h in root.iter(f"{W}hyperlink")]
    bookmarks = [b.get(f"{W}name") for b in root.iter(f"{W}bookmarkStart")]
    assert anchors == bookmarks == ["card_0", "card_1"]


def test_docx_opens_in_python_docx(members: dict[str, bytes]) -> None:
    from docx import Document

    doc = Document(io.BytesIO(members[f"{STEM}.docx"]))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert TITLE_31 in text and TITLE_32 in text
    assert len(doc.sections) == 3


def test_docx_without_changes_has_no_change_table() -> None:
    book = _book()
    book.cards[1].changes = []
    with zipfile.ZipFile(io.BytesIO(make_package(book, soffice=False).data)) as archive:
        docx = archive.read(f"{STEM}.docx")
    text = _text(_xml(docx, "word/document.xml"), f"{W}t")
    assert "총괄표" in text and "변경이력" not in text


# ── combined HWPX ─────────────────────────────────────────────────────────
def test_hwpx_validates(members: dict[str, bytes], tmp_path: Path) -> None:
    data = members[f"{STEM}.hwpx"]
    report = validate_document(data)
    assert report.ok, report.issues
    path = tmp_path / "package.hwpx"
    path.write_bytes(data)
    checked = validate_package(path)
    assert checked.ok, checked.errors


def test_hwpx_cover_summary_and_a_new_page_per_card(members: dict[str, bytes]) -> None:
    section = _xml(members[f"{STEM}.hwpx"], "Contents/section0.xml")
    events = []
    for paragraph in section.findall(f"{HP}p"):  # top-level paragraphs only
        if paragraph.get("pageBreak") == "1":
            events.append("break")
        text = "".join(t.text or "" for t in paragraph.findall(f"{HP}run/{HP}t"))
        if text:
            events.append(text)
    assert events[:4] == ["부산광역시 사하구", "민선 8기 공약사업 추진상황 보고", "기준일: 2024. 12. 31.", "공약사업 2건"]
    for heading in ("목차", "총괄표", "변경이력"):
        assert events.index(heading) == events.index("break", events.index(heading) - 1) + 1
    first, second = events.index(TITLE_31), events.index(TITLE_32)
    assert events.index("변경이력") < first
    assert events[first - 1] == "break" and events[second - 1] == "break"  # the 관리번호 box starts the page
    everything = _text(section, f"{HP}t")
    assert "50.0" in everything and "추진 중(60%)" in everything
    assert "명칭 정비 예정안" not in everything


# ── XLSX ──────────────────────────────────────────────────────────────────
def test_xlsx_summary_then_one_sheet_per_card(members: dict[str, bytes]) -> None:
    book = load_workbook(io.BytesIO(members[f"{STEM}.xlsx"]))
    assert book.sheetnames == ["총괄표", "변경이력", "3-1", "3-2"]
    summary = [row for row in book["총괄표"].iter_rows(values_only=True)]
    area_row = next(row for row in summary if row[0] == AREA)
    assert area_row == (AREA, 2, "-", "-", "-", 2, "-", "-", "-", 50, 0)
    assert book["총괄표"].cell(summary.index(area_row) + 1, 10).number_format == "0.0"
    assert book["3-1"]["A2"].value == TITLE_31
    assert book["3-2"]["A2"].value == TITLE_32
    assert book["3-2"].print_title_rows == "$1:$2"
    changes = [row for row in book["변경이력"].iter_rows(values_only=True) if row[0] == "3-2"]
    assert changes == [("3-2", TITLE_32, CHANGE.date, CHANGE.content, CHANGE.reason, CHANGE.procedure)]


def test_sheet_names_unique_and_excel_safe() -> None:
    taken = {"총괄표"}
    names = [unique_sheet_name(n, taken) for n in ("1/1", "1:1", "총괄표", "History", "x" * 40, "x" * 40)]
    assert names == ["1_1", "1_1(2)", "총괄표(2)", "History(2)", "x" * 31, "x" * 28 + "(2)"]


def test_xlsx_cards_with_clashing_ids() -> None:
    book = _book()
    book.cards[0].id, book.cards[1].id = "3/1", "3:1"
    data = make_package(book, soffice=False).data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = load_workbook(io.BytesIO(archive.read(f"{STEM}.xlsx"))).sheetnames
    assert sheets == ["총괄표", "변경이력", "3_1", "3_1(2)"]


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


def test_report_title() -> None:
    assert report_title(m.Settings(term="8기")) == "민선 8기 공약사업 추진상황 보고"
    assert report_title(m.Settings(term="민선 8기")) == "민선 8기 공약사업 추진상황 보고"
    assert report_title(m.Settings()) == "공약사업 추진상황 보고"


# ── a card a writer cannot express ────────────────────────────────────────
def test_card_that_cannot_be_drawn_is_noted_and_the_rest_packed() -> None:
    book = _book()
    book.cards[0].annual_plan.rows[0].cells.append("여섯째 해")  # more cells than term years
    result = make_package(book, soffice=False)
    failed = {(f.card_id, f.format) for f in result.failures}
    assert ("3-1", "docx") in failed and ("3-1", "package-docx") in failed and ("3-1", "package-hwpx") in failed
    assert all(card_id == "3-1" for card_id, _ in failed)
    assert any("3-1" in note and "docx" in note for note in result.notes)
    with zipfile.ZipFile(io.BytesIO(result.data)) as archive:
        names = archive.namelist()
        assert validate_document(archive.read(f"{STEM}.hwpx")).ok
    assert f"cards/3-1_{TITLE_31}.docx" not in names
    assert f"cards/3-1_{TITLE_31}.txt" in names and f"cards/3-2_{TITLE_32}.docx" in names


# ── PDF ───────────────────────────────────────────────────────────────────
def test_no_soffice_gives_a_note_and_no_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(package.shutil, "which", lambda _name: None)
    result = make_package(_book())
    assert any(note.startswith("PDF 없음") and "LibreOffice" in note and "no PDF" in note for note in result.notes)
    with zipfile.ZipFile(io.BytesIO(result.data)) as archive:
        assert not [name for name in archive.namelist() if name.endswith(".pdf")]


def test_pdf_not_asked(result: package.PackageResult) -> None:
    assert result.notes == [package.NOT_ASKED]


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice (soffice) or poppler-utils (pdftotext) is not installed")
def test_pdf_of_the_combined_docx(tmp_path: Path) -> None:
    result = make_package(_book())
    assert result.notes == []
    with zipfile.ZipFile(io.BytesIO(result.data)) as archive:
        pdf = archive.read(f"{STEM}.pdf")
    assert pdf.startswith(b"%PDF")
    (tmp_path / "p.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(tmp_path / "p.pdf"), "-"], check=True, capture_output=True,
                          timeout=60).stdout.decode()
    squeezed = "".join(text.split())
    for expected in ("부산광역시사하구", "총괄표", "변경이력", "".join(TITLE_31.split()), "".join(TITLE_32.split())):
        assert expected in squeezed


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_pdf_timeout_gives_a_note() -> None:
    pdf, note = package.docx_to_pdf(b"PK not a real docx", timeout=0.01)
    assert pdf is None
    assert note.startswith("PDF 없음") and "0.01" in note
