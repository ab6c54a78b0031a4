"""Formula-looking text in every XLSX the project writes stays text (class 10 of issue 9).

The checks read the raw XML of each sheet (not only openpyxl's view of it): no ``<f>``
element anywhere, and every cell whose text starts like a formula is a string cell
(shared or inline) whose style has ``quotePrefix`` or the text number format ``@``.
The texts and what makes them dangerous are written out here by hand.
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

import pytest

from reportgen import model as m
from reportgen.diff import changes_document, diff_workbooks
from reportgen.document import STYLE_FIGURES, Document, Row, Table, cell
from reportgen.formats import REPORT_FORMATS
from reportgen.package import package_contents, package_document
from reportgen.summary import summarize, summary_document
from reportgen.writers.xlsx import render_xlsx
from reportgen.xmltext import excel_unescape

#: texts Excel turns into a formula when the cell is typed again (or a CSV import runs them)
DANGEROUS = ["=1+1", "+1", "-1", "@SUM(A1)", '=HYPERLINK("http://x")']
#: the same, led by a tab or a line break (CSV-injection forms), and a full-width ＝
LED = ["\t=1+1", "\r\n+1", "＝1+1"]
#: first characters of a cell text that need the text format or quotePrefix (by hand)
STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝")

NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
TEXT_FORMAT_ID = 49  # Excel's built-in number format "@"


# ── reading an XLSX from its XML ───────────────────────────────────────────
def _text(element: ElementTree.Element) -> str:
    """The text of a shared string item or an inline string (rich runs joined)."""
    return "".join(t.text or "" for t in element.iter(f"{{{NS['x']}}}t"))


def _styles(archive: zipfile.ZipFile) -> list[tuple[bool, bool]]:
    """(quotePrefix, text format) of each cellXfs entry."""
    root = ElementTree.fromstring(archive.read("xl/styles.xml"))
    text_ids = {TEXT_FORMAT_ID} | {int(f.get("numFmtId")) for f in root.iterfind("x:numFmts/x:numFmt", NS)
                                   if f.get("formatCode") == "@"}
    return [(xf.get("quotePrefix") in ("1", "true"), int(xf.get("numFmtId", "0")) in text_ids)
            for xf in root.iterfind("x:cellXfs/x:xf", NS)]


def _cells(data: bytes) -> list[tuple[str, str, str | None, str, bool]]:
    """Every cell with a value: (sheet part, ref, type t, text, kept as text when edited).

    Asserts first that no sheet holds a formula element.
    """
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        shared = []
        if "xl/sharedStrings.xml" in names:
            root = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
            shared = [_text(si) for si in root.iterfind("x:si", NS)]
        styles = _styles(archive)
        sheets = [n for n in names if re.fullmatch(r"xl/worksheets/[^/]+\.xml", n)]
        assert sheets, "the XLSX has sheets"
        for name in sheets:
            xml = archive.read(name)
            assert not re.search(rb"<(\w+:)?f[ >/]", xml), f"{name}: a formula element"
            for c in ElementTree.fromstring(xml).iter(f"{{{NS['x']}}}c"):
                kind = c.get("t")
                if kind == "s":
                    text = shared[int(c.find("x:v", NS).text)]
                elif kind == "inlineStr":
                    text = _text(c.find("x:is", NS))
                elif c.find("x:v", NS) is not None:
                    text = c.find("x:v", NS).text or ""
                else:
                    continue
                quoted, text_format = styles[int(c.get("s", "0"))]
                out.append((name, c.get("r"), kind, text, quoted or text_format))
    return out


def _unsafe(data: bytes) -> list[str]:
    """Cells that start like a formula but are not a string kept as text when edited."""
    return [f"{sheet}!{ref} t={kind} {text!r}" for sheet, ref, kind, text, kept in _cells(data)
            if text.startswith(STARTS) and not (kind in ("s", "inlineStr") and kept)]


def _texts(data: bytes) -> set[str]:
    return {text for *_, text, _kept in _cells(data)}


# ── the workbooks: every 분야, 사업명, 부서, 추진상황 and 추진실적 starts like a formula ─────
def _card(number: int, text: str) -> m.Card:
    card = m.Card(id=f"1-{number}", title=text, area=text)
    card.header = m.Header(status=text, progress=10 * number, executor=text, completion=text,
                           department=m.Contact(text))
    entry = m.Achievement("2024. 03.", text)
    card.achievements = [m.AchievementSection(text, [m.AchievementGroup("", [entry])])]
    return card


def _quarters(texts: list[str]) -> tuple[m.Workbook, m.Workbook]:
    """Last quarter (plain texts, no 추진실적) and this quarter (the dangerous texts)."""
    old = m.Workbook(m.Settings(as_of="2024-03-31"),
                     [m.Card(id=f"1-{n}", title=f"사업 {n}", area="분야", header=m.Header(status="추진 중"))
                      for n, _ in enumerate(texts, start=1)])
    new = m.Workbook(m.Settings(as_of="2024-12-31"), [_card(n, t) for n, t in enumerate(texts, start=1)])
    return old, new


def _xlsx(doc: Document) -> bytes:
    """A report document as the XLSX the CLI writes for ``-o ….xlsx``."""
    return REPORT_FORMATS[".xlsx"].render_document(doc)


def _summary(texts: list[str]) -> bytes:
    return _xlsx(summary_document(summarize(_quarters(texts)[1])))


def _diff(texts: list[str]) -> bytes:
    return _xlsx(changes_document(diff_workbooks(*_quarters(texts))))


def _package(texts: list[str]) -> bytes:
    """The council package's combined XLSX (cover, 총괄표, 변경이력, every card)."""
    return _xlsx(package_document(package_contents(_quarters(texts)[1], None)))


def _card_xlsx(texts: list[str]) -> bytes:
    """One card holding every text: 사업명, 분야, header fields, one 추진실적 entry each."""
    card = _card(1, texts[0])
    more = iter(texts[1:] * 5)
    card.header.status, card.header.executor = next(more, "추진 중"), next(more, "구")
    card.header.department = m.Contact(next(more, "부서"))
    card.achievements[0].groups[0].items += [m.Achievement("2024. 06.", t) for t in texts]
    return render_xlsx(card)


# ── the report XLSX (총괄표, 변동사항) ───────────────────────────────────────
@pytest.mark.parametrize("render", [_summary, _diff], ids=["summary", "diff"])
def test_report_xlsx_keeps_formula_text_as_text(render) -> None:
    data = render(DANGEROUS)
    assert set(DANGEROUS) <= _texts(data), "every dangerous text is in the report"
    assert _unsafe(data) == []


@pytest.mark.parametrize("render", [_summary, _diff], ids=["summary", "diff"])
def test_report_xlsx_tab_or_line_break_led_text_is_text(render) -> None:
    data = render(LED)
    led = [t for t in _texts(data) if t.startswith(("\t", "\r", "\n"))]
    formulas = [t for t in _texts(data) if t.lstrip() in ("=1+1", "+1")]
    assert formulas, "the texts are in the report (as typed or with the lead stripped)"
    assert _unsafe(data) == [], led


def _split_ref(ref: str) -> tuple[str, int]:
    column, row = re.fullmatch(r"([A-Z]+)([0-9]+)", ref).groups()
    return column, int(row)


def test_summary_numbers_stay_numbers() -> None:
    """Counts and rates are number cells (type n, not text-formatted); the ``-`` of zero is text."""
    cells = _cells(_summary(DANGEROUS))
    # 분야별 table, the row of card 1-1 (분야 "=1+1"): 계 1, …, 추진율 10 → 10.0, 완료율 0.0
    first = next(c for c in cells if c[3] == "=1+1" and _split_ref(c[1])[0] == "A")
    assert first[2] in ("s", "inlineStr") and first[4]
    row = {_split_ref(ref)[0]: (kind, text, kept) for _, ref, kind, text, kept in cells
           if _split_ref(ref)[1] == _split_ref(first[1])[1]}
    assert row["B"][:2] in ((None, "1"), ("n", "1")) and not row["B"][2]
    numbers = [float(text) for _, _, kind, text, _ in cells if kind in (None, "n")]
    assert 10.0 in numbers and 50.0 in numbers  # 추진율 of 1-1 and 1-5 (10 × card number)
    dashes = [kept for *_, text, kept in cells if text == "-"]
    assert dashes and all(dashes)


def test_text_cells_are_the_one_rule() -> None:
    """Text is a string cell (never a formula or an error value), kept as text when edited where it
    starts like a formula; characters XML cannot hold are stored as Excel escapes them (read back
    without them); a figure in a figures table is a number, and its row heading stays text even
    when it reads as one."""
    texts = ["=1+1", "＝1+1", "\t+1", "보통 글", "#N/A", "a\x00b\x1fc"]
    table = Table(tuple(Row((cell(text),)) for text in texts), (1000,))
    figures = Table((Row((cell("-1", label=True), cell("12"))),), (500, 500), style=STYLE_FIGURES)
    cells = {excel_unescape(text): (kind, kept)
             for _, _, kind, text, kept in _cells(_xlsx(Document("시험", (table, figures))))}
    for text in ["=1+1", "＝1+1", "\t+1", "보통 글", "#N/A", "abc", "-1"]:
        assert cells[text][0] in ("s", "inlineStr"), text
    assert all(cells[text][1] for text in ["=1+1", "＝1+1", "\t+1", "-1"])
    assert "a\x00b\x1fc" not in cells
    assert cells["12"] in ((None, False), ("n", False))
    assert _unsafe(_xlsx(Document("시험", (table,)))) == []


# ── the other XLSX writers, checked the same way ───────────────────────────
@pytest.mark.parametrize("render", [_card_xlsx, _package], ids=["card", "package"])
def test_card_and_package_xlsx_keep_formula_text_as_text(render) -> None:
    data = render(DANGEROUS)
    assert set(DANGEROUS) <= _texts(data) | {t.split(" : ")[-1] for t in _texts(data)}
    assert _unsafe(data) == []


@pytest.mark.parametrize("render", [_card_xlsx, _package], ids=["card", "package"])
def test_card_and_package_xlsx_tab_led_text_is_text(render) -> None:
    data = render(LED)
    assert any(t.startswith("\t=1+1") for t in _texts(data))
    assert _unsafe(data) == []
