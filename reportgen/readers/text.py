"""Text reader: a pledge card as plain text → :class:`~reportgen.model.Card`.

Two layouts are read, and any mix of them:

* the standard text card (what ``writers.text`` prints, and DOCX cards saved
  as text): table rows as TAB-separated cells, markers ○ - ▷ ※ ▪, or markdown
  ``-`` bullets and ``**bold**`` when converted from Word;
* text extracted from Hangul: one table cell per line, long lines wrapped with
  a trailing space, no 관리번호/title line.

A line that cannot be placed is an error naming its line number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from reportgen import model as m
from reportgen.errors import InputError, Problems
from reportgen.periods import DATED_LINE_RE, PeriodError, normalize_period

MAX_TEXT_BYTES = 20 * 1024 * 1024


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
    """Read a text card (UTF-8, or CP949 as old Windows tools save it)."""
    data = Path(path).read_bytes()
    if len(data) > MAX_TEXT_BYTES:
        raise InputError(_problem(path, "", "파일이 너무 큽니다 (20 MB 초과)", "file larger than 20 MB",
                                  "카드 한 장의 텍스트만 넣으세요", "give the text of one card"))
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return parse_lines(data.decode(encoding).splitlines(), str(path))
        except UnicodeDecodeError:
            continue
    raise InputError(_problem(path, "", "텍스트 인코딩을 알 수 없습니다", "unknown text encoding",
                              "UTF-8로 저장하세요", "save the file as UTF-8"))



def _problem(path: object, where: str, ko: str, en: str, fix_ko: str = "", fix_en: str = ""):
    problems = Problems(str(path))
    problems.add(where, ko, en, fix_ko, fix_en)
    return problems.items


def parse_lines(lines: Iterable[str], source: str) -> m.Card:
    """Parse the lines of one card; raise :class:`InputError` naming bad lines."""
    raw_lines = [line.replace("\ufeff", "").rstrip("\r\n") for line in lines]
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


def grid_size(cells: Iterable[tuple[int, int, int, int]], rows: int = 0, cols: int = 0) -> tuple[int, int]:
    """Rows and columns a table needs for its placed cells (row, col, rowspan, colspan)."""
    for row, col, row_span, col_span in cells:
        rows, cols = max(rows, row + row_span), max(cols, col + col_span)
    return rows, cols


def grid_lines(texts: dict[tuple[int, int], str], rows: int, cols: int) -> list[str]:
    """A table in the standard layout: one TAB-joined line per row, cells covered by a merge empty."""
    return ["\t".join(texts.get((row, col), "") for col in range(cols)) for row in range(rows)]


def _is_markdown(lines: list[str]) -> bool:
    """Word-to-text conversions mark bold with ** and bullets with a leading '-'."""
    if any("**" in line for line in lines):
        return True
    has_circle = any(line.strip().startswith(m.MARK_L1) for line in lines)
    return not has_circle and any(line.startswith("- ") for line in lines)


def _fold(text: str) -> str:
    return re.sub(r"\s+", "", text)


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
_LABEL_PATTERNS = [
    ("category", m.L_CATEGORY),
    ("executor", m.L_EXECUTOR),
    ("period", m.L_PERIOD),
    ("status", r"추진상황(?:\s*\(%\))?"),
    ("budget", m.L_BUDGET),
    ("completion", m.L_COMPLETION),
    ("department", m.L_DEPARTMENT),
    ("cooperation", r"협조부서(?:\s*\(기관\))?"),
]


def _has_header(lines: list[Line]) -> bool:
    return any(m.L_CATEGORY in line.text for line in lines)


def _parse_front(lines: list[Line], card: m.Card, problems: Problems) -> None:
    """관리번호, title and the header table (labels and values in any cell layout)."""
    joined = " ".join(line.text for line in lines)
    joined = re.sub(r"\s+", " ", joined).strip()
    where = f"line {lines[0].number}-{lines[-1].number}" if lines else "line 1"
    values: dict[str, str] = {}
    position = 0
    starts: list[tuple[str, int, int]] = []
    for key, pattern in _LABEL_PATTERNS:
        found = re.compile(rf"(?:^|\s){pattern}(?=\s|$)").search(joined, position)
        if not found:
            label = pattern if "(" not in pattern else pattern.split("(")[0]
            problems.add(where, f"머리 표에 '{label}' 칸이 없습니다", f"header table has no '{label}' cell",
                         "표준 머리 표의 칸 이름을 지우지 마세요", "keep the header table labels")
            return
        starts.append((key, found.start(), found.end()))
        position = found.end()
    for index, (key, _start, end) in enumerate(starts):
        stop = starts[index + 1][1] if index + 1 < len(starts) else len(joined)
        values[key] = joined[end:stop].strip()
    _parse_id_title(joined[: starts[0][1]].strip(), card)
    header = card.header
    header.category, header.executor = values["category"], values["executor"]
    header.period, header.budget = values["period"], values["budget"]
    header.completion = values["completion"]
    header.status, header.progress = _split_status(values["status"])
    header.department = _parse_contact(values["department"])
    header.cooperation = _parse_cooperation(values["cooperation"])


def _parse_id_title(text: str, card: m.Card) -> None:
    if text.startswith(m.L_ID):
        rest = text[len(m.L_ID):].strip().split(" ", 1)
        card.id = rest[0] if rest and rest[0] else ""
        card.title = rest[1].strip() if len(rest) > 1 else ""
    else:
        card.title = text


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


def _bullet_marker(text: str) -> tuple[str, str] | None:
    head, rest = text[:1], text[1:]
    marker = m.MARKER_ALIASES.get(head, head)
    if marker in m.MARKERS and (rest[:1].isspace() or not rest or marker != m.MARK_L2):
        if marker == m.MARK_L2 and not rest.strip():
            return None
        return marker, rest.strip()
    return None


def _parse_bullets(lines: list[Line], problems: Problems) -> list[m.BulletLine]:
    """Bullet lines; a marker-less line after a wrapped line continues it."""
    out: list[m.BulletLine] = []
    for line in lines:
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
        if text.startswith(m.MARK_SUBHEADING):
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
        if _fold(m.COMMUNICATION_LABELS[0]) in _fold(line.text):
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
