"""The web's large products (all cards, the council package) go to files, never held in memory."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from test_web_api import _client, _finished, _workspace

from reportgen.fileio import card_filename
from reportgen.formats import WRITERS
from reportgen.readers.workbook import read_workbook
from reportgen.web import routes
from reportgen.web.workspace import Workspace


@pytest.fixture()
def space(tmp_path: Path) -> Workspace:
    return _workspace(tmp_path)


def _job_id(location: str) -> str:
    return location.rsplit("/", 1)[1]


def test_package_job_is_written_to_output_and_not_held(space: Workspace) -> None:
    client = _client(space)
    made = client.post("/make/package", data={"csrf": client.headers["x-csrf-token"]}, follow_redirects=False)
    state = _finished(client, made.headers["location"])
    assert state["ok"], state
    job = space.jobs[_job_id(made.headers["location"])]
    saved = space.output / "의회제출.zip"
    assert job.data == b"" and job.path == saved  # the job keeps the file's place, not its bytes
    response = client.get(state["download"])
    assert response.status_code == 200 and response.content == saved.read_bytes()
    assert response.headers["content-length"] == str(saved.stat().st_size)
    assert "filename*=UTF-8''%EC%9D%98%ED%9A%8C%EC%A0%9C%EC%B6%9C.zip" in response.headers["content-disposition"]
    assert "manifest.json" in zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert sorted(path.name for path in space.output.iterdir()) == ["의회제출.zip"]  # no temp file beside it


def test_a_job_file_deleted_since_is_a_clear_404(space: Workspace) -> None:
    client = _client(space)
    made = client.post("/make/package", data={"csrf": client.headers["x-csrf-token"]}, follow_redirects=False)
    state = _finished(client, made.headers["location"])
    (space.output / "의회제출.zip").unlink()
    response = client.get(state["download"])
    assert response.status_code == 404 and "파일이 없습니다" in response.text


def test_cards_job_zip_holds_every_card_file_in_name_order(space: Workspace) -> None:
    client = _client(space)
    made = client.post("/make/cards", data={"csrf": client.headers["x-csrf-token"]}, follow_redirects=False)
    state = _finished(client, made.headers["location"])
    assert state["ok"], state
    assert space.jobs[_job_id(made.headers["location"])].data == b""
    data = client.get(state["download"]).content
    assert data == (space.output / "카드.zip").read_bytes()
    book = read_workbook(space.master)
    expected = sorted(card_filename(card.id, card.title, WRITERS[fmt].suffix)
                      for card in book.cards for fmt in routes.CARD_FORMATS)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.namelist() == expected
    first = book.cards[0]
    assert archive.read(card_filename(first.id, first.title, ".txt")) == WRITERS["txt"].render(first)


def test_api_package_leaves_no_file_behind(space: Workspace) -> None:
    client = _client(space)
    response = client.get("/api/package")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    assert "manifest.json" in zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert list(space.uploads.iterdir()) == [] and list(space.output.iterdir()) == []


def test_api_package_that_fails_leaves_no_file_behind(space: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("reportgen.package.write_package", broken)
    response = _client(space).get("/api/package")
    assert response.status_code == 500 and "boom" not in response.text
    assert list(space.uploads.iterdir()) == []
