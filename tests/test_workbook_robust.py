"""Workbook reader robustness (issue 9): bounded memory, formulas and error values, Unicode,
characters no file can hold, foreign formats, hidden rows.

Every expected value is written out by hand (a model built in the test, a cell name, a message
part); the files are crafted by rewriting the XML of a workbook the writer made.
"""

from __future__ import annotations

import io
import pickle
import re
import subprocess
import sys
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from mutations.generate import rewrite_member, sheet_part
from mutations.ole import encrypted_xlsx, old_xls
from openpyxl.utils import column_index_from_string
from test_workbook import full_card, full_workbook, settings

from reportgen import model as m
from reportgen import workbook_contract as contract
from reportgen.errors import InputError, Problem
from reportgen.formats import WRITERS
from reportgen.readers.workbook import header_key, read_workbook
from reportgen.writers.workbook import write_workbook

ROOT = Path(__file__).resolve().parent.parent
HWP_SAMPLE = Path(__file__).parent / "fixtures" / "hwp-samples" / "table.hwp"
S = contract


# ── crafting files ────────────────────────────────────────────────────────
def put_cells(data: bytes, sheet: str, cells: dict[str, str]) -> bytes:
    """The workbook with literal ``<c>`` XML at each ref of an existing row: replacing the cell
    there, or inserted in column order."""

    def change(xml: bytes) -> bytes:
        for ref, cell in cells.items():
            pattern = re.compile(rf'<c r="{ref}"(?: [^>/]*)?(?:/>|>.*?</c>)'.encode(), re.S)
            xml, count = pattern.subn(lambda _, cell=cell: cell.encode(), xml, count=1)
            if not count:
                xml = _inserted(xml, ref, cell.encode())
        return xml

    return rewrite_member(data, sheet_part(data, sheet), change)


def _inserted(xml: bytes, ref: str, cell: bytes) -> bytes:
    letters = ref.rstrip("0123456789")
    row = re.search(rf'<row r="{ref[len(letters):]}"[^>]*>(.*?)</row>'.encode(), xml, re.S)
    assert row, f"no row for {ref}"
    at = row.end(1)
    for other in re.finditer(rb'<c r="([A-Z]+)\d+"', row[1]):
        if column_index_from_string(other[1].decode()) > column_index_from_string(letters):
            at = row.start(1) + other.start()
            break
    return xml[:at] + cell + xml[at:]


def text_cell(ref: str, text: str) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;")
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escaped}</t></is></c>'


def parts(data: bytes) -> bytes:
    """Every member of a zip, unpacked and joined (to look for a text in the XML)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return b"".join(archive.read(name) for name in archive.namelist())


def write(tmp_path: Path, data: bytes, name: str = "master.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def changed_with_openpyxl(wb: m.Workbook, change: Callable[[openpyxl.Workbook], None]) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(write_workbook(wb)))
    change(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def problems(path: Path) -> list[Problem]:
    with pytest.raises(InputError) as caught:
        read_workbook(path)
    assert all(problem.file == str(path) and problem.fix_ko and problem.fix_en for problem in caught.value.problems)
    return caught.value.problems


def many_cards(count: int) -> m.Workbook:
    """The full 3-1 card and ``count`` plain cards 4-1 … (공약목록 rows 2 … count + 2)."""
    return m.Workbook(settings(), [full_card("3-1")] + [m.Card(id=f"4-{i}", title=f"공약 {i}")
                                                        for i in range(1, count + 1)])


# ── class 5: memory follows the cells present, not the numbers declared ───
_CHILD = """
import pickle, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from pathlib import Path
from reportgen.errors import InputError
from reportgen.readers.workbook import read_workbook
try:
    result = read_workbook(Path(sys.argv[1]))
except InputError as error:
    result = error.problems
Path(sys.argv[2]).write_bytes(pickle.dumps(result))
"""
FAR_ROWS = 20_000  # rows with one cell at column XFD: 16,384 padded cells each were 2.6 GB


def far_right_and_far_down(sheet_xml: bytes, last_card: tuple[str, str] | None) -> bytes:
    """A cell at column XFD in every row, 20,000 more rows holding only such a cell, a dimension of
    the whole sheet and (``last_card``) a card on Excel's last row 1,048,576."""
    xml = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', sheet_xml)
    xml = re.sub(rb'<row r="(\d+)"([^>]*)>(.*?)</row>',
                 lambda row: b'<row r="%s"%s>%s<c r="XFD%s"><v>7</v></c></row>' % (row[1], row[2], row[3], row[1]),
                 xml, flags=re.S)
    last = max(int(number) for number in re.findall(rb'<row r="(\d+)"', xml))
    extra = b"".join(b'<row r="%d"><c r="XFD%d" t="inlineStr"><is><t>far</t></is></c></row>' % (n, n)
                     for n in range(last + 1, last + 1 + FAR_ROWS))
    if last_card:
        card_id, title = (text.encode() for text in last_card)
        extra += (b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>%s</t></is></c>'
                  b'<c r="C1048576" t="inlineStr"><is><t>%s</t></is></c><c r="XFD1048576"><v>1</v></c></row>'
                  % (card_id, title))
    return xml.replace(b"</sheetData>", extra + b"</sheetData>")


def test_cells_far_right_and_far_down_are_read_within_one_gigabyte(tmp_path: Path) -> None:
    """A child process limited to 1 GiB of address space reads a < 1 MB workbook with a cell at
    column XFD in every row of 공약목록 and 추진실적, 20,000 rows with only such a cell, a card on
    row 1,048,576 and a dimension of the whole sheet: the cards come out as they were, plus the last one."""
    data = write_workbook(full_workbook())
    data = rewrite_member(data, sheet_part(data, S.SHEET_CARDS),
                          lambda xml: far_right_and_far_down(xml, ("9-9", "마지막 행의 공약")))
    data = rewrite_member(data, sheet_part(data, S.SHEET_ACHIEVEMENTS), lambda xml: far_right_and_far_down(xml, None))
    assert len(data) <= 1_000_000
    path, out = write(tmp_path, data), tmp_path / "result.pickle"
    done = subprocess.run([sys.executable, "-c", _CHILD, str(path), str(out)], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    expected = full_workbook()
    expected.cards.append(m.Card(id="9-9", title="마지막 행의 공약"))
    assert pickle.loads(out.read_bytes()) == expected


_PEAK_CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from pathlib import Path
from reportgen.errors import InputError
from reportgen.readers.workbook import read_workbook
try:
    print("cards", len(read_workbook(Path(sys.argv[1])).cards))
except InputError as error:
    print("refused", error.problems[0].en)
peak = [line.split()[1] for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM")]
print("peak_kb", peak[0])
"""
MANY = 10_000_000  # empty elements: 40-70 MB of XML, a few tens of kB compressed, over 1 GB as a tree


def _many_in_a_row(xml: bytes) -> bytes:
    return xml.replace(b'<row r="3">', b'<row r="3">' + b"<c/>" * MANY, 1)


def _many_after_the_rows(xml: bytes) -> bytes:
    return xml.replace(b"</worksheet>", b"<extLst>" + b"<ext/>" * MANY + b"</extLst></worksheet>")


def _many_styles(xml: bytes) -> bytes:
    return xml.replace(b"</cellXfs>", b"<xf/>" * MANY + b"</cellXfs>")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc for the peak memory")
@pytest.mark.parametrize(("member", "change"), [
    ("공약목록", _many_in_a_row), ("추진실적", _many_after_the_rows), ("xl/styles.xml", _many_styles),
], ids=["one-row", "after-the-rows", "styles"])
def test_millions_of_empty_elements_in_one_place_are_refused_early(
    member: str, change: Callable[[bytes], bytes], tmp_path: Path
) -> None:
    """lxml keeps an element's subtree until its end: 10 million empty ``<c/>`` in one row (Excel has
    16,384 columns) or elements after the rows or in the styles are refused while parsing, with a
    clear message and a small peak, not after building a tree of gigabytes."""
    data = write_workbook(full_workbook())
    data = rewrite_member(data, member if "/" in member else sheet_part(data, member), change)
    assert len(data) < 300_000
    done = subprocess.run([sys.executable, "-c", _PEAK_CHILD, str(write(tmp_path, data))], capture_output=True,
                          text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    outcome, peak = done.stdout.splitlines()
    assert "more XML elements than any Excel file holds" in outcome
    assert int(peak.split()[1]) < 300 * 1024, peak


# ── class 6: formulas and error values ────────────────────────────────────
def test_a_formula_is_read_as_the_value_excel_saved(tmp_path: Path) -> None:
    data = write_workbook(full_workbook())
    data = put_cells(data, S.SHEET_CARDS, {
        "H2": '<c r="H2"><f>30*2</f><v>60</v></c>',
        "C2": '<c r="C2" t="str"><f>"신평"&amp;"산단"</f><v>신평산단</v></c>',
    })
    data = put_cells(data, S.SHEET_COMMUNICATION, {  # a shared formula: the second cell names it by si
        "B2": '<c r="B2"><f t="shared" ref="B2:B3" si="0">1+1</f><v>2</v></c>',
        "B3": '<c r="B3"><f t="shared" si="0"/><v>3</v></c>',
    })
    data = put_cells(data, S.SHEET_SETTINGS, {"B3": '<c r="B3" t="str"><f>"9"&amp;"기"</f><v>9기</v></c>'})
    wb = read_workbook(write(tmp_path, data))
    expected = full_workbook()
    expected.settings.term = "9기"
    first, second = expected.cards
    first.header.progress, first.title = 60, "신평산단"
    first.communication = [2, 2, None, 0, 1]
    second.communication = [3, None, None, None, None]
    assert wb == expected


@pytest.mark.parametrize("cell", [
    '<c r="H2"><f>30*2</f></c>',
    '<c r="H2"><f>30*2</f><v></v></c>',  # as openpyxl saves a formula
    '<c r="H2"><f t="shared" si="0"/></c>',
], ids=["no-v", "empty-v", "shared"])
def test_a_formula_without_a_saved_value_in_a_read_column_is_one_problem(cell: str, tmp_path: Path) -> None:
    path = write(tmp_path, put_cells(write_workbook(full_workbook()), S.SHEET_CARDS, {"H2": cell}))
    [problem] = problems(path)
    assert problem.where == "공약목록!H2"
    assert "수식의 값이 저장되어 있지 않습니다" in problem.ko and "the formula has no saved value" in problem.en
    assert "open and save the file in Excel" in problem.fix_en and "Excel에서 열고 저장하세요" in problem.fix_ko


def test_an_error_value_in_a_read_column_is_a_problem_naming_the_cell(tmp_path: Path) -> None:
    data = put_cells(write_workbook(full_workbook()), S.SHEET_CARDS, {"C2": '<c r="C2" t="e"><v>#N/A</v></c>'})
    data = put_cells(data, S.SHEET_SETTINGS, {"B6": '<c r="B6" t="e"><f>1/0</f><v>#DIV/0!</v></c>'})  # 기준일
    found = problems(write(tmp_path, data))
    assert [(p.where, p.en) for p in found] == [
        ("설정!B6", "the cell holds an Excel error value (#DIV/0!)"),
        ("공약목록!C2", "the cell holds an Excel error value (#N/A)"),
    ]


def test_cells_outside_the_read_columns_are_ignored_whatever_they_hold(tmp_path: Path) -> None:
    """Formulas without values, error values, a merge and a lone note in columns reportgen does not
    read — an extra column, a second column of the same name, column XFD, 설정 column C and the
    value beside an unknown 설정 key — change nothing, in the first rows and further down."""
    wb = many_cards(12)  # 공약목록 rows 2-14

    def change(book: openpyxl.Workbook) -> None:
        cards = book[S.SHEET_CARDS]
        cards["N1"], cards["O1"] = "비고", "사업명"  # an extra column, a second column of a read name
        cards.merge_cells("N5:N9")
        cards["N16"] = "표 아래 행, 표 옆의 메모"  # a row holding only a note in an extra column
        book[S.SHEET_SETTINGS].append(["메모", "x"])  # row 9: a key reportgen does not know

    data = changed_with_openpyxl(wb, change)
    no_value, error = '<c r="{0}"><f>SUM(1)</f><v></v></c>', '<c r="{0}" t="e"><v>#REF!</v></c>'
    cards = {ref: template.format(ref) for ref, template in {
        "N2": no_value, "N3": error, "O2": error, "O13": no_value, "N14": error, "XFD3": error, "XFD14": no_value,
    }.items()}
    data = put_cells(data, S.SHEET_CARDS, cards)
    data = put_cells(data, S.SHEET_SETTINGS, {"C2": error.format("C2"), "B9": no_value.format("B9")})
    data = put_cells(data, S.SHEET_ACHIEVEMENTS, {"G2": error.format("G2"), "XFD11": no_value.format("XFD11")})
    assert read_workbook(write(tmp_path, data)) == wb


def test_a_merge_over_a_read_column_is_still_one_problem(tmp_path: Path) -> None:
    data = changed_with_openpyxl(many_cards(3), lambda book: book[S.SHEET_CARDS].merge_cells("B3:B5"))
    assert [p.where for p in problems(write(tmp_path, data))] == ["공약목록!B3:B5"]


# ── class 6: Unicode ──────────────────────────────────────────────────────
def test_fold_by_hand() -> None:
    nfd = unicodedata.normalize("NFD", "설정")
    assert len(nfd) == 6 and contract.fold(nfd) == "설정"
    assert contract.fold("３－１") == "3-1"
    assert contract.fold("\ufeff3\u200b-\u200c1\u200d\u2060") == "3-1"
    assert contract.fold("추진\u00a0중") == contract.fold("추진\u202f중") == "추진 중"
    assert contract.fold("  a b ") == "a b"
    assert header_key("설명회ㆍ보고회 등") == header_key("설명회·보고회\u00a0등") == "설명회·보고회등"
    assert header_key("추진율(％)") == "추진율"


def _nfd_everywhere(book: openpyxl.Workbook) -> None:
    """Every sheet name and text cell decomposed, as macOS saves Hangul."""
    for sheet in book.worksheets:
        sheet.title = unicodedata.normalize("NFD", sheet.title)
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and unicodedata.normalize("NFD", cell.value) != cell.value:
                    cell.value = unicodedata.normalize("NFD", cell.value)


def test_hangul_saved_on_macos_reads_as_composed_text(tmp_path: Path) -> None:
    data = changed_with_openpyxl(full_workbook(), _nfd_everywhere)
    assert "설정".encode() not in parts(data) and unicodedata.normalize("NFD", "설정").encode() in parts(data)
    assert read_workbook(write(tmp_path, data)) == full_workbook()


def _folded_forms(book: openpyxl.Workbook) -> None:
    cards, bullets, done = book[S.SHEET_CARDS], book[S.SHEET_BULLETS], book[S.SHEET_ACHIEVEMENTS]
    cards["A2"] = "３－１"  # full-width digits and hyphen
    cards["C1"] = "사업명\u200b"
    cards["G2"] = "추진\u00a0중"
    cards["H2"] = "４０％"
    book[S.SHEET_COOPERATION]["A2"] = "3\u2060-1"
    bullets["A2"], bullets["C2"], bullets["D1"] = "\ufeff3-1", "１", "내\u00a0용"
    done["A2"], done["D1"] = "3-1\u200b", "일자\u200d"
    book[S.SHEET_SETTINGS]["A6"] = "기준일\u200c"
    book[S.SHEET_SETTINGS]["A7"] = "상태\u3000목록"  # ideographic space
    book[S.SHEET_COMMUNICATION]["A3"] = "３-２"
    book[S.SHEET_PLAN]["C1"] = "２０２２년"


def test_full_width_invisible_and_no_break_characters_are_folded(tmp_path: Path) -> None:
    data = changed_with_openpyxl(full_workbook(), _folded_forms)
    assert read_workbook(write(tmp_path, data)) == full_workbook()


def test_a_look_alike_character_left_is_named_in_the_message(tmp_path: Path) -> None:
    def change(book: openpyxl.Workbook) -> None:
        book[S.SHEET_ACHIEVEMENTS]["A2"] = "3–1"  # en dash
        book[S.SHEET_CARDS]["G2"] = "추진\t중"
        book[S.SHEET_COOPERATION]["B1"] = "기\u2010관"  # hyphen inside the header name

    found = {p.where: p for p in problems(write(tmp_path, changed_with_openpyxl(full_workbook(), change)))}
    assert set(found) == {"추진실적!A2", "공약목록!G2", "협조부서!1:1"}
    assert "U+2013 (EN DASH)" in found["추진실적!A2"].en and "U+2013 (EN DASH)" in found["추진실적!A2"].ko
    assert "U+0009 (CONTROL CHARACTER)" in found["공약목록!G2"].en
    assert "B1: U+2010 (HYPHEN)" in found["협조부서!1:1"].en


def test_an_invisible_character_in_a_sheet_name_is_folded(tmp_path: Path) -> None:
    data = changed_with_openpyxl(full_workbook(), lambda book: setattr(book[S.SHEET_SETTINGS], "title", "설정\u200b"))
    assert read_workbook(write(tmp_path, data)) == full_workbook()


# ── class 3: characters no file can hold ──────────────────────────────────
def test_characters_no_file_can_hold_are_dropped_with_a_notice_and_every_writer_renders(tmp_path: Path) -> None:
    """``_xD800_`` (a lone surrogate) and ``_xFFFF_`` are dropped, naming the cell in a notice; a
    surrogate pair written as two escapes is the one character it encodes."""
    data = put_cells(write_workbook(full_workbook()), S.SHEET_CARDS, {"C2": text_cell("C2", "노후_xD800_산단")})
    data = put_cells(data, S.SHEET_BULLETS, {
        "D2": text_cell("D2", "벨_xFFFF_소리_xDFFF_"), "D3": text_cell("D3", "_xDBFF_임기 내 목표"),
    })
    data = put_cells(data, S.SHEET_ACHIEVEMENTS, {"F2": text_cell("F2", "_xD83D__xDE00_ 후보지 선정")})
    wb = read_workbook(write(tmp_path, data))
    expected = full_workbook()
    card = expected.cards[0]
    card.title = "노후산단"
    card.bullets[m.GOAL] = [m.BulletLine(m.MARK_L1, "벨소리"), m.BulletLine(m.MARK_NOTE, "임기 내 목표")]
    card.achievements[0].groups[0].items[0].text = "😀 후보지 선정"
    assert wb.cards == expected.cards
    assert wb.notices == [
        "공약목록 시트의 셀 1개(C2)에서 파일에 쓸 수 없는 글자(U+D800)를 뺐습니다 / "
        "characters that no file can hold (U+D800) were removed from 1 cell of 공약목록 (C2)",
        "내용 시트의 셀 2개(D2, D3)에서 파일에 쓸 수 없는 글자(U+FFFF, U+DFFF, U+DBFF)를 뺐습니다 / "
        "characters that no file can hold (U+FFFF, U+DFFF, U+DBFF) were removed from 2 cells of 내용 (D2, D3)",
    ]
    for name, writer in WRITERS.items():
        assert writer.render(wb.cards[0]), name


def test_characters_no_file_can_hold_outside_the_read_columns_give_no_notice(tmp_path: Path) -> None:
    data = changed_with_openpyxl(full_workbook(), lambda book: book[S.SHEET_CARDS].cell(row=1, column=14, value="비고"))
    data = put_cells(data, S.SHEET_CARDS, {"N2": text_cell("N2", "_xD800_")})
    assert read_workbook(write(tmp_path, data)) == full_workbook()


# ── class 6: files of another format, judged by content ───────────────────
def _zip(members: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


CSV = "관리번호,사업명,추진율\n3-1,노후산단 재생,60\n"
FOREIGN: dict[str, tuple[bytes, str, str]] = {  # name → (content, own suffix, what the message says)
    "ods": (_zip({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<office:document/>"}),
            ".ods", "an OpenDocument spreadsheet (.ods)"),
    "xls": (old_xls(), ".xls", "an Excel 97-2003 workbook (.xls)"),
    "encrypted": (encrypted_xlsx(), ".xlsx", "a password-protected (encrypted) workbook"),
    "csv-utf8": (CSV.encode("utf-8-sig"), ".csv", "a CSV or text file"),
    "csv-cp949": (CSV.encode("cp949"), ".csv", "a CSV or text file"),
    "unicode-text": (CSV.replace(",", "\t").encode("utf-16"), ".txt", "a CSV or text file"),
    "html": (b"<html><body><table><tr><td>1</td></tr></table></body></html>", ".xls", "a web page (HTML) or XML file"),
    "docx": (_zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"}), ".docx",
             "a Word document (.docx)"),
    "hwpx": (_zip({"mimetype": "application/hwp+zip", "Contents/section0.xml": "<hs:sec/>"}), ".hwpx",
             "a Hangul document (.hwpx)"),
    "hwp": (HWP_SAMPLE.read_bytes(), ".hwp", "a Hangul document (.hwp)"),
    "pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", ".pdf", "a PDF document"),
    "zip": (_zip({"보고/master.xlsx": b"PK", "메모.txt": "x"}), ".zip", "a zip archive that is no workbook"),
}
FIXES = {
    "ods": "LibreOffice Calc: Save As → Excel 2007-365 (.xlsx)", "xls": "save it as 'Excel Workbook (*.xlsx)'",
    "encrypted": "clear the password", "csv-utf8": "save it as 'Excel Workbook (*.xlsx)'",
    "csv-cp949": "save it as 'Excel Workbook (*.xlsx)'", "unicode-text": "save it as 'Excel Workbook (*.xlsx)'",
    "html": "save it as 'Excel Workbook (*.xlsx)'", "docx": "reportgen import", "hwpx": "reportgen import",
    "hwp": "reportgen import", "pdf": "reportgen init", "zip": "unzip it",
}


@pytest.mark.parametrize("kind", list(FOREIGN))
def test_a_file_of_another_format_is_named_with_the_way_to_convert_it(kind: str, tmp_path: Path) -> None:
    content, suffix, says = FOREIGN[kind]
    for name in ("master.xlsx", f"data{suffix}"):
        [problem] = problems(write(tmp_path, content, name))
        assert problem.where == ""
        assert problem.en.startswith(f"this is not an xlsx workbook but {says}")
        assert FIXES[kind] in problem.fix_en


# ── class 11: hidden rows ─────────────────────────────────────────────────
def _hide(sheet: str, *rows: int) -> Callable[[openpyxl.Workbook], None]:
    def change(book: openpyxl.Workbook) -> None:
        for row in rows:
            book[sheet].row_dimensions[row].hidden = True
    return change


def test_hidden_rows_are_read_like_the_others_with_one_notice_per_sheet(tmp_path: Path) -> None:
    wb = many_cards(9)  # 공약목록 rows 2-11
    def change(book: openpyxl.Workbook) -> None:
        _hide(S.SHEET_CARDS, 5, 9, 40)(book)  # row 40 is blank: not read, not counted
        _hide(S.SHEET_ACHIEVEMENTS, 3)(book)
    data = changed_with_openpyxl(wb, change)
    assert re.findall(rb'<row r="(\d+)"[^>]* hidden="1"', parts(data)) == [b"5", b"9", b"40", b"3"]
    read = read_workbook(write(tmp_path, data))
    assert read.cards == wb.cards
    assert read.notices == [
        "공약목록 시트의 숨긴 행 2개(5, 9행)도 읽었습니다 / 2 hidden rows of 공약목록 (rows 5, 9) were read like the others",
        "추진실적 시트의 숨긴 행 1개(3행)도 읽었습니다 / 1 hidden row of 추진실적 (row 3) was read like the others",
    ]


def test_a_notice_names_the_first_five_hidden_rows(tmp_path: Path) -> None:
    data = changed_with_openpyxl(many_cards(9), _hide(S.SHEET_CARDS, 2, 3, 4, 6, 7, 8, 11))
    assert read_workbook(write(tmp_path, data)).notices == [
        "공약목록 시트의 숨긴 행 7개(2, 3, 4, 6, 7, …행)도 읽었습니다 / "
        "7 hidden rows of 공약목록 (rows 2, 3, 4, 6, 7, …) were read like the others",
    ]


def test_no_hidden_rows_no_notice(tmp_path: Path) -> None:
    assert read_workbook(write(tmp_path, write_workbook(full_workbook()))).notices == []


# ── class 7: each sheet read as it is used (reportgen.readers.workbook.read_workbook) ──
def test_a_merge_found_at_the_end_of_a_long_sheet_is_one_problem_as_in_a_short_one(tmp_path: Path) -> None:
    """Merged ranges stand after a sheet's rows: past the first 10 rows they are found only when
    the rows are read. 사업명 B20:B22 merged leaves B21 and B22 empty; the merge is the one
    problem, as in a sheet of 5 rows (read without the merge known, B21 and B22 would be two
    '사업명이 비어 있습니다' more), in 공약목록 and in a detail sheet."""
    data = changed_with_openpyxl(many_cards(30), lambda book: book[S.SHEET_CARDS].merge_cells("B20:B22"))
    assert [p.where for p in problems(write(tmp_path, data))] == ["공약목록!B20:B22"]
    wb = many_cards(30)
    for card in wb.cards[1:]:
        card.header.cooperation = [m.Contact("산업입지과", "박정화", "888-4932", "市")]
    data = changed_with_openpyxl(wb, lambda book: book[S.SHEET_COOPERATION].merge_cells("B25:B27"))
    assert [p.where for p in problems(write(tmp_path, data, "coop.xlsx"))] == ["협조부서!B25:B27"]


def _too_many_tags(xml: bytes) -> bytes:
    """A sheet part with a last row of more XML elements than any Excel file holds."""
    return xml.replace(b"</sheetData>", b'<row r="99999">' + b"<x/>" * 1_100_000 + b"</row></sheetData>")


@pytest.mark.parametrize("moved", [False, True])
def test_of_two_damaged_sheets_the_first_in_the_file_is_named(tmp_path: Path, moved: bool) -> None:
    """Sheets are read in the contract's order (공약목록 before 내용), a damaged file is reported
    as in the file's order: with 내용 moved before 공약목록, 내용 is the sheet named."""
    wb = many_cards(3)
    data = changed_with_openpyxl(wb, lambda book: book.move_sheet(S.SHEET_BULLETS, -2) if moved else None)
    for sheet in (S.SHEET_CARDS, S.SHEET_BULLETS):
        data = rewrite_member(data, sheet_part(data, sheet), _too_many_tags)
    with pytest.raises(InputError) as caught:
        read_workbook(write(tmp_path, data))
    [problem] = caught.value.problems
    named = S.SHEET_BULLETS if moved else S.SHEET_CARDS
    assert problem.where == named and f"'{named}' 시트의" in problem.ko, problem


def test_equal_texts_of_many_rows_are_one_object(tmp_path: Path) -> None:
    """Each inline-string cell is parsed to its own text: equal texts (dates, markers, labels,
    repeated lines) are kept as one object, so that a book repeating them holds each once."""
    wb = m.Workbook(settings(), [full_card(f"3-{i}") for i in range(1, 4)])
    path = write(tmp_path, write_workbook(wb))
    read = read_workbook(path)
    assert read == wb
    first, *others = read.cards
    for card in others:
        assert card.title is first.title and card.header.department.department is first.header.department.department
        assert card.bullets[m.GOAL][0].text is first.bullets[m.GOAL][0].text
        assert card.achievements[0].groups[0].items[0].date is first.achievements[0].groups[0].items[0].date


def test_long_texts_are_not_remembered(tmp_path: Path) -> None:
    """Texts over KEPT_LENGTH characters are not remembered while a file is read (a file of many
    long texts in rows that come to nothing would otherwise hold them all): equal long texts are
    equal, not one object; the remembered ones are at most KEPT_TEXTS."""
    from reportgen.readers import xlsx_stream

    long = "가" * (xlsx_stream.KEPT_LENGTH + 1)
    wb = m.Workbook(settings(), [m.Card(id=f"4-{i}", title=long) for i in range(1, 4)])
    read = read_workbook(write(tmp_path, write_workbook(wb)))
    assert read == wb and read.cards[0].title is not read.cards[1].title
    assert xlsx_stream.KEPT_TEXTS * xlsx_stream.KEPT_LENGTH * 2 <= 8 << 20  # Hangul: 2 bytes a character
