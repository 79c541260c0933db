"""Assurance (after-sale): trouble tickets for faults and complaints (TMF621), and the rules that classify and
route them, which an administrator edits."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from keyaccounts.catalogue.models import SI_ROUTES, Product
from keyaccounts.core.files import attachment_type_validator
from keyaccounts.core.models import ApiChannel, BilingualNameModel, TimeStampedModel, in_reader_language


class Severity(models.TextChoices):
    """Faults by level (the red channel); complaints normal or escalated (the yellow channel)."""

    LEVEL_1 = "level1", _("Level 1 fault")
    LEVEL_2 = "level2", _("Level 2 fault")
    NORMAL = "normal", _("Normal")
    ESCALATED = "escalated", _("Escalated")


class Priority(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class TroubleTicket(TimeStampedModel):
    """A fault or complaint of a customer (TMF621 TroubleTicket), from its report to the customer's decision."""

    class Status(models.TextChoices):  # TMF621 TroubleTicket statuses
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        IN_PROGRESS = "inProgress", _("In progress")
        PENDING = "pending", _("Pending: waiting for information")
        HELD = "held", _("Held")
        RESOLVED = "resolved", _("Resolved: waiting for the customer")
        CLOSED = "closed", _("Closed")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    class Type(models.TextChoices):
        FAULT = "fault", _("Fault")
        COMPLAINT = "complaint", _("Complaint")
        BILLING = "billing", _("Billing question")
        SUGGESTION = "suggestion", _("Suggestion")
        CONSULTATION = "consultation", _("Consultation")

    class Channel(models.TextChoices):
        ACCOUNT_MANAGER = "account_manager", _("Account manager")
        HOTLINE = "hotline", _("Hotline")
        PORTAL = "portal", _("Customer portal")
        SI = "si", _("System integrator")
        EOMS = "eoms", _("EOMS")
        NETWORK_QUALITY = "network_quality", _("Network-quality violation")

    class PendingParty(models.TextChoices):
        """Whose side a pending ticket waits on: only the customer's may pause its clock (a later rule)."""

        CUSTOMER = "customer", _("The customer")
        US = "us", _("Our side")
        PEER = "peer", _("EOMS or the SI")

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", _("The customer accepts the resolution")
        REJECTED = "rejected", _("The customer rejects the resolution")
        UNANSWERED = "unanswered", _("The customer did not answer: closed")

    class Route(models.TextChoices):
        """Who handles a complaint (a routing rule chooses)."""

        CITY_DESK = "city_desk", _("The city's assurance desk")
        BILLING = "billing", _("The provincial billing team")
        # ---- complaint routes to EOMS and to SI companies
        EOMS = "eoms", _("EOMS (a network complaint)")
        SI = "si", _("The product's SI company")

    class Escalation(models.TextChoices):
        NONE = "", _("Not escalated")
        CITY = "city", _("City supervisor")
        PROVINCE = "province", _("Province")

    type = models.CharField(_("type"), max_length=15, choices=Type.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="trouble_tickets"
    )
    city = models.ForeignKey("core.City", verbose_name=_("city"), on_delete=models.PROTECT, related_name="+")
    account_manager = models.ForeignKey(
        "core.User", verbose_name=_("account manager"), on_delete=models.PROTECT, related_name="+"
    )
    reported_by = models.ForeignKey(
        "core.User", verbose_name=_("reported by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("reporting contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    services = models.ManyToManyField(
        "catalogue.Service", verbose_name=_("affected services"), blank=True, related_name="trouble_tickets"
    )
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    billing_account = models.ForeignKey(
        "orders.BillingAccount",
        verbose_name=_("billing account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    description = models.TextField(_("description"))
    # What else EOMS is told (TMF621 characteristic: name, value), e.g. the measured value of a quality violation.
    characteristics = models.JSONField(_("characteristics"), default=list, blank=True)
    interruption = models.BooleanField(_("the service is interrupted"), default=False)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    status = models.CharField(_("status"), max_length=14, choices=Status.choices, default=Status.ACKNOWLEDGED)
    pending_reason = models.CharField(_("pending reason"), max_length=200, blank=True)
    pending_party = models.CharField(_("pending on"), max_length=10, choices=PendingParty.choices, blank=True)
    route = models.CharField(_("handled by"), max_length=12, choices=Route.choices, blank=True)
    # The SI company a complaint about its product is routed to (route SI): it sees the ticket in the SI portal.
    si_company = models.ForeignKey(
        "core.SiCompany",
        verbose_name=_("SI company"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    escalation = models.CharField(_("escalated to"), max_length=10, choices=Escalation.choices, blank=True)
    resolution_code = models.ForeignKey(
        "assurance.ResolutionCode",
        verbose_name=_("resolution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolution_notes = models.TextField(_("resolution notes"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # The customer was reminded to answer the confirmation or callback of this resolution (cleared by the next one).
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    customer_decision = models.CharField(_("customer's decision"), max_length=10, choices=Decision.choices, blank=True)
    decision_note = models.TextField(_("customer's words"), blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("reopened"), default=0)
    duplicate_of = models.ForeignKey(
        "self", verbose_name=_("duplicate of"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_resolution_date = models.DateTimeField(_("requested resolution date"), null=True, blank=True)
    # Milestones the ticket's SLA steps wait for (`assurance.clocks.promise_steps_open`): we sent it to a peer, the
    # peer accepted it, and the customer first heard from us beyond the automatic acknowledgement.
    dispatched_at = models.DateTimeField(_("sent to the peer at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered to the peer at"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    # The time of the newest EOMS event applied: an older event arriving late changes nothing.
    last_event_at = models.DateTimeField(_("last event"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    process = models.OneToOneField(
        "viewflow.Process", null=True, blank=True, on_delete=models.SET_NULL, related_name="ticket"
    )
    # A ticket a channel submitted over the API: the channel's own reference (TMF621 externalId) and a digest of
    # what it sent, so that a resubmission is answered with this ticket and a different body under it refused.
    api_channel = models.ForeignKey(
        "assurance.TicketChannel",
        verbose_name=_("API channel"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    channel_reference = models.CharField(_("channel's reference"), max_length=100, blank=True)
    request_digest = models.CharField(max_length=64, blank=True, editable=False)
    # A supervisor ended the pause of a ticket still pending on the customer: its clocks run until it is
    # set pending again (`assurance.clocks`).
    customer_pause_ended_at = models.DateTimeField(_("customer's pause ended at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("trouble ticket")
        verbose_name_plural = _("trouble tickets")
        permissions = [
            ("triage_ticket", _("Can triage complaints (assurance desk)")),
            ("handle_ticket", _("Can handle complaints routed to one's team")),
            ("supervise_ticket", _("Can handle escalated complaints")),
            ("work_si_complaints", _("Can work the complaints sent to one's SI company in the SI portal")),
        ]
        indexes = [models.Index(fields=["customer", "status", "created_at"], name="ticket_customer_open")]
        constraints = [
            models.UniqueConstraint(
                fields=["api_channel", "channel_reference"],
                condition=models.Q(api_channel__isnull=False),
                name="one_ticket_per_channel_reference",
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"TT{self.pk:06d}"

    @property
    def is_fault(self) -> bool:
        return self.type == self.Type.FAULT

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TICKET_STATUSES

    @property
    def external_id(self) -> str:
        """Our reference at the peer that works the ticket (deterministic: a resend finds the ticket it made):
        EOMS, or the SI company's system for a complaint routed to an SI that does not work in our portal."""
        return f"{self.number}-{'SI' if self.route == self.Route.SI else 'EOMS'}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("assurance:detail", args=[self.pk])


class HoldingParty(models.TextChoices):
    """Who holds a ticket being worked, each timed by a clock of its own beside the customer's clock."""

    DESK = "desk", _("Our desk")
    EOMS = "eoms", _("EOMS")
    SI = "si", _("The system integrator")


OPEN_TICKET_STATUSES = (
    TroubleTicket.Status.ACKNOWLEDGED,
    TroubleTicket.Status.IN_PROGRESS,
    TroubleTicket.Status.PENDING,
    TroubleTicket.Status.HELD,
    TroubleTicket.Status.RESOLVED,
)


class TicketChannel(ApiChannel):
    """A system that reports tickets over the API (the hotline, the customer portal, an SI), with its own token."""

    channel = models.CharField(
        _("reports as"),
        max_length=20,
        choices=[
            (c.value, c.label)
            for c in (TroubleTicket.Channel.HOTLINE, TroubleTicket.Channel.PORTAL, TroubleTicket.Channel.SI)
        ],
    )

    class Meta(ApiChannel.Meta):
        verbose_name = _("ticket channel")
        verbose_name_plural = _("ticket channels")


class TicketProcess(Process):
    class Meta:
        proxy = True
        verbose_name = _("trouble ticket process")
        verbose_name_plural = _("trouble ticket processes")


class TicketNote(models.Model):
    """A note on a ticket: public notes may be told to the customer; internal ones stay with the staff."""

    ticket = models.ForeignKey(TroubleTicket, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("note"))
    internal = models.BooleanField(_("internal"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("ticket note")
        verbose_name_plural = _("ticket notes")

    def __str__(self) -> str:
        return self.text[:40]


class TicketAttachment(TimeStampedModel):
    """A document of a ticket (a screenshot, a test report); internal by default like a note, and served only
    through the ticket's scope check."""

    ticket = models.ForeignKey(TroubleTicket, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="tickets/%Y/%m/", validators=[attachment_type_validator])
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    internal = models.BooleanField(_("internal"), default=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("ticket document")
        verbose_name_plural = _("ticket documents")

    def __str__(self) -> str:
        return self.file.name

    @property
    def name(self) -> str:
        """The file's name as it was uploaded (storage may have added a suffix), without its folder."""
        return self.file.name.rsplit("/", 1)[-1]


class InformationRequest(models.Model):
    """EOMS asked for information about a fault; the account manager answers it."""

    ticket = models.ForeignKey(TroubleTicket, on_delete=models.CASCADE, related_name="information_requests")
    question = models.TextField(_("question"))
    asked_at = models.DateTimeField(_("asked at"))
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["asked_at"]
        verbose_name = _("information request")
        verbose_name_plural = _("information requests")

    def __str__(self) -> str:
        return self.question[:40]


class ResolutionCode(BilingualNameModel):
    """How a ticket was resolved, as the handling team records it: configuration data."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("resolution code")
        verbose_name_plural = _("resolution codes")


class FaultLevelRule(BilingualNameModel):
    """Which faults are level 1: a rule matches when every condition it sets holds; the first active rule that
    matches (by its order) gives the level, and a fault no rule matches is level 2."""

    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    interruption_only = models.BooleanField(
        _("only an interruption"), default=False, help_text=_("Only when the service is down, not degraded.")
    )
    product = models.ForeignKey(
        "catalogue.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Only when a service of this product is affected. Empty: any product."),
    )
    customer_level = models.CharField(
        _("customer level"), max_length=1, blank=True, help_text=_("Only for customers of this level. Empty: any.")
    )
    min_services = models.PositiveSmallIntegerField(
        _("at least this many services"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Only when at least this many services are affected. Empty: any number."),
    )
    severity = models.CharField(
        _("level"),
        max_length=10,
        choices=[(Severity.LEVEL_1, Severity.LEVEL_1.label), (Severity.LEVEL_2, Severity.LEVEL_2.label)],
        default=Severity.LEVEL_1,
    )

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("fault level rule")
        verbose_name_plural = _("fault level rules")

    def __str__(self) -> str:
        return self.name


class ComplaintRoute(models.Model):
    """Who handles a complaint: the first active route whose conditions all hold (its type, or none; a product
    route of an affected service, or none), by its order; none matches: the city's assurance desk. A route to
    the SI company matches only a complaint about a product that has one."""

    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    ticket_type = models.CharField(
        _("ticket type"),
        max_length=15,
        blank=True,
        choices=[(t.value, t.label) for t in TroubleTicket.Type if t != TroubleTicket.Type.FAULT],
        help_text=_("Empty: any type."),
    )
    # ---- complaints about products of a kind (network products to EOMS, T3/T4 products to their SI company)
    product_route = models.CharField(
        _("product route"),
        max_length=2,
        blank=True,
        choices=Product.Route.choices,
        help_text=_("Only when an affected service's product goes by this fulfilment route. Empty: any."),
    )
    route = models.CharField(_("handled by"), max_length=12, choices=TroubleTicket.Route.choices)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("complaint route")
        verbose_name_plural = _("complaint routes")

    def __str__(self) -> str:
        products = f" ({self.get_product_route_display()})" if self.product_route else ""
        return f"{self.get_ticket_type_display() or '*'}{products} → {self.get_route_display()}"

    def clean(self) -> None:
        if self.route == TroubleTicket.Route.SI and self.product_route not in SI_ROUTES:
            raise ValidationError(
                {"product_route": _("A route to the SI company is for products of routes T3 and T4: choose one.")}
            )


class UnansweredClosure(models.Model):
    """What happens when the customer does not answer the confirmation (faults) or the callback (the others): a
    reminder some time after the resolution, then closure some time after the reminder. Customers of the levels
    that answer explicitly are never closed without their answer. No active rule for a kind: nothing happens."""

    class Kind(models.TextChoices):
        FAULT = "fault", _("Faults (the customer's confirmation)")
        COMPLAINT = "complaint", _("Complaints and questions (the callback)")

    kind = models.CharField(_("tickets"), max_length=10, choices=Kind.choices, unique=True)
    remind_after = models.DurationField(
        _("remind after"), help_text=_("From the resolution to the reminder, e.g. 1 day as “1 00:00:00”.")
    )
    close_after = models.DurationField(_("close after"), help_text=_("From the reminder to the closure."))
    explicit_levels = models.CharField(
        _("levels that answer explicitly"),
        max_length=10,
        blank=True,
        default="A",
        help_text=_("Customer levels (letters, e.g. “A” or “AB”) never closed without their answer."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("closure without an answer")
        verbose_name_plural = _("closures without an answer")

    def __str__(self) -> str:
        return self.get_kind_display()

    def clean(self) -> None:
        errors = {}
        for field in ("remind_after", "close_after"):
            value = getattr(self, field)
            if value is not None and value.total_seconds() <= 0:
                errors[field] = _("Give a time longer than zero.")
        levels = self.explicit_levels.strip().upper()
        if any(letter not in "ABCD" for letter in levels):
            errors["explicit_levels"] = _("Give customer levels as letters A to D, e.g. “A”.")
        self.explicit_levels = levels
        if errors:
            raise ValidationError(errors)


# ---------------------------------------------------------------------------- satisfaction surveys
class SurveyQuestion(models.Model):
    """A question of the satisfaction survey sent when a ticket closes, answered with a score from 1 to 5."""

    text_en = models.CharField(_("question (English)"), max_length=200)
    text_zh = models.CharField(_("question (Chinese)"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return in_reader_language(self.text_en, self.text_zh)


SCORES = range(1, 6)


class SurveyRule(models.Model):
    """Whether closed tickets are surveyed, and which score opens a follow-up for the city supervisor: the first
    active rule (by its pk) applies; none active: no survey is sent."""

    follow_up_at_or_below = models.PositiveSmallIntegerField(
        _("follow up a score of at most"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("Any answer at or below this score opens a follow-up task for the city supervisor."),
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("survey rule")
        verbose_name_plural = _("survey rules")

    def __str__(self) -> str:
        return _("Follow up a score of %(score)s or less") % {"score": self.follow_up_at_or_below}


class SatisfactionSurvey(models.Model):
    """The survey of one closed ticket, sent once (a reopened and closed again ticket keeps it), answered once by
    the customer through a link whose token only the message holds (we keep its digest)."""

    ticket = models.OneToOneField(
        TroubleTicket, verbose_name=_("trouble ticket"), on_delete=models.CASCADE, related_name="survey"
    )
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    sent_at = models.DateTimeField(_("sent at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    comment = models.TextField(_("the customer's comment"), blank=True)
    # The mean of the answers, kept with them so that the dashboard averages surveys, not questions.
    average = models.DecimalField(_("average score"), max_digits=3, decimal_places=2, null=True, blank=True)
    low_score = models.BooleanField(_("low score"), default=False)
    follow_up_process = models.OneToOneField(
        "viewflow.Process", null=True, blank=True, on_delete=models.SET_NULL, related_name="survey"
    )
    follow_up_notes = models.TextField(_("what the supervisor did"), blank=True)
    followed_up_by = models.ForeignKey(
        "core.User", verbose_name=_("followed up by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    followed_up_at = models.DateTimeField(_("followed up at"), null=True, blank=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        indexes = [models.Index(fields=["answered_at"], name="survey_answered")]

    def __str__(self) -> str:
        return str(self.ticket)

    def get_absolute_url(self) -> str:
        return self.ticket.get_absolute_url()


class SurveyAnswer(models.Model):
    survey = models.ForeignKey(SatisfactionSurvey, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, verbose_name=_("question"), on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("score"), validators=[MinValueValidator(1), MaxValueValidator(5)])

    class Meta:
        ordering = ["question__order", "question_id"]
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.UniqueConstraint(fields=["survey", "question"], name="one_answer_per_survey_question"),
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="survey_score_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.score}"


class SurveyFollowUpProcess(Process):
    """The city supervisor's follow-up of a low survey score: a short process of its own beside the ended
    ticket's."""

    class Meta:
        proxy = True
        verbose_name = _("survey follow-up process")
        verbose_name_plural = _("survey follow-up processes")


# ---------------------------------------------------------------------------- network incidents (TMF656)
class ServiceProblem(TimeStampedModel):
    """A network incident (TMF656 ServiceProblem): one fault of the network that takes down the running services
    of many customers at once, each of whom gets one child fault ticket. Raised by EOMS or grouped by a
    supervisor from the fault tickets customers reported."""

    class Status(models.TextChoices):  # TMF656 ServiceProblemStateType
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        IN_PROGRESS = "inProgress", _("In progress")
        PENDING = "pending", _("Pending")
        HELD = "held", _("Held")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    class Origin(models.TextChoices):
        EOMS = "eoms", _("Raised by EOMS")
        GROUPED = "grouped", _("Grouped by a supervisor")

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=60, blank=True)
    origin = models.CharField(_("raised"), max_length=10, choices=Origin.choices)
    # EOMS's own reference of the problem (TMF externalId): the same problem told twice is this one row.
    external_id = models.CharField(_("EOMS reference"), max_length=80, blank=True)
    status = models.CharField(_("status"), max_length=14, choices=Status.choices, default=Status.ACKNOWLEDGED)
    products = models.ManyToManyField("catalogue.Product", verbose_name=_("affected products"), related_name="+")
    # Where the network is down (TMF656 affectedLocation): [{"role": element code, "name": text}], e.g. the
    # installation addresses containing "绿园区"; a running service of an affected product matches one of them.
    affected_location = models.JSONField(_("affected locations"), default=list, blank=True)
    cities = models.ManyToManyField("core.City", verbose_name=_("cities concerned"), blank=True, related_name="+")
    raised_by = models.ForeignKey(
        "core.User", verbose_name=_("raised by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution_code = models.ForeignKey(
        ResolutionCode, verbose_name=_("resolution"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution_notes = models.TextField(_("resolution notes"), blank=True)
    resolution_date = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("network incident")
        verbose_name_plural = _("network incidents")
        permissions = [("manage_serviceproblem", _("Can group tickets into incidents and resolve them"))]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"], condition=~models.Q(external_id=""), name="one_problem_per_eoms_reference"
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"SP{self.pk:06d}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_PROBLEM_STATUSES

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("assurance:incident", args=[self.pk])


OPEN_PROBLEM_STATUSES = (
    ServiceProblem.Status.ACKNOWLEDGED,
    ServiceProblem.Status.IN_PROGRESS,
    ServiceProblem.Status.PENDING,
    ServiceProblem.Status.HELD,
)


class ServiceProblemTicket(models.Model):
    """A child of an incident (TMF656 troubleTicket): the one fault ticket of an affected customer, opened for the
    incident or linked from what the customer reported."""

    problem = models.ForeignKey(ServiceProblem, on_delete=models.CASCADE, related_name="children")
    ticket = models.OneToOneField(TroubleTicket, on_delete=models.CASCADE, related_name="problem_link")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    linked = models.BooleanField(_("reported by the customer before"), default=False)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("incident's ticket")
        verbose_name_plural = _("incident's tickets")
        constraints = [models.UniqueConstraint(fields=["problem", "customer"], name="one_child_per_customer")]

    def __str__(self) -> str:
        return f"{self.problem} · {self.ticket}"


# ---------------------------------------------------------------------------- planned work, availability, credits
class NoticeLeadTime(models.Model):
    """How long before a planned-work window a customer of a level must be told; a level with no row of its own
    takes the row that names no level."""

    customer_level = models.CharField(
        _("customer level"), max_length=1, blank=True, unique=True, help_text=_("Empty: every other level.")
    )
    lead = models.DurationField(_("tell the customer at least"), help_text=_("For example 3 days as “3 00:00:00”."))

    class Meta:
        ordering = ["customer_level"]
        verbose_name = _("planned-work notice time")
        verbose_name_plural = _("planned-work notice times")

    def __str__(self) -> str:
        return f"{self.customer_level or '*'}: {self.lead}"

    def clean(self) -> None:
        self.customer_level = self.customer_level.strip().upper()
        if self.customer_level and self.customer_level not in "ABCD":
            raise ValidationError({"customer_level": _("Give a customer level as a letter A to D, or none.")})
        if self.lead is not None and self.lead.total_seconds() <= 0:
            raise ValidationError({"lead": _("Give a time longer than zero.")})


class PlannedWork(TimeStampedModel):
    """A cutover (割接): network work that interrupts running services in a window, announced to their customers."""

    title = models.CharField(_("title"), max_length=200)
    reason = models.TextField(_("reason"))
    window_start = models.DateTimeField(_("window starts"))
    window_end = models.DateTimeField(_("window ends"))
    city = models.ForeignKey(
        "core.City",
        verbose_name=_("city"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the province."),
    )
    registered_by = models.ForeignKey(
        "core.User", verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="+"
    )
    services = models.ManyToManyField(
        "catalogue.Service", verbose_name=_("affected services"), related_name="planned_works"
    )

    class Meta:
        ordering = ["window_start", "pk"]
        verbose_name = _("planned work")
        verbose_name_plural = _("planned work")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(window_end__gt=models.F("window_start")), name="window_ends_later"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"PW{self.pk:06d}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("assurance:planned_detail", args=[self.pk])


class PlannedWorkNotice(models.Model):
    """One affected customer of a planned work: when it must be told by, and when it was. Told late or never, the
    window counts against its services' availability; told in time, the window is excluded."""

    planned_work = models.ForeignKey(PlannedWork, on_delete=models.CASCADE, related_name="notices")
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    notify_by = models.DateTimeField(_("to be told by"))
    notified_at = models.DateTimeField(_("told at"), null=True, blank=True)
    messages = models.PositiveSmallIntegerField(_("messages sent"), default=0)
    problem = models.CharField(_("why not told"), max_length=300, blank=True)

    class Meta:
        ordering = ["notify_by", "pk"]
        verbose_name = _("planned-work notice")
        verbose_name_plural = _("planned-work notices")
        constraints = [
            models.UniqueConstraint(fields=["planned_work", "customer"], name="one_notice_per_customer_and_work")
        ]
        indexes = [models.Index(fields=["notify_by"], condition=models.Q(notified_at__isnull=True), name="notice_due")]

    def __str__(self) -> str:
        return f"{self.planned_work.reference} · {self.customer}"

    @property
    def in_time(self) -> bool:
        return self.notified_at is not None and self.notified_at <= self.notify_by


class CreditReason(models.TextChoices):
    RESTORE_TIME = "restore_time", _("Restoration later than contracted")
    AVAILABILITY = "availability", _("Monthly availability below target")


class SlaCreditRule(models.Model):
    """What a customer is credited for a breach of one kind: a percentage of the service's monthly fee, or an
    amount (TMF623 consequence)."""

    reason = models.CharField(_("breach"), max_length=15, choices=CreditReason.choices, unique=True)
    percent = models.DecimalField(
        _("percentage of the monthly fee"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["reason"]
        verbose_name = _("SLA credit rule")
        verbose_name_plural = _("SLA credit rules")

    def __str__(self) -> str:
        return self.get_reason_display()

    def clean(self) -> None:
        if (self.percent is None) == (self.amount is None):
            raise ValidationError(_("Give either a percentage of the monthly fee or an amount, not both."))
        if self.percent is not None and not 0 < self.percent <= 100:
            raise ValidationError({"percent": _("A percentage is above 0 and at most 100.")})
        if self.amount is not None and self.amount <= 0:
            raise ValidationError({"amount": _("Give an amount above zero.")})


class SlaCredit(models.Model):
    """A credit owed to a customer for one breach of a service's SLA in a month (TMF623 consequence); a breach
    is credited once."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="sla_credits"
    )
    city = models.ForeignKey("core.City", verbose_name=_("city"), on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey(
        "catalogue.Service", verbose_name=_("service"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month"), help_text=_("Its first day."))
    reason = models.CharField(_("breach"), max_length=15, choices=CreditReason.choices)
    ticket = models.ForeignKey(
        TroubleTicket, verbose_name=_("ticket"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    percent = models.DecimalField(
        _("percentage of the monthly fee"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("credited at"), auto_now_add=True)

    class Meta:
        ordering = ["-month", "customer", "pk"]
        verbose_name = _("SLA credit")
        verbose_name_plural = _("SLA credits")
        constraints = [
            models.UniqueConstraint(
                fields=["reason", "service", "month", "ticket"], nulls_distinct=False, name="one_credit_per_breach"
            )
        ]
        indexes = [models.Index(fields=["month", "city"], name="credit_month_city")]

    def __str__(self) -> str:
        return f"{self.customer} · {self.service.number} · {self.month:%Y-%m}"


class AvailabilityBudget(models.Model):
    """A running service's month, as the availability sweep last measured it: its target, the outage minutes its
    target allows and the minutes used; `warned_at` once the account manager has been told of 80 %."""

    service = models.ForeignKey(
        "catalogue.Service", verbose_name=_("service"), on_delete=models.CASCADE, related_name="+"
    )
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    city = models.ForeignKey("core.City", verbose_name=_("city"), on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))
    target = models.DecimalField(_("availability target (%)"), max_digits=6, decimal_places=3)
    budget_minutes = models.DecimalField(_("outage allowed (minutes)"), max_digits=10, decimal_places=2)
    used_minutes = models.DecimalField(_("outage (minutes)"), max_digits=10, decimal_places=2, default=0)
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)
    measured_at = models.DateTimeField(_("measured at"), auto_now=True)

    class Meta:
        ordering = ["-month", "service"]
        verbose_name = _("availability budget")
        verbose_name_plural = _("availability budgets")
        constraints = [models.UniqueConstraint(fields=["service", "month"], name="one_budget_per_service_month")]

    def __str__(self) -> str:
        return f"{self.service.number} {self.month:%Y-%m}"

    @property
    def used_percent(self):
        return self.used_minutes * 100 / self.budget_minutes if self.budget_minutes else 0
