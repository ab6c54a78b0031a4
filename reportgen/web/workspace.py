"""The folder the web application works in, and what it keeps in memory between requests.

A workspace holds ``master.xlsx``, ``history/`` (earlier masters, never deleted) and ``output/``.
Uploads are written under ``.uploads/`` with names the server makes (a random token and one of the
known suffixes): a user's file name is shown, never used as a path.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reportgen import model
from reportgen.collect import (
    CARD_SUFFIXES,
    WORKBOOK_SUFFIX,
    Accepted,
    Checked,
    Collected,
    Replaced,
    accept,
    check_workbook,
    replace_master,
)
from reportgen.errors import InputError, Problem
from reportgen.fileio import inside, write_bytes_atomic
from reportgen.readers.workbook import read_workbook

MASTER = "master.xlsx"
HISTORY = "history"
OUTPUT = "output"
UPLOADS = ".uploads"
#: the repo's sample workspace (a source checkout only; a wheel has none)
SAMPLE = Path(__file__).resolve().parent.parent.parent / "input"
#: what a file must start with to be what its suffix says (type checked by content)
_MAGIC = {".xlsx": (b"PK\x03\x04",), ".docx": (b"PK\x03\x04",), ".hwpx": (b"PK\x03\x04",),
          ".hwp": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)}
ALLOWED_COLLECT = (*CARD_SUFFIXES, WORKBOOK_SUFFIX)
ALLOWED_WORKBOOK = (WORKBOOK_SUFFIX,)
#: collections and finished jobs kept in memory at most (the oldest go first)
KEEP = 20
#: workbooks kept read in memory: the master and the one before it (undo). Few: each kept workbook
#: makes later reads a little slower (the garbage collector walks its objects)
BOOKS = 2
#: checked uploads waiting to become the master (each holds a whole workbook in memory)
KEEP_CHECKED = 2


def default_workspace() -> Path:
    """``~/reportgen``: the user's own folder, kept across updates of the program (never the repo)."""
    return Path.home() / "reportgen"


def _copy(source: Path, target: Path) -> None:
    """A sample file copied atomically, keeping its date (history shows when a version was saved)."""
    write_bytes_atomic(target, source.read_bytes())
    stat = source.stat()
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def _copy_sample(root: Path) -> None:
    """A new workspace starts with the sample master and its history, when the checkout has them."""
    if (SAMPLE / MASTER).is_file():
        _copy(SAMPLE / MASTER, root / MASTER)
    sample_history = SAMPLE / HISTORY
    if sample_history.is_dir():
        for path in sorted(sample_history.glob("*.xlsx")):
            _copy(path, root / HISTORY / path.name)


def _upload_problem(name: str, ko: str, en: str, fix_ko: str, fix_en: str) -> InputError:
    return InputError(Problem(name, "", ko, en, fix_ko, fix_en))


def file_kind(name: str, data: bytes, allowed: tuple[str, ...]) -> str:
    """The suffix of an upload (lower case) when it is ``allowed`` and the content agrees."""
    suffix = os.path.splitext(name)[1].lower()
    listed = ", ".join(allowed)
    if suffix not in allowed:
        raise _upload_problem(name, f"올릴 수 없는 파일 형식입니다: {suffix or '(확장자 없음)'}",
                              f"this kind of file cannot be uploaded here: {suffix or '(no suffix)'}",
                              f"{listed} 파일을 올리세요", f"upload a {listed} file")
    if not data:
        raise _upload_problem(name, "빈 파일입니다", "the file is empty", "내용이 있는 파일을 올리세요",
                              "upload the file with its content")
    magic = _MAGIC.get(suffix)
    if magic and not data.startswith(magic):
        raise _upload_problem(name, f"{suffix} 파일이 아닙니다 (내용이 다른 형식입니다)",
                              f"not a {suffix} file (its content is of another kind)",
                              f"프로그램에서 {suffix} 형식으로 저장해 다시 올리세요",
                              f"save it as {suffix} in its program and upload it again")
    return suffix


@dataclass
class Job:
    """Work that takes a while (the package, all cards): its steps so far and its result."""

    id: str
    title: str
    steps: list[str] = field(default_factory=list)
    done: bool = False
    data: bytes = b""
    path: Path | None = None  # the file, when the product was written to disk instead of held
    filename: str = ""
    media_type: str = "application/octet-stream"
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class Product:
    """What a job made: the file and notes for the user. A small file is held (``data``); a large
    one (the package, all cards) is written straight to its file (``path``) and never held whole."""

    data: bytes
    filename: str
    media_type: str
    notes: tuple[str, ...] = ()
    path: Path | None = None


class Workspace:
    """The folder, the master as read (cached while the file is unchanged), collections and jobs."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        self.master = self.root / MASTER
        self.history = self.root / HISTORY
        self.output = self.root / OUTPUT
        self.uploads = self.root / UPLOADS
        self._lock = threading.Lock()
        self._books: OrderedDict[str, model.Workbook] = OrderedDict()  # by the hash of the file's bytes
        self._seen: tuple[tuple[int, int, int], str] | None = None  # the master's stat and hash as last read
        self._checked: OrderedDict[str, Checked] = OrderedDict()
        self.collections: OrderedDict[str, list[Collected]] = OrderedDict()
        self.jobs: OrderedDict[str, Job] = OrderedDict()

    @classmethod
    def open(cls, root: Path) -> Workspace:
        """The workspace at ``root``, its folders made; a new one gets the sample master."""
        root.mkdir(parents=True, exist_ok=True)
        workspace = cls(root)
        for folder in (workspace.history, workspace.output, workspace.uploads):
            folder.mkdir(exist_ok=True)
        if not workspace.master.exists():
            _copy_sample(workspace.root)
        for stale in workspace.uploads.iterdir():  # uploads of an earlier run
            if stale.is_file() and not stale.is_symlink():
                stale.unlink()
        return workspace

    def book(self) -> model.Workbook:
        """The master as read; read again only when its bytes changed. InputError when invalid."""
        try:
            return self.read(self.master)
        except FileNotFoundError:
            raise InputError(Problem(MASTER, "", "작업 폴더에 마스터 워크북이 없습니다",
                                     "the workspace has no master workbook",
                                     "검사 화면에서 마스터 워크북을 올리세요",
                                     "upload a master workbook on the 검사 page")) from None

    def read(self, path: Path) -> model.Workbook:
        """The workbook at ``path`` (the master): from memory when these bytes were read before
        (:data:`BOOKS` are kept), else read (one read at a time). InputError when invalid."""
        key = _stat_key(path)
        with self._lock:
            if self._seen is not None and self._seen[0] == key and self._seen[1] in self._books:
                return self._books[self._seen[1]]
            digest = _digest(path.read_bytes())
            book = self._books.get(digest) or read_workbook(path)
            if _stat_key(path) == key:  # unchanged while it was read: the book is of these bytes
                self._keep(digest, book)
                self._seen = (key, digest)
            return book

    def adopt(self, data: bytes, book: model.Workbook) -> None:
        """A workbook just written as the master (``data``) and what `check` read it as: the next
        page needs no reading."""
        with self._lock:
            self._keep(_digest(data), book)

    def _keep(self, digest: str, book: model.Workbook) -> None:
        self._books[digest] = book
        self._books.move_to_end(digest)
        while len(self._books) > BOOKS:
            self._books.popitem(last=False)

    def card(self, card_id: str) -> model.Card | None:
        """The master's card of this 관리번호 (compared by :func:`reportgen.model.fold`)."""
        key = model.fold(card_id)
        return next((card for card in self.book().cards if model.fold(card.id) == key), None)

    def check(self, name: str, data: bytes) -> tuple[str, Checked]:
        """An uploaded workbook checked (its type by content, then every cell): its token and the
        checked workbook, kept for :meth:`install` (the last :data:`KEEP_CHECKED`). InputError
        (naming ``name``) when it does not pass."""
        path = self.save_upload(name, data, ALLOWED_WORKBOOK)
        try:
            checked = check_workbook(path, name)
        finally:
            remove_quietly(path)
        token = secrets.token_hex(12)
        with self._lock:
            self._checked[token] = checked
            while len(self._checked) > KEEP_CHECKED:
                self._checked.popitem(last=False)
        return token, checked

    def take_checked(self, token: str) -> Checked | None:
        """The checked upload of this token, given once (None when unknown, too old or used)."""
        with self._lock:
            return self._checked.pop(token, None)

    def install(self, checked: Checked) -> Replaced:
        """A checked workbook becomes the master (the old one to history/); it is not read again."""
        done = replace_master(self.master, self.history, checked)
        self.adopt(checked.data, checked.book)
        return done

    def accept(self, cards: list[tuple[str, model.Card]]) -> Accepted:
        """Collected cards merged into the master: read once, by the check of the merged workbook."""
        done = accept(self.master, self.history, cards, self.read)
        self.adopt(done.result.data, done.book)
        return done

    def save_upload(self, name: str, data: bytes, allowed: tuple[str, ...]) -> Path:
        """An upload written under ``.uploads/`` by a name the server makes; its type checked first."""
        suffix = file_kind(name, data, allowed)
        path = inside(self.uploads, f"{secrets.token_hex(12)}{suffix}")
        write_bytes_atomic(path, data)
        return path

    def remember(self, items: list[Collected]) -> str:
        """Keep a collection for its acceptance; returns its id."""
        key = secrets.token_hex(8)
        with self._lock:
            self.collections[key] = items
            while len(self.collections) > KEEP:
                self.collections.popitem(last=False)
        return key

    def start(self, title: str, work: Callable[[Callable[[str], None]], Product]) -> Job:
        """Run ``work(step)`` in a thread; the page follows the job's steps until it is done."""
        job = Job(secrets.token_hex(8), title)
        with self._lock:
            self.jobs[job.id] = job
            while len(self.jobs) > KEEP:
                self.jobs.popitem(last=False)
        threading.Thread(target=_run, args=(job, work), daemon=True, name=f"reportgen-job-{job.id}").start()
        return job


def _stat_key(path: Path) -> tuple[int, int, int]:
    """What changes when a file is written again (an atomic write makes a new inode)."""
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size, stat.st_ino


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _run(job: Job, work: Callable[[Callable[[str], None]], Product]) -> None:
    """A job's thread: its result, or its problems; an unforeseen error becomes a short message."""
    try:
        product = work(job.steps.append)
        job.data, job.path, job.filename, job.media_type = (product.data, product.path, product.filename,
                                                            product.media_type)
        job.notes = list(product.notes)
    except InputError as exc:
        job.problems = exc.problems
    except Exception as exc:  # noqa: BLE001 - a bug must reach the page as a message, not kill the thread
        job.problems = [internal_problem(exc)]
    finally:
        job.done = True


def internal_problem(exc: BaseException) -> Problem:
    """A bug told without Python internals: the kind of error only."""
    return Problem("reportgen", "", f"내부 오류가 났습니다 ({type(exc).__name__})",
                   f"an internal error happened ({type(exc).__name__})",
                   "다시 해 보고, 되풀이되면 이 화면과 올린 파일을 담당자에게 알려 주세요",
                   "try again; if it repeats, report this page and the uploaded file")


def remove_quietly(path: Path) -> None:
    """Delete a temp upload (it may be gone already)."""
    try:
        path.unlink()
    except OSError:
        pass

