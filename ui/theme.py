"""Colours, fonts and the small painted icons the UI uses (no image files to ship)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontDatabase, QIcon, QPainter, QPainterPath, QPen, QPixmap

# Item statuses (checklists.scoring) plus the UI-only "missing evidence".
MISSING = "missing"

STATUS_COLORS = {
    "unanswered": QColor("#9aa0a6"),
    "full": QColor("#1e8e3e"),
    "partial": QColor("#e37400"),
    "zero": QColor("#d93025"),
    "na": QColor("#80868b"),
    MISSING: QColor("#c5221f"),
}
STATUS_LABELS = {
    "unanswered": "未填写",
    "full": "满分",
    "partial": "部分得分",
    "zero": "不得分",
    "na": "不涉及",
    MISSING: "缺少佐证",
}
DIFF_BACKGROUND = QColor("#fff0c2")  # 自评 and 考评 differ
LOCKED_BACKGROUND = QColor("#fdecea")
INFO_BACKGROUND = QColor("#e8f0fe")

# Families tried in order for the application font: Windows, Kylin/UOS, common Linux.
CJK_FAMILIES = (
    "Microsoft YaHei UI", "Microsoft YaHei", "微软雅黑", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC",
    "思源黑体", "WenQuanYi Micro Hei", "文泉驿微米黑", "WenQuanYi Zen Hei", "文泉驿正黑", "Droid Sans Fallback",
    "AR PL UMing CN", "SimHei", "黑体", "SimSun", "宋体",
)


def pick_cjk_family() -> str | None:
    """The first installed family that can show Simplified Chinese, or None."""
    available = set(QFontDatabase.families())
    for family in CJK_FAMILIES:
        if family in available:
            return family
    for family in QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese):
        return family
    return None


def level_color(index: int, count: int) -> QColor:
    """Badge colour for a level: -1 = not reached (red), the top level gold, others green."""
    if index < 0:
        return QColor("#d93025")
    if index == count - 1 and count > 1:
        return QColor("#b06000")
    return QColor("#1e8e3e")


def bold(font: QFont, size_delta: float = 0) -> QFont:
    f = QFont(font)
    f.setBold(True)
    if size_delta:
        f.setPointSizeF(max(6.0, f.pointSizeF() + size_delta))
    return f


_icon_cache: dict = {}


def status_icon(status: str, size: int = 16) -> QIcon:
    """A small round icon per item status (painted once, then cached)."""
    key = (status, size)
    icon = _icon_cache.get(key)
    if icon is not None:
        return icon
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    color = STATUS_COLORS.get(status, STATUS_COLORS["unanswered"])
    r = QRectF(1.5, 1.5, size - 3, size - 3)
    white = QPen(QColor("white"), max(1.5, size / 8))
    white.setCapStyle(Qt.PenCapStyle.RoundCap)
    if status == "unanswered":
        p.setPen(QPen(color, 1.5))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(r)
    elif status == "partial":
        p.setPen(QPen(color, 1.5))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(r)
        path = QPainterPath()
        path.moveTo(r.center())
        path.arcTo(r, 90, 180)
        path.closeSubpath()
        p.fillPath(path, QBrush(color))
    else:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        p.drawEllipse(r)
        p.setPen(white)
        s = size
        if status == "full":
            p.drawPolyline([QPointF(s * .28, s * .52), QPointF(s * .44, s * .68), QPointF(s * .72, s * .34)])
        elif status == "zero":
            p.drawLine(QPointF(s * .33, s * .33), QPointF(s * .67, s * .67))
            p.drawLine(QPointF(s * .67, s * .33), QPointF(s * .33, s * .67))
        elif status == "na":
            p.drawLine(QPointF(s * .3, s * .5), QPointF(s * .7, s * .5))
        elif status == MISSING:
            p.drawLine(QPointF(s * .5, s * .26), QPointF(s * .5, s * .58))
            p.drawPoint(QPointF(s * .5, s * .74))
    p.end()
    icon = QIcon(pix)
    _icon_cache[key] = icon
    return icon


def placeholder_pixmap(size: int = 96) -> QPixmap:
    """Shown while a thumbnail loads."""
    key = ("placeholder", size)
    pix = _icon_cache.get(key)
    if pix is None:
        pix = QPixmap(size, size)
        pix.fill(QColor("#eceff1"))
        p = QPainter(pix)
        p.setPen(QColor("#b0bec5"))
        p.drawRect(0, 0, size - 1, size - 1)
        p.drawText(pix.rect(), Qt.AlignmentFlag.AlignCenter, "…")
        p.end()
        _icon_cache[key] = pix
    return pix
