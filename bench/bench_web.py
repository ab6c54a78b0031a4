"""reportgen web against a 1,000-card master: the pages and the API, in-process and through uvicorn.

Usage: python bench/bench_web.py [--cards 1000] [--rounds 7] [--departments 32]

A temp workspace gets a master of N varied cards (bench/make_corpus.py) spread over many 분야 and
부서, a valid workbook and a broken one (every 추진율 out of range: one problem per card) to upload,
and 10 updated cards (.hwpx) to collect. Each request is timed in rounds, the requests interleaved
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
from contextlib import contextmanager
from dataclasses import dataclass
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
    collect: list[tuple[str, bytes]]
    card_id: str
    department: str


def make_setup(book: model.Workbook) -> Setup:
    return Setup(bytes(write_workbook(book)), bytes(write_workbook(broken(book))),
                 collected_cards(book, 10, 35), book.cards[len(book.cards) // 2].id,
                 book.cards[3].header.department.department)


def workspace(folder: Path, master: bytes) -> Workspace:
    root = folder / "ws"
    root.mkdir(parents=True)
    (root / "master.xlsx").write_bytes(master)
    return Workspace.open(root)


def requests(s: Setup, cards: int) -> list[tuple[str, float | None, Request]]:
    """(what, goal in ms, the request) in the order of the table."""

    def upload(data: bytes, expect: int) -> Request:
        def send(client: httpx.Client) -> httpx.Response:
            return _expect(client.post("/check", files={"file": ("마스터.xlsx", data)}), expect)
        return send

    def collect(client: httpx.Client) -> httpx.Response:
        return _expect(client.post("/api/collect", files=[("files", item) for item in s.collect]), 200)

    def get(path: str) -> Request:
        return lambda client: _expect(client.get(path), 200)

    return [
        (f"GET /cards ({cards:,} cards, first page)", GOAL_PAGE, get("/cards")),
        ("GET /cards?q=…&department=…", GOAL_PAGE, get(f"/cards?q=1호&department={s.department}")),
        ("GET /api/cards", GOAL_PAGE, get("/api/cards")),
        (f"GET /cards/{s.card_id} (card page)", GOAL_PAGE, get(f"/cards/{s.card_id}")),
        (f"GET /api/cards/{s.card_id}.html", GOAL_PAGE, get(f"/api/cards/{s.card_id}.html")),
        ("GET / (현황)", GOAL_PAGE, get("/")),
        (f"POST /check, valid {cards:,} cards", GOAL_CHECK, upload(s.valid, 200)),
        (f"POST /check, broken ({cards:,} problems)", GOAL_CHECK, upload(s.broken, 422)),
        ("POST /api/collect, 10 .hwpx cards", None, collect),
    ]


def flows(s: Setup) -> list[tuple[str, float | None, Request]]:
    """What a user waits for across requests: an upload made the master, then the list."""

    def install(client: httpx.Client) -> httpx.Response:
        _expect(client.post("/api/workbook", files={"file": ("마스터.xlsx", s.valid)}), 200)
        return _expect(client.get("/cards"), 200)

    def accept(client: httpx.Client) -> httpx.Response:
        key = _expect(client.post("/api/collect", files=[("files", item) for item in s.collect]), 200)
        ids = [item["id"] for item in key.json()["results"]]
        _expect(client.post(f"/api/collect/{key.json()['collection']}/accept", json={"ids": ids}), 200)
        return _expect(client.get("/cards"), 200)

    return [("POST /api/workbook, then GET /cards", None, install),
            ("collect 10 + accept, then GET /cards", None, accept)]


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


def time_rounds(client: httpx.Client, todo: list[tuple[str, float | None, Request]],
                rounds: int) -> dict[str, list[float]]:
    """ms of each request, ``rounds`` times, interleaved (one of each per round) after one warm-up."""
    client.headers["x-csrf-token"] = _expect(client.get("/api/csrf"), 200).json()["csrf"]
    client.headers["origin"] = str(client.base_url).rstrip("/")
    for _name, _goal, send in todo:
        send(client)
    times: dict[str, list[float]] = {name: [] for name, _goal, _send in todo}
    for _ in range(rounds):
        for name, _goal, send in todo:
            start = time.perf_counter()
            send(client)
            times[name].append((time.perf_counter() - start) * 1000)
    return times


def cell(values: list[float]) -> str:
    return f"{statistics.median(values):,.0f} ({min(values):,.0f}–{max(values):,.0f})"


def table(todo: list[tuple[str, float | None, Request]], runs: dict[str, dict[str, list[float]]]) -> str:
    lines = ["| request | in-process ms | uvicorn ms | goal |", "|---|---:|---:|---:|"]
    for name, goal, _send in todo:
        shown = "—" if goal is None else f"≤ {goal:,.0f} ms"
        lines.append(f"| {name} | {cell(runs['in-process'][name])} | {cell(runs['uvicorn'][name])} | {shown} |")
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
            space = workspace(Path(folder) / name, setup.valid)
            with serve(space) as client:
                runs[name] = time_rounds(client, todo, args.rounds)
    print(f"{args.cards} cards, {args.departments} 부서, {len(AREAS)} 분야; median (min–max) of "
          f"{args.rounds} rounds, ms\n")
    print(table(todo, runs))


if __name__ == "__main__":
    main()
