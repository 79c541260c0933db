"""Every write of customer archiving. Each service is one transaction; a refusal saves nothing."""

import difflib
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from keyaccounts.core.exceptions import ApplicationError, StaleRecordError
from keyaccounts.core.timeline import timeline_record
from keyaccounts.core.workflow import human_task, steps_follow

from . import access
from .lifecycle import customer_move
from .models import ArchivingRequest, Contact, Customer, Level, LevelApprovalRule
from .timeline import CustomerAction
from .validators import normalise_credit_code, normalise_phone

Decision = ArchivingRequest.Decision
RECORD_FIELDS = ("name", "credit_code", "industry", "address", "size", "proposed_level", "level_reason")
KEY_FIELDS = ("name", "credit_code", "level")
SIMILAR_NAME_RATIO = 0.85
_LEGAL_FORM = re.compile(
    r"(有限责任公司|股份有限公司|有限公司|集团|公司|co\.?,?|ltd\.?|limited|inc\.?|group|corp\.?)", re.I
)


# ---------------------------------------------------------------------------- the record
def _locked(customer: Customer, version: int | None) -> Customer:
    fresh = Customer.objects.select_for_update().get(pk=customer.pk)
    if version is not None and fresh.version != version:
        raise StaleRecordError
    return fresh


def _write_record(customer: Customer, fields: dict, contacts: list[dict] | None) -> None:
    for name in RECORD_FIELDS:
        if name in fields:
            setattr(customer, name, fields[name])
    customer.credit_code = normalise_credit_code(customer.credit_code)
    customer.full_clean()
    customer.save()
    if contacts is not None:
        customer.contacts.all().delete()
        for values in contacts:
            contact = Contact(customer=customer, **values)
            contact.phone = normalise_phone(contact.phone)
            contact.full_clean()
            contact.save()


def customer_save_draft(
    *, user, fields: dict, contacts: list[dict], customer: Customer | None = None, version: int | None = None
) -> Customer:
    """Create or update a registration the account manager has not submitted yet."""
    with transaction.atomic():
        if customer is None:
            access.require(access.may_register(user))
            customer = Customer(account_manager=user, city_id=user.city_id)
            created = True
        else:
            customer = _locked(customer, version)
            access.require(access.may_edit_draft(user, customer))
            customer.version += 1
            created = False
        _write_record(customer, fields, contacts)
        timeline_record(
            subject=customer, action=CustomerAction.DRAFT_CREATED if created else CustomerAction.DRAFT_SAVED, actor=user
        )
    return customer


def customer_submit(*, user, customer: Customer, version: int | None = None) -> ArchivingRequest:
    """Send a draft into the archiving flow: duplicate check, then review."""
    with transaction.atomic():
        customer = _locked(customer, version)
        access.require(access.may_edit_draft(user, customer))
        _require_complete(customer)
        customer.submitted_at = timezone.now()
        customer.version += 1
        customer.save(update_fields=["submitted_at", "version", "updated_at"])
        archiving_request = ArchivingRequest.objects.create(
            customer=customer,
            kind=ArchivingRequest.Kind.REGISTRATION,
            requested_by=user,
            proposed_level=customer.proposed_level,
            reason=customer.level_reason,
        )
        timeline_record(
            subject=customer,
            action=CustomerAction.SUBMITTED,
            actor=user,
            data={"proposed_level": customer.proposed_level},
        )
        _start_flow(archiving_request)
    return archiving_request


def customer_register(*, user, fields: dict, contacts: list[dict]) -> ArchivingRequest:
    """Save and submit in one step (the form's "Submit for review" on a new record)."""
    with transaction.atomic():
        customer = customer_save_draft(user=user, fields=fields, contacts=contacts)
        return customer_submit(user=user, customer=customer)


def _require_complete(customer: Customer) -> None:
    if not customer.contacts.exists():
        raise ApplicationError(_("Add at least one contact before submitting."), field="contacts")
    if not customer.proposed_level:
        raise ApplicationError(_("Propose a level before submitting."), field="proposed_level")
    try:
        customer.full_clean()
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages)) from exc


def customer_update_details(*, user, customer: Customer, fields: dict, contacts: list[dict], version: int) -> Customer:
    """Change fields that need no review (address, industry, size, contacts) of an archived customer."""
    with transaction.atomic():
        customer = _locked(customer, version)
        access.require(access.may_request_change(user, customer))
        if not contacts:
            raise ApplicationError(_("Keep at least one contact."), field="contacts")
        changed = {
            k: v for k, v in fields.items() if k in ("industry", "address", "size") and getattr(customer, k) != v
        }
        customer.version += 1
        _write_record(customer, changed, contacts)
        timeline_record(subject=customer, action=CustomerAction.DETAILS_UPDATED, actor=user, data=changed)
    return customer


def customer_request_change(*, user, customer: Customer, changes: dict, reason: str, version: int) -> ArchivingRequest:
    """Key fields (name, credit code, level) of an archived customer change only through review."""
    with transaction.atomic():
        customer = _locked(customer, version)
        access.require(access.may_request_change(user, customer))
        proposed = {k: v for k, v in changes.items() if k in KEY_FIELDS and v and getattr(customer, k) != v}
        if not proposed:
            raise ApplicationError(_("Nothing to change: the proposed values are the current ones."))
        if not reason.strip():
            raise ApplicationError(_("Say why the key fields change."), field="reason")
        _validate_proposed(customer, proposed)
        if customer.archiving_requests.filter(outcome=ArchivingRequest.Outcome.OPEN).exists():
            raise ApplicationError(_("A review of this customer is already in progress; wait for its decision."))
        archiving_request = ArchivingRequest.objects.create(
            customer=customer,
            kind=ArchivingRequest.Kind.CHANGE,
            requested_by=user,
            proposed_level=proposed.get("level", customer.level),
            proposed_changes=proposed,
            reason=reason,
        )
        customer.version += 1
        customer.save(update_fields=["version", "updated_at"])
        timeline_record(
            subject=customer, action=CustomerAction.CHANGE_REQUESTED, actor=user, reason=reason, data=proposed
        )
        _start_flow(archiving_request)
    return archiving_request


def _validate_proposed(customer: Customer, proposed: dict) -> None:
    if "credit_code" in proposed:
        proposed["credit_code"] = normalise_credit_code(proposed["credit_code"])
        try:
            Customer._meta.get_field("credit_code").run_validators(proposed["credit_code"])
        except ValidationError as exc:
            raise ApplicationError(" ".join(exc.messages), field="credit_code") from exc
        if Customer.objects.filter(credit_code=proposed["credit_code"]).exclude(pk=customer.pk).exists():
            raise ApplicationError(
                _("A customer with this unified social credit code is already registered."), field="credit_code"
            )
    if "level" in proposed and proposed["level"] not in Level.values:
        raise ApplicationError(_("Choose a level from A to D."), field="level")


def _start_flow(archiving_request: ArchivingRequest) -> None:
    from .flows import ArchivingFlow

    ArchivingFlow.start.run(archiving_request=archiving_request)
    _sla_follow(archiving_request)


def _sla_follow(archiving_request: ArchivingRequest) -> None:
    """The request's SLA clocks run exactly while its human steps wait."""
    from .flows import SLA_STEPS

    customer = archiving_request.customer
    steps_follow(
        subject=archiving_request,
        process_id=archiving_request.process_id,
        steps=SLA_STEPS,
        level=archiving_request.proposed_level,
        city_id=customer.city_id,
        customer_id=customer.pk,
        account_manager_id=customer.account_manager_id,
    )


# ---------------------------------------------------------------------------- flow steps (called by nodes)
def _normalised_name(name: str) -> str:
    return _LEGAL_FORM.sub("", re.sub(r"[\s()（）·,.，。-]", "", name)).lower()


def customers_similar_to(customer: Customer, *, name: str | None = None, credit_code: str | None = None):
    """Other customers with the same credit code, or a very similar name in the same city."""
    name, credit_code = name or customer.name, credit_code or customer.credit_code
    target = _normalised_name(name)
    same_code = Customer.objects.filter(credit_code=credit_code).exclude(pk=customer.pk)
    found = {c.pk: c for c in same_code}
    for other in Customer.objects.filter(city_id=customer.city_id).exclude(pk=customer.pk).only("pk", "name"):
        candidate = _normalised_name(other.name)
        if candidate and (
            candidate == target
            or (min(len(candidate), len(target)) >= 4 and (candidate in target or target in candidate))
            or difflib.SequenceMatcher(None, candidate, target).ratio() >= SIMILAR_NAME_RATIO
        ):
            found.setdefault(other.pk, other)
    return list(found.values())


def archiving_request_record_duplicates(*, archiving_request: ArchivingRequest) -> None:
    changes = archiving_request.proposed_changes
    similar = customers_similar_to(
        archiving_request.customer, name=changes.get("name"), credit_code=changes.get("credit_code")
    )
    archiving_request.duplicate_ids = sorted(c.pk for c in similar)
    archiving_request.save(update_fields=["duplicate_ids", "updated_at"])
    if similar:
        timeline_record(
            subject=archiving_request.customer,
            action=CustomerAction.DUPLICATES_FOUND,
            data={"customers": [c.pk for c in similar]},
        )


def level_needs_approval(archiving_request: ArchivingRequest) -> bool:
    """The administrator's rule table decides, not code: a new level, or a raise, may need a supervisor."""
    rule = LevelApprovalRule.objects.filter(level=archiving_request.proposed_level).first()
    if rule is None:
        return False
    if archiving_request.kind == ArchivingRequest.Kind.REGISTRATION:
        return rule.on_registration
    current = archiving_request.customer.level
    return Level.rank(archiving_request.proposed_level) > Level.rank(current) and rule.on_upgrade


def archiving_request_archive(*, archiving_request: ArchivingRequest) -> None:
    customer = Customer.objects.select_for_update().get(pk=archiving_request.customer_id)
    if archiving_request.kind == ArchivingRequest.Kind.REGISTRATION:
        customer.level = archiving_request.proposed_level
        customer.level_reason = archiving_request.reason
        customer.save(update_fields=["level", "level_reason", "updated_at"])
        customer_move(
            customer=customer,
            to=Customer.Status.VALIDATED,
            action=CustomerAction.ARCHIVED,
            data={"level": customer.level},
        )
    else:
        before = {k: getattr(customer, k) for k in archiving_request.proposed_changes}
        for field, value in archiving_request.proposed_changes.items():
            setattr(customer, field, value)
        customer.level_reason = (
            archiving_request.reason if "level" in archiving_request.proposed_changes else (customer.level_reason)
        )
        customer.version += 1
        customer.full_clean()
        customer.save()
        timeline_record(
            subject=customer,
            action=CustomerAction.CHANGE_APPLIED,
            reason=archiving_request.reason,
            data={"before": before, "after": archiving_request.proposed_changes},
        )
    archiving_request.outcome = ArchivingRequest.Outcome.ARCHIVED
    archiving_request.save(update_fields=["outcome", "updated_at"])


def archiving_request_reject(*, archiving_request: ArchivingRequest) -> None:
    customer = Customer.objects.select_for_update().get(pk=archiving_request.customer_id)
    if archiving_request.kind == ArchivingRequest.Kind.REGISTRATION:
        customer_move(customer=customer, to=Customer.Status.CLOSED, action=CustomerAction.REJECTED)
    else:
        timeline_record(subject=customer, action=CustomerAction.CHANGE_REJECTED)
    archiving_request.outcome = ArchivingRequest.Outcome.REJECTED
    archiving_request.save(update_fields=["outcome", "updated_at"])


# ---------------------------------------------------------------------------- human decisions
def _request_of(task: Task) -> ArchivingRequest:
    return task.process.archiving_request


def _require_reason(decision: str, reason: str) -> None:
    if decision in (Decision.REJECT, Decision.RETURN) and not reason.strip():
        raise ApplicationError(_("Give a reason: the account manager will read it."), field="reason")


def archiving_review(*, user, task_pk: int, decision: str, reason: str = "") -> ArchivingRequest:
    """The customer-data team's decision: approve, reject, or return for correction."""
    if decision not in Decision.values:
        raise ApplicationError(_("Choose a decision."), field="decision")
    _require_reason(decision, reason)
    with human_task(task_pk, user=user, may_act=lambda t: access.may_review(user, _request_of(t).customer)) as act:
        archiving_request = _request_of(act.task)
        archiving_request.review_decision = decision
        archiving_request.needs_approval = decision == Decision.APPROVE and level_needs_approval(archiving_request)
        archiving_request.save(update_fields=["review_decision", "needs_approval", "updated_at"])
        timeline_record(
            subject=archiving_request.customer,
            action=CustomerAction.REVIEWED,
            actor=user,
            reason=reason,
            data={"decision": decision, "needs_approval": archiving_request.needs_approval},
        )
        act.execute()
        _sla_follow(archiving_request)
    return archiving_request


def archiving_approve(*, user, task_pk: int, decision: str, reason: str = "") -> ArchivingRequest:
    """The supervisor's decision on a level that needs approval."""
    if decision not in Decision.values:
        raise ApplicationError(_("Choose a decision."), field="decision")
    _require_reason(decision, reason)
    with human_task(task_pk, user=user, may_act=lambda t: access.may_approve(user, _request_of(t).customer)) as act:
        archiving_request = _request_of(act.task)
        archiving_request.approval_decision = decision
        archiving_request.save(update_fields=["approval_decision", "updated_at"])
        timeline_record(
            subject=archiving_request.customer,
            action=CustomerAction.LEVEL_DECIDED,
            actor=user,
            reason=reason,
            data={"decision": decision, "level": archiving_request.proposed_level},
        )
        act.execute()
        _sla_follow(archiving_request)
    return archiving_request


def archiving_correct(
    *, user, task_pk: int, fields: dict, contacts: list[dict] | None, reason: str = "", version: int | None = None
) -> ArchivingRequest:
    """The account manager corrects what the reviewer returned and sends it back to review."""
    with human_task(task_pk, user=user, may_act=lambda t: t.owner_id == user.pk) as act:
        archiving_request = _request_of(act.task)
        customer = _locked(archiving_request.customer, version)
        if archiving_request.kind == ArchivingRequest.Kind.REGISTRATION:
            customer.version += 1
            _write_record(customer, fields, contacts)
            _require_complete(customer)
            archiving_request.proposed_level = customer.proposed_level
            archiving_request.reason = customer.level_reason
        else:
            proposed = {k: v for k, v in fields.items() if k in KEY_FIELDS and v and getattr(customer, k) != v}
            if not proposed:
                raise ApplicationError(_("Nothing to change: the proposed values are the current ones."))
            _validate_proposed(customer, proposed)
            archiving_request.proposed_changes = proposed
            archiving_request.proposed_level = proposed.get("level", customer.level)
            archiving_request.reason = reason or archiving_request.reason
        archiving_request.review_decision = archiving_request.approval_decision = ""
        archiving_request.save()
        timeline_record(subject=customer, action=CustomerAction.CORRECTED, actor=user, reason=reason)
        act.execute()
        _sla_follow(archiving_request)
    return archiving_request


# ---------------------------------------------------------------------------- close and reopen
def customer_close(*, user, customer: Customer, reason: str) -> Customer:
    if not reason.strip():
        raise ApplicationError(_("Say why the customer is closed."), field="reason")
    with transaction.atomic():
        customer = _locked(customer, None)
        access.require(access.may_close_or_reopen(user, customer))
        if customer.archiving_requests.filter(outcome=ArchivingRequest.Outcome.OPEN).exists():
            raise ApplicationError(_("A review of this customer is in progress; it cannot be closed now."))
        customer_move(
            customer=customer, to=Customer.Status.CLOSED, action=CustomerAction.CLOSED, actor=user, reason=reason
        )
    return customer


def customer_reopen(*, user, customer: Customer, reason: str) -> Customer:
    """Only a supervisor reopens; a customer never archived goes back to its account manager as a draft."""
    if not reason.strip():
        raise ApplicationError(_("Say why the customer is reopened."), field="reason")
    with transaction.atomic():
        customer = _locked(customer, None)
        access.require(access.may_close_or_reopen(user, customer))
        if customer.level:
            target = Customer.Status.VALIDATED
        else:
            target = Customer.Status.INITIALIZED
            customer.submitted_at = None
            customer.save(update_fields=["submitted_at", "updated_at"])
        customer_move(customer=customer, to=target, action=CustomerAction.REOPENED, actor=user, reason=reason)
    return customer
