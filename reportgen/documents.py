"""Documents built from the domain: the pledge card (the 총괄표, 변동사항 and package follow).

The card document holds the same content in the same order as the DOCX card
(``writers/docx.py``): the 관리번호 box, 사업명, the header table, 【사업추진계획】
with the 연차별 추진계획 table, 【추진실적】, 【금후계획】, 【구민소통 실적】,
【기대효과】. Labels, headings, markers and value texts all come from
:mod:`reportgen.model`.
"""

from __future__ import annotations

from functools import lru_cache

from reportgen import model as m
from reportgen.document import (
    STYLE_FIELDS,
    STYLE_ID,
    Block,
    Box,
    Cell,
    DatedLine,
    Document,
    Heading,
    Paragraph,
    Row,
    Table,
    Title,
    cell,
)
from reportgen.errors import CardError

#: column shares (per mille), as on the DOCX card
HEADER_SHARES = (160, 340, 160, 340)
ID_BOX_SHARES = (500, 500)
ID_BOX_WIDTH = 260  # the 관리번호 box spans 26 % of the text width, at the left
PLAN_ITEM_SHARE, PLAN_AFTER_SHARE = 170, 140
#: screen-reader names of the card's tables (each follows its heading)
NAME_ID = m.L_ID
NAME_HEADER = "사업 개요표"

# What every card holds the same, made once: blocks are frozen, so cards share them (no card text in them).
_ID_LABEL = cell(m.L_ID, label=True)
_HEADER_LABELS = {label: cell(label, label=True) for row in m.HEADER_ROWS for label in row}
_COMMUNICATION_HEAD = Row(tuple(cell(label, label=True) for label in m.COMMUNICATION_LABELS))
_COMMUNICATION_NAME = m.H_COMMUNICATION.strip("【】")
_PLAN = Heading(m.H_PLAN, 1)
_PLAN_SUBHEADINGS = tuple((key, Heading(f"{m.MARK_SUBHEADING} {title}", 2)) for key, title in m.PLAN_SUBHEADINGS.items())
_ANNUAL_PLAN = Heading(f"{m.MARK_SUBHEADING} {m.SUB_ANNUAL_PLAN}", 2)
_ACHIEVEMENTS = Heading(m.H_ACHIEVEMENTS, 1)
_FUTURE, _COMMUNICATION, _EFFECTS = Heading(m.H_FUTURE, 1), Heading(m.H_COMMUNICATION, 1), Heading(m.H_EFFECTS, 1)


def contact_lines(text: str) -> tuple[str, ...]:
    """A contact as printed in its cell: the department, then ``(담당자 ☎…)`` on its own line."""
    name, bracket, rest = text.partition(" (")
    if not bracket or not rest.endswith(")"):
        return (text,) if text else ()
    return name, "(" + rest


# ── a card's paragraphs and value cells, made without their constructors' checks ─────────────────────
# The checks of Paragraph (a known alignment, a relative link) and Cell (spans of at least 1, a relative
# link) read only fields a card never sets: its paragraphs and value cells have no alignment, no link and no
# spans, so the checks could never fire on them. Made field by field as the frozen dataclass's __init__
# makes them (the same objects: equal, hashable, frozen), without the __init__ and __post_init__ calls: a
# third of card_document's time (~60 of them a card). Tests (tests/test_docx_speed.py) hold the field lists
# and that the constructors still refuse bad values.
_new = object.__new__
_set = object.__setattr__


def _paragraph(text: str, marker: str, level: int) -> Paragraph:
    """``Paragraph(text, marker, level)``: no alignment, no link."""
    made = _new(Paragraph)
    _set(made, "text", text)
    _set(made, "marker", marker)
    _set(made, "level", level)
    _set(made, "align", "")
    _set(made, "link", "")
    return made


def _value(lines: tuple[str, ...]) -> Cell:
    """``Cell(lines)``: a value cell of one row and one column, no link."""
    made = _new(Cell)
    _set(made, "lines", lines)
    _set(made, "rowspan", 1)
    _set(made, "colspan", 1)
    _set(made, "label", False)
    _set(made, "link", "")
    _set(made, "verbatim", False)
    return made


def _text(text: str) -> Cell:
    """``cell(text)``: a value cell of one line (none when ``text`` is empty)."""
    return _value((text,) if text else ())


def bullet(line: m.BulletLine) -> Paragraph:
    """A bullet line with its marker and the marker's depth."""
    return _paragraph(line.text.strip(), line.marker, line.level)


def id_box(card: m.Card) -> Table:
    """The small ``관리번호 | 3-1`` table at the top left."""
    row = Row((_ID_LABEL, _text(card.id)))
    return Table((row,), ID_BOX_SHARES, name=NAME_ID, width=ID_BOX_WIDTH, align="left", style=STYLE_ID)


def header_table(card: m.Card) -> Table:
    """사업구분 … 협조부서: four rows of label, value, label, value."""
    h = card.header
    values = {
        m.L_CATEGORY: (h.category,), m.L_EXECUTOR: (h.executor,),
        m.L_PERIOD: (h.period,), m.L_STATUS: (m.status_text(h),),
        m.L_BUDGET: (h.budget,), m.L_COMPLETION: (h.completion,),
        m.L_DEPARTMENT: contact_lines(m.contact_text(h.department)),
        m.L_COOPERATION: tuple(line for c in h.cooperation for line in contact_lines(m.contact_text(c))),
    }
    rows = []
    for left, right in m.HEADER_ROWS:
        cells = []
        for label in (left, right):
            cells += [_HEADER_LABELS[label], _value(tuple([v for v in values[label] if v]))]
        rows.append(Row(tuple(cells)))
    return Table(tuple(rows), HEADER_SHARES, name=NAME_HEADER, style=STYLE_FIELDS)


def plan_table(card: m.Card) -> Table | None:
    """연차별 추진계획: 세부추진내용 | 임기 내 (one column per year) | 임기 후, then the targets and rows.

    세부추진내용 spans the three heading rows, 임기 후 the first two, 임기 내 the year columns;
    the first two rows repeat on each page (as in the DOCX).
    """
    plan = card.annual_plan
    n = len(plan.years)
    if not n and plan.rows:
        raise CardError(f"{card.id}: 연차별 추진계획에 연도가 없습니다 / the annual plan has rows but no years")
    if not n:
        return None
    if any(len(row.cells) > n for row in plan.rows) or len(plan.targets) > n:
        raise CardError(f"{card.id}: 연차별 추진계획의 칸 수가 연도 수({n})보다 많습니다 / "
                        f"annual plan has more cells than term years ({n})")
    year_share = (1000 - PLAN_ITEM_SHARE - PLAN_AFTER_SHARE) // n
    shares = (PLAN_ITEM_SHARE, *[year_share] * n, 1000 - PLAN_ITEM_SHARE - year_share * n)
    targets = [*plan.targets, *[None] * (n - len(plan.targets))]
    rows = [
        *_plan_head(tuple(plan.years)),
        Row((*[_text(m.percent_text(t)) for t in targets], _text(m.percent_text(plan.after_term_target)))),
    ]
    for row in plan.rows:
        cells = [*row.cells, *[""] * (n - len(row.cells))]
        rows.append(Row((_text(row.title), *[_text(c) for c in cells], _text(row.after_term))))
    return Table(tuple(rows), shares, header_rows=2, name=m.SUB_ANNUAL_PLAN)


@lru_cache(maxsize=64)
def _plan_head(years: tuple[int, ...]) -> tuple[Row, Row]:
    """The plan table's two heading rows for the term ``years`` (the same on every card of a term: made once)."""
    return (Row((cell(m.L_PLAN_ITEM, label=True, rowspan=3), cell(m.L_IN_TERM, label=True, colspan=len(years)),
                 cell(m.L_AFTER_TERM, label=True, rowspan=2))),
            Row(tuple(cell(f"{year}년", label=True) for year in years)))


def entry(item: m.Achievement) -> Block:
    """A 추진실적 entry: a dated line, a free line, or the box of an undated line with details."""
    details = tuple([bullet(detail) for detail in item.details]) if item.details else ()
    if not item.date and item.marker == m.MARK_PLAIN:
        return Box(item.text.strip(), details) if details else _paragraph(item.text.strip(), "", 0)
    return DatedLine(item.date, item.text.strip(), item.marker or m.MARK_L1, details)


def achievement_blocks(card: m.Card) -> list[Block]:
    """【추진실적】: □ sections, ``<groups>`` and their entries."""
    out: list[Block] = [_ACHIEVEMENTS]
    for section in card.achievements:
        out.append(Heading(f"{m.MARK_SUBHEADING} {section.title}", 2))
        for group in section.groups:
            if group.title:
                out.append(Heading(f"{m.GROUP_OPEN}{group.title}{m.GROUP_CLOSE}", 3))
            out += [entry(item) for item in group.items]
    return out


def plan_blocks(card: m.Card) -> list[Block]:
    """【사업추진계획】: the □ bullet sections and the 연차별 추진계획 table."""
    out: list[Block] = [_PLAN]
    for key, heading in _PLAN_SUBHEADINGS:
        out.append(heading)
        out += [bullet(line) for line in card.bullets.get(key, [])]
    out.append(_ANNUAL_PLAN)
    table = plan_table(card)
    return out + ([table] if table else [])


def bullet_section(heading: Heading, lines: list[m.BulletLine]) -> list[Block]:
    """A 【…】 heading and its bullet lines."""
    return [heading, *[bullet(line) for line in lines]]


def communication_table(card: m.Card) -> Table:
    """구민소통 실적: the five labels over their counts."""
    columns = len(m.COMMUNICATION_LABELS)
    counts = [*card.communication, *[None] * columns][:columns]
    rows = (_COMMUNICATION_HEAD, Row(tuple([_text(m.count_text(count)) for count in counts])))
    return Table(rows, (200,) * columns, header_rows=1, name=_COMMUNICATION_NAME)


def card_document(card: m.Card) -> Document:
    """The standard pledge card as a document."""
    blocks: list[Block] = []
    if card.id:
        blocks.append(id_box(card))
    if card.title:
        blocks.append(Title(card.title))
    blocks.append(header_table(card))
    blocks += plan_blocks(card)
    blocks += achievement_blocks(card)
    blocks += bullet_section(_FUTURE, card.bullets.get(m.FUTURE_PLAN, []))
    blocks += [_COMMUNICATION, communication_table(card)]
    blocks += bullet_section(_EFFECTS, card.bullets.get(m.EFFECTS, []))
    title = " ".join(part for part in (card.id, card.title) if part) or m.L_ID
    return Document(title, tuple(blocks), name=card.id)
