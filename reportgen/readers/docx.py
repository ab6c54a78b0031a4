"""DOCX reader: a pledge card typed in Word (ours, or a department's) → :class:`~reportgen.model.Card`.

The body is walked in order and flattened into the standard text-card
lines, which :func:`reportgen.readers.text.parse_lines` then parses:

* a paragraph becomes one line (indented when the paragraph is indented, so
  that a marker-less sub-line stays a sub-line; a Word bullet whose symbol is
  a card marker such as ○ or - is written out as that marker);
* a table row becomes one TAB-joined line: a cell spanning n grid columns
  adds n-1 empty cells, a vertically merged continuation cell is empty, the
  paragraphs of one cell are joined by a space;
* a one-cell table (the 인허가 현황 box) gives its paragraphs as lines.
"""

from __future__ import annotations

import posixpath
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from reportgen import model as m
from reportgen.errors import InputError, Problem
from reportgen.readers.text import GridError, check_line_count, parse_lines, table_lines
from reportgen.xmlsafe import MAX_XML_TAGS, DoctypeError, TooManyTags, parse_xml

MAX_MEMBER_BYTES = 50 * 1024 * 1024
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
INDENT = "  "
#: Word bullet symbols read as card markers
BULLET_SYMBOLS = {**{mark: mark for mark in (*m.MARKERS, m.MARK_SUBHEADING)}, **m.MARKER_ALIASES,
                  "–": m.MARK_L2, "■": m.MARK_BOX}
_SKIP = {MC_FALLBACK, f"{W}del", f"{W}moveFrom", f"{W}instrText", f"{W}delText", f"{W}pPr", f"{W}rPr"}
_TEXT_BREAKS = {f"{W}tab", f"{W}br", f"{W}cr"}


def _error(path: Path, ko: str, en: str, fix_ko: str = "", fix_en: str = "") -> InputError:
    return InputError(Problem(str(path), "", ko, en,
                              fix_ko or "Word에서 .docx 형식으로 다시 저장하세요",
                              fix_en or "save it again from Word as a .docx document"))


def _parse(path: Path, name: str, data: bytes) -> etree._Element:
    """A part parsed by :func:`~reportgen.xmlsafe.parse_xml`; what it refuses is worded for a DOCX."""
    try:
        return parse_xml(data)
    except TooManyTags:
        raise _error(path, f"DOCX 안의 {name}에 XML 요소가 너무 많습니다 ({MAX_XML_TAGS:,}개 초과)",
                     f"{name} in the DOCX holds more than {MAX_XML_TAGS:,} XML elements",
                     "카드 한 장만 담긴 파일을 주세요", "give a file holding one card") from None
    except etree.XMLSyntaxError as exc:
        raise _error(path, f"DOCX 안의 {name}이(가) 깨졌습니다 ({exc})", f"broken XML in {name} ({exc})") from exc
    except DoctypeError:  # Word never writes one
        raise _error(path, f"DOCX 안의 {name}에 DTD(<!DOCTYPE>)가 있습니다: Word 문서에는 없는 것으로 공격일 수 있습니다",
                     f"{name} holds a DTD (<!DOCTYPE>), which Word never writes; it may be an attack (XXE)") from None


class _Package:
    """The parts of a .docx the reader needs, read with a size limit."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.zip = zipfile.ZipFile(path)
        except (OSError, zipfile.BadZipFile, ValueError) as exc:
            raise _error(path, "DOCX 파일이 아니거나 손상되었습니다", f"not a DOCX file or damaged ({exc})",
                         "Word에서 .docx 형식으로 저장하세요 (.doc, .hwp는 먼저 변환)",
                         "save it from Word as .docx (convert .doc/.hwp first)") from exc

    def read(self, name: str) -> bytes | None:
        """A member's bytes, None when absent; refuses members larger than 50 MB."""
        try:
            info = self.zip.getinfo(name)
        except KeyError:
            return None
        if info.file_size > MAX_MEMBER_BYTES:
            raise _error(self.path, f"DOCX 안의 {name}이(가) 너무 큽니다 (50 MB 초과)",
                         f"{name} in the DOCX is larger than 50 MB", "카드 한 장만 담긴 파일을 주세요",
                         "give a file holding one card")
        try:
            with self.zip.open(info) as member:
                return member.read(MAX_MEMBER_BYTES + 1)
        except (OSError, zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError) as exc:
            raise _error(self.path, f"DOCX 안의 {name}을(를) 읽을 수 없습니다", f"cannot read {name} ({exc})") from exc

    def xml(self, name: str) -> etree._Element | None:
        data = self.read(name)
        return None if data is None else _parse(self.path, name, data)

    def main_part(self) -> str:
        """The main document part named by _rels/.rels (normally word/document.xml)."""
        rels = self.xml("_rels/.rels")
        if rels is not None:
            for rel in rels.iter(f"{REL_NS}Relationship"):
                if rel.get("Type") == OFFICE_DOCUMENT and rel.get("TargetMode") != "External":
                    return posixpath.normpath(rel.get("Target", "").lstrip("/"))
        return "word/document.xml"

    def close(self) -> None:
        self.zip.close()


def _rel_part(package: _Package, main: str, kind: str) -> str:
    """Path of the styles/numbering part related to the main part."""
    folder, name = posixpath.split(main)
    rels = package.xml(posixpath.join(folder, "_rels", name + ".rels"))
    if rels is not None:
        for rel in rels.iter(f"{REL_NS}Relationship"):
            if rel.get("Type", "").endswith("/" + kind) and rel.get("TargetMode") != "External":
                return posixpath.normpath(posixpath.join(folder, rel.get("Target", "")))
    return posixpath.join(folder, f"{kind}.xml")


def _twips(value: str | None) -> int:
    """A whole number from an attribute (Word writes twips and counts as integers); 0 if it is none."""
    try:
        return int(float(value or 0))
    except (ValueError, OverflowError):  # "abc", "nan"; "inf", "1e999"
        return 0


class _Styles:
    """Left indent of each paragraph style (following basedOn) and the bullet symbols of numbering."""

    def __init__(self, styles: etree._Element | None, numbering: etree._Element | None):
        self.based: dict[str, str] = {}
        self.left: dict[str, int | None] = {}
        self.default = ""
        if styles is not None:
            for style in styles.iter(f"{W}style"):
                self._add(style)
        self.bullets = self._bullets(numbering) if numbering is not None else {}

    def _add(self, style: etree._Element) -> None:
        if style.get(f"{W}type") != "paragraph":
            return
        sid = style.get(f"{W}styleId", "")
        based = style.find(f"{W}basedOn")
        if based is not None:
            self.based[sid] = based.get(f"{W}val", "")
        self.left[sid] = _ind_left(style.find(f"{W}pPr"))
        if style.get(f"{W}default") in ("1", "true"):
            self.default = sid

    def indent(self, sid: str) -> int:
        seen: set[str] = set()
        while sid and sid not in seen:
            seen.add(sid)
            if self.left.get(sid) is not None:
                return self.left[sid] or 0
            sid = self.based.get(sid, "")
        return 0

    @staticmethod
    def _bullets(numbering: etree._Element) -> dict[tuple[str, str], str]:
        """(numId, ilvl) → card marker, for bullet levels whose symbol is a card marker."""
        abstract: dict[str, dict[str, str]] = {}
        for node in numbering.iter(f"{W}abstractNum"):
            levels = {}
            for lvl in node.iter(f"{W}lvl"):
                fmt, text = lvl.find(f"{W}numFmt"), lvl.find(f"{W}lvlText")
                if fmt is not None and fmt.get(f"{W}val") == "bullet" and text is not None:
                    symbol = (text.get(f"{W}val") or "").strip()
                    if symbol in BULLET_SYMBOLS:
                        levels[lvl.get(f"{W}ilvl", "0")] = BULLET_SYMBOLS[symbol]
            abstract[node.get(f"{W}abstractNumId", "")] = levels
        out = {}
        for num in numbering.iter(f"{W}num"):
            ref = num.find(f"{W}abstractNumId")
            if ref is not None:
                for ilvl, marker in abstract.get(ref.get(f"{W}val", ""), {}).items():
                    out[(num.get(f"{W}numId", ""), ilvl)] = marker
        return out


def _ind_left(ppr: etree._Element | None) -> int | None:
    ind = ppr.find(f"{W}ind") if ppr is not None else None
    if ind is None:
        return None
    left = ind.get(f"{W}left", ind.get(f"{W}start"))
    return None if left is None else _twips(left)


def _runs_text(node: etree._Element) -> Iterator[str]:
    """Text of a paragraph in order, skipping deleted text, field codes and fallbacks."""
    for child in node:
        tag = child.tag
        if tag in _SKIP or not isinstance(tag, str):
            continue
        if tag == f"{W}t":
            yield child.text or ""
        elif tag in _TEXT_BREAKS:
            yield " "
        elif tag == f"{W}noBreakHyphen":
            yield "-"
        else:
            yield from _runs_text(child)


def _clean(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split())


class _Walker:
    """Turns the document body into text-card lines."""

    def __init__(self, styles: _Styles, source: Path):
        self.styles = styles
        self.source = source
        self.lines: list[str] = []

    def paragraph_line(self, p: etree._Element) -> str:
        text = _clean("".join(_runs_text(p)))
        ppr = p.find(f"{W}pPr")
        style = self.styles.default
        marker = ""
        left = _ind_left(ppr)
        if ppr is not None:
            pstyle = ppr.find(f"{W}pStyle")
            if pstyle is not None:
                style = pstyle.get(f"{W}val", "")
            numpr = ppr.find(f"{W}numPr")
            if numpr is not None:
                marker = self._numbering_marker(numpr)
        if left is None:
            left = self.styles.indent(style)
        if marker and text and not text.startswith(marker):
            text = f"{marker} {text}"
        return f"{INDENT}{text}" if text and (left > 0 or marker) else text

    def _numbering_marker(self, numpr: etree._Element) -> str:
        num, lvl = numpr.find(f"{W}numId"), numpr.find(f"{W}ilvl")
        key = (num.get(f"{W}val", "") if num is not None else "", lvl.get(f"{W}val", "0") if lvl is not None else "0")
        return self.styles.bullets.get(key, "")

    def cell_text(self, tc: etree._Element) -> str:
        parts = [_clean("".join(_runs_text(p))) for p in tc.iter(f"{W}p")]
        return " ".join(part for part in parts if part)

    def rows(self, tbl: etree._Element) -> Iterator[etree._Element]:
        for child in _content(tbl):
            if child.tag == f"{W}tr":
                yield child

    def table(self, tbl: etree._Element) -> None:
        """Rows as TAB-joined lines laid out on the shared grid (:func:`~reportgen.readers.text.table_lines`)."""
        rows = list(self.rows(tbl))
        cells = [[tc for tc in _content(tr) if tc.tag == f"{W}tc"] for tr in rows]
        if len(rows) == 1 and len(cells[0]) == 1:
            for p in cells[0][0].iter(f"{W}p"):
                self.lines.append(self.paragraph_line(p))
            return
        placed = [(row, col, text) for row, (tr, tcs) in enumerate(zip(rows, cells, strict=True))
                  for col, text in self.row_cells(tr, tcs)]
        try:
            self.lines.extend(line.rstrip() for line in table_lines(placed))
        except GridError as exc:
            raise _error(self.source, f"표의 칸 배치가 손상되었습니다 ({exc})", f"a table's cell layout is damaged ({exc})") from None
        check_line_count(len(self.lines), self.source)

    def row_cells(self, tr: etree._Element, tcs: list[etree._Element]) -> list[tuple[int, str]]:
        """(grid column where it starts, text) of each cell: after w:gridBefore and the spans to its left.

        The numbers are only added up, never allocated: the grid is built from the cells present.
        """
        trpr = tr.find(f"{W}trPr")
        before = trpr.find(f"{W}gridBefore") if trpr is not None else None
        col = max(0, _twips(before.get(f"{W}val") if before is not None else None))
        out = []
        for tc in tcs:
            tcpr = tc.find(f"{W}tcPr")
            span, continued = 1, False
            if tcpr is not None:
                grid = tcpr.find(f"{W}gridSpan")
                span = max(1, _twips(grid.get(f"{W}val"))) if grid is not None else 1
                merge = tcpr.find(f"{W}vMerge")
                continued = merge is not None and merge.get(f"{W}val", "continue") == "continue"
            out.append((col, "" if continued else self.cell_text(tc)))
            col += span
        return out

    def walk(self, container: etree._Element) -> None:
        for child in _content(container):
            if child.tag == f"{W}p":
                self.lines.append(self.paragraph_line(child))
                check_line_count(len(self.lines), self.source)
            elif child.tag == f"{W}tbl":
                self.table(child)


def _content(node: etree._Element) -> Iterator[etree._Element]:
    """Children, looking through content controls (w:sdt) and custom XML wrappers."""
    for child in node:
        if child.tag in (f"{W}sdt", f"{W}customXml"):
            content = child.find(f"{W}sdtContent") if child.tag == f"{W}sdt" else child
            if content is not None:
                yield from _content(content)
        elif isinstance(child.tag, str):
            yield child


def docx_lines(path: Path) -> list[str]:
    """The card's text lines (standard text-card layout) from a .docx file."""
    path = Path(path)
    package = _Package(path)
    try:
        main = package.main_part()
        document = package.xml(main)
        if document is None:
            raise _error(path, f"DOCX에 본문({main})이 없습니다", f"the DOCX has no main document ({main})")
        body = document.find(f"{W}body")
        if body is None:
            raise _error(path, "Word 문서 본문(w:body)이 없습니다", "no Word document body (w:body)")
        styles = _Styles(package.xml(_rel_part(package, main, "styles")),
                         package.xml(_rel_part(package, main, "numbering")))
    finally:
        package.close()
    walker = _Walker(styles, path)
    walker.walk(body)
    return walker.lines


def read_docx(path: Path) -> m.Card:
    """Read a card .docx; raise :class:`InputError` naming the file for a bad or foreign file."""
    return parse_lines(docx_lines(path), source=str(path))
