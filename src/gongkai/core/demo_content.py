"""The demo organisation: 晋中市文化和旅游局, its departments, people, catalogue and published items.

Titles and document numbers are modelled on the kind of information a municipal culture and tourism
bureau discloses; they are sample content, not real documents.
"""

ORG = {
    "code": "jz-lfw",
    "name": "晋中市文化和旅游局",
    "short_name": "晋中市文旅局",
    "site_domain": "wlj.sxjz.gov.cn",
    "site_id_code": "1407000033",
}

# code, name, kind
DEPARTMENTS = [
    ("bgs", "办公室", "office"),
    ("zcfgk", "政策法规科", "policy"),
    ("ysk", "艺术科", "business"),
    ("ggfwk", "公共服务科", "business"),
    ("cyfzk", "产业发展科", "business"),
    ("scglk", "市场管理科", "business"),
    ("wwk", "文物保护科", "business"),
    ("zykfk", "资源开发科", "business"),
    ("jld", "局领导", "leadership"),
]

# username, full name, department code, roles, can fast-track
PEOPLE = [
    ("drafter", "王晓明", "ysk", ["drafter"], False),
    ("depthead", "李建华", "ysk", ["department_head"], False),
    ("secrecy", "赵敏", "bgs", ["confidentiality_reviewer"], False),
    ("editor", "陈静", "bgs", ["office_editor"], True),
    ("leader", "张国强", "jld", ["leader"], False),
    ("policy", "刘洋", "zcfgk", ["policy_reviewer", "drafter"], False),
    ("sysadmin", "孙立", "bgs", ["system_admin"], False),
    ("secadmin", "周文", "bgs", ["security_admin"], False),
    ("auditor", "吴芳", "bgs", ["audit_admin"], False),
    ("monitor", "杨帆", "bgs", ["concern_monitor"], False),
    # A drafter and a head in every other producing department, so each can publish its own items.
    ("ggfw_drafter", "郑丽", "ggfwk", ["drafter"], False),
    ("ggfw_head", "冯涛", "ggfwk", ["department_head"], False),
    ("cyfz_drafter", "何平", "cyfzk", ["drafter"], False),
    ("cyfz_head", "许刚", "cyfzk", ["department_head"], False),
    ("scgl_drafter", "高雪", "scglk", ["drafter"], False),
    ("scgl_head", "马骏", "scglk", ["department_head"], False),
    ("ww_drafter", "林森", "wwk", ["drafter"], False),
    ("ww_head", "罗斌", "wwk", ["department_head"], False),
    ("zykf_drafter", "宋佳", "zykfk", ["drafter"], False),
    ("zykf_head", "唐亮", "zykfk", ["department_head"], False),
    ("bgs_drafter", "韩冰", "bgs", ["drafter"], False),
    ("bgs_head", "邓伟", "bgs", ["department_head"], False),
    ("zcfg_head", "曹阳", "zcfgk", ["department_head"], False),
    ("editor2", "彭燕", "bgs", ["office_editor"], False),
]

TOPICS = [
    ("xxgkzd", "信息公开制度与保障"),
    ("whys", "文化艺术"),
    ("ly", "旅游"),
    ("wwbh", "文物保护"),
    ("ggwh", "公共文化服务"),
    ("whsc", "文化市场"),
    ("fy", "非物质文化遗产"),
    ("zcfg", "政策法规"),
    ("jgzn", "机构职能"),
    ("czzj", "财政资金"),
    ("rsxx", "人事信息"),
]

# The catalogue is the default basic catalogue of gongkai.catalogue.default_catalogue.

# title, department code, catalogue code, topic code, document number, formed date,
# attachment kind (None / "pdf" / "docx"), abolished date (None or ISO)
ITEMS = [
    ("晋中市文化和旅游局政府信息主动公开工作规范", "bgs", "0203", "xxgkzd", "", "2022-07-11", "docx", None),
    ("晋中市文化和旅游局机构职能", "bgs", "0101", "jgzn", "", "2024-03-01", None, None),
    ("晋中市文化和旅游局领导班子成员及分工", "bgs", "0102", "jgzn", "", "2025-06-12", None, None),
    (
        "晋中市文化和旅游局关于规范旅行社经营行为的若干规定",
        "zcfgk",
        "0202",
        "zcfg",
        "市文旅规〔2023〕1号",
        "2023-04-18",
        "pdf",
        "2025-12-31",
    ),
    (
        "晋中市文化和旅游局关于进一步规范旅行社经营行为的规定",
        "zcfgk",
        "0202",
        "zcfg",
        "市文旅规〔2025〕2号",
        "2025-11-20",
        "pdf",
        None,
    ),
    (
        "晋中市A级旅游景区管理办法(试行)",
        "zcfgk",
        "0202",
        "ly",
        "市文旅规〔2022〕3号",
        "2022-05-09",
        "docx",
        "2024-06-30",
    ),
    ("晋中市A级旅游景区管理办法", "zcfgk", "0202", "ly", "市文旅规〔2024〕1号", "2024-06-20", "docx", None),
    (
        "晋中市文化和旅游行政处罚裁量基准",
        "zcfgk",
        "0202",
        "zcfg",
        "市文旅规〔2024〕2号",
        "2024-09-02",
        "pdf",
        None,
    ),
    (
        "晋中市文化和旅游局2025年政务公开工作要点",
        "bgs",
        "0203",
        "xxgkzd",
        "市文旅发〔2025〕8号",
        "2025-03-14",
        None,
        None,
    ),
    (
        "晋中市文化和旅游局2026年政务公开工作要点",
        "bgs",
        "0203",
        "xxgkzd",
        "市文旅发〔2026〕6号",
        "2026-03-10",
        None,
        None,
    ),
    (
        "晋中市“十四五”文化和旅游发展规划",
        "bgs",
        "0301",
        "ly",
        "市文旅发〔2021〕35号",
        "2021-12-20",
        "pdf",
        None,
    ),
    ("晋中市文化和旅游局2026年部门预算", "bgs", "0701", "czzj", "", "2026-02-06", "pdf", None),
    ("晋中市文化和旅游局2025年部门决算", "bgs", "0702", "czzj", "", "2026-08-20", "pdf", None),
    ("晋中市文化和旅游局2024年部门决算", "bgs", "0702", "czzj", "", "2025-08-22", "pdf", None),
    (
        "关于公布2026年第一批文化市场“双随机一公开”抽查结果的公告",
        "scglk",
        "0603",
        "whsc",
        "",
        "2026-04-15",
        None,
        None,
    ),
    (
        "关于公布2026年第二批文化市场“双随机一公开”抽查结果的公告",
        "scglk",
        "0603",
        "whsc",
        "",
        "2026-07-16",
        None,
        None,
    ),
    (
        "关于公布2026年第三批文化市场“双随机一公开”抽查结果的公告",
        "scglk",
        "0603",
        "whsc",
        "",
        "2026-10-20",
        None,
        None,
    ),
    ("营业性演出许可审批结果公示(2026年10月)", "scglk", "0502", "whsc", "", "2026-11-03", None, None),
    ("娱乐场所经营许可审批结果公示(2026年10月)", "scglk", "0502", "whsc", "", "2026-11-04", None, None),
    (
        "晋中市文化和旅游局行政处罚决定书(晋中文旅罚〔2026〕5号)",
        "scglk",
        "0602",
        "whsc",
        "晋中文旅罚〔2026〕5号",
        "2026-09-08",
        None,
        None,
    ),
    (
        "关于开展2026年“文化和自然遗产日”系列活动的通知",
        "wwk",
        "1202",
        "wwbh",
        "市文旅发〔2026〕21号",
        "2026-05-28",
        None,
        None,
    ),
    (
        "晋中市第八批市级文物保护单位名单",
        "wwk",
        "1201",
        "wwbh",
        "市文旅发〔2025〕30号",
        "2025-09-16",
        "docx",
        None,
    ),
    (
        "关于加强汛期文物安全工作的紧急通知",
        "wwk",
        "1202",
        "wwbh",
        "市文旅明电〔2026〕3号",
        "2026-07-02",
        None,
        None,
    ),
    (
        "晋中市第六批市级非物质文化遗产代表性项目名录",
        "ysk",
        "1301",
        "fy",
        "市文旅发〔2025〕41号",
        "2025-12-05",
        "docx",
        None,
    ),
    (
        "关于举办2026年晋中市非遗展演活动的通知",
        "ysk",
        "1302",
        "fy",
        "市文旅发〔2026〕33号",
        "2026-08-12",
        None,
        None,
    ),
    ("2026年晋中市“村晚”示范展示活动方案", "ysk", "1103", "whys", "", "2026-01-08", None, None),
    ("晋中市公共图书馆、文化馆免费开放服务目录", "ggfwk", "1104", "ggwh", "", "2025-04-02", "pdf", None),
    ("2026年“送戏下乡”惠民演出计划", "ggfwk", "1103", "ggwh", "", "2026-03-03", None, None),
    ("晋中市A级旅游景区名录(2026年10月更新)", "zykfk", "1401", "ly", "", "2026-10-28", "pdf", None),
    ("2026年国庆假期全市旅游市场运行情况", "zykfk", "0402", "ly", "", "2026-10-08", None, None),
    (
        "关于推荐2026年度省级文化产业示范基地的通知",
        "cyfzk",
        "1601",
        "whys",
        "市文旅函〔2026〕44号",
        "2026-06-18",
        None,
        None,
    ),
    ("晋中市促进文旅消费十条措施", "cyfzk", "1601", "ly", "市文旅发〔2026〕15号", "2026-04-22", "docx", None),
    ("晋中市文化和旅游局召开2026年安全生产工作会议", "bgs", "2001", "jgzn", "", "2026-02-27", None, None),
    ("晋中市文化和旅游局2025年法治政府建设年度报告", "zcfgk", "0203", "zcfg", "", "2026-01-20", None, None),
]

# abolished title -> the title that replaces it
REPLACED_BY = {
    "晋中市文化和旅游局关于规范旅行社经营行为的若干规定": "晋中市文化和旅游局关于进一步规范旅行社经营行为的规定",
    "晋中市A级旅游景区管理办法(试行)": "晋中市A级旅游景区管理办法",
}

GUIDE_TITLE = "晋中市文化和旅游局政府信息公开指南"
GUIDE_HTML = """
<h2>一、主动公开</h2>
<p>本局按照《中华人民共和国政府信息公开条例》和本局政府信息主动公开基本目录,通过本平台主动公开政府信息。
主动公开的政府信息自形成或者变更之日起20个工作日内予以公开。</p>
<h2>二、依申请公开</h2>
<p>公民、法人或者其他组织可以向本局申请获取相关政府信息。申请应当采用书面形式,
包括申请人的姓名或者名称、身份证明、联系方式,以及申请公开的政府信息的名称、文号或者便于查询的其他特征性描述。</p>
<h2>三、受理机构</h2>
<p>晋中市文化和旅游局办公室。工作时间:法定工作日上午8:00—12:00,下午14:30—17:30。</p>
<h2>四、监督和救济</h2>
<p>公民、法人或者其他组织认为本局在政府信息公开工作中侵犯其合法权益的,可以依法申请行政复议或者提起行政诉讼。</p>
"""

RULES_TITLE = "晋中市文化和旅游局政府信息主动公开工作规范"
RULES_HTML = """
<p>本规范规定了政府信息主动公开工作中信息发布、政策解读、回应关切和公众参与的要求,适用于本局机关各科室。</p>
<h2>一、信息发布</h2>
<p>坚持“先审查、后发布”和“谁制作、谁审查、谁负责”的原则。拟发布的政府信息的公开属性为“主动公开”;
科室填写《政府信息公开审批表》,登记建档备查;两个以上科室共同制作的政府信息,由牵头制作的科室负责公开。</p>
<h2>二、政策解读</h2>
<p>坚持“应解读、尽解读”和“谁起草、谁解读”的原则。解读材料原则上与文件同步公开,最迟不超过10个工作日。</p>
<h2>三、回应关切</h2>
<p>建立健全政务舆情收集、会商、研判、回应、评估机制,对涉及本部门的重大舆情及时回应。</p>
<h2>四、公众参与</h2>
<p>围绕重大行政决策开展网上征求意见,加强与公众的在线互动交流。</p>
"""
