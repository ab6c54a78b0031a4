"""Open data: one row per pledge, as a Document holding one table that the writers print.

The fields and their order are :data:`FIELDS`. :func:`export_document` builds the table (a header
row, then one row per pledge; a figures table whose 추진율, 목표연도 and 목표(%) are numbers and
whose other cells are text as written) and the report writers (:data:`reportgen.formats.REPORT_FORMATS`)
print it: CSV (Excel-ready, formula-looking text made safe), JSON (docs/export-schema.md, .json),
XLSX, HTML, text …

담당자 names and phone numbers are never exported: open data names departments only. 목표 달성 is
:func:`reportgen.rates.check_target` for the 기준일's year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reportgen.document import STYLE_FIGURES, Cell, Document, Section, Table, Title, cell
from reportgen.document import Row as TableRow
from reportgen.model import Card, Contact, Workbook, contact_text
from reportgen.rates import check_target

# ── the fields ────────────────────────────────────────────────────────────
F_ID, F_AREA, F_TITLE, F_CATEGORY, F_EXECUTOR, F_PERIOD = "관리번호", "분야", "사업명", "사업구분", "사업주체", "사업기간"
F_STATUS, F_PROGRESS, F_COMPLETION = "추진상황", "추진율", "완료시기"
F_DEPARTMENT, F_COOPERATION, F_BUDGET = "추진부서", "협조부서", "소요예산"
F_TARGET_YEAR, F_TARGET, F_OUTCOME, F_AS_OF = "목표연도", "목표(%)", "목표 달성", "기준일"
#: every field of a row, in CSV column order (docs/export-schema.md describes each)
FIELDS = (F_ID, F_AREA, F_TITLE, F_CATEGORY, F_EXECUTOR, F_PERIOD, F_STATUS, F_PROGRESS, F_COMPLETION,
          F_DEPARTMENT, F_COOPERATION, F_BUDGET, F_TARGET_YEAR, F_TARGET, F_OUTCOME, F_AS_OF)
#: 협조부서 are joined by this in one field
COOPERATION_SEPARATOR = "; "
#: the fields that are numbers (the others are text as written, even when they look like one)
FIGURES = frozenset({F_PROGRESS, F_TARGET_YEAR, F_TARGET})
#: each field's column width in per mille of the table
SHARES = (45, 90, 150, 55, 45, 70, 55, 40, 45, 95, 95, 70, 55, 45, 50, 55)
TITLE = "공약 이행 현황 공개 데이터"
SHEET = "공약목록"
NOTES = ("목표 달성 = 목표연도(기준일이 속한 해)의 목표(%)와 추진율이 둘 다 있을 때, 추진율 ≥ 목표(%) 이면 달성, "
         "아니면 미달; 그해 목표나 추진율이 없으면 목표 없음",
         "담당자 이름과 전화번호는 싣지 않습니다(추진부서·협조부서는 부서 이름만)")

Row = dict[str, str | int | None]


@dataclass(frozen=True)
class Export:
    """What an export writes: the office, the 기준일 and one row per pledge (workbook order)."""

    agency: str
    term: str
    as_of: str
    rows: tuple[Row, ...]


def department_text(card: Card) -> str:
    """추진부서 without 담당자 or phone: ``전략사업과 스마트산업담당``."""
    return card.header.department.department.strip()


def cooperation_text(card: Card) -> str:
    """협조부서 without 담당자 or phone, joined: ``市 산업입지과; 市 지산학협력과``."""
    names = (contact_text(Contact(c.department, agency=c.agency)) for c in card.header.cooperation)
    return COOPERATION_SEPARATOR.join(name for name in names if name)


def card_row(card: Card, as_of: dt.date | None) -> Row:
    """One pledge's fields (:data:`FIELDS`)."""
    h = card.header
    target = check_target(card, as_of.year if as_of else None)
    return {
        F_ID: card.id, F_AREA: card.area, F_TITLE: card.title, F_CATEGORY: h.category,
        F_EXECUTOR: h.executor, F_PERIOD: h.period, F_STATUS: h.status, F_PROGRESS: h.progress,
        F_COMPLETION: h.completion, F_DEPARTMENT: department_text(card), F_COOPERATION: cooperation_text(card),
        F_BUDGET: h.budget, F_TARGET_YEAR: target.year, F_TARGET: target.target,
        F_OUTCOME: target.state, F_AS_OF: as_of.isoformat() if as_of else "",
    }


def export_rows(book: Workbook, as_of: dt.date | None) -> Export:
    """The workbook's open data as of ``as_of`` (the 목표 of that day's year)."""
    s = book.settings
    day = as_of.isoformat() if as_of else ""
    return Export(s.agency, s.term, day, tuple(card_row(card, as_of) for card in book.cards))


# ── the document ──────────────────────────────────────────────────────────
def value_cell(name: str, value: str | int | None) -> Cell:
    """A field's cell: a number field as its digits (empty when None), any other as verbatim text."""
    text = "" if value is None else str(value)
    return cell(text, verbatim=name not in FIGURES)


def export_table(data: Export) -> Table:
    """The header row of :data:`FIELDS`, then one row per pledge."""
    head = TableRow(tuple(cell(name, label=True) for name in FIELDS))
    body = tuple(TableRow(tuple(value_cell(name, row[name]) for name in FIELDS), keep=False) for row in data.rows)
    return Table((head, *body), SHARES, header_rows=1, name=SHEET, style=STYLE_FIGURES, notes=NOTES)


def export_title(data: Export) -> str:
    """``가나구 민선 8기 공약 이행 현황 공개 데이터 (2024-12-31)``."""
    who = " ".join(part for part in (data.agency, f"민선 {data.term}" if data.term else "") if part)
    day = f" ({data.as_of})" if data.as_of else ""
    return f"{who} {TITLE}".strip() + day


def export_document(data: Export) -> Document:
    """The open data as a document: its title, then the table on a landscape page (sheet 공약목록)."""
    title = export_title(data)
    return Document(title, (Section((Title(title), export_table(data)), "landscape", SHEET),), name=SHEET)
