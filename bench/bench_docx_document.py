"""A/B bench of the DOCX card path: this tree's writer against an old commit's, interleaved.

Usage: python bench/bench_docx_document.py [--n 200] [--rounds 9] [--old 7dcc078]
       python bench/bench_docx_document.py --pages [--n 30]

The old ``reportgen/writers/docx.py`` is taken with ``git show OLD:…`` into a
temporary file and imported under another name; both render the same cards of
the generated corpus (bench/make_corpus.py) in one process, in rounds
A B A B …, after one warm-up card each. Prints ms/card per round, the medians,
min–max and the ratio new/old (CPU time of this process: other work on the machine
counts less).

``--pages`` checks the writer's page model against LibreOffice instead: the two
fixture cards and ``--n`` corpus cards, each drawn in the standard layout and in
the layout the writer chooses, converted to PDF in one LibreOffice run; it prints
how often the model's page count is LibreOffice's, and how many cards end with a
nearly empty page (text on less than a fifth of it, by ``pdftotext -bbox``).
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
from pathlib import Path
from types import ModuleType

from reportgen import model as m
from reportgen.document import Block, Document
from reportgen.documents import card_document
from reportgen.readers.text import read_text
from reportgen.writers import docx as new
from reportgen.writers import pdf
from reportgen.writers.docx import load_template

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_corpus import make_corpus  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def old_module(commit: str, folder: Path) -> ModuleType:
    """The DOCX writer as it was at ``commit``, imported as ``old_docx``."""
    source = subprocess.run(["git", "show", f"{commit}:reportgen/writers/docx.py"], cwd=ROOT, check=True,
                            capture_output=True).stdout
    path = folder / "old_docx.py"
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location("old_docx", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["old_docx"] = module
    spec.loader.exec_module(module)
    return module


def per_card(render: Callable[[m.Card], bytes], cards: list[m.Card]) -> float:
    """CPU ms per card of one pass over ``cards``."""
    start = time.process_time()
    for card in cards:
        render(card)
    return (time.process_time() - start) * 1000 / len(cards)


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


def standard_layout(template: new.Template, _doc: Document, _blocks: list[Block], _page: new.Page) -> new.Layout:
    return template.layouts[0]


def pages_report(n: int) -> None:
    """The page model against LibreOffice, in the standard layout and in the layout the writer chooses."""
    fixtures = ROOT / "tests" / "fixtures"
    cards = [read_text(fixtures / name) for name in ("3-1_2024-12_from-hwp.txt", "3-1_2024-03_from-docx.txt")]
    docs = [card_document(card) for card in [*cards, *make_corpus(n).cards]]
    template = load_template()
    chosen = new.layout_for
    for label, choose in (("standard", standard_layout), ("chosen", chosen)):
        layouts = [template.layouts.index(choose(template, doc, list(doc.blocks), template.pages[""]))
                   for doc in docs]
        new.layout_for = choose
        try:
            files = [new.render_document(doc) for doc in docs]
        finally:
            new.layout_for = chosen
        model = [new.page_estimate(doc, None, layout)[0].count for doc, layout in zip(docs, layouts, strict=True)]
        printed = [last_page_fill(data) for data in pdf.convert(files)]
        same = sum(count == pages for count, (pages, _) in zip(model, printed, strict=True))
        nearly = sum(pages > 1 and fill < 1 / new.NEARLY_EMPTY for pages, fill in printed)
        tighter = sum(layout > 0 for layout in layouts)
        print(f"{label}: model pages = LibreOffice pages for {same}/{len(docs)} cards; last page nearly empty "
              f"in LibreOffice: {nearly}/{len(docs)}; tighter layout: {tighter}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--old", default="7dcc078")
    parser.add_argument("--pages", action="store_true", help="the page model against LibreOffice")
    args = parser.parse_args()
    if args.pages:
        pages_report(args.n)
        return
    cards = make_corpus(args.n).cards
    with tempfile.TemporaryDirectory() as folder:
        old = old_module(args.old, Path(folder))
        writers = {"old": old.render_docx, "new": new.render_docx}
        times: dict[str, list[float]] = {name: [] for name in writers}
        for render in writers.values():
            render(cards[0])
        for index in range(args.rounds):
            for name, render in writers.items():
                times[name].append(per_card(render, cards))
            print(f"round {index + 1}: " + "  ".join(f"{name} {times[name][-1]:.3f}" for name in writers))
    for name, values in times.items():
        print(f"{name}: median {statistics.median(values):.3f} ms/card, min–max {min(values):.3f}–{max(values):.3f}")
    ratio = statistics.median(times["new"]) / statistics.median(times["old"])
    print(f"new/old (medians): {ratio:.2f}")


if __name__ == "__main__":
    main()
