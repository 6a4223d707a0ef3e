"""Public pages under load: gunicorn alone, the static export behind nginx, and a 200-connection soak.

Run as ``python -m bench.web --db sqlite|postgres --mode item|static|mixed|incident``; prints one JSON line
last.

Each run sets up its own world in a temporary directory: a fresh database (a temporary SQLite file, or
the PostgreSQL database ``gongkai_bench_web``, created and dropped here), migrations, collected static
files, a few hundred published items, then gunicorn with the production settings (DEBUG off, a secret
key, ``GONGKAI_ALLOWED_HOSTS=127.0.0.1``) and, for ``static``, its own nginx (a non-daemon child with a
generated configuration that includes docs/deploy/gongkai-locations.conf). Load comes from Debian's
``wrk`` (``apt-get install -y wrk nginx-light``).

The production settings redirect plain http to https unless the proxy says the request came over TLS
(``SECURE_PROXY_SSL_HEADER``), so every request carries ``X-Forwarded-Proto: https``, as nginx would
send after terminating TLS.

Modes:
  item    one item page, 64 connections, 25 s: requests/s, latency p50/p99 (target ≥ 1,000 req/s),
          and the CPU time per request of the gunicorn workers and PostgreSQL backends (steadier than
          requests/s on a shared machine);
  static  the same page exported (portal/export.py) and served by nginx through the deployment's
          locations, against nginx serving a plain copy of the same file: ratio (target ≥ 50%);
  mixed   200 connections for 60 s, a third each: the list page, item pages and the search page (left
          out, and said so, while /xxgk/search/ answers 404): zero errors required. ``--via nginx``
          puts nginx and the export in front; ``--microcache N`` (with it) tries caching list and
          search answers N seconds in nginx (a proposal, not in the deployment files).
  incident 500 connections for 60 s over the home, 政府信息公开, list, item and search pages while six
          staff publish through the console over HTTP, a cycle every 5 s: zero errors on both sides,
          every item published public at once and after (bench/incident.py; ``--via`` as for mixed).
Gunicorn runs 2 sync workers by default (``--workers``, ``--worker-class``, ``--threads``).
``--profile FILE`` also samples the gunicorn workers with py-spy during the item run and prints where
the time goes (py-spy from PyPI: ``pip install py-spy``). ``--app MODULE:NAME`` loads another WSGI
application, only to try a change out without editing the project.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
LOCATIONS = REPO / "docs" / "deploy" / "gongkai-locations.conf"
PG_NAME = "gongkai_bench_web"
PROXY_HEADER = ("X-Forwarded-Proto", "https")
SEARCH_WORDS = ["非遗", "名录", "景区", "文化", "执法", "旅游", "通知", "公告"]  # two characters, from TITLES

TITLES = [
    "关于举办{year}年晋中市非遗展演活动的通知",
    "关于公布第{n}批市级非物质文化遗产代表性项目名录的通知",
    "晋中市文化和旅游局关于开展A级旅游景区复核工作的通知",
    "关于印发《晋中市公共文化服务体系建设实施方案》的通知",
    "关于{year}年度文化市场综合执法检查情况的通报",
    "关于征集{year}年全市旅游商品创意设计作品的公告",
]
BODY = "".join(
    f"<p>第{n}条 为进一步做好文化和旅游领域政府信息公开工作,根据《中华人民共和国政府信息公开条例》等规定,"
    "结合本局实际,现将有关事项通知如下,请各单位认真贯彻落实。</p>"
    for n in range(1, 13)
)


# ---------------------------------------------------------------------------------------------------
# The world: database, settings, items.


def _configure(db: str, work: Path) -> dict[str, str]:
    """Production-like settings through the environment, for this process and for gunicorn."""
    env = {
        "DJANGO_SETTINGS_MODULE": "gongkai.config.settings",
        "GONGKAI_DEBUG": "0",
        "GONGKAI_SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789abcdefghijklmnop",
        "GONGKAI_ALLOWED_HOSTS": "127.0.0.1",
        "GONGKAI_VAR_DIR": str(work / "var"),
        "GONGKAI_STATIC_ROOT": str(work / "static"),
        "GONGKAI_MEDIA_ROOT": str(work / "media"),
        "GONGKAI_EXPORT_DIR": str(work / "export"),
        "GONGKAI_LOG_LEVEL": "WARNING",
    }
    if db == "sqlite":
        env["GONGKAI_DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
    else:
        import psycopg

        base = os.environ.get("GONGKAI_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_NAME}")
        env["GONGKAI_DATABASE_URL"] = f"{base}/{PG_NAME}"
    os.environ.update(env)
    return env


def _drop_postgres() -> None:
    import psycopg

    base = os.environ.get("GONGKAI_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")


def _prepare(items: int) -> list[str]:
    """Migrate, collect static files, publish `items` items; returns their index numbers."""
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    from tests import factories

    staff = factories.make_staff()
    numbers = []
    for n in range(items):
        title = TITLES[n % len(TITLES)].format(year=2020 + n % 7, n=n + 1)
        item = factories.make_published(staff, title=title, body=BODY)
        numbers.append(item.index_number)
    from django.db import connections

    connections.close_all()
    return numbers


def _view_count(index_number: str) -> int:
    from django.db import connections

    from gongkai.publishing.models import InformationItem

    try:
        return InformationItem.objects.values_list("view_count", flat=True).get(index_number=index_number)
    finally:
        connections.close_all()


# ---------------------------------------------------------------------------------------------------
# Processes: gunicorn, nginx, wrk.


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={PROXY_HEADER[0]: PROXY_HEADER[1], **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback only)
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited: {log.read_text()[-2000:]}")
        with contextlib.suppress(OSError):
            status, _, _ = _get(url)
            if status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer 200 within {seconds} s")


def _stop(process: subprocess.Popen | None, sig: int = signal.SIGTERM) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _gunicorn(
    env: dict[str, str],
    work: Path,
    port: int,
    workers: int,
    worker_class: str,
    threads: int,
    app: str = "gongkai.config.wsgi:application",
):
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--backlog",
        "2048",
    ]
    if worker_class == "gthread":
        args += ["--threads", str(threads)]
    log = work / "gunicorn.log"
    process = subprocess.Popen(  # noqa: S603
        args, cwd=work, env={**os.environ, **env}, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    return process, log


NGINX_CONF = """\
worker_processes 2;
pid @WORK@/nginx.pid;
error_log @WORK@/nginx-error.log warn;
events { worker_connections 4096; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path @WORK@/nginx-tmp/client;
    proxy_temp_path @WORK@/nginx-tmp/proxy;
    fastcgi_temp_path @WORK@/nginx-tmp/fastcgi;
    uwsgi_temp_path @WORK@/nginx-tmp/uwsgi;
    scgi_temp_path @WORK@/nginx-tmp/scgi;
    proxy_cache_path @WORK@/nginx-cache keys_zone=gongkai_micro:10m max_size=100m inactive=60s;
    upstream gongkai_app {
        server 127.0.0.1:@APP_PORT@;
        keepalive 32;
    }
    # As behind the TLS terminator of the deployment (nginx-static-export.conf maps it to $scheme).
    map $scheme $gongkai_forwarded_proto {
        default https;
    }
    server {
        listen 127.0.0.1:@PORT@;
        root @EXPORT@;
        charset utf-8;
        include @LOCATIONS@;
        # The control: the same HTML file, a plain copy on disk, plain static serving.
        location = /plain/index.html {
            root @PLAIN@;
        }
@MICROCACHE@    }
}
"""
# --microcache N (mixed mode through nginx): list and search answers kept N seconds by nginx, one
# request at a time going to the application for a missing one. Not in the deployment's files: a
# proposal, measured here.
MICROCACHE = """        location ~ ^/xxgk/(list|search)/$ {
            proxy_pass http://gongkai_app;
            proxy_cache gongkai_micro;
            proxy_cache_valid 200 @SECONDS@s;
            proxy_cache_lock on;
            proxy_cache_use_stale updating;
            proxy_cache_background_update on;
        }
"""


def _nginx(work: Path, app_port: int, export: Path, plain: Path, microcache: int = 0):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    port = _free_port()
    (work / "nginx-tmp").mkdir()
    conf = work / "nginx.conf"
    text = NGINX_CONF
    for key, value in {
        "@WORK@": str(work),
        "@APP_PORT@": str(app_port),
        "@PORT@": str(port),
        "@EXPORT@": str(export),
        "@PLAIN@": str(plain),
        "@LOCATIONS@": str(LOCATIONS),
        "@MICROCACHE@": MICROCACHE.replace("@SECONDS@", str(microcache)) if microcache else "",
    }.items():
        text = text.replace(key, value)
    conf.write_text(text)
    log = work / "nginx-error.log"
    process = subprocess.Popen(  # noqa: S603
        [nginx, "-p", str(work), "-e", str(log), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=log.open("a"),
    )
    return process, port, log


def _wrk(
    url: str,
    *,
    connections: int,
    seconds: int,
    threads: int = 2,
    paths: list[str] | None = None,
    timeout: int = 2,
    user_agent: str | None = None,
) -> dict:
    """One wrk run; the Lua script prints its summary as one JSON line (see bench/wrk_report.lua)."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is missing: apt-get install -y wrk")
    script = HERE / ("wrk_rotate.lua" if paths else "wrk_report.lua")
    args = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        f"--timeout={timeout}s",
        "-H",
        f"{PROXY_HEADER[0]}: {PROXY_HEADER[1]}",
        *(["-H", f"User-Agent: {user_agent}"] if user_agent else []),
        "-s",
        str(script),
        url,
    ]
    if paths:
        args += ["--", *paths]
    proc = subprocess.run(args, capture_output=True, text=True, check=True)  # noqa: S603
    line = next(line for line in proc.stdout.splitlines() if line.startswith("WRK_JSON "))
    raw = json.loads(line.removeprefix("WRK_JSON "))
    seconds_run = raw["duration_us"] / 1e6
    return {
        "rps": raw["requests"] / seconds_run,
        "requests": raw["requests"],
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "status_errors": raw["status"],
        "socket_errors": raw["connect"] + raw["read"] + raw["write"],
        "timeouts": raw["timeout"],
    }


def _errors_in_log(log: Path, start: int = 0) -> dict[str, int]:
    """Django's request log lines for 4xx/5xx answers ("Internal Server Error: /path") from byte
    ``start`` on, counted by path."""
    pattern = re.compile(r"^(?:[A-Z][\w ]+): (/\S*)$")
    counts: collections.Counter[str] = collections.Counter()
    with log.open("rb") as handle:
        handle.seek(start)
        text = handle.read().decode(errors="replace")
    for line in text.splitlines():
        match = pattern.match(line.strip())
        if match:
            counts[f"{line.split(':')[0]} {match.group(1)}"] += 1
    return dict(counts.most_common(5))


# ---------------------------------------------------------------------------------------------------
# Profiling (py-spy): where a worker's time goes.


def _profile(master_pid: int, seconds: int, out: Path) -> subprocess.Popen:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    return subprocess.Popen(  # noqa: S603
        [
            spy,
            "record",
            "--pid",
            str(master_pid),
            "--subprocesses",
            "--duration",
            str(seconds),
            "--rate",
            "200",
            "--format",
            "raw",
            "--output",
            str(out),
            "--nonblocking",
            "--gil",  # samples of the thread holding the GIL: CPU spent in Python, not waits
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


# Buckets for a sample: the first bucket any of its frames falls in (so a query run from a template
# counts as database work, and Django's generic code only what is left).
PROFILE_BUCKETS = [
    ("database driver and wire (psycopg / sqlite3)", ("psycopg/", "psycopg_binary", "sqlite3/")),
    ("ORM: compiling SQL, building model rows", ("django/db/",)),
    ("templates", ("django/template/", "templatetags/")),
    ("Gongkai code (views, selectors, models)", ("gongkai/",)),
    ("Django handler, middleware, URLs", ("django/", "whitenoise/", "axes/", "asgiref/")),
    ("gunicorn (HTTP parsing, socket I/O)", ("gunicorn/",)),
]


def _bucket(frames: list[str]) -> str:
    for name, needles in PROFILE_BUCKETS:
        if any(needle in frame for frame in frames for needle in needles):
            return name
    return "other"


def _summarise_profile(raw: Path) -> dict:
    """py-spy's collapsed stacks (GIL holder only) → share of CPU samples per bucket and the heaviest
    functions, inclusive, line numbers dropped."""
    buckets: collections.Counter[str] = collections.Counter()
    functions: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = [
            re.sub(r":\d+\)$", ")", frame)
            for frame in stack.split(";")
            if not frame.startswith(("process ", "thread "))
        ]
        total += n
        buckets[_bucket(frames)] += n
        for frame in set(frames):
            functions[frame] += n
    if not total:
        return {}
    return {
        "samples": total,
        "buckets %": {name: round(100 * n / total, 1) for name, n in buckets.most_common()},
        "functions %": [(frame, round(100 * n / total, 1)) for frame, n in functions.most_common(60)],
    }


# ---------------------------------------------------------------------------------------------------
# The three modes.


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def _postgres_backends() -> list[int]:
    """The server processes serving the benchmark's database (their CPU is part of a page's cost)."""
    if not os.environ.get("GONGKAI_DATABASE_URL", "").startswith("postgres"):
        return []
    import psycopg

    base = os.environ.get("GONGKAI_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [PG_NAME]).fetchall()
    return [pid for (pid,) in rows]


def _item_mode(base: str, page: str, args, master_pid: int, work: Path) -> dict:
    agent = args.user_agent
    _wrk(base + page, connections=args.connections, seconds=5, user_agent=agent)  # warm-up
    profiler = None
    if args.profile:
        profiler = _profile(master_pid, args.duration, Path(args.profile))
    # CPU time per request does not depend on what else the machine runs, unlike requests/s.
    workers, backends = _children(master_pid), _postgres_backends()
    cpu_before = _cpu_seconds(workers), _cpu_seconds(backends)
    run = _wrk(base + page, connections=args.connections, seconds=args.duration, user_agent=agent)
    app_ms = 1000 * (_cpu_seconds(workers) - cpu_before[0]) / run["requests"]
    db_ms = 1000 * (_cpu_seconds(backends) - cpu_before[1]) / run["requests"]
    figures = {
        "req/s": round(run["rps"]),
        "p50 ms": round(run["p50_ms"], 1),
        "p99 ms": round(run["p99_ms"], 1),
        "errors": run["status_errors"] + run["socket_errors"] + run["timeouts"],
        "gunicorn CPU ms/req": round(app_ms, 2),
    }
    if backends:
        figures["postgres CPU ms/req"] = round(db_ms, 2)
    # What the CPUs could give if nothing else ran (wrk's own share left out).
    figures["CPU-bound ceiling req/s"] = round((os.cpu_count() or 1) * 1000 / (app_ms + db_ms))
    if profiler is not None:
        profiler.wait()
        summary = _summarise_profile(Path(args.profile))
        print(json.dumps(summary, ensure_ascii=False, indent=1), file=sys.stderr)
    return {
        "figures": figures,
        "target": "≥ 1,000 req/s (item page, gunicorn)",
        "met": run["rps"] >= 1000,
    }


def _export_behind_nginx(env: dict[str, str], work: Path, app_port: int, page: str, microcache: int = 0):
    """Export every page (portal/export.py, in this process, with gunicorn's settings), copy the one
    under test to a plain directory, start nginx; checks that the page really comes from the file and
    that a page without a file falls back to the application."""
    from gongkai.portal import export

    export_dir = Path(env["GONGKAI_EXPORT_DIR"])
    report = export.export_site(export_dir)
    index_number = page.removeprefix("/xxgk/items/").removesuffix("/")
    exported = export.page_path(export_dir, index_number)
    plain = work / "plain"
    (plain / "plain").mkdir(parents=True)
    shutil.copyfile(exported, plain / "plain" / "index.html")
    (plain / "plain" / "index.html").chmod(0o644)
    for directory in (work, export_dir, plain):  # nginx's workers run as another user
        for path in [directory, *directory.rglob("*")]:
            if path.is_dir():
                path.chmod(0o755)
    nginx, port, log = _nginx(work, app_port, export_dir, plain, microcache)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base + "/plain/index.html", nginx, log)
        status, headers, body = _get(base + page)
        if status != 200 or headers.get("X-Gongkai-Export") != "1" or body != exported.read_bytes():
            raise RuntimeError(f"nginx did not serve the exported file for {page} (status {status})")
        status, _, _ = _get(base + "/xxgk/items/NO-SUCH/2026-99999/")
        if status != 404:
            raise RuntimeError(f"the fallback to the application answered {status}, not 404")
    except BaseException:
        _stop(nginx, signal.SIGQUIT)
        raise
    return nginx, base, report.written


def _static_mode(page: str, args, env: dict[str, str], work: Path, app_port: int) -> dict:
    index_number = page.removeprefix("/xxgk/items/").removesuffix("/")
    views_before = _view_count(index_number)
    nginx, base, written = _export_behind_nginx(env, work, app_port, page)
    try:
        _wrk(base + page, connections=args.connections, seconds=3)  # warm-up
        _wrk(base + "/plain/index.html", connections=args.connections, seconds=3)
        exported_runs, plain_runs = [], []
        rounds = 3
        each = max(args.duration // rounds, 5)
        for _ in range(rounds):  # interleaved, so that drift in the machine hits both alike
            exported_runs.append(_wrk(base + page, connections=args.connections, seconds=each))
            plain_runs.append(_wrk(base + "/plain/index.html", connections=args.connections, seconds=each))
    finally:
        _stop(nginx, signal.SIGQUIT)
    exported_rps = statistics.median(run["rps"] for run in exported_runs)
    plain_rps = statistics.median(run["rps"] for run in plain_runs)
    errors = sum(r["status_errors"] + r["socket_errors"] + r["timeouts"] for r in exported_runs + plain_runs)
    ratio = exported_rps / plain_rps
    return {
        "figures": {
            "exported req/s": round(exported_rps),
            "plain req/s": round(plain_rps),
            "ratio %": round(100 * ratio, 1),
            "exported p99 ms": round(max(run["p99_ms"] for run in exported_runs), 2),
            "plain p99 ms": round(max(run["p99_ms"] for run in plain_runs), 2),
            "pages exported": written,
            "views counted": _view_count(index_number) - views_before,
            "errors": errors,
        },
        "target": "exported ≥ 50% of a plain file (nginx)",
        "met": ratio >= 0.5,
    }


def _mixed_mode(base: str, numbers: list[str], args, log: Path, nginx_setup) -> dict:
    """A third each: the list page, item pages (rotating over 48 items) and the search page (rotating
    over 8 words)."""
    from urllib.parse import quote

    items = [f"/xxgk/items/{quote(number)}/" for number in numbers[:48]]
    searches = [f"/xxgk/search/?q={quote(word)}" for word in SEARCH_WORDS]
    pages = {"list": "/xxgk/list/", "item": items[0], "search": searches[0]}
    status = {name: _get(base + path)[0] for name, path in pages.items()}
    with_search = status["search"] != 404
    paths = [
        path
        for n, item in enumerate(items)
        for path in ("/xxgk/list/", item, *([searches[n % len(searches)]] if with_search else []))
    ]
    nginx = None
    if args.via == "nginx":
        nginx, base, _written = nginx_setup()
    try:
        _wrk(base + "/xxgk/list/", connections=20, seconds=3, paths=paths)  # warm-up
        log_start = log.stat().st_size
        run = _wrk(
            base + "/xxgk/list/",
            connections=args.mixed_connections,
            seconds=args.mixed_duration,
            paths=paths,
        )
    finally:
        _stop(nginx, signal.SIGQUIT)
    figures = {
        "req/s": round(run["rps"]),
        "p50 ms": round(run["p50_ms"], 1),
        "p99 ms": round(run["p99_ms"], 1),
        "max ms": round(run["max_ms"], 1),
        "non-2xx/3xx": run["status_errors"],
        "socket errors": run["socket_errors"],
        "timeouts (2 s)": run["timeouts"],
        "first answers": ", ".join(f"{name} {code}" for name, code in status.items()),
    }
    if not with_search:
        figures["search"] = "404 (not built yet): left out, rerun later"
    errors = _errors_in_log(log, log_start)
    if errors:
        figures["errors by path"] = errors
    failed = run["status_errors"] + run["socket_errors"] + run["timeouts"]
    return {
        "figures": figures,
        "target": f"0 errors: {args.mixed_connections} connections × {args.mixed_duration} s",
        "met": failed == 0 and all(code == 200 for name, code in status.items() if name != "search"),
    }


def run(args) -> dict:
    work = Path(tempfile.mkdtemp(prefix="gongkai-bench-web-"))
    gunicorn = None
    try:
        env = _configure(args.db, work)
        started = time.perf_counter()
        numbers = _prepare(args.items)
        setup_seconds = time.perf_counter() - started
        page = f"/xxgk/items/{numbers[len(numbers) // 2]}/"
        app_port = _free_port()
        gunicorn, log = _gunicorn(
            env, work, app_port, args.workers, args.worker_class, args.threads, args.app
        )
        base = f"http://127.0.0.1:{app_port}"
        _wait_until_up(base + page, gunicorn, log)
        if args.mode == "item":
            result = _item_mode(base, page, args, gunicorn.pid, work)
        elif args.mode == "static":
            result = _static_mode(page, args, env, work, app_port)
        elif args.mode == "incident":
            from bench.incident import incident_mode

            result = incident_mode(
                base, numbers, args, log, lambda: _export_behind_nginx(env, work, app_port, page)
            )
        else:
            result = _mixed_mode(
                base,
                numbers,
                args,
                log,
                lambda: _export_behind_nginx(env, work, app_port, page, args.microcache),
            )
    finally:
        _stop(gunicorn)
        if args.db == "postgres":
            with contextlib.suppress(Exception):
                from django.db import connections

                connections.close_all()
            _drop_postgres()
        shutil.rmtree(work, ignore_errors=True)
    threads = f"×{args.threads} threads" if args.worker_class == "gthread" else ""
    config = (
        f"{args.db}, gunicorn {args.workers} {args.worker_class} workers{threads and ' ' + threads}, "
        f"{args.items} items"
    )
    if args.mode in ("item", "static"):
        config += f", {args.connections} conns × {args.duration} s"
    if args.mode == "incident":
        config += (
            f", {args.incident_connections} conns × {args.incident_duration} s, wrk timeout "
            f"{args.incident_timeout} s"
        )
    if args.mode in ("mixed", "incident"):
        config += f", {'nginx + static export' if args.via == 'nginx' else 'gunicorn directly'}"
        if args.via == "nginx" and args.microcache:
            config += f" + {args.microcache} s microcache (list, search)"
    if args.app != "gongkai.config.wsgi:application":
        config += f", app {args.app}"
    if args.mode == "item" and args.user_agent:
        config += f", User-Agent {args.user_agent!r} (views not counted)"
    print(f"setup {setup_seconds:.1f} s", file=sys.stderr)
    return {
        "benchmark": f"public pages: {args.mode}",
        "config": config,
        **result,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--mode", choices=["item", "static", "mixed", "incident"], required=True)
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="sync")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=int, default=25)
    parser.add_argument("--mixed-connections", type=int, default=200)
    parser.add_argument("--mixed-duration", type=int, default=60)
    parser.add_argument("--incident-connections", type=int, default=500)
    parser.add_argument("--incident-duration", type=int, default=60)
    parser.add_argument(
        "--incident-timeout", type=int, default=2, help="incident mode: wrk's --timeout (slower = an error)"
    )
    parser.add_argument(
        "--publish-interval", type=float, default=5, help="incident mode: a publish cycle every N s"
    )
    parser.add_argument(
        "--staff-timeout", type=float, default=60, help="incident mode: the staff's wait for one answer"
    )
    parser.add_argument(
        "--via",
        choices=["gunicorn", "nginx"],
        default="gunicorn",
        help="mixed and incident modes: whom wrk (and the staff) talk to",
    )
    parser.add_argument(
        "--user-agent", help="item mode: e.g. 'bench-bot' to see the page without its view-count write"
    )
    parser.add_argument(
        "--microcache", type=int, default=0, help="mixed mode via nginx: cache list and search N s"
    )
    parser.add_argument(
        "--app",
        default="gongkai.config.wsgi:application",
        help="the WSGI application gunicorn loads (another one only to try a change out)",
    )
    parser.add_argument("--profile", help="item mode: write py-spy's collapsed stacks here and summarise")
    args = parser.parse_args()
    print(json.dumps(run(args), ensure_ascii=False))


if __name__ == "__main__":
    main()
