"""JPEG passthrough: a photo's own bytes become the PDF image, read once, never decoded.

Replaces, for `exports.document.JpegPhoto`, what `canvas.drawImage(path, x, y, w, h)`
does with a JPEG file: reportlab opens the file to read its header
(`pdfutils.readJPEGInfo`), later opens it again for the bytes
(`PDFImageXObject.loadImageFromJPEG`), writes `q` / translate / scale / `Do` / `Q` with its
number formatting, and at save formats the image dictionary number by number for each
of a report's hundred photos (`PDFImageXObject.format`). Here:

* `jpeg_info` reads (width, height, components) from the bytes already read, walking the
  marker segments the way `readJPEGInfo` does (same answers, tested on grey, CMYK,
  progressive and camera files; never PIL).
* `place_jpeg` registers the bytes as the image XObject under the name drawImage gives a
  file (`_digester` of the text it is named by), as drawImage registers one, and writes
  `q w 0 0 h x y cm /Name Do Q` (what drawImage's save / translate / scale / Do / restore
  amount to).
* `JpegXObject.format` writes the image dictionary from a template made by reportlab once
  per kind of image (size, colour space, filters): the same bytes as reportlab's.

Reaches into (checked against reportlab 5.1.0; the guard test lists them):
`lib.utils._digester`, `PDFDocument.getXObjectName(name)`, `.idToObject`,
`.Reference(obj, name)`, `.addForm(name, obj)`, `.encrypt` (a `NoEncryption` when not
encrypted); `Canvas._setXObjects(obj)`, `._currentPageHasImages`, `._code`,
`._formsinuse`; `PDFImageXObject`'s fields as `loadImageFromJPEG` sets them (`width`,
`height`, `bitsPerComponent`, `colorSpace`, `_dotrans` for CMYK, `streamContent`,
`_filters`, `mask`) and its `format(document)` writing `/Length <n>` then
`\\nstream\\n<bytes>endstream\\n`.

If reportlab changes: should drawImage name or register images differently, a photo
drawn both ways would be embedded twice (bigger file, same look); should the image
dictionary gain fields, they are taken from reportlab's own template, but a new field
that depends on the bytes (not the size) would be wrong for all but the first photo of a
size: the guard test fingerprints `PDFImageXObject.format`, `loadImageFromJPEG`,
`Canvas.drawImage` and `readJPEGInfo`, and tests compare `jpeg_info` with `readJPEGInfo`
and `JpegXObject.format` with reportlab's for real photos.
"""

from __future__ import annotations

from reportlab.lib.utils import _digester
from reportlab.pdfbase.pdfdoc import NoEncryption, PDFImageXObject

from .caches import IMAGE_HEADS, num

CALLS = {
    "reportlab.lib.utils._digester": "s",
    "reportlab.pdfbase.pdfdoc.PDFDocument.getXObjectName": "self name",
    "reportlab.pdfbase.pdfdoc.PDFDocument.Reference": "self obj name",
    "reportlab.pdfbase.pdfdoc.PDFDocument.addForm": "self name form",
    "reportlab.pdfbase.pdfdoc.PDFImageXObject.__init__": "self name",
    "reportlab.pdfbase.pdfdoc.PDFImageXObject.format": "self document",
    "reportlab.pdfgen.canvas.Canvas._setXObjects": "self thing",
}
ATTRIBUTES = {
    "reportlab.pdfgen.canvas.Canvas": ("_doc", "_code", "_formsinuse", "_currentPageHasImages"),
    "reportlab.pdfbase.pdfdoc.PDFDocument": ("idToObject", "encrypt"),
}
FOLLOWS = {
    "reportlab.pdfgen.canvas.Canvas.drawImage": "20d0c21a50f0",  # place_jpeg
    "reportlab.pdfbase.pdfdoc.PDFImageXObject.loadImageFromJPEG": "1d56b4ce5d56",  # place_jpeg's fields
    "reportlab.pdfbase.pdfdoc.PDFImageXObject.format": "24388858deee",  # JpegXObject
    "reportlab.pdfbase.pdfutils.readJPEGInfo": "e50cce76d440",  # jpeg_info
}


def place_jpeg(canv, key: str, data: bytes, px_w: int, px_h: int, components: int,
               x: float, y: float, w: float, h: float) -> None:
    """What canvas.drawImage(file, x, y, w, h) writes for a JPEG file, from its bytes
    already read: the image XObject (registered once per `key`, the text drawImage names a
    file by: f"{path}{mask}"), and `q w 0 0 h x y cm /Name Do Q`."""
    name = _digester(key)
    doc = canv._doc
    reg = doc.getXObjectName(name)
    if doc.idToObject.get(reg) is None:
        img = JpegXObject(name)
        img.width, img.height, img.bitsPerComponent = px_w, px_h, 8
        img.colorSpace = {1: "DeviceGray", 3: "DeviceRGB"}.get(components, "DeviceCMYK")
        if img.colorSpace == "DeviceCMYK":
            img._dotrans = 1  # Adobe CMYK JPEGs are stored inverted (as reportlab does)
        img.streamContent = data
        img._filters = ("DCTDecode",)
        img.mask = None
        canv._setXObjects(img)
        doc.Reference(img, reg)
        doc.addForm(name, img)
    canv._currentPageHasImages = 1
    canv._code.append(f"q {num(w)} 0 0 {num(h)} {num(x)} {num(y)} cm /{reg} Do Q")
    canv._formsinuse.append(name)


class JpegXObject(PDFImageXObject):
    """reportlab's image XObject for JPEG bytes passed through, written faster: the
    dictionary of an image (everything but its length) is formatted by reportlab once per
    kind of image (size, colour space, filters) and reused (caches: IMAGE_HEADS), where
    reportlab formats all of it, number by number, for each photo. Same bytes."""

    _PROBE = 271828  # a length no image dictionary otherwise contains

    def format(self, document):
        if not isinstance(document.encrypt, NoEncryption) or self.mask or getattr(self, "smask", None):
            return super().format(document)
        key = (self.width, self.height, self.bitsPerComponent, self.colorSpace, tuple(self._filters),
               getattr(self, "_dotrans", 0), tuple(getattr(self, "_decode", None) or ()))
        parts = IMAGE_HEADS.get(key)
        if parts is None:
            probe = PDFImageXObject(self.name)
            probe.__dict__.update(self.__dict__)
            probe.streamContent = bytes(self._PROBE)
            head = PDFImageXObject.format(probe, document)
            head = head[:head.index(b"\nstream\n")]
            at = head.index(b"/Length %d" % self._PROBE) + len(b"/Length ")
            if len(IMAGE_HEADS) > 256:
                IMAGE_HEADS.clear()
            parts = IMAGE_HEADS[key] = (head[:at], head[at + len(b"%d" % self._PROBE):] + b"\nstream\n")
        content = self.streamContent
        return b"".join((parts[0], b"%d" % len(content), parts[1], content, b"endstream\n"))


_SOF = (0xC0, 0xC1, 0xC2)  # baseline, extended sequential, progressive: what PDF viewers take
_SOF_UNSUPPORTED = (0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF)
_NO_LENGTH = (0x01, 0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8)


def jpeg_info(data: bytes) -> tuple[int, int, int]:
    """(width, height, components) from a JPEG's SOF header, reading marker segments the
    way reportlab's readJPEGInfo does, without decoding anything. ValueError (or
    IndexError on a truncated file) when it is not an 8-bit JPEG a PDF can carry."""
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    i = 2
    while True:
        i = data.index(b"\xff", i)
        marker = data[i + 1]
        i += 2
        if marker in _SOF:
            if data[i + 2] != 8:
                raise ValueError("JPEG must have 8 bits per component")
            return (data[i + 5] << 8) + data[i + 6], (data[i + 3] << 8) + data[i + 4], data[i + 7]
        if marker in _SOF_UNSUPPORTED:
            raise ValueError(f"unsupported JPEG marker {marker:02x}")
        if marker == 0xFF:  # fill byte before a marker
            i -= 1
        elif marker not in _NO_LENGTH:
            i += (data[i] << 8) + data[i + 1]
