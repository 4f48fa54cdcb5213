from datetime import date

from utils.dates import business_days_between, next_monday


def test_business_days_skip_the_weekend():
    assert business_days_between(date(2024, 5, 3), date(2024, 5, 7)) == 2


def test_next_monday_from_a_monday_is_a_week_later():
    assert next_monday(date(2024, 5, 6)) == date(2024, 5, 13)
