"""Administration of organisations, departments, accounts, memberships and lockouts (三员分立).

Who may do what is decided by ``gongkai.orgs.backends.RolePermissionBackend``; this module adds the
rules that need the request: nobody (superusers included) changes their own membership, administrator
accounts are changed only by a superuser, the security administrator edits only ``is_active`` of an
account, and the system administrator places accounts in departments but never assigns roles. Setting
somebody's password and deactivating an account end that person's sessions and revoke their API tokens
(``gongkai.orgs.sessions.end_sessions``), in the transaction of the change.
"""

from __future__ import annotations

from axes import admin as axes_admin
from axes.conf import settings as axes_settings
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from gongkai.audit import services as audit
from gongkai.core.admin import (
    ReadOnlyModelAdmin,
    ScopedInlineMixin,
    ScopedModelAdmin,
    organization_of,
)

from . import backends, passwords, totp
from .constants import ADMIN_ROLES, CredentialChange, Role
from .models import Department, Membership, Organization, User
from .sessions import end_sessions

OWN_MEMBERSHIP_REFUSED = _("不能修改自己的成员信息或为自己分配角色(三员分立:须由其他安全管理员办理)。")
ADMIN_ROLES_COMBINED = _(
    "三员分立:系统管理员、安全管理员、安全审计员须由不同人员担任,"
    "同一人员(包括在其他机构)只能担任其中一种。该人员已担任:%(held)s。"
)


# --- departments and organisations ------------------------------------------------------------------


class DepartmentInline(ScopedInlineMixin, admin.TabularInline):
    model = Department
    extra = 0
    fields = ("code", "name", "kind", "ordering")


@admin.register(Organization)
class OrganizationAdmin(ScopedModelAdmin):
    list_display = ("code", "name", "site_domain", "index_pattern", "is_active")
    search_fields = ("code", "name")
    inlines = [DepartmentInline]


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ["organization", "code", "name", "kind", "ordering"]
        labels = {"organization": _("机构")}


@admin.register(Department)
class DepartmentAdmin(ScopedModelAdmin):
    form = DepartmentForm
    list_display = ("name", "code", "organization", "kind", "ordering")
    list_filter = (("organization", admin.RelatedOnlyFieldListFilter), "kind")
    search_fields = ("code", "name")
    list_select_related = ("organization",)

    def get_readonly_fields(self, request, obj=None):
        # A department's rows (memberships, items, review steps) belong to its organisation.
        return ("organization",) if obj is not None else ()


# --- memberships ------------------------------------------------------------------------------------


class MembershipForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        label=_("角色"), choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    acting_user = None  # set on the per-request form class by the admin

    class Meta:
        model = Membership
        fields = ["user", "organization", "department", "roles", "can_fast_track"]
        labels = {"user": _("用户"), "organization": _("机构"), "department": _("科室")}

    def clean_roles(self):
        chosen = set(self.cleaned_data.get("roles") or ())
        return [role for role in Role.values if role in chosen]

    def _value(self, name):
        if name in self.cleaned_data:
            return self.cleaned_data[name]
        return getattr(self.instance, name, None) if getattr(self.instance, f"{name}_id", None) else None

    def clean(self):
        cleaned = super().clean()
        user = self._value("user")
        organization = self._value("organization")
        department = cleaned.get("department")
        acting = self.acting_user
        if acting is not None and user is not None and user.pk is not None and user.pk == acting.pk:
            raise forms.ValidationError(OWN_MEMBERSHIP_REFUSED)
        if (
            department is not None
            and organization is not None
            and department.organization_id != organization.pk
        ):
            self.add_error("department", _("所选科室不属于该机构。"))
        if "roles" in cleaned:
            others = Membership.objects.none()
            if user is not None and user.pk is not None:
                others = Membership.objects.filter(user=user).exclude(pk=self.instance.pk)
            error = separation_error([cleaned["roles"], *others.values_list("roles", flat=True)])
            if error:
                self.add_error("roles", error)
        return cleaned


def separation_error(role_lists) -> str | None:
    """三员分立: one person holds at most one of the three administrator roles, in all organisations."""
    held = set()
    for roles in role_lists:
        held |= set(roles or ()) & ADMIN_ROLES
    if len(held) <= 1:
        return None
    labels = "、".join(str(Role(r).label) for r in Role.values if r in held)
    return ADMIN_ROLES_COMBINED % {"held": labels}


class MembershipInlineFormSet(forms.BaseInlineFormSet):
    """The same rule across the rows of one account (a new account has no rows in the database yet)."""

    def clean(self):
        super().clean()
        role_lists, shown = [], set()
        for form in self.forms:
            if form.instance.pk is not None:
                shown.add(form.instance.pk)
            if not hasattr(form, "cleaned_data") or self._should_delete_form(form):
                continue
            role_lists.append(form.cleaned_data.get("roles", form.instance.roles))
        if self.instance.pk is not None:
            hidden = Membership.objects.filter(user=self.instance).exclude(pk__in=shown)
            role_lists.extend(hidden.values_list("roles", flat=True))
        error = separation_error(role_lists)
        if error:
            raise forms.ValidationError(error)


def role_names(obj: Membership) -> str:
    return "、".join(str(label) for label in obj.role_labels()) or "—"


class MembershipFieldsMixin:
    """Roles and the fast-track right are the security administrator's (orgs.assign_role)."""

    form = MembershipForm

    def can_assign_roles(self, request, obj=None) -> bool:
        user = request.user
        if not user.has_perm(backends.ASSIGN_ROLE):
            return False
        return obj is None or user.has_perm(backends.ASSIGN_ROLE, obj)

    @admin.display(description=_("角色"))
    def role_names(self, obj):
        return role_names(obj)

    def role_fields(self, request, obj=None) -> list[str]:
        if self.can_assign_roles(request, obj):
            return ["roles", "can_fast_track"]
        return ["role_names", "can_fast_track"]

    def get_readonly_fields(self, request, obj=None):
        readonly = ["role_names"]
        if not self.can_assign_roles(request, obj):
            readonly.append("can_fast_track")
        return readonly

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "user" and field is not None:
            field.queryset = field.queryset.exclude(pk=request.user.pk)
            if not request.user.is_superuser:
                field.queryset = field.queryset.exclude(is_superuser=True)
        return field


def sync_staff_flag(request, user: User) -> None:
    """Holders of an administrator role may log into /admin/; nobody else (superusers aside)."""
    if user.is_superuser:
        return
    roles = Membership.objects.filter(user=user).values_list("roles", flat=True)
    should = any(set(r or ()) & ADMIN_ROLES for r in roles)
    if user.is_staff == should:
        return
    User.objects.filter(pk=user.pk).update(is_staff=should)
    user.is_staff = should
    audit.record(
        action="orgs.user.staff_synced",
        actor=request.user,
        target=user,
        organization=organization_of(user),
        data={"fields": ["is_staff"], "changes": {"is_staff": [not should, should]}},
        request=request,
    )


@admin.register(Membership)
class MembershipAdmin(MembershipFieldsMixin, ScopedModelAdmin):
    list_display = ("user", "organization", "department", "role_names", "can_fast_track")
    list_filter = (("organization", admin.RelatedOnlyFieldListFilter), "can_fast_track")
    search_fields = ("user__username", "user__full_name", "department__name")
    list_select_related = ("user", "organization", "department")

    def get_fields(self, request, obj=None):
        return ["user", "organization", "department", *self.role_fields(request, obj)]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if obj is not None and not request.user.is_superuser:
            readonly = [*readonly, "user", "organization"]
        return readonly

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.acting_user = request.user
        return form

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.user_id == request.user.pk:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.user_id == request.user.pk:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        sync_staff_flag(request, obj.user)

    def delete_model(self, request, obj):
        user = obj.user
        super().delete_model(request, obj)
        sync_staff_flag(request, user)


class MembershipInline(MembershipFieldsMixin, ScopedInlineMixin, admin.TabularInline):
    model = Membership
    formset = MembershipInlineFormSet
    extra = 0

    def get_fields(self, request, obj=None):
        return ["organization", "department", *self.role_fields(request, obj)]

    def _editable_parent(self, request, obj) -> bool:
        """Not one's own account, and only an account the user may change."""
        if obj is None:
            return True
        if obj.pk == request.user.pk:
            return False
        parent_admin = self.admin_site._registry.get(User)
        return parent_admin is None or parent_admin.has_change_permission(request, obj)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.acting_user = request.user
        return formset

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._editable_parent(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._editable_parent(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._editable_parent(request, obj)


# --- accounts ---------------------------------------------------------------------------------------


class UserOrganizationFilter(admin.SimpleListFilter):
    title = _("机构")
    parameter_name = "org"

    def lookups(self, request, model_admin):
        return [(str(org.pk), org.name) for org in backends.organizations_for(request.user, User)]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        allowed = {str(pk) for pk, _name in self.lookup_choices}
        if value not in allowed:
            return queryset.none()
        return queryset.filter(memberships__organization_id=int(value))


ACCOUNT_FIELDS = ("username", "full_name", "email")


@admin.register(User)
class UserAdmin(ScopedModelAdmin, BaseUserAdmin):
    list_display = ("username", "full_name", "email", "is_active", "is_staff", "two_factor_enabled")
    actions = ["reset_two_factor"]
    list_filter = ("is_active", "is_staff", UserOrganizationFilter)
    search_fields = ("username", "full_name", "email")
    inlines = [MembershipInline]
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "full_name", "email", "usable_password", "password1", "password2"),
            },
        ),
    )

    # Which account fields the user may edit on ``obj``.
    def _editable(self, request, obj) -> set[str]:
        user = request.user
        if user.is_superuser:
            return {"username", "full_name", "email", "password", "is_active", "is_staff"}
        if obj is None or not self.has_change_permission(request, obj):
            return set()
        editable = set()
        if user.has_perm(backends.EDIT_ACCOUNT, obj):
            editable |= {*ACCOUNT_FIELDS, "password"}
        if user.has_perm(backends.ACTIVATE_USER, obj):
            editable.add("is_active")
        return editable

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        editable = self._editable(request, obj)
        # The password field shows the hash when read-only: only those who may set it see it (as a link).
        first = ("username", "password") if "password" in editable else ("username",)
        status = ["is_active", "is_staff"]
        if request.user.is_superuser:
            status += ["is_superuser", "groups", "user_permissions"]
        return (
            (None, {"fields": first}),
            (_("个人信息"), {"fields": ("full_name", "email")}),
            (_("状态"), {"fields": status}),
            (_("重要日期"), {"fields": ("last_login", "date_joined")}),
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if request.user.is_superuser:
            return ("last_login", "date_joined")
        editable = self._editable(request, obj)
        shown = {*ACCOUNT_FIELDS, "is_active", "is_staff", "last_login", "date_joined"}
        return tuple(sorted(shown - editable))

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        # Administrator accounts (and superusers) are changed by a superuser only: otherwise a system
        # administrator could reset the audit administrator's password and read the log.
        return obj is None or request.user.is_superuser or not backends.holds_admin_role(obj)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Membership and form.instance.pk:
            sync_staff_flag(request, form.instance)

    def user_change_password(self, request, id, form_url=""):
        user = self.get_object(request, unquote(id))
        if user is not None and "password" not in self._editable(request, user):
            raise PermissionDenied
        request._gongkai_password_target = user.pk if user is not None else None
        with transaction.atomic():
            return super().user_change_password(request, id, form_url)

    def log_change(self, request, obj, message):
        if getattr(request, "_gongkai_password_target", None) == obj.pk:
            self.audit(
                request,
                "orgs.user.password_changed",
                obj,
                {"fields": ["password"], "usable": obj.has_usable_password()},
            )
            # A password set for somebody else is changed by its owner at the next login.
            passwords.mark_set_by_administrator(obj, actor=request.user)
            # Every session ends (the password hash changes) and so do the person's API tokens.
            own = request.user.pk == obj.pk
            reason = CredentialChange.PASSWORD_CHANGED if own else CredentialChange.PASSWORD_SET
            end_sessions(obj, reason=reason, actor=request.user, request=request)
        return super().log_change(request, obj, message)

    def save_model(self, request, obj, form, change):
        if not change and obj.has_usable_password() and obj.pk is None:
            obj.password_must_change = True  # the first password is the administrator's: changed at login
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            # Deactivated (in the admin's transaction): sessions end and the API tokens are revoked for
            # good, so reactivating the account does not bring them back.
            end_sessions(obj, reason=CredentialChange.DEACTIVATED, actor=request.user, request=request)

    # --- second factor (gongkai.orgs.totp) ---------------------------------------------------------

    @admin.display(description=_("两步验证"), boolean=True)
    def two_factor_enabled(self, obj):
        return totp.is_enrolled(obj)

    def has_reset_two_factor_permission(self, request):
        return request.user.is_superuser or request.user.has_perm(backends.ACTIVATE_USER)

    def may_reset_two_factor(self, request, target) -> bool:
        """The security administrator (or a superuser) resets somebody else's second factor."""
        actor = request.user
        if target.pk == actor.pk:
            return False
        if actor.is_superuser:
            return True
        return not target.is_superuser and actor.has_perm(backends.ACTIVATE_USER, target)

    @admin.action(
        description=_("重置两步验证(手机丢失或更换;下次登录时重新绑定)"), permissions=["reset_two_factor"]
    )
    def reset_two_factor(self, request, queryset):
        done, refused = [], []
        with transaction.atomic():
            for target in queryset:
                if not self.may_reset_two_factor(request, target):
                    refused.append(str(target))
                elif totp.reset(target, actor=request.user, request=request):
                    done.append(str(target))
        if done:
            self.message_user(request, _("已重置两步验证:%s。") % "、".join(done), messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                _("不能重置本人或超级用户的两步验证,未处理:%s。") % "、".join(refused),
                messages.ERROR,
            )
        if not done and not refused:
            self.message_user(request, _("所选账号都未启用两步验证,无需重置。"), messages.INFO)


# Permissions come from membership roles (gongkai.orgs.backends); Django groups are not used.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


# --- lockouts (django-axes): the security administrator unlocks an account by deleting them ----------


class LockoutAdminMixin(ScopedModelAdmin):
    actions = ()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AccessAttemptAdmin(LockoutAdminMixin, axes_admin.AccessAttemptAdmin):
    pass


class AccessFailureLogAdmin(LockoutAdminMixin, axes_admin.AccessFailureLogAdmin):
    pass


class AccessLogAdmin(ReadOnlyModelAdmin, axes_admin.AccessLogAdmin):
    """Successful logins: the superuser's to read; nobody edits them."""


if axes_settings.AXES_ENABLE_ADMIN:
    for _model, _admin_class in (
        (AccessAttempt, AccessAttemptAdmin),
        (AccessFailureLog, AccessFailureLogAdmin),
        (AccessLog, AccessLogAdmin),
    ):
        if admin.site.is_registered(_model):
            admin.site.unregister(_model)
        admin.site.register(_model, _admin_class)
