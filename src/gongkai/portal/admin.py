from django.contrib import admin

from gongkai.core.admin import ScopedModelAdmin

from . import services
from .models import PortalPage


@admin.register(PortalPage)
class PortalPageAdmin(ScopedModelAdmin):
    fields = ("organization", "kind", "title", "body")
    list_display = ("title", "kind", "organization", "updated_at", "updated_by")
    list_filter = (("organization", admin.RelatedOnlyFieldListFilter), "kind")
    list_select_related = ("organization", "updated_by")

    def get_readonly_fields(self, request, obj=None):
        return ("organization", "kind") if obj is not None else ()

    def save_model(self, request, obj, form, change):
        services.prepare_page(obj, user=request.user)  # sanitised body; the base class saves and audits
        super().save_model(request, obj, form, change)
