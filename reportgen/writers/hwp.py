"""HWP writer: the standard pledge card as binary HWP 5.0 (``.hwp``) for older Hangul.

The card is laid out once, by the HWPX writer (:func:`reportgen.writers.hwpx.render_hwpx`:
the styled ``templates/card.hwpx`` — A4, 함초롬바탕/맑은 고딕, header table, 【】
headings, bullets, the merged 연차별 추진계획 table, the 구민소통 table), and
python-hwpx's HWP 5.0 writer (:func:`hwpx.hwp5.writer.write_hwp5`) turns those
HWPX parts into an HWP 5.0 compound file. So .hwp and .hwpx cards look the
same, an office restyles both by editing one template, and the same card
gives the same bytes (the HWPX package is deterministic, and so is the conversion).

python-hwpx refuses content HWP 5.0 cannot express (``hwp5-write-unsupported``);
that refusal, like any other failure of the conversion, becomes a
:class:`~reportgen.errors.CardError` naming the card, in Korean and English.
"""

from __future__ import annotations

import io
import zipfile

from reportgen import model as m
from reportgen.errors import CardError
from reportgen.writers.hwpx import render_hwpx

#: python-hwpx's error code for content the HWP 5.0 writer cannot express
UNSUPPORTED = "hwp5-write-unsupported"


def hwpx_parts(package: bytes) -> dict[str, bytes]:
    """The members of an HWPX package by name, as ``write_hwp5`` takes them."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {name: archive.read(name) for name in archive.namelist() if not name.endswith("/")}


def _card_error(card: m.Card, exc: Exception) -> CardError:
    """A bilingual per-card message for python-hwpx refusing or failing to convert the card."""
    name = f"{card.id} {card.title}".strip() or "(관리번호 없음 / no id)"
    detail = (str(exc).splitlines() or [type(exc).__name__])[0]
    if getattr(exc, "code", "") == UNSUPPORTED:
        ko = "한글 HWP 5.0(.hwp)로 나타낼 수 없는 내용이 있습니다. 이 카드는 .hwpx로 내보내세요"
        en = "the card holds content HWP 5.0 (.hwp) cannot express; build this card as .hwpx"
    else:
        ko, en = "HWP 파일을 만들 수 없습니다", "the .hwp file could not be built"
    return CardError(f"{name}: {ko} ({detail}) / {name}: {en} ({detail})")


def render_hwp(card: m.Card) -> bytes:
    """The card as HWP 5.0 bytes; :class:`CardError` when HWP 5.0 cannot hold it."""
    from hwpx.hwp5.writer import write_hwp5

    parts = hwpx_parts(render_hwpx(card))  # a card the HWPX writer refuses raises CardError here
    try:
        return write_hwp5(parts)
    except Exception as exc:  # python-hwpx: Hwp5Error (a ValueError), lxml and struct errors
        raise _card_error(card, exc) from exc
