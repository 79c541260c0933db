"""Order-element forms generated from a product's definition (the catalogue's), validated server-side by it."""

import functools

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.utils.translation import gettext_lazy as _

from customers.validators import validate_mainland_phone
from keyaccounts.catalogue.elements import definition_elements
from keyaccounts.catalogue.models import ElementCategory, Product, ProductElement

Type = ProductElement.Type


def _field(element: ProductElement, *, partial: bool = False) -> forms.Field:
    field = _typed_field(element, partial=partial)
    if element.required and partial:  # a draft may leave it empty, its submission may not: marked as required
        field.widget.attrs["aria-required"] = "true"
    return field


def _typed_field(element: ProductElement, *, partial: bool) -> forms.Field:
    required = element.required and not partial
    label = f"{element.label} ({element.unit})" if element.unit else element.label
    options = {"label": label, "required": required, "help_text": element.help_text}
    bounds = [
        *([MinValueValidator(element.min_value)] if element.min_value is not None else []),
        *([MaxValueValidator(element.max_value)] if element.max_value is not None else []),
    ]
    if element.type == Type.INTEGER:
        return forms.IntegerField(validators=bounds, **options)
    if element.type == Type.DECIMAL:
        return forms.DecimalField(max_digits=14, decimal_places=2, validators=bounds, **options)
    if element.type == Type.CHOICE:
        return forms.ChoiceField(choices=[("", "—"), *element.choice_options()], **options)
    if element.type == Type.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **options)
    if element.type == Type.PHONE:
        return forms.CharField(max_length=20, validators=[validate_mainland_phone], **options)
    if element.type == Type.IPV4:
        return forms.GenericIPAddressField(protocol="IPv4", **options)
    if element.type == Type.BOOLEAN:
        return forms.BooleanField(**options)
    pattern = (
        [RegexValidator(element.pattern, _("The value does not have the expected form."))] if element.pattern else []
    )
    return forms.CharField(max_length=500, validators=pattern, **options)


def field_name(element: ProductElement) -> str:
    return f"{element.product.code}__{element.code}"


class ElementsForm(forms.Form):
    """The fields one product requires, grouped by the five categories (prefix the form per order item).

    `definition` is an order item's snapshot (default: the product's current definition); `partial` lets a
    draft be saved with required values still missing.
    """

    def __init__(self, *args, product: Product, definition: list[dict] | None = None, partial=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.product = product
        self.elements = definition_elements(product, definition)
        for element in self.elements:
            self.fields[field_name(element)] = _field(element, partial=partial)

    @functools.cached_property
    def helper(self) -> FormHelper:
        """The fields by category, laid out when the form is drawn (a check only validates)."""
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True
        helper.layout = Layout(
            *[
                Fieldset(label, *[field_name(e) for e in self.elements if e.category == category])
                for category, label in ElementCategory.choices
                if any(e.category == category for e in self.elements)
            ]
        )
        return helper

    def values(self) -> dict:
        """The cleaned values keyed by element code, JSON-ready."""
        result = {}
        for element in self.elements:
            value = self.cleaned_data.get(field_name(element))
            if value in (None, ""):
                continue
            result[element.code] = (
                value.isoformat()
                if hasattr(value, "isoformat")
                else (str(value) if element.type == Type.DECIMAL else value)
            )
        return result


def validate_element_values(product: Product, values: dict, definition: list[dict] | None = None) -> dict:
    """Check values (keyed by element code) against the product's definition (or an item's snapshot of it);
    errors name the field."""
    data = {f"{product.code}__{code}": value for code, value in values.items()}
    form = ElementsForm(data=data, product=product, definition=definition)
    if not form.is_valid():
        labels = {field_name(e): e.label for e in form.elements}
        raise ValidationError({labels.get(name, name): errors for name, errors in form.errors.items()})
    unknown = set(values) - {e.code for e in form.elements}
    if unknown:
        raise ValidationError(
            _("%(product)s has no element %(codes)s.") % {"product": product, "codes": ", ".join(sorted(unknown))}
        )
    return form.values()
