"""재정계획 (공약가계부) and the new 설정 keys: read, validated, written; the card's 소요예산 from 재정계획.

Every expected figure is worked out by hand in a comment.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from reportgen import model as m
from reportgen import workbook_contract as contract
from reportgen.documents import card_document
from reportgen.errors import InputError, Problems
from reportgen.readers.cells import Sheet
from reportgen.readers.workbook import read_workbook, workbook_from_sheets
from reportgen.writers.text import render_document
from reportgen.writers.workbook import empty_workbook, write_workbook

D = Decimal
FINANCE_HEADER = ["관리번호", "연도", "재원", "계획", "확보", "집행"]
#: rows 2… of 재정계획, as typed in Excel (numbers, text with thousands separators, blanks)
ROWS = [
    ["3-1", None, "국비", "1,234.5", 1000, 900],  # row 2: 국비 for the whole term
    ["3-1", 2023, "국비", 600, None, None],  # row 3: a 국비 year row: not counted, 국비 has a whole-term row
    ["3-1", "2023년", "시·군·구비", "5,000", "2,000", 1500],  # row 4
    ["3-1", 2024, "시ㆍ군ㆍ구비", 6110.5, None, None],  # row 5: another middle dot, same 재원
    ["3-2", None, "국비", 100, None, None],  # row 6: 3-2 has 소요예산 typed (비예산)
    ["3-3", 2022, "기타", 1000, None, None],  # row 7
    ["3-3", 2023, "기타", "234.5", None, None],  # row 8
]


def term_settings() -> m.Settings:
    return m.Settings(agency="부산광역시 사하구", term="8기", term_start=2022, term_end=2026, as_of="2024-12-31")


def cards() -> list[m.Card]:
    with_budget = m.Card(id="3-2", title="예산 있는 카드")
    with_budget.header.budget = "비예산"
    return [m.Card(id="3-1", title="낙동강 테크노밸리"), with_budget, m.Card(id="3-3", title="작은 사업")]


def workbook_file(tmp_path: Path, rows: list[list[object]], settings: m.Settings | None = None,
                  setting_rows: list[tuple[str, str]] = ()) -> Path:
    """The master workbook of :func:`cards`, with ``rows`` typed into 재정계획 and ``setting_rows``
    added to 설정 (as a user would, with openpyxl)."""
    path = tmp_path / "master.xlsx"
    path.write_bytes(write_workbook(m.Workbook(settings or term_settings(), cards())))
    book = openpyxl.load_workbook(path)
    for row in rows:
        book[contract.SHEET_FINANCE].append(row)
    for key, value in setting_rows:
        book[contract.SHEET_SETTINGS].append([key, value])
    book.save(path)
    return path


def problems_of(path: Path) -> list[tuple[str, str]]:
    with pytest.raises(InputError) as caught:
        read_workbook(path)
    return [(problem.where, f"{problem.ko} / {problem.en} → {problem.fix_ko} / {problem.fix_en}")
            for problem in caught.value.problems]


# ── reading ───────────────────────────────────────────────────────────────
def test_finance_rows_read_to_the_exact_rows(tmp_path: Path) -> None:
    wb = read_workbook(workbook_file(tmp_path, ROWS))
    assert wb.finance == [
        m.FinanceRow("3-1", None, "국비", D("1234.5"), D("1000"), D("900"), "재정계획!A2"),
        m.FinanceRow("3-1", 2023, "국비", D("600"), None, None, "재정계획!A3"),
        m.FinanceRow("3-1", 2023, "시·군·구비", D("5000"), D("2000"), D("1500"), "재정계획!A4"),
        m.FinanceRow("3-1", 2024, "시·군·구비", D("6110.5"), None, None, "재정계획!A5"),
        m.FinanceRow("3-2", None, "국비", D("100"), None, None, "재정계획!A6"),
        m.FinanceRow("3-3", 2022, "기타", D("1000"), None, None, "재정계획!A7"),
        m.FinanceRow("3-3", 2023, "기타", D("234.5"), None, None, "재정계획!A8"),
    ]
    assert str(wb.finance[0].planned) == "1234.5"  # Decimal('1234.5') from the text `1,234.5`
    assert wb.notices == []


def test_plain_rows_map_like_the_xlsx(tmp_path: Path) -> None:
    """workbook_from_sheets takes plain rows (another tabular source): the same rows, the same problems."""
    sheets = {name: Sheet.of_rows([list(contract.SHEET_COLUMNS[name])]) for name in contract.SHEETS}
    sheets[contract.SHEET_SETTINGS] = Sheet.of_rows([["항목", "값"], ["재원 목록", "국비, 구비"]])
    sheets[contract.SHEET_CARDS] = Sheet.of_rows([list(contract.SHEET_COLUMNS[contract.SHEET_CARDS]),
                                                  ["3-1", "", "사업"]])
    sheets[contract.SHEET_FINANCE] = Sheet.of_rows([FINANCE_HEADER, ["3-1", None, "구 비", "1,234.5", None, None]])
    wb = workbook_from_sheets(sheets, Problems("form"))
    assert wb.finance == [m.FinanceRow("3-1", None, "구비", D("1234.5"), None, None, "재정계획!A2")]
    assert wb.cards[0].header.budget == "총 1,234.5백만원"
    sheets[contract.SHEET_FINANCE] = Sheet.of_rows([FINANCE_HEADER, ["3-1", None, "국비", "-3", None, None]])
    with pytest.raises(InputError, match="재정계획!D2"):
        workbook_from_sheets(sheets, Problems("form"))


def test_a_workbook_without_the_sheet_is_valid(tmp_path: Path) -> None:
    path = workbook_file(tmp_path, [])
    book = openpyxl.load_workbook(path)
    del book[contract.SHEET_FINANCE]
    book.save(path)
    wb = read_workbook(path)
    assert wb.finance == [] and [card.header.budget for card in wb.cards] == ["", "비예산", ""]


def test_each_problem_names_its_cell(tmp_path: Path) -> None:
    rows = [
        ["3-1", 2023, "국비", 10, 20, 30],  # row 2: good (집행 > 확보 only a notice)
        ["3-1", 2031, "국비", 10, None, None],  # row 3: 2031 is after the term 2022~2026
        ["3-1", 2023, "지방채", 10, None, None],  # row 4: 지방채 is not in the default 재원 목록
        ["3-1", 2023, "국비", -3, None, None],  # row 5: -3 < 0
        ["3-1", 2023, "국비", 1, "많음", None],  # row 6: not a number
        ["9-9", 2023, "국비", 1, None, None],  # row 7: no such 관리번호
        ["3-1", "내년", "", 1, None, None],  # row 8: no year, and 재원 empty
        ["3-1", 2024, "국비", 1, 2, "1,23"],  # row 9: 1,23 is no number with thousands separators
    ]
    found = problems_of(workbook_file(tmp_path, rows))
    assert [where for where, _ in found] == [
        "재정계획!B3", "재정계획!C4", "재정계획!D5", "재정계획!E6", "재정계획!A7", "재정계획!B8", "재정계획!C8",
        "재정계획!F9",
    ]
    said = dict(found)
    assert "2022~2026" in said["재정계획!B3"] and "leave it blank for the whole term" in said["재정계획!B3"]
    assert "'지방채'" in said["재정계획!C4"] and "국비, 시·도비, 시·군·구비, 기타" in said["재정계획!C4"]
    assert "0보다 작습니다 (-3)" in said["재정계획!D5"] and "less than 0" in said["재정계획!D5"]
    assert "숫자가 아닙니다 (많음)" in said["재정계획!E6"] and "1,234.5" in said["재정계획!E6"]
    assert "9-9" in said["재정계획!A7"] and "공약목록" in said["재정계획!A7"]
    assert "연도가 아닙니다 (내년)" in said["재정계획!B8"]
    assert "재원이 비어 있습니다" in said["재정계획!C8"]


def test_spent_over_secured_is_a_notice_and_the_row_is_read(tmp_path: Path) -> None:
    wb = read_workbook(workbook_file(tmp_path, [["3-1", 2023, "국비", 200, 100, "120"]]))
    assert wb.finance == [m.FinanceRow("3-1", 2023, "국비", D("200"), D("100"), D("120"), "재정계획!A2")]
    assert len(wb.notices) == 1
    assert wb.notices[0].startswith("재정계획!F2: 집행(120)이 확보(100)보다 많습니다")
    assert " / 재정계획!F2: 집행 (120) is more than 확보 (100)" in wb.notices[0]


def test_spent_equal_to_secured_or_without_secured_is_no_notice(tmp_path: Path) -> None:
    wb = read_workbook(workbook_file(tmp_path, [["3-1", 2023, "국비", 200, 100, 100], ["3-1", 2024, "국비", 1, None, 5]]))
    assert len(wb.finance) == 2 and wb.notices == []


# ── 설정 ──────────────────────────────────────────────────────────────────
def test_sources_and_rates_come_from_settings(tmp_path: Path) -> None:
    path = workbook_file(tmp_path, [["3-1", None, "군 비", 7, None, None]],
                         setting_rows=[("재원 목록", "국비, 도비, 군비, 국비"), ("총괄표 지표", "목표달성률, 완료율")])
    wb = read_workbook(path)
    assert wb.settings.sources == ["국비", "도비", "군비"]  # the repeated 국비 once
    assert wb.settings.rates == [m.RATE_TARGET, m.RATE_COMPLETION]
    assert wb.finance[0].source == "군비"


def test_defaults_without_the_keys(tmp_path: Path) -> None:
    wb = read_workbook(workbook_file(tmp_path, []))
    assert wb.settings.sources == list(m.DEFAULT_SOURCES) and wb.settings.rates == list(m.RATES)


def test_rate_names_compare_without_spaces_and_unknown_ones_are_named(tmp_path: Path) -> None:
    # 설정 rows: 1 header, 2-8 the seven keys the writer writes, 9 the added 총괄표 지표
    good = workbook_file(tmp_path, [], setting_rows=[("총괄표 지표", "평균추진율, 이행률 (임기내)")])
    assert read_workbook(good).settings.rates == [m.RATE_MEAN_PROGRESS, m.RATE_IN_TERM]
    bad = workbook_file(tmp_path, [], setting_rows=[("총괄표 지표", "완료율, 달성도")])
    (where, said), = problems_of(bad)
    assert where == "설정!B9"
    assert "'달성도'" in said and "완료율, 평균 추진율, 이행률(임기내), 목표달성률" in said


def test_source_not_in_a_custom_list_lists_that_list(tmp_path: Path) -> None:
    path = workbook_file(tmp_path, [["3-1", None, "시·도비", 7, None, None]], setting_rows=[("재원 목록", "국비, 구비")])
    (where, said), = problems_of(path)
    assert where == "재정계획!C2" and "use one of: 국비, 구비" in said


def test_status_words_of_other_offices(tmp_path: Path) -> None:
    settings = term_settings()
    settings.statuses = ["완료", "이행후 계속추진", "추진중", "기타(시기미도래)"]
    path = workbook_file(tmp_path, [], settings, setting_rows=[])
    book = openpyxl.load_workbook(path)
    sheet = book[contract.SHEET_SETTINGS]
    done_row = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == "완료 상태")
    done_row[1].value = "완료, 이행후계속추진, 기타 (시기미도래)"
    cards_sheet = book[contract.SHEET_CARDS]
    cards_sheet["G2"], cards_sheet["G3"] = "추진 중", "기타（시기미도래）"  # spaced; full-width brackets
    book.save(path)
    wb = read_workbook(path)
    assert wb.settings.done_statuses == ["완료", "이행후 계속추진", "기타(시기미도래)"]  # the list's spelling
    assert [card.header.status for card in wb.cards[:2]] == ["추진중", "기타(시기미도래)"]


# ── the card's 소요예산 ────────────────────────────────────────────────────
def test_term_total_counts_a_source_once() -> None:
    rows = [
        m.FinanceRow("3-1", None, "국비", D("1234.5"), D("1000")),
        m.FinanceRow("3-1", 2023, "국비", D("600"), D("7")),
        m.FinanceRow("3-1", 2023, "시·군·구비", D("5000"), None),
        m.FinanceRow("3-1", 2024, "시ㆍ군ㆍ구비", D("6110.5"), D("3")),
    ]
    # 계획: 국비 whole term 1234.5 (the 600 year row not counted) + 시·군·구비 5000 + 6110.5 = 12345
    assert contract.term_amount(rows, contract.COL_PLANNED) == D("12345")
    # 확보: 국비 whole term 1000 (7 not counted) + 시·군·구비 3 = 1003
    assert contract.term_amount(rows, contract.COL_SECURED) == D("1003")
    assert contract.term_amount(rows, contract.COL_SPENT) is None
    # a whole-term row without 계획 does not hide the year rows' 계획: 600
    assert contract.term_amount([m.FinanceRow("3-1", None, "국비", None, D("5")), rows[1]], contract.COL_PLANNED) == 600


@pytest.mark.parametrize(("amount", "text"), [
    ("12345", "총 12,345백만원"), ("12345.00", "총 12,345백만원"), ("1234.5", "총 1,234.5백만원"),
    ("1234.50", "총 1,234.5백만원"), ("1000000", "총 1,000,000백만원"), ("0.25", "총 0.25백만원"), ("0", "총 0백만원"),
])
def test_budget_text(amount: str, text: str) -> None:
    assert contract.budget_text(D(amount)) == text


def test_card_with_empty_budget_prints_the_plan_total(tmp_path: Path) -> None:
    wb = read_workbook(workbook_file(tmp_path, ROWS))
    # 3-1: 국비 1,234.5 (whole term; the 2023 row of 600 is not counted) + 시·군·구비 5,000 + 6,110.5 = 12,345
    # 3-2: typed 비예산 stays; 3-3: 기타 1,000 + 234.5 = 1,234.5
    assert [card.header.budget for card in wb.cards] == ["총 12,345백만원", "비예산", "총 1,234.5백만원"]
    printed = render_document(card_document(wb.cards[0]))
    line = next(line for line in printed.splitlines() if "소요예산" in line)
    assert "총 12,345백만원" in line


# ── writing ───────────────────────────────────────────────────────────────
def test_init_has_the_sheet_the_drop_down_and_the_keys(tmp_path: Path) -> None:
    path = tmp_path / "new.xlsx"
    path.write_bytes(empty_workbook())
    book = openpyxl.load_workbook(path)
    sheet = book[contract.SHEET_FINANCE]
    assert book.sheetnames[-1] == contract.SHEET_FINANCE
    assert [cell.value for cell in sheet[1]] == FINANCE_HEADER
    checks = {str(dv.sqref): dv for dv in sheet.data_validations.dataValidation}
    assert checks["C2:C1048576"].type == "list" and checks["C2:C1048576"].formula1 == '"국비,시·도비,시·군·구비,기타"'
    assert (checks["B2:B1048576"].formula1, checks["B2:B1048576"].formula2) == ("2026", "2030")
    assert all(checks[f"{c}2:{c}1048576"].operator == "greaterThanOrEqual" for c in "DEF")
    keys = {row[0].value: row[1].value for row in book[contract.SHEET_SETTINGS].iter_rows(min_row=2)}
    assert keys["재원 목록"] == "국비, 시·도비, 시·군·구비, 기타"
    assert keys["총괄표 지표"] == "완료율, 평균 추진율, 이행률(임기내), 목표달성률"
    wb = read_workbook(path)
    assert wb.finance == [] and wb.settings.sources == list(m.DEFAULT_SOURCES)


def test_drop_down_follows_the_settings_list(tmp_path: Path) -> None:
    settings = term_settings()
    settings.sources = ["국비", "구비"]
    path = tmp_path / "m.xlsx"
    path.write_bytes(write_workbook(m.Workbook(settings, cards())))
    sheet = openpyxl.load_workbook(path)[contract.SHEET_FINANCE]
    assert '"국비,구비"' in {dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert read_workbook(path).settings.sources == ["국비", "구비"]


def test_write_read_round_trips_finance(tmp_path: Path) -> None:
    rows = [
        m.FinanceRow("3-1", None, "국비", D("1234.5"), D("1000"), D("900"), "재정계획!A2"),
        m.FinanceRow("3-1", 2024, "시·도비", D("0.1"), None, D("7"), "재정계획!A3"),
        m.FinanceRow("3-3", 2022, "기타", None, None, None, "재정계획!A4"),
    ]
    wb = m.Workbook(term_settings(), cards(), rows)
    path = tmp_path / "m.xlsx"
    path.write_bytes(write_workbook(wb))
    back = read_workbook(path)
    assert back.finance == rows
    sheet = openpyxl.load_workbook(path)[contract.SHEET_FINANCE]
    # shown with thousands separators and the amount's own decimals: 1,234.5 / 1,000 / 0.1
    assert [sheet[ref].number_format for ref in ("D2", "E2", "D3")] == ["#,##0.0", "#,##0", "#,##0.0"]
    # 3-1: 1234.5 + 0.1 = 1234.6; 3-3 plans nothing: its 소요예산 stays empty
    assert [card.header.budget for card in back.cards] == ["총 1,234.6백만원", "비예산", ""]
    # the derived 소요예산 is not typed into 공약목록: written again, the cell stays empty
    path.write_bytes(write_workbook(back))
    assert openpyxl.load_workbook(path)[contract.SHEET_CARDS]["I2"].value is None
    assert read_workbook(path) == back


def test_a_typed_budget_is_written_as_typed(tmp_path: Path) -> None:
    wb = m.Workbook(term_settings(), cards(), [m.FinanceRow("3-2", None, "국비", D("100"), place="재정계획!A2")])
    path = tmp_path / "m.xlsx"
    path.write_bytes(write_workbook(wb))
    assert openpyxl.load_workbook(path)[contract.SHEET_CARDS]["I3"].value == "비예산"
    assert read_workbook(path) == wb


def test_an_import_keeps_the_finance_rows(tmp_path: Path) -> None:
    """reportgen import / the web 취합 rewrite a card's rows in the card sheets only: 재정계획 stays."""
    from reportgen.writers.workbook_edit import merge_cards

    rows = [m.FinanceRow("3-1", None, "국비", D("1234.5"), place="재정계획!A2")]
    data = write_workbook(m.Workbook(term_settings(), cards(), rows))
    path = tmp_path / "merged.xlsx"
    path.write_bytes(merge_cards(data, [("a.txt", m.Card("3-1", "새 제목"))], "m.xlsx").data)
    wb = read_workbook(path)
    assert wb.finance == rows and wb.cards[0].title == "새 제목"
    assert wb.cards[0].header.budget == "총 1,234.5백만원"


def test_check_prints_the_warning_and_passes(tmp_path: Path) -> None:
    """`reportgen check`: 집행 > 확보 is printed as a notice naming the cell; the workbook passes (exit 0)."""
    from typer.testing import CliRunner

    from reportgen.cli import app

    path = workbook_file(tmp_path, [["3-1", 2023, "국비", 200, 100, 120]])
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code == 0, result.output
    assert "알림 / notice: 재정계획!F2: 집행(120)이 확보(100)보다 많습니다" in result.output
    assert "OK: 3 cards" in result.output
    bad = workbook_file(tmp_path, [["3-1", 2023, "국비", -3, None, None]])
    result = CliRunner().invoke(app, ["check", str(bad)])
    assert result.exit_code == 2 and "재정계획!D2" in result.output
