"""Dates of 추진실적 lines: ``2023. 04.``, ``2023. 06. ~ 08.``, ``'24.5.``, Excel dates.

Every date is kept in one canonical text form, the one the card prints:
``YYYY. MM.`` (optionally ``YYYY. MM. DD.``), and for a period
``YYYY. MM. ~ MM.`` or ``YYYY. MM. ~ YYYY. MM.``.
"""

from __future__ import annotations

import datetime as dt
import re

_POINT = r"(?:'(?P<{p}yy>\d{{2}})|(?P<{p}yyyy>\d{{4}}))\s*[.\-/년]\s*(?P<{p}mm>\d{{1,2}})\s*[.월]?(?:\s*(?P<{p}dd>\d{{1,2}})\s*[.일]?)?"
_END = r"(?:(?:'(?P<eyy>\d{2})|(?P<eyyyy>\d{4}))\s*[.\-/년]\s*)?(?P<emm>\d{1,2})\s*[.월]?(?:\s*(?P<edd>\d{1,2})\s*[.일]?)?"
PERIOD_RE = re.compile(r"\s*" + _POINT.format(p="s") + r"(?:\s*~\s*" + _END + r")?\s*$")
#: a dated line on a card starts with this: ``2023. 06. ~ 08. : text``
DATED_LINE_RE = re.compile(
    r"^(?P<date>(?:'\d{2}|\d{4})\.\s*\d{1,2}\.(?:\s*\d{1,2}\.)?"
    r"(?:\s*~\s*(?:(?:'\d{2}|\d{4})\.\s*)?\d{1,2}\.(?:\s*\d{1,2}\.)?)?)\s*:\s?(?P<text>.*)$"
)


class PeriodError(ValueError):
    """A date that is not one of the accepted forms."""


def _year(yy: str | None, yyyy: str | None) -> int:
    return 2000 + int(yy) if yy else int(yyyy)  # type: ignore[arg-type]


def _point(year: int, month: int, day: int | None) -> str:
    if not 1900 <= year <= 2199:
        raise PeriodError(f"year {year}")
    if not 1 <= month <= 12:
        raise PeriodError(f"month {month}")
    if day is not None:
        dt.date(year, month, day)  # raises ValueError on 2023. 02. 30.
        return f"{year}. {month:02d}. {day:02d}."
    return f"{year}. {month:02d}."


def normalize_period(value: object) -> str:
    """Return the canonical text of a date or period; raise PeriodError if it is none."""
    if isinstance(value, dt.datetime | dt.date):
        return f"{value.year}. {value.month:02d}."
    text = str(value).strip()
    m = PERIOD_RE.match(text)
    if not m:
        raise PeriodError(text)
    try:
        start_year = _year(m["syy"], m["syyyy"])
        start = _point(start_year, int(m["smm"]), int(m["sdd"]) if m["sdd"] else None)
        if m["emm"] is None:
            return start
        has_end_year = bool(m["eyy"] or m["eyyyy"])
        end_year = _year(m["eyy"], m["eyyyy"]) if has_end_year else start_year
        end = _point(end_year, int(m["emm"]), int(m["edd"]) if m["edd"] else None)
    except ValueError as exc:
        raise PeriodError(text) from exc
    if not has_end_year and not m["edd"]:
        end = end.split(" ", 1)[1]  # 2023. 06. ~ 08.
    if period_end(f"{start} ~ {end}") < period_start(start):
        raise PeriodError(text)
    return f"{start} ~ {end}"


def _parse_point(text: str) -> tuple[int, int, int | None]:
    nums = [int(n) for n in re.findall(r"\d+", text)]
    return nums[0], nums[1], (nums[2] if len(nums) > 2 else None)


def period_start(canonical: str) -> dt.date:
    """First day of a canonical period (``2023. 06. ~ 08.`` → 2023-06-01)."""
    year, month, day = _parse_point(canonical.split("~")[0])
    return dt.date(year, month, day or 1)


def period_end(canonical: str) -> dt.date:
    """Last month's first day (or the day) of a canonical period."""
    start = canonical.split("~")[0]
    if "~" not in canonical:
        return period_start(start)
    end = canonical.split("~")[1].strip()
    nums = [int(n) for n in re.findall(r"\d+", end)]
    if nums and nums[0] >= 1000:
        return dt.date(nums[0], nums[1], nums[2] if len(nums) > 2 else 1)
    year = _parse_point(start)[0]
    return dt.date(year, nums[0], nums[1] if len(nums) > 1 else 1)


def is_after(canonical: str, as_of: dt.date) -> bool:
    """True when a dated line starts after the report's 기준일 (undated lines never are)."""
    return bool(canonical) and period_start(canonical) > as_of
