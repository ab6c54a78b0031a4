"""HWPX writer and reader: round trip, merged cells, validation, determinism, bad files."""

from __future__ import annotations

import copy
import importlib.util
import io
import zipfile
from pathlib import Path

import pytest
from hwpx import HwpxDocument
from hwpx.tools.package_validator import validate_package
from hwpx.tools.validator import validate_document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from reportgen import model as m
from reportgen.errors import CardError, InputError
from reportgen.readers import hwpx as hwpx_reader
from reportgen.readers.hwpx import hwpx_lines, read_hwpx
from reportgen.readers.text import read_text
from reportgen.writers.hwpx import render_hwpx

FIXTURES = Path(__file__).parent / "fixtures"
CARD_2403 = FIXTURES / "3-1_2024-03_from-docx.txt"
CARD_2412 = FIXTURES / "3-1_2024-12_from-hwp.txt"
HP = "{http://www.hancom.co.kr/hwpml/2011/paragraph}"


def _card(path: Path) -> m.Card:
    return read_text(path)


def _write(tmp_path: Path, card: m.Card, name: str = "card.hwpx") -> Path:
    """Render the card, check that python-hwpx's validators pass, and save it."""
    data = render_hwpx(card)
    report = validate_document(data)
    assert report.ok, report.issues
    assert report.warnings == (), report.warnings
    path = tmp_path / name
    path.write_bytes(data)
    package = validate_package(path)
    assert package.ok, package.errors
    return path


def _section(data: bytes) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return etree.fromstring(package.read("Contents/section0.xml"))


def _table_with(root: etree._Element, text: str) -> etree._Element:
    for tbl in root.iter(f"{HP}tbl"):
        if any(t.text == text for t in tbl.iter(f"{HP}t")):
            return tbl
    raise AssertionError(f"no table holds {text}")


def _spans(tbl: etree._Element) -> dict[str, tuple[int, int, int, int]]:
    """Cell text → (row, col, rowSpan, colSpan)."""
    out = {}
    for tc in tbl.iter(f"{HP}tc"):
        text = " ".join(t.text or "" for t in tc.iter(f"{HP}t")).strip()
        addr, span = tc.find(f"{HP}cellAddr"), tc.find(f"{HP}cellSpan")
        out[text] = (int(addr.get("rowAddr")), int(addr.get("colAddr")),
                     int(span.get("rowSpan")), int(span.get("colSpan")))
    return out


# ── round trip ────────────────────────────────────────────────────────────
@pytest.mark.parametrize("path", [CARD_2403, CARD_2412], ids=["2024-03", "2024-12"])
def test_model_hwpx_model_is_equal(path: Path, tmp_path: Path) -> None:
    card = _card(path)
    assert read_hwpx(_write(tmp_path, card)) == card


def test_round_trip_with_id_and_title(tmp_path: Path) -> None:
    card = _card(CARD_2412)
    card.id, card.title = "3-1", "서부산스마트밸리 「낙동강 테크노밸리」 조성"
    back = read_hwpx(_write(tmp_path, card))
    assert back == card
    assert (back.id, back.title) == ("3-1", "서부산스마트밸리 「낙동강 테크노밸리」 조성")


def test_reader_lines_are_the_standard_layout(tmp_path: Path) -> None:
    lines = hwpx_lines(_write(tmp_path, _card(CARD_2403)))
    assert lines[:2] == ["관리번호\t3-1", "신평·장림산업단지 「낙동강 테크노밸리」 조성"]
    assert "사업기간\t2022년~2027년\t추진상황(%)\t추진 중(40%)" in lines
    assert "-\t-\t-\t-\t1회" in lines
    assert "    ▷ 센텀시티일반산업단지, 서울·경기 일원 우수 지식산업센터 및 관리기관 등" in lines


# ── merged cells ──────────────────────────────────────────────────────────
def test_plan_table_merges_in_xml_and_read_back(tmp_path: Path) -> None:
    card = _card(CARD_2403)
    data = render_hwpx(card)
    tbl = _table_with(_section(data), m.L_PLAN_ITEM)
    assert (tbl.get("rowCnt"), tbl.get("colCnt")) == ("4", "7")
    spans = _spans(tbl)
    assert spans[m.L_PLAN_ITEM] == (0, 0, 3, 1)
    assert spans[m.L_IN_TERM] == (0, 1, 1, 5)
    assert spans[m.L_AFTER_TERM] == (0, 6, 2, 1)
    assert spans["2022년"] == (1, 1, 1, 1) and spans["100%"] == (2, 5, 1, 1)
    path = _write(tmp_path, card, "plan.hwpx")
    lines = hwpx_lines(path)
    assert "세부추진내용\t임기 내\t\t\t\t\t임기 후" in lines
    assert "\t2022년\t2023년\t2024년\t2025년\t2026년\t" in lines
    assert "\t10%\t40%\t60%\t80%\t100%\t" in lines
    assert read_hwpx(path).annual_plan == card.annual_plan


def test_header_labels_are_shaded_and_values_are_not() -> None:
    tbl = _table_with(_section(render_hwpx(_card(CARD_2403))), m.L_CATEGORY)
    fills = {" ".join(t.text or "" for t in tc.iter(f"{HP}t")): tc.get("borderFillIDRef")
             for tc in tbl.iter(f"{HP}tc")}
    assert fills[m.L_CATEGORY] == fills[m.L_COOPERATION] != fills["신규사업"]


def test_permit_box_is_a_one_cell_table(tmp_path: Path) -> None:
    card = _card(CARD_2412)
    tbl = _table_with(_section(render_hwpx(card)), "사하구 지식산업센터 인허가 현황")
    assert (tbl.get("rowCnt"), tbl.get("colCnt")) == ("1", "1")
    assert len(tbl.findall(f".//{HP}p")) == 3
    box = read_hwpx(_write(tmp_path, card)).achievements[2].groups[0].items[-1]
    assert (box.date, box.marker, box.text) == ("", "", "사하구 지식산업센터 인허가 현황")
    assert [d.marker for d in box.details] == [m.MARK_BOX, m.MARK_BOX]


def test_a4_and_korean_fonts() -> None:
    data = render_hwpx(_card(CARD_2403))
    page = _section(data).find(f".//{HP}pagePr")
    assert (page.get("width"), page.get("height")) == ("59528", "84186")
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        header = package.read("Contents/header.xml").decode("utf-8")
        assert package.namelist()[0] == "mimetype"
        assert package.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
    assert 'face="함초롬바탕"' in header and 'face="맑은 고딕"' in header


# ── determinism and escaping ──────────────────────────────────────────────
def test_same_card_same_bytes() -> None:
    card = _card(CARD_2412)
    first = render_hwpx(card)
    assert render_hwpx(copy.deepcopy(card)) == first
    with zipfile.ZipFile(io.BytesIO(first)) as package:
        assert {info.date_time for info in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_markup_and_control_characters_are_escaped(tmp_path: Path) -> None:
    card = _card(CARD_2403)
    card.title = 'A <b>&amp;</b> "인용" \x07끝'
    card.bullets[m.EFFECTS] = [m.BulletLine(m.MARK_L1, "<![CDATA[x]]> & <hp:t/>")]
    back = read_hwpx(_write(tmp_path, card))
    assert back.title == 'A <b>&amp;</b> "인용" 끝'
    assert back.bullets[m.EFFECTS] == card.bullets[m.EFFECTS]


_TEXT = st.text(alphabet="가나다라마바사 abcXYZ0189.,()<>&'\"·「」", min_size=1, max_size=40).map(str.strip).filter(bool)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(_TEXT, min_size=1, max_size=4))
def test_any_bullet_text_survives(tmp_path: Path, texts: list[str]) -> None:
    card = _card(CARD_2403)
    card.bullets[m.FUTURE_PLAN] = [m.BulletLine(m.MARK_L1, " ".join(text.split())) for text in texts]
    path = _write(tmp_path, card, "any.hwpx")
    assert read_hwpx(path).bullets[m.FUTURE_PLAN] == card.bullets[m.FUTURE_PLAN]


def test_plan_that_cannot_be_drawn_is_a_card_error() -> None:
    card = _card(CARD_2403)
    card.annual_plan.rows[0].cells.append("여섯째 해")
    with pytest.raises(CardError, match="연차별 추진계획"):
        render_hwpx(card)
    card.annual_plan.years = []
    with pytest.raises(CardError, match="no years"):
        render_hwpx(card)


# ── bad files ─────────────────────────────────────────────────────────────
def _error(path: Path) -> str:
    with pytest.raises(InputError) as caught:
        read_hwpx(path)
    message = str(caught.value)
    assert str(path) in message
    return message


def test_truncated_file(tmp_path: Path) -> None:
    data = render_hwpx(_card(CARD_2403))
    path = tmp_path / "truncated.hwpx"
    path.write_bytes(data[: len(data) // 2])
    assert "corrupt or truncated" in _error(path)


def test_flipped_bytes(tmp_path: Path) -> None:
    data = bytearray(render_hwpx(_card(CARD_2403)))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as package:
        info = package.getinfo("Contents/section0.xml")
    start = info.header_offset + 30 + len(info.filename) + 40
    for index in range(start, start + 200):
        data[index] ^= 0x5A
    path = tmp_path / "flipped.hwpx"
    path.write_bytes(bytes(data))
    assert "corrupt" in _error(path) or "broken XML" in _error(path)


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "notes.hwpx"
    path.write_text("그냥 텍스트입니다", encoding="utf-8")
    assert "not an HWPX file" in _error(path)


def test_zip_that_is_not_hwpx(tmp_path: Path) -> None:
    path = tmp_path / "word.hwpx"
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
    assert "mimetype" in _error(path)


def test_missing_file(tmp_path: Path) -> None:
    assert "cannot open" in _error(tmp_path / "nowhere.hwpx")


def test_document_that_is_not_a_card(tmp_path: Path) -> None:
    doc = HwpxDocument.new()
    doc.add_paragraph("회의록")
    doc.add_paragraph("참석자: 홍길동")
    path = tmp_path / "minutes.hwpx"
    path.write_bytes(doc.to_bytes())
    assert "not a pledge card" in _error(path)


def test_broken_section_xml(tmp_path: Path) -> None:
    source = zipfile.ZipFile(io.BytesIO(render_hwpx(_card(CARD_2403))))
    path = tmp_path / "broken.hwpx"
    with zipfile.ZipFile(path, "w") as package:
        for name in source.namelist():
            data = source.read(name)
            package.writestr(name, data[:-40] if name == "Contents/section0.xml" else data)
    message = _error(path)
    assert "Contents/section0.xml" in message and "broken XML" in message


def test_password_protected(tmp_path: Path) -> None:
    source = zipfile.ZipFile(io.BytesIO(render_hwpx(_card(CARD_2403))))
    path = tmp_path / "locked.hwpx"
    with zipfile.ZipFile(path, "w") as package:
        for name in source.namelist():
            data = source.read(name)
            if name == "META-INF/manifest.xml":
                data = b'<odf:manifest xmlns:odf="x"><odf:file-entry><odf:encryption-data/></odf:file-entry></odf:manifest>'
            package.writestr(name, data)
    assert "password" in _error(path)


def test_part_over_the_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, _card(CARD_2403))
    monkeypatch.setattr(hwpx_reader, "MAX_PART_BYTES", 4096)
    message = _error(path)
    assert "50 MB" in message and "Contents/" in message


def test_reader_reads_a_card_built_by_python_hwpx(tmp_path: Path) -> None:
    """A package our writer did not make: the peer baseline's call-by-call python-hwpx build."""
    spec = importlib.util.spec_from_file_location("peer_hwpx", Path(__file__).parents[1] / "bench" / "peer_hwpx.py")
    assert spec and spec.loader
    peer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(peer)
    card = _card(CARD_2412)
    path = tmp_path / "generic.hwpx"
    path.write_bytes(peer.build_card_generic(card))
    assert validate_document(path).ok
    assert read_hwpx(path) == card


def test_rows_are_sized_to_their_text() -> None:
    """A plan cell with a long text gets a taller row; a spanning cell is as tall as its rows."""
    card = _card(CARD_2403)
    tbl = _table_with(_section(render_hwpx(card)), m.L_PLAN_ITEM)
    height = {}
    for tc in tbl.iter(f"{HP}tc"):
        text = " ".join(t.text or "" for t in tc.iter(f"{HP}t")).strip()
        height[text] = int(tc.find(f"{HP}cellSz").get("height"))
    long_cell = card.annual_plan.rows[0].cells[1]
    assert height[long_cell] > 2 * height["2022년"]
    assert height[m.L_PLAN_ITEM] == height[m.L_IN_TERM] + height["2022년"] + height["10%"]
    assert int(tbl.find(f"{HP}sz").get("height")) == height[m.L_PLAN_ITEM] + height[long_cell]


SAMPLES = FIXTURES / "hwp-samples"  # Hangul-saved documents (see its README), none a pledge card


@pytest.mark.parametrize("name", ["lists-bullet", "sample-5017", "table", "table-caption", "table-position"])
def test_real_hangul_documents_are_read_and_refused_as_non_cards(name: str, tmp_path: Path) -> None:
    """The samples, converted to HWPX by python-hwpx: read without a crash, then 'not a pledge card'."""
    source = SAMPLES / f"{name}.hwp"
    if not source.exists():
        pytest.skip("hwp samples not copied into tests/fixtures")
    path = tmp_path / f"{name}.hwpx"
    path.write_bytes(HwpxDocument.open(source).to_bytes())
    assert hwpx_lines(path)
    assert "not a pledge card" in _error(path)


# ── hand-built cards ──────────────────────────────────────────────────────
def _every_kind_of_line() -> m.Card:
    """A hand-built card with every marker, an undated ○ entry, a box, merged plan cells, counts."""
    card = m.Card(id="2-7", title="구민 & 청년 <공간> 조성")
    h = card.header
    h.category, h.executor, h.period, h.status, h.progress = "계속사업", "구", "2023년~2026년", "정상추진", 75
    h.budget, h.completion = "1,200백만원", "임기내"
    h.department = m.Contact("청년정책과 청년담당", "홍길동", "1234")
    h.cooperation = [m.Contact("도시계획과", "이영희", "", "區"), m.Contact("문화체육과", "김철수", "")]
    card.bullets[m.GOAL] = [m.BulletLine("○", "목표 하나"), m.BulletLine("※", "참고 사항")]
    card.bullets[m.OVERVIEW] = [m.BulletLine("○", "개요"), m.BulletLine("-", "세부 개요"), m.BulletLine("▷", "더 세부")]
    card.bullets[m.DETAIL_PLAN] = [m.BulletLine("○", "계획")]
    card.annual_plan = m.AnnualPlan([2023, 2024, 2025, 2026], [25, None, 75, 100], 100,
                                    [m.PlanRow("공간 조성", ["설계", "공사", "", "개관"], "운영"),
                                     m.PlanRow("프로그램", ["기획", "운영", "운영", "평가"], "")])
    card.achievements = [
        m.AchievementSection("공간 조성", [
            m.AchievementGroup("", [
                m.Achievement("2023. 05.", "기본계획 수립",
                              details=[m.BulletLine("-", "예산 확보"), m.BulletLine("", "이어지는 설명")]),
                m.Achievement("2024. 01. ~ 03.", "설계 공모")]),
            m.AchievementGroup("공사", [
                m.Achievement("2024. 06.", "착공", details=[m.BulletLine("▷", "공정률 30%")]),
                m.Achievement("", "공사 현황", "", [m.BulletLine("▪", "면적 : 500㎡"), m.BulletLine("▪", "층수 : 3층")])]),
        ]),
        m.AchievementSection("프로그램", [m.AchievementGroup("", [m.Achievement("", "상시 운영 중", "○")])]),
    ]
    card.bullets[m.FUTURE_PLAN] = [m.BulletLine("○", "개관 준비")]
    card.bullets[m.EFFECTS] = [m.BulletLine("○", "청년 정착"), m.BulletLine("-", "인구 유입")]
    card.communication = [2, None, 0, 5, None]
    return card


def test_every_kind_of_line_round_trips(tmp_path: Path) -> None:
    card = _every_kind_of_line()
    assert read_hwpx(_write(tmp_path, card)) == card


def test_smallest_card_round_trips(tmp_path: Path) -> None:
    card = m.Card(id="1-1", title="작은 카드")
    assert read_hwpx(_write(tmp_path, card)) == card


def test_table_with_absurd_spans_reads_within_the_real_grid(tmp_path: Path) -> None:
    """A span of 900,000,000 rows allocates nothing: the grid is made of the rows where cells start."""
    source = zipfile.ZipFile(io.BytesIO(render_hwpx(_card(CARD_2403))))
    path = tmp_path / "huge.hwpx"
    with zipfile.ZipFile(path, "w") as package:
        for name in source.namelist():
            data = source.read(name)
            if name == "Contents/section0.xml":
                data = data.replace(b'colSpan="5" rowSpan="1"', b'colSpan="5" rowSpan="900000000"', 1)
            package.writestr(name, data)
    assert read_hwpx(path) == _card(CARD_2403)


def test_shared_parts_draws_one_document_once_while_it_lasts() -> None:
    from reportgen.documents import card_document
    from reportgen.writers import hwpx

    card = read_text(FIXTURES / "3-1_2024-12_from-hwp.txt")
    doc, other = card_document(card), card_document(card)
    with hwpx.shared_parts():
        first = hwpx.document_parts(doc)
        assert hwpx.document_parts(doc) is first  # the same object: drawn once
        assert hwpx.document_parts(other) is not first and hwpx.document_parts(other) == first
    alone = hwpx.document_parts(doc, plan=True)
    assert alone is not first and alone == first  # the memo is gone
    with hwpx.shared_parts():
        assert hwpx.document_parts(doc) is not first  # a new block starts empty


# ── the fast steps draw what the plain ones drew ──────────────────────────
_ANY_TEXT = st.text(st.characters(), max_size=40)


@settings(max_examples=300, deadline=None)
@given(text=_ANY_TEXT)
def test_printed_text_is_one_line_escaped(text: str) -> None:
    """The fast path (plain text only trimmed) prints what one_line-then-escape prints."""
    from reportgen.writers.hwpx import line_text, printed
    from reportgen.xmltext import escape, one_line

    assert printed(text) == escape(text.replace("\t", " ").replace("\r", " ").replace("\n", " ")).strip()
    assert line_text(text) == one_line(text)


@pytest.mark.parametrize("text", ["", " 가 ", "a&b", "<x>", "\x1f끝", "\u2028 줄", "\ufffe", "탭\t", " \x1c "])
def test_printed_text_by_hand(text: str) -> None:
    from reportgen.writers.hwpx import printed

    expected = {"": "", " 가 ": "가", "a&b": "a&amp;b", "<x>": "&lt;x&gt;", "\x1f끝": "끝", "\u2028 줄": "줄",
                "\ufffe": "", "탭\t": "탭", " \x1c ": ""}
    assert printed(text) == expected[text]


def test_row_heights_from_drawn_paragraphs_are_the_same() -> None:
    """Heights from the cells' paragraphs at hand equal those worked out from the cells; by hand: a
    line of 1000-high text at 130 % needs 282+200+1300 (more than 1700), 3 wrapped lines 282+200+3×1300."""
    from reportgen.writers.hwpx import Cell, cell_paragraphs, row_heights

    cells = [Cell(["가"], 0, 0), Cell(["가나다라 " * 6], 0, 1), Cell(["다"], 1, 0, col_span=2)]
    widths = [4000, 12000]
    room = (12000 - 1020) / 1000  # 10.98 ems: six "가나다라" words of 4 ems, two to a line (4+0.3+4+0.3+4 > room)
    assert room == 10.98
    expected = [282 + 200 + 3 * 1300, 282 + 200 + 1300]
    assert row_heights(cells, widths) == expected
    assert row_heights(cells, widths, [cell_paragraphs(c) for c in cells]) == expected


def test_plan_describes_the_section_xml() -> None:
    """Each planned paragraph is the XML paragraph of its id, with its shapes, text and page break."""
    from reportgen.documents import card_document
    from reportgen.writers import hwpx
    from reportgen.xmltext import escape

    style = hwpx.load_template()
    para = {v: k for k, v in style.para.items()}
    char = {v: k for k, v in style.char.items()}
    parts = hwpx.document_parts(card_document(_card(CARD_2412)), plan=True)
    root = etree.fromstring(parts.sections[0])
    by_id = {p.get("id"): p for p in root.iter(f"{HP}p")}
    planned = []
    for item in parts.plans[0].items:
        if isinstance(item, hwpx.PlanTable):
            planned.append(item.anchor)
            planned += [p for cell in item.cells for p in cell.paragraphs]
            assert by_id[str(item.anchor[0])].find(f".//{HP}tbl").get("id") == str(item.table_id)
        else:
            planned.append(item)
    assert len(planned) == len(by_id) > 100
    for pid, para_name, char_name, body, page_break, setup in planned:
        p = by_id[str(pid)]
        assert para[p.get("paraPrIDRef")] == para_name
        assert p.get("pageBreak") == str(int(page_break))
        assert bool(setup) == (p.find(f".//{HP}secPr") is not None)
        runs = [r for r in p.findall(f"{HP}run") if r.find(f"{HP}t") is not None]
        assert char[runs[-1].get("charPrIDRef")] == char_name
        assert escape(runs[-1].find(f"{HP}t").text or "") == body


def test_hwpforge_peer_checks_that_it_holds_the_same_card() -> None:
    """bench/peer_hwpforge.py times hwpforge only on JSON holding our card; a changed text is caught."""
    pytest.importorskip("hwpforge")
    import json
    import sys

    from reportgen.documents import card_document

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    import peer_hwpforge

    doc = card_document(_card(CARD_2412))
    text = peer_hwpforge.forge_json(doc)
    assert peer_hwpforge.same_content(doc, text)
    data = json.loads(text)
    runs = data["document"]["sections"][0]["paragraphs"][1]["runs"]
    runs[0]["content"]["Text"] += "!"
    assert not peer_hwpforge.same_content(doc, json.dumps(data, ensure_ascii=False))


def test_the_hwpx_alone_keeps_no_plan_and_draws_the_same_xml() -> None:
    """Outside shared_parts the HWPX writer draws no plan (the HWP writer asks for one); same parts else."""
    from reportgen.documents import card_document
    from reportgen.writers import hwpx

    doc = card_document(_card(CARD_2403))
    alone, planned = hwpx.document_parts(doc), hwpx.document_parts(doc, plan=True)
    assert alone.plans == () and len(planned.plans) == 1 and planned.plans[0].items
    assert alone.sections == planned.sections and alone.preview == planned.preview
    with hwpx.shared_parts():
        assert hwpx.document_parts(doc).plans == planned.plans


def _wrapped_word_by_word(text: str, room: float) -> int:
    """The wrapping rule with each word measured by text_width (the reference for the inlined widths)."""
    from reportgen.writers.hwpx import text_width

    if text_width(text) <= room:
        return 1
    lines, used = 0, -1.0
    for word in text.split(" "):
        width = text_width(word)
        if used >= 0 and used + 0.3 + width <= room:
            used += 0.3 + width
            continue
        full, rest = divmod(width, room)
        lines += 1 + int(full) - (1 if full and not rest else 0)
        used = rest if rest or not full else room
    return max(lines, 1)


@settings(max_examples=300, deadline=None)
@given(words=st.lists(st.text(st.sampled_from("aZ0 가é😀ß\ud800"), max_size=9), min_size=1, max_size=8),
       room=st.sampled_from([1.0, 2.5, 5.4, 10.98, 33.0]))
def test_wrapped_lines_measure_words_as_text_width_does(words: list[str], room: float) -> None:
    from reportgen.writers.hwpx import wrapped_lines

    text = " ".join(words)
    assert wrapped_lines(text, room) == _wrapped_word_by_word(text, room)


def test_wrapped_lines_by_hand() -> None:
    from reportgen.writers.hwpx import wrapped_lines

    assert wrapped_lines("가나다라 가나다라 가나다라", 10.98) == 2  # 4 + 0.3 + 4 fits, the third word not
    assert wrapped_lines("abcdefgh", 2.0) == 2  # one word of 4 ems broken anywhere: two full lines
    assert wrapped_lines("가나", 5.0) == 1


def _drawn_heights(cells: list, widths: list[int]) -> list[int]:
    """The heights (cellSz) of the cells as Section.table draws them, in row order."""
    from reportgen.writers import hwpx

    section = hwpx.Section(hwpx.load_template(), planning=False)
    section.table(cells, widths)
    tree = etree.fromstring(section.xml())
    return [int(size.get("height")) for size in tree.iter(f"{HP}cellSz")]


@settings(max_examples=200, deadline=None)
@given(texts=st.lists(st.text(st.sampled_from("a 가é😀\t&\x01"), max_size=14), min_size=4, max_size=4),
       first=st.integers(600, 9000))
def test_drawn_cells_are_as_high_as_row_heights_says(texts: list[str], first: int) -> None:
    """Section.table measures each cell's lines in the drawing pass (a short line without measuring it):
    the heights it draws are row_heights' (cell_height's measure), spans included."""
    from reportgen.writers.hwpx import Cell, row_heights

    cells = [Cell([texts[0], texts[1]], 0, 0), Cell([texts[2]], 0, 1, row_span=2), Cell([texts[3]], 1, 0, label=True)]
    widths = [first, 4000]
    heights = row_heights(cells, widths)
    expected = [heights[0], heights[0] + heights[1], heights[1]]  # row 0: (0,0), (0,1) spanning both; row 1: (1,0)
    assert _drawn_heights(cells, widths) == expected


def test_widest_character_bound_by_hand() -> None:
    """No character measures more than _WIDEST ems: a 4-byte one 1.4 (2 + 0.6 × -1), Hangul 1, ASCII 0.5."""
    from reportgen.writers.hwpx import _WIDEST, text_width

    assert text_width("😀") == pytest.approx(1.4) and text_width("가") == 1.0 and text_width("a") == 0.5
    assert max(text_width(c) for c in "😀가éa \ud800") < _WIDEST
    # 3 emoji = 4.2 ems: two lines in a room of 4 ems; the bound (4.5) does not skip the measure
    assert _drawn_heights([hwpx_cell(["😀😀😀"])], [1020 + 4000]) == [282 + 200 + 2 * 1300]
    assert _drawn_heights([hwpx_cell(["😀😀"])], [1020 + 4000]) == [282 + 200 + 1300]  # 2.8 ems: one line


def hwpx_cell(lines: list[str]):  # noqa: ANN201
    from reportgen.writers.hwpx import Cell

    return Cell(lines, 0, 0)


@settings(max_examples=400, deadline=None)
@given(text=st.text(st.sampled_from("a 가é😀ß\ud800ǅ"), max_size=16), extra=st.sampled_from([-0.3, -1e-12, 0.0, 1e-12, 0.2]))
def test_fits_is_text_width_within_room(text: str, extra: float) -> None:
    """fits() decides as text_width(text) <= room does, rooms at and around the exact width too."""
    from reportgen.writers.hwpx import fits, text_width

    room = max(1.0, text_width(text) + extra)
    assert fits(text, room) == (text_width(text) <= room)


def test_fits_by_hand() -> None:
    """Hangul 1 em a character, ASCII 0.5, a space 0.3: the bound (0.3 an extra UTF-8 byte) by hand."""
    from reportgen.writers.hwpx import fits

    assert fits("가나다 라마바", 6.3) and not fits("가나다 라마바", 6.29)  # 6 + 0.3: its bound 7.5 is not below
    assert fits("ab cd", 2.3) and not fits("ab cd", 2.29)  # ASCII measured: 4 × 0.5 + 0.3
    assert fits("가나", 3.0)  # 2 characters × 1.5 <= 3: short enough not to measure
    assert not fits("가나다라 " * 6, 10.98)  # 25.8 ems: its lower bound (0.5 × 30 − 0.2 × 6 + 0.1 × 48) is wider
    assert fits("éé", 1.2) and not fits("éé", 1.19)  # Latin 0.6 each: the lower bound is the width


@pytest.mark.parametrize("style", ["", "fields", "figures"])
@pytest.mark.parametrize("planning", [True, False])
def test_grid_table_draws_what_table_draws_of_its_cells(style: str, planning: bool) -> None:
    """A table with no spans is drawn row by row from the document's cells (grid_table): the same XML
    and plan as Section.table draws of table_cells (labels, left-aligned values, two-line cells, a
    header row, a wrapped line that makes its row higher, a table that may split rows)."""
    from reportgen import document as d
    from reportgen.writers import hwpx

    table = d.Table((d.Row((d.cell("구분", label=True), d.cell("값", label=True), d.cell("비고", label=True))),
                     d.Row((d.cell("첫째"), d.Cell(("두 줄", "둘째 줄")), d.cell("가나다라 " * 12))),
                     d.Row((d.cell("a&b"), d.cell(""), d.cell("1,234"))), d.Row((d.cell("x"), d.cell("y"), d.cell("z")),
                                                                                    keep=False)),
                    (200, 300, 500), header_rows=1, style=style, align="center")
    assert hwpx._plain_grid(table, 3)
    style_ = hwpx.load_template()
    drawn = []
    for grid in (True, False):
        section = hwpx.Section(style_, planning=planning)
        section.paragraph("앞", "free")
        widths = hwpx.table_widths(table, section.text_width)
        if grid:
            section.grid_table(table, widths, "anchor", keep_rows=False)
        else:
            section.table(hwpx.table_cells(table), widths, "anchor", header_rows=1, keep_rows=False, align="center")
        drawn.append((section.xml(), repr(section.plan).replace("lines=[", "lines=(")))
    assert drawn[0] == drawn[1]
    heights = [int(s.get("height")) for s in etree.fromstring(drawn[0][0]).iter(f"{HP}cellSz")]
    assert heights[3] > 1782 and heights[3:6] == [heights[3]] * 3  # the wrapped line's row, every cell as high


@settings(max_examples=400, deadline=None)
@given(text=st.text(st.sampled_from("a 가&<>\t\x1f\x7f\u3000\u00a0\u200b\u2028\ufffe\uffff\ud800é😀"), max_size=8))
def test_plain_is_the_escape_search_finding_nothing(text: str) -> None:
    """plain() (isprintable and no & < >, else the search) = the search of what printed() must change
    finding nothing; line_text's fast check likewise."""
    from reportgen.writers.hwpx import _NOT_PLAIN, line_text, plain
    from reportgen.xmltext import one_line

    assert plain(text) == (_NOT_PLAIN.search(text) is None)
    assert line_text(text) == one_line(text)


def test_plain_by_hand() -> None:
    from reportgen.writers.hwpx import plain

    assert plain("가 나 (a)") and plain("\u3000가")  # an ideographic space is not printable, and plain
    assert not plain("a&b") and not plain("탭\t") and not plain("\ufffe") and not plain("<")


def test_a_long_sections_part_is_held_in_at_most_two_copies_while_it_is_made() -> None:
    """A council package's section is tens of MB: its drawn pieces are let go as they are joined,
    so the traced peak of drawing it is about two copies of the part (pieces and text, then text
    and bytes), not four (pieces, text, bytes and the part with its head). Bound: 2.5 copies."""
    import gc
    import tracemalloc

    from reportgen import document as d
    from reportgen.writers import hwpx

    line = "가나다라마바사 아자차카타파하 " * 8
    doc = d.Document("긴 문서", tuple(d.Paragraph(f"{i} {line}") for i in range(4000)))
    part_size = len(hwpx.document_parts(doc).sections[0])
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        parts = hwpx.document_parts(doc)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(parts.sections[0]) == part_size > 1_500_000
    assert peak - base < 2.5 * part_size, f"{(peak - base) / part_size:.2f} copies of the part at the peak"
