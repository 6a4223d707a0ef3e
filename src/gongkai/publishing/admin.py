"""Admin: configuration (review chain, topics) is editable and audited; items are read-only here —
they change only through the workflow, which reviews and records every step."""

from django.contrib import admin

from gongkai.core.admin import AuditedModelAdmin

from .models import ApprovalForm, InformationItem, ReviewStep, Topic


@admin.register(ReviewStep)
class ReviewStepAdmin(AuditedModelAdmin):
    list_display = ("organization", "position", "name", "role", "scope", "department")
    list_filter = ("organization",)


@admin.register(Topic)
class TopicAdmin(AuditedModelAdmin):
    list_display = ("organization", "code", "name", "ordering")
    list_filter = ("organization",)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InformationItem)
class InformationItemAdmin(ReadOnlyAdmin):
    list_display = ("index_number", "__str__", "organization", "status", "published_at")
    list_filter = ("organization", "status")
    search_fields = ("index_number", "revisions__title")


@admin.register(ApprovalForm)
class ApprovalFormAdmin(ReadOnlyAdmin):
    list_display = ("archive_number", "organization", "created_at")
    list_filter = ("organization",)
