"""Command line: ``reportgen init | import | check | build | summary | diff | package | export | site | web``.

Exit codes: 0 ok; 1 some cards failed (the others are written); 2 invalid
input or usage (nothing written), or an output folder that cannot be written
(full disk, read-only, no permission: the command stops at the first file);
130 interrupted (Ctrl-C; the files written so far are whole, no temp files);
70 a bug in reportgen (a short message; the traceback is saved to a temp file).

No command writes over one of its inputs or over a master workbook it was not
asked to make or update (:mod:`reportgen.safeguard`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from reportgen import __version__, batch, collect, model
from reportgen.document import Document
from reportgen.errors import CardError, InputError, Problem
from reportgen.fileio import OutputError, card_filename, write_bytes_atomic
from reportgen.formats import (
    REPORT_FORMATS,
    WRITERS,
    parse_formats,
    read_card,
    read_workbook,
    validate_workbook,
)
from reportgen.model import label_key
from reportgen.periods import period_end
from reportgen.resources import WriterOptions
from reportgen.safeguard import (
    exists,
    guard_outputs,
    input_file,
    is_folder,
    output_folder,
    output_name,
    read_error,
)
from reportgen.workbook_contract import LIST_SEPARATOR

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="공약 관리카드 생성기 / pledge card generator")

DEFAULT_WORKBOOK = "input/master.xlsx"
DEFAULT_OUTPUT = "output"
EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug, never the user's input
#: at most this many worker processes (-j): more only costs memory
MAX_JOBS = max(8, 4 * (os.cpu_count() or 1))
_NEW_NAME = ("-o 로 다른 파일 이름을 주세요", "give another file name with -o")
_NEW_FOLDER = ("-o 로 다른 출력 폴더를 주세요", "give another output folder with -o")
_NO_WORKBOOK = ("reportgen init 으로 만들거나 경로를 확인하세요", "create one with `reportgen init` or check the path")


#: what a workbook read gives: the Workbook, or a validate_workbook result (both carry notices)
Read = TypeVar("Read")


def _say(text: str) -> None:
    typer.echo(text, err=True)


def _invalid(exc: InputError) -> typer.Exit:
    """Print every problem and return the exit-2 signal."""
    _say(f"오류 {len(exc.problems)}건 / {len(exc.problems)} error(s):")
    for problem in exc.problems:
        _say(f"  - {problem}")
    _say("아무 파일도 쓰지 않았습니다 / nothing was written")
    return typer.Exit(2)


def _unwritable(exc: OutputError) -> typer.Exit:
    """Say which folder cannot be written and what to do; return the exit-2 signal."""
    _say(f"오류 / error:\n  - {exc}")
    return typer.Exit(2)


@contextlib.contextmanager
def _guarded() -> Iterator[None]:
    """A command's body: bad input and an unwritable output end it with exit 2, Ctrl-C with 130."""
    try:
        yield
    except InputError as exc:
        raise _invalid(exc) from None
    except OutputError as exc:
        raise _unwritable(exc) from None
    except KeyboardInterrupt:
        _say("중단되었습니다: 쓰던 파일은 바뀌지 않았습니다 / interrupted: the file being written was left as it was")
        raise typer.Exit(130) from None


def _path(text: str, name: str) -> Path:
    """A path argument; empty text is an input error naming the argument."""
    if not text.strip():
        raise InputError(Problem(name, "", "경로가 비었습니다", "the path is empty",
                                 "파일이나 폴더 이름을 주세요", "give a file or folder name"))
    return Path(text)


def _workbook_path(text: str, name: str) -> Path:
    """The path of a master workbook to write: it must end in .xlsx."""
    path = _path(text, name)
    stem = path.stem.strip(". ")
    if path.suffix.lower() != ".xlsx":
        raise InputError(Problem(str(path), "", "마스터 워크북 이름은 .xlsx 로 끝나야 합니다",
                                 "a master workbook's name must end in .xlsx",
                                 f"예: {stem or '마스터'}.xlsx", f"e.g. {stem or 'master'}.xlsx"))
    return path


def _jobs(value: int) -> int:
    """-j: 0 means one worker per CPU; negative or more than MAX_JOBS is an input error."""
    if not 0 <= value <= MAX_JOBS:
        raise InputError(Problem("-j", "", f"동시 작업 수(-j {value})는 0(자동)부터 {MAX_JOBS}까지만 됩니다",
                                 f"{value} worker processes: give 0 (automatic) up to {MAX_JOBS}",
                                 "-j 를 빼면 CPU 수만큼 씁니다", "leave -j out to use one per CPU"))
    return value or batch.default_jobs()


def _read_workbook(path: Path, read: Callable[[Path], Read] = read_workbook) -> Read:
    """Read a master workbook with ``read`` (:func:`~reportgen.formats.read_workbook`, or
    :func:`~reportgen.formats.validate_workbook` to check only); print what the reader noticed
    (``알림 / notice``)."""
    input_file(path, _NO_WORKBOOK)
    try:
        book = read(path)
    except OSError as exc:
        raise read_error(path, exc) from None
    for notice in book.notices:
        _say(f"알림 / notice: {notice}")
    return book



def _as_of(text: str | None, book: model.Workbook, workbook: str) -> dt.date | None:
    """The day of ``--as-of``, else the workbook's 설정 기준일 (None when it has neither)."""
    return batch.parse_as_of(text) or batch.parse_as_of(book.settings.as_of, f"{workbook} 설정!기준일")

#: -j of build, import and package
Jobs = Annotated[int, typer.Option("-j", "--jobs", help="동시 작업 수 / worker processes (0: CPU 수)")]
#: --as-of of build, package and site
AsOf = Annotated[str | None, typer.Option("--as-of", help="기준일 YYYY-MM-DD")]
#: the --templates option of every command that writes documents
Templates = Annotated[str | None, typer.Option(
    "--templates", help="서식 폴더: 고친 templates 파일을 둔 폴더 / folder of the office's own template files")]


def _writer_options(templates: str | None) -> WriterOptions:
    """--templates DIR → the writers' options; a folder that is not there is an input error."""
    if templates is None:
        return WriterOptions()
    folder = _path(templates, "--templates")
    if not is_folder(folder):
        raise InputError(Problem(str(folder), "", "서식 폴더가 없습니다", "no such templates folder",
                                 "templates 폴더를 복사해 고친 폴더를 주세요",
                                 "give a folder holding your copies of the template files"))
    return WriterOptions(templates=folder)


def _refuse_overwrite(path: Path, force: bool) -> None:
    if exists(path) and not force:
        raise InputError(Problem(str(path), "", "이미 있는 파일입니다", "file already exists",
                                 "--force 로 덮어쓰거나 다른 이름을 주세요", "use --force or another name"))


@app.command()
def init(
    workbook: Annotated[str, typer.Argument(help="새 마스터 워크북 / new master workbook (.xlsx)")],
    force: Annotated[bool, typer.Option(help="있는 파일을 덮어씀 / overwrite")] = False,
) -> None:
    """빈 마스터 워크북을 만듭니다 / create an empty master workbook."""
    from reportgen.writers.workbook import empty_workbook

    with _guarded():
        path = _workbook_path(workbook, "WORKBOOK")
        output_name(path, _NEW_NAME)
        _refuse_overwrite(path, force)
        guard_outputs([path], [], workbook_output=path)
        write_bytes_atomic(path, empty_workbook(model.Settings()))
    _say(f"만들었습니다 / created: {path}")


@app.command()
def check(workbook: Annotated[str, typer.Argument(help="마스터 워크북 / master workbook")] = DEFAULT_WORKBOOK) -> None:
    """워크북을 검사만 합니다 / validate a workbook only."""
    with _guarded():
        checked = _read_workbook(_path(workbook, "WORKBOOK"), validate_workbook)  # cards' contents not kept
    typer.echo(f"OK: {checked.cards} cards")


def _month_end(last: dt.date | None) -> str:
    """기준일 default for imported cards: the end of the month of ``last``, the newest 추진실적 line."""
    if last is None:
        return ""
    next_month = (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return (next_month - dt.timedelta(days=1)).isoformat()


@dataclass
class _NewBookFacts:
    """What the 설정 of a new workbook takes from the imported cards, gathered as they are read
    (the cards are not kept): the plan years of the first card that has them, the newest
    추진실적 month (only when ``dates``: no --as-of), and each status not in the default list with
    the first file that has it."""

    dates: bool = True
    years: list[int] = field(default_factory=list)
    newest: dt.date | None = None
    statuses: list[tuple[Path, str]] = field(default_factory=list)
    known: set[str] = field(default_factory=lambda: {label_key(s) for s in model.Settings().statuses})

    def see(self, path: Path, card: model.Card) -> None:
        """What ``card`` (read from ``path``) adds."""
        if not self.years and card.annual_plan.years:
            self.years = list(card.annual_plan.years)
        if self.dates:
            ends = [period_end(item.date) for section in card.achievements for group in section.groups
                    for item in group.items if item.date]
            if ends:
                self.newest = max([*ends, self.newest] if self.newest else ends)
        status = card.header.status
        if status and label_key(status) not in self.known:
            self.statuses.append((path, status))
            self.known.add(label_key(status))


def _settings_for(facts: _NewBookFacts, as_of: str | None, agency: str, term: str) -> model.Settings:
    """설정 of a new workbook made from the imported cards: term, 기준일 and every status they use."""
    settings = model.Settings(agency=agency, term=term)
    if facts.years:
        settings.term_start, settings.term_end = facts.years[0], facts.years[-1]
    settings.as_of = as_of or _month_end(facts.newest)
    for path, status in facts.statuses:
        _listable_status(path, status)
        settings.statuses.append(status)
    return settings


def _listable_status(path: Path, status: str) -> None:
    """A status that goes into the 설정 list of statuses (comma-separated) must hold no comma."""
    if LIST_SEPARATOR in status or status != status.strip():
        raise InputError(Problem(
            str(path), model.L_STATUS, f"추진상황 '{status}'에 쉼표가 있어 워크북의 상태 목록에 넣을 수 없습니다",
            f"the status '{status}' holds a comma, so it cannot go into the workbook's list of statuses",
            "카드의 추진상황에서 쉼표를 빼거나 다른 말로 바꾸세요 (예: '추진 중')",
            "remove the comma from the card's status or reword it (e.g. '추진 중')"))


def _option_text(value: str | None, name: str) -> str | None:
    """An optional text option, stripped; given but blank is an input error like a missing value."""
    if value is None:
        return None
    if not value.strip():
        raise InputError(Problem(name, "", f"{name} 값이 비었습니다", f"{name} is blank",
                                 f"{name} 뒤에 값을 주거나 {name} 를 빼세요", f"give a value after {name}, or leave {name} out"))
    return value.strip()


def _one_card_for_identity(paths: list[Path], card_id: str | None, title: str | None) -> None:
    """--id and --title name one card: with several card files they would give all of them one name."""
    given = [name for name, value in (("--id", card_id), ("--title", title)) if value is not None]
    if given and len(paths) > 1:
        what = " / ".join(given)
        raise InputError(Problem(what, "", f"{what} 는 카드 파일을 하나만 가져올 때 씁니다 (지금 {len(paths)}개)",
                                 f"{what} apply to a single card file ({len(paths)} were given)",
                                 "카드마다 따로 가져오세요: reportgen import 카드.txt --id 3-1 --title \"사업명\" -o 워크북.xlsx",
                                 "import such cards one at a time: reportgen import card.txt --id 3-1 --title \"…\" -o book.xlsx"))


def _fill_identity(card: model.Card, path: Path, card_id: str | None, title: str | None, area: str | None,
                   known: Mapping[str, model.Card]) -> None:
    """관리번호, 사업명 and 분야 from the options, else the card, else the workbook's card
    (:func:`reportgen.collect.fill_identity`); a card still without them is an input error."""
    missing = collect.fill_identity(card, known, card_id, title, area)
    if missing:
        what = " / ".join(f"--{name}" for name in missing)
        raise InputError(Problem(str(path), "", f"카드에 관리번호·사업명이 없습니다: {what} 옵션으로 주세요",
                                 f"the card has no 관리번호/사업명: give {what}",
                                 f"예: reportgen import {path.name} --id 3-1 --title \"사업명\" -o WORKBOOK",
                                 f"e.g. reportgen import {path.name} --id 3-1 --title \"…\" -o WORKBOOK"))


def _read_file(path: Path) -> model.Card | list[Problem]:
    """One card file read (in a worker process with ``-j``): its card, or the problems naming it."""
    try:
        return read_card(path)
    except InputError as exc:
        return exc.problems


def _card_files(paths: list[Path], jobs: int) -> Iterator[tuple[Path, model.Card | list[Problem]]]:
    """Every card file read, in input order, by ``jobs`` worker processes (one: in this process).

    The workers are started by the first ``next``: before the caller reads the workbook, so that
    no worker is forked from a process holding it. Workers end with the iterator, on Ctrl-C and
    SIGTERM too (:func:`reportgen.batch.ordered_map`).
    """
    yield from zip(paths, batch.ordered_map(_read_file, paths, min(jobs, len(paths))), strict=True)


def _read_cards(files: Iterator[tuple[Path, model.Card | list[Problem]]], identity: tuple[str | None, ...],
                spool: collect.CardSpool, facts: _NewBookFacts | None) -> None:
    """The cards of ``files`` (read by :func:`_card_files`) with their identity filled in (from the
    workbook's cards in ``spool``), added to ``spool`` one by one and seen by ``facts`` (a new
    workbook's); the first file in input order that cannot be read stops the import with its
    problems; two files with one 관리번호 are refused, naming both."""
    first: dict[str, Path] = {}
    problems = []
    for path, card in files:
        if isinstance(card, list):
            raise InputError(card)
        _fill_identity(card, path, *identity, spool)
        other = first.setdefault(card.id, path)
        if other is not path:
            problems.append(Problem(
                str(path), "", f"관리번호 {card.id}가 {other} 의 카드와 같습니다: 어느 카드를 남길지 알 수 없습니다",
                f"has the same 관리번호 {card.id} as {other}; which one to keep is unclear",
                "둘 중 하나만 가져오거나 관리번호를 고치세요", "import only one of them, or correct a 관리번호"))
        if facts is not None:
            facts.see(path, card)
        spool.add(str(path), card)
    if problems:
        raise InputError(problems)


def _import_cards(target: Path, existing: bool, paths: list[Path], identity: tuple[str | None, ...], jobs: int,
                  spool: collect.CardSpool, facts: _NewBookFacts | None) -> None:
    """The imported cards into ``spool``, after the cards of the target workbook (when ``existing``).

    The card files are read by worker processes while this one reads the workbook, which must be
    valid to be edited (its problems come first, as without workers). The workbook's cards go to
    the spool and the workbook read here is let go before the first card comes: what is held is
    where each card is, never the cards.
    """
    files = _card_files(paths, jobs)
    head = next(files, None)  # the workers start here, before the workbook is read
    try:
        if existing:
            spool.add_previous(_read_workbook(target).cards)  # only a valid workbook is edited
        _read_cards(itertools.chain([head] if head else [], files), identity, spool, facts)
    finally:
        files.close()


def _merge_source(target: Path, existing: bool, settings: Callable[[], model.Settings]) -> bytes:
    """The workbook bytes the cards are merged into: the target's, or a new workbook's."""
    from reportgen.writers.workbook import empty_workbook

    return target.read_bytes() if existing else empty_workbook(settings())


@app.command("import")
def import_(
    cards: Annotated[list[str], typer.Argument(help="카드 파일 / card files (.txt .docx .hwpx .hwp)")],
    output: Annotated[str, typer.Option("-o", "--output", help="마스터 워크북 / workbook to write (.xlsx)")],
    card_id: Annotated[str | None, typer.Option("--id", help="관리번호 (카드 하나, 카드에 없을 때)")] = None,
    title: Annotated[str | None, typer.Option("--title", help="사업명 (카드 하나, 카드에 없을 때)")] = None,
    area: Annotated[str | None, typer.Option("--area", help="분야")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="기준일 YYYY-MM-DD (새 워크북)")] = None,
    agency: Annotated[str, typer.Option(help="기관명 (새 워크북)")] = "",
    term: Annotated[str, typer.Option(help="민선, e.g. 8기 (새 워크북)")] = "",
    jobs: Jobs = 0,
) -> None:
    """기존 카드를 마스터 워크북으로 가져옵니다 / import legacy cards into a workbook.

    An existing workbook keeps its cards; a card with the same 관리번호 is replaced.
    Two card files with the same 관리번호 in one import are refused. Card files are read by
    -j worker processes (0: one per CPU); the workbook written is the same for any -j.
    """
    with _guarded():
        target = _workbook_path(output, "-o")
        paths = [_path(card, "CARD") for card in cards]
        card_id, title, area = (_option_text(card_id, "--id"), _option_text(title, "--title"),
                                _option_text(area, "--area"))
        _one_card_for_identity(paths, card_id, title)
        workers = _jobs(jobs)
        output_name(target, _NEW_NAME)
        guard_outputs([target], paths, workbook_output=target, fix=_NEW_NAME)
        batch.parse_as_of(as_of)
        existing = exists(target)
        facts = None if existing else _NewBookFacts(dates=as_of is None)
        with collect.CardSpool() as spool:
            _import_cards(target, existing, paths, (card_id, title, area), workers, spool, facts)
            source = _merge_source(target, existing, lambda: _settings_for(facts or _NewBookFacts(), as_of, agency,
                                                                           term))
            result = collect.merged_spool(source, spool, str(target))
            del source
        for replaced_id, path in result.replaced:
            _say(f"관리번호 {replaced_id}: {path} 의 카드로 바꿉니다 / replaced by the card from {path}")
        for notice in result.notices:
            _say(f"알림 / notice: {notice}")
        write_bytes_atomic(target, result.data)
    count = len(result.replaced) + len(result.added)
    _say(f"{count}장을 가져왔습니다 / imported {count} card(s) → {target} ({result.cards} cards)")


@app.command()
def build(
    workbook: Annotated[str, typer.Argument(help="마스터 워크북")] = DEFAULT_WORKBOOK,
    output: Annotated[str, typer.Option("-o", "--output", help="출력 폴더 / output folder")] = DEFAULT_OUTPUT,
    formats: Annotated[str, typer.Option("--format", help=f"{','.join(WRITERS)} 또는 all")] = "txt",
    only: Annotated[str | None, typer.Option(help="관리번호만 / only these ids, e.g. 3-1,3-2")] = None,
    as_of: AsOf = None,
    jobs: Jobs = 0,
    templates: Templates = None,
) -> None:
    """카드를 만듭니다 / build the cards of a workbook."""
    with _guarded():
        source, folder = _path(workbook, "WORKBOOK"), _path(output, "-o")
        output_folder(folder)
        names = parse_formats(formats)
        options = _writer_options(templates)
        workers = _jobs(jobs)
        book = _read_workbook(source)
        day = _as_of(as_of, book, workbook)
        selected = batch.select_cards(book, only, "--only")
        batch.check_file_names(selected, names, str(workbook))
        guard_outputs(_build_outputs(folder, selected, names), [source], fix=_NEW_FOLDER)
        try:
            report = _run_build(selected, folder, names, day, workers, options, whole_workbook=only is None)
        except KeyboardInterrupt:
            _say("중단되었습니다: 이미 쓴 파일은 온전하고 임시 파일은 지웠습니다. 다시 실행하세요 / "
                 "interrupted: the files written so far are whole and no temp files are left; run the build again")
            raise typer.Exit(130) from None
    _say(f"{len(report.files)}개 파일 / files → {folder}")
    for line in batch.tidy_lines(report):
        _say(f"  {line}")
    if report.failures:
        _say(f"실패 {len(report.failures)}건 / {len(report.failures)} failure(s):")
        for failure in report.failures:
            _say(f"  - {failure.card_id} [{failure.format}]: {failure.message}")
        raise typer.Exit(1)


def _build_outputs(folder: Path, cards: list[model.Card], names: list[str]) -> list[Path]:
    """Every path a build writes: the folder itself, manifest.json and each card file."""
    files = [folder / card_filename(card.id, card.title, WRITERS[name].suffix) for card in cards for name in names]
    return [folder, folder / batch.MANIFEST, *files]


def _run_build(cards: list[model.Card], output: Path, names: list[str], day: dt.date | None, jobs: int,
               options: WriterOptions, whole_workbook: bool = False) -> batch.BuildReport:
    """Build with a rich progress bar (cards done / total, ETA) on a terminal, plain lines otherwise.

    ``whole_workbook``: every card of the workbook is built, so files of cards gone from it may go too.
    """
    if not sys.stderr.isatty():
        return batch.build(cards, output, names, day, jobs, on_card=_plain_progress(len(cards)),
                           whole_workbook=whole_workbook, options=options)
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task("카드 / cards", total=len(cards))
        return batch.build(cards, output, names, day, jobs, on_card=lambda: progress.advance(task),
                           whole_workbook=whole_workbook, options=options)


def _plain_progress(total: int) -> Callable[[], None]:
    """A line at every tenth of the cards: ``카드 / cards 300/1000``."""
    done = 0
    step = max(1, total // 10)

    def advance() -> None:
        nonlocal done
        done += 1
        if done % step == 0 or done == total:
            _say(f"카드 / cards {done}/{total}")
    return advance


def _output_file(text: str, inputs: list[Path], suffixes: tuple[str, ...], wrong: Callable[[Path, str], Problem]
                 ) -> Path:
    """The -o of a file a command writes: a file name ending in one of ``suffixes`` (else the problem
    ``wrong(path, suffix)``) that is none of ``inputs`` nor a master workbook."""
    path = _path(text, "-o")
    output_name(path, _NEW_NAME)
    suffix = path.suffix.lower()
    if suffix not in suffixes:
        raise InputError(wrong(path, suffix))
    guard_outputs([path], inputs, fix=_NEW_NAME)
    return path


def _report_path(text: str, inputs: list[Path]) -> Path:
    """The -o of a report: its suffix names the format (one of formats.REPORT_FORMATS)."""
    names = ", ".join(REPORT_FORMATS)
    path = _output_file(text, inputs, tuple(REPORT_FORMATS), lambda path, suffix: Problem(
        str(path), "", f"출력 형식을 알 수 없습니다: {suffix or '(확장자 없음)'}", f"unknown output type {suffix or '(no suffix)'}",
        f"파일 이름을 {names} 중 하나로 끝내세요", f"end the name in one of {names}"))
    writer = REPORT_FORMATS[path.suffix.lower()]
    try:
        writer.load()
    except (ImportError, AttributeError) as exc:
        raise InputError(Problem(str(path), "", f"이 설치에서 쓸 수 없는 형식: {writer.suffix}",
                                 f"format not available in this installation: {writer.suffix} ({exc})",
                                 "다른 형식으로 끝나는 이름을 주세요", "give a name with another suffix")) from None
    return path


def _write_report(path: Path, doc: Document, options: WriterOptions) -> None:
    """Write a report document in the format its file suffix names; a writer's CardError (e.g. no
    LibreOffice for a PDF) writes nothing and exits 1."""
    try:
        data = REPORT_FORMATS[path.suffix.lower()].render_document(doc, options)
    except CardError as exc:
        _say(f"쓰지 못했습니다 / not written: {path}\n  - {exc}")
        raise typer.Exit(1) from None
    write_bytes_atomic(path, data)
    _say(f"썼습니다 / written: {path}")


_REPORT_HELP = " ".join(REPORT_FORMATS)


@app.command()
def summary(
    workbook: Annotated[str, typer.Argument(help="마스터 워크북")] = DEFAULT_WORKBOOK,
    output: Annotated[str, typer.Option("-o", "--output", help=f"총괄표 파일 ({_REPORT_HELP})")] = "output/총괄표.xlsx",
    templates: Templates = None,
) -> None:
    """총괄표(분야별·부서별·완료시기별·사업주체별)를 만듭니다 / summary tables."""
    from reportgen.summary import summarize, summary_document

    with _guarded():
        source = _path(workbook, "WORKBOOK")
        target = _report_path(output, [source])
        options = _writer_options(templates)
        result = summarize(_read_workbook(source))
        _write_report(target, summary_document(result), options)


@app.command()
def diff(
    old: Annotated[str, typer.Argument(help="지난 분기 워크북 / previous quarter")],
    new: Annotated[str, typer.Argument(help="이번 분기 워크북 / this quarter")],
    output: Annotated[str, typer.Option("-o", "--output", help=f"변동사항 파일 ({_REPORT_HELP})")] = "output/변동사항.txt",
    templates: Templates = None,
) -> None:
    """두 분기의 변동사항을 비교합니다 / what changed between two quarters."""
    from reportgen.diff import changes_document, diff_workbooks, total_line

    with _guarded():
        before, after = _path(old, "OLD"), _path(new, "NEW")
        target = _report_path(output, [before, after])
        options = _writer_options(templates)
        result = diff_workbooks(_read_workbook(before), _read_workbook(after))
        _write_report(target, changes_document(result), options)
    typer.echo(total_line(result))


@app.command()
def package(
    workbook: Annotated[str, typer.Argument(help="마스터 워크북")] = DEFAULT_WORKBOOK,
    output: Annotated[str, typer.Option("-o", "--output", help="제출 묶음 zip")] = "output/의회제출.zip",
    as_of: AsOf = None,
    pdf: Annotated[bool, typer.Option(help="LibreOffice로 PDF와 목차 쪽 번호도 만듦 / also the PDF and the 목차 page numbers (LibreOffice, poppler-utils)")] = True,
    jobs: Jobs = 0,
    templates: Templates = None,
) -> None:
    """의회 제출 묶음(zip)을 만듭니다 / build the council submission package."""
    from reportgen.package import write_package

    with _guarded():
        source = _path(workbook, "WORKBOOK")
        target = _output_file(output, [source], (".zip",), lambda path, _suffix: Problem(
            str(path), "", "제출 묶음은 .zip 파일입니다", "the package is a .zip file",
            "-o 이름을 .zip 으로 끝내세요", "end the -o name in .zip"))
        workers = _jobs(jobs)
        options = _writer_options(templates)
        book = _read_workbook(source)
        day = batch.parse_as_of(as_of)
        # the members go to disk as they are made; the zip is renamed over target at the end
        result = write_package(book, target, day, soffice=pdf, jobs=workers, on_step=_say, options=options)
    for note in result.notes:
        _say(f"  ※ {note}")
    _say(f"썼습니다 / written: {target} ({result.members}개 파일 / {result.members} files)")
    if result.failures:
        raise typer.Exit(1)


@app.command()
def export(
    workbook: Annotated[str, typer.Argument(help="마스터 워크북")] = DEFAULT_WORKBOOK,
    output: Annotated[str, typer.Option("-o", "--output", help=f"공개 데이터 파일 / open data file ({_REPORT_HELP})")
                      ] = "output/공약목록.csv",
    as_of: Annotated[str | None, typer.Option("--as-of", help="기준일 YYYY-MM-DD (목표 달성의 연도)")] = None,
    templates: Templates = None,
) -> None:
    """공약마다 한 줄인 공개 데이터(CSV·JSON 등)를 만듭니다 / open data, one row per pledge (CSV, JSON, …)."""
    from reportgen.export import export_document, export_rows

    with _guarded():
        source = _path(workbook, "WORKBOOK")
        target = _report_path(output, [source])
        options = _writer_options(templates)
        book = _read_workbook(source)
        day = _as_of(as_of, book, workbook)
        data = export_rows(book, day)
        _write_report(target, export_document(data), options)
    _say(f"{len(data.rows)}건 / {len(data.rows)} pledges")


@app.command()
def site(
    workbook: Annotated[str, typer.Argument(help="마스터 워크북")] = DEFAULT_WORKBOOK,
    output: Annotated[str, typer.Option("-o", "--output", help="사이트 폴더 / site folder")] = "output/site",
    hide_contacts: Annotated[bool, typer.Option("--hide-contacts", help="담당자 이름·전화번호를 뺌 / leave out "
                                                "officers' names and phone numbers")] = False,
    as_of: AsOf = None,
    templates: Templates = None,
) -> None:
    """누리집에 올릴 공약 이행 현황 페이지(정적 폴더)를 만듭니다 / the static public site."""
    from reportgen.site import INDEX, plan_site, site_files, site_paths, write_site

    with _guarded():
        source, folder = _path(workbook, "WORKBOOK"), _path(output, "-o")
        output_folder(folder)
        options = _writer_options(templates)
        book = _read_workbook(source)
        day = _as_of(as_of, book, workbook)
        files = site_files(plan_site(book, day, hide_contacts), options)
        guard_outputs(site_paths(folder, files), [source], fix=_NEW_FOLDER)
        written = write_site(folder, files)
    _say(f"{len(written)}개 파일 / files → {folder} (첫 페이지 / start page: {folder / INDEX})")


@app.command()
def web(
    workspace: Annotated[str | None, typer.Argument(help="작업 폴더 / workspace folder (기본 / default: ~/reportgen)")] = None,
    host: Annotated[str, typer.Option(help="주소 / address (127.0.0.1: 이 컴퓨터만 / this computer only)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="포트 / port")] = 8765,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="브라우저를 열지 않음 / do not open the browser")] = False,
    password_file: Annotated[str | None, typer.Option("--password-file", help="비밀번호 파일 / password file "
                                                      "(127.0.0.1 이 아닐 때 필요 / needed on another address)")] = None,
) -> None:
    """웹 화면(현황·카드·검사·취합·만들기)을 엽니다 / run the web application."""
    from reportgen.web import serve

    with _guarded():
        serve(_path(workspace, "WORKSPACE") if workspace is not None else None, host, port, not no_browser,
              _path(password_file, "--password-file") if password_file is not None else None)


def _internal_error(exc: BaseException) -> int:
    """Last resort for a bug: a short bilingual message, the traceback saved to a temp file; exit 70."""
    detail = "".join(traceback.format_exception(exc))
    try:
        fd, name = tempfile.mkstemp(prefix="reportgen-error-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(f"reportgen {__version__}\nargv: {sys.argv!r}\n\n{detail}")
        saved = f"자세한 내용을 저장했습니다 / the full traceback was saved to: {name}"
    except OSError as why:
        saved = f"자세한 내용을 저장하지 못했습니다 / the traceback could not be saved ({why})"
    message = str(exc).replace("\n", " ")
    message = message if len(message) <= 300 else message[:300] + "…"
    _say(f"reportgen 내부 오류 / internal error: {type(exc).__name__}: {message}")
    _say(saved)
    _say("프로그램의 잘못입니다: 이 파일을 붙여 알려 주세요 / this is a bug in reportgen: please report it "
         "with that file attached")
    return EXIT_INTERNAL


def main() -> None:
    """Console entry point: no traceback ever reaches the user (a bug exits 70 with a short message)."""
    try:
        with batch.stop_on_termination():  # SIGTERM/SIGHUP end every command like Ctrl-C (exit 130)
            app()
    except Exception as exc:  # noqa: BLE001 - the last resort; every foreseeable error is an InputError
        sys.exit(_internal_error(exc))


if __name__ == "__main__":
    main()
