"""The public side: home, the disclosure platform (/xxgk/), item pages, print views and downloads.

Only published items are shown; anything else is not found (404), a withdrawn item is gone (410) with its
public explanation only. These views read through `selectors` and count views through the publishing
service; they hold no publishing rules of their own.
"""

from __future__ import annotations

import logging
import re

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from gongkai.interpretation import rules as interpretation_rules
from gongkai.publishing import services
from gongkai.publishing.constants import Validity
from gongkai.publishing.models import InformationItem, Topic

from . import page_cache, selectors
from .links import attachment_url, item_print_url, item_url, public_file_name
from .models import PortalPage
from .site import chosen_organization, site_for

logger = logging.getLogger(__name__)

ITEMS_PER_PAGE = 20
# Obvious crawlers are not counted as readers; anything subtler is (keep it simple).
_BOT = re.compile(r"bot|spider|crawl|slurp", re.IGNORECASE)


def _listing(request: HttpRequest) -> dict:
    organization, organizations = chosen_organization(request)
    site = site_for(request, organization, several=len(organizations) > 1)
    page = Paginator(selectors.published_items(organization), ITEMS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return {
        "site": site,
        "organization": organization,
        "organizations": organizations if len(organizations) > 1 else [],
        "page": page,
        "show_publisher": organization is None,
    }


@require_safe
@page_cache.cached_page()
def home(request: HttpRequest) -> HttpResponse:
    context = _listing(request)
    context["breadcrumbs"] = [(_("首页"), None)]
    return render(request, "portal/home.html", context)


@require_safe
@page_cache.cached_page()
def xxgk_home(request: HttpRequest) -> HttpResponse:
    context = _listing(request)
    site = context["site"]
    if context["organization"] is not None and context["organizations"]:
        # Several organisations: 政府信息公开 is the list of them, this page is one of them.
        context["breadcrumbs"] = [
            (_("首页"), site.home_url),
            (_("政府信息公开"), reverse("portal:xxgk")),
            (context["organization"].name, None),
        ]
    else:
        context["breadcrumbs"] = [(_("首页"), site.home_url), (_("政府信息公开"), None)]
    organization = context["organization"]
    if organization is not None:
        context["tree"] = selectors.catalogue_tree(organization)
        context["annual_reports"] = selectors.annual_report_items(organization)
        context["pages"] = {page.kind: page for page in PortalPage.objects.filter(organization=organization)}
    return render(request, "portal/xxgk.html", context)


@require_safe
@page_cache.cached_page()
def item_list(request: HttpRequest) -> HttpResponse:
    """The list page: published items narrowed by catalogue entry, topic, year, validity, publisher and
    a title keyword; bad values are ignored with a message."""
    organizations = list(selectors.public_organizations())
    filters = selectors.parse_list_filters(request.GET, organizations)
    organization = filters.organization
    site = site_for(request, organization, several=len(organizations) > 1)
    page = Paginator(selectors.filtered_items(filters, organizations), ITEMS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    today = timezone.localdate()
    rows = [(item, Validity(item.validity_on(today)).label) for item in page.object_list]
    topics = Topic.objects.filter(organization=organization) if organization is not None else []
    return render(
        request,
        "portal/list.html",
        {
            "site": site,
            "organization": organization,
            "organizations": organizations if len(organizations) > 1 else [],
            "filters": filters,
            "page": page,
            "rows": rows,
            "topics": topics,
            "validity_choices": selectors.VALIDITY_CHOICES.items(),
            "previous_query": filters.query(page=page.previous_page_number()) if page.has_previous() else "",
            "next_query": filters.query(page=page.next_page_number()) if page.has_next() else "",
            "column_name": filters.column_name,
            "breadcrumbs": [
                (_("首页"), site.home_url),
                (_("政府信息公开"), site.xxgk_url),
                (filters.column_name, None),
            ],
        },
    )


def _page_number(value: str | None) -> int:
    """A page number from the query string: 1 unless it is a plain positive number (capped)."""
    if value and value.isascii() and value.isdigit():
        return max(1, min(int(value[:7]), 10**6))
    return 1


@require_safe
@page_cache.cached_page(search=True)
def search(request: HttpRequest) -> HttpResponse:
    """全站检索: every published item containing all the words typed, with the list page's filters,
    facets, highlighted snippets, and relevance or date order."""
    organizations = list(selectors.public_organizations())
    filters = selectors.parse_list_filters(request.GET, organizations)
    organization = filters.organization
    site = site_for(request, organization, several=len(organizations) > 1)
    order = request.GET.get("order") or "relevance"
    page = _page_number(request.GET.get("page"))
    per_page = selectors.SEARCH_PER_PAGE
    results = selectors.search(
        filters, organizations, order=order, offset=(page - 1) * per_page, limit=per_page
    )
    base_query = filters.query()
    order_query = f"&order={results.order}" if results.order != "relevance" else ""
    today = timezone.localdate()
    return render(
        request,
        "portal/search.html",
        {
            "site": site,
            "organization": organization,
            "organizations": organizations if len(organizations) > 1 else [],
            "filters": filters,
            "results": results,
            "messages_list": filters.messages + results.messages,
            "validity_labels": {
                hit.item.pk: Validity(hit.item.validity_on(today)).label for hit in results.hits
            },
            "facet_titles": {
                "year": _("发布年份"),
                "catalogue": _("目录分类"),
                "topic": _("主题"),
                "validity": _("有效性"),
                "org": _("发布机构"),
            },
            "orders": selectors.search_orders(),
            "base_query": base_query,
            "order_query": order_query,
            "column_name": _("检索"),
            "breadcrumbs": [
                (_("首页"), site.home_url),
                (_("政府信息公开"), site.xxgk_url),
                (_("检索"), None),
            ],
        },
    )


@require_safe
def portal_page(request: HttpRequest, kind: str) -> HttpResponse:
    organization, organizations = chosen_organization(request)
    if organization is None:
        raise Http404("请先选择机构。")
    page = PortalPage.objects.filter(organization=organization, kind=kind).first()
    if page is None:
        raise Http404(f"{PortalPage.Kind(kind).label}尚未发布。")
    site = site_for(request, organization, several=len(organizations) > 1)
    return render(
        request,
        "portal/page.html",
        {
            "site": site,
            "page_obj": page,
            "column_name": PortalPage.Kind(kind).label,
            "breadcrumbs": [
                (_("首页"), site.home_url),
                (_("政府信息公开"), site.xxgk_url),
                (PortalPage.Kind(kind).label, None),
            ],
        },
    )


def _gone(request: HttpRequest, item: InformationItem) -> HttpResponse:
    site = site_for(request, item.organization)
    context = {
        "site": site,
        "item": item,
        "title": item.live_revision.title,
        "breadcrumbs": [(_("首页"), site.home_url), (_("政府信息公开"), site.xxgk_url), (_("已撤回"), None)],
    }
    return render(request, "410.html", context, status=410)


def _item_context(request: HttpRequest, item: InformationItem) -> dict:
    revision = item.live_revision
    site = site_for(request, item.organization)
    validity = item.validity  # from today's date, on every request: a future abolition switches by itself
    entry = revision.catalogue_entry
    path = entry.path_names if entry else []
    replaced_by = item.replaced_by if item.replaced_by_id and item.replaced_by.is_public else None
    return {
        "site": site,
        "item": item,
        "revision": revision,
        "attachments": selectors.live_attachments(item),
        "validity": validity,
        "validity_label": Validity(validity).label,
        "replaced_by": replaced_by,
        "show_change_note": revision.is_major_change and bool(revision.change_note.strip()),
        "interpretations": list(interpretation_rules.published_interpretations(item)),
        "interpreted_document": revision.interprets
        if revision.interprets_id and revision.interprets.is_public
        else None,
        "column_name": path[-1] if path else _("政府信息公开"),
        "canonical_url": request.build_absolute_uri(item_url(item)),
        "print_url": item_print_url(item),
        "breadcrumbs": [
            (_("首页"), site.home_url),
            (_("政府信息公开"), site.xxgk_url),
            *[(name, None) for name in path],
            (_("正文"), None),
        ],
    }


def _public_item(request: HttpRequest, index_number: str) -> InformationItem | HttpResponse:
    lookup = selectors.item_for_public(index_number)
    if lookup.withdrawn:
        return _gone(request, lookup.item)
    if not lookup.found:
        raise Http404("该信息不存在或尚未公开。")
    return lookup.item


@require_safe
def item_detail(request: HttpRequest, index_number: str) -> HttpResponse:
    counted = request.method == "GET" and not _BOT.search(request.headers.get("User-Agent", ""))
    host = request.get_host()
    # The usual case first: a published item whose page is cached, found with one small read.
    stamp = selectors.published_stamp(index_number)
    html = page_cache.get_item(host, stamp) if stamp is not None else None
    if html is not None:
        views = stamp.view_count + (services.record_view_of(stamp.pk) if counted else 0)
        return HttpResponse(html.replace(page_cache.VIEWS_MARKER, str(views)))
    item = _public_item(request, index_number)
    if isinstance(item, HttpResponse):
        return item
    if counted:
        item.view_count += services.record_view(item)  # the count including this view, not read again
    count, item.view_count = item.view_count, page_cache.VIEWS_MARKER
    html = render(request, "portal/item.html", _item_context(request, item)).content.decode()
    item.view_count = count
    if stamp is not None and (stamp.pk, stamp.lock_version) == (item.pk, item.lock_version):
        page_cache.put_item(host, stamp, html)
    return HttpResponse(html.replace(page_cache.VIEWS_MARKER, str(item.view_count)))


@require_safe
def item_print(request: HttpRequest, index_number: str) -> HttpResponse:
    item = _public_item(request, index_number)
    if isinstance(item, HttpResponse):
        return item
    return render(request, "portal/item_print.html", _item_context(request, item))


@require_safe
def attachment_download(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Stream an attachment of a live revision of a published item; everything else is not found."""
    attachment = selectors.public_attachment(pk)
    if attachment is None:
        raise Http404("该附件不存在或尚未公开。")
    if name != public_file_name(attachment):
        return redirect(attachment_url(attachment))
    try:
        handle = attachment.file.storage.open(attachment.file.name, "rb")
    except (OSError, ValueError):
        logger.error("attachment %s: stored file %r is missing", attachment.pk, attachment.file.name)
        raise Http404("该附件暂时无法下载。") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=public_file_name(attachment),
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
