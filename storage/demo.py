"""A demo workspace: 某县 with three towns and one filled self-assessment of the bundled
city criteria (with a few generated photos), so a newcomer sees a finished example.

Everything goes through the ordinary storage functions (audit log included); the photos
are drawn with Pillow at run time, so nothing from the test fixtures ships.
"""

from __future__ import annotations

import tempfile
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFont

from checklists.answers import check_value

from . import actions, answer_store, assessments, checklist_store, evidence, units
from .errors import StorageError

if TYPE_CHECKING:
    from .models import DemoIds
    from .workspace import Workspace

DEMO_CHECKLIST = "city-2027-town"
DEMO_YEAR = 2027
COUNTY = "某县"
TOWNS = ("城关镇", "东风镇", "青山乡")
MILITIA = "城关镇民兵应急连"

F = Fraction
# A town that does well but not yet 达优: a few items fall short, 6.5 and 11.4 do not apply.
ANSWERS = {
    "1.1": F(3), "1.2": True, "1.3": "纳入工作要点和绩效考核", "1.4": F(2), "1.5": F(3, 2),
    "2.1": "部长和1名专职干事", "2.2": True, "2.3": F(1), "2.4": F(85),
    "3.1": True, "3.2": True, "3.5": True, "3.3.1": True, "3.3.2": "基本规范", "3.3.3": True,
    "3.3.4.1": F(45), "3.3.4.2": F(1), "3.4.1": F(0),
    "4.1": F(1), "4.2": "记录完整连续", "4.4": True, "4.5": True,
    "5.1": F(100), "5.2": "两项均达标", "5.3": True, "5.4": F(96), "5.5": True, "5.6": F(1), "5.7": "已编建",
    "6.1": F(92), "6.2": F(6), "6.3": "预案完整且年度修订", "6.4": F(3, 2), "6.5": "na", "6.6": True, "6.7": True,
    "7.1": F(197, 2), "7.2": True, "7.3": F(62), "7.4": F(0), "7.5": True, "7.6": True,
    "8.1": F(10), "8.2": F(0), "8.3": "部分模块化箱组化", "8.4": True, "8.5": True,
    "9.1": F(2), "9.2": "基本规范", "9.3": True, "9.4": True,
    "10.1": True, "10.2": F(6),
    "11.1": F(4), "11.2": True, "11.3": "规范到位", "11.4": "na",
    "12.1": "县（市、区）人武部表彰", "12.2": F(1), "12.3": F(1), "12.4": False,
    "13.1": F(0), "13.2": F(0), "13.3": F(0),
    "C1.1": True, "C1.2": "普遍掌握多项技能", "C1.3": F(3),
}
NOTES = {
    "1.1": "全年召开党委议军会议3次（3月、7月、11月），第四季度会议因防汛推迟。",
    "2.1": "1名专职干事于9月调离，新干事待配备。",
    "3.3.4.2": "温湿度计损坏1个，已报修。",
    "4.1": "保密制度尚未上墙。",
    "6.1": "外出务工基干民兵6人未参训，已安排补训。",
    "9.1": "《民兵装备器材登记统计簿》《训练登记簿》记录不全。",
    "C1.3": "组织到县革命烈士陵园开展教育3次。",
}
# Documents not presented (the rest of each item's list counts as presented).
MISSING_DOCS = {"1.3": ["绩效考核办法"], "9.1": ["“三本五表五册”"], "12.2": ["转发文件"]}
# item -> photos to draw (title shown on the picture, capture time)
PHOTOS = {
    "1.1": [("党委议军会议", "2027:03:18 09:30:12")],
    "3.1": [("武装部挂牌", "2027:04:02 10:05:40")],
    "3.2": [("民兵训练场", "2027:04:02 11:02:15")],
    "3.5": [("兵役登记站", "2027:04:02 09:48:30")],
    "3.3.1": [("武装部办公室", "2027:04:02 09:55:02")],
    "3.3.3": [("资料室", "2027:04:02 10:12:44")],
    "3.3.2": [("民兵之家 荣誉墙", "2027:04:02 10:21:03"), ("民兵之家 学习区", "2027:04:02 10:23:51"),
              ("民兵之家 活动室", "2027:04:02 10:26:17")],
    "3.3.4.2": [("器材库 监控与消防", "2027:04:02 10:40:33"), ("器材库 防潮垫板", "2027:04:02 10:42:09")],
}
ACTIONS = [
    ("1.1", "每季度召开1次党委议军会议，形成会议纪要，书记主持讲评", "党委书记", "2027-12-31"),
    ("6.1", "组织未参训基干民兵补训，参训率提高到95%以上", "武装部部长", "2027-10-31"),
]
PALETTE = [(46, 94, 62), (80, 96, 140), (140, 90, 60), (60, 110, 120), (110, 70, 110), (90, 110, 60), (120, 80, 70)]


def _font(size: int):
    """A CJK TrueType font when one is installed, so captions on the photos read as Chinese."""
    for path in ("C:/Windows/Fonts/msyh.ttc", "C:/Windows/Fonts/simhei.ttf",
                 "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
                 "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
                 "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                 "/usr/share/fonts/truetype/arphic/uming.ttc"):
        try:
            return ImageFont.truetype(path, size), True
        except OSError:
            continue
    return ImageFont.load_default(), False


def draw_photo(path: Path, title: str, taken_at: str, seed: int) -> Path:
    """A 1024x768 JPEG that looks like a photo of a room or a meeting, with EXIF time."""
    w, h = 1024, 768
    base = PALETTE[seed % len(PALETTE)]
    img = Image.new("RGB", (w, h), base)
    d = ImageDraw.Draw(img)
    for y in range(h):  # wall-to-floor gradient
        t = y / h
        d.line([(0, y), (w, y)], fill=tuple(int(c * (0.55 + 0.6 * t)) for c in base))
    d.rectangle([0, int(h * 0.72), w, h], fill=tuple(int(c * 0.6) for c in base))  # floor
    d.rectangle([110, 120, 560, 420], fill=(235, 235, 228), outline=(60, 60, 60), width=6)  # board / sign
    d.rectangle([620, 160, 900, 560], fill=tuple(min(255, c + 60) for c in base), outline=(40, 40, 40), width=4)
    for i in range(5):  # chairs / boxes
        x = 120 + i * 170
        d.rectangle([x, 600, x + 110, 700], fill=(70 + 20 * i, 60, 50), outline=(30, 30, 30), width=3)
    d.rectangle([0, 0, w, 70], fill=(180, 30, 30))
    font, cjk = _font(40)
    small, _ = _font(26)
    d.text((30, 12), title if cjk else "Dabiao demo", fill=(255, 230, 150), font=font)
    d.text((130, 140), "示例照片" if cjk else "DEMO", fill=(180, 30, 30), font=font)
    d.text((130, 360), taken_at.replace(":", "-", 2), fill=(60, 60, 60), font=small)
    exif = Image.Exif()
    exif[0x010F] = "Dabiao"
    exif[0x0110] = "Demo Camera"
    exif[0x0132] = taken_at
    img.save(path, "JPEG", quality=82, exif=exif)
    return path


def build_demo(ws: Workspace, with_photos: bool = True) -> DemoIds:
    """Fill an empty workspace with the demo county; returns {'county', 'towns', 'assessment'} ids."""
    if units.list_units(ws):
        raise StorageError("工作区中已有单位，示例数据只能载入空工作区")
    checklist_store.ensure_bundled(ws)
    version = checklist_store.latest_version(ws, DEMO_CHECKLIST)
    if version is None:
        raise StorageError(f"缺少示例标准 {DEMO_CHECKLIST}")
    county = units.add_unit(ws, COUNTY, "county")
    towns = [units.add_unit(ws, name, "town", county["id"]) for name in TOWNS]
    units.add_unit(ws, MILITIA, "militia", towns[0]["id"])
    a = assessments.new_assessment(ws, towns[0]["id"], DEMO_CHECKLIST, version, DEMO_YEAR)
    checklist = assessments.checklist_of(ws, a)
    with ws.transaction():
        for item in checklist.items():
            value = ANSWERS.get(item.code)
            if value is None or check_value(item, value)[1] is not None:
                continue  # the sample criteria changed under the demo: leave the item open
            docs = [d for d in item.evidence.documents if d not in MISSING_DOCS.get(item.code, [])] \
                if item.evidence.documents else None
            answer_store.set_answer(ws, a["id"], item.code, "self", value, NOTES.get(item.code), docs)
    if with_photos:
        with tempfile.TemporaryDirectory(prefix="dabiao-demo-") as tmp:
            seed = 0
            for code, shots in PHOTOS.items():
                if code not in checklist.item_index():
                    continue
                for title, taken in shots:
                    path = draw_photo(Path(tmp) / f"demo-{seed}.jpg", title, taken, seed)
                    evidence.add_photos(ws, a["id"], code, [path], "self", caption=title)
                    seed += 1
    for code, description, owner, due in ACTIONS:
        if code in checklist.item_index():
            actions.add_action(ws, a["id"], code, description, owner, due)
    assessments.update_review_info(ws, a["id"], assessor="城关镇武装部 李明")
    ws.set_meta("demo", "1")
    return {"county": county["id"], "towns": [t["id"] for t in towns], "assessment": a["id"]}
