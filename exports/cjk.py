"""Chinese line breaking (禁则) and a paragraph Flowable that uses it.

reportlab's own CJK wrapping knows only a few closing marks and never checks opening
ones, so a line could start with "，" or end with "（". `break_lines` is a pure function
over character widths; `CJKParagraph` lays text out with it and draws the lines itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import accumulate

from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable

from .fonts import FontMissingError

# Marks that must not start a line (closing brackets and quotes, stops, 省略号, 间隔号 ...).
CANNOT_START = frozenset(
    "，。、；：！？）》」』”’〉】〕〗］｝…‥·・々〃〜～％‰℃°′″"
    "﹐﹑﹒﹔﹕﹖﹗﹚﹜﹞"
    ",.;:!?)]}%>"
    "ー゛゜ゝゞヽヾぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ"
)
# Marks that must not end a line (opening brackets and quotes, currency and number signs).
# A check box (□) stays with the label after it.
CANNOT_END = frozenset("（《「『“‘〈【〔〖［｛﹙﹛﹝([{<￥＄£¥$#＃§№□☐")
# Two-character marks that are never split across lines.
_PAIRS = frozenset("—…")
# Latin words and numbers stay together: no break between two of these.
_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/+@&'%")
_SPACES = frozenset(" \u00a0\u3000")


class GlyphMissingError(FontMissingError):
    """Text with a character that none of the available fonts can draw."""


def break_allowed(text: str, j: int, *, words: bool = True) -> bool:
    """May a line end between text[j-1] and text[j]? (0 < j < len(text))."""
    before, after = text[j - 1], text[j]
    if after in CANNOT_START or before in CANNOT_END:
        return False
    if after in _SPACES:  # a space stays at the end of the line before it
        return False
    if before == after and before in _PAIRS:
        return False
    return not (words and before in _WORD and after in _WORD)


def break_lines(text: str, max_width: float | Sequence[float], widths: Sequence[float]) -> list[str]:
    """Split one line of text into lines no wider than max_width, obeying the 禁则.

    widths[i] is the advance of text[i]. max_width is one width or one per line (the last
    one repeats). A line is pushed back (its last characters move down) until the break is
    legal; a line is only wider than allowed when it holds no legal break at all. Trailing
    spaces do not count towards a line's width. ''.join(result) == text.
    """
    if isinstance(max_width, (int, float)):
        max_width = (max_width,)
    n = len(text)
    lines: list[str] = []
    start = 0
    while start < n:
        limit = max_width[min(len(lines), len(max_width) - 1)]
        # Greedy fill: the longest prefix that fits (ignoring trailing spaces).
        end = start
        used = 0.0
        while end < n:
            w = widths[end]
            if text[end] not in _SPACES and used + w > limit and end > start:
                break
            used += w
            end += 1
        if end >= n:
            lines.append(text[start:])
            break
        j = _legal_break(text, start, end)
        lines.append(text[start:j])
        start = j
    return lines


def _content(line: str) -> int:
    """Characters of a line that are not punctuation closing it, nor spaces."""
    return sum(1 for ch in line if ch not in CANNOT_START and ch not in _SPACES)


def no_stub(lines: list[str], least: int = 2, most: int = 4) -> list[str]:
    """The lines with the last one holding at least `least` characters besides closing
    punctuation (no “分）” or “。” left alone on the last line): up to `most` characters of
    the line before move down, at a break the rules allow. Lines only get shorter, so
    they still fit; unchanged when no such break exists."""
    if len(lines) < 2 or _content(lines[-1]) >= least:
        return lines
    prev, last = lines[-2], lines[-1]
    joined = prev + last
    for j in range(len(prev) - 1, max(0, len(prev) - most) - 1, -1):
        if j < 1:
            break
        if break_allowed(joined, j) and _content(joined[j:]) >= least and _content(joined[:j]) >= least:
            return [*lines[:-2], joined[:j], joined[j:]]
    return lines


def _legal_break(text: str, start: int, end: int) -> int:
    """The break at or before `end` (or after, when none fits) that the rules allow."""
    for words in (True, False):
        for j in range(end, start, -1):
            if break_allowed(text, j, words=words):
                return j
    for j in range(end + 1, len(text)):  # nothing legal fits: overflow to the next legal break
        if break_allowed(text, j, words=False):
            return j
    return len(text)


# --------------------------------------------------------------------------- Flowable

LEFT, CENTER, RIGHT, JUSTIFY = "left", "center", "right", "justify"


@dataclass(frozen=True)
class TextStyle:
    """How a CJKParagraph is set: font (registered name), size and leading in points."""

    font: str
    size: float
    leading: float
    align: str = LEFT
    first_indent: float = 0.0
    left_indent: float = 0.0
    right_indent: float = 0.0
    space_before: float = 0.0
    space_after: float = 0.0
    color: tuple = (0, 0, 0)
    fallbacks: tuple[str, ...] = ()  # fonts tried, in order, for characters `font` lacks
    balance: bool = False  # make the lines of a wrapped line equally long (centred titles)
    keep_with_next: bool = False  # headings: never last on a page
    tracking: float = 0.0  # added to every character's advance (PDF character spacing, Tc), in points

    def but(self, **changes) -> TextStyle:
        """A copy with some fields changed (remembered per style: documents ask for the same
        few variants, e.g. one per table column, for every cell)."""
        key = tuple(changes.items())
        try:
            return self.__dict__["_variants"][key]
        except KeyError:
            variants = self.__dict__.setdefault("_variants", {})
            style = variants[key] = replace(self, **changes)
            return style


_WIDTHS: dict = {}
_CMAPS: dict = {}


def _char_width(font: str, ch: str) -> float:
    """Advance of one character at size 1000 (cached)."""
    key = (font, ch)
    w = _WIDTHS.get(key)
    if w is None:
        w = _WIDTHS[key] = pdfmetrics.stringWidth(ch, font, 1000)
    return w


class _SizedWidths(dict):
    """Advance of each character in one font at one size, filled on first use (a plain dict
    lookup per character when a paragraph is laid out). The same arithmetic as
    _char_width(font, ch) * size / 1000, so line breaks do not move."""

    def __init__(self, font: str, size: float):
        super().__init__()
        self.font, self.size = font, size

    def __missing__(self, ch):
        w = self[ch] = 0.0 if ch == "\n" else _char_width(self.font, ch) * self.size / 1000
        return w


_SIZED: dict = {}


def _sized_widths(font: str, size: float) -> _SizedWidths:
    try:
        return _SIZED[font, size]
    except KeyError:
        table = _SIZED[font, size] = _SizedWidths(font, size)
        return table


def _has_glyph(font: str, ch: str) -> bool:
    cmap = _CMAPS.get(font)
    if cmap is None:
        f = pdfmetrics.getFont(font)
        face = getattr(f, "face", None)
        cmap = _CMAPS[font] = getattr(face, "charToGlyph", None) or {}
    return not cmap or ord(ch) in cmap or ch in _SPACES


def font_for(ch: str, style: TextStyle) -> str | None:
    """The style's font if it has the character, else the first fallback that does."""
    for font in (style.font, *style.fallbacks):
        if _has_glyph(font, ch):
            return font
    return None


class _FontChoice(dict):
    """font_for(ch) for one (font, fallbacks), per character, filled on first use: a report
    asks it for every character of every paragraph, mostly the same few hundred."""

    def __init__(self, style: TextStyle):
        super().__init__()
        self.style = style

    def __missing__(self, ch):
        f = self[ch] = self.style.font if ch == "\n" else font_for(ch, self.style)
        return f


_FONT_FOR: dict = {}


def _font_choice(style: TextStyle) -> _FontChoice:
    key = (style.font, style.fallbacks)
    try:
        return _FONT_FOR[key]
    except KeyError:
        table = _FONT_FOR[key] = _FontChoice(style)
        return table


class CJKParagraph(Flowable):
    """A paragraph of Chinese text, wrapped by `break_lines` and drawn line by line.

    `text` may hold newlines (hard breaks). Characters the style's font lacks are drawn
    in the first fallback font that has them; if none has one, GlyphMissingError is raised
    rather than printing an empty box.
    """

    def __init__(self, text: str, style: TextStyle):
        super().__init__()
        self.text = _clean(text)
        self.style = style
        self._fonts = self._assign_fonts()
        self._lines = None  # [(start, end, last_of_hard_line)] once wrapped
        self._first = True  # False for the continuation of a split paragraph (no indent)
        self.keepWithNext = style.keep_with_next
        self._wrapped_for = None
        self._width_cache = None
        self.width = self.height = 0

    def _assign_fonts(self) -> list[str]:
        fonts = list(map(_font_choice(self.style).__getitem__, self.text))
        if None in fonts:
            chars = "".join(dict.fromkeys(ch for ch, f in zip(self.text, fonts) if f is None))
            snippet = self.text if len(self.text) <= 24 else self.text[:24] + "…"
            raise GlyphMissingError(f"“{snippet}”中的字符“{chars}”在已找到的中文字体里都没有，无法打印。"
                                    "请修改这段文字，或把含有这些字的 TrueType 字体放入字体文件夹。")
        return fonts

    # -- layout
    def _widths(self) -> list[float]:
        """Advance of each character (computed once: wrapping and drawing both need them)."""
        if self._width_cache is None:
            size, fonts = self.style.size, self._fonts
            if not fonts or fonts.count(fonts[0]) == len(fonts):  # one font: the usual case
                table = _sized_widths(fonts[0] if fonts else self.style.font, size)
                widths = list(map(table.__getitem__, self.text))
            else:
                widths = [_sized_widths(f, size)[ch] for f, ch in zip(fonts, self.text)]
            t = self.style.tracking
            if t:  # GB/T 9704: 28 characters of 3号 in the 156 mm line (a little under 1 em each)
                widths = [w + t if ch != "\n" else w for w, ch in zip(widths, self.text)]
            self._width_cache = widths
        return self._width_cache

    def _layout(self, avail: float) -> list[tuple[int, int, bool]]:
        s = self.style
        inner = avail - s.left_indent - s.right_indent
        widths = self._widths()
        if "\n" not in self.text:
            # Most paragraphs of a report (table cells, captions) are one short line: when
            # the running width never passes the limit, break_lines would keep it whole.
            limit = inner - s.first_indent if self._first else inner
            if not widths or _running_total(widths) <= limit:
                return [(0, len(self.text), True)]
        out = []
        pos = 0
        first_hard = self._first
        for hard in self.text.split("\n"):
            w = widths[pos:pos + len(hard)]
            limits = (inner - s.first_indent, inner) if first_hard else (inner,)
            parts = break_lines(hard, limits, w) if hard else [""]
            if s.balance and len(parts) > 1:
                parts = _balanced(hard, w, inner, len(parts))
            elif len(parts) > 1:
                parts = no_stub(parts)
            p = pos
            for k, part in enumerate(parts):
                out.append((p, p + len(part), k == len(parts) - 1))
                p += len(part)
            pos += len(hard) + 1
            first_hard = False
        return out

    def wrap(self, availWidth, availHeight):
        if self._lines is None or self._wrapped_for != availWidth:
            self._lines = self._layout(availWidth)
            self._wrapped_for = availWidth
        self.width = availWidth
        self.height = len(self._lines) * self.style.leading
        return self.width, self.height

    def getSpaceBefore(self):
        return self.style.space_before

    def getSpaceAfter(self):
        return self.style.space_after

    def split(self, availWidth, availHeight):
        self.wrap(availWidth, availHeight)
        n = len(self._lines)
        fit = int(availHeight // self.style.leading)
        if fit >= n:
            return [self]
        fit = min(fit, n - 2)  # leave at least two lines for the next page
        if fit < 2:  # and keep at least two on this one
            return []
        head = self._part(self._lines[:fit], availWidth, first=self._first, space_after=0.0)
        tail = self._part(self._lines[fit:], availWidth, first=False, space_before=0.0)
        return [head, tail]

    def _part(self, lines, width, *, first, **style_changes) -> CJKParagraph:
        """A paragraph holding some of this one's lines, with the breaks kept."""
        a, b = lines[0][0], lines[-1][1]
        part = CJKParagraph.__new__(CJKParagraph)
        Flowable.__init__(part)
        part.text, part.style = self.text[a:b], self.style.but(**style_changes)
        part._fonts, part._first = self._fonts[a:b], first
        part._lines = [(s - a, e - a, last) for s, e, last in lines]
        part._wrapped_for = width
        part._width_cache = None
        part.keepWithNext = part.style.keep_with_next
        part.width = part.height = 0
        return part

    def lines(self) -> list[str]:
        """The text of each laid-out line (after wrap)."""
        return [self.text[s:e] for s, e, _ in self._lines or []]

    # -- drawing
    def drawOn(self, canvas, x, y, _sW=0):
        """Draw at (x, y) directly: the paragraph writes its own text operators at absolute
        positions instead of reportlab's save-state / translate / draw / restore-state per
        flowable (a report draws about a thousand of these)."""
        self._emit(canvas, self._hAlignAdjust(x, _sW), y)

    def draw(self):
        self._emit(self.canv, 0.0, 0.0)

    def _emit(self, canv, ox: float, oy: float):
        """Append this paragraph to the page as one text object: `q <colour> BT`, then per
        line its origin (Tm), character spacing (Tc) when it changes and the text in runs
        of one font subset (Tf only when the subset changes), then `ET Q`.

        What reportlab's PDFTextObject would write for the same calls, without its per-call
        bookkeeping (cursor widths, number formatting of every operand, state stacks).
        The q/Q pair keeps colour and text state local to the paragraph."""
        lines = self._lines
        if not lines:
            return
        s = self.style
        doc = canv._doc
        inner = self.width - s.left_indent - s.right_indent
        widths = self._width_cache or self._widths()
        text, fonts, size, align, leading = self.text, self._fonts, s.size, s.align, s.leading
        tracking = s.tracking
        size_op = f" {num(size)} Tf"
        code = ["q", f"1 0 0 1 {num(ox)} {num(oy)} cm", _fill_op(s.color), "BT"]
        add = code.append
        y = self.height
        font_now = space_now = None
        single = not fonts or fonts.count(fonts[0]) == len(fonts)
        encoders = _encoders(doc)
        for k, (a, b, last) in enumerate(lines):
            indent = s.first_indent if k == 0 and self._first else 0.0
            seg = text[a:b].rstrip(_SPACES_STR)
            n = len(seg)
            b2 = a + n
            natural = sum(widths[a:b2])  # the tracking of every character included
            room = inner - indent
            x = s.left_indent + indent
            char_space = tracking
            if n > 1 and (natural > room or (align == JUSTIFY and not last)):
                # justified, or a line with no legal break squeezed in: the glyphs' own advances
                # (natural - n * tracking) plus n - 1 equal gaps fill the line
                char_space = (room - natural + n * tracking) / (n - 1)
            elif align == CENTER:
                x += (room - natural + tracking) / 2  # the last character's tracking is not seen
            elif align == RIGHT:
                x += room - natural + tracking
            baseline = y - leading / 2 - 0.36 * size
            y -= leading
            if not n:
                continue
            add(f"1 0 0 1 {num(x)} {num(baseline)} Tm")
            if char_space != space_now:
                add(f"{num(char_space)} Tc")
                space_now = char_space
            for name, run in ((fonts[a], seg),) if single else _runs(fonts[a:b2], seg):
                font_now = _show(doc, encoders, name, run, size_op, font_now, add)
        if font_now is None:  # only blank lines: nothing to draw
            return
        add("ET")
        add("Q")
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


class _Encoder:
    """How the characters of one TrueType font are written in one PDF document, as
    str.translate tables: `codes` maps a character to its one-byte code in its subset (as
    a latin-1 character), `tags` to its subset (chr(n)); `names` gives each subset's font
    resource name. Codes are assigned by reportlab's own TTFont.splitString, in order of
    first use, so the subsets it embeds at save are exactly those of its own text objects."""

    __slots__ = ("font", "doc", "codes", "tags", "known", "names")

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


_SAME_TAG = re.compile(r"(.)\1*", re.S)


# Byte -> how it is written inside a PDF string literal (as reportlab's escapePDF does).
_PDF_ESCAPE = tuple("\\%03o" % c if c < 32 or c > 126 else ("\\" + chr(c) if c in (40, 41, 92) else chr(c))
                    for c in range(256))
_ESCAPES = {c: e for c, e in enumerate(_PDF_ESCAPE) if e != chr(c)}  # for str.translate of latin-1 codes
_SPACES_STR = "".join(_SPACES)
_NUMS: dict = {}


def num(v: float) -> str:
    """A number as reportlab writes it into a page (fp_str), remembered: the same offsets,
    sizes and baselines recur thousands of times in a report."""
    try:
        return _NUMS[v]
    except KeyError:
        if len(_NUMS) > 100_000:
            _NUMS.clear()
        s = _NUMS[v] = fp_str(v)
        return s


_FILL_OPS: dict = {}


def _fill_op(color) -> str:
    try:
        return _FILL_OPS[color]
    except KeyError:
        op = _FILL_OPS[color] = f"{fp_str(*color)} rg"
        return op


def _running_total(widths: Sequence[float]) -> float:
    """The width summed left to right as break_lines sums it (widths are never negative,
    so no partial sum exceeds it)."""
    total = 0.0
    for total in accumulate(widths):
        pass
    return total


def _balanced(text: str, widths: list[float], inner: float, count: int) -> list[str]:
    """The narrowest wrapping of text that still takes `count` lines (a title that wraps
    into two lines gets two lines of about the same length, not one full and one stub)."""
    lo, hi = sum(widths) / count, inner
    best = break_lines(text, inner, widths)
    for _ in range(20):
        mid = (lo + hi) / 2
        parts = break_lines(text, mid, widths)
        if len(parts) <= count:
            best, hi = parts, mid
        else:
            lo = mid
    return best


def _runs(fonts: Sequence[str], text: str):
    """Group consecutive characters drawn in the same font."""
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or fonts[i] != fonts[start]:
            yield fonts[start], text[start:i]
            start = i


def _clean(text) -> str:
    text = "" if text is None else str(text)
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
