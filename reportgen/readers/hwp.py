"""HWP reader: a legacy pledge card saved by Hangul as binary HWP 5.0 (``.hwp``).

pyhwp (package ``hwp5``) decodes the file, distribution (배포용) documents
included, into its XML model. We walk that model in document order and turn
it into lines of the standard text card — one line per paragraph (led by
one space per 10 pt of indentation, so that sub-lines stay sub-lines), one
TAB-joined line per table row (a cell spanning n columns leaves n-1 empty
cells after it, a cell covered by a row span is empty, the paragraphs of a
cell are joined by a space), except that a one-cell table is a framed note
whose paragraphs are lines of their own — and let
:func:`reportgen.readers.text.parse_lines` build the card.
"""

from __future__ import annotations

import logging
import struct
import warnings
import zlib
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportgen.errors import InputError, Problem
from reportgen.model import Card
from reportgen.readers.text import GridError, indent_lead, parse_lines, table_lines

#: pyhwp logs decoding noise (and the password notice) on these loggers
_NOISY_LOGGERS = ("hwp5", "olefile")
#: the first bytes of an OLE2 compound file, which every HWP 5.0 file is
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_HWP3_MAGIC = b"HWP Document File"
#: model elements whose paragraphs are not body text (table captions)
_SKIPPED = frozenset({"TableCaption"})
#: inline control characters that become a space inside a line
_SPACE_CHARS = frozenset({"\t", "\n"})
_MAX_BYTES = 50 * 1024 * 1024
_PARA_MARGINS = struct.Struct("<iii")
#: limits that keep a crafted file from exhausting the stack or memory
MAX_DEPTH = 200
MAX_TABLE_CELLS = 100_000  # rows × columns in which cells start
#: model elements of one document (a card has some thousands): each costs some hundred bytes as a Node
MAX_NODES = 300_000
#: paragraph shapes a paragraph can refer to (its parashape_id is a UINT16)
MAX_PARA_SHAPES = 1 << 16
#: the model attributes the reader uses; the others (line segments, matrices …) are not kept
_KEPT_ATTRS = ("text", "char", "parashape_id", "row", "col")
#: CFB (OLE) header: sector size as a power of two, and the sector counts olefile loops over as declared
_CFB_SECTOR_SHIFT = 30
_CFB_COUNTS = {44: "FAT", 64: "MiniFAT", 72: "DIFAT"}
_CFB_HEADER_BYTES = 512
#: what the compressed streams may inflate to together (a card's body is some 20 kB): pyhwp inflates
#: a stream whole in memory, so a 3 MB deflate bomb would otherwise take gigabytes
MAX_INFLATED_BYTES = 64 * 1024 * 1024
_COMPRESSED_STORAGES = ("DocInfo", "BodyText")
#: records whose decoded models are remembered (:func:`_memo_parse_model`): paragraph header,
#: paragraph text, paragraph char shapes (it reads its parent's count), list header (cell, caption)
_CHAR_SHAPES_TAG = 0x44
_MEMO_TAGS = frozenset({0x42, 0x43, _CHAR_SHAPES_TAG, 0x48})
#: at most this many remembered records (then forgotten all at once), each of at most this many bytes
MAX_MEMO_RECORDS = 4096  # ~810 B each on generated cards (1,755 after 200 cards): ~3 MB; 1 KB payloads: ~8 MB
MAX_MEMO_PAYLOAD = 1024


class _Malformed(Exception):
    """The decoded document is shaped in a way no real card is (too deep, too large)."""


@dataclass
class Node:
    """One element of pyhwp's XML model: its model name, attributes and children."""

    name: str
    attrs: dict[str, Any]
    children: list[Node] = field(default_factory=list)


# ── errors ────────────────────────────────────────────────────────────────
def _error(path: Path, ko: str, en: str, fix_ko: str, fix_en: str) -> InputError:
    return InputError(Problem(str(path), "", ko, en, fix_ko, fix_en))


def _not_hwp_error(path: Path, head: bytes) -> InputError:
    """The error for a file that is no HWP 5.0 compound file, by what it looks like."""
    if head.startswith(_ZIP_MAGIC):
        return _error(path, "HWP 5.0(.hwp) 파일이 아니라 HWPX(zip) 파일로 보입니다",
                      "not an HWP 5.0 (.hwp) file: it looks like HWPX (zip)",
                      "확장자를 .hwpx로 바꾸어 가져오세요", "rename it to .hwpx and import that")
    if head.startswith(_HWP3_MAGIC):
        return _error(path, "한글 97 이전(HWP 3.0) 형식이라 읽을 수 없습니다",
                      "old HWP 3.0 format (Hangul 97 or earlier) is not supported",
                      "한글에서 열어 .hwp(5.0) 또는 .hwpx로 다시 저장하세요",
                      "open it in Hangul and save it again as .hwp (5.0) or .hwpx")
    return _error(path, "한글(.hwp) 파일이 아닙니다", "not a Hangul (.hwp) file",
                  "한글에서 저장한 .hwp 파일을 주세요", "give a .hwp file saved by Hangul")


def _not_hwp5_storage_error(path: Path) -> InputError:
    """An OLE compound file without the HWP 5.0 streams: another program's file, or a broken one."""
    return _error(path, "한글 5.0 문서가 아니거나 손상되었습니다 (.doc, .xls 같은 다른 프로그램의 파일일 수 있습니다)",
                  "not an HWP 5.0 document, or a damaged one (it may be another program's file such as .doc or .xls)",
                  "한글에서 저장한 .hwp 파일을 주세요", "give a .hwp file saved by Hangul")


def _damaged_error(path: Path, reason: object) -> InputError:
    return _error(path, f"파일이 손상되었거나 잘려 있습니다 ({reason})",
                  f"the file is damaged or truncated ({reason})",
                  "한글에서 열어 다시 저장하거나 원본 파일을 다시 받으세요",
                  "open it in Hangul and save it again, or get the original file again")


def _password_error(path: Path) -> InputError:
    return _error(path, "암호가 걸린 문서라 읽을 수 없습니다", "the document is password-protected",
                  "한글에서 열어 문서 암호를 해제하고 다시 저장하세요",
                  "open it in Hangul, remove the document password and save it again")


def _drm_error(path: Path) -> InputError:
    return _error(path, "DRM(문서 보안)이 걸린 문서라 읽을 수 없습니다", "the document is DRM-protected",
                  "보안을 해제한 사본을 저장해 주세요", "save a copy without DRM protection")


def _too_large_error(path: Path, stream: str) -> InputError:
    limit = MAX_INFLATED_BYTES // (1024 * 1024)
    return _error(path, f"압축을 푼 크기가 {limit} MB를 넘습니다 ({stream})",
                  f"the file inflates beyond {limit} MB ({stream})",
                  "공약 관리카드 한 장만 담은 파일을 주세요", "give a file holding one pledge card")


def _inflated_size(stream: Any, limit: int) -> int:
    """Bytes a raw-deflate stream inflates to, counted 1 MB at a time and only up to just past ``limit``."""
    inflater = zlib.decompressobj(-15)
    total, pending = 0, b""
    while total <= limit and not inflater.eof:
        pending = pending or stream.read(1 << 16)
        if not pending:
            break
        total += len(inflater.decompress(pending, 1 << 20))
        pending = inflater.unconsumed_tail
    return total


def _check_declared_sectors(path: Path, head: bytes, size: int) -> None:
    """The CFB header's FAT, MiniFAT and DIFAT sector counts must fit in the file.

    olefile loops over these counts as declared, reading the same sector again and
    again if a crafted header says so (4,294,967,295 FAT sectors from a 1 kB file).
    """
    if len(head) < _CFB_HEADER_BYTES:
        return  # truncated: olefile and pyhwp report it
    (shift,) = struct.unpack_from("<H", head, _CFB_SECTOR_SHIFT)
    if shift not in (9, 12):
        raise _damaged_error(path, f"OLE sector size 2^{shift}")
    sectors = size >> shift
    for offset, what in _CFB_COUNTS.items():
        (count,) = struct.unpack_from("<I", head, offset)
        if count > sectors:
            raise _damaged_error(path, f"{count} {what} sectors declared in a file of {sectors}")


def _check_streams(path: Path, ole: Any, size: int) -> None:
    """No stream may declare more bytes than the file holds: olefile reads a stream's
    declared size whole, following a looping sector chain as long as it takes."""
    for entry in ole.direntries:
        if entry is not None and entry.size > size:
            raise _damaged_error(path, f"stream {entry.name!r} declares {entry.size:,} bytes in a file of {size:,}")


def _check_inflated_sizes(path: Path) -> None:
    """Refuse streams declared larger than the file and deflate bombs before pyhwp reads them;
    anything else odd is left to pyhwp to report."""
    import olefile

    budget = MAX_INFLATED_BYTES
    try:
        with olefile.OleFileIO(str(path)) as ole:
            _check_streams(path, ole, path.stat().st_size)
            header = ole.openstream("FileHeader").read(40)
            if len(header) < 40 or not header[36] & 1:  # the 'compressed' flag
                return
            for entry in ole.listdir():
                if entry[0] not in _COMPRESSED_STORAGES:
                    continue
                try:
                    budget -= _inflated_size(ole.openstream(entry), budget)
                except zlib.error:
                    continue
                if budget < 0:
                    raise _too_large_error(path, "/".join(entry))
    except InputError:
        raise
    except Exception:  # noqa: BLE001 - a damaged container: pyhwp says so in its own words
        return


def _read_head(path: Path) -> bytes:
    """The first bytes of the file; a clear error when it cannot be read or is no HWP."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(_CFB_HEADER_BYTES)
    except OSError as exc:
        raise _error(path, f"파일을 읽을 수 없습니다 ({exc.strerror or exc})",
                     f"cannot read the file ({exc.strerror or exc})",
                     "파일 이름과 권한을 확인하세요", "check the file name and permissions") from None
    if size > _MAX_BYTES:
        raise _error(path, "파일이 너무 큽니다 (50 MB 초과)", "file larger than 50 MB",
                     "공약 관리카드 한 장만 담은 파일을 주세요", "give a file holding one pledge card")
    if not head.startswith(_OLE2_MAGIC):
        raise _not_hwp_error(path, head)
    _check_declared_sectors(path, head, size)
    return head


# ── pyhwp model → tree ────────────────────────────────────────────────────
def _silence_pyhwp() -> None:
    for name in _NOISY_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(logging.CRITICAL + 1)
        logger.propagate = False


def _bound_pyhwp_arrays() -> None:
    """Make pyhwp clip a variable-length array's declared count to the bytes left in its record.

    pyhwp lays out the events of every declared item before it reads one, so a
    record declaring 4,294,967,295 gradation colours (a UINT32 count) takes all
    memory. Every item takes at least one byte: more items than bytes left in the
    record cannot be there, and clipping the count changes no real document.
    """
    from hwp5 import bintype

    read = bintype.resolve_value_from_stream
    if getattr(read, "bounded", False):
        return

    def bounded(item: dict[str, Any], stream: Any) -> Any:
        value = read(item, stream)
        if item.get("dontcollect") and isinstance(value, int):  # the count of an N_ARRAY
            here = stream.tell()
            left = stream.seek(0, 2) - here
            stream.seek(here)
            value = max(0, min(value, left))
        return value

    bounded.bounded = True  # type: ignore[attr-defined]
    bintype.resolve_value_from_stream = bounded


def _memo_key(context: dict[str, Any], model: dict[str, Any]) -> tuple[Any, ...] | None:
    """What the parse of a paragraph header, text, char shapes or list header depends on:
    the record's bytes, the file version, the parent's type (a list header becomes a table cell
    or a caption by it), whether the parent table's body came yet, and for char shapes the
    parent paragraph's count of them. None for any other record, or one too large to keep."""
    payload = model.get("payload")
    if model.get("tagid") not in _MEMO_TAGS or not isinstance(payload, bytes) or len(payload) > MAX_MEMO_PAYLOAD:
        return None
    parent_context, parent_model = context.get("parent", ({}, {}))
    count = (parent_model.get("content") or {}).get("charshapes") if model["tagid"] == _CHAR_SHAPES_TAG else None
    return (model["tagid"], context.get("version"), parent_model.get("type"),
            parent_context.get("seen_table_body", False), count, payload)


def _memo_parse_model(parse: Callable[[dict[str, Any], dict[str, Any]], None]
                      ) -> Callable[[dict[str, Any], dict[str, Any]], None]:
    """pyhwp's ``parse_model`` remembering the models of the records a card repeats.

    pyhwp decodes every record through its generic struct reader (some 40 µs a
    paragraph header); the cards of one office share most of their headers, char
    shapes and cell headers, byte for byte. A record seen before, in the same
    context (:func:`_memo_key`), gets the model decoded then — the same type, a
    copy of its content's top level (pyhwp's later steps add and remove keys there,
    never inside the values), the stream left where that decoding left it — and
    the parent is told of it as pyhwp tells it. Records decoded with an error are
    never kept.
    """
    memo: dict[tuple[Any, ...], tuple[Any, Any, int]] = {}

    def parse_model(context: dict[str, Any], model: dict[str, Any]) -> None:
        key = _memo_key(context, model)
        known = memo.get(key) if key is not None else None
        if known is None:
            parse(context, model)
            if key is not None:
                if len(memo) >= MAX_MEMO_RECORDS:
                    memo.clear()
                memo[key] = (model["type"], dict(model["content"]), context["stream"].tell())
            return
        model["type"], content, offset = known
        model["content"] = dict(content)
        model["binevents"] = []
        context["stream"].seek(offset)
        _tell_parent(context, model)

    parse_model.memo = memo  # type: ignore[attr-defined]
    parse_model.original = parse  # type: ignore[attr-defined]
    return parse_model


def _tell_parent(context: dict[str, Any], model: dict[str, Any]) -> None:
    """What pyhwp's ``resolve_model_events`` does last: the parent's ``on_child`` hook."""
    parent_context, parent_model = context.get("parent", ({}, {}))
    on_child = getattr(parent_model.get("type"), "on_child", None)
    if on_child:
        on_child(parent_model.get("content"), parent_context, (context, model))


def _remember_pyhwp_models() -> None:
    """Install :func:`_memo_parse_model` in pyhwp once per process."""
    from hwp5 import binmodel

    if getattr(binmodel.parse_model, "memo", None) is None:
        binmodel.parse_model = _memo_parse_model(binmodel.parse_model)


def _tree(events: Iterator[tuple[Any, tuple[Any, dict[str, Any], Any]]]) -> Node:
    """Nest pyhwp's flat start/end model events into a :class:`Node` tree (the attributes the reader uses)."""
    from hwp5.treeop import ENDEVENT, STARTEVENT

    root = Node("Document", {})
    stack = [root]
    nodes = 0
    for event, (model, attrs, _context) in events:
        if event is STARTEVENT:
            node = Node(model.__name__, {key: attrs[key] for key in _KEPT_ATTRS if key in attrs})
            stack[-1].children.append(node)
            stack.append(node)
            nodes += 1
            if len(stack) > MAX_DEPTH:
                raise _Malformed(f"elements nested deeper than {MAX_DEPTH}")
            if nodes > MAX_NODES:
                raise _Malformed(f"more than {MAX_NODES:,} elements")
        elif event is ENDEVENT and len(stack) > 1:
            stack.pop()
    return root


def _paragraph_starts(records: Iterator[dict[str, Any]]) -> list[int]:
    """First-line start (left margin + first-line indent, HWPUNIT) of each paragraph shape.

    Read straight from the DocInfo PARA_SHAPE records (UINT32 flags, INT32
    left, right, indent; HWP 5.0 stores margins doubled) — pyhwp's full model
    of DocInfo would cost a third of the import time.
    """
    from hwp5.tagids import HWPTAG_PARA_SHAPE

    starts = []
    for record in records:
        if record["tagid"] == HWPTAG_PARA_SHAPE:
            payload = record["payload"]
            left, _right, indent = _PARA_MARGINS.unpack_from(payload, 4) if len(payload) >= 16 else (0, 0, 0)
            starts.append((left + indent) // 2)
            if len(starts) == MAX_PARA_SHAPES:  # no paragraph can refer to more
                break
    return starts


def _mark_leads(node: Node, starts: list[int]) -> None:
    """Give each paragraph the leading spaces its indentation stands for (one per 10 pt)."""
    for child in node.children:
        if child.name == "Paragraph":
            shape = int(child.attrs.get("parashape_id", -1))
            start = starts[shape] if 0 <= shape < len(starts) else 0
            child.attrs["lead"] = indent_lead(start)
        _mark_leads(child, starts)


def _body_tree(path: Path) -> Node:
    """The body (or the decoded 배포용 view text) of the file as a :class:`Node` tree.

    pyhwp cannot decrypt a password-protected body (it fails with a bare
    TypeError), so the FileHeader's password flag is checked first; a body
    that fails to decode is blamed on DRM when the header says DRM, else on damage.
    """
    _read_head(path)
    _silence_pyhwp()
    _check_inflated_sizes(path)
    _bound_pyhwp_arrays()
    _remember_pyhwp_models()
    from hwp5.errors import InvalidHwp5FileError
    from hwp5.xmlmodel import Hwp5File

    flags: Any = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with closing(Hwp5File(str(path))) as document:
                flags = document.header.flags
                if flags.password:
                    raise _password_error(path)
                starts = _paragraph_starts(document.docinfo.records())
                tree = _tree(document.text.events())
    except InputError:
        raise
    except Exception as exc:  # pyhwp raises anything (TypeError, ParseError, zlib.error …) on bad bytes
        if flags is not None and flags.drm:
            raise _drm_error(path) from None
        if flags is None and isinstance(exc, InvalidHwp5FileError):
            raise _not_hwp5_storage_error(path) from None
        reason = str(exc) if isinstance(exc, _Malformed) else f"pyhwp: {type(exc).__name__}"
        raise _damaged_error(path, reason) from None
    _mark_leads(tree, starts)
    return tree


# ── tree → lines ──────────────────────────────────────────────────────────
def _inline_text(node: Node) -> str:
    """The text of a paragraph's own runs, ignoring tables and shapes anchored in it."""
    if node.name == "Text":
        return str(node.attrs.get("text", ""))
    if node.name == "ControlChar":
        char = node.attrs.get("char", "")
        return " " if char in _SPACE_CHARS else ""
    if node.name in _BLOCKS or node.name in _SKIPPED:
        return ""
    return "".join(_inline_text(child) for child in node.children)


def _paragraphs(node: Node) -> Iterator[Node]:
    """The paragraphs directly under ``node`` (through non-paragraph wrappers)."""
    for child in node.children:
        if child.name == "Paragraph":
            yield child
        elif child.name not in _SKIPPED:
            yield from _paragraphs(child)


def _cell_text(cell: Node) -> str:
    """A table cell as one line: its paragraphs (and nested tables) joined by spaces."""
    parts = [" ".join(_paragraph_lines(paragraph)) for paragraph in _paragraphs(cell)]
    return " ".join(" ".join(part.split()) for part in parts if part.strip())


def _table_lines(table: Node) -> list[str]:
    """One TAB-joined line per row; merged-away cells are empty.

    The grid is made of the rows and columns where cells start
    (:func:`~reportgen.readers.text.table_lines`): the row and column counts and
    spans the file declares cost nothing.
    """
    cells = [(_int(cell.attrs.get("row")), _int(cell.attrs.get("col")), _cell_text(cell))
             for cell in _descendants(table, "TableCell")]
    rows, cols = len({cell[0] for cell in cells}), len({cell[1] for cell in cells})
    if rows * cols > MAX_TABLE_CELLS:
        raise _Malformed(f"a table of {rows} × {cols} cells")
    try:
        return table_lines(cells)
    except GridError as exc:
        raise _Malformed(f"a table's cells are misplaced: {exc}") from None


def _int(value: Any) -> int:
    """A cell address from the model (pyhwp gives ints; anything else counts as 0)."""
    return value if isinstance(value, int) else 0


def _descendants(node: Node, name: str) -> Iterator[Node]:
    """Nodes called ``name`` under ``node``, not looking inside a match or a nested table."""
    for child in node.children:
        if child.name == name:
            yield child
        elif child.name not in ("TableControl", *_SKIPPED):
            yield from _descendants(child, name)


def _is_box(table: Node) -> bool:
    """A one-cell table is a framed note (the 인허가 현황 box), not a row of data."""
    return len(list(_descendants(table, "TableCell"))) == 1


def _block_lines(node: Node) -> list[str]:
    """Lines of a table, or of a box (one-cell table, text box) anchored in a paragraph."""
    if node.name == "TableControl" and not _is_box(node):
        return _table_lines(node)
    holder = next(_descendants(node, "TableCell"), node)
    return [line for paragraph in _paragraphs(holder) for line in _paragraph_lines(paragraph)]


_BLOCKS = {"TableControl": _block_lines, "GShapeObjectControl": _block_lines}


def _anchored_blocks(node: Node) -> Iterator[Node]:
    """Tables and shapes anchored in a paragraph, in order."""
    for child in node.children:
        if child.name in _BLOCKS:
            yield child
        elif child.name not in _SKIPPED:
            yield from _anchored_blocks(child)


def _paragraph_lines(paragraph: Node) -> list[str]:
    """A paragraph's text line, then the lines of what is anchored in it.

    A paragraph that only anchors a table gives no line of its own.
    """
    text = _inline_text(paragraph)
    blocks = list(_anchored_blocks(paragraph))
    if text.strip():
        lines = [str(paragraph.attrs.get("lead", "")) + text]
    else:
        lines = [] if blocks else [""]
    for block in blocks:
        lines.extend(_BLOCKS[block.name](block))
    return lines


def hwp_lines(path: Path) -> list[str]:
    """The body of an .hwp file as standard text-card lines (paragraphs and TAB-joined rows)."""
    path = Path(path)
    tree = _body_tree(path)
    try:
        return [line for paragraph in _paragraphs(tree) for line in _paragraph_lines(paragraph)]
    except _Malformed as exc:
        raise _damaged_error(path, exc) from None


def read_hwp(path: Path) -> Card:
    """Read a pledge card saved as .hwp; :class:`InputError` for anything else."""
    return parse_lines(hwp_lines(Path(path)), source=str(path))
