"""Search on a generated corpus: indexing throughput against jieba, and query latency at 100,000 items.

Run as ``python -m bench.search --db sqlite|postgres [--items N] [--part index|query|all]``; prints one
JSON line (the last line of stdout) per part. Items are inserted directly (not through the workflow: that
is the publishing benchmark) as published items with a live revision, then ``index.rebuild()`` indexes them.

- Indexing: MB/s of UTF-8 text (title, document number, summary, body as plain text). "analysis" is
  what replaces word segmentation — normalising and making the bigram token string, exactly as the
  indexer does — against jieba's default segmentation (``jieba.lcut``, accurate mode with HMM, dictionary
  loaded beforehand) of the same text in the same run: the ratio the target is about. "rebuild" is the
  whole ``index.rebuild()`` (reading the items, analysis, and writing the FTS5 / GIN index and the entry
  rows), also against jieba's segmentation alone, which writes nothing.
- Queries: the public search as the page runs it (``portal.selectors.search``: ids of the page ranked,
  facet counts and total, the page's items with highlighted titles and snippets), 20 results per page,
  over a fixed mix of queries (see ``queries``); one warm-up pass, then the median over 3 passes per query.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time

from bench.common import configure
from bench.corpus import Corpus

BATCH = 2000


def _setup_org():
    from gongkai.catalogue.models import CatalogueEntry
    from gongkai.catalogue.services import load_default_catalogue
    from gongkai.orgs.models import Department, Organization, User
    from gongkai.publishing.models import Topic

    org = Organization.objects.create(
        code="jz-lfw", name="晋中市文化和旅游局", index_pattern="{org}/{year}-{seq:05d}"
    )
    from bench.corpus import DEPTS

    departments = [
        Department.objects.create(organization=org, code=f"d{n}", name=name) for n, name in enumerate(DEPTS)
    ]
    user = User.objects.create(username="bench", full_name="基准测试")
    load_default_catalogue(org)
    parents = set(CatalogueEntry.objects.filter(organization=org).values_list("parent_id", flat=True))
    leaves = list(CatalogueEntry.objects.filter(organization=org).exclude(pk__in=parents))
    topics = [
        Topic.objects.create(organization=org, code=f"t{n}", name=name)
        for n, name in enumerate(["文化", "旅游", "文物", "综合"])
    ]
    return org, departments, user, leaves, topics


def generate(n_items: int, corpus: Corpus) -> list:
    """Insert ``n_items`` published items; returns the generated documents (in id order)."""
    import datetime
    import zoneinfo

    from django.db import connection, transaction

    from gongkai.publishing.constants import DisclosureAttribute, ItemStatus, RevisionStatus
    from gongkai.publishing.models import InformationItem, Revision

    org, departments, user, leaves, topics = _setup_org()
    by_name = {d.name: d for d in departments}
    tz = zoneinfo.ZoneInfo("Asia/Shanghai")
    rnd = random.Random(7)
    docs = []
    for start in range(0, n_items, BATCH):
        batch = [corpus.doc(n) for n in range(start, min(start + BATCH, n_items))]
        docs.extend(batch)
        with transaction.atomic():
            items = []
            for n, doc in enumerate(batch, start):
                published = datetime.datetime(doc.year, 1, 1, 9, tzinfo=tz) + datetime.timedelta(
                    days=rnd.randint(0, 330), minutes=rnd.randint(0, 600)
                )
                items.append(
                    InformationItem(
                        organization=org,
                        index_number=f"jz-lfw/{doc.year}-{n + 1:06d}",
                        status=ItemStatus.PUBLISHED,
                        created_by=user,
                        published_at=published,
                        first_published_at=published,
                    )
                )
            items = InformationItem.objects.bulk_create(items)
            if items[0].pk is None:  # backends that do not return ids
                items = list(InformationItem.objects.order_by("-pk")[: len(items)])[::-1]
            revisions = [
                Revision(
                    item=item,
                    number=1,
                    status=RevisionStatus.PUBLISHED,
                    title=doc.title,
                    document_number=doc.document_number,
                    publisher=org.name,
                    lead_department=by_name[doc.department],
                    formed_on=item.published_at.date(),
                    disclosure_attribute=DisclosureAttribute.PROACTIVE,
                    topic=rnd.choice(topics),
                    catalogue_entry=rnd.choice(leaves),
                    summary=doc.summary,
                    body=doc.body,
                    created_by=user,
                    published_at=item.published_at,
                )
                for item, doc in zip(items, batch, strict=True)
            ]
            Revision.objects.bulk_create(revisions)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE publishing_informationitem SET live_revision_id = (SELECT r.id FROM publishing_revision r "
            "WHERE r.item_id = publishing_informationitem.id), latest_revision_id = (SELECT r.id FROM "
            "publishing_revision r WHERE r.item_id = publishing_informationitem.id)"
        )
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
        else:
            cursor.execute("ANALYZE")
    return docs


def _texts(docs) -> list[str]:
    from gongkai.publishing.html import plain_text

    return [f"{d.title}\n{d.document_number}\n{d.summary}\n{plain_text(d.body)}" for d in docs]


def index_part(docs) -> dict:
    import jieba

    from gongkai.search import index, text

    texts = _texts(docs)
    megabytes = sum(len(t.encode()) for t in texts) / 1e6
    start = time.perf_counter()
    index.rebuild()
    ours = megabytes / (time.perf_counter() - start)

    sample = texts[: max(1, len(texts) // 20)]  # jieba is slow: a twentieth of the text
    sample_mb = sum(len(t.encode()) for t in sample) / 1e6
    jieba.setLogLevel(60)
    jieba.initialize()
    start = time.perf_counter()
    for t in sample:
        jieba.lcut(t)
    jieba_rate = sample_mb / (time.perf_counter() - start)
    start = time.perf_counter()
    for t in sample:
        text.tokens_text(text.normalize(t))
    analysis_rate = sample_mb / (time.perf_counter() - start)
    return {
        "text MB": round(megabytes, 1),
        "analysis MB/s": round(analysis_rate, 1),
        "jieba MB/s": round(jieba_rate, 2),
        "ratio": round(analysis_rate / jieba_rate, 1),
        "rebuild MB/s": round(ours, 1),
        "rebuild/jieba": round(ours / jieba_rate, 1),
    }


def queries(docs, corpus: Corpus, rnd: random.Random) -> list[tuple[str, dict]]:
    """The query mix: (kind, request parameters)."""
    out: list[tuple[str, dict]] = []
    for _ in range(60):  # a piece of a real title, 2–6 characters
        title = rnd.choice(docs).title
        length = rnd.randint(2, min(6, len(title)))
        start = rnd.randint(0, len(title) - length)
        out.append(("title substring", {"q": title[start : start + length]}))
    numbered = [d for d in docs if d.document_number]
    for _ in range(20):  # a document number typed with other brackets
        number = rnd.choice(numbered).document_number
        out.append(
            (
                "document number",
                {"q": number.replace("〔", rnd.choice("[(（")).replace("〕", rnd.choice("])）"))},
            )
        )
    for _ in range(30):  # one word of the vocabulary (common words are common)
        out.append(("one word", {"q": corpus.random.choices(corpus.vocabulary, corpus.weights)[0]}))
    for _ in range(20):
        a, b = corpus.random.choices(corpus.vocabulary, corpus.weights, k=2)
        out.append(("two words", {"q": f"{a} {b}"}))
    for _ in range(20):
        word = corpus.random.choices(corpus.vocabulary, corpus.weights)[0]
        out.append(("word + year filter", {"q": word, "year": str(rnd.choice([2024, 2025, 2026]))}))
    for _ in range(20):
        word = corpus.random.choices(corpus.vocabulary, corpus.weights)[0]
        out.append(("word, date order", {"q": word, "order": "date"}))
    return out


def query_part(docs, corpus: Corpus) -> dict:
    from gongkai.portal import selectors

    rnd = random.Random(11)
    mix = queries(docs, corpus, rnd)
    organizations = list(selectors.public_organizations())

    def once(params: dict) -> tuple[float, int]:
        start = time.perf_counter()
        filters = selectors.parse_list_filters(params, organizations)
        results = selectors.search(filters, organizations, order=params.get("order", "relevance"))
        return (time.perf_counter() - start) * 1000, results.count

    for _kind, params in mix:  # warm-up
        once(params)
    latencies: list[float] = []
    by_kind: dict[str, list[float]] = {}
    slowest = (0.0, "", 0)
    for kind, params in mix:
        timings = [once(params) for _ in range(3)]
        ms = statistics.median(t for t, _count in timings)
        latencies.append(ms)
        by_kind.setdefault(kind, []).append(ms)
        if ms > slowest[0]:
            slowest = (ms, params["q"], timings[0][1])
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    return {
        "queries": len(latencies),
        "p50 ms": round(statistics.median(latencies), 1),
        "p95 ms": round(p95, 1),
        "max ms": round(latencies[-1], 1),
        "slowest": f"{slowest[1]} ({slowest[2]} hits)",
        **{f"p50 {kind}": round(statistics.median(v), 1) for kind, v in by_kind.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--part", choices=["index", "query", "all"], default="all")
    args = parser.parse_args()
    configure(args.db, "gongkai_bench_search")
    corpus = Corpus()
    start = time.perf_counter()
    docs = generate(args.items, corpus)
    generated = time.perf_counter() - start
    config = f"{args.db}, {args.items:,} items"
    if args.part in ("index", "all"):
        figures = index_part(docs)
        print(
            json.dumps(
                {
                    "benchmark": "search indexing",
                    "config": config,
                    "figures": figures,
                    "target": "≥ 10× jieba",
                    "met": figures["ratio"] >= 10,
                },
                ensure_ascii=False,
            ),
            flush=True,
        )
    else:
        from gongkai.search import index

        index.rebuild()
    if args.part in ("query", "all"):
        figures = query_part(docs, corpus)
        figures["generate s"] = round(generated, 1)
        print(
            json.dumps(
                {
                    "benchmark": "search queries",
                    "config": config,
                    "figures": figures,
                    "target": "p95 ≤ 50 ms",
                    "met": figures["p95 ms"] <= 50,
                },
                ensure_ascii=False,
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
