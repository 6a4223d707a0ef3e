"""What the benchmarks share: a fresh database per run, and the machine's description."""

from __future__ import annotations

import os
import sys
import tempfile


def configure(db: str, name: str = "gongkai_bench") -> None:
    """Point Django at a fresh database (a temporary SQLite file, or PostgreSQL database ``name``)."""
    if db == "sqlite":
        path = os.path.join(tempfile.mkdtemp(prefix="gongkai-bench-"), "bench.sqlite3")
        os.environ["GONGKAI_DATABASE_URL"] = f"sqlite:///{path}"
    else:
        import psycopg

        base = os.environ.get("GONGKAI_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
        os.environ["GONGKAI_DATABASE_URL"] = f"{base}/{name}"
    os.environ.setdefault("GONGKAI_SECRET_KEY", "bench-only-secret-key")
    os.environ["DJANGO_SETTINGS_MODULE"] = "gongkai.config.settings"
    sys.path.insert(0, os.getcwd())
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
