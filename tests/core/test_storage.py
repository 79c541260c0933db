"""User files: stored and served through Django's storage API, on the filesystem or an S3-compatible store."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.files.storage import InMemoryStorage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from opportunities import services as opportunity_services
from opportunities.services import OpportunityInput
from orders import services as order_services
from orders.services import ItemInput
from tests.core.settings_process import run

READ_DEFAULT_STORAGE = (
    "import json, django; django.setup(); from django.core.files.storage import storages; s = storages['default']; "
    "print(json.dumps([f'{type(s).__module__}.{type(s).__name__}', getattr(s, 'bucket_name', None), "
    "getattr(s, 'endpoint_url', None), getattr(s, 'default_acl', 'n/a'), getattr(s, 'file_overwrite', None)]))"
)


def test_user_files_are_on_the_filesystem_by_default():
    result = run("keyaccounts.settings.test", ["-c", READ_DEFAULT_STORAGE])

    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout)[0] == "django.core.files.storage.filesystem.FileSystemStorage"


@pytest.mark.parametrize("settings_module", ["keyaccounts.settings.local", "keyaccounts.settings.test"])
def test_file_storage_s3_selects_the_s3_backend_with_its_bucket_and_endpoint(settings_module):
    result = run(
        settings_module,
        ["-c", READ_DEFAULT_STORAGE],
        FILE_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="keyaccounts-documents",
        AWS_S3_ENDPOINT_URL="http://minio.internal:9000",
    )

    assert result.returncode == 0, result.stderr[-3000:]
    backend, bucket, endpoint, acl, overwrite = json.loads(result.stdout)
    assert backend == "storages.backends.s3.S3Storage"
    assert (bucket, endpoint) == ("keyaccounts-documents", "http://minio.internal:9000")
    assert (acl, overwrite) == (None, False)  # private objects; an upload never replaces another's file


def test_file_storage_s3_needs_a_bucket_and_an_unknown_storage_is_refused():
    no_bucket = run("keyaccounts.settings.test", ["-c", READ_DEFAULT_STORAGE], FILE_STORAGE="s3")
    unknown = run("keyaccounts.settings.test", ["-c", READ_DEFAULT_STORAGE], FILE_STORAGE="ftp")

    assert no_bucket.returncode != 0
    assert "AWS_STORAGE_BUCKET_NAME" in no_bucket.stderr
    assert unknown.returncode != 0
    assert "FILE_STORAGE='ftp'" in unknown.stderr


@pytest.fixture
def memory_storage(settings):
    """A default storage with no filesystem behind it: code that opened a path instead of the storage fails."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    storage = storages["default"]
    assert isinstance(storage, InMemoryStorage)
    return storage


def test_documents_are_stored_and_downloaded_through_the_storage_api(
    client, memory_storage, manager, customer, catalogue
):
    order = order_services.order_create(user=manager, customer=customer, items=[ItemInput(product=catalogue["T2"])])
    opportunity = opportunity_services.opportunity_record(
        user=manager,
        data=OpportunityInput(
            city=manager.city,
            products=[catalogue["T2"]],
            estimated_value=Decimal("100000"),
            expected_close_date=dt.date(2027, 3, 31),
            description="Demand met on a visit",
            customer=customer,
        ),
    )
    contract = order_services.order_attach(
        user=manager, order=order, kind="contract", upload=SimpleUploadedFile("contract.pdf", b"%PDF-order")
    )
    solution = opportunity_services.opportunity_attach(
        user=manager, opportunity=opportunity, kind="solution", upload=SimpleUploadedFile("plan.pdf", b"%PDF-opp")
    )
    client.force_login(manager)

    downloads = [
        client.get(reverse("orders:attachment", args=[order.pk, contract.pk])),
        client.get(reverse("opportunities:attachment", args=[opportunity.pk, solution.pk])),
    ]

    assert memory_storage.exists(contract.file.name)
    assert memory_storage.exists(solution.file.name)
    assert [b"".join(d.streaming_content) for d in downloads] == [b"%PDF-order", b"%PDF-opp"]
    assert [
        "contract.pdf" in downloads[0]["Content-Disposition"],
        "plan.pdf" in downloads[1]["Content-Disposition"],
    ] == [True, True]
