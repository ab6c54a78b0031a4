"""Time `reportgen build --format all` on synthetic workbooks (wall s, cards/s, peak RSS).

Usage: python bench/bench_batch.py [--sizes 100 1000] [--jobs N] [--format all]

Each size runs in a fresh `reportgen` process; peak RSS is the largest of the
parent and its worker processes (ru_maxrss of the children).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_corpus import make_corpus  # noqa: E402

from reportgen.fileio import write_bytes_atomic  # noqa: E402
from reportgen.writers.workbook import write_workbook  # noqa: E402

REPORTGEN = Path(sys.executable).with_name("reportgen")


_MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, capture_output=True)
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def run_size(n: int, jobs: int, formats: str, folder: Path) -> dict[str, float]:
    """Build ``n`` cards once; return wall seconds, cards/s, files and peak RSS (MB).

    The build runs under a small fresh Python process, so that its ru_maxrss of
    children is the largest of reportgen and its workers (forking this big
    process directly would count this process's own memory).
    """
    workbook = folder / f"corpus-{n}.xlsx"
    write_bytes_atomic(workbook, write_workbook(make_corpus(n)))
    out = folder / f"out-{n}"
    shutil.rmtree(out, ignore_errors=True)
    command = [str(REPORTGEN), "build", str(workbook), "-o", str(out), "--format", formats, "-j", str(jobs)]
    measured = subprocess.run([sys.executable, "-c", _MEASURE, *command], check=True,
                              capture_output=True, text=True, env={**os.environ, "LC_ALL": "C.UTF-8"})
    wall, peak_kb = measured.stdout.split()
    files = sum(1 for p in out.iterdir() if p.name != "manifest.json")
    return {"cards": n, "wall_s": float(wall), "cards_per_s": n / float(wall), "files": files,
            "peak_rss_mb": int(peak_kb) / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--format", default="all")
    args = parser.parse_args()
    print(f"{'cards':>6} {'wall s':>8} {'cards/s':>9} {'files':>6} {'peak RSS MB':>12}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            row = run_size(n, args.jobs, args.format, Path(tmp))
            print(f"{row['cards']:>6} {row['wall_s']:>8.2f} {row['cards_per_s']:>9.1f} "
                  f"{row['files']:>6} {row['peak_rss_mb']:>12.1f}")


if __name__ == "__main__":
    main()
