"""Where cell references go when rows (or columns) of a sheet are replaced, grown or shrunk.

An :class:`AxisMap` holds the edits of one axis of one sheet: each :class:`Edit`
replaces ``old`` rows starting at ``start`` by ``new`` rows. Row ``start + i``
of the block stays row ``i`` of the new block while ``i < new``; the rest of
the block is deleted, and everything below moves by ``new - old``. Ranges are
mapped end by end: a range that ends on the last old row of a block ends on the
last new row (it grows and shrinks with the block), and, when asked
(``extend``), a range that ends right above rows appended after the last data
row grows over them (autofilter, tables, print area, drop-downs).

:func:`shift_formula` applies the maps to every reference of a formula that
points into a mapped sheet, as Excel does when rows are inserted or deleted
(``$`` does not stop it); a single cell that was deleted becomes ``#REF!``.
:func:`shift_sqref` and :func:`shift_ref` do the same for the space-separated
ranges of ``sqref`` attributes and for ``ref`` attributes.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from openpyxl.formula.tokenizer import Token, Tokenizer, TokenizerError
from openpyxl.utils import column_index_from_string, get_column_letter

LAST_ROW, LAST_COLUMN = 1048576, 16384
REF_ERROR = "#REF!"

_CELL = re.compile(r"^(\$?)([A-Za-z]{1,3})(\$?)(\d+)$")
_COLUMN = re.compile(r"^(\$?)([A-Za-z]{1,3})$")
_ROW = re.compile(r"^(\$?)(\d+)$")


@dataclass(frozen=True)
class Edit:
    """``old`` rows (or columns) from ``start`` are replaced by ``new`` ones.

    ``append``: the block lies right below the last data row (new rows written
    over blank rows); ranges ending right above it may grow over it.
    ``kept``: how many of the old rows go on as the new rows at their place (None:
    as many as both have); a cell in any other old row is deleted.
    """

    start: int
    old: int
    new: int
    append: bool = False
    kept: int | None = None

    @property
    def continued(self) -> int:
        """The number of old rows that go on as new rows at their place."""
        both = min(self.old, self.new)
        return both if self.kept is None else min(self.kept, both)


@dataclass
class AxisMap:
    """Old row (column) numbers → new ones for a set of non-overlapping edits."""

    edits: list[Edit] = field(default_factory=list)
    limit: int = LAST_ROW

    def __post_init__(self) -> None:
        self.edits = sorted(self.edits, key=lambda e: e.start)
        self._starts = [edit.start for edit in self.edits]
        self._before: list[int] = []  # shift of everything above each edit
        shift = 0
        for edit in self.edits:
            self._before.append(shift)
            shift += edit.new - edit.old

    @property
    def identity(self) -> bool:
        """Nothing moves, nothing is deleted."""
        return all(edit.old == edit.new for edit in self.edits)

    def _edit_at(self, number: int) -> int:
        """Index of the last edit starting at or above ``number`` (-1 for none)."""
        return bisect.bisect_right(self._starts, number) - 1

    def point(self, number: int) -> int | None:
        """Where a cell in this row goes; None when its row was deleted."""
        index = self._edit_at(number)
        if index < 0:
            return number
        edit, before = self.edits[index], self._before[index]
        offset = number - edit.start
        if offset < edit.old:
            return edit.start + before + offset if offset < edit.continued else None
        moved = number + before + edit.new - edit.old
        return moved if moved <= self.limit else None

    def first(self, number: int) -> int:
        """Where a range starting on this row starts (after a deleted part: the row below it)."""
        index = self._edit_at(number)
        if index < 0:
            return number
        edit, before = self.edits[index], self._before[index]
        offset = number - edit.start
        if offset < edit.old:
            return edit.start + before + min(offset, edit.new)
        return min(number + before + edit.new - edit.old, self.limit)

    def last(self, number: int, extend: bool = False) -> int:
        """Where a range ending on this row ends (on a block's last old row: its last new row)."""
        if number >= self.limit:
            return self.limit
        if extend:
            appended = next((e for e in self.edits if e.append and e.start == number + 1), None)
            if appended is not None:
                return self.last(number) + appended.new
        index = self._edit_at(number)
        if index < 0:
            return number
        edit, before = self.edits[index], self._before[index]
        offset = number - edit.start
        if offset < edit.old:
            if offset == edit.old - 1 or offset >= edit.new:
                return edit.start + before + edit.new - 1
            return edit.start + before + offset
        return min(number + before + edit.new - edit.old, self.limit)

    def placed(self, start: int) -> int:
        """Where the new rows of the edit starting at ``start`` begin."""
        index = self._edit_at(start)
        while index > 0 and self.edits[index].start == self.edits[index - 1].start:
            index -= 1
        if index < 0 or self.edits[index].start != start:
            raise KeyError(start)
        return start + self._before[index]

    def span(self, low: int, high: int, extend: bool = False) -> tuple[int, int] | None:
        """A range low..high mapped; None when all of it was deleted.

        A range that starts where rows are appended (below the last data row) and goes
        on below takes them in: a drop-down over rows 2:1048576 of an empty sheet
        still starts at row 2."""
        new_low, new_high = self.first(low), self.last(high, extend)
        if high > low and any(edit.append and edit.start == low for edit in self.edits):
            new_low = self.placed(low)
        return (new_low, new_high) if new_low <= new_high else None


@dataclass
class SheetMaps:
    """The row and column maps of one sheet."""

    rows: AxisMap = field(default_factory=AxisMap)
    columns: AxisMap = field(default_factory=lambda: AxisMap(limit=LAST_COLUMN))

    @property
    def identity(self) -> bool:
        return self.rows.identity and self.columns.identity

    def cell(self, row: int, column: int) -> tuple[int, int] | None:
        new_row, new_column = self.rows.point(row), self.columns.point(column)
        return None if new_row is None or new_column is None else (new_row, new_column)


# ── A1 references ─────────────────────────────────────────────────────────
def _column_number(letters: str) -> int:
    return column_index_from_string(letters.upper())


def shift_ref(ref: str, maps: SheetMaps, extend: bool = False) -> str | None:
    """``A1``, ``A1:B2``, ``A:B`` or ``1:2`` (``$`` kept) mapped; None when deleted; unknown text as is."""
    low, colon, high = ref.partition(":")
    if not colon:
        cell = _CELL.match(ref)
        if cell is None:
            return ref
        moved = maps.cell(int(cell[4]), _column_number(cell[2]))
        if moved is None:
            return None
        return f"{cell[1]}{get_column_letter(moved[1])}{cell[3]}{moved[0]}"
    cells = _CELL.match(low), _CELL.match(high)
    if cells[0] and cells[1]:
        return _shift_area(cells[0], cells[1], maps, extend)
    columns = _COLUMN.match(low), _COLUMN.match(high)
    if columns[0] and columns[1]:
        span = maps.columns.span(_column_number(columns[0][2]), _column_number(columns[1][2]))
        if span is None:
            return None
        return f"{columns[0][1]}{get_column_letter(span[0])}:{columns[1][1]}{get_column_letter(span[1])}"
    rows = _ROW.match(low), _ROW.match(high)
    if rows[0] and rows[1]:
        span = maps.rows.span(int(rows[0][2]), int(rows[1][2]), extend)
        return None if span is None else f"{rows[0][1]}{span[0]}:{rows[1][1]}{span[1]}"
    return ref


def _shift_area(low: re.Match[str], high: re.Match[str], maps: SheetMaps, extend: bool) -> str | None:
    row_span = maps.rows.span(int(low[4]), int(high[4]), extend)
    column_span = maps.columns.span(_column_number(low[2]), _column_number(high[2]))
    if row_span is None or column_span is None:
        return None
    return (f"{low[1]}{get_column_letter(column_span[0])}{low[3]}{row_span[0]}:"
            f"{high[1]}{get_column_letter(column_span[1])}{high[3]}{row_span[1]}")


def shift_sqref(sqref: str, maps: SheetMaps, extend: bool = False) -> str:
    """A space-separated list of ranges mapped; deleted ranges are left out ("" when none is left)."""
    parts = (shift_ref(part, maps, extend) for part in sqref.split())
    return " ".join(part for part in parts if part)


def unquote_sheet(name: str) -> str:
    """``'공약 목록'`` → ``공약 목록`` (``''`` is a quote)."""
    if len(name) >= 2 and name[0] == name[-1] == "'":
        return name[1:-1].replace("''", "'")
    return name


# ── formulas ──────────────────────────────────────────────────────────────
def _shift_operand(value: str, own: str | None, maps: Mapping[str, SheetMaps], extend: bool) -> str:
    sheet, bang, ref = value.rpartition("!")
    if bang:
        if sheet.startswith("[") or ":" in sheet.strip("'"):
            return value  # another workbook, or a 3-D reference over several sheets
        target: str | None = unquote_sheet(sheet)
    else:
        target = own
    sheet_maps = maps.get(target) if target is not None else None
    if sheet_maps is None:
        return value
    moved = shift_ref(ref, sheet_maps, extend)
    return f"{sheet}{bang}{moved if moved is not None else REF_ERROR}"


def shift_formula(
    formula: str, own: str | None, maps: Mapping[str, SheetMaps], extend: bool = False
) -> str | None:
    """A formula (without ``=``) with its references into mapped sheets moved.

    ``own`` is the sheet a reference without a sheet name points into (None in
    defined names). None when the formula cannot be parsed (left to the caller).
    """
    try:
        tokens = Tokenizer("=" + formula).items
    except TokenizerError:
        return None
    out = []
    for token in tokens:
        if token.type == Token.OPERAND and token.subtype == Token.RANGE:
            out.append(_shift_operand(token.value, own, maps, extend))
        else:
            out.append(token.value)
    return "".join(out)

