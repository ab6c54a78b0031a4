"""Read the master workbook (마스터 엑셀) into a :class:`~reportgen.model.Workbook`.

The contract is docs/master-workbook.md. Every problem in the file is collected
and reported together in one :class:`~reportgen.errors.InputError`; nothing from
zipfile or lxml escapes. Sheets are streamed with lxml (no entities, no network):
openpyxl's read-only mode took 4.5-6.6 s for 1,000 cards, this takes about 1.5 s.
openpyxl still supplies the number-format and Excel-date rules.

Memory follows the cells a sheet really holds: rows are sparse (column → value),
only the columns reportgen reads are kept (the first rows whole, to find a header
row further down), and no number the file declares (row numbers, column letters,
dimensions, counts) sizes anything. A cell reportgen cannot use (a formula without
a saved value, an error value, over-long text) is a problem only in a column it
reads; cells elsewhere are ignored whatever they hold.

The sheet, column and 설정 key names are in :mod:`reportgen.workbook_contract`;
names, 관리번호 and statuses are compared after :func:`~reportgen.workbook_contract.fold`.
"""

from __future__ import annotations

import codecs
import datetime as dt
import functools
import posixpath
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from lxml import etree
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from reportgen import model as m
from reportgen import workbook_contract as contract
from reportgen.errors import InputError, Problem, Problems
from reportgen.periods import normalize_period
from reportgen.xmlsafe import MAX_XML_TAGS, DoctypeError, TooManyTags, parse_xml, stream_xml

MAX_UNPACKED_BYTES = 512 * 1024 * 1024  # refuse zip bombs
MAX_ROWS, MAX_COLUMNS = 1048576, 16384  # Excel's sheet size
MAX_CELL_CHARS = 32767  # Excel's limit of characters in one cell
#: rows kept whole (every column): a header row further down is looked for among them
HEADER_SEARCH_ROWS = 10
#: how many row numbers or cells a notice names
SHOWN_IN_NOTICE = 5

_YEAR_HEADER = re.compile(r"^(\d{4})(?:" + contract.YEAR_SUFFIX + r")?$")
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")  # ECMA-376 escape of a character XML cannot hold
_CONTROL = re.compile(r"[\x00-\x08\x0c\x0e-\x1f\x7f]")
_SURROGATE_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")
#: what no UTF-8 file or XML document can hold: lone surrogates and the noncharacters U+FFFE, U+FFFF
_UNSTORABLE = re.compile("[\ud800-\udfff\ufffe\uffff]")
_LOOKALIKES = frozenset("\u2212\u02d7\u2043")  # minus sign, modifier minus, hyphen bullet
_ISO_DATE = re.compile(r"^\s*(\d{4})\s*[-./]\s*(\d{1,2})\s*[-./]\s*(\d{1,2})\s*\.?\s*$")
_XLSX_HINT_KO = "Excel에서 열어 'Excel 통합 문서(*.xlsx)'로 다시 저장하세요 (암호는 해제)"
_XLSX_HINT_EN = "open it in Excel and save it as 'Excel Workbook (*.xlsx)' without a password"


class _Percent(float):
    """A number from a cell formatted as percent (0.6 shown as 60%)."""


class _NoValue(str):
    """A cell whose value reportgen cannot use: a formula without a saved value, an Excel error
    value such as #N/A, text over Excel's cell limit, or a cell under a reported merge.

    ``problem`` (what, in English, fix, in English) is reported naming the cell only where
    reportgen reads the cell; every parser ignores the value.
    """

    problem: tuple[str, str, str, str] | None = None


class _Dropped(str):
    """Cell text from which characters no file can hold (``_xD800_`` escapes of lone surrogates,
    U+FFFE, U+FFFF) were removed; ``dropped`` holds them, for a notice naming the cell."""

    dropped = ""


#: a covered cell of a merge already reported: no second problem (such as an empty 관리번호)
_COVERED = _NoValue("")
_MARKED = (_NoValue, _Dropped)


class _Bad(ValueError):
    """A cell value that a parser cannot accept."""


def _no_value(text: str, problem: tuple[str, str, str, str]) -> _NoValue:
    value = _NoValue(text)
    value.problem = problem
    return value


def header_key(name: object) -> str:
    """A header or key name compared tolerantly (:func:`~reportgen.workbook_contract.name_key`)."""
    return contract.name_key(_text(name))


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


# ── cell values ───────────────────────────────────────────────────────────
def _text(value: object) -> str:
    """A cell value as trimmed text (whole numbers without ``.0``)."""
    if value is None or isinstance(value, _NoValue):
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, _Percent):
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
        raise _Bad(number)
    return int(number)


def _percent(value: object) -> int | None:
    """추진율 or a yearly target: 60, ``60%``, 0.6 formatted as percent → 60."""
    if value is None or isinstance(value, _NoValue):
        return None
    if isinstance(value, _Percent):
        return _whole_number(value * 100)
    if isinstance(value, bool):
        raise _Bad(value)
    if isinstance(value, int | float):
        return _whole_number(value)
    text = contract.fold(_text(value))
    if not text:
        return None
    text = text.removesuffix("%").strip()
    try:
        return _whole_number(float(text))
    except (ValueError, OverflowError) as exc:
        raise _Bad(value) from exc


def _count(value: object) -> int | None:
    """구민소통 count: ``1회``, 1 → 1; blank or ``-`` → None."""
    if value is None or isinstance(value, _NoValue):
        return None
    if isinstance(value, bool):
        raise _Bad(value)
    if isinstance(value, int | float):
        number = _whole_number(value)
    else:
        text = contract.fold(_text(value)).removesuffix(contract.COUNT_UNIT).strip()
        if text in ("", m.COUNT_NONE):
            return None
        if not (text.isascii() and text.isdigit()):
            raise _Bad(value)
        number = int(text)
    if number < 0:
        raise _Bad(value)
    return number


def _marker(value: object) -> str:
    """수준 → bullet marker: 1/2/3 (text or number), a literal marker, blank → plain."""
    if isinstance(value, bool):
        raise _Bad(value)
    text = contract.fold(_text(value))
    if text in m.LEVEL_TO_MARKER:
        return m.LEVEL_TO_MARKER[text]
    if text in m.MARKERS:
        return text
    if text == "":
        return m.MARK_PLAIN
    raise _Bad(value)


def _period(value: object) -> str:
    """일자 → canonical period text ("" when blank); numbers are refused (2023.10 → 2023.1)."""
    if value is None or isinstance(value, _NoValue):
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return normalize_period(value)
    if isinstance(value, int | float):
        raise _Bad(value)
    text = contract.fold(_text(value))
    if not text:
        return ""
    canonical = _normalized_text_period(text)
    if canonical is None:
        raise _Bad(value)
    return canonical


@functools.lru_cache(maxsize=4096)
def _normalized_text_period(text: str) -> str | None:
    """normalize_period of a text, None when it is no date (cached: dates repeat a lot)."""
    try:
        return normalize_period(text)
    except ValueError:  # PeriodError, or anything else the date parser trips on
        return None


def _iso_date(value: object) -> str:
    """기준일 → ISO date text; Excel dates and ``2024. 12. 31.`` are accepted."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float):
        raise _Bad(value)
    text = contract.fold(_text(value))
    if not text:
        return ""
    match = _ISO_DATE.match(text)
    if not match:
        raise _Bad(value)
    try:
        return dt.date(*(int(part) for part in match.groups())).isoformat()
    except ValueError as exc:
        raise _Bad(value) from exc


def _year(value: object) -> int | None:
    """A year: 2022, ``2022``, ``2022년``; blank → None."""
    if isinstance(value, bool):
        raise _Bad(value)
    if isinstance(value, int | float):
        year = _whole_number(value)
    else:
        text = contract.fold(_text(value))
        if not text:
            return None
        match = _YEAR_HEADER.match(text.replace(" ", ""))
        if not match:
            raise _Bad(value)
        year = int(match[1])
    if not 1900 <= year <= 2200:
        raise _Bad(value)
    return year


def _split_list(value: object) -> list[str]:
    """``완료, 이행후 계속추진`` (or one per line) → folded items."""
    text = contract.fold(_text(value)).replace("\n", contract.LIST_SEPARATOR)
    return [item.strip() for item in text.split(contract.LIST_SEPARATOR) if item.strip()]


# ── sheets as plain rows ──────────────────────────────────────────────────
@dataclass
class _Table:
    """One sheet: its header (column index → name), the contract columns and the non-empty data rows."""

    name: str
    header: dict[int, object]
    columns: dict[str, int] = field(default_factory=dict)
    rows: list[_Row] = field(default_factory=list)


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
        return _text(self.raw(column))

    def reported(self, column: str) -> bool:
        """The cell is a problem already (formula without a value, error value, …): no second one."""
        return isinstance(self.raw(column), _NoValue)

    def at_index(self, index: int) -> object:
        return self.values.get(index)

    def where(self, column: str) -> str:
        return self.where_index(self.table.columns.get(column, 0))

    def where_index(self, index: int) -> str:
        return f"{self.table.name}!{get_column_letter(index + 1)}{self.number}"


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# ── the xlsx container, parsed with lxml (openpyxl read-only is ~3-4x slower) ──
_OFFICE_DOCUMENT = "/officeDocument"
_REL_SHARED_STRINGS = "/sharedStrings"
_REL_STYLES = "/styles"
#: East Asian built-in date formats (ECMA-376 18.8.30) that openpyxl does not list
_EAST_ASIAN_DATE_IDS = {*range(27, 32), 36, *range(50, 59)}
_COLUMN_NUMBERS: dict[str, int] = {}


class _TagBudget:
    """A part's bytes as lxml reads them, counting tags since the last :meth:`reset`: lxml keeps
    an element's subtree until its end event, so one element with millions of children (or a
    stretch without row ends) would otherwise cost gigabytes. Counted 32 kB at a time (C speed).

    :data:`~reportgen.xmlsafe.MAX_XML_TAGS` is the budget between two row ends and inside one
    shared string, as in a part parsed whole: a row of Excel's 16,384 cells has some 100,000 tags;
    a file of millions of empty elements in one place (a few bytes each, compressed to nothing) is
    refused with :class:`~reportgen.xmlsafe.TooManyTags`."""

    def __init__(self, source: object):
        self.source = source
        self.tags = 0

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)  # type: ignore[attr-defined]
        self.tags += data.count(b"<")
        if self.tags > MAX_XML_TAGS:
            raise TooManyTags(self.tags)
        return data

    def reset(self) -> None:
        self.tags = 0


def _ns(element: etree._Element) -> str:
    """``{namespace}`` of an element (transitional or strict OOXML alike)."""
    return element.tag[: element.tag.index("}") + 1] if element.tag.startswith("{") else ""


def _rel_id(element: etree._Element) -> str:
    return next((value for key, value in element.attrib.items() if key.endswith("}id")), "")


def _column_number(ref: str) -> int:
    letters = ref.rstrip("0123456789")
    number = _COLUMN_NUMBERS.get(letters)
    if number is None:
        number = _COLUMN_NUMBERS[letters] = column_index_from_string(letters)
    return number


def _plain_text(element: etree._Element, ns: str) -> str:
    """The text of a shared or inline string, without phonetic (rPh) runs."""
    if len(element) == 1 and element[0].tag == f"{ns}t":  # the usual <is><t>text</t></is>
        return _clean(element[0].text or "")
    return _clean("".join(t.text or "" for t in element.iter(f"{ns}t") if t.getparent().tag != f"{ns}rPh"))


def _clean(text: str) -> str:
    """Cell text as reportgen keeps it: Excel's ``_xHHHH_`` escapes decoded, control characters
    dropped (CR and VT read as line breaks), characters no file can hold dropped (the result is then
    a :class:`_Dropped` naming them), NFC (Hangul saved on macOS is decomposed)."""
    dropped = ""
    if "_x" in text or "\r" in text:
        text = _ESCAPE.sub(lambda match: chr(int(match[1], 16)), text)
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0b", "\n")
        text = _CONTROL.sub("", text)
        if _UNSTORABLE.search(text):
            text = _SURROGATE_PAIR.sub(_joined_pair, text)  # _xD83D__xDE00_ is one emoji
            dropped = "".join(_UNSTORABLE.findall(text))
            text = _UNSTORABLE.sub("", text)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    if dropped:
        text = _Dropped(text)
        text.dropped = dropped
    return text


def _joined_pair(match: re.Match[str]) -> str:
    high, low = (ord(char) for char in match[0])
    return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))


@dataclass
class _Sheet:
    """A sheet as read: the rows that hold a value (Excel row number, 0-based column → value),
    its merged ranges (ref, first column, first row, last column, last row; 1-based), the numbers
    of its hidden rows and of the rows holding a :data:`_MARKED` cell."""

    rows: list[tuple[int, dict[int, object]]] = field(default_factory=list)
    merges: list[tuple[str, int, int, int, int]] = field(default_factory=list)
    hidden: set[int] = field(default_factory=set)
    marked: set[int] = field(default_factory=set)

    @property
    def header(self) -> dict[int, object]:
        return self.rows[0][1] if self.rows and self.rows[0][0] == 1 else {}


class _XlsxFile:
    """Sheets of an .xlsx as rows of cell values: text, numbers, datetimes, _Percent, _NoValue, _Dropped."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        root_rels = self._rels("_rels/.rels", "")
        workbook_part = next((t for kind, t in root_rels.values() if kind.endswith(_OFFICE_DOCUMENT)),
                             "xl/workbook.xml")
        workbook = parse_xml(archive.read(workbook_part))
        ns = self.ns = _ns(workbook)
        self.tags = (f"{ns}c", f"{ns}v", f"{ns}f", f"{ns}is")
        folder = posixpath.dirname(workbook_part)
        rels = self._rels(posixpath.join(folder, "_rels", posixpath.basename(workbook_part) + ".rels"), folder)
        properties = workbook.find(f"{ns}workbookPr")
        date1904 = properties is not None and properties.get("date1904", "0") in ("1", "true")
        self.epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
        self.sheets = {
            contract.fold(sheet.get("name", "")): rels[_rel_id(sheet)][1]
            for sheet in workbook.iterfind(f"{ns}sheets/{ns}sheet")
            if _rel_id(sheet) in rels
        }
        self.sheet_names = [contract.fold(sheet.get("name", "")) for sheet in workbook.iterfind(f"{ns}sheets/{ns}sheet")]
        self.last_row = 0  # the last row read completely, for a problem while reading a sheet
        by_kind = {kind.rsplit("/", 1)[-1]: target for kind, target in rels.values()}
        self.strings = self._shared_strings(by_kind.get(_REL_SHARED_STRINGS[1:]))
        self.styles = self._style_kinds(by_kind.get(_REL_STYLES[1:]))

    def _rels(self, part: str, folder: str) -> dict[str, tuple[str, str]]:
        """Relationship id → (type, part name) of one .rels part ({} when absent)."""
        if part not in self.archive.namelist():
            return {}
        result = {}
        for rel in parse_xml(self.archive.read(part)):
            target = rel.get("Target", "")
            name = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            result[rel.get("Id", "")] = (rel.get("Type", ""), name)
        return result

    def _shared_strings(self, part: str | None) -> list[str]:
        if not part or part not in self.archive.namelist():
            return []
        strings = []
        with self.archive.open(part) as raw:
            source = _TagBudget(raw)
            for si in stream_xml(source):
                if si.tag.endswith("}si"):
                    strings.append(_plain_text(si, _ns(si)))
                    _drop_read(si)
                    source.reset()
        return strings

    def _style_kinds(self, part: str | None) -> list[str]:
        """Per cell style index: "date", "percent" or ""."""
        if not part or part not in self.archive.namelist():
            return []
        styles = parse_xml(self.archive.read(part))
        ns = _ns(styles)
        codes = {int(fmt.get("numFmtId", "0")): fmt.get("formatCode", "")
                 for fmt in styles.iterfind(f"{ns}numFmts/{ns}numFmt")}
        kinds = []
        for xf in styles.iterfind(f"{ns}cellXfs/{ns}xf"):
            fmt_id = int(xf.get("numFmtId", "0"))
            code = codes.get(fmt_id) or BUILTIN_FORMATS.get(fmt_id, "")
            if "%" in code:
                kinds.append("percent")
            elif fmt_id in _EAST_ASIAN_DATE_IDS or (code and is_date_format(code)):
                kinds.append("date")
            else:
                kinds.append("")
        return kinds

    def sheet(self, name: str, read_columns: Callable[[dict[int, object]], set[int]]) -> _Sheet:
        """A sheet's rows; past row HEADER_SEARCH_ROWS only the cells of ``read_columns(header)``."""
        sheet = _Sheet()
        row_tag, merge_tag = f"{self.ns}row", f"{self.ns}mergeCell"
        keep: set[int] | None = None
        last = self.last_row = 0
        with self.archive.open(self.sheets[name]) as raw:
            source = _TagBudget(raw)
            for element in stream_xml(source, (row_tag, merge_tag)):
                if element.tag == merge_tag:
                    sheet.merges.append(_merge_bounds(element.get("ref", "")))
                else:
                    number = int(element.get("r") or last + 1)
                    if not last < number <= MAX_ROWS:
                        raise ValueError(f"row number {number}")
                    if keep is None and number > HEADER_SEARCH_ROWS:
                        keep = read_columns(sheet.header)
                    self._add_row(sheet, element, number, keep if number > HEADER_SEARCH_ROWS else None)
                    last = self.last_row = number
                    source.reset()
                _drop_read(element)
        return sheet

    def _add_row(self, sheet: _Sheet, row: etree._Element, number: int, keep: set[int] | None) -> None:
        """Store a row's cells that have a value, of the columns in ``keep`` (None: all)."""
        values: dict[int, object] = {}
        marked = False
        last = 0
        cell_tag = self.tags[0]
        for cell in row:
            if cell.tag != cell_tag:
                continue
            ref = cell.get("r")
            column = _column_number(ref) if ref else last + 1
            if not last < column <= MAX_COLUMNS:
                raise ValueError(f"cell {ref}")
            last = column
            if keep is not None and column - 1 not in keep:
                continue  # a column reportgen does not read: ignored whatever it holds
            value = self._cell(cell)
            if value is not None:
                values[column - 1] = value
                marked = marked or type(value) in _MARKED
        if values:
            sheet.rows.append((number, values))
            if row.get("hidden") in ("1", "true"):
                sheet.hidden.add(number)
            if marked:
                sheet.marked.add(number)

    def _cell(self, cell: etree._Element) -> object:
        """A cell's value; a formula is read as the value Excel saved with it."""
        _, value_tag, formula_tag, inline_tag = self.tags
        raw = formula = inline = None
        for child in cell:
            tag = child.tag
            if tag == value_tag:
                raw = child.text or ""
            elif tag == formula_tag:
                formula = child
            elif tag == inline_tag:
                inline = child
        kind = cell.get("t", "n")
        if inline is not None:
            value = _plain_text(inline, self.ns)
        elif raw is None or (not raw and kind != "str"):  # no value; a formula without its saved value
            return None if formula is None else _no_saved_value(formula.text)
        elif kind == "e":
            return _error_value(raw)
        else:
            value = self._value(kind, raw, cell.get("s"))
        if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
            return _too_long(len(value))
        return value

    def _value(self, kind: str, raw: str, style: str | None) -> object:
        if kind == "s":
            return self.strings[int(raw)]
        if kind in ("str", "inlineStr"):
            return _clean(raw)
        if kind == "b":
            return raw.strip() in ("1", "true")
        if kind == "d":
            return dt.datetime.fromisoformat(raw.strip().rstrip("Z"))
        return self._number(raw, int(style or "0"))

    def _number(self, raw: str, style: int) -> object:
        number: float = float(raw)
        style_kind = self.styles[style] if style < len(self.styles) else ""
        if style_kind == "percent":
            return _Percent(number)
        if style_kind == "date":
            try:
                return from_excel(number, self.epoch)
            except (ValueError, OverflowError):
                return number
        return int(number) if number.is_integer() and abs(number) < 1e15 else number


def _drop_read(element: etree._Element) -> None:
    """Free an element that has been read, and the siblings before it."""
    element.clear()
    while element.getprevious() is not None:
        del element.getparent()[0]


def _merge_bounds(ref: str) -> tuple[str, int, int, int, int]:
    """A merged range as (ref, first column, first row, last column, last row)."""
    min_col, min_row, max_col, max_row = range_boundaries(ref)
    if min_col is None or min_row is None or max_col is None or max_row is None:
        raise ValueError(f"merged range {ref}")
    return ref, min_col, min_row, max_col, max_row


def _shortened(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _no_saved_value(formula: str | None) -> _NoValue:
    shown = f" (={_shortened(formula)})" if formula else ""
    return _no_value(f"={formula or ''}", (
        f"수식의 값이 저장되어 있지 않습니다{shown}",
        f"the formula has no saved value{shown}",
        "Excel에서 열고 저장하세요 (또는 수식 대신 값을 입력하세요)",
        "open and save the file in Excel (or type the value instead of the formula)",
    ))


def _error_value(text: str) -> _NoValue:
    return _no_value(text, (
        f"Excel 오류 값이 들어 있습니다 ({_shortened(text)})",
        f"the cell holds an Excel error value ({_shortened(text)})",
        "오류를 고치고 값을 직접 입력하세요",
        "fix the error and type the value",
    ))


def _too_long(length: int) -> _NoValue:
    return _no_value("", (
        f"한 셀의 글자가 {length:,}자로 Excel 한도({MAX_CELL_CHARS:,}자)를 넘습니다",
        f"the cell holds {length:,} characters, more than Excel's limit of {MAX_CELL_CHARS:,}",
        "내용을 줄이거나 여러 행으로 나누세요",
        "shorten the text or split it over several rows",
    ))


def _merged_cells(where: str, problems: Problems) -> None:
    problems.add(
        where,
        "셀이 병합되어 있습니다 (병합된 칸은 첫 칸만 값을 가집니다)",
        "the cells are merged (only the first of merged cells holds a value)",
        "병합을 풀고 각 행에 값을 채우세요",
        "unmerge them and fill in every row",
    )


# ── what a file is when it is no xlsx (judged by its content, not its name) ──
_SNIFF_BYTES = 64 * 1024
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SAVE_AS_XLSX = (
    "Excel에서 열어 '다른 이름으로 저장 → Excel 통합 문서(*.xlsx)'로 저장하세요"
    " (LibreOffice Calc: 다른 이름으로 저장 → Excel 2007-365 (.xlsx))",
    "open it in Excel and save it as 'Excel Workbook (*.xlsx)'"
    " (LibreOffice Calc: Save As → Excel 2007-365 (.xlsx))",
)
_REMOVE_PASSWORD = (
    "Excel에서 암호를 넣어 연 뒤 '파일 → 정보 → 통합 문서 보호 → 암호 설정'에서 암호를 지우고 저장하세요",
    "open it in Excel with its password, clear the password (File → Info → Protect Workbook →"
    " Encrypt with Password) and save it",
)
_IMPORT_CARD = (
    "공약 관리카드 파일이면 'reportgen import 카드파일 -o 마스터.xlsx'로 마스터 워크북에 가져오세요",
    "if it is a pledge card, bring it into the master workbook with 'reportgen import CARD -o MASTER.xlsx'",
)
_GIVE_WORKBOOK = (
    "마스터 워크북(.xlsx)을 주세요 ('reportgen init'으로 빈 워크북을 만들 수 있습니다)",
    "give the master workbook (.xlsx); 'reportgen init' makes an empty one",
)
#: format → (Korean name, English name, fix)
_FORMATS: dict[str, tuple[str, str, tuple[str, str]]] = {
    "xls": ("Excel 97-2003 통합 문서(.xls)", "an Excel 97-2003 workbook (.xls)", _SAVE_AS_XLSX),
    "encrypted": ("암호가 걸린(암호화된) 통합 문서", "a password-protected (encrypted) workbook", _REMOVE_PASSWORD),
    "ole": ("예전 .xls 형식이거나 암호가 걸린 파일", "an old .xls file or a password-protected workbook",
            (_XLSX_HINT_KO, _XLSX_HINT_EN)),
    "xlsb": ("Excel 바이너리 통합 문서(.xlsb)", "an Excel binary workbook (.xlsb)", _SAVE_AS_XLSX),
    "ods": ("OpenDocument 스프레드시트(.ods)", "an OpenDocument spreadsheet (.ods)", _SAVE_AS_XLSX),
    "odf": ("OpenDocument 문서(.odt 등)", "an OpenDocument document (.odt or similar)", _GIVE_WORKBOOK),
    "csv": ("CSV 또는 텍스트 파일", "a CSV or text file", _SAVE_AS_XLSX),
    "html": ("웹 페이지(HTML) 또는 XML 파일", "a web page (HTML) or XML file", _SAVE_AS_XLSX),
    "xml2003": ("Excel 2003 XML 스프레드시트", "an Excel 2003 XML spreadsheet", _SAVE_AS_XLSX),
    "pdf": ("PDF 문서", "a PDF document", _GIVE_WORKBOOK),
    "docx": ("Word 문서(.docx)", "a Word document (.docx)", _IMPORT_CARD),
    "doc": ("Word 97-2003 문서(.doc)", "a Word 97-2003 document (.doc)", _IMPORT_CARD),
    "pptx": ("PowerPoint 프레젠테이션(.pptx)", "a PowerPoint presentation (.pptx)", _GIVE_WORKBOOK),
    "hwp": ("한글 문서(.hwp)", "a Hangul document (.hwp)", _IMPORT_CARD),
    "hwpx": ("한글 문서(.hwpx)", "a Hangul document (.hwpx)", _IMPORT_CARD),
    "card-text": ("공약 관리카드 텍스트 파일", "a pledge card text file", _IMPORT_CARD),
    "zip": ("통합 문서가 들어 있지 않은 zip 압축 파일", "a zip archive that is no workbook",
            ("압축을 풀어 안에 든 마스터 워크북(.xlsx)을 주세요", "unzip it and give the master workbook (.xlsx) inside")),
}


def _foreign_format(path: Path, head: bytes) -> str | None:
    """The format of a file that is surely no xlsx (a key of :data:`_FORMATS`), None otherwise."""
    if head.startswith(_CFB_MAGIC):
        return _ole_format(path)
    if head.startswith(b"PK"):
        return _zip_format(path)
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"HWP Document File"):  # HWP 3.0
        return "hwp"
    return _text_format(head)


def _ole_format(path: Path) -> str:
    """An OLE compound file: old Excel, a password-protected Office file, HWP or old Word."""
    try:
        import olefile  # pyhwp's dependency; its logger is silent unless configured

        with olefile.OleFileIO(str(path)) as ole:
            names = {entry[0].lower() for entry in ole.listdir(streams=True, storages=True) if entry}
    except Exception:  # noqa: BLE001 - a damaged compound file: the general answer
        return "ole"
    if names & {"encryptioninfo", "encryptedpackage"}:
        return "encrypted"
    if names & {"workbook", "book"}:
        return "xls"
    if {"fileheader", "bodytext"} <= names:
        return "hwp"
    if "worddocument" in names:
        return "doc"
    return "ole"


def _zip_format(path: Path) -> str | None:
    """A zip that is another kind of document (None: maybe a workbook, read on)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            small = "mimetype" in names and archive.getinfo("mimetype").file_size <= 200
            mimetype = archive.read("mimetype").strip() if small else b""
    except Exception:  # noqa: BLE001 - a damaged zip is reported by the general checks
        return None
    if "xl/workbook.xml" in names:
        return None
    if "xl/workbook.bin" in names:
        return "xlsb"
    if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
        return "ods"
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        return "odf"
    if mimetype.startswith(b"application/hwp+zip") or "Contents/content.hpf" in names:
        return "hwpx"
    if "word/document.xml" in names:
        return "docx"
    if "ppt/presentation.xml" in names:
        return "pptx"
    return None if "[Content_Types].xml" in names else "zip"  # no Office package at all


def _text_format(head: bytes) -> str | None:
    """A text file: CSV or plain text, HTML/XML, a card's text (None: not text)."""
    text = _decoded(head)
    if text is None:
        return None
    start = text.lstrip("\ufeff \t\r\n")[:4096]
    if start.startswith("<"):
        if "urn:schemas-microsoft-com:office:spreadsheet" in start:
            return "xml2003"
        if "application/vnd.oasis.opendocument.spreadsheet" in start:
            return "ods"  # a flat OpenDocument spreadsheet (.fods)
        return "html"
    return "card-text" if "【" in text else "csv"


def _decoded(head: bytes) -> str | None:
    """The first bytes as text (UTF-16 with a BOM, UTF-8, or CP949 as Korean Excel saves CSV)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    elif b"\0" in head:
        return None
    else:
        encodings = ("utf-8-sig", "cp949")
    for encoding in encodings:
        try:
            text = codecs.getincrementaldecoder(encoding)().decode(head)  # a character cut at the end is fine
        except UnicodeDecodeError:
            continue
        if not any(char < " " and char not in "\t\r\n\f" for char in text):
            return text
    return None


def _file_problem(path: Path, ko: str, en: str) -> InputError:
    return InputError(Problem(str(path), "", ko, en, _XLSX_HINT_KO, _XLSX_HINT_EN))


def _foreign_problem(path: Path, kind: str) -> InputError:
    ko, en, (fix_ko, fix_en) = _FORMATS[kind]
    return InputError(Problem(
        str(path), "",
        f"xlsx 통합 문서가 아니라 {ko}입니다 (파일 이름이 아니라 내용으로 판단했습니다)",
        f"this is not an xlsx workbook but {en} (judged by its content, not its name), so it cannot be read",
        fix_ko, fix_en))


def _check_container(path: Path) -> None:
    """Refuse, with one clear problem, anything that is not an .xlsx zip."""
    if not path.is_file():
        raise InputError(
            Problem(
                str(path),
                "",
                "파일이 없습니다",
                "the file does not exist",
                "파일 경로를 확인하세요",
                "check the file path",
            )
        )
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if not head:
        raise _file_problem(path, "빈 파일입니다 (0바이트)", "the file is empty (0 bytes)")
    kind = _foreign_format(path, head)
    if kind is not None:
        raise _foreign_problem(path, kind)
    if not zipfile.is_zipfile(path):
        raise _file_problem(
            path,
            "xlsx 파일이 아닙니다 (.csv 또는 다른 파일의 확장자만 바꾼 것 같습니다)",
            "this is not an xlsx file (perhaps a .csv or another file renamed)",
        )
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _file_problem(
            path,
            f"xlsx 파일이 손상되었습니다 (zip 목차: {exc})",
            f"the xlsx file is damaged (zip directory: {exc})",
        ) from None
    if unpacked > MAX_UNPACKED_BYTES:  # members cannot inflate beyond their declared size: zipfile stops there
        raise _file_problem(path, "압축을 푼 크기가 너무 큽니다", "the file unpacks too large")


def _load_tables(path: Path, problems: Problems) -> dict[str, _Sheet]:
    """Every sheet of the contract in the file, keyed by its folded name."""
    _check_container(path)
    sheet = ""
    try:
        with zipfile.ZipFile(path) as archive:
            xlsx = _XlsxFile(archive)
            _duplicate_sheets(xlsx.sheet_names, problems)
            tables = {}
            for sheet in [name for name in xlsx.sheets if name in contract.SHEETS]:
                tables[sheet] = xlsx.sheet(sheet, _read_columns(sheet))
            return tables
    except Exception as exc:  # noqa: BLE001 - any failure here means a damaged or foreign file
        if sheet and isinstance(exc, etree.XMLSyntaxError) and re.search("huge|too long", str(exc), re.I):
            raise _huge_cell(path, sheet, xlsx.last_row) from None
        if isinstance(exc, TooManyTags):
            raise _too_many_elements(path, sheet, xlsx.last_row if sheet else 0) from None
        if isinstance(exc, DoctypeError):
            raise _file_problem(
                path,
                "파일 안에 DTD(<!DOCTYPE>)가 있습니다: Excel 파일에는 없는 것으로, 다른 파일을 읽으려는 공격일 수 있습니다",
                "the file holds a DTD (<!DOCTYPE>), which Excel files never do; it may be an attack (XXE)",
            ) from None
        raise _file_problem(
            path,
            f"xlsx 파일을 읽을 수 없습니다 (손상되었거나 Excel 통합 문서가 아닙니다: {type(exc).__name__})",
            f"the xlsx file cannot be read (damaged or not an Excel workbook: {type(exc).__name__})",
        ) from None


def _huge_cell(path: Path, sheet: str, last_row: int) -> InputError:
    """A cell so large that the XML parser refuses it (more than 10 MB of text)."""
    return InputError(Problem(
        str(path), sheet,
        f"{last_row}행 다음의 한 셀에 글자가 너무 많습니다 (Excel 한도 {MAX_CELL_CHARS:,}자)",
        f"a cell after row {last_row} holds far more text than Excel allows ({MAX_CELL_CHARS:,} characters)",
        "그 셀의 내용을 줄이거나 여러 행으로 나누세요", "shorten that cell's text or split it over several rows"))


def _too_many_elements(path: Path, sheet: str, last_row: int) -> InputError:
    """Millions of XML elements in one place (one row, one string, one part): damaged or crafted."""
    place_ko = f"'{sheet}' 시트의 {last_row}행 다음" if sheet else "파일 안의 한 부분"
    place_en = f"after row {last_row} of the sheet '{sheet}'" if sheet else "in one part of the file"
    return InputError(Problem(
        str(path), sheet,
        f"{place_ko}에 Excel이 만들지 않는 수의 XML 요소({MAX_XML_TAGS:,}개 넘게)가 있습니다 (손상되었거나 조작된 파일)",
        f"{place_en} there are more XML elements than any Excel file holds (over {MAX_XML_TAGS:,}):"
        " the file is damaged or crafted",
        _XLSX_HINT_KO, _XLSX_HINT_EN))


def _duplicate_sheets(names: list[str], problems: Problems) -> None:
    """Two sheets whose names differ only in spaces or invisible characters: which one is meant is unclear."""
    for name in contract.SHEETS:
        if names.count(name) > 1:
            problems.add(
                name,
                f"'{name}' 시트가 {names.count(name)}개 있습니다 (공백이나 보이지 않는 글자만 다른 이름)",
                f"there are {names.count(name)} sheets named '{name}' (the names differ only in spaces"
                " or invisible characters)",
                "하나만 남기고 지우거나 이름을 바꾸세요",
                "delete or rename all but one of them",
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


def _read_columns(name: str) -> Callable[[dict[int, object]], set[int]]:
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
            year = _year(value) if not _is_blank(value) else None
        except _Bad:
            continue
        if year is not None:
            found.append((year, index))
    return found


# ── sheets as tables ──────────────────────────────────────────────────────
def _table(name: str, sheet: _Sheet | None, problems: Problems, notices: list[str]) -> _Table | None:
    """Header-mapped table, or None (with problems) when the sheet or a column is missing."""
    if sheet is None:
        if name not in contract.OPTIONAL_SHEETS:
            _missing_sheet(name, problems)
        return None
    header = sheet.header
    table = _Table(name, header, _column_map(name, header))
    read = _table_columns(name, header)
    merges = _reported_merges(name, sheet.merges, read, problems)
    missing = [col for col in contract.SHEET_COLUMNS[name] if col not in table.columns]
    if missing:
        _missing_columns(name, missing, sheet, problems)
        return None
    dropped: list[tuple[str, str]] = []
    for number, values in sheet.rows:
        if number == 1:
            continue
        if number <= HEADER_SEARCH_ROWS:  # kept whole: drop the columns not read
            values = {index: value for index, value in values.items() if index in read}
        if merges:
            _cover(merges, number, values, read)
        if number in sheet.marked:
            _report_cells(name, number, values, problems, dropped)
        if not all(_is_blank(value) for value in values.values()):
            table.rows.append(_Row(table, number, values))
    _notice_hidden(name, [row.number for row in table.rows if row.number in sheet.hidden], notices)
    _notice_dropped(name, dropped, notices)
    return table


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
                    values[index] = _COVERED


def _report_cells(
    sheet: str, number: int, values: dict[int, object], problems: Problems, dropped: list[tuple[str, str]]
) -> None:
    """The problems of a row's read cells that reportgen cannot use; cells whose characters were dropped."""
    for index, value in values.items():
        kind = type(value)
        if kind is _NoValue and value.problem:  # type: ignore[union-attr]
            problems.add(f"{sheet}!{get_column_letter(index + 1)}{number}", *value.problem)  # type: ignore[union-attr]
        elif kind is _Dropped:
            dropped.append((f"{get_column_letter(index + 1)}{number}", value.dropped))  # type: ignore[union-attr]


def _listed(items: list[str]) -> str:
    """The first few items, comma separated, with … when there are more."""
    shown = ", ".join(items[:SHOWN_IN_NOTICE])
    return shown + (", …" if len(items) > SHOWN_IN_NOTICE else "")


def _notice_hidden(sheet: str, numbers: list[int], notices: list[str]) -> None:
    """One notice for the hidden rows of a sheet that were read like the others."""
    if not numbers:
        return
    count, rows = len(numbers), _listed([str(number) for number in numbers])
    en = (f"{count} hidden rows of {sheet} (rows {rows}) were read like the others" if count > 1
          else f"1 hidden row of {sheet} (row {rows}) was read like the others")
    notices.append(f"{sheet} 시트의 숨긴 행 {count}개({rows}행)도 읽었습니다 / {en}")


def _notice_dropped(sheet: str, dropped: list[tuple[str, str]], notices: list[str]) -> None:
    """One notice for the cells of a sheet that lost characters no file can hold."""
    if not dropped:
        return
    count, cells = len(dropped), _listed([cell for cell, _ in dropped])
    chars = _listed(list(dict.fromkeys(f"U+{ord(char):04X}" for _, text in dropped for char in text)))
    notices.append(
        f"{sheet} 시트의 셀 {count}개({cells})에서 파일에 쓸 수 없는 글자({chars})를 뺐습니다 / "
        f"characters that no file can hold ({chars}) were removed from {count} cell{'s' if count > 1 else ''}"
        f" of {sheet} ({cells})"
    )


def _missing_columns(name: str, missing: list[str], sheet: _Sheet, problems: Problems) -> None:
    """One problem for all missing columns; it says so when the header row is further down."""
    listed = ", ".join(f"'{col}'" for col in missing)
    wanted = {header_key(col) for col in contract.SHEET_COLUMNS[name]}
    lower = next((number for number, values in sheet.rows if 1 < number <= HEADER_SEARCH_ROWS
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
    odd = [(f"{get_column_letter(index + 1)}1", _odd_characters(contract.fold(_text(value))))
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
        (f"날짜를 알 수 없습니다 ({_text(value)})", f"not a date ({_text(value)})"),
        (
            "'2023. 04.', '2023. 06. ~ 08.' 처럼 텍스트로 입력하세요 (셀 서식: 텍스트)",
            "type it as text such as '2023. 04.' or '2023. 06. ~ 08.' (cell format: Text)",
        ),
    )


# ── 설정 ──────────────────────────────────────────────────────────────────
_SETTING_KEYS = {header_key(key): key for key in contract.SETTING_KEYS}


def _setting_values(sheet: _Sheet, problems: Problems, notices: list[str]) -> dict[str, tuple[object, str]]:
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
            _report_cells(contract.SHEET_SETTINGS, number, read, problems, dropped)
        if key:
            values[key] = (cells.get(1), f"{contract.SHEET_SETTINGS}!B{number}")
            if number in sheet.hidden:
                hidden.append(number)
    _notice_hidden(contract.SHEET_SETTINGS, hidden, notices)
    _notice_dropped(contract.SHEET_SETTINGS, dropped, notices)
    return values


def _read_settings(sheet: _Sheet | None, problems: Problems, notices: list[str]) -> m.Settings:
    settings = m.Settings()
    if sheet is None:
        _missing_sheet(contract.SHEET_SETTINGS, problems)
        return settings
    values = _setting_values(sheet, problems, notices)
    settings.agency = _text(values.get(contract.KEY_AGENCY, (None,))[0])
    settings.term = _text(values.get(contract.KEY_TERM, (None,))[0])
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
            settings.as_of = _iso_date(value)
        except _Bad:
            _bad_cell(
                problems,
                where,
                (
                    f"기준일이 날짜가 아닙니다 ({_text(value)})",
                    f"기준일 is not a date ({_text(value)})",
                ),
                ("'2024-12-31' 처럼 입력하세요", "type it like '2024-12-31'"),
            )
    statuses = _split_list(values.get(contract.KEY_STATUSES, (None,))[0])
    settings.statuses = statuses or list(m.DEFAULT_STATUSES)
    if contract.KEY_DONE_STATUSES in values:
        done = _split_list(values[contract.KEY_DONE_STATUSES][0])
        settings.done_statuses = done or settings.done_statuses
        _check_done_statuses(settings, values[contract.KEY_DONE_STATUSES][1], problems)
    return settings


def _setting_year(
    values: dict[str, tuple[object, str]], key: str, problems: Problems
) -> int | None:
    if key not in values:
        return None
    value, where = values[key]
    try:
        return _year(value)
    except _Bad:
        _bad_cell(
            problems,
            where,
            (f"{key}가 연도가 아닙니다 ({_text(value)})", f"{key} is not a year ({_text(value)})"),
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
    known = {contract.status_key(status) for status in settings.statuses}
    for status in settings.done_statuses:
        if contract.status_key(status) not in known:
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
    #: (sheet, unknown 관리번호) → (index of its problem, rows with it): one problem per sheet and id
    unknown: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)

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
    if isinstance(raw, _NoValue):
        return None
    if isinstance(raw, dt.date | dt.datetime):
        _bad_cell(
            problems,
            row.where(contract.COL_ID),
            (
                f"관리번호가 날짜로 바뀌었습니다 ({_text(raw)})",
                f"관리번호 was turned into a date by Excel ({_text(raw)})",
            ),
            (
                "셀 서식을 '텍스트'로 바꾼 뒤 '3-1'처럼 다시 입력하세요",
                "format the cell as Text and type it again, e.g. 3-1",
            ),
        )
        return None
    card_id = contract.fold(_text(raw))
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
    statuses = {contract.status_key(status): status for status in ctx.settings.statuses}
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
    known = statuses.get(contract.status_key(status))
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
        progress = _percent(value)
    except _Bad:
        progress = -1
    if progress is not None and not 0 <= progress <= 100:
        _bad_cell(
            problems,
            row.where(contract.COL_PROGRESS),
            (
                f"추진율이 0~100 사이의 정수가 아닙니다 ({_text(value)})",
                f"추진율 is not a whole number from 0 to 100 ({_text(value)})",
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
    if isinstance(value, _NoValue):
        return None
    try:
        return _marker(value)
    except _Bad:
        odd_ko, odd_en = _odd_note(_text(value))
        _bad_cell(
            problems,
            row.where(contract.COL_LEVEL),
            (f"수준 '{_text(value)}'을(를) 알 수 없습니다{odd_ko}", f"unknown 수준 '{_text(value)}'{odd_en}"),
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
        return _count(value)
    except _Bad:
        _bad_cell(
            problems,
            row.where(column),
            (f"횟수가 아닙니다 ({_text(value)})", f"not a count ({_text(value)})"),
            ("1 또는 1회처럼 입력하고, 없으면 비우세요", "type 1 or 1회; leave it blank for none"),
        )
        return None


def _change_date(value: object) -> str:
    """변경일: a date keeps its day; text is normalized when it is a period, else kept."""
    if isinstance(value, dt.datetime | dt.date):
        return f"{value.year}. {value.month:02d}. {value.day:02d}."
    text = _text(value)
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
        target = _percent(value)
    except _Bad:
        target = -1
    if target is not None and not 0 <= target <= 100:
        _bad_cell(
            problems,
            row.where_index(index),
            (
                f"목표가 0~100 사이의 정수가 아닙니다 ({_text(value)})",
                f"the target is not a whole number from 0 to 100 ({_text(value)})",
            ),
            ("40 또는 40% 처럼 입력하세요", "type it like 40 or 40%"),
        )
        return None
    return target


def _is_target_row(title: str) -> bool:
    return contract.fold(title).replace(" ", "") in (m.L_TARGET_ROW, m.L_TARGET_ROW.removesuffix("(%)"))


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
            cells = [_text(row.at_index(index)) for _, index in found]
            card.annual_plan.rows.append(m.PlanRow(title, cells, _text(row.at_index(after))))
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
        return _period(value)
    except _Bad:
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


# ── the reader ────────────────────────────────────────────────────────────
_DETAIL_READERS = (
    (contract.SHEET_COOPERATION, _read_cooperation),
    (contract.SHEET_BULLETS, _read_bullets),
    (contract.SHEET_PLAN, _read_plan),
    (contract.SHEET_ACHIEVEMENTS, _read_achievements),
    (contract.SHEET_COMMUNICATION, _read_communication),
    (contract.SHEET_CHANGES, _read_changes),
)


def read_workbook(path: Path) -> m.Workbook:
    """Read and validate a master workbook; raise InputError listing every problem."""
    path = Path(path)
    problems = Problems(str(path))
    notices: list[str] = []
    sheets = _load_tables(path, problems)
    settings = _read_settings(sheets.get(contract.SHEET_SETTINGS), problems, notices)
    ctx = _Context(settings, problems)
    cards_table = _table(contract.SHEET_CARDS, sheets.get(contract.SHEET_CARDS), problems, notices)
    if cards_table is not None:
        _read_cards(cards_table, ctx)
    for name, reader in _DETAIL_READERS:
        table = _table(name, sheets.get(name), problems, notices)
        if table is not None and cards_table is not None:
            reader(table, ctx)
    problems.raise_if_any()
    return m.Workbook(settings=settings, cards=list(ctx.cards.values()), notices=notices)
