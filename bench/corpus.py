"""A deterministic corpus of culture-and-tourism bureau documents for the search benchmarks.

Text mixes the bureau's own vocabulary (places, venues, heritage, administration; a third of the words,
Zipf-weighted, so 文化, 旅游, 工作 are in most documents) with general Chinese words drawn by their real
frequency from jieba's dictionary (the 30,000 most frequent words of two to four characters), and
sentences of the seed specification. Titles look like notices (关于…的通知), document numbers use 〔〕.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from pathlib import Path

PLACES = "晋中 榆次 太谷 祁县 平遥 介休 灵石 寿阳 昔阳 和顺 左权 榆社 山西 全市 各县 市区 乡镇 社区".split()
FIELD = (
    "文化 旅游 文物 非遗 非物质文化遗产 博物馆 图书馆 文化馆 美术馆 剧院 景区 古城 古建筑 民俗 晋商 "
    "大院 庙会 社火 秧歌 晋剧 左权开花调 推光漆器 剪纸 面塑 年画 书法 摄影 演出 展览 展演 节庆 "
    "研学 乡村旅游 民宿 导游 旅行社 酒店 星级饭店 游客 门票 文创 产业 市场 演艺 广播 电视 出版 "
    "网吧 娱乐场所 体育 赛事 全民健身 公共文化服务 数字文化 志愿服务 文化遗产 保护单位 考古 修缮"
).split()
ADMIN = (
    "工作 通知 方案 意见 办法 规定 细则 公告 通报 报告 计划 总结 要点 安排 部署 检查 监管 执法 "
    "安全 生产 应急 预案 资金 项目 申报 评审 公示 名单 名录 标准 规范 制度 政策 措施 服务 管理 "
    "建设 发展 推进 加强 开展 落实 提升 促进 实施 组织 举办 做好 加快 深化 完善 健全 统筹 创新 "
    "行政 许可 审批 备案 登记 处罚 信用 投诉 举报 咨询 信息 公开 统计 年度 季度 月度 专项 重点"
).split()
GLUE = "的 和 与 及 在 对 为 了 并 等 是 将 按照 根据 关于 有关 进一步 全面 切实 认真 严格".split()
KINDS = ["通知", "公告", "实施方案", "工作要点", "管理办法", "实施细则", "情况通报", "工作总结", "公示"]
DEPTS = [
    "办公室",
    "政策法规科",
    "艺术科",
    "公共服务科",
    "文物科",
    "非遗科",
    "产业发展科",
    "市场管理科",
    "执法队",
]


def _general_words(count: int = 30_000) -> tuple[list[str], list[float]]:
    import jieba

    with jieba.get_dict_file() as handle:
        rows = []
        for line in handle:
            word, freq, *_ = line.decode("utf-8").split()
            if 2 <= len(word) <= 4:
                rows.append((int(freq), word))
    rows.sort(reverse=True)
    rows = rows[:count]
    return [word for _freq, word in rows], [float(freq) for freq, _word in rows]


def _weights(words: list[str]) -> list[float]:
    return [1 / (rank + 1) ** 0.9 for rank in range(len(words))]


@dataclass
class Doc:
    title: str
    document_number: str
    summary: str
    body: str
    department: str
    year: int


class Corpus:
    def __init__(self, seed: int = 20261126) -> None:
        self.random = random.Random(seed)
        vocabulary = FIELD + ADMIN + PLACES
        self.random.shuffle(vocabulary)
        self.vocabulary = vocabulary  # the bureau's words: what the query mix searches for
        self.weights = _weights(vocabulary)
        self.cum_weights = list(itertools.accumulate(self.weights))
        self.general, general_weights = _general_words()
        self.general_cum = list(itertools.accumulate(general_weights))
        seed_file = Path(__file__).resolve().parent.parent.parent / "shared" / "seed"
        text = (
            " ".join(p.read_text(encoding="utf-8") for p in seed_file.glob("*.txt"))
            if seed_file.exists()
            else ""
        )
        self.sentences = [s.strip() for s in text.replace("\n", "。").split("。") if len(s.strip()) > 8]

    def words(self, n: int) -> str:
        domain = sum(self.random.random() < 1 / 3 for _ in range(n))
        picked = self.random.choices(self.vocabulary, cum_weights=self.cum_weights, k=domain)
        picked += self.random.choices(self.general, cum_weights=self.general_cum, k=n - domain)
        self.random.shuffle(picked)
        out = []
        for word in picked:
            out.append(word)
            if self.random.random() < 0.3:
                out.append(self.random.choice(GLUE))
        return "".join(out)

    def sentence(self) -> str:
        if self.sentences and self.random.random() < 0.15:
            return self.random.choice(self.sentences) + "。"
        text = self.words(self.random.randint(4, 12))
        return text + self.random.choice(["。", "。", ",", ";"])

    def doc(self, n: int) -> Doc:
        r = self.random
        year = r.choice([2022, 2023, 2024, 2025, 2026, 2026, 2026])
        title = f"关于{r.choice(PLACES)}{self.words(r.randint(2, 5))}的{r.choice(KINDS)}"
        number = (
            f"晋市文旅{r.choice(['发', '函', '字', '办'])}〔{year}〕{n % 400 + 1}号"
            if r.random() < 0.6
            else ""
        )
        summary = "".join(self.sentence() for _ in range(r.randint(1, 3)))
        paragraphs = []
        for _ in range(r.randint(2, 8)):
            paragraphs.append("<p>" + "".join(self.sentence() for _ in range(r.randint(2, 6))) + "</p>")
        return Doc(title, number, summary, "".join(paragraphs), r.choice(DEPTS), year)
