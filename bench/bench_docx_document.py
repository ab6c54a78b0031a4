"""A/B bench of the DOCX writer, interleaved in one process; its byte-for-byte check; its page model
against LibreOffice.

Usage: python bench/bench_docx_document.py [--n 100] [--rounds 11] [--old 7dcc078] [--base COMMIT|FILE] [--unique]
       python bench/bench_docx_document.py --same COMMIT|FILE [--n 400]
       python bench/bench_docx_document.py --pages [--n 102]

Timing: the card path of ``--old`` (``render_docx(card)`` of that commit's writer with
that commit's templates, loaded as bench/bench_before_after.py does), the writer
``--base`` (a commit or a saved ``docx.py`` with ``render_document``; optional) and
this tree's writer, the last two given each card's document built beforehand (the
writer alone). The same cards of the generated corpus (bench/make_corpus.py), in
rounds A B C …, the order reversed every other round, after one warm-up card
each; each measurement is the CPU time of one pass, per card. Prints one Markdown
table: medians, min–max and the ratios to the old and the base medians. ``--unique`` numbers
every line and value cell of each document given (:func:`distinct`), so that nothing a writer
remembers across documents is met again (the corpus repeats the reference card's lines).

``--same`` renders ``--n`` corpus cards and the fixture cards with this tree's
writer and with the given one and says which DOCX files differ (none should,
byte for byte), and which cards are written in a tighter layout.

``--pages`` checks the writer's page model against LibreOffice instead: the two
fixture cards and ``--n`` corpus cards, each drawn in the standard layout and in
the layout the writer chooses, converted to PDF in one LibreOffice run; it prints
how often the model's page count is LibreOffice's, how many cards end with a
nearly empty page (text on less than a fifth of it, by ``pdftotext -bbox``) and
which cards get a tighter layout.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from types import ModuleType

from reportgen.document import Block, Box, DatedLine, Document, Paragraph, Section, Table
from reportgen.documents import card_document
from reportgen.readers.text import read_text
from reportgen.writers import docx as new
from reportgen.writers import pdf

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_before_after import OldPackage  # noqa: E402
from make_corpus import make_corpus  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ("3-1_2024-12_from-hwp.txt", "3-1_2024-03_from-docx.txt")


def writer_module(source: str, folder: Path) -> ModuleType:
    """The DOCX writer in file ``source``, or as it was at commit ``source``, imported as ``base_docx``
    (it must render documents: the modules it imports are this tree's)."""
    path = Path(source)
    if not path.is_file():
        path = folder / "base_docx.py"
        path.write_bytes(subprocess.run(["git", "show", f"{source}:reportgen/writers/docx.py"], cwd=ROOT,
                                        check=True, capture_output=True).stdout)
    spec = importlib.util.spec_from_file_location("base_docx", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["base_docx"] = module
    spec.loader.exec_module(module)
    return module


def distinct(doc: Document, number: int) -> Document:
    """``doc`` with ``number`` added to every text but its headings and table labels, so that no card shares
    a line or a value cell with another (a worst case for what the writer remembers across documents: the
    corpus repeats the reference card's lines)."""
    def paragraph(item: Paragraph) -> Paragraph:
        return replace(item, text=f"{item.text} {number}")

    def block(item: Block) -> Block:
        if isinstance(item, Paragraph):
            return paragraph(item)
        if isinstance(item, DatedLine):
            return replace(item, text=f"{item.text} {number}", details=tuple(map(paragraph, item.details)))
        if isinstance(item, Box):
            return replace(item, lines=tuple(map(paragraph, item.lines)))
        if isinstance(item, Table):
            return replace(item, rows=tuple(replace(row, cells=tuple(
                cell if cell.label else replace(cell, lines=tuple(f"{line} {number}" for line in cell.lines))
                for cell in row.cells)) for row in item.rows))
        if isinstance(item, Section):
            return replace(item, blocks=tuple(map(block, item.blocks)))
        return item
    return replace(doc, blocks=tuple(map(block, doc.blocks)))


def per_card(render: Callable[[object], bytes], items: list) -> float:
    """CPU ms per item of one pass over ``items``."""
    start = time.process_time()
    for item in items:
        render(item)
    return (time.process_time() - start) * 1000 / len(items)


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} ({min(values):.3f}–{max(values):.3f})"


def timing(n: int, rounds: int, old_commit: str, base: str | None, unique: bool) -> None:
    """The interleaved rounds and their table."""
    cards = make_corpus(n).cards
    docs = [card_document(card) for card in cards]
    if unique:  # the old card path renders the cards as they are: the same work but for the numbers
        docs = [distinct(doc, number) for number, doc in enumerate(docs, 1)]
    with tempfile.TemporaryDirectory() as folder:
        package = OldPackage(old_commit, Path(folder))
        package.build(["writers.docx"])
        old = package.load("writers.docx")
        sides: dict[str, tuple[Callable[[object], bytes], list]] = {
            f"{old_commit} render_docx(card)": (old.render_docx, cards)}
        if base:
            sides[f"{base} render_document(doc)"] = (writer_module(base, Path(folder)).render_document, docs)
        sides["this tree render_document(doc)"] = (new.render_document, docs)
        for render, items in sides.values():
            render(items[0])
        times: dict[str, list[float]] = {name: [] for name in sides}
        for index in range(rounds):
            for name in list(sides) if index % 2 == 0 else list(sides)[::-1]:
                render, items = sides[name]
                times[name].append(per_card(render, items))
            print(f"round {index + 1}: " + "  ".join(f"{times[name][-1]:.3f}" for name in sides), file=sys.stderr)
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"{len(cards)} corpus cards{' (distinct texts for the documents given)' if unique else ''}, {rounds} rounds, "
          "CPU ms/card\n")
    print("| writer | median (min–max) | / " + " | / ".join(sides) + " |")
    print("| --- | ---: |" + " ---: |" * len(sides))
    for name in sides:
        ratios = " | ".join(f"{medians[name] / medians[other]:.2f}" for other in sides)
        print(f"| {name} | {spread(times[name])} | {ratios} |")


def same_bytes(n: int, source: str) -> None:
    """This tree's DOCX files against writer ``source``'s, byte for byte."""
    docs = [card_document(read_text(ROOT / "tests" / "fixtures" / name)) for name in FIXTURES]
    docs += [card_document(card) for card in make_corpus(n).cards]
    with tempfile.TemporaryDirectory() as folder:
        base = writer_module(source, Path(folder))
        different = [index for index, doc in enumerate(docs) if base.render_document(doc) != new.render_document(doc)]
    tighter = [index for index, doc in enumerate(docs) if any(new.chosen_layouts(doc))]
    print(f"{len(docs)} cards (2 fixtures, then {n} corpus cards): {len(different)} DOCX files differ "
          f"{different}; {len(tighter)} in a tighter layout {tighter}")
    if different:
        raise SystemExit(1)


def last_page_fill(pdf_data: bytes) -> tuple[int, float]:
    """(pages, share of the last page's text height down to its lowest text) of a PDF of cards."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf_data)
        file.flush()
        boxes = subprocess.run(["pdftotext", "-bbox", file.name, "-"], capture_output=True, text=True,
                               check=True).stdout
    pages = boxes.split("<page ")[1:]
    top, height = 851 / 20, 15136 / 20  # the reference's top margin and text height, points
    lowest = max([float(y) for y in re.findall(r'yMax="([\d.]+)"', pages[-1])] or [top])
    return len(pages), (lowest - top) / height


def standard_files(docs: list[Document]) -> list[bytes]:
    """``docs`` written in the standard layout (no run is ever tightened)."""
    nearly_empty = new.nearly_empty
    new.nearly_empty = lambda _pages, _height: False
    try:
        return [new.render_document(doc) for doc in docs]
    finally:
        new.nearly_empty = nearly_empty


def pages_report(n: int) -> None:
    """The page model against LibreOffice, in the standard layout and in the layout the writer chooses."""
    cards = [read_text(ROOT / "tests" / "fixtures" / name) for name in FIXTURES]
    docs = [card_document(card) for card in [*cards, *make_corpus(n).cards]]
    chosen = [new.chosen_layouts(doc)[0] for doc in docs]
    for label, layouts, files in (("standard", [0] * len(docs), standard_files(docs)),
                                  ("chosen", chosen, [new.render_document(doc) for doc in docs])):
        model = [new.page_estimate(doc, None, layout)[0].count for doc, layout in zip(docs, layouts, strict=True)]
        printed = [last_page_fill(data) for data in pdf.convert(files)]
        same = sum(count == pages for count, (pages, _) in zip(model, printed, strict=True))
        nearly = sum(pages > 1 and fill < 1 / new.NEARLY_EMPTY for pages, fill in printed)
        tighter = [index for index, layout in enumerate(layouts) if layout > 0]
        print(f"{label}: model pages = LibreOffice pages for {same}/{len(docs)} cards; last page nearly empty "
              f"in LibreOffice: {nearly}/{len(docs)}; tighter layout: {len(tighter)} {tighter}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=None, help="corpus cards (100; --same 400, --pages 102)")
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--old", default="7dcc078", help="commit whose card path is timed (its own templates)")
    parser.add_argument("--base", help="a commit or a saved docx.py with render_document, timed too")
    parser.add_argument("--unique", action="store_true",
                        help="number every card's lines and values (no text shared between documents)")
    parser.add_argument("--same", metavar="COMMIT|FILE", help="check the bytes against this writer")
    parser.add_argument("--pages", action="store_true", help="the page model against LibreOffice")
    args = parser.parse_args()
    if args.pages:
        pages_report(args.n or 102)
    elif args.same:
        same_bytes(args.n or 400, args.same)
    else:
        timing(args.n or 100, args.rounds, args.old, args.base, args.unique)


if __name__ == "__main__":
    main()
