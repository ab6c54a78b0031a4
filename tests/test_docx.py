"""DOCX writer and reader: round trips, the XML of the card, determinism, bad files, PDF."""

from __future__ import annotations

import copy
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree

from reportgen import model as m
from reportgen.errors import CardError, InputError
from reportgen.readers import docx as docx_reader
from reportgen.readers.docx import docx_lines, read_docx
from reportgen.readers.text import read_text
from reportgen.resources import WriterOptions
from reportgen.writers.docx import load_template, render_docx

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_NAMES = ["3-1_2024-03_from-docx.txt", "3-1_2024-12_from-hwp.txt"]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def hand_card() -> m.Card:
    """A card with every construct: merges, box, plain sub-lines, escapes."""
    card = m.Card(id="3-1", title="신평·장림산업단지 「낙동강 테크노밸리」 조성 & <시범>")
    card.header = m.Header(
        category="신규사업", executor="시 / 구", period="2022년~2027년", status="추진 중", progress=40,
        budget="비예산", completion="임기후",
        department=m.Contact("전략사업과 스마트산업담당", "최재봉", "5021"),
        cooperation=[m.Contact("산업입지과", "박정화", "888-4932", "市"),
                     m.Contact("지산학협력과", "김은숙", "888-6772", "市")],
    )
    card.bullets[m.GOAL] = [m.BulletLine(m.MARK_L1, "스마트 산단 구축"), m.BulletLine(m.MARK_NOTE, "임기 내 목표 : 인프라")]
    card.bullets[m.OVERVIEW] = [m.BulletLine(m.MARK_L1, "개요"), m.BulletLine(m.MARK_L2, "세부 개요 a<b")]
    card.bullets[m.DETAIL_PLAN] = [m.BulletLine(m.MARK_L1, "계획"), m.BulletLine(m.MARK_L3, "세세한 계획")]
    card.bullets[m.FUTURE_PLAN] = [m.BulletLine(m.MARK_L1, "지속 추진")]
    card.bullets[m.EFFECTS] = [m.BulletLine(m.MARK_L1, "인재 양성")]
    card.annual_plan = m.AnnualPlan(
        years=[2022, 2023, 2024, 2025, 2026], targets=[10, 40, 60, 80, 100], after_term_target=None,
        rows=[m.PlanRow("「낙동강 테크노밸리」 조성", ["조례 개정(안) 검토", "조례 개정", "", "시설도입", "지원"], "조성")],
    )
    card.achievements = [
        m.AchievementSection("친환경 스마트 산단 조성", [
            m.AchievementGroup("저탄소 그린산단 조성사업", [
                m.Achievement("2023. 02.", "추진계획 수립"),
                m.Achievement("2023. 03. ~ 08.", "행정절차이행",
                              details=[m.BulletLine(m.MARK_L3, "사업내용 : 도로 확충"),
                                       m.BulletLine(m.MARK_PLAIN, "동아대학교 글로컬대학 지정")]),
            ]),
        ]),
        m.AchievementSection("지식산업센터 활성화", [
            m.AchievementGroup("", [
                m.Achievement("2024. 12. 05.", "조례 제정"),
                m.Achievement("", "기업 유치 지속", m.MARK_PLAIN),  # a free line: no box without ▪ lines
                m.Achievement("", "사하구 지식산업센터 인허가 현황", m.MARK_PLAIN,
                              [m.BulletLine(m.MARK_BOX, "총 대지면적 : 138,327㎡"),
                               m.BulletLine(m.MARK_BOX, "총 12개소 : 준공 1")]),
            ]),
        ]),
    ]
    card.communication = [None, 2, None, None, 1]
    return card


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def document(data: bytes) -> etree._Element:
    return etree.fromstring(parts(data)["word/document.xml"])


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    target = tmp_path / name
    target.write_bytes(data)
    return target


# ── round trips ──────────────────────────────────────────────────────────
@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_round_trip(tmp_path: Path, name: str) -> None:
    card = read_text(FIXTURES / name)
    assert card.achievements and card.annual_plan.rows  # the fixture really has content
    assert read_docx(write(tmp_path, "card.docx", render_docx(card))) == card


def test_hand_built_round_trip(tmp_path: Path) -> None:
    card = hand_card()
    assert read_docx(write(tmp_path, "card.docx", render_docx(card))) == card


def test_card_without_id_keeps_title(tmp_path: Path) -> None:
    card = hand_card()
    card.id = ""
    back = read_docx(write(tmp_path, "card.docx", render_docx(card)))
    assert (back.id, back.title) == ("", card.title)


def test_lines_match_the_standard_text_layout(tmp_path: Path) -> None:
    lines = docx_lines(write(tmp_path, "card.docx", render_docx(hand_card())))
    assert lines[0] == f"{m.L_ID}\t3-1"
    assert "추진부서\t전략사업과 스마트산업담당 (최재봉 ☎5021)\t협조부서(기관)\t" \
           "市 산업입지과 (박정화 ☎888-4932) 市 지산학협력과 (김은숙 ☎888-6772)" in lines
    assert "세부추진내용\t임기 내\t\t\t\t\t임기 후" in lines
    assert "\t2022년\t2023년\t2024년\t2025년\t2026년" in lines
    assert "설명회, 보고회 등\t만족도, 설문조사\t민간전문가 자문\t언론·방송 보도\t기 타" in lines
    assert "-\t2회\t-\t-\t1회" in lines
    assert "사하구 지식산업센터 인허가 현황" in lines  # box title at column 0: an undated entry
    assert "기업 유치 지속" in lines
    assert "  ○ 2023. 03. ~ 08. : 행정절차이행" in lines


# ── the XML ──────────────────────────────────────────────────────────────
def plan_table(root: etree._Element) -> etree._Element:
    for tbl in root.iter(f"{W}tbl"):
        if "".join(tbl.itertext()).startswith(m.L_PLAN_ITEM):
            return tbl
    raise AssertionError("no plan table")


def test_plan_table_merges() -> None:
    tbl = plan_table(document(render_docx(hand_card())))
    rows = tbl.findall(f"{W}tr")
    first = rows[0].findall(f"{W}tc")
    assert [tc.find(f"{W}tcPr/{W}vMerge").get(f"{W}val") for tc in (first[0], first[2])] == ["restart", "restart"]
    assert first[1].find(f"{W}tcPr/{W}gridSpan").get(f"{W}val") == "5"
    assert "".join(first[1].itertext()) == m.L_IN_TERM
    for row in rows[1:3]:  # 세부추진내용 spans the years row and the target row
        merge = row.findall(f"{W}tc")[0].find(f"{W}tcPr/{W}vMerge")
        assert merge is not None and merge.get(f"{W}val") is None
    assert rows[1].findall(f"{W}tc")[-1].find(f"{W}tcPr/{W}vMerge") is not None  # 임기 후
    assert ["".join(tc.itertext()) for tc in rows[2].findall(f"{W}tc")] == ["", "10%", "40%", "60%", "80%", "100%", ""]
    assert len(tbl.findall(f"{W}tblGrid/{W}gridCol")) == 7
    repeated = [row.find(f"{W}trPr/{W}tblHeader") is not None for row in rows]
    assert repeated == [True, True, False, False]  # the two label rows repeat on a new page


def test_box_holds_the_undated_entry_with_its_lines() -> None:
    boxes = [tbl for tbl in document(render_docx(hand_card())).iter(f"{W}tbl")
             if len(tbl.findall(f".//{W}tc")) == 1]
    assert len(boxes) == 1
    assert ["".join(p.itertext()) for p in boxes[0].iter(f"{W}p")] == [
        "사하구 지식산업센터 인허가 현황", "▪ 총 대지면적 : 138,327㎡", "▪ 총 12개소 : 준공 1"]


def test_label_cells_shaded() -> None:
    root = document(render_docx(hand_card()))
    shaded = {"".join(tc.itertext()) for tc in root.iter(f"{W}tc") if tc.find(f"{W}tcPr/{W}shd") is not None}
    assert {m.L_CATEGORY, m.L_COOPERATION, m.L_ID, m.L_IN_TERM, "2022년", m.COMMUNICATION_LABELS[0]} <= shaded
    assert "신규사업" not in shaded


def test_east_asian_font_on_every_style() -> None:
    styles = etree.fromstring(parts(render_docx(hand_card()))["word/styles.xml"])
    default = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
    assert default.get(f"{W}eastAsia") == "맑은 고딕"
    styled = [s for s in styles.iter(f"{W}style") if s.get(f"{W}type") in ("paragraph", "table")]
    assert len(styled) > 15
    for style in styled:
        fonts = style.find(f"{W}rPr/{W}rFonts")
        assert fonts is not None and fonts.get(f"{W}eastAsia"), style.get(f"{W}styleId")


def test_every_used_style_is_defined() -> None:
    data = parts(render_docx(hand_card()))
    defined = set(re.findall(rb'w:styleId="([^"]+)"', data["word/styles.xml"]))
    used = set(re.findall(rb'<w:(?:pStyle|tblStyle) w:val="([^"]+)"', data["word/document.xml"]))
    assert used and used <= defined


def test_a4_portrait_page() -> None:
    size = document(render_docx(hand_card())).find(f"{W}body/{W}sectPr/{W}pgSz")
    assert (size.get(f"{W}w"), size.get(f"{W}h")) == ("11906", "16838")


def test_headings_in_order() -> None:
    root = document(render_docx(hand_card()))
    texts = ["".join(p.itertext()) for p in root.iter(f"{W}p")]
    assert [t for t in texts if t.startswith("【")] == list(m.SECTION_HEADINGS)


def test_bullets_keep_literal_markers_and_escape_text() -> None:
    data = parts(render_docx(hand_card()))["word/document.xml"].decode()
    assert "- 세부 개요 a&lt;b" in data
    assert "&amp; &lt;시범&gt;" in data


def test_control_characters_are_dropped(tmp_path: Path) -> None:
    card = hand_card()
    card.bullets[m.EFFECTS] = [m.BulletLine(m.MARK_L1, "bad\x0bchar\x00 here\x01")]
    etree.fromstring(parts(render_docx(card))["word/document.xml"])  # still well-formed
    back = read_docx(write(tmp_path, "card.docx", render_docx(card)))
    # xmltext.one_line: tabs and line breaks become spaces, what XML cannot hold (\x0b too) goes
    assert back.bullets[m.EFFECTS] == [m.BulletLine(m.MARK_L1, "badchar here")]


def test_opens_in_python_docx() -> None:
    document_ = docx.Document(io.BytesIO(render_docx(hand_card())))
    assert len(document_.tables) == 5  # 관리번호, header, plan, box, 구민소통
    # the cell's lines (each 협조부서 broken before its (담당자 ☎…), as on the card) as line breaks
    assert [p.text for p in document_.tables[1].cell(3, 3).paragraphs] == [
        "市 산업입지과\n(박정화 ☎888-4932)\n市 지산학협력과\n(김은숙 ☎888-6772)"]


def test_too_many_plan_cells_is_a_card_error() -> None:
    card = hand_card()
    card.annual_plan.rows[0].cells.append("extra")
    with pytest.raises(CardError):
        render_docx(card)


# ── bytes ────────────────────────────────────────────────────────────────
def test_same_card_same_bytes() -> None:
    assert render_docx(hand_card()) == render_docx(copy.deepcopy(hand_card()))
    with zipfile.ZipFile(io.BytesIO(render_docx(hand_card()))) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert archive.namelist()[0] == "[Content_Types].xml"


def test_reference_document_restyles(tmp_path: Path) -> None:
    """An office's edited reference docx: its label fill and margins are used."""
    source = parts(load_template_bytes())
    styles = source["word/styles.xml"].replace(b'w:fill="D9D9D9"', b'w:fill="FFEEAA"')
    page = source["word/document.xml"].replace(b'w:left="1134"', b'w:left="2000"')
    reference = tmp_path / "office.docx"
    with zipfile.ZipFile(reference, "w") as archive:
        for name, data in source.items():
            archive.writestr(name, {"word/styles.xml": styles, "word/document.xml": page}.get(name, data))
    root = document(render_docx(hand_card(), WriterOptions(reference=reference)))
    fills = {shd.get(f"{W}fill") for shd in root.iter(f"{W}shd")}
    assert fills == {"FFEEAA"}
    assert root.find(f"{W}body/{W}sectPr/{W}pgMar").get(f"{W}left") == "2000"


def load_template_bytes() -> bytes:
    from reportgen.resources import template_path

    load_template()  # the default reference exists and parses
    return template_path("card.docx").read_bytes()


def test_broken_reference_document(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.docx", b"not a zip")
    with pytest.raises(InputError, match="bad.docx"):
        render_docx(hand_card(), WriterOptions(reference=bad))


# ── a card typed in Word by a department ─────────────────────────────────
def department_docx(path: Path) -> Path:
    """A card typed in Word: title, merged header cells, typed markers, a box table."""
    doc = docx.Document()
    doc.add_paragraph("관리번호 7-2  구민 체육시설 확충")
    header = doc.add_table(rows=4, cols=4)
    values = [["사업구분", "계속사업", "사업주체", "구"], ["사업기간", "2023년~2026년", "추진상황(%)", "정상추진(50%)"],
              ["소요예산", "1,200백만원", "완료시기", "임기내"], ["추진부서", "체육진흥과 (홍길동 ☎1234)", "협조부서(기관)", ""]]
    for r, row in enumerate(values):
        for c, text in enumerate(row):
            header.cell(r, c).text = text
    header.cell(3, 3).text = "市 체육진흥과 (김철수 ☎888-1111)"
    header.cell(3, 3).add_paragraph("區 시설관리공단 (이영희 ☎2222)")
    for text in ["【사업추진계획】", "□ 사업추진목표(최종목표)", "ㅇ 생활체육 기반 확충", "□ 사업개요", "○ 체육관 1개소 건립",
                 "□ 세부추진계획", "○ 설계 및 공사", "□ 연차별 추진계획"]:
        doc.add_paragraph(text)
    plan = doc.add_table(rows=4, cols=6)
    plan.cell(0, 0).merge(plan.cell(2, 0)).text = "세부추진내용"
    plan.cell(0, 1).merge(plan.cell(0, 4)).text = "임기 내"
    plan.cell(0, 5).merge(plan.cell(1, 5)).text = "임기 후"
    for i, year in enumerate((2023, 2024, 2025, 2026)):
        plan.cell(1, i + 1).text = f"{year}년"
        plan.cell(2, i + 1).text = f"{25 * (i + 1)}%"
    for i, text in enumerate(["체육관 건립", "설계", "착공", "공사", "준공", "운영"]):
        plan.cell(3, i).text = text
    for text in ["【추진실적】", "□ 체육관 건립", "○ 2023. 05. : 기본계획 수립", "▷ 부지 확정"]:
        doc.add_paragraph(text)
    box = doc.add_table(rows=1, cols=1)
    box.cell(0, 0).text = "체육시설 현황"
    box.cell(0, 0).add_paragraph("▪ 총 5개소")
    for text in ["【금후계획】", "○ 준공", "【구민소통 실적】"]:
        doc.add_paragraph(text)
    talk = doc.add_table(rows=2, cols=5)
    for i, (label, count) in enumerate(zip(m.COMMUNICATION_LABELS, ["1회", "-", "-", "2회", "-"], strict=True)):
        talk.cell(0, i).text, talk.cell(1, i).text = label, count
    doc.add_paragraph("【기대효과】")
    doc.add_paragraph("○ 구민 건강 증진")
    doc.save(path)
    return path


def test_department_card_typed_in_word(tmp_path: Path) -> None:
    card = read_docx(department_docx(tmp_path / "dept.docx"))
    assert (card.id, card.title) == ("7-2", "구민 체육시설 확충")
    assert (card.header.status, card.header.progress) == ("정상추진", 50)
    assert [c.department for c in card.header.cooperation] == ["체육진흥과", "시설관리공단"]
    assert card.bullets[m.GOAL] == [m.BulletLine(m.MARK_L1, "생활체육 기반 확충")]
    plan = card.annual_plan
    assert (plan.years, plan.targets) == ([2023, 2024, 2025, 2026], [25, 50, 75, 100])
    assert plan.rows == [m.PlanRow("체육관 건립", ["설계", "착공", "공사", "준공"], "운영")]
    items = card.achievements[0].groups[0].items
    assert items[0].details == [m.BulletLine(m.MARK_L3, "부지 확정")]
    assert items[1] == m.Achievement("", "체육시설 현황", m.MARK_PLAIN, [m.BulletLine(m.MARK_BOX, "총 5개소")])
    assert card.communication == [1, None, None, 2, None]


def test_word_bullet_numbering_becomes_marker(tmp_path: Path) -> None:
    """A ○ typed as a Word bullet list (numbering symbol ○) reads as a ○ line."""
    path = department_docx(tmp_path / "dept.docx")
    source = parts(path.read_bytes())
    numbering = (b'<w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                 b'<w:abstractNum w:abstractNumId="9"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/>'
                 b'<w:lvlText w:val="\xe2\x97\x8b"/></w:lvl></w:abstractNum>'
                 b'<w:num w:numId="9"><w:abstractNumId w:val="9"/></w:num></w:numbering>')
    body = source["word/document.xml"].decode().replace(
        "<w:t>○ 준공</w:t>", "<w:t>준공</w:t>").replace(
        '<w:p><w:r><w:t>준공</w:t>', '<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="9"/></w:numPr>'
        '</w:pPr><w:r><w:t>준공</w:t>')
    assert 'w:numId w:val="9"' in body
    target = tmp_path / "numbered.docx"
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in source.items():
            archive.writestr(name, body.encode() if name == "word/document.xml"
                             else numbering if name == "word/numbering.xml" else data)
        if "word/numbering.xml" not in source:
            archive.writestr("word/numbering.xml", numbering)
    assert read_docx(target).bullets[m.FUTURE_PLAN] == [m.BulletLine(m.MARK_L1, "준공")]


# ── bad files ────────────────────────────────────────────────────────────
def test_not_a_docx(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="card.docx"):
        read_docx(write(tmp_path, "card.docx", "그냥 텍스트".encode()))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nothing.docx"):
        read_docx(tmp_path / "nothing.docx")


def test_zip_without_document(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(InputError, match="empty.docx"):
        read_docx(write(tmp_path, "empty.docx", buffer.getvalue()))


def test_broken_xml(tmp_path: Path) -> None:
    source = parts(render_docx(hand_card()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in source.items():
            archive.writestr(name, data[:-40] if name == "word/document.xml" else data)
    with pytest.raises(InputError, match="broken.docx"):
        read_docx(write(tmp_path, "broken.docx", buffer.getvalue()))


def test_entities_are_not_expanded(tmp_path: Path) -> None:
    source = parts(render_docx(hand_card()))
    doc = source["word/document.xml"].decode()
    doc = doc.replace("?>", '?><!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/passwd">]>', 1)
    doc = doc.replace("인재 양성", "&x;")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in source.items():
            archive.writestr(name, doc.encode() if name == "word/document.xml" else data)
    path = write(tmp_path, "xxe.docx", buffer.getvalue())
    try:
        lines = docx_lines(path)
    except InputError:
        return
    assert not any("root:" in line for line in lines)


def test_zip_bomb_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<" + b" " * (docx_reader.MAX_MEMBER_BYTES + 10) + b">")
    with pytest.raises(InputError, match="bomb.docx"):
        read_docx(write(tmp_path, "bomb.docx", buffer.getvalue()))


def test_word_document_that_is_no_card(tmp_path: Path) -> None:
    doc = docx.Document()
    doc.add_paragraph("회의록")
    doc.save(tmp_path / "minutes.docx")
    with pytest.raises(InputError, match="minutes.docx"):
        read_docx(tmp_path / "minutes.docx")


# ── PDF through LibreOffice ──────────────────────────────────────────────
@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice (soffice) or poppler-utils (pdftotext) is not installed; "
                           "install libreoffice-writer-nogui and poppler-utils (scripts/preview.sh does)")
def test_pdf_has_the_title(tmp_path: Path) -> None:
    card = read_text(FIXTURES / FIXTURE_NAMES[0])
    source = write(tmp_path, "card.docx", render_docx(card))
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(source)], check=True, capture_output=True, timeout=180)
    text = subprocess.run(["pdftotext", str(tmp_path / "card.pdf"), "-"], check=True, capture_output=True,
                          timeout=60).stdout.decode()
    squeeze = "".join
    assert squeeze(card.title.split()) in squeeze(text.split())
    assert m.H_ACHIEVEMENTS in squeeze(text.split())
