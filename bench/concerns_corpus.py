"""Generated 舆情 items for the 政务舆情 benchmark: news and posts about a 市文旅局, its venues and events.

Deterministic (seeded). Three things come out of it:

- ``rules()``: the monitoring rules of 晋中市文化和旅游局 (its names, three leaders, 16 venues, 6 events,
  a few excluded terms).
- ``Matter``s: one thing that happened (a stampede at a venue on a date, a price rise, a complaint…),
  each with its facts (venue, date, numbers, people) and its kind (which of the key categories).
  ``report(matter)`` writes one article about it from a pool of phrasings, so two reports of one matter
  share the facts but not the wording (an independent report, not a copy).
- ``repost(article)``: a copy as reposted elsewhere: exact, or rewritten — a prefix or suffix added
  (转自…, 来源…, 责任编辑…), sentences reordered, a few characters changed or dropped, the end cut off
  (阅读全文), punctuation and spacing changed, a comment inserted, the title changed — two to four of
  these at random.

``labelled_set()`` builds the de-duplication test: originals, then (a) exact reposts, (b) rewritten
reposts, (c) same venue but another event and (d) independent reports of the same matter, with the
label known by construction (a and b are duplicates of their original; c and d are not).
``stream()`` builds the throughput mix: irrelevant items (general bureau news from ``bench.corpus``
that names none of the rules), originals, reposts and independent reports, and pages fetched twice.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from bench.corpus import Corpus

BUREAU = ("晋中市文化和旅游局", "晋中市文旅局", "市文旅局")
LEADERS = ("李建华", "王志刚", "赵文娟")
VENUES = (
    "平遥古城",
    "王家大院",
    "乔家大院",
    "绵山风景区",
    "常家庄园",
    "榆次老城",
    "张壁古堡",
    "后土庙",
    "祁县古城",
    "红崖峡谷",
    "孔祥熙宅园",
    "麻田八路军总部纪念馆",
    "晋中市博物馆",
    "晋中市图书馆",
    "晋中大剧院",
    "渠家大院",
)
EVENTS = ("平遥国际摄影大展", "平遥国际电影展", "晋中文旅消费季", "社火节", "晋商文化节", "左权民歌汇")
EXCLUDED = {"平遥古城": ("平遥古城墙砖展",), "乔家大院": ("乔家大院电视剧",)}
OUTLETS = (
    "晋中日报",
    "山西晚报",
    "黄河新闻网",
    "平遥发布",
    "晋中新闻网",
    "山西新闻网",
    "今日头条",
    "微博网友",
)
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰萍红娟建国志"

# Kinds of matter: (category keywords that will occur, fact templates)
KINDS = {
    "stampede": ["踩踏", "游客受伤", "拥堵"],
    "fire": ["火灾", "起火"],
    "price": ["门票涨价", "涨价"],
    "refund": ["退票", "投诉"],
    "abuse": ["辱骂", "殴打"],
    "inaction": ["不作为", "推诿"],
    "policy": ["惠民", "补贴", "政策"],
    "document": ["征求意见", "办法"],
    "event": [],  # an ordinary event: no key category
}

OPENINGS = {
    "stampede": [
        "{date}下午,{venue}{spot}因游客过于集中发生拥挤踩踏,造成{n}名游客受伤",
        "据游客反映,{date}{venue}{spot}人流密集,发生踩踏,有{n}人受伤被送医",
        "{venue}{spot}{date}出现严重拥堵并引发踩踏,{n}名游客受伤",
        "记者获悉,{date}在{venue}{spot},大量游客聚集导致踩踏,共有{n}名游客受伤",
    ],
    "fire": [
        "{date}凌晨,{venue}{spot}一处商铺起火,消防部门接警后迅速到场处置",
        "{date}有网友发布视频称,{venue}{spot}冒出浓烟,疑似发生火灾",
        "{venue}{spot}{date}发生火灾,过火面积约{n}十平方米,未造成人员伤亡",
    ],
    "price": [
        "近日有游客反映,{venue}门票由{n}十元涨价到{m}十元,引发网友热议",
        "{venue}门票涨价的消息在网上传开,不少网友认为涨价幅度过大",
        "记者从{venue}了解到,景区门票将从{date}起上调,票价由{n}十元调整为{m}十元",
    ],
    "refund": [
        "多名游客投诉称,{date}因天气原因无法游览{venue},申请退票却迟迟没有结果",
        "{venue}退票难问题引发投诉,有游客表示等了{n}天仍未收到退款",
        "网友发帖投诉{venue}线上购票后无法退票,客服电话一直无人接听",
    ],
    "abuse": [
        "一段视频显示,{date}{venue}{spot}一名工作人员辱骂游客,并与游客发生推搡",
        "有游客反映在{venue}{spot}遭到保安辱骂和殴打,相关视频在网上流传",
        "{date},{venue}发生工作人员辱骂游客事件,引发网友关注",
    ],
    "inaction": [
        "有市民反映,就{venue}周边违规经营问题多次向有关部门反映,对方互相推诿,被指不作为",
        "网友发帖称,{venue}{spot}设施损坏{n}个月无人维修,质疑管理部门不作为",
        "{venue}周边黑导游拉客问题长期存在,市民认为有关部门推诿不作为",
    ],
    "policy": [
        "{bureau}发布惠民政策,{date}起{venue}对全市居民实行门票补贴",
        "记者从{bureau}获悉,今年将继续发放文旅消费补贴,{venue}等景区参与惠民活动",
        "{bureau}出台政策,对参与{event}的企业给予补贴,{venue}为主会场",
    ],
    "document": [
        "{bureau}就《晋中市{venue}保护管理办法(征求意见稿)》公开征求意见",
        "《晋中市{venue}保护管理办法》征求意见稿发布,意见反馈截止到{date}",
        "{bureau}起草了{venue}保护管理办法,现面向社会征求意见",
    ],
    "event": [
        "{date},{event}在{venue}开幕,吸引大批游客前来观看",
        "{event}{date}在{venue}举行,活动将持续{n}天",
        "作为{event}的重要内容,{venue}{date}推出系列展演活动",
    ],
}
DETAILS = {
    "stampede": [
        "伤者已送往县人民医院救治,目前生命体征平稳",
        "事发时正值假期客流高峰,景区单日接待游客超过{m}万人次",
        "景区已启动应急预案,临时关闭{spot}入口,实行分时预约和限流",
        "多名游客表示{spot}一带缺少疏导人员,广播提示不及时",
        "{bureau}表示将对事件原因展开调查,并加强节假日客流监测",
        "有目击者称,人群在{spot}台阶处相互推挤,有老人和小孩摔倒",
        "事件发生后,{leader}带领工作组赶赴现场指导处置",
    ],
    "fire": [
        "明火已于{n}十分钟后被扑灭,起火原因正在调查",
        "景区临时疏散了{spot}附近的游客,部分区域暂停开放",
        "{bureau}要求各景区立即开展消防安全隐患排查",
        "有游客拍下视频,画面中可见{spot}方向浓烟滚滚",
        "据了解,起火商铺为一家经营文创产品的小店",
    ],
    "price": [
        "景区方面回应称,调价已按规定履行听证程序",
        "有网友算了一笔账,一家三口游览一次仅门票就要花费{m}百元",
        "{bureau}表示将对门票价格调整的合规性进行核查",
        "不少网友呼吁景区保留学生和老人的优惠票",
        "也有网友认为,涨价后景区服务应同步提升",
    ],
    "refund": [
        "景区客服回复称,退票需要人工审核,周期较长",
        "有游客已向12345热线投诉,至今未获答复",
        "{bureau}回应称,已督促景区尽快为游客办理退票",
        "网友晒出的聊天记录显示,客服多次以系统问题为由拖延",
        "律师表示,因不可抗力无法游览的,游客有权要求全额退款",
    ],
    "abuse": [
        "视频中,身穿制服的工作人员情绪激动,多次用不文明语言辱骂游客",
        "涉事工作人员已被停职,景区表示将严肃处理",
        "{bureau}已介入调查,要求景区向游客道歉",
        "不少网友表示,景区服务态度问题由来已久",
        "当事游客称,事发起因是询问{spot}的开放时间",
    ],
    "inaction": [
        "该市民称前后打了{n}次电话,每次都被告知不归本部门管",
        "记者实地走访发现,{spot}附近的问题确实存在",
        "{bureau}回应称,将会同有关部门开展联合整治",
        "有网友留言说,类似问题在其他景区也有发生",
        "市民希望{leader}能关注此事,尽快解决",
    ],
    "policy": [
        "补贴资金总额{n}千万元,分{m}批发放",
        "市民可通过官方小程序领取消费券,每人限领一次",
        "{leader}表示,要让惠民政策真正惠及广大群众",
        "政策实施期间,参与景区门票一律半价",
        "有市民表示,希望惠民政策能覆盖更多景区和场馆",
    ],
    "document": [
        "征求意见稿共{n}章{m}十条,对{venue}的保护范围、管理职责等作出规定",
        "公众可通过信函、电子邮件等方式提出意见建议",
        "{bureau}表示,将认真研究吸纳各方意见",
        "办法明确了{venue}核心保护区内禁止的{n}类行为",
        "有专家认为,办法的出台将为{venue}保护提供法治保障",
    ],
    "event": [
        "本届活动共设{n}个板块,持续到{date}",
        "{leader}出席开幕式并致辞",
        "活动期间,{venue}延长开放时间至晚上{m}点",
        "来自全国各地的{n}百余名嘉宾参加了开幕式",
        "活动还推出了文创市集、非遗展示等配套内容",
    ],
}
SPOTS = ("南门", "北门", "东门广场", "西门", "游客中心", "售票处", "停车场", "主街", "观景台", "检票口")
COMMENTS = (
    "网友评论:太可怕了,大家出行注意安全。",
    "评论区有网友表示,希望有关部门尽快给个说法。",
    "网友留言:这种事情一定要追责。",
    "有网友说,去年也遇到过类似的情况。",
)
PREFIXES = ("转自{outlet}:", "【{outlet}】", "据{outlet}报道,", "来源:{outlet}。", "#{venue}# ")
SUFFIXES = (
    "(来源:{outlet})",
    "责任编辑:{name}",
    "本文转载自网络,如有侵权请联系删除。",
    "点击关注,了解更多晋中资讯。",
    "更多详情请关注{outlet}。",
)


@dataclass
class Article:
    title: str
    text: str
    url: str
    matter: int  # -1 for an irrelevant item
    original: int = -1  # for a repost: the index of the article it copies
    kind: str = "original"  # original | exact | rewritten | other_event | independent | irrelevant | refetch


@dataclass
class Matter:
    number: int
    kind: str
    venue: str
    facts: dict = field(default_factory=dict)


def rules() -> list[dict]:
    """The monitoring rules (name, kind, terms, excluded terms) of the benchmark's bureau."""
    found = [{"name": "本局", "kind": "bureau", "terms": list(BUREAU), "excluded": []}]
    found += [{"name": name, "kind": "leader", "terms": [name], "excluded": []} for name in LEADERS]
    found += [
        {"name": venue, "kind": "venue", "terms": [venue], "excluded": list(EXCLUDED.get(venue, ()))}
        for venue in VENUES
    ]
    found += [{"name": event, "kind": "event", "terms": [event], "excluded": []} for event in EVENTS]
    return found


class Generator:
    def __init__(self, seed: int = 20261206):
        self.random = random.Random(seed)
        self.corpus = Corpus(seed)
        self.matters: list[Matter] = []
        self.urls = 0

    # --- pieces -------------------------------------------------------------------------------------

    def url(self) -> str:
        self.urls += 1
        host = self.random.choice(
            [
                "news.example.com",
                "www.jzrb.example.cn",
                "weibo.example.com",
                "bbs.example.org",
                "m.toutiao.example",
            ]
        )
        return f"https://{host}/{self.random.choice(['a', 'n', 'p', 'status'])}/{self.urls:07d}.html"

    def name(self) -> str:
        return self.random.choice(SURNAMES) + "".join(self.random.sample(GIVEN, self.random.randint(1, 2)))

    def matter(self, kind: str | None = None, venue: str | None = None) -> Matter:
        r = self.random
        kind = kind or r.choice(list(KINDS))
        venue = venue or r.choice(VENUES)
        month, day = r.randint(1, 12), r.randint(1, 28)
        facts = {
            "date": f"{month}月{day}日",
            "venue": venue,
            "spot": r.choice(SPOTS),
            "n": r.randint(2, 9),
            "m": r.randint(2, 9),
            "bureau": r.choice(BUREAU),
            "leader": r.choice(LEADERS) + r.choice(["局长", "副局长"]),
            "event": r.choice(EVENTS),
        }
        matter = Matter(len(self.matters), kind, venue, facts)
        self.matters.append(matter)
        return matter

    def filler(self, n: int) -> list[str]:
        """General bureau sentences (no rule term): what surrounds the facts in a real article."""
        out = []
        while len(out) < n:
            sentence = self.corpus.sentence().rstrip("。,;")
            if not any(term in sentence for term in (*VENUES, *EVENTS, *BUREAU, *LEADERS)):
                out.append(sentence)
        return out

    def report(self, matter: Matter) -> Article:
        """One article about `matter`, in its own words (an independent report)."""
        r = self.random
        facts = matter.facts
        opening = r.choice(OPENINGS[matter.kind]).format(**facts)
        details = [d.format(**facts) for d in r.sample(DETAILS[matter.kind], r.randint(2, 4))]
        sentences = [opening, *details]
        for _ in range(r.randint(3, 8)):  # context: most of a real article is not the bare facts
            sentences.insert(r.randint(1, len(sentences)), self.filler(1)[0])
        body = "。".join(sentences) + "。"
        title = self._title(matter)
        return Article(title=title, text=body, url=self.url(), matter=matter.number)

    def _title(self, matter: Matter) -> str:
        r = self.random
        venue, kind = matter.venue, matter.kind
        words = {
            "stampede": ["发生踩踏", "踩踏致游客受伤", "游客拥挤踩踏"],
            "fire": ["突发火灾", "商铺起火", "发生火情"],
            "price": ["门票涨价引热议", "门票上调", "票价调整"],
            "refund": ["退票难遭投诉", "游客投诉退票", "退款迟迟不到账"],
            "abuse": ["工作人员辱骂游客", "保安殴打游客", "辱骂游客视频流传"],
            "inaction": ["问题反映无果", "被指不作为", "部门互相推诿"],
            "policy": ["惠民政策出台", "发放消费补贴", "门票补贴来了"],
            "document": ["保护管理办法征求意见", "管理办法公开征求意见", "出台保护办法"],
            "event": ["活动开幕", "精彩上演", "迎来客流高峰"],
        }[kind]
        return r.choice(["", "【关注】", "突发!", "热点:"]) + venue + r.choice(words)

    def irrelevant(self) -> Article:
        """General bureau news naming none of the rules' terms."""
        r = self.random
        sentences = self.filler(r.randint(4, 12))
        return Article(
            title="关于" + self.filler(1)[0][:20] + "的通知",
            text="。".join(sentences) + "。",
            url=self.url(),
            matter=-1,
        )

    # --- reposts ------------------------------------------------------------------------------------

    def repost(self, article: Article, index: int, *, exact: bool = False) -> Article:
        if exact:
            return Article(article.title, article.text, self.url(), article.matter, index, "exact")
        r = self.random
        title, sentences = article.title, [s for s in article.text.split("。") if s]
        outlet, venue = r.choice(OUTLETS), self.matters[article.matter].venue
        edits = r.sample(
            ["prefix", "suffix", "reorder", "chars", "truncate", "punctuation", "comment", "title"],
            r.randint(2, 4),
        )
        if "reorder" in edits and len(sentences) > 2:
            i = r.randrange(len(sentences) - 1)
            sentences[i], sentences[i + 1] = sentences[i + 1], sentences[i]
            if r.random() < 0.5 and len(sentences) > 3:
                sentences.append(sentences.pop(0))
        if "truncate" in edits and len(sentences) > 3:
            keep = max(2, round(len(sentences) * r.uniform(0.6, 0.9)))
            sentences = sentences[:keep] + ["……阅读全文"]
        if "comment" in edits:
            sentences.insert(r.randint(1, len(sentences)), r.choice(COMMENTS).rstrip("。"))
        body = "。".join(sentences) + "。"
        if "chars" in edits:
            chars = list(body)
            for _ in range(max(1, len(chars) // 60)):
                i = r.randrange(len(chars))
                if r.random() < 0.5:
                    chars[i] = r.choice("的了是在和有这也就都而及与着或")
                else:
                    chars[i] = ""
            body = "".join(chars)
        if "punctuation" in edits:
            body = body.replace(",", ", ").replace("。", "。\n", r.randint(1, 3)).replace(":", ":")
        if "prefix" in edits:
            body = r.choice(PREFIXES).format(outlet=outlet, venue=venue) + body
        if "suffix" in edits:
            body = body + r.choice(SUFFIXES).format(outlet=outlet, name=self.name())
        if "title" in edits:
            title = (
                r.choice(["转:", "【转】", "", "刚刚!"]) + title + r.choice(["", "(附视频)", "|" + outlet])
            )
        return Article(title, body, self.url(), article.matter, index, "rewritten")

    # --- sets ---------------------------------------------------------------------------------------

    def labelled_set(self, originals: int = 1000) -> list[Article]:
        """Originals first, then their reposts and the hard non-duplicates, shuffled (seeded).

        Per original: one exact repost, three rewritten reposts (label: duplicate of the original), one
        report of another matter at the same venue and one independent report of the same matter (label:
        not a duplicate)."""
        r = self.random
        firsts = [self.report(self.matter()) for _ in range(originals)]
        for article in firsts:
            article.kind = "original"
        later: list[Article] = []
        for index, article in enumerate(firsts):
            matter = self.matters[article.matter]
            later.append(self.repost(article, index, exact=True))
            later += [self.repost(article, index) for _ in range(3)]
            other_kind = r.choice([k for k in KINDS if k != matter.kind])
            other = self.report(self.matter(other_kind, matter.venue))
            other.kind = "other_event"
            independent = self.report(matter)
            independent.kind = "independent"
            later += [other, independent]
        r.shuffle(later)
        return firsts + later

    def stream(self, items: int, *, relevant_share: float = 0.3) -> list[Article]:
        """The throughput mix: ~70 % irrelevant; of the relevant, a new matter every ~25 items, each with
        reposts (exact and rewritten) and independent reports; 5 % of all items fetched a second time."""
        r = self.random
        out: list[Article] = []
        live: list[int] = []  # indexes of recent relevant originals in `out`
        while len(out) < items:
            roll = r.random()
            if roll < 0.05 and out:
                again = r.choice(out)
                out.append(Article(again.title, again.text, again.url, again.matter, -1, "refetch"))
            elif roll < 0.05 + relevant_share:
                if not live or r.random() < 0.04:
                    article = self.report(self.matter())
                    live.append(len(out))
                    live[:] = live[-20:]
                    out.append(article)
                else:
                    index = r.choice(live)
                    choice = r.random()
                    if choice < 0.3:
                        out.append(self.repost(out[index], index, exact=True))
                    elif choice < 0.7:
                        out.append(self.repost(out[index], index))
                    else:
                        independent = self.report(self.matters[out[index].matter])
                        independent.kind = "independent"
                        out.append(independent)
            else:
                out.append(self.irrelevant())
        return out
