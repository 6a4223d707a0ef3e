"""Who a public page speaks for: the organisation (or the whole platform) behind the header, the footer
and the 政府网站网页设计规范 meta tags (SiteName, SiteDomain, SiteIDCode).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest
from django.urls import reverse

from gongkai.orgs.models import Organization

from .selectors import public_organizations

# The four top columns of the disclosure platform (国办公开办函〔2019〕61号), as anchors of /xxgk/
# until the catalogue issue builds them as pages of their own.
TOP_COLUMNS = (
    ("zn", "政府信息公开指南"),
    ("zd", "政府信息公开制度"),
    ("fdzdgknr", "法定主动公开内容"),
    ("nb", "政府信息公开年报"),
)


@dataclass(frozen=True)
class Site:
    name: str
    domain: str
    id_code: str
    organization: Organization | None
    query: str  # "?org=<code>" when the organisation must be named in links, else ""

    @property
    def home_url(self) -> str:
        return reverse("portal:home") + self.query

    @property
    def xxgk_url(self) -> str:
        return reverse("portal:xxgk") + self.query

    @property
    def columns(self) -> list[tuple[str, str]]:
        return [(f"{self.xxgk_url}#{anchor}", name) for anchor, name in TOP_COLUMNS]


def site_for(request: HttpRequest, organization: Organization | None, *, several: bool | None = None) -> Site:
    """The page's site facts: the organisation's, or, when the page has none, the only public organisation's
    (a site of one bureau is that bureau's on every page); with several, the platform's own name and the
    request's host."""
    if organization is None or several is None:
        found = list(public_organizations()[:2])
        if several is None:
            several = len(found) > 1
        if organization is None and len(found) == 1:
            organization = found[0]
    if organization is None:
        return Site(
            name=getattr(settings, "GONGKAI_SITE_NAME", "政府信息公开平台"),
            domain=request.get_host(),
            id_code=getattr(settings, "GONGKAI_SITE_ID_CODE", ""),
            organization=None,
            query="",
        )
    return Site(
        name=organization.name,
        domain=organization.site_domain or request.get_host(),
        id_code=organization.site_id_code,
        organization=organization,
        query="?" + urlencode({"org": organization.code}) if several else "",
    )


def chosen_organization(request: HttpRequest) -> tuple[Organization | None, list[Organization]]:
    """The organisation a list page is about: ?org=<code>, or the only one; None when several and none
    chosen. An unknown code is not found (404)."""
    organizations = list(public_organizations())
    code = request.GET.get("org", "").strip()
    if code:
        for organization in organizations:
            if organization.code == code:
                return organization, organizations
        raise Http404("未找到该机构。")
    if len(organizations) == 1:
        return organizations[0], organizations
    return None, organizations
