"""Units as one tree: 军分区 (city) > county > town / enterprise > militia; the parent
rules, `unit move`, the tree as listed, and the command line."""

from __future__ import annotations

import json

import pytest

import main as app_main
from storage import check, units
from storage.errors import StorageError

from wsutil import open_ws


def run(capsys, *argv):
    code = app_main.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def ws(tmp_path):
    w = open_ws(tmp_path / "ws")
    yield w
    w.close()


def add(ws, name, kind, parent=None):
    return units.add_unit(ws, name, kind, parent["id"] if parent else None)


def test_each_type_takes_the_parent_above_it(ws):
    city = add(ws, "某军分区", "city")
    county = add(ws, "某县", "county", city)
    town = add(ws, "城关镇", "town", county)
    firm = add(ws, "某厂", "enterprise", county)
    add(ws, "城关镇民兵连", "militia", town)
    add(ws, "某厂民兵排", "militia", firm)
    for name, kind, parent in (("东风镇", "town", None), ("另一县", "county", None), ("散连", "militia", None)):
        add(ws, name, kind, parent)  # no parent: a town's own workspace, a county from a bundle
    assert {r["name"]: r["parent_name"] for r in units.list_units(ws)}["某厂民兵排"] == "某厂"


@pytest.mark.parametrize(("kind", "parent_kind"), [
    ("city", "city"), ("city", "county"), ("county", "county"), ("county", "town"), ("town", "city"),
    ("town", "town"), ("enterprise", "city"), ("enterprise", "militia"), ("militia", "county"),
    ("militia", "city"), ("militia", "militia")])
def test_a_parent_of_the_wrong_type_is_one_clear_line(ws, kind, parent_kind):
    chain = {"city": None, "county": "city", "town": "county", "militia": "town"}
    made = {}
    for k in ("city", "county", "town", "militia"):
        made[k] = add(ws, f"上级{k}", k, made.get(chain[k]))
    before = ws.db.execute("SELECT count(*) FROM units").fetchone()[0]
    with pytest.raises(StorageError) as exc:
        add(ws, "新单位", kind, made[parent_kind])
    text = str(exc.value)
    assert "\n" not in text and f"上级{parent_kind}" in text and units.UNIT_TYPE_LABELS[kind] in text
    assert ws.db.execute("SELECT count(*) FROM units").fetchone()[0] == before


def test_the_tree_has_the_city_at_the_top(ws):
    # counties arrive (from their year bundles) before the 军分区 is entered
    east = add(ws, "东县", "county")
    add(ws, "东镇", "town", east)
    west = add(ws, "西县", "county")
    add(ws, "西镇", "town", west)
    city = add(ws, "某军分区", "city")
    loose = add(ws, "独立镇", "town")  # a unit under nothing stays listed
    tree = [(r["name"], r["depth"]) for r in units.list_units(ws)]
    assert tree[0] == ("某军分区", 0) and len(tree) == 6 and ("独立镇", 0) in tree
    units.move_unit(ws, east["id"], city["id"])
    units.move_unit(ws, west["id"], city["id"])
    tree = [(r["name"], r["depth"], r["parent_name"]) for r in units.list_units(ws)]
    assert tree == [("某军分区", 0, None), ("东县", 1, "某军分区"), ("东镇", 2, "东县"), ("西县", 1, "某军分区"),
                    ("西镇", 2, "西县"), ("独立镇", 0, None)]
    assert loose["id"] in {r["id"] for r in units.list_units(ws)}
    # a town's county is still its county with a city above it
    county_of = units.county_of_units(ws)
    assert {county_of[r["id"]]["name"] for r in units.list_units(ws) if r["name"] in ("东镇", "西镇")} == {"东县", "西县"}
    assert city["id"] not in county_of


def test_counties_without_a_parent_keep_working(ws):
    county = add(ws, "某县", "county")
    town = add(ws, "城关镇", "town", county)
    rows = units.list_units(ws)
    assert [(r["name"], r["depth"]) for r in rows] == [("某县", 0), ("城关镇", 1)]
    assert units.county_of_units(ws)[town["id"]]["name"] == "某县"
    assert units.find_county(ws, "某县")["id"] == county["id"]


def test_move_is_checked_and_logged(ws):
    city = add(ws, "某军分区", "city")
    county = add(ws, "某县", "county")
    town = add(ws, "城关镇", "town", county)
    other = add(ws, "他县", "county", city)
    moved = units.move_unit(ws, county["id"], city["id"])
    assert moved["parent_id"] == city["id"]
    (event,) = [json.loads(r[0]) for r in ws.db.execute(
        "SELECT detail FROM events WHERE entity = 'unit' AND action = 'move' AND entity_id = ?", [county["id"]])]
    assert event == {"name": "某县", "old": None, "new": city["id"]}
    seq = ws.db.execute("SELECT max(seq) FROM events").fetchone()[0]
    units.move_unit(ws, county["id"], city["id"])  # already there: nothing logged
    assert ws.db.execute("SELECT max(seq) FROM events").fetchone()[0] == seq
    with pytest.raises(StorageError, match="上级单位应为"):
        units.move_unit(ws, town["id"], city["id"])
    with pytest.raises(StorageError, match="最上级"):
        units.move_unit(ws, city["id"], county["id"])
    twin = add(ws, "某县", "county")  # the same name at the top, another county
    with pytest.raises(StorageError, match="已有名为"):
        units.move_unit(ws, twin["id"], city["id"])
    with pytest.raises(StorageError, match="已有名为"):  # and back at the top it would meet its twin
        units.move_unit(ws, county["id"], None)
    units.move_unit(ws, other["id"], None)
    assert units.get_unit(ws, other["id"])["parent_id"] is None
    assert check.check_workspace(ws) == []


def test_cli_add_move_list(tmp_path, capsys):
    d = ("--data-dir", tmp_path / "ws")
    code, county, err = run(capsys, *d, "unit", "add", "某县", "--type", "county")
    assert code == 0, err
    code, _, err = run(capsys, *d, "unit", "add", "城关镇", "--type", "town", "--parent", "某县")
    assert code == 0, err
    code, city, err = run(capsys, *d, "unit", "add", "某军分区", "--type", "city")
    assert code == 0 and len(city.strip()) == 36, err
    code, _, err = run(capsys, *d, "unit", "add", "错镇", "--type", "town", "--parent", "某军分区")
    assert code == 1 and "Traceback" not in err and len(err.strip().splitlines()) == 1 and "县" in err
    code, _, err = run(capsys, *d, "unit", "add", "二级军分区", "--type", "city", "--parent", "某军分区")
    assert code == 1 and "最上级" in err
    code, out, err = run(capsys, *d, "unit", "move", "某县", "--parent", "某军分区")
    assert code == 0 and "某军分区" in out, err
    code, _, err = run(capsys, *d, "unit", "move", "城关镇", "--parent", "某军分区")
    assert code == 1 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, *d, "unit", "move", "某县")
    assert code == 1 and "--top" in err
    code, out, err = run(capsys, *d, "unit", "list")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split("\t")[1:] == ["某军分区", "军分区", "（最上级）"]
    assert lines[1].split("\t")[1:] == ["  某县", "县（市、区）人武部", "上级：某军分区"]
    assert lines[2].split("\t")[1:] == ["    城关镇", "乡镇（街道）武装部", "上级：某县"]
    code, out, _ = run(capsys, *d, "unit", "list", "--json")
    assert [(r["name"], r["type"], r["parent_name"]) for r in json.loads(out)] == [
        ("某军分区", "city", None), ("某县", "county", "某军分区"), ("城关镇", "town", "某县")]
    code, out, err = run(capsys, *d, "unit", "move", "某县", "--top")
    assert code == 0 and "最上级" in out, err
    code, out, err = run(capsys, *d, "db", "check")
    assert code == 0, err
