"""The basic catalogue (基本目录): default catalogue, Excel import/export, the management command."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from gongkai.audit.models import AuditEvent
from gongkai.catalogue import excel, selectors, services
from gongkai.catalogue.constants import ColumnKind, UpdateFrequency
from gongkai.catalogue.default_catalogue import DEFAULT_CATALOGUE
from gongkai.catalogue.models import CatalogueEntry
from gongkai.orgs.constants import DepartmentKind
from tests.orgs.factories import DepartmentFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = ["编码", "名称", "上级编码", "公开内容", "责任科室", "更新频率", "栏目类型", "排序"]


def xlsx(rows, header=HEADER, name="目录.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    if header:
        sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def snapshot(org) -> list[tuple]:
    return [
        (
            e.code,
            e.name,
            e.parent.code if e.parent_id else None,
            e.content_type,
            e.responsible_department_id,
            e.update_frequency,
            e.column_kind,
            e.ordering,
        )
        for e in CatalogueEntry.objects.filter(organization=org).select_related("parent").order_by("code")
    ]


@pytest.fixture
def org():
    org = OrganizationFactory()
    DepartmentFactory(organization=org, code="bgs", name="办公室", kind=DepartmentKind.OFFICE)
    DepartmentFactory(organization=org, code="scglk", name="市场管理科")
    return org


@pytest.fixture
def actor():
    return UserFactory()


def test_default_catalogue_loads_with_every_leaf_having_a_frequency_and_a_column_kind(org):
    created = services.load_default_catalogue(org)

    assert created == len(DEFAULT_CATALOGUE) == CatalogueEntry.objects.filter(organization=org).count()
    leaves = list(selectors.leaves(org))
    assert len(leaves) > 40
    for leaf in leaves:
        assert leaf.update_frequency in UpdateFrequency.values
        assert leaf.column_kind in ColumnKind.values
        assert leaf.content_type
    kinds = {leaf.column_kind for leaf in leaves}
    assert {ColumnKind.NEWS, ColumnKind.POLICY, ColumnKind.OTHER} <= kinds
    names = {e.name for e in CatalogueEntry.objects.filter(organization=org)}
    for required in (
        "机构职能",
        "行政规范性文件",
        "政策解读",
        "部门预算",
        "公务员招考录用",
        "A级旅游景区",
        "双随机一公开",
        "非遗代表性项目和传承人",
        "回应关切",
        "工作动态",
        "应急预案",
    ):
        assert required in names
    child = CatalogueEntry.objects.get(organization=org, code="0202")
    assert child.parent.code == "02" and not selectors.is_leaf(child.parent) and selectors.is_leaf(child)


def test_default_catalogue_resolves_departments_the_organisation_has_and_leaves_others_empty(org):
    services.load_default_catalogue(org)
    entries = {e.code: e for e in CatalogueEntry.objects.filter(organization=org)}
    assert entries["0602"].responsible_department.code == "scglk"
    assert entries["2001"].responsible_department.code == "bgs"
    assert entries["1103"].responsible_department is None  # no 公共服务科 here


def test_default_catalogue_falls_back_to_the_office_by_kind():
    org = OrganizationFactory()
    office = DepartmentFactory(organization=org, code="office", name="综合科", kind=DepartmentKind.OFFICE)
    services.load_default_catalogue(org)
    assert CatalogueEntry.objects.get(organization=org, code="2001").responsible_department == office


def test_loading_the_default_twice_creates_nothing_and_keeps_local_changes(org, actor):
    services.load_default_catalogue(org, actor=actor)
    CatalogueEntry.objects.filter(organization=org, code="2001").update(name="本局要闻")
    CatalogueEntry.objects.filter(organization=org, code="0103").delete()
    before = AuditEvent.objects.filter(action="catalogue.default_loaded").count()

    assert services.load_default_catalogue(org, actor=actor) == 1  # only the deleted one comes back
    assert services.load_default_catalogue(org, actor=actor) == 0
    assert CatalogueEntry.objects.get(organization=org, code="2001").name == "本局要闻"
    assert AuditEvent.objects.filter(action="catalogue.default_loaded").count() == before + 1


def test_loading_the_default_writes_one_audit_event(org, actor):
    services.load_default_catalogue(org, actor=actor)
    events = AuditEvent.objects.filter(action="catalogue.default_loaded", organization=org)
    assert events.count() == 1
    assert events.get().actor == actor and events.get().data["created"] == len(DEFAULT_CATALOGUE)


def test_export_then_import_into_another_organisation_yields_identical_entries(org, actor):
    services.load_default_catalogue(org)
    data = excel.export_catalogue(org)

    other = OrganizationFactory()
    DepartmentFactory(organization=other, code="bgs", name="办公室", kind=DepartmentKind.OFFICE)
    DepartmentFactory(organization=other, code="scglk", name="市场管理科")
    result = services.import_excel(other, SimpleUploadedFile("目录.xlsx", data), actor=actor)

    assert result.ok, result.errors
    assert result.created == len(DEFAULT_CATALOGUE)

    def comparable(o):
        return [
            (*row[:4], o.departments.get(pk=row[4]).code if row[4] else None, *row[5:]) for row in snapshot(o)
        ]

    assert comparable(other) == comparable(org)


def test_reimporting_the_export_changes_nothing(org, actor):
    services.load_default_catalogue(org)
    before = snapshot(org)
    result = services.import_excel(
        org, SimpleUploadedFile("a.xlsx", excel.export_catalogue(org)), actor=actor
    )
    assert result.ok and result.created == result.updated == 0
    assert result.unchanged == len(before)
    assert snapshot(org) == before


def test_export_has_a_bold_frozen_header_and_column_widths(org):
    services.load_default_catalogue(org)
    sheet = load_workbook(io.BytesIO(excel.export_catalogue(org))).active
    assert sheet["A1"].value == "编码" and sheet["A1"].font.b
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width >= 20
    assert sheet["A2"].value == "01" and sheet["A3"].value == "0101"


def test_export_never_writes_a_formula(org, actor):
    CatalogueEntry.objects.create(organization=org, code="x1", name='=HYPERLINK("http://evil","x")')
    sheet = load_workbook(io.BytesIO(excel.export_catalogue(org))).active
    assert sheet["B2"].data_type == "s"


def test_import_updates_existing_entries_by_code_and_creates_new_ones(org, actor):
    services.load_default_catalogue(org)
    result = services.import_excel(
        org,
        xlsx(
            [
                ["2001", "本局要闻", "20", "本局工作动态和要闻", "市场管理科", "每月更新", "动态/新闻类", 5],
                ["2003", "县区动态", "20", "县区文旅工作", "bgs", "实时更新", "动态/新闻类", None],
            ]
        ),
        actor=actor,
    )
    assert result.ok, result.errors
    assert (result.created, result.updated) == (1, 1)
    updated = CatalogueEntry.objects.get(organization=org, code="2001")
    assert updated.name == "本局要闻" and updated.responsible_department.code == "scglk"
    assert updated.update_frequency == UpdateFrequency.MONTHLY and updated.ordering == 5
    new = CatalogueEntry.objects.get(organization=org, code="2003")
    assert new.parent.code == "20" and new.column_kind == ColumnKind.NEWS
    assert new.responsible_department.code == "bgs"
    assert CatalogueEntry.objects.filter(organization=org).count() == len(DEFAULT_CATALOGUE) + 1

    event = AuditEvent.objects.filter(action="catalogue.imported", organization=org).get()
    assert event.actor == actor and event.data == {"created": 1, "updated": 1, "unchanged": 0}


def test_import_creates_children_listed_before_their_parents(org, actor):
    result = services.import_excel(
        org,
        xlsx([["0101", "子栏目", "01", "", "", "", "", ""], ["01", "栏目", "", "", "", "", "", ""]]),
        actor=actor,
    )
    assert result.ok, result.errors
    assert CatalogueEntry.objects.get(organization=org, code="0101").parent.code == "01"


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([["0 1", "坏编码", "", "", "", "", "", ""]], "第2行:编码“0 1”无效"),
        ([["", "无编码", "", "", "", "", "", ""]], "第2行:编码不能为空"),
        ([["01", "", "", "", "", "", "", ""]], "第2行:名称不能为空"),
        (
            [["01", "一", "", "", "", "", "", ""], ["0101", "二", "99", "", "", "", "", ""]],
            "第3行:上级编码“99”不存在",
        ),
        ([["01", "一", "0101", "", "", "", "", ""], ["0101", "二", "01", "", "", "", "", ""]], "会形成循环"),
        ([["01", "一", "01", "", "", "", "", ""]], "第2行:上级编码不能是本目录自己的编码"),
        ([["01", "一", "", "", "宣传科", "", "", ""]], "第2行:本机构没有科室“宣传科”"),
        ([["01", "一", "", "", "", "每周更新", "", ""]], "第2行:更新频率“每周更新”无效"),
        ([["01", "一", "", "", "", "", "图片类", ""]], "第2行:栏目类型“图片类”无效"),
        ([["01", "一", "", "", "", "", "", "-3"]], "第2行:排序“-3”应为非负整数"),
        ([["01", "一", "", "", "", "", "", "²"]], "第2行:排序“²”应为非负整数"),  # isdigit() but not int()
        (
            [["01", "一", "", "", "", "", "", ""], ["01", "二", "", "", "", "", "", ""]],
            "第3行:编码“01”与第2行重复",
        ),
    ],
)
def test_each_bad_row_gives_a_chinese_message_with_its_row_number_and_changes_nothing(
    org, actor, rows, expected
):
    services.load_default_catalogue(org)
    before = snapshot(org)
    events = AuditEvent.objects.count()
    good = [
        ["2003", "县区动态", "20", "", "", "", "", ""]
    ]  # a valid row (after the bad ones) is not applied either

    result = services.import_excel(org, xlsx(rows + good), actor=actor)

    assert not result.ok
    assert any(expected in message for message in result.errors), result.errors
    assert snapshot(org) == before
    assert AuditEvent.objects.count() == events


def test_a_cycle_through_existing_entries_is_refused(org, actor):
    services.load_default_catalogue(org)
    result = services.import_excel(org, xlsx([["02", "法规文件", "0202", "", "", "", "", ""]]), actor=actor)
    assert not result.ok and "第2行" in result.errors[0] and "循环" in result.errors[0]


@pytest.mark.parametrize(
    ("upload", "expected"),
    [
        (SimpleUploadedFile("目录.xls", b"whatever"), "只能导入 .xlsx"),
        (SimpleUploadedFile("目录.xlsx", b"not a zip file"), "不是有效的 .xlsx"),
        (SimpleUploadedFile("目录.xlsx", b"PK\x03\x04broken zip"), "不是有效的 .xlsx"),
        (SimpleUploadedFile("目录.xlsx", b"x" * (5 * 1024 * 1024 + 1)), "超过 5 MB"),
    ],
)
def test_files_that_are_not_a_usable_xlsx_are_refused(org, actor, upload, expected):
    result = services.import_excel(org, upload, actor=actor)
    assert not result.ok and expected in result.errors[0]
    assert not CatalogueEntry.objects.filter(organization=org).exists()


def test_an_empty_sheet_is_refused(org, actor):
    assert "工作表为空" in services.import_excel(org, xlsx([], header=None), actor=actor).errors[0]
    assert "没有数据行" in services.import_excel(org, xlsx([]), actor=actor).errors[0]


def test_a_sheet_without_the_code_column_is_refused(org, actor):
    result = services.import_excel(org, xlsx([["一"]], header=["名称"]), actor=actor)
    assert "缺少“编码”列" in result.errors[0]


def test_more_than_5000_rows_are_refused(org, actor):
    rows = [[f"c{i}", f"目录{i}"] for i in range(5001)]
    result = services.import_excel(org, xlsx(rows), actor=actor)
    assert not result.ok and "超过 5000 行" in result.errors[0]
    assert not CatalogueEntry.objects.filter(organization=org).exists()


def test_the_command_loads_exports_and_imports(org, tmp_path):
    out = io.StringIO()
    call_command("catalogue", org.code, "--load-default", stdout=out)
    assert f"新增 {len(DEFAULT_CATALOGUE)} 个默认目录分类" in out.getvalue()

    out = io.StringIO()
    call_command("catalogue", org.code, "--load-default", stdout=out)
    assert "未作改动" in out.getvalue()

    path = tmp_path / "目录.xlsx"
    out = io.StringIO()
    call_command("catalogue", org.code, "--export", str(path), stdout=out)
    assert "已导出" in out.getvalue() and path.stat().st_size > 0

    out = io.StringIO()
    call_command("catalogue", org.code, "--import", str(path), stdout=out)
    assert f"未变 {len(DEFAULT_CATALOGUE)} 个" in out.getvalue()


def test_the_command_reports_errors_in_chinese_and_changes_nothing(org, tmp_path):
    with pytest.raises(CommandError, match="机构“nope”不存在"):
        call_command("catalogue", "nope", "--load-default")
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsx([["01", "一", "99"]]).read())
    err = io.StringIO()
    with pytest.raises(CommandError, match="导入失败"):
        call_command("catalogue", org.code, "--import", str(path), stderr=err)
    assert "第2行:上级编码“99”不存在" in err.getvalue()
    assert not CatalogueEntry.objects.filter(organization=org).exists()
