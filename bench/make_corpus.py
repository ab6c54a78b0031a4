"""Write a synthetic master workbook of N cards built from the reference card.

Usage: python bench/make_corpus.py N [-o bench/corpus-N.xlsx]

Cards vary in length (more or fewer 추진실적 lines, bullets, plan rows) so that
the batch benchmark sees short and long cards, like a real office.
"""

from __future__ import annotations

import argparse
import copy
import random
from pathlib import Path

from reportgen import model as m
from reportgen.fileio import write_bytes_atomic
from reportgen.readers.text import read_text
from reportgen.writers.workbook import write_workbook

REFERENCE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "3-1_2024-12_from-hwp.txt"
AREAS = ["1. 안전한 복지도시", "2. 살기 좋은 환경도시", "3. 일자리가 넘치는 경제도시", "4. 문화가 흐르는 교육도시"]
DEPARTMENTS = ["전략사업과 스마트산업담당", "복지정책과 복지기획담당", "환경위생과 환경관리담당", "문화관광과 관광진흥담당"]
STATUSES = ["완료", "이행후 계속추진", "정상추진", "추진 중", "일부추진"]


def vary(base: m.Card, index: int, rng: random.Random) -> m.Card:
    """A copy of the reference card with its own id, title, header and length."""
    card = copy.deepcopy(base)
    area = index % len(AREAS)
    card.id = f"{area + 1}-{index + 1}"
    card.title = f"{base.title} {index + 1}호"
    card.area = AREAS[area]
    card.header.status = STATUSES[index % len(STATUSES)]
    card.header.progress = rng.choice([10, 25, 40, 60, 80, 100])
    card.header.completion = m.COMPLETIONS[index % 2]
    card.header.department.department = DEPARTMENTS[index % len(DEPARTMENTS)]
    factor = rng.choice([0.3, 0.6, 1.0, 1.5, 2.0])
    for section in card.achievements:
        for group in section.groups:
            wanted = max(1, int(len(group.items) * factor))
            group.items = (group.items * 3)[:wanted]
    for key in m.BULLET_SECTIONS:
        lines = card.bullets[key]
        card.bullets[key] = (lines * 2)[: max(1, int(len(lines) * factor))] if lines else lines
    card.annual_plan.rows = card.annual_plan.rows * rng.choice([1, 2, 3])
    return card


def make_corpus(n: int, seed: int = 7) -> m.Workbook:
    """A workbook of ``n`` varied cards (deterministic for a seed)."""
    base = read_text(REFERENCE)
    base.id, base.title = "3-1", "서부산스마트밸리 「낙동강 테크노밸리」 조성"
    rng = random.Random(seed)
    settings = m.Settings(agency="부산광역시 사하구", term="8기", term_start=2022, term_end=2026,
                          as_of="2024-12-31")
    return m.Workbook(settings, [vary(base, i, rng) for i in range(n)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int)
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args()
    target = args.output or Path(__file__).parent / f"corpus-{args.n}.xlsx"
    write_bytes_atomic(target, write_workbook(make_corpus(args.n)))
    print(f"wrote {args.n} cards → {target}")


if __name__ == "__main__":
    main()
