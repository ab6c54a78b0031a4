"""총괄표 tests. Every expected figure below was computed by hand (see the table in
``_cards``), not by the code under test; the tables are read from the 총괄표 document."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from reportgen.document import STYLE_FIGURES, Paragraph, Section, Table, Title, walk
from reportgen.model import Card, Contact, Header, Settings, Workbook, count_text
from reportgen.summary import (
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


HEAD = ["계", "완료", "이행후 계속추진", "정상추진", "추진 중", "일부추진", "보류", "폐기", "평균 추진율(%)", "완료율(%)"]


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
        [AREA_A, "4", "1", "1", "1", "1", "-", "-", "-", "62.3", "50.0"],
        [AREA_B, "3", "-", "-", "1", "1", "-", "1", "-", "40.0", "0.0"],
        ["합계", "7", "1", "1", "2", "2", "-", "1", "-", "54.8", "28.6"],
    ]


def test_department_table_by_hand():
    # 안전총괄과 1-1,1-2: 185/2 = 92.5, 2/2 done; 전략사업과 1-3,1-4,2-1: 119/3 = 39.67 → 39.7;
    # 일자리경제과 2-2,2-3: 25/1 = 25.0
    rows = _table(_workbook(), "부서별")
    assert rows[1:] == [
        ["안전총괄과", "2", "1", "1", "-", "-", "-", "-", "-", "92.5", "100.0"],
        ["전략사업과", "3", "-", "-", "1", "2", "-", "-", "-", "39.7", "0.0"],
        ["일자리경제과", "2", "-", "-", "1", "-", "-", "1", "-", "25.0", "0.0"],
        ["합계", "7", "1", "1", "2", "2", "-", "1", "-", "54.8", "28.6"],
    ]
    assert rows[0][0] == "추진부서"


def test_completion_table_folds_spaces():
    # 임기내 1-1,1-2,2-1: 240/3 = 80.0, done 2/3 = 66.67 → 66.7
    # 임기후 1-3,1-4,2-2 ("임기 후"),2-3: 89/3 = 29.67 → 29.7
    rows = _table(_workbook(), "완료시기별")
    assert rows[1:] == [
        ["임기내", "3", "1", "1", "-", "1", "-", "-", "-", "80.0", "66.7"],
        ["임기후", "4", "-", "-", "2", "1", "-", "1", "-", "29.7", "0.0"],
        ["합계", "7", "1", "1", "2", "2", "-", "1", "-", "54.8", "28.6"],
    ]


def test_executor_table_half_up_and_spaces():
    # 구 1-1,1-3,1-4,2-2,2-3: (100+40+24+25)/4 = 47.25 → 47.3, done 1/5 = 20.0
    # 시 / 구 (1-2, and 2-1 written 시/구): 140/2 = 70.0, done 1/2 = 50.0
    rows = _table(_workbook(), "사업주체별")
    assert rows[1:] == [
        ["구", "5", "1", "-", "2", "1", "-", "1", "-", "47.3", "20.0"],
        ["시 / 구", "2", "-", "1", "-", "1", "-", "-", "-", "70.0", "50.0"],
        ["합계", "7", "1", "1", "2", "2", "-", "1", "-", "54.8", "28.6"],
    ]


def test_result_object_figures():
    s = summarize(_workbook())
    area_a = s.tables[0].rows[0]
    assert (area_a.total, area_a.progress_cards, area_a.done) == (4, 4, 2)
    assert area_a.average_progress == Decimal("62.3")
    assert s.tables[0].total.progress_cards == 6
    assert s.cards == 7 and s.cards_without_progress == 1


def test_blocks_are_the_four_figure_tables_and_no_title():
    blocks = summary_blocks(summarize(_workbook()))
    assert all(isinstance(b, Table) for b in blocks)
    assert [b.caption for b in blocks] == ["분야별", "부서별", "완료시기별", "사업주체별"]
    assert {(b.style, b.header_rows) for b in blocks} == {(STYLE_FIGURES, 1)}
    for table in blocks:
        assert [c.label for c in table.rows[0].cells] == [True] * 11  # the heading row
        for row in table.rows[1:]:  # each 분야 (…, 합계) is a row heading, its figures are values
            assert [c.label for c in row.cells] == [True] + [False] * 10
        assert sum(table.shares) == 1000 and table.shares[0] > 2 * table.shares[1]


def test_notes_are_korean_under_the_last_table_only():
    blocks = summary_blocks(summarize(_workbook()))
    assert [b.notes for b in blocks[:-1]] == [(), (), ()]
    notes = blocks[-1].notes
    assert notes == (
        "※ 평균 추진율 = 추진율이 입력된 카드의 추진율 평균, 소수 첫째 자리 반올림(0.05 올림); "
        "추진율 없는 카드 1건은 평균에서 제외",
        "※ 완료율 = (완료, 이행후 계속추진) 카드 수 ÷ 전체 카드 수 × 100, 소수 첫째 자리 반올림",
        "※ 상태는 띄어쓰기를 무시하고 비교, 0건은 '-'",
    )
    assert not any(re.search("[A-Za-z]", note) for note in notes)


def test_document_title_is_printed_once():
    doc = summary_document(summarize(_workbook()))
    assert (doc.title, doc.name) == ("총괄표", "총괄표")
    [section] = doc.blocks
    assert isinstance(section, Section) and (section.orientation, section.name) == ("landscape", "총괄표")
    assert section.blocks[:2] == (Title("총괄표"), Paragraph("부산광역시 사하구 민선 8기 (기준일 2024-12-31)"))
    assert [b.caption for b in section.blocks[2:]] == ["분야별", "부서별", "완료시기별", "사업주체별"]
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
    assert rows[1][-1] == "25.0"
    assert rows[3][-1] == "14.3"
    assert "※ 완료율 = (완 료) 카드 수" in summary_blocks(summarize(_workbook(done_statuses=["완 료"])))[-1].notes[1]


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
    assert _table(wb, "분야별")[1][-2] == expected
