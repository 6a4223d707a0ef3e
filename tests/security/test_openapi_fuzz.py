"""Issue 9, item 3: schemathesis on the API's own OpenAPI document (/api/openapi.json, django-ninja),
in-process through the WSGI application, for the public endpoints and the staff endpoints with a real
token: no 5xx, and every answer conforms to the document (declared status code and content type, body
valid against the declared schema).

Each operation gets requests generated from the document, valid ones (positive: boundaries, any
Unicode, the largest numbers) and invalid ones (negative: wrong types, missing and extra fields),
through schemathesis' hypothesis strategies; examples are bounded so the run stays under a minute.
(schemathesis' own pytest plugin cannot load a schema from a fixture under pytest 9, so the strategies
are driven here.)
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, checks

from gongkai.api import tokens
from tests.factories import make_draft, make_published, make_staff

pytestmark = pytest.mark.django_db

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
EXAMPLES = {GenerationMode.POSITIVE: 60, GenerationMode.NEGATIVE: 30}


@pytest.fixture
def in_process():
    """Requests through the WSGI application inside the test's transaction: like Django's test client,
    keep the request signals from closing the connection (on PostgreSQL that ends the transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api(db, in_process):
    staff = make_staff()
    staff.published = make_published(staff)
    staff.draft = make_draft(staff)
    _, raw = tokens.issue(user=staff.editor, name="schemathesis")
    staff.headers = {"Authorization": f"Bearer {raw}"}
    return staff


def operations():
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
    found = [result.ok() for result in schema.get_all_operations()]
    return {operation.label: operation for operation in found}


def realistic(case, api):
    """Half the valid requests name real things (the organisation's codes, a draft, a published item),
    so they reach the services instead of stopping at an unknown code or id."""
    if isinstance(case.body, dict):
        codes = {
            "organization": api.org.code,
            "lead_department": api.dept.code,
            "topic": api.topic.code,
            "catalogue_entry": api.entry.code,
        }
        for key, value in codes.items():
            if key in case.body:
                case.body[key] = value
        if "co_departments" in case.body:
            case.body["co_departments"] = [api.other_dept.code]
    if case.path_parameters and "item_id" in case.path_parameters:
        case.path_parameters["item_id"] = api.draft.pk
    if case.path_parameters and "index_number" in case.path_parameters:
        case.path_parameters["index_number"] = api.published.index_number
    return case


def fuzz(operation, mode: GenerationMode, api) -> list[str]:
    failures: list[str] = []
    headers = api.headers
    strategy = operation.as_strategy(generation_mode=mode)
    if mode == GenerationMode.POSITIVE:
        strategy = st.tuples(strategy, st.booleans()).map(
            lambda pair: realistic(pair[0], api) if pair[1] else pair[0]
        )

    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        try:
            case.call_and_validate(headers={**(case.headers or {}), **headers}, checks=CHECKS)
        except AssertionError as exc:  # schemathesis' failures (FailureGroup) are AssertionErrors
            failures.append(f"{operation.label} ({mode.value}): {str(exc)[:600]}")
            raise

    try:
        run()
    except Unsatisfiable:  # nothing invalid can be made (an operation without parameters)
        assert mode == GenerationMode.NEGATIVE, operation.label
    except Exception as exc:  # the shrunk failure, already recorded
        if not failures:
            failures.append(f"{operation.label} ({mode.value}): {exc!r}"[:800])
    return failures


def test_every_operation_is_in_the_document(in_process):
    labels = set(operations())
    assert {
        "GET /api/v1/items",
        "GET /api/v1/search",
        "GET /api/v1/items/{index_number}",
        "POST /api/v1/staff/items",
        "PATCH /api/v1/staff/items/{item_id}",
        "POST /api/v1/review/check",
    } <= labels, labels


def test_the_api_answers_any_request_as_its_document_says(api):
    failures = []
    for _label, operation in sorted(operations().items()):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures += fuzz(operation, mode, api)
    assert not failures, "\n\n".join(failures)
