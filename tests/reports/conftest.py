"""The claim cycle's fixtures (tests/claims/conftest.py): a pilot with the worked example, payable
claims, an approved batch; reports are read from what they leave behind."""
from tests.claims.conftest import (  # noqa: F401  (fixtures)
    budget_of,
    no_publicity,
    payable,
    pilot,
    scheme,
    sent,
    voucher,
)
