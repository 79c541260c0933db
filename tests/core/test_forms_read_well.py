"""Forms that read well: a form-wide error shown once, a summary at the top when several fields fail, labels
capitalised and translated, a label per product in the quote form; the lock-out page says for how long and
leads back to sign-in."""

import re
from types import SimpleNamespace

import pytest
from crispy_forms.helper import FormHelper
from django import forms
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from keyaccounts.catalogue.models import Product
from keyaccounts.core.roles import Role
from opportunities.forms import QuoteForm
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


class AmountForm(forms.Form):
    customer = forms.CharField(label="customer name")
    amount = forms.DecimalField(label="amount")
    note = forms.CharField(label="note", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


def drawn(form) -> str:
    with translation.override("en"):
        return Template("{% load crispy_forms_tags %}{% crispy form form.helper %}").render(Context({"form": form}))


def test_a_form_wide_error_shows_once_and_several_failed_fields_are_summed_up_with_capitalised_labels():
    form = AmountForm({"customer": "", "amount": "many"})
    form.is_valid()
    form.add_error(None, "The whole order is refused.")

    page = drawn(form)

    assert page.count("The whole order is refused.") == 1
    assert 'data-testid="form-error-summary"' in page
    assert '<a class="alert-link" href="#id_customer">Customer name</a>' in page
    assert '<a class="alert-link" href="#id_amount">Amount</a>' in page
    assert re.search(
        r"<label[^>]*>\s*Note\s*</label>", page
    )  # every label starts with a capital, not only the failed ones


def test_one_failed_field_is_shown_beside_the_field_only():
    form = AmountForm({"customer": "长春一汽物流", "amount": "many"})
    with translation.override("en"):
        form.is_valid()

    page = drawn(form)

    assert 'data-testid="form-errors"' not in page
    assert page.count("Enter a number.") == 1


def test_the_opportunity_form_sums_up_its_failed_fields_in_chinese(client, user_in_role):
    client.force_login(user_in_role(Role.ACCOUNT_MANAGER))
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})

    page = client.post(reverse("opportunities:create"), {"contact_name": "王工"}).content.decode()

    summary = page[page.index('data-testid="form-error-summary"') :]
    summary = summary[: summary.index("</ul>")]
    for label in ("意向产品", "预计金额（元/年）", "预计成交日期"):
        assert f">{label}</a>" in summary


def test_the_quote_form_names_each_products_fields(db):
    products = [
        Product.objects.create(code=code, name_en=en, name_zh=zh, bearer_mode="data", route="T2", list_price="1000")
        for code, en, zh in (("a-line", "Internet line", "互联网专线"), ("b-line", "Data line", "数据专线"))
    ]
    # the form reads only the opportunity's products and quote lines
    opportunity = SimpleNamespace(
        products=SimpleNamespace(all=lambda: products), quote_lines=SimpleNamespace(all=list), discount_justification=""
    )

    with translation.override("zh-hans"):
        labels = [str(field.label) for field in QuoteForm(opportunity=opportunity).fields.values()]

    assert len(set(labels)) == len(labels) == 5  # two per product, and the justification
    assert "互联网专线：折扣（%）" in labels


def test_the_lock_out_page_says_for_how_long_and_leads_back_to_sign_in(client, user_in_role, settings):
    user = user_in_role(Role.ACCOUNT_MANAGER)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": user.username, "password": "wrong"})

    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})

    assert response.status_code == 429
    page = response.content.decode()
    assert "locked for 0 h 15 min" in page  # LOGIN_LOCKOUT_HOURS, 0.25 by default
    assert f'href="{reverse("login")}"' in page
