"""The master workbook contract: sheet, column and 설정 key names (docs/master-workbook.md).

Shared by the workbook reader and writer, which know nothing of each other.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from decimal import Decimal

from reportgen import model as m
from reportgen.model import fold

_CACHED_LENGTH = 200  # names up to this length are remembered (they repeat on every row)

# ── the contract: sheet names ─────────────────────────────────────────────
SHEET_SETTINGS = "설정"
SHEET_CARDS = "공약목록"
SHEET_COOPERATION = "협조부서"
SHEET_BULLETS = "내용"
SHEET_PLAN = "연차별계획"
SHEET_ACHIEVEMENTS = "추진실적"
SHEET_COMMUNICATION = "구민소통"
SHEET_CHANGES = "변경이력"
SHEET_FINANCE = "재정계획"
#: the sheets a card has rows in, in workbook order; 변경이력 may be missing (the in-place editor
#: rewrites a card's rows in these; 재정계획 is not a card's: an import leaves it as it is)
SHEETS = (
    SHEET_SETTINGS,
    SHEET_CARDS,
    SHEET_COOPERATION,
    SHEET_BULLETS,
    SHEET_PLAN,
    SHEET_ACHIEVEMENTS,
    SHEET_COMMUNICATION,
    SHEET_CHANGES,
)
#: every sheet the reader reads and the writer writes, in workbook order: the card sheets, then
#: the optional 재정계획 (공약가계부)
BOOK_SHEETS = (*SHEETS, SHEET_FINANCE)
OPTIONAL_SHEETS = (SHEET_CHANGES, SHEET_FINANCE)

# ── the contract: column names (model constants where the card shares them) ─
COL_ID = m.L_ID
COL_AREA = "분야"
COL_TITLE = "사업명"
COL_CATEGORY = m.L_CATEGORY
COL_EXECUTOR = m.L_EXECUTOR
COL_PERIOD = m.L_PERIOD
COL_STATUS = "추진상황"
COL_PROGRESS = "추진율"
COL_BUDGET = m.L_BUDGET
COL_COMPLETION = m.L_COMPLETION
COL_DEPARTMENT = m.L_DEPARTMENT
COL_OFFICER = "담당자"
COL_PHONE = "연락처"
COL_AGENCY = "기관"
COL_COOP_DEPARTMENT = "부서"
COL_SECTION = "구분"
COL_LEVEL = "수준"
COL_TEXT = "내용"
COL_PLAN_ITEM = m.L_PLAN_ITEM
COL_AFTER_TERM = m.L_AFTER_TERM
COL_MAJOR = "대분류"
COL_MINOR = "소분류"
COL_DATE = "일자"
COL_CHANGE_DATE = "변경일"
COL_CHANGE_CONTENT = "변경내용"
COL_CHANGE_REASON = "변경사유"
COL_CHANGE_PROCEDURE = "변경절차"
COL_YEAR = "연도"
COL_SOURCE = "재원"
COL_PLANNED = "계획"
COL_SECURED = "확보"
COL_SPENT = "집행"
#: the amount columns of 재정계획 (백만원), in contract order
FINANCE_AMOUNTS = (COL_PLANNED, COL_SECURED, COL_SPENT)
#: 설정 is key/value: the header row of columns A/B (C is free notes)
COL_SETTING_KEY = "항목"
COL_SETTING_VALUE = "값"
COL_SETTING_NOTE = "설명"

#: the fixed columns of each sheet, in contract order (연차별계획 adds year columns)
SHEET_COLUMNS: dict[str, tuple[str, ...]] = {
    SHEET_SETTINGS: (COL_SETTING_KEY, COL_SETTING_VALUE, COL_SETTING_NOTE),
    SHEET_CARDS: (
        COL_ID,
        COL_AREA,
        COL_TITLE,
        COL_CATEGORY,
        COL_EXECUTOR,
        COL_PERIOD,
        COL_STATUS,
        COL_PROGRESS,
        COL_BUDGET,
        COL_COMPLETION,
        COL_DEPARTMENT,
        COL_OFFICER,
        COL_PHONE,
    ),
    SHEET_COOPERATION: (COL_ID, COL_AGENCY, COL_COOP_DEPARTMENT, COL_OFFICER, COL_PHONE),
    SHEET_BULLETS: (COL_ID, COL_SECTION, COL_LEVEL, COL_TEXT),
    SHEET_PLAN: (COL_ID, COL_PLAN_ITEM, COL_AFTER_TERM),
    SHEET_ACHIEVEMENTS: (COL_ID, COL_MAJOR, COL_MINOR, COL_DATE, COL_LEVEL, COL_TEXT),
    SHEET_COMMUNICATION: (COL_ID, *m.COMMUNICATION_COLUMNS),
    SHEET_CHANGES: (
        COL_ID,
        COL_CHANGE_DATE,
        COL_CHANGE_CONTENT,
        COL_CHANGE_REASON,
        COL_CHANGE_PROCEDURE,
    ),
    SHEET_FINANCE: (COL_ID, COL_YEAR, COL_SOURCE, *FINANCE_AMOUNTS),
}

# ── the contract: 설정 keys ───────────────────────────────────────────────
KEY_AGENCY = "기관명"
KEY_TERM = "민선"
KEY_TERM_START = "임기 시작 연도"
KEY_TERM_END = "임기 종료 연도"
KEY_AS_OF = "기준일"
KEY_STATUSES = "상태 목록"
KEY_DONE_STATUSES = "완료 상태"  # extension: statuses that count as done
KEY_SOURCES = "재원 목록"  # extension: the 재원 of 재정계획
KEY_RATES = "총괄표 지표"  # extension: the rates the 총괄표 shows, in order
SETTING_KEYS = (
    KEY_AGENCY,
    KEY_TERM,
    KEY_TERM_START,
    KEY_TERM_END,
    KEY_AS_OF,
    KEY_STATUSES,
    KEY_DONE_STATUSES,
    KEY_SOURCES,
    KEY_RATES,
)
LIST_SEPARATOR = ","
#: 수준 of a new 추진실적 entry
ENTRY_MARKER = m.MARK_L1
YEAR_SUFFIX = "년"
#: a year column's header once its spaces are removed: ``2022`` or ``2022년``
YEAR_HEADER = re.compile(r"^(\d{4})(?:" + YEAR_SUFFIX + r")?$")
COUNT_UNIT = m.COUNT_UNIT


# ── how names compare ─────────────────────────────────────────────────────
_UNIT_SUFFIX = re.compile(r"\((?:%|건)\)$")
_WHITE_SPACE = re.compile(r"\s+")


def name_key(text: str) -> str:
    """A header, 설정 key or 구분 as compared: the model's label rule (:func:`~reportgen.model.label_key`:
    the kind of middle dot does not matter), and besides any white space, a trailing
    ``(%)``/``(건)`` unit, and a comma for a middle dot (``홍보,소통`` = ``홍보·소통``)."""
    return _cached_name_key(text) if len(text) <= _CACHED_LENGTH else _name_key(text)


def _name_key(text: str) -> str:
    text = _WHITE_SPACE.sub("", _UNIT_SUFFIX.sub("", fold(text)))
    return m.label_key(text.replace(",", "\u00b7"))


_cached_name_key = functools.lru_cache(maxsize=4096)(_name_key)


def split_list(text: str) -> list[str]:
    """A 설정 list (``완료, 이행후 계속추진``, or one item per line) → its folded items."""
    text = fold(text).replace("\n", LIST_SEPARATOR)
    return [item.strip() for item in text.split(LIST_SEPARATOR) if item.strip()]


# ── 공약가계부: a card's term amounts and its 소요예산 ──────────────────────
AMOUNT_UNIT = "백만원"
BUDGET_PREFIX = "총"


def term_amount(rows: Iterable[m.FinanceRow], column: str) -> Decimal | None:
    """A card's amount (``column``: 계획, 확보 or 집행) over the whole term, never counting a
    재원 twice: :func:`source_amount` of each 재원, added up. None when no row gives the amount."""
    by_source: dict[str, list[tuple[int | None, Decimal | None]]] = {}
    for row in rows:
        by_source.setdefault(m.label_key(row.source), []).append((row.year, _amount_of(row, column)))
    parts = [part for part in map(source_amount, by_source.values()) if part is not None]
    return sum(parts, Decimal(0)) if parts else None


def source_amount(amounts: Iterable[tuple[int | None, Decimal | None]]) -> Decimal | None:
    """One card's and one 재원's amount over the term from the (연도, amount) of its rows: the sum
    of the whole-term amounts (연도 empty) when a row gives one, else the sum of the year amounts;
    None when no row gives the amount. The one rule of the 공약가계부 and of 소요예산."""
    whole: list[Decimal] = []
    yearly: list[Decimal] = []
    for year, amount in amounts:
        if amount is not None:
            (whole if year is None else yearly).append(amount)
    return sum(whole or yearly, Decimal(0)) if whole or yearly else None


def _amount_of(row: m.FinanceRow, column: str) -> Decimal | None:
    return {COL_PLANNED: row.planned, COL_SECURED: row.secured, COL_SPENT: row.spent}[column]


def budget_text(amount: Decimal) -> str:
    """소요예산 as the card prints a 재정계획 total: ``총 12,345백만원``, ``총 1,234.5백만원``
    (thousands separators; decimals only when the amount has them)."""
    return f"{BUDGET_PREFIX} {_grouped(amount)}{AMOUNT_UNIT}"


def _grouped(amount: Decimal) -> str:
    """``12,345``; ``1,234.5``; trailing zeros of the decimals dropped."""
    return f"{amount.normalize():,f}"


def card_budget(rows: Iterable[m.FinanceRow]) -> str:
    """The 소요예산 a card without a typed one prints: the term total of 계획 of its 재정계획 rows
    (:func:`term_amount`), or "" when they plan no amount."""
    total = term_amount(rows, COL_PLANNED)
    return "" if total is None else budget_text(total)
