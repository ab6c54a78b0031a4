"""Generate broken (and oddly valid) master workbooks from a sample workbook.

Each :class:`Mutation` turns the sample's bytes into a new file and says what
``reportgen build`` must do with it:

* ``expect == "error"``: exit 2 with a message naming ``where`` (``sheet!cell``,
  ``sheet!1:1``, a sheet name, or ``""`` for the file itself) and a fix;
* ``expect == "valid"``: the file is legitimate input and builds (exit 0);
  ``why`` says why it is valid.

Usage: ``python tests/mutations/generate.py SAMPLE.xlsx OUT_DIR`` writes every
mutation as ``OUT_DIR/NNN_name.xlsx``.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from lxml import etree
from openpyxl.utils import get_column_letter

try:
    from .ole import encrypted_xlsx, old_xls
except ImportError:  # run as a script
    from ole import encrypted_xlsx, old_xls  # type: ignore[no-redef]

from reportgen import model as m
from reportgen import workbook_contract as contract

Make = Callable[[bytes], bytes]
Change = Callable[[openpyxl.Workbook], None]
ERROR, VALID = "error", "valid"
PLACEHOLDER = 271828.125  # a number no sample cell holds; replaced by raw cell XML
TABULAR = contract.SHEETS[1:]
_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True)


@dataclass(frozen=True)
class Mutation:
    """One mutated workbook: how to make it and what building it must do."""

    name: str
    expect: str
    make: Make
    where: str = ""
    why: str = ""


@dataclass(frozen=True)
class Sample:
    """What the generator needs to know about the sample workbook."""

    data: bytes
    headers: dict[str, list[str]]  # sheet → header row
    last_rows: dict[str, int]  # sheet → last row holding data

    @classmethod
    def of(cls, data: bytes) -> Sample:
        book = openpyxl.load_workbook(io.BytesIO(data))
        headers = {name: [str(c.value or "") for c in book[name][1]] for name in contract.SHEETS}
        last = {name: max((c.row for row in book[name].iter_rows() for c in row if c.value is not None), default=1)
                for name in contract.SHEETS}
        return cls(data, headers, last)

    def letter(self, sheet: str, column: str) -> str:
        return get_column_letter(self.headers[sheet].index(column) + 1)


# ── ways to change a workbook ─────────────────────────────────────────────
def with_openpyxl(change: Change) -> Make:
    """Load the workbook with openpyxl, change it, save it."""

    def make(data: bytes) -> bytes:
        book = openpyxl.load_workbook(io.BytesIO(data))
        change(book)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    return make


def set_cell(sheet: str, ref: str, value: object) -> Make:
    def change(book: openpyxl.Workbook) -> None:
        book[sheet][ref] = value

    return with_openpyxl(change)


def sheet_part(data: bytes, sheet: str) -> str:
    """The zip member holding ``sheet``."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        book = etree.fromstring(archive.read("xl/workbook.xml"), _SAFE_XML)
        rels = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"), _SAFE_XML)
    targets = {rel.get("Id"): rel.get("Target") for rel in rels}
    for element in book.iter("{*}sheet"):
        if element.get("name") == sheet:
            rel_id = next(v for k, v in element.attrib.items() if k.endswith("}id"))
            target = targets[rel_id]
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    raise KeyError(sheet)


def rewrite_member(data: bytes, member: str, change: Callable[[bytes], bytes]) -> bytes:
    """The zip with one member's bytes changed (other members copied as they are)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as old, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            content = old.read(info)
            new.writestr(info.filename, change(content) if info.filename == member else content)
    return out.getvalue()


def raw_cell(sheet: str, ref: str, cell_xml: str) -> Make:
    """Put literal ``<c>`` XML at ``ref`` (formulas with cached values, error values, huge text)."""

    def make(data: bytes) -> bytes:
        placed = set_cell(sheet, ref, PLACEHOLDER)(data)
        pattern = re.compile(rf'<c r="{ref}"[^>]*><v>{PLACEHOLDER}</v></c>'.encode())

        def replace(xml: bytes) -> bytes:
            new, count = pattern.subn(cell_xml.replace("\\", "\\\\").encode(), xml, count=1)
            assert count == 1, f"placeholder not found at {sheet}!{ref}"
            return new

        return rewrite_member(placed, sheet_part(placed, sheet), replace)

    return make


def inline(ref: str, text: str) -> str:
    """An inline-string cell as Excel escapes it (``&``/``<`` as entities)."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;")
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escaped}</t></is></c>'


def constant(content: bytes) -> Make:
    return lambda _data: content


# ── file-level mutations ──────────────────────────────────────────────────
def _zip(members: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def _as_xlsm(data: bytes) -> bytes:
    """The workbook saved as macro-enabled (.xlsm): a vbaProject part and the macro content type."""
    data = rewrite_member(data, "[Content_Types].xml", lambda xml: xml.replace(
        b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml").replace(
        b"<Default ", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Default ', 1))
    rel = (b'<Relationship Id="rIdVba" Target="vbaProject.bin" '
           b'Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject"/></Relationships>')
    data = rewrite_member(data, "xl/_rels/workbook.xml.rels", lambda xml: xml.replace(b"</Relationships>", rel))
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a") as archive:
        archive.writestr("xl/vbaProject.bin", old_xls())
    return out.getvalue()


def file_mutations() -> list[Mutation]:
    """Files that are no master workbook at all, or one in disguise."""
    csv = "관리번호,사업명,추진율\n3-1,노후산단 재생,60\n".encode("utf-8-sig")
    html = '<html><body><table><tr><td>관리번호</td><td>사업명</td></tr></table></body></html>'.encode()
    docx_like = _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
    hwpx_like = _zip({"mimetype": "application/hwp+zip", "Contents/section0.xml": "<hs:sec/>"})
    return [
        Mutation("empty-file", ERROR, constant(b"")),
        Mutation("csv-renamed", ERROR, constant(csv)),
        Mutation("xls-renamed", ERROR, constant(old_xls())),
        Mutation("password-protected", ERROR, constant(encrypted_xlsx())),
        Mutation("html-saved-as-xls-renamed", ERROR, constant(html)),
        Mutation("docx-renamed", ERROR, constant(docx_like)),
        Mutation("hwpx-renamed", ERROR, constant(hwpx_like)),
        Mutation("text-card-renamed", ERROR, constant("【사업추진계획】\n□ 사업개요\n".encode())),
        Mutation("random-bytes", ERROR, constant(bytes(range(256)) * 16)),
        Mutation("truncated-zip", ERROR, lambda data: data[: len(data) // 2]),
        Mutation("zip-end-cut-off", ERROR, lambda data: data[:-30]),
        Mutation("broken-workbook-xml", ERROR,
                 lambda data: rewrite_member(data, "xl/workbook.xml", lambda xml: xml[: len(xml) // 2])),
        Mutation("broken-sheet-xml", ERROR,
                 lambda data: rewrite_member(data, sheet_part(data, contract.SHEET_CARDS), lambda x: x[:-40])),
        Mutation("no-workbook-part", ERROR, lambda data: _zip({"[Content_Types].xml": "<Types/>"})),
        Mutation("xlsm-renamed", VALID, _as_xlsm,
                 why="a macro-enabled workbook holds the same sheets; reportgen reads values only and never runs macros"),
    ]


# ── sheets ────────────────────────────────────────────────────────────────
def _rename(sheet: str, new: str) -> Change:
    def change(book: openpyxl.Workbook) -> None:
        book[sheet].title = new

    return change


def _delete_sheet(sheet: str) -> Change:
    return lambda book: book.remove(book[sheet])


def _reverse_sheets(book: openpyxl.Workbook) -> None:
    book._sheets.reverse()  # noqa: SLF001 - openpyxl has no public reorder


def _duplicate_padded(sheet: str) -> Change:
    def change(book: openpyxl.Workbook) -> None:
        copy = book.copy_worksheet(book[sheet])
        copy.title = f"{sheet} "

    return change


def sheet_mutations() -> list[Mutation]:
    """Deleted, renamed, padded, duplicated, reordered, hidden and extra sheets."""
    found: list[Mutation] = []
    for sheet in contract.SHEETS:
        optional = sheet in contract.OPTIONAL_SHEETS
        expect, where = (VALID, "") if optional else (ERROR, sheet)
        why = "변경이력 is optional" if optional else ""
        found.append(Mutation(f"delete-sheet-{sheet}", expect, with_openpyxl(_delete_sheet(sheet)), where, why))
        found.append(Mutation(f"rename-sheet-{sheet}", expect, with_openpyxl(_rename(sheet, "Sheet1")), where, why))
        found.append(Mutation(f"padded-sheet-name-{sheet}", VALID, with_openpyxl(_rename(sheet, f" {sheet} ")),
                              why="spaces around a sheet name are ignored"))
    for sheet in (contract.SHEET_CARDS, contract.SHEET_ACHIEVEMENTS):
        found.append(Mutation(f"duplicate-sheet-{sheet}", ERROR, with_openpyxl(_duplicate_padded(sheet)), sheet))

    def hide(book: openpyxl.Workbook) -> None:
        book[contract.SHEET_CHANGES].sheet_state = "hidden"

    def extra(book: openpyxl.Workbook) -> None:
        book.create_sheet("메모")["A1"] = "=1+1"

    found += [
        Mutation("sheets-reversed", VALID, with_openpyxl(_reverse_sheets), why="sheets are found by name"),
        Mutation("hidden-sheet", VALID, with_openpyxl(hide), why="a hidden sheet is still part of the workbook"),
        Mutation("extra-sheet-with-formula", VALID, with_openpyxl(extra),
                 why="sheets outside the contract are ignored, formulas there too"),
    ]
    return found


# ── columns and header rows ───────────────────────────────────────────────
def _delete_column(sheet: str, index: int) -> Change:
    return lambda book: book[sheet].delete_cols(index)


def _set_header(sheet: str, index: int, value: str) -> Change:
    def change(book: openpyxl.Workbook) -> None:
        book[sheet].cell(row=1, column=index).value = value

    return change


def _reverse_columns(sheet: str) -> Change:
    def change(book: openpyxl.Workbook) -> None:
        ws = book[sheet]
        rows = [[c.value for c in row] for row in ws.iter_rows()]
        for r, values in enumerate(rows, start=1):
            for c, value in enumerate(reversed(values), start=1):
                ws.cell(row=r, column=c).value = value

    return change


def _spaced_headers(sheet: str) -> Change:
    def change(book: openpyxl.Workbook) -> None:
        for cell in book[sheet][1]:
            if isinstance(cell.value, str) and not cell.value[:4].isdigit():
                cell.value = " " + " ".join(cell.value) + " "

    return change


def _title_row(sheet: str) -> Change:
    def change(book: openpyxl.Workbook) -> None:
        book[sheet].insert_rows(1)
        book[sheet]["A1"] = f"{sheet} (2024년 4분기)"

    return change


def _year_where(sample: Sample, index: int, deleted: bool) -> str:
    """The cell the reader names when the year column at ``index`` (1-based) is deleted or renamed:
    the first column that does not hold the expected year."""
    years = [i for i, name in enumerate(sample.headers[contract.SHEET_PLAN], 1) if name[:4].isdigit()]
    named = index if deleted or index == years[-1] else index + 1
    return f"{contract.SHEET_PLAN}!{get_column_letter(named)}1"


def _reversed_columns(sheet: str) -> Mutation:
    """Columns in reverse order: fine, except that the year columns of 연차별계획 must go forward."""
    if sheet == contract.SHEET_PLAN:
        return Mutation(f"columns-reversed-{sheet}", ERROR, with_openpyxl(_reverse_columns(sheet)), f"{sheet}!B1")
    return Mutation(f"columns-reversed-{sheet}", VALID, with_openpyxl(_reverse_columns(sheet)),
                    why="columns are found by header name, in any order")


def column_mutations(sample: Sample) -> list[Mutation]:
    """Every column of every table deleted or renamed; header rows shifted or merged; tolerated forms."""
    found: list[Mutation] = []
    for sheet in TABULAR:
        for index, column in enumerate(sample.headers[sheet], start=1):
            year = sheet == contract.SHEET_PLAN and column[:4].isdigit()
            deleted = _year_where(sample, index, True) if year else f"{sheet}!1:1"
            renamed = _year_where(sample, index, False) if year else f"{sheet}!1:1"
            found.append(Mutation(f"delete-column-{sheet}-{column}", ERROR,
                                  with_openpyxl(_delete_column(sheet, index)), deleted))
            found.append(Mutation(f"rename-column-{sheet}-{column}", ERROR,
                                  with_openpyxl(_set_header(sheet, index, f"열{index}")), renamed))
        found += [
            Mutation(f"blank-row-above-header-{sheet}", ERROR, with_openpyxl(lambda b, s=sheet: b[s].insert_rows(1)),
                     f"{sheet}!1:1"),
            Mutation(f"title-row-above-header-{sheet}", ERROR, with_openpyxl(_title_row(sheet)), f"{sheet}!1:1"),
            Mutation(f"merged-header-{sheet}", ERROR, with_openpyxl(lambda b, s=sheet: b[s].merge_cells("A1:B1")),
                     f"{sheet}!A1:B1"),
            _reversed_columns(sheet),
            Mutation(f"spaced-headers-{sheet}", VALID, with_openpyxl(_spaced_headers(sheet)),
                     why="spaces in header names do not matter"),
            Mutation(f"blank-column-a-{sheet}", VALID, with_openpyxl(lambda b, s=sheet: b[s].insert_cols(1)),
                     why="a blank column before the table is ignored (columns found by name)"),
            Mutation(f"extra-column-{sheet}", VALID,
                     with_openpyxl(_set_header(sheet, len(sample.headers[sheet]) + 1, "비고")),
                     why="extra columns are ignored"),
        ]
    settings = contract.SHEET_SETTINGS
    found += [
        Mutation("blank-row-above-설정", VALID, with_openpyxl(lambda b: b[settings].insert_rows(1)),
                 why="설정 keys are found anywhere in column A"),
        Mutation("merged-header-설정", VALID, with_openpyxl(lambda b: b[settings].merge_cells("A1:C1")),
                 why="설정 needs no header row"),
        Mutation("year-header-without-년", VALID, set_cell(contract.SHEET_PLAN, "C1", 2022),
                 why="a year header may be 2022 or 2022년"),
        Mutation("year-header-wrong-year", ERROR, set_cell(contract.SHEET_PLAN, "C1", "2030년"),
                 f"{contract.SHEET_PLAN}!C1"),
    ]
    return found


# ── merged data cells ─────────────────────────────────────────────────────
def merge_mutations(sample: Sample) -> list[Mutation]:
    """Data cells merged down a column, as people do for repeated 대분류 or 관리번호."""
    found = []
    for sheet in TABULAR:
        last = sample.last_rows[sheet]
        if last < 3:
            continue
        for column in (contract.COL_ID, sample.headers[sheet][1]):
            letter = sample.letter(sheet, column)
            cells = f"{letter}2:{letter}{last}"
            found.append(Mutation(f"merged-{sheet}-{column}", ERROR,
                                  with_openpyxl(lambda b, s=sheet, r=cells: b[s].merge_cells(r)), f"{sheet}!{cells}"))
    return found


# ── bad and odd values in typed cells ─────────────────────────────────────
PERCENT_BAD = ["육십", -5, 150, 60.5, True, "약 60", dt.datetime(2024, 1, 1), "=60"]
PERCENT_OK = ["60%", "60 %", 60.0, None, " 60 "]
COUNT_BAD = ["많음", -1, 1.5, True, "1건"]
COUNT_OK = ["1회", "-", 3, None]
DATE_BAD = ["2023.13.", "2023. 02. 30.", "내일", 45000, 2023.1, "2023-04-31", "2023. 00.", "2023. 12. ~ 2023. 01."]
DATE_OK = [dt.datetime(2023, 4, 15), "2023. 4.", "2023.04", "2023. 06. ~ 08.", "2023년 4월"]
LEVEL_BAD = ["4", "★", 0, 1.5, True]
LEVEL_OK = [1, "1", "○"]


def _value_name(value: object) -> str:
    return re.sub(r"\s+", "_", repr(value))[:30]


def value_mutations(sample: Sample) -> list[Mutation]:
    """Each kind of typed cell × values it must refuse and values it must take."""
    s = contract
    typed = [
        (s.SHEET_CARDS, f"{sample.letter(s.SHEET_CARDS, s.COL_PROGRESS)}2", PERCENT_BAD, PERCENT_OK),
        (s.SHEET_PLAN, "C2", PERCENT_BAD, PERCENT_OK),
        (s.SHEET_PLAN, f"{sample.letter(s.SHEET_PLAN, s.COL_AFTER_TERM)}2", PERCENT_BAD, PERCENT_OK),
        (s.SHEET_COMMUNICATION, "B2", COUNT_BAD, COUNT_OK),
        (s.SHEET_COMMUNICATION, "F2", COUNT_BAD, COUNT_OK),
        (s.SHEET_ACHIEVEMENTS, f"{sample.letter(s.SHEET_ACHIEVEMENTS, s.COL_DATE)}2", DATE_BAD, DATE_OK),
        (s.SHEET_BULLETS, f"{sample.letter(s.SHEET_BULLETS, s.COL_LEVEL)}2", LEVEL_BAD, LEVEL_OK),
        (s.SHEET_ACHIEVEMENTS, f"{sample.letter(s.SHEET_ACHIEVEMENTS, s.COL_LEVEL)}2", LEVEL_BAD, LEVEL_OK),
    ]
    found = []
    for sheet, ref, bad, good in typed:
        for value in bad:
            found.append(Mutation(f"bad-{sheet}!{ref}={_value_name(value)}", ERROR, set_cell(sheet, ref, value),
                                  f"{sheet}!{ref}"))
        for value in good:
            found.append(Mutation(f"ok-{sheet}!{ref}={_value_name(value)}", VALID, set_cell(sheet, ref, value),
                                  why="an accepted form of the value (docs/master-workbook.md)"))
    return found + _single_value_mutations(sample)


def _single_value_mutations(sample: Sample) -> list[Mutation]:
    s = contract
    status = f"{sample.letter(s.SHEET_CARDS, s.COL_STATUS)}2"
    title = f"{sample.letter(s.SHEET_CARDS, s.COL_TITLE)}2"
    settings_row = {key: n for n, key in enumerate(_settings_keys(sample), start=1)}

    def setting(key: str) -> str:
        return f"B{settings_row[key]}"

    errors = [
        (s.SHEET_CARDS, status, "진행중"),
        (s.SHEET_CARDS, "A2", dt.datetime(2024, 3, 1)),  # 3-1 typed into a General cell
        (s.SHEET_CARDS, "A2", None),
        (s.SHEET_CARDS, title, None),
        (s.SHEET_BULLETS, "B2", "목표"),
        (s.SHEET_BULLETS, "D2", None),
        (s.SHEET_ACHIEVEMENTS, "F2", None),
        (s.SHEET_ACHIEVEMENTS, f"{sample.letter(s.SHEET_ACHIEVEMENTS, s.COL_LEVEL)}2", "▪"),  # detail before entry
        (s.SHEET_SETTINGS, setting(s.KEY_TERM_START), "이천이십이"),
        (s.SHEET_SETTINGS, setting(s.KEY_TERM_END), 2010),
        (s.SHEET_SETTINGS, setting(s.KEY_AS_OF), "2024-13-01"),
        (s.SHEET_SETTINGS, setting(s.KEY_AS_OF), 45000),
    ]
    valid = [
        (s.SHEET_CARDS, status, "추진중", "추진상황 is compared without spaces"),
        (s.SHEET_CARDS, title, 12345, "a number in a text column reads as its text"),
        (s.SHEET_CARDS, f"{sample.letter(s.SHEET_CARDS, s.COL_PERIOD)}2", dt.datetime(2024, 1, 1),
         "a date in a text column reads as its ISO text"),
        (s.SHEET_BULLETS, "B2", "사업 추진 목표", "spaces in 구분 do not matter"),
        (s.SHEET_SETTINGS, setting(s.KEY_AS_OF), dt.datetime(2024, 12, 31), "기준일 may be an Excel date"),
        (s.SHEET_SETTINGS, setting(s.KEY_STATUSES), None, "a blank 상태 목록 means the default list"),
    ]
    found = [Mutation(f"bad-{sheet}!{ref}={_value_name(v)}", ERROR, set_cell(sheet, ref, v), f"{sheet}!{ref}")
             for sheet, ref, v in errors]
    found += [Mutation(f"ok-{sheet}!{ref}={_value_name(v)}", VALID, set_cell(sheet, ref, v), why=why)
              for sheet, ref, v, why in valid]
    return found


def _settings_keys(sample: Sample) -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(sample.data))
    return [str(row[0].value or "") for row in book[contract.SHEET_SETTINGS].iter_rows()]


# ── rows: duplicates, unknown cards ───────────────────────────────────────
UNKNOWN_ROWS = {
    contract.SHEET_COOPERATION: ["9-9", "市", "산업입지과", "홍길동", "1234"],
    contract.SHEET_BULLETS: ["9-9", m.OVERVIEW, 1, "없는 공약의 줄"],
    contract.SHEET_PLAN: ["9-9", "없는 공약의 계획", "a", "b", "c", "d", "e", "f"],
    contract.SHEET_ACHIEVEMENTS: ["9-9", "대분류", "", "2023. 04.", 1, "없는 공약의 실적"],
    contract.SHEET_COMMUNICATION: ["9-9", 1, None, None, None, None],
    contract.SHEET_CHANGES: ["9-9", "2023. 04.", "변경", "사유", "절차"],
}


def _append(sheet: str, values: list[object]) -> Change:
    return lambda book: book[sheet].append(values)


def _copy_row(sheet: str, row: int) -> Change:
    def change(book: openpyxl.Workbook) -> None:
        ws = book[sheet]
        ws.append([c.value for c in ws[row]])

    return change


def row_mutations(sample: Sample) -> list[Mutation]:
    """Detail rows for unknown cards, duplicated 관리번호 and one-per-card rows, blank rows."""
    found = [Mutation(f"unknown-card-{sheet}", ERROR, with_openpyxl(_append(sheet, values)),
                      f"{sheet}!A{sample.last_rows[sheet] + 1}")
             for sheet, values in UNKNOWN_ROWS.items()]
    s = contract
    found += [
        Mutation("duplicate-관리번호", ERROR, with_openpyxl(_copy_row(s.SHEET_CARDS, 2)),
                 f"{s.SHEET_CARDS}!A{sample.last_rows[s.SHEET_CARDS] + 1}"),
        Mutation("second-구민소통-row", ERROR, with_openpyxl(_copy_row(s.SHEET_COMMUNICATION, 2)),
                 f"{s.SHEET_COMMUNICATION}!A{sample.last_rows[s.SHEET_COMMUNICATION] + 1}"),
        Mutation("second-목표-row", ERROR, with_openpyxl(_copy_row(s.SHEET_PLAN, 2)),
                 f"{s.SHEET_PLAN}!B{sample.last_rows[s.SHEET_PLAN] + 1}"),
        Mutation("blank-rows-between", VALID, with_openpyxl(lambda b: b[s.SHEET_ACHIEVEMENTS].insert_rows(5, 3)),
                 why="blank rows are skipped"),
        Mutation("many-formatted-blank-rows", VALID, with_openpyxl(_formatted_blank_rows), why="blank rows are skipped"),
    ]
    return found


def _formatted_blank_rows(book: openpyxl.Workbook) -> None:
    ws = book[contract.SHEET_BULLETS]
    for row in range(ws.max_row + 1, ws.max_row + 2001):
        ws.cell(row=row, column=4).number_format = "@"
        ws.cell(row=row, column=4).value = " "


# ── formulas and error values ─────────────────────────────────────────────
def formula_mutations(sample: Sample) -> list[Mutation]:
    """A formula in row 2 of every column of every table, without and with a cached value; error values."""
    found = []
    for sheet in TABULAR:
        for index in range(1, len(sample.headers[sheet]) + 1):
            ref = f"{get_column_letter(index)}2"
            found.append(Mutation(f"formula-{sheet}!{ref}", ERROR, set_cell(sheet, ref, "=1+1"), f"{sheet}!{ref}"))
            found.append(Mutation(f"formula-cached-{sheet}!{ref}", ERROR,
                                  raw_cell(sheet, ref, f'<c r="{ref}" t="str"><f>"3-"&amp;"1"</f><v>3-1</v></c>'),
                                  f"{sheet}!{ref}"))
    settings = contract.SHEET_SETTINGS
    found.append(Mutation("formula-설정!B2", ERROR, set_cell(settings, "B2", '=CONCAT("부산", "사하구")'), f"{settings}!B2"))
    found.append(Mutation("formula-cached-설정!B3", ERROR,
                          raw_cell(settings, "B3", '<c r="B3" t="str"><f>"8"&amp;"기"</f><v>8기</v></c>'), f"{settings}!B3"))
    title = f"{sample.letter(contract.SHEET_CARDS, contract.COL_TITLE)}2"
    progress = f"{sample.letter(contract.SHEET_CARDS, contract.COL_PROGRESS)}2"
    for error in ("#N/A", "#REF!", "#DIV/0!"):
        for ref in (title, progress):
            found.append(Mutation(f"error-value-{ref}={error}", ERROR,
                                  raw_cell(contract.SHEET_CARDS, ref, f'<c r="{ref}" t="e"><v>{error}</v></c>'),
                                  f"{contract.SHEET_CARDS}!{ref}"))
    return found


# ── text: size, control characters, emoji ─────────────────────────────────
def text_mutations(sample: Sample) -> list[Mutation]:
    """Huge cells, control characters, emoji, formula-like text, names that are unsafe as file names."""
    s = contract
    title = f"{sample.letter(s.SHEET_CARDS, s.COL_TITLE)}2"
    text = "D2"  # 내용!D2
    cards, bullets, done = s.SHEET_CARDS, s.SHEET_BULLETS, s.SHEET_ACHIEVEMENTS
    return [
        Mutation("10MB-text-in-one-cell", ERROR, raw_cell(bullets, text, inline(text, "가나다라 " * 2_100_000)), bullets),
        Mutation("40000-chars-in-one-cell", ERROR, raw_cell(bullets, text, inline(text, "가" * 40_000)), f"{bullets}!{text}"),
        Mutation("32767-chars-in-one-cell", VALID, raw_cell(bullets, text, inline(text, "가" * 32_767)),
                 why="Excel's own limit per cell"),
        Mutation("control-characters-escaped", VALID,
                 raw_cell(bullets, text, inline(text, "벨_x0007_소리_x000B_세로탭_x001F_끝")),
                 why="Excel escapes control characters as _xHHHH_; they are dropped (a vertical tab is a line break)"),
        Mutation("control-characters-in-title", VALID, raw_cell(cards, title, inline(title, "노후_x0008_산단_x001B_재생")),
                 why="control characters are dropped, also from the title (and the file name)"),
        Mutation("escaped-underscore-x", VALID, raw_cell(bullets, text, inline(text, "코드 _x005F_x0041_ 그대로")),
                 why="_x005F_ escapes a literal underscore; the text reads '코드 _x0041_ 그대로'"),
        Mutation("carriage-returns", VALID, raw_cell(bullets, text, inline(text, "첫 줄_x000D_\n둘째 줄")),
                 why="a pasted CRLF is a line break"),
        Mutation("line-break-in-cell", VALID, set_cell(bullets, text, "첫 줄\n둘째 줄"),
                 why="Alt+Enter line breaks are kept as spaces or breaks by each format"),
        Mutation("tab-in-cell", VALID, set_cell(done, "F2", "앞\t뒤"), why="a tab in a cell is text"),
        Mutation("emoji-everywhere", VALID, with_openpyxl(_emoji),
                 why="emoji are ordinary Unicode text in every format"),
        Mutation("nfd-korean", VALID, set_cell(cards, title, _nfd("노후산단 재생")),
                 why="decomposed Hangul (macOS) is normalized in file names and kept in text"),
        Mutation("formula-like-text", VALID, with_openpyxl(_formula_like_text),
                 why="text typed as text that starts with = + - @ is text, not a formula"),
        Mutation("path-in-title", VALID, set_cell(cards, title, "../../etc/passwd"),
                 why="the title is made safe for a file name"),
        Mutation("numeric-관리번호", VALID, with_openpyxl(_renumbered(31)), why="a 관리번호 typed as a number is text"),
        Mutation("reserved-name-title", VALID, with_openpyxl(_reserved_names),
                 why="CON/NUL and a slash in 관리번호 are made safe for a file name"),
        Mutation("300-char-title", VALID, set_cell(cards, title, "가" * 300), why="the file name is cut to 255 bytes"),
        Mutation("bidi-override-in-title", VALID, set_cell(cards, title, "보고서\u202etxt.exe"),
                 why="direction overrides are dropped from file names"),
    ]


def _nfd(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFD", text)


def _emoji(book: openpyxl.Workbook) -> None:
    s = contract
    book[s.SHEET_CARDS]["C2"] = "노후산단 재생 🏭✨"
    book[s.SHEET_BULLETS]["D2"] = "스마트 산단 👩‍🔬 조성 🇰🇷"
    book[s.SHEET_ACHIEVEMENTS]["F2"] = "공모 선정 🎉"


def _formula_like_text(book: openpyxl.Workbook) -> None:
    for ref, text in (("D2", "=HYPERLINK(\"http://x\")"), ("D3", "+82 51"), ("D4", "-5% 감소"), ("D5", "@멘션")):
        cell = book[contract.SHEET_BULLETS][ref]
        cell.value = text
        cell.data_type = "s"


def _renumbered(new_id: object) -> Change:
    """The sample's 관리번호 replaced by ``new_id`` on every sheet."""

    def change(book: openpyxl.Workbook) -> None:
        for sheet in TABULAR:
            for row in book[sheet].iter_rows(min_row=2, max_col=1):
                if row[0].value == "3-1":
                    row[0].value = new_id

    return change


def _reserved_names(book: openpyxl.Workbook) -> None:
    _renumbered("CON")(book)
    book[contract.SHEET_CARDS]["C2"] = "NUL"


# ── all of them ───────────────────────────────────────────────────────────
def mutations(sample_data: bytes) -> list[Mutation]:
    """Every mutation of the sample, in a fixed order."""
    sample = Sample.of(sample_data)
    found = (file_mutations() + sheet_mutations() + column_mutations(sample) + merge_mutations(sample)
             + value_mutations(sample) + row_mutations(sample) + formula_mutations(sample) + text_mutations(sample))
    names = [mutation.name for mutation in found]
    assert len(names) == len(set(names)), "mutation names must be unique"
    return found


def file_name(index: int, mutation: Mutation) -> str:
    """``NNN_name.xlsx``, safe on any file system."""
    return f"{index:03d}_" + re.sub(r"[^\w.=-]+", "_", mutation.name)[:80] + ".xlsx"


def main(argv: list[str]) -> None:
    """Write every mutation of SAMPLE into OUT_DIR."""
    sample, out = Path(argv[0]), Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    data = sample.read_bytes()
    for index, mutation in enumerate(mutations(data)):
        (out / file_name(index, mutation)).write_bytes(mutation.make(data))
        print(f"{index:03d} {mutation.expect:5} {mutation.name}")


if __name__ == "__main__":
    main(sys.argv[1:])
