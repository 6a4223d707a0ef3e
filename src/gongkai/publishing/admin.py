"""Admin: configuration (review chain, topics) is editable by the system administrator of the
organisation and audited; items are read-only here — they change only through the workflow, which
reviews and records every step."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gongkai.core.admin import ReadOnlyModelAdmin, ScopedModelAdmin
from gongkai.orgs.constants import Role

from .constants import StepScope
from .models import ApprovalForm, InformationItem, ReviewStep, Topic

# The roles that review or approve an item; the drafter and the administrators never do.
WORKFLOW_ROLES = (
    Role.DEPARTMENT_HEAD,
    Role.CONFIDENTIALITY_REVIEWER,
    Role.OFFICE_EDITOR,
    Role.LEADER,
    Role.POLICY_REVIEWER,
)
ROLE_REFUSED = _("审核角色必须是科室负责人、保密审查员、办公室编辑、分管领导或政策法规科审核之一。")


class ReviewStepForm(forms.ModelForm):
    role = forms.ChoiceField(
        label=_("审核角色"),
        choices=[(role.value, role.label) for role in WORKFLOW_ROLES],
        error_messages={"invalid_choice": ROLE_REFUSED},
    )

    class Meta:
        model = ReviewStep
        fields = ["organization", "position", "name", "role", "scope", "department", "confirms_bottom_lines"]
        labels = {"organization": _("机构")}

    def _organization(self):
        if "organization" in self.cleaned_data:
            return self.cleaned_data["organization"]
        return self.instance.organization if self.instance.organization_id else None

    def clean(self):
        cleaned = super().clean()
        if "role" in cleaned and cleaned["role"] not in {r.value for r in WORKFLOW_ROLES}:
            self.add_error("role", ROLE_REFUSED)
        scope = cleaned.get("scope")
        department = cleaned.get("department")
        organization = self._organization()
        if scope == StepScope.FIXED_DEPARTMENT:
            if department is None:
                self.add_error("department", _("科室范围为“指定科室”时必须选择科室。"))
            elif organization is not None and department.organization_id != organization.pk:
                self.add_error("department", _("指定科室必须属于本机构。"))
        elif scope and department is not None:
            self.add_error("department", _("只有科室范围为“指定科室”时才填写指定科室。"))
        return cleaned


@admin.register(ReviewStep)
class ReviewStepAdmin(ScopedModelAdmin):
    form = ReviewStepForm
    list_display = ("organization", "position", "name", "role_display", "scope", "department")
    list_filter = (("organization", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("organization", "department")

    @admin.display(description=_("审核角色"), ordering="role")
    def role_display(self, obj):
        return Role(obj.role).label if obj.role in Role.values else obj.role

    def get_readonly_fields(self, request, obj=None):
        return ("organization",) if obj is not None else ()


class TopicForm(forms.ModelForm):
    class Meta:
        model = Topic
        fields = ["organization", "code", "name", "ordering"]
        labels = {"organization": _("机构"), "ordering": _("排序")}


@admin.register(Topic)
class TopicAdmin(ScopedModelAdmin):
    form = TopicForm
    list_display = ("organization", "code", "name", "ordering")
    list_filter = (("organization", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("organization",)

    def get_readonly_fields(self, request, obj=None):
        return ("organization",) if obj is not None else ()


@admin.register(InformationItem)
class InformationItemAdmin(ReadOnlyModelAdmin):
    list_display = ("index_number", "__str__", "organization", "status", "published_at")
    list_filter = (("organization", admin.RelatedOnlyFieldListFilter), "status")
    search_fields = ("index_number", "revisions__title")


@admin.register(ApprovalForm)
class ApprovalFormAdmin(ReadOnlyModelAdmin):
    list_display = ("archive_number", "organization", "created_at")
    list_filter = (("organization", admin.RelatedOnlyFieldListFilter),)
