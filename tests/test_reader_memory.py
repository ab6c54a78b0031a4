"""Bounded memory: the four card readers on small crafted files that declare huge numbers.

Each file is at most 1 MB on disk but declares spans, addresses, counts or sizes
of millions to billions (``w:gridSpan w:val="400000000"``, ``colSpan``/``cellAddr``
of 10^8 and more, HWP table and array counts, OLE sector counts and stream
sizes, a 3 GB sparse text file). Each is read in a child process limited to
1 GiB of address space (``RLIMIT_AS``): the child must end with a card or an
:class:`~reportgen.errors.InputError` / :class:`~reportgen.errors.CardError`
and say which, never a MemoryError (not even one a reader caught and turned into
a message) and never be killed. Where the crafted numbers keep the cells in the
same order, the card must also come back unchanged: the grid is built from the
cells present, so what a file declares about spans and addresses costs nothing.

The reader's own peak memory (VmHWM of the child) must stay under 200 MB. Before
the fixes the DOCX spans, the HWPX paragraph margins and the text files ended in
MemoryError; the HWP gradation count, OLE sector counts and looping stream made
the reader allocate the whole gigabyte (it then reported "pyhwp: MemoryError"),
the 44 MB of paragraphs took 1 GB and the HWP indentation 259 MB.

The master-workbook reader (last test) holds the workbook it builds and little more: its sheets
are read one row at a time.
"""

from __future__ import annotations

import copy
import gc
import io
import re
import struct
import subprocess
import sys
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from reportgen import model as m
from reportgen.formats import read_card
from reportgen.readers.text import read_text

ROOT = Path(__file__).resolve().parents[1]
CARD_2403 = ROOT / "tests" / "fixtures" / "3-1_2024-03_from-docx.txt"
LIMIT = 1 << 30
MAX_FILE = 1 << 20
#: what reading any crafted file may take (a card takes some 40 MB; the reader's own peak, in the child)
PEAK_MB = 200
#: the child: read one card under RLIMIT_AS and print what became of it, with its peak memory
CHILD = f"""
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({LIMIT}, {LIMIT}))
from pathlib import Path
from reportgen.errors import CardError, InputError
from reportgen.formats import read_card
try:
    card = read_card(Path(sys.argv[1]))
    outcome = "card " + card.id + " " + card.title
except (InputError, CardError) as error:
    outcome = type(error).__name__ + " " + str(error).replace(chr(10), " ")
status = Path("/proc/self/status").read_text()
peak = int(status.split("VmHWM:")[1].split()[0]) // 1024  # this process's peak resident memory, MB
print(str(peak) + " " + outcome)
"""


def _card() -> m.Card:
    return read_text(CARD_2403)


def _read_in_child(path: Path) -> tuple[str, int, str]:
    """(card | InputError | CardError, peak MB, message) of reading ``path`` under a 1 GiB limit."""
    result = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True,
                            timeout=300, cwd=ROOT)
    assert result.returncode == 0, f"child ended with {result.returncode}: {result.stderr[-3000:]}"
    assert "MemoryError" not in result.stdout + result.stderr, result.stdout + result.stderr
    peak, outcome, message = (result.stdout.strip().split(" ", 2) + ["", ""])[:3]
    assert outcome in {"card", "InputError", "CardError"}, result.stdout
    return outcome, int(peak), message


# ── DOCX ──────────────────────────────────────────────────────────────────
def _rezip(data: bytes, member: str, change: Callable[[bytes], bytes]) -> bytes:
    """The zip with ``member`` changed (every member deflated)."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = [(info.filename, source.read(info)) for info in source.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in members:
            target.writestr(name, change(content) if name == member else content)
    return out.getvalue()


def _sub(pattern: bytes, replace: bytes | Callable[[re.Match[bytes]], bytes], data: bytes) -> bytes:
    changed, count = re.subn(pattern, replace, data)
    assert count, f"nothing to change: {pattern!r}"
    return changed


def _docx(change: Callable[[bytes], bytes]) -> bytes:
    from reportgen.writers.docx import render_docx

    return _rezip(render_docx(_card()), "word/document.xml", change)


def _before_body_end(rows: bytes) -> Callable[[bytes], bytes]:
    """A table of ``rows`` added at the end of the body."""
    return lambda xml: xml.replace(b"<w:sectPr", b"<w:tbl><w:tblGrid><w:gridCol/></w:tblGrid>" + rows + b"</w:tbl><w:sectPr", 1)


_CONTINUED = b'<w:tc><w:tcPr><w:gridSpan w:val="400000000"/><w:vMerge/></w:tcPr><w:p/></w:tc>'
#: crafted DOCX files: name → the change to word/document.xml
DOCX: dict[str, Callable[[bytes], bytes]] = {
    "gridSpan 400000000": lambda xml: _sub(rb'<w:gridSpan w:val="\d+"/>', b'<w:gridSpan w:val="400000000"/>', xml),
    "gridBefore and gridAfter 400000000 on every row": lambda xml: _sub(
        rb"<w:trPr>", b'<w:trPr><w:gridBefore w:val="400000000"/><w:gridAfter w:val="400000000"/>', xml),
    "vMerge chain of 20,000 rows spanning 400000000": _before_body_end(
        b'<w:tr><w:tc><w:tcPr><w:gridSpan w:val="400000000"/><w:vMerge w:val="restart"/></w:tcPr><w:p/></w:tc></w:tr>'
        + (b"<w:tr>" + _CONTINUED * 2 + b"</w:tr>") * 20_000),
    "5,000 rows each gridBefore 400000 more (a diagonal)": _before_body_end(b"".join(
        b'<w:tr><w:trPr><w:gridBefore w:val="%d"/></w:trPr><w:tc><w:p/></w:tc></w:tr>' % (i * 400_000)
        for i in range(5_000))),
    "44 MB of empty paragraphs": lambda xml: xml.replace(b"<w:body>", b"<w:body>" + b"<w:p/>" * 7_500_000, 1),
}
#: crafted DOCX cases whose card must come back unchanged
DOCX_EQUAL = {"gridSpan 400000000", "gridBefore and gridAfter 400000000 on every row",
              "vMerge chain of 20,000 rows spanning 400000000"}


# ── HWPX ──────────────────────────────────────────────────────────────────
def _hwpx(change: Callable[[bytes], bytes], member: str = "Contents/section0.xml") -> bytes:
    from reportgen.writers.hwpx import render_hwpx

    return _rezip(render_hwpx(_card()), member, change)


def _scaled(name: bytes, factor: int) -> Callable[[re.Match[bytes]], bytes]:
    return lambda found: b'%s="%d"' % (name, int(found[1]) * factor + 7)


#: crafted HWPX files: name → the change to Contents/section0.xml
HWPX: dict[str, Callable[[bytes], bytes]] = {
    "colSpan and rowSpan 900000000 on every cell": lambda xml: _sub(
        rb'colSpan="\d+" rowSpan="\d+"', b'colSpan="900000000" rowSpan="900000000"', xml),
    "cellAddr × 10^8 (and 10^12)": lambda xml: _sub(
        rb'rowAddr="(\d+)"', _scaled(b"rowAddr", 10**12), _sub(rb'colAddr="(\d+)"', _scaled(b"colAddr", 10**8), xml)),
    "no cellAddr, colSpan and rowSpan 900000000": lambda xml: _sub(rb'colSpan="\d+" rowSpan="\d+"',
        b'colSpan="900000000" rowSpan="900000000"', _sub(rb"<hp:cellAddr [^>]*/>", b"", xml)),
    "44 MB of empty paragraphs": lambda xml: _sub(
        rb"(<hs:sec[^>]*>)", lambda found: found[1] + b"<hp:p/>" * 7_000_000, xml),
}
#: crafted header.xml: every paragraph shape indented by 9×10^11 HWPUNIT (one leading space per 1000)
HWPX_HEADER = {"paragraph margins of 9×10^11 HWPUNIT": lambda xml: _sub(
    rb'<hc:left value="\d+"', b'<hc:left value="900000000000"', xml)}
HWPX_EQUAL = {"colSpan and rowSpan 900000000 on every cell", "cellAddr × 10^8 (and 10^12)",
              "paragraph margins of 9×10^11 HWPUNIT"}


# ── HWP ───────────────────────────────────────────────────────────────────
def _hwp_streams() -> list[tuple[str, bytes]]:
    from reportgen.writers.hwp import card_streams, template_streams
    from reportgen.writers.hwpx import load_template

    style = load_template()
    return card_streams(_card(), style, template_streams(style))


def _hwp_records(change: Callable[[list], None]) -> bytes:
    """The card's .hwp with its BodyText records changed in place (python-hwpx's record helpers)."""
    from hwpx.hwp5 import records as rec
    from hwpx.hwp5.cfb import build_compound_file

    streams = _hwp_streams()
    body = dict(streams)["BodyText/Section0"]
    stream = rec.parse_records(rec.inflate(body, "BodyText/Section0"), "BodyText/Section0")
    change(stream.roots)
    data = rec.deflate(rec.serialize_records(rec.flatten(stream.roots)))
    return build_compound_file([(name, data if name == "BodyText/Section0" else content) for name, content in streams])


def _hwp_docinfo(change: Callable[[list], None]) -> bytes:
    """The card's .hwp with its DocInfo records changed in place."""
    from hwpx.hwp5 import records as rec
    from hwpx.hwp5.cfb import build_compound_file

    streams = _hwp_streams()
    stream = rec.parse_records(rec.inflate(dict(streams)["DocInfo"], "DocInfo"), "DocInfo")
    change(stream.roots)
    data = rec.deflate(rec.serialize_records(rec.flatten(stream.roots)))
    return build_compound_file([(name, data if name == "DocInfo" else content) for name, content in streams])


def _each(tag: int, change: Callable[[bytearray], None]) -> Callable[[list], None]:
    """Change the payload of every record with ``tag``."""
    from hwpx.hwp5 import records as rec

    def run(roots: list) -> None:
        found = [record for record in rec.flatten(roots) if record.tag == tag]
        assert found
        for record in found:
            payload = bytearray(record.payload)
            change(payload)
            record.payload = bytes(payload)

    return run


#: a TableCell's LIST_HEADER: col, row, colspan, rowspan (UINT16 each) at byte 8
_CELL_PLACE = struct.Struct("<HHHH")


def _cell_spans(payload: bytearray) -> None:
    col, row, _cols, _rows = _CELL_PLACE.unpack_from(payload, 8)
    _CELL_PLACE.pack_into(payload, 8, col, row, 0xFFFF, 0xFFFF)


def _cell_addresses(payload: bytearray) -> None:
    col, row, cols, rows = _CELL_PLACE.unpack_from(payload, 8)
    _CELL_PLACE.pack_into(payload, 8, col * 9000 + 1, row * 9000 + 1, cols, rows)


def _gradation_of_four_billion_colours(roots: list) -> None:
    """A rectangle whose gradation fill declares 4,294,967,295 colours (pyhwp's FillGradation, UINT32 count)."""
    from hwpx.hwp5 import records as rec

    shape = b"cer$" + struct.pack("<iiHHiiiiIHiiH", 0, 0, 0, 0, 100, 100, 100, 100, 0, 0, 0, 0, 0)
    shape += struct.pack("<6d", 1, 0, 0, 0, 1, 0) + struct.pack("<iiI", 0, 0, 0)  # matrix, border line
    fill = struct.pack("<HHB", 0x0400, 0, 0) + struct.pack("<BIiiI", 1, 0, 0, 0, 0)  # gradation flag, shape
    roots[0].children.append(rec.Record(rec.SHAPE_COMPONENT, roots[0].level + 1,
                                        shape + fill + struct.pack("<I", 0xFFFFFFFF) + bytes(16)))


def _with_ole_fat_loop(data: bytes) -> bytes:
    """OLE header declaring 2^31 FAT sectors through a DIFAT sector that points to itself."""
    out = bytearray(data)
    sector = len(out) // 512 - 2  # some sector of the file (its content does not matter to the header)
    fat_sector = struct.unpack_from("<I", out, 76)[0]
    count = 0x7FFFFFFF
    struct.pack_into("<I", out, 44, count)
    struct.pack_into("<II", out, 68, sector, (count - 109 + 126) // 127)
    struct.pack_into("<128I", out, (sector + 1) * 512, *([fat_sector] * 127 + [sector]))
    return bytes(out)


def _with_looping_stream(data: bytes) -> bytes:
    """BodyText/Section0 declared at 4,026,531,840 bytes, its sector chain looping on sector 0."""
    import olefile

    out = bytearray(data)
    with olefile.OleFileIO(data) as ole:
        sid = ole._find("BodyText/Section0")
        chain, sector = [], struct.unpack_from("<I", data, 48)[0]
        while sector < len(ole.fat) and len(chain) <= sid // 4:
            chain.append(sector)
            sector = ole.fat[sector]
        fat_sector = struct.unpack_from("<I", data, 76)[0]
    entry = (chain[sid // 4] + 1) * 512 + (sid % 4) * 128
    struct.pack_into("<III", out, entry + 116, 0, 0xF0000000, 0)
    struct.pack_into("<I", out, (fat_sector + 1) * 512, 0)
    return bytes(out)


def _hwp_cases() -> dict[str, bytes]:
    from hwpx.hwp5 import records as rec

    def huge_table(payload: bytearray) -> None:
        struct.pack_into("<HH", payload, 4, 0xFFFF, 0xFFFF)

    plain = _hwp_records(lambda roots: None)
    indented = _hwp_docinfo(_each(rec.PARA_SHAPE, lambda payload: struct.pack_into(
        "<ii", payload, 4, 0x7FFFFFFF, 0x7FFFFFFF)))
    return {
        "table rows and cols 65535": _hwp_records(_each(rec.TABLE, huge_table)),
        "every cell spanning 65535 × 65535": _hwp_records(_each(rec.LIST_HEADER, _cell_spans)),
        "cell addresses × 9000": _hwp_records(_each(rec.LIST_HEADER, _cell_addresses)),
        "gradation of 4,294,967,295 colours": _hwp_records(_gradation_of_four_billion_colours),
        "OLE header: 2^31 FAT sectors (DIFAT loop)": _with_ole_fat_loop(plain),
        "OLE stream of 4 GB on a looping chain": _with_looping_stream(plain),
        "paragraph shapes indented by 2^31 HWPUNIT": indented,
    }


HWP_EQUAL = {"every cell spanning 65535 × 65535", "cell addresses × 9000", "paragraph shapes indented by 2^31 HWPUNIT"}


# ── the test ──────────────────────────────────────────────────────────────
def _text_cases(tmp_path: Path) -> dict[str, Path]:
    sparse = tmp_path / "sparse.txt"
    with sparse.open("wb") as handle:
        handle.truncate(3 << 30)
    lines = tmp_path / "lines.txt"
    lines.write_bytes(b"a\n" * (10 * 1024 * 1024 - 64))
    return {"sparse 3 GB": sparse, "20 MB of 10 million lines": lines}


def _cases(tmp_path: Path) -> list[tuple[str, Path, bool]]:
    """(name, file, whether the card must come back unchanged) of every crafted file."""
    cases = [(f".txt {name}", path, False) for name, path in _text_cases(tmp_path).items()]
    made = {".docx": {name: _docx(change) for name, change in DOCX.items()},
            ".hwpx": {**{name: _hwpx(change) for name, change in HWPX.items()},
                      **{name: _hwpx(change, "Contents/header.xml") for name, change in HWPX_HEADER.items()}},
            ".hwp": _hwp_cases()}
    for suffix, equal in ((".docx", DOCX_EQUAL), (".hwpx", HWPX_EQUAL), (".hwp", HWP_EQUAL)):
        for index, (name, data) in enumerate(made[suffix].items()):
            path = tmp_path / f"crafted{index}{suffix}"
            path.write_bytes(data)
            assert path.stat().st_size <= MAX_FILE, (name, path.stat().st_size)
            cases.append((f"{suffix} {name}", path, name in equal))
    return cases


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS and sparse files as on Linux")
def test_crafted_files_end_in_a_card_or_a_clean_error_within_1_gib(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    card = _card()
    report = []
    for name, path, equal in _cases(tmp_path):
        outcome, peak, message = _read_in_child(path)
        if equal:
            assert outcome == "card", (name, message)
            assert read_card(path) == card, name
        report.append(f"  {name}: {outcome}{' (unchanged)' if equal else ''}, peak {peak} MB"
                      + ("" if outcome == "card" else f" — {message.split(': ', 1)[-1][:90]}"))
        assert peak < PEAK_MB, (name, peak)
    with capsys.disabled():
        print("\ncrafted files under a 1 GiB limit:\n" + "\n".join(report))
    assert len(report) == 2 + len(DOCX) + len(HWPX) + len(HWPX_HEADER) + 7


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS and sparse files as on Linux")
def test_a_sparse_text_file_is_refused_by_its_size_before_reading(tmp_path: Path) -> None:
    """The size is checked (stat) before reading: a 3 GB sparse file is refused with a few MB of memory."""
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(3 << 30)
    outcome, peak, message = _read_in_child(path)
    assert outcome == "InputError" and "20 MB" in message
    assert peak < 200


# ── the master workbook: the workbook being built and one row ──────────────
#: cards of the memory test: each the reference card (3-1_2024-12_from-hwp.txt) under its own id
#: and title; 30 추진실적 lines, 14 bullets, plan rows: some 100 rows over the sheets
BOOK_CARDS = 150


def _reference_book(count: int) -> m.Workbook:
    base = read_text(ROOT / "tests" / "fixtures" / "3-1_2024-12_from-hwp.txt")
    cards = []
    for number in range(1, count + 1):
        card = copy.deepcopy(base)
        card.id, card.title = f"3-{number}", f"{base.title} {number}"
        cards.append(card)
    return m.Workbook(m.Settings(term_start=2022, term_end=2026), cards)



def _traced_read(read: Callable[[Path], object], tmp_path: Path) -> tuple[object, int, int, int]:
    """``read`` of a workbook of BOOK_CARDS reference cards under tracemalloc: what it returned,
    and the traced bytes before, after (held) and at the peak."""
    from reportgen.writers.workbook import write_workbook

    path = tmp_path / "book.xlsx"
    path.write_bytes(write_workbook(_reference_book(BOOK_CARDS)))
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = read(path)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, before, held, peak

def test_the_workbook_reader_holds_the_workbook_being_built_and_one_row(tmp_path: Path) -> None:
    """read_workbook of 150 cards, traced by tracemalloc (Python objects; lxml's own buffers are
    not traced). Held after the read: the workbook, 68 model objects and 51 lists per card: with
    slots about 64 B an object and 90 B a list, some 9 KB a card; texts equal in every card are
    one object. Bound: 12 KB a card. At the read's peak, more than that: one row, the first rows
    of a sheet, the remembered texts (each card repeats the same ones here): bound 1 MB.
    Before (every sheet held whole as dicts, one text object per cell, a __dict__ per model
    object): 21 KB a card held, 5 MB more at the peak (36 KB a card, growing with the cards)."""
    from reportgen.readers.workbook import read_workbook

    book, before, held, peak = _traced_read(read_workbook, tmp_path)
    assert len(book.cards) == BOOK_CARDS
    per_card = (held - before) / BOOK_CARDS
    assert per_card < 12 * 1024, f"{per_card / 1024:.1f} KB a card held"
    assert peak - held < 1 << 20, f"{(peak - held) / 2**20:.1f} MB at the peak beyond what is held"


def test_validating_the_workbook_holds_the_cards_ids_and_headers(tmp_path: Path) -> None:
    """validate_workbook of the same 150 cards, at its peak: each card's id, header and empty
    lists (7 objects and 12 lists or dicts, some 1.5 KB) and one detail sheet's lines while it
    is read (14 bullets of 72 B; the 추진실적 groups with their last entry), plus what any read
    remembers (texts, folded labels): bound 6 KB a card. read_workbook peaks at some 9 KB."""
    from reportgen.readers.workbook import validate_workbook

    checked, before, _, peak = _traced_read(validate_workbook, tmp_path)
    assert checked.cards == BOOK_CARDS
    per_card = (peak - before) / BOOK_CARDS
    assert per_card < 6 * 1024, f"{per_card / 1024:.1f} KB a card at the peak"
