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
from reportgen.writers.docx import load_template, render_document, render_docx

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
