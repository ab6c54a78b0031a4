"""PDF writer: a document laid out by the DOCX writer and converted by LibreOffice.

``soffice --headless --convert-to pdf`` runs under a guard process (:func:`pdf_guard`) in a temp
folder that also holds its profile and temp files; on every way out, reportgen's death included,
no LibreOffice process and nothing of that folder is left. Page counts, page texts and joining
PDFs use poppler-utils (``pdfinfo``, ``pdftotext``, ``pdfunite``). A missing program, a failed conversion or a timeout
raises :class:`PdfError`, a :class:`~reportgen.errors.CardError` with a Korean / English message.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from reportgen.document import Document
from reportgen.errors import CardError
from reportgen.resources import WriterOptions
from reportgen.writers import docx

PDF_TIMEOUT = 600.0  # seconds LibreOffice may take for one run (a whole council package)
POPPLER_TIMEOUT = 120.0  # seconds pdfinfo or pdfunite may take
SOFFICE, PDFINFO, PDFTOTEXT, PDFUNITE = "soffice", "pdfinfo", "pdftotext", "pdfunite"
NO_SOFFICE = ("PDF 없음: LibreOffice(soffice)가 설치되어 있지 않습니다 — libreoffice-writer-nogui 를 "
              "설치하면 PDF도 만듭니다 / no PDF: LibreOffice (soffice) is not installed — install "
              "libreoffice-writer-nogui to get the PDF")
NO_POPPLER = ("PDF 없음: poppler-utils(pdfinfo, pdftotext, pdfunite)가 설치되어 있지 않습니다 — poppler-utils 를 "
              "설치하면 PDF도 만듭니다 / no PDF: poppler-utils (pdfinfo, pdftotext, pdfunite) is not installed — "
              "install poppler-utils to get the PDF")
_FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <alias binding="same"><family>맑은 고딕</family><prefer><family>NanumGothic</family></prefer></alias>
  <alias binding="same"><family>Malgun Gothic</family><prefer><family>NanumGothic</family></prefer></alias>
</fontconfig>
"""

GUARD_GRACE = 10.0  # seconds the guard may take to end LibreOffice and remove its folder when asked
_GUARD_POLL = 0.05  # seconds between the guard's looks at LibreOffice and at reportgen
_ERR_TAIL = 4096  # bytes of LibreOffice's error output kept for the message
#: the guard process: ``python -c GUARD_MAIN parent-pid folder timeout command …`` (batch's
#: die_with_parent is handed in here: a writer does not import the batch layer)
GUARD_MAIN = ("import sys; from reportgen.batch import die_with_parent; from reportgen.writers.pdf import pdf_guard; "
              "sys.exit(pdf_guard(sys.argv[1:], die_with_parent))")
_TIMED_OUT = "timeout"
_PAGES = re.compile(rb"^Pages:\s+(\d+)\s*$", re.MULTILINE)


class PdfError(CardError):
    """No PDF: LibreOffice or poppler-utils is missing, failed or took too long (Korean / English)."""


# ── the writer ────────────────────────────────────────────────────────────
def render_document(doc: Document, options: WriterOptions | None = None) -> bytes:
    """``doc`` as the DOCX writer lays it out, converted to PDF by LibreOffice."""
    return convert([docx.render_document(doc, options)])[0]


def missing() -> str:
    """Why no PDF can be made here (LibreOffice or poppler-utils not installed), or ""."""
    if shutil.which(SOFFICE) is None:
        return NO_SOFFICE
    if any(shutil.which(name) is None for name in (PDFINFO, PDFTOTEXT, PDFUNITE)):
        return NO_POPPLER
    return ""


def convert(documents: Sequence[bytes], timeout: float = PDF_TIMEOUT) -> list[bytes]:
    """Each DOCX converted to PDF, all in one LibreOffice run (it starts once); raises PdfError."""
    with converting(documents, timeout) as result:
        return result()


#: a PDF: its bytes, or the file that holds it (read by poppler where it is, never loaded)
PdfData = bytes | Path


@contextlib.contextmanager
def converting(documents: Sequence[bytes], timeout: float = PDF_TIMEOUT, *, files: bool = False
               ) -> Iterator[Callable[[], list[PdfData]]]:
    """One LibreOffice run on the DOCX ``documents`` started, not waited for: several runs convert
    at once (each in its own temp folder, with its own profile) while the caller does other work.

    Yields a function that waits for the run and returns the PDFs (raises PdfError): their bytes,
    or with ``files`` their files in the run's folder (valid until the block ends: a package's
    pieces are read by poppler and joined from there, never held). Leaving the block, normally or
    not (Ctrl-C, SIGTERM, an error), ends the run if it still goes and removes its folder, as
    :func:`convert` does.
    """
    soffice = _program(SOFFICE, NO_SOFFICE)
    names = [f"part-{index:05d}.docx" for index in range(len(documents))]

    def command(folder: Path) -> list[str]:
        return [soffice, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless", "--norestore",
                "--convert-to", "pdf", "--outdir", str(folder), *(str(folder / name) for name in names)]
    outputs = [name.removesuffix(".docx") + ".pdf" for name in names]
    with _started_in_folder(dict(zip(names, documents, strict=True)), command, outputs, timeout,
                            "LibreOffice", files=files) as result:
        yield result


def join(pdfs: Sequence[PdfData], timeout: float = POPPLER_TIMEOUT) -> bytes:
    """The PDFs (bytes, or files taken where they are) one after another as one PDF
    (``pdfunite``); raises PdfError."""
    if len(pdfs) == 1:
        return _loaded(pdfs[0])
    pdfunite = _program(PDFUNITE, NO_POPPLER)
    names = [f"part-{index:05d}.pdf" for index in range(len(pdfs))]

    def command(folder: Path) -> list[str]:
        return [pdfunite, *(str(pdf if isinstance(pdf, Path) else folder / name) for name, pdf in zip(names, pdfs,
                                                                                                  strict=True)),
                str(folder / "joined.pdf")]
    inputs = {name: pdf for name, pdf in zip(names, pdfs, strict=True) if not isinstance(pdf, Path)}
    return _run_in_folder(inputs, command, ["joined.pdf"], timeout, "pdfunite")[0]


def _loaded(pdf: PdfData) -> bytes:
    """A PDF's bytes (read from its file when it is one)."""
    return pdf.read_bytes() if isinstance(pdf, Path) else pdf


def page_count(pdf: PdfData, timeout: float = POPPLER_TIMEOUT) -> int:
    """How many pages ``pdf`` has (``pdfinfo``); raises PdfError."""
    found = _PAGES.search(_poppler(PDFINFO, [], pdf, timeout))
    if found is None:
        raise _failed(PDFINFO, "no page count")
    return int(found.group(1))


def page_texts(pdf: PdfData, timeout: float = POPPLER_TIMEOUT) -> list[str]:
    """The text of each page of ``pdf`` in reading order (``pdftotext``); raises PdfError."""
    text = _poppler(PDFTOTEXT, ["-enc", "UTF-8"], pdf, timeout, "-").decode("utf-8", "replace")
    return text.split("\f")[:-1]  # pdftotext ends every page with a form feed


def _poppler(name: str, options: list[str], pdf: PdfData, timeout: float, *output: str) -> bytes:
    """What poppler's ``name`` prints for ``pdf`` (bytes given on its stdin, a file by its path);
    raises PdfError."""
    program = _program(name, NO_POPPLER)
    source, given = (str(pdf), None) if isinstance(pdf, Path) else ("fd://0", pdf)
    try:
        done = subprocess.run([program, *options, source, *output], input=given, capture_output=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise _timed_out(name, timeout) from None
    except OSError as exc:
        raise _failed(name, exc.strerror or type(exc).__name__) from None
    if done.returncode:
        raise _failed(name, done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}")
    return done.stdout


def _program(name: str, absent: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise PdfError(absent)
    return path


def _timed_out(program: str, timeout: float) -> PdfError:
    return PdfError(f"PDF 없음: {program}이(가) {timeout:g}초 안에 끝내지 못했습니다 / "
                    f"no PDF: {program} did not finish within {timeout:g} s")


def _failed(program: str, detail: str) -> PdfError:
    return PdfError(f"PDF 없음: {program} 변환 실패 / no PDF: {program} failed ({detail})")


def _no_temp(exc: OSError) -> PdfError:
    why = exc.strerror or type(exc).__name__
    return PdfError(f"PDF 없음: 임시 폴더에 쓸 수 없습니다 ({why}) / no PDF: the temp folder cannot be written ({why})")


# ── one guarded run in a temp folder ──────────────────────────────────────
def _run_in_folder(inputs: dict[str, bytes], command: Callable[[Path], list[str]], outputs: list[str],
                   timeout: float, program: str) -> list[bytes]:
    """Write ``inputs`` into a fresh temp folder, run ``command(folder)`` under the guard, read ``outputs``."""
    with _started_in_folder(inputs, command, outputs, timeout, program) as result:
        return result()


@contextlib.contextmanager
def _started_in_folder(inputs: dict[str, bytes], command: Callable[[Path], list[str]], outputs: list[str],
                       timeout: float, program: str, *, files: bool = False) -> Iterator[Callable[[], list[PdfData]]]:
    """:func:`_run_in_folder` started: yields the function that waits for the run and reads ``outputs``
    (``files``: gives their paths instead, checked; raises PdfError); on leaving, the guard ends the
    run and the folder is removed."""
    try:
        folder = Path(tempfile.mkdtemp(prefix="reportgen-pdf-"))
    except OSError as exc:
        raise _no_temp(exc) from None
    try:
        for name, data in inputs.items():
            (folder / name).write_bytes(data)
        with _guarded(command(folder), folder, timeout) as wait:
            def result() -> list[PdfData]:
                try:
                    code, err = wait()
                    if code == _TIMED_OUT:
                        raise _timed_out(program, timeout)
                    return [_output(folder / name, program, err or (f"exit {code}" if code else "no exit code"),
                                    files) for name in outputs]
                except OSError as exc:
                    raise _no_temp(exc) from None
            yield result
    except OSError as exc:
        raise _no_temp(exc) from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _output(path: Path, program: str, detail: str, files: bool = False) -> PdfData:
    """The output ``path`` (its bytes, or with ``files`` the path itself); PdfError when it is missing or empty."""
    if not path.is_file() or path.stat().st_size == 0:
        raise _failed(program, detail)
    return path if files else path.read_bytes()


def _soffice_env(folder: Path) -> dict[str, str]:
    """The environment for LibreOffice: 맑은 고딕 (absent on Linux) drawn with NanumGothic; temp
    files (``TMPDIR``) inside ``folder``, so that removing it leaves nothing of the run behind."""
    env = dict(os.environ)
    scratch = folder / "tmp"
    scratch.mkdir()
    env["TMPDIR"] = str(scratch)
    source_root = str(Path(__file__).resolve().parents[2])  # the guard imports this very reportgen
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (source_root, env.get("PYTHONPATH"))))
    if Path("/etc/fonts/fonts.conf").is_file():
        conf = folder / "fonts.conf"
        conf.write_text(_FONTS_CONF, encoding="utf-8")
        env["FONTCONFIG_FILE"] = str(conf)
    return env


@contextlib.contextmanager
def _guarded(command: list[str], folder: Path, timeout: float) -> Iterator[Callable[[], tuple[str, str]]]:
    """Start ``command`` under :func:`pdf_guard`; yield the function that waits for it and returns
    (its exit code or ``timeout`` or "" when the guard failed, the tail of its error output) while
    the folder still holds its files. On leaving (normally, on Ctrl-C, SIGTERM, or any error) the
    guard ends the program and removes the folder."""
    env = _soffice_env(folder)
    try:
        with open(folder / "soffice.err", "wb") as errors:
            guard = subprocess.Popen([sys.executable, "-c", GUARD_MAIN, str(os.getpid()), str(folder),
                                      repr(timeout), *command], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=errors, env=env, start_new_session=True)
    except OSError as exc:  # no process can be started (too many processes, no memory)
        failed = exc.strerror or type(exc).__name__
        yield lambda: ("", failed)
        return

    def wait() -> tuple[str, str]:
        assert guard.stdout is not None
        result = guard.stdout.readline().decode("ascii", "replace").strip()
        return result, _tail(folder / "soffice.err")
    try:
        yield wait
    finally:
        _end_guard(guard)


def _end_guard(guard: subprocess.Popen[bytes]) -> None:
    """Close the guard's stdin (it ends the program and removes the folder) and wait for it."""
    for stream in (guard.stdin, guard.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()
    try:
        guard.wait(GUARD_GRACE)
    except subprocess.TimeoutExpired:
        _kill_group(guard)


def _tail(path: Path) -> str:
    """The last line of the program's error output (at most its last 4 kB are read)."""
    try:
        with path.open("rb") as source:
            source.seek(max(0, path.stat().st_size - _ERR_TAIL))
            text = source.read(_ERR_TAIL).decode("utf-8", "replace").strip()
    except OSError:
        return ""
    return text.splitlines()[-1] if text else ""


# ── the guard process ─────────────────────────────────────────────────────
class _Guard:
    """The guard process's state: the program's process (its own session and process group), and
    whether it was asked to stop (by a signal: the handler only notes it, so that nothing
    interrupts the clean-up; the guard looks at it every few hundredths of a second)."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.stopped = False

    def on_signal(self, _signum: int, _frame: object) -> None:
        self.stopped = True

    def start(self, command: list[str]) -> None:
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        start_new_session=True)

    def wait(self, timeout: float) -> str | None:
        """The program's exit code, or ``timeout``; None when stopped or reportgen closed stdin."""
        deadline = time.monotonic() + timeout
        while not self.stopped:
            if self._exited():
                return str(self.end())
            if time.monotonic() >= deadline:
                self.end()
                return _TIMED_OUT
            if _parent_closed(_GUARD_POLL):
                return None
        return None

    def hold(self) -> None:
        """Keep the folder until reportgen closes stdin (it has read the output), dies, or stops the guard."""
        while not self.stopped and not _parent_closed(10 * _GUARD_POLL):
            pass

    def _exited(self) -> bool:
        """Whether the program's first process has exited (not yet reaped: its group id stays ours)."""
        assert self.process is not None
        return os.waitid(os.P_PID, self.process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None

    def end(self) -> int | None:
        """Kill whatever is left of the program's process group, reap it; its exit code."""
        process, self.process = self.process, None
        return None if process is None else _kill_group(process)


def _kill_group(process: subprocess.Popen[bytes]) -> int:
    """SIGKILL the process group ``process`` leads (its own session), reap ``process``; its exit code."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    return process.wait()


def _parent_closed(wait: float) -> bool:
    """Whether reportgen has closed the guard's stdin (waits up to ``wait`` seconds)."""
    readable, _, _ = select.select([0], [], [], wait)
    return bool(readable) and not os.read(0, 4096)


def pdf_guard(argv: list[str], die_with_parent: Callable[[int, int], bool]) -> int:
    """The guard process between reportgen and LibreOffice or pdfunite (``python -c GUARD_MAIN …``).

    Runs the command in its own session, waits for it (up to the timeout) and writes its exit
    code (or ``timeout``) as one line to stdout, then waits until reportgen closes stdin. When
    reportgen closes stdin early, dies (even by ``kill -9``: its end closes the pipe, and
    ``die_with_parent`` sends SIGTERM) or sends SIGTERM, the guard kills the program's whole
    process group (``oosplash`` → ``soffice.bin``). It always removes the folder (profile, temp
    files, PDF) when it ends.
    """
    parent, folder, timeout, command = int(argv[0]), Path(argv[1]), float(argv[2]), argv[3:]
    guard = _Guard()
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(signum, guard.on_signal)
    try:
        if die_with_parent(parent, signal.SIGTERM):
            guard.start(command)
            result = guard.wait(timeout)
            if result is not None:
                os.write(1, f"{result}\n".encode())
                guard.hold()
    except OSError:
        pass  # the program could not be started, or reportgen is gone: clean up below
    finally:
        guard.end()
        shutil.rmtree(folder, ignore_errors=True)
    return 0
