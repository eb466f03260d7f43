"""Format 2 criteria on paper: the blank checklist (what inspectors score on) prints each
评分点 with its deduction and a blank for the count, each element with a box and its
points, the linear rule in words, and what a missing document costs; the gap report of a
format 2 assessment renders."""

from __future__ import annotations

import subprocess

from checklists.library import bundled_files
from checklists.loader import load_checklist
from checklists.wording import document_text, element_text, linear_text, reason_text
from exports.blank_checklist import render_blank_checklist

SAMPLE = "county-2027-town"


def sample():
    return load_checklist(next(p for p in bundled_files() if p.stem == SAMPLE))


def test_rules_read_as_score_tables_write_them():
    items = list(sample().items())
    linear = next(i for i in items if i.linear is not None)
    text = linear_text(linear)
    assert "得" in text and ("每提高" in text or "每降低" in text) and text.endswith("分）")
    deduct = next(i for i in items if i.kind == "deduct" and i.reasons)
    r = deduct.reasons[0]
    assert reason_text(r).startswith(f"{r.text}，每") and "扣" in reason_text(r)
    elements = next(i for i in items if i.kind == "elements")
    assert element_text(elements.elements[0]).startswith(elements.elements[0].text + "（")
    costly = next(i for i in items if i.evidence.rules)
    rule = costly.evidence.rules[0]
    assert document_text(costly, rule.name).startswith(rule.name + "（缺")
    assert document_text(costly, "不在清单里的资料") == "不在清单里的资料"


def test_blank_checklist_of_a_format2_set_prints_every_rule(tmp_path):
    checklist = sample()
    out = tmp_path / "blank.pdf"
    render_blank_checklist(checklist, out)
    text = subprocess.run(["pdftotext", "-raw", str(out), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    items = list(checklist.items())
    for item in items:
        if item.kind == "elements":
            for e in item.elements:
                assert "".join(element_text(e).split()) in flat
        if item.kind == "deduct" and item.reasons:
            assert "扣完" in flat
            for r in item.reasons:
                assert "".join(reason_text(r).split()) in flat
        if item.linear is not None:
            assert "".join(linear_text(item).split()) in flat
    assert "缺扣" in flat or "缺则本项记0分" in flat
