"""HWP 5.0 (.hwp): writer → pyhwp reader round trip, merged cells, real Hangul samples, bad files."""

from __future__ import annotations

import copy
import dataclasses
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportgen import model as m
from reportgen.documents import card_document
from reportgen.errors import CardError, InputError
from reportgen.readers import hwp as hwp_reader
from reportgen.readers.hwp import hwp_lines, read_hwp
from reportgen.readers.text import read_text
from reportgen.writers import hwp as hwp_writer
from reportgen.writers import hwpx as hwpx_writer
from reportgen.writers.hwp import render_hwp, render_hwp_via_hwpx
from reportgen.writers.hwpx import SECTION_PART, document_parts, load_template, render_hwpx

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = FIXTURES / "hwp-samples"
CARDS = [FIXTURES / "3-1_2024-03_from-docx.txt", FIXTURES / "3-1_2024-12_from-hwp.txt"]
CARD_IDS = ["2024-03", "2024-12"]
#: the Hangul samples that are readable documents but no pledge card
NOT_CARDS = ["lists-bullet.hwp", "sample-5017.hwp", "table-caption.hwp", "table-position.hwp",
             "table.hwp", "viewtext.hwp"]
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _written(card: m.Card, tmp_path: Path, name: str = "card.hwp") -> Path:
    path = tmp_path / name
    path.write_bytes(render_hwp(card))
    return path


def _message(error: pytest.ExceptionInfo[InputError]) -> str:
    return str(error.value)


@pytest.fixture(scope="module")
def card_2403() -> m.Card:
    return read_text(CARDS[0])


# ── round trip ────────────────────────────────────────────────────────────
@pytest.mark.parametrize("source", CARDS, ids=CARD_IDS)
def test_model_to_hwp_to_model_is_equal(source: Path, tmp_path: Path) -> None:
    card = read_text(source)
    assert read_hwp(_written(card, tmp_path)) == card


def test_writer_makes_an_hwp5_compound_file(card_2403: m.Card) -> None:
    data = render_hwp(card_2403)
    assert data.startswith(OLE2_MAGIC)


def test_same_card_gives_same_bytes(card_2403: m.Card) -> None:
    assert render_hwp(card_2403) == render_hwp(copy.deepcopy(card_2403))


def test_hwp_lines_are_the_standard_text_card_lines(card_2403: m.Card, tmp_path: Path) -> None:
    lines = hwp_lines(_written(card_2403, tmp_path))
    assert lines[0] == f"{m.L_ID}\t{card_2403.id}"
    assert lines[1] == card_2403.title
    assert f"{m.MARK_SUBHEADING} {m.SUB_ANNUAL_PLAN}" in lines
    assert [line for line in lines if line.startswith("【")] == list(m.SECTION_HEADINGS)



def test_boxed_note_and_sub_lines_keep_their_lines(tmp_path: Path) -> None:
    card = read_text(CARDS[1])
    lines = hwp_lines(_written(card, tmp_path))
    box = lines.index("사하구 지식산업센터 인허가 현황")  # a one-cell table: one line per paragraph
    assert lines[box + 1].lstrip().startswith(m.MARK_BOX)
    plain = next(line for line in lines if "동아대학교 글로컬대학 지정" in line)
    assert plain.startswith(" ")  # paragraph indentation read as leading spaces: still a sub-line

# ── merged cells ──────────────────────────────────────────────────────────
def _pyhwp_tables(path: Path) -> list[list[dict[str, Any]]]:
    """Every table's cells (row, col, rowspan, colspan, text) as pyhwp reads them."""
    from hwp5.treeop import ENDEVENT, STARTEVENT
    from hwp5.xmlmodel import Hwp5File

    tables: list[list[dict[str, Any]]] = []
    cell: dict[str, Any] | None = None
    document = Hwp5File(str(path))
    for event, (model, attrs, _context) in document.text.events():
        name = model.__name__
        if event is STARTEVENT and name == "TableBody":
            tables.append([])
        elif event is STARTEVENT and name == "TableCell":
            cell = {key: attrs[key] for key in ("row", "col", "rowspan", "colspan")} | {"text": ""}
            tables[-1].append(cell)
        elif event is ENDEVENT and name == "TableCell":
            cell = None
        elif event is STARTEVENT and name == "Text" and cell is not None:
            cell["text"] += attrs["text"]
    document.close()
    return tables


def _spans(table: list[dict[str, Any]]) -> dict[str, tuple[int, int, int, int]]:
    return {c["text"]: (c["row"], c["col"], c["rowspan"], c["colspan"]) for c in table if c["text"]}


@pytest.mark.parametrize("source", CARDS, ids=CARD_IDS)
def test_plan_table_keeps_its_merged_cells(source: Path, tmp_path: Path) -> None:
    card = read_text(source)
    years = len(card.annual_plan.years)
    tables = _pyhwp_tables(_written(card, tmp_path))
    plan = next(t for t in tables if any(c["text"] == m.L_PLAN_ITEM for c in t))
    spans = _spans(plan)
    assert spans[m.L_PLAN_ITEM] == (0, 0, 3, 1)
    assert spans[m.L_IN_TERM] == (0, 1, 1, years)
    assert spans[m.L_AFTER_TERM] == (0, years + 1, 2, 1)
    merged = [c for c in plan if (c["rowspan"], c["colspan"]) != (1, 1)]
    assert len(merged) == 3
    # the read-back card has the same plan: merged cells were read as spans, not as text
    assert read_hwp(tmp_path / "card.hwp").annual_plan == card.annual_plan


def test_reader_turns_spans_into_empty_cells() -> None:
    # table.hwp: 2×3, cell (0,2) spans two rows, cell (1,0) spans two columns, all empty
    assert hwp_lines(SAMPLES / "table.hwp")[:2] == ["\t\t", "\t\t"]


def test_reader_joins_paragraphs_of_one_cell_with_a_space() -> None:
    lines = hwp_lines(SAMPLES / "sample-5017.hwp")
    assert "A0\tB0" in lines
    assert "A1\tB10 B11" in lines


# ── real Hangul samples ───────────────────────────────────────────────────
@pytest.mark.parametrize("name", NOT_CARDS)
def test_real_sample_is_read_and_refused_as_not_a_card(name: str) -> None:
    assert isinstance(hwp_lines(SAMPLES / name), list)
    with pytest.raises(InputError) as error:
        read_hwp(SAMPLES / name)
    assert "not a pledge card" in _message(error)
    assert "공약 관리카드가 아닙니다" in _message(error)
    assert name in _message(error)


def test_distribution_document_is_decoded() -> None:
    assert "pyhwp 테스트를 위한 배포 문서 예제입니다." in hwp_lines(SAMPLES / "viewtext.hwp")


def test_password_protected_document_is_refused(capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(InputError) as error:
        read_hwp(SAMPLES / "password-12345.hwp")
    assert "password-protected" in _message(error)
    assert "암호" in _message(error)
    assert "password-12345.hwp" in _message(error)
    assert capfd.readouterr().err == ""  # pyhwp's own complaint is silenced


# ── bad files ─────────────────────────────────────────────────────────────
def _damaged(path: Path) -> None:
    with pytest.raises(InputError) as error:
        read_hwp(path)
    assert "damaged" in _message(error)
    assert "손상" in _message(error)
    assert path.name in _message(error)


@pytest.mark.parametrize("name", ["sample-5017.hwp", "table.hwp"])
def test_truncated_sample_is_refused(name: str, tmp_path: Path) -> None:
    data = (SAMPLES / name).read_bytes()
    path = tmp_path / f"cut-{name}"
    path.write_bytes(data[: len(data) // 3])
    _damaged(path)


def test_truncated_card_is_refused(card_2403: m.Card, tmp_path: Path) -> None:
    data = render_hwp(card_2403)
    path = tmp_path / "cut.hwp"
    path.write_bytes(data[: len(data) // 2])
    _damaged(path)


def _flipped(data: bytes, start: int) -> bytes:
    flipped = bytearray(data)
    for index in range(start, len(flipped), 97):
        flipped[index] ^= 0xFF
    return bytes(flipped)


@pytest.mark.parametrize("start", [512, 1024, 2048])
def test_byte_flipped_sample_is_refused(start: int, tmp_path: Path) -> None:
    path = tmp_path / "flipped.hwp"
    path.write_bytes(_flipped((SAMPLES / "table.hwp").read_bytes(), start))
    _damaged(path)


def test_byte_flipped_card_gives_input_error_only(card_2403: m.Card, tmp_path: Path) -> None:
    data = render_hwp(card_2403)
    path = tmp_path / "flipped.hwp"
    for start in range(512, 4096, 389):
        path.write_bytes(_flipped(data, start))
        with pytest.raises(InputError):
            read_hwp(path)


def test_every_truncation_gives_input_error_only(tmp_path: Path) -> None:
    data = (SAMPLES / "table.hwp").read_bytes()
    path = tmp_path / "cut.hwp"
    for length in range(0, len(data), len(data) // 23):
        path.write_bytes(data[:length])
        with pytest.raises(InputError):
            read_hwp(path)


def test_too_deep_nesting_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hwp_reader, "MAX_DEPTH", 5)  # a crafted file could nest tables until the stack breaks
    with pytest.raises(InputError) as error:
        read_hwp(SAMPLES / "table.hwp")
    assert "nested deeper than 5" in _message(error)


def test_huge_table_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hwp_reader, "MAX_TABLE_CELLS", 5)  # rows × cols come from the file: up to 65535²
    with pytest.raises(InputError) as error:
        hwp_lines(SAMPLES / "table.hwp")
    assert "2 × 3" in _message(error)


def test_text_file_renamed_hwp_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "card.hwp"
    path.write_text(CARDS[0].read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(InputError) as error:
        read_hwp(path)
    assert "not a Hangul (.hwp) file" in _message(error)
    assert "card.hwp" in _message(error)


def test_hwpx_renamed_hwp_points_to_hwpx(tmp_path: Path) -> None:
    path = tmp_path / "card.hwp"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/hwp+zip")
    with pytest.raises(InputError) as error:
        read_hwp(path)
    assert ".hwpx" in _message(error)


def test_other_ole_file_is_refused(tmp_path: Path) -> None:
    from hwpx.hwp5.cfb import build_compound_file

    path = tmp_path / "word.hwp"
    path.write_bytes(build_compound_file([("WordDocument", b"x" * 600)]))
    with pytest.raises(InputError) as error:
        read_hwp(path)
    assert "not an HWP 5.0 document" in _message(error)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError) as error:
        read_hwp(tmp_path / "nowhere.hwp")
    assert "cannot read the file" in _message(error)


# ── writer refusals ───────────────────────────────────────────────────────
#: a paragraph holding an element python-hwpx's HWP 5.0 writer does not know
_UNKNOWN = b'<hp:p id="9999"><hp:run charPrIDRef="0"><hp:noSuchThing/></hp:run></hp:p></hs:sec>'


def _section(card: m.Card) -> bytes:
    """``Contents/section0.xml`` of the card as the HWPX writer draws it."""
    return document_parts(card_document(card)).sections[0]


def _with_unknown(card: m.Card) -> bytes:
    return _section(card).replace(b"</hs:sec>", _UNKNOWN)


def _parts_with(section: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the HWP writer see ``section`` as the card's only section."""
    drawn = hwp_writer.document_parts

    def parts(*args: Any, **kwargs: Any) -> hwpx_writer.DocumentParts:
        return dataclasses.replace(drawn(*args, **kwargs), sections=(section,))

    monkeypatch.setattr(hwp_writer, "document_parts", parts)


def test_writer_refusal_becomes_card_error(card_2403: m.Card, monkeypatch: pytest.MonkeyPatch) -> None:
    _parts_with(_with_unknown(card_2403), monkeypatch)
    with pytest.raises(CardError) as error:
        render_hwp(card_2403)
    message = str(error.value)
    assert card_2403.id in message
    assert ".hwpx" in message
    assert "cannot express" in message and "나타낼 수 없는" in message
    assert "noSuchThing x1" in message


def test_refusal_says_what_write_hwp5_says(card_2403: m.Card, monkeypatch: pytest.MonkeyPatch) -> None:
    from hwpx.hwp5.errors import Hwp5Error
    from hwpx.hwp5.writer import write_hwp5

    parts = hwp_writer.hwpx_parts(render_hwpx(card_2403)) | {SECTION_PART: _with_unknown(card_2403)}
    with pytest.raises(Hwp5Error) as reference:
        write_hwp5(parts)
    _parts_with(_with_unknown(card_2403), monkeypatch)
    with pytest.raises(CardError) as error:
        render_hwp(card_2403)
    assert isinstance(error.value.__cause__, Hwp5Error)
    assert str(error.value.__cause__) == str(reference.value)
    assert error.value.__cause__.code == reference.value.code


def test_broken_section_becomes_card_error(card_2403: m.Card, monkeypatch: pytest.MonkeyPatch) -> None:
    _parts_with(b"<hs:sec", monkeypatch)
    with pytest.raises(CardError) as error:
        render_hwp(card_2403)
    assert "could not be built" in str(error.value) and "만들 수 없습니다" in str(error.value)


def test_card_the_hwpx_writer_refuses_stays_a_card_error(card_2403: m.Card) -> None:
    card_2403 = copy.deepcopy(card_2403)
    card_2403.annual_plan.years = []
    with pytest.raises(CardError, match="no years"):
        render_hwp(card_2403)


def test_long_way_refusal_becomes_card_error(card_2403: m.Card, monkeypatch: pytest.MonkeyPatch) -> None:
    from hwpx.hwp5 import writer
    from hwpx.hwp5.errors import write_unsupported

    def refuse(_files: object) -> bytes:
        raise write_unsupported("The document holds content the HWP 5.0 writer cannot express yet: x")

    monkeypatch.setattr(writer, "write_hwp5", refuse)
    with pytest.raises(CardError) as error:
        render_hwp_via_hwpx(card_2403)
    message = str(error.value)
    assert card_2403.id in message
    assert "cannot express" in message and "나타낼 수 없는" in message


# ── the short way gives write_hwp5's bytes ────────────────────────────────
def _odd_card() -> m.Card:
    """A hand-built card with escapes, emoji, tabs, line breaks, control characters and a box."""
    odd = 'A&B <c> "q" \'s\' 🚀\t탭\n줄\x07벨'
    header = m.Header(
        category="신규사업", executor="구비 & 市", period="2022~2026", status="추진 중", progress=45,
        budget="1,234백만원", completion="임기내", department=m.Contact("전략사업과", "홍길동", "888-1234"),
        cooperation=[m.Contact("산업입지과", "박정화", "888-4932", "市"), m.Contact("도시계획과")],
    )
    bullets = {key: [m.BulletLine(m.MARK_L1, f"{key} {odd}"), m.BulletLine(m.MARK_L2, "둘째 줄"),
                     m.BulletLine(m.MARK_L3, "셋째 줄"), m.BulletLine(m.MARK_NOTE, "참고")]
               for key in m.BULLET_SECTIONS}
    plan = m.AnnualPlan(years=[2023, 2024, 2025], targets=[30, None, 100], after_term_target=None,
                        rows=[m.PlanRow("설계", ["착수", odd, ""], "유지"), m.PlanRow("공사", ["", "", "준공"])])
    box = m.Achievement("", "인허가 현황", m.MARK_PLAIN, [m.BulletLine(m.MARK_BOX, "건축허가: 완료")])
    dated = m.Achievement("2024. 05.", odd, m.MARK_L1, [m.BulletLine(m.MARK_L3, "세부")])
    achievements = [m.AchievementSection("2024년", [m.AchievementGroup("", [dated]),
                                                     m.AchievementGroup("그룹 <1>", [box, dated])])]
    return m.Card(id="9-99", title=f"제목 {odd}", header=header, bullets=bullets, annual_plan=plan,
                  achievements=achievements, communication=[1, None, 0, 12, None])


SAME_BYTES_CARDS = [*(read_text(path) for path in CARDS), _odd_card(), m.Card(id="", title="")]


@pytest.mark.parametrize("card", SAME_BYTES_CARDS, ids=[*CARD_IDS, "hand-built", "empty"])
def test_short_way_gives_write_hwp5_bytes(card: m.Card) -> None:
    assert render_hwp(card) == render_hwp_via_hwpx(card)


_TEXT = st.text(st.characters(blacklist_categories=["Cs"]), max_size=30)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=_TEXT, lines=st.lists(_TEXT, max_size=3), cell=_TEXT)
def test_any_text_gives_write_hwp5_bytes(card_2403: m.Card, title: str, lines: list[str], cell: str) -> None:
    card = copy.deepcopy(card_2403)
    card.title = title
    card.bullets[m.EFFECTS] = [m.BulletLine(m.MARK_L2, line) for line in lines]
    card.annual_plan.rows[0].cells[0] = cell
    assert render_hwp(card) == render_hwp_via_hwpx(card)


@pytest.mark.parametrize("text", ["plain 한글", "tab\there", "line\nbreak", "bell\x07\x00end", "🚀 emoji", ""])
def test_text_step_writes_what_python_hwpx_writes(text: str) -> None:
    from hwpx.hwp5.section_writer import SectionRecords

    ours, theirs = bytearray(), bytearray()
    our_codes: set[int] = set()
    their_codes: set[int] = set()
    hwp_writer._Records()._chars(text, ours, our_codes)
    SectionRecords()._chars(text, theirs, their_codes)
    assert (ours, our_codes) == (theirs, their_codes)


def test_template_streams_are_built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    build = hwp_writer.build_docinfo
    monkeypatch.setattr(hwp_writer, "build_docinfo", lambda *args, **kw: calls.append(args) or build(*args, **kw))
    monkeypatch.setattr(hwp_writer, "_BUILT", {})
    cards = SAME_BYTES_CARDS[:3]
    outputs = [render_hwp(card) for card in cards * 2]
    assert len(calls) == 1
    assert outputs[:3] == outputs[3:]


def test_template_with_an_image_goes_the_long_way() -> None:
    style = load_template()
    manifest = style.raw["Contents/content.hpf"].replace(
        b"</opf:manifest>",
        b'<opf:item id="image1" href="BinData/image1.png" media-type="image/png" isEmbeded="1"/></opf:manifest>',
    )
    with_image = dataclasses.replace(
        style, raw={**style.raw, "Contents/content.hpf": manifest, "BinData/image1.png": b"\x89PNG"}
    )
    assert hwp_writer.template_streams(style) is not None
    assert hwp_writer.template_streams(with_image) is None


def test_long_way_is_taken_when_the_template_needs_it(card_2403: m.Card, monkeypatch: pytest.MonkeyPatch) -> None:
    from hwpx.hwp5 import writer

    taken: list[dict[str, bytes]] = []
    monkeypatch.setattr(hwp_writer, "template_streams", lambda _style: None)
    monkeypatch.setattr(writer, "write_hwp5", lambda files: taken.append(files) or b"long")
    assert render_hwp(card_2403) == b"long"
    assert taken[0][SECTION_PART] == _section(card_2403)


_NS = 'xmlns:hp="http://www.hancom.co.kr/hwpml/2011/paragraph"'
_P = '<hp:p id="{id}" paraPrIDRef="3" styleIDRef="0" pageBreak="{pb}" columnBreak="0" merged="0">{runs}</hp:p>'


def _cell(body: str, col: int = 0, extra: str = "") -> str:
    return (f'<hp:tc name="" header="0" hasMargin="0" protect="0" editable="0" dirty="0" borderFillIDRef="4">'
            f'<hp:subList vertAlign="CENTER">{body}</hp:subList>{extra}<hp:cellAddr colAddr="{col}" rowAddr="0"/>'
            f'<hp:cellSpan colSpan="1" rowSpan="1"/><hp:cellSz width="6412" height="1782"/>'
            f'<hp:cellMargin left="510" right="510" top="141" bottom="141"/></hp:tc>')


#: Paragraphs the fast steps take (plain runs) and those they leave to python-hwpx (a tab, a character
#: style, a highlighter range over two paragraphs, a comment, a table), in cells and at the top
_SECTION = (f'<hs:sec xmlns:hs="http://www.hancom.co.kr/hwpml/2011/section" {_NS}>'
            + _P.format(id=1, pb=1, runs='<hp:run charPrIDRef="7"><hp:t>첫 줄</hp:t><hp:t/></hp:run>'
                        '<hp:run charPrIDRef="8"><hp:t>a\tb\nc&#x9;</hp:t></hp:run><hp:run/><hp:run charPrIDRef="8"/>')
            + _P.format(id=2, pb=1, runs='<hp:run charPrIDRef="7"><hp:t>탭<hp:tab width="4000"/>뒤</hp:t></hp:run>')
            + _P.format(id=3, pb=0, runs='<hp:run charPrIDRef="7"><hp:t charStyleIDRef="1">스타일</hp:t></hp:run>')
            + _P.format(id=4, pb=0, runs='<hp:run charPrIDRef="7"><hp:t>형광<hp:markpenBegin color="#FFFF00"/>펜'
                        '</hp:t></hp:run>')
            + _P.format(id=10, pb=0, runs='<hp:run charPrIDRef="7"><hp:t>형광펜 속 평문</hp:t></hp:run>')
            + _P.format(id=5, pb=0, runs='<hp:run charPrIDRef="7"><hp:t>이어서</hp:t><hp:t>끝<hp:markpenEnd/></hp:t>'
                        '</hp:run>')
            + _P.format(id=6, pb=0, runs='<!-- note --><hp:run charPrIDRef="x"><hp:t>주석 뒤</hp:t></hp:run>')
            + _P.format(id=7, pb=0, runs='<hp:run charPrIDRef="7"><hp:tbl rowCnt="1" colCnt="3"><hp:tr>'
                        + _cell(_P.format(id=8, pb=0, runs='<hp:run charPrIDRef="14"><hp:t>관리번호</hp:t></hp:run>'))
                        + _cell("", 1, '<hp:cellAddr colAddr="9" rowAddr="9"/>')
                        + _cell(_P.format(id=9, pb=0, runs='<hp:run charPrIDRef="14"><hp:t>A<hp:tab/>B</hp:t>'
                                          '</hp:run>') + "<!-- c -->", 2)
                        + '</hp:tr></hp:tbl></hp:run>')
            + '</hs:sec>')


def test_fast_steps_give_python_hwpx_records() -> None:
    """The plain-text paragraph and one-pass cell steps write the very records python-hwpx writes."""
    from hwpx.hwp5 import records as rec
    from hwpx.hwp5.section_writer import SectionRecords
    from lxml import etree

    root = etree.fromstring(_SECTION.encode())
    ours, theirs = hwp_writer._Records(), SectionRecords()
    assert rec.serialize_records(ours.section(root)) == rec.serialize_records(theirs.section(root))
    assert ours.unsupported == theirs.unsupported


def test_plain_runs_are_runs_of_plain_text_only() -> None:
    from lxml import etree

    def runs(xml: str) -> object:
        return hwp_writer.plain_runs(etree.fromstring(f'<hp:p {_NS}>{xml}</hp:p>'))

    assert runs('<hp:run charPrIDRef="7"><hp:t>가</hp:t><hp:t/></hp:run><hp:run/>') == [("7", ["가", ""]), (None, [])]
    assert runs("") == []
    for other in ('<hp:run><hp:t>a<hp:tab/></hp:t></hp:run>', '<hp:run><hp:t charStyleIDRef="1">a</hp:t></hp:run>',
                  '<hp:run><hp:tbl/></hp:run>', '<hp:linesegarray/>', '<!-- c --><hp:run/>', '<hp:run><!-- c --></hp:run>'):
        assert runs(other) is None, other


def test_attribute_numbers_are_read_as_python_hwpx_reads_them() -> None:
    from hwpx.hwp5.section_writer import _int
    from lxml import etree

    values = {"a": "5", "b": "-3", "c": "5.7", "d": "x", "e": "", "f": " 7", "g": "4294967295", "h": "1e3"}
    element = etree.Element("e", values)
    for name in [*values, "missing"]:
        assert hwp_writer._attr(element, name, 9) == _int(element, name, 9), name
    assert [hwp_writer._attr(element, n, 9) for n in "abcdefgh"] == [5, -3, 5, 9, 9, 7, 4294967295, 1000]
    assert hwp_writer._attr(None, "a", 4) == 4 and hwp_writer._attr(element, "missing") == 0


def test_fast_steps_give_python_hwpx_records_on_corpus_cards() -> None:
    """Short and long corpus cards (merged plan cells, boxes, bullets): the same BodyText as python-hwpx's."""
    import sys

    from hwpx.hwp5 import records as rec
    from hwpx.hwp5.section_writer import SectionRecords
    from lxml import etree

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from make_corpus import make_corpus

    for card in make_corpus(12).cards:
        root = etree.fromstring(document_parts(card_document(card)).sections[0])
        assert rec.serialize_records(hwp_writer._Records().section(root)) == rec.serialize_records(
            SectionRecords().section(root)), card.id


# ── BodyText records straight from the HWPX writer's plan ────────────────
def _xml_body(section: bytes) -> bytes:
    """python-hwpx's own records of a section part (SectionRecords, no fast step of ours)."""
    from hwpx.hwp5 import records as rec
    from hwpx.hwp5.section_writer import SectionRecords
    from lxml import etree

    return rec.serialize_records(SectionRecords().section(etree.fromstring(section)))


def _plan_documents() -> list[Any]:
    """One-section documents of every block the plan covers: cards, corpus cards, hand-made tables
    (spans, short rows, captions, notes, alignments, a landscape page, a page break first)."""
    import sys

    from reportgen import document as d

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from make_corpus import make_corpus

    table = d.Table((
        d.Row((d.cell("세부 & <항목>", label=True, rowspan=2), d.cell("임기 내", label=True, colspan=2))),
        d.Row((d.cell("2023년", label=True),)),
        d.Row((d.cell("설계\t탭"), d.cell(""), d.cell("아주 긴 값 " * 12))),
    ), (300, 350, 350), header_rows=2, caption="표 <1>", notes=("※ 주", "※ 끝"), align="center", width=800)
    blocks = (d.Title("문서 & 제목"), d.Heading("【가】", 1), d.Paragraph("첫째", "○", 1),
              d.Paragraph("오른쪽", align="right"), d.PageBreak(), d.Box("상자", (d.Paragraph("안", "▪", 2),)),
              table, d.DatedLine("2024. 05.", "착공", details=(d.Paragraph("세부", "▷", 3),)),
              d.Paragraph("🚀 A&B \x07 끝", "-", 2))
    from reportgen.export import export_document, export_rows

    book = make_corpus(8)
    return [
        *(card_document(card) for card in SAME_BYTES_CARDS),
        *(card_document(card) for card in book.cards),
        export_document(export_rows(book, None)),
        d.Document("표들", blocks),
        d.Document("첫 쪽 나눔", (d.PageBreak(), d.Paragraph("둘째 쪽"), table)),
        d.Document("표로 시작", (table, d.Paragraph("끝"))),
        d.Document("가로", (d.Section(blocks, "landscape", "가로"),)),
        d.Document("빈 문서", ()),
    ]


@pytest.mark.parametrize("doc", _plan_documents(), ids=lambda doc: doc.title[:12])
def test_records_from_the_plan_are_python_hwpxs_records(doc: Any) -> None:
    """The plan gives, byte for byte, what python-hwpx writes from the section XML it describes."""
    from reportgen.writers import hwp_records

    parts = document_parts(doc, plan=True)
    assert len(parts.sections) == 1 and parts.plans[0].xml is parts.sections[0]
    body = hwp_records.plan_records(parts.plans[0], hwp_records.template_records(load_template()))
    assert body is not None
    assert body == _xml_body(parts.sections[0])


def test_a_plan_with_what_it_does_not_cover_goes_to_the_xml() -> None:
    from reportgen import document as d
    from reportgen.writers import hwp_records

    constant = hwp_records.template_records(load_template())
    contents = d.Document("목차", (d.TableOfContents("목차", entries=(d.ContentsEntry("가", 3),)), d.Paragraph("끝")))
    parts = document_parts(contents, plan=True)
    assert parts.plans[0].items[1] is None  # the 목차 line with its page number
    assert hwp_records.plan_records(parts.plans[0], constant) is None
    assert hwp_writer.render_document(contents) == hwp_writer.hwp5_writer.write_hwp5(
        hwp_writer.hwpx_parts(hwpx_writer.render_document(contents)))


def test_a_cell_under_another_cells_span_goes_to_the_xml() -> None:
    from reportgen.writers import hwp_records

    parts = document_parts(card_document(read_text(CARDS[1])), plan=True)
    plan = parts.plans[0]
    table = next(item for item in plan.items if isinstance(item, hwpx_writer.PlanTable))
    assert not hwp_records.covered(table)
    first = table.cells[0]
    spanning = first._replace(cell=dataclasses.replace(first.cell, col_span=2))
    overlapped = dataclasses.replace(table, cells=(spanning, *table.cells[1:]))
    assert hwp_records.covered(overlapped)
    items = tuple(overlapped if item is table else item for item in plan.items)
    assert hwp_records.plan_records(dataclasses.replace(plan, items=items),
                                    hwp_records.template_records(load_template())) is None


def test_the_plan_of_another_section_is_not_used(card_2403: m.Card, monkeypatch: pytest.MonkeyPatch) -> None:
    """A section part that is not the one the plan was drawn with is read as XML (the plan is ignored)."""
    from reportgen.writers import hwp_records

    calls: list[object] = []
    monkeypatch.setattr(hwp_writer, "plan_records", lambda *args: calls.append(args) or None)
    render_hwp(card_2403)
    assert len(calls) == 1
    _parts_with(_section(card_2403), monkeypatch)
    assert render_hwp(card_2403) == render_hwp_via_hwpx(card_2403)
    assert len(calls) == 1
    assert hwp_records.plan_records is not None


@pytest.mark.parametrize("values", [(1, 0x200000, 4, 0, 0, 1, 1, 6412, 1782, 3),
                                    (3, 0x280000, 0, 9, 70000, 2, 3, 4294967295, 2**33 + 5, 70001),
                                    (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)])
def test_cell_header_packs_as_python_hwpx_encodes(values: tuple[int, ...]) -> None:
    from hwpx.hwp5 import controls as ct

    from reportgen.writers.hwp_records import cell_header

    paragraphs, props, flags, col, row, col_span, row_span, width, height, fill = values
    theirs = ct.CellHeader(paragraphs, props, flags, col, row, col_span, row_span, width, height,
                           (510, 510, 141, 141), fill, width, "", bytes(9)).encode()
    assert cell_header(*values) == theirs


@pytest.mark.parametrize("body", ["plain", "A &amp; B", "&lt;c&gt;", "&amp;lt; stays", "&amp;amp;"])
def test_escaped_text_reads_back_as_an_xml_parser_reads_it(body: str) -> None:
    from lxml import etree

    from reportgen.writers.hwp_records import unescaped

    assert unescaped(body) == etree.fromstring(f"<t>{body}</t>").text


def test_both_formats_in_shared_parts_give_the_same_bytes(card_2403: m.Card) -> None:
    doc = card_document(card_2403)
    alone = (hwpx_writer.render_document(doc), hwp_writer.render_document(doc))
    with hwpx_writer.shared_parts():
        shared = (hwpx_writer.render_document(doc), hwp_writer.render_document(doc))
    assert shared == alone
    assert alone[1] == render_hwp_via_hwpx(card_2403)


def test_a_template_hwp_cannot_hold_refuses_on_the_plan_way_too(card_2403: m.Card,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """What the template holds that HWP 5.0 cannot (counted once per template) refuses the card even though
    its section has a plan: the refusal write_hwp5 gives, naming the card."""
    from collections import Counter

    style = load_template()
    constant = hwp_writer.template_streams(style)
    assert constant is not None and not constant.unsupported
    odd = dataclasses.replace(constant, unsupported=Counter({"header/forbiddenWordList": 1}))
    monkeypatch.setattr(hwp_writer, "template_streams", lambda _style: odd)
    with pytest.raises(CardError) as error:
        render_hwp(card_2403)
    assert "header/forbiddenWordList x1" in str(error.value) and card_2403.id in str(error.value)
