"""The inbox's own rows: a person's steps as the inbox sorts them, the processes people follow, the filters
they named. Their tables are the ones they had when they lived in core (`db_table`)."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.fields import FlowReferenceField, TaskReferenceField
from viewflow.workflow.status import STATUS

from keyaccounts.core.models import City, Team


class Watch(models.Model):
    """A process someone follows: they started it or asked to; it shows in their inbox's Watching view."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watches")
    process = models.ForeignKey("viewflow.Process", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("followed process")
        db_table = "core_watch"  # the table it had in core, rows and all
        verbose_name_plural = _("followed processes")
        constraints = [models.UniqueConstraint(fields=["user", "process"], name="watch_once")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.process_id}"


OPEN_ENTRY = Q(status__in=[STATUS.NEW, STATUS.ASSIGNED])  # keyaccounts.core.workflow.OPEN_STATUSES


class InboxEntry(models.Model):
    """A person's step as the inbox sorts and filters it: the task's state beside its record's city, customer
    and account manager and its open SLA clock's due time, so that a queue, "mine" or "all open" reads one
    indexed table instead of joining every open task to its record and clock.

    Kept by `inbox_follow` after every step of a flow (with the clocks, `keyaccounts.core.workflow.steps_follow`) and by the
    inbox's own actions; `manage.py rebuild_inbox` recomputes it from the tasks. The page's rows are drawn from
    the entries too, with the customer, city and owner they point to.
    """

    task = models.OneToOneField("viewflow.Task", primary_key=True, on_delete=models.CASCADE, related_name="+")
    process = models.ForeignKey("viewflow.Process", on_delete=models.CASCADE, related_name="+")
    flow_class = FlowReferenceField()
    flow_task = TaskReferenceField()
    status = models.CharField(max_length=50)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created = models.DateTimeField()
    finished = models.DateTimeField(null=True)
    subject_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    city = models.ForeignKey(City, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    customer = models.ForeignKey("customers.Customer", null=True, on_delete=models.SET_NULL, related_name="+")
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    sla_step = models.CharField(max_length=60, blank=True)
    due_at = models.DateTimeField(null=True)
    warn_at = models.DateTimeField(null=True)
    clock_state = models.CharField(max_length=20, blank=True)
    # What tells rows apart (the source's `facts`), kept with the row so that a page reads no record.
    number = models.CharField(max_length=40, blank=True)
    products_en = models.CharField(max_length=200, blank=True)
    products_zh = models.CharField(max_length=200, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True)

    class Meta:
        db_table = "core_inboxentry"  # the table it had in core, rows and all
        indexes = [
            # A team's queue: one or two nodes in the cities the team serves, soonest breach first.
            models.Index(fields=["flow_task", "city", "due_at"], condition=Q(status=STATUS.NEW), name="inbox_queue"),
            models.Index(fields=["owner", "due_at"], condition=OPEN_ENTRY, name="inbox_mine"),
            models.Index(fields=["owner", "-finished"], condition=Q(status=STATUS.DONE), name="inbox_done"),
            models.Index(fields=["city", "due_at"], condition=OPEN_ENTRY, name="inbox_city_open"),
            models.Index(fields=["due_at"], condition=OPEN_ENTRY, name="inbox_open"),
            models.Index(fields=["subject_id", "sla_step"], condition=OPEN_ENTRY, name="inbox_open_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.flow_task} #{self.task_id}"


class SavedFilter(models.Model):
    """An inbox filter a user named; shared with a team, every member sees it."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters")
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filter"), max_length=500)
    team = models.ForeignKey(
        Team, verbose_name=_("shared with"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "core_savedfilter"  # the table it had in core, rows and all
        ordering = ["name"]
        verbose_name = _("saved inbox filter")
        verbose_name_plural = _("saved inbox filters")
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="saved_filter_name_once")]

    def __str__(self) -> str:
        return self.name
