"""What a bundle import will change, in words, before anything is applied: the preview
tree (changes to the workspace, then each assessment with its answers old -> new, photos,
corrective actions and history, then what cannot be applied), the full fingerprints read
out on the phone, and a key conflict in plain words. Built from storage's ImportPlan; the
dialog (import_bundle_dialog.py) shows it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from PySide6.QtGui import QColor

from storage.actions import ACTION_STATUS_LABELS
from storage.assessments import ROLE_LABELS, STATUS_LABELS
from storage.evidence import ABSENT_TEXT
from storage.exchange import signing
from storage.exchange.records import SIDE_LABELS
from storage.timefmt import local_time

from ..format import code_key, value_text

# What the list shows, in this order: changes to the workspace as a whole, then one branch
# per assessment with its parts (storage.exchange.plan.Change.what). The photo originals going
# into the evidence store are the photos listed under their items, not shown twice.
WORKSPACE_GROUPS = (("checklists_added", "新增标准版本", "个"), ("units_added", "新增单位", "个"),
                    ("units_updated", "更新单位", "个"), ("files_repaired", "补回缺失的照片文件", "个"),
                    ("files_filled", "补入此前未随包的照片", "张"))
ASSESSMENT_PARTS = ("header", "answers", "photos_added", "captions", "photos_removed", "actions_changed", "history")
FIELD_LABELS = {"status": "状态", "assessor": "自评填报人", "reviewer": "考评组", "conclusion": "考评结论",
                "signed_by": "签字人", "signed_at": "签字日期", "submitted_at": "提交时间", "reviewed_at": "考评完成时间"}
RED = QColor("#c5221f")
CLI_TRUST = re.compile(r"[，,]?\s*可用 bundle trust \S+( --bundle \S+)? 信任")


@dataclass
class Node:
    """One line of the preview tree."""

    text: str
    children: list = field(default_factory=list)
    tip: str | None = None
    expanded: bool = False
    bold: bool = False
    color: QColor | None = None


def _clip(text, n: int = 40) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _item_name(change) -> str:
    title = getattr(change.item, "title", None)
    return f"{change.code} {title}" if title else str(change.code or "")


def answer_line(change) -> str:
    """'1.5 议军事项落实：否 → 是' (and what else changed: the note, the documents)."""
    item, old, new = change.item, change.old, change.new
    shown = (lambda v: value_text(item, v)) if item is not None else (lambda v: "未填写" if v is None else str(v))
    before = shown(old["value"]) if old else "未填写"
    after = shown(new["value"])
    same = old is not None and old["value"] == new["value"]
    parts = [f"{after}（值未变）" if same else f"{before} → {after}"]
    if (old or {}).get("note") != new["note"]:
        parts.append(f"说明：{_clip(new['note'])}" if new["note"] else "说明已清除")
    if (old or {}).get("documents") != new["documents"] and new["documents"] is not None:
        parts.append(f"资料 {len(new['documents'])} 项")
    return f"{_item_name(change)}：" + "；".join(parts)


def _field_text(key: str, value) -> str:
    if value in (None, ""):
        return "（空）"
    if key == "status":
        return STATUS_LABELS.get(value, value)
    if key.endswith("_at"):
        return local_time(value)
    return _clip(value, 60)


def _header_node(change) -> Node:
    keys = [k for k in change.new if k in FIELD_LABELS]
    children = [Node(f"{FIELD_LABELS[k]}：{_field_text(k, (change.old or {}).get(k))} → {_field_text(k, change.new[k])}",
                     tip=str(change.new[k] or "")) for k in keys]
    names = "、".join(FIELD_LABELS[k] for k in keys)
    return Node(f"考评信息：{names}", children, expanded=True)


def _assessment_node(label: str, changes: list) -> Node:
    added = any(c.what == "assessments_added" for c in changes)
    parts = []
    for key in ASSESSMENT_PARTS:
        group = [c for c in changes if c.what == key]
        if not group:
            continue
        if key == "header":  # revision numbers alone are bookkeeping: not shown
            parts.extend(_header_node(c) for c in group if any(k in FIELD_LABELS for k in c.new))
        elif key == "answers":  # one branch per role: a year bundle brings 自评, 考评 and 复核
            for side in dict.fromkeys(c.side for c in group):
                rows = sorted((c for c in group if c.side == side), key=lambda c: code_key(c.code))
                parts.append(Node(f"{ROLE_LABELS.get(side, '')}答案（{len(rows)} 项）",
                                  [Node(answer_line(c), tip=answer_line(c)) for c in rows], expanded=len(rows) <= 12))
        elif key in ("photos_added", "captions", "photos_removed"):
            by_code: dict = {}
            for c in sorted(group, key=lambda c: code_key(c.code)):
                by_code.setdefault(c.code, []).append(c)
            rows = []
            for cs in by_code.values():
                captions = [_clip(c.new["caption"] if c.new else (c.old or {}).get("caption"), 20) for c in cs]
                captions = [x for x in dict.fromkeys(captions) if x]
                rows.append(Node(f"{_item_name(cs[0])}：{len(cs)} 张" + (f"（{'、'.join(captions)}）" if captions else "")))
            title = {"photos_added": "新增照片", "captions": "照片说明更新", "photos_removed": "移除照片"}[key]
            parts.append(Node(f"{title}（{len(group)} 张）", rows, expanded=len(rows) <= 6))
        elif key == "actions_changed":
            rows = []
            for c in sorted(group, key=lambda c: code_key(c.code)):
                act = c.new or {}
                bits = [ACTION_STATUS_LABELS.get(act.get("status"), act.get("status") or "")]
                if act.get("owner"):
                    bits.append(f"责任人 {act['owner']}")
                if act.get("due_date"):
                    bits.append(f"期限 {act['due_date']}")
                verb = "更新" if c.old else "新增"
                rows.append(Node(f"{verb}：{(c.code + ' ') if c.code else ''}{_clip(act.get('description'))}"
                                 f"（{'，'.join(b for b in bits if b)}）", tip=act.get("description")))
            parts.append(Node(f"整改任务（{len(group)} 项）", rows, expanded=len(rows) <= 6))
        elif key == "history":
            n = sum(c.count for c in group)
            parts.append(Node(f"历史记录（{n} 条）", tip="对方工作区中此考评的操作记录，原样保存，供查阅"))
    return Node(f"{label}（{'新增' if added else '更新'}）", parts, expanded=True, bold=True)


def _skipped_key(line: str):
    m = re.search(r"条目 (\S+?)[（ 的：]", line)
    return (line.split(" 条目 ")[0], code_key(m.group(1)) if m else ())


def preview_nodes(plan) -> list[Node]:
    """What the bundle will change, as a tree: checklists and units, then each assessment
    with its answers (item names, old → new, in natural code order), photos, corrective
    actions and history; counts as in the summary sentence; then what cannot be applied."""
    nodes = []
    for key, title, unit in WORKSPACE_GROUPS:
        group = [c for c in plan.changes if c.what == key]
        if group:
            nodes.append(Node(f"{title}（{len(group)} {unit}）", [Node(c.label) for c in group],
                              expanded=len(group) <= 6, bold=True))
    absent = (getattr(plan, "counts", None) or {}).get("files_absent")
    if absent:  # a year bundle sent without photos: only their records come
        nodes.append(Node(f"{absent} 张照片只有记录，照片文件未随包（显示为“{ABSENT_TEXT}”）",
                          tip="县级年度数据包导出时未带照片：得分、差距和照片说明照常，照片本身需另行带回", bold=True))
    by_assessment: dict = {}
    for c in plan.changes:
        if c.group and c.what != "evidence_added":
            by_assessment.setdefault(c.group, []).append(c)
    nodes.extend(_assessment_node(label, changes) for label, changes in by_assessment.items())
    if plan.skipped:
        lines = sorted(plan.skipped, key=_skipped_key)
        nodes.append(Node(f"不能应用 {len(lines)} 项（本工作区的数据保持不变）", [Node(x, tip=x) for x in lines],
                          expanded=True, bold=True, color=RED))
    if not plan.changes and not plan.skipped:
        nodes.append(Node("工作区已有此包中的全部数据，导入不会改变任何内容。"))
    return nodes


def for_the_app(line: str) -> str:
    """storage words its notices for the command line; here the button does it."""
    return CLI_TRUST.sub("，可点“信任此签名”", line)


def fingerprint_lines(fp: str) -> str:
    """The full fingerprint in two lines of eight groups, for reading out on the phone."""
    groups = signing.pretty(fp).split("-")
    return "-".join(groups[:8]) + "-\n" + "-".join(groups[8:]) if len(groups) > 8 else "-".join(groups)


def _fp_shown(fp: str) -> str:
    """A full fingerprint as read out; this workspace's own side before it had a key, as is."""
    return fingerprint_lines(fp) if re.fullmatch(r"[0-9A-F]{64}", fp or "") else fp


def _indented(text: str, pad: str = "    ") -> str:
    return "\n".join(pad + line for line in text.splitlines())


def conflict_text(plan) -> str:
    """The key conflict in plain words, both full fingerprints per assessment (plain text)."""
    s = plan.signer
    parts = [f"密钥冲突：此交换包由另一把密钥签名（声称来自“{s.workspace_name}”），"
             f"却要改动以下 {len(plan.conflicts)} 个考评中此前来自已信任密钥的数据。"]
    for c in plan.conflicts:
        before = "\n".join(_indented(_fp_shown(fp)) + f"（{name}）" for fp, name in c["previous"])
        parts.append(f"· {c['label']}的{SIDE_LABELS[c['side']]}\n  此前来自已信任的密钥：\n{before}\n"
                     f"  此包的签名密钥：\n{_indented(fingerprint_lines(c['signer']))}（声称来自“{s.workspace_name}”）")
    parts.append("可能是对方更换了电脑或密钥，也可能是他人冒充。请通过电话或当面向对方核对此包签名密钥的完整指纹"
                 "（不要以 U 盘上的内容为准）：核对一致，才可由负责人接受密钥更换并导入；否则请取消，工作区不会有任何改动。")
    return "\n".join(parts)
