"""Fuzzing: every reader on mutated bytes of real files, and generated cards through every format.

1. Byte fuzzing: the text, workbook, DOCX, HWPX and HWP readers get real files
   truncated, with flipped bytes, with ranges deleted or repeated, spliced with
   other files; for the zip formats also the XML parts mutated inside an intact
   zip (so the XML parsers are reached). Each must give a card (or workbook) or
   an :class:`~reportgen.errors.InputError`, never another exception.
2. Generated cards (:func:`cards`) must come back equal through every
   writer/reader pair: text, DOCX, HWPX, HWP and the master workbook.

What the generated cards are restricted to, because the formats cannot express more:

* text starts with a letter (Hangul or Latin) and holds no tab or line break:
  every format trims text, the text layout separates cells by tabs and puts a
  card line on one line (DOCX and HWPX read a tab as a space), and a leading
  marker (○ - ▷ ※ ▪ □ < 【) or a date at the start of an 추진실적 line is
  card syntax; runs of spaces are one space (the DOCX reader folds them, as
  Word documents typed by hand are full of them). Inside, anything goes:
  digits, emoji, markers, ``()[],:;☎<>&"'`` (:func:`free_texts`);
* header values (:func:`texts`) are single-spaced words without parentheses,
  ``☎``, commas or header labels: the text layout joins the header table into
  one line, finds the cells by label and splits contacts at ``(`` ``☎`` ``,``;
* a card has a 관리번호 and a 사업명 (the workbook needs both), no 분야 and no
  변경이력 (only the workbook holds them; they are checked there), no agency on
  추진부서 (no workbook column), a 협조부서 with an officer (the text layout
  separates contacts without one by commas);
* 추진실적: a □ section has groups with distinct titles (the first may be
  untitled), every group has entries; an entry is ``○`` with a date or an
  undated plain line; details of a dated entry are - ▷ ※ ▪ or plain, of an
  undated one ▪ (what the workbook can hold);
* the plan has 2-5 consecutive term years, or none (then no targets and rows).
"""

from __future__ import annotations

import io
import random
import re
import shutil
import sys
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportgen import model as m
from reportgen.errors import InputError
from reportgen.readers.docx import read_docx
from reportgen.readers.hwp import read_hwp
from reportgen.readers.hwpx import read_hwpx
from reportgen.readers.text import parse_lines, read_text
from reportgen.readers.workbook import read_workbook
from reportgen.writers.docx import render_docx
from reportgen.writers.hwp import render_hwp
from reportgen.writers.hwpx import render_hwpx
from reportgen.writers.text import render_text
from reportgen.writers.workbook import write_workbook

FIXTURES = Path(__file__).parent / "fixtures"
CARD_2412 = FIXTURES / "3-1_2024-12_from-hwp.txt"
HWP_SAMPLES = FIXTURES / "hwp-samples"
#: examples per test: bounded so that the whole suite stays well under 10 minutes on 2 cores
BYTE_EXAMPLES = {".txt": 200, ".xlsx": 200, ".docx": 200, ".hwpx": 200, ".hwp": 100}
PART_EXAMPLES, RECORD_EXAMPLES = 150, 100
FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])


def _reference_card() -> m.Card:
    card = read_text(CARD_2412)
    card.id, card.title = "3-1", "서부산스마트밸리 「낙동강 테크노밸리」 조성"
    return card


def _workbook_bytes(card: m.Card) -> bytes:
    years = card.annual_plan.years
    settings_ = m.Settings(term_start=years[0] if years else None, term_end=years[-1] if years else None)
    return write_workbook(m.Workbook(settings_, [card]))


def _seeds() -> dict[str, list[bytes]]:
    """Real files of each format to mutate."""
    card = _reference_card()
    return {
        ".txt": [CARD_2412.read_bytes(), render_text(card).encode()],
        ".xlsx": [_workbook_bytes(card)],
        ".docx": [render_docx(card)],
        ".hwpx": [render_hwpx(card)],
        ".hwp": [render_hwp(card), *(p.read_bytes() for p in sorted(HWP_SAMPLES.glob("*.hwp"))[:3])],
    }


SEEDS = _seeds()
READERS: dict[str, Callable[[Path], object]] = {
    ".txt": read_text, ".xlsx": read_workbook, ".docx": read_docx, ".hwpx": read_hwpx, ".hwp": read_hwp,
}


# ── byte mutations ────────────────────────────────────────────────────────
def _mutate(data: bytes, other: bytes, rng: random.Random, steps: int) -> bytes:
    """``steps`` random edits: truncate, flip, delete, repeat or splice in a piece of ``other``."""
    out = bytearray(data)
    for _ in range(steps):
        if not out:
            break
        kind = rng.choice(("truncate", "flip", "flip", "delete", "repeat", "splice"))
        at = rng.randrange(len(out))
        size = rng.randint(1, max(1, min(4096, len(out) // 4)))
        if kind == "truncate":
            del out[at:]
        elif kind == "flip":
            out[at] ^= rng.randint(1, 255)
        elif kind == "delete":
            del out[at:at + size]
        elif kind == "repeat":
            out[at:at] = out[at:at + size]
        else:
            start = rng.randrange(len(other))
            out[at:at] = other[start:start + size]
    return bytes(out)


def _mutate_members(data: bytes, rng: random.Random, steps: int) -> bytes:
    """The zip rebuilt with one XML member mutated: reaches the XML parsers behind the zip layer."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    xml = sorted(name for name in members if name.endswith((".xml", ".rels", ".hpf")))
    name = rng.choice(xml)
    members[name] = _mutate(members[name], members[rng.choice(xml)], rng, steps)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member, content in members.items():
            target.writestr(member, content)
    return out.getvalue()


def _outcome(reader: Callable[[Path], object], path: Path) -> str:
    """"read" or "refused"; any exception other than InputError fails the test."""
    try:
        reader(path)
    except InputError as error:
        assert error.problems and all(p.file == str(path) for p in error.problems), error
        return "refused"
    return "read"


def _print_tally(capsys: pytest.CaptureFixture[str], what: str, tally: Counter) -> None:
    with capsys.disabled():
        print(f"\nfuzz {what}: {sum(tally.values())} tried, " + ", ".join(f"{n} {k}" for k, n in sorted(tally.items())))


@pytest.mark.parametrize("suffix", list(READERS))
def test_reader_survives_mutated_bytes(suffix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tally: Counter = Counter()
    reader, seeds = READERS[suffix], SEEDS[suffix]
    others = [seed for seeds_ in SEEDS.values() for seed in seeds_]
    path = tmp_path / f"fuzzed{suffix}"

    @settings(FUZZ, max_examples=BYTE_EXAMPLES[suffix])
    @given(seed=st.integers(0, len(seeds) - 1), other=st.integers(0, len(others) - 1), salt=st.integers(0, 2**32),
           steps=st.integers(1, 8))
    def run(seed: int, other: int, salt: int, steps: int) -> None:
        path.write_bytes(_mutate(seeds[seed], others[other], random.Random(salt), steps))
        tally[_outcome(reader, path)] += 1

    run()
    _print_tally(capsys, f"{suffix} bytes", tally)
    assert sum(tally.values()) >= 30


@pytest.mark.parametrize("suffix", [".xlsx", ".docx", ".hwpx"])
def test_reader_survives_mutated_xml_parts(suffix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tally: Counter = Counter()
    reader = READERS[suffix]
    path = tmp_path / f"fuzzed{suffix}"

    @settings(FUZZ, max_examples=PART_EXAMPLES)
    @given(salt=st.integers(0, 2**32), steps=st.integers(1, 6))
    def run(salt: int, steps: int) -> None:
        path.write_bytes(_mutate_members(SEEDS[suffix][0], random.Random(salt), steps))
        tally[_outcome(reader, path)] += 1

    run()
    _print_tally(capsys, f"{suffix} XML parts", tally)
    assert sum(tally.values()) >= 30


_TOKENS = [*m.SECTION_HEADINGS, *m.PLAN_SUBHEADINGS.values(), m.SUB_ANNUAL_PLAN, *m.MARKERS, m.MARK_SUBHEADING,
           "\t", "  ", " ", "2023. 04. :", "2023. 13. :", "2022년", "40%", "1회", "-", "<", ">", "(", "☎", "**",
           m.L_CATEGORY, m.L_STATUS, m.L_ID, m.L_PLAN_ITEM, m.L_IN_TERM, m.L_AFTER_TERM, "추진 중(40%)", "가나", "x"]


def test_text_reader_on_lines_of_card_syntax(capsys: pytest.CaptureFixture[str]) -> None:
    """Lines built from the card's own syntax (headings, markers, tabs, dates, labels) in any order."""
    tally: Counter = Counter()
    line = st.lists(st.sampled_from(_TOKENS), max_size=6).map("".join)
    reference = CARD_2412.read_text(encoding="utf-8").splitlines()

    @settings(FUZZ, max_examples=BYTE_EXAMPLES[".txt"])
    @given(lines=st.lists(line, max_size=40), keep=st.integers(0, len(reference)))
    def run(lines: list[str], keep: int) -> None:
        try:
            parse_lines(reference[:keep] + lines, "generated.txt")
        except InputError as error:
            assert error.problems, error
            tally["refused"] += 1
        else:
            tally["read"] += 1

    run()
    _print_tally(capsys, "text lines of card syntax", tally)


def _mutate_hwp_records(path: Path, rng: random.Random, steps: int) -> bool:
    """Mutate the decompressed records of BodyText/Section0 in place, keeping the OLE container valid.

    False when the recompressed section does not fit its stream (olefile writes same-size streams only).
    """
    import olefile

    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        raw = ole.openstream("BodyText/Section0").read()
        compressed = ole.openstream("FileHeader").read()[36] & 1
        plain = zlib.decompress(raw, -15) if compressed else raw
        mutated = _mutate(plain, plain, rng, steps)
        if compressed:
            packer = zlib.compressobj(9, zlib.DEFLATED, -15)
            mutated = packer.compress(mutated) + packer.flush()
        if len(mutated) > len(raw):
            return False
        ole.write_stream("BodyText/Section0", mutated.ljust(len(raw), b"\0"))
    return True


def test_hwp_reader_survives_mutated_records(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Records behind the OLE and zlib layers: reaches pyhwp's record and model parsers."""
    pytest.importorskip("olefile")
    tally: Counter = Counter()
    seed = tmp_path / "seed.hwp"
    seed.write_bytes(SEEDS[".hwp"][0])
    path = tmp_path / "fuzzed.hwp"

    @settings(FUZZ, max_examples=RECORD_EXAMPLES)
    @given(salt=st.integers(0, 2**32), steps=st.integers(1, 6))
    def run(salt: int, steps: int) -> None:
        shutil.copyfile(seed, path)
        if not _mutate_hwp_records(path, random.Random(salt), steps):
            tally["too long to fit"] += 1
            return
        tally[_outcome(read_hwp, path)] += 1

    run()
    _print_tally(capsys, ".hwp records", tally)
    assert tally["read"] + tally["refused"] >= 30


# ── generated cards ───────────────────────────────────────────────────────
_HANGUL = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
_LATIN = st.sampled_from("abcxyzABCXYZ")
_OTHER = st.sampled_from("0123456789·「」~/.%&<>'\"") | st.sampled_from(["🏭", "✨", "👩‍🔬", "🇰🇷", "㎡", "Ⅱ"])
_SYNTAX = st.sampled_from(list("()[],:;☎-○▷※▪□<>【】 "))
_LABELS = {m.L_CATEGORY, m.L_EXECUTOR, m.L_PERIOD, m.L_BUDGET, m.L_COMPLETION, m.L_DEPARTMENT, m.L_ID,
           "추진상황", "협조부서", m.L_STATUS, m.L_COOPERATION}


@st.composite
def _word(draw: st.DrawFn) -> str:
    first = draw(_HANGUL | _LATIN)
    rest = draw(st.lists(_HANGUL | _LATIN | _OTHER, max_size=6))
    return first + "".join(rest)


def texts(max_words: int = 5) -> st.SearchStrategy[str]:
    """Card text: words joined by single spaces, never a header label."""
    return (st.lists(_word(), min_size=1, max_size=max_words).map(" ".join)
            .filter(lambda text: not any(label in text for label in _LABELS)))


@st.composite
def _free_text(draw: st.DrawFn) -> str:
    first = draw(_HANGUL | _LATIN)
    rest = draw(st.lists(_HANGUL | _LATIN | _OTHER | _SYNTAX, max_size=14))
    return re.sub(" +", " ", first + "".join(rest)).rstrip()


def free_texts() -> st.SearchStrategy[str]:
    """Text of bullets, 추진실적 lines and plan cells: see the module docstring."""
    return _free_text()


def _optional(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.just("") | strategy


PERIODS = ["2023. 04.", "2023. 06. ~ 08.", "2024. 01. 15.", "2023. 11. ~ 2024. 02.", "2022. 12.", "2024. 07. ~ 09."]


@st.composite
def _contact(draw: st.DrawFn, cooperation: bool) -> m.Contact:
    officer = draw(texts(1) if cooperation else _optional(texts(1)))
    phone = draw(_optional(st.from_regex(r"[0-9]{3,4}(-[0-9]{4})?", fullmatch=True)))
    agency = draw(st.sampled_from(["", "市", "區"])) if cooperation else ""
    return m.Contact(draw(texts(3)), officer, phone, agency)


@st.composite
def _header(draw: st.DrawFn) -> m.Header:
    return m.Header(
        category=draw(st.sampled_from([*m.CATEGORIES, ""])),
        executor=draw(_optional(texts(2))),
        period=draw(_optional(st.sampled_from(["2022년~2026년", "2023. 1. ~ 2026. 6.", "임기 내"]))),
        status=draw(st.sampled_from(["", *m.DEFAULT_STATUSES])),
        progress=draw(st.none() | st.integers(0, 100)),
        budget=draw(_optional(texts(3))),
        completion=draw(st.sampled_from([*m.COMPLETIONS, ""])),
        department=draw(_contact(False)),
        cooperation=draw(st.lists(_contact(True), max_size=3)),
    )


_BULLET_MARKERS = [*m.MARKERS, m.MARK_PLAIN]


@st.composite
def _bullets(draw: st.DrawFn) -> list[m.BulletLine]:
    return draw(st.lists(st.builds(m.BulletLine, st.sampled_from(_BULLET_MARKERS), free_texts()), max_size=4))


@st.composite
def _plan(draw: st.DrawFn) -> m.AnnualPlan:
    width = draw(st.sampled_from([0, 2, 3, 5]))
    if not width:
        return m.AnnualPlan()
    years = list(range(2022, 2022 + width))
    targets = draw(st.lists(st.none() | st.integers(0, 100), min_size=width, max_size=width))
    cells = st.lists(_optional(free_texts()), min_size=width, max_size=width)
    rows = draw(st.lists(st.builds(m.PlanRow, free_texts(), cells, _optional(free_texts())), max_size=3))
    return m.AnnualPlan(years, targets, draw(st.none() | st.integers(0, 100)), rows)


def _details(*markers: str) -> st.SearchStrategy[list[m.BulletLine]]:
    return st.lists(st.builds(m.BulletLine, st.sampled_from(markers), free_texts()), max_size=3)


@st.composite
def _entry(draw: st.DrawFn) -> m.Achievement:
    """A dated ○ entry, an undated ○ entry, or an undated plain line (a box title with ▪ lines)."""
    kind = draw(st.sampled_from(["dated", "dated", "undated", "plain"]))
    if kind == "dated":
        details = draw(_details(m.MARK_L2, m.MARK_L3, m.MARK_NOTE, m.MARK_BOX, m.MARK_PLAIN))
        return m.Achievement(draw(st.sampled_from(PERIODS)), draw(free_texts()), m.MARK_L1, details)
    if kind == "undated":
        details = draw(_details(m.MARK_L2, m.MARK_L3, m.MARK_NOTE, m.MARK_BOX))
        return m.Achievement("", draw(free_texts()), m.MARK_L1, details)
    return m.Achievement("", draw(free_texts()), m.MARK_PLAIN, draw(_details(m.MARK_BOX)))


@st.composite
def _section(draw: st.DrawFn) -> m.AchievementSection:
    titles = draw(st.lists(free_texts(), max_size=3, unique=True))
    if draw(st.booleans()):
        titles = ["", *titles]
    if not titles:
        titles = [""]
    groups = [m.AchievementGroup(title, draw(st.lists(_entry(), min_size=1, max_size=3))) for title in titles]
    return m.AchievementSection(draw(free_texts()), groups)


@st.composite
def cards(draw: st.DrawFn) -> m.Card:
    """A card every format can express (see the module docstring)."""
    card = m.Card(id=draw(st.from_regex(r"[1-9][0-9]?(-[1-9][0-9]?){0,2}", fullmatch=True)), title=draw(texts(6)))
    card.header = draw(_header())
    card.bullets = {key: draw(_bullets()) for key in m.BULLET_SECTIONS}
    card.annual_plan = draw(_plan())
    sections = draw(st.lists(_section(), max_size=3))
    titles = [section.title for section in sections]
    card.achievements = [s for i, s in enumerate(sections) if s.title not in titles[:i]]
    card.communication = draw(st.lists(st.none() | st.integers(0, 30), min_size=5, max_size=5))
    return card


def _through_text(card: m.Card, tmp_path: Path) -> m.Card:
    path = tmp_path / "card.txt"
    path.write_text(render_text(card), encoding="utf-8")
    return read_text(path)


def _through(render: Callable[[m.Card], bytes], read: Callable[[Path], m.Card], suffix: str
             ) -> Callable[[m.Card, Path], m.Card]:
    def run(card: m.Card, tmp_path: Path) -> m.Card:
        path = tmp_path / f"card{suffix}"
        path.write_bytes(render(card))
        return read(path)

    return run


def _through_workbook(card: m.Card, tmp_path: Path) -> m.Card:
    path = tmp_path / "master.xlsx"
    path.write_bytes(_workbook_bytes(card))
    return read_workbook(path).cards[0]


@st.composite
def workbook_cards(draw: st.DrawFn) -> m.Card:
    """A card with what only the workbook holds too: 분야 and 변경이력."""
    card = draw(cards())
    card.area = draw(_optional(free_texts()))
    dates = st.sampled_from(["2023. 04.", "2024. 03. 15.", "2023. 06. ~ 08.", "조례 개정 후"])
    card.changes = draw(st.lists(st.builds(m.ChangeRecord, dates, free_texts(), _optional(free_texts()),
                                           _optional(free_texts())), max_size=3))
    return card


ROUND_TRIPS = {
    "text": (_through_text, cards, 150),
    "docx": (_through(render_docx, read_docx, ".docx"), cards, 150),
    "hwpx": (_through(render_hwpx, read_hwpx, ".hwpx"), cards, 150),
    "hwp": (_through(render_hwp, read_hwp, ".hwp"), cards, 60),
    "workbook": (_through_workbook, workbook_cards, 80),
}


def _count_lines(card: m.Card, tally: Counter) -> None:
    tally["추진실적 lines"] += sum(1 + len(i.details) for s in card.achievements for g in s.groups for i in g.items)
    tally["bullet lines"] += sum(len(lines) for lines in card.bullets.values())
    tally["plan rows"] += len(card.annual_plan.rows)


@pytest.mark.parametrize("fmt", list(ROUND_TRIPS))
def test_generated_cards_round_trip(fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    through, strategy, examples = ROUND_TRIPS[fmt]
    tally: Counter = Counter()

    @settings(FUZZ, max_examples=examples)
    @given(card=strategy())
    def run(card: m.Card) -> None:
        assert through(card, tmp_path) == card
        tally["cards"] += 1
        _count_lines(card, tally)

    run()
    with capsys.disabled():
        print(f"\nround trip {fmt}: {tally['cards']} generated cards came back equal "
              f"({tally['추진실적 lines']} 추진실적 lines, {tally['bullet lines']} bullet lines, "
              f"{tally['plan rows']} plan rows)")
    assert tally["cards"] >= 10


if __name__ == "__main__":  # pragma: no cover - print one generated card
    print(render_text(cards().example()), file=sys.stderr)
