"""The app's version, from one place: `version` in pyproject.toml's [project] table.

Run from the source tree (`uv run main.py`) it is read from pyproject.toml. A built app has
no pyproject.toml: packaging/build.py bakes the version into a generated module
`_dabiao_version` (VERSION = "...") that only the build contains. Installed as a package
(not how the app runs today: `package = false`), the distribution's metadata answers.
"""

from __future__ import annotations

import re
from pathlib import Path

NAME = "达标 Dabiao"
PYPROJECT = Path(__file__).resolve().parent / "pyproject.toml"

_cached: str | None = None


def version() -> str:
    """"0.1.0" and the like; "unknown" when no source has it."""
    global _cached
    if _cached is None:
        _cached = _baked() or _from_pyproject(PYPROJECT) or _from_metadata() or "unknown"
    return _cached


def version_text() -> str:
    """What `--version` prints: 达标 Dabiao 0.1.0."""
    return f"{NAME} {version()}"


def _baked() -> str | None:
    try:
        from _dabiao_version import VERSION  # written by packaging/build.py
    except ImportError:
        return None
    return VERSION


def _from_pyproject(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    try:
        import tomllib  # Python 3.11+
    except ImportError:  # 3.10: the one line we need
        m = re.search(r'^\[project\][^\[]*?^version\s*=\s*"([^"]+)"', text, re.M | re.S)
        return m.group(1) if m else None
    try:
        return str(tomllib.loads(text)["project"]["version"])
    except (tomllib.TOMLDecodeError, KeyError):
        return None


def _from_metadata() -> str | None:
    try:
        from importlib.metadata import PackageNotFoundError, version as dist_version
    except ImportError:
        return None
    try:
        return dist_version("dabiao")
    except PackageNotFoundError:
        return None
