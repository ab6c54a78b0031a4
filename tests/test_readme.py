"""The newcomer path: README's usage blocks run as written, and the package installs cleanly.

The blocks marked ``<!-- readme-test -->`` are run the way a newcomer would after ``make run``:
in one bash session per language, from a folder laid out like the repository (``input/``,
``tests/fixtures/`` and ``.venv``), with the venv's ``bin`` *not* on the PATH, so the README's
own ``. .venv/bin/activate`` line is what makes ``reportgen`` found.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MARK = "<!-- readme-test -->"
ENGLISH = "\n---\n"  # the English half of the README starts after this rule
TEMPLATES = ["card.txt.j2", "card.docx", "card.hwpx", "hwpx/styles.json", "page.html.j2", "page.css"]


# ── reading the README ─────────────────────────────────────────────────────
def usage_blocks(text: str) -> list[str]:
    """The ```sh blocks that directly follow a ``<!-- readme-test -->`` line."""
    return re.findall(rf"^{re.escape(MARK)}\n```sh\n(.*?)^```$", text, flags=re.S | re.M)


def commands(block: str) -> list[str]:
    """The command lines of a block: continuation lines joined, blank and comment-only lines left out."""
    joined = block.replace("\\\n", " ")
    return [line for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def _halves() -> dict[str, str]:
    korean, english = README.read_text(encoding="utf-8").split(ENGLISH, 1)
    return {"ko": korean, "en": english}


def test_usage_blocks_are_marked() -> None:
    """The usage sections have marked blocks (so the run below cannot silently test nothing)."""
    halves = _halves()
    assert len(usage_blocks(halves["ko"])) == 2  # 쓰는 법, 분기 작업
    assert len(usage_blocks(halves["en"])) == 1  # Usage
    ko = "\n".join(usage_blocks(halves["ko"]))
    assert commands(ko)[0].split("#")[0].strip() == ". .venv/bin/activate"
    for command in ("init", "import", "check", "build", "diff", "summary", "package"):
        assert f"reportgen {command} " in ko, command


def test_commands_split_as_bash_reads_them() -> None:
    block = "# note\nreportgen a \\\n  -o x\n\n   # more\nls  # here\n"
    assert commands(block) == ["reportgen a    -o x", "ls  # here"]


# ── running the blocks ─────────────────────────────────────────────────────
def _workspace(tmp_path: Path) -> Path:
    """A folder like the repository after ``make run``: input/, tests/fixtures/, .venv, output/."""
    venv = Path(sys.prefix)
    assert (venv / "bin" / "activate").is_file(), f"the tests run in a venv (make test): {venv}"
    shutil.copytree(ROOT / "input", tmp_path / "input")
    shutil.copytree(ROOT / "tests" / "fixtures", tmp_path / "tests" / "fixtures")
    (tmp_path / ".venv").symlink_to(venv, target_is_directory=True)
    (tmp_path / "output").mkdir()
    return tmp_path


def _newcomer_env(venv_bin: Path) -> dict[str, str]:
    """The environment of a fresh terminal: the venv neither active nor on the PATH."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "REPORTGEN_TEMPLATES")}
    path = [p for p in env.get("PATH", "/usr/bin:/bin").split(os.pathsep)
            if p and Path(p).resolve() != venv_bin.resolve()]
    env["PATH"] = os.pathsep.join(path)
    return env


def run_session(lines: list[str], cwd: Path, env: dict[str, str]) -> list[tuple[str, int, str]]:
    """Run ``lines`` in one bash session; (line, exit status, its output) for each."""
    token = f"@@readme-{uuid.uuid4().hex}@@"
    script = "".join(f"{line}\necho \"{token} $?\"\n" for line in lines)
    done = subprocess.run(["bash", "-c", script], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    parts = re.split(rf"^{re.escape(token)} (\d+)\n", done.stdout, flags=re.M)
    outputs, statuses = parts[0::2], [int(s) for s in parts[1::2]]
    assert len(statuses) == len(lines), f"the session stopped early:\n{done.stdout}"
    return list(zip(lines, statuses, outputs, strict=False))


def _written(line: str) -> list[str]:
    """The paths a command line writes with ``-o``."""
    return re.findall(r"(?:^|\s)-o\s+(\S+)", line)


@pytest.mark.parametrize("language", ["ko", "en"])
def test_readme_usage_runs_as_written(language: str, tmp_path: Path) -> None:
    work = _workspace(tmp_path)
    lines = [line for block in usage_blocks(_halves()[language]) for line in commands(block)]
    env = _newcomer_env(Path(sys.prefix) / "bin")
    assert shutil.which("reportgen", path=env["PATH"]) is None, "the venv is off the PATH at first"
    failed = [f"$ {line}\n(exit {status})\n{output}" for line, status, output in run_session(lines, work, env)
              if status != 0 or "Traceback" in output]
    assert failed == [], "\n".join(failed)
    written = [path for line in lines for path in _written(line)]
    assert written and [p for p in written if not (work / p).exists()] == []


def test_session_reports_a_failing_line(tmp_path: Path) -> None:
    """The runner itself: a failing command and its output are attributed to that line."""
    env = _newcomer_env(Path(sys.prefix) / "bin")
    result = run_session(["echo one", "reportgen --help", "false", "echo two"], tmp_path, env)
    assert [(line, status) for line, status, _ in result] == [
        ("echo one", 0), ("reportgen --help", 127), ("false", 1), ("echo two", 0)]
    assert result[0][2] == "one\n" and "not found" in result[1][2] and result[3][2] == "two\n"


# ── make run says how to use the command ──────────────────────────────────
def test_make_run_ends_with_how_to_use_the_command() -> None:
    recipe = re.search(r"^run:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)
    assert recipe, "Makefile has a run target"
    last = recipe.group(1).splitlines()[-1]
    assert last.startswith("\t@echo ") and ". .venv/bin/activate" in last


# ── packaging: a wheel holds the templates and builds without warnings ─────
def _setuptools_version() -> tuple[int, ...]:
    try:
        from importlib.metadata import version

        return tuple(int(p) for p in re.findall(r"\d+", version("setuptools"))[:2])
    except Exception:  # not installed
        return (0,)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A wheel built offline from a copy of the sources (nothing written into the checkout)."""
    if _setuptools_version() < (77,):
        pytest.skip("the venv's setuptools is older than 77 (SPDX license): run `make`, which installs it")
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    for folder in ("reportgen", "templates"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "-w", str(tmp / "dist"), str(source)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    (built,) = (tmp / "dist").glob("reportgen-*.whl")
    return built, output


def test_wheel_builds_without_warnings(wheel: tuple[Path, str]) -> None:
    _, output = wheel
    assert re.findall(r"(?i).*warn.*", output) == []


def test_wheel_holds_the_templates(wheel: tuple[Path, str]) -> None:
    built, _ = wheel
    with zipfile.ZipFile(built) as archive:
        names = set(archive.namelist())
        for name in TEMPLATES:
            member = f"reportgen/templates/{name}"
            assert member in names, member
            assert archive.read(member) == (ROOT / "templates" / name).read_bytes(), member
    assert {"reportgen/cli.py", "reportgen/readers/text.py", "reportgen/writers/hwpx.py"} <= names


def test_installed_wheel_finds_its_templates(wheel: tuple[Path, str], tmp_path: Path) -> None:
    """The wheel's files, away from any checkout, build txt, docx and hwpx cards from its own templates."""
    built, _ = wheel
    site = tmp_path / "site"
    with zipfile.ZipFile(built) as archive:
        archive.extractall(site)
    shutil.copy2(ROOT / "input" / "master.xlsx", tmp_path / "master.xlsx")
    env = {k: v for k, v in os.environ.items() if k != "REPORTGEN_TEMPLATES"}
    env["PYTHONPATH"] = str(site)
    script = ("import sys, reportgen.resources as r; from reportgen.cli import main; "
              "print(r.template_path('card.hwpx')); sys.argv = ['reportgen'] + sys.argv[1:]; main()")
    done = subprocess.run(
        [sys.executable, "-c", script, "build", "master.xlsx", "-o", "out", "--format", "txt,docx,hwpx", "-j", "1"],
        cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[0] == str(site / "reportgen" / "templates" / "card.hwpx")
    suffixes = sorted(p.suffix for p in (tmp_path / "out").iterdir() if p.suffix != ".json")
    assert suffixes == [".docx", ".hwpx", ".txt"]
