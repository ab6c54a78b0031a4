"""The CSV and JSON writers on documents made by hand: the bytes written out by hand below (BOM,
CRLF, quoting, the formula rule, figures as numbers, empty figures null, verbatim text, spans,
several tables, refusals), never produced by reportgen."""

from __future__ import annotations

import json

import pytest

from reportgen.document import (
    STYLE_FIGURES,
    Document,
    Heading,
    Paragraph,
    Row,
    Section,
    Table,
    cell,
)
from reportgen.errors import CardError
from reportgen.formats import FORMATS, REPORT_FORMATS, WRITERS, parse_formats
from reportgen.writers import csv as csv_writer
from reportgen.writers import json as json_writer


def figures() -> Table:
    """분야 | 관리번호 | 계 | 평균: a text label column, a verbatim id, a count, a rate; the second row's
    분야 would be a formula, its 계 is "-" (no cards), its 평균 empty."""
    return Table((
        Row((cell("분야", label=True), cell("관리번호", label=True), cell("계", label=True), cell("평균", label=True))),
        Row((cell("경제, 일자리", label=True), cell("12", verbatim=True), cell("1,234"), cell("62.3"))),
        Row((cell("=SUM(A1)", label=True), cell("-1", verbatim=True), cell("-"), cell(""))),
    ), (250, 250, 250, 250), header_rows=1, caption="분야별", style=STYLE_FIGURES, notes=("계산식",))


def doc(*tables: Table) -> Document:
    return Document("문서", (Heading("제목"), Paragraph("설명"), Section(tables, "landscape", "s")))


def test_csv_one_table_byte_for_byte() -> None:
    data = csv_writer.render_document(doc(figures()))
    # BOM; header; "경제, 일자리" quoted (comma); 12 verbatim but plain; 1,234 a figure as written
    # (quoted: comma); =SUM(A1) and the verbatim -1 and the non-number figure - get ' ; empty stays empty
    expected = ("\ufeff분야,관리번호,계,평균\r\n"
                '"경제, 일자리",12,"1,234",62.3\r\n'
                "'=SUM(A1),'-1,'-,\r\n")
    assert data == expected.encode("utf-8")


def test_csv_figures_and_text_outside_a_figures_table() -> None:
    """-3 is a number only in a figures table; elsewhere it is text that Excel would compute."""
    rows = (Row((cell("a", label=True), cell("b", label=True))), Row((cell("-3"), cell('말 "따옴표"\n둘째 줄'))))
    plain = Table(rows, (500, 500), header_rows=1)
    assert csv_writer.render_document(doc(plain)) == "\ufeffa,b\r\n'-3,\"말 \"\"따옴표\"\"\n둘째 줄\"\r\n".encode()
    numbers = Table(rows, (500, 500), header_rows=1, style=STYLE_FIGURES)
    assert csv_writer.render_document(doc(numbers)) == "\ufeffa,b\r\n-3,\"말 \"\"따옴표\"\"\n둘째 줄\"\r\n".encode()


def test_csv_spans_and_several_tables() -> None:
    """A colspan leaves its other places empty; several tables each under their caption (or name,
    or 표 N), a blank line between them."""
    spanned = Table((Row((cell("구분", label=True, rowspan=2), cell("추진상황", label=True, colspan=2))),
                     Row((cell("완료", label=True), cell("추진 중", label=True))),
                     Row((cell("계", label=True), cell("1"), cell("2")))),
                    (400, 300, 300), header_rows=2, caption="표 가")
    named = Table((Row((cell("x"),)),), (1000,), name="+이름")
    bare = Table((Row((cell("y"),)),), (1000,))
    data = csv_writer.render_document(doc(spanned, named, bare)).decode("utf-8")
    assert data == ("\ufeff표 가\r\n구분,추진상황,\r\n,완료,추진 중\r\n계,1,2\r\n"
                    "\r\n'+이름\r\nx\r\n"
                    "\r\n표 3\r\ny\r\n")


def test_no_table_is_refused() -> None:
    for writer in (csv_writer, json_writer):
        with pytest.raises(CardError, match="표가 없는"):
            writer.render_document(Document("t", (Paragraph("글"),)))


def test_json_one_table() -> None:
    data = json_writer.render_document(doc(figures()))
    # keys: the header cells; 1,234 → 1234, 62.3 → 62.3, "-" stays text, "" → null; labels and the
    # verbatim 12 / -1 stay text; UTF-8 without BOM, indent 2, a final line break
    assert json.loads(data) == [
        {"분야": "경제, 일자리", "관리번호": "12", "계": 1234, "평균": 62.3},
        {"분야": "=SUM(A1)", "관리번호": "-1", "계": "-", "평균": None}]
    assert data.startswith(b'[\n  {\n    "\xeb\xb6\x84\xec\x95\xbc": ') and data.endswith(b"}\n]\n")
    assert '"평균": 62.3' in data.decode("utf-8") and '"계": 1234,' in data.decode("utf-8")


def test_json_headings_spans_and_several_tables() -> None:
    """Keys join the header cells over a column; a rowspan's value repeats, a colspan's other
    columns are null; a repeated key or caption gets (2); a table without header rows is arrays."""
    spanned = Table((Row((cell("구분", label=True, rowspan=2), cell("추진상황", label=True, colspan=2))),
                     Row((cell("완료", label=True), cell("완료", label=True))),
                     Row((cell("경제", label=True, rowspan=2), cell("1", colspan=2))),
                     Row((cell("3"), cell("4")))),
                    (400, 300, 300), header_rows=2, caption="같은", style=STYLE_FIGURES)
    bare = Table((Row((cell("a"), cell("7"))),), (500, 500), caption="같은")
    data = json.loads(json_writer.render_document(doc(spanned, bare)))
    assert data == {
        "같은": [{"구분": "경제", "추진상황 완료": 1, "추진상황 완료 (2)": None},
                 {"구분": "경제", "추진상황 완료": 3, "추진상황 완료 (2)": 4}],
        "같은 (2)": [["a", "7"]],  # not a figures table: text
    }


def test_csv_and_json_are_report_formats_not_card_formats() -> None:
    assert REPORT_FORMATS[".csv"] is FORMATS["csv"] and REPORT_FORMATS[".json"] is FORMATS["json"]
    assert "csv" not in WRITERS and "json" not in WRITERS
    assert "csv" not in parse_formats("all") and "json" not in parse_formats("all")
    with pytest.raises(Exception, match="csv"):
        parse_formats("csv")
    assert REPORT_FORMATS[".csv"].render_document(doc(figures())).startswith(b"\xef\xbb\xbf")
