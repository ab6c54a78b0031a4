"""총괄표 (summary tables) of a workbook: counts per status, 평균 추진율, 완료율, the rates 설정
chose, 목표 달성 by 분야 and 부서 and, when the workbook has 재정계획 rows, the 공약가계부.

Formulas (also printed under the tables; the figures come from :mod:`reportgen.rates`):

* 평균 추진율 = mean of the cards' 추진율, rounded half-up to one decimal;
  cards without 추진율 are left out of the mean (and the count of those is stated).
* 완료율 = cards whose status is one of ``설정`` 완료 statuses (default 완료 and
  이행후 계속추진) ÷ all cards × 100, rounded half-up to one decimal.
* 이행률(임기내), 목표달성률 and the 공약가계부 rules: see :mod:`reportgen.rates`.
* The status tables (분야별, 부서별, 완료시기별, 사업주체별) show of 완료율 and 평균 추진율 the
  ones 설정 `총괄표 지표` chose, in its order, with their formulas (:func:`row_rates`,
  :func:`status_notes`; the web 현황 page shows the same).
* Status labels are compared with all spaces removed (``이행 후 계속추진`` =
  ``이행후계속추진``). Zero counts print as ``-``; amounts print in 백만원 with thousands
  separators; a rate whose divisor is 0 prints ``-``. Every 소계 and 합계 is the sum of the
  rows above it.

:func:`summary_document` is the 총괄표 as a :class:`reportgen.document.Document` (every
format writes it); :func:`summary_blocks` are its tables alone, for a document that
puts them under a heading of its own (the council package). No format code here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from reportgen import rates as r
from reportgen.document import (
    STYLE_FIGURES,
    Block,
    Cell,
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
    RATE_COMPLETION,
    RATE_IN_TERM,
    RATE_MEAN_PROGRESS,
    RATE_TARGET,
    Card,
    Workbook,
    label_key,
)
from reportgen.rates import half_up

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

TABLE_RATES = "주요 지표"
L_RATE = "지표"
L_VALUE = "값(%)"
L_WORKING = "산출"
TABLE_TARGET_AREA = "목표 달성(분야별)"
TABLE_TARGET_DEPARTMENT = "목표 달성(부서별)"
L_TARGET_RATE = f"{RATE_TARGET}(%)"
TABLE_FINANCE_SOURCE = "공약가계부(재원별)"
TABLE_FINANCE_AREA = "공약가계부(분야별)"
L_SOURCE = "재원"
L_SUBTOTAL = "소계"
L_MILLION = "(백만원)"
L_PLANNED, L_SECURED, L_SPENT = (f"{word}{L_MILLION}" for word in ("계획", "확보", "집행"))
L_SECURED_RATE, L_SPENT_RATE = "확보율(%)", "집행률(%)"


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
class TargetRow:
    """One row of a 목표 달성 table: a 분야 (부서, or 합계) and its 달성 / 미달 / 목표 없음."""

    label: str
    count: r.TargetCount


@dataclass(frozen=True)
class TargetTable:
    """목표 달성 by 분야 or by 부서, with the 합계 row."""

    title: str
    key_label: str
    rows: tuple[TargetRow, ...]
    total: TargetRow


@dataclass(frozen=True)
class AreaFinance:
    """A 분야's 공약가계부: its amounts per 재원 and their 소계."""

    label: str
    sources: tuple[tuple[str, r.Amounts], ...]
    subtotal: r.Amounts


@dataclass(frozen=True)
class FinanceSummary:
    """The 공약가계부: per 재원 (with the 합계) and per 분야 (with 소계 and the 합계)."""

    by_source: tuple[tuple[str, r.Amounts], ...]
    total: r.Amounts  # sum of the by_source rows
    by_area: tuple[AreaFinance, ...]
    area_total: r.Amounts  # sum of the 분야 소계 rows


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
    rates: tuple[r.Rate, ...] = ()  # 설정 `총괄표 지표`, in its order
    target_year: int | None = None  # the 기준일's year, whose 목표(%) the cards are checked against
    target_tables: tuple[TargetTable, ...] = ()  # 목표 달성 by 분야, by 부서
    finance: FinanceSummary | None = None  # None when the workbook has no 재정계획 rows


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


def _area(card: Card) -> str:
    return card.area


def _department(card: Card) -> str:
    return card.header.department.department


def target_table(title: str, key_label: str, wb: Workbook, key_of: Callable[[Card], str]) -> TargetTable:
    """목표 달성 grouped by ``key_of`` (as the 분야별 and 부서별 tables group), the 합계 of all cards."""
    year = r.target_year(wb.settings)
    rows = tuple(TargetRow(label, r.count_targets(r.check_target(card, year) for card in cards))
                 for label, cards in _grouped(wb.cards, key_of))
    return TargetTable(title, key_label, rows, TargetRow(L_TOTAL_ROW, r.count_targets(r.target_checks(wb))))


def _area_finance(label: str, items: Sequence[r.CardFinance], names: Sequence[str]) -> AreaFinance:
    rows = tuple(r.by_source(items, names))
    return AreaFinance(label, rows, r.total(amounts for _, amounts in rows))


def finance_summary(wb: Workbook) -> FinanceSummary | None:
    """The 공약가계부 of ``wb`` (None without 재정계획 rows): the term amounts of each card and
    재원 (:func:`reportgen.rates.card_finance`) summed per 재원 and per 분야 (a row whose card is
    not in the workbook under (미입력)); every 소계 and 합계 is the sum of the rows it closes."""
    if not wb.finance:
        return None
    names, items = r.sources(wb), r.card_finance(wb)
    labels = {label_key(cards[0].area): label for label, cards in _grouped(wb.cards, _area)}
    area_of: dict[str, str] = {}
    for card in wb.cards:
        area_of.setdefault(card.id.strip(), label_key(card.area))
    groups: dict[str, list[r.CardFinance]] = {key: [] for key in labels}
    for item in items:
        groups.setdefault(area_of.get(item.card_id, ""), []).append(item)
    areas = tuple(_area_finance(labels.get(key, L_UNSET), mine, names) for key, mine in groups.items())
    by_source = tuple(r.by_source(items, names))
    return FinanceSummary(by_source, r.total(amounts for _, amounts in by_source), areas,
                          r.total(area.subtotal for area in areas))


def summarize(wb: Workbook) -> Summary:
    """The 총괄표 of ``wb``: 분야별, 부서별, 완료시기별 and 사업주체별 tables with totals, the chosen
    rates, 목표 달성 by 분야 and 부서, and the 공약가계부 when there are 재정계획 rows."""
    labels, columns = _status_columns(wb)
    done = {label_key(s) for s in wb.settings.done_statuses}
    tables = (
        _table(TABLE_AREA, L_AREA, wb, _area, columns, done),
        _table(TABLE_DEPARTMENT, L_DEPARTMENT, wb, _department, columns, done),
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
        rates=tuple(r.rates(wb)),
        target_year=r.target_year(settings),
        target_tables=(target_table(TABLE_TARGET_AREA, L_AREA, wb, _area),
                       target_table(TABLE_TARGET_DEPARTMENT, L_DEPARTMENT, wb, _department)),
        finance=finance_summary(wb),
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


@dataclass(frozen=True)
class RowRate:
    """A rate that a row of a status table (분야별, 부서별, …) has: its 설정 name, its column heading
    and its value in a row."""

    name: str
    heading: str
    value: Callable[[SummaryRow], Decimal | None]


#: the rates a status table's row has, by 설정 `총괄표 지표` name (이행률(임기내) and 목표달성률 are
#: not per row: they stand in 주요 지표 and the 목표 달성 tables)
ROW_RATES = {
    RATE_COMPLETION: RowRate(RATE_COMPLETION, L_DONE_RATE, lambda row: row.completion_rate),
    RATE_MEAN_PROGRESS: RowRate(RATE_MEAN_PROGRESS, L_AVERAGE, lambda row: row.average_progress),
}


def row_rates(s: Summary) -> tuple[RowRate, ...]:
    """The rate columns of every status table, printed and on the web: the rates 설정 `총괄표 지표`
    chose that a row has (완료율, 평균 추진율), in 설정's order; none when 설정 chose neither."""
    return tuple(ROW_RATES[rate.name] for rate in s.rates if rate.name in ROW_RATES)


def header_cells(s: Summary, table: SummaryTable) -> list[str]:
    """Column headings of ``table``: the key, 계, each status, the rates of :func:`row_rates`."""
    return [table.key_label, L_TOTAL_COUNT, *s.statuses, *(rate.heading for rate in row_rates(s))]


def row_cells(row: SummaryRow, rates: Sequence[RowRate]) -> list[str]:
    """The printed cells of one row, with the values of ``rates`` (:func:`row_rates`)."""
    counts = [figure_text(n) for n in row.status_counts]
    return [row.label, figure_text(row.total), *counts, *(rate_text(rate.value(row)) for rate in rates)]


def as_of_line(s: Summary) -> str:
    """The line under the title: ``부산광역시 사하구 민선 8기 (기준일 2024-12-31)``; empty when
    the 설정 name neither the office nor the day."""
    who = " ".join(part for part in (s.agency, f"{L_TERM} {s.term}" if s.term else "") if part)
    day = f"{L_AS_OF} {s.as_of}" if s.as_of else ""
    if who and day:
        return f"{who} ({day})"
    return who or day


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
    rates, body = row_rates(s), []
    for row in (*table.rows, table.total):
        label, *figures = row_cells(row, rates)
        body.append(Row((cell(label, label=True), *(cell(text) for text in figures))))
    return Table((head, *body), _shares(len(head.cells)), header_rows=1, caption=table.title,
                 style=STYLE_FIGURES, notes=tuple(notes_under))


# ── 주요 지표 ───────────────────────────────────────────────────────────
def year_text(s: Summary) -> str:
    """``2024년``: the year whose 목표(%) the cards are checked against; ``기준일 연도`` without one."""
    return f"{s.target_year}년" if s.target_year is not None else "기준일 연도"


def working_text(rate: r.Rate) -> str:
    """How a rate is worked out, with its numbers: ``2 ÷ 7 × 100``, ``329 ÷ 6`` (a mean)."""
    times = "" if rate.name == RATE_MEAN_PROGRESS else " × 100"
    return f"{rate.numerator} ÷ {rate.denominator}{times}"


def rate_note(s: Summary, name: str) -> str:
    """The Korean formula of one rate."""
    no_target = s.target_tables[0].total.count.no_target if s.target_tables else 0
    formulas = {
        RATE_COMPLETION: f"완료 카드 수 ÷ 전체 카드 수 × 100 (완료: {', '.join(s.done_statuses)})",
        RATE_MEAN_PROGRESS: f"추진율 합 ÷ 추진율이 입력된 카드 수 (추진율 없는 카드 {s.cards_without_progress}건 제외)",
        RATE_IN_TERM: "완료시기가 임기내인 카드 중 완료 카드 수 ÷ 완료시기가 임기내인 카드 수 × 100",
        RATE_TARGET: f"달성 카드 수 ÷ (달성 + 미달) 카드 수 × 100 ({year_text(s)} 목표 기준, "
                     f"목표 없는 카드 {no_target}건 제외)",
    }
    return f"※ {name} = {formulas[name]}"


#: how every rate is rounded, under each table that shows a rate
ROUNDING_NOTE = "※ 소수 첫째 자리 반올림(0.05 올림), 나누는 수가 0이면 '-'"
#: how the status tables count, under them
STATUS_NOTE = "※ 상태는 띄어쓰기를 무시하고 비교, 0건은 '-'"


def rate_notes(s: Summary) -> list[str]:
    """The formula of every rate shown, in the table's order, and how they are rounded."""
    return [*(rate_note(s, rate.name) for rate in s.rates), ROUNDING_NOTE]


def status_notes(s: Summary) -> list[str]:
    """Under the status tables (printed and on the web): the formula of each rate column they show
    (:func:`row_rates`, in 설정's order), how rates are rounded (only with a rate column) and how
    statuses are compared."""
    formulas = [rate_note(s, rate.name) for rate in row_rates(s)]
    return [*formulas, *([ROUNDING_NOTE] if formulas else []), STATUS_NOTE]


def rates_table(s: Summary) -> Table | None:
    """주요 지표: each rate 설정 chose (지표, 값, 산출), its formula under the table; None when none is chosen."""
    if not s.rates:
        return None
    head = Row(tuple(cell(text, label=True) for text in (L_RATE, L_VALUE, L_WORKING)))
    body = [Row((cell(rate.name, label=True), cell(rate_text(rate.value)), cell(working_text(rate))))
            for rate in s.rates]
    return Table((head, *body), (400, 250, 350), header_rows=1, caption=TABLE_RATES, width=600,
                 style=STYLE_FIGURES, notes=tuple(rate_notes(s)))


# ── 목표 달성 ───────────────────────────────────────────────────────────
def target_notes(s: Summary) -> list[str]:
    """How 목표 달성 is decided, printed under its tables."""
    year = year_text(s)
    lines = [f"※ 달성 = 추진율이 {year} 목표(연차별 추진계획의 목표(%)) 이상인 카드, 미달 = 목표보다 낮은 카드",
             f"※ 목표 없음 = {year} 목표나 추진율이 없는 카드(달성·미달과 따로 셈)",
             f"※ {RATE_TARGET} = 달성 ÷ (달성 + 미달) × 100, 소수 첫째 자리 반올림(0.05 올림), "
             "달성과 미달이 모두 0이면 '-'"]
    if s.target_year is None:
        lines.append("※ 기준일이 없어 연도를 정할 수 없으므로 모든 카드를 목표 없음으로 셈")
    return lines


def target_row_cells(row: TargetRow) -> list[str]:
    """달성, 미달, 목표 없음 and 목표달성률 of one row, as printed."""
    count = row.count
    return [row.label, figure_text(count.reached), figure_text(count.missed), figure_text(count.no_target),
            rate_text(count.rate)]


def target_block(table: TargetTable, notes_under: Sequence[str] = ()) -> Table:
    """One 목표 달성 table: 달성 / 미달 / 목표 없음 / 목표달성률 per 분야 (부서) and the 합계 row."""
    head = Row(tuple(cell(text, label=True) for text in (table.key_label, r.REACHED, r.MISSED, r.NO_TARGET,
                                                         L_TARGET_RATE)))
    body = []
    for row in (*table.rows, table.total):
        label, *figures = target_row_cells(row)
        body.append(Row((cell(label, label=True), *(cell(text) for text in figures))))
    return Table((head, *body), (400, 150, 150, 150, 150), header_rows=1, caption=table.title, width=800,
                 style=STYLE_FIGURES, notes=tuple(notes_under))


def target_blocks(s: Summary) -> list[Block]:
    """The 목표 달성 tables (분야별, 부서별), the notes under the last."""
    last = len(s.target_tables) - 1
    return [target_block(table, target_notes(s) if index == last else ())
            for index, table in enumerate(s.target_tables)]


# ── 공약가계부 ──────────────────────────────────────────────────────────
#: the amount columns of a 공약가계부 table
FINANCE_HEAD = (L_PLANNED, L_SECURED, L_SPENT, L_SECURED_RATE, L_SPENT_RATE)


def amount_text(value: Decimal | None) -> str:
    """An amount in 백만원 as printed: ``12,345``, ``1,234.5``; ``-`` when no row gives it."""
    if value is None:
        return COUNT_NONE
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():,f}"


def amount_cells(amounts: r.Amounts) -> list[Cell]:
    """계획, 확보, 집행, 확보율, 집행률 of one row."""
    texts = [amount_text(amounts.planned), amount_text(amounts.secured), amount_text(amounts.spent),
             rate_text(amounts.secured_rate), rate_text(amounts.spent_rate)]
    return [cell(text) for text in texts]


def finance_notes() -> list[str]:
    """How the 공약가계부 is summed, printed under its tables."""
    return [
        "※ 금액은 재정계획 시트의 금액(백만원)을 카드·재원별로 모아 더함, 금액이 없으면 '-'",
        "※ 한 카드·재원의 계획·확보·집행은 각각 연도가 빈 행(임기 전체)에 금액이 있으면 그 금액, "
        "없으면 연도별 행의 합(같은 금액을 두 번 더하지 않음)",
        "※ 확보율 = 확보 ÷ 계획 × 100, 집행률 = 집행 ÷ 확보 × 100, 소수 첫째 자리 반올림(0.05 올림), "
        "나누는 금액이 0이거나 없으면 '-'",
        "※ 소계는 그 분야 재원별 행의 합, 합계는 위 행들의 합(입력한 합계가 아니라 계산한 값)",
    ]


def finance_source_table(f: FinanceSummary, notes_under: Sequence[str] = ()) -> Table:
    """공약가계부(재원별): a row per 재원 (설정 order) and the 합계 row."""
    head = Row(tuple(cell(text, label=True) for text in (L_SOURCE, *FINANCE_HEAD)))
    body = [Row((cell(name, label=True), *amount_cells(amounts)))
            for name, amounts in (*f.by_source, (L_TOTAL_ROW, f.total))]
    return Table((head, *body), (350, 130, 130, 130, 130, 130), header_rows=1, caption=TABLE_FINANCE_SOURCE,
                 style=STYLE_FIGURES, notes=tuple(notes_under))


def _area_rows(area: AreaFinance) -> list[Row]:
    """A 분야's rows: its 재원 and the 소계, the 분야 cell spanning them."""
    lines = [*area.sources, (L_SUBTOTAL, area.subtotal)]
    rows = []
    for index, (name, amounts) in enumerate(lines):
        first = (cell(area.label, label=True, rowspan=len(lines)),) if index == 0 else ()
        rows.append(Row((*first, cell(name, label=True), *amount_cells(amounts))))
    return rows


def finance_area_table(f: FinanceSummary, notes_under: Sequence[str] = ()) -> Table:
    """공약가계부(분야별): each 분야's 재원 rows and 소계, then the 합계 row."""
    head = Row(tuple(cell(text, label=True) for text in (L_AREA, L_SOURCE, *FINANCE_HEAD)))
    body = [row for area in f.by_area for row in _area_rows(area)]
    body.append(Row((cell(L_TOTAL_ROW, label=True, colspan=2), *amount_cells(f.area_total))))
    return Table((head, *body), (225, 125, 130, 130, 130, 130, 130), header_rows=1, caption=TABLE_FINANCE_AREA,
                 style=STYLE_FIGURES, notes=tuple(notes_under))


def finance_blocks(s: Summary) -> list[Block]:
    """The 공약가계부 tables (재원별, 분야별) with the notes under the last; none without 재정계획 rows."""
    if s.finance is None:
        return []
    return [finance_source_table(s.finance), finance_area_table(s.finance, finance_notes())]


# ── the 총괄표 ──────────────────────────────────────────────────────────
def summary_blocks(s: Summary, finance: bool = True, charts: int | None = None) -> list[Block]:
    """The 총괄표's tables: 주요 지표, 분야별, 부서별, 완료시기별, 사업주체별 (notes under the last),
    목표 달성 by 분야 and 부서, and (``finance``, when there are 재정계획 rows) the 공약가계부; with
    ``charts`` (their width in per mille of the text width) the two 분야 charts follow the 분야별
    table. No title, so that a document may put them under a heading of its own."""
    last = len(s.tables) - 1
    rates = rates_table(s)
    blocks: list[Block] = [rates] if rates else []
    for index, table in enumerate(s.tables):
        blocks.append(summary_table(s, table, status_notes(s) if index == last else ()))
        if charts is not None and table.title == TABLE_AREA:
            from reportgen.charts import summary_charts  # charts imports this module

            blocks += summary_charts(s, charts)
    return [*blocks, *target_blocks(s), *(finance_blocks(s) if finance else [])]


#: chart width on the landscape 총괄표 page (per mille of the text width): the charts' 9 pt text
#: prints at about 9 pt there, as on a portrait page at full width
LANDSCAPE_CHART_WIDTH = 650


def summary_document(s: Summary) -> Document:
    """The 총괄표 as a document: its title, the office and 기준일 line, the tables (A4 landscape)."""
    about = as_of_line(s)
    blocks: list[Block] = [Title(TITLE), *([Paragraph(about)] if about else []),
                           *summary_blocks(s, charts=LANDSCAPE_CHART_WIDTH)]
    return Document(TITLE, (Section(tuple(blocks), "landscape", TITLE),), name=TITLE)
