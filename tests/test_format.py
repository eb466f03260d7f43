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
    assert [c.key for c in layout.LEVELS.columns] == list(fmt.LEVEL_KEYS)
    assert {c.key for c in layout.CATEGORIES.columns} == set(fmt.CATEGORY_KEYS) - {"items", "categories"} | {"parent"}
    # options and bands have sheets of their own, evidence a column per key
    item_keys = set(fmt.ITEM_COMMON_KEYS).union(*fmt.ITEM_KIND_KEYS.values())
    assert set(layout.ITEM_KEYS) == item_keys - {"evidence", "options", "bands"}
    evidence = {f"evidence_{k}" for k in fmt.EVIDENCE_KEYS}
    assert {c.key for c in layout.ITEMS.columns} == set(layout.ITEM_KEYS) | evidence | {"category"}
    assert {c.key for c in layout.OPTIONS.columns} == {"code", *fmt.OPTION_KEYS}
    assert {c.key for c in layout.BANDS.columns} == {"code", *fmt.BAND_KEYS}
    choices = {c.key: c.choices for c in layout.ITEM_COLUMNS if c.choices}
    assert choices == {"kind": fmt.KINDS, "direction": fmt.DIRECTIONS, "role": fmt.ROLES}


@pytest.mark.parametrize("path", bundled_files(), ids=lambda p: p.name)
def test_a_set_written_as_plain_data_uses_only_keys_of_the_format(path):
    data = checklist_to_dict(load_checklist(path))
    assert set(data) <= set(fmt.BASE_KEYS)
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
        for sub in category.get("categories", ()):
            walk(sub)

    for category in data["categories"]:
        walk(category)
    assert kinds <= set(fmt.KINDS)
