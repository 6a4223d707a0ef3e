"""The ledger's filters. Bad input gives a Chinese message and is not applied."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongkai.orgs.models import Organization


class LedgerFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("年度"), required=False, coerce=int, empty_value=None)
    department = forms.ModelChoiceField(
        label=_("牵头科室"),
        queryset=None,
        required=False,
        empty_label=_("全部科室"),
        error_messages={"invalid_choice": _("所选科室不存在或不属于本机构。")},
    )
    published_from = forms.DateField(
        label=_("发布日期自"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("请输入有效的日期,例如 2026-01-31。")},
    )
    published_to = forms.DateField(
        label=_("至"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("请输入有效的日期,例如 2026-12-31。")},
    )
    q = forms.CharField(
        label=_("关键词"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("标题、索引号或档案编号")}),
        error_messages={"max_length": _("关键词不能超过100个字。")},
    )
    fast_track = forms.BooleanField(label=_("只看紧急发布"), required=False)

    def __init__(self, *args, organization: Organization, years: list[int], **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["department"].queryset = organization.departments.order_by("ordering", "code")
        self.fields["year"].choices = [("", _("全部年度")), *((y, f"{y}年") for y in years)]
        self.fields["year"].error_messages["invalid_choice"] = _("所选年度没有审批表。")

    def clean_q(self) -> str:
        return (self.cleaned_data.get("q") or "").strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("published_from"), data.get("published_to")
        if start and end and start > end:
            self.add_error("published_to", _("截止日期不能早于起始日期。"))
        return data

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for selectors.ledger_forms: only the fields that passed validation."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "year": data.get("year"),
            "department": data.get("department"),
            "published_from": data.get("published_from"),
            "published_to": data.get("published_to"),
            "keyword": data.get("q") or "",
            "fast_track_only": bool(data.get("fast_track")),
        }

    def description(self) -> dict[str, Any]:
        """The applied filters in plain values, for the audit log."""
        filters = self.filters()
        department = filters["department"]
        return {
            "year": filters["year"],
            "department": department.name if department else None,
            "published_from": filters["published_from"].isoformat() if filters["published_from"] else None,
            "published_to": filters["published_to"].isoformat() if filters["published_to"] else None,
            "keyword": filters["keyword"] or None,
            "fast_track_only": filters["fast_track_only"],
        }
