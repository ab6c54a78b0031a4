"""What a file given as the master workbook is when it is no xlsx, judged by its content
(not its name): old Excel, an encrypted workbook, .xlsb, OpenDocument, CSV or text, HTML,
PDF, Word, PowerPoint, Hangul, a card's text, a plain zip; each with the fix a user can do.
"""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

from reportgen.errors import InputError, Problem

XLSX_HINT_KO = "Excel에서 열어 'Excel 통합 문서(*.xlsx)'로 다시 저장하세요 (암호는 해제)"
XLSX_HINT_EN = "open it in Excel and save it as 'Excel Workbook (*.xlsx)' without a password"

SNIFF_BYTES = 64 * 1024
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SAVE_AS_XLSX = (
    "Excel에서 열어 '다른 이름으로 저장 → Excel 통합 문서(*.xlsx)'로 저장하세요"
    " (LibreOffice Calc: 다른 이름으로 저장 → Excel 2007-365 (.xlsx))",
    "open it in Excel and save it as 'Excel Workbook (*.xlsx)'"
    " (LibreOffice Calc: Save As → Excel 2007-365 (.xlsx))",
)
_REMOVE_PASSWORD = (
    "Excel에서 암호를 넣어 연 뒤 '파일 → 정보 → 통합 문서 보호 → 암호 설정'에서 암호를 지우고 저장하세요",
    "open it in Excel with its password, clear the password (File → Info → Protect Workbook →"
    " Encrypt with Password) and save it",
)
_IMPORT_CARD = (
    "공약 관리카드 파일이면 'reportgen import 카드파일 -o 마스터.xlsx'로 마스터 워크북에 가져오세요",
    "if it is a pledge card, bring it into the master workbook with 'reportgen import CARD -o MASTER.xlsx'",
)
_GIVE_WORKBOOK = (
    "마스터 워크북(.xlsx)을 주세요 ('reportgen init'으로 빈 워크북을 만들 수 있습니다)",
    "give the master workbook (.xlsx); 'reportgen init' makes an empty one",
)
#: format → (Korean name, English name, fix)
_FORMATS: dict[str, tuple[str, str, tuple[str, str]]] = {
    "xls": ("Excel 97-2003 통합 문서(.xls)", "an Excel 97-2003 workbook (.xls)", _SAVE_AS_XLSX),
    "encrypted": ("암호가 걸린(암호화된) 통합 문서", "a password-protected (encrypted) workbook", _REMOVE_PASSWORD),
    "ole": ("예전 .xls 형식이거나 암호가 걸린 파일", "an old .xls file or a password-protected workbook",
            (XLSX_HINT_KO, XLSX_HINT_EN)),
    "xlsb": ("Excel 바이너리 통합 문서(.xlsb)", "an Excel binary workbook (.xlsb)", _SAVE_AS_XLSX),
    "ods": ("OpenDocument 스프레드시트(.ods)", "an OpenDocument spreadsheet (.ods)", _SAVE_AS_XLSX),
    "odf": ("OpenDocument 문서(.odt 등)", "an OpenDocument document (.odt or similar)", _GIVE_WORKBOOK),
    "csv": ("CSV 또는 텍스트 파일", "a CSV or text file", _SAVE_AS_XLSX),
    "html": ("웹 페이지(HTML) 또는 XML 파일", "a web page (HTML) or XML file", _SAVE_AS_XLSX),
    "xml2003": ("Excel 2003 XML 스프레드시트", "an Excel 2003 XML spreadsheet", _SAVE_AS_XLSX),
    "pdf": ("PDF 문서", "a PDF document", _GIVE_WORKBOOK),
    "docx": ("Word 문서(.docx)", "a Word document (.docx)", _IMPORT_CARD),
    "doc": ("Word 97-2003 문서(.doc)", "a Word 97-2003 document (.doc)", _IMPORT_CARD),
    "pptx": ("PowerPoint 프레젠테이션(.pptx)", "a PowerPoint presentation (.pptx)", _GIVE_WORKBOOK),
    "hwp": ("한글 문서(.hwp)", "a Hangul document (.hwp)", _IMPORT_CARD),
    "hwpx": ("한글 문서(.hwpx)", "a Hangul document (.hwpx)", _IMPORT_CARD),
    "card-text": ("공약 관리카드 텍스트 파일", "a pledge card text file", _IMPORT_CARD),
    "zip": ("통합 문서가 들어 있지 않은 zip 압축 파일", "a zip archive that is no workbook",
            ("압축을 풀어 안에 든 마스터 워크북(.xlsx)을 주세요", "unzip it and give the master workbook (.xlsx) inside")),
}


def foreign_format(path: Path, head: bytes) -> str | None:
    """The format of a file that is surely no xlsx (a key of :data:`_FORMATS`), None otherwise."""
    if head.startswith(_CFB_MAGIC):
        return _ole_format(path)
    if head.startswith(b"PK"):
        return _zip_format(path)
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"HWP Document File"):  # HWP 3.0
        return "hwp"
    return _text_format(head)


def _ole_format(path: Path) -> str:
    """An OLE compound file: old Excel, a password-protected Office file, HWP or old Word."""
    try:
        import olefile  # pyhwp's dependency; its logger is silent unless configured

        with olefile.OleFileIO(str(path)) as ole:
            names = {entry[0].lower() for entry in ole.listdir(streams=True, storages=True) if entry}
    except Exception:  # noqa: BLE001 - a damaged compound file: the general answer
        return "ole"
    if names & {"encryptioninfo", "encryptedpackage"}:
        return "encrypted"
    if names & {"workbook", "book"}:
        return "xls"
    if {"fileheader", "bodytext"} <= names:
        return "hwp"
    if "worddocument" in names:
        return "doc"
    return "ole"


def _zip_format(path: Path) -> str | None:
    """A zip that is another kind of document (None: maybe a workbook, read on)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            small = "mimetype" in names and archive.getinfo("mimetype").file_size <= 200
            mimetype = archive.read("mimetype").strip() if small else b""
    except Exception:  # noqa: BLE001 - a damaged zip is reported by the general checks
        return None
    if "xl/workbook.xml" in names:
        return None
    if "xl/workbook.bin" in names:
        return "xlsb"
    if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
        return "ods"
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        return "odf"
    if mimetype.startswith(b"application/hwp+zip") or "Contents/content.hpf" in names:
        return "hwpx"
    if "word/document.xml" in names:
        return "docx"
    if "ppt/presentation.xml" in names:
        return "pptx"
    return None if "[Content_Types].xml" in names else "zip"  # no Office package at all


def _text_format(head: bytes) -> str | None:
    """A text file: CSV or plain text, HTML/XML, a card's text (None: not text)."""
    text = _decoded(head)
    if text is None:
        return None
    start = text.lstrip("\ufeff \t\r\n")[:4096]
    if start.startswith("<"):
        if "urn:schemas-microsoft-com:office:spreadsheet" in start:
            return "xml2003"
        if "application/vnd.oasis.opendocument.spreadsheet" in start:
            return "ods"  # a flat OpenDocument spreadsheet (.fods)
        return "html"
    return "card-text" if "【" in text else "csv"


def _decoded(head: bytes) -> str | None:
    """The first bytes as text (UTF-16 with a BOM, UTF-8, or CP949 as Korean Excel saves CSV)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    elif b"\0" in head:
        return None
    else:
        encodings = ("utf-8-sig", "cp949")
    for encoding in encodings:
        try:
            text = codecs.getincrementaldecoder(encoding)().decode(head)  # a character cut at the end is fine
        except UnicodeDecodeError:
            continue
        if not any(char < " " and char not in "\t\r\n\f" for char in text):
            return text
    return None



def foreign_problem(path: Path, kind: str) -> InputError:
    ko, en, (fix_ko, fix_en) = _FORMATS[kind]
    return InputError(Problem(
        str(path), "",
        f"xlsx 통합 문서가 아니라 {ko}입니다 (파일 이름이 아니라 내용으로 판단했습니다)",
        f"this is not an xlsx workbook but {en} (judged by its content, not its name), so it cannot be read",
        fix_ko, fix_en))
