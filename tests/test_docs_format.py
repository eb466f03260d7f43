"""docs/format.md cannot drift from the code: every YAML example loads with the real loader
(a whole file validates, an overlay on the page's whole file, an answers file against it,
a fragment inside a minimal set built here), every format 2 word of checklists/format.py
is on the page, and every function "Readings we chose" points at exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from checklists import format as vocabulary
from checklists.answers import parse_answers
from checklists.loader import load_checklist, load_checklist_text
from checklists.source import parse_document

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "format.md"
TEXT = DOC.read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```yaml\n(.*?)^```", TEXT, flags=re.M | re.S)


def whole_file() -> str:
    """The page's one whole base set (the other examples refer to it)."""
    (text,) = [b for b in BLOCKS if kind_of(b) == "base"]
    return text


def kind_of(text: str) -> str:
    data = yaml.safe_load(text)
    if isinstance(data, dict) and "format" in data:
        return "overlay" if "extends" in data else "base"
    if isinstance(data, dict) and "answers" in data:
        return "answers"
    if isinstance(data, list) or (isinstance(data, dict) and "kind" in data):
        return "items"
    return "header"


def minimal_set(items=(), **header) -> dict:
    """A /2 set with one filler item and the tags the examples name, plus `items` and
    `header` keys."""
    data = {"format": vocabulary.FORMAT_2, "id": "doc-example", "version": "1", "title": "文档示例",
            "levels": [{"key": "pass", "label": "达标", "min_score": 60},
                       {"key": "excellent", "label": "达优", "min_score": 90}],
            "unit_tags": [{"tag": "big", "label": "大镇"}, {"tag": "small", "label": "小镇"}],
            "categories": [{"code": "Z", "title": "示例", "items": [
                {"code": "Z.0", "title": "其他", "requirement": "其他", "points": 10, "kind": "check"},
                *items]}]}
    data.update(header)
    return data


def test_the_page_has_an_example_of_every_kind_of_block():
    kinds = [kind_of(b) for b in BLOCKS]
    assert kinds.count("base") == 1
    assert {"overlay", "answers", "items", "header"} <= set(kinds)


@pytest.mark.parametrize("n", range(len(BLOCKS)))
def test_every_yaml_example_loads_with_the_real_loader(n, tmp_path):
    text = BLOCKS[n]
    kind = kind_of(text)
    if kind == "base":
        checklist = load_checklist_text(text, "format.md")
        assert checklist.format == 2 and list(checklist.items())
    elif kind == "overlay":
        (tmp_path / "base.yaml").write_text(whole_file(), encoding="utf-8")
        (tmp_path / "overlay.yaml").write_text(text, encoding="utf-8")
        merged = load_checklist(tmp_path / "overlay.yaml", [tmp_path])
        assert merged.extends is not None and len(merged.chain) == 2
    elif kind == "answers":
        checklist = load_checklist_text(whole_file(), "format.md")
        answers = parse_answers(parse_document(text, "answers.yaml"), checklist)
        assert answers.values
    else:
        data = yaml.safe_load(text)
        if kind == "items":
            items = data if isinstance(data, list) else [data]
            checklist = load_checklist_text(yaml.safe_dump(minimal_set(items), allow_unicode=True), "fragment.yaml")
            assert {i["code"] for i in items} <= set(checklist.item_index())
        else:
            checklist = load_checklist_text(yaml.safe_dump(minimal_set(**data), allow_unicode=True), "fragment.yaml")
            for key, value in data.items():
                assert getattr(checklist, key) == value


def test_every_format2_word_is_on_the_page():
    words = set(vocabulary.HEADER_V2_KEYS + vocabulary.CATEGORY_V2_KEYS + vocabulary.ITEM_V2_KEYS
                + vocabulary.V2_KINDS + vocabulary.LINEAR_KEYS + vocabulary.REASON_KEYS + vocabulary.ELEMENT_KEYS
                + vocabulary.DOCUMENT_KEYS + vocabulary.BELOW + (vocabulary.MISSING_ZERO, vocabulary.FORMAT_2))
    prose = re.sub(r"^```yaml\n.*?^```", "", TEXT, flags=re.M | re.S)
    missing = sorted(w for w in words if not re.search(rf"`[^`]*\b{re.escape(w)}\b[^`]*`", prose))
    assert not missing, f"docs/format.md's text does not name: {missing}"
    # and each of them is also used in a YAML example
    examples = "\n".join(BLOCKS)
    assert not sorted(w for w in words if not re.search(rf"\b{re.escape(w)}\b", examples))


def test_readings_point_at_code_that_exists():
    section = TEXT[TEXT.index("## Readings we chose"):]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "`" in line.rsplit("|", 2)[-2]]
    assert len(rows) >= 15
    for row in rows:
        where = row.rsplit("|", 2)[-2]
        current = None
        for token in re.findall(r"`([^`]+)`", where):
            if token.endswith(".py"):
                current = (ROOT / token).read_text(encoding="utf-8")
                continue
            assert current is not None, row
            name = token.split(".")[-1]
            assert re.search(rf"\b(def|class) {re.escape(name)}\b", current), f"{token} not found for: {row}"


def test_readme_and_docs_stay_inside_the_repository():
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        assert "shared/" not in text, path
        for target in re.findall(r"\]\(([^)#]+)", text):
            if "://" in target:
                continue
            resolved = (path.parent / target).resolve()
            assert resolved.is_relative_to(ROOT), f"{path.name} links outside the repository: {target}"
    assert "docs/format.md" in (ROOT / "README.md").read_text(encoding="utf-8")
