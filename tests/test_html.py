"""The document model and the HTML writer: one self-contained, accessible, printable page per card."""

from __future__ import annotations

import re
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import lxml.html
import pytest
from typer.testing import CliRunner

from reportgen import model as m
from reportgen.cli import app
from reportgen.document import (
    STYLE_FIGURES,
    Box,
    Cell,
    ContentsEntry,
    DatedLine,
    Document,
    Heading,
    Image,
    PageBreak,
    Paragraph,
    Row,
    Section,
    Table,
    TableOfContents,
    Title,
    cell,
)
from reportgen.documents import card_document
from reportgen.errors import CardError
from reportgen.formats import WRITERS, parse_formats
from reportgen.readers.text import read_text
from reportgen.resources import WriterOptions, template_path
from reportgen.writers.html import render_document, render_html
from reportgen.writers.text import render_document as render_text_document
from reportgen.writers.text import render_text

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
CARD_2403 = FIXTURES / "3-1_2024-03_from-docx.txt"
CARD_2412 = FIXTURES / "3-1_2024-12_from-hwp.txt"
CARDS = pytest.mark.parametrize("path", [CARD_2403, CARD_2412], ids=["2024-03", "2024-12"])
#: non-blank lines of the two reference cards (counted by hand with grep -c -v '^\s*$')
REFERENCE_LINES = {CARD_2403: 67, CARD_2412: 115}
#: non-blank lines the text writer prints for them
TEXT_LINES = {CARD_2403: 67, CARD_2412: 78}
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def page(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html)


def fold(text: str) -> str:
    """Compare text without whitespace (a cell's lines break where the text card has tabs)."""
    return re.sub(r"\s+", "", text)


def fold_reference(line: str) -> str:
    """As tests/test_text.py folds the reference cards: no ** bold, markdown bullets or ○."""
    line = line.replace("**", "")
    line = re.sub(r"^\s*-\s+(?=\S)", "", line)
    return fold(line.replace("○", ""))


def in_order(needles: list[str], haystack: str) -> list[str]:
    """The needles not found one after the other in ``haystack``."""
    missing, at = [], 0
    for needle in needles:
        found = haystack.find(needle, at)
        if found < 0:
            missing.append(needle)
        else:
            at = found + len(needle)
    return missing


def rough_card() -> m.Card:
    """A card whose texts hold markup, entities and quotes."""
    card = read_text(CARD_2403)
    card.title = 'A <b>&amp; "B"</b> \'C\' <script>alert("x")</script>'
    card.header.executor = "시 & 구 <i>"
    card.bullets[m.GOAL][0].text = "</p><script>steal()</script> 1 < 2 && 3 > 2"
    card.achievements[0].groups[0].items[0].text = "<img src=x onerror=alert(1)>"
    return card


# ── the page ──────────────────────────────────────────────────────────────
@CARDS
def test_page_parses_korean_with_charset_and_title(path: Path) -> None:
    html = render_html(read_text(path))
    assert html.startswith("<!doctype html>\n")
    root = page(html)
    assert root.tag == "html" and root.get("lang") == "ko"
    assert root.xpath("//head/meta/@charset") == ["utf-8"]
    assert root.findtext(".//head/title").strip()
    assert len(root.xpath("//head/style")) == 1


def test_card_title_and_page_title() -> None:
    root = page(render_html(read_text(CARD_2403)))
    assert root.findtext(".//head/title") == "3-1 신평·장림산업단지 「낙동강 테크노밸리」 조성"
    assert [h.text_content() for h in root.xpath("//h1")] == ["신평·장림산업단지 「낙동강 테크노밸리」 조성"]
    assert [h.text_content() for h in root.xpath("//h2")] == [
        "【사업추진계획】", "【추진실적】", "【금후계획】", "【구민소통 실적】", "【기대효과】"]


@CARDS
def test_no_external_reference_and_no_script(path: Path) -> None:
    html = render_html(read_text(path))
    root = page(html)
    assert root.xpath("//script | //link | //iframe | //object | //embed") == []
    for value in root.xpath("//@src | //@href"):
        assert value.startswith(("#", "data:")), value
    css = "".join(root.xpath("//style/text()"))
    assert "@import" not in css and "url(" not in css
    assert not re.search(r"\son\w+\s*=", html), "no event handler attributes"


@CARDS
def test_every_table_is_named_and_its_headers_scoped(path: Path) -> None:
    root = page(render_html(read_text(path)))
    tables = root.xpath("//table")
    assert len(tables) == (4 if path == CARD_2403 else 3)  # 관리번호 box only where the card has an id
    for table in tables:
        assert table.xpath("caption") or table.get("aria-label"), lxml.html.tostring(table)[:80]
        headers = table.xpath(".//th")
        assert headers
        assert all(th.get("scope") in {"row", "col", "rowgroup", "colgroup"} for th in headers)


def test_header_table_labels_are_row_headers_with_model_values() -> None:
    root = page(render_html(read_text(CARD_2403)))
    [table] = root.xpath("//table[@aria-label='사업 개요표']")
    rows = [[(c.tag, c.get("scope"), c.text_content()) for c in tr] for tr in table.xpath(".//tr")]
    assert rows[0] == [("th", "row", "사업구분"), ("td", None, "신규사업"), ("th", "row", "사업주체"), ("td", None, "시 / 구")]
    assert rows[1] == [("th", "row", "사업기간"), ("td", None, "2022년~2027년"),
                       ("th", "row", "추진상황(%)"), ("td", None, "추진 중(40%)")]
    assert rows[3][0] == ("th", "row", "추진부서")
    department = table.xpath(".//tr[4]/td[1]")[0]
    assert [t.strip() for t in department.itertext()] == ["전략사업과 스마트산업담당", "(최재봉 ☎5021)"]
    cooperation = table.xpath(".//tr[4]/td[2]")[0]
    assert [t.strip() for t in cooperation.itertext()] == [
        "市 산업입지과", "(박정화 ☎888-4932)", "市 지산학협력과", "(김은숙 ☎888-6772)"]


@CARDS
def test_plan_table_header_spans_as_in_the_docx(path: Path) -> None:
    """세부추진내용 spans 3 rows, 임기 내 the 5 year columns, 임기 후 2 rows (DOCX vMerge/gridSpan)."""
    root = page(render_html(read_text(path)))
    [table] = root.xpath("//table[@aria-label='연차별 추진계획']")
    head = table.xpath("thead/tr")
    assert len(head) == 3  # the targets row sits under 세부추진내용's span, so it stays in the head
    first = [(c.tag, c.get("scope"), c.get("rowspan"), c.get("colspan"), c.text_content()) for c in head[0]]
    assert first == [("th", "col", "3", None, "세부추진내용"), ("th", "colgroup", None, "5", "임기 내"),
                     ("th", "col", "2", None, "임기 후")]
    assert [(c.tag, c.get("scope"), c.text_content()) for c in head[1]] == [
        ("th", "col", f"{year}년") for year in range(2022, 2027)]
    assert [c.text_content() for c in head[2]] == ["10%", "40%", "60%", "80%", "100%", ""]
    [body] = table.xpath("tbody/tr")
    assert len(body) == 7 and body[0].text_content().strip() == "「낙동강 테크노밸리」 조성"
    assert len(table.xpath("colgroup/col")) == 7


def test_communication_table_counts_from_the_model() -> None:
    root = page(render_html(read_text(CARD_2403)))
    [table] = root.xpath("//table[@aria-label='구민소통 실적']")
    assert [c.text_content() for c in table.xpath("thead/tr/th")] == list(m.COMMUNICATION_LABELS)
    assert [c.text_content() for c in table.xpath("tbody/tr/td")] == ["-", "-", "-", "-", "1회"]


@CARDS
def test_every_text_card_line_appears_in_order(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    card = read_text(path)
    text = fold(page(render_html(card)).body.text_content())
    lines = [fold(line) for line in render_text(card).splitlines() if line.strip()]
    missing = in_order(lines, text)
    reference = [fold_reference(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    not_found = [line for line in reference if line not in fold_reference(text)]
    with capsys.disabled():
        print(f"\n{path.name}: text card {len(lines) - len(missing)}/{len(lines)} lines in order, "
              f"reference {len(reference) - len(not_found)}/{len(reference)} lines found")
    assert missing == []
    assert not_found == []
    assert (len(lines), len(reference)) == (TEXT_LINES[path], REFERENCE_LINES[path])


def test_dated_lines_and_details() -> None:
    root = page(render_html(read_text(CARD_2403)))
    entries = root.xpath("//div[@class='entry']")
    first = entries[0].xpath("p")
    assert first[0].text_content() == "○ 2023. 02. : 저탄소 그린산단 조성사업 추진계획 수립"
    assert first[0].xpath("span[@class='date']/text()") == ["2023. 02."]
    visit = [e for e in entries if "선진지 견학" in e.text_content()][0]
    assert [p.text_content() for p in visit.xpath("p")] == [
        "○ 2023. 02. : 지식산업센터 선진지 견학 실시",
        "▷ 센텀시티일반산업단지, 서울·경기 일원 우수 지식산업센터 및 관리기관 등"]
    assert visit.xpath("p[2]/@class") == ["line level3 marked"]


def test_box_of_the_2412_card() -> None:
    root = page(render_html(read_text(CARD_2412)))
    [box] = root.xpath("//div[@class='box']")
    assert box.findtext("p[@class='box-title']") == "사하구 지식산업센터 인허가 현황"
    assert [p.text_content()[:9] for p in box.xpath("p[contains(@class, 'line')]")] == ["▪ 총 대지면적 ", "▪ 총 12개소 "]


def test_text_is_escaped() -> None:
    card = rough_card()
    html = render_html(card)
    root = page(html)
    assert root.xpath("//script | //img | //b | //i") == []
    assert "<script>" not in html and "<img" not in html
    assert root.findtext(".//h1") == card.title
    assert root.findtext(".//head/title") == f"3-1 {card.title}"
    assert card.header.executor in root.body.text_content()
    assert card.bullets[m.GOAL][0].text in root.body.text_content()
    assert "&lt;script&gt;" in html and "&amp;amp;" in html


def test_attributes_are_escaped() -> None:
    name = 'x" onmouseover="alert(1)" data-a=\'b'
    doc = Document(name, (Table((Row((cell("a", label=True), cell("b"))),), (1, 1), name=name),))
    root = page(render_document(doc))
    [table] = root.xpath("//table")
    assert table.get("aria-label") == name
    assert table.get("onmouseover") is None and table.get("data-a") is None


def test_style_sheet_prints_on_a4_with_korean_fonts() -> None:
    css = template_path("page.css").read_text(encoding="utf-8")
    html = render_html(read_text(CARD_2403))
    assert css.strip() in html  # embedded as is
    assert "@media print" in css
    assert re.search(r"@page\s*\{[^}]*size:\s*A4[^}]*margin:", css)
    assert re.search(r"tr\s*\{[^}]*break-inside:\s*avoid", css)
    assert re.search(r"h1, h2, h3, h4, h5, h6\s*\{[^}]*break-after:\s*avoid", css)
    assert re.search(r"thead\s*\{[^}]*table-header-group", css)
    fonts = re.search(r"font-family:([^;]*);", css).group(1)
    names = [name.strip().strip('"') for name in fonts.split(",")]
    assert names[:3] == ["맑은 고딕", "Malgun Gothic", "NanumGothic"] and names[-1] == "sans-serif"


def test_a_style_sheet_cannot_end_the_style_element(tmp_path: Path) -> None:
    (tmp_path / "page.css").write_text("body { color: red } </style><script>x()</script>", encoding="utf-8")
    root = page(render_html(read_text(CARD_2403), WriterOptions(templates=tmp_path)))
    assert root.xpath("//script") == []
    assert len(root.xpath("//style")) == 1
    assert "color: red" in root.findtext(".//style")  # the office's sheet, the packaged page template


def test_template_folder_comes_from_the_options(tmp_path: Path) -> None:
    (tmp_path / "page.html.j2").write_text("<p>{{ doc.title }}</p>", encoding="utf-8")
    doc = Document("사무실 양식", (Title("x"),))
    assert render_document(doc, WriterOptions(templates=tmp_path)) == "<p>사무실 양식</p>"
    assert render_document(doc).startswith("<!doctype html>")  # other calls keep the packaged page


# ── the document model and every block ────────────────────────────────────
def test_every_block_kind_renders() -> None:
    doc = Document("보고서", (
        TableOfContents("목차", depth=1),
        Title("제목"),
        Heading("【첫째】", 1),
        Paragraph("자유 줄"),
        Paragraph("하나", m.MARK_L1, 1),
        DatedLine("2024. 01.", "날짜 줄", details=(Paragraph("세부", m.MARK_L3, 3),)),
        Box("상자", (Paragraph("항목", m.MARK_BOX, 2),)),
        PageBreak(),
        Section((Heading("【둘째】", 1), Heading("□ 아래", 2),
                 Table((Row((cell("가", label=True), cell("나", label=True))), Row((cell("1"), cell("2")))),
                       (1, 3), header_rows=1, caption="표 제목")), "landscape"),
        Image(PNG_1PX, "image/png", "빈 그림", width=500),
    ))
    root = page(render_document(doc))
    nav = root.xpath("//nav[@class='contents']")[0]
    links = [(a.get("href"), a.text_content()) for a in nav.xpath(".//a")]
    assert links == [("#h1", "【첫째】"), ("#h2", "【둘째】")]  # depth 1: the □ heading is left out
    assert [h.get("id") for h in root.xpath("//h2[@id] | //h3[@id]")] == ["h1", "h2", "h3"]
    assert len(root.xpath("//div[@class='page-break']")) == 1
    [section] = root.xpath("//section")
    assert section.get("class") == "landscape" and section.xpath(".//table/caption/text()") == ["표 제목"]
    assert section.xpath(".//thead/tr/th/@scope") == ["col", "col"]
    assert section.xpath(".//col/@style") == ["width: 25.00%", "width: 75.00%"]
    [img] = root.xpath("//img")
    assert img.get("alt") == "빈 그림" and img.get("src").startswith("data:image/png;base64,iVBORw0KGgo")
    assert root.xpath("//p[@class='line level0']/text()") == ["자유 줄"]


def test_row_headers_span_rows_and_body_labels_are_row_scoped() -> None:
    table = Table((Row((cell("분야", label=True, rowspan=2), cell("a"))), Row((cell("b"),))), (1, 1))
    root = page(render_document(Document("t", (table,))))
    assert root.xpath("//thead") == []
    assert [(c.tag, c.get("scope"), c.get("rowspan")) for c in root.xpath("//tbody/tr[1]/*")] == [
        ("th", "rowgroup", "2"), ("td", None, None)]


@pytest.mark.parametrize("make", [
    lambda: Cell(("x",), rowspan=0),
    lambda: Table((), ()),
    lambda: Table((Row((cell("x"),)),), (1,), header_rows=2),
    lambda: Image(b"<svg/>", "image/svg+xml", "svg"),
    lambda: Image(PNG_1PX, "image/png", "그림", svg="<html>not a picture</html>"),
    lambda: Section((), "sideways"),
], ids=["span 0", "no columns", "header rows > rows", "svg image", "svg not svg", "orientation"])
def test_model_refuses_impossible_blocks(make) -> None:
    with pytest.raises(ValueError):
        make()


def test_blocks_are_frozen() -> None:
    heading = Heading("x", 1)
    with pytest.raises(AttributeError):
        heading.text = "y"  # type: ignore[misc]


def test_card_document_order_follows_the_docx() -> None:
    doc = card_document(read_text(CARD_2403))
    kinds = [type(block).__name__ for block in doc.blocks]
    assert kinds[:4] == ["Table", "Title", "Table", "Heading"]
    headings = [(b.level, b.text) for b in doc.blocks if isinstance(b, Heading) and b.level < 3]
    assert headings == [
        (1, "【사업추진계획】"), (2, "□ 사업추진목표(최종목표)"), (2, "□ 사업개요"), (2, "□ 세부추진계획"),
        (2, "□ 연차별 추진계획"), (1, "【추진실적】"), (2, "□ 신평·장림산업단지 친환경 스마트 산단 조성"),
        (2, "□ 산·학·관 협력체계 구축"), (2, "□ 지식산업센터 활성화"), (1, "【금후계획】"),
        (1, "【구민소통 실적】"), (1, "【기대효과】")]
    dated = [b for b in doc.blocks if isinstance(b, DatedLine)]
    assert len(dated) == 4 + 6 + 2 + 6 + 4 and dated[1] == DatedLine(
        "2023. 03. ~ 08.", "용역 계약심사, 사업수행능력평가(PQ) 등 행정절차이행", "○")


def test_plan_with_more_cells_than_years_is_a_card_error() -> None:
    card = read_text(CARD_2403)
    card.annual_plan.rows[0].cells.append("여섯째 해")
    with pytest.raises(CardError, match="연차별 추진계획"):
        card_document(card)


# ── the format, the package data and the command line ─────────────────────
def test_html_is_one_line_in_formats() -> None:
    assert WRITERS["html"].suffix == ".html"
    assert "html" in parse_formats("all")
    assert WRITERS["html"].render(read_text(CARD_2403)).startswith(b"<!doctype html>")


def test_page_templates_are_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["reportgen.templates"]
    for name in ("page.html.j2", "page.css"):
        assert (ROOT / "templates" / name).is_file()
        assert any(fnmatch(name, pattern) for pattern in patterns), name


def test_build_format_html_writes_id_and_title_file(tmp_path: Path) -> None:
    runner = CliRunner()
    master = tmp_path / "master.xlsx"
    assert runner.invoke(app, ["import", str(CARD_2403), "-o", str(master)]).exit_code == 0
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(master), "-o", str(out), "--format", "html"])
    assert result.exit_code == 0, result.output
    built = out / "3-1_신평·장림산업단지 「낙동강 테크노밸리」 조성.html"
    assert sorted(p.name for p in out.iterdir()) == [built.name, "manifest.json"]
    root = page(built.read_text(encoding="utf-8"))
    assert root.findtext(".//h1") == "신평·장림산업단지 「낙동강 테크노밸리」 조성"


# ── the model's fields: 목차 entries, table notes, alignment, landscape, figures ──
def test_contents_entries_link_to_their_headings_with_pages() -> None:
    doc = Document("묶음", (
        TableOfContents(entries=(ContentsEntry("총괄표", 2), ContentsEntry("3-1 사업", 5),
                                 ContentsEntry("없는 제목"))),
        Section((Heading("총괄표", 1), Paragraph("가")), "landscape", name="총괄표"),
        Heading("3-1 사업", 1),
    ))
    root = page(render_document(doc))
    items = root.xpath("//nav[@class='contents']//li")
    assert [(li.xpath("a/@href"), li.xpath("span[@class='page']/text()")) for li in items] == [
        (["#h1"], ["2"]), (["#h2"], ["5"]), ([], [])]
    assert items[2].text_content() == "없는 제목"  # no heading of that text: no dead link
    assert root.get_element_by_id("h1").text == "총괄표" and root.get_element_by_id("h2").text == "3-1 사업"
    [section] = root.xpath("//section")
    assert (section.get("class"), section.get("aria-label")) == ("landscape", "총괄표")


def test_table_notes_follow_the_table_and_describe_it() -> None:
    table = Table((Row((cell("분야", label=True), cell("평균", label=True))), Row((cell("경제"), cell("62.3")))),
                  (500, 500), header_rows=1, caption="총괄표", style=STYLE_FIGURES,
                  notes=("추진율이 빈 카드 1건은 평균에서 뺐습니다.",))
    root = page(render_document(Document("t", (table,))))
    [html_table] = root.xpath("//table")
    region = html_table.getparent()  # a figures table scrolls sideways in its own region (a phone)
    assert (region.get("class"), region.get("role"), region.get("tabindex")) == ("table-scroll", "region", "0")
    notes = region.getnext()
    assert notes.get("class") == "table-notes" and html_table.get("aria-describedby") == notes.get("id")
    assert notes.xpath("p/text()") == ["추진율이 빈 카드 1건은 평균에서 뺐습니다."]
    assert html_table.get("class") == "align-center figures"
    assert html_table.xpath("caption/text()") == ["총괄표"]


def test_paragraph_alignment_is_a_class_and_styled() -> None:
    doc = Document("t", (Paragraph("가운데", align="center"), Paragraph("오른쪽", align="right"), Paragraph("보통")))
    root = page(render_document(doc))
    assert root.xpath("//p[contains(@class, 'line')]/@class") == [
        "line level0 align-center", "line level0 align-right", "line level0"]
    css = template_path("page.css").read_text(encoding="utf-8")
    assert re.search(r"\.line\.align-center\s*\{[^}]*text-align:\s*center", css)
    assert re.search(r"\.line\.align-right\s*\{[^}]*text-align:\s*right", css)


def test_landscape_sections_print_on_a_named_landscape_page_and_figures_align() -> None:
    css = template_path("page.css").read_text(encoding="utf-8")
    assert re.search(r"@page landscape\s*\{[^}]*size:\s*A4 landscape", css)
    assert re.search(r"section\.landscape\s*\{[^}]*page:\s*landscape", css)
    figures = re.search(r"table\.figures td\s*\{([^}]*)\}", css).group(1)
    assert "text-align: right" in figures and "tabular-nums" in figures


# ── charts: the SVG with its caption and text alternative ────────────────
CHART_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="10pt" height="5pt" viewBox="0 0 10 5" '
             'role="img" aria-label="막대"><title>막대</title><rect id="bar-0-0" width="6" height="5" '
             'style="fill: #0072b2"/></svg>')


def test_a_chart_shows_its_svg_with_caption_and_alt() -> None:
    from urllib.parse import unquote

    chart = Image(PNG_1PX, "image/png", "분야별 추진상황: 1. 안전 계 3건 <완료 & 보류>", width=800,
                  svg=CHART_SVG, caption="분야별 추진상황")
    root = page(render_document(Document("총괄표", (Image(PNG_1PX, "image/png", "그림"), chart))))
    plain, figure = root.xpath("//figure")
    assert plain.get("class") == "image" and plain.xpath("figcaption") == []
    assert plain.xpath("img/@src")[0].startswith("data:image/png;base64,")
    assert figure.get("class") == "image chart" and figure.get("style") == "width: 80.0%"
    assert figure.xpath("figcaption/text()") == ["분야별 추진상황"]
    [img] = figure.xpath("img")
    assert img.get("alt") == "분야별 추진상황: 1. 안전 계 3건 <완료 & 보류>"  # escaped, read back whole
    prefix = "data:image/svg+xml;charset=utf-8,"
    src = img.get("src")
    assert src.startswith(prefix) and unquote(src.removeprefix(prefix)) == CHART_SVG
    assert not {'"', "<", ">", "#"} & set(src.removeprefix(prefix))  # each percent-encoded


def test_summary_charts_on_a_page_have_text_alternatives() -> None:
    from reportgen.charts import summary_charts
    from reportgen.summary import summarize

    cards = [m.Card(id=f"1-{n}", title="사업", area="1. 안전한 도시", header=m.Header(status="완료", progress=100))
             for n in (1, 2)]
    charts = summary_charts(summarize(m.Workbook(cards=cards)))
    root = page(render_document(Document("총괄표", tuple(charts))))
    images = root.xpath("//figure/img")
    assert len(images) == 2
    for img, block in zip(images, charts, strict=True):
        assert img.get("alt") == block.alt and "1. 안전한 도시" in block.alt
        assert img.get("src").startswith("data:image/svg+xml;charset=utf-8,%3C")
    assert root.xpath("//figure/figcaption/text()") == ["분야별 추진상황", "분야별 완료율·평균 추진율"]


def test_links_in_cells_and_lines() -> None:
    """A cell's and a line's link is an <a> around its text (escaped); the text writer prints the
    text alone; a link that is not relative is refused by the document model."""
    table = Table((Row((cell("관리번호", label=True), cell("사업명", label=True))),
                   Row((cell("3-1", label=True), cell("낙동강 <테크노밸리>", link="cards/3-1.html?a=1&b=2")))),
                  (300, 700), header_rows=1)
    doc = Document("t", (Paragraph("목록으로", link="../index.html"), table))
    html = render_document(doc)
    root = page(html)
    assert [(a.get("href"), a.text_content()) for a in root.xpath("//main//a")] == [
        ("../index.html", "목록으로"), ("cards/3-1.html?a=1&b=2", "낙동강 <테크노밸리>")]
    assert root.xpath("//td/a/text()") == ["낙동강 <테크노밸리>"] and "&lt;테크노밸리&gt;" in html
    assert 'href="cards/3-1.html?a=1&amp;b=2"' in html
    verbatim = Table((Row((cell("12", verbatim=True), cell("12"))),), (500, 500), style=STYLE_FIGURES)
    assert page(render_document(Document("t", (verbatim,)))).xpath("//td/@class") == ["text"]  # read left-aligned
    text = render_text_document(doc)
    assert "목록으로" in text and "낙동강 <테크노밸리>" in text and "cards/" not in text and "index.html" not in text
    for bad in ("javascript:alert(1)", "https://example.org/", "//example.org/x", " JAVASCRIPT:x"):
        with pytest.raises(ValueError, match="relative"):
            cell("x", link=bad)
        with pytest.raises(ValueError, match="relative"):
            Paragraph("x", link=bad)


def test_nav_before_the_content_with_a_skip_link() -> None:
    """Document.nav: a skip link to #main first, then a menu of the lines (links, or labels), then
    the content in <main id="main">; a document without nav has neither."""
    nav = (Paragraph("전체 공약 (2건)", link="index.html"), Paragraph("분야별"), Paragraph("1. 안전 (1건)", link="area-1.html"))
    root = page(render_document(Document("t", (Title("제목"),), nav=nav)))
    body = root.xpath("//body/*")
    assert [element.tag for element in body] == ["a", "nav", "main"]
    assert (body[0].get("class"), body[0].get("href")) == ("skip", "#main")
    assert body[1].get("class") == "menu" and body[1].get("aria-label")
    assert [(li.get("class"), li.xpath("string(a/@href)"), li.text_content()) for li in body[1].xpath(".//li")] == [
        (None, "index.html", "전체 공약 (2건)"), ("menu-label", "", "분야별"), (None, "area-1.html", "1. 안전 (1건)")]
    assert body[2].get("id") == "main"
    plain = page(render_document(Document("t", (Title("제목"),))))
    assert not plain.xpath("//nav | //a[@class='skip'] | //main[@id]")
    css = template_path("page.css").read_text(encoding="utf-8")
    assert re.search(r"\.skip:focus\s*\{[^}]*top:", css)  # shown when the keyboard reaches it
    assert re.search(r"@media print\s*\{[^}]*nav\.menu[^}]*display:\s*none", css)
