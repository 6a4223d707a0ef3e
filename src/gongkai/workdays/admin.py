"""The working-day calendar is deployment-wide: only system administrators (of any organisation) change
it. Every change goes through ``services``, which records exactly one audit event for it."""

from django.contrib import admin

from gongkai.core.admin import ScopedModelAdmin

from . import services
from .models import CalendarOverride, PublishedYear


class ServiceWrittenAdmin(ScopedModelAdmin):
    """Saves and deletes through the services, whose audit event replaces the generic admin one."""

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly.append(self.key_field)  # a change of the key is a delete and an add
        return readonly


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(ServiceWrittenAdmin):
    key_field = "date"
    list_display = ["date", "is_workday", "note", "updated_by", "updated_at"]
    list_filter = ["is_workday"]
    search_fields = ["note"]
    date_hierarchy = "date"
    readonly_fields = ["updated_by", "updated_at"]
    list_select_related = ["updated_by"]

    def save_model(self, request, obj, form, change):
        saved = services.set_override(obj.date, obj.is_workday, obj.note, actor=request.user, request=request)
        obj.pk = saved.pk
        obj.updated_by = saved.updated_by
        obj.updated_at = saved.updated_at

    def delete_model(self, request, obj):
        services.delete_override(obj.date, actor=request.user, request=request)


@admin.register(PublishedYear)
class PublishedYearAdmin(ServiceWrittenAdmin):
    key_field = "year"
    list_display = ["year", "note", "created_at"]
    readonly_fields = ["created_at"]

    def save_model(self, request, obj, form, change):
        saved = services.mark_year_published(obj.year, note=obj.note, actor=request.user, request=request)
        obj.pk = saved.pk
        obj.created_at = saved.created_at

    def delete_model(self, request, obj):
        services.unmark_year_published(obj.year, actor=request.user, request=request)
