"""The version from one place (appversion.py): `main.py --version`, the baked module of a
built app taking precedence, and the `demo` command packaging/smoke.sh relies on."""

from __future__ import annotations

import re
import subprocess
import sys
import types
from pathlib import Path

import appversion
import main

ROOT = Path(__file__).resolve().parent.parent


def pyproject_version() -> str:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    return re.search(r'^version = "([^"]+)"', text, re.M).group(1)


def test_version_flag_prints_pyproject_version(capsys):
    assert main.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"达标 Dabiao {pyproject_version()}"


def test_version_in_help_and_from_a_child_process():
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "--version"], capture_output=True,
                         text=True, encoding="utf-8", check=True).stdout
    assert out.strip() == f"达标 Dabiao {pyproject_version()}"
    assert "--version" in main.build_parser().format_help()


def test_baked_version_wins(monkeypatch):
    monkeypatch.setitem(sys.modules, "_dabiao_version", types.SimpleNamespace(VERSION="9.8.7"))
    monkeypatch.setattr(appversion, "_cached", None)
    assert appversion.version() == "9.8.7"
    monkeypatch.setattr(appversion, "_cached", None)


def test_pyproject_parsing_without_tomllib(tmp_path, monkeypatch):
    path = tmp_path / "pyproject.toml"
    path.write_text('[build-system]\nversion = "no"\n\n[project]\nname = "x"\nversion = "1.2.3"\n', encoding="utf-8")
    assert appversion._from_pyproject(path) == "1.2.3"
    monkeypatch.setitem(sys.modules, "tomllib", None)  # as on Python 3.10
    assert appversion._from_pyproject(path) == "1.2.3"
    assert appversion._from_pyproject(tmp_path / "missing.toml") is None


def test_demo_command(tmp_path, capsys, monkeypatch):
    ws = tmp_path / "ws"
    monkeypatch.setenv("DABIAO_DATA_DIR", str(ws))  # main() sets it; restored after the test
    assert main.main(["--data-dir", str(ws), "demo", "--no-photos"]) == 0
    assessment = capsys.readouterr().out.strip()
    assert main.main(["--data-dir", str(ws), "assessment", "list"]) == 0
    assert assessment in capsys.readouterr().out
    assert main.main(["--data-dir", str(ws), "demo", "--no-photos"]) == 1  # only into an empty workspace
    assert "空工作区" in capsys.readouterr().err
