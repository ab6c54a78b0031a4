"""DOCX writer: any document (:mod:`reportgen.document`) as a Word document; the card is one.

Everything except the body text comes from the reference document
``templates/card.docx`` (styles, page setup, fonts, table styles), like
pandoc's ``reference.docx``: an office restyles its documents by editing that
file in Word, or names its own with ``WriterOptions.reference``. The
reference package is read once and cached; each document only builds
``word/document.xml`` (and its title, and the parts of its pictures) and
zips it with the cached parts.

Every block is drawn: headings keep with what follows; table rows that must
not split carry ``cantSplit``, header rows repeat (``tblHeader``), notes
under a table keep with its last rows; a section starts a new page in its own
orientation; a 목차 prints the page numbers it is given as plain text behind a
dot leader, so Word shows them without a field update.
"""

from __future__ import annotations

import copy
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

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
    Section,
    Table,
    TableOfContents,
    Title,
    walk,
)
from reportgen.documents import card_document
from reportgen.errors import CardError, InputError, Problem
from reportgen.resources import WriterOptions, template_path
from reportgen.writers.zippack import Member, zip_members
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
_HAIRLINE = '<w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/>'


@dataclass(frozen=True)
class Page:
    """A page layout: its section properties and the room between the margins (twips)."""

    sect_pr: str
    text_width: int
    text_height: int


@dataclass(frozen=True)
class Template:
    """The parsed reference document: the parts kept as they are, the style ids and the pages."""

    head: str  # document.xml up to and including <w:body>
    members: tuple[Member, ...]  # every part in package order, compressed
    styles: dict[str, str]  # STYLE_NAMES key → style id
    label_fill: str
    pages: dict[str, Page]  # "": the reference's page; "portrait"/"landscape": turned so
    core: tuple[str, str] = ("", "")  # docProps/core.xml before and after the title text
    core_part: str = ""  # "" when the reference has no core properties
    content_types: str = ""  # [Content_Types].xml, for documents with pictures
    document_rels: str = ""  # word/_rels/document.xml.rels ("" when the reference has none)
    image_types: frozenset[str] = frozenset()  # extensions [Content_Types].xml declares


# ── template loading ─────────────────────────────────────────────────────
def _template_problem(path: Path, ko: str, en: str) -> InputError:
    return InputError(Problem(str(path), "", f"DOCX 양식 파일이 잘못되었습니다: {ko}",
                              f"bad DOCX reference document: {en}",
                              "templates/make_card_docx.py로 다시 만들거나 Word에서 .docx로 다시 저장하세요",
                              "regenerate it with templates/make_card_docx.py or re-save it from Word as .docx"))


def _style_ids(styles_xml: bytes | None) -> tuple[dict[str, str], str]:
    """Map STYLE_NAMES keys to the template's style ids, and read the label fill."""
    ids = {key: re.sub(r"[^A-Za-z0-9]", "", name) for key, name in STYLE_NAMES.items()}
    if styles_xml is None:
        return ids, DEFAULT_FILL
    by_name = {}
    for style in parse_xml(styles_xml).iter(f"{_W}style"):
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
def _load_template(path: Path, stamp: tuple[int, int]) -> Template:
    """Read the reference docx (cached per path and modification time)."""
    del stamp  # part of the cache key only
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
        styles, fill = _style_ids(parts.get("word/styles.xml"))
        core_part, core = _core(parts)
        image_types = _image_types(parts.get(CONTENT_TYPES))
    except (etree.XMLSyntaxError, UnicodeDecodeError, ValueError) as exc:
        raise _template_problem(path, "XML이 깨졌습니다", f"broken XML ({exc})") from exc
    kept = tuple(Member.deflated(name, data, PART_LEVEL) for name, data in members)
    return Template(head, kept, styles, fill, pages, core, core_part,
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
    return _load_template(Path(os.path.abspath(target)), (info.st_mtime_ns, info.st_size))


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


def grid_table(style: str, widths: list[int], rows: Iterable[str], align: str = "center", name: str = "") -> str:
    """A fixed-layout table with the given column widths and ``<w:tr>`` rows."""
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    caption = f'<w:tblCaption w:val="{escape_attribute(one_line(name))}"/>' if name else ""
    props = (f'<w:tblStyle w:val="{style}"/><w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="{align}"/>'
             '<w:tblLayout w:type="fixed"/><w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" '
             f'w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/>{caption}')
    return f"<w:tbl><w:tblPr>{props}</w:tblPr><w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"


def shares(total: int, parts: list[int] | tuple[int, ...]) -> list[int]:
    """Split ``total`` twips in proportion to ``parts``; the last column takes the rounding."""
    whole = sum(parts)
    widths = [total * part // whole for part in parts]
    widths[-1] += total - sum(widths)
    return widths


def image_size(image: Image) -> tuple[int, int]:
    """(width, height) in pixels from the picture's header; a CardError when it cannot be read."""
    data = image.data
    size = None
    if image.mime == "image/png" and data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        size = struct.unpack(">II", data[16:24])
    elif image.mime == "image/gif" and data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        size = struct.unpack("<HH", data[6:10])
    elif image.mime == "image/jpeg" and data[:2] == b"\xff\xd8":
        size = _jpeg_size(data)
    if not size or not all(size):
        raise CardError(f"그림 '{image.alt}'의 크기를 읽을 수 없습니다: 손상된 {image.mime} 파일입니다 / "
                        f"cannot read the size of picture '{image.alt}': damaged {image.mime} data")
    return size


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG's frame header (SOF0…SOF15 but DHT, JPG and DAC)."""
    index = 2
    while index + 9 <= len(data) and data[index] == 0xFF:
        marker = data[index + 1]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[index + 5:index + 9])
            return width, height
        index += 2 + struct.unpack(">H", data[index + 2:index + 4])[0]
    return None


@lru_cache(maxsize=1024)
def _label_cell(opening: str, label: str, keep: str, lines: tuple[str, ...]) -> str:
    """A label cell (the same labels on every card, so drawn once)."""
    return f"{opening}{label}{keep}</w:pPr>{lines_run(lines)}</w:p></w:tc>"


# ── the document ─────────────────────────────────────────────────────────
def _segments(blocks: tuple[Block, ...], orientation: str) -> Iterator[tuple[str, list[Block]]]:
    """Runs of blocks laid out on one page kind: each section is a run of its own."""
    run: list[Block] = []
    for block in blocks:
        if isinstance(block, Section):
            if run:
                yield orientation, run
                run = []
            yield from _segments(block.blocks, block.orientation)
        else:
            run.append(block)
    if run:
        yield orientation, run


class _Body:
    """Builds the body XML of one document with the template's styles."""

    def __init__(self, template: Template, doc: Document):
        self.t = template
        self.s = template.styles
        self.doc = doc
        self.out: list[str] = []
        self.images: list[tuple[str, Image]] = []  # (relationship id, picture)
        self.styles_by_line: dict[tuple[str, int], str] = {}
        self.page = template.pages[""]
        self.draw: dict[type, Callable[..., None]] = {
            Title: self.title, Heading: self.heading, Paragraph: self.paragraph, DatedLine: self.dated_line,
            Box: self.box, Table: self.table, PageBreak: self.page_break, Image: self.image,
            TableOfContents: self.contents,
        }

    def body(self) -> tuple[str, str]:
        """(body XML, final section properties): the blocks, a section break after each page kind."""
        segments = list(_segments(self.doc.blocks, ""))
        final = self.t.pages[""].sect_pr
        for index, (orientation, blocks) in enumerate(segments):
            page = self.t.pages[orientation]
            self.page = page
            self.blocks(blocks)
            if index < len(segments) - 1:
                self.out.append(f"<w:p><w:pPr>{_HAIRLINE}{page.sect_pr}</w:pPr></w:p>")
            else:
                final = page.sect_pr
        return "".join(self.out) or "<w:p/>", final

    def blocks(self, blocks: Iterable[Block]) -> None:
        draw = self.draw
        for block in blocks:
            draw[type(block)](block)

    # paragraphs
    def title(self, block: Title) -> None:
        self.out.append(para(self.s["title"], block.text))

    def heading(self, block: Heading) -> None:
        style = self.s[HEADING_STYLES.get(block.level, "group")]
        self.out.append(para(style, block.text, "<w:keepNext/>"))

    def line_style(self, marker: str, level: int) -> str:
        """A marker's own style at its own depth, else the style of the depth."""
        if m.MARKER_LEVEL.get(marker) == level:
            return self.s[marker]
        level = min(max(level, 0), 3)
        return self.s[m.MARK_L2 if level == 2 and marker else LEVEL_STYLES[level]]

    def line(self, marker: str, level: int, text: str, props: str = "") -> str:
        """A bullet line: its marker written before the text, in the style of its marker and depth."""
        style = self.styles_by_line.get((marker, level))
        if style is None:
            style = self.styles_by_line[marker, level] = self.line_style(marker, level)
        return f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{props}</w:pPr>{run(f"{marker} {text}" if marker else text)}</w:p>'

    def paragraph(self, block: Paragraph) -> None:
        jc = f'<w:jc w:val="{block.align}"/>' if block.align else ""
        self.out.append(self.line(block.marker, block.level, block.text, jc))

    def dated_line(self, block: DatedLine) -> None:
        text = f"{block.date} : {block.text}" if block.date else block.text
        out = self.out
        out.append(self.line(block.marker, m.MARKER_LEVEL.get(block.marker, 1), text))
        for detail in block.details:
            out.append(self.line(detail.marker, detail.level, detail.text))

    def box(self, block: Box) -> None:
        """A framed one-cell table: the bold title line and its lines."""
        outer, self.out = self.out, [para(self.s["box_title"], block.title)]
        for line in block.lines:
            self.paragraph(line)
        content, self.out = "".join(self.out), outer
        width = self.page.text_width
        self.out.append(grid_table(self.s["box"], [width], [row(cell(width, content))]))

    def page_break(self, _block: PageBreak) -> None:
        self.out.append(f'<w:p><w:pPr>{_HAIRLINE}</w:pPr><w:r><w:br w:type="page"/></w:r></w:p>')

    # tables
    def table(self, block: Table) -> None:
        if block.caption:
            self.out.append(para(self.s["caption"], block.caption, "<w:keepNext/>"))
        widths = shares(self.page.text_width * block.width // 1000, block.shares)
        self.out.append(grid_table(self.s["table"], widths, self.table_rows(block, widths), block.align or "center",
                                   block.caption or block.name))
        notes = block.notes
        for index, note in enumerate(notes):
            self.out.append(para(self.s["table_note"], note, "<w:keepNext/>" if index < len(notes) - 1 else ""))

    def table_rows(self, block: Table, widths: list[int]) -> Iterator[str]:
        """The rows on the grid: spans as gridSpan, a cell spanning rows as vMerge restart/continue."""
        value = self.s["value" if block.style == STYLE_FIELDS else "id" if block.style == STYLE_ID else "cell"]
        label = (f'<w:shd w:val="clear" w:color="auto" w:fill="{self.t.label_fill}"/><w:vAlign w:val="center"/>'
                 f'</w:tcPr><w:p><w:pPr><w:pStyle w:val="{self.s["label"]}"/>')
        plain = f'<w:vAlign w:val="center"/></w:tcPr><w:p><w:pPr><w:pStyle w:val="{value}"/>'
        opening = [f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>' for width in widths]
        above: dict[int, tuple[Cell, int]] = {}  # grid column → (cell spanning down, rows still to cover)
        kept = len(block.rows) - ROWS_KEPT_WITH_NOTES if block.notes else len(block.rows)
        for index, item in enumerate(block.rows):
            keep = "<w:keepNext/>" if index >= kept else ""
            cells = item.cells
            if above or len(cells) != len(widths) or any(c.colspan > 1 or c.rowspan > 1 for c in cells):
                xml = self.row_cells(item, widths, above, value, keep)
            else:  # one cell a column: the common row, drawn straight; a label as every card has it
                xml = "".join(_label_cell(opening[column], label, keep, c.lines) if c.label else
                              f"{opening[column]}{plain}{keep}</w:pPr>{lines_run(c.lines)}</w:p></w:tc>"
                              for column, c in enumerate(cells))
            yield row(xml, item.keep, index < block.header_rows)

    def row_cells(self, item: Row, widths: list[int], above: dict[int, tuple[Cell, int]], value: str,
                  keep: str) -> str:
        out = []
        cells = iter(item.cells)
        column = 0
        while column < len(widths):
            if column in above:
                origin, left = above[column]
                out.append(self.cell_xml(origin, widths, column, value, keep, "continue"))
                above[column] = (origin, left - 1)
                if left <= 1:
                    del above[column]
                column += origin.colspan
                continue
            item_cell = next(cells, None)
            if item_cell is None:
                out.append(cell(widths[column], para(value, "", keep)))
                column += 1
                continue
            if column + item_cell.colspan > len(widths):
                raise CardError(f"표의 칸이 열 수({len(widths)})보다 많습니다 / a table row has more cells "
                                f"than its {len(widths)} columns")
            merge = None
            if item_cell.rowspan > 1:
                above[column] = (item_cell, item_cell.rowspan - 1)
                merge = "restart"
            out.append(self.cell_xml(item_cell, widths, column, value, keep, merge))
            column += item_cell.colspan
        if next(cells, None) is not None:
            raise CardError(f"표의 칸이 열 수({len(widths)})보다 많습니다 / a table row has more cells "
                            f"than its {len(widths)} columns")
        return "".join(out)

    def cell_xml(self, item: Cell, widths: list[int], column: int, value: str, keep: str,
                 merge: str | None) -> str:
        span = item.colspan
        width = sum(widths[column:column + span]) if span > 1 else widths[column]
        style = self.s["label"] if item.label else value
        content = f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{keep}</w:pPr>' \
                  f'{"" if merge == "continue" else lines_run(item.lines)}</w:p>'
        return cell(width, content, span, merge, self.t.label_fill if item.label else None)

    # pictures and contents
    def image(self, block: Image) -> None:
        """An inline picture, centred, ``width`` per mille of the text width, its alt text as ``descr``."""
        number = len(self.images) + 1
        rel = f"rIdReportgenImage{number}"
        self.images.append((rel, block))
        pixels_wide, pixels_high = image_size(block)
        width = self.page.text_width * block.width // 1000
        height = width * pixels_high // pixels_wide
        if height > self.page.text_height * 9 // 10:
            width, height = width * self.page.text_height * 9 // 10 // height, self.page.text_height * 9 // 10
        cx, cy = width * EMU_PER_TWIP, height * EMU_PER_TWIP
        alt = escape_attribute(one_line(block.alt))
        name = f"그림 {number}"
        self.out.append(
            f'<w:p><w:pPr><w:pStyle w:val="{self.s["free"]}"/><w:jc w:val="center"/></w:pPr><w:r><w:drawing>'
            f'<wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{cx}" cy="{cy}"/>'
            f'<wp:docPr id="{number}" name="{name}" descr="{alt}"/>'
            '<wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/></wp:cNvGraphicFramePr>'
            '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
            f'<pic:pic><pic:nvPicPr><pic:cNvPr id="{number}" name="{name}" descr="{alt}"/><pic:cNvPicPr/>'
            f'</pic:nvPicPr><pic:blipFill><a:blip r:embed="{rel}"/><a:stretch><a:fillRect/></a:stretch>'
            f'</pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
            '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic>'
            "</wp:inline></w:drawing></w:r></w:p>")

    def contents(self, block: TableOfContents) -> None:
        """목차: the title, then each entry with its page right-aligned behind dots (plain text, no
        field); without entries, the headings down to ``depth`` without pages."""
        self.out.append(para(self.s["title"], block.title, "<w:keepNext/>"))
        style = self.s["contents"]
        if not block.entries:
            for heading in walk(self.doc.blocks):
                if isinstance(heading, Heading) and heading.level <= block.depth:
                    self.out.append(para(style, heading.text))
            return
        tabs = f'<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{self.page.text_width}"/></w:tabs>'
        for entry in block.entries:
            page = "" if entry.page is None else f'<w:tab/><w:t xml:space="preserve">{entry.page}</w:t>'
            self.out.append(f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{tabs}</w:pPr>'
                            f'<w:r><w:t xml:space="preserve">{esc(entry.text)}</w:t>{page}</w:r></w:p>')


# ── the package ──────────────────────────────────────────────────────────
def _with_images(template: Template, images: list[tuple[str, Image]]) -> dict[str, Member]:
    """The parts a document's pictures add or change: media, relationships, content types."""
    if not images:
        return {}
    out = {}
    relations, types = "", ""
    for number, (rel, image) in enumerate(images, 1):
        suffix = IMAGE_SUFFIX[image.mime]
        target = f"media/reportgen-image{number}.{suffix}"
        out[f"word/{target}"] = Member.stored(f"word/{target}", image.data)
        relations += f'<Relationship Id="{rel}" Type="{IMAGE_REL}" Target="{target}"/>'
        if suffix not in template.image_types and f'Extension="{suffix}"' not in types:
            types += f'<Default Extension="{suffix}" ContentType="{image.mime}"/>'
    rels = template.document_rels or (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                      f'<Relationships xmlns="{REL_NS}"></Relationships>')
    out[DOCUMENT_RELS] = Member.deflated(DOCUMENT_RELS, rels.replace("</Relationships>", relations + "</Relationships>")
                                         .encode("utf-8"))
    content_types = template.content_types.replace("</Types>", types + "</Types>")
    out[CONTENT_TYPES] = Member.deflated(CONTENT_TYPES, content_types.encode("utf-8"))
    return out


def _package(template: Template, chunks: Iterable[str], title: str | None = None,
             images: list[tuple[str, Image]] | None = None) -> bytes:
    """The reference package with ``word/document.xml`` made of ``chunks`` (compressed as they come),
    the title in the core properties, and the pictures' parts."""
    replaced = _with_images(template, images or [])
    replaced[DOCUMENT_PART] = Member.streamed(DOCUMENT_PART, (text.encode("utf-8") for text in chunks),
                                              DOCUMENT_LEVEL)
    if title is not None and template.core_part:
        before, after = template.core
        replaced[template.core_part] = Member.stored(template.core_part,
                                                     f"{before}{escape(one_line(title))}{after}".encode())
    members = [replaced.pop(member.name, member) for member in template.members]
    return zip_members([*members, *replaced.values()])


def render_document(doc: Document, options: WriterOptions | None = None) -> bytes:
    """Any document as DOCX bytes, styled by ``options.reference`` (default ``templates/card.docx``).

    Same document in → same bytes out (fixed member order and timestamps).
    """
    template = load_template(None, options)
    body = _Body(template, doc)
    xml, final = body.body()
    return _package(template, (template.head, xml, final, "</w:body></w:document>"), doc.title, body.images)


def render_docx(card: m.Card, options: WriterOptions | None = None) -> bytes:
    """The standard pledge card as DOCX bytes."""
    return render_document(card_document(card), options)
