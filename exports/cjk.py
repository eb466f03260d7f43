"""Chinese line breaking (禁则) and a paragraph Flowable that uses it.

reportlab's own CJK wrapping knows only a few closing marks and never checks opening
ones, so a line could start with "，" or end with "（". `break_lines` is a pure function
over character widths; `CJKParagraph` lays text out with it and says where each line and
run of one font goes (`placed_lines`). Writing those lines into the page is
`rl_speedups.text.show_lines` (reportlab's text object, without its per-call cost);
character widths and font choice are remembered in `rl_speedups.caches`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import accumulate

from reportlab.platypus import Flowable

from .fonts import FontMissingError
from .rl_speedups import caches
from .rl_speedups.text import show_lines

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
_SPACES_STR = "".join(_SPACES)


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


def _has_glyph(font: str, ch: str) -> bool:
    """Does the font draw ch? (A space counts as drawn by any font; a font without a
    character map, reportlab's standard ones, is taken to have everything.)"""
    cmap = caches.cmap(font)
    return not cmap or ord(ch) in cmap or ch in _SPACES


def font_for(ch: str, style: TextStyle) -> str | None:
    """The style's font if it has the character, else the first fallback that does."""
    for font in (style.font, *style.fallbacks):
        if _has_glyph(font, ch):
            return font
    return None


def _choose_font(ch: str, style: TextStyle) -> str | None:
    """font_for, a newline taking the style's font (it is never drawn)."""
    return style.font if ch == "\n" else font_for(ch, style)


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
        fonts = list(map(caches.font_choice(self.style, _choose_font).__getitem__, self.text))
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
                table = caches.sized_widths(fonts[0] if fonts else self.style.font, size)
                widths = list(map(table.__getitem__, self.text))
            else:
                widths = [caches.sized_widths(f, size)[ch] for f, ch in zip(fonts, self.text)]
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
    def placed_lines(self) -> list:
        """Where each line is set, after wrap: [(x, baseline, char_space, runs)] in the
        paragraph's own coordinates (origin at its lower left), runs ((font, text), ...)
        of characters drawn in one font; blank lines are left out.

        Trailing spaces are not drawn. A justified line (not the last of its hard line),
        or a line with no legal break squeezed into its width, spreads its characters with
        the PDF character spacing (Tc) so that they fill it; other lines keep the style's
        tracking and are placed left, centred or right. The baseline sits 0.36 em under
        the middle of the line's leading."""
        lines = self._lines
        if not lines:
            return []
        s = self.style
        inner = self.width - s.left_indent - s.right_indent
        widths = self._width_cache or self._widths()
        text, fonts, size, align, leading = self.text, self._fonts, s.size, s.align, s.leading
        tracking = s.tracking
        single = not fonts or fonts.count(fonts[0]) == len(fonts)
        out = []
        y = self.height
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
            runs = ((fonts[a], seg),) if single else tuple(_runs(fonts[a:b2], seg))
            out.append((x, baseline, char_space, runs))
        return out

    def drawOn(self, canvas, x, y, _sW=0):
        """Draw at (x, y) directly: the paragraph's lines go into the page as one text
        object at absolute positions (rl_speedups.text.show_lines), instead of reportlab's
        save-state / translate / draw / restore-state per flowable (a report draws about a
        thousand of these)."""
        show_lines(canvas, self._hAlignAdjust(x, _sW), y, self.style.color, self.style.size, self.placed_lines())

    def draw(self):
        show_lines(self.canv, 0.0, 0.0, self.style.color, self.style.size, self.placed_lines())


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
