"""Business calendars (working windows, holidays, make-up working days); SLA policies and clocks come later."""

import zoneinfo
from datetime import timedelta

from django.contrib.contenttypes.fields import GenericForeignKey
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from keyaccounts.core import registry
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


class CityCalendar(models.Model):
    """The calendar a city works by (its local holidays); steps of its business count working time by it."""

    city = models.OneToOneField("core.City", verbose_name=_("city"), on_delete=models.CASCADE, related_name="+")
    calendar = models.ForeignKey(
        BusinessCalendar, verbose_name=_("calendar"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("city calendar")
        verbose_name_plural = _("city calendars")

    def __str__(self) -> str:
        return f"{self.city}: {self.calendar}"


class CustomerCalendar(models.Model):
    """A customer whose contract sets its own working time (e.g. a 7×24 service promise)."""

    customer = models.OneToOneField(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    calendar = models.ForeignKey(
        BusinessCalendar, verbose_name=_("calendar"), on_delete=models.PROTECT, related_name="+"
    )
    steps = models.CharField(
        _("only for the steps"),
        max_length=200,
        blank=True,
        help_text=_(
            "The steps the contract's calendar applies to, by how their names begin, separated by commas "
            "(e.g. assurance.fault for faults). Empty: every step."
        ),
    )

    class Meta:
        verbose_name = _("customer calendar")
        verbose_name_plural = _("customer calendars")

    def __str__(self) -> str:
        return f"{self.customer}: {self.calendar}"


def calendar_applies(steps: str, step: str) -> bool:
    """Whether a customer calendar limited to `steps` (name beginnings, comma-separated; empty: all) times `step`."""
    beginnings = [part.strip() for part in steps.split(",") if part.strip()]
    return not beginnings or any(step.startswith(beginning) for beginning in beginnings)


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
        "catalogue.Product",
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
        help_text=_(
            "For working time. Empty: the customer's calendar if it has one, else its city's, else the default."
        ),
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
    email_any_time = models.BooleanField(
        _("e-mail at any hour"),
        default=False,
        help_text=_("Otherwise warnings and breaches raised outside working time are e-mailed when work resumes."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Customer-side pauses (a ticket pending on the customer): how long one may stand before a supervisor hears.
    pause_cap_percent = models.PositiveSmallIntegerField(
        _("pauses capped at (percent of the limit)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(1000)],
        help_text=_(
            "Time paused on the customer's side, as a share of the limit, after which the city supervisor is told "
            "and may end the pause (e.g. 50). Empty: no cap."
        ),
    )

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
        return f"{registry.step_name(self.step)} {self.customer_level or '*'} {self.product or '*'}: {self.limit}"

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
    product = models.ForeignKey("catalogue.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    account_manager = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(_("started"))
    due_at = models.DateTimeField(_("due"), db_index=True)
    running_since = models.DateTimeField(_("running since"), null=True, blank=True)
    consumed = models.DurationField(
        _("used before the last pause"), default=timedelta(0), help_text=_("Counted in the clock's basis.")
    )
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    # Pauses, shown apart from running time: why it stands still, the time paused before this pause, when this
    # pause passes its policy's cap (customer-side pauses only), when the supervisor was told, and when a
    # supervisor ended the pause (the sweep resumes the clock from then).
    pause_reason = models.CharField(_("paused because"), max_length=200, blank=True)
    paused_before = models.DurationField(
        _("paused before this pause"), default=timedelta(0), help_text=_("Counted in the clock's basis.")
    )
    pause_cap_at = models.DateTimeField(_("pause passes its cap at"), null=True, blank=True)
    pause_cap_told_at = models.DateTimeField(_("supervisor told of the long pause at"), null=True, blank=True)
    pause_ended_at = models.DateTimeField(_("pause ended by a supervisor at"), null=True, blank=True)
    warn_at = models.DateTimeField(_("first warning at"), null=True, blank=True)
    warn_again_at = models.DateTimeField(_("second warning at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breach raised at"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.RUNNING)
    warned_level = models.PositiveSmallIntegerField(_("warnings raised"), default=0)
    # Stopped, and not yet in its day's counts and durations: `sla_rollup_fold` adds it there.
    uncounted = models.BooleanField(_("not yet counted"), default=False)

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
            models.Index(fields=["id"], condition=models.Q(uncounted=True), name="uncounted_clock"),
            # The sweep's warnings and breaches: each moment over the clocks that have not raised it yet, so that
            # a sweep reads the clocks whose moment has come, not every open clock.
            models.Index(
                fields=["warn_at"], condition=models.Q(stopped_at__isnull=True, warned_level__lt=1), name="clock_warn"
            ),
            models.Index(
                fields=["warn_again_at"],
                condition=models.Q(stopped_at__isnull=True, warned_level__lt=2),
                name="clock_warn_again",
            ),
            models.Index(
                fields=["due_at"],
                condition=models.Q(stopped_at__isnull=True, breached_at__isnull=True),
                name="clock_due",
            ),
            # The sweep's pauses: those past their cap with the supervisor not yet told, and those ended.
            models.Index(
                fields=["pause_cap_at"],
                condition=models.Q(state="paused", stopped_at__isnull=True, pause_cap_told_at__isnull=True),
                name="paused_clock_cap",
            ),
            models.Index(
                fields=["pause_ended_at"],
                condition=models.Q(state="paused", stopped_at__isnull=True, pause_ended_at__isnull=False),
                name="paused_clock_ended",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step} due {self.due_at:%Y-%m-%d %H:%M}"


# ---------------------------------------------------------------------------- network quality (TMF657 / TMF623)
class QualityGrade(BilingualNameModel):
    """An SLA grade a service is sold with (e.g. gold, silver, bronze): the value of its order element."""

    code = models.SlugField(
        _("code"),
        max_length=20,
        unique=True,
        help_text=_("The value the service's SLA-grade order element holds, e.g. gold."),
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    # The month's promise a service of this grade is held to: its outage minutes count against the rest.
    monthly_availability = models.DecimalField(
        _("monthly availability target (%)"),
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("For example 99.99. Empty: services of this grade have no monthly availability budget."),
    )

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("SLA grade")
        verbose_name_plural = _("SLA grades")


class QualityMetric(models.TextChoices):
    AVAILABILITY = "availability", _("Availability rate")
    PACKET_LOSS = "packet_loss", _("Packet-loss rate")
    DELAY = "delay", _("Transmission delay")


class QualityTarget(models.Model):
    """The network quality a product promises at one grade (TMF657 service level objectives), with warnings."""

    product = models.ForeignKey(
        "catalogue.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: every product without a target of its own."),
    )
    grade = models.ForeignKey(
        QualityGrade, verbose_name=_("SLA grade"), on_delete=models.PROTECT, related_name="targets"
    )
    availability_min = models.DecimalField(
        _("availability at least (%)"), max_digits=6, decimal_places=3, help_text=_("For example 99.95.")
    )
    availability_warning = models.DecimalField(
        _("availability warning below (%)"),
        max_digits=6,
        decimal_places=3,
        help_text=_("Above the minimum: a measurement below it warns before the target is missed."),
    )
    packet_loss_max = models.DecimalField(_("packet loss at most (%)"), max_digits=6, decimal_places=3)
    packet_loss_warning = models.DecimalField(
        _("packet-loss warning above (%)"), max_digits=6, decimal_places=3, help_text=_("Below the maximum.")
    )
    delay_max = models.DecimalField(_("delay at most (ms)"), max_digits=8, decimal_places=2)
    delay_warning = models.DecimalField(
        _("delay warning above (ms)"), max_digits=8, decimal_places=2, help_text=_("Below the maximum.")
    )
    tolerated_periods = models.PositiveSmallIntegerField(
        _("missed periods tolerated"),
        default=0,
        validators=[MaxValueValidator(96)],
        help_text=_(
            "How many measured periods in a row may miss a target before it counts as violated (TMF657 "
            "tolerance). 0: the first missed period does. At most 96."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["product", "grade"]
        verbose_name = _("network quality target")
        verbose_name_plural = _("network quality targets")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "grade"], nulls_distinct=False, name="one_quality_target_per_product_grade"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    availability_min__gte=0,
                    availability_min__lt=models.F("availability_warning"),
                    availability_warning__lte=100,
                ),
                name="availability_warning_above_minimum",
            ),
            models.CheckConstraint(
                condition=models.Q(packet_loss_warning__gte=0, packet_loss_warning__lt=models.F("packet_loss_max")),
                name="packet_loss_warning_below_maximum",
            ),
            models.CheckConstraint(
                condition=models.Q(delay_warning__gte=0, delay_warning__lt=models.F("delay_max")),
                name="delay_warning_below_maximum",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product or '*'} {self.grade}"

    def clean(self) -> None:
        errors = {}
        a_min, a_warn = self.availability_min, self.availability_warning
        if a_min is not None and not 0 <= a_min <= 100:
            errors["availability_min"] = _("An availability rate is between 0 and 100 %.")
        elif a_min is not None and a_warn is not None and not a_min < a_warn <= 100:
            errors["availability_warning"] = _(
                "The warning must come before the target is missed: above the minimum availability and at most 100 %."
            )
        for warning, maximum in (("packet_loss_warning", "packet_loss_max"), ("delay_warning", "delay_max")):
            low, high = getattr(self, warning), getattr(self, maximum)
            if low is not None and high is not None and not 0 <= low < high:
                errors[warning] = _("The warning must come before the target is missed: below the maximum.")
        if self.packet_loss_max is not None and self.packet_loss_max > 100:
            errors["packet_loss_max"] = _("A packet-loss rate is between 0 and 100 %.")
        if errors:
            raise ValidationError(errors)

    def limit_of(self, metric: str):
        """The target and its warning threshold for one metric."""
        return {
            QualityMetric.AVAILABILITY: (self.availability_min, self.availability_warning),
            QualityMetric.PACKET_LOSS: (self.packet_loss_max, self.packet_loss_warning),
            QualityMetric.DELAY: (self.delay_max, self.delay_warning),
        }[metric]


class QualityLevel(models.TextChoices):
    OK = "ok", _("Met")
    WARNING = "warning", _("Warning")
    VIOLATED = "violated", _("Violated")


class QualityMeasurement(models.Model):
    """One period's network quality of a running service, as EOMS measured it (TMF628), stored once."""

    service = models.ForeignKey(
        "catalogue.Service", verbose_name=_("service"), on_delete=models.CASCADE, related_name="quality_measurements"
    )
    source_id = models.CharField(_("EOMS measurement id"), max_length=100, unique=True)
    period_start = models.DateTimeField(_("period start"))
    period_end = models.DateTimeField(_("period end"))
    availability = models.DecimalField(_("availability (%)"), max_digits=6, decimal_places=3)
    packet_loss = models.DecimalField(_("packet loss (%)"), max_digits=6, decimal_places=3)
    delay = models.DecimalField(_("delay (ms)"), max_digits=8, decimal_places=2)
    # The worst outcome of the three metrics against the targets of the moment.
    level = models.CharField(_("outcome"), max_length=10, choices=QualityLevel.choices, default=QualityLevel.OK)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        ordering = ["-period_end"]
        verbose_name = _("network quality measurement")
        verbose_name_plural = _("network quality measurements")
        indexes = [models.Index(fields=["service", "period_end"]), models.Index(fields=["period_end", "level"])]

    def __str__(self) -> str:
        return f"{self.service} {self.period_start:%Y-%m-%d %H:%M}"

    def value_of(self, metric: str):
        return {
            QualityMetric.AVAILABILITY: self.availability,
            QualityMetric.PACKET_LOSS: self.packet_loss,
            QualityMetric.DELAY: self.delay,
        }[metric]


class TicketStatus(models.TextChoices):
    """A TMF621 TroubleTicket's status at EOMS, as last read back."""

    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "inProgress", _("In progress")
    PENDING = "pending", _("Pending")
    HELD = "held", _("Held")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


# A ticket in one of these is done at EOMS: it is not read back any more and takes no status change.
TICKET_FINAL = {TicketStatus.RESOLVED, TicketStatus.CLOSED, TicketStatus.REJECTED, TicketStatus.CANCELLED}


class QualityViolation(models.Model):
    """A missed network quality target (TMF623): what was promised, what was measured, and the work order.

    One stays open per service and metric while the network keeps missing it; the next period that meets
    the target resolves it, and the service's termination closes it. Either tells EOMS (a status change of
    the ticket); the ticket's status at EOMS is read back.
    """

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed: the service was terminated")

    service = models.ForeignKey(
        "catalogue.Service", verbose_name=_("service"), on_delete=models.CASCADE, related_name="quality_violations"
    )
    metric = models.CharField(_("metric"), max_length=20, choices=QualityMetric.choices)
    target = models.ForeignKey(QualityTarget, verbose_name=_("target"), on_delete=models.PROTECT, related_name="+")
    # The promise as it stood when the violation opened (the target may be edited later).
    target_value = models.DecimalField(_("target value"), max_digits=8, decimal_places=3)
    actual_value = models.DecimalField(_("actual value"), max_digits=8, decimal_places=3)
    worst_value = models.DecimalField(_("worst value"), max_digits=8, decimal_places=3)
    measurement = models.ForeignKey(
        QualityMeasurement, verbose_name=_("measurement"), on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateTimeField(_("measured from"))
    period_end = models.DateTimeField(_("measured until"))
    periods = models.PositiveIntegerField(_("periods missed"), default=1)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    work_order = models.OneToOneField(
        "peers.OutboxMessage",
        verbose_name=_("quality work order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="quality_violation",
    )
    # A violation still open when EOMS finished its ticket as fixed gets a fresh one: the second is -2, ….
    tickets = models.PositiveSmallIntegerField(_("quality work orders opened"), default=1)
    # The fault ticket its owner opened for it (assurance, through `sla.registry`); empty on the violations
    # opened before, whose ticket is the work order sent from here and read back from EOMS.
    ticket_number = models.CharField(_("trouble ticket"), max_length=20, blank=True, db_index=True)
    ticket_status = models.CharField(
        _("status at EOMS"), max_length=20, choices=TicketStatus.choices, blank=True, help_text=_("As last read.")
    )
    ticket_reason = models.CharField(_("EOMS's reason"), max_length=200, blank=True)
    ticket_read_at = models.DateTimeField(_("read from EOMS at"), null=True, blank=True)
    status_change = models.OneToOneField(
        "peers.OutboxMessage",
        verbose_name=_("status change sent to EOMS"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-period_end"]
        verbose_name = _("network quality violation")
        verbose_name_plural = _("network quality violations")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "metric"], condition=models.Q(state="open"), name="one_open_violation_per_metric"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "period_end"]),
            # The tickets beat reads back: delivered and not done at EOMS.
            models.Index(
                fields=["ticket_read_at"],
                condition=models.Q(work_order__isnull=False) & ~models.Q(ticket_status__in=sorted(TICKET_FINAL)),
                name="quality_ticket_to_read",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.get_metric_display()} {self.actual_value}"

    @property
    def unit(self) -> str:
        return "ms" if self.metric == QualityMetric.DELAY else "%"

    @property
    def reference(self) -> str:
        """Its current ticket: the fault ticket its owner opened, or (opened before) our reference of the quality
        work order at EOMS (deterministic: a resend finds the same ticket)."""
        if self.ticket_number:
            return self.ticket_number
        return f"QV{self.pk:08d}" if self.tickets == 1 else f"QV{self.pk:08d}-{self.tickets}"


class SlaDayCount(models.Model):
    """Finished clocks of one day (in the project's time zone) counted by what they were about: the dashboards
    read these instead of every clock. `sla_rollup_fold` adds each stopped clock once; `manage.py
    rebuild_sla_rollup` recomputes them from the clocks. Rows of the same key may repeat (kept before the folds,
    when two first stops at once could both add one): always summed."""

    day = models.DateField(_("day"))
    step = models.CharField(_("step"), max_length=60)
    city = models.ForeignKey("core.City", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey("catalogue.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
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
