"""XLSX writer: any document as a workbook, each top-level section a sheet laid out like print.

The sheet XML is built as text (openpyxl costs ~40 ms per card); the styles and
the other fixed parts are built and compressed once at import. Blocks outside
sections go on a first sheet named after the document. A sheet's columns are the
grid of its widest table (by column count); other tables snap their column
shares to that grid, lines span the sheet. Every cell from user text is an
inline string, never a formula, and text starting with ``= + - @`` also gets
``quotePrefix`` so Excel keeps it text when the cell is edited; only the plain
numbers of a figures table (``STYLE_FIGURES``) are stored as numbers. Same
document in, same bytes out (fixed zip dates).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from typing import NamedTuple
from xml.sax.saxutils import quoteattr

from reportgen.document import (
    STYLE_FIELDS,
    STYLE_FIGURES,
    Block,
    Box,
    ContentsEntry,
    DatedLine,
    Document,
    Heading,
    Image,
    PageBreak,
    Paragraph,
    Section,
    Table,
    TableOfContents,
    Title,
    cell_places,
    walk,
)
from reportgen.documents import card_document
from reportgen.errors import CardError
from reportgen.model import L_ID, MARKER_LEVEL, Card
from reportgen.resources import WriterOptions
from reportgen.writers.zippack import Member, Spooled, Writable, ZipSpool, zip_members
from reportgen.xmltext import escape, excel_escape

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# ── styles: a fixed table built once; a cell names its style by key ────────
_FONTS = {  # key: (size pt, bold, line height pt)
    "body": (10, False, 14.0),
    "bold": (10, True, 14.0),
    "heading": (12, True, 17.0),
    "title": (16, True, 23.0),
}
_FONT_NAME = "맑은 고딕"
_SHADE = "FFE7E6E6"
_BORDERS = ("none", "all", "top", "mid", "bottom")  # top/mid/bottom: rows of a box
_INDENTS = range(5)
_ALIGNS = ("left", "center", "right")
#: number formats of a figures table's numbers: as written (decimals kept, thousands commas kept)
_DECIMALS = range(7)
_NUMBER_FORMATS = ("General", *[f"0.{'0' * d}" for d in _DECIMALS if d],
                   *[f"#,##0{'.' + '0' * d if d else ''}" for d in _DECIMALS])
ROW_PADDING = 4.0  # pt added to a computed row height
MAX_CELL_CHARS = 32767  # Excel's limit for one cell
#: where a 목차's page column starts on a sheet without tables (per mille of the width)
CONTENTS_TEXT = 880.0
#: the sheet's width in Excel column units, portrait and landscape A4
SHEET_UNITS = {"portrait": 96.0, "landscape": 140.0}


class _Style(NamedTuple):
    """A cell's look (a tuple: hashed and compared in C, as every cell looks its style up)."""

    font: str = "body"
    shaded: bool = False
    border: str = "none"
    align: str = "left"
    indent: int = 0
    number: str = "General"
    figure: bool = False  # a figures table's number: stored as a number


def _style_table() -> list[_Style]:
    """Every style the writer uses, in cellXfs order (index 0 is the default)."""
    styles = [_Style(font=f, align=a, indent=i) for f in _FONTS for a in _ALIGNS for i in _INDENTS]
    styles += [_Style(font="title", border="all", align="center")]
    styles += [_Style(font="bold", shaded=True, border="all", align="center")]
    styles += [_Style(border="all", align="center")]
    styles += [_Style(border="all", align="center", number=code, figure=True) for code in _NUMBER_FORMATS]
    styles += [_Style(font=f, border=b, indent=i) for f in ("body", "bold")
               for b in ("all", "top", "mid", "bottom") for i in _INDENTS]
    return styles


_STYLES = _style_table()
_STYLE_INDEX = {style: i for i, style in enumerate(_STYLES)}
_QUOTED = len(_STYLES)  # style index + _QUOTED = the same style with quotePrefix
_FORMAT_IDS = {code: (0 if code == "General" else 164 + k) for k, code in enumerate(_NUMBER_FORMATS)}

S_LINE = _Style()
S_HEADING = _Style(font="heading")
S_SUBHEADING = _Style(font="bold")
S_TITLE = _Style(font="title", border="all", align="center")
S_LABEL = _Style(font="bold", shaded=True, border="all", align="center")
S_CELL = _Style(border="all", align="center")
S_VALUE = _Style(border="all")  # a label/value table's value: left-aligned
S_PAGE = _Style(align="right")


def _border_xml(kind: str) -> str:
    sides = {"all": "lrtb", "top": "lrt", "mid": "lr", "bottom": "lrb"}.get(kind, "")
    parts = []
    for side, letter in (("left", "l"), ("right", "r"), ("top", "t"), ("bottom", "b")):
        if letter in sides:
            parts.append(f'<{side} style="thin"><color auto="1"/></{side}>')
        else:
            parts.append(f"<{side}/>")
    return "<border>" + "".join(parts) + "<diagonal/></border>"


def _xf_xml(style: _Style, quoted: bool) -> str:
    font = list(_FONTS).index(style.font)
    fill = 2 if style.shaded else 0
    border = _BORDERS.index(style.border)
    number = _FORMAT_IDS[style.number]
    quote = ' quotePrefix="1"' if quoted else ""
    indent = f' indent="{style.indent}"' if style.indent else ""
    applied = ' applyNumberFormat="1"' if number else ""
    return (
        f'<xf numFmtId="{number}" fontId="{font}" fillId="{fill}" borderId="{border}" xfId="0"{applied}'
        f' applyFont="1" applyFill="1" applyBorder="1" applyAlignment="1"{quote}>'
        f'<alignment horizontal="{style.align}" vertical="center" wrapText="1"{indent}/></xf>'
    )


def _styles_xml() -> str:
    fonts = "".join(
        f'<font>{"<b/>" if bold else ""}<sz val="{size}"/><name val="{_FONT_NAME}"/>'
        f'<family val="3"/><charset val="129"/></font>'
        for size, bold, _ in _FONTS.values()
    )
    formats = "".join(f'<numFmt numFmtId="{number}" formatCode="{escape(code)}"/>'
                      for code, number in _FORMAT_IDS.items() if number)
    xfs = [_xf_xml(s, False) for s in _STYLES] + [_xf_xml(s, True) for s in _STYLES]
    return (
        _XML_DECL + f'<styleSheet xmlns="{_NS_MAIN}">'
        f'<numFmts count="{len(_FORMAT_IDS) - 1}">{formats}</numFmts>'
        f'<fonts count="{len(_FONTS)}">{fonts}</fonts>'
        '<fills count="3"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill>'
        f'<fill><patternFill patternType="solid"><fgColor rgb="{_SHADE}"/><bgColor indexed="64"/>'
        "</patternFill></fill></fills>"
        f'<borders count="{len(_BORDERS)}">{"".join(_border_xml(b) for b in _BORDERS)}</borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )


# ── the fixed package parts ────────────────────────────────────────────────
_FIXED_STAMP = "1980-01-01T00:00:00Z"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_CONTENT_TYPES = (
    _XML_DECL + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "{sheets}"
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    _XML_DECL + f'<Relationships xmlns="{_NS_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_NS_REL}/officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{_NS_REL}/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)
_APP = (
    _XML_DECL + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>reportgen</Application></Properties>"
)
_STATIC = {  # compressed once
    "_rels/.rels": Member.deflated("_rels/.rels", _ROOT_RELS.encode()),
    "docProps/app.xml": Member.deflated("docProps/app.xml", _APP.encode()),
    "xl/styles.xml": Member.deflated("xl/styles.xml", _styles_xml().encode()),
}


# ── text helpers ───────────────────────────────────────────────────────────
#: first characters that make Excel read typed or imported text as a formula (or, as CSV,
#: run it): ``= + - @``, their full-width forms, and a leading tab or line break
FORMULA_START = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20", "\t", "\r", "\n")
#: a plain number as a figures table prints it: ``12``, ``-3``, ``62.3``, ``1,234`` (≤ 15 digits)
_NUMBER = re.compile(r"-?(?:0|[1-9]\d{0,14}|[1-9]\d{0,2}(?:,\d{3}){1,4})(?:\.(\d{1,6}))?")


#: text excel_escape leaves as it is (no markup, underscore, control or non-XML character)
_PLAIN = re.compile("[^\x00-\x1f&<>_\ud800-\udfff\ufffe\uffff]*")


def looks_like_formula(text: str) -> bool:
    """True when Excel would make ``text`` a formula if it were typed into a cell."""
    return text.startswith(FORMULA_START)


def number_format(text: str) -> str | None:
    """The number format showing ``text`` as written when it is a plain number, else ``None``."""
    found = _NUMBER.fullmatch(text)
    if found is None or len(text.replace(",", "").replace("-", "").replace(".", "")) > 15:
        return None
    decimals = len(found[1] or "")
    if "," in text:
        return f"#,##0{'.' + '0' * decimals if decimals else ''}"
    return f"0.{'0' * decimals}" if decimals else "General"


class _Narrow(dict):
    """``str.translate`` table keeping the narrow characters and dropping the wide ones (Hangul,
    CJK, full-width and ambiguous symbols), learnt once per character."""

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        self[code] = None if code > 0xFF and unicodedata.east_asian_width(char) in "WFA" else char
        return self[code]


_NARROW = _Narrow()


def _display_width(text: str) -> float:
    """Width of one line in Excel column units (Hangul and symbols ≈ 1.8 digits)."""
    return len(text) + 0.8 * (len(text) - len(text.translate(_NARROW)))


#: texts up to this long have their line counts remembered (labels, dates and names recur from
#: cell to cell and card to card); longer ones are counted each time
CACHED_TEXT_CHARS = 256
#: line counts remembered at most (the least recently used go first): ≤ 4096 × 256 characters
LINE_COUNT_CACHE = 4096


def _line_count(text: str, width: float) -> int:
    """Lines a wrapped cell of ``width`` column units needs for ``text`` (short texts remembered
    per text and width, :func:`_cached_line_count`)."""
    if len(text) <= CACHED_TEXT_CHARS:
        return _cached_line_count(text, width)
    return _count_lines(text, width)


def _count_lines(text: str, width: float) -> int:
    """Lines a wrapped cell of ``width`` column units needs for ``text``, counted."""
    usable = max(width - 1.5, 1.0)
    return sum(max(1, math.ceil(_display_width(part) / usable)) for part in text.split("\n"))


_cached_line_count = lru_cache(maxsize=LINE_COUNT_CACHE)(_count_lines)


@cache
def _column_name(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


# ── the sheet being built ──────────────────────────────────────────────────
#: a cell put on a row: first and last grid column, text, style, rows it spans down
Put = tuple[int, int, str, _Style, int]


@dataclass
class _Sheet:
    """Rows of ``<row>`` XML, merged ranges, page breaks and the column widths of one sheet."""

    widths: list[float]
    orientation: str = "portrait"
    rows: list[str] = field(default_factory=list)
    merges: list[str] = field(default_factory=list)
    breaks: list[int] = field(default_factory=list)
    title_rows: int = 0  # rows repeated at the top of every printed page (0: none)

    @property
    def last_col(self) -> int:
        return len(self.widths) - 1

    def row(self, cells: Iterable[Put], height: float | None = None, merge: bool = True) -> int:
        """Add a row of cells (merged across their columns unless ``merge`` is off); return its
        1-based number. The height fits the wrapped text (a cell spanning rows shares it out)."""
        number = len(self.rows) + 1
        xml = []
        needed = 0.0
        for first, last, text, style, down in cells:
            xml.append(self._cell(first, number, text, style))
            if style.border != "none":  # merged cells carry the border too
                xml.extend(self._cell(col, number, "", style) for col in range(first + 1, last + 1))
            if merge and last > first:
                self.merge(number, first, number, last)
            if text:
                width = sum(self.widths[first:last + 1]) - 2 * style.indent
                lines = _line_count(text, width)
                needed = max(needed, lines * _FONTS[style.font][2] / down + ROW_PADDING)
        if height is None:
            height = max(needed, _FONTS["body"][2] + ROW_PADDING)
        self.rows.append(f'<row r="{number}" ht="{height:g}" customHeight="1">{"".join(xml)}</row>')
        return number

    def line(self, text: str, style: _Style = S_LINE) -> int:
        """A full-width row holding one line of text."""
        return self.row([(0, self.last_col, text, style, 1)])

    def gap(self, height: float = 6.0) -> int:
        """An empty spacer row."""
        return self.row([], height)

    def page_break(self) -> None:
        """What follows starts a new printed page (nothing to break before the first row)."""
        if self.rows and len(self.rows) not in self.breaks:
            self.breaks.append(len(self.rows))

    def merge(self, row1: int, col1: int, row2: int, col2: int) -> None:
        self.merges.append(f"{_column_name(col1)}{row1}:{_column_name(col2)}{row2}")

    @staticmethod
    def _cell(col: int, row: int, text: str, style: _Style) -> str:
        ref = f"{_column_name(col)}{row}"
        index = _STYLE_INDEX[style]
        if not text:
            return f'<c r="{ref}" s="{index}"/>'
        if style.figure:
            return f'<c r="{ref}" s="{index}"><v>{text.replace(",", "")}</v></c>'
        if len(text) > MAX_CELL_CHARS:
            raise CardError(
                f"{ref}: 한 칸의 글자가 {MAX_CELL_CHARS}자를 넘습니다 / "
                f"a cell holds more than {MAX_CELL_CHARS} characters; shorten the text"
            )
        if looks_like_formula(text):
            index += _QUOTED
        if _PLAIN.fullmatch(text) is None:
            text = excel_escape(text)
        return f'<c r="{ref}" s="{index}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


# ── the column grid of a sheet ─────────────────────────────────────────────
def _bounds(table: Table) -> list[float]:
    """The table's column edges in per mille of the text width (its width and side applied)."""
    total = sum(table.shares)
    start = {"left": 0.0, "right": 1000.0 - table.width}.get(table.align, (1000.0 - table.width) / 2)
    edges, run = [start], 0
    for share in table.shares:
        run += share
        edges.append(start + table.width * run / total)
    return edges


def _grid(blocks: tuple[Block, ...]) -> tuple[float, ...]:
    """Column edges of a sheet: those of its table with the most columns, and the text's edges
    (the first table of the most columns when several have as many)."""
    tables = [block for block in walk(blocks) if isinstance(block, Table)]
    if not tables:  # a 목차 keeps a right-hand column for its pages
        has_contents = any(isinstance(block, TableOfContents) for block in walk(blocks))
        return (0.0, CONTENTS_TEXT, 1000.0) if has_contents else (0.0, 1000.0)
    widest = max(tables, key=lambda table: len(table.shares))
    return tuple(sorted({0.0, 1000.0, *_bounds(widest)}))


def _edges(table: Table, grid: tuple[float, ...]) -> list[int]:
    """The grid column at each of the table's edges: the nearest grid edge, every column kept."""
    columns, count = len(grid) - 1, len(table.shares)
    edges: list[int] = []
    for index, bound in enumerate(_bounds(table)):
        nearest = min(range(len(grid)), key=lambda g: (abs(grid[g] - bound), g))
        low = edges[-1] + 1 if edges else 0
        edges.append(min(max(nearest, low), columns - (count - index)))
    return edges


# ── blocks → rows ──────────────────────────────────────────────────────────
def _cell_style(text: str, label: bool, style: str, verbatim: bool = False) -> _Style:
    """A table cell's style: a shaded label, a number of a figures table (not a verbatim cell), a
    label/value table's value (left-aligned, as the DOCX, HWPX and HTML cards read), or a centred
    bordered text."""
    if label:
        return S_LABEL
    if style == STYLE_FIELDS:
        return S_VALUE
    if style == STYLE_FIGURES and not verbatim and (code := number_format(text)):
        return _Style(border="all", align="center", number=code, figure=True)
    return S_CELL


def _marked(marker: str, text: str) -> str:
    return f"{marker} {text}" if marker else text


@dataclass
class _Layout:
    """Draws one sheet's blocks on its grid."""

    sheet: _Sheet
    grid: tuple[float, ...]
    doc_blocks: tuple[Block, ...] = ()  # the whole document's (a 목차 lists its headings)
    heads: list[tuple[int, int]] = field(default_factory=list)  # (first row, last header row) of tables
    after_table: bool = False
    edges: dict[int, list[int]] = field(default_factory=dict)  # grid edges by table (id)

    def draw(self, blocks: tuple[Block, ...]) -> None:
        for block in blocks:
            was_table, self.after_table = self.after_table, False
            if type(block) is Table:
                self.table(block, gap=was_table)
                self.after_table = True
            else:
                _DRAW[type(block)](self, block)

    def title(self, block: Title) -> None:
        number = self.sheet.line(block.text, S_TITLE)
        if number <= 3 and not self.sheet.title_rows:
            self.sheet.title_rows = number
        self.sheet.gap()

    def heading(self, block: Heading) -> None:
        if block.level == 1:
            self.sheet.gap()
            self.sheet.line(block.text, S_HEADING)
        elif block.level == 2:
            self.sheet.line(block.text, S_SUBHEADING)
        else:
            self.sheet.line(block.text, _Style(indent=min(block.level - 2, 4)))

    def paragraph(self, block: Paragraph) -> None:
        align = block.align or "left"
        indent = min(block.level, 4) if align == "left" else 0
        self.sheet.line(_marked(block.marker, block.text), _Style(align=align, indent=indent))

    def datedline(self, block: DatedLine) -> None:
        text = f"{block.date} : {block.text}" if block.date else block.text
        self.sheet.line(_marked(block.marker, text), _Style(indent=MARKER_LEVEL.get(block.marker, 1)))
        for detail in block.details:
            self.paragraph(detail)

    def box(self, block: Box) -> None:
        """A bordered box: its bold title, then its lines (the 인허가 현황 box)."""
        lines = [(block.title, "bold", 1)] + [(_marked(p.marker, p.text), "body", min(p.level, 4))
                                              for p in block.lines]
        for k, (text, font, indent) in enumerate(lines):
            edge = "mid"
            if k == 0:
                edge = "all" if len(lines) == 1 else "top"
            elif k == len(lines) - 1:
                edge = "bottom"
            self.sheet.line(text, _Style(font=font, border=edge, indent=indent))

    def table(self, block: Table, gap: bool = False) -> None:
        """Cells on the grid, merged over their spans; labels shaded; notes under the table."""
        if gap:
            self.sheet.gap()
        if block.caption:
            self.sheet.line(block.caption, S_SUBHEADING)
        top = len(self.sheet.rows) + 1
        rows: list[list[Put]] = [[] for _ in block.rows]
        for row, col, item in cell_places(block):
            rows_down = min(item.rowspan, len(block.rows) - row)
            put = self._put(block, self._edges(block), col, item.colspan, "\n".join(item.lines), item.label,
                            rows_down, item.verbatim)
            rows[row].append(put)
            rows[row + 1: row + rows_down] = [[*cells, (put[0], put[1], "", put[3], 1)]
                                              for cells in rows[row + 1: row + rows_down]]
            if rows_down > 1 or put[1] > put[0]:
                self.sheet.merge(top + row, put[0], top + row + rows_down - 1, put[1])
        for cells in rows:
            self.sheet.row(sorted(cells, key=lambda put: put[0]), merge=False)
        if block.header_rows:
            self.heads.append((top, top + block.header_rows - 1))
        for note in block.notes:
            self.sheet.line(note)

    def _edges(self, block: Table) -> list[int]:
        if id(block) not in self.edges:
            self.edges[id(block)] = _edges(block, self.grid)
        return self.edges[id(block)]

    @staticmethod
    def _put(block: Table, edges: list[int], col: int, span: int, text: str, label: bool, down: int,
             verbatim: bool = False) -> Put:
        if col >= len(block.shares):
            raise CardError(f"표의 칸이 열 수({len(block.shares)})보다 많습니다 / "
                            f"a table row has more cells than its {len(block.shares)} columns")
        first, last = edges[col], edges[min(col + span, len(block.shares))] - 1
        return first, last, text, _cell_style(text, label, block.style, verbatim), down

    def pagebreak(self, _block: PageBreak) -> None:
        self.sheet.page_break()

    def image(self, block: Image) -> None:
        """A picture is shown by its text alternative (a sheet keeps to text)."""
        self.sheet.line(f"[그림] {block.alt}")

    def tableofcontents(self, block: TableOfContents) -> None:
        """목차: its title, then a line per entry with the page in the right-hand column."""
        self.sheet.line(block.title, S_HEADING)
        entries = block.entries or tuple(ContentsEntry(b.text) for b in walk(self.doc_blocks)
                                         if isinstance(b, Heading) and b.level <= block.depth)
        last = self.sheet.last_col
        for entry in entries:
            page = "" if entry.page is None else str(entry.page)
            if last:
                self.sheet.row([(0, last - 1, entry.text, S_LINE, 1), (last, last, page, S_PAGE, 1)])
            else:
                self.sheet.line(f"{entry.text} {page}".strip())

    def section(self, block: Section) -> None:
        """A section inside a sheet starts a new printed page."""
        self.sheet.page_break()
        self.draw(block.blocks)


_DRAW = {Title: _Layout.title, Heading: _Layout.heading, Paragraph: _Layout.paragraph,
         DatedLine: _Layout.datedline, Box: _Layout.box, PageBreak: _Layout.pagebreak, Image: _Layout.image,
         TableOfContents: _Layout.tableofcontents, Section: _Layout.section}


def layout(blocks: tuple[Block, ...], orientation: str = "portrait", doc_blocks: tuple[Block, ...] = ()) -> _Sheet:
    """Blocks drawn on one sheet; the print titles are the first rows down to the header rows
    of the sheet's one table with header rows when it starts near the top (row ≤ 6), else down
    to a title in the first three rows."""
    grid = _grid(blocks)
    units = SHEET_UNITS[orientation]
    sheet = _Sheet([round((b - a) * units / 1000, 2) for a, b in zip(grid, grid[1:], strict=False)], orientation)
    drawing = _Layout(sheet, grid, doc_blocks or blocks)
    drawing.draw(blocks)
    if len(drawing.heads) == 1 and drawing.heads[0][0] <= 6:
        sheet.title_rows = drawing.heads[0][1]
    return sheet


# ── package assembly ───────────────────────────────────────────────────────
def _sheet_xml(sheet: _Sheet) -> str:
    last = _column_name(sheet.last_col)
    cols = "".join(
        f'<col min="{i + 1}" max="{i + 1}" width="{w:g}" customWidth="1"/>'
        for i, w in enumerate(sheet.widths)
    )
    merges = "".join(f'<mergeCell ref="{ref}"/>' for ref in sheet.merges)
    if merges:
        merges = f'<mergeCells count="{len(sheet.merges)}">{merges}</mergeCells>'
    breaks = "".join(f'<brk id="{row}" max="16383" man="1"/>' for row in sheet.breaks)
    if breaks:
        breaks = f'<rowBreaks count="{len(sheet.breaks)}" manualBreakCount="{len(sheet.breaks)}">{breaks}</rowBreaks>'
    return (
        _XML_DECL + f'<worksheet xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">'
        '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        f'<dimension ref="A1:{last}{max(len(sheet.rows), 1)}"/>'
        '<sheetViews><sheetView showGridLines="0" workbookViewId="0"/></sheetViews>'
        '<sheetFormatPr defaultRowHeight="18"/>'
        f"<cols>{cols}</cols>"
        f'<sheetData>{"".join(sheet.rows)}</sheetData>'
        f"{merges}"
        '<printOptions horizontalCentered="1"/>'
        '<pageMargins left="0.6" right="0.6" top="0.7" bottom="0.7" header="0.3" footer="0.3"/>'
        f'<pageSetup paperSize="9" orientation="{sheet.orientation}" fitToWidth="1" fitToHeight="0"/>'
        "<headerFooter><oddFooter>&amp;C&amp;P / &amp;N</oddFooter></headerFooter>"
        f"{breaks}"
        "</worksheet>"
    )


_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_RESERVED_SHEET_NAMES = {"history"}  # Excel keeps this name for itself


def unique_sheet_name(wanted: str, taken: set[str]) -> str:
    """``wanted`` made a valid sheet name (no ``[]:*?/\\``, ≤ 31 characters, not ``history``)
    not in ``taken`` (compared case-insensitively); adds it to ``taken``."""
    base = _SHEET_NAME_BAD.sub("_", wanted).strip().strip("'")[:31].strip().strip("'") or L_ID
    name, number = base, 1
    while name.casefold() in taken or name.casefold() in _RESERVED_SHEET_NAMES:
        number += 1
        suffix = f"({number})"
        name = base[: 31 - len(suffix)].rstrip("'") + suffix
    taken.add(name.casefold())
    return name


def _section_name(section: Section, doc: Document) -> str:
    """A section's sheet name: its name, else its first title or heading, else the document's."""
    if section.name:
        return section.name
    first = next((b.text for b in walk(section.blocks) if isinstance(b, Title | Heading)), "")
    return first or doc.name or doc.title


class _Facts(NamedTuple):
    """What the workbook part needs of a sheet: its last column, its row count and its print titles."""

    last_col: int
    rows: int
    title_rows: int


def _facts(sheet: _Sheet) -> _Facts:
    return _Facts(sheet.last_col, len(sheet.rows), sheet.title_rows)


def _workbook_xml(sheets: Sequence[tuple[str, _Facts]]) -> str:
    entries, names = [], []
    for index, (name, sheet) in enumerate(sheets):
        entries.append(f'<sheet name={quoteattr(name)} sheetId="{index + 1}" r:id="rId{index + 1}"/>')
        quoted = "'" + name.replace("'", "''") + "'"
        area = f"{quoted}!$A$1:${_column_name(sheet.last_col)}${max(sheet.rows, 1)}"
        names.append((0, index, f'<definedName name="_xlnm.Print_Area" localSheetId="{index}">{escape(area)}'
                      "</definedName>"))
        if sheet.title_rows:
            titles = f"{quoted}!$1:${sheet.title_rows}"
            names.append((1, index, f'<definedName name="_xlnm.Print_Titles" localSheetId="{index}">'
                          f"{escape(titles)}</definedName>"))
    names.sort()  # Excel wants the defined names sorted by name, then by sheet
    return (_XML_DECL + f'<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">'
            f"<bookViews><workbookView/></bookViews><sheets>{''.join(entries)}</sheets>"
            f"<definedNames>{''.join(xml for _kind, _index, xml in names)}</definedNames></workbook>")


def _core_xml(title: str) -> str:
    return (
        _XML_DECL + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{excel_escape(title.strip())}</dc:title><dc:creator>reportgen</dc:creator>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{_FIXED_STAMP}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{_FIXED_STAMP}</dcterms:modified>'
        "</cp:coreProperties>"
    )


def _book(sheets: list[tuple[str, _Sheet]], title: str) -> bytes:
    """An .xlsx of the (unique name, sheet) pairs in order; same sheets in, same bytes out."""
    members = _head_members([(name, _facts(sheet)) for name, sheet in sheets], title)
    members += [Member.deflated(f"xl/worksheets/sheet{i}.xml", _sheet_xml(sheet).encode())
                for i, (_name, sheet) in enumerate(sheets, 1)]
    return zip_members(members)


def _head_members(sheets: Sequence[tuple[str, _Facts]], title: str) -> list[Member]:
    """The members before the sheets: content types, relationships, properties, workbook, styles."""
    count = len(sheets)
    types = _CONTENT_TYPES.format(sheets="".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_SHEET_TYPE}"/>'
        for i in range(1, count + 1)))
    rels = "".join(f'<Relationship Id="rId{i}" Type="{_NS_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, count + 1))
    rels += f'<Relationship Id="rId{count + 1}" Type="{_NS_REL}/styles" Target="styles.xml"/>'
    return [
        Member.deflated("[Content_Types].xml", types.encode()),
        _STATIC["_rels/.rels"],
        _STATIC["docProps/app.xml"],
        Member.deflated("docProps/core.xml", _core_xml(title).encode()),
        Member.deflated("xl/workbook.xml", _workbook_xml(sheets).encode()),
        Member.deflated("xl/_rels/workbook.xml.rels",
                        (_XML_DECL + f'<Relationships xmlns="{_NS_PKG_REL}">{rels}</Relationships>').encode()),
        _STATIC["xl/styles.xml"],
    ]


def render_document(doc: Document, options: WriterOptions | None = None) -> bytes:
    """Any document as a workbook: blocks outside sections on a first sheet named after the
    document, then a sheet per top-level section (named by it, landscape when it is)."""
    del options  # the sheet look is built in; nothing to take from a template folder
    taken: set[str] = set()
    sections = [block for block in doc.blocks if isinstance(block, Section)]
    loose = tuple(block for block in doc.blocks if not isinstance(block, Section))
    sheets = []
    if loose or not sections:
        sheets.append((unique_sheet_name(doc.name or doc.title, taken), layout(loose, doc_blocks=doc.blocks)))
    for section in sections:
        name = unique_sheet_name(_section_name(section, doc), taken)
        sheets.append((name, layout(section.blocks, section.orientation, doc.blocks)))
    return _book(sheets, doc.title)


def write_document(doc: Document, out: Writable, options: WriterOptions | None = None,
                   folder: str | None = None) -> None:
    """:func:`render_document`'s bytes written to ``out``, with memory flat in the number of
    sections (the council package: a sheet per card).

    One walk of ``doc.blocks`` (a lazy sequence is drawn block by block; a 목차 without entries
    walks it again for its headings): each section's sheet is laid out, serialized and deflated
    into a :class:`~reportgen.writers.zippack.ZipSpool` (an unnamed temp file in ``folder``) as it
    comes, keeping only its wanted name and :class:`_Facts`; the blocks outside sections are kept
    and laid out last, on the first sheet. The names are made unique once all are known (in the
    order :func:`render_document` takes them) and the zip is laid out from the spool."""
    del options
    with ZipSpool(folder) as spool:
        loose: list[Block] = []
        drawn: list[tuple[str, _Facts, Spooled]] = []
        for block in doc.blocks:
            if not isinstance(block, Section):
                loose.append(block)
                continue
            sheet = layout(block.blocks, block.orientation, doc.blocks)
            spooled = spool.add(Member.deflated(f"{len(drawn)}", _sheet_xml(sheet).encode()))
            drawn.append((_section_name(block, doc), _facts(sheet), spooled))
            del sheet
        taken: set[str] = set()
        sheets: list[tuple[str, _Facts, Spooled]] = []
        if loose or not drawn:
            sheet = layout(tuple(loose), doc_blocks=doc.blocks)
            first = spool.add(Member.deflated("", _sheet_xml(sheet).encode()))
            sheets.append((unique_sheet_name(doc.name or doc.title, taken), _facts(sheet), first))
        sheets += [(unique_sheet_name(wanted, taken), facts, spooled) for wanted, facts, spooled in drawn]
        head = [spool.add(member) for member in _head_members([(name, facts) for name, facts, _ in sheets], doc.title)]
        order = head + [replace(spooled, name=f"xl/worksheets/sheet{i}.xml")
                        for i, (_name, _facts_, spooled) in enumerate(sheets, 1)]
        spool.write_zip(out, order)


def render_xlsx(card: Card, options: WriterOptions | None = None) -> bytes:
    """The standard pledge card as a workbook of one sheet laid out like the printed card."""
    return render_document(card_document(card), options)

