"""The satisfaction survey of a closed ticket: sent once to the reporting contact with a link, answered once on a
public page in either language, a low score followed up by the city supervisor through the inbox."""

import re

import pytest
from django.urls import reverse

from assurance.demo import seed_demo_survey
from assurance.flows import SurveyFollowUpFlow
from assurance.models import SatisfactionSurvey, SurveyQuestion, SurveyRule, TroubleTicket
from assurance.surveys import survey_send
from keyaccounts.core.roles import Role
from keyaccounts.core.timeline import timeline_for
from keyaccounts.inbox.models import InboxEntry
from keyaccounts.messaging.selectors import messages_of
from tests.messaging.conftest import templates  # noqa: F401

from .conftest import F, open_task
from .test_complaints import decide, resolve
from .test_unanswered import resolved_complaint

pytestmark = pytest.mark.django_db
Status = TroubleTicket.Status
LINK = re.compile(r"https?://\S+/assurance/survey/([\w-]+)/")


@pytest.fixture
def surveyed(templates, configured):  # noqa: F811
    seed_demo_survey()


def closed(manager, customer, desk, contact) -> TroubleTicket:
    ticket = resolved_complaint(manager, customer, desk, contact)
    decide(manager, ticket, accepted=True, note="Satisfied")
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    return ticket


def survey_messages(ticket):
    return messages_of(ticket).filter(event="survey_requested")


def link_of(ticket) -> str:
    """The survey's address as the customer's message holds it (the token is nowhere else)."""
    (message,) = survey_messages(ticket)
    match = LINK.search(message.content)
    assert match, message.content
    return reverse("assurance:survey", args=[match[1]])


def answers(score: int, *, low: int | None = None) -> dict:
    questions = list(SurveyQuestion.objects.filter(is_active=True))
    values = {f"q{q.pk}": str(score) for q in questions}
    if low is not None:
        values[f"q{questions[0].pk}"] = str(low)
    return values


def test_a_closed_ticket_sends_its_contact_one_survey_answered_once_without_logging_in(
    surveyed, manager, customer, desk, contact, client
):
    ticket = closed(manager, customer, desk, contact)
    (message,) = survey_messages(ticket)
    assert message.receiver_name == contact.name
    assert ticket.number in message.content
    url = link_of(ticket)
    survey = ticket.survey
    assert survey.token_digest not in message.content  # only the digest is kept, never the token itself

    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "How satisfied are you with the result?" in page.content.decode()
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "您对处理结果是否满意？" in page.content.decode()

    done = client.post(url, {**answers(4), "comment": "Quick and polite"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Thank you: your answer is recorded." in done.content.decode()
    survey.refresh_from_db()
    assert (survey.average, survey.low_score, survey.comment) == (4, False, "Quick and polite")
    assert sorted(survey.answers.values_list("score", flat=True)) == [4, 4, 4]
    assert survey.follow_up_process is None
    assert "ticket.survey_answered" in [e.action for e in timeline_for(ticket)]

    again = client.post(url, answers(1), HTTP_ACCEPT_LANGUAGE="en")
    assert "This survey has been answered already" in again.content.decode()
    survey.refresh_from_db()
    assert (survey.average, survey.answers.count()) == (4, 3)  # the first answer stands
    assert "已经" in client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()


def test_a_survey_is_sent_once_even_after_a_reopening_and_never_again(surveyed, manager, customer, desk, contact):
    ticket = resolved_complaint(manager, customer, desk, contact)
    decide(manager, ticket, accepted=False)  # reopened: back to the desk
    assert not SatisfactionSurvey.objects.filter(ticket=ticket).exists()
    resolve(desk, ticket, F.handle)
    decide(manager, ticket, accepted=True, note="Now it works")
    ticket.refresh_from_db()
    assert survey_send(ticket=ticket) is None  # closed again, or asked again: the one survey stands
    assert SatisfactionSurvey.objects.filter(ticket=ticket).count() == 1
    assert survey_messages(ticket).count() == 1


def test_no_rule_in_use_sends_no_survey(surveyed, manager, customer, desk, contact):
    SurveyRule.objects.update(is_active=False)
    ticket = closed(manager, customer, desk, contact)
    assert not SatisfactionSurvey.objects.filter(ticket=ticket).exists()
    assert not survey_messages(ticket).exists()


def test_an_unknown_link_or_a_missing_score_changes_nothing(surveyed, manager, customer, desk, contact, client):
    assert client.get(reverse("assurance:survey", args=["not-a-token"])).status_code == 404
    ticket = closed(manager, customer, desk, contact)
    url = link_of(ticket)
    incomplete = answers(5)
    incomplete.pop(next(iter(incomplete)))
    page = client.post(url, incomplete, HTTP_ACCEPT_LANGUAGE="en")
    assert "Give this question a score from 1 to 5." in page.content.decode()
    page = client.post(url, answers(9), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    ticket.survey.refresh_from_db()
    assert ticket.survey.answered_at is None
    assert not ticket.survey.answers.exists()


def test_a_low_score_is_followed_up_by_the_city_supervisor_from_the_inbox(
    surveyed, manager, customer, desk, contact, supervisor, user_in_role, other_city, client
):
    ticket = closed(manager, customer, desk, contact)
    client.post(link_of(ticket), answers(5, low=2))  # one answer at the rule's score
    survey = SatisfactionSurvey.objects.get(ticket=ticket)
    assert survey.low_score
    task = survey.follow_up_process.task_set.get(flow_task=SurveyFollowUpFlow.follow_up)
    entry = InboxEntry.objects.get(task=task)
    assert (entry.city_id, entry.customer_id) == (ticket.city_id, ticket.customer_id)

    client.force_login(supervisor)
    queue = client.get(reverse("inbox"), {"view": "queue"}).content.decode()
    assert "Follow up a low satisfaction score" in queue
    far = user_in_role(Role.CITY_SUPERVISOR, city=other_city, username="sup_far")
    client.force_login(far)
    assert "Follow up a low satisfaction score" not in client.get(reverse("inbox"), {"view": "queue"}).content.decode()
    assert client.get(reverse("assurance:follow_up", args=[ticket.pk, task.pk])).status_code in (403, 404)

    client.force_login(supervisor)
    url = reverse("assurance:follow_up", args=[ticket.pk, task.pk])
    refused = client.post(url, {"notes": "  "})
    assert refused.status_code == 200  # asked again, nothing recorded
    survey.refresh_from_db()
    assert survey.followed_up_at is None
    client.post(url, {"notes": "Called the IT director, apologised, checked the line together"})
    survey.refresh_from_db()
    assert (survey.followed_up_by, survey.follow_up_notes) == (
        supervisor,
        "Called the IT director, apologised, checked the line together",
    )
    task.refresh_from_db()
    assert task.status == "DONE"
    assert open_task(ticket, F.callback) is None
    assert "ticket.survey_followed_up" in [e.action for e in timeline_for(ticket)]
