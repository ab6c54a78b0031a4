"""Time `reportgen build --format all` on synthetic workbooks (wall s, cards/s, peak RSS).

Usage: python bench/bench_batch.py [--sizes 100 1000] [--jobs N] [--format all]
                                   [--against TREE --rounds 4]

Each size runs in a fresh `reportgen` process; peak RSS is the largest of the
parent and its worker processes (ru_maxrss of the children).

``--against TREE`` (a checkout of another revision, e.g. ``git worktree add /tmp/old REV``):
that tree's build and this one's run in interleaved rounds (A B, then B A) on the same
workbook; medians (min–max) of wall, CPU (user + sys of the build and its workers) and peak RSS,
and the ratio of the medians (this tree / TREE).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_corpus import make_corpus  # noqa: E402

from reportgen.fileio import write_bytes_atomic  # noqa: E402
from reportgen.writers.workbook import write_workbook  # noqa: E402

REPORTGEN = Path(sys.executable).with_name("reportgen")
HERE = Path(__file__).resolve().parent.parent

_MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, capture_output=True)
used = resource.getrusage(resource.RUSAGE_CHILDREN)
print(time.perf_counter() - start, used.ru_maxrss, used.ru_utime + used.ru_stime)
"""
#: the CLI of whichever reportgen is first on PYTHONPATH (run from a neutral folder)
_CLI = "import sys; from reportgen.cli import main; sys.argv[0] = 'reportgen'; sys.exit(main())"


def build_once(workbook: Path, out: Path, jobs: int, formats: str, tree: Path | None = None) -> dict[str, float]:
    """One build of ``workbook`` into a fresh ``out`` by ``tree``'s reportgen (None: this tree's);
    wall seconds, CPU seconds and peak RSS (MiB) of the build and its workers.

    The build runs under a small fresh Python process, so that its ru_maxrss of children is the
    largest of reportgen and its workers (forking this big process directly would count this
    process's own memory)."""
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-c", _CLI, "build", str(workbook), "-o", str(out), "--format", formats,
               "-j", str(jobs)]
    env = {**os.environ, "LC_ALL": "C.UTF-8", "PYTHONPATH": str(tree or HERE)}
    measured = subprocess.run([sys.executable, "-c", _MEASURE, *command], check=True, capture_output=True,
                              text=True, env=env, cwd=out.parent)
    wall, peak_kb, cpu = measured.stdout.split()
    return {"wall_s": float(wall), "cpu_s": float(cpu), "peak_rss_mb": int(peak_kb) / 1024}


def run_size(n: int, jobs: int, formats: str, folder: Path) -> dict[str, float]:
    """Build ``n`` cards once; return wall seconds, cards/s, files and peak RSS (MB)."""
    workbook = folder / f"corpus-{n}.xlsx"
    write_bytes_atomic(workbook, write_workbook(make_corpus(n)))
    out = folder / f"out-{n}"
    row = build_once(workbook, out, jobs, formats)
    files = sum(1 for p in out.iterdir() if p.name != "manifest.json")
    return {"cards": n, **row, "cards_per_s": n / row["wall_s"], "files": files}


def against(n: int, jobs: int, formats: str, folder: Path, other: Path, rounds: int) -> None:
    """Interleaved rounds of ``other``'s build and this tree's; print medians (min–max) and ratios,
    and whether the two output folders are byte-identical."""
    workbook = folder / f"corpus-{n}.xlsx"
    write_bytes_atomic(workbook, write_workbook(make_corpus(n)))
    runs: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
    for index in range(rounds):
        order = ("old", "new") if index % 2 == 0 else ("new", "old")
        for side in order:
            runs[side].append(build_once(workbook, folder / f"out-{side}", jobs, formats,
                                         other if side == "old" else None))
    same = _digests(folder / "out-old") == _digests(folder / "out-new")
    print(f"{n} cards, -j {jobs}, --format {formats}, {rounds} interleaved rounds; outputs identical: {same}")
    for key in ("wall_s", "cpu_s", "peak_rss_mb"):
        old = [run[key] for run in runs["old"]]
        new = [run[key] for run in runs["new"]]
        print(f"  {key:12} old {_spread(old)}  new {_spread(new)}  ratio {statistics.median(new) / statistics.median(old):.2f}")


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):8.2f} ({min(values):.2f}-{max(values):.2f})"


def _digests(folder: Path) -> dict[str, bytes]:
    import hashlib

    return {p.name: hashlib.sha256(p.read_bytes()).digest() for p in sorted(folder.iterdir())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--format", default="all")
    parser.add_argument("--against", type=Path, help="another revision's tree to compare with")
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.against:
            for n in args.sizes:
                against(n, args.jobs, args.format, Path(tmp), args.against.resolve(), args.rounds)
            return
        print(f"{'cards':>6} {'wall s':>8} {'cpu s':>7} {'cards/s':>9} {'files':>6} {'peak RSS MB':>12}")
        for n in args.sizes:
            row = run_size(n, args.jobs, args.format, Path(tmp))
            print(f"{row['cards']:>6} {row['wall_s']:>8.2f} {row['cpu_s']:>7.2f} {row['cards_per_s']:>9.1f} "
                  f"{row['files']:>6} {row['peak_rss_mb']:>12.1f}")


if __name__ == "__main__":
    main()
