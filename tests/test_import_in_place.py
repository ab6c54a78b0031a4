"""`reportgen import` edits the master workbook in place (issue 9): merge_cards keeps what the office
added — sheets, columns, comments, fills, widths, hidden rows, validations, names, print settings,
formulas — and moves everything that points at rows that moved.

Expected values are worked out by hand: row numbers from the line counts of the reference cards
(counted in the .txt files: 24 lines under 【추진실적】 in 2024-03, 40 in 2024-12), formulas and
ranges written out, cells named. The workbooks are made with the writer and changed with openpyxl,
as an office would in Excel; results are read back with the workbook reader and openpyxl.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from lxml import etree
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from test_finance import ROWS as FINANCE_ROWS
from test_finance import workbook_file as finance_workbook
from test_workbook import full_card, settings
from typer.testing import CliRunner

from reportgen import model as m
from reportgen import workbook_contract as contract
from reportgen.cli import app as cli_app
from reportgen.collect import checked_merge
from reportgen.errors import InputError
from reportgen.formats import WRITERS, read_card
from reportgen.readers.text import read_text
from reportgen.readers.workbook import header_key as reader_header_key
from reportgen.readers.workbook import read_workbook
from reportgen.writers import workbook_edit
from reportgen.writers.workbook import empty_workbook, write_workbook
from reportgen.writers.workbook_edit import merge_cards
from reportgen.writers.xlsx_refs import (
    LAST_ROW,
    AxisMap,
    Edit,
    SheetMaps,
    shift_formula,
    shift_sqref,
)
from reportgen.writers.xlsx_rows import NewRow

FIXTURES = Path(__file__).parent / "fixtures"
CARD_2403 = FIXTURES / "3-1_2024-03_from-docx.txt"
CARD_2412 = FIXTURES / "3-1_2024-12_from-hwp.txt"
LINES_2403, LINES_2412 = 24, 40  # 추진실적 lines of the reference cards, counted by hand
FULL_LINES = 10  # 추진실적 lines of test_workbook.full_card: 3 + 2 + 1 + 3 + 1
GROWTH = LINES_2412 - LINES_2403
TITLE = "서부산스마트밸리 「낙동강 테크노밸리」 조성"
_SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


# ── helpers ───────────────────────────────────────────────────────────────
def reference(path: Path, card_id: str = "3-1", title: str = TITLE) -> m.Card:
    card = read_text(path)
    card.id, card.title = card_id, title
    return card


def read_back(tmp_path: Path, data: bytes, name: str = "merged.xlsx") -> m.Workbook:
    path = tmp_path / name
    path.write_bytes(data)
    return read_workbook(path)


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def save(book: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def sheet_part(data: bytes, sheet: str) -> str:
    """The part of a sheet, from workbook.xml and its relationships."""
    parts = members(data)
    workbook = etree.fromstring(parts["xl/workbook.xml"], _SAFE)
    rels = etree.fromstring(parts["xl/_rels/workbook.xml.rels"], _SAFE)
    ns = {"m": workbook.nsmap[None], "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
    rel_id = workbook.xpath(f"//m:sheet[@name='{sheet}']/@r:id", namespaces=ns)[0]
    target = next(rel.get("Target") for rel in rels if rel.get("Id") == rel_id)
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def related(data: bytes, part: str) -> list[str]:
    """The parts a part points at (its .rels), with their own .rels."""
    folder, base = part.rsplit("/", 1)
    rels_name = f"{folder}/_rels/{base}.rels"
    parts = members(data)
    if rels_name not in parts:
        return []
    found = [rels_name]
    for rel in etree.fromstring(parts[rels_name], _SAFE):
        target = rel.get("Target")
        path = target.lstrip("/") if target.startswith("/") else _join(folder, target)
        found.append(path)
    return found


def _join(folder: str, target: str) -> str:
    parts = folder.split("/")
    for piece in target.split("/"):
        if piece == "..":
            parts.pop()
        else:
            parts.append(piece)
    return "/".join(parts)


def fill_of(cell) -> tuple[object, object]:
    return cell.fill.fill_type, cell.fill.fgColor.rgb


def snapshot(ws) -> dict[str, tuple[object, object, object]]:
    """Every cell with a value, comment or fill: (value, comment text, fill colour)."""
    cells = {}
    for row in ws.iter_rows():
        for cell in row:
            fill = cell.fill.fgColor.rgb if cell.fill and cell.fill.fill_type else None
            comment = cell.comment.text if cell.comment else None
            if cell.value is not None or comment or fill:
                cells[cell.coordinate] = (cell.value, comment, fill)
    return cells


def hidden_rows(ws) -> set[int]:
    return {number for number, dim in ws.row_dimensions.items() if dim.hidden}


def widths(ws) -> dict[str, float]:
    return {key: dim.width for key, dim in ws.column_dimensions.items() if dim.customWidth}


def width(ws, letter: str) -> float | None:
    """The width of a column, also when a <col> element covers several columns."""
    number = ord(letter) - 64
    return next((dim.width for dim in ws.column_dimensions.values()
                 if dim.min and dim.max and dim.min <= number <= dim.max and dim.customWidth), None)


def rows_of(ws, card_id: str) -> list[int]:
    return [cell.row for cell in ws["A"] if cell.value == card_id]


# ── the must-show case: an office's workbook ──────────────────────────────
def office_workbook() -> tuple[bytes, int]:
    """Three cards (3-1 from 2024-03, 3-2, 3-3), then what an office adds in Excel.

    Returns the bytes and the last row of 추진실적 (the last line of 3-3)."""
    old = reference(CARD_2403)
    base = write_workbook(m.Workbook(settings(), [old, full_card("3-2"), reference(CARD_2403, "3-3", "다")]))
    book = load(base)
    cards = book["공약목록"]
    cards["N1"], cards["O1"] = "비고", "달성률"
    for row in (2, 3, 4):
        cards[f"N{row}"] = f"비고 {row}"
        cards[f"O{row}"] = f"=H{row}/100"
    cards["N2"].comment = Comment("비고에 단 메모", "담당")
    cards["N3"].fill = PatternFill("solid", fgColor="FFFFFF00")
    cards["C2"].fill = PatternFill("solid", fgColor="FFFF0000")  # a contract cell of the card replaced
    cards.column_dimensions["N"].width = 33
    cards.row_dimensions[4].hidden = True
    cards.add_data_validation(DataValidation(type="list", formula1='"검토,보류"', sqref="N2:N100"))
    cards.print_area = "A1:O4"
    cards.print_title_rows = "1:1"
    cards.page_setup.orientation = "landscape"
    book.defined_names["사업목록"] = DefinedName("사업목록", attr_text="'공약목록'!$A$2:$C$4")
    done = book["추진실적"]
    last = done.max_row
    done["G1"] = "확인"
    done[f"G{last}"] = "맨 끝"
    done[f"F{last}"].comment = Comment("끝 줄 메모", "담당")
    done.row_dimensions[last - 1].hidden = True
    done.row_dimensions[3].hidden = True  # inside 3-1's lines, which get replaced
    done.row_dimensions[5].height = 30
    memo = book.create_sheet("메모")
    memo["A1"] = "사무실 메모"
    memo["A1"].comment = Comment("메모의 메모", "담당")
    memo["B2"] = "=COUNTA('공약목록'!A:A)"
    memo["C3"].fill = PatternFill("solid", fgColor="FF00FF00")
    memo.column_dimensions["A"].width = 44
    memo.row_dimensions[5].hidden = True
    tally = book.create_sheet("집계")
    tally["A1"] = f"='추진실적'!F{last}"
    tally["A2"] = f"=SUM('추진실적'!E2:E{last})"
    return save(book), last


def test_office_additions_survive_a_merge(tmp_path: Path) -> None:
    office, last = office_workbook()
    assert last == 1 + 2 * LINES_2403 + FULL_LINES  # 3-1, 3-2 (full_card), 3-3
    new, added = reference(CARD_2412, title="가 (바뀜)"), full_card("4-1")
    added.title = "새 카드"
    result = merge_cards(office, [("a.txt", new), ("d.txt", added)], "office.xlsx")
    assert result.replaced == [("3-1", "a.txt")] and result.added == [("4-1", "d.txt")] and result.cards == 4
    after, before = load(result.data), load(office)

    # the cards: the replaced one, the two untouched, the new one at the end
    wb = read_back(tmp_path, result.data)
    assert [card.id for card in wb.cards] == ["3-1", "3-2", "3-3", "4-1"]
    assert wb.cards[0] == new and wb.cards[1] == full_card("3-2") and wb.cards[3] == added
    assert wb.cards[2] == reference(CARD_2403, "3-3", "다")

    # sheets: the same, in the same order; 설정 and 메모 cell by cell
    assert after.sheetnames == before.sheetnames
    for name in ("설정", "메모"):
        assert snapshot(after[name]) == snapshot(before[name])
        assert hidden_rows(after[name]) == hidden_rows(before[name])
        assert widths(after[name]) == widths(before[name])
    assert after["메모"]["A1"].comment.text == "메모의 메모" and after["메모"]["B2"].value == "=COUNTA('공약목록'!A:A)"

    # 공약목록: one row per card, nothing moves; the office's columns and formats stay
    cards_before, cards_after = before["공약목록"], after["공약목록"]
    for row in range(1, 5):
        for col in "NO":
            assert cards_after[f"{col}{row}"].value == cards_before[f"{col}{row}"].value
        for col in "ABCDEFGHIJKLMNO":
            assert fill_of(cards_after[f"{col}{row}"]) == fill_of(cards_before[f"{col}{row}"])
    assert cards_after["O2"].value == "=H2/100" and cards_after["N2"].comment.text == "비고에 단 메모"
    assert cards_after["C2"].value == "가 (바뀜)" and cards_after["C2"].fill.fgColor.rgb == "FFFF0000"
    assert cards_after["N3"].fill.fgColor.rgb == "FFFFFF00"
    assert [cards_after[f"{col}5"].value for col in "ACNO"] == ["4-1", "새 카드", None, None]
    assert widths(cards_after) == widths(cards_before) and cards_after.column_dimensions["N"].width == 33
    assert hidden_rows(cards_after) == {4}
    assert cards_after.print_area == "'공약목록'!$A$1:$O$5"  # grew over the new card
    assert cards_after.print_title_rows == "$1:$1" and cards_after.page_setup.orientation == "landscape"
    office_list = [v for v in cards_after.data_validations.dataValidation if v.formula1 == '"검토,보류"']
    assert [str(v.sqref) for v in office_list] == ["N2:N101"]  # a row was inserted inside it
    assert after.defined_names["사업목록"].attr_text == "'공약목록'!$A$2:$C$4"

    # 추진실적: 3-1 grew by 16 lines; everything below moved down with it
    done = after["추진실적"]
    moved = last + GROWTH
    assert rows_of(done, "3-1") == list(range(2, 2 + LINES_2412))
    assert {c: v for c, v in snapshot(done).items() if c.startswith("G")} == {
        "G1": ("확인", None, None), f"G{moved}": ("맨 끝", None, None)}
    assert done[f"F{moved}"].comment.text == "끝 줄 메모"
    assert [cell.coordinate for row in done.iter_rows() for cell in row if cell.comment] == [f"F{moved}"]
    assert hidden_rows(done) == {3, moved - 1}  # a replaced line keeps its row's look
    assert done.row_dimensions[5].height == 30
    assert rows_of(done, "4-1") == list(range(moved + 1, moved + 1 + FULL_LINES))  # below the last line
    assert after["집계"]["A1"].value == f"='추진실적'!F{moved}"
    assert after["집계"]["A2"].value == f"=SUM('추진실적'!E2:E{moved})"

    # zip members that had no reason to change: the same bytes
    old_parts, new_parts = members(office), members(result.data)
    assert list(new_parts) == list(old_parts)
    unchanged = ["[Content_Types].xml", "_rels/.rels", "xl/_rels/workbook.xml.rels", "docProps/app.xml",
                 "docProps/core.xml", "xl/styles.xml", "xl/theme/theme1.xml", sheet_part(office, "설정"),
                 sheet_part(office, "메모"), *related(office, sheet_part(office, "메모")),
                 *related(office, sheet_part(office, "공약목록"))]
    assert len(unchanged) >= 14
    for name in unchanged:
        assert new_parts[name] == old_parts[name], name
    assert new_parts[sheet_part(office, "추진실적")] != old_parts[sheet_part(office, "추진실적")]


def test_merge_needs_no_openpyxl_book(monkeypatch: pytest.MonkeyPatch) -> None:
    """openpyxl's load/save would drop charts, pictures and x14 validations: the editor uses neither."""
    office, _ = office_workbook()

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("openpyxl load/save used")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)
    monkeypatch.setattr(openpyxl.Workbook, "save", refuse)
    monkeypatch.setattr("openpyxl.reader.excel.load_workbook", refuse)
    merge_cards(office, [("a.txt", reference(CARD_2412))], "office.xlsx")


def test_x14_validation_and_unknown_parts_are_kept() -> None:
    """An x14 data validation (a list from another sheet, as Excel writes it) and a part openpyxl
    does not know survive byte for byte where nothing moves, and follow the rows where they do."""
    data = write_workbook(m.Workbook(settings(), [reference(CARD_2403), full_card("3-2")]))
    part = sheet_part(data, "추진실적")
    x14 = ('<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
           'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
           '<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
           '<x14:dataValidation type="list" allowBlank="1"><x14:formula1><xm:f>설정!$A$2:$A$8</xm:f>'
           '</x14:formula1><xm:sqref>G30:G40</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst>')
    data = _rewrite(data, {part: lambda xml: xml.replace(b"</worksheet>", x14.encode() + b"</worksheet>"),
                           "customXml/item1.xml": lambda _: b"<office-data>keep me</office-data>"})
    result = merge_cards(data, [("a.txt", reference(CARD_2412))], "x.xlsx").data
    parts = members(result)
    assert parts["customXml/item1.xml"] == b"<office-data>keep me</office-data>"
    text = parts[part].decode()
    assert f"<xm:sqref>G{30 + GROWTH}:G{40 + GROWTH}</xm:sqref>" in text  # 3-2's rows moved down 16
    assert "<xm:f>설정!$A$2:$A$8</xm:f>" in text


def _rewrite(data: bytes, changes: dict) -> bytes:
    parts = members(data)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in [*parts, *(n for n in changes if n not in parts)]:
            archive.writestr(name, changes[name](parts.get(name, b"")) if name in changes else parts[name])
    return out.getvalue()


# ── reference cards read back equal ───────────────────────────────────────
@pytest.mark.parametrize("path", [CARD_2403, CARD_2412], ids=["2024-03", "2024-12"])
def test_reference_card_reads_back_equal(path: Path, tmp_path: Path) -> None:
    card = reference(path)
    into_other_cards = write_workbook(m.Workbook(settings(), [full_card("1-1"), full_card("2-1")]))
    wb = read_back(tmp_path, merge_cards(into_other_cards, [(str(path), card)], "w.xlsx").data)
    assert wb.cards == [full_card("1-1"), full_card("2-1"), card]
    other = reference(CARD_2412 if path == CARD_2403 else CARD_2403)
    replacing = write_workbook(m.Workbook(settings(), [full_card("1-1"), other, full_card("2-1")]))
    wb = read_back(tmp_path, merge_cards(replacing, [(str(path), card)], "w.xlsx").data, "replaced.xlsx")
    assert wb.cards == [full_card("1-1"), card, full_card("2-1")]


def test_readme_newcomer_path_init_then_import(tmp_path: Path) -> None:
    """`reportgen init m.xlsx && reportgen import 3-1_2024-12_from-hwp.txt --id 3-1 --title …`:
    init makes 2026–2030, the card plans 2022–2026; the empty workbook takes the card's years."""
    init = empty_workbook(m.Settings())
    card = reference(CARD_2412)
    result = merge_cards(init, [(str(CARD_2412), card)], "m.xlsx")
    wb = read_back(tmp_path, result.data)
    assert wb.cards == [card]
    assert (wb.settings.term_start, wb.settings.term_end) == (2022, 2026)
    assert [cell.value for cell in load(result.data)["연차별계획"][1]] == [
        "관리번호", "세부추진내용", "2022년", "2023년", "2024년", "2025년", "2026년", "임기 후"]
    assert any("2026~2030" in notice and "2022~2026" in notice for notice in result.notices)
    again = merge_cards(result.data, [(str(CARD_2403), reference(CARD_2403))], "m.xlsx")
    assert read_back(tmp_path, again.data, "again.xlsx").cards == [reference(CARD_2403)]


# ── plan years ────────────────────────────────────────────────────────────
def _with_years(card: m.Card, years: list[int]) -> m.Card:
    plan = card.annual_plan
    plan.years = years
    plan.targets = [10 * (i + 1) for i in range(len(years))]
    plan.rows = [m.PlanRow(row.title, [f"{row.title} {year}" for year in years], row.after_term) for row in plan.rows]
    return card


@pytest.mark.parametrize(("years", "after_term"), [
    (list(range(2022, 2028)), "I"),  # six years: one column more, 임기 후 moves from H to I
    (list(range(2022, 2026)), "G"),  # four years: one column less, 임기 후 moves to G
])
def test_plan_years_adopted_with_another_number_of_years(years: list[int], after_term: str, tmp_path: Path) -> None:
    init = load(empty_workbook(m.Settings()))
    plan_sheet = init["연차별계획"]
    plan_sheet["J1"] = "담당 메모"
    plan_sheet["H1"].comment = Comment("임기 후 설명", "담당")
    plan_sheet.column_dimensions["J"].width = 31
    card = _with_years(reference(CARD_2412), years)
    result = merge_cards(save(init), [("card.txt", card)], "m.xlsx")
    wb = read_back(tmp_path, result.data)
    assert wb.cards == [card] and (wb.settings.term_start, wb.settings.term_end) == (years[0], years[-1])
    sheet = load(result.data)["연차별계획"]
    header = [cell.value for cell in sheet[1]]
    office_column = chr(ord(after_term) + 2)  # J moves with 임기 후: one right (K) or one left (I)
    assert header[: 3 + len(years)] == ["관리번호", "세부추진내용", *(f"{y}년" for y in years), "임기 후"]
    assert sheet[f"{after_term}1"].value == "임기 후" and sheet[f"{after_term}1"].comment.text == "임기 후 설명"
    assert sheet[f"{office_column}1"].value == "담당 메모"
    assert width(sheet, office_column) == 31
    assert width(sheet, chr(ord(after_term) - 1)) == 22  # the last year column: a year's width


def test_plan_years_unlike_a_workbook_with_plans_are_refused() -> None:
    workbook = write_workbook(m.Workbook(settings(), [full_card("3-2")]))  # 2022–2026, with plan rows
    card = _with_years(reference(CARD_2412), list(range(2023, 2028)))
    with pytest.raises(InputError) as caught:
        merge_cards(workbook, [("/cards/3-1.txt", card)], "w.xlsx")
    problem, = caught.value.problems
    assert problem.file == "/cards/3-1.txt"
    assert "2023~2027" in problem.ko and "2022~2026" in problem.ko and "2023~2027" in problem.en
    assert "reportgen init" in problem.fix_ko


# ── statuses ──────────────────────────────────────────────────────────────
def test_new_status_is_added_to_settings_and_the_drop_down(tmp_path: Path) -> None:
    workbook = write_workbook(m.Workbook(settings(), [full_card("3-2")]))
    card = reference(CARD_2412)
    card.header.status = "재검토"
    result = merge_cards(workbook, [("card.txt", card)], "w.xlsx")
    wb = read_back(tmp_path, result.data)
    assert wb.cards[1].header.status == "재검토"
    book = load(result.data)
    assert book["설정"]["B7"].value == "완료, 이행후 계속추진, 정상추진, 추진 중, 일부추진, 보류, 폐기, 재검토"
    status = next(v for v in book["공약목록"].data_validations.dataValidation if "G2" in str(v.sqref))
    assert status.formula1 == '"완료,이행후 계속추진,정상추진,추진 중,일부추진,보류,폐기,재검토"'
    assert any("재검토" in notice for notice in result.notices)


@pytest.mark.parametrize("how", ["blank", "row deleted"])
def test_new_status_when_settings_list_no_statuses(how: str, tmp_path: Path) -> None:
    """A blank or missing 상태 목록 means the default list: the new status is added to it."""
    book = load(write_workbook(m.Workbook(settings(), [full_card("3-2")])))
    if how == "blank":
        book["설정"]["B7"] = None
    else:
        book["설정"].delete_rows(7)
    card = reference(CARD_2412)
    card.header.status = "재검토"
    result = merge_cards(save(book), [("card.txt", card)], "w.xlsx")
    wb = read_back(tmp_path, result.data)
    assert wb.settings.statuses == [*m.DEFAULT_STATUSES, "재검토"] and wb.cards[1].header.status == "재검토"
    rows = {row[0].value: row[1].value for row in load(result.data)["설정"].iter_rows() if row[0].value}
    assert rows["상태 목록"] == "완료, 이행후 계속추진, 정상추진, 추진 중, 일부추진, 보류, 폐기, 재검토"


def test_status_too_long_for_the_drop_down_goes_to_settings_only(tmp_path: Path) -> None:
    listed = [*m.DEFAULT_STATUSES, *(f"긴 상태 이름 {i:02d} " + "가" * 24 for i in range(6))]
    new_status = "재검토 필요 (예산 확보 후)"
    assert len('"' + ",".join(listed) + '"') == 250 and len('"' + ",".join([*listed, new_status]) + '"') == 267
    workbook = write_workbook(m.Workbook(m.Settings(statuses=listed, term_start=2022, term_end=2026),
                                         [full_card("3-2")]))
    card = reference(CARD_2412)
    card.header.status = new_status
    result = merge_cards(workbook, [("card.txt", card)], "w.xlsx")
    assert read_back(tmp_path, result.data).cards[1].header.status == new_status
    status = next(v for v in load(result.data)["공약목록"].data_validations.dataValidation if "G2" in str(v.sqref))
    assert status.formula1 == '"' + ",".join(listed) + '"'
    assert any("255" in notice for notice in result.notices)


def test_status_with_a_comma_is_refused() -> None:
    card = reference(CARD_2412)
    card.header.status = "보류, 재검토"
    with pytest.raises(InputError) as caught:
        merge_cards(empty_workbook(m.Settings()), [("/cards/a.txt", card)], "m.xlsx")
    problem, = caught.value.problems
    assert problem.file == "/cards/a.txt" and "쉼표" in problem.ko and "comma" in problem.en
    assert "보류, 재검토" in problem.ko


# ── what the workbook cannot hold ─────────────────────────────────────────
@pytest.mark.parametrize(("text", "says"), [
    ("종소리\x07", "U+0007"),
    ("가" * 32768, "32,767"),
    ("반쪽 \ud83d 이모지", "U+D83D"),
    ("지우기\x7f", "U+007F"),
])
def test_text_no_cell_can_hold_is_refused(text: str, says: str) -> None:
    card = reference(CARD_2412)
    card.bullets[m.FUTURE_PLAN].append(m.BulletLine(m.MARK_L1, text))
    workbook = write_workbook(m.Workbook(settings(), [full_card("3-2")]))
    with pytest.raises(InputError) as caught:
        merge_cards(workbook, [("/cards/a.txt", reference(CARD_2403, "3-5")), ("/cards/b.txt", card)], "w.xlsx")
    problem, = caught.value.problems
    assert problem.file == "/cards/b.txt" and says in problem.ko + problem.en and "내용" in problem.ko


def test_line_breaks_of_word_and_windows_are_kept_as_line_breaks(tmp_path: Path) -> None:
    card = reference(CARD_2412)
    card.bullets[m.FUTURE_PLAN] = [m.BulletLine(m.MARK_L1, "첫 줄\x0b둘째 줄\r\n셋째 줄")]
    wb = read_back(tmp_path, merge_cards(empty_workbook(m.Settings()), [("a.txt", card)], "m.xlsx").data)
    assert wb.cards[0].bullets[m.FUTURE_PLAN] == [m.BulletLine(m.MARK_L1, "첫 줄\n둘째 줄\n셋째 줄")]


@pytest.mark.parametrize("change", ["same_title_twice", "marker_without_level"])
def test_card_the_workbook_cannot_express_is_an_input_error(change: str) -> None:
    card = reference(CARD_2412)
    if change == "same_title_twice":
        card.achievements.append(card.achievements[0])
    else:
        card.bullets[m.GOAL].append(m.BulletLine(m.MARK_SUBHEADING, "□는 수준이 없다"))
    with pytest.raises(InputError) as caught:
        merge_cards(empty_workbook(m.Settings()), [("/cards/x.hwp", card)], "m.xlsx")
    problem, = caught.value.problems
    assert problem.file == "/cards/x.hwp" and "워크북에 쓸 수 없습니다" in problem.ko


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    card = full_card("3-1")  # its bullets start with =cmd|…, +1 and @SUM(1)
    card.title = "=HYPERLINK(\"http://example.com\")"
    card.header.executor = "-3-4"
    result = merge_cards(empty_workbook(m.Settings()), [("a.txt", card)], "m.xlsx")
    assert read_back(tmp_path, result.data).cards == [card]
    for name, part in members(result.data).items():
        if name.startswith("xl/worksheets/sheet"):
            assert b"<f>" not in part and b"<f " not in part, name
    book = load(result.data)
    title = book["공약목록"]["C2"]
    assert title.data_type == "s" and title.number_format == "@"


def test_literal_excel_escape_reads_back_unchanged(tmp_path: Path) -> None:
    card = reference(CARD_2412)
    card.bullets[m.FUTURE_PLAN] = [m.BulletLine(m.MARK_L1, "코드 _x0041_ 그대로")]
    wb = read_back(tmp_path, merge_cards(empty_workbook(m.Settings()), [("a.txt", card)], "m.xlsx").data)
    assert wb.cards[0].bullets[m.FUTURE_PLAN][0].text == "코드 _x0041_ 그대로"


# ── rows that move ────────────────────────────────────────────────────────
def test_a_shorter_card_moves_rows_up_and_says_what_was_removed(tmp_path: Path) -> None:
    """3-1 goes from 40 to 24 추진실적 lines: 3-2's rows move up 16 with their comment, hyperlink,
    conditional format and defined name; what the office put on 3-1's removed rows is listed."""
    book = load(write_workbook(m.Workbook(settings(), [reference(CARD_2412), full_card("3-2")])))
    done = book["추진실적"]
    last_of_old = 1 + LINES_2412  # row 41: the last line of 3-1
    first_of_next = last_of_old + 1  # row 42: 3-2's first line
    done["G1"] = "메모"
    done[f"G{last_of_old}"] = "지워질 메모"
    done[f"F{last_of_old}"].comment = Comment("지워질 줄", "담당")
    done[f"F{first_of_next}"].comment = Comment("남을 줄", "담당")
    done[f"G{first_of_next}"].hyperlink = "https://example.com/"
    done.conditional_formatting.add(f"E{first_of_next}:E{first_of_next + 3}",
                                    CellIsRule(operator="equal", formula=["1"], fill=PatternFill("solid", fgColor="FFFF0000")))
    book.defined_names["다음카드"] = DefinedName("다음카드", attr_text=f"'추진실적'!$A${first_of_next}:$F${first_of_next + 8}")
    book.create_sheet("참조")["A1"] = f"='추진실적'!F{first_of_next}+'추진실적'!F{last_of_old}"
    result = merge_cards(save(book), [("a.txt", reference(CARD_2403))], "w.xlsx")
    wb = read_back(tmp_path, result.data)
    assert wb.cards == [reference(CARD_2403), full_card("3-2")]
    after = load(result.data)
    done = after["추진실적"]
    up = first_of_next - GROWTH  # row 26
    assert rows_of(done, "3-2") == list(range(up, up + FULL_LINES))
    assert [c.coordinate for row in done.iter_rows() for c in row if c.comment] == [f"F{up}"]
    assert done[f"F{up}"].comment.text == "남을 줄"
    assert done[f"G{up}"].hyperlink.target == "https://example.com/"
    assert [str(rng.sqref) for rng in done.conditional_formatting] == [f"E{up}:E{up + 3}"]
    assert after.defined_names["다음카드"].attr_text == f"'추진실적'!$A${up}:$F${up + 8}"
    assert after["참조"]["A1"].value == f"='추진실적'!F{up}+'추진실적'!#REF!"  # its row is gone, as in Excel
    assert done["G1"].value == "메모" and not any(done[f"G{r}"].value for r in range(2, up))
    notices = " ".join(result.notices)
    assert f"추진실적!G{last_of_old}" in notices and f"추진실적!F{last_of_old}" in notices and "a.txt" in notices


def test_a_table_a_chart_and_its_anchor_follow_the_rows() -> None:
    """Below 3-2's lines the office keeps a small Excel table and a chart of 3-2's 수준 column:
    after 3-1 grew by 16 lines both sit 16 rows lower and the chart's series points at the moved rows."""
    from openpyxl.chart import BarChart, Reference
    from openpyxl.worksheet.table import Table

    book = load(write_workbook(m.Workbook(settings(), [reference(CARD_2403), full_card("3-2")])))
    done = book["추진실적"]
    first, last = 2 + LINES_2403, 1 + LINES_2403 + FULL_LINES  # 3-2's lines: rows 26-35
    table_top = last + 5  # row 40, in the office's columns H:I
    for offset, values in enumerate([("구분", "수"), ("가", 1), ("나", 2), ("다", 3)]):
        done[f"H{table_top + offset}"], done[f"I{table_top + offset}"] = values
    done.add_table(Table(displayName="사무실표", ref=f"H{table_top}:I{table_top + 3}"))
    chart = BarChart()
    chart.add_data(Reference(done, min_col=5, min_row=first, max_row=last))
    done.add_chart(chart, f"K{last + 3}")
    result = merge_cards(save(book), [("a.txt", reference(CARD_2412))], "w.xlsx").data
    parts = members(result)
    chart_xml = next(parts[name] for name in parts if name.startswith("xl/charts/chart")).decode()
    assert f"'추진실적'!$E${first + GROWTH}:$E${last + GROWTH}" in chart_xml
    drawing = etree.fromstring(next(parts[name] for name in parts if name.startswith("xl/drawings/drawing")), _SAFE)
    assert [int(node.text) for node in drawing.iter("{*}row")][0] == last + 3 - 1 + GROWTH  # 0-based K38 → K54
    table = etree.fromstring(next(parts[name] for name in parts if name.startswith("xl/tables/")), _SAFE)
    assert table.get("ref") == f"H{table_top + GROWTH}:I{table_top + 3 + GROWTH}"
    assert [load(result)["추진실적"][f"H{table_top + GROWTH + i}"].value for i in range(4)] == ["구분", "가", "나", "다"]


def test_new_card_goes_below_the_last_card_and_what_is_below_moves_down(tmp_path: Path) -> None:
    book = load(write_workbook(m.Workbook(settings(), [full_card("3-1"), full_card("3-2")])))
    cards = book["공약목록"]
    cards["N5"] = "=SUM(H2:H4)"  # a total under a blank row, in the office's column
    cards["N1"] = "합계"
    cards.auto_filter.ref = "A1:N3"
    result = merge_cards(save(book), [("c.txt", full_card("3-3"))], "w.xlsx")
    assert [card.id for card in read_back(tmp_path, result.data).cards] == ["3-1", "3-2", "3-3"]
    cards = load(result.data)["공약목록"]
    assert [cards[f"A{r}"].value for r in range(1, 6)] == ["관리번호", "3-1", "3-2", "3-3", None]
    assert cards["N6"].value == "=SUM(H2:H5)" and cards["N5"].value is None
    assert cards.auto_filter.ref == "A1:N4"


def test_shared_formulas_of_an_office_column_are_written_out_per_cell(tmp_path: Path) -> None:
    """Excel stores a filled-down column as one shared formula; rows moving apart must not change
    what each cell computes."""
    book = load(write_workbook(m.Workbook(settings(), [reference(CARD_2403), full_card("3-2")])))
    done = book["추진실적"]
    last = done.max_row
    for row in range(2, last + 1):
        done[f"G{row}"] = f"=LEN(F{row})"
    data = save(book)
    part = sheet_part(data, "추진실적")

    def share(xml: bytes) -> bytes:
        xml = xml.replace(b"<f>LEN(F2)</f>", f'<f t="shared" ref="G2:G{last}" si="0">LEN(F2)</f>'.encode())
        return re.sub(rb"<f>LEN\(F(\d+)\)</f>", b'<f t="shared" si="0"/>', xml)

    data = _rewrite(data, {part: share})
    assert members(data)[part].count(b't="shared"') == last - 1
    result = merge_cards(data, [("a.txt", reference(CARD_2412))], "w.xlsx").data
    assert b't="shared"' not in members(result)[part]
    done = load(result)["추진실적"]
    for row in range(2, 2 + LINES_2403):  # 3-1's old lines: their cells stay in place
        assert done[f"G{row}"].value == f"=LEN(F{row})"
    for row in range(2 + LINES_2403, 2 + LINES_2412):  # its new lines: no office cell
        assert done[f"G{row}"].value is None
    for row in range(2 + LINES_2412, last + 1 + GROWTH):  # 3-2's lines moved down 16
        assert done[f"G{row}"].value == f"=LEN(F{row})"


# ── the workbook file ─────────────────────────────────────────────────────
def test_a_dtd_in_the_workbook_is_refused() -> None:
    data = write_workbook(m.Workbook(settings(), [full_card("3-2")]))
    part = sheet_part(data, "내용")
    data = _rewrite(data, {part: lambda xml: xml.replace(
        b"<worksheet", b'<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]><worksheet', 1)})
    with pytest.raises(InputError) as caught:
        merge_cards(data, [("a.txt", reference(CARD_2412))], "/office/master.xlsx")
    problem, = caught.value.problems
    assert problem.file == "/office/master.xlsx" and "DTD" in problem.ko


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04broken", b"not a zip at all"])
def test_a_damaged_workbook_is_an_input_error(data: bytes) -> None:
    with pytest.raises(InputError) as caught:
        merge_cards(data, [("a.txt", reference(CARD_2412))], "/office/master.xlsx")
    assert caught.value.problems[0].file == "/office/master.xlsx"


def test_a_missing_contract_column_is_an_input_error() -> None:
    book = load(write_workbook(m.Workbook(settings(), [full_card("3-2")])))
    book["추진실적"]["F1"] = "설명"
    with pytest.raises(InputError) as caught:
        merge_cards(save(book), [("a.txt", reference(CARD_2412))], "/office/master.xlsx")
    problem, = caught.value.problems
    assert problem.file == "/office/master.xlsx" and problem.where == "추진실적!1:1" and "'내용'" in problem.ko


def test_header_names_compare_as_the_reader_compares_them() -> None:
    """The editor finds columns by the contract's one rule (keys worked out by hand)."""
    expected = {"설명회, 보고회 등": "설명회·보고회등", " 추진율(%) ": "추진율", "기 타": "기타",
                "만족도ㆍ설문조사": "만족도·설문조사", "ＡＢ": "AB", "관리\u200b번호": "관리번호"}
    for name, key in expected.items():
        assert contract.name_key(name) == reader_header_key(name) == key


# ── reference maps, by hand ───────────────────────────────────────────────
def test_rows_of_a_block_that_grows() -> None:
    rows = AxisMap([Edit(5, 3, 5)])  # rows 5-7 become rows 5-9
    assert [rows.point(n) for n in (4, 5, 7, 8, 20)] == [4, 5, 7, 10, 22]
    assert rows.span(2, 7) == (2, 9)  # ends on the block's last row: grows with it
    assert rows.span(6, 6) == (6, 6)  # a range inside the block stays where it is
    assert rows.span(8, 12) == (10, 14)


def test_rows_of_a_block_that_shrinks() -> None:
    rows = AxisMap([Edit(5, 3, 1)])  # rows 5-7 become row 5
    assert [rows.point(n) for n in (5, 6, 7, 8)] == [5, None, None, 6]
    assert rows.span(6, 7) is None and rows.span(5, 7) == (5, 5) and rows.span(6, 9) == (6, 7)


def test_rows_appended_below_the_last_data_row() -> None:
    rows = AxisMap([Edit(10, 0, 2, append=True)])  # two rows inserted under row 9
    assert [rows.point(n) for n in (9, 10, 11)] == [9, 12, 13]
    assert rows.span(2, 9) == (2, 9) and rows.span(2, 9, extend=True) == (2, 11)
    assert rows.span(10, LAST_ROW) == (10, LAST_ROW)  # a drop-down from the first empty row on
    assert rows.span(10, 10) == (12, 12)  # a total right under the data moves down


def test_formulas_and_ranges_move_like_excel_moves_them() -> None:
    maps = {"추진실적": SheetMaps(AxisMap([Edit(5, 3, 5)]))}
    assert shift_formula("SUM(E2:E7)+$F$8+F4", "추진실적", maps) == "SUM(E2:E9)+$F$10+F4"
    assert shift_formula("'추진실적'!A8&메모!A8&추진실적!$8:$9", "메모", maps) == "'추진실적'!A10&메모!A8&추진실적!$10:$11"
    assert shift_formula("A8+[1]추진실적!A8+추진실적:메모!A8", None, maps) == "A8+[1]추진실적!A8+추진실적:메모!A8"
    assert shift_sqref("A8 B2:B3 C5:C7", maps["추진실적"]) == "A10 B2:B3 C5:C9"
    shrink = SheetMaps(AxisMap([Edit(5, 3, 1)]))
    assert shift_sqref("A6 A7:B7 A8", shrink) == "A6"
    assert shift_formula("추진실적!A6*2", None, {"추진실적": shrink}) == "추진실적!#REF!*2"


def test_contract_sheet_names_and_columns_come_from_the_contract() -> None:
    """The test's hand-made layouts above follow the contract (a guard for the tests themselves)."""
    assert contract.SHEET_COLUMNS[contract.SHEET_CARDS][2] == "사업명"
    assert contract.SHEET_COLUMNS[contract.SHEET_ACHIEVEMENTS][-1] == "내용"


def _mutated_parts(data: bytes) -> list[tuple[str, bytes]]:
    """Each XML part of the workbook broken in a few ways: cut, a byte flipped, odd row numbers."""
    cases = []
    for name, raw in members(data).items():
        if not name.endswith((".xml", ".rels")):
            continue
        third = len(raw) // 3
        cases += [(f"{name} cut", _rewrite(data, {name: lambda xml: xml[: len(xml) // 2]})),
                  (f"{name} flipped", _rewrite(data, {name: lambda xml, at=third: xml[:at] + bytes([xml[at] ^ 0x21])
                                                      + xml[at + 1:]})),
                  (f"{name} rows", _rewrite(data, {name: lambda xml: re.sub(rb'r="\d+"', b'r="0"', xml, count=3)})),
                  (f"{name} columns", _rewrite(data, {name: lambda xml: xml.replace(b'r="A', b'r="\xea\xb0\x80', 2)}))]
    return cases


def test_a_broken_part_gives_a_workbook_or_an_input_error() -> None:
    """Whatever is wrong inside the file: a merged workbook, or an InputError naming it — no traceback."""
    data = write_workbook(m.Workbook(settings(), [full_card("3-1"), full_card("3-2")]))
    cases = _mutated_parts(data)
    assert len(cases) >= 60
    refused = 0
    for what, broken in cases:
        try:
            result = merge_cards(broken, [("a.txt", reference(CARD_2412, "3-2"))], "/office/master.xlsx")
        except InputError as exc:
            assert exc.problems[0].file == "/office/master.xlsx", what
            refused += 1
        else:
            with zipfile.ZipFile(io.BytesIO(result.data)) as archive:
                assert archive.testzip() is None, what
    assert refused >= len(cases) // 3


# ── a department's updated card: lines matched one by one ─────────────────
def _line_row(ws, text: str) -> int:
    """The row of the 추진실적 line whose 내용 is ``text``."""
    [row] = [cell.row for cell in ws["F"] if cell.value == text]
    return row


def test_office_notes_stay_beside_their_lines_when_the_card_changes(tmp_path: Path) -> None:
    """The office ticks lines in its own 확인 column and comments one; the department's new card
    adds a line in the middle and one at the end, puts an unrelated line in place of one and
    rewrites one slightly. With the workbook's cards given, each tick and the comment stay
    beside the same line; the tick of the line that went is reported with its value."""
    old = reference(CARD_2403)
    book = load(write_workbook(m.Workbook(settings(), [old, full_card("3-2")])))
    done = book["추진실적"]
    done["G1"] = "확인"
    kept = "착수보고회 개최"
    dropped = "지식산업센터 선진지 견학 실시"
    moved = "사하구 ↔ 동아대 상생발전을 위한 업무협약 체결"
    edited = "혁신계획 발굴사업 제출(→ 시 산업입지과)"
    for text, mark in ((kept, "✔ 1"), (dropped, "✔ 2"), (moved, "✔ 3"), (edited, "✔ 4")):
        done[f"G{_line_row(done, text)}"] = mark
    done[f"F{_line_row(done, moved)}"].comment = Comment("보고서 받음", "기획예산과")
    lines = [i for s in old.achievements for g in s.groups for i in g.items]
    assert {kept, dropped, moved, edited} <= {i.text for i in lines}, "the lines exist in the 2024-03 card"
    new = reference(CARD_2403)
    group = next(g for s in new.achievements for g in s.groups if any(i.text == kept for i in g.items))
    at = next(n for n, item in enumerate(group.items) if item.text == kept)
    group.items.insert(at + 1, m.Achievement("2023. 12.", "기본설계 착수", m.MARK_L1))
    for section in new.achievements:
        for g in section.groups:
            for item in g.items:
                if item.text == dropped:
                    item.text, item.details = "기업 유치 설명회 개최", []
                if item.text == edited:
                    item.text = "혁신계획 발굴사업 제출(→ 부산시 산업입지과)"
    new.achievements[-1].groups[-1].items.append(m.Achievement("2024. 02.", "마지막 새 줄", m.MARK_L1))
    result = merge_cards(save(book), [("a.txt", new)], "w.xlsx", previous=[old, full_card("3-2")])
    assert read_back(tmp_path, result.data).cards == [new, full_card("3-2")]
    done = load(result.data)["추진실적"]
    assert done[f"G{_line_row(done, kept)}"].value == "✔ 1"
    assert done[f"G{_line_row(done, moved)}"].value == "✔ 3"
    assert done[f"F{_line_row(done, moved)}"].comment.text == "보고서 받음"
    assert done[f"G{_line_row(done, '혁신계획 발굴사업 제출(→ 부산시 산업입지과)')}"].value == "✔ 4", \
        "an edited line keeps its tick"
    assert not done[f"G{_line_row(done, '기본설계 착수')}"].value
    assert not done[f"G{_line_row(done, '기업 유치 설명회 개최')}"].value, "no tick beside an unrelated line"
    assert sorted(str(c.value) for c in done["G"] if c.value) == ["✔ 1", "✔ 3", "✔ 4", "확인"]
    assert any("'✔ 2'" in notice and "a.txt" in notice for notice in result.notices)


def test_without_the_workbooks_cards_rows_are_replaced_in_order(tmp_path: Path) -> None:
    """The fallback: without ``previous`` the new lines take the old rows' places one by one."""
    old = reference(CARD_2403)
    book = load(write_workbook(m.Workbook(settings(), [old])))
    book["추진실적"]["G1"], book["추진실적"]["G2"] = "확인", "✔"
    new = reference(CARD_2403)
    new.achievements[0].groups[0].items.insert(0, m.Achievement("2022. 12.", "맨 앞 새 줄", m.MARK_L1))
    result = merge_cards(save(book), [("a.txt", new)], "w.xlsx")
    done = load(result.data)["추진실적"]
    assert done["F2"].value == "맨 앞 새 줄" and done["G2"].value == "✔"


def test_overlapping_literal_excel_escapes_read_back_unchanged(tmp_path: Path) -> None:
    """``_x0041_x0042_`` holds two escapes that share an underscore: the editor keeps both literal."""
    card = reference(CARD_2412)
    card.bullets[m.FUTURE_PLAN] = [m.BulletLine(m.MARK_L1, "코드 _x0041_x0042_ 그대로")]
    wb = read_back(tmp_path, merge_cards(empty_workbook(m.Settings()), [("a.txt", card)], "m.xlsx").data)
    assert wb.cards[0].bullets[m.FUTURE_PLAN][0].text == "코드 _x0041_x0042_ 그대로"


def test_header_names_tell_middle_dots_apart_by_the_models_label_rule() -> None:
    """name_key is built on model.label_key: every dot that rule unifies (here U+2219 BULLET OPERATOR
    and U+30FB KATAKANA MIDDLE DOT) is the middle dot of 설명회·보고회 등 too; a full stop is not."""
    for name in ("설명회\u2219보고회 등", "설명회\u30fb보고회 등", "설명회·보고회\n등"):
        assert contract.name_key(name) == "설명회·보고회등"
    assert contract.name_key("설명회.보고회 등") != "설명회·보고회등"


# ── 소요예산 from 재정계획: an imported card never types the total into the master ─────────────
def _printed_and_read(card: m.Card, fmt: str, folder: Path) -> m.Card:
    """``card`` printed as a ``fmt`` card file and read back, as a department sends it."""
    path = folder / f"{card.id}.{fmt}"
    path.write_bytes(WRITERS[fmt].render(card))
    return read_card(path)


def _budget_cells(data: bytes) -> dict[str, object]:
    """관리번호 → the 소요예산 cell of 공약목록 (None: empty), columns found by their headers."""
    ws = load(data)[contract.SHEET_CARDS]
    header = [cell.value for cell in ws[1]]
    id_col, budget_col = header.index(contract.COL_ID), header.index(contract.COL_BUDGET)
    return {row[id_col].value: row[budget_col].value for row in ws.iter_rows(min_row=2) if row[id_col].value}


def _finance_master(tmp_path: Path, rows: list[list[object]]) -> tuple[bytes, m.Workbook]:
    path = finance_workbook(tmp_path, rows)
    return path.read_bytes(), read_workbook(path)


@pytest.mark.parametrize("fmt", ["txt", "docx", "hwpx", "hwp"])
def test_a_card_printed_with_the_finance_total_keeps_the_cell_empty(fmt: str, tmp_path: Path) -> None:
    data, wb = _finance_master(tmp_path, FINANCE_ROWS)
    # 3-1: 국비 1,234.5 (whole term; its 2023 row of 600 is not counted) + 시·군·구비 5,000 + 6,110.5 = 12,345
    assert wb.cards[0].header.budget == "총 12,345백만원" and _budget_cells(data)["3-1"] is None
    card = _printed_and_read(wb.cards[0], fmt, tmp_path)
    assert card.header.budget == "총 12,345백만원"  # the print carries the total
    card.header.progress = 40  # the department changed the card's 공약목록 row
    result, merged = checked_merge(data, [(f"3-1.{fmt}", card)], "master.xlsx", wb.cards)
    cells = _budget_cells(result.data)
    assert cells["3-1"] is None and cells["3-2"] == "비예산"
    assert merged.cards[0].header.progress == 40 and merged.cards[0].header.budget == "총 12,345백만원"


def test_an_unchanged_card_with_the_total_leaves_its_rows_untouched(tmp_path: Path) -> None:
    data, wb = _finance_master(tmp_path, FINANCE_ROWS)
    card = _printed_and_read(wb.cards[0], "txt", tmp_path)
    card.title, card.area = wb.cards[0].title, wb.cards[0].area
    result = merge_cards(data, [("3-1.txt", card)], "master.xlsx", wb.cards)
    part = sheet_part(data, contract.SHEET_CARDS)
    assert members(result.data)[part] == members(data)[part]


@pytest.mark.parametrize("budget", ["비예산", "총 999백만원", "총 12,345백만원 (추경 포함)"])
def test_a_card_with_another_budget_writes_it(budget: str, tmp_path: Path) -> None:
    data, wb = _finance_master(tmp_path, FINANCE_ROWS)
    card = _printed_and_read(wb.cards[0], "txt", tmp_path)
    card.header.budget = budget
    result, merged = checked_merge(data, [("3-1.txt", card)], "master.xlsx", wb.cards)
    assert _budget_cells(result.data)["3-1"] == budget and merged.cards[0].header.budget == budget


def test_a_typed_budget_equal_to_the_total_stays_typed(tmp_path: Path) -> None:
    """The office typed the total itself: the cell is the office's, and the merge keeps it."""
    path = finance_workbook(tmp_path, FINANCE_ROWS)
    book = openpyxl.load_workbook(path)
    header = [cell.value for cell in book[contract.SHEET_CARDS][1]]
    book[contract.SHEET_CARDS].cell(2, header.index(contract.COL_BUDGET) + 1, "총 12,345백만원")
    data = save(book)
    wb = read_back(tmp_path, data, "typed.xlsx")
    card = _printed_and_read(wb.cards[0], "txt", tmp_path)
    card.header.progress = 40
    result, _ = checked_merge(data, [("3-1.txt", card)], "master.xlsx", wb.cards)
    assert _budget_cells(result.data)["3-1"] == "총 12,345백만원"


@pytest.mark.parametrize("budget", ["총 12,345백만원", ""])
def test_a_master_without_finance_rows_takes_the_cards_budget(budget: str, tmp_path: Path) -> None:
    data, wb = _finance_master(tmp_path, [])
    assert wb.cards[0].header.budget == ""
    card = _printed_and_read(wb.cards[0], "txt", tmp_path)
    card.header.budget = budget
    result, merged = checked_merge(data, [("3-1.txt", card)], "master.xlsx", wb.cards)
    assert _budget_cells(result.data)["3-1"] == (budget or None) and merged.cards[0].header.budget == budget


def test_cli_import_of_a_printed_card_keeps_the_total_following_finance(tmp_path: Path) -> None:
    path = finance_workbook(tmp_path, FINANCE_ROWS)
    card = _printed_and_read(read_workbook(path).cards[0], "hwpx", tmp_path)
    card.header.progress = 40
    card_file = tmp_path / "3-1_부서.txt"
    card_file.write_bytes(WRITERS["txt"].render(card))
    outcome = CliRunner().invoke(cli_app, ["import", str(card_file), "-o", str(path)])
    assert outcome.exit_code == 0, outcome.output
    assert _budget_cells(path.read_bytes())["3-1"] is None
    assert read_workbook(path).cards[0].header.progress == 40


def _dated(*texts: str) -> list[m.AchievementSection]:
    return [m.AchievementSection("실적", [m.AchievementGroup("", [
        m.Achievement(f"2023. {i + 1:02d}.", text) for i, text in enumerate(texts)])])]


def test_lines_added_before_and_after_a_cards_last_line_are_one_block() -> None:
    rows = [NewRow({1: text}) for text in "axby"]
    blocks = workbook_edit._aligned_blocks(10, [["a"], ["b"]], [["a"], ["x"], ["b"], ["y"]], rows,
                                           frozenset({1}), "3-1")
    assert [(b.start, b.old, [r.values[1] for r in b.rows], b.kept) for b in blocks] == [(11, 1, ["x", "b", "y"], 0)]


def test_a_card_with_lines_added_around_its_last_line_merges_into_a_valid_workbook(tmp_path: Path) -> None:
    """Before: an insert before the last line and the last line's block both started at its row, and the
    workbook got two rows of one number (refused by `check`: nothing was written)."""
    old = full_card("3-1")
    old.achievements = _dated("첫 줄", "끝 줄")
    source = tmp_path / "master.xlsx"
    source.write_bytes(write_workbook(m.Workbook(settings(), [old, full_card("3-2")])))
    previous = read_workbook(source).cards
    new = full_card("3-1")
    new.achievements = _dated("첫 줄", "끼운 줄", "끝 줄", "덧붙인 줄")
    new.achievements[0].groups[0].items[2].date = "2023. 02."  # the old last line, as it was
    result = merge_cards(source.read_bytes(), [("3-1.txt", new)], "master.xlsx", previous)
    merged = tmp_path / "merged.xlsx"
    merged.write_bytes(result.data)
    cards = {card.id: card for card in read_workbook(merged).cards}
    assert [item.text for item in cards["3-1"].achievements[0].groups[0].items] == ["첫 줄", "끼운 줄", "끝 줄", "덧붙인 줄"]
    assert cards["3-2"] == previous[1]
