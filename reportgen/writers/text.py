"""Text writer: the standard pledge card as plain text (jinja2 ``templates/card.txt.j2``)."""

from __future__ import annotations

import re
from functools import cache

import jinja2

from reportgen import model as m
from reportgen.resources import template_path

INDENT = "  "


def _clean(text: str) -> str:
    """One physical line per card line: no line breaks, no trailing space."""
    return " ".join(text.split("\n")).strip()


def bullet(line: m.BulletLine) -> str:
    """``  ○ text`` indented by the marker's level."""
    if line.marker == m.MARK_PLAIN:
        return _clean(line.text)
    return f"{INDENT * line.level}{line.marker} {_clean(line.text)}"


def entry(item: m.Achievement) -> str:
    """A 추진실적 entry: ``  ○ 2023. 04. : text``; an undated plain entry starts at column 0."""
    text = f"{item.date} : {_clean(item.text)}" if item.date else _clean(item.text)
    if item.marker == m.MARK_PLAIN and not item.date:
        return text
    return f"{INDENT}{item.marker or m.MARK_L1} {text}"


def detail_line(line: m.BulletLine) -> str:
    """A sub-line under an entry; a plain one is indented so that it stays a sub-line."""
    if line.marker == m.MARK_PLAIN:
        return f"{INDENT * 2}{_clean(line.text)}"
    return f"{INDENT * 2}{line.marker} {_clean(line.text)}"


def contact(person: m.Contact) -> str:
    """``전략사업과 스마트산업담당 (최재봉 ☎5021)``; ``市 산업입지과 (…)`` with an agency."""
    name = f"{person.agency} {person.department}".strip()
    inner = " ".join(part for part in (person.officer, f"{m.PHONE}{person.phone}" if person.phone else "") if part)
    return f"{name} ({inner})" if inner else name


def cooperation(people: list[m.Contact]) -> str:
    """협조부서 cell: contacts side by side; comma-separated when one has no (담당자 ☎)."""
    separator = " " if all(p.officer or p.phone for p in people) else ", "
    return separator.join(contact(p) for p in people)


def status_text(header: m.Header) -> str:
    """``추진 중(40%)``."""
    return f"{header.status}({header.progress}%)" if header.progress is not None else header.status


def header_cells(card: m.Card) -> list[list[str]]:
    """The 4 header rows as [label, value, label, value]."""
    h = card.header
    values = {
        m.L_CATEGORY: h.category, m.L_EXECUTOR: h.executor,
        m.L_PERIOD: h.period, m.L_STATUS: status_text(h),
        m.L_BUDGET: h.budget, m.L_COMPLETION: h.completion,
        m.L_DEPARTMENT: contact(h.department),
        m.L_COOPERATION: cooperation(h.cooperation),
    }
    return [[left, _clean(values[left]), right, _clean(values[right])] for left, right in m.HEADER_ROWS]


def percent(value: int | None) -> str:
    return "" if value is None else f"{value}%"


def plan_cells(plan: m.AnnualPlan) -> list[list[str]]:
    """The 연차별 추진계획 table as rows of cells, merged cells left empty."""
    if not plan.years:
        return []
    width = len(plan.years)
    rows = [
        [m.L_PLAN_ITEM, m.L_IN_TERM] + [""] * (width - 1) + [m.L_AFTER_TERM],
        [""] + [f"{year}년" for year in plan.years] + [""],
        [""] + [percent(t) for t in plan.targets] + [percent(plan.after_term_target)],
    ]
    rows += [[row.title, *row.cells, row.after_term] for row in plan.rows]
    return [[_clean(cell) for cell in row] for row in rows]


def count_text(count: int | None) -> str:
    """구민소통 count: ``1회``, or ``-`` for none."""
    return m.COUNT_NONE if count is None else f"{count}{m.COUNT_UNIT}"


@cache
def _template() -> jinja2.Template:
    source = template_path("card.txt.j2").read_text(encoding="utf-8")
    env = jinja2.Environment(keep_trailing_newline=True, autoescape=False, undefined=jinja2.StrictUndefined)
    return env.from_string(source)


def render_text(card: m.Card) -> str:
    """The card as standard text."""
    text = _template().render(
        card=card, m=m, bullet=bullet, entry=entry, detail_line=detail_line,
        header_rows=header_cells(card), plan_rows=plan_cells(card.annual_plan),
        counts=[count_text(c) for c in card.communication],
    )
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"
