"""Shared fixtures. GUI tests run offscreen; no test needs a display or the network."""

from __future__ import annotations

import os
import re
import sys
import textwrap
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LIBRARY = ROOT / "checklists" / "library"

# The one place test photos come from: real photos committed with the tests (sources and
# licences in its README.md). Cases made from them at test time: `generated_photos`.
PHOTOS = ROOT / "tests" / "fixtures" / "photos"
PHOTO_FILES = [
    "jpg/Canon_40D.jpg",                   # camera EXIF (make, model, capture time)
    "jpg/Kodak_CX7530.jpg",                # GPS (southern latitude)
    "jpg/orientation/landscape_1.jpg",     # EXIF orientations 1, 3, 6, 8
    "jpg/orientation/landscape_3.jpg",
    "jpg/orientation/landscape_6.jpg",
    "jpg/orientation/landscape_8.jpg",
    "heic/IMG_5195.HEIC",                  # iPhone HEIC with GPS (western longitude)
]


def photo(name: str) -> Path:
    """A committed photo by its path under PHOTOS; a missing one fails the test loudly."""
    path = PHOTOS / name
    if not path.is_file():
        raise FileNotFoundError(f"committed test photo missing: {path} (see {PHOTOS / 'README.md'})")
    return path


def has_page_number(page_text: str, n: int) -> bool:
    """The page footer "— n —" is in a page's pdftotext output, however poppler spaced it:
    plain pdftotext of poppler 22.12 (Debian 12) gives "—1—", -raw and other versions "— 1 —"."""
    return re.search(rf"—\s*{n}\s*—", page_text) is not None


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
    """PHOTOS, checked: every committed photo is there."""
    for name in PHOTO_FILES:
        photo(name)
    return PHOTOS


@pytest.fixture(scope="session")
def generated_photos(tmp_path_factory) -> dict[str, Path]:
    """{name: path} of the cases photogen makes from the committed photos (orientations,
    broken EXIF, other formats and sizes), made once per session."""
    import photogen

    return photogen.generate(PHOTOS, tmp_path_factory.mktemp("generated-photos"))


class ShownBoxes(list):
    """The texts of the message boxes an offscreen test showed (QMessageBox.warning /
    information / critical), the questions asked through ui.errors.ask (`asked`), and the
    answer those questions get (`answer`: yes unless the test sets it)."""

    def __init__(self):
        super().__init__()
        self.asked: list[str] = []
        self.answer = True


@pytest.fixture
def no_blocking_boxes(monkeypatch) -> ShownBoxes:
    """Message boxes and questions would block an offscreen test: record them instead.
    UI test modules use it for every test (`pytestmark = pytest.mark.usefixtures(...)`)."""
    from PySide6.QtWidgets import QMessageBox

    shown = ShownBoxes()

    def box(parent, title, text, *a, **k):
        shown.append(text)
        return QMessageBox.StandardButton.Ok

    def ask(parent, title, text, *a, **k):
        shown.asked.append(text)
        return shown.answer

    for name in ("warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(box))
    monkeypatch.setattr("ui.main_window.ask", ask)
    monkeypatch.setattr("ui.review_flow.ask", ask)
    monkeypatch.setattr("ui.dialogs.backup_dialog.ask", ask)
    return shown
