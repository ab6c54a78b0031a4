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




def cooperation(people: list[m.Contact]) -> str:
    """협조부서 cell: contacts side by side; comma-separated when one has no (담당자 ☎)."""
    separator = " " if all(p.officer or p.phone for p in people) else ", "
    return separator.join(m.contact_text(p) for p in people)




def header_cells(card: m.Card) -> list[list[str]]:
    """The 4 header rows as [label, value, label, value]."""
    h = card.header
    values = {
        m.L_CATEGORY: h.category, m.L_EXECUTOR: h.executor,
        m.L_PERIOD: h.period, m.L_STATUS: m.status_text(h),
        m.L_BUDGET: h.budget, m.L_COMPLETION: h.completion,
        m.L_DEPARTMENT: m.contact_text(h.department),
        m.L_COOPERATION: cooperation(h.cooperation),
    }
    return [[left, _clean(values[left]), right, _clean(values[right])] for left, right in m.HEADER_ROWS]




def plan_cells(plan: m.AnnualPlan) -> list[list[str]]:
    """The 연차별 추진계획 table as rows of cells, merged cells left empty."""
    if not plan.years:
        return []
    width = len(plan.years)
    rows = [
        [m.L_PLAN_ITEM, m.L_IN_TERM] + [""] * (width - 1) + [m.L_AFTER_TERM],
        [""] + [f"{year}년" for year in plan.years] + [""],
        [""] + [m.percent_text(t) for t in plan.targets] + [m.percent_text(plan.after_term_target)],
    ]
    rows += [[row.title, *row.cells, row.after_term] for row in plan.rows]
    return [[_clean(cell) for cell in row] for row in rows]




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
        counts=[m.count_text(c) for c in card.communication],
    )
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"
