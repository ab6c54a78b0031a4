"""Read the master workbook (마스터 엑셀) into a :class:`~reportgen.model.Workbook`.

The contract is docs/master-workbook.md. Every problem in the file is collected
and reported together in one :class:`~reportgen.errors.InputError`; nothing from
zipfile or lxml escapes. Sheets are streamed with lxml (no entities, no network):
openpyxl's read-only mode took 4.5-6.6 s for 1,000 cards, this takes about 1.5 s.
openpyxl still supplies the number-format and Excel-date rules.

The sheet, column and 설정 key names are in :mod:`reportgen.workbook_contract`.
"""

from __future__ import annotations

import datetime as dt
import functools
import posixpath
import re
import zipfile
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

MAX_UNPACKED_BYTES = 512 * 1024 * 1024  # refuse zip bombs
MAX_ROWS, MAX_COLUMNS = 1048576, 16384  # Excel's sheet size
MAX_CELL_CHARS = 32767  # Excel's limit of characters in one cell

_YEAR_HEADER = re.compile(r"^(\d{4})(?:" + contract.YEAR_SUFFIX + r")?$")
_UNIT_SUFFIX = re.compile(r"\((?:%|건)\)$")
_DOTS = re.compile("[,ㆍ‧・･·]")
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")  # ECMA-376 escape of a character XML cannot hold
_CONTROL = re.compile(r"[\x00-\x08\x0c\x0e-\x1f\x7f]")
_ISO_DATE = re.compile(r"^\s*(\d{4})\s*[-./]\s*(\d{1,2})\s*[-./]\s*(\d{1,2})\s*\.?\s*$")
_XLSX_HINT_KO = "Excel에서 열어 'Excel 통합 문서(*.xlsx)'로 다시 저장하세요 (암호는 해제)"
_XLSX_HINT_EN = "open it in Excel and save it as 'Excel Workbook (*.xlsx)' without a password"


class _Percent(float):
    """A number from a cell formatted as percent (0.6 shown as 60%)."""


class _Formula(str):
    """A cell already reported as a problem (a formula, an error value such as #N/A, text
    over Excel's cell limit); every parser ignores it."""


class _Bad(ValueError):
    """A cell value that a parser cannot accept."""


def header_key(name: object) -> str:
    """A header or key name compared tolerantly.

    Surrounding and inner spaces, a trailing ``(%)``/``(건)`` unit and the kind
    of middle dot (``·`` ``,`` ``ㆍ``) do not matter.
    """
    text = _text(name)
    text = _UNIT_SUFFIX.sub("", text.strip()).strip()
    return _DOTS.sub("·", re.sub(r"\s+", "", text))


# ── cell values ───────────────────────────────────────────────────────────
def _text(value: object) -> str:
    """A cell value as trimmed text (whole numbers without ``.0``)."""
    if value is None or isinstance(value, _Formula):
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
    if value is None or isinstance(value, _Formula):
        return None
    if isinstance(value, _Percent):
        return _whole_number(value * 100)
    if isinstance(value, bool):
        raise _Bad(value)
    if isinstance(value, int | float):
        return _whole_number(value)
    text = _text(value)
    if not text:
        return None
    text = text.removesuffix("%").strip()
    try:
        return _whole_number(float(text))
    except (ValueError, OverflowError) as exc:
        raise _Bad(value) from exc


def _count(value: object) -> int | None:
    """구민소통 count: ``1회``, 1 → 1; blank or ``-`` → None."""
    if value is None or isinstance(value, _Formula):
        return None
    if isinstance(value, bool):
        raise _Bad(value)
    if isinstance(value, int | float):
        number = _whole_number(value)
    else:
        text = _text(value).removesuffix(contract.COUNT_UNIT).strip()
        if text in ("", m.COUNT_NONE):
            return None
        if not text.isdigit():
            raise _Bad(value)
        number = int(text)
    if number < 0:
        raise _Bad(value)
    return number


def _marker(value: object) -> str:
    """수준 → bullet marker: 1/2/3 (text or number), a literal marker, blank → plain."""
    if isinstance(value, bool):
        raise _Bad(value)
    text = _text(value)
    if text in m.LEVEL_TO_MARKER:
        return m.LEVEL_TO_MARKER[text]
    if text in m.MARKERS:
        return text
    if text == "":
        return m.MARK_PLAIN
    raise _Bad(value)


def _period(value: object) -> str:
    """일자 → canonical period text ("" when blank); numbers are refused (2023.10 → 2023.1)."""
    if value is None or isinstance(value, _Formula):
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return normalize_period(value)
    if isinstance(value, int | float):
        raise _Bad(value)
    text = _text(value)
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
    text = _text(value)
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
        text = _text(value)
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
    text = _text(value).replace("\n", contract.LIST_SEPARATOR)
    return [item.strip() for item in text.split(contract.LIST_SEPARATOR) if item.strip()]


# ── sheets as plain rows ──────────────────────────────────────────────────
@dataclass
class _Table:
    """One sheet: its header (name → column index) and its non-empty data rows."""

    name: str
    header: list[object]
    columns: dict[str, int] = field(default_factory=dict)
    rows: list[_Row] = field(default_factory=list)


@dataclass
class _Row:
    """One data row with its Excel row number."""

    table: _Table
    number: int
    values: list[object]

    def raw(self, column: str) -> object:
        index = self.table.columns.get(column)
        if index is None or index >= len(self.values):
            return None
        return self.values[index]

    def text(self, column: str) -> str:
        return _text(self.raw(column))

    def reported(self, column: str) -> bool:
        """The cell is already a problem (formula, error value, over-long text): no second one."""
        return isinstance(self.raw(column), _Formula)

    def at_index(self, index: int) -> object:
        return self.values[index] if index < len(self.values) else None

    def where(self, column: str) -> str:
        return self.where_index(self.table.columns.get(column, 0))

    def where_index(self, index: int) -> str:
        return f"{self.table.name}!{get_column_letter(index + 1)}{self.number}"


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# ── the xlsx container, parsed with lxml (openpyxl read-only is ~3-4x slower) ──
_PARSER_OPTIONS = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}
_OFFICE_DOCUMENT = "/officeDocument"
_REL_SHARED_STRINGS = "/sharedStrings"
_REL_STYLES = "/styles"
#: East Asian built-in date formats (ECMA-376 18.8.30) that openpyxl does not list
_EAST_ASIAN_DATE_IDS = {*range(27, 32), 36, *range(50, 59)}
_COLUMN_NUMBERS: dict[str, int] = {}


class _DoctypeError(ValueError):
    """A part declares a DTD: Office files never do, and entity attacks (XXE, billion laughs) need one."""


def _refuse_doctype(root: etree._Element | None) -> None:
    if root is not None and root.getroottree().docinfo.doctype:
        raise _DoctypeError(root.getroottree().docinfo.doctype)


def _xml(data: bytes) -> etree._Element:
    root = etree.fromstring(data, etree.XMLParser(**_PARSER_OPTIONS))
    _refuse_doctype(root)
    return root


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
        return _unescape(element[0].text or "")
    return _unescape("".join(t.text or "" for t in element.iter(f"{ns}t") if t.getparent().tag != f"{ns}rPh"))


def _unescape(text: str) -> str:
    """Excel's ``_xHHHH_`` escapes decoded; control characters dropped, CR and VT read as line breaks."""
    if "_x" not in text and "\r" not in text:
        return text
    text = _ESCAPE.sub(lambda match: chr(int(match[1], 16)), text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0b", "\n")
    return _CONTROL.sub("", text)


class _XlsxFile:
    """Sheets of an .xlsx as rows of cell values: text, numbers, datetimes, _Percent, _Formula."""

    def __init__(self, archive: zipfile.ZipFile, problems: Problems):
        self.archive = archive
        self.problems = problems
        root_rels = self._rels("_rels/.rels", "")
        workbook_part = next((t for kind, t in root_rels.values() if kind.endswith(_OFFICE_DOCUMENT)),
                             "xl/workbook.xml")
        workbook = _xml(archive.read(workbook_part))
        ns = self.ns = _ns(workbook)
        self.tags = (f"{ns}c", f"{ns}v", f"{ns}f", f"{ns}is")
        folder = posixpath.dirname(workbook_part)
        rels = self._rels(posixpath.join(folder, "_rels", posixpath.basename(workbook_part) + ".rels"), folder)
        properties = workbook.find(f"{ns}workbookPr")
        date1904 = properties is not None and properties.get("date1904", "0") in ("1", "true")
        self.epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
        self.sheets = {
            sheet.get("name", "").strip(): rels[_rel_id(sheet)][1]
            for sheet in workbook.iterfind(f"{ns}sheets/{ns}sheet")
            if _rel_id(sheet) in rels
        }
        self.sheet_names = [sheet.get("name", "").strip() for sheet in workbook.iterfind(f"{ns}sheets/{ns}sheet")]
        self.last_row = 0  # the last row read completely, for a problem while reading a sheet
        by_kind = {kind.rsplit("/", 1)[-1]: target for kind, target in rels.values()}
        self.strings = self._shared_strings(by_kind.get(_REL_SHARED_STRINGS[1:]))
        self.styles = self._style_kinds(by_kind.get(_REL_STYLES[1:]))

    def _rels(self, part: str, folder: str) -> dict[str, tuple[str, str]]:
        """Relationship id → (type, part name) of one .rels part ({} when absent)."""
        if part not in self.archive.namelist():
            return {}
        result = {}
        for rel in _xml(self.archive.read(part)):
            target = rel.get("Target", "")
            name = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            result[rel.get("Id", "")] = (rel.get("Type", ""), name)
        return result

    def _shared_strings(self, part: str | None) -> list[str]:
        if not part or part not in self.archive.namelist():
            return []
        strings = []
        with self.archive.open(part) as source:
            context = etree.iterparse(source, events=("end",), **_PARSER_OPTIONS)
            for _, si in context:
                if si.tag.endswith("}si"):
                    strings.append(_plain_text(si, _ns(si)))
                    si.clear()
            _refuse_doctype(context.root)
        return strings

    def _style_kinds(self, part: str | None) -> list[str]:
        """Per cell style index: "date", "percent" or ""."""
        if not part or part not in self.archive.namelist():
            return []
        styles = _xml(self.archive.read(part))
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

    def rows(self, name: str, refuse_merges: bool = True) -> list[list[object]]:
        """Every row of a sheet (index 0 = Excel row 1; missing rows are []); merged cells are a problem."""
        rows: list[list[object]] = []
        row_tag, merge_tag = f"{self.ns}row", f"{self.ns}mergeCell"
        self.last_row = 0
        with self.archive.open(self.sheets[name]) as source:
            context = etree.iterparse(source, events=("end",), tag=(row_tag, merge_tag), **_PARSER_OPTIONS)
            for _, row in context:
                if row.tag == merge_tag:
                    if refuse_merges:
                        _merged_cells(f"{name}!{row.get('ref', '')}", self.problems)
                        _mark_merged(rows, row.get("ref", ""))
                    continue
                number = int(row.get("r") or len(rows) + 1)
                if not len(rows) < number <= MAX_ROWS:
                    raise ValueError(f"row number {number}")
                rows.extend([] for _ in range(len(rows), number - 1))
                rows.append(self._row(name, row, number))
                self.last_row = number
                row.clear()
                while row.getprevious() is not None:
                    del row.getparent()[0]
            _refuse_doctype(context.root)
        return rows

    def _row(self, sheet: str, row: etree._Element, number: int) -> list[object]:
        values: list[object] = []
        cell_tag, value_tag, formula_tag, inline_tag = self.tags
        for cell in row:
            if cell.tag != cell_tag:
                continue
            ref = cell.get("r")
            column = _column_number(ref) if ref else len(values) + 1
            if not len(values) < column <= MAX_COLUMNS:
                raise ValueError(f"cell {ref}")
            if column - 1 > len(values):
                values.extend([None] * (column - 1 - len(values)))
            raw = formula = inline = None
            for child in cell:
                tag = child.tag
                if tag == value_tag:
                    raw = child.text
                elif tag == formula_tag:
                    formula = child
                elif tag == inline_tag:
                    inline = child
            if formula is not None:
                where = f"{sheet}!{get_column_letter(column)}{number}"
                values.append(_formula(f"={formula.text or ''}", where, self.problems))
            elif inline is not None:
                values.append(_plain_text(inline, self.ns))
            elif raw is None:
                values.append(None)
            elif cell.get("t") == "e":
                values.append(_error_value(raw, f"{sheet}!{get_column_letter(column)}{number}", self.problems))
            else:
                values.append(self._value(cell.get("t", "n"), raw, cell.get("s")))
            if type(values[-1]) is str and len(values[-1]) > MAX_CELL_CHARS:
                values[-1] = _too_long(values[-1], f"{sheet}!{get_column_letter(column)}{number}", self.problems)
        return values

    def _value(self, kind: str, raw: str, style: str | None) -> object:
        if kind == "s":
            return self.strings[int(raw)]
        if kind in ("str", "inlineStr"):
            return _unescape(raw)
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


def _formula(text: str, where: str, problems: Problems) -> _Formula:
    problems.add(
        where,
        f"수식이 들어 있습니다 ({text})",
        f"the cell holds a formula ({text})",
        "수식 대신 값을 직접 입력하세요 (복사 후 '값으로 붙여넣기')",
        "type the value, not a formula (copy, then paste as values)",
    )
    return _Formula(text)


def _mark_merged(rows: list[list[object]], ref: str) -> None:
    """The covered cells of a reported merge (all but the first) are marked, so that they raise no
    second problem (such as an empty 관리번호 on every row)."""
    min_col, min_row, max_col, max_row = range_boundaries(ref)
    for number in range(min_row, min(max_row, len(rows)) + 1):
        row = rows[number - 1]
        for column in range(min_col, min(max_col, len(row)) + 1):
            if (number, column) != (min_row, min_col):
                row[column - 1] = _Formula("")


def _merged_cells(where: str, problems: Problems) -> None:
    problems.add(
        where,
        "셀이 병합되어 있습니다 (병합된 칸은 첫 칸만 값을 가집니다)",
        "the cells are merged (only the first of merged cells holds a value)",
        "병합을 풀고 각 행에 값을 채우세요",
        "unmerge them and fill in every row",
    )


def _error_value(text: str, where: str, problems: Problems) -> _Formula:
    problems.add(
        where,
        f"Excel 오류 값이 들어 있습니다 ({text})",
        f"the cell holds an Excel error value ({text})",
        "오류를 고치고 값을 직접 입력하세요",
        "fix the error and type the value",
    )
    return _Formula(text)


def _too_long(text: str, where: str, problems: Problems) -> _Formula:
    problems.add(
        where,
        f"한 셀의 글자가 {len(text):,}자로 Excel 한도({MAX_CELL_CHARS:,}자)를 넘습니다",
        f"the cell holds {len(text):,} characters, more than Excel's limit of {MAX_CELL_CHARS:,}",
        "내용을 줄이거나 여러 행으로 나누세요",
        "shorten the text or split it over several rows",
    )
    return _Formula("")


def _file_problem(path: Path, ko: str, en: str) -> InputError:
    return InputError(Problem(str(path), "", ko, en, _XLSX_HINT_KO, _XLSX_HINT_EN))


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
        head = fh.read(8)
    if not head:
        raise _file_problem(path, "빈 파일입니다 (0바이트)", "the file is empty (0 bytes)")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _file_problem(
            path,
            "예전 .xls 형식이거나 암호가 걸린 파일입니다",
            "this is an old .xls file or a password-protected workbook",
        )
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


def _load_tables(path: Path, problems: Problems) -> dict[str, list[list[object]]]:
    """Every sheet of the contract in the file as rows of values, keyed by the trimmed name."""
    _check_container(path)
    sheet = ""
    try:
        with zipfile.ZipFile(path) as archive:
            xlsx = _XlsxFile(archive, problems)
            _duplicate_sheets(xlsx.sheet_names, problems)
            tables = {}
            for sheet in [name for name in xlsx.sheets if name in contract.SHEETS]:
                tables[sheet] = xlsx.rows(sheet, refuse_merges=sheet != contract.SHEET_SETTINGS)
            return tables
    except Exception as exc:  # noqa: BLE001 - any failure here means a damaged or foreign file
        if sheet and isinstance(exc, etree.XMLSyntaxError) and re.search("huge|too long", str(exc), re.I):
            raise _huge_cell(path, sheet, xlsx.last_row) from None
        if isinstance(exc, _DoctypeError):
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


def _duplicate_sheets(names: list[str], problems: Problems) -> None:
    """Two sheets whose names differ only in surrounding spaces: which one is meant is unclear."""
    for name in contract.SHEETS:
        if names.count(name) > 1:
            problems.add(
                name,
                f"'{name}' 시트가 {names.count(name)}개 있습니다 (앞뒤 공백만 다른 이름)",
                f"there are {names.count(name)} sheets named '{name}' (the names differ only in spaces)",
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


def _table(name: str, rows: list[list[object]] | None, problems: Problems) -> _Table | None:
    """Header-mapped table, or None (with problems) when the sheet or a column is missing."""
    if rows is None:
        if name not in contract.OPTIONAL_SHEETS:
            _missing_sheet(name, problems)
        return None
    header = rows[0] if rows else []
    table = _Table(name, header)
    for index, value in enumerate(header):
        table.columns.setdefault(header_key(value), index)
    missing = [col for col in contract.SHEET_COLUMNS[name] if header_key(col) not in table.columns]
    if missing:
        _missing_columns(name, missing, rows, problems)
        return None
    table.columns = {col: table.columns[header_key(col)] for col in contract.SHEET_COLUMNS[name]} | {
        key: index for key, index in table.columns.items()
    }
    for number, values in enumerate(rows[1:], start=2):
        if not all(_is_blank(value) for value in values):
            table.rows.append(_Row(table, number, values))
    return table


def _missing_columns(name: str, missing: list[str], rows: list[list[object]], problems: Problems) -> None:
    """One problem for all missing columns; it says so when the header row is further down."""
    listed = ", ".join(f"'{col}'" for col in missing)
    wanted = {header_key(col) for col in contract.SHEET_COLUMNS[name]}
    lower = next((number for number, values in enumerate(rows[1:10], start=2)
                  if wanted <= {header_key(value) for value in values}), None)
    if lower is not None:
        problems.add(
            f"{name}!1:1",
            f"머리글이 1행이 아니라 {lower}행에 있습니다",
            f"the header row is row {lower}, not row 1",
            f"1~{lower - 1}행을 지워 머리글을 1행으로 올리세요",
            f"delete rows 1-{lower - 1} so that the header is row 1",
        )
        return
    problems.add(
        f"{name}!1:1",
        f"{listed} 열이 없습니다",
        f"the column{'s' if len(missing) > 1 else ''} {listed} {'are' if len(missing) > 1 else 'is'} missing",
        f"1행(머리글)에 {listed} 열을 추가하세요",
        f"add {'columns' if len(missing) > 1 else 'a column'} headed {listed} in row 1",
    )


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


def _read_settings(rows: list[list[object]] | None, problems: Problems) -> m.Settings:
    settings = m.Settings()
    if rows is None:
        _missing_sheet(contract.SHEET_SETTINGS, problems)
        return settings
    values: dict[str, tuple[object, str]] = {}
    for number, row in enumerate(rows, start=1):  # keys in column A, values in B
        key = _SETTING_KEYS.get(header_key(row[0] if row else None))
        if key:
            values[key] = (row[1] if len(row) > 1 else None, f"{contract.SHEET_SETTINGS}!B{number}")
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
    known = {status.replace(" ", "") for status in settings.statuses}
    for status in settings.done_statuses:
        if status.replace(" ", "") not in known:
            _bad_cell(
                problems,
                where,
                (
                    f"완료 상태 '{status}'가 상태 목록에 없습니다",
                    f"the done status '{status}' is not in 상태 목록",
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
            first = self.problems.items[index]
            self.problems.items[index] = replace(
                first,
                ko=f"공약목록에 없는 관리번호입니다 ({card_id}; 이 시트의 {count + 1}개 행)",
                en=f"관리번호 {card_id} is not in 공약목록 ({count + 1} rows of this sheet, the first named here)",
            )
            return
        _bad_cell(
            self.problems,
            row.where(contract.COL_ID),
            (
                f"공약목록에 없는 관리번호입니다 ({card_id})",
                f"관리번호 {card_id} is not in 공약목록",
            ),
            (
                "공약목록에 있는 관리번호를 쓰거나 공약목록에 추가하세요",
                "use a 관리번호 listed in 공약목록, or add the pledge there",
            ),
        )
        self.unknown[key] = (len(self.problems.items) - 1, 1)


def _card_id(row: _Row, problems: Problems) -> str | None:
    raw = row.raw(contract.COL_ID)
    if isinstance(raw, _Formula):
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
    card_id = _text(raw)
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
    statuses = {status.replace(" ", ""): status for status in ctx.settings.statuses}
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
    known = statuses.get(status.replace(" ", ""))
    if known is None:
        listed = ", ".join(statuses.values())
        _bad_cell(
            problems,
            row.where(contract.COL_STATUS),
            (
                f"추진상황 '{status}'가 설정의 상태 목록에 없습니다",
                f"the status '{status}' is not in 설정 상태 목록",
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
    if isinstance(value, _Formula):
        return None
    try:
        return _marker(value)
    except _Bad:
        _bad_cell(
            problems,
            row.where(contract.COL_LEVEL),
            (f"수준 '{_text(value)}'을(를) 알 수 없습니다", f"unknown 수준 '{_text(value)}'"),
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
            _bad_cell(
                ctx.problems,
                row.where(contract.COL_SECTION),
                (
                    f"구분 '{row.text(contract.COL_SECTION)}'을(를) 알 수 없습니다",
                    f"unknown 구분 '{row.text(contract.COL_SECTION)}'",
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
def _year_columns(table: _Table) -> list[tuple[int, int]]:
    """(year, column index) of every header cell that is a year."""
    found = []
    for index, value in enumerate(table.header):
        try:
            year = _year(value) if not _is_blank(value) else None
        except _Bad:
            continue
        if year is not None:
            found.append((year, index))
    return found


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
    found = _year_columns(table)
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
    return title.replace(" ", "") in (m.L_TARGET_ROW, m.L_TARGET_ROW.removesuffix("(%)"))


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
    sheets = _load_tables(path, problems)
    settings = _read_settings(sheets.get(contract.SHEET_SETTINGS), problems)
    ctx = _Context(settings, problems)
    cards_table = _table(contract.SHEET_CARDS, sheets.get(contract.SHEET_CARDS), problems)
    if cards_table is not None:
        _read_cards(cards_table, ctx)
    for name, reader in _DETAIL_READERS:
        table = _table(name, sheets.get(name), problems)
        if table is not None and cards_table is not None:
            reader(table, ctx)
    problems.raise_if_any()
    return m.Workbook(settings=settings, cards=list(ctx.cards.values()))
