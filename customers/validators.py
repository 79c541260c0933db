"""Identity checks of Chinese enterprise data: the unified social credit code and mainland phone numbers."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: 31 characters (no I, O, S, V, Z), weights for the first 17 positions.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_CODE_SHAPE = re.compile(rf"^[{CREDIT_CODE_ALPHABET}]{{2}}\d{{6}}[{CREDIT_CODE_ALPHABET}]{{10}}$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def credit_code_check_character(first17: str) -> str:
    total = sum(CREDIT_CODE_ALPHABET.index(ch) * w for ch, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def normalise_credit_code(value: str) -> str:
    return (value or "").strip().upper()


def validate_credit_code(value: str) -> None:
    code = normalise_credit_code(value)
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d."),
            params={"n": len(code)},
            code="length",
        )
    if not _CREDIT_CODE_SHAPE.match(code):
        raise ValidationError(
            _(
                "A unified social credit code uses digits and capital letters other than I, O, S, V and Z, "
                "with the region code (positions 3 to 8) in digits."
            ),
            code="characters",
        )
    if credit_code_check_character(code[:17]) != code[17]:
        raise ValidationError(
            _("The check digit (the last character) is wrong: please check the code against the business licence."),
            code="check_digit",
        )


def normalise_phone(value: str) -> str:
    phone = re.sub(r"[\s()]", "", value or "")
    return phone.removeprefix("+86").removeprefix("0086")


def validate_mainland_phone(value: str) -> None:
    phone = normalise_phone(value)
    if not (_MOBILE.match(phone) or _LANDLINE.match(phone)):
        raise ValidationError(
            _("Enter a mainland China mobile number (11 digits starting with 1) or a landline with its area code."),
            code="phone",
        )
