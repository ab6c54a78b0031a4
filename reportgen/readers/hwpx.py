"""HWPX reader: a pledge card saved by Hangul (or by our writer) → :class:`~reportgen.model.Card`.

The section XML parts are read in document order and turned into the lines of
the standard text card, which :func:`reportgen.readers.text.parse_lines` parses:

* a paragraph is one line, led by one space per 10 pt of first-line indent (at most 8)
  (so that sub-lines stay sub-lines);
* a table row is one line of TAB-separated cells; a cell spanning n columns
  adds n-1 empty cells and a row covered by a cell above has an empty cell
  there; the paragraphs of one cell are joined by a space;
* a one-cell table (a boxed note) or a text box gives one line per paragraph.

A file that is not a readable HWPX package, or not a pledge card, raises
:class:`~reportgen.errors.InputError` naming the file and the reason.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from lxml import etree

from reportgen.errors import InputError, Problems
from reportgen.model import Card
from reportgen.readers.text import (
    GridError,
    check_line_count,
    indent_lead,
    parse_lines,
    table_lines,
)
from reportgen.xmlsafe import MAX_XML_TAGS, DoctypeError, TooManyTags, parse_xml

MAX_PART_BYTES = 50 * 1024 * 1024
MAX_PARTS = 10_000
MIMETYPE = b"application/hwp+zip"
MAX_ROWS, MAX_COLS = 2_000, 100  # a table whose grid (rows and columns where cells start) is larger is no card

_SECTION_NAME = re.compile(r"^Contents/section(\d+)\.xml$")
#: inline characters inside <hp:t> and what they read as
_INLINE = {"tab": " ", "lineBreak": " ", "nbSpace": " ", "fwSpace": " ", "hyphen": "-"}
#: drawing objects whose text box (<hp:drawText>) holds paragraphs
_SHAPES = {"rect", "ellipse", "polygon", "arc", "curve", "container", "textart", "connectLine"}


class _Bad(Exception):
    """One reason the package cannot be read: (where, ko, en, fix_ko, fix_en)."""

    def __init__(self, where: str, ko: str, en: str, fix_ko: str = "", fix_en: str = ""):
        super().__init__(en)
        self.parts = (where, ko, en, fix_ko, fix_en)


def read_hwpx(path: Path) -> Card:
    """Read one HWPX pledge card; raise :class:`InputError` for a bad file or a non-card."""
    return parse_lines(hwpx_lines(path), source=str(path))


def hwpx_lines(path: Path) -> list[str]:
    """The document's text lines from every section, in order; :class:`InputError` if unreadable."""
    try:
        return _open_lines(Path(path))
    except _Bad as bad:
        problems = Problems(str(path))
        problems.add(*bad.parts)
        raise InputError(problems.items) from None


# ── the package ───────────────────────────────────────────────────────────
def _open_lines(path: Path) -> list[str]:
    try:
        with zipfile.ZipFile(path) as package:
            return _package_lines(package)
    except _Bad:
        raise
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        raise _Bad("", f"파일을 열 수 없습니다 ({exc.strerror})", f"cannot open the file ({exc.strerror})",
                   "경로와 권한을 확인하세요", "check the path and permissions") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError,
            RuntimeError, KeyError) as exc:
        raise _Bad("", "HWPX 파일이 아니거나 손상(잘림)되었습니다",
                   f"not an HWPX file, or it is corrupt or truncated ({exc})",
                   "한/글에서 열어 HWPX로 다시 저장하세요", "open it in Hangul and save it again as HWPX") from None


def _package_lines(package: zipfile.ZipFile) -> list[str]:
    infos = package.infolist()
    if len(infos) > MAX_PARTS:
        raise _Bad("", f"파트가 너무 많습니다 ({len(infos)}개)", f"too many parts ({len(infos)})")
    names = {info.filename for info in infos}
    if "mimetype" not in names or _read(package, "mimetype").strip() != MIMETYPE:
        raise _Bad("", "HWPX 파일이 아닙니다 (mimetype이 application/hwp+zip이 아님)",
                   "not an HWPX file (its mimetype is not application/hwp+zip)",
                   "한/글 문서(.hwpx)를 주세요", "give a Hangul .hwpx document")
    if "META-INF/manifest.xml" in names and b"encryption-data" in _read(package, "META-INF/manifest.xml"):
        raise _Bad("", "암호가 걸린(또는 배포용) 문서입니다", "the document is password-protected (or for distribution)",
                   "한/글에서 암호를 풀고 다시 저장하세요", "remove the password in Hangul and save it again")
    indents = _indents(package) if "Contents/header.xml" in names else {}
    lines: list[str] = []
    sections = _section_names(package, names)
    if not sections:
        raise _Bad("", "본문(Contents/section0.xml)이 없습니다", "no body section (Contents/section0.xml)")
    for name in sections:
        root = _parse(package, name)
        lines.extend(_Lines(indents).section(root))
        check_line_count(len(lines), package.filename)
    return lines


def _read(package: zipfile.ZipFile, name: str) -> bytes:
    """A part's bytes, refusing more than 50 MB uncompressed whatever the header claims."""
    info = package.getinfo(name)
    too_big = _Bad(name, "압축을 푼 크기가 50 MB를 넘습니다", "larger than 50 MB uncompressed",
                   "카드 한 장짜리 문서를 주세요", "give a document of one card")
    if info.file_size > MAX_PART_BYTES:
        raise too_big
    with package.open(info) as stream:
        data = stream.read(MAX_PART_BYTES + 1)
    if len(data) > MAX_PART_BYTES:
        raise too_big
    return data


def _parse(package: zipfile.ZipFile, name: str) -> etree._Element:
    """A part parsed by :func:`~reportgen.xmlsafe.parse_xml`; what it refuses is worded for a HWPX."""
    try:
        return parse_xml(_read(package, name))
    except TooManyTags:
        raise _Bad(name, f"XML 요소가 너무 많습니다 ({MAX_XML_TAGS:,}개 초과)", f"more than {MAX_XML_TAGS:,} XML elements",
                   "카드 한 장짜리 문서를 주세요", "give a document of one card") from None
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else 0
        raise _Bad(f"{name} line {line}", f"XML이 손상되었습니다: {exc.msg}", f"broken XML: {exc.msg}",
                   "한/글에서 열어 다시 저장하세요", "open it in Hangul and save it again") from None
    except DoctypeError:  # Hangul never writes one
        raise _Bad(name, "DTD(<!DOCTYPE>)가 있습니다: 한/글 문서에는 없는 것으로 공격일 수 있습니다",
                   "the part holds a DTD (<!DOCTYPE>), which Hangul never writes; it may be an attack (XXE)",
                   "한/글에서 열어 다시 저장하세요", "open it in Hangul and save it again") from None


def _local(element: etree._Element) -> str:
    """Tag name without its namespace ("" for comments and processing instructions)."""
    tag = element.tag
    return tag[tag.find("}") + 1:] if isinstance(tag, str) else ""


def _section_names(package: zipfile.ZipFile, names: set[str]) -> list[str]:
    """Section parts in spine order (Contents/content.hpf), else by number."""
    ordered: list[str] = []
    if "Contents/content.hpf" in names:
        root = _parse(package, "Contents/content.hpf")
        hrefs = {item.get("id"): item.get("href", "") for item in root.iter("{*}item")}
        for ref in root.iter("{*}itemref"):
            href = hrefs.get(ref.get("idref"))
            if href and _SECTION_NAME.match(href) and href in names:
                ordered.append(href)
    if ordered:
        return ordered
    numbered = [(int(found[1]), name) for name in names if (found := _SECTION_NAME.match(name))]
    return [name for _, name in sorted(numbered)]


def _indents(package: zipfile.ZipFile) -> dict[str, int]:
    """First-line start (left margin + first-line indent, HWPUNIT) of each paragraph shape."""
    indents: dict[str, int] = {}
    for para_pr in _parse(package, "Contents/header.xml").iter("{*}paraPr"):
        margin = next(para_pr.iter("{*}margin"), None)
        if margin is None:
            continue
        values = {_local(child): _int(child.get("value")) for child in margin}
        indents[para_pr.get("id", "")] = values.get("left", 0) + values.get("intent", 0)
    return indents


def _int(text: str | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return 0


# ── paragraphs and tables → lines ─────────────────────────────────────────
class _Lines:
    """Turns section XML into text lines."""

    def __init__(self, indents: dict[str, int]):
        self.indents = indents

    def section(self, root: etree._Element) -> list[str]:
        return [line for p in _children(root, "p") for line in self.paragraph(p)]

    def _indent(self, p: etree._Element) -> str:
        return indent_lead(self.indents.get(p.get("paraPrIDRef", ""), 0))

    def paragraph(self, p: etree._Element) -> list[str]:
        """The paragraph's text as one line, with the lines of its tables and text boxes."""
        out: list[str] = []
        text: list[str] = []
        objects = 0
        for run in _children(p, "run"):
            for child in run:
                kind = _local(child)
                if kind == "t":
                    text.append(_t_text(child))
                    continue
                object_lines = self._object(child, kind)
                if object_lines is None:
                    continue
                objects += 1
                if "".join(text).strip():
                    out.append(self._indent(p) + "".join(text))
                text = []
                out.extend(object_lines)
        joined = "".join(text)
        if joined.strip() or not objects:
            out.append(self._indent(p) + joined if joined.strip() else "")
        return out

    def _object(self, element: etree._Element, kind: str) -> list[str] | None:
        if kind == "tbl":
            return self.table(element)
        if kind in _SHAPES:
            return [line for sub in _descendants(element, "drawText") for p in _sub_paragraphs(sub)
                    for line in self.paragraph(p)]
        return None

    def table(self, tbl: etree._Element) -> list[str]:
        """One TAB-joined line per row; a one-cell table gives one line per paragraph."""
        cells = list(_table_cells(tbl))
        if len(cells) == 1:
            return [line for p in _sub_paragraphs(cells[0][2]) for line in self.paragraph(p)]
        return _grid_lines([(row, col, cell_text(tc)) for row, col, tc in cells])


def _grid_lines(cells: list[tuple[int, int, str]]) -> list[str]:
    """The shared grid layout of :func:`reportgen.readers.text.table_lines`, within this reader's table limits."""
    if len({row for row, _col, _text in cells}) > MAX_ROWS or len({col for _row, col, _text in cells}) > MAX_COLS:
        raise _too_large()
    try:
        return table_lines(cells)
    except GridError as exc:
        raise _Bad("", f"표의 칸 배치가 손상되었습니다 ({exc})", f"a table's cell layout is damaged ({exc})",
                   "한/글에서 열어 다시 저장하세요", "open it in Hangul and save it again") from None


def _children(element: etree._Element, kind: str) -> Iterator[etree._Element]:
    return element.iterchildren(f"{{*}}{kind}")


def _descendants(element: etree._Element, kind: str) -> Iterator[etree._Element]:
    return element.iter(f"{{*}}{kind}")


def _sub_paragraphs(element: etree._Element) -> list[etree._Element]:
    """The paragraphs of a cell or text box (its <hp:subList>)."""
    return [p for sub in _children(element, "subList") for p in _children(sub, "p")]


def _t_text(t: etree._Element) -> str:
    parts = [t.text or ""]
    for child in t:
        parts.append(_INLINE.get(_local(child), ""))
        parts.append(child.tail or "")
    return "".join(parts)


def _too_large() -> _Bad:
    return _Bad("", f"표가 너무 큽니다 ({MAX_ROWS}행·{MAX_COLS}열 초과)",
                f"a table is too large (over {MAX_ROWS} rows or {MAX_COLS} columns)")


def _table_cells(tbl: etree._Element) -> Iterator[tuple[int, int, etree._Element]]:
    """(row, col, cell) of every drawn cell: where <hp:cellAddr> puts it, else after the cells to
    its left and those reaching down into its row. Spans are only numbers here: they allocate nothing."""
    reaching: list[tuple[int, int, int]] = []  # (last row, first col, end col) of cells spanning rows
    for row_index, tr in enumerate(_children(tbl, "tr")):
        reaching = [cell for cell in reaching if cell[0] >= row_index]
        if len(reaching) > MAX_COLS:  # cells reaching into one row lie side by side: more columns than a card has
            raise _too_large()
        cursor = 0
        for tc in _children(tr, "tc"):
            addr = next(_children(tc, "cellAddr"), None)
            span = next(_children(tc, "cellSpan"), None)
            row_span = max(1, _int(span.get("rowSpan")) if span is not None else 1)
            col_span = max(1, _int(span.get("colSpan")) if span is not None else 1)
            if addr is not None:
                row, col = _int(addr.get("rowAddr")), _int(addr.get("colAddr"))
            else:
                row, col = row_index, _free_column(reaching, cursor)
            if row_span > 1:
                reaching.append((row + row_span - 1, col, col + col_span))
            cursor = col + col_span
            yield row, col, tc


def _free_column(reaching: list[tuple[int, int, int]], col: int) -> int:
    """The first column from ``col`` on that no cell from a row above reaches down into."""
    moved = True
    while moved:
        moved = False
        for _last, first, end in reaching:
            if first <= col < end:
                col, moved = end, True
    return col


def cell_text(tc: etree._Element) -> str:
    """A cell's paragraphs (and any nested table's text) joined by a space."""
    return " ".join(part for part in _cell_parts(_sub_paragraphs(tc)) if part)


def _cell_parts(paragraphs: Iterable[etree._Element]) -> Iterator[str]:
    for p in paragraphs:
        text: list[str] = []
        for run in _children(p, "run"):
            for child in run:
                kind = _local(child)
                if kind == "t":
                    text.append(_t_text(child))
                elif kind == "tbl":
                    yield from (cell_text(cell[2]) for cell in _table_cells(child))
        yield re.sub(r"\s+", " ", "".join(text)).strip()
