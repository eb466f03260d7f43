"""Finding criteria by (id, version): the sample sets bundled in library/, and the files
and folders a command or the app names (`--lib`, the file's own folder). An overlay's
base is looked up through a Resolver; storage makes its own for the workspace."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Iterable

from .errors import ChecklistError, Problem
from .source import parse_document

LIBRARY_DIR = Path(__file__).resolve().parent / "library"
CRITERIA_SUFFIXES = (".yaml", ".yml", ".json")
MAX_CANDIDATE_BYTES = 16 * 1024 ** 2  # as for a checklist carried in a bundle
_TOP_KEY = re.compile(r"^(id|version)[ \t]*:[ \t]*(.*?)[ \t]*(?:#.*)?$", re.M)

# (text, name) for an (id, version), or None when unknown.
Resolver = Callable[[str, str], "tuple[str, str] | None"]


def read_header(text: str, name: str) -> dict:
    """id, version, title, extends of a criteria text, without validating the rest."""
    data = parse_document(text, name).data
    if not isinstance(data, dict):
        raise ChecklistError([Problem(name, "", "顶层必须是映射（键: 值）")])
    ext = data.get("extends")
    return {
        "id": data.get("id"),
        "version": data.get("version"),
        "title": data.get("title"),
        "extends": (ext.get("id"), ext.get("version")) if isinstance(ext, dict) else None,
    }


def library_resolver(places: Iterable) -> Resolver:
    """A resolver searching files and folders in `places`, then the bundled library.

    A download folder holds anything: each file beside the one being checked is looked at
    only as far as needed to see whether it *claims* the wanted id (its text must mention
    the id and version; a YAML file's top-level `id:` line must name it), and only such a
    file is parsed. A neighbour that is huge, unreadable, broken or hostile is skipped:
    its problems are never this file's."""
    candidates = list(places) + [LIBRARY_DIR]

    def resolve(set_id: str, version: str):
        for path in _candidate_files(candidates):
            found = _claims(path, set_id, version)
            if found is not None:
                return found
        return None

    return resolve


def _top_level_yaml(text: str) -> dict:
    """`id:` / `version:` lines at the start of a line (top-level keys in block YAML), as
    written (quotes removed); empty when the file does not use that style."""
    out = {}
    for m in _TOP_KEY.finditer(text):
        value = m.group(2)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        out.setdefault(m.group(1), value)
    return out


def _claims(path: Path, set_id: str, version: str | None):
    """(text, name) when the file at `path` is criteria (id, version) (any version when
    None); None for anything else, including files that cannot be read or parsed."""
    try:
        if path.stat().st_size > MAX_CANDIDATE_BYTES:
            return None
        raw = path.read_bytes()
        if raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if set_id.encode("utf-8") not in raw or (version is not None and str(version).encode("utf-8") not in raw):
            return None
        text = raw.decode("utf-8")
        if path.suffix.lower() != ".json":
            top = _top_level_yaml(text)
            if "id" in top and top["id"] != set_id:
                return None
            if version is not None and "version" in top and top["version"] != str(version):
                return None
        header = read_header(text, str(path))
    except Exception:  # noqa: BLE001 - a neighbour's problem (unreadable, broken, hostile) is not ours
        return None
    if header["id"] == set_id and (version is None or str(header["version"]) == str(version)):
        return text, str(path)
    return None


def bundled_files() -> list[Path]:
    """The sample criteria shipped with the app."""
    return sorted(p for p in LIBRARY_DIR.iterdir() if p.suffix.lower() in CRITERIA_SUFFIXES)


def _candidate_files(places) -> list[Path]:
    seen, out = set(), []
    for place in places:
        place = Path(place)
        try:
            files = sorted(place.iterdir()) if place.is_dir() else [place]
        except OSError:
            continue  # an unreadable folder holds no base we can use
        for f in files:
            try:
                if f.suffix.lower() in CRITERIA_SUFFIXES and f.is_file() and f.resolve() not in seen:
                    seen.add(f.resolve())
                    out.append(f)
            except OSError:
                continue
    return out
