"""Search on a generated corpus: indexing throughput against jieba, and query latency at 100,000 items.

Run as ``python -m bench.search --db sqlite|postgres [--items N] [--part index|query|check|all]``; prints
one JSON line (the last line of stdout) per part. Items are inserted directly (not through the workflow:
that is the publishing benchmark) as published items with a live revision, then ``index.rebuild()`` indexes
them. ``--reuse`` keeps the database between runs (a fixed SQLite file in the temporary directory, or the
PostgreSQL database ``gongkai_bench_search_<items>``) and generates and indexes it only the first time, so
query runs of two versions of the code can be compared on the same data; ``--per-kind N`` runs only the
first N queries of each kind.

- Indexing: MB/s of UTF-8 text (title, document number, summary, body as plain text). "analysis" is
  what replaces word segmentation — normalising and making the bigram token string, exactly as the
  indexer does — against jieba's default segmentation (``jieba.lcut``, accurate mode with HMM, dictionary
  loaded beforehand) of the same text in the same run: the ratio the target is about. "rebuild" is the
  whole ``index.rebuild()`` (reading the items, analysis, and writing the FTS5 / GIN index and the entry
  rows), also against jieba's segmentation alone, which writes nothing.
- Queries: the public search as the page runs it (``portal.selectors.search``: ids of the page ranked,
  facet counts and total, the page's items with highlighted titles and snippets), 20 results per page,
  over a fixed mix of queries (see ``queries``); one warm-up pass, then the median over 3 passes per query.
- Check: for every query of the mix, the counts, facets and pages (both orders, first page and one deep
  page) of the in-process path (``query.run``) are compared with the SQL reference (``query.facet_rows``
  and ``query.ranked``); prints how many queries were compared and how many differed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time

from bench.common import configure
from bench.corpus import Corpus

BATCH = 2000


def _configure_reuse(db: str, items: int) -> None:
    """Like ``bench.common.configure`` but keeping the database: created (and migrated) only if missing."""
    if db == "sqlite":
        path = os.path.join(tempfile.gettempdir(), f"gongkai-bench-search-{items}.sqlite3")
        os.environ["GONGKAI_DATABASE_URL"] = f"sqlite:///{path}"
    else:
        import psycopg

        base = os.environ.get("GONGKAI_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
        name = f"gongkai_bench_search_{items}"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f"CREATE DATABASE {name}")
        os.environ["GONGKAI_DATABASE_URL"] = f"{base}/{name}"
    os.environ.setdefault("GONGKAI_SECRET_KEY", "bench-only-secret-key")
    os.environ["DJANGO_SETTINGS_MODULE"] = "gongkai.config.settings"
    sys.path.insert(0, os.getcwd())
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _existing_docs(n_items: int, corpus: Corpus) -> list | None:
    """The documents of a kept database (regenerated: the corpus is deterministic), or None if it is empty."""
    from gongkai.publishing.models import InformationItem

    count = InformationItem.objects.count()
    if count == 0:
        return None
    if count != n_items:
        raise SystemExit(f"the kept database has {count} items, not {n_items}: drop it first")
    return [corpus.doc(n) for n in range(n_items)]


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


def _mix(docs, corpus: Corpus, per_kind: int | None) -> list[tuple[str, dict]]:
    mix = queries(docs, corpus, random.Random(11))
    if per_kind is None:
        return mix
    seen: dict[str, int] = {}
    kept = []
    for kind, params in mix:
        seen[kind] = seen.get(kind, 0) + 1
        if seen[kind] <= per_kind:
            kept.append((kind, params))
    return kept


def query_part(docs, corpus: Corpus, per_kind: int | None = None) -> dict:
    from gongkai.portal import selectors

    mix = _mix(docs, corpus, per_kind)
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


def check_part(docs, corpus: Corpus, per_kind: int | None = None) -> dict:
    """The in-process path against the SQL reference, query by query (see the module's docstring)."""
    from gongkai.portal import selectors
    from gongkai.search import query
    from gongkai.search.text import parse_query

    organizations = list(selectors.public_organizations())
    compared = differed = 0
    first_difference = ""
    for _kind, params in _mix(docs, corpus, per_kind):
        filters = selectors.parse_list_filters(params, organizations)
        terms = parse_query(filters.keyword).terms
        if not terms:
            continue
        where = selectors.entry_filter(filters, organizations)
        reference = query.tally(query.facet_rows(terms, where))
        for order in query.ORDERS:
            for offset in (0, 980):
                found = query.run(terms, where, order=order, limit=20, offset=offset)
                expected = query.ranked(terms, where, order=order, limit=20, offset=offset)
                compared += 1
                if (found.total, found.tallies, found.page) != (
                    sum(reference["year"].values()),
                    reference,
                    expected,
                ):
                    differed += 1
                    first_difference = first_difference or f"{params} {order} {offset}"
    return {"compared": compared, "differed": differed, "first difference": first_difference}


def _columns_load_ms() -> float | None:
    """How long loading the in-process copy of the entries takes (None before it existed)."""
    try:
        from gongkai.search import columns
    except ImportError:
        return None
    start = time.perf_counter()
    columns.load()
    return round((time.perf_counter() - start) * 1000, 1)


def _print(row: dict) -> None:
    print(json.dumps(row, ensure_ascii=False), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--part", choices=["index", "query", "check", "all"], default="all")
    parser.add_argument("--reuse", action="store_true", help="keep the database between runs")
    parser.add_argument("--per-kind", type=int, help="only the first N queries of each kind")
    args = parser.parse_args()
    corpus = Corpus()
    start = time.perf_counter()
    docs = None
    if args.reuse:
        _configure_reuse(args.db, args.items)
        docs = _existing_docs(args.items, corpus)
    else:
        configure(args.db, "gongkai_bench_search")
    fresh = docs is None
    if fresh:
        docs = generate(args.items, corpus)
    generated = time.perf_counter() - start
    config = f"{args.db}, {args.items:,} items"
    if args.part in ("index", "all"):
        figures = index_part(docs)
        _print(
            {
                "benchmark": "search indexing",
                "config": config,
                "figures": figures,
                "target": "≥ 10× jieba",
                "met": figures["ratio"] >= 10,
            }
        )
    elif fresh:
        from gongkai.search import index

        index.rebuild()
    if args.part in ("query", "all"):
        figures = query_part(docs, corpus, args.per_kind)
        figures["generate s"] = round(generated, 1)
        load = _columns_load_ms()
        if load is not None:
            figures["columns load ms"] = load
        _print(
            {
                "benchmark": "search queries",
                "config": config,
                "figures": figures,
                "target": "p95 ≤ 50 ms",
                "met": figures["p95 ms"] <= 50,
            }
        )
    if args.part == "check":
        figures = check_part(docs, corpus, args.per_kind)
        _print(
            {
                "benchmark": "search check",
                "config": config,
                "figures": figures,
                "target": "no difference",
                "met": figures["differed"] == 0 and figures["compared"] > 0,
            }
        )


if __name__ == "__main__":
    main()
