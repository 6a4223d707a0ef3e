"""The default basic catalogue (基本目录) of a municipal culture and tourism bureau (市文化和旅游局).

It covers the proactive-disclosure content of 政府信息公开条例 第20条 that applies to such a bureau
(机构职能, 规章和规范性文件, 规划计划, 统计, 许可, 处罚和强制, 预决算, 收费, 采购, 重大建设项目,
公益事业, 应急预案, 公务员招考录用 …) and the items of the culture and tourism / public cultural service
standard catalogue (公共文化服务, 文物保护, 非物质文化遗产, A级旅游景区, 旅行社, 文化市场, 政策解读,
回应关切, 工作动态 …).

Codes are hierarchical, two digits per level: "01" is a heading, "0101" a column under it; the parent of
a code is the code without its last two digits. ``department`` is a department code hint (the codes a
bureau typically uses); the loader resolves it when the organisation has that department (or, for the
office and the policy section, a department of that kind) and otherwise leaves it empty.

``document_kind`` marks the 政府信息公开年报 column (the portal lists it, the annual report is published in
it). No column is marked 规章: a municipal bureau does not make 规章 (立法法 第93条: 设区的市人民政府 does),
so "0201" holds the laws and regulations the bureau applies, which the annual report does not count.
"""

from __future__ import annotations

from dataclasses import dataclass

from .constants import ColumnKind as K
from .constants import UpdateFrequency as F

# Department code hints, and the department kind each falls back to when the code is absent.
OFFICE = "bgs"  # 办公室
POLICY = "zcfgk"  # 政策法规科
PUBLIC_SERVICE = "ggfwk"  # 公共服务科
HERITAGE = "wwk"  # 文物保护科
MARKET = "scglk"  # 市场管理科
RESOURCES = "zykfk"  # 资源开发科
INDUSTRY = "cyfzk"  # 产业发展科
ARTS = "ysk"  # 艺术科

KIND_FALLBACK = {OFFICE: "office", POLICY: "policy"}


@dataclass(frozen=True)
class DefaultEntry:
    code: str
    name: str
    content_type: str = ""
    department: str = OFFICE
    update_frequency: str = F.AS_NEEDED
    column_kind: str = K.OTHER
    interpretation: str = ""
    document_kind: str = ""  # catalogue.models.DocumentKind: "regulation" (规章) or "annual_report"

    @property
    def parent_code(self) -> str | None:
        return self.code[:-2] or None


E = DefaultEntry

DEFAULT_CATALOGUE: list[DefaultEntry] = [
    E("01", "机构职能"),
    E("0101", "机构职能", "机构名称、主要职责、办公地址、办公时间、联系方式"),
    E("0102", "领导信息", "领导姓名、职务、分工"),
    E("0103", "内设机构和直属单位", "内设机构和直属单位的名称、职责、联系方式"),
    E("02", "法规文件", department=POLICY),
    E("0201", "法律法规和规章", "本部门执行的文化和旅游法律、法规、规章", POLICY, F.AS_NEEDED, K.POLICY),
    E(
        "0202",
        "行政规范性文件",
        "本局制定的行政规范性文件及其有效性",
        POLICY,
        F.REAL_TIME,
        K.POLICY,
        "normative",
    ),
    E("0203", "其他文件", "本局发布的其他政策文件", OFFICE, F.REAL_TIME, K.POLICY, "required"),
    E("0204", "政策解读", "文件解读、图解、答记者问等解读材料", POLICY, F.REAL_TIME, K.POLICY, "column"),
    E("0205", "规范性文件清理", "规范性文件清理结果和目录", POLICY, F.YEARLY, K.POLICY),
    E("03", "规划计划"),
    E("0301", "发展规划", "文化和旅游发展规划、专项规划", INDUSTRY, F.AS_NEEDED, K.POLICY, "required"),
    E("0302", "年度工作计划和总结", "年度工作要点、计划和总结", OFFICE, F.YEARLY, K.OTHER),
    E("04", "统计信息", department=RESOURCES),
    E("0401", "文化和旅游统计数据", "文化和旅游统计公报、统计数据", INDUSTRY, F.QUARTERLY, K.OTHER),
    E("0402", "旅游市场运行", "节假日和月度旅游市场运行情况", RESOURCES, F.MONTHLY, K.OTHER),
    E("05", "行政许可", department=MARKET),
    E(
        "0501",
        "许可事项和办事指南",
        "许可事项、依据、条件、程序、期限、所需材料",
        MARKET,
        F.AS_NEEDED,
        K.OTHER,
    ),
    E("0502", "许可办理结果", "行政许可决定和办理结果公示", MARKET, F.REAL_TIME, K.POLICY),
    E("06", "行政处罚和行政强制", department=MARKET),
    E(
        "0601",
        "处罚和强制的依据、条件、程序",
        "行政处罚、行政强制的依据、条件、程序",
        MARKET,
        F.AS_NEEDED,
        K.POLICY,
    ),
    E("0602", "行政处罚决定", "具有一定社会影响的行政处罚决定", MARKET, F.REAL_TIME, K.POLICY),
    E("0603", "双随机一公开", "文化市场随机抽查事项清单、计划和抽查结果", MARKET, F.QUARTERLY, K.POLICY),
    E("0604", "行政执法统计年报", "行政执法数据统计年报", MARKET, F.YEARLY, K.OTHER),
    E("07", "财政信息"),
    E("0701", "部门预算", "部门预算及说明", OFFICE, F.YEARLY, K.OTHER),
    E("0702", "部门决算", "部门决算及说明", OFFICE, F.YEARLY, K.OTHER),
    E("0703", "“三公”经费", "“三公”经费预算和决算", OFFICE, F.YEARLY, K.OTHER),
    E("08", "行政事业性收费"),
    E("0801", "收费项目、依据和标准", "行政事业性收费的项目、依据、标准", OFFICE, F.AS_NEEDED, K.OTHER),
    E("09", "政府采购"),
    E("0901", "政府集中采购", "政府集中采购项目的目录、标准和实施情况", OFFICE, F.REAL_TIME, K.POLICY),
    E("10", "重大建设项目", department=INDUSTRY),
    E("1001", "重大建设项目", "文化和旅游重大建设项目的批准和实施情况", INDUSTRY, F.AS_NEEDED, K.POLICY),
    E("11", "公共文化服务", department=PUBLIC_SERVICE),
    E(
        "1101",
        "公共文化设施",
        "公共图书馆、文化馆(站)、博物馆等设施名录和开放信息",
        PUBLIC_SERVICE,
        F.AS_NEEDED,
        K.OTHER,
    ),
    E(
        "1102",
        "基本公共文化服务标准",
        "基本公共文化服务实施标准和服务目录",
        PUBLIC_SERVICE,
        F.YEARLY,
        K.POLICY,
    ),
    E("1103", "文化惠民活动", "群众文化活动、送戏下乡、公益演出和展览", PUBLIC_SERVICE, F.MONTHLY, K.NEWS),
    E("1104", "免费开放", "公共文化场馆免费开放项目和时间", PUBLIC_SERVICE, F.AS_NEEDED, K.OTHER),
    E("12", "文物保护", department=HERITAGE),
    E("1201", "文物保护单位", "各级文物保护单位名录和保护范围", HERITAGE, F.AS_NEEDED, K.OTHER),
    E("1202", "文物保护工作", "文物保护、考古和博物馆工作情况", HERITAGE, F.QUARTERLY, K.NEWS),
    E("1203", "文物行政审批", "文物保护工程和考古发掘相关审批结果", HERITAGE, F.REAL_TIME, K.POLICY),
    E("13", "非物质文化遗产", department=PUBLIC_SERVICE),
    E(
        "1301",
        "非遗代表性项目和传承人",
        "非物质文化遗产代表性项目和代表性传承人名录",
        PUBLIC_SERVICE,
        F.AS_NEEDED,
        K.OTHER,
    ),
    E("1302", "非遗保护工作", "非遗保护、传承和展示活动", PUBLIC_SERVICE, F.QUARTERLY, K.NEWS),
    E("14", "旅游服务", department=RESOURCES),
    E("1401", "A级旅游景区", "A级旅游景区名录、评定和复核结果", RESOURCES, F.AS_NEEDED, K.OTHER),
    E("1402", "旅行社", "旅行社名录、设立和变更信息", MARKET, F.AS_NEEDED, K.OTHER),
    E("1403", "旅游提示", "旅游安全提示和出游提醒", RESOURCES, F.AS_NEEDED, K.POLICY),
    E("1404", "旅游投诉处理", "旅游投诉渠道和处理情况", MARKET, F.QUARTERLY, K.OTHER),
    E("15", "文化市场", department=MARKET),
    E("1501", "文化市场经营单位", "娱乐场所、网吧、演出场所等经营单位信息", MARKET, F.AS_NEEDED, K.OTHER),
    E("1502", "文化市场监管", "文化市场专项整治、综合执法和信用监管", MARKET, F.QUARTERLY, K.POLICY),
    E("16", "文化产业和艺术", department=INDUSTRY),
    E("1601", "文化产业", "文化产业项目、扶持政策和发展情况", INDUSTRY, F.QUARTERLY, K.POLICY),
    E("1602", "艺术创作和演出", "艺术创作、演出和展览活动", ARTS, F.QUARTERLY, K.NEWS),
    E("17", "突发公共事件应对"),
    E("1701", "应急预案", "突发公共事件应急预案", OFFICE, F.AS_NEEDED, K.POLICY),
    E("1702", "预警信息和应对情况", "预警信息及应对情况", OFFICE, F.REAL_TIME, K.NEWS),
    E("18", "人事信息"),
    E("1801", "公务员招考录用", "公务员招考的职位、名额、报考条件和录用结果", OFFICE, F.AS_NEEDED, K.POLICY),
    E("1802", "事业单位公开招聘", "直属事业单位公开招聘信息", OFFICE, F.AS_NEEDED, K.POLICY),
    E("1803", "人事任免", "人事任免信息", OFFICE, F.AS_NEEDED, K.POLICY),
    E("19", "回应关切"),
    E("1901", "回应关切", "对社会关切的回应", OFFICE, F.REAL_TIME, K.NEWS),
    E("1902", "建议提案办理", "人大代表建议和政协委员提案办理结果", OFFICE, F.YEARLY, K.OTHER),
    E("20", "工作动态"),
    E("2001", "工作动态", "本局工作动态", OFFICE, F.REAL_TIME, K.NEWS),
    E("2002", "通知公告", "通知、公告、公示", OFFICE, F.REAL_TIME, K.POLICY),
    # 公众参与 (seed 五): pre-disclosure of major decisions and the feedback on the opinions received.
    E("22", "公众参与"),
    E(
        "2201",
        "意见征集",
        "重大行政决策和行政规范性文件草案公开征求意见(预公开)",
        POLICY,
        F.AS_NEEDED,
        K.POLICY,
    ),
    E("2202", "意见采纳情况反馈", "征求意见结束后公布意见采纳情况及理由", POLICY, F.AS_NEEDED, K.POLICY),
    # 条例 第49–50条: the annual report, published by 31 January in a column of its own.
    E("21", "政府信息公开年报"),
    E(
        "2101",
        "政府信息公开年报",
        "本局政府信息公开工作年度报告(每年1月31日前公布上一年度报告)",
        OFFICE,
        F.YEARLY,
        K.OTHER,
        document_kind="annual_report",
    ),
]
