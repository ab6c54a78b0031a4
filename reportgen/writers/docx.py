"""DOCX writer: the standard pledge card as a Word document.

Everything except the body text comes from the reference document
``templates/card.docx`` (styles, page setup, fonts, table styles), like
pandoc's ``reference.docx``: an office restyles its cards by editing that
file in Word. The template package is read once and cached; each card only
builds ``word/document.xml`` as a string and zips it with the cached parts.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lxml import etree

from reportgen import model as m
from reportgen.errors import CardError, InputError, Problem
from reportgen.resources import template_path
from reportgen.writers.zippack import Member, zip_members

DOCUMENT_PART = "word/document.xml"
DOCUMENT_LEVEL = 3  # zlib level of the per-card part: 3× faster than 6, 10 % larger
PART_LEVEL = 9  # the template parts, compressed once
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = f"{{{W_NS}}}"
MAX_TEMPLATE_MEMBER = 50 * 1024 * 1024

#: style names used by the writer (as shown in Word) → style id in templates/card.docx
STYLE_NAMES = {
    "id": "Card Id",
    "title": "Card Title",
    "heading": "Card Heading",
    "subheading": "Card Subheading",
    "group": "Card Group",
    "box_title": "Card Box Title",
    "free": "Normal",  # an undated line without sub-lines, at the left margin
    "label": "Card Table Label",
    "cell": "Card Table Text",
    "value": "Card Table Value",
    "table": "Card Table",
    "box": "Card Box",
    m.MARK_L1: "Card Bullet 1",
    m.MARK_L2: "Card Bullet 2",
    m.MARK_L3: "Card Bullet 3",
    m.MARK_NOTE: "Card Note",
    m.MARK_BOX: "Card Box Item",
    m.MARK_PLAIN: "Card Plain",
}
DEFAULT_FILL = "D9D9D9"
#: column shares (per mille of the text width)
HEADER_COLUMNS = (160, 340, 160, 340)
ID_BOX_COLUMNS = (130, 130)  # 관리번호 | 3-1, left of the page
PLAN_ITEM_SHARE, PLAN_AFTER_SHARE = 170, 140

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NEEDS_WORK = re.compile("[&<>\n\r\t\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Template:
    """The parsed reference document: the parts kept as they are and the style ids."""

    head: str  # document.xml up to and including <w:body>
    tail: str  # the final <w:sectPr> and the closing tags
    members: tuple[Member | None, ...]  # every part in package order, compressed; None for document.xml
    styles: dict[str, str]  # STYLE_NAMES key → style id
    label_fill: str
    text_width: int  # twips between the page margins


# ── template loading ─────────────────────────────────────────────────────
def _template_problem(path: Path, ko: str, en: str) -> InputError:
    return InputError(Problem(str(path), "", f"DOCX 양식 파일이 잘못되었습니다: {ko}",
                              f"bad DOCX reference document: {en}",
                              "templates/make_card_docx.py로 다시 만들거나 Word에서 .docx로 다시 저장하세요",
                              "regenerate it with templates/make_card_docx.py or re-save it from Word as .docx"))


def _parse_xml(data: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    return etree.fromstring(data, parser)


def _style_ids(styles_xml: bytes | None) -> tuple[dict[str, str], str]:
    """Map STYLE_NAMES keys to the template's style ids, and read the label fill."""
    ids = {key: re.sub(r"[^A-Za-z0-9]", "", name) for key, name in STYLE_NAMES.items()}
    if styles_xml is None:
        return ids, DEFAULT_FILL
    root = _parse_xml(styles_xml)
    by_name = {}
    for style in root.iter(f"{_W}style"):
        name = style.find(f"{_W}name")
        if name is not None:
            by_name[name.get(f"{_W}val")] = style
    for key, name in STYLE_NAMES.items():
        if name in by_name:
            ids[key] = by_name[name].get(f"{_W}styleId")
    fill = DEFAULT_FILL
    table = by_name.get(STYLE_NAMES["table"])
    if table is not None:
        shd = table.find(f"{_W}tblStylePr[@{_W}type='firstRow']/{_W}tcPr/{_W}shd")
        if shd is not None and re.fullmatch(r"[0-9A-Fa-f]{6}", shd.get(f"{_W}fill", "")):
            fill = shd.get(f"{_W}fill").upper()
    return ids, fill


def _split_document(path: Path, data: bytes) -> tuple[str, str, int]:
    """(head, tail, text width) of the template's document.xml."""
    text = data.decode("utf-8")
    opening = re.search(r"<w:body(\s[^>]*)?>", text)
    root = _parse_xml(data)
    body = root.find(f"{_W}body")
    if opening is None or body is None or len(body) == 0 or body[-1].tag != f"{_W}sectPr":
        raise _template_problem(path, "본문 끝에 구역 설정(w:sectPr)이 없습니다",
                                "word/document.xml has no final w:sectPr")
    section = body[-1]
    tail = etree.tostring(section, encoding="unicode") + "</w:body></w:document>"
    size, margins = section.find(f"{_W}pgSz"), section.find(f"{_W}pgMar")
    try:
        width = int(size.get(f"{_W}w")) - int(margins.get(f"{_W}left")) - int(margins.get(f"{_W}right"))
    except (AttributeError, TypeError, ValueError):
        width = 9638
    return text[: opening.end()], tail, max(width, 2000)


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
        head, tail, width = _split_document(path, parts[DOCUMENT_PART])
        styles, fill = _style_ids(parts.get("word/styles.xml"))
    except (etree.XMLSyntaxError, UnicodeDecodeError) as exc:
        raise _template_problem(path, "XML이 깨졌습니다", f"broken XML ({exc})") from exc
    kept = tuple(None if name == DOCUMENT_PART else Member.deflated(name, data, PART_LEVEL) for name, data in members)
    return Template(head, tail, kept, styles, fill, width)


def load_template(path: Path | None = None) -> Template:
    """The reference document at ``path`` (default ``templates/card.docx``), parsed once."""
    target = Path(path) if path is not None else template_path("card.docx")
    try:
        info = target.stat()
    except OSError as exc:
        raise _template_problem(target, "파일이 없습니다", "file not found") from exc
    return _load_template(target.resolve(), (info.st_mtime_ns, info.st_size))


# ── XML building blocks ──────────────────────────────────────────────────
def esc(text: str) -> str:
    """Text node content: one line, XML-escaped, without characters XML forbids."""
    if not _NEEDS_WORK.search(text):
        return text.strip()
    text = " ".join(text.replace("\t", " ").splitlines()).strip()
    text = _INVALID_XML.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def para(style: str, text: str = "") -> str:
    """One paragraph in ``style`` holding ``text`` in one run."""
    run = f'<w:r><w:t xml:space="preserve">{esc(text)}</w:t></w:r>' if text else ""
    return f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr>{run}</w:p>'


def contact_para(style: str, text: str) -> str:
    """A header value; a contact breaks its line before ``(담당자 ☎…)`` as on the card."""
    name, bracket, rest = text.partition(" (")
    if not bracket or not rest.endswith(")"):
        return para(style, text)
    return (f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr><w:r><w:t xml:space="preserve">{esc(name)}</w:t>'
            f'<w:br/><w:t xml:space="preserve">{esc("(" + rest)}</w:t></w:r></w:p>')


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


def table(style: str, widths: list[int], rows: list[str], align_left: bool = False, header_rows: int = 0) -> str:
    """A fixed-layout table with the given column widths and ``<w:tc>`` rows.

    The first ``header_rows`` rows repeat at the top of each page the table runs onto.
    """
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    jc = '<w:jc w:val="left"/>' if align_left else ""
    props = (f'<w:tblStyle w:val="{style}"/><w:tblW w:w="{sum(widths)}" w:type="dxa"/>{jc}'
             '<w:tblLayout w:type="fixed"/><w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" '
             'w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/>')
    body = "".join(f"<w:tr><w:trPr><w:cantSplit/>{'<w:tblHeader/>' if index < header_rows else ''}</w:trPr>"
                   f"{row}</w:tr>" for index, row in enumerate(rows))
    return f"<w:tbl><w:tblPr>{props}</w:tblPr><w:tblGrid>{grid}</w:tblGrid>{body}</w:tbl>"


def shares(total: int, parts: list[int]) -> list[int]:
    """Split ``total`` twips in proportion to ``parts``; the last column takes the rounding."""
    whole = sum(parts)
    widths = [total * part // whole for part in parts]
    widths[-1] += total - sum(widths)
    return widths


# ── the card ─────────────────────────────────────────────────────────────
class _Body:
    """Builds the body XML of one card with the template's styles."""

    def __init__(self, template: Template):
        self.t = template
        self.s = template.styles
        self.out: list[str] = []

    def p(self, key: str, text: str = "") -> None:
        self.out.append(para(self.s[key], text))

    def label(self, width: int, text: str, span: int = 1, merge: str | None = None) -> str:
        content = para(self.s["label"], text) if merge != "continue" else para(self.s["label"])
        return cell(width, content, span, merge, self.t.label_fill)

    def bullet(self, line: m.BulletLine) -> None:
        style = self.s.get(line.marker, self.s[m.MARK_L1])
        text = f"{line.marker} {line.text.strip()}" if line.marker else line.text
        self.out.append(para(style, text))

    def title_block(self, card: m.Card) -> None:
        if card.id:
            widths = shares(self.t.text_width * sum(ID_BOX_COLUMNS) // 1000, list(ID_BOX_COLUMNS))
            row = self.label(widths[0], m.L_ID) + cell(widths[1], para(self.s["id"], card.id))
            self.out.append(table(self.s["table"], widths, [row], align_left=True))
        if card.title:
            self.p("title", card.title)

    def header_table(self, card: m.Card) -> None:
        h = card.header
        widths = shares(self.t.text_width, list(HEADER_COLUMNS))
        values = {
            m.L_CATEGORY: [h.category], m.L_EXECUTOR: [h.executor],
            m.L_PERIOD: [h.period], m.L_STATUS: [m.status_text(h)],
            m.L_BUDGET: [h.budget], m.L_COMPLETION: [h.completion],
            m.L_DEPARTMENT: [m.contact_text(h.department)],
            m.L_COOPERATION: [m.contact_text(c) for c in h.cooperation] or [""],
        }
        rows = []
        for left, right in m.HEADER_ROWS:
            row = ""
            for index, label in ((0, left), (2, right)):
                content = "".join(contact_para(self.s["value"], text) for text in values[label])
                row += self.label(widths[index], label) + cell(widths[index + 1], content)
            rows.append(row)
        self.out.append(table(self.s["table"], widths, rows))

    def plan_section(self, card: m.Card) -> None:
        self.p("heading", m.H_PLAN)
        for key, title in m.PLAN_SUBHEADINGS.items():
            self.p("subheading", f"{m.MARK_SUBHEADING} {title}")
            for line in card.bullets.get(key, []):
                self.bullet(line)
        self.p("subheading", f"{m.MARK_SUBHEADING} {m.SUB_ANNUAL_PLAN}")
        self.plan_table(card)

    def plan_table(self, card: m.Card) -> None:
        plan = card.annual_plan
        n = len(plan.years)
        if not n:
            return
        if any(len(row.cells) > n for row in plan.rows) or len(plan.targets) > n:
            raise CardError(f"{card.id}: 연차별 추진계획의 칸 수가 연도 수({n})보다 많습니다 / "
                            f"annual plan has more cells than term years ({n})")
        year_width = (self.t.text_width * (1000 - PLAN_ITEM_SHARE - PLAN_AFTER_SHARE)) // (1000 * n)
        first = self.t.text_width * PLAN_ITEM_SHARE // 1000
        last = self.t.text_width - first - year_width * n
        widths = [first] + [year_width] * n + [last]
        text = self.s["cell"]
        targets = [*plan.targets, *[None] * (n - len(plan.targets))]
        rows = [
            self.label(first, m.L_PLAN_ITEM, merge="restart") + self.label(year_width * n, m.L_IN_TERM, span=n)
            + self.label(last, m.L_AFTER_TERM, merge="restart"),
            self.label(first, "", merge="continue") + "".join(self.label(year_width, f"{y}년") for y in plan.years)
            + self.label(last, "", merge="continue"),
            self.label(first, "", merge="continue") + "".join(cell(year_width, para(text, m.percent_text(t))) for t in targets)
            + cell(last, para(text, m.percent_text(plan.after_term_target))),
        ]
        for row in plan.rows:
            cells = [*row.cells, *[""] * (n - len(row.cells))]
            rows.append(cell(first, para(text, row.title)) + "".join(cell(year_width, para(text, c)) for c in cells)
                        + cell(last, para(text, row.after_term)))
        self.out.append(table(self.s["table"], widths, rows, header_rows=2))

    def achievements(self, card: m.Card) -> None:
        self.p("heading", m.H_ACHIEVEMENTS)
        for section in card.achievements:
            self.p("subheading", f"{m.MARK_SUBHEADING} {section.title}")
            for group in section.groups:
                if group.title:
                    self.p("group", f"{m.GROUP_OPEN}{group.title}{m.GROUP_CLOSE}")
                for item in group.items:
                    self.entry(item)

    def entry(self, item: m.Achievement) -> None:
        if not item.date and item.marker == m.MARK_PLAIN:
            if item.details:
                self.box(item)
            else:
                self.p("free", item.text)
            return
        text = f"{item.date} : {item.text.strip()}" if item.date else item.text
        self.bullet(m.BulletLine(item.marker or m.MARK_L1, text))
        for detail in item.details:
            self.bullet(detail)

    def box(self, item: m.Achievement) -> None:
        """The 인허가 현황 box: a one-cell table with the title line and its ▪ lines."""
        lines = [para(self.s["box_title"], item.text)]
        for detail in item.details:
            style = self.s.get(detail.marker, self.s[m.MARK_L1])
            lines.append(para(style, f"{detail.marker} {detail.text.strip()}" if detail.marker else detail.text))
        width = self.t.text_width
        self.out.append(table(self.s["box"], [width], [cell(width, "".join(lines))]))

    def bullet_section(self, heading: str, lines: list[m.BulletLine]) -> None:
        self.p("heading", heading)
        for line in lines:
            self.bullet(line)

    def communication(self, card: m.Card) -> None:
        self.p("heading", m.H_COMMUNICATION)
        columns = len(m.COMMUNICATION_LABELS)
        widths = shares(self.t.text_width, [1] * columns)
        counts = [*card.communication, *[None] * columns][:columns]
        rows = ["".join(self.label(w, label) for w, label in zip(widths, m.COMMUNICATION_LABELS, strict=True)),
                "".join(cell(w, para(self.s["cell"], m.count_text(c))) for w, c in zip(widths, counts, strict=True))]
        self.out.append(table(self.s["table"], widths, rows))

    def card(self, card: m.Card) -> str:
        self.title_block(card)
        self.header_table(card)
        self.plan_section(card)
        self.achievements(card)
        self.bullet_section(m.H_FUTURE, card.bullets.get(m.FUTURE_PLAN, []))
        self.communication(card)
        self.bullet_section(m.H_EFFECTS, card.bullets.get(m.EFFECTS, []))
        return "".join(self.out)


def document_xml(card: m.Card, template: Template) -> str:
    """``word/document.xml`` of one card."""
    return template.head + _Body(template).card(card) + template.tail


def render_docx(card: m.Card, reference: Path | None = None) -> bytes:
    """The card as DOCX bytes, styled by ``reference`` (default ``templates/card.docx``).

    Same card in → same bytes out (fixed member order and timestamps).
    """
    template = load_template(reference)
    document = Member.deflated(DOCUMENT_PART, document_xml(card, template).encode("utf-8"), DOCUMENT_LEVEL)
    return zip_members([member or document for member in template.members])


# ── building blocks for documents of many cards (the council package) ─────
def card_body_xml(card: m.Card, template: Template) -> str:
    """The body XML of one card (its paragraphs and tables, no section properties)."""
    return _Body(template).card(card)


def label_cell(template: Template, width: int, text: str, span: int = 1) -> str:
    """A shaded label cell in the template's label style."""
    return cell(width, para(template.styles["label"], text), span, fill=template.label_fill)


def docx_from_body(body: str, template: Template) -> bytes:
    """A DOCX package whose body is ``body`` (XML built with the template's styles).

    Same body in → same bytes out, like :func:`render_docx`.
    """
    return docx_from_parts([body], template)


def docx_from_parts(parts: Iterable[str], template: Template) -> bytes:
    """A DOCX package whose body is the concatenation of ``parts``, compressed as they come.

    Lets a document of hundreds of cards be built without holding its whole text.
    """
    raw = (text.encode("utf-8") for text in _framed(parts, template))
    document = Member.streamed(DOCUMENT_PART, raw, DOCUMENT_LEVEL)
    return zip_members([member or document for member in template.members])


def _framed(parts: Iterable[str], template: Template) -> Iterator[str]:
    yield template.head
    yield from parts
    yield template.tail
