"""변동사항 tests: hand-built quarters with hand-written expectations, then the two
reference fixtures (2024-03 from DOCX as old, 2024-12 from HWP as new)."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from reportgen.diff import (
    ADDED,
    CHANGED,
    REMOVED,
    FieldChange,
    LineChange,
    changes_document,
    diff_workbooks,
    total_line,
)
from reportgen.document import (
    STYLE_FIELDS,
    Cell,
    Document,
    Heading,
    Paragraph,
    Section,
    Table,
    Title,
    walk,
)
from reportgen.model import (
    FUTURE_PLAN,
    Achievement,
    AchievementGroup,
    AchievementSection,
    AnnualPlan,
    BulletLine,
    Card,
    Contact,
    Header,
    PlanRow,
    Settings,
    Workbook,
)

FIXTURES = Path(__file__).parent / "fixtures"


def _old_card() -> Card:
    card = Card(
        id="1-1",
        title="테스트 사업",
        area="1. 분야",
        header=Header(
            category="신규사업",
            executor="시 / 구",
            period="2022년~2027년",
            status="추진 중",
            progress=40,
            budget="비예산",
            completion="임기후",
            department=Contact("전략사업과 스마트산업담당", "최재봉", "5021"),
            cooperation=[Contact("산업입지과", "박정화", "888-4932", "市")],
        ),
        annual_plan=AnnualPlan(
            years=[2022, 2023, 2024, 2025, 2026],
            targets=[10, 40, 60, 80, 100],
            rows=[PlanRow("「X」 조성", ["검토", "개정", "산·학 지원", "도입", "도입"], "조성")],
        ),
        achievements=[
            AchievementSection(
                "산단 조성",
                [
                    AchievementGroup(
                        "그린산단",
                        [
                            Achievement("2023. 02.", "계획 수립"),
                            Achievement("2023. 08.", "공모 선정", details=[BulletLine("▷", "사업내용 : 도로")]),
                        ],
                    )
                ],
            ),
            AchievementSection("산·학·관 협력", [AchievementGroup("", [Achievement("2023. 05.", "협약 체결")])]),
        ],
        communication=[None, None, None, None, 1],
    )
    card.bullets[FUTURE_PLAN] = [BulletLine("○", "가 추진"), BulletLine("○", "나 추진"), BulletLine("○", "다 추진")]
    return card


def _new_card() -> Card:
    card = copy.deepcopy(_old_card())
    card.header.progress = 60
    card.header.period = "2022년~2028년"
    card.header.status = "추진중"  # spaces only: no change
    card.header.department = Contact("전략사업과 스마트산업담당", "설정희", "5024")
    card.header.cooperation = [Contact("산업입지과", "박정화", "888-4932", "市")]
    card.annual_plan.targets[4] = 90
    card.annual_plan.rows[0].cells[2] = "산‧학 지원 확대"
    card.annual_plan.rows[0].cells[3] = "도  입"  # whitespace only: no change
    group = card.achievements[0].groups[0]
    group.items[0].text = "계획  수립 "  # whitespace only: no change
    group.items[1].details.append(BulletLine("▷", "사업비 : 10억"))
    group.items.append(Achievement("2024. 03.", "최종 지정", details=[BulletLine("▷", "세부사업 19개")]))
    card.achievements[1].title = "산‧학‧관 협력"  # look-alike dots: no change
    card.achievements[1].groups[0].items = []
    card.bullets[FUTURE_PLAN] = [BulletLine("-", "가 추진"), BulletLine("○", "라 추진"), BulletLine("○", "다 추진")]
    card.communication = [2, None, None, None, 1]
    return card


def _steady_card(dot: str) -> Card:
    card = Card(id="4-1", title=f"산{dot}학 협력", header=Header(status="완료", progress=100))
    card.bullets[FUTURE_PLAN] = [BulletLine("○", f"산{dot}학 협력 지속")]
    return card


def _quarters() -> tuple[Workbook, Workbook]:
    old = Workbook(
        Settings(as_of="2024-03-31"),
        [_old_card(), Card(id="2-1", title="없어진 사업"), _steady_card("·")],
    )
    new = Workbook(
        Settings(as_of="2024-12-31"),
        [_new_card(), _steady_card("‧"), Card(id="3-1", title="새 사업")],
    )
    return old, new


def _blocks(doc: Document) -> tuple:
    """The blocks of the 변동사항's one landscape section."""
    [section] = doc.blocks
    assert isinstance(section, Section) and (section.orientation, section.name) == ("landscape", "변동사항")
    return section.blocks


def _rows(table: Table) -> list[list[str]]:
    """Each row's cell texts (a cell's lines joined by a line break)."""
    return [["\n".join(c.lines) for c in row.cells] for row in table.rows]


#: the change table of card 1-1, written out by hand from _old_card and _new_card
EXPECTED_ROWS = [
    ["항목", "변경 전", "변경 후"],
    ["사업기간", "2022년~2027년", "2022년~2028년"],
    ["추진율", "40%", "60%"],
    ["담당자", "최재봉 ☎5021", "설정희 ☎5024"],
    ["【추진실적】 2023. 08. : 공모 선정", "", "▷ 사업비 : 10억"],
    ["【추진실적】 □ 산단 조성 <그린산단>", "", "2024. 03. : 최종 지정\n▷ 세부사업 19개"],
    ["【추진실적】 □ 산·학·관 협력", "2023. 05. : 협약 체결", ""],
    ["【금후계획】", "○ 나 추진", ""],
    ["【금후계획】", "", "○ 라 추진"],
    ["연차별 추진계획 목표(%) / 2026년", "100%", "90%"],
    ["연차별 추진계획 「X」 조성 / 2024년", "산·학 지원", "산‧학 지원 확대"],
    ["【구민소통 실적】 설명회, 보고회 등", "-", "2회"],
]


def test_document_by_hand():
    blocks = _blocks(changes_document(diff_workbooks(*_quarters())))
    assert blocks[:4] == (
        Title("변동사항"),
        Paragraph("변동 카드 3건: 신규 1, 삭제 1, 변경 1"),
        Paragraph("기준일 2024-03-31 → 2024-12-31, 변동 없음 1건"),
        Heading("[변경] 1-1 테스트 사업", 1),
    )
    table = blocks[4]
    assert isinstance(table, Table) and table.header_rows == 1 and table.name == "[변경] 1-1 테스트 사업"
    assert table.style == STYLE_FIELDS  # long texts read left-aligned
    assert _rows(table) == EXPECTED_ROWS
    assert [c.label for c in table.rows[0].cells] == [True, True, True]
    assert table.rows[5].cells[2] == Cell(("2024. 03. : 최종 지정", "▷ 세부사업 19개"))  # one line each
    assert blocks[5:] == (Heading("[신규] 3-1 새 사업", 1), Heading("[삭제] 2-1 없어진 사업", 1), *NONE_BEHIND)


def test_document_is_korean_only():
    doc = changes_document(diff_workbooks(*_quarters()))
    texts = [b.text for b in walk(doc.blocks) if isinstance(b, Title | Paragraph | Heading)]
    texts += [line for b in walk(doc.blocks) if isinstance(b, Table) for row in b.rows for c in row.cells
              for line in c.lines]
    user = "「X」"  # the one text with a letter, the plan row's title
    assert texts and not [text for text in texts if re.search("[A-Za-z]", text.replace(user, ""))]


def test_terminal_line_is_korean_and_english():
    d = diff_workbooks(*_quarters())
    assert total_line(d) == "변동 카드 3건: 신규 1, 삭제 1, 변경 1 / 3 cards changed: 1 new, 1 dropped, 1 changed"


def test_result_object():
    d = diff_workbooks(*_quarters())
    assert [(c.id, c.kind) for c in d.cards] == [("1-1", CHANGED), ("3-1", ADDED), ("2-1", REMOVED)]
    assert d.unchanged == 1
    changed = d.cards[0]
    assert changed.fields == [
        FieldChange("사업기간", "2022년~2027년", "2022년~2028년"),
        FieldChange("추진율", "40%", "60%"),
        FieldChange("담당자", "최재봉 ☎5021", "설정희 ☎5024"),
    ]
    assert changed.sections[0].lines == (LineChange("-", "○ 나 추진"), LineChange("+", "○ 라 추진"))
    assert changed.headings == []


def test_identical_workbooks_have_no_changes():
    old, _ = _quarters()
    d = diff_workbooks(old, copy.deepcopy(old))
    assert d.cards == [] and d.unchanged == 3
    assert _blocks(changes_document(d)) == (
        Title("변동사항"),
        Paragraph("변동 카드 0건: 신규 0, 삭제 0, 변경 0"),
        Paragraph("기준일 2024-03-31 → 2024-03-31, 변동 없음 3건"),
        Paragraph("변경 사항 없음"),
        *NONE_BEHIND,
    )


def test_no_days_no_day_line_part():
    d = diff_workbooks(Workbook(), Workbook())
    assert _blocks(changes_document(d))[2:4] == (Paragraph("변동 없음 0건"), Paragraph("변경 사항 없음"))
    # without a 기준일 there is no year: the rule names the 기준일 연도
    assert _blocks(changes_document(d))[6] == Paragraph(
        "※ 목표 대비 뒤처진 카드 = 두 분기에 모두 있는 카드(관리번호로 짝지음) 중 변경 전 기준일 연도 목표를 "
        "달성했으나 변경 후 기준일 연도 목표에 미달한 카드, 또는 추진율이 낮아진 카드")


# ── 목표 대비 뒤처진 카드 ─────────────────────────────────────────────────
#: the rule, as printed for two quarters of 2024
BEHIND_RULE_2024 = (
    "※ 목표 대비 뒤처진 카드 = 두 분기에 모두 있는 카드(관리번호로 짝지음) 중 변경 전 2024년 목표를 달성했으나 "
    "변경 후 2024년 목표에 미달한 카드, 또는 추진율이 낮아진 카드",
    "※ 달성 = 추진율이 그해 목표(연차별 추진계획의 목표(%)) 이상; 목표나 추진율이 없으면 달성도 미달도 아님",
    "※ 신규·삭제 카드는 제외",
)
#: the section when no card fell behind (_quarters: 1-1 went from 40 % < 60 %, 미달, to 60 % ≥ 60 %,
#: 달성; 4-1 has no target and stays at 100 %)
NONE_BEHIND = (Heading("목표 대비 뒤처진 카드", 1), Paragraph("목표 대비 뒤처진 카드 없음"),
               *(Paragraph(note) for note in BEHIND_RULE_2024))


def _planned(cid: str, progress: int | None, target_2024: int | None, target_2025: int | None) -> Card:
    targets = [10, 30, target_2024, target_2025, 100]
    plan = AnnualPlan(years=[2022, 2023, 2024, 2025, 2026], targets=targets) if target_2024 or target_2025 else AnnualPlan()
    return Card(id=cid, title=f"사업 {cid}", header=Header(status="추진 중", progress=progress), annual_plan=plan)


def _behind_quarters() -> tuple[Workbook, Workbook]:
    """Old quarter on 2024-09-30 (2024 targets), new on 2025-03-31 (2025 targets). By hand:

    5-1: 60 ≥ 60 달성 → 60 < 80 미달                  listed: 목표 달성 → 미달
    5-2: 70 ≥ 60 달성 → 50 < 80 미달, and 70 → 50     listed: both
    5-3: 30 < 60 미달 → 20 < 80 미달, 30 → 20          listed: 추진율 하락
    5-4: 50 ≥ 40 달성 → 90 ≥ 80 달성                  not listed
    5-5: 40 < 60 미달 → 50 < 80 미달, rose             not listed (behind, but not newly)
    5-6: no 추진율 (목표 없음) → 10 < 80 미달           not listed (was never 달성)
    5-7: no plan, 100 → 90                             listed: 추진율 하락, targets '-'
    5-8: new card                                       not listed
    """
    old = [_planned("5-1", 60, 60, 80), _planned("5-2", 70, 60, 80), _planned("5-3", 30, 60, 80),
           _planned("5-4", 50, 40, 80), _planned("5-5", 40, 60, 80), _planned("5-6", None, 60, 80),
           _planned("5-7", 100, None, None)]
    new = copy.deepcopy(old)
    for card, progress in zip(new, (60, 50, 20, 90, 50, 10, 90), strict=True):
        card.header.progress = progress
    new.append(_planned("5-8", 0, 60, 80))
    return Workbook(Settings(as_of="2024-09-30"), old), Workbook(Settings(as_of="2025-03-31"), new)


def test_fell_behind_by_hand():
    d = diff_workbooks(*_behind_quarters())
    assert [(b.id, b.missed, b.fell) for b in d.behind] == [
        ("5-1", True, False), ("5-2", True, True), ("5-3", False, True), ("5-7", False, True)]
    heading, table = _blocks(changes_document(d))[-2:]
    assert heading == Heading("목표 대비 뒤처진 카드", 1)
    assert isinstance(table, Table) and table.header_rows == 1
    assert _rows(table) == [
        ["관리번호", "사업명", "변경 전 추진율", "변경 전 목표\n(2024년)", "변경 후 추진율", "변경 후 목표\n(2025년)", "사유"],
        ["5-1", "사업 5-1", "60%", "60%", "60%", "80%", "목표 달성 → 미달"],
        ["5-2", "사업 5-2", "70%", "60%", "50%", "80%", "목표 달성 → 미달, 추진율 하락"],
        ["5-3", "사업 5-3", "30%", "60%", "20%", "80%", "추진율 하락"],
        ["5-7", "사업 5-7", "100%", "-", "90%", "-", "추진율 하락"],
    ]
    assert table.notes[0] == (
        "※ 목표 대비 뒤처진 카드 = 두 분기에 모두 있는 카드(관리번호로 짝지음) 중 변경 전 2024년 목표를 달성했으나 "
        "변경 후 2025년 목표에 미달한 카드, 또는 추진율이 낮아진 카드")
    assert not [note for note in table.notes if re.search("[A-Za-z]", note)]


def test_fell_behind_can_fail_when_the_target_is_met_exactly():
    """60 % against a 2025 target of 60 % is 달성: the card is not behind (≥, not >)."""
    old, new = _behind_quarters()
    new.cards[0].annual_plan.targets[3] = 60
    assert [b.id for b in diff_workbooks(old, new).behind] == ["5-2", "5-3", "5-7"]


@pytest.mark.parametrize(("old", "new", "expected"), [
    ([0, None, 3, None, None], [None, 0, 3, None, None], []),  # empty and 0 are the same
    ([0, None, None, None, None], [2, None, None, None, None], [("설명회, 보고회 등", "-", "2회")]),
    ([None, 3, None, None, None], [None, 0, None, None, None], [("만족도, 설문조사", "3회", "-")]),
    ([None, None, None, None, 1], [None, None, None, None, 10], [("기 타", "1회", "10회")]),
])
def test_communication_counts_zero_is_none(old, new, expected):
    before, after = _old_card(), _old_card()
    before.communication, after.communication = old, new
    [card] = diff_workbooks(Workbook(cards=[before]), Workbook(cards=[after])).cards or [None]
    found = [(c.label, c.old, c.new) for c in card.communication] if card else []
    assert found == expected


def test_other_header_fields_and_headings():
    old, new = _old_card(), _old_card()
    new.title = "테스트 사업(변경)"
    new.area = "2. 분야"
    new.header.category = "계속사업"
    new.header.executor = "구"
    new.header.status = "완료"
    new.header.budget = "10억원"
    new.header.completion = "임기 내"
    new.header.department.department = "투자유치과"
    new.header.cooperation.append(Contact("지산학협력과", "김은숙", "888-6772", "市"))
    new.achievements[0].title = "스마트 산단 조성"
    d = diff_workbooks(Workbook(cards=[old]), Workbook(cards=[new]))
    fields = {f.label: (f.old, f.new) for f in d.cards[0].fields}
    assert fields == {
        "사업명": ("테스트 사업", "테스트 사업(변경)"),
        "분야": ("1. 분야", "2. 분야"),
        "사업구분": ("신규사업", "계속사업"),
        "사업주체": ("시 / 구", "구"),
        "추진상황": ("추진 중", "완료"),
        "소요예산": ("비예산", "10억원"),
        "완료시기": ("임기후", "임기 내"),
        "추진부서": ("전략사업과 스마트산업담당", "투자유치과"),
        "협조부서(기관)": (
            "市 산업입지과 (박정화 ☎888-4932)",
            "市 산업입지과 (박정화 ☎888-4932), 市 지산학협력과 (김은숙 ☎888-6772)",
        ),
    }
    assert d.cards[0].headings == [LineChange("-", "□ 산단 조성"), LineChange("+", "□ 스마트 산단 조성")]
    assert d.cards[0].achievements == []  # same entries under a renamed □ are not changes


def test_repeated_entry_counts_once_each():
    old, new = _old_card(), _old_card()
    items = new.achievements[0].groups[0].items
    items.append(Achievement("2023. 02.", "계획 수립"))  # the same line a second time
    d = diff_workbooks(Workbook(cards=[old]), Workbook(cards=[new]))
    assert [(e.sign, e.line) for e in d.cards[0].achievements] == [("+", "2023. 02. : 계획 수립")]


# ── the two reference quarters ────────────────────────────────────────────

#: every dated 2024 line of the 2024-12 card, typed from the fixture file
LINES_2024 = [
    "2024. 03. : 산단환경조성사업 공모 선정",
    "2024. 03. : 경쟁력강화사업지구 최종 지정 및 경쟁력강화 세부사업 확정",
    "2024. 10. : 통합관제센터 구축사업 공모 선정",
    "2024. 10. : 최종보고회 개최",
    "2024. 12. : 용역 완료",
    "2024. 02. : 「고등직업교육거점지구사업」1차년도 사업 성과확산 포럼",
    "2024. 06. : 「고등직업교육거점지구사업」2차년도 사업 추진을 위한 구비보조금 교부",
    "2024. 07. : 「2024 글로컬대학 30」공모 사업을 위한 업무협약 체결",
    "2024. 08. : 「고등직업교육거점지구사업」1차년도 사업 연차평가 결과 A등급",
    "2024. 12. : 연차평가 결과에 따른 사업비 증액금(구비보조금) 교부 및 종합 평가 결과 A등급",
    "2024. 04. ~ 06. : 2024년 기업 유치 홍보 추진계획 수립 및 홍보물 제작",
    "2024. 07. : 기업 유치 홍보 추진(일간지 및 옥외광고 등)",
    "2024. 07. ~ 12. : 기업 유치 홍보 추진(일간지 및 옥외광고 등)",
    "2024. 12. : 「부산광역시 사하구 지식산업센터 활성화 지원에 관한 조례」 제정",
]


@pytest.fixture(scope="module")
def fixture_diff():
    read_text = pytest.importorskip("reportgen.readers.text").read_text
    old = read_text(FIXTURES / "3-1_2024-03_from-docx.txt")
    new = read_text(FIXTURES / "3-1_2024-12_from-hwp.txt")
    old.id = new.id = "3-1"
    return diff_workbooks(Workbook(Settings(as_of="2024-03-31"), [old]), Workbook(Settings(as_of="2024-12-31"), [new]))


def test_fixture_header_changes(fixture_diff):
    card = fixture_diff.cards[0]
    assert (card.id, card.kind) == ("3-1", CHANGED)
    assert FieldChange("추진율", "40%", "60%") in card.fields
    assert FieldChange("사업기간", "2022년~2027년", "2022년~2028년") in card.fields
    assert FieldChange("담당자", "최재봉 ☎5021", "설정희 ☎5024") in card.fields
    labels = {f.label for f in card.fields}
    assert not labels & {"추진상황", "사업주체", "협조부서(기관)", "추진부서", "완료시기"}


def test_fixture_future_plan(fixture_diff):
    (future,) = [s for s in fixture_diff.cards[0].sections if s.key == FUTURE_PLAN]
    assert future.lines == (
        LineChange("-", "○ 저탄소 그린산단 조성사업 : 기본 및 실시설계용역 완료('24.5.) 후 공사 추진"),
        LineChange("-", "○ 노후거점산단 경쟁력강화사업지구 : 경쟁력강화사업지구 지정('24.3.) 및 공모사업 추진"),
        LineChange("+", "○ 서부산스마트밸리 경쟁력강화 세부사업 추진"),
    )


def test_fixture_every_2024_line_added(fixture_diff):
    entries = fixture_diff.cards[0].achievements
    added = [e.line for e in entries if e.sign == "+"]
    for line in LINES_2024:
        assert line in added, line
    assert not [e for e in entries if e.sign == "-" and e.line.startswith("2024.")]


def test_fixture_unchanged_lines_not_listed(fixture_diff):
    listed = {e.line for e in fixture_diff.cards[0].achievements}
    # same in both quarters apart from spaces and middle-dot look-alikes
    assert "2023. 10. : 용역 착수" not in listed
    assert "2022. 10. : 부산경제진흥원(혁신지원센터 운영기관) 방문 및 협의" not in listed
    assert "2023. 05. : 사하구·부산보건대「고등직업교육거점지구사업」선정" not in listed
    assert not fixture_diff.cards[0].plan  # only · vs ‧ in the annual plan


def test_fixture_document(fixture_diff):
    blocks = _blocks(changes_document(fixture_diff))
    assert blocks[1] == Paragraph("변동 카드 1건: 신규 0, 삭제 0, 변경 1")
    assert total_line(fixture_diff) == "변동 카드 1건: 신규 0, 삭제 0, 변경 1 / 1 card changed: 0 new, 0 dropped, 1 changed"
    [table] = [b for b in blocks if isinstance(b, Table)]
    rows = _rows(table)
    assert ["추진율", "40%", "60%"] in rows
    assert ["사업기간", "2022년~2027년", "2022년~2028년"] in rows
    assert ["담당자", "최재봉 ☎5021", "설정희 ☎5024"] in rows
    assert ["【금후계획】", "", "○ 서부산스마트밸리 경쟁력강화 세부사업 추진"] in rows
    assert ["【추진실적】 □ 서부산스마트밸리 첨단 스마트 산단 조성 <서부산스마트밸리 경쟁력강화 전략 수립 용역>",
            "", "2024. 12. : 용역 완료"] in rows
