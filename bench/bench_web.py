"""reportgen web against a 1,000-card master: the pages and the API, in-process and through uvicorn.

Usage: python bench/bench_web.py [--cards 1000] [--rounds 7] [--departments 32]

A temp workspace gets a master of N varied cards (bench/make_corpus.py) spread over many 분야 and
부서, a valid workbook and a broken one (every 추진율 out of range: one problem per card) to upload,
and 10 updated cards (.hwpx) to collect. A second workspace holds the same master with 3 재정계획
rows per card, for the 현황 page with its 공약가계부. Each request is timed in rounds, the requests interleaved
within a round: in-process through Starlette's TestClient (the server's time) and through a real
uvicorn server on a free port (the time a browser on this computer waits). Prints one Markdown
table: median with min–max in ms, and the goal of issue 11.
"""

from __future__ import annotations

import argparse
import copy
import socket
import statistics
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_corpus import make_corpus  # noqa: E402

from reportgen import model  # noqa: E402
from reportgen.formats import WRITERS  # noqa: E402
from reportgen.web import create_app  # noqa: E402
from reportgen.web.workspace import Workspace  # noqa: E402
from reportgen.writers.workbook import write_workbook  # noqa: E402

with warnings.catch_warnings():  # Starlette prefers httpx2; httpx is what this project pins
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

#: 부서 names for a master spread like a real office's (20–40 departments)
OFFICES = ["기획예산과", "총무과", "재무과", "세무1과", "세무2과", "민원여권과", "토지정보과", "복지정책과",
           "노인장애인과", "아동청소년과", "여성가족과", "일자리경제과", "지역활성화과", "문화관광과",
           "체육진흥과", "교육협력과", "환경위생과", "청소행정과", "공원녹지과", "건축과", "도시재생과",
           "교통행정과", "건설과", "안전총괄과", "보건행정과", "건강증진과", "홍보감사실", "스마트정보과",
           "주택과", "자치행정과", "평생학습과", "산림녹지과", "하천관리과", "위생과", "가정복지과",
           "기업지원과", "해양수산과", "보육정책과", "정책기획단", "의회사무국"]
AREAS = ["안전한 복지도시", "살기 좋은 환경도시", "일자리가 넘치는 경제도시", "문화가 흐르는 교육도시",
         "소통하는 열린 행정", "걷고 싶은 녹색도시", "함께 크는 아이도시", "건강한 생활도시"]
GOAL_PAGE, GOAL_CHECK = 200.0, 3000.0
Request = Callable[[httpx.Client], httpx.Response]
#: the workspaces a request may go to: the master, and the master with 재정계획 rows
MASTER, FINANCE = "master", "재정계획"


def spread(book: model.Workbook, departments: int) -> model.Workbook:
    """The cards spread over ``departments`` 부서 and 8 분야 (make_corpus has 4 of each)."""
    for index, card in enumerate(book.cards):
        card.area = f"{index % len(AREAS) + 1}. {AREAS[index % len(AREAS)]}"
        card.header.department.department = OFFICES[index % min(departments, len(OFFICES))]
    return book


def broken(book: model.Workbook) -> model.Workbook:
    """A copy whose every 추진율 is out of range: `check` names one cell per card."""
    bad = copy.deepcopy(book)
    for card in bad.cards:
        card.header.progress = 250
    return bad


def with_finance(book: model.Workbook) -> model.Workbook:
    """A copy with 3 재정계획 rows per card: the term's 국비, 시·도비 of 2023, 시·군·구비 of 2024."""
    rich = copy.deepcopy(book)
    for index, card in enumerate(rich.cards):
        amount = Decimal(100 + index % 900)
        rich.finance += [model.FinanceRow(card.id, None, "국비", amount * 10, amount * 4, amount),
                         model.FinanceRow(card.id, 2023, "시·도비", amount, amount, amount / 2),
                         model.FinanceRow(card.id, 2024, "시·군·구비", Decimal("12.5"), None, None)]
    return rich


def collected_cards(book: model.Workbook, count: int, progress: int) -> list[tuple[str, bytes]]:
    """``count`` cards of the master with a new 추진율, as department .hwpx files."""
    files = []
    for card in book.cards[:count]:
        changed = copy.deepcopy(card)
        changed.header.progress = progress
        files.append((f"{card.id}.hwpx", bytes(WRITERS["hwpx"].render(changed))))
    return files


@dataclass
class Setup:
    """What the requests use: the workbooks to upload, the cards to collect, a card to open."""

    valid: bytes
    broken: bytes
    finance: bytes  # the valid master with 3 재정계획 rows per card
    collect: list[tuple[str, bytes]]
    card_id: str
    department: str


def make_setup(book: model.Workbook) -> Setup:
    return Setup(bytes(write_workbook(book)), bytes(write_workbook(broken(book))),
                 bytes(write_workbook(with_finance(book))), collected_cards(book, 10, 35), book.cards[len(book.cards) // 2].id,
                 book.cards[3].header.department.department)


def workspace(folder: Path, master: bytes) -> Workspace:
    root = folder / "ws"
    root.mkdir(parents=True)
    (root / "master.xlsx").write_bytes(master)
    return Workspace.open(root)


@dataclass(frozen=True)
class Timed:
    """A row of the table: what, the goal in ms, the request, and the workspace it goes to."""

    name: str
    goal: float | None
    send: Request
    space: str = MASTER


def requests(s: Setup, cards: int) -> list[Timed]:
    """The requests in the order of the table."""

    def upload(data: bytes, expect: int) -> Request:
        def send(client: httpx.Client) -> httpx.Response:
            return _expect(client.post("/check", files={"file": ("마스터.xlsx", data)}), expect)
        return send

    def collect(client: httpx.Client) -> httpx.Response:
        return _expect(client.post("/api/collect", files=[("files", item) for item in s.collect]), 200)

    def get(path: str) -> Request:
        return lambda client: _expect(client.get(path), 200)

    def status_with_finance(client: httpx.Client) -> httpx.Response:
        response = _expect(client.get("/"), 200)
        if "공약가계부(재원별)" not in response.text:
            raise SystemExit("GET / of the 재정계획 master shows no 공약가계부")
        return response

    return [
        Timed(f"GET /cards ({cards:,} cards, first page)", GOAL_PAGE, get("/cards")),
        Timed("GET /cards?q=…&department=…", GOAL_PAGE, get(f"/cards?q=1호&department={s.department}")),
        Timed("GET /api/cards", GOAL_PAGE, get("/api/cards")),
        Timed(f"GET /cards/{s.card_id} (card page)", GOAL_PAGE, get(f"/cards/{s.card_id}")),
        Timed(f"GET /api/cards/{s.card_id}.html", GOAL_PAGE, get(f"/api/cards/{s.card_id}.html")),
        Timed("GET / (현황)", GOAL_PAGE, get("/")),
        Timed(f"GET / (현황), {3 * cards:,} 재정계획 rows (3 per card)", GOAL_PAGE, status_with_finance, FINANCE),
        Timed(f"POST /check, valid {cards:,} cards", GOAL_CHECK, upload(s.valid, 200)),
        Timed(f"POST /check, broken ({cards:,} problems)", GOAL_CHECK, upload(s.broken, 422)),
        Timed("POST /api/collect, 10 .hwpx cards", None, collect),
    ]


def flows(s: Setup) -> list[Timed]:
    """What a user waits for across requests: an upload made the master, then the list."""

    def install(client: httpx.Client) -> httpx.Response:
        _expect(client.post("/api/workbook", files={"file": ("마스터.xlsx", s.valid)}), 200)
        return _expect(client.get("/cards"), 200)

    def accept(client: httpx.Client) -> httpx.Response:
        key = _expect(client.post("/api/collect", files=[("files", item) for item in s.collect]), 200)
        ids = [item["id"] for item in key.json()["results"]]
        _expect(client.post(f"/api/collect/{key.json()['collection']}/accept", json={"ids": ids}), 200)
        return _expect(client.get("/cards"), 200)

    return [Timed("POST /api/workbook, then GET /cards", None, install),
            Timed("collect 10 + accept, then GET /cards", None, accept)]


def _expect(response: httpx.Response, status: int) -> httpx.Response:
    if response.status_code != status:
        raise SystemExit(f"{response.request.method} {response.request.url}: {response.status_code}, "
                         f"expected {status}\n{response.text[:600]}")
    return response


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def in_process(space: Workspace) -> Iterator[httpx.Client]:
    with TestClient(create_app(space), base_url="http://127.0.0.1") as client:
        yield client


@contextmanager
def through_uvicorn(space: Workspace) -> Iterator[httpx.Client]:
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(space), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=300) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(10)


def time_rounds(clients: dict[str, httpx.Client], todo: list[Timed], rounds: int) -> dict[str, list[float]]:
    """ms of each request, ``rounds`` times, interleaved (one of each per round) after one warm-up;
    each request goes to the client of its workspace."""
    for client in clients.values():
        client.headers["x-csrf-token"] = _expect(client.get("/api/csrf"), 200).json()["csrf"]
        client.headers["origin"] = str(client.base_url).rstrip("/")
    for item in todo:
        item.send(clients[item.space])
    times: dict[str, list[float]] = {item.name: [] for item in todo}
    for _ in range(rounds):
        for item in todo:
            start = time.perf_counter()
            item.send(clients[item.space])
            times[item.name].append((time.perf_counter() - start) * 1000)
    return times


def cell(values: list[float]) -> str:
    return f"{statistics.median(values):,.0f} ({min(values):,.0f}–{max(values):,.0f})"


def table(todo: list[Timed], runs: dict[str, dict[str, list[float]]]) -> str:
    lines = ["| request | in-process ms | uvicorn ms | goal |", "|---|---:|---:|---:|"]
    for item in todo:
        shown = "—" if item.goal is None else f"≤ {item.goal:,.0f} ms"
        lines.append(f"| {item.name} | {cell(runs['in-process'][item.name])} | {cell(runs['uvicorn'][item.name])} "
                     f"| {shown} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--departments", type=int, default=32)
    args = parser.parse_args()
    book = spread(make_corpus(args.cards), args.departments)
    setup = make_setup(book)
    todo = requests(setup, args.cards) + flows(setup)
    runs = {}
    with tempfile.TemporaryDirectory(prefix="reportgen-bench-web-") as folder:
        for name, serve in (("in-process", in_process), ("uvicorn", through_uvicorn)):
            masters = {MASTER: setup.valid, FINANCE: setup.finance}
            with ExitStack() as stack:
                clients = {space: stack.enter_context(serve(workspace(Path(folder) / name / space, data)))
                           for space, data in masters.items()}
                runs[name] = time_rounds(clients, todo, args.rounds)
    print(f"{args.cards} cards, {args.departments} 부서, {len(AREAS)} 분야; median (min–max) of "
          f"{args.rounds} rounds, ms\n")
    print(table(todo, runs))


if __name__ == "__main__":
    main()
