from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from customers.access import visible_customers
from customers.models import Customer
from orders.models import Product

from .models import ATTACHMENT_MAX_BYTES, Attachment, Opportunity
from .services import OpportunityInput


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


class AttachmentForm(forms.ModelForm):
    class Meta:
        model = Attachment
        fields = ["kind", "file"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(Row(Column("kind", css_class="col-md-4"), Column("file", css_class="col-md-8")))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > ATTACHMENT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s MB; at most %(limit)s MB is accepted.")
                % {"size": round(upload.size / 1024 / 1024, 1), "limit": ATTACHMENT_MAX_BYTES // 1024 // 1024}
            )
        return upload
