"""취합 (collect): departments' updated cards matched to the master, merged into it in place.

One master workbook (``master.xlsx``) and its ``history/`` folder of earlier masters:

* :func:`collect_file` reads one uploaded card file (or a workbook of cards), matches each card
  to its 관리번호 in the master and says what changed (:func:`reportgen.diff.change_rows`) or
  what is wrong (:class:`reportgen.errors.Problem`);
* :func:`accept` merges accepted cards into the master **in place**
  (:func:`reportgen.writers.workbook_edit.merge_cards`: every sheet, column and note the office
  added stays), after checking the result as ``reportgen check`` would;
* :func:`replace_master` makes a checked workbook the master; :func:`undo` puts back the master
  the last change replaced.

The master being replaced always goes to ``history/`` first and is never deleted; the master is
written atomically under a lock, so two changes at once, or a crash mid-way, leave the old or the
new master, never a mix. No format and no web code lives here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from dataclasses import replace as replace_field
from pathlib import Path
from typing import TypeVar

from reportgen import model
from reportgen.diff import ChangeRow, change_rows, diff_cards
from reportgen.errors import InputError, Problem
from reportgen.fileio import inside, write_bytes_atomic
from reportgen.formats import read_card, validate_workbook
from reportgen.model import fold
from reportgen.readers.workbook import read_workbook
from reportgen.writers.workbook_edit import (
    CardInfo,
    MergeResult,
    PickleSpool,
    merge_cards,
    merge_source,
)

#: the suffixes a card file may have (the card readers) and the master workbook's
CARD_SUFFIXES = (".txt", ".docx", ".hwpx", ".hwp")
WORKBOOK_SUFFIX = ".xlsx"
#: in ``history/``: what the last change replaced, so that it can be undone
UNDO_RECORD = ".undo.json"
LOCK_NAME = ".master.lock"
#: what a check read gives (:func:`passes_check`)
Read = TypeVar("Read")
#: what `check` found missing or wrong in what a merge made: a reportgen bug, never the user's
_MERGE_BUG = ("가져온 결과가 검사를 통과하지 못해 워크북을 바꾸지 않았습니다",
              "the workbook after the import would not pass `check`, so it was left as it was",
              "위 문제를 알려 주세요 (reportgen 의 결함입니다)", "please report the problems above (a reportgen bug)")


# ── identity and checks (shared with `reportgen import`) ──────────────────


def fill_identity(card: model.Card, known: Mapping[str, model.Card], card_id: str | None = None,
                  title: str | None = None, area: str | None = None) -> list[str]:
    """관리번호, 사업명 and 분야 from the arguments, else the card, else the master's card of that 관리번호.

    A card file holds no 분야 and no 변경이력 (only the workbook does) and a legacy card may lack its
    사업명: the master's are kept, so that a department's card loses nothing of the office's.
    ``known`` maps :func:`reportgen.model.fold` of each master 관리번호 to its card. Returns what is
    still missing: ``"id"`` and/or ``"title"``.
    """
    card.id = card_id or card.id
    old = known.get(fold(card.id))
    card.title = title or card.title or (old.title if old else "")
    card.area = area or card.area or (old.area if old else "")
    if old and not card.changes:
        card.changes = list(old.changes)
    return [name for name, value in (("id", card.id), ("title", card.title)) if not value.strip()]


def passes_check(data: bytes, target: str) -> model.Workbook:
    """``data`` (a workbook about to be written as ``target``) read back by the rules of `check`:
    the workbook it is; one `check` would reject raises InputError with its problems, naming ``target``."""
    return _read_back(data, target, read_workbook)


def _read_back(data: bytes, target: str, read: Callable[[Path], Read]) -> Read:
    """:func:`passes_check` with the reader ``read`` (:func:`reportgen.formats.validate_workbook`:
    the same problems, only the settings and the card count kept)."""
    with tempfile.TemporaryDirectory(prefix="reportgen-check-") as folder:
        written = Path(folder) / (Path(target).name or "master.xlsx")
        written.write_bytes(data)
        try:
            return read(written)
        except InputError as exc:
            raise InputError([replace_field(problem, file=target) for problem in exc.problems]
                             + [Problem(target, "", *_MERGE_BUG)]) from None


def replaced_cards(book_cards: Iterable[model.Card], cards: Iterable[model.Card]) -> list[model.Card]:
    """The workbook's cards that ``cards`` replace (the same folded 관리번호): all that
    :func:`reportgen.writers.workbook_edit.merge_cards` needs of ``previous``, a few cards
    instead of a whole workbook's."""
    wanted = {fold(card.id) for card in cards}
    return [card for card in book_cards if fold(card.id) in wanted]


def checked_merge(source: bytes, cards: Sequence[tuple[str, model.Card]], target: str,
                  previous: Sequence[model.Card] = ()) -> tuple[MergeResult, model.Workbook]:
    """``cards`` — (card file, card) — merged into the workbook bytes ``source`` in place, and the
    workbook the result reads as by the rules of `check` (read once); nothing is written here.
    ``source`` is let go before the result is read (a caller passing it without keeping it frees it)."""
    result = merge_cards(source, list(cards), target, previous)
    del source
    return result, passes_check(result.data, target)


def merged(source: bytes, cards: Sequence[tuple[str, model.Card]], target: str,
           previous: Sequence[model.Card] = ()) -> MergeResult:
    """:func:`checked_merge` for a caller that needs only the merge: the result is checked by
    :func:`reportgen.formats.validate_workbook` (the same problems as `check`, the cards' contents
    not kept), so no second whole workbook is ever built."""
    result = merge_cards(source, list(cards), target, previous)
    del source
    _read_back(result.data, target, validate_workbook)
    return result


def merged_spool(source: bytes, cards: CardSpool, target: str) -> MergeResult:
    """:func:`merged` of the cards of a :class:`CardSpool` (loaded one at a time by the merge,
    :func:`reportgen.writers.workbook_edit.merge_source`): the same workbook, checked the same way."""
    result = merge_source(source, cards, target)
    del source
    _read_back(result.data, target, validate_workbook)
    return result


# ── many cards at once: held on disk, not in memory ───────────────────────


class CardSpool(Mapping[str, model.Card]):
    """Cards pickled to a temporary file as they come (``reportgen import`` of thousands of card
    files): what is held per card is where it is and its :class:`~reportgen.writers.workbook_edit.CardInfo`.

    A :class:`~reportgen.writers.workbook_edit.CardSource` of the cards :meth:`add` ed, in order,
    and a mapping (folded 관리번호 → card, loaded when asked) of the workbook's own cards
    :meth:`add_previous` ed, for :func:`fill_identity` and the merge. The file is a private
    temporary file, gone when the spool is closed (``with``) or the process ends.
    """

    def __init__(self) -> None:
        self.store = PickleSpool(tempfile.TemporaryFile(prefix="reportgen-cards-"))
        self.places: list[tuple[int, int]] = []
        self.added: list[CardInfo] = []
        self.old: dict[str, tuple[int, int]] = {}

    def __enter__(self) -> CardSpool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.store.file.close()

    def _put(self, card: model.Card) -> tuple[int, int]:
        return self.store.put(card)

    def _get(self, offset: int, length: int) -> model.Card:
        card = self.store.load(offset, length)
        assert isinstance(card, model.Card)
        return card

    def add_previous(self, cards: Iterable[model.Card]) -> None:
        """The workbook's cards, by folded 관리번호 (a later card of one 관리번호 wins)."""
        for card in cards:
            self.old[fold(card.id)] = self._put(card)

    def add(self, source: str, card: model.Card) -> None:
        """An imported card read from ``source``, after those added before."""
        self.places.append(self._put(card))
        self.added.append(CardInfo.of(source, card))

    def __len__(self) -> int:
        return len(self.old)

    def __iter__(self) -> Iterator[str]:
        return iter(self.old)

    def __getitem__(self, card_id: str) -> model.Card:
        return self._get(*self.old[card_id])

    # the CardSource of the merge
    def infos(self) -> list[CardInfo]:
        """The added cards' infos, in the order they were added."""
        return self.added

    def card(self, index: int) -> model.Card:
        """The card added ``index``-th."""
        return self._get(*self.places[index])

    def previous(self, card_id: str) -> model.Card | None:
        """The workbook's card of the folded 관리번호 ``card_id`` (None: not in the workbook)."""
        return self.get(card_id)


# ── one uploaded file ─────────────────────────────────────────────────────


@dataclass
class Collected:
    """One card of an uploaded file: matched to the master with its changes, or its problems."""

    file: str  # the name the user gave the file (shown, never used as a path)
    card: model.Card | None = None
    changes: list[ChangeRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.card.id if self.card else ""


def _named(problems: list[Problem], name: str) -> list[Problem]:
    """The problems of a temp file told with the name the user knows."""
    return [replace_field(problem, file=name) for problem in problems]


def _not_in_master(name: str, card_id: str) -> Problem:
    return Problem(name, "", f"관리번호 {card_id}가 마스터 워크북에 없습니다",
                   f"the master workbook has no card with 관리번호 {card_id}",
                   "카드의 관리번호를 확인하세요. 새 공약이면 먼저 마스터 워크북에 행을 추가하세요",
                   "check the card's 관리번호; for a new pledge add its row to the master workbook first")


def _no_identity(name: str) -> Problem:
    return Problem(name, "", "카드에 관리번호가 없어 마스터의 어느 카드인지 알 수 없습니다",
                   "the card has no 관리번호, so it matches no card of the master",
                   "카드 머리의 관리번호 칸(예: 3-1)을 채워 다시 올리세요",
                   "fill in the 관리번호 (e.g. 3-1) at the top of the card and upload it again")


def match_card(card: model.Card, name: str, master: model.Workbook) -> Collected:
    """A card matched to its 관리번호 in ``master``: its changes, or why it matches none."""
    known = {fold(c.id): c for c in master.cards}
    if "id" in fill_identity(card, known):
        return Collected(name, problems=[_no_identity(name)])
    old = known.get(fold(card.id))
    if old is None:
        return Collected(name, problems=[_not_in_master(name, card.id)])
    return Collected(name, card, change_rows(diff_cards(old, card)))


def collect_file(path: Path, name: str, master: model.Workbook) -> list[Collected]:
    """The cards of one uploaded file (``path``, a copy the user called ``name``), each matched
    to ``master``. A card file gives one; a workbook gives each of its cards; a file that cannot
    be read gives its problems (file renamed to ``name``)."""
    try:
        if path.suffix.lower() == WORKBOOK_SUFFIX:
            cards = read_workbook(path).cards
        else:
            cards = [read_card(path)]
    except InputError as exc:
        return [Collected(name, problems=_named(exc.problems, name))]
    duplicates = _repeated_ids(cards, name)
    if duplicates:
        return [Collected(name, problems=duplicates)]
    return [match_card(card, name, master) for card in cards]


def _repeated_ids(cards: list[model.Card], name: str) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for card in cards:
        key = fold(card.id)
        if key and key in seen:
            problems.append(Problem(name, "", f"관리번호 {card.id}가 두 번 나옵니다",
                                    f"관리번호 {card.id} comes twice", "카드 하나만 남기세요", "keep one of them"))
        seen.add(key)
    return problems


# ── the master and its history ────────────────────────────────────────────


@dataclass(frozen=True)
class Version:
    """An earlier master in ``history/``."""

    name: str
    size: int
    saved: dt.datetime


def versions(history: Path) -> list[Version]:
    """The masters in ``history/``, newest first (plain ``.xlsx`` files only)."""
    if not history.is_dir():
        return []
    found = []
    for path in history.iterdir():
        if path.suffix.lower() == WORKBOOK_SUFFIX and not path.name.startswith(".") and path.is_file() \
                and not path.is_symlink():
            stat = path.stat()
            found.append(Version(path.name, stat.st_size, dt.datetime.fromtimestamp(stat.st_mtime)))
    return sorted(found, key=lambda v: (v.saved, v.name), reverse=True)


def version_path(history: Path, name: str) -> Path:
    """The file of the history version ``name``; a name that is not one listed is an InputError."""
    if name not in {v.name for v in versions(history)}:
        raise InputError(Problem(name, "", "기록에 없는 버전입니다", "no such version in history/",
                                 "목록에서 버전을 고르세요", "choose a version from the list"))
    return inside(history, name)


@contextlib.contextmanager
def master_lock(master: Path) -> Iterator[None]:
    """One change of ``master`` at a time, across threads and processes (``flock`` on a lock file)."""
    master.parent.mkdir(parents=True, exist_ok=True)
    with open(master.parent / LOCK_NAME, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _free_name(history: Path, now: dt.datetime) -> str:
    stem = now.strftime("%Y-%m-%d_%H%M%S")
    name, number = f"{stem}{WORKBOOK_SUFFIX}", 1
    while (history / name).exists():
        number += 1
        name = f"{stem}_{number}{WORKBOOK_SUFFIX}"
    return name


def archive(master: Path, history: Path, now: dt.datetime | None = None) -> str:
    """A copy of the current master's bytes in ``history/`` under a new dated name; returns the name."""
    name = _free_name(history, now or dt.datetime.now())
    write_bytes_atomic(inside(history, name), master.read_bytes())
    return name


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _install(master: Path, history: Path, data: bytes) -> str:
    """Under the lock: the current master to history/, ``data`` atomically in its place, the undo
    record written. Returns the history name of the replaced master ("" when there was none)."""
    saved = archive(master, history) if master.is_file() else ""
    write_bytes_atomic(master, data)
    record = {"restore": saved, "master": _sha(data)}
    write_bytes_atomic(history / UNDO_RECORD, json.dumps(record).encode("utf-8"))
    return saved


@dataclass(frozen=True)
class Checked:
    """A workbook that `check` passed: its bytes and the workbook they read as."""

    data: bytes
    book: model.Workbook


def check_workbook(uploaded: Path, name: str) -> Checked:
    """The workbook ``uploaded`` (called ``name`` by the user) read by the rules of `check`;
    InputError with its problems (file ``name``) when it does not pass."""
    data = uploaded.read_bytes()
    try:
        return Checked(data, read_workbook(uploaded))
    except InputError as exc:
        raise InputError(_named(exc.problems, name)) from None


@dataclass(frozen=True)
class Replaced:
    """A new master was installed: how many cards it has and where the old one went."""

    cards: int
    saved: str  # name in history/ of the master it replaced ("" for none)


def replace_master(master: Path, history: Path, checked: Checked) -> Replaced:
    """A workbook `check` passed (:func:`check_workbook`) becomes the master; the old one goes to
    ``history/``."""
    with master_lock(master):
        saved = _install(master, history, checked.data)
    return Replaced(len(checked.book.cards), saved)


@dataclass(frozen=True)
class Accepted:
    """Cards merged into the master, and the new master as `check` read it."""

    result: MergeResult
    saved: str  # name in history/ of the master before
    book: model.Workbook


def accept(master: Path, history: Path, cards: Sequence[tuple[str, model.Card]],
           read: Callable[[Path], model.Workbook] = read_workbook) -> Accepted:
    """``cards`` — (file name, card) — merged into ``master`` in place and checked; the previous
    master goes to ``history/`` first. InputError leaves everything as it was. ``read`` reads the
    current master (a reader that remembers the masters it read saves reading it again)."""
    with master_lock(master):
        try:
            previous = replaced_cards(read(master).cards, [card for _, card in cards])
        except InputError as exc:
            raise InputError(exc.problems) from None
        result, checked = checked_merge(master.read_bytes(), cards, master.name, previous)
        saved = _install(master, history, result.data)
    return Accepted(result, saved, checked)


def _no_undo(ko: str, en: str) -> InputError:
    return InputError(Problem("history", "", ko, en, "기록(history)의 버전을 내려받아 검사 화면에서 올리세요",
                              "download a version from history and upload it on the 검사 page"))


def can_undo(master: Path, history: Path) -> bool:
    """Whether the last change can be undone: its record is there and the master is still what it wrote."""
    try:
        _undo_source(master, history)
    except InputError:
        return False
    return True


def _undo_source(master: Path, history: Path) -> Path:
    record_path = history / UNDO_RECORD
    try:
        record = json.loads(record_path.read_text("utf-8"))
        restore, written = str(record["restore"]), str(record["master"])
    except (OSError, ValueError, KeyError, TypeError):
        raise _no_undo("되돌릴 변경이 없습니다", "there is no change to undo") from None
    if not restore or not master.is_file() or _sha(master.read_bytes()) != written:
        raise _no_undo("마스터가 그 뒤에 바뀌어 마지막 변경을 되돌릴 수 없습니다",
                       "the master changed since, so the last change cannot be undone")
    return version_path(history, restore)


def undo(master: Path, history: Path) -> str:
    """Put back the master the last change replaced (its exact bytes); the master being undone
    goes to ``history/`` too. Returns the name of the version put back."""
    with master_lock(master):
        source = _undo_source(master, history)
        data = source.read_bytes()
        archive(master, history)
        write_bytes_atomic(master, data)
        (history / UNDO_RECORD).unlink()
    return source.name
