"""A/B bench of the DOCX card path: this tree's writer against an old commit's, interleaved.

Usage: python bench/bench_docx_document.py [--n 200] [--rounds 9] [--old 7dcc078]

The old ``reportgen/writers/docx.py`` is taken with ``git show OLD:…`` into a
temporary file and imported under another name; both render the same cards of
the generated corpus (bench/make_corpus.py) in one process, in rounds
A B A B …, after one warm-up card each. Prints ms/card per round, the medians,
min–max and the ratio new/old.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from reportgen import model as m
from reportgen.writers import docx as new

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
    """ms per card of one pass over ``cards``."""
    start = time.perf_counter()
    for card in cards:
        render(card)
    return (time.perf_counter() - start) * 1000 / len(cards)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--old", default="7dcc078")
    args = parser.parse_args()
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
