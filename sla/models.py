"""Business calendars (working windows, holidays, make-up working days); SLA policies and clocks come later."""

import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from keyaccounts.core.models import BilingualNameModel


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class BusinessCalendar(BilingualNameModel):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=60, default="Asia/Shanghai", validators=[validate_time_zone]
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")


class WorkingWindow(models.Model):
    """One stretch of working time on a weekday; several a day make room for a lunch break."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="windows")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    starts = models.TimeField(_("starts"))
    ends = models.TimeField(_("ends"))

    class Meta:
        ordering = ["weekday", "starts"]
        verbose_name = _("working window")
        verbose_name_plural = _("working windows")
        constraints = [
            models.CheckConstraint(condition=models.Q(ends__gt=models.F("starts")), name="window_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"


class Holiday(models.Model):
    """A date that departs from the weekly pattern: a public holiday, or a make-up working day (调休)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday (no work)")
        WORKDAY = "workday", _("Make-up working day")

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.HOLIDAY)
    name = models.CharField(_("name"), max_length=100, blank=True)
    workday_as = models.PositiveSmallIntegerField(
        _("works like"),
        choices=WorkingWindow.Weekday.choices,
        null=True,
        blank=True,
        help_text=_("For a make-up working day: whose weekday's windows apply."),
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday or make-up day")
        verbose_name_plural = _("holidays and make-up days")
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="one_exception_per_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
