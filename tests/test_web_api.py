"""reportgen web: every API path and the pages' forms through Starlette's TestClient (tmp workspaces)."""

from __future__ import annotations

import copy
import io
import re
import time
import warnings
import zipfile
from pathlib import Path

import lxml.html
import openpyxl
import pytest
from lxml import etree
from test_finance import ROWS as FINANCE_ROWS
from test_finance import workbook_file as finance_workbook

with warnings.catch_warnings():  # Starlette prefers httpx2; httpx is what this project pins
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from reportgen.errors import InputError
from reportgen.formats import WRITERS
from reportgen.readers.workbook import read_workbook
from reportgen.web import create_app, serve
from reportgen.web.app import Limits, _refuse_open_address
from reportgen.web.security import read_password
from reportgen.web.workspace import Workspace
from reportgen.writers.workbook import write_workbook

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "input" / "master.xlsx"
SAMPLE_HISTORY = REPO / "input" / "history" / "2024-03.xlsx"


def _workspace(tmp_path: Path) -> Workspace:
    root = tmp_path / "ws"
    (root / "history").mkdir(parents=True)
    (root / "master.xlsx").write_bytes(SAMPLE.read_bytes())
    (root / "history" / "2024-03.xlsx").write_bytes(SAMPLE_HISTORY.read_bytes())
    return Workspace.open(root)


@pytest.fixture()
def space(tmp_path: Path) -> Workspace:
    return _workspace(tmp_path)


def _client(space: Workspace, **options: object) -> TestClient:
    client = TestClient(create_app(space, **options), raise_server_exceptions=False)
    client.headers["x-csrf-token"] = client.get("/api/csrf").json()["csrf"]
    return client


@pytest.fixture()
def client(space: Workspace) -> TestClient:
    return _client(space)


def _card_file(progress: int, fmt: str = "hwpx", card_id: str = "3-1") -> bytes:
    card = copy.deepcopy(read_workbook(SAMPLE).cards[0])
    card.header.progress = progress
    card.id = card_id
    return WRITERS[fmt].render(card)


def _broken_workbook() -> bytes:
    book = openpyxl.load_workbook(SAMPLE)
    book["공약목록"]["H2"] = "육십"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ── reading ──────────────────────────────────────────────────────────────


def test_health(client: TestClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200 and response.json() == {"ok": True}


def test_cards_lists_the_sample_card(client: TestClient) -> None:
    assert client.get("/api/cards").json() == [{
        "id": "3-1", "title": "서부산스마트밸리 「낙동강 테크노밸리」 조성", "area": "3. 일자리가 넘치는 경제도시",
        "department": "전략사업과 스마트산업담당", "status": "추진 중", "progress": 60}]


@pytest.mark.parametrize(("fmt", "start"), [("txt", None), ("docx", b"PK"), ("xlsx", b"PK"), ("hwpx", b"PK"),
                                            ("hwp", b"\xd0\xcf\x11\xe0"), ("html", b"<!doctype html>")])
def test_card_file_in_each_format(client: TestClient, fmt: str, start: bytes | None) -> None:
    response = client.get(f"/api/cards/3-1.{fmt}")
    assert response.status_code == 200
    assert response.content.startswith(start) if start else "낙동강 테크노밸리" in response.text
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("inline" if fmt == "html" else "attachment")
    assert "filename*=UTF-8''3-1_" in disposition


def test_card_file_unknown_card_and_format(client: TestClient) -> None:
    assert client.get("/api/cards/9-9.txt").status_code == 404
    response = client.get("/api/cards/3-1.exe")
    assert response.status_code == 404 and "exe" in response.json()["problems"][0]["message"]
    assert client.get("/api/jobs/nothing").status_code == 404
    assert client.get("/static/page.html.j2").status_code == 404  # only the app's own assets


def test_history_lists_the_versions(client: TestClient) -> None:
    assert [v["name"] for v in client.get("/api/history").json()] == ["2024-03.xlsx"]


# ── POST /api/workbook ──────────────────────────────────────────────────


def test_workbook_valid_becomes_the_master_and_the_old_one_goes_to_history(client: TestClient, space: Workspace) -> None:
    book = openpyxl.load_workbook(SAMPLE)
    book["공약목록"]["H2"] = 75
    out = io.BytesIO()
    book.save(out)
    before = space.master.read_bytes()
    response = client.post("/api/workbook", files={"file": ("4분기.xlsx", out.getvalue())})
    assert response.status_code == 200 and response.json()["cards"] == 1
    assert client.get("/api/cards").json()[0]["progress"] == 75
    saved = response.json()["saved"]
    assert (space.history / saved).read_bytes() == before


def test_workbook_broken_names_sheet_and_cell_and_leaves_the_master(client: TestClient, space: Workspace) -> None:
    before = space.master.read_bytes()
    response = client.post("/api/workbook", files={"file": ("부서.xlsx", _broken_workbook())})
    assert response.status_code == 422
    problems = response.json()["problems"]
    assert {"file", "place", "message", "fix"} == set(problems[0])
    assert ("부서.xlsx", "공약목록!H2") in [(p["file"], p["place"]) for p in problems]
    assert space.master.read_bytes() == before
    assert list(space.uploads.iterdir()) == []  # the upload is not kept


def test_workbook_not_an_xlsx(client: TestClient, space: Workspace) -> None:
    before = space.master.read_bytes()
    for name, data in (("a.xlsx", b"just text"), ("a.pdf", b"%PDF-1.4"), ("a.xlsx", b"")):
        response = client.post("/api/workbook", files={"file": (name, data)})
        assert response.status_code == 422, name
        assert response.json()["problems"][0]["file"] == name
    assert space.master.read_bytes() == before


def test_workbook_without_a_file(client: TestClient) -> None:
    response = client.post("/api/workbook", data={"x": "1"})
    assert response.status_code == 422 and "올린 파일이 없습니다" in response.json()["problems"][0]["message"]


def test_oversized_upload_is_413_with_a_problem(space: Workspace) -> None:
    small = _client(space, limits=Limits(body_bytes=50_000))
    before = space.master.read_bytes()
    response = small.post("/api/workbook", files={"file": ("big.xlsx", b"PK\x03\x04" + b"0" * 60_000)})
    assert response.status_code == 413
    assert "너무 큽니다" in response.json()["problems"][0]["message"]
    assert space.master.read_bytes() == before


def test_too_many_files_at_once_is_a_problem_not_a_crash(space: Workspace) -> None:
    few = _client(space, limits=Limits(files=2))
    files = [("files", (f"{n}.hwpx", _card_file(70))) for n in range(3)]
    response = few.post("/api/collect", files=files)
    assert response.status_code == 400
    assert "파일이 너무 많거나" in response.json()["problems"][0]["message"]
    assert few.post("/api/collect", files=files[:2]).status_code == 200


def test_missing_or_wrong_csrf_is_403_on_every_state_changing_path(space: Workspace) -> None:
    client = _client(space)
    del client.headers["x-csrf-token"]
    paths = ["/api/workbook", "/api/collect", "/api/collect/x/accept", "/api/undo", "/check", "/collect",
             "/undo", "/make/summary", "/check/abc/install", "/collect/x/accept"]
    for path in paths:
        response = client.post(path, files={"file": ("a.xlsx", b"PK\x03\x04")})
        assert response.status_code == 403, path
        wrong = client.post(path, data={"csrf": "not-the-token"})
        assert wrong.status_code == 403, path


def test_another_origin_is_refused_even_with_the_token(client: TestClient, space: Workspace) -> None:
    before = space.master.read_bytes()
    response = client.post("/api/workbook", files={"file": ("a.xlsx", SAMPLE.read_bytes())},
                           headers={"origin": "http://evil.example"})
    assert response.status_code == 403
    assert space.master.read_bytes() == before
    same = client.post("/api/undo", headers={"origin": "http://testserver"})
    assert same.status_code == 422  # past the origin check: nothing to undo


def test_session_cookie_is_httponly_and_samesite(space: Workspace) -> None:
    response = TestClient(create_app(space)).get("/")
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in response.headers["content-security-policy"]


# ── 취합 ─────────────────────────────────────────────────────────────────


def test_collect_matches_each_file_and_accept_updates_the_master(client: TestClient, space: Workspace) -> None:
    files = [("files", ("전략사업과.hwpx", _card_file(85))),
             ("files", ("새공약.hwpx", _card_file(10, card_id="9-9"))),
             ("files", ("메모.txt", "아무 내용".encode())),
             ("files", ("그림.png", b"\x89PNG"))]
    response = client.post("/api/collect", files=files)
    assert response.status_code == 200
    body = response.json()
    good, missing, text, picture = body["results"]
    assert good["file"] == "전략사업과.hwpx" and good["id"] == "3-1"
    assert {"item": "추진율", "old": "60%", "new": "85%"} in good["changes"]
    assert missing["file"] == "새공약.hwpx" and "9-9" in missing["problems"][0]["message"]
    assert text["file"] == "메모.txt" and text["problems"]
    assert picture["problems"][0]["message"].startswith("올릴 수 없는 파일 형식입니다: .png")
    before = space.master.read_bytes()
    accepted = client.post(f"/api/collect/{body['collection']}/accept", json={"ids": ["3-1"]})
    assert accepted.status_code == 200 and accepted.json()["accepted"] == ["3-1"]
    assert client.get("/api/cards").json()[0]["progress"] == 85
    assert (space.history / accepted.json()["saved"]).read_bytes() == before
    undone = client.post("/api/undo")
    assert undone.status_code == 200 and space.master.read_bytes() == before
    assert client.get("/api/cards").json()[0]["progress"] == 60


def test_accept_refuses_ids_not_in_the_collection_and_unknown_collections(client: TestClient, space: Workspace) -> None:
    key = client.post("/api/collect", files=[("files", ("a.hwpx", _card_file(85)))]).json()["collection"]
    before = space.master.read_bytes()
    assert client.post(f"/api/collect/{key}/accept", json={"ids": ["9-9"]}).status_code == 422
    assert client.post(f"/api/collect/{key}/accept", json={"wrong": 1}).status_code == 422
    assert client.post("/api/collect/nothing/accept", json={"ids": ["3-1"]}).status_code == 404
    assert space.master.read_bytes() == before


def test_undo_with_nothing_to_undo(client: TestClient) -> None:
    response = client.post("/api/undo")
    assert response.status_code == 422 and "되돌릴 변경이 없습니다" in response.json()["problems"][0]["message"]


# ── 만들기 ────────────────────────────────────────────────────────────────


def test_package_is_a_zip_with_the_combined_documents(client: TestClient) -> None:
    response = client.get("/api/package")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert "manifest.json" in names
    assert any(name.endswith(".hwpx") and "/" not in name for name in names)


def _finished(client: TestClient, location: str) -> dict:
    job = location.rsplit("/", 1)[1]
    for _ in range(300):
        state = client.get(f"/api/jobs/{job}").json()
        if state["done"]:
            return state
        time.sleep(0.1)
    raise AssertionError("the job did not finish")


def test_make_summary_and_changes_jobs(client: TestClient, space: Workspace) -> None:
    made = client.post("/make/summary", data={"csrf": client.headers["x-csrf-token"]}, follow_redirects=False)
    assert made.status_code == 303
    state = _finished(client, made.headers["location"])
    assert state["ok"] and client.get(state["download"]).content.startswith(b"PK")
    assert (space.output / "총괄표.xlsx").is_file()
    changes = client.post("/make/changes", data={"csrf": client.headers["x-csrf-token"], "version": "2024-03.xlsx"},
                          follow_redirects=False)
    state = _finished(client, changes.headers["location"])
    assert state["ok"] and state["notes"][0].startswith("변동 카드 1건")
    bad = client.post("/make/changes", data={"csrf": client.headers["x-csrf-token"], "version": "../master.xlsx"},
                      follow_redirects=False)
    state = _finished(client, bad.headers["location"])
    assert not state["ok"] and "기록에 없는 버전" in state["problems"][0]["message"]


# ── pages ─────────────────────────────────────────────────────────────────


def test_pages_are_korean_and_label_their_fields(client: TestClient) -> None:
    for path in ("/", "/cards", "/cards/3-1", "/check", "/collect", "/make"):
        html = client.get(path).text
        assert '<html lang="ko">' in html, path
        # every asset is local: no src/href to another host (a random CSRF token may spell "cdn")
        assert not re.search(r'(?:src|href|action)="(?:[a-z]+:)?//', html), path
    cards = client.get("/cards").text
    for field in ("f-area", "f-department", "f-status", "f-q"):
        assert f'<label for="{field}">' in cards and f'id="{field}"' in cards


def _status_page(tmp_path: Path, master: bytes) -> etree._Element:
    root = tmp_path / "rated"
    root.mkdir()
    (root / "master.xlsx").write_bytes(master)
    response = _client(Workspace.open(root)).get("/")
    assert response.status_code == 200
    return lxml.html.fromstring(response.text)


def _texts(nodes: list[etree._Element]) -> list[str]:
    return [" ".join(node.text_content().split()) for node in nodes]


def test_status_page_follows_the_rates_settings_chose(tmp_path: Path) -> None:
    sample = read_workbook(SAMPLE)
    sample.settings.rates = ["목표달성률", "완료율"]  # 설정 `총괄표 지표`, in this order
    page = _status_page(tmp_path, write_workbook(sample))
    # the one card 3-1: 추진 중 (not 완료) → 완료율 0 ÷ 1 = 0.0; 추진율 60 ≥ its 2024 목표 60 → 1 ÷ 1 = 100.0
    assert [_texts(tile.xpath("span")) for tile in page.xpath("//ul[@class='figures']/li")] == [
        ["1", "공약사업 (건)"], ["0", "완료 (건)"], ["100.0", "목표달성률 (%)"], ["0.0", "완료율 (%)"]]
    rates = page.xpath("//table[caption='주요 지표']")[0]
    assert [_texts(row.xpath("th|td")) for row in rates.xpath(".//tr")] == [
        ["지표", "값(%)", "산출"], ["목표달성률", "100.0", "1 ÷ 1 × 100"], ["완료율", "0.0", "0 ÷ 1 × 100"]]
    area = page.xpath("//table[caption='분야별']")[0]
    assert _texts(area.xpath("thead/tr/th"))[-2:] == ["폐기", "완료율(%)"]  # no 평균 추진율 column
    formulas = _texts(page.xpath(f"//*[@id='{area.get('aria-describedby')}']/p"))
    assert formulas == [  # the printed 총괄표's notes under its status tables (summary.status_notes)
        "※ 완료율 = 완료 카드 수 ÷ 전체 카드 수 × 100 (완료: 완료, 이행후 계속추진)",
        "※ 소수 첫째 자리 반올림(0.05 올림), 나누는 수가 0이면 '-'", "※ 상태는 띄어쓰기를 무시하고 비교, 0건은 '-'"]
    assert not page.xpath("//h2[text()='공약가계부']")  # no 재정계획 rows


def test_status_page_shows_the_finance_plan_with_its_headers(tmp_path: Path) -> None:
    page = _status_page(tmp_path, finance_workbook(tmp_path, FINANCE_ROWS).read_bytes())
    table = page.xpath("//table[caption='공약가계부(재원별)']")[0]
    assert [(th.text, th.get("scope")) for th in table.xpath("thead/tr/th")] == [
        ("재원", "col"), ("계획(백만원)", "col"), ("확보(백만원)", "col"), ("집행(백만원)", "col"),
        ("확보율(%)", "col"), ("집행률(%)", "col")]
    # 국비 1,234.5 (3-1's whole term) + 100 (3-2) = 1,334.5; 시·군·구비 5,000 + 6,110.5 = 11,110.5; 기타 1,234.5
    # 합계 1,334.5 + 11,110.5 + 1,234.5 = 13,679.5; 확보 1,000 + 2,000 = 3,000 → 3,000 ÷ 13,679.5 = 21.93… → 21.9
    assert _texts(table.xpath("tbody/tr[last()]/*")) == ["합계", "13,679.5", "3,000", "2,400", "21.9", "80.0"]
    assert page.xpath("//table[caption='공약가계부(분야별)']//th[@scope='rowgroup']")


def test_card_list_filters(client: TestClient) -> None:
    assert "1장 중 1장" in client.get("/cards", params={"status": "추진 중"}).text
    assert "1장 중 0장" in client.get("/cards", params={"status": "완료"}).text
    assert "1장 중 1장" in client.get("/cards", params={"q": "테크노"}).text
    assert "1장 중 0장" in client.get("/cards", params={"q": "없는말"}).text


def test_check_page_groups_problems_by_sheet(client: TestClient, space: Workspace) -> None:
    response = client.post("/check", files={"file": ("부서.xlsx", _broken_workbook())},
                           data={"csrf": client.headers["x-csrf-token"]})
    assert response.status_code == 422
    assert "<h3>공약목록</h3>" in response.text and "공약목록!H2" in response.text
    assert "Traceback" not in response.text


def test_a_bug_gives_a_short_page_without_python_internals(space: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    client = _client(space)

    def broken(*_args: object) -> None:
        raise RuntimeError("secret internals /home/user/x.py line 3")

    monkeypatch.setattr("reportgen.web.routes.summarize", broken)
    response = client.get("/")
    assert response.status_code == 500
    assert "내부 오류" in response.text and "secret internals" not in response.text and "Traceback" not in response.text


def test_password_is_asked_before_anything_else(space: Workspace) -> None:
    client = TestClient(create_app(space, password="correct horse"), follow_redirects=False)
    assert client.get("/").headers["location"] == "/login"
    assert client.get("/api/cards").status_code == 401
    assert client.get("/api/health").status_code == 200
    token = client.get("/api/csrf").status_code
    assert token == 401
    login = client.get("/login")
    csrf = login.text.split('name="csrf" value="')[1].split('"')[0]
    assert client.post("/login", data={"csrf": csrf, "password": "wrong"}).status_code == 401
    assert client.post("/login", data={"csrf": csrf, "password": "correct horse"}).status_code == 303
    assert client.get("/api/cards").status_code == 200


def test_another_address_needs_a_password_file(tmp_path: Path) -> None:
    _refuse_open_address("127.0.0.1", None)
    _refuse_open_address("::1", None)
    with pytest.raises(InputError) as caught:
        serve(tmp_path / "never", host="0.0.0.0", open_browser=False)
    assert caught.value.problems[0].file == "--host"
    assert not (tmp_path / "never").exists()  # refused before anything was made
    short = tmp_path / "pw.txt"
    short.write_text("short\n", encoding="utf-8")
    with pytest.raises(InputError):
        read_password(short)
    short.write_text("long enough password\nignored\n", encoding="utf-8")
    assert read_password(short) == "long enough password"


def test_a_new_workspace_gets_the_sample(tmp_path: Path) -> None:
    space = Workspace.open(tmp_path / "new")
    assert space.master.read_bytes() == SAMPLE.read_bytes()
    assert (space.history / "2024-03.xlsx").read_bytes() == SAMPLE_HISTORY.read_bytes()


# ── reading the master once ───────────────────────────────────────────────


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every workbook read from here on (the checks of collect.py and the workspace's reads)."""
    from reportgen import collect
    from reportgen.web import workspace

    read: list[Path] = []

    def counted(path: Path) -> object:
        read.append(Path(path))
        return read_workbook(path)

    monkeypatch.setattr(collect, "read_workbook", counted)
    monkeypatch.setattr(workspace, "read_workbook", counted)
    return read


def _workbook_with_progress(progress: int) -> bytes:
    book = openpyxl.load_workbook(SAMPLE)
    book["공약목록"]["H2"] = progress
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_check_then_install_reads_the_upload_once(client: TestClient, space: Workspace,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    before = space.master.read_bytes()
    read = _count_reads(monkeypatch)
    csrf = {"csrf": client.headers["x-csrf-token"]}
    checked = client.post("/check", files={"file": ("4분기.xlsx", _workbook_with_progress(45))}, data=csrf)
    assert checked.status_code == 200 and "문제가 없습니다: 4분기.xlsx (카드 1장)" in checked.text
    token = checked.text.split('action="/check/')[1].split("/install")[0]
    assert list(space.uploads.iterdir()) == []  # checked in memory, not left on disk
    installed = client.post(f"/check/{token}/install", data=csrf, follow_redirects=False)
    assert installed.status_code == 303 and installed.headers["location"] == "/"
    assert client.get("/api/cards").json()[0]["progress"] == 45
    assert "새 마스터 워크북입니다 (카드 1장)" in client.get("/").text
    assert len(read) == 1  # the check's read serves the install and the pages after it
    saved = client.get("/api/history").json()[0]["name"]
    assert (space.history / saved).read_bytes() == before
    again = client.post(f"/check/{token}/install", data=csrf)
    assert again.status_code == 404 and "검사한 파일이 없습니다" in again.text  # a token is used once


def test_workbook_api_and_accept_read_once_and_undo_reads_nothing(client: TestClient, space: Workspace,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    assert client.get("/api/cards").json()[0]["progress"] == 60  # the master read before counting
    read = _count_reads(monkeypatch)
    assert client.post("/api/workbook", files={"file": ("4분기.xlsx", _workbook_with_progress(70))}).status_code == 200
    assert client.get("/api/cards").json()[0]["progress"] == 70
    assert len(read) == 1
    key = client.post("/api/collect", files=[("files", ("a.hwpx", _card_file(85)))]).json()["collection"]
    assert client.post(f"/api/collect/{key}/accept", json={"ids": ["3-1"]}).status_code == 200
    assert client.get("/api/cards").json()[0]["progress"] == 85
    assert len(read) == 2  # the check of the merged workbook only
    assert client.post("/api/undo").status_code == 200
    assert client.get("/api/cards").json()[0]["progress"] == 70
    assert len(read) == 2  # the master put back was read before: kept in memory


def test_a_master_changed_outside_is_read_again(client: TestClient, space: Workspace) -> None:
    assert client.get("/api/cards").json()[0]["progress"] == 60
    space.master.write_bytes(_workbook_with_progress(30))  # saved from Excel while the server runs
    assert client.get("/api/cards").json()[0]["progress"] == 30
    assert client.get("/cards/3-1").status_code == 200


# ── a long card list ──────────────────────────────────────────────────────


def _many_cards(space: Workspace, count: int) -> None:
    """The master made of ``count`` copies of the sample card (1-1 … 1-N; every 4th in 복지정책과)."""
    from reportgen import model
    from reportgen.writers.workbook import write_workbook

    sample = read_workbook(SAMPLE)
    cards = []
    for number in range(1, count + 1):
        card = copy.deepcopy(sample.cards[0])
        card.id, card.title = f"1-{number}", f"시범사업 {number}호"
        if number % 4 == 0:
            card.header.department.department = "복지정책과"
        cards.append(card)
    space.master.write_bytes(write_workbook(model.Workbook(sample.settings, cards)))


def _row_ids(html: str) -> list[str]:
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    return [part.split("</td>")[0] for part in body.split("<tr>\n      <td>")[1:]]


def test_card_list_is_paged_by_100_keeping_the_filters(client: TestClient, space: Workspace) -> None:
    _many_cards(space, 250)
    first = client.get("/cards").text
    assert "250장 중 250장 · 1–100번째 (1/3쪽)" in first
    assert _row_ids(first)[:2] == ["1-1", "1-2"] and len(_row_ids(first)) == 100
    assert first.count('<nav class="pager" aria-label="카드 목록 쪽') == 2  # above and below the table
    assert 'href="/cards?page=2" rel="next">다음' in first and 'rel="prev"' not in first
    assert 'href="/cards?page=1" aria-current="page"' in first
    last = client.get("/cards", params={"page": "3"}).text
    assert "201–250번째 (3/3쪽)" in last and _row_ids(last)[-1] == "1-250" and len(_row_ids(last)) == 50
    assert 'href="/cards?page=2" rel="prev">이전' in last and 'rel="next"' not in last
    assert "201–250번째 (3/3쪽)" in client.get("/cards", params={"page": "99"}).text  # past the end: the last
    assert "1–100번째 (1/3쪽)" in client.get("/cards", params={"page": "둘"}).text
    welfare = client.get("/cards", params={"department": "복지정책과"}).text  # 62 cards: one page, no pager
    assert "250장 중 62장</p>" in welfare and 'class="pager"' not in welfare
    assert _row_ids(welfare)[:2] == ["1-4", "1-8"]
    found = client.get("/cards", params={"q": "호", "status": "추진 중"}).text
    assert "/cards?status=%EC%B6%94%EC%A7%84+%EC%A4%91&amp;q=%ED%98%B8&amp;page=2" in found


def test_pager_shows_the_ends_and_three_either_side() -> None:
    from reportgen.web.routes import pager

    wide = pager(20, 40, {"area": "", "q": "가"})
    assert [number for number, _href in wide.links] == [1, None, 17, 18, 19, 20, 21, 22, 23, None, 40]
    assert wide.previous == "/cards?q=%EA%B0%80&page=19" and wide.next == "/cards?q=%EA%B0%80&page=21"
    assert [number for number, _href in pager(2, 40, {}).links] == [1, 2, 3, 4, 5, None, 40]
    assert [number for number, _href in pager(1, 15, {}).links] == list(range(1, 16))
    assert pager(15, 15, {}).next == "" and pager(1, 2, {}).previous == ""


# ── many problems ─────────────────────────────────────────────────────────


def test_alike_problems_are_one_row_naming_every_cell() -> None:
    from reportgen.errors import Problem
    from reportgen.web.routes import Alike, by_sheet

    h2, h3 = (Problem("a.xlsx", f"공약목록!H{row}", "추진율이 아닙니다", "not a rate", "60", "60") for row in (2, 3))
    other = Problem("a.xlsx", "공약목록!C4", "사업명이 없습니다", "no title", "쓰세요", "write it")
    whole = Problem("a.xlsx", "", "시트가 없습니다", "no sheet")
    assert by_sheet([h2, other, whole, h3]) == [
        ("공약목록", [Alike(h2, ["공약목록!H2", "공약목록!H3"]), Alike(other, ["공약목록!C4"])]),
        ("(파일 전체)", [Alike(whole, [""])])]


def test_check_page_names_every_cell_of_a_problem_repeated_in_many(client: TestClient) -> None:
    book = openpyxl.load_workbook(SAMPLE)
    sheet = book["공약목록"]
    for row in range(3, 15):  # 12 more cards, each with a wrong 추진율
        for column in range(1, sheet.max_column + 1):
            sheet.cell(row, column, sheet.cell(2, column).value)
        sheet.cell(row, 1, f"3-{row}")
        sheet.cell(row, 8, "육십")
    out = io.BytesIO()
    book.save(out)
    page_ = client.post("/check", files={"file": ("부서.xlsx", out.getvalue())},
                        data={"csrf": client.headers["x-csrf-token"]}).text
    section = page_.split('class="problems"')[1]
    assert "고칠 곳 12건" in section and section.count("<tr>") == 2  # the header row and one problem row
    assert "12곳:" in section and "나머지 2곳 보기" in section
    assert all(f"공약목록!H{row}" in section for row in range(3, 15))
