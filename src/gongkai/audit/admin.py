from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent
from .permissions import can_read_audit_log
from .registry import registry


class ActionFilter(admin.SimpleListFilter):
    title = _("操作")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return registry.choices()

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(action=self.value())
        return queryset


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only, and only for the audit administrator (三员分立): superusers included, nobody may write,
    and the system and security administrators may not read."""

    list_display = (
        "seq",
        "created_at",
        "actor_repr",
        "organization",
        "action_display",
        "object_type",
        "object_repr",
        "ip_address",
    )
    list_filter = (ActionFilter, "created_at")
    search_fields = ("actor_repr", "object_repr", "object_id", "action")
    list_select_related = ("organization",)
    ordering = ("-seq",)
    show_full_result_count = False
    actions = None
    fields = (
        "seq",
        "created_at",
        "actor",
        "actor_repr",
        "organization",
        "action",
        "action_display",
        "object_type",
        "object_id",
        "object_repr",
        "data",
        "ip_address",
        "prev_hash",
        "hash",
    )
    readonly_fields = fields

    @admin.display(description=_("操作"), ordering="action")
    def action_display(self, obj: AuditEvent) -> str:
        return obj.action_label

    def get_queryset(self, request):
        """An audit administrator reads the events of the organisations where they hold the role, and
        the deployment-wide events (no organisation)."""
        from django.db.models import Q

        from gongkai.orgs.constants import Role

        organizations = [
            m.organization_id for m in request.user.memberships.all() if m.has_role(Role.AUDIT_ADMIN)
        ]
        return (
            super()
            .get_queryset(request)
            .filter(Q(organization_id__in=organizations) | Q(organization__isnull=True))
        )

    def has_module_permission(self, request) -> bool:
        return can_read_audit_log(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return can_read_audit_log(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
