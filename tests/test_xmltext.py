"""The one set of rules for text inside XML (reportgen/xmltext.py); expected strings written by hand."""

from __future__ import annotations

from reportgen import xmltext as x


def test_escape_drops_what_xml_cannot_hold_and_escapes_markup() -> None:
    assert x.escape("a<b>&c\x01\x0b\ufffe\ud800d\te\nf") == "a&lt;b&gt;&amp;cd\te\nf"
    assert x.escape_attribute('say "hi" & go') == "say &quot;hi&quot; &amp; go"


def test_one_line_turns_breaks_into_spaces_and_trims() -> None:
    assert x.one_line("  가\t나\r\n다\x07 ") == "가 나  다"


def test_excel_escape_keeps_literal_escapes_literal_and_encodes_controls() -> None:
    assert x.excel_escape("_x0041_") == "_x005F_x0041_"
    assert x.excel_escape("a\x01b\r\nc<") == "a_x0001_b\nc&lt;"


def test_excel_unescape_is_the_inverse_for_what_a_cell_keeps() -> None:
    assert x.excel_unescape("_x005F_x0041_") == "_x0041_"
    assert x.excel_unescape("a_x0001_b\r\nc\x0bd") == "ab\nc\nd"
    assert x.excel_unescape("plain") == "plain"


def test_excel_literal_escapes_every_literal_escape_even_overlapping_ones() -> None:
    assert x.excel_literal("코드 _x0041_") == "코드 _x005F_x0041_"
    # _x0041_x0042_ holds two escapes sharing an underscore: both are kept literal
    assert x.excel_literal("_x0041_x0042_") == "_x005F_x0041_x005F_x0042_"
    assert x.excel_unescape("_x005F_x0041_x005F_x0042_") == "_x0041_x0042_"
    assert x.excel_literal("_x41_ and _X0041_") == "_x41_ and _X0041_"  # no escape: four hex digits, lower-case x
