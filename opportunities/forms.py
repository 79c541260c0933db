from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from customers.access import visible_customers
from customers.models import Customer
from customers.validators import validate_mainland_phone
from keyaccounts.catalogue.models import Product
from keyaccounts.core import forms as core_forms
from keyaccounts.core.models import SiCompany

from .models import Attachment, LostReason, Opportunity
from .services import OpportunityInput
from .validators import CUSTOMER_OR_PROSPECT, validate_expected_close_date


class OpportunityForm(forms.ModelForm):
    customer = forms.ModelChoiceField(label=_("customer"), queryset=Customer.objects.none(), required=False)
    products = forms.ModelMultipleChoiceField(
        label=_("products of interest"),
        queryset=Product.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Opportunity
        fields = [
            "customer",
            "prospect_name",
            "contact_name",
            "contact_phone",
            "products",
            "estimated_value",
            "expected_close_date",
            "needs_survey",
            "needs_solution",
            "description",
        ]
        widgets = {
            "expected_close_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["customer"].queryset = visible_customers(user).filter(status=Customer.Status.VALIDATED)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("customer"), Column("prospect_name")),
            Row(Column("contact_name"), Column("contact_phone")),
            "products",
            Row(Column("estimated_value"), Column("expected_close_date")),
            Row(Column("needs_survey"), Column("needs_solution")),
            "description",
        )

    def clean_expected_close_date(self):
        value = self.cleaned_data["expected_close_date"]
        validate_expected_close_date(value)
        return value

    def clean_contact_phone(self):
        value = self.cleaned_data["contact_phone"].strip()
        if value:
            validate_mainland_phone(value)
        return value

    def clean(self):
        data = super().clean()
        if data.get("customer") and data.get("prospect_name", "").strip():
            self.add_error("prospect_name", CUSTOMER_OR_PROSPECT)
        return data

    def to_input(self) -> OpportunityInput:
        data = self.cleaned_data
        return OpportunityInput(
            city=self.user.city,
            products=list(data["products"]),
            estimated_value=data["estimated_value"],
            expected_close_date=data["expected_close_date"],
            description=data["description"],
            customer=data["customer"],
            prospect_name=data["prospect_name"],
            contact_name=data["contact_name"],
            contact_phone=data["contact_phone"],
            needs_survey=data["needs_survey"],
            needs_solution=data["needs_solution"],
        )


class AttachmentForm(core_forms.AttachmentForm):
    class Meta(core_forms.AttachmentForm.Meta):
        model = Attachment


def _plain_helper(*fields) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    if fields:
        helper.layout = Layout(*fields)
    return helper


class QualifyForm(forms.Form):
    customer = forms.ModelChoiceField(
        label=_("customer"),
        queryset=Customer.objects.none(),
        required=False,
        help_text=_("For a prospect: the customer it was archived as."),
    )
    needs_survey = forms.BooleanField(label=_("needs a network resource survey"), required=False)
    needs_solution = forms.BooleanField(label=_("needs a customised solution"), required=False)
    installation_address = forms.CharField(
        label=_("installation address"),
        max_length=255,
        required=False,
        help_text=_("Required when the opportunity is surveyed."),
    )
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, opportunity, **kwargs):
        initial = {
            "customer": opportunity.customer_id,
            "needs_survey": opportunity.needs_survey,
            "needs_solution": opportunity.needs_solution,
            "installation_address": opportunity.installation_address,
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["customer"].queryset = visible_customers(user).filter(status=Customer.Status.VALIDATED)
        self.helper = _plain_helper(
            "customer", Row(Column("needs_survey"), Column("needs_solution")), "installation_address", "note"
        )


class GiveUpForm(forms.Form):
    lost_reason = forms.ModelChoiceField(label=_("why it is lost"), queryset=LostReason.objects.filter(is_active=True))
    note = forms.CharField(label=_("what happened"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="lost", **kwargs)
        self.helper = _plain_helper()


class SolutionForm(forms.Form):
    summary = forms.CharField(label=_("solution"), widget=forms.Textarea(attrs={"rows": 5}))
    si_company = forms.ModelChoiceField(
        label=_("SI partner in the solution"),
        queryset=SiCompany.objects.filter(is_active=True),
        required=False,
        help_text=_("When the solution needs a system integrator."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _plain_helper()


class QuoteForm(forms.Form):
    """One quantity and discount per product; the list price comes from the catalogue."""

    def __init__(self, *args, opportunity, **kwargs):
        super().__init__(*args, **kwargs)
        current = {line.product_id: line for line in opportunity.quote_lines.all()}
        self.products = list(opportunity.products.all())
        rows = []
        for product in self.products:
            line = current.get(product.pk)
            self.fields[f"quantity_{product.pk}"] = forms.IntegerField(
                label=_("%(product)s: quantity") % {"product": product},
                min_value=product.min_quantity,
                max_value=product.max_quantity,
                initial=line.quantity if line else product.min_quantity,
            )
            self.fields[f"discount_{product.pk}"] = forms.DecimalField(
                label=_("%(product)s: discount (%%)") % {"product": product},
                min_value=0,
                max_value=100,
                decimal_places=2,
                initial=line.discount_percent if line else 0,
                help_text=_("List price %(price)s; above %(city)s needs approval.")
                % {"price": product.list_price, "city": product.city_discount_limit},
            )
            rows.append(Row(Column(f"quantity_{product.pk}", css_class="col-md-6"), Column(f"discount_{product.pk}")))
        self.fields["justification"] = forms.CharField(
            label=_("why the discount"),
            required=False,
            initial=opportunity.discount_justification,
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text=_("Required when a discount needs approval: the supervisor reads it."),
        )
        self.helper = _plain_helper(*rows, "justification")

    def lines(self) -> list[dict]:
        return [
            {
                "product": product,
                "quantity": self.cleaned_data[f"quantity_{product.pk}"],
                "discount_percent": self.cleaned_data[f"discount_{product.pk}"],
            }
            for product in self.products
        ]


class DiscountDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[("approve", _("Approve the discount")), ("reject", _("Refuse: quote again"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when you refuse."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _plain_helper()


class WonForm(forms.Form):
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="won", **kwargs)
        self.helper = _plain_helper()
