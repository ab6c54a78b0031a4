"""The mutation corpus through ``reportgen build``: a clean exit-2 message, or a clean build.

A broken workbook must give exit 2, name the place (sheet!cell, a sheet, or
the file) with a fix for every problem, print no traceback, and leave the
previous output folder exactly as it was. A mutation that is legitimately
valid (see ``Mutation.why``) must build with exit 0.
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
        path.unlink()
        if faults:
            failures.append(f"{mutation.name} ({mutation.expect}): {'; '.join(faults)}\n{result.output[:1500]}")
        else:
            tally[mutation.expect] += 1
    with capsys.disabled():
        print(f"\nmutation corpus: {len(corpus)} tried, {tally[ERROR]} clean errors (exit 2), "
              f"{tally[VALID]} valid builds (exit 0), {len(failures)} wrong; "
              f"problems per error: max {max(problem_counts)}, "
              f"{sum(n == 1 for n in problem_counts)}/{len(problem_counts)} with exactly one")
    assert len(corpus) >= 200
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
