"""Speed-ups that reach into reportlab, kept apart from the page layout.

The documents of exports/ are laid out by `exports.document` (the GB/T 9704 page, tables,
photos), `exports.cjk` (Chinese line breaking, paragraphs) and `exports.fonts` (finding the
faces). Drawn by reportlab's own means they were slow: the gap report took 4.3 - 5.1 times
its floor (bench/README.md), now about 1.7. The code that made the difference replaces or
reaches into reportlab internals, so it lives here, one module per speed-up, each saying
what it replaces, what it relies on and what breaks if reportlab changes:

| module | replaces | used by |
|---|---|---|
| `text` | PDFTextObject (`beginText` / `setTextOrigin` / `setCharSpace` / `setFont` / `textOut` / `drawText`) and `drawString`: text operators written into `canv._code` | `cjk.CJKParagraph`, page numbers |
| `tables` | `Table._drawCell`, `Table._drawLines`, one `CellStyle` per cell, `Table._calc_height`'s re-measuring, layout Table rows (`CellRow`) | `document.table`, gap report photo pages |
| `font_subsets` | `TTFontFace.makeSubset`'s glyph-table copy, zlib level 6 for font files, `TTFont.addObjects`' width formatting; the face's `__class__` swapped | `fonts` (every registered face) |
| `jpeg` | `canvas.drawImage` of a JPEG file: `readJPEGInfo`, the second read, `PDFImageXObject.format` | `photo.JpegPhoto` |
| `caches` | `stringWidth` per character, `fp_str` per number, `charToGlyph` look-ups, font choice per character; the list of every process-wide table | all of the above |

Checked against reportlab 5.1.0 (`REPORTLAB_CHECKED`); pyproject.toml bounds reportlab to
>=5.1,<5.2. Each module declares what it relies on, for the guard test
(tests/test_rl_speedups.py):

* `CALLS`: reportlab functions and methods called or overridden -> their parameter names
  as used here (they must be parameters, in this order);
* `ATTRIBUTES`: reportlab class -> attributes its instances are read or written through;
* `FOLLOWS`: reportlab functions whose steps are repeated here or whose exact behaviour is
  relied on -> a fingerprint of their source (`fingerprint`). A different fingerprint
  means reportlab changed that function: compare it with the code here, then update it.

The same test renders documents both through these speed-ups and through reportlab's own
drawing and compares the text, glyph positions and pixels. When upgrading reportlab: run
it, read what changed in each function it names, adjust, and add the version to
`REPORTLAB_CHECKED`.

This package imports nothing from the rest of the project (reportlab only).
"""

from __future__ import annotations

import hashlib
import importlib
import inspect

REPORTLAB_CHECKED = ("5.1.0",)
MODULES = ("text", "tables", "font_subsets", "jpeg", "caches")


def relied_on() -> tuple[dict, dict, dict]:
    """(CALLS, ATTRIBUTES, FOLLOWS) of every speed-up module, merged."""
    calls, attributes, follows = {}, {}, {}
    for name in MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        calls.update(module.CALLS)
        for cls, names in module.ATTRIBUTES.items():
            attributes[cls] = tuple(dict.fromkeys(attributes.get(cls, ()) + tuple(names)))
        follows.update(getattr(module, "FOLLOWS", {}))
    return calls, attributes, follows


def resolve(dotted: str):
    """The object a dotted name such as "reportlab.platypus.tables.Table._drawCell" names
    (the longest importable module, then attributes). AttributeError / ImportError when
    it is not there."""
    parts = dotted.split(".")
    for k in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:k]))
        except ImportError:
            continue
        for attr in parts[k:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


def fingerprint(dotted: str) -> str:
    """The first 12 hex digits of the SHA-256 of a function's or class's source text."""
    return hashlib.sha256(inspect.getsource(resolve(dotted)).encode("utf-8")).hexdigest()[:12]
