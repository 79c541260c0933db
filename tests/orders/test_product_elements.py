"""Products and their order elements are configuration: forms and validation come from the definition."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from keyaccounts.catalogue.models import ElementCategory, Product, ProductElement
from keyaccounts.core.models import SiCompany
from keyaccounts.core.roles import Role
from orders.elements import ElementsForm, validate_element_values

pytestmark = pytest.mark.django_db

GOOD_LINE = {
    "contact_name": "刘洋",
    "contact_phone": "13804310000",
    "contract_no": "JL2026112301",
    "monthly_fee": "3000",
    "sla_grade": "gold",
    "install_address": "长春市人民大街 1 号",
    "bandwidth": "100M",
    "ip_count": "8",
}


@pytest.fixture
def catalogue(db):
    call_command("seed_demo", verbosity=0)


def test_the_form_groups_a_products_fields_by_the_five_categories(catalogue):
    form = ElementsForm(product=Product.objects.get(code="internet-line"))
    legends = [fieldset.legend for fieldset in form.helper.layout]
    assert legends == [label for value, label in ElementCategory.choices if value != ElementCategory.PRODUCT]
    assert "internet-line__bandwidth" in form.fields
    with translation.override("zh-hans"):
        assert (
            ElementsForm(product=Product.objects.get(code="internet-line")).fields["internet-line__bandwidth"].label
            == "带宽"
        )


def test_valid_values_come_back_clean_and_json_ready(catalogue):
    values = validate_element_values(Product.objects.get(code="internet-line"), GOOD_LINE)
    assert values["ip_count"] == 8
    assert Decimal(values["monthly_fee"]) == Decimal(3000)
    assert values["bandwidth"] == "100M"


@pytest.mark.parametrize(
    ("field", "value", "label"),
    [
        ("bandwidth", "3G", "Bandwidth"),
        ("ip_count", "0", "Public IPv4 addresses"),
        ("ip_count", "many", "Public IPv4 addresses"),
        ("contact_phone", "12345", "Site contact phone"),
        ("contract_no", "contract 7", "Contract number"),
        ("install_address", "", "Installation address"),
    ],
)
def test_an_invalid_value_is_refused_with_the_field_named(catalogue, field, value, label):
    with pytest.raises(ValidationError) as exc:
        validate_element_values(Product.objects.get(code="internet-line"), {**GOOD_LINE, field: value})
    assert label in exc.value.message_dict


def test_a_value_for_an_element_the_product_does_not_have_is_refused(catalogue):
    with pytest.raises(ValidationError, match="no element"):
        validate_element_values(Product.objects.get(code="internet-line"), {**GOOD_LINE, "colour": "red"})


def test_a_definition_change_applies_to_the_next_validation(catalogue):
    product = Product.objects.get(code="internet-line")
    ProductElement.objects.filter(product=product, code="bandwidth").update(choices=["100M", "3G"])
    assert validate_element_values(product, {**GOOD_LINE, "bandwidth": "3G"})["bandwidth"] == "3G"


def test_a_bad_definition_is_refused_by_the_admin_model_check():
    product = Product.objects.create(code="p", name_en="P", name_zh="P", bearer_mode="data", route="T4")
    for broken, field in (
        ({"type": "choice", "choices": []}, "choices"),
        ({"pattern": "(["}, "pattern"),
        ({"min_value": 5, "max_value": 1}, "max_value"),
    ):
        element = ProductElement(product=product, category="product", code="x", label_en="X", label_zh="X", **broken)
        with pytest.raises(ValidationError) as exc:
            element.full_clean()
        assert field in exc.value.message_dict


def test_a_tenth_product_is_added_through_the_admin_and_gets_its_own_form(client, user_in_role):
    admin = user_in_role(Role.ADMINISTRATOR, is_staff=True)
    client.force_login(admin)
    prefix = "elements"
    integrator = SiCompany.objects.create(code="jl-smart", name_en="JL Smart", name_zh="吉林智联")
    form = {
        "code": "cloud-desktop",
        "name_en": "Cloud desktop",
        "name_zh": "云桌面",
        "bearer_mode": "data",
        "route": "T4",
        "description": "",
        "is_active": "on",
        "needs_solution": "on",
        "list_price": "36000",
        "city_discount_limit": "10",
        "province_discount_limit": "20",
        "min_quantity": "1",
        "max_quantity": "500",
        f"{prefix}-TOTAL_FORMS": "2",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
        f"{prefix}-0-category": "product",
        f"{prefix}-0-code": "seats",
        f"{prefix}-0-label_en": "Seats",
        f"{prefix}-0-label_zh": "座席数",
        f"{prefix}-0-type": "integer",
        f"{prefix}-0-required": "on",
        f"{prefix}-0-choices": "[]",
        f"{prefix}-0-min_value": "1",
        f"{prefix}-0-sort_order": "0",
        f"{prefix}-1-category": "service_level",
        f"{prefix}-1-code": "os",
        f"{prefix}-1-label_en": "Desktop OS",
        f"{prefix}-1-label_zh": "桌面系统",
        f"{prefix}-1-type": "choice",
        f"{prefix}-1-required": "on",
        f"{prefix}-1-choices": '["Windows", "Kylin"]',
        f"{prefix}-1-sort_order": "1",
    }
    # A T4 product without the SI partner that receives its work orders is refused, with the reason.
    refused = client.post(reverse("admin:catalogue_product_add"), form)
    assert refused.status_code == 200
    assert "Name the SI partner or platform" in refused.content.decode()
    assert not Product.objects.filter(code="cloud-desktop").exists()
    response = client.post(reverse("admin:catalogue_product_add"), {**form, "si_company": integrator.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    product = Product.objects.get(code="cloud-desktop")
    assert product.si_company == integrator
    assert (product.min_quantity, product.max_quantity) == (1, 500)
    assert validate_element_values(product, {"seats": "50", "os": "Kylin"}) == {"seats": 50, "os": "Kylin"}
    with pytest.raises(ValidationError):
        validate_element_values(product, {"seats": "0", "os": "Kylin"})
