"""The bell: new tasks reach the people who may take them, assignments their owner, SLA warnings the holder."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from customers import services as customer_services
from keyaccounts.core.models import Notification, Team
from keyaccounts.core.notifications import notification_text, notifications_for_new_tasks
from keyaccounts.core.roles import Role
from keyaccounts.inbox.inbox import inbox_claim
from sla.demo import seed_demo_policies
from sla.models import SlaClock
from sla.sweep import sla_sweep
from tests.factories import CONTACT, TeamFactory, customer_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(user_in_role, city):
    team = TeamFactory(city=city, kind=Team.Kind.CUSTOMER_AUDIT)
    return user_in_role(Role.BACK_OFFICE, teams=[team], username="reviewer")


@pytest.fixture
def elsewhere(user_in_role, other_city):
    team = TeamFactory(city=other_city, kind=Team.Kind.CUSTOMER_AUDIT)
    return user_in_role(Role.BACK_OFFICE, teams=[team], city=other_city, username="jilin_reviewer")


@pytest.fixture
def registration(user_in_role, reviewer, elsewhere):
    seed_demo_policies()
    manager = user_in_role(Role.ACCOUNT_MANAGER, username="am")
    return customer_services.customer_register(user=manager, fields=customer_fields(1), contacts=[CONTACT])


def test_a_new_review_reaches_the_city_reviewers_once_and_no_one_else(registration, reviewer, elsewhere):
    notifications_for_new_tasks(now=timezone.now() + dt.timedelta(seconds=1))
    notifications_for_new_tasks(now=timezone.now() + dt.timedelta(seconds=2))  # a second pass adds nothing
    (notification,) = Notification.objects.filter(kind=Notification.Kind.NEW_TASK)
    assert notification.recipient == reviewer
    with translation.override("en"):  # whatever an earlier test left active in this thread
        assert registration.customer.name in notification_text(notification)
        assert "Review the customer record" in notification_text(notification)
    with translation.override("zh-hans"):  # rendered in the reader's language, the step's title too
        text = notification_text(notification)
    assert text.startswith("团队队列新任务")
    assert "Review the customer record" not in text
    assert notification.url.startswith(reverse("customers:detail", args=[registration.customer_id]))
    assert not Notification.objects.filter(recipient=elsewhere).exists()


def test_the_holder_hears_of_a_warning_and_the_supervisor_of_the_breach(registration, reviewer, user_in_role):
    supervisor = user_in_role(Role.CITY_SUPERVISOR, username="boss")
    task = registration.process.task_set.get(status="NEW", flow_task_type="HUMAN")
    inbox_claim(user=reviewer, task_pk=task.pk)
    clock = SlaClock.objects.get(subject_id=registration.pk, stopped_at=None)
    sla_sweep(now=clock.warn_at)
    assert list(
        Notification.objects.filter(kind=Notification.Kind.SLA_WARNING).values_list("recipient", flat=True)
    ) == [reviewer.pk]
    sla_sweep(now=clock.due_at)
    breach = set(Notification.objects.filter(kind=Notification.Kind.SLA_BREACH).values_list("recipient", flat=True))
    assert breach == {reviewer.pk, supervisor.pk}


def test_the_bell_counts_unread_and_opening_one_reads_it(client, registration, reviewer, elsewhere):
    notifications_for_new_tasks(now=timezone.now() + dt.timedelta(seconds=1))
    notification = Notification.objects.get(recipient=reviewer)
    theirs = Notification.objects.get(pk=notification.pk)
    theirs.pk, theirs.recipient = None, elsewhere
    theirs.save()  # someone else's unread one is not counted
    client.force_login(reviewer)
    page = client.get(reverse("inbox"))
    assert b'data-testid="unread">1<' in page.content
    response = client.post(reverse("notification_read", args=[notification.pk]))
    assert response.url == notification.url
    assert b'data-testid="unread"' not in client.get(reverse("inbox")).content


def test_nobody_reads_someone_elses_notification(client, registration, reviewer, elsewhere):
    notifications_for_new_tasks(now=timezone.now() + dt.timedelta(seconds=1))
    client.force_login(elsewhere)
    notification = Notification.objects.get(recipient=reviewer)
    assert client.post(reverse("notification_read", args=[notification.pk])).status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_each_person_chooses_what_comes_by_email(client, reviewer):
    client.force_login(reviewer)
    response = client.post(reverse("notifications"), {"email_assignments": "on"})
    assert response.status_code == 302
    reviewer.refresh_from_db()
    assert (reviewer.email_new_tasks, reviewer.email_assignments, reviewer.email_sla) == (False, True, False)


def test_sla_notifications_follow_their_step_and_speak_the_readers_language(registration, reviewer, user_in_role):
    # given the reviewer holds the review and the sweep raised its warning and its breach
    supervisor = user_in_role(Role.CITY_SUPERVISOR, username="boss")
    task = registration.process.task_set.get(status="NEW", flow_task_type="HUMAN")
    inbox_claim(user=reviewer, task_pk=task.pk)
    clock = SlaClock.objects.get(subject_id=registration.pk, stopped_at=None)
    sla_sweep(now=clock.warn_at)
    sla_sweep(now=clock.due_at)
    warning = Notification.objects.get(kind=Notification.Kind.SLA_WARNING)
    breach = Notification.objects.get(kind=Notification.Kind.SLA_BREACH, recipient=supervisor)

    # then both are tied to the step and keep facts, not a sentence
    assert (warning.task_id, breach.task_id) == (task.pk, task.pk)
    assert warning.url == breach.url == reverse("customers:detail", args=[registration.customer_id])
    due = timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M")
    with translation.override("en"):
        text = notification_text(breach)
    assert text == (
        f"SLA breached: Customer record review of {registration.customer.credit_code} "
        f"for {registration.customer.name} was due {due}."
    )
    with translation.override("zh-hans"):
        text = notification_text(breach)
    assert text.startswith("SLA 超时：")
    assert text == (
        f"SLA 超时：{registration.customer.name} 的 {registration.customer.credit_code} 的 客户资料审核 "
        f"应于 {due} 完成。"
    )

    # when the reviewer decides, the step is done: nobody needs telling about it any more
    customer_services.archiving_review(user=reviewer, task_pk=task.pk, decision="approve")
    assert not Notification.objects.filter(task=task, read_at=None).exists()


def test_sla_notifications_raised_before_facts_were_kept_still_read(reviewer):
    # given a row the sweep wrote when it kept a worded subject and a local time
    legacy = Notification.objects.create(
        recipient=reviewer,
        kind=Notification.Kind.SLA_WARNING,
        key="clock:1:1",
        data={"step": "customer.review", "subject": "Archive: ACME", "percent": 50, "due": "2026-11-24 14:30"},
    )
    with translation.override("zh-hans"):
        text = notification_text(legacy)
    assert text == "SLA 预警：Archive: ACME 的 客户资料审核 已用去 50% 的时限，截止 2026-11-24 14:30。"
