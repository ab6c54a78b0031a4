"""총괄표 (summary tables) of a workbook: counts per status, 평균 추진율, 완료율.

Formulas (also printed under the tables):

* 평균 추진율 = mean of the cards' 추진율, rounded half-up to one decimal;
  cards without 추진율 are left out of the mean (and the count of those is stated).
* 완료율 = cards whose status is one of ``설정`` 완료 statuses (default 완료 and
  이행후 계속추진) ÷ all cards × 100, rounded half-up to one decimal.
* Status labels are compared with all spaces removed (``이행 후 계속추진`` =
  ``이행후계속추진``). Zero counts print as ``-``.

The renderers return bytes/str and never write files. XLSX/DOCX output is
byte-identical for the same input (fixed zip timestamps and member order);
the helpers for that (:func:`xlsx_bytes`, :func:`docx_bytes`, :func:`reportgen.writers.zippack.repack`)
are shared with :mod:`reportgen.diff`.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from reportgen.model import (
    COMPLETIONS,
    COUNT_NONE,
    L_COMPLETION,
    L_DEPARTMENT,
    L_EXECUTOR,
    Card,
    Workbook,
    label_key,
)
from reportgen.writers.xlsx import looks_like_formula
from reportgen.writers.zippack import repack

# ── labels of the summary (not card labels, so they live here) ────────────
TITLE = "총괄표"
L_AREA = "분야"
L_TOTAL_COUNT = "계"
L_TOTAL_ROW = "합계"
L_AVERAGE = "평균 추진율(%)"
L_DONE_RATE = "완료율(%)"
L_AS_OF = "기준일"
L_TERM = "민선"
L_UNSET = "(미입력)"
TABLE_AREA = "분야별"
TABLE_DEPARTMENT = "부서별"
TABLE_COMPLETION = "완료시기별"
TABLE_EXECUTOR = "사업주체별"

FIXED_TIME = dt.datetime(1980, 1, 1, 0, 0, 0)
_TENTH = Decimal("0.1")


def half_up(numerator: int, denominator: int) -> Decimal:
    """``numerator / denominator`` rounded half-up to one decimal (62.25 → 62.3)."""
    with localcontext() as ctx:
        ctx.prec = 60  # exact enough that no repeating fraction looks like .x5
        value = Decimal(numerator) / Decimal(denominator)
        return value.quantize(_TENTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class SummaryRow:
    """One row of a summary table (one 분야, 부서, … or the 합계 row)."""

    label: str
    total: int  # 계
    status_counts: tuple[int, ...]  # per status column of Summary.statuses
    progress_cards: int  # cards that have 추진율 (the mean's denominator)
    average_progress: Decimal | None  # None when no card has 추진율
    done: int  # cards with a 완료 status
    completion_rate: Decimal | None  # None when the row has no cards


@dataclass(frozen=True)
class SummaryTable:
    """A titled table: 분야별, 부서별, 완료시기별 or 사업주체별."""

    title: str
    key_label: str  # first column heading
    rows: tuple[SummaryRow, ...]
    total: SummaryRow


@dataclass(frozen=True)
class Summary:
    """Everything a 총괄표 prints."""

    agency: str
    term: str
    as_of: str
    statuses: tuple[str, ...]  # status columns, 설정 order, then unlisted ones seen
    done_statuses: tuple[str, ...]
    tables: tuple[SummaryTable, ...]
    cards: int
    cards_without_progress: int


# ── computing ─────────────────────────────────────────────────────────────


def _status_columns(wb: Workbook) -> tuple[list[str], dict[str, int]]:
    """Status column labels and the column index of each squeezed status."""
    labels: list[str] = []
    index: dict[str, int] = {}
    seen = [*(s for s in wb.settings.statuses if s.strip()), *(c.header.status for c in wb.cards)]
    for status in seen:
        key = label_key(status)
        if key not in index:
            index[key] = len(labels)
            labels.append(status.strip() or L_UNSET)
    return labels, index


def _row(
    label: str, cards: Sequence[Card], columns: dict[str, int], done: set[str]
) -> SummaryRow:
    counts = [0] * len(columns)
    for card in cards:
        counts[columns[label_key(card.header.status)]] += 1
    progress = [c.header.progress for c in cards if c.header.progress is not None]
    done_count = sum(1 for c in cards if label_key(c.header.status) in done)
    return SummaryRow(
        label=label,
        total=len(cards),
        status_counts=tuple(counts),
        progress_cards=len(progress),
        average_progress=half_up(sum(progress), len(progress)) if progress else None,
        done=done_count,
        completion_rate=half_up(done_count * 100, len(cards)) if cards else None,
    )


def _grouped(
    cards: Iterable[Card], key_of: Callable[[Card], str], fixed: Sequence[str] = ()
) -> list[tuple[str, list[Card]]]:
    """Cards grouped by ``key_of`` (compared without spaces), fixed labels first,
    the others in order of first appearance."""
    groups: dict[str, tuple[str, list[Card]]] = {label_key(f): (f, []) for f in fixed}
    for card in cards:
        label = key_of(card).strip()
        key = label_key(label)
        if key not in groups:
            groups[key] = (label or L_UNSET, [])
        groups[key][1].append(card)
    return list(groups.values())


def _table(
    title: str,
    key_label: str,
    wb: Workbook,
    key_of: Callable[[Card], str],
    columns: dict[str, int],
    done: set[str],
    fixed: Sequence[str] = (),
) -> SummaryTable:
    rows = tuple(_row(label, cards, columns, done) for label, cards in _grouped(wb.cards, key_of, fixed))
    return SummaryTable(title, key_label, rows, _row(L_TOTAL_ROW, wb.cards, columns, done))


def summarize(wb: Workbook) -> Summary:
    """The 총괄표 of ``wb``: 분야별, 부서별, 완료시기별 and 사업주체별 tables with totals."""
    labels, columns = _status_columns(wb)
    done = {label_key(s) for s in wb.settings.done_statuses}
    tables = (
        _table(TABLE_AREA, L_AREA, wb, lambda c: c.area, columns, done),
        _table(TABLE_DEPARTMENT, L_DEPARTMENT, wb, lambda c: c.header.department.department, columns, done),
        _table(TABLE_COMPLETION, L_COMPLETION, wb, lambda c: c.header.completion, columns, done, COMPLETIONS),
        _table(TABLE_EXECUTOR, L_EXECUTOR, wb, lambda c: c.header.executor, columns, done),
    )
    settings = wb.settings
    return Summary(
        agency=settings.agency,
        term=settings.term,
        as_of=settings.as_of,
        statuses=tuple(labels),
        done_statuses=tuple(settings.done_statuses),
        tables=tables,
        cards=len(wb.cards),
        cards_without_progress=sum(1 for c in wb.cards if c.header.progress is None),
    )


# ── display strings shared by the renderers ───────────────────────────────


def count_text(n: int) -> str:
    """A count as printed: ``-`` for zero."""
    return str(n) if n else COUNT_NONE


def rate_text(value: Decimal | None) -> str:
    """A one-decimal figure as printed: ``62.3``, ``-`` when there is none."""
    return COUNT_NONE if value is None else f"{value:.1f}"


def header_cells(s: Summary, table: SummaryTable) -> list[str]:
    """Column headings of ``table``."""
    return [table.key_label, L_TOTAL_COUNT, *s.statuses, L_AVERAGE, L_DONE_RATE]


def row_cells(row: SummaryRow) -> list[str]:
    """The printed cells of one row."""
    counts = [count_text(n) for n in row.status_counts]
    return [row.label, count_text(row.total), *counts, rate_text(row.average_progress), rate_text(row.completion_rate)]


def title_line(s: Summary) -> str:
    """``총괄표 — 부산광역시 사하구 민선 8기 (기준일 2024-12-31)``."""
    parts = [TITLE]
    who = " ".join(p for p in (s.agency, f"{L_TERM} {s.term}" if s.term else "") if p)
    if who:
        parts.append(f"— {who}")
    if s.as_of:
        parts.append(f"({L_AS_OF} {s.as_of})")
    return " ".join(parts)


def notes(s: Summary) -> list[str]:
    """The formulas, stated under the tables (Korean / English)."""
    done = ", ".join(s.done_statuses)
    return [
        f"※ 평균 추진율 = 추진율이 입력된 카드의 추진율 평균, 소수 첫째 자리 반올림(0.05 올림); "
        f"추진율 없는 카드 {s.cards_without_progress}건은 평균에서 제외 / "
        f"mean of the cards' 추진율, rounded half-up to one decimal; "
        f"{s.cards_without_progress} card(s) without 추진율 left out of the mean",
        f"※ 완료율 = ({done}) 카드 수 ÷ 전체 카드 수 × 100, 소수 첫째 자리 반올림 / "
        f"cards with status {done} ÷ all cards × 100, rounded half-up",
        "※ 상태는 띄어쓰기를 무시하고 비교, 0건은 '-' / statuses compared with spaces removed; zero prints as '-'",
    ]


# ── text ──────────────────────────────────────────────────────────────────


def summary_text(s: Summary) -> str:
    """The 총괄표 as text: a title, then each table as TAB-separated rows, then the formulas."""
    lines = [title_line(s), ""]
    for table in s.tables:
        lines.append(f"■ {table.title}")
        lines.append("\t".join(header_cells(s, table)))
        lines.extend("\t".join(row_cells(r)) for r in (*table.rows, table.total))
        lines.append("")
    lines.extend(notes(s))
    return "\n".join(lines) + "\n"


# ── deterministic zip output shared with reportgen.diff ───────────────────


def xlsx_bytes(book: Any) -> bytes:
    """Bytes of an openpyxl workbook with fixed document dates and zip timestamps."""
    from openpyxl.writer.excel import ExcelWriter

    book.properties.created = FIXED_TIME
    book.properties.modified = FIXED_TIME
    book.properties.creator = "reportgen"
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()
    return repack(raw.getvalue())


def docx_bytes(doc: Any) -> bytes:
    """Bytes of a python-docx document with fixed core properties and zip timestamps."""
    props = doc.core_properties
    props.created = props.modified = props.last_printed = FIXED_TIME
    props.author = props.last_modified_by = "reportgen"
    props.revision = 1
    raw = io.BytesIO()
    doc.save(raw)
    return repack(raw.getvalue())


TEXT_FORMAT = "@"  # Excel's cell format 텍스트 (text)


def set_text(cell: Any, value: object) -> None:
    """Put ``value`` into an openpyxl cell; text is always text, never a formula or error code.

    Text is a string cell in the text format ``@``, and text that starts like a formula
    also gets ``quotePrefix`` (the card rule of :mod:`reportgen.writers.xlsx`), so editing
    the cell in Excel keeps it text. Numbers and other values are put in as they are.
    Call it after copying a whole style onto the cell (that would drop the format).
    """
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if not isinstance(value, str):
        cell.value = value
        return
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.value = text
    cell.data_type = "s"
    cell.number_format = TEXT_FORMAT
    if looks_like_formula(text):
        cell.quotePrefix = True


# ── xlsx ──────────────────────────────────────────────────────────────────


def _xlsx_value(text: str) -> object:
    """Counts and rates as numbers (``-`` stays text), labels as text."""
    if re.fullmatch(r"\d+", text):
        return int(text)
    if re.fullmatch(r"\d+\.\d", text):
        return float(text)
    return text


def summary_xlsx(s: Summary) -> bytes:
    """The 총괄표 as an XLSX with one sheet ``총괄표`` holding every table."""
    from openpyxl import Workbook as Book
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    book = Book()
    sheet = book.active
    sheet.title = TITLE
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="D9D9D9")
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    set_text(sheet.cell(1, 1), title_line(s))
    sheet.cell(1, 1).font = Font(bold=True, size=14)
    row = 3
    for table in s.tables:
        set_text(sheet.cell(row, 1), f"■ {table.title}")
        sheet.cell(row, 1).font = bold
        row += 1
        for col, text in enumerate(header_cells(s, table), start=1):
            cell = sheet.cell(row, col)
            set_text(cell, text)
            cell.font, cell.fill, cell.border = bold, fill, box
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for data in (*table.rows, table.total):
            row += 1
            for col, text in enumerate(row_cells(data), start=1):
                cell = sheet.cell(row, col)
                value = _xlsx_value(text) if col > 1 else text
                set_text(cell, value)
                cell.border = box
                if col > 1:
                    cell.alignment = Alignment(horizontal="center")
                if isinstance(value, float):  # rates (``-`` stays text)
                    cell.number_format = "0.0"
                if data is table.total:
                    cell.font = bold
        row += 2
    for note in notes(s):
        set_text(sheet.cell(row, 1), note)
        row += 1
    sheet.column_dimensions["A"].width = 36
    for col in range(2, len(s.statuses) + 5):
        sheet.column_dimensions[_column_letter(col)].width = 12
    return xlsx_bytes(book)


def _column_letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


# ── docx ──────────────────────────────────────────────────────────────────

KOREAN_FONT = "맑은 고딕"
HEADER_FILL = "D9D9D9"


def korean_document() -> Any:
    """A new python-docx document, A4 landscape, every style in 맑은 고딕 (w:eastAsia too)."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    doc = Document()
    _set_default_font(doc)
    for style in doc.styles:
        if getattr(style, "font", None) is not None:
            set_run_font(style.element)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(15))
    return doc


def _set_default_font(doc: Any) -> None:
    """맑은 고딕 in the document defaults (w:docDefaults/w:rPrDefault)."""
    from docx.oxml.ns import qn

    fonts = doc.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
    if fonts is not None:
        _korean_fonts(fonts)


def set_run_font(element: Any) -> None:
    """Give a style or run element rFonts of 맑은 고딕 for Latin and East-Asian text."""
    _korean_fonts(element.get_or_add_rPr().get_or_add_rFonts())


def _korean_fonts(fonts: Any) -> None:
    from docx.oxml.ns import qn

    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        fonts.set(qn(attr), KOREAN_FONT)


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
#: usable width of an A4 landscape page with 15 mm margins, in twips
PAGE_WIDTH_TWIPS = 15136
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: str) -> str:
    """``text`` without characters XML cannot hold."""
    return _XML_ILLEGAL.sub("", text)


def _xml_escape(text: str) -> str:
    return clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _run_xml(text: str, bold: bool) -> str:
    """One w:r; line breaks in ``text`` become w:br."""
    props = "<w:rPr><w:b/></w:rPr>" if bold else ""
    parts = [f'<w:t xml:space="preserve">{_xml_escape(line)}</w:t>' for line in text.split("\n")]
    return f"<w:r>{props}{'<w:br/>'.join(parts)}</w:r>"


def _cell_xml(text: str, width: int, bold: bool, center: bool, fill: str | None) -> str:
    shading = f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>' if fill else ""
    align = '<w:pPr><w:jc w:val="center"/></w:pPr>' if center else ""
    run = _run_xml(text, bold) if text else ""
    return f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{shading}</w:tcPr><w:p>{align}{run}</w:p></w:tc>'


def docx_table(
    doc: Any,
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    bold_last: bool = False,
    center_from: int | None = None,
    widths: Sequence[int] | None = None,
) -> None:
    """Append a grid table with a shaded, bold, repeated header row.

    Built as XML in one go (python-docx cell by cell is slow for long diffs).
    Columns from ``center_from`` on are centred; ``widths`` in twips
    (default: the page width shared equally).
    """
    from docx.oxml import parse_xml

    n = len(header)
    widths = list(widths) if widths else [PAGE_WIDTH_TWIPS // n] * n
    centred = [center_from is not None and c >= center_from for c in range(n)]
    body = [list(r) for r in rows]
    parts = [
        f'<w:tbl xmlns:w="{W_NS}"><w:tblPr><w:tblStyle w:val="TableGrid"/>'
        f'<w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>',
        *(f'<w:gridCol w:w="{w}"/>' for w in widths),
        "</w:tblGrid><w:tr><w:trPr><w:tblHeader/></w:trPr>",
        *(_cell_xml(text, w, True, True, HEADER_FILL) for text, w in zip(header, widths, strict=True)),
        "</w:tr>",
    ]
    for r, values in enumerate(body, start=1):
        bold = bold_last and r == len(body)
        cells = zip(values, widths, centred, strict=True)
        parts.append("<w:tr>" + "".join(_cell_xml(t, w, bold, c, None) for t, w, c in cells) + "</w:tr>")
    parts.append("</w:tbl>")
    table = parse_xml("".join(parts))
    body_element = doc.element.body
    if body_element.sectPr is not None:
        body_element.sectPr.addprevious(table)
    else:
        body_element.append(table)


def _summary_widths(columns: int) -> list[int]:
    """A wide label column, the page's remaining width shared by the figures."""
    label = 3400
    return [label] + [(PAGE_WIDTH_TWIPS - label) // (columns - 1)] * (columns - 1)


def summary_docx(s: Summary) -> bytes:
    """The 총괄표 as a DOCX: a title, each table with a shaded header row, the formulas."""
    doc = korean_document()
    doc.add_heading(clean(title_line(s)), level=1)
    for table in s.tables:
        doc.add_heading(table.title, level=2)
        rows = (row_cells(r) for r in (*table.rows, table.total))
        header = header_cells(s, table)
        docx_table(doc, header, rows, bold_last=True, center_from=1, widths=_summary_widths(len(header)))
        doc.add_paragraph()
    for note in notes(s):
        doc.add_paragraph(clean(note))
    return docx_bytes(doc)
