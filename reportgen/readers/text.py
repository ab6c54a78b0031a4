"""Text reader: a pledge card as plain text → :class:`~reportgen.model.Card`.

Two layouts are read, and any mix of them:

* the standard text card (what ``writers.text`` prints, and DOCX cards saved
  as text): table rows as TAB-separated cells (or markdown ``| a | b |`` rows),
  markers ○ - ▷ ※ ▪, or markdown ``-`` bullets and ``**bold**`` when converted
  from Word;
* text extracted from Hangul: one table cell per line (a short header row on
  one line, cells separated by spaces), long lines wrapped with a trailing
  space, no 관리번호/title line.

A header label (사업구분 … 협조부서) is a label only as a whole cell, never as a
word inside a value or the 사업명. The file may be UTF-8 (with or without BOM),
UTF-16 with BOM, or CP949/EUC-KR as old Windows tools save it; ■ is read as ▪,
and a '?' where CP949 lost a marker is an error. A line that cannot be placed is
an error naming its line number.

The DOCX, HWPX and HWP readers turn their documents into these lines; the
helpers they share (:func:`table_lines`, :func:`indent_lead`,
:func:`check_line_count`) and the budgets live here.
"""

from __future__ import annotations

import codecs
import functools
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from reportgen import model as m
from reportgen.errors import InputError, Problems
from reportgen.periods import DATED_LINE_RE, PeriodError, normalize_period
from reportgen.safeguard import read_error

MAX_TEXT_BYTES = 20 * 1024 * 1024
#: a card has some hundreds of lines; more than this is no card (and would cost memory)
MAX_CARD_LINES = 100_000
#: a table's grid may hold this many positions per cell present (a real table has about one)
GRID_PER_CELL, GRID_MIN = 16, 256
#: HWPUNIT of paragraph indentation read as one leading space (10 pt), and the most spaces a lead has:
#: the parser only asks whether a line is indented, and a file may declare any indentation
INDENT_UNIT, MAX_LEAD = 1000, 8
#: the characters ``str.splitlines`` breaks at
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_SAVE_UTF8 = ("메모장 등에서 '다른 이름으로 저장'을 눌러 인코딩을 UTF-8로 골라 저장하세요",
              "save it again with the encoding UTF-8 (e.g. Notepad: Save As, Encoding: UTF-8)")


@dataclass
class Line:
    """A non-blank source line: its number, raw text and whether it was wrapped."""

    number: int
    raw: str
    wrapped: bool  # the previous non-blank line ended in white space (Hangul word wrap)
    markdown: bool

    @property
    def text(self) -> str:
        text = self.raw.strip()
        return text.replace("**", "") if self.markdown else text

    @property
    def indented(self) -> bool:
        return self.raw[:1].isspace()

    @property
    def where(self) -> str:
        return f"line {self.number}"


def read_text(path: Path) -> m.Card:
    """Read a text card: UTF-8 (with or without BOM), UTF-16 with BOM, or CP949/EUC-KR."""
    path = Path(path)
    text = decode_text(_read_bytes(path), path)
    check_line_count(_line_count(text), path)  # before splitting: 20 MB of line breaks would be 20 million strings
    return parse_lines(text.splitlines(), str(path))


def _line_count(text: str) -> int:
    """How many lines ``text.splitlines()`` gives (counted, not split)."""
    breaks = sum(text.count(char) for char in _LINE_BREAKS) - text.count("\r\n")
    return breaks + (not text.endswith(tuple(_LINE_BREAKS)))


def _read_bytes(path: Path) -> bytes:
    """The file's bytes; its size is checked before reading and no more than the limit + 1 is read."""
    too_big = _problem(path, "", "파일이 너무 큽니다 (20 MB 초과)", "file larger than 20 MB",
                       "카드 한 장의 텍스트만 넣으세요", "give the text of one card")
    try:
        with path.open("rb") as handle:
            if os.fstat(handle.fileno()).st_size > MAX_TEXT_BYTES:
                raise InputError(too_big)
            data = handle.read(MAX_TEXT_BYTES + 1)
    except OSError as exc:
        raise read_error(path, exc) from None
    if len(data) > MAX_TEXT_BYTES:
        raise InputError(too_big)
    return data


def decode_text(data: bytes, path: object) -> str:
    """UTF-8 first (BOM or not), then UTF-16 with its BOM, then CP949 (EUC-KR); else a line-numbered error."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        first = utf8_error
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count("\n".encode("utf-16-le")) + 1
            raise InputError(_problem(path, f"line {line}", "UTF-16 파일이 손상되었습니다 (짝이 맞지 않는 바이트)",
                                      "damaged UTF-16 text (bytes that do not pair up)", *_SAVE_UTF8)) from None
    try:
        return data.decode("cp949")
    except UnicodeDecodeError as exc:
        start = max(first.start, exc.start)  # the encoding that got further is the likelier one
        line = data[:start].count(b"\n") + 1
        byte = data[start: start + 1].hex().upper()
        raise InputError(_problem(path, f"line {line}", f"UTF-8도 CP949(EUC-KR)도 아닌 바이트가 있습니다 (0x{byte})",
                                  f"a byte that is neither UTF-8 nor CP949 (EUC-KR) text (0x{byte})",
                                  *_SAVE_UTF8)) from None


def _too_many_lines(source: object):
    return _problem(source, "", f"줄이 너무 많습니다 ({MAX_CARD_LINES:,}줄 이상): 공약 관리카드 한 장이 아닙니다",
                    f"too many lines ({MAX_CARD_LINES:,} or more): not one pledge card",
                    "카드 한 장만 담긴 파일을 주세요", "give a file holding one card")


def check_line_count(count: int, source: object) -> None:
    """Refuse a document of :data:`MAX_CARD_LINES` lines or more (the readers call it as lines pile up)."""
    if count >= MAX_CARD_LINES:
        raise InputError(_too_many_lines(source))


def indent_lead(hwpunit: int) -> str:
    """The leading spaces of a Hangul paragraph indented by ``hwpunit``: one per 10 pt, at most :data:`MAX_LEAD`."""
    return " " * min(MAX_LEAD, max(0, hwpunit // INDENT_UNIT))


def _problem(path: object, where: str, ko: str, en: str, fix_ko: str = "", fix_en: str = ""):
    problems = Problems(str(path))
    problems.add(where, ko, en, fix_ko, fix_en)
    return problems.items


def parse_lines(lines: Iterable[str], source: str) -> m.Card:
    """Parse the lines of one card; raise :class:`InputError` naming bad lines."""
    raw_lines = [_pipe_row(line.replace("\ufeff", "").rstrip("\r\n")) for line in lines]
    check_line_count(len(raw_lines), source)
    markdown = _is_markdown(raw_lines)
    parsed: list[Line] = []
    trailing = False
    for number, raw in enumerate(raw_lines, start=1):
        if not raw.strip():
            continue
        parsed.append(Line(number, raw, trailing, markdown))
        trailing = raw[-1:].isspace()
    problems = Problems(source)
    blocks = _split_sections(parsed, problems)
    if m.H_PLAN not in blocks or not _has_header(blocks[""]):
        problems.items.clear()
        problems.add("", "공약 관리카드가 아닙니다: 【사업추진계획】 제목과 사업구분 표가 없습니다",
                     "not a pledge card: no 【사업추진계획】 heading and no 사업구분 header table",
                     "표준 공약 관리카드 양식의 파일을 주세요",
                     "give a file in the standard pledge-card layout")
        problems.raise_if_any()
    card = m.Card(id="", title="")
    _parse_front(blocks[""], card, problems)
    _parse_plan(blocks[m.H_PLAN], card, problems)
    card.achievements = _parse_achievements(blocks.get(m.H_ACHIEVEMENTS, []), problems)
    card.bullets[m.FUTURE_PLAN] = _parse_bullets(blocks.get(m.H_FUTURE, []), problems)
    card.communication = _parse_communication(blocks.get(m.H_COMMUNICATION, []), problems)
    card.bullets[m.EFFECTS] = _parse_bullets(blocks.get(m.H_EFFECTS, []), problems)
    problems.raise_if_any()
    return card


# ── tables of DOCX, HWPX and HWP (one grid helper for the three readers) ───
class GridError(ValueError):
    """A table whose cells lie scattered over far more grid positions than cells: a damaged file."""


def table_lines(cells: Sequence[tuple[int, int, str]]) -> list[str]:
    """A table in the standard layout: one TAB-joined line per row, each cell's text where it starts.

    ``cells`` are (row, col, text) as the file places them. The grid is made of the
    rows and columns in which some cell starts — in a real table every row and
    column has one, so this is its grid, and the spans need not be known: a cell
    spanning n columns leaves the n-1 positions after it empty because the cells
    below start there. What a file declares (spans, addresses, row counts) thus costs
    no memory; a grid holding over :data:`GRID_PER_CELL` positions per cell present
    raises :class:`GridError`. Two cells starting at the same place share it, joined
    by a space.
    """
    rows = {row: index for index, row in enumerate(sorted({row for row, _col, _text in cells}))}
    cols = {col: index for index, col in enumerate(sorted({col for _row, col, _text in cells}))}
    if len(rows) * len(cols) > max(GRID_MIN, GRID_PER_CELL * len(cells)):
        raise GridError(f"{len(cells)} cells scattered over {len(rows)} rows × {len(cols)} columns")
    grid = [[""] * len(cols) for _ in rows]
    for row, col, text in cells:
        line, at = grid[rows[row]], cols[col]
        line[at] = f"{line[at]} {text}" if line[at] and text else line[at] or text
    return ["\t".join(line) for line in grid]


_PIPE_ROW = re.compile(r"^\s*\|(.*\|.*)\|\s*$")
_PIPE_SPLIT = re.compile(r"(?<!\\)\|")
_PIPE_RULE = re.compile(r"^\s*:?-{3,}:?\s*$")


def _pipe_row(raw: str) -> str:
    """A markdown table row ``| a | b |`` as the standard TAB-joined row; its ``|---|`` rule as a blank line."""
    found = _PIPE_ROW.match(raw)
    if found is None:
        return raw
    cells = [cell.strip().replace("\\|", "|") for cell in _PIPE_SPLIT.split(found[1])]
    return "" if all(_PIPE_RULE.match(cell) for cell in cells) else "\t".join(cells)


def _is_markdown(lines: list[str]) -> bool:
    """Word-to-text conversions mark bold with ** and bullets with a leading '-'."""
    if any("**" in line for line in lines):
        return True
    has_circle = any(line.strip().startswith(m.MARK_L1) for line in lines)
    return not has_circle and any(line.startswith("- ") for line in lines)


@functools.lru_cache(maxsize=4096)
def _fold(text: str) -> str:
    """A heading or label as compared: the model's label rule, any white space aside (cached:
    the same labels come on every card)."""
    return m.label_key(_WHITE_SPACE.sub("", text))


_WHITE_SPACE = re.compile(r"\s+")


_HEADINGS = {_fold(h): h for h in m.SECTION_HEADINGS}


def _split_sections(lines: list[Line], problems: Problems) -> dict[str, list[Line]]:
    """Group lines under their 【…】 heading; lines before the first heading go under ""."""
    blocks: dict[str, list[Line]] = {"": []}
    current = ""
    for line in lines:
        text = line.text
        if text.startswith("【"):
            heading = _HEADINGS.get(_fold(text))
            if heading is None:
                problems.add(line.where, f"알 수 없는 제목 {text}", f"unknown heading {text}",
                             "표준 제목을 쓰세요: " + " ".join(m.SECTION_HEADINGS),
                             "use one of the standard headings")
                continue
            if heading in blocks:
                problems.add(line.where, f"제목 {heading}이 두 번 나옵니다", f"heading {heading} appears twice",
                             "한 번만 쓰세요", "keep one")
            current = heading
            blocks[current] = []
            continue
        blocks[current].append(line)
    return blocks


# ── header table ──────────────────────────────────────────────────────────
#: the header labels in card order (HEADER_ROWS read row by row)
_LABEL_KEYS = ("category", "executor", "period", "status", "budget", "completion", "department", "cooperation")
_LABELS = tuple(label for row in m.HEADER_ROWS for label in row)
#: a cell is a label when its text without white space is one of these (추진상황, 협조부서 also without the unit)
_LABEL_OF = {**{_fold(label): key for key, label in zip(_LABEL_KEYS, _LABELS, strict=True)},
             "추진상황": "status", "협조부서": "cooperation"}
#: Hangul text extraction puts a short header row on one line, cells separated by spaces:
#: the row's first label → pattern of the label that may follow it on that line
_ROW_PARTNER = {
    "category": re.escape(m.L_EXECUTOR),
    "period": r"추진상황(?:\s*\(%\))?",
    "budget": re.escape(m.L_COMPLETION),
    "department": r"협조부서(?:\s*\(\s*기관\s*\))?",
}
_ROW_START = re.compile("(" + "|".join(re.escape(first) for first, _second in m.HEADER_ROWS) + r")(?=\s|$)")


@dataclass
class _Cell:
    """One cell of the header area: its text (white space folded to single spaces), line,
    and whether it may be a label (a table cell; in a layout with tables, a paragraph may not)."""

    text: str
    number: int
    in_table: bool = True

    @property
    def label(self) -> str | None:
        """The header field this cell is the label of, or None for a value."""
        return _LABEL_OF.get(_fold(self.text)) if self.in_table else None


def _label_at_cell_level(line: Line) -> bool:
    return "\t" in line.raw and any(_fold(part.replace("**", "")) in _LABEL_OF for part in line.raw.split("\t"))


def _front_cells(lines: list[Line], problems: Problems) -> list[_Cell]:
    """The cells before 【사업추진계획】: a label matches a whole cell only, never a word inside a cell.

    Cells are what the layout has: TAB-separated cells (standard layout, DOCX/HWPX/HWP
    tables, markdown ``|`` tables), where a line without TAB is a paragraph (관리번호,
    사업명) and never a label; without any such table (Hangul text extraction) a
    whole line, except that a short row such as ``사업구분 신규사업 사업주체 시 / 구``
    on one line is split at its first label and that label's partner.
    """
    tabbed = any(_label_at_cell_level(line) for line in lines)
    cells: list[_Cell] = []
    for line in lines:
        if "\t" in line.raw:
            parts = line.raw.split("\t")
        elif tabbed:
            parts = [line.raw]
        else:
            parts = _spaced_row(line, problems)
        for part in parts:
            text = " ".join((part.replace("**", "") if line.markdown else part).split())
            if text:
                cells.append(_Cell(text, line.number, in_table=not tabbed or "\t" in line.raw))
    return cells


def _spaced_row(line: Line, problems: Problems) -> list[str]:
    """A Hangul-extracted header row: [label, value] or [label, value, partner label, value]."""
    text = line.text
    head = _ROW_START.match(text)
    if head is None:
        return [text]
    rest = text[head.end():]
    partner = _ROW_PARTNER[_LABEL_OF[head[1]]]
    found = list(re.finditer(rf"(?<!\S){partner}(?!\S)", rest))
    if len(found) > 1:
        problems.add(line.where, f"머리 표 줄에 '{found[0][0]}'이(가) 두 번 있어 칸을 나눌 수 없습니다",
                     f"'{found[0][0]}' appears twice on this header row; its cells cannot be told apart",
                     "칸 사이를 TAB으로 나누거나 한 줄에 한 칸씩 쓰세요",
                     "separate the cells with TABs, or put each cell on a line of its own")
    if not found:
        return [head[1], rest]
    return [head[1], rest[: found[0].start()], found[0][0], rest[found[0].end():]]


def _has_header(lines: list[Line]) -> bool:
    """Whether the text looks like a card at all (사업구분 anywhere): where the label must be a
    cell of its own, :func:`_parse_front` says so precisely."""
    return any(m.L_CATEGORY in line.text for line in lines)


def _parse_front(lines: list[Line], card: m.Card, problems: Problems) -> None:
    """관리번호, title and the header table: each label a whole cell, in card order; its value the cells up to the next."""
    cells = _front_cells(lines, problems)
    where = f"line {lines[0].number}-{lines[-1].number}" if lines else "line 1"
    starts: list[int] = []
    for key, label in zip(_LABEL_KEYS, _LABELS, strict=True):
        after = starts[-1] + 1 if starts else 0
        index = next((i for i in range(after, len(cells)) if cells[i].label == key), None)
        if index is None:
            problems.add(where, f"머리 표에 '{label}' 칸이 없습니다", f"header table has no '{label}' cell",
                         "표준 머리 표의 칸 이름을 지우지 마세요 (칸 이름만 따로 한 칸에)",
                         "keep the header table labels, each in a cell of its own")
            return
        starts.append(index)
    values = {key: " ".join(cell.text for cell in cells[start + 1: stop])
              for key, start, stop in zip(_LABEL_KEYS, starts, [*starts[1:], len(cells)], strict=True)}
    _parse_id_title([cell.text for cell in cells[: starts[0]]], card)
    header = card.header
    header.category, header.executor = values["category"], values["executor"]
    header.period, header.budget = values["period"], values["budget"]
    header.completion = values["completion"]
    header.status, header.progress = _split_status(values["status"])
    header.department = _parse_contact(values["department"])
    header.cooperation = _parse_cooperation(values["cooperation"])


def _parse_id_title(cells: list[str], card: m.Card) -> None:
    """``관리번호 | 3-1 | 사업명`` (cells) or ``관리번호 3-1 사업명`` (one line); else all is the title."""
    if cells and cells[0] == m.L_ID:
        card.id = cells[1] if len(cells) > 1 else ""
        card.title = " ".join(cells[2:])
    elif cells and cells[0].startswith(m.L_ID + " "):
        first, _, rest = cells[0][len(m.L_ID):].strip().partition(" ")
        card.id, card.title = first, " ".join(part for part in (rest, *cells[1:]) if part)
    else:
        card.title = " ".join(cells)


def _split_status(text: str) -> tuple[str, int | None]:
    """``추진 중(40%)`` → (추진 중, 40)."""
    found = re.fullmatch(r"(.*?)\s*\(\s*(\d{1,3})\s*%\s*\)", text)
    if not found:
        return text, None
    return found[1], int(found[2])


_CONTACT_RE = re.compile(r"(?P<name>[^()]*?)\s*\(\s*(?P<officer>[^()☎]*?)\s*(?:☎\s*(?P<phone>[^()]*?))?\s*\)")


def _parse_contact(text: str) -> m.Contact:
    found = _CONTACT_RE.fullmatch(text)
    if not found:
        return m.Contact(text)
    return m.Contact(found["name"], found["officer"], found["phone"] or "")


def _parse_cooperation(text: str) -> list[m.Contact]:
    """``市 산업입지과 (박정화 ☎888-4932) 市 지산학협력과 (…)`` → contacts."""
    if text in ("", "-"):
        return []
    contacts = []
    for found in _CONTACT_RE.finditer(text):
        contact = m.Contact(found["name"].strip(), found["officer"], found["phone"] or "")
        contacts.append(_with_agency(contact))
    rest = _CONTACT_RE.sub("", text).strip(" ,")
    if rest:
        contacts.extend(_with_agency(m.Contact(part.strip())) for part in rest.split(",") if part.strip())
    return contacts


def _with_agency(contact: m.Contact) -> m.Contact:
    first, _, rest = contact.department.partition(" ")
    if rest and first in m.AGENCIES:
        contact.agency, contact.department = first, rest.strip()
    return contact


# ── bullets ───────────────────────────────────────────────────────────────
def _bullet(line: Line) -> tuple[str, str] | None:
    """(marker, text) of a bullet line, or None for a line without a marker."""
    text = line.text
    if line.markdown and (text.startswith("- ") or text == "-"):
        inner = _bullet_marker(text[2:].strip())
        return inner or (m.MARK_L1, text[2:].strip())
    return _bullet_marker(text)


#: bullet characters read as card markers: the model's aliases, and ■ for ▪ (CP949 has no ▪;
#: converters put ■ in its place, which is no other card marker)
_MARKER_ALIASES = {**m.MARKER_ALIASES, "■": m.MARK_BOX}


def _lost_marker(line: Line) -> bool:
    """A '?' where a bullet marker belongs: what saving as CP949 (EUC-KR) leaves of ▪, ◦, ∘ or –."""
    text = line.text
    if line.markdown and text.startswith("- "):
        text = text[2:].lstrip()
    return text == "?" or (text[:1] == "?" and text[1:2].isspace())


def _add_lost_marker(line: Line, problems: Problems) -> None:
    problems.add(line.where, "글머리 기호 자리에 '?'가 있습니다: CP949(EUC-KR)로 저장하면서 ▪ 같은 기호가 사라진 것으로 보입니다",
                 "a '?' stands where a bullet marker belongs: saving as CP949 (EUC-KR) lost a marker such as ▪",
                 "'?'를 원래 기호(▪ ○ - ▷ ※)로 고치고 파일을 UTF-8로 저장하세요",
                 "replace the '?' with the original marker (▪ ○ - ▷ ※) and save the file as UTF-8")


def _bullet_marker(text: str) -> tuple[str, str] | None:
    head, rest = text[:1], text[1:]
    marker = _MARKER_ALIASES.get(head, head)
    if marker in m.MARKERS and (rest[:1].isspace() or not rest or marker != m.MARK_L2):
        if marker == m.MARK_L2 and not rest.strip():
            return None
        return marker, rest.strip()
    return None


def _parse_bullets(lines: list[Line], problems: Problems) -> list[m.BulletLine]:
    """Bullet lines; a marker-less line after a wrapped line continues it."""
    out: list[m.BulletLine] = []
    for line in lines:
        if _lost_marker(line):
            _add_lost_marker(line, problems)
            continue
        bullet = _bullet(line)
        if bullet:
            out.append(m.BulletLine(*bullet))
        elif out and line.wrapped:
            out[-1].text = f"{out[-1].text} {line.text}"
        else:
            out.append(m.BulletLine(m.MARK_PLAIN, line.text))
    return out


# ── 【사업추진계획】 ────────────────────────────────────────────────────────
_PLAN_KEYS = {_fold(title): key for key, title in m.PLAN_SUBHEADINGS.items()}
_PLAN_KEYS[_fold(m.SUB_ANNUAL_PLAN)] = m.SUB_ANNUAL_PLAN


def _parse_plan(lines: list[Line], card: m.Card, problems: Problems) -> None:
    blocks: dict[str, list[Line]] = {}
    current: str | None = None
    for line in lines:
        text = line.text
        if text.startswith(m.MARK_SUBHEADING):
            current = _PLAN_KEYS.get(_fold(text[1:]))
            if current is None:
                problems.add(line.where, f"【사업추진계획】에 없는 소제목: {text}",
                             f"unknown sub-heading under 【사업추진계획】: {text}",
                             "□ " + ", □ ".join([*m.PLAN_SUBHEADINGS.values(), m.SUB_ANNUAL_PLAN]) + " 중 하나를 쓰세요",
                             "use one of the standard □ sub-headings")
                continue
            blocks[current] = []
        elif current is None:
            problems.add(line.where, "□ 소제목 앞에 내용이 있습니다", "text before the first □ sub-heading",
                         "내용을 □ 소제목 아래로 옮기세요", "move it under a □ sub-heading")
        else:
            blocks[current].append(line)
    for key in m.PLAN_SUBHEADINGS:
        card.bullets[key] = _parse_bullets(blocks.get(key, []), problems)
    card.annual_plan = _parse_annual_plan(blocks.get(m.SUB_ANNUAL_PLAN, []), problems)


_YEAR_RE = re.compile(r"^(\d{4})\s*년?$")
_PERCENT_RE = re.compile(r"^(\d{1,3})\s*%$")


def _parse_annual_plan(lines: list[Line], problems: Problems) -> m.AnnualPlan:
    if not lines:
        return m.AnnualPlan()
    if any("\t" in line.raw for line in lines):
        return _plan_from_rows(lines, problems)
    return _plan_from_cells(lines, problems)


def _percent(cell: str) -> int | None:
    found = _PERCENT_RE.match(cell.strip())
    return int(found[1]) if found else None


def _plan_from_rows(lines: list[Line], problems: Problems) -> m.AnnualPlan:
    """Tab layout: header row, years row, target % row, then one row per item."""
    plan = m.AnnualPlan()
    for line in lines:
        cells = [cell.strip().replace("**", "") for cell in line.raw.split("\t")]
        filled = [cell for cell in cells if cell]
        if filled and filled[0] == m.L_PLAN_ITEM:
            continue
        if filled and all(_YEAR_RE.match(cell) for cell in filled) and not plan.years:
            plan.years = [int(_YEAR_RE.match(cell)[1]) for cell in filled]  # type: ignore[index]
            continue
        width = len(plan.years)
        if not plan.years:
            problems.add(line.where, "연차별 추진계획 표에 연도 행이 없습니다", "annual plan table has no year row",
                         "세부추진내용 아래 줄에 2022년 2023년 … 을 쓰세요", "add the row of years")
            return plan
        if not cells[0] and filled and all(_PERCENT_RE.match(cell) for cell in filled):
            values = (cells[1:] + [""] * (width + 1))[: width + 1]
            plan.targets = [_percent(cell) for cell in values[:width]]
            plan.after_term_target = _percent(values[width])
            continue
        if len(filled) and len(cells) > width + 2 and any(cells[width + 2:]):
            problems.add(line.where, f"칸이 너무 많습니다 ({len(cells)}칸, {width + 2}칸이어야 함)",
                         f"too many cells ({len(cells)}, expected {width + 2})",
                         "연도별 칸 수를 맞추세요", "one cell per term year plus 임기 후")
            continue
        values = (cells + [""] * (width + 2))[: width + 2]
        plan.rows.append(m.PlanRow(values[0], values[1: width + 1], values[width + 1]))
    if plan.years and not plan.targets:
        plan.targets = [None] * len(plan.years)
    return plan


def _plan_from_cells(lines: list[Line], problems: Problems) -> m.AnnualPlan:
    """Hangul layout: labels, a line of years, a line of targets, then one cell per paragraph."""
    plan = m.AnnualPlan()
    index = 0
    while index < len(lines) and not re.search(r"\d{4}\s*년", lines[index].text):
        if _fold(lines[index].text) not in {_fold(m.L_PLAN_ITEM), _fold(m.L_IN_TERM), _fold(m.L_AFTER_TERM)}:
            problems.add(lines[index].where, f"연차별 추진계획 표의 머리 칸이 아닙니다: {lines[index].text}",
                         "not a header cell of the annual plan table",
                         "세부추진내용 / 임기 내 / 임기 후 다음에 연도를 쓰세요", "header cells, then the years")
            return plan
        index += 1
    if index == len(lines):
        problems.add(lines[0].where, "연차별 추진계획 표에 연도가 없습니다", "annual plan table has no years",
                     "2022년 2023년 … 을 쓰세요", "add the term years")
        return plan
    plan.years = [int(year) for year in re.findall(r"(\d{4})\s*년", lines[index].text)]
    index += 1
    width = len(plan.years)
    plan.targets = [None] * width
    if index < len(lines):
        tokens = lines[index].text.split()
        if tokens and all(_PERCENT_RE.match(token) for token in tokens) and len(tokens) in (width, width + 1):
            plan.targets = [_percent(token) for token in tokens[:width]]
            plan.after_term_target = _percent(tokens[width]) if len(tokens) > width else None
            index += 1
    cells = _cells_from_paragraphs(lines[index:])
    columns = width + 2
    if len(cells) % columns:
        first = lines[index].where if index < len(lines) else lines[-1].where
        problems.add(first, f"연차별 추진계획 칸 {len(cells)}개를 {columns}칸씩 행으로 나눌 수 없습니다",
                     f"cannot split {len(cells)} plan cells into rows of {columns}",
                     "행마다 칸을 TAB으로 나누어 한 줄에 쓰세요", "write each row on one line with TABs between cells")
        return plan
    for start in range(0, len(cells), columns):
        row = cells[start: start + columns]
        plan.rows.append(m.PlanRow(row[0], row[1: width + 1], row[width + 1]))
    return plan


def _cells_from_paragraphs(lines: list[Line]) -> list[str]:
    """One cell per run of lines; a run whose last line ends in a space goes on in the next run."""
    cells: list[list[str]] = []
    previous: Line | None = None
    for line in lines:
        starts_cell = previous is None or (line.number > previous.number + 1 and not line.wrapped)
        if starts_cell:
            cells.append([])
        cells[-1].append(line.text)
        previous = line
    return [" ".join(parts) for parts in cells]


# ── 【추진실적】 ────────────────────────────────────────────────────────────
class _Achievements:
    """Builds □ sections → <…> groups → entries line by line."""

    def __init__(self, problems: Problems):
        self.problems = problems
        self.sections: list[m.AchievementSection] = []
        self.entry: m.Achievement | None = None
        self.last_text: m.Achievement | m.BulletLine | None = None

    def section(self, line: Line) -> m.AchievementSection | None:
        if not self.sections:
            self.problems.add(line.where, "□ 제목 없이 추진실적이 나옵니다", "achievement before any □ heading",
                              "위에 □ 제목 줄을 넣으세요", "add a □ heading line above it")
            return None
        return self.sections[-1]

    def group(self, line: Line) -> m.AchievementGroup | None:
        section = self.section(line)
        if section is None:
            return None
        if not section.groups:
            section.groups.append(m.AchievementGroup(""))
        return section.groups[-1]

    def add_entry(self, line: Line, marker: str, text: str) -> None:
        group = self.group(line)
        if group is None:
            return
        date, body = "", text
        dated = DATED_LINE_RE.match(text)
        if dated:
            try:
                date, body = normalize_period(dated["date"]), dated["text"].strip()
            except PeriodError:
                self.problems.add(line.where, f"날짜가 잘못되었습니다: {dated['date']}", f"bad date: {dated['date']}",
                                  "2023. 04. 처럼 쓰세요", "write it like 2023. 04.")
                return
            marker = m.MARK_L1
        self.entry = m.Achievement(date, body, marker)
        group.items.append(self.entry)
        self.last_text = self.entry

    def add_detail(self, line: Line, marker: str, text: str) -> None:
        if self.entry is None:
            self.problems.add(line.where, f"'{marker}' 줄 위에 ○ 실적 줄이 없습니다",
                              f"a '{marker}' line has no ○ line above it",
                              "○ 실적 줄 아래에 두세요", "put it under a ○ achievement line")
            return
        detail = m.BulletLine(marker, text)
        self.entry.details.append(detail)
        self.last_text = detail

    def add(self, line: Line) -> None:
        text = line.text
        if _lost_marker(line):
            _add_lost_marker(line, self.problems)
        elif text.startswith(m.MARK_SUBHEADING):
            self.sections.append(m.AchievementSection(text[1:].strip()))
            self.entry = self.last_text = None
        elif text.startswith(m.GROUP_OPEN) and text.endswith(m.GROUP_CLOSE):
            if section := self.section(line):
                section.groups.append(m.AchievementGroup(text[1:-1].strip()))
            self.entry = self.last_text = None
        elif bullet := _bullet(line):
            marker, body = bullet
            if marker == m.MARK_L1:
                self.add_entry(line, marker, body)
            else:
                self.add_detail(line, marker, body)
        elif line.wrapped and self.last_text is not None:
            self.last_text.text = f"{self.last_text.text} {text}"
        elif DATED_LINE_RE.match(text) or not (line.indented and self.entry is not None):
            self.add_entry(line, m.MARK_PLAIN, text)
        else:
            self.add_detail(line, m.MARK_PLAIN, text)


def _parse_achievements(lines: list[Line], problems: Problems) -> list[m.AchievementSection]:
    builder = _Achievements(problems)
    for line in lines:
        builder.add(line)
    return builder.sections


# ── 【구민소통 실적】 ────────────────────────────────────────────────────────
_COUNT_RE = re.compile(r"^(?:-|(\d+)\s*회?)$")


def _parse_communication(lines: list[Line], problems: Problems) -> list[int | None]:
    counts: list[int | None] = [None] * len(m.COMMUNICATION_LABELS)
    for line in lines:
        if _fold(line.text).startswith(_fold(m.COMMUNICATION_LABELS[0])):  # the label row
            continue
        cells = line.raw.strip("\r\n").split("\t") if "\t" in line.raw else line.text.split()
        cells = [cell.strip() for cell in cells]
        if len(cells) != len(counts) or not all(_COUNT_RE.match(cell) or cell == "" for cell in cells):
            problems.add(line.where, f"구민소통 실적 칸이 {len(counts)}개의 횟수(1회 또는 -)가 아닙니다",
                         f"구민소통 row is not {len(counts)} counts (like 1회 or -)",
                         "- - - - 1회 처럼 다섯 칸을 쓰세요", "write five cells like - - - - 1회")
            continue
        counts = [int(found[1]) if (found := _COUNT_RE.match(c)) and found[1] else None for c in cells]
    return counts
