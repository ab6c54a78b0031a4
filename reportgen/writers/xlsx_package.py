"""An existing .xlsx package opened for editing in place (no openpyxl book).

The parts stay as they are until someone replaces them; :meth:`Package.member`
hands back a part's compressed bytes untouched, so that :func:`write_package`
copies every part nobody changed byte for byte. Besides the parts this module
reads what an editor needs and nothing more: the sheets and their files,
relationships, some shared strings (only those asked for), the cell styles
(with text/number variants added on demand), and a first read-only pass over a
sheet (:func:`scan_sheet`: row numbers, header cells, key cells, blank rows).

XML is parsed with lxml: no entities, no network, no DTD (a part declaring one
is refused), no huge text nodes.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from lxml import etree
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

from reportgen.writers.zippack import DEFLATED, STORED, Member, zip_members
from reportgen.xmltext import excel_unescape

PARSER_OPTIONS = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}
MAX_UNPACKED_BYTES = 512 * 1024 * 1024  # as the workbook reader
MAX_ROWS, MAX_COLUMNS = 1048576, 16384
TEXT_FORMAT_ID, GENERAL_FORMAT_ID = 49, 0  # built-in number formats "@" and General
_EAST_ASIAN_DATE_IDS = {*range(27, 32), 36, *range(50, 59)}
_OFFICE_DOCUMENT = "/officeDocument"
_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_CHUNK = 1 << 20


class PackageProblem(Exception):
    """Something in the workbook file stops the edit; the caller names the file."""

    def __init__(self, where: str, ko: str, en: str, fix_ko: str = "", fix_en: str = ""):
        super().__init__(f"{where}: {ko} / {en}")
        self.where, self.ko, self.en, self.fix_ko, self.fix_en = where, ko, en, fix_ko, fix_en


def damaged(part: str, what: str) -> PackageProblem:
    return PackageProblem(
        part, f"파일 안의 {part} 부분을 읽을 수 없습니다 ({what})",
        f"the part {part} of the file cannot be read ({what})",
        "Excel에서 열어 'Excel 통합 문서(*.xlsx)'로 다시 저장한 뒤 다시 하세요",
        "open it in Excel, save it as 'Excel Workbook (*.xlsx)' and try again")


# ── XML ───────────────────────────────────────────────────────────────────
def xml_parser(**extra: bool) -> etree.XMLParser:
    """A parser with :data:`PARSER_OPTIONS` (and ``extra`` ones, such as ``remove_comments``)."""
    return etree.XMLParser(**PARSER_OPTIONS, **extra)


def parse(data: bytes, part: str, **extra: bool) -> etree._Element:
    """A part as an element tree (``extra``: more parser options); a DTD or bad XML is a
    :class:`PackageProblem`."""
    try:
        root = etree.fromstring(data, xml_parser(**extra))
    except etree.XMLSyntaxError as exc:
        raise damaged(part, f"XML: {exc}") from None
    refuse_doctype(root, part)
    return root


def refuse_doctype(root: etree._Element | None, part: str) -> None:
    if root is not None and root.getroottree().docinfo.doctype:
        raise PackageProblem(
            part, "파일 안에 DTD(<!DOCTYPE>)가 있습니다: Excel 파일에는 없는 것으로, 공격일 수 있습니다",
            "the file holds a DTD (<!DOCTYPE>), which Excel files never do; it may be an attack (XXE)",
            "Excel에서 새 통합 문서로 다시 저장하세요", "save it again in Excel as a new workbook")


def serialize(root: etree._Element) -> bytes:
    """A part as UTF-8 bytes with its XML declaration (``standalone="yes"`` kept)."""
    standalone = True if root.getroottree().docinfo.standalone else None
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=standalone)


def ns_of(element: etree._Element) -> str:
    """``{namespace}`` of an element (transitional or strict OOXML alike)."""
    tag = element.tag
    return tag[: tag.index("}") + 1] if isinstance(tag, str) and tag.startswith("{") else ""


def local(element: etree._Element) -> str:
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def plain_text(element: etree._Element) -> str:
    """The text of a shared or inline string, without phonetic (rPh) runs."""
    ns = ns_of(element)
    return excel_unescape("".join(t.text or "" for t in element.iter(f"{ns}t") if local(t.getparent()) != "rPh"))


# ── the package ───────────────────────────────────────────────────────────
def _rel_id(element: etree._Element) -> str:
    return next((value for key, value in element.attrib.items() if key.endswith("}id")), "")


@dataclass
class Package:
    """The zip members of an .xlsx, read on demand; the workbook part and its sheets."""

    data: bytes
    archive: zipfile.ZipFile = field(init=False)
    workbook_part: str = field(init=False)
    workbook: etree._Element = field(init=False)
    #: sheet name as written in workbook.xml → its part
    sheet_parts: dict[str, str] = field(init=False)
    workbook_rels: dict[str, tuple[str, str]] = field(init=False)

    def __post_init__(self) -> None:
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(self.data))
            infos = self.archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise damaged("(zip)", str(exc)) from None
        if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
            raise damaged("(zip)", "압축을 푼 크기가 너무 큽니다 / unpacks too large")
        if any(info.flag_bits & 1 for info in infos):
            raise damaged("(zip)", "암호가 걸린 부분 / an encrypted part")
        self.names = [info.filename for info in infos]
        if len(set(self.names)) != len(self.names):
            raise damaged("(zip)", "같은 이름의 부분이 둘 / two parts with the same name")
        self._infos = {info.filename: info for info in infos}
        root_rels = self.rels("")
        self.workbook_part = next(
            (target for kind, target in root_rels.values() if kind.endswith(_OFFICE_DOCUMENT)), "xl/workbook.xml")
        self.workbook = parse(self.read(self.workbook_part), self.workbook_part)
        self.workbook_rels = self.rels(self.workbook_part)
        ns = ns_of(self.workbook)
        self.sheet_parts = {
            sheet.get("name", ""): self.workbook_rels[_rel_id(sheet)][1]
            for sheet in self.workbook.iterfind(f"{ns}sheets/{ns}sheet")
            if _rel_id(sheet) in self.workbook_rels
        }

    def has(self, name: str) -> bool:
        return name in self._infos

    def read(self, name: str) -> bytes:
        """A part's bytes; a missing or damaged part is a :class:`PackageProblem`."""
        if name not in self._infos:
            raise damaged(name, "없음 / missing")
        try:
            return self.archive.read(name)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError,
                RuntimeError) as exc:
            raise damaged(name, str(exc)) from None

    def read_large(self, name: str) -> bytearray:
        """A part's bytes read into one buffer of its declared size (no second copy while reading)."""
        info = self._infos.get(name)
        if info is None:
            raise damaged(name, "없음 / missing")
        buffer = bytearray(info.file_size)
        view, filled = memoryview(buffer), 0
        try:
            with self.archive.open(info) as source:
                while filled < len(buffer):
                    count = source.readinto(view[filled: filled + _CHUNK])
                    if not count:
                        break
                    filled += count
                if filled != len(buffer) or source.read(1):
                    raise damaged(name, "크기가 맞지 않음 / size mismatch")
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as exc:
            raise damaged(name, str(exc)) from None
        finally:
            view.release()
        return buffer

    def search(self, name: str, pattern: re.Pattern[bytes], overlap: int = 256) -> bool:
        """Does the pattern occur in a part? (streamed: the part is never whole in memory)"""
        tail = b""
        try:
            with self.archive.open(name) as source:
                while chunk := source.read(_CHUNK):
                    if pattern.search(tail + chunk):
                        return True
                    tail = chunk[-overlap:]
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as exc:
            raise damaged(name, str(exc)) from None
        return False

    def member(self, name: str) -> Member:
        """The part as it is stored (compressed bytes copied, not re-packed) when that is possible."""
        info = self._infos[name]
        if info.compress_type not in (STORED, DEFLATED):
            return Member.deflated(name, self.read(name))
        header = _LOCAL_HEADER.unpack_from(self.data, info.header_offset)
        start = info.header_offset + _LOCAL_HEADER.size + header[9] + header[10]
        raw = self.data[start: start + info.compress_size]
        if header[0] != 0x04034B50 or len(raw) != info.compress_size:
            raise damaged(name, "zip 머리 / zip header")
        return Member(name, info.compress_type, info.CRC, info.file_size, raw)

    def rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id → (type, target part) of a part ("" for the package), {} when none."""
        folder, base = posixpath.split(part)
        rels_part = posixpath.join(folder, "_rels", f"{base}.rels")
        if rels_part not in self._infos:
            return {}
        found = {}
        for rel in parse(self.read(rels_part), rels_part):
            target = rel.get("Target", "")
            if rel.get("TargetMode") == "External":
                found[rel.get("Id", "")] = (rel.get("Type", ""), "")
                continue
            name = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            found[rel.get("Id", "")] = (rel.get("Type", ""), name)
        return found

    def related(self, part: str, kind: str) -> list[str]:
        """Parts related to ``part`` whose relationship type ends in ``/kind``, present in the package."""
        return [target for rel_type, target in self.rels(part).values()
                if rel_type.endswith("/" + kind) and target in self._infos]

    def workbook_related(self, kind: str) -> str | None:
        return next((target for rel_type, target in self.workbook_rels.values()
                     if rel_type.endswith("/" + kind) and target in self._infos), None)


def write_package(package: Package, changed: dict[str, bytes | Member]) -> bytes:
    """The package with some parts replaced; every other member copied as stored, in the same order."""
    members = []
    for name in package.names:
        new = changed.get(name)
        if new is None:
            members.append(package.member(name))
        elif isinstance(new, Member):
            members.append(new)
        else:
            members.append(Member.deflated(name, new))
    return zip_members(members)


# ── shared strings ────────────────────────────────────────────────────────
@dataclass(frozen=True)
class SharedRef:
    """A cell holding shared string number ``index`` (its text is looked up later)."""

    index: int


@dataclass
class SharedStrings:
    """The blank/non-blank flag of every shared string, and the text of those asked for."""

    blank: bytearray = field(default_factory=bytearray)
    texts: dict[int, str] = field(default_factory=dict)


def read_shared_strings(package: Package, wanted: Iterable[int] = ()) -> SharedStrings:
    """Stream the shared strings once, keeping the text of ``wanted`` only."""
    part = package.workbook_related("sharedStrings")
    result = SharedStrings()
    if part is None:
        return result
    wanted = set(wanted)
    try:
        with package.archive.open(part) as source:
            context = etree.iterparse(source, events=("end",), **PARSER_OPTIONS)
            for _, element in context:
                if local(element) != "si":
                    continue
                text = plain_text(element)
                if len(result.blank) in wanted:
                    result.texts[len(result.blank)] = text
                result.blank.append(0 if text.strip() else 1)
                element.clear()
            refuse_doctype(context.root, part)
    except (etree.XMLSyntaxError, zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise damaged(part, str(exc)) from None
    return result


def cell_text(value: object, strings: SharedStrings) -> str:
    """A scanned cell value as the reader's trimmed text (whole numbers without ``.0``)."""
    if isinstance(value, SharedRef):
        return strings.texts.get(value.index, "").strip()
    if value is None or isinstance(value, Formula):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# ── styles ────────────────────────────────────────────────────────────────
class Styles:
    """The cell formats (cellXfs) of styles.xml: what kind each is, and variants made on demand.

    ``text(index)`` is a format like ``index`` but with the Text number format
    (``@``), ``number(index)`` one that is neither percent nor date (General).
    A variant that already exists is reused; a new one is appended.
    """

    def __init__(self, package: Package):
        self.part = package.workbook_related("styles")
        self.root = parse(package.read(self.part), self.part) if self.part else None
        self.changed = False
        self._formats: dict[int, str] = {}
        self._xfs: list[etree._Element] = []
        if self.root is not None:
            ns = ns_of(self.root)
            self._formats = {int(f.get("numFmtId", "0")): f.get("formatCode", "")
                             for f in self.root.iterfind(f"{ns}numFmts/{ns}numFmt")}
            holder = self.root.find(f"{ns}cellXfs")
            self._holder = holder
            self._xfs = list(holder.iterfind(f"{ns}xf")) if holder is not None else []
        self._keys = {self._key(xf): index for index, xf in reversed(list(enumerate(self._xfs)))}

    def kind(self, index: int) -> str:
        """"text", "percent", "date" or "" (General or another number format)."""
        if not 0 <= index < len(self._xfs):
            return ""
        fmt_id = int(self._xfs[index].get("numFmtId", "0"))
        if fmt_id == TEXT_FORMAT_ID:
            return "text"
        code = self._formats.get(fmt_id) or BUILTIN_FORMATS.get(fmt_id, "")
        if code == "@":
            return "text"
        if "%" in code:
            return "percent"
        if fmt_id in _EAST_ASIAN_DATE_IDS or (code and is_date_format(code)):
            return "date"
        return ""

    def text(self, index: int) -> int:
        return index if self.kind(index) == "text" else self._variant(index, TEXT_FORMAT_ID)

    def number(self, index: int) -> int:
        return index if self.kind(index) in ("", "text") else self._variant(index, GENERAL_FORMAT_ID)

    @staticmethod
    def _key(xf: etree._Element) -> bytes:
        """What makes two formats the same to Excel (the apply* flags aside)."""
        copy = etree.fromstring(etree.tostring(xf), xml_parser())
        for name in [name for name in copy.attrib if name.startswith("apply")]:
            del copy.attrib[name]
        return etree.tostring(copy, method="c14n")

    def _variant(self, index: int, fmt_id: int) -> int:
        if self.root is None or self._holder is None:
            return index
        base = self._xfs[index] if 0 <= index < len(self._xfs) else etree.Element(f"{ns_of(self.root)}xf")
        xf = etree.fromstring(etree.tostring(base), xml_parser())
        xf.set("numFmtId", str(fmt_id))
        xf.set("applyNumberFormat", "1")
        key = self._key(xf)
        if key in self._keys:
            return self._keys[key]
        self._holder.append(xf)
        self._xfs.append(xf)
        self._holder.set("count", str(len(self._xfs)))
        self._keys[key] = len(self._xfs) - 1
        self.changed = True
        return len(self._xfs) - 1

    def to_bytes(self) -> bytes:
        assert self.root is not None
        return serialize(self.root)


# ── the first pass over a sheet ───────────────────────────────────────────
class Formula(str):
    """A cell holding an error value such as ``#N/A`` (never blank, never a key)."""


@dataclass(slots=True)
class ScannedRow:
    """A row below the header: its number, the values of the key columns, and whether it is blank."""

    number: int
    keys: tuple[object, ...]
    blank: bool


_NONE = -1  # ScannedRows' mark of an empty key cell; -2 - k: the k-th of its other values


class ScannedRows:
    """A sheet's scanned rows, compactly, read back as :class:`ScannedRow` one at a time.

    A row is kept as its number, a blank flag and per key column one integer in an array: a
    shared-string number, or the position of a text or number kept once however many rows hold
    it (a card's 관리번호 is in each of its rows): some 20 bytes a row where a ScannedRow with its
    tuple and values takes some 250 (203,000 rows in the 추진실적 sheet of 5,000 cards).
    """

    def __init__(self) -> None:
        self.numbers, self.blank = array("q"), bytearray()
        self.refs: list[array] = []  # per key column, per row: shared string number, _NONE or -2 - k
        self.values: list[object] = []  # the other key values, each once
        self._known: dict[tuple[type, object], int] = {}  # (type, value) → its position in values

    def append(self, row: ScannedRow) -> None:
        if not self.numbers:
            self.refs = [array("q") for _ in row.keys]
        self.numbers.append(row.number)
        self.blank.append(row.blank)
        for refs, value in zip(self.refs, row.keys, strict=True):
            refs.append(self._ref(value))

    def _ref(self, value: object) -> int:
        if isinstance(value, SharedRef):
            return value.index
        if value is None:
            return _NONE
        key = (type(value), value)
        position = self._known.get(key)
        if position is None:
            position = self._known[key] = len(self.values)
            self.values.append(value)
        return -2 - position

    def _value(self, ref: int) -> object:
        if ref >= 0:
            return SharedRef(ref)
        return None if ref == _NONE else self.values[-2 - ref]

    def __len__(self) -> int:
        return len(self.numbers)

    def __iter__(self) -> Iterator[ScannedRow]:
        for position, number in enumerate(self.numbers):
            yield ScannedRow(number, tuple(self._value(refs[position]) for refs in self.refs),
                             bool(self.blank[position]))


@dataclass
class SheetScan:
    """What the first pass learned of a sheet."""

    header: dict[int, object] = field(default_factory=dict)
    header_styles: dict[int, int] = field(default_factory=dict)
    numbers: array = field(default_factory=lambda: array("q"))  # every <row> in order, header included
    rows: ScannedRows | list[ScannedRow] = field(default_factory=ScannedRows)  # [] once let go


_COLUMN_NUMBERS: dict[str, int] = {}


def cell_position(ref: str | None, previous: int) -> int:
    """The column number of a cell reference (the next column when there is none)."""
    if not ref:
        return previous + 1
    letters = ref.rstrip("0123456789")
    number = _COLUMN_NUMBERS.get(letters)
    if number is None:
        number = 0
        for letter in letters.upper():
            number = number * 26 + ord(letter) - 64
        if not letters or not letters.isalpha() or not letters.isascii() or not 0 < number <= MAX_COLUMNS:
            raise ValueError(f"cell {ref}")
        _COLUMN_NUMBERS[letters] = number
    return number


def _value(cell: etree._Element, ns: str) -> object:
    """A cell's value as the reader sees it (a formula by the value saved with it)."""
    kind, raw, inline = cell.get("t", "n"), None, None
    for child in cell:
        if child.tag == f"{ns}v":
            raw = child.text or ""
        elif child.tag == f"{ns}is":
            inline = child
    if inline is not None:
        return plain_text(inline)
    if raw is None or (not raw and kind != "str"):
        return None
    if kind == "s":
        return SharedRef(int(raw))
    if kind in ("str", "inlineStr"):
        return excel_unescape(raw)
    if kind == "e":
        return Formula(raw)
    if kind in ("b", "d"):
        return raw.strip()
    number = float(raw)
    return int(number) if number.is_integer() and abs(number) < 1e15 else number


def _is_blank(value: object, strings: SharedStrings) -> bool:
    if isinstance(value, SharedRef):
        return value.index < len(strings.blank) and bool(strings.blank[value.index])
    return value is None or (isinstance(value, str) and not isinstance(value, Formula) and not value.strip())


def scan_sheet(package: Package, part: str, key_columns: tuple[int, ...], strings: SharedStrings,
               read_columns: frozenset[int] | None = None, header_only: bool = False) -> SheetScan:
    """Stream a sheet once: header cells (row 1) and, per later row, its key cells and whether
    the ``read_columns`` (None: all) are blank there."""
    scan = SheetScan()
    try:
        with package.archive.open(part) as source:
            context = etree.iterparse(source, events=("end",), tag="{*}row", **PARSER_OPTIONS)
            for _, row in context:
                if not scan.numbers:
                    refuse_doctype(context.root, part)
                if local(row.getparent()) != "sheetData":
                    continue
                last = scan.numbers[-1] if scan.numbers else 0
                number = int(row.get("r") or last + 1)
                if not last < number <= MAX_ROWS:
                    raise ValueError(f"row {number}")
                scan.numbers.append(number)
                _scan_row(scan, row, number, key_columns, read_columns, strings)
                row.clear()
                while row.getprevious() is not None:
                    del row.getparent()[0]
                if header_only:
                    break
            refuse_doctype(context.root, part)
    except PackageProblem:
        raise
    except (etree.XMLSyntaxError, zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError) as exc:
        raise damaged(part, str(exc)) from None
    return scan


def _scan_row(scan: SheetScan, row: etree._Element, number: int, key_columns: tuple[int, ...],
              read_columns: frozenset[int] | None, strings: SharedStrings) -> None:
    ns = ns_of(row)
    column, keys, blank = 0, dict.fromkeys(key_columns), True
    for cell in row.iterfind(f"{ns}c"):
        column = cell_position(cell.get("r"), column)
        if number == 1:
            scan.header[column] = _value(cell, ns)
            scan.header_styles[column] = int(cell.get("s") or 0)
        elif column in keys:
            keys[column] = value = _value(cell, ns)
            if blank and (read_columns is None or column in read_columns):
                blank = _is_blank(value, strings)
        elif blank and (read_columns is None or column in read_columns):
            blank = _blank_cell(cell, ns, strings)
    if number != 1:
        scan.rows.append(ScannedRow(number, tuple(keys.values()), blank))


def _blank_cell(cell: etree._Element, ns: str, strings: SharedStrings) -> bool:
    """Is the cell's value blank? (:func:`_value` without building the text)"""
    kind = cell.get("t", "n")
    for child in cell:
        if child.tag == f"{ns}is":
            return not "".join(child.itertext()).strip()
        if child.tag == f"{ns}v":
            text = child.text or ""
            if kind == "s":
                return _is_blank(SharedRef(int(text)), strings) if text.strip().isdigit() else not text.strip()
            return not text.strip()
    return True
