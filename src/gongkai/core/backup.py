"""Backup and restore of a whole Gongkai installation: the database content and the media files.

An archive is one ``.tar.gz`` file:

- ``data/NNNN-<app>.<model>.jsonl``: the rows of one model, one JSON object per line (Django's JSON Lines
  serialisation), ordered by primary key. Every concrete model of every installed app is written,
  including the many-to-many link tables (as models of their own), except the sessions (log-ins do not
  survive a restore) and the search index (derived data, rebuilt by the restore). Rows keep their primary
  keys, so the audit events, whose hashes cover ``actor_id`` and ``organization_id``, verify after a
  restore. Content types and permissions are the exception: migrate creates them with ids that depend on
  the history of the database, so they and every reference to them are written as natural keys
  (``["publishing", "informationitem"]``) and matched by name on restore.
- ``media/<path>``: every regular file under ``MEDIA_ROOT`` (attachments, screenshots), at its path.
- ``manifest.json`` (the last member): format and Gongkai version, creation time, database vendor, the
  applied migrations per app, the row count per model, the state of the audit chain, and the SHA-256
  and size of every other member.

The format is the same for SQLite and PostgreSQL, so an archive made on one restores on the other.

Backups read inside one transaction (SQLite: a deferred read transaction, which in WAL mode is a snapshot
and does not block writers; PostgreSQL: REPEATABLE READ, READ ONLY), so the rows are consistent while the
site keeps running. Each model is streamed through a temporary file, so memory stays bounded.

A restore refuses any archive whose members do not match the manifest, whose member names could escape
the media folder, or whose migration state differs from the target database's; it writes only into an
empty (freshly migrated) database unless ``force`` is given, in which case the current content is
erased in the same transaction that loads the archive, so a failure leaves it untouched. The audit log's
triggers refuse DELETE and TRUNCATE: they are lifted for the erasing statements only, inside that
transaction (as ``gongkai flush`` does), and no other session ever sees the table unprotected.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import django
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.jsonl import Serializer as JsonlSerializer
from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connections, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

import gongkai

FORMAT = "gongkai-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
DATA_PREFIX = "data/"
MEDIA_PREFIX = "media/"
STAGING_PREFIX = ".gongkai-restore-"  # where a restore stages media files, inside MEDIA_ROOT

# Not backed up: log-ins (a restore logs everybody out) and the search index (rebuilt after a restore).
EXCLUDED_APPS = frozenset({"sessions", "search"})
# Written and matched by natural key (their ids depend on the order migrations created them).
NATURAL_KEY_MODELS = ("contenttypes.contenttype", "auth.permission")
# Rows that `migrate` itself creates: a database holding only these counts as empty.
SEEDED_MODELS = frozenset(
    {
        "contenttypes.contenttype",
        "auth.permission",
        "audit.auditchainhead",
        "review.dictionary",
        "review.term",
        "review.dictionaryversion",
        "publishing.publicgeneration",
    }
)

CHUNK_SIZE = 2000
INSERT_BATCH = 500
MANIFEST_MAX_BYTES = 64 * 1024 * 1024
COPY_BUFFER = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator (Chinese)."""


@dataclass
class BackupResult:
    path: Path
    size: int
    counts: dict[str, int]
    media_files: int
    media_bytes: int
    skipped_media: list[str]
    audit_events: int
    audit_problems: int


@dataclass
class RestoreResult:
    counts: dict[str, int]
    media_files: int
    audit_events: int
    indexed_items: int
    warnings: list[str] = field(default_factory=list)


# --- what is backed up -----------------------------------------------------------------------------


def backup_models() -> list[type[models.Model]]:
    """Every model whose rows are backed up, in load order: the natural-key models first, then the others
    with the models a row refers to before it where the references allow (cycles are fine: foreign keys
    are checked at commit)."""
    candidates = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label not in EXCLUDED_APPS
        and model._meta.managed
        and not model._meta.proxy
        and not model._meta.swapped
    ]
    by_label = {model._meta.label_lower: model for model in candidates}
    first = [by_label[label] for label in NATURAL_KEY_MODELS if label in by_label]
    rest = [model for model in candidates if model not in first]
    return first + _dependency_order(rest)


def _dependency_order(models_: list[type[models.Model]]) -> list[type[models.Model]]:
    members = set(models_)
    deps = {
        model: {
            f.remote_field.model._meta.concrete_model
            for f in model._meta.concrete_fields
            if f.remote_field is not None and f.remote_field.model._meta.concrete_model is not model
        }
        & members
        for model in models_
    }
    ordered: list[type[models.Model]] = []
    placed: set = set()
    pending = list(models_)
    while pending:
        ready = [m for m in pending if deps[m] <= placed]
        if not ready:  # a cycle: take the first pending one, its references are checked at commit
            ready = [pending[0]]
        for model in ready:
            ordered.append(model)
            placed.add(model)
        pending = [m for m in pending if m not in placed]
    return ordered


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def applied_migrations(using: str = DEFAULT_DB_ALIAS) -> dict[str, list[str]]:
    """The migrations of the code that are applied to the database, per app (sorted)."""
    loader = MigrationLoader(connections[using], ignore_no_migrations=True)
    state: dict[str, list[str]] = {}
    for app_label, name in loader.applied_migrations:
        if (app_label, name) in loader.graph.nodes:
            state.setdefault(app_label, []).append(name)
    return {app: sorted(names) for app, names in sorted(state.items())}


# --- serialisation -------------------------------------------------------------------------------------


class _Encoder(DjangoJSONEncoder):
    """DjangoJSONEncoder cuts times to milliseconds; a backup keeps them whole (audit hashes cover them)."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


class _Serializer(JsonlSerializer):
    """JSON Lines with one line per object (one write each), natural keys only for the references to
    content types and permissions, and no many-to-many lists (the link tables are backed up as models)."""

    def __init__(self, natural_keys: dict[type[models.Model], dict[Any, tuple]]):
        super().__init__()
        self.natural_keys = natural_keys
        self.count = 0

    def handle_fk_field(self, obj, field):
        keys = self.natural_keys.get(field.remote_field.model._meta.concrete_model)
        if keys is None or not field.target_field.primary_key:
            super().handle_fk_field(obj, field)
            return
        value = getattr(obj, field.attname)
        self._current[field.name] = None if value is None else list(keys[value])

    def handle_m2m_field(self, obj, field):
        pass

    def end_object(self, obj):
        self.stream.write(json.dumps(self.get_dump_object(obj), **self.json_kwargs) + "\n")
        self._current = None
        self.count += 1


def _natural_key_maps(using: str) -> dict[type[models.Model], dict[Any, tuple]]:
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    content_types = {ct.pk: ct.natural_key() for ct in ContentType.objects.using(using).all()}
    permissions = {
        p.pk: p.natural_key() for p in Permission.objects.using(using).select_related("content_type")
    }
    return {ContentType: content_types, Permission: permissions}


class _HashingTextWriter:
    def __init__(self, binary):
        self.binary = binary
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, text: str) -> int:
        data = text.encode("utf-8")
        self.sha.update(data)
        self.size += len(data)
        self.binary.write(data)
        return len(text)


class _HashingReader:
    def __init__(self, raw):
        self.raw = raw
        self.sha = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.sha.update(data)
        self.size += len(data)
        return data

    def lines(self) -> Iterator[bytes]:
        for line in self.raw:
            self.sha.update(line)
            self.size += len(line)
            yield line

    def drain(self) -> None:
        while self.read(COPY_BUFFER):
            pass


def dump_model(model: type[models.Model], stream, *, natural_keys, using: str = DEFAULT_DB_ALIAS) -> int:
    """Write the rows of ``model`` as JSON Lines to the text ``stream``; return how many."""
    serializer = _Serializer(natural_keys)
    queryset = model._base_manager.using(using).order_by("pk")
    serializer.serialize(
        queryset.iterator(chunk_size=CHUNK_SIZE),
        stream=stream,
        cls=_Encoder,
        use_natural_primary_keys=_label(model) in NATURAL_KEY_MODELS,
    )
    return serializer.count


# --- backup --------------------------------------------------------------------------------------------


def default_backup_path() -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return Path(settings.VAR_DIR) / "backups" / f"gongkai-backup-{stamp}.tar.gz"


class _Snapshot:
    """One read-only, consistent view of the database for the whole backup."""

    def __init__(self, using: str):
        self.connection = connections[using]
        self.using = using
        self._atomic = None
        self._mode = None

    def __enter__(self):
        connection = self.connection
        if connection.in_atomic_block:  # already inside a transaction (a caller's): read in it
            return self
        connection.ensure_connection()
        if connection.vendor == "sqlite":
            # A deferred transaction reads a snapshot (WAL) without taking the write lock that the
            # configured BEGIN IMMEDIATE would hold for the whole backup.
            self._mode = connection.transaction_mode
            connection.transaction_mode = "DEFERRED"
        self._atomic = transaction.atomic(using=self.using)
        self._atomic.__enter__()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return self

    def __exit__(self, *exc):
        try:
            if self._atomic is not None:
                return self._atomic.__exit__(*exc)
            return False
        finally:
            if self.connection.vendor == "sqlite" and self._atomic is not None:
                self.connection.transaction_mode = self._mode


def create_backup(
    output: Path | str | None = None,
    *,
    include_media: bool = True,
    using: str = DEFAULT_DB_ALIAS,
    progress: Callable[[str], None] | None = None,
) -> BackupResult:
    """Write a backup archive to ``output`` (default: var/backups/gongkai-backup-<time>.tar.gz).

    The archive is written next to its final name and renamed into place when complete, readable by its
    owner only (it holds password hashes and personal data)."""
    from gongkai.audit.models import HEAD_PK, AuditChainHead
    from gongkai.audit.verify import verify_chain_counted

    path = Path(output) if output is not None else default_backup_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    say = progress or (lambda message: None)
    connection = connections[using]
    members: dict[str, dict[str, Any]] = {}
    model_entries: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    media = {"included": include_media, "files": 0, "bytes": 0, "skipped": []}

    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
            with _Snapshot(using):
                created_at = timezone.now()
                migrations = applied_migrations(using)
                natural_keys = _natural_key_maps(using)
                for position, model in enumerate(backup_models(), start=1):
                    label = _label(model)
                    name = f"{DATA_PREFIX}{position:04d}-{label}.jsonl"
                    with tempfile.TemporaryFile(dir=path.parent) as spool:
                        writer = _HashingTextWriter(spool)
                        count = dump_model(model, writer, natural_keys=natural_keys, using=using)
                        spool.seek(0)
                        _add_member(tar, name, spool, writer.size, created_at)
                    members[name] = {"sha256": writer.sha.hexdigest(), "size": writer.size}
                    model_entries.append({"label": label, "file": name, "count": count})
                    counts[label] = count
                    if count:
                        say(f"{label}:{count} 行")
                if connection.alias == DEFAULT_DB_ALIAS:
                    audit_events, problems = verify_chain_counted()
                    head = AuditChainHead.objects.using(using).filter(pk=HEAD_PK).first()
                    audit = {
                        "events": audit_events,
                        "problems": len(problems),
                        "last_seq": head.last_seq if head else 0,
                        "last_hash": head.last_hash if head else "",
                    }
                else:  # pragma: no cover - the verification reads the default database only
                    audit = {"events": counts.get("audit.auditevent", 0), "problems": None}
            if include_media:
                _add_media(tar, members, media, created_at, say)
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "gongkai_version": gongkai.__version__,
                "django_version": django.get_version(),
                "created_at": created_at.isoformat(),
                "database": {"vendor": connection.vendor},
                "migrations": migrations,
                "models": model_entries,
                "media": media,
                "audit": audit,
                "members": members,
            }
            data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
            _add_member(tar, MANIFEST_NAME, io.BytesIO(data), len(data), created_at)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupResult(
        path=path,
        size=path.stat().st_size,
        counts=counts,
        media_files=media["files"],
        media_bytes=media["bytes"],
        skipped_media=media["skipped"],
        audit_events=audit["events"],
        audit_problems=audit["problems"] or 0,
    )


def _add_member(tar: tarfile.TarFile, name: str, fileobj, size: int, when: datetime.datetime) -> None:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(when.timestamp())
    info.mode = 0o600
    tar.addfile(info, fileobj)


def _add_media(tar, members, media, created_at, say) -> None:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return
    for directory, dirnames, filenames in os.walk(root):
        here = Path(directory)
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(STAGING_PREFIX) and not (here / d).is_symlink()
        )
        for filename in sorted(filenames):
            full = here / filename
            rel = full.relative_to(root).as_posix()
            if full.is_symlink() or not full.is_file():
                media["skipped"].append(rel)  # links could point anywhere: not taken
                continue
            name = MEDIA_PREFIX + rel
            if _unsafe_member_name(name):
                media["skipped"].append(rel)
                continue
            with open(full, "rb") as handle:
                stat = os.fstat(handle.fileno())
                reader = _HashingReader(handle)
                info = tarfile.TarInfo(name)
                info.size = stat.st_size
                info.mtime = int(stat.st_mtime)
                info.mode = 0o600
                tar.addfile(info, reader)
            members[name] = {"sha256": reader.sha.hexdigest(), "size": reader.size}
            media["files"] += 1
            media["bytes"] += reader.size
    if media["files"]:
        say(f"媒体文件:{media['files']} 个,{media['bytes']} 字节")


# --- reading an archive --------------------------------------------------------------------------------


def _unsafe_member_name(name: str) -> str | None:
    """Why a member name is refused, or None when it is acceptable."""
    if not name or "\x00" in name or "\\" in name:
        return "名称含有非法字符"
    if name.startswith("/") or PurePosixPath(name).is_absolute() or (len(name) > 1 and name[1] == ":"):
        return "是绝对路径"
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return "含有“..”、“.”或空的路径段"
    if name != MANIFEST_NAME and not (name.startswith(DATA_PREFIX) or name.startswith(MEDIA_PREFIX)):
        return "不属于备份格式(应为 manifest.json、data/ 或 media/ 下的文件)"
    if name.startswith(MEDIA_PREFIX) and parts[1].startswith(STAGING_PREFIX):
        return "使用了恢复暂存目录的名称"
    return None


def _open_stream(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, mode="r|gz")
    except FileNotFoundError:
        raise BackupError(f"找不到备份文件:{path}") from None
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise BackupError(
            f"无法读取备份文件 {path}:它不是 gongkai backup 生成的 .tar.gz 文件({exc})。"
        ) from None


def _members(tar: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    """The members of a streamed archive, each checked for type and name before it is used."""
    seen: set[str] = set()
    try:
        for member in tar:
            if not member.isreg():
                kind = "符号链接" if member.issym() else "硬链接" if member.islnk() else "目录或特殊文件"
                raise BackupError(f"备份文件中的“{member.name}”是{kind}:恢复只接受普通文件,已拒绝。")
            problem = _unsafe_member_name(member.name)
            if problem:
                raise BackupError(
                    f"备份文件中的路径“{member.name}”{problem},可能企图写到媒体目录之外,已拒绝。"
                )
            if member.name in seen:
                raise BackupError(f"备份文件中“{member.name}”出现了两次,已拒绝。")
            seen.add(member.name)
            yield member
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise BackupError(f"备份文件已损坏,无法读完:{exc}") from None


def read_manifest(path: Path | str) -> dict[str, Any]:
    """Read the archive once from end to end: check every member's name and type, its SHA-256 and size
    against the manifest, and the manifest's format. Returns the manifest; raises BackupError."""
    path = Path(path)
    manifest = None
    digests: dict[str, tuple[str, int]] = {}
    with _open_stream(path) as tar:
        for member in _members(tar):
            handle = tar.extractfile(member)
            if member.name == MANIFEST_NAME:
                if member.size > MANIFEST_MAX_BYTES:
                    raise BackupError("备份清单(manifest.json)大得不合常理,已拒绝。")
                try:
                    manifest = json.loads(handle.read().decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError):
                    raise BackupError("备份清单(manifest.json)不是有效的 JSON,备份文件已损坏。") from None
                continue
            reader = _HashingReader(handle)
            try:
                reader.drain()
            except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
                raise BackupError(f"备份文件已损坏,无法读完“{member.name}”:{exc}") from None
            digests[member.name] = (reader.sha.hexdigest(), reader.size)
    if not isinstance(manifest, dict):
        raise BackupError("备份文件中没有清单(manifest.json):它不是 gongkai backup 生成的文件,或不完整。")
    if manifest.get("format") != FORMAT:
        raise BackupError("备份清单的格式标识不符:这不是 gongkai backup 生成的文件。")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"备份格式版本为 {manifest.get('format_version')!r},本程序只能恢复第 {FORMAT_VERSION} 版:"
            "请用生成该备份的 Gongkai 版本恢复。"
        )
    listed = manifest.get("members")
    if not isinstance(listed, dict) or not isinstance(manifest.get("models"), list):
        raise BackupError("备份清单不完整(缺少成员或数据表清单),备份文件已损坏。")
    for name in sorted(listed):
        problem = _unsafe_member_name(name)
        if problem or name == MANIFEST_NAME:
            raise BackupError(f"备份清单中的路径“{name}”{problem or '不合法'},已拒绝。")
        if name not in digests:
            raise BackupError(f"备份文件缺少“{name}”:文件不完整或被篡改。")
        expected = listed[name]
        sha, size = digests[name]
        if not isinstance(expected, dict) or expected.get("sha256") != sha or expected.get("size") != size:
            raise BackupError(f"“{name}”的 SHA-256 校验值与备份清单不符:备份文件已损坏或被篡改,已拒绝恢复。")
    extra = sorted(set(digests) - set(listed))
    if extra:
        raise BackupError(f"备份文件含有清单中没有的“{extra[0]}”:文件被篡改,已拒绝恢复。")
    for entry in manifest["models"]:
        if (
            not isinstance(entry, dict)
            or entry.get("file") not in listed
            or not isinstance(entry.get("count"), int)
        ):
            raise BackupError("备份清单的数据表清单不完整,备份文件已损坏。")
    return manifest


# --- restore -------------------------------------------------------------------------------------------


def migration_difference(manifest: dict[str, Any], using: str = DEFAULT_DB_ALIAS) -> str | None:
    """Why the target's migration state does not match the archive's (Chinese), or None when it does."""
    archived = {(app, name) for app, names in (manifest.get("migrations") or {}).items() for name in names}
    current = {(app, name) for app, names in applied_migrations(using).items() for name in names}
    if archived == current:
        return None
    missing = sorted(archived - current)
    extra = sorted(current - archived)
    if missing and not current:
        return "目标数据库尚未建表:请先执行 gongkai migrate,再恢复。"
    if missing:
        sample = "、".join(f"{app}.{name}" for app, name in missing[:5])
        return (
            f"目标数据库的迁移状态与备份不一致:缺少备份时已应用的迁移 {sample}"
            f"{' 等' if len(missing) > 5 else ''}。请先安装与备份相同(或更新)的 Gongkai 版本,"
            "执行 gongkai migrate,再恢复。"
        )
    sample = "、".join(f"{app}.{name}" for app, name in extra[:5])
    latest = "; ".join(
        f"gongkai migrate {app} {max(names)}"
        for app, names in sorted((manifest.get("migrations") or {}).items())
    )
    return (
        f"目标数据库的迁移状态与备份不一致:多出备份时尚未应用的迁移 {sample}"
        f"{' 等' if len(extra) > 5 else ''},备份来自较早的版本。请在新建的空数据库上只迁移到备份时的状态"
        f"({latest}),恢复后再执行 gongkai migrate。"
    )


def existing_data(using: str = DEFAULT_DB_ALIAS) -> list[tuple[str, int]]:
    """(verbose name, row count) of the backed-up models holding rows, other than the ones migrate seeds."""
    found = []
    for model in backup_models():
        if _label(model) in SEEDED_MODELS:
            continue
        count = model._base_manager.using(using).count()
        if count:
            found.append((str(model._meta.verbose_name), count))
    return found


def _media_target(root: Path, name: str) -> Path:
    rel = name[len(MEDIA_PREFIX) :]
    target = root / rel
    resolved_root = root.resolve()
    if not target.resolve().is_relative_to(resolved_root):
        raise BackupError(f"备份文件中的“{name}”会写到媒体目录之外(经由符号链接),已拒绝。")
    return target


def _file_sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(COPY_BUFFER):
            sha.update(chunk)
    return sha.hexdigest()


def media_conflicts(manifest: dict[str, Any]) -> list[str]:
    """Media paths of the archive where a different file already exists."""
    root = Path(settings.MEDIA_ROOT)
    conflicts = []
    for name, expected in sorted(manifest["members"].items()):
        if not name.startswith(MEDIA_PREFIX):
            continue
        target = _media_target(root, name)
        unusable = target.is_symlink() or (target.exists() and not target.is_file())
        if unusable or (target.is_file() and _file_sha256(target) != expected["sha256"]):
            conflicts.append(name[len(MEDIA_PREFIX) :])
    return conflicts


def _flush(using: str) -> None:
    """Erase every backed-up table (and the sessions) except content types and permissions, inside the
    caller's transaction; the audit triggers are lifted for these statements only."""
    from gongkai.audit import triggers

    connection = connections[using]
    tables = {model._meta.db_table for model in backup_models() if _label(model) not in NATURAL_KEY_MODELS}
    tables |= {model._meta.db_table for model in apps.get_app_config("sessions").get_models()}
    existing = set(connection.introspection.table_names())
    sql = connection.ops.sql_flush(no_style(), sorted(tables & existing), reset_sequences=True)
    with triggers.suspended(connection):
        if connection.vendor == "postgresql":
            # TRUNCATE refuses tables with pending (deferred) foreign-key checks from earlier writes of the
            # same transaction: run those checks now.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        connection.ops.execute_sql_flush(sql)


def _load_member(lines: Iterable[bytes], model: type[models.Model], using: str, natural: bool) -> int:
    label = _label(model)
    fields = model._meta.local_concrete_fields
    batch: list[models.Model] = []
    count = 0

    def flush_batch():
        # Model.save_base(raw=True) inserts this way, one row at a time; raw keeps auto_now values as
        # stored. Batches respect the backend's limit on query parameters.
        size = max(1, connections[using].ops.bulk_batch_size(fields, batch))
        for start in range(0, len(batch), size):
            model._base_manager._insert(batch[start : start + size], fields=fields, using=using, raw=True)
        batch.clear()

    for deserialized in serializers.deserialize("jsonl", lines, using=using):
        obj = deserialized.object
        if obj._meta.label_lower != label:
            raise BackupError(f"数据文件“{label}”中混有其他表的行({obj._meta.label_lower}),备份文件已损坏。")
        count += 1
        if natural:
            deserialized.save(using=using)  # matched by natural key: updated in place or added
            continue
        batch.append(obj)
        if len(batch) >= INSERT_BATCH:
            flush_batch()
    flush_batch()
    return count


def restore_backup(
    path: Path | str,
    *,
    force: bool = False,
    using: str = DEFAULT_DB_ALIAS,
    progress: Callable[[str], None] | None = None,
) -> RestoreResult:
    """Restore an archive made by :func:`create_backup` into the database and MEDIA_ROOT.

    Checks first (nothing is written when one fails): the archive against its manifest, the migration
    state, that the database is empty (freshly migrated) unless ``force``, that no different media file
    would be overwritten unless ``force``. Then, in one transaction: erase, load every row, reset the
    PostgreSQL sequences, check the foreign keys, compare the row counts with the manifest, verify the
    audit chain against the manifest's record of it, rebuild the search index. Media files are staged
    inside MEDIA_ROOT while the rows load and moved into place after the commit."""
    from django.contrib.contenttypes.models import ContentType

    from gongkai.audit.models import HEAD_PK, AuditChainHead
    from gongkai.audit.verify import verify_chain_counted
    from gongkai.search import index as search_index

    path = Path(path)
    say = progress or (lambda message: None)
    connection = connections[using]
    if using != DEFAULT_DB_ALIAS:  # pragma: no cover - the audit verification reads the default database
        raise BackupError("恢复只能写入默认数据库。")

    manifest = read_manifest(path)
    say(f"备份文件校验通过:{len(manifest['members'])} 个成员的 SHA-256 与清单一致。")
    difference = migration_difference(manifest, using)
    if difference:
        raise BackupError(difference)
    by_label = {_label(model): model for model in backup_models()}
    entries = manifest["models"]
    unknown = [entry["label"] for entry in entries if entry["label"] not in by_label]
    if unknown:
        raise BackupError(f"备份中的数据表 {unknown[0]} 在本程序中不存在:请用与备份相同的 Gongkai 版本恢复。")
    data = existing_data(using)
    if data and not force:
        listing = "、".join(f"{name} {count} 条" for name, count in data[:6])
        raise BackupError(
            f"目标数据库已有数据({listing}{' 等' if len(data) > 6 else ''})。恢复只写入刚执行过 "
            "gongkai migrate 的空数据库;如确要用备份替换现有的全部数据(包括审计日志),请加 --force。"
        )
    warnings: list[str] = []
    conflicts = media_conflicts(manifest)
    if conflicts and not force:
        listing = "、".join(conflicts[:5])
        raise BackupError(
            f"媒体目录中已有与备份同名但内容不同的文件({listing}{' 等' if len(conflicts) > 5 else ''}):"
            "如确要覆盖,请加 --force。"
        )
    media_record = manifest.get("media") or {}
    if not media_record.get("included", True):
        warnings.append("该备份不含媒体文件(生成时用了 --no-media):附件等文件需另行恢复。")
    for skipped in media_record.get("skipped") or []:
        warnings.append(f"备份时媒体目录中的“{skipped}”是符号链接或特殊文件,未备份,也就没有恢复。")

    file_to_entry = {entry["file"]: entry for entry in entries}
    media_root = Path(settings.MEDIA_ROOT)
    media_names = [name for name in manifest["members"] if name.startswith(MEDIA_PREFIX)]
    staging = None
    if media_names:
        media_root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=media_root))
    staged: list[tuple[Path, Path]] = []
    counts: dict[str, int] = {}
    ContentType.objects.clear_cache()
    try:
        with transaction.atomic(using=using):
            _flush(using)
            with _open_stream(path) as tar:
                for member in _members(tar):
                    if member.name == MANIFEST_NAME:
                        continue
                    expected = manifest["members"].get(member.name)
                    if expected is None:
                        raise BackupError(f"备份文件在校验后被改动(多出“{member.name}”),已停止恢复。")
                    reader = _HashingReader(tar.extractfile(member))
                    if member.name.startswith(DATA_PREFIX):
                        entry = file_to_entry.get(member.name)
                        if entry is None:
                            raise BackupError(
                                f"备份清单没有说明“{member.name}”属于哪张数据表,备份文件已损坏。"
                            )
                        model = by_label[entry["label"]]
                        try:
                            loaded = _load_member(
                                reader.lines(), model, using, natural=entry["label"] in NATURAL_KEY_MODELS
                            )
                        except DeserializationError as exc:
                            raise BackupError(f"无法读入“{member.name}”中的数据:{exc}") from None
                        counts[entry["label"]] = loaded
                        if loaded:
                            say(f"{entry['label']}:{loaded} 行")
                    else:
                        target = _media_target(media_root, member.name)
                        staged_path = staging / member.name[len(MEDIA_PREFIX) :]
                        staged_path.parent.mkdir(parents=True, exist_ok=True)
                        with open(staged_path, "wb") as out:
                            while chunk := reader.read(COPY_BUFFER):
                                out.write(chunk)
                        os.utime(staged_path, (member.mtime, member.mtime))
                        staged.append((staged_path, target))
                    reader.drain()
                    if (reader.sha.hexdigest(), reader.size) != (expected["sha256"], expected["size"]):
                        raise BackupError(f"“{member.name}”在校验后被改动(SHA-256 不符),已停止恢复。")

            if connection.vendor == "postgresql":
                sql = connection.ops.sequence_reset_sql(no_style(), list(by_label.values()))
                with connection.cursor() as cursor:
                    for statement in sql:
                        cursor.execute(statement)
            try:
                connection.check_constraints()
            except IntegrityError as exc:
                raise BackupError(f"恢复的数据引用了不存在的行:{exc}") from None

            for entry in entries:
                model = by_label[entry["label"]]
                actual = model._base_manager.using(using).count()
                expected_count = entry["count"]
                natural = entry["label"] in NATURAL_KEY_MODELS
                if (actual < expected_count) if natural else (actual != expected_count):
                    raise BackupError(
                        f"{model._meta.verbose_name}({entry['label']})恢复后有 {actual} 行,"
                        f"备份清单记载 {expected_count} 行:已撤销恢复。"
                    )
                counts[entry["label"]] = actual

            events, problems = verify_chain_counted()
            audit = manifest.get("audit") or {}
            head = AuditChainHead.objects.using(using).filter(pk=HEAD_PK).first()
            if problems and not audit.get("problems"):
                listing = "".join(p.message for p in problems[:3])
                raise BackupError(f"恢复后的审计日志哈希链校验未通过:{listing}已撤销恢复。")
            if problems:
                warnings.append(
                    f"备份时审计日志哈希链已有 {audit['problems']} 个问题,恢复后仍有 {len(problems)} 个:"
                    "请执行 gongkai verify_audit 查看。"
                )
            if events != audit.get("events") or (
                "last_hash" in audit
                and (head.last_seq if head else 0, head.last_hash if head else "")
                != (audit.get("last_seq"), audit.get("last_hash"))
            ):
                raise BackupError(
                    f"恢复后的审计日志({events} 条)与备份清单记载的审计链({audit.get('events')} 条)不一致:"
                    "已撤销恢复。"
                )
            indexed = search_index.rebuild()
            # The restore itself is the newest event of the restored chain.
            from gongkai.audit import services as audit_services

            audit_services.record(
                action="core.backup_restored",
                data={
                    "archive": Path(path).name,
                    "created_at": manifest.get("created_at", ""),
                    "events_restored": events,
                    "forced": bool(force),
                },
            )
    except BackupError:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    except DatabaseError as exc:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        raise BackupError(f"写入数据库失败,已撤销恢复,数据库保持原样:{exc}") from None
    except BaseException:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        ContentType.objects.clear_cache()

    failed = []
    for staged_path, target in staged:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_symlink():
                target.unlink()
            os.replace(staged_path, target)
        except OSError as exc:
            failed.append(f"{target}({exc})")
    if failed:
        raise BackupError(
            f"数据库已恢复,但 {len(failed)} 个媒体文件未能放到位(例如 {failed[0]});"
            f"它们仍在暂存目录 {staging} 中,请手工移入媒体目录。"
        )
    if staging is not None:
        shutil.rmtree(staging, ignore_errors=True)
    return RestoreResult(
        counts=counts, media_files=len(staged), audit_events=events, indexed_items=indexed, warnings=warnings
    )
