"""exports/rl_speedups: reportlab's internals they rely on are there, and they print what
reportlab's own drawing prints.

Guard tests: an upgraded reportlab that renames, re-signs or rewrites something a speed-up
reaches into fails here, naming it, instead of printing wrong documents. Differential
tests: the same documents drawn with the speed-ups and with reportlab's standard drawing
(its text object and drawString, Table._drawCell / _drawLines / setStyle / row measuring,
canvas.drawImage), compared by their text, glyph boxes and rendered pixels.
"""

from __future__ import annotations

import inspect
import io
import os
import re
import shutil
import subprocess

import pytest
import reportlab
from PIL import Image, ImageChops
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Table
from reportlab.platypus.tables import CellStyle

from exports import cjk, document, photo
from exports import rl_speedups as rls
from exports.fonts import discover_fonts
from exports.rl_speedups import caches, font_subsets, tables, text

POPPLER = all(shutil.which(tool) for tool in ("pdftotext", "pdftoppm", "pdffonts", "pdfimages"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext/pdftoppm/pdffonts) not installed")
VERA = os.path.join(os.path.dirname(reportlab.__file__), "fonts", "Vera.ttf")  # Latin only: CJK falls back


# --------------------------------------------------------------------------- guard

def test_reportlab_is_a_version_the_speedups_were_checked_against():
    assert reportlab.Version in rls.REPORTLAB_CHECKED, (
        f"reportlab {reportlab.Version} is installed; exports/rl_speedups was checked against "
        f"{', '.join(rls.REPORTLAB_CHECKED)}. Run this file, re-check every function it names as changed, "
        "then add the version to REPORTLAB_CHECKED (exports/rl_speedups/__init__.py).")


def test_reportlab_functions_the_speedups_call_or_override_are_there():
    calls, _, _ = rls.relied_on()
    problems = []
    for dotted, names in calls.items():
        try:
            params = list(inspect.signature(rls.resolve(dotted)).parameters)
        except (ImportError, AttributeError, TypeError, ValueError) as exc:
            problems.append(f"{dotted}: missing ({type(exc).__name__}: {exc})")
            continue
        wanted = names.split()
        if not set(wanted) <= set(params) or sorted(wanted, key=params.index) != wanted:
            problems.append(f"{dotted}: parameters are {params}, the speed-ups use {wanted} (in this order)")
    assert not problems, "reportlab changed under exports/rl_speedups:\n" + "\n".join(problems)


def _live_attributes() -> dict[str, set]:
    """The attribute names of an instance of each reportlab class the speed-ups read or
    write attributes of, taken in the state they use it (a Table while it draws a cell, a
    font's per-document state once it has subsets)."""
    canv = Canvas(io.BytesIO())
    doc = canv._doc
    font = TTFont("RLS-guard-Vera", VERA)
    font.splitString("Abc", doc)
    font.getSubsetInternalName(0, doc)
    drawing: dict = {}

    class Spy(Table):
        def _drawCell(self, *args):
            drawing.setdefault("names", set(dir(self)))
            return super()._drawCell(*args)

    t = Spy([["a", "b"]])
    t.wrapOn(canv, 200, 200)
    t.drawOn(canv, 0, 0)
    return {
        "reportlab.pdfgen.canvas.Canvas": set(dir(canv)),
        "reportlab.pdfbase.pdfdoc.PDFDocument": set(dir(doc)),
        "reportlab.platypus.tables.Table": drawing["names"],
        "reportlab.platypus.tables.CellStyle": set(dir(CellStyle("guard"))),
        "reportlab.pdfbase.ttfonts.TTFont": set(dir(font)),
        "reportlab.pdfbase.ttfonts.TTFontFace": set(dir(font.face)),
        "reportlab.pdfbase.ttfonts.TTFont.State": set(dir(font.state[doc])),
        "reportlab.pdfbase.pdfdoc.PDFArray": set(dir(pdfdoc.PDFArray([1]))),
        "reportlab.pdfbase.pdfdoc.PDFStream": set(dir(pdfdoc.PDFStream())),
    }


def test_reportlab_attributes_the_speedups_use_are_there():
    _, attributes, _ = rls.relied_on()
    live = _live_attributes()
    problems = []
    for cls, names in attributes.items():
        if cls not in live:
            problems.append(f"{cls}: no live instance in tests/test_rl_speedups.py::_live_attributes (add one)")
            continue
        problems += [f"{cls}.{name}: missing" for name in names if name not in live[cls]]
    assert not problems, "reportlab changed under exports/rl_speedups:\n" + "\n".join(problems)


def test_reportlab_functions_the_speedups_follow_are_unchanged():
    """Each speed-up repeats the steps of (or relies on the exact behaviour of) some
    reportlab functions; their source is fingerprinted. A change means: read the new
    source, compare it with the speed-up, adjust, update the fingerprint."""
    _, _, follows = rls.relied_on()
    changed = []
    for dotted, expected in follows.items():
        try:
            now = rls.fingerprint(dotted)
        except (ImportError, AttributeError, OSError, TypeError) as exc:
            changed.append(f"{dotted}: cannot be read ({type(exc).__name__}: {exc})")
            continue
        if now != expected:
            owner = next(m for m in rls.MODULES if dotted in getattr(__import__(f"exports.rl_speedups.{m}",
                                                                                fromlist=["x"]), "FOLLOWS", {}))
            changed.append(f"{dotted}: fingerprint {now}, checked was {expected} (exports/rl_speedups/{owner}.py)")
    assert not changed, "reportlab functions followed by exports/rl_speedups changed:\n" + "\n".join(changed)


def test_pdf_string_escaping_is_reportlabs():
    from reportlab.lib.rl_accel import escapePDF

    assert "".join(text._PDF_ESCAPE) == escapePDF(bytes(range(256)))


def test_font_subset_hooks_still_engage():
    """The font file streams get the level-1 remembered compression and the widths are
    written from the remembered texts: reportlab still names and builds them as
    font_subsets expects (otherwise the speed-up would silently stop applying)."""
    name = "RLS-hooks-Vera"
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(font_subsets.EmbeddedTTFont(name, VERA))
    font = pdfmetrics.getFont(name)
    canv = Canvas(io.BytesIO())
    text.draw_string(canv, 72, 72, "Hooks (1) \\ engaged", name, 12)
    canv.showPage()
    canv.save()
    objects = canv._doc.idToObject
    streams = [o for key, o in objects.items() if key.startswith(f"fontFile:{font.face.filename}(")]
    assert streams and all(s.filters == [font_subsets._REMEMBERED_FLATE] for s in streams)
    widths = [f.Widths for f in objects["BasicFonts"].dict.values() if hasattr(f, "Widths")]
    assert widths and all(isinstance(w, bytes) for array in widths for w in array.sequence)


def test_caches_cleared_give_the_same_document(tmp_path):
    """A document made with every cache emptied first (as by a fresh process) is the
    same file as one made with them warm."""
    st = document.make_styles(discover_fonts())
    story = [document.para("缓存 caches（一）、二，三。" * 8, st.body),
             document.table([["编号", "内容"], ["1.1", "测试 test"]], [60, 300], st)]
    warm = document.build_pdf(tmp_path / "warm.pdf", story, st, title="t").read_bytes()
    caches.clear()
    story = [document.para("缓存 caches（一）、二，三。" * 8, st.body),
             document.table([["编号", "内容"], ["1.1", "测试 test"]], [60, 300], st)]
    cold = document.build_pdf(tmp_path / "cold.pdf", story, st, title="t").read_bytes()
    assert cold == warm


# --------------------------------------------------------------------------- differential

def _reportlab_show_lines(canv, x, y, color, size, lines):
    """rl_speedups.text.show_lines done with reportlab's own text object."""
    if not lines:
        return
    canv.saveState()
    canv.translate(x, y)
    canv.setFillColorRGB(*color)
    t = canv.beginText()
    for lx, baseline, char_space, runs in lines:
        t.setTextOrigin(lx, baseline)
        t.setCharSpace(char_space)
        for font, run in runs:
            t.setFont(font, size)
            t.textOut(run)
    canv.drawText(t)
    canv.restoreState()


def _reportlab_draw_string(canv, x, y, s, font, size, *, right=False):
    canv.saveState()
    canv.setFont(font, size)
    (canv.drawRightString if right else canv.drawString)(x, y, s)
    canv.restoreState()


def _counted(fn, calls: list):
    """fn, appending to calls each time it is called (to show the reference path ran)."""
    def counted(*args, **kwargs):
        calls.append(fn)
        return fn(*args, **kwargs)

    return counted


def _words(path) -> list[tuple]:
    """(page, word, xMin, yMin, xMax, yMax) of every word pdftotext finds."""
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    words, page = [], 0
    for line in out.splitlines():
        if "<page " in line:
            page += 1
        m = re.search(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)</word>', line)
        if m:
            words.append((page, m.group(5), *map(float, m.group(1, 2, 3, 4))))
    return words


def _pixels(path, folder, dpi: int = 72) -> list[Image.Image]:
    prefix = folder / path.stem
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", str(path), str(prefix)], check=True)
    return [Image.open(p).convert("L") for p in sorted(folder.glob(f"{path.stem}-*.pgm"))]


def _assert_same_print(ours, theirs, tmp_path, *, fonts: bool = True):
    """Same text (pdftotext -layout), same words at the same places (within 0.01 pt), same
    subset fonts, and pages that render alike (at most 0.05 % of pixels differing by more
    than a few grey levels)."""
    def layout(path):
        return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout

    assert layout(ours) == layout(theirs)
    a, b = _words(ours), _words(theirs)
    assert [w[:2] for w in a] == [w[:2] for w in b]
    worst = max((abs(p - q) for wa, wb in zip(a, b) for p, q in zip(wa[2:], wb[2:])), default=0.0)
    assert worst <= 0.01, f"glyph boxes moved by up to {worst} pt"
    if fonts:
        def font_list(path):
            return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout

        assert font_list(ours).splitlines()[2:] == font_list(theirs).splitlines()[2:]
    pages_a = _pixels(ours, tmp_path)
    pages_b = _pixels(theirs, tmp_path)
    assert len(pages_a) == len(pages_b)
    for n, (pa, pb) in enumerate(zip(pages_a, pages_b), 1):
        assert pa.size == pb.size
        changed = ImageChops.difference(pa, pb).point(lambda v: 255 if v > 8 else 0).histogram()[255]
        assert changed <= pa.size[0] * pa.size[1] * 0.0005, f"page {n}: {changed} pixels differ"


@pytest.fixture(scope="module")
def styles():
    return document.make_styles(discover_fonts())


def _paragraph_story(st) -> list:
    """CJK and Latin, a Latin-only face falling back to the CJK face within lines, more than
    256 distinct characters (several subsets, mixed within a line), justified, centred,
    right, grey, a line with no legal break squeezed in, blank lines, PDF-escaped bytes,
    a no-break space, table cells, and page numbers on portrait and turned pages."""
    vera = "RLS-Vera"
    if vera not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(font_subsets.EmbeddedTTFont(vera, VERA))
    mixed = st.body.but(font=vera, fallbacks=(vera, *st.fonts.fallbacks))
    many = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 300))
    return [
        document.para("差距分析报告 Gap report（2027 年度）", st.title),
        document.para("（2027年3月1日）", st.subtitle),
        *document.heading("一、考评结论", st.h1),
        document.para("本单位规范化建设考评自评得分 86.5 分（满分 100 分），达到“达标”等级；"
                      "Latin words, numbers 3.3.4.1 and 12.5% stay whole, (brackets) and back\\slash escape." * 3,
                      st.body),
        document.para("Latin face with 中文 falling back within a line: The quick brown fox 跳过 the lazy dog。" * 4,
                      mixed),
        document.para(many, st.body),
        document.para("超长不可断行：" + "A" * 90 + "，结束。", st.body),
        document.para("灰色说明文字 grey note\u00a0with a no-break space", st.plain.but(color=(0.45, 0.45, 0.45))),
        document.para("右对齐 right aligned", st.plain.but(align="right")),
        document.para("居中 centred\n第二行\n\n空行之后 after a blank line", st.plain.but(align="center")),
        document.table([["编号", "内容", "分值"], *[[f"{k}.1", "表格单元格 cell text " * (k % 3 + 1), f"{k}.5"]
                                                  for k in range(1, 9)]], [50, 330, 62], st,
                       align=["center", "left", "right"]),
        *document.landscape_pages(),
        document.para("横向页面 landscape page", st.h1),
        *document.portrait_pages(),
        document.para("回到纵向 portrait again", st.h2),
    ]


@needs_poppler
def test_paragraphs_print_as_reportlabs_text_object_prints_them(tmp_path, styles, monkeypatch):
    """rl_speedups.text writes text operators into the page by hand; reportlab's text object
    (beginText / setTextOrigin / setCharSpace / setFont / textOut) and drawString, given
    the same lines, print the same."""
    ours = document.build_pdf(tmp_path / "ours.pdf", _paragraph_story(styles), styles, title="t")
    calls: list = []
    monkeypatch.setattr(cjk, "show_lines", _counted(_reportlab_show_lines, calls))
    monkeypatch.setattr(document, "draw_string", _counted(_reportlab_draw_string, calls))
    theirs = document.build_pdf(tmp_path / "theirs.pdf", _paragraph_story(styles), styles, title="t")
    assert _reportlab_draw_string in calls and calls.count(_reportlab_show_lines) > 30
    _assert_same_print(ours, theirs, tmp_path)


def _table_story(st) -> list:
    rows = [["编号", "考评内容", "满分", "自评"]]
    for k in range(1, 40):
        rows.append([f"3.{k}", "武装部“三室一库”建设情况，台账齐全 records complete " * (k % 4 + 1), "2", ""
                     if k % 5 == 0 else f"{k % 3}.5"])
    spans = [((0, 5), (-1, 5))]
    rows[5] = ["（二）分类小标题", "", "", ""]
    t = document.table(rows, [60, 250, 60, 72], st, align=["center", "left", "center", "right"], spans=spans,
                       extra=[("TEXTCOLOR", (3, 1), (3, -1), (0.8, 0, 0))])
    dense = document.table([["序号", "单位", "得分"], *[[str(k), f"第{k}镇", f"{80 + k / 7:.2f}"] for k in range(12)]],
                           [60, 260, 100], st, dense=True, align=["center", "left", "right"])
    return [document.para("表格 tables", st.h1), t, document.para("紧凑表格 dense", st.h2), dense]


@needs_poppler
def test_tables_print_as_reportlabs_table_prints_them(tmp_path, styles, monkeypatch):
    """rl_speedups.tables: cells and rules drawn, styles shared and rows measured as
    reportlab's own Table._drawCell, _drawLines, setStyle and _calc_height do."""
    ours = document.build_pdf(tmp_path / "ours.pdf", _table_story(styles), styles, title="t")
    calls: list = []
    monkeypatch.setattr(tables.FastCellTable, "_drawCell", _counted(Table._drawCell, calls))
    monkeypatch.setattr(tables.FastCellTable, "_drawLines", _counted(Table._drawLines, calls))
    monkeypatch.setattr(document, "shared_cell_styles", lambda nrows, ncols, commands: (None, list(commands)))
    monkeypatch.setattr(document, "row_heights", lambda *args: None)
    theirs = document.build_pdf(tmp_path / "theirs.pdf", _table_story(styles), styles, title="t")
    assert calls.count(Table._drawCell) > 100 and Table._drawLines in calls
    _assert_same_print(ours, theirs, tmp_path)
    assert ours.read_bytes() == theirs.read_bytes()  # here even the same operators


@needs_poppler
def test_photos_print_as_reportlabs_draw_image_prints_them(tmp_path, styles, monkeypatch):
    """rl_speedups.jpeg: the JPEG bytes placed as canvas.drawImage(file) places them."""
    folder = tmp_path / "img"
    folder.mkdir()
    Image.new("L", (400, 300), 90).save(folder / "gray.jpg", "JPEG")
    Image.new("CMYK", (300, 400), (10, 200, 30, 5)).save(folder / "cmyk.jpg", "JPEG")
    Image.new("RGB", (500, 200), (200, 10, 10)).save(folder / "progressive.jpg", "JPEG", progressive=True)
    gradient = Image.linear_gradient("L").resize((600, 450)).convert("RGB")
    gradient.save(folder / "rgb.jpg", "JPEG", quality=90)

    def story():
        return [photo.JpegPhoto(folder / f"{name}.jpg", 200, 140, styles, name=name)
                for name in ("gray", "cmyk", "progressive", "rgb", "rgb")]

    calls: list = []

    def draw_image(canv, key, data, px_w, px_h, components, x, y, w, h):
        assert key.endswith("None")  # a file, as drawImage names it
        calls.append(key)
        canv.drawImage(key[:-len("None")], x, y, w, h)

    ours = document.build_pdf(tmp_path / "ours.pdf", story(), styles, title="t")
    monkeypatch.setattr(photo, "place_jpeg", draw_image)
    theirs = document.build_pdf(tmp_path / "theirs.pdf", story(), styles, title="t")
    assert len(calls) == 5

    def images(path):
        out = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
        return [line.split()[:13] for line in out.splitlines()[2:] if line.strip()]

    assert images(ours) == images(theirs) and len(images(ours)) == 5
    _assert_same_print(ours, theirs, tmp_path)
