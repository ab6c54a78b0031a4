"""Process hygiene: nothing of a run outlives it, however it ends.

``kill -9`` of ``reportgen build -j 2`` mid-build, or of ``reportgen package`` during its PDF
step, and SIGTERM or SIGHUP to that process alone: within 5 s no worker, guard or LibreOffice
process of that run is left, and no temp file (in the output folder, and no LibreOffice
profile or temp folder: the runs get their own TMPDIR, which must end up empty). SIGTERM and
SIGHUP end the command like Ctrl-C: exit 130, the "interrupted" message, no traceback.

A run's processes are found through /proc: the descendants of the reportgen process and
every process in their sessions (reportgen is started in a session of its own; the PDF guard
and LibreOffice get their own sessions). Only those are ever killed by these tests.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cardfiles import assert_complete

from reportgen import batch
from reportgen.fileio import write_bytes_atomic
from reportgen.writers.workbook import write_workbook

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from make_corpus import make_corpus  # noqa: E402

REPORTGEN = Path(sys.executable).with_name("reportgen")
FORMATS = "txt,docx,xlsx,hwpx"
GONE_WITHIN = 5.0  # seconds after the signal
needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None,
                                   reason="LibreOffice (soffice) is not installed (make test installs it)")


# ── processes of a run, from /proc ────────────────────────────────────────
@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    session: int
    state: str
    start: int  # start time in clock ticks: (pid, start) names one process even if the pid is reused
    name: str


def _processes() -> dict[int, Proc]:
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue  # ended meanwhile
        name = raw[raw.index("(") + 1: raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2:].split()
        table[int(entry)] = Proc(int(entry), int(fields[1]), int(fields[3]), fields[0], int(fields[19]), name)
    return table


@dataclass
class Run:
    """The processes of one reportgen run: (pid, start) of each, and their sessions."""

    members: set[tuple[int, int]]
    sessions: set[int]
    names: list[str]

    def alive(self) -> list[Proc]:
        """Processes of the run still alive (zombies are dead: only their parent has not reaped them)."""
        return [p for p in _processes().values()
                if p.state not in "ZX" and ((p.pid, p.start) in self.members or p.session in self.sessions)]


def _run_of(root: int) -> Run:
    table = _processes()
    members = {root}
    grew = True
    while grew:
        children = {p.pid for p in table.values() if p.ppid in members} - members
        members |= children
        grew = bool(children)
    procs = [table[pid] for pid in members if pid in table]
    return Run({(p.pid, p.start) for p in procs}, {p.session for p in procs}, sorted(p.name for p in procs))


def _wait_until(condition: Callable[[], bool], timeout: float, step: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def _gone_within(run: Run, seconds: float) -> list[Proc]:
    """Wait up to ``seconds`` for every process of the run to end; those still alive."""
    _wait_until(lambda: not run.alive(), seconds, step=0.05)
    return run.alive()


def _end(run: Run) -> None:
    """Clean-up after a failed test: SIGKILL what is left of this run (and only of this run)."""
    for proc in run.alive():
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture
def reportgen(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start ``reportgen …`` in a session of its own with TMPDIR inside tmp_path; ends what is left."""
    started: list[subprocess.Popen[str]] = []
    runs: list[Run] = []

    def start(*args: str | Path) -> subprocess.Popen[str]:
        env = dict(os.environ, TMPDIR=str(tmp_path / "tmp"))
        (tmp_path / "tmp").mkdir(exist_ok=True)
        process = subprocess.Popen([str(REPORTGEN), *map(str, args)], start_new_session=True, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        started.append(process)
        return process

    start.runs = runs  # type: ignore[attr-defined]
    yield start
    for run in runs:
        _end(run)  # a failed test's leftovers (they would hold the output pipes open)
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpora")
    for cards in (12, 120):
        write_bytes_atomic(folder / f"corpus-{cards}.xlsx", write_workbook(make_corpus(cards)))
    return folder


def _temp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob(".*.tmp")) if folder.exists() else []


# ── build -j 2 ────────────────────────────────────────────────────────────
def _mid_build(process: subprocess.Popen[str], out: Path) -> Run:
    """Wait until the build has written some files and its workers run; the run's processes."""
    def busy() -> bool:
        return out.is_dir() and len(list(out.glob("[!.]*"))) >= 40
    assert _wait_until(busy, 60), "the build did not start writing"
    run = _run_of(process.pid)
    assert len(run.members) >= 3, f"reportgen and its 2 workers: {run.names}"
    return run


def test_kill_9_of_a_parallel_build_leaves_no_worker_and_no_temp_file(
        corpora: Path, tmp_path: Path, reportgen: Callable[..., subprocess.Popen[str]]) -> None:
    out = tmp_path / "out"
    process = reportgen("build", corpora / "corpus-120.xlsx", "-o", out, "--format", FORMATS, "-j", "2")
    run = _mid_build(process, out)
    reportgen.runs.append(run)  # type: ignore[attr-defined]
    process.kill()
    left = _gone_within(run, GONE_WITHIN)
    assert left == [], f"still running {GONE_WITHIN} s after kill -9 of reportgen: {left}"
    assert _temp_files(out) == []
    finished = [p for p in out.iterdir() if not p.name.startswith(".")]
    assert 0 < len(finished) < 120 * 4, "killed mid-build"
    for path in finished:
        assert_complete(path)
    assert os.listdir(tmp_path / "tmp") == []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_sigterm_or_sighup_to_a_parallel_build_stops_it_like_ctrl_c(
        signum: int, corpora: Path, tmp_path: Path, reportgen: Callable[..., subprocess.Popen[str]]) -> None:
    out = tmp_path / "out"
    process = reportgen("build", corpora / "corpus-120.xlsx", "-o", out, "--format", FORMATS, "-j", "2")
    run = _mid_build(process, out)
    reportgen.runs.append(run)  # type: ignore[attr-defined]
    process.send_signal(signum)  # to reportgen alone, not to its workers
    left = _gone_within(run, GONE_WITHIN)
    assert left == [], f"still running {GONE_WITHIN} s after the signal: {left}"
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "interrupted" in stderr and "중단" in stderr, stderr
    assert _temp_files(out) == []
    assert not (out / batch.LOCK_FILE).exists(), "the folder lock is released"
    finished = [p for p in out.iterdir() if not p.name.startswith(".")]
    assert 0 < len(finished) < 120 * 4, "stopped mid-build"
    for path in finished:
        assert_complete(path)


def test_a_worker_killed_alone_stops_the_build_like_ctrl_c(
        corpora: Path, tmp_path: Path, reportgen: Callable[..., subprocess.Popen[str]]) -> None:
    """kill -9 of one worker (as the out-of-memory killer does): exit 130 and the "interrupted" message,
    not an internal error; the other worker ends too, no temp file is left."""
    out = tmp_path / "out"
    process = reportgen("build", corpora / "corpus-120.xlsx", "-o", out, "--format", FORMATS, "-j", "2")
    run = _mid_build(process, out)
    reportgen.runs.append(run)  # type: ignore[attr-defined]
    worker = next(pid for pid, _ in run.members if pid != process.pid)
    os.kill(worker, signal.SIGKILL)
    _, stderr = process.communicate(timeout=60)
    assert _gone_within(run, GONE_WITHIN) == []
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr and "internal error" not in stderr, stderr
    assert _temp_files(out) == []


WORKER_IN_A_WRITE = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from reportgen import batch, fileio

    def write_slowly(index):
        def stall(fd):
            time.sleep(120)  # the temp file exists, the card is half done
        fileio.os.fsync = stall
        fileio.write_bytes_atomic(Path(sys.argv[1]) / f"card{index}.txt", b"x" * 1000)
        return index

    if __name__ == "__main__":
        for _ in batch.ordered_map(write_slowly, range(2), 2):
            pass
""")


def test_worker_killed_with_its_parent_in_the_middle_of_a_write_removes_its_temp_file(tmp_path: Path) -> None:
    """Two workers each stuck inside an atomic write (temp file made, not renamed); kill -9 of the main
    process: the OS sends each worker SIGTERM (PR_SET_PDEATHSIG), which unwinds the write and removes
    the temp file, then the worker exits."""
    script, out = tmp_path / "stuck.py", tmp_path / "out"
    script.write_text(WORKER_IN_A_WRITE, encoding="utf-8")
    out.mkdir()
    process = subprocess.Popen([sys.executable, str(script), str(out)], start_new_session=True)
    run = Run(set(), set(), [])
    try:
        assert _wait_until(lambda: len(_temp_files(out)) == 2, 30), "both workers inside a write"
        run = _run_of(process.pid)
        assert len(run.members) == 3, run.names
        process.kill()
        process.wait()
        left = _gone_within(run, GONE_WITHIN)
        assert left == [], f"workers outlived their parent: {left}"
        assert _temp_files(out) == [] and list(out.iterdir()) == []
    finally:
        _end(run)
        if process.poll() is None:
            process.kill()
            process.wait()


# ── package: the PDF step ─────────────────────────────────────────────────
def _in_pdf_step(process: subprocess.Popen[str]) -> Run:
    """Wait until LibreOffice (soffice.bin) runs under the package command; the run's processes."""
    found: list[Run] = []

    def converting() -> bool:
        run = _run_of(process.pid)
        found[:] = [run]
        return "soffice.bin" in run.names or process.poll() is not None
    assert _wait_until(converting, 90, step=0.05) and process.poll() is None, \
        f"LibreOffice did not start: {found[0].names if found else ''} {process.communicate()[1]}"
    return found[0]


def _assert_nothing_of_the_run_left(run: Run, out: Path, tmp: Path) -> None:
    left = _gone_within(run, GONE_WITHIN)
    assert left == [], f"still running {GONE_WITHIN} s later: {left}"
    assert _wait_until(lambda: os.listdir(tmp) == [], GONE_WITHIN), f"left in TMPDIR: {os.listdir(tmp)}"
    assert _temp_files(out) == []
    assert not (out / "p.zip").exists()


@needs_soffice
def test_kill_9_of_package_during_the_pdf_step_leaves_no_libreoffice(
        corpora: Path, tmp_path: Path, reportgen: Callable[..., subprocess.Popen[str]]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    process = reportgen("package", corpora / "corpus-12.xlsx", "-o", out / "p.zip", "-j", "2")
    run = _in_pdf_step(process)
    reportgen.runs.append(run)  # type: ignore[attr-defined]
    assert any(name.startswith("reportgen-pdf-") for name in os.listdir(tmp_path / "tmp"))
    process.kill()
    _assert_nothing_of_the_run_left(run, out, tmp_path / "tmp")


@needs_soffice
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=["SIGTERM", "SIGHUP", "ctrl-c"])
def test_sigterm_sighup_or_ctrl_c_to_package_during_the_pdf_step(
        signum: int, corpora: Path, tmp_path: Path, reportgen: Callable[..., subprocess.Popen[str]]) -> None:
    """SIGTERM and SIGHUP to reportgen alone; Ctrl-C to its process group, as a terminal sends it
    (LibreOffice runs in a session of its own, so only reportgen can end it)."""
    out = tmp_path / "out"
    out.mkdir()
    process = reportgen("package", corpora / "corpus-12.xlsx", "-o", out / "p.zip", "-j", "2")
    run = _in_pdf_step(process)
    reportgen.runs.append(run)  # type: ignore[attr-defined]
    if signum == signal.SIGINT:
        os.killpg(process.pid, signum)
    else:
        process.send_signal(signum)
    _assert_nothing_of_the_run_left(run, out, tmp_path / "tmp")
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "interrupted" in stderr, stderr


# ── the pieces, in this process ───────────────────────────────────────────
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_stop_on_termination_raises_a_keyboard_interrupt_once(signum: int) -> None:
    before = signal.getsignal(signum)
    with pytest.raises(KeyboardInterrupt) as caught, batch.stop_on_termination():
        os.kill(os.getpid(), signum)
        time.sleep(5)  # the handler interrupts this
    assert isinstance(caught.value, batch.Terminated) and caught.value.signum == signum
    assert signal.getsignal(signum) is before, "the earlier handler is back"


def test_stop_on_termination_keeps_an_ignored_hangup_ignored() -> None:
    """``nohup reportgen build``: SIGHUP stays ignored."""
    before = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with batch.stop_on_termination():
            os.kill(os.getpid(), signal.SIGHUP)
            time.sleep(0.2)
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, before)


def test_parent_death_signal_reaches_a_grandchild_when_its_parent_is_killed(tmp_path: Path) -> None:
    """set_parent_death_signal: a child that asked for SIGTERM on its parent's death gets it
    (it writes a mark, then exits) when its parent is killed with SIGKILL."""
    mark = tmp_path / "got-sigterm"
    child = textwrap.dedent(f"""
        import signal, sys, time
        from pathlib import Path
        from reportgen import batch
        def on_term(signum, frame):
            Path({str(mark)!r}).write_text("yes")
            sys.exit(0)
        signal.signal(signal.SIGTERM, on_term)
        assert batch.set_parent_death_signal(signal.SIGTERM)
        Path({str(mark)!r} + ".ready").write_text("ready")
        time.sleep(60)
    """)
    parent = subprocess.Popen([sys.executable, "-c",
                               f"import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', {child!r}]); "
                               "time.sleep(60)"], start_new_session=True)
    run = Run(set(), set(), [])
    try:
        assert _wait_until(lambda: Path(str(mark) + ".ready").exists(), 30)
        run = _run_of(parent.pid)
        parent.kill()
        parent.wait()
        assert _wait_until(mark.exists, GONE_WITHIN), "the child got no SIGTERM when its parent died"
        assert _gone_within(run, GONE_WITHIN) == []
    finally:
        _end(run)


def test_sigterm_during_a_serial_build_unwinds_the_write_at_hand(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """-j 1: SIGTERM arrives while the 5th file of the second flush is being flushed (40 cards × 2
    formats, one chunk: cards 1–32 are the first flush, 64 files written by the background thread;
    cards 33–40 the second, in the main thread): the second flush is unwound (its temp files
    removed), the build stops with a KeyboardInterrupt, the 64 files of the first flush are whole
    and the folder lock is released."""
    from reportgen import fileio

    flushes: list[int] = []
    real_fdatasync = os.fdatasync

    def fdatasync(fd: int) -> None:  # a chunk's files are flushed together, then renamed
        flushes.append(fd)
        if len(flushes) == 64 + 5:  # the second flush's 5th file
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler interrupts this
        real_fdatasync(fd)

    def not_handled(_signum: int, _frame: object) -> None:
        raise AssertionError("build() did not handle SIGTERM")

    monkeypatch.setattr(fileio.os, "fdatasync", fdatasync)
    before = signal.signal(signal.SIGTERM, not_handled)  # a failing test must not kill pytest
    try:
        with pytest.raises(batch.Terminated):
            batch.build(make_corpus(40).cards, tmp_path, ["txt", "docx"], jobs=1)
        assert signal.getsignal(signal.SIGTERM) is not_handled, "build() restores the handler it found"
    finally:
        signal.signal(signal.SIGTERM, before)
    monkeypatch.undo()
    assert len(flushes) == 64 + 5
    assert _temp_files(tmp_path) == []
    assert len(os.listdir(tmp_path)) == 64 and not (tmp_path / batch.LOCK_FILE).exists()
    for path in tmp_path.iterdir():
        assert_complete(path)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_stop_handler_run_inside_a_hold_waits_for_its_end(signum: int) -> None:
    """A stop whose handler Python runs inside stop_signals_held (it came just before the hold, or
    to another thread) does not raise there, between a temp file made and recorded: it comes again
    and raises once the hold ends."""
    from reportgen import fileio

    handler_ran_inside = False
    with pytest.raises(batch.Terminated), batch.stop_on_termination():
        with fileio.stop_signals_held():
            assert fileio.signals_held()
            signal.getsignal(signum)(signum, None)  # as Python runs a handler it was asked to run
            handler_ran_inside = True
        pytest.fail("the stop did not come after the hold")  # pragma: no cover
    assert handler_ran_inside and not fileio.signals_held()


def test_a_worker_stop_inside_a_hold_waits_for_its_end(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same in a worker: SIGTERM's handler inside a hold does not unwind the card there."""
    from reportgen import fileio

    monkeypatch.setattr(batch, "_working", True)
    monkeypatch.setattr(batch, "_stopping", False)
    reached = False
    before = signal.signal(signal.SIGTERM, batch._stop_worker)
    try:
        with pytest.raises(batch.WorkerStopped):
            with fileio.stop_signals_held():
                batch._stop_worker(signal.SIGTERM, None)
                reached = True
    finally:
        signal.signal(signal.SIGTERM, before)
    assert reached


# ── the workers' fork: no stop signal lost in it ──────────────────────────
def _hold_in_worker(_item: int) -> tuple[bool, bool]:
    """In a worker: whether it thinks a hold is open, and whether SIGTERM is blocked in it."""
    from reportgen import fileio

    blocked = signal.SIGTERM in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    return fileio.signals_held(), blocked


def test_the_workers_are_forked_with_the_stop_signals_held_and_start_without_the_hold(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A SIGTERM landing while ProcessPoolExecutor forks was swallowed by an at-fork hook and the
    package ran to its end: the first submit (which forks every worker) holds the stop signals,
    and each worker ends the hold it inherited before it works."""
    from concurrent.futures import ProcessPoolExecutor

    from reportgen import fileio

    held: list[bool] = []
    real = ProcessPoolExecutor.submit

    def submit(self: ProcessPoolExecutor, *args: object) -> object:
        held.append(fileio.signals_held())
        return real(self, *args)

    monkeypatch.setattr(ProcessPoolExecutor, "submit", submit)
    results = list(batch.ordered_map(_hold_in_worker, range(6), 2))
    assert held == [True, False, False, False, False, False]
    assert results == [(False, False)] * 6
    assert not fileio.signals_held()
    assert signal.SIGTERM not in signal.pthread_sigmask(signal.SIG_BLOCK, [])
