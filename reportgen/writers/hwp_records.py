"""BodyText records of a section straight from the HWPX writer's plan, with no XML parsed.

The HWPX writer keeps, beside each section part it draws, a plan of it
(:class:`reportgen.writers.hwpx.SectionPlan`: each paragraph's id, shapes, page
break and text; each table's grid, sizes, fills and cells). From it this module
writes the very bytes python-hwpx's ``SectionRecords`` writes from the XML
(``hwpx.hwp5.section_writer``, pinned >=6.9,<6.10), in one pass over the visible
cells: a plain paragraph is its header, its UTF-16 text and one character shape;
a table is its object header, its ``TABLE`` record and each cell's list header
and paragraphs. What depends on the template alone is built once per template
and orientation by python-hwpx itself, from a small XML of its own: the page
setup and column controls the first paragraph carries, the object properties of
a table by alignment, a cell's list properties.

A plan the module does not cover (a 목차 line or a picture: an item of None, a
cell under another cell's span) gives None, and the caller reads the XML instead.
The tests compare both ways on cards, corpus cards and hand-made documents.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from hwpx.hwp5 import bodytext as bt
from hwpx.hwp5 import controls as ct
from hwpx.hwp5 import records as rec
from hwpx.hwp5.owpml import index_of
from hwpx.hwp5.section_writer import SectionRecords, _extended, _list_props, _number, _object_common
from hwpx.hwp5.section_xml import TABLE_PAGE_BREAK
from lxml import etree

from reportgen.writers.hwpx import (
    _CELL_MARGIN,
    _NS,
    PlanItem,
    PlanParagraph,
    PlanTable,
    SectionPlan,
    Template,
    _table_pos,
    kept_for,
    sec_pr,
)

#: the template-only fragments are parsed as every XML here: no entities, no network
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
_PARA_HEADER, _SHAPE, _RECORD = struct.Struct("<IIHBBHHHIH"), struct.Struct("<II"), struct.Struct("<I")
#: a cell's list header as ``CellHeader.encode`` writes it with no name: counts, place, size, margins, fill
_CELL_HEADER = struct.Struct("<HIHHHHHIIhhhhHI9x")
_PARA_BREAK = struct.pack("<H", bt.PARA_BREAK)
_SETUP_CODES = 1 << 2  # the page setup and column controls: extended character 2
_TABLE_CODE = 1 << 11  # a table: extended character 11
_TABLE_CHARS = _extended(11, "tbl ")
_SETUP_CHARS = _extended(2, "secd") + _extended(2, "cold")
_SETUP_UNITS = len(_SETUP_CHARS) // 2
_INNER = (510, 510, 141, 141)  # the table's inner margins (hp:inMargin) and each cell's (hp:cellMargin)
_LAST = 0x80000000


def record(out: bytearray, tag: int, level: int, payload: bytes) -> None:
    """One record as ``hwpx.hwp5.records.serialize_records`` writes it."""
    size = len(payload)
    if size >= 0xFFF:
        out += _RECORD.pack(tag | level << 10 | 0xFFF << 20)
        out += _RECORD.pack(size)
    else:
        out += _RECORD.pack(tag | level << 10 | size << 20)
    out += payload


def unescaped(body: str) -> str:
    """The text of an ``hp:t`` as an XML parser reads it (the HWPX writer escapes only ``& < >``)."""
    if "&" not in body:
        return body
    return body.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def cell_header(paragraphs: int, list_props: int, flags: int, col: int, row: int, col_span: int, row_span: int,
                width: int, height: int, border_fill: int) -> bytes:
    """``CellHeader(…, margins=_INNER, text_width=width, name="").encode()`` in one pack (same masks)."""
    return _CELL_HEADER.pack(
        paragraphs & 0xFFFF, list_props & 0xFFFFFFFF, flags & 0xFFFF, col & 0xFFFF, row & 0xFFFF,
        col_span & 0xFFFF, row_span & 0xFFFF, width & 0xFFFFFFFF, height & 0xFFFFFFFF, *_INNER,
        border_fill & 0xFFFF, width & 0xFFFFFFFF)


class TemplateRecords:
    """What python-hwpx writes for the template alone, built once: the page setup controls by
    orientation, the table object properties by alignment, a cell's list properties, shape ids."""

    def __init__(self, style: Template) -> None:
        # shape ids as python-hwpx reads the attributes (_int: paraPrIDRef and charPrIDRef default to 0,
        # borderFillIDRef to 1)
        self.para = {name: _number(ref) for name, ref in style.para.items()}
        self.char = {name: _number(ref) for name, ref in style.char.items()}
        self.border = {name: _number(ref, 1) for name, ref in style.border.items()}
        self._setup: dict[str, bytes] = {}
        self._common: dict[str, ct.ObjectCommon] = {}
        sub_list = etree.fromstring(
            f'<hp:subList {_NS} textDirection="HORIZONTAL" lineWrap="BREAK" vertAlign="CENTER"/>', _PARSER)
        self.list_props = _list_props(sub_list)
        margin = etree.fromstring(f'<hp:tc {_NS}>{_CELL_MARGIN}</hp:tc>', _PARSER)[0]
        if tuple(int(margin.get(side, "0")) for side in ("left", "right", "top", "bottom")) != _INNER:
            raise ValueError("cell margins differ from the table's inner margins")

    def setup(self, orientation: str) -> bytes:
        """The records of the page setup and column controls (level 1) as python-hwpx writes them."""
        found = self._setup.get(orientation)
        if found is None:
            body = self.char["body"]
            paragraph = etree.fromstring(
                f'<hp:p {_NS} id="1" paraPrIDRef="0" styleIDRef="0" pageBreak="0" columnBreak="0" merged="0">'
                f'<hp:run charPrIDRef="{body}">{sec_pr(orientation)}</hp:run></hp:p>', _PARSER)
            converter = SectionRecords()
            records = converter.paragraph(paragraph, 0, last=True)
            if converter.unsupported:
                raise ValueError(f"page setup python-hwpx cannot write: {dict(converter.unsupported)}")
            found = self._setup[orientation] = rec.serialize_records(records[3:])
        return found

    def common(self, align: str) -> ct.ObjectCommon:
        """A table's object header for ``align`` as python-hwpx reads it (size, offset and id set later)."""
        found = self._common.get(align)
        if found is None:
            table = etree.fromstring(
                f'<hp:tbl {_NS} id="0" zOrder="0" numberingType="TABLE" textWrap="TOP_AND_BOTTOM" '
                'textFlow="BOTH_SIDES" lock="0" dropcapstyle="None"><hp:sz width="0" widthRelTo="ABSOLUTE" '
                f'height="0" heightRelTo="ABSOLUTE" protect="0"/>{_table_pos(align, 0)}</hp:tbl>', _PARSER)
            found = self._common[align] = _object_common("tbl ", table)
        return found


class SectionWriter:
    """Writes one section's records from its plan into ``out``."""

    def __init__(self, constant: TemplateRecords) -> None:
        self.constant = constant
        self.out = bytearray()

    def plain(self, item: PlanParagraph, level: int, last: bool) -> None:
        """A paragraph of one run of text with no page setup (:meth:`paragraph`'s records, its fixed-size
        header and character shape records packed directly)."""
        pid, para, char, body, page_break, _setup = item
        constant, out = self.constant, self.out
        text = unescaped(body).encode("utf-16-le", errors="surrogatepass") if body else b""
        count = len(text) // 2 + 1
        out += _RECORD.pack(rec.PARA_HEADER | level << 10 | _PARA_HEADER.size << 20)
        out += _PARA_HEADER.pack(count | (_LAST if last else 0), 0, constant.para[para], 0, 4 if page_break else 0,
                                 1, 0, 0, pid & 0xFFFFFFFF, 0)
        if count > 1:
            record(out, rec.PARA_TEXT, level + 1, text + _PARA_BREAK)
        out += _RECORD.pack(rec.PARA_CHAR_SHAPE | (level + 1) << 10 | _SHAPE.size << 20)
        out += _SHAPE.pack(0, constant.char[char])

    def paragraph(self, item: PlanParagraph, level: int, last: bool, table: PlanTable | None = None) -> None:
        """A paragraph of one run of text, or a table's anchor paragraph; with the page setup when it carries it."""
        pid, para, char, body, page_break, setup = item
        if not setup and table is None:
            self.plain(item, level, last)
            return
        constant, out = self.constant, self.out
        char_id, body_id = constant.char[char], constant.char["body"]
        units = bytearray()
        shapes: list[tuple[int, int]] = []
        mask, break_type = 0, 4 if page_break else 0
        if setup:  # its own run of the body shape: the page setup and column controls
            units += _SETUP_CHARS
            shapes.append((0, body_id))
            mask, break_type = _SETUP_CODES, break_type | 3
        run_char = body_id if table is not None else char_id
        if not shapes or shapes[-1][1] != run_char:  # the run of text (or table) starts a new shape
            shapes.append((len(units) // 2, run_char))
        if table is not None:
            units += _TABLE_CHARS
            mask |= _TABLE_CODE
        elif body:
            units += unescaped(body).encode("utf-16-le", errors="surrogatepass")
        units += _PARA_BREAK
        count = len(units) // 2
        record(out, rec.PARA_HEADER, level, _PARA_HEADER.pack(
            count | (_LAST if last else 0), mask, constant.para[para], 0, break_type, len(shapes), 0, 0,
            pid & 0xFFFFFFFF, 0))
        if count > 1:
            record(out, rec.PARA_TEXT, level + 1, bytes(units))
        record(out, rec.PARA_CHAR_SHAPE, level + 1, b"".join(_SHAPE.pack(*shape) for shape in shapes))
        if setup:
            out += constant.setup(setup)
        if table is not None:
            self.table(table, level + 1)

    def table(self, table: PlanTable, level: int) -> None:
        """The table control: object header, ``TABLE`` record, then each cell's list header and paragraphs."""
        constant, out = self.constant, self.out
        base = constant.common(table.align)
        common = ct.ObjectCommon(base.ctrl, base.props, base.vert_offset, table.offset, sum(table.widths),
                                 table.height, base.z_order, base.margins, table.table_id & 0xFFFFFFFF,
                                 base.prevent_page_break, base.description, base.extra)
        record(out, rec.CTRL_HEADER, level, common.encode())
        row_sizes = [0] * table.rows
        for cell in table.cells:
            row_sizes[cell.cell.row] += 1
        props = index_of(TABLE_PAGE_BREAK, "TABLE" if table.keep_rows else "CELL", 0)
        props |= (1 if table.header_rows else 0) << 2
        grid = ct.TableProps(props, table.rows, len(table.widths), 0, _INNER, row_sizes,
                             constant.border[table.border], [])
        record(out, rec.TABLE, level + 1, grid.encode())
        for planned in table.cells:
            cell = planned.cell
            record(out, rec.LIST_HEADER, level + 1, cell_header(
                len(planned.paragraphs), constant.list_props, int(planned.header) << 2, cell.col, cell.row,
                cell.col_span, cell.row_span, planned.width, planned.height, constant.border[planned.fill]))
            last = len(planned.paragraphs) - 1
            for index, paragraph in enumerate(planned.paragraphs):
                self.plain(paragraph, level + 1, index == last)  # a cell's paragraphs carry no page setup


def covered(table: PlanTable) -> bool:
    """Whether a cell lies under another cell's span (python-hwpx leaves it out or refuses it: the XML way)."""
    owner: dict[tuple[int, int], int] = {}
    for index, planned in enumerate(table.cells):
        cell = planned.cell
        last_row = min(cell.row + max(cell.row_span, 1), max(table.rows, cell.row + 1))
        last_col = min(cell.col + max(cell.col_span, 1), max(len(table.widths), cell.col + 1))
        for r in range(cell.row, last_row):
            for c in range(cell.col, last_col):
                if (r, c) != (cell.row, cell.col):
                    owner.setdefault((r, c), index)
    return any(owner.get((p.cell.row, p.cell.col), index) != index for index, p in enumerate(table.cells))


def plan_records(plan: SectionPlan, constant: TemplateRecords) -> bytes | None:
    """The serialized BodyText records of a planned section, or None when the plan does not cover it."""
    items: Sequence[PlanItem] = plan.items
    if not items or any(item is None or (isinstance(item, PlanTable) and covered(item)) for item in items):
        return None
    writer = SectionWriter(constant)
    last = len(items) - 1
    for index, item in enumerate(items):
        if isinstance(item, PlanTable):
            writer.paragraph(item.anchor, 0, index == last, item)
        else:
            writer.paragraph(item, 0, index == last)  # type: ignore[arg-type]
    return bytes(writer.out)


def template_records(style: Template) -> TemplateRecords:
    """The template's :class:`TemplateRecords`, built once per loaded template."""
    return kept_for(_KEPT, style, TemplateRecords)


_KEPT: dict[int, tuple[Template, TemplateRecords]] = {}
