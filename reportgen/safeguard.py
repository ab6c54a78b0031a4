"""Guards around the files a command reads and writes.

* :func:`input_file`: an input must be an existing, readable, regular file; a folder, a
  missing path or a file without read permission is one clear problem each.
* :func:`guard_outputs`: no command writes over one of its own inputs (the same file by
  device and inode: symlinks, hard links and, on case-insensitive file systems, names
  differing in case included), nor over an existing master workbook that is not the
  command's declared workbook output (``import -o``, ``init --force``).
* :func:`is_master_workbook`: a cheap look at a file: a zip whose ``xl/workbook.xml``
  lists a 공약목록 sheet (no DTD, bounded size, never trusted beyond that).

Every refusal of a path is an :class:`~reportgen.errors.InputError` (exit 2, nothing written).
"""

from __future__ import annotations

import errno
import os
import stat
import zipfile
from collections.abc import Iterable
from pathlib import Path

from lxml import etree

from reportgen.errors import InputError, Problem, Problems
from reportgen.fileio import MAX_NAME_BYTES
from reportgen.workbook_contract import SHEET_CARDS
from reportgen.xmlsafe import parse_xml

#: a workbook.xml larger than this is not one Excel or reportgen wrote: not looked into
MAX_WORKBOOK_XML = 4 * 1024 * 1024
_ANOTHER_NAME = ("-o 로 다른 파일 이름을 주세요", "give another file name with -o")


def _problem(path: Path, ko: str, en: str, fix: tuple[str, str]) -> Problem:
    return Problem(str(path), "", ko, en, *fix)


# ── inputs ────────────────────────────────────────────────────────────────
def input_file(path: Path, fix: tuple[str, str] = ("경로를 확인하세요", "check the path")) -> None:
    """Refuse an input that is missing, a folder, not a regular file or not readable.

    ``fix`` is what to do when the file does not exist.
    """
    try:
        info = path.stat()
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            raise InputError(_problem(path, "파일이 없습니다", "file not found", fix)) from None
        raise read_error(path, exc) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(_problem(path, "폴더입니다", "is a folder, not a file",
                                  ("폴더 안의 파일 이름까지 주세요", "give the name of a file in that folder")))
    if not stat.S_ISREG(info.st_mode):
        raise InputError(_problem(path, "보통 파일이 아닙니다 (장치, 파이프 등)", "is not a regular file (a device, a pipe, …)",
                                  ("저장된 파일을 주세요", "give a file saved on disk")))
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise read_error(path, exc) from None


def read_error(path: Path, exc: OSError) -> InputError:
    """An input that cannot be read (permission, I/O error, name too long …) as one clear problem."""
    if exc.errno in (errno.EACCES, errno.EPERM):
        return InputError(_problem(path, "읽을 권한이 없습니다", "no permission to read the file",
                                   ("파일의 읽기 권한을 확인하세요", "make the file readable for you")))
    if exc.errno == errno.ENAMETOOLONG:
        return InputError(_problem(path, "경로나 파일 이름이 너무 깁니다", "the path or file name is too long",
                                   ("더 짧은 이름을 쓰세요", "use a shorter name")))
    if exc.errno == errno.ELOOP:
        return InputError(_problem(path, "링크가 서로를 가리켜 끝이 없습니다", "the links point at each other in a loop",
                                   ("링크를 고치거나 실제 파일의 경로를 주세요", "fix the link, or give the real file's path")))
    if exc.errno == errno.EISDIR:
        return InputError(_problem(path, "폴더입니다", "is a folder, not a file",
                                   ("폴더 안의 파일 이름까지 주세요", "give the name of a file in that folder")))
    why = exc.strerror or type(exc).__name__
    return InputError(_problem(path, f"파일을 읽을 수 없습니다 ({why})", f"the file cannot be read ({why})",
                               ("파일이 열려 있거나 손상되지 않았는지 확인하세요",
                                "check that the file is not locked or damaged")))


# ── outputs ───────────────────────────────────────────────────────────────
def status(path: Path) -> os.stat_result | None:
    """``stat`` of what a path leads to (links followed), or None when nothing can be found there.

    Unlike ``Path.exists``/``is_dir`` on Python 3.11, it never raises (a name too long, a link loop).
    """
    try:
        return path.stat()
    except (OSError, ValueError):
        return None


def exists(path: Path) -> bool:
    """Whether something is at ``path`` (never raises)."""
    return status(path) is not None


def is_folder(path: Path) -> bool:
    """Whether ``path`` is a folder (never raises)."""
    info = status(path)
    return info is not None and stat.S_ISDIR(info.st_mode)


def _identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the file a path leads to, following links; None when there is none."""
    info = status(path)
    return None if info is None else (info.st_dev, info.st_ino)


def _is_root(path: Path) -> bool:
    """Whether ``path`` is the root of a file system (``/``, ``C:\\``)."""
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError, ValueError):
        return False
    return resolved.parent == resolved


def output_name(path: Path, what: tuple[str, str] = _ANOTHER_NAME) -> None:
    """Refuse an output path that can never be a file: empty, a folder, a file-system root,
    or a name longer than file systems allow."""
    if not str(path).strip() or path.name in ("", ".", "..") or _is_root(path):
        raise InputError(_problem(path, "파일 이름이 아닙니다", "is not a file name", what))
    if any(len(part.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES for part in path.parts):
        raise InputError(_problem(path, f"파일이나 폴더 이름이 {MAX_NAME_BYTES}바이트보다 깁니다",
                                  f"a file or folder name is longer than {MAX_NAME_BYTES} bytes",
                                  ("더 짧은 이름을 주세요", "give a shorter name")))
    if is_folder(path):
        raise InputError(_problem(path, "폴더입니다: 파일 이름을 주세요", "is a folder; give a file name",
                                  ("예: -o 폴더/총괄표.xlsx", "e.g. -o folder/report.xlsx")))


def output_folder(path: Path) -> None:
    """Refuse an output folder that is empty text, the root of a file system or a name too long."""
    if any(len(part.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES for part in path.parts):
        raise InputError(_problem(path, f"폴더 이름이 {MAX_NAME_BYTES}바이트보다 깁니다",
                                  f"a folder name is longer than {MAX_NAME_BYTES} bytes",
                                  ("더 짧은 이름을 주세요", "give a shorter name")))
    if not str(path).strip() or _is_root(path):
        raise InputError(_problem(path, "출력 폴더로 쓸 수 없습니다 (비었거나 파일 시스템의 맨 위 폴더)",
                                  "cannot be the output folder (empty, or the root of a file system)",
                                  ("-o 로 카드를 모을 폴더를 주세요, 예: -o output", "give a folder for the cards with -o, e.g. -o output")))


def guard_outputs(outputs: Iterable[Path], inputs: Iterable[Path], workbook_output: Path | None = None,
                  fix: tuple[str, str] = _ANOTHER_NAME) -> None:
    """Refuse, all together, every output that is one of ``inputs`` or an existing master workbook.

    ``workbook_output`` is the command's declared workbook output: it may be a master
    workbook (it is the one being made or updated), but never one of ``inputs``.
    """
    sources = {}
    for source in inputs:
        identity = _identity(source)
        if identity is not None:
            sources.setdefault(identity, source)
    declared = _identity(workbook_output) if workbook_output is not None else None
    problems = Problems("-o")
    for output in outputs:
        identity = _identity(output)
        if identity is None:
            continue  # nothing there yet: nothing to lose
        if identity in sources:
            problems.items.append(_problem(
                output, f"입력 파일({sources[identity]})과 같은 파일이라 덮어쓰지 않습니다 (링크 포함)",
                f"is the same file as the input {sources[identity]} (links included); writing it would destroy the input",
                fix))
        elif identity != declared and is_master_workbook(output):
            problems.items.append(_problem(
                output, f"마스터 워크북({SHEET_CARDS} 시트가 있는 파일)이라 덮어쓰지 않습니다",
                f"is a master workbook (it has a {SHEET_CARDS} sheet); it is not overwritten", fix))
    problems.raise_if_any()


def is_master_workbook(path: Path) -> bool:
    """Whether ``path`` is an .xlsx zip whose ``xl/workbook.xml`` lists a 공약목록 sheet.

    Cheap and safe: only the zip directory and that one part (at most 4 MiB, no DTD,
    no entities, no network) are read; anything unreadable is not a master workbook.
    """
    try:
        with path.open("rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode) or fh.read(4) != b"PK\x03\x04":
                return False
            with zipfile.ZipFile(fh) as archive:
                info = archive.getinfo("xl/workbook.xml")
                if info.file_size > MAX_WORKBOOK_XML:
                    return False
                data = archive.read(info)
        root = parse_xml(data)
    except (OSError, KeyError, ValueError, EOFError, RuntimeError, NotImplementedError,
            zipfile.BadZipFile, zipfile.LargeZipFile, etree.XMLSyntaxError):  # xmlsafe's refusals are ValueErrors
        return False
    if root is None:
        return False
    names = (sheet.get("name", "").strip() for sheet in root.iter("{*}sheet"))
    return SHEET_CARDS in names
