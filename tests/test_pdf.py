"""The PDF writer: LibreOffice conversion under the guard, page counts, joining, clear errors."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from docx import Document as WordDocument
from docx.enum.text import WD_BREAK

from reportgen.document import Document, PageBreak, Paragraph, Title
from reportgen.errors import CardError
from reportgen.writers import pdf

needs_tools = pytest.mark.skipif(pdf.missing() != "", reason="LibreOffice or poppler-utils is not installed")


def _word(pages: list[str]) -> bytes:
    """A DOCX (made with python-docx, not by reportgen) of one line per page, page breaks between."""
    doc = WordDocument()
    for index, text in enumerate(pages):
        run = doc.add_paragraph(text).add_run()
        if index < len(pages) - 1:
            run.add_break(WD_BREAK.PAGE)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _page_texts(data: bytes, tmp_path: Path) -> list[str]:
    """Each page's text (pdftotext), blanks removed."""
    path = tmp_path / "p.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, timeout=60).stdout.decode()
    return ["".join(page.split()) for page in text.split("\f")[:-1]]


@pytest.fixture
def private_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temp folder of the test's own, to see that a conversion leaves nothing in it."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@needs_tools
def test_convert_many_in_one_run_count_and_join(tmp_path: Path, private_temp: Path) -> None:
    one, three = pdf.convert([_word(["가나다"]), _word(["첫쪽", "둘쪽", "셋쪽"])])
    assert one.startswith(b"%PDF") and three.startswith(b"%PDF")
    assert (pdf.page_count(one), pdf.page_count(three)) == (1, 3)
    joined = pdf.join([three, one])
    assert pdf.page_count(joined) == 4
    assert _page_texts(joined, tmp_path) == ["첫쪽", "둘쪽", "셋쪽", "가나다"]
    assert os.listdir(private_temp) == []  # profile, temp files and PDFs went with the folder


@needs_tools
def test_render_document_is_the_docx_converted(tmp_path: Path) -> None:
    doc = Document("시험", (Title("신평·장림산업단지 조성"), Paragraph("첫째 쪽"), PageBreak(), Paragraph("둘째 쪽")))
    data = pdf.render_document(doc)
    assert pdf.page_count(data) == 2
    first, second = _page_texts(data, tmp_path)
    assert "신평·장림산업단지조성" in first and "첫째쪽" in first
    assert second == "둘째쪽"


def test_join_of_one_pdf_is_that_pdf() -> None:
    assert pdf.join([b"%PDF-1.4 x"]) == b"%PDF-1.4 x"


def test_no_soffice_is_a_card_error_saying_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf.shutil, "which", lambda _name: None)
    assert pdf.missing() == pdf.NO_SOFFICE
    with pytest.raises(CardError, match="LibreOffice") as caught:
        pdf.convert([_word(["가"])])
    assert isinstance(caught.value, pdf.PdfError)
    assert "libreoffice-writer-nogui" in str(caught.value) and "PDF 없음" in str(caught.value)


@pytest.mark.parametrize("absent", ["pdfinfo", "pdftotext", "pdfunite"])
def test_no_poppler_is_said(monkeypatch: pytest.MonkeyPatch, absent: str) -> None:
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None if name == absent else f"/usr/bin/{name}")
    assert pdf.missing() == pdf.NO_POPPLER
    assert absent in pdf.NO_POPPLER
    with pytest.raises(pdf.PdfError, match="poppler-utils"):
        {"pdfinfo": pdf.page_count, "pdftotext": pdf.page_texts, "pdfunite": pdf.join}[absent](b"%PDF")


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler-utils is not installed")
def test_page_count_of_a_broken_pdf_is_a_clear_error() -> None:
    with pytest.raises(pdf.PdfError, match="pdfinfo"):
        pdf.page_count(b"not a pdf at all")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
def test_page_texts_of_a_broken_pdf_is_a_clear_error() -> None:
    with pytest.raises(pdf.PdfError, match="PDF 없음: pdftotext"):
        pdf.page_texts(b"not a pdf at all")


@needs_tools
def test_page_texts_one_a_page_in_order() -> None:
    """Four pages, the third empty: four texts, in order (a page with no text is an empty one)."""
    data = pdf.convert([_word(["첫쪽 가나", "둘쪽", "", "넷쪽"])])[0]
    assert ["".join(text.split()) for text in pdf.page_texts(data)] == ["첫쪽가나", "둘쪽", "", "넷쪽"]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_timeout_is_a_clear_error_and_leaves_nothing(private_temp: Path) -> None:
    with pytest.raises(pdf.PdfError) as caught:
        pdf.convert([_word(["가"])], timeout=0.01)
    assert str(caught.value).startswith("PDF 없음") and "0.01" in str(caught.value)
    assert os.listdir(private_temp) == []


def _processes_in(folder: Path) -> set[int]:
    """The pids of processes whose command line names ``folder`` (LibreOffice runs in a folder there)."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                line = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if str(folder).encode() in line:
                found.add(int(entry))
    return found


@needs_tools
def test_two_runs_at_once_each_its_own_folder(tmp_path: Path, private_temp: Path) -> None:
    """Two LibreOffice runs started together (two processes, two profiles) both convert; each
    gives its own PDFs in order, and nothing is left in the temp folder."""
    with pdf.converting([_word(["하나"]), _word(["둘", "셋"])]) as first, pdf.converting([_word(["넷"])]) as second:
        assert len(os.listdir(private_temp)) == 2  # two folders, each with its own profile
        late, (one, two) = second(), first()
    assert [_page_texts(data, tmp_path) for data in (one, two, late[0])] == [["하나"], ["둘", "셋"], ["넷"]]
    assert os.listdir(private_temp) == []


@needs_tools
def test_a_run_left_unwaited_is_ended_and_removed(private_temp: Path) -> None:
    """Leaving the block by an error before waiting ends LibreOffice and removes its folder."""
    with pytest.raises(KeyboardInterrupt), pdf.converting([_word(["가"] * 50)]):
        assert len(os.listdir(private_temp)) == 1
        time.sleep(0.5)
        assert _processes_in(private_temp)  # the guard and LibreOffice run
        raise KeyboardInterrupt
    assert os.listdir(private_temp) == []
    assert _processes_in(private_temp) == set()
