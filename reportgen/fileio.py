"""Safe output: atomic writes and file names that never leave the output folder."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
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
    """``folder/name``, refusing any name that would resolve outside ``folder``."""
    target = (folder / name).resolve()
    root = folder.resolve()
    if target.parent != root:
        raise ValueError(f"output name escapes the output folder: {name!r}")
    return target


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temp path beside ``path``; on success rename it over ``path``.

    A crash or exception leaves ``path`` as it was and removes the temp file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:50]}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    os.chmod(tmp_path, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the mode a plain open() would
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temp file + rename)."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text_atomic(path: Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    write_bytes_atomic(path, text.encode("utf-8"))
