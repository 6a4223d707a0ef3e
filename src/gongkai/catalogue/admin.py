from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gongkai.core.admin import ScopedModelAdmin

from .constants import ColumnKind
from .models import CatalogueEntry


class CatalogueEntryForm(forms.ModelForm):
    class Meta:
        model = CatalogueEntry
        fields = [
            "organization",
            "parent",
            "code",
            "name",
            "ordering",
            "content_type",
            "responsible_department",
            "update_frequency",
            "column_kind",
            "interpretation",
            "document_kind",
        ]
        labels = {"organization": _("机构"), "parent": _("上级目录")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "column_kind" in self.fields:
            self.fields["column_kind"].required = False  # absent means 其他, as for entries made before it

    def clean_column_kind(self):
        return self.cleaned_data.get("column_kind") or ColumnKind.OTHER

    def _organization(self):
        if "organization" in self.cleaned_data:
            return self.cleaned_data["organization"]
        return self.instance.organization if self.instance.organization_id else None

    def clean(self):
        cleaned = super().clean()
        organization = self._organization()
        parent = cleaned.get("parent")
        department = cleaned.get("responsible_department")
        if organization is not None:
            if parent is not None and parent.organization_id != organization.pk:
                self.add_error("parent", _("上级目录必须属于同一机构。"))
            if department is not None and department.organization_id != organization.pk:
                self.add_error("responsible_department", _("责任科室必须属于该机构。"))
        if parent is not None and self.instance.pk is not None:
            node, seen = parent, set()
            while node is not None and node.pk not in seen:
                if node.pk == self.instance.pk:
                    self.add_error("parent", _("上级目录不能是本目录或其下级目录。"))
                    break
                seen.add(node.pk)
                node = node.parent
        return cleaned


@admin.register(CatalogueEntry)
class CatalogueEntryAdmin(ScopedModelAdmin):
    form = CatalogueEntryForm
    list_display = (
        "code",
        "name",
        "organization",
        "parent",
        "responsible_department",
        "update_frequency",
        "column_kind",
    )
    list_filter = (("organization", admin.RelatedOnlyFieldListFilter), "update_frequency", "column_kind")
    search_fields = ("code", "name")
    list_select_related = ("organization", "parent", "responsible_department")

    def get_readonly_fields(self, request, obj=None):
        return ("organization",) if obj is not None else ()
