"""How the application talks to PostgreSQL."""

import pytest
from django.db import connection

from keyaccounts.core.models import City

pytestmark = pytest.mark.django_db


def test_a_statement_run_again_on_a_connection_is_prepared():
    """PostgreSQL plans a prepared statement once per connection: planning a page's joins cost several times
    running them."""

    def prepared() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return [s for (s,) in cursor.fetchall() if '"name_zh" = $' in s and '"code" = $' in s]

    assert not prepared()
    for _ in range(3):
        City.objects.filter(name_zh="无处", code="nowhere").exists()
    assert len(prepared()) == 1
