"""reportgen export: the CSV written byte for byte (BOM, CRLF, quoting, formula-looking text), the JSON
against docs/export-schema.json, the same table as XLSX (numbers as numbers), 목표 달성 by hand, and
the command's refusals. Expected lines are written by hand below, never produced by reportgen."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reportgen.cli import app
from reportgen.model import AnnualPlan, Card, Contact, Header, Settings, Workbook
from reportgen.writers.workbook import write_workbook

REPO = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((REPO / "docs" / "export-schema.json").read_text(encoding="utf-8"))
runner = CliRunner()


def two_cards() -> Workbook:
    """1-1: 2024 목표 100, 추진율 100 → 달성 (2023: 목표 50 → 달성).
    2-1: 2024 목표 40, 추진율 30 → 미달 (2023: 목표 10 → 달성).
    사업명 of 1-1 holds a comma (quoted), of 2-1 starts with + (a formula to Excel); 소요예산 "-" too."""
    first = Card("1-1", "CCTV 설치, 확대", "1. 안전한 도시", Header(
        category="신규사업", executor="구", period="2023년~2024년", status="완료", progress=100,
        budget="1,200백만원", completion="임기내", department=Contact("안전총괄과", "홍길동", "051-220-1234"),
        cooperation=[Contact("교통과", "김철수", "888-5678", "市")]),
        annual_plan=AnnualPlan([2023, 2024, 2025, 2026], [50, 100, None, None]))
    second = Card("2-1", "+청년 일자리", "2. 경제", Header(
        category="계속사업", executor="시/구", period="2022년~", status="추진 중", progress=30, budget="-",
        completion="임기후", department=Contact("일자리경제과")),
        annual_plan=AnnualPlan([2023, 2024, 2025, 2026], [10, 40, 70, 100]))
    settings = Settings(agency="가나구", term="8기", term_start=2023, term_end=2026, as_of="2024-12-31")
    return Workbook(settings, [first, second])


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "master.xlsx"
    path.write_bytes(write_workbook(two_cards()))
    return path


def run(*args: str | Path):
    return runner.invoke(app, ["export", *(str(a) for a in args)])


HEADER = "관리번호,분야,사업명,사업구분,사업주체,사업기간,추진상황,추진율,완료시기,추진부서,협조부서,소요예산,목표연도,목표(%),목표 달성,기준일"
ROW_1 = '1-1,1. 안전한 도시,"CCTV 설치, 확대",신규사업,구,2023년~2024년,완료,100,임기내,안전총괄과,市 교통과,"1,200백만원",2024,100,달성,2024-12-31'
ROW_2 = "2-1,2. 경제,'+청년 일자리,계속사업,시/구,2022년~,추진 중,30,임기후,일자리경제과,,'-,2024,40,미달,2024-12-31"


def test_csv_byte_for_byte(workbook: Path, tmp_path: Path) -> None:
    out = tmp_path / "공약.csv"
    result = run(workbook, "-o", out)
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    assert data.decode("utf-8") == "\ufeff" + "".join(line + "\r\n" for line in (HEADER, ROW_1, ROW_2))


def test_csv_never_holds_contacts(workbook: Path, tmp_path: Path) -> None:
    out = tmp_path / "공약.csv"
    assert run(workbook, "-o", out).exit_code == 0
    text = out.read_text(encoding="utf-8-sig")
    for secret in ("홍길동", "김철수", "1234", "5678", "☎"):
        assert secret not in text


def test_as_of_chooses_the_target_year(workbook: Path, tmp_path: Path) -> None:
    out = tmp_path / "공약.json"
    assert run(workbook, "-o", out, "--as-of", "2023-06-30").exit_code == 0
    rows = json.loads(out.read_text(encoding="utf-8"))
    # 2023: 1-1 100 ≥ 50 달성; 2-1 30 ≥ 10 달성
    assert [(r["목표연도"], r["목표(%)"], r["목표 달성"]) for r in rows] == [(2023, 50, "달성"), (2023, 10, "달성")]
    # 2027 is outside the plan's years: no target
    assert run(workbook, "-o", out, "--as-of", "2027-01-31").exit_code == 0
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert [(r["목표(%)"], r["목표 달성"]) for r in rows] == [(None, "목표 없음"), (None, "목표 없음")]


def test_no_progress_is_no_target() -> None:
    """A card with a 2024 목표 but no 추진율 is 목표 없음 (the 총괄표's rule), its 목표 still given."""
    import datetime as dt

    from reportgen.export import card_row

    card = two_cards().cards[1]
    card.header.progress = None
    row = card_row(card, dt.date(2024, 12, 31))
    assert (row["추진율"], row["목표연도"], row["목표(%)"], row["목표 달성"]) == (None, 2024, 40, "목표 없음")
    assert card_row(card, None)["목표 달성"] == "목표 없음"


def test_json_values_and_schema(workbook: Path, tmp_path: Path) -> None:
    out = tmp_path / "공약.json"
    assert run(workbook, "-o", out).exit_code == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    assert validate(document, SCHEMA) == []
    assert [row["관리번호"] for row in document] == ["1-1", "2-1"]
    second = document[1]
    assert second["사업명"] == "+청년 일자리"  # JSON holds the value itself: no apostrophe
    assert (second["추진율"], second["목표(%)"], second["목표 달성"], second["협조부서"]) == (30, 40, "미달", "")
    assert (second["소요예산"], second["기준일"]) == ("-", "2024-12-31")
    assert list(document[0]) == HEADER.split(",")


def test_a_number_like_id_stays_text(tmp_path: Path) -> None:
    """관리번호 12 and 사업기간 2024 are text (verbatim cells), 추진율 is a number: in JSON and XLSX."""
    from openpyxl import load_workbook

    book = two_cards()
    book.cards[0].id, book.cards[0].header.period = "12", "2024"
    source = tmp_path / "master.xlsx"
    source.write_bytes(write_workbook(book))
    out = tmp_path / "공약.json"
    assert run(source, "-o", out).exit_code == 0
    first = json.loads(out.read_text(encoding="utf-8"))[0]
    assert (first["관리번호"], first["사업기간"], first["추진율"]) == ("12", "2024", 100)
    sheet_file = tmp_path / "공약.xlsx"
    assert run(source, "-o", sheet_file).exit_code == 0
    sheet = load_workbook(sheet_file).worksheets[0]
    found = {c.value: c for row in sheet.iter_rows() for c in row if c.value in ("12", 12, "2024", 2024, 100, "100")}
    assert {type(value) for value in found} == {str, int}  # "12", "2024" text; 100 a number
    assert "12" in found and 12 not in found and "2024" in found and 100 in found


def test_export_as_xlsx(workbook: Path, tmp_path: Path) -> None:
    """The same table through the XLSX writer: the header row, then each pledge; 추진율 a number,
    사업명 +청년 일자리 text (not a formula), no 담당자."""
    from openpyxl import load_workbook

    out = tmp_path / "공약.xlsx"
    result = run(workbook, "-o", out)
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out).worksheets[0]
    assert sheet.title == "공약목록"
    rows = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    rows = [row for row in rows if row]
    head = rows.index(HEADER.split(","))
    assert rows[head + 1][:3] == ["1-1", "1. 안전한 도시", "CCTV 설치, 확대"]
    assert rows[head + 2][2] == "+청년 일자리" and 30 in rows[head + 2] and "'-" not in rows[head + 2]
    assert not any("홍길동" in str(v) for row in rows for v in row)


def test_schema_validator_finds_faults() -> None:
    """The validator used above can fail: each broken document is refused at the right place."""
    assert validate([], SCHEMA) == []
    assert validate({}, SCHEMA) == ["$: type"]
    row = dict.fromkeys(HEADER.split(","), "")
    row.update({"관리번호": "1", "추진율": None, "목표연도": None, "목표(%)": None, "목표 달성": "달성"})
    assert validate([row], SCHEMA) == []
    assert validate([{**row, "목표 달성": "완료"}], SCHEMA) == ["$[0].목표 달성: enum"]
    assert validate([{**row, "추진율": "60"}], SCHEMA) == ["$[0].추진율: type"]
    assert validate([{**row, "추진율": 120}], SCHEMA) == ["$[0].추진율: maximum"]
    assert validate([{**row, "기준일": "2024/12/31"}], SCHEMA) == ["$[0].기준일: pattern"]
    assert validate([{**row, "extra": 1}], SCHEMA) == ["$[0]: additional extra"]
    del row["기준일"]
    assert validate([row], SCHEMA) == ["$[0]: required 기준일"]


def test_refusals(workbook: Path, tmp_path: Path) -> None:
    for target, words in ((tmp_path / "공약.odt", "csv"), (workbook, "csv"), (tmp_path / "x.csv", None)):
        if words is None:  # the input given as -o under another name: a hard link
            target.hardlink_to(workbook)
        result = run(workbook, "-o", target)
        assert result.exit_code == 2, result.output
        assert "아무 파일도 쓰지 않았습니다" in result.output
    assert run(workbook, "-o", tmp_path / "y.csv", "--as-of", "2024-13-01").exit_code == 2
    assert not (tmp_path / "y.csv").exists()


# ── a small JSON Schema validator: the keywords docs/export-schema.json uses ──
_TYPES = {"object": dict, "array": list, "string": str, "null": type(None)}


def _is(value: object, name: str) -> bool:
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, _TYPES[name])


def validate(value: object, schema: dict, where: str = "$") -> list[str]:
    """Every fault of ``value`` against ``schema`` (type, required, properties, additionalProperties,
    items, enum, pattern, minLength, minimum, maximum), as ``path: keyword``."""
    types = schema.get("type")
    if types is not None and not any(_is(value, t) for t in ([types] if isinstance(types, str) else types)):
        return [f"{where}: type"]
    faults = []
    if "enum" in schema and value not in schema["enum"]:
        faults.append(f"{where}: enum")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            faults.append(f"{where}: pattern")
        if len(value) < schema.get("minLength", 0):
            faults.append(f"{where}: minLength")
    if isinstance(value, int) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            faults.append(f"{where}: minimum")
        if "maximum" in schema and value > schema["maximum"]:
            faults.append(f"{where}: maximum")
    if isinstance(value, dict):
        faults += [f"{where}: required {key}" for key in schema.get("required", []) if key not in value]
        properties = schema.get("properties", {})
        if schema.get("additionalProperties") is False:
            faults += [f"{where}: additional {key}" for key in value if key not in properties]
        for key, sub in properties.items():
            if key in value:
                faults += validate(value[key], sub, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            faults += validate(item, schema["items"], f"{where}[{index}]")
    return faults
