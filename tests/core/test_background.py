"""Celery on the real Redis and PostgreSQL, and /healthz reading what the worker leaves behind."""

import pytest
from django.urls import reverse
from django.utils import timezone

from keyaccounts.core.health import WORKER_HEARTBEAT
from keyaccounts.core.models import Heartbeat
from keyaccounts.core.tasks import echo_task, worker_heartbeat_task
from tests.processes import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_task_round_trips_through_redis_and_a_real_worker(celery_worker_process):
    assert echo_task.delay("hello").get(timeout=20) == "echo:hello"


def test_the_worker_heartbeat_lands_in_postgresql_and_healthz_reports_ok(celery_worker_process, client):
    worker_heartbeat_task.delay()  # keeps no result: the row is the result

    wait_for(lambda: Heartbeat.objects.filter(name=WORKER_HEARTBEAT).exists(), timeout=20)
    beat = Heartbeat.objects.get(name=WORKER_HEARTBEAT)
    assert (timezone.now() - beat.beat_at).total_seconds() < 30
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    report = response.json()
    assert report["status"] == "ok"
    assert report["checks"]["database"]["detail"] == "postgresql"
    assert report["checks"]["broker"]["detail"] == "redis"


def test_healthz_answers_503_when_no_worker_beat_recently(client, settings):
    Heartbeat.objects.update_or_create(
        name=WORKER_HEARTBEAT,
        defaults={"beat_at": timezone.now() - timezone.timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE + 5)},
    )
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    report = response.json()
    assert report["status"] == "fail"
    assert report["checks"]["worker"]["ok"] is False
    assert report["checks"]["database"]["ok"] is True


def test_every_beat_entry_names_a_task_the_worker_knows(settings):
    from keyaccounts.celery import app

    app.loader.import_default_modules()  # what a worker imports when it starts (the apps' tasks modules)
    scheduled = {name: entry["task"] for name, entry in settings.CELERY_BEAT_SCHEDULE.items()}
    assert {name: task for name, task in scheduled.items() if task not in app.tasks} == {}
