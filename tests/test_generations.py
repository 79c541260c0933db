"""Web workers keep configuration every page reads (calendars, the product list) and each signed-in user's
access between requests: a change takes effect on the next request, and a request reads its tokens once."""

import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from keyaccounts.catalogue.models import Product
from keyaccounts.catalogue.selectors import products_on_sale
from keyaccounts.core import generations
from keyaccounts.core.models import Generation
from keyaccounts.core.roles import Role

pytestmark = pytest.mark.django_db


def _product(code: str, **fields) -> Product:
    return Product.objects.create(
        code=code, name_en=code.upper(), name_zh=code, bearer_mode="voice", route="T1", **fields
    )


def _offered(client) -> str:
    page = client.get(reverse("inbox"))
    return page.content.decode().split('name="product"', 1)[1].split("</select>", 1)[0]


def test_products_added_or_withdrawn_show_in_the_inbox_filter_on_the_next_request(client, user_in_role):
    client.force_login(user_in_role(Role.BACK_OFFICE))
    assert ">VPMN<" not in _offered(client)
    product = _product("vpmn")
    assert ">VPMN<" in _offered(client)
    product.is_active = False
    product.save()
    assert ">VPMN<" not in _offered(client)


def test_a_request_reads_its_tokens_once_in_one_statement(client, user_in_role):
    client.force_login(user_in_role(Role.BACK_OFFICE))
    client.get(reverse("inbox"))  # the user and the configuration kept
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("inbox"))
    table = Generation._meta.db_table
    assert len([q for q in captured.captured_queries if table in q["sql"]]) == 1
    assert not [q for q in captured.captured_queries if Product._meta.db_table in q["sql"]]


def test_a_change_a_request_rolls_back_is_not_kept():
    # A request's start and end as Django signals them (its own receivers would also close the test's connection).
    generations._request_started()
    try:
        before = [p.code for p in products_on_sale()]
        with transaction.atomic():
            _product("ghost")
            assert "ghost" in [p.code for p in products_on_sale()]  # the request sees its own change
            transaction.set_rollback(True)
        assert [p.code for p in products_on_sale()] == before
    finally:
        generations._request_finished()
    assert [p.code for p in products_on_sale()] == before


@pytest.mark.django_db(transaction=True)
def test_outside_a_request_a_change_committed_elsewhere_is_seen_at_once():
    """A Celery task runs for long: it keeps nothing past a change."""
    assert "far" not in [p.code for p in products_on_sale()]

    def elsewhere():
        try:
            _product("far")
        finally:
            connection.close()

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert "far" in [p.code for p in products_on_sale()]
