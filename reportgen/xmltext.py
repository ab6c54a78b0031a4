"""Text inside XML, one set of rules for every reader and writer.

XML 1.0 cannot hold most C0 control characters, lone surrogates, U+FFFE or
U+FFFF; Excel writes such a character as ``_xHHHH_`` and so decodes any literal
``_xHHHH_`` in a cell unless its underscore is escaped as ``_x005F_``.
"""

from __future__ import annotations

import re

#: characters XML 1.0 cannot hold (tab, line feed and carriage return it can)
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: control characters a cell's text drops when read (tab and line feed stay)
CONTROL = re.compile("[\x00-\x08\x0c\x0e-\x1f\x7f]")
#: Excel's escape of one UTF-16 code unit
EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_LITERAL_ESCAPE = re.compile(r"(?=_x[0-9A-Fa-f]{4}_)")
_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTRIBUTE_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def drop_illegal(text: str) -> str:
    """``text`` without the characters XML cannot hold."""
    return ILLEGAL.sub("", text)


def one_line(text: str) -> str:
    """A line of printed text: tabs and line breaks become spaces, what XML cannot hold goes,
    surrounding spaces are trimmed."""
    return drop_illegal(text.replace("\t", " ").replace("\r", " ").replace("\n", " ")).strip()


def escape(text: str) -> str:
    """Text for an XML text node: what XML cannot hold dropped, ``& < >`` escaped."""
    return drop_illegal(text).translate(_ENTITIES)


def escape_attribute(text: str) -> str:
    """Text for a double-quoted XML attribute."""
    return drop_illegal(text).translate(_ATTRIBUTE_ENTITIES)


def excel_literal(text: str) -> str:
    """Cell text with every literal ``_xHHHH_`` escaped as ``_x005F_xHHHH_``, so that Excel (and
    :func:`excel_unescape`) reads it back unchanged; overlapping ones (``_x0041_x0042_``) too."""
    return _LITERAL_ESCAPE.sub("_x005F", text) if "_x" in text else text


def excel_escape(text: str) -> str:
    """Cell text as Excel stores it: a literal ``_xHHHH_`` kept literal, control characters as
    ``_xHHHH_``, line breaks as LF, then XML-escaped."""
    text = excel_literal(text.replace("\r\n", "\n").replace("\r", "\n"))
    text = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", lambda m: f"_x{ord(m.group()):04X}_", text)
    return escape(text)


def excel_unescape(text: str) -> str:
    """Cell text as read: ``_xHHHH_`` decoded, CR and VT as line breaks, control characters dropped.

    A decoded lone surrogate or U+FFFE/U+FFFF stays; the reader names and drops those.
    """
    if "_x" not in text and "\r" not in text and "\x0b" not in text:
        return text
    text = EXCEL_ESCAPE.sub(lambda match: chr(int(match[1], 16)), text)
    return CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0b", "\n"))
