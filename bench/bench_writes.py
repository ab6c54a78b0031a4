"""Time atomic writes: 5,000 files of ~8 KB into a temp folder, each way in interleaved rounds.

Usage: python bench/bench_writes.py [--files 5000] [--rounds 5] [--size 8192]

Ways: ``plain`` (open/write, no safety), ``atomic`` (:func:`write_bytes_atomic` per file: temp
file, fsync, rename), ``batch-7`` (:func:`write_files_atomic` per card's 7 formats, as a build
would call it) and ``batch-64`` (groups of 64). Each round writes every way once, in a fresh
folder that already holds the files (a rebuild replaces them), after an ``os.sync`` so one way's
dirty pages do not land on the next. Prints median and min–max seconds, the ratio of medians to
atomic, and the median of the per-round ratios (steadier when the shared disk's load drifts).
"""

from __future__ import annotations

import argparse
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


def batched(size: int) -> Way:
    """write_files_atomic on groups of ``size`` files."""
    def write(items: list[tuple[Path, bytes]]) -> None:
        for start in range(0, len(items), size):
            write_files_atomic(items[start:start + size])
    return write


def files_in(folder: Path, count: int, size: int) -> list[tuple[Path, bytes]]:
    """``count`` distinct payloads of ``size`` bytes named like card files."""
    return [(folder / f"{i:05d}_사업.txt", os.urandom(size)) for i in range(count)]


def run(ways: dict[str, Way], count: int, size: int, rounds: int) -> dict[str, list[float]]:
    """Seconds of each way per round, the ways interleaved within each round."""
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
    return times


def main() -> None:
    """Parse the arguments, run the rounds, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--size", type=int, default=8192)
    args = parser.parse_args()
    ways = {"plain": plain, "atomic": atomic, "batch-7": batched(7), "batch-64": batched(64)}
    times = run(ways, args.files, args.size, args.rounds)
    base = statistics.median(times["atomic"])
    print(f"{args.files} files × {args.size} B, {args.rounds} interleaved rounds")
    print(f"{'way':10} {'median s':>9} {'min–max s':>13} {'vs atomic':>10} {'per round':>10}")
    for name, values in times.items():
        median = statistics.median(values)
        paired = statistics.median(v / a for v, a in zip(values, times["atomic"], strict=True))
        print(f"{name:10} {median:9.3f} {min(values):6.3f}–{max(values):<6.3f} {median / base:9.2f}× {paired:9.2f}×")


if __name__ == "__main__":
    main()
