import pytest
from django.core.exceptions import ValidationError

from customers.validators import validate_credit_code, validate_mainland_phone
from tests.factories import credit_code

# A code widely published as a valid example: an independent check of the algorithm.
KNOWN_VALID = ["91350100M000100Y43"]


@pytest.mark.parametrize("code", [*KNOWN_VALID, credit_code(1), credit_code(2).lower()])
def test_valid_codes_pass(code):
    validate_credit_code(code)


def test_a_wrong_check_digit_is_refused_with_a_message_saying_so():
    good = credit_code(7)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(wrong)
    assert exc.value.code == "check_digit"
    assert "check digit" in exc.value.messages[0]


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("9135010", "length"),
        ("91350100M000100Y4311", "length"),
        ("9135010OM000100Y43", "characters"),
        ("91ABCDEFM000100Y43", "characters"),
    ],
)
def test_malformed_codes_are_refused(code, error):
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(code)
    assert exc.value.code == error


@pytest.mark.parametrize("phone", ["13904311234", "+86 139 0431 1234", "0431-88881234", "043188881234", "010-12345678"])
def test_mainland_numbers_pass(phone):
    validate_mainland_phone(phone)


@pytest.mark.parametrize("phone", ["12345", "23904311234", "1390431123", "+1 415 555 0100", "phone"])
def test_other_numbers_are_refused(phone):
    with pytest.raises(ValidationError):
        validate_mainland_phone(phone)
