"""Which reader reads a file and which writer makes a format (imported lazily).

The CLI and batch layers look formats up here, so that readers and writers
stay unaware of each other and of the CLI.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reportgen.document import Document
from reportgen.documents import card_document
from reportgen.errors import InputError, Problem
from reportgen.model import Card, Workbook
from reportgen.resources import WriterOptions
from reportgen.safeguard import input_file, is_folder, read_error

if TYPE_CHECKING:
    from reportgen.readers.workbook import Validated


@dataclass(frozen=True)
class Writer:
    """A format: its file suffix and the writer module that renders a document.

    A writer module has ``render_document(doc, options=None) -> bytes | str``; a card reaches it
    as :func:`reportgen.documents.card_document`.
    """

    name: str
    suffix: str
    module: str
    card: bool = True  # a card format (``--format``, the package's cards); False: reports only

    def load(self) -> Callable[..., bytes | str]:
        """The module's ``render_document`` (raises ImportError when the format is not installed)."""
        return importlib.import_module(self.module).render_document

    def render_document(self, doc: Document, options: WriterOptions | None = None) -> bytes:
        """Any document (a card, the 총괄표, 변동사항, the council package) as this format's bytes."""
        return _as_bytes(self.load()(doc, options))

    def render(self, card: Card, options: WriterOptions | None = None) -> bytes:
        """The standard pledge card as this format's bytes."""
        return self.render_document(card_document(card), options)


def _as_bytes(out: bytes | str) -> bytes:
    return out.encode("utf-8") if isinstance(out, str) else out


#: every writer; a new format is one line here (``card=False``: a data format, for reports only)
FORMATS = {
    "txt": Writer("txt", ".txt", "reportgen.writers.text"),
    "docx": Writer("docx", ".docx", "reportgen.writers.docx"),
    "xlsx": Writer("xlsx", ".xlsx", "reportgen.writers.xlsx"),
    "hwpx": Writer("hwpx", ".hwpx", "reportgen.writers.hwpx"),
    "hwp": Writer("hwp", ".hwp", "reportgen.writers.hwp"),
    "html": Writer("html", ".html", "reportgen.writers.html"),
    "pdf": Writer("pdf", ".pdf", "reportgen.writers.pdf"),
    "csv": Writer("csv", ".csv", "reportgen.writers.csv", card=False),
    "json": Writer("json", ".json", "reportgen.writers.json", card=False),
}
#: the card formats (``--format``, ``all``, the package's and the web's cards): a card is no table
#: of data, so CSV and JSON are not among them
WRITERS = {name: writer for name, writer in FORMATS.items() if writer.card}
#: formats ``--format all`` leaves out: PDF needs LibreOffice and takes a second a card
ON_REQUEST = frozenset({"pdf"})
#: formats of the reports (총괄표, 변동사항, open data), by the output file's suffix
REPORT_FORMATS = {writer.suffix: writer for writer in FORMATS.values() if writer.name != "hwp"}

#: the --format name that means every format
ALL = "all"

#: the master workbook's reader (``path -> Workbook``)
WORKBOOK_READER = "reportgen.readers.workbook:read_workbook"


WORKBOOK_VALIDATOR = "reportgen.readers.workbook:validate_workbook"


def _named(target: str) -> Callable[[Path], object]:
    """The function ``module:function`` names, its module imported when first asked."""
    module, function = target.split(":")
    return getattr(importlib.import_module(module), function)


def read_workbook(path: Path) -> Workbook:
    """Read and validate a master workbook with :data:`WORKBOOK_READER` (InputError listing every problem)."""
    return _named(WORKBOOK_READER)(path)


def validate_workbook(path: Path) -> Validated:
    """Validate a master workbook as :func:`read_workbook` does without keeping its cards' contents
    (:data:`WORKBOOK_VALIDATOR`: settings, card count, notices; memory ~3 KB a card)."""
    return _named(WORKBOOK_VALIDATOR)(path)

READERS = {
    ".txt": "reportgen.readers.text:read_text",
    ".docx": "reportgen.readers.docx:read_docx",
    ".hwpx": "reportgen.readers.hwpx:read_hwpx",
    ".hwp": "reportgen.readers.hwp:read_hwp",
}


def available_writers() -> list[str]:
    """Formats whose writer can be imported on this installation."""
    names = []
    for name, writer in WRITERS.items():
        try:
            writer.load()
        except (ImportError, AttributeError):
            continue
        names.append(name)
    return names


def parse_formats(text: str) -> list[str]:
    """``txt,docx`` or ``all`` → format names, each once, in the order given.

    Names ignore case and surrounding spaces; ``all`` (alone or among others) means
    every format this installation can write. Unknown names are an input error.
    """
    names = list(dict.fromkeys(part.strip().lower() for part in text.split(",") if part.strip()))
    unknown = [name for name in names if name not in WRITERS and name != ALL]
    if unknown or not names:
        raise InputError(Problem(
            "--format", "", f"알 수 없는 형식: {', '.join(unknown) or '(없음)'}",
            f"unknown format: {', '.join(unknown) or '(none)'}",
            f"{', '.join(WRITERS)} 또는 {ALL} 중에서 고르세요", f"choose from {', '.join(WRITERS)} or {ALL}"))
    available = available_writers()
    if ALL in names:
        return [name for name in available if name not in ON_REQUEST or name in names]
    missing = [name for name in names if name not in available]
    if missing:
        raise InputError(Problem(
            "--format", "", f"이 설치에서 쓸 수 없는 형식: {', '.join(missing)}",
            f"format not available in this installation: {', '.join(missing)}",
            "다른 형식을 고르세요", "choose another format"))
    return names


def read_card(path: Path) -> Card:
    """Read a legacy card by its file suffix; a missing, folder or unreadable file is an input error."""
    if is_folder(path):
        input_file(path)  # a folder: says so, whatever its name
    target = READERS.get(path.suffix.lower())
    if target is None:
        raise InputError(Problem(
            str(path), "", f"읽을 수 없는 카드 형식: {path.suffix or '(확장자 없음)'}",
            f"cannot read cards of type {path.suffix or '(no suffix)'}",
            f"{', '.join(READERS)} 파일을 주세요", f"give a {', '.join(READERS)} file"))
    input_file(path)
    module, function = target.split(":")
    try:
        reader = getattr(importlib.import_module(module), function)
    except (ImportError, AttributeError) as exc:
        raise InputError(Problem(str(path), "", f"이 설치에서 {path.suffix} 카드를 읽을 수 없습니다",
                                 f"reading {path.suffix} cards is not available here ({exc})")) from exc
    try:
        return reader(path)
    except OSError as exc:
        raise read_error(path, exc) from None
