"""Batch build: every card of a workbook in every asked format, written atomically.

One failing card does not stop the others: failures are collected and the
build exits 1. ``manifest.json`` lists every file with its sha256.

The output folder: one build at a time (:func:`folder_lock`); a link at a card's path is
replaced, a folder there fails that card; after a build, the card files of the previous
manifest that this build replaced are removed when they still hold reportgen's bytes
(:func:`tidy_folder`). Processes: workers die with the main process, even on ``kill -9``
(:func:`ordered_map`), and SIGTERM/SIGHUP stop a build as Ctrl-C does (:func:`stop_on_termination`).
"""

from __future__ import annotations

import contextlib
import copy
import ctypes
import datetime as dt
import errno
import fcntl
import functools
import gc
import hashlib
import heapq
import json
import os
import re
import signal
import stat
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from reportgen import __version__
from reportgen.document import Document
from reportgen.documents import card_document
from reportgen.errors import CardError, InputError, Problem, Problems
from reportgen.fileio import (
    FolderInTheWay,
    OutputError,
    card_filename,
    end_inherited_hold,
    inside,
    safe_filename,
    signals_held,
    stop_later,
    stop_signals_held,
    write_chunks_atomic,
    write_files_atomic,
)
from reportgen.formats import WRITERS
from reportgen.model import Card, Workbook
from reportgen.periods import is_after
from reportgen.resources import WriterOptions
from reportgen.workbook_contract import SHEET_CARDS

MANIFEST = "manifest.json"
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)  # slots: a build of N cards holds N × formats of these
class BuiltFile:
    """One written file, as listed in manifest.json."""

    file: str
    관리번호: str
    format: str
    bytes: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Failure:
    """A card that could not be written in one format."""

    card_id: str
    format: str
    message: str


@dataclass
class BuildReport:
    """What a build wrote, what failed, and which old card files it removed or kept."""

    files: list[BuiltFile] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # old card files of an earlier build, removed
    kept: list[str] = field(default_factory=list)  # old card files changed since, left in place
    notes: list[str] = field(default_factory=list)


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


_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def parse_as_of(text: str | None, source: str = "--as-of") -> dt.date | None:
    """``YYYY-MM-DD`` (a real day, nothing before or after it) → date; empty → None.

    Anything else is an input error naming ``source`` and the accepted form.
    """
    if text is None or not str(text).strip():
        return None
    value = str(text).strip()
    match = _DAY.fullmatch(value)
    try:
        if match is None:
            raise ValueError(value)
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError as exc:
        raise InputError(Problem(source, "", f"기준일이 날짜가 아닙니다: {value}", f"not a date: {value}",
                                 "YYYY-MM-DD 꼴의 있는 날짜로 쓰세요, 예: 2024-12-31",
                                 "write a real day as YYYY-MM-DD, e.g. 2024-12-31")) from exc


def select_cards(workbook: Workbook, only: str | None, source: str) -> list[Card]:
    """All cards (``only`` is None), or those named by ``--only 3-1,3-2``, each once, in the order named.

    ``only`` naming no 관리번호 at all (``""``, ``",,"``) and an unknown id are input errors.
    """
    if only is None:
        return list(workbook.cards)
    wanted = list(dict.fromkeys(part.strip() for part in only.split(",") if part.strip()))
    if not wanted:
        raise InputError(Problem(source, "", f"{source} 에 관리번호가 없습니다: {only!r}",
                                 f"{source} names no 관리번호: {only!r}",
                                 f"쉼표로 나눈 관리번호를 주세요, 예: {source} 3-1,3-2",
                                 f"give 관리번호 separated by commas, e.g. {source} 3-1,3-2"))
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


def render_one(card: Card, fmt: str, options: WriterOptions | None = None, doc: Document | None = None
               ) -> bytes | Failure:
    """The card in one format (from ``doc``, its document, when already built), or the failure when
    the writer cannot express it."""
    try:
        if doc is not None:
            return WRITERS[fmt].render_document(doc, options)
        return WRITERS[fmt].render(card, options)
    except Exception as exc:  # noqa: BLE001 - one bad card must not stop the batch
        return failure_of(card, fmt, exc)


def shared_document(card: Card) -> Document | None:
    """The card's document, built once for all its formats; ``None`` when it cannot be built (each
    format then reports the reason as its own failure)."""
    try:
        return card_document(card)
    except Exception:  # noqa: BLE001 - render_one reports it per format
        return None


#: most card files a worker flushes together (one fileio.write_files_atomic call): a build's cards
#: go to the workers in chunks of about this many files. write_files_atomic takes up to
#: fileio.BATCH_OPEN_MAX files a call; larger flushes would share more journal commits
#: (bench/bench_writes.py batch-512) but change the chunk sizes tests/test_batch.py pins
FILES_PER_FLUSH = 64

#: one rendered file waiting for its flush: (index of its card in the chunk, format, target, bytes)
_Ready = tuple[int, str, Path, bytes]
#: what stays of a file once handed to a flush: (card index, format, target, size, sha256)
_Done = tuple[int, str, Path, int, str]
#: flushes per chunk: all but a chunk's last flush run while the next files render
FLUSHES_PER_CHUNK = 4
#: chunks in flight per worker: a stop (Ctrl-C) lets the chunks at hand finish, cancels the rest
CHUNKS_AHEAD = 2


def render_card(card: Card, formats: list[str], out_dir: Path, options: WriterOptions | None = None
                ) -> tuple[list[BuiltFile], list[Failure]]:
    """Render and write one card in each format (:func:`render_cards` of one card)."""
    return render_cards([card], formats, out_dir, options)


def render_cards(cards: list[Card], formats: list[str], out_dir: Path, options: WriterOptions | None = None
                 ) -> tuple[list[BuiltFile], list[Failure]]:
    """Render a chunk of cards in each format and write their files (the unit of work of a worker);
    return only what was written (name, size, sha256) and what failed, card by card.

    The files go out in flushes of at most :data:`FILES_PER_FLUSH` (:func:`write_files_atomic`:
    each file whole or as it was, no temp file left). A full flush is written by a
    :class:`_Flusher` thread while the next cards render; the last one in this thread, after the
    others are done, so that every file is on disk on return. A folder where a card's file should
    go fails that file only; a folder that cannot be written at all raises :class:`OutputError`.
    """
    failures: list[list[Failure]] = [[] for _ in cards]
    done: list[_Done] = []
    group: list[_Ready] = []
    blocked: set[str] = set()
    with _Flusher() as flusher:
        for index, card in enumerate(cards):
            failures[index] += _render_into(index, card, formats, out_dir, options, group)
            if len(group) + len(formats) > FILES_PER_FLUSH:  # the next card would not fit
                blocked |= flusher.wait()
                flusher.start(_hand_over(group, done))
                group = []
        blocked |= flusher.wait()
        blocked |= _flush(_hand_over(group, done))
    return _report(cards, done, blocked, failures)


def _hand_over(group: list[_Ready], done: list[_Done]) -> list[tuple[Path, bytes]]:
    """Record each file's size and sha256 in ``done``; the ``(target, bytes)`` to flush."""
    done += [(index, name, target, len(data), hashlib.sha256(data).hexdigest()) for index, name, target, data in group]
    return [(target, data) for _, _, target, data in group]


def _flush(items: list[tuple[Path, bytes]]) -> set[str]:
    """Write ``items`` atomically; the paths not written because a folder has their name."""
    return {skipped.folder for skipped in write_files_atomic(items)} if items else set()


def _report(cards: list[Card], done: list[_Done], blocked: set[str], failures: list[list[Failure]]
            ) -> tuple[list[BuiltFile], list[Failure]]:
    """The files written and the failures, card by card, formats in the order asked."""
    files: list[list[BuiltFile]] = [[] for _ in cards]
    for index, name, target, size, digest in done:
        card_id = cards[index].id
        if str(target) in blocked:
            failures[index].append(Failure(card_id, name, folder_in_the_way(target)))
        else:
            files[index].append(BuiltFile(target.name, card_id, name, size, digest))
    return [f for each in files for f in each], [f for each in failures for f in each]


class _Flusher:
    """One flush at a time in a background thread, so that a worker renders while the disk writes
    (``fdatasync`` lets go of the GIL). Leaving the ``with`` block waits for the flush at hand, on an
    error or a stop too: a worker exits, and the main process sweeps temp files, only once no flush
    is under way, so every file is whole or as it was and no temp file is left."""

    def __init__(self) -> None:
        self._done: threading.Event | None = None  # set once the flush at hand has ended
        self._blocked: set[str] = set()
        self._error: BaseException | None = None

    def __enter__(self) -> _Flusher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._join()

    def start(self, items: list[tuple[Path, bytes]]) -> None:
        """Write ``items`` (:func:`_flush`) in the background; call :meth:`wait` first."""
        self._done = threading.Event()
        thread = threading.Thread(target=self._run, args=(items, self._done), name="reportgen-flush", daemon=True)
        start_without_stop_signals(thread)

    def _run(self, items: list[tuple[Path, bytes]], done: threading.Event) -> None:
        try:
            self._blocked = _flush(items)
        except BaseException as exc:  # noqa: BLE001 - handed to wait(), in the thread that renders
            self._error = exc
        finally:
            done.set()

    def wait(self) -> set[str]:
        """Wait for the flush at hand; the paths it skipped (a folder in the way), or its error."""
        self._join()
        error, blocked = self._error, self._blocked
        self._error, self._blocked = None, set()
        if error is not None:
            raise error
        return blocked

    def _join(self) -> None:
        """Wait for the flush to end, even through a stop signal (raised again once it has). An
        event, not ``Thread.join``: a join cut short by a signal may take the thread for ended
        while it still writes (CPython bpo-45274)."""
        stop: BaseException | None = None
        while self._done is not None and not self._done.is_set():
            try:
                self._done.wait()
            except BaseException as exc:  # noqa: BLE001 - a stop waits for the flush at hand, then goes on
                stop = stop or exc
        self._done = None
        if stop is not None:
            raise stop


def _render_into(index: int, card: Card, formats: list[str], out_dir: Path, options: WriterOptions | None,
                 ready: list[_Ready]) -> list[Failure]:
    """Render ``card`` in each format, its document built once; append what rendered to ``ready``
    and return the formats that failed."""
    failures: list[Failure] = []
    doc = shared_document(card) if len(formats) > 1 else None
    with shared_parts(formats, doc):
        for name in formats:
            data = render_one(card, name, options, doc)
            if isinstance(data, Failure):
                failures.append(data)
                continue
            ready.append((index, name, inside(out_dir, card_filename(card.id, card.title, WRITERS[name].suffix)), data))
    return failures


def chunk_size(cards: int, formats: int, jobs: int) -> int:
    """Cards per unit of work: :data:`FLUSHES_PER_CHUNK` flushes of about :data:`FILES_PER_FLUSH`
    files, but no more than a quarter of an even share of the cards per worker (a small build still
    keeps every worker busy to the end); at least 1."""
    per_flush = max(1, FILES_PER_FLUSH // max(1, formats))
    share = -(-cards // (4 * jobs)) if jobs > 1 else cards  # ceil
    return max(1, min(per_flush * FLUSHES_PER_CHUNK, share))


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter), read lazily."""
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def shared_parts(formats: list[str], doc: Document | None) -> contextlib.AbstractContextManager[None]:
    """Where the card's HWPX parts are drawn once for its .hwpx and its .hwp (both asked, its
    document built): the HWPX writer's per-card memo; elsewhere nothing."""
    if doc is None or not {"hwpx", "hwp"} <= set(formats):
        return contextlib.nullcontext()
    from reportgen.writers.hwpx import shared_parts as hwpx_shared_parts  # imported only when asked

    return hwpx_shared_parts()


def folder_in_the_way(path: Path) -> str:
    """The failure message of a card whose file name is taken by a folder."""
    return (f"{path}: 같은 이름의 폴더가 있습니다 / a folder has the card's name"
            f" → 그 폴더를 옮기거나 이름을 바꾸세요 / move or rename that folder")


# ── processes: workers and signals ────────────────────────────────────────
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_PARENT_POLL = 0.5  # seconds between looks at the parent when prctl is not available


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP reached the main process: the build stops as on Ctrl-C (exit 130)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


class WorkerLost(KeyboardInterrupt):
    """A worker process was killed (by the out-of-memory killer, by hand): the build stops as on
    Ctrl-C (exit 130; the files written are whole, no temp file is left), it is no bug to report."""


class WorkerStopped(BaseException):
    """SIGTERM in a worker (the OS sends it when the main process dies): unwinds the card at hand,
    so that its atomic write removes its temp file, then the worker exits."""


@contextlib.contextmanager
def stop_on_termination() -> Iterator[None]:
    """SIGTERM and SIGHUP raise :class:`Terminated` (a KeyboardInterrupt) while inside, once:
    the work stops as on Ctrl-C, and every ``finally`` and atomic write cleans up.

    A signal set to be ignored (``nohup``) stays ignored; outside the main thread this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    fired = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal fired
        if signals_held():  # inside a temp file's making: the signal comes again when it is recorded
            stop_later(signum)
            return
        if not fired:
            fired = True
            raise Terminated(signum)

    previous = {}
    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) is not signal.SIG_IGN:
            previous[signum] = signal.signal(signum, stop)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


def set_parent_death_signal(signum: int) -> bool:
    """Ask Linux to send ``signum`` to this process when its parent dies (``prctl(PR_SET_PDEATHSIG)``).

    False where that is not available (not Linux, no libc).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def watch_parent(parent: int, signum: int) -> None:
    """Fallback of :func:`set_parent_death_signal`: a thread sends ``signum`` to this process
    once its parent is no longer ``parent``."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_PARENT_POLL)
        os.kill(os.getpid(), signum)

    start_without_stop_signals(threading.Thread(target=watch, name="reportgen-parent-watch", daemon=True))


def start_without_stop_signals(thread: threading.Thread) -> None:
    """Start ``thread`` with the stop signals blocked in it (a thread inherits its maker's mask), so
    that they always reach the main thread: a thread open to them would take one while the main
    thread holds them (:func:`reportgen.fileio.stop_signals_held`), and Python would then run the
    handler in the main thread at once, between a temp file made and its clean-up recorded."""
    with stop_signals_held():
        thread.start()


def die_with_parent(main_pid: int, signum: int = signal.SIGTERM) -> bool:
    """Get ``signum`` when the parent process dies; False when it (or ``main_pid``) is already gone."""
    parent = os.getppid()
    if not set_parent_death_signal(signum):
        watch_parent(parent, signum)
    return os.getppid() == parent and _alive(main_pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_working = False  # a worker is inside a card (its SIGTERM handler must unwind it, not exit at once)
_stopping = False  # a worker is unwinding its card after SIGTERM


def _worker_setup(main_pid: int) -> None:
    """A worker process: Ctrl-C and hang-up are left to the main process, which stops the build and
    lets the worker finish the card at hand; SIGTERM (sent by the OS when the main process dies, or
    by anyone) unwinds the card at hand, so that no temp file is left, and ends the worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_worker)
    end_inherited_hold()  # forked inside ordered_map's hold: the stop signals come from here on
    if not die_with_parent(main_pid, signal.SIGTERM):
        os._exit(128 + signal.SIGTERM)  # the main process died before the worker could watch it


def _stop_worker(signum: int, _frame: object) -> None:
    """SIGTERM in a worker: unwind the card at hand (once: a second signal must not cut the clean-up
    short), or exit at once when idle."""
    global _stopping
    if signals_held():  # inside a temp file's making: the signal comes again when it is recorded
        stop_later(signum)
        return
    if not _working:
        os._exit(128 + signum)
    if not _stopping:
        _stopping = True
        raise WorkerStopped(signum)


class _InWorker:
    """``function`` run in a worker: a :class:`WorkerStopped` ends the process once the card is unwound."""

    def __init__(self, function: Callable[[T], R]):
        self.function = function

    def __call__(self, item: T) -> R:
        global _working
        _working = True
        try:
            return self.function(item)
        except WorkerStopped as stop:
            os._exit(128 + (stop.args[0] if stop.args else signal.SIGTERM))
        finally:
            _working = False


@contextlib.contextmanager
def objects_frozen() -> Iterator[None]:
    """Every object the main process holds moved out of the cycle collector's reach while inside
    (``gc.freeze``): the forked workers share the main process's memory (the whole workbook) page by
    page, and a collection in a worker would otherwise touch, and so copy, those pages."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def ordered_map(function: Callable[[T], R], items: Iterable[T], jobs: int, ahead: int = 4) -> Iterator[R]:
    """``map`` over worker processes, results in order; at most ``jobs × ahead`` items are in flight,
    so memory stays flat in the number of items. Ctrl-C or an error starts no more items (those
    not yet handed to a worker are cancelled).

    Workers die with the main process (even on ``kill -9``), leaving no temp file; a worker
    killed on its own raises :class:`WorkerLost`.
    """
    if jobs <= 1:
        yield from map(function, items)
        return
    task = _InWorker(function)
    with objects_frozen(), ProcessPoolExecutor(max_workers=jobs, initializer=_worker_setup,
                                               initargs=(os.getpid(),)) as pool:
        pending: deque[Future[R]] = deque()
        try:
            for number, item in enumerate(items):
                # the first submit forks every worker: a stop signal landing in a fork is lost (an
                # at-fork hook swallows the exception), so it waits until the forks are done
                with stop_signals_held() if number == 0 else contextlib.nullcontext():
                    pending.append(pool.submit(task, item))
                if len(pending) >= jobs * ahead:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        except BaseException as exc:
            for future in pending:
                future.cancel()
            if isinstance(exc, BrokenProcessPool):
                raise WorkerLost from exc
            raise


# ── one build per folder ──────────────────────────────────────────────────
LOCK_FILE = ".reportgen.lock"
LOCK_WAIT = 3.0  # seconds a build waits for another build in the same folder


class FolderBusy(OutputError):
    """Another build holds the output folder's lock (exit 2)."""

    def __str__(self) -> str:
        return (f"{self.folder}: 다른 reportgen build가 이 폴더에 쓰고 있습니다 / "
                f"another reportgen build is writing into this folder\n"
                f"    → 그 build가 끝난 뒤 다시 실행하거나 -o 로 다른 폴더를 주세요 / "
                f"wait for it to finish and run again, or give another folder with -o")


@contextlib.contextmanager
def folder_lock(out_dir: Path, wait: float = LOCK_WAIT) -> Iterator[None]:
    """Hold the output folder's lock (``flock`` on ``.reportgen.lock``) while inside.

    A second build waits up to ``wait`` seconds, then raises :class:`FolderBusy`. The lock file
    is removed on release; a crashed build's lock is released by the OS and its file is reused.
    """
    path = out_dir / LOCK_FILE
    fd = _acquire(path, wait)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)  # still locked: a build waiting on this file sees it gone and starts afresh
        os.close(fd)


def _acquire(path: Path, wait: float) -> int:
    deadline = time.monotonic() + wait
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise OutputError.of(path.parent, exc) from exc
        try:
            if _locked(fd) and _same_file(fd, path):
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
        if time.monotonic() >= deadline:
            raise FolderBusy(str(path.parent))
        time.sleep(0.05)


def _locked(fd: int) -> bool:
    """Take the lock without waiting; True also where the file system cannot lock (nothing to enforce)."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as exc:
        if exc.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS):
            return True
        raise
    return True


def _same_file(fd: int, path: Path) -> bool:
    """Whether the locked file is still the one at ``path`` (the holder removes it on release)."""
    try:
        there = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    here = os.fstat(fd)
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


# ── the build ─────────────────────────────────────────────────────────────
def build(
    cards: list[Card],
    out_dir: Path,
    formats: list[str],
    as_of: dt.date | None = None,
    jobs: int = 1,
    on_card: Callable[[], None] | None = None,
    whole_workbook: bool = False,
    lock_wait: float = LOCK_WAIT,
    options: WriterOptions | None = None,
) -> BuildReport:
    """Write every card in every format to ``out_dir`` plus ``manifest.json``, then remove the card
    files an earlier build made that this one replaced (see :func:`tidy_folder`).

    ``whole_workbook``: ``cards`` are all the workbook's cards (no ``--only``), so files of cards
    no longer in it are old too. ``options`` go to every writer (``--templates``). One build at a
    time per folder (:func:`folder_lock`).
    An output folder that cannot be written raises :class:`OutputError` at the first file;
    an interrupted, stopped or terminated (SIGTERM, SIGHUP) build leaves no temp files.
    """
    with stop_on_termination():
        _prepare(out_dir)
        with folder_lock(out_dir, lock_wait):
            try:
                remove_stale_temp_files(out_dir)
                previous, note = previous_manifest(out_dir)
            except OSError as exc:
                raise OutputError.of(out_dir, exc) from exc
            report = _write_cards(cards, out_dir, formats, as_of, jobs, on_card, options)
            if note:
                report.notes.append(note)
            ids = None if whole_workbook else {card.id for card in cards}
            carried = tidy_folder(out_dir, previous, report, formats, ids)
            write_manifest(out_dir, report.files, as_of, carried)
    return report


def _prepare(out_dir: Path) -> None:
    """Make the output folder; a folder named manifest.json in it stops the build before any write."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError.of(out_dir, exc) from exc
    manifest = out_dir / MANIFEST
    if _kind(manifest) == stat.S_IFDIR:
        raise FolderInTheWay(str(manifest))


def _write_cards(cards: list[Card], out_dir: Path, formats: list[str], as_of: dt.date | None, jobs: int,
                 on_card: Callable[[], None] | None, options: WriterOptions | None = None) -> BuildReport:
    """Every card in every format; on any exception, the temp files of files cut off are swept."""
    report = BuildReport()
    workers = min(jobs, len(cards))
    views = (as_of_view(card, as_of) for card in cards)
    chunks = chunked(views, chunk_size(len(cards), len(formats), workers))
    try:
        render = functools.partial(_render_chunk, formats=formats, out_dir=out_dir, options=options)
        for files, failures, done in ordered_map(render, chunks, workers, ahead=CHUNKS_AHEAD):
            report.files += files
            report.failures += failures
            if on_card:
                for _ in range(done):
                    on_card()
    except BaseException:
        with contextlib.suppress(OSError):
            remove_stale_temp_files(out_dir)  # a file cut off between its temp file and its rename
        raise
    return report


def _render_chunk(cards: list[Card], formats: list[str], out_dir: Path, options: WriterOptions | None
                  ) -> tuple[list[BuiltFile], list[Failure], int]:
    """:func:`render_cards` as the workers run it: what goes back is the small report and the
    number of cards done (for the progress bar), never the files' bytes."""
    files, failures = render_cards(cards, formats, out_dir, options)
    return files, failures, len(cards)


_TEMP_NAME = re.compile(r"\..+\.[a-z0-9_]+\.tmp")  # write_bytes_atomic's: .{name}.{random}.tmp


def remove_stale_temp_files(out_dir: Path) -> None:
    """Remove temp files a killed earlier build left behind (``.name.XXXXXXXX.tmp``).

    Only regular files named the way :func:`write_bytes_atomic` names them; a ``.notes.tmp``
    of the user's, a folder or a link is left alone.
    """
    for leftover in out_dir.glob(".*.tmp"):
        if _TEMP_NAME.fullmatch(leftover.name) and _kind(leftover) == stat.S_IFREG:
            leftover.unlink(missing_ok=True)


# ── manifest.json and old card files ──────────────────────────────────────
MAX_MANIFEST_BYTES = 64 * 1024 * 1024  # a manifest of 100 000 files is ~25 MB
_SHA256 = re.compile(r"[0-9a-f]{64}")
_ENTRY_KEYS = ("file", "관리번호", "format", "bytes", "sha256", "기준일", "reportgen")
NOTE_BAD_MANIFEST = ("옛 manifest.json 을 읽을 수 없어 옛 카드 파일을 지우지 않았습니다 / "
                     "the previous manifest.json could not be read, so no old card file was removed")


def previous_manifest(out_dir: Path) -> tuple[list[dict[str, object]], str]:
    """The entries of the manifest.json an earlier build left (well-formed ones only), and a note
    when there is one that cannot be trusted (not a regular file, too large, not a manifest)."""
    try:
        fd = os.open(out_dir / MANIFEST, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return [], ""
    except OSError:
        return [], NOTE_BAD_MANIFEST
    with os.fdopen(fd, "rb") as source:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_MANIFEST_BYTES:
            return [], NOTE_BAD_MANIFEST
        data = source.read(MAX_MANIFEST_BYTES + 1)
    try:
        files = json.loads(data).get("files")
    except (ValueError, AttributeError):
        return [], NOTE_BAD_MANIFEST
    if not isinstance(files, list):
        return [], NOTE_BAD_MANIFEST
    return [entry for entry in files if _well_formed(entry)], ""


def _well_formed(entry: object) -> bool:
    if not isinstance(entry, dict):
        return False
    texts = all(isinstance(entry.get(key), str) for key in ("file", "관리번호", "format", "sha256"))
    size = entry.get("bytes")
    return (texts and isinstance(size, int) and not isinstance(size, bool) and size >= 0
            and bool(_SHA256.fullmatch(str(entry["sha256"]))))


def card_file_of(entry: dict[str, object]) -> bool:
    """Whether a manifest entry names a card file reportgen could have made for its 관리번호 and format:
    one safe name in the folder, ``{관리번호}_….{suffix}`` (a hand-edited ``../x`` or ``메모.docx`` is not)."""
    name, card_id, fmt = str(entry["file"]), str(entry["관리번호"]), str(entry["format"])
    if fmt not in WRITERS or name.startswith(".") or "/" in name or "\\" in name:
        return False
    suffix = WRITERS[fmt].suffix
    stem = safe_filename(card_id, "")
    made_safe = name.endswith(suffix) and safe_filename(name[: -len(suffix)], suffix) == name
    return made_safe and (name == stem + suffix or name.startswith(stem + "_"))


def tidy_folder(out_dir: Path, previous: list[dict[str, object]], report: BuildReport, formats: list[str],
                ids: set[str] | None) -> list[dict[str, object]]:
    """Remove the card files the previous manifest lists that this build replaced; return the entries
    to carry into the new manifest (files of cards or formats this build did not make).

    A listed file is old when this build made its card (any card with ``ids`` None) in its format,
    that card did not fail in it, and this build did not write that name. It is removed only when it
    is a card file name (:func:`card_file_of`), a regular file in the folder (not a link), and still
    holds the very bytes reportgen wrote (size and sha256 as listed): a file someone changed since,
    or one the manifest was edited to name, is kept (``report.kept``). Removed names go to
    ``report.removed``.
    """
    made = {f.file.casefold() for f in report.files}
    failed = {(f.card_id, f.format) for f in report.failures}
    carried: dict[str, dict[str, object]] = {}
    for entry in previous:
        name = str(entry["file"])
        if name.casefold() in made or name.casefold() in carried or not card_file_of(entry):
            continue
        card_id, fmt = str(entry["관리번호"]), str(entry["format"])
        if fmt in formats and (ids is None or card_id in ids) and (card_id, fmt) not in failed:
            _remove_old(out_dir / name, entry, report)
        elif _kind(out_dir / name) == stat.S_IFREG:
            carried[name.casefold()] = {key: entry[key] for key in _ENTRY_KEYS if key in entry}
    return list(carried.values())


def _remove_old(path: Path, entry: dict[str, object], report: BuildReport) -> None:
    """Remove an old card file that still holds the bytes reportgen wrote; note one that does not."""
    if _holds(path, int(str(entry["bytes"])), str(entry["sha256"])):
        try:
            path.unlink()
        except FileNotFoundError:
            return
        except OSError:
            report.kept.append(path.name)
            return
        report.removed.append(path.name)
    elif _kind(path) is not None:
        report.kept.append(path.name)


def _kind(path: Path) -> int | None:
    """The type of what is at ``path`` itself (``stat.S_IFREG``, ``S_IFDIR``, ``S_IFLNK`` …: a link
    is not followed), or None when nothing is there."""
    try:
        return stat.S_IFMT(path.lstat().st_mode)
    except OSError:
        return None


def _holds(path: Path, size: int, sha256: str) -> bool:
    """Whether ``path`` is a regular file (not a link) of exactly ``size`` bytes hashing to ``sha256``."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return False
    digest = hashlib.sha256()
    with os.fdopen(fd, "rb") as source:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size != size:
            return False
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest() == sha256


def tidy_lines(report: BuildReport) -> list[str]:
    """What the CLI says about old card files: removed, kept because changed, notes."""
    lines = [f"옛 카드 파일을 지웠습니다 / removed an old card file: {name}" for name in report.removed]
    lines += [f"옛 카드 파일을 남겨 두었습니다 (reportgen이 쓴 뒤 바뀌었거나 지울 수 없음) / kept an old card file "
              f"(changed since reportgen wrote it, or cannot be removed): {name}" for name in report.kept]
    return lines + [f"※ {note}" for note in report.notes]


def manifest_json(files: list[BuiltFile], as_of: dt.date | None, carried: Iterable[dict[str, object]] = ()) -> str:
    """``manifest.json``: every file with 관리번호, format, size and sha256 (sorted, no timestamps);
    ``carried`` entries (files of earlier builds still in the folder) keep their own 기준일."""
    return "".join(manifest_pieces(files, as_of, carried))


def manifest_pieces(files: list[BuiltFile], as_of: dt.date | None, carried: Iterable[dict[str, object]] = ()
                    ) -> Iterator[str]:
    """:func:`manifest_json` piece by piece, one entry at a time (the same text as
    ``json.dumps({"files": sorted entries}, ensure_ascii=False, indent=1)``): a build of many
    cards never holds the whole manifest, only its list of files."""
    day = as_of.isoformat() if as_of else ""
    made = (_entry(f, day) for f in sorted(files, key=_file_name))
    kept = sorted(carried, key=lambda e: str(e["file"]))
    entries = heapq.merge(made, kept, key=lambda e: str(e["file"]))  # stable: as one sorted list
    first = next(entries, None)
    if first is None:
        yield '{\n "files": []\n}\n'
        return
    yield '{\n "files": [\n' + _entry_json(first)
    for entry in entries:
        yield ",\n" + _entry_json(entry)
    yield "\n ]\n}\n"


def _file_name(built: BuiltFile) -> str:
    return built.file


def _entry(built: BuiltFile, day: str) -> dict[str, object]:
    """A manifest entry of a file this build wrote."""
    return {"file": built.file, "관리번호": built.관리번호, "format": built.format, "bytes": built.bytes,
            "sha256": built.sha256, "기준일": day, "reportgen": __version__}


def _entry_json(entry: dict[str, object]) -> str:
    """One entry as ``json.dumps(..., indent=1)`` writes it inside the ``files`` list (two levels in)."""
    return "\n".join("  " + line for line in json.dumps(entry, ensure_ascii=False, indent=1).split("\n"))


def write_manifest(out_dir: Path, files: list[BuiltFile], as_of: dt.date | None,
                   carried: Iterable[dict[str, object]] = ()) -> None:
    """Write ``manifest.json`` into the output folder, entry by entry (:func:`manifest_pieces`)."""
    pieces = (piece.encode("utf-8") for piece in manifest_pieces(files, as_of, carried))
    write_chunks_atomic(out_dir / MANIFEST, _joined(pieces, 1 << 16))


def _joined(pieces: Iterable[bytes], size: int) -> Iterator[bytes]:
    """``pieces`` joined into blocks of at least ``size`` bytes (the last one shorter)."""
    block: list[bytes] = []
    held = 0
    for piece in pieces:
        block.append(piece)
        held += len(piece)
        if held >= size:
            yield b"".join(block)
            block, held = [], 0
    if block:
        yield b"".join(block)


def default_jobs() -> int:
    """Worker processes by default: the CPU count."""
    return os.cpu_count() or 1
