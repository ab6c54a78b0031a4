"""의회 제출 자료 (council submission package): one zip with everything.

The zip holds, for the cards as of the 기준일 (:func:`reportgen.batch.as_of_view`):

* one combined DOCX and one combined HWPX: cover page (기관명, 민선, 기준일),
  목차, 총괄표, 변경이력 (when any card has changes), then every card on its own page;
* one XLSX: a 총괄표 sheet, a 변경이력 sheet when there are changes, one sheet per card;
* a PDF of the combined DOCX made by LibreOffice when it is installed;
* every card in every format under ``cards/`` and ``manifest.json``.

Members are sorted by name and dated 1980-01-01, so the same workbook gives the
same bytes (the PDF aside: LibreOffice stamps its own dates). Korean member names
carry the zip UTF-8 flag, which Windows Explorer needs to show them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import io
import itertools
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from lxml import etree

from reportgen import model as m
from reportgen.batch import (
    MANIFEST,
    BuiltFile,
    Failure,
    as_of_view,
    die_with_parent,
    failure_of,
    manifest_json,
    ordered_map,
    parse_as_of,
    render_one,
    stop_on_termination,
)
from reportgen.errors import CardError
from reportgen.fileio import card_filename, safe_filename
from reportgen.formats import WRITERS, available_writers
from reportgen.periods import is_after
from reportgen.summary import (
    L_AS_OF,
    L_TERM,
    Summary,
    header_cells,
    notes,
    row_cells,
    summarize,
    title_line,
)
from reportgen.summary import TITLE as SUMMARY_TITLE
from reportgen.workbook_contract import (
    COL_CHANGE_CONTENT,
    COL_CHANGE_DATE,
    COL_CHANGE_PROCEDURE,
    COL_CHANGE_REASON,
    COL_STATUS,
    COL_TITLE,
    SHEET_CHANGES,
)
from reportgen.writers import docx as wd
from reportgen.writers import hwpx as wh
from reportgen.writers import xlsx as wx

# ── labels of the package (not on the card, so they live here) ─────────────
REPORT_TITLE = "공약사업 추진상황 보고"
L_CONTENTS = "목차"
L_CARD_COUNT = "공약사업"
CARDS_FOLDER = "cards"
#: the card formats the package holds (its own list: a format added to formats.py does not join it)
CARD_FORMATS = ("txt", "docx", "xlsx", "hwpx", "hwp")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
PDF_TIMEOUT = 600.0  # seconds LibreOffice may take for the whole document
#: members already compressed (zip packages, PDF): stored, not deflated again
STORED_SUFFIXES = (".docx", ".xlsx", ".hwpx", ".pdf")

CHANGE_LABELS = (m.L_ID, COL_TITLE, COL_CHANGE_DATE, COL_CHANGE_CONTENT, COL_CHANGE_REASON, COL_CHANGE_PROCEDURE)
CONTENTS_LABELS = (m.L_ID, COL_TITLE, COL_STATUS)


@dataclass(frozen=True)
class Cover:
    """What the cover page says."""

    agency: str  # 기관명
    title: str  # 민선 8기 공약사업 추진상황 보고
    as_of: str  # 기준일: 2024. 12. 31.
    count: str  # 공약사업 12건


@dataclass
class PackageResult:
    """The zip's bytes, notes for the user (Korean / English) and what went in."""

    data: bytes
    notes: list[str] = field(default_factory=list)
    files: list[BuiltFile] = field(default_factory=list)  # every member but manifest.json
    failures: list[Failure] = field(default_factory=list)  # cards a format could not express


@dataclass
class PackageContents:
    """Everything the package documents are built from."""

    book: m.Workbook  # cards as of the 기준일
    cover: Cover
    summary: Summary
    as_of: dt.date | None
    failures: list[Failure] = field(default_factory=list)


# ── what the package shows ────────────────────────────────────────────────
def date_text(day: dt.date | None) -> str:
    """``2024. 12. 31.`` as Korean reports print a day."""
    return f"{day.year}. {day.month:02d}. {day.day:02d}." if day else ""


def report_title(settings: m.Settings) -> str:
    """``민선 8기 공약사업 추진상황 보고`` (without 민선 when the 설정 has none)."""
    term = settings.term.strip()
    if not term:
        return REPORT_TITLE
    return f"{term if term.startswith(L_TERM) else f'{L_TERM} {term}'} {REPORT_TITLE}"


def _changes_as_of(changes: list[m.ChangeRecord], as_of: dt.date | None) -> list[m.ChangeRecord]:
    """변경이력 rows up to the 기준일 (rows whose date is no period are kept)."""
    if as_of is None:
        return list(changes)
    kept = []
    for change in changes:
        try:
            later = is_after(change.date, as_of)
        except (ValueError, IndexError):
            later = False
        if not later:
            kept.append(change)
    return kept


def package_contents(book: m.Workbook, as_of: dt.date | None) -> PackageContents:
    """The cards as of the 기준일, the 총괄표 and the cover."""
    views = []
    for card in book.cards:
        view = as_of_view(card, as_of)
        if view is card:
            view = replace(card)
        view.changes = _changes_as_of(card.changes, as_of)
        views.append(view)
    settings = replace(book.settings, as_of=as_of.isoformat() if as_of else book.settings.as_of)
    shown = m.Workbook(settings, views)
    cover = Cover(settings.agency, report_title(settings),
                  f"{L_AS_OF}: {date_text(as_of)}" if as_of else "", f"{L_CARD_COUNT} {len(views)}건")
    return PackageContents(shown, cover, summarize(shown), as_of)


def file_stem(contents: PackageContents) -> str:
    """Name of the combined files: ``공약사업_추진상황_보고_2024-12-31``."""
    stem = REPORT_TITLE.replace(" ", "_")
    return safe_filename(f"{stem}_{contents.as_of.isoformat()}" if contents.as_of else stem, "")


def _change_rows(cards: list[m.Card]) -> list[list[str]]:
    return [[card.id, card.title, c.date, c.content, c.reason, c.procedure] for card in cards for c in card.changes]


def _contents_rows(cards: list[m.Card]) -> list[list[str]]:
    return [[card.id, card.title, m.status_text(card.header)] for card in cards]


def _failure_text(exc: Exception) -> str:
    return f"이 카드를 그릴 수 없습니다 / this card cannot be drawn: {exc}"


# ── combined DOCX ─────────────────────────────────────────────────────────
W = f"{{{wd.W_NS}}}"
SMALL = 16  # half-points: 8 pt for the wide 총괄표
BOOKMARK = "card_{}"


def _p(style: str, text: str = "", size: int | None = None, center: bool = False, before: int | None = None,
       link: str | None = None, keep: bool = False) -> str:
    """A paragraph in ``style`` with optional size, centring, space before, internal link, keep-with-next."""
    props = f'<w:pStyle w:val="{style}"/>' + ("<w:keepNext/>" if keep else "")
    if before is not None:
        props += f'<w:spacing w:before="{before}"/>'
    if center:
        props += '<w:jc w:val="center"/>'
    run_props = f'<w:rPr><w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr>' if size else ""
    run = f'<w:r>{run_props}<w:t xml:space="preserve">{wd.esc(text)}</w:t></w:r>' if text else ""
    if link and run:
        run = f'<w:hyperlink w:anchor="{link}" w:history="1">{run}</w:hyperlink>'
    return f"<w:p><w:pPr>{props}</w:pPr>{run}</w:p>"


def _bookmark(index: int | None) -> str:
    if index is None:
        return ""
    return f'<w:bookmarkStart w:id="{index}" w:name="{BOOKMARK.format(index)}"/><w:bookmarkEnd w:id="{index}"/>'


_HAIRLINE = '<w:pPr><w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/></w:pPr>'


def _page_break(bookmark: int | None = None) -> str:
    """A hair-thin paragraph holding a page break (and the next card's bookmark)."""
    return f'<w:p>{_HAIRLINE}<w:r><w:br w:type="page"/></w:r>{_bookmark(bookmark)}</w:p>'


def _bookmark_paragraph(index: int) -> str:
    """A hair-thin paragraph holding only a bookmark (the first card follows a section break)."""
    return f"<w:p>{_HAIRLINE}{_bookmark(index)}</w:p>"


def _docx_table(t: wd.Template, shares: list[int], labels: list[str], rows: list[list[str]],
                size: int | None = None, left: tuple[int, ...] = (), links: dict[int, str] | None = None,
                keep: bool = False) -> str:
    """A grid table: a shaded label row (repeated on every page), then ``rows``.

    Columns in ``left`` are left-aligned; ``links`` maps a row index to a bookmark
    its second cell links to; ``keep`` keeps the rows on one page when they fit.
    """
    widths = wd.shares(t.text_width, shares)
    label_row = "".join(wd.cell(w, _p(t.styles["label"], text, size), fill=t.label_fill)
                        for w, text in zip(widths, labels, strict=True))
    body = []
    for index, cells in enumerate(rows):
        link = (links or {}).get(index)
        body.append("".join(
            wd.cell(w, _p(t.styles["value" if col in left else "cell"], text, size, link=link if col == 1 else None,
                          keep=keep and index < len(rows) - 1))
            for col, (w, text) in enumerate(zip(widths, cells, strict=True))))
    return wd.table(t.styles["table"], widths, [label_row, *body], header_rows=1)


def _docx_cover(t: wd.Template, cover: Cover) -> str:
    title = t.styles["title"]
    return "".join((
        _p(title, cover.agency, size=36, center=True, before=3400),
        _p(title, cover.title, size=52, center=True, before=1200),
        _p(title, cover.as_of, size=28, center=True, before=2400),
        _p(title, cover.count, size=28, center=True, before=200),
    ))


def _section_break(sect_pr: str) -> str:
    """An empty paragraph that ends a section laid out by ``sect_pr``."""
    return f"<w:p><w:pPr>{sect_pr}</w:pPr></w:p>"


def _landscape(t: wd.Template) -> tuple[str, wd.Template]:
    """The template's page turned landscape (same margins), and the template with that text width."""
    sect_pr = t.tail.removesuffix("</w:body></w:document>")
    root = etree.fromstring(sect_pr.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    size, margins = root.find(f"{W}pgSz"), root.find(f"{W}pgMar")
    if size is None or margins is None:
        return sect_pr, t
    width, height = size.get(f"{W}h", "16838"), size.get(f"{W}w", "11906")
    size.set(f"{W}w", width)
    size.set(f"{W}h", height)
    size.set(f"{W}orient", "landscape")
    try:
        text_width = int(width) - int(margins.get(f"{W}left", "0")) - int(margins.get(f"{W}right", "0"))
    except ValueError:
        return sect_pr, t
    return etree.tostring(root, encoding="unicode"), replace(t, text_width=max(text_width, t.text_width))


def _docx_summary(t: wd.Template, s: Summary) -> str:
    out = [_p(t.styles["heading"], SUMMARY_TITLE), _p(t.styles["free"], title_line(s), size=20)]
    columns = len(header_cells(s, s.tables[0])) if s.tables else 2
    shares = [300] + [100] * (columns - 1)
    for table in s.tables:
        out.append(_p(t.styles["subheading"], f"■ {table.title}"))
        rows = [row_cells(r) for r in (*table.rows, table.total)]
        out.append(_docx_table(t, shares, header_cells(s, table), rows, SMALL + 2, left=(0,), keep=True))
    out += [_p(t.styles["free"], note, size=SMALL, before=160 if index == 0 else None)
            for index, note in enumerate(notes(s))]
    return "".join(out)


def _docx_front(t: wd.Template, contents: PackageContents) -> str:
    """Cover and 목차 (portrait), then 총괄표 and 변경이력 in a landscape section."""
    wide_section, wide = _landscape(t)
    cards = contents.book.cards
    parts = [_docx_cover(t, contents.cover), _page_break(), _p(t.styles["heading"], L_CONTENTS),
             _docx_table(t, [130, 610, 260], list(CONTENTS_LABELS), _contents_rows(cards), left=(1,),
                         links={i: BOOKMARK.format(i) for i in range(len(cards))}),
             _section_break(t.tail.removesuffix("</w:body></w:document>")), _docx_summary(wide, contents.summary)]
    changes = _change_rows(cards)
    if changes:
        parts += [_page_break(), _p(t.styles["heading"], SHEET_CHANGES),
                  _docx_table(wide, [80, 200, 110, 300, 200, 150], list(CHANGE_LABELS), changes, SMALL + 2,
                              left=(1, 3, 4, 5))]
    parts.append(_section_break(wide_section))
    return "".join(parts)


def _docx_cards(t: wd.Template, contents: PackageContents) -> Iterator[str]:
    """Every card from a new page, one at a time."""
    for index, card in enumerate(contents.book.cards):
        yield _page_break(index) if index else _bookmark_paragraph(index)
        try:
            yield wd.card_body_xml(card, t)
        except CardError as exc:
            contents.failures.append(failure_of(card, "package-docx", exc))
            yield _p(t.styles["title"], card.title) + _p(t.styles["free"], _failure_text(exc))


def combined_docx(contents: PackageContents) -> bytes:
    """Cover, 목차, 총괄표 and 변경이력 (landscape), then every card on its own page, as one DOCX."""
    t = wd.load_template()
    return wd.docx_from_parts(itertools.chain([_docx_front(t, contents)], _docx_cards(t, contents)), t)


# ── combined HWPX ─────────────────────────────────────────────────────────
def _hwpx_table(section: wh.Section, widths: list[int], labels: list[str], rows: list[list[str]],
                left: tuple[int, ...] = ()) -> None:
    cells = [wh.Cell([text], 0, col, label=True) for col, text in enumerate(labels)]
    cells += [wh.Cell([text], r, col, left=col in left)
              for r, row in enumerate(rows, start=1) for col, text in enumerate(row)]
    section.table(cells, widths, header_rows=1)


def _hwpx_widths(shares: list[int]) -> list[int]:
    whole = sum(shares)
    widths = [wh.TEXT_WIDTH * share // whole for share in shares]
    widths[-1] += wh.TEXT_WIDTH - sum(widths)
    return widths


def _hwpx_cover(section: wh.Section, cover: Cover) -> None:
    for _ in range(6):
        section.paragraph("", "title", "title")
    section.paragraph(cover.agency, "title", "heading")
    section.paragraph("", "title", "title")
    section.paragraph(cover.title, "title", "title")
    for _ in range(4):
        section.paragraph("", "title", "title")
    section.paragraph(cover.as_of, "title", "heading")
    section.paragraph(cover.count, "title", "heading")


def _hwpx_summary(section: wh.Section, s: Summary) -> None:
    section.paragraph(SUMMARY_TITLE, "heading", "heading")
    section.paragraph(title_line(s), "free")
    columns = len(header_cells(s, s.tables[0])) if s.tables else 2
    widths = _hwpx_widths([260] + [100] * (columns - 1))
    for table in s.tables:
        section.paragraph(f"■ {table.title}", "subheading", "subheading")
        _hwpx_table(section, widths, header_cells(s, table), [row_cells(r) for r in (*table.rows, table.total)],
                    left=(0,))
    for note in notes(s):
        section.paragraph(note, "free", "detail")


def _hwpx_card(section: wh.Section, card: m.Card, failures: list[Failure]) -> None:
    section.page_break()
    kept = len(section.parts)
    try:
        wh.add_card(section, card)
    except CardError as exc:
        del section.parts[kept:]
        section.page_break()
        failures.append(failure_of(card, "package-hwpx", exc))
        section.paragraph(card.title, "title", "title")
        section.paragraph(_failure_text(exc), "free")


def _hwpx_front(section: wh.Section, contents: PackageContents) -> None:
    cards = contents.book.cards
    _hwpx_cover(section, contents.cover)
    section.page_break()
    section.paragraph(L_CONTENTS, "heading", "heading")
    _hwpx_table(section, _hwpx_widths([130, 610, 260]), list(CONTENTS_LABELS), _contents_rows(cards), left=(1,))
    section.page_break()
    _hwpx_summary(section, contents.summary)
    changes = _change_rows(cards)
    if changes:
        section.page_break()
        section.paragraph(SHEET_CHANGES, "heading", "heading")
        _hwpx_table(section, _hwpx_widths([90, 170, 110, 270, 210, 150]), list(CHANGE_LABELS), changes,
                    left=(1, 3, 4, 5))


def _hwpx_chunks(contents: PackageContents) -> Iterator[bytes]:
    """section0.xml piece by piece: the front pages, then one card at a time."""
    section = wh.Section(wh.load_template())
    yield wh.SECTION_HEAD
    _hwpx_front(section, contents)
    yield section.drain()
    for card in contents.book.cards:
        _hwpx_card(section, card, contents.failures)
        yield section.drain()
    yield wh.SECTION_TAIL


def combined_hwpx(contents: PackageContents) -> bytes:
    """Cover, 목차, 총괄표, 변경이력 and every card from a new page, as one HWPX."""
    cover = contents.cover
    preview = [cover.agency, cover.title, cover.as_of, *(f"{c.id} {c.title}" for c in contents.book.cards)]
    return wh.hwpx_from_section(_hwpx_chunks(contents), cover.title, preview)


# ── XLSX: 총괄표 + one sheet per card ─────────────────────────────────────
def combined_xlsx(contents: PackageContents) -> bytes:
    """총괄표 sheet, 변경이력 sheet (when any), then one sheet per card named by 관리번호."""
    s = contents.summary
    tables = [(f"■ {t.title}", header_cells(s, t), [row_cells(r) for r in (*t.rows, t.total)]) for t in s.tables]
    taken: set[str] = set()
    sheets = [wx.table_sheet(wx.unique_sheet_name(SUMMARY_TITLE, taken), title_line(s), tables, notes(s))]
    changes = _change_rows(contents.book.cards)
    if changes:
        sheets.append(wx.table_sheet(wx.unique_sheet_name(SHEET_CHANGES, taken), SHEET_CHANGES,
                                     [("", list(CHANGE_LABELS), changes)], [], key_width=10.0))
    for card in contents.book.cards:
        name = wx.unique_sheet_name(card.id, taken)
        try:
            sheets.append(wx.card_sheet(card, name))
        except CardError as exc:
            contents.failures.append(failure_of(card, "package-xlsx", exc))
            sheets.append(wx.table_sheet(name, card.title, [], [_failure_text(exc)]))
    return wx.render_book(sheets, contents.cover.title)


# ── PDF through LibreOffice ───────────────────────────────────────────────
NO_SOFFICE = ("PDF 없음: LibreOffice(soffice)가 설치되어 있지 않습니다 — libreoffice-writer-nogui 를 "
              "설치하면 PDF도 만듭니다 / no PDF: LibreOffice (soffice) is not installed — install "
              "libreoffice-writer-nogui to get the PDF")
NOT_ASKED = "PDF 없음: 만들지 않도록 했습니다 / no PDF: not requested"
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
_ERR_TAIL = 4096  # bytes of LibreOffice's error output kept for the note
#: the guard process: ``python -c GUARD_MAIN parent-pid folder timeout soffice …``
GUARD_MAIN = "import sys; from reportgen.package import pdf_guard; sys.exit(pdf_guard(sys.argv[1:]))"
_TIMED_OUT = "timeout"


def _soffice_env(folder: Path) -> dict[str, str]:
    """The environment for LibreOffice: 맑은 고딕 (absent on Linux) drawn with NanumGothic; temp
    files (``TMPDIR``) inside ``folder``, so that removing it leaves nothing of the run behind."""
    env = dict(os.environ)
    scratch = folder / "tmp"
    scratch.mkdir()
    env["TMPDIR"] = str(scratch)
    source_root = str(Path(__file__).resolve().parent.parent)  # the guard imports this very reportgen
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (source_root, env.get("PYTHONPATH"))))
    if Path("/etc/fonts/fonts.conf").is_file():
        conf = folder / "fonts.conf"
        conf.write_text(_FONTS_CONF, encoding="utf-8")
        env["FONTCONFIG_FILE"] = str(conf)
    return env


class _Guard:
    """The guard process's state: LibreOffice's process (its own session and process group), and
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
        """LibreOffice's exit code, or ``timeout``; None when stopped or reportgen closed stdin."""
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
        """Keep the folder until reportgen closes stdin (it has read the PDF), dies, or stops the guard."""
        while not self.stopped and not _parent_closed(10 * _GUARD_POLL):
            pass

    def _exited(self) -> bool:
        """Whether LibreOffice's first process has exited (not yet reaped: its group id stays ours)."""
        assert self.process is not None
        return os.waitid(os.P_PID, self.process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None

    def end(self) -> int | None:
        """Kill whatever is left of LibreOffice's process group, reap it; its exit code."""
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


def pdf_guard(argv: list[str]) -> int:
    """The guard process between reportgen and LibreOffice (``python -c GUARD_MAIN …``).

    Runs ``soffice`` in its own session, waits for it (up to the timeout) and writes its exit
    code (or ``timeout``) as one line to stdout, then waits until reportgen closes stdin. When
    reportgen closes stdin early, dies (even by ``kill -9``: its end closes the pipe, and
    ``PR_SET_PDEATHSIG`` sends SIGTERM) or sends SIGTERM, the guard kills LibreOffice's whole
    process group (``oosplash`` → ``soffice.bin``). It always removes the conversion folder
    (profile, temp files, PDF) when it ends.
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
        pass  # LibreOffice could not be started, or reportgen is gone: clean up below
    finally:
        guard.end()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


@contextlib.contextmanager
def _guarded_soffice(command: list[str], folder: Path, timeout: float) -> Iterator[tuple[str, str]]:
    """Run LibreOffice under :func:`pdf_guard`; yield (its exit code or ``timeout`` or "" when the
    guard failed, the tail of its error output) while the folder still holds its files. On leaving
    (normally, on Ctrl-C, SIGTERM, or any error) the guard ends LibreOffice and removes the folder."""
    env = _soffice_env(folder)
    try:
        with open(folder / "soffice.err", "wb") as errors:
            guard = subprocess.Popen([sys.executable, "-c", GUARD_MAIN, str(os.getpid()), str(folder),
                                      repr(timeout), *command], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=errors, env=env, start_new_session=True)
    except OSError as exc:  # no process can be started (too many processes, no memory)
        yield "", exc.strerror or type(exc).__name__
        return
    try:
        assert guard.stdout is not None
        result = guard.stdout.readline().decode("ascii", "replace").strip()
        yield result, _tail(folder / "soffice.err")
    finally:
        _end_guard(guard)


def _end_guard(guard: subprocess.Popen[bytes]) -> None:
    """Close the guard's stdin (it ends LibreOffice and removes the folder) and wait for it."""
    for stream in (guard.stdin, guard.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()
    try:
        guard.wait(GUARD_GRACE)
    except subprocess.TimeoutExpired:
        _kill_group(guard)


def _tail(path: Path) -> str:
    """The last line of LibreOffice's error output (at most its last 4 kB are read)."""
    try:
        with path.open("rb") as source:
            source.seek(max(0, path.stat().st_size - _ERR_TAIL))
            text = source.read(_ERR_TAIL).decode("utf-8", "replace").strip()
    except OSError:
        return ""
    return text.splitlines()[-1] if text else ""


def docx_to_pdf(docx: bytes, timeout: float = PDF_TIMEOUT) -> tuple[bytes | None, str]:
    """The DOCX converted by ``soffice --headless --convert-to pdf``; (None, why) when it cannot be.

    LibreOffice runs under a guard process (:func:`pdf_guard`) in a temp folder that also holds
    its profile and temp files; on every way out, reportgen's death included, no LibreOffice
    process and nothing of that folder is left.
    """
    soffice = shutil.which("soffice")
    if soffice is None:
        return None, NO_SOFFICE
    try:
        folder = Path(tempfile.mkdtemp(prefix="reportgen-pdf-"))
    except OSError as exc:
        return None, _no_temp(exc)
    try:
        return _convert(soffice, folder, docx, timeout)
    except OSError as exc:
        return None, _no_temp(exc)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _convert(soffice: str, folder: Path, docx: bytes, timeout: float) -> tuple[bytes | None, str]:
    source = folder / "package.docx"
    source.write_bytes(docx)
    command = [soffice, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
               "--norestore", "--convert-to", "pdf", "--outdir", str(folder), str(source)]
    with _guarded_soffice(command, folder, timeout) as (code, err):
        target = folder / "package.pdf"
        if code == _TIMED_OUT:
            return None, (f"PDF 없음: LibreOffice가 {timeout:g}초 안에 끝내지 못했습니다 / "
                          f"no PDF: LibreOffice did not finish within {timeout:g} s")
        if not target.is_file() or target.stat().st_size == 0:
            detail = err or (f"exit {code}" if code else "no exit code")
            return None, f"PDF 없음: LibreOffice 변환 실패 / no PDF: LibreOffice conversion failed ({detail})"
        return target.read_bytes(), ""


def _no_temp(exc: OSError) -> str:
    why = exc.strerror or type(exc).__name__
    return (f"PDF 없음: 임시 폴더에 쓸 수 없습니다 ({why}) / no PDF: the temp folder cannot be written ({why})")


# ── per-card files ────────────────────────────────────────────────────────
def render_formats(card: m.Card, formats: list[str]) -> list[tuple[str, bytes | Failure]]:
    """The card in each format, or that format's failure (a worker's unit of work)."""
    return [(name, render_one(card, name)) for name in formats]


def card_files(cards: list[m.Card], failures: list[Failure], jobs: int = 1) -> list[tuple[str, str, str, bytes]]:
    """(member name, 관리번호, format, bytes) of every card in each of CARD_FORMATS this installation writes.

    ``jobs`` > 1 renders the cards in that many worker processes (same bytes either way).
    """
    out = []
    taken: set[str] = set()
    formats = [name for name in available_writers() if name in CARD_FORMATS]
    render = functools.partial(render_formats, formats=formats)
    for card, results in zip(cards, ordered_map(render, cards, min(jobs, len(cards))), strict=True):
        for name, data in results:
            if isinstance(data, Failure):
                failures.append(data)
                continue
            member = unique_member(f"{CARDS_FOLDER}/{card_filename(card.id, card.title, WRITERS[name].suffix)}", taken)
            out.append((member, card.id, name, data))
    return out


def unique_member(name: str, taken: set[str]) -> str:
    """``name``, or ``name (2)`` … when a member of that name (any case) is already taken."""
    stem, dot, suffix = name.rpartition(".")
    candidate, number = name, 1
    while candidate.casefold() in taken:
        number += 1
        candidate = f"{stem} ({number}).{suffix}" if dot else f"{name} ({number})"
    taken.add(candidate.casefold())
    return candidate


# ── the zip ───────────────────────────────────────────────────────────────
def zip_members(members: dict[str, bytes]) -> bytes:
    """A zip of ``members`` sorted by name, dated 1980-01-01, UTF-8 names flagged (bit 11)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.create_system = 3  # the same bytes whichever system packs it
            info.external_attr = 0o644 << 16
            stored = name.lower().endswith(STORED_SUFFIXES)
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            archive.writestr(info, members[name], compresslevel=None if stored else 6)
    return buffer.getvalue()


def _built(name: str, card_id: str, fmt: str, data: bytes) -> BuiltFile:
    return BuiltFile(name, card_id, fmt, len(data), hashlib.sha256(data).hexdigest())


def _combined(contents: PackageContents, soffice: bool, pdf_timeout: float, notes_out: list[str]
              ) -> list[tuple[str, str, str, bytes]]:
    """The combined DOCX, HWPX, XLSX and (when LibreOffice can) the PDF."""
    stem = file_stem(contents)
    docx = combined_docx(contents)
    made: list[tuple[str, str, str, bytes]] = [
        (f"{stem}.docx", "", "docx", docx),
        (f"{stem}.hwpx", "", "hwpx", combined_hwpx(contents)),
        (f"{stem}.xlsx", "", "xlsx", combined_xlsx(contents)),
    ]
    pdf, why = docx_to_pdf(docx, pdf_timeout) if soffice else (None, NOT_ASKED)
    if pdf is None:
        notes_out.append(why)
    else:
        made.append((f"{stem}.pdf", "", "pdf", pdf))
    return made


def make_package(
    book: m.Workbook,
    as_of: dt.date | None = None,
    soffice: bool = True,
    pdf_timeout: float = PDF_TIMEOUT,
    jobs: int = 1,
    on_step: Callable[[str], None] | None = None,
) -> PackageResult:
    """The council package of ``book`` as zip bytes, with notes for the user.

    ``as_of`` defaults to the workbook's 설정 기준일 (a bad one is an InputError);
    ``soffice=False`` skips the PDF; ``jobs`` > 1 renders the per-card files in that many
    processes. Cards a format cannot express are left out
    of that format and listed in ``failures`` and ``notes``; the rest is packed.
    SIGTERM and SIGHUP stop it as Ctrl-C does (KeyboardInterrupt), with no worker,
    LibreOffice process or temp folder left.
    """
    day = as_of or parse_as_of(book.settings.as_of, "설정!기준일")
    contents = package_contents(book, day)
    step = on_step or (lambda _text: None)
    notes_out: list[str] = []
    with stop_on_termination():  # SIGTERM, SIGHUP: stop as on Ctrl-C, workers and LibreOffice ended
        step("카드 파일 / card files")
        made = card_files(contents.book.cards, contents.failures, jobs)
        step("통합 문서 / combined documents")
        made += _combined(contents, soffice, pdf_timeout, notes_out)
    files = [_built(name, card_id, fmt, data) for name, card_id, fmt, data in made]
    members = {name: data for name, _, _, data in made}
    members[MANIFEST] = manifest_json(files, day).encode("utf-8")
    notes_out += [f"카드 {f.card_id} [{f.format}] 제외 / card {f.card_id} left out of {f.format}: {f.message}"
                  for f in contents.failures]
    return PackageResult(zip_members(members), notes_out, files, list(contents.failures))
