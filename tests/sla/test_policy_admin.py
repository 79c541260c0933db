"""An administrator sets a time limit by choosing its step by name, in the admin's language; the policy keeps the
step's code."""

import pytest
from django.urls import reverse
from django.utils import translation

from sla.models import SlaPolicy

pytestmark = pytest.mark.django_db
ADD = "admin:sla_slapolicy_add"


def form_data(**overrides) -> dict:
    return {
        "step": "assurance.fault_level1",
        "customer_level": "",
        "limit": "0:30:00",
        "time_basis": "calendar",
        "warn_at_percent": "50",
        "warn_again_at_percent": "80",
        "team_kind": "",
        "escalate_to": "city_supervisor",
        "pause_cap_percent": "0",
        "is_active": "on",
        **overrides,
    }


def test_the_step_is_chosen_by_its_name_and_kept_as_its_code(admin_client):
    page = admin_client.get(reverse(ADD))
    options = {str(value): str(label) for value, label in page.context["adminform"].form.fields["step"].choices}
    assert options["assurance.fault_level1"] == "Level 1 fault restoration"
    assert options["order.acceptance"] != "order.acceptance"  # every process's steps, each by its name
    response = admin_client.post(reverse(ADD), form_data())
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert SlaPolicy.objects.get().step == "assurance.fault_level1"
    assert "Level 1 fault restoration" in admin_client.get(reverse("admin:sla_slapolicy_changelist")).content.decode()


def test_the_steps_read_in_chinese_for_a_chinese_administrator(admin_client):
    with translation.override("zh-hans"):
        page = admin_client.get(reverse(ADD), HTTP_ACCEPT_LANGUAGE="zh-hans")
        options = dict(page.context["adminform"].form.fields["step"].choices)
    assert options["assurance.fault_level1"] == "一级故障修复"


def test_a_step_typed_by_hand_is_refused(admin_client):
    response = admin_client.post(reverse(ADD), form_data(step="assurance.fault_levl1"))
    assert response.status_code == 200
    assert "step" in response.context["adminform"].form.errors
    assert not SlaPolicy.objects.exists()


def test_a_policy_of_a_step_no_process_names_any_more_can_still_be_edited(admin_client):
    policy = SlaPolicy.objects.create(step="legacy.review", limit="8:00:00")
    page = admin_client.get(reverse("admin:sla_slapolicy_change", args=[policy.pk]))
    assert ("legacy.review", "legacy.review") in page.context["adminform"].form.fields["step"].choices
