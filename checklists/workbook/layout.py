"""The criteria workbook's layout, described once: its sheets, their columns (English
key, Chinese label, how a cell is read, the help shown), the 说明 text and the words an
author may write. The reader, the writer and the 说明 sheet are all driven by it.

A new key of the format (format.py) gets its Column here, on the sheet it belongs to;
tests/test_workbook.py checks that every key of the format has one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..format import BELOW, DIRECTIONS, FORMAT, KIND_LABELS, KINDS, ROLE_LABELS, ROLES, SET_LEVELS

GUIDE_TITLE = "说明"
IGNORE = object()  # a column the reader skips: notes the author added
NOTE_KEYS = {"note", "notes", "remark", "remarks", "comment"}
NOTE_LABELS = {"备注", "说明", "注释"}
KEY_RE = re.compile(r"([A-Za-z][A-Za-z0-9_]*)\s*[)）\]]?\s*$")
NUMBER_RE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?|[+-]?\d+/\d+")
NAME_SEP = re.compile(r"[、,，;；\n]+")
KEY_SEP = re.compile(r"[\s,，、;；]+")
TRUE_WORDS = {"是", "true", "yes", "y", "1", "√", "✓", "对"}
FALSE_WORDS = {"否", "false", "no", "n", "0", "×", "✗", "错"}
ALIASES = {  # Chinese words accepted in the drop-down columns
    "kind": {label: key for key, label in KIND_LABELS.items()},
    "role": {label: key for key, label in ROLE_LABELS.items()},
    "direction": {"越高越好": "higher", "越大越好": "higher", "越低越好": "lower", "越小越好": "lower"},
    "level": {"省": "province", "省级": "province", "市": "city", "市级": "city", "县": "county", "县级": "county"},
    "linear_below": {"是": "zero", "记0分": "zero", "不得分": "zero"},
}
ZERO_WORDS = {"zero", "记0分", "记零分", "不得分", "0分", "本条0分"}  # a document's `missing: zero`
DV_LAST_ROW = 2000  # drop-downs cover the rows an author is likely to fill


@dataclass(frozen=True)
class Column:
    """One column (or one 设置 row): English key, Chinese label, how cells are read, help."""

    key: str
    label: str
    kind: str  # text | number | int | bool | enum | keys | names | ratio
    note: str
    width: int = 10
    required: bool = False
    choices: tuple = ()
    as_text: bool = False  # written with the text format, so Excel keeps 1.10 and 2027.1 as typed

    @property
    def header(self) -> str:
        return f"{self.label} {self.key}"


@dataclass(frozen=True)
class Sheet:
    """One sheet: English key, Chinese title (the name written), help, columns."""

    key: str
    title: str
    note: str
    columns: tuple
    ignored: tuple = ()  # keys the reader skips on this sheet

    @property
    def name(self) -> str:
        return f"{self.title}（{self.key}）"


SETTINGS = (
    Column("format", "格式", "text", f"固定为 {FORMAT}", required=True),
    Column("id", "标准编号", "text", "小写字母、数字和连字符，如 prov-2027-town", required=True),
    Column("version", "版本", "text", "文本，如 2027.1（请设为文本格式）", required=True),
    Column("title", "标题", "text", "标准全称", required=True),
    Column("issuer", "发布单位", "text", "如 某省军区"),
    Column("level", "层级", "enum", "province 省 / city 市 / county 县", choices=SET_LEVELS),
    Column("year", "年度", "int", "如 2027"),
    Column("applies_to", "适用单位", "keys", "town 乡镇(街道)武装部、enterprise 企业武装部、militia 民兵营(连)，多个用逗号或顿号分隔"),
    Column("total", "总分", "number", "可不填；填写时必须等于基本项分值合计（有 只适用于/不适用于 条目时：在适用于所有单位的"
                                        "基本项合计与全部基本项合计之间，如大镇、小镇各 3 分的替代条目时填 100）"),
    Column("bonus_cap", "加分上限", "number", "可不填：加分项最多加这么多分"),
    Column("penalty_cap", "扣分上限", "number", "可不填（格式 2）：扣分项最多扣这么多分，如 10"),
    Column("extends_id", "基础标准编号", "text", "只有叠加标准（市、县细则）填写：所依据的上级标准的编号"),
    Column("extends_version", "基础标准版本", "text", "只有叠加标准填写：所依据的上级标准的版本"),
)

ITEM_COLUMNS = (
    Column("code", "编号", "text", "条目编号，全套唯一，如 1.1（请设为文本格式）", 8, True, as_text=True),
    Column("category", "大项", "text", "所属大项的编号（大项 表中的 编号 code）", 8, True, as_text=True),
    Column("title", "名称", "text", "条目名称", 24, True),
    Column("requirement", "达标要求", "text", "达标要求", 40, True),
    Column("excellent", "达优要求", "text", "可不填：达优在达标之外的要求", 30),
    Column("points", "分值", "number", "满分：大于 0；格式 1 为 0.5 的整数倍，格式 2 最多两位小数（如 0.25）"
                                        "（带 gate 或 否决记零 的 check 条件项可为 0）", 7, True),
    Column("kind", "类型", "enum", "check 是否 / rubric 评级（选项 表）/ number 数值（分档 表或 线性 列）/ deduct 扣分（每项扣分 "
                                   "或 扣分细则 表）/ score 打分 / elements 要素（要素 表，格式 2）", 9, True, KINDS),
    Column("unit", "单位", "text", "number、deduct 类可填：如 次、人", 7),
    Column("direction", "方向", "enum", "number 类：higher 越高越好（默认）/ lower 越低越好", 9, choices=DIRECTIONS),
    Column("per", "每项扣分", "number", "deduct 类：每缺一项扣的分，扣完为止（或在 扣分细则 表分评分点列出）", 9),
    Column("step", "步长", "number", "score 类可填：打分的最小单位，格式 1 默认 0.5，格式 2 默认 0.01", 7),
    Column("role", "角色", "enum", "base 基本项（默认）/ bonus 加分项 / penalty 扣分项", 9, choices=ROLES),
    Column("gate", "必备等级", "text", "可不填：等级键（或等级名称）；本条未满分则达不到该等级及以上。pass 即一票否决", 9),
    Column("na_allowed", "可不涉及", "bool", "是：本条可答“不涉及”", 9),
    Column("evidence_photos", "最少照片", "int", "需附的最少照片数", 9),
    Column("evidence_documents", "需查资料", "names", "需查阅的台账、资料名称，用顿号或换行分隔", 24),
    Column("evidence_strict", "照片不足记0分", "bool", "是：照片少于最少照片数时本条记 0 分", 10),
    Column("guidance", "检查方法", "text", "可不填：如何检查", 24),
    Column("voids_score", "否决记零", "bool", "是（格式 2）：本条已填且未满分时总分记 0 分（一票否决，总分记零），如 空白村", 9),
    Column("only_for", "只适用于", "keys", "可不填（格式 2）：单位标签（单位标签 表），只适用于带这些标签的单位，如 big", 10),
    Column("not_for", "不适用于", "keys", "可不填（格式 2）：单位标签，不适用于带这些标签的单位", 10),
    Column("linear_at", "线性基准值", "number", "number 类线性计分（格式 2，代替分档）：基准值，如 96%得15分 中的 96", 9),
    Column("linear_points", "基准得分", "number", "线性计分：达到基准值的得分，如 15", 9),
    Column("linear_step", "每档幅度", "number", "线性计分：每提高（降低）多少算一档，如 1（%）", 9),
    Column("linear_per", "每档分值", "number", "线性计分：每档加（减）的分，如 每提高1%加5分 中的 5；结果在 0 到满分之间", 9),
    Column("linear_below", "低于基准记0", "enum", "线性计分可填：zero（是）= 未达到基准值即记 0 分，否则每差一档减 每档分值",
           10, choices=BELOW),
)
ITEM_KEYS = ("code", "title", "requirement", "excellent", "guidance", "points", "kind", "role", "gate", "voids_score",
             "na_allowed", "only_for", "not_for", "unit", "direction", "per", "step")  # plain columns of an item row

SETTINGS_SHEET = Sheet("settings", "设置", "标准的基本信息：每行一项，项目 key 列写项目名，值 value 列写内容。", (
    Column("key", "项目", "text", "项目名（下表各行）", 18, True),
    Column("value", "值", "text", "内容", 40, True, as_text=True),
))
LEVELS = Sheet("levels", "等级", "达标等级，由低到高排列；至少一个。叠加标准中按等级键修改已有等级或新增等级。", (
    Column("key", "等级键", "text", "英文键，如 pass、excellent、star3；fail 保留", 12, True, as_text=True),
    Column("label", "名称", "text", "如 达标、达优、三星", 12),
    Column("min_score", "分数线", "number", "达到该等级的最低总分", 9),
))
UNIT_TAGS = Sheet("unit_tags", "单位标签", "格式 2：规则可以单独针对的单位类别，如 big 大镇、small 小镇；条目的 只适用于、不适用于 列"
                                        "填这里的标签。叠加标准中各行为新增标签。", (
    Column("tag", "标签", "text", "英文或中文的一个词，不含空格、逗号、顿号，如 big", 10, True, as_text=True),
    Column("label", "名称", "text", "如 大镇（人口5万以上）", 24, True),
))
CATEGORIES = Sheet("categories", "大项", "考评大项，按表中顺序排列；上级大项 填写后成为其下级大项（最多 3 层）。", (
    Column("code", "编号", "text", "大项编号，如 1（请设为文本格式）", 8, True, as_text=True),
    Column("title", "名称", "text", "大项名称", 24, True),
    Column("parent", "上级大项", "text", "可不填：上级大项的编号", 9, as_text=True),
    Column("min_ratio", "得分率要求", "ratio", "可不填：如 pass=0.6; excellent=0.8（该大项得分率须达到的比例）", 28),
    Column("points", "分值", "number", "可不填（格式 2）：本大项的分值，须等于其中（含下级大项）基本项分值合计，用于核对", 7),
))
ITEMS = Sheet("items", "条目", "考评条目，一行一条；同一大项内按表中顺序排列。", ITEM_COLUMNS)
OPTIONS = Sheet("options", "选项", "rubric（评级）类条目的选项，一行一个，按 条目编号 对应。", (
    Column("code", "条目编号", "text", "条目编号", 9, True, as_text=True),
    Column("label", "选项", "text", "选项名称，同一条目内不重复", 30, True),
    Column("points", "分值", "number", "选中该项的得分；最高一项须等于条目满分", 7, True),
))
BANDS = Sheet("bands", "分档", "number（数值）类条目的分档，一行一档，按 条目编号 对应。", (
    Column("code", "条目编号", "text", "条目编号", 9, True, as_text=True),
    Column("at", "达到值", "number", "higher：数值 ≥ 此值得本档分；lower：数值 ≤ 此值得本档分", 9, True),
    Column("points", "得分", "number", "本档得分；最高一档须等于条目满分", 7, True),
))
REASONS = Sheet("reasons", "扣分细则", "格式 2：deduct（扣分）类条目的评分点，一行一个，按 条目编号 对应；各自扣分，合计以条目满分为限"
                                    "（扣完为止）。写了评分点的条目不填 每项扣分。", (
    Column("code", "条目编号", "text", "条目编号", 9, True, as_text=True),
    Column("key", "评分点键", "text", "同一条目内不重复，如 a、b（填答卷时用）", 9, True, as_text=True),
    Column("text", "评分点", "text", "如 专武干部缺编", 30, True),
    Column("per", "每次扣分", "number", "每出现一次扣的分，如 0.2", 9, True),
    Column("unit", "单位", "text", "可不填：如 人、次", 7),
    Column("max_count", "最多次数", "int", "可不填：最多计几次，如 制度未上墙 只计 1 次", 9),
))
ELEMENTS = Sheet("elements", "要素", "格式 2：elements（要素）类条目的要素，一行一个，按 条目编号 对应；每做到一项得该项分值，合计以"
                                     "条目满分为限（要素分值合计不能小于满分；大于满分即“做到其中几项即满分”）。", (
    Column("code", "条目编号", "text", "条目编号", 9, True, as_text=True),
    Column("key", "要素键", "text", "同一条目内不重复，如 plan（填答卷时用）", 9, True, as_text=True),
    Column("text", "要素", "text", "如 有年度教育计划", 30, True),
    Column("points", "分值", "number", "做到该项的得分，如 0.25", 7, True),
))
DOCUMENTS = Sheet("documents", "资料", "格式 2：需查资料中未提供时扣分的，在此逐行列出（一行一份，按 条目编号 对应，条目的全部资料"
                                       "按顺序写在这里）；缺资料扣分 填扣的分，或填 zero（记0分）表示未提供本条记 0 分，空着表示不扣分。", (
    Column("code", "条目编号", "text", "条目编号", 9, True, as_text=True),
    Column("name", "资料", "text", "资料名称，同一条目内不重复", 24, True),
    Column("missing", "缺资料扣分", "number", "未提供时扣的分（如 0.2），或 zero / 记0分（本条记 0 分）；空着：不扣分", 10),
))
REPLACE = Sheet("replace_items", "替换条目", "只用于叠加标准：按编号整条替换基础标准中的条目（位置不变），列同 条目 表；"
                                       "其选项、分档也写在 选项、分档 表中。",
                tuple(c for c in ITEM_COLUMNS if c.key != "category"), ignored=("category",))
REMOVE = Sheet("remove_items", "删除条目", "只用于叠加标准：按编号删除基础标准中的条目。", (
    Column("code", "条目编号", "text", "要删除的条目编号", 12, True, as_text=True),
))
SHEETS = (SETTINGS_SHEET, LEVELS, UNIT_TAGS, CATEGORIES, ITEMS, OPTIONS, BANDS, REASONS, ELEMENTS, DOCUMENTS, REPLACE,
          REMOVE)

GUIDE = (
    "每个工作表第一行是表头，写作“中文名 英文键”，程序按英文键识别列：列的顺序可以调整；以 # 开头或名为“备注”的列会被忽略。",
    "空行会被跳过；合并单元格按左上角的值计入被合并的每一格。",
    "数字可以是数字格式，也可以是文本格式（如 4、0.5、60%）。编号（1.1、2.10）和版本请设为文本格式，以免被改成数字或日期。",
    "是/否 列可填 是、否、TRUE、FALSE、1、0；类型、角色、方向 列有下拉选项，也可填中文（如 是否、评级、加分项）。",
    "基础标准：设置、等级、大项、条目 四张表必填；rubric 条目在 选项 表列出选项，number 条目在 分档 表列出分档。",
    "叠加标准（市、县细则）：在 设置 表填写 基础标准编号、基础标准版本。此时 大项 表各行是新增大项；条目 表中属于新增大项的条目"
    "随新增大项加入，属于基础标准已有大项的条目追加到该大项末尾；替换条目 表按编号整条替换；删除条目 表按编号删除；"
    "等级 表按等级键修改分数线或名称，新的等级键为新增等级。",
    "检查时，每个问题都指出单元格，如：标准.xlsx 条目!F12: 分值必须大于 0。",
    f"格式 2（{FORMAT}）在格式 1 之外可以写出下面这些规则；格式写 dabiao-checklist/1 的标准不能使用它们：",
    "　分值可以有两位小数：如 0.1、0.25、1.75（分值、选项、分档、要素、扣分都一样）。",
    "　评分点：扣分 类条目在 扣分细则 表逐个列出评分点，如 1.1 | a | 专武干部缺编 | 1 | 人；1.1 | b | 会议无记录 | 0.2 | 次，"
    "各自扣分，合计扣完为止。",
    "　要素：类型填 要素（elements），在 要素 表列出，如 5.2 | plan | 有年度教育计划 | 0.25（每做到一项得X分）。",
    "　线性计分：数值 类条目不写分档，填 线性基准值 96、基准得分 15、每档幅度 1、每档分值 5，即“96%得15分，每提高1%加5分”"
    "（每降低1%减5分）；低于基准记0 填 是 时，未达到 96% 即 0 分。报名10人得满分、每少一人扣0.1分：基准值 10、基准得分 0.5、"
    "每档幅度 1、每档分值 0.1。",
    "　资料扣分：在 资料 表列出条目的资料，缺资料扣分 填 0.2（未提供扣0.2分）或 记0分（查无台账不得分）。",
    "　否决记零：填 是 的条目已填且未满分时，总分记 0 分（如 出现空白村当年度考核不得分）；条件项分值可为 0。",
    "　单位标签：在 单位标签 表声明，如 big 大镇、small 小镇；条目的 只适用于 填 big 即只对大镇考评，不适用于 填 big 即大镇不考评。"
    "这样的条目互为替代时，总分 填各单位统一的满分（如 100）。",
    "　扣分上限：设置 表的 扣分上限 填 10，即扣分项合计最多扣 10 分。大项分值：大项 表的 分值 填写后用于核对其中条目分值合计。",
)
