"""The demo shop's words: categories with their keyword tables, and people's names.

Each category has head words (the product noun, never replaced in a title), filler
words that bring little search traffic, and long-tail keywords with a monthly search
volume and a competition index (0 = nobody bids on it, 1 = everybody does).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Keyword:
    """A search term of a category: how often it is searched and how contested it is."""

    text: str
    volume: int
    competition: float

    @property
    def score(self) -> float:
        """Worth of the keyword in a title: much searched, little contested."""
        return self.volume / (1 + self.competition)


@dataclass(frozen=True)
class Category:
    """A product category: the words titles are made of and its keyword table."""

    name: str
    head: tuple[str, ...]
    fillers: tuple[str, ...]
    keywords: tuple[Keyword, ...]
    price: tuple[float, float]  # typical price range

    def volume(self, word: str) -> int:
        """The monthly search volume of `word` in this category (0 if unknown)."""
        return next((k.volume for k in self.keywords if k.text == word), 0)


def _kw(*rows: tuple[str, int, float]) -> tuple[Keyword, ...]:
    return tuple(Keyword(*row) for row in rows)


CATEGORIES: tuple[Category, ...] = (
    Category(
        "连衣裙",
        head=("连衣裙",),
        fillers=("新款", "女装", "时尚", "气质", "潮流", "爆款"),
        keywords=_kw(
            ("法式复古", 52000, 0.35),
            ("碎花", 81000, 0.62),
            ("收腰显瘦", 46000, 0.28),
            ("小个子", 38000, 0.21),
            ("长裙", 90000, 0.80),
            ("雪纺", 30000, 0.40),
            ("通勤", 21000, 0.18),
            ("度假风", 17000, 0.12),
            ("方领", 12000, 0.09),
            ("泡泡袖", 15000, 0.22),
        ),
        price=(89, 399),
    ),
    Category(
        "蓝牙耳机",
        head=("蓝牙耳机",),
        fillers=("正品", "新款", "高品质", "官方", "热卖"),
        keywords=_kw(
            ("降噪", 120000, 0.85),
            ("真无线", 98000, 0.70),
            ("运动跑步", 40000, 0.30),
            ("超长续航", 56000, 0.33),
            ("半入耳式", 33000, 0.19),
            ("游戏低延迟", 27000, 0.15),
            ("骨传导", 45000, 0.52),
            ("学生党", 24000, 0.11),
        ),
        price=(59, 699),
    ),
    Category(
        "保温杯",
        head=("保温杯",),
        fillers=("家用", "精品", "新款", "礼品"),
        keywords=_kw(
            ("316不锈钢", 64000, 0.45),
            ("大容量", 70000, 0.66),
            ("便携", 36000, 0.25),
            ("儿童", 41000, 0.38),
            ("带茶隔", 18000, 0.08),
            ("办公室", 22000, 0.14),
            ("吸管", 29000, 0.27),
        ),
        price=(39, 259),
    ),
    Category(
        "面膜",
        head=("面膜",),
        fillers=("正品", "护肤", "女士", "专柜"),
        keywords=_kw(
            ("补水保湿", 150000, 0.90),
            ("玻尿酸", 60000, 0.48),
            ("敏感肌", 44000, 0.24),
            ("熬夜急救", 31000, 0.16),
            ("提亮", 26000, 0.29),
            ("清洁泥膜", 23000, 0.20),
            ("学生", 15000, 0.10),
        ),
        price=(29, 199),
    ),
    Category(
        "Running Shoes",
        head=("Running", "Shoes"),
        fillers=("New", "Hot", "Classic", "Quality", "Style"),
        keywords=_kw(
            ("Lightweight", 48000, 0.41),
            ("Breathable", 39000, 0.33),
            ("Wide", 21000, 0.12),
            ("Trail", 33000, 0.37),
            ("Cushioned", 26000, 0.19),
            ("Marathon", 14000, 0.22),
            ("Non-Slip", 17000, 0.09),
        ),
        price=(199, 899),
    ),
    Category(
        "Phone Case",
        head=("Phone", "Case"),
        fillers=("Cool", "Premium", "Cute", "Best", "Fashion"),
        keywords=_kw(
            ("MagSafe", 72000, 0.74),
            ("Shockproof", 51000, 0.44),
            ("Clear", 60000, 0.58),
            ("Slim", 42000, 0.36),
            ("Leather", 25000, 0.20),
            ("Kickstand", 16000, 0.07),
            ("Glitter", 12000, 0.10),
        ),
        price=(19, 129),
    ),
    Category(
        "茶叶",
        head=("茶叶",),
        fillers=("特级", "新茶", "礼盒装", "口粮茶"),
        keywords=_kw(
            ("明前龙井", 58000, 0.50),
            ("正山小种", 32000, 0.26),
            ("铁观音", 47000, 0.43),
            ("高山云雾", 19000, 0.11),
            ("浓香型", 22000, 0.17),
            ("散装", 16000, 0.08),
        ),
        price=(49, 599),
    ),
)

SURNAMES_ZH = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN_ZH = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "晓燕",
    "子轩",
    "梓涵",
    "一诺",
    "浩然",
    "欣怡",
)
FIRST_EN = (
    "Emma",
    "Liam",
    "Olivia",
    "Noah",
    "Ava",
    "Lucas",
    "Mia",
    "Ethan",
    "Chloe",
    "Leo",
    "Grace",
    "Ryan",
    "Sophie",
    "Daniel",
    "Zoe",
    "Jack",
)
LAST_EN = ("Smith", "Chen", "Wang", "Brown", "Lee", "Taylor", "Wong", "Martin", "Lin", "Clark")
REGIONS = (
    "广东",
    "浙江",
    "江苏",
    "上海",
    "北京",
    "山东",
    "四川",
    "福建",
    "湖北",
    "河南",
    "湖南",
    "陕西",
    "新疆",
    "西藏",
    "香港",
)
CAMPAIGNS = ("日常推广", "新品冲量", "大促预热", "品牌专区", "Search - Brand", "Search - Generic")
GOOD_REVIEWS = (
    "质量很好，物流也快",
    "很满意，会回购",
    "Great quality, fast shipping",
    "性价比高",
    "和描述一致，好评",
)
BAD_REVIEWS = (
    "质量太差了，和图片不一样",
    "发货太慢，客服不回复",
    "Broke after two days",
    "尺码偏小，退货麻烦",
    "有异味，不推荐",
)
