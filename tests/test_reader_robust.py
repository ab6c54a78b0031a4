"""Card readers on what offices really send: label words inside values, CP949 text, crafted tables.

1. Header labels (사업구분 … 협조부서) match whole cells only: a 사업명, 추진부서 or 소요예산
   holding a label word comes back unchanged through every format, written by the
   project's own writers and read back; the text layouts (TAB cells, markdown ``|``
   tables, Hangul extraction) split at cell boundaries only.
2. Text encodings: UTF-8 (BOM or not), UTF-16 with BOM, CP949/EUC-KR; ■ is read as ▪;
   a '?' where CP949 lost a marker, or bytes of no encoding, are line-numbered errors;
   no byte sequence gives anything but a card or an InputError.
3. The shared table grid and the readers' budgets (tested on small inputs; the
   crafted huge files are in tests/test_reader_memory.py).
"""

from __future__ import annotations

import codecs
import dataclasses
import io
import random
import struct
from pathlib import Path
from typing import Any

import pytest

from reportgen import model as m
from reportgen.errors import InputError
from reportgen.formats import WRITERS, read_card
from reportgen.readers import docx as docx_reader
from reportgen.readers import hwp as hwp_reader
from reportgen.readers import text as text_reader
from reportgen.readers.text import GridError, parse_lines, read_text, table_lines
from reportgen.writers.text import render_text

FIXTURES = Path(__file__).parent / "fixtures"
CARD_2403 = FIXTURES / "3-1_2024-03_from-docx.txt"
CARD_2412 = FIXTURES / "3-1_2024-12_from-hwp.txt"
FORMATS = ["txt", "docx", "hwpx", "hwp"]


def _error(lines: list[str] | str) -> str:
    with pytest.raises(InputError) as caught:
        parse_lines(lines.splitlines() if isinstance(lines, str) else lines, "card.txt")
    return str(caught.value)


def _read_error(path: Path) -> str:
    with pytest.raises(InputError) as caught:
        read_text(path)
    return str(caught.value)


# ── 1. labels at cell boundaries ──────────────────────────────────────────
def _card_with_label_words() -> m.Card:
    """The 2024-03 card whose values hold header labels as words of their own."""
    card = read_text(CARD_2403)
    card.title = "공공사업 사업구분 체계 개선 사업"
    header = card.header
    header.executor = "시 / 구 사업기간 협의체"
    header.period = "사업주체 협의 후 2022년~2027년"
    header.budget = "완료시기 미정 사업비 10억 원"
    header.department = m.Contact("기획예산과 추진상황 점검담당", "홍길동", "1234")
    header.cooperation = [m.Contact("소요예산 협조부서 지원팀", "김은숙", "888-6772", "市")]
    return card


@pytest.mark.parametrize("fmt", FORMATS)
def test_label_words_inside_values_come_back_unchanged(fmt: str, tmp_path: Path) -> None:
    card = _card_with_label_words()
    path = tmp_path / f"card{WRITERS[fmt].suffix}"
    path.write_bytes(WRITERS[fmt].render(card))
    back = read_card(path)
    assert back.title == "공공사업 사업구분 체계 개선 사업"
    assert back.header.category == "신규사업"
    assert back.header.budget == "완료시기 미정 사업비 10억 원"
    assert back.header.completion == "임기후"
    assert back.header.department == m.Contact("기획예산과 추진상황 점검담당", "홍길동", "1234")
    assert back == card


@pytest.mark.parametrize("title", ["사업구분", "관리번호 사업구분", "추진부서 협조부서(기관) 사업"])
def test_title_made_of_label_words_is_the_title(title: str) -> None:
    card = read_text(CARD_2403)
    card.title = title
    assert parse_lines(render_text(card).splitlines(), "card.txt").title == title


def test_label_must_be_a_whole_cell() -> None:
    lines = render_text(read_text(CARD_2403)).splitlines()
    index = lines.index("사업구분\t신규사업\t사업주체\t시 / 구")
    lines[index] = "사업구분 신규사업\t사업주체\t시 / 구"  # label and value typed into one cell
    message = _error(lines)
    assert f"card.txt line 1-{index + 4}: " in message and "header table has no '사업구분' cell" in message
    assert "each in a cell of its own" in message


def test_spaced_out_label_cell_is_a_label() -> None:
    """Forms often space a label out to the cell width (사 업 구 분): a whole cell, so still the label."""
    lines = render_text(read_text(CARD_2403)).splitlines()
    index = lines.index("소요예산\t비예산\t완료시기\t임기후")
    lines[index] = "소 요 예 산\t비예산\t완 료 시 기\t임기후"
    card = parse_lines(lines, "card.txt")
    assert (card.header.budget, card.header.completion) == ("비예산", "임기후")


def test_labels_and_headings_compare_by_the_models_label_rule() -> None:
    """A zero-width space inside a label or heading (copied from a web page or a PDF) does not hide
    it: labels and headings compare by model.label_key, white space aside."""
    lines = render_text(read_text(CARD_2403)).splitlines()
    index = lines.index("소요예산\t비예산\t완료시기\t임기후")
    lines[index] = "소요\u200b예산\t비예산\t완료시기\t임기후"
    lines[lines.index("□ 사업개요")] = "□ 사업\u200b개요"
    lines[lines.index("【기대효과】")] = "【기대\u200b효과】"
    card = parse_lines(lines, "card.txt")
    assert card == read_text(CARD_2403)


def _pipe_table(lines: list[str]) -> list[str]:
    """The card as Word→markdown gives it: TAB rows as ``| a | b |`` with a ``|---|`` rule after the first."""
    out: list[str] = []
    for line in lines:
        if "\t" not in line:
            out.append(line)
            continue
        cells = line.split("\t")
        out.append("| " + " | ".join(cells) + " |")
        if out[-2:-1] and not out[-2].startswith("|"):
            out.append("|" + "---|" * len(cells))
    return out


def test_markdown_pipe_tables_read_like_tab_rows() -> None:
    card = _card_with_label_words()
    lines = _pipe_table(render_text(card).splitlines())
    assert "| 사업구분 | 신규사업 | 사업주체 | 시 / 구 사업기간 협의체 |" in lines
    assert "|---|---|---|---|" in lines
    assert parse_lines(lines, "card.md.txt") == card


def test_pipe_row_keeps_escaped_pipes_and_drops_its_rule() -> None:
    assert text_reader._pipe_row(r"| a \| b | c |") == "a | b\tc"
    assert text_reader._pipe_row("|:---|---:|") == ""
    assert text_reader._pipe_row("| 한 칸 |") == "| 한 칸 |"  # one cell: no table row, kept as text
    assert text_reader._pipe_row("a | b") == "a | b"


HANGUL_FRONT = """\
 사업구분 신규사업 사업주체 시 / 구

사업기간 2022년~2028년 추진상황(%) 추진 중(60%)

소요예산 완료시기 조정 후 확정 완료시기 임기후

추진부서
기획예산과 추진상황 점검담당

(설정희 ☎5024)
협조부서(기관)

市 산업입지과
(박정화 ☎888-4932)
"""


def _hangul_card(front: str) -> list[str]:
    """The 2024-12 Hangul extraction with its header area replaced by ``front``."""
    lines = CARD_2412.read_text(encoding="utf-8").splitlines()
    return front.splitlines() + lines[lines.index("【사업추진계획】"):]


def test_hangul_row_with_the_partner_label_twice_is_a_line_numbered_error() -> None:
    message = _error(_hangul_card(HANGUL_FRONT))
    assert "line 5" in message and "'완료시기' appears twice on this header row" in message
    assert "TAB" in message


def test_hangul_layout_splits_at_cell_boundaries_only() -> None:
    front = HANGUL_FRONT.replace("소요예산 완료시기 조정 후 확정 완료시기 임기후", "소요예산\n완료시기 조정 후 확정\n완료시기\n임기후")
    card = parse_lines(_hangul_card(front), "card.txt")
    header = card.header
    assert (header.category, header.executor) == ("신규사업", "시 / 구")
    assert (header.status, header.progress) == ("추진 중", 60)
    assert (header.budget, header.completion) == ("완료시기 조정 후 확정", "임기후")
    assert header.department == m.Contact("기획예산과 추진상황 점검담당", "설정희", "5024")
    assert header.cooperation == [m.Contact("산업입지과", "박정화", "888-4932", "市")]


def test_communication_row_that_only_contains_the_label_is_an_error() -> None:
    lines = render_text(read_text(CARD_2403)).splitlines()
    index = lines.index("-\t-\t-\t-\t1회")
    lines[index] = "- - 설명회, 보고회 등"
    assert f"line {index + 1}" in _error(lines)


# ── 2. encodings and markers ──────────────────────────────────────────────
def _strings_replaced(value: Any, table: dict[int, str]) -> Any:
    """A copy of a card (or part of one) with characters replaced in every string."""
    if isinstance(value, str):
        return value.translate(table)
    if isinstance(value, list):
        return [_strings_replaced(item, table) for item in value]
    if isinstance(value, dict):
        return {key: _strings_replaced(item, table) for key, item in value.items()}
    if dataclasses.is_dataclass(value):
        return dataclasses.replace(value, **{f.name: _strings_replaced(getattr(value, f.name), table)
                                             for f in dataclasses.fields(value)})
    return value


@pytest.mark.parametrize("encoding", ["cp949", "euc-kr", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
def test_reference_card_in_every_encoding(encoding: str, tmp_path: Path) -> None:
    """The 2024-03 card has no character outside CP949: every encoding reads the same card."""
    text = CARD_2403.read_text(encoding="utf-8")
    data = text.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):  # with the BOM Notepad writes
        data = (codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE) + data
    path = tmp_path / "card.txt"
    path.write_bytes(data)
    assert read_text(path) == read_text(CARD_2403)


def test_cp949_card_whose_box_markers_became_question_marks(tmp_path: Path) -> None:
    """Saved as CP949 with errors='replace': ▪ (lines 189, 190) became '?', and so did ‧ ․ ･ inside text."""
    path = tmp_path / "card.txt"
    path.write_bytes(CARD_2412.read_text(encoding="utf-8").encode("cp949", errors="replace"))
    message = _read_error(path)
    assert f"{path} line 189: " in message and f"{path} line 190: " in message
    assert message.count("line ") == 2
    assert "saving as CP949 (EUC-KR) lost a marker such as ▪" in message
    assert "replace the '?' with the original marker" in message and "UTF-8" in message


def test_cp949_card_whose_box_markers_became_black_squares(tmp_path: Path) -> None:
    """A converter that writes ■ for ▪: read as ▪; the middle dots CP949 lacks stay '?' in the text."""
    path = tmp_path / "card.txt"
    text = CARD_2412.read_text(encoding="utf-8").replace("▪", "■")
    path.write_bytes(text.encode("cp949", errors="replace"))
    card = read_text(path)
    box = card.achievements[2].groups[0].items[-1]
    assert [detail.marker for detail in box.details] == ["▪", "▪"]
    assert box.details[1].text == "총 12개소 : 준공 1, 착공 3, 건축허가 6, 건축위원회 2"
    assert "산?학?관" in card.bullets[m.OVERVIEW][1].text
    assert card == _strings_replaced(read_text(CARD_2412), {ord("‧"): "?", ord("․"): "?", ord("･"): "?"})


@pytest.mark.parametrize("line", ["  ? 산단 내 기존 기업 육성", "?", "  ?\t탭 뒤의 글"])
def test_question_mark_at_a_bullet_is_a_line_numbered_error(line: str) -> None:
    lines = render_text(read_text(CARD_2403)).splitlines()
    index = lines.index("□ 사업개요") + 2
    lines[index] = line
    message = _error(lines)
    assert f"card.txt line {index + 1}: " in message and "'?'" in message


def test_question_mark_after_a_markdown_bullet_is_a_line_numbered_error() -> None:
    lines = CARD_2403.read_text(encoding="utf-8").splitlines()  # Word→text: markdown bullets
    index = next(i for i, line in enumerate(lines) if line.startswith("- 전통 제조업"))
    lines[index] = lines[index].replace("- 전통", "- ? 전통")
    assert f"card.txt line {index + 1}: " in _error(lines)


def test_question_mark_in_an_achievement_is_a_line_numbered_error() -> None:
    lines = render_text(read_text(CARD_2403)).splitlines()
    index = next(i for i, line in enumerate(lines) if "2023. 09. : 용역 착수" in line)
    lines[index] = lines[index].replace("○", "?")
    assert f"card.txt line {index + 1}: " in _error(lines)


def test_question_mark_inside_text_is_text() -> None:
    card = read_text(CARD_2403)
    card.bullets[m.OVERVIEW][0].text = "산단을 어떻게? 바꿀까"
    assert parse_lines(render_text(card).splitlines(), "card.txt") == card


def test_bad_byte_in_a_utf8_card_names_its_line(tmp_path: Path) -> None:
    lines = CARD_2403.read_bytes().split(b"\n")
    lines[29] = lines[29][:5] + b"\xff" + lines[29][5:]  # after "- 지"
    path = tmp_path / "card.txt"
    path.write_bytes(b"\n".join(lines))
    message = _read_error(path)
    assert f"{path} line 30: " in message and "0xFF" in message and "UTF-8" in message


def test_bad_byte_in_a_cp949_card_names_its_line(tmp_path: Path) -> None:
    lines = CARD_2403.read_text(encoding="utf-8").encode("cp949").split(b"\n")
    lines[40] = lines[40] + b"\xff"  # 0xFF is no CP949 lead byte
    path = tmp_path / "card.txt"
    path.write_bytes(b"\n".join(lines))
    assert f"{path} line 41: " in _read_error(path)


def test_damaged_utf16_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "card.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + "첫 줄\n둘째 줄\n".encode("utf-16-le") + b"\x00\xd8" + b"a\x00")  # lone surrogate
    message = _read_error(path)
    assert f"{path} line 3: " in message and "UTF-16" in message


_ODD_BYTES = [b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00", b"\xfe\xff\xd8\x00", b"\x80",
              b"\xb0", b"\x00" * 100, b"\r" * 50, b"\x0c\x0b\x1c\x85", "【사업추진계획】\n사업구분".encode("cp949"),
              "▪ ■ ? \t|---|".encode(), b"\xa1\xa1" * 10 + b"\xa1"]


def test_no_byte_sequence_gives_anything_but_a_card_or_an_input_error(tmp_path: Path) -> None:
    rng = random.Random(9)
    reference = [CARD_2403.read_bytes(), CARD_2412.read_text(encoding="utf-8").encode("cp949", errors="replace")]
    samples = list(_ODD_BYTES)
    for _ in range(150):
        seed = bytearray(rng.choice(reference))
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(len(seed))
            seed[at:at + rng.randint(0, 8)] = bytes(rng.randrange(256) for _ in range(rng.randint(0, 8)))
        samples.append(rng.choice([b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE]) + bytes(seed))
    path = tmp_path / "card.txt"
    tally = {"card": 0, "InputError": 0}
    for data in samples:
        path.write_bytes(data)
        try:
            read_text(path)
        except InputError as error:
            assert error.problems and all(problem.file == str(path) for problem in error.problems)
            tally["InputError"] += 1
        else:
            tally["card"] += 1
    assert sum(tally.values()) == len(samples) and tally["InputError"] > 0


def test_text_file_over_the_limit_is_refused_by_its_size(tmp_path: Path) -> None:
    path = tmp_path / "card.txt"
    with path.open("wb") as handle:
        handle.truncate(text_reader.MAX_TEXT_BYTES + 1)
    assert "file larger than 20 MB" in _read_error(path)


def test_folder_is_one_clear_error(tmp_path: Path) -> None:
    message = _read_error(tmp_path)
    assert "folder" in message and "Traceback" not in message


# ── 3. the shared grid and the budgets ────────────────────────────────────
def test_grid_is_made_of_the_rows_and_columns_where_cells_start() -> None:
    assert table_lines([(0, 0, "a"), (0, 5, "b"), (7, 0, "c")]) == ["a\tb", "c\t"]
    assert table_lines([(0, 10**12, "x"), (10**15, 0, "y"), (10**15, 10**12, "z")]) == ["\tx", "y\tz"]
    assert table_lines([(3, 3, "a"), (3, 3, "b"), (3, 3, "")]) == ["a b"]  # overlapping cells keep their text
    assert table_lines([]) == []


def test_grid_of_scattered_cells_is_refused() -> None:
    diagonal = [(i, i, "") for i in range(100)]  # 100 × 100 positions for 100 cells
    with pytest.raises(GridError, match="100 cells scattered over 100 rows × 100 columns"):
        table_lines(diagonal)
    assert len(table_lines(diagonal[:16])) == 16  # 256 positions: the least any table may have


def test_word_numbers_that_are_no_numbers() -> None:
    assert [docx_reader._twips(value) for value in ("inf", "-inf", "1e999", "nan", "x", None, "720.7")] == [
        0, 0, 0, 0, 0, 0, 720]


def test_docx_with_infinite_span_and_indent_reads(tmp_path: Path) -> None:
    """float('inf') cannot become an int: such a w:gridSpan or w:ind counts as absent."""
    import zipfile

    card = read_text(CARD_2403)
    data = WRITERS["docx"].render(card)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "word/document.xml":
                content = content.replace(b'<w:gridSpan w:val="5"/>', b'<w:gridSpan w:val="INF"/>')
                content = content.replace(b"<w:pPr>", b'<w:pPr><w:ind w:left="1e999"/>', 1)
            target.writestr(info, content)
    path = tmp_path / "card.docx"
    path.write_bytes(out.getvalue())
    assert read_card(path).header == card.header


@pytest.mark.parametrize("fmt", ["docx", "hwpx", "hwp"])
def test_document_of_too_many_lines_is_refused(fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / f"card{WRITERS[fmt].suffix}"
    path.write_bytes(WRITERS[fmt].render(read_text(CARD_2403)))
    monkeypatch.setattr(text_reader, "MAX_CARD_LINES", 40)
    with pytest.raises(InputError, match="too many lines"):
        read_card(path)


def test_hwp_model_of_too_many_elements_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "card.hwp"
    path.write_bytes(WRITERS["hwp"].render(read_text(CARD_2403)))
    monkeypatch.setattr(hwp_reader, "MAX_NODES", 50)
    with pytest.raises(InputError, match="more than 50 elements"):
        read_card(path)


def test_paragraph_shapes_beyond_what_a_paragraph_can_refer_to_are_not_kept() -> None:
    from hwp5.tagids import HWPTAG_PARA_SHAPE

    payload = struct.pack("<Iiii", 0, 2000, 0, 0)
    records = ({"tagid": HWPTAG_PARA_SHAPE, "payload": payload} for _ in range(200_000))
    starts = hwp_reader._paragraph_starts(records)
    assert len(starts) == 1 << 16 and starts[0] == 1000


def test_pyhwp_array_counts_are_clipped_to_the_bytes_left() -> None:
    """pyhwp would lay out events for 4,294,967,295 items before reading one; 8 bytes hold at most 8."""
    from hwp5 import bintype
    from hwp5.dataio import UINT32

    hwp_reader._bound_pyhwp_arrays()
    hwp_reader._bound_pyhwp_arrays()  # twice: wrapped once
    read = bintype.resolve_value_from_stream
    stream = io.BytesIO(struct.pack("<I", 0xFFFFFFFF) + bytes(8))
    assert read({"type": UINT32, "dontcollect": True}, stream) == 8
    assert stream.tell() == 4
    assert read({"type": UINT32}, io.BytesIO(struct.pack("<I", 0xFFFFFFFF))) == 0xFFFFFFFF  # a value, not a count
    assert not hasattr(read.__closure__[0].cell_contents, "bounded")


def test_indentation_lead_is_one_space_per_10_pt_and_at_most_8() -> None:
    lead = text_reader.indent_lead
    assert [lead(value) for value in (-5000, 0, 999, 1000, 2500, 8000, 9000, 2**31, 10**20)] == [
        "", "", "", " ", "  ", " " * 8, " " * 8, " " * 8, " " * 8]


def _hwpx_with_plan_table(tmp_path: Path, change: Any) -> Path:
    import re
    import zipfile

    data = WRITERS["hwpx"].render(read_text(CARD_2403))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "Contents/section0.xml":
                content = change(re, content)
            target.writestr(info, content)
    path = tmp_path / "card.hwpx"
    path.write_bytes(out.getvalue())
    return path


def test_hwpx_cells_without_address_are_placed_around_the_cells_reaching_down(tmp_path: Path) -> None:
    """Without <hp:cellAddr> a cell goes after the cells to its left and those spanning down into its row."""
    path = _hwpx_with_plan_table(tmp_path, lambda re, xml: re.sub(rb"<hp:cellAddr [^>]*/>", b"", xml))
    assert read_card(path) == read_text(CARD_2403)


def test_hwpx_table_with_more_cells_reaching_into_a_row_than_columns_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reportgen.readers import hwpx as hwpx_reader

    path = _hwpx_with_plan_table(tmp_path, lambda re, xml: re.sub(rb'rowSpan="1"', b'rowSpan="9"', re.sub(
        rb"<hp:cellAddr [^>]*/>", b"", xml)))
    monkeypatch.setattr(hwpx_reader, "MAX_COLS", 3)
    with pytest.raises(InputError, match="a table is too large"):
        read_card(path)
