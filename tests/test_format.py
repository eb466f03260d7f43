"""The format's vocabulary (checklists/format.py) is the one every reader and writer of
criteria uses: the workbook has a column for each key, and a set written back as plain
data uses no key the format does not have. A key added to format.py (criteria format 2)
without its column, or written without being declared, fails here."""

from __future__ import annotations

import pytest

from checklists import format as fmt
from checklists import load_checklist
from checklists.library import bundled_files
from checklists.serialize import checklist_to_dict
from checklists.workbook import layout


def test_the_layout_has_a_column_for_every_key_of_the_format():
    """A key added to checklists/format.py without its column in workbook/layout.py would
    be lost on the way through a workbook."""
    assert [c.key for c in layout.SETTINGS] == list(fmt.HEADER_KEYS) + [f"extends_{k}" for k in fmt.EXTENDS_KEYS]
    assert set(fmt.BASE_KEYS) - set(fmt.HEADER_KEYS) == {"levels", "categories", "unit_tags"}
    assert [c.key for c in layout.LEVELS.columns] == list(fmt.LEVEL_KEYS)
    assert [c.key for c in layout.UNIT_TAGS.columns] == list(fmt.UNIT_TAG_KEYS)
    assert {c.key for c in layout.CATEGORIES.columns} == set(fmt.CATEGORY_KEYS) - {"items", "categories"} | {"parent"}
    # options, bands, reasons, elements and documents have sheets of their own, evidence and
    # linear a column per key
    item_keys = set(fmt.ITEM_COMMON_KEYS).union(*fmt.ITEM_KIND_KEYS.values())
    assert set(layout.ITEM_KEYS) == item_keys - {"evidence", "options", "bands", "reasons", "elements", "linear"}
    linear = {f"linear_{k}" for k in fmt.LINEAR_KEYS}
    evidence = {f"evidence_{k}" for k in fmt.EVIDENCE_KEYS}
    assert {c.key for c in layout.ITEMS.columns} == set(layout.ITEM_KEYS) | evidence | linear | {"category"}
    assert {c.key for c in layout.OPTIONS.columns} == {"code", *fmt.OPTION_KEYS}
    assert {c.key for c in layout.BANDS.columns} == {"code", *fmt.BAND_KEYS}
    assert {c.key for c in layout.REASONS.columns} == {"code", *fmt.REASON_KEYS}
    assert {c.key for c in layout.ELEMENTS.columns} == {"code", *fmt.ELEMENT_KEYS}
    assert {c.key for c in layout.DOCUMENTS.columns} == {"code", *fmt.DOCUMENT_KEYS}
    choices = {c.key: c.choices for c in layout.ITEM_COLUMNS if c.choices}
    assert choices == {"kind": fmt.KINDS, "direction": fmt.DIRECTIONS, "role": fmt.ROLES, "linear_below": fmt.BELOW}


@pytest.mark.parametrize("path", bundled_files(), ids=lambda p: p.name)
def test_a_set_written_as_plain_data_uses_only_keys_of_the_format(path):
    data = checklist_to_dict(load_checklist(path))
    assert set(data) <= set(fmt.BASE_KEYS)
    assert all(set(t) == set(fmt.UNIT_TAG_KEYS) for t in data.get("unit_tags", ()))
    assert all(set(level) <= set(fmt.LEVEL_KEYS) for level in data["levels"])
    kinds = set()

    def walk(category):
        assert set(category) <= set(fmt.CATEGORY_KEYS)
        assert set(category.get("min_ratio", {})) <= {level["key"] for level in data["levels"]}
        for item in category.get("items", ()):
            kinds.add(item["kind"])
            assert set(item) <= set(fmt.ITEM_COMMON_KEYS) | set(fmt.ITEM_KIND_KEYS[item["kind"]]), item["code"]
            assert set(item.get("evidence", {})) <= set(fmt.EVIDENCE_KEYS)
            assert all(set(o) == set(fmt.OPTION_KEYS) for o in item.get("options", ()))
            assert all(set(b) == set(fmt.BAND_KEYS) for b in item.get("bands", ()))
            assert all(set(r) <= set(fmt.REASON_KEYS) for r in item.get("reasons", ()))
            assert all(set(e) == set(fmt.ELEMENT_KEYS) for e in item.get("elements", ()))
            assert set(item.get("linear", {})) <= set(fmt.LINEAR_KEYS)
            assert all(isinstance(d, str) or set(d) <= set(fmt.DOCUMENT_KEYS)
                       for d in item.get("evidence", {}).get("documents", ()))
        for sub in category.get("categories", ()):
            walk(sub)

    for category in data["categories"]:
        walk(category)
    assert kinds <= set(fmt.KINDS)
