"""Dates of 추진실적 lines: accepted forms, canonical text, and refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from reportgen.periods import PeriodError, is_after, normalize_period, period_end, period_start


@pytest.mark.parametrize(("text", "canonical"), [
    ("2023. 04.", "2023. 04."),
    ("2023.4.", "2023. 04."),
    ("2023. 06. ~ 08.", "2023. 06. ~ 08."),
    ("2023. 06. ~ 2024. 02.", "2023. 06. ~ 2024. 02."),
    ("'24.5.", "2024. 05."),
    ("2023.4.15.", "2023. 04. 15."),
    ("2023년 4월", "2023. 04."),
    (dt.datetime(2023, 4, 9), "2023. 04."),
])
def test_accepted_forms(text: object, canonical: str) -> None:
    assert normalize_period(text) == canonical
    assert normalize_period(canonical) == canonical  # canonical text reads back as itself


@pytest.mark.parametrize("text", ["2023.13.", "2023. 02. 30.", "2023. 08. ~ 06.", "0000. 01.", "9999. 01.", "내년", ""])
def test_refused(text: str) -> None:
    with pytest.raises(PeriodError):
        normalize_period(text)


def test_start_end_and_as_of() -> None:
    assert period_start("2023. 06. ~ 08.") == dt.date(2023, 6, 1)
    assert period_end("2023. 06. ~ 08.") == dt.date(2023, 8, 1)
    assert period_end("2023. 11. ~ 2024. 02.") == dt.date(2024, 2, 1)
    assert is_after("2024. 01.", dt.date(2023, 12, 31))
    assert not is_after("2023. 12.", dt.date(2023, 12, 31))
    assert not is_after("", dt.date(2000, 1, 1))
