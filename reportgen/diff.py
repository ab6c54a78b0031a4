"""변동사항: what changed between two quarters' workbooks, card by card.

Cards are matched by 관리번호. Text is compared *folded*: all whitespace
removed, look-alike middle dots (``·‧․･・``) made one, compatibility
characters normalised (NFKC: ``㈜`` = ``(주)``), so that retyping or copying
from Hangul does not count as a change. What is printed is the new text
(whitespace collapsed). Bullet markers are not compared (``-`` vs ``○``).

* header fields: 사업명, 분야, 사업구분, 사업주체, 사업기간, 추진상황, 추진율,
  소요예산, 완료시기, 추진부서, 담당자 (with 연락처), 협조부서;
* 추진실적: entries matched by (date, text); added and removed entries with
  their □/<…> group, and the ▷/▪ lines of a kept entry that changed; renamed
  □/<…> headings;
* bullet sections (금후계획 …): removed and added lines;
* 연차별 추진계획 cells and targets; 구민소통 counts;
* 목표 대비 뒤처진 카드: a card in both quarters (paired by 관리번호) that reached the target of
  the old 기준일's year in the old quarter and misses the target of the new 기준일's year in the
  new one (:mod:`reportgen.rates`), or whose 추진율 fell; a card without a target or 추진율 in
  either quarter can only fall behind by its 추진율 falling.

The 변동사항 is :func:`changes_document`, a :class:`reportgen.document.Document` that every
format writes; there is no format code here.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from reportgen import rates
from reportgen.document import (
    STYLE_FIELDS,
    Block,
    Cell,
    Document,
    Heading,
    Paragraph,
    Row,
    Section,
    Table,
    Title,
    cell,
)
from reportgen.model import (
    BULLET_SECTIONS,
    COMMUNICATION_LABELS,
    GROUP_CLOSE,
    GROUP_OPEN,
    H_ACHIEVEMENTS,
    H_COMMUNICATION,
    L_AFTER_TERM,
    L_BUDGET,
    L_CATEGORY,
    L_COMPLETION,
    L_COOPERATION,
    L_DEPARTMENT,
    L_EXECUTOR,
    L_ID,
    L_PERIOD,
    L_STATUS,
    L_TARGET_ROW,
    MARK_SUBHEADING,
    PHONE,
    PLAN_SUBHEADINGS,
    SECTION_OF,
    SUB_ANNUAL_PLAN,
    Achievement,
    AnnualPlan,
    BulletLine,
    Card,
    Contact,
    Workbook,
    count_text,
    label_key,
    percent_text,
)
from reportgen.model import contact_text as card_contact_text
from reportgen.summary import L_AREA

# ── labels of the diff report (not on the card, so they live here) ────────
L_TITLE = "사업명"
L_PROGRESS = "추진율"
L_STATUS_NAME = L_STATUS.removesuffix("(%)")  # 추진상황
L_OFFICER = "담당자"
L_ITEM = "항목"
L_OLD = "변경 전"
L_NEW = "변경 후"
L_HEADINGS = "제목"
YEAR_SUFFIX = "년"
TITLE = "변동사항"
TITLE_BEHIND = "목표 대비 뒤처진 카드"
NONE_BEHIND = "목표 대비 뒤처진 카드 없음"
L_BEFORE, L_AFTER = "변경 전", "변경 후"
L_TARGET = "목표"
L_REASON = "사유"
REASON_MISSED = "목표 달성 → 미달"
REASON_FELL = "추진율 하락"
NOTHING_CHANGED = "변경 사항 없음"
ADDED, REMOVED, CHANGED = "신규", "삭제", "변경"
PLUS, MINUS, TILDE = "+", "-", "~"



def tidy(text: str) -> str:
    """A text as printed in the diff: runs of whitespace become one space."""
    return " ".join((text or "").split())


# ── result objects ────────────────────────────────────────────────────────


@dataclass(frozen=True)
class FieldChange:
    """A value that changed: ``추진율: 40% → 60%``."""

    label: str
    old: str
    new: str


@dataclass(frozen=True)
class LineChange:
    """A line removed (``-``) or added (``+``)."""

    sign: str
    text: str


@dataclass(frozen=True)
class EntryChange:
    """A 추진실적 entry added (``+``), removed (``-``) or kept with changed sub-lines (``~``)."""

    sign: str
    section: str  # □ title
    group: str  # <…> title, "" for entries directly under □
    line: str  # ``2024. 03. : 산단환경조성사업 공모 선정``
    details: tuple[LineChange, ...] = ()


@dataclass(frozen=True)
class SectionChange:
    """Lines removed/added in one bullet section (key of BULLET_SECTIONS)."""

    key: str
    lines: tuple[LineChange, ...]


@dataclass
class CardDiff:
    """Everything that changed in one card (``kind`` 신규/삭제/변경)."""

    id: str
    title: str
    kind: str
    fields: list[FieldChange] = field(default_factory=list)
    headings: list[LineChange] = field(default_factory=list)  # □ / <…> headings of 추진실적
    achievements: list[EntryChange] = field(default_factory=list)
    sections: list[SectionChange] = field(default_factory=list)
    plan: list[FieldChange] = field(default_factory=list)
    communication: list[FieldChange] = field(default_factory=list)

    def has_changes(self) -> bool:
        """True when the card is new, dropped, or anything in it changed."""
        parts = (self.fields, self.headings, self.achievements, self.sections, self.plan, self.communication)
        return self.kind != CHANGED or any(parts)


@dataclass(frozen=True)
class FellBehind:
    """A card behind its target since the old quarter: both quarters' 목표 달성 checks and why."""

    id: str
    title: str
    old: rates.TargetCheck
    new: rates.TargetCheck

    @property
    def missed(self) -> bool:
        """달성 in the old quarter, 미달 in the new one."""
        return self.old.state == rates.REACHED and self.new.state == rates.MISSED

    @property
    def fell(self) -> bool:
        """추진율 lower than in the old quarter (both given)."""
        before, after = self.old.progress, self.new.progress
        return before is not None and after is not None and after < before


@dataclass
class Diff:
    """The 변동사항 between two workbooks: changed cards only, in new-workbook order, and the cards
    that fell behind their target (new-workbook order)."""

    old_as_of: str
    new_as_of: str
    cards: list[CardDiff]
    unchanged: int
    behind: list[FellBehind] = field(default_factory=list)
    old_year: int | None = None  # the old 기준일's year (its targets)
    new_year: int | None = None

    def count(self, kind: str) -> int:
        """How many cards are of ``kind`` (신규, 삭제 or 변경)."""
        return sum(1 for c in self.cards if c.kind == kind)


# ── header fields ─────────────────────────────────────────────────────────


def contact_text(contact: Contact) -> str:
    """``최재봉 ☎5021``; the officer alone when there is no phone."""
    phone = f"{PHONE}{contact.phone}" if contact.phone else ""
    return " ".join(p for p in (contact.officer, phone) if p)


def cooperation_text(contacts: Iterable[Contact]) -> str:
    """``市 산업입지과 (박정화 ☎888-4932), …``."""
    return ", ".join(card_contact_text(c) for c in contacts)


#: header fields in card order: label and how to read the value from a card
HEADER_FIELDS: tuple[tuple[str, Callable[[Card], str]], ...] = (
    (L_TITLE, lambda c: c.title),
    (L_AREA, lambda c: c.area),
    (L_CATEGORY, lambda c: c.header.category),
    (L_EXECUTOR, lambda c: c.header.executor),
    (L_PERIOD, lambda c: c.header.period),
    (L_STATUS_NAME, lambda c: c.header.status),
    (L_PROGRESS, lambda c: percent_text(c.header.progress)),
    (L_BUDGET, lambda c: c.header.budget),
    (L_COMPLETION, lambda c: c.header.completion),
    (L_DEPARTMENT, lambda c: c.header.department.department),
    (L_OFFICER, lambda c: contact_text(c.header.department)),
    (L_COOPERATION, lambda c: cooperation_text(c.header.cooperation)),
)


def _changed(label: str, old: str, new: str) -> list[FieldChange]:
    return [] if label_key(old) == label_key(new) else [FieldChange(label, tidy(old), tidy(new))]


def diff_header(old: Card, new: Card) -> list[FieldChange]:
    """Header fields whose folded text differs."""
    return [ch for label, read in HEADER_FIELDS for ch in _changed(label, read(old), read(new))]


# ── lines ─────────────────────────────────────────────────────────────────


def _bullet_text(line: BulletLine) -> str:
    return tidy(f"{line.marker} {line.text}")


def diff_lines(old: list[BulletLine], new: list[BulletLine]) -> list[LineChange]:
    """Removed and added lines, in reading order (markers are not compared)."""
    matcher = difflib.SequenceMatcher(
        None, [label_key(b.text) for b in old], [label_key(b.text) for b in new], autojunk=False
    )
    changes: list[LineChange] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        changes.extend(LineChange(MINUS, _bullet_text(b)) for b in old[i1:i2])
        changes.extend(LineChange(PLUS, _bullet_text(b)) for b in new[j1:j2])
    return changes


def diff_sections(old: Card, new: Card) -> list[SectionChange]:
    """Changed bullet sections (사업추진목표 … 금후계획, 기대효과)."""
    result = []
    for key in BULLET_SECTIONS:
        lines = diff_lines(old.bullets.get(key, []), new.bullets.get(key, []))
        if lines:
            result.append(SectionChange(key, tuple(lines)))
    return result


# ── 추진실적 ──────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class _Placed:
    section: str
    group: str
    item: Achievement

    @property
    def key(self) -> tuple[str, str]:
        return label_key(self.item.date), label_key(self.item.text)


def entry_line(item: Achievement) -> str:
    """``2023. 04. : text`` as on the card; the text alone when undated."""
    return tidy(f"{item.date} : {item.text}" if item.date else item.text)


def _placed(card: Card) -> list[_Placed]:
    return [
        _Placed(tidy(s.title), tidy(g.title), item)
        for s in card.achievements
        for g in s.groups
        for item in g.items
    ]


def _entry(sign: str, p: _Placed, details: Iterable[LineChange]) -> EntryChange:
    return EntryChange(sign, p.section, p.group, entry_line(p.item), tuple(details))


def diff_achievements(old: Card, new: Card) -> list[EntryChange]:
    """추진실적 entries added/changed (new order), then removed (old order)."""
    old_entries = _placed(old)
    pool: dict[tuple[str, str], list[_Placed]] = {}
    for p in old_entries:
        pool.setdefault(p.key, []).append(p)
    changes: list[EntryChange] = []
    matched: set[int] = set()
    for p in _placed(new):
        candidates = [c for c in pool.get(p.key, []) if id(c) not in matched]
        if not candidates:
            changes.append(_entry(PLUS, p, (LineChange(PLUS, _bullet_text(d)) for d in p.item.details)))
            continue
        before = candidates[0]
        matched.add(id(before))
        details = diff_lines(before.item.details, p.item.details)
        if details:
            changes.append(_entry(TILDE, p, details))
    for p in old_entries:
        if id(p) not in matched:
            changes.append(_entry(MINUS, p, (LineChange(MINUS, _bullet_text(d)) for d in p.item.details)))
    return changes


def _headings(card: Card) -> list[str]:
    titles = []
    for s in card.achievements:
        titles.append(f"{MARK_SUBHEADING} {tidy(s.title)}")
        titles.extend(f"{GROUP_OPEN}{tidy(g.title)}{GROUP_CLOSE}" for g in s.groups if g.title.strip())
    return titles


def diff_headings(old: Card, new: Card) -> list[LineChange]:
    """□ and <…> headings of 추진실적 that are gone or new."""
    old_titles, new_titles = _headings(old), _headings(new)
    old_keys, new_keys = {label_key(t) for t in old_titles}, {label_key(t) for t in new_titles}
    removed = [LineChange(MINUS, t) for t in old_titles if label_key(t) not in new_keys]
    added = [LineChange(PLUS, t) for t in new_titles if label_key(t) not in old_keys]
    return removed + added


# ── 연차별 추진계획, 구민소통 ───────────────────────────────────────────────


def _cells(plan: AnnualPlan) -> dict[tuple[str, str], tuple[str, str]]:
    """(folded row, column) → (printed row label, cell text) for every cell and target."""
    cells: dict[tuple[str, str], tuple[str, str]] = {}
    for year, target in zip(plan.years, plan.targets, strict=False):
        cells[(label_key(L_TARGET_ROW), f"{year}{YEAR_SUFFIX}")] = (L_TARGET_ROW, percent_text(target))
    if plan.after_term_target is not None:
        cells[(label_key(L_TARGET_ROW), L_AFTER_TERM)] = (L_TARGET_ROW, percent_text(plan.after_term_target))
    for row in plan.rows:
        label = tidy(row.title)
        for year, text in zip(plan.years, row.cells, strict=False):
            cells[(label_key(row.title), f"{year}{YEAR_SUFFIX}")] = (label, text)
        cells[(label_key(row.title), L_AFTER_TERM)] = (label, row.after_term)
    return cells


def diff_plan(old: Card, new: Card) -> list[FieldChange]:
    """연차별 추진계획 cells (and yearly targets) that differ, labelled ``row / 2024년``."""
    before, after = _cells(old.annual_plan), _cells(new.annual_plan)
    changes = []
    for key in list(after) + [k for k in before if k not in after]:
        label = (after.get(key) or before[key])[0]
        old_text = before.get(key, ("", ""))[1]
        new_text = after.get(key, ("", ""))[1]
        changes.extend(_changed(f"{label} / {key[1]}", old_text, new_text))
    return changes


def diff_communication(old: Card, new: Card) -> list[FieldChange]:
    """구민소통 counts that differ (empty and 0 are the same)."""
    changes = []
    for i, label in enumerate(COMMUNICATION_LABELS):
        a = old.communication[i] if i < len(old.communication) else None
        b = new.communication[i] if i < len(new.communication) else None
        a, b = a or None, b or None  # 0 is no count, as an empty cell
        if a != b:
            changes.append(FieldChange(label, count_text(a), count_text(b)))
    return changes


# ── whole workbooks ───────────────────────────────────────────────────────


def diff_cards(old: Card, new: Card) -> CardDiff:
    """What changed in one card between two quarters."""
    return CardDiff(
        id=new.id.strip(),
        title=tidy(new.title or old.title),
        kind=CHANGED,
        fields=diff_header(old, new),
        headings=diff_headings(old, new),
        achievements=diff_achievements(old, new),
        sections=diff_sections(old, new),
        plan=diff_plan(old, new),
        communication=diff_communication(old, new),
    )


def diff_workbooks(old: Workbook, new: Workbook) -> Diff:
    """The 변동사항 from ``old`` to ``new``: new, dropped and changed cards.

    Cards pair by 관리번호 (a repeated 관리번호 pairs in sheet order).
    """
    by_id: dict[str, list[Card]] = {}
    for card in old.cards:
        by_id.setdefault(card.id.strip(), []).append(card)
    cards: list[CardDiff] = []
    unchanged = 0
    for card in new.cards:
        olds = by_id.get(card.id.strip())
        if not olds:
            cards.append(CardDiff(card.id.strip(), tidy(card.title), ADDED))
            continue
        result = diff_cards(olds.pop(0), card)
        if result.has_changes():
            cards.append(result)
        else:
            unchanged += 1
    for rest in by_id.values():
        cards.extend(CardDiff(c.id.strip(), tidy(c.title), REMOVED) for c in rest)
    return Diff(old.settings.as_of, new.settings.as_of, cards, unchanged, fell_behind(old, new),
                rates.target_year(old.settings), rates.target_year(new.settings))


def fell_behind(old: Workbook, new: Workbook) -> list[FellBehind]:
    """Cards of both quarters (paired by 관리번호, a repeated one in sheet order) that reached the old
    기준일 year's target and miss the new 기준일 year's, or whose 추진율 fell; new-workbook order."""
    by_id: dict[str, list[Card]] = {}
    for card in old.cards:
        by_id.setdefault(card.id.strip(), []).append(card)
    old_year, new_year = rates.target_year(old.settings), rates.target_year(new.settings)
    behind = []
    for card in new.cards:
        olds = by_id.get(card.id.strip())
        if not olds:
            continue
        before = olds.pop(0)
        item = FellBehind(card.id.strip(), tidy(card.title or before.title), rates.check_target(before, old_year),
                          rates.check_target(card, new_year))
        if item.missed or item.fell:
            behind.append(item)
    return behind


# ── the document ──────────────────────────────────────────────────────────
#: 항목, 변경 전, 변경 후 column shares (per mille; 67 + 100 + 100 mm of A4 landscape)
CHANGE_SHARES = (250, 375, 375)


def count_line(d: Diff) -> str:
    """``변동 카드 3건: 신규 1, 삭제 1, 변경 1``."""
    a, b, c = d.count(ADDED), d.count(REMOVED), d.count(CHANGED)
    return f"변동 카드 {len(d.cards)}건: {ADDED} {a}, {REMOVED} {b}, {CHANGED} {c}"


def total_line(d: Diff) -> str:
    """What the terminal says: :func:`count_line` and the same in English."""
    a, b, c = d.count(ADDED), d.count(REMOVED), d.count(CHANGED)
    n = len(d.cards)
    return f"{count_line(d)} / {n} {'card' if n == 1 else 'cards'} changed: {a} new, {b} dropped, {c} changed"


def context_line(d: Diff) -> str:
    """``기준일 2024-03-31 → 2024-12-31, 변동 없음 5건`` (the days when a workbook names one)."""
    dates = f"기준일 {d.old_as_of or '?'} → {d.new_as_of or '?'}, " if d.old_as_of or d.new_as_of else ""
    return f"{dates}변동 없음 {d.unchanged}건"


def card_line(cd: CardDiff) -> str:
    """``[변경] 3-1 신평·장림산업단지 …``."""
    return f"[{cd.kind}] {cd.id} {cd.title}".rstrip()


def section_heading(key: str) -> str:
    """How a bullet section is headed on the card: ``【금후계획】`` or ``□ 사업개요``."""
    if key in SECTION_OF:
        return SECTION_OF[key]
    return f"{MARK_SUBHEADING} {PLAN_SUBHEADINGS.get(key, key)}"


def _group_heading(e: EntryChange) -> str:
    group = f" {GROUP_OPEN}{e.group}{GROUP_CLOSE}" if e.group else ""
    return f"{MARK_SUBHEADING} {e.section}{group}"


@dataclass(frozen=True)
class ChangeRow:
    """One row of a card's change table: 항목, 변경 전, 변경 후 (lines joined by ``\\n``)."""

    item: str
    old: str
    new: str


def _split(sign: str, text: str) -> ChangeRow:
    return ChangeRow("", text if sign == MINUS else "", text if sign == PLUS else "")


def _entry_row(e: EntryChange) -> ChangeRow:
    if e.sign == TILDE:
        old = "\n".join(d.text for d in e.details if d.sign == MINUS)
        new = "\n".join(d.text for d in e.details if d.sign == PLUS)
        return ChangeRow(f"{H_ACHIEVEMENTS} {e.line}", old, new)
    body = "\n".join([e.line, *(d.text for d in e.details)])
    row = _split(e.sign, body)
    return ChangeRow(f"{H_ACHIEVEMENTS} {_group_heading(e)}", row.old, row.new)


def change_rows(cd: CardDiff) -> list[ChangeRow]:
    """Every change of a card as (항목, 변경 전, 변경 후) rows."""
    rows = [ChangeRow(ch.label, ch.old, ch.new) for ch in cd.fields]
    for h in cd.headings:
        split = _split(h.sign, h.text)
        rows.append(ChangeRow(f"{H_ACHIEVEMENTS} {L_HEADINGS}", split.old, split.new))
    rows.extend(_entry_row(e) for e in cd.achievements)
    for sc in cd.sections:
        for ln in sc.lines:
            split = _split(ln.sign, ln.text)
            rows.append(ChangeRow(section_heading(sc.key), split.old, split.new))
    rows.extend(ChangeRow(f"{SUB_ANNUAL_PLAN} {ch.label}", ch.old, ch.new) for ch in cd.plan)
    rows.extend(ChangeRow(f"{H_COMMUNICATION} {ch.label}", ch.old, ch.new) for ch in cd.communication)
    return rows


def _lines(text: str) -> Cell:
    return Cell(tuple(text.split("\n")) if text else ())


def change_table(cd: CardDiff) -> Table | None:
    """A card's changes under the heading row 항목 | 변경 전 | 변경 후 (texts read left-aligned, as a
    card's fields); None for a card new or dropped."""
    rows = change_rows(cd)
    if not rows:
        return None
    head = Row(tuple(cell(text, label=True) for text in (L_ITEM, L_OLD, L_NEW)))
    body = [Row((cell(r.item), _lines(r.old), _lines(r.new))) for r in rows]
    return Table((head, *body), CHANGE_SHARES, header_rows=1, name=card_line(cd), style=STYLE_FIELDS)


def card_blocks(cd: CardDiff) -> list[Block]:
    """A changed card: its heading ``[변경] 3-1 …`` and its change table."""
    table = change_table(cd)
    return [Heading(card_line(cd), 1), *([table] if table else [])]


#: 관리번호, 사업명, 추진율 and 목표 before and after, 사유 (per mille)
BEHIND_SHARES = (90, 250, 100, 130, 100, 130, 200)


def _target_head(when: str, year: int | None) -> Cell:
    """A target column's heading: ``변경 전 목표`` over ``(2024년)``."""
    lines = (f"{when} {L_TARGET}", f"({year}{YEAR_SUFFIX})") if year is not None else (f"{when} {L_TARGET}",)
    return Cell(lines, label=True)


def behind_notes(d: Diff) -> list[str]:
    """The rule of 목표 대비 뒤처진 카드, in Korean."""
    def year(value: int | None) -> str:
        return f"{value}{YEAR_SUFFIX}" if value is not None else "기준일 연도"

    return [f"※ {TITLE_BEHIND} = 두 분기에 모두 있는 카드(관리번호로 짝지음) 중 {L_BEFORE} {year(d.old_year)} "
            f"목표를 달성했으나 {L_AFTER} {year(d.new_year)} 목표에 미달한 카드, 또는 추진율이 낮아진 카드",
            "※ 달성 = 추진율이 그해 목표(연차별 추진계획의 목표(%)) 이상; 목표나 추진율이 없으면 달성도 미달도 아님",
            "※ 신규·삭제 카드는 제외"]


def behind_reason(item: FellBehind) -> str:
    """``목표 달성 → 미달``, ``추진율 하락``, or both."""
    return ", ".join(text for text, yes in ((REASON_MISSED, item.missed), (REASON_FELL, item.fell)) if yes)


def behind_blocks(d: Diff) -> list[Block]:
    """The 목표 대비 뒤처진 카드 section: its heading and a table (관리번호, 사업명, 추진율 and 목표
    before and after, 사유) with the rule under it; ``목표 대비 뒤처진 카드 없음`` and the rule when none."""
    notes = behind_notes(d)
    if not d.behind:
        return [Heading(TITLE_BEHIND, 1), Paragraph(NONE_BEHIND), *(Paragraph(note) for note in notes)]
    head = Row((cell(L_ID, label=True), cell(L_TITLE, label=True), cell(f"{L_BEFORE} {L_PROGRESS}", label=True),
                _target_head(L_BEFORE, d.old_year), cell(f"{L_AFTER} {L_PROGRESS}", label=True),
                _target_head(L_AFTER, d.new_year), cell(L_REASON, label=True)))
    body = [Row(tuple(cell(text) for text in (
        item.id, item.title, percent_text(item.old.progress) or "-", percent_text(item.old.target) or "-",
        percent_text(item.new.progress) or "-", percent_text(item.new.target) or "-", behind_reason(item))))
        for item in d.behind]
    table = Table((head, *body), BEHIND_SHARES, header_rows=1, name=TITLE_BEHIND, notes=tuple(notes))
    return [Heading(TITLE_BEHIND, 1), table]


def changes_document(d: Diff) -> Document:
    """The 변동사항 as a document: title, counts, 기준일, then each card's changes (A4 landscape),
    ``변경 사항 없음`` when no card changed, and last the 목표 대비 뒤처진 카드."""
    blocks: list[Block] = [Title(TITLE), Paragraph(count_line(d)), Paragraph(context_line(d))]
    if not d.cards:
        blocks.append(Paragraph(NOTHING_CHANGED))
    for cd in d.cards:
        blocks += card_blocks(cd)
    blocks += behind_blocks(d)
    return Document(TITLE, (Section(tuple(blocks), "landscape", TITLE),), name=TITLE)
