"""The command line never overwrites its inputs, never shows a traceback, and is strict.

* Outputs never land on an input (same file, symlink, hard link) nor on a master
  workbook the command was not asked to make or update (reportgen.safeguard).
* Foreseeable errors are InputErrors naming the file and the fix (exit 2, nothing
  written); a bug is a short bilingual message and exit 70, the traceback in a file.
* --format, -j, workbook names, --id/--title and 관리번호 across card files are strict.
* Notices of the workbook reader are printed by every command that reads a workbook.
"""

from __future__ import annotations

import copy
import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reportgen import model
from reportgen.cli import app
from reportgen.errors import InputError
from reportgen.formats import parse_formats
from reportgen.readers.text import read_text
from reportgen.safeguard import guard_outputs, is_master_workbook, output_folder
from reportgen.writers.text import render_text
from reportgen.writers.xlsx import render_xlsx

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
CARD_2403 = FIXTURES / "3-1_2024-03_from-docx.txt"
CARD_2412 = FIXTURES / "3-1_2024-12_from-hwp.txt"
TITLE = "서부산스마트밸리 「낙동강 테크노밸리」 조성"
OLD_QUARTER = ROOT / "input" / "history" / "2024-03.xlsx"
REPORTGEN = Path(sys.executable).with_name("reportgen")
runner = CliRunner()


def run(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refused(result, *fragments: str) -> None:
    """Exit 2, a clean error (no exception but the exit), every fragment in the output."""
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.output, (fragment, result.output)


@pytest.fixture
def master(tmp_path: Path) -> Path:
    """A master workbook made by importing the 2024-12 reference card."""
    path = tmp_path / "m.xlsx"
    result = run("import", CARD_2412, "--id", "3-1", "--title", TITLE, "-o", path)
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def old(tmp_path: Path) -> Path:
    path = tmp_path / "old.xlsx"
    shutil.copyfile(OLD_QUARTER, path)
    return path


def card_file(folder: Path, name: str, change: Callable[[model.Card], None]) -> Path:
    """The 2024-12 reference card with one change, as a text card."""
    card = read_text(CARD_2412)
    change(card)
    path = folder / name
    path.write_text(render_text(card), encoding="utf-8")
    return path


# ── class 1: outputs never overwrite inputs ───────────────────────────────
def test_summary_and_diff_refuse_to_write_over_their_input(master: Path, old: Path) -> None:
    before_master, before_old = digest(master), digest(old)
    refused(run("summary", master, "-o", master), str(master), "same file as the input")
    refused(run("diff", old, master, "-o", master), "same file as the input", "다른 파일 이름")
    refused(run("diff", old, master, "-o", old), f"same file as the input {old}")
    assert (digest(master), digest(old)) == (before_master, before_old)
    assert run("check", master).output.strip() == "OK: 1 cards"


def test_package_refuses_its_input_and_build_refuses_the_workbook_as_folder(master: Path, tmp_path: Path) -> None:
    as_zip = tmp_path / "m.zip"  # the reader goes by content, not by name
    shutil.copyfile(master, as_zip)
    before = digest(as_zip)
    refused(run("package", as_zip, "-o", as_zip, "--no-pdf", "-j", "1"), "same file as the input")
    assert digest(as_zip) == before
    refused(run("build", master, "-o", master), "same file as the input", "다른 출력 폴더")
    assert master.is_file() and run("check", master).exit_code == 0


def test_links_to_an_input_are_the_input(master: Path, tmp_path: Path) -> None:
    before = digest(master)
    symlink, hardlink = tmp_path / "link.xlsx", tmp_path / "hard.xlsx"
    symlink.symlink_to(master)
    os.link(master, hardlink)
    refused(run("summary", symlink, "-o", master), f"same file as the input {symlink}")
    refused(run("summary", master, "-o", symlink), "same file as the input")
    refused(run("summary", master, "-o", hardlink), "same file as the input")
    assert digest(master) == before


def test_an_existing_master_workbook_is_never_a_report(master: Path, tmp_path: Path) -> None:
    other = tmp_path / "지난분기.xlsx"
    shutil.copyfile(OLD_QUARTER, other)
    before = digest(other)
    refused(run("summary", master, "-o", other), "master workbook", "공약목록")
    assert digest(other) == before
    report = tmp_path / "총괄표.xlsx"  # an earlier report is replaced as before
    assert run("summary", master, "-o", report).exit_code == 0
    assert run("summary", master, "-o", report).exit_code == 0
    assert not is_master_workbook(report)


def test_declared_workbook_outputs_may_replace_a_master(master: Path) -> None:
    result = run("import", CARD_2403, "-o", master)  # the update path: the workbook is read and rewritten
    assert result.exit_code == 0 and "replaced" in result.output, result.output
    assert run("init", "--force", master).exit_code == 0
    assert run("check", master).output.strip() == "OK: 0 cards"


def test_import_refuses_a_workbook_name_that_leads_to_a_card(tmp_path: Path) -> None:
    card = tmp_path / "card.txt"
    shutil.copyfile(CARD_2412, card)
    link = tmp_path / "book.xlsx"
    link.symlink_to(card)
    refused(run("import", card, "--id", "3-1", "--title", "x", "-o", link), f"same file as the input {card}")
    assert card.read_bytes() == CARD_2412.read_bytes()


def test_build_refuses_a_card_file_landing_on_the_workbook(master: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    inside = out / f"3-1_{TITLE}.xlsx"  # the name the card's xlsx file gets
    shutil.copyfile(master, inside)
    before = digest(inside)
    refused(run("build", inside, "-o", out, "--format", "txt,xlsx", "-j", "1"), str(inside), "same file as the input")
    assert sorted(p.name for p in out.iterdir()) == [inside.name] and digest(inside) == before
    assert run("build", inside, "-o", out, "--format", "txt", "-j", "1").exit_code == 0  # no card .xlsx: fine


def test_is_master_workbook_looks_only_at_the_sheet_list(master: Path, tmp_path: Path) -> None:
    card_xlsx = tmp_path / "card.xlsx"
    card_xlsx.write_bytes(render_xlsx(read_text(CARD_2412)))
    with zipfile.ZipFile(master) as archive:
        workbook_xml = archive.read("xl/workbook.xml")
    assert "공약목록".encode() in workbook_xml

    def repack(name: str, xml: bytes) -> Path:
        path = tmp_path / name
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("xl/workbook.xml", xml)
        return path

    with_dtd = b'<!DOCTYPE workbook [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + workbook_xml
    renamed = workbook_xml.replace("공약목록".encode(), "공약 목록표".encode())
    assert is_master_workbook(master) and is_master_workbook(repack("bare.xlsx", workbook_xml))
    assert not is_master_workbook(card_xlsx)
    assert not is_master_workbook(repack("dtd.xlsx", with_dtd))
    assert not is_master_workbook(repack("renamed.xlsx", renamed))
    assert not is_master_workbook(CARD_2412) and not is_master_workbook(tmp_path)
    assert not is_master_workbook(tmp_path / "missing.xlsx")


def test_guard_reports_every_clobbered_output_together(master: Path, old: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        guard_outputs([master, old, tmp_path / "new.txt"], [master], fix=("a", "b"))
    assert [p.file for p in caught.value.problems] == [str(master), str(old)]
    assert "same file" in caught.value.problems[0].en and "master workbook" in caught.value.problems[1].en


def test_the_root_of_the_file_system_is_no_output_folder() -> None:
    with pytest.raises(InputError, match="root of a file system"):
        output_folder(Path("/"))
    with pytest.raises(InputError, match="root of a file system"):
        output_folder(Path("/tmp/.."))
    output_folder(Path("output"))


# ── class 3: no traceback, ever ───────────────────────────────────────────
def test_a_bug_is_a_short_message_and_exit_70(tmp_path: Path, master: Path) -> None:
    """The real entry point with a fault injected: no traceback on the screen, the traceback saved."""
    code = ("import sys\nfrom reportgen import cli\n"
            "def boom(*args, **kwargs):\n    raise RuntimeError('boom: 고장')\n"
            "cli.batch.select_cards = boom\n"
            f"sys.argv = ['reportgen', 'build', {str(master)!r}, '-o', {str(tmp_path / 'out')!r}]\n"
            "cli.main()\n")
    env = dict(os.environ, TMPDIR=str(tmp_path), COLUMNS="80")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 70, done.stderr
    assert "Traceback" not in done.stderr and "╭" not in done.stderr and "│" not in done.stderr
    assert "reportgen 내부 오류 / internal error: RuntimeError: boom: 고장" in done.stderr
    assert "please report it" in done.stderr
    [saved] = tmp_path.glob("reportgen-error-*.txt")
    assert str(saved) in done.stderr
    text = saved.read_text(encoding="utf-8")
    assert "Traceback" in text and "boom: 고장" in text and "select_cards" in text
    assert not (tmp_path / "out").exists()


def test_import_card_the_workbook_cannot_hold_names_the_card_file(tmp_path: Path) -> None:
    """Writer CardErrors (the same □ 추진실적 title twice, plan years that differ) name the card file."""
    twice = card_file(tmp_path, "twice.txt", lambda c: c.achievements.append(copy.deepcopy(c.achievements[0])))
    target = tmp_path / "m.xlsx"
    refused(run("import", twice, "--id", "3-1", "--title", "x", "-o", target),
            f"{twice}: 이 카드는 워크북에 쓸 수 없습니다", "appears twice")
    assert not target.exists()
    assert run("import", CARD_2412, "--id", "3-1", "--title", "x", "-o", target).exit_code == 0
    before = digest(target)

    def later_years(card: model.Card) -> None:
        card.annual_plan.years = [year + 1 for year in card.annual_plan.years]

    years = card_file(tmp_path, "years.txt", later_years)
    refused(run("import", years, "--id", "3-2", "--title", "y", "-o", target),
            f"{years}: 이 카드는 워크북에 쓸 수 없습니다", "2023~2027", "2022~2026")
    assert digest(target) == before


def test_status_with_a_comma_or_unknown_to_the_workbook(tmp_path: Path) -> None:
    def status(card: model.Card) -> None:
        card.header.status = "추진 중, 지연"

    comma = card_file(tmp_path, "comma.txt", status)
    new = tmp_path / "new.xlsx"
    refused(run("import", comma, "--id", "3-1", "--title", "x", "-o", new), str(comma), "holds a comma", "쉼표")
    assert not new.exists()
    existing = tmp_path / "m.xlsx"
    assert run("import", CARD_2412, "--id", "3-1", "--title", "x", "-o", existing).exit_code == 0
    before = digest(existing)
    refused(run("import", comma, "--id", "3-2", "--title", "y", "-o", existing),
            str(comma), "holds a comma", "쉼표")
    assert digest(existing) == before and run("check", existing).exit_code == 0


def test_a_status_that_only_looks_different_is_not_listed_twice(tmp_path: Path) -> None:
    """A zero-width space in the card's 추진상황 folds away: the new workbook lists 추진 중 once."""
    from reportgen.readers.workbook import read_workbook

    def status(card: model.Card) -> None:
        card.header.status = "추진\u200b 중"

    card = card_file(tmp_path, "zw.txt", status)
    target = tmp_path / "new.xlsx"
    assert run("import", card, "--id", "3-1", "--title", "x", "-o", target).exit_code == 0
    book = read_workbook(target)
    assert book.settings.statuses == list(model.DEFAULT_STATUSES)
    assert book.cards[0].header.status == "추진 중"


@pytest.mark.parametrize("option", ["--id", "--title", "--area"])
@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_identity_options_are_refused(option: str, blank: str, tmp_path: Path) -> None:
    args = {"--id": "3-1", "--title": "x", "--area": "분야"} | {option: blank}
    target = tmp_path / "m.xlsx"
    refused(run("import", CARD_2412, *[v for pair in args.items() for v in pair], "-o", target),
            f"{option} is blank")
    assert not target.exists()


def test_a_folder_is_not_a_file(master: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cards.txt"
    folder.mkdir()
    plain = tmp_path / "plain"
    plain.mkdir()
    for args in (("check", plain), ("import", folder, "--id", "1", "--title", "x", "-o", tmp_path / "n.xlsx"),
                 ("import", plain, "-o", tmp_path / "n.xlsx"), ("diff", plain, master, "-o", tmp_path / "d.txt"),
                 ("summary", folder, "-o", tmp_path / "s.txt")):
        refused(run(*args), "폴더입니다 / is a folder, not a file")
    refused(run("summary", master, "-o", folder), "is a folder; give a file name")
    assert not (tmp_path / "n.xlsx").exists() and not (tmp_path / "d.txt").exists()


def _without_read_permission() -> list[str]:
    """A command prefix under which a file of mode 000 cannot be read (root: drop the DAC capabilities)."""
    if os.name != "posix":
        pytest.skip("POSIX permissions")
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-all"] if setpriv else []
    if not prefix or subprocess.run([*prefix, "true"], capture_output=True).returncode != 0:
        pytest.skip("root, and the DAC capabilities cannot be dropped here")
    return prefix


def test_an_unreadable_file_says_so(master: Path, tmp_path: Path) -> None:
    prefix = _without_read_permission()
    workbook, card = tmp_path / "locked.xlsx", tmp_path / "locked.txt"
    shutil.copyfile(master, workbook)
    shutil.copyfile(CARD_2412, card)
    workbook.chmod(0o000)
    card.chmod(0o000)
    try:
        for args in (["check", str(workbook)], ["import", str(card), "-o", str(tmp_path / "n.xlsx")],
                     ["summary", str(workbook), "-o", str(tmp_path / "s.txt")]):
            done = subprocess.run([*prefix, str(REPORTGEN), *args], capture_output=True, text=True, timeout=120)
            assert done.returncode == 2, done.stderr
            assert "읽을 권한이 없습니다 / no permission to read the file" in done.stderr
            assert args[1] in done.stderr and "Traceback" not in done.stderr
    finally:
        workbook.chmod(0o644)
        card.chmod(0o644)
    assert not (tmp_path / "n.xlsx").exists() and not (tmp_path / "s.txt").exists()


#: hostile arguments → a fragment of the one clear message (exit 2, nothing written)
HOSTILE: dict[str, tuple[list[str], str]] = {
    "init empty name": (["init", ""], "the path is empty"),
    "init .txt": (["init", "{tmp}/new.txt"], "must end in .xlsx"),
    "init /": (["init", "/"], "must end in .xlsx"),
    "init ..": (["init", ".."], "must end in .xlsx"),
    "init long name": (["init", "{tmp}/" + "가" * 90 + ".xlsx"], "longer than 255 bytes"),
    "import -o .txt": (["import", str(CARD_2412), "--id", "1", "--title", "x", "-o", "{tmp}/m.txt"], "must end in .xlsx"),
    "import -o ''": (["import", str(CARD_2412), "-o", ""], "the path is empty"),
    "import card ''": (["import", "", "-o", "{tmp}/m.xlsx"], "the path is empty"),
    "import missing card": (["import", "{tmp}/none.txt", "-o", "{tmp}/m.xlsx"], "file not found"),
    "check missing": (["check", "{tmp}/none.xlsx"], "file not found"),
    "check /dev/null": (["check", "/dev/null"], "not a regular file"),
    "check empty": (["check", ""], "the path is empty"),
    "check long name": (["check", "{tmp}/" + "a" * 300 + ".xlsx"], "too long"),
    "build -o ''": (["build", "{master}", "-o", ""], "the path is empty"),
    "build -o long": (["build", "{master}", "-o", "{tmp}/" + "a" * 300], "longer than 255 bytes"),
    "build -j -1": (["build", "{master}", "-o", "{tmp}/out", "-j", "-1"], "give 0 (automatic) up to"),
    "build -j 100000": (["build", "{master}", "-o", "{tmp}/out", "-j", "100000"], "give 0 (automatic) up to"),
    "build --format ''": (["build", "{master}", "-o", "{tmp}/out", "--format", ""], "unknown format: (none)"),
    "build --format doc,all": (["build", "{master}", "-o", "{tmp}/out", "--format", "doc,all"], "unknown format: doc"),
    "summary -o ''": (["summary", "{master}", "-o", ""], "the path is empty"),
    "summary -o /": (["summary", "{master}", "-o", "/"], "is not a file name"),
    "summary -o .": (["summary", "{master}", "-o", "."], "is not a file name"),
    "summary -o ..": (["summary", "{master}", "-o", "{tmp}/.."], "is not a file name"),
    "summary -o no suffix": (["summary", "{master}", "-o", "{tmp}/report"], "unknown output type (no suffix)"),
    "summary -o long": (["summary", "{master}", "-o", "{tmp}/" + "a" * 300 + ".txt"], "longer than 255 bytes"),
    "diff -o ''": (["diff", "{master}", "{master}", "-o", ""], "the path is empty"),
    "package -o .tar": (["package", "{master}", "-o", "{tmp}/p.tar"], "the package is a .zip file"),
    "package -j -1": (["package", "{master}", "-o", "{tmp}/p.zip", "-j", "-1"], "give 0 (automatic) up to"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_arguments_get_one_clear_message(case: str, master: Path, tmp_path: Path) -> None:
    args, fragment = HOSTILE[case]
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    filled = [a.replace("{tmp}", str(scratch)).replace("{master}", str(master)) for a in args]
    refused(run(*filled), fragment, "nothing was written")
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize("args", [
    ["check", "{tmp}/" + "a" * 300 + ".xlsx"],
    ["check", "{tmp}/loop.xlsx"],
    ["build", "{tmp}/m.xlsx", "-o", "{tmp}/out", "-j", "-1"],
    ["summary", "{tmp}/m.xlsx", "-o", "{tmp}/m.xlsx"],
    ["build", "--no-such-option"],
], ids=["long name", "link loop", "-j -1", "summary over input", "unknown option"])
def test_the_installed_command_shows_no_traceback(args: list[str], master: Path, tmp_path: Path) -> None:
    (tmp_path / "loop.xlsx").symlink_to(tmp_path / "loop.xlsx")
    filled = [a.replace("{tmp}", str(tmp_path)) for a in args]
    done = subprocess.run([str(REPORTGEN), *filled], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, COLUMNS="100"))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "File \"" not in done.stderr
    assert done.stderr.strip()
    assert not (tmp_path / "out").exists()


# ── class 9: strict command line ──────────────────────────────────────────
@pytest.mark.parametrize(("text", "expected"), [
    ("ALL", ["txt", "docx", "xlsx", "hwpx", "hwp", "html"]),
    ("All", ["txt", "docx", "xlsx", "hwpx", "hwp", "html"]),
    ("all,txt", ["txt", "docx", "xlsx", "hwpx", "hwp", "html"]),
    ("txt,txt", ["txt"]),
    (" TXT , docx,txt ", ["txt", "docx"]),
    ("hwp,Docx", ["hwp", "docx"]),
])
def test_format_names_ignore_case_and_repeats(text: str, expected: list[str]) -> None:
    assert parse_formats(text) == expected


def test_format_all_builds_every_format_once(master: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("build", master, "-o", out, "--format", "All,TXT,txt", "-j", "1")
    assert result.exit_code == 0, result.output
    assert "6개 파일 / files" in result.output
    assert sorted(p.suffix for p in out.glob("3-1_*")) == [".docx", ".html", ".hwp", ".hwpx", ".txt", ".xlsx"]


def test_init_and_import_refuse_a_name_not_ending_in_xlsx(tmp_path: Path) -> None:
    refused(run("init", tmp_path / "new.txt"), "new.txt", "must end in .xlsx", "new.xlsx")
    refused(run("import", CARD_2412, "--id", "3-1", "--title", "x", "-o", tmp_path / "m.xls"), "must end in .xlsx")
    assert list(tmp_path.iterdir()) == []
    assert run("init", tmp_path / "NEW.XLSX").exit_code == 0


def test_id_and_title_apply_to_one_card_file(tmp_path: Path) -> None:
    target = tmp_path / "m.xlsx"
    refused(run("import", CARD_2403, CARD_2412, "--id", "3-1", "-o", target), "--id apply to a single card file")
    refused(run("import", CARD_2403, CARD_2412, "--id", "3-1", "--title", "x", "-o", target),
            "--id / --title apply to a single card file (2 were given)")
    assert not target.exists()


def test_two_card_files_with_one_id_are_refused_naming_both(master: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("build", master, "-o", out, "--format", "docx", "-j", "1").exit_code == 0
    [built] = out.glob("3-1_*.docx")
    first, second = tmp_path / "a.docx", tmp_path / "b.docx"
    shutil.copyfile(built, first)
    shutil.copyfile(built, second)
    target = tmp_path / "new.xlsx"
    refused(run("import", first, second, "-o", target), f"{second}: ", f"same 관리번호 3-1 as {first}")
    assert not target.exists()
    refused(run("import", first, first, "-o", target), "same 관리번호 3-1")
    assert run("import", first, "-o", target).exit_code == 0


def test_a_later_import_replaces_the_card_in_the_workbook(tmp_path: Path) -> None:
    """The update path: one card per run, the newer card replaces the one in the workbook."""
    target = tmp_path / "m.xlsx"
    assert run("import", CARD_2403, "--id", "3-1", "--title", TITLE, "-o", target).exit_code == 0
    result = run("import", CARD_2412, "--id", "3-1", "--title", TITLE, "-o", target)
    assert result.exit_code == 0 and "관리번호 3-1" in result.output and "replaced" in result.output
    out = tmp_path / "out"
    assert run("build", target, "-o", out, "-j", "1").exit_code == 0
    [card] = out.glob("3-1_*.txt")
    text = card.read_text(encoding="utf-8")
    assert "추진 중(60%)" in text and "추진 중(40%)" not in text  # 60% is the 2024-12 card, 40% the 2024-03 one


def test_a_department_card_keeps_what_only_the_workbook_holds(tmp_path: Path) -> None:
    """A card file holds no 분야 and no 변경이력, and this one no 사업명: the workbook's stay."""
    from reportgen.readers.workbook import read_workbook
    from reportgen.writers.workbook import write_workbook

    old = read_workbook(ROOT / "input" / "history" / "2024-03.xlsx")
    old.cards[0].changes = [model.ChangeRecord("2024. 02. 01.", "사업기간 연장", "국비 확보 지연", "조정회의")]
    target = tmp_path / "m.xlsx"
    target.write_bytes(write_workbook(old))
    result = run("import", CARD_2412, "--id", "3-1", "-o", target)  # the card from Hangul has no 사업명
    assert result.exit_code == 0, result.output
    [card] = read_workbook(target).cards
    assert card.title == "신평·장림산업단지 「낙동강 테크노밸리」 조성" and card.area == "3. 일자리가 넘치는 경제도시"
    assert card.changes == [model.ChangeRecord("2024. 02. 01.", "사업기간 연장", "국비 확보 지연", "조정회의")]
    assert card.header.progress == 60  # the rest is the new card's (2024-12: 60%, 2024-03: 40%)


# ── notices ───────────────────────────────────────────────────────────────
NOTICE = "m.xlsx 공약목록 5행: 숨긴 행도 읽었습니다 / hidden row 5 was read"


@pytest.mark.parametrize("command", ["check", "build", "summary", "diff", "package", "import"])
def test_every_command_reading_a_workbook_prints_its_notices(command: str, master: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from reportgen.readers import workbook as reader

    def noticing(real: Callable[[Path], object]) -> Callable[[Path], object]:
        def read(path: Path) -> object:
            book = real(path)
            book.notices.append(NOTICE)
            return book
        return read

    # check only validates (its cards' contents are not kept); every other command reads
    monkeypatch.setattr(reader, "read_workbook", noticing(reader.read_workbook))
    monkeypatch.setattr(reader, "validate_workbook", noticing(reader.validate_workbook))
    args = {
        "check": ["check", master],
        "build": ["build", master, "-o", tmp_path / "out", "-j", "1"],
        "summary": ["summary", master, "-o", tmp_path / "s.txt"],
        "diff": ["diff", master, master, "-o", tmp_path / "d.txt"],
        "package": ["package", master, "-o", tmp_path / "p.zip", "--no-pdf", "-j", "1"],
        "import": ["import", CARD_2403, "-o", master],
    }[command]
    result = run(*args)
    assert result.exit_code == 0, result.output
    expected = 2 if command == "diff" else 1
    assert result.output.count(f"알림 / notice: {NOTICE}") == expected


def test_a_hidden_row_is_noticed_not_refused(master: Path, tmp_path: Path) -> None:
    """The workbook reader's own notice (a hidden row it read) reaches the user; the exit code stays 0."""
    import openpyxl

    book = openpyxl.load_workbook(master)
    book["추진실적"].row_dimensions[3].hidden = True
    book.save(master)
    result = run("check", master)
    assert result.exit_code == 0, result.output
    [line] = [line for line in result.output.splitlines() if line.startswith("알림 / notice: ")]
    assert "추진실적" in line and "숨긴 행" in line and "3" in line
    assert result.output.rstrip().endswith("OK: 1 cards")
    result = run("build", master, "-o", tmp_path / "out", "-j", "1")
    assert result.exit_code == 0 and "알림 / notice: " in result.output


def test_check_validates_without_reading_the_cards_contents(master: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """check goes through validate_workbook (~3 KB a card held), never the whole read_workbook."""
    from reportgen.readers import workbook as reader

    def refused(path: Path) -> model.Workbook:
        raise AssertionError(f"read_workbook({path}) in check")

    monkeypatch.setattr(reader, "read_workbook", refused)
    result = run("check", master)
    assert result.exit_code == 0, result.output
    assert "OK: 1 cards" in result.output
