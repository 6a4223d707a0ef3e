import pytest
from django import forms

from tests.factories import make_staff

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture
def client(client, settings):
    # The suite runs with production settings: no HTTPS redirect, no collected static manifest here.
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    return client


@pytest.fixture
def staff(db):
    return make_staff()


@pytest.fixture
def login(client):
    """Log a user in (the axes backend needs a request, so name the model backend)."""

    def _login(user):
        client.force_login(user, backend=MODEL_BACKEND)
        return client

    return _login


def _form_values(form, data: dict) -> None:
    for name, field in form.fields.items():
        if field.disabled:
            continue
        bound = form[name]
        value = bound.value()
        if isinstance(field, forms.BooleanField):
            if value:
                data[bound.html_name] = "on"
        elif value is None:
            continue
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(v) for v in value]
        else:
            data[bound.html_name] = str(value)


def admin_form_data(response) -> dict:
    """The POST data an admin change page would submit unchanged: its form, inlines and management forms."""
    data: dict = {}
    _form_values(response.context["adminform"].form, data)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        _form_values(formset.management_form, data)
        for form in formset.forms:
            _form_values(form, data)
    return data
