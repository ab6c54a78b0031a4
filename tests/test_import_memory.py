"""Import memory (issue 13): the workbook editor never holds a whole block of new rows as one tree,
a sheet's scanned rows are kept compactly, and an import of thousands of card files holds one card
at a time (the cards and their rows wait on disk, in a spool)."""

from __future__ import annotations

import copy
import dataclasses
import tempfile
import tracemalloc
import weakref
from pathlib import Path

import pytest
from lxml import etree
from test_workbook import full_card, settings
from typer.testing import CliRunner

from reportgen import collect
from reportgen import model as m
from reportgen.cli import app
from reportgen.readers.text import read_text
from reportgen.readers.workbook import read_workbook
from reportgen.writers import workbook_edit, xlsx_rows
from reportgen.writers.text import render_text
from reportgen.writers.workbook import empty_workbook, write_workbook
from reportgen.writers.workbook_edit import merge_cards
from reportgen.writers.xlsx_package import Formula, ScannedRow, ScannedRows, SharedRef

CARD = Path(__file__).parent / "fixtures" / "3-1_2024-12_from-hwp.txt"
N = 20  # cards of the smaller import in the peak test (and 4N)
CARDS = 3  # full_card has 10 추진실적 lines: one appended block of 30 rows in that sheet


def _merged() -> bytes:
    cards = [(f"{i}.txt", full_card(f"3-{i}")) for i in range(1, CARDS + 1)]
    return merge_cards(empty_workbook(settings()), cards, "new.xlsx").data


def _largest_tree(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Rows in each tree the rewriter serializes (recorded while merging)."""
    sizes: list[int] = []
    inner = xlsx_rows._Wrapper.inner

    def counting(wrapper: etree._Element) -> bytes:
        sizes.append(len(wrapper))
        return inner(wrapper)

    monkeypatch.setattr(xlsx_rows._Wrapper, "inner", staticmethod(counting))
    return sizes


def test_new_rows_are_built_a_slice_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    whole = _merged()
    sizes = _largest_tree(monkeypatch)
    monkeypatch.setattr(xlsx_rows, "_BLOCK_ROWS", 4)
    sliced = _merged()
    assert max(sizes) == 4  # 30 추진실적 rows: 8 trees of at most 4 rows, not one of 30
    assert sizes.count(4) >= 7
    assert sliced == whole  # the same bytes whatever the slice


def test_one_row_slices_give_the_same_workbook(monkeypatch: pytest.MonkeyPatch) -> None:
    whole = _merged()
    monkeypatch.setattr(xlsx_rows, "_BLOCK_ROWS", 1)
    assert _merged() == whole


def test_scanned_rows_read_back_as_scanned() -> None:
    rows = ScannedRows()
    given = [ScannedRow(2, (SharedRef(7), "3-1"), False), ScannedRow(3, (None, "3-1"), True),
             ScannedRow(5, (Formula("#N/A"), "#N/A"), False), ScannedRow(9, (1, 1.0), False),
             ScannedRow(10, (SharedRef(0), 2.5), True)]
    for row in given:
        rows.append(row)
    back = list(rows)
    assert back == given
    assert [type(value) for row in back for value in row.keys] == [
        SharedRef, str, type(None), str, Formula, str, int, float, SharedRef, float]
    assert len(rows) == 5 and bool(rows) and not ScannedRows()


def test_a_repeated_key_text_is_kept_once() -> None:
    rows = ScannedRows()
    for number in range(2, 1002):
        rows.append(ScannedRow(number, ("".join(["3-", "1"]),), False))  # 1,000 equal texts, distinct objects
    assert rows.values == ["3-1"]
    assert len({id(row.keys[0]) for row in rows}) == 1


# ── thousands of cards: the merge holds one card at a time (issue 13's import row) ──────────


def test_spooled_rows_read_back_by_index_and_slice() -> None:
    with tempfile.TemporaryFile() as file:
        spool = workbook_edit._RowSpool(file)
        first = spool.put([["a", 1], ["b", 2], ["c", 3]])
        second = spool.put([["d", 4]])
        rows = workbook_edit._SpooledRows(spool, [5, 2], [(*first, 1, 3), (0, 0, 0, 0), (*second, 0, 1)])
        assert len(rows) == 3 and bool(rows)
        assert [row.values for row in rows] == [{5: "b", 2: 2}, {5: "c", 2: 3}, {5: "d", 2: 4}]
        assert rows[-1].values == {5: "d", 2: 4}
        assert [row.values for row in rows[1:3]] == [{5: "c", 2: 3}, {5: "d", 2: 4}]
        assert [row.values for row in rows[2:]] == [{5: "d", 2: 4}]
        assert len(rows[3:]) == 0 and not rows[1:1]
        with pytest.raises(IndexError):
            rows[3]


class _Tracked(m.Card):
    """A card that can be weakly referenced (a Card has slots)."""


class _Counted:
    """A CardSource that makes each card when asked and counts how many are alive at once."""

    def __init__(self, cards: list[tuple[str, m.Card]], previous: list[m.Card]):
        self.cards, self.old = cards, {m.fold(card.id): card for card in previous}
        self.made: list[weakref.ref[m.Card]] = []
        self.most = 0

    def infos(self) -> list[workbook_edit.CardInfo]:
        return [workbook_edit.CardInfo.of(source, card) for source, card in self.cards]

    def card(self, index: int) -> m.Card:
        given = self.cards[index][1]
        card = _Tracked(**{f.name: copy.deepcopy(getattr(given, f.name)) for f in dataclasses.fields(given)})
        self.made.append(weakref.ref(card))
        self.most = max(self.most, sum(made() is not None for made in self.made))
        return card

    def previous(self, card_id: str) -> m.Card | None:
        old = self.old.get(card_id)
        return copy.deepcopy(old) if old is not None else None


def _edited(card: m.Card) -> m.Card:
    card = copy.deepcopy(card)
    card.header.progress = 90
    card.bullets[m.GOAL].append(m.BulletLine(m.MARK_L1, "추가 목표"))
    return card


@pytest.mark.parametrize("in_place", [False, True])
def test_the_merge_takes_one_card_at_a_time_and_writes_what_the_list_merge_writes(in_place: bool) -> None:
    book = [full_card(f"3-{i}") for i in range(1, 7)]
    source = write_workbook(m.Workbook(settings(), book)) if in_place else empty_workbook(settings())
    cards = [(f"{card.id}.txt", _edited(card)) for card in book]
    previous = book if in_place else []
    counted = _Counted(cards, previous)
    spooled = workbook_edit.merge_source(source, counted, "master.xlsx")
    assert counted.most == 1  # six cards, never two alive at once
    listed = merge_cards(source, cards, "master.xlsx", previous)
    assert spooled.data == listed.data
    assert (spooled.replaced, spooled.added) == (listed.replaced, listed.added)
    assert len(spooled.replaced if in_place else spooled.added) == 6


def test_the_card_spool_gives_back_the_cards_it_took() -> None:
    old, new = full_card("3-1"), _edited(full_card("3-1"))
    with collect.CardSpool() as spool:
        spool.add_previous([old])
        spool.add("a.txt", new)
        assert spool.card(0) == new and spool.card(0) is not new
        assert spool.previous("3-1") == old and spool.previous("3-9") is None
        assert dict(spool) == {"3-1": old}
        assert spool.infos() == [workbook_edit.CardInfo("a.txt", "3-1", "추진 중", (2022, 2023, 2024, 2025, 2026))]


def _traced_peak(count: int, folder: Path) -> int:
    """tracemalloc's peak while ``reportgen import`` writes a new workbook of ``count`` card files (-j 1)."""
    base = read_text(CARD)
    paths = []
    for i in range(count):
        path = folder / f"{count}-{i}.txt"
        path.write_text(render_text(dataclasses.replace(base, id=f"3-{i + 1}", title=f"{base.title} {i + 1}")),
                        encoding="utf-8")
        paths.append(str(path))
    tracemalloc.start()
    try:
        done = CliRunner().invoke(app, ["import", *paths, "-o", str(folder / f"new-{count}.xlsx"), "-j", "1"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert done.exit_code == 0, done.output
    return peak


def test_importing_four_times_the_cards_peaks_a_few_kb_per_added_card(tmp_path: Path) -> None:
    _traced_peak(3, tmp_path)  # first-use costs (imports, caches) out of the measure
    few, many = _traced_peak(N, tmp_path), _traced_peak(4 * N, tmp_path)
    per_card = (many - few) / (3 * N)
    # the cards held while merged cost ~21 KB each (a card ~23 KB, its rows); now the spool's places,
    # the cards' infos and the written workbook's bytes: < 1 KB each
    assert per_card < 6 * 1024, f"{per_card / 1024:.1f} KB per added card"


def test_import_into_a_workbook_writes_what_the_merge_of_listed_cards_writes(tmp_path: Path) -> None:
    master = tmp_path / "master.xlsx"
    master.write_bytes(write_workbook(m.Workbook(settings(), [full_card(f"3-{i}") for i in range(1, 5)])))
    source = master.read_bytes()
    book = read_workbook(master).cards
    paths = []
    for card in book:
        paths.append(tmp_path / f"{card.id}.txt")
        paths[-1].write_text(render_text(_edited(card)), encoding="utf-8")
    known = {m.fold(card.id): card for card in book}
    cards = [(str(path), read_text(path)) for path in paths]
    for _, card in cards:
        collect.fill_identity(card, known)
    expected = merge_cards(source, cards, str(master), book).data
    done = CliRunner().invoke(app, ["import", *map(str, paths), "-o", str(master), "-j", "1"])
    assert done.exit_code == 0, done.output
    assert master.read_bytes() == expected != source
    assert "imported 4 card(s)" in done.output


def test_an_unchanged_card_without_rows_in_a_sheet_rewrites_no_sheet(monkeypatch: pytest.MonkeyPatch) -> None:
    """A card with no 변경이력 rows once added an empty block there, and every sheet of the workbook was
    rewritten (one card into a 5,000-card workbook: 284 MiB instead of 100)."""
    card = full_card("3-1")
    card.changes = []
    source = write_workbook(m.Workbook(settings(), [card, full_card("3-2")]))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "master.xlsx"
        path.write_bytes(source)
        previous = read_workbook(path).cards
    rewritten: list[str] = []
    real = workbook_edit.SheetRewriter

    def counting(data: bytes, part: str, *args: object) -> xlsx_rows.SheetRewriter:
        rewritten.append(part)
        return real(data, part, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(workbook_edit, "SheetRewriter", counting)
    result = merge_cards(source, [("3-1.txt", copy.deepcopy(previous[0]))], "master.xlsx", previous)
    assert rewritten == []
    assert result.data == source and result.replaced == [("3-1", "3-1.txt")]


def test_no_sheet_rewriter_is_alive_when_the_workbook_is_packed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A rewriter holds its whole sheet: the last one was kept by a name through the packing (in place,
    5,000 cards: 추진실적's 93 MB, 264 MiB peak instead of 213)."""
    made: list[weakref.ref[xlsx_rows.SheetRewriter]] = []
    alive: list[str] = []

    class Recorded(xlsx_rows.SheetRewriter):
        def __init__(self, data: bytes, part: str, *args: object) -> None:
            super().__init__(data, part, *args)  # type: ignore[arg-type]
            made.append(weakref.ref(self))

    real = workbook_edit.write_package

    def packing(package: object, changed: dict[str, object]) -> bytes:
        alive.extend(rewriter.part for ref in made if (rewriter := ref()) is not None)
        return real(package, changed)  # type: ignore[arg-type]

    monkeypatch.setattr(workbook_edit, "SheetRewriter", Recorded)
    monkeypatch.setattr(workbook_edit, "write_package", packing)
    merge_cards(empty_workbook(settings()), [(f"{i}.txt", full_card(f"3-{i}")) for i in range(1, 4)], "new.xlsx")
    assert made and alive == []
