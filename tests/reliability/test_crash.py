"""Crashes in the middle of publishing and of 舆情 ingest (issue 9 item 5): a process killed with SIGKILL,
or PostgreSQL stopped with ``pg_ctl stop -m immediate``, leaves no half-done state, and the job run again
completes, once.

The jobs run for real in subprocesses (tests/reliability/driver.py, and the `gongkai poll` command
itself) against a database of their own: a SQLite file, or a database on the suite's PostgreSQL server
(copied from a migrated and seeded template made once per run); the restart test starts a throwaway
PostgreSQL cluster of its own and never touches the shared server. Where a crash must land is chosen
either deterministically — the driver wraps a product function so that the job stops and waits at that
point (inside the transaction, or between the commit and the after-commit work) — or by watching the
job from outside (its write transaction seen open in pg_stat_activity or as SQLite's write lock) or
by time.

What must hold after every crash (the driver's STATE report):
- publishing: an item is either published — index number, live revision, published revision, approval
  form, one audit event per published revision — or untouched; the counters have no gap;
- ingest: the entries seen, the mentions (each in a case), the source's success and the audit events of
  a poll are all there or none of them is;
- notifications: an announcement's console notifications and its outbox rows (e-mails, robot messages)
  are all there or none of them is, and what was committed is sent by the outbox job, once;
- the audit chain verifies.
The search index is derived from the items after commit: a crash between a publication's commit and its
index update leaves that one entry missing or stale, and the repair job (every ten minutes in the
worker) makes it good — shown here, window included.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest

from tests.concerns.test_notify import robots  # noqa: F401  (the group robots' local server, a fixture)

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
GONGKAI = Path(sys.executable).with_name("gongkai")
FEED_ENTRIES = 60
SEEDED_PUBLISHED = [9, 10]  # the driver's seed: items 1–8 approved, 9 and 10 live with a new revision
ALL_ITEMS = list(range(1, 11))
WAIT = 90  # seconds, at most, for a subprocess to reach a point (a loaded machine is slow)


def _pg_bin() -> Path | None:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    found = shutil.which("initdb")
    return Path(found).parent if found else None


# --- the databases ------------------------------------------------------------------------------------


class Place:
    """A database for the jobs and the folders their settings point at."""

    def __init__(self, url: str, folder: Path, *, sqlite_path: Path | None = None, pg: dict | None = None):
        self.url = url
        self.folder = folder
        self.sqlite_path = sqlite_path
        self.pg = pg  # connection keywords for psycopg when on PostgreSQL
        (folder / "replays").mkdir(parents=True, exist_ok=True)

    @property
    def env(self) -> dict:
        return self.environment()

    def environment(self, settings: str = "gongkai.config.test_settings") -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GONGKAI_", "DJANGO_"))}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": settings,
                "GONGKAI_DATABASE_URL": self.url,
                "GONGKAI_VAR_DIR": str(self.folder / "var"),
                "GONGKAI_MEDIA_ROOT": str(self.folder / "media"),
                "GONGKAI_CONCERN_LOCAL_ROOT": str(self.folder / "replays"),
                "GONGKAI_DB_CONN_MAX_AGE": "0",
                "PYTHONPATH": str(ROOT),
            }
        )
        return env

    def write_transaction_open(self) -> bool:
        """Whether a job holds a write transaction now (seen from outside)."""
        if self.sqlite_path is not None:
            probe = sqlite3.connect(self.sqlite_path, timeout=0, isolation_level=None)
            try:
                probe.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:  # database is locked: someone is writing
                return True
            else:
                probe.execute("ROLLBACK")
                return False
            finally:
                probe.close()
        import psycopg

        with psycopg.connect(**self.pg, autocommit=True) as probe:
            (count,) = probe.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'gongkai-crash' "
                "AND datname = %s AND backend_xid IS NOT NULL",
                [self.pg["dbname"]],
            ).fetchone()
        return count > 0


def run_checked(args, env, *, timeout=300) -> str:
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode:
        raise AssertionError(
            f"{args} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
        )
    return done.stdout


def prepare(place: Place) -> None:
    """Migrate and seed (the driver's seed: staff, approved items, a local source with its rule)."""
    run_checked([str(GONGKAI), "migrate", "-v0"], place.env)
    run_checked([PYTHON, "-m", "tests.reliability.driver", "seed"], place.env)


def _suite_pg() -> dict | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    settings = connection.settings_dict
    return {
        "host": settings["HOST"] or "127.0.0.1",
        "port": int(settings["PORT"] or 5432),
        "user": settings["USER"] or "postgres",
        "password": settings["PASSWORD"] or "",
        "base": re.sub(r"[^a-z0-9_]", "_", str(settings["NAME"]).lower())[:40],
    }


def _pg_url(server: dict, name: str) -> str:
    auth = server["user"] + (f":{server['password']}" if server["password"] else "")
    return f"postgres://{auth}@{server['host']}:{server['port']}/{name}?application_name=gongkai-crash"


def _pg_admin(server: dict, *statements: str) -> None:
    import psycopg

    with psycopg.connect(
        host=server["host"],
        port=server["port"],
        user=server["user"],
        password=server["password"],
        dbname="postgres",
        autocommit=True,
    ) as admin:
        for statement in statements:
            admin.execute(statement)


@pytest.fixture(scope="session")
def template(tmp_path_factory):
    """A migrated, seeded database on the suite's backend, made once: a SQLite file, or a database on
    the suite's PostgreSQL server (dropped at the end)."""
    folder = tmp_path_factory.mktemp("crash-template")
    server = _suite_pg()
    if server is None:
        path = folder / "template.sqlite3"
        prepare(Place(f"sqlite:///{path}", folder, sqlite_path=path))
        yield {"sqlite": path}
        return
    name = f"{server['base']}_crashtpl"
    _pg_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    try:
        prepare(Place(_pg_url(server, name), folder))
        yield {"server": server, "name": name}
    finally:
        _pg_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def place(template, tmp_path):
    """A fresh copy of the template for one test."""
    if "sqlite" in template:
        path = tmp_path / "db.sqlite3"
        shutil.copyfile(template["sqlite"], path)
        yield Place(f"sqlite:///{path}", tmp_path, sqlite_path=path)
        return
    server = template["server"]
    name = f"{server['base']}_crash_{uuid.uuid4().hex[:8]}"
    _pg_admin(server, f'CREATE DATABASE "{name}" TEMPLATE "{template["name"]}"')
    try:
        pg = {k: server[k] for k in ("host", "port", "user", "password")} | {"dbname": name}
        yield Place(_pg_url(server, name), tmp_path, pg=pg)
    finally:
        _pg_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the jobs -----------------------------------------------------------------------------------------


_running: list[Job] = []


@pytest.fixture(autouse=True)
def _no_process_left():
    """Whatever a test asserts, the processes it started end with it."""
    yield
    while _running:
        job = _running.pop()
        if job.process.poll() is None:
            job.kill()


class Job:
    """A driver subprocess: its output lines as they come, STATE reports parsed."""

    def __init__(
        self, place: Place, *args: str, command: list[str] | None = None, settings: str | None = None
    ):
        self.errors = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115  (open while the process runs)
        self.process = subprocess.Popen(
            command or [PYTHON, "-m", "tests.reliability.driver", *args],
            cwd=ROOT,
            env=place.environment(settings) if settings else place.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors,
            text=True,
        )
        _running.append(self)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def stderr(self, tail: int = 4000) -> str:
        self.errors.seek(0)
        return self.errors.read()[-tail:]

    def wait_for(self, tag: str, timeout: float = WAIT):
        """The payload of the next line starting with `tag` (parsed JSON, or None)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self.kill()
                raise AssertionError(
                    f"no {tag} within {timeout} s; output {self.seen}\n{self.stderr()}"
                ) from None
            if line is None:
                self.process.wait()
                raise AssertionError(f"the job ended before {tag}; output {self.seen}\n{self.stderr()}")
            self.seen.append(line[:300])
            if line == tag or line.startswith(tag + " "):
                rest = line[len(tag) :].strip()
                return json.loads(rest) if rest else None

    def send(self) -> None:
        self.process.stdin.write("go\n")
        self.process.stdin.flush()

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def finish(self) -> None:
        self.wait_for("DONE")
        assert self.process.wait(timeout=WAIT) == 0, self.stderr()


def sound(state: dict) -> None:
    """No half-done state: the invariants the driver checks, and an intact audit chain."""
    assert state["publishing"]["problems"] == [], state["publishing"]
    assert state["concerns"]["problems"] == [], state["concerns"]
    assert state["outbox"]["problems"] == [], state["outbox"]
    assert state["audit_chain"] == []


def search_in_step(publishing: dict) -> bool:
    return not (publishing["search_missing"] or publishing["search_stale"] or publishing["search_extra"])


def write_feed(place: Place, entries: int = FEED_ENTRIES) -> None:
    """A local RSS replay of `entries` distinct items, all about 景区 (the seeded rule's term)."""
    rng = random.Random(9)
    chars = "游客门票排队厕所停车收费服务态度投诉价格导游卫生安全设施开放时间预约交通拥堵餐饮住宿环境管理"
    items = []
    for n in range(entries):
        title = f"景区{''.join(rng.choice(chars) for _ in range(10))}第{n}条"
        body = (
            "".join(rng.choice(chars) for _ in range(80))
            + "景区游客反映"
            + "".join(rng.choice(chars) for _ in range(40))
        )
        items.append(
            f"<item><title>{title}</title><link>https://news.example.cn/a/{n}.html</link>"
            f"<guid>g-{n}</guid><description>{body}</description></item>"
        )
    (place.folder / "replays" / "big.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>回放</title>'
        + "".join(items)
        + "</channel></rss>",
        encoding="utf-8",
    )


# --- publishing ---------------------------------------------------------------------------------------


def test_killing_publication_midway_leaves_all_or_nothing_and_a_rerun_completes_once(place):
    # 1. Killed inside the transaction publishing item 10 (its new revision replacing the live one):
    #    the index number, revision, item and approval form are written but not committed.
    job = Job(place, "publish", "--pause", "in-transaction")
    seeded = job.wait_for("STATE")
    job.wait_for("PAUSED")
    job.kill()
    sound(seeded)
    assert seeded["publishing"]["published"] == SEEDED_PUBLISHED and search_in_step(seeded["publishing"])

    # 2. Killed after the commit of item 10, before its after-commit work (the search index).
    job = Job(place, "publish", "--pause", "after-commit")
    after_first = job.wait_for("STATE")
    job.wait_for("PAUSED")
    job.kill()
    sound(after_first)
    publishing = after_first["publishing"]
    assert publishing["published"] == SEEDED_PUBLISHED
    assert publishing["live_revisions"] == {"9": 1, "10": 1}  # nothing of the killed publication
    assert publishing["index_counter"] == 2 and publishing["published_events"] == 2
    assert search_in_step(publishing)

    # 3. Killed at a moment chosen by time while publishing the others.
    job = Job(place, "publish")
    after_second = job.wait_for("STATE")
    job.wait_for("PUBLISHED")
    time.sleep(random.Random().uniform(0, 0.15))
    job.kill()
    sound(after_second)
    publishing = after_second["publishing"]
    assert publishing["live_revisions"]["10"] == 2  # committed: the new revision is live, numbered, audited
    assert publishing["published_events"] == 3 and publishing["index_counter"] == 2  # 10 kept its number
    assert publishing["search_stale"] == [10]  # the one thing a crash after commit leaves: the index lags

    # 4. The job again, then the worker's repair job.
    job = Job(place, "publish", "repair")
    after_third = job.wait_for("STATE")
    published = job.wait_for("STATE")
    repaired = job.wait_for("STATE")
    job.finish()
    sound(after_third)
    for state in (published, repaired):
        sound(state)
        publishing = state["publishing"]
        assert publishing["published"] == ALL_ITEMS and publishing["waiting"] == []
        assert publishing["live_revisions"] == {
            str(pk): 2 if pk in SEEDED_PUBLISHED else 1 for pk in ALL_ITEMS
        }
        # exactly once: ten numbers with no gap, one audit event per published revision (10 + 2 revisions)
        assert [int(n[-5:]) for n in publishing["index_numbers"]] == ALL_ITEMS
        assert publishing["index_counter"] == 10 and publishing["published_events"] == 12
    assert search_in_step(repaired["publishing"])
    assert repaired["publishing"]["search_finds_revised"] == SEEDED_PUBLISHED  # the new titles are found


def test_the_repair_job_runs_every_ten_minutes():
    """The window a crash after commit leaves in the search index is closed by this job."""
    import datetime

    from gongkai.search.tasks import repair_search_index

    hour = datetime.datetime(2026, 12, 1, 9, 0)
    runs = [
        m
        for m in range(60)
        if repair_search_index.s().validate_datetime(hour + datetime.timedelta(minutes=m))
    ]
    assert len(runs) >= 6 and max(b - a for a, b in zip(runs, runs[1:] + [runs[0] + 60], strict=True)) <= 10


# --- ingest -------------------------------------------------------------------------------------------


def test_killing_an_ingest_midway_leaves_all_or_nothing_and_a_rerun_completes_once(place):
    write_feed(place)

    # 1. Killed inside the poll's transaction: every mention and case stored, nothing committed.
    job = Job(place, "poll", "--pause", "in-transaction")
    job.wait_for("STATE")
    job.wait_for("PAUSED")
    job.kill()

    # 2. The real command, killed as soon as its write transaction is seen open from outside.
    command = Job(place, command=[str(GONGKAI), "poll"])
    deadline = time.monotonic() + WAIT
    while not place.write_transaction_open():
        assert command.process.poll() is None, (
            f"`gongkai poll` ended before it was killed\n{command.stderr()}"
        )
        assert time.monotonic() < deadline, "the poll's transaction was never seen"
        time.sleep(0.005)
    # A random point inside the transaction; kept short: on a fast machine the poll's whole transaction
    # can take less than a few tenths of a second, and a kill after its commit is case 3, not this one.
    time.sleep(random.Random().uniform(0, 0.02))
    command.kill()

    # 3. Killed after the commit.
    job = Job(place, "poll", "--pause", "after-commit")
    after_kills = job.wait_for("STATE")
    job.wait_for("PAUSED")
    job.kill()
    sound(after_kills)
    concerns = after_kills["concerns"]
    assert (concerns["seen"], concerns["mentions"], concerns["cases"], concerns["polls"]) == (0, 0, 0, 0)
    assert not concerns["last_success"] and concerns["failures"] == 0

    # 4. The same job again (the source made due): everything was there once, nothing is added.
    job = Job(place, "poll", "--due")
    committed = job.wait_for("STATE")
    polled = job.wait_for("POLLED")
    again = job.wait_for("STATE")
    job.finish()
    for state in (committed, again):
        sound(state)
        concerns = state["concerns"]
        assert (concerns["seen"], concerns["mentions"], concerns["polls"], concerns["batches"]) == (
            FEED_ENTRIES,
            FEED_ENTRIES,
            1,
            1,
        )
        assert concerns["cases"] >= 1 and concerns["last_success"]
    assert polled == {"new": 0, "created": 0, "error": ""}
    assert again["concerns"]["cases"] == committed["concerns"]["cases"]


# --- notifications ------------------------------------------------------------------------------------


def test_killing_an_announcement_after_its_commit_loses_no_message_and_the_outbox_job_sends_it_once(
    place,
    robots,  # noqa: F811
):
    robot = f"{robots.url}/wecom"

    # 1. Killed inside the change: console notifications and outbox rows written, nothing committed.
    job = Job(place, "announce", "--robot", robot, "--pause", "in-transaction")
    job.wait_for("STATE")
    job.wait_for("PAUSED")
    job.kill()

    # 2. Killed after the commit, before the tasks that send the e-mail and the robot message are queued
    #    (before this outbox, the messages were lost here).
    job = Job(place, "announce", "--robot", robot, "--pause", "after-commit")
    after_first = job.wait_for("STATE")
    job.wait_for("PAUSED")
    job.kill()
    sound(after_first)
    assert after_first["outbox"] == {
        "problems": [],
        "notifications": 0,
        "messages": 0,
        "unsent": 0,
        "attempts": 0,
        "mails": 0,
    }

    assert robots.requests == []

    # 3. The worker started again: its outbox job (every 5 minutes) finds the committed messages.
    job = Job(place, "deliver", "--due")
    restarted = job.wait_for("STATE")
    delivered = job.wait_for("DELIVERED")
    done = job.wait_for("STATE")
    job.finish()
    sound(restarted)
    outbox = restarted["outbox"]
    assert outbox["notifications"] >= 1
    assert (outbox["messages"], outbox["unsent"], outbox["attempts"], outbox["mails"]) == (2, 2, 0, 0)
    assert delivered == 2
    sound(done)
    assert (done["outbox"]["unsent"], done["outbox"]["attempts"], done["outbox"]["mails"]) == (0, 2, 1)
    [request] = robots.requests
    assert request["body"]["markdown"]["content"].startswith("**【紧急】舆情突增预警")

    # 4. Once: the job again sends nothing more.
    job = Job(place, "deliver", "--due")
    job.wait_for("STATE")
    assert job.wait_for("DELIVERED") == 0
    again = job.wait_for("STATE")
    job.finish()
    assert (again["outbox"]["messages"], again["outbox"]["unsent"], again["outbox"]["mails"]) == (2, 0, 1)
    assert len(robots.requests) == 1


def huey_lock_held(place: Place) -> bool:
    """Whether the polling task's huey lock is in the worker's queue storage (SqliteHuey under var/)."""
    path = place.folder / "var" / "huey.sqlite3"
    if not path.exists():
        return False
    with contextlib.closing(sqlite3.connect(path, timeout=5)) as huey:
        return bool(
            huey.execute("SELECT count(*) FROM kv WHERE key = 'gongkai.lock.concerns-poll'").fetchone()[0]
        )


def _suite_on_sqlite() -> bool:
    from django.db import connection

    return connection.vendor == "sqlite"


@pytest.mark.skipif(
    "not _suite_on_sqlite()",
    reason="the subject is the queue's lock (huey storage), whatever the database: runs with the SQLite suite",
)
def test_a_worker_killed_while_polling_leaves_no_stale_lock_once_it_is_started_again(place):
    """The worker's polling task holds a huey lock (no two polls at once); a worker killed during the
    task leaves it behind, and the task would be refused every minute after: `gongkai worker` clears
    it when it starts. Production settings here: the queue is a SqliteHuey file, as without Redis."""
    production = "gongkai.config.settings"
    write_feed(place, 20)

    job = Job(place, "worker-poll", "--pause", "in-transaction", settings=production)
    job.wait_for("PAUSED")
    job.kill()
    assert huey_lock_held(place)  # what the killed worker left

    worker = Job(place, command=[str(GONGKAI), "worker", "--workers", "1"], settings=production)
    deadline = time.monotonic() + WAIT
    while huey_lock_held(place):
        assert worker.process.poll() is None, f"the worker stopped\n{worker.stderr()}"
        assert time.monotonic() < deadline, f"the worker did not clear the lock\n{worker.stderr()}"
        time.sleep(0.05)
    # SIGINT: huey's graceful stop, which lets a periodic task that started meanwhile finish (and release
    # its lock); SIGTERM would stop it in the middle, like the kill above.
    worker.process.send_signal(signal.SIGINT)
    try:
        worker.process.wait(timeout=WAIT)
    except subprocess.TimeoutExpired:
        worker.kill()
    assert "Found stale locks: concerns-poll" in worker.stderr(tail=10**7)  # said by huey

    # The task runs again and completes (its first STATE: the killed batch left nothing; had the worker
    # run its own poll meanwhile, that poll's whole batch).
    job = Job(place, "worker-poll", "--due", settings=production)
    after = job.wait_for("STATE")
    assert job.wait_for("POLLED") == {"sources": 1}
    done = job.wait_for("STATE")
    job.finish()
    sound(after)
    assert after["concerns"]["seen"] in (0, 20) and after["concerns"]["mentions"] == after["concerns"]["seen"]
    sound(done)
    concerns = done["concerns"]
    assert (concerns["seen"], concerns["mentions"], concerns["polls"], concerns["batches"]) == (20, 20, 1, 1)
    assert not huey_lock_held(place)


# --- PostgreSQL stopped and started again -------------------------------------------------------------


class Cluster:
    """A throwaway PostgreSQL cluster in a temporary folder, on a free port (run as the postgres user
    when the tests run as root: initdb refuses root)."""

    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.dir = Path(tempfile.mkdtemp(prefix="gongkai-crash-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.dir, user="postgres")

    def _run(self, *args: str, timeout: float = 120) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=self.dir)
        if done.returncode:
            log = (
                (self.dir / "log").read_text(errors="replace")[-2000:] if (self.dir / "log").exists() else ""
            )
            raise RuntimeError(f"{args[0]} failed: {done.stdout[-1000:]}{done.stderr[-2000:]}\n{log}")

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")

    def start(self) -> None:
        # fsync off: `stop -m immediate` kills the server's processes, not the machine, so what they wrote
        # is still there for the recovery; it only makes the restore and the recovery quicker.
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def recoveries(self) -> int:
        """How many times the server started after a crash (it says so in its log)."""
        return (self.dir / "log").read_text(errors="replace").count("automatic recovery in progress")

    def remove(self) -> None:
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def cluster(template):
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.skip("running as root without runuser: initdb cannot run")
    cluster = Cluster(bin_dir)
    try:
        cluster.init()
        cluster.start()
    except RuntimeError as exc:
        cluster.remove()
        pytest.skip(f"a throwaway PostgreSQL cluster cannot be started here: {exc}")
    try:
        yield cluster
    finally:
        cluster.remove()


@pytest.mark.postgres_only
def test_postgresql_stopped_midway_and_started_again_leaves_all_or_nothing_and_the_job_completes_once(
    template, cluster, tmp_path
):
    # The seeded template from the suite's server, copied into the throwaway cluster.
    server = template["server"]
    dump = tmp_path / "template.dump"
    source_env = {**os.environ, "PGPASSWORD": server["password"]}
    subprocess.run(
        [str(cluster.bin / "pg_dump"), "-Fc", "--no-owner", "-h", server["host"], "-p", str(server["port"])]
        + ["-U", server["user"], "-f", str(dump), template["name"]],
        check=True,
        env=source_env,
        capture_output=True,
        timeout=120,
    )
    target = ["-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres"]
    subprocess.run([str(cluster.bin / "createdb"), *target, "gongkai"], check=True, capture_output=True)
    subprocess.run(
        [
            str(cluster.bin / "pg_restore"),
            "--no-owner",
            "--exit-on-error",
            *target,
            "-d",
            "gongkai",
            str(dump),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=cluster.port, user="postgres", autocommit=True) as admin:
        admin.execute("CHECKPOINT")  # the recovery after each stop replays the jobs' writes only
    place = Place(
        f"postgres://postgres@127.0.0.1:{cluster.port}/gongkai?application_name=gongkai-crash",
        tmp_path,
        pg={
            "host": "127.0.0.1",
            "port": cluster.port,
            "user": "postgres",
            "password": "",
            "dbname": "gongkai",
        },
    )
    write_feed(place)

    # Publishing: the server stops while the publishing transaction is open; the same process (a worker)
    # runs the job again once the server is back.
    job = Job(place, "publish", "--pause", "in-transaction", "--retry")
    job.wait_for("STATE")
    job.wait_for("PAUSED")
    cluster.stop("immediate")
    job.send()
    failure = job.wait_for("FAILED")
    assert "OperationalError" in failure or "InterfaceError" in failure, failure
    cluster.start()
    assert cluster.recoveries() == 1  # a crash as far as PostgreSQL is concerned
    job.send()
    restarted = job.wait_for("STATE")
    done = job.wait_for("STATE")
    job.finish()
    sound(restarted)
    assert restarted["publishing"]["published"] == SEEDED_PUBLISHED
    assert restarted["publishing"]["live_revisions"] == {"9": 1, "10": 1}
    assert restarted["publishing"]["index_counter"] == 2 and restarted["publishing"]["published_events"] == 2
    sound(done)
    assert done["publishing"]["published"] == ALL_ITEMS and done["publishing"]["published_events"] == 12
    assert [int(n[-5:]) for n in done["publishing"]["index_numbers"]] == ALL_ITEMS
    assert search_in_step(done["publishing"])

    # Ingest: the server stops while the poll's transaction holds every mention of the batch.
    job = Job(place, "poll", "--pause", "in-transaction", "--retry")
    job.wait_for("STATE")
    job.wait_for("PAUSED")
    cluster.stop("immediate")
    job.send()
    failure = job.wait_for("FAILED")
    assert "OperationalError" in failure or "InterfaceError" in failure, failure
    cluster.start()
    assert cluster.recoveries() == 2
    job.send()
    restarted = job.wait_for("STATE")
    polled = job.wait_for("POLLED")
    done = job.wait_for("STATE")
    job.finish()
    sound(restarted)
    concerns = restarted["concerns"]
    assert (concerns["seen"], concerns["mentions"], concerns["cases"], concerns["polls"]) == (0, 0, 0, 0)
    assert polled == {"new": FEED_ENTRIES, "created": FEED_ENTRIES, "error": ""}
    sound(done)
    concerns = done["concerns"]
    assert (concerns["seen"], concerns["mentions"], concerns["polls"], concerns["batches"]) == (
        FEED_ENTRIES,
        FEED_ENTRIES,
        1,
        1,
    )
