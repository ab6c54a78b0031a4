"""Pages (현황, 카드, 검사, 취합, 만들기) and the JSON API of the web application."""

from __future__ import annotations

import os
import secrets
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from functools import cache, wraps
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import anyio
import jinja2
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route

from reportgen import collect, model
from reportgen.batch import render_one
from reportgen.diff import ChangeRow
from reportgen.document import Document
from reportgen.errors import InputError, Problem
from reportgen.fileio import atomic_output, card_filename, inside, write_bytes_atomic
from reportgen.formats import WRITERS
from reportgen.resources import PACKAGED_TEMPLATES
from reportgen.summary import (
    TABLE_RATES,
    Summary,
    figure_text,
    finance_area_table,
    finance_notes,
    finance_source_table,
    rate_text,
    rates_table,
    row_rates,
    status_notes,
    summarize,
    target_block,
    target_notes,
    year_text,
)
from reportgen.web import security
from reportgen.web.workspace import (
    ALLOWED_COLLECT,
    Product,
    Workspace,
    remove_quietly,
)
from reportgen.writers import zippack
from reportgen.writers.html import TableView, table_view

WEB = PACKAGED_TEMPLATES / "web"
#: card formats offered for download, in this order
CARD_FORMATS = ("html", "txt", "docx", "xlsx", "hwpx", "hwp")
MEDIA = {".txt": "text/plain; charset=utf-8", ".html": "text/html; charset=utf-8", ".zip": "application/zip",
         ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         ".hwpx": "application/hwp+zip", ".hwp": "application/x-hwp"}
#: the card page's own policy: the HTML writer's page has its style inline and no script
_CARD_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
WHOLE_FILE = "(파일 전체)"
#: rows of the card list per page
PAGE_ROWS = 100
#: the longest bar of the 현황 chart (px of its 420-wide drawing: a phone shows it at 13px text)
BAR_WIDTH = 220

Handler = Callable[[Request], Awaitable[Response]]


class NotFound(InputError):
    """What the address names is not there (a card, a format, a collection, a job): 404."""


# ── rendering ─────────────────────────────────────────────────────────────


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(WEB)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["url"] = lambda text: quote(str(text), safe="")
    env.filters["rate"] = rate_text
    env.filters["count"] = "{:,}".format
    env.filters["figure"] = figure_text
    return env


def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page from ``templates/web/NAME`` with the session's CSRF token and its one-time message."""
    session: security.Session = request.state.session
    flash, session.flash = session.flash, ""
    html = _environment().get_template(name).render(
        csrf=session.csrf, path=request.url.path, flash=flash, login=request.app.state.sessions.password is not None
        and session.authenticated, **context)
    return HTMLResponse(html, status_code=status)


def problem_json(problem: Problem) -> dict[str, str]:
    """A problem as the API gives it: file, place (sheet!cell or line), message, fix — Korean / English."""
    fix = " / ".join(part for part in (problem.fix_ko, problem.fix_en) if part)
    return {"file": problem.file, "place": problem.where, "message": f"{problem.ko} / {problem.en}", "fix": fix}


@dataclass(frozen=True)
class Alike:
    """Problems of one sheet that differ only in their place: one row of the problem list."""

    problem: Problem  # the first of them
    places: list[str]


def by_sheet(problems: list[Problem]) -> list[tuple[str, list[Alike]]]:
    """Problems grouped by the sheet their place names (``추진실적!D17`` → 추진실적), in first-seen
    order; within a sheet, the same message and fix in many cells is one row naming every cell."""
    groups: dict[str, dict[tuple[str, ...], Alike]] = {}
    for problem in problems:
        sheet = problem.where.split("!", 1)[0] if "!" in problem.where else WHOLE_FILE
        same = (problem.file, problem.ko, problem.en, problem.fix_ko, problem.fix_en)
        row = groups.setdefault(sheet, {}).setdefault(same, Alike(problem, []))
        row.places.append(problem.where)
    return [(sheet, list(rows.values())) for sheet, rows in groups.items()]


def problem_response(request: Request, problems: list[Problem], status: int) -> Response:
    """Problems as JSON (API) or as a page naming each place and its fix."""
    if request.url.path.startswith("/api/"):
        return JSONResponse({"problems": [problem_json(p) for p in problems]}, status_code=status)
    html = _environment().get_template("problems.html.j2").render(
        groups=by_sheet(problems), status=status, path=request.url.path, flash="", login=False,
        csrf=getattr(getattr(request.state, "session", None), "csrf", ""))
    return HTMLResponse(html, status_code=status)


def _disposition(filename: str, inline: bool = False) -> dict[str, str]:
    """The header naming a download in Korean (RFC 6266 ``filename*``) with an ASCII fallback."""
    fallback = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_" for ch in filename)
    return {"content-disposition":
            f"{'inline' if inline else 'attachment'}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"}


def _media(filename: str) -> str:
    return MEDIA.get(Path(filename).suffix.lower(), "application/octet-stream")


def download(data: bytes, filename: str, inline: bool = False) -> Response:
    """A file with its Korean name (RFC 6266 ``filename*``) and an ASCII fallback."""
    return Response(data, media_type=_media(filename), headers=_disposition(filename, inline))


#: bytes read at a time when a file on disk is sent
SEND_CHUNK = 1 << 20


def file_download(path: Path, filename: str, remove: bool = False) -> Response:
    """The file at ``path`` sent in pieces (a package of thousands of cards is never held whole),
    named ``filename``; ``remove``: the file is a temp file, unlinked as soon as it is open (the
    open file stays readable; nothing is left on disk even if the client goes away)."""
    try:
        source = path.open("rb")
    except FileNotFoundError:
        raise NotFound(Problem(filename, "", "파일이 없습니다 (지워졌거나 다른 작업이 바꾸었습니다)",
                               "the file is gone (deleted, or replaced by another job)", "다시 만드세요",
                               "make it again")) from None
    if remove:
        path.unlink()
    size = os.fstat(source.fileno()).st_size

    def pieces() -> Iterator[bytes]:
        with source:
            while chunk := source.read(SEND_CHUNK):
                yield chunk

    return StreamingResponse(pieces(), media_type=_media(filename),
                             headers={**_disposition(filename), "content-length": str(size)})


# ── guards for state-changing requests ────────────────────────────────────


def _csrf_problem() -> Problem:
    return Problem("request", "", "보안 토큰이 없거나 맞지 않아 거절했습니다",
                   "refused: the security (CSRF) token is missing or wrong",
                   "화면을 새로 고친 뒤 다시 하세요", "reload the page and try again")


def changes_state(handler: Handler) -> Handler:
    """A POST handler: the session's CSRF token must come as header ``X-CSRF-Token`` or form field
    ``csrf`` (403 otherwise); the form, when there is one, is read once and kept."""

    @wraps(handler)
    async def checked(request: Request) -> Response:
        session: security.Session = request.state.session
        given = request.headers.get(security.CSRF_HEADER)
        content = request.headers.get("content-type", "")
        form: FormData | None = None
        if content.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
            limits = request.app.state.limits
            form = await request.form(max_files=limits.files, max_fields=200)
            given = given or _text(form.get(security.CSRF_FIELD))
        if not security.token_matches(session, given):
            return problem_response(request, [_csrf_problem()], 403)
        request.state.form = form
        return await handler(request)

    return checked


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


async def _uploads(request: Request, name: str) -> list[tuple[str, bytes]]:
    """The files of form field ``name``: (the user's file name, bytes); none is an InputError."""
    form: FormData | None = request.state.form
    files = [item for item in (form.getlist(name) if form else []) if isinstance(item, UploadFile)]
    chosen = [item for item in files if item.filename]
    if not chosen:
        raise InputError(Problem("upload", "", "올린 파일이 없습니다", "no file was uploaded",
                                 "파일을 골라 다시 올리세요", "choose a file and upload again"))
    return [(Path(item.filename or "").name or "upload", await item.read()) for item in chosen]


def _workspace(request: Request) -> Workspace:
    return request.app.state.workspace


async def blocking(function: Callable[..., Any], *args: Any) -> Any:
    """Reading and writing workbooks runs in a worker thread: the server keeps answering meanwhile."""
    return await anyio.to_thread.run_sync(function, *args)


async def _book(request: Request) -> model.Workbook:
    return await blocking(_workspace(request).book)


# ── 현황 ──────────────────────────────────────────────────────────────────


def _bars(s: Summary) -> list[dict[str, Any]]:
    """The chart: cards per status, as bar lengths (px) for an SVG drawn by the template."""
    total = s.tables[0].total
    most = max(total.status_counts, default=0) or 1
    return [{"label": label, "count": count, "width": round(BAR_WIDTH * count / most)}
            for label, count in zip(s.statuses, total.status_counts, strict=True)]


@dataclass(frozen=True)
class Tables:
    """A part of the 현황 page: its heading and the 총괄표's tables under it (the HTML writer's views)."""

    heading: str
    views: list[TableView]


def summary_parts(s: Summary) -> tuple[list[TableView], list[Tables]]:
    """The 총괄표's 주요 지표 (none when 설정 chose no rate), and its 목표 달성 and 공약가계부 tables
    (those only with 재정계획 rows), each table with its formulas under it."""
    rates = rates_table(s)
    parts = [Tables(f"목표 달성 ({year_text(s)} 목표 기준)",
                    [table_view(target_block(table, target_notes(s))) for table in s.target_tables])]
    if s.finance is not None:
        parts.append(Tables("공약가계부", [table_view(finance_source_table(s.finance, finance_notes())),
                                            table_view(finance_area_table(s.finance, finance_notes()))]))
    return ([table_view(rates)] if rates else []), parts


async def status_page(request: Request) -> Response:
    book = await _book(request)
    s = summarize(book)
    rates, parts = summary_parts(s)
    return page(request, "status.html.j2", book=book, summary=s, total=s.tables[0].total, bars=_bars(s),
                # the 총괄표's rule for the status tables: the same rate columns and notes as in print
                rates=rates, rates_heading=TABLE_RATES, row_rates=row_rates(s), status_notes=status_notes(s),
                parts=parts)


# ── 카드 ──────────────────────────────────────────────────────────────────


def card_row(card: model.Card) -> dict[str, Any]:
    """A card as the list and the API show it."""
    return {"id": card.id, "title": card.title, "area": card.area,
            "department": card.header.department.department, "status": card.header.status,
            "progress": card.header.progress}


def _matches(row: dict[str, Any], area: str, department: str, status: str, query: str) -> bool:
    wanted = ((area, row["area"]), (department, row["department"]), (status, row["status"]))
    if any(value and model.label_key(value) != model.label_key(actual) for value, actual in wanted):
        return False
    text = model.fold(" ".join(str(row[key]) for key in ("id", "title", "area", "department", "status")))
    return not query or model.fold(query).casefold() in text.casefold()


def _choices(rows: list[dict[str, Any]], key: str) -> list[str]:
    return sorted({row[key] for row in rows if row[key]})


def _page_number(text: str, pages: int) -> int:
    """The page asked for (``?page=``), kept between 1 and ``pages``."""
    number = int(text) if text.isdigit() and len(text) < 7 else 1
    return min(max(number, 1), pages)


@dataclass(frozen=True)
class Pager:
    """The card list's pages: (page number or None for a gap, its address), and the addresses
    of the previous and next page ("" at either end)."""

    links: list[tuple[int | None, str]]
    previous: str
    next: str


def pager(current: int, pages: int, given: dict[str, str]) -> Pager:
    """Every page when few, else the first, the last and three either side of the current one."""
    query = {key: value for key, value in given.items() if value}

    def href(number: int) -> str:
        return "/cards?" + urlencode({**query, "page": number})

    near = {1, pages, *range(current - 3, current + 4)}
    links: list[tuple[int | None, str]] = []
    previous = 0
    for number in (n for n in range(1, pages + 1) if pages <= 15 or n in near):
        if number - previous > 1:
            links.append((None, ""))
        links.append((number, href(number)))
        previous = number
    return Pager(links, href(current - 1) if current > 1 else "", href(current + 1) if current < pages else "")


async def cards_page(request: Request) -> Response:
    rows = [card_row(card) for card in (await _book(request)).cards]
    given = {key: request.query_params.get(key, "").strip() for key in ("area", "department", "status", "q")}
    found = [row for row in rows if _matches(row, given["area"], given["department"], given["status"], given["q"])]
    pages = max(1, -(-len(found) // PAGE_ROWS))
    current = _page_number(request.query_params.get("page", ""), pages)
    first = (current - 1) * PAGE_ROWS
    return page(request, "cards.html.j2", rows=found[first:first + PAGE_ROWS], found=len(found), first=first, page_number=current,
                total=len(rows), given=given, pages=pages,
                pager=pager(current, pages, given) if pages > 1 else None,
                areas=_choices(rows, "area"), departments=_choices(rows, "department"),
                statuses=_choices(rows, "status"))


async def _card_or_404(request: Request, card_id: str) -> model.Card:
    card = await blocking(_workspace(request).card, card_id)
    if card is None:
        raise NotFound(Problem(card_id, "", f"관리번호 {card_id}인 카드가 없습니다", f"no card {card_id}",
                                 "카드 목록에서 고르세요", "choose from the card list"))
    return card


async def card_page(request: Request) -> Response:
    card = await _card_or_404(request, request.path_params["card_id"])
    return page(request, "card.html.j2", card=card, formats=CARD_FORMATS)


async def card_file(request: Request) -> Response:
    """``/api/cards/{id}.{format}``: the card in that format (HTML shown, the others downloaded)."""
    card_id, _, fmt = request.path_params["name"].rpartition(".")
    if fmt not in CARD_FORMATS:
        raise NotFound(Problem(request.path_params["name"], "", f"알 수 없는 형식입니다: {fmt}",
                                 f"unknown format: {fmt}", f"{', '.join(CARD_FORMATS)} 중에서 고르세요",
                                 f"choose one of {', '.join(CARD_FORMATS)}"))
    card = await _card_or_404(request, card_id)
    data = await blocking(render_one, card, fmt)
    if not isinstance(data, bytes):
        raise InputError(Problem(card.id, "", f"이 카드를 {fmt} 로 만들 수 없습니다: {data.message}",
                                 f"this card cannot be written as {fmt}", "다른 형식을 고르세요",
                                 "choose another format"))
    response = download(data, card_filename(card.id, card.title, WRITERS[fmt].suffix), inline=fmt == "html")
    if fmt == "html":
        response.headers["content-security-policy"] = _CARD_POLICY
    return response


async def cards_json(request: Request) -> Response:
    return JSONResponse([card_row(card) for card in (await _book(request)).cards])


# ── 검사 ──────────────────────────────────────────────────────────────────


async def check_page(request: Request) -> Response:
    return page(request, "check.html.j2", result=None)


async def _checked_upload(request: Request) -> tuple[str, str, collect.Checked]:
    """The uploaded workbook checked: (the user's file name, its token, the checked workbook); else InputError."""
    [(name, data)] = (await _uploads(request, "file"))[:1]
    token, checked = await blocking(_workspace(request).check, name, data)
    return name, token, checked


@changes_state
async def check_upload(request: Request) -> Response:
    """검사: problems grouped by sheet, or a valid workbook that may become the master."""
    try:
        name, token, checked = await _checked_upload(request)
    except InputError as exc:
        return page(request, "check.html.j2", 422, result={"groups": by_sheet(exc.problems), "count": None})
    return page(request, "check.html.j2", result={"name": name, "count": len(checked.book.cards), "token": token,
                                                  "groups": []})


@changes_state
async def check_install(request: Request) -> Response:
    space = _workspace(request)
    checked = space.take_checked(request.path_params["token"])
    if checked is None:
        raise NotFound(Problem("upload", "", "검사한 파일이 없습니다 (오래되었거나 이미 썼습니다)",
                                 "the checked file is gone (too old or used already)",
                                 "파일을 다시 올리세요", "upload the file again"))
    done = await blocking(space.install, checked)
    request.state.session.flash = f"새 마스터 워크북입니다 (카드 {done.cards}장). 이전 마스터는 기록에 {done.saved or '없음'} 으로 두었습니다."
    return RedirectResponse("/", status_code=303)


@changes_state
async def workbook_json(request: Request) -> Response:
    """``POST /api/workbook``: a valid workbook becomes the master (200, card count); else 422."""
    _name, token, checked = await _checked_upload(request)
    space = _workspace(request)
    space.take_checked(token)
    done = await blocking(space.install, checked)
    return JSONResponse({"ok": True, "cards": done.cards, "saved": done.saved})


# ── 취합 ──────────────────────────────────────────────────────────────────


def _collect_one(space: Workspace, name: str, data: bytes, master: model.Workbook) -> list[collect.Collected]:
    try:
        path = space.save_upload(name, data, ALLOWED_COLLECT)
    except InputError as exc:
        return [collect.Collected(name, problems=exc.problems)]
    try:
        return collect.collect_file(path, name, master)
    finally:
        remove_quietly(path)


async def _collect(request: Request) -> tuple[str, list[collect.Collected]]:
    space = _workspace(request)
    master = await _book(request)
    items = []
    for name, data in await _uploads(request, "files"):
        items += await blocking(_collect_one, space, name, data, master)
    return space.remember(items), items


def _change_json(row: ChangeRow) -> dict[str, str]:
    return {"item": row.item, "old": row.old, "new": row.new}


def collected_json(item: collect.Collected) -> dict[str, Any]:
    if item.problems or item.card is None:
        return {"file": item.file, "problems": [problem_json(p) for p in item.problems]}
    return {"file": item.file, "id": item.card.id, "title": item.card.title,
            "changes": [_change_json(row) for row in item.changes]}


async def collect_page(request: Request) -> Response:
    space = _workspace(request)
    return page(request, "collect.html.j2", undo=collect.can_undo(space.master, space.history))


@changes_state
async def collect_upload(request: Request) -> Response:
    key, _items = await _collect(request)
    return RedirectResponse(f"/collect/{key}", status_code=303)


def _collection(request: Request) -> list[collect.Collected]:
    items = _workspace(request).collections.get(request.path_params["collection"])
    if items is None:
        raise NotFound(Problem("collection", "", "취합 결과가 없습니다 (오래되었거나 서버가 다시 시작했습니다)",
                                 "no such collection (too old, or the server restarted)",
                                 "카드 파일을 다시 올리세요", "upload the card files again"))
    return items


async def collection_page(request: Request) -> Response:
    items = _collection(request)
    problems = [p for item in items for p in item.problems]
    return page(request, "collection.html.j2", items=items, key=request.path_params["collection"],
                groups=by_sheet(problems) if problems else [])


def _accept(request: Request, ids: list[str] | None) -> collect.Accepted:
    """Accept the collection's cards named by ``ids`` (all when None)."""
    items = [item for item in _collection(request) if item.card is not None]
    wanted = {model.fold(i) for i in ids} if ids is not None else {model.fold(item.id) for item in items}
    chosen = [item for item in items if model.fold(item.id) in wanted]
    unknown = wanted - {model.fold(item.id) for item in chosen}
    if unknown or not chosen:
        listed = ", ".join(sorted(unknown)) or "(없음)"
        raise InputError(Problem("ids", "", f"이 취합에 없는 관리번호입니다: {listed}",
                                 f"not among the collected cards: {listed}",
                                 "취합 결과에 나온 관리번호를 고르세요", "choose 관리번호 shown in the collection"))
    return _workspace(request).accept([(item.file, item.card) for item in chosen if item.card])


@changes_state
async def collection_accept(request: Request) -> Response:
    form = request.state.form
    ids = None if form is None or form.get("all") else [_text(v) for v in form.getlist("ids")]
    if ids == []:
        raise InputError(Problem("ids", "", "반영할 카드를 고르지 않았습니다", "no card was chosen",
                                 "카드를 체크하거나 '모두 반영'을 누르세요", "tick cards or press '모두 반영'"))
    done = await blocking(_accept, request, ids)
    names = ", ".join(card_id for card_id, _ in done.result.replaced + done.result.added)
    request.state.session.flash = f"반영했습니다: {names}. 이전 마스터는 기록에 {done.saved} 으로 두었습니다 (취합 화면에서 되돌릴 수 있습니다)."
    return RedirectResponse("/cards", status_code=303)


async def collect_json(request: Request) -> Response:
    key, items = await _collect(request)
    return JSONResponse({"collection": key, "results": [collected_json(item) for item in items]})


async def accept_json(request: Request) -> Response:
    try:
        body = await request.json()
    except ValueError:
        body = None
    ids = body.get("ids") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise InputError(Problem("request", "", "본문은 {\"ids\": [관리번호, …]} 이어야 합니다",
                                 "the body must be {\"ids\": [id, …]}", "JSON 본문을 고치세요", "fix the JSON body"))
    done = await blocking(_accept, request, ids)
    return JSONResponse({"ok": True, "accepted": [card_id for card_id, _ in done.result.replaced + done.result.added],
                         "cards": done.result.cards, "saved": done.saved, "notices": done.result.notices})


@changes_state
async def undo_page(request: Request) -> Response:
    space = _workspace(request)
    restored = await blocking(collect.undo, space.master, space.history)
    request.state.session.flash = f"마지막 변경을 되돌렸습니다 ({restored} 의 마스터)."
    return RedirectResponse("/cards", status_code=303)


@changes_state
async def undo_json(request: Request) -> Response:
    space = _workspace(request)
    return JSONResponse({"ok": True, "restored": await blocking(collect.undo, space.master, space.history)})


async def history_json(request: Request) -> Response:
    return JSONResponse([{"name": v.name, "size": v.size, "saved": v.saved.isoformat(timespec="seconds")}
                         for v in collect.versions(_workspace(request).history)])


async def history_file(request: Request) -> Response:
    path = collect.version_path(_workspace(request).history, request.path_params["name"])
    return download(path.read_bytes(), path.name)


# ── 만들기 ────────────────────────────────────────────────────────────────

Step = Callable[[str], None]


def cards_zip(book: model.Workbook, step: Step, target: Path) -> Product:
    """Every card in every format in one zip written to ``target`` (atomically; each card's files
    wait in an unnamed temp file beside it, never all in memory); cards a format cannot express
    are noted."""
    notes = []
    with zippack.ZipSpool(str(target.parent)) as spool:
        for number, card in enumerate(book.cards, 1):
            step(f"카드 {number}/{len(book.cards)}: {card.id}")
            for fmt in CARD_FORMATS:
                data = render_one(card, fmt)
                if isinstance(data, bytes):
                    spool.add(zippack.Member.deflated(card_filename(card.id, card.title, WRITERS[fmt].suffix), data))
                else:
                    notes.append(f"{card.id} [{fmt}]: {data.message}")
        with atomic_output(target) as out:
            spool.write_zip(out)
    return Product(b"", target.name, MEDIA[".zip"], tuple(notes), target)


def _xlsx(doc: Document) -> bytes:
    """A report document as XLSX. (WRITERS["xlsx"].render_document once formats.py drops the
    transition ``card=`` of the XLSX writer: until then it calls the card function.)"""
    from reportgen.writers.xlsx import render_document

    return bytes(render_document(doc))


def summary_file(book: model.Workbook, step: Step) -> Product:
    """총괄표 as XLSX (the summary document through the XLSX writer)."""
    from reportgen.summary import summary_document

    step("총괄표")
    return Product(_xlsx(summary_document(summarize(book))), "총괄표.xlsx",
                   MEDIA[".xlsx"])


def changes_file(space: Workspace, version: str, book: model.Workbook, step: Step) -> Product:
    """변동사항 from a history version to the master, as XLSX."""
    from reportgen.diff import changes_document, diff_workbooks, total_line

    step(f"{version} 읽기")
    path = collect.version_path(space.history, version)
    try:
        old = collect.read_workbook(path)
    except InputError as exc:
        raise InputError([Problem(f"history/{version}", p.where, p.ko, p.en, p.fix_ko, p.fix_en)
                          for p in exc.problems]) from None
    step("변동사항")
    result = diff_workbooks(old, book)
    return Product(_xlsx(changes_document(result)), f"변동사항_{Path(version).stem}.xlsx",
                   MEDIA[".xlsx"], (total_line(result),))


def package_file(book: model.Workbook, pdf: bool, step: Step, target: Path) -> Product:
    """The council package written to ``target`` (:func:`reportgen.package.write_package`: atomic,
    its members spooled on disk, never held whole)."""
    from reportgen.package import write_package

    result = write_package(book, target, soffice=pdf, on_step=step)
    return Product(b"", target.name, MEDIA[".zip"], tuple(result.notes), target)


#: the files the 만들기 jobs write to output/ straight (large: never held in memory)
CARDS_FILE, PACKAGE_FILE = "카드.zip", "의회제출.zip"


def _saved(space: Workspace, work: Callable[[Step], Product]) -> Callable[[Step], Product]:
    """The product in the workspace's output/: written there (atomically) when it was held."""

    def run(step: Step) -> Product:
        product = work(step)
        if product.path is None:
            write_bytes_atomic(inside(space.output, product.filename), product.data)
        step(f"output/{product.filename} 에 저장")
        return product

    return run


async def make_page(request: Request) -> Response:
    space = _workspace(request)
    return page(request, "make.html.j2", versions=collect.versions(space.history))


@changes_state
async def make_start(request: Request) -> Response:
    space = _workspace(request)
    book = await _book(request)
    form = request.state.form
    kind = request.path_params["kind"]
    works: dict[str, tuple[str, Callable[[Step], Product]]] = {
        "cards": ("카드 전체 (zip)", lambda step: cards_zip(book, step, inside(space.output, CARDS_FILE))),
        "summary": ("총괄표", lambda step: summary_file(book, step)),
        "changes": ("변동사항", lambda step: changes_file(space, _text(form.get("version")) if form else "", book,
                                                         step)),
        "package": ("의회 제출 묶음", lambda step: package_file(book, bool(form and form.get("pdf")), step,
                                                               inside(space.output, PACKAGE_FILE))),
    }
    if kind not in works:
        raise NotFound(Problem(kind, "", "알 수 없는 작업입니다", "unknown work", "만들기 화면에서 고르세요",
                                 "choose on the 만들기 page"))
    title, work = works[kind]
    job = space.start(title, _saved(space, work))
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


def _job(request: Request) -> Any:
    job = _workspace(request).jobs.get(request.path_params["job"])
    if job is None:
        raise NotFound(Problem("job", "", "작업이 없습니다 (오래되었거나 서버가 다시 시작했습니다)",
                                 "no such job (too old, or the server restarted)", "다시 만드세요", "start it again"))
    return job


def job_json_of(job: Any) -> dict[str, Any]:
    return {"id": job.id, "title": job.title, "done": job.done, "steps": job.steps,
            "ok": job.done and not job.problems, "notes": job.notes,
            "problems": [problem_json(p) for p in job.problems],
            "download": f"/jobs/{job.id}/file" if job.done and not job.problems else None}


async def job_page(request: Request) -> Response:
    job = _job(request)
    return page(request, "job.html.j2", job=job, groups=by_sheet(job.problems))


async def job_json(request: Request) -> Response:
    return JSONResponse(job_json_of(_job(request)))


async def job_file(request: Request) -> Response:
    job = _job(request)
    if not job.done or job.problems:
        raise InputError(Problem("job", "", "아직 파일이 없습니다", "the file is not ready", "잠시 뒤 다시 하세요",
                                 "try again in a moment"))
    return file_download(job.path, job.filename) if job.path else download(job.data, job.filename)


async def package_json(request: Request) -> Response:
    """``GET /api/package``: the council package zip (``?pdf=1`` adds the PDF through LibreOffice)."""
    book = await _book(request)
    pdf = request.query_params.get("pdf") == "1"
    space = _workspace(request)
    target = inside(space.uploads, f"{secrets.token_hex(12)}.zip")  # sent, then gone
    try:
        await blocking(package_file, book, pdf, lambda _text: None, target)
    except BaseException:
        remove_quietly(target)
        raise
    return file_download(target, PACKAGE_FILE, remove=True)


# ── login and health ──────────────────────────────────────────────────────


async def health(request: Request) -> Response:
    return JSONResponse({"ok": True})


async def csrf_json(request: Request) -> Response:
    """The session's CSRF token for API clients (the cookie comes with it)."""
    return JSONResponse({"csrf": request.state.session.csrf})


async def login_page(request: Request) -> Response:
    return page(request, "login.html.j2", wrong=False)


@changes_state
async def login_submit(request: Request) -> Response:
    sessions: security.Sessions = request.app.state.sessions
    given = _text(request.state.form.get("password")) if request.state.form else ""
    fresh = sessions.login(request.state.session_key, given)
    if fresh is None:
        await _slow_down()
        return page(request, "login.html.j2", 401, wrong=True)
    response = RedirectResponse("/", status_code=303)
    security.set_cookie(response, fresh, request.url.scheme == "https")
    return response


async def _slow_down() -> None:
    await anyio.sleep(1.0)


#: the application's own assets (served from templates/web, nothing else from there)
ASSETS = {"style.css": "text/css; charset=utf-8", "app.js": "text/javascript; charset=utf-8"}


async def asset(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in ASSETS:
        raise NotFound(Problem(name, "", "없는 파일입니다", "no such file"))
    return Response((WEB / name).read_bytes(), media_type=ASSETS[name],
                    headers={"cache-control": "no-cache"})


def routes() -> list[Route]:
    """Every path of the application."""
    return [
        Route("/", status_page),
        Route("/cards", cards_page),
        Route("/cards/{card_id}", card_page),
        Route("/check", check_page),
        Route("/check", check_upload, methods=["POST"]),
        Route("/check/{token}/install", check_install, methods=["POST"]),
        Route("/collect", collect_page),
        Route("/collect", collect_upload, methods=["POST"]),
        Route("/collect/{collection}", collection_page),
        Route("/collect/{collection}/accept", collection_accept, methods=["POST"]),
        Route("/undo", undo_page, methods=["POST"]),
        Route("/make", make_page),
        Route("/make/{kind}", make_start, methods=["POST"]),
        Route("/jobs/{job}", job_page),
        Route("/jobs/{job}/file", job_file),
        Route("/history/{name}", history_file),
        Route("/login", login_page),
        Route("/login", login_submit, methods=["POST"]),
        Route("/api/health", health),
        Route("/api/csrf", csrf_json),
        Route("/api/workbook", workbook_json, methods=["POST"]),
        Route("/api/cards", cards_json),
        Route("/api/cards/{name}", card_file),
        Route("/api/collect", changes_state(collect_json), methods=["POST"]),
        Route("/api/collect/{collection}/accept", changes_state(accept_json), methods=["POST"]),
        Route("/api/undo", undo_json, methods=["POST"]),
        Route("/api/history", history_json),
        Route("/api/jobs/{job}", job_json),
        Route("/api/package", package_json),
        Route("/static/{name}", asset),
    ]
