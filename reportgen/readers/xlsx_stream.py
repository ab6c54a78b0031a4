"""An .xlsx as a stream of sheet rows: the zip container, shared strings, cell styles and
each wanted sheet's rows, parsed with lxml as they come (no entities, no network):
openpyxl's read-only mode took 4.5-6.6 s for 1,000 cards, this takes about 1.5 s.
openpyxl still supplies the number-format and Excel-date rules.

Memory follows the cells a sheet really holds: rows are sparse (column → value),
past :data:`~reportgen.readers.cells.HEADER_SEARCH_ROWS` only the columns the caller
reads are kept, and no number the file declares (row numbers, column letters,
dimensions, counts) sizes anything. A sheet is held whole (:meth:`XlsxBook.whole`) or
given one row at a time as it is used (:meth:`XlsxBook.stream`); equal cell texts are
one object. The container is checked first (what a file is
when it is no xlsx: :mod:`reportgen.readers.file_kind`), every failure while reading
is one :class:`~reportgen.errors.InputError` naming the file, and nothing from zipfile
or lxml escapes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import posixpath
import re
import zipfile
from collections.abc import Callable, Collection, Iterator
from pathlib import Path

from lxml import etree
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils import column_index_from_string, range_boundaries
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from reportgen import model as m
from reportgen.errors import InputError, Problem, Problems
from reportgen.readers.cells import (
    HEADER_SEARCH_ROWS,
    MARKED,
    MAX_CELL_CHARS,
    Percent,
    ReadColumns,
    Sheet,
    StreamedSheet,
    clean_text,
    error_value,
    no_saved_value,
    too_long,
)
from reportgen.readers.file_kind import (
    SNIFF_BYTES,
    XLSX_HINT_EN,
    XLSX_HINT_KO,
    foreign_format,
    foreign_problem,
)
from reportgen.xmlsafe import MAX_XML_TAGS, DoctypeError, TooManyTags, parse_xml, stream_xml

MAX_UNPACKED_BYTES = 512 * 1024 * 1024  # refuse zip bombs
MAX_ROWS, MAX_COLUMNS = 1048576, 16384  # Excel's sheet size
#: distinct texts remembered while a file is read (:meth:`XlsxFile._cleaned`), each of at most
#: KEPT_LENGTH characters (labels, dates, names; longer text is seldom repeated): 8 MB of Hangul at most
KEPT_TEXTS, KEPT_LENGTH = 1 << 14, 256


# ── the xlsx parts, parsed with lxml (openpyxl read-only is ~3-4x slower) ──
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
    """The text of a shared or inline string, without phonetic (rPh) runs, as the file holds it."""
    if len(element) == 1:
        first = element[0]
        if first.tag == f"{ns}t":  # the usual <is><t>text</t></is>
            return first.text or ""
    return "".join(t.text or "" for t in element.iter(f"{ns}t") if t.getparent().tag != f"{ns}rPh")


class XlsxFile:
    """Sheets of an .xlsx as rows of cell values: text, numbers, datetimes, Percent, NoValue, Dropped."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        root_rels = self._rels("_rels/.rels", "")
        workbook_part = next((t for kind, t in root_rels.values() if kind.endswith(_OFFICE_DOCUMENT)),
                             "xl/workbook.xml")
        workbook = parse_xml(archive.read(workbook_part))
        ns = self.ns = _ns(workbook)
        self.tags = (f"{ns}c", f"{ns}v", f"{ns}f", f"{ns}is")
        self.text_tag = f"{ns}t"
        folder = posixpath.dirname(workbook_part)
        rels = self._rels(posixpath.join(folder, "_rels", posixpath.basename(workbook_part) + ".rels"), folder)
        properties = workbook.find(f"{ns}workbookPr")
        date1904 = properties is not None and properties.get("date1904", "0") in ("1", "true")
        self.epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
        self.sheets = {
            m.fold(sheet.get("name", "")): rels[_rel_id(sheet)][1]
            for sheet in workbook.iterfind(f"{ns}sheets/{ns}sheet")
            if _rel_id(sheet) in rels
        }
        self.sheet_names = [m.fold(sheet.get("name", "")) for sheet in workbook.iterfind(f"{ns}sheets/{ns}sheet")]
        self.last_row = 0  # the last row read completely, for a problem while reading a sheet
        self.texts: dict[str, str] = {}  # see _cleaned
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
                    strings.append(self._cleaned(_plain_text(si, _ns(si))))
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

    def sheet(self, name: str, read_columns: ReadColumns) -> Sheet:
        """A sheet's rows; past row HEADER_SEARCH_ROWS only the cells of ``read_columns(header)``."""
        sheet = Sheet(whole_up_to=HEADER_SEARCH_ROWS)
        sheet.rows.extend(self._rows(name, read_columns, sheet))
        return sheet

    def stream(self, name: str, read_columns: ReadColumns) -> StreamedSheet:
        """A sheet whose rows are read as they are used: the first :data:`HEADER_SEARCH_ROWS`
        now, the others once, as ``rows`` is iterated (``merges`` is complete after that)."""
        sheet = StreamedSheet()
        rows = self._rows(name, read_columns, sheet)
        for row in rows:
            if row[0] > HEADER_SEARCH_ROWS:
                sheet.rows = itertools.chain(sheet.head, (row,), rows)
                return sheet
            sheet.head.append(row)
        sheet.rows = iter(sheet.head)
        return sheet

    def _rows(self, name: str, read_columns: ReadColumns, sheet: Sheet | StreamedSheet
              ) -> Iterator[tuple[int, dict[int, object]]]:
        """The rows of a sheet that hold a value, as they are parsed; its merged ranges, hidden and
        marked rows go to ``sheet`` (a row's flags before the row is given)."""
        row_tag, merge_tag = f"{self.ns}row", f"{self.ns}mergeCell"
        keep: set[int] | None = None
        header: dict[int, object] = {}
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
                        keep = read_columns(header)
                    values = self._row_values(sheet, element, number, keep if number > HEADER_SEARCH_ROWS else None)
                    last = self.last_row = number
                    source.reset()
                    if values:
                        header = values if number == 1 else header
                        _drop_read(element)
                        yield number, values
                        continue
                _drop_read(element)

    def _row_values(self, sheet: Sheet | StreamedSheet, row: etree._Element, number: int, keep: set[int] | None
                    ) -> dict[int, object]:
        """A row's cells that have a value, of the columns in ``keep`` (None: all); the row's
        number goes to ``sheet.hidden`` and ``sheet.marked`` when it is hidden or holds a marked cell."""
        values: dict[int, object] = {}
        marked = False
        last = 0
        cell_tag, numbers, cell_value = self.tags[0], _COLUMN_NUMBERS, self._cell
        for cell in row:
            if cell.tag != cell_tag:
                continue
            ref = cell.get("r")
            column = (numbers.get(ref.rstrip("0123456789")) or _column_number(ref)) if ref else last + 1
            if not last < column <= MAX_COLUMNS:
                raise ValueError(f"cell {ref}")
            last = column
            if keep is not None and column - 1 not in keep:
                continue  # a column reportgen does not read: ignored whatever it holds
            value = cell_value(cell)
            if value is not None:
                values[column - 1] = value
                if type(value) in MARKED:
                    marked = True
        if values:
            if row.get("hidden") in ("1", "true"):
                sheet.hidden.add(number)
            if marked:
                sheet.marked.add(number)
        return values

    def _cell(self, cell: etree._Element) -> object:
        """A cell's value; a formula is read as the value Excel saved with it."""
        _, value_tag, formula_tag, inline_tag = self.tags
        raw = formula = inline = None
        for child in cell:
            tag = child.tag
            if tag == value_tag:
                raw = child.text or ""
            elif tag == inline_tag:
                inline = child
            elif tag == formula_tag:
                formula = child
        if inline is not None:  # an inline string, as reportgen writes text
            value = self._inline_text(inline)
            return too_long(len(value)) if len(value) > MAX_CELL_CHARS else value
        kind = cell.get("t", "n")
        if raw is None or (not raw and kind != "str"):  # no value; a formula without its saved value
            return None if formula is None else no_saved_value(formula.text)
        if kind == "e":
            return error_value(raw)
        value = self._value(kind, raw, cell.get("s"))
        if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
            return too_long(len(value))
        return value

    def _inline_text(self, inline: etree._Element) -> str:
        """The cleaned text of an ``<is>``: the usual one ``<t>`` read directly."""
        if len(inline) == 1:
            first = inline[0]
            if first.tag == self.text_tag:
                return self._cleaned(first.text or "")
        return self._cleaned(_plain_text(inline, self.ns))

    def _cleaned(self, raw: str) -> str:
        """:func:`clean_text` of a cell's text, once for equal texts: the last :data:`KEPT_TEXTS`
        distinct texts of up to :data:`KEPT_LENGTH` characters are remembered. A workbook repeats
        its 관리번호, dates, markers and labels on thousands of rows: each is cleaned once and kept
        as one object (inline strings, as reportgen writes them, are otherwise one per cell)."""
        if len(raw) > KEPT_LENGTH:
            return clean_text(raw)
        text = self.texts.get(raw)
        if text is None:
            if len(self.texts) >= KEPT_TEXTS:
                self.texts.clear()
            text = self.texts[raw] = clean_text(raw)
        return text

    def _value(self, kind: str, raw: str, style: str | None) -> object:
        if kind == "s":
            return self.strings[int(raw)]
        if kind in ("str", "inlineStr"):
            return self._cleaned(raw)
        if kind == "b":
            return raw.strip() in ("1", "true")
        if kind == "d":
            return dt.datetime.fromisoformat(raw.strip().rstrip("Z"))
        return self._number(raw, int(style or "0"))

    def _number(self, raw: str, style: int) -> object:
        number: float = float(raw)
        style_kind = self.styles[style] if style < len(self.styles) else ""
        if style_kind == "percent":
            return Percent(number)
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


def _file_problem(path: Path, ko: str, en: str) -> InputError:
    return InputError(Problem(str(path), "", ko, en, XLSX_HINT_KO, XLSX_HINT_EN))


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
        head = fh.read(SNIFF_BYTES)
    if not head:
        raise _file_problem(path, "빈 파일입니다 (0바이트)", "the file is empty (0 bytes)")
    kind = foreign_format(path, head)
    if kind is not None:
        raise foreign_problem(path, kind)
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


def read_sheets(
    path: Path, problems: Problems, wanted: Collection[str], read_columns: Callable[[str], ReadColumns]
) -> dict[str, Sheet]:
    """The ``wanted`` sheets in the file, keyed by their folded names; in each, past
    :data:`HEADER_SEARCH_ROWS`, only the cells of the columns ``read_columns(name)(header)``.
    Two sheets whose names fold alike are a problem in ``problems``."""
    with open_xlsx(path, problems, wanted, read_columns) as book:
        return {name: book.whole(name) for name in book.names()}  # type: ignore[misc]


@contextlib.contextmanager
def open_xlsx(
    path: Path, problems: Problems, wanted: Collection[str], read_columns: Callable[[str], ReadColumns]
) -> Iterator[XlsxBook]:
    """The file opened for reading its ``wanted`` sheets one at a time (:class:`XlsxBook`); two
    sheets whose names fold alike are a problem in ``problems``. A damaged or foreign file is one
    :class:`~reportgen.errors.InputError`, raised here or when a sheet is read."""
    _check_container(path)
    archive = None
    try:
        archive = zipfile.ZipFile(path)
        xlsx = XlsxFile(archive)
        _duplicate_sheets(xlsx.sheet_names, wanted, problems)
    except Exception as exc:  # noqa: BLE001 - any failure here means a damaged or foreign file
        if archive is not None:
            archive.close()
        raise _failure(path, exc, "", 0) from None
    with archive:
        yield XlsxBook(path, xlsx, wanted, read_columns)


class XlsxBook:
    """The wanted sheets of an opened .xlsx, each read whole (:meth:`whole`) or as it is used
    (:meth:`stream`); a failure while reading is one :class:`~reportgen.errors.InputError`.

    Whatever order the sheets are read in, a damaged file is reported as when every wanted sheet
    is read in the file's order: the first damaged sheet in that order is the one named."""

    def __init__(self, path: Path, xlsx: XlsxFile, wanted: Collection[str],
                 read_columns: Callable[[str], ReadColumns]):
        self.path, self.xlsx, self.wanted, self.read_columns = path, xlsx, wanted, read_columns
        self.opened: set[str] = set()

    def names(self) -> list[str]:
        """The wanted sheets the file holds, in the file's order."""
        return [name for name in self.xlsx.sheets if name in self.wanted]

    def whole(self, name: str) -> Sheet | None:
        """A sheet held whole (None when the file has no such sheet)."""
        if name not in self.xlsx.sheets:
            return None
        self.opened.add(name)
        try:
            return self.xlsx.sheet(name, self.read_columns(name))
        except Exception as exc:  # noqa: BLE001 - any failure here means a damaged or foreign file
            raise self._failure(exc, name) from None

    def stream(self, name: str) -> StreamedSheet | None:
        """A sheet read as it is used (None when the file has no such sheet)."""
        if name not in self.xlsx.sheets:
            return None
        self.opened.add(name)
        try:
            sheet = self.xlsx.stream(name, self.read_columns(name))
        except Exception as exc:  # noqa: BLE001 - any failure here means a damaged or foreign file
            raise self._failure(exc, name) from None
        sheet.rows = self._guarded(name, sheet.rows)
        return sheet

    def _guarded(self, name: str, rows: Iterator[tuple[int, dict[int, object]]]
                 ) -> Iterator[tuple[int, dict[int, object]]]:
        try:
            yield from rows
        except Exception as exc:  # noqa: BLE001 - any failure here means a damaged or foreign file
            raise self._failure(exc, name) from None

    def _failure(self, exc: Exception, name: str) -> InputError:
        """The problem of a sheet that cannot be read, or of a sheet before it in the file that is
        not read yet and cannot be read either (that one is named, as when all are read in order)."""
        failure = _failure(self.path, exc, name, self.xlsx.last_row)
        for earlier in self.names()[: self.names().index(name)]:
            if earlier not in self.opened:
                self.opened.add(earlier)
                try:
                    for _ in self.xlsx._rows(earlier, self.read_columns(earlier), Sheet()):
                        pass
                except Exception as exc_earlier:  # noqa: BLE001 - as above
                    return _failure(self.path, exc_earlier, earlier, self.xlsx.last_row)
        return failure


def _failure(path: Path, exc: Exception, sheet: str, last_row: int) -> InputError:
    """The one problem of a file that cannot be read: ``exc`` raised while reading ``sheet``
    ("" outside the sheets) after its row ``last_row``."""
    if sheet and isinstance(exc, etree.XMLSyntaxError) and re.search("huge|too long", str(exc), re.I):
        return _huge_cell(path, sheet, last_row)
    if isinstance(exc, TooManyTags):
        return _too_many_elements(path, sheet, last_row if sheet else 0)
    if isinstance(exc, DoctypeError):
        return _file_problem(
            path,
            "파일 안에 DTD(<!DOCTYPE>)가 있습니다: Excel 파일에는 없는 것으로, 다른 파일을 읽으려는 공격일 수 있습니다",
            "the file holds a DTD (<!DOCTYPE>), which Excel files never do; it may be an attack (XXE)",
        )
    return _file_problem(
        path,
        f"xlsx 파일을 읽을 수 없습니다 (손상되었거나 Excel 통합 문서가 아닙니다: {type(exc).__name__})",
        f"the xlsx file cannot be read (damaged or not an Excel workbook: {type(exc).__name__})",
    )


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
        XLSX_HINT_KO, XLSX_HINT_EN))


def _duplicate_sheets(names: list[str], wanted: Collection[str], problems: Problems) -> None:
    """Two sheets whose names differ only in spaces or invisible characters: which one is meant is unclear."""
    for name in wanted:
        if names.count(name) > 1:
            problems.add(
                name,
                f"'{name}' 시트가 {names.count(name)}개 있습니다 (공백이나 보이지 않는 글자만 다른 이름)",
                f"there are {names.count(name)} sheets named '{name}' (the names differ only in spaces"
                " or invisible characters)",
                "하나만 남기고 지우거나 이름을 바꾸세요",
                "delete or rename all but one of them",
            )
