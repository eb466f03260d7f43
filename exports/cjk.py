"""Chinese line breaking (禁则) and a paragraph Flowable that uses it.

reportlab's own CJK wrapping knows only a few closing marks and never checks opening
ones, so a line could start with "，" or end with "（". `break_lines` is a pure function
over character widths; `CJKParagraph` lays text out with it and draws the lines itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

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
CANNOT_END = frozenset("（《「『“‘〈【〔〖［｛﹙﹛﹝([{<￥＄£¥$#＃§№")
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

    def but(self, **changes) -> TextStyle:
        return replace(self, **changes)


_WIDTHS: dict = {}
_CMAPS: dict = {}


def _char_width(font: str, ch: str) -> float:
    """Advance of one character at size 1000 (cached)."""
    key = (font, ch)
    w = _WIDTHS.get(key)
    if w is None:
        w = _WIDTHS[key] = pdfmetrics.stringWidth(ch, font, 1000)
    return w


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


_FONT_FOR: dict = {}


def _font_for_cached(ch: str, style: TextStyle) -> str | None:
    """font_for, remembered per (character, font, fallbacks): a report asks it for every
    character of every paragraph, mostly the same few hundred characters."""
    key = (ch, style.font, style.fallbacks)
    try:
        return _FONT_FOR[key]
    except KeyError:
        f = _FONT_FOR[key] = font_for(ch, style)
        return f


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
        fonts, missing = [], []
        for ch in self.text:
            if ch == "\n":
                fonts.append(self.style.font)
                continue
            f = _font_for_cached(ch, self.style)
            if f is None:
                missing.append(ch)
                f = self.style.font
            fonts.append(f)
        if missing:
            chars = "".join(dict.fromkeys(missing))
            snippet = self.text if len(self.text) <= 24 else self.text[:24] + "…"
            raise GlyphMissingError(f"“{snippet}”中的字符“{chars}”在已找到的中文字体里都没有，无法打印。"
                                    "请修改这段文字，或把含有这些字的 TrueType 字体放入字体文件夹。")
        return fonts

    # -- layout
    def _widths(self) -> list[float]:
        """Advance of each character (computed once: wrapping and drawing both need them)."""
        if self._width_cache is None:
            size = self.style.size
            self._width_cache = [_char_width(f, ch) * size / 1000 if ch != "\n" else 0.0
                                 for f, ch in zip(self._fonts, self.text)]
        return self._width_cache

    def _layout(self, avail: float) -> list[tuple[int, int, bool]]:
        s = self.style
        inner = avail - s.left_indent - s.right_indent
        widths = self._widths()
        out = []
        pos = 0
        first_hard = self._first
        for hard in self.text.split("\n"):
            w = widths[pos:pos + len(hard)]
            limits = (inner - s.first_indent, inner) if first_hard else (inner,)
            parts = break_lines(hard, limits, w) if hard else [""]
            if s.balance and len(parts) > 1:
                parts = _balanced(hard, w, inner, len(parts))
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
    def draw(self):
        s = self.style
        canv = self.canv
        canv.setFillColorRGB(*s.color)
        inner = self.width - s.left_indent - s.right_indent
        widths = self._widths()
        y = self.height
        # One text object for the whole paragraph: each line moves its origin; font and
        # character spacing are set on the first line, then only when they change.
        t = None
        font_now = space_now = None
        for k, (a, b, last) in enumerate(self._lines):
            indent = s.first_indent if k == 0 and self._first else 0.0
            seg = self.text[a:b].rstrip("".join(_SPACES))
            b2 = a + len(seg)
            natural = sum(widths[a:b2])
            room = inner - indent
            x = s.left_indent + indent
            char_space = 0.0
            overfull = natural > room  # a line with no legal break: squeeze it in
            if len(seg) > 1 and (overfull or (s.align == JUSTIFY and not last)):
                char_space = (room - natural) / (len(seg) - 1)
            elif s.align == CENTER:
                x += (room - natural) / 2
            elif s.align == RIGHT:
                x += room - natural
            baseline = y - s.leading / 2 - 0.36 * s.size
            if t is None:
                t = canv.beginText(x, baseline)
            else:
                t.setTextOrigin(x, baseline)
            if char_space != space_now:
                t.setCharSpace(char_space)
                space_now = char_space
            for font, run in _runs(self._fonts[a:b2], seg):
                if font != font_now:
                    t.setFont(font, s.size)
                    font_now = font
                t.textOut(run)
            y -= s.leading
        if t is not None:
            canv.drawText(t)


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
