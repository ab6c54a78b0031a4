"""Build templates/card.hwpx: the styled HWPX package the HWPX writer fills.

Run once (``.venv/bin/python templates/make_card_hwpx.py``) after changing a
style; the result is committed. It starts from python-hwpx's blank document,
adds the character shapes, paragraph shapes and cell borders of the pledge
card to ``Contents/header.xml``, and writes the ids of those shapes to
``templates/hwpx/styles.json``. The writer reuses every part of the package
except ``Contents/section0.xml`` and ``Preview/PrvText.txt``, which it makes
per card.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

from hwpx import HwpxDocument

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "card.hwpx"
STYLES = HERE / "hwpx" / "styles.json"

SERIF = "함초롬바탕"
SANS = "맑은 고딕"

#: character shapes: name → ensure_run() arguments (size in points)
CHAR_SHAPES: dict[str, dict[str, object]] = {
    "body": {"font": SERIF, "size": 12},
    "title": {"font": SANS, "size": 17, "bold": True},
    "heading": {"font": SANS, "size": 14, "bold": True},
    "subheading": {"font": SERIF, "size": 13, "bold": True},
    "group": {"font": SERIF, "size": 12, "bold": True},
    "detail": {"font": SERIF, "size": 11},
    "cell": {"font": SANS, "size": 10},
    "label": {"font": SANS, "size": 10, "bold": True},
}

#: paragraph shapes: name → (alignment, left margin, first-line indent, space before, space after,
#: line spacing %); margins in HWPUNIT (1 pt = 100)
PARA_SHAPES: dict[str, tuple[str, int, int, int, int, int]] = {
    "title": ("CENTER", 0, 0, 600, 1000, 130),
    "heading": ("LEFT", 0, 0, 1400, 400, 150),
    "subheading": ("LEFT", 600, 0, 800, 200, 150),
    "group": ("LEFT", 1400, 0, 400, 0, 150),
    "level1": ("JUSTIFY", 2800, -1600, 200, 0, 150),
    "level2": ("JUSTIFY", 4000, -1200, 100, 0, 150),
    "level3": ("JUSTIFY", 5400, -1400, 100, 0, 150),
    "plain": ("JUSTIFY", 4000, 0, 100, 0, 150),
    "free": ("JUSTIFY", 0, 0, 200, 0, 150),
    "anchor": ("LEFT", 0, 0, 200, 200, 100),
    "box_anchor": ("LEFT", 2800, 0, 200, 200, 100),
    "cell": ("CENTER", 0, 0, 0, 0, 130),
    "cell_left": ("LEFT", 0, 0, 0, 0, 130),
    "box_title": ("LEFT", 0, 0, 0, 100, 150),
    "box_line": ("LEFT", 2400, -1400, 0, 0, 150),
    "center": ("CENTER", 0, 0, 100, 0, 150),
    "right": ("RIGHT", 0, 0, 100, 0, 150),
    "caption": ("CENTER", 0, 0, 600, 200, 130),
    "anchor_keep": ("LEFT", 0, 0, 200, 200, 100),
    "note": ("LEFT", 0, 0, 0, 0, 130),
    "note_end": ("LEFT", 0, 0, 0, 200, 130),
    "toc": ("LEFT", 0, 0, 200, 0, 150),
    "picture": ("CENTER", 0, 0, 200, 200, 100),
}
#: paragraph shapes that keep with the next paragraph (a heading stays with what it heads, a
#: caption with its table, a table with its notes, a note with the next note)
KEEP_WITH_NEXT = ("heading", "subheading", "group", "caption", "anchor_keep", "note")
#: the 목차 line's right tab stop (HWPUNIT from the left margin: the A4 text width) and its leader
TOC_TAB = {"pos": 49324, "type": "RIGHT", "leader": "DOT"}

#: cell borders: name → ensure_border_fill() arguments
BORDER_FILLS: dict[str, dict[str, object]] = {
    "cell": {"border_color": "#000000", "border_width": "0.12 mm"},
    "label": {"border_color": "#000000", "border_width": "0.12 mm", "fill_color": "#E3E8F0"},
    "box": {"border_color": "#404040", "border_width": "0.25 mm"},
}


def build_document() -> tuple[HwpxDocument, dict[str, dict[str, str]]]:
    """A blank document with the card's shapes; returns it and the shape ids by name."""
    doc = HwpxDocument.new()
    for face in (SERIF, SANS):
        doc.styles.ensure_font(face)
    ids: dict[str, dict[str, str]] = {"char": {}, "para": {}, "border": {}}
    for name, options in CHAR_SHAPES.items():
        ids["char"][name] = doc.styles.ensure_run(**options, base_char_pr_id=0)  # type: ignore[arg-type]
    header = doc.oxml.headers[0]
    toc_tab = header.ensure_tab_definition(tab_stops=[TOC_TAB])
    for name, (align, left, indent, before, after, spacing) in PARA_SHAPES.items():
        ids["para"][name] = header.ensure_paragraph_format(
            base_para_pr_id=0,
            alignment=align,
            line_spacing_percent=spacing,
            margins={"left": left, "intent": indent, "prev": before, "next": after},
            break_setting={"widow_orphan": True, "keep_with_next": name in KEEP_WITH_NEXT},
            tab_pr_id_ref=toc_tab if name == "toc" else None,
        )
    for name, options in BORDER_FILLS.items():
        ids["border"][name] = doc.styles.ensure_border_fill(**options)  # type: ignore[arg-type]
    return doc, ids


def _tidy_manifest(data: bytes) -> bytes:
    """Name reportgen as the author of the template package."""
    text = data.decode("utf-8")
    text = text.replace("synthetic-fixture-author", "reportgen")
    text = re.sub(r"<opf:title/>", "<opf:title>공약 관리카드</opf:title>", text)
    return text.encode("utf-8")


def repack(archive: bytes) -> bytes:
    """The package with fixed timestamps, mimetype first and stored."""
    source = zipfile.ZipFile(io.BytesIO(archive))
    names = source.namelist()
    names.remove("mimetype")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in ["mimetype", *names]:
            data = source.read(name)
            if name == "Contents/content.hpf":
                data = _tidy_manifest(data)
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            info.create_system = 0
            target.writestr(info, data)
    return out.getvalue()


def main() -> None:
    """Write templates/card.hwpx and templates/hwpx/styles.json."""
    doc, ids = build_document()
    TEMPLATE.write_bytes(repack(doc.to_bytes()))
    STYLES.parent.mkdir(parents=True, exist_ok=True)
    STYLES.write_text(json.dumps(ids, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {TEMPLATE} and {STYLES}")


if __name__ == "__main__":
    main()
