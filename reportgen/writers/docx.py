"""DOCX writer: any document (:mod:`reportgen.document`) as a Word document; the card is one.

Everything except the body text comes from the reference document
``templates/card.docx`` (styles, page setup, fonts, table styles), like
pandoc's ``reference.docx``: an office restyles its documents by editing that
file in Word, or names its own with ``WriterOptions.reference``. The
reference package is read once and cached; each document only builds
``word/document.xml`` (and its title, and the parts of its pictures) and
zips it with the cached parts: in memory (:func:`render_document`), or run by
run into a zip spool on disk (:func:`write_document`: the council package's
thousands of cards with memory flat in their number, the same bytes).

Every block is drawn: headings keep with what follows; table rows that must
not split carry ``cantSplit``, header rows repeat (``tblHeader``), notes
under a table keep with its last rows; a section starts a new page in its own
orientation; a 목차 prints the page numbers it is given as plain text behind a
dot leader, so Word shows them without a field update.

A page model (:func:`paginate`, calibrated against LibreOffice) stacks the
units of what is drawn — paragraph lines from text widths, table rows from
their cells — as it is drawn: one walk gives each run of blocks its XML and
its pages. A run whose last page would be nearly empty is drawn again in the
mildest tighter layout that saves that page (a few cards in a hundred), its
bullet lines' escaped text and line counts taken from the first drawing (a
tighter layout changes spacing only). What every card shares (paragraph shapes per style, table columns, label cells,
headings) is made once per reference document and remembered.
"""

from __future__ import annotations

import copy
import os
import re
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from lxml import etree

from reportgen import model as m
from reportgen.document import (
    STYLE_FIELDS,
    STYLE_ID,
    Block,
    Box,
    Cell,
    DatedLine,
    Document,
    Heading,
    Image,
    PageBreak,
    Paragraph,
    Row,
    Table,
    TableOfContents,
    Title,
    page_runs,
    pixel_size,
    walk,
)
from reportgen.documents import card_document
from reportgen.errors import CardError, InputError, Problem
from reportgen.resources import WriterOptions, template_path
from reportgen.writers.zippack import Member, Spooled, Writable, ZipSpool, copy_into, zip_members
from reportgen.xmlsafe import parse_xml
from reportgen.xmltext import escape, escape_attribute, one_line

TEMPLATE = "card.docx"
DOCUMENT_PART = "word/document.xml"
DOCUMENT_RELS = "word/_rels/document.xml.rels"
CONTENT_TYPES = "[Content_Types].xml"
DOCUMENT_LEVEL = 3  # zlib level of the per-document part: 3× faster than 6, 10 % larger
PART_LEVEL = 9  # the template parts, compressed once
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = f"{{{W_NS}}}"
CORE_NS = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CORE_REL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
IMAGE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
#: namespaces a picture needs on <w:document> (added to the reference's when missing)
DRAWING_NAMESPACES = {
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
}
MAX_TEMPLATE_MEMBER = 50 * 1024 * 1024
EMU_PER_TWIP = 635
IMAGE_SUFFIX = {"image/png": "png", "image/jpeg": "jpeg", "image/gif": "gif"}
PORTRAIT, LANDSCAPE = "portrait", "landscape"

#: style names used by the writer (as shown in Word) → style id in templates/card.docx
STYLE_NAMES = {
    "id": "Card Id",
    "title": "Card Title",
    "heading": "Card Heading",
    "subheading": "Card Subheading",
    "group": "Card Group",
    "box_title": "Card Box Title",
    "free": "Normal",  # a line at the left margin (an undated line without sub-lines)
    "label": "Card Table Label",
    "cell": "Card Table Text",
    "value": "Card Table Value",
    "caption": "Card Caption",
    "table_note": "Card Table Note",
    "contents": "Card Contents",
    "table": "Card Table",
    "box": "Card Box",
    m.MARK_L1: "Card Bullet 1",
    m.MARK_L2: "Card Bullet 2",
    m.MARK_L3: "Card Bullet 3",
    m.MARK_NOTE: "Card Note",
    m.MARK_BOX: "Card Box Item",
    m.MARK_PLAIN: "Card Plain",
}
#: the style taken where a reference document lacks a newer one
STYLE_FALLBACK = {"caption": "box_title", "table_note": "free", "contents": "free"}
#: heading level → style key (deeper levels draw as level 3)
HEADING_STYLES = {1: "heading", 2: "subheading", 3: "group"}
#: a paragraph's depth → style key when its marker has no style of that depth
LEVEL_STYLES = {0: "free", 1: m.MARK_L1, 2: m.MARK_PLAIN, 3: m.MARK_L3}
DEFAULT_FILL = "D9D9D9"
#: rows above a table's notes kept on the notes' page
ROWS_KEPT_WITH_NOTES = 2
#: pieces of a run's XML joined at a time when written part by part (:func:`write_document`)
DRAIN_PIECES = 256
_HAIRLINE = '<w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/>'


@dataclass(frozen=True)
class Page:
    """A page layout: its section properties and the room between the margins (twips)."""

    sect_pr: str
    text_width: int
    text_height: int


@dataclass(frozen=True)
class Layout:
    """The measures of every paragraph style in one layout, and the direct ``w:spacing`` that draws each
    style so (none in the standard layout)."""

    looks: dict[str, Look]
    spacing: dict[str, str]


@dataclass(frozen=True)
class Template:
    """The parsed reference document: the parts kept as they are, the style ids and the pages."""

    head: str  # document.xml up to and including <w:body>
    members: tuple[Member, ...]  # every part in package order, compressed
    styles: dict[str, str]  # STYLE_NAMES key → style id
    label_fill: str
    pages: dict[str, Page]  # "": the reference's page; "portrait"/"landscape": turned so
    layouts: tuple[Layout, ...]  # the standard layout, then the tighter ones (TIGHTER)
    margins: dict[str, tuple[int, int, int, int]]  # table style id → cell margins (top, bottom, left, right)
    core: tuple[str, str] = ("", "")  # docProps/core.xml before and after the title text
    core_part: str = ""  # "" when the reference has no core properties
    content_types: str = ""  # [Content_Types].xml, for documents with pictures
    document_rels: str = ""  # word/_rels/document.xml.rels ("" when the reference has none)
    image_types: frozenset[str] = frozenset()  # extensions [Content_Types].xml declares
    shape_tables: dict[tuple[int, int], Shapes] = field(default_factory=dict, compare=False, repr=False)

    def shapes(self, layout: int, width: int) -> Shapes:
        """The paragraph shapes of layout number ``layout`` at ``width`` twips (made once, then shared by
        every document)."""
        found = self.shape_tables.get((layout, width))
        if found is None:
            found = self.shape_tables[layout, width] = Shapes(self.styles, self.layouts[layout], width)
        return found


# ── template loading ─────────────────────────────────────────────────────
def _template_problem(path: Path, ko: str, en: str) -> InputError:
    return InputError(Problem(str(path), "", f"DOCX 양식 파일이 잘못되었습니다: {ko}",
                              f"bad DOCX reference document: {en}",
                              "templates/make_card_docx.py로 다시 만들거나 Word에서 .docx로 다시 저장하세요",
                              "regenerate it with templates/make_card_docx.py or re-save it from Word as .docx"))


def _style_ids(root: etree._Element | None) -> tuple[dict[str, str], str]:
    """Map STYLE_NAMES keys to the template's style ids, and read the label fill."""
    ids = {key: re.sub(r"[^A-Za-z0-9]", "", name) for key, name in STYLE_NAMES.items()}
    if root is None:
        return ids, DEFAULT_FILL
    by_name = {}
    for style in root.iter(f"{_W}style"):
        name = style.find(f"{_W}name")
        if name is not None:
            by_name[name.get(f"{_W}val")] = style
    for key, name in STYLE_NAMES.items():
        if name in by_name:
            ids[key] = by_name[name].get(f"{_W}styleId")
    for key, fallback in STYLE_FALLBACK.items():
        if STYLE_NAMES[key] not in by_name:
            ids[key] = ids[fallback]
    fill = DEFAULT_FILL
    table = by_name.get(STYLE_NAMES["table"])
    if table is not None:
        shd = table.find(f"{_W}tblStylePr[@{_W}type='firstRow']/{_W}tcPr/{_W}shd")
        if shd is not None and re.fullmatch(r"[0-9A-Fa-f]{6}", shd.get(f"{_W}fill", "")):
            fill = shd.get(f"{_W}fill").upper()
    return ids, fill


def _twips(node: etree._Element | None, name: str, default: int) -> int:
    try:
        return int(node.get(f"{_W}{name}"))
    except (AttributeError, TypeError, ValueError):
        return default


def _turned(section: etree._Element, orientation: str | None) -> Page:
    """The page of ``section`` (a ``w:sectPr``) turned to ``orientation`` (None: as it is)."""
    section = copy.deepcopy(section)
    size, margins = section.find(f"{_W}pgSz"), section.find(f"{_W}pgMar")
    width, height = _twips(size, "w", 11906), _twips(size, "h", 16838)
    if orientation is not None and (width > height) != (orientation == LANDSCAPE):
        width, height = height, width
        if size is not None:
            size.set(f"{_W}w", str(width))
            size.set(f"{_W}h", str(height))
    if size is not None and orientation is not None:
        size.set(f"{_W}orient", orientation)
    for kind in section.findall(f"{_W}type"):  # a section always starts on a new page
        section.remove(kind)
    text_width = width - _twips(margins, "left", 1134) - _twips(margins, "right", 1134)
    text_height = height - _twips(margins, "top", 851) - _twips(margins, "bottom", 851)
    return Page(etree.tostring(section, encoding="unicode"), max(text_width, 2000), max(text_height, 2000))


def _declare_namespaces(path: Path, head: str, root: etree._Element) -> str:
    """``head`` with the drawing namespaces declared on ``<w:document>`` (a picture needs them)."""
    missing = ""
    for prefix, uri in DRAWING_NAMESPACES.items():
        if root.nsmap.get(prefix) not in (None, uri):
            raise _template_problem(path, f"접두어 {prefix}가 다른 이름공간에 쓰였습니다",
                                    f"prefix {prefix} is bound to another namespace")
        if prefix not in root.nsmap:
            missing += f' xmlns:{prefix}="{uri}"'
    opening = re.search(r"<w:document\b[^>]*>", head)
    if not missing or opening is None:
        return head
    return head[: opening.end() - 1] + missing + head[opening.end() - 1:]


def _split_document(path: Path, data: bytes) -> tuple[str, dict[str, Page]]:
    """(head, pages) of the template's document.xml."""
    text = data.decode("utf-8")
    opening = re.search(r"<w:body(\s[^>]*)?>", text)
    root = parse_xml(data)
    body = root.find(f"{_W}body")
    if opening is None or body is None or len(body) == 0 or body[-1].tag != f"{_W}sectPr":
        raise _template_problem(path, "본문 끝에 구역 설정(w:sectPr)이 없습니다",
                                "word/document.xml has no final w:sectPr")
    section = body[-1]
    pages = {"": _turned(section, None), PORTRAIT: _turned(section, PORTRAIT), LANDSCAPE: _turned(section, LANDSCAPE)}
    return _declare_namespaces(path, text[: opening.end()], root), pages


def _core(parts: dict[str, bytes]) -> tuple[str, tuple[str, str]]:
    """The core properties part named by ``_rels/.rels`` and its text around the title."""
    rels = parts.get("_rels/.rels")
    if rels is None:
        return "", ("", "")
    targets = [rel.get("Target", "").lstrip("/") for rel in parse_xml(rels).iter(f"{{{REL_NS}}}Relationship")
               if rel.get("Type") == CORE_REL]
    if not targets or targets[0] not in parts:
        return "", ("", "")
    root = parse_xml(parts[targets[0]])
    title = root.find(DC_TITLE)
    if title is None:
        title = etree.Element(DC_TITLE)
        root.insert(0, title)
    title.text = "\ue000"
    before, _, after = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                      standalone=True).decode("utf-8").partition("\ue000")
    return targets[0], (before, after)


def _image_types(content_types: bytes | None) -> frozenset[str]:
    if content_types is None:
        return frozenset()
    return frozenset((node.get("Extension") or "").lower() for node in parse_xml(content_types)
                     if node.tag.endswith("}Default"))


@lru_cache(maxsize=8)
def _load_template(absolute: str, stamp: tuple[int, int]) -> Template:
    """Read the reference docx (cached per absolute path and modification time: a string, cheaper to look
    up than a Path once per document)."""
    del stamp  # part of the cache key only
    path = Path(absolute)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if any(info.file_size > MAX_TEMPLATE_MEMBER for info in infos):
                raise _template_problem(path, "너무 큰 부분이 있습니다", "a member is larger than 50 MB")
            members = [(info.filename, archive.read(info)) for info in infos if not info.is_dir()]
    except (OSError, zipfile.BadZipFile, zlib.error) as exc:
        raise _template_problem(path, "열 수 없습니다", f"cannot open it ({exc})") from exc
    parts = dict(members)
    if DOCUMENT_PART not in parts:
        raise _template_problem(path, "word/document.xml이 없습니다", "no word/document.xml")
    try:
        head, pages = _split_document(path, parts[DOCUMENT_PART])
        styles_root = parse_xml(parts["word/styles.xml"]) if "word/styles.xml" in parts else None
        styles, fill = _style_ids(styles_root)
        looks, margins = _looks(styles_root)
        core_part, core = _core(parts)
        image_types = _image_types(parts.get(CONTENT_TYPES))
    except (etree.XMLSyntaxError, UnicodeDecodeError, ValueError) as exc:
        raise _template_problem(path, "XML이 깨졌습니다", f"broken XML ({exc})") from exc
    kept = tuple(Member.deflated(name, data, PART_LEVEL) for name, data in members)
    return Template(head, kept, styles, fill, pages, _layouts(looks, styles), margins, core, core_part,
                    parts.get(CONTENT_TYPES, b"").decode("utf-8"), parts.get(DOCUMENT_RELS, b"").decode("utf-8"),
                    image_types)


def load_template(path: Path | None = None, options: WriterOptions | None = None) -> Template:
    """The reference document at ``path`` (default: ``options.reference``, else ``card.docx`` from the
    templates), parsed once."""
    if path is None and options is not None:
        path = options.reference
    target = Path(path) if path is not None else template_path(TEMPLATE, options)
    try:
        info = target.stat()
    except OSError as exc:
        raise _template_problem(target, "파일이 없습니다", "file not found") from exc
    return _load_template(os.path.abspath(target), (info.st_mtime_ns, info.st_size))


# ── XML building blocks ──────────────────────────────────────────────────
def esc(text: str) -> str:
    """Text node content: one line, XML-escaped, without characters XML cannot hold."""
    if text.isprintable() and "&" not in text and "<" not in text and ">" not in text:
        return text.strip()  # the common case, as fast as it can be
    return escape(one_line(text))


def run(text: str) -> str:
    """One run holding ``text`` (none for no text); spaces are kept where they are doubled."""
    text = esc(text)
    if "  " in text:
        return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'
    return f"<w:r><w:t>{text}</w:t></w:r>" if text else ""


def lines_run(lines: tuple[str, ...]) -> str:
    """One run holding ``lines`` broken by ``<w:br/>`` (a cell's lines)."""
    if len(lines) < 2:
        return run(lines[0]) if lines else ""
    texts = '</w:t><w:br/><w:t xml:space="preserve">'.join(esc(line) for line in lines)
    return f'<w:r><w:t xml:space="preserve">{texts}</w:t></w:r>'


def para(style: str, text: str = "", props: str = "") -> str:
    """One paragraph in ``style`` holding ``text`` in one run; ``props`` go after the style."""
    return f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{props}</w:pPr>{run(text)}</w:p>'


def cell(width: int, content: str, span: int = 1, merge: str | None = None, fill: str | None = None) -> str:
    """A table cell; ``merge`` is "restart" or "continue" for a vertical merge."""
    props = f'<w:tcW w:w="{width}" w:type="dxa"/>'
    if span > 1:
        props += f'<w:gridSpan w:val="{span}"/>'
    if merge == "restart":
        props += '<w:vMerge w:val="restart"/>'
    elif merge == "continue":
        props += "<w:vMerge/>"
    if fill:
        props += f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>'
    return f'<w:tc><w:tcPr>{props}<w:vAlign w:val="center"/></w:tcPr>{content}</w:tc>'


def row(cells: str, keep: bool = True, header: bool = False) -> str:
    """A table row: ``keep`` never splits across pages, ``header`` repeats on each page."""
    props = ("<w:cantSplit/>" if keep else "") + ("<w:tblHeader/>" if header else "")
    return f"<w:tr><w:trPr>{props}</w:trPr>{cells}</w:tr>" if props else f"<w:tr>{cells}</w:tr>"


def grid_table(style: str, widths: tuple[int, ...], rows: Iterable[str], align: str = "center", name: str = "") -> str:
    """A fixed-layout table with the given column widths and ``<w:tr>`` rows."""
    return f"{_table_head(style, widths, align, name)}{''.join(rows)}</w:tbl>"


@lru_cache(maxsize=256)
def _table_head(style: str, widths: tuple[int, ...], align: str, name: str) -> str:
    """A table's properties and grid (every card has the same tables, so drawn once)."""
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    caption = f'<w:tblCaption w:val="{escape_attribute(one_line(name))}"/>' if name else ""
    props = (f'<w:tblStyle w:val="{style}"/><w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="{align}"/>'
             '<w:tblLayout w:type="fixed"/><w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" '
             f'w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/>{caption}')
    return f"<w:tbl><w:tblPr>{props}</w:tblPr><w:tblGrid>{grid}</w:tblGrid>"


@lru_cache(maxsize=256)
def shares(total: int, parts: tuple[int, ...]) -> tuple[int, ...]:
    """Split ``total`` twips in proportion to ``parts``; the last column takes the rounding (remembered: every
    card has the same tables)."""
    whole = sum(parts)
    widths = [total * part // whole for part in parts]
    widths[-1] += total - sum(widths)
    return tuple(widths)


# ── the page model ───────────────────────────────────────────────────────
#: a line's height at single spacing, in ems: NanumGothic's ascent + descent, the font LibreOffice draws
#: 맑은 고딕 with here (Word's own 맑은 고딕 is taller, 1.34 em)
LINE_EM = 1.15
#: advance widths in ems (NanumGothic): space, other ASCII (digits 0.6, punctuation 0.3), other 2-byte UTF-8
#: (·, é), Hangul and the rest of the 3-byte characters, and the narrow ones among them (「」‧․【】〈〉《》)
EM_SPACE, EM_ASCII, EM_NARROW, EM_WIDE, EM_PUNCTUATION = 0.27, 0.5, 0.5, 0.94, 0.36
_NARROW_WIDE = re.compile("[「」『』‧․【】〈〉《》]")
RULE = 10  # twips a table's horizontal rule takes (½ pt)
NEARLY_EMPTY = 5  # a last page filled less than 1/NEARLY_EMPTY of its height is nearly empty
#: the tighter layouts tried, mildest first: (space before/after kept, per mille; body line spacing in 240ths,
#: 0: as the style has it); fonts, indents and margins never change, tables are drawn as they are
TIGHTER = ((500, 0), (500, 240), (250, 240))
#: style keys kept as they are in a tighter layout: the table cells'
UNTIGHTENED = frozenset({"id", "label", "cell", "value", "table", "box"})


@dataclass(frozen=True)
class Look:
    """A paragraph style's measures (twips): space before and after, one line's height, indents."""

    before: int
    after: int
    height: int  # one line
    size: int  # the font size
    left: int  # text indent from the margin
    hanging: int  # the first line starts this much further left
    line: int  # w:line (240ths of a line with lineRule auto)
    auto: bool  # lineRule auto: ``height`` is the font's line times line/240
    keep: bool = False  # the style keeps with the next paragraph


#: a style the reference lacks: 11 pt, single spacing
DEFAULT_LOOK = Look(0, 0, round(220 * LINE_EM), 22, 0, 0, 240, True)


class Unit(NamedTuple):
    """One thing the page model stacks: a paragraph (split between its lines) or a row (never split)."""

    before: int
    line: int  # one line's height; a row's whole height
    lines: int
    after: int
    keep: bool = False  # stays on the page of what follows
    split: bool = True
    header: int = 0  # height of the table's header rows, repeated on each page the row starts
    new_page: bool = False  # a page break before it


@dataclass(frozen=True)
class Pages:
    """What the page model found: the number of pages and the height used on the last one (twips)."""

    count: int
    last: int


def text_width(text: str) -> float:
    """Width of ``text`` in ems, roughly (NanumGothic's widths); counted from its UTF-8 length."""
    size, ascii_ = len(text), len(text.encode("ascii", "ignore"))
    spaces = text.count(" ")
    if size == ascii_:
        return EM_ASCII * (size - spaces) + EM_SPACE * spaces
    wide = len(text.encode("utf-8", "surrogatepass")) - 2 * size + ascii_
    narrow = len(_NARROW_WIDE.findall(text))
    return (EM_ASCII * (ascii_ - spaces) + EM_SPACE * spaces + EM_NARROW * (size - ascii_ - wide)
            + EM_WIDE * wide - (EM_WIDE - EM_PUNCTUATION) * narrow)


#: :func:`text_width` of each word met (a card's words recur: dates, 추진, 사업 …); a plain dict, looked up
#: by map() in C, costs a third of an lru_cache call
_WORD_WIDTHS: dict[str, float] = {}


def word_widths(words: list[str]) -> list[float]:
    """:func:`text_width` of each of ``words``, remembered."""
    widths = list(map(_WORD_WIDTHS.get, words))
    if None not in widths:
        return widths
    if len(_WORD_WIDTHS) > 1 << 16:
        _WORD_WIDTHS.clear()
    for word in words:
        if word not in _WORD_WIDTHS:
            _WORD_WIDTHS[word] = text_width(word)
    return list(map(_WORD_WIDTHS.__getitem__, words))


def wrapped_lines(text: str, room: float, first: float = 0.0) -> int:
    """Lines ``text`` takes in ``room`` ems (the first line ``first`` ems more), wrapped at spaces; a word
    wider than a line breaks anywhere."""
    free = room + first
    size = len(text)
    if size <= free:  # no sign but % is wider than an em
        return 1
    if EM_WIDE * size - (EM_WIDE - EM_ASCII) * len(text.encode("ascii", "ignore")) <= free:
        return 1  # fits even if every sign but ASCII were as wide as Hangul
    widths = word_widths(text.split(" "))
    if sum(widths) + EM_SPACE * (len(widths) - 1) <= free:
        return 1
    lines, used = 1, -EM_SPACE  # -EM_SPACE: nothing on the line yet
    for width in widths:
        if used + EM_SPACE + width <= free:
            used += EM_SPACE + width
            continue
        if used > -EM_SPACE:  # the word starts the next line
            lines, free = lines + 1, room
        if width <= free:
            used = width
            continue
        full, rest = divmod(width, room)
        lines += int(full) - (0 if rest else 1)
        used, free = (rest if rest else room), room
    return lines


def _look(spacing: dict[str, str], size: int, indent: dict[str, str], keep: bool = False) -> Look:
    """A style's measures from its resolved ``w:spacing``, ``w:sz`` and ``w:ind`` attributes."""
    line, rule = _number(spacing, "line") or 240, spacing.get("lineRule", "auto")
    single = round(size * 10 * LINE_EM)
    height = single * line // 240 if rule == "auto" else line if rule == "exact" else max(line, single)
    return Look(_number(spacing, "before"), _number(spacing, "after"), height, size,
                _number(indent, "left") or _number(indent, "start"), _number(indent, "hanging"), line, rule == "auto", keep)


def _number(values: dict[str, str], name: str, default: int = 0) -> int:
    try:
        return int(values.get(name, default))
    except ValueError:
        return default


def _merged(nodes: list[etree._Element], path: str) -> dict[str, str]:
    """The attributes of ``path`` under each of ``nodes``, the later ones overriding (no namespaces)."""
    out: dict[str, str] = {}
    for node in nodes:
        found = node.find(path)
        if found is not None:
            out.update((etree.QName(key).localname, value) for key, value in found.attrib.items())
    return out


def _flag(nodes: list[etree._Element], path: str) -> bool:
    """Whether the last of ``nodes`` that has the on/off element ``path`` turns it on."""
    on = False
    for node in nodes:
        found = node.find(path)
        if found is not None:
            on = found.get(f"{_W}val", "1") not in ("0", "false", "off")
    return on


def _chain(styles: dict[str, etree._Element], sid: str | None) -> list[etree._Element]:
    """The style ``sid`` and the styles it is based on, the base first."""
    out: list[etree._Element] = []
    while sid in styles and all(node is not styles[sid] for node in out):
        out.append(styles[sid])
        based = styles[sid].find(f"{_W}basedOn")
        sid = None if based is None else based.get(f"{_W}val")
    return out[::-1]


def _looks(root: etree._Element | None) -> tuple[dict[str, Look], dict[str, tuple[int, int, int, int]]]:
    """Each paragraph style's :class:`Look` and each table style's cell margins (top, bottom, left, right),
    from the document defaults down its ``basedOn`` chain."""
    if root is None:
        return {}, {}
    styles = {style.get(f"{_W}styleId"): style for style in root.iter(f"{_W}style")}
    defaults = [node for node in (root.find(f"{_W}docDefaults/{_W}pPrDefault"),
                                  root.find(f"{_W}docDefaults/{_W}rPrDefault")) if node is not None]
    looks, margins = {}, {}
    for sid, style in styles.items():
        nodes = [*defaults, *_chain(styles, sid)]
        if style.get(f"{_W}type") == "paragraph":
            size = _number(_merged(nodes, f"{_W}rPr/{_W}sz"), "val", 20)
            looks[sid] = _look(_merged(nodes, f"{_W}pPr/{_W}spacing"), size, _merged(nodes, f"{_W}pPr/{_W}ind"),
                               _flag(nodes, f"{_W}pPr/{_W}keepNext"))
        elif style.get(f"{_W}type") == "table":
            cell_margins = f"{_W}tblPr/{_W}tblCellMar/{_W}"
            margins[sid] = tuple(_number(_merged(nodes, cell_margins + side), "w")
                                 for side in ("top", "bottom", "left", "right"))
    return looks, margins


def _layouts(looks: dict[str, Look], ids: dict[str, str]) -> tuple[Layout, ...]:
    """The standard layout and the :data:`TIGHTER` ones: every style but the table cells' tightened."""
    looks = {sid: looks.get(sid, DEFAULT_LOOK) for sid in ids.values()} | looks
    tightened = {ids[key] for key in STYLE_NAMES if key not in UNTIGHTENED}
    out = [Layout(looks, {})]
    for kept, line in TIGHTER:
        tight = {sid: tighter(look, kept, line) if sid in tightened else look for sid, look in looks.items()}
        out.append(Layout(tight, {sid: spacing_xml(tight[sid]) for sid in tightened}))
    return tuple(out)


def tighter(look: Look, kept: int, line: int) -> Look:
    """``look`` with ``kept`` per mille of its space before and after and, when it is set (240ths) and
    tighter, that line spacing; the font and the indents stay."""
    line = line if line and look.auto and look.line > line else look.line
    height = look.height * line // look.line if look.auto else look.height
    return replace(look, before=look.before * kept // 1000, after=look.after * kept // 1000, height=height,
                   line=line)


def spacing_xml(look: Look) -> str:
    """Direct ``w:spacing`` drawing a paragraph with ``look``'s space and line spacing."""
    line = f' w:line="{look.line}" w:lineRule="auto"' if look.auto else ""
    return f'<w:spacing w:before="{look.before}" w:after="{look.after}"{line}/>'


def paginate(units: list[Unit], height: int) -> Pages:
    """Stack ``units`` on pages ``height`` twips high, as LibreOffice lays out a Word document: between two
    paragraphs the larger of the space after and the space before; a unit kept with the next moves with it;
    a row that does not fit starts the next page (under its table's header rows); a paragraph splits
    between its lines."""
    count, used, after = 1, 0, 0
    for index, (before, line, lines, unit_after, keep, split, header, new_page) in enumerate(units):
        if new_page:
            count, used, after = count + 1, 0, 0
            continue
        gap = (after if after > before else before) if used else before
        if not keep:  # the common paragraph or row: it fits
            total = used + gap + line * lines
            if total <= height:
                used, after = total, unit_after
                continue
        need = _kept_height(units, index, gap) if keep else gap + line
        if used and used + need > height >= need:
            count, used, gap = count + 1, header, before
        if not split:
            if used and used + gap + line > height:
                count, used, gap = count + 1, header, before
            used += gap + line
        elif used + gap + line * lines <= height:  # the whole paragraph fits
            used += gap + line * lines
        else:
            used += gap
            for _ in range(lines):
                if used and used + line > height:
                    count, used = count + 1, 0
                used += line
        after = unit_after
    return Pages(count, min(used, height))


def _kept_height(units: list[Unit], index: int, gap: int) -> int:
    """Height of ``units[index]`` (``gap`` above it) with the units it keeps with, up to the first line of
    the last one."""
    total = gap
    while units[index].keep and index + 1 < len(units) and not units[index + 1].new_page:
        unit, following = units[index], units[index + 1]
        total += unit.line * unit.lines + max(unit.after, following.before)
        index += 1
    return total + units[index].line


# ── the document ─────────────────────────────────────────────────────────
def line_style(styles: dict[str, str], marker: str, level: int) -> str:
    """A line's style id: its marker's own style at the marker's own depth, else the style of the depth."""
    if m.MARKER_LEVEL.get(marker) == level:
        return styles[marker]
    level = min(max(level, 0), 3)
    return styles[m.MARK_L2 if level == 2 and marker else LEVEL_STYLES[level]]


def picture_size(block: Image, page: Page) -> tuple[int, int]:
    """(width, height) of a picture in twips: ``width`` per mille of the text width, at most 9/10 of the
    text height."""
    pixels_wide, pixels_high = pixel_size(block)
    width = page.text_width * block.width // 1000
    height = width * pixels_high // pixels_wide
    if height > page.text_height * 9 // 10:
        width, height = width * page.text_height * 9 // 10 // height, page.text_height * 9 // 10
    return width, height


class Shape(NamedTuple):
    """A paragraph style in one layout at one text width: how its paragraphs open in XML and what one of
    them measures (made once per template, layout and width: see :meth:`Template.shapes`)."""

    opening: str  # <w:p><w:pPr><w:pStyle …/> and the layout's direct spacing
    kept: str  # the same with <w:keepNext/> before the spacing
    look: Look
    room: float  # ems a line holds
    first: float  # ems the first line holds more (a hanging indent)
    free: float  # room + first: a text of fewer signs is one line (no sign but % is wider than an em)
    one: Unit  # a paragraph of one line
    one_kept: Unit  # the same, kept with the next paragraph

    def paragraph(self, text: str, keep: bool = False) -> tuple[str, Unit]:
        """The XML and the unit of a paragraph of ``text`` (kept with the next one)."""
        return f"{self.kept if keep else self.opening}</w:pPr>{run(text)}</w:p>", self.measure(text, keep)

    def measure(self, text: str, keep: bool = False) -> Unit:
        """The unit of a paragraph of ``text`` in this style."""
        lines = wrapped_lines(text, self.room, self.first)
        if lines == 1:
            return self.one_kept if keep else self.one
        look = self.look
        return Unit(look.before, look.height, lines, look.after, keep or look.keep)

    def unit(self, lines: int) -> Unit:
        """The unit of a paragraph of ``lines`` lines in this style (not kept unless the style keeps)."""
        if lines == 1:
            return self.one
        look = self.look
        return Unit(look.before, look.height, lines, look.after, look.keep)


def _shape(sid: str, layout: Layout, width: int) -> Shape:
    look = layout.looks.get(sid, DEFAULT_LOOK)
    spacing = layout.spacing.get(sid, "")
    opening = f'<w:p><w:pPr><w:pStyle w:val="{sid}"/>'
    em = look.size * 10
    room, first = max(1.0, (width - look.left) / em), look.hanging / em
    return Shape(opening + spacing, f"{opening}<w:keepNext/>{spacing}", look, room, first, room + first,
                 Unit(look.before, look.height, 1, look.after, look.keep),
                 Unit(look.before, look.height, 1, look.after, True))


class Shapes:
    """The :class:`Shape` of each paragraph style in one layout at one text width, by style id and by a
    line's (marker, depth); each made when first asked."""

    def __init__(self, styles: dict[str, str], layout: Layout, width: int):
        self.styles, self.layout, self.width = styles, layout, width
        self.by_style: dict[str, Shape] = {}
        self.by_line: dict[tuple[str, int], Shape] = {}
        self.grids: dict[tuple[tuple[int, ...], str], Grid] = {}
        self.headings: dict[tuple[str, int], tuple[str, Unit]] = {}  # (text, level) → (XML, unit)

    def style(self, sid: str) -> Shape:
        shape = self.by_style.get(sid)
        if shape is None:
            shape = self.by_style[sid] = _shape(sid, self.layout, self.width)
        return shape

    def grid(self, template: Template, widths: tuple[int, ...], value: str) -> Grid:
        """The :class:`Grid` of a table's columns with ``value`` the style of its other cells."""
        grid = self.grids.get((widths, value))
        if grid is None:
            if len(self.grids) > 256:
                self.grids.clear()
            grid = self.grids[widths, value] = Grid(template, self.layout.looks, widths, value)
        return grid

    def line(self, marker: str, level: int) -> Shape:
        """The shape of a bullet line with ``marker`` at depth ``level`` (see :func:`line_style`)."""
        shape = self.by_line.get((marker, level))
        if shape is None:
            shape = self.by_line[marker, level] = self.style(line_style(self.styles, marker, level))
        return shape


class Grid:
    """The columns of a table in one layout: how its cells open in XML and how tall a cell is (a table's
    rows and cells are drawn and measured here; every card has the same tables, so made once per width)."""

    def __init__(self, template: Template, looks: dict[str, Look], widths: tuple[int, ...], value: str):
        styles = template.styles
        self.widths, self.value, self.label_style, self.fill = widths, value, styles["label"], template.label_fill
        self.value_look, self.label_look = looks.get(value, DEFAULT_LOOK), looks.get(styles["label"], DEFAULT_LOOK)
        top, bottom, left, right = template.margins.get(styles["table"], (0, 0, 0, 0))
        self.padding, self.margins = top + bottom + RULE, left + right
        self.inner = [width - left - right for width in widths]
        self.label = (f'<w:shd w:val="clear" w:color="auto" w:fill="{self.fill}"/><w:vAlign w:val="center"/>'
                      f'</w:tcPr><w:p><w:pPr><w:pStyle w:val="{self.label_style}"/>')
        self.plain = f'<w:vAlign w:val="center"/></w:tcPr><w:p><w:pPr><w:pStyle w:val="{value}"/>'
        self.opening = [f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>' for width in widths]
        #: (column, keep, label, lines) → (XML, height) of the cells of plain rows met (see plain_row)
        self.cells: dict[tuple[int, str, bool, tuple[str, ...]], tuple[str, int]] = {}
        self.spanned: dict[tuple[int, str, str | None, int, bool, tuple[str, ...]], tuple[str, int]] = {}

    def plain_row(self, cells: tuple[Cell, ...], keep: str) -> tuple[str, int]:
        """(XML, tallest cell) of a row of one cell a column: the common row. Its cells are remembered by
        column and text: labels are the same on every card, and so are many values (사업구분, 소요예산,
        years, targets and counts); a new text costs one dictionary entry more."""
        parts, tallest = [], 0
        known = self.cells
        for column, item in enumerate(cells):
            drawn = known.get((column, keep, item.label, item.lines))
            if drawn is None:
                drawn = self.plain_cell(column, keep, item)
            parts.append(drawn[0])
            if drawn[1] > tallest:
                tallest = drawn[1]
        return "".join(parts), tallest

    def plain_cell(self, column: int, keep: str, item: Cell) -> tuple[str, int]:
        """(XML, height) of a cell of a plain row, remembered (see :meth:`plain_row`)."""
        if len(self.cells) > 1024:
            self.cells.clear()
        props, look = (self.label, self.label_look) if item.label else (self.plain, self.value_look)
        xml = f"{self.opening[column]}{props}{keep}</w:pPr>{lines_run(item.lines)}</w:p></w:tc>"
        drawn = self.cells[column, keep, item.label, item.lines] = (xml, _cell_height(item, self.inner[column], look))
        return drawn

    def spanned_row(self, item: Row, above: dict[int, tuple[Cell, int]], keep: str) -> tuple[str, int]:
        """(XML, tallest cell) of a row with spans or cells continued from ``above``: spans as gridSpan, a
        cell spanning rows as vMerge restart/continue, counted in its first row with its height shared
        between its rows."""
        widths = self.widths
        out = []
        cells = iter(item.cells)
        column, tallest = 0, 0
        while column < len(widths):
            if column in above:
                origin, left = above[column]
                out.append(self.spanned_cell(origin, column, keep, "continue")[0])
                above[column] = (origin, left - 1)
                if left <= 1:
                    del above[column]
                column += origin.colspan
                continue
            item_cell = next(cells, None)
            if item_cell is None:
                out.append(cell(widths[column], para(self.value, "", keep)))
                column += 1
                continue
            if column + item_cell.colspan > len(widths):
                raise CardError(f"표의 칸이 열 수({len(widths)})보다 많습니다 / a table row has more cells "
                                f"than its {len(widths)} columns")
            merge = None
            if item_cell.rowspan > 1:
                above[column] = (item_cell, item_cell.rowspan - 1)
                merge = "restart"
            xml, height = self.spanned_cell(item_cell, column, keep, merge)
            out.append(xml)
            tallest = max(tallest, height // item_cell.rowspan if merge else height)
            column += item_cell.colspan
        if next(cells, None) is not None:
            raise CardError(f"표의 칸이 열 수({len(widths)})보다 많습니다 / a table row has more cells "
                            f"than its {len(widths)} columns")
        return "".join(out), tallest

    def spanned_cell(self, item: Cell, column: int, keep: str, merge: str | None) -> tuple[str, int]:
        """(XML, height) of a cell in a row with spans; label cells and cells continued from above are
        remembered (a table's head, as the plan table's, is the same on every card)."""
        if not item.label and merge != "continue":
            return self.draw_cell(item, column, keep, merge)
        key = (column, keep, merge, item.colspan, item.label, () if merge == "continue" else item.lines)
        drawn = self.spanned.get(key)
        if drawn is None:
            if len(self.spanned) > 1024:
                self.spanned.clear()
            drawn = self.spanned[key] = self.draw_cell(item, column, keep, merge)
        return drawn

    def draw_cell(self, item: Cell, column: int, keep: str, merge: str | None) -> tuple[str, int]:
        """(XML, height) of a cell spanning ``item.colspan`` columns from ``column`` (no text and no height
        when it continues a cell from above)."""
        span = item.colspan
        width = sum(self.widths[column:column + span]) if span > 1 else self.widths[column]
        style = self.label_style if item.label else self.value
        content = f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{keep}</w:pPr>' \
                  f'{"" if merge == "continue" else lines_run(item.lines)}</w:p>'
        xml = cell(width, content, span, merge, self.fill if item.label else None)
        if merge == "continue":
            return xml, 0
        return xml, _cell_height(item, width - self.margins, self.label_look if item.label else self.value_look)


def _cell_height(item: Cell, width: int, look: Look) -> int:
    """Height of a cell's paragraph (its lines broken by ``w:br``) in ``width`` twips, margins aside (the
    cells met before are remembered by their :class:`Grid`)."""
    room = max(1.0, width / (look.size * 10))
    count = sum(wrapped_lines(line, room) for line in item.lines)
    return look.before + look.height * (count or 1) + look.after


def nearly_empty(pages: Pages, height: int) -> bool:
    """Whether a run's last page of ``height`` twips is nearly empty (less than 1/NEARLY_EMPTY used) after
    a full one: then a tighter layout is tried."""
    return pages.count > 1 and pages.last * NEARLY_EMPTY < height


def page_estimate(doc: Document, options: WriterOptions | None = None, layout: int = 0) -> list[Pages]:
    """The page model's pages of each run of ``doc``'s blocks on one page kind (each section), drawn in
    layout ``layout`` (0: the standard one, then the :data:`TIGHTER` ones)."""
    template = load_template(None, options)
    body = _Body(template, doc)
    return [body.run(blocks, template.pages[orientation], layout)[1]
            for orientation, blocks in page_runs(doc.blocks, "")]


def chosen_layouts(doc: Document, options: WriterOptions | None = None) -> list[int]:
    """The layout each run of ``doc``'s blocks is written in (0: the standard one, then the :data:`TIGHTER`
    ones)."""
    body = _Body(load_template(None, options), doc)
    body.body()
    return body.chosen


class _Body:
    """Builds the body XML of one document with the template's styles, and the page model's units of what
    it draws as it draws it (one walk: each block's units come with its XML)."""

    def __init__(self, template: Template, doc: Document):
        self.t = template
        self.s = template.styles
        self.doc = doc
        self.out: list[str] = []
        self.units: list[Unit] = []
        self.images: list[tuple[str, Image]] = []  # (relationship id, picture)
        self.pictures = 0  # pictures drawn before self.images (set aside by write_document)
        #: (XML after the opening, lines) of each bullet line of the standard run, and their replay (see line)
        self.drawn: list[tuple[str, int]] = []
        self.replay: Iterator[tuple[str, int]] | None = None
        self.chosen: list[int] = []  # the layout of each run drawn by body()
        self.final = ""  # the last run's section properties (see pieces)
        self.tables: dict[tuple[int, int], tuple[str, list[Unit]]] = {}  # (id, text width) → drawn (see grid)
        self.page = template.pages[""]
        self.layout_number = 0
        self.layout = template.layouts[0]
        self.shapes = template.shapes(0, self.page.text_width)

    def body(self) -> tuple[list[str], str]:
        """(body XML in pieces, final section properties): the blocks, a section break after each page
        kind. The pieces are not joined: a package's body is tens of MB, compressed piece by piece."""
        out = ["".join(pieces) for pieces in self.runs()]
        return out or ["<w:p/>"], self.final

    def runs(self) -> Iterator[list[str]]:
        """The body XML a run of blocks at a time, in pieces (each run's, then the section break that
        ends its page kind when another run follows), drawn as ``doc.blocks`` is walked: one run's
        blocks and XML held at a time. ``self.final`` is the last run's section properties once done."""
        page = None
        for orientation, blocks in page_runs(self.doc.blocks, ""):
            if page is not None:
                yield [f"<w:p><w:pPr>{_HAIRLINE}{page.sect_pr}</w:pPr></w:p>"]
            page = self.t.pages[orientation]
            yield self.best_run(blocks, page)
        self.final = (page or self.t.pages[""]).sect_pr

    def best_run(self, blocks: list[Block], page: Page) -> list[str]:
        """The XML pieces of a run of blocks drawn in the standard layout, or, when its last page would be
        nearly empty, in the mildest tighter layout that saves that page (drawn again: a few cards in a
        hundred)."""
        pictures = len(self.images)
        xml, pages = self.run(blocks, page, 0)
        try:
            if nearly_empty(pages, page.text_height):
                for number in range(1, len(self.t.layouts)):
                    del self.images[pictures:]  # the same pictures again, under the same numbers
                    self.replay = iter(self.drawn)
                    tight, tight_pages = self.run(blocks, page, number)
                    if tight_pages.count < pages.count:
                        self.chosen.append(number)
                        return tight
        finally:
            self.drawn, self.replay = [], None
        self.chosen.append(0)
        return xml

    def run(self, blocks: list[Block], page: Page, layout: int) -> tuple[list[str], Pages]:
        """(XML pieces, pages) of ``blocks`` drawn on ``page`` in layout number ``layout`` (its bullet lines'
        text taken from ``self.replay`` when it is set: see :meth:`line`)."""
        self.page, self.layout_number, self.layout = page, layout, self.t.layouts[layout]
        self.shapes = self.t.shapes(layout, page.text_width)
        self.out, self.units = [], []
        if self.replay is None:  # new blocks: what is kept for a tighter redraw is theirs only
            self.drawn = []  # this run's bullet lines, for a tighter redraw of the same blocks
            self.tables.clear()  # keyed by id(): a walk of lazy blocks frees the last run's, ids reused
        draw = _DRAW
        for block in blocks:
            draw[type(block)](self, block)
        return self.out, paginate(self.units, page.text_height)

    # paragraphs
    def para(self, style: str, text: str, keep: bool = False) -> None:
        """A paragraph in ``style`` (kept with the next one) in the run's layout."""
        xml, unit = self.shapes.style(style).paragraph(text, keep)
        self.out.append(xml)
        self.units.append(unit)

    def title(self, block: Title) -> None:
        self.para(self.s["title"], block.text)

    def heading(self, block: Heading) -> None:
        """A heading, kept with what follows (the same headings on every card: each drawn once a layout)."""
        key = (block.text, block.level)
        drawn = self.shapes.headings.get(key)
        if drawn is None:
            if len(self.shapes.headings) > 1024:
                self.shapes.headings.clear()
            style = self.shapes.style(self.s[HEADING_STYLES.get(block.level, "group")])
            drawn = self.shapes.headings[key] = style.paragraph(block.text, True)
        self.out.append(drawn[0])
        self.units.append(drawn[1])

    def line(self, marker: str, level: int, text: str, props: str = "", date: str = "") -> None:
        """A bullet line: its marker and its ``date`` (``date : text``) written before the text, in the style
        of its marker and depth (and the run's layout); ``props`` follow the spacing.

        What follows the style's opening and the count of lines it wraps to are the same in every layout
        (a tighter one changes spacing only, never the font, the indents or the width): the standard
        layout's run records them in ``self.drawn``, line by line, and a tighter run of the same blocks
        takes them back in the same order from ``self.replay`` instead of escaping and measuring again."""
        shape = self.shapes.by_line.get((marker, level)) or self.shapes.line(marker, level)
        if self.replay is None:
            if date:
                text = f"{date} : {text}"
            body = f"{marker} {text}" if marker else text
            rest = f"{props}</w:pPr>{run(body)}</w:p>"
            # most lines are shorter than a line holds: one line without measuring (marker and space < 2 ems)
            lines = 1 if len(text) + len(marker) < shape.free else wrapped_lines(body, shape.room, shape.first)
            self.drawn.append((rest, lines))
        else:
            rest, lines = next(self.replay)
        self.out += (shape.opening, rest)  # two pieces: ``rest`` is held once, by both lists
        self.units.append(shape.one if lines == 1 else shape.unit(lines))

    def paragraph(self, block: Paragraph) -> None:
        self.line(block.marker, block.level, block.text, f'<w:jc w:val="{block.align}"/>' if block.align else "")

    def dated_line(self, block: DatedLine) -> None:
        self.line(block.marker, m.MARKER_LEVEL.get(block.marker, 1), block.text, "", block.date)
        for detail in block.details:
            self.line(detail.marker, detail.level, detail.text)

    def box(self, block: Box) -> None:
        """A framed one-cell table that does not split: the bold title line and its lines, measured in
        the cell's width."""
        top, bottom, left, right = self.t.margins.get(self.s["box"], (0, 0, 0, 0))
        width = self.page.text_width
        outer = self.out, self.units, self.shapes
        self.out, self.units = [], []
        self.shapes = self.t.shapes(self.layout_number, width - left - right)
        self.para(self.s["box_title"], block.title)
        for line in block.lines:
            self.paragraph(line)
        content, inside = "".join(self.out), self.units
        self.out, self.units, self.shapes = outer
        self.out.append(grid_table(self.s["box"], (width,), [row(cell(width, content))]))
        height = top + bottom + 2 * RULE + sum(u.before + u.line * u.lines + u.after for u in inside)
        self.units.append(Unit(0, height, 1, 0, split=False))

    def page_break(self, _block: PageBreak) -> None:
        self.out.append(f'<w:p><w:pPr>{_HAIRLINE}</w:pPr><w:r><w:br w:type="page"/></w:r></w:p>')
        self.units.append(Unit(0, 0, 0, 0, new_page=True))

    # tables
    def table(self, block: Table) -> None:
        """The caption, the rows (none splits; the header rows repeat) and the notes."""
        if block.caption:
            self.para(self.s["caption"], block.caption, True)
        key = (id(block), self.page.text_width)
        drawn = self.tables.get(key)
        if drawn is None:
            drawn = self.tables[key] = self.grid(block)
        self.out.append(drawn[0])
        self.units += drawn[1]
        notes = block.notes
        for index, note in enumerate(notes):
            self.para(self.s["table_note"], note, index < len(notes) - 1)

    def grid(self, block: Table) -> tuple[str, list[Unit]]:
        """A table's XML and its rows' units: the same in every layout (table cells are never tightened),
        so a run drawn again in a tighter layout takes them as they are."""
        widths = shares(self.page.text_width * block.width // 1000, tuple(block.shares))
        rows, heights = self.table_rows(block, widths)
        return (grid_table(self.s["table"], widths, rows, block.align or "center", block.caption or block.name),
                self.row_units(block, heights))

    def row_units(self, block: Table, heights: list[int]) -> list[Unit]:
        """The rows' units: none splits, the last ones keep with the notes, the header rows repeat."""
        if not heights:
            return []
        heights[0] += RULE  # the table's top rule
        header_rows = block.header_rows
        header = sum(heights[:header_rows])
        kept = len(heights) - ROWS_KEPT_WITH_NOTES if block.notes else len(heights)
        return [tuple.__new__(Unit, (0, height, 1, 0, index >= kept, False,  # Unit(…) without its keywords
                                     header if index >= header_rows else 0, False))
                for index, height in enumerate(heights)]

    def table_rows(self, block: Table, widths: tuple[int, ...]) -> tuple[list[str], list[int]]:
        """The rows on the grid and each row's height (see :class:`Grid`)."""
        value = self.s["value" if block.style == STYLE_FIELDS else "id" if block.style == STYLE_ID else "cell"]
        grid = self.shapes.grid(self.t, widths, value)
        above: dict[int, tuple[Cell, int]] = {}  # grid column → (cell spanning down, rows still to cover)
        # the rows holding a cell that spans (a comprehension: a third of any() over a generator's cost)
        spanning = {index for index, item in enumerate(block.rows) for c in item.cells if c.colspan > 1 or c.rowspan > 1}
        kept = len(block.rows) - ROWS_KEPT_WITH_NOTES if block.notes else len(block.rows)
        rows, heights = [], []
        for index, item in enumerate(block.rows):
            keep = "<w:keepNext/>" if index >= kept else ""
            cells = item.cells
            if above or len(cells) != len(widths) or index in spanning:
                xml, tallest = grid.spanned_row(item, above, keep)
            else:
                xml, tallest = grid.plain_row(cells, keep)
            rows.append(row(xml, item.keep, index < block.header_rows))
            heights.append(tallest + grid.padding)
        return rows, heights

    # pictures and contents
    def image(self, block: Image) -> None:
        """An inline picture, centred, ``width`` per mille of the text width, its alt text as ``descr``."""
        number = self.pictures + len(self.images) + 1
        rel = f"rIdReportgenImage{number}"
        self.images.append((rel, block))
        width, height = picture_size(block, self.page)
        cx, cy = width * EMU_PER_TWIP, height * EMU_PER_TWIP
        alt = escape_attribute(one_line(block.alt))
        name = f"그림 {number}"
        shape = self.shapes.style(self.s["free"])
        self.out.append(
            f'{shape.opening}<w:jc w:val="center"/></w:pPr><w:r><w:drawing>'
            f'<wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{cx}" cy="{cy}"/>'
            f'<wp:docPr id="{number}" name="{name}" descr="{alt}"/>'
            '<wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/></wp:cNvGraphicFramePr>'
            '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
            f'<pic:pic><pic:nvPicPr><pic:cNvPr id="{number}" name="{name}" descr="{alt}"/><pic:cNvPicPr/>'
            f'</pic:nvPicPr><pic:blipFill><a:blip r:embed="{rel}"/><a:stretch><a:fillRect/></a:stretch>'
            f'</pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
            '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic>'
            "</wp:inline></w:drawing></w:r></w:p>")
        self.units.append(Unit(shape.look.before, height, 1, shape.look.after, split=False))

    def contents(self, block: TableOfContents) -> None:
        """목차: the title, then each entry with its page right-aligned behind dots (plain text, no
        field); without entries, the headings down to ``depth`` without pages."""
        self.para(self.s["title"], block.title, True)
        style = self.s["contents"]
        if not block.entries:
            for heading in walk(self.doc.blocks):
                if isinstance(heading, Heading) and heading.level <= block.depth:
                    self.para(style, heading.text)
            return
        shape = self.shapes.style(style)
        tabs = f'<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{self.page.text_width}"/></w:tabs>'
        opening = f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{tabs}{self.layout.spacing.get(style, "")}</w:pPr>'
        for entry in block.entries:
            page = "" if entry.page is None else f'<w:tab/><w:t xml:space="preserve">{entry.page}</w:t>'
            self.out.append(f'{opening}<w:r><w:t xml:space="preserve">{esc(entry.text)}</w:t>{page}</w:r></w:p>')
            self.units.append(shape.measure(entry.text if entry.page is None else f"{entry.text} {entry.page}"))


#: the method of :class:`_Body` drawing each kind of block
_DRAW: dict[type, Callable[[_Body, Any], None]] = {
    Title: _Body.title, Heading: _Body.heading, Paragraph: _Body.paragraph, DatedLine: _Body.dated_line,
    Box: _Body.box, Table: _Body.table, PageBreak: _Body.page_break, Image: _Body.image,
    TableOfContents: _Body.contents,
}


# ── the package ──────────────────────────────────────────────────────────
def _image_target(number: int, mime: str) -> str:
    """Where picture number ``number`` goes, from ``word/``."""
    return f"media/reportgen-image{number}.{IMAGE_SUFFIX[mime]}"


def _with_images(template: Template, images: list[tuple[str, Image]]) -> dict[str, Member]:
    """The parts a document's pictures add or change: media, relationships, content types."""
    if not images:
        return {}
    out = {}
    for number, (_rel, image) in enumerate(images, 1):
        name = f"word/{_image_target(number, image.mime)}"
        out[name] = Member.stored(name, image.data)
    out.update(_image_links(template, [(rel, image.mime) for rel, image in images]))
    return out


def _image_links(template: Template, links: list[tuple[str, str]]) -> dict[str, Member]:
    """The relationships and content types of pictures numbered from 1, each (relationship id, type)."""
    relations, types = "", ""
    for number, (rel, mime) in enumerate(links, 1):
        suffix = IMAGE_SUFFIX[mime]
        relations += f'<Relationship Id="{rel}" Type="{IMAGE_REL}" Target="{_image_target(number, mime)}"/>'
        if suffix not in template.image_types and f'Extension="{suffix}"' not in types:
            types += f'<Default Extension="{suffix}" ContentType="{mime}"/>'
    rels = template.document_rels or (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                      f'<Relationships xmlns="{REL_NS}"></Relationships>')
    content_types = template.content_types.replace("</Types>", types + "</Types>")
    return {DOCUMENT_RELS: Member.deflated(DOCUMENT_RELS, rels.replace("</Relationships>", relations + "</Relationships>")
                                           .encode("utf-8")),
            CONTENT_TYPES: Member.deflated(CONTENT_TYPES, content_types.encode("utf-8"))}


def _core_member(template: Template, title: str | None) -> Member | None:
    """The core properties with ``title`` (None: no title given, or the reference has none)."""
    if title is None or not template.core_part:
        return None
    before, after = template.core
    return Member.stored(template.core_part, f"{before}{escape(one_line(title))}{after}".encode())


def _package(template: Template, chunks: Iterable[str], title: str | None = None,
             images: list[tuple[str, Image]] | None = None) -> bytes:
    """The reference package with ``word/document.xml`` made of ``chunks`` (compressed as they come),
    the title in the core properties, and the pictures' parts."""
    replaced = _with_images(template, images or [])
    replaced[DOCUMENT_PART] = Member.streamed(DOCUMENT_PART, (text.encode("utf-8") for text in chunks),
                                              DOCUMENT_LEVEL)
    core = _core_member(template, title)
    if core is not None:
        replaced[core.name] = core
    members = [replaced.pop(member.name, member) for member in template.members]
    return zip_members([*members, *replaced.values()])


class _PictureFile:
    """The pictures of a document written part by part, set aside as each run of blocks is drawn:
    their bytes in an unnamed temp file (in ``folder``), their (relationship id, type, offset,
    length) in memory; copied into the zip spool once ``word/document.xml`` is done."""

    def __init__(self, folder: str | None) -> None:
        self.file = tempfile.TemporaryFile(dir=folder)
        self.kept: list[tuple[str, str, int, int]] = []

    def __enter__(self) -> _PictureFile:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.file.close()

    def take(self, body: _Body) -> None:
        """The pictures ``body`` drew (in runs done: none is drawn again) moved here, their numbers kept."""
        for rel, image in body.images:
            self.kept.append((rel, image.mime, self.file.tell(), len(image.data)))
            self.file.write(image.data)
        body.pictures += len(body.images)
        body.images.clear()

    def spool(self, spool: ZipSpool, template: Template) -> dict[str, Spooled]:
        """The media parts copied into ``spool`` in picture order, and their relationships and content
        types added when there are pictures (the parts :func:`_with_images` gives), by name."""
        self.file.flush()
        placed = {}
        for number, (_rel, mime, offset, length) in enumerate(self.kept, 1):
            name = f"word/{_image_target(number, mime)}"
            with spool.storing(name) as sink:
                copy_into(sink, self.file.fileno(), offset, length)
            placed[name] = sink.spooled
        if self.kept:
            links = _image_links(template, [(rel, mime) for rel, mime, _offset, _length in self.kept])
            placed.update((name, spool.add(member)) for name, member in links.items())
        return placed


def _document_xml(template: Template, body: _Body, pictures: _PictureFile) -> Iterator[str]:
    """``word/document.xml`` in pieces, drawn a run of blocks at a time (each run's pieces joined
    DRAIN_PIECES at a time, never whole: a package's 목차 is one run), each run's pictures set aside
    in ``pictures`` once it is drawn."""
    yield template.head
    empty = True
    for pieces in body.runs():
        empty = False
        pictures.take(body)
        for start in range(0, len(pieces), DRAIN_PIECES):
            yield "".join(pieces[start:start + DRAIN_PIECES])
    if empty:
        yield "<w:p/>"
    yield body.final
    yield "</w:body></w:document>"


def write_document(doc: Document, out: Writable, options: WriterOptions | None = None,
                   folder: str | None = None) -> None:
    """:func:`render_document`'s bytes written to ``out``, with memory flat in the document's length
    (the council package: thousands of card sections).

    One walk of ``doc.blocks`` (a lazy sequence is drawn block by block, a run of blocks held at a
    time, as the tighter redraw needs it): ``word/document.xml`` is deflated run by run as it is
    drawn into a :class:`~reportgen.writers.zippack.ZipSpool` (an unnamed temp file in
    ``folder``), never joined whole; the pictures wait in another unnamed temp file; the other parts
    are added once known and the zip is laid out from the spool. A CardError from a block leaves
    nothing written to ``out`` and no file behind."""
    template = load_template(None, options)
    body = _Body(template, doc)
    with ZipSpool(folder) as spool, _PictureFile(folder) as pictures:
        with spool.deflating(DOCUMENT_PART, DOCUMENT_LEVEL) as sink:
            for text in _document_xml(template, body, pictures):
                sink.write(text.encode("utf-8"))
        fresh = pictures.spool(spool, template)
        fresh[DOCUMENT_PART] = sink.spooled
        core = _core_member(template, doc.title)
        if core is not None:
            fresh[core.name] = spool.add(core)
        order = [fresh.pop(member.name) if member.name in fresh else spool.add(member) for member in template.members]
        spool.write_zip(out, [*order, *fresh.values()])


def render_document(doc: Document, options: WriterOptions | None = None) -> bytes:
    """Any document as DOCX bytes, styled by ``options.reference`` (default ``templates/card.docx``).

    Same document in → same bytes out (fixed member order and timestamps).
    """
    template = load_template(None, options)
    body = _Body(template, doc)
    xml, final = body.body()
    return _package(template, (template.head, *xml, final, "</w:body></w:document>"), doc.title, body.images)


def render_docx(card: m.Card, options: WriterOptions | None = None) -> bytes:
    """The standard pledge card as DOCX bytes."""
    return render_document(card_document(card), options)
