"""Generate broken (and oddly valid) master workbooks from a sample workbook.

Each :class:`Mutation` turns the sample's bytes into a new file and says what
``reportgen build`` must do with it:

* ``expect == "error"``: exit 2 with a message naming ``where`` (``sheet!cell``,
  ``sheet!1:1``, a sheet name, or ``""`` for the file itself) and a fix;
* ``expect == "valid"``: the file is legitimate input and builds (exit 0);
  ``why`` says why it is valid.

``says`` lists text the CLI's output must hold as well: the name of a foreign
format, a character it names, a notice of the reader.

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
    says: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sample:
    """What the generator needs to know about the sample workbook."""

    data: bytes
    headers: dict[str, list[str]]  # sheet → header row
    last_rows: dict[str, int]  # sheet → last row holding data
    second_rows: dict[str, list[object]]  # sheet → values of row 2 (the first data row)

    @classmethod
    def of(cls, data: bytes) -> Sample:
        book = openpyxl.load_workbook(io.BytesIO(data))
        headers = {name: [str(c.value or "") for c in book[name][1]] for name in contract.SHEETS}
        last = {name: max((c.row for row in book[name].iter_rows() for c in row if c.value is not None), default=1)
                for name in contract.SHEETS}
        second = {name: [c.value for c in book[name][2]] for name in contract.SHEETS}
        return cls(data, headers, last, second)

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
    return raw_cells(sheet, {ref: cell_xml})


def raw_cells(sheet: str, cells: dict[str, str]) -> Make:
    """Put literal ``<c>`` XML at each ref of ``cells`` in one rewrite (openpyxl never sees the XML)."""
    return raw_sheets({sheet: cells})


def raw_sheets(changes: dict[str, dict[str, str]]) -> Make:
    """Literal ``<c>`` XML in several sheets: sheet → ref → cell XML."""

    def make(data: bytes) -> bytes:
        placed = data
        for sheet, cells in changes.items():
            for ref in cells:
                placed = set_cell(sheet, ref, PLACEHOLDER)(placed)
        for sheet, cells in changes.items():
            placed = rewrite_member(placed, sheet_part(placed, sheet), _placed(sheet, cells))
        return placed

    return make


def _placed(sheet: str, cells: dict[str, str]) -> Callable[[bytes], bytes]:
    """A sheet XML change: each placeholder cell replaced by its literal XML."""

    def replace(xml: bytes) -> bytes:
        for ref, cell_xml in cells.items():
            pattern = re.compile(rf'<c r="{ref}"[^>]*><v>{PLACEHOLDER}</v></c>'.encode())
            xml, count = pattern.subn(cell_xml.replace("\\", "\\\\").encode(), xml, count=1)
            assert count == 1, f"placeholder not found at {sheet}!{ref}"
        return xml

    return replace


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


ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"


def _ods() -> bytes:
    """The shape of a LibreOffice Calc .ods: ``mimetype`` first and stored, then the content parts."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), ODS_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", '<manifest:manifest xmlns:manifest='
                         '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>')
        archive.writestr("content.xml", '<office:document-content xmlns:office='
                         '"urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>')
    return out.getvalue()


def _fods() -> bytes:
    """A flat OpenDocument spreadsheet (.fods): one XML document naming its mimetype."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<office:document xmlns:office='
            f'"urn:oasis:names:tc:opendocument:xmlns:office:1.0" office:mimetype="{ODS_MIMETYPE}">'
            '<office:body><office:spreadsheet/></office:body></office:document>').encode()


def file_mutations() -> list[Mutation]:
    """Files that are no master workbook at all, or one in disguise; a foreign format is named by the
    words of docs/master-workbook.md ("Files that are not workbooks")."""
    csv = "관리번호,사업명,추진율\n3-1,노후산단 재생,60\n".encode("utf-8-sig")
    html = '<html><body><table><tr><td>관리번호</td><td>사업명</td></tr></table></body></html>'.encode()
    docx_like = _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
    hwpx_like = _zip({"mimetype": "application/hwp+zip", "Contents/section0.xml": "<hs:sec/>"})
    xlsb_like = _zip({"[Content_Types].xml": "<Types/>", "xl/workbook.bin": b"\x83\x01\x00"})
    return [
        Mutation("empty-file", ERROR, constant(b"")),
        Mutation("csv-renamed", ERROR, constant(csv), says=("CSV or text file",)),
        Mutation("xls-renamed", ERROR, constant(old_xls()), says=("Excel 97-2003 workbook (.xls)",)),
        Mutation("password-protected", ERROR, constant(encrypted_xlsx()),
                 says=("password-protected (encrypted) workbook",)),
        Mutation("html-saved-as-xls-renamed", ERROR, constant(html), says=("web page (HTML)",)),
        Mutation("docx-renamed", ERROR, constant(docx_like), says=("Word document",)),
        Mutation("hwpx-renamed", ERROR, constant(hwpx_like), says=("Hangul document",)),
        Mutation("text-card-renamed", ERROR, constant("【사업추진계획】\n□ 사업개요\n".encode()),
                 says=("pledge card text file",)),
        Mutation("ods-renamed", ERROR, constant(_ods()), says=("OpenDocument spreadsheet (.ods)",)),
        Mutation("fods-renamed", ERROR, constant(_fods()), says=("OpenDocument spreadsheet (.ods)",)),
        Mutation("xlsb-renamed", ERROR, constant(xlsb_like), says=("Excel binary workbook (.xlsb)",)),
        Mutation("zipped-workbook", ERROR, lambda data: _zip({"마스터.xlsx": data}),
                 says=("zip archive that is no workbook",)),
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
#: (sheet, column) where the text 3-1 is refused (docs/master-workbook.md), and why
REFUSES_3_1 = {
    (contract.SHEET_CARDS, contract.COL_STATUS): "not in 상태 목록",
    (contract.SHEET_CARDS, contract.COL_PROGRESS): "not a percentage",
    (contract.SHEET_BULLETS, contract.COL_SECTION): "not one of the five 구분",
    (contract.SHEET_BULLETS, contract.COL_LEVEL): "not a 수준",
    (contract.SHEET_ACHIEVEMENTS, contract.COL_DATE): "not a date (no year)",
    (contract.SHEET_ACHIEVEMENTS, contract.COL_LEVEL): "not a 수준",
    **{(contract.SHEET_COMMUNICATION, column): "not a count" for column in m.COMMUNICATION_COLUMNS},
}


def _typed_3_1(sample: Sample, sheet: str, index: int) -> tuple[str, str, str]:
    """What typing the text ``3-1`` into row 2, column ``index`` (1-based) of ``sheet`` gives, by
    docs/master-workbook.md: ``(expect, where, why)``. The saved value of a formula is read like it."""
    s = contract
    column = sample.headers[sheet][index - 1]
    ref = f"{sheet}!{get_column_letter(index)}2"
    if sample.last_rows[sheet] < 2:  # row 2 is empty in the sample: 3-1 is all the row holds
        if column == s.COL_ID:
            return VALID, "", f"a {sheet} row of the sample's 관리번호 3-1 with its other cells blank"
        return ERROR, f"{sheet}!A2", ""  # a row without 관리번호
    if (sheet, column) in REFUSES_3_1:
        return ERROR, ref, ""
    second = sample.second_rows[sheet]
    if sheet == s.SHEET_PLAN and second[sample.headers[sheet].index(s.COL_PLAN_ITEM)] == m.L_TARGET_ROW:
        if column == s.COL_PLAN_ITEM:
            return VALID, "", "the 목표(%) row becomes a plan row titled 3-1; a card may have no yearly targets"
        if column != s.COL_ID:  # a year column or 임기 후 of the 목표(%) row: a percentage
            return ERROR, ref, ""
    if column == s.COL_ID:
        return VALID, "", "3-1 is the sample's 관리번호"
    return VALID, "", f"{column} is free text"


def _then(*makes: Make) -> Make:
    """One change after the other."""

    def make(data: bytes) -> bytes:
        for step in makes:
            data = step(data)
        return data

    return make


def formula_mutations(sample: Sample) -> list[Mutation]:
    """A formula in row 2 of every column of every table, without a saved value (refused in a read
    column) and with the saved text 3-1 (read as if 3-1 were typed there); numbers, booleans and
    shared formulas with saved values; error values."""
    found = []
    for sheet in TABULAR:
        for index in range(1, len(sample.headers[sheet]) + 1):
            ref = f"{get_column_letter(index)}2"
            found.append(Mutation(f"formula-{sheet}!{ref}", ERROR, set_cell(sheet, ref, "=1+1"), f"{sheet}!{ref}"))
            expect, where, why = _typed_3_1(sample, sheet, index)
            found.append(Mutation(f"formula-cached-{sheet}!{ref}", expect,
                                  raw_cell(sheet, ref, f'<c r="{ref}" t="str"><f>"3-"&amp;"1"</f><v>3-1</v></c>'),
                                  where, why))
    s = contract
    settings = s.SHEET_SETTINGS
    found.append(Mutation("formula-설정!B2", ERROR, set_cell(settings, "B2", '=CONCAT("부산", "사하구")'), f"{settings}!B2"))
    found.append(Mutation("formula-cached-설정!B3", VALID,
                          raw_cell(settings, "B3", '<c r="B3" t="str"><f>"8"&amp;"기"</f><v>8기</v></c>'),
                          why="민선 is read as the saved 8기, the sample's own value"))
    progress = f"{sample.letter(s.SHEET_CARDS, s.COL_PROGRESS)}2"
    area = f"{sample.letter(s.SHEET_CARDS, s.COL_AREA)}2"
    first_year, second_year = "C2", "D2"  # 연차별계획 row 2 is the 목표(%) row: 10, 40
    shared = raw_cells(s.SHEET_PLAN, {
        first_year: f'<c r="{first_year}"><f t="shared" ref="C2:D2" si="0">C3*0+10</f><v>10</v></c>',
        second_year: f'<c r="{second_year}"><f t="shared" si="0"/><v>40</v></c>'})
    found += [
        Mutation(f"formula-cached-number-{s.SHEET_CARDS}!{progress}", VALID,
                 raw_cell(s.SHEET_CARDS, progress, f'<c r="{progress}"><f>30*2</f><v>60</v></c>'),
                 why="추진율 is read as the saved 60"),
        Mutation("shared-formula-cached-연차별계획", VALID, shared,
                 why="shared formulas are read as their saved values (10, 40)"),
        Mutation(f"formula-cached-boolean-{s.SHEET_CARDS}!{area}", VALID,
                 raw_cell(s.SHEET_CARDS, area, f'<c r="{area}" t="b"><f>TRUE()</f><v>1</v></c>'),
                 why="분야 is free text; a saved TRUE is text there"),
        Mutation(f"formula-cached-error-{s.SHEET_CARDS}!{progress}", ERROR,
                 raw_cell(s.SHEET_CARDS, progress, f'<c r="{progress}" t="e"><f>1/0</f><v>#DIV/0!</v></c>'),
                 f"{s.SHEET_CARDS}!{progress}"),
    ]
    title = f"{sample.letter(s.SHEET_CARDS, s.COL_TITLE)}2"
    for error in ("#N/A", "#REF!", "#DIV/0!"):
        for ref in (title, progress):
            found.append(Mutation(f"error-value-{ref}={error}", ERROR,
                                  raw_cell(s.SHEET_CARDS, ref, f'<c r="{ref}" t="e"><v>{error}</v></c>'),
                                  f"{s.SHEET_CARDS}!{ref}"))
    return found + office_column_mutations(sample)


# ── columns reportgen does not read ───────────────────────────────────────
def _office_column(sample: Sample, sheet: str) -> tuple[int, str]:
    """The column an office adds right of ``sheet``'s table (headed 비고): index and letter."""
    index = len(sample.headers[sheet]) + 1
    return index, get_column_letter(index)


def _in_office_column(sample: Sample, sheet: str, cell_xml: str) -> Make:
    """``sheet`` with a 비고 column whose row 2 is ``cell_xml`` (``{ref}`` in it is the cell)."""
    index, letter = _office_column(sample, sheet)
    ref = f"{letter}2"
    return _then(with_openpyxl(_set_header(sheet, index, "비고")), raw_cell(sheet, ref, cell_xml.format(ref=ref)))


def _merged_office_column(sample: Sample, sheet: str) -> Change:
    index, letter = _office_column(sample, sheet)

    def change(book: openpyxl.Workbook) -> None:
        ws = book[sheet]
        ws.cell(row=1, column=index).value = "비고"
        ws.cell(row=2, column=index).value = "같은 메모"
        ws.merge_cells(f"{letter}2:{letter}{sample.last_rows[sheet]}")

    return change


def office_column_mutations(sample: Sample) -> list[Mutation]:
    """What reportgen cannot use, in a column it does not read: ignored (docs: "Read columns")."""
    s = contract
    cards, done = s.SHEET_CARDS, s.SHEET_ACHIEVEMENTS
    unread = "a column reportgen does not read is ignored whatever it holds"
    return [
        Mutation("error-value-in-office-column", VALID,
                 _in_office_column(sample, cards, '<c r="{ref}" t="e"><v>#N/A</v></c>'), why=unread),
        Mutation("formula-without-value-in-office-column", VALID,
                 _in_office_column(sample, cards, '<c r="{ref}"><f>VLOOKUP(A2,Sheet9!A:B,2,0)</f></c>'), why=unread),
        Mutation("error-formula-in-office-column", VALID,
                 _in_office_column(sample, done, '<c r="{ref}" t="e"><f>1/0</f><v>#DIV/0!</v></c>'), why=unread),
        Mutation("40000-chars-in-office-column", VALID, _in_office_column(sample, done, inline("{ref}", "가" * 40_000)),
                 why=unread),
        Mutation("merged-office-column", VALID, with_openpyxl(_merged_office_column(sample, done)), why=unread),
        Mutation("formula-without-value-설정!C2", VALID, set_cell(s.SHEET_SETTINGS, "C2", "=1+1"),
                 why="설정 column C is free notes, not read"),
        Mutation("error-value-right-of-table", VALID,
                 raw_cell(cards, "Z2", '<c r="Z2" t="e"><v>#REF!</v></c>'),
                 why="a cell right of the table, without a header, is not read"),
    ]


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


# ── names folded, hidden rows, characters no file can hold ────────────────
def _nfd_sheet_names(book: openpyxl.Workbook) -> None:
    for ws in book.worksheets:
        ws.title = _nfd(ws.title)


def _nfd_headers_and_keys(book: openpyxl.Workbook) -> None:
    """Every header of every table, and the 설정 keys in column A, decomposed as macOS saves them."""
    for sheet in TABULAR:
        for cell in book[sheet][1]:
            if isinstance(cell.value, str):
                cell.value = _nfd(cell.value)
    for (cell,) in book[contract.SHEET_SETTINGS].iter_rows(max_col=1):
        if isinstance(cell.value, str):
            cell.value = _nfd(cell.value)


def _renumbered_details(new_id: str) -> Change:
    """The sample's 관리번호 replaced by ``new_id`` on the detail sheets (공약목록 keeps 3-1)."""

    def change(book: openpyxl.Workbook) -> None:
        for sheet in TABULAR[1:]:
            for (cell,) in book[sheet].iter_rows(min_row=2, max_col=1):
                if cell.value == "3-1":
                    cell.value = new_id

    return change


HIDDEN_ROWS = (5, 9)  # 추진실적 rows hidden: 5 by hand, 9 in a collapsed group


def _hidden_rows(book: openpyxl.Workbook) -> None:
    ws = book[contract.SHEET_ACHIEVEMENTS]
    ws.row_dimensions[HIDDEN_ROWS[0]].hidden = True
    ws.row_dimensions.group(HIDDEN_ROWS[1], HIDDEN_ROWS[1], outline_level=1, hidden=True)


def reader_rule_mutations(sample: Sample) -> list[Mutation]:
    """Names folded (NFKC, invisible characters), odd characters named, hidden rows read with a notice,
    characters no file can hold dropped with a notice (docs/master-workbook.md)."""
    s = contract
    cards, done, bullets = s.SHEET_CARDS, s.SHEET_ACHIEVEMENTS, s.SHEET_BULLETS
    status = f"{sample.letter(cards, s.COL_STATUS)}2"
    done_text = sample.letter(done, s.COL_TEXT)
    text = f"{sample.letter(bullets, s.COL_TEXT)}2"
    rows = ", ".join(str(n) for n in HIDDEN_ROWS)
    return [
        Mutation("nfd-sheet-names", VALID, with_openpyxl(_nfd_sheet_names),
                 why="sheet names are folded: decomposed Hangul (macOS) is composed"),
        Mutation("nfd-headers-and-keys", VALID, with_openpyxl(_nfd_headers_and_keys),
                 why="header names and 설정 keys are folded: decomposed Hangul (macOS) is composed"),
        Mutation("fullwidth-관리번호-공약목록", VALID, set_cell(cards, "A2", "３-１"),
                 why="관리번호 is folded (NFKC): ３-１ is 3-1, the id the detail rows name"),
        Mutation("fullwidth-관리번호-details", VALID, with_openpyxl(_renumbered_details("３－１")),
                 why="관리번호 is folded (NFKC): ３－１ (full-width hyphen too) is 3-1, the id of 공약목록"),
        Mutation("zero-width-space-in-추진상황", VALID, set_cell(cards, status, "추진\u200b 중"),
                 why="a status is folded: the zero-width space is removed, 추진 중 is in 상태 목록"),
        Mutation("nbsp-and-bom-in-관리번호", VALID, set_cell(done, "A2", "\ufeff3-1\u00a0"),
                 why="관리번호 is folded: BOM removed, a no-break space is a space, surrounding spaces trimmed"),
        Mutation("en-dash-in-관리번호-추진실적", ERROR, set_cell(done, "A2", "3\u20131"), f"{done}!A2",
                 says=("U+2013 (EN DASH)",)),
        Mutation("minus-sign-in-관리번호-내용", ERROR, set_cell(bullets, "A2", "3\u22121"), f"{bullets}!A2",
                 says=("U+2212 (MINUS SIGN)",)),
        Mutation("hidden-rows-추진실적", VALID, with_openpyxl(_hidden_rows),
                 why="hidden rows (by hand or in a collapsed group) are read like any other row",
                 says=(f"{len(HIDDEN_ROWS)} hidden rows of {done} (rows {rows}) were read like the others",
                       f"{done} 시트의 숨긴 행 {len(HIDDEN_ROWS)}개({rows}행)도 읽었습니다")),
        Mutation("lone-surrogates-escaped", VALID,
                 raw_sheets({bullets: {text: inline(text, "앞_xD800_가_xFFFF_뒤")},
                             done: {f"{done_text}2": inline(f"{done_text}2", "실적_xDC00_")}}),
                 why="what no file can hold (a lone surrogate, U+FFFF) is dropped with a notice",
                 says=("U+D800", "U+FFFF", f"{bullets} ({text})", "U+DC00", f"{done} ({done_text}2)")),
        Mutation("surrogate-pair-escaped", VALID, raw_cell(bullets, text, inline(text, "웃음 _xD83D__xDE00_")),
                 why="two escapes of a surrogate pair are the one character they encode"),
    ]


# ── all of them ───────────────────────────────────────────────────────────
def mutations(sample_data: bytes) -> list[Mutation]:
    """Every mutation of the sample, in a fixed order."""
    sample = Sample.of(sample_data)
    found = (file_mutations() + sheet_mutations() + column_mutations(sample) + merge_mutations(sample)
             + value_mutations(sample) + row_mutations(sample) + formula_mutations(sample) + text_mutations(sample)
             + reader_rule_mutations(sample))
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
