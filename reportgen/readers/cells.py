"""Cell values as a tabular source gives them to the workbook contract mapping.

A source (the xlsx stream, or any other table: a CSV file, a web form) gives a
:class:`Sheet` per contract sheet: the rows that hold a value, each a sparse
``column → value`` dict with its row number, so that every problem names its
place as ``sheet!cell``. A value is ``None``, text, a number, a bool, a
date/datetime, a :class:`Percent`, or a :class:`NoValue` (a cell reportgen
cannot use, reported only where it is read) or :class:`Dropped` text (characters
no file can hold were removed: a notice names the cell).

Here too: Excel's cell text as reportgen keeps it (:func:`clean_text`), and the
contract's value rules (추진율 ``60%``, 구민소통 ``1회``, 수준, 일자, 기준일, years, lists).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl.utils import get_column_letter

from reportgen import model as m
from reportgen import workbook_contract as contract
from reportgen.errors import Problems
from reportgen.periods import normalize_period
from reportgen.xmltext import ILLEGAL, excel_unescape

MAX_CELL_CHARS = 32767  # Excel's limit of characters in one cell
#: rows kept whole (every column): a header row further down is looked for among them
HEADER_SEARCH_ROWS = 10
#: how many row numbers or cells a notice names
SHOWN_IN_NOTICE = 5


#: the columns a reader of a sheet keeps, given its header row (0-based column → value)
ReadColumns = Callable[[dict[int, object]], set[int]]

_SURROGATE_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")
#: an amount typed as text: ``1234``, ``1,234``, ``1,234.5`` (a leading minus is read, then refused as < 0)
_AMOUNT = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
#: significant digits Excel keeps of a number (a float's longer tail is binary noise: 0.1+0.2)
_EXCEL_DIGITS = 15
_ISO_DATE = re.compile(r"^\s*(\d{4})\s*[-./]\s*(\d{1,2})\s*[-./]\s*(\d{1,2})\s*\.?\s*$")


class Percent(float):
    """A number from a cell formatted as percent (0.6 shown as 60%)."""


class NoValue(str):
    """A cell whose value reportgen cannot use: a formula without a saved value, an Excel error
    value such as #N/A, text over Excel's cell limit, or a cell under a reported merge.

    ``problem`` (what, in English, fix, in English) is reported naming the cell only where
    reportgen reads the cell; every parser ignores the value.
    """

    problem: tuple[str, str, str, str] | None = None


class Dropped(str):
    """Cell text from which characters no file can hold (``_xD800_`` escapes of lone surrogates,
    U+FFFE, U+FFFF) were removed; ``dropped`` holds them, for a notice naming the cell."""

    dropped = ""


#: a covered cell of a merge already reported: no second problem (such as an empty 관리번호)
COVERED = NoValue("")
MARKED = (NoValue, Dropped)


class BadValue(ValueError):
    """A cell value that a parser cannot accept."""


def _no_value(text: str, problem: tuple[str, str, str, str]) -> NoValue:
    value = NoValue(text)
    value.problem = problem
    return value


# ── cell values ───────────────────────────────────────────────────────────
def cell_text(value: object) -> str:
    """A cell value as trimmed text (whole numbers without ``.0``)."""
    if value is None or isinstance(value, NoValue):
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, Percent):
        return f"{value * 100:g}%"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _whole_number(number: float) -> int:
    number = round(number, 6)
    if not float(number).is_integer():
        raise BadValue(number)
    return int(number)


def as_percent(value: object) -> int | None:
    """추진율 or a yearly target: 60, ``60%``, 0.6 formatted as percent → 60."""
    if value is None or isinstance(value, NoValue):
        return None
    if isinstance(value, Percent):
        return _whole_number(value * 100)
    if isinstance(value, bool):
        raise BadValue(value)
    if isinstance(value, int | float):
        return _whole_number(value)
    text = m.fold(cell_text(value))
    if not text:
        return None
    text = text.removesuffix("%").strip()
    try:
        return _whole_number(float(text))
    except (ValueError, OverflowError) as exc:
        raise BadValue(value) from exc


def as_count(value: object) -> int | None:
    """구민소통 count: ``1회``, 1 → 1; blank or ``-`` → None."""
    if value is None or isinstance(value, NoValue):
        return None
    if isinstance(value, bool):
        raise BadValue(value)
    if isinstance(value, int | float):
        number = _whole_number(value)
    else:
        text = m.fold(cell_text(value)).removesuffix(contract.COUNT_UNIT).strip()
        if text in ("", m.COUNT_NONE):
            return None
        if not (text.isascii() and text.isdigit()):
            raise BadValue(value)
        number = int(text)
    if number < 0:
        raise BadValue(value)
    return number


def as_marker(value: object) -> str:
    """수준 → bullet marker: 1/2/3 (text or number), a literal marker, blank → plain."""
    if isinstance(value, bool):
        raise BadValue(value)
    text = m.fold(cell_text(value))
    if text in m.LEVEL_TO_MARKER:
        return m.LEVEL_TO_MARKER[text]
    if text in m.MARKERS:
        return text
    if text == "":
        return m.MARK_PLAIN
    raise BadValue(value)


def as_period(value: object) -> str:
    """일자 → canonical period text ("" when blank); numbers are refused (2023.10 → 2023.1)."""
    if value is None or isinstance(value, NoValue):
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return normalize_period(value)
    if isinstance(value, int | float):
        raise BadValue(value)
    text = m.fold(cell_text(value))
    if not text:
        return ""
    canonical = _normalized_text_period(text)
    if canonical is None:
        raise BadValue(value)
    return canonical


@functools.lru_cache(maxsize=4096)
def _normalized_text_period(text: str) -> str | None:
    """normalize_period of a text, None when it is no date (cached: dates repeat a lot)."""
    try:
        return normalize_period(text)
    except ValueError:  # PeriodError, or anything else the date parser trips on
        return None


def as_iso_date(value: object) -> str:
    """기준일 → ISO date text; Excel dates and ``2024. 12. 31.`` are accepted."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float):
        raise BadValue(value)
    text = m.fold(cell_text(value))
    if not text:
        return ""
    match = _ISO_DATE.match(text)
    if not match:
        raise BadValue(value)
    try:
        return dt.date(*(int(part) for part in match.groups())).isoformat()
    except ValueError as exc:
        raise BadValue(value) from exc


def as_year(value: object) -> int | None:
    """A year: 2022, ``2022``, ``2022년``; blank → None."""
    if isinstance(value, bool):
        raise BadValue(value)
    if isinstance(value, int | float):
        year = _whole_number(value)
    else:
        text = m.fold(cell_text(value))
        if not text:
            return None
        match = contract.YEAR_HEADER.match(text.replace(" ", ""))
        if not match:
            raise BadValue(value)
        year = int(match[1])
    if not 1900 <= year <= 2200:
        raise BadValue(value)
    return year


def as_amount(value: object) -> Decimal | None:
    """An amount (재정계획, 백만원): 1234, 1234.5, ``1,234``, ``1,234.5``; blank → None. A negative
    amount is returned (the mapping refuses it naming the rule); anything else is a BadValue."""
    if value is None or isinstance(value, NoValue):
        return None
    if isinstance(value, bool | Percent):
        raise BadValue(value)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(f"{value:.{_EXCEL_DIGITS}g}")
    text = m.fold(cell_text(value)).replace(" ", "")
    if not text:
        return None
    if not _AMOUNT.match(text):
        raise BadValue(value)
    return Decimal(text.replace(",", ""))


def split_list(value: object) -> list[str]:
    """``완료, 이행후 계속추진`` (or one per line) → folded items."""
    return contract.split_list(cell_text(value))


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# ── Excel's cell text ─────────────────────────────────────────────────────
def clean_text(text: str) -> str:
    """Cell text as reportgen keeps it: Excel's ``_xHHHH_`` escapes decoded, control characters
    dropped (CR and VT read as line breaks), characters no file can hold dropped (the result is then
    a :class:`Dropped` naming them), NFC (Hangul saved on macOS is decomposed)."""
    dropped = ""
    if "_x" in text or "\r" in text:
        text = excel_unescape(text)
        if ILLEGAL.search(text):  # after unescaping only lone surrogates, U+FFFE and U+FFFF are left
            text = _SURROGATE_PAIR.sub(_joined_pair, text)  # _xD83D__xDE00_ is one emoji
            dropped = "".join(ILLEGAL.findall(text))
            text = ILLEGAL.sub("", text)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    if dropped:
        text = Dropped(text)
        text.dropped = dropped
    return text


def _joined_pair(match: re.Match[str]) -> str:
    high, low = (ord(char) for char in match[0])
    return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))


# ── a sheet as rows of cell values ────────────────────────────────────────
@dataclass
class Sheet:
    """A sheet as a source gives it: the rows that hold a value (row number, 0-based column →
    value), its merged ranges (ref, first column, first row, last column, last row; 1-based), the
    numbers of its hidden rows and of the rows holding a :data:`MARKED` cell."""

    rows: list[tuple[int, dict[int, object]]] = field(default_factory=list)
    merges: list[tuple[str, int, int, int, int]] = field(default_factory=list)
    hidden: set[int] = field(default_factory=set)
    marked: set[int] = field(default_factory=set)

    #: rows up to this number hold every column; later ones may hold only the columns read
    whole_up_to: int = sys.maxsize

    @property
    def header(self) -> dict[int, object]:
        return self.rows[0][1] if self.rows and self.rows[0][0] == 1 else {}

    @property
    def head(self) -> list[tuple[int, dict[int, object]]]:
        """The rows up to :data:`HEADER_SEARCH_ROWS` (where a header row further down is looked for)."""
        return [row for row in self.rows if row[0] <= HEADER_SEARCH_ROWS]

    @classmethod
    def of_rows(cls, rows: Iterable[Sequence[object]], hidden: Iterable[int] = ()) -> Sheet:
        """A sheet from plain rows (row 1 first, columns from A, ``None`` for an empty cell), as a
        source other than an xlsx gives them; ``hidden``: row numbers."""
        sheet = cls(hidden=set(hidden))
        for number, row in enumerate(rows, 1):
            values = {index: value for index, value in enumerate(row) if value is not None}
            if values:
                sheet.rows.append((number, values))
                if any(type(value) in MARKED for value in values.values()):
                    sheet.marked.add(number)
        return sheet


@dataclass
class StreamedSheet:
    """A sheet read as it is used (an .xlsx read by :mod:`~reportgen.readers.xlsx_stream`):
    ``head`` holds its rows up to :data:`HEADER_SEARCH_ROWS` (the header among them); ``rows``
    gives every row once, ``head`` first, each parsed when it is asked for, so that a sheet's rows
    are never all held. ``hidden`` and ``marked`` (as in :class:`Sheet`) hold a row's number when
    the row is given; ``merges`` stand at the end of a sheet's part: complete once ``rows`` is done."""

    head: list[tuple[int, dict[int, object]]] = field(default_factory=list)
    rows: Iterator[tuple[int, dict[int, object]]] = field(default_factory=lambda: iter(()))
    merges: list[tuple[str, int, int, int, int]] = field(default_factory=list)
    hidden: set[int] = field(default_factory=set)
    marked: set[int] = field(default_factory=set)
    whole_up_to: int = HEADER_SEARCH_ROWS

    @property
    def header(self) -> dict[int, object]:
        return self.head[0][1] if self.head and self.head[0][0] == 1 else {}


#: a sheet held whole or read as it is used
AnySheet = Sheet | StreamedSheet


# ── cells reportgen cannot use ────────────────────────────────────────────
def _shortened(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def no_saved_value(formula: str | None) -> NoValue:
    shown = f" (={_shortened(formula)})" if formula else ""
    return _no_value(f"={formula or ''}", (
        f"수식의 값이 저장되어 있지 않습니다{shown}",
        f"the formula has no saved value{shown}",
        "Excel에서 열고 저장하세요 (또는 수식 대신 값을 입력하세요)",
        "open and save the file in Excel (or type the value instead of the formula)",
    ))


def error_value(text: str) -> NoValue:
    return _no_value(text, (
        f"Excel 오류 값이 들어 있습니다 ({_shortened(text)})",
        f"the cell holds an Excel error value ({_shortened(text)})",
        "오류를 고치고 값을 직접 입력하세요",
        "fix the error and type the value",
    ))


def too_long(length: int) -> NoValue:
    return _no_value("", (
        f"한 셀의 글자가 {length:,}자로 Excel 한도({MAX_CELL_CHARS:,}자)를 넘습니다",
        f"the cell holds {length:,} characters, more than Excel's limit of {MAX_CELL_CHARS:,}",
        "내용을 줄이거나 여러 행으로 나누세요",
        "shorten the text or split it over several rows",
    ))


# ── notices and problems of a row's cells ────────────────────────────────
def report_cells(
    sheet: str, number: int, values: dict[int, object], problems: Problems, dropped: list[tuple[str, str]]
) -> None:
    """The problems of a row's read cells that reportgen cannot use; cells whose characters were dropped."""
    for index, value in values.items():
        kind = type(value)
        if kind is NoValue and value.problem:  # type: ignore[union-attr]
            problems.add(f"{sheet}!{get_column_letter(index + 1)}{number}", *value.problem)  # type: ignore[union-attr]
        elif kind is Dropped:
            dropped.append((f"{get_column_letter(index + 1)}{number}", value.dropped))  # type: ignore[union-attr]


def listed(items: list[str]) -> str:
    """The first few items, comma separated, with … when there are more."""
    shown = ", ".join(items[:SHOWN_IN_NOTICE])
    return shown + (", …" if len(items) > SHOWN_IN_NOTICE else "")


def notice_dropped(sheet: str, dropped: list[tuple[str, str]], notices: list[str]) -> None:
    """One notice for the cells of a sheet that lost characters no file can hold."""
    if not dropped:
        return
    count, cells = len(dropped), listed([cell for cell, _ in dropped])
    chars = listed(list(dict.fromkeys(f"U+{ord(char):04X}" for _, text in dropped for char in text)))
    notices.append(
        f"{sheet} 시트의 셀 {count}개({cells})에서 파일에 쓸 수 없는 글자({chars})를 뺐습니다 / "
        f"characters that no file can hold ({chars}) were removed from {count} cell{'s' if count > 1 else ''}"
        f" of {sheet} ({cells})"
    )

