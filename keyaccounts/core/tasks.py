import socket

from celery import shared_task
from django.utils import timezone

from .health import WORKER_HEARTBEAT
from .models import Heartbeat
from .notifications import notifications_email_sweep, notifications_for_new_tasks


@shared_task(ignore_result=True, soft_time_limit=10, time_limit=20)
def worker_heartbeat_task() -> None:
    """Beat sends it, a worker runs it: a fresh row proves both are alive."""
    Heartbeat.objects.update_or_create(
        name=WORKER_HEARTBEAT, defaults={"beat_at": timezone.now(), "hostname": socket.gethostname()}
    )


@shared_task(soft_time_limit=10, time_limit=20)
def echo_task(value: str) -> str:
    """A round trip through broker, worker and result backend (used by operators and tests)."""
    return f"echo:{value}"


@shared_task(ignore_result=True, soft_time_limit=60, time_limit=90)
def notifications_sweep_task() -> None:
    """New tasks to the people who may take them, then the e-mails whose working hour has come."""
    notifications_for_new_tasks()
    notifications_email_sweep()
