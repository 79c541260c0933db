"""Structured logs: one JSON object a line, with the request id and the ids a caller passes."""

import io
import json
import logging

import pytest
from django.test import Client
from django.urls import reverse

from keyaccounts.core.logging import JsonFormatter, RequestContextFilter, request_id_var
from keyaccounts.core.roles import Role


def test_a_record_becomes_one_json_line_with_its_extra_ids():
    record = logging.makeLogRecord(
        {"name": "orders", "levelname": "INFO", "msg": "order %s accepted", "args": ("PO1",)}
    )
    record.order_id = "PO20261123-0001"
    token = request_id_var.set("req-1")
    try:
        RequestContextFilter().filter(record)
    finally:
        request_id_var.reset(token)
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["message"] == "order PO1 accepted"
    assert entry["order_id"] == "PO20261123-0001"
    assert entry["request_id"] == "req-1"
    assert entry["level"] == "INFO"


@pytest.mark.django_db
def test_every_response_carries_its_request_id(client):
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID="abc123")
    assert response["X-Request-ID"] == "abc123"
    assert len(client.get(reverse("login"))["X-Request-ID"]) == 32


@pytest.fixture
def console():
    """What the configured console handler prints, line by line, while the test runs."""
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    handler.setStream(previous)


def _refusals(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.django_db
def test_a_403_is_one_line_with_who_what_and_why_and_no_traceback(client, user_in_role, caplog, console):
    user = user_in_role(Role.ACCOUNT_MANAGER)
    client.force_login(user)

    assert client.get(reverse("organisation")).status_code == 403

    [record] = _refusals(caplog)
    assert record.exc_info is None
    assert (record.method, record.path, record.status_code, record.user_id) == ("GET", "/organisation/", 403, user.pk)
    assert record.reason == "permission core.view_organisation"
    [line] = console()
    assert line["message"] == "access denied"
    assert "exception" not in line
    assert line["reason"] == record.reason


@pytest.mark.django_db
def test_a_404_is_one_line_without_a_traceback(client, user_in_role, caplog, console):
    user = user_in_role(Role.ACCOUNT_MANAGER)
    client.force_login(user)
    path = reverse("orders:detail", args=[987654])

    assert client.get(path).status_code == 404

    [record] = _refusals(caplog)
    assert (record.message, record.path, record.status_code, record.user_id) == ("request refused", path, 404, user.pk)
    assert record.exc_info is None
    assert [line["status_code"] for line in console()] == [404]


@pytest.mark.django_db
def test_a_suspicious_request_is_one_400_line_with_its_reason_and_no_traceback(client, console):
    """Django logs a SuspiciousOperation on django.security with its traceback, then its 400: one line is left."""
    assert client.get(reverse("login"), HTTP_HOST="evil.example").status_code == 400

    [line] = console()
    assert (line["method"], line["path"], line["status_code"]) == ("GET", reverse("login"), 400)
    assert "evil.example" in line["reason"]
    assert "exception" not in line


@pytest.mark.django_db
def test_a_refused_csrf_token_is_one_line_that_says_so(user_in_role, console):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user_in_role(Role.ACCOUNT_MANAGER))

    assert client.post(reverse("logout")).status_code == 403

    [line] = console()
    assert line["status_code"] == 403
    assert "CSRF" in line["reason"]


@pytest.mark.django_db
def test_an_unhealthy_healthz_is_a_one_line_warning_not_an_error(client, caplog, console):
    """While the services start, the run script's probe gets 503s: they are not errors of the code."""
    assert client.get(reverse("healthz")).status_code == 503  # no worker has beaten in this test

    [record] = _refusals(caplog)
    assert (record.levelname, record.getMessage(), record.status_code) == ("WARNING", "not healthy", 503)
    [line] = console()
    assert (line["level"], line["message"]) == ("WARNING", "not healthy")
