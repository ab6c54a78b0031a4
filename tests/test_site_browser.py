"""The public site (reportgen site) in a real browser: Debian's chromium through Playwright, pages
opened from file://. No console errors, every table has header cells, every chart has a text
alternative, Tab reaches the skip link then the links, --hide-contacts leaves no phone number on any
page. Screenshots at 1280 and 390 px wide go to /tmp/reportgen-site-shots/. Skipped, saying why,
when /usr/bin/chromium or playwright is missing."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian chromium is missing (/usr/bin/chromium): apt-get install chromium "
                "(scripts/system-deps.sh does it)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'")

from typer.testing import CliRunner  # noqa: E402

from reportgen.cli import app  # noqa: E402
from reportgen.readers.workbook import read_workbook  # noqa: E402
from reportgen.writers.workbook import write_workbook  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "input" / "master.xlsx"
SHOTS = Path("/tmp/reportgen-site-shots")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
#: a phone number as the cards print them: ☎5024, 888-4932, 051-220-1234
PHONE = re.compile(r"☎|\d{3,4}-\d{4}")
#: (id, 분야, 추진상황, 추진율) of the cards added to the sample's 3-1
MORE = [("1-1", "1. 안전한 도시", "완료", 100), ("1-2", "1. 안전한 도시", "정상추진", 45),
        ("3-2", "3. 일자리가 넘치는 경제도시", "보류", None)]


def _workbook(folder: Path) -> Path:
    """The sample workbook (card 3-1 with its contacts) and three copies under other ids and 분야."""
    book = read_workbook(SAMPLE)
    for card_id, area, status, progress in MORE:
        card = copy.deepcopy(book.cards[0])
        card.id, card.area, card.title = card_id, area, f"{card.title} ({card_id})"
        card.header.status, card.header.progress = status, progress
        book.cards.append(card)
    path = folder / "master.xlsx"
    path.write_bytes(write_workbook(book))
    return path


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The site as is and with --hide-contacts."""
    root = tmp_path_factory.mktemp("site")
    workbook = _workbook(root)
    folders = root / "shown", root / "hidden"
    for folder, options in zip(folders, ([], ["--hide-contacts"]), strict=True):
        result = CliRunner().invoke(app, ["site", str(workbook), "-o", str(folder), *options])
        assert result.exit_code == 0, result.output
    return folders


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.errors = []
    opened.on("console", lambda message: opened.errors.append(message.text) if message.type == "error" else None)
    opened.on("pageerror", lambda error: opened.errors.append(str(error)))
    opened.on("request", lambda request: opened.errors.append(f"request {request.url}")
              if not request.url.startswith(("file:", "data:")) else None)
    yield opened
    context.close()


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_every_page_opens_cleanly(sites: tuple[Path, Path], page: object) -> None:
    """No console error, no request beyond the folder, every table has header cells, every image and
    chart a text alternative."""
    for path in _pages(sites[0]):
        page.goto(path.as_uri())
        assert page.evaluate("document.documentElement.lang") == "ko", path
        without = page.evaluate("[...document.querySelectorAll('table')].filter(t => !t.querySelector('th')).length")
        assert without == 0, path
        assert page.evaluate("[...document.images].filter(i => !i.alt.trim()).length") == 0, path
        assert page.evaluate("[...document.querySelectorAll('svg')].filter(s => !s.getAttribute('aria-label') "
                             "&& !s.querySelector('title')).length") == 0, path
    assert page.errors == []


def test_links_lead_to_pages_that_exist(sites: tuple[Path, Path], page: object) -> None:
    page.goto((sites[0] / "index.html").as_uri())
    hrefs = page.evaluate("[...document.querySelectorAll('main a, nav a')].map(a => a.href)")
    assert len([h for h in hrefs if "/cards/" in h]) == 4  # the four pledges
    for href in dict.fromkeys(h.split("#")[0] for h in hrefs):
        response = page.goto(href)
        assert response is not None and response.ok, href
    assert page.errors == []


def test_keyboard(sites: tuple[Path, Path], page: object) -> None:
    """The first Tab shows the skip link; Enter moves to the main part; Tab goes on to links, each
    with a visible focus outline."""
    page.goto((sites[0] / "index.html").as_uri())
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.evaluate("document.activeElement.getBoundingClientRect().top") >= 0  # shown on focus
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        active = page.evaluate("[document.activeElement.tagName, document.activeElement.getAttribute('href') || '',"
                               " getComputedStyle(document.activeElement).outlineStyle]")
        reached.append(active)
    links = [href for tag, href, _ in reached if tag == "A"]
    assert any(href.startswith("cards/") for href in links)
    # BODY: past the last link, focus leaves the page for the browser's own controls
    assert all(outline != "none" for tag, _, outline in reached if tag != "BODY"), reached


def test_hide_contacts_leaves_no_phone_number(sites: tuple[Path, Path], page: object) -> None:
    shown, hidden = sites
    page.goto((shown / "cards" / "3-1.html").as_uri())
    assert PHONE.search(page.inner_text("body"))  # the sample card has them: the check can fail
    for path in _pages(hidden):
        page.goto(path.as_uri())
        assert not PHONE.search(page.inner_text("body")), path
        assert not PHONE.search(path.read_text(encoding="utf-8")), path


@pytest.mark.parametrize("width", [1280, 390])
def test_screenshots(sites: tuple[Path, Path], browser: object, width: int) -> None:
    """Index, a 분야 page and a card page at desktop and phone width (looked at by hand); nothing
    wider than the screen but the scrollable tables."""
    SHOTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 900})
    opened = context.new_page()
    for name in ("index.html", "area-1.html", "cards/3-1.html"):
        opened.goto((sites[1] / name).as_uri())
        opened.screenshot(path=str(SHOTS / f"{name.replace('/', '-')}-{width}.png"), full_page=True)
        assert opened.evaluate("document.documentElement.scrollWidth") <= width, name
    context.close()
