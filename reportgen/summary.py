"""총괄표 (summary tables) of a workbook: counts per status, 평균 추진율, 완료율.

Formulas (also printed under the tables):

* 평균 추진율 = mean of the cards' 추진율, rounded half-up to one decimal;
  cards without 추진율 are left out of the mean (and the count of those is stated).
* 완료율 = cards whose status is one of ``설정`` 완료 statuses (default 완료 and
  이행후 계속추진) ÷ all cards × 100, rounded half-up to one decimal.
* Status labels are compared with all spaces removed (``이행 후 계속추진`` =
  ``이행후계속추진``). Zero counts print as ``-``.

:func:`summary_document` is the 총괄표 as a :class:`reportgen.document.Document` (every
format writes it); :func:`summary_blocks` are its tables alone, for a document that
puts them under a heading of its own (the council package). No format code here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

from reportgen.document import (
    STYLE_FIGURES,
    Block,
    Document,
    Paragraph,
    Row,
    Section,
    Table,
    Title,
    cell,
)
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


# ── what the 총괄표 prints ───────────────────────────────────────────────
#: the label column's share of a table's width (per mille); the figures share the rest
KEY_SHARE = 225


def figure_text(n: int) -> str:
    """A count of cards in a 총괄표 cell: ``4``, ``-`` for none.

    A table figure, not a 구민소통 count (:func:`reportgen.model.count_text` prints ``1회`` and
    keeps 0); the two share only the sign of none, :data:`reportgen.model.COUNT_NONE`.
    """
    return str(n) if n else COUNT_NONE


def rate_text(value: Decimal | None) -> str:
    """A one-decimal figure as printed: ``62.3``, ``-`` when there is none."""
    return COUNT_NONE if value is None else f"{value:.1f}"


def header_cells(s: Summary, table: SummaryTable) -> list[str]:
    """Column headings of ``table``."""
    return [table.key_label, L_TOTAL_COUNT, *s.statuses, L_AVERAGE, L_DONE_RATE]


def row_cells(row: SummaryRow) -> list[str]:
    """The printed cells of one row."""
    counts = [figure_text(n) for n in row.status_counts]
    return [row.label, figure_text(row.total), *counts, rate_text(row.average_progress), rate_text(row.completion_rate)]


def as_of_line(s: Summary) -> str:
    """The line under the title: ``부산광역시 사하구 민선 8기 (기준일 2024-12-31)``; empty when
    the 설정 name neither the office nor the day."""
    who = " ".join(part for part in (s.agency, f"{L_TERM} {s.term}" if s.term else "") if part)
    day = f"{L_AS_OF} {s.as_of}" if s.as_of else ""
    if who and day:
        return f"{who} ({day})"
    return who or day


def notes(s: Summary) -> list[str]:
    """How the figures are computed, printed under the tables."""
    done = ", ".join(s.done_statuses)
    return [
        f"※ 평균 추진율 = 추진율이 입력된 카드의 추진율 평균, 소수 첫째 자리 반올림(0.05 올림); "
        f"추진율 없는 카드 {s.cards_without_progress}건은 평균에서 제외",
        f"※ 완료율 = ({done}) 카드 수 ÷ 전체 카드 수 × 100, 소수 첫째 자리 반올림",
        "※ 상태는 띄어쓰기를 무시하고 비교, 0건은 '-'",
    ]


def _shares(columns: int) -> tuple[int, ...]:
    """A wide label column, the figures sharing the rest equally (per mille, summing to 1000)."""
    figure = (1000 - KEY_SHARE) // (columns - 1)
    return (1000 - figure * (columns - 1), *[figure] * (columns - 1))


def summary_table(s: Summary, table: SummaryTable, notes_under: Sequence[str] = ()) -> Table:
    """One table of the 총괄표: a heading row, a row per 분야 (부서 …), the 합계 row; captioned ``분야별`` ….

    The first column's cells are labels (row headings): what the office typed there stays text
    in every format, even ``-1``; the figures beside them are the table's numbers.
    """
    head = Row(tuple(cell(text, label=True) for text in header_cells(s, table)))
    body = []
    for row in (*table.rows, table.total):
        label, *figures = row_cells(row)
        body.append(Row((cell(label, label=True), *(cell(text) for text in figures))))
    return Table((head, *body), _shares(len(head.cells)), header_rows=1, caption=table.title,
                 style=STYLE_FIGURES, notes=tuple(notes_under))


def summary_blocks(s: Summary) -> list[Block]:
    """The 총괄표's tables (분야별, 부서별, 완료시기별, 사업주체별), the notes under the last one;
    no title, so that a document may put them under a heading of its own."""
    last = len(s.tables) - 1
    return [summary_table(s, table, notes(s) if index == last else ()) for index, table in enumerate(s.tables)]


def summary_document(s: Summary) -> Document:
    """The 총괄표 as a document: its title, the office and 기준일 line, the tables (A4 landscape)."""
    about = as_of_line(s)
    blocks: list[Block] = [Title(TITLE), *([Paragraph(about)] if about else []), *summary_blocks(s)]
    return Document(TITLE, (Section(tuple(blocks), "landscape", TITLE),), name=TITLE)
