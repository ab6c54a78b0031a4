"""The mutation corpus through ``reportgen build``: a clean exit-2 message, or a clean build.

A broken workbook must give exit 2, name the place (sheet!cell, a sheet, or
the file) with a fix for every problem, print no traceback, and leave the
previous output folder exactly as it was. A mutation that is legitimately
valid (see ``Mutation.why``) must build with exit 0. Either way the output holds
what ``Mutation.says`` lists (a foreign format's name, an odd character, a notice).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reportgen.cli import app

from .generate import ERROR, VALID, Mutation, file_name, mutations
from .ole import SIGNATURE, encrypted_xlsx

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CARD_2412 = FIXTURES / "3-1_2024-12_from-hwp.txt"
TITLE = "서부산스마트밸리 「낙동강 테크노밸리」 조성"
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

runner = CliRunner()


def _run(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The sample workbook: the 2024-12 reference card imported by the CLI."""
    path = tmp_path_factory.mktemp("sample") / "master.xlsx"
    result = _run("import", CARD_2412, "--id", "3-1", "--title", TITLE, "-o", path,
                  "--agency", "부산광역시 사하구", "--term", "8기")
    assert result.exit_code == 0, result.output
    return path.read_bytes()


def _snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file of a folder (hidden ones too) with its sha256 and mtime."""
    return {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.iterdir())}


def _error_faults(mutation: Mutation, path: Path, result, previous: Path, before: dict) -> list[str]:
    """What is wrong with the CLI's answer to a broken workbook ([] when it is right)."""
    output = result.output
    faults = []
    if result.exit_code != 2:
        faults.append(f"exit {result.exit_code}, not 2")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        faults.append(f"raised {type(result.exception).__name__}: {result.exception}")
    if "Traceback" in output:
        faults.append("printed a traceback")
    where = mutation.where or str(path)
    if f"{path} {where}" not in output and not (mutation.where == "" and f"  - {path}:" in output):
        faults.append(f"does not name {where}")
    problems = [line for line in output.splitlines() if line.startswith("  - ")]
    fixes = [line for line in output.splitlines() if line.startswith("    → ")]
    if not problems or len(fixes) != len(problems):
        faults.append(f"{len(problems)} problem(s) but {len(fixes)} fix(es)")
    if "nothing was written" not in output:
        faults.append("does not say that nothing was written")
    if _snapshot(previous) != before:
        faults.append("changed the previous output folder")
    return faults


def _valid_faults(result, out: Path) -> list[str]:
    """What is wrong with the CLI's answer to a valid workbook ([] when it is right)."""
    if result.exit_code != 0 or result.exception is not None:
        return [f"exit {result.exit_code}: {result.output[-600:]}"]
    cards = [p for p in out.iterdir() if p.suffix == ".txt"]
    if len(cards) != 1 or not (out / "manifest.json").is_file():
        return [f"wrote {sorted(p.name for p in out.iterdir())}"]
    text = cards[0].read_text(encoding="utf-8")
    if CONTROL.search(text) or CONTROL.search(cards[0].name):
        return ["a control character reached the output"]
    return []


def test_mutation_corpus(sample: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    previous = tmp_path / "previous"
    assert _run("build", _write(tmp_path / "sample.xlsx", sample), "-o", previous, "-j", "1").exit_code == 0
    before = _snapshot(previous)
    assert before, "the previous build wrote files"
    tally = {ERROR: 0, VALID: 0}
    problem_counts: list[int] = []
    failures = []
    corpus = mutations(sample)
    for index, mutation in enumerate(corpus):
        path = _write(tmp_path / "in" / file_name(index, mutation), mutation.make(sample))
        if mutation.expect == ERROR:
            result = _run("build", path, "-o", previous, "-j", "1")
            faults = _error_faults(mutation, path, result, previous, before)
            before = _snapshot(previous)  # a wrong answer must not spoil the next checks
            problem_counts.append(sum(line.startswith("  - ") for line in result.output.splitlines()))
        else:
            out = tmp_path / "valid" / str(index)
            result = _run("build", path, "-o", out, "-j", "1")
            faults = _valid_faults(result, out)
        faults += [f"does not say {text!r}" for text in mutation.says if text not in result.output]
        path.unlink()
        if faults:
            failures.append(f"{mutation.name} ({mutation.expect}): {'; '.join(faults)}\n{result.output[:1500]}")
        else:
            tally[mutation.expect] += 1
    said = sum(bool(mutation.says) for mutation in corpus)
    with capsys.disabled():
        print(f"\nmutation corpus: {len(corpus)} tried, {tally[ERROR]} clean errors (exit 2), "
              f"{tally[VALID]} valid builds (exit 0), {len(failures)} wrong; "
              f"problems per error: max {max(problem_counts)}, "
              f"{sum(n == 1 for n in problem_counts)}/{len(problem_counts)} with exactly one; "
              f"{said} also checked for the words they must print (format names, characters, notices)")
    assert len(corpus) >= 450
    assert not failures, "\n\n".join(failures)


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_fabricated_password_protected_file_is_an_ole_file() -> None:
    """The fake encrypted workbook has the shape Excel gives one (checked with olefile when installed)."""
    data = encrypted_xlsx()
    assert data.startswith(SIGNATURE)
    olefile = pytest.importorskip("olefile")
    import io

    ole = olefile.OleFileIO(io.BytesIO(data))
    assert sorted(ole.listdir()) == [["EncryptedPackage"], ["EncryptionInfo"]]


#: formula-cached cases (saved text 3-1) that read as valid: 3-1 typed there is the sample's 관리번호,
#: free text, or (연차별계획 세부추진내용) turns the 목표(%) row into a plan row; worked out by hand
CACHED_3_1_VALID = {
    "공약목록": "ABCDEFIJKLM", "협조부서": "ABCDE", "내용": "AD", "연차별계획": "AB", "추진실적": "ABCF",
    "구민소통": "A", "변경이력": "A",
}


def test_formula_cached_expectations(sample: bytes) -> None:
    """The generator's reading of "3-1 typed in that cell" agrees with the list made by hand."""
    cached = {found[1]: m for m in mutations(sample) if (found := re.fullmatch(r"formula-cached-(\w+![A-Z][23])", m.name))}
    assert len(cached) == 13 + 5 + 4 + 8 + 6 + 6 + 5 + 1  # every column of every table, and 설정!B3
    valid = {f"{sheet}!{letter}2" for sheet, letters in CACHED_3_1_VALID.items() for letter in letters}
    valid.add("설정!B3")
    assert {ref for ref, m in cached.items() if m.expect == VALID} == valid
    assert len(valid) == 27
    for ref, mutation in cached.items():
        if mutation.expect == ERROR:
            wanted = "변경이력!A2" if ref.startswith("변경이력!") else ref
            assert mutation.where == wanted, ref


def test_every_error_mutation_says_where(sample: bytes) -> None:
    """The corpus itself: errors name a place or the file, valid ones say why."""
    corpus = mutations(sample)
    assert all(m.why for m in corpus if m.expect == VALID)
    assert {m.expect for m in corpus} == {ERROR, VALID}


# ── what the corpus made the reader do (each was wrong before) ─────────────
def _problems_of(sample: bytes, name: str, tmp_path: Path) -> list:
    from reportgen.errors import InputError
    from reportgen.readers.workbook import read_workbook

    mutation = next(m for m in mutations(sample) if m.name == name)
    path = _write(tmp_path / "m.xlsx", mutation.make(sample))
    with pytest.raises(InputError) as caught:
        read_workbook(path)
    return caught.value.problems


def _read_mutated(sample: bytes, name: str, tmp_path: Path):
    from reportgen.readers.workbook import read_workbook

    mutation = next(m for m in mutations(sample) if m.name == name)
    return read_workbook(_write(tmp_path / "m.xlsx", mutation.make(sample)))


def test_excel_escapes_are_decoded_and_control_characters_dropped(sample: bytes, tmp_path: Path) -> None:
    goal = _read_mutated(sample, "control-characters-escaped", tmp_path).cards[0].bullets["사업추진목표"][0]
    assert goal.text == "벨소리\n세로탭끝"
    goal = _read_mutated(sample, "escaped-underscore-x", tmp_path).cards[0].bullets["사업추진목표"][0]
    assert goal.text == "코드 _x0041_ 그대로"
    goal = _read_mutated(sample, "carriage-returns", tmp_path).cards[0].bullets["사업추진목표"][0]
    assert goal.text == "첫 줄\n둘째 줄"


@pytest.mark.parametrize("name", ["error-value-C2=#N/A", "40000-chars-in-one-cell"])
def test_error_values_and_over_long_text_are_one_problem(name: str, sample: bytes, tmp_path: Path) -> None:
    problems = _problems_of(sample, name, tmp_path)
    assert len(problems) == 1
    assert problems[0].where in ("공약목록!C2", "내용!D2") and problems[0].fix_en


def test_merged_cells_are_one_problem_naming_the_range(sample: bytes, tmp_path: Path) -> None:
    problems = _problems_of(sample, "merged-추진실적-관리번호", tmp_path)
    assert [p.where for p in problems] == ["추진실적!A2:A41"]
    assert "unmerge" in problems[0].fix_en


def test_duplicate_sheet_names_are_a_problem(sample: bytes, tmp_path: Path) -> None:
    problems = _problems_of(sample, "duplicate-sheet-공약목록", tmp_path)
    assert [p.where for p in problems] == ["공약목록"]


def test_header_row_further_down_is_one_problem(sample: bytes, tmp_path: Path) -> None:
    problems = _problems_of(sample, "title-row-above-header-추진실적", tmp_path)
    assert len(problems) == 1 and "row 2" in problems[0].en and "delete rows 1-1" in problems[0].fix_en


def test_unknown_id_is_one_problem_per_sheet(sample: bytes, tmp_path: Path) -> None:
    problems = _problems_of(sample, "formula-공약목록!A2", tmp_path)
    assert len(problems) == 6  # the formula, and 3-1 unknown once on each sheet that uses it
    assert "(40 rows of this sheet" in next(p.en for p in problems if p.where == "추진실적!A2")


# ── the reader rules of b054c8c, checked on the model ─────────────────────
def _sample_book(sample: bytes, tmp_path: Path):
    from reportgen.readers.workbook import read_workbook

    return read_workbook(_write(tmp_path / "sample.xlsx", sample))


@pytest.mark.parametrize("name", [
    "nfd-sheet-names", "nfd-headers-and-keys", "fullwidth-관리번호-공약목록", "fullwidth-관리번호-details",
    "zero-width-space-in-추진상황", "nbsp-and-bom-in-관리번호", "error-value-in-office-column",
    "formula-without-value-in-office-column", "merged-office-column", "formula-cached-설정!B3",
    "formula-cached-공약목록!A2", "formula-cached-number-공약목록!H2", "shared-formula-cached-연차별계획",
])
def test_folded_names_saved_values_and_unread_cells_give_the_sample(name: str, sample: bytes, tmp_path: Path) -> None:
    """Each of these mutations holds the sample's data in another spelling (or beside the table):
    the reader gives exactly the sample's settings and cards, and notices nothing."""
    expected = _sample_book(sample, tmp_path)
    book = _read_mutated(sample, name, tmp_path)
    assert [card.id for card in book.cards] == ["3-1"]
    assert book.cards[0].header.status == "추진 중"
    assert (book.settings, book.cards, book.notices) == (expected.settings, expected.cards, [])


def test_hidden_rows_are_read_with_a_notice(sample: bytes, tmp_path: Path) -> None:
    book = _read_mutated(sample, "hidden-rows-추진실적", tmp_path)
    assert book.cards == _sample_book(sample, tmp_path).cards
    entries = [item for s in book.cards[0].achievements for g in s.groups for item in g.items]
    assert "노후산업단지 재생사업 공모 선정" in [e.text for e in entries]  # row 5
    assert "사업내용 : 청년문화센터 건립, 아름다운거리 조성 등" in [d.text for e in entries for d in e.details]  # row 9
    assert book.notices == ["추진실적 시트의 숨긴 행 2개(5, 9행)도 읽었습니다 / "
                            "2 hidden rows of 추진실적 (rows 5, 9) were read like the others"]


def test_unstorable_characters_are_dropped_with_a_notice(sample: bytes, tmp_path: Path) -> None:
    book = _read_mutated(sample, "lone-surrogates-escaped", tmp_path)
    assert book.cards[0].bullets["사업추진목표"][0].text == "앞가뒤"
    entries = [item for s in book.cards[0].achievements for g in s.groups for item in g.items]
    assert entries[0].text == "실적"
    assert len(book.notices) == 2
    assert "U+D800, U+FFFF" in book.notices[0] and "내용 (D2)" in book.notices[0]
    assert "U+DC00" in book.notices[1] and "추진실적 (F2)" in book.notices[1]
    goal = _read_mutated(sample, "surrogate-pair-escaped", tmp_path).cards[0].bullets["사업추진목표"][0]
    assert goal.text == "웃음 \U0001f600"


def test_saved_3_1_is_read_as_typed_text(sample: bytes, tmp_path: Path) -> None:
    """3-1 saved by a formula in 연차별계획!B2 turns the 목표(%) row into a plan row named 3-1."""
    plan = _read_mutated(sample, "formula-cached-연차별계획!B2", tmp_path).cards[0].annual_plan
    assert plan.targets == [] and plan.after_term_target is None
    assert (plan.rows[0].title, plan.rows[0].cells) == ("3-1", ["10", "40", "60", "80", "100"])
    card = _read_mutated(sample, "formula-cached-공약목록!C2", tmp_path).cards[0]
    assert card.title == "3-1"
    changes = _read_mutated(sample, "formula-cached-변경이력!A2", tmp_path).cards[0].changes
    assert len(changes) == 1 and (changes[0].date, changes[0].content) == ("", "")


def test_saved_3_1_in_a_row_without_관리번호_is_one_problem(sample: bytes, tmp_path: Path) -> None:
    problems = _problems_of(sample, "formula-cached-변경이력!C2", tmp_path)
    assert [(p.where, p.en) for p in problems] == [("변경이력!A2", "관리번호 is empty")]


@pytest.mark.parametrize(("name", "where", "named"), [
    ("en-dash-in-관리번호-추진실적", "추진실적!A2", "U+2013 (EN DASH)"),
    ("minus-sign-in-관리번호-내용", "내용!A2", "U+2212 (MINUS SIGN)"),
])
def test_lookalike_dash_in_관리번호_is_named(name: str, where: str, named: str, sample: bytes, tmp_path: Path) -> None:
    problems = _problems_of(sample, name, tmp_path)
    assert [p.where for p in problems] == [where]
    assert named in problems[0].en and named in problems[0].ko


def test_ods_renamed_is_named_opendocument(sample: bytes, tmp_path: Path) -> None:
    for name in ("ods-renamed", "fods-renamed"):
        problems = _problems_of(sample, name, tmp_path)
        assert len(problems) == 1 and problems[0].where == ""
        assert "OpenDocument spreadsheet (.ods)" in problems[0].en and "xlsx" in problems[0].fix_en
