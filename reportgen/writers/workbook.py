"""Write a :class:`~reportgen.model.Workbook` as the master workbook (마스터 엑셀).

The layout is the contract in docs/master-workbook.md; the sheet and column
names come from :mod:`reportgen.workbook_contract`.
Text never becomes a formula, and the same workbook in gives the same bytes out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import replace
from decimal import Decimal

from lxml import etree
from openpyxl import Workbook as Book
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from reportgen import model as m
from reportgen import workbook_contract as contract
from reportgen.errors import CardError
from reportgen.writers.zippack import repack_written
from reportgen.xmltext import CONTROL, ILLEGAL, drop_illegal

FIXED_TIME = dt.datetime(1980, 1, 1)
MAX_CELL_CHARS = 32767
MAX_INLINE_LIST = 255  # Excel's limit for an inline drop-down list
LAST_ROW = 1048576
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_FONT = Font(bold=True)
HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
TEXT_FORMAT = "@"

#: column widths in characters; unknown columns get DEFAULT_WIDTH
DEFAULT_WIDTH = 14
WIDTHS = {
    contract.COL_ID: 9,
    contract.COL_AREA: 26,
    contract.COL_TITLE: 40,
    contract.COL_CATEGORY: 10,
    contract.COL_EXECUTOR: 10,
    contract.COL_PERIOD: 16,
    contract.COL_STATUS: 14,
    contract.COL_PROGRESS: 8,
    contract.COL_BUDGET: 14,
    contract.COL_COMPLETION: 10,
    contract.COL_DEPARTMENT: 26,
    contract.COL_OFFICER: 10,
    contract.COL_PHONE: 14,
    contract.COL_AGENCY: 8,
    contract.COL_COOP_DEPARTMENT: 24,
    contract.COL_SECTION: 14,
    contract.COL_LEVEL: 6,
    contract.COL_TEXT: 80,
    contract.COL_MAJOR: 30,
    contract.COL_MINOR: 30,
    contract.COL_DATE: 18,
    contract.COL_PLAN_ITEM: 30,
    contract.COL_AFTER_TERM: 22,
    contract.COL_CHANGE_DATE: 14,
    contract.COL_CHANGE_CONTENT: 50,
    contract.COL_CHANGE_REASON: 40,
    contract.COL_CHANGE_PROCEDURE: 30,
    contract.COL_SETTING_KEY: 18,
    contract.COL_SETTING_VALUE: 50,
    contract.COL_SETTING_NOTE: 60,
    contract.COL_YEAR: 8,
    contract.COL_SOURCE: 14,
}
YEAR_WIDTH = 22
#: columns whose cells are numbers (all others are text, cell format "@")
NUMBER_COLUMNS = {contract.COL_PROGRESS, *m.COMMUNICATION_COLUMNS}

#: defaults for ``reportgen init``: 민선 9기 (2026-07 ~ 2030-06)
EXAMPLE_TERM, EXAMPLE_TERM_START, EXAMPLE_TERM_END = "9기", 2026, 2030
SETTING_NOTES = {
    contract.KEY_AGENCY: "예: 부산광역시 사하구",
    contract.KEY_TERM: "예: 8기",
    contract.KEY_TERM_START: "예: 2022 (연차별계획의 연도 열과 같아야 함)",
    contract.KEY_TERM_END: "예: 2026",
    contract.KEY_AS_OF: "보고서 기준일, 예: 2024-12-31 (이후 일자의 추진실적은 빠짐)",
    contract.KEY_STATUSES: "추진상황에 쓸 수 있는 값, 쉼표로 구분",
    contract.KEY_DONE_STATUSES: "완료로 셀 상태, 쉼표로 구분 (상태 목록 안에서)",
    contract.KEY_SOURCES: "재정계획의 재원에 쓸 수 있는 값, 쉼표로 구분",
    contract.KEY_RATES: "총괄표에 보일 지표와 순서, 쉼표로 구분 (" + ", ".join(m.RATES) + " 중에서)",
}
LEVEL_CHOICES = ("1", "2", "3", m.MARK_NOTE, m.MARK_BOX)


# ── cells ─────────────────────────────────────────────────────────────────
def _clean(text: str, card_id: str) -> str:
    """A cell's text: a vertical tab (Word line break) is a line break, what XML cannot hold goes."""
    text = drop_illegal(text.replace("\x0b", "\n"))
    if len(text) > MAX_CELL_CHARS:
        raise CardError(
            f"{card_id}: 한 칸의 글자가 {MAX_CELL_CHARS}자를 넘어 엑셀에 쓸 수 없습니다 / "
            f"a cell holds more than {MAX_CELL_CHARS} characters, more than Excel allows"
        )
    return text


def cell_text(text: str) -> str:
    """Text as a cell keeps it: a vertical tab (Word line break) or a carriage return is a line break."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0b", "\n")


def text_fault(text: str) -> tuple[str, str] | None:
    """Why a workbook cell cannot hold this text (Korean, English), or None.

    Unlike :func:`write_workbook` (which drops such characters), the in-place
    editor refuses them: nothing of a card is lost without a word.
    """
    bad = _unstorable(text)
    if bad is not None:
        code = f"U+{ord(bad):04X}"
        return (f"엑셀 칸에 넣을 수 없는 글자({code}, 제어 문자나 짝 없는 서로게이트)가 있습니다",
                f"it holds a character no Excel cell can hold ({code}, a control character or a lone surrogate)")
    if len(text) > MAX_CELL_CHARS:
        return (f"글자가 {len(text):,}자로 엑셀 한 칸의 한도({MAX_CELL_CHARS:,}자)를 넘습니다",
                f"it holds {len(text):,} characters, more than an Excel cell's {MAX_CELL_CHARS:,}")
    return None


def _unstorable(text: str) -> str | None:
    """The first character no cell keeps: what XML cannot hold, or a control character the
    reader drops (DEL); tab and line breaks aside."""
    found = [match.start() for match in (ILLEGAL.search(text), CONTROL.search(text)) if match]
    return text[min(found)] if found else None


def _append(ws: Worksheet, values: Sequence[object], card_id: str = "") -> None:
    """Append a row; text stays text (never a formula) and is formatted as text."""
    ws.append([_cell(ws, value, card_id) for value in values])


def _cell(ws: Worksheet, value: object, card_id: str) -> object:
    """A text cell typed as a string (so ``=…`` is no formula); other values as they are."""
    if not isinstance(value, str):
        return value
    cell = Cell(ws, value=_clean(value, card_id))
    cell.data_type = "s"
    cell.number_format = TEXT_FORMAT
    return cell


def _sheet(book: Book, name: str, columns: Sequence[str]) -> Worksheet:
    """A sheet with its styled header row, widths and frozen header."""
    ws = book.create_sheet(name)
    _append(ws, columns)
    for index, column in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=index)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGN
        width = (
            YEAR_WIDTH
            if column.endswith(contract.YEAR_SUFFIX)
            else WIDTHS.get(column, DEFAULT_WIDTH)
        )
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    return ws


def _finish(ws: Worksheet) -> None:
    """Autofilter over the used range."""
    ws.auto_filter.ref = f"A1:{get_column_letter(ws.max_column)}{ws.max_row}"


def _drop_down(ws: Worksheet, column: str, choices: Iterable[str]) -> None:
    """A list validation on a whole column below the header (skipped if too long)."""
    items = list(choices)
    formula = '"' + ",".join(items) + '"'
    if not items or len(formula) > MAX_INLINE_LIST:
        return
    _apply(ws, column, DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=column,
        error=f"목록에서 고르세요 / choose from the list: {', '.join(items)}",
    ))


def _number_check(ws: Worksheet, column: str, low: int, high: int) -> None:
    """A number between low and high (decimal, so that 60% typed as 0.6 passes Excel's check)."""
    _apply(ws, column, DataValidation(
        type="decimal",
        operator="between",
        formula1=str(low),
        formula2=str(high),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=column,
        error=f"{low}~{high} 사이의 수 (예: 60) / a number from {low} to {high} (e.g. 60)",
    ))


def _apply(ws: Worksheet, column: str, validation: DataValidation) -> None:
    """Put a data validation on a column's cells below the header row."""
    headers = [cell.value for cell in ws[1]]
    letter = get_column_letter(headers.index(column) + 1)
    validation.add(f"{letter}2:{letter}{LAST_ROW}")
    ws.add_data_validation(validation)


def _level_value(marker: str, card_id: str) -> object:
    """수준 cell of a marker: 1/2/3 as numbers, ※ ▪ literal, plain → blank."""
    if marker == m.MARK_PLAIN:
        return None
    level = m.MARKER_TO_LEVEL.get(marker)
    if level is None:
        raise CardError(
            f"{card_id}: 수준으로 쓸 수 없는 기호 '{marker}' / marker '{marker}' has no 수준"
        )
    return int(level) if level.isdigit() else level


# ── settings and the plan years ───────────────────────────────────────────
def _joined(items: list[str], what: str) -> str:
    for item in items:
        if contract.LIST_SEPARATOR in item or item != item.strip() or not item:
            raise CardError(
                f"설정 {what}: '{item}'에 쉼표나 앞뒤 공백이 있어 쓸 수 없습니다 / "
                f"'{item}' in {what} holds a comma or surrounding spaces"
            )
    return ", ".join(items)


def _settings_rows(settings: m.Settings, every_key: bool) -> list[tuple[str, object]]:
    """설정 rows; 재원 목록 and 총괄표 지표 only when ``every_key`` (a new workbook shows every
    key) or when they differ from their defaults (a workbook written before them keeps its rows)."""
    rows: list[tuple[str, object]] = [
        (contract.KEY_AGENCY, settings.agency),
        (contract.KEY_TERM, settings.term),
        (contract.KEY_TERM_START, settings.term_start),
        (contract.KEY_TERM_END, settings.term_end),
        (contract.KEY_AS_OF, settings.as_of),
        (contract.KEY_STATUSES, _joined(settings.statuses, contract.KEY_STATUSES)),
        (contract.KEY_DONE_STATUSES, _joined(settings.done_statuses, contract.KEY_DONE_STATUSES)),
    ]
    if every_key or settings.sources != list(m.DEFAULT_SOURCES):
        rows.append((contract.KEY_SOURCES, _joined(settings.sources, contract.KEY_SOURCES)))
    if every_key or settings.rates != list(m.RATES):
        rows.append((contract.KEY_RATES, _joined(settings.rates, contract.KEY_RATES)))
    return rows


def _write_settings(book: Book, settings: m.Settings, every_key: bool) -> None:
    ws = _sheet(book, contract.SHEET_SETTINGS, contract.SHEET_COLUMNS[contract.SHEET_SETTINGS])
    for key, value in _settings_rows(settings, every_key):
        _append(ws, [key, value if value != "" else None, SETTING_NOTES[key]])
    _finish(ws)


def plan_years(wb: m.Workbook) -> list[int]:
    """The 연차별계획 year columns: the 설정 term, else the first card plan's years."""
    settings = wb.settings
    if settings.term_start is not None and settings.term_end is not None:
        return list(range(settings.term_start, settings.term_end + 1))
    return next((list(card.annual_plan.years) for card in wb.cards if card.annual_plan.years), [])


# ── one card's rows ───────────────────────────────────────────────────────
def _card_row(card: m.Card) -> list[object]:
    """The 공약목록 row of a card, in contract column order (CardError when it cannot be written)."""
    h = card.header
    if not card.id.strip() or not card.title.strip():
        raise CardError(
            f"'{card.id}': 관리번호와 사업명이 있어야 엑셀에 쓸 수 있습니다 / "
            "a card needs a 관리번호 and a 사업명 to be written to the workbook"
        )
    if h.department.agency:
        raise CardError(
            f"{card.id}: 추진부서의 기관 '{h.department.agency}'을(를) 적을 열이 없습니다 / "
            "the workbook has no column for the agency of 추진부서"
        )
    return [
        card.id,
        card.area,
        card.title,
        h.category,
        h.executor,
        h.period,
        h.status,
        h.progress,
        h.budget,
        h.completion,
        h.department.department,
        h.department.officer,
        h.department.phone,
    ]


def _plan_rows(card: m.Card, years: list[int]) -> list[list[object]]:
    """The 연차별계획 rows of a card: 관리번호, 세부추진내용, one cell per year, 임기 후."""
    plan = card.annual_plan
    if not (plan.rows or plan.targets or plan.after_term_target is not None):
        return []
    if plan.years != years:
        raise CardError(
            f"{card.id}: 연차별계획 연도 {plan.years}가 통합문서의 연도 {years}와 다릅니다 / "
            f"the plan years {plan.years} differ from the workbook's years {years}"
        )
    rows: list[list[object]] = []
    if plan.targets or plan.after_term_target is not None:
        targets = list(plan.targets) or [None] * len(years)
        _check_width(card, targets, years)
        rows.append([card.id, m.L_TARGET_ROW, *targets, plan.after_term_target])
    for row in plan.rows:
        _check_width(card, row.cells, years)
        rows.append([card.id, row.title, *row.cells, row.after_term])
    return rows


def _check_width(card: m.Card, cells: Sequence[object], years: list[int]) -> None:
    if len(cells) != len(years):
        raise CardError(
            f"{card.id}: 연차별계획 한 행의 칸 수({len(cells)})가 연도 수({len(years)})와 다릅니다 / "
            f"a plan row has {len(cells)} cells for {len(years)} years"
        )


def _achievement_rows(card: m.Card) -> list[list[object]]:
    """The 추진실적 rows of a card: 관리번호, 대분류, 소분류, 일자, 수준, 내용."""
    rows: list[list[object]] = []
    seen: set[tuple[str, str]] = set()
    for section in card.achievements:
        for group in section.groups:
            key = (section.title, group.title)
            if key in seen or not group.items:
                raise CardError(
                    f"{card.id}: 추진실적 '{section.title}/{group.title}'이(가) 비었거나 두 번 나옵니다 / "
                    "an achievement group is empty or appears twice"
                )
            seen.add(key)
            for item in group.items:
                rows.extend(_item_rows(card, section.title, group.title, item))
        if not section.groups:
            raise CardError(
                f"{card.id}: 추진실적 '{section.title}'이(가) 비었습니다 / an empty achievement section"
            )
    return rows


def _item_rows(card: m.Card, major: str, minor: str, item: m.Achievement) -> list[list[object]]:
    if not (
        item.marker == contract.ENTRY_MARKER or (item.marker == m.MARK_PLAIN and not item.date)
    ):
        raise CardError(
            f"{card.id}: 추진실적 항목 '{item.text[:20]}'의 기호 '{item.marker}'(일자 '{item.date}')는 "
            f"엑셀로 쓸 수 없습니다 / an achievement entry with this marker and date has no workbook form"
        )
    level = _level_value(item.marker, card.id)
    rows: list[list[object]] = [[card.id, major, minor, item.date, level, item.text]]
    for detail in item.details:
        if detail.marker == contract.ENTRY_MARKER or (
            detail.marker == m.MARK_PLAIN and not item.date
        ):
            raise CardError(
                f"{card.id}: 추진실적 '{item.text[:20]}'의 세부 줄 '{detail.text[:20]}'은(는) "
                "엑셀로 쓸 수 없습니다 / this detail line has no workbook form"
            )
        rows.append(
            [card.id, major, minor, item.date, _level_value(detail.marker, card.id), detail.text]
        )
    return rows


def card_rows(card: m.Card, years: list[int]) -> dict[str, list[list[object]]]:
    """Every row a card has in the workbook: sheet name → rows in contract column order
    (연차별계획: 관리번호, 세부추진내용, the ``years``, 임기 후). CardError when it cannot be written.

    The one definition of a card's workbook rows, for :func:`write_workbook` and the
    in-place editor (:mod:`reportgen.writers.workbook_edit`).
    """
    cid = card.id
    bullets = [
        [cid, section, _level_value(line.marker, cid), line.text]
        for section in m.BULLET_SECTIONS
        for line in card.bullets.get(section, [])
    ]
    return {
        contract.SHEET_CARDS: [_card_row(card)],
        contract.SHEET_COOPERATION: [
            [cid, c.agency, c.department, c.officer, c.phone] for c in card.header.cooperation
        ],
        contract.SHEET_BULLETS: bullets,
        contract.SHEET_PLAN: _plan_rows(card, years),
        contract.SHEET_ACHIEVEMENTS: _achievement_rows(card),
        contract.SHEET_COMMUNICATION: [[cid, *card.communication]],
        contract.SHEET_CHANGES: [
            [cid, change.date, change.content, change.reason, change.procedure]
            for change in card.changes
        ],
    }


# ── the book ──────────────────────────────────────────────────────────────
def _columns(name: str, years: list[int]) -> tuple[str, ...]:
    """The header of a sheet; 연차별계획 gets one column per year before 임기 후."""
    columns = contract.SHEET_COLUMNS[name]
    if name != contract.SHEET_PLAN:
        return columns
    year_columns = tuple(f"{year}{contract.YEAR_SUFFIX}" for year in years)
    return (*columns[:-1], *year_columns, columns[-1])


def _write_cards(book: Book, wb: m.Workbook, years: list[int]) -> None:
    """Every card sheet, with its drop-downs, filled from the cards."""
    sheets = {name: _sheet(book, name, _columns(name, years)) for name in contract.SHEETS[1:]}
    budgets = _derived_budgets(wb)
    for card in wb.cards:
        if card.header.budget and budgets.get(card.id) == card.header.budget:
            card = replace(card, header=replace(card.header, budget=""))
        _write_card(sheets, card, years)
    _validations(sheets, wb.settings)
    for ws in sheets.values():
        _finish(ws)


def _derived_budgets(wb: m.Workbook) -> dict[str, str]:
    """관리번호 → the 소요예산 the reader gives a card with an empty one (the 재정계획 total):
    a card holding exactly that is written with 소요예산 empty, so that the total follows 재정계획."""
    rows: dict[str, list[m.FinanceRow]] = {}
    for row in wb.finance:
        rows.setdefault(row.card_id, []).append(row)
    return {card_id: contract.card_budget(own) for card_id, own in rows.items()}


def _write_finance(book: Book, wb: m.Workbook) -> None:
    """재정계획: one row per FinanceRow (amounts as numbers in 백만원), 재원 from 설정's 재원 목록."""
    ws = _sheet(book, contract.SHEET_FINANCE, contract.SHEET_COLUMNS[contract.SHEET_FINANCE])
    for row in wb.finance:
        _append(ws, [row.card_id, row.year, row.source, row.planned, row.secured, row.spent], row.card_id)
        for cell in ws[ws.max_row][3:]:
            if isinstance(cell.value, Decimal):
                cell.number_format = _amount_format(cell.value)
    _drop_down(ws, contract.COL_SOURCE, wb.settings.sources)
    settings = wb.settings
    if settings.term_start is not None and settings.term_end is not None:
        _year_check(ws, settings.term_start, settings.term_end)
    for column in contract.FINANCE_AMOUNTS:
        _amount_check(ws, column)
    _finish(ws)


def _amount_format(amount: Decimal) -> str:
    """Thousands separators, and as many decimals as the amount has: ``#,##0`` or ``#,##0.0``."""
    exponent = amount.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return "#,##0" + ("." + "0" * places if places else "")


def _year_check(ws: Worksheet, start: int, end: int) -> None:
    """재정계획 연도: a whole year of the term (blank: the whole term)."""
    _apply(ws, contract.COL_YEAR, DataValidation(
        type="whole",
        operator="between",
        formula1=str(start),
        formula2=str(end),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=contract.COL_YEAR,
        error=f"임기 안의 연도 {start}~{end} (임기 전체면 비움) / a year from {start} to {end} (blank: the whole term)",
    ))


def _amount_check(ws: Worksheet, column: str) -> None:
    """An amount in 백만원: a number, 0 or more."""
    _apply(ws, column, DataValidation(
        type="decimal",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=column,
        error="백만원 단위의 0 이상인 수 (예: 1234.5) / a number of 백만원, 0 or more (e.g. 1234.5)",
    ))


def _write_card(sheets: dict[str, Worksheet], card: m.Card, years: list[int]) -> None:
    for name, rows in card_rows(card, years).items():
        for row in rows:
            _append(sheets[name], row, card.id)


def _validations(sheets: dict[str, Worksheet], settings: m.Settings) -> None:
    cards = sheets[contract.SHEET_CARDS]
    _drop_down(cards, contract.COL_CATEGORY, m.CATEGORIES)
    _drop_down(cards, contract.COL_COMPLETION, m.COMPLETIONS)
    _drop_down(cards, contract.COL_STATUS, settings.statuses)
    _number_check(cards, contract.COL_PROGRESS, 0, 100)
    _drop_down(sheets[contract.SHEET_BULLETS], contract.COL_SECTION, m.BULLET_SECTIONS)
    _drop_down(sheets[contract.SHEET_BULLETS], contract.COL_LEVEL, LEVEL_CHOICES)
    _drop_down(sheets[contract.SHEET_ACHIEVEMENTS], contract.COL_LEVEL, LEVEL_CHOICES)


def _book(wb: m.Workbook, every_key: bool = False) -> Book:
    book = Book()
    book.remove(book.active)
    _write_settings(book, wb.settings, every_key)
    _write_cards(book, wb, plan_years(wb))
    _write_finance(book, wb)
    book.active = 1 if len(book.sheetnames) > 1 else 0
    props = book.properties
    props.creator, props.lastModifiedBy = "reportgen", None
    props.created = props.modified = FIXED_TIME
    return book


def _utf8_xml(name: str, data: bytes) -> bytes:
    """A worksheet re-encoded as UTF-8 (openpyxl writes Korean as &#...; references, 2-3x larger)."""
    if not name.startswith("xl/worksheets/") or not name.endswith(".xml"):
        return data
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _to_bytes(book: Book) -> bytes:
    # save_workbook would stamp the current time
    return repack_written(lambda archive: ExcelWriter(book, archive).save(), _utf8_xml)


def example_settings() -> m.Settings:
    """설정 for a new workbook: the current term, default status lists, the rest blank."""
    return m.Settings(term=EXAMPLE_TERM, term_start=EXAMPLE_TERM_START, term_end=EXAMPLE_TERM_END)


def write_workbook(wb: m.Workbook) -> bytes:
    """The master workbook of ``wb`` as .xlsx bytes (raises CardError for an inexpressible card)."""
    return _to_bytes(_book(wb))


def empty_workbook(settings: m.Settings | None = None) -> bytes:
    """A blank master workbook for ``reportgen init``: every sheet (재정계획 too), headers,
    drop-downs, 설정 filled.

    Settings without term years get the example term (민선 9기, 2026–2030) so that
    연차별계획 has its year columns.
    """
    chosen = settings if settings is not None else example_settings()
    if chosen.term_start is None and chosen.term_end is None:
        example = example_settings()
        chosen = replace(
            chosen,
            term=chosen.term or example.term,
            term_start=example.term_start,
            term_end=example.term_end,
        )
    return _to_bytes(_book(m.Workbook(settings=chosen, cards=[]), every_key=True))
