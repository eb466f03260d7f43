"""The process-wide memo tables of the speed-ups, each saying what it remembers and why.

A report asks reportlab the same small questions thousands of times: the width of the
same few hundred characters, which face has a character, how a number is written into a
page. reportlab answers each in Python every time (`pdfmetrics.stringWidth` per call,
`fp_str` per number, `face.charToGlyph` through `pdfmetrics.getFont`). The answers never
change while the process runs, so they are remembered here, in plain dicts that the hot
paths read with a C-level lookup.

| table | key -> value | filled by | bound |
|---|---|---|---|
| `NUMS` | number -> `fp_str(number)` | `num` | emptied at 100,000 entries |
| `FILL_OPS` | (r, g, b) -> `"r g b rg"` | `fill_op` | a document's few colours |
| `CHAR_WIDTHS` | (font, char) -> advance at size 1000 | `char_width` | characters used |
| `SIZED_WIDTHS` | (font, size) -> {char: advance} | `sized_widths` | fonts x sizes used |
| `CMAPS` | font -> the face's `charToGlyph` | `cmap` | registered fonts |
| `FONT_CHOICE` | (font, fallbacks) -> {char: font} | `font_choice` | styles' font lists |
| `IMAGE_HEADS` | image kind -> dictionary bytes | `jpeg.JpegXObject` | emptied at 256 kinds |
| `WIDTH_TEXT` | glyph width -> its PDF text | `font_subsets` | distinct widths |
| `FONT_PROGRAMS` | font file bytes -> compressed | `font_subsets` | the last 32 |
| `face._subsets` (`FACE_SUBSETS`) | glyph list -> subset font file | `font_subsets` | the last 8 per face |

Why it is safe: a registered font name always names the same font for the process
(`exports.fonts` registers each face once, under a name made from its file path), a
number always prints the same, and an image dictionary depends only on the key's fields.
A font registered again under a name already used (tests that build their own fonts must
use new names) would be answered from the old entries: `clear()` empties everything,
for tests and for measuring a cold start.

Remembered elsewhere, not process-wide: the variants of a text style (`cjk.TextStyle.but`,
on the style), the glyph codes of each font in one PDF (`text._encoders`, on the
PDFDocument, gone with it); and the fonts found on the machine (`exports.fonts`, not a
speed-up of reportlab).

Relies on reportlab: `pdfmetrics.stringWidth(text, fontName, fontSize)`,
`pdfmetrics.getFont(name).face.charToGlyph` (a dict of code point -> glyph, TrueType
faces) and `rl_accel.fp_str` (how reportlab writes a number into a page). Checked
against reportlab 5.1.0. If these change, widths or font choice change with them (the
layout tests show it); nothing here is copied from reportlab.
"""

from __future__ import annotations

from collections import OrderedDict

from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfmetrics

# What the guard test checks (tests/test_rl_speedups.py; see exports/rl_speedups/__init__.py).
CALLS = {
    "reportlab.pdfbase.pdfmetrics.stringWidth": "text fontName fontSize",
    "reportlab.pdfbase.pdfmetrics.getFont": "fontName",
}
ATTRIBUTES = {"reportlab.pdfbase.ttfonts.TTFont": ("face",),
              "reportlab.pdfbase.ttfonts.TTFontFace": ("charToGlyph",)}
FOLLOWS: dict = {}  # nothing copied from reportlab here

NUMS: dict = {}
FILL_OPS: dict = {}
CHAR_WIDTHS: dict = {}
SIZED_WIDTHS: dict = {}
CMAPS: dict = {}
FONT_CHOICE: dict = {}
IMAGE_HEADS: dict = {}
WIDTH_TEXT: dict = {}
FONT_PROGRAMS: OrderedDict = OrderedDict()
FACE_SUBSETS = "_subsets"  # the attribute of a registered face holding its remembered subsets


def num(v: float) -> str:
    """A number as reportlab writes it into a page (`fp_str`), remembered: the same offsets,
    sizes and baselines recur thousands of times in a report."""
    try:
        return NUMS[v]
    except KeyError:
        if len(NUMS) > 100_000:
            NUMS.clear()
        s = NUMS[v] = fp_str(v)
        return s


def fill_op(color) -> str:
    """The fill colour operator for an (r, g, b) tuple, as canvas.setFillColorRGB writes it."""
    try:
        return FILL_OPS[color]
    except KeyError:
        op = FILL_OPS[color] = f"{fp_str(*color)} rg"
        return op


def char_width(font: str, ch: str) -> float:
    """Advance of one character at size 1000 (pdfmetrics.stringWidth, remembered)."""
    key = (font, ch)
    w = CHAR_WIDTHS.get(key)
    if w is None:
        w = CHAR_WIDTHS[key] = pdfmetrics.stringWidth(ch, font, 1000)
    return w


class SizedWidths(dict):
    """Advance of each character in one font at one size, filled on first use (a plain dict
    lookup per character when a paragraph is laid out). The same arithmetic as
    char_width(font, ch) * size / 1000, so line breaks do not move; a newline is 0 wide."""

    def __init__(self, font: str, size: float):
        super().__init__()
        self.font, self.size = font, size

    def __missing__(self, ch):
        w = self[ch] = 0.0 if ch == "\n" else char_width(self.font, ch) * self.size / 1000
        return w


def sized_widths(font: str, size: float) -> SizedWidths:
    try:
        return SIZED_WIDTHS[font, size]
    except KeyError:
        table = SIZED_WIDTHS[font, size] = SizedWidths(font, size)
        return table


def cmap(font: str) -> dict:
    """The code points a registered font has glyphs for (its face's charToGlyph); {} for a
    font without one (reportlab's standard Type 1 fonts)."""
    table = CMAPS.get(font)
    if table is None:
        face = getattr(pdfmetrics.getFont(font), "face", None)
        table = CMAPS[font] = getattr(face, "charToGlyph", None) or {}
    return table


class _Filled(dict):
    """A dict whose missing keys are filled by a function (the miss path only)."""

    def __init__(self, fill):
        super().__init__()
        self.fill = fill

    def __missing__(self, key):
        value = self[key] = self.fill(key)
        return value


def font_choice(style, choose) -> dict:
    """{char: font} for a text style's (font, fallbacks), filled by choose(char, style) on
    first use: a report asks it for every character of every paragraph, mostly the same few
    hundred. Styles with the same font and fallbacks share one table."""
    key = (style.font, style.fallbacks)
    try:
        return FONT_CHOICE[key]
    except KeyError:
        table = FONT_CHOICE[key] = _Filled(lambda ch: choose(ch, style))
        return table


def clear() -> None:
    """Forget everything remembered (every table above, each registered face's subsets
    included): the next document is made as by a fresh process."""
    for table in (NUMS, FILL_OPS, CHAR_WIDTHS, SIZED_WIDTHS, CMAPS, FONT_CHOICE, IMAGE_HEADS, WIDTH_TEXT,
                  FONT_PROGRAMS):
        table.clear()
    for name in pdfmetrics.getRegisteredFontNames():
        face = getattr(pdfmetrics.getFont(name), "face", None)
        getattr(face, "__dict__", {}).pop(FACE_SUBSETS, None)
