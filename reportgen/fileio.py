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
from collections.abc import Iterator
from pathlib import Path

_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
#: direction marks and overrides: "보고서\u202etxt.exe" would show as "보고서exe.txt"
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{i}" for p in ("COM", "LPT") for i in range(1, 10)}
MAX_NAME_BYTES = 255
_UMASK = os.umask(0o022)
os.umask(_UMASK)


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
    """
    tmp = ""
    try:
        with stop_signals_held():  # a stop between making the temp file and this try would leave it
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:50]}.", suffix=".tmp", dir=path.parent)
            except OSError as exc:
                raise OutputError.of(path.parent, exc) from exc
        with os.fdopen(fd, "wb") as out:
            os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the mode a plain open() would
            out.write(data)
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


#: the signals that stop reportgen (Ctrl-C, kill, a closed terminal, a worker's parent gone)
STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM, signal.SIGHUP})


@contextlib.contextmanager
def stop_signals_held() -> Iterator[None]:
    """Hold the stop signals (they arrive, and their handlers run, when the block ends) in the main
    thread, where Python runs signal handlers; elsewhere the block runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def write_text_atomic(path: Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    write_bytes_atomic(path, text.encode("utf-8"))
