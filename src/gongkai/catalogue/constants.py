from django.db import models
from django.utils.translation import gettext_lazy as _


class UpdateFrequency(models.TextChoices):
    REAL_TIME = "real_time", _("实时更新")
    MONTHLY = "monthly", _("每月更新")
    QUARTERLY = "quarterly", _("每季度更新")
    YEARLY = "yearly", _("每年更新")
    AS_NEEDED = "as_needed", _("根据需要")
