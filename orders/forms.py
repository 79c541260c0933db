from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from keyaccounts.catalogue.models import Product
from keyaccounts.core import forms as core_forms

from .models import BillingAccount, Order, OrderAttachment, OrderCancellation


def _helper(*fields) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    if fields:
        helper.layout = Layout(*fields)
    return helper


class NewOrderForm(forms.Form):
    """E3: a standard product ordered directly by an archived customer."""

    customer = forms.ModelChoiceField(label=_("customer"), queryset=Customer.objects.none())
    products = forms.ModelMultipleChoiceField(
        label=_("products"), queryset=Product.objects.filter(is_active=True), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = Customer.objects.filter(
            account_manager=user, status=Customer.Status.VALIDATED
        )
        self.helper = _helper()


class OrderHeaderForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Order
        fields = ["contract_reference", "billing_account", "requested_start_date", "note"]
        widgets = {
            "requested_start_date": forms.DateInput(attrs={"type": "date"}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the customer's accounts that can be charged.
        self.fields["billing_account"].queryset = BillingAccount.objects.filter(
            customer=self.instance.customer, state=BillingAccount.State.ACTIVE
        )
        self.helper = _helper(
            Row(Column("contract_reference"), Column("billing_account"), Column("requested_start_date")),
            "note",
            "version",
        )

    def header(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class BillingAccountForm(forms.ModelForm):
    """What the account manager gives to open an account; the number is generated, the arrears come from billing."""

    class Meta:
        model = BillingAccount
        fields = ["payer_name", "billing_address", "payment_method", "credit_limit"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("payer_name", "billing_address"):
            self.fields[name].required = True
        self.helper = _helper(Row(Column("payer_name"), Column("payment_method")), "billing_address", "credit_limit")


class ItemQuantityForm(forms.Form):
    """An item's quantity within its product's bounds: refused with a message, never corrected silently."""

    def __init__(self, data, *, item):
        super().__init__(data, auto_id="%s")
        self.name = f"quantity{item.pk}"  # the field's name on the page, one per item
        product = item.product
        self.fields[self.name] = forms.IntegerField(
            label=_("Quantity"),
            initial=item.quantity,
            min_value=product.min_quantity,
            max_value=product.max_quantity,
            help_text=_("From %(min)s to %(max)s.") % {"min": product.min_quantity, "max": product.max_quantity},
        )

    @property
    def field(self):
        return self[self.name]

    def quantity(self) -> int:
        return self.cleaned_data[self.name]


class AddItemForm(forms.Form):
    product = forms.ModelChoiceField(label=_("add a product"), queryset=Product.objects.filter(is_active=True))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="add", **kwargs)
        self.helper = _helper()


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[("approve", _("Accept / approve")), ("reject", _("Refuse the order"))],
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
        self.helper = _helper()


class CancellationForm(forms.Form):
    # Drawn by hand on the order page (shown on every view of it): crispy cost as much as the rest of the form.
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="cancel", **kwargs)


class CancellationDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("decision"), choices=OrderCancellation.Decision.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when you refuse: the account manager reads it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class AttachmentForm(core_forms.AttachmentForm):
    class Meta(core_forms.AttachmentForm.Meta):
        model = OrderAttachment
