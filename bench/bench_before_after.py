"""Before/after bench of every card writer: an old commit's writers against this tree's, in ONE process.

Usage: .venv/bin/python bench/bench_before_after.py [--cards 100] [--rounds 11] [--old 7dcc078]
       [--fixture-passes 10]

The old writer modules (``git show OLD:reportgen/writers/<name>.py``) are saved in
a temporary folder as the package ``reportgen_old`` together with what they import
that changed since (e.g. the old ``hwp.py`` imports the old ``hwpx.py``), the old
``resources.py`` and the old ``templates/`` folder beside it, so each old writer
renders with its own templates; what did not change since is the current module.
Old card paths (``render_x(card)``) and new ones (``formats.WRITERS[x].render(card)``,
which includes ``card_document``) render the same cards: the two fixture cards
(``tests/fixtures/*.txt``, read ``--fixture-passes`` times a round) and a corpus of
``--cards`` cards from ``bench/make_corpus.py``. Rounds interleave A B A B … with
the order swapped each round; each measurement is the CPU time
(``time.process_time``) of one pass over the cards, per card. Also timed:
each new writer alone (``render_document`` of a document built beforehand,
against the same old card path), ``card_document(card)`` alone and the whole ``--format all`` path of one card
(every format but PDF; as a build does it, one ``card_document`` per format, and
with one ``card_document`` for all). Prints one Markdown table: medians with min–max over the
rounds and the new/old ratio of the medians.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import platform
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import ModuleType

from reportgen import model as m
from reportgen.documents import card_document
from reportgen.formats import ON_REQUEST, WRITERS
from reportgen.readers.text import read_text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_corpus import make_corpus  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted((ROOT / "tests" / "fixtures").glob("*.txt"))
OLD_PACKAGE = "reportgen_old"
#: format → (old writer module, its card function)
OLD_WRITERS = {
    "txt": ("writers.text", "render_text"),
    "docx": ("writers.docx", "render_docx"),
    "xlsx": ("writers.xlsx", "render_xlsx"),
    "hwpx": ("writers.hwpx", "render_hwpx"),
    "hwp": ("writers.hwp", "render_hwp"),
    "html": ("writers.html", "render_html"),
}
#: old modules always taken from the old commit: the templates' locator (it finds the old templates)
ALWAYS_OLD = ("resources",)
#: every format of ``--format all``
ALL_FORMATS = tuple(name for name in WRITERS if name not in ON_REQUEST)
_IMPORT = re.compile(r"^\s*(?:from\s+reportgen((?:\.\w+)*)\s+import\s+(.+)|import\s+reportgen((?:\.\w+)+))", re.M)
_IMPORT_WORD = re.compile(r"^(\s*(?:from|import)\s+)reportgen\b", re.M)

Render = Callable[[m.Card], object]


# ── the old package ───────────────────────────────────────────────────────
def git(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, check=False)


def old_source(commit: str, module: str) -> str | None:
    """``reportgen/<module>.py`` at ``commit`` (None when it is not a module there)."""
    shown = git("show", f"{commit}:reportgen/{module.replace('.', '/')}.py")
    return shown.stdout.decode("utf-8") if shown.returncode == 0 else None


def changed_since(commit: str, module: str) -> bool:
    """Whether ``reportgen/<module>.py`` in this work tree differs from ``commit``'s."""
    return git("diff", "--quiet", commit, "--", f"reportgen/{module.replace('.', '/')}.py").returncode != 0


def imported_modules(source: str, commit: str) -> set[str]:
    """The reportgen modules a source imports (``from reportgen import model`` names ``model``)."""
    found = set()
    for match in _IMPORT.finditer(source):
        package, names, plain = match.groups()
        if plain:
            found.add(plain.lstrip("."))
            continue
        package = package.lstrip(".")
        if package and old_source(commit, package) is not None:
            found.add(package)
            continue
        # from reportgen(.package) import a, b as c: the names that are modules there
        words = re.findall(r"(\w+)(?:\s+as\s+\w+)?", names.strip("() \n"))
        modules = (f"{package}.{word}" if package else word for word in words)
        found.update(module for module in modules if old_source(commit, module) is not None)
    return found


@dataclass
class OldPackage:
    """The old commit's writers as ``reportgen_old.*``, in ``folder``."""

    commit: str
    folder: Path
    old: list[str] = field(default_factory=list)  # modules taken from the old commit
    current: list[str] = field(default_factory=list)  # modules unchanged since, shared

    def build(self, modules: Iterable[str]) -> None:
        """Write the old modules (and what they import that changed) and the old templates."""
        package = self.folder / OLD_PACKAGE
        (package / "writers").mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "writers" / "__init__.py").write_text("")
        modules = tuple(modules)
        todo = [*modules, *ALWAYS_OLD]
        while todo:
            module = todo.pop()
            if module in self.old or module in self.current:
                continue
            source = old_source(self.commit, module)
            if source is None:
                raise SystemExit(f"{self.commit} has no reportgen/{module}.py")
            if module not in modules and module not in ALWAYS_OLD and not changed_since(self.commit, module):
                self.current.append(module)
                continue
            self.old.append(module)
            target = package / f"{module.replace('.', '/')}.py"
            target.write_text(_IMPORT_WORD.sub(rf"\g<1>{OLD_PACKAGE}", source), encoding="utf-8")
            todo += sorted(imported_modules(source, self.commit))
        archive = git("archive", "--format=tar", self.commit, "templates").stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(self.folder, filter="data")

    def load(self, module: str) -> ModuleType:
        """``reportgen_old.<module>``; the unchanged modules it reaches are the current ones."""
        if str(self.folder) not in sys.path:
            sys.path.insert(0, str(self.folder))
        for name in self.current:
            current = importlib.import_module(f"reportgen.{name}")
            sys.modules[f"{OLD_PACKAGE}.{name}"] = current
            parent, _, leaf = f"{OLD_PACKAGE}.{name}".rpartition(".")
            setattr(importlib.import_module(parent), leaf, current)
        return importlib.import_module(f"{OLD_PACKAGE}.{module}")


# ── timing ────────────────────────────────────────────────────────────────
@dataclass
class Case:
    """One row of the table: a path timed old and new (``old`` None: no before)."""

    name: str
    cards: str
    new: Render
    old: Render | None = None
    times: dict[str, list[float]] = field(default_factory=lambda: {"old": [], "new": []})


def cpu_ms_per_card(render: Render, cards: list[m.Card], passes: int) -> float:
    """CPU milliseconds per card of ``passes`` passes over ``cards``."""
    start = time.process_time()
    for _ in range(passes):
        for card in cards:
            render(card)
    return (time.process_time() - start) * 1000 / (passes * len(cards))


def all_formats(renders: dict[str, Render]) -> Render:
    """One card in every format, as ``--format all`` writes it."""
    def render(card: m.Card) -> None:
        for write in renders.values():
            write(card)
    return render


def one_document(card: m.Card) -> None:
    """One card in every format from one ``card_document`` (what a build could do instead)."""
    doc = card_document(card)
    for name in ALL_FORMATS:
        WRITERS[name].render_document(doc)


def given_document(name: str, cards: list[m.Card]) -> Render:
    """Format ``name``'s ``render_document`` on each card's document, built beforehand (the writer alone)."""
    documents = {id(card): card_document(card) for card in cards}
    writer = WRITERS[name]
    return lambda card: writer.render_document(documents[id(card)])


def cases_for(label: str, cards: list[m.Card], old: dict[str, Render]) -> list[Case]:
    """Every path timed on one set of cards."""
    new = {name: WRITERS[name].render for name in ALL_FORMATS}
    cases = [Case(name, label, new[name], old.get(name)) for name in ALL_FORMATS]
    cases += [Case(f"{name}, document given", label, given_document(name, cards), old.get(name))
              for name in ALL_FORMATS]
    cases.append(Case("card_document", label, card_document))
    old_all = all_formats(old) if set(old) == set(new) else None
    cases.append(Case(f"all ({' '.join(ALL_FORMATS)})", label, all_formats(new), old_all))
    cases.append(Case("all, one card_document", label, one_document, old_all))
    return cases


def run_rounds(sets: dict[str, tuple[list[m.Card], int]], cases: list[Case], rounds: int) -> None:
    """Interleaved rounds A B A B …, the order swapped each round; one warm-up render each first."""
    for case in cases:
        cards = sets[case.cards][0]
        for render in (case.old, case.new):
            if render is not None:
                render(cards[0])
    for index in range(rounds):
        order = ("old", "new") if index % 2 == 0 else ("new", "old")
        for case in cases:
            cards, passes = sets[case.cards]
            for side in order:
                render = case.old if side == "old" else case.new
                if render is not None:
                    case.times[side].append(cpu_ms_per_card(render, cards, passes))
        print(f"round {index + 1}/{rounds} done", file=sys.stderr)


# ── the table ─────────────────────────────────────────────────────────────
def spread(values: list[float]) -> str:
    """``median (min–max)`` in ms."""
    if not values:
        return "—"
    return f"{statistics.median(values):.3f} ({min(values):.3f}–{max(values):.3f})"


def ratio(case: Case) -> str:
    old, new = case.times["old"], case.times["new"]
    return f"{statistics.median(new) / statistics.median(old):.2f}" if old and new else "—"


def table(cases: list[Case], sizes: dict[str, int]) -> str:
    """The Markdown table of every case."""
    lines = ["| path | cards | old ms/card median (min–max) | new ms/card median (min–max) | new/old |",
             "| --- | --- | ---: | ---: | ---: |"]
    for case in cases:
        lines.append(f"| {case.name} | {case.cards} ({sizes[case.cards]}) | {spread(case.times['old'])} | "
                     f"{spread(case.times['new'])} | {ratio(case)} |")
    return "\n".join(lines)


def machine() -> str:
    """Date, commit, CPU, Python and the machine's load (it is shared)."""
    head = git("rev-parse", "--short", "HEAD").stdout.decode().strip()
    dirty = " + uncommitted changes" if git("diff", "--quiet", "--", "reportgen", "templates").returncode else ""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{date.today().isoformat()}, HEAD {head}{dirty}, {cpu}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, load average {load}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=100, help="corpus cards (bench/make_corpus.py)")
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--fixture-passes", type=int, default=10, help="passes over the 2 fixture cards a round")
    parser.add_argument("--old", default="7dcc078")
    args = parser.parse_args()
    sets = {"fixtures": ([read_text(path) for path in FIXTURES], args.fixture_passes),
            "corpus": (make_corpus(args.cards).cards, 1)}
    with tempfile.TemporaryDirectory() as folder:
        package = OldPackage(args.old, Path(folder))
        package.build([module for module, _ in OLD_WRITERS.values()])
        old = {name: getattr(package.load(module), function) for name, (module, function) in OLD_WRITERS.items()}
        print(f"old from {args.old}: {', '.join(sorted(package.old))} and templates/; "
              f"current (unchanged since): {', '.join(sorted(package.current)) or '-'}", file=sys.stderr)
        cases = [case for label, (cards, _) in sets.items() for case in cases_for(label, cards, old)]
        start = machine()
        run_rounds(sets, cases, args.rounds)
    print(f"before: {args.old}; {args.rounds} rounds; CPU time per card\n")
    print(f"start: {start}\nend: {machine()}\n")
    print(table(cases, {label: len(cards) for label, (cards, _) in sets.items()}))


if __name__ == "__main__":
    main()
