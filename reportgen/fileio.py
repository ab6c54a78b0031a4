"""Safe output: atomic writes and file names that never leave the output folder."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import signal
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import BinaryIO

_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
#: direction marks and overrides: "보고서\u202etxt.exe" would show as "보고서exe.txt"
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{i}" for p in ("COM", "LPT") for i in range(1, 10)}
MAX_NAME_BYTES = 255
_UMASK = os.umask(0o022)
os.umask(_UMASK)
_PLAIN_MODE = 0o666 & ~_UMASK  # the mode a plain open() gives a new file


#: errno → what is wrong with the output folder and what to do (ko, en, fix_ko, fix_en)
_NO_SPACE = ("디스크에 빈 공간이 없습니다", "is on a full disk",
             "디스크 공간을 비우거나 -o 로 다른 폴더를 주세요", "free some disk space, or give another folder with -o")
_NO_WRITE = ("쓸 권한이 없습니다", "may not be written (no permission)",
             "폴더의 쓰기 권한을 확인하거나 -o 로 다른 폴더를 주세요", "make the folder writable, or give another folder with -o")
_OUTPUT_REASONS = {
    errno.ENOSPC: _NO_SPACE,
    errno.EDQUOT: ("디스크 할당량을 넘었습니다", "is over its disk quota", *_NO_SPACE[2:]),
    errno.EFBIG: ("파일이 너무 큽니다", "cannot hold a file this large", *_NO_SPACE[2:]),
    errno.EACCES: _NO_WRITE,
    errno.EPERM: _NO_WRITE,
    errno.EROFS: ("읽기 전용입니다", "is read-only", *_NO_WRITE[2:]),
    errno.ENOTDIR: ("폴더가 아니라 파일입니다", "is a file, not a folder",
                    "-o 에 파일이 아닌 폴더를 주세요", "give a folder with -o, not a file"),
    errno.EEXIST: ("폴더가 아니라 파일입니다", "is a file, not a folder",
                   "-o 에 파일이 아닌 폴더를 주세요", "give a folder with -o, not a file"),
}


class OutputError(Exception):
    """The output folder cannot be written (disk full, no permission, read-only, not a folder).

    Every other file would fail the same way, so the command stops (exit 2).
    Files already in the folder are whole: each is replaced atomically or not at all.
    """

    def __init__(self, folder: str, code: int | None = None, detail: str = ""):
        super().__init__(folder, code, detail)  # plain args: picklable across worker processes
        self.folder, self.code, self.detail = folder, code, detail

    @classmethod
    def of(cls, folder: Path, error: OSError) -> OutputError:
        return cls(str(folder), error.errno, error.strerror or str(error))

    def __str__(self) -> str:
        default = ("쓸 수 없습니다", "cannot be written", "-o 로 다른 폴더를 주세요", "give another folder with -o")
        ko, en, fix_ko, fix_en = _OUTPUT_REASONS.get(self.code or 0, default)
        detail = f" ({self.detail})" if self.detail else ""
        return (f"{self.folder}: 출력 폴더에 쓸 수 없습니다: {ko}{detail} / "
                f"cannot write to the output folder: it {en}{detail}\n    → {fix_ko} / {fix_en}")


class FolderInTheWay(OutputError):
    """A folder has the name of the file to write (``folder`` is that path): only this file fails."""

    def __str__(self) -> str:
        return (f"{self.folder}: 같은 이름의 폴더가 있어 파일을 쓸 수 없습니다 / "
                f"a folder has this file's name, the file cannot be written\n"
                f"    → 그 폴더를 옮기거나 이름을 바꾸세요 / move or rename that folder")


def safe_filename(stem: str, suffix: str) -> str:
    """A file name from user text (관리번호_사업명) that is safe on Windows and Linux.

    Path separators, ``..``, control and reserved characters become ``_``;
    direction overrides are dropped;
    Windows device names get a ``_`` prefix; the name fits in 255 UTF-8 bytes.
    """
    name = unicodedata.normalize("NFC", stem)
    name = _BIDI.sub("", _UNSAFE.sub("_", name))
    name = re.sub(r"\s+", " ", name).strip(" .")
    name = re.sub(r"\.{2,}", "_", name)
    if not name:
        name = "_"
    if name.split(".")[0].upper() in _WINDOWS_RESERVED:
        name = "_" + name
    limit = MAX_NAME_BYTES - len(suffix.encode())
    while len(name.encode()) > limit:
        name = name[:-1]
    return name.rstrip(" .") + suffix


def card_filename(card_id: str, title: str, suffix: str) -> str:
    """``{관리번호}_{사업명}{suffix}`` made safe."""
    stem = f"{card_id}_{title}" if title else card_id
    return safe_filename(stem, suffix)


def inside(folder: Path, name: str) -> Path:
    """``folder/name``, refusing any name that is not one plain name in ``folder``.

    Only the folder is resolved, never ``name``: a symlink at ``folder/name`` is a
    name in the folder that :func:`write_bytes_atomic` replaces by a regular file,
    not a way to write wherever it points.
    """
    if name in ("", ".", "..") or "/" in name or "\x00" in name or (os.altsep and os.altsep in name):
        raise ValueError(f"output name escapes the output folder: {name!r}")
    root = folder.resolve()
    target = root / name
    if target.parent != root:
        raise ValueError(f"output name escapes the output folder: {name!r}")
    return target


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: a temp file beside it, fsync, then rename over it.

    A crash or exception leaves ``path`` as it was and removes the temp file.
    The file is never written through ``path``: a symlink there (dangling or not) is
    replaced by the new regular file, wherever it pointed. A folder at ``path`` raises
    :class:`FolderInTheWay`; a folder that cannot be written (full, read-only, no
    permission) raises :class:`OutputError`.

    One fsync (a journal commit) per file: to write many files, :func:`write_files_atomic` keeps
    the same promise at about half the cost (``bench/bench_writes.py``).
    """
    write_chunks_atomic(path, (data,))


def write_chunks_atomic(path: Path, chunks: Iterable[bytes]) -> None:
    """:func:`write_bytes_atomic` of the bytes ``chunks`` make together, each written as it comes
    (a large file made piece by piece, such as ``manifest.json``, is never held whole)."""
    with atomic_output(path) as out:
        for chunk in chunks:
            out.write(chunk)


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    """A file to write in place of ``path`` atomically, as :func:`write_bytes_atomic` does: a temp
    file beside it (stop signals held while it is made), fsync, renamed over ``path`` when the
    block ends; on any failure or stop the temp file is removed and ``path`` stays as it was."""
    tmp = ""
    try:
        with stop_signals_held():  # a stop between making the temp file and this try would leave it
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:50]}.", suffix=".tmp", dir=path.parent)
            except OSError as exc:
                raise OutputError.of(path.parent, exc) from exc
        with os.fdopen(fd, "wb") as out:
            os.fchmod(fd, _PLAIN_MODE)  # mkstemp makes 0600; give the mode a plain open() would
            yield out
            out.flush()
            os.fsync(fd)
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(exc, IsADirectoryError):
            raise FolderInTheWay(str(path), exc.errno, exc.strerror or "") from exc
        if isinstance(exc, OSError):
            raise OutputError.of(path.parent, exc) from exc
        raise


#: most files in one group of :func:`write_files_atomic` (one fdatasync pass, one fsync per folder);
#: a group holds no more descriptors than :data:`WRITE_THREADS`: each temp file is closed once written
BATCH_OPEN_MAX = 1024
#: most bytes in one group: a group read from a lazy iterable holds its files' bytes until it is written
BATCH_BYTES_MAX = 32 * 1024 * 1024
#: threads that make and write a group's temp files (open, write and fadvise let go of the GIL)
WRITE_THREADS = 4
#: a group smaller than this is made in the calling thread: threads would cost more than they save
THREADED_MIN = 8
_O_REOPEN = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def write_files_atomic(items: Iterable[tuple[Path, bytes]]) -> list[FolderInTheWay]:
    """Write several files atomically, each ``(path, data)`` as :func:`write_bytes_atomic` would,
    at under half its cost per file; return the files not written because a folder has their name.

    The same promise: a crash, power cut, stop signal or error leaves each ``path`` either as it
    was or the whole new file, never a torn one, and no temp file. The order is what makes it
    crash-safe and cheap (in groups of at most :data:`BATCH_OPEN_MAX` files and
    :data:`BATCH_BYTES_MAX` bytes):

    1. each folder is made once; every temp file is made beside its target (by
       :data:`WRITE_THREADS` threads), written, its writeback started and closed; each temp name is
       recorded as soon as the file exists, so a failure or stop always finds it;
    2. one ``fdatasync`` pass (each temp file opened again, read-only): every temp file's data (and
       its size) is durable before any rename. Written before the pass, the files share the journal
       commits the pass forces, instead of one commit per file. A writeback error nobody has seen
       yet is reported to a later opener too (Linux ≥ 4.13), so closing before the pass hides none;
    3. the renames (``os.replace``): each is atomic and only names a file whose data is on disk,
       so after a power cut a name holds the old file or the whole new one;
    4. one ``fsync`` of each folder, so the renames themselves are durable on return.

    A failure before a group's renames removes all of its temp files and leaves every target as it
    was; a failure during the renames leaves the files renamed so far new and whole, the others
    old, and removes the remaining temp files. A stop signal during step 1 lets the files being
    made finish, then removes every temp file. A folder that cannot be written raises
    :class:`OutputError`. The mode is the one a plain ``open()`` gives (0666 less the umask).
    """
    skipped: list[FolderInTheWay] = []
    for group in _groups(items):
        skipped += _write_group(group)
    return skipped


def _groups(items: Iterable[tuple[Path, bytes]]) -> Iterator[list[tuple[Path, bytes]]]:
    """``items`` in groups of at most :data:`BATCH_OPEN_MAX` files and, unless one file alone is
    larger, :data:`BATCH_BYTES_MAX` bytes."""
    group: list[tuple[Path, bytes]] = []
    size = 0
    for item in items:
        if group and size + len(item[1]) > BATCH_BYTES_MAX:
            yield group
            group, size = [], 0
        group.append(item)
        size += len(item[1])
        if len(group) >= BATCH_OPEN_MAX:
            yield group
            group, size = [], 0
    if group:
        yield group


#: a group's temp files: (temp name, target) once made, None before
_Pending = list[tuple[str, Path] | None]


def _write_group(group: list[tuple[Path, bytes]]) -> list[FolderInTheWay]:
    """Steps 1–4 of :func:`write_files_atomic` for one group."""
    pending: _Pending = [None] * len(group)
    try:
        _make_folders({path.parent for path, _ in group})
        _make_temps(group, pending)
        _sync_data(pending)
        skipped = _rename_all(pending)
        _sync_folders({path.parent for path, _ in group})
    except BaseException as exc:
        _discard(pending)
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise OutputError.of(group[0][0].parent, exc) from exc
        raise
    return skipped


def _make_folders(folders: set[Path]) -> None:
    """Make each folder (and its parents) that is not there yet, once per group."""
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError.of(folder, exc) from exc


def _make_temps(group: list[tuple[Path, bytes]], pending: _Pending) -> None:
    """Step 1: each file's temp file made, written, its writeback started and closed; its name in
    ``pending[i]``. A large group is made by the pool's threads, a small one in this thread."""
    if len(group) < THREADED_MIN:
        for i in range(len(group)):
            _make_temp(group, pending, i)
    else:
        _in_pool(lambda i: _make_temp(group, pending, i), len(group))


def _make_temp(group: list[tuple[Path, bytes]], pending: _Pending, i: int) -> None:
    """Make, write and close the temp file of ``group[i]``, recorded in ``pending[i]`` before a stop
    can arrive (signals held in the main thread; no other thread is ever interrupted)."""
    path, data = group[i]
    with stop_signals_held():  # recorded before a stop can arrive: the cleanup always sees it
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:50]}.", suffix=".tmp", dir=path.parent)
        except OSError as exc:
            raise OutputError.of(path.parent, exc) from exc
        pending[i] = (tmp, path)
    try:
        if _PLAIN_MODE != 0o600:  # mkstemp makes 0600; a umask of 066 or 077 already gives that
            os.fchmod(fd, _PLAIN_MODE)
        _write_all(fd, data)
        _start_writeback(fd)
    finally:
        os.close(fd)


def _in_pool(task: Callable[[int], None], count: int) -> None:
    """Run ``task(0) … task(count - 1)`` in the write threads and wait for every one that started,
    through a stop signal or a task's error too (cancelling those not started): the caller's
    cleanup must not run while a thread may still make a temp file. Then raise the stop, or the
    first error."""
    futures: list[Future[None]] = []
    stop: BaseException | None = None
    try:
        pool = _pool()
        for i in range(count):
            futures.append(pool.submit(task, i))
    except BaseException as exc:  # noqa: BLE001 - a stop while submitting: wait for those submitted
        stop = exc
    error = _wait_all(futures, cancel=stop is not None)
    if stop is not None:
        raise stop
    if error is not None:
        raise error


def _wait_all(futures: list[Future[None]], cancel: bool) -> BaseException | None:
    """Wait until no future runs; after a stop or error (or if ``cancel``) cancel those not
    started. Return the first error; a stop that came while waiting is raised once all have ended."""
    stop: BaseException | None = None
    error: BaseException | None = None
    for future in futures:
        if cancel or stop is not None or error is not None:
            future.cancel()
        while True:
            try:
                wait([future])
                break
            except BaseException as exc:  # noqa: BLE001 - a stop waits for the files being made
                stop = stop or exc
                for rest in futures:
                    rest.cancel()
        if error is None and not future.cancelled() and future.exception() is not None:
            error = future.exception()
    if stop is not None:
        raise stop
    return error


_pool_at_hand: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """The write threads, made once per process (a forked worker makes its own)."""
    global _pool_at_hand
    with _pool_lock:
        if _pool_at_hand is None:
            _pool_at_hand = ThreadPoolExecutor(WRITE_THREADS, thread_name_prefix="reportgen-write")
        return _pool_at_hand


def _forget_pool() -> None:
    """In a forked child: the parent's threads are not there; a new pool (and lock) when needed."""
    global _pool_at_hand, _pool_lock
    _pool_at_hand, _pool_lock = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd`` (os.write may write less than asked)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _start_writeback(fd: int) -> None:
    """Ask the kernel to start writing ``fd``'s data now, without waiting (Linux: FADV_DONTNEED
    starts writeback of the dirty pages). With every file of a group already on its way (and its
    blocks allocated), the fdatasync pass waits for writes in flight and shares journal commits
    instead of starting one file at a time. Only advice: durability comes from fdatasync."""
    if hasattr(os, "posix_fadvise"):
        with contextlib.suppress(OSError):
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)


def _sync_data(pending: _Pending) -> None:
    """Step 2: each temp file opened again read-only (fdatasync needs no write access) and
    fdatasynced, in order; the first failure stops the pass."""
    for entry in pending:
        if entry is None:
            continue
        fd = os.open(entry[0], _O_REOPEN)
        try:
            os.fdatasync(fd)
        finally:
            os.close(fd)


def _rename_all(pending: _Pending) -> list[FolderInTheWay]:
    """Rename each durable temp file over its target; a folder in the way skips that file only.
    Each renamed entry leaves ``pending`` (None) so that a later failure does not remove it."""
    skipped = []
    for i, entry in enumerate(pending):
        if entry is None:
            continue
        tmp, path = entry
        try:
            os.replace(tmp, path)
        except IsADirectoryError as exc:
            os.unlink(tmp)
            skipped.append(FolderInTheWay(str(path), exc.errno, exc.strerror or ""))
        pending[i] = None
    return skipped


def _sync_folders(folders: set[Path]) -> None:
    """fsync each folder, making the renames in it durable (a file system that cannot fsync a
    folder, EINVAL, has nothing more to flush)."""
    for folder in folders:
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        except OSError as exc:
            if exc.errno != errno.EINVAL:
                raise
        finally:
            os.close(fd)


def _discard(pending: _Pending) -> None:
    """Remove the temp files not renamed yet."""
    for i, entry in enumerate(pending):
        if entry is not None:
            with contextlib.suppress(OSError):
                os.unlink(entry[0])
            pending[i] = None


#: the signals that stop reportgen (Ctrl-C, kill, a closed terminal, a worker's parent gone)
STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM, signal.SIGHUP})


@contextlib.contextmanager
def stop_signals_held() -> Iterator[None]:
    """Hold the stop signals (they arrive, and their handlers run, when the block ends) in the main
    thread, where Python runs signal handlers; elsewhere the block runs as it is.

    A handler Python was already asked to run when the hold began (the signal came just before,
    or to another thread) still runs inside: reportgen's stop handlers ask :func:`signals_held`
    and, while it is True, send their signal again (:func:`stop_later`) instead of raising."""
    global _holds
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    _holds += 1
    try:
        yield
    finally:
        _holds -= 1  # before the signals come: their handlers must see the hold ended
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


_holds = 0  # stop_signals_held blocks open in the main thread


def end_inherited_hold() -> None:
    """In a process forked inside :func:`stop_signals_held`: end the hold it inherited (the blocked
    stop signals and the count), after it has set its own handlers."""
    global _holds
    _holds = 0
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


def signals_held() -> bool:
    """Whether the main thread is inside :func:`stop_signals_held` (a stop handler must not raise)."""
    return _holds > 0


def stop_later(signum: int) -> None:
    """Send ``signum`` to this process again: blocked while the hold lasts, it arrives (and its
    handler runs) when the hold ends."""
    os.kill(os.getpid(), signum)


def write_text_atomic(path: Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    write_bytes_atomic(path, text.encode("utf-8"))
