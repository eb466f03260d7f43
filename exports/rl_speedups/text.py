"""Paragraph text output: text operators written straight into the page.

Replaces, for `exports.cjk.CJKParagraph` and the page numbers (`draw_string`), what
reportlab does for

    t = canv.beginText(); t.setTextOrigin(x, y); t.setCharSpace(c); t.setFont(f, size)
    t.textOut(run) ...; canv.drawText(t)          (and canv.drawString / drawRightString)

reportlab's PDFTextObject measures every run it writes (to move its cursor), formats each
operand with `fp_str`, calls `TTFont.splitString` and escapes the bytes character by
character for every run, and platypus wraps each flowable in save-state / translate /
restore-state. A gap report draws about 900 paragraphs; this writes each as one block

    q 1 0 0 1 <x> <y> cm <r g b> rg BT
      1 0 0 1 <x> <baseline> Tm <c> Tc /F1+0 <size> Tf (<bytes>) Tj ... (per line)
    ET Q

with numbers formatted once per distinct value (`caches.num`) and characters encoded by
`str.translate` tables made per font and document (`_Encoder`). The glyph codes in those
tables come from reportlab's own `TTFont.splitString`, called once per new character in
order of first use, so the subset fonts reportlab embeds at save are exactly the ones its
own text objects would have made. `q ... Q` keeps colour and text state local to the block
(reportlab's text object would leave the font set; nothing after a paragraph relies on it).

Reaches into (checked against reportlab 5.1.0; the guard test lists them):

* `Canvas._code`: the list of the current page's content operators, appended to.
* `Canvas._doc`: the PDFDocument; the encoders are kept on it as `_dabiao_encoders`.
* `TTFont.splitString(text, doc)`: [(subset, bytes)] with exactly one byte per character,
  codes given in order of first use; `TTFont.getSubsetInternalName(subset, doc)`: the
  subset's font resource name (it also registers the font with the document).
* The PDF string escaping of `rl_accel.escapePDF` (bytes < 32 or > 126 as octal, `( ) \\`
  with a backslash), repeated in `_PDF_ESCAPE`.

If reportlab changes: should `_code` stop being the page's operator list, text vanishes;
should `splitString` give other than one byte per character or assign codes differently,
wrong glyphs print. tests/test_rl_speedups.py fails first: it checks these names and the
source of the functions followed here, and renders paragraphs (CJK, Latin, fallback faces,
more than 256 distinct characters, justified, centred, right, grey) both this way and
through reportlab's PDFTextObject, comparing text, glyph positions and pixels.
"""

from __future__ import annotations

import re

from reportlab.pdfbase import pdfmetrics

from .caches import fill_op, num

CALLS = {
    "reportlab.pdfbase.ttfonts.TTFont.splitString": "self text doc",
    "reportlab.pdfbase.ttfonts.TTFont.getSubsetInternalName": "self subset doc",
}
ATTRIBUTES = {"reportlab.pdfgen.canvas.Canvas": ("_code", "_doc")}
FOLLOWS = {
    # the TrueType branch: (subset, bytes) runs, `<subset name> <size> Tf` on a change, `(...) Tj`
    "reportlab.pdfgen.textobject.PDFTextObject._formatText": "052d9614c6e6",
    "reportlab.pdfgen.textobject.PDFTextObject.setTextOrigin": "2108f714fc8e",  # 1 0 0 1 x y Tm
    "reportlab.pdfgen.textobject.PDFTextObject.setCharSpace": "63344ab77be7",  # c Tc
    "reportlab.pdfbase.ttfonts.TTFont.splitString": "95205a99dcbb",  # one byte per character
    "reportlab.pdfgen.canvas.Canvas.drawString": "ab92ebc7ba26",  # draw_string
}


def show_lines(canv, x: float, y: float, color, size: float, lines) -> None:
    """Write lines of text at (x, y) as one text object (see the module docstring).

    lines: [(x, baseline, char_space, runs)], positions relative to (x, y), runs a
    sequence of (font name, text) with no empty text; color an (r, g, b) tuple."""
    if not lines:
        return
    doc = canv._doc
    encoders = _encoders(doc)
    size_op = f" {num(size)} Tf"
    code = ["q", f"1 0 0 1 {num(x)} {num(y)} cm", fill_op(color), "BT"]
    add = code.append
    font_now = space_now = None
    for lx, baseline, char_space, runs in lines:
        add(f"1 0 0 1 {num(lx)} {num(baseline)} Tm")
        if char_space != space_now:
            add(f"{num(char_space)} Tc")
            space_now = char_space
        for name, run in runs:
            font_now = _show(doc, encoders, name, run, size_op, font_now, add)
    add("ET")
    add("Q")
    canv._code.append(" ".join(code))


def draw_string(canv, x: float, y: float, text: str, font: str, size: float, *, right: bool = False):
    """canvas.drawString / drawRightString of one line in one TrueType font, written as
    `q BT <origin> Tm ... ET Q` with the paragraphs' encoders (same subsets, same look)."""
    if not text:
        return
    if right:
        x -= pdfmetrics.stringWidth(text, font, size)
    code = ["q BT", f"1 0 0 1 {num(x)} {num(y)} Tm"]
    _show(canv._doc, _encoders(canv._doc), font, text, f" {num(size)} Tf", None, code.append)
    code.append("ET Q")
    canv._code.append(" ".join(code))


def _encoders(doc) -> dict:
    """The encoders of a PDF document by font name (kept on the document: they hold the
    codes its characters were given)."""
    try:
        return doc._dabiao_encoders
    except AttributeError:
        doc._dabiao_encoders = {}
        return doc._dabiao_encoders


def _show(doc, encoders: dict, name: str, run: str, size_op: str, font_now, add):
    """Write `run` (characters of font `name`) as `(...) Tj` operators, selecting each
    subset it uses with `<subset> <size> Tf` when it is not the current one. Returns the
    (font, subset) current afterwards."""
    enc = encoders.get(name)
    if enc is None:
        enc = encoders[name] = _Encoder(pdfmetrics.getFont(name), doc)
    if not enc.known.issuperset(run):
        enc.learn(run)
    raw = run.translate(enc.codes)
    tags = run.translate(enc.tags)
    t0 = tags[0]
    if tags.count(t0) == len(tags):
        chunks = ((t0, raw),)
    else:  # the run mixes subsets (a font's 256 codes fill in order of first use)
        chunks = [(m.group()[0], raw[m.start():m.end()]) for m in _SAME_TAG.finditer(tags)]
    for tag, chunk in chunks:
        if (name, tag) != font_now:
            add(enc.names[tag] + size_op)
            font_now = (name, tag)
        add(f"({chunk.translate(_ESCAPES)}) Tj")
    return font_now


class _Encoder:
    """How the characters of one TrueType font are written in one PDF document, as
    str.translate tables: `codes` maps a character to its one-byte code in its subset (as
    a latin-1 character), `tags` to its subset (chr(n)); `names` gives each subset's font
    resource name. Codes are assigned by reportlab's own TTFont.splitString, in order of
    first use, so the subsets it embeds at save are exactly those of its own text objects."""

    __slots__ = ("codes", "doc", "font", "known", "names", "tags")

    def __init__(self, font, doc):
        self.font, self.doc = font, doc
        self.codes: dict = {}
        self.tags: dict = {}
        self.known: set = set()
        self.names = _SubsetNames(font, doc)

    def learn(self, run: str):
        """Give the characters of run their codes (splitString writes one byte per character)."""
        pairs = [(subset, byte) for subset, chunk in self.font.splitString(run, self.doc) for byte in chunk]
        for ch, (subset, byte) in zip(run, pairs):
            self.codes[ord(ch)] = chr(byte)
            self.tags[ord(ch)] = chr(subset)
        self.known.update(run)


class _SubsetNames(dict):
    """Subset tag (chr(n)) -> the subset's font resource name (registers it with the document)."""

    def __init__(self, font, doc):
        super().__init__()
        self.font, self.doc = font, doc

    def __missing__(self, tag):
        name = self[tag] = self.font.getSubsetInternalName(ord(tag), self.doc)
        return name


_SAME_TAG = re.compile(r"(.)\1*", re.DOTALL)

# Byte -> how it is written inside a PDF string literal (as reportlab's escapePDF does).
_PDF_ESCAPE = tuple(f"\\{c:03o}" if c < 32 or c > 126 else ("\\" + chr(c) if c in (40, 41, 92) else chr(c))
                    for c in range(256))
_ESCAPES = {c: e for c, e in enumerate(_PDF_ESCAPE) if e != chr(c)}  # for str.translate of latin-1 codes
