"""Issue 13, `reportgen import`: the .hwp reader's model memo, parallel import (-j) and its memory.

The memo must change nothing: a card read with a warm memo (after other cards) reads as pyhwp reads
it without one. Parallel import must write the very bytes a serial import writes.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hwp5 import binmodel

from reportgen import model as m
from reportgen.readers import hwp as hwp_reader
from reportgen.readers.text import read_text
from reportgen.writers.hwp import render_hwp

FIXTURES = Path(__file__).parent / "fixtures"
CARD_2403 = FIXTURES / "3-1_2024-03_from-docx.txt"
CARD_2412 = FIXTURES / "3-1_2024-12_from-hwp.txt"
SAMPLES = sorted((FIXTURES / "hwp-samples").glob("*.hwp"))


def _hwp(card: m.Card, folder: Path, name: str) -> Path:
    path = folder / name
    path.write_bytes(render_hwp(card))
    return path


def _lines_without_memo(paths: list[Path], monkeypatch: pytest.MonkeyPatch) -> list[object]:
    with monkeypatch.context() as patch:
        hwp_reader._remember_pyhwp_models()
        patch.setattr(hwp_reader, "_remember_pyhwp_models", lambda: None)
        patch.setattr(binmodel, "parse_model", binmodel.parse_model.original)
        return [_lines_or_error(path) for path in paths]


def _lines_or_error(path: Path) -> object:
    try:
        return hwp_reader.hwp_lines(path)
    except hwp_reader.InputError as exc:
        return str(exc)


def test_warm_memo_reads_every_card_as_pyhwp_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = read_text(CARD_2403), read_text(CARD_2412)
    renamed = dataclasses.replace(first, title="다른 사업명", header=dataclasses.replace(first.header, status="완료"))
    paths = [_hwp(first, tmp_path, "a.hwp"), _hwp(second, tmp_path, "b.hwp"), _hwp(renamed, tmp_path, "c.hwp"),
             *SAMPLES]
    expected = _lines_without_memo(paths, monkeypatch)
    hwp_reader._remember_pyhwp_models()
    memo = binmodel.parse_model.memo
    memo.clear()
    assert [_lines_or_error(path) for path in paths] == expected  # cold, then warmer and warmer
    assert len(memo) > 50
    assert [_lines_or_error(path) for path in reversed(paths)] == expected[::-1]  # all warm
    assert hwp_reader.read_hwp(paths[2]) == renamed


def test_memo_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hwp_reader, "MAX_MEMO_RECORDS", 10)
    monkeypatch.setattr(binmodel, "parse_model", hwp_reader._memo_parse_model(binmodel.parse_model.original))
    card = read_text(CARD_2403)
    path = _hwp(card, tmp_path, "a.hwp")
    assert hwp_reader.read_hwp(path) == card
    assert 0 < len(binmodel.parse_model.memo) <= 10
    assert hwp_reader.read_hwp(path) == card
