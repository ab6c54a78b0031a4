"""Scale bench: check, build, import and package at 100 / 1,000 / 5,000 cards.

Usage: .venv/bin/python bench/bench_scale.py [--quick] [--sizes 100 1000 5000] [--jobs 2]
       [--workdir FOLDER] [--steps check build import package]

The corpora (``bench/make_corpus.py``) are written once into a temporary folder
(or ``--workdir``, where an existing ``corpus-N.xlsx`` is reused). Each step is
one separate ``reportgen`` process:

- ``check``: ``reportgen check corpus-N.xlsx``;
- ``build``: ``reportgen build corpus-N.xlsx --format all -j JOBS`` (no PDF);
- ``import``: ``reportgen import card.txt -o copy-of-corpus-N.xlsx``: one card
  file (``formats.WRITERS["txt"].render`` of the corpus's first card, so it
  replaces that card) into a fresh copy of the N-card workbook;
- ``package``: ``reportgen package corpus-N.xlsx --no-pdf`` (its default ``-j``);
- only when asked with ``--steps``: ``import-hwp``, ``reportgen import *.hwp -o new.xlsx -j JOBS``
  of the N cards written once as .hwp files by ``reportgen build --format hwp`` (a new workbook;
  ``-j`` only when ``import`` has it), and ``package-pdf``, ``reportgen package corpus-N.xlsx``
  with its PDF (LibreOffice).

What is measured: each step runs under a small fresh Python process (the
"meter"), so that nothing of this big process is counted. The meter starts the
step, polls ``/proc`` every 20 ms for the step's whole process tree, and after
the step ends reads ``getrusage(RUSAGE_CHILDREN).ru_maxrss``:

- ``wall s``: ``time.perf_counter`` around the step;
- ``peak RSS MiB``: ru_maxrss of the children — the largest peak RSS of any
  ONE process of the step (the main process or one worker; exact, from the
  kernel, but only for processes that were waited for, which all of ours are);
- ``tree MiB``: the largest sum of PSS (``/proc/PID/smaps_rollup``: pages
  shared after fork are split between the processes, so the sum is the memory
  the step really holds) over the step's live processes seen by the polls
  (main + workers at the same moment; a sample, it can miss a short spike);
- ``KB/card``: peak RSS per card (at 100 cards mostly the interpreter's
  ~65 MiB). After the table, per step: the peak at the largest size against
  the one before, and the marginal KB per added card between them; "flat"
  when the peak grows < 1.25×, "sublinear" when it grows less than ¾ of the
  card ratio, else "linear in N".
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_corpus import make_corpus  # noqa: E402

from reportgen.fileio import write_bytes_atomic  # noqa: E402
from reportgen.formats import WRITERS  # noqa: E402
from reportgen.writers.workbook import write_workbook  # noqa: E402

REPORTGEN = Path(sys.executable).with_name("reportgen")
STEPS = ("check", "build", "import", "package")
#: steps run only when asked (``--steps``): minutes each at 1,000 cards
EXTRA_STEPS = ("import-hwp", "package-pdf")

#: the meter: runs argv[1:], polls the tree's RSS, prints "wall ru_maxrss_kb tree_kb returncode"
_METER = r"""
import os, resource, subprocess, sys, tempfile, time

def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []

def pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0

def tree_kb(root):
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += pss_kb(pid)
        todo.extend(children(pid))
    return total

start = time.perf_counter()
log = tempfile.TemporaryFile()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=log)
tree = 0
while proc.poll() is None:
    tree = max(tree, tree_kb(proc.pid))
    time.sleep(0.02)
wall = time.perf_counter() - start
log.seek(0)
err = log.read().decode("utf-8", "replace").strip().splitlines()
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(wall, peak, tree, proc.returncode)
if proc.returncode:
    print("\n".join(err[-5:]), file=sys.stderr)
"""


@dataclass
class Measure:
    """One step at one size."""

    step: str
    cards: int
    wall_s: float
    peak_kb: int
    tree_kb: int
    ok: bool

    @property
    def cards_per_s(self) -> float:
        return self.cards / self.wall_s if self.wall_s else 0.0

    @property
    def kb_per_card(self) -> float:
        return self.peak_kb / self.cards


def meter(command: Sequence[str]) -> tuple[float, int, int, bool]:
    """Run ``command`` under the meter: wall s, largest process peak KB, tree peak KB, success."""
    done = subprocess.run([sys.executable, "-c", _METER, *command], capture_output=True, text=True,
                          env={**os.environ, "LC_ALL": "C.UTF-8"}, check=True)
    wall, peak, tree, code = done.stdout.split()
    if code != "0":
        print(f"  {command[1]} failed ({code}): {done.stderr.strip()}", file=sys.stderr)
    return float(wall), int(peak), int(tree), code == "0"


def corpus(n: int, folder: Path) -> Path:
    """``folder/corpus-N.xlsx``, written once (kept when it exists)."""
    path = folder / f"corpus-{n}.xlsx"
    if not path.exists():
        write_bytes_atomic(path, write_workbook(make_corpus(n)))
    return path


def import_card(folder: Path) -> Path:
    """The first corpus card as a .txt card file (it replaces that card on import)."""
    path = folder / "card.txt"
    if not path.exists():
        card = make_corpus(1).cards[0]
        write_bytes_atomic(path, WRITERS["txt"].render(card))
    return path


def hwp_cards(workbook: Path, folder: Path) -> list[Path]:
    """The workbook's cards as .hwp files in ``folder/hwp-N``, built once (kept when there)."""
    out = folder / f"hwp-{workbook.stem.rsplit('-', 1)[-1]}"
    if not out.exists():
        subprocess.run([str(REPORTGEN), "build", str(workbook), "--format", "hwp", "-o", str(out)],
                       capture_output=True, check=True)
    return sorted(out.glob("*.hwp"))


def import_has_jobs() -> bool:
    """Whether ``reportgen import`` takes ``-j`` (it did not before issue 13)."""
    done = subprocess.run([str(REPORTGEN), "import", "--help"], capture_output=True, text=True, check=False,
                          env={**os.environ, "COLUMNS": "200"})
    return "--jobs" in done.stdout


def step_command(step: str, workbook: Path, folder: Path, jobs: int) -> list[str]:
    """The reportgen command line of one step (``import`` writes into a fresh copy of the workbook)."""
    exe = str(REPORTGEN)
    if step == "check":
        return [exe, "check", str(workbook)]
    if step == "build":
        out = folder / "out"
        shutil.rmtree(out, ignore_errors=True)
        return [exe, "build", str(workbook), "-o", str(out), "--format", "all", "-j", str(jobs)]
    if step == "import":
        target = folder / "import-target.xlsx"
        shutil.copyfile(workbook, target)
        return [exe, "import", str(import_card(folder)), "-o", str(target)]
    if step == "package":
        return [exe, "package", str(workbook), "-o", str(folder / "package.zip"), "--no-pdf"]
    if step == "import-hwp":
        target = folder / "import-hwp.xlsx"
        target.unlink(missing_ok=True)
        jobs_option = ["-j", str(jobs)] if import_has_jobs() else []
        return [exe, "import", *map(str, hwp_cards(workbook, folder)), "-o", str(target), *jobs_option]
    if step == "package-pdf":
        return [exe, "package", str(workbook), "-o", str(folder / "package-pdf.zip")]
    raise ValueError(step)


def run(sizes: Sequence[int], steps: Sequence[str], jobs: int, folder: Path) -> list[Measure]:
    """Every step at every size, one process each, printing progress to stderr."""
    rows: list[Measure] = []
    for n in sizes:
        workbook = corpus(n, folder)
        for step in steps:
            wall, peak, tree, ok = meter(step_command(step, workbook, folder, jobs))
            rows.append(Measure(step, n, wall, peak, tree, ok))
            print(f"  {step} {n}: {wall:.1f} s, {peak / 1024:.0f} MiB", file=sys.stderr)
    return rows


def table(rows: Sequence[Measure]) -> str:
    """The Markdown table of the measures."""
    lines = ["| step | cards | wall s | cards/s | peak RSS MiB (largest process) | tree MiB (sum, polled) "
             "| KB/card |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        flag = "" if r.ok else " (failed)"
        lines.append(f"| {r.step}{flag} | {r.cards:,} | {r.wall_s:.2f} | {r.cards_per_s:.0f} | "
                     f"{r.peak_kb / 1024:.0f} | {r.tree_kb / 1024:.0f} | {r.kb_per_card:.1f} |")
    return "\n".join(lines)


def flatness(rows: Sequence[Measure]) -> list[str]:
    """Per step: peak RSS at the largest size against the one before (flat when ≈ 1×, not N×)."""
    notes = []
    for step in dict.fromkeys(r.step for r in rows):
        mine = sorted((r for r in rows if r.step == step), key=lambda r: r.cards)
        if len(mine) < 2:
            continue
        a, b = mine[-2], mine[-1]
        growth = b.peak_kb / a.peak_kb
        cards = b.cards / a.cards
        verdict = "flat" if growth < 1.25 else "sublinear" if growth < 0.75 * cards else "linear in N"
        marginal = (b.peak_kb - a.peak_kb) / (b.cards - a.cards)
        notes.append(f"- {step}: peak {a.peak_kb / 1024:.0f} → {b.peak_kb / 1024:.0f} MiB for "
                     f"{a.cards:,} → {b.cards:,} cards ({growth:.2f}× for {cards:.0f}× the cards; "
                     f"{marginal:.0f} KB per added card): {verdict}")
    return notes


def header() -> str:
    """Date, commit, machine and load, for the README."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).parent, check=False).stdout.strip()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, HEAD {commit}, {platform.machine()}, "
            f"{os.cpu_count()} cores, Python {platform.python_version()}, load average {load}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--quick", action="store_true", help="100 and 1,000 cards only")
    parser.add_argument("--steps", nargs="+", choices=STEPS + EXTRA_STEPS, default=list(STEPS))
    parser.add_argument("--jobs", type=int, default=2, help="build -j (default 2)")
    parser.add_argument("--workdir", type=Path, help="keep corpora and outputs here (reused)")
    args = parser.parse_args()
    sizes = [n for n in args.sizes if n <= 1000] if args.quick else args.sizes
    print(f"Start: {header()}")
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        rows = run(sizes, args.steps, args.jobs, args.workdir)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            rows = run(sizes, args.steps, args.jobs, Path(tmp))
    print(f"End: {header()}\n")
    print(table(rows))
    print("\nMemory in N (peak RSS of the largest process):")
    print("\n".join(flatness(rows)))


if __name__ == "__main__":
    main()
