"""Batch build: every card of a workbook in every asked format, written atomically.

One failing card does not stop the others: failures are collected and the
build exits 1. ``manifest.json`` lists every file with its sha256.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import functools
import hashlib
import json
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypeVar

from reportgen import __version__
from reportgen.errors import CardError, InputError, Problem, Problems
from reportgen.fileio import (
    OutputError,
    card_filename,
    inside,
    write_bytes_atomic,
    write_text_atomic,
)
from reportgen.formats import WRITERS
from reportgen.model import Card, Workbook
from reportgen.periods import is_after
from reportgen.workbook_contract import SHEET_CARDS

MANIFEST = "manifest.json"
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class BuiltFile:
    """One written file, as listed in manifest.json."""

    file: str
    관리번호: str
    format: str
    bytes: int
    sha256: str


@dataclass(frozen=True)
class Failure:
    """A card that could not be written in one format."""

    card_id: str
    format: str
    message: str


@dataclass
class BuildReport:
    files: list[BuiltFile] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


def as_of_view(card: Card, as_of: dt.date | None) -> Card:
    """The card as of a day: 추진실적 entries dated after it are left out."""
    later = (item for section in card.achievements for group in section.groups for item in group.items
             if as_of is not None and is_after(item.date, as_of))
    if next(later, None) is None:
        return card  # nothing to leave out: no copy
    view = copy.deepcopy(card)
    for section in view.achievements:
        for group in section.groups:
            group.items = [item for item in group.items if not is_after(item.date, as_of)]
        section.groups = [g for g in section.groups if g.items]
    view.achievements = [s for s in view.achievements if s.groups]
    return view


def parse_as_of(text: str | None, source: str = "--as-of") -> dt.date | None:
    """``YYYY-MM-DD`` → date; anything else is an input error."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(str(text).strip()[:10])
    except ValueError as exc:
        raise InputError(Problem(source, "", f"기준일이 날짜가 아닙니다: {text}", f"not a date: {text}",
                                 "2024-12-31 처럼 쓰세요", "write it like 2024-12-31")) from exc


def select_cards(workbook: Workbook, only: str | None, source: str) -> list[Card]:
    """All cards, or those named by ``--only 3-1,3-2``; an unknown id is an input error."""
    if not only:
        return list(workbook.cards)
    wanted = [part.strip() for part in only.split(",") if part.strip()]
    known = {card.id: card for card in workbook.cards}
    unknown = [card_id for card_id in wanted if card_id not in known]
    if unknown:
        raise InputError(Problem(source, "", f"없는 관리번호: {', '.join(unknown)}",
                                 f"no card with 관리번호 {', '.join(unknown)}",
                                 "공약목록 시트의 관리번호를 쓰세요", "use a 관리번호 from sheet 공약목록"))
    return [known[card_id] for card_id in wanted]


def check_file_names(cards: list[Card], formats: list[str], source: str) -> None:
    """Two cards whose files would get the same name overwrite each other: an input error naming both.

    Names are compared as made safe and ignoring case (Windows and macOS do), e.g. 관리번호 ``3/1`` and ``3_1``.
    """
    problems = Problems(source)
    for suffix in sorted({WRITERS[name].suffix for name in formats}):
        seen: dict[str, str] = {}
        for card in cards:
            name = card_filename(card.id, card.title, suffix)
            other = seen.setdefault(name.casefold(), card.id)
            if other != card.id:
                problems.add(SHEET_CARDS, f"관리번호 {other}와 {card.id}의 파일 이름이 같아 하나가 덮어써집니다 ({name})",
                             f"the cards {other} and {card.id} get the same file name, one would overwrite the other ({name})",
                             "관리번호나 사업명을 서로 다르게 고치세요", "make their 관리번호 or 사업명 differ")
        if problems.items:
            break
    problems.raise_if_any()


def failure_of(card: Card, fmt: str, exc: Exception) -> Failure:
    """A per-card failure: the writer's own bilingual message, or the exception's type and text."""
    message = str(exc) if isinstance(exc, CardError) else f"{type(exc).__name__}: {exc}"
    return Failure(card.id, fmt, message)


def render_one(card: Card, fmt: str) -> bytes | Failure:
    """The card in one format, or the failure when the writer cannot express it."""
    try:
        return WRITERS[fmt].render(card)
    except Exception as exc:  # noqa: BLE001 - one bad card must not stop the batch
        return failure_of(card, fmt, exc)


def render_card(card: Card, formats: list[str], out_dir: Path) -> tuple[list[BuiltFile], list[Failure]]:
    """Render and write one card in each format (the unit of work of a worker)."""
    files, failures = [], []
    for name in formats:
        data = render_one(card, name)
        if isinstance(data, Failure):
            failures.append(data)
            continue
        target = inside(out_dir, card_filename(card.id, card.title, WRITERS[name].suffix))
        write_bytes_atomic(target, data)  # OutputError: the folder cannot be written, stop the build
        files.append(BuiltFile(target.name, card.id, name, len(data), hashlib.sha256(data).hexdigest()))
    return files, failures


def ordered_map(function: Callable[[T], R], items: Iterable[T], jobs: int) -> Iterator[R]:
    """``map`` over worker processes, results in order; at most ``jobs × 4`` items are in flight,
    so memory stays flat in the number of items. Ctrl-C or an error starts no more items."""
    if jobs <= 1:
        yield from map(function, items)
        return
    with ProcessPoolExecutor(max_workers=jobs, initializer=_leave_interrupts_to_the_main_process) as pool:
        pending: deque[Future[R]] = deque()
        try:
            for item in items:
                pending.append(pool.submit(function, item))
                if len(pending) >= jobs * 4:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        except BaseException:
            for future in pending:
                future.cancel()
            raise


def _leave_interrupts_to_the_main_process() -> None:
    """Workers ignore Ctrl-C: the main process stops the build and lets them finish the card at hand,
    so that no worker dies halfway through a file (leaving a temp file) or prints a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def build(
    cards: list[Card],
    out_dir: Path,
    formats: list[str],
    as_of: dt.date | None = None,
    jobs: int = 1,
    on_card: Callable[[], None] | None = None,
) -> BuildReport:
    """Write every card in every format to ``out_dir`` plus ``manifest.json``.

    An output folder that cannot be written raises :class:`OutputError` at the first file;
    an interrupted or stopped build leaves no temp files (finished files are whole).
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        remove_stale_temp_files(out_dir)
    except OSError as exc:
        raise OutputError.of(out_dir, exc) from exc
    report = BuildReport()
    views = (as_of_view(card, as_of) for card in cards)
    try:
        render = functools.partial(render_card, formats=formats, out_dir=out_dir)
        for files, failures in ordered_map(render, views, min(jobs, len(cards))):
            report.files += files
            report.failures += failures
            if on_card:
                on_card()
    except BaseException:
        with contextlib.suppress(OSError):
            remove_stale_temp_files(out_dir)  # a file cut off between its temp file and its rename
        raise
    write_manifest(out_dir, report.files, as_of)
    return report


def remove_stale_temp_files(out_dir: Path) -> None:
    """Remove temp files a killed earlier build left behind (``.name.XXXX.tmp``)."""
    for leftover in out_dir.glob(".*.tmp"):
        leftover.unlink(missing_ok=True)


def manifest_json(files: list[BuiltFile], as_of: dt.date | None) -> str:
    """``manifest.json``: every file with 관리번호, format, size and sha256 (sorted, no timestamps)."""
    entries = [dict(asdict(f), 기준일=as_of.isoformat() if as_of else "", reportgen=__version__)
               for f in sorted(files, key=lambda f: f.file)]
    return json.dumps({"files": entries}, ensure_ascii=False, indent=1) + "\n"


def write_manifest(out_dir: Path, files: list[BuiltFile], as_of: dt.date | None) -> None:
    """Write ``manifest.json`` into the output folder."""
    write_text_atomic(out_dir / MANIFEST, manifest_json(files, as_of))


def default_jobs() -> int:
    """Worker processes by default: the CPU count."""
    return os.cpu_count() or 1
