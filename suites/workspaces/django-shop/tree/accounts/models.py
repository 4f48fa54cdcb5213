from django.contrib.auth.models import AbstractUser
from django.db import models


class Customer(AbstractUser):
    company = models.CharField(max_length=200, blank=True)
    vat_id = models.CharField(max_length=32, blank=True)
    loyalty_tier = models.CharField(
        max_length=10,
        choices=[("none", "None"), ("silver", "Silver"), ("gold", "Gold")],
        default="none",
    )

    def __str__(self) -> str:
        return self.company or self.get_full_name() or self.username
