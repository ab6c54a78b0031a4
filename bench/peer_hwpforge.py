"""Peer baseline: the same HWPX card encoded by hwpforge (``hwpforge.from_json``), as its users do.

hwpforge (a Rust library with Python bindings, the ``bench`` extra) builds an
HWPX package from its JSON document model (``from_json``). The JSON for a card
is what hwpforge itself exports from our HWPX of that card
(``Document.from_bytes(ours).to_json()``, styles included): the same template
shapes, paragraphs, texts and tables with the same spans, widths and fills, so
both libraries encode one card from one template. :func:`same_content` checks,
before any timing, that the JSON and the package hwpforge encodes from it hold
the paragraphs and tables of our section part (text by text, cell by cell).

Timed is the encode only, as a hwpforge user pays it per card: ``from_json(text)``
and the package bytes (``.document.to_bytes()``); ours is ``render_document(doc)``
with the document given.

Run as a script for ms/card of both, interleaved rounds, medians (min–max):
``.venv/bin/python bench/peer_hwpforge.py [N] [ROUNDS]``.
"""

from __future__ import annotations

import io
import json
import statistics
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from reportgen import document as d
from reportgen.writers import hwpx as writer

HP = "{http://www.hancom.co.kr/hwpml/2011/paragraph}"
#: (paragraph texts) or ("table", rows, cols, cells): one top-level item of a section, as both sides see it
Item = tuple[Any, ...]


def forge_json(doc: d.Document) -> str:
    """hwpforge's JSON (with styles) of our HWPX of ``doc``."""
    import hwpforge

    return hwpforge.Document.from_bytes(writer.render_document(doc)).to_json().text


def encode(text: str) -> bytes:
    """The HWPX package hwpforge encodes from its JSON (what is timed)."""
    import hwpforge

    return hwpforge.from_json(text).document.to_bytes()


# ── the content both hold ──────────────────────────────────────────────────
def _xml_paragraph(p: etree._Element) -> Iterator[Item]:
    texts = "".join(t.text or "" for t in p.iter(f"{HP}t") if t.getparent().getparent() is p)
    tables = [_xml_table(t) for t in p.iter(f"{HP}tbl") if t.getparent().getparent() is p]
    yield from tables
    if texts or not tables:
        yield ("p", texts)


def _xml_table(tbl: etree._Element) -> Item:
    cells = []
    for tc in tbl.iter(f"{HP}tc"):
        if tc.getparent().getparent() is not tbl:
            continue
        addr, span = tc.find(f"{HP}cellAddr"), tc.find(f"{HP}cellSpan")
        texts = tuple(item[1] for p in tc.find(f"{HP}subList") for item in _xml_paragraph(p))
        cells.append((int(addr.get("rowAddr")), int(addr.get("colAddr")), int(span.get("rowSpan")),
                      int(span.get("colSpan")), texts))
    return ("table", int(tbl.get("rowCnt")), int(tbl.get("colCnt")), tuple(sorted(cells)))


def ours(section_xml: bytes) -> list[Item]:
    """Our section part's top-level paragraphs and tables."""
    root = etree.fromstring(section_xml)
    return [item for p in root.iter(f"{HP}p") if p.getparent() is root for item in _xml_paragraph(p)]


def _json_paragraph(p: dict[str, Any]) -> Iterator[Item]:
    texts, tables = "", []
    for run in p.get("runs", []):
        content = run.get("content", {})
        texts += content.get("Text", "") if isinstance(content, dict) else ""
        if isinstance(content, dict) and "Table" in content:
            tables.append(_json_table(content["Table"]))
    yield from tables
    if texts or not tables:
        yield ("p", texts)


def _json_table(table: dict[str, Any]) -> Item:
    cells = [(cell["addr"]["row"], cell["addr"]["col"], cell["row_span"], cell["col_span"],
              tuple(item[1] for p in cell["paragraphs"] for item in _json_paragraph(p)))
             for row in table["rows"] for cell in row["cells"]]
    columns = max((c[1] + c[3] for c in cells), default=0)
    return ("table", len(table["rows"]), columns, tuple(sorted(cells)))


def theirs(text: str) -> list[Item]:
    """The top-level paragraphs and tables of hwpforge's JSON (its first section)."""
    section = json.loads(text)["document"]["sections"][0]
    return [item for p in section["paragraphs"] for item in _json_paragraph(p)]


def same_content(doc: d.Document, text: str) -> bool:
    """Whether hwpforge's JSON and the package it encodes hold our paragraphs and tables (one section)."""
    import hwpforge

    parts = writer.document_parts(doc)
    if len(parts.sections) != 1:
        return False
    mine = ours(parts.sections[0])
    with zipfile.ZipFile(io.BytesIO(encode(text))) as package:
        encoded = ours(package.read("Contents/section0.xml"))
    again = hwpforge.Document.from_bytes(encode(text)).to_json().text
    return mine == theirs(text) == encoded == theirs(again) and bool(mine)


# ── timing ─────────────────────────────────────────────────────────────────
def interleaved(runs: dict[str, tuple[Callable[[Any], Any], list[Any]]], rounds: int,
                clock: Callable[[], float] = time.perf_counter) -> dict[str, list[float]]:
    """ms per item of each run, round by round in turn (A B A B …), after one warm-up call each;
    ``clock``: wall time, or ``time.process_time`` (this process's CPU time, less moved by other load)."""
    for write, items in runs.values():
        write(items[0])
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, (write, items) in runs.items():
            start = clock()
            for item in items:
                write(item)
            times[name].append((clock() - start) * 1000 / len(items))
    return times


def spread(values: list[float]) -> str:
    """``median (min–max)``."""
    return f"{statistics.median(values):.3f} ({min(values):.3f}–{max(values):.3f})"


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_writers import sample_cards

    from reportgen.documents import card_document

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 9
    docs = [card_document(card) for card in sample_cards(n)]
    texts = [forge_json(doc) for doc in docs]
    if not same_content(docs[0], texts[0]):
        sys.exit("hwpforge's JSON does not hold the card as our HWPX does")
    times = interleaved({"ours": (writer.render_document, docs), "hwpforge": (encode, texts)}, rounds)
    for name, values in times.items():
        print(f"{name:<10} ms/card {spread(values)}")
    ratios = [theirs_ / ours_ for ours_, theirs_ in zip(times["ours"], times["hwpforge"], strict=True)]
    print(f"hwpforge / ours: {statistics.median(times['hwpforge']) / statistics.median(times['ours']):.2f}× "
          f"(per round {min(ratios):.2f}–{max(ratios):.2f}×)")


if __name__ == "__main__":
    main()
