"""reportgen web in a real browser: Debian's chromium driven by Playwright (sync API).

The server runs in a thread on a free port over a tmp workspace. Screenshots of every page go to
/tmp/reportgen-web-shots/. Skipped, saying why, when /usr/bin/chromium or playwright is missing.
"""

from __future__ import annotations

import copy
import io
import socket
import threading
import time
import zipfile
from collections.abc import Iterator
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian chromium is missing (/usr/bin/chromium): apt-get install chromium "
                "(scripts/system-deps.sh does it)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'")
uvicorn = pytest.importorskip("uvicorn")

from reportgen import model  # noqa: E402
from reportgen.formats import WRITERS  # noqa: E402
from reportgen.readers.workbook import read_workbook  # noqa: E402
from reportgen.web import create_app  # noqa: E402
from reportgen.web.workspace import Workspace  # noqa: E402
from reportgen.writers.workbook import write_workbook  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "input" / "master.xlsx"
SHOTS = Path("/tmp/reportgen-web-shots")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Workspace]]:
    root = tmp_path_factory.mktemp("web") / "ws"
    (root / "history").mkdir(parents=True)
    (root / "master.xlsx").write_bytes(SAMPLE.read_bytes())
    (root / "history" / "2024-03.xlsx").write_bytes((REPO / "input" / "history" / "2024-03.xlsx").read_bytes())
    yield from _serve(Workspace.open(root))


@pytest.fixture(scope="module")
def long_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Workspace]]:
    """A master of 250 cards (1-1 … 1-250, copies of the sample card)."""
    root = tmp_path_factory.mktemp("long") / "ws"
    root.mkdir()
    sample = read_workbook(SAMPLE)
    cards = []
    for number in range(1, 251):
        card = copy.deepcopy(sample.cards[0])
        card.id, card.title = f"1-{number}", f"시범사업 {number}호"
        cards.append(card)
    (root / "master.xlsx").write_bytes(write_workbook(model.Workbook(sample.settings, cards)))
    yield from _serve(Workspace.open(root))


def finance_master() -> model.Workbook:
    """Three copies of the sample card (its 2024 목표 is 60%) with 재정계획 rows, figures by hand below."""
    sample = read_workbook(SAMPLE)
    cards = []
    for card_id, area, status, progress, completion in (
            ("1-1", "1. 안전한 도시", "완료", 100, "임기내"), ("1-2", "1. 안전한 도시", "추진 중", 60, "임기내"),
            ("2-1", "2. 경제도시", "추진 중", 40, "임기후")):
        card = copy.deepcopy(sample.cards[0])
        card.id, card.area, card.header.status, card.header.progress = card_id, area, status, progress
        card.header.completion, card.header.budget = completion, ""
        cards.append(card)
    finance = [model.FinanceRow("1-1", None, "국비", D(1000), D(800), D(600)),
               model.FinanceRow("1-2", 2023, "시·군·구비", D(500), D(500), D(100)),
               model.FinanceRow("1-2", 2024, "시·군·구비", D(700), None, None),
               model.FinanceRow("2-1", None, "국비", D(2000), D(1000), None)]
    return model.Workbook(sample.settings, cards, finance=finance)


@pytest.fixture(scope="module")
def finance_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Workspace]]:
    root = tmp_path_factory.mktemp("finance") / "ws"
    root.mkdir()
    (root / "master.xlsx").write_bytes(write_workbook(finance_master()))
    yield from _serve(Workspace.open(root))


def _serve(space: Workspace) -> Iterator[tuple[str, Workspace]]:
    port = _free_port()
    config = uvicorn.Config(create_app(space), host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    for _ in range(100):
        if running.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", space
    running.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture()
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(locale="ko-KR", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    opened = context.new_page()
    yield opened
    context.close()


def _shot(page: object, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _broken_workbook(folder: Path) -> Path:
    book = openpyxl.load_workbook(SAMPLE)
    book["공약목록"]["H2"] = "육십"
    path = folder / "4분기_마스터.xlsx"
    book.save(path)
    return path


def test_every_page_opens_and_is_screenshot(server: tuple[str, Workspace], page: object) -> None:
    base, _space = server
    for path, name, heading in (("/", "status", "현황"), ("/cards", "cards", "카드"), ("/cards/3-1", "card", "3-1"),
                                ("/check", "check", "검사"), ("/collect", "collect", "취합"), ("/make", "make", "만들기")):
        page.goto(base + path)
        assert page.locator("h1").first.inner_text().startswith(heading)
        assert page.locator("html").get_attribute("lang") == "ko"
        _shot(page, name)
    page.goto(base + "/cards/3-1")
    frame = page.frame_locator("iframe.card")
    assert "낙동강 테크노밸리" in frame.locator("body").inner_text()


def test_keyboard_reaches_the_menu_from_the_skip_link(server: tuple[str, Workspace], page: object) -> None:
    base, _space = server
    page.goto(base + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "본문 바로가기"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "현황"


def test_broken_workbook_shows_the_cell(server: tuple[str, Workspace], page: object, tmp_path: Path) -> None:
    base, space = server
    before = space.master.read_bytes()
    page.goto(base + "/check")
    page.set_input_files("#file", str(_broken_workbook(tmp_path)))
    page.get_by_role("button", name="검사하기").click()
    page.wait_for_selector(".problems")
    assert "공약목록!H2" in page.locator(".problems").inner_text()
    assert page.locator(".problems h3").first.inner_text() == "공약목록"
    _shot(page, "check-problems")
    assert space.master.read_bytes() == before


def test_collect_an_updated_hwpx_card_and_accept(server: tuple[str, Workspace], page: object, tmp_path: Path) -> None:
    base, space = server
    card = copy.deepcopy(read_workbook(space.master).cards[0])
    card.header.progress = 85
    upload = tmp_path / "전략사업과_3-1.hwpx"
    upload.write_bytes(WRITERS["hwpx"].render(card))
    page.goto(base + "/collect")
    page.set_input_files("#files", str(upload))
    page.get_by_role("button", name="올리고 비교하기").click()
    page.wait_for_selector("table.changes")
    changes = page.locator("table.changes").inner_text()
    assert "추진율" in changes and "60%" in changes and "85%" in changes
    _shot(page, "collection")
    page.get_by_role("button", name="고른 카드 반영").click()
    page.wait_for_url(base + "/cards")
    assert page.locator("table.cards tbody tr td.num").first.inner_text() == "85%"
    assert "반영했습니다: 3-1" in page.locator(".flash").inner_text()
    _shot(page, "cards-after-accept")
    page.goto(base + "/collect")
    page.get_by_role("button", name="되돌리기").click()
    page.wait_for_url(base + "/cards")
    assert page.locator("table.cards tbody tr td.num").first.inner_text() == "60%"


def test_download_the_package(server: tuple[str, Workspace], page: object) -> None:
    base, _space = server
    page.goto(base + "/make")
    page.get_by_role("button", name="제출 묶음 만들기").click()
    page.wait_for_selector("#job-download", timeout=120_000)
    _shot(page, "job-done")
    with page.expect_download() as waiting:
        page.click("#job-download")
    data = Path(waiting.value.path()).read_bytes()
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "manifest.json" in names and waiting.value.suggested_filename == "의회제출.zip"


def test_a_long_list_pages_by_keyboard_and_alike_problems_fold(long_server: tuple[str, Workspace], page: object,
                                                               tmp_path: Path) -> None:
    base, _space = long_server
    page.goto(base + "/cards")
    assert page.locator("table.cards tbody tr").count() == 100
    assert "250장 중 250장 · 1–100번째 (1/3쪽)" in page.locator("p[role=status]").inner_text()
    nav = page.get_by_role("navigation", name="카드 목록 쪽 (위)")
    nav.get_by_role("link", name="다음").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/cards?page=2")
    assert page.locator("table.cards tbody tr td").first.inner_text() == "1-101"
    assert nav.get_by_role("link", name="2쪽 (지금 쪽)").get_attribute("aria-current") == "page"
    _shot(page, "cards-long-page-2")
    page.set_viewport_size({"width": 390, "height": 844})
    _shot(page, "cards-long-phone")
    region = page.get_by_role("region", name="카드 목록 표")
    assert region.evaluate("e => e.scrollWidth > e.clientWidth")  # a phone scrolls the table sideways
    book = openpyxl.load_workbook(SAMPLE)
    sheet = book["공약목록"]
    for row in range(3, 26):  # 23 more cards, each with a wrong 추진율
        for column in range(1, sheet.max_column + 1):
            sheet.cell(row, column, sheet.cell(2, column).value)
        sheet.cell(row, 1, f"3-{row}")
        sheet.cell(row, 8, "육십")
    upload = tmp_path / "많은_문제.xlsx"
    book.save(upload)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(base + "/check")
    page.set_input_files("#file", str(upload))
    page.get_by_role("button", name="검사하기").click()
    page.wait_for_selector(".problems")
    assert page.locator(".problems tbody tr").count() == 1
    assert not page.get_by_text("공약목록!H25").is_visible()
    page.locator(".problems summary").focus()
    page.keyboard.press("Enter")  # 나머지 13곳 보기 opens by keyboard
    assert page.get_by_text("공약목록!H25").is_visible()
    _shot(page, "check-many-problems")


def _cells(row: object) -> list[str]:
    return [cell.inner_text().strip() for cell in row.locator("th, td").all()]


def _table(page: object, caption: str) -> object:
    return page.locator("table", has=page.locator(f"caption:text-is('{caption}')"))


def test_status_page_shows_the_finance_plan_and_the_rates_with_their_formulas(
        finance_server: tuple[str, Workspace], page: object) -> None:
    base, _space = finance_server
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(base + "/")
    rates = _table(page, "주요 지표")
    assert [_cells(row) for row in rates.locator("tr").all()] == [
        ["지표", "값(%)", "산출"],
        ["완료율", "33.3", "1 ÷ 3 × 100"],  # 1-1 완료 of 3 cards: 33.33… → 33.3
        ["평균 추진율", "66.7", "200 ÷ 3"],  # (100 + 60 + 40) ÷ 3 = 66.66… → 66.7
        ["이행률(임기내)", "50.0", "1 ÷ 2 × 100"],  # 임기내: 1-1 (완료) and 1-2 → 1 ÷ 2
        ["목표달성률", "66.7", "2 ÷ 3 × 100"],  # 2024 목표 60: 100 and 60 달성, 40 미달 → 2 ÷ 3
    ]
    assert rates.locator("thead th[scope=col]").count() == 3 and rates.locator("tbody th[scope=row]").count() == 4
    formulas = page.locator("#" + rates.get_attribute("aria-describedby")).inner_text()
    assert "※ 완료율 = 완료 카드 수 ÷ 전체 카드 수 × 100 (완료: 완료, 이행후 계속추진)" in formulas
    assert "※ 평균 추진율 = 추진율 합 ÷ 추진율이 입력된 카드 수" in formulas
    area = _table(page, "분야별")
    assert _cells(area.locator("thead tr"))[-2:] == ["완료율(%)", "평균 추진율(%)"]  # 설정's order
    assert _cells(area.locator("tfoot tr"))[-2:] == ["33.3", "66.7"]
    assert "※ 완료율 = " in page.locator("#" + area.get_attribute("aria-describedby")).inner_text()
    by_source = _table(page, "공약가계부(재원별)")
    assert [_cells(row) for row in by_source.locator("tr").all()] == [
        ["재원", "계획(백만원)", "확보(백만원)", "집행(백만원)", "확보율(%)", "집행률(%)"],
        # 국비: 1,000 + 2,000 = 3,000 planned; 800 + 1,000 = 1,800 secured; 600 spent (2-1 has none)
        # → 1,800 ÷ 3,000 = 60.0%, 600 ÷ 1,800 = 33.33… → 33.3%
        ["국비", "3,000", "1,800", "600", "60.0", "33.3"],
        # 시·군·구비 (1-2's years): 500 + 700 = 1,200; 500; 100 → 500 ÷ 1,200 = 41.66… → 41.7%, 100 ÷ 500 = 20.0%
        ["시·군·구비", "1,200", "500", "100", "41.7", "20.0"],
        # 합계: 4,200; 2,300; 700 → 2,300 ÷ 4,200 = 54.76… → 54.8%, 700 ÷ 2,300 = 30.43… → 30.4%
        ["합계", "4,200", "2,300", "700", "54.8", "30.4"],
    ]
    assert by_source.locator("thead th[scope=col]").count() == 6
    by_area = _table(page, "공약가계부(분야별)")
    assert by_area.locator("th[scope=rowgroup]").all_inner_texts() == ["1. 안전한 도시", "2. 경제도시"]
    # 1. 안전한 도시: 국비 1,000 / 800 / 600 and 시·군·구비 1,200 / 500 / 100 → 소계 2,200 / 1,300 / 700
    assert _cells(by_area.locator("tr", has=page.locator("th:text-is('소계')")).first)[1:4] == [
        "2,200", "1,300", "700"]
    notes = page.locator("#" + by_area.get_attribute("aria-describedby")).inner_text()
    assert "※ 확보율 = 확보 ÷ 계획 × 100, 집행률 = 집행 ÷ 확보 × 100" in notes
    _shot(page, "status-finance")
    page.set_viewport_size({"width": 390, "height": 844})
    region = page.get_by_role("region", name="공약가계부(분야별) 표")
    assert region.get_attribute("tabindex") == "0"
    assert region.evaluate("e => e.scrollWidth > e.clientWidth")  # a phone scrolls the table sideways
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # the page itself does not
    _shot(page, "status-finance-phone")
    assert errors == []
