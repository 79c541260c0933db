"""The satisfaction survey of a closed ticket: sent once to the reporting contact with a link only the message
holds, answered once by the customer without logging in; an answer at or below the rule's score opens a follow-up
for the supervisors of the ticket's city (`flows.SurveyFollowUpFlow`), who record what they did.

Every write of the survey is here; the closing services call `survey_send` in their transaction.
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.models import token_digest
from keyaccounts.core.roles import Role, has_role
from keyaccounts.core.timeline import timeline_record
from keyaccounts.core.workflow import human_task, steps_follow
from keyaccounts.messaging.events import MessageEvent

from . import telling
from .models import SatisfactionSurvey, SurveyAnswer, SurveyQuestion, SurveyRule, TroubleTicket
from .timeline import TicketAction


def survey_rule() -> SurveyRule | None:
    return SurveyRule.objects.filter(is_active=True).order_by("pk").first()


def survey_questions() -> list[SurveyQuestion]:
    return list(SurveyQuestion.objects.filter(is_active=True).order_by("order", "pk"))


def survey_link(token: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{reverse('assurance:survey', args=[token])}"


def survey_send(*, ticket: TroubleTicket) -> SatisfactionSurvey | None:
    """Once the ticket is closed (in the closing step's transaction): its survey, unless it has one already (a
    ticket reopened and closed again is not asked twice) or no rule or question is in use."""
    if ticket.status != TroubleTicket.Status.CLOSED or SatisfactionSurvey.objects.filter(ticket=ticket).exists():
        return None
    if survey_rule() is None or not survey_questions():
        return None
    token = secrets.token_urlsafe(32)
    survey = SatisfactionSurvey.objects.create(ticket=ticket, token_digest=token_digest(token), sent_at=timezone.now())
    timeline_record(subject=ticket, action=TicketAction.SURVEY_SENT)
    # Refused by messaging (no template) or no contact: the ticket's timeline says the customer was not told.
    telling.ticket_tell(ticket, MessageEvent.SURVEY_REQUESTED, link=survey_link(token))
    return survey


def survey_by_token(token: str) -> SatisfactionSurvey | None:
    """The survey a link names, or None (a token that names none is told apart from nothing)."""
    if not token:
        return None
    return (
        SatisfactionSurvey.objects.select_related("ticket__customer", "ticket__contact")
        .filter(token_digest=token_digest(token))
        .first()
    )


class SurveyAnsweredError(ApplicationError):
    def __init__(self):
        super().__init__(_("This survey has been answered already: thank you, your first answer is kept."))


def survey_answer(*, token: str, scores: dict[int, int], comment: str = "") -> SatisfactionSurvey:
    """The customer's answer: a score from 1 to 5 for every question in use, once. A score at or below the rule's
    opens the follow-up for the city supervisor."""
    with transaction.atomic():
        survey = (
            SatisfactionSurvey.objects.select_for_update()
            .select_related("ticket__customer")
            .filter(token_digest=token_digest(token))
            .first()
        )
        if survey is None:
            raise ApplicationError(_("This survey link is not valid."))
        if survey.answered_at is not None:
            raise SurveyAnsweredError
        questions = survey_questions()
        if any(scores.get(q.pk) not in range(1, 6) for q in questions):
            raise ApplicationError(_("Give every question a score from 1 to 5."))
        SurveyAnswer.objects.bulk_create(
            [SurveyAnswer(survey=survey, question=q, score=scores[q.pk]) for q in questions]
        )
        given = [scores[q.pk] for q in questions]
        rule = survey_rule()
        survey.answered_at = timezone.now()
        survey.comment = comment.strip()
        survey.average = (Decimal(sum(given)) / len(given)).quantize(Decimal("0.01"))
        survey.low_score = rule is not None and min(given) <= rule.follow_up_at_or_below
        survey.save(update_fields=["answered_at", "comment", "average", "low_score"])
        ticket = survey.ticket
        timeline_record(
            subject=ticket,
            action=TicketAction.SURVEY_ANSWERED,
            reason=survey.comment,
            data={"average": str(survey.average)},
        )
        if survey.low_score:
            from .flows import SurveyFollowUpFlow

            SurveyFollowUpFlow.start.run(survey=survey)
            _follow(survey)
    return survey


def _follow(survey: SatisfactionSurvey) -> None:
    from .flows import FOLLOW_UP_SLA_STEPS

    ticket = survey.ticket
    steps_follow(
        subject=survey,
        process_id=survey.follow_up_process_id,
        steps=FOLLOW_UP_SLA_STEPS,
        city_id=ticket.city_id,
        customer_id=ticket.customer_id,
        account_manager_id=ticket.account_manager_id,
    )


def may_follow_up(user, survey: SatisfactionSurvey) -> bool:
    """A supervisor of the ticket's city."""
    return (
        user.has_perm("assurance.supervise_ticket")
        and has_role(user, Role.CITY_SUPERVISOR)
        and user.city_id == survey.ticket.city_id
    )


def survey_follow_up(*, user, task_pk: int, notes: str) -> SatisfactionSurvey:
    """The city supervisor records what was done about the low score; the follow-up ends."""
    if not notes.strip():
        raise ApplicationError(_("Write what was done for the customer."), field="notes")
    related = ("process__survey__ticket",)
    with human_task(
        task_pk, user=user, may_act=lambda task: may_follow_up(user, task.process.survey), related=related
    ) as act:
        survey = act.task.process.survey
        survey.follow_up_notes, survey.followed_up_by, survey.followed_up_at = notes, user, timezone.now()
        survey.save(update_fields=["follow_up_notes", "followed_up_by", "followed_up_at"])
        timeline_record(subject=survey.ticket, action=TicketAction.SURVEY_FOLLOWED_UP, actor=user, reason=notes)
        act.execute()
        _follow(survey)
    return survey
