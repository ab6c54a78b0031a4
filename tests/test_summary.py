"""총괄표 tests. Every expected figure below was computed by hand (see the table in
``_cards``), not by the code under test."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from docx import Document
from openpyxl import load_workbook

from reportgen.model import Card, Contact, Header, Settings, Workbook
from reportgen.summary import (
    half_up,
    summarize,
    summary_docx,
    summary_text,
    summary_xlsx,
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


def _table(text: str, title: str) -> list[list[str]]:
    """The TAB-separated rows under ``■ title`` in summary_text output."""
    lines = text.splitlines()
    start = lines.index(f"■ {title}") + 1
    rows = []
    for line in lines[start:]:
        if not line:
            break
        rows.append(line.split("\t"))
    return rows


HEAD = ["계", "완료", "이행후 계속추진", "정상추진", "추진 중", "일부추진", "보류", "폐기", "평균 추진율(%)", "완료율(%)"]


def test_half_up_rounds_point_five_up_unlike_round():
    assert half_up(249, 4) == Decimal("62.3")  # 62.25; round(62.25, 1) gives 62.2
    assert half_up(189, 4) == Decimal("47.3")  # 47.25
    assert half_up(5, 100) == Decimal("0.1")  # 0.05
    assert half_up(1, 3) == Decimal("0.3")
    assert half_up(2, 3) == Decimal("0.7")
    assert half_up(200, 3) == Decimal("66.7")


def test_area_table_by_hand():
    rows = _table(summary_text(summarize(_workbook())), "분야별")
    assert rows == [
        ["분야", *HEAD],
        [AREA_A, "4", "1", "1", "1", "1", "-", "-", "-", "62.3", "50.0"],
        [AREA_B, "3", "-", "-", "1", "1", "-", "1", "-", "40.0", "0.0"],
        ["합계", "7", "1", "1", "2", "2", "-", "1", "-", "54.8", "28.6"],
    ]


def test_department_table_by_hand():
    # 안전총괄과 1-1,1-2: 185/2 = 92.5, 2/2 done; 전략사업과 1-3,1-4,2-1: 119/3 = 39.67 → 39.7;
    # 일자리경제과 2-2,2-3: 25/1 = 25.0
    rows = _table(summary_text(summarize(_workbook())), "부서별")
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
    rows = _table(summary_text(summarize(_workbook())), "완료시기별")
    assert rows[1:] == [
        ["임기내", "3", "1", "1", "-", "1", "-", "-", "-", "80.0", "66.7"],
        ["임기후", "4", "-", "-", "2", "1", "-", "1", "-", "29.7", "0.0"],
        ["합계", "7", "1", "1", "2", "2", "-", "1", "-", "54.8", "28.6"],
    ]


def test_executor_table_half_up_and_spaces():
    # 구 1-1,1-3,1-4,2-2,2-3: (100+40+24+25)/4 = 47.25 → 47.3, done 1/5 = 20.0
    # 시 / 구 (1-2, and 2-1 written 시/구): 140/2 = 70.0, done 1/2 = 50.0
    rows = _table(summary_text(summarize(_workbook())), "사업주체별")
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


def test_text_states_title_and_formulas():
    text = summary_text(summarize(_workbook()))
    assert text.splitlines()[0] == "총괄표 — 부산광역시 사하구 민선 8기 (기준일 2024-12-31)"
    assert "추진율 없는 카드 1건은 평균에서 제외" in text
    assert "1 card(s) without 추진율 left out of the mean" in text
    assert "완료율 = (완료, 이행후 계속추진)" in text


def test_done_statuses_configurable():
    # only 완료 counts as done: 분야 A 1/4 = 25.0, 합계 1/7 = 14.29 → 14.3
    s = summarize(_workbook(done_statuses=["완 료"]))
    rows = _table(summary_text(s), "분야별")
    assert rows[1][-1] == "25.0"
    assert rows[3][-1] == "14.3"


def test_status_order_from_settings_and_unlisted_status_appended():
    wb = _workbook(statuses=["정상추진", "완료", "이행후 계속추진", "추진 중"])
    wb.cards[6].header.status = "재검토"  # 2-3, not in the list
    wb.cards[5].header.status = ""  # 2-2, blank
    rows = _table(summary_text(summarize(wb)), "분야별")
    # unlisted labels follow in card order: 2-2 (blank) before 2-3 (재검토)
    assert rows[0][1:8] == ["계", "정상추진", "완료", "이행후 계속추진", "추진 중", "(미입력)", "재검토"]
    # 분야 B: 2-1 추진중, 2-2 blank, 2-3 재검토
    assert rows[2][1:8] == ["3", "-", "-", "-", "1", "1", "1"]


def test_empty_workbook_prints_dashes():
    s = summarize(Workbook())
    rows = _table(summary_text(s), "완료시기별")
    assert rows[1] == ["임기내", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"]
    assert rows[-1] == ["합계", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"]


def _sheet_rows(data: bytes) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(data))["총괄표"]
    return [[c for c in row] for row in sheet.iter_rows(values_only=True)]


def test_xlsx_tables_and_numbers():
    data = summary_xlsx(summarize(_workbook()))
    rows = _sheet_rows(data)
    area_a = next(r for r in rows if r[0] == AREA_A)
    assert area_a[:11] == [AREA_A, 4, 1, 1, 1, 1, "-", "-", "-", 62.3, 50.0]
    titles = [r[0] for r in rows if isinstance(r[0], str) and r[0].startswith("■")]
    assert titles == ["■ 분야별", "■ 부서별", "■ 완료시기별", "■ 사업주체별"]


def test_xlsx_deterministic_and_fixed_timestamps():
    s = summarize(_workbook())
    first, second = summary_xlsx(s), summary_xlsx(s)
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_xlsx_user_text_never_formula():
    wb = _workbook()
    for card in wb.cards:
        card.area = "=HYPERLINK(\"http://x\",\"y\")"
    wb.cards[0].header.department = Contact("#N/A")
    data = summary_xlsx(summarize(wb))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet_xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and 't="e"' not in sheet_xml
    rows = _sheet_rows(data)
    assert any(r[0] == "=HYPERLINK(\"http://x\",\"y\")" for r in rows)
    assert any(r[0] == "#N/A" for r in rows)


def test_docx_tables_shading_and_font():
    data = summary_docx(summarize(_workbook()))
    doc = Document(io.BytesIO(data))
    assert len(doc.tables) == 4
    first = doc.tables[0]
    assert [c.text for c in first.rows[0].cells] == ["분야", *HEAD]
    assert [c.text for c in first.rows[1].cells][-2:] == ["62.3", "50.0"]
    assert [c.text for c in first.rows[3].cells][:3] == ["합계", "7", "1"]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        body = z.read("word/document.xml").decode()
        styles = z.read("word/styles.xml").decode()
    assert 'w:fill="D9D9D9"' in body
    assert 'w:eastAsia="맑은 고딕"' in styles
    assert "총괄표 — 부산광역시 사하구" in "\n".join(p.text for p in doc.paragraphs)


def test_docx_deterministic():
    s = summarize(_workbook())
    assert summary_docx(s) == summary_docx(s)


@pytest.mark.parametrize("progress, expected", [([62, 63], "62.5"), ([1, 0, 0], "0.3"), ([0, 0, 1, 1], "0.5")])
def test_mean_small_cases(progress, expected):
    rows = [(f"9-{i}", "9. 시험", "정상추진", p, "임기내", "구", "과") for i, p in enumerate(progress)]
    wb = Workbook(cards=_cards(rows))
    assert _table(summary_text(summarize(wb)), "분야별")[1][-2] == expected
