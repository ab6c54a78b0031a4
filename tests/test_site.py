"""reportgen site: the index lists every card with a working link, the 분야/추진상황 pages list exactly
the cards expected (worked out by hand from the three cards below), --hide-contacts leaves no name or
phone, every table has headers, nothing external, nothing written outside the folder."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pytest
from typer.testing import CliRunner

from reportgen.cli import app
from reportgen.model import AnnualPlan, Card, Contact, Header, Settings, Workbook
from reportgen.writers.workbook import write_workbook

runner = CliRunner()
AREA_A, AREA_B = "1. 안전한 도시", "2. 경제"
PHONE = re.compile(r"\d{3,4}-\d{4}|☎")
NAMES = ("홍길동", "김철수", "이영희")


def three_cards() -> Workbook:
    """1-1 A 완료; 1-2 A 추진중 (= 추진 중 without the space); 2-1 B 추진 중.

    분야 pages: area-1 (A) = 1-1, 1-2; area-2 (B) = 2-1.
    상태 pages, 설정 order 완료 … 추진 중: status-1 (완료) = 1-1; status-2 (추진 중) = 1-2, 2-1.
    목표 달성 for 2024: 1-1 100 ≥ 100 달성; 1-2 20 < 40 미달; 2-1 no plan → 목표 없음."""
    plan = AnnualPlan([2023, 2024], [50, 100])
    return Workbook(Settings(agency="가나구", term="8기", term_start=2023, term_end=2024, as_of="2024-12-31"), [
        Card("1-1", "CCTV 확대", AREA_A, Header(status="완료", progress=100, department=Contact(
            "안전총괄과", "홍길동", "051-220-1234"), cooperation=[Contact("교통과", "김철수", "888-5678", "市")]),
            annual_plan=plan),
        Card("1-2", "안심 골목길", AREA_A, Header(status="추진중", progress=20, department=Contact(
            "안전총괄과", "이영희", "5021")), annual_plan=AnnualPlan([2023, 2024], [10, 40])),
        Card("2-1", "청년 일자리 <센터>", AREA_B, Header(status="추진 중", progress=55,
                                                   department=Contact("일자리경제과"))),
    ])


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "master.xlsx"
    path.write_bytes(write_workbook(three_cards()))
    return path


def make_site(workbook: Path, folder: Path, *options: str) -> Path:
    result = runner.invoke(app, ["site", str(workbook), "-o", str(folder), *options])
    assert result.exit_code == 0, result.output
    return folder


def page(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_bytes())


def listed(path: Path) -> list[tuple[str, str]]:
    """(관리번호, link) of each row of a page's pledge tables."""
    rows = page(path).xpath("//table[contains(@class, 'list')]/tbody/tr")
    return [(row.xpath("string(th)"), row.xpath("string(td/a/@href)")) for row in rows]


def test_index_lists_every_card_with_a_working_link(workbook: Path, tmp_path: Path) -> None:
    site = make_site(workbook, tmp_path / "site")
    rows = listed(site / "index.html")
    assert [card_id for card_id, _ in rows] == ["1-1", "1-2", "2-1"]
    for card_id, href in rows:
        target = site / href
        assert target.is_file(), href
        assert page(target).xpath("string(//title)").startswith(card_id)
        assert page(target).xpath("//a[@href='../index.html']")  # the way back
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()) == [
        "area-1.html", "area-2.html", "cards/1-1.html", "cards/1-2.html", "cards/2-1.html",
        "index.html", "status-1.html", "status-2.html"]


def test_area_and_status_pages_list_exactly_their_cards(workbook: Path, tmp_path: Path) -> None:
    site = make_site(workbook, tmp_path / "site")
    expected = {"area-1.html": (AREA_A, ["1-1", "1-2"]), "area-2.html": (AREA_B, ["2-1"]),
                "status-1.html": ("완료", ["1-1"]), "status-2.html": ("추진 중", ["1-2", "2-1"])}
    for name, (label, ids) in expected.items():
        assert [card_id for card_id, _ in listed(site / name)] == ids, name
        assert label in page(site / name).xpath("string(//h1)")
        assert all((site / href).is_file() for _, href in listed(site / name))
    # the menu on the index links every one of these pages
    menu = page(site / "index.html").xpath("//nav[@class='menu']//a/@href")
    assert set(expected) <= set(menu)


def test_outcome_and_status_in_the_list(workbook: Path, tmp_path: Path) -> None:
    site = make_site(workbook, tmp_path / "site")
    rows = page(site / "index.html").xpath("//table[contains(@class, 'list')]/tbody/tr")
    assert [[cell.text_content() for cell in row][2:4] for row in rows] == [
        ["완료(100%)", "달성"], ["추진 중(20%)", "미달"], ["추진 중(55%)", "목표 없음"]]  # 추진중: the list's spelling


def test_hide_contacts(workbook: Path, tmp_path: Path) -> None:
    shown = make_site(workbook, tmp_path / "shown")
    assert any(PHONE.search(p.read_text(encoding="utf-8")) for p in shown.rglob("*.html"))  # the check can fail
    hidden = make_site(workbook, tmp_path / "hidden", "--hide-contacts")
    for path in hidden.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not PHONE.search(text), path
        assert not any(name in text for name in NAMES), path
    assert "안전총괄과" in (hidden / "cards" / "1-1.html").read_text(encoding="utf-8")  # departments stay


def test_every_page_is_accessible_and_self_contained(workbook: Path, tmp_path: Path) -> None:
    site = make_site(workbook, tmp_path / "site")
    for path in site.rglob("*.html"):
        tree = page(path)
        assert tree.get("lang") == "ko", path
        for table in tree.xpath("//table"):
            assert table.xpath(".//th"), path
            assert all(th.get("scope") for th in table.xpath(".//th")), path
        assert not tree.xpath("//script | //link | //iframe"), path
        sources = tree.xpath("//@src | //@href")
        assert not [s for s in sources if re.match(r"(?i)\s*(https?:|//)", s)], path
        assert all(img.get("alt") for img in tree.xpath("//img")), path
    index = page(site / "index.html")
    assert index.xpath("//a[@class='skip']/@href") == ["#main"] and index.xpath("//main[@id='main']")
    assert "<센터>" not in (site / "index.html").read_text(encoding="utf-8")  # escaped
    assert index.xpath("//caption[text()='분야별']")  # the 총괄표
    charts = index.xpath("//figure[contains(@class, 'chart')]")  # 분야별 추진상황, 분야별 완료율·평균 추진율
    assert len(charts) == 2
    for figure in charts:
        assert figure.xpath("string(figcaption)").startswith("분야별")
        assert figure.xpath("string(.//img/@src)").startswith("data:image/svg+xml")
        assert "1. 안전한 도시" in figure.xpath("string(.//img/@alt)")  # the figures in words


def test_nothing_written_over_the_input_or_outside(workbook: Path, tmp_path: Path) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    named_like_a_page = folder / "index.html"
    named_like_a_page.write_bytes(workbook.read_bytes())
    result = runner.invoke(app, ["site", str(named_like_a_page), "-o", str(folder)])
    assert result.exit_code == 2 and "아무 파일도 쓰지 않았습니다" in result.output
    assert named_like_a_page.read_bytes() == workbook.read_bytes()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    other = tmp_path / "site2"
    other.mkdir()
    (other / "cards").symlink_to(outside)
    result = runner.invoke(app, ["site", str(workbook), "-o", str(other)])
    assert result.exit_code == 2, result.output
    assert list(outside.iterdir()) == [] and not (other / "index.html").exists()


def test_page_names_are_safe_and_distinct() -> None:
    """A slash, dots or a device name never leave cards/; names equal but for case (a Windows server)
    or after cleaning get _2 in workbook order."""
    from reportgen.site import page_names

    cards = [Card(card_id, "") for card_id in ("3/1", "3_1", "A-1", "a-1", "../x", "CON")]
    assert page_names(cards) == ["3_1.html", "3_1_2.html", "A-1.html", "a-1_2.html", "_x.html", "_CON.html"]
