"""DOCX writer on any document: every block, what each promises in the XML, and a PDF render.

Expected numbers are worked out by hand from the reference document's page:
A4 portrait 11906 × 16838 twips, margins 1134 left/right and 851 top/bottom,
so the text is 9638 twips wide (portrait) and 14570 (landscape).
"""

from __future__ import annotations

import io
import re
import shutil
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from lxml import etree

from reportgen.document import (
    STYLE_FIELDS,
    Box,
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
from reportgen.readers.text import read_text
from reportgen.resources import WriterOptions
from reportgen.writers import pdf as pdf_writer
from reportgen.writers.docx import (
    Look,
    Pages,
    chosen_layouts,
    load_template,
    nearly_empty,
    page_estimate,
    render_document,
    render_docx,
    text_width,
    wrapped_lines,
)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
FIXTURE = Path(__file__).parent / "fixtures" / "3-1_2024-12_from-hwp.txt"
TEXT_WIDTH, WIDE_TEXT_WIDTH = 9638, 14570


def png(width: int, height: int) -> bytes:
    """A real grey PNG of ``width`` × ``height`` pixels, built by hand."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def merged_table() -> Table:
    """4 grid columns: A spans two rows, B two columns, G three columns; row 2 may split."""
    return Table((
        Row((cell("A", label=True, rowspan=2), cell("B", label=True, colspan=2), cell("C", label=True))),
        Row((cell("D"), cell("E"), cell("F"))),
        Row((cell("G", colspan=3), cell("H")), keep=False),
        Row((cell("I"), cell("J"), cell("K"), cell("L"))),
    ), (100, 200, 300, 400), header_rows=1, caption="병합 표", notes=("주 1: 첫 줄", "주 2: 둘째 줄"))


def every_block() -> Document:
    """A document holding every block type once (the landscape section in the middle)."""
    wide = Table((Row(tuple(cell(f"열{i}", label=True) for i in range(11))),
                  Row(tuple(cell(str(i)) for i in range(11)))), (1,) * 11, header_rows=1)
    return Document("모든 블록 시험 & <문서>", (
        Title("시험 문서"),
        TableOfContents(entries=(ContentsEntry("가. 개요", 1), ContentsEntry("나. 총괄표", 2), ContentsEntry("다. 쪽 없음"))),
        TableOfContents(title="제목 목록", depth=2),
        Heading("가. 개요", 1), Heading("□ 둘째 수준", 2), Heading("<셋째 수준>", 3),
        Paragraph("가운데 줄", align="center"), Paragraph("오른쪽 줄", align="right"),
        Paragraph("첫째", "○", 1), Paragraph("둘째", "-", 2), Paragraph("셋째", "▷", 3), Paragraph("표시 없음", "", 2),
        DatedLine("2024. 03.", "착공", "○", (Paragraph("세부", "▷", 3),)),
        Box("인허가 현황", (Paragraph("총 12개소", "▪", 2),)),
        merged_table(),
        Table((Row((cell("구분", label=True), cell("값"))),), (300, 700), width=500, align="right", style=STYLE_FIELDS,
              name="반쪽 표"),
        Image(png(2, 1), "image/png", "막대 그림", width=500),
        PageBreak(),
        Section((Heading("나. 총괄표", 1), wide), orientation="landscape", name="총괄표"),
        Paragraph("끝"),
    ))


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def body(data: bytes) -> etree._Element:
    return etree.fromstring(parts(data)["word/document.xml"]).find(f"{W}body")


def text(node: etree._Element) -> str:
    return "".join(node.itertext())


def style(p: etree._Element) -> str:
    found = p.find(f"{W}pPr/{W}pStyle")
    return "" if found is None else found.get(f"{W}val")


def table_by_caption(root: etree._Element, caption: str) -> etree._Element:
    for tbl in root.iter(f"{W}tbl"):
        found = tbl.find(f"{W}tblPr/{W}tblCaption")
        if found is not None and found.get(f"{W}val") == caption:
            return tbl
    raise AssertionError(f"no table {caption}")


@pytest.fixture(scope="module")
def rendered() -> bytes:
    return render_document(every_block())


# ── every block ──────────────────────────────────────────────────────────
def test_every_block_opens_in_python_docx(rendered: bytes) -> None:
    opened = docx.Document(io.BytesIO(rendered))
    texts = [p.text for p in opened.paragraphs]
    for expected in ("시험 문서", "가. 개요", "□ 둘째 수준", "<셋째 수준>", "○ 첫째", "- 둘째", "▷ 셋째", "표시 없음",
                     "○ 2024. 03. : 착공", "▷ 세부", "병합 표", "주 1: 첫 줄", "나. 총괄표", "끝"):
        assert expected in texts, expected
    assert len(opened.tables) == 4  # box, merged, half, wide
    assert [s.orientation for s in opened.sections] == [0, 1, 0]  # portrait, landscape, portrait
    assert opened.core_properties.title == "모든 블록 시험 & <문서>"


def test_headings_keep_with_next(rendered: bytes) -> None:
    root = body(rendered)
    headings = [p for p in root.iter(f"{W}p") if text(p) in ("가. 개요", "□ 둘째 수준", "<셋째 수준>", "나. 총괄표")
                and style(p) != "CardContents"]  # not the 목차's lines
    assert len(headings) == 4
    assert all(p.find(f"{W}pPr/{W}keepNext") is not None for p in headings)
    styles = [style(p) for p in headings]
    assert styles == ["CardHeading", "CardSubheading", "CardGroup", "CardHeading"]


def test_paragraph_styles_and_alignment(rendered: bytes) -> None:
    by_text = {text(p): p for p in body(rendered).iter(f"{W}p")}
    style = {t: by_text[t].find(f"{W}pPr/{W}pStyle").get(f"{W}val")
             for t in ("○ 첫째", "- 둘째", "▷ 셋째", "표시 없음", "▪ 총 12개소", "인허가 현황")}
    assert style == {"○ 첫째": "CardBullet1", "- 둘째": "CardBullet2", "▷ 셋째": "CardBullet3",
                     "표시 없음": "CardPlain", "▪ 총 12개소": "CardBoxItem", "인허가 현황": "CardBoxTitle"}
    assert by_text["가운데 줄"].find(f"{W}pPr/{W}jc").get(f"{W}val") == "center"
    assert by_text["오른쪽 줄"].find(f"{W}pPr/{W}jc").get(f"{W}val") == "right"


def span(tc: etree._Element) -> int:
    grid = tc.find(f"{W}tcPr/{W}gridSpan")
    return 1 if grid is None else int(grid.get(f"{W}val"))


def test_merged_table_spans_and_merges(rendered: bytes) -> None:
    tbl = table_by_caption(body(rendered), "병합 표")
    rows = tbl.findall(f"{W}tr")
    assert len(tbl.findall(f"{W}tblGrid/{W}gridCol")) == 4
    spans = [int(g.get(f"{W}val")) for g in tbl.iter(f"{W}gridSpan")]
    assert sorted(spans) == [2, 3]  # B over two columns, G over three
    merges = [v.get(f"{W}val") for v in tbl.iter(f"{W}vMerge")]
    assert merges == ["restart", None]  # A starts in row 0 and goes on in row 1
    assert [len(r.findall(f"{W}tc")) for r in rows] == [3, 4, 2, 4]
    assert [sum(span(tc) for tc in tr.findall(f"{W}tc")) for tr in rows] == [4, 4, 4, 4]  # every row fills the grid
    assert [text(tc) for tc in rows[1].findall(f"{W}tc")] == ["", "D", "E", "F"]


def test_label_cells_shaded_and_column_shares(rendered: bytes) -> None:
    tbl = table_by_caption(body(rendered), "병합 표")
    shaded = {text(tc) for tc in tbl.iter(f"{W}tc") if tc.find(f"{W}tcPr/{W}shd") is not None}
    assert shaded == {"A", "B", "C", ""}  # the labels and A's continuation
    widths = [int(g.get(f"{W}w")) for g in tbl.findall(f"{W}tblGrid/{W}gridCol")]
    assert widths == [963, 1927, 2891, 3857]  # 9638 × 100/200/300 ‰ rounded down, the rest to the last
    half = table_by_caption(body(rendered), "반쪽 표")
    assert half.find(f"{W}tblPr/{W}tblW").get(f"{W}w") == "4819"
    assert half.find(f"{W}tblPr/{W}jc").get(f"{W}val") == "right"
    value = [tc for tc in half.iter(f"{W}tc") if text(tc) == "값"][0]
    assert value.find(f".//{W}pStyle").get(f"{W}val") == "CardTableValue"  # fields: values read left-aligned


def test_header_rows_repeat_and_keep_rows_do_not_split(rendered: bytes) -> None:
    rows = table_by_caption(body(rendered), "병합 표").findall(f"{W}tr")
    assert [r.find(f"{W}trPr/{W}tblHeader") is not None for r in rows] == [True, False, False, False]
    assert [r.find(f"{W}trPr/{W}cantSplit") is not None for r in rows] == [True, True, False, True]


def test_notes_keep_with_the_last_rows(rendered: bytes) -> None:
    root = body(rendered)
    tbl = table_by_caption(root, "병합 표")
    rows = tbl.findall(f"{W}tr")
    kept = [all(p.find(f"{W}pPr/{W}keepNext") is not None for p in r.iter(f"{W}p")) for r in rows]
    assert kept == [False, False, True, True]  # the last two rows stay with the notes
    following = tbl.itersiblings()
    notes = [next(following), next(following)]
    assert [text(p) for p in notes] == ["주 1: 첫 줄", "주 2: 둘째 줄"]
    assert [p.find(f"{W}pPr/{W}keepNext") is not None for p in notes] == [True, False]
    caption = tbl.getprevious()
    assert text(caption) == "병합 표" and caption.find(f"{W}pPr/{W}keepNext") is not None


def test_landscape_section_has_its_own_page(rendered: bytes) -> None:
    root = body(rendered)
    inner = [p.find(f"{W}pPr/{W}sectPr") for p in root.findall(f"{W}p") if p.find(f"{W}pPr/{W}sectPr") is not None]
    sizes = [(s.find(f"{W}pgSz").get(f"{W}w"), s.find(f"{W}pgSz").get(f"{W}h")) for s in inner]
    assert sizes == [("11906", "16838"), ("16838", "11906")]  # portrait before, then the landscape section
    assert inner[1].find(f"{W}pgSz").get(f"{W}orient") == "landscape"
    final = root.find(f"{W}sectPr/{W}pgSz")
    assert (final.get(f"{W}w"), final.get(f"{W}h")) == ("11906", "16838")  # what follows is portrait again
    wide = [t for t in root.iter(f"{W}tbl") if len(t.findall(f"{W}tblGrid/{W}gridCol")) == 11][0]
    assert wide.find(f"{W}tblPr/{W}tblW").get(f"{W}w") == str(WIDE_TEXT_WIDTH)


def test_table_after_a_landscape_section_is_as_wide_as_the_portrait_page() -> None:
    tables = list(body(render_document(pdf_document())).iter(f"{W}tbl"))
    assert [t.find(f"{W}tblPr/{W}tblW").get(f"{W}w") for t in tables] == [str(WIDE_TEXT_WIDTH), str(TEXT_WIDTH)]


def test_document_ending_in_a_section_ends_with_its_page() -> None:
    doc = Document("가로", (Paragraph("앞"), Section((Paragraph("가로 끝"),), orientation="landscape")))
    root = body(render_document(doc))
    final = root.find(f"{W}sectPr/{W}pgSz")
    assert (final.get(f"{W}w"), final.get(f"{W}h")) == ("16838", "11906")
    assert len([p for p in root.findall(f"{W}p") if p.find(f"{W}pPr/{W}sectPr") is not None]) == 1


def test_image_part_relationship_and_content_type(rendered: bytes) -> None:
    package = parts(rendered)
    assert package["word/media/reportgen-image1.png"] == png(2, 1)
    rels = etree.fromstring(package["word/_rels/document.xml.rels"])
    image_rels = [r for r in rels.iter(f"{REL}Relationship") if r.get("Type").endswith("/image")]
    assert [(r.get("Id"), r.get("Target")) for r in image_rels] == [("rIdReportgenImage1", "media/reportgen-image1.png")]
    types = package["[Content_Types].xml"].decode()
    assert '<Default Extension="png" ContentType="image/png"/>' in types
    root = body(rendered)
    assert root.find(f".//{WP}docPr").get("descr") == "막대 그림"
    assert root.find(".//{http://schemas.openxmlformats.org/drawingml/2006/main}blip").get(
        "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed") == "rIdReportgenImage1"
    extent = root.find(f".//{WP}extent")
    # half the text width (4819 twips × 635 EMU), a 2 × 1 picture half as high (2409 twips)
    assert (extent.get("cx"), extent.get("cy")) == ("3060065", "1529715")


def test_damaged_picture_is_a_card_error() -> None:
    with pytest.raises(CardError, match="깨진 그림"):
        render_document(Document("그림", (Image(b"\x89PNG but not", "image/png", "깨진 그림"),)))


def test_contents_page_numbers_are_plain_text(rendered: bytes) -> None:
    root = body(rendered)
    entries = [p for p in root.iter(f"{W}p") if style(p) == "CardContents"]
    first = entries[:3]
    assert [text(p) for p in first] == ["가. 개요1", "나. 총괄표2", "다. 쪽 없음"]
    for p in first:
        tab = p.find(f"{W}pPr/{W}tabs/{W}tab")
        assert (tab.get(f"{W}val"), tab.get(f"{W}leader"), tab.get(f"{W}pos")) == ("right", "dot", str(TEXT_WIDTH))
    assert [p.find(f".//{W}r/{W}tab") is not None for p in first] == [True, True, False]
    assert not list(root.iter(f"{W}fldChar")) and not list(root.iter(f"{W}instrText")) \
        and not list(root.iter(f"{W}fldSimple"))  # no field Word would have to update
    # without entries: the headings down to depth 2, no numbers
    assert [text(p) for p in entries[3:]] == ["가. 개요", "□ 둘째 수준", "나. 총괄표"]
    assert all(p.find(f"{W}pPr/{W}tabs") is None for p in entries[3:])


def test_page_break(rendered: bytes) -> None:
    breaks = [br for br in body(rendered).iter(f"{W}br") if br.get(f"{W}type") == "page"]
    assert len(breaks) == 1


def test_title_in_core_properties_escaped(rendered: bytes) -> None:
    core = parts(rendered)["docProps/core.xml"].decode()
    assert "<dc:title>모든 블록 시험 &amp; &lt;문서&gt;</dc:title>" in core


def test_same_document_same_bytes(rendered: bytes) -> None:
    assert render_document(every_block()) == rendered


def test_card_is_the_card_document() -> None:
    card = read_text(FIXTURE)
    assert render_docx(card) == render_document(card_document(card))


def test_reference_without_the_newer_styles(tmp_path: Path) -> None:
    """An office's older reference lacks Card Caption/Contents/Table Note: near styles stand in."""
    source = parts(load_template_bytes())
    styles = source["word/styles.xml"]
    for name in (b"Card Caption", b"Card Table Note", b"Card Contents"):
        styles = styles.replace(b'w:val="' + name + b'"', b'w:val="Old ' + name + b'"')
    reference = tmp_path / "office.docx"
    with zipfile.ZipFile(reference, "w") as archive:
        for name, data in source.items():
            archive.writestr(name, styles if name == "word/styles.xml" else data)
    root = body(render_document(every_block(), WriterOptions(reference=reference)))
    used = {style(p) for p in root.iter(f"{W}p")
            if text(p) in ("병합 표", "주 1: 첫 줄", "다. 쪽 없음")}
    assert used == {"CardBoxTitle", "Normal"}


def test_templates_folder_option(tmp_path: Path) -> None:
    """A templates folder holding its own card.docx is used (its page margins here)."""
    source = parts(load_template_bytes())
    page = source["word/document.xml"].replace(b'w:left="1134"', b'w:left="2134"')
    with zipfile.ZipFile(tmp_path / "card.docx", "w") as archive:
        for name, data in source.items():
            archive.writestr(name, page if name == "word/document.xml" else data)
    root = body(render_document(Document("여백", (Paragraph("줄"),)), WriterOptions(templates=tmp_path)))
    assert root.find(f"{W}sectPr/{W}pgMar").get(f"{W}left") == "2134"


def load_template_bytes() -> bytes:
    from reportgen.resources import template_path

    load_template()
    return template_path("card.docx").read_bytes()


# ── PDF through LibreOffice ──────────────────────────────────────────────
def pdf_document() -> Document:
    """목차 with the pages the layout gives, a landscape 총괄표, a portrait table longer than a page."""
    wide = Table((Row(tuple(cell(f"항목{i}", label=True) for i in range(11))),
                  Row(tuple(cell(f"{i * 10}%") for i in range(11)))), (1,) * 11, header_rows=1)
    rows = (Row((cell("번호", label=True), cell("내용", label=True))),
            *[Row((cell(str(i)), cell(f"긴 표의 {i}번째 줄"))) for i in range(1, 91)])
    return Document("PDF 시험", (
        TableOfContents(entries=(ContentsEntry("총괄표", 2), ContentsEntry("긴 표", 3))),
        Section((Heading("총괄표", 1), wide), orientation="landscape"),
        Heading("긴 표", 1),
        Table(rows, (200, 800), header_rows=1, notes=("주: 시험용 표입니다",)),
    ))


def pdf_pages(pdf: Path) -> list[str]:
    count = int(re.search(r"Pages:\s+(\d+)", run(["pdfinfo", str(pdf)])).group(1))
    return [run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"]) for n in range(1, count + 1)]


def run(command: list[str]) -> str:
    return subprocess.run(command, check=True, capture_output=True, timeout=120).stdout.decode()


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None
                    or shutil.which("pdfinfo") is None,
                    reason="LibreOffice (soffice) or poppler-utils (pdftotext, pdfinfo) is not installed; "
                           "install libreoffice-writer-nogui and poppler-utils (scripts/preview.sh does)")
def test_pdf_pages_orientation_and_contents(tmp_path: Path) -> None:
    source = tmp_path / "doc.docx"
    source.write_bytes(render_document(pdf_document()))
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=180)
    pdf = tmp_path / "doc.pdf"
    pages = pdf_pages(pdf)
    assert len(pages) >= 4  # 목차, 총괄표, and 90 rows over at least two pages
    assert re.search(r"총괄표\s*\.{5,}\s*2\b", pages[0]) and re.search(r"긴 표\s*\.{5,}\s*3\b", pages[0])
    squeezed = ["".join(page.split()) for page in pages]  # pdftotext spaces letters out
    assert "항목10" in squeezed[1] and squeezed[1].startswith("총괄표")  # the numbers given are the headings' pages
    assert squeezed[2].startswith("긴표") and "항목0" not in squeezed[2]
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)",
                       run(["pdfinfo", "-f", "1", "-l", str(len(pages)), str(pdf)]))
    landscape = [float(w) > float(h) for w, h in sizes]
    assert landscape == [False, True] + [False] * (len(pages) - 2)
    for page in pages[2:]:  # the header row repeats on every page of the long table
        assert re.search(r"번호\s+내용", page)
    assert "90번째" in squeezed[-1] and "89번째" in squeezed[-1]  # the note is with the last rows
    assert squeezed[-1].endswith("주:시험용표입니다")


# ── the page model ───────────────────────────────────────────────────────
# By hand from templates/card.docx (A4, margins 851 twips top and bottom: 16838 - 2 × 851 = 15136 twips of
# text) and LINE_EM 1.15 (NanumGothic's ascent + descent, LibreOffice's 맑은 고딕 here):
# Card Bullet 1 — 11 pt: one line 220 × 1.15 = 253 twips, at 264/240 → 278; space after 40, before 0;
#   LibreOffice keeps the larger of after and before between two paragraphs: 40.
# Card Table Text — 10 pt: 230 twips at 240/240, 20 before and after, cell margins 40 + 40, a ½ pt rule (10):
#   a row 40 + 20 + 230 + 20 + 40 + 10 = 360, the first row 10 more for the table's top rule.
PAGE_TEXT_HEIGHT = 15136
BULLET_LINE, BULLET_GAP, ROW = 278, 40, 360


def bullets(count: int) -> Document:
    return Document("줄", tuple(Paragraph(f"{number}번째 줄", "○", 1) for number in range(1, count + 1)))


def test_bullet_style_measures_from_the_reference() -> None:
    looks = load_template().layouts[0].looks
    assert looks["CardBullet1"] == Look(before=0, after=40, height=278, size=22, left=580, hanging=280, line=264,
                                        auto=True, keep=False)
    # Card Heading: 13 pt, 280 before, 100 after, keeps with next: 260 × 1.15 = 299 → × 264/240 = 328
    assert looks["CardHeading"] == Look(280, 100, 328, 26, 0, 0, 264, True, True)


def test_text_width_and_wrapping_by_hand() -> None:
    assert text_width("2024. 10.") == pytest.approx(8 * 0.5 + 0.27)  # 8 ASCII signs, a space
    assert text_width("「가」") == pytest.approx(0.94 + 2 * 0.36)  # Hangul, two narrow brackets
    assert text_width("산·학") == pytest.approx(2 * 0.94 + 0.5)  # the middle dot is a 2-byte letter
    # "가나다 라마": 2.82 + 0.27 + 1.88 = 4.97 ems
    assert wrapped_lines("가나다 라마", 5.0) == 1
    assert wrapped_lines("가나다 라마", 4.9) == 2
    assert wrapped_lines("가나다 라마", 4.0, 1.0) == 1  # the first line has 1 em more (a hanging indent)
    assert wrapped_lines("가" * 10, 4.0) == 3  # 9.4 ems, no space: broken anywhere, 4 + 4 + 1.4


def test_two_and_three_line_texts_by_hand() -> None:
    # "가나다 라마 바사": 2.82 + 0.27 + 1.88 + 0.27 + 1.88 = 7.12 ems
    # in 5: "가나다 라마" (4.97), then "바사": 2 lines (what is left, 1.88, fits at once)
    assert wrapped_lines("가나다 라마 바사", 5.0) == 2
    # in 4.1: "가나다" (adding 라마 makes 4.97), then "라마 바사" (4.03): 2 lines, the words placed one by one
    assert wrapped_lines("가나다 라마 바사", 4.1) == 2
    # in 4: "가나다", "라마" (adding 바사 makes 4.03), "바사": 3 lines
    assert wrapped_lines("가나다 라마 바사", 4.0) == 3


def test_one_line_paragraphs_fill_pages_by_hand() -> None:
    # n paragraphs: 278 + (n - 1) × 318 ≤ 15136 → n ≤ 47.7: 47 on a page (LibreOffice prints 47 too)
    assert page_estimate(bullets(47)) == [Pages(1, BULLET_LINE + 46 * (BULLET_GAP + BULLET_LINE))]
    assert page_estimate(bullets(48)) == [Pages(2, BULLET_LINE)]
    assert page_estimate(bullets(47 + 10)) == [Pages(2, BULLET_LINE + 9 * (BULLET_GAP + BULLET_LINE))]
    # the first tighter layout keeps half the space after (20): 278 + 47 × 298 = 14284, 48 on a page
    assert page_estimate(bullets(48), layout=1) == [Pages(1, BULLET_LINE + 47 * (20 + BULLET_LINE))]


def test_table_rows_and_repeated_header_by_hand() -> None:
    def table(rows: int, header_rows: int) -> Document:
        return Document("표", (Table(tuple(Row((cell(f"{n}"), cell("값"))) for n in range(rows)), (500, 500),
                                     header_rows=header_rows),))
    # 370 + (n - 1) × 360 ≤ 15136 → n ≤ 42.0: 42 rows on a page
    assert page_estimate(table(42, 0)) == [Pages(1, ROW + 10 + 41 * ROW)]
    assert page_estimate(table(43, 0)) == [Pages(2, ROW)]
    assert page_estimate(table(43, 1)) == [Pages(2, ROW + 10 + ROW)]  # the header row again, then row 43


def test_page_breaks_and_sections_count_pages() -> None:
    doc = Document("쪽", (Paragraph("가"), PageBreak(), Paragraph("나"),
                         Section((Paragraph("다"),), orientation="landscape")))
    free = BULLET_LINE  # Normal: 11 pt at 264/240, like the bullets
    assert page_estimate(doc) == [Pages(2, free), Pages(1, free)]


def spacing_of(data: bytes) -> dict[str, set[str]]:
    """Style id → the direct w:spacing of its paragraphs (as attribute strings; "" for none)."""
    out: dict[str, set[str]] = {}
    for p in body(data).iter(f"{W}p"):
        found = p.find(f"{W}pPr/{W}spacing")
        attributes = "" if found is None else " ".join(f"{etree.QName(k).localname}={v}"
                                                     for k, v in sorted(found.attrib.items()))
        out.setdefault(style(p), set()).add(attributes)
    return out


def test_nearly_empty_last_page_gets_the_tighter_spacing() -> None:
    # 48 bullets: the 48th alone on page 2 (278 of 15136 twips); half the space after saves that page
    doc = Document("줄", (Table((Row((cell("구분", label=True), cell("값"))),), (300, 700)), *bullets(48).blocks))
    spacing = spacing_of(render_document(doc))
    assert spacing["CardBullet1"] == {"after=20 before=0 line=264 lineRule=auto"}
    assert spacing["CardTableLabel"] == {""} and spacing["CardTableText"] == {""}  # tables as they are


def test_fuller_last_page_keeps_the_standard_spacing() -> None:
    assert spacing_of(render_document(bullets(47)))["CardBullet1"] == {""}  # one page
    assert spacing_of(render_document(bullets(47 + 10)))["CardBullet1"] == {""}  # 10 lines: 3140 > 15136 / 5


def test_nearly_empty_page_that_no_tighter_layout_saves_keeps_the_standard_spacing() -> None:
    # a heading over 43 table rows: row 43 alone on page 2, and tables are never tightened
    doc = Document("표", (Heading("가. 표", 1), Table(tuple(Row((cell(f"{n}"), cell("값"))) for n in range(43)),
                                                      (500, 500))))
    assert page_estimate(doc)[0].count == 2
    assert spacing_of(render_document(doc))["CardHeading"] == {""}


def test_tighter_layout_keeps_fonts_and_indents() -> None:
    standard, *tighter_layouts = load_template().layouts
    for layout in tighter_layouts:
        for sid, look in layout.looks.items():
            before = standard.looks[sid]
            assert (look.size, look.left, look.hanging) == (before.size, before.left, before.hanging)
            assert look.before <= before.before and look.after <= before.after and look.line >= 240


def test_sample_cards_last_page_decision() -> None:
    """The 2024-12 card printed 3 pages, the third with only 구민소통 and 기대효과; the 2024-03 card
    ends with a full page."""
    tight = spacing_of(render_docx(read_text(FIXTURE)))
    assert tight["CardHeading"] == {"after=50 before=140 line=264 lineRule=auto"}
    standard = spacing_of(render_docx(read_text(FIXTURE.with_name("3-1_2024-03_from-docx.txt"))))
    assert all(found == {""} for found in standard.values())


@pytest.mark.skipif(pdf_writer.missing() != "", reason="LibreOffice (soffice) or poppler-utils is not installed; "
                    "install libreoffice-writer-nogui and poppler-utils (scripts/preview.sh does)")
def test_sample_card_pdf_does_not_end_with_only_communication_and_effects() -> None:
    pages = pdf_writer.page_texts(pdf_writer.render_document(card_document(read_text(FIXTURE))))
    last = "".join(pages[-1].split())
    ahead = last.split("【구민소통실적】")[0] if "【구민소통실적】" in last else last.split("【기대효과】")[0]
    assert len(ahead) > 100  # the last page holds more than the last two sections
    assert len(pages) == 2


# ── one walk: the units come with the XML; a run drawn again in a tighter layout ─────────────────────
def test_nearly_empty_by_hand() -> None:
    # 15136 / 5 = 3027.2: a last page holding 3027 twips is nearly empty, 3028 is not; one page never is
    assert nearly_empty(Pages(2, 3027), PAGE_TEXT_HEIGHT)
    assert not nearly_empty(Pages(2, 3028), PAGE_TEXT_HEIGHT)
    assert not nearly_empty(Pages(1, 10), PAGE_TEXT_HEIGHT)


def test_chosen_layouts_of_the_sample_cards() -> None:
    # the 2024-12 card's third page is saved by the first tighter layout (see test_sample_cards_last_page_decision)
    assert chosen_layouts(card_document(read_text(FIXTURE))) == [1]
    assert chosen_layouts(card_document(read_text(FIXTURE.with_name("3-1_2024-03_from-docx.txt")))) == [0]
    assert chosen_layouts(bullets(48)) == [1] and chosen_layouts(bullets(47)) == [0]


def test_box_height_by_hand() -> None:
    # Card Box: cell margins 85 above and below, a ½ pt rule above and below (2 × 10); Card Box Title 40 before,
    # 278, 60 after; the ▪ line in Card Box Item 0 before, 278, 40 after: 170 + 20 + 378 + 318 = 886 twips;
    # then Normal's line (nothing between: the box has no space after, Normal none before)
    doc = Document("상자", (Box("인허가 현황", (Paragraph("총 12개소", "▪", 2),)), Paragraph("끝")))
    assert page_estimate(doc) == [Pages(1, 886 + BULLET_LINE)]


def test_picture_in_a_run_drawn_again_is_written_once() -> None:
    # the picture: 9638 × 500 / 1000 = 4819 twips wide, 2409 high, Normal's 40 after; 40 bullets fill page 1
    # (2409 + 40 × 318 = 15129), the 41st alone on page 2; half the space after (20) holds all 41
    # (2409 + 41 × 298 = 14627): the run is drawn again in the first tighter layout, the picture still once
    doc = Document("그림", (Image(png(2, 1), "image/png", "막대 그림", width=500), *bullets(41).blocks))
    assert page_estimate(doc) == [Pages(2, BULLET_LINE)]
    assert chosen_layouts(doc) == [1]
    data = render_document(doc)
    package = parts(data)
    assert [name for name in package if name.startswith("word/media/")] == ["word/media/reportgen-image1.png"]
    rels = etree.fromstring(package["word/_rels/document.xml.rels"])
    assert [r.get("Id") for r in rels.iter(f"{REL}Relationship") if r.get("Type").endswith("/image")] == [
        "rIdReportgenImage1"]
    assert [pr.get("id") for pr in body(data).iter(f"{WP}docPr")] == ["1"]
    assert spacing_of(data)["CardBullet1"] == {"after=20 before=0 line=264 lineRule=auto"}


def cell_widths(tbl: etree._Element) -> list[tuple[int, bool, str]]:
    """(width, keeps with next, vMerge) of each cell of a table, row by row."""
    out = []
    for tc in tbl.iter(f"{W}tc"):
        merge = tc.find(f"{W}tcPr/{W}vMerge")
        out.append((int(tc.find(f"{W}tcPr/{W}tcW").get(f"{W}w")), tc.find(f"{W}p/{W}pPr/{W}keepNext") is not None,
                    "" if merge is None else merge.get(f"{W}val", "continue")))
    return out


def test_label_cells_remembered_per_column_width_and_keep() -> None:
    # the same label in two tables: 9638 × 300 / 1000 = 2891 and the rest 6747; 500/500: 4819 and 4819; the
    # second table's notes keep its last two rows (rows 2 and 3) with them
    doc = Document("표", (
        Table((Row((cell("구분", label=True), cell("가"))),), (300, 700), name="가 표"),
        Table(tuple(Row((cell("구분", label=True), cell(str(n)))) for n in range(3)), (500, 500), name="나 표",
              notes=("주: 시험",)),
    ))
    root = body(render_document(doc))
    assert cell_widths(table_by_caption(root, "가 표")) == [(2891, False, ""), (6747, False, "")]
    assert cell_widths(table_by_caption(root, "나 표")) == [(4819, False, ""), (4819, False, ""),
                                                          (4819, True, ""), (4819, True, ""),
                                                          (4819, True, ""), (4819, True, "")]


def test_same_text_as_label_and_as_value_in_one_column() -> None:
    # cells are remembered by column and text: a label and a value of the same text stay apart (shaded or not,
    # label or table-text style)
    doc = Document("표", (Table((Row((cell("가", label=True), cell("가"))), Row((cell("가"), cell("가", label=True)))),
                                (500, 500), name="가 표"),))
    cells = [(tc.find(f"{W}tcPr/{W}shd") is not None, style(tc.find(f"{W}p")))
             for tc in table_by_caption(body(render_document(doc)), "가 표").iter(f"{W}tc")]
    assert cells == [(True, "CardTableLabel"), (False, "CardTableText"), (False, "CardTableText"),
                     (True, "CardTableLabel")]


def test_continued_cells_remembered_per_column_width() -> None:
    # a label spanning two rows, in two tables of other shares: 9638 × 200 / 1000 = 1927 (rest 7711) and
    # 9638 × 400 / 1000 = 3855 (rest 5783); the second row's first cell continues it
    def spanned(name: str, shares: tuple[int, int]) -> Table:
        return Table((Row((cell("항목", label=True, rowspan=2), cell("값", label=True))), Row((cell("1"),))),
                     shares, name=name)
    root = body(render_document(Document("표", (spanned("가 표", (200, 800)), spanned("나 표", (400, 600))))))
    assert cell_widths(table_by_caption(root, "가 표")) == [(1927, False, "restart"), (7711, False, ""),
                                                          (1927, False, "continue"), (7711, False, "")]
    assert cell_widths(table_by_caption(root, "나 표")) == [(3855, False, "restart"), (5783, False, ""),
                                                          (3855, False, "continue"), (5783, False, "")]
    # two labels spanning two rows in one table, in columns of 1927 and 9638 - 1927 - 2891 = 4820 twips
    both = Table((Row((cell("가", label=True, rowspan=2), cell("나", label=True), cell("다", label=True, rowspan=2))),
                  Row((cell("1"),))), (200, 300, 500), name="다 표")
    assert cell_widths(table_by_caption(body(render_document(Document("표", (both,)))), "다 표")) == [
        (1927, False, "restart"), (2891, False, ""), (4820, False, "restart"),
        (1927, False, "continue"), (2891, False, ""), (4820, False, "continue")]


def test_a_long_documents_body_is_compressed_section_by_section() -> None:
    """A council package has a section per card: the sections' XML is compressed piece by piece,
    never joined into one body and encoded whole, so drawing a 1.7 MB document.xml of 40 sections
    peaks at about 1.2 times its size (2.6 when the body was joined). Bound: 1.8."""
    import gc
    import tracemalloc

    from reportgen import document as d

    line = "가나다라마바사 아자차카타파하 " * 8
    doc = d.Document("긴 문서", tuple(d.Section(tuple(d.Paragraph(f"{s} {i} {line}") for i in range(100)))
                                     for s in range(40)))
    data = render_document(doc)
    size = len(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        again = render_document(doc)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert again == data and size > 1_500_000
    assert peak - base < 1.8 * size, f"{(peak - base) / size:.2f} times document.xml at the peak"
