"""Master workbook reader and writer: round trips, cell forms, and one test per validation rule."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as settings_
from hypothesis import strategies as st

from reportgen import model as m
from reportgen import workbook_contract as contract
from reportgen.errors import CardError, InputError, Problems
from reportgen.readers.cells import Sheet, no_saved_value
from reportgen.readers.text import read_text
from reportgen.readers.workbook import (
    Validated,
    header_key,
    read_workbook,
    validate_workbook,
    workbook_from_sheets,
)
from reportgen.writers.workbook import empty_workbook, write_workbook

FIXTURES = Path(__file__).parent / "fixtures"
CARD_2403 = FIXTURES / "3-1_2024-03_from-docx.txt"
CARD_2412 = FIXTURES / "3-1_2024-12_from-hwp.txt"
YEARS = [2022, 2023, 2024, 2025, 2026]


def full_card(card_id: str = "3-1") -> m.Card:
    """A hand-built card that uses every field of the model."""
    card = m.Card(id=card_id, title="신평·장림산업단지 「낙동강 테크노밸리」 조성", area="3. 일자리가 넘치는 경제도시")
    card.header = m.Header(
        category="신규사업", executor="시 / 구", period="2022년~2027년", status="추진 중",
        progress=40, budget="비예산", completion="임기후",
        department=m.Contact("전략사업과 스마트산업담당", "최재봉", "5021"),
        cooperation=[m.Contact("산업입지과", "박정화", "888-4932", "市"), m.Contact("지산학협력과", "김은숙", "", "")],
    )
    card.bullets[m.GOAL] = [m.BulletLine(m.MARK_L1, "스마트 산단 복합지원체계 구축"), m.BulletLine(m.MARK_NOTE, "임기 내 목표")]
    card.bullets[m.OVERVIEW] = [m.BulletLine(m.MARK_L1, "노후산단"), m.BulletLine(m.MARK_L2, "세부"), m.BulletLine(m.MARK_L3, "더 세부")]
    card.bullets[m.DETAIL_PLAN] = [m.BulletLine(m.MARK_BOX, "상자"), m.BulletLine(m.MARK_PLAIN, "이어지는 줄")]
    card.bullets[m.FUTURE_PLAN] = [m.BulletLine(m.MARK_L1, "=cmd|' /C calc'!A0")]
    card.bullets[m.EFFECTS] = [m.BulletLine(m.MARK_L1, "+1 기대"), m.BulletLine(m.MARK_L2, "@SUM(1)")]
    card.annual_plan = m.AnnualPlan(
        years=list(YEARS), targets=[10, 40, None, 80, 100], after_term_target=None,
        rows=[m.PlanRow("「낙동강 테크노밸리」 조성", ["조례\n개정(안) 검토", "", "c", "d", "e"], "낙동강 테크노밸리 조성")],
    )
    card.achievements = [
        m.AchievementSection("서부산스마트밸리 첨단 스마트 산단 조성", [
            m.AchievementGroup("노후거점산단 경쟁력강화사업 추진", [
                m.Achievement("2023. 04.", "후보지 선정"),
                m.Achievement("2023. 08.", "재생사업 공모 선정", details=[m.BulletLine(m.MARK_L3, "사업내용 : 기반시설")]),
            ]),
            m.AchievementGroup("", [
                m.Achievement("2024. 08.", "A등급", details=[m.BulletLine(m.MARK_PLAIN, "동아대학교 글로컬대학 지정")]),
            ]),
        ]),
        m.AchievementSection("지식산업센터 활성화", [
            m.AchievementGroup("", [
                m.Achievement("2023. 06. ~ 08.", "간담회 개최(2회)"),
                m.Achievement("", "사하구 지식산업센터 인허가 현황", m.MARK_PLAIN,
                              [m.BulletLine(m.MARK_BOX, "총 12개소"), m.BulletLine(m.MARK_NOTE, "참고")]),
                m.Achievement("", "일자 없는 항목", m.MARK_L1),
            ]),
        ]),
    ]
    card.communication = [None, 2, None, 0, 1]
    card.changes = [m.ChangeRecord("2024. 03. 15.", "사업기간 변경", "예산 사정", "공약이행평가단 심의")]
    return card


def settings() -> m.Settings:
    return m.Settings(agency="부산광역시 사하구", term="8기", term_start=2022, term_end=2026,
                      as_of="2024-12-31", statuses=list(m.DEFAULT_STATUSES), done_statuses=["완료"])


def full_workbook() -> m.Workbook:
    return m.Workbook(settings(), [full_card("3-1"), m.Card(id="3-2", title="빈 카드")])


def save(tmp_path: Path, wb: m.Workbook, name: str = "master.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(write_workbook(wb))
    return path


def mutated(tmp_path: Path, change: Callable[[openpyxl.Workbook], None]) -> Path:
    """The full workbook, changed with openpyxl and saved again."""
    path = save(tmp_path, full_workbook())
    book = openpyxl.load_workbook(path)
    change(book)
    book.save(path)
    return path


def column(sheet, name: str) -> int:
    for cell in sheet[1]:
        if header_key(cell.value) == header_key(name):
            return cell.column
    raise AssertionError(f"no column {name} in {sheet.title}")


def set_cell(book: openpyxl.Workbook, sheet: str, name: str, row: int, value: object) -> None:
    book[sheet].cell(row=row, column=column(book[sheet], name)).value = value


def problems_of(path: Path) -> str:
    with pytest.raises(InputError) as caught:
        read_workbook(path)
    text = str(caught.value)
    assert str(path) in text
    return text


# ── round trips ───────────────────────────────────────────────────────────
def test_hand_built_round_trip_is_equal(tmp_path: Path) -> None:
    wb = full_workbook()
    assert read_workbook(save(tmp_path, wb)) == wb


@pytest.mark.parametrize("path", [CARD_2403, CARD_2412], ids=["2024-03", "2024-12"])
def test_reference_card_text_to_workbook_round_trip(path: Path, tmp_path: Path) -> None:
    card = read_text(path)
    card.id, card.title = card.id or "3-1", card.title or "신평·장림산업단지 「낙동강 테크노밸리」 조성"
    assert card.achievements and card.annual_plan.rows
    wb = m.Workbook(m.Settings(), [card])
    assert read_workbook(save(tmp_path, wb)) == wb
    wb_with_term = m.Workbook(settings(), [card])
    assert read_workbook(save(tmp_path, wb_with_term, "term.xlsx")) == wb_with_term


def test_same_workbook_gives_same_bytes() -> None:
    data = write_workbook(full_workbook())
    assert data == write_workbook(full_workbook())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert b"1980-01-01T00:00:00Z" in archive.read("docProps/core.xml")


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    path = save(tmp_path, full_workbook())
    book = openpyxl.load_workbook(path)
    cells = [cell for row in book[contract.SHEET_BULLETS].iter_rows(min_row=2) for cell in row]
    risky = [cell for cell in cells if isinstance(cell.value, str) and cell.value[:1] in "=+@"]
    assert {cell.value for cell in risky} == {"=cmd|' /C calc'!A0", "+1 기대", "@SUM(1)"}
    assert all(cell.data_type == "s" for cell in risky)
    with zipfile.ZipFile(path) as archive:
        assert not any(b"<f>" in archive.read(name) for name in archive.namelist() if "worksheets" in name)
    assert read_workbook(path).cards[0].bullets[m.FUTURE_PLAN][0].text == "=cmd|' /C calc'!A0"


def test_layout_of_written_workbook(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(save(tmp_path, full_workbook()))
    assert book.sheetnames == list(contract.BOOK_SHEETS)
    cards = book[contract.SHEET_CARDS]
    assert cards.freeze_panes == "A2" and cards.auto_filter.ref == "A1:M3"
    assert cards["A1"].font.b and cards["A1"].fill.fgColor.rgb.endswith("DDEBF7")
    lists = {dv.formula1 for dv in cards.data_validations.dataValidation}
    assert '"신규사업,계속사업"' in lists and '"임기내,임기후"' in lists
    assert '"' + ",".join(m.DEFAULT_STATUSES) + '"' in lists
    plan_header = [cell.value for cell in book[contract.SHEET_PLAN][1]]
    assert plan_header == ["관리번호", "세부추진내용", "2022년", "2023년", "2024년", "2025년", "2026년", "임기 후"]


def test_plan_years_come_from_cards_without_term_in_settings(tmp_path: Path) -> None:
    wb = m.Workbook(m.Settings(), [full_card()])
    book = openpyxl.load_workbook(save(tmp_path, wb))
    assert [cell.value for cell in book[contract.SHEET_PLAN][1]][2:7] == [f"{y}년" for y in YEARS]


def test_empty_workbook_reads_back_with_example_settings(tmp_path: Path) -> None:
    path = tmp_path / "new.xlsx"
    path.write_bytes(empty_workbook())
    wb = read_workbook(path)
    assert wb.cards == [] and wb.settings.term_start == 2026 and wb.settings.term_end == 2030
    assert wb.settings.statuses == list(m.DEFAULT_STATUSES)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == list(contract.BOOK_SHEETS)
    assert book[contract.SHEET_CARDS].data_validations.dataValidation
    assert empty_workbook() == empty_workbook(m.Settings())


def test_empty_workbook_keeps_given_settings(tmp_path: Path) -> None:
    path = tmp_path / "new.xlsx"
    path.write_bytes(empty_workbook(settings()))
    assert read_workbook(path).settings == settings()


def test_writer_refuses_a_dated_plain_achievement() -> None:
    card = full_card()
    card.achievements[0].groups[0].items[0].marker = m.MARK_PLAIN
    with pytest.raises(CardError, match="3-1"):
        write_workbook(m.Workbook(settings(), [card]))


def test_writer_refuses_plan_years_unlike_the_term() -> None:
    card = full_card()
    card.annual_plan.years = [2018, 2019, 2020, 2021, 2022]
    with pytest.raises(CardError, match="3-1"):
        write_workbook(m.Workbook(settings(), [card]))


def test_writer_drops_what_xml_cannot_hold_and_keeps_line_breaks(tmp_path: Path) -> None:
    """A lone surrogate, U+FFFE and control characters go (they crashed the writer before); a vertical
    tab (Word's line break) and a carriage return read back as line breaks."""
    card = m.Card(id="3-1", title="반쪽\ud83d 글\ufffe자\x01", area="줄\x0b바꿈\r끝")
    wb = read_workbook(save(tmp_path, m.Workbook(settings(), [card])))
    assert (wb.cards[0].title, wb.cards[0].area) == ("반쪽 글자", "줄\n바꿈\n끝")


# ── cell forms ────────────────────────────────────────────────────────────
def _progress_percent_format(book: openpyxl.Workbook) -> None:
    cell = book[contract.SHEET_CARDS].cell(row=2, column=column(book[contract.SHEET_CARDS], "추진율"))
    cell.value, cell.number_format = 0.6, "0%"


@pytest.mark.parametrize("change", [
    lambda book: set_cell(book, contract.SHEET_CARDS, "추진율", 2, 60),
    lambda book: set_cell(book, contract.SHEET_CARDS, "추진율", 2, "60%"),
    lambda book: set_cell(book, contract.SHEET_CARDS, "추진율", 2, " 60 % "),
    lambda book: set_cell(book, contract.SHEET_CARDS, "추진율", 2, 60.0),
    _progress_percent_format,
], ids=["number", "text-percent", "spaced", "float", "percent-format"])
def test_percent_forms_mean_60(change: Callable[[openpyxl.Workbook], None], tmp_path: Path) -> None:
    assert read_workbook(mutated(tmp_path, change)).cards[0].header.progress == 60


def test_target_percent_forms(tmp_path: Path) -> None:
    def change(book: openpyxl.Workbook) -> None:
        sheet = book[contract.SHEET_PLAN]
        sheet["C2"].value = "10%"
        sheet["D2"].value, sheet["D2"].number_format = 0.4, "0%"
        sheet["E2"].value = 60
    plan = read_workbook(mutated(tmp_path, change)).cards[0].annual_plan
    assert plan.targets[:3] == [10, 40, 60]


@pytest.mark.parametrize(("value", "expected"), [
    (dt.datetime(2023, 4, 15), "2023. 04."),
    ("2023. 04.", "2023. 04."),
    ("2023.4", "2023. 04."),
    ("'24.5.", "2024. 05."),
    ("2023. 06. ~ 08.", "2023. 06. ~ 08."),
    ("2023. 11. ~ 2024. 02.", "2023. 11. ~ 2024. 02."),
    ("2024. 12. 3.", "2024. 12. 03."),
])
def test_date_forms(value: object, expected: str, tmp_path: Path) -> None:
    path = mutated(tmp_path, lambda book: set_cell(book, contract.SHEET_ACHIEVEMENTS, "일자", 2, value))
    assert read_workbook(path).cards[0].achievements[0].groups[0].items[0].date == expected


def test_as_of_accepts_an_excel_date(tmp_path: Path) -> None:
    path = mutated(tmp_path, lambda book: book[contract.SHEET_SETTINGS].cell(row=6, column=2,
                                                                             value=dt.datetime(2024, 9, 30)))
    assert read_workbook(path).settings.as_of == "2024-09-30"


def test_levels_as_numbers_and_literal_markers(tmp_path: Path) -> None:
    def change(book: openpyxl.Workbook) -> None:
        sheet = book[contract.SHEET_BULLETS]
        set_cell(book, contract.SHEET_BULLETS, "수준", 2, "○")
        set_cell(book, contract.SHEET_BULLETS, "수준", 4, 1.0)
        set_cell(book, contract.SHEET_BULLETS, "수준", 5, "-")
        set_cell(book, contract.SHEET_BULLETS, "수준", 6, "▷")
        assert sheet.max_row >= 6
    card = read_workbook(mutated(tmp_path, change)).cards[0]
    assert card.bullets[m.GOAL][0].marker == m.MARK_L1
    assert [line.marker for line in card.bullets[m.OVERVIEW]] == [m.MARK_L1, m.MARK_L2, m.MARK_L3]


@pytest.mark.parametrize(("value", "expected"), [("1회", 1), (3, 3), ("-", None), ("", None), (" 2 회", 2)])
def test_communication_counts(value: object, expected: int | None, tmp_path: Path) -> None:
    path = mutated(tmp_path, lambda book: set_cell(book, contract.SHEET_COMMUNICATION, "기타", 2, value))
    assert read_workbook(path).cards[0].communication[4] == expected


def test_tolerant_headers_status_spacing_and_empty_rows(tmp_path: Path) -> None:
    def change(book: openpyxl.Workbook) -> None:
        cards = book[contract.SHEET_CARDS]
        cards.cell(row=1, column=column(cards, "추진율")).value = " 추진율(%) "
        communication = book[contract.SHEET_COMMUNICATION]
        communication.cell(row=1, column=column(communication, "기타")).value = "기타(건)"
        set_cell(book, contract.SHEET_CARDS, "추진상황", 2, "추진중")
        book[contract.SHEET_BULLETS].insert_rows(3, amount=2)
        book[contract.SHEET_ACHIEVEMENTS].cell(row=40, column=1, value="   ")
    wb = read_workbook(mutated(tmp_path, change))
    assert wb.cards[0].header.status == "추진 중"
    assert wb == full_workbook()


def test_id_typed_as_a_number_is_text(tmp_path: Path) -> None:
    def change(book: openpyxl.Workbook) -> None:
        for name in contract.SHEETS:
            sheet = book[name]
            for row in sheet.iter_rows(min_row=2):
                if name != contract.SHEET_SETTINGS and row[0].value == "3-2":
                    row[0].value = 32
    assert read_workbook(mutated(tmp_path, change)).cards[1].id == "32"


# ── validation: every rule names sheet!cell ───────────────────────────────
def _delete(sheet: str) -> Callable[[openpyxl.Workbook], None]:
    def change(book: openpyxl.Workbook) -> None:
        del book[sheet]
    return change


def _rename_header(sheet: str, name: str, new: str) -> Callable[[openpyxl.Workbook], None]:
    def change(book: openpyxl.Workbook) -> None:
        book[sheet].cell(row=1, column=column(book[sheet], name)).value = new
    return change


def _setter(sheet: str, name: str, row: int, value: object) -> Callable[[openpyxl.Workbook], None]:
    return lambda book: set_cell(book, sheet, name, row, value)


def _duplicate_first_card(book: openpyxl.Workbook) -> None:
    sheet = book[contract.SHEET_CARDS]
    sheet.append([cell.value for cell in sheet[2]])


def _formula(book: openpyxl.Workbook) -> None:
    book[contract.SHEET_CARDS]["H2"] = "=10*4"


def _detail_without_entry(book: openpyxl.Workbook) -> None:
    set_cell(book, contract.SHEET_ACHIEVEMENTS, "소분류", 4, "새 소분류")


VALIDATION_RULES: dict[str, tuple[Callable[[openpyxl.Workbook], None], str]] = {
    "missing sheet": (_delete(contract.SHEET_COMMUNICATION), "'구민소통'"),
    "missing column": (_rename_header(contract.SHEET_CARDS, "사업명", "사업 이름"), "공약목록!1:1"),
    "unknown id": (_setter(contract.SHEET_ACHIEVEMENTS, "관리번호", 3, "9-9"), "추진실적!A3"),
    "duplicate id": (_duplicate_first_card, "공약목록!A4"),
    "empty id": (_setter(contract.SHEET_BULLETS, "관리번호", 3, None), "내용!A3"),
    "empty title": (_setter(contract.SHEET_CARDS, "사업명", 3, "  "), "공약목록!C3"),
    "progress over 100": (_setter(contract.SHEET_CARDS, "추진율", 2, 150), "공약목록!H2"),
    "progress not a number": (_setter(contract.SHEET_CARDS, "추진율", 2, "육십"), "공약목록!H2"),
    "progress fraction": (_setter(contract.SHEET_CARDS, "추진율", 2, 0.6), "공약목록!H2"),
    "target over 100": (_setter(contract.SHEET_PLAN, "2023년", 2, "140%"), "연차별계획!D2"),
    "bad year column": (_rename_header(contract.SHEET_PLAN, "2024년", "2030년"), "연차별계획!E1"),
    "missing year column": (_rename_header(contract.SHEET_PLAN, "2026년", "비고"), "연차별계획!G1"),
    "bad date": (_setter(contract.SHEET_ACHIEVEMENTS, "일자", 4, "2023.13."), "추진실적!D4"),
    "date as number": (_setter(contract.SHEET_ACHIEVEMENTS, "일자", 4, 2023.1), "추진실적!D4"),
    "bad as-of": (lambda book: book[contract.SHEET_SETTINGS].cell(row=6, column=2, value="어제"), "설정!B6"),
    "bad term year": (lambda book: book[contract.SHEET_SETTINGS].cell(row=4, column=2, value="이천"), "설정!B4"),
    "status not in list": (_setter(contract.SHEET_CARDS, "추진상황", 2, "잘 됨"), "공약목록!G2"),
    "bad level": (_setter(contract.SHEET_BULLETS, "수준", 2, "4"), "내용!C2"),
    "bad achievement level": (_setter(contract.SHEET_ACHIEVEMENTS, "수준", 2, "●"), "추진실적!E2"),
    "bad section": (_setter(contract.SHEET_BULLETS, "구분", 2, "사업목표"), "내용!B2"),
    "formula": (_formula, "공약목록!H2"),
    "detail without entry": (_detail_without_entry, "추진실적!E4"),
    "bad count": (_setter(contract.SHEET_COMMUNICATION, "기타", 2, "많이"), "구민소통!F2"),
    "empty text": (_setter(contract.SHEET_BULLETS, "내용", 2, None), "내용!D2"),
    "id turned into a date": (_setter(contract.SHEET_COOPERATION, "관리번호", 2, dt.datetime(2026, 3, 1)), "협조부서!A2"),
}


@pytest.mark.parametrize("rule", list(VALIDATION_RULES))
def test_validation_rule_names_the_cell(rule: str, tmp_path: Path) -> None:
    change, where = VALIDATION_RULES[rule]
    text = problems_of(mutated(tmp_path, change))
    assert where in text
    assert "→" in text  # every problem says how to fix it


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    def change(book: openpyxl.Workbook) -> None:
        set_cell(book, contract.SHEET_CARDS, "추진율", 2, 150)
        set_cell(book, contract.SHEET_ACHIEVEMENTS, "일자", 4, "언젠가")
        del book[contract.SHEET_COMMUNICATION]
    with pytest.raises(InputError) as caught:
        read_workbook(mutated(tmp_path, change))
    wheres = {problem.where for problem in caught.value.problems}
    assert {"공약목록!H2", "추진실적!D4", "구민소통"} <= wheres
    assert all(problem.ko and problem.en and problem.fix_ko and problem.fix_en for problem in caught.value.problems)


def test_changes_sheet_is_optional(tmp_path: Path) -> None:
    wb = m.Workbook(settings(), [m.Card(id="1-1", title="변경 없음")])
    path = save(tmp_path, wb)
    book = openpyxl.load_workbook(path)
    del book[contract.SHEET_CHANGES]
    book.save(path)
    assert read_workbook(path) == wb


@pytest.mark.parametrize(("content", "says"), [
    (b"", "empty"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, ".xls"),
    ("관리번호,사업명\n3-1,x\n".encode(), "not an xlsx"),
    (b"PK\x03\x04 broken zip", "not an xlsx"),
], ids=["empty", "xls-or-encrypted", "csv-renamed", "bad-zip"])
def test_not_an_xlsx_is_one_clear_problem(content: bytes, says: str, tmp_path: Path) -> None:
    path = tmp_path / "master.xlsx"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        read_workbook(path)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].file == str(path)
    assert says in str(caught.value)


def test_a_zip_that_is_no_workbook_is_one_clear_problem(tmp_path: Path) -> None:
    path = tmp_path / "master.xlsx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    path.write_bytes(buffer.getvalue())
    with pytest.raises(InputError) as caught:
        read_workbook(path)
    assert len(caught.value.problems) == 1 and "cannot be read" in str(caught.value)


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_workbook(tmp_path / "nowhere.xlsx")


# ── the xlsx container ────────────────────────────────────────────────────
def rewritten(tmp_path: Path, member: str, change: Callable[[bytes], bytes]) -> Path:
    """The full workbook with one zip member's bytes changed."""
    source = io.BytesIO(write_workbook(full_workbook()))
    path = tmp_path / "master.xlsx"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w") as new:
        for name in old.namelist():
            data = old.read(name)
            new.writestr(name, change(data) if name == member else data)
    return path


CARDS_SHEET = "xl/worksheets/sheet2.xml"  # 공약목록, the second sheet


def test_rich_text_and_phonetic_runs(tmp_path: Path) -> None:
    title = full_card().title.encode()
    rich = "<r><t>신평·장림</t></r><r><t>산업단지</t></r><rPh sb=\"0\" eb=\"1\"><t>しん</t></rPh>".encode()
    path = rewritten(tmp_path, CARDS_SHEET, lambda data: data.replace(b"<t>" + title + b"</t>", rich))
    assert read_workbook(path).cards[0].title == "신평·장림산업단지"


def test_absurd_row_number_is_one_problem(tmp_path: Path) -> None:
    path = rewritten(tmp_path, CARDS_SHEET, lambda data: data.replace(b'<row r="3"', b'<row r="999999999"'))
    with pytest.raises(InputError) as caught:
        read_workbook(path)
    assert len(caught.value.problems) == 1 and "cannot be read" in str(caught.value)


def test_entities_are_not_expanded(tmp_path: Path) -> None:
    doctype = b'<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    path = rewritten(tmp_path, CARDS_SHEET, lambda data: data.replace(b"?>", b"?>" + doctype, 1)
                     .replace(b"<t>3-2</t>", b"<t>&x;</t>"))
    try:
        wb = read_workbook(path)
    except InputError:
        return  # refusing the file is fine too
    assert all("root:" not in card.id for card in wb.cards)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_resave_reads_back_equal(tmp_path: Path) -> None:
    """A file saved by a spreadsheet program (shared strings, its own styles) reads the same."""
    source = save(tmp_path, full_workbook(), "source.xlsx")
    out = tmp_path / "out"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                    "--convert-to", "xlsx", "--outdir", str(out), str(source)],
                   check=True, capture_output=True, timeout=180)
    assert read_workbook(out / "source.xlsx") == full_workbook()


def test_settings_without_header_row(tmp_path: Path) -> None:
    path = mutated(tmp_path, lambda book: book[contract.SHEET_SETTINGS].delete_rows(1))
    assert read_workbook(path) == full_workbook()


_ANY_CELL = st.one_of(
    st.none(), st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12), st.integers(-10**6, 10**6),
    st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.datetimes(min_value=dt.datetime(1901, 1, 1), max_value=dt.datetime(2200, 1, 1)),
    st.sampled_from(["=1+1", "60%", "1회", "-", "2023. 13.", "○", "※", "2022년", "목표(%)"]),
)


@settings_(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sheet=st.sampled_from(contract.SHEETS), row=st.integers(1, 12), col=st.integers(1, 9), value=_ANY_CELL)
def test_any_cell_value_gives_a_workbook_or_an_input_error(
    tmp_path: Path, sheet: str, row: int, col: int, value: object
) -> None:
    def change(book: openpyxl.Workbook) -> None:
        cell = book[sheet].cell(row=row, column=col)
        cell.value = value
    try:
        read_workbook(mutated(tmp_path, change))
    except InputError as error:
        assert error.problems and all(problem.where or problem.file for problem in error.problems)


# ── the contract mapping on rows from any tabular source ─────────────────
def plain_sheets() -> dict[str, list[list[object]]]:
    """A small master workbook as plain rows of Python values (no xlsx)."""
    header = {name: list(columns) for name, columns in contract.SHEET_COLUMNS.items()}
    return {
        contract.SHEET_SETTINGS: [header[contract.SHEET_SETTINGS], ["기관명", "부산광역시 사하구"], ["민선", "8기"],
                                  ["임기 시작 연도", 2022], ["임기 종료 연도", "2023년"],
                                  ["기준일", dt.datetime(2024, 12, 31)], ["상태 목록", "추진 중, 완료"]],
        contract.SHEET_CARDS: [header[contract.SHEET_CARDS],
                               ["3-1", "3. 경제도시", "낙동강 테크노밸리 조성", "신규사업", "구", "2022년~2026년",
                                "추진중", "60%", "비예산", "임기내", "전략사업과", "최재봉", "5021"]],
        contract.SHEET_COOPERATION: [header[contract.SHEET_COOPERATION], ["3-1", "市", "산업입지과", "박정화", "888-4932"]],
        contract.SHEET_BULLETS: [header[contract.SHEET_BULLETS], ["3-1", "사업추진목표", 1, "스마트 산단"],
                                 ["3-1", "사업 추진 목표", "※", "임기 내 목표"]],
        contract.SHEET_PLAN: [["관리번호", "세부추진내용", "2022년", 2023, "임기 후"], ["3-1", "목표(%)", 40, "100%", None],
                              ["3-1", "조례 개정", "검토", "시행", "운영"]],
        contract.SHEET_ACHIEVEMENTS: [header[contract.SHEET_ACHIEVEMENTS],
                                      ["3-1", "산단 조성", "공모", dt.datetime(2023, 4, 1), 1, "후보지 선정"],
                                      ["3-1", "산단 조성", "공모", None, 3, "사업내용 : 기반시설"]],
        contract.SHEET_COMMUNICATION: [header[contract.SHEET_COMMUNICATION], ["3-1", 2, "1회", None, "-", 0]],
        contract.SHEET_CHANGES: [header[contract.SHEET_CHANGES],
                                 ["3-1", dt.datetime(2024, 5, 2), "사업기간 연장", "예산 확보", "심의"]],
    }


def as_xlsx(tmp_path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """The same rows typed into an .xlsx with openpyxl (dates get a date format)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    path = tmp_path / "plain.xlsx"
    book.save(path)
    return path


def from_rows(path: Path, sheets: dict[str, list[list[object]]]) -> m.Workbook:
    return workbook_from_sheets({name: Sheet.of_rows(rows) for name, rows in sheets.items()}, Problems(str(path)))


def test_the_contract_mapping_reads_plain_rows_as_the_xlsx_path_reads_the_same_values(tmp_path: Path) -> None:
    sheets = plain_sheets()
    path = as_xlsx(tmp_path, sheets)
    plain = from_rows(path, sheets)
    assert plain == read_workbook(path)
    card = plain.cards[0]
    assert (plain.settings.term_start, plain.settings.term_end, plain.settings.as_of) == (2022, 2023, "2024-12-31")
    assert (card.header.status, card.header.progress) == ("추진 중", 60)  # 추진중 is 상태 목록's 추진 중
    assert card.header.cooperation == [m.Contact("산업입지과", "박정화", "888-4932", "市")]
    assert card.bullets[m.GOAL] == [m.BulletLine(m.MARK_L1, "스마트 산단"), m.BulletLine(m.MARK_NOTE, "임기 내 목표")]
    assert card.annual_plan == m.AnnualPlan(years=[2022, 2023], targets=[40, 100], after_term_target=None,
                                            rows=[m.PlanRow("조례 개정", ["검토", "시행"], "운영")])
    item = card.achievements[0].groups[0].items[0]
    assert (item.date, item.text, item.details) == ("2023. 04.", "후보지 선정",
                                                   [m.BulletLine(m.MARK_L3, "사업내용 : 기반시설")])
    assert card.communication == [2, 1, None, None, 0]
    assert card.changes == [m.ChangeRecord("2024. 05. 02.", "사업기간 연장", "예산 확보", "심의")]


def test_the_contract_mapping_names_the_same_cells_for_plain_rows_as_for_the_xlsx(tmp_path: Path) -> None:
    sheets = plain_sheets()
    sheets[contract.SHEET_CARDS][1][7] = "많이"  # 추진율, column H
    sheets[contract.SHEET_ACHIEVEMENTS][1][3] = "4월쯤"  # 일자, column D
    sheets[contract.SHEET_COMMUNICATION].append(["9-9", 1, None, None, None, None])
    path = as_xlsx(tmp_path, sheets)
    with pytest.raises(InputError) as plain:
        from_rows(path, sheets)
    with pytest.raises(InputError) as xlsx:
        read_workbook(path)
    assert plain.value.problems == xlsx.value.problems
    # the bad 일자 drops its entry, so the detail line below it (수준 3, E3) has none before it
    assert [problem.where for problem in plain.value.problems] == [
        "공약목록!H2", "추진실적!D2", "추진실적!E3", "구민소통!A3"]


def test_plain_rows_past_the_header_search_keep_only_the_columns_read(tmp_path: Path) -> None:
    """A source that gives every column (unlike the xlsx stream) is read the same: a formula without a
    value in a column reportgen does not read is no problem, and a row holding only such cells is no row."""
    sheets = plain_sheets()
    for _ in range(12):
        sheets[contract.SHEET_BULLETS].append([None, None, None, None, no_saved_value("A1*2")])
    plain = from_rows(tmp_path / "plain.xlsx", sheets)
    assert plain.cards[0].bullets[m.GOAL] == [m.BulletLine(m.MARK_L1, "스마트 산단"), m.BulletLine(m.MARK_NOTE, "임기 내 목표")]


def test_a_read_workbook_pickles_copies_and_replaces_with_slotted_model_classes(tmp_path: Path) -> None:
    """The model's dataclasses have slots (no __dict__ per object): the web and the batch workers
    pickle cards, the writers copy and replace them; a field that is not declared is refused."""
    import copy
    import dataclasses
    import pickle

    wb = read_workbook(save(tmp_path, full_workbook()))
    assert pickle.loads(pickle.dumps(wb)) == wb == copy.deepcopy(wb) == full_workbook()
    card = wb.cards[0]
    assert dataclasses.replace(card, header=dataclasses.replace(card.header, budget="")).header.budget == ""
    assert not hasattr(card, "__dict__")
    with pytest.raises(AttributeError):
        card.note = "x"  # type: ignore[attr-defined]


def test_validate_workbook_finds_what_read_workbook_finds(tmp_path: Path) -> None:
    """validate_workbook keeps no card contents (the last 추진실적 entry of a group at most) and
    finds the same: settings, card count and notices of a valid book; the same problems, in the
    same order, of a book with problems in every detail sheet."""
    sheets = plain_sheets()
    sheets[contract.SHEET_ACHIEVEMENTS] += [["3-1", "산단 조성", "공모", dt.datetime(2023, 5, 1), 1, "둘째 항목"],
                                            ["3-1", "산단 조성", "공모", None, 2, "둘째의 세부"]]
    path = as_xlsx(tmp_path, sheets)
    book, checked = read_workbook(path), validate_workbook(path)
    assert checked == Validated(book.settings, 1, book.notices) and book.cards[0].achievements[0].groups[0].items[1].details
    sheets[contract.SHEET_ACHIEVEMENTS].append(["3-1", "산단 조성", "다른 소분류", None, 2, "항목 없는 세부"])
    sheets[contract.SHEET_BULLETS].append(["9-9", "사업개요", 1, "없는 카드"])
    sheets[contract.SHEET_COMMUNICATION].append(["3-1", 1, None, None, None, None])
    sheets[contract.SHEET_PLAN].append(["3-1", "목표(%)", 140, None, None])
    sheets[contract.SHEET_COOPERATION].append(["", "市", "과", "", ""])
    path = as_xlsx(tmp_path, sheets)
    with pytest.raises(InputError) as read:
        read_workbook(path)
    with pytest.raises(InputError) as validated:
        validate_workbook(path)
    assert validated.value.problems == read.value.problems
    assert [problem.where for problem in read.value.problems] == [
        "협조부서!A3", "내용!A4", "연차별계획!C4", "연차별계획!B4", "추진실적!E6", "구민소통!A3"]
