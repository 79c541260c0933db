"""The product catalogue (configuration data) and, later, orders."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from keyaccounts.core.models import BilingualNameModel


class Product(BilingualNameModel):
    """A key-account product; how it is fulfilled is data, so a new product needs no code."""

    class BearerMode(models.TextChoices):
        VOICE = "voice", _("Voice")
        SMS = "sms", _("SMS")
        DATA = "data", _("Data")
        ACCESS = "access", _("Access")

    class Route(models.TextChoices):
        INSTANT = "T1", _("T1 instant activation")
        EOMS = "T2", _("T2 EOMS network work order")
        PLATFORM = "T3", _("T3 business platform provisioning")
        SI = "T4", _("T4 SI work order")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    bearer_mode = models.CharField(_("bearer mode"), max_length=10, choices=BearerMode.choices)
    route = models.CharField(_("fulfilment route"), max_length=2, choices=Route.choices)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["route", "code"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
