"""Text reader and writer on the two reference cards (golden tests)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reportgen import model as m
from reportgen.errors import InputError
from reportgen.readers.text import parse_lines, read_text
from reportgen.writers.text import render_text

FIXTURES = Path(__file__).parent / "fixtures"
CARD_2403 = FIXTURES / "3-1_2024-03_from-docx.txt"
CARD_2412 = FIXTURES / "3-1_2024-12_from-hwp.txt"
GOLDEN_2412 = Path(__file__).parent / "golden" / "3-1_2024-12.txt"


def _fold(text: str) -> str:
    """Fold what the two layouts spell differently: whitespace, ** bold, -/○ bullets."""
    text = text.replace("**", "")
    text = re.sub(r"(?m)^\s*-\s+(?=\S)", "", text)  # markdown bullets
    text = re.sub(r"[○]", "", text)
    return re.sub(r"\s+", "", text)


def _matched_lines(reference: Path, output: str) -> tuple[int, list[str]]:
    folded_output = _fold(output)
    lines = [line for line in reference.read_text(encoding="utf-8").splitlines() if _fold(line)]
    missing = [line for line in lines if _fold(line) not in folded_output]
    return len(lines), missing


@pytest.mark.parametrize("path", [CARD_2403, CARD_2412], ids=["2024-03", "2024-12"])
def test_every_reference_line_survives(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = render_text(read_text(path))
    total, missing = _matched_lines(path, output)
    with capsys.disabled():
        print(f"\n{path.name}: {total - len(missing)}/{total} lines matched "
              f"({100 * (total - len(missing)) / total:.0f}%)")
    assert missing == []
    assert total > 60


@pytest.mark.parametrize("path", [CARD_2403, CARD_2412], ids=["2024-03", "2024-12"])
def test_text_round_trip_is_equal(path: Path) -> None:
    card = read_text(path)
    assert parse_lines(render_text(card).splitlines(), "again") == card


def test_output_is_standard_layout() -> None:
    text = render_text(read_text(CARD_2403))
    assert "**" not in text
    assert not re.search(r"(?m)^- ", text), "markdown bullets must become ○"
    assert text.startswith("관리번호\n3-1\n\n신평·장림산업단지 「낙동강 테크노밸리」 조성\n")
    assert "사업기간\t2022년~2027년\t추진상황(%)\t추진 중(40%)" in text
    assert "-\t-\t-\t-\t1회" in text


def test_2403_values() -> None:
    card = read_text(CARD_2403)
    assert (card.id, card.title) == ("3-1", "신평·장림산업단지 「낙동강 테크노밸리」 조성")
    h = card.header
    assert (h.category, h.executor, h.period) == ("신규사업", "시 / 구", "2022년~2027년")
    assert (h.status, h.progress, h.budget, h.completion) == ("추진 중", 40, "비예산", "임기후")
    assert h.department == m.Contact("전략사업과 스마트산업담당", "최재봉", "5021")
    assert h.cooperation == [
        m.Contact("산업입지과", "박정화", "888-4932", "市"),
        m.Contact("지산학협력과", "김은숙", "888-6772", "市"),
    ]
    assert [line.marker for line in card.bullets[m.GOAL]] == ["○", "※"]
    assert len(card.bullets[m.OVERVIEW]) == 3
    assert [s.title for s in card.achievements] == [
        "신평·장림산업단지 친환경 스마트 산단 조성", "산·학·관 협력체계 구축", "지식산업센터 활성화"]
    first = card.achievements[0].groups[0]
    assert first.title == "저탄소 그린산단 조성사업"
    assert first.items[1] == m.Achievement("2023. 03. ~ 08.", "용역 계약심사, 사업수행능력평가(PQ) 등 행정절차이행")
    visit = card.achievements[2].groups[0].items[0]
    assert visit.details == [m.BulletLine("▷", "센텀시티일반산업단지, 서울·경기 일원 우수 지식산업센터 및 관리기관 등")]
    assert card.communication == [None, None, None, None, 1]


def test_2412_values_from_hangul_layout() -> None:
    card = read_text(CARD_2412)
    assert (card.id, card.title) == ("", "")
    h = card.header
    assert (h.period, h.status, h.progress) == ("2022년~2028년", "추진 중", 60)
    assert h.department == m.Contact("전략사업과 스마트산업담당", "설정희", "5024")
    assert card.bullets[m.GOAL][0].text == (
        "스마트 산단 복합지원체계(전진 플랫폼) 구축으로 서부산스마트밸리를 「낙동강 테크노밸리」로 조성")
    plan = card.annual_plan
    assert plan.years == [2022, 2023, 2024, 2025, 2026]
    assert plan.targets == [10, 40, 60, 80, 100]
    assert plan.after_term_target is None
    assert plan.rows == [m.PlanRow(
        "「낙동강 테크노밸리」 조성",
        ["조례 개정(안) 검토", "조례 개정, 인프라 구축(홍보) 및 산‧학 협업 지원",
         "인프라 구축(홍보) 및 산‧학 협업 지원", "시설도입 추진 및 산‧학 협업 지원",
         "시설도입 추진 및 산‧학 협업 지원"],
        "낙동강 테크노밸리 조성")]
    cooperation = card.achievements[1].groups[0].items
    a_grade = next(item for item in cooperation if item.date == "2024. 08.")
    assert a_grade.details == [m.BulletLine("", "동아대학교 글로컬대학 지정(동아대·동서대 연합)")]
    box = card.achievements[2].groups[0].items[-1]
    assert (box.date, box.marker, box.text) == ("", "", "사하구 지식산업센터 인허가 현황")
    assert [d.marker for d in box.details] == ["▪", "▪"]
    assert card.communication == [None, None, None, None, 1]
    assert "‧" in card.bullets[m.OVERVIEW][1].text  # the user's middle dot is kept


def test_golden_2412(tmp_path: Path) -> None:
    """The standard text of the 2024-12 card, checked by eye once and kept."""
    card = read_text(CARD_2412)
    card.id, card.title = "3-1", "서부산스마트밸리 「낙동강 테크노밸리」 조성"
    assert render_text(card) == GOLDEN_2412.read_text(encoding="utf-8")


def _error(text: str) -> str:
    with pytest.raises(InputError) as caught:
        parse_lines(text.splitlines(), "card.txt")
    return str(caught.value)


def _standard_lines() -> list[str]:
    return render_text(read_text(CARD_2403)).splitlines()


def test_not_a_card() -> None:
    message = _error("회의록\n참석자: 홍길동\n")
    assert "card.txt" in message and "공약 관리카드가 아닙니다" in message and "not a pledge card" in message


def test_unknown_heading_names_line() -> None:
    lines = _standard_lines()
    lines.insert(20, "【기타사항】")
    assert "line 21" in _error("\n".join(lines)) and "unknown heading" in _error("\n".join(lines))


def test_bad_date_names_line() -> None:
    lines = _standard_lines()
    index = next(i for i, line in enumerate(lines) if "2023. 09. : 용역 착수" in line)
    lines[index] = lines[index].replace("2023. 09.", "2023. 13.")
    message = _error("\n".join(lines))
    assert f"line {index + 1}" in message and "2023. 13." in message


def test_detail_without_entry() -> None:
    lines = _standard_lines()
    index = lines.index("【추진실적】")
    lines[index + 2: index + 2] = ["    ▷ 고아 줄"]
    assert f"line {index + 3}" in _error("\n".join(lines))


def test_bad_communication_row() -> None:
    lines = _standard_lines()
    index = lines.index("-\t-\t-\t-\t1회")
    lines[index] = "-\t-\t많이"
    assert f"line {index + 1}" in _error("\n".join(lines))
