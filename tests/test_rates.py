"""목표 달성, the four rates and the 공약가계부 sums (reportgen.rates). Every expected figure is
worked out by hand in the comment beside it, not by the code under test."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reportgen import rates as r
from reportgen.model import AnnualPlan, Card, FinanceRow, Header, Settings, Workbook, label_key

YEARS = [2022, 2023, 2024, 2025, 2026]


def _card(cid: str, status: str, progress: int | None, completion: str, target_2024: int | None = None,
          years: list[int] | None = None) -> Card:
    """A card whose 2024 target is ``target_2024`` (the other years 10, 20, -, 80, 100)."""
    plan = AnnualPlan(years=years if years is not None else YEARS, targets=[10, 20, target_2024, 80, 100])
    return Card(id=cid, title=f"사업 {cid}", area="가",
                header=Header(status=status, progress=progress, completion=completion), annual_plan=plan)


def _workbook() -> Workbook:
    """Seven cards, 기준일 2024-06-30 (2024 targets), 완료 = 완료, 이행후 계속추진. By hand:

    id   status            추진율 완료시기  2024 목표  목표 달성
    A1   완료               100   임기내    100       달성 (exactly at its target)
    A2   이행 후 계속추진     85   임기 내    90       미달
    A3   추진 중             40   임기내     40       달성 (exactly)
    A4   정상추진            24   임기후     30       미달
    B1   추진중              55   임기내     -        목표 없음 (no target for 2024)
    B2   보류               -     임기후     50       목표 없음 (no 추진율)
    B3   정상추진            25   임기후     -        목표 없음 (2024 not among the plan's years)

    완료율 = 2 (A1, A2) ÷ 7 × 100 = 28.571… → 28.6
    평균 추진율 = (100 + 85 + 40 + 24 + 55 + 25) ÷ 6 = 329 ÷ 6 = 54.833… → 54.8
    이행률(임기내) = 2 (A1, A2) ÷ 4 (A1, A2, A3, B1) × 100 = 50.0
    목표달성률 = 2 (A1, A3) ÷ (2 + 2 (A2, A4)) × 100 = 50.0; 목표 없음 3
    """
    cards = [
        _card("A1", "완료", 100, "임기내", 100),
        _card("A2", "이행 후 계속추진", 85, "임기 내", 90),
        _card("A3", "추진 중", 40, "임기내", 40),
        _card("A4", "정상추진", 24, "임기후", 30),
        _card("B1", "추진중", 55, "임기내", None),
        _card("B2", "보류", None, "임기후", 50),
        _card("B3", "정상추진", 25, "임기후", 50, years=[2020, 2021, 2022, 2023]),
    ]
    return Workbook(Settings(as_of="2024-06-30"), cards)


# ── 목표 달성 ─────────────────────────────────────────────────────────────
def test_target_year_is_the_year_of_the_as_of_day():
    assert r.target_year(Settings(as_of="2024-06-30")) == 2024
    assert r.target_year(Settings(as_of="")) is None
    assert r.target_year(Settings(as_of="2024. 6. 30.")) is None  # not an ISO day: no year


def test_each_card_against_its_2024_target():
    checks = r.target_checks(_workbook())
    assert [(c.card.id, c.target, c.progress, c.state) for c in checks] == [
        ("A1", 100, 100, "달성"), ("A2", 90, 85, "미달"), ("A3", 40, 40, "달성"), ("A4", 30, 24, "미달"),
        ("B1", None, 55, "목표 없음"), ("B2", 50, None, "목표 없음"), ("B3", None, 25, "목표 없음")]


def test_count_and_rate_of_the_targets():
    count = r.count_targets(r.target_checks(_workbook()))
    assert (count.reached, count.missed, count.no_target) == (2, 2, 3)
    assert count.rate == Decimal("50.0")  # 2 ÷ (2 + 2) × 100


def test_a_card_one_below_its_target_misses_it():
    card = _card("X", "추진 중", 39, "임기내", 40)
    assert r.check_target(card, 2024).state == "미달"
    card.header.progress = 40
    assert r.check_target(card, 2024).state == "달성"


def test_no_year_means_no_target():
    book = _workbook()
    book.settings.as_of = ""
    count = r.count_targets(r.target_checks(book))
    assert (count.reached, count.missed, count.no_target, count.rate) == (0, 0, 7, None)  # 0 ÷ 0: none


def test_the_after_term_target_is_no_years_target():
    card = _card("X", "추진 중", 90, "임기후", None)
    card.annual_plan.after_term_target = 80
    assert r.check_target(card, 2027).state == "목표 없음"  # 2027 is not among the term's years


def test_targets_shorter_than_years():
    card = _card("X", "추진 중", 90, "임기후", 40)
    card.annual_plan.targets = [10, 20]  # 2024's target cell was left out
    assert r.target_of(card, 2024) is None and r.target_of(card, 2023) == 20


# ── the rates ─────────────────────────────────────────────────────────────
def test_the_four_rates_by_hand():
    book = _workbook()
    assert r.completion_rate(book) == r.Rate("완료율", 2, 7, Decimal("28.6"))  # 28.571…
    assert r.mean_progress(book) == r.Rate("평균 추진율", 329, 6, Decimal("54.8"))  # 54.833…
    assert r.in_term_rate(book) == r.Rate("이행률(임기내)", 2, 4, Decimal("50.0"))
    assert r.target_rate(book) == r.Rate("목표달성률", 2, 4, Decimal("50.0"))


def test_done_statuses_decide_completion():
    book = _workbook()
    book.settings.done_statuses = ["완 료"]  # only A1; compared without spaces
    assert r.completion_rate(book).value == Decimal("14.3")  # 1 ÷ 7 × 100 = 14.285… → 14.3
    assert r.in_term_rate(book).value == Decimal("25.0")  # 1 ÷ 4 × 100


def _sixteen() -> Workbook:
    """16 cards, all 임기내 with a 2024 target of 50: card 0 완료 at 100 %, the others 추진 중 at 0 %.
    Every rate is 1 ÷ 16 × 100 = 6.25 (평균 100 ÷ 16 = 6.25): half-up gives 6.3 (round() would give 6.2)."""
    cards = [_card("0", "완료", 100, "임기내", 50), *(_card(str(i), "추진 중", 0, "임기내", 50) for i in range(1, 16))]
    return Workbook(Settings(as_of="2024-12-31"), cards)


@pytest.mark.parametrize("rate", [r.completion_rate, r.mean_progress, r.in_term_rate, r.target_rate])
def test_each_rate_rounds_half_up_at_x5(rate):
    assert round(6.25, 1) == 6.2  # what the rounding must not be
    assert rate(_sixteen()).value == Decimal("6.3")


@pytest.mark.parametrize("rate", [r.completion_rate, r.mean_progress, r.in_term_rate, r.target_rate])
def test_each_rate_with_a_zero_divisor_is_none(rate):
    assert rate(Workbook(Settings(as_of="2024-12-31"))).value is None  # no card at all
    none_due = Workbook(Settings(as_of="2024-12-31"), [_card("X", "완료", None, "임기후", None)])
    # no 임기내 card, no 추진율, no target: those three divide by 0; 완료율 is 1 ÷ 1
    expected = Decimal("100.0") if rate is r.completion_rate else None
    assert rate(none_due).value == expected


def test_settings_choose_and_order_the_rates():
    book = _workbook()
    book.settings.rates = ["목표달성률", "이행률 (임기내)", "모르는 지표", "완료율", "목표달성률"]
    assert [rate.name for rate in r.rates(book)] == ["목표달성률", "이행률(임기내)", "완료율"]
    book.settings.rates = []
    assert r.rates(book) == []


# ── 공약가계부 ────────────────────────────────────────────────────────────
def _row(card: str, year: int | None, source: str, planned, secured=None, spent=None) -> FinanceRow:
    def amount(value):
        return None if value is None else Decimal(str(value))
    return FinanceRow(card, year, source, amount(planned), amount(secured), amount(spent))


def test_term_amounts_take_the_term_row_per_amount_else_the_years():
    # 계획: the term row's 500 (not 100 + 200 + 500); 확보: no term amount, the years' 100 + 150 = 250;
    # 집행: the years' 80 + 50 = 130
    rows = [_row("1-1", 2023, "국비", 100, 100, 80), _row("1-1", 2024, "국비", 200, 150, 50),
            _row("1-1", None, "국비", 500)]
    assert r.term_amounts(rows) == r.Amounts(Decimal(500), Decimal(250), Decimal(130))


def test_term_amounts_of_year_rows_alone_and_of_nothing():
    assert r.term_amounts([_row("1", 2024, "국비", 1.5), _row("1", 2025, "국비", 2)]) == r.Amounts(Decimal("3.5"))
    assert r.term_amounts([]) == r.Amounts()


@pytest.mark.parametrize(("planned", "secured", "spent", "secured_rate", "spent_rate"), [
    (16, 1, 1, "6.3", "100.0"),  # 1 ÷ 16 × 100 = 6.25 → 6.3 (half-up)
    (3, 2, 1, "66.7", "50.0"),  # 66.66… → 66.7; 1 ÷ 2
    (0, 0, 0, None, None),  # divisors 0: '-'
    (100, None, None, None, None),  # nothing secured: no 확보율, no 집행률
])
def test_secured_and_spent_rates(planned, secured, spent, secured_rate, spent_rate):
    amounts = r.Amounts(*(None if v is None else Decimal(v) for v in (planned, secured, spent)))
    assert amounts.secured_rate == (None if secured_rate is None else Decimal(secured_rate))
    assert amounts.spent_rate == (None if spent_rate is None else Decimal(spent_rate))


def test_sources_in_settings_order_then_others_by_label_key():
    book = Workbook(Settings(sources=["국비", "시·도비", "구비"]), finance=[
        _row("1", 2024, "구비", 1), _row("1", 2024, "시ㆍ도비", 2), _row("1", 2024, "민자", 3)])
    assert r.sources(book) == ["국비", "시·도비", "구비", "민자"]  # 시ㆍ도비 is 시·도비
    items = r.card_finance(book)
    assert [(i.source, i.amounts.planned) for i in items] == [
        ("시·도비", Decimal(2)), ("구비", Decimal(1)), ("민자", Decimal(3))]
    assert [name for name, _ in r.by_source(items, r.sources(book))] == ["시·도비", "구비", "민자"]


def test_card_finance_by_card_then_source_by_hand():
    """Rows of two cards interleaved, 재원 spelled three ways. By hand, per card (first row's order:
    2-1, then 1-1) and 재원 (설정 order 국비, 시·도비, 시·군·구비, 기타, then 민자):
    2-1 국비: years 100 + 200 = 300 | 확보 50 | 집행 -;  2-1 시·도비 (시ㆍ도비 and 시 · 도비 rows): the term
    row's 40 (not 40 + 7) | 확보 from the year row 7 | -;  1-1 국비: the term row's 500 | 20 | -;
    1-1 기타 12.5 | - | -;  1-1 민자 (not in 설정) 3 | 3 | 1."""
    book = Workbook(Settings(), finance=[
        _row("2-1", 2024, "시ㆍ도비", 7, 7), _row("1-1", None, "기타", 12.5), _row("2-1", 2023, "국비", 100, 50),
        _row("1-1", 2024, "국비", 30, 20), _row("1-1", 2023, "민자", 3, 3, 1), _row("2-1", None, "시 · 도비", 40),
        _row("2-1", 2024, "국비", 200), _row("1-1", None, "국비", 500)])
    assert [(item.card_id, item.source, item.amounts) for item in r.card_finance(book)] == [
        ("2-1", "국비", r.Amounts(Decimal(300), Decimal(50))),
        ("2-1", "시·도비", r.Amounts(Decimal(40), Decimal(7))),
        ("1-1", "국비", r.Amounts(Decimal(500), Decimal(20))),
        ("1-1", "기타", r.Amounts(Decimal("12.5"))),
        ("1-1", "민자", r.Amounts(Decimal(3), Decimal(3), Decimal(1))),
    ]


def _term_amounts_sorted_by_index(book: Workbook) -> list[r.CardFinance]:
    """card_finance as it was before position dicts: each group's term_amounts (the workbook's
    term_amount rule), sorted by list.index of its card and 재원."""
    groups: dict[tuple[str, str], list[FinanceRow]] = {}
    for row in book.finance:
        groups.setdefault((row.card_id.strip(), label_key(row.source)), []).append(row)
    spelled = {label_key(name): name for name in r.sources(book)}
    cards, order = list(dict.fromkeys(card for card, _ in groups)), list(spelled)
    keys = sorted(groups, key=lambda key: (cards.index(key[0]), order.index(key[1])))
    return [r.CardFinance(card, spelled[source], r.term_amounts(groups[(card, source)])) for card, source in keys]


def test_card_finance_of_1000_cards_is_what_the_term_amount_rule_gives():
    """1,000 cards, 3 rows each (a whole-term 국비 row, 시ㆍ도비 rows of two years, a 국비 year row that
    the term row outweighs), cards in reverse order: the same items as each group's term_amounts."""
    finance = []
    for n in reversed(range(1000)):
        finance += [_row(f"{n % 8}-{n}", None, "국비", 100 + n, 50, None),
                    _row(f"{n % 8}-{n}", 2023, "시ㆍ도비", n % 7, None, n % 3),
                    _row(f"{n % 8}-{n}", 2024, "국비" if n % 2 else "시·도비", 30, 30, 10)]
    book = Workbook(Settings(), finance=finance)
    items = r.card_finance(book)
    assert len(items) == 2 * 1000  # every card: 국비 and 시·도비 (odd: 국비 twice, even: 시·도비 twice)
    assert items == _term_amounts_sorted_by_index(book)
    # card 999 (first): 국비 term row 1,099 (the year row's 30 not added) | 50 | the year row's 10
    assert items[0] == r.CardFinance("7-999", "국비", r.Amounts(Decimal(1099), Decimal(50), Decimal(10)))
