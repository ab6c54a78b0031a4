"""The HWPX writer (and the HWP writer through it) renders every block of a Document."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from hwpx import HwpxDocument
from hwpx.tools.package_validator import validate_package
from hwpx.tools.validator import validate_document
from lxml import etree

from reportgen import document as d
from reportgen.writers import hwp as hwp_writer
from reportgen.writers import hwpx as hwpx_writer

HP = "{http://www.hancom.co.kr/hwpml/2011/paragraph}"
HH = "{http://www.hancom.co.kr/hwpml/2011/head}"
OPF = "{http://www.idpf.org/2007/opf/}"


def _png(width: int, height: int) -> bytes:
    """A real (red) PNG of ``width`` × ``height`` pixels."""
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


PLAN = d.Table(
    (
        d.Row((d.cell("세부추진내용", label=True, rowspan=2), d.cell("임기 내", label=True, colspan=2),
               d.cell("임기 후", label=True, rowspan=2))),
        d.Row((d.cell("2023년", label=True), d.cell("2024년", label=True))),
        d.Row((d.cell("조례 제정"), d.cell("설계"), d.cell("착공"), d.cell("준공"))),
    ),
    (250, 250, 250, 250), header_rows=2, caption="연차별 추진계획표", notes=("※ 단위: 건", "※ 2024. 12. 기준"),
)
WIDE = d.Table(
    tuple(d.Row((d.cell(f"분야 {i}"), *(d.cell(str(i * c)) for c in range(1, 11)))) for i in range(1, 4)),
    (260,) + (74,) * 10, style=d.STYLE_FIGURES,
)


def every_block() -> d.Document:
    """A document holding each kind of block (hand-written, so each expectation below is known)."""
    return d.Document("모든 블록", (
        d.Title("모든 블록 문서"),
        d.TableOfContents("목차", entries=(d.ContentsEntry("총괄표", 3), d.ContentsEntry("카드", 12),
                                           d.ContentsEntry("쪽 없음"))),
        d.Heading("【사업추진계획】", 1), d.Heading("□ 사업개요", 2), d.Heading("<홍보>", 3),
        d.Paragraph("첫째 줄", "○", 1), d.Paragraph("둘째 줄", "-", 2), d.Paragraph("셋째 줄", "▷", 3),
        d.Paragraph("가운데", align="center"), d.Paragraph("오른쪽", align="right"),
        d.DatedLine("2023. 04.", "착공", details=(d.Paragraph("세부", "▷", 3),)),
        d.Box("인허가 현황", (d.Paragraph("총 12개소", "▪", 2),)),
        PLAN,
        d.PageBreak(),
        d.Image(_png(40, 20), "image/png", "빨간 그림", width=500),
        d.Section((d.Heading("총괄표", 1), WIDE), orientation="landscape", name="총괄표"),
        d.Paragraph("끝 줄"),
    ))


@pytest.fixture(scope="module")
def package() -> bytes:
    return hwpx_writer.render_document(every_block())


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _root(data: bytes, part: str) -> etree._Element:
    return etree.fromstring(_parts(data)[part])


def _text(element: etree._Element) -> str:
    return "".join(t.text or "" for t in element.iter(f"{HP}t"))


def _paragraph(root: etree._Element, text: str) -> etree._Element:
    return next(p for p in root.iter(f"{HP}p") if _text(p) == text)


def _para_pr(data: bytes, pid: str) -> etree._Element:
    header = _root(data, "Contents/header.xml")
    return next(p for p in header.iter(f"{HH}paraPr") if p.get("id") == pid)


def test_python_hwpx_opens_and_validates_it(package: bytes, tmp_path: Path) -> None:
    path = tmp_path / "all.hwpx"
    path.write_bytes(package)
    assert validate_package(path).ok
    assert validate_document(path).ok
    doc = HwpxDocument.open(path)
    assert len(doc.sections) == 3  # portrait, landscape, portrait again
    assert "끝 줄" in doc.text.plain()


def test_sections_are_parts_with_their_own_page(package: bytes) -> None:
    parts = _parts(package)
    pages = [etree.fromstring(parts[f"Contents/section{i}.xml"]).find(f".//{HP}pagePr") for i in range(3)]
    assert [page.get("landscape") for page in pages] == ["WIDELY", "NARROWLY", "WIDELY"]
    assert {(page.get("width"), page.get("height")) for page in pages} == {("59528", "84186")}
    manifest = etree.fromstring(parts["Contents/content.hpf"])
    spine = [ref.get("idref") for ref in manifest.iter(f"{OPF}itemref")]
    assert spine == ["header", "section0", "section1", "section2"]
    assert b'secCnt="3"' in parts["Contents/header.xml"]


def test_landscape_table_is_as_wide_as_the_turned_page(package: bytes) -> None:
    wide = _root(package, "Contents/section1.xml").find(f".//{HP}tbl")
    # 84186 (A4 long side) - 2 × 5102 margins = 73982 HWPUNIT; portrait text is 49324
    assert wide.find(f"{HP}sz").get("width") == "73982"
    first = wide.find(f"{HP}tr").find(f"{HP}tc")
    assert first.find(f"{HP}cellSz").get("width") == str(73982 * 260 // 1000)


def test_table_spans_labels_header_rows_and_no_split(package: bytes) -> None:
    root = _root(package, "Contents/section0.xml")
    tbl = next(t for t in root.iter(f"{HP}tbl") if "세부추진내용" in _text(t))
    assert (tbl.get("rowCnt"), tbl.get("colCnt")) == ("3", "4")
    assert tbl.get("repeatHeader") == "1"
    assert tbl.get("pageBreak") == "TABLE"  # Hangul's 셀 단위로 나눔: a row is never cut
    assert tbl.find(f"{HP}pos").get("treatAsChar") == "0"  # an inline table would never break at all
    cells = {_text(tc): tc for tc in tbl.iter(f"{HP}tc")}
    span = {text: (tc.find(f"{HP}cellSpan").get("rowSpan"), tc.find(f"{HP}cellSpan").get("colSpan"),
                   tc.find(f"{HP}cellAddr").get("colAddr")) for text, tc in cells.items()}
    assert span["세부추진내용"] == ("2", "1", "0")
    assert span["임기 내"] == ("1", "2", "1")
    assert span["임기 후"] == ("2", "1", "3")
    assert span["2024년"] == ("1", "1", "2")
    assert [cells[t].get("header") for t in ("세부추진내용", "2023년", "조례 제정")] == ["1", "1", "0"]
    shaded = cells["임기 내"].get("borderFillIDRef")
    assert shaded == cells["2023년"].get("borderFillIDRef") != cells["설계"].get("borderFillIDRef")
    assert cells["설계"].find(f"{HP}cellSz").get("width") == str(49324 // 4)


def test_caption_above_and_notes_below_kept_with_the_table(package: bytes) -> None:
    root = _root(package, "Contents/section0.xml")
    body = [p for p in root if p.tag == f"{HP}p"]
    texts = [_text(p) for p in body]
    at = texts.index("연차별 추진계획표")
    assert "세부추진내용" in texts[at + 1] and texts[at + 2: at + 4] == ["※ 단위: 건", "※ 2024. 12. 기준"]
    keeps = [_para_pr(package, p.get("paraPrIDRef")).find(f"{HH}breakSetting").get("keepWithNext")
             for p in body[at: at + 4]]
    assert keeps == ["1", "1", "1", "0"]  # caption, table, first note keep with the next; the last note ends


def test_headings_keep_with_next(package: bytes) -> None:
    root = _root(package, "Contents/section0.xml")
    for text in ("【사업추진계획】", "□ 사업개요", "<홍보>"):
        pr = _para_pr(package, _paragraph(root, text).get("paraPrIDRef"))
        assert pr.find(f"{HH}breakSetting").get("keepWithNext") == "1", text
    plain = _para_pr(package, _paragraph(root, "○ 첫째 줄").get("paraPrIDRef"))
    assert plain.find(f"{HH}breakSetting").get("keepWithNext") == "0"


def test_markers_levels_alignment_and_dated_line(package: bytes) -> None:
    root = _root(package, "Contents/section0.xml")
    texts = [_text(p) for p in root.iter(f"{HP}p")]
    for line in ("○ 첫째 줄", "- 둘째 줄", "▷ 셋째 줄", "○ 2023. 04. : 착공", "▷ 세부"):
        assert line in texts
    align = {text: _para_pr(package, _paragraph(root, text).get("paraPrIDRef")).find(f"{HH}align").get("horizontal")
             for text in ("가운데", "오른쪽")}
    assert align == {"가운데": "CENTER", "오른쪽": "RIGHT"}
    left = {text: _para_pr(package, _paragraph(root, text).get("paraPrIDRef")).find(f".//{HH}margin")
            for text in ("○ 첫째 줄", "- 둘째 줄", "▷ 셋째 줄")}
    indents = [int(re.search(r'left value="(\d+)"', etree.tostring(m).decode())[1]) for m in left.values()]
    assert indents == sorted(indents) and len(set(indents)) == 3  # deeper markers sit further right


def test_box_is_a_one_cell_framed_table(package: bytes) -> None:
    root = _root(package, "Contents/section0.xml")
    box = next(t for t in root.iter(f"{HP}tbl") if "인허가 현황" in _text(t))
    assert (box.get("rowCnt"), box.get("colCnt")) == ("1", "1")
    assert [_text(p) for p in box.iter(f"{HP}p")] == ["인허가 현황", "▪ 총 12개소"]
    assert box.find(f"{HP}pos").get("horzOffset") == "2800"


def test_page_break_starts_the_next_paragraph_on_a_new_page(package: bytes) -> None:
    root = _root(package, "Contents/section0.xml")
    picture = next(p for p in root.iter(f"{HP}p") if p.find(f".//{HP}pic") is not None)
    assert picture.get("pageBreak") == "1"


def test_image_is_a_bindata_part_in_the_manifest(package: bytes) -> None:
    parts = _parts(package)
    assert parts["BinData/image1.png"] == _png(40, 20)
    manifest = etree.fromstring(parts["Contents/content.hpf"])
    item = next(i for i in manifest.iter(f"{OPF}item") if i.get("id") == "image1")
    assert (item.get("href"), item.get("media-type"), item.get("isEmbeded")) == (
        "BinData/image1.png", "image/png", "1")
    pic = _root(package, "Contents/section0.xml").find(f".//{HP}pic")
    assert pic.find(f"{HC}img").get("binaryItemIDRef") == "image1"
    size = pic.find(f"{HP}sz")
    # half the text width (49324 // 2 = 24662), the height by the picture's 2:1 sides
    assert (size.get("width"), size.get("height")) == ("24662", "12331")


HC = "{http://www.hancom.co.kr/hwpml/2011/core}"


def test_contents_numbers_are_text_behind_a_right_dot_tab(package: bytes) -> None:
    root = _root(package, "Contents/section0.xml")
    line = next(p for p in root.iter(f"{HP}p") if (p.find(f".//{HP}t") is not None
                                                    and (p.find(f".//{HP}t").text or "") == "총괄표"
                                                    and p.find(f".//{HP}tab") is not None))
    text = line.find(f".//{HP}t")
    tab = text.find(f"{HP}tab")
    assert (tab.get("type"), tab.get("leader"), tab.tail) == ("1", "2", "3")  # RIGHT, DOT, the page as text
    pr = _para_pr(package, line.get("paraPrIDRef"))
    header = _root(package, "Contents/header.xml")
    tab_pr = next(t for t in header.iter(f"{HH}tabPr") if t.get("id") == pr.get("tabPrIDRef"))
    item = tab_pr.find(f".//{HH}tabItem")
    assert (item.get("type"), item.get("leader"), item.get("pos")) == ("RIGHT", "DOT", "49324")
    no_page = _paragraph(root, "쪽 없음")
    assert no_page.find(f".//{HP}tab") is None


def test_contents_without_entries_lists_the_headings_to_depth() -> None:
    doc = d.Document("목차", (d.TableOfContents(depth=2), d.Heading("가", 1), d.Heading("나", 2),
                             d.Heading("다", 3)))
    root = _root(hwpx_writer.render_document(doc), "Contents/section0.xml")
    assert [_text(p) for p in root.iter(f"{HP}p")] == ["목차", "가", "나", "가", "나", "다"]


def test_preview_text_is_the_document_text(package: bytes) -> None:
    preview = _parts(package)["Preview/PrvText.txt"].decode("utf-8").split("\r\n")
    assert preview[:4] == ["모든 블록 문서", "목차", "총괄표 3", "카드 12"]
    assert "세부추진내용 임기 내 임기 후" in preview and "빨간 그림" in preview


def test_same_document_same_bytes(package: bytes) -> None:
    assert hwpx_writer.render_document(every_block()) == package


def test_row_with_too_many_cells_is_a_clear_error() -> None:
    table = d.Table((d.Row((d.cell("a"), d.cell("b"), d.cell("c"))),), (500, 500))
    with pytest.raises(hwpx_writer.CardError, match="more cells than its 2 columns"):
        hwpx_writer.render_document(d.Document("x", (table,)))


def test_short_row_is_filled_with_empty_cells() -> None:
    table = d.Table((d.Row((d.cell("a"), d.cell("b"))), d.Row((d.cell("c"),))), (500, 500))
    tbl = _root(hwpx_writer.render_document(d.Document("x", (table,))), "Contents/section0.xml").find(f".//{HP}tbl")
    addresses = [(tc.find(f"{HP}cellAddr").get("rowAddr"), tc.find(f"{HP}cellAddr").get("colAddr"))
                 for tc in tbl.iter(f"{HP}tc")]
    assert addresses == [("0", "0"), ("0", "1"), ("1", "0"), ("1", "1")]


def test_hwp_of_the_document_opens_with_pyhwp(tmp_path: Path) -> None:
    from hwp5.xmlmodel import Hwp5File

    path = tmp_path / "all.hwp"
    path.write_bytes(hwp_writer.render_document(every_block()))
    hwp = Hwp5File(str(path))
    try:
        assert len(list(hwp.bodytext.sections)) == 3
        assert list(hwp["BinData"]) == ["BIN0001.png"]
    finally:
        hwp.close()


def test_hwp_of_a_one_section_document_matches_the_long_way() -> None:
    doc = d.Document("짧은 문서", (d.Title("짧은 문서"), PLAN, d.TableOfContents(entries=(d.ContentsEntry("가", 2),))))
    fast = hwp_writer.render_document(doc)
    style = hwpx_writer.load_template()
    parts = hwpx_writer.document_parts(doc, style=style)
    from hwpx.hwp5.writer import write_hwp5

    assert fast == write_hwp5({**style.raw, **hwpx_writer.fresh_parts(parts, style)})


def test_table_cells_place_spans_clip_them_at_the_edges_and_fill_gaps() -> None:
    table = d.Table((d.Row((d.cell("a", rowspan=5), d.cell("b", colspan=3))),  # a runs past the last row
                     d.Row((d.cell("c"),)),  # c next to a; column 2 is left empty
                     d.Row((d.cell("e"), d.cell("f")))), (300, 300, 400))
    cells = [(c.row, c.col, c.row_span, c.col_span, list(c.lines)) for c in hwpx_writer.table_cells(table)]
    assert cells == [(0, 0, 3, 1, ["a"]), (0, 1, 1, 2, ["b"]),  # b's third column is past the grid
                     (1, 1, 1, 1, ["c"]), (1, 2, 1, 1, []),
                     (2, 1, 1, 1, ["e"]), (2, 2, 1, 1, ["f"])]


def test_damaged_picture_is_a_card_error_as_in_the_docx() -> None:
    """One rule for a picture's size (reportgen.document.pixel_size): a damaged PNG is refused, not
    drawn at a guessed size."""
    from reportgen.document import Document, Image
    from reportgen.errors import CardError
    from reportgen.writers.hwpx import render_document

    broken = Image(b"\x89PNG\r\n\x1a\n" + b"\0" * 4, "image/png", "깨진 그림")
    with pytest.raises(CardError, match="깨진 그림"):
        render_document(Document("t", (broken,)))


#: the fields of a block that hold printed text (a str, or a tuple of str)
_TEXT_FIELDS = {"text", "title", "lines", "caption", "notes", "date"}


def _accented(item: object) -> object:
    """``item`` with "é" (U+00E9: one byte in Latin-1, two in UTF-8) before each of its printed texts."""
    import dataclasses

    if isinstance(item, tuple):
        return tuple(_accented(x) for x in item)
    if not dataclasses.is_dataclass(item) or isinstance(item, type):
        return item
    changes: dict[str, object] = {}
    for found in dataclasses.fields(item):
        value = getattr(item, found.name)
        if found.name in _TEXT_FIELDS and isinstance(value, str):
            changes[found.name] = "é" + value
        elif found.name in _TEXT_FIELDS and isinstance(value, tuple):
            changes[found.name] = tuple("é" + x if isinstance(x, str) else _accented(x) for x in value)
        elif isinstance(value, tuple) or dataclasses.is_dataclass(value):
            changes[found.name] = _accented(value)
    return dataclasses.replace(item, **changes)  # type: ignore[type-var]


def test_every_text_goes_to_the_xml_as_utf8() -> None:
    """Every text of every kind of block (title, 목차 line, headings, paragraphs, dated lines, box, table
    cells, caption, notes, landscape section) reaches its hp:t as UTF-8: a text that missed the
    section's one-byte form would be written as Latin-1 (é as the byte E9, invalid UTF-8) or fail."""
    doc = _accented(every_block())
    assert isinstance(doc, d.Document)
    parts = hwpx_writer.document_parts(doc)
    texts = [t.text for xml in parts.sections for t in etree.fromstring(xml).iter(f"{HP}t") if t.text]
    assert len(texts) > 40 and all("é" in text for text in texts), texts
    assert any(text.startswith("é총괄표") for text in texts) and "é조례 제정" in texts and "○ é2023. 04. : é착공" in texts
    for xml in parts.sections:
        xml.decode("utf-8")
        assert b"\xc3\xa9" in xml
