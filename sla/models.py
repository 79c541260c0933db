"""Business calendars (working windows, holidays, make-up working days); SLA policies and clocks come later."""

import zoneinfo
from datetime import timedelta

from django.contrib.contenttypes.fields import GenericForeignKey
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from keyaccounts.core.models import BilingualNameModel, Team


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


class TimeBasis(models.TextChoices):
    WORKING = "working", _("Working time (by the business calendar)")
    CALENDAR = "calendar", _("Calendar time (around the clock)")


class SlaPolicy(models.Model):
    """The time limit of one step, optionally for one customer level and one product: configuration data."""

    class Escalation(models.TextChoices):
        TEAM_LEAD = "team_lead", _("Team lead")
        CITY_SUPERVISOR = "city_supervisor", _("City supervisor")
        PROVINCIAL_SUPERVISOR = "provincial_supervisor", _("Provincial supervisor")

    step = models.CharField(_("step"), max_length=60, help_text=_("For example customer.review or order.acceptance."))
    customer_level = models.CharField(
        _("customer level"), max_length=1, blank=True, help_text=_("Empty: every level without a policy of its own.")
    )
    product = models.ForeignKey(
        "orders.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: every product without a policy of its own."),
    )
    limit = models.DurationField(_("time limit"), help_text=_("For example 8:00:00 for eight hours."))
    time_basis = models.CharField(_("counted in"), max_length=10, choices=TimeBasis.choices, default=TimeBasis.WORKING)
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("calendar"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("For working time; empty uses the default calendar."),
    )
    warn_at_percent = models.PositiveSmallIntegerField(_("first warning at (percent of the limit)"), default=50)
    warn_again_at_percent = models.PositiveSmallIntegerField(_("second warning at (percent of the limit)"), default=80)
    team_kind = models.CharField(
        _("held by the team"),
        max_length=30,
        choices=Team.Kind.choices,
        blank=True,
        help_text=_("The back-office team that works this step in the customer's city, for the dashboards."),
    )
    escalate_to = models.CharField(
        _("escalate to"), max_length=30, choices=Escalation.choices, default=Escalation.CITY_SUPERVISOR
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["step", "customer_level", "product"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    warn_at_percent__lt=models.F("warn_again_at_percent"), warn_again_at_percent__lt=100
                ),
                name="warnings_before_the_limit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step} {self.customer_level or '*'} {self.product or '*'}: {self.limit}"

    def clean(self) -> None:
        twins = SlaPolicy.objects.filter(step=self.step, customer_level=self.customer_level, product=self.product)
        if twins.exclude(pk=self.pk).exists():
            raise ValidationError(_("A policy for this step, level and product already exists."))


class SlaClock(models.Model):
    """One timed step instance. It keeps the promise made when it started, whatever the policy becomes."""

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        PAUSED = "paused", _("Paused")
        MET = "met", _("Met")
        BREACHED = "breached", _("Breached")

    subject_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    step = models.CharField(_("step"), max_length=60)
    policy = models.ForeignKey(SlaPolicy, on_delete=models.PROTECT, related_name="clocks")
    # The promise, copied from the policy when the clock started.
    limit = models.DurationField(_("time limit"))
    time_basis = models.CharField(_("counted in"), max_length=10, choices=TimeBasis.choices)
    calendar = models.ForeignKey(BusinessCalendar, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    warn_at_percent = models.PositiveSmallIntegerField()
    warn_again_at_percent = models.PositiveSmallIntegerField()
    # Who and what the clock is about, for compliance by city, product, team and account manager.
    city = models.ForeignKey("core.City", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey("orders.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    account_manager = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(_("started"))
    due_at = models.DateTimeField(_("due"), db_index=True)
    running_since = models.DateTimeField(_("running since"), null=True, blank=True)
    consumed = models.DurationField(
        _("used before the last pause"), default=timedelta(0), help_text=_("Counted in the clock's basis.")
    )
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    warn_at = models.DateTimeField(_("first warning at"), null=True, blank=True)
    warn_again_at = models.DateTimeField(_("second warning at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breach raised at"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.RUNNING)
    warned_level = models.PositiveSmallIntegerField(_("warnings raised"), default=0)

    class Meta:
        ordering = ["due_at"]
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        permissions = [("view_dashboard", _("Can watch the SLA dashboards"))]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "step"],
                condition=models.Q(stopped_at__isnull=True),
                name="one_open_clock_per_subject_step",
            ),
        ]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"]),
            models.Index(fields=["due_at"], condition=models.Q(stopped_at__isnull=True), name="open_clock_due"),
            # The dashboards read finished clocks by the moment they stopped.
            models.Index(
                fields=["stopped_at", "city"], condition=models.Q(stopped_at__isnull=False), name="finished_clock"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step} due {self.due_at:%Y-%m-%d %H:%M}"


class SlaDayCount(models.Model):
    """Finished clocks of one day (in the project's time zone) counted by what they were about: the dashboards
    read these instead of every clock. `sla_clock_stop` adds each clock once; `manage.py rebuild_sla_rollup`
    recomputes them from the clocks. Rows of the same key may repeat (two first stops at once): always summed."""

    day = models.DateField(_("day"))
    step = models.CharField(_("step"), max_length=60)
    city = models.ForeignKey("core.City", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey("orders.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    account_manager = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    met = models.PositiveIntegerField(_("met"), default=0)
    breached = models.PositiveIntegerField(_("breached"), default=0)

    class Meta:
        verbose_name = _("finished SLA clocks of a day")
        verbose_name_plural = _("finished SLA clocks by day")
        indexes = [models.Index(fields=["day", "city"], name="sla_day_count")]

    def __str__(self) -> str:
        return f"{self.day} {self.step}: {self.met} met, {self.breached} breached"


class SlaDayDuration(models.Model):
    """How long the finished clocks of one day and step took, in one city or in all of them: how many fell in
    each duration bucket (`sla.histogram`), for the medians and 90th percentiles. One row a day and step (the
    province's own row for the provincial view) keeps a month's read to a few hundred rows."""

    day = models.DateField(_("day"))
    step = models.CharField(_("step"), max_length=60)
    city = models.ForeignKey("core.City", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    all_cities = models.BooleanField(_("all cities"), default=False)
    first_bucket = models.PositiveSmallIntegerField(_("first duration bucket"), default=0)
    counts = models.JSONField(_("finished per duration bucket"), default=list, help_text=_("From the first bucket on."))

    class Meta:
        verbose_name = _("SLA durations of a day")
        verbose_name_plural = _("SLA durations by day")
        indexes = [models.Index(fields=["day", "all_cities", "city", "step"], name="sla_day_duration")]

    def __str__(self) -> str:
        return f"{self.day} {self.step}: {sum(self.counts)}"
