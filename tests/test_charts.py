"""Charts of the 총괄표 (reportgen.charts). Every expected figure is computed by hand in the
comments from the cards below, never by the code under test; what the charts draw is read back
from the SVG (the ids of the bars, the glyphs each label is drawn with) and the PNG's header."""

from __future__ import annotations

import struct
import zlib
from importlib import metadata
from pathlib import Path

import pytest

from reportgen import charts
from reportgen.document import Image
from reportgen.errors import InputError
from reportgen.model import Card, Header, Settings, Workbook
from reportgen.summary import summarize
from reportgen.xmlsafe import parse_xml

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}href"
AREA_A = "1. 안전한 도시"
AREA_B = "3. 일자리가 넘치는 경제도시"
LONG = "12. 아이 키우기 좋은 교육·보육 도시와 평생학습 체계 구축"

# 분야, 추진상황, 추진율
ROWS = [
    (AREA_A, "완료", 100), (AREA_A, "완료", 100), (AREA_A, "완료", 100),
    (AREA_A, "정상추진", 40), (AREA_A, "정상추진", 60),
    (AREA_B, "완료", 100), (AREA_B, "추진 중", 30), (AREA_B, "보류", None), (AREA_B, "보류", None),
]


def _summary(rows=ROWS, settings: Settings | None = None):
    """Nine cards in two 분야, statuses in 설정's default order 완료, 이행후 계속추진, 정상추진,
    추진 중, 일부추진, 보류, 폐기. By hand:

    A: 완료 3, 정상추진 2 → 계 5; 2 segments. 추진율 (100+100+100+40+60)/5 = 400/5 = 80.0;
       완료율 3/5 = 60.0
    B: 완료 1, 추진 중 1, 보류 2 → 계 4; 3 segments. 추진율 (100+30)/2 = 65.0 (two have none);
       완료율 1/4 = 25.0
    합계: 9 cards, 완료 4 → 4/9 = 44.44… → 44.4; 추진율 (400+130)/7 = 75.71… → 75.7
    """
    cards = [Card(id=f"{index}", title=f"사업 {index}", area=area, header=Header(status=status, progress=progress))
             for index, (area, status, progress) in enumerate(rows, 1)]
    return summarize(Workbook(settings=settings or Settings(), cards=cards))


@pytest.fixture(scope="module")
def blocks() -> list[Image]:
    made = charts.summary_charts(_summary())
    assert all(isinstance(block, Image) for block in made)
    return made  # type: ignore[return-value]


def drawn(group) -> str:
    """The characters a text group of the SVG draws, read from the glyphs it uses (``#NanumGothic-bd84``
    is 분; a space is a glyph too, a line break is not)."""
    uses = [use.get(XLINK) for use in group.iter(f"{SVG}use")]
    return "".join(chr(int(href.rsplit("-", 1)[1], 16)) for href in uses if href.startswith("#NanumGothic"))


def groups(root, prefix: str) -> dict[str, object]:
    return {g.get("id"): g for g in root.iter(f"{SVG}g") if (g.get("id") or "").startswith(prefix)}


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, body) of each chunk of a PNG, its CRC checked."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, index = [], 8
    while index < len(data):
        length, kind = struct.unpack(">I4s", data[index:index + 8])
        body = data[index + 8:index + 8 + length]
        (crc,) = struct.unpack(">I", data[index + 8 + length:index + 12 + length])
        assert zlib.crc32(kind + body) == crc
        chunks.append((kind, body))
        index += 12 + length
    return chunks


def png_size(data: bytes) -> tuple[int, int]:
    kind, body = png_chunks(data)[0]
    assert kind == b"IHDR"
    return struct.unpack(">II", body[:8])


# ── the pictures ──────────────────────────────────────────────────────────
def test_png_has_the_size_of_the_text_width_and_no_metadata(blocks) -> None:
    status, rates = blocks
    # 6.7 in × 150 dpi = 1005 px wide; high: 1.5 in + 0.42 in × 2 분야 = 2.34 in → 351 px,
    # 1.5 in + 0.52 in × 3 rows (2 분야 and 합계) = 3.06 in → 459 px
    assert png_size(status.data) == (1005, 351)
    assert png_size(rates.data) == (1005, 459)
    for block in blocks:
        kinds = [kind for kind, _ in png_chunks(block.data)]
        assert kinds[-1] == b"IEND" and not {b"tEXt", b"iTXt", b"zTXt", b"tIME"} & set(kinds)
        assert block.mime == "image/png" and block.width == 1000


def test_svg_is_well_formed_and_names_itself(blocks) -> None:
    for block, title in zip(blocks, (charts.CHART_STATUS, charts.CHART_RATES), strict=True):
        root = parse_xml(block.svg.encode("utf-8"))  # no DOCTYPE (parse_xml refuses one)
        assert root.tag == f"{SVG}svg" and root.get("role") == "img" and root.get("aria-label") == title
        assert root.findtext(f"{SVG}title") == title == block.caption
        assert root.findtext(f"{SVG}desc") == block.alt
        assert root.find(f"{SVG}metadata") is None and "dc:date" not in block.svg


def test_status_bars_segments_and_counts(blocks) -> None:
    root = parse_xml(blocks[0].svg.encode("utf-8"))
    # A: 완료 (status 0) and 정상추진 (2); B: 완료 (0), 추진 중 (3), 보류 (5) — 5 segments
    assert sorted(groups(root, "segment-")) == ["segment-0-0", "segment-0-2", "segment-1-0", "segment-1-3",
                                                "segment-1-5"]
    counts = {key.removeprefix("count-"): drawn(g) for key, g in groups(root, "count-").items()}
    assert counts == {"0-0": "3", "0-2": "2", "1-0": "1", "1-3": "1", "1-5": "2"}
    totals = {key: drawn(g) for key, g in groups(root, "total-").items()}
    assert totals == {"total-0": "계 5", "total-1": "계 4"}


def test_rate_bars_and_values(blocks) -> None:
    root = parse_xml(blocks[1].svg.encode("utf-8"))
    # two bars (완료율 0, 평균 추진율 1) for A, B and 합계 = 6
    assert len(groups(root, "bar-")) == 6
    values = {key.removeprefix("value-"): drawn(g) for key, g in groups(root, "value-").items()}
    assert values == {"0-0": "60.0", "0-1": "80.0", "1-0": "25.0", "1-1": "65.0", "2-0": "44.4", "2-1": "75.7"}


def test_the_rate_chart_draws_the_rates_settings_chose() -> None:
    """설정 `총괄표 지표` 목표달성률, 평균 추진율: one bar per row (평균 추진율 only, in its own colour);
    neither row rate chosen: no rate chart. Figures of _summary by hand: A 80.0, B 65.0, 합계 75.7."""
    from reportgen.model import RATE_COMPLETION, RATE_MEAN_PROGRESS, RATE_TARGET

    summary = _summary(settings=Settings(rates=[RATE_TARGET, RATE_MEAN_PROGRESS]))
    [_, rates] = charts.summary_charts(summary)
    assert rates.caption == "분야별 평균 추진율"
    root = parse_xml(rates.svg.encode("utf-8"))
    assert sorted(groups(root, "bar-")) == ["bar-0-0", "bar-1-0", "bar-2-0"]
    values = {key.removeprefix("value-"): drawn(g) for key, g in groups(root, "value-").items()}
    assert values == {"0-0": "80.0", "1-0": "65.0", "2-0": "75.7"}
    assert "완료율" not in rates.alt and "1. 안전한 도시 평균 추진율 80.0%" in rates.alt
    assert "#e69f00" in rates.svg.lower() and "#0072b2" not in rates.svg.lower()  # 평균 추진율's colour
    reordered = charts.summary_charts(_summary(settings=Settings(rates=[RATE_MEAN_PROGRESS, RATE_COMPLETION])))
    assert reordered[1].caption == "분야별 평균 추진율·완료율"
    assert [b.caption for b in charts.summary_charts(_summary(settings=Settings(rates=[RATE_TARGET])))] == [
        charts.CHART_STATUS]


def test_a_row_without_progress_reads_dash() -> None:
    # one 분야, one 보류 card without 추진율: 완료율 0/1 = 0.0, 평균 추진율 none → '-'
    [_, rates] = charts.summary_charts(_summary([(AREA_A, "보류", None)]))
    values = {key: drawn(g) for key, g in groups(parse_xml(rates.svg.encode()), "value-").items()}
    assert values == {"value-0-0": "0.0", "value-0-1": "-", "value-1-0": "0.0", "value-1-1": "-"}
    assert f"{AREA_A} 완료율 0.0%, 평균 추진율 없음" in rates.alt


def test_same_summary_same_bytes(blocks) -> None:
    again = charts.summary_charts(_summary())
    assert [(b.data, b.svg, b.alt) for b in again] == [(b.data, b.svg, b.alt) for b in blocks]


def test_korean_is_drawn_in_the_installed_nanum_gothic(blocks) -> None:
    root = parse_xml(blocks[0].svg.encode("utf-8"))
    glyphs = {path.get("id") for path in root.iter(f"{SVG}path") if path.get("id")}
    # 안 U+C548, 전 U+C804 (of 1. 안전한 도시), 경 U+ACBD, 계 U+ACC4: outlines in the file itself
    assert {"NanumGothic-c548", "NanumGothic-c804", "NanumGothic-acbd", "NanumGothic-acc4"} <= glyphs
    package = Path(str(metadata.distribution("koreanize-matplotlib").locate_file("koreanize_matplotlib")))
    assert charts.font_file() == package / "fonts" / "NanumGothic.ttf"
    summary = _summary()
    with charts._matplotlib().rc_context(charts._style()):
        figure = charts.status_figure(summary, charts.area_table(summary))
    assert charts.font_files(figure) == {str(package / "fonts" / "NanumGothic.ttf"),
                                         str(package / "fonts" / "NanumGothicBold.ttf")}  # the title is bold


def test_a_missing_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str):
        raise metadata.PackageNotFoundError(name)

    charts.font_file.cache_clear()
    monkeypatch.setattr(charts.metadata, "distribution", missing)
    try:
        with pytest.raises(InputError) as caught:
            charts.font_file()
        assert "NanumGothic" in str(caught.value) and "pip install koreanize-matplotlib" in str(caught.value)
    finally:
        charts.font_file.cache_clear()


# ── words and colors ──────────────────────────────────────────────────────
def test_alt_states_the_figures_and_points_at_the_table(blocks) -> None:
    status, rates = blocks
    assert status.alt == (
        "분야별 추진상황 막대그래프: 분야 2개, 전체 9건. "
        "1. 안전한 도시 계 5건(완료 3건, 정상추진 2건); "
        "3. 일자리가 넘치는 경제도시 계 4건(완료 1건, 추진 중 1건, 보류 2건). "
        "같은 수치는 총괄표의 '분야별' 표에 있습니다.")
    assert rates.alt == (
        "분야별 완료율·평균 추진율 막대그래프(0~100%): "
        "1. 안전한 도시 완료율 60.0%, 평균 추진율 80.0%; "
        "3. 일자리가 넘치는 경제도시 완료율 25.0%, 평균 추진율 65.0%; "
        "합계 완료율 44.4%, 평균 추진율 75.7%. 같은 수치는 총괄표의 '분야별' 표에 있습니다.")


def test_status_order_follows_settings() -> None:
    # 설정 lists 보류 first: its segment (status 0) comes first, 완료 is status 1
    settings = Settings(statuses=["보류", "완료", "정상추진", "추진 중"])
    [status, _] = charts.summary_charts(_summary(settings=settings))
    root = parse_xml(status.svg.encode("utf-8"))
    assert sorted(groups(root, "segment-1-")) == ["segment-1-0", "segment-1-1", "segment-1-3"]
    assert "계 4건(보류 2건, 완료 1건, 추진 중 1건)" in status.alt


def test_contrast_by_hand() -> None:
    assert charts.contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    # #767676: channel 118/255 = 0.4627 → ((0.4627+0.055)/1.055)^2.4 = 0.1812; (1.05)/(0.2312) = 4.54
    assert charts.contrast("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)
    assert charts.contrast("#FFFFFF", "#767676") == charts.contrast("#767676", "#FFFFFF")


def test_labels_are_readable_and_segments_differ_in_grayscale() -> None:
    assert charts.contrast(charts.INK, charts.LABEL_BOX["facecolor"]) >= 4.5
    assert charts.contrast(charts.INK, charts.PAPER) >= 4.5
    styles = [charts.status_style(index) for index in range(len(charts.OKABE_ITO))]
    assert len({color for color, _ in styles}) == len(styles)  # every status its own color …
    assert len({hatch for _, hatch in styles}) == len(styles)  # … and its own hatch (grayscale prints)
    assert charts.status_style(0)[0] == "#0072B2"  # Okabe–Ito blue for 완료


def test_long_names_wrap_and_end_in_an_ellipsis() -> None:
    assert charts.wrap_label(AREA_B) == "3. 일자리가 넘치는\n경제도시"
    # "12. 아이 키우기" is 10 characters, with " 좋은" 13 > 12; "좋은 교육·보육 도시와" is 12, with
    # " 평생학습" more: a third line follows, so the 2nd line keeps 11 characters and ends in …
    assert charts.wrap_label(LONG) == "12. 아이 키우기\n좋은 교육·보육 도시…"


def test_many_long_areas_keep_their_labels_apart() -> None:
    # 12 분야, each one 완료 card (the last with the long name): 12 rows of labels
    names = [f"{number}. 살기 좋은 행복도시 만들기 사업" for number in range(1, 12)] + [LONG]
    summary = _summary([(name, "완료", 100) for name in names])
    [status, rates] = charts.summary_charts(summary)
    assert png_size(status.data) == (1005, round((1.5 + 0.42 * 12) * 150))  # 981
    with charts._matplotlib().rc_context(charts._style()):
        for figure in (charts.status_figure(summary, charts.area_table(summary)),
                       charts.rates_figure(charts.area_table(summary))):
            figure.draw_without_rendering()
            renderer = figure.canvas.get_renderer()
            boxes = [label.get_window_extent(renderer) for label in figure.axes[0].get_yticklabels()]
            assert len(boxes) in (12, 13)  # 12 분야 (and 합계 on the rate chart)
            for upper, lower in zip(boxes, boxes[1:], strict=False):
                assert not upper.overlaps(lower)
            assert all(box.x0 >= 0 for box in boxes)  # inside the picture
    ticks = [drawn(g) for key, g in groups(parse_xml(rates.svg.encode()), "ytick_").items()]
    assert "12. 아이 키우기좋은 교육·보육 도시…" in ticks  # the two lines, the full name in the table


def test_a_count_wider_than_its_segment_is_left_to_the_table() -> None:
    # A: 완료 40, 정상추진 15, 보류 1 → axis to 56 × 1.12 = 62.7; the 보류 segment is 1/62.7 of the
    # ~5.2 in axis ≈ 0.08 in (12 px), narrower than a boxed '1' at 9 pt (≈ 0.12 in): not written,
    # while '40' and '15' are; the 계 and the words keep the 1
    rows = [(AREA_A, "완료", 100)] * 40 + [(AREA_A, "정상추진", 50)] * 15 + [(AREA_A, "보류", None)]
    [status, _] = charts.summary_charts(_summary(rows))
    root = parse_xml(status.svg.encode("utf-8"))
    assert sorted(groups(root, "segment-")) == ["segment-0-0", "segment-0-2", "segment-0-5"]
    assert {key: drawn(g) for key, g in groups(root, "count-").items()} == {"count-0-0": "40", "count-0-2": "15"}
    assert drawn(groups(root, "total-")["total-0"]) == "계 56"
    assert "계 56건(완료 40건, 정상추진 15건, 보류 1건)" in status.alt


def test_no_cards_no_charts() -> None:
    assert charts.summary_charts(_summary([])) == []
