"""Import speed: ms per card for each reader (text, docx, hwpx, hwp, and the workbook per card).

Usage: python bench/bench_readers.py [--n 50]

Each card file is made once by the matching writer from the 2024-12 reference
card, then read back N times.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_corpus import REFERENCE, make_corpus  # noqa: E402

from reportgen.formats import READERS, WRITERS, read_card  # noqa: E402
from reportgen.readers.text import read_text  # noqa: E402
from reportgen.readers.workbook import read_workbook  # noqa: E402
from reportgen.writers.workbook import write_workbook  # noqa: E402


def time_reads(path: Path, n: int) -> float:
    """Mean ms per read of ``path`` over ``n`` reads (after one warm-up)."""
    read_card(path)
    start = time.perf_counter()
    for _ in range(n):
        read_card(path)
    return (time.perf_counter() - start) / n * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=50)
    args = parser.parse_args()
    card = read_text(REFERENCE)
    card.id, card.title = "3-1", "서부산스마트밸리 「낙동강 테크노밸리」 조성"
    print(f"{'reader':<10} {'ms/card':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in READERS:
            writer = WRITERS[suffix.lstrip(".")]
            path = Path(tmp) / f"card{suffix}"
            path.write_bytes(writer.render(card))
            print(f"{suffix.lstrip('.'):<10} {time_reads(path, args.n):>9.2f}")
        book = Path(tmp) / "corpus.xlsx"
        cards = 1000
        book.write_bytes(write_workbook(make_corpus(cards)))
        start = time.perf_counter()
        read_workbook(book)
        per_card = (time.perf_counter() - start) * 1000 / cards
        print(f"{'workbook':<10} {per_card:>9.2f}  (a {cards:,}-card workbook)")


if __name__ == "__main__":
    main()
