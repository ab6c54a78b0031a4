"""The document model: one tree of blocks under every printed format (like pandoc's AST).

Builders (:mod:`reportgen.documents`) turn the domain — a card, the 총괄표, the
변동사항, the council package — into a :class:`Document`; a writer renders a
document. The blocks say *what* is printed (a heading, a table with merged
cells, a dated 추진실적 line), never how a format draws it.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from reportgen.errors import CardError

#: image types a document may embed (what every browser and office program shows)
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif")
ORIENTATIONS = ("portrait", "landscape")
ALIGNMENTS = ("", "center", "right")
#: table looks (``Table.style``): label/value rows whose values read left-aligned; the 관리번호
#: box; a table of counts and rates (numbers in XLSX, figures aligned); a list, one item a row
#: (left-aligned text, e.g. pledges with links to their pages)
STYLE_FIELDS, STYLE_ID, STYLE_FIGURES, STYLE_LIST = "fields", "id", "figures", "list"
#: what starts a link that is not relative (a scheme such as ``https:`` or ``javascript:``, or ``//host``)
_ABSOLUTE = re.compile(r"^\s*(?:[A-Za-z][A-Za-z0-9+.-]*:|[/\\]{2})")


def check_link(link: str) -> None:
    """A link must be relative (``cards/3-1.html``, ``../index.html``, ``#list``): a document
    never points outside the folder it is written to."""
    if _ABSOLUTE.match(link):
        raise ValueError(f"link {link!r} is not a relative URL")


@dataclass(frozen=True)
class Title:
    """The document's title line (a card's 사업명)."""

    text: str


@dataclass(frozen=True)
class Heading:
    """A heading: level 1 ``【추진실적】``, 2 ``□ …``, 3 ``<…>`` (keeps with what follows)."""

    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    """A line of text with its bullet marker (``○``, ``-``, ``▷``, ``※``, ``▪`` or none) and depth;
    ``align`` is empty (the text's natural side), ``center`` or ``right`` (a cover page's lines);
    ``link`` a relative URL the text leads to (a format without links prints the text alone)."""

    text: str
    marker: str = ""
    level: int = 0
    align: str = ""
    link: str = ""

    def __post_init__(self) -> None:
        if self.align not in ALIGNMENTS:
            raise ValueError(f"align {self.align!r} is not one of {ALIGNMENTS}")
        check_link(self.link)


@dataclass(frozen=True)
class DatedLine:
    """A 추진실적 line ``○ 2023. 04. : text`` with its detail lines (▷, ▪ …); ``date`` may be empty."""

    date: str
    text: str
    marker: str = "○"
    details: tuple[Paragraph, ...] = ()


@dataclass(frozen=True)
class Box:
    """A framed block: a bold title line and the lines inside (the 인허가 현황 box)."""

    title: str
    lines: tuple[Paragraph, ...] = ()


@dataclass(frozen=True)
class Cell:
    """A table cell: its lines, spans, and whether it is a (shaded) label; ``link`` a relative URL
    its text leads to (a format without links prints the text alone); ``verbatim``: text as
    written, never read as a number even in a figures table (a 관리번호 ``12``, a year in a name)."""

    lines: tuple[str, ...] = ()
    rowspan: int = 1
    colspan: int = 1
    label: bool = False
    link: str = ""
    verbatim: bool = False

    def __post_init__(self) -> None:
        if self.rowspan < 1 or self.colspan < 1:
            raise ValueError(f"cell spans must be at least 1 (rowspan {self.rowspan}, colspan {self.colspan})")
        check_link(self.link)


def is_figure(table: Table, item: Cell) -> bool:
    """Whether a cell is a figure (a number where its text is one): a figures table's cell that is
    neither a label nor verbatim."""
    return table.style == STYLE_FIGURES and not item.label and not item.verbatim


def cell(text: str = "", *, label: bool = False, rowspan: int = 1, colspan: int = 1, link: str = "",
         verbatim: bool = False) -> Cell:
    """A cell of one line (no line when ``text`` is empty)."""
    return Cell((text,) if text else (), rowspan, colspan, label, link, verbatim)


@dataclass(frozen=True)
class Row:
    """A table row; ``keep`` rows never split across pages."""

    cells: tuple[Cell, ...]
    keep: bool = True


@dataclass(frozen=True)
class Table:
    """A table on a grid of ``len(shares)`` columns.

    ``shares`` are the columns' widths in per mille of the table; ``width`` is the
    table's width in per mille of the text width. The first ``header_rows`` rows
    are column headings and repeat on each page the table runs onto. ``caption``
    is printed above the table; ``name`` names it for screen readers when it has
    no caption (e.g. the heading it follows). ``notes`` are the lines printed
    under the table (how a figure is computed), kept on its last page. ``style``
    names a look a writer may give it (``STYLE_FIELDS``, ``STYLE_ID``,
    ``STYLE_FIGURES``).
    """

    rows: tuple[Row, ...]
    shares: tuple[int, ...]
    header_rows: int = 0
    caption: str = ""
    name: str = ""
    width: int = 1000
    align: str = "center"
    style: str = ""
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.shares or any(share <= 0 for share in self.shares):
            raise ValueError(f"table column shares must be positive: {self.shares}")
        if not 0 <= self.header_rows <= len(self.rows):
            raise ValueError(f"header_rows {self.header_rows} outside 0..{len(self.rows)}")


@dataclass(frozen=True)
class PageBreak:
    """What follows starts on a new page."""


@dataclass(frozen=True)
class Image:
    """An embedded picture: its bytes, media type and the text read in its place (``alt``: what the
    picture shows, in words — a chart's figures, and where the table with its numbers is).

    A chart also carries ``svg``, the same picture as an SVG document that a format drawing vector
    graphics (HTML) shows instead of ``data``, and ``caption``, its title: the PNG has the title
    drawn in it, the SVG has not (a page prints ``caption`` under it as text).
    """

    data: bytes
    mime: str
    alt: str
    width: int = 1000  # per mille of the text width
    svg: str = ""
    caption: str = ""

    def __post_init__(self) -> None:
        if self.mime not in IMAGE_TYPES:
            raise ValueError(f"image type {self.mime!r} is not one of {', '.join(IMAGE_TYPES)}")
        if self.svg and "<svg" not in self.svg[:4096]:
            raise ValueError("svg must be an SVG document (<svg …>)")


@dataclass(frozen=True)
class ContentsEntry:
    """A 목차 line: the heading it points to and its page (``None`` when no page is known)."""

    text: str
    page: int | None = None


@dataclass(frozen=True)
class TableOfContents:
    """목차, listed where this block stands: ``entries`` when given (with their pages), else
    the headings down to ``depth``."""

    title: str = "목차"
    depth: int = 1
    entries: tuple[ContentsEntry, ...] = ()


@dataclass(frozen=True)
class Section:
    """Blocks laid out in one page orientation (the 총괄표 is landscape), starting on a new page;
    ``name`` names the section where a format has parts (an XLSX sheet)."""

    blocks: tuple[Block, ...]
    orientation: str = "portrait"
    name: str = ""

    def __post_init__(self) -> None:
        if self.orientation not in ORIENTATIONS:
            raise ValueError(f"orientation {self.orientation!r} is not one of {', '.join(ORIENTATIONS)}")


Block = Title | Heading | Paragraph | DatedLine | Box | Table | PageBreak | Image | TableOfContents | Section


class LazyBlocks:
    """Blocks made as they are walked, never all held: ``head`` (held), then what ``tail``
    gives each time it is iterated (e.g. the council package's card pages, each card's
    :class:`Section` drawn when reached and let go after).

    Every iteration makes the tail anew, so a writer walks it once (twice at most, saying why:
    each walk draws it again); it has no length and no indexing. Blocks let go are freed and their
    ``id()`` reused: a writer that keys blocks by ``id()`` keeps such keys for blocks it still holds
    only (the HTML writer's anchors do not: it takes tuples)."""

    __slots__ = ("head", "tail")

    def __init__(self, head: tuple[Block, ...], tail: Iterable[Block]) -> None:
        self.head = head
        self.tail = tail

    def __iter__(self) -> Iterator[Block]:
        yield from self.head
        yield from self.tail


#: a document's blocks: a tuple, or blocks made as they are walked (:class:`LazyBlocks`)
Blocks = tuple[Block, ...] | LazyBlocks


@dataclass(frozen=True)
class Document:
    """A printable document: a title (the page and file title), its blocks, its language, a
    short ``name`` (e.g. the 관리번호) where a format wants one (an XLSX sheet name), and ``nav``:
    the lines leading to the other pages of a set of pages (a site's menu, the way back to its
    index), shown before the content by a format with links (HTML) and left out by the others.

    ``blocks`` is a tuple, or a :class:`LazyBlocks` (the council package) that a writer may only
    iterate, once (twice at most, saying why)."""

    title: str
    blocks: Blocks = field(default_factory=tuple)
    lang: str = "ko"
    name: str = ""
    nav: tuple[Paragraph, ...] = ()


def walk(blocks: Iterable[Block]) -> Iterator[Block]:
    """Every block in reading order, sections opened."""
    for block in blocks:
        yield block
        if isinstance(block, Section):
            yield from walk(block.blocks)


def cell_places(table: Table) -> Iterator[tuple[int, int, Cell]]:
    """(row, column, cell) of each cell on the table's grid, the one rule every writer places by:
    a cell takes the first grid column its row leaves free and covers its spans (the places a cell
    spanning rows covers below it are skipped). Places past the last column are the caller's to refuse."""
    taken: set[tuple[int, int]] = set()
    for row_index, row in enumerate(table.rows):
        col = 0
        for item in row.cells:
            while (row_index, col) in taken:
                col += 1
            yield row_index, col, item
            if item.rowspan > 1:
                taken.update((row_index + r, col + c) for r in range(1, item.rowspan) for c in range(item.colspan))
            col += item.colspan


def page_runs(blocks: Iterable[Block], orientation: str) -> Iterator[tuple[str, list[Block]]]:
    """(orientation, blocks) of each run laid out on one kind of page: a :class:`Section` is a run
    of its own (a nested one too), and what follows it a new run in the outer ``orientation``."""
    run: list[Block] = []
    for block in blocks:
        if isinstance(block, Section):
            if run:
                yield orientation, run
                run = []
            yield from page_runs(block.blocks, block.orientation)
        else:
            run.append(block)
    if run:
        yield orientation, run


def pixel_size(image: Image) -> tuple[int, int]:
    """(width, height) in pixels from the picture's PNG, GIF or JPEG header; a CardError when it
    cannot be read (a damaged picture is never drawn at a guessed size)."""
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

