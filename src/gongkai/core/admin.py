"""Admin helpers: every change made through the admin is an audit event too."""

from django.contrib import admin

from gongkai.audit import services as audit


class AuditedModelAdmin(admin.ModelAdmin):
    def _organization(self, obj):
        return getattr(obj, "organization", None)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit.record(
            action="admin.changed" if change else "admin.added",
            actor=request.user,
            target=obj,
            organization=self._organization(obj),
            data={"fields": sorted(form.changed_data)},
            request=request,
        )

    def delete_model(self, request, obj):
        audit.record(
            action="admin.deleted",
            actor=request.user,
            target=obj,
            organization=self._organization(obj),
            data={"repr": str(obj)},
            request=request,
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
