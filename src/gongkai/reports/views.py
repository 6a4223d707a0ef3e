"""Approval forms (审批表) and their ledger (台账), DOMAIN P5: print, Word, Excel.

Forms are rendered from their frozen snapshot. Only members of the form's organisation see a form
(anyone else gets 404, as if it did not exist); the ledger shows the organisation the person is
working in. Exporting the ledger is recorded in the audit log; reading a form is not.
"""

from __future__ import annotations

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.template.loader import select_template
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from gongkai.audit import services as audit
from gongkai.console.access import current_membership

from . import selectors
from .approval import ledger_row, sheet_for
from .exports import DOCX_TYPE, XLSX_TYPE, approval_form_docx, attachment_disposition, ledger_xlsx
from .forms import LedgerFilterForm

LEDGER_PAGE_SIZE = 50
NO_ORGANIZATION = _("您尚未加入任何机构,无法查看审批表台账。")


def base_template():
    """The console's layout once it exists, else this app's minimal one."""
    try:
        return select_template(["console/base.html", "reports/base.html"])
    except TemplateDoesNotExist:  # pragma: no cover - reports/base.html ships with the app
        return "reports/base.html"


def _attach_membership(request):
    """Put the working organisation on the request, as console pages do (the console header reads it).

    The organisation is the one chosen in the console's switcher (one session key, kept by the console)."""
    membership = current_membership(request)
    if membership is not None:
        request.membership = membership
        request.organization = membership.organization
    return membership


def _refused(request, message: str):
    context = {"base_template": base_template(), "message": message}
    return render(request, "reports/403.html", context, status=403)


def _form_or_404(request, revision_pk: int):
    form = selectors.form_for_revision(request.user, revision_pk)
    if form is None:
        raise Http404(_("审批表不存在。"))
    return form


@require_safe
@login_required
def form_print(request, revision_pk: int):
    form = _form_or_404(request, revision_pk)
    _attach_membership(request)
    context = {"base_template": base_template(), "form": form, "sheet": sheet_for(form)}
    return render(request, "reports/form_print.html", context)


@require_safe
@login_required
def form_docx(request, revision_pk: int):
    form = _form_or_404(request, revision_pk)
    content = approval_form_docx(sheet_for(form))
    response = HttpResponse(content, content_type=DOCX_TYPE)
    response["Content-Disposition"] = attachment_disposition(
        f"审批表-{form.archive_number}.docx", f"approval-form-{form.archive_number}.docx"
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _ledger_context(request):
    membership = _attach_membership(request)
    if membership is None:
        raise PermissionDenied(NO_ORGANIZATION)
    organization = membership.organization
    filters = LedgerFilterForm(
        request.GET or None, organization=organization, years=selectors.ledger_years(organization)
    )
    return organization, filters


def _with_organization(view):
    """The ledger needs an organisation: refuse with a Chinese page when the person has none."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            return _refused(request, str(exc) or str(NO_ORGANIZATION))

    return wrapper


@require_safe
@login_required
@_with_organization
def ledger(request):
    organization, filters = _ledger_context(request)
    forms = selectors.ledger_forms(organization, **filters.filters())
    page = Paginator(forms.only("revision", "archive_number", "data"), LEDGER_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "base_template": base_template(),
        "organization": organization,
        "filters": filters,
        "page": page,
        "rows": [ledger_row(f.revision_id, f.archive_number, f.data) for f in page.object_list],
        "query": query.urlencode(),
    }
    return render(request, "reports/ledger.html", context, status=400 if filters.errors else 200)


@require_safe
@login_required
@_with_organization
def ledger_export(request):
    organization, filters = _ledger_context(request)
    if filters.errors:
        # Never export with a filter silently dropped: show the page with the messages instead.
        return ledger(request)
    forms = selectors.ledger_forms(organization, **filters.filters())
    rows = (
        ledger_row(revision_id, archive_number, data)
        for revision_id, archive_number, data in forms.values_list(
            "revision_id", "archive_number", "data"
        ).iterator(chunk_size=1000)
    )
    count = 0

    def counted():
        nonlocal count
        for row in rows:
            count += 1
            yield row

    content = ledger_xlsx(counted())
    audit.record(
        action="reports.ledger.exported",
        actor=request.user,
        organization=organization,
        data={"filters": filters.description(), "rows": count},
        request=request,
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = attachment_disposition(
        f"审批表台账-{organization.code}-{stamp}.xlsx", f"ledger-{organization.code}-{stamp}.xlsx"
    )
    response["Cache-Control"] = "private, no-store"
    return response
