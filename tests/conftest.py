"""Shared fixtures. GUI tests run offscreen; no test needs a display or the network."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PHOTOS = ROOT.parent / "shared" / "fixtures" / "photos"
LIBRARY = ROOT / "checklists" / "library"


@pytest.fixture
def write(tmp_path):
    """write(name, text) -> Path: a dedented file in a temporary folder."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return _write


@pytest.fixture
def photos_dir() -> Path:
    if not PHOTOS.is_dir():
        pytest.skip("shared photo fixtures not present")
    return PHOTOS
