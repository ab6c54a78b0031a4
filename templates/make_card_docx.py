"""Generate ``templates/card.docx``, the reference document of the DOCX writer.

Run ``python templates/make_card_docx.py`` after changing the styles here.
An office restyles its cards by opening ``card.docx`` in Word and editing
the named styles (fonts, sizes, indents, spacing), the table styles and the
page setup (Layout → Margins/Size), then saving it: the writer takes
everything but the body text from that file, like pandoc's reference.docx.

Styles the writer uses (by name; Word may translate built-in names only):

* paragraph: ``Card Id`` (관리번호 box), ``Card Title`` (사업명, 목차 title), ``Card Heading``
  (【…】), ``Card Subheading`` (□), ``Card Group`` (<…>), ``Card Bullet 1`` (○),
  ``Card Bullet 2`` (-), ``Card Bullet 3`` (▷), ``Card Note`` (※), ``Card Box Item`` (▪),
  ``Card Plain`` (no marker), ``Card Box Title`` (인허가 현황 box title),
  ``Card Table Label``, ``Card Table Text``, ``Card Table Value``, ``Card Caption`` (a table's
  title above it), ``Card Table Note`` (lines under a table), ``Card Contents`` (목차 lines);
* table: ``Card Table`` (grid; the fill of its header-row formatting shades every
  label cell), ``Card Box`` (outline only).

The body of this file is only a sample; the writer replaces it, keeping the
final section properties (page size, margins).
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

FONT = "맑은 고딕"
LABEL_FILL = "D9D9D9"
#: A4 portrait, margins 20 mm left/right, 15 mm top/bottom (twips)
PAGE = {"w": 11906, "h": 16838, "top": 851, "bottom": 851, "left": 1134, "right": 1134}

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def fonts(bold: bool = False, size: int | None = None) -> str:
    """Run properties with the East Asian font set (half-point ``size``)."""
    out = f'<w:rFonts w:ascii="{FONT}" w:eastAsia="{FONT}" w:hAnsi="{FONT}" w:cs="{FONT}"/>'
    if bold:
        out += "<w:b/><w:bCs/>"
    if size:
        out += f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>'
    return f"<w:rPr>{out}</w:rPr>"


def indent(left: int, hanging: int = 0) -> str:
    """``w:ind``: text at ``left`` twips, first line ``hanging`` twips further left."""
    extra = f' w:hanging="{hanging}"' if hanging else ""
    return f'<w:ind w:left="{left}"{extra}/>'


def outline(level: int) -> str:
    """``w:outlineLvl``: the heading's level in Word's navigation pane (0 = top)."""
    return f'<w:outlineLvl w:val="{level}"/>'


def spacing(before: int = 0, after: int = 40, line: int = 264) -> str:
    return f'<w:spacing w:before="{before}" w:after="{after}" w:line="{line}" w:lineRule="auto"/>'


# (styleId, name, pPr inner xml, rPr xml); every style is based on Normal
PARAGRAPH_STYLES = [
    ("CardId", "Card Id", '<w:keepNext/><w:spacing w:before="0" w:after="0"/><w:jc w:val="center"/>',
     fonts(bold=True, size=20)),
    ("CardTitle", "Card Title", '<w:keepNext/><w:spacing w:before="240" w:after="240"/><w:jc w:val="center"/>',
     fonts(bold=True, size=32)),
    ("CardHeading", "Card Heading", "<w:keepNext/>" + spacing(280, 100) + outline(0), fonts(bold=True, size=26)),
    ("CardSubheading", "Card Subheading", "<w:keepNext/>" + spacing(160, 60) + indent(380, 280) + outline(1),
     fonts(bold=True, size=24)),
    ("CardGroup", "Card Group", "<w:keepNext/>" + spacing(100, 40) + indent(300) + outline(2),
     fonts(bold=True, size=22)),
    ("CardBullet1", "Card Bullet 1", spacing() + indent(580, 280), fonts(size=22)),
    ("CardBullet2", "Card Bullet 2", spacing() + indent(760, 160), fonts(size=22)),
    ("CardBullet3", "Card Bullet 3", spacing() + indent(1180, 280), fonts(size=22)),
    ("CardNote", "Card Note", spacing() + indent(580, 280), fonts(size=22)),
    ("CardBoxItem", "Card Box Item", spacing() + indent(500, 240), fonts(size=22)),
    ("CardPlain", "Card Plain", spacing() + indent(760), fonts(size=22)),
    ("CardBoxTitle", "Card Box Title", "<w:keepNext/>" + spacing(40, 60), fonts(bold=True, size=22)),
    ("CardTableLabel", "Card Table Label", '<w:keepNext/><w:spacing w:before="20" w:after="20" w:line="240" w:lineRule="auto"/>'
     '<w:jc w:val="center"/>', fonts(bold=True, size=20)),
    ("CardTableText", "Card Table Text", '<w:spacing w:before="20" w:after="20" w:line="240" w:lineRule="auto"/>'
     '<w:jc w:val="center"/>', fonts(size=20)),
    ("CardTableValue", "Card Table Value", '<w:spacing w:before="20" w:after="20" w:line="240" w:lineRule="auto"/>',
     fonts(size=20)),
    ("CardCaption", "Card Caption", '<w:keepNext/>' + spacing(120, 60) + '<w:jc w:val="center"/>',
     fonts(bold=True, size=22)),
    ("CardTableNote", "Card Table Note", spacing(40, 0, 240), fonts(size=18)),
    ("CardContents", "Card Contents", spacing(0, 80), fonts(size=22)),
]

BORDER = '<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'


def borders(tag: str, sides: tuple[str, ...]) -> str:
    return f"<w:{tag}>" + "".join(BORDER.format(side=side) for side in sides) + f"</w:{tag}>"


CELL_MARGINS = ('<w:tblCellMar><w:top w:w="40" w:type="dxa"/><w:left w:w="85" w:type="dxa"/>'
                '<w:bottom w:w="40" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar>')
GRID_STYLE = (
    '<w:style w:type="table" w:customStyle="1" w:styleId="CardTable"><w:name w:val="Card Table"/>'
    '<w:basedOn w:val="TableNormal"/><w:uiPriority w:val="59"/><w:qFormat/>'
    f'<w:pPr><w:spacing w:before="0" w:after="0"/></w:pPr>{fonts(size=20)}'
    f'<w:tblPr><w:jc w:val="center"/>{borders("tblBorders", ("top", "left", "bottom", "right", "insideH", "insideV"))}'
    f"{CELL_MARGINS}</w:tblPr>"
    '<w:tcPr><w:vAlign w:val="center"/></w:tcPr>'
    '<w:tblStylePr w:type="firstRow"><w:rPr><w:b/><w:bCs/></w:rPr>'
    f'<w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="{LABEL_FILL}"/></w:tcPr></w:tblStylePr>'
    "</w:style>"
)
BOX_STYLE = (
    '<w:style w:type="table" w:customStyle="1" w:styleId="CardBox"><w:name w:val="Card Box"/>'
    '<w:basedOn w:val="TableNormal"/><w:uiPriority w:val="59"/><w:qFormat/>'
    f'{fonts(size=22)}<w:tblPr><w:jc w:val="center"/>{borders("tblBorders", ("top", "left", "bottom", "right"))}'
    '<w:tblCellMar><w:top w:w="85" w:type="dxa"/><w:left w:w="142" w:type="dxa"/>'
    '<w:bottom w:w="85" w:type="dxa"/><w:right w:w="142" w:type="dxa"/></w:tblCellMar></w:tblPr>'
    "</w:style>"
)


def styles_xml() -> str:
    """word/styles.xml: defaults, Normal, the card styles and the two table styles."""
    defaults = (
        "<w:docDefaults><w:rPrDefault>"
        f'<w:rPr><w:rFonts w:ascii="{FONT}" w:eastAsia="{FONT}" w:hAnsi="{FONT}" w:cs="{FONT}"/>'
        '<w:kern w:val="2"/><w:sz w:val="22"/><w:szCs w:val="22"/>'
        '<w:lang w:val="en-US" w:eastAsia="ko-KR" w:bidi="ar-SA"/></w:rPr>'
        "</w:rPrDefault><w:pPrDefault><w:pPr>"
        '<w:autoSpaceDE w:val="0"/><w:autoSpaceDN w:val="0"/><w:spacing w:after="40" w:line="264" w:lineRule="auto"/>'
        "</w:pPr></w:pPrDefault></w:docDefaults>"
    )
    normal = (
        '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/>'
        f"<w:pPr>{spacing()}</w:pPr>{fonts(size=22)}</w:style>"
    )
    table_normal = (
        '<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/>'
        '<w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/>'
        f'{fonts()}<w:tblPr><w:tblInd w:w="0" w:type="dxa"/>'
        '<w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>'
        '<w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>'
    )
    default_font = (
        '<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont">'
        '<w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/><w:unhideWhenUsed/>'
        "</w:style>"
    )
    paragraphs = "".join(
        f'<w:style w:type="paragraph" w:customStyle="1" w:styleId="{sid}"><w:name w:val="{name}"/>'
        f'<w:basedOn w:val="Normal"/><w:qFormat/><w:pPr>{ppr}</w:pPr>{rpr}</w:style>'
        for sid, name, ppr, rpr in PARAGRAPH_STYLES
    )
    return (f'{DECL}<w:styles xmlns:w="{W_NS}" xmlns:r="{R_NS}">{defaults}{normal}{default_font}'
            f"{table_normal}{paragraphs}{GRID_STYLE}{BOX_STYLE}</w:styles>")


def paragraph(style: str, text: str) -> str:
    return (f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr>'
            f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>')


def section_properties() -> str:
    p = PAGE
    return (
        f'<w:sectPr><w:pgSz w:w="{p["w"]}" w:h="{p["h"]}"/>'
        f'<w:pgMar w:top="{p["top"]}" w:right="{p["right"]}" w:bottom="{p["bottom"]}" w:left="{p["left"]}"'
        ' w:header="567" w:footer="567" w:gutter="0"/><w:cols w:space="425"/>'
        '<w:docGrid w:linePitch="360"/></w:sectPr>'
    )


SAMPLE = [
    ("CardId", "관리번호 3-1"),
    ("CardTitle", "사업명 (Card Title)"),
    ("CardHeading", "【사업추진계획】 (Card Heading)"),
    ("CardSubheading", "□ 사업개요 (Card Subheading)"),
    ("CardBullet1", "○ 첫째 수준 (Card Bullet 1) — 긴 줄은 내어쓰기로 표시 기호 뒤에 맞추어 이어집니다. 긴 줄은 내어쓰기로 이어집니다."),
    ("CardBullet2", "- 둘째 수준 (Card Bullet 2)"),
    ("CardBullet3", "▷ 셋째 수준 (Card Bullet 3)"),
    ("CardNote", "※ 참고 (Card Note)"),
    ("CardPlain", "표시 없는 줄 (Card Plain)"),
    ("CardGroup", "<소분류 (Card Group)>"),
    ("CardBoxTitle", "인허가 현황 상자 제목 (Card Box Title)"),
    ("CardBoxItem", "▪ 상자 안 줄 (Card Box Item)"),
    ("CardTableLabel", "표 머리칸 (Card Table Label)"),
    ("CardTableText", "표 칸 (Card Table Text)"),
    ("CardTableValue", "표 값 칸 (Card Table Value)"),
    ("CardCaption", "표 제목 (Card Caption)"),
    ("CardTableNote", "표 아래 주석 (Card Table Note)"),
    ("CardContents", "목차 항목 (Card Contents)"),
]


def document_xml() -> str:
    body = "".join(paragraph(style, text) for style, text in SAMPLE)
    return (f'{DECL}<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:body>{body}'
            f"{section_properties()}</w:body></w:document>")


def settings_xml() -> str:
    return (f'{DECL}<w:settings xmlns:w="{W_NS}"><w:defaultTabStop w:val="800"/>'
            '<w:characterSpacingControl w:val="doNotCompress"/><w:compat>'
            '<w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/>'
            '</w:compat><w:themeFontLang w:val="en-US" w:eastAsia="ko-KR"/></w:settings>')


def font_table_xml() -> str:
    return (f'{DECL}<w:fonts xmlns:w="{W_NS}"><w:font w:name="{FONT}"><w:altName w:val="Malgun Gothic"/>'
            '<w:panose1 w:val="020B0503020000020004"/><w:charset w:val="81"/><w:family w:val="swiss"/>'
            '<w:pitch w:val="variable"/></w:font></w:fonts>')


PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CONTENT_TYPES = (
    f'{DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '<Override PartName="/word/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
    '<Override PartName="/word/settings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>'
    '<Override PartName="/word/fontTable.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml"/>'
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    f'{DECL}<Relationships xmlns="{PKG_RELS}">'
    f'<Relationship Id="rId1" Type="{OFFICE_RELS}/officeDocument" Target="word/document.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
    'core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{OFFICE_RELS}/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)
DOCUMENT_RELS = (
    f'{DECL}<Relationships xmlns="{PKG_RELS}">'
    f'<Relationship Id="rId1" Type="{OFFICE_RELS}/styles" Target="styles.xml"/>'
    f'<Relationship Id="rId2" Type="{OFFICE_RELS}/settings" Target="settings.xml"/>'
    f'<Relationship Id="rId3" Type="{OFFICE_RELS}/fontTable" Target="fontTable.xml"/>'
    "</Relationships>"
)
CORE = (
    f'{DECL}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:title>공약 관리카드</dc:title><dc:creator>reportgen</dc:creator>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">2024-01-01T00:00:00Z</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">2024-01-01T00:00:00Z</dcterms:modified>'
    "</cp:coreProperties>"
)
APP = (
    f'{DECL}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>reportgen</Application></Properties>"
)


def parts() -> list[tuple[str, str]]:
    """Every member of card.docx in package order."""
    return [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", ROOT_RELS),
        ("docProps/core.xml", CORE),
        ("docProps/app.xml", APP),
        ("word/document.xml", document_xml()),
        ("word/_rels/document.xml.rels", DOCUMENT_RELS),
        ("word/styles.xml", styles_xml()),
        ("word/settings.xml", settings_xml()),
        ("word/fontTable.xml", font_table_xml()),
    ]


def write(target: Path) -> None:
    """Write the reference document with fixed timestamps (same bytes every run)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts():
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("card.docx"))
