"""A small 军分区 workspace whose figures can be checked by hand, for test_city_rollup.py and
test_city_summary.py (made once per module: `from city_ws import city, city_dir`).

Criteria city-2027-town; every answer at its best but the bonus items left at nothing
gives 96.5 (3.3.2 and 3.3.4.2 lose 2 and 1.5 for the photos they ask for). From there:

  甲县  一镇 96.5 达优 · 二镇 85.5 达标 (13.1 -6, 13.2 -5) · 三镇 92.5 未达标 (gate 7.2 -4)
        二镇's 民兵连 (militia-2027-company, reviewed)
  乙县  四镇 81.5 达标 (13.1 -6, 13.2 -5, 13.3 -4) · 五镇 78.5 未达标 (四镇 and 2.1 未配备 -3)
        四镇 rechecked: 2.1 仅配部长 (-2) and 13.3 at 0 (+4) -> 83.5
  丙县  六镇 submitted only (not a result)
  2026: 甲县 一镇 96.5 达优, 二镇 92.5 未达标 (7.2); two 整改 on 二镇 2026, one done.
"""

from __future__ import annotations

import shutil

import pytest

from storage import Workspace, actions, answer_store, assessments, checklist_store, recheck, units
from storage.generate import best_value

CHECKLIST = "city-2027-town"
BEST = 96.5


def base_values(checklist) -> dict:
    """Every item at its best, bonus items at nothing."""
    out = {}
    for item in checklist.items():
        if item.role != "bonus":
            out[item.code] = best_value(item)
        elif item.kind == "check":
            out[item.code] = False
        elif item.kind == "rubric":
            out[item.code] = min(item.options, key=lambda o: o.points).label
        else:
            out[item.code] = 0
    return out


def put(ws, aid, role, values) -> None:
    for code, value in values.items():
        answer_store.set_answer(ws, aid, code, role, value)


def reviewed(ws, unit, year, changes=None, checklist=CHECKLIST, status="reviewed"):
    """An assessment self-answered and reviewed with `changes` over the base values."""
    a = assessments.new_assessment(ws, unit["id"], checklist, None, year)
    cl = assessments.checklist_of(ws, a)
    values = base_values(cl)
    put(ws, a["id"], "self", values)
    assessments.set_status(ws, a["id"], "submitted")
    if status == "submitted":
        return a
    put(ws, a["id"], "review", values | (changes or {}))
    assessments.set_status(ws, a["id"], "reviewed")
    return a


@pytest.fixture(scope="module")
def city_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("city") / "ws"
    with Workspace.open(folder, backup=False) as ws:
        checklist_store.ensure_bundled(ws)
        city = units.add_unit(ws, "某某军分区", "city")
        jia = units.add_unit(ws, "甲县", "county", city["id"])
        yi = units.add_unit(ws, "乙县", "county", city["id"])
        bing = units.add_unit(ws, "丙县", "county", city["id"])
        t = {n: units.add_unit(ws, n, "town", c["id"]) for n, c in
             (("一镇", jia), ("二镇", jia), ("三镇", jia), ("四镇", yi), ("五镇", yi), ("六镇", bing))}
        militia = units.add_unit(ws, "二镇民兵连", "militia", t["二镇"]["id"])
        reviewed(ws, t["一镇"], 2027)
        reviewed(ws, t["二镇"], 2027, {"13.1": 6, "13.2": 5})
        reviewed(ws, t["三镇"], 2027, {"7.2": False})
        four = reviewed(ws, t["四镇"], 2027, {"13.1": 6, "13.2": 5, "13.3": 4})
        reviewed(ws, t["五镇"], 2027, {"13.1": 6, "13.2": 5, "13.3": 4, "2.1": "未配备"})
        reviewed(ws, t["六镇"], 2027, status="submitted")
        reviewed(ws, militia, 2027, checklist="militia-2027-company")
        reviewed(ws, t["一镇"], 2026)
        old = reviewed(ws, t["二镇"], 2026, {"7.2": False})
        done = actions.add_action(ws, old["id"], "7.2", "完成征兵任务")
        actions.add_action(ws, old["id"], "3.3.2", "完善民兵之家")
        actions.update_action(ws, done["id"], status="done")
        recheck.draw(ws, 2027, share=1, seed="7")
        cl = assessments.checklist_of(ws, four)
        values = base_values(cl) | {"13.1": 6, "13.2": 5, "13.3": 4}
        put(ws, four["id"], "recheck", values | {"2.1": "仅配部长", "13.3": 0})
    return folder


@pytest.fixture
def city(city_dir, tmp_path):
    folder = tmp_path / "ws"
    shutil.copytree(city_dir, folder)
    with Workspace.open(folder, backup=False) as ws:
        yield ws
