"""Plausible Chinese names for a generated province (storage/generate.py): the 军分区,
counties, towns, enterprises, 民兵营连 and people, built from syllable lists and drawn
from one random.Random, so the same seed gives the same names. Every unit name is unique
in the province, so a name alone finds it on the command line."""

from __future__ import annotations

import random

FIRST = ("东 西 南 北 中 上 下 新 大 小 高 平 清 青 白 金 石 桃 龙 凤 安 永 长 兴 华 明 宝 福 寿 太 "
         "仁 和 义 顺 泰 丰 富 德 文 武 双 三 马 黄 红 云 天 乐 惠 临 阳 柳 杨 梅 兰 竹 松 古 鹤 "
         "莲 花 泉 溪 沙 岳 汉 嘉 庆 吉 利 宁 建 广 开 保 定 通 合 乌 樟 枫 栗 桑").split()
TOWN_SECOND = ("山 河 桥 湾 坪 岭 溪 塘 庄 坝 口 集 店 铺 堡 寨 营 屯 沟 洲 埠 港 滩 岗 坡 冲 源 泉 "
               "水 田 林 峰 阳 川 城 头 门 关 台 岩 市 圩 渡 湖 滨 坊").split()
COUNTY_SECOND = "阳 城 安 平 宁 江 川 山 水 源 丰 昌 兴 华 化 乡 陵 德 泽 定".split()
CITY_FIRST = "青 临 安 庆 宁 泰 嘉 武 永 云 汉 通".split()
CITY_SECOND = "州 阳 江 川 城 山".split()
SURNAMES = "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐 许 韩 冯 邓 曹".split()
GIVEN = "伟 芳 娜 敏 静 磊 强 军 洋 勇 艳 杰 涛 明 超 兵 刚 平 辉 鹏 华 飞 鑫 波 斌 宇 浩 凯 健 俊 峰 建 国 红 林".split()
INDUSTRIES = ("供电公司 水务集团 化肥厂 水泥厂 钢铁公司 纺织厂 煤矿 港务公司 汽车运输公司 发电厂 "
              "粮油公司 建筑公司 制药厂 机械厂 林场").split()
MILITIA_UNITS = ("民兵应急连", "基干民兵连", "民兵应急排", "专业技术民兵排")


class Namer:
    """Unique names for one province, drawn from `rnd`."""

    def __init__(self, rnd: random.Random):
        self.rnd = rnd
        self.taken: set[str] = set()

    def _unique(self, make) -> str:
        for _ in range(10_000):
            name = make()
            if name not in self.taken:
                self.taken.add(name)
                return name
        raise ValueError("名称用尽：生成的单位太多")

    def city(self) -> str:
        """军分区: 青州军分区."""
        r = self.rnd
        return self._unique(lambda: r.choice(CITY_FIRST) + r.choice(CITY_SECOND) + "军分区")

    def county(self) -> str:
        """县（市、区）: 青阳县, 东城区, 临江市 (most are 县)."""
        r = self.rnd
        return self._unique(lambda: r.choice(FIRST) + r.choice(COUNTY_SECOND)
                            + r.choice(("县",) * 8 + ("区", "区", "市")))

    def town(self) -> str:
        """乡镇（街道）: 桃源镇, 白沙乡, 新桥街道."""
        r = self.rnd
        return self._unique(lambda: r.choice(FIRST) + r.choice(TOWN_SECOND)
                            + r.choice(("镇",) * 6 + ("乡", "乡", "街道")))

    def enterprise(self, county: str) -> str:
        """企业: the county's name without 县/区/市 and an industry (青阳供电公司)."""
        base = county[:-1]
        return self._unique(lambda: base + self.rnd.choice(INDUSTRIES))

    def militia(self, town: str, k: int) -> str:
        """民兵营连 of a town: 桃源镇民兵应急连 (the second one of a town: 基干民兵连 ...)."""
        unit = MILITIA_UNITS[k % len(MILITIA_UNITS)] + (f"{k // len(MILITIA_UNITS) + 1}" if k >= len(MILITIA_UNITS)
                                                         else "")
        return self._unique(lambda: town + unit)

    def person(self) -> str:
        """A person's name of two or three characters (not required to be unique)."""
        r = self.rnd
        return r.choice(SURNAMES) + r.choice(GIVEN) + (r.choice(GIVEN) if r.random() < 0.5 else "")
