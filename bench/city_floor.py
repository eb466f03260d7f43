"""The floor of `city_summary`: the least any correct 军分区 summary must do.

It reads the same figures with set-based SQL — per assessment of the year and the year
before: county, unit type and name, status, the judged role, final score, level and (for
the year's counted results) the cached detail the failed-unit and most-lost tables need;
last year's 整改 actions per county and status; the 复核 draw per county and the rechecked
assessments (scored in both roles with the engine, as any implementation must) — and
writes the same tables, all of them with the same rows and columns, plus the two charts:

* PDF: plain reportlab `SimpleDocTemplate` + `Table` (strings; a `Paragraph` only in the
  cells that must wrap: unit names, item titles, reasons), the same CJK fonts, the charts
  as plain `Drawing`s of rectangles and strings, the overview and note as paragraphs.
* Excel: openpyxl write-only, the same ten sheets with the workbook's rows and columns
  (numbers as numbers), plain values (no fonts, borders or number formats).

It keeps the cheap reading where the summary does not need exactness: scores as the
cache's rounded `shown` floats (averages, spreads, sums in float), levels compared by key
against the criteria's lowest and top level, the criteria loaded once per version.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
from collections import Counter, defaultdict
from pathlib import Path

RANKED = ("town", "enterprise")
TYPES = ("town", "enterprise", "militia")
TYPE_NAMES = {"town": "乡镇（街道）武装部", "enterprise": "企业武装部", "militia": "民兵营（连）"}

# One row per assessment of both years, its county (parent, or grandparent for a 民兵营连)
# and its judged cached score (the score_cache row that is judged and current).
ROWS_SQL = (
    "SELECT a.id, a.year, a.status, a.checklist_id, a.checklist_version, u.type, u.name, "
    "CASE WHEN p.type = 'county' THEN p.name WHEN g.type = 'county' THEN g.name ELSE '（未归属县）' END AS county, "
    "sc.role, sc.shown, sc.level, CASE WHEN a.year = ? THEN sc.detail END "
    "FROM assessments a JOIN units u ON u.id = a.unit_id "
    "LEFT JOIN units p ON p.id = u.parent_id LEFT JOIN units g ON g.id = p.parent_id "
    "LEFT JOIN score_cache sc ON sc.assessment_id = a.id AND sc.judged = 1 "
    "WHERE a.year IN (?, ?) ORDER BY county, u.name")
ACTIONS_SQL = (
    "SELECT CASE WHEN p.type = 'county' THEN p.name WHEN g.type = 'county' THEN g.name ELSE '（未归属县）' END, "
    "x.status, count(*) FROM actions x JOIN assessments a ON a.id = x.assessment_id "
    "JOIN units u ON u.id = a.unit_id LEFT JOIN units p ON p.id = u.parent_id "
    "LEFT JOIN units g ON g.id = p.parent_id WHERE a.year = ? GROUP BY 1, 2")
DRAWN_SQL = (
    "SELECT CASE WHEN p.type = 'county' THEN p.name ELSE '（未归属县）' END, count(DISTINCT s.assessment_id) "
    "FROM recheck_sample s JOIN assessments a ON a.id = s.assessment_id JOIN units u ON u.id = a.unit_id "
    "LEFT JOIN units p ON p.id = u.parent_id WHERE a.year = ? GROUP BY 1")
RECHECKED_SQL = ("SELECT DISTINCT a.id FROM answers r JOIN assessments a ON a.id = r.assessment_id "
                 "WHERE r.role = 'recheck' AND a.year = ?")
ABSENT_SQL = ("SELECT EXISTS (SELECT 1 FROM attachments t JOIN evidence e ON e.sha256 = t.sha256 "
              "JOIN assessments a ON a.id = t.assessment_id WHERE e.absent = 1 AND a.year = ?)")


def _stats(scores: list, passed: int, top: int, pending: int) -> list:
    n = len(scores)
    if not n:
        return [0, 0, None, 0, None, None, None, None, None, pending]
    return [n, passed, passed / n, top, top / n, statistics.fmean(scores), statistics.pstdev(scores),
            min(scores), max(scores), pending]


class _Group:
    """Scores, passes and tops of a set of results; pending counted aside."""

    def __init__(self):
        self.scores, self.passed, self.top, self.pending = [], 0, 0, 0

    def add(self, score, level_index, top_index):
        self.scores.append(score)
        self.passed += level_index >= 0
        self.top += level_index >= 0 and level_index == top_index

    def figures(self) -> list:
        return _stats(self.scores, self.passed, self.top, self.pending)


def read(ws_dir: Path, year: int) -> dict:
    """Every figure the summary prints, from a few set-based queries."""
    from storage import Workspace, checklist_store

    conn = sqlite3.connect(f"file:{ws_dir / 'dabiao.sqlite'}?mode=ro", uri=True)
    ws = None
    crit: dict = {}
    try:
        county = defaultdict(_Group)
        by_type = defaultdict(_Group)  # (county or "", type)
        last = defaultdict(_Group)
        failed, lost_units, lost_points = [], Counter(), Counter()
        for (_aid, y, status, cid, cver, utype, uname, cty, role, shown, level, detail) in conn.execute(
                ROWS_SQL, [year, year - 1, year]):
            ref = (cid, cver)
            if ref not in crit:
                if ws is None:
                    ws = Workspace.open(ws_dir, backup=False, readonly=True)
                c = checklist_store.load(ws, *ref)
                items = list(c.items())
                crit[ref] = ({lv.key: k for k, lv in enumerate(c.levels)}, len(c.levels) - 1,
                             {i.code: i.title for i in items},
                             {i.code for i in items if i.voids_score or (c.levels and i.gate == c.levels[0].key)})
            levels, top, titles, musts = crit[ref]
            done = status in ("reviewed", "final") and shown is not None
            groups = ([last[cty]] if utype in RANKED else []) if y != year else \
                [by_type[(cty, utype)], by_type[("", utype)]] + ([county[cty], county[""]] if utype in RANKED else [])
            if not done:
                for g in groups:
                    g.pending += 1
                continue
            k = levels.get(level, -1)
            for g in groups:
                g.add(shown, k, top)
            if y != year:
                continue
            lost = json.loads(detail)["lost"] if detail else []
            if utype in RANKED:
                for code, points in lost:
                    lost_units[(code, titles.get(code, ""))] += 1
                    n, d = points.split("/")
                    lost_points[(code, titles.get(code, ""))] += int(n) / int(d)
            if k < 0:
                worst = next(((c, p) for c, p in lost if c in musts), None) or max(
                    lost, key=lambda cp: cp[1], default=("", "0/1"))
                failed.append([cty, uname, TYPE_NAMES.get(utype, utype), shown, role, worst[0],
                               titles.get(worst[0], ""), worst[1]])
        actions = defaultdict(Counter)
        for cty, status, n in conn.execute(ACTIONS_SQL, [year - 1]):
            actions[cty][status] += n
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        drawn = dict(conn.execute(DRAWN_SQL, [year])) if "recheck_sample" in tables else {}
        rechecked = [r[0] for r in conn.execute(RECHECKED_SQL, [year])]
        absent = conn.execute(ABSENT_SQL, [year]).fetchone()[0]
    finally:
        conn.close()
    deviations = _deviations(ws, rechecked) if rechecked else []
    if ws is not None:
        ws.close()
    return {"county": county, "by_type": by_type, "last": last, "failed": failed, "actions": actions,
            "drawn": drawn, "deviations": deviations, "absent": absent,
            "lost": sorted(lost_units, key=lambda k: (-lost_units[k], -lost_points[k]))[:15],
            "lost_units": lost_units, "lost_points": lost_points}


def _deviations(ws, ids: list) -> list:
    """(id, review final, recheck final, items differing, points differing) per rechecked."""
    from checklists import score
    from storage import checklist_store
    from storage.answer_store import scoring_inputs

    inputs = scoring_inputs(ws, [(aid, role) for aid in ids for role in ("review", "recheck")], damaged={})
    refs = dict(ws.db.execute(f"SELECT id, checklist_id || '\t' || checklist_version FROM assessments "
                              f"WHERE id IN ({','.join('?' * len(ids))})", ids))
    out = []
    for aid in ids:
        c = checklist_store.load(ws, *refs[aid].split("\t"))
        a, b = score(c, inputs[(aid, "review")]), score(c, inputs[(aid, "recheck")])
        diff = [abs(a.items[k].score - b.items[k].score) for k in b.items if a.items[k].score != b.items[k].score]
        out.append((aid, float(a.final), float(b.final), len(diff), float(sum(diff))))
    return out


def _pct(v):
    return "—" if v is None else f"{v:.1%}"


def _num(v):
    return "—" if v is None else f"{v:.2f}"


def tables(data: dict, year: int) -> dict:
    """name -> rows (header first) of every table the summary has, as text."""
    counties = sorted((c for c in data["county"] if c), key=lambda c: (-(data["county"][c].figures()[2] or 0),
                                                                      -(data["county"][c].figures()[5] or 0), c))
    fig = lambda g: g.figures()  # noqa: E731
    rank = [["名次", "县（市、区）", "考评单位数", "达标数", "达标率", "达优数", "达优率", "平均分", "标准差", "最低分",
             "最高分"]]
    for k, c in enumerate(counties + [""], 1):
        f = fig(data["county"][c])
        rank.append([str(k) if c else "", c or "全区", str(f[0]), str(f[1]), _pct(f[2]), str(f[3]), _pct(f[4]),
                     _num(f[5]), _num(f[6]), _num(f[7]), _num(f[8])])
    failed = [["序号", "县（市、区）", "单位", "类别", "得分", "未达标原因"]] + [
        [str(n), x[0], x[1], x[2], f"{x[3]:.2f}", f"{x[5]} {x[6]}（失{x[7]}分）"] for n, x in enumerate(data["failed"], 1)]
    types = [["单位类别", "考评单位数", "达标数", "达标率", "达优数", "达优率", "平均分", "未完成考评"]]
    for t in TYPES:
        f = fig(data["by_type"][("", t)])
        if f[0] or f[9]:
            types.append([TYPE_NAMES[t], str(f[0]), str(f[1]), _pct(f[2]), str(f[3]), _pct(f[4]), _num(f[5]), str(f[9])])
    present = [t for t in TYPES if fig(data["by_type"][("", t)])[0]]
    county_types = [["县（市、区）"] + [TYPE_NAMES[t] for t in present]] + [
        [c] + [f"{f[0]}／{_pct(f[2])}" for f in (fig(data["by_type"][(c, t)]) for t in present)] for c in counties]
    lost = [["序号", "编号", "条目", "失分单位数", "累计失分"]] + [
        [str(n), c, t, str(data["lost_units"][(c, t)]), _num(data["lost_points"][(c, t)])]
        for n, (c, t) in enumerate(data["lost"], 1)]
    deviation = [["县（市、区）", "抽取复核数", "已复核单位数", "得分不同的条目数", "条目分差合计", "考评总分减复核总分",
                  "平均每单位偏差"]] + [[c, str(n), "0", "0", "0", "0", "—"] for c, n in data["drawn"].items()]
    rechecked = [["县（市、区）", "单位", "考评得分", "复核得分", "考评减复核", "得分不同的条目数", "条目分差合计"]] + [
        ["", aid, _num(a), _num(b), _num(a - b), str(n), _num(p)] for aid, a, b, n, p in data["deviations"]]
    yoy = [["县（市、区）", f"{year}年达标率", f"{year - 1}年达标率", "增减", f"{year}年平均分", f"{year - 1}年平均分",
            "增减"]]
    for c in [""] + counties:
        now, before = fig(data["county"][c]), fig(data["last"][c])
        if now[0] and before[0]:
            yoy.append([c or "全区", _pct(now[2]), _pct(before[2]), f"{(now[2] - before[2]) * 100:+.1f}", _num(now[5]),
                        _num(before[5]), f"{now[5] - before[5]:+.2f}"])
    look = [["县（市、区）", "上年整改事项", "已整改（含已验收）", "其中已验收", "尚未整改", "整改完成率"]]
    total = Counter()
    for c in counties + [""]:
        a = data["actions"].get(c) if c else total
        if a:
            n, closed = sum(a.values()), a["done"] + a["verified"]
            look.append([c or "全区", str(n), str(closed), str(a["verified"]), str(n - closed), _pct(closed / n)])
            total.update(a)
    return {"县排名": rank, "未达标单位": failed, "分类型": types, "各县分类型": county_types, "失分条目": lost,
            "复核偏差": deviation, "复核单位": rechecked, "同比": yoy, "回头看": look}


def write_pdf(ws_dir: Path, out: Path, fonts, year: int) -> None:
    """Every table with plain reportlab, the two charts as plain Drawings."""
    from reportlab.graphics.shapes import Drawing, Rect, String
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    data = read(ws_dir, year)
    rows = tables(data, year)
    body = ParagraphStyle("b", fontName=fonts.fang, fontSize=9, leading=12)
    head = ParagraphStyle("h", fontName=fonts.hei, fontSize=14, leading=22)
    story = [Paragraph(f"{year}年度基层武装部规范化建设考评情况汇总", head),
             Paragraph("总体情况" * 40, body), Paragraph("说明" * 60, body)]
    bars = [(r[1], float(r[4].rstrip("%")) / 100) for r in rows["县排名"][1:-1] if r[4] != "—"]
    for start in range(0, len(bars), 48):
        part = bars[start:start + 48]
        d = Drawing(450, 10 * len(part) + 12)
        for k, (name, rate) in enumerate(part):
            y = 10 * (len(part) - k)
            d.add(String(0, y, name, fontName=fonts.hei, fontSize=8))
            d.add(Rect(80, y, 330 * rate, 7, fillColor=colors.steelblue, strokeColor=None))
            d.add(String(82 + 330 * rate, y, f"{rate:.1%}", fontName=fonts.hei, fontSize=8))
        story.append(d)
    bins = Counter(int(s // 5) * 5 for s in data["county"][""].scores)
    d = Drawing(450, 160)
    most = max(bins.values(), default=1)
    for k, lo in enumerate(range(60, 100, 5)):
        h = 130 * bins.get(lo, 0) / most
        d.add(Rect(30 + 50 * k, 20, 40, h, fillColor=colors.steelblue, strokeColor=None))
        d.add(String(30 + 50 * k, 22 + h, str(bins.get(lo, 0)), fontName=fonts.hei, fontSize=8))
        d.add(String(30 + 50 * k, 8, str(lo), fontName=fonts.hei, fontSize=8))
    story.append(d)
    wrap = ParagraphStyle("c", fontName=fonts.fang, fontSize=9, leading=11)
    wrapped = {"未达标单位": (2, 5), "失分条目": (2,)}
    for name, table_rows in rows.items():
        story.append(Paragraph(name, head))
        cols = wrapped.get(name, ())
        cells = [[Paragraph(v, wrap) if k in cols and r else v for k, v in enumerate(row)]
                 for r, row in enumerate(table_rows)]
        t = Table(cells, colWidths=[450 / len(cells[0])] * len(cells[0]), repeatRows=1)  # no measuring
        t.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), fonts.fang), ("FONTSIZE", (0, 0), (-1, -1), 8),
                               ("FONTNAME", (0, 0), (-1, 0), fonts.hei),
                               ("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
        story.append(t)
    SimpleDocTemplate(str(out), pagesize=A4).build(story)


def sheets(data: dict, year: int) -> dict:
    """name -> rows (header first) of the workbook's sheets: its columns, numbers as numbers."""
    counties = sorted((c for c in data["county"] if c), key=lambda c: (-(data["county"][c].figures()[2] or 0),
                                                                      -(data["county"][c].figures()[5] or 0), c))
    figs = ["考评单位数", "达标数", "达标率", "达优数", "达优率", "平均分", "标准差", "最低分", "最高分", "未完成考评"]
    out = {"县排名": [["名次", "县（市、区）"] + figs] + [
        [k if c else None, c or "全区"] + data["county"][c].figures() for k, c in enumerate(counties + [""], 1)]}
    out["未达标单位"] = [["序号", "县（市、区）", "单位", "类别", "得分", "得分来源", "条目编号", "条目", "原因", "该条目失分"]] + [
        [n, x[0], x[1], x[2], x[3], x[4], x[5], x[6], "失分最多", x[7]] for n, x in enumerate(data["failed"], 1)]
    out["分类型"] = [["单位类别"] + figs] + [[TYPE_NAMES[t]] + data["by_type"][("", t)].figures() for t in TYPES]
    out["各县分类型"] = [["县（市、区）", "单位类别"] + figs] + [
        [c, TYPE_NAMES[t]] + f for c in counties for t in TYPES
        if (f := data["by_type"][(c, t)].figures())[0] or f[9]]
    out["失分条目"] = [["序号", "编号", "条目", "失分单位数", "累计失分"]] + [
        [n, c, t, data["lost_units"][(c, t)], data["lost_points"][(c, t)]] for n, (c, t) in enumerate(data["lost"], 1)]
    out["复核偏差"] = [["县（市、区）", "抽取复核数", "已复核单位数", "得分不同的条目数", "条目分差合计", "考评总分", "复核总分",
                    "考评总分减复核总分", "平均每单位偏差"]] + [[c, n, 0, 0, 0, 0, 0, 0, None]
                                                    for c, n in data["drawn"].items()]
    out["复核单位"] = [["县（市、区）", "单位", "考评得分", "复核得分", "考评减复核", "得分不同的条目数", "条目分差合计"]] + [
        ["", aid, a, b, a - b, n, p] for aid, a, b, n, p in data["deviations"]]
    out["同比"] = [["县（市、区）", f"{year}年达标率", f"{year - 1}年达标率", "增减（百分点）", f"{year}年平均分",
                  f"{year - 1}年平均分", "增减（分）"]]
    for c in [""] + counties:
        now, before = data["county"][c].figures(), data["last"][c].figures()
        if now[0] and before[0]:
            out["同比"].append([c or "全区", now[2], before[2], (now[2] - before[2]) * 100, now[5], before[5],
                              now[5] - before[5]])
    look = tables(data, year)["回头看"]
    out["回头看"] = look[:1] + [row[:1] + [int(v) for v in row[1:5]] + [float(row[5].rstrip("%")) / 100]
                             for row in look[1:]]
    return out


def write_xlsx(ws_dir: Path, out: Path, year: int) -> None:
    """The same ten sheets, the workbook's columns, with openpyxl write-only, plain values."""
    from openpyxl import Workbook

    data = read(ws_dir, year)
    wb = Workbook(write_only=True)
    about = wb.create_sheet("说明")
    for text in (f"{year}年度基层武装部规范化建设考评情况汇总", "总体情况" * 40, "说明" * 60):
        about.append([text])
    for name, rows in sheets(data, year).items():
        sheet = wb.create_sheet(name)
        sheet.append([name])
        for row in rows:
            sheet.append(row)
    wb.save(out)
