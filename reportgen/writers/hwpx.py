"""HWPX writer: the standard pledge card as a Hangul (한/글) HWPX package.

The styled package ``templates/card.hwpx`` (made by ``templates/make_card_hwpx.py``
with python-hwpx) is read once; per card only ``Contents/section0.xml`` is built
as a string, with every text escaped, and zipped with the cached other parts
(``mimetype`` first and stored, fixed timestamps, fixed member order), so the
same card always gives the same bytes.

Layout: 관리번호 box and title, the 4-row header table (labels shaded),
【】 headings, □ sub-headings, bullet lines with their literal markers, the
merged 연차별 추진계획 table, 【추진실적】 with □ groups, <…> group lines,
dated ○ lines and their details (an undated marker-less entry with details is
the boxed 인허가 현황 note: a one-cell table), 【금후계획】, the 구민소통 table and
【기대효과】, on A4 with 함초롬바탕 / 맑은 고딕.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import count

from reportgen import model as m
from reportgen.errors import CardError
from reportgen.resources import template_path
from reportgen.writers.zippack import Member, zip_members

SECTION_PART = "Contents/section0.xml"
PREVIEW_PART = "Preview/PrvText.txt"
MANIFEST_PART = "Contents/content.hpf"

# ── page and table geometry (HWPUNIT: 1 pt = 100, 1 mm ≈ 283) ─────────────
PAGE_WIDTH, PAGE_HEIGHT = 59528, 84186  # A4
MARGIN_SIDE, MARGIN_TOP, MARGIN_BOTTOM, MARGIN_HEADER = 5102, 4252, 4252, 2835
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN_SIDE
ROW_HEIGHT = 1700
CELL_PADDING = (1020, 282)  # left + right, top + bottom cell margins
#: font size (HWPUNIT) and line spacing (%) of the cell text shapes, to size rows before Hangul does
_CHAR_SIZE = {"cell": 1000, "label": 1000, "body": 1200, "group": 1200, "detail": 1100}
_LINE_SPACING = {"box_title": 150, "box_line": 150}
_PARA_LEFT = {"box_line": 1000}  # where the first line starts
_SPACE = 0.3
HEADER_WIDTHS = (8800, 15862, 8800, 15862)
ID_WIDTHS = (6000, 5200)
PLAN_ITEM_WIDTH = 9000
BOX_WIDTH = TEXT_WIDTH - 2800

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
_SEC_PR = (
    '<hp:secPr id="" textDirection="HORIZONTAL" spaceColumns="1134" tabStop="8000" tabStopVal="4000" '
    'tabStopUnit="HWPUNIT" outlineShapeIDRef="1" memoShapeIDRef="0" textVerticalWidthHead="0" masterPageCnt="0">'
    '<hp:grid lineGrid="0" charGrid="0" wonggojiFormat="0"/>'
    '<hp:startNum pageStartsOn="BOTH" page="0" pic="0" tbl="0" equation="0"/>'
    '<hp:visibility hideFirstHeader="0" hideFirstFooter="0" hideFirstMasterPage="0" border="SHOW_ALL" '
    'fill="SHOW_ALL" hideFirstPageNum="0" hideFirstEmptyLine="0" showLineNumber="0"/>'
    '<hp:lineNumberShape restartType="0" countBy="0" distance="0" startNumber="0"/>'
    f'<hp:pagePr landscape="WIDELY" width="{PAGE_WIDTH}" height="{PAGE_HEIGHT}" gutterType="LEFT_ONLY">'
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
_TABLE_POS = (
    '<hp:pos treatAsChar="1" affectLSpacing="0" flowWithText="1" allowOverlap="0" holdAnchorAndSO="0" '
    'vertRelTo="PARA" horzRelTo="COLUMN" vertAlign="TOP" horzAlign="LEFT" vertOffset="0" horzOffset="0"/>'
    '<hp:outMargin left="0" right="0" top="0" bottom="0"/>'
    '<hp:inMargin left="510" right="510" top="141" bottom="141"/>'
)
_CELL_MARGIN = '<hp:cellMargin left="510" right="510" top="141" bottom="141"/>'

# XML 1.0 forbids most control characters; tabs and line breaks become spaces
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def clean(text: str) -> str:
    """One line of card text: line breaks and tabs become spaces, control characters go."""
    text = _CONTROL.sub("", text.replace("\t", " ").replace("\r", " ").replace("\n", " "))
    return text.strip()


def escape(text: str) -> str:
    """Text made safe for an XML text node or attribute."""
    return clean(text).translate(_XML_ESCAPES)


# ── the template package ──────────────────────────────────────────────────
@dataclass(frozen=True)
class Template:
    """The cached parts of ``card.hwpx`` and the ids of its shapes by name."""

    members: tuple[Member, ...]  # in package order, compressed once
    raw: dict[str, bytes]
    char: dict[str, str]
    para: dict[str, str]
    border: dict[str, str]


@cache
def load_template() -> Template:
    """Read ``templates/card.hwpx`` and ``templates/hwpx/styles.json`` once."""
    with zipfile.ZipFile(template_path("card.hwpx")) as package:
        raw = {name: package.read(name) for name in package.namelist()}
    members = tuple(part_member(name, data) for name, data in raw.items())
    styles = json.loads(template_path("hwpx/styles.json").read_text(encoding="utf-8"))
    return Template(members, raw, styles["char"], styles["para"], styles["border"])


# ── section XML ───────────────────────────────────────────────────────────
@dataclass
class Cell:
    """One table cell: its lines (one paragraph each), place, spans and look."""

    lines: list[str]
    row: int
    col: int
    row_span: int = 1
    col_span: int = 1
    label: bool = False
    left: bool = False
    shapes: list[tuple[str, str]] = field(default_factory=list)  # (para, char) per line, if not the default


@dataclass
class Section:
    """Builds ``section0.xml`` paragraph by paragraph."""

    style: Template
    parts: list[str] = field(default_factory=list)
    ids: Iterator[int] = field(default_factory=lambda: count(1))
    first: bool = True
    break_next: bool = False  # the next paragraph starts a new page

    def page_break(self) -> None:
        """Start the next paragraph (or table) on a new page."""
        self.break_next = True

    def _open(self, para: str) -> str:
        pid = next(self.ids)
        page_break = int(self.break_next)
        self.break_next = False
        return (f'<hp:p id="{pid}" paraPrIDRef="{self.style.para[para]}" styleIDRef="0" '
                f'pageBreak="{page_break}" columnBreak="0" merged="0">')

    def _sec_pr(self) -> str:
        """The page setup, carried by the first paragraph."""
        if not self.first:
            return ""
        self.first = False
        return f'<hp:run charPrIDRef="{self.style.char["body"]}">{_SEC_PR}</hp:run>'

    def _run(self, text: str, char: str) -> str:
        body = escape(text)
        inner = f"<hp:t>{body}</hp:t>" if body else "<hp:t/>"
        return f'<hp:run charPrIDRef="{self.style.char[char]}">{inner}</hp:run>'

    def paragraph_xml(self, text: str, para: str, char: str) -> str:
        """One paragraph of one run."""
        return f"{self._open(para)}{self._sec_pr()}{self._run(text, char)}</hp:p>"

    def paragraph(self, text: str, para: str, char: str = "body") -> None:
        self.parts.append(self.paragraph_xml(text, para, char))

    def table(self, cells: list[Cell], widths: list[int], anchor: str = "anchor",
              border: str = "cell", header_rows: int = 0) -> None:
        """A table of *cells* (only the cells that are drawn; spans cover the rest)."""
        heights = row_heights(cells, widths)
        rows = len(heights)
        tid = next(self.ids)
        width = sum(widths)
        xml = [
            self._open(anchor), self._sec_pr(),
            f'<hp:run charPrIDRef="{self.style.char["body"]}">'
            f'<hp:tbl id="{tid}" zOrder="0" numberingType="TABLE" textWrap="TOP_AND_BOTTOM" '
            'textFlow="BOTH_SIDES" lock="0" dropcapstyle="None" pageBreak="CELL" '
            f'repeatHeader="{1 if header_rows else 0}" rowCnt="{rows}" colCnt="{len(widths)}" cellSpacing="0" '
            f'borderFillIDRef="{self.style.border[border]}" noAdjust="0">'
            f'<hp:sz width="{width}" widthRelTo="ABSOLUTE" height="{sum(heights)}" '
            'heightRelTo="ABSOLUTE" protect="0"/>',
            _TABLE_POS,
        ]
        for row in range(rows):
            xml.append("<hp:tr>")
            xml.extend(self._cell(c, widths, heights, border, row < header_rows) for c in cells if c.row == row)
            xml.append("</hp:tr>")
        xml.append("</hp:tbl><hp:t/></hp:run></hp:p>")
        self.parts.append("".join(xml))

    def _cell(self, cell: Cell, widths: list[int], heights: list[int], border: str, header: bool) -> str:
        fill = self.style.border["label" if cell.label else border]
        paragraphs = "".join(self.paragraph_xml(line, *shape) for line, shape in cell_paragraphs(cell))
        width = sum(widths[cell.col: cell.col + cell.col_span])
        height = sum(heights[cell.row: cell.row + cell.row_span])
        return (
            f'<hp:tc name="" header="{int(header)}" hasMargin="0" protect="0" editable="0" dirty="0" '
            f'borderFillIDRef="{fill}"><hp:subList id="" textDirection="HORIZONTAL" lineWrap="BREAK" '
            'vertAlign="CENTER" linkListIDRef="0" linkListNextIDRef="0" textWidth="0" textHeight="0" '
            f'hasTextRef="0" hasNumRef="0">{paragraphs}</hp:subList>'
            f'<hp:cellAddr colAddr="{cell.col}" rowAddr="{cell.row}"/>'
            f'<hp:cellSpan colSpan="{cell.col_span}" rowSpan="{cell.row_span}"/>'
            f'<hp:cellSz width="{width}" height="{height}"/>{_CELL_MARGIN}</hp:tc>'
        )

    def xml(self) -> bytes:
        body = "".join(self.parts)
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes" ?><hs:sec {_NS}>{body}</hs:sec>'
                ).encode()

    def drain(self) -> bytes:
        """The XML of the paragraphs added since the last drain, which are then let go
        (to write a long section piece by piece between :data:`SECTION_HEAD` and :data:`SECTION_TAIL`)."""
        body = "".join(self.parts).encode()
        self.parts.clear()
        return body


def cell_paragraphs(cell: Cell) -> list[tuple[str, tuple[str, str]]]:
    """(text, (paragraph shape, character shape)) of each paragraph of a cell."""
    default = ("cell_left" if cell.left else "cell", "label" if cell.label else "cell")
    lines = cell.lines or [""]
    shapes = cell.shapes or [default] * len(lines)
    return list(zip(lines, shapes, strict=True))


def _char_width(ch: str) -> float:
    """Rough advance of one character in ems (space, ASCII, Latin/Greek, Hangul and CJK)."""
    if ch == " ":
        return _SPACE
    code = ord(ch)
    return 0.5 if code < 0x80 else 0.6 if code < 0x800 else 1.0


def text_width(text: str) -> float:
    """Width of *text* in ems, roughly."""
    return sum(_char_width(ch) for ch in text)


def wrapped_lines(text: str, room: float) -> int:
    """Lines *text* takes in *room* ems, wrapped at spaces (a word wider than a line breaks anywhere)."""
    lines, used = 0, -1.0  # used < 0: no line started yet
    for word in text.split(" "):
        width = text_width(word)
        if used >= 0 and used + _SPACE + width <= room:
            used += _SPACE + width
            continue
        full, rest = divmod(width, room)
        lines += 1 + int(full) - (1 if full and not rest else 0)
        used = rest if rest or not full else room
    return max(lines, 1)


def cell_height(cell: Cell, width: int) -> int:
    """Height the cell's text needs (HWPUNIT), estimated; Hangul lays it out again anyway."""
    total = CELL_PADDING[1] + 200
    for text, (para, char) in cell_paragraphs(cell):
        size = _CHAR_SIZE.get(char, 1000)
        room = max(1.0, (width - CELL_PADDING[0] - _PARA_LEFT.get(para, 0)) / size)
        total += wrapped_lines(clean(text), room) * size * _LINE_SPACING.get(para, 130) // 100
    return total


def row_heights(cells: list[Cell], widths: list[int]) -> list[int]:
    """Row heights that fit every cell; a spanning cell's extra need goes to its last row."""
    heights = [ROW_HEIGHT] * max(c.row + c.row_span for c in cells)
    for cell in sorted(cells, key=lambda c: c.row_span):
        need = cell_height(cell, sum(widths[cell.col: cell.col + cell.col_span]))
        last = cell.row + cell.row_span - 1
        heights[last] += max(0, need - sum(heights[cell.row: last + 1]))
    return heights


# ── the card, part by part ────────────────────────────────────────────────
_PARA_OF_LEVEL = {1: "level1", 2: "level2", 3: "level3"}


def bullet_text(marker: str, text: str) -> str:
    """``○ text`` with its literal marker, or the bare text for a marker-less line."""
    return f"{marker} {clean(text)}" if marker else clean(text)


def _bullet(section: Section, line: m.BulletLine) -> None:
    para = "plain" if line.marker == m.MARK_PLAIN else _PARA_OF_LEVEL.get(line.level, "level1")
    section.paragraph(bullet_text(line.marker, line.text), para, "detail" if line.level == 3 else "body")


def _front(section: Section, card: m.Card) -> None:
    """관리번호 box, title and the header table."""
    if card.id:
        section.table([Cell([m.L_ID], 0, 0, label=True), Cell([card.id], 0, 1)], list(ID_WIDTHS))
    section.paragraph(card.title, "title", "title")
    cells: list[Cell] = []
    for row, (left, right) in enumerate(m.HEADER_ROWS):
        for col, label in ((0, left), (2, right)):
            cells.append(Cell([label], row, col, label=True))
            cells.append(Cell(_header_value(card.header, label), row, col + 1, left=True))
    section.table(cells, list(HEADER_WIDTHS))


def _contact_lines(person: m.Contact) -> list[str]:
    """``市 산업입지과`` / ``(박정화 ☎888-4932)``: the contact on two lines."""
    text = m.contact_text(person)
    name, paren, rest = text.partition(" (")
    return [name, paren.strip() + rest] if paren else [text]


def _header_value(header: m.Header, label: str) -> list[str]:
    if label == m.L_DEPARTMENT:
        return _contact_lines(header.department)
    if label == m.L_COOPERATION:
        return [line for person in header.cooperation for line in _contact_lines(person)]
    values = {
        m.L_CATEGORY: header.category, m.L_EXECUTOR: header.executor, m.L_PERIOD: header.period,
        m.L_STATUS: m.status_text(header), m.L_BUDGET: header.budget, m.L_COMPLETION: header.completion,
    }
    return [values[label]]


def _plan(section: Section, card: m.Card) -> None:
    section.paragraph(m.H_PLAN, "heading", "heading")
    for key, title in m.PLAN_SUBHEADINGS.items():
        section.paragraph(f"{m.MARK_SUBHEADING} {title}", "subheading", "subheading")
        for line in card.bullets.get(key, []):
            _bullet(section, line)
    section.paragraph(f"{m.MARK_SUBHEADING} {m.SUB_ANNUAL_PLAN}", "subheading", "subheading")
    plan = card.annual_plan
    if plan.years:
        section.table(plan_table_cells(card), plan_widths(len(plan.years)), header_rows=3)
    elif plan.rows:
        raise CardError(f"{card.id}: 연차별 추진계획에 연도가 없습니다 / the annual plan has rows but no years")


def plan_widths(years: int) -> list[int]:
    """세부추진내용, one column per term year, 임기 후; the last takes the rounding rest."""
    rest = TEXT_WIDTH - PLAN_ITEM_WIDTH
    each = rest // (years + 1)
    return [PLAN_ITEM_WIDTH] + [each] * years + [rest - each * years]


def _fit(values: list[str], width: int, card: m.Card, what: str) -> list[str]:
    if len(values) > width:
        raise CardError(f"{card.id}: 연차별 추진계획 {what}의 칸이 연도보다 많습니다 ({len(values)} > {width}) / "
                        f"the annual plan {what} has more cells than term years")
    return values + [""] * (width - len(values))


def plan_table_cells(card: m.Card) -> list[Cell]:
    """The merged 연차별 추진계획 table: 세부추진내용 spans the 3 header rows, 임기 내 the years."""
    plan = card.annual_plan
    width = len(plan.years)
    last = width + 1
    cells = [
        Cell([m.L_PLAN_ITEM], 0, 0, row_span=3, label=True),
        Cell([m.L_IN_TERM], 0, 1, col_span=width, label=True),
        Cell([m.L_AFTER_TERM], 0, last, row_span=2, label=True),
    ]
    cells += [Cell([f"{year}년"], 1, col, label=True) for col, year in enumerate(plan.years, start=1)]
    targets = _fit([m.percent_text(t) for t in plan.targets], width, card, m.L_TARGET_ROW)
    cells += [Cell([t], 2, col, label=True) for col, t in enumerate(targets, start=1)]
    cells.append(Cell([m.percent_text(plan.after_term_target)], 2, last, label=True))
    for index, row in enumerate(plan.rows, start=3):
        values = [row.title, *_fit(list(row.cells), width, card, row.title), row.after_term]
        cells += [Cell([value], index, col) for col, value in enumerate(values)]
    return cells


def _achievements(section: Section, card: m.Card) -> None:
    section.paragraph(m.H_ACHIEVEMENTS, "heading", "heading")
    for part in card.achievements:
        section.paragraph(f"{m.MARK_SUBHEADING} {part.title}", "subheading", "subheading")
        for group in part.groups:
            if group.title:
                section.paragraph(f"{m.GROUP_OPEN}{group.title}{m.GROUP_CLOSE}", "group", "group")
            for item in group.items:
                _achievement(section, item)


def entry_text(item: m.Achievement) -> str:
    """``○ 2023. 04. : text``; an undated entry keeps its marker (or none)."""
    text = f"{item.date} : {clean(item.text)}" if item.date else clean(item.text)
    marker = item.marker or (m.MARK_L1 if item.date else "")
    return f"{marker} {text}" if marker else text


def is_box(item: m.Achievement) -> bool:
    """An undated, marker-less entry with sub-lines: the boxed note (인허가 현황)."""
    return not item.date and item.marker == m.MARK_PLAIN and bool(item.details)


def _achievement(section: Section, item: m.Achievement) -> None:
    if is_box(item):
        lines = [item.text] + [bullet_text(d.marker, d.text) for d in item.details]
        shapes = [("box_title", "group")] + [("box_line", "body")] * len(item.details)
        section.table([Cell(lines, 0, 0, shapes=shapes)], [BOX_WIDTH], anchor="box_anchor", border="box")
        return
    free = not item.date and item.marker == m.MARK_PLAIN
    section.paragraph(entry_text(item), "free" if free else "level1")
    for detail in item.details:
        _bullet(section, detail)


def _communication(section: Section, card: m.Card) -> None:
    section.paragraph(m.H_COMMUNICATION, "heading", "heading")
    counts = (list(card.communication) + [None] * 5)[: len(m.COMMUNICATION_LABELS)]
    cells = [Cell([label], 0, col, label=True) for col, label in enumerate(m.COMMUNICATION_LABELS)]
    cells += [Cell([m.count_text(n)], 1, col) for col, n in enumerate(counts)]
    each = TEXT_WIDTH // len(m.COMMUNICATION_LABELS)
    section.table(cells, [each] * len(m.COMMUNICATION_LABELS))


def _bullet_section(section: Section, card: m.Card, key: str) -> None:
    section.paragraph(m.SECTION_OF[key], "heading", "heading")
    for line in card.bullets.get(key, []):
        _bullet(section, line)


def render_section(card: m.Card, style: Template | None = None) -> bytes:
    """``Contents/section0.xml`` of the card."""
    section = Section(style or load_template())
    add_card(section, card)
    return section.xml()


def add_card(section: Section, card: m.Card) -> None:
    """Append the whole card to ``section`` (one card of a document of many)."""
    _front(section, card)
    _plan(section, card)
    _achievements(section, card)
    _bullet_section(section, card, m.FUTURE_PLAN)
    _communication(section, card)
    _bullet_section(section, card, m.EFFECTS)


def preview_text(card: m.Card) -> bytes:
    """``Preview/PrvText.txt``: the text file browsers show (UTF-8, CRLF)."""
    lines = [f"{m.L_ID} {clean(card.id)}", clean(card.title), *m.SECTION_HEADINGS]
    return "\r\n".join(lines).encode("utf-8")


def _manifest(data: bytes, card: m.Card) -> bytes:
    """``Contents/content.hpf`` with the card's title as the document title."""
    title = f"<opf:title>{escape(card.title) or m.L_ID}</opf:title>".encode()
    return re.sub(rb"<opf:title>[^<]*</opf:title>|<opf:title/>", lambda _found: title, data, count=1)


def part_member(name: str, data: bytes) -> Member:
    """An HWPX part as a zip member: ``mimetype`` stored (HWPX requires it), every other part deflated."""
    return Member.stored(name, data) if name == "mimetype" else Member.deflated(name, data)


def render_hwpx(card: m.Card) -> bytes:
    """The card as HWPX bytes (the same card always gives the same bytes)."""
    style = load_template()
    fresh = {
        SECTION_PART: render_section(card, style),
        PREVIEW_PART: preview_text(card),
        MANIFEST_PART: _manifest(style.raw[MANIFEST_PART], card),
    }
    members = [part_member(part.name, fresh[part.name]) if part.name in fresh else part for part in style.members]
    return zip_members(members)


SECTION_HEAD = f'<?xml version="1.0" encoding="UTF-8" standalone="yes" ?><hs:sec {_NS}>'.encode()
SECTION_TAIL = b"</hs:sec>"


def hwpx_from_section(chunks: Iterable[bytes], title: str, preview: list[str]) -> bytes:
    """An HWPX package whose section is ``chunks`` (e.g. :meth:`Section.drain` after each card,
    between :data:`SECTION_HEAD` and :data:`SECTION_TAIL`), compressed as they come, titled ``title``.

    ``preview`` are the lines of ``Preview/PrvText.txt``. Same input → same bytes.
    """
    style = load_template()
    fresh = {
        SECTION_PART: Member.streamed(SECTION_PART, chunks),
        PREVIEW_PART: part_member(PREVIEW_PART, "\r\n".join(clean(line) for line in preview).encode("utf-8")),
        MANIFEST_PART: part_member(MANIFEST_PART, _manifest(style.raw[MANIFEST_PART], m.Card(id="", title=title))),
    }
    return zip_members([fresh.get(part.name, part) for part in style.members])
