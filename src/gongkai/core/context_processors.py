from django.conf import settings


def site(request):
    """Site-wide facts for templates (the deployment's name; the organisation comes from the page)."""
    return {"GONGKAI_SITE_NAME": getattr(settings, "GONGKAI_SITE_NAME", "政府信息公开平台")}
