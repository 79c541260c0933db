"""The archiving flow through every branch, driven through the services as the pages drive it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from viewflow.workflow.status import PROCESS

from customers import services
from customers.flows import ArchivingFlow
from customers.models import ArchivingRequest, Customer, LevelApprovalRule
from customers.selectors import archiving_open_tasks, archiving_tasks_for
from customers.timeline import CustomerAction
from keyaccounts.core.exceptions import ApplicationError, TaskClosedError, TaskTakenError
from keyaccounts.core.timeline import timeline_for
from tests.factories import CONTACT, customer_fields

pytestmark = pytest.mark.django_db
Decision = ArchivingRequest.Decision


def register(manager, serial=1, **overrides) -> Customer:
    request = services.customer_register(user=manager, fields=customer_fields(serial, **overrides), contacts=[CONTACT])
    return request.customer


def open_task(customer, node):
    return archiving_open_tasks(customer).get(flow_task=node)


def actions(customer) -> list[str]:
    return [e.action for e in timeline_for(customer)]


def test_approved_registration_is_archived_with_its_level(manager, reviewer):
    customer = register(manager, proposed_level="C")
    assert customer.status == Customer.Status.INITIALIZED
    task = open_task(customer, ArchivingFlow.review)
    assert task in archiving_tasks_for(reviewer)

    services.archiving_review(user=reviewer, task_pk=task.pk, decision=Decision.APPROVE)

    customer.refresh_from_db()
    assert (customer.status, customer.level) == (Customer.Status.VALIDATED, "C")
    request = customer.archiving_requests.get()
    assert request.outcome == ArchivingRequest.Outcome.ARCHIVED
    assert request.process.status == PROCESS.DONE
    assert actions(customer) == [
        CustomerAction.DRAFT_CREATED,
        CustomerAction.SUBMITTED,
        CustomerAction.REVIEWED,
        CustomerAction.ARCHIVED,
    ]
    archived = timeline_for(customer)[-1]
    assert (archived.from_state, archived.to_state) == ("initialized", "validated")


def test_rejected_registration_is_closed_with_the_reason(manager, reviewer):
    customer = register(manager)
    services.archiving_review(
        user=reviewer,
        task_pk=open_task(customer, ArchivingFlow.review).pk,
        decision=Decision.REJECT,
        reason="not an enterprise",
    )
    customer.refresh_from_db()
    assert customer.status == Customer.Status.CLOSED
    assert not customer.level
    (reviewed,) = [e for e in timeline_for(customer) if e.action == CustomerAction.REVIEWED]
    assert (reviewed.reason, reviewed.actor) == ("not an enterprise", reviewer)


def test_returned_record_goes_to_its_account_manager_and_back_to_review(manager, reviewer):
    customer = register(manager)
    services.archiving_review(
        user=reviewer,
        task_pk=open_task(customer, ArchivingFlow.review).pk,
        decision=Decision.RETURN,
        reason="address is incomplete",
    )
    correction = open_task(customer, ArchivingFlow.correct)
    assert correction.owner == manager
    assert correction in archiving_tasks_for(manager)

    services.archiving_correct(
        user=manager,
        task_pk=correction.pk,
        version=Customer.objects.get(pk=customer.pk).version,
        fields=customer_fields(1, address="人民大街 1 号 5 楼"),
        contacts=[CONTACT],
    )

    customer.refresh_from_db()
    assert customer.address == "人民大街 1 号 5 楼"
    second_review = open_task(customer, ArchivingFlow.review)
    services.archiving_review(user=reviewer, task_pk=second_review.pk, decision=Decision.APPROVE)
    customer.refresh_from_db()
    assert customer.status == Customer.Status.VALIDATED
    assert actions(customer).count(CustomerAction.REVIEWED) == 2
    assert CustomerAction.CORRECTED in actions(customer)


def test_level_a_needs_the_supervisor_who_may_approve(manager, reviewer, supervisor):
    customer = register(manager, proposed_level="A")
    services.archiving_review(
        user=reviewer, task_pk=open_task(customer, ArchivingFlow.review).pk, decision=Decision.APPROVE
    )
    customer.refresh_from_db()
    assert customer.status == Customer.Status.INITIALIZED  # not yet: waits for the supervisor
    approval = open_task(customer, ArchivingFlow.approve)
    assert approval in archiving_tasks_for(supervisor)
    with pytest.raises(PermissionDenied):
        services.archiving_approve(user=reviewer, task_pk=approval.pk, decision=Decision.APPROVE)

    services.archiving_approve(user=supervisor, task_pk=approval.pk, decision=Decision.APPROVE)

    customer.refresh_from_db()
    assert (customer.status, customer.level) == (Customer.Status.VALIDATED, "A")


def test_the_supervisor_can_refuse_the_level(manager, reviewer, supervisor):
    customer = register(manager, proposed_level="A")
    services.archiving_review(
        user=reviewer, task_pk=open_task(customer, ArchivingFlow.review).pk, decision=Decision.APPROVE
    )
    services.archiving_approve(
        user=supervisor,
        task_pk=open_task(customer, ArchivingFlow.approve).pk,
        decision=Decision.RETURN,
        reason="propose B: spend is too low for A",
    )
    correction = open_task(customer, ArchivingFlow.correct)
    services.archiving_correct(
        user=manager, task_pk=correction.pk, fields=customer_fields(1, proposed_level="B"), contacts=[CONTACT]
    )
    services.archiving_review(
        user=reviewer, task_pk=open_task(customer, ArchivingFlow.review).pk, decision=Decision.APPROVE
    )
    customer.refresh_from_db()
    assert (customer.status, customer.level) == (Customer.Status.VALIDATED, "B")


def test_which_level_needs_approval_is_the_administrators_rule(manager, reviewer):
    LevelApprovalRule.objects.filter(level="C").update(on_registration=True)
    customer = register(manager, proposed_level="C")
    services.archiving_review(
        user=reviewer, task_pk=open_task(customer, ArchivingFlow.review).pk, decision=Decision.APPROVE
    )
    assert open_task(customer, ArchivingFlow.approve)


def test_a_similar_name_in_the_same_city_is_put_beside_the_record(manager, reviewer):
    first = register(manager, 1, name="长春宏达科技有限公司")
    second = register(manager, 2, name="长春宏达科技股份有限公司")
    unrelated = register(manager, 3, name="吉林省人民医院")

    request = second.archiving_requests.get()
    assert request.duplicate_ids == [first.pk]
    assert unrelated.archiving_requests.get().duplicate_ids == []
    assert CustomerAction.DUPLICATES_FOUND in actions(second)


def test_key_field_changes_go_through_review_and_apply_only_when_archived(manager, reviewer, supervisor):
    customer = register(manager, proposed_level="C")
    services.archiving_review(
        user=reviewer, task_pk=open_task(customer, ArchivingFlow.review).pk, decision=Decision.APPROVE
    )
    customer.refresh_from_db()

    services.customer_request_change(
        user=manager,
        customer=customer,
        version=customer.version,
        reason="renamed; contract doubled",
        changes={"name": "新名字有限公司", "credit_code": customer.credit_code, "level": "B"},
    )
    customer.refresh_from_db()
    assert customer.name != "新名字有限公司"  # unchanged until archived
    services.archiving_review(
        user=reviewer, task_pk=open_task(customer, ArchivingFlow.review).pk, decision=Decision.APPROVE
    )
    # C → B is a raise, and the default rules want a supervisor for it.
    services.archiving_approve(
        user=supervisor, task_pk=open_task(customer, ArchivingFlow.approve).pk, decision=Decision.APPROVE
    )
    customer.refresh_from_db()
    assert (customer.name, customer.level, customer.status) == ("新名字有限公司", "B", Customer.Status.VALIDATED)
    (applied,) = [e for e in timeline_for(customer) if e.action == CustomerAction.CHANGE_APPLIED]
    assert applied.data["before"]["level"] == "C"


def test_a_rejected_change_leaves_the_customer_as_it_was(manager, reviewer):
    customer = register(manager)
    services.archiving_review(
        user=reviewer, task_pk=open_task(customer, ArchivingFlow.review).pk, decision=Decision.APPROVE
    )
    customer.refresh_from_db()
    services.customer_request_change(
        user=manager, customer=customer, version=customer.version, reason="typo", changes={"name": "Other name"}
    )
    services.archiving_review(
        user=reviewer,
        task_pk=open_task(customer, ArchivingFlow.review).pk,
        decision=Decision.REJECT,
        reason="the licence says otherwise",
    )
    customer.refresh_from_db()
    assert customer.name == customer_fields(1)["name"]
    assert customer.status == Customer.Status.VALIDATED


# ---------------------------------------------------------------------------- bad input and races
def test_submitting_without_a_contact_is_refused_and_saves_nothing(manager):
    with pytest.raises(ApplicationError, match="at least one contact"):
        services.customer_register(user=manager, fields=customer_fields(), contacts=[])
    assert not Customer.objects.exists()


def test_a_bad_phone_number_saves_nothing(manager):
    with pytest.raises(ValidationError) as exc:
        services.customer_register(user=manager, fields=customer_fields(), contacts=[{**CONTACT, "phone": "12"}])
    assert "mainland" in str(exc.value)
    assert not Customer.objects.exists()


def test_a_duplicate_credit_code_is_refused(manager):
    register(manager, 1)
    with pytest.raises(ValidationError, match="already registered"):
        services.customer_register(
            user=manager, fields=customer_fields(2, credit_code=customer_fields(1)["credit_code"]), contacts=[CONTACT]
        )
    assert Customer.objects.count() == 1


def test_a_stale_draft_is_refused(manager):
    customer = services.customer_save_draft(user=manager, fields=customer_fields(), contacts=[CONTACT])
    stale_version = customer.version
    services.customer_save_draft(
        user=manager,
        customer=customer,
        version=stale_version,
        fields=customer_fields(address="new"),
        contacts=[CONTACT],
    )
    with pytest.raises(ApplicationError, match="Someone else changed"):
        services.customer_save_draft(
            user=manager,
            customer=customer,
            version=stale_version,
            fields=customer_fields(address="older"),
            contacts=[CONTACT],
        )
    customer.refresh_from_db()
    assert customer.address == "new"


def test_deciding_a_task_someone_else_decided_changes_nothing(manager, reviewer, user_in_role, city):
    from keyaccounts.core.models import Team
    from keyaccounts.core.roles import Role

    colleague = user_in_role(Role.BACK_OFFICE, teams=list(reviewer.teams.filter(kind=Team.Kind.CUSTOMER_AUDIT)))
    customer = register(manager)
    task = open_task(customer, ArchivingFlow.review)
    services.archiving_review(user=reviewer, task_pk=task.pk, decision=Decision.APPROVE)
    with pytest.raises(TaskClosedError):
        services.archiving_review(user=colleague, task_pk=task.pk, decision=Decision.REJECT, reason="late")
    customer.refresh_from_db()
    assert customer.status == Customer.Status.VALIDATED


def test_a_task_taken_by_a_colleague_is_refused_with_their_name(manager, reviewer, user_in_role):
    from keyaccounts.core.models import Team
    from keyaccounts.core.roles import Role
    from keyaccounts.inbox.inbox import inbox_claim

    colleague = user_in_role(Role.BACK_OFFICE, teams=list(reviewer.teams.filter(kind=Team.Kind.CUSTOMER_AUDIT)))
    customer = register(manager)
    task = open_task(customer, ArchivingFlow.review)
    with pytest.raises(ApplicationError):  # a reject without a reason fails, but only after taking the task...
        services.archiving_review(user=reviewer, task_pk=task.pk, decision=Decision.REJECT, reason="")
    task.refresh_from_db()
    assert task.owner is None  # ...and the refusal rolled the taking back
    inbox_claim(user=reviewer, task_pk=task.pk)
    with pytest.raises(TaskTakenError, match=str(reviewer)):
        services.archiving_review(user=colleague, task_pk=task.pk, decision=Decision.APPROVE)


def test_a_reviewer_of_another_city_cannot_decide(manager, foreign_reviewer):
    customer = register(manager)
    task = open_task(customer, ArchivingFlow.review)
    assert task not in archiving_tasks_for(foreign_reviewer)
    with pytest.raises(PermissionDenied):
        services.archiving_review(user=foreign_reviewer, task_pk=task.pk, decision=Decision.APPROVE)
    customer.refresh_from_db()
    assert customer.status == Customer.Status.INITIALIZED


def test_only_a_supervisor_closes_and_reopens(manager, reviewer, supervisor):
    customer = register(manager)
    services.archiving_review(
        user=reviewer, task_pk=open_task(customer, ArchivingFlow.review).pk, decision=Decision.APPROVE
    )
    with pytest.raises(PermissionDenied):
        services.customer_close(user=manager, customer=customer, reason="moved away")
    services.customer_close(user=supervisor, customer=customer, reason="moved away")
    customer.refresh_from_db()
    assert customer.status == Customer.Status.CLOSED
    with pytest.raises(PermissionDenied):
        services.customer_reopen(user=reviewer, customer=customer, reason="back")
    services.customer_reopen(user=supervisor, customer=customer, reason="back")
    customer.refresh_from_db()
    assert (customer.status, customer.level) == (Customer.Status.VALIDATED, "C")
