"""Read the master workbook (마스터 엑셀) into a :class:`~reportgen.model.Workbook`.

The contract is docs/master-workbook.md. Every problem in the file is collected
and reported together in one :class:`~reportgen.errors.InputError`, each naming its
place as ``sheet!cell``. Three layers:

- :mod:`reportgen.readers.xlsx_stream` streams an .xlsx into sheets of rows
  (zip container, shared strings, styles, memory budgets);
- :mod:`reportgen.readers.cells` holds what a cell's value is (text, numbers,
  dates, percent, formulas without a saved value, dropped characters) and the
  contract's value rules;
- this module maps sheets of rows to the model (:func:`workbook_from_sheets`), so
  that another tabular source (a CSV file, a web form) reuses the mapping by giving
  :class:`~reportgen.readers.cells.Sheet` objects instead of an xlsx.

A cell reportgen cannot use (a formula without a saved value, an error value,
over-long text) is a problem only in a column it reads; cells elsewhere are ignored
whatever they hold. The sheet, column and 설정 key names are in
:mod:`reportgen.workbook_contract`; names and 관리번호 are compared after
:func:`~reportgen.model.fold`, statuses by :func:`~reportgen.model.label_key`.

Memory: an .xlsx is mapped as it is read, one sheet after the other (설정, 공약목록, then the
detail sheets) and in each one row at a time, so that what is held is the workbook being
built (:func:`read_workbook`) or only the cards' ids and headers (:func:`validate_workbook`,
for a check). Each sheet's problems are gathered apart and joined in the order of a sheet
read whole, so the problems are the same whichever way the rows come.
"""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from openpyxl.utils import get_column_letter

from reportgen import model as m
from reportgen import workbook_contract as contract
from reportgen.errors import Problems
from reportgen.gcpause import collector_paused
from reportgen.periods import normalize_period
from reportgen.readers.cells import (
    COVERED,
    HEADER_SEARCH_ROWS,
    SHOWN_IN_NOTICE,
    AnySheet,
    BadValue,
    NoValue,
    ReadColumns,
    StreamedSheet,
    as_amount,
    as_count,
    as_iso_date,
    as_marker,
    as_percent,
    as_period,
    as_year,
    cell_text,
    is_blank,
    listed,
    notice_dropped,
    report_cells,
    split_list,
)
from reportgen.readers.xlsx_stream import open_xlsx, read_sheets

_LOOKALIKES = frozenset("\u2212\u02d7\u2043")  # minus sign, modifier minus, hyphen bullet
#: the 목표(%) row of 연차별계획, with or without its unit
_TARGET_ROW_KEYS = frozenset({m.label_key(m.L_TARGET_ROW), m.label_key(m.L_TARGET_ROW.removesuffix("(%)"))})


def header_key(name: object) -> str:
    """A header or key name compared tolerantly (:func:`~reportgen.workbook_contract.name_key`)."""
    return contract.name_key(cell_text(name))


def _odd_characters(text: str) -> str:
    """The characters of a name that look like another one or like nothing, as
    ``U+2013 (EN DASH)``; "" when there are none."""
    odd = dict.fromkeys(
        char for char in text
        if not char.isprintable() or char in _LOOKALIKES or (char != "-" and unicodedata.category(char) == "Pd")
    )
    return ", ".join(f"U+{ord(char):04X} ({unicodedata.name(char, '') or 'CONTROL CHARACTER'})" for char in odd)


def _odd_note(text: str) -> tuple[str, str]:
    """A remark for a message about a name that matches nothing, when it holds odd characters."""
    odd = _odd_characters(text)
    if not odd:
        return "", ""
    return (f" — 눈으로 구별하기 어려운 글자 {odd}가 들어 있습니다",
            f" — it holds {odd}, which looks like another character or like nothing")


# ── sheets as plain rows ──────────────────────────────────────────────────
@dataclass
class _Table:
    """One sheet: its header (column index → name), the contract columns and the non-empty data
    rows, given once, each as it is read (a reader holds no more than the row it is at)."""

    name: str
    header: dict[int, object]
    columns: dict[str, int] = field(default_factory=dict)
    rows: Iterator[_Row] = field(default_factory=lambda: iter(()))


@dataclass(slots=True)
class _Row:
    """One data row with its Excel row number; ``values`` holds the read columns' cells that have a value."""

    table: _Table
    number: int
    values: dict[int, object]

    def raw(self, column: str) -> object:
        index = self.table.columns.get(column)
        return None if index is None else self.values.get(index)

    def text(self, column: str) -> str:
        return cell_text(self.raw(column))

    def reported(self, column: str) -> bool:
        """The cell is a problem already (formula without a value, error value, …): no second one."""
        return isinstance(self.raw(column), NoValue)

    def at_index(self, index: int) -> object:
        return self.values.get(index)

    def where(self, column: str) -> str:
        return self.where_index(self.table.columns.get(column, 0))

    def where_index(self, index: int) -> str:
        return f"{self.table.name}!{get_column_letter(index + 1)}{self.number}"


def _merged_cells(where: str, problems: Problems) -> None:
    problems.add(
        where,
        "셀이 병합되어 있습니다 (병합된 칸은 첫 칸만 값을 가집니다)",
        "the cells are merged (only the first of merged cells holds a value)",
        "병합을 풀고 각 행에 값을 채우세요",
        "unmerge them and fill in every row",
    )


def _missing_sheet(name: str, problems: Problems) -> None:
    problems.add(
        name,
        f"'{name}' 시트가 없습니다",
        f"the sheet '{name}' is missing",
        f"'{name}' 시트를 추가하세요 ('reportgen init'으로 만든 양식 참고)",
        f"add the sheet '{name}' (see the template made by 'reportgen init')",
    )


# ── the columns reportgen reads ───────────────────────────────────────────
#: 설정 is key/value: keys in column A, values in column B (C is free notes)
_SETTINGS_COLUMNS = frozenset({0, 1})


def read_columns(name: str) -> ReadColumns:
    """For a contract sheet: header row → the (0-based) columns reportgen reads."""
    if name == contract.SHEET_SETTINGS:
        return lambda header: set(_SETTINGS_COLUMNS)
    return functools.partial(_table_columns, name)


def _table_columns(name: str, header: dict[int, object]) -> set[int]:
    """The contract columns found in the header, and for 연차별계획 every year column."""
    indexes = set(_column_map(name, header).values())
    if name == contract.SHEET_PLAN:
        indexes.update(index for _, index in _year_columns(header))
    return indexes


def _column_map(name: str, header: dict[int, object]) -> dict[str, int]:
    """Contract column → index of the first header cell with its name (missing ones left out)."""
    found: dict[str, int] = {}
    for index, value in header.items():
        found.setdefault(header_key(value), index)
    return {col: found[header_key(col)] for col in contract.SHEET_COLUMNS[name] if header_key(col) in found}


def _year_columns(header: dict[int, object]) -> list[tuple[int, int]]:
    """(year, column index) of every header cell that is a year."""
    found = []
    for index, value in header.items():
        try:
            year = as_year(value) if not is_blank(value) else None
        except BadValue:
            continue
        if year is not None:
            found.append((year, index))
    return found


# ── sheets as tables ──────────────────────────────────────────────────────
class _MergedCells(Exception):
    """A sheet read as it is used has merged cells over a column reportgen reads: they are known
    only at the sheet's end, too late for the rows before (see :func:`read_workbook`)."""


def _map_sheet(name: str, sheet: AnySheet | None, ctx: _Context, reader: _Reader | None) -> bool:
    """Map one sheet with ``reader`` (None: only the sheet's own problems); False when the sheet or
    a column is missing. The problems and notices come in the order of a sheet held whole: the
    sheet's own (merges, cells), then the reader's."""
    problems, notices = ctx.problems, ctx.notices
    if sheet is None:
        if name not in contract.OPTIONAL_SHEETS:
            _missing_sheet(name, problems)
        return False
    header = sheet.header
    read = _table_columns(name, header)
    merges = _reported_merges(name, sheet.merges, read, problems)
    table = _Table(name, header, _column_map(name, header))
    missing = [col for col in contract.SHEET_COLUMNS[name] if col not in table.columns]
    if missing:
        _missing_columns(name, missing, sheet, problems)
        for _ in sheet.rows:  # read to its end: a damaged sheet is still reported
            pass
        _check_merges(name, sheet, read, merges)
        return False
    own, hidden, dropped = Problems(problems.file), [], []
    table.rows = _table_rows(table, sheet, read, merges, (own, dropped, hidden))
    ctx.problems, ctx.notices, ctx.unknown = Problems(problems.file), [], {}
    try:
        if reader is not None:
            reader(table, ctx)
        for _ in table.rows:  # a reader may stop early (연차별계획 with wrong year columns)
            pass
        _check_merges(name, sheet, read, merges)
        problems.items += own.items + ctx.problems.items
        _notice_hidden(name, hidden, notices)
        notice_dropped(name, dropped, notices)
        notices += ctx.notices
    finally:
        ctx.problems, ctx.notices = problems, notices
    return True


def _table_rows(
    table: _Table, sheet: AnySheet, read: set[int], merges: list[tuple[int, int, int, int]],
    found: tuple[Problems, list[tuple[str, str]], list[int]],
) -> Iterator[_Row]:
    """The sheet's non-empty data rows with only the columns read; the problems of their cells,
    the cells that lost characters and the hidden rows go to ``found``."""
    problems, dropped, hidden = found
    name = table.name
    for number, values in sheet.rows:
        if number == 1:
            continue
        if number <= sheet.whole_up_to:  # kept whole: drop the columns not read
            values = {index: value for index, value in values.items() if index in read}
        if merges:
            _cover(merges, number, values, read)
        if number in sheet.marked:
            report_cells(name, number, values, problems, dropped)
        if not all(is_blank(value) for value in values.values()):
            if number in sheet.hidden:
                hidden.append(number)
            yield _Row(table, number, values)


def _check_merges(name: str, sheet: AnySheet, read: set[int], merges: list[tuple[int, int, int, int]]) -> None:
    """Raise :class:`_MergedCells` when a sheet read as it is used has more merges over read
    columns, now that its rows are read, than were known (and reported) before its rows."""
    if isinstance(sheet, StreamedSheet) and len(_reported_merges(name, sheet.merges, read, Problems(""))) > len(merges):
        raise _MergedCells(name)


def _reported_merges(
    name: str, merges: list[tuple[str, int, int, int, int]], read: set[int], problems: Problems
) -> list[tuple[int, int, int, int]]:
    """Merged ranges over a column reportgen reads, each reported; their bounds."""
    found = []
    for ref, min_col, min_row, max_col, max_row in merges:
        if any(min_col <= index + 1 <= max_col for index in read):
            _merged_cells(f"{name}!{ref}", problems)
            found.append((min_col, min_row, max_col, max_row))
    return found


def _cover(merges: list[tuple[int, int, int, int]], number: int, values: dict[int, object], read: set[int]) -> None:
    """Mark the covered cells of reported merges in a row (all but each merge's first cell), so that
    they raise no second problem (such as an empty 관리번호 on every row)."""
    for min_col, min_row, max_col, max_row in merges:
        if min_row <= number <= max_row:
            for index in read:
                if min_col <= index + 1 <= max_col and (number, index + 1) != (min_row, min_col):
                    values[index] = COVERED



def _notice_hidden(sheet: str, numbers: list[int], notices: list[str]) -> None:
    """One notice for the hidden rows of a sheet that were read like the others."""
    if not numbers:
        return
    count, rows = len(numbers), listed([str(number) for number in numbers])
    en = (f"{count} hidden rows of {sheet} (rows {rows}) were read like the others" if count > 1
          else f"1 hidden row of {sheet} (row {rows}) was read like the others")
    notices.append(f"{sheet} 시트의 숨긴 행 {count}개({rows}행)도 읽었습니다 / {en}")


def _missing_columns(name: str, missing: list[str], sheet: AnySheet, problems: Problems) -> None:
    """One problem for all missing columns; it says so when the header row is further down."""
    listed = ", ".join(f"'{col}'" for col in missing)
    wanted = {header_key(col) for col in contract.SHEET_COLUMNS[name]}
    lower = next((number for number, values in sheet.head if 1 < number <= HEADER_SEARCH_ROWS
                  and wanted <= {header_key(value) for value in values.values()}), None)
    if lower is not None:
        problems.add(
            f"{name}!1:1",
            f"머리글이 1행이 아니라 {lower}행에 있습니다",
            f"the header row is row {lower}, not row 1",
            f"1~{lower - 1}행을 지워 머리글을 1행으로 올리세요",
            f"delete rows 1-{lower - 1} so that the header is row 1",
        )
        return
    odd_ko, odd_en = _odd_header_note(name, sheet.header)
    problems.add(
        f"{name}!1:1",
        f"{listed} 열이 없습니다{odd_ko}",
        f"the column{'s' if len(missing) > 1 else ''} {listed} {'are' if len(missing) > 1 else 'is'} missing{odd_en}",
        f"1행(머리글)에 {listed} 열을 추가하세요",
        f"add {'columns' if len(missing) > 1 else 'a column'} headed {listed} in row 1",
    )


def _odd_header_note(name: str, header: dict[int, object]) -> tuple[str, str]:
    """Header cells that match no column and hold characters that look like others or like nothing."""
    wanted = {header_key(col) for col in contract.SHEET_COLUMNS[name]}
    odd = [(f"{get_column_letter(index + 1)}1", _odd_characters(m.fold(cell_text(value))))
           for index, value in header.items() if header_key(value) not in wanted]
    odd = [(cell, chars) for cell, chars in odd if chars]
    if not odd:
        return "", ""
    shown = "; ".join(f"{cell}: {chars}" for cell, chars in odd[:SHOWN_IN_NOTICE])
    return (f" — 머리글에 눈으로 구별하기 어려운 글자가 있습니다 ({shown})",
            f" — the header holds characters that look like others or like nothing ({shown})")


# ── problems with a cell ──────────────────────────────────────────────────
def _bad_cell(problems: Problems, where: str, what: tuple[str, str], fix: tuple[str, str]) -> None:
    problems.add(where, what[0], what[1], fix[0], fix[1])


def _once_per_card(seen: set[str], card_id: str, problems: Problems, where: str, what: str) -> None:
    """Report a second ``what`` row (구민소통, 목표(%)) of the same card."""
    if card_id in seen:
        _bad_cell(
            problems,
            where,
            (f"관리번호 {card_id}의 {what} 행이 두 개입니다", f"관리번호 {card_id} has two {what} rows"),
            (f"한 공약에 {what} 행을 하나만 두세요", f"keep one {what} row per pledge"),
        )
    seen.add(card_id)


def _bad_date(problems: Problems, where: str, value: object) -> None:
    _bad_cell(
        problems,
        where,
        (f"날짜를 알 수 없습니다 ({cell_text(value)})", f"not a date ({cell_text(value)})"),
        (
            "'2023. 04.', '2023. 06. ~ 08.' 처럼 텍스트로 입력하세요 (셀 서식: 텍스트)",
            "type it as text such as '2023. 04.' or '2023. 06. ~ 08.' (cell format: Text)",
        ),
    )


# ── 설정 ──────────────────────────────────────────────────────────────────
_SETTING_KEYS = {header_key(key): key for key in contract.SETTING_KEYS}


def _setting_values(sheet: AnySheet, problems: Problems, notices: list[str]) -> dict[str, tuple[object, str]]:
    """설정 key → (value, its cell): keys in column A anywhere, values in column B.

    Column A is read in every row; column B only beside a known key.
    """
    values: dict[str, tuple[object, str]] = {}
    hidden: list[int] = []
    dropped: list[tuple[str, str]] = []
    for number, cells in sheet.rows:
        key = _SETTING_KEYS.get(header_key(cells.get(0)))
        if number in sheet.marked:
            read = {index: cells[index] for index in ((0, 1) if key else (0,)) if index in cells}
            report_cells(contract.SHEET_SETTINGS, number, read, problems, dropped)
        if key:
            values[key] = (cells.get(1), f"{contract.SHEET_SETTINGS}!B{number}")
            if number in sheet.hidden:
                hidden.append(number)
    _notice_hidden(contract.SHEET_SETTINGS, hidden, notices)
    notice_dropped(contract.SHEET_SETTINGS, dropped, notices)
    return values


def _read_settings(sheet: AnySheet | None, problems: Problems, notices: list[str]) -> m.Settings:
    settings = m.Settings()
    if sheet is None:
        _missing_sheet(contract.SHEET_SETTINGS, problems)
        return settings
    values = _setting_values(sheet, problems, notices)
    settings.agency = cell_text(values.get(contract.KEY_AGENCY, (None,))[0])
    settings.term = cell_text(values.get(contract.KEY_TERM, (None,))[0])
    known_problems = len(problems.items)
    settings.term_start = _setting_year(values, contract.KEY_TERM_START, problems)
    settings.term_end = _setting_year(values, contract.KEY_TERM_END, problems)
    if len(problems.items) == known_problems:
        _check_term(settings, values, problems)
    if len(problems.items) > known_problems:  # a bad term: the year columns are not checked against it
        settings.term_start = settings.term_end = None
    if contract.KEY_AS_OF in values:
        value, where = values[contract.KEY_AS_OF]
        try:
            settings.as_of = as_iso_date(value)
        except BadValue:
            _bad_cell(
                problems,
                where,
                (
                    f"기준일이 날짜가 아닙니다 ({cell_text(value)})",
                    f"기준일 is not a date ({cell_text(value)})",
                ),
                ("'2024-12-31' 처럼 입력하세요", "type it like '2024-12-31'"),
            )
    statuses = split_list(values.get(contract.KEY_STATUSES, (None,))[0])
    settings.statuses = statuses or list(m.DEFAULT_STATUSES)
    if contract.KEY_DONE_STATUSES in values:
        done = split_list(values[contract.KEY_DONE_STATUSES][0])
        settings.done_statuses = done or settings.done_statuses
        _check_done_statuses(settings, values[contract.KEY_DONE_STATUSES][1], problems)
    settings.sources = _distinct(split_list(values.get(contract.KEY_SOURCES, (None,))[0])) or list(m.DEFAULT_SOURCES)
    if contract.KEY_RATES in values:
        settings.rates = _rates(*values[contract.KEY_RATES], problems) or list(m.RATES)
    return settings


def _distinct(items: list[str]) -> list[str]:
    """The items without a repeat (by :func:`~reportgen.model.label_key`), in their order."""
    kept: dict[str, str] = {}
    for item in items:
        kept.setdefault(m.label_key(item), item)
    return list(kept.values())


_RATES = {m.label_key(rate): rate for rate in m.RATES}


def _rates(value: object, where: str, problems: Problems) -> list[str]:
    """총괄표 지표: the model's rate names in the order typed (spaces and the kind of middle dot
    do not matter); an unknown name is a problem listing the valid ones."""
    chosen = []
    for name in split_list(value):
        rate = _RATES.get(m.label_key(name))
        if rate is None:
            valid = ", ".join(m.RATES)
            odd_ko, odd_en = _odd_note(name)
            _bad_cell(
                problems,
                where,
                (f"총괄표 지표 '{name}'을(를) 알 수 없습니다{odd_ko}", f"unknown 총괄표 지표 '{name}'{odd_en}"),
                (f"다음 중에서 쉼표로 골라 쓰세요: {valid}", f"choose from, comma separated: {valid}"),
            )
        elif rate not in chosen:
            chosen.append(rate)
    return chosen


def _setting_year(
    values: dict[str, tuple[object, str]], key: str, problems: Problems
) -> int | None:
    if key not in values:
        return None
    value, where = values[key]
    try:
        return as_year(value)
    except BadValue:
        _bad_cell(
            problems,
            where,
            (f"{key}가 연도가 아닙니다 ({cell_text(value)})", f"{key} is not a year ({cell_text(value)})"),
            ("'2022'처럼 네 자리 연도를 입력하세요", "type a four-digit year such as 2022"),
        )
        return None


def _check_term(
    settings: m.Settings, values: dict[str, tuple[object, str]], problems: Problems
) -> None:
    start, end = settings.term_start, settings.term_end
    if (start is None) != (end is None):
        where = f"{contract.SHEET_SETTINGS}!A1"
        _bad_cell(
            problems,
            where,
            (
                "임기 시작 연도와 종료 연도 중 하나만 있습니다",
                "only one of the term years is given",
            ),
            ("임기 시작 연도와 임기 종료 연도를 모두 입력하세요", "fill in both term years"),
        )
    elif start is not None and end is not None and not start <= end <= start + 20:
        where = values[contract.KEY_TERM_END][1]
        _bad_cell(
            problems,
            where,
            (
                f"임기 종료 연도({end})가 시작 연도({start})보다 앞서거나 너무 멉니다",
                f"the term end year ({end}) is before or too far after the start year ({start})",
            ),
            ("임기 연도를 확인하세요", "check the term years"),
        )


def _check_done_statuses(settings: m.Settings, where: str, problems: Problems) -> None:
    """Each 완료 상태 must be in 상태 목록 (by :func:`~reportgen.model.label_key`); it is kept in
    the list's spelling (``이행후계속추진`` → ``이행후 계속추진``)."""
    known = {m.label_key(status): status for status in settings.statuses}
    settings.done_statuses = [known.get(m.label_key(status), status) for status in settings.done_statuses]
    for status in settings.done_statuses:
        if m.label_key(status) not in known:
            odd_ko, odd_en = _odd_note(status)
            _bad_cell(
                problems,
                where,
                (
                    f"완료 상태 '{status}'가 상태 목록에 없습니다{odd_ko}",
                    f"the done status '{status}' is not in 상태 목록{odd_en}",
                ),
                ("상태 목록에 있는 값만 쓰세요", "use only values listed in 상태 목록"),
            )


# ── 공약목록 ───────────────────────────────────────────────────────────────
@dataclass
class _Context:
    """What the detail sheets need: the cards by id and the settings."""

    settings: m.Settings
    problems: Problems
    cards: dict[str, m.Card] = field(default_factory=dict)
    finance: list[m.FinanceRow] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    #: (sheet, unknown 관리번호) → (index of its problem, rows with it): one problem per sheet and id
    unknown: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    #: False when only checking (:func:`validate_workbook`): what no later row reads is not kept
    keep: bool = True

    def card_of(self, row: _Row) -> m.Card | None:
        """The card a detail row names, or None (with a problem)."""
        card_id = _card_id(row, self.problems)
        if card_id is None:
            return None
        card = self.cards.get(card_id)
        if card is None:
            self._unknown_id(row, card_id)
        return card

    def _unknown_id(self, row: _Row, card_id: str) -> None:
        key = (row.table.name, card_id)
        if key in self.unknown:  # count it in the problem of the first such row
            index, count = self.unknown[key]
            self.unknown[key] = (index, count + 1)
            ko, en = _unknown_id_text(card_id, count + 1)
            self.problems.items[index] = replace(self.problems.items[index], ko=ko, en=en)
            return
        _bad_cell(
            self.problems,
            row.where(contract.COL_ID),
            _unknown_id_text(card_id, 1),
            (
                "공약목록에 있는 관리번호를 쓰거나 공약목록에 추가하세요",
                "use a 관리번호 listed in 공약목록, or add the pledge there",
            ),
        )
        self.unknown[key] = (len(self.problems.items) - 1, 1)


def _unknown_id_text(card_id: str, rows: int) -> tuple[str, str]:
    """What is wrong with a 관리번호 not in 공약목록, found on ``rows`` rows of a sheet."""
    odd_ko, odd_en = _odd_note(card_id)
    if rows == 1:
        return (f"공약목록에 없는 관리번호입니다 ({card_id}){odd_ko}", f"관리번호 {card_id} is not in 공약목록{odd_en}")
    return (f"공약목록에 없는 관리번호입니다 ({card_id}; 이 시트의 {rows}개 행){odd_ko}",
            f"관리번호 {card_id} is not in 공약목록 ({rows} rows of this sheet, the first named here){odd_en}")


def _card_id(row: _Row, problems: Problems) -> str | None:
    raw = row.raw(contract.COL_ID)
    if isinstance(raw, NoValue):
        return None
    if isinstance(raw, dt.date | dt.datetime):
        _bad_cell(
            problems,
            row.where(contract.COL_ID),
            (
                f"관리번호가 날짜로 바뀌었습니다 ({cell_text(raw)})",
                f"관리번호 was turned into a date by Excel ({cell_text(raw)})",
            ),
            (
                "셀 서식을 '텍스트'로 바꾼 뒤 '3-1'처럼 다시 입력하세요",
                "format the cell as Text and type it again, e.g. 3-1",
            ),
        )
        return None
    card_id = m.fold(cell_text(raw))
    if not card_id:
        _bad_cell(
            problems,
            row.where(contract.COL_ID),
            ("관리번호가 비어 있습니다", "관리번호 is empty"),
            (
                "관리번호(예: 3-1)를 입력하거나 행을 지우세요",
                "type the 관리번호 (e.g. 3-1) or delete the row",
            ),
        )
        return None
    return card_id


def _read_cards(table: _Table, ctx: _Context) -> None:
    statuses = {m.label_key(status): status for status in ctx.settings.statuses}
    for row in table.rows:
        card_id = _card_id(row, ctx.problems)
        title = row.text(contract.COL_TITLE)
        if not title and not row.reported(contract.COL_TITLE):
            _bad_cell(
                ctx.problems,
                row.where(contract.COL_TITLE),
                ("사업명이 비어 있습니다", "사업명 (title) is empty"),
                ("사업명을 입력하세요", "type the pledge title"),
            )
        if card_id is None:
            continue
        if card_id in ctx.cards:
            _bad_cell(
                ctx.problems,
                row.where(contract.COL_ID),
                (f"관리번호 {card_id}가 두 번 나옵니다", f"관리번호 {card_id} appears twice"),
                ("관리번호가 겹치지 않게 고치세요", "make every 관리번호 unique"),
            )
            continue
        ctx.cards[card_id] = m.Card(
            id=card_id,
            title=title,
            area=row.text(contract.COL_AREA),
            header=_card_header(row, statuses, ctx.problems),
        )


def _card_header(row: _Row, statuses: dict[str, str], problems: Problems) -> m.Header:
    return m.Header(
        category=row.text(contract.COL_CATEGORY),
        executor=row.text(contract.COL_EXECUTOR),
        period=row.text(contract.COL_PERIOD),
        status=_status(row, statuses, problems),
        progress=_progress(row, problems),
        budget=row.text(contract.COL_BUDGET),
        completion=row.text(contract.COL_COMPLETION),
        department=m.Contact(row.text(contract.COL_DEPARTMENT), row.text(contract.COL_OFFICER), row.text(contract.COL_PHONE)),
    )


def _status(row: _Row, statuses: dict[str, str], problems: Problems) -> str:
    status = row.text(contract.COL_STATUS)
    if not status:
        return ""
    known = statuses.get(m.label_key(status))
    if known is None:
        listed = ", ".join(statuses.values())
        odd_ko, odd_en = _odd_note(status)
        _bad_cell(
            problems,
            row.where(contract.COL_STATUS),
            (
                f"추진상황 '{status}'가 설정의 상태 목록에 없습니다{odd_ko}",
                f"the status '{status}' is not in 설정 상태 목록{odd_en}",
            ),
            (f"다음 중 하나를 쓰세요: {listed}", f"use one of: {listed}"),
        )
        return status
    return known


def _progress(row: _Row, problems: Problems) -> int | None:
    value = row.raw(contract.COL_PROGRESS)
    try:
        progress = as_percent(value)
    except BadValue:
        progress = -1
    if progress is not None and not 0 <= progress <= 100:
        _bad_cell(
            problems,
            row.where(contract.COL_PROGRESS),
            (
                f"추진율이 0~100 사이의 정수가 아닙니다 ({cell_text(value)})",
                f"추진율 is not a whole number from 0 to 100 ({cell_text(value)})",
            ),
            ("60 또는 60% 처럼 입력하세요", "type it like 60 or 60%"),
        )
        return None
    return progress


# ── 협조부서, 내용, 구민소통, 변경이력 ───────────────────────────────────────
def _read_cooperation(table: _Table, ctx: _Context) -> None:
    for row in table.rows:
        card = ctx.card_of(row)
        if card is not None:
            card.header.cooperation.append(
                m.Contact(
                    row.text(contract.COL_COOP_DEPARTMENT),
                    row.text(contract.COL_OFFICER),
                    row.text(contract.COL_PHONE),
                    row.text(contract.COL_AGENCY),
                )
            )


_SECTIONS = {header_key(section): section for section in m.BULLET_SECTIONS}


def _level(row: _Row, problems: Problems, allowed: str) -> str | None:
    value = row.raw(contract.COL_LEVEL)
    if isinstance(value, NoValue):
        return None
    try:
        return as_marker(value)
    except BadValue:
        odd_ko, odd_en = _odd_note(cell_text(value))
        _bad_cell(
            problems,
            row.where(contract.COL_LEVEL),
            (f"수준 '{cell_text(value)}'을(를) 알 수 없습니다{odd_ko}", f"unknown 수준 '{cell_text(value)}'{odd_en}"),
            (f"{allowed} 중 하나를 쓰세요", f"use one of {allowed}"),
        )
        return None


_LEVELS_TEXT = "1(○), 2(-), 3(▷), ※, ▪, " + "빈칸/blank"


def _text_of(row: _Row, problems: Problems) -> str:
    text = row.text(contract.COL_TEXT)
    if not text and not row.reported(contract.COL_TEXT):
        _bad_cell(
            problems,
            row.where(contract.COL_TEXT),
            ("내용이 비어 있습니다", "내용 (text) is empty"),
            ("내용을 입력하거나 행을 지우세요", "type the text or delete the row"),
        )
    return text


def _read_bullets(table: _Table, ctx: _Context) -> None:
    for row in table.rows:
        card = ctx.card_of(row)
        section = _SECTIONS.get(header_key(row.text(contract.COL_SECTION)))
        if section is None and not row.reported(contract.COL_SECTION):
            listed = ", ".join(m.BULLET_SECTIONS)
            odd_ko, odd_en = _odd_note(row.text(contract.COL_SECTION))
            _bad_cell(
                ctx.problems,
                row.where(contract.COL_SECTION),
                (
                    f"구분 '{row.text(contract.COL_SECTION)}'을(를) 알 수 없습니다{odd_ko}",
                    f"unknown 구분 '{row.text(contract.COL_SECTION)}'{odd_en}",
                ),
                (f"다음 중 하나를 쓰세요: {listed}", f"use one of: {listed}"),
            )
        marker = _level(row, ctx.problems, _LEVELS_TEXT)
        text = _text_of(row, ctx.problems)
        if card is not None and section is not None and marker is not None and text:
            card.bullets[section].append(m.BulletLine(marker, text))


def _read_communication(table: _Table, ctx: _Context) -> None:
    seen: set[str] = set()
    for row in table.rows:
        card = ctx.card_of(row)
        counts = [_count_cell(row, column, ctx.problems) for column in m.COMMUNICATION_COLUMNS]
        if card is None:
            continue
        _once_per_card(seen, card.id, ctx.problems, row.where(contract.COL_ID), "구민소통")
        card.communication = counts


def _count_cell(row: _Row, column: str, problems: Problems) -> int | None:
    value = row.raw(column)
    try:
        return as_count(value)
    except BadValue:
        _bad_cell(
            problems,
            row.where(column),
            (f"횟수가 아닙니다 ({cell_text(value)})", f"not a count ({cell_text(value)})"),
            ("1 또는 1회처럼 입력하고, 없으면 비우세요", "type 1 or 1회; leave it blank for none"),
        )
        return None


def _change_date(value: object) -> str:
    """변경일: a date keeps its day; text is normalized when it is a period, else kept."""
    if isinstance(value, dt.datetime | dt.date):
        return f"{value.year}. {value.month:02d}. {value.day:02d}."
    text = cell_text(value)
    try:
        return normalize_period(text) if text else ""
    except ValueError:
        return text


def _read_changes(table: _Table, ctx: _Context) -> None:
    for row in table.rows:
        card = ctx.card_of(row)
        if card is not None:
            card.changes.append(
                m.ChangeRecord(
                    _change_date(row.raw(contract.COL_CHANGE_DATE)),
                    row.text(contract.COL_CHANGE_CONTENT),
                    row.text(contract.COL_CHANGE_REASON),
                    row.text(contract.COL_CHANGE_PROCEDURE),
                )
            )


# ── 연차별계획 ─────────────────────────────────────────────────────────────
def _first_wrong_year_column(found: list[tuple[int, int]], expected: list[int], start: int) -> int:
    """The column index to name in the problem: the first year that is not the expected one."""
    for position, (year, index) in enumerate(found):
        if position >= len(expected) or year != expected[position]:
            return index
    return found[-1][1] + 1 if found else start


def _plan_years(
    table: _Table, settings: m.Settings, problems: Problems
) -> list[tuple[int, int]] | None:
    """The year columns, checked against 설정 (or consecutive when 설정 has no years)."""
    found = _year_columns(table.header)
    years = [year for year, _ in found]
    if settings.term_start is not None and settings.term_end is not None:
        expected = list(range(settings.term_start, settings.term_end + 1))
    else:
        expected = list(range(years[0], years[0] + len(years))) if years else []
    after_index = table.columns[contract.COL_AFTER_TERM]
    in_order = all(index < after_index for _, index in found)
    indexes = [index for _, index in found]
    adjacent = indexes == list(range(indexes[0], indexes[0] + len(indexes))) if indexes else True
    if years == expected and in_order and adjacent:
        return found
    first = _first_wrong_year_column(found, expected, table.columns[contract.COL_PLAN_ITEM] + 1)
    want = ", ".join(f"{year}{contract.YEAR_SUFFIX}" for year in expected) or "설정의 임기 연도"
    problems.add(
        f"{table.name}!{get_column_letter(first + 1)}1",
        f"연도 열({', '.join(map(str, years)) or '없음'})이 설정의 임기와 맞지 않습니다",
        f"the year columns ({', '.join(map(str, years)) or 'none'}) do not match the term in 설정",
        f"세부추진내용 다음에 {want} 열을 차례로 두고 그 다음에 '{contract.COL_AFTER_TERM}' 열을 두세요",
        f"put the columns {want} in order after 세부추진내용, then '{contract.COL_AFTER_TERM}'",
    )
    return None


def _target_cell(row: _Row, index: int, problems: Problems) -> int | None:
    value = row.at_index(index)
    try:
        target = as_percent(value)
    except BadValue:
        target = -1
    if target is not None and not 0 <= target <= 100:
        _bad_cell(
            problems,
            row.where_index(index),
            (
                f"목표가 0~100 사이의 정수가 아닙니다 ({cell_text(value)})",
                f"the target is not a whole number from 0 to 100 ({cell_text(value)})",
            ),
            ("40 또는 40% 처럼 입력하세요", "type it like 40 or 40%"),
        )
        return None
    return target


def _is_target_row(title: str) -> bool:
    return m.label_key(title) in _TARGET_ROW_KEYS


def _read_plan(table: _Table, ctx: _Context) -> None:
    found = _plan_years(table, ctx.settings, ctx.problems)
    if found is None:
        return
    years = [year for year, _ in found]
    after = table.columns[contract.COL_AFTER_TERM]
    targets_seen: set[str] = set()
    for row in table.rows:
        card = ctx.card_of(row)
        title = row.text(contract.COL_PLAN_ITEM)
        if _is_target_row(title):
            targets = [_target_cell(row, index, ctx.problems) for _, index in found]
            after_target = _target_cell(row, after, ctx.problems)
            if card is None:
                continue
            _once_per_card(targets_seen, card.id, ctx.problems, row.where(contract.COL_PLAN_ITEM), m.L_TARGET_ROW)
            card.annual_plan.targets, card.annual_plan.after_term_target = targets, after_target
        elif card is not None:
            cells = [cell_text(row.at_index(index)) for _, index in found]
            card.annual_plan.rows.append(m.PlanRow(title, cells, cell_text(row.at_index(after))))
        if card is not None:
            card.annual_plan.years = list(years)


# ── 추진실적 ───────────────────────────────────────────────────────────────
def _group(card: m.Card, section_title: str, group_title: str) -> m.AchievementGroup:
    """The (merged) section and group of a row, created on first appearance."""
    section = next((s for s in card.achievements if s.title == section_title), None)
    if section is None:
        section = m.AchievementSection(section_title)
        card.achievements.append(section)
    group = next((g for g in section.groups if g.title == group_title), None)
    if group is None:
        group = m.AchievementGroup(group_title)
        section.groups.append(group)
    return group


def _row_date(row: _Row, problems: Problems) -> str | None:
    value = row.raw(contract.COL_DATE)
    try:
        return as_period(value)
    except BadValue:
        _bad_date(problems, row.where(contract.COL_DATE), value)
        return None


def _read_achievements(table: _Table, ctx: _Context) -> None:
    for row in table.rows:
        card = ctx.card_of(row)
        date = _row_date(row, ctx.problems)
        marker = _level(row, ctx.problems, _LEVELS_TEXT)
        text = _text_of(row, ctx.problems)
        if card is None or date is None or marker is None or not text:
            continue
        group = _group(card, row.text(contract.COL_MAJOR), row.text(contract.COL_MINOR))
        if marker == contract.ENTRY_MARKER:
            group.items.append(m.Achievement(date, text, contract.ENTRY_MARKER))
        elif marker == m.MARK_PLAIN and not date:
            group.items.append(m.Achievement("", text, m.MARK_PLAIN))
        elif group.items:
            group.items[-1].details.append(m.BulletLine(marker, text))
        else:
            _bad_cell(
                ctx.problems,
                row.where(contract.COL_LEVEL),
                (
                    "이 세부 줄이 딸린 항목(수준 1)이 같은 대분류/소분류에 앞서 없습니다",
                    "this detail line has no entry (수준 1) before it in the same 대분류/소분류",
                ),
                (
                    "위에 수준 1 행을 넣거나 수준을 1로 바꾸세요",
                    "add a 수준 1 row above it, or set its 수준 to 1",
                ),
            )
        if not ctx.keep:  # a detail line further down needs only the last entry of its group
            del group.items[:-1]


# ── 재정계획 (공약가계부) ────────────────────────────────────────────────────
_BAD = object()  # a cell read with a problem


def _read_finance(table: _Table, ctx: _Context) -> None:
    """재정계획 rows → :class:`~reportgen.model.FinanceRow` (amounts in 백만원); 집행 > 확보 is a notice."""
    sources = {m.label_key(source): source for source in ctx.settings.sources}
    for row in table.rows:
        card = ctx.card_of(row)
        year = _finance_year(row, ctx.settings, ctx.problems)
        source = _finance_source(row, sources, ctx.problems)
        amounts = [_amount(row, column, ctx.problems) for column in contract.FINANCE_AMOUNTS]
        if card is None or year is _BAD or source is None or _BAD in amounts:
            continue
        finance = m.FinanceRow(card.id, year, source, *amounts, place=row.where(contract.COL_ID))  # type: ignore[arg-type]
        _notice_overspent(row, finance, ctx.notices)
        ctx.finance.append(finance)


def _finance_year(row: _Row, settings: m.Settings, problems: Problems) -> object:
    """연도: a year of the term, or None (blank: the whole term); :data:`_BAD` after a problem."""
    value = row.raw(contract.COL_YEAR)
    if isinstance(value, NoValue):
        return _BAD
    start, end = settings.term_start, settings.term_end
    term = f"{start}~{end}" if start is not None and end is not None else ""
    try:
        year = as_year(value)
    except BadValue:
        what = (f"연도가 아닙니다 ({cell_text(value)})", f"연도 is not a year ({cell_text(value)})")
    else:
        if year is None or not term or start <= year <= end:  # type: ignore[operator]
            return year
        what = (f"연도 '{year}'이(가) 임기({term}) 안의 연도가 아닙니다", f"연도 {year} is not a year of the term ({term})")
    _bad_cell(
        problems,
        row.where(contract.COL_YEAR),
        what,
        ("임기 안의 연도(예: 2024)를 쓰거나, 임기 전체의 금액이면 비우세요",
         "type a year of the term (e.g. 2024), or leave it blank for the whole term"),
    )
    return _BAD


def _finance_source(row: _Row, sources: dict[str, str], problems: Problems) -> str | None:
    """재원 in 설정's 재원 목록 (its spelling there), or None after a problem."""
    if row.reported(contract.COL_SOURCE):
        return None
    typed = m.fold(row.text(contract.COL_SOURCE))
    known = sources.get(m.label_key(typed))
    if known is None:
        listed = ", ".join(sources.values())
        odd_ko, odd_en = _odd_note(typed)
        _bad_cell(
            problems,
            row.where(contract.COL_SOURCE),
            (f"재원 '{typed}'이(가) 설정의 재원 목록에 없습니다{odd_ko}" if typed else "재원이 비어 있습니다",
             f"the 재원 '{typed}' is not in 설정 재원 목록{odd_en}" if typed else "재원 (funding source) is empty"),
            (f"다음 중 하나를 쓰세요: {listed} (또는 설정의 재원 목록에 더하세요)",
             f"use one of: {listed} (or add it to 설정 재원 목록)"),
        )
    return known


def _amount(row: _Row, column: str, problems: Problems) -> object:
    """계획/확보/집행 in 백만원 (None when blank); :data:`_BAD` after a problem."""
    value = row.raw(column)
    if isinstance(value, NoValue):
        return _BAD
    try:
        amount = as_amount(value)
    except BadValue:
        amount = None
        what = (f"금액이 숫자가 아닙니다 ({cell_text(value)})", f"the amount is not a number ({cell_text(value)})")
    else:
        if amount is None or amount >= 0:
            return amount
        what = (f"금액이 0보다 작습니다 ({cell_text(value)})", f"the amount is less than 0 ({cell_text(value)})")
    _bad_cell(
        problems,
        row.where(column),
        what,
        ("백만원 단위의 0 이상인 수를 쓰세요 (예: 1234 또는 1,234.5); 없으면 비우세요",
         "type a number of 백만원 (million won), 0 or more (e.g. 1234 or 1,234.5); leave it blank for none"),
    )
    return _BAD


def _notice_overspent(row: _Row, finance: m.FinanceRow, notices: list[str]) -> None:
    """집행 more than 확보 is read, with a notice naming the 집행 cell (a warning, not an error)."""
    secured, spent = finance.secured, finance.spent
    if secured is None or spent is None or spent <= secured:
        return
    where = row.where(contract.COL_SPENT)
    notices.append(
        f"{where}: 집행({_plain(spent)})이 확보({_plain(secured)})보다 많습니다 — 금액을 확인하세요 / "
        f"{where}: 집행 ({_plain(spent)}) is more than 확보 ({_plain(secured)}); check the amounts"
    )


def _plain(amount: Decimal) -> str:
    return f"{amount.normalize():,f}"


def _finance_budgets(cards: list[m.Card], finance: list[m.FinanceRow]) -> None:
    """A card whose 소요예산 is empty prints the 재정계획 total of 계획
    (:func:`~reportgen.workbook_contract.card_budget`): the card model is what the card prints."""
    rows: dict[str, list[m.FinanceRow]] = {}
    for row in finance:
        rows.setdefault(row.card_id, []).append(row)
    for card in cards:
        if not card.header.budget and card.id in rows:
            card.header.budget = contract.card_budget(rows[card.id])


# ── the reader ────────────────────────────────────────────────────────────
_Reader = Callable[[_Table, _Context], None]

_DETAIL_READERS: tuple[tuple[str, _Reader], ...] = (
    (contract.SHEET_COOPERATION, _read_cooperation),
    (contract.SHEET_BULLETS, _read_bullets),
    (contract.SHEET_PLAN, _read_plan),
    (contract.SHEET_ACHIEVEMENTS, _read_achievements),
    (contract.SHEET_COMMUNICATION, _read_communication),
    (contract.SHEET_CHANGES, _read_changes),
    (contract.SHEET_FINANCE, _read_finance),
)


def _forget_details(name: str, ctx: _Context) -> None:
    """Drop what the detail sheet ``name`` put in the cards (no later sheet reads it): checking a
    workbook holds the cards' ids and headers, not their contents."""
    for card in ctx.cards.values():
        if name == contract.SHEET_COOPERATION:
            card.header.cooperation.clear()
        elif name == contract.SHEET_BULLETS:
            for lines in card.bullets.values():
                lines.clear()
        elif name == contract.SHEET_PLAN:
            card.annual_plan = _NO_PLAN
        elif name == contract.SHEET_ACHIEVEMENTS:
            card.achievements.clear()
        elif name == contract.SHEET_CHANGES:
            card.changes.clear()
    ctx.finance.clear()


#: the 연차별계획 of every card once checked (never changed: no later sheet touches it)
_NO_PLAN = m.AnnualPlan()


@dataclass(frozen=True)
class Validated:
    """A master workbook that passed the check: its 설정, how many cards it has, the notices."""

    settings: m.Settings
    cards: int
    notices: list[str]


def read_workbook(path: Path) -> m.Workbook:
    """Read and validate a master workbook; raise InputError listing every problem.

    Each sheet is read as it is used, one row at a time: only the workbook being built is held.
    Merged cells over a column reportgen reads (a problem: the book is refused) are found at the
    end of a sheet; then the file is read again with every sheet held whole, so that the problems
    are those the rows give with the merges known."""
    return _read(Path(path), keep=True)


def validate_workbook(path: Path) -> Validated:
    """Check a master workbook as :func:`read_workbook` does (the same problems in one
    InputError, the same notices) without keeping what its cards hold: what it holds at the end
    is each card's id and header, some 2 KB a card (a read workbook holds every line)."""
    book = _read(Path(path), keep=False)
    return Validated(book.settings, len(book.cards), book.notices)


def _read(path: Path, keep: bool) -> m.Workbook:
    """:func:`read_workbook`; with ``keep`` False, the cards without their detail sheets' contents."""
    problems = Problems(str(path))
    with collector_paused():  # nothing read is garbage yet: see reportgen.gcpause
        try:
            with open_xlsx(path, problems, contract.BOOK_SHEETS, read_columns) as book:
                return _workbook(book.stream, problems, keep)
        except _MergedCells:
            pass
        problems = Problems(str(path))
        return _workbook(read_sheets(path, problems, contract.BOOK_SHEETS, read_columns).get, problems, keep)


def workbook_from_sheets(sheets: Mapping[str, AnySheet], problems: Problems) -> m.Workbook:
    """The workbook of the contract sheets given as rows of cell values (keyed by sheet name as
    in :data:`~reportgen.workbook_contract.BOOK_SHEETS`; 변경이력 and 재정계획 may be missing);
    raise InputError listing every problem (``problems`` may hold some already: they are
    reported together)."""
    return _workbook(sheets.get, problems)


def _workbook(sheet_of: Callable[[str], AnySheet | None], problems: Problems, keep: bool = True) -> m.Workbook:
    """The workbook of the sheets ``sheet_of(name)`` gives, asked for in the contract's order;
    with ``keep`` False, each detail sheet's contents are dropped once it is read."""
    notices: list[str] = []
    settings = _read_settings(sheet_of(contract.SHEET_SETTINGS), problems, notices)
    ctx = _Context(settings, problems, notices=notices, keep=keep)
    cards_read = _map_sheet(contract.SHEET_CARDS, sheet_of(contract.SHEET_CARDS), ctx, _read_cards)
    for name, reader in _DETAIL_READERS:
        _map_sheet(name, sheet_of(name), ctx, reader if cards_read else None)
        if not keep:
            _forget_details(name, ctx)
    problems.raise_if_any()
    cards = list(ctx.cards.values())
    _finance_budgets(cards, ctx.finance)
    return m.Workbook(settings=settings, cards=cards, finance=ctx.finance, notices=notices)
