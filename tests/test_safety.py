"""Nothing let in: safe XML parsing, zip bombs, output names, no formulas from user text.

* every XML parser the project builds resolves no entities and uses no network
  (checked on the source), and a DTD inside a .docx, .hwpx or .xlsx is refused:
  an XXE payload reads no file and fetches nothing, a billion-laughs payload
  does not expand (the reader's peak memory is checked in a child process);
* zip members are limited by their declared size, and a member that inflates
  beyond what it declares is cut there by zipfile and refused (CRC);
* output names from 관리번호/사업명 stay inside the output folder;
* XLSX outputs (card, workbook, 총괄표, 변동사항) hold no formula, whatever the text.
"""

from __future__ import annotations

import ast
import http.server
import io
import re
import struct
import subprocess
import sys
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest
from mutations.generate import rewrite_member as rewrite
from typer.testing import CliRunner

from reportgen import model as m
from reportgen.cli import app
from reportgen.errors import InputError
from reportgen.fileio import MAX_NAME_BYTES, card_filename, inside, safe_filename
from reportgen.formats import REPORT_FORMATS
from reportgen.readers.docx import read_docx
from reportgen.readers.hwpx import read_hwpx
from reportgen.readers.text import read_text
from reportgen.readers.workbook import read_workbook
from reportgen.writers.docx import render_docx
from reportgen.writers.hwpx import render_hwpx
from reportgen.writers.workbook import write_workbook
from reportgen.writers.xlsx import render_xlsx

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "reportgen"
CARD_2412 = Path(__file__).parent / "fixtures" / "3-1_2024-12_from-hwp.txt"
TITLE = "서부산스마트밸리 「낙동강 테크노밸리」 조성"


# ── the parsers in the source ─────────────────────────────────────────────
_XML_CALLS = {"fromstring", "XML", "parse", "iterparse", "XMLParser"}
_UNSAFE_MODULES = ("xml.etree", "xml.dom", "xml.sax", "xml.parsers", "lxml.objectify", "lxml.html")


def _sources() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def _module_dicts(tree: ast.Module) -> dict[str, dict[str, object]]:
    """Module-level ``NAME = {"key": constant, ...}`` literals (parser option dicts)."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                found[target.id] = {k.value: getattr(v, "value", None) for k, v in zip(node.value.keys, node.value.values,
                                                                                       strict=True)
                                    if isinstance(k, ast.Constant)}
    return found


def _options(call: ast.Call, dicts: dict[str, dict[str, object]]) -> dict[str, object]:
    """The keyword options of a call, ``**OPTIONS`` of a module-level dict included."""
    options: dict[str, object] = {}
    for keyword in call.keywords:
        if keyword.arg is None and isinstance(keyword.value, ast.Name):
            options.update(dicts.get(keyword.value.id, {}))
        elif keyword.arg is not None:
            options[keyword.arg] = getattr(keyword.value, "value", None)
    return options


def _xml_call_faults(path: Path, tree: ast.Module) -> list[str]:
    dicts, faults = _module_dicts(tree), []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner, name = node.func.value, node.func.attr
        if not (isinstance(owner, ast.Name) and owner.id == "etree" and name in _XML_CALLS):
            continue
        where = f"{path.relative_to(ROOT)}:{node.lineno} etree.{name}"
        if name in ("XMLParser", "iterparse"):
            options = _options(node, dicts)
            if options.get("resolve_entities") is not False or options.get("no_network") is not True:
                faults.append(f"{where} without resolve_entities=False, no_network=True")
        elif len(node.args) < 2 and not any(k.arg == "parser" for k in node.keywords):
            faults.append(f"{where} with lxml's default parser")
    return faults


def _import_faults(path: Path, tree: ast.Module) -> list[str]:
    faults = []
    for node in ast.walk(tree):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            if name.startswith(_UNSAFE_MODULES) and not name.startswith("xml.sax.saxutils"):
                faults.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {name}")
    return faults


def test_every_xml_parser_resolves_no_entities_and_uses_no_network() -> None:
    faults, calls = [], 0
    for path, tree in _sources():
        faults += _xml_call_faults(path, tree) + _import_faults(path, tree)
        calls += sum(isinstance(n, ast.Attribute) and n.attr in _XML_CALLS for n in ast.walk(tree))
    assert calls >= 8, "the scan found the project's parsers"
    assert not faults, "\n".join(faults)


def test_the_checker_catches_an_unsafe_parser() -> None:
    """The source check itself can fail."""
    tree = ast.parse("from lxml import etree\nimport xml.dom.minidom\n"
                     "etree.fromstring(b'<a/>')\netree.XMLParser(resolve_entities=True)\n")
    path = PACKAGE / "example.py"
    assert len(_xml_call_faults(path, tree)) == 2 and len(_import_faults(path, tree)) == 1


def test_the_csv_writer_is_the_only_csv_and_keeps_formulas_text() -> None:
    """SECURITY.md §5: one module writes CSV, and a text Excel would take for a formula gets a
    leading ``'`` there (a plain number in a figures table stays a number)."""
    users = [path.name for path, tree in _sources() for node in ast.walk(tree)
             if isinstance(node, ast.Import | ast.ImportFrom)
             and any(a.name == "csv" for a in node.names) | (getattr(node, "module", "") == "csv")]
    assert users == ["csv.py"]
    from reportgen.document import STYLE_FIGURES, Document, Row, Table, cell
    from reportgen.formats import REPORT_FORMATS

    texts = ["=HYPERLINK(\"x\")", "+1+2", "-3-4", "@SUM(1)", "\t=1", "＝1+1"]
    rows = (Row(tuple(cell(t) for t in texts)), Row(tuple(cell(t) for t in ["12", "-3", "6.5", "a", "b", "c"])))
    data = REPORT_FORMATS[".csv"].render_document(Document("t", (Table(rows, (100,) * 6, style=STYLE_FIGURES),)))
    # by hand: each formula-looking text gains a leading ' (the first is quoted for its quotes);
    # the plain numbers of the figures table stay numbers
    assert data.decode("utf-8-sig") == (
        "\"'=HYPERLINK(\"\"x\"\")\",'+1+2,'-3-4,'@SUM(1),'\t=1,'＝1+1\r\n"
        "12,-3,6.5,a,b,c\r\n")


# ── XXE and billion laughs inside the files ───────────────────────────────
def _card() -> m.Card:
    card = read_text(CARD_2412)
    card.id, card.title = "3-1", TITLE
    return card


def _workbook_bytes(card: m.Card) -> bytes:
    return write_workbook(m.Workbook(m.Settings(term_start=2022, term_end=2026), [card]))


#: format → (valid file, the member to poison, a text in it to replace with the entity)
def _carriers() -> dict[str, tuple[bytes, str, bytes]]:
    card = _card()
    return {
        ".docx": (render_docx(card), "word/document.xml", TITLE.encode()),
        ".hwpx": (render_hwpx(card), "Contents/section0.xml", TITLE.encode()),
        ".xlsx": (_workbook_bytes(card), "xl/worksheets/sheet2.xml", TITLE.encode()),
    }


CARRIERS = _carriers()
READERS: dict[str, Callable[[Path], object]] = {".docx": read_docx, ".hwpx": read_hwpx, ".xlsx": read_workbook}


def poisoned(suffix: str, doctype: str, reference: str) -> bytes:
    """The carrier with ``doctype`` after the XML declaration and ``reference`` in place of a text."""
    data, member, text = CARRIERS[suffix]

    def change(xml: bytes) -> bytes:
        assert text in xml, member
        head, rest = (xml.split(b"?>", 1) if xml.startswith(b"<?xml") else (b"", xml))
        head = head + b"?>" if head else b""
        return head + doctype.encode() + rest.replace(text, reference.encode(), 1)

    return rewrite(data, member, change)


def billion_laughs() -> str:
    entities = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    return f"<!DOCTYPE lolz [{''.join(entities)}]>"


class _Listener(http.server.BaseHTTPRequestHandler):
    """Counts every request: an external entity or DTD fetched over the network."""

    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        _Listener.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'<!ENTITY leak "LEAKED">')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[int]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Listener)
    _Listener.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("suffix", list(CARRIERS))
def test_xxe_reads_no_file_and_fetches_nothing(suffix: str, tmp_path: Path, listener: int) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-7731", encoding="utf-8")
    payloads = [
        (f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">]>', "&xxe;"),
        (f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "http://127.0.0.1:{listener}/entity">]>', "&xxe;"),
        (f'<!DOCTYPE x SYSTEM "http://127.0.0.1:{listener}/external.dtd">', "&leak;"),
        (f'<!DOCTYPE x [<!ENTITY % remote SYSTEM "http://127.0.0.1:{listener}/param.dtd"> %remote;]>', "&leak;"),
    ]
    for doctype, reference in payloads:
        path = tmp_path / f"card{suffix}"
        path.write_bytes(poisoned(suffix, doctype, reference))
        with pytest.raises(InputError) as caught:
            READERS[suffix](path)
        assert "TOP-SECRET" not in str(caught.value) and "LEAKED" not in str(caught.value)
        assert "DTD" in str(caught.value) or "XML" in str(caught.value) or "damaged" in str(caught.value)
    assert _Listener.hits == [], "nothing may be fetched over the network"


_CHILD = """
import resource, sys
from pathlib import Path
from reportgen.errors import InputError
from reportgen.readers.docx import read_docx
from reportgen.readers.hwpx import read_hwpx
from reportgen.readers.workbook import read_workbook
from reportgen.readers.hwp import read_hwp
readers = {".docx": read_docx, ".hwpx": read_hwpx, ".xlsx": read_workbook, ".hwp": read_hwp}
for name in sys.argv[1:]:
    try:
        readers[Path(name).suffix](Path(name))
        print("read", name)
    except InputError:
        print("refused", name)
status = Path("/proc/self/status")  # VmHWM is this program's own peak; ru_maxrss keeps the forking parent's
peak = [line.split()[1] for line in status.read_text().splitlines() if line.startswith("VmHWM")] if status.exists() else []
print("peak_kb", peak[0] if peak else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def test_billion_laughs_does_not_expand(tmp_path: Path) -> None:
    """Read in a child process, so that its peak memory is its own: a few hundred MB would be an expansion."""
    paths = []
    for suffix in CARRIERS:
        path = tmp_path / f"lol{suffix}"
        path.write_bytes(poisoned(suffix, billion_laughs(), "&lol9;"))
        paths.append(str(path))
    assert _read_in_child(paths) == ["refused"] * 3


def _read_in_child(paths: list[str], peak_limit_mb: int = 250) -> list[str]:
    """Read each file in a fresh process; its outcomes, after checking the process's peak memory."""
    done = subprocess.run([sys.executable, "-c", _CHILD, *paths], capture_output=True, text=True, timeout=120,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.split("\n")
    peak_mb = int(lines[-2].split()[1]) / 1024
    assert peak_mb < peak_limit_mb, f"peak memory {peak_mb:.0f} MB"
    return [line.split()[0] for line in lines if line.startswith(("read", "refused"))]


# ── zip bombs ─────────────────────────────────────────────────────────────
def declare_size(data: bytes, member: str, size: int) -> bytes:
    """The zip with ``member``'s uncompressed size in both headers changed to ``size`` (a lie)."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        offset = archive.getinfo(member).header_offset
    assert out[offset:offset + 4] == b"PK\x03\x04"
    out[offset + 22:offset + 26] = struct.pack("<I", size)
    for found in re.finditer(rb"PK\x01\x02", bytes(out)):
        start = found.start()
        name_length = struct.unpack("<H", out[start + 28:start + 30])[0]
        if out[start + 46:start + 46 + name_length] == member.encode():
            out[start + 24:start + 28] = struct.pack("<I", size)
            return bytes(out)
    raise AssertionError(f"{member} not in the central directory")


def with_bomb(suffix: str, inflated: int) -> bytes:
    """The carrier with its main member replaced by ``inflated`` bytes of spaces (compresses ~1000:1)."""
    data, member, _ = CARRIERS[suffix]
    return rewrite(data, member, lambda xml: xml + b" " * (inflated - len(xml)))


@pytest.mark.parametrize("suffix", list(CARRIERS))
def test_member_declared_too_large_is_refused_unread(suffix: str, tmp_path: Path) -> None:
    data, member, _ = CARRIERS[suffix]
    path = tmp_path / f"bomb{suffix}"
    path.write_bytes(declare_size(data, member, 0xFFFFFFFF))  # 4 GiB declared
    with pytest.raises(InputError) as caught:
        READERS[suffix](path)
    assert re.search("large|too big|크|unpacks", str(caught.value), re.I), caught.value


@pytest.mark.parametrize("suffix", list(CARRIERS))
def test_member_inflating_beyond_its_declared_size_is_refused(suffix: str, tmp_path: Path) -> None:
    """64 MB of real content declared as 100 kB: zipfile stops at 100 kB, the CRC fails, the reader refuses."""
    _, member, _ = CARRIERS[suffix]
    bomb = with_bomb(suffix, 64 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024, "a real zip bomb: small on disk"
    path = tmp_path / f"bomb{suffix}"
    path.write_bytes(declare_size(bomb, member, 100_000))
    with pytest.raises(InputError):
        READERS[suffix](path)


def test_zipfile_never_inflates_past_the_declared_size() -> None:
    """What the readers rely on: a member is read only up to its declared size."""
    bomb = declare_size(with_bomb(".docx", 8 * 1024 * 1024), "word/document.xml", 1000)
    got = 0
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive, archive.open("word/document.xml") as member:
        with pytest.raises(zipfile.BadZipFile, match="CRC"):
            while chunk := member.read(100):
                got += len(chunk)
    assert got <= 1000


def hwp_bomb(inflated: int) -> bytes:
    """A real .hwp card whose body section is followed by ``inflated`` zero bytes (raw deflate, ~1000:1)."""
    import olefile
    from hwpx.hwp5.cfb import build_compound_file

    from reportgen.writers.hwp import render_hwp

    ole = olefile.OleFileIO(io.BytesIO(render_hwp(_card())))
    streams = []
    for entry in ole.listdir():
        name = "/".join(entry)
        content = ole.openstream(name).read()
        if name == "BodyText/Section0":
            packer = zlib.compressobj(9, zlib.DEFLATED, -15)
            content = packer.compress(zlib.decompress(content, -15))
            zeros = b"\0" * (1 << 20)
            content += b"".join(packer.compress(zeros) for _ in range(inflated >> 20)) + packer.flush()
        streams.append((name, content))
    return build_compound_file(streams)


def test_hwp_deflate_bomb_is_refused_before_inflating(tmp_path: Path) -> None:
    """pyhwp inflates a stream whole in memory: the reader measures it first, 1 MB at a time."""
    from reportgen.readers.hwp import MAX_INFLATED_BYTES

    bomb = hwp_bomb(MAX_INFLATED_BYTES + (16 << 20))
    assert len(bomb) < 1024 * 1024, "small on disk"
    path = tmp_path / "bomb.hwp"
    path.write_bytes(bomb)
    assert _read_in_child([str(path)], peak_limit_mb=150) == ["refused"]


# ── output names ──────────────────────────────────────────────────────────
NASTY_NAMES = ["../../escape", "/etc/passwd", "..\\..\\windows", "a/b", "CON", "nul.txt", "com1", "..", ".", "",
               "x" * 300, "가" * 200, "NUL\x00byte", "보고서\u202etxt.exe", " . ", "tab\there", "new\nline",
               "con .", "LPT9", "a:b*c?d\"e<f>g|h"]


@pytest.mark.parametrize("stem", NASTY_NAMES)
def test_safe_filename_is_one_harmless_name(stem: str, tmp_path: Path) -> None:
    name = safe_filename(stem, ".docx")
    assert name.endswith(".docx") and len(name.encode()) <= MAX_NAME_BYTES
    assert not re.search(r'[/\\<>:"|?*\x00-\x1f\u202e]', name)
    assert name not in (".docx", "..docx") and ".." not in name
    assert name.split(".")[0].strip().upper() not in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT9"}
    assert inside(tmp_path, name).parent == tmp_path.resolve()


def test_card_filename_and_inside() -> None:
    assert card_filename("3-1", "노후산단 재생", ".txt") == "3-1_노후산단 재생.txt"
    assert card_filename("../3-1", "a/b", ".txt") == "_3-1_a_b.txt"
    with pytest.raises(ValueError):
        inside(Path("/tmp/out"), "../escape.txt")
    with pytest.raises(ValueError):
        inside(Path("/tmp/out"), "sub/file.txt")


def test_build_with_nasty_ids_and_titles_writes_only_inside_the_output_folder(tmp_path: Path) -> None:
    base = _card()
    cards = []
    for index, (card_id, title) in enumerate([
        ("../../escape", "../../../tmp/pwned"), ("/abs", "/etc/passwd"), ("CON", "NUL"), ("a/b", "c\\d"),
        ("9-9", "가" * 300), ("..", ".."), ("3-1", "보고서\u202etxt.exe"), ("COM1", "x:y*z?"),
    ]):
        card = m.Card(id=card_id, title=title, header=base.header, bullets=base.bullets,
                      annual_plan=base.annual_plan, achievements=base.achievements[:1])
        card.header = m.Header(department=m.Contact(f"부서{index}"))
        cards.append(card)
    work = tmp_path / "work"
    work.mkdir()
    workbook = work / "master.xlsx"
    workbook.write_bytes(write_workbook(m.Workbook(m.Settings(term_start=2022, term_end=2026), cards)))
    out = work / "out"
    before = sorted(p.name for p in tmp_path.rglob("*"))
    result = CliRunner().invoke(app, ["build", str(workbook), "-o", str(out), "--format", "txt,docx,xlsx,hwpx", "-j", "1"])
    assert result.exit_code == 0, result.output
    after = sorted(p for p in tmp_path.rglob("*"))
    new = [p for p in after if p.name not in before]
    assert all(p.parent == out for p in new if p != out), [str(p) for p in new if p.parent != out]
    assert len([p for p in out.iterdir() if p.suffix != ".json"]) == len(cards) * 4
    assert sorted(p.name for p in work.iterdir()) == ["master.xlsx", "out"]


# ── no formulas in XLSX outputs ───────────────────────────────────────────
FORMULA_TEXTS = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+2", "-3-4", "@SUM(1)", "=cmd|' /C calc'!A0", "=1+1"]


def _formula_card(card_id: str, salt: str) -> m.Card:
    """A card whose every text starts like a formula."""
    text = iter(FORMULA_TEXTS * 20)
    card = m.Card(id=card_id, title=f"{next(text)}{salt}", area=next(text))
    card.header = m.Header(category=next(text), executor=next(text), period=next(text), status="추진 중",
                           budget=next(text), completion=next(text),
                           department=m.Contact(next(text), next(text), next(text)),
                           cooperation=[m.Contact(next(text), next(text), next(text), "市")])
    for key in m.BULLET_SECTIONS:
        card.bullets[key] = [m.BulletLine(m.MARK_L1, next(text) + salt), m.BulletLine(m.MARK_L2, next(text))]
    card.annual_plan = m.AnnualPlan([2022, 2023], [10, 20], None, [m.PlanRow(next(text), [next(text), next(text) + salt],
                                                                              next(text))])
    card.achievements = [m.AchievementSection(next(text), [m.AchievementGroup(next(text), [
        m.Achievement("2023. 04.", next(text) + salt, m.MARK_L1, [m.BulletLine(m.MARK_L3, next(text))])])])]
    card.changes = [m.ChangeRecord("2023. 04.", next(text), next(text), next(text))]
    return card


def _formula_workbook(salt: str) -> m.Workbook:
    settings = m.Settings(term_start=2022, term_end=2023)
    return m.Workbook(settings, [_formula_card("=1", salt), _formula_card("+2", salt)])


def _xlsx_outputs(tmp_path: Path) -> dict[str, bytes]:
    from reportgen import diff, summary

    old, new = _formula_workbook(""), _formula_workbook(" 변경")
    old_path, new_path = tmp_path / "old.xlsx", tmp_path / "new.xlsx"
    old_path.write_bytes(write_workbook(old))
    new_path.write_bytes(write_workbook(new))
    return {
        "card": render_xlsx(new.cards[0]),
        "workbook": new_path.read_bytes(),
        "summary": REPORT_FORMATS[".xlsx"].render_document(summary.summary_document(summary.summarize(read_workbook(new_path)))),
        "diff": REPORT_FORMATS[".xlsx"].render_document(
            diff.changes_document(diff.diff_workbooks(read_workbook(old_path), read_workbook(new_path)))),
    }


def test_xlsx_outputs_hold_no_formula(tmp_path: Path) -> None:
    starts = tuple("=+-@")
    for name, data in _xlsx_outputs(tmp_path).items():
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sheets = [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(re.search(rb"<(\w+:)?f[ >/]", xml) for xml in sheets), f"{name}: a formula cell"
        book = openpyxl.load_workbook(io.BytesIO(data))
        texts = [cell for ws in book for row in ws.iter_rows() for cell in row
                 if isinstance(cell.value, str) and cell.value.startswith(starts)]
        assert texts, f"{name}: the formula-like texts are there"
        assert all(cell.data_type == "s" for cell in texts), name
        typed_again = [c.coordinate for c in texts if c.number_format != "@" and not c.quotePrefix]
        assert typed_again == [], f"{name}: editing such a cell in Excel would make it a formula"


@pytest.mark.parametrize(("first", "second"), [("3/1", "3_1"), ("a-1", "A-1"), ("3:1", "3?1")])
def test_cards_whose_file_names_would_collide_are_refused(first: str, second: str, tmp_path: Path) -> None:
    """Nothing lost: two cards may not write the same file (as made safe, ignoring case)."""
    cards = [m.Card(id=card_id, title="같은 사업", header=m.Header(department=m.Contact("부서")))
             for card_id in (first, second)]
    workbook = tmp_path / "master.xlsx"
    workbook.write_bytes(write_workbook(m.Workbook(m.Settings(), cards)))
    result = CliRunner().invoke(app, ["build", str(workbook), "-o", str(tmp_path / "out"), "-j", "1"])
    assert result.exit_code == 2, result.output
    assert first in result.output and second in result.output and "→" in result.output
    assert not (tmp_path / "out").exists()
