"""총괄표 tests. Every expected figure below was computed by hand (see the table in
``_cards``), not by the code under test; the tables are read from the 총괄표 document."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from reportgen.document import STYLE_FIGURES, Paragraph, Section, Table, Title, walk
from reportgen.model import (
    AnnualPlan,
    Card,
    Contact,
    FinanceRow,
    Header,
    Settings,
    Workbook,
    count_text,
)
from reportgen.summary import (
    amount_text,
    as_of_line,
    figure_text,
    half_up,
    summarize,
    summary_blocks,
    summary_document,
)

AREA_A = "1. 안전한 도시"
AREA_B = "2. 일자리가 넘치는 경제도시"

# id, 분야, 추진상황, 추진율, 완료시기, 사업주체, 추진부서
ROWS = [
    ("1-1", AREA_A, "완료", 100, "임기내", "구", "안전총괄과"),
    ("1-2", AREA_A, "이행 후 계속추진", 85, "임기내", "시 / 구", "안전총괄과"),
    ("1-3", AREA_A, "추진 중", 40, "임기후", "구", "전략사업과"),
    ("1-4", AREA_A, "정상추진", 24, "임기후", "구", "전략사업과"),
    ("2-1", AREA_B, "추진중", 55, "임기내", "시/구", "전략사업과"),
    ("2-2", AREA_B, "정상추진", 25, "임기 후", "구", "일자리경제과"),
    ("2-3", AREA_B, "보류", None, "임기후", "구", "일자리경제과"),
]


def _cards(rows=ROWS) -> list[Card]:
    """Seven cards. Hand-computed results (statuses 완료, 이행후, 정상, 추진중, 일부, 보류, 폐기):

    분야 A: 4 cards 1,1,1,1,-,-,-; 추진율 (100+85+40+24)/4 = 62.25 → 62.3; 완료율 2/4 = 50.0
    분야 B: 3 cards -,-,1,1,-,1,-; 추진율 (55+25)/2 = 40.0 (2-3 has none); 완료율 0.0
    합계:   7 cards 1,1,2,2,-,1,-; 추진율 329/6 = 54.833 → 54.8; 완료율 2/7 = 28.571 → 28.6
    """
    return [
        Card(
            id=cid,
            title=f"사업 {cid}",
            area=area,
            header=Header(
                status=status,
                progress=progress,
                completion=completion,
                executor=executor,
                department=Contact(department),
            ),
        )
        for cid, area, status, progress, completion, executor, department in rows
    ]


def _workbook(**settings) -> Workbook:
    return Workbook(Settings(agency="부산광역시 사하구", term="8기", as_of="2024-12-31", **settings), _cards())


def _tables(wb: Workbook) -> dict[str, Table]:
    """The 총괄표 tables of ``wb`` by caption."""
    return {block.caption: block for block in summary_blocks(summarize(wb))}


def _rows(table: Table) -> list[list[str]]:
    """Each row's cell texts (a cell's lines joined by a line break)."""
    return [["\n".join(c.lines) for c in row.cells] for row in table.rows]


def _table(wb: Workbook, title: str) -> list[list[str]]:
    return _rows(_tables(wb)[title])


#: the status tables' headings after the key, the rates in 설정 `총괄표 지표`'s default order
HEAD = ["계", "완료", "이행후 계속추진", "정상추진", "추진 중", "일부추진", "보류", "폐기", "완료율(%)", "평균 추진율(%)"]


def test_half_up_rounds_point_five_up_unlike_round():
    assert half_up(249, 4) == Decimal("62.3")  # 62.25; round(62.25, 1) gives 62.2
    assert half_up(189, 4) == Decimal("47.3")  # 47.25
    assert half_up(5, 100) == Decimal("0.1")  # 0.05
    assert half_up(1, 3) == Decimal("0.3")
    assert half_up(2, 3) == Decimal("0.7")
    assert half_up(200, 3) == Decimal("66.7")


def test_area_table_by_hand():
    rows = _table(_workbook(), "분야별")
    assert rows == [
        ["분야", *HEAD],
        [AREA_A, "4", "1", "1", "1", "1", "-", "-", "-", "50.0", "62.3"],
        [AREA_B, "3", "-", "-", "1", "1", "-", "1", "-", "0.0", "40.0"],
        ["합계", "7", "1", "1", "2", "2", "-", "1", "-", "28.6", "54.8"],
    ]


def test_department_table_by_hand():
    # 안전총괄과 1-1,1-2: 185/2 = 92.5, 2/2 done; 전략사업과 1-3,1-4,2-1: 119/3 = 39.67 → 39.7;
    # 일자리경제과 2-2,2-3: 25/1 = 25.0
    rows = _table(_workbook(), "부서별")
    assert rows[1:] == [
        ["안전총괄과", "2", "1", "1", "-", "-", "-", "-", "-", "100.0", "92.5"],
        ["전략사업과", "3", "-", "-", "1", "2", "-", "-", "-", "0.0", "39.7"],
        ["일자리경제과", "2", "-", "-", "1", "-", "-", "1", "-", "0.0", "25.0"],
        ["합계", "7", "1", "1", "2", "2", "-", "1", "-", "28.6", "54.8"],
    ]
    assert rows[0][0] == "추진부서"


def test_completion_table_folds_spaces():
    # 임기내 1-1,1-2,2-1: 240/3 = 80.0, done 2/3 = 66.67 → 66.7
    # 임기후 1-3,1-4,2-2 ("임기 후"),2-3: 89/3 = 29.67 → 29.7
    rows = _table(_workbook(), "완료시기별")
    assert rows[1:] == [
        ["임기내", "3", "1", "1", "-", "1", "-", "-", "-", "66.7", "80.0"],
        ["임기후", "4", "-", "-", "2", "1", "-", "1", "-", "0.0", "29.7"],
        ["합계", "7", "1", "1", "2", "2", "-", "1", "-", "28.6", "54.8"],
    ]


def test_executor_table_half_up_and_spaces():
    # 구 1-1,1-3,1-4,2-2,2-3: (100+40+24+25)/4 = 47.25 → 47.3, done 1/5 = 20.0
    # 시 / 구 (1-2, and 2-1 written 시/구): 140/2 = 70.0, done 1/2 = 50.0
    rows = _table(_workbook(), "사업주체별")
    assert rows[1:] == [
        ["구", "5", "1", "-", "2", "1", "-", "1", "-", "20.0", "47.3"],
        ["시 / 구", "2", "-", "1", "-", "1", "-", "-", "-", "50.0", "70.0"],
        ["합계", "7", "1", "1", "2", "2", "-", "1", "-", "28.6", "54.8"],
    ]


def test_result_object_figures():
    s = summarize(_workbook())
    area_a = s.tables[0].rows[0]
    assert (area_a.total, area_a.progress_cards, area_a.done) == (4, 4, 2)
    assert area_a.average_progress == Decimal("62.3")
    assert s.tables[0].total.progress_cards == 6
    assert s.cards == 7 and s.cards_without_progress == 1


STATUS_TABLES = ["분야별", "부서별", "완료시기별", "사업주체별"]
CAPTIONS = ["주요 지표", *STATUS_TABLES, "목표 달성(분야별)", "목표 달성(부서별)"]


def test_blocks_are_the_figure_tables_and_no_title():
    blocks = summary_blocks(summarize(_workbook()))
    assert all(isinstance(b, Table) for b in blocks)
    assert [b.caption for b in blocks] == CAPTIONS  # no 공약가계부 without 재정계획 rows
    assert {(b.style, b.header_rows) for b in blocks} == {(STYLE_FIGURES, 1)}
    for table in blocks[1:5]:
        assert [c.label for c in table.rows[0].cells] == [True] * 11  # the heading row
        for row in table.rows[1:]:  # each 분야 (…, 합계) is a row heading, its figures are values
            assert [c.label for c in row.cells] == [True] + [False] * 10
        assert sum(table.shares) == 1000 and table.shares[0] > 2 * table.shares[1]


def test_notes_are_korean_under_the_last_table_only():
    blocks = summary_blocks(summarize(_workbook()))
    assert [b.notes for b in blocks[1:4]] == [(), (), ()]
    notes = blocks[4].notes
    assert notes == (  # the formulas of the two rate columns, in 설정's default order; 2-3 has no 추진율
        "※ 완료율 = 완료 카드 수 ÷ 전체 카드 수 × 100 (완료: 완료, 이행후 계속추진)",
        "※ 평균 추진율 = 추진율 합 ÷ 추진율이 입력된 카드 수 (추진율 없는 카드 1건 제외)",
        "※ 소수 첫째 자리 반올림(0.05 올림), 나누는 수가 0이면 '-'",
        "※ 상태는 띄어쓰기를 무시하고 비교, 0건은 '-'",
    )
    assert not any(re.search("[A-Za-z]", note) for note in notes)


def test_document_title_is_printed_once():
    doc = summary_document(summarize(_workbook()))
    assert (doc.title, doc.name) == ("총괄표", "총괄표")
    [section] = doc.blocks
    assert isinstance(section, Section) and (section.orientation, section.name) == ("landscape", "총괄표")
    assert section.blocks[:2] == (Title("총괄표"), Paragraph("부산광역시 사하구 민선 8기 (기준일 2024-12-31)"))
    assert [b.caption for b in section.blocks[2:] if isinstance(b, Table)] == CAPTIONS
    # the two 분야 charts stand right after the 분야별 table
    after_area = section.blocks[2 + CAPTIONS.index("분야별") + 1:][:2]
    assert [type(b).__name__ for b in after_area] == ["Image", "Image"]
    assert [b.caption for b in after_area] == ["분야별 추진상황", "분야별 완료율·평균 추진율"]
    texts = [b.text for b in walk(doc.blocks) if isinstance(b, Title | Paragraph)]
    assert sum("총괄표" in text for text in texts) == 1


@pytest.mark.parametrize(("agency", "term", "as_of", "line"), [
    ("부산광역시 사하구", "8기", "2024-12-31", "부산광역시 사하구 민선 8기 (기준일 2024-12-31)"),
    ("", "", "2024-12-31", "기준일 2024-12-31"),
    ("부산광역시 사하구", "", "", "부산광역시 사하구"),
    ("", "", "", ""),
])
def test_as_of_line(agency, term, as_of, line):
    s = summarize(Workbook(Settings(agency=agency, term=term, as_of=as_of)))
    assert as_of_line(s) == line
    first = summary_document(s).blocks[0].blocks
    assert first[1] == (Paragraph(line) if line else summary_blocks(s)[0])


def test_a_table_figure_is_not_a_communication_count():
    """0 cards print ``-``; the model's 구민소통 count of 0 is ``0회`` and none is ``-``."""
    assert (figure_text(0), figure_text(3)) == ("-", "3")
    assert (count_text(0), count_text(None)) == ("0회", "-")


def test_done_statuses_configurable():
    # only 완료 counts as done: 분야 A 1/4 = 25.0, 합계 1/7 = 14.29 → 14.3
    rows = _table(_workbook(done_statuses=["완 료"]), "분야별")
    assert rows[0][-2] == "완료율(%)"
    assert rows[1][-2] == "25.0"
    assert rows[3][-2] == "14.3"
    assert "(완료: 완 료)" in _tables(_workbook(done_statuses=["완 료"]))["사업주체별"].notes[0]


def test_status_order_from_settings_and_unlisted_status_appended():
    wb = _workbook(statuses=["정상추진", "완료", "이행후 계속추진", "추진 중"])
    wb.cards[6].header.status = "재검토"  # 2-3, not in the list
    wb.cards[5].header.status = ""  # 2-2, blank
    rows = _table(wb, "분야별")
    # unlisted labels follow in card order: 2-2 (blank) before 2-3 (재검토)
    assert rows[0][1:8] == ["계", "정상추진", "완료", "이행후 계속추진", "추진 중", "(미입력)", "재검토"]
    # 분야 B: 2-1 추진중, 2-2 blank, 2-3 재검토
    assert rows[2][1:8] == ["3", "-", "-", "-", "1", "1", "1"]


def test_empty_workbook_prints_dashes():
    rows = _table(Workbook(), "완료시기별")
    assert rows[1] == ["임기내", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"]
    assert rows[-1] == ["합계", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"]
    assert _table(Workbook(), "분야별")[1:] == [rows[-1]]  # no 분야: the 합계 row alone


@pytest.mark.parametrize("progress, expected", [([62, 63], "62.5"), ([1, 0, 0], "0.3"), ([0, 0, 1, 1], "0.5")])
def test_mean_small_cases(progress, expected):
    rows = [(f"9-{i}", "9. 시험", "정상추진", p, "임기내", "구", "과") for i, p in enumerate(progress)]
    wb = Workbook(cards=_cards(rows))
    assert _table(wb, "분야별")[1][-1] == expected


# ── which rates the status tables show (설정 `총괄표 지표`) ───────────────────
ROUNDING = "※ 소수 첫째 자리 반올림(0.05 올림), 나누는 수가 0이면 '-'"
STATUS_LINE = "※ 상태는 띄어쓰기를 무시하고 비교, 0건은 '-'"
DONE_FORMULA = "※ 완료율 = 완료 카드 수 ÷ 전체 카드 수 × 100 (완료: 완료, 이행후 계속추진)"
MEAN_FORMULA = "※ 평균 추진율 = 추진율 합 ÷ 추진율이 입력된 카드 수 (추진율 없는 카드 1건 제외)"
STATUS_COLUMNS = ["완료", "이행후 계속추진", "정상추진", "추진 중", "일부추진", "보류", "폐기"]


def test_target_rate_and_completion_print_only_the_completion_column():
    """설정 `목표달성률, 완료율`: of the two per-row rates only 완료율; by hand (see _cards):
    분야 A 2 ÷ 4 = 50.0, B 0 ÷ 3 = 0.0, 합계 2 ÷ 7 = 28.57… → 28.6; 부서 안전총괄과 2 ÷ 2 = 100.0,
    전략사업과 0 ÷ 3, 일자리경제과 0 ÷ 2 = 0.0; 임기내 2 ÷ 3 = 66.66… → 66.7, 임기후 0 ÷ 4 = 0.0;
    구 1 ÷ 5 = 20.0, 시 / 구 1 ÷ 2 = 50.0."""
    tables = _tables(_workbook(rates=["목표달성률", "완료율"]))
    assert _rows(tables["분야별"]) == [
        ["분야", "계", *STATUS_COLUMNS, "완료율(%)"],
        [AREA_A, "4", "1", "1", "1", "1", "-", "-", "-", "50.0"],
        [AREA_B, "3", "-", "-", "1", "1", "-", "1", "-", "0.0"],
        ["합계", "7", "1", "1", "2", "2", "-", "1", "-", "28.6"],
    ]
    rates = {caption: [row[-1] for row in _rows(tables[caption])] for caption in STATUS_TABLES}
    assert rates == {"분야별": ["완료율(%)", "50.0", "0.0", "28.6"],
                     "부서별": ["완료율(%)", "100.0", "0.0", "0.0", "28.6"],
                     "완료시기별": ["완료율(%)", "66.7", "0.0", "28.6"],
                     "사업주체별": ["완료율(%)", "20.0", "50.0", "28.6"]}
    assert {len(row.cells) for caption in STATUS_TABLES for row in tables[caption].rows} == {10}
    assert tables["사업주체별"].notes == (DONE_FORMULA, ROUNDING, STATUS_LINE)


def test_the_default_shows_both_rates_in_the_settings_order():
    """Default 설정 (all four): 완료율 then 평균 추진율; 설정 `평균 추진율, 완료율` turns them round.
    분야 A: 완료율 2 ÷ 4 = 50.0, 평균 (100 + 85 + 40 + 24) ÷ 4 = 62.25 → 62.3."""
    default = _tables(_workbook())
    assert _rows(default["분야별"])[0][-2:] == ["완료율(%)", "평균 추진율(%)"]
    assert _rows(default["분야별"])[1][-2:] == ["50.0", "62.3"]
    assert default["사업주체별"].notes == (DONE_FORMULA, MEAN_FORMULA, ROUNDING, STATUS_LINE)
    turned = _tables(_workbook(rates=["평균 추진율", "이행률(임기내)", "완료율"]))
    assert _rows(turned["분야별"])[0][-2:] == ["평균 추진율(%)", "완료율(%)"]
    assert _rows(turned["분야별"])[1][-2:] == ["62.3", "50.0"]
    assert turned["사업주체별"].notes == (MEAN_FORMULA, DONE_FORMULA, ROUNDING, STATUS_LINE)


def test_no_rate_column_when_settings_chose_neither():
    """설정 `목표달성률` alone: the status tables are the counts; no rounding rule without a rate."""
    tables = _tables(_workbook(rates=["목표달성률"]))
    assert _rows(tables["분야별"])[3] == ["합계", "7", "1", "1", "2", "2", "-", "1", "-"]
    assert tables["사업주체별"].notes == (STATUS_LINE,)
    assert sum(tables["분야별"].shares) == 1000


# ── 주요 지표 ─────────────────────────────────────────────────────────────
def _targeted() -> Workbook:
    """_workbook with 2024 targets (기준일 2024-12-31). By hand, 추진율 against the 2024 목표:

    1-1 100 ≥ 100 달성 (exactly at it)   1-2 85 < 90 미달   1-3 40 ≥ 40 달성 (exactly)
    1-4 24, no plan: 목표 없음            2-1 55 ≥ 50 달성   2-2 25 < 30 미달
    2-3 no 추진율 (목표 50): 목표 없음
    분야 A: 달성 2, 미달 1, 목표 없음 1, 2 ÷ 3 × 100 = 66.66… → 66.7
    분야 B: 달성 1, 미달 1, 목표 없음 1, 1 ÷ 2 × 100 = 50.0
    합계: 달성 3, 미달 2, 목표 없음 2, 3 ÷ 5 × 100 = 60.0
    """
    wb = _workbook()
    for card, target in zip(wb.cards, (100, 90, 40, None, 50, 30, 50), strict=True):
        if target is not None:
            card.annual_plan = AnnualPlan(years=[2022, 2023, 2024, 2025, 2026], targets=[10, 20, target, 80, 100])
    return wb


def test_rates_table_by_hand():
    # 완료율 2 ÷ 7 × 100 = 28.57… → 28.6; 평균 329 ÷ 6 = 54.83… → 54.8;
    # 이행률(임기내): 임기내 1-1, 1-2, 2-1, done 1-1, 1-2: 2 ÷ 3 × 100 = 66.66… → 66.7; 목표달성률 3 ÷ 5 = 60.0
    table = _tables(_targeted())["주요 지표"]
    assert _rows(table) == [
        ["지표", "값(%)", "산출"],
        ["완료율", "28.6", "2 ÷ 7 × 100"],
        ["평균 추진율", "54.8", "329 ÷ 6"],
        ["이행률(임기내)", "66.7", "2 ÷ 3 × 100"],
        ["목표달성률", "60.0", "3 ÷ 5 × 100"],
    ]
    assert table.notes == (
        "※ 완료율 = 완료 카드 수 ÷ 전체 카드 수 × 100 (완료: 완료, 이행후 계속추진)",
        "※ 평균 추진율 = 추진율 합 ÷ 추진율이 입력된 카드 수 (추진율 없는 카드 1건 제외)",
        "※ 이행률(임기내) = 완료시기가 임기내인 카드 중 완료 카드 수 ÷ 완료시기가 임기내인 카드 수 × 100",
        "※ 목표달성률 = 달성 카드 수 ÷ (달성 + 미달) 카드 수 × 100 (2024년 목표 기준, 목표 없는 카드 2건 제외)",
        "※ 소수 첫째 자리 반올림(0.05 올림), 나누는 수가 0이면 '-'",
    )


def test_rates_follow_the_settings_order():
    wb = _targeted()
    wb.settings.rates = ["목표달성률", "완료율"]
    table = _tables(wb)["주요 지표"]
    assert [row[0] for row in _rows(table)[1:]] == ["목표달성률", "완료율"]
    assert [note.split(" = ")[0] for note in table.notes[:2]] == ["※ 목표달성률", "※ 완료율"]
    wb.settings.rates = []
    assert "주요 지표" not in _tables(wb)


def test_target_tables_by_hand():
    tables = _tables(_targeted())
    assert _rows(tables["목표 달성(분야별)"]) == [
        ["분야", "달성", "미달", "목표 없음", "목표달성률(%)"],
        [AREA_A, "2", "1", "1", "66.7"],
        [AREA_B, "1", "1", "1", "50.0"],
        ["합계", "3", "2", "2", "60.0"],
    ]
    # 안전총괄과 1-1 달성, 1-2 미달: 1 ÷ 2 = 50.0; 전략사업과 1-3 달성, 1-4 없음, 2-1 달성: 2 ÷ 2 = 100.0;
    # 일자리경제과 2-2 미달, 2-3 없음: 0 ÷ 1 = 0.0
    assert _rows(tables["목표 달성(부서별)"])[1:] == [
        ["안전총괄과", "1", "1", "-", "50.0"],
        ["전략사업과", "2", "-", "1", "100.0"],
        ["일자리경제과", "-", "1", "1", "0.0"],
        ["합계", "3", "2", "2", "60.0"],
    ]
    assert tables["목표 달성(분야별)"].notes == ()
    assert tables["목표 달성(부서별)"].notes[0] == (
        "※ 달성 = 추진율이 2024년 목표(연차별 추진계획의 목표(%)) 이상인 카드, 미달 = 목표보다 낮은 카드")


def test_target_rate_dash_when_no_card_has_a_target():
    rows = _table(_workbook(), "목표 달성(분야별)")  # no card has a plan: every card 목표 없음
    assert rows[1:] == [[AREA_A, "-", "-", "4", "-"], [AREA_B, "-", "-", "3", "-"], ["합계", "-", "-", "7", "-"]]


# ── 공약가계부 ────────────────────────────────────────────────────────────
def _money(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _finance_book(rows) -> Workbook:
    """Three cards in two 분야 (1-1, 1-2 in A; 2-1 in B) and the 재정계획 ``rows``."""
    cards = [Card(id=cid, title=f"사업 {cid}", area=area) for cid, area in (("1-1", AREA_A), ("1-2", AREA_A),
                                                                            ("2-1", AREA_B))]
    finance = [FinanceRow(cid, year, source, _money(p), _money(s), _money(x)) for cid, year, source, p, s, x in rows]
    return Workbook(Settings(as_of="2024-12-31"), cards, finance)


#: (관리번호, 연도, 재원, 계획, 확보, 집행); None 연도 = the whole term
FINANCE = [
    ("1-1", 2023, "국비", 100, 100, 80),
    ("1-1", 2024, "국비", 200, 150, 50),
    ("1-1", None, "국비", 500, None, None),  # the term's 계획; 확보, 집행 from the years
    ("1-1", 2024, "시·군·구비", 50, 50, 25),
    ("1-2", None, "시·도비", 300, 120, 0),
    ("2-1", 2024, "국비", 1000, 400, 100),
    ("2-1", 2025, "국비", 1000, None, None),
    ("2-1", 2024, "시·군·구비", 250, 250, 250),
    ("2-1", 2024, "시ㆍ도비", 0, 0, 0),  # another middle dot: the same 재원
    ("2-1", 2024, "기타", 12.5, None, None),
]
FINANCE_HEAD = ["계획(백만원)", "확보(백만원)", "집행(백만원)", "확보율(%)", "집행률(%)"]


def test_finance_by_source_by_hand():
    """Per card and 재원 (the term row's amount where it has one, else the years'):
    1-1 국비 500 | 100+150 = 250 | 80+50 = 130;  1-1 시·군·구비 50 | 50 | 25;  1-2 시·도비 300 | 120 | 0;
    2-1 국비 1000+1000 = 2000 | 400 | 100;  2-1 시·도비 0 | 0 | 0;  2-1 시·군·구비 250 | 250 | 250;
    2-1 기타 12.5 | - | -.
    국비 2,500 | 650 | 230: 650 ÷ 2500 = 26.0, 230 ÷ 650 = 35.38… → 35.4
    시·도비 300 | 120 | 0: 40.0, 0.0;  시·군·구비 300 | 300 | 275: 100.0, 91.66… → 91.7;  기타 12.5 | - | -
    합계 3,112.5 | 1,070 | 505: 1070 ÷ 3112.5 = 34.377… → 34.4, 505 ÷ 1070 = 47.19… → 47.2
    """
    table = _tables(_finance_book(FINANCE))["공약가계부(재원별)"]
    assert _rows(table) == [
        ["재원", *FINANCE_HEAD],
        ["국비", "2,500", "650", "230", "26.0", "35.4"],
        ["시·도비", "300", "120", "0", "40.0", "0.0"],
        ["시·군·구비", "300", "300", "275", "100.0", "91.7"],
        ["기타", "12.5", "-", "-", "-", "-"],
        ["합계", "3,112.5", "1,070", "505", "34.4", "47.2"],
    ]


def test_finance_by_area_by_hand():
    """분야 A (1-1, 1-2): 국비 500 | 250 | 130 (50.0, 52.0); 시·도비 300 | 120 | 0 (40.0, 0.0);
    시·군·구비 50 | 50 | 25 (100.0, 50.0); 소계 850 | 420 | 155: 420 ÷ 850 = 49.41… → 49.4, 155 ÷ 420 = 36.90… → 36.9.
    분야 B (2-1): 국비 2,000 | 400 | 100 (20.0, 25.0); 시·도비 0 | 0 | 0 (-, -); 시·군·구비 250 | 250 | 250
    (100.0, 100.0); 기타 12.5 | - | -; 소계 2,262.5 | 650 | 350: 650 ÷ 2262.5 = 28.72… → 28.7, 350 ÷ 650 = 53.84… → 53.8.
    합계 = 850 + 2,262.5 = 3,112.5 | 420 + 650 = 1,070 | 155 + 350 = 505 (34.4, 47.2)."""
    table = _tables(_finance_book(FINANCE))["공약가계부(분야별)"]
    assert _rows(table) == [
        ["분야", "재원", *FINANCE_HEAD],
        [AREA_A, "국비", "500", "250", "130", "50.0", "52.0"],
        ["시·도비", "300", "120", "0", "40.0", "0.0"],
        ["시·군·구비", "50", "50", "25", "100.0", "50.0"],
        ["소계", "850", "420", "155", "49.4", "36.9"],
        [AREA_B, "국비", "2,000", "400", "100", "20.0", "25.0"],
        ["시·도비", "0", "0", "0", "-", "-"],
        ["시·군·구비", "250", "250", "250", "100.0", "100.0"],
        ["기타", "12.5", "-", "-", "-", "-"],
        ["소계", "2,262.5", "650", "350", "28.7", "53.8"],
        ["합계", "3,112.5", "1,070", "505", "34.4", "47.2"],
    ]
    spans = [(row.cells[0].lines, row.cells[0].rowspan, row.cells[0].colspan) for row in table.rows
             if row.cells[0].rowspan > 1 or row.cells[0].colspan > 1]
    assert spans == [((AREA_A,), 4, 1), ((AREA_B,), 5, 1), (("합계",), 1, 2)]


def test_a_published_table_whose_typed_total_is_wrong():
    """A published 공약가계부 printed 국비 1,234 / 시·도비 567 / 시·군·구비 89 and a typed 계 of 1,900.
    The real sum is 1,234 + 567 + 89 = 1,890: our 합계 is the sum of the rows, never a typed figure."""
    book = _finance_book([("1-1", None, "국비", 1234, None, None), ("1-2", None, "시·도비", 567, None, None),
                          ("2-1", None, "시·군·구비", 89, None, None)])
    for caption in ("공약가계부(재원별)", "공약가계부(분야별)"):
        total = _table(book, caption)[-1]
        assert total[0] == "합계" and total[-5] == "1,890" and "1,900" not in total


def test_finance_only_with_finance_rows_and_korean_notes():
    assert not [c for c in _tables(_workbook()) if c.startswith("공약가계부")]
    blocks = summary_blocks(summarize(_finance_book(FINANCE)))
    assert [b.caption for b in blocks][-2:] == ["공약가계부(재원별)", "공약가계부(분야별)"]
    assert blocks[-2].notes == ()
    assert blocks[-1].notes[1] == ("※ 한 카드·재원의 계획·확보·집행은 각각 연도가 빈 행(임기 전체)에 금액이 있으면 "
                                   "그 금액, 없으면 연도별 행의 합(같은 금액을 두 번 더하지 않음)")
    assert [b.caption for b in summary_blocks(summarize(_finance_book(FINANCE)), finance=False)] == CAPTIONS


def test_every_note_of_the_summary_is_korean():
    notes = [note for b in summary_blocks(summarize(_finance_book(FINANCE))) for note in b.notes]
    notes += [note for b in summary_blocks(summarize(_targeted())) for note in b.notes]
    assert len(notes) == 28  # each book: 5 rates, 4 status, 3 목표 달성 = 12; the first also 4 공약가계부
    assert not [note for note in notes if re.search("[A-Za-z]", note)]


@pytest.mark.parametrize(("value", "text"), [
    (None, "-"), (Decimal(0), "0"), (Decimal("12345"), "12,345"), (Decimal("1234.50"), "1,234.5"),
    (Decimal("1E+3"), "1,000"), (Decimal("0.25"), "0.25")])
def test_amount_text(value, text):
    assert amount_text(value) == text
