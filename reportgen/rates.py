"""The figures evaluators ask for: 목표 달성 of each card, the four rates and the 공약가계부 sums.

No text or format here: :mod:`reportgen.summary`, :mod:`reportgen.diff` and
:mod:`reportgen.package` print these figures with their Korean formulas.

* **목표 달성** — for the 기준일's year Y, a card has *reached* (달성) its target when its 추진율
  ≥ Y's 목표(%) in 연차별 추진계획, else *missed* (미달); a card without a target for Y (Y not
  among the plan's years, its 목표 empty) or without 추진율 has *no target* (목표 없음) and is
  counted apart. The 임기 후 target is no year's target.
* **Rates** (one decimal, rounded half-up; None when the divisor is 0):
  완료율 = 완료 cards ÷ all cards × 100; 평균 추진율 = sum of 추진율 ÷ cards with 추진율;
  이행률(임기내) = 완료 cards among those whose 완료시기 is 임기내 ÷ those cards × 100;
  목표달성률 = 달성 ÷ (달성 + 미달) × 100. 완료 means a status among 설정's 완료 statuses,
  compared by :func:`reportgen.model.label_key`.
* **공약가계부** — per card and 재원, each amount (계획, 확보, 집행) of the term is the
  whole-term row's (연도 empty) when the card has one with that amount, else the sum of the
  card's year rows: a card's amount is never counted twice. Rows of the same card, 연도 and
  재원 add up. 확보율 = 확보 ÷ 계획 × 100, 집행률 = 집행 ÷ 확보 × 100.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

from reportgen.model import (
    RATE_COMPLETION,
    RATE_IN_TERM,
    RATE_MEAN_PROGRESS,
    RATE_TARGET,
    RATES,
    Card,
    FinanceRow,
    Settings,
    Workbook,
    label_key,
)
from reportgen.workbook_contract import (
    COL_PLANNED,
    COL_SECURED,
    COL_SPENT,
    source_amount,
    term_amount,
)

_TENTH = Decimal("0.1")
#: the 완료시기 of a card due within the term
IN_TERM = "임기내"
#: 목표 달성 states of a card
REACHED, MISSED, NO_TARGET = "달성", "미달", "목표 없음"


def half_up(numerator: int | Decimal, denominator: int | Decimal) -> Decimal:
    """``numerator / denominator`` rounded half-up to one decimal (62.25 → 62.3)."""
    with localcontext() as ctx:
        ctx.prec = 60  # exact enough that no repeating fraction looks like .x5
        value = Decimal(numerator) / Decimal(denominator)
        return value.quantize(_TENTH, rounding=ROUND_HALF_UP)


def percent(part: int | Decimal | None, whole: int | Decimal | None) -> Decimal | None:
    """``part ÷ whole × 100`` rounded half-up to one decimal; None when ``whole`` is 0 or missing."""
    if part is None or not whole:
        return None
    return half_up(Decimal(part) * 100, whole)


def is_done(card: Card, done_statuses: Iterable[str]) -> bool:
    """True when the card's status is one of the 완료 statuses (compared by label_key)."""
    return label_key(card.header.status) in {label_key(s) for s in done_statuses}


# ── 목표 달성 ─────────────────────────────────────────────────────────────
def target_year(settings: Settings) -> int | None:
    """The year of the 기준일 (an ISO date), None when there is none."""
    try:
        return dt.date.fromisoformat(settings.as_of.strip()).year
    except ValueError:
        return None


def target_of(card: Card, year: int | None) -> int | None:
    """The card's 목표(%) for ``year`` in 연차별 추진계획, None when it has none."""
    plan = card.annual_plan
    if year is None or year not in plan.years:
        return None
    index = plan.years.index(year)
    return plan.targets[index] if index < len(plan.targets) else None


@dataclass(frozen=True)
class TargetCheck:
    """One card against its target of ``year``: 달성, 미달 or 목표 없음."""

    card: Card
    year: int | None
    target: int | None
    progress: int | None

    @property
    def state(self) -> str:
        """달성 (추진율 ≥ 목표), 미달, or 목표 없음 (no target or no 추진율)."""
        if self.target is None or self.progress is None:
            return NO_TARGET
        return REACHED if self.progress >= self.target else MISSED


def check_target(card: Card, year: int | None) -> TargetCheck:
    """``card`` against its target of ``year``."""
    return TargetCheck(card, year, target_of(card, year), card.header.progress)


def target_checks(wb: Workbook) -> list[TargetCheck]:
    """Every card of ``wb`` against its target of the 기준일's year, in sheet order."""
    year = target_year(wb.settings)
    return [check_target(card, year) for card in wb.cards]


@dataclass(frozen=True)
class TargetCount:
    """달성, 미달 and 목표 없음 among some cards, and 목표달성률 = 달성 ÷ (달성 + 미달) × 100."""

    reached: int
    missed: int
    no_target: int

    @property
    def rate(self) -> Decimal | None:
        """목표달성률, None when no card has a target."""
        return percent(self.reached, self.reached + self.missed)


def count_targets(checks: Iterable[TargetCheck]) -> TargetCount:
    """How many of ``checks`` are 달성, 미달 and 목표 없음."""
    states = [check.state for check in checks]
    return TargetCount(states.count(REACHED), states.count(MISSED), states.count(NO_TARGET))


# ── the rates ─────────────────────────────────────────────────────────────
@dataclass(frozen=True)
class Rate:
    """A rate with the numbers it is computed from: ``value`` = numerator ÷ denominator (× 100 for
    the shares; 평균 추진율 is a mean), None when the denominator is 0."""

    name: str
    numerator: int
    denominator: int
    value: Decimal | None


def completion_rate(wb: Workbook) -> Rate:
    """완료율 = 완료 cards ÷ all cards × 100."""
    done = sum(1 for card in wb.cards if is_done(card, wb.settings.done_statuses))
    return Rate(RATE_COMPLETION, done, len(wb.cards), percent(done, len(wb.cards)))


def mean_progress(wb: Workbook) -> Rate:
    """평균 추진율 = sum of 추진율 ÷ cards with 추진율."""
    values = [card.header.progress for card in wb.cards if card.header.progress is not None]
    return Rate(RATE_MEAN_PROGRESS, sum(values), len(values), half_up(sum(values), len(values)) if values else None)


def in_term_rate(wb: Workbook) -> Rate:
    """이행률(임기내) = 완료 cards among those whose 완료시기 is 임기내 ÷ those cards × 100."""
    due = [card for card in wb.cards if label_key(card.header.completion) == label_key(IN_TERM)]
    done = sum(1 for card in due if is_done(card, wb.settings.done_statuses))
    return Rate(RATE_IN_TERM, done, len(due), percent(done, len(due)))


def target_rate(wb: Workbook) -> Rate:
    """목표달성률 = 달성 ÷ (달성 + 미달) × 100, for the 기준일's year."""
    count = count_targets(target_checks(wb))
    return Rate(RATE_TARGET, count.reached, count.reached + count.missed, count.rate)


_RATE_OF = {RATE_COMPLETION: completion_rate, RATE_MEAN_PROGRESS: mean_progress,
            RATE_IN_TERM: in_term_rate, RATE_TARGET: target_rate}


def chosen_rates(names: Sequence[str]) -> list[str]:
    """The rate names of 설정 `총괄표 지표` in their order, as :data:`reportgen.model.RATES` spells
    them (compared by label_key); unknown names and repeats are left out."""
    known = {label_key(name): name for name in RATES}
    chosen: list[str] = []
    for name in names:
        rate = known.get(label_key(name))
        if rate is not None and rate not in chosen:
            chosen.append(rate)
    return chosen


def rates(wb: Workbook) -> list[Rate]:
    """The rates 설정 chose, in its order."""
    return [_RATE_OF[name](wb) for name in chosen_rates(wb.settings.rates)]


# ── 공약가계부 ────────────────────────────────────────────────────────────
def _add(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    """A sum where an empty amount (None) adds nothing; None + None is None."""
    if a is None:
        return b
    return a if b is None else a + b


@dataclass(frozen=True)
class Amounts:
    """계획, 확보, 집행 (백만원; None when no row gives the amount) with 확보율 and 집행률."""

    planned: Decimal | None = None
    secured: Decimal | None = None
    spent: Decimal | None = None

    def __add__(self, other: Amounts) -> Amounts:
        return Amounts(_add(self.planned, other.planned), _add(self.secured, other.secured),
                       _add(self.spent, other.spent))

    @property
    def secured_rate(self) -> Decimal | None:
        """확보율 = 확보 ÷ 계획 × 100; None when 계획 is 0 or empty."""
        return percent(self.secured, self.planned)

    @property
    def spent_rate(self) -> Decimal | None:
        """집행률 = 집행 ÷ 확보 × 100; None when 확보 is 0 or empty."""
        return percent(self.spent, self.secured)


def total(amounts: Iterable[Amounts]) -> Amounts:
    """The sum of ``amounts``."""
    result = Amounts()
    for item in amounts:
        result = result + item
    return result


def term_amounts(rows: Sequence[FinanceRow]) -> Amounts:
    """One card's and one 재원's amounts for the whole term: each amount from the whole-term rows
    when one of them has it, else the sum of the year rows (never both) — the rule the card's
    소요예산 is summed by (:func:`reportgen.workbook_contract.term_amount`)."""
    return Amounts(*(term_amount(rows, column) for column in (COL_PLANNED, COL_SECURED, COL_SPENT)))


@dataclass(frozen=True)
class CardFinance:
    """A card's term amounts from one 재원 (the label as 설정's 재원 목록 spells it)."""

    card_id: str
    source: str
    amounts: Amounts


def _spellings(wb: Workbook, row_keys: Iterable[tuple[str, str]]) -> dict[str, str]:
    """label_key → spelling of each 재원: 설정's first, then those of ``row_keys`` ((label_key, 재원)
    of each row, in row order)."""
    seen: dict[str, str] = {}
    for name in wb.settings.sources:
        if name.strip():
            seen.setdefault(label_key(name), name.strip())
    for key, name in row_keys:
        seen.setdefault(key, name.strip())  # a row's empty 재원 stays "" (the reader refuses it)
    return seen


def sources(wb: Workbook) -> list[str]:
    """The 재원 in 설정's order, then any other 재원 the rows name, in row order (compared by label_key)."""
    return list(_spellings(wb, ((label_key(row.source), row.source) for row in wb.finance)).values())


def source_amounts(rows: Sequence[FinanceRow]) -> Amounts:
    """:func:`term_amounts` of rows that share one 재원 (as :func:`card_finance` groups them), by
    the one per-재원 rule :func:`reportgen.workbook_contract.source_amount`."""
    return Amounts(source_amount((row.year, row.planned) for row in rows),
                   source_amount((row.year, row.secured) for row in rows),
                   source_amount((row.year, row.spent) for row in rows))


def card_finance(wb: Workbook) -> list[CardFinance]:
    """Each card's term amounts per 재원 (:func:`source_amounts`), by card (first row's order), then
    재원 in :func:`sources` order. One label_key per row; positions from dicts, so 3,000 rows sort
    in linear lookups."""
    keyed = [(label_key(row.source), row) for row in wb.finance]
    spelled = _spellings(wb, ((key, row.source) for key, row in keyed))
    groups: dict[tuple[str, str], list[FinanceRow]] = {}
    for key, row in keyed:
        groups.setdefault((row.card_id.strip(), key), []).append(row)
    card_at = {card: index for index, card in enumerate(dict.fromkeys(card for card, _ in groups))}
    source_at = {key: index for index, key in enumerate(spelled)}
    keys = sorted(groups, key=lambda key: (card_at[key[0]], source_at[key[1]]))
    return [CardFinance(card, spelled[source], source_amounts(groups[(card, source)])) for card, source in keys]


def by_source(items: Iterable[CardFinance], names: Sequence[str]) -> list[tuple[str, Amounts]]:
    """The sums of ``items`` per 재원 in the order of ``names``; a 재원 without rows is left out."""
    sums: dict[str, Amounts] = {}
    for item in items:
        key = label_key(item.source)
        sums[key] = sums.get(key, Amounts()) + item.amounts
    return [(name, sums[label_key(name)]) for name in names if label_key(name) in sums]
