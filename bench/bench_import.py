"""Import bench (issue 13): the .hwp reader, ``import -j`` of many .hwp cards, import's peak RSS.

Usage: .venv/bin/python bench/bench_import.py [--cards 1000] [--sizes 1000 5000] [--rounds 3]
       [--jobs 1 2] [--against REV] [--workdir FOLDER]
       [--parts read import-hwp import-rss import-new import-changed]

Parts (each prints one table: medians over the rounds with min–max, and the ratio of medians):

- ``read``: the ``.hwp`` reader in this process, ms per card over the cards' .hwp files, with
  pyhwp's model memo (``readers.hwp._memo_parse_model``) and without it, in A B A B rounds
  (the memo starts empty each round);
- ``import-hwp``: ``reportgen import *.hwp -o new.xlsx -j J`` of the ``--cards`` cards for each
  ``--jobs`` value: wall s and the peak RSS of the largest process;
- ``import-rss``: ``reportgen import card.txt -o copy-of-corpus-N.xlsx`` (one card that replaces
  the corpus's first card) for each ``--sizes`` N: wall s and peak RSS;
- ``import-new``: ``reportgen import *.txt -o new.xlsx -j J`` of the N cards of corpus-N as .txt
  files (a new workbook), for each ``--sizes`` N and the last ``--jobs`` J: wall s and peak RSS;
- ``import-changed``: ``reportgen import *.txt -o copy-of-corpus-N.xlsx -j J`` of N changed cards
  (every card of the corpus: its 추진율, its first 추진실적 line edited and a line added after it),
  so that every card of the workbook is replaced: wall s and peak RSS.

With ``--against REV`` the code of git revision REV (``git archive``, run through PYTHONPATH) is
measured too, interleaved with this tree's, and each workbook it writes is compared byte for byte
with this tree's (``same bytes``: the result must not change). Every command runs as its own
process under ``bench_scale``'s meter (peak RSS from ``getrusage(RUSAGE_CHILDREN)``). Corpora
and card files are made once in ``--workdir`` (``bench/make_corpus.py``; .hwp files by
``reportgen build --format hwp``). The machine is shared: quote the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import corpus, hwp_cards, import_card, meter  # noqa: E402
from make_corpus import make_corpus  # noqa: E402

from reportgen import model as m  # noqa: E402
from reportgen.formats import WRITERS  # noqa: E402
from reportgen.readers import hwp as hwp_reader  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
#: runs reportgen's CLI from whatever PYTHONPATH says (this tree, or an archived revision)
_CLI = "import sys; from reportgen.cli import main; sys.argv[0] = 'reportgen'; sys.exit(main())"


def archived(rev: str, folder: Path) -> Path:
    """The code of git revision ``rev`` unpacked into ``folder/rev-REV`` (once)."""
    out = folder / f"rev-{rev}"
    if not out.exists():
        out.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(out)], input=archive, check=True)
    return out


def command(code: Path, *args: str | Path) -> list[str]:
    """``reportgen ARGS`` run from the code in ``code`` (``-P``: not from the current folder)."""
    return ["env", f"PYTHONPATH={code}", sys.executable, "-P", "-c", _CLI, *map(str, args)]


def summary(values: Sequence[float], digits: int = 2) -> str:
    """``median (min–max)``."""
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def ratio(new: Sequence[float], old: Sequence[float]) -> str:
    return f"{statistics.median(new) / statistics.median(old):.2f}x" if old and statistics.median(old) else "-"


# ── read: the memo, in this process ───────────────────────────────────────
def read_round(paths: Sequence[Path], memo: bool) -> float:
    """ms per card reading ``paths`` with or without the model memo (a fresh memo when with)."""
    from hwp5 import binmodel

    hwp_reader._remember_pyhwp_models()
    original, install = binmodel.parse_model.original, hwp_reader._remember_pyhwp_models
    binmodel.parse_model = hwp_reader._memo_parse_model(original) if memo else original
    hwp_reader._remember_pyhwp_models = lambda: None  # the reader would put the memo back
    try:
        start = time.perf_counter()
        for path in paths:
            hwp_reader.read_hwp(path)
        return (time.perf_counter() - start) / len(paths) * 1000
    finally:
        hwp_reader._remember_pyhwp_models = install
        binmodel.parse_model = hwp_reader._memo_parse_model(original)


def bench_read(paths: Sequence[Path], rounds: int) -> list[str]:
    times: dict[bool, list[float]] = {True: [], False: []}
    read_round(paths[:20], True)  # imports and first-use costs out of the rounds
    for _ in range(rounds):
        for memo in (False, True):
            times[memo].append(read_round(paths, memo))
    return ["| .hwp reader | ms/card | ratio |", "|---|---|---|",
            f"| pyhwp as it is | {summary(times[False])} | |",
            f"| with the model memo | {summary(times[True])} | {ratio(times[True], times[False])} |"]


# ── separate processes: import -j and import's peak RSS ───────────────────
def interleaved(variants: dict[str, Path], rounds: int, run: Callable[[str, Path], tuple[float, int]]
                ) -> dict[str, tuple[list[float], list[float]]]:
    """``run(name, code)`` → (wall s, peak KB) for each variant by turns, ``rounds`` times."""
    results: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in variants}
    for _ in range(rounds):
        for name, code in variants.items():
            wall, peak = run(name, code)
            results[name][0].append(wall)
            results[name][1].append(peak / 1024)
    return results


def rows_of(label: str, results: dict[str, tuple[list[float], list[float]]],
            base: tuple[list[float], list[float]] | None = None) -> list[str]:
    """One table row per variant; ratios against ``base`` (default: the variant "before")."""
    base = base or results.get("before")
    rows = []
    for name, (walls, peaks) in results.items():
        versus = f"{ratio(walls, base[0])} / {ratio(peaks, base[1])}" if base and name != "before" else ""
        rows.append(f"| {label} | {name} | {summary(walls)} | {summary(peaks, 0)} | {versus} |")
    return rows


def same_bytes(outputs: dict[str, Path]) -> str:
    """Whether every variant wrote the bytes this tree wrote."""
    written = {name: path.read_bytes() for name, path in outputs.items() if path.exists()}
    return "same bytes" if len(set(written.values())) == 1 and len(written) == len(outputs) else "BYTES DIFFER"


def takes_jobs(code: Path) -> bool:
    """Whether ``reportgen import`` of the code in ``code`` takes ``-j`` (it did not before issue 13)."""
    done = subprocess.run(command(code, "import", "--help"), capture_output=True, text=True, check=False,
                          env={**os.environ, "COLUMNS": "200"})
    return "--jobs" in done.stdout


def bench_import_hwp(paths: Sequence[Path], jobs: Sequence[int], variants: dict[str, Path], rounds: int,
                     folder: Path) -> list[str]:
    rows: list[str] = []
    reference = None  # the old import (no -j: one process) is what every -j is compared with
    has_jobs = {name: takes_jobs(code) for name, code in variants.items()}
    for j in jobs:
        outputs = {name: folder / f"import-hwp-{name}-j{j}.xlsx" for name in variants}

        def run(name: str, code: Path, j: int = j, outputs: dict[str, Path] = outputs) -> tuple[float, int]:
            outputs[name].unlink(missing_ok=True)
            jobs_option = ["-j", str(j)] if has_jobs[name] else []  # before issue 13: no -j
            wall, peak, _, _ = meter(command(code, "import", *paths, "-o", outputs[name], *jobs_option))
            return wall, peak

        if not all(has_jobs.values()) and j != 1:
            run_variants = {"after": variants["after"]}  # the old import had no -j: its -j 1 row is the reference
        else:
            run_variants = variants
        results = interleaved(run_variants, rounds, run)
        reference = reference or results.get("before")
        rows += rows_of(f"import {len(paths)} .hwp -j {j}", results, reference)
        rows[-1] += f" {same_bytes(outputs) if len(run_variants) > 1 else ''}"
    return rows


def bench_import_rss(sizes: Sequence[int], variants: dict[str, Path], rounds: int, folder: Path) -> list[str]:
    rows = []
    card = import_card(folder)
    for n in sizes:
        workbook = corpus(n, folder)
        outputs = {name: folder / f"import-{name}-{n}.xlsx" for name in variants}

        def run(name: str, code: Path, workbook: Path = workbook, outputs: dict[str, Path] = outputs
                ) -> tuple[float, int]:
            shutil.copyfile(workbook, outputs[name])
            wall, peak, _, _ = meter(command(code, "import", card, "-o", outputs[name]))
            return wall, peak

        rows += rows_of(f"import 1 card into {n:,}", interleaved(variants, rounds, run))
        rows[-1] += f" {same_bytes(outputs) if len(variants) > 1 else ''}"
    return rows


def txt_cards(n: int, folder: Path, changed: bool) -> list[Path]:
    """The cards of corpus-N as .txt files in ``folder/txt-N`` (``changed``: ``folder/changed-N``,
    each card edited as :func:`changed_card` does), written once."""
    out = folder / f"{'changed' if changed else 'txt'}-{n}"
    if not out.exists():
        making = out.with_name(out.name + ".part")
        shutil.rmtree(making, ignore_errors=True)
        making.mkdir(parents=True)
        for i, card in enumerate(make_corpus(n).cards):
            (making / f"{i:05d}.txt").write_bytes(WRITERS["txt"].render(changed_card(card) if changed else card))
        making.rename(out)
    return sorted(out.glob("*.txt"))


def changed_card(card: m.Card) -> m.Card:
    """``card`` as a department would send it back: another 추진율, its first 추진실적 line edited and
    a line added after it."""
    card.header.progress = 90 if card.header.progress == 100 else 100
    group = card.achievements[0].groups[0]
    group.items[0].text += " (보완)"
    group.items.insert(1, m.Achievement("2024. 12.", "추가 실적 보고", group.items[0].marker))
    return card


def bench_import_many(sizes: Sequence[int], jobs: int, variants: dict[str, Path], rounds: int, folder: Path,
                      changed: bool) -> list[str]:
    """N card files at once into a new workbook, or (``changed``) into a copy of corpus-N."""
    rows = []
    for n in sizes:
        paths = txt_cards(n, folder, changed)
        workbook = corpus(n, folder) if changed else None
        outputs = {name: folder / f"import-{'changed' if changed else 'new'}-{name}-{n}.xlsx" for name in variants}

        def run(name: str, code: Path, paths: list[Path] = paths, workbook: Path | None = workbook,
                outputs: dict[str, Path] = outputs) -> tuple[float, int]:
            outputs[name].unlink(missing_ok=True)
            if workbook is not None:
                shutil.copyfile(workbook, outputs[name])
            wall, peak, _, _ = meter(command(code, "import", *paths, "-o", outputs[name], "-j", str(jobs)))
            return wall, peak

        what = f"{n:,} changed cards into {n:,}" if changed else f"{n:,} .txt cards into a new workbook"
        rows += rows_of(f"import {what} -j {jobs}", interleaved(variants, rounds, run))
        rows[-1] += f" {same_bytes(outputs) if len(variants) > 1 else ''}"
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=1000, help=".hwp cards for read and import-hwp")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000], help="corpora for import-rss")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--against", help="a git revision to measure too (e.g. the commit before issue 13)")
    parser.add_argument("--workdir", type=Path, help="keep corpora and card files here (reused)")
    parser.add_argument("--parts", nargs="+", default=["read", "import-hwp", "import-rss"],
                        choices=["read", "import-hwp", "import-rss", "import-new", "import-changed"])
    args = parser.parse_args()
    folder = args.workdir or Path(tempfile.mkdtemp(prefix="reportgen-bench-import-"))
    folder.mkdir(parents=True, exist_ok=True)
    variants = {"after": ROOT}
    if args.against:
        variants = {"before": archived(args.against, folder), **variants}
    paths = hwp_cards(corpus(args.cards, folder), folder) if {"read", "import-hwp"} & set(args.parts) else []
    lines = []
    if "read" in args.parts:
        lines += [*bench_read(paths, args.rounds), ""]
    header = ["| what | code | wall s | peak RSS MiB | wall / RSS vs before |", "|---|---|---|---|---|"]
    rows = []
    if "import-hwp" in args.parts:
        rows += bench_import_hwp(paths, args.jobs, variants, args.rounds, folder)
    if "import-rss" in args.parts:
        rows += bench_import_rss(args.sizes, variants, args.rounds, folder)
    for part, changed in (("import-new", False), ("import-changed", True)):
        if part in args.parts:
            rows += bench_import_many(args.sizes, args.jobs[-1], variants, args.rounds, folder, changed)
    if rows:
        lines += [*header, *rows]
    print(f"{args.rounds} rounds, medians (min–max); {folder}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
