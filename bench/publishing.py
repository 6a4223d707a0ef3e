"""End-to-end publishing throughput: create → submit → every review step → publish, items per second.

Run as `python -m bench.publishing --db sqlite|postgres --items N --repeat R`; prints one JSON line.
Each run uses a fresh database (a temporary SQLite file, or the PostgreSQL database gongkai_bench).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time


def _configure(db: str) -> None:
    from bench.common import configure

    configure(db)


def _one_item(staff, services, factories) -> None:
    item = services.create_draft(user=staff.drafter, organization=staff.org, data=factories.item_data(staff))
    services.submit_for_review(user=staff.drafter, item=item)
    for person in (staff.head, staff.secrecy, staff.editor2, staff.leader):
        services.approve_step(user=person, item=item, opinion="同意", bottom_lines=factories.ALL_BOTTOM_LINES)
    services.publish(user=staff.editor, item=item)


def _worker(args) -> int:
    """One client (its own process and database connection) pushing `count` items through."""
    staff, count = args
    from tests import factories

    from gongkai.publishing import services

    for _ in range(count):
        _one_item(staff, services, factories)
    from django.db import connection

    connection.close()
    return count


def _parallel(staff, items: int, workers: int) -> float:
    import multiprocessing

    from django.db import connections

    connections.close_all()  # each forked client opens its own connection
    share = [items // workers + (1 if i < items % workers else 0) for i in range(workers)]
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers) as pool:
        start = time.perf_counter()
        done = sum(pool.map(_worker, [(staff, n) for n in share]))
        elapsed = time.perf_counter() - start
    return done / elapsed


def run(db: str, items: int, repeat: int, workers: int = 1) -> dict:
    _configure(db)
    from tests import factories

    from gongkai.publishing import services

    staff = factories.make_staff()
    _one_item(staff, services, factories)  # warm-up: caches, first-time table pages
    rates = []
    for _ in range(repeat):
        if workers > 1:
            rates.append(_parallel(staff, items, workers))
            continue
        start = time.perf_counter()
        for _ in range(items):
            _one_item(staff, services, factories)
        rates.append(items / (time.perf_counter() - start))
    from gongkai.audit.verify import verify_chain

    problems = verify_chain()
    median = round(statistics.median(rates), 1)
    return {
        "benchmark": "publishing end-to-end",
        "config": f"{db} ×{workers}, {repeat} runs × {items} items",
        "figures": {
            "items/s median": median,
            "min": round(min(rates), 1),
            "max": round(max(rates), 1),
            "audit ok": not problems,
        },
        "target": "≥ 50 items/s (PostgreSQL)",
        "met": median >= 50 if db == "postgres" else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workers", type=int, default=1, help="concurrent clients, each its own process")
    args = parser.parse_args()
    print(json.dumps(run(args.db, args.items, args.repeat, args.workers), ensure_ascii=False))


if __name__ == "__main__":
    main()
