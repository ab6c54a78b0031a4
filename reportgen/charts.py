"""Charts of the 총괄표: the domain (a :class:`reportgen.summary.Summary`) as pictures.

Two charts, each an :class:`reportgen.document.Image` block that every writer prints: the PNG in
DOCX/HWPX/PDF, the SVG in HTML, and the alt text (the figures in words, and where the table with
the same numbers is) in the text and XLSX writers and for screen readers.

* 분야별 추진상황 — a horizontal bar per 분야, a segment per status in the 총괄표's status order
  (설정 order), each segment's count written on it and the bar's 계 at its end.
* 분야별 완료율·평균 추진율 — two bars per 분야 and for 합계, on a 0–100 axis, values written.

Drawn by matplotlib (Agg, imported only when a chart is drawn) in NanumGothic, the font that the
``koreanize-matplotlib`` package installs: the font file is named, never looked up among the
system's fonts. Output is the same bytes for the same summary: fixed size and DPI, no dates or
software names in the files, a fixed ``svg.hashsalt``. Colors are the Okabe–Ito palette (made to
be told apart by color-blind readers), each with its own hatch so that a grayscale print still
tells the segments apart; every figure is black on a white box (contrast 21:1).
"""

from __future__ import annotations

import io
import re
import textwrap
import threading
from collections.abc import Sequence
from decimal import Decimal
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from lxml import etree

from reportgen.document import Block, Image
from reportgen.errors import InputError, Problem
from reportgen.summary import (
    ROW_RATES,
    TABLE_AREA,
    RowRate,
    Summary,
    SummaryTable,
    rate_text,
    row_rates,
)
from reportgen.xmlsafe import parse_xml

# ── what the charts say ───────────────────────────────────────────────────
CHART_STATUS = "분야별 추진상황"
CHART_RATES = "분야별 완료율·평균 추진율"  # with both rates in the default order (rates_title)
L_COUNT_AXIS = "공약 수(건)"
L_RATE_AXIS = "비율(%)"
#: where the numbers of a chart are printed as a table (the chart's alternative, KWCAG)
TABLE_NOTE = f"같은 수치는 총괄표의 '{TABLE_AREA}' 표에 있습니다."

# ── how they look ─────────────────────────────────────────────────────────
FONT_PACKAGE = "koreanize-matplotlib"
FONT_NAME = "NanumGothic"
FONT_FILES = {"normal": "koreanize_matplotlib/fonts/NanumGothic.ttf",
              "bold": "koreanize_matplotlib/fonts/NanumGothicBold.ttf"}
DPI = 150
WIDTH_INCHES = 6.7  # the A4 text width (170 mm): printed 1:1, the 9 pt text reads as 9 pt
FONT_SIZE = 9
#: inches per bar row, and around the bars (title, legend, axis)
ROW_INCHES = {CHART_STATUS: 0.42, CHART_RATES: 0.52}
FRAME_INCHES = 1.5
#: a 분야 name longer than this many characters a line is wrapped, at most LABEL_LINES lines
LABEL_WIDTH = 12
LABEL_LINES = 2
SVG_SALT = "reportgen"
#: Okabe & Ito (2008), "Color Universal Design": told apart with any color vision deficiency
OKABE_ITO = ("#0072B2", "#56B4E9", "#009E73", "#F0E442", "#E69F00", "#D55E00", "#CC79A7", "#999999")
#: one hatch per color, so that segments differ in grayscale too
HATCHES = ("", "//", "\\\\", "--", "xx", "||", "++", "..")
#: 완료율 in 완료's style, 평균 추진율 in another far from it in lightness
RATE_STYLES = (("#0072B2", ""), ("#E69F00", "//"))
STATUS_LEGEND_COLUMNS = 4
GRID = "#BBBBBB"
INK = "#000000"
PAPER = "#FFFFFF"
EDGE = "#333333"
#: matplotlib's settings are global: one chart is drawn at a time (the web app serves in threads)
_LOCK = threading.Lock()
LABEL_BOX = {"boxstyle": "round,pad=0.18", "facecolor": PAPER, "edgecolor": "none"}


# ── colors ────────────────────────────────────────────────────────────────
def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(color: str) -> float:
    """Relative luminance of ``#RRGGBB`` (WCAG 2)."""
    red, green, blue = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two ``#RRGGBB`` colors (1 to 21)."""
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def status_style(index: int) -> tuple[str, str]:
    """(fill, hatch) of the ``index``-th status; past the palette the hatches change again."""
    color = OKABE_ITO[index % len(OKABE_ITO)]
    hatch = HATCHES[(index + index // len(OKABE_ITO)) % len(HATCHES)]
    return color, hatch


# ── the font and matplotlib ───────────────────────────────────────────────
@cache
def font_file(weight: str = "normal") -> Path:
    """The NanumGothic file that ``koreanize-matplotlib`` installed; an InputError saying how to
    install it when it is missing (never another font in its place)."""
    try:
        path = Path(str(metadata.distribution(FONT_PACKAGE).locate_file(FONT_FILES[weight])))
    except metadata.PackageNotFoundError:
        path = None
    if path is None or not path.is_file():
        raise InputError(Problem(
            FONT_PACKAGE, "", "차트 글꼴(NanumGothic)이 설치되어 있지 않습니다",
            "the chart font (NanumGothic) is not installed",
            f"reportgen을 다시 설치하세요: pip install {FONT_PACKAGE}",
            f"install reportgen again: pip install {FONT_PACKAGE}"))
    return path


@cache
def _matplotlib() -> Any:
    """matplotlib, without pyplot (no global figures, no display); the font is not looked up."""
    import matplotlib

    font_file()  # refuse before drawing when the font is missing
    return matplotlib


def font_of(bold: bool, size: float) -> Any:
    """NanumGothic at ``size`` points, named by its file (a name could find another copy)."""
    from matplotlib.font_manager import FontProperties

    weight = "bold" if bold else "normal"
    return FontProperties(fname=str(font_file(weight)), size=size, weight=weight)


def _is_bold(weight: object) -> bool:
    return weight in ("bold", "heavy", "extra bold", "black", "semibold", "demibold", "demi") or (
        isinstance(weight, int) and weight >= 600)


def set_fonts(figure: Any) -> None:
    """Every text of ``figure`` in NanumGothic by file, keeping its size and weight (tick labels
    made later copy the first tick's font)."""
    from matplotlib.text import Text

    for text in figure.findobj(Text):
        text.set_fontproperties(font_of(_is_bold(text.get_fontweight()), text.get_fontsize()))


def font_files(figure: Any) -> set[str]:
    """The font files of the texts ``figure`` shows (each is one of :data:`FONT_FILES`)."""
    from matplotlib.text import Text

    return {text.get_fontproperties().get_file() for text in figure.findobj(Text) if text.get_text()}


def _style() -> dict[str, Any]:
    """The rcParams every chart is drawn with (a context: the process's defaults stay)."""
    return {
        "font.family": [FONT_NAME],  # a hint only: set_fonts gives every text its file "font.size": FONT_SIZE, "axes.unicode_minus": False,
        "svg.fonttype": "path", "svg.hashsalt": SVG_SALT, "path.simplify": False,
        "hatch.linewidth": 0.6, "text.color": INK, "axes.labelcolor": INK, "axes.edgecolor": INK,
        "xtick.color": INK, "ytick.color": INK, "figure.facecolor": PAPER, "axes.facecolor": PAPER,
        "savefig.facecolor": PAPER,
    }


# ── the pictures ──────────────────────────────────────────────────────────
def wrap_label(text: str, width: int = LABEL_WIDTH, lines: int = LABEL_LINES) -> str:
    """A 분야 name on at most ``lines`` lines of ``width`` characters, between words; a longer one
    ends in ``…`` (its full name is in the 총괄표)."""
    parts = textwrap.wrap(text, width, break_long_words=True) or [""]
    if len(parts) > lines:
        parts = parts[:lines]
        parts[-1] = parts[-1][: width - 1].rstrip() + "…"
    return "\n".join(parts)


def _figure(kind: str, rows: int, title: str = "") -> tuple[Any, Any]:
    """A figure (Agg canvas, constrained layout) as wide as the text and as high as ``rows`` bar
    rows of chart ``kind`` need, its title (``kind`` unless given) at the top left, and its axes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    height = FRAME_INCHES + ROW_INCHES[kind] * max(rows, 1)
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(title or kind, x=0.01, ha="left", fontsize=FONT_SIZE + 2, fontweight="bold")
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="x", color=GRID, linewidth=0.5, zorder=0)
    return figure, axes


def row_major(items: Sequence[Any], columns: int) -> list[Any]:
    """``items`` reordered so that a legend filled column by column reads row by row."""
    rows = -(-len(items) // columns)
    return [items[row * columns + column] for column in range(columns) for row in range(rows)
            if row * columns + column < len(items)]


def _legend(figure: Any, axes: Any, columns: int) -> None:
    """The legend under the axis, read left to right in the bars' order."""
    handles, labels = axes.get_legend_handles_labels()
    columns = max(min(len(labels), columns), 1)
    figure.legend(row_major(handles, columns), row_major(labels, columns), loc="outside lower left",
                  ncols=columns, frameon=False, handlelength=2.0, handleheight=1.0, columnspacing=1.6)


def _value_label(axes: Any, x: float, y: float, text: str, ha: str = "center") -> Any:
    """A figure written on or beside a bar: black on a white box."""
    return axes.text(x, y, text, ha=ha, va="center", color=INK, bbox=LABEL_BOX, zorder=4)


def _drop_labels_outside(figure: Any, pairs: list[tuple[Any, Any]]) -> None:
    """Remove a segment's count whose white box is wider than its segment (the 계, the alt text and
    the table still say it)."""
    figure.draw_without_rendering()
    renderer = figure.canvas.get_renderer()
    for text, patch in pairs:
        box = text.get_bbox_patch().get_window_extent(renderer)
        if box.width > patch.get_window_extent(renderer).width:
            text.remove()


def status_figure(s: Summary, table: SummaryTable) -> Any:
    """The stacked bars of 분야별 추진상황 (a figure, not yet saved)."""
    rows = table.rows
    figure, axes = _figure(CHART_STATUS, len(rows))
    places = range(len(rows))
    left = [0] * len(rows)
    labelled: list[tuple[Any, Any]] = []
    for index, status in enumerate(s.statuses):
        counts = [row.status_counts[index] for row in rows]
        if not any(counts):
            continue
        color, hatch = status_style(index)
        bars = axes.barh(places, counts, left=left, height=0.62, color=color, hatch=hatch,
                         edgecolor=EDGE, linewidth=0.6, label=status, zorder=2)
        for place, (count, patch) in enumerate(zip(counts, bars, strict=True)):
            if count:
                patch.set_gid(f"segment-{place}-{index}")
                label = _value_label(axes, left[place] + count / 2, place, str(count))
                label.set_gid(f"count-{place}-{index}")
                labelled.append((label, patch))
            else:
                patch.remove()
        left = [a + b for a, b in zip(left, counts, strict=True)]
    most = max(left, default=0)
    for place, row in enumerate(rows):
        axes.text(row.total + most * 0.015 + 0.05, place, f"계 {row.total}", ha="left", va="center",
                  color=INK, zorder=4, gid=f"total-{place}")
    axes.set_xlim(0, max(most * 1.12, 1))
    axes.set_yticks(list(places), [wrap_label(row.label) for row in rows])
    axes.invert_yaxis()
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.set_xlabel(L_COUNT_AXIS)
    _legend(figure, axes, STATUS_LEGEND_COLUMNS)
    set_fonts(figure)
    _drop_labels_outside(figure, labelled)
    return figure


#: every row rate in its default order, each with its colour and hatch (the same whatever 설정 chose)
ALL_ROW_RATES = tuple(ROW_RATES.values())


def rates_title(rates: Sequence[RowRate]) -> str:
    """``분야별 완료율·평균 추진율``: the rates drawn, in 설정's order."""
    return "분야별 " + "·".join(rate.name for rate in rates)


def rates_figure(table: SummaryTable, rates: Sequence[RowRate] = ALL_ROW_RATES) -> Any:
    """The grouped bars of 분야별 ``rates`` (완료율, 평균 추진율 as 설정 chose), 합계 last (a figure,
    not yet saved)."""
    rows = (*table.rows, table.total)
    figure, axes = _figure(CHART_RATES, len(rows), rates_title(rates))
    shifts = (-0.2, 0.2) if len(rates) == 2 else (0.0,) * len(rates)
    for number, (rate, shift) in enumerate(zip(rates, shifts, strict=True)):
        name, value_of = rate.name, rate.value
        color, hatch = RATE_STYLES[ALL_ROW_RATES.index(rate)]
        values = [value_of(row) for row in rows]
        places = [place + shift for place in range(len(rows))]
        bars = axes.barh(places, [float(v or 0) for v in values], height=0.38, color=color, hatch=hatch,
                         edgecolor=EDGE, linewidth=0.6, label=name, zorder=2)
        for row, (place, value, patch) in enumerate(zip(places, values, bars, strict=True)):
            patch.set_gid(f"bar-{row}-{number}")
            label = _value_label(axes, float(value or 0) + 1.2, place, rate_text(value), ha="left")
            label.set_gid(f"value-{row}-{number}")
    axes.set_xlim(0, 100)
    axes.set_xticks(range(0, 101, 20))
    axes.set_yticks(list(range(len(rows))), [wrap_label(row.label) for row in rows])
    axes.get_yticklabels()[-1].set_fontweight("bold")
    axes.axhline(len(rows) - 1.5, color=EDGE, linewidth=0.6)
    axes.invert_yaxis()
    axes.set_xlabel(L_RATE_AXIS)
    _legend(figure, axes, len(rates))
    set_fonts(figure)
    return figure


def _png(figure: Any) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


def _svg(figure: Any, title: str, description: str) -> str:
    """The figure as SVG without its drawn title (the page prints it as the caption), with
    ``<title>``, ``<desc>``, ``role="img"`` and ``aria-label``; no DOCTYPE, no date."""
    figure.suptitle("").set_visible(False)
    out = io.BytesIO()
    figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None, "Format": None,
                                                "Type": None})
    text = re.sub(rb"<!DOCTYPE[^>]*>\s*", b"", out.getvalue(), count=1)
    root = parse_xml(text)
    namespace = "{http://www.w3.org/2000/svg}"
    for element in root.findall(f"{namespace}metadata"):
        root.remove(element)
    root.set("role", "img")
    root.set("aria-label", title)
    heading = etree.Element(f"{namespace}title")
    heading.text = title
    desc = etree.Element(f"{namespace}desc")
    desc.text = description
    root.insert(0, desc)
    root.insert(0, heading)
    return etree.tostring(root, encoding="unicode")


def _image(figure: Any, title: str, alt: str, width: int) -> Image:
    """The figure as an Image block (PNG with its title drawn, SVG with the title as caption)."""
    set_fonts(figure)
    png = _png(figure)
    svg = _svg(figure, title, alt)
    wrong = font_files(figure) - {str(font_file(weight)) for weight in FONT_FILES}
    if wrong:
        raise RuntimeError(f"chart text drawn in {sorted(wrong)}, not in {FONT_NAME}")
    return Image(png, "image/png", alt, width=width, svg=svg, caption=title)


# ── the words in place of the pictures ───────────────────────────────────
def status_alt(s: Summary, table: SummaryTable) -> str:
    """The status chart in words: each 분야's 계 and its non-zero statuses."""
    parts = []
    for row in table.rows:
        counts = ", ".join(f"{status} {count}건" for status, count in zip(s.statuses, row.status_counts, strict=True)
                           if count)
        parts.append(f"{row.label} 계 {row.total}건" + (f"({counts})" if counts else ""))
    return (f"{CHART_STATUS} 막대그래프: 분야 {len(table.rows)}개, 전체 {table.total.total}건. "
            + "; ".join(parts) + f". {TABLE_NOTE}")


def _percent(value: Decimal | None) -> str:
    return "없음" if value is None else f"{rate_text(value)}%"


def rates_alt(table: SummaryTable, rates: Sequence[RowRate] = ALL_ROW_RATES) -> str:
    """The rate chart in words: each 분야's and the 합계's ``rates``."""
    parts = [f"{row.label} " + ", ".join(f"{rate.name} {_percent(rate.value(row))}" for rate in rates)
             for row in (*table.rows, table.total)]
    return f"{rates_title(rates)} 막대그래프(0~100%): " + "; ".join(parts) + f". {TABLE_NOTE}"


# ── what a document inserts ───────────────────────────────────────────────
def area_table(s: Summary) -> SummaryTable | None:
    """The 분야별 table of the summary (None when there is none)."""
    return next((table for table in s.tables if table.title == TABLE_AREA), None)


def status_chart(s: Summary, width: int = 1000) -> Image:
    """분야별 추진상황 as an Image block."""
    table = area_table(s)
    assert table is not None
    with _LOCK, _matplotlib().rc_context(_style()):
        return _image(status_figure(s, table), CHART_STATUS, status_alt(s, table), width)


def rates_chart(s: Summary, width: int = 1000) -> Image:
    """분야별 완료율·평균 추진율 (the row rates 설정 chose, in its order) as an Image block."""
    table = area_table(s)
    assert table is not None
    rates = row_rates(s)
    with _LOCK, _matplotlib().rc_context(_style()):
        return _image(rates_figure(table, rates), rates_title(rates), rates_alt(table, rates), width)


def summary_charts(s: Summary, width: int = 1000) -> list[Block]:
    """The 총괄표's charts as blocks (none when no card has a 분야 table to draw), ``width`` per
    mille of the text width; a document puts them where it wants them (after the 분야별 table)."""
    table = area_table(s)
    if table is None or not table.rows:
        return []
    return [status_chart(s, width), *([rates_chart(s, width)] if row_rates(s) else [])]

