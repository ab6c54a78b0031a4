"""JSON writer: a document's tables as JSON data (the open data of ``reportgen export``).

A table with header rows is an array of objects, one a body row, keyed by its columns' headings
(the header cells over a column, joined by a space; a repeated key gets `` (2)``…); a table without
header rows is an array of arrays. A figure (:func:`reportgen.document.is_figure`) is a number when
its text is a plain number (``12``, ``62.3``, ``1,234``), ``null`` when empty, else its text; every
other cell is its text (``""`` when empty). A cell spanning rows gives its value to each of them; a
cell spanning columns to its first column (``null`` in the others). One table is the whole file;
several make an object keyed by their captions (or names). UTF-8 without BOM, indented.
"""

from __future__ import annotations

import json
from decimal import Decimal

from reportgen.document import Cell, Document, Table, cell_places, is_figure
from reportgen.resources import WriterOptions
from reportgen.writers.csv import table_title, tables_of
from reportgen.writers.xlsx import number_format

Value = str | int | float | None


def number(text: str) -> int | float:
    """A plain number's value: ``1,234`` → 1234, ``62.3`` → 62.3."""
    plain = text.replace(",", "")
    return int(plain) if "." not in plain else float(Decimal(plain))


def value(table: Table, item: Cell) -> Value:
    """A cell's JSON value."""
    text = "\n".join(item.lines)
    if not is_figure(table, item):
        return text
    if not text:
        return None
    return number(text) if number_format(text) else text


def unique(names: list[str]) -> list[str]:
    """Names made distinct in order: a repeated one gets `` (2)``, `` (3)`` …"""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def grid(table: Table) -> list[list[Value]]:
    """Every row's values on the table's grid (rowspans repeated, colspans in their first column)."""
    width = len(table.shares)
    rows: list[list[Value]] = [[None] * width for _ in table.rows]
    for row, col, item in cell_places(table):
        for down in range(row, min(row + item.rowspan, len(rows))):
            if col < width:
                rows[down][col] = value(table, item)
    return rows


def keys(table: Table) -> list[str]:
    """A column's key: the header cells' texts over it, joined by a space."""
    parts: list[list[str]] = [[] for _ in table.shares]
    for row, col, item in cell_places(table):
        if row >= table.header_rows:
            continue
        text = " ".join(line.strip() for line in item.lines if line.strip())
        for place in range(col, min(col + item.colspan, len(parts))):
            if text and text not in parts[place]:
                parts[place].append(text)
    return unique([" ".join(texts) or f"열{index}" for index, texts in enumerate(parts, 1)])


def table_data(table: Table) -> list[object]:
    """A table's rows as objects keyed by its headings (arrays when it has no header row)."""
    rows = grid(table)[table.header_rows:]
    if not table.header_rows:
        return [list(row) for row in rows]
    names = keys(table)
    return [dict(zip(names, row, strict=True)) for row in rows]


def render_document(doc: Document, options: WriterOptions | None = None) -> bytes:
    """The document's tables as JSON bytes (UTF-8)."""
    tables = tables_of(doc, "JSON")
    if len(tables) == 1:
        data: object = table_data(tables[0])
    else:
        titles = unique([table_title(table, number) for number, table in enumerate(tables, 1)])
        data = {title: table_data(table) for title, table in zip(titles, tables, strict=True)}
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
