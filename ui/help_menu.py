"""The 帮助 menu: 键盘操作 (the keys dialog, F1) and 关于 (version, data folder, user, and the
face each report font role resolved to). A mixin of MainWindow (ui/main_window.py)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from appversion import version
from checklists.errors import DabiaoError

from .format import escape


class HelpMenu:
    """帮助 for MainWindow."""

    def show_keys(self) -> None:
        """键盘操作 (F1): every key of the window, listed."""
        from .dialogs.keys_dialog import KeysDialog

        KeysDialog(self).exec()

    def about(self) -> None:
        """Version, data folder, user, and the face each report font role resolved to."""
        from exports.fonts import ROLE_LABELS, ROLES, discover_fonts  # reportlab: only when asked

        sources = {0: "字体文件夹", 1: "系统字体", 2: "随软件附带"}
        try:
            faces = discover_fonts().faces
            fonts = "<br>".join(f"&nbsp;&nbsp;{ROLE_LABELS[r]}：{escape(faces[r].family)}"
                                f"（{escape(faces[r].path.name)}，{sources.get(faces[r].tier, '')}）"
                                for r in ROLES if r in faces)
        except DabiaoError as exc:  # no usable font: say so, as the reports would
            fonts = "&nbsp;&nbsp;" + escape(str(exc).splitlines()[0])
        QMessageBox.about(self, "关于 达标",
                          f"<b>达标</b> Dabiao {escape(version())} — 基层武装部规范化建设考评（离线版）<br>"
                          f"数据文件夹：{escape(str(self.ws.folder))}<br>当前用户：{escape(str(self.ws.who))}<br>"
                          f"报告字体：<br>{fonts}<br>"
                          "每次修改立即保存；按 F1 查看键盘操作。")
