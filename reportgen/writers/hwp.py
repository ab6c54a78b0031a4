"""HWP writer: any document (the pledge card, the council package) as binary HWP 5.0 (``.hwp``).

The document is laid out once, by the HWPX writer (:func:`reportgen.writers.hwpx.document_parts`:
the styled ``templates/card.hwpx`` — A4, 함초롬바탕/맑은 고딕, headings, bullets, tables with
merged cells, sections, pictures, 목차), and python-hwpx's HWP 5.0 writer turns those
HWPX parts into an HWP 5.0 compound file. So .hwp and .hwpx look the same and an
office restyles both by editing one template.

Speed: python-hwpx's :func:`hwpx.hwp5.writer.write_hwp5` takes a whole HWPX
package and, for every document, parses ``header.xml`` again and rebuilds DocInfo,
FileHeader, _LinkDoc and the scripts, though they come from the template alone.
Here that work is done once per process (:func:`template_streams`), and per
document of one section and no pictures (every card) only its section XML is
turned into BodyText records, with the summary information and PrvText; the
streams go into the compound file in ``write_hwp5``'s order, so the bytes are
exactly ``write_hwp5``'s (the tests compare both ways: :func:`render_hwp_via_hwpx`
is the reference). A document of several sections (a landscape part) or with
pictures, and a template with tracked changes, go the long way through
``write_hwp5`` with the parts as they are (no zip and unzip).

python-hwpx refuses content HWP 5.0 cannot express (``hwp5-write-unsupported``);
that refusal, like any other failure of the conversion, becomes a
:class:`~reportgen.errors.CardError` naming the card or document, in Korean and English.
"""

# python-hwpx building blocks (python-hwpx is pinned >=6.9,<6.10, so its module-level
# functions may be relied on; they are the very steps write_hwp5 takes, which keeps the
# bytes identical):
# - hwpx.hwp5.writer: _manifest, _caret, _print_info, _file_header, _link_doc, _scripts
#   (card-independent streams, built once) and _summary (per card: the title);
# - hwpx.hwp5.docinfo_writer: build_docinfo, set_bin_count, track_changes, forbidden_chars
#   (DocInfo, built once from header.xml);
# - hwpx.hwp5.section_writer.SectionRecords (section XML → BodyText records, per card), with
#   its private _chars step replaced by a faster one giving the same bytes (tested), and its
#   paragraph step (for paragraphs of plain runs) and cell step (parts found in one pass) done
#   the same way with its helpers _number, _flag, _i16, _list_props, _local (tested
#   against SectionRecords record for record);
# - hwpx.hwp5.records: serialize_records, deflate; hwpx.hwp5.summary: compressed,
#   SCRIPT_VERSION; hwpx.hwp5.cfb.build_compound_file (the .hwp container).

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections import Counter
from dataclasses import dataclass

from hwpx.hwp5 import bodytext as bt
from hwpx.hwp5 import controls as ct
from hwpx.hwp5 import records as rec
from hwpx.hwp5 import summary as sm
from hwpx.hwp5 import writer as hwp5_writer
from hwpx.hwp5.cfb import build_compound_file
from hwpx.hwp5.docinfo_writer import build_docinfo, forbidden_chars, set_bin_count, track_changes
from hwpx.hwp5.errors import Hwp5Error
from hwpx.hwp5.section_writer import (
    SectionRecords,
    _flag,
    _Highlights,
    _i16,
    _list_props,
    _local,
    _number,
)
from lxml import etree

from reportgen import document as d
from reportgen import model as m
from reportgen.documents import card_document
from reportgen.errors import CardError
from reportgen.resources import WriterOptions
from reportgen.writers.hwp_records import plan_records, template_records
from reportgen.writers.hwpx import (
    MANIFEST_PART,
    SECTION_PART,
    DocumentParts,
    Template,
    document_parts,
    fresh_parts,
    load_template,
    manifest,
    render_hwpx,
)

#: python-hwpx's error code for content the HWP 5.0 writer cannot express
UNSUPPORTED = "hwp5-write-unsupported"
#: Characters below U+0020: python-hwpx writes them one by one (tab, line break) or drops them
_LOW_CHARS = re.compile(r"[\x00-\x1f]")
#: Section XML comes from our own HWPX writer; parsed without entities or network all the same
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
#: A paragraph's header, one character shape (position, id) and the paragraph end, as python-hwpx packs them
_PARA_HEADER, _SHAPE = struct.Struct("<IIHBBHHHIH"), struct.Struct("<II")
_PARA_BREAK = struct.pack("<H", bt.PARA_BREAK)


#: HWPX namespace of paragraphs, runs and text
_HP = "http://www.hancom.co.kr/hwpml/2011/paragraph"
_RUN, _TEXT, _SUB_LIST = f"{{{_HP}}}run", f"{{{_HP}}}t", f"{{{_HP}}}subList"
_CELL_PARTS = tuple(f"{{{_HP}}}{name}" for name in ("cellAddr", "cellSpan", "cellSz", "cellMargin"))


def plain_runs(paragraph: etree._Element) -> list[tuple[str | None, list[str]]] | None:
    """The paragraph's runs (character shape id, texts) when it holds only runs of plain text
    (``hp:t`` with no attributes and no children: no tabs, marks, controls, tables or line segments,
    as the HWPX writer draws every paragraph but the first and those holding a table); else None."""
    runs = []
    for run in paragraph:
        if run.tag != _RUN:
            return None
        texts = []
        for text in run:
            if text.tag != _TEXT or len(text) or text.attrib:
                return None
            texts.append(text.text or "")
        runs.append((run.get("charPrIDRef"), texts))
    return runs


def _attr(element: etree._Element | None, name: str, default: int = 0) -> int:
    """python-hwpx's ``_int`` (an attribute as an integer; ``default`` when absent or not a number),
    with the common case, a plain integer, in one call."""
    value = None if element is None else element.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        return _number(value, default)


def _fresh(highlights: _Highlights | None) -> bool:
    """Whether a paragraph list's range state is empty (nothing open or pending from the paragraph before)."""
    return highlights is None or not (highlights.styles or highlights.open or highlights.ranges
                                      or highlights.changes or highlights.changes_open)


class _Records(SectionRecords):
    """python-hwpx's section converter with faster, byte-identical steps for plain text: the
    paragraphs of :func:`plain_runs` (most of a card: its lines and its table cells' text)."""

    def paragraph(self, element: etree._Element, level: int, highlights: _Highlights | None = None, *,
                  last: bool) -> list[rec.Record]:
        runs = plain_runs(element) if _fresh(highlights) else None
        if runs is None:
            return super().paragraph(element, level, highlights, last=last)
        return self._plain_paragraph(element, runs, level, last)

    def cell(self, element: etree._Element, level: int) -> list[rec.Record]:
        """``SectionRecords.cell`` with the cell's parts looked up in one pass (it finds each one)."""
        found: dict[object, etree._Element] = {}
        for child in element:
            found.setdefault(child.tag, child)  # the first of each, as find() gives
        sub_list = found.get(_SUB_LIST)
        paragraphs = [p for p in sub_list if _local(p) == "p"] if sub_list is not None else []
        if not paragraphs:
            paragraphs = [etree.Element(f"{{{_HP}}}p")]
        addr, span, size, margin = (found.get(tag) for tag in _CELL_PARTS)
        flags = _flag(element, "hasMargin") | _flag(element, "protect") << 1 | _flag(element, "header") << 2
        flags |= _flag(element, "editable") << 3 | _flag(element, "dirty") << 4
        width = _attr(size, "width")
        cell = ct.CellHeader(
            len(paragraphs), _list_props(sub_list), flags,
            _attr(addr, "colAddr"), _attr(addr, "rowAddr"), _attr(span, "colSpan", 1), _attr(span, "rowSpan", 1),
            width, _attr(size, "height"),
            tuple(_i16(_attr(margin, side)) for side in ("left", "right", "top", "bottom")),  # type: ignore[arg-type]
            _attr(element, "borderFillIDRef", 1), width,
            element.get("name", ""), bytes(8) if element.get("name") else bytes(9),
        )
        return [rec.Record(rec.LIST_HEADER, level, cell.encode()), *self.paragraph_list(paragraphs, level)]

    def _plain_paragraph(self, element: etree._Element, runs: list[tuple[str | None, list[str]]], level: int,
                         last: bool) -> list[rec.Record]:
        """``SectionRecords.paragraph`` for plain runs: its steps with no control, mark or range."""
        units = bytearray()
        shapes: list[tuple[int, int]] = []
        codes: set[int] = set()
        for char_shape, texts in runs:
            position, shape_id = len(units) // 2, _number(char_shape)
            if shapes and shapes[-1][0] == position:
                shapes[-1] = (position, shape_id)
            elif not shapes or shapes[-1][1] != shape_id:
                shapes.append((position, shape_id))
            for text in texts:
                self._chars(text, units, codes)
        if not shapes:
            shapes.append((0, 0))
        units += _PARA_BREAK
        count = len(units) // 2
        mask = sum(1 << code for code in codes)
        break_type = (4 if element.get("pageBreak") == "1" else 0) | (8 if element.get("columnBreak") == "1" else 0)
        header = _PARA_HEADER.pack(
            count | (0x80000000 if last else 0), mask, _attr(element, "paraPrIDRef"),
            _attr(element, "styleIDRef") & 0xFF, break_type, len(shapes), 0, 0,
            _attr(element, "id") & 0xFFFFFFFF, _attr(element, "merged"))
        out = [rec.Record(rec.PARA_HEADER, level, header)]
        if count > 1:
            out.append(rec.Record(rec.PARA_TEXT, level + 1, bytes(units)))
        out.append(rec.Record(rec.PARA_CHAR_SHAPE, level + 1, b"".join(_SHAPE.pack(*shape) for shape in shapes)))
        return out

    def _chars(self, value: str, units: bytearray, codes: set[int]) -> None:
        # SectionRecords._chars encodes character by character (a fifth of the section's
        # time); text with no character below U+0020 gives the same UTF-16 in one go.
        if _LOW_CHARS.search(value):
            super()._chars(value, units, codes)
        else:
            units += value.encode("utf-16-le", errors="surrogatepass")


@dataclass(frozen=True)
class TemplateStreams:
    """The streams of the .hwp that depend on the template only, built once."""

    file_header: bytes
    docinfo: bytes  # deflated records
    link_doc: bytes
    scripts: bytes
    script_version: bytes
    preview_image: bytes  # b"" when the template has none
    unsupported: Counter[str]  # header and settings content HWP 5.0 cannot hold


def template_streams(style: Template | None = None) -> TemplateStreams | None:
    """The card-independent streams of the template, built once per loaded template.

    None when the template needs ``write_hwp5``: the short way holds for a
    template of one section (the one the HWPX writer builds), no binary items
    (images) and no tracked changes, as ``card.hwpx`` is.
    """
    style = style or load_template()
    built = _BUILT.get(id(style))
    if built is None or built[0] is not style:  # a template loaded again gets its streams again
        _BUILT.clear()
        built = _BUILT[id(style)] = (style, _build_template_streams(style.raw))
    return built[1]


def _build_template_streams(files: dict[str, bytes]) -> TemplateStreams | None:
    """What ``write_hwp5`` builds from the template's parts alone, as it builds it."""
    header_path, sections, binaries = hwp5_writer._manifest(files)
    head = etree.fromstring(files[header_path], _PARSER)
    tracked = track_changes(head)
    if sections != [SECTION_PART] or binaries or (tracked and tracked[0]):
        return None
    unsupported: Counter[str] = Counter()
    if tracked is None:
        unsupported["header/trackChanges"] += 1
    if forbidden_chars(head) is None:
        unsupported["header/forbiddenWordList"] += 1
    print_info = hwp5_writer._print_info(files, unsupported)
    docinfo = build_docinfo(head, section_count=1, caret=hwp5_writer._caret(files), bin_ids={}, doc_data=print_info)
    set_bin_count(docinfo, [])
    return TemplateStreams(
        file_header=hwp5_writer._file_header(head, tracked=False).to_bytes(),
        docinfo=rec.deflate(rec.serialize_records(docinfo.records)),
        link_doc=hwp5_writer._link_doc(head),
        scripts=hwp5_writer._scripts(files),
        script_version=sm.compressed(sm.SCRIPT_VERSION),
        preview_image=files.get("Preview/PrvImage.png", b""),
        unsupported=unsupported,
    )


#: template_streams' result for the last template asked about, by its id (kept with it: ids are reused)
_BUILT: dict[int, tuple[Template, TemplateStreams | None]] = {}


def section_records(section_xml: bytes, known: Counter[str]) -> list[rec.Record]:
    """BodyText records of one section; refuses (``Hwp5Error``) what HWP 5.0 cannot express.

    ``known`` counts what the template already holds that HWP 5.0 cannot; the
    refusal lists it with the section's own, as ``write_hwp5`` does.
    """
    converter = _Records()
    records = converter.section(etree.fromstring(section_xml, _PARSER))
    if converter.memo_bodies:  # memo bodies hang on the last paragraph (the HWPX writer makes none)
        records.extend(converter.memo_records(converter.memo_bodies))
    unsupported = known + converter.unsupported
    if unsupported:
        summary = ", ".join(f"{kind} x{count}" for kind, count in sorted(unsupported.items()))
        raise Hwp5Error(
            f"The document holds content the HWP 5.0 writer cannot express yet: {summary}",
            code=UNSUPPORTED,
            context={"unsupported": dict(unsupported)},
            suggestion="Save the document as .hwpx instead, or remove the listed content first.",
        )
    return records


def section_body(parts: DocumentParts, style: Template, constant: TemplateStreams) -> bytes:
    """The serialized BodyText records of a one-section document: from the HWPX writer's plan of the
    section (:mod:`reportgen.writers.hwp_records`, no XML parsed) when it has one for that very part
    and the template holds nothing HWP 5.0 refuses; else from the section XML."""
    plan = parts.plans[0] if parts.plans else None
    if plan is not None and plan.xml is parts.sections[0] and not constant.unsupported:
        body = plan_records(plan, template_records(style))
        if body is not None:
            return body
    return rec.serialize_records(section_records(parts.sections[0], constant.unsupported))


def document_streams(parts: DocumentParts, style: Template, constant: TemplateStreams) -> list[tuple[str, bytes]]:
    """The streams of a one-section document's .hwp, in ``write_hwp5``'s order.

    The section holds no pictures and no charts, so none of ``write_hwp5``'s
    BinData streams arise; the template's manifest with the document's title (as
    in the .hwpx) gives the summary information.
    """
    body = section_body(parts, style, constant)
    summary = hwp5_writer._summary({MANIFEST_PART: manifest(style.raw[MANIFEST_PART], parts.title)})
    streams = [
        ("FileHeader", constant.file_header),
        ("DocInfo", constant.docinfo),
        ("BodyText/Section0", rec.deflate(body)),
        ("DocOptions/_LinkDoc", constant.link_doc),
        ("\x05HwpSummaryInformation", summary),
        ("Scripts/DefaultJScript", constant.scripts),
        ("Scripts/JScriptVersion", constant.script_version),
    ]
    if parts.preview:
        text = parts.preview.decode("utf-8", errors="replace")
        streams.append(("PrvText", text.encode("utf-16-le", errors="surrogatepass")))
    if constant.preview_image:
        streams.append(("PrvImage", constant.preview_image))
    return streams


def hwpx_parts(package: bytes) -> dict[str, bytes]:
    """The members of an HWPX package by name, as ``write_hwp5`` takes them."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {name: archive.read(name) for name in archive.namelist() if not name.endswith("/")}


def _error(name: str, exc: Exception) -> CardError:
    """A bilingual message naming the card or document python-hwpx refused or failed to convert."""
    detail = (str(exc).splitlines() or [type(exc).__name__])[0]
    if getattr(exc, "code", "") == UNSUPPORTED:
        ko = "한글 HWP 5.0(.hwp)로 나타낼 수 없는 내용이 있습니다. .hwpx로 내보내세요"
        en = "it holds content HWP 5.0 (.hwp) cannot express; build it as .hwpx"
    else:
        ko, en = "HWP 파일을 만들 수 없습니다", "the .hwp file could not be built"
    return CardError(f"{name}: {ko} ({detail}) / {name}: {en} ({detail})")


def hwp_from_parts(parts: DocumentParts, style: Template, name: str) -> bytes:
    """HWP 5.0 bytes of a document's parts (as :func:`reportgen.writers.hwpx.document_parts` draws them)."""
    constant = template_streams(style) if len(parts.sections) == 1 and not parts.images else None
    try:
        if constant is None:
            return hwp5_writer.write_hwp5({**style.raw, **fresh_parts(parts, style)})
        return build_compound_file(document_streams(parts, style, constant))
    except Exception as exc:  # python-hwpx: Hwp5Error (a ValueError), lxml and struct errors
        raise _error(name, exc) from exc


def render_document(doc: d.Document, options: WriterOptions | None = None) -> bytes:
    """Any document as HWP 5.0 bytes; :class:`CardError` when HWP 5.0 cannot hold it."""
    style = load_template(options)
    return hwp_from_parts(document_parts(doc, options, style, plan=True), style, doc.title)


def _card_name(card: m.Card) -> str:
    return f"{card.id} {card.title}".strip() or "(관리번호 없음 / no id)"


def render_hwp_via_hwpx(card: m.Card) -> bytes:
    """The card as HWP 5.0 the long way: its HWPX package through ``write_hwp5`` (the reference)."""
    parts = hwpx_parts(render_hwpx(card))  # a card the HWPX writer refuses raises CardError here
    try:
        return hwp5_writer.write_hwp5(parts)
    except Exception as exc:  # python-hwpx: Hwp5Error (a ValueError), lxml and struct errors
        raise _error(_card_name(card), exc) from exc


def render_hwp(card: m.Card, options: WriterOptions | None = None) -> bytes:
    """The standard pledge card as HWP 5.0 bytes; :class:`CardError` when HWP 5.0 cannot hold it."""
    style = load_template(options)
    parts = document_parts(card_document(card), options, style, plan=True)  # may raise CardError
    return hwp_from_parts(parts, style, _card_name(card))


def card_streams(card: m.Card, style: Template, constant: TemplateStreams) -> list[tuple[str, bytes]]:
    """The streams of the card's .hwp, in ``write_hwp5``'s order (a card is one section, no pictures)."""
    return document_streams(document_parts(card_document(card), style=style, plan=True), style, constant)
