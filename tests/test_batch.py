"""Batch build: parallel, deterministic, manifest, failures, and a build killed mid-way."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, astuple
from pathlib import Path

import pytest
from cardfiles import assert_complete

from reportgen import batch
from reportgen.documents import card_document
from reportgen.errors import CardError
from reportgen.fileio import write_bytes_atomic
from reportgen.formats import WRITERS
from reportgen.resources import WriterOptions
from reportgen.writers.workbook import write_workbook

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from make_corpus import make_corpus  # noqa: E402

REPORTGEN = Path(sys.executable).with_name("reportgen")
FORMATS = ["txt", "docx", "xlsx", "hwpx"]


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_parallel_build_is_byte_identical_to_serial(tmp_path: Path) -> None:
    cards = make_corpus(12).cards
    serial = batch.build(cards, tmp_path / "serial", FORMATS, jobs=1)
    parallel = batch.build(cards, tmp_path / "parallel", FORMATS, jobs=2)
    assert not serial.failures and not parallel.failures
    assert len(serial.files) == 12 * len(FORMATS)
    assert _digests(tmp_path / "serial") == _digests(tmp_path / "parallel")
    again = batch.build(cards, tmp_path / "serial", FORMATS, jobs=2)
    assert sorted(again.files, key=lambda f: f.file) == sorted(serial.files, key=lambda f: f.file)


def test_manifest_lists_every_file_with_its_hash(tmp_path: Path) -> None:
    cards = make_corpus(3).cards
    as_of = batch.parse_as_of("2024-06-30")
    batch.build(cards, tmp_path, ["txt", "docx"], as_of=as_of)
    manifest = json.loads((tmp_path / batch.MANIFEST).read_text(encoding="utf-8"))["files"]
    assert len(manifest) == 6
    for entry in manifest:
        data = (tmp_path / entry["file"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["bytes"] == len(data)
        assert entry["기준일"] == "2024-06-30"
        assert entry["format"] in ("txt", "docx")
    assert {e["관리번호"] for e in manifest} == {c.id for c in cards}


def test_one_failing_card_does_not_stop_the_others(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cards = make_corpus(3).cards
    broken = cards[1].id

    class FailingWriter:
        suffix = ".txt"

        def render(self, card, options=None):
            if card.id == broken:
                raise CardError(f"{card.id}: 표현할 수 없음 / cannot express")
            return b"ok"

    monkeypatch.setitem(WRITERS, "txt", FailingWriter())
    report = batch.build(cards, tmp_path, ["txt"], jobs=1)
    assert [f.card_id for f in report.failures] == [broken]
    assert len(report.files) == 2


def test_every_card_is_rendered_with_the_build_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The writer options (``--templates``) reach the writer of every card, unchanged."""
    seen = []

    class RecordingWriter:
        suffix = ".txt"

        def render(self, card, options=None):
            seen.append((card.id, options))
            return b"ok"

    monkeypatch.setitem(WRITERS, "txt", RecordingWriter())
    cards = make_corpus(2).cards
    options = WriterOptions(templates=tmp_path / "서식")
    batch.build(cards, tmp_path / "out", ["txt"], jobs=1, options=options)
    assert seen == [(cards[0].id, options), (cards[1].id, options)]
    seen.clear()
    batch.build(cards, tmp_path / "default", ["txt"], jobs=1)
    assert [options for _, options in seen] == [None, None]


def test_stale_temp_files_are_removed(tmp_path: Path) -> None:
    (tmp_path / ".3-1_x.txt.abcd.tmp").write_bytes(b"half")
    batch.build(make_corpus(1).cards, tmp_path, ["txt"])
    assert not list(tmp_path.glob(".*.tmp"))


def test_killed_build_leaves_only_complete_files(tmp_path: Path) -> None:
    workbook = tmp_path / "corpus.xlsx"
    write_bytes_atomic(workbook, write_workbook(make_corpus(300)))
    out = tmp_path / "out"
    command = [str(REPORTGEN), "build", str(workbook), "-o", str(out), "--format", ",".join(FORMATS), "-j", "2"]
    process = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.glob("[!.]*"))) < 40:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    finished = [p for p in out.iterdir() if not p.name.startswith(".")]
    assert 0 < len(finished) < 300 * len(FORMATS), "the build must be killed mid-way"
    for path in finished:
        assert_complete(path)
    # the next build cleans up and completes
    assert subprocess.run(command, capture_output=True).returncode == 0
    assert not list(out.glob(".*"))
    assert len([p for p in out.iterdir() if p.suffix != ".json"]) == 300 * len(FORMATS)


def test_a_card_document_is_built_once_for_all_its_formats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Six formats of one card: one card_document, six files (each the writer's bytes for that document)."""
    card = make_corpus(1).cards[0]
    built = []

    def counting(c: object) -> object:
        built.append(c)
        return card_document(c)

    monkeypatch.setattr(batch, "card_document", counting)
    names = ["txt", "docx", "xlsx", "hwpx", "hwp", "html"]
    files, failures = batch.render_card(card, names, tmp_path)
    assert len(built) == 1 and not failures and len(files) == 6
    assert (tmp_path / files[0].file).read_bytes() == WRITERS["txt"].render(card)


def test_a_card_whose_document_cannot_be_built_fails_in_every_format(tmp_path: Path) -> None:
    card = make_corpus(1).cards[0]
    card.annual_plan.years = []  # rows but no years: the 연차별 추진계획 cannot be drawn
    files, failures = batch.render_card(card, ["txt", "docx"], tmp_path)
    assert not files and [f.format for f in failures] == ["txt", "docx"]
    assert all("연도가 없습니다" in f.message for f in failures)


def test_hwpx_and_hwp_of_a_card_draw_its_hwpx_parts_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both formats asked: the section XML is drawn once per card (two cards: twice), the files are the
    writers' own bytes, and the memo is gone after the card (a third card would draw again)."""
    from reportgen.writers import hwp, hwpx

    drawn: list[object] = []
    draw = hwpx.draw_parts

    def counting(doc: object, style: object, **keywords: object) -> object:
        drawn.append(doc)
        return draw(doc, style, **keywords)  # type: ignore[arg-type]

    monkeypatch.setattr(hwpx, "draw_parts", counting)
    cards = make_corpus(2).cards
    for card in cards:
        files, failures = batch.render_card(card, ["txt", "hwpx", "hwp"], tmp_path)
        assert not failures and [f.format for f in files] == ["txt", "hwpx", "hwp"]
    assert len(drawn) == 2 and drawn[0] is not drawn[1]
    assert hwpx._SHARED.get() is None
    name = batch.card_filename(cards[1].id, cards[1].title, ".hwp")
    assert (tmp_path / name).read_bytes() == hwp.render_hwp(cards[1])
    assert (tmp_path / name).with_suffix(".hwpx").read_bytes() == hwpx.render_hwpx(cards[1])
    assert len(drawn) == 4  # outside a build, each writer draws its own


def test_hwp_alone_draws_without_a_memo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reportgen.writers import hwpx

    opened: list[int] = []
    monkeypatch.setattr(hwpx, "shared_parts", lambda: opened.append(1) or batch.contextlib.nullcontext())
    card = make_corpus(1).cards[0]
    for formats in (["hwp"], ["txt", "hwp"], ["hwpx", "docx"]):
        assert not batch.render_card(card, formats, tmp_path)[1]
    assert opened == []
    batch.render_card(card, ["hwp", "hwpx"], tmp_path)
    assert opened == [1]


# ── chunks: what goes to a worker, what comes back, one flush per chunk ───
def test_chunk_size_is_a_few_flushes_and_at_most_a_quarter_share_per_worker() -> None:
    assert (batch.FILES_PER_FLUSH, batch.FLUSHES_PER_CHUNK) == (64, 4)
    assert batch.chunk_size(1000, 6, 2) == 40  # 4 flushes of 10 cards' 60 files
    assert batch.chunk_size(1000, 1, 1) == 256
    assert batch.chunk_size(30, 6, 1) == 30  # one worker: no share to keep
    assert batch.chunk_size(100, 6, 2) == 13  # 2 workers: 8 chunks, 4 each
    assert batch.chunk_size(15, 6, 2) == 2
    assert batch.chunk_size(3, 100, 1) == 3  # more formats than a flush holds: a flush per card
    assert batch.chunk_size(0, 6, 0) == 1


def test_chunked_keeps_the_order_and_reads_lazily() -> None:
    assert list(batch.chunked(range(5), 2)) == [[0, 1], [2, 3], [4]]
    assert list(batch.chunked([], 3)) == []
    endless = batch.chunked(iter(int, 1), 3)  # an endless iterator: only what is asked is read
    assert next(endless) == [0, 0, 0]


def test_a_chunk_is_written_in_flushes_the_first_while_the_next_cards_render(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """25 cards × 3 formats, -j 1: one chunk; 21 cards' 63 files flushed by the background thread,
    then the last 4 cards' 12 by the thread that renders; the files are the ones a card-by-card
    build writes."""
    cards = make_corpus(25).cards
    for card in cards:  # card by card, one flush each
        batch.render_card(card, ["txt", "docx", "html"], tmp_path / "one-by-one")
    groups: list[int] = []
    real = batch.write_files_atomic

    def counting(items):  # type: ignore[no-untyped-def]
        items = list(items)
        groups.append((len(items), batch.threading.current_thread().name))
        return real(items)

    monkeypatch.setattr(batch, "write_files_atomic", counting)
    report = batch.build(cards, tmp_path / "chunks", ["txt", "docx", "html"], jobs=1)
    assert groups == [(63, "reportgen-flush"), (12, "MainThread")]
    assert len(report.files) == 75 and not report.failures
    assert [f.관리번호 for f in report.files[:3]] == [cards[0].id] * 3  # card by card, formats in order
    (tmp_path / "chunks" / batch.MANIFEST).unlink()
    assert _digests(tmp_path / "chunks") == _digests(tmp_path / "one-by-one")


def test_a_worker_sends_back_names_and_hashes_not_the_files(tmp_path: Path) -> None:
    """What a worker returns for a chunk (pickled to the main process) holds no file bytes: a few
    hundred bytes per file, whatever the files weigh."""
    import pickle

    cards = make_corpus(4).cards
    result = batch._render_chunk(cards, ["docx", "xlsx", "html"], tmp_path, None)
    files, failures, done = result
    assert done == 4 and not failures and len(files) == 12
    written = sum(f.bytes for f in files)
    assert written > 12 * 5000
    assert len(pickle.dumps(result)) < 12 * 400
    assert not any(isinstance(value, bytes) for f in files for value in astuple(f))


def test_progress_advances_once_per_card_in_chunks(tmp_path: Path) -> None:
    ticks: list[int] = []
    batch.build(make_corpus(23).cards, tmp_path, ["txt", "docx", "xlsx"], jobs=2, on_card=lambda: ticks.append(1))
    assert len(ticks) == 23


def test_failures_are_listed_card_by_card_within_a_chunk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Card 1 cannot be written as .txt (a folder has its name), card 2's writer fails: the failures
    come card by card (1's, then 2's), as a card-by-card build lists them; card 3 is written whole."""
    cards = make_corpus(3).cards
    (tmp_path / batch.card_filename(cards[0].id, cards[0].title, ".txt")).mkdir()
    broken = cards[1].id

    class FailingWriter:
        suffix = ".txt"

        def render(self, card, options=None):  # type: ignore[no-untyped-def]
            if card.id == broken:
                raise CardError(f"{card.id}: 표현할 수 없음 / cannot express")
            return b"ok"

    monkeypatch.setitem(WRITERS, "txt", FailingWriter())
    files, failures = batch.render_cards(cards, ["txt"], tmp_path)
    assert [(f.card_id, "폴더" in f.message) for f in failures] == [(cards[0].id, True), (broken, False)]
    assert [f.관리번호 for f in files] == [cards[2].id]


def test_an_error_of_the_background_flush_stops_the_chunk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk is full in the first (background) flush: render_cards raises that OutputError and
    flushes nothing more; no file and no temp file is left."""
    import errno

    from reportgen import fileio

    groups: list[str] = []
    real = batch.write_files_atomic

    def recording(items):  # type: ignore[no-untyped-def]
        groups.append(batch.threading.current_thread().name)
        return real(items)

    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(batch, "write_files_atomic", recording)
    monkeypatch.setattr(fileio.os, "fdatasync", full)
    with pytest.raises(batch.OutputError) as raised:
        batch.render_cards(make_corpus(25).cards, ["txt", "docx", "html"], tmp_path / "out")
    assert raised.value.code == errno.ENOSPC
    assert groups == ["reportgen-flush"]
    assert list((tmp_path / "out").iterdir()) == []


def test_a_stop_waits_for_the_flush_at_hand(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C while the background flush is under way: leaving the block waits for it (its file is
    whole on disk), then the stop goes on."""
    import threading

    release = threading.Event()

    def slow_flush(items):  # type: ignore[no-untyped-def]
        release.wait(5)
        for target, data in items:
            target.write_bytes(data)
        return set()

    monkeypatch.setattr(batch, "_flush", slow_flush)
    threading.Timer(0.3, release.set).start()
    with pytest.raises(KeyboardInterrupt), batch._Flusher() as flusher:
        flusher.start([(tmp_path / "a.txt", b"whole")])
        raise KeyboardInterrupt
    assert release.is_set() and (tmp_path / "a.txt").read_bytes() == b"whole"


# ── manifest.json, entry by entry ─────────────────────────────────────────
def _reference_manifest(files: list[batch.BuiltFile], day: str, carried: list[dict[str, object]]) -> str:
    """The manifest as one json.dumps of every entry (how it was written before it was streamed)."""
    entries = [dict(asdict(f), 기준일=day, reportgen=batch.__version__) for f in files] + carried
    return json.dumps({"files": sorted(entries, key=lambda e: str(e["file"]))}, ensure_ascii=False, indent=1) + "\n"


@pytest.mark.parametrize("count", [0, 1, 7])
def test_the_manifest_written_entry_by_entry_is_the_one_json_dumps_writes(count: int) -> None:
    files = [batch.BuiltFile(f"{n % 3}-{n}_사업 \"{n}\".txt", f"{n % 3}-{n}", "txt", n * 10, f"{n:064x}")
             for n in range(count, 0, -1)]
    carried: list[dict[str, object]] = [
        {"file": "2-5_옛.docx", "관리번호": "2-5", "format": "docx", "bytes": 3, "sha256": "a" * 64, "기준일": "2024-01-31"},
        {"file": "0-0_옛.hwp", "관리번호": "0-0", "format": "hwp", "bytes": 0, "sha256": "b" * 64},
    ][: count // 3]
    as_of = batch.parse_as_of("2024-06-30")
    text = batch.manifest_json(files, as_of, carried)
    assert text == _reference_manifest(files, "2024-06-30", carried)
    names = [entry["file"] for entry in json.loads(text)["files"]]
    assert names == sorted([f.file for f in files] + [str(c["file"]) for c in carried])
    pieces = list(batch.manifest_pieces(files, None, carried))
    assert len(pieces) == max(1, count + len(carried) + 1)  # a piece per entry, never the whole text at once
    assert "".join(pieces) == _reference_manifest(files, "", carried)


def test_a_build_writes_the_manifest_json_dumps_would(tmp_path: Path) -> None:
    report = batch.build(make_corpus(5).cards, tmp_path, ["txt", "html"], as_of=batch.parse_as_of("2024-12-31"))
    written = (tmp_path / batch.MANIFEST).read_text(encoding="utf-8")
    assert written == _reference_manifest(report.files, "2024-12-31", [])
    assert len(json.loads(written)["files"]) == 10


def test_a_stop_signal_during_the_wait_still_waits_for_the_flush(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stop signal's handler raises while the rendering thread waits for the background flush:
    the wait goes on until the flush has ended (its file whole), then the stop goes on. (A join
    cut short by a signal took the thread for ended while it still wrote: temp files were left.)"""
    import threading

    class Stop(BaseException):
        pass

    def raise_stop(_signum: int, _frame: object) -> None:
        raise Stop

    ended: list[float] = []

    def slow_flush(items):  # type: ignore[no-untyped-def]
        time.sleep(0.5)
        for target, data in items:
            target.write_bytes(data)
        ended.append(time.monotonic())
        return set()

    monkeypatch.setattr(batch, "_flush", slow_flush)
    before = signal.signal(signal.SIGUSR1, raise_stop)
    try:
        threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGUSR1)).start()
        flusher = batch._Flusher()
        flusher.start([(tmp_path / "a.txt", b"whole")])
        with pytest.raises(Stop):
            flusher.wait()
        stopped = time.monotonic()
    finally:
        signal.signal(signal.SIGUSR1, before)
    assert ended and ended[0] <= stopped and (tmp_path / "a.txt").read_bytes() == b"whole"


def test_objects_are_frozen_while_workers_run() -> None:
    """-j 2: the main process's objects are out of the collector's reach while the workers run (a
    worker's collection would copy the pages it shares with the main process), and back after."""
    import gc

    before = gc.get_freeze_count()
    seen = [gc.get_freeze_count() for _ in batch.ordered_map(abs, range(3), 2)]
    assert min(seen) > before and gc.get_freeze_count() == before
    assert [gc.get_freeze_count() for _ in batch.ordered_map(abs, range(3), 1)] == [before] * 3
