"""Import memory (issue 13): the workbook editor never holds a whole block of new rows as one tree,
and a sheet's scanned rows are kept compactly."""

from __future__ import annotations

import pytest
from lxml import etree
from test_workbook import full_card, settings

from reportgen.writers import xlsx_rows
from reportgen.writers.workbook import empty_workbook
from reportgen.writers.workbook_edit import merge_cards
from reportgen.writers.xlsx_package import Formula, ScannedRow, ScannedRows, SharedRef

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
