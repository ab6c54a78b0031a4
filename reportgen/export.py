"""Open data: one row per pledge, as CSV (Excel-ready) or JSON (docs/export-schema.md, .json).

The fields and their order are :data:`FIELDS`. CSV is UTF-8 with a BOM (Excel reads the Korean),
CRLF line ends, quoting only where needed; a text that Excel would read as a formula (it starts
with one of :data:`reportgen.writers.xlsx.FORMULA_START`: ``= + - @``, their full-width forms, TAB,
CR, LF) is written with a leading apostrophe ``'``, so that Excel shows it as text. JSON holds the
values as they are (no apostrophe), numbers as numbers, an empty number as ``null``.

담당자 names and phone numbers are never exported: open data names departments only. 목표 달성 is
:func:`reportgen.rates.check_target` for the 기준일's year.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass

from reportgen.model import Card, Contact, Workbook, contact_text
from reportgen.rates import check_target
from reportgen.writers.xlsx import looks_like_formula

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
#: JSON: the top-level keys
J_AGENCY, J_TERM, J_AS_OF, J_COUNT, J_ROWS = "기관명", "민선", "기준일", "공약 수", "공약"
#: what a CSV cell that Excel would read as a formula is prefixed with
TEXT_PREFIX = "'"

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


# ── CSV ───────────────────────────────────────────────────────────────────
def csv_cell(value: str | int | None) -> str:
    """A value as its CSV text: a number as digits, None as empty, a formula-looking text with ``'``."""
    if value is None:
        return ""
    text = str(value)
    return TEXT_PREFIX + text if isinstance(value, str) and looks_like_formula(text) else text


def to_csv(data: Export) -> bytes:
    """UTF-8 with BOM, CRLF, a header row of :data:`FIELDS` then one row per pledge."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FIELDS)
    for row in data.rows:
        writer.writerow([csv_cell(row[name]) for name in FIELDS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# ── JSON ──────────────────────────────────────────────────────────────────
def to_json(data: Export) -> bytes:
    """``{"기관명", "민선", "기준일", "공약 수", "공약": [rows]}`` (docs/export-schema.json), UTF-8."""
    document = {J_AGENCY: data.agency, J_TERM: data.term, J_AS_OF: data.as_of, J_COUNT: len(data.rows),
                J_ROWS: [{name: row[name] for name in FIELDS} for row in data.rows]}
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


#: output suffix → serializer
SERIALIZERS = {".csv": to_csv, ".json": to_json}
