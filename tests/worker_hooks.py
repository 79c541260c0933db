"""Imported by the test suite's Celery worker only (`celery worker --include`).

Transactional tests flush the database between tests, and Django recreates the content types with new
ids; a long-lived worker would keep the old ids in its ContentType cache and write timeline rows that
point nowhere. Production never deletes content types, so this belongs to the tests.
"""

from celery.signals import task_prerun


@task_prerun.connect
def forget_content_types(**kwargs) -> None:
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
