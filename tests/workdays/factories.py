import datetime

import factory

from gongkai.workdays.models import CalendarOverride, PublishedYear


class CalendarOverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarOverride
        django_get_or_create = ("date",)

    date = factory.Sequence(lambda n: datetime.date(2027, 1, 1) + datetime.timedelta(days=n))
    is_workday = False
    note = "测试调整"


class PublishedYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PublishedYear
        django_get_or_create = ("year",)

    year = 2027
    note = "国办发明电〔2026〕测试号"
