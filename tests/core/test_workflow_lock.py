"""The flow lock every human step is taken under: held while a step is decided, and a colleague who took the
task meanwhile is named."""

import threading
import time

import pytest
from django.db import connection, transaction

from customers import services as customer_services
from customers.flows import ArchivingFlow
from customers.models import ArchivingRequest
from customers.selectors import archiving_open_tasks
from keyaccounts.core.exceptions import TaskTakenError
from keyaccounts.core.workflow import locked_activation
from keyaccounts.inbox.inbox import inbox_claim
from tests.inbox.test_inbox import audit_team, registrations, reviewers  # noqa: F401


@pytest.mark.django_db(transaction=True)
def test_a_decision_waits_for_the_lock_and_names_who_took_the_task_meanwhile(reviewers, registrations):  # noqa: F811
    first, colleague = reviewers
    task = archiving_open_tasks(registrations[0].customer).get(flow_task=ArchivingFlow.review)
    outcome = {}

    def decide():
        try:
            customer_services.archiving_review(
                user=colleague, task_pk=task.pk, decision=ArchivingRequest.Decision.APPROVE
            )
            outcome["error"] = None
        except Exception as error:  # the test asserts which one
            outcome["error"] = error
        finally:
            connection.close()

    decision = threading.Thread(target=decide)
    with transaction.atomic(), locked_activation(task) as activation:
        assert activation.task.status == "NEW"
        decision.start()  # reads the task as open, then waits for the lock
        time.sleep(0.5)
        assert decision.is_alive(), "the colleague's decision went ahead under a held flow lock"
        inbox_claim(user=first, task_pk=task.pk)
    decision.join(timeout=10)
    assert isinstance(outcome["error"], TaskTakenError)
    assert str(first) in str(outcome["error"])
    task.refresh_from_db()
    assert (task.status, task.owner) == ("ASSIGNED", first)
