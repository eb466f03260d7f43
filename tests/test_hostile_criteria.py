"""Issue 13 §2 and §4: hostile criteria, answers and workbook files. Each ends in clear
lines naming the file (and line or cell), exit 1, no traceback, within seconds; an
overlay's base is found however hostile the files beside it are."""

from __future__ import annotations

import json
import shutil
import time
import zipfile
from pathlib import Path

import pytest

import main
from checklists import ChecklistError, load_checklist
from checklists.library import LIBRARY_DIR

CITY = LIBRARY_DIR / "city-2027-town.yaml"
PROV = LIBRARY_DIR / "prov-2027-town.yaml"
FAST = 10  # seconds: "within seconds" (the hang took minutes)


def run(capsys, *argv):
    started = time.monotonic()
    code = main.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert time.monotonic() - started < FAST
    assert "Traceback" not in out + err
    return code, out, err


def _prov_with(old: str, new: str) -> str:
    text = PROV.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


def _json_prov(**changes) -> str:
    from checklists.serialize import checklist_to_dict, plain

    data = plain(checklist_to_dict(load_checklist(PROV)))
    data.update(changes)
    return json.dumps(data, ensure_ascii=False)


# name -> (file name, text or bytes, words expected in the output)
CRITERIA = {
    "yaml total 1.0e+100000000": ("c.yaml", _prov_with("total: 100", "total: 1.0e+100000000"), "指数"),
    "yaml total 1.0e-100000000": ("c.yaml", _prov_with("total: 100", "total: 1.0e-100000000"), "指数"),
    "yaml total 1e100000000 (a string in YAML)": ("c.yaml", _prov_with("total: 100", "total: 1e100000000"),
                                                  "必须是数字"),
    "yaml int of 5000 digits": ("c.yaml", _prov_with("total: 100", "total: 1" + "0" * 5000), "过长"),
    "yaml year of 4000 digits": ("c.yaml", _prov_with("year: 2027", "year: " + "1" * 4000), "过长"),
    "yaml total 1.0e+300": ("c.yaml", _prov_with("total: 100", "total: 1.0e+300"), "过大"),
    "yaml total 0x" + "f" * 50: ("c.yaml", _prov_with("total: 100", "total: 0x" + "f" * 50), "过大"),
    "yaml nested 70 deep": ("c.yaml", _prov_with("total: 100", "total: 100\nx: " + "[" * 70 + "]" * 70), "嵌套"),
    "yaml nested 100000 deep": ("c.yaml", _prov_with("total: 100", "total: 100\nx: " + "[" * 100_000 + "]" * 100_000),
                                "YAML"),
    "json total 1e100000000": ("c.json", "TOTAL:1e100000000", "指数"),
    "json int of 5000 digits": ("c.json", "TOTAL:1" + "0" * 5000, "过长"),
    "json nested 100000 deep": ("c.json", "[" * 100_000 + "]" * 100_000, "嵌套"),
    "json nested 70 deep": ("c.json", "TOTAL:" + "[" * 70 + "]" * 70, "嵌套"),
    "xls file": ("c.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "另存为 .xlsx"),
    "WPS et file": ("c.et", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "另存为 .xlsx"),
    "xls content named .yaml": ("c.yaml", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "另存为 .xlsx"),
}


def _write_case(tmp_path: Path, case: str) -> Path:
    name, body, _ = CRITERIA[case]
    path = tmp_path / name
    if isinstance(body, bytes):
        path.write_bytes(body)
    elif body.startswith("TOTAL:"):
        literal = body[len("TOTAL:"):]
        path.write_text(_json_prov().replace('"total": 100', f'"total": {literal}', 1), encoding="utf-8")
    else:
        path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", list(CRITERIA))
def test_hostile_criteria_file_is_refused_with_clear_lines(case, tmp_path, capsys):
    path = _write_case(tmp_path, case)
    code, out, err = run(capsys, "checklist", "validate", path)
    assert code == 1
    assert CRITERIA[case][2] in err, err[:500]
    assert all(path.name in line for line in err.strip().splitlines())


ANSWERS = {
    "yaml answer 1.0e+100000000": ("a.yaml", "answers:\n  '1.1': 1.0e+100000000\n", "指数"),
    "yaml answer of 5000 digits": ("a.yaml", "answers:\n  '1.1': 1" + "0" * 5000 + "\n", "过长"),
    "json answer 1e100000000": ("a.json", '{"answers": {"1.1": 1e100000000}}', "指数"),
    "json answer of 5000 digits": ("a.json", '{"answers": {"1.1": 1' + "0" * 5000 + "}}", "过长"),
    "json answers nested 100000 deep": ("a.json", '{"answers": ' + "[" * 100_000 + "]" * 100_000 + "}", "嵌套"),
    "yaml answer 1.0e+20 (too large)": ("a.yaml", "answers:\n  '1.1': 1.0e+20\n", "过大"),
}


@pytest.mark.parametrize("case", list(ANSWERS))
def test_hostile_answers_file_is_refused_with_clear_lines(case, tmp_path, capsys):
    name, text, words = ANSWERS[case]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "checklist", "score", CITY, "--answers", path)
    assert code == 1 and words in err, err[:500]


def test_answer_value_out_of_range_is_refused_in_the_app_path():
    from checklists.answers import check_value

    item = load_checklist(CITY).item_index()["1.1"]
    for value in (10 ** 5000, 1e300, 10 ** 15):
        started = time.monotonic()
        normal, message = check_value(item, value)
        assert normal is None and "过大" in message
        assert time.monotonic() - started < 1


# ---------------------------------------------------------------------- workbooks


def _workbook(tmp_path: Path) -> Path:
    from checklists.workbook import write_workbook

    path = tmp_path / "标准.xlsx"
    write_workbook(load_checklist(PROV), path)
    return path


def _patch_sheet(path: Path, dst: Path, fn) -> Path:
    """Rewrite the 条目 (items) sheet's XML with fn(xml) -> xml."""
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        wb_xml = zin.read("xl/workbook.xml").decode()
        sheet = _items_sheet(zin, wb_xml)
        for info in zin.infolist():
            raw = zin.read(info)
            if info.filename == sheet:
                raw = fn(raw.decode()).encode()
            zout.writestr(zipfile.ZipInfo(info.filename, info.date_time), raw, zipfile.ZIP_DEFLATED)
    return dst


def _items_sheet(zf, wb_xml) -> str:
    import re

    rels = zf.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(r'<sheet[^>]*name="条目[^"]*"[^>]*r:id="(rId\d+)"', wb_xml).group(1)
    target = re.search(rf'Id="{rid}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{rid}"', rels)
    target = target.group(1) or target.group(2)
    return "xl/" + target.lstrip("/").removeprefix("xl/")


def _points_cell(value_xml: str):
    """Replace the first item's 分值 (points) cell, F2, with the given XML."""
    import re

    def fn(xml):
        new, n = re.subn(r'<c r="F2"[^>]*?(?:/>|>.*?</c>)', value_xml, xml, count=1)
        assert n == 1
        return new
    return fn


def _many_rows(n: int):
    def fn(xml):
        rows = "".join(f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>x{i}</t></is></c></row>' for i in range(3, n))
        return xml.replace("</sheetData>", rows + "</sheetData>", 1)
    return fn


def _bomb(path: Path, dst: Path) -> Path:
    """A sheet that inflates to 100 MB of whitespace (the limit is 48 MB)."""
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(zipfile.ZipInfo(info.filename, info.date_time), zin.read(info), zipfile.ZIP_DEFLATED)
        bomb = zipfile.ZipInfo("xl/worksheets/sheet99.xml")
        bomb.compress_type = zipfile.ZIP_DEFLATED
        with zout.open(bomb, "w") as f:
            chunk = b" " * (1 << 20)
            for _ in range(100):
                f.write(chunk)
    return dst


WORKBOOKS = {
    "cell 1e300 (number)": (lambda p, d: _patch_sheet(p, d, _points_cell('<c r="F2"><v>1e300</v></c>')), "条目!F2",
                            "过大"),
    "cell '1e100000000' (text)": (lambda p, d: _patch_sheet(
        p, d, _points_cell('<c r="F2" t="inlineStr"><is><t>1e100000000</t></is></c>')), "条目!F2", "指数"),
    "cell of 5000 digits": (lambda p, d: _patch_sheet(p, d, _points_cell(f'<c r="F2"><v>{"9" * 5000}</v></c>')),
                            "", "数字过长"),
    "30000 rows": (lambda p, d: _patch_sheet(p, d, _many_rows(30_000)), "", "行"),
    "whitespace bomb": (_bomb, "", "已拒绝"),
    "not a zip": (lambda p, d: (d.write_bytes(b"hello"), d)[1], "", "不是有效的 Excel"),
}


@pytest.mark.parametrize("case", list(WORKBOOKS))
def test_hostile_workbook_is_refused_quickly_with_its_cell(case, tmp_path, capsys):
    make, cell, words = WORKBOOKS[case]
    path = make(_workbook(tmp_path), tmp_path / "坏.xlsx")
    code, out, err = run(capsys, "checklist", "validate", path)
    assert code == 1 and words in err and cell in err, err[:500]


def test_workbook_limits_are_checked_before_openpyxl_in_bounded_memory(tmp_path, monkeypatch):
    """3 million rows in a 15 MB file: refused from the zip's own counts, openpyxl never runs."""
    import openpyxl

    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("openpyxl must not read it"))
    path = _patch_sheet(_workbook(tmp_path), tmp_path / "big.xlsx", _many_rows(200_000))
    with pytest.raises(ChecklistError, match="行"):
        load_checklist(path)


# ---------------------------------------------------------------------- an overlay's neighbours


NEIGHBOURS = {
    "huge number": ("x1.yaml", "format: dabiao-checklist/1\nid: other\nversion: '1'\ntotal: 1e100000000\n"),
    "int of 5000 digits": ("x2.yaml", "id: other\ntotal: 1" + "0" * 5000 + "\n"),
    "deep json": ("x3.json", "[" * 100_000 + "]" * 100_000),
    "binary": ("x4.yaml", "\udcff"),
    "claims the base id but is broken": ("x5.yaml", "id: prov-2027-town\nversion: '2027.1'\ntotal: 1e100000000\n"
                                                    "categories: [" + "[" * 2000),
    "claims the base id in json, deep": ("x6.json", '{"id": "prov-2027-town", "version": "2027.1", "x": '
                                         + "[" * 100_000 + "]" * 100_000 + "}"),
    "20 MB file": ("x7.yaml", None),
    "a folder named .yaml": ("x8.yaml", "DIR"),
}


def test_overlay_base_lookup_is_not_broken_by_any_neighbour(tmp_path, capsys):
    folder = tmp_path / "下载"
    folder.mkdir()
    shutil.copyfile(CITY, folder / CITY.name)
    shutil.copyfile(PROV, folder / "zz-prov.yaml")
    for name, body in NEIGHBOURS.values():
        path = folder / name
        if body is None:
            with open(path, "wb") as f:
                f.write(b"id: prov-2027-town\n" + b"#" * (20 * 1024 * 1024))
        elif body == "DIR":
            path.mkdir()
        elif body == "\udcff":
            path.write_bytes(b"\xff\xfe\x00garbage prov-2027-town 2027.1")
        else:
            path.write_text(body, encoding="utf-8")
    code, out, err = run(capsys, "checklist", "validate", folder / CITY.name)
    assert code == 0, err
    started = time.monotonic()
    checklist = load_checklist(folder / CITY.name, lib=[folder])
    assert time.monotonic() - started < FAST
    assert checklist.extends == ("prov-2027-town", "2027.1")
