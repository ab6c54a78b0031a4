"""The one definition of a pledge card (공약 관리카드).

Readers build a :class:`Card`; writers print one. The fixed headings,
labels and bullet markers of the standard card live here and nowhere else.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

# ── bullet markers ────────────────────────────────────────────────────────
MARK_SUBHEADING = "□"
MARK_L1 = "○"
MARK_L2 = "-"
MARK_L3 = "▷"
MARK_NOTE = "※"
MARK_BOX = "▪"
MARK_PLAIN = ""  # a line with no marker (continuation or box title)
PHONE = "☎"
GROUP_OPEN, GROUP_CLOSE = "<", ">"  # 추진실적 subgroup heading: <노후거점산단 …>

#: other bullet characters offices type for ○ (ㅇ, ◦, ∘) — read as ○
MARKER_ALIASES = {"ㅇ": "○", "◦": "○", "∘": "○"}
#: markers a bullet line may carry, in the order of the workbook's 수준 column
MARKERS = (MARK_L1, MARK_L2, MARK_L3, MARK_NOTE, MARK_BOX)
#: indentation depth of each marker on the printed card
MARKER_LEVEL = {MARK_L1: 1, MARK_NOTE: 1, MARK_L2: 2, MARK_BOX: 2, MARK_L3: 3, MARK_PLAIN: 2}
#: workbook 수준 value ↔ marker (1/2/3 stand for ○/-/▷; ※ and ▪ are written literally)
LEVEL_TO_MARKER = {"1": MARK_L1, "2": MARK_L2, "3": MARK_L3, MARK_NOTE: MARK_NOTE, MARK_BOX: MARK_BOX}
MARKER_TO_LEVEL = {v: k for k, v in LEVEL_TO_MARKER.items()}

# ── section headings, exactly as on the card ──────────────────────────────
H_PLAN = "【사업추진계획】"
H_ACHIEVEMENTS = "【추진실적】"
H_FUTURE = "【금후계획】"
H_COMMUNICATION = "【구민소통 실적】"
H_EFFECTS = "【기대효과】"
SECTION_HEADINGS = (H_PLAN, H_ACHIEVEMENTS, H_FUTURE, H_COMMUNICATION, H_EFFECTS)

# bullet sections: key (= workbook 내용!구분) and where they print
GOAL = "사업추진목표"
OVERVIEW = "사업개요"
DETAIL_PLAN = "세부추진계획"
FUTURE_PLAN = "금후계획"
EFFECTS = "기대효과"
BULLET_SECTIONS = (GOAL, OVERVIEW, DETAIL_PLAN, FUTURE_PLAN, EFFECTS)
#: □ sub-headings under 【사업추진계획】, in card order
PLAN_SUBHEADINGS = {GOAL: "사업추진목표(최종목표)", OVERVIEW: "사업개요", DETAIL_PLAN: "세부추진계획"}
SUB_ANNUAL_PLAN = "연차별 추진계획"
#: the 【…】 heading of the two bullet sections that stand alone
SECTION_OF = {FUTURE_PLAN: H_FUTURE, EFFECTS: H_EFFECTS}

# ── header table labels ───────────────────────────────────────────────────
L_CATEGORY = "사업구분"
L_EXECUTOR = "사업주체"
L_PERIOD = "사업기간"
L_STATUS = "추진상황(%)"
L_BUDGET = "소요예산"
L_COMPLETION = "완료시기"
L_DEPARTMENT = "추진부서"
L_COOPERATION = "협조부서(기관)"
L_ID = "관리번호"
#: header table rows as printed: (label, value) pairs, two per row
HEADER_ROWS = (
    (L_CATEGORY, L_EXECUTOR),
    (L_PERIOD, L_STATUS),
    (L_BUDGET, L_COMPLETION),
    (L_DEPARTMENT, L_COOPERATION),
)
CATEGORIES = ("신규사업", "계속사업")
COMPLETIONS = ("임기내", "임기후")
#: agency prefixes a 협조부서 may carry (市 산업입지과)
AGENCIES = ("市", "道", "國", "區", "郡", "시", "도", "국", "구", "군")

# ── 연차별 추진계획 table ──────────────────────────────────────────────────
L_PLAN_ITEM = "세부추진내용"
L_IN_TERM = "임기 내"
L_AFTER_TERM = "임기 후"
L_TARGET_ROW = "목표(%)"  # workbook 연차별계획 row holding the yearly targets

# ── 구민소통 실적 table ────────────────────────────────────────────────────
#: card column labels and the matching workbook 구민소통 column names
COMMUNICATION_LABELS = ("설명회, 보고회 등", "만족도, 설문조사", "민간전문가 자문", "언론·방송 보도", "기 타")
COMMUNICATION_COLUMNS = ("설명회·보고회 등", "만족도·설문조사", "민간전문가 자문", "언론·방송 보도", "기타")
COUNT_NONE = "-"
COUNT_UNIT = "회"

DEFAULT_STATUSES = ("완료", "이행후 계속추진", "정상추진", "추진 중", "일부추진", "보류", "폐기")
#: 공약가계부 재원 when 설정 has no 재원 목록
DEFAULT_SOURCES = ("국비", "시·도비", "시·군·구비", "기타")
#: the rates a 총괄표 can show (설정 `총괄표 지표` chooses and orders them)
RATE_COMPLETION = "완료율"
RATE_MEAN_PROGRESS = "평균 추진율"
RATE_IN_TERM = "이행률(임기내)"
RATE_TARGET = "목표달성률"
RATES = (RATE_COMPLETION, RATE_MEAN_PROGRESS, RATE_IN_TERM, RATE_TARGET)


@dataclass(slots=True)
class BulletLine:
    """One line of a bullet section: ``○ text``, ``- text``, ``▷ text`` …"""

    marker: str
    text: str

    @property
    def level(self) -> int:
        """Indentation depth on the card (○/※ 1, -/▪ 2, ▷ 3)."""
        return MARKER_LEVEL.get(self.marker, 1)


@dataclass(slots=True)
class Contact:
    """추진부서 or one 협조부서: ``市 산업입지과 (박정화 ☎888-4932)``."""

    department: str  # 부서/담당, e.g. 전략사업과 스마트산업담당
    officer: str = ""  # 담당자
    phone: str = ""  # 연락처
    agency: str = ""  # 기관 prefix such as 市 (협조부서 only)


@dataclass(slots=True)
class Header:
    """The header table above 【사업추진계획】."""

    category: str = ""  # 사업구분
    executor: str = ""  # 사업주체
    period: str = ""  # 사업기간
    status: str = ""  # 추진상황 label, e.g. 추진 중
    progress: int | None = None  # 추진율 (%)
    budget: str = ""  # 소요예산
    completion: str = ""  # 완료시기
    department: Contact = field(default_factory=lambda: Contact(""))  # 추진부서
    cooperation: list[Contact] = field(default_factory=list)  # 협조부서


@dataclass(slots=True)
class PlanRow:
    """One 세부추진내용 row of the annual plan: text per term year, then 임기 후."""

    title: str
    cells: list[str]
    after_term: str = ""


@dataclass(slots=True)
class AnnualPlan:
    """연차별 추진계획: term years, yearly target %, and the plan rows."""

    years: list[int] = field(default_factory=list)
    targets: list[int | None] = field(default_factory=list)
    after_term_target: int | None = None
    rows: list[PlanRow] = field(default_factory=list)


@dataclass(slots=True)
class Achievement:
    """One 추진실적 entry: ``○ 2023. 04. : text`` with its ▷/▪ sub-lines.

    An undated entry (``date == ""``) is a free line such as the title of
    the 인허가 현황 box; its ▪ lines are its details.
    """

    date: str  # canonical period text, "" when undated
    text: str
    marker: str = MARK_L1
    details: list[BulletLine] = field(default_factory=list)


@dataclass(slots=True)
class AchievementGroup:
    """A ``<…>`` subgroup under a □ heading; ``title == ""`` for items directly under □."""

    title: str
    items: list[Achievement] = field(default_factory=list)


@dataclass(slots=True)
class AchievementSection:
    """A □ group of 【추진실적】."""

    title: str
    groups: list[AchievementGroup] = field(default_factory=list)


@dataclass(slots=True)
class ChangeRecord:
    """A row of 변경이력 (changes to the pledge, for the council package)."""

    date: str
    content: str
    reason: str = ""
    procedure: str = ""


@dataclass(slots=True)
class Card:
    """A pledge card (공약 관리카드)."""

    id: str  # 관리번호, e.g. 3-1
    title: str  # 사업명
    area: str = ""  # 분야, for summaries
    header: Header = field(default_factory=Header)
    bullets: dict[str, list[BulletLine]] = field(
        default_factory=lambda: {key: [] for key in BULLET_SECTIONS}
    )
    annual_plan: AnnualPlan = field(default_factory=AnnualPlan)
    achievements: list[AchievementSection] = field(default_factory=list)
    communication: list[int | None] = field(default_factory=lambda: [None] * 5)  # 구민소통
    changes: list[ChangeRecord] = field(default_factory=list)  # 변경이력


@dataclass(slots=True)
class Settings:
    """The workbook's 설정 sheet."""

    agency: str = ""  # 기관명
    term: str = ""  # 민선, e.g. 8기
    term_start: int | None = None  # 임기 시작 연도
    term_end: int | None = None  # 임기 종료 연도
    as_of: str = ""  # 기준일, ISO date
    statuses: list[str] = field(default_factory=lambda: list(DEFAULT_STATUSES))
    done_statuses: list[str] = field(default_factory=lambda: ["완료", "이행후 계속추진"])
    sources: list[str] = field(default_factory=lambda: list(DEFAULT_SOURCES))  # 재원 목록
    rates: list[str] = field(default_factory=lambda: list(RATES))  # 총괄표 지표, in this order


@dataclass(slots=True)
class FinanceRow:
    """A 재정계획 (공약가계부) row: one 재원's amounts for a card in 백만원; ``year`` None is the
    whole term. An amount left empty is None. ``place`` names the row for messages (``재정계획!5``)."""

    card_id: str
    year: int | None
    source: str
    planned: Decimal | None = None  # 계획
    secured: Decimal | None = None  # 확보
    spent: Decimal | None = None  # 집행
    place: str = ""


@dataclass(slots=True)
class Workbook:
    """Everything a master workbook holds: settings, cards in sheet order, the optional 재정계획."""

    settings: Settings = field(default_factory=Settings)
    cards: list[Card] = field(default_factory=list)
    finance: list[FinanceRow] = field(default_factory=list)
    #: what the reader noticed but did not refuse (e.g. hidden rows built like any other), bilingual
    notices: list[str] = field(default_factory=list)


# ── how values read on the card (every writer prints these; the text reader parses them) ──
def contact_text(person: Contact) -> str:
    """``전략사업과 스마트산업담당 (최재봉 ☎5021)``; ``市 산업입지과 (…)`` with an agency."""
    name = f"{person.agency} {person.department}".strip()
    phone = f"{PHONE}{person.phone}" if person.phone else ""
    inner = " ".join(part for part in (person.officer, phone) if part)
    return f"{name} ({inner})" if inner else name


def status_text(header: Header) -> str:
    """``추진 중(40%)``; the label alone without 추진율."""
    return f"{header.status}({header.progress}%)" if header.progress is not None else header.status


def percent_text(value: int | None) -> str:
    """A yearly target: ``40%``, or empty."""
    return "" if value is None else f"{value}%"


def count_text(count: int | None) -> str:
    """A 구민소통 count: ``1회``, or ``-`` for none."""
    return COUNT_NONE if count is None else f"{count}{COUNT_UNIT}"


# ── how labels compare ────────────────────────────────────────────────────
#: characters that show as nothing (Unicode Default_Ignorable_Code_Point): zero-width space,
#: joiners, word joiner, BOM, soft hyphen, direction marks and overrides, Hangul fillers,
#: variation selectors
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0000-\U000e0fff]"
)
#: middle dots offices type for · (after NFKC; U+119E is ㆍ)
_MIDDLE_DOTS = re.compile("[\u00b7\u2027\u2024\u2219\u30fb\uff65\u318d\u119e]")
#: texts up to this length are remembered (labels repeat on every row); longer text is not kept
_CACHED_LENGTH = 200


def fold(text: str) -> str:
    """A text as reportgen keeps and compares it: NFKC (decomposed Hangul saved on macOS →
    composed, full-width ``３-１`` → ``3-1``, no-break spaces → spaces), invisible characters
    removed, surrounding spaces trimmed."""
    if text.isascii():
        return text.strip()
    return _cached_fold(text) if len(text) <= _CACHED_LENGTH else _fold(text)


def _fold(text: str) -> str:
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).strip()


_cached_fold = functools.lru_cache(maxsize=8192)(_fold)


def label_key(text: str | None) -> str:
    """The one rule for "the same label" (statuses, 분야, headings, compared lines):
    :func:`fold`, every space removed and the kind of middle dot unified
    (``추진중`` = ``추진 중``, ``시ㆍ도비`` = ``시·도비``). A tab or line break is not a space
    here: in a label it is a typing slip the workbook check names."""
    return _MIDDLE_DOTS.sub("\u00b7", fold(text or "").replace(" ", ""))
