"""Time atomic writes: 5,000 files of ~8 KB into a temp folder, each way in interleaved rounds.

Usage: python bench/bench_writes.py [--files 5000] [--rounds 5] [--size 8192] [--before FILE] [--ways a,b]

Ways: ``plain`` (open/write, no safety), ``atomic`` (:func:`write_bytes_atomic` per file: temp
file, fsync, rename), ``batch-7`` (:func:`write_files_atomic` per card's 7 formats), ``batch-64``
(calls of 64 files, as a build's flushes call it: ``batch.FILES_PER_FLUSH``), ``batch-512`` and
``batch-1024`` (calls of 512 and 1,024 files: what larger flushes would give; 1,024 is one group of
``fileio.BATCH_OPEN_MAX``). ``--before FILE`` adds ``before-64`` and ``before-512``: the same calls
to the ``write_files_atomic`` of another copy of ``fileio.py`` (``git show REV:reportgen/fileio.py``),
in the same rounds. Each round writes every way once, in a fresh
folder that already holds the files (a rebuild replaces them), after an ``os.sync`` so one way's
dirty pages do not land on the next. Prints median and min–max seconds, the ratio of medians to
atomic, and the median of the per-round ratios (steadier when the shared disk's load drifts).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from reportgen.fileio import write_bytes_atomic, write_files_atomic  # noqa: E402

Way = Callable[[list[tuple[Path, bytes]]], None]


def plain(items: list[tuple[Path, bytes]]) -> None:
    """Plain writes: no temp file, no fsync (the floor, and not crash-safe)."""
    for path, data in items:
        with open(path, "wb") as out:
            out.write(data)


def atomic(items: list[tuple[Path, bytes]]) -> None:
    """One write_bytes_atomic per file (fsync per file)."""
    for path, data in items:
        write_bytes_atomic(path, data)


def batched(size: int, write_files: Callable[[list[tuple[Path, bytes]]], object] = write_files_atomic) -> Way:
    """``write_files`` (write_files_atomic) called on ``size`` files at a time."""
    def write(items: list[tuple[Path, bytes]]) -> None:
        for start in range(0, len(items), size):
            write_files(items[start:start + size])
    return write


def before_ways(source: Path) -> dict[str, Way]:
    """``before-64`` and ``before-512``: :func:`batched` with the write_files_atomic of the fileio.py
    at ``source`` (its groups of at most its own BATCH_OPEN_MAX)."""
    spec = importlib.util.spec_from_file_location("fileio_before", source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {"before-64": batched(64, module.write_files_atomic), "before-512": batched(512, module.write_files_atomic)}


def files_in(folder: Path, count: int, size: int) -> list[tuple[Path, bytes]]:
    """``count`` distinct payloads of ``size`` bytes named like card files."""
    return [(folder / f"{i:05d}_사업.txt", os.urandom(size)) for i in range(count)]


def run(ways: dict[str, Way], count: int, size: int, rounds: int) -> dict[str, list[float]]:
    """Seconds of each way per round, the ways interleaved within each round (each round's also on
    stderr as it ends)."""
    times: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(rounds):
        for name, way in ways.items():
            with tempfile.TemporaryDirectory(prefix="bench_writes.") as temp:
                items = files_in(Path(temp), count, size)
                plain(items)  # the old files a rebuild replaces
                os.sync()
                start = time.perf_counter()
                way(items)
                times[name].append(time.perf_counter() - start)
        print("  " + " ".join(f"{name} {values[-1]:.2f}" for name, values in times.items()), file=sys.stderr, flush=True)
    return times


def main() -> None:
    """Parse the arguments, run the rounds, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--size", type=int, default=8192)
    parser.add_argument("--before", type=Path, help="another fileio.py to compare (before-64, before-512)")
    parser.add_argument("--ways", help="only these ways, comma-separated (atomic always runs)")
    args = parser.parse_args()
    ways = {"plain": plain, "atomic": atomic, "batch-7": batched(7), "batch-64": batched(64),
            "batch-512": batched(512), "batch-1024": batched(1024)}
    if args.before:
        ways |= before_ways(args.before)
    if args.ways:
        ways = {name: way for name, way in ways.items() if name == "atomic" or name in args.ways.split(",")}
    times = run(ways, args.files, args.size, args.rounds)
    base = statistics.median(times["atomic"])
    print(f"{args.files} files × {args.size} B, {args.rounds} interleaved rounds")
    print(f"{'way':10} {'median s':>9} {'min–max s':>13} {'vs atomic':>10} {'per round: median (min–max)':>29}")
    for name, values in times.items():
        median = statistics.median(values)
        paired = [v / a for v, a in zip(values, times["atomic"], strict=True)]
        print(f"{name:10} {median:9.3f} {min(values):6.3f}–{max(values):<6.3f} {median / base:9.2f}× "
              f"{statistics.median(paired):16.2f}× ({min(paired):.2f}–{max(paired):.2f})")


if __name__ == "__main__":
    main()
