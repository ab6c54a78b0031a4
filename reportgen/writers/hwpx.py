"""HWPX writer: any :class:`~reportgen.document.Document` as a Hangul (한/글) HWPX package.

The styled package ``templates/card.hwpx`` (made by ``templates/make_card_hwpx.py``
with python-hwpx) is read once; per document only the section parts
(``Contents/section0.xml`` …), the manifest, ``Preview/PrvText.txt`` and the
pictures' ``BinData/`` parts are built, every text escaped by
:mod:`reportgen.xmltext`, and zipped with the cached other parts
(:mod:`reportgen.writers.zippack`: ``mimetype`` first and stored, fixed dates and
order), so the same document always gives the same bytes.

Every block is drawn: the title, headings (kept with what follows), bullet
paragraphs with their literal markers, 추진실적 dated lines, the framed box (a
one-cell table), tables (spans, shaded labels, widths from the column shares,
header rows repeating on every page, rows never split across pages: Hangul's
``셀 단위로 나눔`` is ``pageBreak="TABLE"``), captions and notes kept with their
table, page breaks, pictures, the 목차 (page numbers behind a dot-leader right
tab) and sections: each orientation change starts a new section part with its
own page setup, so a landscape section is really landscape. The HWP writer
(:mod:`reportgen.writers.hwp`) builds its HWP 5.0 from the same parts
(:func:`document_parts`).

Speed (a card: some 130 texts, 50 table cells, a 54 KB section part): about half
the time is deflating the section part (level 6: the bytes must not change); the
drawing keeps per-text work small. A text goes into the parts as its UTF-8 bytes
one character each (:func:`wire`), so the joined part is taken as it is; whether
it needs escaping is told by ``str.isprintable`` first (:func:`plain`); a table
with no spans is drawn row by row from the document's cells
(:meth:`Section.grid_table`), each cell's lines measured in the same pass
(:meth:`Section._lines_body`, :func:`fits`). Nothing is cached by a card's text.
Tried and left out (no gain measured): compressing the section part's template
lead once and copying the compressor, feeding the compressor while drawing.
"""

from __future__ import annotations

import contextlib
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from itertools import count, repeat
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from reportgen import document as d
from reportgen import model as m
from reportgen.documents import card_document
from reportgen.errors import CardError
from reportgen.resources import WriterOptions, template_path
from reportgen.writers.zippack import Member, MemberSink, Spooled, Writable, ZipSpool, zip_members
from reportgen.xmltext import escape, escape_attribute, one_line

SECTION_PART = "Contents/section0.xml"
PREVIEW_PART = "Preview/PrvText.txt"
MANIFEST_PART = "Contents/content.hpf"
HEADER_PART = "Contents/header.xml"
PREVIEW_CHARS = 1024  # Preview/PrvText.txt holds the start of the text, as Hangul's does

# ── page and table geometry (HWPUNIT: 1 pt = 100, 1 mm ≈ 283) ─────────────
PAGE_WIDTH, PAGE_HEIGHT = 59528, 84186  # A4 portrait; a landscape page keeps them and is turned
MARGIN_SIDE, MARGIN_TOP, MARGIN_BOTTOM, MARGIN_HEADER = 5102, 4252, 4252, 2835
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN_SIDE
#: text width of a page in each orientation
TEXT_WIDTHS = {"portrait": TEXT_WIDTH, "landscape": PAGE_HEIGHT - 2 * MARGIN_SIDE}
#: hp:pagePr@landscape as Hancom writes it: WIDELY draws the paper as stored, NARROWLY turns it
PAGE_TURN = {"portrait": "WIDELY", "landscape": "NARROWLY"}
ROW_HEIGHT = 1700
CELL_PADDING = (1020, 282)  # left + right, top + bottom cell margins
#: font size (HWPUNIT) and line spacing (%) of the cell text shapes, to size rows before Hangul does
_CHAR_SIZE = {"cell": 1000, "label": 1000, "body": 1200, "group": 1200, "detail": 1100}
_LINE_SPACING = {"box_title": 150, "box_line": 150}
_PARA_LEFT = {"box_line": 1000}  # where the first line starts
_SPACE = 0.3
BOX_INDENT = 2800  # the framed box starts where level-1 text does
TOC_LEADER, TOC_RIGHT = 2, 1  # hp:tab leader DOT and type RIGHT (as the template's 목차 tab stop)

_NS = (
    'xmlns:ha="http://www.hancom.co.kr/hwpml/2011/app" '
    'xmlns:hp="http://www.hancom.co.kr/hwpml/2011/paragraph" '
    'xmlns:hp10="http://www.hancom.co.kr/hwpml/2016/paragraph" '
    'xmlns:hs="http://www.hancom.co.kr/hwpml/2011/section" '
    'xmlns:hc="http://www.hancom.co.kr/hwpml/2011/core" '
    'xmlns:hh="http://www.hancom.co.kr/hwpml/2011/head" '
    'xmlns:hhs="http://www.hancom.co.kr/hwpml/2011/history" '
    'xmlns:hm="http://www.hancom.co.kr/hwpml/2011/master-page" '
    'xmlns:hpf="http://www.hancom.co.kr/schema/2011/hpf" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:opf="http://www.idpf.org/2007/opf/" '
    'xmlns:ooxmlchart="http://www.hancom.co.kr/hwpml/2016/ooxmlchart" '
    'xmlns:hwpunitchar="http://www.hancom.co.kr/hwpml/2016/HwpUnitChar" '
    'xmlns:epub="http://www.idpf.org/2007/ops" '
    'xmlns:config="urn:oasis:names:tc:opendocument:xmlns:config:1.0"'
)
_SECTION_HEAD = f'<?xml version="1.0" encoding="UTF-8" standalone="yes" ?><hs:sec {_NS}>'.encode()


@cache
def sec_pr(orientation: str = "portrait") -> str:
    """The page setup a section's first paragraph carries: A4, turned for ``landscape``."""
    return (
        '<hp:secPr id="" textDirection="HORIZONTAL" spaceColumns="1134" tabStop="8000" tabStopVal="4000" '
        'tabStopUnit="HWPUNIT" outlineShapeIDRef="1" memoShapeIDRef="0" textVerticalWidthHead="0" masterPageCnt="0">'
        '<hp:grid lineGrid="0" charGrid="0" wonggojiFormat="0"/>'
        '<hp:startNum pageStartsOn="BOTH" page="0" pic="0" tbl="0" equation="0"/>'
        '<hp:visibility hideFirstHeader="0" hideFirstFooter="0" hideFirstMasterPage="0" border="SHOW_ALL" '
        'fill="SHOW_ALL" hideFirstPageNum="0" hideFirstEmptyLine="0" showLineNumber="0"/>'
        '<hp:lineNumberShape restartType="0" countBy="0" distance="0" startNumber="0"/>'
        f'<hp:pagePr landscape="{PAGE_TURN[orientation]}" width="{PAGE_WIDTH}" height="{PAGE_HEIGHT}" '
        'gutterType="LEFT_ONLY">'
        f'<hp:margin header="{MARGIN_HEADER}" footer="{MARGIN_HEADER}" gutter="0" left="{MARGIN_SIDE}" '
        f'right="{MARGIN_SIDE}" top="{MARGIN_TOP}" bottom="{MARGIN_BOTTOM}"/></hp:pagePr>'
        '<hp:footNotePr><hp:autoNumFormat type="DIGIT" userChar="" prefixChar="" suffixChar=")" supscript="0"/>'
        '<hp:noteLine length="-1" type="SOLID" width="0.12 mm" color="#000000"/>'
        '<hp:noteSpacing betweenNotes="283" belowLine="567" aboveLine="850"/>'
        '<hp:numbering type="CONTINUOUS" newNum="1"/><hp:placement place="EACH_COLUMN" beneathText="0"/>'
        '</hp:footNotePr>'
        '<hp:endNotePr><hp:autoNumFormat type="DIGIT" userChar="" prefixChar="" suffixChar=")" supscript="0"/>'
        '<hp:noteLine length="14692344" type="SOLID" width="0.12 mm" color="#000000"/>'
        '<hp:noteSpacing betweenNotes="0" belowLine="567" aboveLine="850"/>'
        '<hp:numbering type="CONTINUOUS" newNum="1"/><hp:placement place="END_OF_DOCUMENT" beneathText="0"/>'
        '</hp:endNotePr>'
        + "".join(
            f'<hp:pageBorderFill type="{kind}" borderFillIDRef="1" textBorder="PAPER" headerInside="0" '
            'footerInside="0" fillArea="PAPER"><hp:offset left="1417" right="1417" top="1417" bottom="1417"/>'
            '</hp:pageBorderFill>'
            for kind in ("BOTH", "EVEN", "ODD")
        )
        + '</hp:secPr><hp:ctrl><hp:colPr id="" type="NEWSPAPER" layout="LEFT" colCount="1" sameSz="1" '
        'sameGap="0"/></hp:ctrl>'
    )


#: hp:pos@horzAlign of a table by its document alignment
_HORZ_ALIGN = {"left": "LEFT", "center": "CENTER", "right": "RIGHT", "": "LEFT"}
_CELL_MARGIN = '<hp:cellMargin left="510" right="510" top="141" bottom="141"/>'


def _table_pos(align: str, offset: int) -> str:
    """A table that flows with its paragraph and breaks across pages (not 'treat as a character',
    which Hangul never breaks), placed left, centred or right in the column."""
    return (
        '<hp:pos treatAsChar="0" affectLSpacing="0" flowWithText="1" allowOverlap="0" holdAnchorAndSO="0" '
        f'vertRelTo="PARA" horzRelTo="COLUMN" vertAlign="TOP" horzAlign="{_HORZ_ALIGN.get(align, "LEFT")}" '
        f'vertOffset="0" horzOffset="{offset}"/>'
        '<hp:outMargin left="0" right="0" top="0" bottom="0"/>'
        '<hp:inMargin left="510" right="510" top="141" bottom="141"/>'
    )


# ── the template package ──────────────────────────────────────────────────
@dataclass(frozen=True)
class Template:
    """The cached parts of ``card.hwpx`` and the ids of its shapes by name."""

    members: tuple[Member, ...]  # in package order, compressed once
    raw: dict[str, bytes]
    char: dict[str, str]
    para: dict[str, str]
    border: dict[str, str]


def load_template(options: WriterOptions | None = None) -> Template:
    """``card.hwpx`` and ``hwpx/styles.json`` (the office's copies when ``options`` names a folder), read once."""
    if options is None or options.templates is None:
        return _packaged()
    return _load(template_path("card.hwpx", options), template_path("hwpx/styles.json", options))


@cache
def _packaged() -> Template:
    """The packaged template (no paths to make and hash per card)."""
    return _load(template_path("card.hwpx"), template_path("hwpx/styles.json"))


@cache
def _load(package_path: Path, styles_path: Path) -> Template:
    with zipfile.ZipFile(package_path) as package:
        raw = {name: package.read(name) for name in package.namelist()}
    members = tuple(part_member(name, data) for name, data in raw.items())
    styles = json.loads(styles_path.read_text(encoding="utf-8"))
    return Template(members, raw, styles["char"], styles["para"], styles["border"])


# ── section XML ───────────────────────────────────────────────────────────
@dataclass(slots=True)
class Cell:
    """One table cell as drawn: its lines (one paragraph each), place, spans and look."""

    lines: Sequence[str]
    row: int
    col: int
    row_span: int = 1
    col_span: int = 1
    label: bool = False
    left: bool = False
    shapes: Sequence[tuple[str, str]] = ()  # (para, char) per line, if not the default


#: What the HWP writer needs of a drawn paragraph: (id, paragraph shape, character shape, escaped text,
#: page break, orientation of the page setup it carries or "")
PlanParagraph = tuple[int, str, str, str, bool, str]


class PlanCell(NamedTuple):
    """A drawn table cell as the HWP writer needs it: the cell, its size, fill, header flag and paragraphs."""

    cell: Cell
    width: int
    height: int
    fill: str
    header: bool
    paragraphs: tuple[PlanParagraph, ...]


@dataclass(frozen=True)
class PlanTable:
    """A drawn table (in its anchor paragraph) as the HWP writer needs it."""

    anchor: PlanParagraph
    table_id: int
    rows: int
    widths: tuple[int, ...]
    height: int
    border: str
    header_rows: int
    keep_rows: bool
    align: str
    offset: int
    cells: tuple[PlanCell, ...]


#: One top-level item of a section's plan: a paragraph, a table, or None for what the plan does not
#: describe (a 목차 line, a picture): the HWP writer then reads the section XML instead
PlanItem = PlanParagraph | PlanTable | None


@dataclass(frozen=True)
class SectionPlan:
    """What a section part holds, item by item, for the HWP writer to write its records from (built with
    the XML, so the HWP writer need not parse it); ``xml`` is the part it describes."""

    orientation: str
    items: tuple[PlanItem, ...]
    xml: bytes


class _Tags:
    """A template's opening tags, built once: ``<hp:p …`` up to its id, and ``<hp:run …>`` per shape."""

    def __init__(self, style: Template) -> None:
        self.para = {name: f' paraPrIDRef="{ref}" styleIDRef="0" pageBreak="' for name, ref in style.para.items()}
        self.run = {name: f'<hp:run charPrIDRef="{ref}">' for name, ref in style.char.items()}
        self.fill = {name: (
            f'" hasMargin="0" protect="0" editable="0" dirty="0" borderFillIDRef="{ref}"><hp:subList id="" '
            'textDirection="HORIZONTAL" lineWrap="BREAK" vertAlign="CENTER" linkListIDRef="0" '
            'linkListNextIDRef="0" textWidth="0" textHeight="0" hasTextRef="0" hasNumRef="0">')
            for name, ref in style.border.items()}
        self.opening: dict[tuple[str, str], str] = {}

    def open_plain(self, shape: tuple[str, str]) -> str:
        """After ``<hp:p id="…"``: the rest of the opening of a paragraph of ``shape`` (paragraph, character
        shape) with no page break, and its run's opening."""
        tags = self.opening[shape] = f"{self.para[shape[0]]}0{_P_TAIL}{self.run[shape[1]]}"
        return tags


_P_TAIL = '" columnBreak="0" merged="0">'
_TAGS: dict[int, tuple[Template, _Tags]] = {}


#: what a per-template memo keeps
Kept = TypeVar("Kept")


def kept_for(cache: dict[int, tuple[Template, Kept]], style: Template, make: Callable[[Template], Kept]) -> Kept:
    """``make(style)``, made once per loaded template and kept in ``cache`` with the template itself
    (ids are reused once a template is gone); at most 9 templates are kept."""
    kept = cache.get(id(style))
    if kept is None or kept[0] is not style:
        if len(cache) > 8:
            cache.clear()
        kept = cache[id(style)] = (style, make(style))
    return kept[1]


def _tags(style: Template) -> _Tags:
    """The opening tags of ``style``."""
    return kept_for(_TAGS, style, _Tags)


@dataclass
class Section:
    """Builds one section part paragraph by paragraph; its first paragraph carries the page setup.

    Beside the XML it keeps its plan (:class:`SectionPlan`): what the HWP writer writes records from.
    """

    style: Template
    parts: list[str] = field(default_factory=list)
    ids: Iterator[int] = field(default_factory=lambda: count(1))
    first: bool = True
    break_next: bool = False  # the next paragraph starts a new page
    orientation: str = "portrait"
    plan: list[PlanItem] = field(default_factory=list)
    planning: bool = True  # keep the plan (the HWP writer's): off when only the HWPX is wanted

    def __post_init__(self) -> None:
        self.tags = _tags(self.style)

    @property
    def text_width(self) -> int:
        return TEXT_WIDTHS[self.orientation]

    def page_break(self) -> None:
        """Start the next paragraph (or table) on a new page."""
        self.break_next = not self.first or bool(self.parts)

    def _open(self, para: str) -> str:
        pid = next(self.ids)
        page_break = int(self.break_next)
        self.break_next = False
        return f'<hp:p id="{pid}"{self.tags.para[para]}{page_break}{_P_TAIL}'

    def _sec_pr(self) -> str:
        """The page setup, carried by the first paragraph."""
        if not self.first:
            return ""
        self.first = False
        return f'{self.tags.run["body"]}{sec_pr(self.orientation)}</hp:run>'

    def _next_paragraph(self) -> tuple[int, bool, str]:
        """The next paragraph's id, whether a page break is due before it, and the orientation of its
        page setup (the section's first paragraph carries it; "" for the others)."""
        pid = next(self.ids)
        page_break, self.break_next = self.break_next, False
        if not self.first:
            return pid, page_break, ""
        self.first = False
        return pid, page_break, self.orientation

    def _paragraph(self, text: str, para: str, char: str, plan: list[PlanParagraph] | None) -> str:
        """One paragraph of one run, its plan added to ``plan`` (if any)."""
        pid, page_break, setup = self._next_paragraph()
        body = printed(text)
        if plan is not None:
            plan.append((pid, para, char, body, page_break, setup))
        if page_break or setup:
            opening = (f'{self.tags.para[para]}{int(page_break)}{_P_TAIL}'
                       f'{self.tags.run["body"] + sec_pr(setup) + "</hp:run>" if setup else ""}{self.tags.run[char]}')
        else:
            opening = self.tags.opening.get((para, char)) or self.tags.open_plain((para, char))
        return (f'<hp:p id="{pid}"{opening}<hp:t>{body if body.isascii() else wire(body)}</hp:t></hp:run></hp:p>'
                if body
                else f'<hp:p id="{pid}"{opening}<hp:t/></hp:run></hp:p>')

    def paragraph_xml(self, text: str, para: str, char: str) -> str:
        """One paragraph of one run (not in the plan)."""
        return self._paragraph(text, para, char, None)

    def paragraph(self, text: str, para: str, char: str = "body") -> None:
        """One paragraph of one run (:meth:`_paragraph`; a paragraph with no page break or page setup,
        most of them, drawn here with its shapes' cached opening tags)."""
        if self.break_next or self.first:
            self.parts.append(self._paragraph(text, para, char, self.plan if self.planning else None))
            return
        pid = next(self.ids)
        body = (text.strip() if text.isprintable() and "&" not in text and "<" not in text and ">" not in text
                else printed(text))  # plain(text) inlined
        if self.planning:
            self.plan.append((pid, para, char, body, False, ""))
        opening = self.tags.opening.get((para, char)) or self.tags.open_plain((para, char))
        self.parts.append(
            f'<hp:p id="{pid}"{opening}<hp:t>{body if body.isascii() else wire(body)}</hp:t></hp:run></hp:p>'
            if body else f'<hp:p id="{pid}"{opening}<hp:t/></hp:run></hp:p>')

    def contents_line(self, text: str, page: int | None) -> None:
        """A 목차 line: the text, then the page number behind the dot-leader right tab."""
        if page is None:
            self.paragraph(text, "toc")
            return
        number = str(page)
        gap = max(0, self.text_width - int((text_width(text) + text_width(number)) * _CHAR_SIZE["body"]))
        tab = f'<hp:tab width="{gap}" leader="{TOC_LEADER}" type="{TOC_RIGHT}"/>'
        self.plan.append(None)
        self.parts.append(
            f'{self._open("toc")}{self._sec_pr()}<hp:run charPrIDRef="{self.style.char["body"]}">'
            f'<hp:t>{wire(printed(text))}{tab}{number}</hp:t></hp:run></hp:p>')

    def picture(self, item: str, width: int, height: int, align: str) -> None:
        """An inline picture of the package's binary item ``item``, in a paragraph of its own."""
        pid = next(self.ids)
        para = {"": "picture", "center": "picture", "right": "right"}.get(align, "picture")
        self.plan.append(None)
        self.parts.append(
            f'{self._open(para)}{self._sec_pr()}<hp:run charPrIDRef="{self.style.char["body"]}">'
            f'<hp:pic textWrap="TOP_AND_BOTTOM" textFlow="BOTH_SIDES" reverse="0" id="{pid}" zOrder="0" '
            f'numberingType="PICTURE" lock="0" dropcapstyle="None" href="" groupLevel="0" instid="{pid}">'
            f'<hp:offset x="0" y="0"/><hp:orgSz width="{width}" height="{height}"/>'
            f'<hp:curSz width="{width}" height="{height}"/><hp:flip horizontal="0" vertical="0"/>'
            f'<hp:rotationInfo angle="0" centerX="{width // 2}" centerY="{height // 2}" rotateimage="1"/>'
            '<hp:renderingInfo><hc:transMatrix e1="1" e2="0" e3="0" e4="0" e5="1" e6="0"/>'
            '<hc:scaMatrix e1="1" e2="0" e3="0" e4="0" e5="1" e6="0"/>'
            '<hc:rotMatrix e1="1" e2="0" e3="0" e4="0" e5="1" e6="0"/></hp:renderingInfo>'
            f'<hp:imgRect><hc:pt0 x="0" y="0"/><hc:pt1 x="{width}" y="0"/><hc:pt2 x="{width}" y="{height}"/>'
            f'<hc:pt3 x="0" y="{height}"/></hp:imgRect>'
            f'<hp:imgClip left="0" right="{width}" top="0" bottom="{height}"/>'
            '<hp:inMargin left="0" right="0" top="0" bottom="0"/>'
            f'<hp:imgDim dimwidth="{width}" dimheight="{height}"/>'
            f'<hc:img binaryItemIDRef="{item}" bright="0" contrast="0" effect="REAL_PIC" alpha="0"/>'
            f'<hp:effects/><hp:sz width="{width}" height="{height}" widthRelTo="ABSOLUTE" heightRelTo="ABSOLUTE" '
            'protect="0"/><hp:pos treatAsChar="1" affectLSpacing="0" flowWithText="1" allowOverlap="0" '
            'holdAnchorAndSO="0" vertRelTo="PARA" horzRelTo="COLUMN" vertAlign="TOP" horzAlign="LEFT" '
            'vertOffset="0" horzOffset="0"/><hp:outMargin left="0" right="0" top="0" bottom="0"/>'
            '<hp:shapeComment/></hp:pic><hp:t/></hp:run></hp:p>')

    def table(self, cells: list[Cell], widths: list[int], anchor: str = "anchor", border: str = "cell",
              header_rows: int = 0, *, keep_rows: bool = True, align: str = "left", offset: int = 0) -> None:
        """A table of *cells* (only the cells that are drawn; spans cover the rest).

        ``keep_rows``: a row moves whole to the next page (Hangul's 셀 단위로 나눔,
        ``pageBreak="TABLE"``) instead of being cut; the first ``header_rows`` repeat.
        Each cell's paragraphs and the height they need come from one pass over its lines
        (:meth:`_lines_body`); the row heights from those needs (:func:`spread_heights`).
        """
        rows = max(c.row + c.row_span for c in cells)
        by_row: list[list[int]] = [[] for _ in range(rows)]
        for index, c in enumerate(cells):
            by_row[c.row].append(index)
        cell_widths = [widths[c.col] if c.col_span == 1 else sum(widths[c.col: c.col + c.col_span]) for c in cells]
        tid = next(self.ids)
        anchor_plan: list[PlanParagraph] = []
        opening = self._paragraph_open(anchor, anchor_plan)
        bodies: list[str] = [""] * len(cells)
        needs: list[int] = [0] * len(cells)
        plans: list[tuple[PlanParagraph, ...]] = [()] * len(cells)
        body = self._lines_body
        for row_cells in by_row:
            for i in row_cells:
                cell = cells[i]
                bodies[i], needs[i], plans[i] = body(
                    cell.lines, cell.shapes, _CELL_SHAPES[(1 if cell.left else 0) + (2 if cell.label else 0)],
                    cell_widths[i])
        heights = spread_heights(cells, needs, rows)
        xml = [opening, self._table_head(tid, widths, heights, border, header_rows, keep_rows, align, offset)]
        planned: list[PlanCell] | None = [] if self.planning else None
        fills = self.tags.fill
        for row, row_cells in enumerate(by_row):
            xml.append("<hp:tr>")
            header = int(row < header_rows)
            for i in row_cells:
                cell = cells[i]
                fill = "label" if cell.label else border
                height = heights[cell.row] if cell.row_span == 1 else sum(heights[cell.row: cell.row + cell.row_span])
                if planned is not None:
                    planned.append(PlanCell(cell, cell_widths[i], height, fill, bool(header), plans[i]))
                xml.append(
                    f'<hp:tc name="" header="{header}{fills[fill]}{bodies[i]}</hp:subList>'
                    f'<hp:cellAddr colAddr="{cell.col}" rowAddr="{cell.row}"/>'
                    f'<hp:cellSpan colSpan="{cell.col_span}" rowSpan="{cell.row_span}"/>'
                    f'<hp:cellSz width="{cell_widths[i]}" height="{height}"/>{_CELL_MARGIN}</hp:tc>')
            xml.append("</hp:tr>")
        xml.append("</hp:tbl><hp:t/></hp:run></hp:p>")
        self.parts.append("".join(xml))
        if planned is not None:
            self.plan.append(PlanTable(anchor_plan[0], tid, rows, tuple(widths), sum(heights), border, header_rows,
                                       keep_rows, align, offset, tuple(planned)))

    def grid_table(self, table: d.Table, widths: list[int], anchor: str, *, keep_rows: bool) -> None:
        """A table whose every row holds one cell a column and no cell spans (:func:`_plain_grid`), drawn
        row by row from the document's cells: the XML and plan :meth:`table` draws of
        :func:`table_cells` (a row is as high as its highest cell; no cell objects unless planning)."""
        fields, figures = table.style == d.STYLE_FIELDS, table.style == d.STYLE_FIGURES
        header_rows, fills, body = table.header_rows, self.tags.fill, self._lines_body
        tid = next(self.ids)
        anchor_plan: list[PlanParagraph] = []
        opening = self._paragraph_open(anchor, anchor_plan)
        planned: list[PlanCell] | None = [] if self.planning else None
        rows_xml: list[str] = []
        heights: list[int] = []
        for r, row in enumerate(table.rows):
            height, drawn = ROW_HEIGHT, []
            for col, item in enumerate(row.cells):
                left = not item.label and (fields or figures and col == 0)
                xml, need, plan = body(item.lines, (), _CELL_SHAPES[(1 if left else 0) + (2 if item.label else 0)],
                                       widths[col])
                height = need if need > height else height
                drawn.append((xml, plan, left))
            heights.append(height)
            header = int(r < header_rows)
            parts = ["<hp:tr>"]
            for col, (item, (xml, plan, left)) in enumerate(zip(row.cells, drawn, strict=True)):
                fill = "label" if item.label else "cell"
                if planned is not None:
                    planned.append(PlanCell(Cell(item.lines, r, col, 1, 1, item.label, left), widths[col], height,
                                            fill, bool(header), plan))
                parts.append(
                    f'<hp:tc name="" header="{header}{fills[fill]}{xml}</hp:subList>'
                    f'<hp:cellAddr colAddr="{col}" rowAddr="{r}"/><hp:cellSpan colSpan="1" rowSpan="1"/>'
                    f'<hp:cellSz width="{widths[col]}" height="{height}"/>{_CELL_MARGIN}</hp:tc>')
            parts.append("</hp:tr>")
            rows_xml.append("".join(parts))
        head = self._table_head(tid, widths, heights, "cell", header_rows, keep_rows, table.align, 0)
        self.parts.append(f'{opening}{head}{"".join(rows_xml)}</hp:tbl><hp:t/></hp:run></hp:p>')
        if planned is not None:
            self.plan.append(PlanTable(anchor_plan[0], tid, len(heights), tuple(widths), sum(heights), "cell",
                                       header_rows, keep_rows, table.align, 0, tuple(planned)))

    def _table_head(self, tid: int, widths: list[int], heights: list[int], border: str, header_rows: int,
                    keep_rows: bool, align: str, offset: int) -> str:
        """A table's run and ``hp:tbl`` opening, its size and place (before its rows)."""
        return (
            f'{self.tags.run["body"]}'
            f'<hp:tbl id="{tid}" zOrder="0" numberingType="TABLE" textWrap="TOP_AND_BOTTOM" '
            'textFlow="BOTH_SIDES" lock="0" dropcapstyle="None" '
            f'pageBreak="{"TABLE" if keep_rows else "CELL"}" repeatHeader="{1 if header_rows else 0}" '
            f'rowCnt="{len(heights)}" colCnt="{len(widths)}" cellSpacing="0" '
            f'borderFillIDRef="{self.style.border[border]}" noAdjust="0">'
            f'<hp:sz width="{sum(widths)}" widthRelTo="ABSOLUTE" height="{sum(heights)}" '
            'heightRelTo="ABSOLUTE" protect="0"/>'
            f'{_table_pos(align, offset)}'
        )

    def _lines_body(self, lines: Sequence[str], shapes: Sequence[tuple[str, str]], default: tuple[str, str],
                    width: int) -> tuple[str, int, tuple[PlanParagraph, ...]]:
        """A cell's paragraphs, one a line in its ``shapes`` (or all in ``default``), as :meth:`_paragraph`
        draws them (inside a table no paragraph carries the page setup or a page break, which its anchor
        paragraph took), the height they need in ``width`` (as :func:`cell_height` works it out) and
        their plan (empty when not planning)."""
        ids, opening, planning = self.ids, self.tags.opening, self.planning
        lines = lines or _NO_LINES
        if shapes:
            pairs: Iterable[tuple[str, tuple[str, str]]] = zip(lines, shapes, strict=True)
        else:
            pairs = zip(lines, repeat(default))
        total, xml, plan = CELL_PADDING[1] + 200, [], []
        for text, shape in pairs:
            if (text.isprintable() and "&" not in text and "<" not in text and ">" not in text) or plain(text):
                body = line = text.strip()
            else:
                body, line = printed(text), line_text(text)
            size, left, spacing = _METRICS.get(shape) or _metrics(*shape)
            room = (width - left) / size
            total += (size * spacing // 100 if fits(line, room if room > 1.0 else 1.0)
                      else _wrapped(line, max(1.0, room)) * size * spacing // 100)
            pid = next(ids)
            if planning:
                plan.append((pid, shape[0], shape[1], body, False, ""))
            tags = opening.get(shape) or self.tags.open_plain(shape)
            xml.append(f'<hp:p id="{pid}"{tags}<hp:t>{body if body.isascii() else wire(body)}</hp:t></hp:run></hp:p>'
                       if body
                       else f'<hp:p id="{pid}"{tags}<hp:t/></hp:run></hp:p>')
        if len(xml) == 1:
            return xml[0], total, tuple(plan) if planning else ()
        return "".join(xml), total, tuple(plan) if planning else ()

    def _paragraph_open(self, para: str, plan: list[PlanParagraph]) -> str:
        """A paragraph's opening tag and page setup (when it is the first), its plan (no text) added to ``plan``."""
        pid, page_break, setup = self._next_paragraph()
        plan.append((pid, para, "body", "", page_break, setup))
        return (f'<hp:p id="{pid}"{self.tags.para[para]}{int(page_break)}{_P_TAIL}'
                f'{self.tags.run["body"] + sec_pr(setup) + "</hp:run>" if setup else ""}')

    def xml(self) -> bytes:
        """The whole section part (an empty section still carries its page setup), once: the drawn
        pieces are let go as they are joined, so that a package's section of tens of MB is held in
        at most two copies at a time (pieces and text, text and bytes, bytes and part)."""
        self.close()
        data = self.drained()
        return b"".join((_SECTION_HEAD, data, b"</hs:sec>"))

    def close(self) -> None:
        """Nothing more to draw: an empty section still gets a paragraph, for its page setup."""
        if self.first:
            self.paragraph("", "free")

    def drained(self) -> bytes:
        """The pieces drawn since the last call, as bytes (:func:`wire`), let go: what a section
        written piece by piece (:func:`spool_sections`) hands on. Drawing does not look back at
        them (a page break asks ``first``, not the pieces)."""
        text = "".join(self.parts)
        self.parts = []
        return text.encode("latin-1")

    def section_plan(self, xml: bytes) -> SectionPlan:
        """The plan of the section part ``xml`` (made by :meth:`xml`)."""
        return SectionPlan(self.orientation, tuple(self.plan), xml)



#: what :func:`printed` must change: characters below U+0020, what XML cannot hold, ``& < >``
_NOT_PLAIN = re.compile("[\x00-\x1f&<>\ud800-\udfff\ufffe\uffff]")
#: what :func:`reportgen.xmltext.one_line` must change besides the surrounding spaces
_NOT_ONE_LINE = re.compile("[\x00-\x1f\ud800-\udfff\ufffe\uffff]")


def wire(text: str) -> str:
    """A non-ASCII ``text`` as it goes into a section's parts: its UTF-8 bytes, one character each.

    The parts hold template tags (ASCII) and texts so; joined they are one byte a character, and
    :meth:`Section.xml` takes their bytes as they are (``encode("latin-1")``: a copy) instead of
    encoding some 50,000 characters to UTF-8 one by one. A text that missed this fails there
    when it holds a character over U+00FF; one of U+0080–U+00FF would be written as Latin-1:
    the tests draw every kind of block with such text (test_every_text_goes_to_the_xml_as_utf8)."""
    return text.encode().decode("latin-1")


def plain(text: str) -> bool:
    """Whether :data:`_NOT_PLAIN` finds nothing in ``text``, told fast for most text: a printable text
    (``str.isprintable``: no control character, surrogate or non-character) with no ``& < >``; the
    rest (a tab, an ideographic space, …) is searched."""
    if text.isprintable():
        return "&" not in text and "<" not in text and ">" not in text
    return _NOT_PLAIN.search(text) is None


def printed(text: str) -> str:
    """A line of text for an ``hp:t``: :func:`reportgen.xmltext.one_line`, then escaped (in one pass over
    what XML cannot hold); plain text (most of it) is only trimmed."""
    if plain(text):
        return text.strip()
    return escape(text.replace("\t", " ").replace("\r", " ").replace("\n", " ")).strip()


def line_text(text: str) -> str:
    """:func:`reportgen.xmltext.one_line`, with plain text (most of it) only trimmed."""
    return text.strip() if text.isprintable() or _NOT_ONE_LINE.search(text) is None else one_line(text)


#: a cell with no lines draws one empty paragraph
_NO_LINES = ("",)
#: a cell's (paragraph, character) shape when it names none, by ``left`` + 2 × ``label``
_CELL_SHAPES = (("cell", "cell"), ("cell_left", "cell"), ("cell", "label"), ("cell_left", "label"))
#: no character is wider than this (ems; :func:`text_width` gives at most 1.4, a 4-byte character):
#: a line of ``n`` characters with ``n × _WIDEST`` ≤ room fits without measuring it
_WIDEST = 1.5


def cell_paragraphs(cell: Cell) -> list[tuple[str, tuple[str, str]]]:
    """(text, (paragraph shape, character shape)) of each paragraph of a cell."""
    default = ("cell_left" if cell.left else "cell", "label" if cell.label else "cell")
    lines = cell.lines or [""]
    shapes = cell.shapes or [default] * len(lines)
    return list(zip(lines, shapes, strict=True))


# ── row heights, estimated before Hangul lays the table out again ───────────
def text_width(text: str) -> float:
    """Width of *text* in ems, roughly: a space 0.3, ASCII 0.5, Latin/Greek 0.6, Hangul and CJK 1.0.

    Counted from the UTF-8 length (1, 2 or 3 bytes a character) instead of character by character.
    """
    size, spaces = len(text), text.count(" ")
    if text.isascii():
        return 0.5 * size - (0.5 - _SPACE) * spaces
    ascii_ = len(text.encode("ascii", "ignore"))
    wide = len(text.encode("utf-8", "surrogatepass")) - 2 * size + ascii_
    return 0.5 * ascii_ - (0.5 - _SPACE) * spaces + 0.6 * (size - ascii_ - wide) + wide


def fits(text: str, room: float) -> bool:
    """``text_width(text) <= room``, mostly told without the exact measure (its ASCII count costs most):
    a short line (:data:`_WIDEST`), an ASCII line (measured as :func:`text_width` does), or a line whose
    upper bound fits. With ``x`` UTF-8 bytes beyond one a character (1 for Latin, 2 for Hangul, 3 for a
    4-byte one), the width is ``0.5 n − 0.2 spaces + 0.25 x + 0.15 (n4 − n2)``: at most ``… + 0.3 x``,
    at least ``… + 0.1 x`` (a line wider than that wraps without the measure either)."""
    size = len(text)
    if size * _WIDEST <= room:
        return True
    spaces = text.count(" ")
    if text.isascii():
        return 0.5 * size - (0.5 - _SPACE) * spaces <= room
    extra = len(text.encode("utf-8", "surrogatepass")) - size
    base = 0.5 * size - (0.5 - _SPACE) * spaces
    if base + 0.3 * extra < room - _SLACK:
        return True
    if base + 0.1 * extra > room + _SLACK:  # at least this wide (n2 <= x): it wraps
        return False
    return text_width(text) <= room


_SLACK = 1e-9  # an upper bound fits only this far inside the room: rounding never decides


def wrapped_lines(text: str, room: float) -> int:
    """Lines *text* takes in *room* ems, wrapped at spaces (a word wider than a line breaks anywhere)."""
    if text_width(text) <= room:
        return 1
    return _wrapped(text, room)


def _wrapped(text: str, room: float) -> int:
    """:func:`wrapped_lines` of a text wider than *room* (each word's :func:`text_width` worked out here:
    a word holds no space)."""
    lines, used = 0, -1.0  # used < 0: no line started yet
    for word in text.split(" "):
        size = len(word)
        if word.isascii():
            width = 0.5 * size
        else:
            ascii_ = len(word.encode("ascii", "ignore"))
            wide = len(word.encode("utf-8", "surrogatepass")) - 2 * size + ascii_
            width = 0.5 * ascii_ + 0.6 * (size - ascii_ - wide) + wide
        if used >= 0 and used + _SPACE + width <= room:
            used += _SPACE + width
            continue
        if width < room:  # a new line it fits on (divmod would give 0 and the width)
            lines += 1
            used = width
            continue
        full, rest = divmod(width, room)
        lines += 1 + int(full) - (1 if full and not rest else 0)
        used = rest if rest or not full else room
    return max(lines, 1)


def _metrics(para: str, char: str) -> tuple[int, int, int]:
    """(font size, where the first line starts, line spacing %) of a cell paragraph's shapes (kept)."""
    found = _METRICS[para, char] = (
        _CHAR_SIZE.get(char, 1000), CELL_PADDING[0] + _PARA_LEFT.get(para, 0), _LINE_SPACING.get(para, 130))
    return found


_METRICS: dict[tuple[str, str], tuple[int, int, int]] = {}


def cell_height(cell: Cell, width: int, paragraphs: list[tuple[str, tuple[str, str]]] | None = None) -> int:
    """Height the cell's text needs (HWPUNIT), estimated; Hangul lays it out again anyway.

    ``paragraphs``: the cell's :func:`cell_paragraphs`, when already at hand."""
    total = CELL_PADDING[1] + 200
    for text, shape in paragraphs or cell_paragraphs(cell):
        size, left, spacing = _METRICS.get(shape) or _metrics(*shape)
        room = max(1.0, (width - left) / size)
        line = text.strip() if _NOT_ONE_LINE.search(text) is None else one_line(text)
        lines = 1 if text_width(line) <= room else _wrapped(line, room)
        total += lines * size * spacing // 100
    return total

def row_heights(cells: list[Cell], widths: list[int],
                paragraphs: list[list[tuple[str, tuple[str, str]]]] | None = None) -> list[int]:
    """Row heights that fit every cell (:func:`cell_height`, :func:`spread_heights`).

    ``paragraphs``: each cell's :func:`cell_paragraphs`, when already at hand."""
    drawn = paragraphs or [cell_paragraphs(cell) for cell in cells]
    needs = [cell_height(cell, widths[cell.col] if cell.col_span == 1 else sum(widths[cell.col: cell.col + cell.col_span]),
                         paragraphs) for cell, paragraphs in zip(cells, drawn, strict=True)]
    return spread_heights(cells, needs, max(c.row + c.row_span for c in cells))


def spread_heights(cells: list[Cell], needs: list[int], rows: int) -> list[int]:
    """``rows`` row heights from each cell's need: a row is as high as its highest one-row cell (at
    least :data:`ROW_HEIGHT`); a spanning cell's need beyond its rows (shortest spans first) goes to
    its last row."""
    heights = [ROW_HEIGHT] * rows
    if all(cell.row_span == 1 for cell in cells):
        for cell, need in zip(cells, needs, strict=True):
            if need > heights[cell.row]:
                heights[cell.row] = need
        return heights
    for index in sorted(range(len(cells)), key=lambda i: cells[i].row_span):
        cell, need = cells[index], needs[index]
        if cell.row_span == 1:
            if need > heights[cell.row]:
                heights[cell.row] = need
        else:
            last = cell.row + cell.row_span - 1
            heights[last] += max(0, need - sum(heights[cell.row: last + 1]))
    return heights


# ── blocks ────────────────────────────────────────────────────────────────
_PARA_OF_LEVEL = {1: "level1", 2: "level2", 3: "level3"}
_HEADING = {1: ("heading", "heading"), 2: ("subheading", "subheading"), 3: ("group", "group")}


def bullet_text(marker: str, text: str) -> str:
    """``○ text`` with its literal marker, or the bare text for a marker-less line."""
    return f"{marker} {text.strip()}" if marker else text.strip()


def paragraph_shape(p: d.Paragraph) -> tuple[str, str]:
    """(paragraph shape, character shape) of a bullet paragraph: its marker's depth, or its alignment."""
    char = "detail" if p.level == 3 else "body"
    if p.align:
        return p.align, char
    if not p.marker:
        return ("plain" if p.level else "free"), char
    return _PARA_OF_LEVEL.get(p.level, "level1"), char


def dated_text(line: d.DatedLine) -> str:
    """``○ 2023. 04. : text``; an undated line keeps its marker."""
    text = f"{line.date} : {line.text.strip()}" if line.date else line.text.strip()
    return f"{line.marker} {text}" if line.marker else text


def table_widths(table: d.Table, room: int) -> list[int]:
    """Column widths from the shares: the table's part of ``room``, the last column taking the rest."""
    whole = room * min(table.width, 1000) // 1000
    total = sum(table.shares)
    widths = [whole * share // total for share in table.shares]
    widths[-1] += whole - sum(widths)
    return widths


def _cell_look(table: d.Table, cell: d.Cell, col: int) -> bool:
    """Whether a value cell reads left-aligned: a label/value table's values, a figures table's first column."""
    if cell.label:
        return False
    return table.style == d.STYLE_FIELDS or (table.style == d.STYLE_FIGURES and col == 0)


def _plain_grid(table: d.Table, columns: int) -> bool:
    """Whether every row of ``table`` holds ``columns`` cells and no cell spans."""
    for row in table.rows:
        if len(row.cells) != columns:
            return False
        for item in row.cells:
            if item.rowspan != 1 or item.colspan != 1:
                return False
    return True


def table_cells(table: d.Table) -> list[Cell]:
    """The table's cells placed on its grid by :func:`reportgen.document.cell_places` (spans end at the
    table's edges; a place no cell covers gets an empty cell)."""
    columns, rows = len(table.shares), len(table.rows)
    if _plain_grid(table, columns):
        fields, figures = table.style == d.STYLE_FIELDS, table.style == d.STYLE_FIGURES
        return [Cell(item.lines, r, col, 1, 1, item.label, not item.label and (fields or figures and col == 0))
                for r, row in enumerate(table.rows) for col, item in enumerate(row.cells)]
    covered: set[tuple[int, int]] = set()
    cells: list[Cell] = []
    for r, col, item in d.cell_places(table):
        if col >= columns:
            raise CardError(f"표의 칸이 열({columns}개)보다 많습니다 / a table row has more cells than its "
                            f"{columns} columns: {' '.join(item.lines)}")
        span_c, span_r = min(item.colspan, columns - col), min(item.rowspan, rows - r)
        if span_c == span_r == 1:
            covered.add((r, col))
        else:
            covered.update((r + i, col + j) for i in range(span_r) for j in range(span_c))
        cells.append(Cell(item.lines, r, col, span_r, span_c, item.label, _cell_look(table, item, col)))
    cells += [Cell((), r, c) for r in range(rows) for c in range(columns) if (r, c) not in covered]
    cells.sort(key=_place)
    return cells


def _place(cell: Cell) -> tuple[int, int]:
    return cell.row, cell.col


def _table(section: Section, table: d.Table, _doc: d.Document | None = None,
           _images: list[BinaryItem] | None = None) -> None:
    if not table.rows:
        return
    if table.caption:
        section.paragraph(table.caption, "caption", "group")
    anchor = "anchor_keep" if table.notes else "anchor"
    widths, keep_rows = table_widths(table, section.text_width), all(row.keep for row in table.rows)
    if _plain_grid(table, len(table.shares)):
        section.grid_table(table, widths, anchor, keep_rows=keep_rows)
    else:
        section.table(table_cells(table), widths, anchor, header_rows=table.header_rows, keep_rows=keep_rows,
                      align=table.align)
    for index, note in enumerate(table.notes):
        section.paragraph(note, "note" if index < len(table.notes) - 1 else "note_end", "detail")


def _box(section: Section, box: d.Box, _doc: d.Document | None = None,
         _images: list[BinaryItem] | None = None) -> None:
    lines = [box.title] + [bullet_text(line.marker, line.text) for line in box.lines]
    shapes = [("box_title", "group")] + [("box_line", "body")] * len(box.lines)
    width = section.text_width - BOX_INDENT
    section.table([Cell(lines, 0, 0, shapes=shapes)], [width], "box_anchor", border="box", offset=BOX_INDENT)


def _dated(section: Section, line: d.DatedLine, _doc: d.Document | None = None,
           _images: list[BinaryItem] | None = None) -> None:
    section.paragraph(dated_text(line), "level1")
    for detail in line.details:
        section.paragraph(bullet_text(detail.marker, detail.text), *paragraph_shape(detail))


def _contents(section: Section, toc: d.TableOfContents, doc: d.Document) -> None:
    section.paragraph(toc.title, "heading", "heading")
    entries = toc.entries or tuple(
        d.ContentsEntry(block.text) for block in d.walk(doc.blocks)
        if isinstance(block, d.Heading) and block.level <= toc.depth)
    for item in entries:
        section.contents_line(item.text, item.page)


def _paragraph_block(section: Section, block: d.Paragraph, _doc: d.Document, _images: list[BinaryItem]) -> None:
    section.paragraph(bullet_text(block.marker, block.text), *paragraph_shape(block))


def _heading(section: Section, block: d.Heading, _doc: d.Document, _images: list[BinaryItem]) -> None:
    section.paragraph(block.text, *_HEADING.get(block.level, _HEADING[3]))


def _title(section: Section, block: d.Title, _doc: d.Document, _images: list[BinaryItem]) -> None:
    section.paragraph(block.text, "title", "title")


def _page_break(section: Section, _block: d.PageBreak, _doc: d.Document, _images: list[BinaryItem]) -> None:
    section.page_break()


#: how each kind of block is drawn (sections are split off before: :func:`reportgen.document.page_runs`)
_DRAW: dict[type, Callable[[Section, Any, d.Document, list[BinaryItem]], None]] = {}


def _block(section: Section, block: d.Block, doc: d.Document, images: list[BinaryItem]) -> None:
    """Draw one block by its kind (a subclass of a kind is drawn as that kind)."""
    draw = _DRAW.get(type(block))
    if draw is None:
        draw = next((found for kind, found in _DRAW.items() if isinstance(block, kind)), None)
        if draw is None:
            return
    draw(section, block, doc, images)


# ── pictures ──────────────────────────────────────────────────────────────
@dataclass(frozen=True)
class BinaryItem:
    """A picture's part: its manifest id, part name, media type and bytes."""

    id: str
    name: str
    mime: str
    data: bytes


_SUFFIX = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif"}


def _image(section: Section, image: d.Image, images: list[BinaryItem]) -> None:
    number = len(images) + 1
    item = BinaryItem(f"image{number}", f"BinData/image{number}.{_SUFFIX[image.mime]}", image.mime, image.data)
    images.append(item)
    width = section.text_width * min(image.width, 1000) // 1000
    pixels_wide, pixels_high = d.pixel_size(image)
    height = width * pixels_high // pixels_wide
    section.picture(item.id, max(width, 1), max(height, 1), "center")


_DRAW.update({
    d.Paragraph: _paragraph_block, d.Table: _table, d.Heading: _heading, d.DatedLine: _dated,
    d.Title: _title, d.Box: _box, d.PageBreak: _page_break,
    d.TableOfContents: lambda section, block, doc, _images: _contents(section, block, doc),
    d.Image: lambda section, block, _doc, images: _image(section, block, images),
})


# ── the document's parts ──────────────────────────────────────────────────
@dataclass(frozen=True)
class DocumentParts:
    """What a document adds to the template: its section parts, pictures, title and preview text
    (built once, packed as HWPX by :func:`package` and as HWP 5.0 by the HWP writer)."""

    sections: tuple[bytes, ...]
    images: tuple[BinaryItem, ...]
    title: str
    preview: bytes
    plans: tuple[SectionPlan, ...] = ()  # each section's plan, for the HWP writer


#: Within :func:`shared_parts`: the parts drawn so far, by the ids of their document and template
#: (each kept with its parts, so neither id can be reused while the memo lives)
_SHARED: ContextVar[dict[tuple[int, int], tuple[d.Document, Template, DocumentParts]] | None] = ContextVar(
    "hwpx_shared_parts", default=None)


@contextmanager
def shared_parts() -> Iterator[None]:
    """Within it, one document (the same object, with the same template) is drawn once for the
    HWPX and the HWP writer; the memo goes when the block ends (a build opens one per card)."""
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def document_parts(doc: d.Document, options: WriterOptions | None = None, style: Template | None = None, *,
                   plan: bool = False) -> DocumentParts:
    """The parts of ``doc`` (:func:`draw_parts`), drawn once per document inside :func:`shared_parts`
    (with the plans, for the HWP writer may follow); ``plan``: keep the plans outside it too."""
    style = style or load_template(options)
    memo = _SHARED.get()
    if memo is None:
        return draw_parts(doc, style, plan=plan)
    kept = memo.get((id(doc), id(style)))
    if kept is None:
        parts = draw_parts(doc, style)
        memo[(id(doc), id(style))] = (doc, style, parts)
        return parts
    return kept[2]


def draw_parts(doc: d.Document, style: Template, *, plan: bool = True) -> DocumentParts:
    """Draw every block of ``doc``; each change of orientation starts a new section part, and
    runs of the same orientation share a part, each from a new page. ``plan``: keep each section's
    plan (:class:`SectionPlan`) for the HWP writer."""
    images: list[BinaryItem] = []
    sections: list[Section] = []
    for orientation, blocks in d.page_runs(doc.blocks, "portrait"):
        if sections and sections[-1].orientation == orientation:
            sections[-1].page_break()
        else:
            sections.append(Section(style, orientation=orientation, planning=plan))
        for block in blocks:
            _block(sections[-1], block, doc, images)
    sections = sections or [Section(style, planning=plan)]
    xml = tuple(section.xml() for section in sections)
    plans = tuple(section.section_plan(part) for section, part in zip(sections, xml, strict=True)) if plan else ()
    return DocumentParts(xml, tuple(images), doc.title, preview_text(doc), plans)


def block_lines(block: d.Block) -> Iterator[str]:
    """The printed text of a block, line by line (sections are opened by :func:`reportgen.document.walk`)."""
    if isinstance(block, d.Title | d.Heading):
        yield block.text
    elif isinstance(block, d.Paragraph):
        yield bullet_text(block.marker, block.text)
    elif isinstance(block, d.DatedLine):
        yield dated_text(block)
        yield from (bullet_text(p.marker, p.text) for p in block.details)
    elif isinstance(block, d.Box):
        yield block.title
        yield from (bullet_text(p.marker, p.text) for p in block.lines)
    elif isinstance(block, d.Table):
        yield from [" ".join([" ".join(c.lines) for c in row.cells]) for row in block.rows]
        yield from block.notes
    elif isinstance(block, d.TableOfContents):
        yield block.title
        yield from (e.text if e.page is None else f"{e.text} {e.page}" for e in block.entries)
    elif isinstance(block, d.Image):
        yield block.alt


def preview_text(doc: d.Document) -> bytes:
    """``Preview/PrvText.txt``: the start of the document's text (UTF-8, CRLF), as browsers show it."""
    lines, size = [], 0
    for block in d.walk(doc.blocks):
        for line in block_lines(block):
            text = line.strip() if line.isprintable() else line_text(line)
            if text:
                lines.append(text)
                size += len(text) + 2
        if size >= PREVIEW_CHARS:
            break
    return "\r\n".join(lines)[:PREVIEW_CHARS].encode("utf-8")


# ── the package ───────────────────────────────────────────────────────────
def section_name(index: int) -> str:
    return f"Contents/section{index}.xml"


def manifest(data: bytes, title: str, sections: int = 1, images: Iterable[BinaryItem] = ()) -> bytes:
    """``Contents/content.hpf`` titled ``title``, listing ``sections`` section parts (in the spine too)
    and the pictures (embedded binary items)."""
    text = f"<opf:title>{escape(one_line(title)) or m.L_ID}</opf:title>".encode()
    data = re.sub(rb"<opf:title>[^<]*</opf:title>|<opf:title/>", lambda _found: text, data, count=1)
    items = [f'<opf:item id="section{i}" href="{section_name(i)}" media-type="application/xml"/>'
             for i in range(1, sections)]
    items += [f'<opf:item id="{escape_attribute(item.id)}" href="{escape_attribute(item.name)}" '
              f'media-type="{item.mime}" isEmbeded="1"/>' for item in images]
    if items:
        data = data.replace(b"</opf:manifest>", "".join(items).encode() + b"</opf:manifest>", 1)
    if sections > 1:
        refs = "".join(f'<opf:itemref idref="section{i}" linear="yes"/>' for i in range(1, sections))
        data = data.replace(b"</opf:spine>", refs.encode() + b"</opf:spine>", 1)
    return data


def _header(data: bytes, sections: int) -> bytes:
    """``Contents/header.xml`` counting ``sections`` sections."""
    return re.sub(rb'secCnt="\d+"', f'secCnt="{sections}"'.encode(), data, count=1)


def part_member(name: str, data: bytes) -> Member:
    """An HWPX part as a zip member: ``mimetype`` stored (HWPX requires it), every other part deflated."""
    return Member.stored(name, data) if name == "mimetype" else Member.deflated(name, data)


def fresh_parts(parts: DocumentParts, style: Template) -> dict[str, bytes]:
    """The parts the document replaces or adds, by name (uncompressed: what the HWP writer's long way takes)."""
    fresh = {section_name(i): xml for i, xml in enumerate(parts.sections)}
    fresh.update(added_parts(style, parts.title, len(parts.sections), parts.images, parts.preview))
    return fresh


def added_parts(style: Template, title: str, sections: int, images: Sequence[BinaryItem], preview: bytes
                ) -> dict[str, bytes]:
    """The parts besides the sections that a document of ``sections`` section parts replaces or
    adds, by name: the preview text, the manifest, the header (more than one section), the pictures."""
    fresh = {PREVIEW_PART: preview, MANIFEST_PART: manifest(style.raw[MANIFEST_PART], title, sections, images)}
    if sections > 1:
        fresh[HEADER_PART] = _header(style.raw[HEADER_PART], sections)
    fresh.update((item.name, item.data) for item in images)
    return fresh


def package(parts: DocumentParts, style: Template) -> bytes:
    """The HWPX package: the template's parts in order with the document's in place, then the new ones."""
    fresh = fresh_parts(parts, style)
    members = [part_member(p.name, fresh.pop(p.name)) if p.name in fresh else p for p in style.members]
    members += [Member.stored(name, data) if name.startswith("BinData/") else part_member(name, data)
                for name, data in fresh.items()]
    return zip_members(members)


def render_document(doc: d.Document, options: WriterOptions | None = None) -> bytes:
    """Any document as HWPX bytes (the same document always gives the same bytes)."""
    style = load_template(options)
    return package(document_parts(doc, options, style), style)


#: pieces a section written piece by piece gathers before they go to the compressor
DRAIN_PIECES = 256


def write_document(doc: d.Document, out: Writable, options: WriterOptions | None = None,
                   folder: str | None = None) -> None:
    """:func:`render_document`'s bytes written to ``out``, with memory flat in the document's
    length (the council package: thousands of cards in one section part).

    One walk of ``doc.blocks`` (a lazy sequence is drawn block by block; the preview text reads
    its first blocks again, :func:`preview_text`): each section part is deflated as it is drawn,
    DRAIN_PIECES pieces at a time, into a :class:`~reportgen.writers.zippack.ZipSpool` (an
    unnamed temp file in ``folder``), never joined whole; the zip is laid out from the spool once
    the parts the section count changes (manifest, header) are known. No plans (HWP) are kept."""
    style = load_template(options)
    with ZipSpool(folder) as spool:
        sections, images = spool_sections(doc, style, spool)
        fresh = added_parts(style, doc.title, len(sections), images, preview_text(doc))
        placed: dict[str, Spooled] = {spooled.name: spooled for spooled in sections}
        order: list[Spooled] = []
        for part in style.members:  # the template's order, as package() lays it out
            if part.name in placed:
                order.append(placed.pop(part.name))
            elif part.name in fresh:
                order.append(spool.add(part_member(part.name, fresh.pop(part.name))))
            else:
                order.append(spool.add(part))
        order += placed.values()
        order += [spool.add(Member.stored(name, data) if name.startswith("BinData/") else part_member(name, data))
                  for name, data in fresh.items()]
        spool.write_zip(out, order)


def spool_sections(doc: d.Document, style: Template, spool: ZipSpool) -> tuple[list[Spooled], list[BinaryItem]]:
    """Each section part of ``doc`` deflated into ``spool`` as it is drawn (:func:`draw_parts`'
    sections: a new part at each change of orientation, a page break between runs of the same
    one); the parts' records, in order, and the pictures."""
    images: list[BinaryItem] = []
    spooled: list[Spooled] = []
    with contextlib.ExitStack() as stack:
        section: Section | None = None
        sink = None
        for orientation, blocks in d.page_runs(doc.blocks, "portrait"):
            if section is not None and section.orientation == orientation:
                section.page_break()
            else:
                if section is not None and sink is not None:
                    spooled.append(_end_section(section, sink, stack))
                section = Section(style, orientation=orientation, planning=False)
                sink = _start_section(spool, len(spooled), stack)
            for block in blocks:
                _block(section, block, doc, images)
                if len(section.parts) >= DRAIN_PIECES:
                    sink.write(section.drained())
        if section is None:
            section, sink = Section(style, planning=False), _start_section(spool, 0, stack)
        spooled.append(_end_section(section, sink, stack))
    return spooled, images


def _start_section(spool: ZipSpool, index: int, stack: contextlib.ExitStack) -> MemberSink:
    """Section part ``index`` opened in ``spool`` (closed by :func:`_end_section`), its head written."""
    sink = stack.enter_context(spool.deflating(section_name(index)))
    sink.write(_SECTION_HEAD)
    return sink


def _end_section(section: Section, sink: MemberSink, stack: contextlib.ExitStack) -> Spooled:
    """The rest of ``section`` and its end tag written, the part closed: its record."""
    section.close()
    sink.write(section.drained())
    sink.write(b"</hs:sec>")
    stack.close()
    assert sink.spooled is not None
    return sink.spooled


def render_hwpx(card: m.Card, options: WriterOptions | None = None) -> bytes:
    """The standard pledge card as HWPX bytes."""
    return render_document(card_document(card), options)
