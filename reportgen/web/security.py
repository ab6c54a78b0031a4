"""Sessions, the password, the origin check and the CSRF token of the web application.

* A session is a random id in a cookie (HttpOnly, SameSite=Strict, Path=/) naming server-side
  state: its CSRF token and whether it logged in. Nothing secret is in the cookie itself.
* On an address other than 127.0.0.1/localhost the server needs a password (``--password-file``);
  every page and API path but the login asks for it.
* Every state-changing request (POST) must come from this server's own origin (``Origin``, else
  ``Referer``, when the browser sends one) and carry the session's CSRF token (form field
  ``csrf`` or header ``X-CSRF-Token``).
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from reportgen.errors import InputError, Problem

COOKIE = "reportgen_session"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
#: sessions kept at most (the oldest are dropped)
MAX_SESSIONS = 1000
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass
class Session:
    """One browser's state on the server."""

    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    authenticated: bool = False
    flash: str = ""  # a message the next page shows once


class Sessions:
    """Sessions by cookie value; the password (None: none needed)."""

    def __init__(self, password: str | None = None):
        self.password = password
        self._items: dict[str, Session] = {}
        self._lock = threading.Lock()

    def get(self, request: Request) -> tuple[str, Session]:
        """The request's session (a new one when its cookie names none)."""
        key = request.cookies.get(COOKIE, "")
        with self._lock:
            session = self._items.get(key)
            if session is None:
                key, session = secrets.token_urlsafe(32), Session(authenticated=self.password is None)
                self._items[key] = session
                while len(self._items) > MAX_SESSIONS:
                    self._items.pop(next(iter(self._items)))
            return key, session

    def login(self, key: str, given: str) -> str | None:
        """Check the password; a right one gives the session a new id (returned), a wrong one None."""
        if self.password is None or not hmac.compare_digest(given.encode(), self.password.encode()):
            return None
        with self._lock:
            self._items.pop(key, None)
            fresh = secrets.token_urlsafe(32)
            self._items[fresh] = Session(authenticated=True)
            return fresh


def set_cookie(response: Response, key: str, secure: bool) -> None:
    """The session cookie: HttpOnly, SameSite=Strict, the whole site, no expiry (the browser session)."""
    response.set_cookie(COOKIE, key, httponly=True, samesite="strict", path="/", secure=secure)


def is_local(host: str) -> bool:
    """Whether ``host`` is this computer only (loopback): no password is needed there."""
    if host in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def read_password(path: Path) -> str:
    """The password: the first line of the file; a missing, unreadable or empty file is an InputError."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(Problem(str(path), "", f"비밀번호 파일을 읽을 수 없습니다 ({type(exc).__name__})",
                                 "the password file cannot be read",
                                 "비밀번호 한 줄을 적은 UTF-8 텍스트 파일을 주세요",
                                 "give a UTF-8 text file holding the password on one line")) from None
    lines = text.splitlines()
    password = lines[0].strip() if lines else ""
    if len(password) < 8:
        raise InputError(Problem(str(path), "line 1", "비밀번호가 비었거나 8자보다 짧습니다",
                                 "the password is empty or shorter than 8 characters",
                                 "첫 줄에 8자 이상의 비밀번호를 적으세요",
                                 "write a password of 8 characters or more on the first line"))
    return password


def same_origin(request: Request) -> bool:
    """The request comes from a page of this server: its ``Origin`` (else ``Referer``) names this
    host; a client that sends neither (not a browser) is judged by the CSRF token alone."""
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if not claimed:
        return True
    if claimed == "null":
        return False
    parts = urlsplit(claimed)
    host = request.headers.get("host", "")
    return parts.scheme in ("http", "https") and parts.netloc == host


def token_matches(session: Session, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), session.csrf.encode())
