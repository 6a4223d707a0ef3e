"""Changing the basic catalogue: loading the default catalogue and importing from Excel."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import transaction

from gongkai.audit import services as audit_services
from gongkai.orgs.models import Department, Organization
from gongkai.publishing.signals import next_generation

from . import excel
from .constants import ColumnKind, UpdateFrequency
from .default_catalogue import DEFAULT_CATALOGUE, KIND_FALLBACK
from .models import CatalogueEntry

CODE_RE = re.compile(r"^[A-Za-z0-9._-]{1,40}$")
MAX_NAME = CatalogueEntry._meta.get_field("name").max_length
MAX_CONTENT = CatalogueEntry._meta.get_field("content_type").max_length
MAX_ORDERING = 2_147_483_647


def _lock(organization: Organization) -> None:
    """Serialise catalogue changes of one organisation (a no-op on SQLite, which locks the database)."""
    Organization.objects.select_for_update().filter(pk=organization.pk).first()


def _resolve_department(organization: Organization, code: str) -> Department | None:
    department = Department.objects.filter(organization=organization, code=code).first()
    if department is None and code in KIND_FALLBACK:
        of_kind = list(Department.objects.filter(organization=organization, kind=KIND_FALLBACK[code])[:2])
        department = of_kind[0] if len(of_kind) == 1 else None
    return department


@transaction.atomic
def load_default_catalogue(organization: Organization, *, actor=None) -> int:
    """Create the entries of the default catalogue the organisation lacks (by code); never deletes or
    renames. Returns how many were created."""
    _lock(organization)
    next_generation()
    existing = {e.code: e for e in CatalogueEntry.objects.filter(organization=organization)}
    departments: dict[str, Department | None] = {}
    created = []
    for position, spec in enumerate(DEFAULT_CATALOGUE, start=1):
        if spec.code in existing:
            continue
        if spec.department not in departments:
            departments[spec.department] = _resolve_department(organization, spec.department)
        entry = CatalogueEntry.objects.create(
            organization=organization,
            code=spec.code,
            name=spec.name,
            parent=existing.get(spec.parent_code) if spec.parent_code else None,
            ordering=position * 10,
            content_type=spec.content_type,
            responsible_department=departments[spec.department],
            update_frequency=spec.update_frequency,
            column_kind=spec.column_kind,
            interpretation=spec.interpretation,
            document_kind=spec.document_kind,
        )
        existing[spec.code] = entry
        created.append(spec.code)
    if created:
        audit_services.record(
            action="catalogue.default_loaded",
            actor=actor,
            target=organization,
            data={"created": len(created), "codes": created},
        )
    return len(created)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _choice(value: str, choices) -> str | None:
    for stored, label in choices.choices:
        if value in (stored, str(label)):
            return stored
    return None


def _validate(organization, rows):
    """Turn rows into planned field values; returns (plans, errors). Nothing is written."""
    errors: list[str] = []
    existing = {e.code: e for e in CatalogueEntry.objects.filter(organization=organization)}
    departments = list(Department.objects.filter(organization=organization))
    by_code = {d.code: d for d in departments}
    by_name: dict[str, list[Department]] = {}
    for d in departments:
        by_name.setdefault(d.name, []).append(d)

    first_row: dict[str, int] = {}
    plans: dict[str, dict] = {}
    for number, row in rows:
        code = row.get(excel.CODE, "")
        prefix = f"第{number}行:"
        row_errors = []
        if not code:
            row_errors.append(f"{prefix}编码不能为空。")
        elif not CODE_RE.match(code):
            row_errors.append(
                f"{prefix}编码“{code}”无效,只能使用字母、数字、点、下划线和连字符,且不超过40个字符。"
            )
        elif code in first_row:
            row_errors.append(f"{prefix}编码“{code}”与第{first_row[code]}行重复。")
        name = row.get(excel.NAME, "")
        if not name:
            row_errors.append(f"{prefix}名称不能为空。")
        elif len(name) > MAX_NAME:
            row_errors.append(f"{prefix}名称不能超过{MAX_NAME}个字。")
        content = row.get(excel.CONTENT, "")
        if len(content) > MAX_CONTENT:
            row_errors.append(f"{prefix}公开内容不能超过{MAX_CONTENT}个字。")
        department = None
        label = row.get(excel.DEPARTMENT, "")
        if label:
            department = by_code.get(label)
            if department is None:
                named = by_name.get(label, [])
                if len(named) == 1:
                    department = named[0]
                elif len(named) > 1:
                    row_errors.append(f"{prefix}有多个科室名为“{label}”,请填写科室代码。")
                else:
                    row_errors.append(f"{prefix}本机构没有科室“{label}”(请填写科室名称或代码)。")
        frequency_text = row.get(excel.FREQUENCY, "")
        frequency = _choice(frequency_text, UpdateFrequency) if frequency_text else UpdateFrequency.AS_NEEDED
        if frequency is None:
            allowed = "、".join(str(x) for x in UpdateFrequency.labels)
            row_errors.append(f"{prefix}更新频率“{frequency_text}”无效,应为:{allowed}。")
        kind_text = row.get(excel.KIND, "")
        kind = _choice(kind_text, ColumnKind) if kind_text else ColumnKind.OTHER
        if kind is None:
            allowed = "、".join(str(x) for x in ColumnKind.labels)
            row_errors.append(f"{prefix}栏目类型“{kind_text}”无效,应为:{allowed}。")
        ordering_text = row.get(excel.ORDERING, "")
        ordering = None
        if ordering_text:
            if ordering_text.isascii() and ordering_text.isdigit() and int(ordering_text) <= MAX_ORDERING:
                ordering = int(ordering_text)
            else:
                row_errors.append(f"{prefix}排序“{ordering_text}”应为非负整数。")
        if code and code not in first_row:
            first_row[code] = number
        errors.extend(row_errors)
        if not row_errors:
            plans[code] = {
                "row": number,
                "name": name,
                "parent_code": row.get(excel.PARENT, "") or None,
                "content_type": content,
                "responsible_department": department,
                "update_frequency": frequency,
                "column_kind": kind,
                "ordering": ordering,
            }

    # Parents: in the file or already in the catalogue; and the resulting tree has no cycle.
    parent_of = {code: (e.parent.code if e.parent_id else None) for code, e in existing.items()}
    for code, plan in plans.items():
        parent_of[code] = plan["parent_code"]
    for code, plan in plans.items():
        parent = plan["parent_code"]
        prefix = f"第{plan['row']}行:"
        if parent is None:
            continue
        if parent == code:
            errors.append(f"{prefix}上级编码不能是本目录自己的编码。")
        elif parent not in parent_of and parent not in first_row:
            errors.append(f"{prefix}上级编码“{parent}”不存在(既不在文件中,也不在现有目录中)。")
        else:
            node, seen = parent, {code}
            while node is not None and node in parent_of:
                if node in seen:
                    errors.append(f"{prefix}上级编码“{parent}”会形成循环(某目录成为自己的下级)。")
                    break
                seen.add(node)
                node = parent_of[node]
    errors.sort(key=lambda message: int(re.match(r"第(\d+)行", message).group(1)))
    return plans, existing, parent_of, errors


def _stored(entry: CatalogueEntry, name: str):
    """A field's current value, foreign keys as their pk (no query)."""
    return (
        getattr(entry, name + "_id") if name in ("parent", "responsible_department") else getattr(entry, name)
    )


def _comparable(value):
    return value.pk if isinstance(value, CatalogueEntry | Department) else value


def _depth(code, parent_of) -> int:
    depth, node = 0, parent_of.get(code)
    while node is not None:
        depth += 1
        node = parent_of.get(node)
    return depth


def import_excel(organization: Organization, file, *, actor) -> ImportResult:
    """Create or update entries by code from an .xlsx; all rows or nothing. Entries not in the file stay."""
    try:
        rows = excel.read_rows(file)
    except excel.SheetRejected as rejected:
        return ImportResult(errors=[rejected.message])
    with transaction.atomic():
        _lock(organization)
        next_generation()  # cached public pages show the catalogue as imported (nothing if it is refused)
        plans, existing, parent_of, errors = _validate(organization, rows)
        if errors:
            return ImportResult(errors=errors)
        result = ImportResult()
        entries = dict(existing)
        for code in sorted(plans, key=lambda c: (_depth(c, parent_of), plans[c]["row"])):
            plan = plans[code]
            values = {
                "name": plan["name"],
                "parent": entries[plan["parent_code"]] if plan["parent_code"] else None,
                "content_type": plan["content_type"],
                "responsible_department": plan["responsible_department"],
                "update_frequency": plan["update_frequency"],
                "column_kind": plan["column_kind"],
            }
            entry = entries.get(code)
            if entry is None:
                values["ordering"] = plan["ordering"] if plan["ordering"] is not None else plan["row"] * 10
                entries[code] = CatalogueEntry.objects.create(organization=organization, code=code, **values)
                result.created += 1
                continue
            if plan["ordering"] is not None:
                values["ordering"] = plan["ordering"]
            changed = [name for name, value in values.items() if _stored(entry, name) != _comparable(value)]
            if changed:
                for name in changed:
                    setattr(entry, name, values[name])
                entry.save(update_fields=changed)
                result.updated += 1
            else:
                result.unchanged += 1
        audit_services.record(
            action="catalogue.imported",
            actor=actor,
            target=organization,
            data={"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
        )
    return result
