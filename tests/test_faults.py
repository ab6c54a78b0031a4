"""Nothing lost under faults: a full disk, a read-only output folder, Ctrl-C in the middle of a build.

An output folder that cannot be written stops the command at the first file
with exit 2 and one bilingual message naming the folder and what to do; the
files already there stay whole (each is replaced atomically or not at all) and
no temp file (``.*.tmp``) is left. An interrupted build exits 130 without a
traceback and leaves no temp files either.

Real faults are made with a small tmpfs when this machine lets the tests mount
one (root in a container); patched faults (``ENOSPC`` from a write, ``EACCES``
from creating the temp file) run everywhere.
"""

from __future__ import annotations

import errno
import hashlib
import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cardfiles import assert_complete
from typer.testing import CliRunner

from reportgen import fileio
from reportgen.cli import app
from reportgen.fileio import OutputError, write_bytes_atomic
from reportgen.writers.workbook import write_workbook

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from make_corpus import make_corpus  # noqa: E402

REPORTGEN = Path(sys.executable).with_name("reportgen")
FORMATS = "txt,docx,xlsx,hwpx"
runner = CliRunner()


def _run(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args])


def _corpus(folder: Path, cards: int) -> Path:
    path = folder / f"corpus-{cards}.xlsx"
    if not path.exists():
        write_bytes_atomic(path, write_workbook(make_corpus(cards)))
    return path


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _temp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob(".*.tmp"))


def _assert_whole(folder: Path) -> None:
    """Every file in the folder is complete."""
    for path in folder.iterdir():
        assert_complete(path)


def _assert_one_clear_error(result, folder: Path, *words: str) -> None:
    output = result.output
    assert result.exit_code == 2, output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in output
    assert str(folder) in output and "→" in output and "-o" in output, output
    assert sum(line.startswith("  - ") for line in output.splitlines()) == 1, "one message, not one per card"
    assert any(word in output for word in words), output


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpora")
    for cards in (5, 60, 300):
        _corpus(folder, cards)
    return folder


# ── patched faults (everywhere) ───────────────────────────────────────────
def test_disk_full_stops_at_the_first_file(corpora: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    assert _run("build", corpora / "corpus-5.xlsx", "-o", out, "--format", FORMATS, "-j", "1").exit_code == 0
    before = _digests(out)
    writes = []
    real_fdatasync = os.fdatasync

    def filling_disk(fd: int) -> None:
        writes.append(fd)
        if len(writes) > 7:  # the disk fills up while the 8th file (of the first 16 cards' 64) is flushed
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fdatasync(fd)

    monkeypatch.setattr(fileio.os, "fdatasync", filling_disk)  # a chunk's files are flushed together
    result = _run("build", corpora / "corpus-60.xlsx", "-o", out, "--format", FORMATS, "-j", "1")
    monkeypatch.undo()
    _assert_one_clear_error(result, out, "full disk", "빈 공간")
    assert len(writes) == 8, "the build stopped at the first file that failed"
    assert _temp_files(out) == []
    assert _digests(out) == before, "no file of the chunk was renamed: the folder is as the 5-card build left it"
    _assert_whole(out)


def test_unwritable_folder_stops_with_exit_2(corpora: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    assert _run("build", corpora / "corpus-5.xlsx", "-o", out, "-j", "1").exit_code == 0
    before = _digests(out)

    def denied(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(fileio.tempfile, "mkstemp", denied)
    result = _run("build", corpora / "corpus-60.xlsx", "-o", out, "--format", FORMATS, "-j", "1")
    _assert_one_clear_error(result, out, "no permission", "권한")
    summary = _run("summary", corpora / "corpus-5.xlsx", "-o", out / "총괄표.xlsx")
    _assert_one_clear_error(summary, out, "no permission", "권한")
    monkeypatch.undo()
    assert _digests(out) == before


def test_output_that_is_a_file_is_one_clear_error(corpora: Path, tmp_path: Path) -> None:
    not_a_folder = tmp_path / "output"
    not_a_folder.write_text("a file where the folder should be", encoding="utf-8")
    result = _run("build", corpora / "corpus-5.xlsx", "-o", not_a_folder, "-j", "1")
    _assert_one_clear_error(result, not_a_folder, "not a folder")
    assert not_a_folder.read_text(encoding="utf-8") == "a file where the folder should be"


def test_output_error_crosses_process_boundaries() -> None:
    """Raised in a worker process, it reaches the main process intact (pickled)."""
    error = OutputError("/out", errno.ENOSPC, "No space left on device")
    again = pickle.loads(pickle.dumps(error))
    assert str(again) == str(error) and "/out" in str(again) and "full disk" in str(again)


# ── real faults on a small tmpfs (where the tests may mount one) ──────────
def _mount(folder: Path, options: str) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    if os.name != "posix" or os.geteuid() != 0 or not shutil.which("mount"):
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
    return done.returncode == 0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB file system, unmounted afterwards."""
    folder = tmp_path / "small"
    if not _mount(folder, "size=1m,mode=0755"):
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_real_disk_full(jobs: str, corpora: Path, small_disk: Path) -> None:
    out = small_disk / "out"
    assert _run("build", corpora / "corpus-5.xlsx", "-o", out, "--format", FORMATS, "-j", jobs).exit_code == 0
    before = _digests(out)
    result = _run("build", corpora / "corpus-60.xlsx", "-o", out, "--format", FORMATS, "-j", jobs)
    _assert_one_clear_error(result, out, "full disk", "빈 공간")
    assert _temp_files(out) == []
    after = _digests(out)
    assert {name: after[name] for name in before} == before, "earlier outputs intact"
    assert len(after) < 60 * 4, "the disk really filled up"
    _assert_whole(out)


def test_real_read_only_folder(corpora: Path, small_disk: Path) -> None:
    out = small_disk / "out"
    assert _run("build", corpora / "corpus-5.xlsx", "-o", out, "--format", FORMATS, "-j", "1").exit_code == 0
    before = _digests(out)
    remounted = subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], capture_output=True)
    if remounted.returncode != 0:
        pytest.skip("cannot remount the tmpfs read-only")
    result = _run("build", corpora / "corpus-60.xlsx", "-o", out, "--format", FORMATS, "-j", "2")
    _assert_one_clear_error(result, out, "read-only", "읽기 전용")
    assert _digests(out) == before


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes into read-only folders")
def test_folder_without_write_permission(corpora: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _run("build", corpora / "corpus-5.xlsx", "-o", out, "-j", "1").exit_code == 0
    before = _digests(out)
    out.chmod(0o555)
    try:
        result = _run("build", corpora / "corpus-5.xlsx", "-o", out, "-j", "1")
    finally:
        out.chmod(0o755)
    _assert_one_clear_error(result, out, "no permission", "권한")
    assert _digests(out) == before


# ── Ctrl-C ────────────────────────────────────────────────────────────────
@pytest.mark.parametrize(("jobs", "whole_group"), [("2", True), ("1", False)], ids=["ctrl-c-parallel", "sigint-serial"])
def test_interrupted_build_cleans_up(jobs: str, whole_group: bool, corpora: Path, tmp_path: Path) -> None:
    """SIGINT to the process group (Ctrl-C in a terminal reaches the workers too) or to the process."""
    out = tmp_path / "out"
    command = [str(REPORTGEN), "build", str(corpora / "corpus-300.xlsx"), "-o", str(out), "--format", FORMATS,
               "-j", jobs]
    process = subprocess.Popen(command, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.glob("[!.]*"))) < 40:
        time.sleep(0.01)
    if whole_group:
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    finished = [p for p in out.iterdir() if not p.name.startswith(".")]
    assert 0 < len(finished) < 300 * 4, "interrupted mid-way"
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "interrupted" in stderr, stderr
    assert _temp_files(out) == []
    _assert_whole(out)


def test_a_file_written_in_chunks_is_whole_or_as_it_was(tmp_path: Path) -> None:
    """write_chunks_atomic (manifest.json, entry by entry): chunks that stop with an error leave the
    old file and no temp file; chunks that end give the file of all of them."""
    target = tmp_path / "manifest.json"
    target.write_bytes(b"old")

    def broken() -> Iterator[bytes]:
        yield b"{\n"
        raise RuntimeError("cut off")

    with pytest.raises(RuntimeError):
        fileio.write_chunks_atomic(target, broken())
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["manifest.json"]
    fileio.write_chunks_atomic(target, iter([b"a", b"", b"bc"]))
    assert target.read_bytes() == b"abc" and os.listdir(tmp_path) == ["manifest.json"]
