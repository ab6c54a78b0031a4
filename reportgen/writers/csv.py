"""CSV writer: a document's tables as CSV that Excel opens as it is (the open data of ``reportgen export``).

UTF-8 with a BOM (Excel reads the Korean), CRLF line ends, RFC 4180 quoting where needed. A table
is its grid (:func:`reportgen.document.cell_places`): a cell's text at its place, the places its
spans cover empty, its lines joined by a line break. A figure (:func:`reportgen.document.is_figure`)
that is a plain number (``12``, ``-3``, ``62.3``) is written as it is; any other text that Excel would read as a formula (it starts with one of
:data:`reportgen.writers.xlsx.FORMULA_START`) gets a leading ``'`` so that Excel shows it as text.
One table is the whole file; several are each under a line with its caption (or name), a blank
line between them. Other blocks (headings, lines, notes) are not data and are left out.
"""

from __future__ import annotations

import csv
import io

from reportgen.document import Cell, Document, Table, cell_places, is_figure, walk
from reportgen.errors import CardError
from reportgen.resources import WriterOptions
from reportgen.writers.xlsx import looks_like_formula, number_format

BOM = "\ufeff"
#: what a text cell that Excel would read as a formula is prefixed with
TEXT_PREFIX = "'"


def text_value(text: str) -> str:
    """A text as its CSV field: a formula-looking text with :data:`TEXT_PREFIX`."""
    return TEXT_PREFIX + text if looks_like_formula(text) else text


def field(table: Table, item: Cell) -> str:
    """A cell's CSV field: a figure that is a plain number as written, any other text made safe for Excel."""
    text = "\n".join(item.lines)
    return text if is_figure(table, item) and number_format(text) else text_value(text)


def table_rows(table: Table) -> list[list[str]]:
    """The table's grid, one list of fields per row (``len(shares)`` each)."""
    rows = [[""] * len(table.shares) for _ in table.rows]
    for row, col, item in cell_places(table):
        if col >= len(table.shares):
            raise CardError(f"표의 칸이 열 수({len(table.shares)})보다 많습니다 / "
                            f"a table row has more cells than its {len(table.shares)} columns")
        rows[row][col] = field(table, item)
    return rows


def tables_of(doc: Document, what: str) -> list[Table]:
    """The document's tables in reading order; none is an error naming the format."""
    tables = [block for block in walk(doc.blocks) if isinstance(block, Table)]
    if not tables:
        raise CardError(f"표가 없는 문서라 {what} 로 쓸 수 없습니다 / a document without a table cannot be "
                        f"written as {what}; choose another format")
    return tables


def table_title(table: Table, number: int) -> str:
    """What a table is called among several: its caption, else its name, else ``표 N``."""
    return table.caption or table.name or f"표 {number}"


def render_document(doc: Document, options: WriterOptions | None = None) -> bytes:
    """The document's tables as CSV bytes (UTF-8 with BOM, CRLF)."""
    tables = tables_of(doc, "CSV")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for number, table in enumerate(tables, 1):
        if len(tables) > 1:
            if number > 1:
                writer.writerow([])
            writer.writerow([text_value(table_title(table, number))])
        writer.writerows(table_rows(table))
    return (BOM + out.getvalue()).encode("utf-8")
