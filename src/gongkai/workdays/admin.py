from django.contrib import admin

from .models import CalendarOverride, PublishedYear


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "note", "updated_by", "updated_at"]
    list_filter = ["is_workday"]
    search_fields = ["note"]
    date_hierarchy = "date"
    readonly_fields = ["updated_by", "updated_at"]

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(PublishedYear)
class PublishedYearAdmin(admin.ModelAdmin):
    list_display = ["year", "note", "created_at"]
    readonly_fields = ["created_at"]
