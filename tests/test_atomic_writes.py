"""fileio.write_files_atomic in large groups: temp files made by the write threads, closed once
written and opened again for the fdatasync pass; every target old or whole new, no temp file left,
no descriptor kept (issue 13: atomic writes at half the cost of one fsync per file)."""

from __future__ import annotations

import errno
import os
import signal
import tempfile
import threading
from pathlib import Path

import pytest

from reportgen import fileio
from reportgen.fileio import FolderInTheWay, OutputError


class _Stopped(BaseException):
    """What the test's stop handler raises (as reportgen's Terminated would)."""


def _old_files(folder: Path, count: int) -> list[tuple[Path, bytes]]:
    """``count`` files already in ``folder`` ("old-i") and each one's new content, of varied sizes
    (empty, under a page, several pages), distinct per file."""
    items = []
    for i in range(count):
        path = folder / f"{i:04d}_사업.txt"
        path.write_bytes(f"old-{i}".encode())
        items.append((path, f"new-{i};".encode() * (i % 7) * 300))
    return items


def _contents(items: list[tuple[Path, bytes]]) -> list[bytes]:
    return [path.read_bytes() for path, _ in items]


def _olds(count: int) -> list[bytes]:
    return [f"old-{i}".encode() for i in range(count)]


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_groups_end_at_the_file_count_or_the_byte_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fileio, "BATCH_OPEN_MAX", 3)
    monkeypatch.setattr(fileio, "BATCH_BYTES_MAX", 10)
    items = [(Path(f"f{i}"), b"x" * size) for i, size in enumerate([4, 4, 4, 1, 1, 1, 1, 25, 2])]
    sizes = [[len(data) for _, data in group] for group in fileio._groups(iter(items))]
    # 4+4 fits, +4 would be 12 > 10; 4+1+1 hits 3 files; 1+1 then 25 alone (a file larger than the
    # budget is a group of its own); then 2
    assert sizes == [[4, 4], [4, 1, 1], [1, 1], [25], [2]]
    assert list(fileio._groups([])) == []


def test_a_600_file_group_writes_every_byte_and_keeps_no_descriptor(tmp_path: Path) -> None:
    items = _old_files(tmp_path, 600)
    assert len(items) <= fileio.BATCH_OPEN_MAX and fileio.THREADED_MIN <= 600  # one threaded group
    before = _open_fds()
    assert fileio.write_files_atomic(iter(items)) == []
    assert _open_fds() == before
    assert _contents(items) == [f"new-{i};".encode() * (i % 7) * 300 for i in range(600)]
    assert len(os.listdir(tmp_path)) == 600  # no temp file
    mode = 0o666 & ~fileio._UMASK
    assert {path.stat().st_mode & 0o777 for path, _ in items} == {mode}


def test_the_sync_pass_holds_one_descriptor_not_one_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """While the data pass runs, the group's 600 temp files are closed: at most the one being synced
    is open (600 more would show)."""
    before = _open_fds()
    during: list[int] = []
    real = os.fdatasync
    monkeypatch.setattr(fileio.os, "fdatasync", lambda fd: (during.append(_open_fds()), real(fd))[1])
    fileio.write_files_atomic(_old_files(tmp_path, 600))
    assert len(during) == 600
    assert max(during) <= before + 2  # the temp file, and listdir's own descriptor


def test_all_temp_files_are_made_before_any_sync_and_synced_before_any_rename(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The crash-safe order holds in a threaded group: made (and writeback started) × N, data × N,
    rename × N, then one folder fsync."""
    calls: list[str] = []
    real_fdatasync, real_replace, real_fsync = os.fdatasync, os.replace, os.fsync
    monkeypatch.setattr(fileio.os, "posix_fadvise", lambda *args: calls.append("start"), raising=False)
    monkeypatch.setattr(fileio.os, "fdatasync", lambda fd: (calls.append("data"), real_fdatasync(fd))[1])
    monkeypatch.setattr(fileio.os, "replace", lambda a, b: (calls.append("rename"), real_replace(a, b))[1])
    monkeypatch.setattr(fileio.os, "fsync", lambda fd: (calls.append("folder"), real_fsync(fd))[1])
    threads: set[str] = set()
    real_write_all = fileio._write_all
    monkeypatch.setattr(fileio, "_write_all",
                        lambda fd, data: (threads.add(threading.current_thread().name), real_write_all(fd, data))[1])
    fileio.write_files_atomic(_old_files(tmp_path, 40))
    assert calls == ["start"] * 40 + ["data"] * 40 + ["rename"] * 40 + ["folder"]
    assert threads and all(name.startswith("reportgen-write") for name in threads)


@pytest.mark.parametrize("where", ["mkstemp", "write", "fdatasync"])
def test_a_failure_in_the_middle_of_a_group_leaves_every_target_old_and_no_temp_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    """The disk fills up at the 150th of 300 files, while the threads make the temp files or during
    the data pass: OutputError (disk full), the 300 targets as they were, no temp file, no
    descriptor left open."""
    items = _old_files(tmp_path, 300)
    count: list[int] = []
    lock = threading.Lock()

    def full_at_150() -> None:
        with lock:
            count.append(1)
            if len(count) == 150:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    real_mkstemp, real_write_all, real_fdatasync = tempfile.mkstemp, fileio._write_all, os.fdatasync
    if where == "mkstemp":
        monkeypatch.setattr(fileio.tempfile, "mkstemp", lambda **kw: (full_at_150(), real_mkstemp(**kw))[1])
    elif where == "write":
        monkeypatch.setattr(fileio, "_write_all", lambda fd, data: (full_at_150(), real_write_all(fd, data))[1])
    else:
        monkeypatch.setattr(fileio.os, "fdatasync", lambda fd: (full_at_150(), real_fdatasync(fd))[1])
    before = _open_fds()
    with pytest.raises(OutputError) as raised:
        fileio.write_files_atomic(items)
    assert raised.value.code == errno.ENOSPC and "full disk" in str(raised.value)
    assert _open_fds() == before
    assert _contents(items) == _olds(300)
    assert sorted(os.listdir(tmp_path)) == sorted(path.name for path, _ in items)


def test_a_stop_while_the_threads_make_temp_files_leaves_no_temp_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM comes (from a write thread) while the 100th of 400 temp files is made: the main
    thread's handler raises, the files being made are let finish, the rest cancelled, then every
    temp file removed; every target old."""
    items = _old_files(tmp_path, 400)
    made: list[str] = []
    lock = threading.Lock()
    real_mkstemp = tempfile.mkstemp

    def mkstemp(**kwargs: object) -> tuple[int, str]:
        result = real_mkstemp(**kwargs)  # type: ignore[call-overload]
        with lock:
            made.append(result[1])
            if len(made) == 100:
                os.kill(os.getpid(), signal.SIGTERM)
        return result

    def stop(_signum: int, _frame: object) -> None:
        raise _Stopped

    monkeypatch.setattr(fileio.tempfile, "mkstemp", mkstemp)
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        with pytest.raises(_Stopped):
            fileio.write_files_atomic(items)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert 100 <= len(made) < 400, "the files not started were cancelled"
    assert not any(os.path.exists(tmp) for tmp in made)
    assert _contents(items) == _olds(400)
    assert sorted(os.listdir(tmp_path)) == sorted(path.name for path, _ in items)


def test_a_folder_in_the_way_skips_only_its_file_in_a_large_group(tmp_path: Path) -> None:
    items = _old_files(tmp_path, 50)
    (tmp_path / "taken.txt").mkdir()
    skipped = fileio.write_files_atomic(items[:20] + [(tmp_path / "taken.txt", b"x")] + items[20:])
    assert [type(s) for s in skipped] == [FolderInTheWay] and skipped[0].folder == str(tmp_path / "taken.txt")
    assert _contents(items) == [f"new-{i};".encode() * (i % 7) * 300 for i in range(50)]
    assert (tmp_path / "taken.txt").is_dir() and os.listdir(tmp_path / "taken.txt") == []
    assert len(os.listdir(tmp_path)) == 51


def test_each_folder_is_made_once_per_group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """30 files in 2 new folders: 2 mkdir calls (the per-file mkdir made 30)."""
    (tmp_path / "d0").mkdir()
    (tmp_path / "d1").mkdir()
    made: list[Path] = []
    real_mkdir = Path.mkdir
    monkeypatch.setattr(Path, "mkdir", lambda self, *a, **kw: (made.append(self), real_mkdir(self, *a, **kw))[1])
    items = [(tmp_path / f"d{i % 2}" / "sub" / f"{i}.txt", str(i).encode()) for i in range(30)]
    assert fileio.write_files_atomic(items) == []
    assert sorted(made) == [tmp_path / "d0" / "sub", tmp_path / "d1" / "sub"]
    assert [path.read_bytes() for path, _ in items] == [str(i).encode() for i in range(30)]


def test_a_forked_child_writes_with_threads_of_its_own(tmp_path: Path) -> None:
    """The parent's write threads are not in a forked child: the child makes its own pool (with the
    parent's, it would wait forever on threads that are not there)."""
    (tmp_path / "parent").mkdir()
    fileio.write_files_atomic(_old_files(tmp_path / "parent", 20))  # the parent's pool exists
    pid = os.fork()
    if pid == 0:  # the child: a group needing the threads, then exit without pytest's cleanup
        signal.alarm(30)
        try:
            fileio.write_files_atomic([(tmp_path / "child" / f"{i}.txt", b"c" * i) for i in range(20)])
            os._exit(0)
        except BaseException:  # noqa: BLE001 - any failure is the child's exit code
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert [(tmp_path / "child" / f"{i}.txt").read_bytes() for i in range(20)] == [b"c" * i for i in range(20)]
