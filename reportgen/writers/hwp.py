"""HWP writer: the standard pledge card as binary HWP 5.0 (``.hwp``) for older Hangul.

The card is built with python-hwpx's document API (A4, 함초롬바탕 body,
맑은 고딕 headings, the header table, 【】 headings, bullet paragraphs, the
merged 연차별 추진계획 table and the 구민소통 table) and converted by
python-hwpx's HWP 5.0 writer (:func:`hwpx.hwp5.writer.write_hwp5`), which
refuses content it cannot express; that refusal becomes a :class:`CardError`.

Each line of the card holds exactly the text of the standard text card
(the helpers of :mod:`reportgen.writers.text`), so reading the .hwp back
gives the same card. The random paragraph and table ids python-hwpx draws
are renumbered in document order, so the same card gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportgen import model as m
from reportgen.errors import CardError
from reportgen.writers import text as card_text

#: width of the text area of an A4 page with python-hwpx's default margins (HWPUNIT, 1/7200 in)
TEXT_WIDTH = 42520
HEADING_FONT = "맑은 고딕"
LABEL_SHADE = "#E7E6E6"
#: fixed document metadata so that the bytes do not depend on the clock
TIMESTAMP = "1980-01-01T00:00:00Z"
CREATOR = "reportgen"
#: header table column weights: label, value, label, value
HEADER_WEIGHTS = (14, 36, 14, 36)
PLAN_TITLE_WEIGHT = 2.0
#: elements whose ``id`` python-hwpx draws at random
_RANDOM_ID_TAGS = ("p", "tbl")


@dataclass(frozen=True)
class Styles:
    """The character (charPr) and paragraph (paraPr) shape ids the card uses."""

    body: str
    title: str
    heading: str
    subheading: str
    label: str
    centered: str
    title_para: str
    heading_para: str


def _styles(document: Any) -> Styles:
    """Mint the few character and paragraph shapes of the card once per document."""
    document.styles.ensure_font(HEADING_FONT)
    header = document.oxml.headers[0]
    return Styles(
        body=document.styles.ensure_run(size=11),
        title=document.styles.ensure_run(bold=True, size=16, font=HEADING_FONT),
        heading=document.styles.ensure_run(bold=True, size=13, font=HEADING_FONT),
        subheading=document.styles.ensure_run(bold=True, size=12),
        label=document.styles.ensure_run(bold=True, size=10, font=HEADING_FONT),
        centered=header.ensure_paragraph_alignment("CENTER"),
        title_para=header.ensure_paragraph_format(alignment="CENTER", margins={"prev": 1200, "next": 1200}),
        heading_para=header.ensure_paragraph_format(margins={"prev": 1400, "next": 400}),
    )


# ── building blocks ───────────────────────────────────────────────────────
def _one_line(text: str) -> str:
    """One card line: no line breaks, no outer spaces (as the text card prints it)."""
    return " ".join(text.split("\n")).strip()


def _paragraph(document: Any, text: str, char_pr: str, para_pr: str | None = None) -> None:
    document.add_paragraph(text, char_pr_id_ref=char_pr, para_pr_id_ref=para_pr, inherit_style=False)


def _fill_cell(cell: Any, lines: Sequence[str], char_pr: str, para_pr: str | None = None) -> None:
    """Put one paragraph per line in a fresh table cell."""
    first, *rest = list(lines) or [""]
    paragraph = cell.paragraphs[0]
    paragraph.text = first
    paragraph.char_pr_id_ref = char_pr
    if para_pr is not None:
        paragraph.para_pr_id_ref = para_pr
    for line in rest:
        cell.add_paragraph(line, char_pr_id_ref=char_pr, para_pr_id_ref=para_pr)


def _table(document: Any, rows: int, cols: int, weights: Sequence[float], anchor: Any = None) -> Any:
    """A full-width table, in a new paragraph or in ``anchor``."""
    if anchor is None:
        table = document.add_table(rows, cols, width=TEXT_WIDTH)
    else:
        table = anchor.add_table(rows, cols, width=TEXT_WIDTH)
    table.set_column_widths(list(weights))
    return table


def _id_box(document: Any, card: m.Card, styles: Styles) -> None:
    """관리번호 box in the first paragraph (the one holding the page settings)."""
    table = _table(document, 1, 2, (1, 1), anchor=document.paragraphs[0])
    table.set_cell_shading(0, 0, LABEL_SHADE)
    _fill_cell(table.cell(0, 0), [m.L_ID], styles.label, styles.centered)
    _fill_cell(table.cell(0, 1), [card.id], styles.label, styles.centered)


def _header_table(document: Any, card: m.Card, styles: Styles) -> None:
    """사업구분 … 협조부서(기관): four rows of label, value, label, value."""
    rows = card_text.header_cells(card)
    table = _table(document, len(rows), 4, HEADER_WEIGHTS)
    cooperation = [card_text.contact(person) for person in card.header.cooperation]
    for row_index, row in enumerate(rows):
        for col_index, value in enumerate(row):
            cell = table.cell(row_index, col_index)
            if col_index % 2 == 0:
                table.set_cell_shading(row_index, col_index, LABEL_SHADE)
                _fill_cell(cell, [value], styles.label, styles.centered)
            elif row[col_index - 1] == m.L_COOPERATION and cooperation:
                _fill_cell(cell, [_one_line(c) for c in cooperation], styles.body)
            else:
                _fill_cell(cell, [value], styles.body)


def _heading(document: Any, text: str, styles: Styles) -> None:
    _paragraph(document, text, styles.heading, styles.heading_para)


def _subheading(document: Any, title: str, styles: Styles) -> None:
    _paragraph(document, f"{m.MARK_SUBHEADING} {title}", styles.subheading)


def _bullets(document: Any, lines: Sequence[m.BulletLine], styles: Styles) -> None:
    for line in lines:
        _paragraph(document, card_text.bullet(line), styles.body)


def _plan_table(document: Any, plan: m.AnnualPlan, styles: Styles) -> None:
    """연차별 추진계획: 세부추진내용 and 임기 후 span the header rows, 임기 내 spans the years."""
    rows = card_text.plan_cells(plan)
    if not rows:
        return
    years = len(plan.years)
    table = _table(document, len(rows), years + 2, (PLAN_TITLE_WEIGHT, *[1] * years, 1))
    table.merge_cells(0, 0, 2, 0)
    table.merge_cells(0, 1, 0, years)
    table.merge_cells(0, years + 1, 1, years + 1)
    for row_index, row in enumerate(rows):
        head = row_index < 3
        for col_index, value in enumerate(row):
            if table.cell(row_index, col_index).address != (row_index, col_index):
                continue  # covered by a merged cell
            if head:
                table.set_cell_shading(row_index, col_index, LABEL_SHADE)
            _fill_cell(table.cell(row_index, col_index), [value],
                       styles.label if head else styles.body, styles.centered)


def _communication_table(document: Any, card: m.Card, styles: Styles) -> None:
    labels = m.COMMUNICATION_LABELS
    table = _table(document, 2, len(labels), [1] * len(labels))
    for col_index, label in enumerate(labels):
        table.set_cell_shading(0, col_index, LABEL_SHADE)
        _fill_cell(table.cell(0, col_index), [label], styles.label, styles.centered)
        count = card.communication[col_index] if col_index < len(card.communication) else None
        _fill_cell(table.cell(1, col_index), [card_text.count_text(count)], styles.body, styles.centered)


def _achievements(document: Any, card: m.Card, styles: Styles) -> None:
    for section in card.achievements:
        _subheading(document, section.title, styles)
        for group in section.groups:
            if group.title:
                _paragraph(document, f"{card_text.INDENT}{m.GROUP_OPEN}{group.title}{m.GROUP_CLOSE}",
                           styles.subheading)
            for item in group.items:
                _paragraph(document, card_text.entry(item), styles.body)
                for detail in item.details:
                    _paragraph(document, card_text.detail_line(detail), styles.body)


# ── the card ──────────────────────────────────────────────────────────────
def _write_card(document: Any, card: m.Card, styles: Styles) -> None:
    """The card's paragraphs and tables in the order of the standard card."""
    _id_box(document, card, styles)
    _paragraph(document, _one_line(card.title), styles.title, styles.title_para)
    _header_table(document, card, styles)
    _heading(document, m.H_PLAN, styles)
    for key, title in m.PLAN_SUBHEADINGS.items():
        _subheading(document, title, styles)
        _bullets(document, card.bullets[key], styles)
    _subheading(document, m.SUB_ANNUAL_PLAN, styles)
    _plan_table(document, card.annual_plan, styles)
    _heading(document, m.H_ACHIEVEMENTS, styles)
    _achievements(document, card, styles)
    _heading(document, m.H_FUTURE, styles)
    _bullets(document, card.bullets[m.FUTURE_PLAN], styles)
    _heading(document, m.H_COMMUNICATION, styles)
    _communication_table(document, card, styles)
    _heading(document, m.H_EFFECTS, styles)
    _bullets(document, card.bullets[m.EFFECTS], styles)


def _fixed_ids(document: Any) -> None:
    """Renumber the random paragraph and table ids in document order."""
    number = 0
    for section in document.sections:
        for element in section.element.iter():
            if element.tag.rsplit("}", 1)[-1] in _RANDOM_ID_TAGS and "id" in element.attrib:
                number += 1
                element.set("id", str(number))
        section.mark_dirty()


def _fixed_metadata(document: Any, card: m.Card) -> None:
    document.parts.clear_document_metadata(keep=("language",), timestamp=TIMESTAMP)
    document.parts.set_document_metadata(title=f"{card.id} {card.title}".strip(), creator=CREATOR,
                                         created_date=TIMESTAMP, modified_date=TIMESTAMP)
    document.parts.clear_preview()


def _hwpx_parts(document: Any) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(document.to_bytes())) as archive:
        return {name: archive.read(name) for name in archive.namelist() if not name.endswith("/")}


def _card_error(card: m.Card, exc: Exception) -> CardError:
    """A bilingual per-card message for python-hwpx refusing or failing to write the card."""
    name = f"{card.id} {card.title}".strip() or "(관리번호 없음 / no id)"
    detail = (str(exc).splitlines() or [type(exc).__name__])[0]
    if getattr(exc, "code", "") == "hwp5-write-unsupported":
        ko, en = ("한글 HWP 5.0(.hwp)로 나타낼 수 없는 내용이 있습니다. 이 카드는 .hwpx로 내보내세요",
                  "the card holds content HWP 5.0 (.hwp) cannot express; build this card as .hwpx")
    elif isinstance(exc, UnicodeError):
        ko, en = ("깨진 글자(잘못된 유니코드)가 있습니다. 원본 통합문서의 해당 칸을 다시 입력하세요",
                  "the card holds a broken (invalid Unicode) character; retype that cell in the workbook")
    else:
        ko, en = "HWP 파일을 만들 수 없습니다", "the .hwp file could not be built"
    return CardError(f"{name}: {ko} ({detail}) / {name}: {en} ({detail})")


def render_hwp(card: m.Card) -> bytes:
    """The card as HWP 5.0 bytes; :class:`CardError` when HWP 5.0 cannot hold it."""
    from hwpx import HwpxDocument
    from hwpx.errors import HwpxError
    from hwpx.hwp5.writer import write_hwp5

    try:
        document = HwpxDocument.new()
        _write_card(document, card, _styles(document))
        _fixed_ids(document)
        _fixed_metadata(document, card)
        return write_hwp5(_hwpx_parts(document))
    except (HwpxError, ValueError) as exc:
        raise _card_error(card, exc) from exc
