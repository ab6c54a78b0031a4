"""Issue 13, `reportgen import`: the .hwp reader's model memo, parallel import (-j) and its memory.

The memo must change nothing: a card read with a warm memo (after other cards) reads as pyhwp reads
it without one. Parallel import must write the very bytes a serial import writes.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from hwp5 import binmodel
from test_processes import GONE_WITHIN, _gone_within, _run_of, _wait_until, reportgen  # noqa: F401
from typer.testing import CliRunner

from reportgen import collect
from reportgen import model as m
from reportgen.cli import app
from reportgen.readers import hwp as hwp_reader
from reportgen.readers.text import read_text
from reportgen.readers.workbook import read_workbook
from reportgen.writers.hwp import render_hwp
from reportgen.writers.text import render_text
from reportgen.writers.workbook import write_workbook
from reportgen.writers.workbook_edit import merge_cards

FIXTURES = Path(__file__).parent / "fixtures"
CARD_2403 = FIXTURES / "3-1_2024-03_from-docx.txt"
CARD_2412 = FIXTURES / "3-1_2024-12_from-hwp.txt"
SAMPLES = sorted((FIXTURES / "hwp-samples").glob("*.hwp"))


def _hwp(card: m.Card, folder: Path, name: str) -> Path:
    path = folder / name
    path.write_bytes(render_hwp(card))
    return path


def _lines_without_memo(paths: list[Path], monkeypatch: pytest.MonkeyPatch) -> list[object]:
    with monkeypatch.context() as patch:
        hwp_reader._remember_pyhwp_models()
        patch.setattr(hwp_reader, "_remember_pyhwp_models", lambda: None)
        patch.setattr(binmodel, "parse_model", binmodel.parse_model.original)
        return [_lines_or_error(path) for path in paths]


def _lines_or_error(path: Path) -> object:
    try:
        return hwp_reader.hwp_lines(path)
    except hwp_reader.InputError as exc:
        return str(exc)


def test_warm_memo_reads_every_card_as_pyhwp_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = read_text(CARD_2403), read_text(CARD_2412)
    renamed = dataclasses.replace(first, title="다른 사업명", header=dataclasses.replace(first.header, status="완료"))
    paths = [_hwp(first, tmp_path, "a.hwp"), _hwp(second, tmp_path, "b.hwp"), _hwp(renamed, tmp_path, "c.hwp"),
             *SAMPLES]
    expected = _lines_without_memo(paths, monkeypatch)
    hwp_reader._remember_pyhwp_models()
    memo = binmodel.parse_model.memo
    memo.clear()
    assert [_lines_or_error(path) for path in paths] == expected  # cold, then warmer and warmer
    assert len(memo) > 50
    assert [_lines_or_error(path) for path in reversed(paths)] == expected[::-1]  # all warm
    assert hwp_reader.read_hwp(paths[2]) == renamed


def test_memo_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hwp_reader, "MAX_MEMO_RECORDS", 10)
    monkeypatch.setattr(binmodel, "parse_model", hwp_reader._memo_parse_model(binmodel.parse_model.original))
    card = read_text(CARD_2403)
    path = _hwp(card, tmp_path, "a.hwp")
    assert hwp_reader.read_hwp(path) == card
    assert 0 < len(binmodel.parse_model.memo) <= 10
    assert hwp_reader.read_hwp(path) == card


# ── import -j ─────────────────────────────────────────────────────────────
def _cards(count: int) -> list[m.Card]:
    """``count`` cards 3-1 … 3-count, made of the two reference cards (by turns), each its own title."""
    bases = [read_text(CARD_2403), read_text(CARD_2412)]
    return [dataclasses.replace(bases[i % 2], id=f"3-{i + 1}", title=f"사업 {i + 1}") for i in range(count)]


def _card_files(cards: list[m.Card], folder: Path) -> list[Path]:
    """Every card as a file, .hwp and .txt by turns (file names in card order)."""
    folder.mkdir(exist_ok=True)
    paths = []
    for i, card in enumerate(cards):
        path = folder / f"{i:03d}.{'hwp' if i % 2 else 'txt'}"
        path.write_bytes(render_hwp(card) if i % 2 else render_text(card).encode("utf-8"))
        paths.append(path)
    return paths


def _import(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["import", *map(str, args)])
    return result.exit_code, result.output


@pytest.mark.parametrize("existing", [False, True], ids=["new workbook", "into a workbook"])
def test_two_workers_write_the_workbook_one_writes(existing: bool, tmp_path: Path) -> None:
    cards = _cards(9)
    paths = _card_files(cards, tmp_path / "cards")
    master = write_workbook(m.Workbook(settings=m.Settings(term_start=2022, term_end=2026), cards=_cards(12)[4:]))
    written = {}
    for jobs in ("1", "2"):
        target = tmp_path / f"j{jobs}.xlsx"
        if existing:
            target.write_bytes(master)
        code, output = _import(*paths, "-o", target, "-j", jobs)
        assert code == 0, output
        written[jobs] = target.read_bytes()
    assert written["1"] == written["2"]
    ids = [card.id for card in read_workbook(tmp_path / "j2.xlsx").cards]
    if existing:  # 3-5 … 3-9 replaced in place, 3-10 … 3-12 kept, 3-1 … 3-4 added below in input order
        assert ids == [f"3-{i}" for i in [*range(5, 13), *range(1, 5)]]
    else:
        assert ids == [f"3-{i}" for i in range(1, 10)]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_bad_card_among_many_stops_the_import_naming_it(jobs: str, tmp_path: Path) -> None:
    paths = _card_files(_cards(10), tmp_path / "cards")
    paths[3].write_bytes(b"no hwp at all")  # 003.hwp: the first bad file in input order
    paths[7].write_bytes(b"\x00garbage")  # 007.hwp: also bad, but later
    master = write_workbook(m.Workbook(cards=_cards(2)))
    target = tmp_path / "m.xlsx"
    target.write_bytes(master)
    code, output = _import(*paths, "-o", target, "-j", jobs)
    assert code == 2, output
    assert str(paths[3]) in output and "한글(.hwp) 파일이 아닙니다" in output and "not a Hangul (.hwp) file" in output
    assert str(paths[7]) not in output  # as a serial import: the first unreadable file stops it
    assert target.read_bytes() == master  # nothing written
    assert multiprocessing.active_children() == []


def test_a_bad_card_leaves_no_new_workbook(tmp_path: Path) -> None:
    paths = _card_files(_cards(6), tmp_path / "cards")
    paths[5].write_bytes(b"")
    target = tmp_path / "new.xlsx"
    code, output = _import(*paths, "-o", target, "-j", "2")
    assert code == 2 and str(paths[5]) in output, output
    assert not target.exists()


def test_two_files_with_one_id_are_refused_with_workers(tmp_path: Path) -> None:
    cards = _cards(5)
    cards[4] = dataclasses.replace(cards[4], id="3-2")
    paths = _card_files(cards, tmp_path / "cards")
    target = tmp_path / "m.xlsx"
    code, output = _import(*paths, "-o", target, "-j", "2")
    assert code == 2
    assert f"{paths[4]}: 관리번호 3-2가 {paths[1]} 의 카드와 같습니다" in output
    assert not target.exists()


def test_an_unreadable_workbook_is_reported_before_the_cards(tmp_path: Path) -> None:
    paths = _card_files(_cards(4), tmp_path / "cards")
    paths[0].write_bytes(b"")
    target = tmp_path / "m.xlsx"
    target.write_bytes(b"not a workbook")
    code, output = _import(*paths, "-o", target, "-j", "2")
    assert code == 2 and str(target) in output and str(paths[0]) not in output, output
    assert target.read_bytes() == b"not a workbook"


def test_jobs_out_of_range_is_an_input_error(tmp_path: Path) -> None:
    code, output = _import(CARD_2403, "-o", tmp_path / "m.xlsx", "-j", "-1")
    assert code == 2 and "-j" in output


def test_sigterm_during_a_parallel_import_leaves_no_worker_and_no_workbook(
        tmp_path: Path, reportgen: Callable[..., subprocess.Popen[str]]) -> None:  # noqa: F811
    paths = _card_files(_cards(400), tmp_path / "cards")
    target = tmp_path / "m.xlsx"
    process = reportgen("import", *paths, "-o", target, "-j", "2")
    assert _wait_until(lambda: len(_run_of(process.pid).members) >= 3, 30), "no workers started"
    run = _run_of(process.pid)
    reportgen.runs.append(run)  # type: ignore[attr-defined]
    process.send_signal(signal.SIGTERM)
    assert _gone_within(run, GONE_WITHIN) == []
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "interrupted" in stderr
    assert not target.exists() and list(tmp_path.glob(".*.tmp")) == []


# ── memory: what the merge keeps of the workbook ──────────────────────────
def test_replaced_cards_are_the_workbook_cards_of_the_imported_ids() -> None:
    book = _cards(6)
    imported = [dataclasses.replace(book[1], id=" 3-2 "), dataclasses.replace(book[4]), _cards(9)[8]]
    assert [card.id for card in collect.replaced_cards(book, imported)] == ["3-2", "3-5"]


def test_merge_with_the_replaced_cards_only_writes_what_it_wrote_with_all(tmp_path: Path) -> None:
    cards = _cards(8)
    master = write_workbook(m.Workbook(settings=m.Settings(term_start=2022, term_end=2026), cards=cards))
    (tmp_path / "m.xlsx").write_bytes(master)
    previous = read_workbook(tmp_path / "m.xlsx").cards
    changed = dataclasses.replace(previous[2], title="새 이름")
    changed.achievements = previous[3].achievements  # other lines: the line-by-line matching is used
    new = [("a.txt", changed), ("b.txt", _cards(10)[9])]
    whole = merge_cards(master, new, "m.xlsx", previous).data
    few = collect.replaced_cards(previous, [card for _, card in new])
    assert [card.id for card in few] == ["3-3"]
    assert merge_cards(master, new, "m.xlsx", few).data == whole
    assert merge_cards(master, new, "m.xlsx", []).data != whole  # the cards given do matter


def test_workers_are_forked_before_the_workbook_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker forked from a process holding the workbook would copy its pages as it runs."""
    from reportgen import cli

    paths = _card_files(_cards(8), tmp_path / "cards")
    target = tmp_path / "m.xlsx"
    target.write_bytes(write_workbook(m.Workbook(cards=_cards(2))))
    seen = []
    read = cli._read_workbook

    def reading(path: Path) -> m.Workbook:
        seen.append(len(multiprocessing.active_children()))
        return read(path)

    monkeypatch.setattr(cli, "_read_workbook", reading)
    code, output = _import(*paths, "-o", target, "-j", "2")
    assert code == 0, output
    assert seen == [2]
    assert multiprocessing.active_children() == []


def test_merged_checks_the_result_without_building_a_workbook(monkeypatch: pytest.MonkeyPatch) -> None:
    """The import's check of its result validates (`check`'s problems) but keeps no cards."""
    from reportgen.writers.workbook_edit import MergeResult

    def no_read(path: Path) -> m.Workbook:
        raise AssertionError("read_workbook builds every card")

    monkeypatch.setattr(collect, "read_workbook", no_read)
    good = write_workbook(m.Workbook(cards=_cards(3)))
    result = collect.merged(good, [("a.txt", _cards(4)[3])], "m.xlsx", [])
    assert result.cards == 4 and result.added == [("3-4", "a.txt")]
    monkeypatch.setattr(collect, "merge_cards", lambda *args: MergeResult(b"not a workbook"))
    with pytest.raises(collect.InputError) as error:
        collect.merged(good, [("a.txt", _cards(4)[3])], "m.xlsx", [])
    assert all(problem.file == "m.xlsx" for problem in error.value.problems)
    assert "the workbook after the import would not pass `check`" in str(error.value)


def test_the_merge_indexes_rows_by_id_from_compact_key_rows() -> None:
    """Rows by 관리번호 (hand-counted: 공약목록 has one row a card from row 2), 소요예산 left empty
    known, every scanned row let go."""
    from reportgen import workbook_contract as contract
    from reportgen.writers import workbook_edit
    from reportgen.writers.xlsx_package import Package

    cards = _cards(3)
    cards[1] = dataclasses.replace(cards[1], header=dataclasses.replace(cards[1].header, budget=""))
    book = workbook_edit._read_book(Package(write_workbook(m.Workbook(cards=cards))))
    sheet = book.sheets[contract.SHEET_CARDS]
    assert sheet.ids == {"3-1": [(2, 1)], "3-2": [(3, 1)], "3-3": [(4, 1)]}  # (first row, rows) runs
    assert list(sheet.data_rows) == [2, 3, 4]
    assert "3-2" in sheet.no_budget and "3-1" not in sheet.no_budget
    assert all(not s.scan.rows for name, s in book.sheets.items() if name != contract.SHEET_SETTINGS)


def test_a_cards_rows_are_kept_as_runs_of_consecutive_rows() -> None:
    from reportgen.writers import workbook_edit

    runs: list[tuple[int, int]] = []
    for number in (2, 3, 4, 7, 9, 10):
        workbook_edit._add_row(runs, number)
    assert runs == [(2, 3), (7, 1), (9, 2)]
