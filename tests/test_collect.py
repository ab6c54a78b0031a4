"""reportgen.collect: matching uploaded cards to the master, merging in place, history and undo."""

from __future__ import annotations

import copy
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment
from test_finance import ROWS as FINANCE_ROWS
from test_finance import workbook_file as finance_workbook

from reportgen import collect
from reportgen.errors import InputError
from reportgen.formats import WRITERS
from reportgen.readers.workbook import read_workbook

SAMPLE = Path(__file__).resolve().parent.parent / "input" / "master.xlsx"


@pytest.fixture()
def office_master(tmp_path: Path) -> Path:
    """The sample master as an office keeps it: an extra sheet, an extra column, a comment."""
    book = openpyxl.load_workbook(SAMPLE)
    extra = book.create_sheet("메모")
    extra["A1"] = "분기 점검 메모"
    cards = book["공약목록"]
    cards.cell(1, 14, "비고")
    cards.cell(2, 14, "의회 질의 예정")
    cards["C2"].comment = Comment("구청장 관심사업", "기획예산과")
    path = tmp_path / "master.xlsx"
    book.save(path)
    return path


def _changed_card(master: Path, progress: int) -> object:
    card = copy.deepcopy(read_workbook(master).cards[0])
    card.header.progress = progress
    return card


def _hwpx_of(card: object, folder: Path, name: str = "3-1.hwpx") -> Path:
    path = folder / name
    path.write_bytes(WRITERS["hwpx"].render(card))
    return path


def test_collect_hwpx_card_matches_its_id_and_shows_the_progress_change(office_master: Path, tmp_path: Path) -> None:
    upload = _hwpx_of(_changed_card(office_master, 85), tmp_path, "x.hwpx")
    [found] = collect.collect_file(upload, "전략사업과_3-1.hwpx", read_workbook(office_master))
    assert found.problems == []
    assert found.id == "3-1"
    assert found.card.area == "3. 일자리가 넘치는 경제도시"  # the master's 분야: a card file has none
    rows = [(row.item, row.old, row.new) for row in found.changes]
    assert ("추진율", "60%", "85%") in rows


def test_a_card_whose_id_is_not_in_the_master_is_a_problem(office_master: Path, tmp_path: Path) -> None:
    card = _changed_card(office_master, 70)
    card.id = "9-9"
    [found] = collect.collect_file(_hwpx_of(card, tmp_path), "새카드.hwpx", read_workbook(office_master))
    assert found.card is None
    assert [p.file for p in found.problems] == ["새카드.hwpx"]
    assert "9-9" in found.problems[0].ko and found.problems[0].fix_ko


def test_an_unreadable_upload_is_named_by_the_users_file_name(office_master: Path, tmp_path: Path) -> None:
    path = tmp_path / "tmp123.hwpx"
    path.write_bytes(b"this is not a zip")
    [found] = collect.collect_file(path, "부서카드.hwpx", read_workbook(office_master))
    assert found.card is None and found.problems
    assert all(p.file == "부서카드.hwpx" for p in found.problems)


def test_accept_merges_in_place_keeping_the_offices_sheet_column_and_comment(office_master: Path, tmp_path: Path) -> None:
    history = tmp_path / "history"
    before = office_master.read_bytes()
    card = _changed_card(office_master, 85)
    read: list[Path] = []
    accepted = collect.accept(office_master, history, [("3-1.hwpx", card)],
                              lambda path: read.append(path) or read_workbook(path))
    assert read == [office_master]  # the current master is read through the reader given
    book = read_workbook(office_master)
    assert [c.header.progress for c in book.cards] == [85]
    assert accepted.book == book  # what the check read the merged workbook as: the new master
    merged = openpyxl.load_workbook(office_master)
    assert merged["메모"]["A1"].value == "분기 점검 메모"
    assert merged["공약목록"].cell(1, 14).value == "비고"
    assert merged["공약목록"].cell(2, 14).value == "의회 질의 예정"
    assert merged["공약목록"]["C2"].comment.text == "구청장 관심사업"
    assert merged["공약목록"]["H2"].value == 85
    # the master it replaced is in history/, byte for byte
    assert (history / accepted.saved).read_bytes() == before
    assert [v.name for v in collect.versions(history)] == [accepted.saved]


def test_undo_restores_the_exact_previous_bytes_and_keeps_the_undone_master(office_master: Path, tmp_path: Path) -> None:
    history = tmp_path / "history"
    before = office_master.read_bytes()
    collect.accept(office_master, history, [("3-1.hwpx", _changed_card(office_master, 85))])
    after = office_master.read_bytes()
    assert collect.can_undo(office_master, history)
    collect.undo(office_master, history)
    assert office_master.read_bytes() == before
    kept = sorted((history / v.name).read_bytes() for v in collect.versions(history))
    assert kept == sorted([before, after])  # nothing deleted: both masters are in history/
    assert not collect.can_undo(office_master, history)
    with pytest.raises(InputError) as caught:
        collect.undo(office_master, history)
    assert caught.value.problems[0].ko == "되돌릴 변경이 없습니다"


def test_undo_is_refused_when_the_master_changed_after_the_acceptance(office_master: Path, tmp_path: Path) -> None:
    history = tmp_path / "history"
    collect.accept(office_master, history, [("a.hwpx", _changed_card(office_master, 85))])
    assert collect.can_undo(office_master, history)
    office_master.write_bytes(SAMPLE.read_bytes())  # someone copied another master over it
    assert not collect.can_undo(office_master, history)
    with pytest.raises(InputError) as caught:
        collect.undo(office_master, history)
    assert "바뀌어" in caught.value.problems[0].ko


def test_check_workbook_refuses_a_broken_workbook_naming_sheet_and_cell(tmp_path: Path) -> None:
    broken = tmp_path / "upload.xlsx"
    book = openpyxl.load_workbook(SAMPLE)
    book["공약목록"]["H2"] = "육십"
    book.save(broken)
    with pytest.raises(InputError) as caught:
        collect.check_workbook(broken, "4분기.xlsx")
    places = [(p.file, p.where) for p in caught.value.problems]
    assert ("4분기.xlsx", "공약목록!H2") in places


def test_replace_master_keeps_the_old_master_in_history(office_master: Path, tmp_path: Path) -> None:
    history = tmp_path / "history"
    before = office_master.read_bytes()
    upload = tmp_path / "upload.xlsx"
    upload.write_bytes(SAMPLE.read_bytes())
    checked = collect.check_workbook(upload, "새마스터.xlsx")
    assert checked.data == SAMPLE.read_bytes() and [c.id for c in checked.book.cards] == ["3-1"]
    done = collect.replace_master(office_master, history, checked)
    assert done.cards == 1
    assert office_master.read_bytes() == SAMPLE.read_bytes()
    assert (history / done.saved).read_bytes() == before


def test_version_path_refuses_names_outside_history(tmp_path: Path) -> None:
    history = tmp_path / "history"
    history.mkdir()
    (history / "2024-03.xlsx").write_bytes(SAMPLE.read_bytes())
    assert collect.version_path(history, "2024-03.xlsx") == (history / "2024-03.xlsx").resolve()
    for name in ("../master.xlsx", "nothing.xlsx", ".undo.json"):
        with pytest.raises(InputError):
            collect.version_path(history, name)


def test_workbook_upload_gives_each_of_its_cards(office_master: Path, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(SAMPLE)
    book["공약목록"]["H2"] = 90
    path = tmp_path / "부서.xlsx"
    book.save(path)
    [found] = collect.collect_file(path, "부서.xlsx", read_workbook(office_master))
    assert found.id == "3-1"
    assert ("추진율", "60%", "90%") in [(r.item, r.old, r.new) for r in found.changes]


def test_fill_identity_takes_the_masters_area_and_says_what_is_missing() -> None:
    master = read_workbook(SAMPLE)
    card = copy.deepcopy(master.cards[0])
    card.area, card.changes = "", []
    assert collect.fill_identity(card, {"3-1": master.cards[0]}) == []
    assert card.area == "3. 일자리가 넘치는 경제도시"
    blank = copy.deepcopy(card)
    blank.id, blank.title = "", ""
    assert collect.fill_identity(blank, {}) == ["id", "title"]



def test_two_acceptances_at_once_leave_one_whole_master(office_master: Path, tmp_path: Path) -> None:
    import threading

    history = tmp_path / "history"
    original = office_master.read_bytes()
    cards = [_changed_card(office_master, 70), _changed_card(office_master, 90)]
    threads = [threading.Thread(target=collect.accept, args=(office_master, history, [(f"{n}.hwpx", card)]))
               for n, card in enumerate(cards)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final = read_workbook(office_master).cards[0].header.progress
    assert final in (70, 90)
    saved = sorted((history / v.name).read_bytes() for v in collect.versions(history))
    assert len(saved) == 2 and original in saved  # the second saw the first's master, not a mix
    other = (saved[0] if saved[1] == original else saved[1])
    assert read_workbook_bytes(other, tmp_path) == ({70, 90} - {final})


def read_workbook_bytes(data: bytes, folder: Path) -> set[int | None]:
    path = folder / "check.xlsx"
    path.write_bytes(data)
    return {card.header.progress for card in read_workbook(path).cards}


def test_collect_and_accept_a_card_printed_with_the_finance_total(tmp_path: Path) -> None:
    """The web's 취합: a card printed from a master whose 소요예산 comes from 재정계획 is shown without a
    소요예산 change, and accepting it leaves the cell empty (the total keeps following 재정계획)."""
    master = finance_workbook(tmp_path, FINANCE_ROWS)
    card = copy.deepcopy(read_workbook(master).cards[0])
    # 3-1: 국비 1,234.5 (whole term; its 2023 row of 600 is not counted) + 시·군·구비 5,000 + 6,110.5 = 12,345
    assert card.header.budget == "총 12,345백만원"
    card.header.progress = 35
    [found] = collect.collect_file(_hwpx_of(card, tmp_path), "3-1.hwpx", read_workbook(master))
    assert [(row.item, row.old, row.new) for row in found.changes] == [("추진율", "", "35%")]  # none before
    history = tmp_path / "history"
    accepted = collect.accept(master, history, [("3-1.hwpx", found.card)])
    sheet = openpyxl.load_workbook(master)["공약목록"]
    header = [cell.value for cell in sheet[1]]
    assert sheet.cell(2, header.index("소요예산") + 1).value is None
    assert accepted.book.cards[0].header.budget == "총 12,345백만원" and accepted.book.cards[0].header.progress == 35
