"""Admin helpers: every change made through the admin is an audit event too, and every list is kept to
the organisations where the administrator holds the role (三员分立, see ``gongkai.orgs.backends``).

- ``AuditedModelAdmin`` records ``admin.added`` / ``admin.changed`` / ``admin.deleted`` for the object
  itself and for every row an inline adds, changes or deletes, with the changed fields, their old and
  new values (secrets excepted) and the request's address.
- ``ScopedModelAdmin`` adds the organisation scope: lists, object pages, foreign-key choices and
  object-level permissions. ``ScopedInlineMixin`` does the same for inlines.
"""

from __future__ import annotations

import datetime
import decimal
import uuid

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_permission_codename
from django.db import models, transaction
from django.utils.functional import Promise

from gongkai.audit import services as audit
from gongkai.orgs import backends

_SITE_NAME = getattr(settings, "GONGKAI_SITE_NAME", "政府信息公开平台")
admin.site.site_header = f"{_SITE_NAME} · 系统管理"
admin.site.site_title = f"{_SITE_NAME}系统管理"
admin.site.index_title = "系统管理"

# Values never copied into the audit log (the field name is still recorded).
SECRET_FIELDS = frozenset({"password", "password1", "password2", "key_hash"})
MAX_VALUE_CHARS = 500

_JSON_SAFE = (
    str,
    int,
    float,
    bool,
    datetime.date,
    datetime.time,
    datetime.timedelta,
    decimal.Decimal,
    uuid.UUID,
)


def plain(value):
    """A form value as something the audit log stores: objects as their primary key."""
    if value is None or isinstance(value, _JSON_SAFE):
        if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
            return value[:MAX_VALUE_CHARS] + "…"
        return value
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset | models.QuerySet):
        return [plain(v) for v in value]
    return plain(str(value))


def form_changes(form) -> dict:
    """{"fields": [...changed field names], "changes": {field: [old, new]}} for a bound, valid form."""
    fields = sorted(form.changed_data)
    changes = {}
    for name in fields:
        if name in SECRET_FIELDS:
            continue
        changes[name] = [plain(form.initial.get(name)), plain(form.cleaned_data.get(name))]
    return {"fields": fields, "changes": changes}


def organization_of(obj):
    """The one organisation an object belongs to, if there is exactly one (else None)."""
    org_id = getattr(obj, "organization_id", None)
    if org_id is not None:
        return org_id
    ids = backends.organization_ids_of(obj)
    if ids and len(ids) == 1:
        return next(iter(ids))
    return None


class AuditedModelAdmin(admin.ModelAdmin):
    def _organization(self, obj):
        return organization_of(obj)

    def audit(self, request, action: str, obj, data: dict) -> None:
        audit.record(
            action=action,
            actor=request.user,
            target=obj,
            organization=self._organization(obj),
            data=data,
            request=request,
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and not form.changed_data:
            return  # saved unchanged: nothing happened (changed inline rows are recorded one by one)
        self.audit(request, "admin.changed" if change else "admin.added", obj, form_changes(form))

    def delete_model(self, request, obj):
        self.audit(request, "admin.deleted", obj, {"repr": str(obj)})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        """Inline rows: one event per row added, changed or deleted, naming the parent object."""
        parent = {"parent_type": form.instance._meta.label_lower, "parent_id": str(form.instance.pk)}
        # Deleted rows are recorded while they still have their primary key.
        for row_form in formset.deleted_forms:
            row = row_form.instance
            if row.pk is not None:
                self.audit(request, "admin.deleted", row, {"repr": str(row), **parent})
        super().save_formset(request, form, formset, change)
        forms_by_instance = {id(f.instance): f for f in formset.forms}
        for row in formset.new_objects:
            row_form = forms_by_instance.get(id(row))
            data = form_changes(row_form) if row_form is not None else {"fields": []}
            self.audit(request, "admin.added", row, {**data, **parent})
        for row, _fields in formset.changed_objects:
            row_form = forms_by_instance.get(id(row))
            data = form_changes(row_form) if row_form is not None else {"fields": sorted(_fields)}
            self.audit(request, "admin.changed", row, {**data, **parent})


def _codename(opts, action: str) -> str:
    return f"{opts.app_label}.{get_permission_codename(action, opts)}"


class ScopedPermissionsMixin:
    """Model permission first, then the object's organisation (``user.has_perm(perm, obj)``)."""

    def _allowed(self, request, action: str, obj=None) -> bool:
        perm = _codename(self.opts, action)
        user = request.user
        if not user.has_perm(perm):
            return False
        return obj is None or obj.pk is None or user.has_perm(perm, obj)

    def _scoped_related(self, request, related_model, actions=("add", "change")):
        """Foreign-key choices: the rows of the organisations where the user may write this model."""
        qs = related_model._default_manager.all()
        user = request.user
        if user.is_superuser:
            return qs
        if not backends.is_scoped(self.model) or not backends.is_scoped(related_model):
            return qs
        perms = backends.model_perms(self.model, actions)
        return backends.scope_to(qs, backends.organization_ids_with(user, perms))

    def get_queryset(self, request):
        return backends.scope_queryset(request.user, super().get_queryset(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = self._scoped_related(request, db_field.remote_field.model)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, "view", obj) or self._allowed(request, "change", obj)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request, "change", obj)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request, "delete", obj)


class ScopedModelAdmin(ScopedPermissionsMixin, AuditedModelAdmin):
    """An audited admin whose rows, choices and permissions follow the administrator's organisations."""

    def has_add_permission(self, request):
        return self._allowed(request, "add")


class ScopedInlineMixin(ScopedPermissionsMixin):
    """For inlines: their changes are audited by the parent's ``AuditedModelAdmin.save_formset``.

    Django's inline permission methods receive the parent object, not the row; rows are scoped by
    ``get_queryset`` and the parent's own permission decides the rest.
    """

    def _allowed(self, request, action: str, obj=None) -> bool:
        return request.user.has_perm(_codename(self.opts, action))

    def has_add_permission(self, request, obj=None):
        return self._allowed(request, "add")


class ReadOnlyModelAdmin(ScopedModelAdmin):
    """Viewable (by those with the view permission) and never written through the admin."""

    actions = None

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
