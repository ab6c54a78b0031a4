"""Council package bench: wall and peak RSS of ``reportgen package`` at several sizes, A B A B
against an older package.py when asked.

Usage: .venv/bin/python bench/bench_package.py [--sizes 1000 5000] [--jobs 2] [--rounds 2] [--pdf]
       [--before REV] [--corpus-dir FOLDER]

Each run is one fresh Python process (``--child``) that reads the N-card corpus workbook
(``bench/make_corpus.py``, written once into ``--corpus-dir``; an existing ``corpus-N.xlsx``
there is reused) and writes the package zip into a temp folder:

- ``after``: :func:`reportgen.package.write_package` (the members spooled on disk, the zip
  written atomically);
- ``before`` (with ``--before REV``): ``reportgen/package.py`` of git revision REV loaded as a
  module of its own, ``make_package`` then ``fileio.write_bytes_atomic`` (as the CLI did).

Printed per run: wall seconds of the package step (the workbook read apart), the peak RSS of the
main process (``RUSAGE_SELF``) and the largest peak of any process it waited for
(``RUSAGE_CHILDREN``: a card worker, the combined-documents process, LibreOffice's guard; the
LibreOffice processes themselves are not its children, so they are not in it). Then per case
the median and min-max of the rounds and the ratio of the medians. ``--pdf`` adds the PDF
(LibreOffice; ~1-2 minutes at 1,000 cards). When both variants ran, their zips are compared
(the PDF member aside: LibreOffice stamps its dates).
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))


def child(variant: str, corpus: str, jobs: int, with_pdf: bool, out: str, before: str) -> None:
    """One run (in its own process): read the corpus, package it, print one JSON line."""
    from reportgen.cli import _read_workbook

    book = _read_workbook(Path(corpus))
    start = time.perf_counter()
    if variant == "before":
        module = _old_package(before)
        from reportgen.fileio import write_bytes_atomic

        result = module.make_package(book, soffice=with_pdf, jobs=jobs)
        write_bytes_atomic(Path(out), result.data)
    else:
        from reportgen.package import write_package

        result = write_package(book, Path(out), soffice=with_pdf, jobs=jobs)
    wall = time.perf_counter() - start
    main = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"wall": wall, "main": main, "child": kids, "members": result.members}))


def _old_package(revision: str) -> object:
    """``reportgen/package.py`` of ``revision``, loaded as the module ``old_package``."""
    source = subprocess.run(["git", "show", f"{revision}:reportgen/package.py"], cwd=ROOT, check=True,
                            capture_output=True).stdout
    path = Path(tempfile.mkdtemp(prefix="bench-package-")) / "old_package.py"
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location("old_package", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["old_package"] = module
    spec.loader.exec_module(module)
    return module


def corpus_file(folder: Path, size: int) -> Path:
    """``corpus-N.xlsx`` in ``folder``, written once."""
    path = folder / f"corpus-{size}.xlsx"
    if not path.exists():
        from make_corpus import make_corpus

        from reportgen.writers.workbook import write_workbook

        write_workbook(make_corpus(size), path)
    return path


def run(variant: str, corpus: Path, jobs: int, with_pdf: bool, out: Path, before: str) -> dict[str, float]:
    """One child run; its JSON line."""
    done = subprocess.run([sys.executable, __file__, "--child", variant, str(corpus), str(jobs),
                           "1" if with_pdf else "0", str(out), before], cwd=ROOT, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def same_zip(first: Path, second: Path) -> bool:
    """Whether two package zips hold the same members with the same bytes (the PDF, and its size
    and sha256 in manifest.json, aside: LibreOffice stamps its dates in it)."""
    def members(path: Path) -> dict[str, object]:
        with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
            found: dict[str, object] = {name: archive.read(name) for name in archive.namelist()
                                        if not name.endswith(".pdf")}
        found["manifest.json"] = [entry for entry in json.loads(found["manifest.json"])["files"]
                                  if not entry["file"].endswith(".pdf")]
        return found
    return members(first) == members(second)


def _summary(values: list[float]) -> str:
    return f"{statistics.median(values):8.1f} ({min(values):.1f}-{max(values):.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--pdf", action="store_true")
    parser.add_argument("--before", default="")
    parser.add_argument("--corpus-dir", default="")
    parser.add_argument("--child", nargs=6)
    args = parser.parse_args()
    if args.child:
        variant, corpus, jobs, with_pdf, out, before = args.child
        child(variant, corpus, int(jobs), with_pdf == "1", out, before)
        return
    folder = Path(args.corpus_dir or tempfile.mkdtemp(prefix="bench-package-corpus-"))
    folder.mkdir(parents=True, exist_ok=True)
    variants = ["before", "after"] if args.before else ["after"]
    print(f"package{' with PDF' if args.pdf else ' --no-pdf'}, -j {args.jobs}, {args.rounds} rounds "
          f"(A B A B), before = {args.before or '-'}")
    print(f"{'cards':>6} {'variant':>7} {'wall s':>20} {'main MiB':>20} {'largest child MiB':>20}")
    with tempfile.TemporaryDirectory(prefix="bench-package-out-") as out:
        for size in args.sizes:
            corpus = corpus_file(folder, size)
            results: dict[str, list[dict[str, float]]] = {variant: [] for variant in variants}
            for _ in range(args.rounds):
                for variant in variants:
                    results[variant].append(run(variant, corpus, args.jobs, args.pdf, Path(out) / f"{variant}.zip",
                                                args.before))
            for variant in variants:
                rows = results[variant]
                print(f"{size:>6} {variant:>7} {_summary([r['wall'] for r in rows]):>20} "
                      f"{_summary([r['main'] for r in rows]):>20} {_summary([r['child'] for r in rows]):>20}")
            if args.before:
                ratio = (statistics.median(r["wall"] for r in results["after"])
                         / statistics.median(r["wall"] for r in results["before"]))
                same = same_zip(Path(out) / "before.zip", Path(out) / "after.zip")
                print(f"{size:>6} after/before wall {ratio:.2f}x; same members: {same}")


if __name__ == "__main__":
    main()
