"""The inbox's models moved from core to the inbox app in state only: a database migrated across the move keeps
every followed process, inbox entry and saved filter."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from customers.flows import ArchivingFlow
from keyaccounts.core.models import City, Team
from keyaccounts.core.roles import Role
from keyaccounts.inbox.models import InboxEntry, SavedFilter, Watch
from tests.factories import CityFactory, TeamFactory, make_user

BEFORE = [("core", "0008_saved_filters_generation"), ("inbox", None)]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()  # what is applied now
    return executor


@pytest.mark.django_db(transaction=True)
def test_rows_written_before_the_move_are_read_through_the_inbox_models_after_it():
    # given: people, a process and its task, as they are on both sides of the move
    city = CityFactory(code="changchun", name_en="Changchun", name_zh="长春")
    team = TeamFactory(city=city, kind=Team.Kind.CUSTOMER_AUDIT)
    user = make_user(Role.BACK_OFFICE, city=city)
    process = Process.objects.create(flow_class=ArchivingFlow)
    task = Task.objects.create(
        process=process, flow_task=ArchivingFlow.review, flow_task_type="HUMAN", status=STATUS.ASSIGNED, owner=user
    )
    due = timezone.now().replace(microsecond=0)
    try:
        # and a database before the move, with rows written by core's historical models
        old = _migrate(BEFORE).loader.project_state(BEFORE[:1]).apps
        old.get_model("core", "Watch").objects.create(user_id=user.pk, process_id=process.pk)
        old.get_model("core", "SavedFilter").objects.create(
            owner_id=user.pk, name="My breaches", query="sla=breached", team_id=team.pk
        )
        old.get_model("core", "InboxEntry").objects.create(
            task_id=task.pk,
            process_id=process.pk,
            flow_class=ArchivingFlow,
            flow_task=ArchivingFlow.review,
            status=STATUS.ASSIGNED,
            owner_id=user.pk,
            created=task.created,
            subject_type_id=ContentType.objects.get_for_model(City).pk,
            subject_id=city.pk,
            city_id=city.pk,
            sla_step="customer.review",
            due_at=due,
            clock_state="running",
        )

        # when: the database is migrated across the move
        executor = _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
        assert ("inbox", "0001_initial") in executor.loader.applied_migrations

        # then: the inbox app's models read every row, as written
        assert list(Watch.objects.values_list("user_id", "process_id")) == [(user.pk, process.pk)]
        saved = SavedFilter.objects.get()
        assert (saved.owner_id, saved.name, saved.query, saved.team_id) == (
            user.pk,
            "My breaches",
            "sla=breached",
            team.pk,
        )
        entry = InboxEntry.objects.get()
        assert (entry.task_id, entry.process_id, entry.flow_class, entry.flow_task) == (
            task.pk,
            process.pk,
            ArchivingFlow,
            ArchivingFlow.review,
        )
        assert (entry.owner_id, entry.city_id, entry.sla_step, entry.due_at, entry.clock_state) == (
            user.pk,
            city.pk,
            "customer.review",
            due,
            "running",
        )
        assert InboxEntry.objects.filter(owner=user, status=STATUS.ASSIGNED).count() == 1  # its indexes' columns
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
        process.delete()  # a task without its record is no inbox's business (the suite's inbox check)
