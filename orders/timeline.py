from django.db import models
from django.utils.translation import gettext_lazy as _

from keyaccounts.core.timeline import register_actions


class OrderAction(models.TextChoices):
    DRAFTED = "order.drafted", _("Draft order created")


register_actions(OrderAction)
