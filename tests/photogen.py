"""Photo cases made at test time with Pillow from the committed photos (tests/fixtures/photos):
every EXIF orientation, EXIF blocks broken the ways real cameras and editors break them,
other pixel formats and sizes. `generate(photos, out)` writes them all and returns
{name: path}; GENERATED lists the names (known before anything is written, for parametrize).
"""

from __future__ import annotations

import struct
from pathlib import Path

from PIL import Image

REFERENCE = "jpg/orientation/landscape_1.jpg"  # upright (orientation 1), 600 x 450
EXIF_SOURCE = "jpg/Canon_40D.jpg"              # a real camera EXIF block

# The pixels a camera stores for each EXIF orientation tag (TIFF 6.0 / EXIF 2.3, tag 0x0112):
# the upright picture transformed so that applying the tag's transformation shows it
# upright again. 2, 3, 4, 5 and 7 are their own inverses; 6 is shown turned 90° clockwise,
# so it is stored turned 90° anticlockwise (Pillow's ROTATE_90), and 8 the other way round.
T = Image.Transpose
STORED_AS = {1: None, 2: T.FLIP_LEFT_RIGHT, 3: T.ROTATE_180, 4: T.FLIP_TOP_BOTTOM, 5: T.TRANSPOSE,
             6: T.ROTATE_90, 7: T.TRANSVERSE, 8: T.ROTATE_270}

# name -> what prepare_photo must read from it (None: that field must be absent)
BROKEN_EXIF = {
    "exif/ifd_offset_past_end.jpg": {},
    "exif/ifd_loop.jpg": {"camera": "Dabiao Loop"},
    "exif/cut_short.jpg": {},
    "exif/bad_gps.jpg": {"camera": "Dabiao GPS", "gps_lat": None, "gps_lon": None},
    "exif/gps_out_of_range.jpg": {"gps_lat": None, "gps_lon": None},
    "exif/bad_orientation.jpg": {"width": 600, "height": 450},
    "exif/garbage_makernote.jpg": {"camera": "Dabiao MakerNote", "taken_at": "2027-03-10T09:30:00"},
    "exif/bad_date.jpg": {"camera": "Dabiao Date", "taken_at": None},
    "exif/huge_count.jpg": {"camera": "Dabiao Count"},
}
OTHER = ["format/gray.jpg", "format/cmyk.jpg", "format/progressive.jpg", "format/alpha.png", "format/palette.png",
         "size/big.jpg", "size/portrait.jpg", "size/panorama.jpg"]
ORIENTATIONS = [f"orientation/landscape_{n}.jpg" for n in STORED_AS]
GENERATED = ORIENTATIONS + list(BROKEN_EXIF) + OTHER


# --------------------------------------------------------------------------- raw EXIF (TIFF)

ASCII, SHORT, LONG, RATIONAL, UNDEFINED = 2, 3, 4, 5, 7


def _ascii(text: str) -> tuple[int, int, bytes]:
    raw = text.encode() + b"\0"
    return ASCII, len(raw), raw


def _ifd(entries: dict, start: int, next_ifd: int = 0) -> bytes:
    """One little-endian IFD at offset `start`: entries {tag: (type, count, raw value)};
    values longer than 4 bytes follow the IFD; a raw value of None with an int count
    writes that int as the value/offset field itself (pointers, offsets past the end)."""
    data_at = start + 2 + 12 * len(entries) + 4
    head, data = struct.pack("<H", len(entries)), b""
    for tag in sorted(entries):
        typ, count, raw = entries[tag]
        if isinstance(raw, int):  # the value/offset field given as is
            head += struct.pack("<HHII", tag, typ, count, raw)
        elif len(raw) <= 4:
            head += struct.pack("<HHI", tag, typ, count) + raw.ljust(4, b"\0")
        else:
            head += struct.pack("<HHII", tag, typ, count, data_at + len(data))
            data += raw + b"\0" * (len(raw) % 2)
    return head + struct.pack("<I", next_ifd) + data


def _exif(ifd0: dict, sub: dict | None = None, sub_tag: int = 0x8769, next_ifd: int = 0) -> bytes:
    """An APP1 EXIF payload: IFD0 at offset 8 and, when given, one sub-IFD (EXIF 0x8769 or
    GPS 0x8825) straight after it."""
    ifd0 = dict(ifd0)
    if sub is not None:
        ifd0[sub_tag] = (LONG, 1, 0)  # placeholder: same length as the real pointer
        sub_at = 8 + len(_ifd(ifd0, 8))
        ifd0[sub_tag] = (LONG, 1, sub_at)
    tiff = b"II*\0" + struct.pack("<I", 8) + _ifd(ifd0, 8, next_ifd)
    if sub is not None:
        tiff += _ifd(sub, sub_at)
    return b"Exif\0\0" + tiff


def _rational(*pairs) -> bytes:
    return b"".join(struct.pack("<II", n, d) for n, d in pairs)


def _broken_exif_blocks(exif_source: bytes) -> dict[str, bytes]:
    make = lambda name: {0x010F: _ascii("Dabiao"), 0x0110: _ascii(name)}  # noqa: E731
    return {
        # IFD0 said to start 2 GB into a block of a few bytes
        "exif/ifd_offset_past_end.jpg": b"Exif\0\0II*\0" + struct.pack("<I", 0x7FFFFFF0),
        # IFD0's next IFD is IFD0 itself (readers that follow the chain never stop)
        "exif/ifd_loop.jpg": _exif(make("Loop"), next_ifd=8),
        # a real camera's block cut off in the middle of its IFDs
        "exif/cut_short.jpg": exif_source[: len(exif_source) // 3],
        # GPS tags of the wrong types, and a latitude stored past the end of the block
        "exif/bad_gps.jpg": _exif(make("GPS"), {1: _ascii("X"), 2: (RATIONAL, 3, 0x7FFFFF00), 3: (SHORT, 1, b"\7\0"),
                                                4: _ascii("east of here")}, sub_tag=0x8825),
        # well-formed GPS tags saying 95° north, 200° east; and a zero denominator
        "exif/gps_out_of_range.jpg": _exif(make("Range"), {
            1: _ascii("N"), 2: (RATIONAL, 3, _rational((95, 1), (0, 1), (0, 1))),
            3: _ascii("E"), 4: (RATIONAL, 3, _rational((200, 1), (0, 0), (0, 1)))}, sub_tag=0x8825),
        # orientation 9 does not exist: nothing is turned
        "exif/bad_orientation.jpg": _exif({**make("Orientation"), 0x0112: (SHORT, 1, struct.pack("<H", 9))}),
        # a maker note of noise and an entry of an unknown type next to a good capture time
        "exif/garbage_makernote.jpg": _exif(make("MakerNote"), {
            0x9003: _ascii("2027:03:10 09:30:00"), 0x927C: (UNDEFINED, 256, bytes(range(256))),
            0xA420: (99, 4, b"\xff\xff\xff\xff")}),
        # a capture time that is not a time
        "exif/bad_date.jpg": _exif(make("Date"), {0x9003: _ascii("0000:00:00 00:00:00"), 0x9004: _ascii("yesterday")}),
        # an entry claiming a billion values
        "exif/huge_count.jpg": _exif({**make("Count"), 0x0131: (ASCII, 0x40000000, 0x100)}),
    }


# --------------------------------------------------------------------------- generation


def _save(img: Image.Image, path: Path, fmt: str = "JPEG", **kw) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, fmt, **kw)
    return path


def orientation_variant(upright: Image.Image, n: int, path: Path) -> Path:
    """`upright` stored as a camera stores it under EXIF orientation n, with the tag set."""
    stored = upright if STORED_AS[n] is None else upright.transpose(STORED_AS[n])
    exif = Image.Exif()
    exif[0x0112] = n
    return _save(stored, path, quality=92, exif=exif)


def generate(photos: Path, out: Path) -> dict[str, Path]:
    """Write every GENERATED case under `out` from the committed photos in `photos`."""
    made: dict[str, Path] = {}
    with Image.open(photos / REFERENCE) as im:
        upright = im.convert("RGB")
    with Image.open(photos / EXIF_SOURCE) as im:
        exif_source = im.info["exif"]
    for n, name in zip(STORED_AS, ORIENTATIONS):
        made[name] = orientation_variant(upright, n, out / name)
    for name, block in _broken_exif_blocks(exif_source).items():
        made[name] = _save(upright, out / name, quality=90, exif=block)
    small = upright.resize((300, 225))
    made["format/gray.jpg"] = _save(upright.convert("L"), out / "format/gray.jpg", quality=90)
    made["format/cmyk.jpg"] = _save(small.convert("CMYK"), out / "format/cmyk.jpg", quality=90)
    made["format/progressive.jpg"] = _save(upright, out / "format/progressive.jpg", quality=90, progressive=True)
    alpha = small.convert("RGBA")
    alpha.putalpha(Image.linear_gradient("L").resize(small.size))
    made["format/alpha.png"] = _save(alpha, out / "format/alpha.png", "PNG")
    made["format/palette.png"] = _save(small.convert("P", palette=Image.Palette.ADAPTIVE), out / "format/palette.png",
                                       "PNG")
    # a phone-sized photo (decoded at reduced scale), a portrait one, a panorama
    made["size/big.jpg"] = _save(upright.resize((4000, 3000), Image.Resampling.BICUBIC), out / "size/big.jpg",
                                 quality=90)
    made["size/portrait.jpg"] = _save(upright.crop((150, 0, 450, 450)).resize((600, 900)), out / "size/portrait.jpg",
                                      quality=90)
    made["size/panorama.jpg"] = _save(upright.resize((2400, 450)), out / "size/panorama.jpg", quality=90)
    assert sorted(made) == sorted(GENERATED)
    return made


def expected_ext(name: str) -> str:
    """The extension storage gives a photo, from its file name."""
    suffix = Path(name).suffix.lower()
    return {".heic": "heic", ".heif": "heic", ".png": "png"}.get(suffix, "jpg")

