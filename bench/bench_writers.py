"""Time every card writer on N cards, with docxtpl, python-hwpx and hwpforge as peer baselines.

Usage: python bench/bench_writers.py [--n 200] [--peer-n N]
       python bench/bench_writers.py --against REV [--n 10] [--rounds 41]   (HWPX/HWP old and new, hwpforge)
       python bench/bench_writers.py --same-as REV [--corpus 150] [--workbook W]  (.hwpx/.hwp bytes unchanged)

The cards are the sample card (tests/fixtures/3-1_2024-12_from-hwp.txt read
with the text reader) with varied 관리번호. Each format of ``--format all``
whose writer imports is timed on the card path a build takes
(``formats.WRITERS[name].render(card)``: ``card_document`` and the writer's
``render_document``) after one warm-up card (templates are parsed once and
cached, as in a batch build); the peer baselines render the same cards: docxtpl
from an equivalent Word template (bench-only extra: ``pip install docxtpl``)
and bench/peer_hwpx.py's ``build_card_generic(card)`` (python-hwpx call by
call, checked to draw the same paragraphs and tables as the HWPX writer) and
hwpforge's ``from_json`` encode (bench/peer_hwpforge.py: hwpforge's JSON of our
card, checked to hold the same paragraphs and tables). The writers' table is one
pass each (wall time); the ratios to docxtpl (DOCX card path) and to hwpforge
(our HWPX writer with the document given) come from ``--peer-rounds``
interleaved rounds of CPU time in this process: medians (min–max) and the ratio
of medians (per round min–max), one ``PEER`` line each.

``--against REV`` times the HWPX and HWP writers as they were at REV (``git
show``) and as they are, alone and both from one drawing (a build's
``shared_parts``), with hwpforge, in interleaved rounds in this process: medians
(min–max) and ratios. ``--same-as REV`` checks that the .hwpx and .hwp bytes
are those REV's writers give, on the fixture cards, corpus cards
(bench/make_corpus.py, or a workbook's) and the tests' every-block documents.
For the other writers old against new, see bench/bench_before_after.py.
"""

from __future__ import annotations

import argparse
import copy
import importlib
import importlib.util
import io
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reportgen import model as m
from reportgen.formats import ON_REQUEST, WRITERS
from reportgen.readers.text import read_text

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "fixtures" / "3-1_2024-12_from-hwp.txt"
SAMPLE_TITLE = "신평·장림산업단지 「낙동강 테크노밸리」 조성"
PEER_HWPX = Path(__file__).resolve().parent / "peer_hwpx.py"

Writer = Callable[[m.Card], Any]


def sample_cards(n: int) -> list[m.Card]:
    """``n`` copies of the sample card with ids 1-1, 1-2, …"""
    base = read_text(SAMPLE)
    base.title = base.title or SAMPLE_TITLE
    cards = []
    for index in range(n):
        card = copy.deepcopy(base)
        card.id = f"{index // 10 + 1}-{index % 10 + 1}"
        cards.append(card)
    return cards


def load(name: str) -> Writer | None:
    """The card path of format ``name``, or None when its writer does not import."""
    writer = WRITERS[name]
    try:
        writer.load()
    except Exception as exc:  # noqa: BLE001 — a missing writer is reported and skipped
        print(f"  skip {name} ({writer.module}): {type(exc).__name__}: {exc}", file=sys.stderr)
        return None
    return writer.render


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_writer(write: Writer, cards: list[m.Card]) -> tuple[float, int]:
    """(ms per card, bytes of the last output) after one warm-up call."""
    write(cards[0])
    start = time.perf_counter()
    for card in cards:
        out = write(card)
    elapsed = time.perf_counter() - start
    size = len(out.encode() if isinstance(out, str) else out)
    return elapsed * 1000 / len(cards), size


# ── docxtpl peer: the same card from an equivalent Word template ─────────
def _loop(doc: Any, head: str, each: str, tail: str = "{%p endfor %}") -> None:
    doc.add_paragraph(head)
    doc.add_paragraph(each)
    doc.add_paragraph(tail)


def var(name: str, index: int) -> str:
    """A jinja expression for docxtpl: ``{{ name[index] }}``."""
    return "{{ " + f"{name}[{index}]" + " }}"


def _fill(table: Any, rows: list[list[str]]) -> None:
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if text:
                table.cell(r, c).text = text


def make_docxtpl_template(path: Path, years: int) -> None:
    """A Word template laid out as the card, with jinja tags for docxtpl."""
    import docx

    doc = docx.Document()
    doc.add_paragraph("관리번호 {{ card.id }}")
    doc.add_paragraph("{{ card.title }}")
    header = doc.add_table(rows=4, cols=4)
    header.style = "Table Grid"
    _fill(header, [[left, var("h", 2 * i), right, var("h", 2 * i + 1)]
                   for i, (left, right) in enumerate(m.HEADER_ROWS)])
    header.cell(3, 3).text = "{%p for c in coop %}"
    header.cell(3, 3).add_paragraph("{{ c }}")
    header.cell(3, 3).add_paragraph("{%p endfor %}")
    doc.add_paragraph(m.H_PLAN)
    for key, title in m.PLAN_SUBHEADINGS.items():
        doc.add_paragraph(f"{m.MARK_SUBHEADING} {title}")
        _loop(doc, "{%p for line in bullets['" + key + "'] %}", "{{ line }}")
    doc.add_paragraph(f"{m.MARK_SUBHEADING} {m.SUB_ANNUAL_PLAN}")
    plan = doc.add_table(rows=6, cols=years + 2)
    plan.style = "Table Grid"
    plan.cell(0, 0).merge(plan.cell(2, 0)).text = m.L_PLAN_ITEM
    plan.cell(0, 1).merge(plan.cell(0, years)).text = m.L_IN_TERM
    plan.cell(0, years + 1).merge(plan.cell(1, years + 1)).text = m.L_AFTER_TERM
    _fill(plan, [[], [""] + [var("years", i) for i in range(years)],
                 [""] + [var("targets", i) for i in range(years + 1)],
                 ["{%tr for row in plan_rows %}"], [var("row", i) for i in range(years + 2)],
                 ["{%tr endfor %}"]])
    doc.add_paragraph(m.H_ACHIEVEMENTS)
    for tag in ["{%p for s in sections %}", "□ {{ s.title }}", "{%p for g in s.groups %}",
                "{%p if g.title %}", "<{{ g.title }}>", "{%p endif %}", "{%p for item in g.entries %}",
                "{{ item.line }}", "{%p for d in item.details %}", "{{ d }}", "{%p endfor %}",
                "{%p endfor %}", "{%p endfor %}", "{%p endfor %}"]:
        doc.add_paragraph(tag)
    doc.add_paragraph(m.H_FUTURE)
    _loop(doc, "{%p for line in future %}", "{{ line }}")
    doc.add_paragraph(m.H_COMMUNICATION)
    talk = doc.add_table(rows=2, cols=5)
    talk.style = "Table Grid"
    _fill(talk, [list(m.COMMUNICATION_LABELS), [var("counts", i) for i in range(5)]])
    doc.add_paragraph(m.H_EFFECTS)
    _loop(doc, "{%p for line in effects %}", "{{ line }}")
    doc.save(path)


def _line(line: m.BulletLine) -> str:
    return f"{line.marker} {line.text}" if line.marker else line.text


def docxtpl_context(card: m.Card) -> dict[str, Any]:
    """The card as the docxtpl template's variables (the same text the DOCX writer prints)."""
    h = card.header
    plan = card.annual_plan
    sections = [{"title": s.title, "groups": [
        {"title": g.title, "entries": [
            {"line": f"{item.marker or m.MARK_L1} {item.date} : {item.text}" if item.date else _line(
                m.BulletLine(item.marker, item.text)), "details": [_line(d) for d in item.details]}
            for item in g.items]}
        for g in s.groups]} for s in card.achievements]
    return {
        "card": card,
        "h": [h.category, h.executor, h.period, m.status_text(h), h.budget, h.completion,
              m.contact_text(h.department), ""],
        "coop": [m.contact_text(c) for c in h.cooperation],
        "bullets": {key: [_line(b) for b in card.bullets[key]] for key in m.PLAN_SUBHEADINGS},
        "years": [f"{y}년" for y in plan.years],
        "targets": [m.percent_text(t) for t in plan.targets] + [m.percent_text(plan.after_term_target)],
        "plan_rows": [[r.title, *r.cells, r.after_term] for r in plan.rows],
        "sections": sections,
        "future": [_line(b) for b in card.bullets[m.FUTURE_PLAN]],
        "effects": [_line(b) for b in card.bullets[m.EFFECTS]],
        "counts": [m.count_text(c) for c in card.communication],
    }


def docxtpl_writer(folder: Path, years: int) -> Writer | None:
    """render(card) with docxtpl: one DocxTemplate reused (it reloads the template each render)."""
    try:
        from docxtpl import DocxTemplate
    except ImportError:
        print("  skip docxtpl: not installed (pip install docxtpl, the bench extra)", file=sys.stderr)
        return None
    template_file = folder / "card_docxtpl.docx"
    make_docxtpl_template(template_file, years)
    template = DocxTemplate(template_file)

    def render(card: m.Card) -> bytes:
        template.render(docxtpl_context(card), autoescape=True)
        buffer = io.BytesIO()
        template.save(buffer)
        return buffer.getvalue()

    return render


def peer_hwpx_writer(card: m.Card) -> Writer | None:
    """bench/peer_hwpx.py's build, when it imports and draws ``card`` as the HWPX writer does."""
    spec = importlib.util.spec_from_file_location("peer_hwpx", PEER_HWPX)
    try:
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        same = module.same_layout(card)
    except Exception as exc:  # noqa: BLE001 — the peer is optional
        print(f"  skip peer hwpx: {type(exc).__name__}: {exc}", file=sys.stderr)
        return None
    if not same:
        print("  skip peer hwpx: it does not draw the card as the HWPX writer does", file=sys.stderr)
        return None
    return module.build_card_generic


# ── old against new: byte-identical .hwpx and .hwp ───────────────────────
#: the writer modules an old revision's HWPX and HWP writers may be made of, in import order
OLD_WRITER_MODULES = ("hwpx", "hwp_records", "hwp")


def old_writers(rev: str, folder: Path) -> tuple[Any, Any]:
    """The HWPX and HWP writers as they were at ``rev`` (``git show``), loaded as modules of their own,
    with the revision's ``hwp_records`` when it has one (each module's imports of the others point
    at the old copies)."""
    import subprocess

    def source(name: str) -> str | None:
        shown = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:reportgen/writers/{name}.py"],
                               capture_output=True, text=True)
        return shown.stdout if shown.returncode == 0 else None

    modules: dict[str, Any] = {}
    for name in OLD_WRITER_MODULES:
        text = source(name)
        if text is None:
            continue  # a revision from before hwp_records.py
        for other in modules:
            text = text.replace(f"from reportgen.writers.{other} import", f"from old_{other}_{rev} import")
        path = folder / f"old_{name}_{rev}.py"
        path.write_text(text, encoding="utf-8")
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules[path.stem] = module
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        modules[name] = module
    return modules["hwpx"], modules["hwp"]


def identity_documents(corpus: int, workbook: Path | None) -> list[tuple[str, Any]]:
    """(name, document) to compare: the fixture cards, ``corpus`` corpus cards (or a workbook's cards), and
    the hand-made every-block document of the tests, whole and with one section and no picture."""
    from reportgen import document as d
    from reportgen.documents import card_document

    sys.path.insert(0, str(ROOT / "bench"))
    sys.path.insert(0, str(ROOT / "tests"))
    from make_corpus import make_corpus
    from test_hwpx_document import every_block

    cards = [read_text(path) for path in sorted((ROOT / "tests" / "fixtures").glob("*.txt"))]
    if workbook is not None:
        from reportgen.readers.workbook import read_workbook

        cards += read_workbook(workbook).cards[:corpus]
    else:
        cards += make_corpus(corpus).cards
    docs = [(f"card {card.id}", card_document(card)) for card in cards]
    docs += office_documents(make_corpus(min(corpus, 40)))
    whole = every_block()
    flat = d.Document(whole.title, tuple(b for b in whole.blocks if not isinstance(b, d.Image | d.Section)))
    return [*docs, ("every block", whole), ("every block, one section", flat)]


def office_documents(book: Any) -> list[tuple[str, Any]]:
    """The 총괄표 and the export list of a workbook (landscape sections, wide tables, charts), as documents."""
    from reportgen.export import export_document, export_rows
    from reportgen.summary import summarize, summary_document

    return [("summary", summary_document(summarize(book))), ("export", export_document(export_rows(book, None)))]


def same_as(rev: str, corpus: int, workbook: Path | None) -> int:
    """Compare the .hwpx and .hwp of every identity document, old (``rev``) against new; the count of differences."""
    from reportgen.writers import hwp, hwpx

    with tempfile.TemporaryDirectory() as folder:
        old_hwpx, old_hwp = old_writers(rev, Path(folder))
    differ = 0
    docs = identity_documents(corpus, workbook)
    for name, doc in docs:
        for kind, old, new in (("hwpx", old_hwpx, hwpx), ("hwp", old_hwp, hwp)):
            if old.render_document(doc) != new.render_document(doc):
                differ += 1
                print(f"  DIFFERENT {kind}: {name}")
        with hwpx.shared_parts():  # a build's way: both formats from one drawing
            both = (hwpx.render_document(doc), hwp.render_document(doc))
        if both != (old_hwpx.render_document(doc), old_hwp.render_document(doc)):
            differ += 1
            print(f"  DIFFERENT shared: {name}")
    print(f"{len(docs)} documents × (hwpx, hwp, both shared) against {rev}: {differ} different")
    return differ


def _both(hwpx_module: Any, hwp_module: Any) -> Callable[[Any], tuple[bytes, bytes]]:
    """A build's way to both formats: .hwpx and .hwp of one document drawn once."""

    def render(doc: Any) -> tuple[bytes, bytes]:
        with hwpx_module.shared_parts():
            return hwpx_module.render_document(doc), hwp_module.render_document(doc)

    return render


def against(rev: str, n: int, rounds: int, cpu: bool = False) -> None:
    """HWPX, HWP and both, old (``rev``) and new, and hwpforge's encode of the same card: interleaved
    rounds (A B A B …) in this process, ms/card medians (min–max) and ratios of medians."""
    from reportgen.documents import card_document
    from reportgen.writers import hwp, hwpx

    sys.path.insert(0, str(ROOT / "bench"))
    import peer_hwpforge as forge

    with tempfile.TemporaryDirectory() as folder:
        old_hwpx, old_hwp = old_writers(rev, Path(folder))
    docs = [card_document(card) for card in sample_cards(n)]
    runs: dict[str, tuple[Callable[[Any], Any], list[Any]]] = {
        "hwpx old": (old_hwpx.render_document, docs), "hwpx new": (hwpx.render_document, docs),
        "hwp old": (old_hwp.render_document, docs), "hwp new": (hwp.render_document, docs),
        "hwpx+hwp old": (_both(old_hwpx, old_hwp), docs), "hwpx+hwp new": (_both(hwpx, hwp), docs),
    }
    texts = [forge.forge_json(doc) for doc in docs]
    if forge.same_content(docs[0], texts[0]):
        runs["hwpforge from_json"] = (forge.encode, texts)
    else:
        print("  skip hwpforge: its JSON does not hold the card as our HWPX does", file=sys.stderr)
    times = forge.interleaved(runs, rounds, time.process_time if cpu else time.perf_counter)
    print(f"{n} cards × {rounds} interleaved rounds, {'CPU' if cpu else 'wall'} ms/card median (min–max)")
    for name, values in times.items():
        print(f"  {name:<20} {forge.spread(values)}")
    median = {name: statistics.median(values) for name, values in times.items()}
    for kind in ("hwpx", "hwp", "hwpx+hwp"):
        print(f"  {kind}: new is {median[kind + ' old'] / median[kind + ' new']:.2f}× the old speed")
    if "hwpforge from_json" in median:
        for side in ("old", "new"):
            ratios = [f / o for o, f in zip(times[f"hwpx {side}"], times["hwpforge from_json"], strict=True)]
            print(f"  hwpforge / hwpx {side}: {median['hwpforge from_json'] / median[f'hwpx {side}']:.2f}× "
                  f"(per round {min(ratios):.2f}–{max(ratios):.2f}×)")


HWPX_GIVEN, HWPFORGE = "hwpx (document given)", "hwpforge from_json (peer)"


def forge_texts(docs: list[Any]) -> list[str] | None:
    """hwpforge's JSON of each document (bench/peer_hwpforge.py: its JSON of our card, checked to hold
    the same paragraphs and tables), or None (said why) when hwpforge is missing or does not hold it."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import peer_hwpforge as forge

        texts = [forge.forge_json(doc) for doc in docs]
        same = forge.same_content(docs[0], texts[0])
    except ImportError as exc:
        print(f"  skip hwpforge: {exc} (pip install hwpforge, the bench extra)", file=sys.stderr)
        return None
    if not same:
        print("  skip hwpforge: its JSON does not hold the card as our HWPX does", file=sys.stderr)
        return None
    return texts


#: a peer line of the output: ``PEER ours | peer | ours ms | peer ms | ratio`` (bench_table.py reads it)
PEER_LINE = "PEER {ours} | {peer} | {ours_ms} | {peer_ms} | {ratio}"


def peer_rounds(cards: list[m.Card], rounds: int, folder: Path) -> dict[tuple[str, str], tuple[list[float], list[float]]]:
    """Ours against each peer on the same cards, in interleaved rounds (A B A B …) of this process's CPU
    time, ms per card: the DOCX card path against docxtpl, the HWPX writer with the document given
    against hwpforge's encode of it."""
    sys.path.insert(0, str(ROOT / "bench"))
    import peer_hwpforge as forge

    from reportgen.documents import card_document
    from reportgen.writers import hwpx

    runs: dict[str, tuple[Callable[[Any], Any], list[Any]]] = {}
    pairs = []
    docxtpl = docxtpl_writer(folder, len(cards[0].annual_plan.years))
    if docxtpl is not None:
        runs |= {"docx": (WRITERS["docx"].render, cards), "docxtpl (peer)": (docxtpl, cards)}
        pairs.append(("docx", "docxtpl (peer)"))
    docs = [card_document(card) for card in cards]
    texts = forge_texts(docs)
    if texts is not None:
        runs |= {HWPX_GIVEN: (hwpx.render_document, docs), HWPFORGE: (forge.encode, texts)}
        pairs.append((HWPX_GIVEN, HWPFORGE))
    times = forge.interleaved(runs, rounds, time.process_time) if runs else {}
    return {(ours, peer): (times[ours], times[peer]) for ours, peer in pairs}


def print_peer_rounds(measured: dict[tuple[str, str], tuple[list[float], list[float]]], rounds: int) -> None:
    """Each pair's medians (min–max) and the ratio of medians (per round min–max), one PEER line each."""
    import peer_hwpforge as forge

    print(f"peers, {rounds} interleaved rounds, CPU ms/card median (min–max), ratio of medians (per round):")
    for (ours, peer), (mine, theirs) in measured.items():
        ratios = [t / o for o, t in zip(mine, theirs, strict=True)]
        ratio = f"{statistics.median(theirs) / statistics.median(mine):.1f}× ({min(ratios):.1f}–{max(ratios):.1f})"
        print(PEER_LINE.format(ours=ours, peer=peer, ours_ms=forge.spread(mine), peer_ms=forge.spread(theirs),
                               ratio=ratio))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="cards per writer (default 200)")
    parser.add_argument("--peer-n", type=int, default=None, help="cards for the peer baselines (default --n)")
    parser.add_argument("--peer-rounds", type=int, default=7,
                        help="interleaved CPU rounds against docxtpl and hwpforge (default 7)")
    parser.add_argument("--same-as", metavar="REV", help="only check .hwpx/.hwp bytes against the writers at REV")
    parser.add_argument("--corpus", type=int, default=150, help="corpus cards for --same-as (default 150)")
    parser.add_argument("--workbook", type=Path, help="take --same-as's cards from this workbook instead")
    parser.add_argument("--against", metavar="REV", help="only time HWPX/HWP old (REV) and new, and hwpforge")
    parser.add_argument("--rounds", type=int, default=9, help="interleaved rounds for --against (default 9)")
    parser.add_argument("--cpu", action="store_true", help="--against in CPU time of this process (busy machine)")
    args = parser.parse_args()
    if args.against:
        against(args.against, max(args.n, 1), max(args.rounds, 1), args.cpu)
        return
    if args.same_as:
        sys.exit(1 if same_as(args.same_as, args.corpus, args.workbook) else 0)
    cards = sample_cards(max(args.n, 1))
    peer_cards = cards[: max(args.peer_n or args.n, 1)]
    results: dict[str, tuple[float, int, float, int]] = {}

    def run(name: str, write: Writer | None, batch: list[m.Card]) -> None:
        if write is None:
            return
        ms, size = time_writer(write, batch)
        results[name] = (ms, size, peak_rss_mb(), len(batch))

    for name in WRITERS:
        if name not in ON_REQUEST:
            run(name, load(name), cards)
    with tempfile.TemporaryDirectory() as folder:
        run("docxtpl (peer)", docxtpl_writer(Path(folder), len(cards[0].annual_plan.years)), peer_cards)
        run("python-hwpx generic (peer)", peer_hwpx_writer(cards[0]), peer_cards)
        measured = peer_rounds(peer_cards, max(args.peer_rounds, 1), Path(folder))

    print(f"{'writer':<28} {'cards':>6} {'ms/card':>9} {'cards/s':>9} {'KB/card':>8} {'peak RSS MB':>12}")
    for name, (ms, size, rss, count) in results.items():
        print(f"{name:<28} {count:>6} {ms:>9.2f} {1000 / ms:>9.0f} {size / 1024:>8.1f} {rss:>12.0f}")
    for ours, peer in (("docx", "docxtpl (peer)"), ("hwpx", "python-hwpx generic (peer)")):
        if ours in results and peer in results:
            ratio = results[peer][0] / results[ours][0]
            print(f"{ours}: {results[ours][0]:.2f} ms/card vs {peer} {results[peer][0]:.2f} ms/card → {ratio:.1f}× faster")
    print("(one pass each, wall time; peak RSS is the process peak so far, after each writer)\n")
    print_peer_rounds(measured, max(args.peer_rounds, 1))


if __name__ == "__main__":
    main()
