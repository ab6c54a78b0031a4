"""`make bench`: ONE table (what | now | goal | from) of issue 13's figures, from the other benches.

Usage: .venv/bin/python bench/bench_table.py [--full] [--writer-n 40] [--jobs 2]

Runs, with small sizes so that the whole takes a few minutes on 2 cores:

- ``bench_writers.py --n N``: ms/card of every writer and of its peers (docxtpl,
  python-hwpx generic) in one pass, and against docxtpl and hwpforge in
  interleaved rounds of CPU time (its ``PEER`` lines: medians, ratio of medians);
- ``bench_before_after.py`` with a small corpus and few rounds: the new HWP writer
  alone ("hwp, document given", median and min–max of CPU time per card);
- ``bench_scale.py`` (in this process: its steps are separate ``reportgen``
  processes under a meter): check, build ``--format all -j 2``, import and
  ``package --no-pdf`` at 100 and 1,000 cards (``--full``: also 5,000), then at
  1,000 cards the import of 1,000 .hwp card files (``-j 2``) and the package with
  its PDF (``--no-pdf-step`` leaves that one out: LibreOffice, a minute or more);
- ``bench_writes.py --rounds 3``: 5,000 atomic writes, per file against grouped.

Every row says which bench and which size it comes from; a goal row no bench
measures yet says so. The writers' and the scale figures are single runs, not
medians: they move with the machine's load (printed above the table).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_scale  # noqa: E402

BENCH = Path(__file__).resolve().parent
#: interleaved rounds of bench_writes.py (the disk is shared: a few rounds, the per-round ratio)
WRITES_ROUNDS = 5
MIB = 1024
#: bench_writers.py's row of the HWPX writer on a document built beforehand (hwpforge's peer)
HWPX_GIVEN = "hwpx (document given)"
#: a bench_writers.py row: name, cards, ms/card, cards/s, KB/card, peak RSS
_WRITER_ROW = re.compile(r"^(?P<name>\S.*?)\s+(?P<cards>\d+)\s+(?P<ms>[\d.]+)\s+\d+\s+[\d.]+\s+\d+\s*$")


@dataclass
class Row:
    """One line of the table."""

    what: str
    now: str
    goal: str
    source: str


def run_bench(script: str, *args: str) -> str:
    """stdout of ``bench/<script> args`` (empty when it fails: the rows then say not measured)."""
    done = subprocess.run([sys.executable, str(BENCH / script), *args], capture_output=True, text=True,
                          check=False)
    if done.returncode:
        print(f"  {script} failed: {done.stderr.strip()[-500:]}", file=sys.stderr)
        return ""
    return done.stdout


def writer_ms(output: str) -> dict[str, float]:
    """name → ms/card of bench_writers.py's table."""
    found = {}
    for line in output.splitlines():
        match = _WRITER_ROW.match(line)
        if match:
            found[match["name"].strip()] = float(match["ms"])
    return found


def peer_ms(ms: dict[str, float], word: str) -> tuple[str, float] | None:
    """The first peer whose name holds ``word`` (e.g. ``hwpforge``), with its ms/card."""
    for name, value in ms.items():
        if word in name.lower() and "peer" in name.lower():
            return name, value
    return None


def before_after_cell(output: str, path: str, cards: str) -> str | None:
    """The new writer's 'median (min–max)' of one path of bench_before_after.py's table."""
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and cells[0] == path and cells[1].startswith(cards):
            return cells[3]
    return None


def peer_lines(output: str) -> dict[str, tuple[str, str, str]]:
    """peer name → (ours ms, peer ms, ratio) of bench_writers.py's ``PEER`` lines (interleaved CPU rounds)."""
    found = {}
    for line in output.splitlines():
        if line.startswith("PEER "):
            cells = [cell.strip() for cell in line[len("PEER "):].split("|")]
            if len(cells) == 5:
                found[cells[1]] = (cells[2], cells[3], cells[4])
    return found


def writer_rows(ms: dict[str, float], n: int, peers: dict[str, tuple[str, str, str]] | None = None) -> list[Row]:
    """The DOCX, HWPX and HWP rows from bench_writers.py: against docxtpl and hwpforge from its
    interleaved rounds (``peers``) when it printed them, else from its one pass."""
    source = f"bench_writers.py --n {n} (one pass, ms/card)"
    rounds_source = f"bench_writers.py --n {n} (interleaved CPU rounds, median (min–max); ratio of medians (per round))"
    peers = peers or {}
    rows = []
    for word, label, goal, ours_name in (("docxtpl", "DOCX writer vs docxtpl", "keep ≥ 50× with docxtpl on our own template",
                                          "docx"),
                                         ("hwpforge", "HWPX writer vs hwpforge", "**≥ 4×**", HWPX_GIVEN)):
        peer = peer_ms(ms, word)
        in_rounds = next((value for name, value in peers.items() if word in name.lower()), None)
        # hwpforge encodes a document it was given: against our writer with the document given too
        ours = ms.get(ours_name, ms.get("hwpx")) if word == "hwpforge" else ms.get(ours_name)
        if in_rounds:
            rows.append(Row(label, f"{in_rounds[0]} vs {in_rounds[1]} ms, **{in_rounds[2]}**", goal, rounds_source))
        elif ours and peer:
            rows.append(Row(label, f"{ours:.2f} vs {peer[1]:.2f} ms, **{peer[1] / ours:.1f}×**", goal, source))
        else:
            rows.append(Row(label, f"not measured: no {word} peer in bench_writers.py's output", goal, source))
    peer = peer_ms(ms, "python-hwpx")
    if "hwpx" in ms and peer:
        rows.append(Row("HWPX writer vs python-hwpx generic", f"{ms['hwpx']:.2f} vs {peer[1]:.2f} ms, "
                        f"**{peer[1] / ms['hwpx']:.1f}×**", "—", source))
    if "hwp" in ms:
        rows.append(Row("HWP writer (card path)", f"{ms['hwp']:.2f} ms", "≤ 3 ms", source))
    return rows


def scale_rows(measures: Sequence[bench_scale.Measure], sizes: Sequence[int], jobs: int) -> list[Row]:
    """check, build, import and package rows from bench_scale.py, at the largest size run."""
    by = {(m.step, m.cards): m for m in measures}
    top = max(sizes)
    source = f"bench_scale.py --sizes {' '.join(map(str, sizes))} (one run; RSS: largest process)"

    def peak(step: str, n: int) -> str:
        m = by.get((step, n))
        return f"{m.peak_kb / MIB:.0f} MiB" if m else "—"

    rows = []
    build_1000 = by.get(("build", 1000))
    if build_1000:
        rows.append(Row(f"build 1,000 cards × all formats, `-j {jobs}`", f"{build_1000.wall_s:.1f} s",
                        "≤ 8 s", source))
    rows.append(Row(f"`check`, {top:,} cards, peak RSS", peak("check", top), "≤ 150 MiB (at 5,000)", source))
    build = by.get(("build", top))
    if build:
        rows.append(Row(f"`build`, {top:,} cards, largest process",
                        f"{build.peak_kb / MIB:.0f} MiB ({build.kb_per_card:.0f} KB per card)",
                        "≤ 200 MiB, flat in N", source))
    imports = " / ".join(peak("import", n) for n in sizes)
    rows.append(Row(f"`import` one card into a workbook, {' / '.join(f'{n:,}' for n in sizes)} cards", imports,
                    "≤ 250 MiB at 5,000", source))
    package = by.get(("package", 1000))
    if package:
        rows.append(Row("package without PDF, 1,000 cards", f"{package.wall_s:.1f} s "
                        f"({package.peak_kb / MIB:.0f} MiB)", "≤ 8 s", source))
    top_package = by.get(("package", top))
    if top_package and top != 1000:
        rows.append(Row(f"package without PDF, {top:,} cards, largest process",
                        f"{top_package.peak_kb / MIB:.0f} MiB", "flat in N", source))
    return rows


def extra_rows(measures: Sequence[bench_scale.Measure], jobs: int) -> list[Row]:
    """The import of 1,000 .hwp files (and of 5,000 with ``--full``: every card at once into a new
    workbook) and the 1,000-card package with PDF, when measured."""
    by = {(m.step, m.cards): m for m in measures}
    sizes = sorted({m.cards for m in measures if m.step == "import-hwp"}) or [1000]
    source = f"bench_scale.py --sizes {' '.join(map(str, sizes))} --steps import-hwp package-pdf (one run)"
    rows = []
    hwp = by.get(("import-hwp", 1000))
    rows.append(Row("import 1,000 .hwp cards", f"{hwp.wall_s:.1f} s (`-j {jobs}`, {hwp.peak_kb / MIB:.0f} MiB)"
                    if hwp and hwp.ok else "—", "≤ 20 s on 2 cores", source))
    if len(sizes) > 1:
        peaks = " / ".join(f"{by[('import-hwp', n)].peak_kb / MIB:.0f} MiB" if by[("import-hwp", n)].ok else "failed"
                           for n in sizes)
        rows.append(Row(f"`import` every card at once into a new workbook (.hwp, `-j {jobs}`), "
                        f"{' / '.join(f'{n:,}' for n in sizes)} cards, largest process", peaks,
                        "≤ 250 MiB at 5,000", source))
    pdf = by.get(("package-pdf", 1000))
    rows.append(Row("package with PDF, 1,000 cards", f"{pdf.wall_s:.1f} s" if pdf and pdf.ok else
                    "not measured (--no-pdf-step)" if pdf is None else "failed", "≤ 50 s", source))
    return rows


def writes_row(output: str) -> Row:
    """bench_writes.py's grouped writes (calls of 64 files, as a build's flushes make them, and of
    512) against one fsync per file: median seconds and the per-round ratio, median (min–max)."""
    found = {}
    for line in output.splitlines():
        cells = line.split(maxsplit=4)
        if len(cells) == 5 and cells[0] in ("plain", "atomic", "batch-64", "batch-512"):
            found[cells[0]] = (float(cells[1]), cells[4].strip())
    source = f"bench_writes.py --rounds {WRITES_ROUNDS} (median s; per-round ratio to one fsync per file, median (min–max))"
    goal = "keep crash-safety, halve the cost"
    if "atomic" not in found or "batch-64" not in found:
        return Row("atomic writes, 5,000 files", "not measured", goal, source)
    ways = [f"{found[way][0]:.2f} s in calls of {way[6:]} ({found[way][1]})" for way in ("batch-64", "batch-512")
            if way in found]
    return Row("atomic writes, 5,000 files", f"{'; '.join(ways)} vs {found['atomic'][0]:.2f} s one fsync per file "
               f"(plain {found.get('plain', (0.0, ''))[0]:.2f} s)", goal, source)


def once_row() -> Row:
    """The HWPX parts drawn once for HWPX and HWP: a test counts it, no timing needed."""
    return Row("HWPX section XML built twice when HWPX and HWP are both asked", "once", "once",
               "tests/test_batch.py::test_hwpx_and_hwp_of_a_card_draw_its_hwpx_parts_once")


def markdown(rows: Sequence[Row]) -> str:
    """The one table."""
    lines = ["| what | now | goal | from |", "|---|---|---|---|"]
    lines += [f"| {r.what} | {r.now} | {r.goal} | {r.source} |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="scale also at 5,000 cards (several minutes more)")
    parser.add_argument("--writer-n", type=int, default=40, help="cards for bench_writers.py (default 40)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-pdf-step", action="store_true", help="leave out the package with PDF")
    args = parser.parse_args()
    sizes = [100, 1000, 5000] if args.full else [100, 1000]
    start = bench_scale.header()
    print("bench_writers.py …", file=sys.stderr)
    writers_out = run_bench("bench_writers.py", "--n", str(args.writer_n))
    ms, peers = writer_ms(writers_out), peer_lines(writers_out)
    print("bench_before_after.py …", file=sys.stderr)
    ba = run_bench("bench_before_after.py", "--cards", "20", "--rounds", "5", "--fixture-passes", "3")
    print("bench_scale.py …", file=sys.stderr)
    extra = ["import-hwp"] + ([] if args.no_pdf_step else ["package-pdf"])
    with tempfile.TemporaryDirectory() as tmp:
        measures = bench_scale.run(sizes, bench_scale.STEPS, args.jobs, Path(tmp))
        extras = bench_scale.run([1000], extra, args.jobs, Path(tmp))
        if args.full:  # every card of the 5,000 at once (the import row)
            extras += bench_scale.run([5000], ["import-hwp"], args.jobs, Path(tmp))
    print("bench_writes.py …", file=sys.stderr)
    writes = run_bench("bench_writes.py", "--rounds", str(WRITES_ROUNDS), "--ways", "plain,batch-64,batch-512")
    rows = writer_rows(ms, args.writer_n, peers)
    hwp = before_after_cell(ba, "hwp, document given", "corpus")
    if hwp:
        rows.append(Row("HWP writer alone (document given)", f"{hwp} ms", "≤ 3 ms",
                        "bench_before_after.py --cards 20 --rounds 5 (CPU, median (min–max))"))
    rows += scale_rows(measures, sizes, args.jobs) + extra_rows(extras, args.jobs)
    rows += [once_row(), writes_row(writes)]
    print(f"Start: {start}\nEnd: {bench_scale.header()}\n")
    print(markdown(rows))
    print("\nMemory in N (bench_scale.py, peak RSS of the largest process):")
    print("\n".join(bench_scale.flatness(measures)))


if __name__ == "__main__":
    main()
