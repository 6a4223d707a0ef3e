"""`gongkai backup` / `gongkai restore`: round trips with nothing lost, and the refusals.

The round trips restore with the real command in a subprocess into a database freshly made by
`gongkai migrate` (SQLite file or PostgreSQL database of the vendor under test), then read both databases
with plain SQL, table by table, and compare every row and every media file byte for byte. The refusals
run in-process against the test database: each must leave it untouched.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.db.utils import load_backend
from django.utils import timezone

from gongkai.audit import services as audit
from gongkai.audit.models import AuditEvent
from gongkai.audit.verify import verify_chain
from gongkai.concerns.models import Mention
from gongkai.core import backup
from gongkai.core.backup import BackupError, backup_models, create_backup, restore_backup
from gongkai.core.demo import load_demo
from gongkai.orgs.models import Organization, User
from gongkai.participation.models import Comment, Consultation
from gongkai.publishing.models import Attachment, InformationItem, Revision
from gongkai.review.models import Finding
from gongkai.search import index as search_index
from gongkai.search.models import SearchEntry, SearchText
from gongkai.workdays.models import CalendarOverride
from tests.concerns.factories import make_case
from tests.factories import make_published, make_staff

pytestmark = pytest.mark.django_db

SUBPROCESS_TIMEOUT = 300


# --- fresh databases made by `gongkai migrate` in a subprocess ------------------------------------------


def gongkai(*args, url: str, home: Path, media_root: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGKAI_")}
    env.update(
        DJANGO_SETTINGS_MODULE="gongkai.config.test_settings",
        GONGKAI_DATABASE_URL=url,
        GONGKAI_VAR_DIR=str(home),
        GONGKAI_MEDIA_ROOT=str(media_root),
        PYTHONIOENCODING="utf-8",
    )
    return subprocess.run(
        [sys.executable, "-m", "gongkai", *args],
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
    )


def _pg_admin(settings_dict):
    import psycopg

    return psycopg.connect(
        dbname="postgres",
        host=settings_dict["HOST"] or None,
        port=settings_dict["PORT"] or None,
        user=settings_dict["USER"] or None,
        password=settings_dict["PASSWORD"] or None,
        autocommit=True,
    )


def _pg_url(settings_dict, name: str) -> str:
    user = quote(settings_dict["USER"] or "", safe="")
    password = quote(settings_dict["PASSWORD"] or "", safe="")
    auth = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or 5432
    return f"postgres://{auth}{host}:{port}/{name}"


class FreshDatabases:
    """Migrates one template database per vendor once (a subprocess running `gongkai migrate`), then
    hands out copies of it: a SQLite file copy, or a PostgreSQL database created from the template."""

    def __init__(self, root: Path, settings_dict: dict):
        self.root = root
        self.settings_dict = settings_dict
        self.templates: dict[str, str] = {}
        self.pg_databases: list[str] = []
        self.count = 0

    def _template(self, vendor: str) -> str:
        if vendor in self.templates:
            return self.templates[vendor]
        home = self.root / f"template-{vendor}"
        home.mkdir()
        if vendor == "sqlite":
            template = str(home / "template.sqlite3")
            url = f"sqlite:///{template}"
        else:
            template = f"{self.settings_dict['NAME']}_fresh_tmpl"[:63]
            self._pg_create(template)
            url = _pg_url(self.settings_dict, template)
        done = gongkai("migrate", "-v0", url=url, home=home, media_root=home / "media")
        assert done.returncode == 0, done.stderr
        self.templates[vendor] = template
        return template

    def _pg_create(self, name: str, template: str | None = None) -> None:
        with _pg_admin(self.settings_dict) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        self.pg_databases.append(name)

    def new(self, vendor: str) -> FreshDatabase:
        template = self._template(vendor)
        self.count += 1
        home = self.root / f"db{self.count}"
        home.mkdir()
        if vendor == "sqlite":
            path = home / "gongkai.sqlite3"
            shutil.copyfile(template, path)
            return FreshDatabase(f"sqlite:///{path}", home, vendor, {"NAME": str(path)})
        name = f"{self.settings_dict['NAME']}_fresh{self.count}"[:63]
        self._pg_create(name, template)
        return FreshDatabase(_pg_url(self.settings_dict, name), home, vendor, {"NAME": name})

    def drop_all(self) -> None:
        if self.pg_databases:
            with _pg_admin(self.settings_dict) as admin:
                for name in reversed(self.pg_databases):
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class FreshDatabase:
    def __init__(self, url: str, home: Path, vendor: str, overrides: dict):
        self.url = url
        self.home = home
        self.vendor = vendor
        self.media_root = home / "media"
        self.overrides = overrides
        self.alias = f"bkp_{home.name}"
        self._connection = None

    def run(self, *args) -> subprocess.CompletedProcess:
        return gongkai(*args, url=self.url, home=self.home, media_root=self.media_root)

    def connection(self):
        """A Django connection to this database in the test process, under its own alias. It is set in
        `connections` without being configured there: Django's test case allows such dynamic connections."""
        if self._connection is None:
            if self.vendor == connection.vendor:
                config = copy.deepcopy(connection.settings_dict)
                config["TEST"] = {}
            else:
                import dj_database_url

                config = dj_database_url.parse(self.url)
            config.update(self.overrides)
            config = connections.configure_settings({"default": {"ENGINE": "x"}, self.alias: config})[
                self.alias
            ]
            self._connection = load_backend(config["ENGINE"]).DatabaseWrapper(config, self.alias)
            connections[self.alias] = self._connection
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            del connections[self.alias]
            self._connection = None


@pytest.fixture(scope="module")
def fresh_databases(tmp_path_factory, django_db_setup, django_db_blocker):
    factory = FreshDatabases(tmp_path_factory.mktemp("fresh"), dict(connection.settings_dict))
    yield factory
    with django_db_blocker.unblock():
        factory.drop_all()


@pytest.fixture
def fresh(fresh_databases):
    databases = []

    def make(vendor: str | None = None) -> FreshDatabase:
        database = fresh_databases.new(vendor or connection.vendor)
        databases.append(database)
        return database

    yield make
    for database in databases:
        database.close()


# --- reading databases and media folders ----------------------------------------------------------------

NATURAL = set(backup.NATURAL_KEY_MODELS)


def natural_maps(conn) -> dict:
    with conn.cursor() as cursor:
        cursor.execute("SELECT id, app_label, model FROM django_content_type")
        content_types = {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
        cursor.execute("SELECT id, codename, content_type_id FROM auth_permission")
        permissions = {row[0]: (row[1], *content_types[row[2]]) for row in cursor.fetchall()}
    return {ContentType: content_types, Permission: permissions}


def table_rows(conn, model, maps) -> list:
    """Every row of the model's table as plain SQL gives it, ordered by primary key; ids of content types
    and permissions (which differ between databases) replaced by their natural keys."""
    qn = conn.ops.quote_name
    fields = model._meta.local_concrete_fields
    natural = model._meta.label_lower in NATURAL
    # The search index is rebuilt by a restore: its text rows are compared without their ids.
    without_id = natural or model is SearchText
    with conn.cursor() as cursor:
        columns = ", ".join(qn(f.column) for f in fields)
        sql = f"SELECT {columns} FROM {qn(model._meta.db_table)} ORDER BY {qn(model._meta.pk.column)}"  # noqa: S608
        cursor.execute(sql)
        rows = cursor.fetchall()
    out = []
    for row in rows:
        values = []
        for f, value in zip(fields, row, strict=True):
            if without_id and f.primary_key:
                continue
            if isinstance(value, memoryview):
                value = bytes(value)
            target = f.remote_field.model._meta.concrete_model if f.remote_field else None
            if target in maps and value is not None:
                value = maps[target][value]
            values.append(value)
        out.append(tuple(values))
    return sorted(out, key=repr) if without_id else out


def compared_models() -> list:
    return [*backup_models(), SearchEntry, SearchText]


def database_snapshot(conn) -> dict[str, list]:
    maps = natural_maps(conn)
    return {model._meta.label_lower: table_rows(conn, model, maps) for model in compared_models()}


def media_files(root: Path) -> dict[str, bytes]:
    root = Path(root)
    return (
        {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
        if root.exists()
        else {}
    )


AUDIT_TABLES = ("audit.auditevent", "audit.auditchainhead")


def assert_same_databases(source: dict[str, list], restored: dict[str, list]) -> None:
    """Every row is back; the audit log holds exactly one event more: the restore itself, chained on."""
    assert source.keys() == restored.keys()
    for label, rows in source.items():
        if label in AUDIT_TABLES:
            continue
        assert restored[label] == rows, f"{label}: rows differ after the restore"
    events = restored["audit.auditevent"]
    assert events[:-1] == source["audit.auditevent"]
    assert len(events) == len(source["audit.auditevent"]) + 1
    assert "core.backup_restored" in events[-1]


# --- content ----------------------------------------------------------------------------------------------


def add_other_rows(org: Organization, user: User) -> None:
    """Rows the demo does not make: content-type and permission references, link tables, a binary field,
    an auto_now field with an old value, JSON lists, a review finding, a comment, a stale content type."""
    stale = ContentType.objects.create(id=9000, app_label="retired", model="oldthing")
    stale_permission = Permission.objects.create(name="旧权限", codename="old_thing", content_type=stale)
    group = Group.objects.create(name="备份测试组")
    group.permissions.add(stale_permission, Permission.objects.get(codename="view_auditevent"))
    user.user_permissions.add(Permission.objects.get(codename="change_organization"))
    user.groups.add(group)
    LogEntry.objects.create(
        user=user,
        content_type=ContentType.objects.get_for_model(Organization),
        object_id=str(org.pk),
        object_repr=org.name[:200],
        action_flag=ADDITION,
        change_message='[{"added": {}}]',
    )
    LogEntry.objects.create(
        user=user, content_type=stale, object_id="1", object_repr="旧对象", action_flag=ADDITION
    )
    mention = Mention.objects.filter(organization=org).first()
    if mention is not None:
        Mention.objects.filter(pk=mention.pk).update(signature=bytes(range(256)) * 4)
        mention.screenshot.save("shot.png", ContentFile(b"\x89PNG\r\n\x1a\n" + os.urandom(300)), save=True)
    override = CalendarOverride.objects.create(
        date=datetime.date(2027, 2, 6), is_workday=True, note="调休上班"
    )
    CalendarOverride.objects.filter(pk=override.pk).update(
        updated_at=datetime.datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.UTC)
    )
    revision = Revision.objects.filter(item__organization=org).order_by("pk").first()
    revision.co_departments.add(*org.departments.all()[:2])
    Finding.objects.create(
        revision=revision,
        field="body",
        field_label="正文",
        category="sensitive",
        severity="warning",
        detector="term",
        start=3,
        end=7,
        matched="敏感词语",
        context="……敏感词语……",
        key=hashlib.sha256(b"finding").hexdigest(),
    )
    consultation = Consultation.objects.filter(organization=org).first()
    if consultation is not None:
        Comment.objects.create(
            consultation=consultation,
            text="建议延长开放时间。",
            name="李四",
            consented_at=timezone.now(),
            screening=[{"kind": "phone", "text": "138****1234"}, 1.5, None],
        )
    audit.record(action="core.demo_loaded", actor=user, target=org, data={"note": "备份测试", "n": 1.25})


def build_demo_content() -> tuple[Organization, User]:
    result = load_demo("Demo-password-2026")
    org = result.organization
    user = User.objects.get(username="auditor")
    add_other_rows(org, user)
    search_index.rebuild()
    return org, user


def build_small_content() -> Organization:
    staff = make_staff()
    item = make_published(staff)
    data = b"%PDF-1.4 small test file " + os.urandom(64)
    attachment = Attachment.objects.create(
        organization=staff.org,
        file=ContentFile(data, name="notice.pdf"),
        original_name="通知.pdf",
        extension="pdf",
        content_type="application/pdf",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=staff.drafter,
        text="通知正文",
    )
    item.live_revision.attachments.add(attachment)
    make_case(staff, mentions=2)
    add_other_rows(staff.org, staff.audit_admin)
    search_index.rebuild()
    return staff.org


# --- round trips -----------------------------------------------------------------------------------------


def test_backup_and_restore_round_trip_the_demo_into_a_fresh_database(fresh, tmp_path):
    build_demo_content()
    archive = tmp_path / "backup.tar.gz"
    out = io.StringIO()
    call_command("backup", "--output", str(archive), stdout=out)
    assert "备份完成" in out.getvalue() and "哈希链校验通过" in out.getvalue()
    assert archive.stat().st_mode & 0o777 == 0o600
    source = database_snapshot(connection)
    source_media = media_files(settings.MEDIA_ROOT)
    assert len(source_media) >= 10  # the demo's attachments and the screenshot
    events = AuditEvent.objects.count()

    target = fresh()
    # A freshly migrated database holds exactly the rows migrate seeds, which restore accepts as empty.
    alias = target.connection().alias
    seeded = {m._meta.label_lower for m in backup_models() if m._base_manager.using(alias).exists()}
    assert seeded == backup.SEEDED_MODELS

    done = target.run("restore", str(archive))
    assert done.returncode == 0, done.stderr
    assert "恢复完成" in done.stdout
    assert f"审计日志:{events} 条,哈希链校验通过" in done.stdout

    restored = database_snapshot(target.connection())
    assert_same_databases(source, restored)
    assert media_files(target.media_root) == source_media
    assert not list(target.media_root.glob(backup.STAGING_PREFIX + "*"))

    verified = target.run("verify_audit")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"共 {events + 1} 条事件,哈希链校验通过" in verified.stdout

    # A backup of the restored database (by the command, in its own consistent snapshot) holds the same.
    again = tmp_path / "again.tar.gz"
    done = target.run("backup", "--output", str(again))
    assert done.returncode == 0, done.stderr
    rows_again, media_again = archive_content(again)
    rows_first, media_first = archive_content(archive)
    assert media_again == media_first
    assert {k: v for k, v in rows_again.items() if k not in AUDIT_TABLES} == {
        k: v for k, v in rows_first.items() if k not in AUDIT_TABLES
    }
    assert rows_again["audit.auditevent"][:-1] == rows_first["audit.auditevent"]


def archive_content(path: Path) -> tuple[dict, dict]:
    """The rows of every data member (content types and permissions, which carry no ids, as sorted lists)
    and the SHA-256 of every media member."""
    members, manifest = read_archive(path)
    rows = {}
    for entry in manifest["models"]:
        lines = [json.loads(line) for line in members[entry["file"]].decode().splitlines()]
        rows[entry["label"]] = sorted(lines, key=repr) if entry["label"] in NATURAL else lines
    media = {n: m["sha256"] for n, m in manifest["members"].items() if n.startswith(backup.MEDIA_PREFIX)}
    return rows, media


@pytest.mark.postgres_only
def test_a_postgresql_backup_restores_into_sqlite(fresh, tmp_path):
    build_small_content()
    archive = tmp_path / "backup.tar.gz"
    create_backup(archive)
    target = fresh("sqlite")
    done = target.run("restore", str(archive))
    assert done.returncode == 0, done.stderr
    restored = target.connection()
    maps = natural_keys_of(connection), natural_keys_of(restored)
    for model in backup_models():
        before, after = dumped(model, connection.alias, maps[0]), dumped(model, restored.alias, maps[1])
        if model._meta.label_lower == "audit.auditevent":
            assert after[:-1] == before and "core.backup_restored" in json.dumps(
                after[-1], ensure_ascii=False
            )
        elif model._meta.label_lower != "audit.auditchainhead":
            assert before == after, model
    assert media_files(target.media_root) == media_files(settings.MEDIA_ROOT)
    verified = target.run("verify_audit")
    assert verified.returncode == 0, verified.stdout


def natural_keys_of(conn):
    return backup._natural_key_maps(conn.alias)


def dumped(model, alias: str, keys) -> list:
    stream = io.StringIO()
    backup.dump_model(model, stream, natural_keys=keys, using=alias)
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_force_replaces_changed_content_in_one_transaction(tmp_path):
    org = build_small_content()
    archive = tmp_path / "backup.tar.gz"
    create_backup(archive)
    before = database_snapshot(connection)
    before_media = media_files(settings.MEDIA_ROOT)
    assert before_media

    # Everything changes after the backup: new rows, changed rows, new audit events, a changed file.
    make_published(make_staff())
    InformationItem.objects.filter(organization=org).update(view_count=999)
    audit.record(action="core.demo_loaded", target=org)
    changed = Path(settings.MEDIA_ROOT) / next(iter(before_media))
    changed.write_bytes(b"changed after the backup")

    with pytest.raises(BackupError, match="目标数据库已有数据"):
        restore_backup(archive)
    result = restore_backup(archive, force=True)

    assert_same_databases(before, database_snapshot(connection))
    assert media_files(settings.MEDIA_ROOT) == {**before_media}
    assert not verify_chain()
    assert result.audit_events == AuditEvent.objects.count() - 1  # and the restore's own event
    assert result.media_files == len(before_media)

    # The sequences follow the restored ids: new rows and events can be written at once.
    staff = make_staff()
    make_published(staff)
    audit.record(action="core.demo_loaded", target=staff.org)
    assert not verify_chain()


def test_backup_of_an_empty_database_works_and_restores(tmp_path):
    archive = tmp_path / "empty.tar.gz"
    out = io.StringIO()
    call_command("backup", "-o", str(archive), "--no-media", stdout=out)
    manifest = backup.read_manifest(archive)
    assert manifest["audit"]["events"] == 0
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["migrations"] == backup.applied_migrations()
    assert manifest["media"] == {"included": False, "files": 0, "bytes": 0, "skipped": []}
    counts = {entry["label"]: entry["count"] for entry in manifest["models"]}
    assert counts["orgs.user"] == 0 and counts["audit.auditevent"] == 0
    assert all(name.startswith("data/") for name in manifest["members"])

    result = restore_backup(archive)
    assert result.audit_events == 0
    assert any("不含媒体文件" in warning for warning in result.warnings)
    assert not User.objects.exists()


# --- refusals ----------------------------------------------------------------------------------------------


def read_archive(path: Path) -> tuple[dict[str, bytes], dict]:
    members = {}
    with tarfile.open(path, "r:gz") as tar:
        for member in tar:
            members[member.name] = tar.extractfile(member).read()
    manifest = json.loads(members.pop(backup.MANIFEST_NAME))
    return members, manifest


def write_archive(path: Path, members: dict[str, bytes], manifest: dict, *, rehash=(), links=()) -> Path:
    manifest = copy.deepcopy(manifest)
    for name in rehash:
        manifest["members"][name] = {
            "sha256": hashlib.sha256(members[name]).hexdigest(),
            "size": len(members[name]),
        }
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in links:
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)
        data = json.dumps(manifest).encode()
        info = tarfile.TarInfo(backup.MANIFEST_NAME)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def small_archive(tmp_path):
    """An archive of the test database (a few rows and one media file), which stays as it is: with
    ``force`` a restore of it would be accepted but for the refusal under test."""
    staff = make_staff()
    make_case(staff)
    media = Path(settings.MEDIA_ROOT)
    (media / "attachments").mkdir(parents=True)
    (media / "attachments" / "a.txt").write_bytes("附件内容".encode())
    path = create_backup(tmp_path / "small.tar.gz").path
    return path


def assert_untouched(before: dict, media_before: dict) -> None:
    assert database_snapshot(connection) == before
    assert media_files(settings.MEDIA_ROOT) == media_before


def refuse(archive: Path, match: str, *, force: bool = True) -> None:
    before = database_snapshot(connection)
    media_before = media_files(settings.MEDIA_ROOT)
    with pytest.raises(BackupError, match=match):
        restore_backup(archive, force=force)
    assert_untouched(before, media_before)
    with pytest.raises(CommandError, match=match):
        args = ["restore", str(archive)] + (["--force"] if force else [])
        call_command(*args, stdout=io.StringIO())
    assert_untouched(before, media_before)


def test_a_tampered_member_is_refused(small_archive, tmp_path):
    members, manifest = read_archive(small_archive)
    name = next(n for n in members if n.endswith("-orgs.user.jsonl"))
    members[name] = members[name].replace(b'"is_superuser": false', b'"is_superuser": true', 1)
    refuse(write_archive(tmp_path / "t.tar.gz", members, manifest), "SHA-256 校验值与备份清单不符")


def test_a_tampered_manifest_count_is_refused(small_archive, tmp_path):
    members, manifest = read_archive(small_archive)
    for entry in manifest["models"]:
        if entry["label"] == "orgs.user":
            entry["count"] += 1
    refuse(write_archive(tmp_path / "t.tar.gz", members, manifest), "恢复后有 .* 行,备份清单记载")


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("media/../../escaped.txt", r"含有“\.\.”"),
        ("/tmp/escaped-by-absolute-path.txt", "是绝对路径"),
        ("media/attachments/../../../escaped.txt", r"含有“\.\.”"),
        ("elsewhere/escaped.txt", "不属于备份格式"),
    ],
)
def test_member_paths_outside_the_media_folder_are_refused(small_archive, tmp_path, name, match):
    members, manifest = read_archive(small_archive)
    members[name] = b"escaped"
    archive = write_archive(tmp_path / "p.tar.gz", members, manifest, rehash=[name])
    refuse(archive, match)
    assert not (tmp_path / "escaped.txt").exists()
    assert not Path("/tmp/escaped-by-absolute-path.txt").exists()


def test_symbolic_links_in_the_archive_are_refused(small_archive, tmp_path):
    members, manifest = read_archive(small_archive)
    archive = write_archive(tmp_path / "l.tar.gz", members, manifest, links=[("media/link", "/etc/passwd")])
    refuse(archive, "符号链接")


def test_a_media_symlink_in_the_target_cannot_redirect_a_file(small_archive, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    media = Path(settings.MEDIA_ROOT)
    shutil.rmtree(media / "attachments")
    (media / "attachments").symlink_to(outside, target_is_directory=True)
    refuse(small_archive, "媒体目录之外")
    assert not list(outside.iterdir())


def test_missing_and_unlisted_members_are_refused(small_archive, tmp_path):
    members, manifest = read_archive(small_archive)
    missing = dict(members)
    del missing["media/attachments/a.txt"]
    refuse(write_archive(tmp_path / "m.tar.gz", missing, manifest), "缺少“media/attachments/a.txt”")
    extra = {**members, "media/extra.txt": b"x"}
    refuse(write_archive(tmp_path / "e.tar.gz", extra, manifest), "清单中没有的“media/extra.txt”")


def test_a_different_migration_state_is_refused(small_archive, tmp_path):
    members, manifest = read_archive(small_archive)
    newer = copy.deepcopy(manifest)
    newer["migrations"]["core"] = [*newer["migrations"].get("core", []), "9999_from_the_future"]
    refuse(
        write_archive(tmp_path / "n.tar.gz", members, newer),
        "缺少备份时已应用的迁移 core.9999_from_the_future.*gongkai migrate",
    )
    older = copy.deepcopy(manifest)
    last = older["migrations"]["audit"].pop()
    refuse(
        write_archive(tmp_path / "o.tar.gz", members, older),
        f"多出备份时尚未应用的迁移 audit.{last}.*gongkai migrate",
    )


def test_a_database_with_data_is_refused_without_force(small_archive):
    assert User.objects.exists()
    refuse(small_archive, "目标数据库已有数据.*--force", force=False)


def test_a_different_media_file_is_not_overwritten_without_force(tmp_path):
    media = Path(settings.MEDIA_ROOT)
    (media / "attachments").mkdir(parents=True)
    (media / "attachments" / "a.txt").write_bytes(b"original")
    archive = create_backup(tmp_path / "m.tar.gz").path
    (media / "attachments" / "a.txt").write_bytes(b"something else")
    refuse(archive, r"媒体目录中已有与备份同名但内容不同的文件\(attachments/a.txt\)", force=False)
    restore_backup(archive, force=True)
    assert (media / "attachments" / "a.txt").read_bytes() == b"original"


@pytest.mark.parametrize("content", [b"not an archive at all", b""])
def test_a_file_that_is_not_a_backup_is_refused(tmp_path, content):
    path = tmp_path / "junk.tar.gz"
    path.write_bytes(content)
    refuse(path, "无法读取备份文件|备份文件已损坏|没有清单")


def test_an_archive_of_another_format_version_is_refused(small_archive, tmp_path):
    members, manifest = read_archive(small_archive)
    manifest["format_version"] = 99
    refuse(write_archive(tmp_path / "v.tar.gz", members, manifest), "备份格式版本为 99")


def test_a_missing_archive_is_reported():
    with pytest.raises(CommandError, match="找不到备份文件"):
        call_command("restore", "/nonexistent/backup.tar.gz", stdout=io.StringIO())
