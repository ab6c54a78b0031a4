"""The output folder: links and folders at a card's path, one build at a time, old card files,
and the ``--only`` / ``--as-of`` options of a build.

* A symlink at a card's path (to a file elsewhere, to a folder, or dangling) is replaced by the
  card as a regular file; nothing is written where it pointed.
* A folder at a card's path fails that card only (exit 1, "같은 이름의 폴더"), the rest are written.
* A second build into a folder another build is writing waits briefly, then stops with exit 2
  naming the folder; it never touches the first build's temp files.
* After a build, the card files the previous manifest.json lists that this build replaced (a
  renamed 사업명, a card gone from the workbook) are removed, but only when they still hold the
  bytes reportgen wrote (size and sha256 in the manifest) and are named like that card's files.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reportgen import batch, fileio
from reportgen.cli import app
from reportgen.errors import InputError
from reportgen.fileio import FolderInTheWay, OutputError, card_filename, inside, write_bytes_atomic
from reportgen.model import Card, Workbook
from reportgen.writers.workbook import write_workbook

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from make_corpus import make_corpus  # noqa: E402

REPORTGEN = Path(sys.executable).with_name("reportgen")
runner = CliRunner()


@pytest.fixture(scope="module")
def cards() -> list[Card]:
    """Three cards: 1-1, 2-2, 3-3 (bench corpus)."""
    return make_corpus(3).cards


def _name(card: Card, suffix: str = ".txt") -> str:
    return card_filename(card.id, card.title, suffix)


def _manifest(folder: Path) -> list[dict[str, object]]:
    return json.loads((folder / batch.MANIFEST).read_text(encoding="utf-8"))["files"]


def _renamed(card: Card, title: str) -> Card:
    other = copy.deepcopy(card)
    other.title = title
    return other


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ── links and folders at a card's path ────────────────────────────────────
def test_inside_does_not_follow_a_link_at_the_name(tmp_path: Path) -> None:
    (tmp_path / "3-1_x.txt").symlink_to("/etc/passwd")
    assert inside(tmp_path, "3-1_x.txt") == tmp_path.resolve() / "3-1_x.txt"
    for bad in ("../x.txt", "a/b.txt", "..", ".", ""):
        with pytest.raises(ValueError):
            inside(tmp_path, bad)


def test_symlinks_at_card_paths_are_replaced_by_regular_files(cards: list[Card], tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    target = elsewhere / "precious.txt"
    target.write_text("not to be overwritten", encoding="utf-8")
    (out / _name(cards[0])).symlink_to(target)  # a link to a file outside
    (out / _name(cards[1])).symlink_to(elsewhere / "missing.txt")  # a dangling link
    (out / _name(cards[2])).symlink_to(elsewhere)  # a link to a folder
    report = batch.build(cards, out, ["txt"])
    assert report.failures == []
    for card in cards:
        path = out / _name(card)
        assert not path.is_symlink() and path.is_file()
        assert path.read_text(encoding="utf-8").startswith(f"관리번호\n{card.id}\n\n{card.title}\n")  # the card
    assert target.read_text(encoding="utf-8") == "not to be overwritten"
    assert _listing(elsewhere) == ["precious.txt"], "nothing written where the links pointed"


def test_a_folder_at_a_card_path_fails_that_card_only(cards: list[Card], tmp_path: Path) -> None:
    out = tmp_path / "out"
    blocker = out / _name(cards[1], ".docx")
    blocker.mkdir(parents=True)
    (blocker / "inside.txt").write_text("keep", encoding="utf-8")
    report = batch.build(cards, out, ["txt", "docx"])
    assert [(f.card_id, f.format) for f in report.failures] == [(cards[1].id, "docx")]
    message = report.failures[0].message
    assert "같은 이름의 폴더" in message and "a folder has the card's name" in message and str(blocker) in message
    assert len(report.files) == 5
    assert (blocker / "inside.txt").read_text(encoding="utf-8") == "keep"
    assert not list(out.glob(".*.tmp"))
    assert sorted(e["file"] for e in _manifest(out)) == sorted(f.file for f in report.files)


def test_a_folder_at_a_card_path_is_exit_1_on_the_command_line(cards: list[Card], tmp_path: Path) -> None:
    workbook, out = tmp_path / "book.xlsx", tmp_path / "out"
    write_bytes_atomic(workbook, write_workbook(Workbook(make_corpus(3).settings, cards)))
    (out / _name(cards[0])).mkdir(parents=True)
    result = runner.invoke(app, ["build", str(workbook), "-o", str(out), "-j", "1"])
    assert result.exit_code == 1, result.output
    assert "같은 이름의 폴더" in result.output and "Traceback" not in result.output
    assert (out / _name(cards[1])).is_file() and (out / _name(cards[2])).is_file()


def test_write_bytes_atomic_onto_a_folder_is_folder_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "report.xlsx").mkdir()
    with pytest.raises(FolderInTheWay) as caught:
        write_bytes_atomic(tmp_path / "report.xlsx", b"data")
    assert isinstance(caught.value, OutputError), "commands writing one file stop with exit 2"
    assert "같은 이름의 폴더" in str(caught.value) and "→" in str(caught.value)
    assert _listing(tmp_path) == ["report.xlsx"], "no temp file left"


def test_a_folder_named_manifest_json_stops_the_build_before_any_write(cards: list[Card], tmp_path: Path) -> None:
    (tmp_path / batch.MANIFEST).mkdir()
    with pytest.raises(FolderInTheWay):
        batch.build(cards, tmp_path, ["txt"])
    assert _listing(tmp_path) == [batch.MANIFEST]


# ── one build per folder ──────────────────────────────────────────────────
def test_a_second_build_waits_then_stops_and_leaves_the_first_builds_temp_files(
        cards: list[Card], tmp_path: Path) -> None:
    half_written = tmp_path / f".{_name(cards[0])}.k2j4x9q1.tmp"  # the first build's file being written
    with batch.folder_lock(tmp_path):
        half_written.write_bytes(b"half")
        started = time.monotonic()
        with pytest.raises(batch.FolderBusy) as caught:
            batch.build(cards, tmp_path, ["txt"], lock_wait=0.5)
        waited = time.monotonic() - started
        assert half_written.read_bytes() == b"half"
    assert 0.5 <= waited < 5
    message = str(caught.value)
    assert str(tmp_path) in message and "다른 reportgen build" in message and "another reportgen build" in message
    assert "-o" in message and "wait" in message
    assert _listing(tmp_path) == [half_written.name], "nothing written, no lock file left"


def test_the_second_build_starts_once_the_first_is_done(cards: list[Card], tmp_path: Path) -> None:
    """The lock is released when the holder ends: a build waiting for it then runs."""
    lock = batch.folder_lock(tmp_path)
    lock.__enter__()
    releaser = threading.Timer(0.3, lock.__exit__, (None, None, None))
    releaser.start()
    report = batch.build(cards, tmp_path, ["txt"], lock_wait=5)
    releaser.join()
    assert len(report.files) == 3
    assert batch.LOCK_FILE not in _listing(tmp_path)


def test_a_lock_left_by_a_killed_build_does_not_block(cards: list[Card], tmp_path: Path) -> None:
    (tmp_path / batch.LOCK_FILE).write_bytes(b"")  # left behind by a kill -9 (the OS released the lock)
    started = time.monotonic()
    assert len(batch.build(cards, tmp_path, ["txt"]).files) == 3
    assert time.monotonic() - started < batch.LOCK_WAIT
    assert batch.LOCK_FILE not in _listing(tmp_path)


def test_a_busy_folder_is_exit_2_on_the_command_line(cards: list[Card], tmp_path: Path) -> None:
    workbook, out = tmp_path / "book.xlsx", tmp_path / "out"
    write_bytes_atomic(workbook, write_workbook(Workbook(make_corpus(3).settings, cards)))
    out.mkdir()
    with batch.folder_lock(out):  # another build runs in that folder (a lock held by another process)
        done = subprocess.run([str(REPORTGEN), "build", str(workbook), "-o", str(out), "-j", "1"],
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "another reportgen build" in done.stderr and str(out) in done.stderr and "Traceback" not in done.stderr
    assert _listing(out) == []


# ── old card files ────────────────────────────────────────────────────────
def test_a_renamed_card_leaves_no_old_file(cards: list[Card], tmp_path: Path) -> None:
    batch.build(cards, tmp_path, ["txt", "docx"])
    old_txt, old_docx = _name(cards[1]), _name(cards[1], ".docx")
    renamed = [cards[0], _renamed(cards[1], "새 사업명"), cards[2]]
    report = batch.build(renamed, tmp_path, ["txt", "docx"])
    assert sorted(report.removed) == sorted([old_txt, old_docx])
    assert not (tmp_path / old_txt).exists() and not (tmp_path / old_docx).exists()
    assert (tmp_path / f"{cards[1].id}_새 사업명.txt").is_file()
    assert sorted(e["file"] for e in _manifest(tmp_path)) == sorted(p for p in _listing(tmp_path) if p != "manifest.json")
    assert any("removed an old card file" in line and old_txt in line for line in batch.tidy_lines(report))


def test_an_old_file_changed_since_is_kept(cards: list[Card], tmp_path: Path) -> None:
    batch.build(cards, tmp_path, ["txt"])
    old = tmp_path / _name(cards[1])
    old.write_text(old.read_text(encoding="utf-8") + "담당자 메모\n", encoding="utf-8")  # someone's notes
    report = batch.build([cards[0], _renamed(cards[1], "새 사업명"), cards[2]], tmp_path, ["txt"])
    assert report.removed == [] and report.kept == [old.name]
    assert old.read_text(encoding="utf-8").endswith("담당자 메모\n")
    assert old.name not in [e["file"] for e in _manifest(tmp_path)], "no longer reportgen's file"


def _entry(path: Path, card_id: str, fmt: str) -> dict[str, object]:
    data = path.read_bytes()
    return {"file": path.name if path.parent.name != ".." else f"../{path.name}", "관리번호": card_id,
            "format": fmt, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(), "기준일": "",
            "reportgen": "x"}


def test_an_edited_manifest_deletes_nothing_reportgen_did_not_make(cards: list[Card], tmp_path: Path) -> None:
    """Entries naming a file outside the folder, a user's office file, a link, or a card-like name whose
    bytes differ: each listed with the id of a card this build makes, none is removed."""
    out, outside = tmp_path / "out", tmp_path / "secret.txt"
    out.mkdir()
    outside.write_text("outside", encoding="utf-8")
    memo = out / "메모.docx"
    memo.write_bytes(b"PK a user's document")
    look_alike = out / f"{cards[0].id}_예전 보고.txt"
    look_alike.write_text("written by a person", encoding="utf-8")
    link = out / f"{cards[0].id}_링크.txt"
    link.symlink_to(outside)
    entries = [
        {**_entry(outside, cards[0].id, "txt"), "file": "../secret.txt"},
        {**_entry(outside, cards[0].id, "txt"), "file": str(outside)},
        _entry(memo, cards[0].id, "docx"),
        {**_entry(look_alike, cards[0].id, "txt"), "sha256": "0" * 64},
        {**_entry(outside, cards[0].id, "txt"), "file": link.name},
        {**_entry(outside, cards[0].id, "txt"), "file": batch.MANIFEST},
    ]
    (out / batch.MANIFEST).write_text(json.dumps({"files": entries}), encoding="utf-8")
    report = batch.build(cards, out, ["txt", "docx"])
    assert report.removed == []
    assert outside.read_text(encoding="utf-8") == "outside"
    assert memo.read_bytes() == b"PK a user's document"
    assert look_alike.read_text(encoding="utf-8") == "written by a person"
    assert link.is_symlink()


def test_only_the_selected_cards_old_files_are_candidates(cards: list[Card], tmp_path: Path) -> None:
    batch.build(cards, tmp_path, ["txt"])
    renamed = [cards[0], _renamed(cards[1], "새 이름 둘"), _renamed(cards[2], "새 이름 셋")]
    report = batch.build([renamed[1]], tmp_path, ["txt"])  # --only 2-2
    assert report.removed == [_name(cards[1])]
    assert (tmp_path / _name(cards[2])).is_file(), "3-3 was not built: its file stays"
    listed = {e["file"] for e in _manifest(tmp_path)}
    assert listed == {_name(cards[0]), _name(renamed[1]), _name(cards[2])}, "the others stay listed"
    report = batch.build(renamed, tmp_path, ["txt"], whole_workbook=True)
    assert report.removed == [_name(cards[2])]
    assert _listing(tmp_path) == sorted([_name(c) for c in renamed] + [batch.MANIFEST])


def test_a_card_gone_from_the_workbook(cards: list[Card], tmp_path: Path) -> None:
    batch.build(cards, tmp_path, ["txt"])
    kept = batch.build(cards[:2], tmp_path, ["txt"])
    assert kept.removed == [] and (tmp_path / _name(cards[2])).is_file(), "without the whole workbook: kept"
    gone = batch.build(cards[:2], tmp_path, ["txt"], whole_workbook=True)
    assert gone.removed == [_name(cards[2])]
    assert _listing(tmp_path) == sorted([_name(cards[0]), _name(cards[1]), batch.MANIFEST])


def test_the_command_line_removes_files_of_a_card_gone_from_the_workbook(cards: list[Card], tmp_path: Path) -> None:
    """`build` of the whole workbook removes a deleted card's old file and says so; `--only` does not."""
    out, workbook = tmp_path / "out", tmp_path / "m.xlsx"
    workbook.write_bytes(write_workbook(Workbook(cards=cards)))
    assert runner.invoke(app, ["build", str(workbook), "-o", str(out)]).exit_code == 0
    workbook.write_bytes(write_workbook(Workbook(cards=cards[:2])))
    only = runner.invoke(app, ["build", str(workbook), "-o", str(out), "--only", cards[0].id])
    assert only.exit_code == 0 and (out / _name(cards[2])).is_file()
    whole = runner.invoke(app, ["build", str(workbook), "-o", str(out)])
    assert whole.exit_code == 0, whole.output
    assert f"removed an old card file: {_name(cards[2])}" in whole.output
    assert _listing(out) == sorted([_name(cards[0]), _name(cards[1]), batch.MANIFEST])


def test_formats_not_built_are_left_and_stay_listed(cards: list[Card], tmp_path: Path) -> None:
    batch.build(cards, tmp_path, ["txt", "docx"])
    report = batch.build(cards, tmp_path, ["txt"], whole_workbook=True)
    assert report.removed == []
    assert len(_manifest(tmp_path)) == 6
    renamed = [_renamed(cards[0], "다른 이름"), *cards[1:]]
    report = batch.build(renamed, tmp_path, ["docx"], whole_workbook=True)
    assert report.removed == [_name(cards[0], ".docx")]
    assert (tmp_path / _name(cards[0])).is_file(), "the txt of the old name is only removed by a txt build"


def test_a_card_that_fails_keeps_its_old_file(cards: list[Card], tmp_path: Path) -> None:
    batch.build(cards, tmp_path, ["txt"])
    renamed = [cards[0], _renamed(cards[1], "새 사업명"), cards[2]]
    (tmp_path / _name(renamed[1])).mkdir()  # its new file cannot be written
    report = batch.build(renamed, tmp_path, ["txt"])
    assert [f.card_id for f in report.failures] == [cards[1].id]
    assert report.removed == [] and (tmp_path / _name(cards[1])).is_file()
    assert _name(cards[1]) in {e["file"] for e in _manifest(tmp_path)}


def test_an_unreadable_manifest_removes_nothing_and_says_so(cards: list[Card], tmp_path: Path) -> None:
    batch.build(cards, tmp_path, ["txt"])
    (tmp_path / batch.MANIFEST).write_text("{not json", encoding="utf-8")
    report = batch.build([cards[0], _renamed(cards[1], "새 사업명"), cards[2]], tmp_path, ["txt"])
    assert report.removed == [] and (tmp_path / _name(cards[1])).is_file()
    assert report.notes == [batch.NOTE_BAD_MANIFEST]


def test_a_manifest_that_is_a_link_is_not_followed(cards: list[Card], tmp_path: Path) -> None:
    out, other = tmp_path / "out", tmp_path / "other"
    batch.build(cards, other, ["txt"])
    batch.build(cards, out, ["txt"])
    (out / batch.MANIFEST).unlink()
    (out / batch.MANIFEST).symlink_to(other / batch.MANIFEST)
    report = batch.build([cards[0], _renamed(cards[1], "새 사업명"), cards[2]], out, ["txt"])
    assert report.removed == [] and (out / _name(cards[1])).is_file()
    assert not (out / batch.MANIFEST).is_symlink()
    assert (other / batch.MANIFEST).is_file()


def test_stale_temp_files_only(tmp_path: Path, cards: list[Card]) -> None:
    left = tmp_path / f".{_name(cards[0])}.a1b2c3d4.tmp"
    left.write_bytes(b"half")
    mine, folder = tmp_path / ".notes.tmp", tmp_path / ".x.abcdefgh.tmp"
    mine.write_text("a user's hidden file", encoding="utf-8")
    folder.mkdir()
    batch.build(cards, tmp_path, ["txt"])
    assert not left.exists() and mine.exists() and folder.is_dir()


# ── --only and --as-of ────────────────────────────────────────────────────
@pytest.fixture(scope="module")
def book(cards: list[Card]) -> Workbook:
    return Workbook(make_corpus(3).settings, cards)


@pytest.mark.parametrize("only", [",,", "", " , ", ","])
def test_only_naming_no_card_is_an_error(only: str, book: Workbook) -> None:
    with pytest.raises(InputError) as caught:
        batch.select_cards(book, only, "--only")
    assert "--only" in str(caught.value) and "관리번호" in str(caught.value)


def test_only_lists_each_card_once(book: Workbook, cards: list[Card], tmp_path: Path) -> None:
    selected = batch.select_cards(book, f"{cards[2].id},{cards[0].id}, {cards[2].id} ,", "--only")
    assert [c.id for c in selected] == [cards[2].id, cards[0].id]
    report = batch.build(selected, tmp_path, ["txt"])
    assert len(report.files) == 2 and len(_manifest(tmp_path)) == 2


def test_only_unknown_and_absent(book: Workbook, cards: list[Card]) -> None:
    with pytest.raises(InputError) as caught:
        batch.select_cards(book, f"{cards[0].id},9-99", "--only")
    assert "9-99" in str(caught.value)
    assert batch.select_cards(book, None, "--only") == cards


def test_only_on_the_command_line(book: Workbook, cards: list[Card], tmp_path: Path) -> None:
    workbook = tmp_path / "book.xlsx"
    write_bytes_atomic(workbook, write_workbook(book))
    empty = runner.invoke(app, ["build", str(workbook), "-o", str(tmp_path / "a"), "--only", ",,"])
    assert empty.exit_code == 2 and "--only" in empty.output, empty.output
    assert not (tmp_path / "a" / batch.MANIFEST).exists()
    twice = runner.invoke(app, ["build", str(workbook), "-o", str(tmp_path / "b"), "--only",
                                f"{cards[0].id},{cards[0].id}", "-j", "1"])
    assert twice.exit_code == 0, twice.output
    assert [e["file"] for e in _manifest(tmp_path / "b")] == [_name(cards[0])]


@pytest.mark.parametrize("text", ["2024-12-31garbage", "20241231", "2024-W01-1", "2024-02-30", "2024-1-31",
                                  "２０２４-１２-３１", "2024-12-31T00:00", "31.12.2024", "2024/12/31"])
def test_as_of_is_strict(text: str) -> None:
    with pytest.raises(InputError) as caught:
        batch.parse_as_of(text)
    message = str(caught.value)
    assert "--as-of" in message and "YYYY-MM-DD" in message and "2024-12-31" in message


def test_as_of_accepted_forms() -> None:
    assert batch.parse_as_of("2024-12-31") == dt.date(2024, 12, 31)
    assert batch.parse_as_of(" 2024-02-29 ") == dt.date(2024, 2, 29)
    assert batch.parse_as_of(None) is None and batch.parse_as_of("") is None


def test_settings_as_of_names_its_cell(book: Workbook) -> None:
    with pytest.raises(InputError) as caught:
        batch.parse_as_of("2024-12-31garbage", "book.xlsx 설정!기준일")
    assert "설정!기준일" in str(caught.value)


def test_as_of_garbage_on_the_command_line(book: Workbook, tmp_path: Path) -> None:
    workbook = tmp_path / "book.xlsx"
    write_bytes_atomic(workbook, write_workbook(book))
    result = runner.invoke(app, ["build", str(workbook), "-o", str(tmp_path / "out"), "--as-of", "2024-12-31garbage"])
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists() or _listing(tmp_path / "out") == []


def test_atomic_write_replaces_a_dangling_link_without_creating_its_target(tmp_path: Path) -> None:
    link = tmp_path / "card.txt"
    link.symlink_to(tmp_path / "nowhere" / "target.txt")
    fileio.write_bytes_atomic(link, b"card")
    assert not link.is_symlink() and link.read_bytes() == b"card"
    assert not (tmp_path / "nowhere").exists()
    assert os.listdir(tmp_path) == ["card.txt"]


class _Stopped(Exception):
    pass


def test_a_stop_signal_while_the_temp_file_is_made_leaves_no_temp_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM arriving right after mkstemp made the file (before the write's cleanup guard): the
    signal waits until the guard is in place, so the stop removes the temp file and the target
    is never written."""
    import signal
    import tempfile

    made = tempfile.mkstemp

    def mkstemp_then_terminated(*args: object, **kwargs: object) -> tuple[int, str]:
        result = made(*args, **kwargs)  # type: ignore[call-overload]
        os.kill(os.getpid(), signal.SIGTERM)
        return result

    def stop(_signum: int, _frame: object) -> None:
        raise _Stopped

    monkeypatch.setattr(fileio.tempfile, "mkstemp", mkstemp_then_terminated)
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        with pytest.raises(_Stopped):
            write_bytes_atomic(tmp_path / "card.txt", b"data")
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


# ── write_files_atomic: several files, one fdatasync pass, the renames, one folder fsync ───────
def _old_files(folder: Path, count: int) -> list[tuple[Path, bytes]]:
    """``count`` card files already in ``folder`` ("old-i"), and the new content for each ("new-i")."""
    items = []
    for i in range(count):
        path = folder / f"card{i}.txt"
        path.write_bytes(f"old-{i}".encode())
        items.append((path, f"new-{i}".encode() * 1000))
    return items


def test_write_files_atomic_replaces_every_file_and_leaves_no_temp_file(tmp_path: Path) -> None:
    items = _old_files(tmp_path, 3) + [(tmp_path / "fresh.txt", b"")]
    assert fileio.write_files_atomic(items) == []
    assert [p.read_bytes() for p, _ in items] == [b"new-0" * 1000, b"new-1" * 1000, b"new-2" * 1000, b""]
    assert sorted(os.listdir(tmp_path)) == ["card0.txt", "card1.txt", "card2.txt", "fresh.txt"]


def test_write_files_atomic_gives_the_mode_of_a_plain_open(tmp_path: Path) -> None:
    (tmp_path / "plain.txt").write_bytes(b"x")
    fileio.write_files_atomic([(tmp_path / "card.txt", b"x")])
    plain_mode = (tmp_path / "plain.txt").stat().st_mode & 0o777
    assert (tmp_path / "card.txt").stat().st_mode & 0o777 == plain_mode != 0o600  # not mkstemp's


def test_a_umask_that_already_gives_0600_needs_no_fchmod(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """umask 077 (read once at import, as write_bytes_atomic does): mkstemp's 0600 is the mode."""
    monkeypatch.setattr(fileio, "_PLAIN_MODE", 0o600)
    monkeypatch.setattr(fileio.os, "fchmod", lambda fd, mode: pytest.fail("fchmod not needed"))
    fileio.write_files_atomic([(tmp_path / "card.txt", b"x")])
    assert (tmp_path / "card.txt").stat().st_mode & 0o777 == 0o600


def test_write_files_atomic_syncs_all_data_before_any_rename_then_the_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The order that makes it crash-safe: every temp file durable, then renames, then the folder."""
    calls: list[str] = []
    real_fdatasync, real_replace, real_fsync = os.fdatasync, os.replace, os.fsync
    monkeypatch.setattr(fileio.os, "fdatasync", lambda fd: (calls.append("data"), real_fdatasync(fd))[1])
    monkeypatch.setattr(fileio.os, "replace", lambda a, b: (calls.append("rename"), real_replace(a, b))[1])
    monkeypatch.setattr(fileio.os, "fsync", lambda fd: (calls.append("folder"), real_fsync(fd))[1])
    monkeypatch.setattr(fileio.os, "posix_fadvise", lambda *args: calls.append("start"), raising=False)
    fileio.write_files_atomic(_old_files(tmp_path, 3))
    assert calls == ["start"] * 3 + ["data"] * 3 + ["rename"] * 3 + ["folder"]


def test_writeback_advice_that_fails_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    def refused(*args: object) -> None:
        raise OSError(errno.ESPIPE, os.strerror(errno.ESPIPE))

    monkeypatch.setattr(fileio.os, "posix_fadvise", refused, raising=False)
    items = _old_files(tmp_path, 2)
    assert fileio.write_files_atomic(items) == []
    assert [p.read_bytes() for p, _ in items] == [b"new-0" * 1000, b"new-1" * 1000]


def test_a_failure_mid_batch_leaves_the_old_files_and_no_temp_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    items = _old_files(tmp_path, 4)
    synced = []
    real_fdatasync = os.fdatasync

    def filling_disk(fd: int) -> None:
        synced.append(fd)
        if len(synced) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fdatasync(fd)

    monkeypatch.setattr(fileio.os, "fdatasync", filling_disk)
    with pytest.raises(OutputError) as raised:
        fileio.write_files_atomic(items)
    assert raised.value.code == errno.ENOSPC and "full disk" in str(raised.value)
    assert [p.read_bytes() for p, _ in items] == [b"old-0", b"old-1", b"old-2", b"old-3"]
    assert sorted(os.listdir(tmp_path)) == ["card0.txt", "card1.txt", "card2.txt", "card3.txt"]


def test_a_stop_during_the_renames_leaves_each_file_old_or_whole_new(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    items = _old_files(tmp_path, 3)
    renamed = []
    real_replace = os.replace

    def stopped_at_the_second(src: str, dst: Path) -> None:
        renamed.append(dst)
        if len(renamed) == 2:
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(fileio.os, "replace", stopped_at_the_second)
    with pytest.raises(KeyboardInterrupt):
        fileio.write_files_atomic(items)
    assert [p.read_bytes() for p, _ in items] == [b"new-0" * 1000, b"old-1", b"old-2"]
    assert sorted(os.listdir(tmp_path)) == ["card0.txt", "card1.txt", "card2.txt"]


def test_a_stop_signal_right_after_a_batch_temp_file_is_made_leaves_no_temp_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import signal
    import tempfile

    made = tempfile.mkstemp
    count = []

    def second_mkstemp_then_terminated(*args: object, **kwargs: object) -> tuple[int, str]:
        result = made(*args, **kwargs)  # type: ignore[call-overload]
        count.append(result)
        if len(count) == 2:
            os.kill(os.getpid(), signal.SIGTERM)
        return result

    def stop(_signum: int, _frame: object) -> None:
        raise _Stopped

    items = _old_files(tmp_path, 3)
    monkeypatch.setattr(fileio.tempfile, "mkstemp", second_mkstemp_then_terminated)
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        with pytest.raises(_Stopped):
            fileio.write_files_atomic(items)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert len(count) == 2
    assert [p.read_bytes() for p, _ in items] == [b"old-0", b"old-1", b"old-2"]
    assert sorted(os.listdir(tmp_path)) == ["card0.txt", "card1.txt", "card2.txt"]


def test_write_files_atomic_skips_only_the_file_a_folder_is_in_the_way_of(tmp_path: Path) -> None:
    items = _old_files(tmp_path, 2)
    (tmp_path / "taken.txt").mkdir()
    skipped = fileio.write_files_atomic([items[0], (tmp_path / "taken.txt", b"x"), items[1]])
    assert [type(s) for s in skipped] == [FolderInTheWay] and skipped[0].folder == str(tmp_path / "taken.txt")
    assert [p.read_bytes() for p, _ in items] == [b"new-0" * 1000, b"new-1" * 1000]
    assert (tmp_path / "taken.txt").is_dir() and os.listdir(tmp_path / "taken.txt") == []
    assert sorted(os.listdir(tmp_path)) == ["card0.txt", "card1.txt", "taken.txt"]


def test_write_files_atomic_in_groups_holds_few_files_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """5 files with at most 2 open: three groups, each synced, renamed, and its folder fsynced."""
    monkeypatch.setattr(fileio, "BATCH_OPEN_MAX", 2)
    folder_syncs = []
    real_fsync = os.fsync
    monkeypatch.setattr(fileio.os, "fsync", lambda fd: (folder_syncs.append(fd), real_fsync(fd))[1])
    items = _old_files(tmp_path, 5)
    assert fileio.write_files_atomic(iter(items)) == []
    assert [p.read_bytes() for p, _ in items] == [f"new-{i}".encode() * 1000 for i in range(5)]
    assert len(folder_syncs) == 3 and len(os.listdir(tmp_path)) == 5


def test_write_files_atomic_into_an_unwritable_folder_is_output_error(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_bytes(b"a file")
    with pytest.raises(OutputError) as raised:
        fileio.write_files_atomic([(not_a_folder / "card.txt", b"x")])
    assert "not a folder" in str(raised.value)
    assert not_a_folder.read_bytes() == b"a file"
