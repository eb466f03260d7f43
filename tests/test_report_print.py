"""Printed documents (issue 12): the figures are right and the pages look like the office
made them. Built from a demo workspace (storage.demo) and read back with poppler."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest
from PIL import Image

import main as app_main
from storage import actions, assessments, evidence, units
from storage import answer_store
from checklists.numbers import display
from storage.demo import ANSWERS, build_demo, draw_photo

from wsutil import open_ws

POPPLER = all(shutil.which(tool) for tool in ("pdftotext", "pdfimages", "pdfinfo"))
pytestmark = pytest.mark.skipif(not POPPLER, reason="poppler-utils not installed")


# --------------------------------------------------------------------------- the workspace

def _camera_jpeg(path: Path, size: tuple[int, int], seed: int) -> Path:
    """A camera-like photo: shapes and fine grain, which compresses about as real detail does."""
    from PIL import ImageDraw, ImageFilter

    w, h = size
    grain = Image.effect_noise(size, 28 + seed).filter(ImageFilter.GaussianBlur(1.2))
    img = Image.merge("RGB", (grain, grain.point(lambda v: v * 0.8 + 30), grain.point(lambda v: v * 0.6 + 60)))
    d = ImageDraw.Draw(img)
    for k in range(12):
        x, y = (k * 197 + seed * 53) % w, (k * 131 + seed * 29) % h
        d.rectangle([x, y, x + w // 6, y + h // 7], fill=((k * 40) % 256, (seed * 60) % 256, 120))
    img.save(path, "JPEG", quality=92)
    return path


@pytest.fixture(scope="module")
def ws_dir(tmp_path_factory):
    """The demo county (城关镇 self-assessed, with photos), then:

    城关镇: reviewed and signed; the review answers 6.5 (不涉及 in the self-assessment) and
    marks 7.3 不涉及 (answered in the self-assessment).
    柳林乡: a failed 一票否决 (4.5), a failed 达优必备 (1.1), 阵地建设 under its 60% 达标
    floor, 2 points taken off 13.1; twelve open actions; photos without caption, one of 100
    pixels, one whose original and report image are gone, six from a large camera."""
    tmp = tmp_path_factory.mktemp("print")
    folder = tmp / "ws"
    with open_ws(folder) as ws:
        ids = build_demo(ws)
        a = ids["assessment"]
        checklist = assessments.checklist_of(ws, assessments.get_assessment(ws, a))
        index = checklist.item_index()
        assessments.set_status(ws, a, "submitted")
        for code, row in answer_store.list_answers(ws, a, "self").items():
            value = row["value"]
            if code == "6.5":
                value = max(index[code].options, key=lambda o: o.points).label
            elif code == "7.3":
                value = "na"
            answer_store.set_answer(ws, a, code, "review", value)
        assessments.update_review_info(ws, a, reviewer="某县人武部考评组 王刚、赵海", signed_by="王刚",
                                       signed_at="2027-04-08", conclusion="阵地建设基本到位。")

        town = units.add_unit(ws, "柳林乡", "town", ids["county"])
        b = assessments.new_assessment(ws, town["id"], "city-2027-town", None, 2027)["id"]
        values = dict(ANSWERS) | {"4.5": False, "1.1": Fraction(2), "3.1": False, "3.2": False, "3.5": False,
                                  "3.3.1": False, "3.3.3": False, "3.3.2": "未建立", "13.1": Fraction(1)}
        for item in checklist.items():
            if item.code in values:
                answer_store.set_answer(ws, b, item.code, "self", values[item.code])
        for k in range(12):
            actions.add_action(ws, b, "1.1", f"第{k + 1}项：按季度召开党委议军会议，形成纪要，明确责任人和时限，"
                                              "逐项抓好落实并报县人武部备案", "乡党委书记", "2027-12-31")
        pics = tmp / "pics"
        pics.mkdir()
        photo_items = [i.code for i in checklist.items() if i.evidence.photos]
        for n in range(8):
            evidence.add_photos(ws, b, photo_items[n], [draw_photo(pics / f"plain-{n}.jpg", f"现场{n}",
                                                                   "2027:04:02 10:05:40", n)], "self")
        tiny = pics / "tiny-thumb.jpg"
        Image.new("RGB", (100, 75), (90, 120, 60)).save(tiny, "JPEG")
        evidence.add_photos(ws, b, "1.1", [tiny], "self", caption="缩略图")
        lost = draw_photo(pics / "lost-original.jpg", "原图丢失", "2027:04:02 10:05:40", 3)
        evidence.add_photos(ws, b, "1.1", [lost], "self", caption="原图丢失的照片")
        for n in range(6):
            evidence.add_photos(ws, b, "3.1", [_camera_jpeg(pics / f"camera-{n}.jpg", (2400, 1800), n)], "self",
                                caption="相机原图")
        rows = evidence.list_evidence(ws, b)
        row = [r for r in rows if r["caption"] == "原图丢失的照片"][0]
        row["report"].unlink()
        row["original"].unlink()
        assert row["thumb"].exists()
        # one report image as earlier versions made them: 1600 pixels at quality 85
        legacy = [r for r in rows if r["caption"] == "相机原图"][0]["report"]
        with Image.open(pics / "camera-0.jpg") as im:
            im.resize((1600, 1200)).save(legacy, "JPEG", quality=85)
    return folder, a, b, tmp


def run(capsys, *argv):
    code = app_main.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def report(capsys, ws_dir, key: str, *extra) -> Path:
    folder, a, b, tmp = ws_dir
    out = tmp / f"{key}{'-'.join(extra)}.pdf"
    if not out.exists():
        code, _, err = run(capsys, "--data-dir", str(folder), "report", "gap", {"a": a, "b": b}[key], *extra,
                           "--out", str(out))
        assert code == 0, err
    return out


def pages(path, mode="-layout") -> list[str]:
    text = subprocess.run(["pdftotext", mode, str(path), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def words(path) -> list[list[dict]]:
    """Words with their boxes (points, y from the top), page by page."""
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    result = []
    for page in re.findall(r"<page (.*?)</page>", out, re.S):
        w, h = (float(x) for x in re.search(r'width="([\d.]+)" height="([\d.]+)"', page).groups())
        result.append([{"text": m[4], "x0": float(m[0]), "y0": float(m[1]), "x1": float(m[2]), "y1": float(m[3]),
                        "page_w": w, "page_h": h}
                       for m in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                                           r"(.*?)</word>", page)])
    return result


def section(text: str, start: str, end: str) -> str:
    i = text.index(start)
    return text[i:text.index(end, i)]


def numbers_after(line: str, label: str) -> list[str]:
    return line.split(label, 1)[1].split()


# --------------------------------------------------------------------------- figures

def test_category_figures_each_from_one_role(capsys, ws_dir):
    """An item 不涉及 in one role only: each role's 满分, 得分 and 得分率 are its own, in the
    table and in the headings (today 满分 came from the self answers, 得分 from the review)."""
    from storage import answer_store as store

    folder, a, _, _ = ws_dir
    with open_ws(folder) as ws:
        s, r = store.score_assessment(ws, a, "self"), store.score_assessment(ws, a, "review")
    text = "\n".join(pages(report(capsys, ws_dir, "a")))
    table = section(text, "二、分类得分情况", "（一）")

    def pct(c):
        return f"{round(c.ratio * 1000) / 10:g}%".replace(".0%", "%")

    for code, title in (("6", "教育训练与战备"), ("7", "兵役登记与征兵")):
        sc, rc = s.category_index[code], r.category_index[code]
        assert sc.applicable != rc.applicable  # 不涉及 in one role only
        line = next(ln for ln in table.splitlines() if f"{code} {title}" in ln)
        got = numbers_after(line, title)
        assert got == [f"{float(sc.applicable):g}", f"{float(sc.earned):g}", pct(sc),
                       f"{float(rc.applicable):g}", f"{float(rc.earned):g}", pct(rc)], line
    sc, rc = s.category_index["6"], r.category_index["6"]
    assert (f"自评满分{display(sc.applicable)}分、得{display(sc.earned)}分；"
            f"考评满分{display(rc.applicable)}分、得{display(rc.earned)}分") in flat(text)
    assert f"满分{display(sc.applicable)}分，自评{display(sc.earned)}分，考评{display(rc.earned)}分" not in flat(text)
    assert "自评、考评各按本方的认定计算满分" in flat(text)  # the note says so


def test_failed_gate_stands_out(capsys, ws_dir):
    """A failed 一票否决 reads 否决 in the tables and comes first in the gap list under the
    level it blocks; a 达优必备 is labelled so and is not a 否决."""
    text = flat("".join(pages(report(capsys, ws_dir, "b"), "-raw")))
    assert "4.5★未发生失泄密（一票否决）—否决" in text  # no points: 否决, not "0 0 0"
    conclusion = section(text, "一、考评结论", "二、分类得分情况")
    assert "达标80否决" in conclusion and "一票否决条目“4.5未发生失泄密”未满足" in conclusion
    gaps = section(text, "三、差距清单", "四、整改事项")
    first = gaps.index("一票否决：未满足的不能评为“达标”")
    assert gaps.index("1★4.5未发生失泄密（一票否决）否决—") > first
    assert gaps.index("达优必备：未满足的不能评为“达优”") > gaps.index("4.5未发生失泄密")
    assert "★1.1党委议军会议（达优必备）2/3" in gaps
    assert "其他失分条目：按失分多少排列" in gaps
    assert "1.1党委议军会议（一票否决）" not in text


def test_conclusion_lists_category_under_the_level_it_blocks(capsys, ws_dir):
    """阵地建设 under its 60% 达标 floor blocks 达标: listed there with that floor, not again
    under 达优 with “要求—”; each level's categories in the set's order."""
    text = flat("".join(pages(report(capsys, ws_dir, "b"), "-raw")))
    table = section(text, "等级分数线", "二、分类得分情况")
    assert "要求—" not in table
    assert table.count("3阵地建设（") == 1 and re.search(r"3阵地建设（[\d.]+%，要求60%）", table)
    assert table.index("3阵地建设") < table.index("达优92")
    from exports.collect import gap_report_data
    from exports.gap_report import level_blockers

    folder, _, b, _ = ws_dir
    with open_ws(folder) as ws:
        data = gap_report_data(ws, b, photos=False)
    order = [c.code for c in data.checklist.categories]
    for level in data.checklist.levels:
        codes = [cr.code for cr, _ in level_blockers(data.final_result, level.key)[1]]
        assert codes == sorted(codes, key=order.index)


def test_dates_in_chinese_form_and_the_signed_review(capsys, ws_dir):
    """成文日期 as GB/T 9704 writes it (2026年12月1日); the 考评日期 and the sign-off printed
    once the review is signed."""
    today = date.today()
    shown = f"{today.year}年{today.month}月{today.day}日"
    text = flat("".join(pages(report(capsys, ws_dir, "a"), "-raw")))
    assert f"（{shown}）" in text and today.isoformat() not in text
    assert "考评日期2027年4月8日" in text
    assert "考评人签字：王刚" in text and "日期：2027年4月8日" in text
    folder, _, b, tmp = ws_dir
    notice = tmp / "notice.pdf"
    code, _, err = run(capsys, "--data-dir", str(folder), "report", "actions", b, "--out", str(notice))
    assert code == 0, err
    text = flat("".join(pages(notice, "-raw")))
    assert shown in text and today.isoformat() not in text

    from exports.document import chinese_date

    assert chinese_date(date(2026, 12, 1)) == "2026年12月1日"
    assert chinese_date("2027-04-08") == "2027年4月8日" and chinese_date("2027-04-08T09:30:00") == "2027年4月8日"
    assert chinese_date("") == "" and chinese_date(None) == "" and chinese_date("2027年4月8日") == "2027年4月8日"


def test_penalty_rows_read_as_deductions(capsys, ws_dir):
    """扣分项: the points taken off, not the points kept ("满分 6 / 自评分 6" read as 6 taken off)."""
    text = flat("".join(pages(report(capsys, ws_dir, "b"), "-raw")))
    assert "扣分事项扣分上限自评扣分" in text
    assert "13.1民兵纪律62" in text and "13.2训练安全50" in text
    assert "13.1民兵纪律66" not in text and "13.2训练安全55" not in text
    assert "13.1民兵纪律（扣分项）扣2分2" in section(text, "三、差距清单", "四、整改事项")


# --------------------------------------------------------------------------- pages

def test_body_text_is_28_characters_and_22_lines(tmp_path):
    """GB/T 9704: 28 characters of 3号 to a line, 22 lines to a page of the 版心."""
    from exports.document import build_pdf, make_styles, para
    from exports.fonts import discover_fonts

    st = make_styles(discover_fonts())
    text = "基层武装部规范化建设考评工作按照标准逐项对照检查" * 40
    out = build_pdf(tmp_path / "body.pdf", [para(text, st.body)], st, title="版心")
    first = [ln.strip() for ln in pages(out, "-raw")[0].splitlines() if ln.strip() and "—" not in ln]
    assert len(first[0]) == 26 and all(len(ln) == 28 for ln in first[1:]), first[:3]
    assert len(first) == 22


def test_landscape_page_numbers_stay_where_portrait_pages_have_them(tmp_path):
    """GB/T 9704 10.1: on a landscape page the number is turned with the page: odd pages at
    the table's lower left, even pages at its upper left (the paper's outer bottom corner)."""
    from exports.document import build_pdf, landscape_pages, make_styles, para
    from exports.fonts import discover_fonts

    st = make_styles(discover_fonts())
    story = [para("竖排页", st.body), *landscape_pages(), para("横排表格页一", st.body), PageBreakFlow(),
             para("横排表格页二", st.body)]
    out = build_pdf(tmp_path / "land.pdf", story, st, title="横排")
    boxes = words(out)
    assert len(boxes) == 3
    for n, page in enumerate(boxes, 1):
        number = [w for w in page if w["text"] == str(n)]
        assert number, f"no page number on page {n}"
        w = number[-1]
        if n == 1:  # portrait: bottom right
            assert w["x0"] > w["page_w"] / 2 and w["y0"] > w["page_h"] * 0.85
            continue
        assert w["page_w"] > w["page_h"]  # a landscape page
        assert w["x1"] < 40 * 72 / 25.4, "not on the left of the landscape page"
        assert w["x1"] - w["x0"] > w["y1"] - w["y0"], "not turned with the page"  # a digit lying on its side
        if n % 2:
            assert w["y0"] > w["page_h"] / 2  # lower left
        else:
            assert w["y1"] < w["page_h"] / 2  # upper left


def PageBreakFlow():  # noqa: N802 - reads as a flowable in the story above
    from reportlab.platypus import PageBreak

    return PageBreak()


@pytest.fixture(scope="module")
def city():
    from checklists import load_checklist

    library = Path(__file__).resolve().parent.parent / "checklists" / "library"
    return load_checklist(library / "city-2027-town.yaml", [library])


@pytest.fixture(scope="module")
def blank(city, tmp_path_factory):
    from exports.blank_checklist import render_blank_checklist

    return render_blank_checklist(city, tmp_path_factory.mktemp("blank") / "blank.pdf")


def test_blank_checklist_codes_never_break(blank):
    every = [w["text"] for page in words(blank) for w in page]
    assert "3.3.4.1" in every and "3.3.4.2" in every


def test_check_box_stays_with_its_label(blank):
    from exports.cjk import break_lines

    assert break_lines("ab□cd", 3.0, [1.0] * 5) == ["ab", "□cd"]
    for line in "".join(pages(blank, "-raw")).splitlines():
        assert not line.rstrip().endswith(("□", "☐")), line


def test_blank_checklist_sub_heading_rows_stay_with_their_items(city, blank):
    texts = [flat(p) for p in pages(blank, "-raw")]

    def subs(cat):
        for sub in cat.categories:
            yield sub
            yield from subs(sub)

    for sub in (s for cat in city.categories for s in subs(cat)):
        first = next(iter(sub.walk_items())).code
        on = [k for k, t in enumerate(texts) if flat(f"{sub.code}{sub.title}") in t]
        assert on, sub.code
        assert first in texts[on[0]], f"heading row {sub.code} {sub.title} ends page {on[0] + 1}"


def test_blank_checklist_signatures_never_alone(city, tmp_path):
    """The totals and signatures close the last table whatever the length of the form."""
    from exports.blank_checklist import render_blank_checklist

    cats = list(city.categories)
    for k in range(3, len(cats) + 1):
        for cut in (0, 1):
            last = cats[k - 1]
            if cut and len(last.items) > 1:
                last = dataclasses.replace(last, items=last.items[:-1])
            short = dataclasses.replace(city, categories=tuple(cats[:k - 1]) + (last,))
            out = render_blank_checklist(short, tmp_path / f"blank-{k}-{cut}.pdf")
            end = flat(pages(out, "-raw")[-1])
            codes = [i.code for i in last.walk_items()]
            assert "组长签字" in end and any(code in end for code in codes), f"signatures alone ({k}, {cut})"


def test_gap_report_no_half_empty_page_before_the_last_section(ws_dir, tmp_path):
    """The last section (actions, attachment note, signatures) is not kept together as a
    whole (柳林乡's page before it was 75% empty): it starts where it is, the signatures come
    with the last rows of the actions table, whatever the number of actions."""
    from exports.collect import gap_report_data
    from exports.gap_report import render_gap_report

    folder, _, b, _ = ws_dir
    with open_ws(folder) as ws:
        data = dataclasses.replace(gap_report_data(ws, b), photos={})
    body_top, body_bottom = 37 * 72 / 25.4, (37 + 225) * 72 / 25.4
    opinion = "考评组认为该乡党委重视武装工作，但阵地建设和保密工作存在明显短板，须限期整改到位。"
    for k, n in ((k, n) for k in range(0, 22, 3) for n in (1, 4, 7)):  # the section starts all over a page
        variant = dataclasses.replace(data, actions=data.actions[:n], conclusion="\n".join([opinion] * k))
        out = render_gap_report(variant, tmp_path / f"gap{k}-{n}.pdf")
        boxes = words(out)
        joined = ["".join(w["text"] for w in page) for page in boxes]
        start = next(k for k, t in enumerate(joined) if "四、整改事项" in t)
        sign = next(k for k, t in enumerate(joined) if "考评人签字" in t)
        text = [w for w in boxes[start - 1] if not re.fullmatch(r"—?\d+—?|—", w["text"])]
        filled = (max(w["y1"] for w in text) - body_top) / (body_bottom - body_top)
        assert filled > 0.5, f"{n} actions, {k} lines of opinion: page {start} only {filled:.0%} filled"
        assert f"第{n}项" in joined[sign], f"{n} actions: the signatures alone"


def test_no_stub_lines(capsys, ws_dir):
    """No heading (or cell) leaves “分）” alone on its last line."""
    for path in (report(capsys, ws_dir, "b"), report(capsys, ws_dir, "a")):
        for line in "".join(pages(path, "-raw")).splitlines():
            core = line.strip().rstrip("）)%。，、；：")
            assert not (line.strip().endswith("）") and len(core) <= 1), f"stub line {line!r}"
    from exports.cjk import no_stub

    assert no_stub(["（六）教育训练与战备（满分9分，自评9分，考评11", "分）"]) == [
        "（六）教育训练与战备（满分9分，自评9分，考评", "11分）"]


def test_full_width_parentheses(capsys, ws_dir):
    from storage.units import UNIT_TYPE_LABELS

    text = flat("".join(pages(report(capsys, ws_dir, "b"), "-raw")))
    assert "乡镇（街道）武装部" in text and "乡镇(街道)" not in text
    assert all("(" not in label and ")" not in label for label in UNIT_TYPE_LABELS.values())


def test_photos_captions_and_placeholders(capsys, ws_dir):
    """A photo without caption is 照片N, never its file name; a 100-pixel photo and one whose
    report image cannot be made print a note, never a blown-up thumbnail."""
    folder, _, b, _ = ws_dir
    out = report(capsys, ws_dir, "b")
    text = flat("".join(pages(out, "-raw")))
    assert not re.search(r"plain-\d\.jpg|camera-\d\.jpg", text)
    assert "1.1党委议军会议照片1自评照片" in text  # plain-0.jpg, added without a caption
    assert "照片像素过低（100×75）" in text and "tiny-thumb.jpg" in text
    assert "原始照片缺失或无法读取，无法生成打印用图片" in text
    images = subprocess.run(["pdfimages", "-list", str(out)], capture_output=True, text=True, check=True).stdout
    sizes = [(int(r.split()[3]), int(r.split()[4])) for r in images.splitlines()[2:] if r.strip()]
    with open_ws(folder) as ws:
        n_photos = len(evidence.list_evidence(ws, b))
    assert len(sizes) == n_photos - 2  # the tiny one and the lost one are notes
    assert all(max(s) > 320 for s in sizes), sizes  # never a thumbnail (320 px) or the 100 px photo


def test_photos_embedded_at_print_resolution(capsys, ws_dir):
    """Photos go into the report at print resolution: report images are made for print
    (1000 pixels, not 1600 at quality 85: 85 photos made 12 MB) and a 1600-pixel one left by
    an earlier version is scaled down (about 300 ppi in its box): a few megabytes a report."""
    from storage.photos import REPORT_SIDE

    folder, _, b, _ = ws_dir
    out = report(capsys, ws_dir, "b")
    listing = subprocess.run(["pdfimages", "-list", str(out)], capture_output=True, text=True).stdout
    rows = [r.split() for r in listing.splitlines()[2:] if r.strip()]
    assert max(int(r[3]) for r in rows) <= REPORT_SIDE <= 1200, "photos embedded far finer than print needs"
    with open_ws(folder) as ws:
        camera = [r["report"] for r in evidence.list_evidence(ws, b) if r["caption"] == "相机原图"]
    assert len(camera) == 6 and Image.open(camera[0]).width == 1600  # the legacy one, scaled down in the PDF
    assert out.stat().st_size / len(rows) < 120_000, f"{out.stat().st_size} bytes for {len(rows)} photos"


def test_no_photos_option(capsys, ws_dir):
    """`report gap --no-photos` leaves the photo appendix out."""
    with_photos, without = report(capsys, ws_dir, "b"), report(capsys, ws_dir, "b", "--no-photos")
    assert "佐证照片" in flat("".join(pages(with_photos, "-raw")))
    assert "佐证照片" not in flat("".join(pages(without, "-raw")))
    images = subprocess.run(["pdfimages", "-list", str(without)], capture_output=True, text=True).stdout
    assert not [r for r in images.splitlines()[2:] if r.strip()]
    assert len(pages(without)) < len(pages(with_photos))
    from exports.collect import gap_report_data

    folder, _, b, _ = ws_dir
    with open_ws(folder) as ws:
        assert gap_report_data(ws, b, photos=False).photos == {}


def test_font_warning(tmp_path, capsys, monkeypatch, ws_dir):
    """Fallback faces: a warning says which official faces are missing and how to add them;
    the command line prints it once on stderr."""
    from exports import fonts as fonts_mod
    from exports.fonts import FontSet, discover_fonts, font_warning

    monkeypatch.setattr(fonts_mod, "_CACHE", {})
    bare = discover_fonts(tmp_path, system=False, packaged=True)  # the shipped WenQuanYi Micro Hei only
    text = font_warning(bare)
    assert text and "仿宋" in text and "楷体" in text and "DABIAO_FONT_DIR" in text
    assert str(fonts_mod.user_font_dir()) in text and "WenQuanYi" in text
    face = next(iter(bare.faces.values()))
    proper = FontSet(**{r: bare.name(r) for r in fonts_mod.ROLES},
                     faces={r: dataclasses.replace(face, cls=r) for r in fonts_mod.ROLES})
    assert font_warning(proper) is None

    import commands.report_cmds as report_cmds

    monkeypatch.setattr(report_cmds, "_warned", False)
    monkeypatch.setattr(fonts_mod, "font_warning", lambda fonts=None: text)
    folder, a, _, tmp = ws_dir
    for n in range(2):
        code, _, err = run(capsys, "--data-dir", str(folder), "report", "blank", "city-2027-town", "--out",
                           str(tmp / f"w{n}.pdf"))
        assert code == 0
        assert err.count("DABIAO_FONT_DIR") == (1 if n == 0 else 0)
