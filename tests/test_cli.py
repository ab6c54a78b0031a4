"""The command line end to end: init, import, check, build; exit codes and nothing written on error."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from reportgen.cli import app
from reportgen.readers.text import read_text

FIXTURES = Path(__file__).parent / "fixtures"
CARD_2403 = FIXTURES / "3-1_2024-03_from-docx.txt"
CARD_2412 = FIXTURES / "3-1_2024-12_from-hwp.txt"
TITLE_2412 = "서부산스마트밸리 「낙동강 테크노밸리」 조성"

runner = CliRunner()


def run(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def master(tmp_path: Path) -> Path:
    """A workbook made by importing the 2024-12 reference card."""
    path = tmp_path / "master.xlsx"
    result = run("import", CARD_2412, "--id", "3-1", "--title", TITLE_2412, "-o", path,
                 "--agency", "부산광역시 사하구", "--term", "8기")
    assert result.exit_code == 0, result.output
    return path


def test_import_check_build(master: Path, tmp_path: Path) -> None:
    assert run("check", master).output.strip() == "OK: 1 cards"
    out = tmp_path / "out"
    result = run("build", master, "-o", out, "--format", "txt")
    assert result.exit_code == 0, result.output
    built = out / f"3-1_{TITLE_2412}.txt"
    assert built.is_file()
    expected = (Path(__file__).parent / "golden" / "3-1_2024-12.txt").read_text(encoding="utf-8")
    assert built.read_text(encoding="utf-8") == expected
    assert (out / "manifest.json").is_file()


def test_import_without_id_says_which_option(tmp_path: Path) -> None:
    target = tmp_path / "m.xlsx"
    result = run("import", CARD_2412, "-o", target)
    assert result.exit_code == 2
    assert "--id" in result.output and "--title" in result.output
    assert not target.exists()


def test_import_same_id_twice_keeps_last(tmp_path: Path) -> None:
    """The quarterly update path: a card imported again replaces the one in the workbook."""
    target = tmp_path / "m.xlsx"
    assert run("import", CARD_2403, "--title", TITLE_2412, "--id", "3-1", "-o", target).exit_code == 0
    result = run("import", CARD_2412, "--title", TITLE_2412, "--id", "3-1", "-o", target)
    assert result.exit_code == 0, result.output
    assert "3-1" in result.output and "replaced" in result.output
    out = tmp_path / "out"
    assert run("build", target, "-o", out).exit_code == 0
    [card_file] = out.glob("3-1_*.txt")
    text = card_file.read_text(encoding="utf-8")
    assert "추진 중(60%)" in text and "추진 중(40%)" not in text


def test_as_of_leaves_out_later_achievements(master: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("build", master, "-o", out, "--as-of", "2023-12-31").exit_code == 0
    [card_file] = out.glob("3-1_*.txt")
    text = card_file.read_text(encoding="utf-8")
    assert "2024. " not in text.split("【추진실적】")[1].split("【금후계획】")[0]
    assert "2023. 12. : 사하구↔ 동아대 상생발전을 위한 업무협약 체결" in text
    full = read_text(CARD_2412)
    dated_2024 = [i for s in full.achievements for g in s.groups for i in g.items if i.date.startswith("2024")]
    assert len(dated_2024) == 14  # counted by hand on the reference card


def test_only_unknown_id_is_exit_2(master: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("build", master, "-o", out, "--only", "9-9")
    assert result.exit_code == 2 and "9-9" in result.output
    assert not out.exists()


def test_unknown_format_is_exit_2(master: Path, tmp_path: Path) -> None:
    result = run("build", master, "-o", tmp_path / "out", "--format", "pdfx")
    assert result.exit_code == 2 and "pdfx" in result.output


def test_init_makes_a_valid_empty_workbook(tmp_path: Path) -> None:
    path = tmp_path / "new.xlsx"
    assert run("init", path).exit_code == 0
    assert run("check", path).output.strip() == "OK: 0 cards"
    assert run("init", path).exit_code == 2  # refuses to overwrite


def _column(sheet, name: str) -> int:
    for cell in sheet[1]:
        if cell.value and str(cell.value).strip().startswith(name):
            return cell.column
    raise AssertionError(f"no column {name} in {sheet.title}")


def _set(sheet_name: str, column: str, row: int, value: object) -> Callable[[openpyxl.Workbook], str]:
    def mutate(book: openpyxl.Workbook) -> str:
        sheet = book[sheet_name]
        cell = sheet.cell(row=row, column=_column(sheet, column))
        cell.value = value
        return f"{sheet_name}!{cell.coordinate}"
    return mutate


def _delete_sheet(book: openpyxl.Workbook) -> str:
    del book["구민소통"]
    return "구민소통"


def _rename_column(book: openpyxl.Workbook) -> str:
    sheet = book["공약목록"]
    sheet.cell(row=1, column=_column(sheet, "사업명")).value = "사업 이름"
    return "공약목록"


def _duplicate_id(book: openpyxl.Workbook) -> str:
    sheet = book["공약목록"]
    sheet.append([cell.value for cell in sheet[2]])
    return f"공약목록!{sheet.cell(row=3, column=_column(sheet, '관리번호')).coordinate}"


def _bad_year_column(book: openpyxl.Workbook) -> str:
    sheet = book["연차별계획"]
    cell = sheet.cell(row=1, column=_column(sheet, "2023"))
    cell.value = "2030년"
    return f"연차별계획!{cell.coordinate}"


RULES = {
    "missing sheet": _delete_sheet,
    "missing column": _rename_column,
    "unknown id in detail sheet": _set("추진실적", "관리번호", 3, "9-9"),
    "duplicate id": _duplicate_id,
    "progress over 100": _set("공약목록", "추진율", 2, 150),
    "progress not a number": _set("공약목록", "추진율", 2, "육십"),
    "bad year column": _bad_year_column,
    "bad date": _set("추진실적", "일자", 4, "2023.13."),
    "status not in list": _set("공약목록", "추진상황", 2, "잘 됨"),
}


@pytest.mark.parametrize("rule", list(RULES))
def test_validation_rule_exit_2_names_cell_writes_nothing(rule: str, master: Path, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(master)
    where = RULES[rule](book)
    book.save(master)
    out = tmp_path / "out"
    out.mkdir()
    (out / "earlier.txt").write_text("kept", encoding="utf-8")
    result = run("build", master, "-o", out)
    assert result.exit_code == 2, result.output
    assert where in result.output
    assert str(master) in result.output
    assert sorted(p.name for p in out.iterdir()) == ["earlier.txt"]
    assert run("check", master).exit_code == 2


@pytest.mark.parametrize("fmt", ["docx", "hwpx", "hwp"])
def test_built_cards_import_back_equal(fmt: str, master: Path, tmp_path: Path) -> None:
    """build --format X, then import the X card into a new workbook: the same card comes back."""
    from reportgen.readers.workbook import read_workbook

    out = tmp_path / "out"
    assert run("build", master, "-o", out, "--format", fmt).exit_code == 0
    [card_file] = out.glob(f"3-1_*.{fmt}")
    again = tmp_path / "again.xlsx"
    result = run("import", card_file, "-o", again)
    assert result.exit_code == 0, result.output
    assert read_workbook(again).cards == read_workbook(master).cards


def test_build_all_formats(master: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("build", master, "-o", out, "--format", "all")
    assert result.exit_code == 0, result.output
    assert sorted(p.suffix for p in out.glob("3-1_*")) == [".docx", ".html", ".hwp", ".hwpx", ".txt", ".xlsx"]


SAMPLES = Path(__file__).parent / "fixtures" / "hwp-samples"


@pytest.mark.parametrize(("sample", "reason"), [
    ("table.hwp", "not a pledge card"),
    ("password-12345.hwp", "password"),
])
def test_import_refuses_non_cards_and_protected_files(sample: str, reason: str, tmp_path: Path) -> None:
    target = tmp_path / "m.xlsx"
    result = run("import", SAMPLES / sample, "--id", "1-1", "--title", "x", "-o", target)
    assert result.exit_code == 2
    assert sample in result.output and reason in result.output.lower()
    assert "Traceback" not in result.output
    assert not target.exists()


def test_package_command(master: Path, tmp_path: Path) -> None:
    import zipfile

    target = tmp_path / "의회제출.zip"
    result = run("package", master, "-o", target, "--no-pdf", "-j", "1")
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
    assert "manifest.json" in names
    assert {n.rsplit(".", 1)[1] for n in names if n.startswith("cards/")} == {"txt", "docx", "xlsx", "hwpx", "hwp"}
    assert any(n.endswith(".docx") and not n.startswith("cards/") for n in names)
    assert run("package", master, "-o", tmp_path / "x.tar").exit_code == 2


def test_sample_input_is_the_reference_cards() -> None:
    """input/ holds the two reference quarters (rebuilt by `make samples`)."""
    from reportgen.readers.workbook import read_workbook

    root = Path(__file__).resolve().parent.parent / "input"
    for workbook, fixture, title in (
        (root / "master.xlsx", CARD_2412, TITLE_2412),
        (root / "history" / "2024-03.xlsx", CARD_2403, None),
    ):
        [card] = read_workbook(workbook).cards
        expected = read_text(fixture)
        expected.id, expected.title = "3-1", title or expected.title
        expected.area = "3. 일자리가 넘치는 경제도시"
        assert card == expected


SAMPLE = Path(__file__).resolve().parent.parent / "input"
#: formats every installation writes reports in (PDF needs LibreOffice)
REPORT_SUFFIXES = (".txt", ".xlsx", ".docx", ".html", ".hwpx")


def test_diff_of_the_sample_quarters(tmp_path: Path) -> None:
    """The two sample quarters: 추진율, 사업기간, 담당자, 금후계획 and every 2024 추진실적 line
    (the text report's change table: one TAB-separated line per change, 항목 | 변경 전 | 변경 후)."""
    target = tmp_path / "변동사항.txt"
    result = run("diff", SAMPLE / "history" / "2024-03.xlsx", SAMPLE / "master.xlsx", "-o", target)
    assert result.exit_code == 0, result.output
    assert "변동 카드 1건: 신규 0, 삭제 0, 변경 1 / 1 card changed: 0 new, 0 dropped, 1 changed" in result.stdout
    rows = [line.split("\t") for line in target.read_text(encoding="utf-8").splitlines()]
    assert ["변동 카드 1건: 신규 0, 삭제 0, 변경 1"] in rows
    assert ["추진율", "40%", "60%"] in rows
    assert ["사업기간", "2022년~2027년", "2022년~2028년"] in rows
    assert ["담당자", "최재봉 ☎5021", "설정희 ☎5024"] in rows
    assert ["【금후계획】", "", "○ 서부산스마트밸리 경쟁력강화 세부사업 추진"] in rows
    added = [row for row in rows if len(row) == 3 and row[1] == "" and row[2].startswith("2024. ")]
    assert len(added) == 14  # every dated 2024 line of the 2024-12 card, counted by hand


@pytest.mark.parametrize("suffix", REPORT_SUFFIXES)
def test_reports_are_written_in_the_format_of_their_suffix(suffix: str, tmp_path: Path) -> None:
    """summary and diff write their document through the writer the -o suffix names."""
    from reportgen.diff import changes_document, diff_workbooks
    from reportgen.formats import REPORT_FORMATS
    from reportgen.readers.workbook import read_workbook
    from reportgen.summary import summarize, summary_document

    old, new = SAMPLE / "history" / "2024-03.xlsx", SAMPLE / "master.xlsx"
    summary, changes = tmp_path / f"총괄표{suffix.upper()}", tmp_path / f"변동사항{suffix}"
    assert run("summary", new, "-o", summary).exit_code == 0
    assert run("diff", old, new, "-o", changes).exit_code == 0
    writer = REPORT_FORMATS[suffix]
    assert summary.read_bytes() == writer.render_document(summary_document(summarize(read_workbook(new))))
    assert changes.read_bytes() == writer.render_document(
        changes_document(diff_workbooks(read_workbook(old), read_workbook(new))))


def test_text_summary_of_the_sample(tmp_path: Path) -> None:
    """The sample's one card 3-1 (추진 중, 60 %): 계 1, 추진 중 1, 평균 60.0, 완료율 0.0 (by hand)."""
    target = tmp_path / "총괄표.txt"
    assert run("summary", SAMPLE / "master.xlsx", "-o", target).exit_code == 0
    rows = [line.split("\t") for line in target.read_text(encoding="utf-8").splitlines()]
    assert rows[0] == ["총괄표"]
    # the rate columns follow 설정's 총괄표 지표 (default: 완료율, then 평균 추진율)
    assert ["3. 일자리가 넘치는 경제도시", "1", "-", "-", "-", "1", "-", "-", "-", "0.0", "60.0"] in rows
    assert ["합계", "1", "-", "-", "-", "1", "-", "-", "-", "0.0", "60.0"] in rows


def test_an_unknown_report_suffix_names_the_formats(tmp_path: Path) -> None:
    target = tmp_path / "총괄표.odt"
    result = run("summary", SAMPLE / "master.xlsx", "-o", target)
    assert result.exit_code == 2 and not target.exists()
    assert "unknown output type .odt" in result.output and ".hwpx" in result.output


def _own_templates(tmp_path: Path) -> Path:
    """A templates folder whose text template prints a first line of the office's own."""
    from reportgen.resources import PACKAGED_TEMPLATES

    folder = tmp_path / "서식"
    folder.mkdir()
    packaged = (PACKAGED_TEMPLATES / "card.txt.j2").read_text(encoding="utf-8")
    (folder / "card.txt.j2").write_text("사하구 서식\n" + packaged, encoding="utf-8")
    return folder


def test_templates_option_reaches_the_report_writer(tmp_path: Path) -> None:
    folder, target = _own_templates(tmp_path), tmp_path / "총괄표.txt"
    assert run("summary", SAMPLE / "master.xlsx", "-o", target, "--templates", folder).exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("사하구 서식\n")
    changes = tmp_path / "변동사항.txt"
    assert run("diff", SAMPLE / "master.xlsx", SAMPLE / "master.xlsx", "-o", changes,
               "--templates", folder).exit_code == 0
    assert changes.read_text(encoding="utf-8").startswith("사하구 서식\n")
    assert "변경 사항 없음" in changes.read_text(encoding="utf-8")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_templates_option_reaches_the_build_workers(jobs: str, master: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("build", master, "-o", out, "--format", "txt", "-j", jobs, "--templates", _own_templates(tmp_path))
    assert result.exit_code == 0, result.output
    assert (out / f"3-1_{TITLE_2412}.txt").read_text(encoding="utf-8").startswith("사하구 서식\n")


def test_templates_option_reaches_the_package_cards(master: Path, tmp_path: Path) -> None:
    import zipfile

    target = tmp_path / "의회제출.zip"
    result = run("package", master, "-o", target, "--no-pdf", "--templates", _own_templates(tmp_path))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(target) as archive:
        cards = [name for name in archive.namelist() if name.endswith(f"3-1_{TITLE_2412}.txt")]
        assert cards and all(archive.read(name).decode("utf-8").startswith("사하구 서식\n") for name in cards)


@pytest.mark.parametrize("command", ["summary", "diff", "build", "package"])
def test_a_missing_templates_folder_is_refused(command: str, tmp_path: Path) -> None:
    master, target = SAMPLE / "master.xlsx", tmp_path / "out.txt"
    args = {"summary": (master, "-o", target), "diff": (master, master, "-o", target),
            "build": (master, "-o", tmp_path / "out"), "package": (master, "-o", tmp_path / "p.zip")}[command]
    result = run(command, *args, "--templates", tmp_path / "없는 폴더")
    assert result.exit_code == 2, result.output
    assert "no such templates folder" in result.output and "없는 폴더" in result.output
    assert not target.exists() and not (tmp_path / "out").exists() and not (tmp_path / "p.zip").exists()


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdfinfo") is None,
                    reason="PDF needs LibreOffice and poppler-utils")
def test_summary_as_pdf(tmp_path: Path) -> None:
    target = tmp_path / "총괄표.pdf"
    result = run("summary", SAMPLE / "master.xlsx", "-o", target)
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"%PDF-")


def test_a_pdf_without_libreoffice_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No soffice on the PATH: the report is not written, the message says what to install; exit 1."""
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    target = tmp_path / "총괄표.pdf"
    result = run("summary", SAMPLE / "master.xlsx", "-o", target)
    assert result.exit_code == 1, result.output
    assert "not written" in result.output and "LibreOffice" in result.output
    assert not target.exists()
