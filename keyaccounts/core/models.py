"""Organisation: cities, teams, SI companies and people; the audit timeline; the worker heartbeat."""

import hashlib
import re
import secrets
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import get_language, override
from django.utils.translation import gettext_lazy as _

T = TypeVar("T")
_CJK = re.compile(r"[\u3400-\u9fff]")


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


def in_reader_language(english: str, chinese: str) -> str:
    """Of a pair of texts an administrator wrote, the one in the active language."""
    return chinese if (get_language() or "").startswith("zh") else english


def in_each_language(render: Callable[[], T]) -> dict[str, T]:
    """What `render` words, in each shipped language: for sentences the system writes into stored data (a check's
    findings), which would otherwise stay in the language of whoever happened to run it."""
    worded = {}
    for code, _name in settings.LANGUAGES:
        with override(code):
            worded[code] = render()
    return worded


def reader_text(value) -> str:
    """A stored sentence in the reader's language: one kept `in_each_language`, or a text as a person typed it."""
    if not isinstance(value, dict):
        return "" if value is None else str(value)
    return value.get(get_language() or "") or value.get(settings.LANGUAGE_CODE) or next(iter(value.values()), "")


class BilingualNameModel(models.Model):
    """Reference data an administrator names in both shipped languages; shown in the reader's."""

    name_en = models.CharField(_("name (English)"), max_length=120)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return in_reader_language(self.name_en, self.name_zh)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiChannel(BilingualNameModel):
    """A system that calls one of our APIs with its own token (`keyaccounts.core.api.ChannelTokenAuthentication`)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    token_digest = models.CharField(max_length=64, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def issue_token(self) -> str:
        """A new API token; only its digest is kept, so it is shown once."""
        token = secrets.token_urlsafe(32)
        self.token_digest = token_digest(token)
        self.save(update_fields=["token_digest"])
        return token


class City(BilingualNameModel):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("city")
        verbose_name_plural = _("cities")


class Team(BilingualNameModel):
    """A back-office group that tasks are queued to; a team without a city serves the whole province."""

    class Kind(models.TextChoices):
        CUSTOMER_AUDIT = "customer_audit", _("Customer data audit")
        PRESALES = "presales", _("Pre-sales solutions")
        ORDER_ACCEPTANCE = "order_acceptance", _("Order acceptance")
        PROVISIONING = "provisioning", _("Provisioning coordination")
        NETWORK_LIAISON = "network_liaison", _("Network liaison")
        QUALITY = "quality", _("Quality")
        ASSURANCE_DESK = "assurance_desk", _("Assurance desk")
        BILLING = "billing", _("Billing")

    code = models.SlugField(_("code"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    city = models.ForeignKey(
        City,
        verbose_name=_("city"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="teams",
        help_text=_("Empty for a provincial team."),
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("team lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
    )

    class Meta:
        ordering = ["city__sort_order", "kind", "code"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(fields=["kind", "city"], name="team_one_kind_per_city"),
        ]


class SiCompany(BilingualNameModel):
    """An outside system integrator; its partner users see only the work orders sent to it."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    works_in_portal = models.BooleanField(
        _("works in our SI portal"),
        default=False,
        help_text=_(
            "Its staff work its work orders in our SI portal; otherwise they go to its system over the interface."
        ),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("SI company")
        verbose_name_plural = _("SI companies")


class User(AbstractUser):
    city = models.ForeignKey(
        City,
        verbose_name=_("city"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_("Empty for provincial staff."),
    )
    teams = models.ManyToManyField(Team, verbose_name=_("teams"), blank=True, related_name="members")
    si_company = models.ForeignKey(
        SiCompany,
        verbose_name=_("SI company"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_("Only for SI partner users."),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # In-app notifications always arrive; these choose which also come by e-mail.
    email_new_tasks = models.BooleanField(_("e-mail me new tasks in my teams' queue"), default=False)
    email_assignments = models.BooleanField(_("e-mail me tasks assigned to me"), default=True)
    email_sla = models.BooleanField(_("e-mail me SLA warnings and breaches"), default=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [
            ("view_all_cities", _("Can see the data of every city")),
            ("view_organisation", _("Can see the organisation page")),
        ]

    def __str__(self) -> str:
        return self.shown_as(self.username, self.first_name, self.last_name)

    def get_full_name(self) -> str:
        return self.shown_as("", self.first_name, self.last_name)

    @staticmethod
    def shown_as(username: str | None, first_name: str | None, last_name: str | None) -> str:
        """How a person is named on pages (also for lists read as plain values): full name, else username. A
        Chinese name is written family name first, without a space (王芳). Values read from an outer join may be None."""
        first_name, last_name = first_name or "", last_name or ""
        if _CJK.search(last_name):
            return f"{last_name}{first_name}"
        return f"{first_name} {last_name}".strip() or username or ""


class TimelineEvent(models.Model):
    """One line of an audit trail: who did what to which record, when, from which state to which, and why."""

    # No index of its own: the (subject_type, subject_id, created_at) one leads with it.
    subject_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, db_index=False)
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=60)
    from_state = models.CharField(_("from"), max_length=40, blank=True)
    to_state = models.CharField(_("to"), max_length=40, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        indexes = [models.Index(fields=["subject_type", "subject_id", "created_at"])]

    def __str__(self) -> str:
        return f"{self.action} {self.from_state}→{self.to_state}"


class SweepCursor(models.Model):
    """How far a periodic pass has read (kept in the database, so a broker flush loses nothing)."""

    name = models.CharField(max_length=60, unique=True)
    position = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} {self.position:%Y-%m-%d %H:%M:%S}"


class Heartbeat(models.Model):
    """The last moment a background component proved it was alive (read by /healthz)."""

    name = models.CharField(max_length=60, unique=True)
    beat_at = models.DateTimeField()
    hostname = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} {self.beat_at:%Y-%m-%d %H:%M:%S}"


class Notification(models.Model):
    """One thing a person should know about, shown under the bell and, if they chose so, e-mailed.

    The text is rendered in the reader's language from `kind` and `data`; `key` makes raising it twice
    (a sweep run again, a retried task) a no-op.
    """

    class Kind(models.TextChoices):
        NEW_TASK = "new_task", _("New task in your team's queue")
        ASSIGNED = "assigned", _("Task assigned to you")
        SLA_WARNING = "sla_warning", _("SLA warning")
        SLA_BREACH = "sla_breach", _("SLA breached")
        PAUSE_CAP = "pause_cap", _("A pause on the customer's side passed its cap")
        AVAILABILITY_BUDGET = "availability_budget", _("Availability budget running out")

    # No index of its own: the unique (recipient, key) one leads with it.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=120)
    data = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=300, blank=True)
    # The step it is about: read for everyone once the step is done, by whoever did it.
    task = models.ForeignKey(
        "viewflow.Task", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    email_after = models.DateTimeField(_("e-mail not before"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notification_raised_once")]
        indexes = [
            models.Index(fields=["recipient"], condition=models.Q(read_at__isnull=True), name="notification_unread"),
            models.Index(fields=["task"], condition=models.Q(read_at__isnull=True), name="notification_unread_task"),
            models.Index(
                fields=["email_after"],
                condition=models.Q(email_after__isnull=False, emailed_at__isnull=True),
                name="notification_email_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"
