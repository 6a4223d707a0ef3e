from django.contrib import admin

from .models import CatalogueEntry


@admin.register(CatalogueEntry)
class CatalogueEntryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "organization", "parent", "responsible_department", "update_frequency")
    list_filter = ("organization", "update_frequency")
    search_fields = ("code", "name")
