import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from keyaccounts.catalogue.models import Product
from keyaccounts.core.roles import Role
from opportunities.models import Opportunity

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(db):
    return Product.objects.create(
        code="group-sms", name_en="Group SMS", name_zh="集团短信", bearer_mode="sms", route="T3"
    )


def form(product, **overrides) -> dict:
    return {
        "prospect_name": "长春新能源有限公司",
        "products": [product.pk],
        "estimated_value": "50000",
        "expected_close_date": (timezone.localdate() + dt.timedelta(days=60)).isoformat(),
        "description": "SMS notices to 2,000 staff",
        **overrides,
    }


def test_an_account_manager_records_an_opportunity_that_is_theirs(client, user_in_role, product, city):
    manager = user_in_role(Role.ACCOUNT_MANAGER)
    client.force_login(manager)
    response = client.post(reverse("opportunities:create"), form(product))
    opportunity = Opportunity.objects.get()
    assert response["Location"] == reverse("opportunities:detail", args=[opportunity.pk])
    assert (opportunity.account_manager, opportunity.city, opportunity.channel.code) == (manager, city, "visit")
    page = client.get(response["Location"]).content.decode()
    assert "Recorded" in page
    assert opportunity in client.get(reverse("opportunities:list")).context["page"].object_list


def test_no_company_and_no_product_are_refused_with_messages(client, user_in_role, product):
    client.force_login(user_in_role(Role.ACCOUNT_MANAGER))
    response = client.post(reverse("opportunities:create"), form(product, prospect_name=""))
    assert "Name the customer or the prospect" in response.content.decode()
    response = client.post(reverse("opportunities:create"), form(product, products=[]))
    assert response.context["form"].errors["products"]
    assert not Opportunity.objects.exists()


def test_other_cities_and_roles_cannot_see_an_opportunity(client, user_in_role, product, other_city):
    client.force_login(user_in_role(Role.ACCOUNT_MANAGER))
    client.post(reverse("opportunities:create"), form(product))
    opportunity = Opportunity.objects.get()
    client.force_login(user_in_role(Role.ACCOUNT_MANAGER, city=other_city))
    assert client.get(reverse("opportunities:detail", args=[opportunity.pk])).status_code == 404
    assert not client.get(reverse("opportunities:list"), {"view": "all"}).context["page"].object_list
    client.force_login(user_in_role(Role.SI_PARTNER))
    assert client.get(reverse("opportunities:list")).status_code == 403
    assert client.get(reverse("opportunities:create")).status_code == 403


def test_the_pipeline_totals_by_stage_city_and_manager_within_scope(client, user_in_role, product, other_city):
    manager = user_in_role(Role.ACCOUNT_MANAGER, first_name="Li", last_name="Na")
    client.force_login(manager)
    client.post(reverse("opportunities:create"), form(product, estimated_value="50000"))
    client.post(reverse("opportunities:create"), form(product, estimated_value="70000"))
    client.force_login(user_in_role(Role.ACCOUNT_MANAGER, city=other_city))
    client.post(reverse("opportunities:create"), form(product, estimated_value="999999"))

    client.force_login(user_in_role(Role.CITY_SUPERVISOR))
    context = client.get(reverse("opportunities:pipeline")).context
    total = context["total_rows"][0]
    assert total.cells["acknowledged"] == (2, 120000)
    assert [row.label for row in context["by_city"]] == ["Changchun"]
    assert [(row.label, row.cells["acknowledged"][0]) for row in context["by_manager"]] == [("Li Na", 2)]

    client.force_login(user_in_role(Role.PROVINCIAL_SUPERVISOR, city=None))
    context = client.get(reverse("opportunities:pipeline")).context
    assert context["total_rows"][0].cells["acknowledged"] == (3, 1119999)
    assert len(context["by_city"]) == 2


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def test_documents_are_type_and_size_checked_and_served_only_within_scope(
    client, user_in_role, product, other_city, media, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    manager = user_in_role(Role.ACCOUNT_MANAGER)
    client.force_login(manager)
    client.post(reverse("opportunities:create"), form(product))
    opportunity = Opportunity.objects.get()
    url = reverse("opportunities:detail", args=[opportunity.pk])

    wrong_type = client.post(url, {"kind": "survey", "file": SimpleUploadedFile("run.exe", b"MZ...")})
    assert "not allowed" in str(wrong_type.context["attachment_form"].errors["file"])
    settings.ATTACHMENT_MAX_BYTES = 1024
    too_big = client.post(url, {"kind": "survey", "file": SimpleUploadedFile("survey.pdf", b"x" * 2048)})
    settings.ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
    assert "at most" in str(too_big.context["attachment_form"].errors["file"])
    assert "at most" in too_big.content.decode()  # the page says why
    assert not opportunity.attachments.exists()

    ok = client.post(url, {"kind": "survey", "file": SimpleUploadedFile("survey.pdf", b"%PDF-1.4 report")})
    assert ok.status_code == 302
    attachment = opportunity.attachments.get()
    download = reverse("opportunities:attachment", args=[opportunity.pk, attachment.pk])
    assert b"".join(client.get(download).streaming_content) == b"%PDF-1.4 report"
    assert "Document attached" in client.get(url).content.decode()

    client.force_login(user_in_role(Role.ACCOUNT_MANAGER, city=other_city))
    assert client.get(download).status_code == 404
    client.force_login(user_in_role(Role.BACK_OFFICE))
    assert client.get(download).status_code == 200  # city colleagues may read...
    assert (
        client.post(url, {"kind": "other", "file": SimpleUploadedFile("a.pdf", b"x")}).status_code == 403
    )  # ...not add
