"""The global default dictionary for a municipal culture and tourism bureau (市文旅局).

Every entry is meant to be defensible on its own; fewer and right beats many and doubtful, because each
false alarm teaches reviewers to click warnings away. What was left out on purpose:
- 国家文物局 is a current institution (not outdated); 国家级 is part of official names (国家级非物质文化
  遗产代表性项目, 国家级风景名胜区) and is not flagged; 最佳 appears in ordinary sentences.
- Secrecy levels alone (绝密, 机密, 秘密) are ordinary words in 保守国家秘密 and in the 保密法's own
  sentence "国家秘密的密级分为绝密、机密、秘密三级"; only the marker form of GB/T 9704-2012 (level, ★,
  period) and the printed marker phrases block publication.
- 内部资料 alone is a warning, and not at all in 内部资料性出版物 (a category the bureau itself licenses).
- 北朝鲜 is not listed: "北朝鲜卑" (the Xianbei of the Northern Dynasties) is common in Shanxi
  archaeology.
Outdated names are warnings, not blocks: a document may name the former body on purpose ("原文化部"
is shielded by an exception; other historical mentions are acknowledged by the reviewer).
"""

from __future__ import annotations

from gongkai.review.scanner import Term

_MINISTRY = "文化和旅游部"
_PROVINCE_BUREAU = "山西省文化和旅游厅"
_CITY_BUREAU = "晋中市文化和旅游局"

# 2018 institutional reform (国务院机构改革方案) and the province's and city's reforms that followed.
OUTDATED_NAMES = {
    "国家旅游局": _MINISTRY,
    "文化部": _MINISTRY,
    "国家新闻出版广电总局": "国家广播电视总局(新闻出版、电影职责已划入中央宣传部)",
    "国务院法制办公室": "司法部",
    "国务院法制办": "司法部",
    "国家工商行政管理总局": "国家市场监督管理总局",
    "中央网络安全和信息化领导小组": "中央网络安全和信息化委员会",
    "山西省文化厅": _PROVINCE_BUREAU,
    "山西省旅游发展委员会": _PROVINCE_BUREAU,
    "山西省旅游局": _PROVINCE_BUREAU,
    "晋中市文化局": _CITY_BUREAU,
    "晋中市旅游发展委员会": _CITY_BUREAU,
    "晋中市旅游局": _CITY_BUREAU,
    # 《文物保护法实施细则》(1992) was replaced by the 实施条例 in 2003.
    "文物保护法实施细则": "文物保护法实施条例",
}

# Misspellings seen in official writing, with the correct form. Mostly four-character idioms, which
# cannot occur by accident across word boundaries; the two-character ones were checked for that too.
TYPOS = {
    "布署": "部署",
    "即然": "既然",
    "震憾": "震撼",
    "松驰": "松弛",
    "渲泄": "宣泄",
    "脉膊": "脉搏",
    "按步就班": "按部就班",
    "迫不急待": "迫不及待",
    "再接再励": "再接再厉",
    "一愁莫展": "一筹莫展",
    "不径而走": "不胫而走",
    "穿流不息": "川流不息",
    "甘败下风": "甘拜下风",
    "鬼鬼崇崇": "鬼鬼祟祟",
    "声名雀起": "声名鹊起",
    "谈笑风声": "谈笑风生",
    "一如继往": "一如既往",
    "既往不究": "既往不咎",
    "默守成规": "墨守成规",
    "出奇不意": "出其不意",
    "变本加利": "变本加厉",
    "记忆尤新": "记忆犹新",
    "如火如茶": "如火如荼",
    "滥芋充数": "滥竽充数",
    "走头无路": "走投无路",
    "矫揉造做": "矫揉造作",
    "食不裹腹": "食不果腹",
    "针贬时弊": "针砭时弊",
    "黄梁美梦": "黄粱美梦",
    "美仑美奂": "美轮美奂",
    "流光溢采": "流光溢彩",
    "提纲契领": "提纲挈领",
    "言简意骇": "言简意赅",
    "破斧沉舟": "破釜沉舟",
    "一股作气": "一鼓作气",
    "有持无恐": "有恃无恐",
    "再所难免": "在所难免",
    "精兵减政": "精兵简政",
    "以身作责": "以身作则",
    "众志成诚": "众志成城",
    "竞竞业业": "兢兢业业",
    "淋漓尽至": "淋漓尽致",
    "相辅相承": "相辅相成",
    "直接了当": "直截了当",
    "一张一驰": "一张一弛",
    "既往开来": "继往开来",
    "融汇贯通": "融会贯通",
    "莫明其妙": "莫名其妙",
    "坚苦奋斗": "艰苦奋斗",
    "名列前矛": "名列前茅",
    "按耐不住": "按捺不住",
    "通货膨涨": "通货膨胀",
}

# Wrong forms of official names and formulas: there is no law or regulation of that name, or the
# formula has a fixed wording.
WRONG_FORMS = {
    "中华人民共和国信息公开条例": "中华人民共和国政府信息公开条例",
    "中华人民共和国政府信息公开法": "中华人民共和国政府信息公开条例",
    "中华人民共和国非物质文化遗产保护法": "中华人民共和国非物质文化遗产法",
    "中华人民共和国文物法": "中华人民共和国文物保护法",
    "习近平中国特色社会主义思想": "习近平新时代中国特色社会主义思想",
    "习近平总书记新时代中国特色社会主义思想": "习近平新时代中国特色社会主义思想",
    "依申请公示": "依申请公开",
    # 截止 takes no object; 截至 does.
    "截止目前": "截至目前",
}
# Political naming (新华社 禁用词和慎用词): 台湾总统 has no legitimate use in a bureau's documents and
# blocks; 台湾政府 is a warning (it could be the start of a longer name the reviewer should see).
WRONG_BLOCKING = {
    "台湾总统": "台湾地区领导人",
}
WRONG_POLITICAL = {
    "台湾政府": "台湾当局",
}

# GB/T 9704-2012 7.2.2: secrecy level and period separated by ★ ("机密★1年", "秘密★启用前").
SECRECY_MARKERS = ["绝密★", "机密★", "秘密★"]
# Marker phrases printed on internal material, with the separators Word documents use between them.
_MARKER_HEADS = ("内部资料", "内部文件")
_MARKER_TAILS = ("注意保存", "注意保密", "请勿外传", "不得外传")
_MARKER_SEPARATORS = ("", " ", "\u3000", ",", "\uff0c")
INTERNAL_MARKERS = [
    head + separator + tail
    for head in _MARKER_HEADS
    for tail in _MARKER_TAILS
    for separator in _MARKER_SEPARATORS
]

# Warnings: the reviewer looks at the context.
SENSITIVE = {
    # 《广告法》第九条(三): no 最高级 or similar absolute claims in promotion of attractions.
    "最高级": "删除绝对化用语(《广告法》第九条)",
    "顶级": "删除绝对化用语(《广告法》第九条)",
    "第一品牌": "删除绝对化用语(《广告法》第九条)",
    # Hints of internal material.
    "内部资料": "确认是否为不宜公开的内部资料",
    "仅供内部参考": "确认是否为不宜公开的内部资料",
    "不得外传": "确认是否为不宜公开的内部资料",
    "请勿外传": "确认是否为不宜公开的内部资料",
}

DEFAULT_EXCEPTIONS: dict[str, tuple[str, ...]] = {
    # The former bodies named as such are correct; 文化部门 and 文化部分 are ordinary words.
    "文化部": ("原文化部", "文化部门", "文化部分", "文化部落"),
    "国家旅游局": ("原国家旅游局",),
    "山西省文化厅": ("原山西省文化厅",),
    "山西省旅游发展委员会": ("原山西省旅游发展委员会",),
    "山西省旅游局": ("原山西省旅游局",),
    "晋中市文化局": ("原晋中市文化局",),
    "晋中市旅游发展委员会": ("原晋中市旅游发展委员会",),
    "晋中市旅游局": ("原晋中市旅游局",),
    "国家新闻出版广电总局": ("原国家新闻出版广电总局",),
    "国务院法制办公室": ("原国务院法制办公室",),
    "国务院法制办": ("原国务院法制办",),
    "国家工商行政管理总局": ("原国家工商行政管理总局",),
    # 最高级别 (the highest level of a response) is not a claim, nor is a 顶级域名 (top-level domain).
    "最高级": ("最高级别",),
    "顶级": ("顶级域名",),
    # 发布署名文章: 发布 followed by 署名.
    "布署": ("发布署名", "公布署名"),
    # Titles of compilations of laws, not the law's name.
    "中华人民共和国文物法": ("中华人民共和国文物法律", "中华人民共和国文物法规"),
    # 内部资料性出版物 (and its 准印证) is a licensed category of publication.
    "内部资料": ("内部资料性出版物", "内部资料准印证"),
}


def _terms(entries: dict[str, str], category: str, severity: str) -> list[Term]:
    return [Term(text, category, severity, suggestion) for text, suggestion in entries.items()]


DEFAULT_TERMS: list[Term] = [
    *_terms(OUTDATED_NAMES, "outdated", "warning"),
    *_terms(TYPOS, "typo", "warning"),
    *_terms(WRONG_FORMS, "wrong", "warning"),
    *_terms(WRONG_BLOCKING, "wrong", "blocking"),
    *_terms(WRONG_POLITICAL, "wrong", "warning"),
    *_terms(SENSITIVE, "sensitive", "warning"),
    *(Term(marker, "forbidden", "blocking", "删除密级标志;涉密信息不得公开") for marker in SECRECY_MARKERS),
    *(Term(marker, "forbidden", "blocking", "删除内部资料标志并确认可以公开") for marker in INTERNAL_MARKERS),
]
