"""XLSX card writer: one workbook, one sheet laid out like the printed card.

The sheet XML is built as text (openpyxl costs ~40 ms per card); every other
part of the package (styles, workbook rels, content types) is built once at
import. Every cell from user text is an inline string, never a formula, and
text starting with ``= + - @`` also gets ``quotePrefix`` so Excel keeps it text
when the cell is edited. Same card in, same bytes out (fixed zip dates).
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from functools import cache
from xml.sax.saxutils import escape, quoteattr

from reportgen.errors import CardError
from reportgen.model import (
    COMMUNICATION_LABELS,
    COUNT_NONE,
    DETAIL_PLAN,
    EFFECTS,
    FUTURE_PLAN,
    GOAL,
    GROUP_CLOSE,
    GROUP_OPEN,
    H_ACHIEVEMENTS,
    H_COMMUNICATION,
    H_PLAN,
    HEADER_ROWS,
    L_AFTER_TERM,
    L_BUDGET,
    L_CATEGORY,
    L_COMPLETION,
    L_COOPERATION,
    L_DEPARTMENT,
    L_EXECUTOR,
    L_ID,
    L_IN_TERM,
    L_PERIOD,
    L_PLAN_ITEM,
    L_STATUS,
    MARK_L1,
    MARK_SUBHEADING,
    MARKER_LEVEL,
    OVERVIEW,
    PLAN_SUBHEADINGS,
    SECTION_OF,
    SUB_ANNUAL_PLAN,
    Achievement,
    AnnualPlan,
    BulletLine,
    Card,
    contact_text,
    count_text,
    percent_text,
    status_text,
)

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
ROW_PADDING = 4.0  # pt added to a computed row height
MAX_CELL_CHARS = 32767  # Excel's limit for one cell


@dataclass(frozen=True)
class _Style:
    font: str = "body"
    shaded: bool = False
    border: str = "none"
    align: str = "left"
    indent: int = 0


def _style_table() -> list[_Style]:
    """Every style the writer uses, in cellXfs order (index 0 is the default)."""
    styles = [_Style()]
    styles += [_Style(align="left", indent=i) for i in _INDENTS if i]
    styles += [_Style(font="heading"), _Style(font="bold")]
    styles += [_Style(font="title", border="all", align="center")]
    styles += [_Style(font="bold", shaded=True, border="all", align="center")]
    styles += [_Style(border="all", align="center")]
    styles += [_Style(font=f, border=b, indent=i) for f in ("body", "bold")
               for b in ("all", "top", "mid", "bottom") for i in _INDENTS]
    return styles


_STYLES = _style_table()
_STYLE_INDEX = {style: i for i, style in enumerate(_STYLES)}
_QUOTED = len(_STYLES)  # style index + _QUOTED = the same style with quotePrefix

S_LINE = _Style()
S_HEADING = _Style(font="heading")
S_SUBHEADING = _Style(font="bold")
S_TITLE = _Style(font="title", border="all", align="center")
S_LABEL = _Style(font="bold", shaded=True, border="all", align="center")
S_CELL = _Style(border="all", align="center")


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
    quote = ' quotePrefix="1"' if quoted else ""
    indent = f' indent="{style.indent}"' if style.indent else ""
    return (
        f'<xf numFmtId="0" fontId="{font}" fillId="{fill}" borderId="{border}" xfId="0"'
        f' applyFont="1" applyFill="1" applyBorder="1" applyAlignment="1"{quote}>'
        f'<alignment horizontal="{style.align}" vertical="center" wrapText="1"{indent}/></xf>'
    )


def _styles_xml() -> str:
    fonts = "".join(
        f'<font>{"<b/>" if bold else ""}<sz val="{size}"/><name val="{_FONT_NAME}"/>'
        f'<family val="3"/><charset val="129"/></font>'
        for size, bold, _ in _FONTS.values()
    )
    xfs = [_xf_xml(s, False) for s in _STYLES] + [_xf_xml(s, True) for s in _STYLES]
    return (
        _XML_DECL + f'<styleSheet xmlns="{_NS_MAIN}">'
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
_FIXED_DATE = (1980, 1, 1, 0, 0, 0)
_FIXED_STAMP = "1980-01-01T00:00:00Z"

_CONTENT_TYPES = (
    _XML_DECL + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
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
_WORKBOOK_RELS = (
    _XML_DECL + f'<Relationships xmlns="{_NS_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_NS_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_NS_REL}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
_APP = (
    _XML_DECL + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>reportgen</Application></Properties>"
)
_STATIC_PARTS = {
    "[Content_Types].xml": _CONTENT_TYPES.encode(),
    "_rels/.rels": _ROOT_RELS.encode(),
    "docProps/app.xml": _APP.encode(),
    "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS.encode(),
    "xl/styles.xml": _styles_xml().encode(),
}


# ── text helpers ───────────────────────────────────────────────────────────
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_LITERAL_ESCAPE = re.compile(r"(?=_x[0-9A-Fa-f]{4}_)")  # Excel would decode _x0041_
#: first characters that make Excel read typed or imported text as a formula (or, as CSV,
#: run it): ``= + - @``, their full-width forms, and a leading tab or line break
FORMULA_START = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20", "\t", "\r", "\n")


def looks_like_formula(text: str) -> bool:
    """True when Excel would make ``text`` a formula if it were typed into a cell."""
    return text.startswith(FORMULA_START)


def _xml_text(text: str) -> str:
    """Cell text as XML: escaped, control characters as Excel's ``_xHHHH_``."""
    text = _LITERAL_ESCAPE.sub("_x005F", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _ILLEGAL_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    return escape(text)


def _display_width(text: str) -> float:
    """Width of one line in Excel column units (Hangul and symbols ≈ 1.8 digits)."""
    wide = sum(1 for ch in text if ch > "\u00ff" and unicodedata.east_asian_width(ch) in "WFA")
    return len(text) + 0.8 * wide


def _line_count(text: str, width: float) -> int:
    """Lines a wrapped cell of ``width`` column units needs for ``text``."""
    usable = max(width - 1.5, 1.0)
    return sum(max(1, math.ceil(_display_width(part) / usable)) for part in text.split("\n"))


@cache
def _column_name(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _spans(first: int, last: int, parts: int) -> list[tuple[int, int]]:
    """Split columns first..last into ``parts`` near-equal (first, last) runs."""
    total = last - first + 1
    bounds = [first + (total * k) // parts for k in range(parts + 1)]
    return [(bounds[k], bounds[k + 1] - 1) for k in range(parts)]


# ── the sheet being built ──────────────────────────────────────────────────
@dataclass
class _Sheet:
    """Rows of ``<row>`` XML, merged ranges and the column widths of one card sheet."""

    widths: list[float]
    rows: list[str] = field(default_factory=list)
    merges: list[str] = field(default_factory=list)

    @property
    def last_col(self) -> int:
        return len(self.widths) - 1

    def row(self, cells: list[tuple[int, int, str, _Style]], height: float | None = None) -> int:
        """Add a row of (first col, last col, text, style) cells; return its 1-based number."""
        number = len(self.rows) + 1
        xml = []
        needed = 0.0
        for first, last, text, style in cells:
            xml.append(self._cell(first, number, text, style))
            if style.border != "none":  # merged cells carry the border too
                xml.extend(self._cell(col, number, "", style) for col in range(first + 1, last + 1))
            if last > first:
                self.merge(number, first, number, last)
            if text:
                width = sum(self.widths[first:last + 1]) - 2 * style.indent
                lines = _line_count(text, width)
                needed = max(needed, lines * _FONTS[style.font][2] + ROW_PADDING)
        if height is None:
            height = max(needed, _FONTS["body"][2] + ROW_PADDING)
        self.rows.append(f'<row r="{number}" ht="{height:g}" customHeight="1">{"".join(xml)}</row>')
        return number

    def line(self, text: str, style: _Style = S_LINE) -> int:
        """A full-width row holding one line of text."""
        return self.row([(0, self.last_col, text, style)])

    def gap(self, height: float = 6.0) -> int:
        """An empty spacer row."""
        return self.row([], height)

    def merge(self, row1: int, col1: int, row2: int, col2: int) -> None:
        self.merges.append(f"{_column_name(col1)}{row1}:{_column_name(col2)}{row2}")

    @staticmethod
    def _cell(col: int, row: int, text: str, style: _Style) -> str:
        ref = f"{_column_name(col)}{row}"
        index = _STYLE_INDEX[style]
        if not text:
            return f'<c r="{ref}" s="{index}"/>'
        if len(text) > MAX_CELL_CHARS:
            raise CardError(
                f"{ref}: 한 칸의 글자가 {MAX_CELL_CHARS}자를 넘습니다 / "
                f"a cell holds more than {MAX_CELL_CHARS} characters; shorten the text"
            )
        if looks_like_formula(text):
            index += _QUOTED
        return f'<c r="{ref}" s="{index}" t="inlineStr"><is><t xml:space="preserve">{_xml_text(text)}</t></is></c>'


# ── card → rows ────────────────────────────────────────────────────────────
def _header_values(card: Card) -> dict[str, str]:
    head = card.header
    return {
        L_CATEGORY: head.category,
        L_EXECUTOR: head.executor,
        L_PERIOD: head.period,
        L_STATUS: status_text(head),
        L_BUDGET: head.budget,
        L_COMPLETION: head.completion,
        L_DEPARTMENT: contact_text(head.department),
        L_COOPERATION: "\n".join(contact_text(c) for c in head.cooperation),
    }


def _title_rows(sheet: _Sheet, card: Card) -> int:
    """관리번호 and 사업명; return the last title row (repeated on every printed page)."""
    sheet.row([(0, 0, L_ID, S_LABEL), (1, 1, card.id, S_CELL)])
    return sheet.row([(0, sheet.last_col, card.title, S_TITLE)])


def _header_table(sheet: _Sheet, card: Card) -> None:
    values = _header_values(card)
    middle = (sheet.last_col + 1) // 2
    for left, right in HEADER_ROWS:
        sheet.row([
            (0, 0, left, S_LABEL), (1, middle - 1, values[left], S_CELL),
            (middle, middle, right, S_LABEL), (middle + 1, sheet.last_col, values[right], S_CELL),
        ])


def _marked(marker: str, text: str) -> str:
    return f"{marker} {text}" if marker else text


def _bullets(sheet: _Sheet, lines: list[BulletLine]) -> None:
    for line in lines:
        sheet.line(_marked(line.marker, line.text), _Style(indent=line.level))


def _plan_table(sheet: _Sheet, plan: AnnualPlan) -> None:
    """연차별 추진계획: 세부추진내용 over three header rows, 임기 내 over the years, 임기 후.

    The plan's years share out the grid's year columns (4 years over 5 columns: the last
    year spans two).
    """
    years = _plan_years(plan)
    last = sheet.last_col
    slots = _spans(1, last - 1, years)

    def year_cells(values: list[str]) -> list[tuple[int, int, str, _Style]]:
        padded = values + [""] * (years - len(values))
        return [(a, b, text, S_CELL) for (a, b), text in zip(slots, padded, strict=True)]

    top = sheet.row([(0, 0, L_PLAN_ITEM, S_LABEL), (1, last - 1, L_IN_TERM, S_LABEL),
                     (last, last, L_AFTER_TERM, S_LABEL)])
    sheet.row([(0, 0, "", S_LABEL)] + [(a, b, t, S_LABEL) for a, b, t, _ in
              year_cells([f"{y}년" for y in plan.years])] + [(last, last, "", S_LABEL)])
    sheet.row([(0, 0, "", S_LABEL)] + year_cells([percent_text(t) for t in plan.targets])
              + [(last, last, percent_text(plan.after_term_target), S_CELL)])
    sheet.merge(top, 0, top + 2, 0)
    sheet.merge(top, last, top + 1, last)
    for plan_row in plan.rows:
        sheet.row([(0, 0, plan_row.title, S_CELL)] + year_cells(list(plan_row.cells))
                  + [(last, last, plan_row.after_term, S_CELL)])


def _achievement_text(item: Achievement) -> str:
    """``○ 2023. 04. : text`` (undated: ``○ text``, or just the text when it has no marker)."""
    if not item.date:
        return _marked(item.marker, item.text)
    return _marked(item.marker or MARK_L1, f"{item.date} : {item.text}")


def _box(sheet: _Sheet, item: Achievement) -> None:
    """An undated entry with details, drawn as a bordered box (the 인허가 현황 box)."""
    lines = [(item.marker, item.text, "bold", 1)]
    lines += [(d.marker, d.text, "body", d.level) for d in item.details]
    for k, (marker, text, font, indent) in enumerate(lines):
        edge = "mid"
        if k == 0:
            edge = "all" if len(lines) == 1 else "top"
        elif k == len(lines) - 1:
            edge = "bottom"
        sheet.line(_marked(marker, text), _Style(font=font, border=edge, indent=indent))


def _achievements(sheet: _Sheet, card: Card) -> None:
    for section in card.achievements:
        sheet.line(_marked(MARK_SUBHEADING, section.title), S_SUBHEADING)
        for group in section.groups:
            if group.title:
                sheet.line(f"{GROUP_OPEN}{group.title}{GROUP_CLOSE}",
                           _Style(indent=MARKER_LEVEL[MARK_L1]))
            for item in group.items:
                if not item.date and item.details:
                    _box(sheet, item)
                    continue
                level = MARKER_LEVEL.get(item.marker, 1) if item.marker or item.date else 0
                sheet.line(_achievement_text(item), _Style(indent=level))
                _bullets(sheet, item.details)


def _communication_table(sheet: _Sheet, counts: list[int | None]) -> None:
    """구민소통 실적 under the year columns, so its five columns are as wide as the years."""
    spans = _spans(1, sheet.last_col - 1, len(COMMUNICATION_LABELS))
    values = [count_text(n) for n in counts]
    values += [COUNT_NONE] * (len(spans) - len(values))
    sheet.row([(a, b, label, S_LABEL) for (a, b), label in zip(spans, COMMUNICATION_LABELS, strict=True)])
    sheet.row([(a, b, value, S_CELL) for (a, b), value in zip(spans, values, strict=False)])


def _heading(sheet: _Sheet, heading: str) -> None:
    sheet.gap()
    sheet.line(heading, S_HEADING)


def _plan_years(plan: AnnualPlan) -> int:
    """Year columns the plan table needs (years, targets or the longest row)."""
    longest_row = max((len(row.cells) for row in plan.rows), default=0)
    return max(len(plan.years), len(plan.targets), longest_row, 1)


def _column_widths(years: int) -> list[float]:
    """세부추진내용, the year columns, 임기 후: about 96 units in all (A4 portrait)."""
    year_width = round(max(9.0, 64.0 / years), 2)
    return [18.0] + [year_width] * years + [14.0]


def _card_sheet(card: Card) -> tuple[_Sheet, int]:
    """Lay the card out; return the sheet and its last title row."""
    years = max(_plan_years(card.annual_plan), len(COMMUNICATION_LABELS))
    sheet = _Sheet(_column_widths(years))
    title_end = _title_rows(sheet, card)
    sheet.gap()
    _header_table(sheet, card)
    _heading(sheet, H_PLAN)
    for key in (GOAL, OVERVIEW, DETAIL_PLAN):
        sheet.line(_marked(MARK_SUBHEADING, PLAN_SUBHEADINGS[key]), S_SUBHEADING)
        _bullets(sheet, card.bullets.get(key, []))
    sheet.line(_marked(MARK_SUBHEADING, SUB_ANNUAL_PLAN), S_SUBHEADING)
    if card.annual_plan.years or card.annual_plan.rows:
        _plan_table(sheet, card.annual_plan)
    _heading(sheet, H_ACHIEVEMENTS)
    _achievements(sheet, card)
    _heading(sheet, SECTION_OF[FUTURE_PLAN])
    _bullets(sheet, card.bullets.get(FUTURE_PLAN, []))
    _heading(sheet, H_COMMUNICATION)
    _communication_table(sheet, card.communication)
    _heading(sheet, SECTION_OF[EFFECTS])
    _bullets(sheet, card.bullets.get(EFFECTS, []))
    return sheet, title_end


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
    return (
        _XML_DECL + f'<worksheet xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">'
        '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        f'<dimension ref="A1:{last}{len(sheet.rows)}"/>'
        '<sheetViews><sheetView showGridLines="0" workbookViewId="0"/></sheetViews>'
        '<sheetFormatPr defaultRowHeight="18"/>'
        f"<cols>{cols}</cols>"
        f'<sheetData>{"".join(sheet.rows)}</sheetData>'
        f"{merges}"
        '<printOptions horizontalCentered="1"/>'
        '<pageMargins left="0.6" right="0.6" top="0.7" bottom="0.7" header="0.3" footer="0.3"/>'
        '<pageSetup paperSize="9" orientation="portrait" fitToWidth="1" fitToHeight="0"/>'
        "<headerFooter><oddFooter>&amp;C&amp;P / &amp;N</oddFooter></headerFooter>"
        "</worksheet>"
    )


_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


def sheet_name(card: Card) -> str:
    """The sheet's name: the 관리번호 made valid (no ``[]:*?/\\``, ≤ 31 chars)."""
    name = _SHEET_NAME_BAD.sub("_", card.id).strip("'")[:31].strip("'")
    return name or L_ID


def _workbook_xml(name: str, rows: int, last_col: int, title_end: int) -> str:
    quoted = "'" + name.replace("'", "''") + "'"
    area = f"{quoted}!$A$1:${_column_name(last_col)}${rows}"
    titles = f"{quoted}!$1:${title_end}"
    return (
        _XML_DECL + f'<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">'
        "<bookViews><workbookView/></bookViews>"
        f'<sheets><sheet name={quoteattr(name)} sheetId="1" r:id="rId1"/></sheets>'
        "<definedNames>"
        f'<definedName name="_xlnm.Print_Area" localSheetId="0">{escape(area)}</definedName>'
        f'<definedName name="_xlnm.Print_Titles" localSheetId="0">{escape(titles)}</definedName>'
        "</definedNames></workbook>"
    )


def _core_xml(card: Card) -> str:
    title = _xml_text(f"{card.id} {card.title}".strip())
    return (
        _XML_DECL + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{title}</dc:title><dc:creator>reportgen</dc:creator>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{_FIXED_STAMP}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{_FIXED_STAMP}</dcterms:modified>'
        "</cp:coreProperties>"
    )


def _zip(parts: dict[str, bytes]) -> bytes:
    """A zip with fixed member dates and the given member order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=_FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=6)
    return buffer.getvalue()


def render_xlsx(card: Card) -> bytes:
    """The card as an .xlsx workbook: one sheet laid out like the printed card."""
    sheet, title_end = _card_sheet(card)
    name = sheet_name(card)
    parts = {
        "[Content_Types].xml": _STATIC_PARTS["[Content_Types].xml"],
        "_rels/.rels": _STATIC_PARTS["_rels/.rels"],
        "docProps/app.xml": _STATIC_PARTS["docProps/app.xml"],
        "docProps/core.xml": _core_xml(card).encode(),
        "xl/workbook.xml": _workbook_xml(name, len(sheet.rows), sheet.last_col, title_end).encode(),
        "xl/_rels/workbook.xml.rels": _STATIC_PARTS["xl/_rels/workbook.xml.rels"],
        "xl/styles.xml": _STATIC_PARTS["xl/styles.xml"],
        "xl/worksheets/sheet1.xml": _sheet_xml(sheet).encode(),
    }
    return _zip(parts)


# ── workbooks of many sheets (the council package) ─────────────────────────
_NUMBER = re.compile(r"\d{1,15}(\.\d{1,6})?")
_DECIMAL_FORMAT_ID = 164  # first custom number format: 0.0
_DECIMAL_XF = 2 * len(_STYLES)  # appended after the plain and the quotePrefix styles
_RESERVED_SHEET_NAMES = {"history"}  # Excel keeps this name for itself


@dataclass(frozen=True)
class SheetPart:
    """One finished worksheet of a workbook of many sheets."""

    name: str
    xml: bytes
    rows: int
    last_col: int
    title_rows: int  # rows repeated at the top of every printed page (0: none)


class _NumberSheet(_Sheet):
    """A sheet whose cells that are whole or one-decimal numbers are stored as numbers."""

    @staticmethod
    def _cell(col: int, row: int, text: str, style: _Style) -> str:
        if style == S_CELL and _NUMBER.fullmatch(text):
            index = _DECIMAL_XF if "." in text else _STYLE_INDEX[style]
            return f'<c r="{_column_name(col)}{row}" s="{index}"><v>{text}</v></c>'
        return _Sheet._cell(col, row, text, style)


def card_sheet(card: Card, name: str) -> SheetPart:
    """The card laid out as in :func:`render_xlsx`, as a sheet named ``name``."""
    sheet, title_end = _card_sheet(card)
    return SheetPart(name, _sheet_xml(sheet).encode(), len(sheet.rows), sheet.last_col, title_end)


def table_sheet(name: str, title: str, tables: list[tuple[str, list[str], list[list[str]]]],
                notes: list[str], key_width: float = 24.0) -> SheetPart:
    """A sheet of titled tables: (heading, column labels, rows) each, then the notes.

    The first cell of each row is a label; cells that are numbers (``12``, ``62.3``)
    are stored as numbers, one-decimal ones shown with one decimal. Printed landscape.
    """
    columns = max((len(labels) for _, labels, _ in tables), default=2)
    sheet = _NumberSheet([key_width] + [10.0] * (columns - 1))
    sheet.line(title, S_HEADING)
    for heading, labels, rows in tables:
        sheet.gap()
        if heading:
            sheet.line(heading, S_SUBHEADING)
        sheet.row([(col, col, text, S_LABEL) for col, text in enumerate(labels)])
        for cells in rows:
            sheet.row([(col, col, text, S_LABEL if col == 0 else S_CELL) for col, text in enumerate(cells)])
    sheet.gap()
    for note in notes:
        sheet.line(note)
    xml = _sheet_xml(sheet).replace('orientation="portrait"', 'orientation="landscape"', 1)
    return SheetPart(name, xml.encode(), len(sheet.rows), sheet.last_col, 0)


def unique_sheet_name(wanted: str, taken: set[str]) -> str:
    """``wanted`` made a valid sheet name not in ``taken`` (compared case-insensitively);
    adds it to ``taken``."""
    base = _SHEET_NAME_BAD.sub("_", wanted).strip("'")[:31].strip("'") or L_ID
    name, number = base, 1
    while name.casefold() in taken or name.casefold() in _RESERVED_SHEET_NAMES:
        number += 1
        suffix = f"({number})"
        name = base[: 31 - len(suffix)].rstrip("'") + suffix
    taken.add(name.casefold())
    return name


def _book_styles_xml() -> str:
    """The card styles plus one: a bordered, centred number with one decimal."""
    decimal = _xf_xml(S_CELL, False).replace('numFmtId="0"', f'numFmtId="{_DECIMAL_FORMAT_ID}"', 1)
    decimal = decimal.replace(' applyFont="1"', ' applyNumberFormat="1" applyFont="1"', 1)
    xml = _styles_xml()
    xml = xml.replace("<fonts ", f'<numFmts count="1"><numFmt numFmtId="{_DECIMAL_FORMAT_ID}" '
                      'formatCode="0.0"/></numFmts><fonts ', 1)
    xml = xml.replace(f'<cellXfs count="{2 * len(_STYLES)}">', f'<cellXfs count="{2 * len(_STYLES) + 1}">', 1)
    return xml.replace("</cellXfs>", decimal + "</cellXfs>", 1)


def _book_parts(sheets: list[SheetPart]) -> dict[str, str]:
    """[Content_Types].xml, xl/workbook.xml and its rels for ``sheets``."""
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1))
    types = _CONTENT_TYPES.replace(
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.worksheet+xml"/>', overrides, 1)
    rels = "".join(f'<Relationship Id="rId{i}" Type="{_NS_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, len(sheets) + 1))
    rels += f'<Relationship Id="rId{len(sheets) + 1}" Type="{_NS_REL}/styles" Target="styles.xml"/>'
    entries, names = [], []
    for index, part in enumerate(sheets):
        entries.append(f'<sheet name={quoteattr(part.name)} sheetId="{index + 1}" r:id="rId{index + 1}"/>')
        quoted = "'" + part.name.replace("'", "''") + "'"
        area = f"{quoted}!$A$1:${_column_name(part.last_col)}${max(part.rows, 1)}"
        names.append(f'<definedName name="_xlnm.Print_Area" localSheetId="{index}">{escape(area)}</definedName>')
        if part.title_rows:
            titles = f"{quoted}!$1:${part.title_rows}"
            names.append(f'<definedName name="_xlnm.Print_Titles" localSheetId="{index}">{escape(titles)}'
                         "</definedName>")
    # Excel wants the defined names sorted by name, then by sheet
    names.sort(key=lambda xml: ("Print_Titles" in xml, int(re.search(r'localSheetId="(\d+)"', xml)[1])))
    workbook = (_XML_DECL + f'<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">'
                f"<bookViews><workbookView/></bookViews><sheets>{''.join(entries)}</sheets>"
                f"<definedNames>{''.join(names)}</definedNames></workbook>")
    return {
        "[Content_Types].xml": types,
        "xl/workbook.xml": workbook,
        "xl/_rels/workbook.xml.rels": _XML_DECL + f'<Relationships xmlns="{_NS_PKG_REL}">{rels}</Relationships>',
    }


def render_book(sheets: list[SheetPart], title: str) -> bytes:
    """An .xlsx of ``sheets`` in order (names must be unique: see :func:`unique_sheet_name`).

    Same sheets in → same bytes out.
    """
    book = _book_parts(sheets)
    parts = {
        "[Content_Types].xml": book["[Content_Types].xml"].encode(),
        "_rels/.rels": _STATIC_PARTS["_rels/.rels"],
        "docProps/app.xml": _STATIC_PARTS["docProps/app.xml"],
        "docProps/core.xml": _core_xml(Card(id="", title=title)).encode(),
        "xl/workbook.xml": book["xl/workbook.xml"].encode(),
        "xl/_rels/workbook.xml.rels": book["xl/_rels/workbook.xml.rels"].encode(),
        "xl/styles.xml": _book_styles_xml().encode(),
    }
    parts.update({f"xl/worksheets/sheet{i}.xml": part.xml for i, part in enumerate(sheets, start=1)})
    return _zip(parts)
