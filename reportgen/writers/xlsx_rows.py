"""Rewrite one worksheet part in place: blocks of rows replaced, the rows below moved.

A sheet is cut into its frame (everything but the rows: dimension, columns,
merged cells, conditional formats, data validations, hyperlinks, autofilter,
page breaks, extLst …) and its rows. The frame is parsed and edited with lxml.
The rows are cut out of the bytes one by one; a row that neither moves nor holds
a formula to adjust is copied as it is, the others are parsed (inside a wrapper
that declares the sheet's namespaces, so that nothing is re-declared), edited
and serialized. A :class:`Block` replaces ``old`` rows by new ones: each new row
keeps the row attributes (height, hidden, style) and the cells of the columns
the block does not write (the office's own columns) of the old row at its place.

Also here: the parts that hold cell positions of a sheet (comments and their
VML shapes, threaded comments, drawings, tables) moved with it.
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from lxml import etree
from openpyxl.formula.tokenizer import TokenizerError
from openpyxl.formula.translate import Translator, TranslatorError
from openpyxl.utils import get_column_letter

from reportgen.model import label_key
from reportgen.writers import xlsx_refs as refs
from reportgen.writers.xlsx_package import (
    PackageProblem,
    Styles,
    cell_position,
    damaged,
    local,
    ns_of,
    parse,
    serialize,
    xml_parser,
)
from reportgen.xmltext import excel_literal

_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_ATTRS = rb"(?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*"
_TAG = re.compile(rb"<[^\s/>!?]+" + _ATTRS + rb"\s*(/?)>")
_ROW_NUMBER = re.compile(rb"\sr\s*=\s*[\"'](\d+)[\"']")
#: a cell formula in a worksheet part
FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_SHEET_DATA = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)sheetData(?=[\s/>])")
_DECLARATION = re.compile(rb"^(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']+)[\"']")
_BATCH_BYTES = 1 << 20
#: new rows of a block built and serialized together (a block of thousands of cards is not one tree)
_BLOCK_ROWS = 500
#: frame elements whose ``ref`` holds a range (True: it may grow over appended rows)
_REF_TAGS = {"dimension": True, "autoFilter": True, "sortState": True, "sortCondition": True,
             "mergeCell": False, "hyperlink": False}
_FORMULA_TAGS = {"formula", "formula1", "formula2", "f"}
_DATA_RANGE_TAGS = {"conditionalFormatting", "dataValidation"}
_NEW_ROW_DROPS = ("r", "spans", "ht", "customHeight", "thickBot", "thickTop", "hidden")


# ── what to do ────────────────────────────────────────────────────────────
@dataclass
class NewRow:
    """A row to write: column (new numbering) → value; None or "" leaves the cell empty."""

    values: dict[int, object]
    styles: dict[int, int] = field(default_factory=dict)  # a style chosen by the caller


@dataclass
class Block:
    """``old`` rows from ``start`` replaced by ``rows``; ``columns`` are the columns they write."""

    start: int
    old: int
    rows: list[NewRow]
    columns: frozenset[int]
    append: bool = False  # inserted below the last data row
    label: str = ""  # for notices: whose rows these are
    quiet: bool = False  # cells dropped with deleted columns need no notice (a header being rewritten)
    kept: int | None = None  # old rows the new rows continue, in order (None: as many as both have)

    @property
    def edit(self) -> refs.Edit:
        return refs.Edit(self.start, self.old, len(self.rows), self.append, self.kept)


@dataclass
class SheetJob:
    """The edits of one sheet."""

    blocks: list[Block]
    maps: refs.SheetMaps
    data_rows: list[int] = field(default_factory=list)  # non-blank rows below the header (old numbers)
    numbers: array | None = None  # every row number, from the first pass (cross-check)
    status_column: int | None = None  # 추진상황 column whose inline drop-down gets ``statuses``
    statuses: list[str] = field(default_factory=list)


@dataclass
class EditContext:
    """What every rewritten part shares."""

    maps: dict[str, refs.SheetMaps]  # sheet name (as in workbook.xml) → its maps, for sheets whose cells move
    styles: Styles
    notices: list[str] = field(default_factory=list)
    max_inline_list: int = 255
    shared_text: Callable[[int], str] = str  # shared string number → its text (for notices)


# ── cutting a sheet into frame and rows ───────────────────────────────────
class Spans:
    """Where each row of a sheet lies in its bytes: row numbers, starts and ends (compact arrays)."""

    def __init__(self) -> None:
        self.numbers, self.starts, self.ends = array("q"), array("q"), array("q")

    def add(self, number: int, start: int, end: int) -> None:
        self.numbers.append(number)
        self.starts.append(start)
        self.ends.append(end)

    def __iter__(self) -> Iterator[tuple[int, int, int]]:
        return zip(self.numbers, self.starts, self.ends, strict=True)

    def find(self, number: int) -> tuple[int, int] | None:
        """(start, end) of a row, None when the sheet has no such row."""
        at = bisect.bisect_left(self.numbers, number)
        if at < len(self.numbers) and self.numbers[at] == number:
            return self.starts[at], self.ends[at]
        return None


@dataclass
class _Cut:
    data: bytes | bytearray
    prefix: bytes  # namespace prefix of sheetData ("" or "x:")
    open_start: int  # start of <sheetData> (or of <sheetData/>)
    close_end: int  # end of </sheetData> (or of <sheetData/>)
    rows: Spans


def _normalized(data: bytes, part: str) -> bytes:
    """The part as plain UTF-8 without comments, processing instructions or CDATA (Excel writes none)."""
    declared = _DECLARATION.match(data)
    encoding = declared[1].lower().replace(b"-", b"") if declared else b"utf8"
    body = declared.end() if declared else 0
    if encoding == b"utf8" and b"<!--" not in data and b"<![CDATA[" not in data and data.find(b"<?", body) < 0:
        return data
    return serialize(parse(bytes(data), part, remove_comments=True, remove_pis=True, strip_cdata=True))


def _cut(data: bytes, part: str) -> _Cut:
    start = _SHEET_DATA.search(data)
    tag = _TAG.match(data, start.start()) if start else None
    if start is None or tag is None:
        raise damaged(part, "sheetData")
    prefix = start[1]
    if tag[1] == b"/":
        return _Cut(data, prefix, start.start(), tag.end(), Spans())
    close = re.compile(rb"</" + re.escape(prefix) + rb"sheetData\s*>").search(data, tag.end())
    if close is None:
        raise damaged(part, "sheetData")
    return _Cut(data, prefix, start.start(), close.end(), _row_spans(data, tag.end(), close.start(), prefix, part))


def _row_spans(data: bytes | bytearray, start: int, end: int, prefix: bytes, part: str) -> Spans:
    opening = re.compile(rb"<" + re.escape(prefix) + rb"row(?=[\s/>])")
    closing = re.compile(rb"</" + re.escape(prefix) + rb"row\s*>")
    spans = Spans()
    position, last = start, 0
    while True:
        found = opening.search(data, position, end)
        if data[position: found.start() if found else end].strip():
            raise damaged(part, "sheetData")
        if found is None:
            return spans
        tag = _TAG.match(data, found.start(), end)
        if tag is None:
            raise damaged(part, "row")
        row_end = tag.end()
        if tag[1] != b"/":
            close = closing.search(data, tag.end(), end)
            if close is None:
                raise damaged(part, "row")
            row_end = close.end()
        number = _ROW_NUMBER.search(tag[0])
        last = int(number[1]) if number else last + 1
        spans.add(last, found.start(), row_end)
        position = row_end


# ── the wrapper: parse and serialize rows without re-declaring namespaces ──
class _Wrapper:
    """Rows parsed inside ``<w …namespace declarations of sheetData…>``."""

    def __init__(self, nsmap: dict[str | None, str]):
        declarations = b"".join(
            b" xmlns" + (b":" + prefix.encode() if prefix else b"") + b'="' + _attr(uri).encode() + b'"'
            for prefix, uri in nsmap.items())
        self.open, self.close = b"<w" + declarations + b">", b"</w>"
        self.parser = xml_parser()

    def parse(self, rows: bytes) -> etree._Element:
        return etree.fromstring(self.open + rows + self.close, self.parser)

    @staticmethod
    def inner(wrapper: etree._Element) -> bytes:
        text = etree.tostring(wrapper, encoding="UTF-8", xml_declaration=False)
        start = text.index(b">") + 1
        if text[start - 2: start] == b"/>":
            return b""
        return text[start: text.rindex(b"</")]


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


# ── formulas in cells ─────────────────────────────────────────────────────
class _Formulas:
    """Moves the references of cell formulas; shared formulas become one formula per cell first."""

    def __init__(self, own: str, ctx: EditContext, own_maps: refs.SheetMaps | None):
        self.own, self.ctx, self.own_maps = own, ctx, own_maps
        self.masters: dict[str, tuple[str, str] | None] = {}
        self.changed = False

    def cell(self, cell: etree._Element, old_ref: str, ns: str) -> None:
        formula = cell.find(f"{ns}f")
        if formula is None or not self.ctx.maps:
            return
        text = self._unshared(formula, old_ref)
        if text is None:
            return
        kind = formula.get("t")
        if kind in ("array", "dataTable") and self.own_maps is not None:
            for name in ("ref", "r1", "r2"):
                if formula.get(name):
                    formula.set(name, refs.shift_ref(formula.get(name), self.own_maps) or refs.REF_ERROR)
        moved = refs.shift_formula(text, self.own, self.ctx.maps)
        if moved is None:
            self.ctx.notices.append(
                f"{self.own}!{old_ref}: 수식을 읽지 못해 그대로 두었습니다 / a formula that could not be parsed was left as it is")
            return
        if moved != formula.text:
            formula.text = moved
            self.changed = True

    def _unshared(self, formula: etree._Element, old_ref: str) -> str | None:
        """The cell's own formula text (a shared formula is made plain); None when left alone."""
        if formula.get("t") != "shared":
            return formula.text or ""
        index = formula.get("si", "")
        if formula.get("ref") is not None and formula.text:
            fine = refs.shift_formula(formula.text, self.own, {}) is not None
            self.masters[index] = (formula.text, old_ref) if fine else None
            text = formula.text
        else:
            master = self.masters.get(index)
            if master is None:
                return None
            try:
                text = Translator("=" + master[0], origin=master[1]).translate_formula(old_ref)[1:]
            except (TranslatorError, TokenizerError, ValueError):
                return None
        for name in ("t", "ref", "si"):
            formula.attrib.pop(name, None)
        formula.text = text
        self.changed = True
        return text


# ── cells ─────────────────────────────────────────────────────────────────
def _split_ref(ref: str) -> tuple[int, int]:
    letters = ref.rstrip("0123456789")
    return int(ref[len(letters):]), cell_position(letters, 0)


def _has_value(cell: etree._Element, ns: str) -> bool:
    for child in cell:
        if child.tag in (f"{ns}v", f"{ns}f") and (child.text or "").strip():
            return True
        if child.tag == f"{ns}is" and "".join(child.itertext()).strip():
            return True
    return False


def _new_cell(parent: etree._Element, ns: str, ref: str, value: object, style: int) -> etree._Element:
    cell = etree.SubElement(parent, f"{ns}c", r=ref)
    if style:
        cell.set("s", str(style))
    if isinstance(value, str):
        cell.set("t", "inlineStr")
        node = etree.SubElement(etree.SubElement(cell, f"{ns}is"), f"{ns}t")
        node.text = excel_literal(value)
        if value != value.strip():
            node.set(_XML_SPACE, "preserve")
    elif value is not None:
        etree.SubElement(cell, f"{ns}v").text = repr(value) if isinstance(value, float) else str(value)
    return cell


def _empty(value: object) -> bool:
    return value is None or value == ""


# ── the sheet ─────────────────────────────────────────────────────────────
class SheetRewriter:
    """Rewrites one worksheet part (``job`` None: only formulas pointing into moved sheets)."""

    def __init__(self, data: bytes, part: str, own: str, job: SheetJob | None, ctx: EditContext):
        self.part, self.own, self.job, self.ctx = part, own, job, ctx
        self.cut = _cut(_normalized(data, part), part)
        if job is not None and job.numbers is not None and self.cut.rows.numbers != job.numbers:
            raise damaged(part, "row numbers")
        self.maps = job.maps if job is not None else None
        self.formulas = _Formulas(own, ctx, self.maps)
        prefix = re.escape(self.cut.prefix)
        #: the ``r`` attribute of a row or cell start tag (quoted attribute values skipped whole)
        self.row_numbers = re.compile(rb"(<" + prefix + rb"(?:row|c)(?=\s)(?:[^>\"']|\"[^\"]*\"|'[^']*')*?\sr\s*=\s*[\"'])"
                                      rb"([A-Za-z]*)(\d+)")
        self.frame_changed = False

    # -- the frame --
    def _frame(self) -> etree._Element:
        cut = self.cut
        data = cut.data
        marker_tag = b"<" + cut.prefix + b"sheetData/>"
        return parse(bytes(data[: cut.open_start]) + marker_tag + bytes(data[cut.close_end:]), self.part)

    def _prepare(self) -> tuple[bytes, bytes]:
        """Edit the frame; the part's bytes before and after the rows."""
        frame = self._frame()
        ns = ns_of(frame)
        sheet_data = frame.find(f"{ns}sheetData")
        if sheet_data is None:
            raise damaged(self.part, "sheetData")
        self.wrapper = _Wrapper(dict(sheet_data.nsmap))
        self.ns = ns
        self._edit_frame(frame)
        self.column_styles = _column_styles(frame, ns)
        marker = "\ue000reportgen-rows\ue000"
        sheet_data.text = marker
        head, _, tail = serialize(frame).partition(marker.encode("utf-8"))
        return head, tail

    def chunks(self) -> Iterator[bytes]:
        """The new part, piece by piece (the rows are not all held at once)."""
        head, tail = self._prepare()
        yield head
        yield from self._rows()
        yield tail

    def rewrite(self) -> bytes | None:
        """The new part, or None when nothing changed."""
        head, tail = self._prepare()
        body = list(self._rows())
        if self.job is None and not self.frame_changed and not self.formulas.changed:
            return None
        return b"".join([head, *body, tail])

    def _edit_frame(self, frame: etree._Element) -> None:
        job = self.job
        if job is not None:
            shift_frame(frame, job.maps)
            self.frame_changed = True
        if self.ctx.maps:
            self.frame_changed |= self._frame_formulas(frame)
        if job is not None and job.status_column is not None and job.statuses:
            self.frame_changed |= self._status_list(frame, job.status_column, job.statuses)
        if job is not None:
            self.frame_changed |= _grow_dimension(frame, job)

    def _frame_formulas(self, frame: etree._Element) -> bool:
        changed = False
        for element in frame.iter():
            if local(element) in _FORMULA_TAGS and element.text:
                moved = refs.shift_formula(element.text, self.own, self.ctx.maps)
                if moved is not None and moved != element.text:
                    element.text, changed = moved, True
        return changed

    def _status_list(self, frame: etree._Element, column: int, statuses: list[str]) -> bool:
        """Add statuses to the inline list drop-down of the 추진상황 column, while it fits."""
        ns, changed = ns_of(frame), False
        for validation in frame.iter(f"{ns}dataValidation"):
            formula = validation.find(f"{ns}formula1")
            if validation.get("type") != "list" or formula is None or not _covers(validation.get("sqref", ""), column):
                continue
            text = formula.text or ""
            if not (len(text) >= 2 and text[0] == text[-1] == '"'):
                continue
            items = text[1:-1].split(",")
            known = {label_key(item) for item in items}
            added = [status for status in statuses if label_key(status) not in known]
            new_text = '"' + ",".join(items + added) + '"'
            if not added:
                continue
            if len(new_text) > self.ctx.max_inline_list:
                self.ctx.notices.append(
                    f"{self.own} 추진상황 드롭다운 목록이 {self.ctx.max_inline_list}자를 넘게 되어 "
                    f"'{', '.join(added)}'을(를) 넣지 못했습니다 (설정의 상태 목록에는 넣었습니다) / the 추진상황 "
                    f"drop-down list would exceed {self.ctx.max_inline_list} characters: '{', '.join(added)}' is in "
                    "설정 상태 목록 but not in the drop-down")
                continue
            formula.text = new_text
            old_list, new_list = ", ".join(items), ", ".join(items + added)
            if old_list in validation.get("error", ""):
                validation.set("error", validation.get("error", "").replace(old_list, new_list))
            changed = True
        return changed

    # -- the rows --
    def _rows(self) -> Iterator[bytes]:
        blocks = sorted(self.job.blocks, key=lambda b: b.start) if self.job else []
        batch: list[tuple[int, int, int]] = []
        kind = ""
        pending: list[tuple[int, int, int]] = []  # old rows of the current block
        index = 0
        for span in self.cut.rows:
            number = span[0]
            while index < len(blocks) and blocks[index].start + blocks[index].old <= number:
                yield from self._flush(batch, kind)
                yield from self._block(blocks[index], pending)
                index, pending = index + 1, []
            if index < len(blocks) and blocks[index].start <= number:
                pending.append(span)
                continue
            row_kind = self._kind(span)
            if row_kind != kind or (batch and span[2] - batch[0][1] > _BATCH_BYTES):
                yield from self._flush(batch, kind)
                kind = row_kind
            if row_kind == "copy":
                yield self.cut.data[span[1]: span[2]]
            else:
                batch.append(span)
        yield from self._flush(batch, kind)
        for block in blocks[index:]:
            yield from self._block(block, pending)
            pending = []

    def _kind(self, span: tuple[int, int, int]) -> str:
        """"copy" (as it is), "shift" (only its number changes) or "parse" (formulas, columns)."""
        number, start, end = span
        if self.ctx.maps and FORMULA_TAG.search(self.cut.data, start, end):
            return "parse"
        if self.maps is None:
            return "copy"
        if not self.maps.columns.identity:
            return "parse"
        return "copy" if self.maps.rows.point(number) == number else "shift"

    def _flush(self, batch: list[tuple[int, int, int]], kind: str) -> Iterator[bytes]:
        if not batch:
            return
        data = self.cut.data[batch[0][1]: batch[-1][2]]
        batch.clear()
        if kind == "shift":
            yield self._shifted(data)
            return
        wrapper = self.wrapper.parse(data)
        for row in wrapper:
            self._move_row(row)
        yield _Wrapper.inner(wrapper)

    def _shifted(self, data: bytes) -> bytes:
        """Rows without formulas whose number changes: the ``r`` of each row and cell rewritten in the bytes."""
        point = self.maps.rows.point if self.maps is not None else (lambda n: n)
        moved: dict[bytes, bytes] = {}

        def number(match: re.Match[bytes]) -> bytes:
            new = moved.get(match[3])
            if new is None:
                target = point(int(match[3]))
                new = moved[match[3]] = str(target).encode() if target is not None else match[3]
            return match[1] + match[2] + new
        return self.row_numbers.sub(number, data)

    def _move_row(self, row: etree._Element) -> None:
        """A row that stays a row: its number, its cells' positions and formulas moved."""
        ns = self.ns
        number = int(row.get("r") or 0)
        maps = self.maps
        new_number = maps.rows.point(number) if maps is not None and number else number
        if new_number is None:
            raise damaged(self.part, f"row {number}")
        if row.get("r"):
            row.set("r", str(new_number))
        same_columns = maps is None or maps.columns.identity
        if not same_columns:
            row.attrib.pop("spans", None)
        formulas = bool(self.ctx.maps) and row.find(f"{ns}c/{ns}f") is not None
        for cell in list(row.iterfind(f"{ns}c")):
            ref = cell.get("r")
            if formulas:
                self.formulas.cell(cell, ref or "", ns)
            if not ref or maps is None:
                continue
            if same_columns:
                cell.set("r", f"{ref.rstrip('0123456789')}{new_number}")
                continue
            column = maps.columns.point(_split_ref(ref)[1])
            if column is None:
                self._dropped(cell, ref)
                row.remove(cell)
            else:
                cell.set("r", f"{get_column_letter(column)}{new_number}")

    def _dropped(self, cell: etree._Element, ref: str, label: str = "") -> None:
        """Say, with its value, that a cell went with its row (a line the card no longer has) or column."""
        if not _has_value(cell, self.ns):
            return
        value = self._shown(cell)
        if label:
            self.ctx.notices.append(
                f"{self.own}!{ref} '{value}': 카드 {label}에 이 줄이 없어져 옆에 적힌 이 칸도 지워졌습니다 / "
                f"the card {label} no longer has the line this cell stood beside, so it was removed with it")
        else:
            self.ctx.notices.append(f"{self.own}!{ref} '{value}': 열이 지워지며 이 칸의 값도 지워졌습니다 / "
                                    "the value of this cell was removed with its column")

    def _shown(self, cell: etree._Element) -> str:
        """What a cell shows, for a notice: its text, number or formula (at most 60 characters)."""
        ns = self.ns
        formula = cell.find(f"{ns}f")
        inline = cell.find(f"{ns}is")
        number = cell.findtext(f"{ns}v") or ""
        if formula is not None and formula.text:
            text = "=" + formula.text
        elif inline is not None:
            text = "".join(inline.itertext())
        elif cell.get("t") == "s" and number.strip().isdigit():
            text = self.ctx.shared_text(int(number))
        else:
            text = number
        return text if len(text) <= 60 else text[:59] + "…"

    # -- a block --
    def _block(self, block: Block, spans: list[tuple[int, int, int]]) -> Iterator[bytes]:
        """The block's new rows, serialized ``_BLOCK_ROWS`` at a time (the whole block is never one tree)."""
        assert self.maps is not None
        old_rows = self._old_rows(block, spans)
        first = self.maps.rows.placed(block.start)
        neighbour = _Lazy(lambda: self._neighbour(block))
        for slice_start in range(0, len(block.rows), _BLOCK_ROWS):
            wrapper = self.wrapper.parse(b"")
            for i in range(slice_start, min(slice_start + _BLOCK_ROWS, len(block.rows))):
                base = old_rows[i] if i < block.edit.continued else None
                row = etree.SubElement(wrapper, f"{self.ns}row")
                self._row_attributes(row, block, base, old_rows)
                row.set("r", str(first + i))
                self._fill(row, block, block.rows[i], base, old_rows, neighbour)
            yield _Wrapper.inner(wrapper)
        for i in range(block.edit.continued, block.old):
            self._removed_row(old_rows[i], block)

    def _old_rows(self, block: Block, spans: list[tuple[int, int, int]]) -> list[etree._Element | None]:
        """The rows the block replaces (None where the sheet has no row), their formulas moved, out of any tree."""
        ns = self.ns
        wrapper = self.wrapper.parse(self.cut.data[spans[0][1]: spans[-1][2]] if spans else b"")
        olds = {int(row.get("r") or spans[i][0]): row for i, row in enumerate(wrapper)}
        for row in olds.values():
            for cell in row.iterfind(f"{ns}c"):
                self.formulas.cell(cell, cell.get("r") or "", ns)
        old_rows = [olds.get(block.start + i) for i in range(block.old)]
        for row in list(wrapper):
            wrapper.remove(row)
        return old_rows

    def _row_attributes(self, row: etree._Element, block: Block, base: etree._Element | None,
                        old_rows: list[etree._Element | None]) -> None:
        present = [old for old in old_rows if old is not None]
        source = base if base is not None else (present[-1] if present else None)
        if source is None:
            return
        for name, value in source.attrib.items():
            if name in ("r", "spans") or (base is None and name in _NEW_ROW_DROPS):
                continue
            if name == "hidden" and block.append:
                continue
            row.set(name, value)
        if base is None and present and all(old.get("hidden") in ("1", "true") for old in present) \
                and not block.append:
            row.set("hidden", "1")

    def _fill(self, row: etree._Element, block: Block, new: NewRow, base: etree._Element | None,
              old_rows: list[etree._Element | None], neighbour: _Lazy) -> None:
        ns, maps = self.ns, self.maps
        assert maps is not None
        number = int(row.get("r", "0"))
        kept: dict[int, etree._Element] = {}
        base_styles: dict[int, int] = {}
        for cell in list(base.iterfind(f"{ns}c")) if base is not None else []:
            column = maps.columns.point(_split_ref(cell.get("r") or "A1")[1]) if cell.get("r") else None
            if column is None:
                if not block.quiet:
                    self._dropped(cell, cell.get("r") or "", block.label)
            elif column in block.columns:
                base_styles[column] = int(cell.get("s") or 0)
            else:
                cell.set("r", f"{get_column_letter(column)}{number}")
                kept[column] = cell
        cells: dict[int, etree._Element] = {}
        for column in sorted(block.columns):
            value = new.values.get(column)
            if _empty(value) and column not in base_styles:
                continue
            style = self._style(column, value, new, base_styles, old_rows, neighbour)
            cells[column] = _new_cell(row, ns, f"{get_column_letter(column)}{number}",
                                      None if _empty(value) else value, style)
        for cell in list(row):
            row.remove(cell)
        for column in sorted({**kept, **cells}):
            row.append(cells.get(column, kept.get(column)))

    def _style(self, column: int, value: object, new: NewRow, base_styles: dict[int, int],
               old_rows: list[etree._Element | None], neighbour: _Lazy) -> int:
        """The given style, else the old cell's, else the column's in a neighbouring data row, else the column's."""
        style = new.styles.get(column, base_styles.get(column))
        if style is None:
            style = next((s for s in (_style_at(old, column, self.ns, self.maps) for old in old_rows) if s is not None),
                         None)
        if style is None:
            style = neighbour.get().get(column)
        if style is None:
            style = self.column_styles(column)
        if _empty(value):
            return style
        return self.ctx.styles.text(style) if isinstance(value, str) else self.ctx.styles.number(style)

    def _neighbour(self, block: Block) -> dict[int, int]:
        """Cell styles of the nearest data row above the block (else below), by new column."""
        rows = self.job.data_rows if self.job else []
        above = bisect.bisect_left(rows, block.start)
        below = bisect.bisect_left(rows, block.start + block.old)
        candidates = ([rows[above - 1]] if above else []) + ([rows[below]] if below < len(rows) else [])
        for number in candidates:
            span = self.cut.rows.find(number)
            if span is None:
                continue
            row = self.wrapper.parse(self.cut.data[span[0]: span[1]])[0]
            found = {}
            for cell in row.iterfind(f"{self.ns}c"):
                if cell.get("r"):
                    column = self.maps.columns.point(_split_ref(cell.get("r"))[1]) if self.maps else None
                    if column is not None:
                        found[column] = int(cell.get("s") or 0)
            return found
        return {}

    def _removed_row(self, old: etree._Element | None, block: Block) -> None:
        if old is None:
            return
        for cell in old.iterfind(f"{self.ns}c"):
            column = _split_ref(cell.get("r") or "A1")[1]
            new_column = self.maps.columns.point(column) if self.maps else column
            if new_column not in block.columns:
                self._dropped(cell, cell.get("r") or "", block.label)


class _Lazy:
    """A value computed the first time it is needed."""

    def __init__(self, make: Callable[[], dict[int, int]]):
        self.make, self.value = make, None

    def get(self) -> dict[int, int]:
        if self.value is None:
            self.value = self.make()
        return self.value


def _style_at(row: etree._Element | None, column: int, ns: str, maps: refs.SheetMaps | None) -> int | None:
    if row is None:
        return None
    for cell in row.iterfind(f"{ns}c"):
        ref = cell.get("r")
        if ref and (maps.columns.point(_split_ref(ref)[1]) if maps else _split_ref(ref)[1]) == column:
            return int(cell.get("s") or 0)
    return None


def _column_styles(frame: etree._Element, ns: str) -> Callable[[int], int]:
    """Column number → the default style of the column (``<col style>``), 0 when none."""
    ranges = [(int(col.get("min", "0")), int(col.get("max", "0")), int(col.get("style") or 0))
              for col in frame.iterfind(f"{ns}cols/{ns}col")]

    def style(column: int) -> int:
        return next((s for low, high, s in ranges if low <= column <= high), 0)
    return style


def _covers(sqref: str, column: int) -> bool:
    for part in sqref.replace("$", "").split():
        low, _, high = part.partition(":")
        try:
            first = _split_ref(low)[1] if low[-1:].isdigit() else cell_position(low.replace("$", ""), 0)
            last = _split_ref(high)[1] if high[-1:].isdigit() else cell_position(high.replace("$", ""), 0)
        except (ValueError, IndexError):
            continue
        if first <= column <= (last if high else first):
            return True
    return False


# ── the frame's cell positions ────────────────────────────────────────────
def shift_frame(frame: etree._Element, maps: refs.SheetMaps) -> None:
    """Move every position in the frame: dimension, columns, merged cells, formats, validations,
    hyperlinks, autofilter, page breaks, x14 extensions. Ranges left with nothing are removed."""
    removed: list[etree._Element] = []
    for element in list(frame.iter()):
        name = local(element)
        if name in ("selection", "pane", "sheetData"):
            continue
        if "sqref" in element.attrib:
            new = _shift_sqref(element.get("sqref", ""), maps, name in _DATA_RANGE_TAGS)
            _set_or_remove(element, "sqref", new, removed)
        elif name in _REF_TAGS and "ref" in element.attrib:
            _set_or_remove(element, "ref", refs.shift_ref(element.get("ref", ""), maps, _REF_TAGS[name]) or "",
                           removed)
        elif name == "sqref" and element.text:
            new = _shift_sqref(element.text, maps, True)
            if new:
                element.text = new
            elif element.getparent() is not None:
                removed.append(element.getparent())
        elif name == "col":
            _shift_col(element, maps.columns, removed)
        elif name == "brk" and element.getparent() is not None:
            axis = maps.rows if local(element.getparent()) == "rowBreaks" else maps.columns
            moved = axis.point(int(element.get("id", "0") or 0))
            _set_or_remove(element, "id", str(moved) if moved else "", removed)
    _remove(removed)


def _shift_sqref(sqref: str, maps: refs.SheetMaps, data_ranges: bool) -> str:
    parts = []
    for part in sqref.split():
        first_row = re.search(r"\d+", part)
        extend = data_ranges and first_row is not None and int(first_row[0]) >= 2
        moved = refs.shift_ref(part, maps, extend)
        if moved:
            parts.append(moved)
    return " ".join(parts)


def _shift_col(col: etree._Element, columns: refs.AxisMap, removed: list[etree._Element]) -> None:
    span = columns.span(int(col.get("min", "1")), int(col.get("max", "1")))
    if span is None:
        removed.append(col)
    else:
        col.set("min", str(span[0]))
        col.set("max", str(span[1]))


def _set_or_remove(element: etree._Element, name: str, value: str, removed: list[etree._Element]) -> None:
    if value:
        element.set(name, value)
    else:
        removed.append(element)


def _remove(elements: list[etree._Element]) -> None:
    """Remove elements; a container left empty goes too, and ``count`` attributes follow."""
    for element in elements:
        parent = element.getparent()
        if parent is None:
            continue
        parent.remove(element)
        if "count" in parent.attrib:
            parent.set("count", str(len(parent)))
        if "manualBreakCount" in parent.attrib:
            parent.set("manualBreakCount", str(len(parent)))
        if len(parent) == 0 and local(parent) in ("dataValidations", "mergeCells", "hyperlinks", "rowBreaks",
                                                   "colBreaks", "cols", "conditionalFormattings",
                                                   "protectedRanges", "ignoredErrors"):
            grand = parent.getparent()
            if grand is not None:
                grand.remove(parent)


def _grow_dimension(frame: etree._Element, job: SheetJob) -> bool:
    """The used range covers the new rows."""
    ns = ns_of(frame)
    dimension = frame.find(f"{ns}dimension")
    new_rows = [(job.maps.rows.placed(b.start) + len(b.rows) - 1, max(b.columns, default=1))
                for b in job.blocks if b.rows]
    if dimension is None or not new_rows:
        return False
    low, _, high = dimension.get("ref", "A1").partition(":")
    try:
        row, column = _split_ref((high or low).replace("$", ""))
    except ValueError:
        return False
    last_row = max(row, *(r for r, _ in new_rows))
    last_column = max(column, *(c for _, c in new_rows))
    ref = f"{low}:{get_column_letter(last_column)}{last_row}"
    if ref != dimension.get("ref"):
        dimension.set("ref", ref)
        return True
    return False


# ── the parts that follow a sheet's cells ─────────────────────────────────
def shift_comments(data: bytes, part: str, maps: refs.SheetMaps, notices: list[str], sheet: str
                   ) -> bytes | None:
    """Comments (or threaded comments) moved with their cells; those on deleted cells removed (noticed).
    None when none of them moves."""
    root = parse(data, part)
    changed = False
    for comment in list(root.iter()):
        if local(comment) not in ("comment", "threadedComment") or not comment.get("ref"):
            continue
        old = comment.get("ref", "")
        moved = refs.shift_ref(old, maps)
        changed = changed or moved != old
        if moved is None:
            comment.getparent().remove(comment)
            notices.append(f"{sheet}!{old}: 메모가 달린 칸이 지워져 메모도 지웠습니다 / "
                           "the comment on this cell was removed with the cell")
        else:
            comment.set("ref", moved)
    return serialize(root) if changed else None


_VML_SHAPE = re.compile(rb"<((?:[\w.-]+:)?)shape\b(?:(?!<\1shape\b).)*?</\1shape\s*>", re.S)
_VML_ROW = re.compile(rb"(<(?:[\w.-]+:)?Row>)\s*(\d+)\s*(</(?:[\w.-]+:)?Row>)")
_VML_COLUMN = re.compile(rb"(<(?:[\w.-]+:)?Column>)\s*(\d+)\s*(</(?:[\w.-]+:)?Column>)")
_VML_ANCHOR = re.compile(rb"(<(?:[\w.-]+:)?Anchor>)([^<]*)(</(?:[\w.-]+:)?Anchor>)")


def shift_vml(data: bytes, maps: refs.SheetMaps) -> bytes | None:
    """Comment boxes (VML shapes with x:Row/x:Column, 0-based) moved; those of deleted cells removed.
    None when none of them moves."""
    def shape(match: re.Match[bytes]) -> bytes:
        text = match[0]
        row, column = _VML_ROW.search(text), _VML_COLUMN.search(text)
        if row is None or column is None:
            return text
        old_row, old_column = int(row[2]) + 1, int(column[2]) + 1
        moved = maps.cell(old_row, old_column)
        if moved is None:
            return b""
        d_row, d_column = moved[0] - old_row, moved[1] - old_column
        text = _VML_ROW.sub(lambda m: m[1] + str(moved[0] - 1).encode() + m[3], text, count=1)
        text = _VML_COLUMN.sub(lambda m: m[1] + str(moved[1] - 1).encode() + m[3], text, count=1)
        return _VML_ANCHOR.sub(lambda m: m[1] + _anchor(m[2], d_row, d_column) + m[3], text, count=1)
    moved = _VML_SHAPE.sub(shape, data)
    return moved if moved != data else None


def _anchor(text: bytes, d_row: int, d_column: int) -> bytes:
    """``LeftColumn, LeftOffset, TopRow, TopOffset, RightColumn, RightOffset, BottomRow, BottomOffset``."""
    parts = [part.strip() for part in text.split(b",")]
    if len(parts) != 8 or not all(part.isdigit() for part in parts):
        return text
    numbers = [int(part) for part in parts]
    for index, delta in ((0, d_column), (2, d_row), (4, d_column), (6, d_row)):
        numbers[index] = max(0, numbers[index] + delta)
    return ", ".join(str(n) for n in numbers).encode()


def shift_drawing(data: bytes, part: str, maps: refs.SheetMaps) -> bytes | None:
    """Pictures and charts anchored to cells (0-based xdr:from/xdr:to) moved with their top-left cell.
    None when none of them moves."""
    root = parse(data, part)
    changed = False
    for anchor in root:
        start = next((child for child in anchor if local(child) == "from"), None)
        if start is None:
            continue
        positions = {local(child): child for child in start if local(child) in ("row", "col")}
        if len(positions) != 2:
            continue
        old_row, old_column = int(positions["row"].text or 0), int(positions["col"].text or 0)
        d_row = maps.rows.first(old_row + 1) - 1 - old_row
        d_column = maps.columns.first(old_column + 1) - 1 - old_column
        changed = changed or bool(d_row or d_column)
        for corner in (child for child in anchor if local(child) in ("from", "to")):
            for child in corner:
                if local(child) == "row":
                    child.text = str(max(0, int(child.text or 0) + d_row))
                elif local(child) == "col":
                    child.text = str(max(0, int(child.text or 0) + d_column))
    return serialize(root) if changed else None


def shift_table(data: bytes, part: str, maps: refs.SheetMaps) -> bytes | None:
    """A table's range (and its autofilter/sort ranges) moved, grown over appended rows; None: unchanged."""
    root = parse(data, part)
    changed = False
    for element in root.iter():
        old = element.get("ref")
        if local(element) in ("table", "autoFilter", "sortState", "sortCondition") and old:
            moved = refs.shift_ref(old, maps, extend=True) or old
            if moved != old:
                element.set("ref", moved)
                changed = True
    return serialize(root) if changed else None


def shift_formulas_in(data: bytes, part: str, maps: dict[str, refs.SheetMaps], tags: set[str]) -> bytes | None:
    """Formulas in elements with these local names (chart c:f …) moved; None when nothing changed."""
    root = parse(data, part)
    changed = False
    for element in root.iter():
        if local(element) in tags and element.text:
            moved = refs.shift_formula(element.text, None, maps)
            if moved is not None and moved != element.text:
                element.text, changed = moved, True
    return serialize(root) if changed else None


def check_rows_fit(job: SheetJob, part: str) -> None:
    """The moved rows still fit in a sheet."""
    growth = sum(edit.new - edit.old for edit in job.maps.rows.edits)
    last = max([job.numbers[-1] if job.numbers else 1, *(edit.start + edit.new for edit in job.maps.rows.edits)])
    if last + max(growth, 0) > refs.LAST_ROW:
        raise PackageProblem(part, "행이 엑셀 한도(1,048,576행)를 넘게 됩니다",
                             "the rows would go past Excel's last row (1,048,576)")
