"""The council package's memory, flat in the number of cards: the card pages drawn one at a time
(lazy document blocks), HWPX and XLSX written part by part through a spool, the combined files
handed over through a temp file, zip members written piece by piece."""

from __future__ import annotations

import contextlib
import gc
import io
import multiprocessing.connection
import pickle
import sys
import tempfile
import tracemalloc
import weakref
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from reportgen import package
from reportgen.document import (
    Document,
    Heading,
    LazyBlocks,
    PageBreak,
    Paragraph,
    Section,
    Table,
    Title,
    cell,
)
from reportgen.document import Row as TableRow
from reportgen.documents import card_document
from reportgen.writers import hwpx, xlsx
from reportgen.writers.zippack import Member, ZipSpool, zip_members

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from make_corpus import make_corpus  # noqa: E402


class _Sink:
    """A binary output that keeps nothing (what a writer writes is counted, not held)."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        return len(data)

def _count_card_sections(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Wrap ``package.card_section`` so that the returned list's one number is the most card
    sections alive at once (weak references: a section let go leaves the count)."""
    alive: weakref.WeakSet[Section] = weakref.WeakSet()
    most = [0]
    real = package.card_section

    def counted(card):  # noqa: ANN001, ANN202 - the wrapped card_section
        section, failure = real(card)
        alive.add(section)
        most[0] = max(most[0], len(alive))
        return section, failure

    monkeypatch.setattr(package, "card_section", counted)
    return most



def _write(name: str, doc: Document) -> bytes:
    out = io.BytesIO()
    package.write_combined(doc, name, package.Tally(out), None, None)
    return out.getvalue()


# ── lazy blocks ───────────────────────────────────────────────────────────
def test_lazy_blocks_give_head_then_tail_anew_each_walk() -> None:
    made: list[int] = []

    def tail() -> list[Paragraph]:
        made.append(1)
        return [Paragraph("b")]

    class Tail:
        def __iter__(self):  # noqa: ANN204 - a re-iterable made of a function
            return iter(tail())

    blocks = LazyBlocks((Title("a"),), Tail())
    assert list(blocks) == [Title("a"), Paragraph("b")] and list(blocks) == [Title("a"), Paragraph("b")]
    assert len(made) == 2  # each walk draws the tail again


def test_card_pages_are_drawn_one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Writing the 12-card package as DOCX, HWPX and XLSX, at most 2 card sections are alive at once
    (the one drawn and the one let go as the next is drawn), not 12 (a document holding them all)."""
    most = _count_card_sections(monkeypatch)
    contents = package.package_contents(make_corpus(12), None)
    for name in ("docx", "hwpx", "xlsx"):
        _write(name, package.package_document(contents))
    assert 1 <= most[0] <= 2


def test_failures_found_by_a_walk_or_drawn_for_when_none_walked() -> None:
    book = make_corpus(3)
    book.cards[1].annual_plan.rows[0].cells.append("여섯째 해")  # more cells than term years: not drawn
    contents = package.package_contents(book, None)
    assert [f.card_id for f in contents.failures] == [book.cards[1].id]  # no walk yet: drawn for it
    again = package.package_contents(book, None)
    _write("hwpx", package.package_document(again))
    assert again.failures == contents.failures
    told = package.package_contents(book, None)
    told.pages.found(contents.failures)  # found by the combined process
    assert told.failures == contents.failures


# ── the writers part by part: the same bytes ──────────────────────────────
def _documents() -> list[Document]:
    """The 8-card package (lazy), a card, an empty document, portrait and landscape sections with
    loose blocks between them and a sheet name taken twice."""
    card = make_corpus(1).cards[0]
    table = Table((TableRow((cell("가", label=True), cell("1"))),), (500, 500))
    mixed = Document("섞인 문서", (
        Paragraph("앞"), Section((Heading("총괄표"), table), "landscape", "총괄표"), Paragraph("사이"),
        Section((Title("총괄표"), PageBreak(), Paragraph("끝")), name="총괄표"), Section(()),
        Section((Paragraph("가로"),), "landscape")), name="총괄표")
    return [package.package_document(package.package_contents(make_corpus(8), None)), card_document(card),
            Document("빈 문서"), mixed, replace(mixed, blocks=mixed.blocks[1:2])]


@pytest.mark.parametrize("name", ["hwpx", "xlsx"])
def test_written_part_by_part_gives_the_rendered_bytes(name: str, tmp_path: Path) -> None:
    writer = {"hwpx": hwpx, "xlsx": xlsx}[name]
    for doc in _documents():
        out = io.BytesIO()
        writer.write_document(doc, out, None, str(tmp_path))
        assert out.getvalue() == writer.render_document(doc), doc.title
    assert list(tmp_path.iterdir()) == []  # the spool has no name in the folder


def test_hwpx_section_part_goes_to_the_spool_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """The package's card section part is deflated as drawn: many writes of at most
    DRAIN_PIECES pieces (after a block) each, none of a quarter of the part (8 cards)."""
    monkeypatch.setattr(hwpx, "DRAIN_PIECES", 16)
    writes: list[int] = []
    real = hwpx.MemberSink.write

    def counted(self, raw: bytes) -> int:  # noqa: ANN001
        writes.append(len(raw))
        return real(self, raw)
    monkeypatch.setattr(hwpx.MemberSink, "write", counted)
    doc = package.package_document(package.package_contents(make_corpus(8), None))
    data = _write("hwpx", doc)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        whole = max(info.file_size for info in archive.infolist() if info.filename.startswith("Contents/section"))
    head = len(hwpx._SECTION_HEAD)  # the cards' part is the last one opened
    cards = writes[len(writes) - writes[::-1].index(head):]
    assert len(cards) > 8 and max(cards) < whole / 4


# ── memory flat in the cards ───────────────────────────────────────────────
def _peak(write: Callable[[], None]) -> int:
    """The traced peak (bytes) of ``write()`` above what was traced before it (garbage collected first)."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        write()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("name", ["docx", "hwpx", "xlsx"])
def test_combined_file_peak_flat_in_the_cards(name: str) -> None:
    """Writing the package of 60 cards peaks (above its document) within 1.2× and 160 KiB of the
    package of 10: each card's pages drawn, written and let go. Before (d84efe8, the document
    holding every card's section, each writer the whole output): DOCX 1.8 → 6.0 MB (3.37×), HWPX
    3.8 → 7.3 MB (1.94×), XLSX 2.4 → 4.0 MB (1.71×); now 0.91 → 0.76, 1.0 → 0.9 and 0.51 → 0.52 MB."""
    package.package_document(package.package_contents(make_corpus(3), None))  # the charts' caches warm
    peaks = []
    for cards in (10, 60):
        contents = package.package_contents(make_corpus(cards), None)
        doc = package.package_document(contents)
        peaks.append(_peak(lambda doc=doc: package.write_combined(doc, name, package.Tally(_Sink()), None, None)))
    assert peaks[1] < peaks[0] * 1.2 and peaks[1] - peaks[0] < 160 * 1024, peaks


# ── the combined files through a temp file ─────────────────────────────────
def test_render_to_appends_and_cuts_a_failed_file_off(tmp_path: Path) -> None:
    """A combined file is appended to the scratch file (where and its sha256 said); one that
    fails leaves the file as it was."""
    doc = package.package_document(package.package_contents(make_corpus(2), None))
    too_long = Document("긴 칸", (Paragraph("가" * 40000),))  # over Excel's 32,767 characters a cell
    with (tmp_path / "scratch").open("w+b") as scratch:
        scratch.write(b"abc")
        assert package.render_to(too_long, "xlsx", scratch)[0] is None
        assert scratch.seek(0, 2) == 3
        placed, why = package.render_to(doc, "hwpx", scratch)
        assert why == "" and placed is not None and placed.offset == 3
        scratch.flush()
        data = (tmp_path / "scratch").read_bytes()[3:]
    assert data == hwpx.render_document(doc) and placed.length == len(data)
    assert placed.sha256 == package.hashlib.sha256(data).hexdigest()


def test_copied_into_the_spool_as_a_stored_member(tmp_path: Path) -> None:
    data = bytes(range(256)) * 9000  # over two copy chunks
    with ZipSpool(str(tmp_path)) as spool, (tmp_path / "scratch").open("w+b") as scratch:
        scratch.write(b"xy" + data)
        scratch.flush()
        packing = package.Packing(spool, str(tmp_path))
        built = packing.copied(scratch, package.Placed(2, len(data), "h"), "가.hwpx", "hwpx")
        out = io.BytesIO()
        spool.write_zip(out)
    assert (built.file, built.bytes, built.sha256) == ("가.hwpx", len(data), "h")
    assert out.getvalue() == zip_members([Member.stored("가.hwpx", data)])


# ── zip members written piece by piece ─────────────────────────────────────
def test_spool_members_written_in_pieces_give_the_whole_members_bytes(tmp_path: Path) -> None:
    raw = "가나다 abc ".encode() * 20000
    with ZipSpool(str(tmp_path)) as spool:
        with spool.deflating("d.xml") as sink:
            for start in range(0, len(raw), 7777):
                sink.write(raw[start:start + 7777])
        with spool.storing("s.bin") as sink:
            sink.write(raw[:10])
            sink.write(raw[10:100])
        first = spool.add(Member.deflated("z.txt", b"z"))
        out = io.BytesIO()
        spool.write_zip(out, [first, replace(spool._spooled[0], name="renamed.xml"), spool._spooled[1]])
    assert out.getvalue() == zip_members([Member.deflated("z.txt", b"z"), Member.deflated("renamed.xml", raw),
                                          Member.stored("s.bin", raw[:100])])
    assert zlib.decompress(Member.deflated("x", raw).data, -15) == raw


def test_spool_member_that_fails_midway_leaves_nothing(tmp_path: Path) -> None:
    with ZipSpool(str(tmp_path)) as spool:
        spool.add(Member.stored("a.txt", b"a"))
        with pytest.raises(RuntimeError), spool.deflating("broken.xml") as sink:
            sink.write(b"half" * 1000)
            raise RuntimeError
        spool.add(Member.stored("b.txt", b"b"))
        out = io.BytesIO()
        assert spool.write_zip(out) == 2
    assert out.getvalue() == zip_members([Member.stored("a.txt", b"a"), Member.stored("b.txt", b"b")])


def test_combined_processes_send_where_their_files_are_not_the_files(monkeypatch: pytest.MonkeyPatch,
                                                                      tmp_path: Path) -> None:
    """With -j 2 the combined processes write their files into a temp file and send only where
    (every message under 4 KB; before, each whole DOCX/HWPX/XLSX went through the pipe), and the
    zip is the one made without them."""
    real = multiprocessing.connection.Connection.send

    def small(self: multiprocessing.connection.Connection, obj: object) -> None:
        if len(pickle.dumps(obj)) > 4096:
            raise RuntimeError(f"{len(pickle.dumps(obj))} bytes sent through the pipe")
        real(self, obj)
    monkeypatch.setattr(multiprocessing.connection.Connection, "send", small)  # inherited by the fork
    book = make_corpus(6)
    package.write_package(book, tmp_path / "p.zip", soffice=False, jobs=2)
    assert (tmp_path / "p.zip").read_bytes() == package.make_package(book, soffice=False).data
    assert [path.name for path in tmp_path.iterdir()] == ["p.zip"]  # no temp file left


def test_pdf_pieces_keep_their_marks_not_their_sections(monkeypatch: pytest.MonkeyPatch) -> None:
    """Laying the 25-card package out in PDF pieces of 10 parts (LibreOffice stood in for), at most
    a piece's sections and one more are alive at once, and each piece keeps its parts' marks."""
    real = package.card_section
    most = _count_card_sections(monkeypatch)

    @contextlib.contextmanager
    def converting(documents: list[bytes], _timeout: float, *, files: bool) -> Iterator[Callable[[], list[bytes]]]:
        assert files  # the pieces' PDFs are left in the run's folder
        converted.append(len(documents))
        yield lambda: []
    converted: list[int] = []
    monkeypatch.setattr(package.pdf, "converting", converting)
    monkeypatch.setattr(package, "spliced_pdf", lambda contents, made, pieces, *_: pieces)
    contents = package.package_contents(make_corpus(25), None)
    with package.pdf_started(contents, runs=1) as finish:
        pieces = finish()
    assert converted == [1 + 3] and [len(piece) for piece in pieces] == [10, 10, 8]  # 총괄표, 미달, 변경이력 + 25 cards
    assert all(isinstance(mark, package.PartMark) for piece in pieces for mark in piece)
    assert pieces[2][-1] == package.part_mark(real(contents.book.cards[-1])[0])
    assert most[0] <= package.PARTS_PER_PDF + 1


# ── the PDF's pieces left on disk ──────────────────────────────────────────
@pytest.mark.skipif(package.pdf.missing() != "", reason="LibreOffice or poppler-utils is not installed")
def test_pdf_pieces_as_files_are_read_and_joined_where_they_are(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                 ) -> None:
    """A run converting with ``files`` gives its PDFs' paths (in its folder, gone after the block);
    poppler counts, reads and joins them where they are, as it does their bytes."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    doc = package.package_document(package.package_contents(make_corpus(2), None))
    word = package.WRITERS["docx"].render_document(doc)
    with package.pdf.converting([word, word], files=True) as wait:
        paths = wait()
        assert all(isinstance(path, Path) and path.is_file() for path in paths)
        data = paths[0].read_bytes()
        assert package.pdf.page_count(paths[0]) == package.pdf.page_count(data) > 3
        assert package.pdf.page_texts(paths[1]) == package.pdf.page_texts(data)
        joined = package.pdf.join([data, paths[1]])
        assert package.pdf.page_count(joined) == 2 * package.pdf.page_count(data)
        assert package.pdf.page_texts(joined) == 2 * package.pdf.page_texts(data)
        assert package.pdf.join([paths[0]]) == data
    assert not any(path.exists() for path in paths) and list(tmp_path.iterdir()) == []
