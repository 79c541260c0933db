"""Checks of an opportunity's input shared by the page's form and the channels' API."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Sales forecasts (the pipeline's expected revenue) look at most three years ahead; a date beyond is a typo.
CLOSE_DATE_HORIZON_YEARS = 3


def close_date_horizon(today: dt.date) -> dt.date:
    try:
        return today.replace(year=today.year + CLOSE_DATE_HORIZON_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year + CLOSE_DATE_HORIZON_YEARS, day=28)


def validate_expected_close_date(value: dt.date) -> None:
    """The expected close date lies between today and the horizon, both included, in the operator's time zone."""
    today = timezone.localdate()
    if value < today:
        raise ValidationError(_("The expected close date is in the past: enter today or a later date."), code="past")
    horizon = close_date_horizon(today)
    if value > horizon:
        raise ValidationError(
            _("The expected close date is more than %(years)d years ahead: enter %(horizon)s or an earlier date."),
            params={"years": CLOSE_DATE_HORIZON_YEARS, "horizon": horizon.isoformat()},
            code="too_far",
        )


# The one rule of the form, the API and the service: an opportunity is an archived customer's or a prospect's.
CUSTOMER_OR_PROSPECT = _("Choose an archived customer or name a prospect, not both.")
