"""Command line: ``reportgen init | import | check | build``.

Exit codes: 0 ok; 1 some cards failed (the others are written); 2 invalid
input or usage (nothing written), or an output folder that cannot be written
(full disk, read-only, no permission: the command stops at the first file);
130 interrupted (Ctrl-C; the files written so far are whole, no temp files).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from reportgen import batch, model
from reportgen.errors import InputError, Problem
from reportgen.fileio import OutputError, write_bytes_atomic
from reportgen.formats import parse_formats, read_card
from reportgen.periods import period_end

app = typer.Typer(no_args_is_help=True, add_completion=False, help="공약 관리카드 생성기 / pledge card generator")

DEFAULT_WORKBOOK = Path("input/master.xlsx")
DEFAULT_OUTPUT = Path("output")


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


def _write(path: Path, data: bytes) -> None:
    """Write a file atomically; a folder that cannot be written ends the command with exit 2."""
    try:
        write_bytes_atomic(path, data)
    except OutputError as exc:
        raise _unwritable(exc) from None


def _read_workbook(path: Path) -> model.Workbook:
    from reportgen.readers.workbook import read_workbook

    if not path.is_file():
        raise InputError(Problem(str(path), "", "워크북 파일이 없습니다", "workbook not found",
                                 "reportgen init 으로 만들거나 경로를 확인하세요",
                                 "create one with `reportgen init` or check the path"))
    return read_workbook(path)


def _refuse_overwrite(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise InputError(Problem(str(path), "", "이미 있는 파일입니다", "file already exists",
                                 "--force 로 덮어쓰거나 다른 이름을 주세요", "use --force or another name"))


@app.command()
def init(
    workbook: Annotated[Path, typer.Argument(help="새 마스터 워크북 / new master workbook (.xlsx)")],
    force: Annotated[bool, typer.Option(help="있는 파일을 덮어씀 / overwrite")] = False,
) -> None:
    """빈 마스터 워크북을 만듭니다 / create an empty master workbook."""
    from reportgen.writers.workbook import empty_workbook

    try:
        _refuse_overwrite(workbook, force)
    except InputError as exc:
        raise _invalid(exc) from exc
    _write(workbook, empty_workbook(model.Settings()))
    _say(f"만들었습니다 / created: {workbook}")


@app.command()
def check(workbook: Annotated[Path, typer.Argument(help="마스터 워크북 / master workbook")] = DEFAULT_WORKBOOK) -> None:
    """워크북을 검사만 합니다 / validate a workbook only."""
    try:
        book = _read_workbook(workbook)
    except InputError as exc:
        raise _invalid(exc) from exc
    typer.echo(f"OK: {len(book.cards)} cards")


def _latest_month_end(cards: list[model.Card]) -> str:
    """기준일 default for imported cards: the end of the month of the newest 추진실적 line."""
    ends = [period_end(item.date) for card in cards for section in card.achievements
            for group in section.groups for item in group.items if item.date]
    if not ends:
        return ""
    last = max(ends)
    next_month = (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return (next_month - dt.timedelta(days=1)).isoformat()


def _settings_for(cards: list[model.Card], as_of: str | None, agency: str, term: str) -> model.Settings:
    settings = model.Settings(agency=agency, term=term)
    years = next((card.annual_plan.years for card in cards if card.annual_plan.years), [])
    if years:
        settings.term_start, settings.term_end = years[0], years[-1]
    settings.as_of = as_of or _latest_month_end(cards)
    known = {s.replace(" ", "") for s in settings.statuses}
    for card in cards:
        status = card.header.status
        if status and status.replace(" ", "") not in known:
            settings.statuses.append(status)
            known.add(status.replace(" ", ""))
    return settings


def _fill_identity(card: model.Card, path: Path, card_id: str | None, title: str | None, area: str | None) -> None:
    card.id = card_id or card.id
    card.title = title or card.title
    card.area = area or card.area
    missing = [name for name, value in (("--id", card.id), ("--title", card.title)) if not value]
    if missing:
        what = " / ".join(missing)
        raise InputError(Problem(str(path), "", f"카드에 관리번호·사업명이 없습니다: {what} 옵션으로 주세요",
                                 f"the card has no 관리번호/사업명: give {what}",
                                 f"예: reportgen import {path.name} --id 3-1 --title \"사업명\" -o WORKBOOK",
                                 f"e.g. reportgen import {path.name} --id 3-1 --title \"…\" -o WORKBOOK"))


@app.command("import")
def import_(
    cards: Annotated[list[Path], typer.Argument(help="카드 파일 / card files (.txt .docx .hwpx .hwp)")],
    output: Annotated[Path, typer.Option("-o", "--output", help="마스터 워크북 / workbook to write")],
    card_id: Annotated[str | None, typer.Option("--id", help="관리번호 (카드에 없을 때)")] = None,
    title: Annotated[str | None, typer.Option("--title", help="사업명 (카드에 없을 때)")] = None,
    area: Annotated[str | None, typer.Option("--area", help="분야")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="기준일 YYYY-MM-DD (새 워크북)")] = None,
    agency: Annotated[str, typer.Option(help="기관명 (새 워크북)")] = "",
    term: Annotated[str, typer.Option(help="민선, e.g. 8기 (새 워크북)")] = "",
) -> None:
    """기존 카드를 마스터 워크북으로 가져옵니다 / import legacy cards into a workbook.

    An existing workbook keeps its cards; a card with the same 관리번호 is replaced.
    """
    from reportgen.writers.workbook import write_workbook

    try:
        batch.parse_as_of(as_of)
        book = _read_workbook(output) if output.exists() else None
        read: list[model.Card] = []
        for path in cards:
            card = read_card(path)
            _fill_identity(card, path, card_id, title, area)
            read.append(card)
        if book is None:
            book = model.Workbook(_settings_for(read, as_of, agency, term))
        merged = {card.id: card for card in book.cards}
        for path, card in zip(cards, read, strict=True):
            if card.id in merged:
                _say(f"관리번호 {card.id}: {path} 의 카드로 바꿉니다 / replaced by the card from {path}")
            merged[card.id] = card
        book.cards = list(merged.values())
        data = write_workbook(book)
    except InputError as exc:
        raise _invalid(exc) from exc
    _write(output, data)
    _say(f"{len(read)}장을 가져왔습니다 / imported {len(read)} card(s) → {output} ({len(book.cards)} cards)")


@app.command()
def build(
    workbook: Annotated[Path, typer.Argument(help="마스터 워크북")] = DEFAULT_WORKBOOK,
    output: Annotated[Path, typer.Option("-o", "--output", help="출력 폴더 / output folder")] = DEFAULT_OUTPUT,
    formats: Annotated[str, typer.Option("--format", help="txt,docx,xlsx,hwpx,hwp 또는 all")] = "txt",
    only: Annotated[str | None, typer.Option(help="관리번호만 / only these ids, e.g. 3-1,3-2")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="기준일 YYYY-MM-DD")] = None,
    jobs: Annotated[int, typer.Option("-j", "--jobs", help="동시 작업 수 / worker processes")] = 0,
) -> None:
    """카드를 만듭니다 / build the cards of a workbook."""
    try:
        names = parse_formats(formats)
        book = _read_workbook(workbook)
        day = batch.parse_as_of(as_of) or batch.parse_as_of(book.settings.as_of, f"{workbook} 설정!기준일")
        selected = batch.select_cards(book, only, "--only")
        batch.check_file_names(selected, names, str(workbook))
    except InputError as exc:
        raise _invalid(exc) from exc
    try:
        report = _run_build(selected, output, names, day, jobs or batch.default_jobs())
    except OutputError as exc:
        raise _unwritable(exc) from None
    except KeyboardInterrupt:
        _say("중단되었습니다: 이미 쓴 파일은 온전하고 임시 파일은 지웠습니다. 다시 실행하세요 / "
             "interrupted: the files written so far are whole and no temp files are left; run the build again")
        raise typer.Exit(130) from None
    _say(f"{len(report.files)}개 파일 / files → {output}")
    if report.failures:
        _say(f"실패 {len(report.failures)}건 / {len(report.failures)} failure(s):")
        for failure in report.failures:
            _say(f"  - {failure.card_id} [{failure.format}]: {failure.message}")
        raise typer.Exit(1)


def _run_build(cards: list[model.Card], output: Path, names: list[str], day: dt.date | None, jobs: int
               ) -> batch.BuildReport:
    """Build with a rich progress bar (cards done / total, ETA) on a terminal, plain lines otherwise."""
    if not sys.stderr.isatty():
        return batch.build(cards, output, names, day, jobs, on_card=_plain_progress(len(cards)))
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
        return batch.build(cards, output, names, day, jobs, on_card=lambda: progress.advance(task))


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


_REPORT_SUFFIXES = (".txt", ".xlsx", ".docx")


def _report_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in _REPORT_SUFFIXES:
        raise InputError(Problem(str(path), "", f"출력 형식을 알 수 없습니다: {suffix or '(확장자 없음)'}",
                                 f"unknown output type {suffix or '(no suffix)'}",
                                 "파일 이름을 .txt, .xlsx 또는 .docx 로 끝내세요", "end the name in .txt, .xlsx or .docx"))
    return suffix


def _write_report(path: Path, text: Callable[[], str], xlsx: Callable[[], bytes], docx: Callable[[], bytes]) -> None:
    suffix = path.suffix.lower()
    data = text().encode("utf-8") if suffix == ".txt" else xlsx() if suffix == ".xlsx" else docx()
    _write(path, data)
    _say(f"썼습니다 / written: {path}")


@app.command()
def summary(
    workbook: Annotated[Path, typer.Argument(help="마스터 워크북")] = DEFAULT_WORKBOOK,
    output: Annotated[Path, typer.Option("-o", "--output", help="총괄표 파일 (.txt .xlsx .docx)")] = Path("output/총괄표.xlsx"),
) -> None:
    """총괄표(분야별·부서별·완료시기별·사업주체별)를 만듭니다 / summary tables."""
    from reportgen import summary as sm

    try:
        _report_suffix(output)
        result = sm.summarize(_read_workbook(workbook))
    except InputError as exc:
        raise _invalid(exc) from exc
    _write_report(output, lambda: sm.summary_text(result), lambda: sm.summary_xlsx(result),
                  lambda: sm.summary_docx(result))


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="지난 분기 워크북 / previous quarter")],
    new: Annotated[Path, typer.Argument(help="이번 분기 워크북 / this quarter")],
    output: Annotated[Path, typer.Option("-o", "--output", help="변동사항 파일 (.txt .xlsx .docx)")] = Path("output/변동사항.txt"),
) -> None:
    """두 분기의 변동사항을 비교합니다 / what changed between two quarters."""
    from reportgen import diff as df

    try:
        _report_suffix(output)
        result = df.diff_workbooks(_read_workbook(old), _read_workbook(new))
    except InputError as exc:
        raise _invalid(exc) from exc
    _write_report(output, lambda: df.diff_text(result), lambda: df.diff_xlsx(result), lambda: df.diff_docx(result))
    typer.echo(df.total_line(result))


@app.command()
def package(
    workbook: Annotated[Path, typer.Argument(help="마스터 워크북")] = DEFAULT_WORKBOOK,
    output: Annotated[Path, typer.Option("-o", "--output", help="제출 묶음 zip")] = Path("output/의회제출.zip"),
    as_of: Annotated[str | None, typer.Option("--as-of", help="기준일 YYYY-MM-DD")] = None,
    pdf: Annotated[bool, typer.Option(help="LibreOffice로 PDF도 만듦 / also a PDF via LibreOffice")] = True,
    jobs: Annotated[int, typer.Option("-j", "--jobs", help="동시 작업 수 / worker processes")] = 0,
) -> None:
    """의회 제출 묶음(zip)을 만듭니다 / build the council submission package."""
    from reportgen.package import make_package

    try:
        if output.suffix.lower() != ".zip":
            raise InputError(Problem(str(output), "", "제출 묶음은 .zip 파일입니다", "the package is a .zip file",
                                     "-o 이름을 .zip 으로 끝내세요", "end the -o name in .zip"))
        book = _read_workbook(workbook)
        day = batch.parse_as_of(as_of)
        result = make_package(book, day, soffice=pdf, jobs=jobs or batch.default_jobs(), on_step=_say)
    except InputError as exc:
        raise _invalid(exc) from exc
    _write(output, result.data)
    for note in result.notes:
        _say(f"  ※ {note}")
    _say(f"썼습니다 / written: {output} ({len(result.files)} files)")
    if result.failures:
        raise typer.Exit(1)


def main() -> None:
    """Console entry point."""
    app()


if __name__ == "__main__":
    main()
