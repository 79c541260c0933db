"""Reads of customer archiving, scoped to what the user may see."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from keyaccounts.core.access import get_in_scope_or_404, sees_all_cities
from keyaccounts.core.models import TimelineEvent, User
from keyaccounts.core.timeline import timeline_for
from keyaccounts.core.workflow import task_scope

from . import access
from .business import story_parts
from .flows import ArchivingFlow
from .models import ArchivingRequest, Customer

OPEN = (STATUS.NEW, STATUS.ASSIGNED)


def customer_list(user, *, search: str = "", filters: dict | None = None) -> QuerySet[Customer]:
    customers = access.visible_customers(user).select_related("city", "account_manager")
    if search:
        customers = customers.filter(Q(name__icontains=search) | Q(credit_code__icontains=search.upper()))
    for field, value in (filters or {}).items():
        if value not in (None, ""):
            customers = customers.filter(**{field: value})
    return customers.order_by("name", "pk")


def account_managers_in_scope(user) -> QuerySet[User]:
    return User.objects.filter(customers__in=access.visible_customers(user)).distinct().order_by("username")


def customer_get(request, pk: int) -> Customer:
    return get_in_scope_or_404(
        request, Customer.objects.select_related("city", "account_manager"), access.visible_customers(request.user), pk
    )


STORY_RECORDS = 50  # the latest records of each kind whose lines join the customer's story


def customer_story(user, customer: Customer) -> list[TimelineEvent]:
    """One timeline of the customer and of its business the user may see (opportunities, orders, launches, with
    their work orders), oldest first; each line of a record has `about`: (its name, its page)."""
    about: dict[tuple[int, int], tuple[str, str]] = {}
    subjects = []
    for part in story_parts():
        for record in part.records(user, customer).order_by("-pk")[:STORY_RECORDS]:
            subjects.append(record)
            about[(ContentType.objects.get_for_model(record).pk, record.pk)] = part.about(record)
    events = timeline_for(customer, *subjects)
    for event in events:
        event.about = about.get((event.subject_type_id, event.subject_id))
    return events


def archiving_open_tasks(customer: Customer) -> QuerySet[Task]:
    return Task.objects.filter(process__archiving_request__customer=customer, status__in=OPEN).select_related(
        "owner", "process"
    )


def archiving_tasks_for(user) -> QuerySet[Task]:
    """Archiving tasks the user can act on now: own corrections, reviews of their cities, approvals in scope."""
    return (
        Task.objects.filter(archiving_task_scope(user), status__in=OPEN)
        .select_related("process__archiving_request__customer__city", "owner")
        .order_by("created")
    )


def archiving_claimable(user) -> list:
    """The archiving steps the user may claim, each with the cities it may be claimed in (None: any)."""
    claimable = []
    if user.has_perm("customers.review_customer"):
        claimable.append(([ArchivingFlow.review], access.audit_city_ids(user)))
    if user.has_perm("customers.approve_customer_level"):
        claimable.append(([ArchivingFlow.approve], None if sees_all_cities(user) else [user.city_id]))
    return claimable


def archiving_task_scope(
    user, *, city: str = "process__archiving_request__customer__city_id", flow: str = "process__flow_class"
) -> Q:
    return task_scope(user, archiving_claimable(user), city=city, flow=Q(**{flow: ArchivingFlow}) if flow else None)


def drafts_of(user) -> QuerySet[Customer]:
    return Customer.objects.filter(
        account_manager=user, status=Customer.Status.INITIALIZED, submitted_at__isnull=True
    ).select_related("city")


def duplicates_of(archiving_request: ArchivingRequest) -> QuerySet[Customer]:
    return Customer.objects.filter(pk__in=archiving_request.duplicate_ids).select_related("city", "account_manager")
