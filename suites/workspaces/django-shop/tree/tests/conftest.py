import pytest

from accounts.models import Customer


@pytest.fixture
def customer(db):
    return Customer.objects.create(username="ada", company="Analytical Engines Ltd")
