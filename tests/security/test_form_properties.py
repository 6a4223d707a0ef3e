"""Issue 9, item 3: property-based tests (hypothesis) on the forms of the public site and the console.

Every Django form class of the project (found by walking the package, so a new form fails
`test_every_form_class_is_fuzzed` until it is added to FORMS) is bound to arbitrary data: text of any
Unicode, the hostile corpus, numbers, huge values, missing values, lists for multiple choices, and files
of any name and content. `is_valid()` never raises, and every error is a Chinese sentence.

A few properties post through the test client: the public forms (网民纠错, a comment, a message, a
question) and the search page and API take any text without a server error.
"""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest
from django import forms
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gongkai
from gongkai.core import captcha
from gongkai.orgs.selectors import membership_for
from tests.factories import make_published, make_staff
from tests.security import payloads as P

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")
FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)

# Text a browser can send (no lone surrogates: they cannot be encoded in a request).
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)
HOSTILE = st.sampled_from([*P.ALL, *P.FUZZ, *P.FUZZ_CHOICE])
NUMBER = st.integers(min_value=-(10**30), max_value=10**30).map(str)
VALUE = st.one_of(TEXT, HOSTILE, NUMBER, st.sampled_from(["", " ", "0", "1", "true", "on", "2026-12-01"]))


@st.composite
def uploads(draw):
    name = draw(st.one_of(TEXT, HOSTILE).map(lambda s: s.replace("\x00", "")[:200]))
    suffix = draw(st.sampled_from(["", ".pdf", ".docx", ".png", ".xlsx", ".txt"]))
    content = draw(st.one_of(st.binary(max_size=2000), st.sampled_from([b"", b"PK\x03\x04", b"%PDF-1.4\n"])))
    try:
        return SimpleUploadedFile(name + suffix, content)
    except SuspiciousFileOperation:  # no name left (a browser never sends one): Django refuses it itself
        return SimpleUploadedFile("f" + suffix, content)


def data_for(form: forms.BaseForm):
    """A strategy of (data, files) for the form's fields: any value, or none, for each."""
    fields, files = {}, {}
    for name, field in form.fields.items():
        key = form.add_prefix(name)
        if isinstance(field, forms.FileField):
            files[key] = st.one_of(st.none(), uploads())
        elif isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
            fields[key] = st.one_of(st.none(), st.lists(VALUE, max_size=3))
        else:
            fields[key] = st.one_of(st.none(), VALUE)

    def build(values, uploaded):
        data = MultiValueDict()
        for key, value in values.items():
            if value is not None:
                data.setlist(key, value if isinstance(value, list) else [value])
        return data, MultiValueDict({k: [v] for k, v in uploaded.items() if v is not None})

    return st.builds(build, st.fixed_dictionaries(fields), st.fixed_dictionaries(files))


# --- every form class, with what it needs to be built ------------------------------------------------


@pytest.fixture
def staff(db):
    return make_staff()


def _consultation(s):
    from tests.participation.test_consultations import make_open

    return make_open(s)


def _interview(s):
    import datetime

    from django.utils import timezone

    from gongkai.participation import interviews

    now = timezone.now()
    return interviews.create_interview(
        user=s.editor,
        organization=s.org,
        data={
            "title": "访谈",
            "description": "",
            "guests": "张明 副局长\n李华 科长",
            "department": s.dept,
            "starts_at": now + datetime.timedelta(hours=1),
            "ends_at": now + datetime.timedelta(hours=2),
            "interprets": None,
        },
    )


def _request(s):
    request = RequestFactory().post("/console/login/")
    request.session = {}
    return request


def _case(s):
    from tests.concerns.factories import make_case

    return make_case(s)


# dotted name -> staff -> (args, kwargs) of the constructor (besides data and files)
FORMS = {
    "gongkai.feedback.forms.ReportForm": lambda s: ((), {}),
    "gongkai.feedback.forms.AnswerForm": lambda s: ((), {}),
    "gongkai.reports.forms.LedgerFilterForm": lambda s: ((), {"organization": s.org, "years": [2025, 2026]}),
    "gongkai.reports.views_oversight.OversightForm": lambda s: (
        (),
        {"departments": [s.dept, s.other_dept], "fixed_department": None},
    ),
    "gongkai.concerns.forms.AssessmentForm": lambda s: ((), {}),
    "gongkai.concerns.forms.ClassifyForm": lambda s: ((), {"organization": s.org}),
    "gongkai.concerns.forms.MoveForm": lambda s: ((), {}),
    "gongkai.concerns.forms.CloseForm": lambda s: ((), {}),
    "gongkai.concerns.forms.ReportForm": lambda s: ((), {}),
    "gongkai.concerns.forms.ResponseForm": lambda s: ((), {"organization": s.org, "user": s.editor}),
    "gongkai.concerns.forms.ReferralForm": lambda s: ((), {}),
    "gongkai.concerns.forms.ManualMentionForm": lambda s: ((), {}),
    "gongkai.concerns.forms.MoveMentionForm": lambda s: ((), {"cases": [_case(s)]}),
    "gongkai.concerns.forms.SourceForm": lambda s: ((), {}),
    "gongkai.concerns.forms.RuleForm": lambda s: ((), {}),
    "gongkai.concerns.forms.CategoryTermsForm": lambda s: ((), {}),
    "gongkai.concerns.forms.PolicyForm": lambda s: ((), {}),
    "gongkai.concerns.forms.WebhookForm": lambda s: ((), {}),
    "gongkai.concerns.forms.PeriodForm": lambda s: ((), {}),
    "gongkai.participation.consultation_forms.ConsultationForm": lambda s: ((), {"organization": s.org}),
    "gongkai.participation.consultation_forms.ExtendForm": lambda s: ((), {}),
    "gongkai.participation.consultation_forms.ModerateForm": lambda s: ((), {}),
    "gongkai.participation.consultation_forms.ClassifyForm": lambda s: ((), {"originals": [(1, "意见1")]}),
    "gongkai.participation.consultation_forms.SummaryForm": lambda s: ((), {}),
    "gongkai.participation.consultation_forms.CommentForm": lambda s: _comment_form(s),
    "gongkai.participation.message_forms.MessageForm": lambda s: ((), {}),
    "gongkai.participation.message_forms.LookupForm": lambda s: ((), {}),
    "gongkai.participation.message_forms.RouteForm": lambda s: ((), {"organization": s.org}),
    "gongkai.participation.message_forms.AnswerForm": lambda s: ((), {}),
    "gongkai.participation.message_forms.ReasonForm": lambda s: ((), {}),
    "gongkai.participation.message_forms.PolicyForm": lambda s: ((), {}),
    "gongkai.participation.interview_forms.QuestionForm": lambda s: ((), {}),
    "gongkai.participation.interview_forms.InterviewForm": lambda s: (
        (),
        {"organization": s.org, "membership": membership_for(s.editor, s.org.pk)},
    ),
    "gongkai.participation.interview_forms.SummaryForm": lambda s: ((), {}),
    "gongkai.participation.interview_forms.ApproveForm": lambda s: ((), {}),
    "gongkai.participation.interview_forms.RejectForm": lambda s: ((), {}),
    "gongkai.participation.interview_forms.AnswerForm": lambda s: ((), {"interview": _interview(s)}),
    "gongkai.console.forms_account.CodeForm": lambda s: ((), {}),
    "gongkai.console.forms_account.PasswordChangeForm": lambda s: ((s.drafter,), {}),
    "gongkai.console.forms.ConsoleLoginForm": lambda s: ((_request(s),), {}),
    "gongkai.console.forms.ItemForm": lambda s: ((), {"organization": s.org}),
    "gongkai.console.forms.ReasonForm": lambda s: ((), {}),
    "gongkai.console.forms.OpinionForm": lambda s: ((), {}),
    "gongkai.console.forms.AbolishForm": lambda s: ((), {"item": make_published(s)}),
    "gongkai.console.forms.AttachmentForm": lambda s: ((), {}),
}
# Forms of the Django admin (their own tests: tests/orgs/test_admin_forms.py and the admin walks) and
# the captcha base, which is fuzzed through every public form that mixes it in.
NOT_HERE = {
    "gongkai.core.forms.CaptchaMixin",
    "gongkai.api.admin.ApiTokenForm",
    "gongkai.orgs.admin.DepartmentForm",
    "gongkai.orgs.admin.MembershipForm",
    "gongkai.orgs.admin.MembershipInlineFormSet",
    "gongkai.publishing.admin.ReviewStepForm",
    "gongkai.publishing.admin.TopicForm",
    "gongkai.catalogue.admin.CatalogueEntryForm",
}


def _comment_form(s):
    from gongkai.participation import consultations

    consultation = _consultation(s)
    return (), {"consultation": consultation, "sections": consultations.sections_of(consultation)}


def project_form_classes() -> set[str]:
    """Every form class defined in the project (modules imported by walking the package)."""
    for module in pkgutil.walk_packages(gongkai.__path__, "gongkai."):
        if ".migrations" in module.name or module.name.endswith(("__main__", ".wsgi", ".asgi")):
            continue
        importlib.import_module(module.name)
    found, todo = set(), [forms.BaseForm, forms.BaseFormSet]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("gongkai."):
                found.add(f"{sub.__module__}.{sub.__qualname__}")
    return found


def test_every_form_class_is_fuzzed():
    unknown = project_form_classes() - set(FORMS) - NOT_HERE
    assert not unknown, f"新的表单类请加入 FORMS(或说明不在此测试的理由): {sorted(unknown)}"


def _form_class(path: str):
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize("path", sorted(FORMS))
@FUZZ
@given(data=st.data())
def test_any_input_is_answered_with_chinese_errors_never_an_exception(staff, path, data):
    cls = _form_class(path)
    if not hasattr(staff, "built"):  # once per test (the examples share the organisation)
        staff.built = FORMS[path](staff)
    args, kwargs = staff.built
    bound_data, files = data.draw(data_for(cls(*args, **kwargs)))
    form = cls(*args, data=bound_data, files=files, **kwargs)
    form.is_valid()  # never raises
    for field, errors in form.errors.items():
        for message in errors:
            assert CHINESE.search(message), (path, field, message)


# --- through the test client: the public forms and the search -------------------------------------------


def _solved() -> dict:
    token = captcha.new_token()
    return {"captcha_token": token, "captcha": captcha.code_for(captcha._nonce(token))}


@pytest.fixture
def public(db):
    from tests.security.test_hostile_input import build_world

    return build_world()


ADDRESS = iter(range(1, 10**9))


def _post(client, url, data):
    n = next(ADDRESS)
    return client.post(url, data, REMOTE_ADDR=f"10.8.{(n >> 8) & 255}.{n & 255}")


@FUZZ
@given(text=st.one_of(TEXT, HOSTILE), name=st.one_of(TEXT, HOSTILE))
def test_the_public_forms_take_any_text(public, text, name):
    w = public
    client = Client(raise_request_exception=False)
    item = f"/xxgk/items/{w.published.index_number}/"
    posts = [
        (
            "/xxgk/jiucuo/",
            {"page": item, "category": "typo", "description": text, "contact_name": name, **_solved()},
        ),
        (
            reverse("participation:consultation_detail", args=[w.consultation.pk]),
            {"text": text, "name": name, "phone": "13812340000", "consent": "on", **_solved()},
        ),
        (
            reverse("participation:message_form"),
            {
                "org": w.a.org.code,
                "kind": "consult",
                "subject": name,
                "text": text,
                "name": name,
                "phone": "13812340000",
                "consent": "on",
                **_solved(),
            },
        ),
        (
            reverse("participation:interview_detail", args=[w.interview.pk]),
            {"text": text, "name": name, **_solved()},
        ),
        (reverse("participation:message_lookup"), {"org": w.a.org.code, "code": text}),
    ]
    for url, data in posts:
        response = _post(client, url, data)
        assert response.status_code < 500, (url, response.status_code)
        assert not P.live_markup(response.content.decode()), url


@FUZZ
@given(query=st.one_of(TEXT, HOSTILE), org=st.one_of(TEXT, HOSTILE), page=st.one_of(NUMBER, HOSTILE))
def test_the_search_takes_any_query(public, query, org, page):
    client = Client(raise_request_exception=False)
    for url in ("/xxgk/search/", "/xxgk/list/", "/api/v1/search", "/api/v1/items"):
        params = {"q": query, "org": org, "page": page} if not url.startswith("/api/") else {"q": query}
        response = client.get(url, params)
        assert response.status_code < 500, (url, response.status_code)
        if "html" in response["Content-Type"]:
            assert not P.live_markup(response.content.decode()), url
