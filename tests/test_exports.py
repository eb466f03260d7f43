"""Printed documents: generate each one from realistic data and read it back.

Data comes from the bundled province criteria, answers built here and real camera photos
(made report-size with Pillow, as storage will). PDFs are checked with poppler-utils.
"""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst
from PIL import Image, ImageOps

from checklists import Answers, load_checklist, score
from checklists.numbers import round_half_up
from exports import fonts as fonts_mod
from exports.actions_notice import render_actions_list, render_actions_notice
from exports.blank_checklist import render_blank_checklist
from exports.cjk import CANNOT_END, CANNOT_START, break_allowed, break_lines
from exports.data import (
    ActionInfo,
    ActionsNoticeData,
    GapReportData,
    PhotoInfo,
    SummaryData,
    SummaryRow,
    competition_ranks,
    most_lost_items,
)
from exports.fonts import FontMissingError, discover_fonts
from exports.document import JpegPhoto
from exports.gap_report import render_gap_report
from exports.summary import render_summary_pdf, render_summary_xlsx
from storage.units import UNIT_TYPE_LABELS

from answers_util import best_value
from conftest import LIBRARY, has_page_number, photo

# Report photos: the committed JPEGs and generated ones (portrait, panorama, phone-sized,
# more orientations, grey, broken EXIF): 13 of every shape, as a real report has.
REPORT_PHOTOS = ["jpg/Canon_40D.jpg", "jpg/Kodak_CX7530.jpg", "jpg/orientation/landscape_1.jpg",
                 "jpg/orientation/landscape_3.jpg", "jpg/orientation/landscape_6.jpg",
                 "jpg/orientation/landscape_8.jpg"]
REPORT_GENERATED = ["size/portrait.jpg", "size/panorama.jpg", "size/big.jpg", "orientation/landscape_5.jpg",
                    "orientation/landscape_7.jpg", "format/gray.jpg", "exif/garbage_makernote.jpg"]
POPPLER = all(shutil.which(tool) for tool in ("pdffonts", "pdftotext", "pdfimages"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdffonts/pdftotext/pdfimages) not installed")


# --------------------------------------------------------------------------- data builders

def partial_value(item):
    """An answer that loses some (or all) of the item's points."""
    if item.kind == "check":
        return False
    if item.kind == "rubric":
        return sorted(item.options, key=lambda o: o.points)[1].label
    if item.kind == "number":
        worst = min(item.bands, key=lambda b: b.points)
        return worst.at
    if item.kind == "deduct":
        return 1
    return max(Fraction(0), item.points - 2 * item.step)


SELF_SHORT = {"1.1", "2.1", "3.3.2", "4.1", "6.4", "9.2", "13.1"}
REVIEW_SHORT = SELF_SHORT | {"1.3", "3.3.4.2", "5.4", "8.3", "11.1", "13.2"}


def make_answers(checklist, short: set, photos: dict, skip=()) -> Answers:
    values = {}
    for item in checklist.items():
        if item.code in skip:
            continue
        if item.role == "penalty":
            values[item.code] = 1 if item.code in short else 0
        else:
            values[item.code] = partial_value(item) if item.code in short else best_value(item)
    counts = {code: len(ps) for code, ps in photos.items()}
    docs = {item.code: list(item.evidence.documents[:-1]) for item in checklist.items() if item.code in short}
    return Answers(values=values, photos=counts, documents=docs)


def derive_photo(src: Path, dest: Path) -> Path:
    """A report-size JPEG as storage makes it: upright (EXIF orientation applied), at most 1600 px."""
    with Image.open(src) as im:
        im.draft("RGB", (1600, 1600))
        im = ImageOps.exif_transpose(im).convert("RGB")
        im.thumbnail((1600, 1600))
        im.save(dest, "JPEG", quality=85)
    return dest


@pytest.fixture(scope="module")
def checklist():
    return load_checklist(LIBRARY / "prov-2027-town.yaml")


@pytest.fixture(scope="module")
def derived(tmp_path_factory, generated_photos):
    out = tmp_path_factory.mktemp("derived")
    sources = [photo(name) for name in REPORT_PHOTOS] + [generated_photos[name] for name in REPORT_GENERATED]
    return [derive_photo(src, out / f"{n:02d}-{src.stem}.jpg") for n, src in enumerate(sources)]


def build_photos(checklist, derived) -> dict:
    """Photos for the items that ask for them: self photos first, two review photos."""
    wanted = [item.code for item in checklist.items() if item.evidence.photos]
    photos: dict = {}
    captions = ["党委议军会议现场", "武装部办公室外景", "民兵之家荣誉墙", "战备器材库（二）货架",
                "装备登记统计台账", "应急分队点验", "训练场地全景", "征兵宣传“进村入户”", "国防教育课堂",
                "器材库温湿度计", "民兵连部门牌", "值班室“三表一册”", "考评组现场核查"]
    for n, path in enumerate(derived):
        code = wanted[n % len(wanted)] if n < len(derived) - 2 else wanted[0]
        role = "review" if n >= len(derived) - 2 else "self"
        taken = None if n == 3 else f"2027-03-{10 + n:02d} 09:{n:02d}"
        photos.setdefault(code, []).append(PhotoInfo(path, captions[n], taken, role))
    return photos


def build_gap_data(checklist, derived, *, review=True) -> GapReportData:
    photos = build_photos(checklist, derived)
    self_result = score(checklist, make_answers(checklist, SELF_SHORT, photos, skip={"10.2"}))
    review_result = score(checklist, make_answers(checklist, REVIEW_SHORT, photos)) if review else None
    actions = [
        ActionInfo("1.1", "每季度召开1次党委议军会议，形成会议纪要并逐项抓好落实", "张建国", "2027-06-30", "整改中"),
        ActionInfo("3.3.2", "补齐民兵之家“四有”设施，更新荣誉墙和学习园地", "李卫东", "2027-05-31", "未开始"),
        ActionInfo("4.1", "完善值班、学习、训练等制度并上墙公示", "王强", "2027-04-30", "已完成", closed=True),
    ]
    return GapReportData(
        unit_name="青山镇人民武装部", unit_type=UNIT_TYPE_LABELS["town"], parent_name="某某县人民武装部", year=2027,
        checklist=checklist, self_result=self_result, review_result=review_result, assessor="刘明（专武干部）",
        reviewer="陈志远、赵海" if review else "", status="已考评" if review else "已提交",
        self_date="2027-03-15", review_date="2027-04-08" if review else "", printed_date="2027年4月10日",
        conclusion=("该镇党委重视武装工作，“三室一库”建设基本到位；议军会议次数不足、器材库管理不规范，"
                    "需限期整改。\n整改完成后报县人武部复查。") if review else "",
        photos=photos, actions=actions)


# --------------------------------------------------------------------------- PDF reading

def pdf_text(path) -> list[str]:
    """Text of each page (pdftotext, in drawing order so that table cells stay whole)."""
    out = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True, text=True).stdout
    pages = out.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_fonts(path) -> list[dict]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout.splitlines()
    header = out[0]
    cols = {name: header.index(name) for name in ("type", "emb", "sub")}
    return [{"name": line[:cols["type"]].strip(), "emb": line[cols["emb"]:cols["emb"] + 3].strip(),
             "sub": line[cols["sub"]:cols["sub"] + 3].strip()} for line in out[2:] if line.strip()]


def pdf_images(path) -> list[list[str]]:
    out = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, check=True, text=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def check_pdf(path, expect_texts=(), images: int | None = None) -> str:
    """The common checks: fonts embedded as subsets, page numbers on every page, texts present."""
    fonts = pdf_fonts(path)
    assert fonts, "no fonts in PDF"
    for f in fonts:
        assert f["emb"] == "yes" and f["sub"] == "yes", f"font not embedded as subset: {f}"
    pages = pdf_text(path)
    for n, page in enumerate(pages, 1):
        assert has_page_number(page, n), f"page {n} has no page number"
    whole = flat("".join(pages))
    for text in expect_texts:
        assert flat(text) in whole, f"{text!r} not found in the PDF text"
    if images is not None:
        assert len(pdf_images(path)) == images
    return whole


# --------------------------------------------------------------------------- gap report

@needs_poppler
def test_gap_report(tmp_path, checklist, derived):
    data = build_gap_data(checklist, derived)
    out = render_gap_report(data, tmp_path / "gap.pdf")
    final = data.review_result
    gap_titles = [g.title for g in final.gap]
    n_photos = sum(1 for path in derived if printable(path))  # 100-pixel photos print a note instead
    whole = check_pdf(out, ["青山镇人民武装部", checklist.title, "达标", "达优", final.level_label,
                            "差距清单", *gap_titles, "考评组现场核查", "张建国", "负责人签字", "考评人签字"],
                      images=n_photos)
    # The closed action is not listed among the open ones.
    assert "完善值班、学习、训练等制度" not in whole
    # The gap list is ordered by points lost: its first entry precedes the others.
    start = whole.index("差距清单")
    first, last = final.gap[0], final.gap[-1]
    assert whole.index(flat(first.title), start) < whole.index(flat(last.title), start)


def printable(path) -> bool:
    """Whether the gap report prints this photo (enough pixels for its box: MIN_PPI)."""
    from exports.document import BODY_W, make_styles
    from exports.gap_report import PHOTO_H

    return JpegPhoto(path, BODY_W / 2 - 12, PHOTO_H, make_styles(discover_fonts())).problem is None


@needs_poppler
def test_gap_report_photos_are_the_jpeg_bytes(tmp_path, checklist, derived):
    """Each photo is embedded as the derived file's own bytes (DCTDecode, no ASCII85, no re-encode),
    unless far finer than the print needs (scaled down) or too coarse to print (a note instead)."""
    from exports.document import BODY_W, make_styles
    from exports.gap_report import PHOTO_H

    st = make_styles(discover_fonts())
    data = build_gap_data(checklist, derived)
    out = render_gap_report(data, tmp_path / "gap.pdf")
    pdf = out.read_bytes()
    assert b"/ASCII85Decode" not in pdf
    for path in derived:
        shown = JpegPhoto(path, BODY_W / 2 - 12, PHOTO_H, st)
        assert (path.read_bytes() in pdf) == (shown.problem is None and not shown.scaled), path.name
        if shown.scaled:
            assert shown.data in pdf, f"{path.name} not embedded as scaled down"
    assert all(row[8] == "jpeg" for row in pdf_images(out))


@needs_poppler
def test_gap_report_without_review(tmp_path, checklist, derived):
    data = build_gap_data(checklist, derived, review=False)
    out = render_gap_report(data, tmp_path / "self.pdf")
    whole = check_pdf(out, ["尚未进行考评", data.self_result.level_label])
    assert "考评组意见" not in whole


def test_gap_report_missing_photo_file_is_shown(tmp_path, checklist, derived):
    data = build_gap_data(checklist, derived[:1])
    code = next(iter(data.photos))
    photos = {code: [PhotoInfo(tmp_path / "gone.jpg", "丢失的照片")]}
    out = render_gap_report(GapReportData(**{**data.__dict__, "photos": photos}), tmp_path / "gap.pdf")
    if POPPLER:
        assert "照片文件缺失或损坏" in flat("".join(pdf_text(out)))


# --------------------------------------------------------------------------- summary

def build_summary(checklist) -> tuple[SummaryData, list]:
    names = ["青山镇人民武装部", "白水镇人民武装部", "城关街道人民武装部", "红旗乡人民武装部",
             "东风镇人民武装部", "石门镇人民武装部（试点）"]
    items = [i.code for i in checklist.items() if i.role == "base"]
    results = []
    for n, _ in enumerate(names):
        short = set(items[n * 3: n * 3 + 2 + 3 * n]) | ({"13.1"} if n % 2 else set())
        results.append(score(checklist, make_answers(checklist, short, {})))
    finals = [r.final for r in results]
    finals[-1] = None  # not scored yet
    ranks = competition_ranks(finals)
    cats = [(c.code, c.title) for c in checklist.categories if any(i.role == "base" for i in c.walk_items())]
    rows = []
    for name, r, final, rank in zip(names, results, finals, ranks):
        rows.append(SummaryRow(name, UNIT_TYPE_LABELS["town"], checklist.title, final,
                               r.level_label if final is not None else "", rank,
                               {code: r.category_index[code].ratio for code, _ in cats},
                               "已考评" if final is not None else "自评中",
                               status_key="reviewed" if final is not None else "draft"))
    rows.sort(key=lambda row: (row.rank is None, row.rank or 0))
    data = SummaryData("某某县", 2027, rows, cats, most_lost_items(results[:-1]), issuer="某某县人民武装部",
                       printed_date="2027年4月20日", levels=[lv.label for lv in reversed(checklist.levels)])
    return data, results


@needs_poppler
def test_summary_pdf(tmp_path, checklist):
    data, _ = build_summary(checklist)
    out = render_summary_pdf(data, tmp_path / "summary.pdf")
    check_pdf(out, ["某某县", *[r.unit_name for r in data.rows], *[t for _, t in data.categories],
                    *[i.title for i in data.most_lost[:3]]], images=0)


def test_summary_xlsx(tmp_path, checklist):
    from openpyxl import load_workbook

    data, _ = build_summary(checklist)
    out = render_summary_xlsx(data, tmp_path / "summary.xlsx")
    wb = load_workbook(out)
    ws = wb.worksheets[0]
    assert ws.freeze_panes is not None
    head = next(r[0].row for r in ws.iter_rows() if r[0].value == "名次")  # under the title block
    header = [c.value for c in ws[head]]
    assert header[:2] == ["名次", "单位"]
    values = [c.value for row in ws.iter_rows() for c in row]
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
    assert data.rows[0].unit_name in values
    first = next(r for r in ws.iter_rows(min_row=head + 1) if r[1].value == data.rows[0].unit_name)
    assert first[header.index("考评得分")].value == float(round_half_up(data.rows[0].final, 2))
    # Column widths fit Chinese: the unit column is at least two units per character.
    width = ws.column_dimensions["B"].width
    assert width >= 2 * max(len(r.unit_name) for r in data.rows)
    assert "失分条目" in wb.sheetnames


def test_most_lost_items_and_ranks(checklist):
    _, results = build_summary(checklist)
    lost = most_lost_items(results)
    assert lost and all(a.units >= b.units for a, b in itertools.pairwise(lost))
    assert competition_ranks([90, None, 95, 90, 80]) == [2, None, 1, 2, 4]


# --------------------------------------------------------------------------- blank checklist, notices

@needs_poppler
def test_blank_checklist(tmp_path, checklist):
    out = render_blank_checklist(checklist, tmp_path / "blank.pdf")
    items = list(checklist.items())
    check_pdf(out, [checklist.title, "检查人", *[i.title for i in items]], images=0)


@needs_poppler
def test_actions_notice_and_list(tmp_path, checklist):
    actions = [ActionInfo("1.1", "每季度召开1次党委议军会议，形成会议纪要", "张建国", "2027-06-30", "整改中",
                          item_title="党委议军会议"),
               ActionInfo("3.3.2", "补齐民兵之家设施", "李卫东", "2027-05-31", "未开始", item_title="民兵之家"),
               ActionInfo("4.1", "完善制度", "王强", "2027-04-30", "已完成", closed=True)]
    data = ActionsNoticeData("青山镇人民武装部", 2027, actions, "某某县人民武装部", "2027年4月12日",
                             doc_number="某武〔2027〕12号")
    notice = render_actions_notice(data, tmp_path / "notice.pdf")
    whole = check_pdf(notice, ["整改通知书", "青山镇人民武装部", "张建国", "2027-06-30", "某某县人民武装部",
                               "某武〔2027〕12号"], images=0)
    assert "完善制度" not in whole
    listing = render_actions_list(data, tmp_path / "list.pdf")
    check_pdf(listing, ["整改清单", "李卫东"], images=0)


# --------------------------------------------------------------------------- fonts

def test_fonts_missing_raise(tmp_path):
    with pytest.raises(FontMissingError) as err:
        discover_fonts(tmp_path, system=False, packaged=False)
    assert "中文" in str(err.value) and "DABIAO_FONT_DIR" not in str(err.value)


def test_fonts_missing_stop_rendering(tmp_path, checklist, monkeypatch):
    monkeypatch.setattr(fonts_mod, "system_font_dirs", list)
    monkeypatch.setattr(fonts_mod, "packaged_font_paths", list)
    monkeypatch.setattr(fonts_mod, "_CACHE", {})
    monkeypatch.setenv(fonts_mod.ENV_VAR, str(tmp_path))
    with pytest.raises(FontMissingError):
        render_blank_checklist(checklist, tmp_path / "blank.pdf")
    assert not any(tmp_path.glob("*.pdf"))


def test_cff_fonts_are_skipped_with_reason(tmp_path):
    (tmp_path / "NotoSansCJKsc-Regular.otf").write_bytes(b"OTTO\x00\x01\x00\x00\x00\x00\x00\x00CFF " + b"\0" * 12)
    with pytest.raises(FontMissingError) as err:
        discover_fonts(tmp_path, system=False, packaged=False)
    assert "CFF" in str(err.value)


def _system_cjk_font() -> Path:
    for folder in fonts_mod.system_font_dirs():
        for path in fonts_mod._walk(folder):
            if path.name.lower() in fonts_mod.KNOWN_FILES and fonts_mod._outline(path) == "glyf":
                return path
    pytest.skip("no TrueType CJK font on this machine")


def test_fonts_from_user_folder(tmp_path):
    src = _system_cjk_font()
    shutil.copy(src, tmp_path / src.name)
    fs = discover_fonts(tmp_path, system=False, packaged=False)
    assert {face.path.parent for face in fs.faces.values()} == {tmp_path}
    assert {face.tier for face in fs.faces.values()} == {0}


def test_fonts_from_package_as_last_resort(tmp_path, monkeypatch):
    src = _system_cjk_font()
    monkeypatch.setattr(fonts_mod, "packaged_font_paths", lambda: [src])
    fs = discover_fonts(tmp_path, system=False, packaged=True)
    assert all(face.tier == 2 and face.path == src for face in fs.faces.values())


def test_user_folder_wins_over_system(tmp_path):
    src = _system_cjk_font()
    shutil.copy(src, tmp_path / "simfang.ttf" if src.suffix == ".ttf" else tmp_path / src.name)
    fs = discover_fonts(tmp_path)
    assert any(face.tier == 0 for face in fs.faces.values())


# --------------------------------------------------------------------------- CJK line breaking

SAMPLE = ("按照《乡镇（街道）武装部规范化建设考评标准》要求，每年至少召开2次党委议军会议，专题研究解决武装工作"
          "实际问题；“三室一库”建设齐全，器材库温度、湿度符合要求！是否达标？GB/T 9704-2012规定：版心156×225 mm。"
          "省略号……破折号——都不能拆开，（括号）「引号」『书名』‘单引’。")


def _check_lines(text, lines, width, widths):
    assert "".join(lines) == text, "characters lost or duplicated"
    pos = 0
    for k, line in enumerate(lines):
        assert line, "empty line"
        if k > 0:
            assert line[0] not in CANNOT_START, f"line starts with {line[0]!r}: {line!r}"
        if k < len(lines) - 1:
            assert line[-1] not in CANNOT_END, f"line ends with {line[-1]!r}: {line!r}"
        used = sum(widths[pos:pos + len(line.rstrip())])
        if used > width + 1e-9:  # only when no legal break fits at all
            fits = [j for j in range(pos + 1, pos + len(line)) if break_allowed(text, j, words=False)
                    and sum(widths[pos:j]) <= width]
            assert not fits, f"line {line!r} overflows though it could break at {fits}"
        pos += len(line)


def test_cjk_breaks_over_many_widths():
    widths = [0.5 if ord(ch) < 0x2E80 and ch not in "—…“”‘’" else 1.0 for ch in SAMPLE]
    for width in [x / 4 for x in range(4, 160)]:
        lines = break_lines(SAMPLE, width, widths)
        _check_lines(SAMPLE, lines, width, widths)


def test_cjk_breaks_with_real_font_metrics():
    fs = discover_fonts()
    from reportlab.pdfbase.pdfmetrics import stringWidth
    widths = [stringWidth(ch, fs.fang, 16) for ch in SAMPLE]
    for width in range(40, 460, 7):
        _check_lines(SAMPLE, break_lines(SAMPLE, float(width), widths), width, widths)


ALPHABET = list("武装部规范化建设考评达标一二三") + sorted(CANNOT_START)[:40] + sorted(CANNOT_END) + list("ab12 —…")


@settings(max_examples=300, deadline=None)
@given(text=hst.text(alphabet=ALPHABET, min_size=1, max_size=80), width=hst.integers(min_value=1, max_value=30))
def test_cjk_breaks_property(text, width):
    widths = [0.5 if ch in "ab12 " else 1.0 for ch in text]
    lines = break_lines(text, float(width), widths)
    _check_lines(text, lines, float(width), widths)


@needs_poppler
def test_cjk_paragraph_in_pdf(tmp_path):
    """Lines as pdftotext reads them from a rendered paragraph obey the rules too."""
    from exports.document import build_pdf, make_styles, para

    st = make_styles(discover_fonts())
    story = [para(SAMPLE * 2, st.body.but(align="left", first_indent=0)),
             para(SAMPLE, st.small.but(right_indent=173))]
    out = build_pdf(tmp_path / "cjk.pdf", story, st, title="断行")
    text = subprocess.run(["pdftotext", "-raw", str(out), "-"], capture_output=True, text=True, check=True).stdout
    lines = [ln for ln in text.splitlines() if ln.strip() and "—" not in ln[:2]]
    assert len(lines) > 10
    for ln in lines[1:]:
        assert ln.strip()[0] not in CANNOT_START, ln
    for ln in lines:
        assert ln.strip()[-1] not in CANNOT_END, ln


def test_character_no_font_has_is_refused(tmp_path):
    """A character without a glyph in any found font stops the document instead of printing a box."""
    from exports.cjk import GlyphMissingError
    from exports.document import make_styles, para

    st = make_styles(discover_fonts())
    para("差距分析", st.body)  # fine
    with pytest.raises(GlyphMissingError) as err:
        para("照片说明\U0001F600", st.body)
    assert "\U0001F600" in str(err.value)
    assert isinstance(err.value, FontMissingError)


def test_shipped_font_works_on_a_bare_machine(tmp_path, monkeypatch, checklist):
    """No user folder, no system fonts: the font shipped in exports/fonts/ still prints."""
    monkeypatch.setattr(fonts_mod, "_CACHE", {})
    fs = discover_fonts(tmp_path, system=False, packaged=True)
    assert {face.path.name for face in fs.faces.values()} == {"wqy-microhei.ttc"}
    assert all(face.path.parent == fonts_mod.SHIPPED_FONT_DIR for face in fs.faces.values())
    out = render_blank_checklist(checklist, tmp_path / "blank.pdf", fonts=fs)
    assert out.stat().st_size > 1000


# --------------------------------------------------------------------------- fast paths print what reportlab would

def test_row_heights_are_the_ones_reportlab_computes(checklist):
    """table() gives its Table the row heights up front; they are the ones reportlab's Table
    computes itself from the cells (spanning rows, cells holding several paragraphs)."""
    from reportlab.platypus import Table

    from exports.document import BODY_W, _row_heights, make_styles, para, table

    st = make_styles(discover_fonts())
    rows = [["编号", "考评内容", "满分", "自评分"], ["3.3 武装部“三室一库”", "", "", ""]]
    spans = [((0, 1), (-1, 1))]
    for item in list(checklist.items())[:12]:
        detail = [para(f"达标要求：{item.requirement}", st.small), para("缺少佐证：照片2张", st.small.but(font=st.fonts.kai))]
        rows.append([item.code, item.title * 3, detail, "1.5"])
    widths = [0.11 * BODY_W, 0.5 * BODY_W, 0.27 * BODY_W, 0.12 * BODY_W]
    ours = table(rows, widths, st, spans=spans)
    plain = Table(ours._cellvalues, colWidths=widths)
    plain.setStyle([("SPAN", a, b) for a, b in spans] + [
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)])
    plain.wrap(BODY_W, 10**6)
    assert ours._argH == plain._rowHeights
    assert _row_heights(ours._cellvalues, widths, [((0, 1), (0, 2))], (3, 3, 2, 2)) is None  # row spans: reportlab's


@needs_poppler
def test_photo_rows_print_where_a_layout_table_prints_them(tmp_path, derived):
    """CellRow places photos and captions exactly where the layout Table it replaces did."""
    from exports.document import BODY_W, CellRow, JpegPhoto, build_pdf, layout_table, make_styles, para

    st = make_styles(discover_fonts())
    col = BODY_W / 2

    def cell(n, path):
        return [JpegPhoto(path, col - 12, 140, st), para(f"照片说明（{n}）", st.caption),
                para("自评照片，拍摄于2027-03-10 09:00", st.caption.but(size=9, leading=12))]

    def cells():
        return [cell(n, path) for n, path in enumerate(derived)]

    pad = [("ALIGN", (0, 0), (-1, -1), "CENTER"), ("LEFTPADDING", (0, 0), (-1, -1), 4),
           ("RIGHTPADDING", (0, 0), (-1, -1), 4), ("TOPPADDING", (0, 0), (-1, -1), 6),
           ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]
    c = cells()
    grid = [c[i:i + 2] + [""] * (2 - len(c[i:i + 2])) for i in range(0, len(c), 2)]
    a = build_pdf(tmp_path / "table.pdf", [para("照片", st.h1), layout_table(grid, [col, col], st, extra=pad)], st,
                  title="t")
    c = cells()
    b = build_pdf(tmp_path / "rows.pdf", [para("照片", st.h1)] + [CellRow(c[i:i + 2], [col, col], left=4, right=4,
                                                                       top=6, bottom=6) for i in range(0, len(c), 2)],
                  st, title="t")

    def boxes(path):
        out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
        return re.findall(r"<(?:page|word)[^>]*>", out)

    assert boxes(a) == boxes(b)
    assert [row[3:5] for row in pdf_images(a)] == [row[3:5] for row in pdf_images(b)]


def test_jpeg_header_read_like_reportlab(tmp_path, derived):
    """The photo's size and colour components come from its SOF header, as reportlab reads them."""
    from reportlab.pdfbase.pdfutils import readJPEGInfo

    from exports.document import jpeg_info

    Image.new("L", (40, 30), 128).save(tmp_path / "gray.jpg", "JPEG")
    Image.new("CMYK", (30, 40), (10, 200, 30, 5)).save(tmp_path / "cmyk.jpg", "JPEG")
    Image.new("RGB", (50, 20), (200, 10, 10)).save(tmp_path / "progressive.jpg", "JPEG", progressive=True)
    for path in [*derived, *sorted(tmp_path.glob("*.jpg"))]:
        with open(path, "rb") as fh:
            assert jpeg_info(path.read_bytes()) == readJPEGInfo(fh)[:3], path.name
    for bad in (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0\x00", b""):
        with pytest.raises((ValueError, IndexError)):
            jpeg_info(bad)


def test_jpeg_xobject_is_written_as_reportlab_writes_it(derived):
    from reportlab.pdfbase.pdfdoc import PDFDocument, PDFImageXObject

    from exports.document import JpegXObject

    doc = PDFDocument()
    for path in derived[:4]:
        theirs = PDFImageXObject("photo", str(path))
        ours = JpegXObject("photo")
        ours.__dict__.update(theirs.__dict__)
        assert ours.format(doc) == theirs.format(doc)
        assert ours.format(doc) == theirs.format(doc)  # and again, from the remembered dictionary


def test_font_subsets_are_reportlabs_and_remembered():
    """The subset font files embedded are byte for byte reportlab's; the same subset again is
    not built again."""
    from reportlab.pdfbase.ttfonts import TTFontFace

    from exports.fonts import EmbeddedTTFont

    path = fonts_mod.SHIPPED_FONT_DIR / "wqy-microhei.ttc"
    font = EmbeddedTTFont("DB-test-subsets", str(path))
    plain = TTFontFace(str(path))
    codes = [c for c in sorted(plain.charToGlyph) if c >= 0x4E00]
    for start in (0, 3000, 9000):
        subset = [0] + codes[start:start + 255]
        made = font.face.makeSubset(subset)
        assert made == plain.makeSubset(subset)
        assert font.face.makeSubset(list(subset)) is made
