"""Merge cards into an existing master workbook, editing the .xlsx in place (``reportgen import``).

The master workbook is the office's own document: :func:`merge_cards` changes
only the rows of the imported cards and keeps everything else — other sheets,
extra columns and their contents, comments, fills, widths, hidden rows, data
validations (x14 ones too), defined names, print settings, charts, pictures.
Every zip member that does not need to change is copied byte for byte (as it is
stored). No openpyxl book is built; memory follows the file (each sheet is held
as bytes while it is rewritten, its rows parsed a batch at a time), not the
number of imported cards: :func:`merge_source` loads the cards one at a time
from a :class:`CardSource` (``reportgen import`` keeps thousands of them on disk,
:class:`reportgen.collect.CardSpool`), writes each card's rows to a temporary file
as the plan is made and reads them back as the sheets are written; what is held
per card is its :class:`CardInfo` and where its rows are.

What changes:

* In each contract sheet (columns found by their header names, in any order,
  between the office's own columns) the rows of an imported card's 관리번호 are
  replaced by the card's rows at the place of its first old row; other rows of
  that 관리번호 are removed. A new card's rows are inserted below the last data
  row. Given the workbook's cards (``previous``), a card's old and new lines are
  matched one by one: lines that stay are not touched (their rows only move, with
  the office's cells, comments and heights), a line edited in place (its main text
  at least 60% alike) continues its old row, and only new lines get new rows. A
  new row keeps the row attributes (height, hidden, style) and the cells of the
  office's columns of the old row it continues — in 공약목록 the card's row keeps
  비고 and the like, with their styles. The rows of
  :func:`reportgen.writers.workbook.card_rows` are the only definition of what a
  card writes.
* New cells: text as inline strings (never a formula, ``=…`` stays text) with a
  Text-formatted style, numbers as numbers; the style is the old cell's, else the
  same column's in the nearest data row, else the column's default.
* Rows below a block that grew or shrank move, and so does everything that
  points at them: row and cell positions, the used range, merged cells,
  conditional formats and data validations (x14 too), hyperlinks, autofilter,
  page breaks, comments and their VML boxes, threaded comments, pictures and
  charts anchored to cells, tables, formulas in every sheet (shared formulas are
  written out per cell first), defined names (print areas/titles), chart series,
  pivot cache sources. A reference to a deleted cell becomes ``#REF!``; a range
  shrinks. Autofilter, tables, the used range, print area and data
  validations/formats over data rows grow over rows inserted below the last data
  row. Formulas get recalculated when the file is opened (``fullCalcOnLoad``).
* 소요예산: the reader gives a card whose 소요예산 cell is empty the 재정계획 total (``총 12,345백만원``).
  A card whose 소요예산 still reads that total (the card file was printed from the master) is
  written with the cell left empty, so that the figure keeps following 재정계획; any other
  소요예산 (``비예산``, another amount) is written as it is.
* A status not in 설정 상태 목록 is added there and to the 추진상황 drop-down
  (while that inline list fits in 255 characters); a status with a comma cannot be
  listed and is refused.
* Plan years: when the cards' 연차별 추진계획 years differ from the workbook's and
  연차별계획 has no data rows yet (a workbook just made by ``reportgen init``), the
  workbook adopts the cards' years (설정 임기 시작/종료 연도, the year headers; year
  columns are added or removed before 임기 후 when their number differs).
  Otherwise the card is refused.

Not adjusted: formulas in macro or dialog sheets, other workbooks that point
into this one, the layout of pivot tables (only their cache's source range moves),
chart caches and formulas' saved values (Excel recalculates on opening; the
charts refresh), ranges written in VBA. A cell formula that cannot be parsed is
left as it is (with a notice). Office cells and comments on rows that are removed (a
line the card no longer has) go with them; each such loss is one line of
:attr:`MergeResult.notices`, with the cell's value. Year columns cannot be added or removed in a
연차별계획 sheet holding an Excel table (refused, with the fix).

Errors: the card files' problems (a card the workbook cannot express, text no
cell can hold, a status with a comma, plan years unlike the workbook's) are one
:class:`~reportgen.errors.InputError` naming each card file; a workbook the editor
cannot take apart is an InputError naming the workbook. Nothing is returned then.
"""

from __future__ import annotations

import bisect
import difflib
import pickle
import posixpath
import tempfile
import zipfile
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import BinaryIO, Protocol, overload

from lxml import etree

from reportgen import model as m
from reportgen import workbook_contract as contract
from reportgen.errors import CardError, InputError, Problem
from reportgen.writers import xlsx_refs as refs
from reportgen.writers.workbook import SETTING_NOTES, card_rows, cell_text, text_fault
from reportgen.writers.xlsx_package import (
    Package,
    PackageProblem,
    SharedRef,
    SharedStrings,
    SheetScan,
    Styles,
    damaged,
    local,
    ns_of,
    parse,
    read_shared_strings,
    scan_sheet,
    serialize,
    write_package,
)
from reportgen.writers.xlsx_package import cell_text as scanned_text
from reportgen.writers.xlsx_rows import (
    FORMULA_TAG,
    Block,
    EditContext,
    NewRow,
    SheetJob,
    SheetRewriter,
    check_rows_fit,
    shift_comments,
    shift_drawing,
    shift_formulas_in,
    shift_table,
    shift_vml,
)
from reportgen.writers.zippack import Member

MAX_INLINE_LIST = 255  # Excel's limit for an inline drop-down list
_EXTENDED_NAMES = ("_xlnm._FilterDatabase", "_xlnm.Print_Area")
_WORKSHEET = "/worksheet"
#: what a damaged part can raise while it is taken apart
_DAMAGE = (ValueError, KeyError, IndexError, OverflowError, etree.LxmlError, zipfile.BadZipFile, OSError, EOFError)


@dataclass
class MergeResult:
    """The merged workbook and what the merge did."""

    data: bytes  # the new .xlsx
    replaced: list[tuple[str, str]] = field(default_factory=list)  # (관리번호, card file) already in the workbook
    added: list[tuple[str, str]] = field(default_factory=list)  # (관리번호, card file) new to the workbook
    notices: list[str] = field(default_factory=list)  # bilingual lines: statuses added, years adopted, losses
    cards: int = 0  # cards in 공약목록 afterwards


def merge_cards(xlsx: bytes, cards: Sequence[tuple[str, m.Card]], workbook: str = "workbook.xlsx",
                previous: Sequence[m.Card] = ()) -> MergeResult:
    """Merge ``cards`` — (card file, card) pairs — into the master workbook ``xlsx``, in place.

    ``workbook`` names the file in messages. Returns the new .xlsx bytes with what
    was done (:class:`MergeResult`); nothing is written here. ``reportgen import
    CARD… -o WORKBOOK`` uses it for an existing workbook and for a new one alike::

        source = (WORKBOOK.read_bytes() if WORKBOOK.exists()
                  else empty_workbook(settings_from_the_cards))
        result = merge_cards(source, [(str(path), card) for path, card in read], str(WORKBOOK))
        write_bytes_atomic(WORKBOOK, result.data)

    then says ``result.replaced`` (관리번호, card file) and ``result.notices``. A
    card whose 관리번호 comes twice: the later one wins (listed in ``replaced``).
    The workbook should be valid (``read_workbook``): this function checks only
    what it needs. Raises InputError (see the module docstring), never CardError.

    ``previous``: the workbook's cards as read (``read_workbook(WORKBOOK).cards``); only those
    of the 관리번호 of ``cards`` are used (:func:`reportgen.collect.replaced_cards` keeps just
    those, so that the caller need not hold the whole workbook). With
    them a replaced card's rows are matched line by line: lines that stay keep their
    rows — the office's cells, comments, heights — and only the lines that changed,
    came or went are edited. Without them the new rows take the old rows' places in order.
    They also tell which 소요예산 is the master's 재정계획 total (a card's whose cell is empty), which
    an imported card holding it does not type into the cell.

    Thousands of cards: :func:`merge_source` takes them from a :class:`CardSource` one at a time.
    """
    return merge_source(xlsx, ListedCards(cards, previous), workbook)


def merge_source(xlsx: bytes, cards: CardSource, workbook: str = "workbook.xlsx") -> MergeResult:
    """:func:`merge_cards` of the cards of ``cards``, loaded one at a time: each card's rows go to a
    temporary file as the plan is made and come back as the sheets are written, so that what is
    held per card is its :class:`CardInfo` and where its rows are (the same bytes as
    :func:`merge_cards` of the same cards)."""
    infos = cards.infos()
    chosen: dict[str, int] = {}
    for index, info in enumerate(infos):
        chosen[m.fold(info.id)] = index
    package: Package | None = None
    try:
        with tempfile.TemporaryFile(prefix="reportgen-rows-") as file:
            package = Package(xlsx)
            book = _read_book(package)
            plan = _Plan(book, cards, list(chosen.values()), _RowSpool(file))
            data = _apply(package, book, plan)
    except PackageProblem as exc:
        where = _sheet_named(package, exc.where)
        raise InputError(Problem(workbook, where, exc.ko, exc.en, exc.fix_ko, exc.fix_en)) from None
    except _DAMAGE as exc:  # a part whose content is not what its structure promised
        problem = damaged("", type(exc).__name__)
        raise InputError(Problem(workbook, "", problem.ko, problem.en, problem.fix_ko, problem.fix_en)) from None
    existing = set(book.sheets[contract.SHEET_CARDS].ids)
    result = MergeResult(data, notices=plan.notices, cards=len(existing | set(chosen)))
    seen = set(existing)
    for info in infos:
        known = m.fold(info.id) in seen
        (result.replaced if known else result.added).append((info.id, info.source))
        seen.add(m.fold(info.id))
    return result


# ── the cards, from a list or one at a time ───────────────────────────────
@dataclass(frozen=True)
class CardInfo:
    """What the merge plan needs of an imported card before its rows: where it came from, its
    관리번호, its 추진상황 and its plan years (None when it has no plan)."""

    source: str  # the card file
    id: str
    status: str
    years: tuple[int, ...] | None

    @classmethod
    def of(cls, source: str, card: m.Card) -> CardInfo:
        """The info of ``card`` read from ``source``."""
        years = tuple(card.annual_plan.years) if _has_plan(card) else None
        return cls(source, card.id, card.header.status, years)


class CardSource(Protocol):
    """The cards a merge takes, in input order, and the workbook's own cards they replace."""

    def infos(self) -> Sequence[CardInfo]:
        """Every card's info, in input order."""
        ...

    def card(self, index: int) -> m.Card:
        """The card of ``infos()[index]`` (loaded when asked; the merge asks once per card)."""
        ...

    def previous(self, card_id: str) -> m.Card | None:
        """The workbook's card of the folded 관리번호 ``card_id`` as read (None: unknown)."""
        ...


class ListedCards:
    """A :class:`CardSource` of cards held in lists (:func:`merge_cards`)."""

    def __init__(self, cards: Sequence[tuple[str, m.Card]], previous: Sequence[m.Card] = ()):
        self.cards = list(cards)
        self.old = {m.fold(card.id): card for card in previous}

    def infos(self) -> list[CardInfo]:
        return [CardInfo.of(source, card) for source, card in self.cards]

    def card(self, index: int) -> m.Card:
        return self.cards[index][1]

    def previous(self, card_id: str) -> m.Card | None:
        return self.old.get(card_id)


class PickleSpool:
    """Values pickled to a file one after another and read back by place (offset, length): what
    a merge of thousands of cards keeps on disk instead of in memory."""

    def __init__(self, file: BinaryIO):
        self.file = file
        self.end = 0

    def put(self, value: object) -> tuple[int, int]:
        """``value`` written; its (offset, length)."""
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        self.file.seek(self.end)
        self.file.write(data)
        place = (self.end, len(data))
        self.end += len(data)
        return place

    def load(self, offset: int, length: int) -> object:
        """The value written at ``offset``, read anew."""
        self.file.seek(offset)
        return pickle.loads(self.file.read(length))


class _RowSpool(PickleSpool):
    """A :class:`PickleSpool` of card rows; the last value read is kept (a sheet's rows are read
    in order, many from one card's list)."""

    def __init__(self, file: BinaryIO):
        super().__init__(file)
        self.last: tuple[int, object] = (-1, None)

    def get(self, offset: int, length: int) -> object:
        """The value written at ``offset``."""
        if self.last[0] != offset:
            self.last = (offset, self.load(offset, length))
        return self.last[1]


#: a run of spooled rows: (offset, length) of a card's list of rows in one sheet, and the slice of it
_Piece = tuple[int, int, int, int]


class _SpooledRows(Sequence[NewRow]):
    """A block's new rows, read back from the spool as they are written (``Block.rows``): runs of
    card rows (:data:`_Piece`), each row made a :class:`NewRow` with the sheet's ``positions``."""

    __slots__ = ("positions", "pieces", "spool", "starts", "total")

    def __init__(self, spool: _RowSpool, positions: list[int], pieces: Sequence[_Piece]):
        self.spool, self.positions = spool, positions
        self.pieces = tuple(piece for piece in pieces if piece[3] > piece[2])
        starts, total = [], 0
        for piece in self.pieces:
            starts.append(total)
            total += piece[3] - piece[2]
        self.starts, self.total = tuple(starts), total

    def __len__(self) -> int:
        return self.total

    @overload
    def __getitem__(self, index: int) -> NewRow: ...

    @overload
    def __getitem__(self, index: slice) -> _SpooledRows: ...

    def __getitem__(self, index: int | slice) -> NewRow | _SpooledRows:
        if isinstance(index, slice):
            return self._slice(*index.indices(self.total))
        if index < 0:
            index += self.total
        if not 0 <= index < self.total:
            raise IndexError(index)
        k = bisect.bisect_right(self.starts, index) - 1
        offset, length, first, _ = self.pieces[k]
        rows = self.spool.get(offset, length)
        assert isinstance(rows, list)
        return NewRow(dict(zip(self.positions, rows[first + index - self.starts[k]], strict=True)))

    def _slice(self, start: int, stop: int, step: int) -> _SpooledRows:
        if step != 1:
            raise ValueError("step")
        pieces = []
        for begin, (offset, length, first, end) in zip(self.starts, self.pieces, strict=True):
            low, high = max(start - begin, 0), min(stop - begin, end - first)
            if low < high:
                pieces.append((offset, length, first + low, first + high))
        return _SpooledRows(self.spool, self.positions, pieces)


def _sheet_named(package: Package | None, part: str) -> str:
    """A sheet's part named by the sheet too: ``추진실적 (xl/worksheets/sheet6.xml)``."""
    names = {target: name for name, target in package.sheet_parts.items()} if package is not None else {}
    return f"{names[part]} ({part})" if part in names else part


# ── the workbook as the editor sees it ────────────────────────────────────
@dataclass
class _Sheet:
    """A contract sheet: its name in the file, part, contract columns and rows by 관리번호."""

    name: str
    part: str
    columns: dict[str, int]  # contract column → column number (1-based)
    scan: SheetScan
    years: list[tuple[int, int]] = field(default_factory=list)  # 연차별계획: (year, column)
    ids: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # folded 관리번호 → its rows' runs
    data_rows: Sequence[int] = field(default_factory=list)  # non-blank rows below the header (an array)
    no_budget: set[str] = field(default_factory=set)  # 공약목록: folded 관리번호 whose 소요예산 cell is empty


@dataclass
class _Book:
    package: Package
    sheets: dict[str, _Sheet]  # contract sheet name → sheet
    settings: dict[str, tuple[int, object]]  # 설정 key → (row, value)
    strings: SharedStrings

    def text(self, value: object) -> str:
        return scanned_text(value, self.strings)


def _locate(package: Package) -> dict[str, tuple[str, str]]:
    """Contract sheet → (its name in the file, its part); missing or doubled sheets are refused."""
    found: dict[str, list[tuple[str, str]]] = {}
    worksheets = {target for kind, target in package.workbook_rels.values() if kind.endswith(_WORKSHEET)}
    for name, part in package.sheet_parts.items():
        if m.fold(name) in contract.SHEETS and part in worksheets:
            found.setdefault(m.fold(name), []).append((name, part))
    located = {}
    for name in contract.SHEETS:
        places = found.get(name, [])
        if len(places) > 1:
            raise PackageProblem(name, f"'{name}' 시트가 {len(places)}개 있습니다", f"there are {len(places)} sheets named '{name}'",
                                 "하나만 남기고 지우거나 이름을 바꾸세요", "delete or rename all but one of them")
        if not places and name not in contract.OPTIONAL_SHEETS:
            raise PackageProblem(name, f"'{name}' 시트가 없습니다", f"the sheet '{name}' is missing",
                                 f"'{name}' 시트를 추가하세요 ('reportgen init'으로 만든 양식 참고)",
                                 f"add the sheet '{name}' (see the template made by 'reportgen init')")
        if places:
            located[name] = places[0]
    return located


def _read_book(package: Package) -> _Book:
    located = _locate(package)
    headers = {name: scan_sheet(package, part, (), SharedStrings(), header_only=True)
               for name, (_, part) in located.items()}
    wanted = {value.index for scan in headers.values() for value in scan.header.values()
              if isinstance(value, SharedRef)}
    strings = read_shared_strings(package, wanted)
    sheets, keys = {}, {}
    for name, (exact, part) in located.items():
        header = {column: scanned_text(value, strings) for column, value in headers[name].header.items()}
        columns, years = _columns(name, header)
        key_columns = _key_columns(name, columns)
        read = frozenset(key_columns) | frozenset(columns.values()) | frozenset(column for _, column in years)
        sheets[name] = _Sheet(exact, part, columns, scan_sheet(package, part, key_columns, strings, read), years)
        if name != contract.SHEET_SETTINGS:
            keys[name] = _KeyRows.of(sheets[name].scan, strings)  # the scan's rows let go, sheet by sheet
    keys_wanted = {token for rows in keys.values() for column in rows.keys for token in column
                   if isinstance(token, int)}
    keys_wanted |= {value.index for row in sheets[contract.SHEET_SETTINGS].scan.rows for value in row.keys
                    if isinstance(value, SharedRef)}
    strings.texts.update(read_shared_strings(package, keys_wanted).texts)
    book = _Book(package, sheets, {}, strings)
    for name, rows in keys.items():
        _index_rows(strings, sheets[name], rows)
    book.settings = _settings(book)
    return book


@dataclass
class _KeyRows:
    """The non-blank data rows of a scanned sheet, compactly: their numbers, and per key column
    each row's shared-string number (an int, its text read later) or its text (a str).

    A scanned row costs some 250 bytes (row, tuple, shared-string reference); this some 50: at
    5,000 cards the 300,000 rows of the contract sheets took 60 MiB while the others were scanned.
    """

    numbers: array = field(default_factory=lambda: array("q"))
    keys: list[list[int | str]] = field(default_factory=list)

    @classmethod
    def of(cls, scan: SheetScan, strings: SharedStrings) -> _KeyRows:
        """The key rows of ``scan``, whose rows are let go."""
        rows = cls()
        for row in scan.rows:
            if row.blank:
                continue
            if not rows.keys:
                rows.keys = [[] for _ in row.keys]
            rows.numbers.append(row.number)
            for column, value in zip(rows.keys, row.keys, strict=True):
                column.append(value.index if isinstance(value, SharedRef) else scanned_text(value, strings))
        scan.rows = []
        return rows


def _key_columns(name: str, columns: dict[str, int]) -> tuple[int, ...]:
    """The columns whose values the scan keeps: 설정's key and value; 관리번호 (and in 공약목록 소요예산)."""
    if name == contract.SHEET_SETTINGS:
        return 1, 2
    if name == contract.SHEET_CARDS:
        return columns[contract.COL_ID], columns[contract.COL_BUDGET]
    return (columns[contract.COL_ID],)


def _columns(name: str, header: dict[int, str]) -> tuple[dict[str, int], list[tuple[int, int]]]:
    """Contract column → number (first header cell with its name), and the year columns of 연차별계획."""
    if name == contract.SHEET_SETTINGS:
        return {}, []
    found: dict[str, int] = {}
    for column, text in sorted(header.items()):
        found.setdefault(contract.name_key(text), column)
    wanted = contract.SHEET_COLUMNS[name]
    missing = [col for col in wanted if contract.name_key(col) not in found]
    if missing:
        listed = ", ".join(f"'{col}'" for col in missing)
        raise PackageProblem(f"{name}!1:1", f"{listed} 열이 없습니다", f"the column(s) {listed} are missing",
                             f"1행(머리글)에 {listed} 열을 추가하세요", f"add columns headed {listed} in row 1")
    columns = {col: found[contract.name_key(col)] for col in wanted}
    years = []
    if name == contract.SHEET_PLAN:
        for column, text in sorted(header.items()):
            match = contract.YEAR_HEADER.match(text.replace(" ", ""))
            if match and 1900 <= int(match[1]) <= 2200:
                years.append((int(match[1]), column))
    return columns, years


def _index_rows(strings: SharedStrings, sheet: _Sheet, rows: _KeyRows) -> None:
    """Rows by 관리번호, and the data rows (in 공약목록 also which have 소요예산 empty)."""
    def text(token: int | str) -> str:
        return strings.texts.get(token, "").strip() if isinstance(token, int) else token

    budgets = rows.keys[1] if len(rows.keys) > 1 else None
    sheet.data_rows = rows.numbers
    for position, number in enumerate(rows.numbers):
        card_id = m.fold(text(rows.keys[0][position]))
        if card_id:
            _add_row(sheet.ids.setdefault(card_id, []), number)
            if budgets is not None and not text(budgets[position]).strip():
                sheet.no_budget.add(card_id)


def _add_row(runs: list[tuple[int, int]], number: int) -> None:
    """Row ``number`` (after those of ``runs``) added to the (first, count) runs of consecutive rows."""
    if runs and runs[-1][0] + runs[-1][1] == number:
        runs[-1] = (runs[-1][0], runs[-1][1] + 1)
    else:
        runs.append((number, 1))


def _settings(book: _Book) -> dict[str, tuple[int, object]]:
    """설정 key → (row, value in column B); keys in column A anywhere (the last one counts)."""
    sheet = book.sheets[contract.SHEET_SETTINGS]
    keys = {contract.name_key(key): key for key in contract.SETTING_KEYS}
    found: dict[str, tuple[int, object]] = {}
    rows = [(1, (sheet.scan.header.get(1), sheet.scan.header.get(2)))]
    rows += [(row.number, row.keys) for row in sheet.scan.rows]
    for number, (key, value) in rows:
        name = keys.get(contract.name_key(book.text(key)))
        if name:
            found[name] = (number, value)
    sheet.data_rows = [row.number for row in sheet.scan.rows if not row.blank]
    return found


def _year_value(text: str) -> int | None:
    match = contract.YEAR_HEADER.match(text.replace(" ", ""))
    return int(match[1]) if match else None


# ── the plan ──────────────────────────────────────────────────────────────
class _Plan:
    """Every edit of the merge, worked out (and every problem found) before anything is written."""

    def __init__(self, book: _Book, source: CardSource, chosen: list[int], spool: _RowSpool):
        infos = source.infos()
        self.book, self.source, self.spool = book, source, spool
        self.cards = [(index, infos[index]) for index in chosen]
        self.notices: list[str] = []
        self.problems: list[Problem] = []
        self.adopted: list[int] | None = None
        self.refused: set[str] = set()  # card files already reported
        self.blocks: dict[str, list[Block]] = {name: [] for name in book.sheets}
        self.columns: dict[str, frozenset[int]] = {}  # contract sheet → the columns a card row writes
        self.column_edits: list[refs.Edit] = []
        self.years = self._years()
        self.statuses = self._statuses()
        rows = self._card_rows()
        if self.problems:
            raise InputError(self.problems)
        self._year_edits()
        self._status_edits()
        self._card_blocks(rows)

    # -- plan years --
    def _workbook_years(self) -> list[int]:
        book = self.book
        start = _year_value(book.text(book.settings.get(contract.KEY_TERM_START, (0, None))[1]))
        end = _year_value(book.text(book.settings.get(contract.KEY_TERM_END, (0, None))[1]))
        if start is not None and end is not None and start <= end:
            return list(range(start, end + 1))
        return [year for year, _ in book.sheets[contract.SHEET_PLAN].years]

    def _years(self) -> list[int]:
        """The plan years the cards are written with (the workbook's, or the cards' when adopted)."""
        current = self._workbook_years()
        wanted = [(info.source, list(info.years)) for _, info in self.cards if info.years is not None]
        differing = [(source, years) for source, years in wanted if years != current]
        if not differing:
            return current
        first = differing[0][1]
        adoptable = (not self.book.sheets[contract.SHEET_PLAN].data_rows
                     and all(years == first for _, years in wanted)
                     and first == list(range(first[0], first[0] + len(first))))
        if adoptable:
            self.adopted = first
            return first
        for source, years in differing:
            self.problems.append(_years_problem(source, years, current))
            self.refused.add(source)
        return current

    def _year_edits(self) -> None:
        if self.adopted is None:
            return
        book, years = self.book, self.adopted
        plan = book.sheets[contract.SHEET_PLAN]
        old = plan.years
        first = old[0][1] if old else plan.columns[contract.COL_AFTER_TERM]
        if len(old) != len(years):
            if book.package.related(plan.part, "table"):
                raise PackageProblem(f"{plan.name}", "연차별계획 시트에 표(테이블)가 있어 연도 열 수를 바꿀 수 없습니다",
                                     "the 연차별계획 sheet holds a table, so its number of year columns cannot change",
                                     "표를 범위로 변환한 뒤 다시 가져오세요", "convert the table to a range and import again")
            self.column_edits.append(refs.Edit(first, len(old), len(years)))
        template = plan.scan.header_styles.get(old[-1][1]) if old else None
        year_columns = self._year_columns()
        styles = {year_columns[i]: template for i in range(len(old), len(years)) if template is not None}
        values = {column: f"{year}{contract.YEAR_SUFFIX}" for column, year in zip(year_columns, years, strict=True)}
        self.blocks[contract.SHEET_PLAN].append(
            Block(1, 1, [NewRow(values, styles)], frozenset(values), label="years", quiet=True))
        self._setting(contract.KEY_TERM_START, years[0], only_if_set=True)
        self._setting(contract.KEY_TERM_END, years[-1], only_if_set=True)
        span = f"{years[0]}~{years[-1]}"
        was = f"{old[0][0]}~{old[-1][0]}" if old else "-"
        self.notices.append(f"연차별계획의 연도를 카드에 맞춰 {was}에서 {span}(으)로 바꿨습니다 (설정의 임기 연도도) / "
                            f"the plan years were changed from {was} to {span} to match the cards (and the term in 설정)")

    def _setting(self, key: str, value: object, only_if_set: bool = False) -> None:
        """Write a 설정 value in column B of its key's row (a new row when the key is missing)."""
        book = self.book
        place = book.settings.get(key)
        if place is None:
            if only_if_set:
                return
            sheet = book.sheets[contract.SHEET_SETTINGS]
            last = sheet.data_rows[-1] if sheet.data_rows else 1
            row = NewRow({1: key, 2: value, 3: SETTING_NOTES.get(key, "")})
            self.blocks[contract.SHEET_SETTINGS].append(Block(last + 1, 0, [row], frozenset({1, 2, 3}), append=True))
            return
        if only_if_set and not book.text(place[1]):
            return
        self.blocks[contract.SHEET_SETTINGS].append(Block(place[0], 1, [NewRow({2: value})], frozenset({2})))

    # -- statuses --
    def _statuses(self) -> list[str]:
        """Statuses of the cards missing from 설정 상태 목록 (a status with a comma is a problem)."""
        book = self.book
        listed = contract.split_list(book.text(book.settings.get(contract.KEY_STATUSES, (0, None))[1]))
        self.listed = listed or list(m.DEFAULT_STATUSES)
        known = {m.label_key(status) for status in self.listed}
        added = []
        for _, info in self.cards:
            status = m.fold(info.status)
            if not status or m.label_key(status) in known:
                continue
            if contract.LIST_SEPARATOR in status or "\n" in status:
                self.problems.append(_status_problem(info.source, status))
                continue
            known.add(m.label_key(status))
            added.append(status)
        return added

    def _status_edits(self) -> None:
        if not self.statuses:
            return
        book = self.book
        written = book.text(book.settings.get(contract.KEY_STATUSES, (0, None))[1])
        self._setting(contract.KEY_STATUSES, ", ".join([written or ", ".join(self.listed), *self.statuses]))
        listed = ", ".join(self.statuses)
        self.notices.append(f"설정의 상태 목록에 '{listed}'을(를) 더했습니다 / added '{listed}' to 설정 상태 목록")

    # -- the cards' rows --
    def _card_rows(self) -> list[_CardRows]:
        """Where the rows of every card went in the spool, one card loaded at a time; problems collected."""
        found = []
        for index, info in self.cards:
            if info.source not in self.refused:
                spooled = self._card_rows_of(index, info.source)
                if spooled is not None:
                    found.append(spooled)
        return found

    def _card_rows_of(self, index: int, source: str) -> _CardRows | None:
        """One card loaded, its rows (and its old card's) written to the spool; None with its problem."""
        card = self.source.card(index)
        card_id = m.fold(card.id)
        old = self.source.previous(card_id)
        total = self._total(card_id, old)
        try:
            rows = _written_rows(self._as_written(card, total), self.years)
        except CardError as exc:
            ko, _, en = str(exc).partition(" / ")
            self.problems.append(Problem(
                source, "", f"{_REFUSED_KO}: {ko}", f"{_REFUSED_EN}: {en or ko}",
                "카드 파일에서 그 부분을 고친 뒤 다시 가져오세요", "correct that part of the card file and import again"))
            return None
        if not self._text_ok(source, rows):
            return None
        return _CardRows(source, card_id, self._spooled(rows), self._old_lines(old, total))

    def _spooled(self, rows: dict[str, list[list[object]]]) -> dict[str, _Piece]:
        """Each sheet's rows of a card written to the spool: sheet → the piece of all of them."""
        pieces = {}
        for name, sheet_rows in rows.items():
            offset, length = self.spool.put(sheet_rows) if sheet_rows else (0, 0)
            pieces[name] = (offset, length, 0, len(sheet_rows))
        return pieces

    def _old_lines(self, old: m.Card | None, total: str) -> tuple[int, int] | None:
        """Where in the spool the rows the workbook's own card has in each sheet went, as the writer
        would write them (None when unknown or not writable under the new years)."""
        if old is None:
            return None
        try:
            return self.spool.put(_written_rows(self._as_written(old, total), self.years))
        except CardError:
            return None

    def _total(self, card_id: str, old: m.Card | None) -> str:
        """The 소요예산 the master's 재정계획 gives the card: the reader fills an empty 소요예산 cell with
        the 재정계획 total (``총 12,345백만원``), so the master's card (``old``, as read) whose cell is
        empty and whose 소요예산 is not holds that total ("" for none)."""
        if old is None or card_id not in self.book.sheets[contract.SHEET_CARDS].no_budget:
            return ""
        return old.header.budget

    @staticmethod
    def _as_written(card: m.Card, total: str) -> m.Card:
        """The card as its rows go into the master: a 소요예산 that reads as the master's 재정계획
        total for the card (compared without spaces) is left empty, so that it keeps following 재정계획."""
        if total and m.label_key(card.header.budget) == m.label_key(total):
            return replace(card, header=replace(card.header, budget=""))
        return card

    def _text_ok(self, source: str, rows: dict[str, list[list[object]]]) -> bool:
        for name, sheet_rows in rows.items():
            columns = self._names(name)
            for row in sheet_rows:
                for column, value in zip(columns, row, strict=False):
                    fault = text_fault(value) if isinstance(value, str) else None
                    if fault:
                        self.problems.append(_text_problem(source, name, column, value, fault))
                        return False
        return True

    def _names(self, name: str) -> list[str]:
        if name == contract.SHEET_PLAN:
            columns = contract.SHEET_COLUMNS[name]
            return [*columns[:-1], *(f"{y}{contract.YEAR_SUFFIX}" for y in self.years), columns[-1]]
        return list(contract.SHEET_COLUMNS[name])

    # -- blocks --
    def _year_columns(self) -> list[int]:
        """The 연차별계획 year columns after the column edits."""
        plan = self.book.sheets[contract.SHEET_PLAN]
        if plan.years and not self.column_edits:
            return [column for _, column in plan.years]
        first = plan.years[0][1] if plan.years else plan.columns[contract.COL_AFTER_TERM]
        return [first + i for i in range(len(self.years))]

    def _positions(self, name: str) -> list[int]:
        """Where each value of a card row goes (column numbers after the column edits)."""
        sheet = self.book.sheets[name]
        if name != contract.SHEET_PLAN:
            return [sheet.columns[col] for col in contract.SHEET_COLUMNS[name]]
        columns = refs.AxisMap(list(self.column_edits), refs.LAST_COLUMN)
        fixed = [columns.point(sheet.columns[col]) or 0 for col in contract.SHEET_COLUMNS[name]]
        return [*fixed[:-1], *self._year_columns(), fixed[-1]]

    def _card_blocks(self, cards: list[_CardRows]) -> None:
        """The blocks of every card in every contract sheet, in card order; the rows of cards new to
        a sheet go in one block below its last data row."""
        names = [name for name in self.book.sheets if name != contract.SHEET_SETTINGS]
        positions = {name: self._positions(name) for name in names}
        self.columns = {name: frozenset(positions[name]) for name in names}
        appended: dict[str, list[_Piece]] = {name: [] for name in names}
        for card in cards:
            olds = None
            for name in names:
                piece = card.pieces.get(name, (0, 0, 0, 0))
                runs = self.book.sheets[name].ids.get(card.id, [])
                if not runs:
                    if piece[3]:  # a card with no rows in a sheet adds no block there
                        appended[name].append(piece)
                    continue
                if olds is None and card.old is not None:
                    olds = self.spool.get(*card.old)
                old_lines = olds.get(name, []) if isinstance(olds, dict) else None
                self._sheet_blocks(name, card, runs, old_lines, _SpooledRows(self.spool, positions[name], [piece]))
        for name in names:
            if appended[name]:
                sheet = self.book.sheets[name]
                last = sheet.data_rows[-1] if sheet.data_rows else 1
                rows = _SpooledRows(self.spool, positions[name], appended[name])
                self.blocks[name].append(Block(last + 1, 0, rows, self.columns[name], append=True))

    def _sheet_blocks(self, name: str, card: _CardRows, runs: list[tuple[int, int]],
                      old_lines: list[list[object]] | None, rows: _SpooledRows) -> None:
        """The blocks of a card already in sheet ``name`` (its rows in ``runs``): line by line when its
        old lines are known and are those rows, else its new rows in place of its first run."""
        columns = self.columns[name]
        label = f"{card.id} ({card.source})"
        if len(runs) == 1 and old_lines is not None and len(old_lines) == runs[0][1]:
            new = self.spool.get(*card.pieces[name][:2]) if len(rows) else []
            assert isinstance(new, list)
            self.blocks[name] += _aligned_blocks(runs[0][0], old_lines, new, rows, columns, label)
            return
        self.blocks[name].append(Block(runs[0][0], runs[0][1], rows, columns, label=label))
        self.blocks[name] += [Block(start, count, [], columns, label=label) for start, count in runs[1:]]

    def job(self, name: str) -> SheetJob | None:
        """The job of a contract sheet (None when it does not change)."""
        blocks = self.blocks[name]
        column_edits = self.column_edits if name == contract.SHEET_PLAN else []
        if not blocks and not column_edits:
            return None
        sheet = self.book.sheets[name]
        maps = refs.SheetMaps(refs.AxisMap([b.edit for b in blocks]),
                              refs.AxisMap(list(column_edits), refs.LAST_COLUMN))
        status_column = sheet.columns.get(contract.COL_STATUS) if name == contract.SHEET_CARDS else None
        return SheetJob(blocks, maps, sheet.data_rows, sheet.scan.numbers, status_column, self.statuses)


@dataclass(frozen=True)
class _CardRows:
    """A card of the plan without the card: its file, folded 관리번호, where its rows of each sheet
    went in the spool, and where the workbook's own card's rows went (None: not in the workbook)."""

    source: str
    id: str
    pieces: dict[str, _Piece]
    old: tuple[int, int] | None


def _written_rows(card: m.Card, years: list[int]) -> dict[str, list[list[object]]]:
    """:func:`reportgen.writers.workbook.card_rows` with each text as a cell holds it."""
    return {name: [[_cell_value(value) for value in row] for row in sheet_rows]
            for name, sheet_rows in card_rows(card, years).items()}


def _aligned_blocks(start: int, old: list[list[object]], new: list[list[object]], rows: Sequence[NewRow],
                    columns: frozenset[int], label: str) -> list[Block]:
    """The edits that turn a card's ``old`` lines (sheet rows from ``start``) into its ``new``
    ones, line by line: lines that stay are not edited (their rows only move), the others
    are replaced, inserted or removed where they are.

    Where lines were replaced, a new line continues the old one at its place (keeping the
    office's cells beside it) only while the two read alike (:func:`_same_line`); the
    other old lines go, with a notice for each office cell lost. A line added after the
    card's last line is written with that last line (one block from its row), so that no
    block starts on the first row of the next card; when lines were also added just before
    that last line, the two are one block (two blocks from one row would put two rows at
    one place: a workbook `check` refuses).
    """
    opcodes = difflib.SequenceMatcher(None, [tuple(r) for r in old], [tuple(r) for r in new],
                                      autojunk=False).get_opcodes()
    blocks: list[Block] = []
    firsts: list[int] = []  # each block's first new line
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            continue
        if tag == "insert" and i1 == len(old) and i1 > 0:
            i1, j1 = i1 - 1, j1 - 1
            if blocks and blocks[-1].start == start + i1:  # lines inserted just before the last line
                blocks.pop()
                j1 = firsts.pop()
        kept = next((k for k, (a, b) in enumerate(zip(old[i1:i2], new[j1:j2], strict=False))
                     if not _same_line(a, b)), min(i2 - i1, j2 - j1))
        blocks.append(Block(start + i1, i2 - i1, rows[j1:j2], columns, label=label, kept=kept))
        firsts.append(j1)
    return blocks


def _same_line(old: list[object], new: list[object]) -> bool:
    """Two rows are one line edited when their main text — the old row's longest cell (내용 in
    추진실적 and 내용) — and the same cell of the new row are at least 60% alike."""
    texts = [("" if a is None else str(a), "" if b is None else str(b)) for a, b in zip(old, new, strict=False)]
    main_old, main_new = max(texts, key=lambda pair: len(pair[0]), default=("", ""))
    return difflib.SequenceMatcher(None, main_old, main_new, autojunk=False).ratio() >= 0.6


def _has_plan(card: m.Card) -> bool:
    plan = card.annual_plan
    return bool(plan.rows or plan.targets or plan.after_term_target is not None)


def _cell_value(value: object) -> object:
    return cell_text(value) if isinstance(value, str) else value


def _span(years: list[int]) -> str:
    return f"{years[0]}~{years[-1]}" if years else "(없음 / none)"


_REFUSED_KO, _REFUSED_EN = "이 카드는 워크북에 쓸 수 없습니다", "this card cannot be written to the workbook"


def _years_problem(source: str, years: list[int], current: list[int]) -> Problem:
    return Problem(
        source, "",
        f"{_REFUSED_KO}: 연차별 추진계획의 연도({_span(years)})가 워크북의 연도({_span(current)}, 설정의 임기와 "
        "연차별계획의 연도 열)와 다릅니다",
        f"{_REFUSED_EN}: its plan years ({_span(years)}) differ from the workbook's ({_span(current)}: the term in "
        "설정 and the year columns of 연차별계획)",
        "카드의 연차별 추진계획 연도를 워크북에 맞추거나, 이 임기의 카드는 새 워크북(reportgen init)에 가져오세요",
        "make the card's plan years those of the workbook, or import the cards of this term into a new workbook "
        "(reportgen init)")


def _status_problem(source: str, status: str) -> Problem:
    return Problem(
        source, "",
        f"{_REFUSED_KO}: 추진상황 '{status}'에 쉼표(또는 줄바꿈)가 있어 설정의 상태 목록(쉼표로 구분)에 넣을 수 없습니다",
        f"{_REFUSED_EN}: the status '{status}' holds a comma (or a line break), so it cannot be listed in "
        "설정 상태 목록 (a comma-separated list)",
        "카드의 추진상황에서 쉼표를 빼세요 (예: '추진 중')", "remove the comma from the card's 추진상황 (e.g. '추진 중')")


def _text_problem(source: str, sheet: str, column: str, value: str, fault: tuple[str, str]) -> Problem:
    shown = value[:30].encode("unicode_escape", "backslashreplace").decode("ascii", "replace") \
        if not value[:30].isprintable() else value[:30]
    return Problem(
        source, "",
        f"{_REFUSED_KO}: {sheet} 시트 '{column}' 칸에 쓸 내용 '{shown}…': {fault[0]}",
        f"{_REFUSED_EN}: the text for '{column}' in the sheet {sheet} ('{shown}…'): {fault[1]}",
        "카드 파일에서 그 글자를 지우거나 내용을 줄이세요", "remove that character or shorten the text in the card file")


# ── writing ───────────────────────────────────────────────────────────────
def _shared_text(package: Package, strings: SharedStrings) -> Callable[[int], str]:
    """A shared string's text for a notice, read when first asked for (notices are few)."""
    def text(index: int) -> str:
        if index not in strings.texts:
            strings.texts.update(read_shared_strings(package, {index}).texts)
        return strings.texts.get(index, "")
    return text


class _KnownStyles(Styles):
    """:class:`~reportgen.writers.xlsx_package.Styles` answering ``text`` and ``number`` once per
    style: the answer for a style never changes (variants are only ever appended, and a variant
    made once is found again), and working it out copies and canonicalises the format's XML —
    10 of the 20 s that 1,000 new cards took to merge, asked 300,000 times about a few styles."""

    def __init__(self, package: Package):
        super().__init__(package)
        self._known: dict[tuple[str, int], int] = {}

    def text(self, index: int) -> int:
        return self._remembered("text", index, super().text)

    def number(self, index: int) -> int:
        return self._remembered("number", index, super().number)

    def _remembered(self, kind: str, index: int, work_out: Callable[[int], int]) -> int:
        key = (kind, index)
        if key not in self._known:
            self._known[key] = work_out(index)
        return self._known[key]


def _apply(package: Package, book: _Book, plan: _Plan) -> bytes:
    styles = _KnownStyles(package)
    jobs = {name: job for name in book.sheets if (job := plan.job(name)) is not None}
    maps = {book.sheets[name].name: job.maps for name, job in jobs.items()
            if not job.maps.identity or any(edit.append for edit in job.maps.rows.edits)}
    ctx = EditContext(maps, styles, plan.notices, MAX_INLINE_LIST, _shared_text(package, book.strings))
    if not jobs:
        return package.data
    changed: dict[str, bytes | Member] = {}
    formula_parts: dict[str, bool] = {}  # worksheet part read here → does it hold a cell formula?

    def read(part: str) -> bytearray:
        data = package.read_large(part)
        formula_parts[part] = FORMULA_TAG.search(data) is not None
        return data
    for name, job in jobs.items():  # each sheet compressed as it is written: never whole in memory twice
        sheet = book.sheets[name]
        check_rows_fit(job, sheet.part)
        # no name keeps the rewriter (and the sheet's bytes it holds) once its part is written: the
        # largest sheet (추진실적, 93 MB at 5,000 cards) was held while the next sheet was read, or
        # through the rest of the merge when it was the last one
        changed[sheet.part] = Member.streamed(
            sheet.part, SheetRewriter(read(sheet.part), sheet.part, sheet.name, job, ctx).chunks())
    worksheets = _worksheets(package)
    if maps:
        for name, part in worksheets.items():
            if part not in changed:
                new = SheetRewriter(read(part), part, name, None, ctx).rewrite()
                if new is not None:
                    changed[part] = new
        for name, sheet_maps in maps.items():
            changed.update(_follow_cells(package, worksheets[name], name, sheet_maps, ctx))
        changed.update(_charts_and_pivots(package, maps))
    formulas = any(formula_parts[part] if part in formula_parts else package.search(part, FORMULA_TAG)
                   for part in worksheets.values())
    workbook_xml = _workbook_xml(package, maps, formulas)
    if workbook_xml is not None:
        changed[package.workbook_part] = workbook_xml
    if styles.changed and styles.part:
        changed[styles.part] = styles.to_bytes()
    return write_package(package, changed)


def _worksheets(package: Package) -> dict[str, str]:
    """Sheet name → part, for worksheets (not chart sheets)."""
    worksheets = {target for kind, target in package.workbook_rels.values() if kind.endswith(_WORKSHEET)}
    return {name: part for name, part in package.sheet_parts.items() if part in worksheets and package.has(part)}


def _follow_cells(package: Package, part: str, name: str, maps: refs.SheetMaps, ctx: EditContext
                  ) -> dict[str, bytes | Member]:
    """The comments, VML boxes, threaded comments, drawings and tables of a sheet whose cells moved."""
    changed: dict[str, bytes | None] = {}
    for kind in ("comments", "threadedComment"):
        for target in package.related(part, kind):
            changed[target] = shift_comments(package.read(target), target, maps, ctx.notices, name)
    for target in package.related(part, "vmlDrawing"):
        changed[target] = shift_vml(package.read(target), maps)
    for target in package.related(part, "drawing"):
        changed[target] = shift_drawing(package.read(target), target, maps)
    for target in package.related(part, "table"):
        changed[target] = shift_table(package.read(target), target, maps)
    return {target: data for target, data in changed.items() if data is not None}


def _charts_and_pivots(package: Package, maps: dict[str, refs.SheetMaps]) -> dict[str, bytes]:
    """Chart series (``c:f``) and pivot cache sources that point into moved sheets."""
    changed: dict[str, bytes] = {}
    for name in package.names:
        folder, base = posixpath.split(name)
        if not base.endswith(".xml"):
            continue
        if folder == "xl/charts":
            new = shift_formulas_in(package.read(name), name, maps, {"f"})
            if new is not None:
                changed[name] = new
        elif folder == "xl/pivotCache" and base.startswith("pivotCacheDefinition"):
            new = _shift_pivot_source(package.read(name), name, maps)
            if new is not None:
                changed[name] = new
    return changed


def _shift_pivot_source(data: bytes, part: str, maps: dict[str, refs.SheetMaps]) -> bytes | None:
    root = parse(data, part)
    changed = False
    for source in root.iter():
        sheet_maps = maps.get(source.get("sheet", "")) if local(source) == "worksheetSource" else None
        if sheet_maps is not None and source.get("ref"):
            moved = refs.shift_ref(source.get("ref", ""), sheet_maps, extend=True)
            if moved and moved != source.get("ref"):
                source.set("ref", moved)
                changed = True
    return serialize(root) if changed else None


def _workbook_xml(package: Package, maps: dict[str, refs.SheetMaps], formulas: bool) -> bytes | None:
    """workbook.xml with defined names moved and recalculation on open asked for (None: unchanged)."""
    root = package.workbook
    ns = ns_of(root)
    changed = False
    for name in root.iterfind(f"{ns}definedNames/{ns}definedName"):
        if not maps or not name.text:
            continue
        moved = refs.shift_formula(name.text, None, maps, extend=name.get("name") in _EXTENDED_NAMES)
        if moved is not None and moved != name.text:
            name.text, changed = moved, True
    calc = root.find(f"{ns}calcPr")
    if formulas and (calc is None or calc.get("fullCalcOnLoad") not in ("1", "true")):
        if calc is None:
            calc = _calc_pr(root, ns)
        calc.set("fullCalcOnLoad", "1")
        changed = True
    return serialize(root) if changed else None


_AFTER_CALC = ("oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes", "webPublishing",
               "fileRecoveryPr", "webPublishObjects", "extLst")


def _calc_pr(root: etree._Element, ns: str) -> etree._Element:
    """A new calcPr in its schema place (before the elements that follow it)."""
    calc = etree.Element(f"{ns}calcPr")
    following = next((child for child in root if local(child) in _AFTER_CALC), None)
    if following is None:
        root.append(calc)
    else:
        following.addprevious(calc)
    return calc
