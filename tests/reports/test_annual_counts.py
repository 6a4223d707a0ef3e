"""Table 二 of the annual report counted from the records, and the system figures of part 一, checked
against a generated two-year history (tests/reports/annual_history.py)."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongkai.catalogue.constants import InterpretationScope
from gongkai.catalogue.models import CatalogueEntry, DocumentKind
from gongkai.concerns.constants import ResponseChannel
from gongkai.concerns.models import Case, Response
from gongkai.interpretation.rules import scope_of
from gongkai.reports import annual
from tests.factories import CatalogueEntryFactory, make_published, make_staff
from tests.reports import annual_history as history

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return make_staff()


def _counts(org, year):
    return {c.kind: (c.made, c.abolished, c.in_force) for c in annual.document_counts(org, year)}


def test_table_two_counts_match_a_generated_two_year_history(staff):
    entries = history.catalogue(staff)
    plans, items = history.build(staff, entries)
    assert len(plans) == 40
    # Another organisation's documents never count.
    other = make_staff()
    other_entry = CatalogueEntryFactory(
        organization=other.org,
        code="0202",
        name="行政规范性文件",
        interpretation=InterpretationScope.NORMATIVE,
    )
    with time_machine.travel(datetime.datetime(2025, 3, 1, 10, tzinfo=datetime.UTC)):
        make_published(
            other,
            catalogue_entry=other_entry,
            formed_on=datetime.date(2025, 2, 1),
            needs_interpretation=False,
            interpretation_override_reason="测试。",
        )

    for year in (2024, 2025):
        want = history.expected(plans, year)
        assert _counts(staff.org, year) == {
            "regulation": want["regulation"],
            "normative": want["normative"],
        }, year
    # The hand-picked cases, spelled out: 2025 regulations made = R2, R3, R5 (+ the seeded spread).
    spread_2025_regulations = sum(
        1 for p in plans[18:] if p.code in ("0201", "0401") and p.formed.year == 2025
    )
    assert _counts(staff.org, 2025)["regulation"][0] == 3 + spread_2025_regulations
    # Nothing is counted twice: every count is bounded by the documents of that kind.
    published = [p for p in plans if p.state in ("published", "revised")]
    for kind in ("regulation", "normative"):
        of_kind = [p for p in published if history.KIND_OF_CODE.get(p.code) == kind]
        made_total = sum(_counts(staff.org, y)[kind][0] for y in (2024, 2025))
        assert made_total == len(of_kind)


def test_each_figure_is_one_query(staff):
    entries = history.catalogue(staff)
    ids = annual.entry_ids_by_kind(staff.org)
    assert ids == {
        "regulation": {entries["0201"].pk, entries["0401"].pk, CatalogueEntry.objects.get(code="04").pk},
        "normative": {
            entries["0202"].pk,
            entries["0301"].pk,
            CatalogueEntry.objects.get(organization=staff.org, code="03").pk,
        },
    }
    for function in (annual.made_count, annual.abolished_count, annual.in_force_count):
        with CaptureQueriesContext(connection) as queries:
            function(staff.org.pk, ids["normative"], 2025)
        assert len(queries) == 1, function.__name__
    for function in (annual.published_count, annual.interpretation_count, annual.response_counts):
        with CaptureQueriesContext(connection) as queries:
            function(staff.org.pk, 2025)
        assert len(queries) == 1, function.__name__


def test_normative_columns_agree_with_the_interpretation_rules(staff):
    """An entry counts as 行政规范性文件 exactly when interpretation.rules.scope_of says so (unless 规章)."""
    entries = history.catalogue(staff)
    ids = annual.entry_ids_by_kind(staff.org)
    for entry in CatalogueEntry.objects.filter(organization=staff.org).select_related("parent"):
        regulation = entry.pk in ids["regulation"]
        normative = entry.pk in ids["normative"]
        assert not (regulation and normative)
        if not regulation:
            assert normative == (scope_of(entry) == InterpretationScope.NORMATIVE), entry.code
    assert entries["0401"].pk in ids["regulation"]  # marked heading wins over the leaf's scope
    assert entries["0302"].pk not in ids["normative"]  # nearest scope is 须解读


def test_system_figures_of_part_one(staff):
    entry_a = CatalogueEntryFactory(organization=staff.org, code="20", name="工作动态")
    leaf_a = CatalogueEntryFactory(organization=staff.org, code="2001", name="本局要闻", parent=entry_a)
    leaf_b = CatalogueEntryFactory(organization=staff.org, code="2002", name="通知公告", parent=entry_a)
    policy = CatalogueEntryFactory(organization=staff.org, code="02", name="法规文件")
    readings = CatalogueEntryFactory(organization=staff.org, code="0204", name="政策解读", parent=policy)
    moment = datetime.datetime(2025, 6, 1, 10, tzinfo=datetime.UTC)
    with time_machine.travel(moment):
        for entry in (leaf_a, leaf_a, leaf_b):
            make_published(staff, catalogue_entry=entry, formed_on=datetime.date(2025, 5, 30))
        document = make_published(staff, catalogue_entry=leaf_b, formed_on=datetime.date(2025, 5, 30))
        make_published(
            staff,
            catalogue_entry=readings,
            interpretation_form="text",
            interprets=document,
            body=history.INTERPRETATION_BODY,
            formed_on=datetime.date(2025, 5, 31),
        )
    with time_machine.travel(
        datetime.datetime(2024, 12, 31, 15, 59, tzinfo=datetime.UTC)
    ):  # 2024-12-31 23:59 local
        make_published(staff, catalogue_entry=leaf_a, formed_on=datetime.date(2024, 12, 30))
    with time_machine.travel(
        datetime.datetime(2024, 12, 31, 16, 1, tzinfo=datetime.UTC)
    ):  # 2025-01-01 00:01 local
        make_published(staff, catalogue_entry=leaf_a, formed_on=datetime.date(2024, 12, 30))
    case = Case.objects.create(organization=staff.org, title="景区票价", detected_at=moment)
    for channel, when in (
        (ResponseChannel.WEBSITE, moment),
        (ResponseChannel.NEW_MEDIA, moment),
        (ResponseChannel.NEW_MEDIA, moment),
        (ResponseChannel.PRESS_CONFERENCE, moment.replace(year=2024)),
        (ResponseChannel.INTERVIEW, None),
    ):
        Response.objects.create(
            case=case, channel=channel, summary="回应", responded_at=when, created_by=staff.editor
        )

    figures = annual.system_figures(staff.org, 2025)
    assert figures.published == 6
    assert figures.by_heading == [("工作动态", 5), ("法规文件", 1)]
    assert figures.interpretations == 1
    assert figures.responses == [("政府网站发布", 1), ("政务新媒体", 2)]
    assert annual.system_figures(staff.org, 2024).published == 1
    text = annual.overview_prefill(staff.org, 2025)
    assert "主动公开政府信息6条,其中工作动态5条、法规文件1条" in text
    assert "发布政策解读材料1条" in text and "回应社会关切3次(政府网站发布1次、政务新媒体2次)" in text
    for heading in annual.OVERVIEW_HEADINGS:
        assert heading in text


def test_document_kind_marks_regulation_columns_and_the_default_catalogue_has_an_annual_report_column(staff):
    from gongkai.catalogue.default_catalogue import DEFAULT_CATALOGUE

    marked = [e for e in DEFAULT_CATALOGUE if e.document_kind == DocumentKind.ANNUAL_REPORT]
    assert [(e.code, e.name) for e in marked] == [("2101", "政府信息公开年报")]
    assert not [e for e in DEFAULT_CATALOGUE if e.document_kind == DocumentKind.REGULATION]
    assert {e.document_kind for e in DEFAULT_CATALOGUE} <= set(DocumentKind.values)
    today = timezone.localdate()
    assert annual.document_counts(staff.org, today.year)[0].label == "规章"
