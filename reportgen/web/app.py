"""The web application: the Starlette app with its guards, and :func:`serve` (``reportgen web``)."""

from __future__ import annotations

import threading
import webbrowser
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reportgen.errors import InputError, Problem
from reportgen.web import security
from reportgen.web.routes import NotFound, problem_response, routes
from reportgen.web.workspace import Workspace, internal_problem

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


@dataclass(frozen=True)
class Limits:
    """Uploads: bytes per request (all files together) and files per request."""

    body_bytes: int = 100 * 1024 * 1024
    files: int = 100


#: paths anyone may open before logging in
_OPEN = ("/login", "/static/", "/api/health")
_PAGE_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                "frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'")


class TooLarge(Exception):
    """The request body is over :attr:`Limits.body_bytes`."""


def too_large_problem(limit: int) -> Problem:
    size = f"{limit / (1024 * 1024):.0f}MB"
    return Problem("upload", "", f"올린 파일이 너무 큽니다 (한 번에 {size}까지)",
                   f"the upload is too large (at most {size} at once)",
                   "파일을 나누어 여러 번 올리세요", "upload the files in several smaller batches")


class BodyLimit:
    """ASGI middleware: a request body over ``limit`` bytes is refused (413) before or while it comes."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.limit:
            request = Request(scope)
            await problem_response(request, [too_large_problem(self.limit)], 413)(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise TooLarge
            return message

        await self.app(scope, limited, send)


class Guard(BaseHTTPMiddleware):
    """Session, password, origin check and the security headers of every response."""

    async def dispatch(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        sessions: security.Sessions = request.app.state.sessions
        key, session = sessions.get(request)
        request.state.session, request.state.session_key = session, key
        path = request.url.path
        if not session.authenticated and not path.startswith(_OPEN):
            response: Response
            if path.startswith("/api/"):
                response = JSONResponse({"problems": [_login_problem()]}, status_code=401)
            else:
                response = RedirectResponse("/login", status_code=303)
        elif request.method not in ("GET", "HEAD", "OPTIONS") and not security.same_origin(request):
            response = problem_response(request, [_origin_problem()], 403)
        else:
            response = await call_next(request)
        if request.cookies.get(security.COOKIE) != key and "set-cookie" not in response.headers:
            security.set_cookie(response, key, request.url.scheme == "https")
        _secure_headers(response)
        return response


def _login_problem() -> dict[str, str]:
    return {"file": "", "place": "", "message": "로그인이 필요합니다 / please log in",
            "fix": "/login 에서 비밀번호를 넣으세요 / enter the password at /login"}


def _origin_problem() -> Problem:
    return Problem("request", "", "다른 사이트에서 온 요청이라 거절했습니다",
                   "refused: the request came from another site",
                   "이 프로그램의 화면에서 다시 하세요", "do it again from this program's own page")


def _secure_headers(response: Response) -> None:
    response.headers.setdefault("content-security-policy", _PAGE_POLICY)
    response.headers.setdefault("x-content-type-options", "nosniff")
    response.headers.setdefault("x-frame-options", "SAMEORIGIN")
    response.headers.setdefault("referrer-policy", "same-origin")
    response.headers.setdefault("cache-control", "no-store")


async def _input_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, InputError)
    return problem_response(request, exc.problems, 404 if isinstance(exc, NotFound) else 422)


async def _too_large(request: Request, exc: Exception) -> Response:
    return problem_response(request, [too_large_problem(request.app.state.limits.body_bytes)], 413)


async def _internal(request: Request, exc: Exception) -> Response:
    """A bug: a short message in Korean and English, never a traceback."""
    response = problem_response(request, [internal_problem(exc)], 500)
    _secure_headers(response)
    return response


#: what an HTTP error of Starlette's means to the user: (ko, en, fix_ko, fix_en)
_HTTP_PROBLEMS = {
    404: ("없는 주소입니다", "no such page", "위 메뉴에서 고르세요", "choose from the menu"),
    405: ("할 수 없는 요청입니다", "this request cannot be done here", "위 메뉴에서 고르세요", "choose from the menu"),
    400: ("올린 내용을 읽을 수 없습니다 (파일이 너무 많거나 요청이 깨졌습니다)",
          "the upload cannot be read (too many files, or a broken request)",
          "파일을 나누어 여러 번 올리세요", "upload the files in several smaller batches"),
}


async def _http_problem(request: Request, exc: Exception) -> Response:
    """Starlette's HTTP errors (no route, wrong method, an unreadable or too large form) in Korean."""
    status = getattr(exc, "status_code", 400)
    ko, en, fix_ko, fix_en = _HTTP_PROBLEMS.get(status, _HTTP_PROBLEMS[400])
    return problem_response(request, [Problem(request.url.path, "", ko, en, fix_ko, fix_en)], status)


def create_app(workspace: Workspace, password: str | None = None, limits: Limits | None = None) -> Starlette:
    """The application over ``workspace``; ``password`` None means no login (this computer only)."""
    limits = limits or Limits()
    app = Starlette(
        routes=routes(),
        middleware=[Middleware(BodyLimit, limit=limits.body_bytes), Middleware(Guard)],
        exception_handlers={InputError: _input_error, TooLarge: _too_large, HTTPException: _http_problem,
                            Exception: _internal},
    )
    app.state.workspace = workspace
    app.state.sessions = security.Sessions(password)
    app.state.limits = limits
    return app


def _refuse_open_address(host: str, password_file: Path | None) -> None:
    if password_file is None and not security.is_local(host):
        raise InputError(Problem("--host", "", f"{host} 에서는 다른 컴퓨터도 접속할 수 있어 비밀번호가 필요합니다",
                                 f"on {host} other computers can connect, so a password is needed",
                                 "--password-file 로 비밀번호 파일을 주거나 --host 를 빼세요 (127.0.0.1)",
                                 "give --password-file, or leave --host out (127.0.0.1)"))


def _warm(space: Workspace) -> None:
    """Read the master once at start (a 1,000-card master takes seconds): the first page is quick."""
    try:
        space.book()
    except InputError:
        pass  # the pages say what is wrong when they are opened


def serve(workspace: Path | None = None, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          open_browser: bool = True, password_file: Path | None = None) -> None:
    """Run the web application until Ctrl-C. Another address than this computer's needs
    ``password_file``; InputError when it is missing or unreadable (nothing started)."""
    import uvicorn

    from reportgen.web.workspace import default_workspace

    _refuse_open_address(host, password_file)
    password = security.read_password(password_file) if password_file else None
    space = Workspace.open(workspace or default_workspace())
    app = create_app(space, password)
    threading.Thread(target=_warm, args=(space,), daemon=True).start()
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{port}/"
    print(f"reportgen web: {url}  (작업 폴더 / workspace: {space.root}; 끝내려면 Ctrl-C / Ctrl-C to stop)",
          flush=True)
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)

