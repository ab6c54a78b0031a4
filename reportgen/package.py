"""의회 제출 자료 (council submission package): one zip with everything.

The zip holds, for the cards as of the 기준일 (:func:`reportgen.batch.as_of_view`):

* one document (:func:`package_document`) written by the DOCX, HWPX and XLSX writers and, when
  LibreOffice and poppler-utils are installed, as PDF: a cover (기관명, 보고 제목, 기준일, 건수),
  목차 (총괄표, 공약가계부, 목표 미달 카드, 변경이력, every card, with page numbers), the 총괄표
  (landscape; its rates, 목표 달성 tables included), the 공약가계부 (landscape, when the workbook has
  재정계획 rows), the 목표 미달 카드 of the 기준일's year, 변경이력 on a page of its own (``변경 사항
  없음`` when there are none), then every card from a new page;
* every card in every format under ``cards/``, ``manifest.json`` and the notes (``참고.txt``).

목차 page numbers are counted, not Word fields. What follows the 목차 is converted in pieces of
PARTS_PER_PDF parts, spread over ``-j`` LibreOffice processes at once (each with its own profile),
together with the cover and 목차 (stand-in numbers) (:func:`pdf_started`); each part's first page
is found in its piece's page texts (pdftotext), the cover and 목차 are converted again with the
numbers, and the PDF is those pages joined to the pieces (pdfunite; :func:`spliced_pdf`). Every
part starts on a new page and the pages carry no running page numbers, so the pieces' pages are
those of the whole document (small pieces: see PARTS_PER_PDF). When that cannot be checked (a part not found, a page that looks
like a part's first, the 목차 changing its length), each part is converted alone and its pages
counted instead (:func:`parts_pdf`, slower; the notes say so). The same numbers go into the DOCX
and HWPX 목차: they are LibreOffice's layout of the DOCX (the notes say so). Without a PDF the
목차 has no numbers.

Memory: every member goes, compressed, to an unnamed temp file as it is made
(:class:`~reportgen.writers.zippack.ZipSpool`) and the zip is laid out from it at the end
(:func:`write_package`: into a temp file beside the target, renamed over it). The card files are
rendered and compressed in ``-j`` worker processes; with workers and no PDF, the combined
documents are made meanwhile in two forked processes (:func:`combined_beside`), which write them
into an unnamed temp file that the main process copies into the spool a chunk at a time. The
package document's card pages are drawn as a writer walks them and let go after
(:class:`CardPages`, :class:`~reportgen.document.LazyBlocks`); DOCX, HWPX and XLSX are written
part by part (their ``write_document``, :data:`PART_BY_PART`). What still grows with the cards:
the workbook, the 목차, 총괄표 and 변경이력 tables, the manifest's list and, with the PDF, the
PDF's pieces and the joined PDF (bytes in the main process).

Members are sorted by name and dated 1980-01-01, so the same workbook gives the same bytes (the
PDF aside: LibreOffice stamps its own dates).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import io
import multiprocessing
import os
import signal
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import BinaryIO, NamedTuple, TypeVar

from reportgen import model as m
from reportgen import rates
from reportgen.batch import (
    MANIFEST,
    BuiltFile,
    Failure,
    WorkerLost,
    as_of_view,
    die_with_parent,
    failure_of,
    manifest_pieces,
    ordered_map,
    parse_as_of,
    render_one,
    shared_document,
    stop_on_termination,
)
from reportgen.batch import (
    chunked as lazy_chunks,
)
from reportgen.document import (
    Block,
    ContentsEntry,
    Document,
    Heading,
    LazyBlocks,
    PageBreak,
    Paragraph,
    Row,
    Section,
    Table,
    TableOfContents,
    Title,
    cell,
)
from reportgen.documents import card_document
from reportgen.errors import CardError
from reportgen.fileio import (
    STOP_SIGNALS,
    OutputError,
    atomic_output,
    card_filename,
    safe_filename,
    stop_signals_held,
)
from reportgen.formats import WRITERS, available_writers
from reportgen.periods import is_after
from reportgen.resources import WriterOptions
from reportgen.summary import (
    L_AS_OF,
    L_TERM,
    LANDSCAPE_CHART_WIDTH,
    Summary,
    finance_blocks,
    summarize,
    summary_blocks,
    year_text,
)
from reportgen.summary import TITLE as SUMMARY_TITLE
from reportgen.workbook_contract import (
    COL_CHANGE_CONTENT,
    COL_CHANGE_DATE,
    COL_CHANGE_PROCEDURE,
    COL_CHANGE_REASON,
    COL_TITLE,
    SHEET_CHANGES,
)
from reportgen.writers import docx, hwpx, pdf, xlsx
from reportgen.writers.zippack import Member, MemberSink, Writable, ZipSpool, copy_into, zip_members

T = TypeVar("T")

# ── labels of the package (not on the card, so they live here) ─────────────
REPORT_TITLE = "공약사업 추진상황 보고"
L_CONTENTS = "목차"
L_CARD_COUNT = "공약사업"
L_NO_CHANGES = "변경 사항 없음"
L_NOT_DRAWN = "이 카드를 그릴 수 없습니다. 자세한 내용은 함께 든 참고 파일에 있습니다."
CARDS_FOLDER = "cards"
NOTES_FILE = "참고.txt"
#: the card formats the package holds (its own list: a format added to formats.py does not join it)
CARD_FORMATS = ("txt", "docx", "xlsx", "hwpx", "hwp")
#: the formats of the combined document (the PDF is made apart: it needs LibreOffice)
COMBINED_FORMATS = ("docx", "hwpx", "xlsx")
#: failures of the combined document are listed under this format
PACKAGE_FORMAT = "package"
PDF_TIMEOUT = pdf.PDF_TIMEOUT
#: members already compressed (zip packages, PDF): stored, not deflated again
STORED_SUFFIXES = (".docx", ".xlsx", ".hwpx", ".pdf")
#: blank lines above the cover's first line and between its title and the 기준일
COVER_TOP, COVER_GAP = 12, 6
#: how often the parts method converts the 목차 again when its numbers change its own length
RENUMBER_ROUNDS = 3
#: a guess of a part's pages, for the width of the 목차's stand-in numbers in the first layout
PAGES_PER_PART = 4
#: a part's first page is found by the text of at most this many of its first blocks
MARKER_BLOCKS = 3
#: parts laid out in one DOCX for the PDF: LibreOffice's time grows faster than the pages (one
#: DOCX of 125 cards 5.1 s, 250 cards 13.5 s, 500 cards 36 s), so the body goes in pieces. Small
#: pieces, because LibreOffice's layout of a card is not always independent of what follows it in
#: its DOCX: the 1,000-card corpus in pieces of 10 gives every page's text as the one-run PDF did;
#: in pieces of 20, 6 cards broke a page elsewhere (a heading left at a page's foot). The cost:
#: each piece embeds its own font subsets (1,000 cards: 18.5 MB against 8.7 MB in one run)
PARTS_PER_PDF = 10
#: poppler processes (pdftotext, pdfinfo) reading the PDF's pieces at once
POPPLER_THREADS = min(4, os.cpu_count() or 1)
#: cards a worker renders at a time (fewer when there are few cards)
CARDS_PER_TASK = 8

L_FINANCE = "공약가계부"
L_MISSED = "목표 미달 카드"
L_NONE_MISSED = "목표 미달 카드 없음"
MISSED_LABELS = (m.L_ID, COL_TITLE, "추진율", "목표")
MISSED_SHARES = (150, 550, 150, 150)

CHANGE_LABELS = (m.L_ID, COL_TITLE, COL_CHANGE_DATE, COL_CHANGE_CONTENT, COL_CHANGE_REASON, COL_CHANGE_PROCEDURE)
CHANGE_SHARES = (80, 200, 110, 300, 200, 110)

NOT_ASKED = "PDF 없음: 만들지 않도록 했습니다 / no PDF: not requested"
NO_PAGE_NUMBERS = ("목차 쪽 번호 없음: 쪽 번호는 PDF에서 세는데 PDF를 만들지 않았습니다 / no page numbers "
                   "in the 목차: they are counted on the PDF, which was not made")
PAGES_FROM_LIBREOFFICE = ("목차 쪽 번호는 LibreOffice가 DOCX를 배치한 쪽입니다(PDF와 같음); Word나 한글에서는 "
                          "쪽이 조금 다를 수 있습니다 / the 목차 page numbers are LibreOffice's layout of the "
                          "DOCX (as in the PDF); Word or Hangul may break pages a little differently")


@dataclass(frozen=True)
class Cover:
    """What the cover page says."""

    agency: str  # 기관명
    title: str  # 민선 8기 공약사업 추진상황 보고
    as_of: str  # 기준일: 2024. 12. 31.
    count: str  # 공약사업 12건


@dataclass
class PackageResult:
    """The zip's bytes, notes for the user (Korean / English) and what went in."""

    data: bytes
    notes: list[str] = field(default_factory=list)
    files: list[BuiltFile] = field(default_factory=list)  # every member but manifest.json and the notes
    failures: list[Failure] = field(default_factory=list)  # cards a format could not express
    members: int = 0  # members in the zip: the files, manifest.json and the notes


class CardPages:
    """Each card's pages (:func:`card_section`), drawn when iterated and let go after: a walk
    holds one card's section at a time, never all (a card's section is ~27 KB of blocks, the
    package's largest per-card cost). The failures of the cards that cannot be drawn are kept as
    a walk finds them (the same each walk)."""

    def __init__(self, cards: list[m.Card]) -> None:
        self.cards = cards
        self._failures: dict[int, Failure] = {}
        self._complete = False

    def __iter__(self) -> Iterator[Section]:
        for index, card in enumerate(self.cards):
            section, failure = card_section(card)
            if failure is not None:
                self._failures[index] = failure
            yield section
        self._complete = True

    def failures(self) -> list[Failure]:
        """The failures of the cards that cannot be drawn, in card order; when no walk reached
        the last card yet, the cards are drawn once more for them (one at a time, not held)."""
        if not self._complete:
            for _section in self:
                pass
        return [self._failures[index] for index in sorted(self._failures)]

    def found(self, failures: list[Failure]) -> None:
        """The failures a walk in another process found (the combined process), in card order."""
        self._failures, self._complete = dict(enumerate(failures)), True


@dataclass
class PackageContents:
    """Everything the package document is built from: compact per card (the cards, their 목차
    lines), the cards' pages drawn only as they are walked (:class:`CardPages`)."""

    book: m.Workbook  # cards as of the 기준일
    cover: Cover
    summary: Summary
    as_of: dt.date | None
    pages: CardPages

    @property
    def failures(self) -> list[Failure]:
        """The cards that cannot be drawn (:meth:`CardPages.failures`)."""
        return self.pages.failures()


# ── what the package shows ────────────────────────────────────────────────
def date_text(day: dt.date | None) -> str:
    """``2024. 12. 31.`` as Korean reports print a day."""
    return f"{day.year}. {day.month:02d}. {day.day:02d}." if day else ""


def report_title(settings: m.Settings) -> str:
    """``민선 8기 공약사업 추진상황 보고`` (without 민선 when the 설정 has none)."""
    term = settings.term.strip()
    if not term:
        return REPORT_TITLE
    return f"{term if term.startswith(L_TERM) else f'{L_TERM} {term}'} {REPORT_TITLE}"


def _changes_as_of(changes: list[m.ChangeRecord], as_of: dt.date | None) -> list[m.ChangeRecord]:
    """변경이력 rows up to the 기준일 (rows whose date is no period are kept)."""
    if as_of is None:
        return list(changes)
    kept = []
    for change in changes:
        try:
            later = is_after(change.date, as_of)
        except (ValueError, IndexError):
            later = False
        if not later:
            kept.append(change)
    return kept


def card_section(card: m.Card) -> tuple[Section, Failure | None]:
    """The card's pages; a card that cannot be drawn gets a page saying so, and its failure."""
    try:
        blocks = card_document(card).blocks
    except CardError as exc:
        return Section((Title(card.title or card.id), Paragraph(L_NOT_DRAWN)), name=card.id), \
            failure_of(card, PACKAGE_FORMAT, exc)
    return Section(blocks, name=card.id), None


def package_contents(book: m.Workbook, as_of: dt.date | None) -> PackageContents:
    """The cards as of the 기준일, the 총괄표, the cover and each card's pages (drawn as they are
    walked: :class:`CardPages`)."""
    views = []
    for card in book.cards:
        view = as_of_view(card, as_of)
        if view is card:
            view = replace(card)
        view.changes = _changes_as_of(card.changes, as_of)
        views.append(view)
    settings = replace(book.settings, as_of=as_of.isoformat() if as_of else book.settings.as_of)
    shown = m.Workbook(settings, views, list(book.finance))
    cover = Cover(settings.agency, report_title(settings),
                  f"{L_AS_OF}: {date_text(as_of)}" if as_of else "", f"{L_CARD_COUNT} {len(views)}건")
    return PackageContents(shown, cover, summarize(shown), as_of, CardPages(views))


def file_stem(contents: PackageContents) -> str:
    """Name of the combined files: ``공약사업_추진상황_보고_2024-12-31``."""
    stem = REPORT_TITLE.replace(" ", "_")
    return safe_filename(f"{stem}_{contents.as_of.isoformat()}" if contents.as_of else stem, "")


# ── the package as one document ───────────────────────────────────────────
def cover_blocks(cover: Cover) -> list[Block]:
    """The cover page: 기관명, the report's title, 기준일 and the number of cards, centred, a third
    down the page (blank lines: the document model has no vertical spacing)."""
    blank = Paragraph("")
    return [*[blank] * COVER_TOP, Paragraph(cover.agency, align="center"), blank, Title(cover.title),
            *[blank] * COVER_GAP, *(Paragraph(text, align="center") for text in (cover.as_of, cover.count) if text)]


def card_entry(card: m.Card) -> str:
    """A card's 목차 line: ``3-1 신평·장림산업단지 …``."""
    return " ".join(part for part in (card.id, card.title) if part)


def contents_entries(contents: PackageContents, pages: Sequence[int] | None) -> tuple[ContentsEntry, ...]:
    """목차: 총괄표, 공약가계부 (with 재정계획 rows), 목표 미달 카드, 변경이력 and every card, each with
    its first page when ``pages`` are known."""
    texts = part_texts(contents)
    numbers: Sequence[int | None] = pages if pages is not None else [None] * len(texts)
    return tuple(ContentsEntry(text, page) for text, page in zip(texts, numbers, strict=True))


def front_blocks(contents: PackageContents, pages: Sequence[int] | None) -> tuple[Block, ...]:
    """The cover, then the 목차 on the next page."""
    return (*cover_blocks(contents.cover), PageBreak(),
            TableOfContents(L_CONTENTS, entries=contents_entries(contents, pages)))


def summary_section(s: Summary) -> Section:
    """총괄표: its heading and tables, landscape (11 columns); the 공약가계부 is a part of its own."""
    return Section((Heading(SUMMARY_TITLE, 1), *summary_blocks(s, finance=False, charts=LANDSCAPE_CHART_WIDTH)),
                   "landscape", SUMMARY_TITLE)


def finance_section(s: Summary) -> Section | None:
    """공약가계부 (by 재원 and by 분야, the notes under them), landscape; None without 재정계획 rows."""
    blocks = finance_blocks(s)
    return Section((Heading(L_FINANCE, 1), *blocks), "landscape", L_FINANCE) if blocks else None


def missed_section(book: m.Workbook, s: Summary) -> Section:
    """목표 미달 카드: the cards whose 추진율 is below the 기준일 year's target (관리번호, 사업명, 추진율,
    목표), the count line above and the rule under them; ``목표 미달 카드 없음`` when there are none."""
    checks = rates.target_checks(book)
    count, year = rates.count_targets(checks), year_text(s)
    line = Paragraph(f"{year} 목표 기준: 미달 {count.missed}건, 달성 {count.reached}건, 목표 없음 {count.no_target}건")
    missed = [check for check in checks if check.state == rates.MISSED]
    if not missed:
        return Section((Heading(L_MISSED, 1), line, Paragraph(L_NONE_MISSED)), name=L_MISSED)
    head = Row(tuple(cell(label, label=True) for label in MISSED_LABELS))
    rows = [Row(tuple(cell(text) for text in (c.card.id, c.card.title, m.percent_text(c.progress),
                                               m.percent_text(c.target)))) for c in missed]
    notes = (f"※ 미달 = 추진율이 {year} 목표(연차별 추진계획의 목표(%))보다 낮은 카드",
             f"※ {year} 목표나 추진율이 없는 카드는 목표 없음으로 따로 셈")
    table = Table((head, *rows), MISSED_SHARES, header_rows=1, name=L_MISSED, notes=notes)
    return Section((Heading(L_MISSED, 1), line, table), name=L_MISSED)


def changes_section(cards: list[m.Card]) -> Section:
    """변경이력 on a page of its own: a table of every card's changes, or ``변경 사항 없음``."""
    rows = [Row(tuple(cell(text) for text in (card.id, card.title, c.date, c.content, c.reason, c.procedure)))
            for card in cards for c in card.changes]
    shown: Block = Paragraph(L_NO_CHANGES)
    if rows:
        head = Row(tuple(cell(label, label=True) for label in CHANGE_LABELS))
        shown = Table((head, *rows), CHANGE_SHARES, header_rows=1, name=SHEET_CHANGES)
    return Section((Heading(SHEET_CHANGES, 1), shown), "landscape", SHEET_CHANGES)


def front_parts(contents: PackageContents) -> list[tuple[str, Section]]:
    """The parts between the 목차 and the cards, each from a new page, with its 목차 entry: 총괄표,
    공약가계부 (with 재정계획 rows), 목표 미달 카드, 변경이력."""
    finance = finance_section(contents.summary)
    return [(SUMMARY_TITLE, summary_section(contents.summary)),
            *([(L_FINANCE, finance)] if finance else []),
            (L_MISSED, missed_section(contents.book, contents.summary)),
            (SHEET_CHANGES, changes_section(contents.book.cards))]


def part_texts(contents: PackageContents) -> list[str]:
    """The 목차 entry of each part that follows the 목차 (:func:`front_parts`, then every card's)."""
    return [*(text for text, _ in front_parts(contents)), *(card_entry(card) for card in contents.book.cards)]


def body_sections(contents: PackageContents) -> LazyBlocks:
    """What follows the 목차, each part from a new page: :func:`front_parts`, then every card's
    pages, drawn as they are walked (:class:`CardPages`)."""
    return LazyBlocks(tuple(section for _, section in front_parts(contents)), contents.pages)


def package_document(contents: PackageContents, pages: Sequence[int] | None = None) -> Document:
    """The whole package as one document; ``pages``: the first page of each 목차 entry, when known.
    Its blocks are lazy (:class:`~reportgen.document.LazyBlocks`): the cards' pages are drawn as
    a writer walks them, one card at a time."""
    body = body_sections(contents)
    return Document(contents.cover.title, LazyBlocks((*front_blocks(contents, pages), *body.head), body.tail),
                    name=L_CONTENTS)


# ── the PDF and the 목차 page numbers ─────────────────────────────────────
class PackagePdf(NamedTuple):
    """The package as PDF, the first page of each 목차 entry in it, and a note when it was made
    the slow way (the parts one by one)."""

    data: bytes
    pages: list[int]
    note: str = ""


class LayoutUnchecked(Exception):
    """The one-run PDF could not be checked; ``ko`` and ``en`` say why."""

    def __init__(self, ko: str, en: str) -> None:
        super().__init__(f"{ko} / {en}")
        self.ko, self.en = ko, en


def page_starts(counts: Sequence[int]) -> list[int]:
    """The first page of every part but the first, from each part's page count."""
    starts, page = [], 1
    for count in counts[:-1]:
        page += count
        starts.append(page)
    return starts


def placeholder_pages(entries: int) -> list[int]:
    """Stand-in 목차 numbers for the first layout, as wide as the real ones are likely to be
    (a guess of PAGES_PER_PART pages a part; the check after the real numbers go in decides)."""
    return [int("8" * len(str(PAGES_PER_PART * (entries + 1))))] * entries


def squeezed(text: str) -> str:
    """``text`` without white space and characters that print nothing (as compared with a PDF's text)."""
    return "".join(ch for ch in text if ch.isprintable() and not ch.isspace())


def printed_texts(block: Block) -> list[str]:
    """What a title, heading, paragraph or table prints, in order (other blocks: nothing)."""
    if isinstance(block, Title | Heading):
        return [block.text]
    if isinstance(block, Paragraph):
        return [block.marker, block.text]
    if isinstance(block, Table):
        return [block.caption, *(line for row in block.rows for item in row.cells for line in item.lines),
                *block.notes]
    return []


def part_marker(section: Section) -> str:
    """The text a part's first page starts with: its blocks up to its first title or heading (a
    card's 관리번호 box and 사업명, the 총괄표 heading), squeezed."""
    texts: list[str] = []
    for block in section.blocks[:MARKER_BLOCKS]:
        texts += printed_texts(block)
        if isinstance(block, Title | Heading):
            break
    return squeezed("".join(texts))


def _signature(text: str, length: int) -> str:
    """The first ``length`` characters of ``text``, sorted: the same for a page that opens with a
    part's marker read in another order (the cells of one row, a box and the line beside it)."""
    return "".join(sorted(text[:length]))


class PartMark(NamedTuple):
    """What finds a part's first page: its name (for the message) and its marker (:func:`part_marker`)."""

    name: str
    marker: str


def part_mark(section: Section) -> PartMark:
    """``section``'s name and marker: all a PDF piece keeps of its parts (:func:`pdf_started`)."""
    return PartMark(section.name, part_marker(section))


def find_starts(pages: Sequence[str], sections: Sequence[Section | PartMark]) -> list[int]:
    """The page (1 = the first of ``pages``) where each part (a section or its mark) starts, found
    by its marker in order: the first part on the first page, each next one on the first page
    after that opens with its marker. Raises LayoutUnchecked when a part is not found, or when a
    page that starts no part opens with any part's marker (the markers could not tell the parts
    apart)."""
    texts = [squeezed(page) for page in pages]
    marks = [item if isinstance(item, PartMark) else part_mark(item) for item in sections]
    markers = [mark.marker for mark in marks]
    starts: list[int] = []
    for mark, marker in zip(marks, markers, strict=True):
        wanted = _signature(marker, len(marker))
        candidates = range(starts[-1], len(texts)) if starts else range(min(1, len(texts)))
        found = next((i for i in candidates if marker and _signature(texts[i], len(marker)) == wanted), None)
        if found is None:
            raise LayoutUnchecked(f"{mark.name}의 첫 쪽을 찾지 못했습니다",
                                  f"the first page of {mark.name} was not found")
        starts.append(found + 1)
    by_length: dict[int, set[str]] = {}
    for marker in markers:
        by_length.setdefault(len(marker), set()).add(_signature(marker, len(marker)))
    taken = set(starts)
    for number, text in enumerate(texts, 1):
        if number not in taken and any(_signature(text, n) in signs for n, signs in by_length.items()):
            raise LayoutUnchecked(f"{number}쪽이 어느 부분의 첫 쪽인지 가릴 수 없습니다",
                                  f"page {number} opens like the first page of a part")
    return starts


def _docx(blocks: tuple[Block, ...], title: str, options: WriterOptions | None) -> bytes:
    return WRITERS["docx"].render_document(Document(title, blocks), options)


def chunked(items: Sequence[T], size: int) -> list[list[T]]:
    """``items`` in consecutive lists of ``size`` (the last may be shorter)."""
    return [list(items[start:start + size]) for start in range(0, len(items), max(1, size))]


def spread(items: Sequence[T], groups: int) -> list[list[T]]:
    """``items`` in at most ``groups`` consecutive lists whose lengths differ by at most one (none empty)."""
    count = max(1, min(groups, len(items)))
    size, extra = divmod(len(items), count)
    out, start = [], 0
    for index in range(count):
        end = start + size + (index < extra)
        out.append(list(items[start:end]))
        start = end
    return out


@contextlib.contextmanager
def pdf_started(contents: PackageContents, timeout: float = PDF_TIMEOUT, options: WriterOptions | None = None,
                runs: int = 1) -> Iterator[Callable[[], PackagePdf]]:
    """The package's PDF started in ``runs`` LibreOffice processes at once; yields the function
    that waits for them and returns the PDF (raises PdfError, LayoutUnchecked).

    What follows the 목차 is laid out in pieces of PARTS_PER_PDF parts, each piece a DOCX of its
    own (LibreOffice's time grows faster than the pages: one DOCX of 1,000 cards takes longer than
    ten of 100); the pieces and the cover and 목차 (stand-in numbers) are spread over the runs,
    each run with its own profile and temp folder. Every part starts on a new page and the pages
    carry no running page numbers, so a piece's pages are those of the whole document
    (:func:`spliced_pdf` checks where each part starts). Leaving the block ends every run. The
    cards' pages are drawn a piece at a time (``batch.chunked``, lazy): a piece keeps only its DOCX and
    its parts' marks; the pieces' PDFs stay in the runs' folders (read and joined from there, never
    loaded) until the block ends.
    """
    title = contents.cover.title
    documents = [_docx(front_blocks(contents, placeholder_pages(len(part_texts(contents)))), title, options)]
    pieces: list[list[PartMark]] = []
    for piece in lazy_chunks(body_sections(contents), PARTS_PER_PDF):
        documents.append(_docx(tuple(piece), title, options))
        pieces.append([part_mark(section) for section in piece])
        del piece
    with contextlib.ExitStack() as stack:
        waits = [stack.enter_context(pdf.converting(group, timeout, files=True)) for group in spread(documents, runs)]
        yield lambda: spliced_pdf(contents, [made for wait in waits for made in wait()], pieces, timeout, options)


def spliced_pdf(contents: PackageContents, converted: Sequence[pdf.PdfData], pieces: Sequence[Sequence[Section | PartMark]],
                timeout: float = PDF_TIMEOUT, options: WriterOptions | None = None) -> PackagePdf:
    """The PDF from the cover and 목차 with stand-in numbers (``converted[0]``) and the pieces of
    what follows (the rest of ``converted``): each part's first page is found in its piece's page
    texts (:func:`find_starts`), the cover and 목차 are converted again with the numbers, which
    must leave them as many pages as the stand-ins did; the PDF is those pages, then the pieces'.
    Raises PdfError, LayoutUnchecked."""
    front_count = pdf.page_count(converted[0])
    pages: list[int] = []
    offset = front_count
    for piece, (texts, count) in zip(pieces, read_pdfs(converted[1:]), strict=True):
        pages += [offset + start for start in find_starts(texts, piece)]
        offset += count
    numbered = pdf.convert([_docx(front_blocks(contents, pages), contents.cover.title, options)], timeout)[0]
    count = pdf.page_count(numbered)
    if count != front_count:
        raise LayoutUnchecked(f"목차가 쪽 번호를 넣자 {front_count}쪽에서 {count}쪽이 되었습니다",
                              f"the cover and 목차 went from {front_count} to {count} pages with the numbers")
    return PackagePdf(pdf.join([numbered, *converted[1:]]), pages)


def read_pdfs(pdfs: Sequence[pdf.PdfData]) -> list[tuple[list[str], int]]:
    """Each PDF's page texts and page count, read by poppler in several processes at once (raises PdfError)."""
    def read(data: pdf.PdfData) -> tuple[list[str], int]:
        return pdf.page_texts(data), pdf.page_count(data)
    with ThreadPoolExecutor(max_workers=POPPLER_THREADS) as pool:
        return list(pool.map(read, pdfs))


def one_run_pdf(contents: PackageContents, timeout: float = PDF_TIMEOUT, options: WriterOptions | None = None,
                runs: int = 1) -> PackagePdf:
    """The package as PDF from its pieces laid out in ``runs`` LibreOffice processes
    (:func:`pdf_started`); raises PdfError, LayoutUnchecked."""
    with pdf_started(contents, timeout, options, runs) as finish:
        return finish()


def parts_pdf(contents: PackageContents, timeout: float = PDF_TIMEOUT, options: WriterOptions | None = None
              ) -> PackagePdf:
    """The package as PDF with each part converted alone (raises PdfError): slower, but needs no
    text to be found. Every part starts on a new page and the pages have no running page
    numbers, so a part's pages are the same converted alone as in the whole document."""
    title = contents.cover.title
    pdfs = pdf.convert([_docx(front_blocks(contents, None), title, options),  # the parts drawn one at a time
                        *(_docx((section,), title, options) for section in body_sections(contents))], timeout)
    counts = [pdf.page_count(data) for data in pdfs]
    pages = page_starts(counts)
    front = pdfs[0]
    for _ in range(RENUMBER_ROUNDS):  # the numbers may lengthen the 목차 (rarely): count again
        front = pdf.convert([_docx(front_blocks(contents, pages), title, options)], timeout)[0]
        count = pdf.page_count(front)
        if count == counts[0]:
            break
        counts[0] = count
        pages = page_starts(counts)
    return PackagePdf(pdf.join([front, *pdfs[1:]]), pages)


def checked_or_parts(finish: Callable[[], PackagePdf], contents: PackageContents, timeout: float = PDF_TIMEOUT,
                     options: WriterOptions | None = None) -> PackagePdf:
    """``finish()``'s PDF, or the parts converted one by one (with a note) when it could not be checked."""
    try:
        return finish()
    except LayoutUnchecked as why:
        made = parts_pdf(contents, timeout, options)
        return made._replace(note=f"목차 쪽 번호: 한 번에 배치한 PDF를 확인하지 못해({why.ko}) 부분별로 따로 "
                                  f"변환했습니다(더 오래 걸림) / 목차 page numbers: the PDF laid out in one run "
                                  f"could not be checked ({why.en}); the parts were converted one by one (slower)")


def pdf_and_pages(contents: PackageContents, timeout: float = PDF_TIMEOUT, options: WriterOptions | None = None,
                  runs: int = 1) -> PackagePdf:
    """The package as PDF and the first page of each 목차 entry in it (raises PdfError): from its
    pieces (:func:`one_run_pdf`), or part by part when that could not be checked (with a note)."""
    with pdf_started(contents, timeout, options, runs) as finish:
        return checked_or_parts(finish, contents, timeout, options)


# ── what goes into the zip, as it is made ──────────────────────────────────
#: a card file made in a worker: (format, its zip member without a name yet or its failure, sha256)
PackedFile = tuple[str, Member | Failure, str]


def zip_member(name: str, data: bytes) -> Member:
    """``data`` as the zip member ``name``: packages and PDF stored, the rest deflated."""
    return Member.stored(name, data) if name.lower().endswith(STORED_SUFFIXES) else Member.deflated(name, data)


def pack_card(card: m.Card, formats: list[str], options: WriterOptions | None = None) -> list[PackedFile]:
    """The card in each format (its document built once), compressed for the zip, or that format's failure."""
    doc = shared_document(card)
    out: list[PackedFile] = []
    for name in formats:
        data = render_one(card, name, options, doc)
        if isinstance(data, Failure):
            out.append((name, data, ""))
        else:
            out.append((name, zip_member(f"x{WRITERS[name].suffix}", data), hashlib.sha256(data).hexdigest()))
    return out


def pack_cards(cards: list[m.Card], formats: list[str], options: WriterOptions | None = None) -> list[list[PackedFile]]:
    """:func:`pack_card` of each card (a worker's unit of work)."""
    return [pack_card(card, formats, options) for card in cards]


@dataclass
class Packing:
    """The zip being made: its spool (members on disk), the files for manifest.json and the failures
    (card files and combined files apart, so that they are listed in the same order however the
    work interleaves)."""

    spool: ZipSpool
    folder: str  # where the spool is, for the message when it cannot be written
    cards: list[BuiltFile] = field(default_factory=list)
    combined: list[BuiltFile] = field(default_factory=list)
    card_failures: list[Failure] = field(default_factory=list)
    combined_failures: list[Failure] = field(default_factory=list)

    def add(self, member: Member) -> None:
        """Spool ``member`` (a file system error is the output folder's: OutputError)."""
        with self.folder_errors():
            self.spool.add(member)

    @contextlib.contextmanager
    def folder_errors(self) -> Iterator[None]:
        """A file system error within is the output folder's: OutputError."""
        try:
            yield
        except OSError as exc:
            raise OutputError.of(Path(self.folder), exc) from exc

    def add_pieces(self, member: str, pieces: Iterable[bytes]) -> None:
        """A deflated member of ``pieces``, compressed into the spool as they come (manifest.json:
        an entry a piece, never held whole)."""
        with self.folder_errors(), self.spool.deflating(member) as sink:
            for piece in pieces:
                sink.write(piece)

    @contextlib.contextmanager
    def storing(self, member: str) -> Iterator[MemberSink]:
        """A stored member written piece by piece into the spool (:meth:`ZipSpool.storing`)."""
        with self.folder_errors(), self.spool.storing(member) as sink:
            yield sink

    @contextlib.contextmanager
    def scratch(self) -> Iterator[BinaryIO]:
        """An unnamed temp file in the spool's folder (gone when the block ends, or on a crash)."""
        with self.folder_errors():
            file = tempfile.TemporaryFile(dir=self.folder)
        with file:
            yield file

    def copied(self, scratch: BinaryIO, placed: Placed, member: str, fmt: str) -> BuiltFile:
        """The file ``placed`` in ``scratch`` copied into the spool as the stored member ``member``,
        a chunk at a time; its manifest entry."""
        with self.storing(member) as sink:
            copy_into(sink, scratch.fileno(), placed.offset, placed.length)
        return BuiltFile(member, "", fmt, placed.length, placed.sha256)


def unique_member(name: str, taken: set[str]) -> str:
    """``name``, or ``name (2)`` … when a member of that name (any case) is already taken."""
    stem, dot, suffix = name.rpartition(".")
    candidate, number = name, 1
    while candidate.casefold() in taken:
        number += 1
        candidate = f"{stem} ({number}).{suffix}" if dot else f"{name} ({number})"
    taken.add(candidate.casefold())
    return candidate


def card_chunk(cards: int, jobs: int) -> int:
    """Cards a worker renders at a time: CARDS_PER_TASK, fewer when there are few cards, so that
    every worker gets some."""
    return max(1, min(CARDS_PER_TASK, -(-cards // max(1, jobs * 4))))


def pack_card_files(cards: list[m.Card], packing: Packing, jobs: int = 1, options: WriterOptions | None = None
                    ) -> None:
    """Every card in each of CARD_FORMATS this installation writes, into ``packing`` under ``cards/``
    as the workers hand them back (``jobs`` > 1: that many worker processes; same bytes either way).
    """
    taken: set[str] = set()
    formats = [name for name in available_writers() if name in CARD_FORMATS]
    groups = chunked(cards, card_chunk(len(cards), jobs))
    task = functools.partial(pack_cards, formats=formats, options=options)
    for group, results in zip(groups, ordered_map(task, groups, min(jobs, len(groups))), strict=True):
        for card, packed in zip(group, results, strict=True):
            for fmt, made, digest in packed:
                if isinstance(made, Failure):
                    packing.card_failures.append(made)
                    continue
                name = unique_member(f"{CARDS_FOLDER}/{card_filename(card.id, card.title, WRITERS[fmt].suffix)}", taken)
                packing.add(replace(made, name=name))
                packing.cards.append(BuiltFile(name, card.id, fmt, made.size, digest))


#: with the PDF and workers, the combined formats made in a process beside the main one (which
#: makes the others at the same time): the slowest writer alone against the two others
BESIDE_WITH_PDF = ("hwpx",)
#: without the PDF and with workers, the combined formats are made in two processes beside the
#: card workers, each drawing the card pages itself: HWPX alone, DOCX and XLSX together (about
#: the same time), so that neither is left running long after the cards
BESIDE_WITHOUT_PDF = (("hwpx",), ("docx", "xlsx"))


class Placed(NamedTuple):
    """A combined file written by a combined process into its scratch file: where, and its sha256."""

    offset: int
    length: int
    sha256: str


#: a combined file made in a combined process: where it is, or None and why the writer could not make it
Rendered = tuple[Placed | None, str]
#: a combined file made: its manifest entry (the file already in the spool), or None and why not
Made = tuple[BuiltFile | None, str]


class Tally:
    """A binary output that passes what is written on to ``out``, counting its length and sha256."""

    def __init__(self, out: Writable) -> None:
        self._out = out
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        """``data`` written to ``out`` and counted."""
        self._hash.update(data)
        self.size += len(data)
        self._out.write(data)
        return len(data)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


#: the combined formats' writers that write part by part (memory flat in the cards)
PART_BY_PART: dict[str, Callable[[Document, Tally, WriterOptions | None, str | None], None]] = {
    "docx": docx.write_document, "hwpx": hwpx.write_document, "xlsx": xlsx.write_document}


def write_combined(doc: Document, name: str, out: Tally, options: WriterOptions | None, folder: str | None) -> None:
    """The package document in format ``name`` written to ``out``: part by part where the writer
    can (PART_BY_PART: its ``write_document``, its temp files in ``folder``), else as its bytes
    (raises CardError)."""
    write = PART_BY_PART.get(name)
    if write is None:
        out.write(WRITERS[name].render_document(doc, options))
    else:
        write(doc, out, options, folder)


def render_to(doc: Document, name: str, scratch: BinaryIO, options: WriterOptions | None = None,
              folder: str | None = None) -> Rendered:
    """The package document in format ``name`` appended to ``scratch`` (a combined process's
    file), or why not (what was written of it cut off again)."""
    start = scratch.seek(0, os.SEEK_END)
    tally = Tally(scratch)
    try:
        write_combined(doc, name, tally, options, folder)
    except CardError as exc:
        scratch.seek(start)
        scratch.truncate()
        return None, str(exc)
    return Placed(start, tally.size, tally.hexdigest()), ""


def combined_name(contents: PackageContents, name: str) -> str:
    """The member name of the combined file in format ``name``: ``공약사업_추진상황_보고_2024-12-31.docx``."""
    return f"{file_stem(contents)}{WRITERS[name].suffix}"


def pack_in_place(doc: Document, contents: PackageContents, name: str, packing: Packing,
                  options: WriterOptions | None = None) -> Made:
    """The package document in format ``name`` written straight into the spool (never held
    whole when the writer writes part by part), or why not (nothing of it spooled)."""
    member = combined_name(contents, name)
    try:
        with packing.storing(member) as sink:
            tally = Tally(sink)
            write_combined(doc, name, tally, options, packing.folder)
    except CardError as exc:
        return None, str(exc)
    return BuiltFile(member, "", name, tally.size, tally.hexdigest()), ""


def add_combined(made: dict[str, Made], packing: Packing) -> None:
    """The combined files (already spooled) or their failures listed in ``packing``, in the order
    of COMBINED_FORMATS."""
    for name in COMBINED_FORMATS:
        built, why = made[name]
        if built is None:
            packing.combined_failures.append(Failure("", f"{PACKAGE_FORMAT}-{name}", why))
        else:
            packing.combined.append(built)


def pack_combined(contents: PackageContents, pages: Sequence[int] | None, packing: Packing,
                  options: WriterOptions | None = None, beside: Sequence[str] = ()) -> None:
    """The package document as DOCX, HWPX and XLSX into ``packing``; the formats ``beside`` are
    made in a process of their own (:func:`combined_beside`) while this one makes the others.
    Each writer walks the document's lazy blocks (:func:`package_document`): the cards' pages
    are drawn again for each, one card at a time."""
    if not beside:
        doc = package_document(contents, pages)
        add_combined({name: pack_in_place(doc, contents, name, packing, options) for name in COMBINED_FORMATS},
                     packing)
        return
    with combined_beside(contents, pages, beside, packing, options) as take:
        doc = package_document(contents, pages)
        made = {name: pack_in_place(doc, contents, name, packing, options)
                for name in COMBINED_FORMATS if name not in beside}
        del doc
        made |= take()
    add_combined(made, packing)


def _add_file(packing: Packing, name: str, fmt: str, data: bytes) -> None:
    """A combined file (no 관리번호) into ``packing``."""
    packing.add(zip_member(name, data))
    packing.combined.append(_built(name, "", fmt, data))


@contextlib.contextmanager
def combined_beside(contents: PackageContents, pages: Sequence[int] | None, formats: Sequence[str],
                    packing: Packing, options: WriterOptions | None = None, first: bool = True
                    ) -> Iterator[Callable[[], dict[str, Made]]]:
    """The combined ``formats`` rendered in a process of their own, forked from this one (it
    shares the package's contents, nothing is pickled to it) while the main process does other
    work (hands the cards to the workers, makes the other formats); yields the function that
    waits for its files and copies them into ``packing``'s spool (raises WorkerLost when the
    process was killed, or what it raised). The failures of the cards that cannot be drawn,
    found there, go into ``contents`` from the ``first`` of several such processes only.

    The files go through an unnamed temp file in the spool's folder, made before the fork (the
    process writes them there, the pipe carries only where they are; nothing of it survives a
    ``kill -9``), copied into the spool a chunk at a time: neither process holds a whole file.
    The process ignores Ctrl-C and hang-up (the main process stops the package), dies with the
    main process (SIGTERM on its death, even by ``kill -9``), and writes no other file; leaving
    the block kills it if it still runs.
    """
    context = multiprocessing.get_context("fork")
    with packing.scratch() as scratch:
        reader, writer = context.Pipe(duplex=False)
        process = context.Process(target=_combined_child, args=(writer, scratch, contents, pages, tuple(formats),
                                                                options, packing.folder, os.getpid()),
                                  name="reportgen-package", daemon=True)
        with stop_signals_held():  # forked with the stop signals held: none arrives before it ignores them
            process.start()
        writer.close()
        try:
            yield functools.partial(_take_combined, reader, scratch, packing, file_stem(contents),
                                    contents if first else None)
        finally:
            reader.close()
            if process.is_alive():
                process.kill()
            process.join()


def _take_combined(reader: Connection, scratch: BinaryIO, packing: Packing, stem: str,
                   contents: PackageContents | None) -> dict[str, Made]:
    """What the combined process made, by format, each file copied from ``scratch`` into the
    spool as it is announced (the failures of the cards it could not draw go into ``contents``)."""
    made: dict[str, Made] = {}
    while True:
        try:
            kind, name, value = reader.recv()
        except EOFError:
            raise WorkerLost from None
        if kind == "done":
            if contents is not None:
                contents.pages.found(value)  # the cards that cannot be drawn, found there
            return made
        if kind == "error":
            raise value
        placed, why = value
        made[name] = (None, why) if placed is None else (
            packing.copied(scratch, placed, f"{stem}{WRITERS[name].suffix}", name), "")


def _combined_child(writer: Connection, scratch: BinaryIO, contents: PackageContents, pages: Sequence[int] | None,
                    formats: tuple[str, ...], options: WriterOptions | None, folder: str, main_pid: int) -> None:
    """The combined process (:func:`combined_beside`): writes each format into ``scratch``, then
    sends (``made``, format, Rendered) for each, then (``done``, "", the failures of the cards
    that cannot be drawn); what it raises as (``error``, "", the exception)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # held while forked (combined_beside)
    if not die_with_parent(main_pid, signal.SIGTERM):
        os._exit(128 + signal.SIGTERM)
    try:
        doc = package_document(contents, pages)
        made = [(name, render_to(doc, name, scratch, options, folder)) for name in formats]
        scratch.flush()  # the main process reads the file once told where
        for name, rendered in made:
            writer.send(("made", name, rendered))
        writer.send(("done", "", contents.failures))
    except BaseException as exc:  # noqa: BLE001 - handed to the main process, which raises it
        with contextlib.suppress(BaseException):
            writer.send(("error", "", exc))
    finally:
        writer.close()
        os._exit(0)  # no clean-up of the main process's objects inherited by the fork


def without_pdf(contents: PackageContents, packing: Packing, jobs: int, step: Callable[[str], None],
                options: WriterOptions | None = None) -> None:
    """Card files and the combined documents (no 목차 page numbers); with workers, the combined
    documents are made in a process of their own while the workers render the cards."""
    if jobs <= 1 or len(contents.book.cards) < 2:
        step("카드 파일 / card files")
        pack_card_files(contents.book.cards, packing, jobs, options)
        step("통합 문서 / combined documents")
        pack_combined(contents, None, packing, options)
        return
    with contextlib.ExitStack() as stack:
        takes = [stack.enter_context(combined_beside(contents, None, group, packing, options, first=index == 0))
                 for index, group in enumerate(BESIDE_WITHOUT_PDF)]
        step("카드 파일 / card files")
        pack_card_files(contents.book.cards, packing, jobs, options)
        step("통합 문서 / combined documents")
        made: dict[str, Made] = {}
        for take in takes:
            made |= take()
    add_combined(made, packing)


def with_pdf(contents: PackageContents, packing: Packing, jobs: int, timeout: float, step: Callable[[str], None],
             notes_out: list[str], options: WriterOptions | None = None) -> None:
    """The PDF (LibreOffice runs while the workers render the cards), the card files, then the
    combined documents with the 목차 page numbers (none when the PDF failed: the notes say why)."""
    made: PackagePdf | None = None
    why, cards_done = "", False
    try:
        with pdf_started(contents, timeout, options, max(1, jobs)) as finish:
            step("카드 파일 / card files")
            pack_card_files(contents.book.cards, packing, jobs, options)
            cards_done = True
            step("통합 문서 / combined documents")
            made = checked_or_parts(finish, contents, timeout, options)
    except pdf.PdfError as exc:
        why = str(exc)
    if not cards_done:
        step("카드 파일 / card files")
        pack_card_files(contents.book.cards, packing, jobs, options)
    pages = None
    if made is not None:
        _add_file(packing, f"{file_stem(contents)}.pdf", "pdf", made.data)
        notes_out += [made.note] if made.note else []
        pages, made = made.pages, None  # the PDF's bytes (~18 KB a card) let go before the combined files
    notes_out += [why, NO_PAGE_NUMBERS] if why else [PAGES_FROM_LIBREOFFICE]
    pack_combined(contents, pages, packing, options, BESIDE_WITH_PDF if jobs > 1 else ())


# ── the zip ───────────────────────────────────────────────────────────────
def package_zip(members: dict[str, bytes]) -> bytes:
    """A zip of ``members`` sorted by name, dated 1980-01-01 (packages and PDF stored, the rest deflated)."""
    return zip_members(zip_member(name, data) for name, data in sorted(members.items()))


def notes_text(notes: list[str]) -> bytes:
    """The notes file: one note a line (as on the terminal)."""
    return "".join(f"※ {note}\n" for note in notes).encode("utf-8")


def _built(name: str, card_id: str, fmt: str, data: bytes) -> BuiltFile:
    return BuiltFile(name, card_id, fmt, len(data), hashlib.sha256(data).hexdigest())


def packed(spool: ZipSpool, folder: str, book: m.Workbook, day: dt.date | None, soffice: bool, pdf_timeout: float,
           jobs: int, step: Callable[[str], None], options: WriterOptions | None) -> PackageResult:
    """Everything of the package into ``spool``, manifest.json and the notes last; the result
    without ``data`` (the caller writes the zip out of the spool)."""
    why = pdf.missing() if soffice else NOT_ASKED
    contents = package_contents(book, day)
    packing, notes_out = Packing(spool, folder), []
    with stop_on_termination():  # SIGTERM, SIGHUP: stop as on Ctrl-C, workers and LibreOffice ended
        if why:
            without_pdf(contents, packing, jobs, step, options)
            notes_out += [why, NO_PAGE_NUMBERS]
        else:
            with_pdf(contents, packing, jobs, pdf_timeout, step, notes_out, options)
    files = packing.cards + packing.combined
    failures = [*contents.failures, *packing.card_failures, *packing.combined_failures]
    packing.add_pieces(MANIFEST, (piece.encode("utf-8") for piece in manifest_pieces(files, day)))
    notes_out += [f"카드 {f.card_id} [{f.format}] 제외 / card {f.card_id} left out of {f.format}: {f.message}"
                  for f in failures]
    packing.add(Member.deflated(NOTES_FILE, notes_text(notes_out)))
    return PackageResult(b"", notes_out, files, failures, len(spool))


def make_package(
    book: m.Workbook,
    as_of: dt.date | None = None,
    soffice: bool = True,
    pdf_timeout: float = PDF_TIMEOUT,
    jobs: int = 1,
    on_step: Callable[[str], None] | None = None,
    options: WriterOptions | None = None,
) -> PackageResult:
    """The council package of ``book`` as zip bytes (in ``data``), with notes for the user.

    ``as_of`` defaults to the workbook's 설정 기준일 (a bad one is an InputError);
    ``soffice=False`` skips the PDF (and the 목차 page numbers); ``jobs`` > 1 renders the
    per-card files in that many processes and runs that many LibreOffice processes; ``options`` go
    to every writer (``--templates``). Cards a format cannot express are left out of that format
    and listed in ``failures`` and ``notes``; the rest is packed. SIGTERM and SIGHUP stop it as
    Ctrl-C does (KeyboardInterrupt), with no worker, LibreOffice process or temp file left.

    The members wait on disk (a temp file in the system's temp folder) until the zip is laid
    out; the zip itself is held in memory: :func:`write_package` writes it to a file instead,
    with memory flat in the number of cards.
    """
    day = as_of or parse_as_of(book.settings.as_of, "설정!기준일")
    with ZipSpool() as spool:
        result = packed(spool, tempfile.gettempdir(), book, day, soffice, pdf_timeout, jobs,
                        on_step or (lambda _text: None), options)
        out = io.BytesIO()
        spool.write_zip(out)
    result.data = out.getvalue()
    return result


def write_package(
    book: m.Workbook,
    target: Path,
    as_of: dt.date | None = None,
    soffice: bool = True,
    pdf_timeout: float = PDF_TIMEOUT,
    jobs: int = 1,
    on_step: Callable[[str], None] | None = None,
    options: WriterOptions | None = None,
) -> PackageResult:
    """:func:`make_package` written to ``target`` (``data`` stays empty): every member goes to an
    unnamed temp file in ``target``'s folder as it is made (nothing of it survives even a
    ``kill -9``), then the zip is written beside ``target`` and renamed over it atomically
    (:func:`reportgen.fileio.atomic_output`). Memory holds no member beyond the one at hand. Nothing is written
    when anything fails; a folder that cannot be written raises OutputError.
    """
    day = as_of or parse_as_of(book.settings.as_of, "설정!기준일")
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        spool = ZipSpool(str(folder))
    except OSError as exc:
        raise OutputError.of(folder, exc) from exc
    with spool:
        result = packed(spool, str(folder), book, day, soffice, pdf_timeout, jobs, on_step or (lambda _text: None),
                        options)
        with atomic_output(target) as out:
            spool.write_zip(out)
    return result


