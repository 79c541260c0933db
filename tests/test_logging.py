"""Structured logs: one JSON object a line, with the request id and the ids a caller passes."""

import json
import logging

import pytest
from django.urls import reverse

from keyaccounts.core.logging import JsonFormatter, RequestContextFilter, request_id_var


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
