"""Documents on a trouble ticket: uploaded by whoever may note it, type-checked, shown with who and when, and
served only through the ticket's scope check."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from assurance.models import TicketAttachment
from assurance.services import ticket_attach
from assurance.timeline import TicketAction
from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.models import TimelineEvent
from keyaccounts.core.roles import Role

from .conftest import report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def attach(client, ticket, name="trace.pdf", content=b"%PDF-1.4 trace", *, internal=True, **headers):
    data = {"file": SimpleUploadedFile(name, content)}
    if internal:
        data["internal"] = "on"
    url = reverse("assurance:attachment_add", args=[ticket.pk])
    return client.post(url, data, follow=True, **headers)


def test_the_account_managers_document_shows_on_the_page_and_downloads_with_the_same_bytes(
    configured, manager, customer, client
):
    # given
    ticket = report(manager, customer)
    client.force_login(manager)
    # when
    page = attach(client, ticket, internal=False).content.decode()
    # then
    attachment = ticket.attachments.get()
    assert (attachment.uploaded_by, attachment.internal, attachment.name) == (manager, False, "trace.pdf")
    download = reverse("assurance:attachment", args=[ticket.pk, attachment.pk])
    assert f'<a href="{download}">trace.pdf</a>' in page
    assert "Document attached." in page
    assert timezone.localtime(attachment.created_at).strftime("%Y-%m-%d %H:%M") in page
    response = client.get(download)
    assert b"".join(response.streaming_content) == b"%PDF-1.4 trace"
    assert 'filename="trace.pdf"' in response["Content-Disposition"]


def test_another_citys_user_gets_404_for_the_page_and_the_download(
    configured, manager, customer, client, user_in_role, other_city
):
    ticket = report(manager, customer)
    attachment = ticket_attach(user=manager, ticket=ticket, upload=SimpleUploadedFile("a.pdf", b"%PDF"), internal=True)
    client.force_login(user_in_role(Role.ACCOUNT_MANAGER, city=other_city, username="am_far"))
    assert client.get(reverse("assurance:detail", args=[ticket.pk])).status_code == 404
    assert client.get(reverse("assurance:attachment", args=[ticket.pk, attachment.pk])).status_code == 404
    assert attach(client, ticket).status_code == 404
    assert ticket.attachments.count() == 1


def test_a_document_of_another_ticket_is_not_served_under_this_one(configured, manager, customer, client):
    mine, other = report(manager, customer), report(manager, customer, description="Another complaint")
    theirs = ticket_attach(user=manager, ticket=other, upload=SimpleUploadedFile("b.pdf", b"%PDF"), internal=True)
    client.force_login(manager)
    assert client.get(reverse("assurance:attachment", args=[mine.pk, theirs.pk])).status_code == 404


def test_a_refused_file_type_or_an_empty_file_changes_nothing_and_says_why(configured, manager, customer, client):
    ticket = report(manager, customer)
    client.force_login(manager)
    events = TimelineEvent.objects.count()

    page = attach(client, ticket, "virus.exe", b"MZ").content.decode()
    assert "File extension “exe” is not allowed" in page
    page = attach(client, ticket, "empty.pdf", b"").content.decode()
    assert "The submitted file is empty." in page

    assert not TicketAttachment.objects.exists()
    assert TimelineEvent.objects.count() == events
    with pytest.raises(ApplicationError, match="is not allowed"):
        ticket_attach(user=manager, ticket=ticket, upload=SimpleUploadedFile("x.exe", b"MZ"), internal=True)


def test_a_finished_ticket_takes_no_document_and_shows_no_form(configured, manager, customer, client):
    ticket = report(manager, customer)
    type(ticket).objects.filter(pk=ticket.pk).update(status=type(ticket).Status.CLOSED)
    ticket.refresh_from_db()
    with pytest.raises(ApplicationError, match="no document can be attached"):
        ticket_attach(user=manager, ticket=ticket, upload=SimpleUploadedFile("a.pdf", b"%PDF"), internal=True)
    client.force_login(manager)
    page = client.get(reverse("assurance:detail", args=[ticket.pk])).content.decode()
    assert 'data-testid="attachment-form"' not in page
    assert "no document can be attached" in attach(client, ticket).content.decode()
    assert not TicketAttachment.objects.exists()


def test_the_timeline_names_the_file_and_whether_it_is_public(configured, manager, customer, desk, client):
    ticket = report(manager, customer)
    ticket_attach(user=desk, ticket=ticket, upload=SimpleUploadedFile("log.zip", b"PK"), internal=True)
    ticket_attach(user=manager, ticket=ticket, upload=SimpleUploadedFile("photo.jpg", b"JPG"), internal=False)
    events = TimelineEvent.objects.filter(action=TicketAction.ATTACHED).order_by("pk")
    assert [(e.data, e.actor) for e in events] == [
        ({"file": "log.zip", "internal": True}, desk),
        ({"file": "photo.jpg", "internal": False}, manager),
    ]
    client.force_login(desk)  # the city's assurance desk sees the ticket, and may attach to it
    page = client.get(reverse("assurance:detail", args=[ticket.pk])).content.decode()
    assert page.count("Document attached") == 2
    assert 'data-testid="attachment-form"' in page


def test_the_page_in_chinese_shows_the_chinese_labels(configured, manager, customer, client):
    ticket = report(manager, customer)
    ticket_attach(user=manager, ticket=ticket, upload=SimpleUploadedFile("a.pdf", b"%PDF"), internal=True)
    client.force_login(manager)
    page = client.get(reverse("assurance:detail", args=[ticket.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content
    page = page.decode()
    for chinese in ("附件", "已上传附件", "内部：不向客户展示"):
        assert chinese in page
    for english in ("Documents", "Document attached", "internal: not to be shown to the customer", "Attach<"):
        assert english not in page
    refused = attach(client, ticket, "x.exe", b"MZ", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "File extension" not in refused
